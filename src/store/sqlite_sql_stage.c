/*
 * sqlite_sql_stage.c - pipe stages as CTEs, and the row levels they read.
 *
 * A level is events (the columns of a partition table) or a table (c0,
 * c1, ...), with its order: events newest first (ts DESC, id DESC) until a
 * stage imposes another; from then on an explicit row number `_o`. Each
 * stage reads the level before it as `t` and leaves a new one.
 */
#include "store/sqlite_sql_int.h"
#include "base/clock.h"
#include "core/field.h"
#include "store/schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- columns and order -------------------------------------------------- */

static const char *const base_cols_head[] = {"id", "ts", "ingest_ts", "source_id"};
static const char *const base_cols_tail[] = {"raw", "fields"};

/* Calls fn for each column of a partition table, in order. */
static void each_event_col(void (*fn)(void *, const char *), void *ctx)
{
    size_t n;
    const struct schema_column *pc = schema_promoted(&n);
    for (size_t i = 0; i < 4; i++)
        fn(ctx, base_cols_head[i]);
    for (size_t i = 0; i < n; i++)
        fn(ctx, pc[i].column);
    for (size_t i = 0; i < 2; i++)
        fn(ctx, base_cols_tail[i]);
}

struct col_writer {
    struct buf *b;
    bool first;
    const char *prefix;      /* "t." or "NULL AS " */
    const char *replace;     /* column to replace, or NULL */
    const char *replacement; /* its SQL */
    const char *fields_sql;  /* replacement for fields, or NULL */
};

static void write_col(void *ctx, const char *col)
{
    struct col_writer *w = ctx;
    buf_append_c(w->b, w->first ? "" : ", ");
    w->first = false;
    if (w->replace && strcmp(col, w->replace) == 0)
        buf_printf(w->b, "%s AS %s", w->replacement, col);
    else if (w->fields_sql && strcmp(col, "fields") == 0)
        buf_printf(w->b, "%s AS %s", w->fields_sql, col);
    else if (strcmp(w->prefix, "t.") == 0)
        buf_printf(w->b, "t.%s AS %s", col, col);
    else
        buf_printf(w->b, "NULL AS %s", col);
}

void sqlite_sql__event_cols(struct buf *b, bool with_o)
{
    struct col_writer w = {b, true, "t.", NULL, NULL, NULL};
    each_event_col(write_col, &w);
    if (with_o)
        buf_append_c(b, ", t._o AS _o");
}

void sqlite_sql__table_cols(struct buf *b, size_t n, bool with_o)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%st.c%zu AS c%zu", i ? ", " : "", i, i);
    if (with_o)
        buf_append_c(b, ", t._o AS _o");
}

static void level_cols(struct sqlite_sql__gen *g, bool with_o)
{
    if (g->lv.events)
        sqlite_sql__event_cols(g->b, with_o);
    else
        sqlite_sql__table_cols(g->b, g->lv.n_cols, with_o);
}

void sqlite_sql__cur_order(struct sqlite_sql__gen *g, bool reverse)
{
    if (g->lv.events && !g->lv.has_o)
        buf_append_c(g->b, reverse ? "t.ts ASC, t.id ASC" : "t.ts DESC, t.id DESC");
    else
        buf_append_c(g->b, reverse ? "t._o DESC" : "t._o");
}

/* Point the expression compiler at the current level. */
static void read_level(struct sqlite_sql__gen *g)
{
    g->c.events = g->lv.events;
    g->c.cols = g->lv.cols;
    g->c.n_cols = g->lv.n_cols;
    g->c.part = NULL;
    g->c.nest = 0;
}

static int field_sql(struct sqlite_sql__gen *g, const struct query_field *f, struct buf *o,
                     enum sqlite_sql__opk *k)
{
    read_level(g);
    return sqlite_sql__field(&g->c, f, o, k);
}

int sqlite_sql__emit_field(struct sqlite_sql__gen *g, const struct query_field *f)
{
    enum sqlite_sql__opk k;
    return field_sql(g, f, g->b, &k);
}

/* Splunk's order: numbers numerically, before text; text case-insensitively. */
static int sort_key(struct sqlite_sql__gen *g, const struct query_field *f, bool desc)
{
    struct buf x;
    enum sqlite_sql__opk k;
    buf_init(&x, BUF_UNBOUNDED);
    int rc = field_sql(g, f, &x, &k);
    bool raw = k == SQLITE_SQL__TIME || k == SQLITE_SQL__INT ||
               (f->kind == QUERY_F_COLUMN && g->lv.cols[f->col].type == QUERY_C_NUMBER);
    const char *dir = desc ? "DESC" : "ASC";
    if (raw)
        buf_printf(g->b, "%s %s NULLS LAST", x.p ? x.p : "", dir);
    else
        buf_printf(g->b, "CAST(%s AS TEXT) COLLATE vigil_natural %s NULLS LAST", x.p ? x.p : "",
                   dir);
    buf_fini(&x);
    return rc;
}

static struct query_field column_ref(const struct sqlite_sql__level *lv, size_t i)
{
    return (struct query_field){.kind = QUERY_F_COLUMN,
                                .col = (uint32_t)i,
                                .name = lv->cols[i].name,
                                .label = lv->cols[i].name};
}

void sqlite_sql__open_cte(struct sqlite_sql__gen *g, char prefix, unsigned n)
{
    buf_printf(g->b, "%s%c%u AS (", g->any_cte ? ",\n" : "WITH ", prefix, n);
    g->any_cte = true;
}

/* Open the next stage CTE: it reads the current level as t. */
unsigned sqlite_sql__open_stage(struct sqlite_sql__gen *g)
{
    unsigned s = g->next_s++;
    sqlite_sql__open_cte(g, 's', s);
    return s;
}

void sqlite_sql__from_level(struct sqlite_sql__gen *g)
{
    buf_printf(g->b, " FROM s%u AS t", g->lv.cte);
}

static void set_table(struct sqlite_sql__gen *g, const struct query_stage *st, unsigned cte,
                      bool has_o)
{
    g->lv = (struct sqlite_sql__level){false, has_o, st->out, st->n_out, cte};
}

void sqlite_sql__null_event_cols(struct buf *b)
{
    struct col_writer w = {b, true, "NULL AS ", NULL, NULL, NULL};
    each_event_col(write_col, &w);
}

/* ---- stages ------------------------------------------------------------- */

static void limit_rows(struct sqlite_sql__gen *g, int64_t n)
{
    unsigned s = sqlite_sql__open_stage(g);
    buf_append_c(g->b, "SELECT *");
    sqlite_sql__from_level(g);
    buf_append_c(g->b, " WHERE t._o <= ");
    sqlite_sql__bind_int(&g->c, g->b, n);
    buf_putc(g->b, ')');
    g->lv.cte = s;
}

static int stage_where(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    unsigned s = sqlite_sql__open_stage(g);
    buf_append_c(g->b, "SELECT *");
    sqlite_sql__from_level(g);
    buf_append_c(g->b, " WHERE ");
    read_level(g);
    int rc = sqlite_sql__expr(&g->c, g->b, st->expr);
    buf_putc(g->b, ')');
    g->lv.cte = s;
    return rc;
}

/* sort and tail number the rows in a new order; keys come first, the old order breaks ties. */
static int stage_sort(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    unsigned s = sqlite_sql__open_stage(g);
    int rc = 0;
    buf_append_c(g->b, "SELECT ");
    level_cols(g, false);
    buf_append_c(g->b, ", row_number() OVER (ORDER BY ");
    for (size_t i = 0; i < st->n_keys && rc == 0; i++) {
        rc = sort_key(g, &st->keys[i].field, st->keys[i].desc);
        buf_append_c(g->b, ", ");
    }
    sqlite_sql__cur_order(g, st->kind == QUERY_S_TAIL);
    buf_append_c(g->b, ") AS _o");
    sqlite_sql__from_level(g);
    buf_putc(g->b, ')');
    g->lv.cte = s;
    g->lv.has_o = true;
    if (st->count > 0)
        limit_rows(g, st->count);
    return rc;
}

static int stage_head(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    unsigned s = sqlite_sql__open_stage(g);
    buf_append_c(g->b, "SELECT *");
    sqlite_sql__from_level(g);
    buf_append_c(g->b, " ORDER BY ");
    sqlite_sql__cur_order(g, false);
    buf_append_c(g->b, " LIMIT ");
    sqlite_sql__bind_int(&g->c, g->b, st->count);
    buf_putc(g->b, ')');
    g->lv.cte = s;
    return 0;
}

/* Rows where every field is present, as stats ... by and dedup want them. */
static int where_present(struct sqlite_sql__gen *g, const char *kw, const struct query_field *f,
                         size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        buf_append_c(g->b, i ? " AND " : kw);
        rc = sqlite_sql__emit_field(g, &f[i]);
        buf_append_c(g->b, " IS NOT NULL");
    }
    return rc;
}

static int stage_dedup(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    unsigned s = sqlite_sql__open_stage(g);
    int rc = 0;
    buf_append_c(g->b, "SELECT *, row_number() OVER (PARTITION BY ");
    for (size_t i = 0; i < st->n_fields && rc == 0; i++) {
        buf_append_c(g->b, i ? ", " : "");
        rc = sqlite_sql__emit_field(g, &st->fields[i]);
    }
    buf_append_c(g->b, " ORDER BY ");
    sqlite_sql__cur_order(g, false);
    buf_append_c(g->b, ") AS _d");
    sqlite_sql__from_level(g);
    if (rc == 0)
        rc = where_present(g, " WHERE ", st->fields, st->n_fields);
    buf_putc(g->b, ')');
    g->lv.cte = s;
    s = sqlite_sql__open_stage(g);
    buf_append_c(g->b, "SELECT ");
    level_cols(g, g->lv.has_o);
    sqlite_sql__from_level(g);
    buf_append_c(g->b, " WHERE t._d = 1)");
    g->lv.cte = s;
    return rc;
}

static void bind_span(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    /* An integral span keeps integer data integral: 0, 200, 400 rather than 0.0, 200.0. */
    if (st->span_ns)
        sqlite_sql__bind_int(&g->c, g->b, st->span_ns);
    else if (st->span == floor(st->span) && st->span < 9e18)
        sqlite_sql__bind_int(&g->c, g->b, (int64_t)st->span);
    else
        sqlite_sql__bind_float(&g->c, g->b, st->span);
}

/* The SQL replacing field f in event rows: its bucket, and the fields JSON updated. */
static int bin_events(struct sqlite_sql__gen *g, const struct query_stage *st, const char *x,
                      char *col, size_t cap, struct buf *fields)
{
    const struct query_field *f = &st->fields[0];
    const struct schema_column *sc = f->id != F_NONE ? schema_column_for(f->id) : NULL;
    col[0] = '\0';
    if (f->kind == QUERY_F_TIME || f->kind == QUERY_F_INGEST_TIME) {
        snprintf(col, cap, "%s", f->kind == QUERY_F_TIME ? "ts" : "ingest_ts");
        return 0;
    }
    if (f->kind != QUERY_F_EVENT || !sqlite_sql__path_safe(f->name))
        return sqlite_sql__fail(&g->c, E_UNSUPPORTED, st->col,
                                "'bin' needs a time or a numeric field");
    if (sc)
        snprintf(col, cap, "%s", sc->column);
    buf_printf(fields, "CASE WHEN %s IS NULL THEN t.fields ELSE json_set(t.fields, ", x);
    sqlite_sql__bind_path(&g->c, fields, f->name);
    buf_printf(fields, ", vigil_bin(%s, ", x);
    struct buf *save = g->b;
    g->b = fields;
    bind_span(g, st);
    g->b = save;
    buf_append_c(fields, ")) END");
    return 0;
}

static int stage_bin(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    struct buf x, bucket, fields;
    enum sqlite_sql__opk k;
    buf_init(&x, BUF_UNBOUNDED);
    buf_init(&bucket, BUF_UNBOUNDED);
    buf_init(&fields, BUF_UNBOUNDED);
    int rc = field_sql(g, &st->fields[0], &x, &k);
    const char *xs = x.p ? x.p : "";
    buf_printf(&bucket, "vigil_bin(%s, ", xs);
    struct buf *save = g->b;
    g->b = &bucket;
    bind_span(g, st);
    g->b = save;
    buf_putc(&bucket, ')');
    char col[32];
    if (rc == 0 && g->lv.events)
        rc = bin_events(g, st, xs, col, sizeof(col), &fields);
    if (rc == 0) {
        unsigned s = sqlite_sql__open_stage(g);
        buf_append_c(g->b, "SELECT ");
        if (g->lv.events) {
            struct col_writer w = {
                g->b, true, "t.", col[0] ? col : NULL, bucket.p, fields.len ? fields.p : NULL};
            each_event_col(write_col, &w);
            if (g->lv.has_o)
                buf_append_c(g->b, ", t._o AS _o");
        } else {
            for (size_t i = 0; i < g->lv.n_cols; i++) {
                if (i == st->fields[0].col)
                    buf_printf(g->b, "%s%s AS c%zu", i ? ", " : "", bucket.p, i);
                else
                    buf_printf(g->b, "%st.c%zu AS c%zu", i ? ", " : "", i, i);
            }
            buf_append_c(g->b, ", t._o AS _o");
        }
        sqlite_sql__from_level(g);
        buf_putc(g->b, ')');
        g->lv.cte = s;
    }
    buf_fini(&x);
    buf_fini(&bucket);
    buf_fini(&fields);
    return rc;
}

static int emit_agg(struct sqlite_sql__gen *g, const struct query_agg *a)
{
    if (!a->has_field) {
        buf_append_c(g->b, "count(*)");
        return 0;
    }
    struct buf xb;
    enum sqlite_sql__opk k;
    buf_init(&xb, BUF_UNBOUNDED);
    int rc = field_sql(g, &a->field, &xb, &k);
    const char *x = xb.p ? xb.p : "";
    switch (a->fn) {
    case QUERY_AGG_COUNT:
        buf_printf(g->b, "count(%s)", x);
        break;
    case QUERY_AGG_DC:
        buf_printf(g->b, "count(DISTINCT %s)", x);
        break;
    case QUERY_AGG_SUM:
        buf_printf(g->b, "sum(vigil_num(%s))", x);
        break;
    case QUERY_AGG_AVG:
        buf_printf(g->b, "avg(vigil_num(%s))", x);
        break;
    case QUERY_AGG_MIN:
    case QUERY_AGG_MAX: {
        const char *fn = a->fn == QUERY_AGG_MIN ? "min" : "max";
        buf_printf(g->b, "coalesce(%s(vigil_num(%s)), %s(%s))", fn, x, fn, x);
        break;
    }
    case QUERY_AGG_VALUES:
        buf_printf(g->b, "vigil_values(%s)", x);
        break;
    case QUERY_AGG_PERCENTILE:
        buf_printf(g->b, "vigil_percentile(vigil_num(%s), ", x);
        sqlite_sql__bind_float(&g->c, g->b, a->pct);
        buf_putc(g->b, ')');
        break;
    }
    buf_fini(&xb);
    return rc;
}

/* Number the rows of a fresh table by its first n_keys columns. */
static int order_table(struct sqlite_sql__gen *g, size_t n_keys)
{
    unsigned s = sqlite_sql__open_stage(g);
    int rc = 0;
    buf_append_c(g->b, "SELECT t.*, row_number() OVER (");
    for (size_t i = 0; i < n_keys && rc == 0; i++) {
        struct query_field f = column_ref(&g->lv, i);
        buf_append_c(g->b, i ? ", " : "ORDER BY ");
        rc = sort_key(g, &f, false);
    }
    buf_append_c(g->b, ") AS _o");
    sqlite_sql__from_level(g);
    buf_putc(g->b, ')');
    g->lv.cte = s;
    g->lv.has_o = true;
    return rc;
}

static int group_by(struct sqlite_sql__gen *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(g->b, "%s%zu", i ? ", " : " GROUP BY ", i + 1);
    return 0;
}

/* stats and timechart: groups first (c0..), then aggregations. */
static int stage_stats(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    unsigned s = sqlite_sql__open_stage(g);
    size_t col = 0;
    int rc = 0;
    buf_append_c(g->b, "SELECT ");
    if (st->kind == QUERY_S_TIMECHART) {
        int64_t span = st->span_ns;
        if (span == 0) {
            const struct query *q = g->c.q;
            int64_t e = q->earliest_ns, l = q->latest_ns;
            bool any = g->first_day != INT64_MIN;
            e = e == QUERY_TIME_MIN && any ? g->first_day * NS_PER_DAY : e;
            l = l == QUERY_TIME_MAX && any ? (g->last_day + 1) * NS_PER_DAY : l;
            span = query_auto_span(e, l);
        }
        buf_append_c(g->b, "vigil_bin(");
        rc = sqlite_sql__emit_field(g, &st->fields[0]);
        buf_append_c(g->b, ", ");
        sqlite_sql__bind_int(&g->c, g->b, span);
        buf_printf(g->b, ") AS c%zu", col++);
    }
    for (size_t i = 0; i < st->n_by && rc == 0; i++) {
        buf_append_c(g->b, col ? ", " : "");
        rc = sqlite_sql__emit_field(g, &st->by[i]);
        buf_printf(g->b, " AS c%zu", col++);
    }
    size_t n_keys = col;
    for (size_t i = 0; i < st->n_aggs && rc == 0; i++) {
        buf_append_c(g->b, col ? ", " : "");
        rc = emit_agg(g, &st->aggs[i]);
        buf_printf(g->b, " AS c%zu", col++);
    }
    sqlite_sql__from_level(g);
    if (rc == 0 && st->kind == QUERY_S_STATS)
        rc = where_present(g, " WHERE ", st->by, st->n_by);
    group_by(g, n_keys);
    buf_putc(g->b, ')');
    set_table(g, st, s, false);
    return rc ? rc : order_table(g, n_keys);
}

static int partition_by(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    int rc = 0;
    for (size_t i = 0; i < st->n_by && rc == 0; i++) {
        buf_append_c(g->b, i ? ", " : "PARTITION BY ");
        rc = sqlite_sql__emit_field(g, &st->by[i]);
    }
    return rc;
}

/* top/rare: count each combination of fields per by-group, keep the first `count`. */
static int stage_top(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    const char *dir = st->kind == QUERY_S_TOP ? "DESC" : "ASC";
    size_t nb = st->n_by, nf = st->n_fields, col = 0;
    unsigned s = sqlite_sql__open_stage(g);
    int rc = 0;
    buf_append_c(g->b, "SELECT ");
    for (size_t i = 0; i < nb && rc == 0; i++, col++) {
        rc = sqlite_sql__emit_field(g, &st->by[i]);
        buf_printf(g->b, " AS c%zu, ", col);
    }
    for (size_t i = 0; i < nf && rc == 0; i++, col++) {
        rc = sqlite_sql__emit_field(g, &st->fields[i]);
        buf_printf(g->b, " AS c%zu, ", col);
    }
    buf_printf(g->b, "count(*) AS c%zu, 100.0 * count(*) / sum(count(*)) OVER (", nb + nf);
    rc = rc ? rc : partition_by(g, st);
    buf_printf(g->b, ") AS c%zu, row_number() OVER (", nb + nf + 1);
    rc = rc ? rc : partition_by(g, st);
    buf_printf(g->b, " ORDER BY count(*) %s", dir);
    for (size_t i = 0; i < nf && rc == 0; i++) {
        buf_append_c(g->b, ", ");
        rc = sort_key(g, &st->fields[i], false);
    }
    buf_append_c(g->b, ") AS _r");
    sqlite_sql__from_level(g);
    rc = rc ? rc : where_present(g, " WHERE ", st->fields, nf);
    rc = rc ? rc : where_present(g, " AND ", st->by, nb);
    group_by(g, nb + nf);
    buf_putc(g->b, ')');
    set_table(g, st, s, false);
    s = sqlite_sql__open_stage(g);
    buf_append_c(g->b, "SELECT ");
    sqlite_sql__table_cols(g->b, st->n_out, false);
    buf_append_c(g->b, ", row_number() OVER (ORDER BY ");
    for (size_t i = 0; i < nb && rc == 0; i++) {
        struct query_field f = column_ref(&g->lv, i);
        rc = sort_key(g, &f, false);
        buf_append_c(g->b, ", ");
    }
    buf_printf(g->b, "t.c%zu %s", nb + nf, dir);
    for (size_t i = 0; i < nf && rc == 0; i++) {
        struct query_field f = column_ref(&g->lv, nb + i);
        buf_append_c(g->b, ", ");
        rc = sort_key(g, &f, false);
    }
    buf_append_c(g->b, ") AS _o");
    sqlite_sql__from_level(g);
    buf_append_c(g->b, " WHERE t._r <= ");
    sqlite_sql__bind_int(&g->c, g->b, st->count);
    buf_putc(g->b, ')');
    g->lv.cte = s;
    g->lv.has_o = true;
    return rc;
}

static int stage_fields(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    unsigned s = sqlite_sql__open_stage(g);
    int rc = 0;
    buf_append_c(g->b, "SELECT ");
    for (size_t i = 0; i < st->n_fields && rc == 0; i++) {
        rc = sqlite_sql__emit_field(g, &st->fields[i]);
        buf_printf(g->b, " AS c%zu, ", i);
    }
    buf_append_c(g->b, "row_number() OVER (ORDER BY ");
    sqlite_sql__cur_order(g, false);
    buf_append_c(g->b, ") AS _o");
    sqlite_sql__from_level(g);
    buf_putc(g->b, ')');
    set_table(g, st, s, true);
    return rc;
}

int sqlite_sql__stage(struct sqlite_sql__gen *g, const struct query_stage *st)
{
    switch (st->kind) {
    case QUERY_S_WHERE:
        return stage_where(g, st);
    case QUERY_S_FIELDS:
        return stage_fields(g, st);
    case QUERY_S_SORT:
    case QUERY_S_TAIL:
        return stage_sort(g, st);
    case QUERY_S_HEAD:
        return stage_head(g, st);
    case QUERY_S_STATS:
    case QUERY_S_TIMECHART:
        return stage_stats(g, st);
    case QUERY_S_BIN:
        return stage_bin(g, st);
    case QUERY_S_TOP:
    case QUERY_S_RARE:
        return stage_top(g, st);
    case QUERY_S_DEDUP:
        return stage_dedup(g, st);
    }
    return sqlite_sql__fail(&g->c, E_STATE, st->col, "unknown stage");
}
