/*
 * dec_kv.c - key=value lines and logfmt.
 *
 *   ts=2024-01-02T03:04:05Z level=info msg="user \"bob\" logged in" port=22 tls
 *
 * Pairs are separated by spaces or tabs. A key is any run of bytes other than
 * space, tab, '=' and '"'. A value is either quoted with '"' (escapes \" \\
 * \n \r \t are undone, any other backslash is kept) or bare, running to the
 * next space or tab. A key alone is logfmt's flag and becomes true. An
 * unquoted plain integer becomes an integer; every other value is a string,
 * since "1.0" or "007" may be a version or an id.
 *
 * decode() scans a record twice, once to validate and once to add fields,
 * so a malformed record adds nothing; probe() runs only the first pass,
 * which does not allocate.
 */
#include "ingest/ingest_int.h"

#define KV_KEY_MAX 256

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static void skip_blanks(struct ingest__cur *c)
{
    while (!ingest__eof(c) && is_blank(ingest__peek(c)))
        c->pos++;
}

/* Copy a quoted value without its escapes. */
static struct str unescape(struct str v, struct arena *a)
{
    char *out = arena_alloc(a, v.len ? v.len : 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        char ch = v.p[i];
        if (ch == '\\' && i + 1 < v.len) {
            char e = v.p[i + 1];
            char to = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
            if (e == '"' || e == '\\' || to != e) {
                ch = to;
                i++;
            }
        }
        out[n++] = ch;
    }
    return str_make(out, n);
}

/* At most 64 bytes of a key for a message, cut at a character boundary. */
static int shown_len(struct str key)
{
    size_t n = key.len > 64 ? 64 : key.len;
    while (n < key.len && n > 0 && ((unsigned char)key.p[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* A quoted value after its opening quote; *esc when it holds a backslash. */
static int quoted(struct ingest__cur *c, struct str key, struct str *out, bool *esc, struct diag *d)
{
    size_t open = c->pos, i = c->pos;
    *esc = false;
    while (i < c->s.len && c->s.p[i] != '"') {
        if (c->s.p[i] == '\\' && i + 1 < c->s.len) {
            *esc = true;
            i++;
        }
        i++;
    }
    if (i >= c->s.len)
        return diag_set(
            d, E_PARSE, NULL,
            "column %zu: expected '\"' closing the value of '%.*s' opened at column %zu",
            c->s.len + 1, shown_len(key), key.p, open);
    *out = str_make(c->s.p + open, i - open);
    c->pos = i + 1;
    if (!ingest__eof(c) && !is_blank(ingest__peek(c)))
        return ingest__expected(d, E_PARSE, ingest__col(c), "a space after the closing '\"'");
    return 0;
}

/* The value after '='; adds the field when o is non-NULL. */
static int value(struct ingest__cur *c, struct str key, uint32_t id, struct ingest__out *o,
                 struct diag *d)
{
    struct str v;
    if (ingest__lit(c, '"')) {
        bool esc;
        int rc = quoted(c, key, &v, &esc, d);
        if (rc == 0 && o)
            ingest__put_str(o, id, esc ? unescape(v, o->ctx->arena) : v);
        return rc;
    }
    size_t start = c->pos;
    while (!ingest__eof(c) && !is_blank(ingest__peek(c)))
        c->pos++;
    v = str_make(c->s.p + start, c->pos - start);
    int64_t i;
    if (o && str_to_i64(v, &i) == 0)
        ingest__put_int(o, id, i);
    else if (o)
        ingest__put_str(o, id, v);
    return 0;
}

/*
 * Walk the pairs of a record. With o == NULL only validates; *n_values
 * counts the pairs that had a value (not bare keys), for probe().
 */
static int scan(struct ingest__cur *c, struct ingest__out *o, size_t *n_values, struct diag *d)
{
    *n_values = 0;
    for (skip_blanks(c); !ingest__eof(c); skip_blanks(c)) {
        size_t start = c->pos;
        while (!ingest__eof(c) && !is_blank(ingest__peek(c)) && ingest__peek(c) != '=' &&
               ingest__peek(c) != '"')
            c->pos++;
        struct str key = str_make(c->s.p + start, c->pos - start);
        if (key.len == 0)
            return ingest__expected(d, E_PARSE, start + 1, "a key");
        if (key.len > KV_KEY_MAX)
            return diag_set(d, E_TOOBIG, NULL, "column %zu: key longer than %d bytes", start + 1,
                            KV_KEY_MAX);
        uint32_t id = o ? field_intern(key) : F_NONE;
        if (ingest__peek(c) == '"')
            return ingest__expected(d, E_PARSE, ingest__col(c), "'=' or a space after a key");
        if (!ingest__lit(c, '=')) {
            if (o)
                ingest__put(o, id, value_bool(true));
        } else {
            int rc = value(c, key, id, o, d);
            if (rc)
                return rc;
            (*n_values)++;
        }
        if (o && o->rc)
            return o->rc;
    }
    return 0;
}

static int kv_decode(struct decoder_ctx *ctx, struct str line, struct event *ev, struct diag *d)
{
    if (str_trim(line).len == 0)
        return E_AGAIN; /* a blank line: nothing to store */
    struct ingest__cur c = {line, 0};
    size_t n;
    int rc = scan(&c, NULL, &n, d);
    if (rc)
        return rc;
    struct ingest__out o = {ctx, ev, d, 0};
    c.pos = 0;
    return scan(&c, &o, &n, d);
}

static bool is_ident_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '@';
}

static bool is_ident(char ch)
{
    return is_ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

/*
 * A kv line starts with an identifier and '=' and has at least two values.
 * That keeps syslog ("<13>Mar ..."), apache ("1.2.3.4 - - [...") and CEF
 * ("CEF:0|...") lines out even though their messages often contain pairs.
 */
static bool looks_kv(struct str line)
{
    size_t i = 0;
    while (i < line.len && is_blank(line.p[i]))
        i++;
    if (i >= line.len || !is_ident_start(line.p[i]))
        return false;
    while (i < line.len && is_ident(line.p[i]))
        i++;
    if (i >= line.len || line.p[i] != '=')
        return false;
    struct ingest__cur c = {line, 0};
    size_t n_values;
    return scan(&c, NULL, &n_values, NULL) == 0 && n_values >= 2;
}

static int kv_probe(const struct str *lines, size_t n)
{
    size_t seen = 0, hits = 0;
    for (size_t i = 0; i < n; i++) {
        if (str_trim(lines[i]).len == 0)
            continue;
        seen++;
        hits += looks_kv(lines[i]);
    }
    return seen && hits * 10 >= seen * 9 ? 70 : 0;
}

const struct decoder decoder_kv = {
    .name = "kv",
    .description = "key=value pairs and logfmt (quoted values, bare keys as true)",
    .probe = kv_probe,
    .decode = kv_decode,
};
