/*
 * cmd_demo.c - vigil demo: the quickest way to see vigil work.
 *
 * Writes a day of synthetic logs (once; re-runs reuse them, so re-ingesting
 * resumes and adds nothing), ingests them with the ordinary `ingest` command
 * and runs a few searches an analyst would.
 */
#include "base/clock.h"
#include "cli/cli.h"
#include "demo/gen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
    enum gen_kind kind;
    const char *file;
    uint64_t n;
} demo_files[] = {
    {GEN_SYSLOG, "auth.log", 20000},       {GEN_APACHE, "access.log", 30000},
    {GEN_WINJSON, "windows.jsonl", 20000}, {GEN_LOGFMT, "checkout.log", 10000},
    {GEN_CSV, "firewall.csv", 10000},      {GEN_CEF, "ips.cef", 5000},
};

#define N_FILES (sizeof(demo_files) / sizeof(demo_files[0]))

static const struct {
    const char *title, *query;
} demo_searches[] = {
    {"Failed Windows logons, by account and source address",
     "event.code:4625 | stats count, dc(source.ip) as sources by user.name | sort -count"
     " | head 5"},
    {"SSH password failures per host",
     "process.name:sshd \"Failed password\" | stats count by host.name | sort -count"},
    {"Web clients collecting errors (scanners?)",
     "http.response.status_code>=400 | stats count, dc(url.original) as urls by source.ip"
     " | sort -count | head 5"},
    {"Encoded PowerShell",
     "process.command_line:*-enc* | table _time, host.name, user.name | head 5"},
    {"Checkout errors per hour, last 6 hours",
     "log.level:error earliest=-6h | timechart span=1h count"},
};

static int mkdir_p(const char *path)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST)
        return 0;
    term_error(stderr, "demo: cannot create %s: %s", path, strerror(errno));
    return EXIT_FAIL;
}

int cmd_demo(struct cli *c, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: vigil demo\n\n"
               "Write a day of synthetic logs (sshd, web, Windows, an app, a firewall, an IPS)\n"
               "to $VIGIL_HOME/demo, ingest them and run a few searches. Safe to re-run.\n");
        return EXIT_OK;
    }
    char dir[4096], paths[N_FILES][4200];
    snprintf(dir, sizeof(dir), "%s/demo", c->home);
    if (mkdir_p(c->home) || mkdir_p(dir))
        return EXIT_FAIL;
    struct gen_opts go = {.seed = 7, .end_ns = clock_now_ns(), .span_ns = 86400LL * NS_PER_SEC};
    char *args[N_FILES + 3];
    int n = 0;
    args[n++] = (char *)"ingest";
    for (size_t i = 0; i < N_FILES; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%.4000s/%s", dir, demo_files[i].file);
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            FILE *fp = fopen(paths[i], "w");
            if (fp == NULL || gen_write(fp, demo_files[i].kind, demo_files[i].n, &go) ||
                fclose(fp)) {
                term_error(stderr, "demo: cannot write %s", paths[i]);
                return EXIT_FAIL;
            }
        }
        args[n++] = paths[i];
    }
    args[n] = NULL;
    printf("\n== vigil demo: ingesting %zu files from %s\n\n", N_FILES, dir);
    fflush(stdout);
    int ec = cmd_ingest(c, n, args);
    if (ec)
        return ec;
    for (size_t i = 0; i < sizeof(demo_searches) / sizeof(demo_searches[0]); i++) {
        printf("\n== %s\n$ vigil search '%s'\n\n", demo_searches[i].title, demo_searches[i].query);
        fflush(stdout);
        char *sargs[] = {(char *)"search", (char *)demo_searches[i].query, NULL};
        if ((ec = cmd_search(c, 2, sargs)))
            return ec;
        fflush(stdout);
    }
    printf("\nTry your own: %s search --help, and docs/query.md for the language.\n",
           "./build/release/vigil");
    return EXIT_OK;
}
