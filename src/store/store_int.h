/*
 * store_int.h - what a store backend implements.
 *
 * store.c owns the writer thread, the queue and group commit; a backend
 * (sqlite.c today, PostgreSQL later) supplies storage. Writer operations
 * (begin, write_batch, commit, rollback, retention) are only called on the
 * writer thread; everything else on callers' threads, serialised by the
 * backend as it needs.
 */
#ifndef VIGIL_STORE_STORE_INT_H
#define VIGIL_STORE_STORE_INT_H

#include "store/store.h"

struct store_backend {
    const char *name;
    int (*open)(const struct store_opts *o, void **be, struct diag *d);
    void (*close)(void *be);

    int (*tenant)(void *be, const char *name, bool create, uint32_t *id, struct diag *d);
    int (*source)(void *be, uint32_t tenant_id, const char *name, const char *type,
                  const char *format, uint32_t *id, struct diag *d);
    int (*file_open)(void *be, uint32_t source_id, const char *path, struct store_file *f,
                     struct diag *d);

    /* Optional, on the producer's thread before queueing: turn the batch's
     * events into what write_batch binds, so the writer thread only writes. */
    int (*prepare)(void *be, struct event_batch *b, struct diag *d);
    int (*begin)(void *be, struct diag *d);
    int (*write_batch)(void *be, const struct event_batch *b, struct diag *d);
    int (*commit)(void *be, struct diag *d);
    void (*rollback)(void *be);
    int (*retention)(void *be, const struct store_opts *o, int64_t now_ns, uint64_t *dropped,
                     struct diag *d);

    int (*search)(void *be, const struct query *q, const struct store_search_opts *o,
                  store_row_fn *fn, void *ctx, struct diag *d);
    int (*explain)(void *be, const struct query *q, const struct store_search_opts *o, char **sql,
                   struct diag *d);
    int (*list_sources)(void *be, uint32_t tenant_id, store_row_fn *fn, void *ctx, struct diag *d);
    int (*list_quarantine)(void *be, uint32_t tenant_id, uint64_t limit, store_row_fn *fn,
                           void *ctx, struct diag *d);
    int (*stats)(void *be, uint32_t tenant_id, struct store_stats *st, struct diag *d);
};

extern const struct store_backend store_backend_sqlite;

#endif
