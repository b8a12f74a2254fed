/*
 * decoder.h - one interface for every log format.
 *
 * A decoder turns one record (a line, without its terminator, already valid
 * UTF-8 and free of NUL bytes) into an event's fields and, when the format
 * carries one, its timestamp. Decoders are table-driven: each format is one
 * file (dec_<name>.c) exporting a const struct decoder, listed once in
 * decoder.c. Adding a format means adding one file and one table line.
 *
 * Contract for decode():
 *   - returns 0 and fills ev (fields, ts_ns if the record has a time; leave
 *     ts_ns at 0 when it has none and normalisation will look for one);
 *   - returns E_AGAIN when the line is consumed without an event (a CSV
 *     header, a comment line); the caller counts it, it is not quarantined;
 *   - returns another negative code with d filled (d->msg says what was
 *     wrong and where in the line, e.g. "column 17: expected '\"'") and the
 *     caller quarantines the line with that reason.
 *   - strings that must outlive the line buffer (unescaped values) go in
 *     ctx->arena; slices into `line` are fine, the line lives as long as the
 *     batch.
 *   - never reads past line.len, never allocates beyond ctx->limits.
 * Decoders never log and keep no global state; per-file state (the CSV
 * header) lives in ctx->state, created by open() and freed by close().
 */
#ifndef VIGIL_INGEST_DECODER_H
#define VIGIL_INGEST_DECODER_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "base/timefmt.h"
#include "core/event.h"

#include <stddef.h>
#include <stdint.h>

struct ingest_limits {
    size_t max_line_bytes; /* longer records are quarantined (line_too_long) */
    uint32_t max_depth;    /* JSON nesting */
    uint32_t max_fields;   /* fields per event */
};

#define INGEST_LIMITS_DEFAULT                                                                      \
    {                                                                                              \
        .max_line_bytes = 1u << 20, .max_depth = 32, .max_fields = 1024                            \
    }

struct decoder_ctx {
    const struct ingest_limits *limits;
    struct time_opts time;
    struct arena *arena; /* the batch's arena */
    void *state;         /* the decoder's per-file state */
};

struct decoder {
    const char *name;        /* "json", "syslog", "apache", "csv", "kv", "cef" */
    const char *description; /* one line for --help and `vigil formats` */
    unsigned flags;          /* DECODER_* */
    /* How likely a sample of a file's first lines is this format: 0..100. */
    int (*probe)(const struct str *lines, size_t n_lines);
    /* Optional: create/free ctx->state. open() returns 0 or a negative code. */
    int (*open)(struct decoder_ctx *ctx);
    void (*close)(struct decoder_ctx *ctx);
    int (*decode)(struct decoder_ctx *ctx, struct str line, struct event *ev, struct diag *d);
};

/* The first record of a file is a header the decoder must see even when
 * ingest resumes past it (CSV): ingest replays it on resume. */
#define DECODER_HEADER 0x1u

/* All decoders, in probe order. */
const struct decoder *const *decoder_all(size_t *n);
/* By name, or NULL. */
const struct decoder *decoder_find(const char *name);
/* The best-scoring decoder for a sample of lines; never NULL (falls back to "raw"). */
const struct decoder *decoder_detect(const struct str *lines, size_t n_lines);

#endif
