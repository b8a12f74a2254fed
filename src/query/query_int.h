/*
 * query_int.h - shared inside src/query: the lexer, the parser state and
 * the time helpers. Not for use outside the module.
 */
#ifndef VIGIL_QUERY_QUERY_INT_H
#define VIGIL_QUERY_QUERY_INT_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "query/ir.h"
#include "query/query.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- lexer (lex.c) ------------------------------------------------------- */

enum query__tok {
    QTOK_EOF,
    QTOK_WORD,   /* bare word; may hold backslash escapes */
    QTOK_STRING, /* "..." or '...' */
    QTOK_NAME,   /* `...`: a field name */
    QTOK_LPAREN,
    QTOK_RPAREN,
    QTOK_PIPE,
    QTOK_COMMA,
    QTOK_COLON,
    QTOK_EQ, /* = or == */
    QTOK_NE, /* != or <> */
    QTOK_LT,
    QTOK_LE,
    QTOK_GT,
    QTOK_GE,
};

/*
 * Words end at different characters depending on what the parser expects:
 * in TERM mode at operators too (`a:b` is three tokens), in VALUE mode only
 * at spaces, parentheses and '|' (`2001:db8::/32`, `a=b`, `a,b` are values),
 * in LIST mode (values inside `f:( ... )`) also at ','.
 */
enum query__lexmode {
    QLEX_TERM,
    QLEX_VALUE,
    QLEX_LIST,
};

struct query__token {
    enum query__tok kind;
    size_t off; /* byte offset in the text */
    size_t len; /* raw length, quotes included */
};

/* Lex the token at or after byte `pos`. 0, or E_PARSE for an unterminated quote. */
int query__lex(struct str text, size_t pos, enum query__lexmode mode, struct query__token *t,
               struct diag *d);
/* 1-based column (in characters) of byte offset off. */
uint32_t query__column(struct str text, size_t off);
/* "'|'", "end of query", "'foo'" (shortened) for messages. */
void query__describe(struct str text, const struct query__token *t, char *out, size_t cap);
/* The text of a token without quotes, escapes still in. */
struct str query__token_body(struct str text, const struct query__token *t);
/*
 * Resolve escapes in a WORD, STRING or NAME. With pattern set the result is
 * the canonical wildcard pattern (ir.h), else the literal text; *wild tells
 * whether an unescaped '*' or '?' occurred. Allocates in a when needed.
 */
struct str query__unescape(struct arena *a, struct str text, const struct query__token *t,
                           bool pattern, bool *wild);
/* Case-insensitive comparison of a word token with a keyword. */
bool query__is_word(struct str text, const struct query__token *t, const char *kw);

/* ---- times (timespec.c) ------------------------------------------------- */

/*
 * A point in time: now, -24h, +1d, -7d@d, @w1, 2024-01-01T00:00:00Z, 2024-01-01,
 * or epoch seconds. 0, E_PARSE or E_RANGE.
 */
int query__parse_time(struct str s, int64_t now_ns, int64_t *out);
/* A positive duration: 30s, 5m, 1h, 1d, 2w; a bare number is seconds. 0, E_PARSE or E_RANGE. */
int query__parse_span(struct str s, int64_t *ns);
/* RFC 3339 with 0 or 9 fraction digits as needed. Returns out. */
char *query__format_time(int64_t ns, char *out, size_t cap);

/* ---- parser (parse.c, stage.c) ------------------------------------------ */

struct query__parser {
    struct query *q;
    struct arena *a;
    struct str text;
    struct query_opts o; /* caps resolved */
    struct diag *d;
    struct query__token tok; /* current token */
    uint32_t depth;
    uint32_t n_terms;
    /* The rows the current stage reads: events, or a table of columns. */
    bool rows_events;
    struct query_column *cols;
    size_t n_cols;
    const char *cols_from; /* the stage that made the table, for messages */
    bool in_stage;         /* parsing a where/search stage, not the main search */
    /* Placeholders for earliest=/latest= terms, hoisted after the filter parses. */
    struct query_node *bounds[2];
    uint32_t bound_col[2];
    bool has_bound[2];
    /* Last column computed, so that columns of increasing offsets cost O(length) in all. */
    size_t col_off;
    uint32_t col_val;
};

/* 1-based column of byte offset off in p->text (query__column, cached). */
uint32_t query__col(struct query__parser *p, size_t off);

/* Move to the next token, lexed in `mode`. */
int query__advance(struct query__parser *p, enum query__lexmode mode);
/* Lex the token after the current one without consuming anything. */
int query__peek(struct query__parser *p, enum query__lexmode mode, struct query__token *t);
int query__peek_at(struct query__parser *p, const struct query__token *after,
                   enum query__lexmode mode, struct query__token *t);
/* Fail with "column N: <what>, found <current token>" (E_PARSE). */
int query__expected(struct query__parser *p, const struct query__token *at, const char *what);
/* Fail with code and "column N: <fmt...>". */
int query__fail(struct query__parser *p, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Parse an or-expression up to the end of the stage or a ')'. */
int query__parse_expr(struct query__parser *p, struct query_node **out);
/* A field name token (WORD, STRING or NAME) at the current position, resolved
 * against the rows being read. Consumes the token. */
int query__parse_field(struct query__parser *p, struct query_field *out);
/* Resolve a field name against the rows being read; 0 or E_PARSE at `off`. */
int query__resolve_field(struct query__parser *p, struct str name, size_t off,
                         struct query_field *out);
/* Turn the byte offsets kept in node->col while parsing into 1-based columns. */
void query__fix_columns(struct query__parser *p, struct query_node *n);
/* Parse the stages after the first '|'. */
int query__parse_stages(struct query__parser *p);

#endif
