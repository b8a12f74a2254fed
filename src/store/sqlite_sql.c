/*
 * sqlite_sql.c - the statement: binds, the partitions, the final SELECT.
 *
 * Rows flow through numbered CTEs: one per partition (p0, p1, ...), their
 * UNION ALL (s0), then the stages (s1, s2, ..., in sqlite_sql_stage.c),
 * and a final SELECT naming the output columns c0, c1, ... A chain of
 * CTEs, unlike nested subqueries, keeps SQLite's parser stack flat however
 * many stages there are.
 */
#include "store/sqlite_sql_int.h"
#include "base/clock.h"
#include "core/field.h"
#include "store/schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMPOUND 400   /* SQLite allows 500 terms in one UNION ALL */
#define MAX_BINDS    32000 /* SQLite allows ?1 .. ?32766 */

/* ---- errors and binds --------------------------------------------------- */

int sqlite_sql__fail(struct sqlite_sql__c *c, int code, uint32_t col, const char *fmt, ...)
{
    if (c->err)
        return c->err;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (col)
        diag_set(c->d, code, "query", "column %u: %s", col, msg);
    else
        diag_set(c->d, code, "query", "%s", msg);
    c->err = code;
    return code;
}

static void bind_add(struct sqlite_sql__c *c, struct buf *o, const struct sql_bind *v,
                     struct str key)
{
    struct sql_plan *p = c->plan;
    int found = 0;
    size_t idx = 0;
    if (key.len)
        idx = (size_t)(uintptr_t)map_get(&c->bind_keys, key, &found);
    if (!found) {
        if (p->n_binds >= MAX_BINDS) {
            sqlite_sql__fail(c, E_TOOBIG, 0, "the query needs more than %d parameters", MAX_BINDS);
            return;
        }
        if (p->n_binds == c->cap_binds) {
            size_t nc = c->cap_binds ? c->cap_binds * 2 : 16;
            struct sql_bind *nb = arena_alloc(&p->arena, nc * sizeof(*nb));
            if (p->n_binds)
                memcpy(nb, p->binds, p->n_binds * sizeof(*nb));
            p->binds = nb;
            c->cap_binds = nc;
        }
        p->binds[p->n_binds++] = *v;
        idx = p->n_binds;
        if (key.len)
            map_put(&c->bind_keys, key, (void *)(uintptr_t)idx);
    }
    buf_printf(o, "?%zu", idx);
}

void sqlite_sql__bind_int(struct sqlite_sql__c *c, struct buf *o, int64_t v)
{
    char key[32];
    snprintf(key, sizeof(key), "i%" PRId64, v);
    bind_add(c, o, &(struct sql_bind){.type = SQL_BIND_INT, .i = v}, str_c(key));
}

void sqlite_sql__bind_float(struct sqlite_sql__c *c, struct buf *o, double v)
{
    char key[48];
    snprintf(key, sizeof(key), "f%a", v);
    bind_add(c, o, &(struct sql_bind){.type = SQL_BIND_FLOAT, .f = v}, str_c(key));
}

void sqlite_sql__bind_text(struct sqlite_sql__c *c, struct buf *o, struct str s)
{
    struct sql_bind v = {.type = SQL_BIND_TEXT};
    v.s = str_make(arena_strndup(&c->plan->arena, s.p ? s.p : "", s.len), s.len);
    /* Map keys are C strings: text with a NUL byte is simply not shared. */
    bool shareable = s.len == 0 || memchr(s.p, '\0', s.len) == NULL;
    char *key = arena_alloc(&c->plan->arena, s.len + 2);
    key[0] = 't';
    if (s.len)
        memcpy(key + 1, s.p, s.len);
    key[s.len + 1] = '\0';
    bind_add(c, o, &v, shareable ? str_make(key, s.len + 1) : STR_NULL);
}
/* ---- the partitions ----------------------------------------------------- */

static bool name_ok(const char *name, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (memchr(name, '\0', 16) == NULL || strlen(name) != pl + 8 || strncmp(name, prefix, pl))
        return false;
    for (size_t i = pl; i < pl + 8; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    return true;
}

static bool in_range(const struct query *q, int64_t day)
{
    if (day < -100000 || day > 100000)
        return false; /* outside the years int64 nanoseconds can hold */
    int64_t start = day * NS_PER_DAY, end = start + NS_PER_DAY;
    return end > q->earliest_ns && start < q->latest_ns;
}

/* Events before any stage in the statement may stop at this many rows per partition. */
static int64_t arm_limit(const struct query *q, const struct sql_opts *o)
{
    if (q->n_stages == 0)
        return o->limit;
    if (q->stages[0].kind == QUERY_S_HEAD)
        return q->stages[0].count;
    return 0;
}

static int emit_arm(struct sqlite_sql__gen *g, const struct sql_partition *part, int64_t limit)
{
    const struct query *q = g->c.q;
    struct buf *b = g->b;
    buf_append_c(b, "SELECT ");
    sqlite_sql__event_cols(b, false);
    buf_printf(b, " FROM %s AS t WHERE t.tenant_id = ", part->ev);
    sqlite_sql__bind_int(&g->c, b, g->t->tenant_id);
    if (q->earliest_ns != QUERY_TIME_MIN) {
        buf_append_c(b, " AND t.ts >= ");
        sqlite_sql__bind_int(&g->c, b, q->earliest_ns);
    }
    if (q->latest_ns != QUERY_TIME_MAX) {
        buf_append_c(b, " AND t.ts < ");
        sqlite_sql__bind_int(&g->c, b, q->latest_ns);
    }
    if (q->filter->kind != QUERY_N_TRUE) {
        buf_append_c(b, " AND ");
        g->c.events = true;
        g->c.part = part;
        g->c.nest = 0;
        int rc = sqlite_sql__expr(&g->c, b, q->filter);
        if (rc)
            return rc;
    }
    if (limit > 0) {
        buf_append_c(b, " ORDER BY t.ts DESC, t.id DESC LIMIT ");
        sqlite_sql__bind_int(&g->c, b, limit);
    }
    return 0;
}

static void emit_union(struct sqlite_sql__gen *g, char prefix, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++)
        buf_printf(g->b, "%sSELECT * FROM %c%u", i > from ? " UNION ALL " : "", prefix, i);
}

static int emit_source(struct sqlite_sql__gen *g)
{
    const struct sql_target *t = g->t;
    unsigned n = 0;
    int64_t limit = arm_limit(g->c.q, g->o);
    for (size_t i = 0; i < t->n_parts; i++) {
        const struct sql_partition *part = &t->parts[i];
        if (!name_ok(part->ev, "ev_") || (part->has_fts && !name_ok(part->fts, "fts_")))
            return sqlite_sql__fail(&g->c, E_INVAL, 0, "bad partition table name");
        if (!in_range(g->c.q, part->day))
            continue;
        if (n >= MAX_COMPOUND * MAX_COMPOUND)
            return sqlite_sql__fail(&g->c, E_TOOBIG, 0, "the query spans too many partitions");
        g->first_day = n == 0 || part->day < g->first_day ? part->day : g->first_day;
        g->last_day = n == 0 || part->day > g->last_day ? part->day : g->last_day;
        sqlite_sql__open_cte(g, 'p', n++);
        int rc = emit_arm(g, part, limit);
        if (rc)
            return rc;
        buf_putc(g->b, ')');
    }
    unsigned groups = (n + MAX_COMPOUND - 1) / MAX_COMPOUND;
    for (unsigned u = 0; groups > 1 && u < groups; u++) {
        sqlite_sql__open_cte(g, 'u', u);
        emit_union(g, 'p', u * MAX_COMPOUND, u + 1 == groups ? n : (u + 1) * MAX_COMPOUND);
        buf_putc(g->b, ')');
    }
    g->lv = (struct sqlite_sql__level){.events = true, .cte = sqlite_sql__open_stage(g)};
    if (n == 0) {
        buf_append_c(g->b, "SELECT ");
        sqlite_sql__null_event_cols(g->b);
        buf_append_c(g->b, " WHERE 0");
    } else if (groups == 1) {
        emit_union(g, 'p', 0, n);
    } else {
        emit_union(g, 'u', 0, groups);
    }
    buf_putc(g->b, ')');
    return 0;
}

/* ---- the statement ------------------------------------------------------ */

#define COL_NAME(s)                                                                                \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }
static const struct sql_column event_columns[] = {
    {COL_NAME("_time"), SQL_COL_TIME},   {COL_NAME("host"), SQL_COL_VALUE},
    {COL_NAME("source"), SQL_COL_VALUE}, {COL_NAME("_raw"), SQL_COL_VALUE},
    {COL_NAME("_id"), SQL_COL_NUMBER},   {COL_NAME("fields"), SQL_COL_FIELDS},
};
#undef COL_NAME

static int emit_final(struct sqlite_sql__gen *g)
{
    struct buf *b = g->b;
    int rc = 0;
    buf_append_c(b, "\nSELECT ");
    if (g->lv.events) {
        struct query_field host = {.kind = QUERY_F_EVENT,
                                   .id = F_HOST_NAME,
                                   .name = STR_LIT("host.name"),
                                   .label = STR_LIT("host")};
        struct query_field source = {
            .kind = QUERY_F_SOURCE, .name = STR_LIT("source"), .label = STR_LIT("source")};
        buf_append_c(b, "t.ts AS c0, ");
        rc = sqlite_sql__emit_field(g, &host);
        buf_append_c(b, " AS c1, ");
        rc = rc ? rc : sqlite_sql__emit_field(g, &source);
        buf_append_c(b, " AS c2, t.raw AS c3, t.id AS c4, t.fields AS c5");
    } else {
        sqlite_sql__table_cols(b, g->lv.n_cols, false);
    }
    sqlite_sql__from_level(g);
    buf_append_c(b, " ORDER BY ");
    sqlite_sql__cur_order(g, false);
    if (g->o->limit > 0) {
        buf_append_c(b, " LIMIT ");
        sqlite_sql__bind_int(&g->c, b, g->o->limit);
    }
    return rc;
}

static void plan_columns(struct sqlite_sql__gen *g)
{
    struct sql_plan *p = g->c.plan;
    const struct query_column *cols;
    size_t n;
    p->events = query_out_columns(g->c.q, &cols, &n);
    if (p->events) {
        n = sizeof(event_columns) / sizeof(event_columns[0]);
        p->columns = arena_memdup(&p->arena, event_columns, sizeof(event_columns));
        p->n_columns = n;
        return;
    }
    static const enum sql_col_type types[] = {SQL_COL_VALUE, SQL_COL_NUMBER, SQL_COL_TIME,
                                              SQL_COL_LIST};
    p->columns = arena_alloc(&p->arena, n * sizeof(*p->columns) + 1);
    p->n_columns = n;
    for (size_t i = 0; i < n; i++) {
        p->columns[i].name =
            str_make(arena_strndup(&p->arena, cols[i].name.p, cols[i].name.len), cols[i].name.len);
        p->columns[i].type = types[cols[i].type];
    }
}

int sqlite_sql_compile(const struct query *q, const struct sql_target *t,
                       const struct sql_opts *opts, struct sql_plan *out, struct diag *d)
{
    memset(out, 0, sizeof(*out));
    arena_init(&out->arena, 4096);
    struct sql_opts o = opts ? *opts : (struct sql_opts){0};
    if (o.max_sql_bytes == 0)
        o.max_sql_bytes = SQL_DEFAULT_MAX_BYTES;
    struct buf b;
    buf_init(&b, o.max_sql_bytes);
    struct sqlite_sql__gen g = {
        .c = {.q = q, .plan = out, .d = d}, .t = t, .o = &o, .b = &b, .first_day = INT64_MIN};
    map_init(&g.c.bind_keys, NULL);
    int rc = emit_source(&g);
    for (size_t i = 0; rc == 0 && i < q->n_stages; i++)
        rc = sqlite_sql__stage(&g, &q->stages[i]);
    if (rc == 0)
        rc = emit_final(&g);
    if (rc == 0 && g.c.err)
        rc = g.c.err;
    if (rc == 0 && b.err)
        rc = sqlite_sql__fail(&g.c, b.err == E_TOOBIG ? E_TOOBIG : b.err, 0,
                              "the SQL for this query would exceed %zu bytes (%zu partitions); "
                              "narrow the time range or simplify the search",
                              o.max_sql_bytes, t->n_parts);
    map_fini(&g.c.bind_keys);
    if (rc) {
        buf_fini(&b);
        arena_fini(&out->arena);
        memset(out, 0, sizeof(*out));
        return rc;
    }
    plan_columns(&g);
    out->sql_len = b.len;
    out->sql = buf_take(&b);
    return 0;
}

void sqlite_sql_plan_fini(struct sql_plan *p)
{
    if (p == NULL)
        return;
    free(p->sql);
    arena_fini(&p->arena);
    memset(p, 0, sizeof(*p));
}

int sqlite_sql_bind(sqlite3_stmt *st, const struct sql_plan *p)
{
    for (size_t i = 0; i < p->n_binds; i++) {
        const struct sql_bind *v = &p->binds[i];
        int idx = (int)i + 1, rc;
        if (v->type == SQL_BIND_INT)
            rc = sqlite3_bind_int64(st, idx, v->i);
        else if (v->type == SQL_BIND_FLOAT)
            rc = sqlite3_bind_double(st, idx, v->f);
        else
            rc = sqlite3_bind_text(st, idx, v->s.p, (int)v->s.len, SQLITE_TRANSIENT);
        if (rc != SQLITE_OK)
            return E_DB;
    }
    return 0;
}
