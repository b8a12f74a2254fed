/*
 * cmd_ingest.c - vigil ingest: files or stdin into the store.
 */
#include "base/clock.h"
#include "base/json.h"
#include "cli/cli.h"
#include "ingest/ingest.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *fp)
{
    fprintf(fp, "usage: vigil ingest [OPTIONS] FILE... | -\n\n"
                "Read log files (or stdin with -) into the store. gzip and zstd input is\n"
                "recognised by content. The format is detected from each file's first lines\n"
                "unless --format is given. Re-running on the same file resumes after the last\n"
                "committed record: nothing is stored twice, nothing is skipped.\n\n"
                "options:\n"
                "  --source NAME     source name (default: the file's name; \"stdin\" for -)\n"
                "  --format F        json, syslog, apache, csv, kv, cef, raw (see vigil formats)\n"
                "  --max-line BYTES  records longer than this are quarantined (default 1048576)\n"
                "  --no-resume       read files from the start even if seen before\n"
                "  --strict          exit 5 if any record was quarantined\n"
                "  --json            print the summary as JSON\n"
                "  -q, --quiet       no progress bar or summary\n"
                "  -h, --help        this help\n");
}

struct sink_ctx {
    struct store *store;
    uint64_t last_seq;
};

static int sink_emit(void *arg, struct event_batch *b, struct diag *d)
{
    struct sink_ctx *s = arg;
    return store_submit_take(s->store, b, &s->last_seq, d);
}

struct progress_ctx {
    struct progress bar;
};

static void on_progress(void *arg, const struct ingest_stats *st)
{
    struct progress_ctx *p = arg;
    progress_update(&p->bar, st->raw_bytes, st->events, st->quarantined);
}

struct file_result {
    char *path;
    char format[16];
    char codec[8];
    struct ingest_stats st;
    int64_t ns;
    bool resumed;
    bool restarted;
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int ingest_one(struct store *s, uint32_t tenant, const char *path,
                      const struct ingest_opts *base_opts, const char *source_name, bool resume,
                      bool quiet, struct file_result *res, struct diag *d)
{
    struct ingest_opts o = *base_opts;
    bool is_stdin = strcmp(path, "-") == 0;
    char abs[PATH_MAX];
    const char *key = is_stdin ? "-" : (realpath(path, abs) ? abs : path);
    struct ingest *ig = NULL;
    uint32_t source_id = 0;
    int rc = ingest_open(path, &o, &ig, d);
    if (rc)
        return rc;
    const char *src = source_name ? source_name : is_stdin ? "stdin" : base_name(path);
    rc = store_source(s, tenant, src, is_stdin ? "stdin" : "file", ingest_decoder(ig)->name,
                      &source_id, d);
    struct store_file f = {.size = ingest_raw_size(ig)};
    f.head = ingest_head(ig, &f.head_len);
    /* stdin gets a file record too, so its counts show in sources and stats; it never resumes. */
    if (rc == 0)
        rc = store_file_open(s, source_id, key, &f, d);
    if (rc) {
        ingest_close(ig);
        return rc;
    }
    uint64_t start = resume && !is_stdin ? f.offset : 0;
    res->resumed = start > 0;
    res->restarted = f.restarted && !is_stdin;
    snprintf(res->format, sizeof(res->format), "%s", ingest_decoder(ig)->name);
    snprintf(res->codec, sizeof(res->codec), "%s", ingest_codec(ig));

    struct progress_ctx pc;
    progress_init(&pc.bar, stderr, base_name(path), ingest_raw_size(ig));
    if (!quiet && pc.bar.enabled) {
        o.progress = on_progress;
        o.progress_ctx = &pc;
    }
    struct sink_ctx sc = {s, 0};
    struct ingest_sink sink = {sink_emit, &sc};
    int64_t t0 = clock_mono_ns();
    struct ingest_target target = {source_id, f.id, start};
    rc = ingest_run(ig, &target, &sink, &res->st, d);
    if (rc == 0 && sc.last_seq)
        rc = store_wait(s, sc.last_seq, d);
    res->ns = clock_mono_ns() - t0;
    progress_finish(&pc.bar);
    ingest_close(ig);
    return rc;
}

static void summary_table(struct file_result *r, size_t n, bool json)
{
    struct table t;
    table_init(&t, 1u << 20);
    static const char *const cols[] = {"file",    "format", "codec",   "events",   "quarantined",
                                       "skipped", "bytes",  "seconds", "events/s", "resumed_from"};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        table_add_col(&t, cols[i], i >= 3 ? TABLE_RIGHT : TABLE_LEFT);
    for (size_t i = 0; i < n; i++) {
        double secs = (double)r[i].ns / 1e9;
        table_row(&t);
        table_cell_c(&t, r[i].path);
        table_cell_c(&t, r[i].format);
        table_cell_c(&t, r[i].codec);
        table_cell_count(&t, (int64_t)r[i].st.events);
        table_cell_count(&t, (int64_t)r[i].st.quarantined);
        table_cell_count(&t, (int64_t)r[i].st.skipped);
        table_cell_count(&t, (int64_t)r[i].st.bytes);
        table_cellf(&t, "%.3f", secs);
        table_cell_count(&t, secs > 0 ? (int64_t)((double)r[i].st.events / secs) : 0);
        table_cell_count(&t, (int64_t)r[i].st.start_offset);
    }
    table_write(&t, stdout, json ? TERM_JSON : TERM_TTY);
    table_fini(&t);
}

int cmd_ingest(struct cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"max-line", required_argument, NULL, 'm'},
        {"no-resume", no_argument, NULL, 'n'},
        {"strict", no_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"home", required_argument, NULL, 'H'},
        {"tenant", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ingest_opts o;
    ingest_opts_default(&o);
    const char *source = NULL;
    bool resume = true, strict = false, json = false, quiet = c->quiet;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            source = optarg;
            break;
        case 'f':
            o.format = optarg;
            break;
        case 'm': {
            uint64_t v;
            if (str_to_u64(str_c(optarg), &v) || v < 64 || v > (1u << 30)) {
                term_error(stderr, "--max-line: expected a byte count from 64 to 1073741824");
                return EXIT_USAGE;
            }
            o.limits.max_line_bytes = (size_t)v;
            break;
        }
        case 'n':
            resume = false;
            break;
        case 'S':
            strict = true;
            break;
        case 'j':
            json = true;
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
    if (optind >= argc) {
        term_error(stderr, "ingest: name at least one FILE, or - for stdin");
        help(stderr);
        return EXIT_USAGE;
    }
    if (o.format && decoder_find(o.format) == NULL) {
        term_error(stderr, "--format: unknown format '%s' (see vigil formats)", o.format);
        return EXIT_USAGE;
    }
    struct store *s;
    uint32_t tenant;
    int ec = cli_open_store(c, false, &s, &tenant);
    if (ec)
        return ec;
    o.tenant_id = tenant;
    size_t n = (size_t)(argc - optind);
    struct file_result *res = calloc(n, sizeof(*res));
    uint64_t quarantined = 0;
    int rc = 0;
    size_t done = 0;
    for (size_t i = 0; i < n && rc == 0; i++, done++) {
        struct diag d;
        diag_clear(&d);
        res[i].path = argv[optind + (int)i];
        rc = ingest_one(s, tenant, res[i].path, &o, source, resume, quiet || json, &res[i], &d);
        if (rc)
            ec = cli_fail(&d, rc);
        quarantined += res[i].st.quarantined;
    }
    store_close(s);
    if (json || !quiet)
        summary_table(res, done, json);
    free(res);
    if (ec == 0 && strict && quarantined)
        ec = EXIT_QUARANTINED;
    return ec;
}
