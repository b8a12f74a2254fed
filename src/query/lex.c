/*
 * lex.c - the query language's tokens.
 *
 * The lexer is pulled by the parser one token at a time, in the mode the
 * grammar needs at that point (see enum query__lexmode), and keeps no state
 * of its own: a token is an offset and a length into the query text, so
 * peeking ahead is lexing from a later offset. Escapes are resolved only
 * when the parser asks for a token's value (query__unescape).
 */
#include "query/query_int.h"

#include <stdio.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Characters that end a word in TERM mode (besides spaces). */
static bool ends_term_word(struct str s, size_t i)
{
    char c = s.p[i];
    switch (c) {
    case '(':
    case ')':
    case '|':
    case ',':
    case ':':
    case '=':
    case '<':
    case '>':
        return true;
    case '!':
        return i + 1 < s.len && s.p[i + 1] == '=';
    default:
        return is_space(c);
    }
}

static bool ends_value_word(char c, enum query__lexmode mode)
{
    return c == '(' || c == ')' || c == '|' || (c == ',' && mode == QLEX_LIST) || is_space(c);
}

/* Characters a backslash makes literal outside quotes; before anything else it is itself. */
static bool escapable_in_word(char c)
{
    return strchr(" \t()|,:=<>!\"'`*?\\", c) != NULL;
}

static bool escapable_in_quotes(char c, char quote)
{
    return c == quote || c == '\\' || c == '*' || c == '?';
}

static int lex_quoted(struct str s, size_t i, char quote, struct query__token *t, struct diag *d)
{
    size_t j = i + 1;
    while (j < s.len && s.p[j] != quote) {
        if (s.p[j] == '\\' && j + 1 < s.len)
            j++;
        j++;
    }
    if (j >= s.len) {
        const char *what = quote == '`' ? "field name" : "string";
        return diag_set(d, E_PARSE, "query", "column %u: unterminated %s; expected a closing '%c'",
                        query__column(s, i), what, quote);
    }
    t->kind = quote == '`' ? QTOK_NAME : QTOK_STRING;
    t->off = i;
    t->len = j + 1 - i;
    return 0;
}

static void lex_operator(struct str s, size_t i, struct query__token *t)
{
    char c = s.p[i];
    char n = i + 1 < s.len ? s.p[i + 1] : '\0';
    t->off = i;
    t->len = 1;
    switch (c) {
    case ':':
        t->kind = QTOK_COLON;
        break;
    case '=':
        t->kind = QTOK_EQ;
        t->len = n == '=' ? 2 : 1;
        break;
    case '!':
        t->kind = QTOK_NE; /* only reached with '=' following */
        t->len = 2;
        break;
    case '<':
        t->kind = n == '=' ? QTOK_LE : n == '>' ? QTOK_NE : QTOK_LT;
        t->len = (n == '=' || n == '>') ? 2 : 1;
        break;
    default: /* '>' */
        t->kind = n == '=' ? QTOK_GE : QTOK_GT;
        t->len = n == '=' ? 2 : 1;
        break;
    }
}

int query__lex(struct str s, size_t pos, enum query__lexmode mode, struct query__token *t,
               struct diag *d)
{
    size_t i = pos;
    while (i < s.len && is_space(s.p[i]))
        i++;
    if (i >= s.len) {
        *t = (struct query__token){QTOK_EOF, s.len, 0};
        return 0;
    }
    char c = s.p[i];
    switch (c) {
    case '(':
        *t = (struct query__token){QTOK_LPAREN, i, 1};
        return 0;
    case ')':
        *t = (struct query__token){QTOK_RPAREN, i, 1};
        return 0;
    case '|':
        *t = (struct query__token){QTOK_PIPE, i, 1};
        return 0;
    case ',':
        *t = (struct query__token){QTOK_COMMA, i, 1};
        return 0;
    case '"':
    case '\'':
    case '`':
        return lex_quoted(s, i, c, t, d);
    default:
        break;
    }
    if (mode == QLEX_TERM && ends_term_word(s, i)) {
        lex_operator(s, i, t);
        return 0;
    }
    size_t j = i;
    while (j < s.len) {
        if (s.p[j] == '\\' && j + 1 < s.len && escapable_in_word(s.p[j + 1])) {
            j += 2;
            continue;
        }
        if (mode == QLEX_TERM ? ends_term_word(s, j) : ends_value_word(s.p[j], mode))
            break;
        j++;
    }
    *t = (struct query__token){QTOK_WORD, i, j - i};
    return 0;
}

uint32_t query__column(struct str s, size_t off)
{
    uint32_t col = 1;
    for (size_t i = 0; i < off && i < s.len; i++)
        if (((unsigned char)s.p[i] & 0xC0) != 0x80)
            col++;
    return col;
}

void query__describe(struct str s, const struct query__token *t, char *out, size_t cap)
{
    if (t->kind == QTOK_EOF) {
        snprintf(out, cap, "end of query");
        return;
    }
    /* Show at most 40 bytes, cut on a character boundary, control bytes as '?'. */
    enum { SHOW = 40 };
    char tmp[SHOW + 1];
    size_t n = t->len <= SHOW ? t->len : SHOW;
    while (n < t->len && n > 0 && ((unsigned char)s.p[t->off + n] & 0xC0) == 0x80)
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s.p[t->off + i];
        tmp[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    tmp[n] = '\0';
    snprintf(out, cap, "'%s%s'", tmp, n < t->len ? "..." : "");
}

struct str query__token_body(struct str s, const struct query__token *t)
{
    if (t->kind == QTOK_STRING || t->kind == QTOK_NAME)
        return str_make(s.p + t->off + 1, t->len - 2);
    return str_make(s.p + t->off, t->len);
}

bool query__is_word(struct str s, const struct query__token *t, const char *kw)
{
    return t->kind == QTOK_WORD && str_eq_nocase(str_make(s.p + t->off, t->len), str_c(kw));
}

/*
 * One pass computes both the flag and, when asked, the output. A backslash
 * escapes the next character only where the lexer let it (escapable_*);
 * otherwise it is an ordinary character, so C:\Windows needs no doubling.
 */
static size_t unescape_into(struct str body, char quote, bool pattern, char *out, bool *wild)
{
    size_t k = 0;
    *wild = false;
    for (size_t i = 0; i < body.len; i++) {
        char c = body.p[i];
        bool escaped = false;
        if (c == '\\' && i + 1 < body.len &&
            (quote ? escapable_in_quotes(body.p[i + 1], quote)
                   : escapable_in_word(body.p[i + 1]))) {
            c = body.p[++i];
            escaped = true;
        }
        if (!escaped && (c == '*' || c == '?'))
            *wild = true;
        /* In a pattern, literal metacharacters keep (or gain) a backslash. */
        bool meta = c == '*' || c == '?' || c == '\\';
        if (pattern && meta && (escaped || c == '\\')) {
            if (out)
                out[k] = '\\';
            k++;
        }
        if (out)
            out[k] = c;
        k++;
    }
    return k;
}

struct str query__unescape(struct arena *a, struct str s, const struct query__token *t,
                           bool pattern, bool *wild)
{
    struct str body = query__token_body(s, t);
    char quote = t->kind == QTOK_WORD ? '\0' : s.p[t->off];
    size_t n = unescape_into(body, quote, pattern, NULL, wild);
    if (n == body.len && memchr(body.p, '\\', body.len) == NULL)
        return body; /* nothing to rewrite: the slice into the text will do */
    char *out = arena_alloc(a, n + 1);
    unescape_into(body, quote, pattern, out, wild);
    out[n] = '\0';
    return str_make(out, n);
}
