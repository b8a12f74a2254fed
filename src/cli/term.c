#include "cli/term.h"

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/utf8.h"
#include "base/xmalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column */

/* Columns below which the width fitting does not shrink a column. */
#define TABLE_MIN_COL 4
/* Columns of one error message printed by term_error(); the rest is cut. */
#define TERM_ERROR_COLS 4096

static const char hexdigits[] = "0123456789abcdef";

/* ---- terminal facts and colour ---------------------------------------- */

bool term_is_tty(FILE *fp)
{
    int fd = fileno(fp);
    return fd >= 0 && isatty(fd);
}

unsigned term_width(FILE *fp)
{
    struct winsize ws;
    if (term_is_tty(fp) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return TERM_DEFAULT_WIDTH;
}

bool term_color_enabled(FILE *fp)
{
    /* https://no-color.org: present and not empty disables colour. */
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0])
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return term_is_tty(fp);
}

void term_error(FILE *fp, const char *fmt, ...)
{
    struct buf msg, line;
    buf_init(&msg, BUF_UNBOUNDED);
    buf_init(&line, BUF_UNBOUNDED);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);

    bool color = term_color_enabled(fp);
    buf_append_c(&line, color ? TERM_RED "error:" TERM_RESET " " : "error: ");
    term_escape_fit(&line, buf_str(&msg), TERM_ERROR_COLS);
    buf_putc(&line, '\n');
    fwrite(line.p, 1, line.len, fp);
    fflush(fp);
    buf_fini(&msg);
    buf_fini(&line);
}

/* ---- escaping ---------------------------------------------------------- */

/* Length of the valid UTF-8 sequence (2..4 bytes) at p with its code point, or 0. */
static size_t decode_utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c < 0xC2 || c > 0xF4 || len > n || utf8_valid_prefix(str_make((const char *)p, len)) != len)
        return 0;
    uint32_t v = c & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
    for (size_t i = 1; i < len; i++)
        v = v << 6 | (p[i] & 0x3Fu);
    *cp = v;
    return len;
}

/*
 * Code points a terminal may act on rather than show, or that hide what the
 * text says: C1 controls (U+009B is CSI on some terminals), line/paragraph
 * separators, the bidi controls that let text display in a different order
 * than it reads ("Trojan Source"), and invisible characters used to make
 * look-alike names or to smuggle text past a reader (zero-width space, word
 * joiner and invisible operators, BOM, tag characters). ZWJ and ZWNJ stay:
 * emoji and several scripts need them.
 */
static bool cp_is_unsafe(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200B || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF || (cp >= 0xE0000 && cp <= 0xE007F);
}

/* Display columns of a printable code point: a short table, not full wcwidth(). */
static size_t cp_width(uint32_t cp)
{
    static const uint32_t zero[][2] = {{0x0300, 0x036F}, {0x200C, 0x200D}, {0xFE00, 0xFE0F}};
    static const uint32_t wide[][2] = {
        {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF}, {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
        {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F},
        {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
    };
    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

/* The escape for an ASCII control byte; returns its length. */
static size_t escape_ctl(unsigned char c, char out[4])
{
    out[0] = '\\';
    switch (c) {
    case '\n':
        out[1] = 'n';
        return 2;
    case '\t':
        out[1] = 't';
        return 2;
    case '\r':
        out[1] = 'r';
        return 2;
    default:
        out[1] = 'x';
        out[2] = hexdigits[c >> 4];
        out[3] = hexdigits[c & 15];
        return 4;
    }
}

/* "\\uXXXX", or "\\UXXXXXXXX" past the BMP; returns the length. */
static size_t escape_u(uint32_t cp, char out[10])
{
    int digits = cp > 0xFFFF ? 8 : 4;
    out[0] = '\\';
    out[1] = digits == 8 ? 'U' : 'u';
    for (int i = 0; i < digits; i++)
        out[2 + i] = hexdigits[(cp >> (4 * (digits - 1 - i))) & 15];
    return (size_t)digits + 2;
}

/*
 * The engine behind term_escape*: escape s into b (NULL: only measure),
 * stopping before the first piece that would take the output past
 * max_cols. An escape is never split. Returns the columns taken.
 */
static size_t escape_upto(struct buf *b, struct str s, size_t max_cols)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0, cols = 0, run = 0;
    while (i < s.len) {
        unsigned char c = p[i];
        char esc[10];
        size_t esc_len = 0, n = 1, w = 1;
        if (c < 0x20 || c == 0x7f) {
            esc_len = escape_ctl(c, esc);
            w = esc_len;
        } else if (c >= 0x80) {
            uint32_t cp = 0;
            n = decode_utf8(p + i, s.len - i, &cp);
            if (n == 0) {
                n = 1;
                esc_len = escape_ctl(c, esc); /* \xNN */
                w = esc_len;
            } else if (cp_is_unsafe(cp)) {
                esc_len = escape_u(cp, esc);
                w = esc_len;
            } else {
                w = cp_width(cp);
            }
        }
        if (w > max_cols - cols)
            break;
        if (esc_len && b) {
            buf_append(b, s.p + run, i - run);
            buf_append(b, esc, esc_len);
        }
        if (esc_len)
            run = i + n;
        i += n;
        cols += w;
    }
    if (b)
        buf_append(b, s.p + run, i - run);
    return cols;
}

int term_escape(struct buf *b, struct str s)
{
    if (s.len == 0)
        return b->err;
    escape_upto(b, s, SIZE_MAX);
    return b->err;
}

size_t term_escaped_width(struct str s)
{
    return s.len ? escape_upto(NULL, s, SIZE_MAX) : 0;
}

size_t term_escape_fit(struct buf *b, struct str s, size_t max_cols)
{
    if (s.len == 0 || max_cols == 0)
        return 0;
    size_t w = term_escaped_width(s);
    if (w <= max_cols)
        return escape_upto(b, s, max_cols);
    size_t cols = escape_upto(b, s, max_cols - 1);
    buf_append_c(b, ELLIPSIS);
    return cols + 1;
}

/*
 * A JSON string that is safe on a terminal and valid JSON whatever the
 * input: invalid bytes are read as Latin-1 and written as \u00XX (the same
 * lossless repair as utf8_repair()), unsafe code points as \uXXXX.
 */
static void json_safe_string(struct buf *b, struct str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0, run = 0;
    buf_putc(b, '"');
    while (i < s.len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t n = decode_utf8(p + i, s.len - i, &cp);
        if (n != 0 && !cp_is_unsafe(cp)) {
            i += n;
            continue;
        }
        char esc[10];
        json_write_escaped(b, str_make(s.p + run, i - run));
        if (n && cp > 0xFFFF) { /* a surrogate pair */
            buf_append(b, esc, escape_u(0xD800 + ((cp - 0x10000) >> 10), esc));
            buf_append(b, esc, escape_u(0xDC00 + ((cp - 0x10000) & 0x3FF), esc));
        } else {
            buf_append(b, esc, escape_u(n ? cp : p[i], esc));
        }
        i += n ? n : 1;
        run = i;
    }
    json_write_escaped(b, str_make(s.p + run, i - run));
    buf_putc(b, '"');
}

/* ---- human units ------------------------------------------------------- */

char *term_human_bytes(char *out, size_t cap, uint64_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(out, cap, "%llu B", (unsigned long long)n);
        return out;
    }
    double v = (double)n;
    size_t u = 0;
    /* Promote before printing so 1023.96 KiB reads "1.0 MiB", not "1024.0 KiB". */
    while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    snprintf(out, cap, "%.1f %s", v, units[u]);
    return out;
}

/* Three significant digits of v (< 999.5) with a unit. */
static void sig3(char *out, size_t cap, double v, const char *unit)
{
    int prec = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
    snprintf(out, cap, "%.*f %s", prec, v, unit);
}

/* ns / unit, rounded half up, without overflowing near INT64_MAX. */
static long long div_round(int64_t ns, int64_t unit)
{
    return (long long)(ns / unit + (ns % unit >= unit / 2 ? 1 : 0));
}

char *term_human_duration(char *out, size_t cap, int64_t ns)
{
    const int64_t sec = NS_PER_SEC, min = 60 * sec, hour = 60 * min, day = 24 * hour;
    if (ns < 0)
        ns = 0;
    double v = (double)ns;
    if (ns < 1000) {
        snprintf(out, cap, "%lld ns", (long long)ns);
    } else if (v < 999.5e3) {
        sig3(out, cap, v / 1e3, "\xc2\xb5s");
    } else if (v < 999.5e6) {
        sig3(out, cap, v / 1e6, "ms");
    } else if (v < 59.95e9) {
        sig3(out, cap, v / 1e9, "s");
    } else if (ns < hour - sec / 2) {
        long long s = div_round(ns, sec);
        snprintf(out, cap, "%lld min %02lld s", s / 60, s % 60);
    } else if (ns < day - min / 2) {
        long long m = div_round(ns, min);
        snprintf(out, cap, "%lld h %02lld min", m / 60, m % 60);
    } else {
        long long h = div_round(ns, hour);
        snprintf(out, cap, "%lld d %02lld h", h / 24, h % 24);
    }
    return out;
}

char *term_thousands(char *out, size_t cap, int64_t v)
{
    char digits[24], tmp[32];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)mag);
    size_t o = 0;
    if (v < 0)
        tmp[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(out, cap, "%s", tmp);
    return out;
}

/* ---- table storage ----------------------------------------------------- */

void table_init(struct table *t, size_t max_bytes)
{
    memset(t, 0, sizeof(*t));
    buf_init(&t->text, BUF_UNBOUNDED);
    t->max_bytes = max_bytes;
}

void table_fini(struct table *t)
{
    free(t->cols);
    free(t->cells);
    buf_fini(&t->text);
    memset(t, 0, sizeof(*t));
}

static int table_fail(struct table *t, int code)
{
    if (!t->err)
        t->err = code;
    return t->err;
}

/* Count n bytes against the ceiling. */
static int charge(struct table *t, size_t n)
{
    if (n > t->max_bytes - t->n_bytes)
        return table_fail(t, E_TOOBIG);
    t->n_bytes += n;
    return 0;
}

static struct str table_text(const struct table *t, size_t off, size_t len)
{
    return len ? str_make(t->text.p + off, len) : str_make("", 0);
}

int table_add_col(struct table *t, const char *name, enum table_align align)
{
    if (t->err)
        return t->err;
    if (t->n_rows > 0)
        return table_fail(t, E_STATE);
    size_t len = strlen(name);
    if (charge(t, sizeof(struct table_col) + len))
        return t->err;
    if (t->n_cols == t->cap_cols) {
        t->cap_cols = t->cap_cols ? 2 * t->cap_cols : 8;
        t->cols = xrealloc(t->cols, t->cap_cols * sizeof(*t->cols));
    }
    t->cols[t->n_cols++] = (struct table_col){t->text.len, len, align};
    buf_append(&t->text, name, len);
    return 0;
}

int table_row(struct table *t)
{
    if (t->err)
        return t->err;
    if (t->n_cols == 0)
        return table_fail(t, E_STATE);
    if (charge(t, t->n_cols * sizeof(struct table_cell)))
        return t->err;
    size_t need = (t->n_rows + 1) * t->n_cols;
    if (need > t->cap_cells) {
        t->cap_cells = t->cap_cells ? 2 * t->cap_cells : 16 * t->n_cols;
        if (t->cap_cells < need)
            t->cap_cells = need;
        t->cells = xrealloc(t->cells, t->cap_cells * sizeof(*t->cells));
    }
    for (size_t c = 0; c < t->n_cols; c++)
        t->cells[t->n_rows * t->n_cols + c] = (struct table_cell){0, 0, TABLE_CELL_NULL};
    t->n_rows++;
    t->next_col = 0;
    return 0;
}

int table_cell_flags(struct table *t, struct str text, unsigned flags)
{
    if (t->err)
        return t->err;
    if (t->n_rows == 0)
        return table_fail(t, E_STATE);
    if (t->next_col >= t->n_cols)
        return table_fail(t, E_INVAL);
    if (charge(t, text.len))
        return t->err;
    struct table_cell *cell = &t->cells[(t->n_rows - 1) * t->n_cols + t->next_col++];
    *cell = (struct table_cell){t->text.len, text.len, flags};
    buf_append_str(&t->text, text);
    return 0;
}

int table_cell(struct table *t, struct str text)
{
    return table_cell_flags(t, text, 0);
}

int table_cell_c(struct table *t, const char *text)
{
    return table_cell_flags(t, str_c(text), 0);
}

int table_cellf(struct table *t, const char *fmt, ...)
{
    if (t->err)
        return t->err;
    struct buf tmp;
    buf_init(&tmp, t->max_bytes - t->n_bytes);
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(&tmp, fmt, ap);
    va_end(ap);
    rc = rc ? table_fail(t, rc) : table_cell(t, buf_str(&tmp));
    buf_fini(&tmp);
    return rc;
}

int table_cell_num(struct table *t, struct str text)
{
    return table_cell_flags(t, text, TABLE_CELL_NUMBER);
}

int table_cell_i64(struct table *t, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    return table_cell_flags(t, str_make(tmp, (size_t)n), TABLE_CELL_NUMBER);
}

int table_cell_count(struct table *t, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    return table_cell_flags(t, str_make(tmp, (size_t)n), TABLE_CELL_NUMBER | TABLE_CELL_GROUP);
}

int table_cell_null(struct table *t)
{
    return table_cell_flags(t, STR_NULL, TABLE_CELL_NULL);
}

/* ---- rendering --------------------------------------------------------- */

/* Output goes to b; with fp set, each finished line is written out and b emptied. */
struct sink {
    struct buf *b;
    FILE *fp;
    int err;
};

static void sink_line_end(struct sink *s)
{
    if (!s->fp)
        return;
    if (s->b->err && !s->err)
        s->err = s->b->err;
    if (s->b->len && fwrite(s->b->p, 1, s->b->len, s->fp) != s->b->len && !s->err)
        s->err = E_IO;
    buf_reset(s->b);
}

static const struct table_cell *cell_at(const struct table *t, size_t row, size_t col)
{
    return &t->cells[row * t->n_cols + col];
}

static struct str col_name(const struct table *t, size_t col)
{
    return table_text(t, t->cols[col].name_off, t->cols[col].name_len);
}

/* What a terminal shows for a cell; tmp holds a grouped number. */
static struct str cell_display(const struct table *t, const struct table_cell *c,
                               char tmp[TERM_HUMAN_MAX])
{
    struct str s = table_text(t, c->off, c->len);
    int64_t v;
    if ((c->flags & TABLE_CELL_GROUP) && str_to_i64(s, &v) == 0)
        return str_c(term_thousands(tmp, TERM_HUMAN_MAX, v));
    return s;
}

static void pad(struct buf *b, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        buf_append(b, spaces, k);
        n -= k;
    }
}

/* Drop the padding an empty last cell leaves at the end of a line. */
static void trim_line(struct buf *b, size_t start)
{
    while (b->len > start && b->p[b->len - 1] == ' ')
        b->len--;
    if (b->p)
        b->p[b->len] = '\0';
}

static void put_tty_cell(struct buf *b, struct str s, size_t width, enum table_align align,
                         bool last)
{
    size_t w = term_escaped_width(s);
    if (w <= width && align == TABLE_RIGHT) {
        pad(b, width - w);
        term_escape(b, s);
        return;
    }
    w = term_escape_fit(b, s, width);
    if (!last)
        pad(b, width - w);
}

/* Columns whose sum with cap applied. */
static size_t capped_sum(const size_t *w, size_t n, size_t cap)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i] < cap ? w[i] : cap;
    return sum;
}

/*
 * Shrink the widest columns until the widths sum to at most avail: find the
 * largest cap that fits, then hand the columns left over to the capped
 * columns from the left. No column shrinks below TABLE_MIN_COL, so a very
 * narrow terminal wraps rather than showing nothing.
 */
static void fit_widths(size_t *w, size_t n, size_t avail)
{
    size_t widest = 0;
    for (size_t i = 0; i < n; i++)
        widest = w[i] > widest ? w[i] : widest;
    if (capped_sum(w, n, widest) <= avail)
        return;
    size_t lo = TABLE_MIN_COL, hi = widest;
    if (capped_sum(w, n, lo) <= avail) {
        while (hi - lo > 1) { /* capped_sum(lo) fits, capped_sum(hi) does not */
            size_t mid = lo + (hi - lo) / 2;
            if (capped_sum(w, n, mid) <= avail)
                lo = mid;
            else
                hi = mid;
        }
    }
    size_t left = avail > capped_sum(w, n, lo) ? avail - capped_sum(w, n, lo) : 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] > lo) {
            w[i] = lo + (left > 0 ? 1 : 0);
            left -= left > 0 ? 1 : 0;
        }
    }
}

static size_t *tty_widths(const struct table *t, unsigned width)
{
    size_t *w = xcalloc(t->n_cols, sizeof(*w));
    char tmp[TERM_HUMAN_MAX];
    for (size_t c = 0; c < t->n_cols; c++) {
        w[c] = term_escaped_width(col_name(t, c));
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t cw = term_escaped_width(cell_display(t, cell_at(t, r, c), tmp));
            w[c] = cw > w[c] ? cw : w[c];
        }
    }
    size_t gaps = 2 * (t->n_cols - 1);
    fit_widths(w, t->n_cols, width > gaps ? width - gaps : 0);
    return w;
}

static void format_tty(const struct table *t, const struct table_fmt *f, struct sink *s)
{
    if (t->n_cols == 0)
        return;
    size_t *w = tty_widths(t, f->width ? f->width : TERM_DEFAULT_WIDTH);
    char tmp[TERM_HUMAN_MAX];
    size_t last = t->n_cols - 1;

    if (f->color)
        buf_append_c(s->b, TERM_BOLD);
    size_t start = s->b->len;
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            buf_append_c(s->b, "  ");
        put_tty_cell(s->b, col_name(t, c), w[c], t->cols[c].align, c == last);
    }
    trim_line(s->b, start);
    buf_append_c(s->b, f->color ? TERM_RESET "\n" : "\n");
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            buf_append_c(s->b, "  ");
        for (size_t i = 0; i < w[c]; i++)
            buf_putc(s->b, '-');
    }
    buf_putc(s->b, '\n');
    sink_line_end(s);

    for (size_t r = 0; r < t->n_rows; r++) {
        start = s->b->len;
        for (size_t c = 0; c < t->n_cols; c++) {
            if (c)
                buf_append_c(s->b, "  ");
            struct str text = cell_display(t, cell_at(t, r, c), tmp);
            put_tty_cell(s->b, text, w[c], t->cols[c].align, c == last);
        }
        trim_line(s->b, start);
        buf_putc(s->b, '\n');
        sink_line_end(s);
    }
    free(w);
}

/* One CSV field, quoted when RFC 4180 requires it. */
static void put_csv_field(struct buf *b, struct str s, bool escape_controls, struct buf *tmp)
{
    if (escape_controls) {
        buf_reset(tmp);
        term_escape(tmp, s);
        s = buf_str(tmp);
    }
    bool quote = false;
    for (size_t i = 0; i < s.len && !quote; i++)
        quote = s.p[i] == ',' || s.p[i] == '"' || s.p[i] == '\r' || s.p[i] == '\n';
    if (!quote) {
        buf_append_str(b, s);
        return;
    }
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == '"') {
            buf_append(b, s.p + run, i + 1 - run);
            run = i; /* the quote goes out twice */
        }
    }
    buf_append(b, s.p + run, s.len - run);
    buf_putc(b, '"');
}

static void format_csv(const struct table *t, const struct table_fmt *f, struct sink *s)
{
    if (t->n_cols == 0)
        return;
    struct buf tmp;
    buf_init(&tmp, BUF_UNBOUNDED);
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            buf_putc(s->b, ',');
        put_csv_field(s->b, col_name(t, c), f->escape_controls, &tmp);
    }
    buf_putc(s->b, '\n');
    sink_line_end(s);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const struct table_cell *cell = cell_at(t, r, c);
            if (c)
                buf_putc(s->b, ',');
            put_csv_field(s->b, table_text(t, cell->off, cell->len), f->escape_controls, &tmp);
        }
        buf_putc(s->b, '\n');
        sink_line_end(s);
    }
    buf_fini(&tmp);
}

/* The JSON number grammar of RFC 8259, over the whole slice. */
static bool is_json_number(struct str s)
{
    size_t i = 0, start;
    if (i < s.len && s.p[i] == '-')
        i++;
    if (i < s.len && s.p[i] == '0')
        i++;
    else if (i < s.len && s.p[i] >= '1' && s.p[i] <= '9')
        while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9')
            i++;
    else
        return false;
    if (i < s.len && s.p[i] == '.') {
        start = ++i;
        while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i < s.len && (s.p[i] == 'e' || s.p[i] == 'E')) {
        i++;
        if (i < s.len && (s.p[i] == '+' || s.p[i] == '-'))
            i++;
        start = i;
        while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    return i == s.len;
}

static void put_json_row(const struct table *t, size_t r, struct buf *b)
{
    buf_putc(b, '{');
    for (size_t c = 0; c < t->n_cols; c++) {
        const struct table_cell *cell = cell_at(t, r, c);
        struct str v = table_text(t, cell->off, cell->len);
        if (c)
            buf_putc(b, ',');
        json_safe_string(b, col_name(t, c));
        buf_putc(b, ':');
        if (cell->flags & TABLE_CELL_NULL)
            buf_append_c(b, "null");
        else if ((cell->flags & TABLE_CELL_NUMBER) && is_json_number(v))
            buf_append_str(b, v);
        else
            json_safe_string(b, v);
    }
    buf_putc(b, '}');
}

static void format_json(const struct table *t, bool lines, struct sink *s)
{
    if (!lines && t->n_rows == 0) {
        buf_append_c(s->b, "[]\n");
        sink_line_end(s);
        return;
    }
    if (!lines)
        buf_append_c(s->b, "[\n");
    for (size_t r = 0; r < t->n_rows; r++) {
        put_json_row(t, r, s->b);
        buf_append_c(s->b, lines || r + 1 == t->n_rows ? "\n" : ",\n");
        sink_line_end(s);
    }
    if (!lines) {
        buf_append_c(s->b, "]\n");
        sink_line_end(s);
    }
}

static int format_to(const struct table *t, const struct table_fmt *f, struct sink *s)
{
    if (t->err)
        return t->err;
    switch (f->mode) {
    case TERM_TTY:
        format_tty(t, f, s);
        break;
    case TERM_CSV:
        format_csv(t, f, s);
        break;
    case TERM_JSON:
    case TERM_JSONL:
        format_json(t, f->mode == TERM_JSONL, s);
        break;
    default:
        return E_INVAL;
    }
    if (s->err)
        return s->err;
    return s->b->err;
}

int table_format(const struct table *t, const struct table_fmt *f, struct buf *out)
{
    struct sink s = {out, NULL, 0};
    return format_to(t, f, &s);
}

int table_write(const struct table *t, FILE *fp, enum term_mode mode)
{
    struct table_fmt f = {
        .mode = mode,
        .width = term_width(fp),
        .color = mode == TERM_TTY && term_color_enabled(fp),
        .escape_controls = term_is_tty(fp),
    };
    struct buf line;
    buf_init(&line, BUF_UNBOUNDED);
    struct sink s = {&line, fp, 0};
    int rc = format_to(t, &f, &s);
    buf_fini(&line);
    if (rc == 0 && fflush(fp) != 0)
        rc = E_IO;
    return rc;
}
