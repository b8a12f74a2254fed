#include "base/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---------------------------------------------------------- */

/* 0: copy as is; otherwise the escape letter, or 'u' for \u00XX. */
static const char escape_table[256] = {
    ['\b'] = 'b',  ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['"'] = '"',
    ['\\'] = '\\', [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u',  [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u',
    [0x10] = 'u',  [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u',
    [0x16] = 'u',  [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',
    [0x1c] = 'u',  [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', [0x7f] = 'u',
};

int json_write_escaped(struct buf *b, struct str s)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    for (size_t i = 0; i < s.len; i++) {
        char e = escape_table[(unsigned char)s.p[i]];
        if (e == 0)
            continue;
        buf_append(b, s.p + run, i - run);
        run = i + 1;
        if (e == 'u') {
            unsigned char c = (unsigned char)s.p[i];
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, u, 6);
        } else {
            char esc[2] = {'\\', e};
            buf_append(b, esc, 2);
        }
    }
    return buf_append(b, s.p + run, s.len - run);
}

int json_write_string(struct buf *b, struct str s)
{
    buf_putc(b, '"');
    json_write_escaped(b, s);
    return buf_putc(b, '"');
}

int json_write_double(struct buf *b, double v)
{
    if (!isfinite(v))
        return buf_append_c(b, "null");
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    /* Keep a float a float: "1" would read back as an integer. */
    if (n > 0 && strpbrk(tmp, ".eE") == NULL && (size_t)n + 2 < sizeof(tmp)) {
        tmp[n++] = '.';
        tmp[n++] = '0';
        tmp[n] = '\0';
    }
    return buf_append(b, tmp, n > 0 ? (size_t)n : 0);
}

/* ---- flattening scanner ----------------------------------------------- */

#define PATH_MAX_BYTES 1024

struct scan {
    const char *start, *p, *end;
    const struct json_flatten_opts *opts;
    struct arena *a;
    json_leaf_fn *fn;
    void *ctx;
    struct diag *d;
    uint32_t leaves;
    size_t max_path;
    char path[PATH_MAX_BYTES];
};

static int fail(struct scan *s, int code, const char *what)
{
    size_t col = (size_t)(s->p - s->start) + 1;
    if (s->p >= s->end)
        return diag_set(s->d, code, NULL, "column %zu: unexpected end of JSON, %s", col, what);
    return diag_set(s->d, code, NULL, "column %zu: %s", col, what);
}

static inline void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = (unsigned char)p[i], x;
        if (c >= '0' && c <= '9')
            x = c - '0';
        else if ((c | 32) >= 'a' && (c | 32) <= 'f')
            x = (c | 32) - 'a' + 10;
        else
            return -1;
        v = v << 4 | x;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Unescape the body [b, e) which is known to contain a backslash. */
static int unescape(struct scan *s, const char *b, const char *e, struct str *out)
{
    char *o = arena_alloc(s->a, (size_t)(e - b));
    size_t n = 0;
    for (const char *p = b; p < e;) {
        if (*p != '\\') {
            o[n++] = *p++;
            continue;
        }
        p++;
        char c = *p++;
        switch (c) {
        case '"':
            o[n++] = '"';
            break;
        case '\\':
            o[n++] = '\\';
            break;
        case '/':
            o[n++] = '/';
            break;
        case 'b':
            o[n++] = '\b';
            break;
        case 'f':
            o[n++] = '\f';
            break;
        case 'n':
            o[n++] = '\n';
            break;
        case 'r':
            o[n++] = '\r';
            break;
        case 't':
            o[n++] = '\t';
            break;
        case 'u': {
            unsigned cp = 0, lo = 0;
            hex4(p, &cp); /* validated by the scanner */
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF) {
                    s->p = p;
                    return fail(s, E_ENCODING, "unpaired UTF-16 surrogate in \\u escape");
                }
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                s->p = p;
                return fail(s, E_ENCODING, "unpaired UTF-16 surrogate in \\u escape");
            }
            if (cp == 0) {
                s->p = p;
                return fail(s, E_ENCODING, "\\u0000 (NUL) in a string");
            }
            n += put_utf8(o + n, cp);
            break;
        }
        default:
            break; /* rejected by the scanner */
        }
    }
    *out = str_make(o, n);
    return 0;
}

/* At the opening quote. On success s->p is past the closing quote. */
static int scan_string(struct scan *s, struct str *out)
{
    const char *b = ++s->p;
    int escaped = 0;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            const char *e = s->p++;
            if (!escaped) {
                *out = str_make(b, (size_t)(e - b));
                return 0;
            }
            return unescape(s, b, e, out);
        }
        if (c == '\\') {
            escaped = 1;
            if (s->end - s->p < 2)
                break;
            char x = s->p[1];
            if (x == 'u') {
                unsigned cp = 0;
                if (s->end - s->p < 6 || hex4(s->p + 2, &cp))
                    return fail(s, E_PARSE, "bad \\u escape: expected four hex digits");
                s->p += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", x) || x == 0)
                return fail(s, E_PARSE, "bad escape in string");
            s->p += 2;
            continue;
        }
        if (c < 0x20)
            return fail(s, E_PARSE, "control character in string");
        s->p++;
    }
    return fail(s, E_PARSE, "expected '\"' to close the string");
}

static int scan_number(struct scan *s, struct json_leaf_value *v)
{
    const char *b = s->p;
    const char *p = s->p;
    int is_float = 0;
    if (p < s->end && *p == '-')
        p++;
    if (p < s->end && *p == '0') {
        p++;
    } else if (p < s->end && *p >= '1' && *p <= '9') {
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    } else {
        s->p = p;
        return fail(s, E_PARSE, "expected a digit");
    }
    if (p < s->end && *p == '.') {
        is_float = 1;
        p++;
        if (p >= s->end || *p < '0' || *p > '9') {
            s->p = p;
            return fail(s, E_PARSE, "expected a digit after '.'");
        }
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < s->end && (*p == 'e' || *p == 'E')) {
        is_float = 1;
        p++;
        if (p < s->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= s->end || *p < '0' || *p > '9') {
            s->p = p;
            return fail(s, E_PARSE, "expected a digit in the exponent");
        }
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    }
    s->p = p;
    v->text = str_make(b, (size_t)(p - b));
    if (!is_float && str_to_i64(v->text, &v->ival) == 0) {
        v->kind = JSON_LEAF_INT;
        v->dval = (double)v->ival;
        return 0;
    }
    /* Floats, and integers too large for int64, travel as doubles. */
    char tmp[64];
    const char *num = v->text.len < sizeof(tmp) ? str_copy(v->text, tmp, sizeof(tmp))
                                                : arena_strndup(s->a, b, v->text.len);
    v->kind = JSON_LEAF_FLOAT;
    v->dval = strtod(num, NULL);
    return 0;
}

static int scan_value(struct scan *s, uint32_t depth, size_t plen);

static int emit(struct scan *s, size_t plen, const struct json_leaf_value *v)
{
    if (++s->leaves > s->opts->max_leaves)
        return fail(s, E_TOOBIG, "too many fields");
    return s->fn(s->ctx, str_make(s->path, plen), v);
}

/* Validate and skip a value without reporting leaves (inside arrays). */
static int skip_value(struct scan *s, uint32_t depth)
{
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, E_PARSE, "expected a value");
    char c = *s->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        if (depth + 1 > s->opts->max_depth)
            return fail(s, E_DEPTH, "JSON nested too deep");
        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        for (;;) {
            int rc;
            skip_ws(s);
            if (c == '{') {
                struct str key;
                if (s->p >= s->end || *s->p != '"')
                    return fail(s, E_PARSE, "expected '\"' to start an object key");
                if ((rc = scan_string(s, &key)))
                    return rc;
                skip_ws(s);
                if (s->p >= s->end || *s->p != ':')
                    return fail(s, E_PARSE, "expected ':' after an object key");
                s->p++;
            }
            if ((rc = skip_value(s, depth + 1)))
                return rc;
            skip_ws(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                continue;
            }
            if (s->p < s->end && *s->p == close) {
                s->p++;
                return 0;
            }
            return fail(s, E_PARSE, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    struct json_leaf_value v;
    if (c == '"') {
        struct str str;
        return scan_string(s, &str);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return scan_number(s, &v);
    static const struct {
        const char *lit;
        size_t len;
    } lits[] = {{"true", 4}, {"false", 5}, {"null", 4}};
    for (size_t i = 0; i < 3; i++) {
        if ((size_t)(s->end - s->p) >= lits[i].len && memcmp(s->p, lits[i].lit, lits[i].len) == 0) {
            s->p += lits[i].len;
            return 0;
        }
    }
    return fail(s, E_PARSE, "expected a value");
}

static int scan_object(struct scan *s, uint32_t depth, size_t plen)
{
    if (depth > s->opts->max_depth)
        return fail(s, E_DEPTH, "JSON nested too deep");
    s->p++; /* '{' */
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        if (plen == 0)
            return 0;
        struct json_leaf_value v = {.kind = JSON_LEAF_OBJECT_EMPTY, .text = STR_LIT("{}")};
        return emit(s, plen, &v);
    }
    for (;;) {
        int rc;
        struct str key;
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return fail(s, E_PARSE, "expected '\"' to start an object key");
        if ((rc = scan_string(s, &key)))
            return rc;
        size_t klen = plen + (plen ? 1 : 0) + key.len;
        if (klen > s->max_path)
            return fail(s, E_TOOBIG, "field path too long");
        if (plen)
            s->path[plen] = '.';
        memcpy(s->path + plen + (plen ? 1 : 0), key.p, key.len);
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return fail(s, E_PARSE, "expected ':' after an object key");
        s->p++;
        if ((rc = scan_value(s, depth, klen)))
            return rc;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return 0;
        }
        return fail(s, E_PARSE, "expected ',' or '}'");
    }
}

static int scan_value(struct scan *s, uint32_t depth, size_t plen)
{
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, E_PARSE, "expected a value");
    struct json_leaf_value v = {0};
    int rc;
    const char *b = s->p;
    switch (*s->p) {
    case '{':
        return scan_object(s, depth + 1, plen);
    case '[':
        if ((rc = skip_value(s, depth)))
            return rc;
        v.kind = JSON_LEAF_ARRAY;
        v.text = str_make(b, (size_t)(s->p - b));
        return emit(s, plen, &v);
    case '"':
        if ((rc = scan_string(s, &v.text)))
            return rc;
        v.kind = JSON_LEAF_STRING;
        return emit(s, plen, &v);
    case 't':
    case 'f':
    case 'n':
        if ((rc = skip_value(s, depth)))
            return rc;
        v.text = str_make(b, (size_t)(s->p - b));
        v.kind = *b == 't' ? JSON_LEAF_TRUE : *b == 'f' ? JSON_LEAF_FALSE : JSON_LEAF_NULL;
        return emit(s, plen, &v);
    default:
        /* As in arrays: '}', "True" or "'x'" is a missing value, not a malformed number. */
        if (*s->p != '-' && (*s->p < '0' || *s->p > '9'))
            return fail(s, E_PARSE, "expected a value");
        if ((rc = scan_number(s, &v)))
            return rc;
        return emit(s, plen, &v);
    }
}

int json_flatten(struct str in, const struct json_flatten_opts *opts, struct arena *a,
                 json_leaf_fn *fn, void *ctx, struct diag *d)
{
    struct scan s;
    s.start = s.p = in.p;
    s.end = in.p + in.len;
    s.opts = opts;
    s.a = a;
    s.fn = fn;
    s.ctx = ctx;
    s.d = d;
    s.leaves = 0;
    s.max_path = opts->max_path_bytes < PATH_MAX_BYTES ? opts->max_path_bytes : PATH_MAX_BYTES;
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return fail(&s, E_PARSE, "expected '{' to start a JSON object");
    int rc = scan_object(&s, 1, 0);
    if (rc)
        return rc;
    skip_ws(&s);
    if (s.p != s.end)
        return fail(&s, E_PARSE, "unexpected data after the JSON object");
    return 0;
}
