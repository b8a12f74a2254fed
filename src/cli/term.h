/*
 * term.h - terminal output for the CLI: tables, a progress bar, human units.
 *
 * Everything a subcommand prints for a person goes through here, because
 * what vigil prints is mostly other people's log content, and log content is
 * hostile: a cell may hold ESC sequences that would retitle, recolour or
 * rewrite the analyst's terminal. On a terminal (TERM_TTY mode, and CSV
 * written to a terminal) control bytes, C1 controls, bidi overrides and
 * invalid UTF-8 are shown escaped (\n, \t, \r, \xNN, \uXXXX); vigil's own
 * colour codes are the only escape sequences ever written. Backslashes are
 * left as they are so Windows paths stay readable; use CSV or JSON when the
 * exact bytes matter.
 *
 * A struct table owns copies of its column names and cells, bounded by the
 * byte ceiling given to table_init() (E_TOOBIG past it). Errors are sticky:
 * fill the table freely, and table_write() returns the first error. A table
 * and a progress bar belong to the thread that made them.
 */
#ifndef VIGIL_CLI_TERM_H
#define VIGIL_CLI_TERM_H

#include "base/buf.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- terminal facts and colour ---------------------------------------- */

#define TERM_DEFAULT_WIDTH 120

#define TERM_BOLD  "\x1b[1m"
#define TERM_RED   "\x1b[31m"
#define TERM_RESET "\x1b[0m"

bool term_is_tty(FILE *fp);
/* Columns of the terminal behind fp, or TERM_DEFAULT_WIDTH when it is not one. */
unsigned term_width(FILE *fp);
/* Colour on fp: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool term_color_enabled(FILE *fp);
/* Print "error: <message>\n" (red when colour is enabled), the message escaped. */
void term_error(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Append s to b with everything unsafe for a terminal escaped (see above).
 * The result is printable ASCII and valid UTF-8 only.
 */
int term_escape(struct buf *b, struct str s);
/* Display columns term_escape() output would take (wide CJK counts 2). */
size_t term_escaped_width(struct str s);
/*
 * term_escape() into at most max_cols columns, cutting with "…" when s is
 * wider. Returns the columns written; b's errors stay sticky in b->err.
 */
size_t term_escape_fit(struct buf *b, struct str s, size_t max_cols);

/* ---- human units (each returns out; TERM_HUMAN_MAX bytes are always enough) */

#define TERM_HUMAN_MAX 32

/* "830 B", "12.3 MiB", "1.0 GiB" */
char *term_human_bytes(char *out, size_t cap, uint64_t n);
/* "420 ns", "12.5 µs", "830 ms", "1.25 s", "2 min 05 s", "3 h 07 min", "2 d 04 h" */
char *term_human_duration(char *out, size_t cap, int64_t ns);
/* "1,234,567", "-12,000" */
char *term_thousands(char *out, size_t cap, int64_t v);

/* ---- tables ------------------------------------------------------------ */

enum term_mode {
    TERM_TTY,   /* aligned columns for a person */
    TERM_CSV,   /* RFC 4180 quoting, LF line ends, a header row */
    TERM_JSON,  /* one JSON array of objects keyed by column name */
    TERM_JSONL, /* one JSON object per line */
};

enum table_align {
    TABLE_LEFT,
    TABLE_RIGHT, /* numbers */
};

enum table_cell_flag {
    TABLE_CELL_NUMBER = 1 << 0, /* JSON: unquoted when the text is a JSON number */
    TABLE_CELL_GROUP = 1 << 1,  /* TTY: show an integer with thousands separators */
    TABLE_CELL_NULL = 1 << 2,   /* no value: JSON null, empty elsewhere */
};

struct table_col {
    size_t name_off, name_len; /* into text */
    enum table_align align;
};

struct table_cell {
    size_t off, len; /* into text */
    unsigned flags;
};

struct table {
    struct table_col *cols;
    size_t n_cols, cap_cols;
    struct table_cell *cells; /* n_rows * n_cols, row-major */
    size_t n_rows, cap_cells;
    size_t next_col; /* where the next cell of the current row goes */
    struct buf text; /* all names and cells */
    size_t n_bytes, max_bytes;
    int err; /* first error, sticky */
};

/* max_bytes bounds the copied text plus per-cell bookkeeping. */
void table_init(struct table *t, size_t max_bytes);
void table_fini(struct table *t);
/* Columns come first; adding one after the first row is E_STATE. */
int table_add_col(struct table *t, const char *name, enum table_align align);
/* Start a row. Cells then fill it left to right; cells left unset are null. */
int table_row(struct table *t);
/* Add the next cell of the current row (E_INVAL past the last column). */
int table_cell_flags(struct table *t, struct str text, unsigned flags);
int table_cell(struct table *t, struct str text);
int table_cell_c(struct table *t, const char *text);
int table_cellf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int table_cell_num(struct table *t, struct str text);
int table_cell_i64(struct table *t, int64_t v);
/* A count: a number, grouped ("1,234,567") on a terminal. */
int table_cell_count(struct table *t, int64_t v);
int table_cell_null(struct table *t);

static inline size_t table_n_rows(const struct table *t)
{
    return t->n_rows;
}

struct table_fmt {
    enum term_mode mode;
    unsigned width;       /* TTY: total line width; 0 means TERM_DEFAULT_WIDTH */
    bool color;           /* TTY: bold header */
    bool escape_controls; /* CSV: escape as on a terminal (set when writing to one) */
};

/* Render into out (appending). Returns the table's sticky error or out's. */
int table_format(const struct table *t, const struct table_fmt *f, struct buf *out);
/* Render to fp, taking width, colour and escaping from fp. E_IO on a write error. */
int table_write(const struct table *t, FILE *fp, enum term_mode mode);

/* ---- progress bar ------------------------------------------------------ */

/*
 * A one-line progress display for long work, redrawn at most every
 * PROGRESS_REDRAW_NS. It draws only when fp is a terminal, so callers use it
 * unconditionally. The label is borrowed and must outlive the bar.
 */
#define PROGRESS_REDRAW_NS (100 * 1000 * 1000LL)

struct progress {
    FILE *fp;
    const char *label;
    uint64_t total_bytes; /* 0: unknown */
    uint64_t bytes, events, quarantined;
    int64_t start_ns, last_draw_ns;
    unsigned width;
    bool enabled, drawn;
};

void progress_init(struct progress *p, FILE *fp, const char *label, uint64_t total_bytes);
void progress_update(struct progress *p, uint64_t bytes_done, uint64_t events,
                     uint64_t quarantined);
/* Clear the line; the caller prints the summary it wants. */
void progress_finish(struct progress *p);

#endif
