/*
 * sqlite_schema.c - connections, numbered migrations, day partitions.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "store/sqlite_func.h"
#include "store/sqlite_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/*
 * Numbered migrations. Each runs once, in order, in a transaction, and
 * PRAGMA user_version records the last one applied. Never edit a shipped
 * migration: add the next one.
 */
static const char *const migrations[] = {
    /* 1: the spine */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE tenants(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  created_ns INTEGER NOT NULL);"
    "INSERT INTO tenants(id, name, created_ns) VALUES (1, 'default', 0);"
    "CREATE TABLE sources(id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,"
    "  type TEXT NOT NULL, format TEXT NOT NULL, created_ns INTEGER NOT NULL,"
    "  UNIQUE(tenant_id, name));"
    "CREATE TABLE source_files(id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,"
    "  source_id INTEGER NOT NULL REFERENCES sources(id), path TEXT NOT NULL,"
    "  head_hash INTEGER, head_len INTEGER, offset INTEGER NOT NULL DEFAULT 0,"
    "  records INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0,"
    "  quarantined INTEGER NOT NULL DEFAULT 0, restarts INTEGER NOT NULL DEFAULT 0,"
    "  updated_ns INTEGER, UNIQUE(source_id, path));"
    "CREATE TABLE partitions(day INTEGER PRIMARY KEY, ev_table TEXT NOT NULL,"
    "  fts_table TEXT, rows INTEGER NOT NULL DEFAULT 0, min_ts INTEGER, max_ts INTEGER,"
    "  created_ns INTEGER NOT NULL);"
    "CREATE TABLE quarantine(id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,"
    "  source_id INTEGER NOT NULL, file_id INTEGER, offset INTEGER NOT NULL,"
    "  length INTEGER NOT NULL, reason TEXT NOT NULL, detail TEXT, raw BLOB,"
    "  ingest_ns INTEGER NOT NULL);"
    "CREATE INDEX quarantine_tenant ON quarantine(tenant_id, id);",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int sqlite__fail(sqlite3 *db, struct diag *d, const char *what)
{
    return diag_set(d, E_DB, "store", "%s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
}

int sqlite__exec(sqlite3 *db, const char *sql, struct diag *d)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        diag_set(d, E_DB, "store", "%s", err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return E_DB;
    }
    return 0;
}

/* Process-wide settings that must precede sqlite3_initialize(). Memory
 * statistics cost a global mutex on every allocation (measured: ~3% of ingest). */
static void sqlite_global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

int sqlite__connect(const char *path, bool read_only, sqlite3 **out, struct diag *d)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_global_init);
    sqlite3 *db = NULL;
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = diag_set(d, E_DB, path, "cannot open the database: %s",
                          db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_extended_result_codes(db, 1);
    /* auto_vacuum must be set before the first table exists; harmless afterwards. */
    const char *pragmas = read_only ? "PRAGMA query_only=ON; PRAGMA temp_store=MEMORY;"
                                    : "PRAGMA auto_vacuum=INCREMENTAL;"
                                      "PRAGMA page_size=16384;"
                                      "PRAGMA journal_mode=WAL;"
                                      "PRAGMA wal_autocheckpoint=4096;"
                                      "PRAGMA temp_store=MEMORY;"
                                      "PRAGMA cache_size=-32768;"
                                      "PRAGMA foreign_keys=ON;";
    int rc = sqlite__exec(db, pragmas, d);
    if (rc == 0 && sqlite_func_register(db) != 0)
        rc = sqlite__fail(db, d, "registering vigil's SQL functions");
    if (rc) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

int sqlite__migrate(sqlite3 *db, struct diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return sqlite__fail(db, d, "reading the schema version");
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (version > N_MIGRATIONS)
        return diag_set(d, E_UNSUPPORTED, "store",
                        "the data directory has schema version %d, newer than this vigil (%d): "
                        "upgrade vigil",
                        version, N_MIGRATIONS);
    for (int v = version; v < N_MIGRATIONS; v++) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
        int rc = sqlite__exec(db, "BEGIN IMMEDIATE", d);
        if (rc == 0)
            rc = sqlite__exec(db, migrations[v], d);
        if (rc == 0)
            rc = sqlite__exec(db, sql, d);
        if (rc == 0)
            rc = sqlite__exec(db, "COMMIT", d);
        if (rc) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            char where[64];
            snprintf(where, sizeof(where), "migration %d", v + 1);
            return diag_set(d, rc, where, "%s", d ? d->msg : "failed");
        }
    }
    return 0;
}

int sqlite_schema_create_partition(sqlite3 *db, int64_t day, bool fts, struct diag *d)
{
    char ev[16], ft[16];
    schema_partition_names(day, ev, ft);
    struct buf b;
    buf_init(&b, 1 << 16);
    buf_printf(&b,
               "CREATE TABLE IF NOT EXISTS %s(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
               " ingest_ts INTEGER NOT NULL, tenant_id INTEGER NOT NULL,"
               " source_id INTEGER NOT NULL, flags INTEGER NOT NULL",
               ev);
    size_t n;
    const struct schema_column *cols = schema_promoted(&n);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, ", %s %s", cols[i].column, cols[i].sql_type);
    buf_append_c(&b, ", raw TEXT NOT NULL, fields TEXT NOT NULL);");
    buf_printf(&b, "CREATE INDEX IF NOT EXISTS %s_ts ON %s(tenant_id, ts);", ev, ev);
    for (size_t i = 0; i < n; i++)
        if (cols[i].indexed)
            /* Queries compare text case-insensitively (host = ? COLLATE NOCASE); a NOCASE
             * index serves them while the column itself stays binary, so grouping and
             * sorting keep "alice" and "Alice" apart. */
            buf_printf(&b, "CREATE INDEX IF NOT EXISTS %s_%s ON %s(%s%s);", ev, cols[i].column, ev,
                       cols[i].column,
                       strcmp(cols[i].sql_type, "TEXT") == 0 ? " COLLATE NOCASE" : "");
    if (fts)
        buf_printf(&b,
                   "CREATE VIRTUAL TABLE IF NOT EXISTS %s USING fts5(raw, content='%s',"
                   " content_rowid='id');",
                   ft, ev);
    buf_printf(&b,
               "INSERT OR IGNORE INTO partitions(day, ev_table, fts_table, created_ns)"
               " VALUES (%lld, '%s', %s%s%s, %lld);",
               (long long)day, ev, fts ? "'" : "", fts ? ft : "NULL", fts ? "'" : "",
               (long long)clock_now_ns());
    int rc =
        b.err ? diag_set(d, E_TOOBIG, "store", "partition DDL too long") : sqlite__exec(db, b.p, d);
    buf_fini(&b);
    return rc;
}

int sqlite__migrate_check(sqlite3 *db, struct diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return sqlite__fail(db, d, "reading the schema version");
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (version != N_MIGRATIONS)
        return diag_set(d, E_UNSUPPORTED, "store",
                        "the data directory has schema version %d, this vigil expects %d: open it "
                        "read-write once to migrate",
                        version, N_MIGRATIONS);
    return 0;
}
