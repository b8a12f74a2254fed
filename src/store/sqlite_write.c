/*
 * sqlite_write.c - the writer thread's side of the SQLite backend:
 * transactions, day partitions, event rows, per-batch FTS fill, quarantine,
 * input offsets, retention.
 */
#include "base/clock.h"
#include "base/json.h"
#include "store/sqlite_int.h"

#include <stdio.h>
#include <string.h>

/* Column order of the insert: id, ts, ingest_ts, tenant_id, source_id, flags,
 * promoted..., raw, fields. */
#define COL_FIXED 6

int sqlite__writer_init(struct sqlite_be *be, struct diag *d)
{
    /* Event ids are global and never reused: every commit records the next one
     * in meta (in the same transaction), so it survives retention and restarts. */
    sqlite3_stmt *st;
    be->next_id = 1;
    if (sqlite3_prepare_v2(be->w, "SELECT value FROM meta WHERE key='next_event_id'", -1, &st,
                           NULL) != SQLITE_OK)
        return sqlite__fail(be->w, d, "reading the next event id");
    if (sqlite3_step(st) == SQLITE_ROW)
        be->next_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);

    static const char q_sql[] =
        "INSERT INTO quarantine(tenant_id, source_id, file_id, offset, length, reason, detail,"
        " raw, ingest_ns) VALUES (?,?,?,?,?,?,?,?,?)";
    static const char f_sql[] =
        "UPDATE source_files SET offset=?, records=records+?, events=events+?,"
        " quarantined=quarantined+?, updated_ns=? WHERE id=?";
    if (sqlite3_prepare_v3(be->w, q_sql, -1, SQLITE_PREPARE_PERSISTENT, &be->q_insert, NULL) ||
        sqlite3_prepare_v3(be->w, f_sql, -1, SQLITE_PREPARE_PERSISTENT, &be->file_update, NULL))
        return sqlite__fail(be->w, d, "preparing writer statements");
    return 0;
}

static void part_close(struct sqlite_part *p)
{
    sqlite3_finalize(p->insert);
    memset(p, 0, sizeof(*p));
}

void sqlite__writer_fini(struct sqlite_be *be)
{
    for (int i = 0; i < SQLITE_MAX_CACHED_PARTS; i++)
        part_close(&be->parts[i]);
    sqlite3_finalize(be->q_insert);
    sqlite3_finalize(be->file_update);
    be->q_insert = be->file_update = NULL;
}

static int prepare_insert(struct sqlite_be *be, struct sqlite_part *p, struct diag *d)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "INSERT INTO %s(id, ts, ingest_ts, tenant_id, source_id, flags", p->ev);
    size_t n;
    const struct schema_column *cols = schema_promoted(&n);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, ", %s", cols[i].column);
    buf_append_c(&b, ", raw, fields) VALUES (?");
    for (size_t i = 1; i < COL_FIXED + n + 2; i++)
        buf_append_c(&b, ",?");
    buf_putc(&b, ')');
    int rc = 0;
    if (sqlite3_prepare_v3(be->w, b.p, -1, SQLITE_PREPARE_PERSISTENT, &p->insert, NULL))
        rc = sqlite__fail(be->w, d, "preparing the event insert");
    buf_fini(&b);
    return rc;
}

static int finish_partition(struct sqlite_be *be, struct sqlite_part *p, struct diag *d);

/* Which handle to reuse first: one this transaction has not touched (nothing pending),
 * else the least recently used. */
static bool evict_before(const struct sqlite_part *p, const struct sqlite_part *q)
{
    bool p_idle = p->txn_first_id == 0, q_idle = q->txn_first_id == 0;
    if (p_idle != q_idle)
        return p_idle;
    return p->last_used < q->last_used;
}

/* The writer's handle on a day partition, creating the partition on first use. */
static struct sqlite_part *partition(struct sqlite_be *be, int64_t day, struct diag *d)
{
    struct sqlite_part *lru = &be->parts[0];
    for (int i = 0; i < SQLITE_MAX_CACHED_PARTS; i++) {
        struct sqlite_part *p = &be->parts[i];
        if (p->insert && p->day == day) {
            p->last_used = ++be->use_clock;
            return p;
        }
        if (evict_before(p, lru))
            lru = p;
    }
    if (lru->txn_first_id != 0) {
        /* Every handle has rows in this transaction (a batch spanning many days): fill
         * the FTS of the one to evict now; if its day comes back, a new id range starts. */
        if (finish_partition(be, lru, d))
            return NULL;
    }
    part_close(lru);
    if (sqlite_schema_create_partition(be->w, day, be->fts, d))
        return NULL;
    /* An existing partition keeps the FTS choice it was created with. */
    sqlite3_stmt *st;
    bool has_fts = false;
    if (sqlite3_prepare_v2(be->w, "SELECT fts_table IS NOT NULL FROM partitions WHERE day=?", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, day);
        has_fts = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    lru->day = day;
    lru->has_fts = has_fts;
    schema_partition_names(day, lru->ev, lru->fts);
    if (prepare_insert(be, lru, d)) {
        part_close(lru);
        return NULL;
    }
    lru->last_used = ++be->use_clock;
    return lru;
}

static void write_value(struct buf *b, const struct value *v)
{
    switch (v->type) {
    case VAL_STR:
        json_write_string(b, v->s);
        break;
    case VAL_INT:
        buf_append_i64(b, v->i);
        break;
    case VAL_FLOAT:
        json_write_double(b, v->f);
        break;
    case VAL_BOOL:
        buf_append_c(b, v->b ? "true" : "false");
        break;
    case VAL_JSON:
        buf_append_str(b, v->s);
        break;
    default:
        buf_append_c(b, "null");
        break;
    }
}

/* Every field as one flat JSON object: originals, and derived ECS names
 * except those held in a promoted column (the query compiler reads those
 * from the column, so storing them twice would only cost space and time). */
static int fields_json(struct buf *b, const struct event *ev)
{
    buf_reset(b);
    buf_putc(b, '{');
    bool first = true;
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        if ((ev->fields[i].flags & EVENT_FIELD_DERIVED) && schema_column_for(ev->fields[i].id))
            continue;
        if (!first)
            buf_putc(b, ',');
        first = false;
        json_write_string(b, field_name(ev->fields[i].id));
        buf_putc(b, ':');
        write_value(b, &ev->fields[i].v);
    }
    buf_putc(b, '}');
    return b->err;
}

static void bind_value(sqlite3_stmt *st, int col, const struct value *v)
{
    switch (v->type) {
    case VAL_STR:
        sqlite3_bind_text64(st, col, v->s.p, v->s.len, SQLITE_STATIC, SQLITE_UTF8);
        break;
    case VAL_INT:
        sqlite3_bind_int64(st, col, v->i);
        break;
    case VAL_FLOAT:
        sqlite3_bind_double(st, col, v->f);
        break;
    case VAL_BOOL:
        sqlite3_bind_int(st, col, v->b);
        break;
    default:
        sqlite3_bind_null(st, col);
        break;
    }
}

#define MAX_FIELDS_JSON (64u << 20)

int sqlite__prepare(void *arg, struct event_batch *b, struct diag *d)
{
    (void)arg;
    struct sqlite_row *rows = arena_alloc(&b->arena, (b->events.n + 1) * sizeof(*rows));
    struct buf json;
    buf_init(&json, MAX_FIELDS_JSON);
    size_t n;
    const struct schema_column *cols = schema_promoted(&n);
    int rc = 0;
    for (size_t i = 0; i < b->events.n && rc == 0; i++) {
        const struct event *ev = &b->events.items[i];
        if (fields_json(&json, ev)) {
            rc = diag_set(d, E_TOOBIG, "store", "event at offset %llu: fields exceed %u bytes",
                          (unsigned long long)ev->offset, MAX_FIELDS_JSON);
            break;
        }
        rows[i].fields = str_make(arena_memdup(&b->arena, json.p, json.len), json.len);
        for (size_t c = 0; c < n; c++) {
            const struct event_field *f = event_get(ev, cols[c].field_id);
            rows[i].promoted[c] = f ? &f->v : NULL;
        }
    }
    buf_fini(&json);
    b->store_rows = rows;
    return rc;
}

static int insert_event(struct sqlite_be *be, const struct event *ev, const struct sqlite_row *row,
                        struct diag *d)
{
    struct sqlite_part *p = partition(be, schema_day_of(ev->ts_ns), d);
    if (p == NULL)
        return d ? d->code : E_DB;
    sqlite3_stmt *st = p->insert;
    int64_t id = be->next_id++;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, ev->ts_ns);
    sqlite3_bind_int64(st, 3, ev->ingest_ns);
    sqlite3_bind_int64(st, 4, ev->tenant_id);
    sqlite3_bind_int64(st, 5, ev->source_id);
    sqlite3_bind_int64(st, 6, ev->flags);
    const size_t n = SCHEMA_N_PROMOTED;
    for (size_t i = 0; i < n; i++) {
        int col = (int)(COL_FIXED + 1 + i);
        if (row->promoted[i])
            bind_value(st, col, row->promoted[i]);
        else
            sqlite3_bind_null(st, col);
    }
    sqlite3_bind_text64(st, (int)(COL_FIXED + n + 1), ev->raw.p, ev->raw.len, SQLITE_STATIC,
                        SQLITE_UTF8);
    sqlite3_bind_text64(st, (int)(COL_FIXED + n + 2), row->fields.p, row->fields.len, SQLITE_STATIC,
                        SQLITE_UTF8);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sqlite__fail(be->w, d, "inserting an event");
    if (p->txn_first_id == 0) {
        p->txn_first_id = id;
        p->txn_min_ts = p->txn_max_ts = ev->ts_ns;
    }
    p->txn_last_id = id;
    p->txn_rows++;
    if (ev->ts_ns < p->txn_min_ts)
        p->txn_min_ts = ev->ts_ns;
    if (ev->ts_ns > p->txn_max_ts)
        p->txn_max_ts = ev->ts_ns;
    return 0;
}

static int insert_quarantine(struct sqlite_be *be, const struct event_batch *b,
                             const struct quarantine_rec *q, struct diag *d)
{
    sqlite3_stmt *st = be->q_insert;
    sqlite3_bind_int64(st, 1, b->tenant_id);
    sqlite3_bind_int64(st, 2, b->source_id);
    if (b->file_id)
        sqlite3_bind_int64(st, 3, b->file_id);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)q->offset);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)q->length);
    sqlite3_bind_text(st, 6, q->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text64(st, 7, q->detail.p, q->detail.len, SQLITE_STATIC, SQLITE_UTF8);
    sqlite3_bind_blob64(st, 8, q->raw.p, q->raw.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, b->ingest_ns);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sqlite__fail(be->w, d, "inserting a quarantine record");
}

int sqlite__begin(void *arg, struct diag *d)
{
    struct sqlite_be *be = arg;
    return sqlite__exec(be->w, "BEGIN IMMEDIATE", d);
}

int sqlite__write_batch(void *arg, const struct event_batch *b, struct diag *d)
{
    struct sqlite_be *be = arg;
    int rc;
    const struct sqlite_row *rows = b->store_rows;
    if (rows == NULL && b->events.n)
        return diag_set(d, E_STATE, "store", "batch was not prepared before writing");
    for (size_t i = 0; i < b->events.n; i++)
        if ((rc = insert_event(be, &b->events.items[i], &rows[i], d)))
            return rc;
    for (size_t i = 0; i < b->quarantine.n; i++)
        if ((rc = insert_quarantine(be, b, &b->quarantine.items[i], d)))
            return rc;
    if (b->file_id) {
        sqlite3_stmt *st = be->file_update;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)b->end_offset);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)b->n_records);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)b->events.n);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)b->quarantine.n);
        sqlite3_bind_int64(st, 5, clock_now_ns());
        sqlite3_bind_int64(st, 6, b->file_id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return sqlite__fail(be->w, d, "recording the input offset");
    }
    return 0;
}

/* Fill FTS for the rows this transaction added, once per partition: a
 * per-row trigger costs 4x (measured, docs/BENCHMARKS.md). */
static int finish_partition(struct sqlite_be *be, struct sqlite_part *p, struct diag *d)
{
    char sql[256];
    if (p->has_fts) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO %s(rowid, raw) SELECT id, raw FROM %s WHERE id BETWEEN %lld AND "
                 "%lld",
                 p->fts, p->ev, (long long)p->txn_first_id, (long long)p->txn_last_id);
        if (sqlite__exec(be->w, sql, d))
            return E_DB;
    }
    snprintf(sql, sizeof(sql),
             "UPDATE partitions SET rows=rows+%lld, min_ts=min(coalesce(min_ts,%lld),%lld),"
             " max_ts=max(coalesce(max_ts,%lld),%lld) WHERE day=%lld",
             (long long)p->txn_rows, (long long)p->txn_min_ts, (long long)p->txn_min_ts,
             (long long)p->txn_max_ts, (long long)p->txn_max_ts, (long long)p->day);
    if (sqlite__exec(be->w, sql, d))
        return E_DB;
    p->txn_first_id = p->txn_last_id = p->txn_rows = 0;
    return 0;
}

static int finish_partitions(struct sqlite_be *be, struct diag *d)
{
    for (int i = 0; i < SQLITE_MAX_CACHED_PARTS; i++) {
        struct sqlite_part *p = &be->parts[i];
        if (p->txn_first_id != 0 && finish_partition(be, p, d))
            return E_DB;
    }
    return 0;
}

static void clear_txn(struct sqlite_be *be)
{
    for (int i = 0; i < SQLITE_MAX_CACHED_PARTS; i++) {
        struct sqlite_part *p = &be->parts[i];
        p->txn_first_id = p->txn_last_id = p->txn_rows = 0;
    }
}

int sqlite__commit(void *arg, struct diag *d)
{
    struct sqlite_be *be = arg;
    int rc = finish_partitions(be, d);
    if (rc == 0) {
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "INSERT OR REPLACE INTO meta(key, value) VALUES ('next_event_id', %lld)",
                 (long long)be->next_id);
        rc = sqlite__exec(be->w, sql, d);
    }
    if (rc == 0)
        rc = sqlite__exec(be->w, "COMMIT", d);
    if (rc == 0)
        clear_txn(be);
    return rc;
}

void sqlite__rollback(void *arg)
{
    struct sqlite_be *be = arg;
    sqlite3_exec(be->w, "ROLLBACK", NULL, NULL, NULL);
    /* Ids handed out in the failed transaction are simply skipped. Partitions
     * created in it are gone, so forget the cached handles. */
    for (int i = 0; i < SQLITE_MAX_CACHED_PARTS; i++)
        part_close(&be->parts[i]);
}

static int drop_partition(struct sqlite_be *be, int64_t day, struct diag *d)
{
    char ev[16], fts[16], sql[256];
    schema_partition_names(day, ev, fts);
    for (int i = 0; i < SQLITE_MAX_CACHED_PARTS; i++)
        if (be->parts[i].insert && be->parts[i].day == day)
            part_close(&be->parts[i]);
    snprintf(sql, sizeof(sql),
             "BEGIN IMMEDIATE; DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s;"
             " DELETE FROM partitions WHERE day=%lld; COMMIT;",
             fts, ev, (long long)day);
    int rc = sqlite__exec(be->w, sql, d);
    if (rc)
        sqlite3_exec(be->w, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int64_t db_bytes(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t bytes = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT (page_count - freelist_count) * page_size FROM"
                           " pragma_page_count, pragma_freelist_count, pragma_page_size",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        bytes = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return bytes;
}

/* Oldest partition day, or INT64_MIN when there is none. */
static int64_t oldest_day(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t day = INT64_MIN;
    if (sqlite3_prepare_v2(db, "SELECT min(day), count(*) FROM partitions", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0)
        day = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return day;
}

int sqlite__retention(void *arg, const struct store_opts *o, int64_t now_ns, uint64_t *dropped,
                      struct diag *d)
{
    struct sqlite_be *be = arg;
    *dropped = 0;
    int rc = 0;
    if (o->retention_max_age_ns > 0) {
        int64_t keep_from = schema_day_of(now_ns - o->retention_max_age_ns);
        int64_t day;
        while (rc == 0 && (day = oldest_day(be->w)) != INT64_MIN && day < keep_from) {
            rc = drop_partition(be, day, d);
            *dropped += rc == 0;
        }
    }
    if (o->retention_max_bytes > 0) {
        /* Keep at least the newest partition: it is being written. */
        sqlite3_stmt *st;
        int64_t parts = 0;
        if (sqlite3_prepare_v2(be->w, "SELECT count(*) FROM partitions", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            parts = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        while (rc == 0 && parts > 1 && (uint64_t)db_bytes(be->w) > o->retention_max_bytes) {
            rc = drop_partition(be, oldest_day(be->w), d);
            *dropped += rc == 0;
            parts--;
        }
    }
    if (rc == 0 && *dropped)
        rc = sqlite__exec(be->w, "PRAGMA incremental_vacuum", d);
    return rc;
}
