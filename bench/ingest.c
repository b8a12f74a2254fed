/*
 * bench/ingest.c - ingest throughput: parse-only per format, and committed
 * file -> store with and without full-text indexing.
 *
 *   bench_ingest [--events N] [--dir TMPDIR] [FILE...]
 *
 * Generates N events per format (default 1,000,000) with the demo generator,
 * then prints one line per case:
 *   ingest.parse.<format>  lines/s MB/s ns/line           (framing+validation+decode+normalize)
 *   ingest.commit.<format>.<fts|nofts>  events/s events/cpu_s rss_mb
 * Every case runs in a child process so its peak RSS is its own. FILE
 * arguments (e.g. the OTRF JSON files, see bench/otrf.sh) add a parse case
 * and two commit cases over all of them together, named "corpus".
 */
#include "base/clock.h"
#include "base/err.h"
#include "demo/gen.h"
#include "ingest/ingest.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct sink_ctx {
    struct store *store;
    uint64_t last_seq;
};

static int null_emit(void *arg, struct event_batch *b, struct diag *d)
{
    (void)arg, (void)d;
    batch_free(b);
    return 0;
}

static int store_emit(void *arg, struct event_batch *b, struct diag *d)
{
    struct sink_ctx *s = arg;
    return store_submit_take(s->store, b, &s->last_seq, d);
}

static void die(const struct diag *d, int rc)
{
    char msg[1024];
    fprintf(stderr, "bench_ingest: %s (%s)\n", diag_format(d, msg, sizeof(msg)), err_name(rc));
    exit(1);
}

/* Ingest files into a sink; returns totals. */
static void run_files(char **files, size_t n, const char *format, struct store *s,
                      struct ingest_stats *tot)
{
    memset(tot, 0, sizeof(*tot));
    struct sink_ctx sc = {s, 0};
    struct ingest_sink sink = {s ? store_emit : null_emit, &sc};
    for (size_t i = 0; i < n; i++) {
        struct ingest_opts o;
        ingest_opts_default(&o);
        o.format = format;
        struct ingest *ig;
        struct diag d;
        diag_clear(&d);
        int rc = ingest_open(files[i], &o, &ig, &d);
        if (rc)
            die(&d, rc);
        struct ingest_target t = {0};
        if (s &&
            (rc = store_source(s, 1, "bench", "file", ingest_decoder(ig)->name, &t.source_id, &d)))
            die(&d, rc);
        struct ingest_stats st;
        if ((rc = ingest_run(ig, &t, &sink, &st, &d)))
            die(&d, rc);
        ingest_close(ig);
        tot->bytes += st.bytes;
        tot->records += st.records;
        tot->events += st.events;
        tot->quarantined += st.quarantined;
    }
    if (s && sc.last_seq) {
        struct diag d;
        int rc = store_wait(s, sc.last_seq, &d);
        if (rc)
            die(&d, rc);
    }
}

static double cpu_seconds(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

/* Runs in a child: one case, one output line. */
static void bench_case(const char *name, char **files, size_t n, const char *format,
                       const char *home, int fts)
{
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    if (home) {
        struct store_opts so;
        store_opts_default(&so);
        so.home = home;
        so.fts = fts != 0;
        int rc = store_open(&so, &s, &d);
        if (rc)
            die(&d, rc);
    }
    int64_t t0 = clock_mono_ns();
    struct ingest_stats tot;
    run_files(files, n, format, s, &tot);
    store_close(s); /* includes the final commit */
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = cpu_seconds(&ru);
    if (home)
        printf("ingest.commit.%s.%s events=%llu events/s=%.0f events/cpu_s=%.0f ns/event=%.0f "
               "quarantined=%llu rss_mb=%.1f\n",
               name, fts ? "fts" : "nofts", (unsigned long long)tot.events,
               (double)tot.events / secs, (double)tot.events / cpu,
               secs * 1e9 / (double)(tot.events ? tot.events : 1),
               (unsigned long long)tot.quarantined, (double)ru.ru_maxrss / 1024.0);
    else
        printf("ingest.parse.%s lines=%llu lines/s=%.0f MB/s=%.1f ns/line=%.0f quarantined=%llu "
               "rss_mb=%.1f\n",
               name, (unsigned long long)tot.records, (double)tot.records / secs,
               (double)tot.bytes / secs / 1e6, secs * 1e9 / (double)(tot.records ? tot.records : 1),
               (unsigned long long)tot.quarantined, (double)ru.ru_maxrss / 1024.0);
    fflush(stdout);
}

static void in_child(const char *name, char **files, size_t n, const char *format, const char *home,
                     int fts)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        bench_case(name, files, n, format, home, fts);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_ingest: case %s failed\n", name);
        exit(1);
    }
}

static void rm_home(const char *home)
{
    static const char *const files[] = {"vigil.db", "vigil.db-wal", "vigil.db-shm"};
    char p[4300];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%.4200s/%s", home, files[i]);
        unlink(p);
    }
    rmdir(home);
}

static void commit_cases(const char *name, char **files, size_t n, const char *format,
                         const char *dir)
{
    char home[4200];
    for (int fts = 0; fts <= 1; fts++) {
        snprintf(home, sizeof(home), "%.4000s/home-%.32s-%d", dir, name, fts);
        rm_home(home);
        in_child(name, files, n, format, home, fts);
        rm_home(home);
    }
}

int main(int argc, char **argv)
{
    uint64_t n = 1000000;
    const char *dir = "/tmp";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench_ingest [--events N] [--dir TMPDIR] [FILE...]\n");
            return 2;
        }
    }
    static const struct {
        enum gen_kind kind;
        const char *format;
    } kinds[] = {{GEN_WINJSON, "json"}, {GEN_SYSLOG, "syslog"}, {GEN_APACHE, "apache"},
                 {GEN_LOGFMT, "kv"},    {GEN_CSV, "csv"},       {GEN_CEF, "cef"}};
    struct gen_opts go = {
        .seed = 42, .end_ns = 1790000000LL * NS_PER_SEC, .span_ns = 7 * 86400LL * NS_PER_SEC};
    char path[4200];
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        snprintf(path, sizeof(path), "%.4000s/vigil-bench-%s.log", dir, kinds[k].format);
        FILE *fp = fopen(path, "w");
        if (fp == NULL || gen_write(fp, kinds[k].kind, n, &go) || fclose(fp)) {
            fprintf(stderr, "bench_ingest: cannot write %s\n", path);
            return 1;
        }
        char *files[] = {path};
        in_child(kinds[k].format, files, 1, kinds[k].format, NULL, 0);
        if (kinds[k].kind == GEN_WINJSON || kinds[k].kind == GEN_SYSLOG)
            commit_cases(kinds[k].format, files, 1, kinds[k].format, dir);
        unlink(path);
    }
    if (i < argc) {
        in_child("corpus", argv + i, (size_t)(argc - i), "json", NULL, 0);
        commit_cases("corpus", argv + i, (size_t)(argc - i), "json", dir);
    }
    return 0;
}
