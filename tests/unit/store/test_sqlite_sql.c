/*
 * test_sqlite_sql.c - compiled queries against a real SQLite database.
 *
 * The database is built with the store's own migrations and partition DDL
 * (two UTC days with FTS5), filled with a fixed set of events, and every
 * test compiles a query, runs it and compares the exact result rows.
 * Set VIGIL_TEST_SQL=1 to print each statement.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "core/field.h"
#include "query/query.h"
#include "store/schema.h"
#include "store/sqlite_func.h"
#include "store/sqlite_int.h"
#include "store/sqlite_sql.h"
#include "store/sqlite_sql_int.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY1    19796 /* 2024-03-14 */
#define DAY2    19797 /* 2024-03-15 */
#define BASE_NS ((int64_t)DAY1 * NS_PER_DAY)
#define NOW_NS  ((int64_t)(DAY2 + 1) * NS_PER_DAY)

struct row {
    int hour; /* after 2024-03-14T00:00:00Z */
    int tenant, source;
    const char *host, *user, *code, *ip, *raw;
    const char *extra; /* more JSON members, without braces */
};

/* Rows 0..7 are the interesting ones; ids are index + 1. */
static const struct row rows[] = {
    {1, 1, 1, "web01", "alice", "4625", "10.1.2.3",
     "Failed password for alice from 10.1.2.3 port 22",
     "\"EventID\":4625,\"bytes\":100,\"path\":\"C:\\\\Temp\\\\100%_done.txt\""},
    {3, 1, 1, "web01", "Alice", "4625", "10.1.2.4", "Failed password for Alice from 10.1.2.4",
     "\"EventID\":\"4625\",\"bytes\":\"250\""},
    {9, 1, 1, "web02", "ALICE", "4624", "192.168.1.5",
     "Accepted password for ALICE from 192.168.1.5",
     "\"EventID\":4624,\"bytes\":300,\"path\":\"C:\\\\Temp\\\\100x_done.txt\""},
    {20, 1, 1, "db01", "bob", "4625", "10.200.0.1", "Failed password for bob",
     "\"EventID\":4625,\"bytes\":50"},
    {26, 1, 2, "db01", "svc_backup", "4624", "2001:db8::1", "service logon svc_backup",
     "\"EventID\":4624"},
    {30, 1, 2, "web02", "svc_web", "4624", "fe80::1", "service logon svc_web",
     "\"EventID\":\"4624\",\"path\":\"a_b\""},
    {40, 1, 2, "web01", "bob", "4625", "::ffff:10.9.9.9",
     "Failed password for bob from ::ffff:10.9.9.9",
     "\"EventID\":4625,\"bytes\":1000,\"path\":\"aXb\""},
    {44, 1, 2, "web03", "carol", "4688", "172.16.0.1", "process created cmd.exe /c whoami",
     "\"EventID\":4688,\"process.command_line\":\"cmd.exe /c whoami\",\"weird "
     "\\\"name\\\"\":\"q\""},
};
#define N_ROWS   (sizeof(rows) / sizeof(rows[0]))
#define N_FILLER 40

static sqlite3 *db;

static void exec_ok(const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, err ? err : "");
    sqlite3_free(err);
}

static void insert(int64_t id, const struct row *r)
{
    int64_t ts = BASE_NS + (int64_t)r->hour * 3600 * NS_PER_SEC;
    char ev[16], fts[16];
    schema_partition_names(schema_day_of(ts), ev, fts);
    struct buf f;
    buf_init(&f, BUF_UNBOUNDED);
    buf_printf(&f,
               "{\"host.name\":\"%s\",\"user.name\":\"%s\",\"event.code\":\"%s\","
               "\"source.ip\":\"%s\"%s%s}",
               r->host, r->user, r->code, r->ip, r->extra ? "," : "", r->extra ? r->extra : "");
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s(id, ts, ingest_ts, tenant_id, source_id, flags, host, event_code,"
             " user_name, source_ip, raw, fields) VALUES (?,?,?,?,?,0,?,?,?,?,?,?)",
             ev);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, ts);
    sqlite3_bind_int64(st, 3, ts);
    sqlite3_bind_int(st, 4, r->tenant);
    sqlite3_bind_int(st, 5, r->source);
    sqlite3_bind_text(st, 6, r->host, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->ip, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->raw, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, f.p, (int)f.len, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    snprintf(sql, sizeof(sql), "INSERT INTO %s(rowid, raw) VALUES (?, ?)", fts);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, r->raw, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    buf_fini(&f);
}

static void setup(void)
{
    struct diag d = {0};
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    cr_assert_eq(sqlite_func_register(db), 0);
    cr_assert_eq(sqlite__migrate(db, &d), 0, "%s", d.msg);
    exec_ok("INSERT INTO tenants(id, name, created_ns) VALUES (2, 'other', 0);"
            "INSERT INTO sources(id, tenant_id, name, type, format, created_ns) VALUES"
            " (1, 1, 'auth.log', 'file', 'raw', 0), (2, 1, 'winevt', 'file', 'json', 0),"
            " (3, 2, 'other.log', 'file', 'raw', 0);");
    cr_assert_eq(sqlite_schema_create_partition(db, DAY1, true, &d), 0, "%s", d.msg);
    cr_assert_eq(sqlite_schema_create_partition(db, DAY2, true, &d), 0, "%s", d.msg);
    for (size_t i = 0; i < N_ROWS; i++)
        insert((int64_t)i + 1, &rows[i]);
    /* Filler: every hour of the two days not taken above, from source 1. */
    static char hosts[N_FILLER][16], users[N_FILLER][16], ips[N_FILLER][24], raws[N_FILLER][48];
    int k = 0;
    for (int h = 0; h < 48 && k < N_FILLER; h++) {
        bool taken = false;
        for (size_t i = 0; i < N_ROWS; i++)
            taken |= rows[i].hour == h;
        if (taken)
            continue;
        snprintf(hosts[k], sizeof(hosts[k]), "web%02d", k % 3 + 1);
        snprintf(users[k], sizeof(users[k]), "user%02d", k);
        snprintf(ips[k], sizeof(ips[k]), "172.20.0.%d", k);
        snprintf(raws[k], sizeof(raws[k]), "filler event %d heartbeat", k);
        struct row r = {h, 1, 1, hosts[k], users[k], "1000", ips[k], raws[k], "\"EventID\":1000"};
        insert(100 + k, &r);
        k++;
    }
    /* Another tenant's event that matches almost everything: it must never show. */
    struct row other = {5,
                        2,
                        3,
                        "web01",
                        "alice",
                        "4625",
                        "10.1.2.3",
                        "Failed password for alice tenant2 heartbeat",
                        "\"EventID\":4625,\"bytes\":7"};
    insert(999, &other);
}

static void teardown(void)
{
    sqlite3_close(db);
}

TestSuite(sqlite_sql, .init = setup, .fini = teardown);

static const struct sql_partition *parts(void)
{
    static struct sql_partition p[2];
    p[0] = (struct sql_partition){.day = DAY2, .has_fts = true};
    p[1] = (struct sql_partition){.day = DAY1, .has_fts = true};
    schema_partition_names(DAY2, p[0].ev, p[0].fts);
    schema_partition_names(DAY1, p[1].ev, p[1].fts);
    return p;
}

static int compile(const char *text, struct sql_plan *plan, struct diag *d)
{
    struct query_opts o = {.now_ns = NOW_NS};
    struct query *q;
    int rc = query_parse(str_c(text), &o, &q, d);
    cr_assert_eq(rc, 0, "parse %s: %s", text, d->msg);
    struct sql_target t = {.tenant_id = 1, .parts = parts(), .n_parts = 2};
    rc = sqlite_sql_compile(q, &t, NULL, plan, d);
    query_free(q);
    if (rc == 0 && getenv("VIGIL_TEST_SQL"))
        fprintf(stderr, "-- %s\n%s\n", text, plan->sql);
    return rc;
}

/* Run a compiled plan: rows as "a|b|c", joined by "\n"; NULL as NULL. */
static char *run_plan(const struct sql_plan *plan, const int *only, size_t n_only)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, plan->sql, -1, &st, NULL);
    cr_assert_eq(rc, SQLITE_OK, "prepare: %s\n%s", sqlite3_errmsg(db), plan->sql);
    cr_assert_eq(sqlite_sql_bind(st, plan), 0);
    struct buf out;
    buf_init(&out, BUF_UNBOUNDED);
    buf_append_c(&out, "");
    int n_rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n_rows++)
            buf_putc(&out, '\n');
        int n = sqlite3_column_count(st);
        cr_assert_eq((size_t)n, plan->n_columns);
        size_t m = only ? n_only : (size_t)n;
        for (size_t j = 0; j < m; j++) {
            int c = only ? only[j] : (int)j;
            const char *v = (const char *)sqlite3_column_text(st, c);
            buf_printf(&out, "%s%s", j ? "|" : "", v ? v : "NULL");
        }
    }
    cr_assert_eq(rc, SQLITE_DONE, "step: %s\n%s", sqlite3_errmsg(db), plan->sql);
    sqlite3_finalize(st);
    return buf_take(&out);
}

/* The result rows of a query (every column). */
static char *rows_of(const char *text)
{
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile(text, &plan, &d), 0, "compile %s: %s", text, d.msg);
    char *r = run_plan(&plan, NULL, 0);
    sqlite_sql_plan_fini(&plan);
    return r;
}

/* The _id column of an event query, comma-separated, in result order. */
static char *ids_of(const char *text)
{
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile(text, &plan, &d), 0, "compile %s: %s", text, d.msg);
    cr_assert(plan.events, "%s does not return events", text);
    int col = 4;
    char *r = run_plan(&plan, &col, 1);
    for (char *p = r; *p; p++)
        if (*p == '\n')
            *p = ',';
    sqlite_sql_plan_fini(&plan);
    return r;
}

#define EXPECT_IDS(q, want)                                                                        \
    do {                                                                                           \
        char *got_ = ids_of(q);                                                                    \
        cr_expect_str_eq(got_, want, "%s\n got: %s\nwant: %s", q, got_, want);                     \
        free(got_);                                                                                \
    } while (0)

#define EXPECT_ROWS(q, want)                                                                       \
    do {                                                                                           \
        char *got_ = rows_of(q);                                                                   \
        cr_expect_str_eq(got_, want, "%s\n got: %s\nwant: %s", q, got_, want);                     \
        free(got_);                                                                                \
    } while (0)

static int64_t count_of(const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The database is intact: every table there, every row there. */
static void assert_intact(void)
{
    cr_assert_eq(count_of("SELECT count(*) FROM ev_20240314"), 25);
    cr_assert_eq(count_of("SELECT count(*) FROM ev_20240315"), 24);
    cr_assert_eq(count_of("SELECT count(*) FROM sources"), 3);
    cr_assert_eq(count_of("SELECT count(*) FROM tenants"), 2);
}

/* ---- filters --------------------------------------------------------------- */

Test(sqlite_sql, events_default_columns_newest_first)
{
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile("event.code:4625", &plan, &d), 0, "%s", d.msg);
    cr_assert(plan.events);
    cr_assert_eq(plan.n_columns, 6);
    const char *names[] = {"_time", "host", "source", "_raw", "_id", "fields"};
    for (size_t i = 0; i < 6; i++)
        cr_expect(str_eq_c(plan.columns[i].name, names[i]), "column %zu", i);
    cr_expect_eq(plan.columns[0].type, SQL_COL_TIME);
    cr_expect_eq(plan.columns[5].type, SQL_COL_FIELDS);
    int cols[] = {0, 1, 2, 4};
    char *r = run_plan(&plan, cols, 4);
    cr_expect_str_eq(r, "1710518400000000000|web01|winevt|7\n"
                        "1710446400000000000|db01|auth.log|4\n"
                        "1710385200000000000|web01|auth.log|2\n"
                        "1710378000000000000|web01|auth.log|1");
    free(r);
    sqlite_sql_plan_fini(&plan);
}

Test(sqlite_sql, equality_is_case_insensitive)
{
    EXPECT_IDS("user.name:alice", "3,2,1");
    EXPECT_IDS("user.name=ALICE", "3,2,1");
    EXPECT_IDS("host:WEB01 event.code:4625", "7,2,1");
    EXPECT_IDS("user.name!=alice event.code:4625", "7,4");
    EXPECT_IDS("path:\"C:\\\\temp\\\\100%_DONE.txt\"", "1");
}

Test(sqlite_sql, numbers_match_numbers_and_numeric_text)
{
    /* EventID is 4625 in some events and "4625" in others. */
    EXPECT_IDS("EventID:4625", "7,4,2,1");
    EXPECT_IDS("EventID=\"4625\"", "7,4,2,1");
    EXPECT_IDS("event.code:4625", "7,4,2,1");
    EXPECT_IDS("bytes>200", "7,3,2");
    EXPECT_IDS("bytes>=100 bytes<=300", "3,2,1");
    EXPECT_IDS("bytes<100.5", "4,1");
    EXPECT_IDS("_id:5", "5");
    EXPECT_IDS("_id>6 _id<=8", "8,7");
    EXPECT_IDS("EventID:(4624 or 4688)", "8,6,5,3");
}

Test(sqlite_sql, wildcards_escape_like_metacharacters)
{
    EXPECT_IDS("user.name:svc_*", "6,5");
    EXPECT_IDS("user.name:ali?e", "3,2,1");
    EXPECT_IDS("not user.name:svc_* event.code:4624", "3");
    /* `%` and `_` in the data are literal: a_* must not match aXb. */
    EXPECT_IDS("path:a_*", "6");
    EXPECT_IDS("path:*%_*", "1");
    EXPECT_IDS("path:*100?_done*", "3,1");
    EXPECT_IDS("path:*\\\\temp\\\\*", "3,1");
    EXPECT_ROWS("user.name:* | stats count", "48");
    EXPECT_ROWS("user.name:*_* | stats count", "2");
}

Test(sqlite_sql, cidr_v4_v6_and_mapped)
{
    EXPECT_IDS("source.ip:10.0.0.0/8", "7,4,2,1");
    EXPECT_IDS("source.ip:10.1.2.0/30", "1");
    EXPECT_IDS("source.ip:10.1.2.0/31", "");
    EXPECT_IDS("source.ip:2001:db8::/32", "5");
    EXPECT_IDS("source.ip:fe80::/10", "6");
    EXPECT_IDS("source.ip:::ffff:10.0.0.0/104", "7,4,2,1");
    EXPECT_IDS("event.code:(4625 or 4624) not source.ip:10.0.0.0/8", "6,5,3");
    EXPECT_IDS("event.code:(4625 or 4624) source.ip!=10.0.0.0/8", "6,5,3");
}

Test(sqlite_sql, exists_and_not)
{
    EXPECT_IDS("exists process.command_line", "8");
    EXPECT_IDS("process.command_line:*", "8");
    EXPECT_IDS("event.code:4624 not exists bytes", "6,5");
    EXPECT_IDS("event.code:4624 not bytes>100", "6,5");
    EXPECT_IDS("event.code:4624 bytes!=300", "");
    EXPECT_IDS("not not user.name:carol", "8");
    EXPECT_IDS("user.name:bob or (user.name:carol and not host:web01)", "8,7,4");
}

Test(sqlite_sql, full_text)
{
    EXPECT_IDS("\"failed password\"", "7,4,2,1");
    EXPECT_IDS("\"password for alice\"", "3,2,1");
    EXPECT_IDS("fail*", "7,4,2,1");
    EXPECT_IDS("FAILED bob", "7,4");
    EXPECT_IDS("whoami | where cmd.exe", "8");
    EXPECT_ROWS("heartbeat | stats count", "40");
    EXPECT_IDS("*logon*", "6,5");
    EXPECT_IDS("\"--\"", "");
}

Test(sqlite_sql, virtual_fields)
{
    EXPECT_IDS("source:winevt", "8,7,6,5");
    EXPECT_IDS("source:auth* event.code:4624", "3");
    EXPECT_IDS("_raw:*whoami*", "8");
    EXPECT_IDS("_time>=2024-03-15T00:00:00Z event.code:4624", "6,5");
    EXPECT_IDS("@timestamp<2024-03-14T02:00:00Z", "1,100");
    EXPECT_IDS("`weird \"name\"`:Q", "8");
}

Test(sqlite_sql, word_operators)
{
    EXPECT_IDS("process.command_line contains \"WHOAMI\"", "8");
    EXPECT_IDS("process.command_line startswith cmd", "8");
    EXPECT_IDS("process.command_line endswith whoami", "8");
    EXPECT_IDS("process.command_line contains \"%\"", "");
    EXPECT_IDS("user.name in (bob, carol)", "8,7,4");
}

Test(sqlite_sql, time_range_selects_partitions)
{
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile("earliest=2024-03-15T00:00:00Z event.code:4625", &plan, &d), 0);
    cr_expect(strstr(plan.sql, "ev_20240315") != NULL);
    cr_expect(strstr(plan.sql, "ev_20240314") == NULL, "%s", plan.sql);
    sqlite_sql_plan_fini(&plan);
    EXPECT_IDS("earliest=2024-03-15T00:00:00Z event.code:4625", "7");
    EXPECT_ROWS("latest=2024-03-14T05:00:00Z | stats count", "5");
    EXPECT_ROWS("earliest=-1d@d latest=@d | stats count", "24");
    EXPECT_ROWS("earliest=-24h | stats count", "24");
    /* Nothing in range: the statement still runs and is empty. */
    EXPECT_IDS("earliest=2023-01-01 latest=2023-01-02", "");
    EXPECT_ROWS("earliest=2023-01-01 latest=2023-01-02 | stats count", "0");
}

/* ---- stages ---------------------------------------------------------------- */

Test(sqlite_sql, stats_by_and_sort)
{
    EXPECT_ROWS("event.code:4625 | stats count by host", "db01|1\nweb01|3");
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count, dc(user.name) as users by host "
                "| sort -count",
                "web01|3|3\ndb01|2|2\nweb02|2|2");
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count by host, event.code",
                "db01|4624|1\ndb01|4625|1\nweb01|4625|3\nweb02|4624|2");
    EXPECT_ROWS("nothing_matches_this | stats count", "0");
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count(bytes) as n, count", "5|7");
    /* Events without the by-field are left out, as in Splunk. */
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count by path",
                "a_b|1\naXb|1\n"
                "C:\\Temp\\100%_done.txt|1\nC:\\Temp\\100x_done.txt|1");
}

Test(sqlite_sql, stats_numeric_functions)
{
    EXPECT_ROWS("bytes=* | stats sum(bytes), avg(bytes), min(bytes), max(bytes), p50(bytes), "
                "p95(bytes), perc90(bytes), median(bytes)",
                "1700|340.0|50|1000|250.0|860.0|720.0|250.0");
    EXPECT_ROWS("event.code:4625 | stats min(user.name) as lo, max(user.name) as hi", "Alice|bob");
}

Test(sqlite_sql, stats_values_sorted_distinct)
{
    EXPECT_ROWS("event.code:(4624 or 4625) | stats values(user.name) as users by event.code",
                "4624|[\"ALICE\",\"svc_backup\",\"svc_web\"]\n"
                "4625|[\"Alice\",\"alice\",\"bob\"]");
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile("* | stats values(user.name) as users", &plan, &d), 0);
    cr_expect_eq(plan.columns[0].type, SQL_COL_LIST);
    sqlite_sql_plan_fini(&plan);
}

Test(sqlite_sql, timechart_and_bin)
{
    EXPECT_ROWS("event.code:(4624 or 4625) | timechart span=1d count by event.code",
                "1710374400000000000|4624|1\n1710374400000000000|4625|3\n"
                "1710460800000000000|4624|2\n1710460800000000000|4625|1");
    EXPECT_ROWS("event.code:4625 | timechart span=12h count",
                "1710374400000000000|2\n1710417600000000000|1\n1710504000000000000|1");
    EXPECT_ROWS("event.code:4625 | bin _time span=1d | stats count by _time",
                "1710374400000000000|3\n1710460800000000000|1");
    EXPECT_ROWS("bytes=* | bin bytes span=200 | stats count by bytes", "0|2\n200|2\n1000|1");
    /* No span: about 100 buckets over the range, here 30 minutes. */
    EXPECT_ROWS("earliest=2024-03-14 latest=2024-03-15 event.code:4625 | timechart count",
                "1710378000000000000|1\n1710385200000000000|1\n1710446400000000000|1");
    EXPECT_ROWS("bytes=* | bin bytes span=0.5 | stats count by bytes",
                "50.0|1\n100.0|1\n250.0|1\n300.0|1\n1000.0|1");
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile("* | timechart span=1h count", &plan, &d), 0);
    cr_expect_eq(plan.columns[0].type, SQL_COL_TIME);
    cr_expect(str_eq_c(plan.columns[0].name, "_time"));
    sqlite_sql_plan_fini(&plan);
}

Test(sqlite_sql, top_and_rare)
{
    EXPECT_ROWS("event.code:(4624 or 4625) | top user.name",
                "bob|2|28.5714285714286\nALICE|1|14.2857142857143\nAlice|1|14.2857142857143\n"
                "alice|1|14.2857142857143\nsvc_backup|1|14.2857142857143\n"
                "svc_web|1|14.2857142857143");
    EXPECT_ROWS("event.code:(4624 or 4625) | top 1 user.name by host",
                "db01|bob|1|50.0\nweb01|Alice|1|33.3333333333333\nweb02|ALICE|1|50.0");
    EXPECT_ROWS("event.code:(4624 or 4625) | rare 2 host",
                "db01|2|28.5714285714286\nweb02|2|28.5714285714286");
    EXPECT_ROWS("event.code:(4624 or 4625) | top host | where percent > 30",
                "web01|3|42.8571428571429");
    EXPECT_ROWS("event.code:(4624 or 4625) | top limit=1 host event.code",
                "web01|4625|3|42.8571428571429");
}

Test(sqlite_sql, dedup_head_tail_sort)
{
    EXPECT_IDS("event.code:4625 | dedup host", "7,4");
    EXPECT_IDS("event.code:(4624 or 4625) | dedup host, event.code", "7,6,5,4");
    EXPECT_IDS("event.code:4625 | head 2", "7,4");
    EXPECT_IDS("event.code:4625 | tail 2", "1,2");
    EXPECT_IDS("event.code:4625 | sort user.name", "2,1,7,4");
    EXPECT_IDS("event.code:4625 | sort -user.name, +_time", "4,7,1,2");
    EXPECT_IDS("event.code:4625 | sort 1 -_time", "7");
    EXPECT_IDS("bytes=* | sort -bytes", "7,3,2,1,4");
    EXPECT_IDS("event.code:4625 | sort user.name | head 3 | tail 1", "7");
    EXPECT_IDS("event.code:4625 | head 3 | where user.name:bob", "7,4");
    EXPECT_IDS("event.code:4625 | dedup user.name | sort _id", "1,2,7");
}

Test(sqlite_sql, fields_and_where_after_stats)
{
    EXPECT_ROWS("event.code:4625 | fields host, user.name",
                "web01|bob\ndb01|bob\nweb01|Alice\nweb01|alice");
    EXPECT_ROWS("event.code:4625 | table _id source",
                "7|winevt\n4|auth.log\n2|auth.log\n1|auth.log");
    EXPECT_ROWS("event.code:4625 | stats count by host | where count > 2", "web01|3");
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count, dc(event.code) as codes by host "
                "| where codes < count",
                "web01|3|1\nweb02|2|1");
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count by host | where host:web*",
                "web01|3\nweb02|2");
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count by host | sort -count, host | head 1",
                "web01|3");
    EXPECT_ROWS("event.code:(4624 or 4625) | stats count by host | stats sum(count) as total", "7");
    EXPECT_ROWS("event.code:4625 | fields host, user.name | dedup host", "web01|bob\ndb01|bob");
}

Test(sqlite_sql, default_limit_and_partition_arms)
{
    struct query *q;
    struct diag d = {0};
    struct query_opts o = {.now_ns = NOW_NS};
    cr_assert_eq(query_parse(STR_LIT("event.code:4625"), &o, &q, &d), 0);
    struct sql_target t = {.tenant_id = 1, .parts = parts(), .n_parts = 2};
    struct sql_opts so = {.limit = 3};
    struct sql_plan plan;
    cr_assert_eq(sqlite_sql_compile(q, &t, &so, &plan, &d), 0, "%s", d.msg);
    int col = 4;
    char *r = run_plan(&plan, &col, 1);
    cr_expect_str_eq(r, "7\n4\n2");
    free(r);
    sqlite_sql_plan_fini(&plan);
    query_free(q);
}

Test(sqlite_sql, other_tenant_is_invisible)
{
    struct query *q;
    struct diag d = {0};
    struct query_opts o = {.now_ns = NOW_NS};
    cr_assert_eq(query_parse(STR_LIT("tenant2 | stats count"), &o, &q, &d), 0);
    struct sql_target t = {.tenant_id = 2, .parts = parts(), .n_parts = 2};
    struct sql_plan plan;
    cr_assert_eq(sqlite_sql_compile(q, &t, NULL, &plan, &d), 0);
    char *r = run_plan(&plan, NULL, 0);
    cr_expect_str_eq(r, "1");
    free(r);
    sqlite_sql_plan_fini(&plan);
    query_free(q);
    EXPECT_ROWS("tenant2 | stats count", "0");
}

/* ---- IR built by code (as the Sigma engine will) ----------------------------- */

static char *ids_of_ir(struct query *q)
{
    struct sql_target t = {.tenant_id = 1, .parts = parts(), .n_parts = 2};
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(sqlite_sql_compile(q, &t, NULL, &plan, &d), 0, "%s", d.msg);
    int col = 4;
    char *r = run_plan(&plan, &col, 1);
    for (char *p = r; *p; p++)
        if (*p == '\n')
            *p = ',';
    sqlite_sql_plan_fini(&plan);
    return r;
}

Test(sqlite_sql, constructed_ir_cased_null_fieldref)
{
    struct query *q = query_new();
    struct arena *a = &q->arena;
    struct query_field user = query_field_make(a, STR_LIT("user.name"), false);
    struct query_value v = query_value_str(a, STR_LIT("alice"));
    q->filter = query_node_cmp(a, &user, QUERY_OP_EQ, &v, true);
    char *r = ids_of_ir(q);
    cr_expect_str_eq(r, "1");
    free(r);

    struct query_value pat = query_value_str(a, STR_LIT("A*"));
    q->filter = query_node_cmp(a, &user, QUERY_OP_WILDCARD, &pat, true);
    r = ids_of_ir(q);
    cr_expect_str_eq(r, "3,2");
    free(r);

    struct query_field bytes = query_field_make(a, STR_LIT("bytes"), false);
    struct query_value null = {.type = QUERY_V_NULL, .text = STR_LIT("")};
    struct query_field code = query_field_make(a, STR_LIT("event.code"), false);
    struct query_value c4624 = query_value_str(a, STR_LIT("4624"));
    struct query_node *kids[2] = {query_node_cmp(a, &bytes, QUERY_OP_EQ, &null, false),
                                  query_node_cmp(a, &code, QUERY_OP_EQ, &c4624, false)};
    q->filter = query_node_list(a, QUERY_N_AND, kids, 2);
    r = ids_of_ir(q);
    cr_expect_str_eq(r, "6,5");
    free(r);

    /* fieldref: EventID equals event.code (number vs text) for every event with both. */
    struct query_field eid = query_field_make(a, STR_LIT("EventID"), false);
    struct query_node *ne = query_node_cmp_field(a, &eid, QUERY_OP_NE, &code, false);
    q->filter = ne;
    r = ids_of_ir(q);
    cr_expect_str_eq(r, "");
    free(r);
    q->filter = query_node_cmp_field(a, &eid, QUERY_OP_EQ, &code, false);
    struct sql_target t = {.tenant_id = 1, .parts = parts(), .n_parts = 2};
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(sqlite_sql_compile(q, &t, NULL, &plan, &d), 0);
    char *all = run_plan(&plan, (int[]){4}, 1);
    cr_expect_eq(strlen(all) > 0 && strchr(all, '\n') != NULL, true);
    size_t lines = 1;
    for (char *p = all; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, N_ROWS + N_FILLER);
    free(all);
    sqlite_sql_plan_fini(&plan);
    query_free(q);
}

Test(sqlite_sql, regex_is_unsupported)
{
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile("user.name matches \"^a.*\"", &plan, &d), E_UNSUPPORTED);
    cr_expect_str_eq(d.msg,
                     "column 1: regular expressions are not supported by the SQLite store yet");
    cr_expect_str_eq(d.where, "query");
}

Test(sqlite_sql, compile_limits)
{
    struct query *q;
    struct diag d = {0};
    struct query_opts o = {.now_ns = NOW_NS};
    /* Too deep for SQLite's parser: refused at compile time, not at prepare. */
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    for (int i = 0; i < 30; i++)
        buf_printf(&b, "a%d or (b%d and (", i, i);
    buf_append_c(&b, "z");
    for (int i = 0; i < 30; i++)
        buf_append_c(&b, "))");
    cr_assert_eq(query_parse(buf_str(&b), &o, &q, &d), 0, "%s", d.msg);
    buf_fini(&b);
    struct sql_target t = {.tenant_id = 1, .parts = parts(), .n_parts = 2};
    struct sql_plan plan;
    cr_expect_eq(sqlite_sql_compile(q, &t, NULL, &plan, &d), E_TOOBIG);
    cr_expect(strstr(d.msg, "nests more than") != NULL, "%s", d.msg);
    query_free(q);

    cr_assert_eq(query_parse(STR_LIT("a b c d e f"), &o, &q, &d), 0);
    struct sql_opts so = {.max_sql_bytes = 200};
    cr_expect_eq(sqlite_sql_compile(q, &t, &so, &plan, &d), E_TOOBIG);
    struct sql_partition bad = {.day = DAY1, .has_fts = false};
    snprintf(bad.ev, sizeof(bad.ev), "ev_x; DROP");
    struct sql_target tb = {.tenant_id = 1, .parts = &bad, .n_parts = 1};
    cr_expect_eq(sqlite_sql_compile(q, &tb, NULL, &plan, &d), E_INVAL);
    query_free(q);
}

/* A filter nesting `levels` deep, with the heaviest leaves the compiler emits. */
static void deep_filter(struct buf *b, unsigned levels)
{
    buf_reset(b);
    for (unsigned i = 0; i < levels; i++)
        buf_printf(b, "\"x%u y\" or `w\"%u`!=`v\"%u` or `w\"%u`>`v\"%u` or not (source:s%u and (",
                   i, i, i, i, i, i);
    buf_append_c(b, "fail*");
    for (unsigned i = 0; i < levels; i++)
        buf_append_c(b, "))");
}

Test(sqlite_sql, nesting_at_the_limit_runs)
{
    /* Every filter the compiler accepts must prepare: SQLite's parser stack is small. */
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    unsigned levels = 1, ran = 0;
    for (;; levels++) {
        deep_filter(&b, levels);
        struct sql_plan plan;
        struct diag d = {0};
        int rc = compile(b.p, &plan, &d);
        if (rc == E_TOOBIG)
            break;
        cr_assert_eq(rc, 0, "%s", d.msg);
        char *r = run_plan(&plan, NULL, 0);
        free(r);
        sqlite_sql_plan_fini(&plan);
        ran = levels;
    }
    buf_fini(&b);
    cr_expect_geq(ran, 5, "only %u levels compile", ran);
}

Test(sqlite_sql, many_partitions)
{
    /* More partitions than one UNION ALL may hold: the compiler chains them. */
    enum { N = 450 };
    struct sql_partition *p = calloc(N, sizeof(*p));
    struct diag d = {0};
    for (int i = 0; i < N; i++) {
        p[i].day = DAY2 - i;
        p[i].has_fts = true;
        schema_partition_names(p[i].day, p[i].ev, p[i].fts);
        if (i >= 2)
            cr_assert_eq(sqlite_schema_create_partition(db, p[i].day, true, &d), 0, "%s", d.msg);
    }
    struct query *q;
    struct query_opts o = {.now_ns = NOW_NS};
    cr_assert_eq(query_parse(STR_LIT("\"failed password\" | stats count by host"), &o, &q, &d), 0);
    struct sql_target t = {.tenant_id = 1, .parts = p, .n_parts = N};
    struct sql_plan plan;
    cr_assert_eq(sqlite_sql_compile(q, &t, NULL, &plan, &d), 0, "%s", d.msg);
    char *r = run_plan(&plan, NULL, 0);
    cr_expect_str_eq(r, "db01|1\nweb01|3");
    free(r);
    sqlite_sql_plan_fini(&plan);
    query_free(q);
    free(p);
}

/* ---- injection --------------------------------------------------------------- */

static void expect_inert(const char *text, const char *want_rows)
{
    struct sql_plan plan;
    struct diag d = {0};
    cr_assert_eq(compile(text, &plan, &d), 0, "%s: %s", text, d.msg);
    cr_expect(strstr(plan.sql, "DROP") == NULL, "user text in SQL: %s", plan.sql);
    cr_expect(strstr(plan.sql, "--") == NULL, "user text in SQL: %s", plan.sql);
    char *r = run_plan(&plan, NULL, 0);
    if (want_rows)
        cr_expect_str_eq(r, want_rows, "%s", text);
    free(r);
    sqlite_sql_plan_fini(&plan);
    assert_intact();
}

Test(sqlite_sql, injection_in_values)
{
    expect_inert("user.name:\"x' OR 1=1 --\"", "");
    expect_inert("user.name:\"'); DROP TABLE sources; --\"", "");
    expect_inert("EventID:\"1; DROP TABLE ev_20240314\"", "");
    expect_inert("path:\"*'; DROP TABLE sources; --*\"", "");
    expect_inert("\"'); DROP TABLE sources; --\"", "");
    expect_inert("\"\\\" OR password\"", "");
    expect_inert("x* OR \"a\" NEAR", NULL);
    expect_inert("process.command_line contains \"'); DROP TABLE sources; --\"", "");
    expect_inert("source.ip:\"10.0.0.0/8'); DROP TABLE sources; --\"", "");
}

Test(sqlite_sql, injection_in_field_names)
{
    expect_inert("`a'); DROP TABLE ev_20240314; --`:1", "");
    expect_inert("`x\" OR 1=1 --`:1", "");
    expect_inert("`$.a') OR 1=1 --`=*", "");
    expect_inert("* | stats count by `h'); DROP TABLE sources; --`", "");
    expect_inert("event.code:4625 | fields `f'); DROP TABLE sources; --`, host",
                 "NULL|web01\nNULL|db01\nNULL|web01\nNULL|web01");
    expect_inert("event.code:4625 | sort -`s\"; DROP TABLE sources; --` | head 1", NULL);
    expect_inert("event.code:4625 | dedup `d'); DROP TABLE sources; --`", "");
    expect_inert("event.code:4625 | top `t'); DROP TABLE sources; --`", "");
}

Test(sqlite_sql, injection_in_aliases)
{
    struct sql_plan plan;
    struct diag d = {0};
    const char *q = "event.code:4625 | stats count as \"c0; DROP TABLE sources; --\", "
                    "dc(user.name) as `x\"y` by host | where `x\"y` > 1";
    cr_assert_eq(compile(q, &plan, &d), 0, "%s", d.msg);
    cr_expect(strstr(plan.sql, "DROP") == NULL);
    cr_expect(str_eq_c(plan.columns[1].name, "c0; DROP TABLE sources; --"));
    cr_expect(str_eq_c(plan.columns[2].name, "x\"y"));
    char *r = run_plan(&plan, NULL, 0);
    cr_expect_str_eq(r, "web01|3|3");
    free(r);
    sqlite_sql_plan_fini(&plan);
    assert_intact();
}
