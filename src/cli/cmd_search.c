/*
 * cmd_search.c - vigil search 'QUERY'.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "cli/cli.h"
#include "query/query.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: vigil search [OPTIONS] 'QUERY'\n\n"
            "Run a query over stored events (grammar and examples: docs/query.md):\n"
            "  vigil search 'event.code:4625 earliest=-24h | stats count by user.name'\n"
            "  vigil search '\"Failed password\" | top 5 source.ip'\n\n"
            "options:\n"
            "  -n, --limit N     at most N rows (default 100)\n"
            "  --json | --jsonl  JSON array / one JSON object per line; events carry all fields\n"
            "  --csv             CSV with a header row\n"
            "  --explain         print the parsed query and the SQL it compiles to, do not run\n"
            "  -q, --quiet       do not print the row count and time to stderr\n"
            "  -h, --help        this help\n\n"
            "exit codes: 0 ok (also when nothing matched), 1 failure, 3 bad query,\n"
            "            4 no data directory\n");
}

/* Streams rows as JSON; the `fields` column (already JSON) is embedded as an object. */
struct json_out {
    enum term_mode mode;
    uint64_t rows;
    struct buf b;
};

static void json_value(struct buf *b, const char *col, const struct value *v)
{
    char tmp[48];
    if (v->type == VAL_NULL) {
        buf_append_c(b, "null");
    } else if (v->type == VAL_INT &&
               (strcmp(col, "_time") == 0 || strcmp(col, "_ingest_time") == 0)) {
        json_write_string(b, str_c(time_format_rfc3339(v->i, 9, tmp, sizeof(tmp))));
    } else if (v->type == VAL_INT) {
        buf_append_i64(b, v->i);
    } else if (v->type == VAL_FLOAT) {
        json_write_double(b, v->f);
    } else if (strcmp(col, "fields") == 0 && v->s.len && v->s.p[0] == '{') {
        buf_append_str(b, v->s);
    } else {
        json_write_string(b, value_as_str(v, tmp, sizeof(tmp)));
    }
}

static int json_row(void *ctx, size_t n, const char *const *cols, const struct value *vals)
{
    struct json_out *o = ctx;
    buf_reset(&o->b);
    if (o->mode == TERM_JSON)
        buf_append_c(&o->b, o->rows ? ",\n" : "[\n");
    buf_putc(&o->b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(&o->b, ',');
        json_write_string(&o->b, str_c(cols[i]));
        buf_putc(&o->b, ':');
        json_value(&o->b, cols[i], &vals[i]);
    }
    buf_putc(&o->b, '}');
    if (o->mode == TERM_JSONL)
        buf_putc(&o->b, '\n');
    if (o->b.err)
        return o->b.err;
    o->rows++;
    return fwrite(o->b.p, 1, o->b.len, stdout) == o->b.len ? 0 : E_IO;
}

/* Tables hide the internal columns of event listings. */
struct table_out {
    struct cli_rows rows;
    int keep[64];
    size_t n_keep;
};

static int table_row_cb(void *ctx, size_t n, const char *const *cols, const struct value *vals)
{
    struct table_out *o = ctx;
    if (!o->rows.started) {
        o->n_keep = 0;
        for (size_t i = 0; i < n && i < 64; i++)
            if (strcmp(cols[i], "fields") != 0 && strcmp(cols[i], "_id") != 0)
                o->keep[o->n_keep++] = (int)i;
    }
    const char *kc[64];
    struct value kv[64];
    for (size_t i = 0; i < o->n_keep; i++) {
        kc[i] = cols[o->keep[i]];
        kv[i] = vals[o->keep[i]];
    }
    return cli_rows_cb(&o->rows, o->n_keep, kc, kv);
}

int cmd_search(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"limit", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
        {"jsonl", no_argument, NULL, 'l'},       {"csv", no_argument, NULL, 'c'},
        {"explain", no_argument, NULL, 'e'},     {"quiet", no_argument, NULL, 'q'},
        {"home", required_argument, NULL, 'H'},  {"tenant", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    struct cli_output out = {TERM_TTY};
    uint64_t limit = 100;
    bool explain = false, quiet = c->quiet;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "n:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            if (str_to_u64(str_c(optarg), &limit) || limit == 0) {
                term_error(stderr, "--limit: expected a positive number");
                return EXIT_USAGE;
            }
            break;
        case 'j':
            cli_output_flag(&out, "json");
            break;
        case 'l':
            cli_output_flag(&out, "jsonl");
            break;
        case 'c':
            cli_output_flag(&out, "csv");
            break;
        case 'e':
            explain = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'H':
            c->home = optarg;
            break;
        case 'T':
            c->tenant = optarg;
            break;
        case 'h':
            help(stdout);
            return EXIT_OK;
        default:
            help(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        term_error(stderr, "search: expected exactly one QUERY argument (quote it)");
        help(stderr);
        return EXIT_USAGE;
    }
    const char *text = argv[optind];
    struct diag d;
    diag_clear(&d);
    struct query *q = NULL;
    int rc = query_parse(str_c(text), NULL, &q, &d);
    if (rc) {
        cli_fail(&d, rc);
        return EXIT_QUERY;
    }
    struct store *s;
    uint32_t tenant;
    int ec = cli_open_store(c, true, &s, &tenant);
    if (ec) {
        query_free(q);
        return ec;
    }
    struct store_search_opts so = {.tenant_id = tenant, .limit = limit};
    int64_t t0 = clock_mono_ns();
    if (explain) {
        char *sql = NULL;
        rc = store_explain(s, q, &so, &sql, &d);
        if (rc == 0) {
            struct buf b;
            buf_init(&b, BUF_UNBOUNDED);
            query_ir_dump(q, &b);
            printf("query:\n%s\nsql:\n%s\n", b.p ? b.p : "", sql);
            buf_fini(&b);
        }
        free(sql);
    } else if (out.mode == TERM_JSON || out.mode == TERM_JSONL) {
        struct json_out jo = {.mode = out.mode};
        buf_init(&jo.b, 256u << 20);
        rc = store_search(s, q, &so, json_row, &jo, &d);
        if (out.mode == TERM_JSON)
            fputs(jo.rows ? "\n]\n" : "[]\n", stdout);
        buf_fini(&jo.b);
        if (!quiet && rc == 0)
            fprintf(stderr, "%llu rows in %.1f ms\n", (unsigned long long)jo.rows,
                    (double)(clock_mono_ns() - t0) / 1e6);
    } else {
        struct table_out to;
        cli_rows_init(&to.rows);
        to.rows.time_cols[0] = "_time";
        to.rows.time_cols[1] = "_ingest_time";
        rc = store_search(s, q, &so, table_row_cb, &to, &d);
        size_t n = table_n_rows(&to.rows.t);
        if (rc == 0 && to.rows.started)
            rc = cli_rows_print(&to.rows, out.mode) ? E_IO : 0;
        else
            table_fini(&to.rows.t);
        if (!quiet && rc == 0)
            fprintf(stderr, "%zu rows in %.1f ms\n", n, (double)(clock_mono_ns() - t0) / 1e6);
    }
    store_close(s);
    query_free(q);
    if (rc) {
        int code = cli_fail(&d, rc);
        return d.where[0] && strcmp(d.where, "query") == 0 ? EXIT_QUERY : code;
    }
    return EXIT_OK;
}
