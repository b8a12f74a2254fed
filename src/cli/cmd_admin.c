/*
 * cmd_admin.c - vigil sources, quarantine, stats, retention, formats, version.
 */
#include "base/clock.h"
#include "base/timefmt.h"
#include "cli/cli.h"
#include "ingest/decoder.h"

#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* Options every listing takes. Returns -1 to go on, else an exit code. */
static int listing_opts(struct cli *c, int argc, char **argv, struct cli_output *out,
                        uint64_t *limit, const char *usage)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},       {"jsonl", no_argument, NULL, 'l'},
        {"csv", no_argument, NULL, 'c'},        {"limit", required_argument, NULL, 'n'},
        {"home", required_argument, NULL, 'H'}, {"tenant", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "hn:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            cli_output_flag(out, "json");
            break;
        case 'l':
            cli_output_flag(out, "jsonl");
            break;
        case 'c':
            cli_output_flag(out, "csv");
            break;
        case 'n':
            if (limit == NULL || str_to_u64(str_c(optarg), limit) || *limit == 0) {
                term_error(stderr, "--limit: expected a positive number");
                return EXIT_USAGE;
            }
            break;
        case 'H':
            c->home = optarg;
            break;
        case 'T':
            c->tenant = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return EXIT_OK;
        default:
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        term_error(stderr, "unexpected argument '%s'", argv[optind]);
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    return -1;
}

#define OUTPUT_HELP                                                                                \
    "  --json | --jsonl | --csv   machine-readable output (default: a table)\n"                    \
    "  -h, --help                 this help\n"

int cmd_sources(struct cli *c, int argc, char **argv)
{
    struct cli_output out = {TERM_TTY};
    int ec = listing_opts(c, argc, argv, &out, NULL,
                          "usage: vigil sources [--json|--jsonl|--csv]\n\n"
                          "List sources: type, format, files, events, quarantined records,\n"
                          "bytes committed and the last update.\n\noptions:\n" OUTPUT_HELP);
    if (ec >= 0)
        return ec;
    struct store *s;
    uint32_t tenant;
    if ((ec = cli_open_store(c, true, &s, &tenant)))
        return ec;
    struct cli_rows r;
    cli_rows_init(&r);
    r.time_cols[0] = "updated";
    struct diag d;
    diag_clear(&d);
    int rc = store_list_sources(s, tenant, cli_rows_cb, &r, &d);
    store_close(s);
    if (rc) {
        table_fini(&r.t);
        return cli_fail(&d, rc);
    }
    if (!r.started && out.mode == TERM_TTY) {
        table_fini(&r.t);
        puts("no sources yet: try `vigil ingest FILE`");
        return EXIT_OK;
    }
    return cli_rows_print(&r, out.mode) ? EXIT_FAIL : EXIT_OK;
}

int cmd_quarantine(struct cli *c, int argc, char **argv)
{
    struct cli_output out = {TERM_TTY};
    uint64_t limit = 50;
    int ec =
        listing_opts(c, argc, argv, &out, &limit,
                     "usage: vigil quarantine [--limit N] [--json|--jsonl|--csv]\n\n"
                     "List the newest records that could not become events: where they\n"
                     "came from (source, file, byte offset, length), why (reason and\n"
                     "detail), and their raw bytes (up to the line cap).\n\noptions:\n"
                     "  -n, --limit N              at most N records (default 50)\n" OUTPUT_HELP);
    if (ec >= 0)
        return ec;
    struct store *s;
    uint32_t tenant;
    if ((ec = cli_open_store(c, true, &s, &tenant)))
        return ec;
    struct cli_rows r;
    cli_rows_init(&r);
    r.time_cols[0] = "ingested";
    struct diag d;
    diag_clear(&d);
    int rc = store_list_quarantine(s, tenant, limit, cli_rows_cb, &r, &d);
    store_close(s);
    if (rc) {
        table_fini(&r.t);
        return cli_fail(&d, rc);
    }
    if (!r.started && out.mode == TERM_TTY) {
        table_fini(&r.t);
        puts("quarantine is empty");
        return EXIT_OK;
    }
    return cli_rows_print(&r, out.mode) ? EXIT_FAIL : EXIT_OK;
}

int cmd_stats(struct cli *c, int argc, char **argv)
{
    struct cli_output out = {TERM_TTY};
    int ec = listing_opts(c, argc, argv, &out, NULL,
                          "usage: vigil stats [--json|--jsonl|--csv]\n\n"
                          "Summarise the store: events, quarantined records, sources, files,\n"
                          "day partitions, time span and size on disk.\n\noptions:\n" OUTPUT_HELP);
    if (ec >= 0)
        return ec;
    struct store *s;
    uint32_t tenant;
    if ((ec = cli_open_store(c, true, &s, &tenant)))
        return ec;
    struct store_stats st;
    struct diag d;
    diag_clear(&d);
    int rc = store_stats(s, tenant, &st, &d);
    store_close(s);
    if (rc)
        return cli_fail(&d, rc);
    struct table t;
    table_init(&t, 1 << 16);
    table_add_col(&t, "metric", TABLE_LEFT);
    table_add_col(&t, "value", TABLE_RIGHT);
    char tmp[48];
    struct {
        const char *name;
        int64_t v;
    } counts[] = {
        {"events", (int64_t)st.events},         {"quarantined", (int64_t)st.quarantined},
        {"sources", (int64_t)st.sources},       {"files", (int64_t)st.files},
        {"partitions", (int64_t)st.partitions}, {"db_bytes", (int64_t)st.db_bytes},
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        table_row(&t);
        table_cell_c(&t, counts[i].name);
        table_cell_count(&t, counts[i].v);
    }
    table_row(&t);
    table_cell_c(&t, "first_event");
    st.first_ts ? table_cell_c(&t, time_format_rfc3339(st.first_ts, 3, tmp, sizeof(tmp)))
                : table_cell_null(&t);
    table_row(&t);
    table_cell_c(&t, "last_event");
    st.last_ts ? table_cell_c(&t, time_format_rfc3339(st.last_ts, 3, tmp, sizeof(tmp)))
               : table_cell_null(&t);
    table_row(&t);
    table_cell_c(&t, "data_dir");
    table_cell_c(&t, c->home);
    table_row(&t);
    table_cell_c(&t, "sqlite");
    table_cell_c(&t, sqlite3_libversion());
    rc = table_write(&t, stdout, out.mode);
    table_fini(&t);
    return rc ? EXIT_FAIL : EXIT_OK;
}

/* "30d", "12h", "1w" -> ns */
static int parse_age(const char *s, int64_t *ns)
{
    struct str t = str_c(s);
    if (t.len < 2)
        return E_PARSE;
    int64_t unit;
    switch (t.p[t.len - 1]) {
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    case 'w':
        unit = 7 * 86400;
        break;
    default:
        return E_PARSE;
    }
    uint64_t v;
    if (str_to_u64(str_make(t.p, t.len - 1), &v) || v == 0 || v > 100000)
        return E_PARSE;
    *ns = (int64_t)v * unit * NS_PER_SEC;
    return 0;
}

/* "500M", "20G", "1024" (bytes) */
static int parse_size(const char *s, uint64_t *bytes)
{
    struct str t = str_c(s);
    uint64_t mult = 1;
    if (t.len && (t.p[t.len - 1] == 'K' || t.p[t.len - 1] == 'M' || t.p[t.len - 1] == 'G')) {
        mult = t.p[t.len - 1] == 'K' ? 1u << 10 : t.p[t.len - 1] == 'M' ? 1u << 20 : 1u << 30;
        t.len--;
    }
    uint64_t v;
    if (str_to_u64(t, &v) || v == 0 || v > (UINT64_MAX >> 31))
        return E_PARSE;
    *bytes = v * mult;
    return 0;
}

int cmd_retention(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"max-age", required_argument, NULL, 'a'},
        {"max-size", required_argument, NULL, 's'},
        {"home", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char usage[] =
        "usage: vigil retention [--max-age AGE] [--max-size SIZE]\n\n"
        "Drop whole day partitions older than AGE (e.g. 30d, 12h, 2w), then the oldest\n"
        "ones while the database is larger than SIZE (e.g. 500M, 20G). Dropping a\n"
        "partition is cheap: its table and full-text index are removed, not rows.\n";
    struct store_opts o;
    store_opts_default(&o);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'a':
            if (parse_age(optarg, &o.retention_max_age_ns)) {
                term_error(stderr, "--max-age: expected a number and a unit h, d or w");
                return EXIT_USAGE;
            }
            break;
        case 's':
            if (parse_size(optarg, &o.retention_max_bytes)) {
                term_error(stderr, "--max-size: expected bytes, or a number with K, M or G");
                return EXIT_USAGE;
            }
            break;
        case 'H':
            c->home = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return EXIT_OK;
        default:
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (!o.retention_max_age_ns && !o.retention_max_bytes) {
        term_error(stderr, "retention: give --max-age, --max-size or both");
        return EXIT_USAGE;
    }
    o.home = c->home;
    struct store *s;
    struct diag d;
    diag_clear(&d);
    int rc = store_open(&o, &s, &d);
    if (rc)
        return cli_fail(&d, rc);
    uint64_t dropped = 0;
    rc = store_retention(s, clock_now_ns(), &dropped, &d);
    store_close(s);
    if (rc)
        return cli_fail(&d, rc);
    printf("dropped %llu partition%s\n", (unsigned long long)dropped, dropped == 1 ? "" : "s");
    return EXIT_OK;
}

int cmd_formats(struct cli *c, int argc, char **argv)
{
    (void)c;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: vigil formats [--json]\n\nList the log formats vigil decodes.");
        return EXIT_OK;
    }
    bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
    size_t n;
    const struct decoder *const *all = decoder_all(&n);
    struct table t;
    table_init(&t, 1 << 16);
    table_add_col(&t, "format", TABLE_LEFT);
    table_add_col(&t, "description", TABLE_LEFT);
    for (size_t i = 0; i < n; i++) {
        table_row(&t);
        table_cell_c(&t, all[i]->name);
        table_cell_c(&t, all[i]->description);
    }
    int rc = table_write(&t, stdout, json ? TERM_JSON : TERM_TTY);
    table_fini(&t);
    return rc ? EXIT_FAIL : EXIT_OK;
}

int cmd_version(struct cli *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    printf("vigil %s (sqlite %s)\n", VIGIL_VERSION, sqlite3_libversion());
    return EXIT_OK;
}
