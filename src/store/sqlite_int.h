/*
 * sqlite_int.h - internals of the SQLite backend, shared by its files.
 *
 * Two connections: `w` belongs to the writer thread (batches, partitions,
 * retention); `r` serves callers' threads (search, listings, and the small
 * writes of registering tenants, sources and files), guarded by r_lock.
 * WAL lets r read while w writes; busy_timeout covers r's rare writes.
 */
#ifndef VIGIL_STORE_SQLITE_INT_H
#define VIGIL_STORE_SQLITE_INT_H

#include "base/buf.h"
#include "store/schema.h"
#include "store/store_int.h"

#include <pthread.h>
#include <sqlite3.h>

#define SQLITE_MAX_CACHED_PARTS 8

/* A partition the writer has open: its insert statement and this transaction's id range. */
struct sqlite_part {
    int64_t day;
    bool has_fts;
    char ev[16], fts[16];
    sqlite3_stmt *insert;
    int64_t txn_first_id, txn_last_id; /* 0 when untouched in this transaction */
    int64_t txn_rows, txn_min_ts, txn_max_ts;
    uint64_t last_used;
};

struct sqlite_be {
    char *path;
    bool fts;
    enum store_durability durability;

    sqlite3 *w;
    int64_t next_id;
    struct sqlite_part parts[SQLITE_MAX_CACHED_PARTS];
    uint64_t use_clock;
    sqlite3_stmt *q_insert, *file_update;

    sqlite3 *r;
    pthread_mutex_t r_lock;
};

/* Open a connection with vigil's pragmas and functions. */
int sqlite__connect(const char *path, bool read_only, sqlite3 **out, struct diag *d);
/* Report the connection's last error as a diag; returns E_DB. */
int sqlite__fail(sqlite3 *db, struct diag *d, const char *what);
int sqlite__exec(sqlite3 *db, const char *sql, struct diag *d);
/* Run numbered migrations up to the latest; PRAGMA user_version records progress. */
int sqlite__migrate(sqlite3 *db, struct diag *d);
/* For read-only opens: fail unless the schema is exactly the current version. */
int sqlite__migrate_check(sqlite3 *db, struct diag *d);
/* Create a day partition (table, indexes, FTS) if absent and list it in `partitions`. */
int sqlite_schema_create_partition(sqlite3 *db, int64_t day, bool fts, struct diag *d);

/* sqlite_write.c */
int sqlite__writer_init(struct sqlite_be *be, struct diag *d);
void sqlite__writer_fini(struct sqlite_be *be);
/* What the writer binds for one event, prepared on the producer's thread. */
struct sqlite_row {
    struct str fields; /* JSON object of the event's fields, in the batch arena */
    const struct value *promoted[SCHEMA_N_PROMOTED];
};
int sqlite__prepare(void *be, struct event_batch *b, struct diag *d);
int sqlite__begin(void *be, struct diag *d);
int sqlite__write_batch(void *be, const struct event_batch *b, struct diag *d);
int sqlite__commit(void *be, struct diag *d);
void sqlite__rollback(void *be);
int sqlite__retention(void *be, const struct store_opts *o, int64_t now_ns, uint64_t *dropped,
                      struct diag *d);

/* sqlite_search.c */
int sqlite__search(void *be, const struct query *q, const struct store_search_opts *o,
                   store_row_fn *fn, void *ctx, struct diag *d);
int sqlite__explain(void *be, const struct query *q, const struct store_search_opts *o, char **sql,
                    struct diag *d);
/* Step a prepared SELECT on r and hand its rows to fn, named by col_names when given. */
int sqlite__rows(struct sqlite_be *be, sqlite3_stmt *st, const char *const *col_names,
                 size_t n_names, store_row_fn *fn, void *ctx, struct diag *d);

#endif
