/*
 * sqlite.c - the SQLite backend: opening the data directory, tenants,
 * sources, input files, listings and statistics.
 */
#include "base/clock.h"
#include "base/hash.h"
#include "base/xmalloc.h"
#include "store/sqlite_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int make_home(const char *home, struct diag *d)
{
    struct stat st;
    if (stat(home, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return diag_set(d, E_IO, home, "the data directory path exists but is not a directory");
        return 0;
    }
    if (mkdir(home, 0750) != 0 && errno != EEXIST)
        return diag_set(d, E_IO, home, "cannot create the data directory: %s", strerror(errno));
    return 0;
}

static void be_free(struct sqlite_be *be)
{
    if (be == NULL)
        return;
    if (be->w) {
        sqlite__writer_fini(be);
        sqlite3_close(be->w);
    }
    sqlite3_close(be->r);
    pthread_mutex_destroy(&be->r_lock);
    free(be->path);
    free(be);
}

static int be_open(const struct store_opts *o, void **out, struct diag *d)
{
    int rc;
    if (!o->read_only && (rc = make_home(o->home, d)))
        return rc;
    struct sqlite_be *be = xcalloc(1, sizeof(*be));
    pthread_mutex_init(&be->r_lock, NULL);
    size_t n = strlen(o->home) + sizeof("/vigil.db");
    be->path = xmalloc(n);
    snprintf(be->path, n, "%s/vigil.db", o->home);
    be->fts = o->fts;
    be->durability = o->durability;
    if (o->read_only) {
        struct stat st;
        if (stat(be->path, &st) != 0) {
            rc = diag_set(d, E_NOTFOUND, be->path,
                          "no vigil database here: ingest something first, or set VIGIL_HOME");
            goto fail;
        }
    } else {
        if ((rc = sqlite__connect(be->path, false, &be->w, d)))
            goto fail;
        rc = sqlite__exec(be->w,
                          o->durability == STORE_DURABLE_FULL ? "PRAGMA synchronous=FULL"
                                                              : "PRAGMA synchronous=NORMAL",
                          d);
        if (rc == 0)
            rc = sqlite__migrate(be->w, d);
        if (rc == 0)
            rc = sqlite__writer_init(be, d);
        if (rc)
            goto fail;
    }
    /* The reader also registers tenants, sources and files: read-write unless read-only. */
    if ((rc = sqlite__connect(be->path, o->read_only, &be->r, d)))
        goto fail;
    if (o->read_only && (rc = sqlite__migrate_check(be->r, d)))
        goto fail;
    *out = be;
    return 0;
fail:
    be_free(be);
    return rc;
}

static void be_close(void *arg)
{
    be_free(arg);
}

/* Run a prepared statement with text/int binds on r; return the first column of the first row. */
static int scalar_id(struct sqlite_be *be, sqlite3_stmt *st, int64_t *id, struct diag *d)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        return 0;
    }
    if (rc == SQLITE_DONE)
        return E_NOTFOUND;
    return sqlite__fail(be->r, d, "query");
}

static int be_tenant(void *arg, const char *name, bool create, uint32_t *id, struct diag *d)
{
    struct sqlite_be *be = arg;
    pthread_mutex_lock(&be->r_lock);
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    const char *sql = create ? "INSERT INTO tenants(name, created_ns) VALUES (?1, ?2)"
                               " ON CONFLICT(name) DO UPDATE SET name=name RETURNING id"
                             : "SELECT id FROM tenants WHERE name=?1";
    int rc = sqlite3_prepare_v2(be->r, sql, -1, &st, NULL) == SQLITE_OK
                 ? 0
                 : sqlite__fail(be->r, d, "looking up a tenant");
    if (rc == 0) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (create)
            sqlite3_bind_int64(st, 2, clock_now_ns());
        rc = scalar_id(be, st, &v, d);
        if (rc == E_NOTFOUND)
            diag_set(d, rc, "tenant", "no tenant named '%s'", name);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&be->r_lock);
    *id = (uint32_t)v;
    return rc;
}

static int be_source(void *arg, uint32_t tenant_id, const char *name, const char *type,
                     const char *format, uint32_t *id, struct diag *d)
{
    struct sqlite_be *be = arg;
    pthread_mutex_lock(&be->r_lock);
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    int rc = sqlite3_prepare_v2(be->r,
                                "INSERT INTO sources(tenant_id, name, type, format, created_ns)"
                                " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(tenant_id, name)"
                                " DO UPDATE SET type=?3, format=?4 RETURNING id",
                                -1, &st, NULL) == SQLITE_OK
                 ? 0
                 : sqlite__fail(be->r, d, "registering a source");
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, tenant_id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, format, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, clock_now_ns());
        rc = scalar_id(be, st, &v, d);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&be->r_lock);
    *id = (uint32_t)v;
    return rc;
}

static int be_file_open(void *arg, uint32_t source_id, const char *path, struct store_file *f,
                        struct diag *d)
{
    struct sqlite_be *be = arg;
    pthread_mutex_lock(&be->r_lock);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    f->restarted = false;
    if (sqlite3_prepare_v2(be->r,
                           "SELECT id, head_hash, head_len, offset FROM source_files"
                           " WHERE source_id=?1 AND path=?2",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sqlite__fail(be->r, d, "looking up an input file");
        goto out;
    }
    sqlite3_bind_int64(st, 1, source_id);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        f->id = sqlite3_column_int64(st, 0);
        int64_t hash = sqlite3_column_int64(st, 1);
        size_t len = (size_t)sqlite3_column_int64(st, 2);
        uint64_t offset = (uint64_t)sqlite3_column_int64(st, 3);
        bool same =
            len <= f->head_len && (int64_t)hash_bytes(f->head, len) == hash && offset <= f->size;
        f->offset = same ? offset : 0;
        f->restarted = !same;
        sqlite3_finalize(st);
        st = NULL;
        /* Re-hash the head as it is now: the file may have grown past the old head. */
        if (sqlite3_prepare_v2(be->r,
                               "UPDATE source_files SET head_hash=?1, head_len=?2,"
                               " offset=CASE WHEN ?3 THEN 0 ELSE offset END,"
                               " restarts=restarts+?3 WHERE id=?4",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = sqlite__fail(be->r, d, "updating an input file");
            goto out;
        }
        sqlite3_bind_int64(st, 1, (int64_t)hash_bytes(f->head, f->head_len));
        sqlite3_bind_int64(st, 2, (int64_t)f->head_len);
        sqlite3_bind_int(st, 3, f->restarted);
        sqlite3_bind_int64(st, 4, f->id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sqlite__fail(be->r, d, "updating an input file");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(be->r,
                           "INSERT INTO source_files(tenant_id, source_id, path, head_hash,"
                           " head_len, offset, updated_ns) SELECT tenant_id, id, ?2, ?3, ?4, 0, ?5"
                           " FROM sources WHERE id=?1 RETURNING id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sqlite__fail(be->r, d, "registering an input file");
        goto out;
    }
    sqlite3_bind_int64(st, 1, source_id);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)hash_bytes(f->head, f->head_len));
    sqlite3_bind_int64(st, 4, (int64_t)f->head_len);
    sqlite3_bind_int64(st, 5, clock_now_ns());
    f->offset = 0;
    rc = scalar_id(be, st, &f->id, d);
    if (rc == E_NOTFOUND)
        rc = diag_set(d, E_NOTFOUND, "store", "source %u does not exist", source_id);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&be->r_lock);
    return rc;
}

int sqlite__rows(struct sqlite_be *be, sqlite3_stmt *st, const char *const *col_names,
                 size_t n_names, store_row_fn *fn, void *ctx, struct diag *d)
{
    int n = sqlite3_column_count(st);
    const char *names[64];
    struct value vals[64];
    if (n > 64)
        return diag_set(d, E_TOOBIG, "store", "a result has %d columns; at most 64", n);
    for (int i = 0; i < n; i++)
        names[i] = col_names && (size_t)i < n_names ? col_names[i] : sqlite3_column_name(st, i);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                vals[i] = value_int(sqlite3_column_int64(st, i));
                break;
            case SQLITE_FLOAT:
                vals[i] = value_float(sqlite3_column_double(st, i));
                break;
            case SQLITE_NULL:
                vals[i] = (struct value){.type = VAL_NULL};
                break;
            default: {
                const char *t = (const char *)sqlite3_column_text(st, i);
                vals[i] = value_str(str_make(t ? t : "", (size_t)sqlite3_column_bytes(st, i)));
                break;
            }
            }
        }
        int cb = fn(ctx, (size_t)n, names, vals);
        if (cb)
            return cb;
    }
    return rc == SQLITE_DONE ? 0 : sqlite__fail(be->r, d, "reading results");
}

static int list(struct sqlite_be *be, const char *sql, int64_t a, int64_t b, store_row_fn *fn,
                void *ctx, struct diag *d)
{
    pthread_mutex_lock(&be->r_lock);
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(be->r, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sqlite__fail(be->r, d, "listing");
    } else {
        if (sqlite3_bind_parameter_count(st) >= 1)
            sqlite3_bind_int64(st, 1, a);
        if (sqlite3_bind_parameter_count(st) >= 2)
            sqlite3_bind_int64(st, 2, b);
        rc = sqlite__rows(be, st, NULL, 0, fn, ctx, d);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&be->r_lock);
    return rc;
}

static int be_list_sources(void *be, uint32_t tenant_id, store_row_fn *fn, void *ctx,
                           struct diag *d)
{
    return list(be,
                "SELECT s.name AS source, s.type, s.format, count(f.id) AS files,"
                " coalesce(sum(f.events),0) AS events, coalesce(sum(f.quarantined),0) AS"
                " quarantined, coalesce(sum(f.offset),0) AS bytes, max(f.updated_ns) AS updated"
                " FROM sources s LEFT JOIN source_files f ON f.source_id = s.id"
                " WHERE s.tenant_id=?1 GROUP BY s.id ORDER BY s.name",
                tenant_id, 0, fn, ctx, d);
}

static int be_list_quarantine(void *be, uint32_t tenant_id, uint64_t limit, store_row_fn *fn,
                              void *ctx, struct diag *d)
{
    return list(be,
                "SELECT q.id, q.ingest_ns AS ingested, s.name AS source, f.path AS file,"
                " q.offset, q.length, q.reason, q.detail, CAST(q.raw AS TEXT) AS raw"
                " FROM quarantine q JOIN sources s ON s.id = q.source_id"
                " LEFT JOIN source_files f ON f.id = q.file_id"
                " WHERE q.tenant_id=?1 ORDER BY q.id DESC LIMIT ?2",
                tenant_id, (int64_t)(limit ? limit : 100), fn, ctx, d);
}

static int64_t one(sqlite3 *db, const char *sql, int64_t arg)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_bind_parameter_count(st) >= 1)
            sqlite3_bind_int64(st, 1, arg);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int be_stats(void *arg, uint32_t tenant_id, struct store_stats *s, struct diag *d)
{
    (void)d;
    struct sqlite_be *be = arg;
    pthread_mutex_lock(&be->r_lock);
    memset(s, 0, sizeof(*s));
    s->events = (uint64_t)one(be->r,
                              "SELECT coalesce(sum(events),0) FROM source_files"
                              " WHERE tenant_id=?1",
                              tenant_id);
    s->quarantined =
        (uint64_t)one(be->r, "SELECT count(*) FROM quarantine WHERE tenant_id=?1", tenant_id);
    s->sources = (uint64_t)one(be->r, "SELECT count(*) FROM sources WHERE tenant_id=?1", tenant_id);
    s->files =
        (uint64_t)one(be->r, "SELECT count(*) FROM source_files WHERE tenant_id=?1", tenant_id);
    s->partitions = (uint64_t)one(be->r, "SELECT count(*) FROM partitions", 0);
    s->first_ts = one(be->r, "SELECT min(min_ts) FROM partitions", 0);
    s->last_ts = one(be->r, "SELECT max(max_ts) FROM partitions", 0);
    s->db_bytes = (uint64_t)one(be->r,
                                "SELECT page_count * page_size FROM pragma_page_count,"
                                " pragma_page_size",
                                0);
    pthread_mutex_unlock(&be->r_lock);
    return 0;
}

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .open = be_open,
    .close = be_close,
    .tenant = be_tenant,
    .source = be_source,
    .file_open = be_file_open,
    .prepare = sqlite__prepare,
    .begin = sqlite__begin,
    .write_batch = sqlite__write_batch,
    .commit = sqlite__commit,
    .rollback = sqlite__rollback,
    .retention = sqlite__retention,
    .search = sqlite__search,
    .explain = sqlite__explain,
    .list_sources = be_list_sources,
    .list_quarantine = be_list_quarantine,
    .stats = be_stats,
};
