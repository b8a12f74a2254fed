/*
 * test_store.c - the store over real SQLite in a temp data directory:
 * opening and migrations, tenants, sources and input files, the writer
 * (day partitions, promoted columns, fields JSON, FTS, quarantine, offsets),
 * group commit, retention, and event ids.
 *
 * What the writer stored is checked by reading vigil.db with sqlite3
 * directly, the way an operator (or the crash/resume integration test) would.
 */
#include "base/clock.h"
#include "store/schema.h"
#include "store/store.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW_NS  (1623758400LL * NS_PER_SEC) /* 2021-06-15T12:00:00Z */
#define DAY0_NS (1623715200LL * NS_PER_SEC) /* 2021-06-15T00:00:00Z */

static char tmpdir[64];
static char home[128];
static char dbpath[160];
static struct store *st;
static sqlite3 *db;

static void setup(void)
{
    clock_set_fixed(NOW_NS);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-store-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(home, sizeof(home), "%s/data", tmpdir);
    snprintf(dbpath, sizeof(dbpath), "%s/vigil.db", home);
    st = NULL;
    db = NULL;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_dir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void teardown(void)
{
    sqlite3_close(db);
    store_close(st);
    rm_dir(tmpdir);
    clock_set_fixed(0);
}

TestSuite(store, .init = setup, .fini = teardown);

/* ---- helpers -------------------------------------------------------------- */

static void opts_init(struct store_opts *o)
{
    store_opts_default(o);
    o->home = home;
    o->durability = STORE_DURABLE_NORMAL; /* tests need no fsync */
}

static struct store *open_with(const struct store_opts *o)
{
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    int rc = store_open(o, &s, &d);
    cr_assert_eq(rc, 0, "store_open: %s (%s)", d.msg, err_name(rc));
    return s;
}

static struct store *open_default(void)
{
    struct store_opts o;
    opts_init(&o);
    return open_with(&o);
}

/* The database as the tests read it: a separate read-only connection. */
static sqlite3 *dbr(void)
{
    if (db == NULL)
        cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

static void db_drop(void)
{
    sqlite3_close(db);
    db = NULL;
}

static int64_t q_int(const char *sql)
{
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(dbr(), sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(dbr()));
    int rc = sqlite3_step(s);
    cr_assert_eq(rc, SQLITE_ROW, "%s: no row (%s)", sql, sqlite3_errmsg(dbr()));
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The first column of the first row as text, into out ("NULL" for NULL). */
static const char *q_text(const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(dbr(), sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(dbr()));
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s: no row", sql);
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(out, cap, "%s", t ? (const char *)t : "NULL");
    sqlite3_finalize(s);
    return out;
}

#define expect_text(sql, want)                                                                     \
    do {                                                                                           \
        char got_[4096];                                                                           \
        cr_assert_str_eq(q_text((sql), got_, sizeof(got_)), (want), "%s", (sql));                  \
    } while (0)

static bool table_exists(const char *name)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE name='%s'", name);
    return q_int(sql) == 1;
}

static uint32_t source(struct store *s, uint32_t tenant, const char *name)
{
    uint32_t id = 0;
    cr_assert_eq(store_source(s, tenant, name, "file", "json", &id, NULL), 0);
    cr_assert_gt(id, 0);
    return id;
}

static int64_t file_open(struct store *s, uint32_t source_id, const char *path, const char *head,
                         uint64_t size, uint64_t *offset, bool *restarted)
{
    struct store_file f = {.size = size, .head = (const uint8_t *)head, .head_len = strlen(head)};
    struct diag d;
    int rc = store_file_open(s, source_id, path, &f, &d);
    cr_assert_eq(rc, 0, "store_file_open: %s", d.msg);
    *offset = f.offset;
    *restarted = f.restarted;
    return f.id;
}

static uint32_t fid(const char *name)
{
    return field_intern(str_c(name));
}

/* An event at ts with raw text; fields are added by the caller. */
static struct event *add_event(struct event_batch *b, int64_t ts, const char *raw)
{
    struct event *ev = batch_add_event(b);
    ev->ts_ns = ts;
    ev->raw = str_c(raw);
    return ev;
}

static void submit_wait(struct store *s, struct event_batch *b)
{
    uint64_t seq = 0;
    struct diag d;
    diag_clear(&d);
    cr_assert_eq(store_submit_take(s, b, &seq, &d), 0, "%s", d.msg);
    cr_assert_gt(seq, 0);
    cr_assert_eq(store_wait(s, seq, &d), 0, "store_wait: %s", d.msg);
}

/* ---- opening -------------------------------------------------------------- */

Test(store, open_creates_and_migrates)
{
    struct stat sb;
    cr_assert_neq(stat(home, &sb), 0, "the data directory does not exist yet");
    st = open_default();
    cr_assert_eq(stat(home, &sb), 0);
    cr_assert(S_ISDIR(sb.st_mode));
    cr_assert_eq(stat(dbpath, &sb), 0);
    int64_t version = q_int("PRAGMA user_version");
    cr_assert_gt(version, 0);
    for (const char *const *t = (const char *const[]){"meta", "tenants", "sources", "source_files",
                                                      "partitions", "quarantine", NULL};
         *t; t++)
        cr_assert(table_exists(*t), "table %s is missing", *t);
    expect_text("SELECT name FROM tenants WHERE id=1", "default");
    expect_text("PRAGMA journal_mode", "wal");
    int64_t objects = q_int("SELECT count(*) FROM sqlite_master");

    /* Reopening changes nothing. */
    store_close(st);
    st = open_default();
    cr_assert_eq(q_int("PRAGMA user_version"), version);
    cr_assert_eq(q_int("SELECT count(*) FROM sqlite_master"), objects);
    cr_assert_eq(q_int("SELECT count(*) FROM tenants"), 1);

    /* A read-only open accepts exactly this version. */
    struct store_opts o;
    opts_init(&o);
    o.read_only = true;
    struct store *ro = open_with(&o);
    store_close(ro);
}

Test(store, newer_schema_is_refused)
{
    st = open_default();
    int64_t version = q_int("PRAGMA user_version");
    store_close(st);
    st = NULL;
    db_drop();
    sqlite3 *w;
    cr_assert_eq(sqlite3_open(dbpath, &w), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version=%lld", (long long)version + 1);
    cr_assert_eq(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);

    struct store_opts o;
    opts_init(&o);
    struct diag d;
    struct store *s = NULL;
    cr_assert_eq(store_open(&o, &s, &d), E_UNSUPPORTED);
    cr_assert(strstr(d.msg, "newer than this vigil") != NULL, "%s", d.msg);
    o.read_only = true;
    cr_assert_eq(store_open(&o, &s, &d), E_UNSUPPORTED);
}

Test(store, failed_migration_rolls_back)
{
    /* A database in the way of migration 1: it fails and leaves nothing half done. */
    mkdir(home, 0750);
    sqlite3 *w;
    cr_assert_eq(sqlite3_open(dbpath, &w), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(w, "CREATE TABLE tenants(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(w);
    struct store_opts o;
    opts_init(&o);
    struct diag d;
    struct store *s = NULL;
    cr_assert_eq(store_open(&o, &s, &d), E_DB);
    cr_assert_str_eq(d.where, "migration 1");
    cr_assert_eq(q_int("PRAGMA user_version"), 0);
    cr_assert(!table_exists("meta"));
    cr_assert(!table_exists("sources"));
}

Test(store, read_only_open_of_a_missing_directory)
{
    struct store_opts o;
    opts_init(&o);
    o.read_only = true;
    struct diag d;
    struct store *s = NULL;
    cr_assert_eq(store_open(&o, &s, &d), E_NOTFOUND);
    cr_assert_null(s);
    cr_assert_str_eq(d.where, dbpath);
    struct stat sb;
    cr_assert_neq(stat(home, &sb), 0, "a read-only open creates nothing");
}

Test(store, read_only_store_refuses_writes)
{
    st = open_default();
    store_close(st);
    struct store_opts o;
    opts_init(&o);
    o.read_only = true;
    st = open_with(&o);
    struct event_batch *b = batch_new(1, 1, 0);
    add_event(b, NOW_NS, "x");
    uint64_t seq = 0, dropped = 0;
    struct diag d;
    /* The batch is freed either way (the leak checker would see it otherwise). */
    cr_assert_eq(store_submit_take(st, b, &seq, &d), E_STATE);
    cr_assert_eq(store_retention(st, NOW_NS, &dropped, &d), E_STATE);
    uint32_t id;
    cr_assert_eq(store_tenant(st, "default", false, &id, &d), 0);
    cr_assert_eq(id, 1);
}

Test(store, close_null_is_a_noop)
{
    store_close(NULL);
}

Test(store, home_that_is_a_file)
{
    FILE *fp = fopen(home, "w");
    cr_assert_not_null(fp);
    fclose(fp);
    struct store_opts o;
    opts_init(&o);
    struct diag d;
    struct store *s = NULL;
    cr_assert_eq(store_open(&o, &s, &d), E_IO);
    cr_assert(strstr(d.msg, "not a directory") != NULL, "%s", d.msg);
}

/* ---- tenants, sources, files ---------------------------------------------- */

Test(store, tenants_and_sources)
{
    st = open_default();
    uint32_t id = 0, id2 = 0;
    struct diag d;
    cr_assert_eq(store_tenant(st, "default", false, &id, &d), 0);
    cr_assert_eq(id, 1);
    cr_assert_eq(store_tenant(st, "acme", false, &id, &d), E_NOTFOUND);
    cr_assert_str_eq(d.msg, "no tenant named 'acme'");
    cr_assert_eq(store_tenant(st, "acme", true, &id, &d), 0);
    cr_assert_eq(id, 2);
    cr_assert_eq(store_tenant(st, "acme", true, &id2, &d), 0);
    cr_assert_eq(id2, 2, "create is idempotent");
    cr_assert_eq(store_tenant(st, "acme", false, &id2, &d), 0);
    cr_assert_eq(id2, 2);

    uint32_t s1 = 0, s1b = 0, s2 = 0;
    cr_assert_eq(store_source(st, 1, "fw", "file", "json", &s1, &d), 0);
    cr_assert_eq(store_source(st, 1, "fw", "file", "syslog", &s1b, &d), 0);
    cr_assert_eq(s1, s1b, "the same name is the same source");
    cr_assert_eq(store_source(st, 2, "fw", "stdin", "raw", &s2, &d), 0);
    cr_assert_neq(s1, s2, "names are per tenant");
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT type || '/' || format FROM sources WHERE id=%u", s1);
    expect_text(sql, "file/syslog");
    snprintf(sql, sizeof(sql), "SELECT tenant_id FROM sources WHERE id=%u", s2);
    cr_assert_eq(q_int(sql), 2);
}

Test(store, file_offsets_and_recognition)
{
    st = open_default();
    uint32_t src = source(st, 1, "auth");
    uint64_t off;
    bool restarted;
    const char *head = "Jun 15 10:00:00 host sshd[1]: first line\n";

    /* A new file starts at 0. */
    int64_t id = file_open(st, src, "/var/log/auth.log", head, 1000, &off, &restarted);
    cr_assert_gt(id, 0);
    cr_assert_eq(off, 0);
    cr_assert(!restarted);

    /* A committed batch moves its offset. */
    struct event_batch *b = batch_new(1, src, id);
    add_event(b, NOW_NS, "first line");
    b->end_offset = 600;
    b->n_records = 3;
    submit_wait(st, b);
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT offset FROM source_files WHERE id=%lld", (long long)id);
    cr_assert_eq(q_int(sql), 600);

    /* Same head: the committed offset. */
    cr_assert_eq(file_open(st, src, "/var/log/auth.log", head, 1000, &off, &restarted), id);
    cr_assert_eq(off, 600);
    cr_assert(!restarted);
    /* Grown past the old head: still the same file (the first bytes match). */
    char longer[2048];
    snprintf(longer, sizeof(longer), "%s%s", head, "Jun 15 10:00:01 host sshd[2]: second\n");
    cr_assert_eq(file_open(st, src, "/var/log/auth.log", longer, 5000, &off, &restarted), id);
    cr_assert_eq(off, 600);
    cr_assert(!restarted);

    /* Shorter than the committed offset: truncated, start over. */
    cr_assert_eq(file_open(st, src, "/var/log/auth.log", longer, 599, &off, &restarted), id);
    cr_assert_eq(off, 0);
    cr_assert(restarted);
    cr_assert_eq(q_int(sql), 0, "the restart is recorded");
    snprintf(sql, sizeof(sql), "SELECT restarts FROM source_files WHERE id=%lld", (long long)id);
    cr_assert_eq(q_int(sql), 1);

    /* Commit again, then the head changes: rotated, start over. */
    b = batch_new(1, src, id);
    b->end_offset = 700;
    submit_wait(st, b);
    cr_assert_eq(file_open(st, src, "/var/log/auth.log", longer, 5000, &off, &restarted), id);
    cr_assert_eq(off, 700);
    cr_assert_eq(
        file_open(st, src, "/var/log/auth.log", "Jun 16 00:00:00 other\n", 5000, &off, &restarted),
        id);
    cr_assert_eq(off, 0);
    cr_assert(restarted);
    cr_assert_eq(q_int(sql), 2);

    /* Another path is another file; an unknown source is an error. */
    int64_t other = file_open(st, src, "/var/log/auth.log.1", head, 10, &off, &restarted);
    cr_assert_neq(other, id);
    struct store_file f = {.size = 1, .head = (const uint8_t *)"x", .head_len = 1};
    struct diag d;
    cr_assert_eq(store_file_open(st, 999, "/x", &f, &d), E_NOTFOUND);
}

/* ---- writing -------------------------------------------------------------- */

Test(store, batch_lands_in_its_day_partition)
{
    st = open_default();
    uint32_t src = source(st, 1, "win");
    uint64_t off;
    bool restarted;
    int64_t file = file_open(st, src, "/logs/sec.json", "{", 100, &off, &restarted);

    struct event_batch *b = batch_new(1, src, file);
    int64_t ts = DAY0_NS + 3600 * NS_PER_SEC; /* 2021-06-15T01:00:00Z */
    struct event *ev = add_event(b, ts, "Failed password for root from 10.0.0.1");
    ev->flags = EVENT_TS_INVALID;
    event_add_int(ev, &b->arena, fid("EventID"), 4625);
    event_add_int(ev, &b->arena, F_EVENT_CODE, 4625)->flags |= EVENT_FIELD_DERIVED;
    event_add_str(ev, &b->arena, fid("TargetUserName"), STR_LIT("root"));
    event_add_str(ev, &b->arena, F_USER_NAME, STR_LIT("root"))->flags |= EVENT_FIELD_DERIVED;
    event_add_str(ev, &b->arena, F_HOST_NAME, STR_LIT("ws1")); /* original: kept in both */
    event_add_str(ev, &b->arena, F_SOURCE_IP, STR_LIT("10.0.0.1"))->flags |= EVENT_FIELD_DERIVED;
    event_add_int(ev, &b->arena, F_DESTINATION_PORT, 22);
    event_add_str(ev, &b->arena, fid("msg"), STR_LIT("a \"quoted\"\nline\t\x01"));
    event_add(ev, &b->arena, fid("ratio"), value_float(0.5));
    event_add(ev, &b->arena, fid("ok"), value_bool(true));
    event_add(ev, &b->arena, fid("list"), (struct value){.type = VAL_JSON, .s = STR_LIT("[1,2]")});
    event_add(ev, &b->arena, fid("nothing"), (struct value){.type = VAL_NULL});

    ev = add_event(b, ts + NS_PER_SEC, "Accepted publickey for alice");
    event_add_str(ev, &b->arena, F_USER_NAME, STR_LIT("alice"));

    static const char nul_raw[] = "ab\0cd";
    batch_quarantine(b, 77, 5, "nul_byte", STR_LIT("column 3: NUL byte in a text record"),
                     str_make(nul_raw, 5));
    b->end_offset = 100;
    b->n_records = 4;
    submit_wait(st, b);

    cr_assert(table_exists("ev_20210615"));
    cr_assert(table_exists("fts_20210615"));
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210615"), 2);
    expect_text("SELECT ts || ' ' || ingest_ts || ' ' || tenant_id || ' ' || flags FROM "
                "ev_20210615 ORDER BY id LIMIT 1",
                "1623718800000000000 1623758400000000000 1 2");
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT source_id FROM ev_20210615 ORDER BY id LIMIT 1");
    cr_assert_eq(q_int(sql), src);
    /* Promoted columns. */
    expect_text("SELECT host || '|' || event_code || '|' || user_name || '|' || source_ip || '|'"
                " || destination_port || '|' || typeof(destination_port) || '|' ||"
                " coalesce(destination_ip, 'NULL') || '|' || coalesce(log_level, 'NULL')"
                " FROM ev_20210615 ORDER BY id LIMIT 1",
                "ws1|4625|root|10.0.0.1|22|integer|NULL|NULL");
    /* Every field in the JSON except derived ones that have a promoted column. */
    expect_text("SELECT fields FROM ev_20210615 ORDER BY id LIMIT 1",
                "{\"EventID\":4625,\"TargetUserName\":\"root\",\"host.name\":\"ws1\","
                "\"destination.port\":22,\"msg\":\"a \\\"quoted\\\"\\nline\\t\\u0001\","
                "\"ratio\":0.5,\"ok\":true,\"list\":[1,2],\"nothing\":null}");
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210615 WHERE json_valid(fields)"), 2);
    expect_text("SELECT json_extract(fields, '$.msg') FROM ev_20210615 ORDER BY id LIMIT 1",
                "a \"quoted\"\nline\t\x01");
    expect_text("SELECT fields FROM ev_20210615 ORDER BY id DESC LIMIT 1",
                "{\"user.name\":\"alice\"}");
    expect_text("SELECT raw FROM ev_20210615 ORDER BY id DESC LIMIT 1",
                "Accepted publickey for alice");

    /* Full-text search finds a phrase, and only where it is. */
    expect_text("SELECT e.raw FROM fts_20210615 f JOIN ev_20210615 e ON e.id = f.rowid"
                " WHERE fts_20210615 MATCH '\"failed password\"'",
                "Failed password for root from 10.0.0.1");
    cr_assert_eq(q_int("SELECT count(*) FROM fts_20210615 WHERE fts_20210615 MATCH 'alice'"), 1);
    cr_assert_eq(q_int("SELECT count(*) FROM fts_20210615 WHERE fts_20210615 MATCH "
                       "'\"password for alice\"'"),
                 0);

    /* The quarantine keeps the raw bytes as a BLOB, NUL and all. */
    expect_text("SELECT typeof(raw) || ' ' || length(raw) || ' ' || hex(raw) FROM quarantine",
                "blob 5 6162006364");
    snprintf(sql, sizeof(sql),
             "SELECT tenant_id = 1 AND source_id = %u AND file_id = %lld AND offset = 77 AND"
             " length = 5 AND reason = 'nul_byte' AND ingest_ns = %lld FROM quarantine",
             src, (long long)file, (long long)NOW_NS);
    cr_assert_eq(q_int(sql), 1);
    expect_text("SELECT detail FROM quarantine", "column 3: NUL byte in a text record");

    /* The offset and the counters commit with the batch. */
    snprintf(sql, sizeof(sql),
             "SELECT offset || ' ' || records || ' ' || events || ' ' || quarantined FROM"
             " source_files WHERE id=%lld",
             (long long)file);
    expect_text(sql, "100 4 2 1");
    expect_text("SELECT day || ' ' || ev_table || ' ' || fts_table || ' ' || rows || ' ' ||"
                " min_ts || ' ' || max_ts FROM partitions",
                "18793 ev_20210615 fts_20210615 2 1623718800000000000 1623718801000000000");

    struct store_stats ss;
    cr_assert_eq(store_stats(st, 1, &ss, NULL), 0);
    cr_assert_eq(ss.events, 2);
    cr_assert_eq(ss.quarantined, 1);
    cr_assert_eq(ss.sources, 1);
    cr_assert_eq(ss.files, 1);
    cr_assert_eq(ss.partitions, 1);
    cr_assert_eq(ss.first_ts, ts);
    cr_assert_eq(ss.last_ts, ts + NS_PER_SEC);
}

Test(store, stdin_batches_have_no_file)
{
    st = open_default();
    uint32_t src = source(st, 1, "stdin");
    struct event_batch *b = batch_new(1, src, 0);
    add_event(b, NOW_NS, "x");
    batch_quarantine(b, 0, 1, "parse_error", STR_LIT("raw: nope"), STR_LIT("y"));
    b->end_offset = 4;
    submit_wait(st, b);
    expect_text("SELECT coalesce(file_id, 'NULL') FROM quarantine", "NULL");
    cr_assert_eq(q_int("SELECT count(*) FROM source_files"), 0);
}

Test(store, without_fts)
{
    struct store_opts o;
    opts_init(&o);
    o.fts = false;
    st = open_with(&o);
    struct event_batch *b = batch_new(1, source(st, 1, "s"), 0);
    add_event(b, NOW_NS, "no index");
    submit_wait(st, b);
    cr_assert(table_exists("ev_20210615"));
    cr_assert(!table_exists("fts_20210615"));
    expect_text("SELECT coalesce(fts_table, 'NULL') FROM partitions", "NULL");

    /* A partition keeps the choice it was created with. */
    store_close(st);
    st = open_default();
    b = batch_new(1, 1, 0);
    add_event(b, NOW_NS, "still no index");
    add_event(b, NOW_NS + NS_PER_DAY, "tomorrow has one");
    submit_wait(st, b);
    expect_text("SELECT group_concat(coalesce(fts_table, 'NULL')) FROM (SELECT fts_table FROM"
                " partitions ORDER BY day)",
                "NULL,fts_20210616");
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210615"), 2);
    cr_assert_eq(q_int("SELECT count(*) FROM fts_20210616 WHERE fts_20210616 MATCH 'tomorrow'"), 1);
}

Test(store, events_spanning_days)
{
    st = open_default();
    uint32_t src = source(st, 1, "days");
    struct event_batch *b = batch_new(1, src, 0);
    add_event(b, DAY0_NS - 1, "last ns of June 14th");
    add_event(b, DAY0_NS, "first ns of June 15th");
    add_event(b, DAY0_NS + NS_PER_DAY + 5, "June 16th");
    add_event(b, DAY0_NS - 1, "June 14th again");
    add_event(b, -1, "just before the epoch");
    submit_wait(st, b);
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210614"), 2);
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210615"), 1);
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210616"), 1);
    cr_assert_eq(q_int("SELECT count(*) FROM ev_19691231"), 1);
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 4);
    expect_text("SELECT rows || ' ' || min_ts || ' ' || max_ts FROM partitions WHERE day=18792",
                "2 1623715199999999999 1623715199999999999");
    expect_text("SELECT group_concat(raw, '|') FROM (SELECT raw FROM ev_20210614 ORDER BY id)",
                "last ns of June 14th|June 14th again");
    cr_assert_eq(q_int("SELECT count(*) FROM fts_20210614 WHERE fts_20210614 MATCH 'again'"), 1);
    cr_assert_eq(q_int("SELECT count(*) FROM fts_20210615 WHERE fts_20210615 MATCH 'again'"), 0);
}

Test(store, one_batch_over_many_days)
{
    /* More distinct days in one transaction than the writer keeps partitions open. */
    st = open_default();
    uint32_t src = source(st, 1, "weeks");
    struct event_batch *b = batch_new(1, src, 0);
    char *raws[40];
    for (int i = 0; i < 40; i++) {
        raws[i] = arena_alloc(&b->arena, 32);
        snprintf(raws[i], 32, "day %d token%d", i % 20, i % 20);
        add_event(b, DAY0_NS - (int64_t)(i % 20) * NS_PER_DAY, raws[i]);
    }
    submit_wait(st, b);
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 20);
    cr_assert_eq(q_int("SELECT sum(rows) FROM partitions"), 40);
    for (int i = 0; i < 20; i++) {
        char ev[16], fts[16], sql[160];
        schema_partition_names(schema_day_of(DAY0_NS) - i, ev, fts);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", ev);
        cr_assert_eq(q_int(sql), 2, "%s", ev);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s MATCH 'token%d'", fts, fts, i);
        cr_assert_eq(q_int(sql), 2, "%s", sql);
    }
}

Test(store, group_commit)
{
    struct store_opts o;
    opts_init(&o);
    o.queue_batches = 2;
    st = open_with(&o);
    uint32_t src = source(st, 1, "many");
    uint64_t off;
    bool restarted;
    int64_t file = file_open(st, src, "/many.log", "x", 1 << 20, &off, &restarted);
    uint64_t seq = 0, prev = 0;
    for (int i = 0; i < 200; i++) {
        struct event_batch *b = batch_new(1, src, file);
        char *raw = arena_alloc(&b->arena, 16);
        snprintf(raw, 16, "event %d", i);
        add_event(b, NOW_NS + i, raw);
        b->end_offset = (uint64_t)(i + 1) * 10;
        b->n_records = 1;
        cr_assert_eq(store_submit_take(st, b, &seq, NULL), 0);
        cr_assert_eq(seq, prev + 1, "sequence numbers are consecutive");
        prev = seq;
    }
    /* One wait covers everything submitted before it. */
    cr_assert_eq(store_wait(st, seq, NULL), 0);
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210615"), 200);
    cr_assert_eq(q_int("SELECT count(DISTINCT id) FROM ev_20210615"), 200);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT offset FROM source_files WHERE id=%lld", (long long)file);
    cr_assert_eq(q_int(sql), 2000);
    snprintf(sql, sizeof(sql), "SELECT records FROM source_files WHERE id=%lld", (long long)file);
    cr_assert_eq(q_int(sql), 200);
    /* Ids follow submission order. */
    expect_text("SELECT raw FROM ev_20210615 ORDER BY id DESC LIMIT 1", "event 199");
    cr_assert_eq(q_int("SELECT count(*) FROM fts_20210615 WHERE fts_20210615 MATCH 'event'"), 200);
    /* Waiting again, or for an older batch, returns at once. */
    cr_assert_eq(store_wait(st, 1, NULL), 0);
    cr_assert_eq(store_wait(st, seq, NULL), 0);
}

Test(store, close_flushes_the_queue)
{
    st = open_default();
    uint32_t src = source(st, 1, "flush");
    uint64_t seq;
    for (int i = 0; i < 20; i++) {
        struct event_batch *b = batch_new(1, src, 0);
        add_event(b, NOW_NS, "queued");
        cr_assert_eq(store_submit_take(st, b, &seq, NULL), 0);
    }
    store_close(st);
    st = NULL;
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210615"), 20);
}

/* ---- ids ------------------------------------------------------------------ */

Test(store, event_ids_are_unique_and_continue_after_reopen)
{
    st = open_default();
    uint32_t src = source(st, 1, "ids");
    struct event_batch *b = batch_new(1, src, 0);
    add_event(b, NOW_NS, "a");
    add_event(b, NOW_NS - NS_PER_DAY, "b");
    add_event(b, NOW_NS, "c");
    submit_wait(st, b);
    expect_text("SELECT group_concat(id) FROM (SELECT id FROM ev_20210615 UNION ALL SELECT id"
                " FROM ev_20210614 ORDER BY id)",
                "1,2,3");
    expect_text("SELECT raw FROM ev_20210614", "b");
    store_close(st);
    st = open_default();
    b = batch_new(1, src, 0);
    add_event(b, NOW_NS - NS_PER_DAY, "d");
    add_event(b, NOW_NS + NS_PER_DAY, "e");
    submit_wait(st, b);
    expect_text("SELECT group_concat(id || raw) FROM (SELECT id, raw FROM ev_20210614 UNION ALL"
                " SELECT id, raw FROM ev_20210615 UNION ALL SELECT id, raw FROM ev_20210616"
                " ORDER BY id)",
                "1a,2b,3c,4d,5e");
}

Test(store, failed_commit_is_sticky_and_rolled_back)
{
    st = open_default();
    uint32_t src = source(st, 1, "fail");
    struct event_batch *b = batch_new(1, src, 0);
    add_event(b, NOW_NS, "committed");
    submit_wait(st, b);

    /* An event without raw text breaks the schema (raw NOT NULL): the transaction
     * fails in the writer, with the event before it. */
    b = batch_new(1, src, 0);
    add_event(b, NOW_NS, "fine");
    struct event *ev = batch_add_event(b);
    ev->ts_ns = NOW_NS;
    ev->raw = STR_NULL;
    uint64_t seq;
    struct diag d;
    cr_assert_eq(store_submit_take(st, b, &seq, &d), 0);
    cr_assert_eq(store_wait(st, seq, &d), E_DB);
    cr_assert(strstr(d.msg, "inserting an event") != NULL, "%s", d.msg);

    /* From now on every submit and wait fails with the same error (a submit still
     * frees its batch). */
    b = batch_new(1, src, 0);
    add_event(b, NOW_NS, "refused");
    cr_assert_eq(store_submit_take(st, b, &seq, &d), E_DB);
    cr_assert(strstr(d.msg, "inserting an event") != NULL, "%s", d.msg);
    cr_assert_eq(store_wait(st, seq + 1, &d), E_DB);
    store_close(st);
    st = NULL;
    expect_text("SELECT group_concat(raw) FROM ev_20210615", "committed");

    /* A new store carries on after the last committed event. */
    st = open_default();
    b = batch_new(1, src, 0);
    add_event(b, NOW_NS, "after");
    submit_wait(st, b);
    expect_text("SELECT group_concat(id || raw) FROM (SELECT id, raw FROM ev_20210615 ORDER BY id)",
                "1committed,2after");
}

Test(store, oversized_fields_are_refused)
{
    st = open_default();
    uint32_t src = source(st, 1, "big");
    struct event_batch *b = batch_new(1, src, 0);
    struct event *ev = add_event(b, NOW_NS, "too big");
    size_t big = 17u << 20;
    char *s = arena_alloc(&b->arena, big);
    memset(s, 'x', big);
    for (int i = 0; i < 4; i++) /* over the 64 MiB ceiling on one event's fields JSON */
        event_add_str(ev, &b->arena, fid("huge"), str_make(s, big));
    uint64_t seq = 0;
    struct diag d;
    diag_clear(&d);
    int rc = store_submit_take(st, b, &seq, &d);
    if (rc == 0)
        rc = store_wait(st, seq, &d);
    cr_assert_eq(rc, E_TOOBIG);
    cr_assert(strstr(d.msg, "fields exceed") != NULL, "%s", d.msg);
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 0);
}

/* ---- retention ------------------------------------------------------------ */

static void fill_days(struct store *s, uint32_t src, const int *days_ago, size_t n, size_t per_day,
                      size_t raw_len)
{
    struct event_batch *b = batch_new(1, src, 0);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < per_day; k++) {
            char *raw = arena_alloc(&b->arena, raw_len + 1);
            for (size_t j = 0; j < raw_len; j++)
                raw[j] = (char)('a' + (j * 7 + k + i) % 26);
            raw[raw_len] = '\0';
            add_event(b, NOW_NS - days_ago[i] * NS_PER_DAY, raw);
        }
    }
    submit_wait(s, b);
}

Test(store, retention_by_age)
{
    struct store_opts o;
    opts_init(&o);
    o.retention_max_age_ns = 7 * NS_PER_DAY;
    st = open_with(&o);
    uint32_t src = source(st, 1, "age");
    /* The writer applies retention after each commit, at the (pinned) clock's now. */
    fill_days(st, src, (const int[]){10, 8, 7, 3, 0}, 5, 2, 10);
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 3);
    cr_assert(!table_exists("ev_20210605"));
    cr_assert(!table_exists("fts_20210605"));
    cr_assert(!table_exists("ev_20210607"));
    cr_assert(table_exists("ev_20210608"), "a partition exactly max_age old is kept");
    cr_assert(table_exists("ev_20210612"));

    /* store_retention with a chosen now: five days on, June 8th..June 12th expire. */
    uint64_t dropped = 99;
    struct diag d;
    cr_assert_eq(store_retention(st, NOW_NS + 5 * NS_PER_DAY, &dropped, &d), 0);
    cr_assert_eq(dropped, 2);
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 1);
    cr_assert(table_exists("ev_20210615"));
    cr_assert_eq(store_retention(st, NOW_NS + 5 * NS_PER_DAY, &dropped, &d), 0);
    cr_assert_eq(dropped, 0);

    /* An expired day that comes back is a new partition; ids keep growing. */
    clock_set_fixed(NOW_NS - 20 * NS_PER_DAY); /* so the writer's own pass keeps it */
    fill_days(st, src, (const int[]){10}, 1, 1, 5);
    cr_assert(table_exists("ev_20210605"));
    cr_assert_eq(q_int("SELECT id FROM ev_20210605"), 11);
}

Test(store, retention_by_size)
{
    st = open_default();
    uint32_t src = source(st, 1, "size");
    fill_days(st, src, (const int[]){3, 2, 1, 0}, 4, 200, 500);
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 4);
    store_close(st);

    /* A generous limit drops nothing. */
    struct store_opts o;
    opts_init(&o);
    o.retention_max_bytes = 1ull << 40;
    st = open_with(&o);
    uint64_t dropped = 99;
    cr_assert_eq(store_retention(st, NOW_NS, &dropped, NULL), 0);
    cr_assert_eq(dropped, 0);
    store_close(st);

    /* A tiny one drops the oldest partitions, but never the newest. */
    o.retention_max_bytes = 1;
    st = open_with(&o);
    cr_assert_eq(store_retention(st, NOW_NS, &dropped, NULL), 0);
    cr_assert_eq(dropped, 3);
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 1);
    cr_assert_eq(q_int("SELECT day FROM partitions"), schema_day_of(NOW_NS));
    cr_assert(!table_exists("ev_20210612"));
    cr_assert(!table_exists("fts_20210614"));
    cr_assert_eq(q_int("SELECT count(*) FROM ev_20210615"), 200);
}

Test(store, retention_between_limits)
{
    /* Size retention drops oldest first and stops once under the limit. */
    st = open_default();
    uint32_t src = source(st, 1, "mid");
    fill_days(st, src, (const int[]){3, 2, 1, 0}, 4, 300, 1000);
    struct store_stats ss;
    cr_assert_eq(store_stats(st, 1, &ss, NULL), 0);
    store_close(st);
    struct store_opts o;
    opts_init(&o);
    /* Roughly half of what is stored: some partitions must go, not all. */
    o.retention_max_bytes = ss.db_bytes / 2;
    st = open_with(&o);
    uint64_t dropped = 0;
    cr_assert_eq(store_retention(st, NOW_NS, &dropped, NULL), 0);
    cr_assert_geq(dropped, 1);
    cr_assert_leq(dropped, 3);
    cr_assert(!table_exists("ev_20210612"), "the oldest goes first");
    cr_assert(table_exists("ev_20210615"));
    cr_assert_eq(q_int("SELECT count(*) FROM partitions"), 4 - (int64_t)dropped);
}
