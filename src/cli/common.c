/*
 * common.c - helpers shared by the subcommands.
 */
#include "base/clock.h"
#include "base/timefmt.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int cli_exit_for(int code)
{
    switch (code) {
    case 0:
        return EXIT_OK;
    case E_NOTFOUND:
        return EXIT_NODATA;
    default:
        return EXIT_FAIL;
    }
}

int cli_fail(const struct diag *d, int code)
{
    char msg[1024];
    struct diag tmp = *d;
    if (tmp.code == 0)
        tmp.code = code;
    term_error(stderr, "%s", diag_format(&tmp, msg, sizeof(msg)));
    return cli_exit_for(code);
}

int cli_open_store(const struct cli *c, bool read_only, struct store **s, uint32_t *tenant_id)
{
    struct store_opts o;
    store_opts_default(&o);
    o.home = c->home;
    o.read_only = read_only;
    struct diag d;
    diag_clear(&d);
    int rc = store_open(&o, s, &d);
    if (rc == 0) {
        rc = store_tenant(*s, c->tenant, !read_only, tenant_id, &d);
        if (rc) {
            store_close(*s);
            *s = NULL;
        }
    }
    return rc ? cli_fail(&d, rc) : 0;
}

int cli_output_flag(struct cli_output *o, const char *name)
{
    if (strcmp(name, "json") == 0)
        o->mode = TERM_JSON;
    else if (strcmp(name, "jsonl") == 0)
        o->mode = TERM_JSONL;
    else if (strcmp(name, "csv") == 0)
        o->mode = TERM_CSV;
    else
        return 0;
    return 1;
}

void cli_rows_init(struct cli_rows *r)
{
    memset(r, 0, sizeof(*r));
    table_init(&r->t, 256u << 20);
}

static bool is_time_col(const struct cli_rows *r, const char *name)
{
    for (size_t i = 0; i < sizeof(r->time_cols) / sizeof(r->time_cols[0]); i++)
        if (r->time_cols[i] && strcmp(r->time_cols[i], name) == 0)
            return true;
    return false;
}

int cli_rows_cb(void *ctx, size_t n_cols, const char *const *cols, const struct value *vals)
{
    struct cli_rows *r = ctx;
    if (!r->started) {
        /* Numbers right-aligned, judged by the first row. */
        for (size_t i = 0; i < n_cols; i++)
            table_add_col(&r->t, cols[i],
                          (vals[i].type == VAL_INT || vals[i].type == VAL_FLOAT) &&
                                  !is_time_col(r, cols[i])
                              ? TABLE_RIGHT
                              : TABLE_LEFT);
        r->started = true;
    }
    table_row(&r->t);
    for (size_t i = 0; i < n_cols; i++) {
        const struct value *v = &vals[i];
        char tmp[48];
        if (v->type == VAL_NULL) {
            table_cell_null(&r->t);
        } else if (v->type == VAL_INT && is_time_col(r, cols[i])) {
            table_cell_c(&r->t, time_format_rfc3339(v->i, 3, tmp, sizeof(tmp)));
        } else if (v->type == VAL_INT) {
            /* Counts read better grouped; ids, codes and ports must not be. */
            bool count = strstr(cols[i], "count") || strcmp(cols[i], "events") == 0 ||
                         strcmp(cols[i], "quarantined") == 0 || strcmp(cols[i], "bytes") == 0 ||
                         strcmp(cols[i], "rows") == 0;
            count ? table_cell_count(&r->t, v->i) : table_cell_i64(&r->t, v->i);
        } else if (v->type == VAL_FLOAT) {
            /* Six significant digits read well (17.5926); --json keeps full precision. */
            int k = snprintf(tmp, sizeof(tmp), "%.6g", v->f);
            table_cell_num(&r->t, str_make(tmp, k > 0 ? (size_t)k : 0));
        } else {
            table_cell(&r->t, value_as_str(v, tmp, sizeof(tmp)));
        }
    }
    return r->t.err;
}

int cli_rows_print(struct cli_rows *r, enum term_mode mode)
{
    int rc = table_write(&r->t, stdout, mode);
    table_fini(&r->t);
    return rc;
}
