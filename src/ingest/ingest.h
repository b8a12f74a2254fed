/*
 * ingest.h - from an input file to batches of events.
 *
 *   input (file/stdin, gzip/zstd) -> framing (lines, or JSON documents)
 *     -> validation (caps, NUL, CRLF, UTF-8) -> decode (format) -> normalize
 *     -> batch -> sink
 *
 * Every record becomes an event, a quarantine record (with reason, offset
 * and raw bytes), or is counted as skipped (blank lines, a CSV header, text
 * between JSON documents). Batches end on record boundaries and carry the
 * offset just past their last record, so a sink that commits a batch's
 * events together with that offset can resume exactly.
 *
 * ingest knows nothing of the store: it emits batches to a sink; the CLI or
 * daemon wires the sink to the store writer. Runs on the caller's thread.
 */
#ifndef VIGIL_INGEST_INGEST_H
#define VIGIL_INGEST_INGEST_H

#include "base/err.h"
#include "base/timefmt.h"
#include "core/batch.h"
#include "ingest/decoder.h"

#include <stdbool.h>
#include <stdint.h>

struct ingest_stats {
    uint64_t start_offset; /* where this run began (resume) */
    uint64_t bytes;        /* decompressed bytes consumed, from start_offset */
    uint64_t raw_bytes;    /* on-disk bytes read */
    uint64_t raw_size;     /* on-disk size, 0 if unknown */
    uint64_t records, events, quarantined, skipped;
    uint64_t ts_missing, ts_invalid, utf8_repaired;
    uint64_t batches;
};

typedef void ingest_progress_fn(void *ctx, const struct ingest_stats *st);

struct ingest_opts {
    const char *format; /* decoder name; NULL = detect from the first lines */
    struct ingest_limits limits;
    struct time_opts time;
    size_t batch_events; /* events per batch, at most */
    size_t batch_bytes;  /* record bytes per batch, at most */
    uint32_t tenant_id;
    ingest_progress_fn *progress;
    void *progress_ctx;
};

void ingest_opts_default(struct ingest_opts *o);

/* Where batches go. emit_take owns the batch from the call on, success or not. */
struct ingest_sink {
    int (*emit_take)(void *ctx, struct event_batch *b, struct diag *d);
    void *ctx;
};

struct ingest;

/* Open an input and pick its decoder (opts->format, or detection over the first lines). */
int ingest_open(const char *path, const struct ingest_opts *o, struct ingest **out, struct diag *d);
void ingest_close(struct ingest *ig);
const struct decoder *ingest_decoder(const struct ingest *ig);
const char *ingest_framing(const struct ingest *ig); /* "lines" or "json-documents" */
const char *ingest_codec(const struct ingest *ig);   /* "plain", "gzip", "zstd" */
const uint8_t *ingest_head(const struct ingest *ig, size_t *len);
uint64_t ingest_raw_size(const struct ingest *ig);

/* What the batches of a run are tagged with, and where the run starts. */
struct ingest_target {
    uint32_t source_id;
    int64_t file_id;       /* the store's record of the input; 0 for stdin */
    uint64_t start_offset; /* resume point: a record boundary from a previous run */
};

/* Read from t->start_offset to the end, emitting batches to sink. */
int ingest_run(struct ingest *ig, const struct ingest_target *t, const struct ingest_sink *sink,
               struct ingest_stats *st, struct diag *d);

#endif
