/*
 * dec_csv.c - comma-separated values with a header line (RFC 4180).
 *
 * The first line of a file is the header: its cells, trimmed, name the
 * columns (an empty name becomes "column<N>"), and decode() returns E_AGAIN
 * for it. Every later line is a record with exactly as many cells as the
 * header. Cells are quoted with '"' and a quote inside is doubled; a '"' in
 * an unquoted cell is an error, and so is a quoted cell that the line ends
 * inside of: the reader hands us single lines, so a record spanning lines
 * cannot be put back together here. Cells stay strings - a CSV file says
 * nothing about types - and the timestamp is left to normalisation, which
 * looks for a column named like one.
 *
 * Per-file state (the header's field ids) lives in ctx->state, made by
 * open() and freed by close(). If the header itself is malformed the file
 * cannot be read: every later line fails with the same explanation rather
 * than a data line being taken for the header.
 */
#include "base/xmalloc.h"
#include "ingest/ingest_int.h"

#include <stdio.h>
#include <stdlib.h>

struct csv_state {
    bool have_header;
    bool header_failed;
    uint32_t n_cols;
    uint32_t *ids; /* field id per column */
};

/*
 * One cell at the cursor and the separator after it. *more says a ',' followed.
 * Quoted cells with doubled quotes are copied into a (when a is NULL, the raw
 * slice is returned: enough for counting and validating).
 */
static int cell(struct ingest__cur *c, struct arena *a, struct str *out, bool *more, struct diag *d)
{
    size_t start = c->pos;
    if (ingest__lit(c, '"')) {
        size_t i = c->pos;
        bool doubled = false;
        for (;; i++) {
            if (i >= c->s.len)
                return diag_set(d, E_PARSE, NULL,
                                "column %zu: expected '\"' closing the field opened at column %zu "
                                "(a quoted field cannot span lines)",
                                c->s.len + 1, start + 1);
            if (c->s.p[i] != '"')
                continue;
            if (i + 1 < c->s.len && c->s.p[i + 1] == '"') {
                doubled = true;
                i++;
                continue;
            }
            break;
        }
        *out = str_make(c->s.p + c->pos, i - c->pos);
        c->pos = i + 1;
        if (doubled && a != NULL) {
            char *buf = arena_alloc(a, out->len);
            size_t n = 0;
            for (size_t k = 0; k < out->len; k++) {
                buf[n++] = out->p[k];
                k += out->p[k] == '"'; /* skip the second of a pair */
            }
            *out = str_make(buf, n);
        }
    } else {
        *out = ingest__until(c, ',');
        ptrdiff_t q = str_index(*out, '"');
        if (q >= 0)
            return diag_set(d, E_PARSE, NULL,
                            "column %zu: expected ',' or the end of the line, not '\"' "
                            "(a field containing quotes must be quoted)",
                            start + (size_t)q + 1);
    }
    *more = ingest__lit(c, ',');
    if (!*more && !ingest__eof(c))
        return ingest__expected(d, E_PARSE, ingest__col(c), "',' or the end of the line");
    return 0;
}

/* Count the cells of a line, validating it. */
static int count_cells(struct str line, size_t *n, struct diag *d)
{
    struct ingest__cur c = {line, 0};
    bool more = true;
    struct str s;
    for (*n = 0; more; (*n)++) {
        int rc = cell(&c, NULL, &s, &more, d);
        if (rc)
            return rc;
    }
    return 0;
}

/* Without its terminator a line may still end in '\r' (CRLF files), and the header in a BOM. */
static struct str strip_line(struct str line)
{
    if (line.len && line.p[line.len - 1] == '\r')
        line.len--;
    return line;
}

static int read_header(struct decoder_ctx *ctx, struct csv_state *st, struct str line,
                       struct diag *d)
{
    if (str_starts_with(line, STR_LIT("\xEF\xBB\xBF")))
        line = str_make(line.p + 3, line.len - 3);
    if (str_trim(line).len == 0)
        return E_AGAIN; /* blank lines before the header */
    size_t n;
    int rc = count_cells(line, &n, d);
    if (rc)
        return rc;
    if (n > ctx->limits->max_fields)
        return diag_set(d, E_TOOBIG, NULL, "header has %zu columns, more than %u", n,
                        ctx->limits->max_fields);
    st->ids = xcalloc(n, sizeof(*st->ids));
    struct ingest__cur c = {line, 0};
    for (size_t i = 0; i < n; i++) {
        struct str name;
        bool more;
        char tmp[32];
        cell(&c, ctx->arena, &name, &more, NULL);
        name = str_trim(name);
        if (name.len == 0) {
            int len = snprintf(tmp, sizeof(tmp), "column%zu", i + 1);
            name = str_make(tmp, (size_t)len);
        }
        st->ids[i] = field_intern(name);
    }
    st->n_cols = (uint32_t)n;
    st->have_header = true;
    return E_AGAIN;
}

static int read_row(struct decoder_ctx *ctx, const struct csv_state *st, struct str line,
                    struct event *ev, struct diag *d)
{
    size_t n;
    int rc = count_cells(line, &n, d);
    if (rc)
        return rc;
    if (n != st->n_cols)
        return diag_set(d, E_PARSE, NULL, "row has %zu columns, header has %u", n, st->n_cols);
    struct ingest__out o = {ctx, ev, d, 0};
    struct ingest__cur c = {line, 0};
    for (size_t i = 0; i < n; i++) {
        struct str v;
        bool more;
        cell(&c, ctx->arena, &v, &more, NULL);
        ingest__put_str(&o, st->ids[i], v);
    }
    return o.rc;
}

static int csv_decode(struct decoder_ctx *ctx, struct str line, struct event *ev, struct diag *d)
{
    struct csv_state *st = ctx->state;
    if (st == NULL)
        return diag_set(d, E_STATE, NULL, "csv decoder used without open()");
    line = strip_line(line);
    if (st->header_failed)
        return diag_set(d, E_PARSE, NULL, "the header line was malformed; no row can be read");
    if (!st->have_header) {
        int rc = read_header(ctx, st, line, d);
        st->header_failed = rc != E_AGAIN;
        return rc;
    }
    if (line.len == 0)
        return E_AGAIN; /* a blank line (often the last one): nothing to store */
    return read_row(ctx, st, line, ev, d);
}

static int csv_open(struct decoder_ctx *ctx)
{
    ctx->state = xcalloc(1, sizeof(struct csv_state));
    return 0;
}

static void csv_close(struct decoder_ctx *ctx)
{
    struct csv_state *st = ctx->state;
    if (st != NULL)
        free(st->ids);
    free(st);
    ctx->state = NULL;
}

/* Header names look like names: letters, digits and a little punctuation, at most 64 bytes. */
static bool is_name(struct str s)
{
    bool letter = false;
    s = str_trim(s);
    if (s.len == 0 || s.len > 64)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        bool alpha = ((ch | 32) >= 'a' && (ch | 32) <= 'z') || ch >= 0x80; /* any script */
        letter |= alpha;
        if (!alpha && !(ch >= '0' && ch <= '9') && !strchr(" _-.@#/()", ch))
            return false;
    }
    return letter;
}

/*
 * A CSV sample: a header of at least two name-like cells, and rows that
 * parse with the header's number of cells. Syslog, apache and kv lines fail
 * the name test ('<', ':', '"', '=') long before the count matters.
 */
static int csv_probe(const struct str *lines, size_t n)
{
    size_t n_cols = 0, rows = 0, good = 0;
    for (size_t i = 0; i < n; i++) {
        struct str l = strip_line(lines[i]);
        size_t k;
        if (i == 0 && str_starts_with(l, STR_LIT("\xEF\xBB\xBF")))
            l = str_make(l.p + 3, l.len - 3);
        if (i > 0 && l.len == 0)
            continue;
        if (count_cells(l, &k, NULL) != 0)
            k = 0;
        if (i == 0) {
            struct ingest__cur c = {l, 0};
            bool more = true;
            struct str name;
            while (more && k >= 2)
                if (cell(&c, NULL, &name, &more, NULL) != 0 || !is_name(name))
                    return 0;
            n_cols = k;
            continue;
        }
        rows++;
        good += k == n_cols;
    }
    if (n_cols < 2 || rows == 0 || good * 10 < rows * 9)
        return 0;
    return 70;
}

const struct decoder decoder_csv = {
    .name = "csv",
    .description = "CSV with a header line (RFC 4180 quoting, one record per line)",
    .flags = DECODER_HEADER,
    .probe = csv_probe,
    .open = csv_open,
    .close = csv_close,
    .decode = csv_decode,
};
