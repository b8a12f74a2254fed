/*
 * sqlite_search.c - running compiled queries on the reader connection.
 */
#include "base/buf.h"
#include "base/vec.h"
#include "base/xmalloc.h"
#include "store/sqlite_int.h"
#include "store/sqlite_sql.h"

#include <stdlib.h>
#include <string.h>

/* Every partition; the compiler skips those outside the query's time range. */
static int load_partitions(struct sqlite_be *be, struct sql_partition **out, size_t *n,
                           struct diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(be->r, "SELECT day, fts_table IS NOT NULL FROM partitions ORDER BY day",
                           -1, &st, NULL) != SQLITE_OK)
        return sqlite__fail(be->r, d, "listing partitions");
    VEC(struct sql_partition) parts = VEC_INIT;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct sql_partition p = {.day = sqlite3_column_int64(st, 0),
                                  .has_fts = sqlite3_column_int(st, 1) != 0};
        schema_partition_names(p.day, p.ev, p.fts);
        VEC_PUSH(&parts, p);
    }
    sqlite3_finalize(st);
    *out = parts.items;
    *n = parts.n;
    return 0;
}

static int compile(struct sqlite_be *be, const struct query *q, const struct store_search_opts *o,
                   struct sql_plan *plan, struct diag *d)
{
    struct sql_partition *parts = NULL;
    size_t n = 0;
    int rc = load_partitions(be, &parts, &n, d);
    if (rc)
        return rc;
    struct sql_target t = {.tenant_id = o->tenant_id, .parts = parts, .n_parts = n};
    struct sql_opts so = {.limit = (int64_t)(o->limit ? o->limit : 1000)};
    rc = sqlite_sql_compile(q, &t, &so, plan, d);
    free(parts);
    return rc;
}

int sqlite__search(void *arg, const struct query *q, const struct store_search_opts *o,
                   store_row_fn *fn, void *ctx, struct diag *d)
{
    struct sqlite_be *be = arg;
    pthread_mutex_lock(&be->r_lock);
    struct sql_plan plan;
    int rc = compile(be, q, o, &plan, d);
    if (rc) {
        pthread_mutex_unlock(&be->r_lock);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(be->r, plan.sql, (int)plan.sql_len, &st, NULL) != SQLITE_OK) {
        rc = sqlite__fail(be->r, d, "preparing the query");
    } else if (sqlite_sql_bind(st, &plan) != 0) {
        rc = sqlite__fail(be->r, d, "binding the query");
    } else {
        /* Result columns carry the user-facing names from the plan. */
        const char **names = arena_alloc(&plan.arena, (plan.n_columns + 1) * sizeof(*names));
        for (size_t i = 0; i < plan.n_columns; i++)
            names[i] = arena_strndup(&plan.arena, plan.columns[i].name.p, plan.columns[i].name.len);
        rc = sqlite__rows(be, st, names, (size_t)plan.n_columns, fn, ctx, d);
    }
    sqlite3_finalize(st);
    sqlite_sql_plan_fini(&plan);
    pthread_mutex_unlock(&be->r_lock);
    return rc;
}

int sqlite__explain(void *arg, const struct query *q, const struct store_search_opts *o, char **sql,
                    struct diag *d)
{
    struct sqlite_be *be = arg;
    pthread_mutex_lock(&be->r_lock);
    struct sql_plan plan;
    int rc = compile(be, q, o, &plan, d);
    pthread_mutex_unlock(&be->r_lock);
    if (rc)
        return rc;
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    buf_append(&b, plan.sql, plan.sql_len);
    buf_append_c(&b, "\nbinds:");
    for (size_t i = 0; i < plan.n_binds; i++) {
        const struct sql_bind *x = &plan.binds[i];
        if (x->type == SQL_BIND_INT)
            buf_printf(&b, "\n  ?%zu = %lld", i + 1, (long long)x->i);
        else if (x->type == SQL_BIND_FLOAT)
            buf_printf(&b, "\n  ?%zu = %.17g", i + 1, x->f);
        else
            buf_printf(&b, "\n  ?%zu = '%.*s'", i + 1, STR_FMT(x->s));
    }
    sqlite_sql_plan_fini(&plan);
    *sql = buf_take(&b);
    return 0;
}
