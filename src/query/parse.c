/*
 * parse.c - recursive-descent parser for the search expression and the
 * driver for a whole query. Pipe stages are in stage.c.
 *
 *   or_expr  = and_expr { OR and_expr }
 *   and_expr = not_expr { [AND] not_expr }
 *   not_expr = NOT not_expr | primary
 *   primary  = "(" or_expr ")" | EXISTS field | comparison | word | phrase
 *
 * (The full grammar with examples is docs/query.md.) Each function starts
 * at its first token and leaves p->tok on the token after what it parsed.
 */
#include "query/query_int.h"
#include "base/clock.h"
#include "base/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- parser plumbing ---------------------------------------------------- */

int query__advance(struct query__parser *p, enum query__lexmode mode)
{
    return query__lex(p->text, p->tok.off + p->tok.len, mode, &p->tok, p->d);
}

int query__peek_at(struct query__parser *p, const struct query__token *after,
                   enum query__lexmode mode, struct query__token *t)
{
    return query__lex(p->text, after->off + after->len, mode, t, p->d);
}

int query__peek(struct query__parser *p, enum query__lexmode mode, struct query__token *t)
{
    return query__peek_at(p, &p->tok, mode, t);
}

int query__fail(struct query__parser *p, int code, size_t off, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return diag_set(p->d, code, "query", "column %u: %s", query__column(p->text, off), msg);
}

int query__expected(struct query__parser *p, const struct query__token *at, const char *what)
{
    char found[64];
    query__describe(p->text, at, found, sizeof(found));
    return query__fail(p, E_PARSE, at->off, "expected %s, found %s", what, found);
}

static int count_term(struct query__parser *p, size_t off)
{
    if (++p->n_terms > p->o.max_terms)
        return query__fail(p, E_TOOBIG, off, "the query has more than %u terms", p->o.max_terms);
    return 0;
}

static int enter(struct query__parser *p, size_t off)
{
    if (++p->depth > p->o.max_depth)
        return query__fail(p, E_TOOBIG, off, "the query nests deeper than %u levels",
                           p->o.max_depth);
    return 0;
}

static bool is_keyword(struct query__parser *p, const struct query__token *t)
{
    return query__is_word(p->text, t, "and") || query__is_word(p->text, t, "or") ||
           query__is_word(p->text, t, "not");
}

/* Can the current token start a term (after 'and', 'not', or implicitly)? */
static bool starts_term(struct query__parser *p)
{
    switch (p->tok.kind) {
    case QTOK_WORD:
        return !query__is_word(p->text, &p->tok, "or") && !query__is_word(p->text, &p->tok, "and");
    case QTOK_STRING:
    case QTOK_NAME:
    case QTOK_LPAREN:
        return true;
    default:
        return false;
    }
}

static bool is_cmp_op(enum query__tok k)
{
    return k >= QTOK_COLON && k <= QTOK_GE;
}

static const char *op_text(enum query__tok k)
{
    static const char *const t[] = {":", "=", "!=", "<", "<=", ">", ">="};
    return is_cmp_op(k) ? t[k - QTOK_COLON] : "?";
}

static void nodes_push(struct query__parser *p, struct query_node ***v, size_t *n, size_t *cap,
                       struct query_node *x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        struct query_node **nv = arena_alloc(p->a, nc * sizeof(*nv));
        if (*n)
            memcpy(nv, *v, *n * sizeof(*nv));
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
}

/* ---- fields ------------------------------------------------------------- */

int query__resolve_field(struct query__parser *p, struct str name, size_t off,
                         struct query_field *out)
{
    if (p->rows_events) {
        *out = query_field_make(p->a, name, p->o.intern_fields);
        return 0;
    }
    for (size_t i = 0; i < p->n_cols; i++) {
        if (str_eq(p->cols[i].name, name)) {
            *out = (struct query_field){.kind = QUERY_F_COLUMN, .col = (uint32_t)i};
            out->name = p->cols[i].name;
            out->label = p->cols[i].name;
            return 0;
        }
    }
    char list[200];
    size_t k = 0;
    list[0] = '\0';
    for (size_t i = 0; i < p->n_cols && k + 8 < sizeof(list); i++) {
        int n =
            snprintf(list + k, sizeof(list) - k, "%s%.*s", i ? ", " : "", STR_FMT(p->cols[i].name));
        k = n < 0 ? k : k + (size_t)n >= sizeof(list) ? sizeof(list) - 1 : k + (size_t)n;
    }
    return query__fail(p, E_PARSE, off, "unknown field '%.*s'; after '%s' the fields are: %s",
                       (int)(name.len > 64 ? 64 : name.len), name.p, p->cols_from, list);
}

int query__parse_field(struct query__parser *p, struct query_field *out)
{
    struct query__token t = p->tok;
    if (t.kind != QTOK_WORD && t.kind != QTOK_STRING && t.kind != QTOK_NAME)
        return query__expected(p, &t, "a field name");
    bool wild;
    struct str name = query__unescape(p->a, p->text, &t, false, &wild);
    if (wild && t.kind == QTOK_WORD)
        return query__fail(p, E_PARSE, t.off, "wildcards are not allowed in field names");
    if (name.len == 0)
        return query__fail(p, E_PARSE, t.off, "empty field name");
    int rc = query__resolve_field(p, name, t.off, out);
    if (rc)
        return rc;
    return query__advance(p, QLEX_TERM);
}

static bool field_is_time(const struct query__parser *p, const struct query_field *f)
{
    if (f->kind == QUERY_F_TIME || f->kind == QUERY_F_INGEST_TIME)
        return true;
    return f->kind == QUERY_F_COLUMN && p->cols[f->col].type == QUERY_C_TIME;
}

/* ---- values ------------------------------------------------------------- */

static struct query_node *mark(struct query_node *n, size_t col)
{
    n->col = (uint32_t)col;
    return n;
}

/* `f != x` means "f exists and is not x", like Splunk; NOT f=x also matches events without f. */
static struct query_node *negate(struct query__parser *p, const struct query_field *f,
                                 struct query_node *n, size_t col)
{
    struct query_node *kids[2] = {mark(query_node_exists(p->a, f), col),
                                  mark(query_node_not(p->a, n), col)};
    return mark(query_node_list(p->a, QUERY_N_AND, kids, 2), col);
}

static int time_value(struct query__parser *p, const struct query__token *t, const char *after,
                      int64_t *ns)
{
    bool wild;
    struct str s = query__unescape(p->a, p->text, t, false, &wild);
    int rc = query__parse_time(s, p->o.now_ns, ns);
    if (rc == E_RANGE)
        return query__fail(p, E_RANGE, t->off, "time '%.*s' is out of range",
                           (int)(s.len > 64 ? 64 : s.len), s.p);
    if (rc) {
        char what[128];
        snprintf(what, sizeof(what),
                 "a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after '%s'", after);
        return query__expected(p, t, what);
    }
    return 0;
}

/* Is this unquoted word the name of a column of the table being read? */
static bool names_column(struct query__parser *p, const struct query__token *t)
{
    if (p->rows_events || t->kind != QTOK_WORD)
        return false;
    struct str s = query__token_body(p->text, t);
    for (size_t i = 0; i < p->n_cols; i++)
        if (str_eq(p->cols[i].name, s))
            return true;
    return false;
}

/* Classify an unquoted word: number, network, boolean, or else text. */
static enum query_vtype classify(struct query__parser *p, struct str lit, struct query_value *v)
{
    if (str_to_i64(lit, &v->i) == 0)
        return QUERY_V_INT;
    if (lit.len &&
        (lit.p[0] == '-' || lit.p[0] == '+' || lit.p[0] == '.' ||
         (lit.p[0] >= '0' && lit.p[0] <= '9')) &&
        str_to_double(lit, &v->f) == 0)
        return QUERY_V_FLOAT;
    if (str_index(lit, '/') > 0 && query_value_cidr(p->a, lit, v) == 0)
        return QUERY_V_CIDR;
    if (str_eq_nocase(lit, STR_LIT("true")) || str_eq_nocase(lit, STR_LIT("false"))) {
        v->b = lit.p[0] == 't' || lit.p[0] == 'T';
        return QUERY_V_BOOL;
    }
    return QUERY_V_STR;
}

/*
 * One comparison `f <op> <value token>`; op is EQ, NE or an ordering. The
 * token decides the value's type (see docs/query.md, "Values").
 */
static int build_cmp(struct query__parser *p, const struct query_field *f, enum query_op op,
                     const char *optext, const struct query__token *t, size_t col,
                     struct query_node **out)
{
    int rc = count_term(p, t->off);
    if (rc)
        return rc;
    if (t->kind == QTOK_NAME || names_column(p, t)) { /* compare two fields */
        struct query_field rhs;
        bool wild;
        struct str name = query__unescape(p->a, p->text, t, false, &wild);
        if ((rc = query__resolve_field(p, name, t->off, &rhs)))
            return rc;
        *out = mark(query_node_cmp_field(p->a, f, op, &rhs, false), col);
        return 0;
    }
    bool wild;
    struct str pat = query__unescape(p->a, p->text, t, true, &wild);
    if (wild) {
        bool star = pat.len == 1 && pat.p[0] == '*';
        if (op != QUERY_OP_EQ && op != QUERY_OP_NE)
            return query__fail(p, E_PARSE, t->off, "wildcards only work with ':', '=' and '!='");
        struct query_node *n;
        if (star) {
            n = mark(query_node_exists(p->a, f), col);
            *out = op == QUERY_OP_NE ? mark(query_node_not(p->a, n), col) : n;
            return 0;
        }
        struct query_value v = {.type = QUERY_V_STR, .text = pat};
        n = mark(query_node_cmp(p->a, f, QUERY_OP_WILDCARD, &v, false), col);
        *out = op == QUERY_OP_NE ? negate(p, f, n, col) : n;
        return 0;
    }
    struct query_value v = {.type = QUERY_V_STR};
    if (field_is_time(p, f)) {
        if ((rc = time_value(p, t, optext, &v.ns)))
            return rc;
        v.type = QUERY_V_TIME;
        v.text = query__token_body(p->text, t);
        *out = mark(query_node_cmp(p->a, f, op, &v, false), col);
        return 0;
    }
    v.text = query__unescape(p->a, p->text, t, false, &wild);
    if (t->kind == QTOK_WORD)
        v.type = classify(p, v.text, &v);
    if (v.type == QUERY_V_CIDR) {
        if (op != QUERY_OP_EQ && op != QUERY_OP_NE)
            return query__fail(p, E_PARSE, t->off,
                               "a network (CIDR) only works with ':', '=' and '!='");
        struct query_node *n = mark(query_node_cmp(p->a, f, QUERY_OP_CIDR, &v, false), col);
        *out = op == QUERY_OP_NE ? negate(p, f, n, col) : n;
        return 0;
    }
    if (v.type == QUERY_V_BOOL && op != QUERY_OP_EQ && op != QUERY_OP_NE)
        v.type = QUERY_V_STR;
    *out = mark(query_node_cmp(p->a, f, op, &v, false), col);
    return 0;
}

/* `( v1 or v2, v3 )` after `f:`, `f=`, `f!=` or `f in`. Starts at '('. */
static int parse_list(struct query__parser *p, const struct query_field *f, bool ne,
                      const char *optext, size_t col, struct query_node **out)
{
    struct query__token lp = p->tok;
    struct query_node **kids = NULL;
    size_t n = 0, cap = 0;
    int rc = query__advance(p, QLEX_LIST);
    for (; rc == 0;) {
        if (p->tok.kind != QTOK_WORD && p->tok.kind != QTOK_STRING)
            return query__expected(p, &p->tok, "a value in the list");
        if (n >= p->o.max_list)
            return query__fail(p, E_TOOBIG, p->tok.off, "the list has more than %u values",
                               p->o.max_list);
        struct query_node *kid;
        if ((rc = build_cmp(p, f, QUERY_OP_EQ, optext, &p->tok, p->tok.off, &kid)))
            return rc;
        nodes_push(p, &kids, &n, &cap, kid);
        if ((rc = query__advance(p, QLEX_LIST)))
            return rc;
        if (p->tok.kind == QTOK_RPAREN)
            break;
        if (p->tok.kind != QTOK_COMMA && !query__is_word(p->text, &p->tok, "or")) {
            char what[96];
            snprintf(what, sizeof(what), "'or', ',' or ')' to close the list at column %u",
                     query__column(p->text, lp.off));
            return query__expected(p, &p->tok, what);
        }
        rc = query__advance(p, QLEX_LIST);
    }
    if (rc)
        return rc;
    struct query_node *any = mark(query_node_list(p->a, QUERY_N_OR, kids, n), col);
    *out = ne ? negate(p, f, any, col) : any;
    return query__advance(p, QLEX_TERM);
}

/* ---- terms -------------------------------------------------------------- */

static const struct {
    const char *word;
    enum query_op op;
    bool list;
} word_ops[] = {
    {"contains", QUERY_OP_CONTAINS, false},
    {"startswith", QUERY_OP_STARTSWITH, false},
    {"endswith", QUERY_OP_ENDSWITH, false},
    {"matches", QUERY_OP_REGEX, false},
    {"in", QUERY_OP_EQ, true},
};

/* The word operator at t, if t is one and a suitable operand follows it. */
static int word_op(struct query__parser *p, const struct query__token *t)
{
    if (t->kind != QTOK_WORD)
        return -1;
    for (size_t i = 0; i < sizeof(word_ops) / sizeof(word_ops[0]); i++) {
        if (!query__is_word(p->text, t, word_ops[i].word))
            continue;
        struct query__token after;
        if (query__peek_at(p, t, QLEX_VALUE, &after) != 0)
            return -1;
        if (word_ops[i].list ? after.kind == QTOK_LPAREN
                             : (after.kind == QTOK_STRING ||
                                (after.kind == QTOK_WORD && !is_keyword(p, &after))))
            return (int)i;
        return -1;
    }
    return -1;
}

/* The operand of contains/startswith/endswith (literal) or matches (verbatim regex). */
static struct str word_op_value(struct query__parser *p, const struct query__token *t, bool regex)
{
    bool wild;
    if (!regex)
        return query__unescape(p->a, p->text, t, false, &wild);
    struct str body = query__token_body(p->text, t);
    if (t->kind == QTOK_WORD)
        return body;
    /* Only an escaped quote is unescaped: a regex keeps its backslashes. */
    char q = p->text.p[t->off];
    char *out = arena_alloc(p->a, body.len + 1);
    size_t k = 0;
    for (size_t i = 0; i < body.len; i++) {
        if (body.p[i] == '\\' && i + 1 < body.len && body.p[i + 1] == q)
            i++;
        out[k++] = body.p[i];
    }
    out[k] = '\0';
    return str_make(out, k);
}

static int parse_word_op(struct query__parser *p, int which, size_t col, struct query_node **out)
{
    struct query_field f;
    int rc = query__parse_field(p, &f); /* now at the operator word */
    if (rc || (rc = query__advance(p, QLEX_VALUE)))
        return rc;
    if (word_ops[which].list)
        return parse_list(p, &f, false, word_ops[which].word, col, out);
    if ((rc = count_term(p, p->tok.off)))
        return rc;
    struct query_value v = {.type = QUERY_V_STR};
    v.text = word_op_value(p, &p->tok, word_ops[which].op == QUERY_OP_REGEX);
    if (v.text.len == 0)
        return query__fail(p, E_PARSE, p->tok.off, "empty value after '%s'", word_ops[which].word);
    *out = mark(query_node_cmp(p->a, &f, word_ops[which].op, &v, false), col);
    return query__advance(p, QLEX_TERM);
}

/* earliest=<time> / latest=<time>: sets the range; leaves a placeholder to hoist. */
static int parse_bound(struct query__parser *p, int which, struct query_node **out)
{
    const char *name = which == 0 ? "earliest" : "latest";
    size_t off = p->tok.off;
    if (p->in_stage)
        return query__fail(p, E_PARSE, off,
                           "'%s' sets the time range of the search; put it before the first '|'",
                           name);
    if (p->has_bound[which])
        return query__fail(p, E_PARSE, off, "'%s' is given twice", name);
    int rc = query__advance(p, QLEX_TERM); /* the operator */
    if (rc || (rc = query__advance(p, QLEX_VALUE)))
        return rc;
    char after[16];
    snprintf(after, sizeof(after), "%s=", name);
    if (p->tok.kind != QTOK_WORD && p->tok.kind != QTOK_STRING) {
        char what[128];
        snprintf(what, sizeof(what),
                 "a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after '%s'", after);
        return query__expected(p, &p->tok, what);
    }
    int64_t ns;
    if ((rc = time_value(p, &p->tok, after, &ns)))
        return rc;
    if (which == 0)
        p->q->earliest_ns = ns;
    else
        p->q->latest_ns = ns;
    p->has_bound[which] = true;
    p->bound_col[which] = (uint32_t)off;
    /* An EXISTS of an empty name: no constructor simplifies it away by accident. */
    struct query_field none = {.kind = QUERY_F_EVENT, .name = STR_LIT(""), .label = STR_LIT("")};
    p->bounds[which] = mark(query_node_exists(p->a, &none), off);
    *out = p->bounds[which];
    return query__advance(p, QLEX_TERM);
}

static int parse_term(struct query__parser *p, struct query_node **out)
{
    struct query__token ft = p->tok, nt;
    size_t col = ft.off;
    int rc = query__peek(p, QLEX_TERM, &nt);
    if (rc)
        return rc;
    if (is_cmp_op(nt.kind)) {
        bool plain = ft.kind == QTOK_WORD && (nt.kind == QTOK_EQ || nt.kind == QTOK_COLON);
        if (plain && p->rows_events && query__is_word(p->text, &ft, "earliest"))
            return parse_bound(p, 0, out);
        if (plain && p->rows_events && query__is_word(p->text, &ft, "latest"))
            return parse_bound(p, 1, out);
        struct query_field f;
        if ((rc = query__parse_field(p, &f)) || (rc = query__advance(p, QLEX_VALUE)))
            return rc;
        static const enum query_op ops[] = {QUERY_OP_EQ, QUERY_OP_EQ, QUERY_OP_NE, QUERY_OP_LT,
                                            QUERY_OP_LE, QUERY_OP_GT, QUERY_OP_GE};
        enum query_op op = ops[nt.kind - QTOK_COLON];
        const char *optext = op_text(nt.kind);
        if (p->tok.kind == QTOK_LPAREN && (op == QUERY_OP_EQ || op == QUERY_OP_NE))
            return parse_list(p, &f, op == QUERY_OP_NE, optext, col, out);
        if (p->tok.kind != QTOK_WORD && p->tok.kind != QTOK_STRING && p->tok.kind != QTOK_NAME) {
            char what[48];
            snprintf(what, sizeof(what), "a value after '%s'", optext);
            return query__expected(p, &p->tok, what);
        }
        if ((rc = build_cmp(p, &f, op, optext, &p->tok, col, out)))
            return rc;
        return query__advance(p, QLEX_TERM);
    }
    int which = word_op(p, &nt);
    if (which >= 0)
        return parse_word_op(p, which, col, out);
    if (query__is_word(p->text, &ft, "exists") && (nt.kind == QTOK_STRING || nt.kind == QTOK_NAME ||
                                                   (nt.kind == QTOK_WORD && !is_keyword(p, &nt)))) {
        struct query_field f;
        if ((rc = query__advance(p, QLEX_TERM)) || (rc = count_term(p, nt.off)) ||
            (rc = query__parse_field(p, &f)))
            return rc;
        *out = mark(query_node_exists(p->a, &f), col);
        return 0;
    }
    if (ft.kind == QTOK_NAME)
        return query__expected(p, &nt, "an operator such as ':' or '=' after the field name");
    if (!p->rows_events)
        return query__fail(p, E_PARSE, ft.off,
                           "full-text search needs events; after '%s' compare a field, "
                           "e.g. count > 5",
                           p->cols_from);
    /* Full text: a word or a "quoted phrase". */
    if ((rc = count_term(p, ft.off)))
        return rc;
    bool wild;
    struct str pat = query__unescape(p->a, p->text, &ft, true, &wild);
    struct str text = wild ? pat : query__unescape(p->a, p->text, &ft, false, &wild);
    if (text.len == 0)
        return query__fail(p, E_PARSE, ft.off, "empty search phrase");
    size_t stars = 0;
    while (stars < text.len && text.p[stars] == '*')
        stars++;
    if (wild && stars == text.len)
        *out = mark(query_node_const(p->a, true), col); /* `*` alone: every event */
    else
        *out = mark(query_node_fulltext(p->a, text, wild), col);
    return query__advance(p, QLEX_TERM);
}

/* ---- expressions -------------------------------------------------------- */

static int parse_or(struct query__parser *p, struct query_node **out);

static int parse_primary(struct query__parser *p, struct query_node **out)
{
    if (p->tok.kind == QTOK_LPAREN) {
        struct query__token lp = p->tok;
        int rc = enter(p, lp.off);
        if (rc || (rc = query__advance(p, QLEX_TERM)))
            return rc;
        if (!starts_term(p))
            return query__expected(p, &p->tok, "a search term after '('");
        if ((rc = parse_or(p, out)))
            return rc;
        if (p->tok.kind != QTOK_RPAREN) {
            char what[64];
            snprintf(what, sizeof(what), "')' to close the '(' at column %u",
                     query__column(p->text, lp.off));
            return query__expected(p, &p->tok, what);
        }
        p->depth--;
        return query__advance(p, QLEX_TERM);
    }
    if (!starts_term(p))
        return query__expected(p, &p->tok, "a search term");
    return parse_term(p, out);
}

static int parse_not(struct query__parser *p, struct query_node **out)
{
    if (!query__is_word(p->text, &p->tok, "not"))
        return parse_primary(p, out);
    size_t off = p->tok.off;
    int rc = enter(p, off);
    if (rc || (rc = query__advance(p, QLEX_TERM)))
        return rc;
    if (!starts_term(p) && !query__is_word(p->text, &p->tok, "not"))
        return query__expected(p, &p->tok, "a search term after 'not'");
    struct query_node *kid;
    if ((rc = parse_not(p, &kid)))
        return rc;
    p->depth--;
    *out = mark(query_node_not(p->a, kid), off);
    return 0;
}

static int parse_and(struct query__parser *p, struct query_node **out)
{
    struct query_node **kids = NULL, *kid;
    size_t n = 0, cap = 0;
    int rc = parse_not(p, &kid);
    if (rc)
        return rc;
    nodes_push(p, &kids, &n, &cap, kid);
    for (;;) {
        if (query__is_word(p->text, &p->tok, "and")) {
            if ((rc = query__advance(p, QLEX_TERM)))
                return rc;
            if (!starts_term(p) && !query__is_word(p->text, &p->tok, "not"))
                return query__expected(p, &p->tok, "a search term after 'and'");
        } else if (!starts_term(p)) {
            break; /* implicit AND continues only with something that starts a term */
        }
        if ((rc = parse_not(p, &kid)))
            return rc;
        nodes_push(p, &kids, &n, &cap, kid);
    }
    *out = n == 1 ? kids[0] : query_node_list(p->a, QUERY_N_AND, kids, n);
    return 0;
}

static int parse_or(struct query__parser *p, struct query_node **out)
{
    struct query_node **kids = NULL, *kid;
    size_t n = 0, cap = 0;
    int rc = parse_and(p, &kid);
    if (rc)
        return rc;
    nodes_push(p, &kids, &n, &cap, kid);
    while (query__is_word(p->text, &p->tok, "or")) {
        if ((rc = query__advance(p, QLEX_TERM)))
            return rc;
        if (!starts_term(p) && !query__is_word(p->text, &p->tok, "not"))
            return query__expected(p, &p->tok, "a search term after 'or'");
        if ((rc = parse_and(p, &kid)))
            return rc;
        nodes_push(p, &kids, &n, &cap, kid);
    }
    *out = n == 1 ? kids[0] : query_node_list(p->a, QUERY_N_OR, kids, n);
    return 0;
}

int query__parse_expr(struct query__parser *p, struct query_node **out)
{
    return parse_or(p, out);
}

/* ---- the whole query ---------------------------------------------------- */

static bool is_bound(const struct query__parser *p, const struct query_node *n)
{
    return n == p->bounds[0] || n == p->bounds[1];
}

/* A bound anywhere but at the top level of the search: its column, or 0. */
static size_t misplaced_bound(const struct query__parser *p, const struct query_node *n)
{
    if (n == NULL)
        return 0;
    if (is_bound(p, n))
        return n->col + 1; /* col holds the byte offset here; +1 keeps 0 for "none" */
    if (n->kind == QUERY_N_NOT)
        return misplaced_bound(p, n->kid);
    if (n->kind == QUERY_N_AND || n->kind == QUERY_N_OR) {
        for (size_t i = 0; i < n->list.n_kids; i++) {
            size_t c = misplaced_bound(p, n->list.kids[i]);
            if (c)
                return c;
        }
    }
    return 0;
}

/* Take earliest=/latest= placeholders out of the top-level AND. */
static int hoist_bounds(struct query__parser *p, struct query_node **filter)
{
    struct query_node *f = *filter;
    if (is_bound(p, f)) {
        f = query_node_const(p->a, true);
    } else if (f->kind == QUERY_N_AND) {
        struct query_node **kids = arena_alloc(p->a, f->list.n_kids * sizeof(*kids));
        size_t n = 0;
        for (size_t i = 0; i < f->list.n_kids; i++)
            if (!is_bound(p, f->list.kids[i]))
                kids[n++] = f->list.kids[i];
        uint32_t col = f->col;
        f = query_node_list(p->a, QUERY_N_AND, kids, n);
        if (f->kind == QUERY_N_AND)
            f->col = col;
    }
    size_t bad = misplaced_bound(p, f);
    if (bad) {
        const char *name = p->bounds[0] && p->bounds[0]->col == bad - 1 ? "earliest" : "latest";
        return query__fail(p, E_PARSE, bad - 1,
                           "'%s' sets the time range of the whole search; it cannot be "
                           "inside 'or' or 'not'",
                           name);
    }
    *filter = f;
    return 0;
}

/* Node columns are byte offsets while parsing; make them 1-based character columns. */
uint32_t query__col(struct query__parser *p, size_t off)
{
    if (off < p->col_off || p->col_val == 0) {
        p->col_off = 0;
        p->col_val = 1;
    }
    for (size_t i = p->col_off; i < off && i < p->text.len; i++)
        if (((unsigned char)p->text.p[i] & 0xC0) != 0x80)
            p->col_val++;
    p->col_off = off;
    return p->col_val;
}

void query__fix_columns(struct query__parser *p, struct query_node *n)
{
    n->col = query__col(p, n->col);
    if (n->kind == QUERY_N_NOT)
        query__fix_columns(p, n->kid);
    else if (n->kind == QUERY_N_AND || n->kind == QUERY_N_OR)
        for (size_t i = 0; i < n->list.n_kids; i++)
            query__fix_columns(p, n->list.kids[i]);
}

static void resolve_opts(const struct query_opts *in, struct query_opts *o)
{
    *o = in ? *in : (struct query_opts){0};
    if (o->now_ns == 0)
        o->now_ns = clock_now_ns();
    if (o->max_len == 0)
        o->max_len = QUERY_DEFAULT_MAX_LEN;
    if (o->max_depth == 0)
        o->max_depth = QUERY_DEFAULT_MAX_DEPTH;
    if (o->max_terms == 0)
        o->max_terms = QUERY_DEFAULT_MAX_TERMS;
    if (o->max_list == 0)
        o->max_list = QUERY_DEFAULT_MAX_LIST;
    if (o->max_stages == 0)
        o->max_stages = QUERY_DEFAULT_MAX_STAGES;
}

static int check_text(struct str text, const struct query_opts *o, struct diag *d)
{
    if (text.len > o->max_len)
        return diag_set(d, E_TOOBIG, "query", "column 1: the query is %zu bytes; the limit is %zu",
                        text.len, o->max_len);
    size_t ok = utf8_valid_prefix(text);
    if (ok != text.len)
        return diag_set(d, E_ENCODING, "query", "column %u: invalid UTF-8",
                        query__column(text, ok));
    const char *nul = text.len ? memchr(text.p, '\0', text.len) : NULL;
    if (nul)
        return diag_set(d, E_PARSE, "query", "column %u: unexpected NUL character",
                        query__column(text, (size_t)(nul - text.p)));
    return 0;
}

static int parse_query(struct query__parser *p)
{
    struct query *q = p->q;
    int rc = query__advance(p, QLEX_TERM);
    if (rc)
        return rc;
    if (p->tok.kind != QTOK_PIPE && p->tok.kind != QTOK_EOF) {
        if ((rc = query__parse_expr(p, &q->filter)) || (rc = hoist_bounds(p, &q->filter)))
            return rc;
        query__fix_columns(p, q->filter);
    }
    if (p->tok.kind == QTOK_RPAREN)
        return query__fail(p, E_PARSE, p->tok.off, "unexpected ')' without a matching '('");
    if (p->tok.kind != QTOK_PIPE && p->tok.kind != QTOK_EOF)
        return query__expected(p, &p->tok, "a search term, '|' or the end of the query");
    if (q->earliest_ns != QUERY_TIME_MIN && q->latest_ns != QUERY_TIME_MAX &&
        q->earliest_ns >= q->latest_ns) {
        char e[48], l[48];
        return query__fail(p, E_RANGE, p->bound_col[p->bound_col[1] > p->bound_col[0] ? 1 : 0],
                           "the time range is empty: earliest %s is not before latest %s",
                           query__format_time(q->earliest_ns, e, sizeof(e)),
                           query__format_time(q->latest_ns, l, sizeof(l)));
    }
    if (p->tok.kind == QTOK_PIPE)
        return query__parse_stages(p);
    return 0;
}

int query_parse(struct str text, const struct query_opts *opts, struct query **out, struct diag *d)
{
    *out = NULL;
    struct query__parser p = {0};
    resolve_opts(opts, &p.o);
    int rc = check_text(text, &p.o, d);
    if (rc)
        return rc;
    p.q = query_new();
    p.a = &p.q->arena;
    p.text = str_make(arena_strndup(p.a, text.p ? text.p : "", text.len), text.len);
    p.q->text = p.text;
    p.d = d;
    p.rows_events = true;
    p.tok = (struct query__token){QTOK_EOF, 0, 0};
    rc = parse_query(&p);
    if (rc) {
        query_free(p.q);
        return rc;
    }
    *out = p.q;
    return 0;
}
