/*
 * store.h - the event store: one interface, several backends.
 *
 * The store keeps events, quarantined records, tenants, sources and the
 * committed offset of every input file. Today's backend is SQLite in a data
 * directory ($VIGIL_HOME, default ./var); PostgreSQL will implement the same
 * operations (store_int.h) without changing callers.
 *
 * Writes go through one writer thread. Producers hand batches over with
 * store_submit_take(), which blocks while the bounded queue is full
 * (back-pressure), and may wait for "committed" with store_wait(). The
 * writer drains whatever is queued (up to max_group_events) into one
 * transaction: group commit. A batch's events, its quarantine records and
 * its input's new offset commit together or not at all.
 *
 * Reads (search, listings) run on the calling thread over their own
 * connection; WAL lets them proceed while the writer writes.
 */
#ifndef VIGIL_STORE_STORE_H
#define VIGIL_STORE_STORE_H

#include "base/err.h"
#include "base/str.h"
#include "core/batch.h"
#include "core/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct query;

enum store_durability {
    STORE_DURABLE_FULL,   /* fsync on every commit: an acknowledged batch survives power loss */
    STORE_DURABLE_NORMAL, /* survives a process crash; the last commits may go on power loss */
};

struct store_opts {
    const char *home; /* data directory; created if absent */
    bool fts;         /* full-text index on raw events */
    enum store_durability durability;
    size_t queue_batches;         /* batches queued before producers block */
    size_t max_group_events;      /* events per transaction, at most */
    int64_t retention_max_age_ns; /* 0 = keep forever */
    uint64_t retention_max_bytes; /* 0 = no size limit */
    bool read_only;               /* open for queries only: no writer thread */
};

void store_opts_default(struct store_opts *o);

int store_open(const struct store_opts *o, struct store **out, struct diag *d);
/* Flushes the queue, stops the writer, closes. NULL is a no-op. */
void store_close(struct store *s);

/* ---- tenants, sources, input files --------------------------------------- */

/* The id of a tenant; created on first use when `create`, else E_NOTFOUND. */
int store_tenant(struct store *s, const char *name, bool create, uint32_t *id, struct diag *d);
int store_source(struct store *s, uint32_t tenant_id, const char *name, const char *type,
                 const char *format, uint32_t *id, struct diag *d);

/* What identifies an input file across runs, and where its last commit ended. */
struct store_file {
    /* in: the file as it is now */
    uint64_t size;       /* bytes on disk */
    const uint8_t *head; /* its first bytes (up to STORE_FILE_HEAD_BYTES) */
    size_t head_len;
    /* out */
    int64_t id;
    uint64_t offset; /* committed: everything before it is stored or quarantined */
    bool restarted;  /* a different file than last time: starting over at 0 */
};

#define STORE_FILE_HEAD_BYTES 1024

/*
 * Find or create the record of `path` for a source. The file is recognised
 * by a hash of its first bytes (as many as were hashed last time); if that no
 * longer matches, or the file is now shorter than the committed offset, it
 * was replaced, rotated or truncated and its offset restarts at 0.
 */
int store_file_open(struct store *s, uint32_t source_id, const char *path, struct store_file *f,
                    struct diag *d);

/* ---- writing -------------------------------------------------------------- */

/*
 * Queue a batch for the writer. Takes ownership of b on success (and on
 * failure: a failed store frees it). Blocks while the queue is full.
 * *seq identifies the batch for store_wait(). Fails with the writer's
 * sticky error once a commit has failed.
 */
int store_submit_take(struct store *s, struct event_batch *b, uint64_t *seq, struct diag *d);
/* Wait until batch `seq` (and all before it) is committed, or the writer failed. */
int store_wait(struct store *s, uint64_t seq, struct diag *d);

/* ---- reading -------------------------------------------------------------- */

struct store_search_opts {
    uint32_t tenant_id;
    uint64_t limit; /* rows returned, at most; 0 = default (1000) */
};

/* One result row: n_cols values named by cols; valid only during the call. */
typedef int store_row_fn(void *ctx, size_t n_cols, const char *const *cols,
                         const struct value *vals);

/* Run a parsed query. The callback may return non-zero to stop early (that code is returned). */
int store_search(struct store *s, const struct query *q, const struct store_search_opts *o,
                 store_row_fn *fn, void *ctx, struct diag *d);
/* The SQL a query compiles to, for --explain (caller frees). */
int store_explain(struct store *s, const struct query *q, const struct store_search_opts *o,
                  char **sql, struct diag *d);

/* Rows of a fixed listing, through the same callback. */
int store_list_sources(struct store *s, uint32_t tenant_id, store_row_fn *fn, void *ctx,
                       struct diag *d);
int store_list_quarantine(struct store *s, uint32_t tenant_id, uint64_t limit, store_row_fn *fn,
                          void *ctx, struct diag *d);

struct store_stats {
    uint64_t events, quarantined, sources, files, partitions;
    uint64_t db_bytes;
    int64_t first_ts, last_ts;
};
int store_stats(struct store *s, uint32_t tenant_id, struct store_stats *st, struct diag *d);

/* Apply retention now (also run by the writer after commits). *dropped = partitions removed. */
int store_retention(struct store *s, int64_t now_ns, uint64_t *dropped, struct diag *d);

#endif
