/*
 * main.c - the vigil command line: global options and subcommand dispatch.
 */
#include "base/log.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"ingest", cmd_ingest, "read log files or stdin into the store"},
    {"search", cmd_search, "run a query over stored events"},
    {"sources", cmd_sources, "list sources and their input files"},
    {"quarantine", cmd_quarantine, "list records that could not become events"},
    {"stats", cmd_stats, "summarise the store"},
    {"retention", cmd_retention, "drop partitions past an age or size limit"},
    {"formats", cmd_formats, "list the log formats vigil decodes"},
    {"demo", cmd_demo, "generate demo data, ingest it and run a few searches"},
    {"version", cmd_version, "print the version"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *fp)
{
    fprintf(fp,
            "vigil %s - self-hosted security and IT operations\n\n"
            "usage: vigil [--home DIR] [--tenant NAME] [--log-level LEVEL] COMMAND [ARGS]\n\n"
            "commands:\n",
            VIGIL_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\nglobal options:\n"
                "  --home DIR         data directory (default $VIGIL_HOME, else ./var)\n"
                "  --tenant NAME      tenant to read and write (default \"default\")\n"
                "  --log-level LEVEL  debug, info, warn, error or off (default warn)\n"
                "  -h, --help         this help; `vigil COMMAND --help` for a command's\n"
                "\nexit codes: 0 ok, 1 failure, 2 usage, 3 bad query, 4 no data directory,\n"
                "            5 --strict ingest quarantined records\n"
                "\ndocs: README.md, docs/cli.md, docs/query.md, docs/ingest.md\n");
}

int main(int argc, char **argv)
{
    struct cli c = {.home = getenv("VIGIL_HOME"), .tenant = "default"};
    if (c.home == NULL || c.home[0] == '\0')
        c.home = "./var";
    log_setup(LOG_WARN, LOG_LOGFMT, 2);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return EXIT_OK;
        }
        if (strcmp(a, "--version") == 0)
            return cmd_version(&c, 0, NULL);
        const char **dst = strcmp(a, "--home") == 0     ? &c.home
                           : strcmp(a, "--tenant") == 0 ? &c.tenant
                                                        : NULL;
        if (dst && i + 1 < argc) {
            *dst = argv[++i];
            continue;
        }
        if (strcmp(a, "--log-level") == 0 && i + 1 < argc) {
            enum log_level lvl;
            if (log_level_parse(argv[++i], &lvl)) {
                term_error(stderr, "--log-level: expected debug, info, warn, error or off");
                return EXIT_USAGE;
            }
            log_setup(lvl, LOG_LOGFMT, 2);
            continue;
        }
        term_error(stderr, "unknown or incomplete global option '%s' (see vigil --help)", a);
        return EXIT_USAGE;
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t k = 0; k < N_COMMANDS; k++)
        if (strcmp(argv[i], commands[k].name) == 0)
            return commands[k].run(&c, argc - i, argv + i);
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 < argc)
            for (size_t k = 0; k < N_COMMANDS; k++)
                if (strcmp(argv[i + 1], commands[k].name) == 0) {
                    char *hargv[] = {argv[i + 1], (char *)"--help", NULL};
                    return commands[k].run(&c, 2, hargv);
                }
        usage(stdout);
        return EXIT_OK;
    }
    term_error(stderr, "unknown command '%s' (see vigil --help)", argv[i]);
    return EXIT_USAGE;
}
