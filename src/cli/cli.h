/*
 * cli.h - what the vigil subcommands share: global options, opening the
 * store, exit codes and output modes.
 */
#ifndef VIGIL_CLI_CLI_H
#define VIGIL_CLI_CLI_H

#include "base/err.h"
#include "cli/term.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Exit codes, documented in docs/cli.md and `vigil --help`. */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_FAIL = 1,        /* an operation failed (I/O, database, ...) */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_QUERY = 3,       /* the query does not parse or compile */
    EXIT_NODATA = 4,      /* no data directory yet */
    EXIT_QUARANTINED = 5, /* --strict ingest: some records were quarantined */
};

struct cli {
    const char *home;   /* data directory: --home, $VIGIL_HOME, ./var */
    const char *tenant; /* --tenant, default "default" */
    bool quiet;
};

/* Output mode from --json / --jsonl / --csv; a table otherwise. */
struct cli_output {
    enum term_mode mode;
};

int cli_open_store(const struct cli *c, bool read_only, struct store **s, uint32_t *tenant_id);
/* Report a failed operation on stderr; returns the exit code for it. */
int cli_fail(const struct diag *d, int code);
/* Map an error code to an exit code. */
int cli_exit_for(int code);

int cmd_ingest(struct cli *c, int argc, char **argv);
int cmd_search(struct cli *c, int argc, char **argv);
int cmd_sources(struct cli *c, int argc, char **argv);
int cmd_quarantine(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
int cmd_formats(struct cli *c, int argc, char **argv);
int cmd_version(struct cli *c, int argc, char **argv);
int cmd_demo(struct cli *c, int argc, char **argv);
int cmd_retention(struct cli *c, int argc, char **argv);

/* Render a store listing (store_row_fn rows) as a table in the chosen mode. */
struct cli_rows {
    struct table t;
    bool started;
    const char *time_cols[4]; /* columns holding ns timestamps, shown as RFC 3339 */
};
void cli_rows_init(struct cli_rows *r);
int cli_rows_cb(void *ctx, size_t n_cols, const char *const *cols, const struct value *vals);
int cli_rows_print(struct cli_rows *r, enum term_mode mode);

/* Parse --json/--jsonl/--csv style flags: returns 1 if the option was one of them. */
int cli_output_flag(struct cli_output *o, const char *name);

#endif
