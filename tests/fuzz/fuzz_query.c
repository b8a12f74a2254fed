/*
 * fuzz_query.c - the query parser and the SQLite compiler on arbitrary bytes.
 *
 * Every input must either fail to parse with a "column N: ..." message, or
 * parse, dump, and then either be refused by the compiler with a reason
 * (E_UNSUPPORTED, E_TOOBIG) or compile to SQL that SQLite prepares and runs
 * without error over a small database with the real schema. A statement
 * SQLite rejects is a compiler bug, so it aborts.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "query/query.h"
#include "store/schema.h"
#include "store/sqlite_func.h"
#include "store/sqlite_int.h"
#include "store/sqlite_sql.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY1   19796 /* 2024-03-14 */
#define NOW_NS ((int64_t)(DAY1 + 2) * NS_PER_DAY)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static struct sql_partition parts[3];

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_query setup: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
        abort();
    }
}

static void setup(void)
{
    struct diag d = {0};
    must(sqlite3_open(":memory:", &db) == SQLITE_OK, "open");
    must(sqlite_func_register(db) == 0, "functions");
    must(sqlite__migrate(db, &d) == 0, "migrate");
    must(sqlite_schema_create_partition(db, DAY1, true, &d) == 0, "partition 1");
    must(sqlite_schema_create_partition(db, DAY1 + 1, false, &d) == 0, "partition 2");
    const char *sql =
        "INSERT INTO sources(id, tenant_id, name, type, format, created_ns)"
        " VALUES (1, 1, 'auth.log', 'file', 'raw', 0);"
        "INSERT INTO ev_20240314(id, ts, ingest_ts, tenant_id, source_id, flags, host, event_code,"
        " user_name, source_ip, raw, fields) VALUES"
        " (1, 1710378000000000000, 1710378000000000000, 1, 1, 0, 'web01', '4625', 'alice',"
        "  '10.1.2.3', 'Failed password for alice', '{\"host.name\":\"web01\",\"EventID\":4625,"
        "\"bytes\":\"100\",\"user.name\":\"alice\",\"a b\":[1,2]}'),"
        " (2, 1710381600000000000, 1710381600000000000, 1, 1, 0, 'db01', '4624', 'Bob',"
        "  'fe80::1', 'Accepted password for Bob', '{\"host.name\":\"db01\",\"EventID\":\"4624\","
        "\"bytes\":2.5,\"x\":null}');"
        "INSERT INTO fts_20240314(rowid, raw) SELECT id, raw FROM ev_20240314;"
        "INSERT INTO ev_20240315(id, ts, ingest_ts, tenant_id, source_id, flags, host, raw, fields)"
        " VALUES (3, 1710460800000000000, 1710460800000000000, 1, 1, 0, 'web02', 'x', '{}');";
    must(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "rows");
    for (int i = 0; i < 3; i++) {
        parts[i].day = DAY1 + i;
        parts[i].has_fts = i == 0;
        schema_partition_names(parts[i].day, parts[i].ev, parts[i].fts);
    }
    parts[2].day = DAY1 - 1; /* a partition outside any sane range, never created */
    schema_partition_names(parts[2].day, parts[2].ev, parts[2].fts);
}

static void run(const struct query *q)
{
    /* The third partition does not exist: keep it out of range unless the query is tiny. */
    struct sql_target t = {.tenant_id = 1, .parts = parts, .n_parts = 2};
    struct sql_opts so = {.limit = 50};
    struct sql_plan plan;
    struct diag d = {0};
    int rc = sqlite_sql_compile(q, &t, &so, &plan, &d);
    if (rc) {
        if (rc != E_UNSUPPORTED && rc != E_TOOBIG) {
            fprintf(stderr, "unexpected compile error %s: %s\n", err_name(rc), d.msg);
            abort();
        }
        return;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, plan.sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "prepare: %s\n%s\n", sqlite3_errmsg(db), plan.sql);
        abort();
    }
    if (sqlite_sql_bind(st, &plan) != 0)
        abort();
    int steps = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && ++steps < 200) {
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        fprintf(stderr, "step: %s\n%s\n", sqlite3_errmsg(db), plan.sql);
        abort();
    }
    sqlite3_finalize(st);
    sqlite_sql_plan_fini(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (db == NULL)
        setup();
    struct query_opts o = {.now_ns = NOW_NS};
    struct query *q = NULL;
    struct diag d = {0};
    int rc = query_parse(str_make((const char *)data, size), &o, &q, &d);
    if (rc) {
        if (q != NULL || strncmp(d.msg, "column ", 7) != 0 || strcmp(d.where, "query") != 0) {
            fprintf(stderr, "bad error report %s: '%s' at '%s'\n", err_name(rc), d.msg, d.where);
            abort();
        }
        return 0;
    }
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    if (query_ir_dump(q, &b) != 0)
        abort();
    buf_fini(&b);
    run(q);
    query_free(q);
    return 0;
}
