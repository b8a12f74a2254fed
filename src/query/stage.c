/*
 * stage.c - pipe stages: `| stats count by host | sort -count | head 5`.
 *
 * Every stage is a row in one table: its name (and aliases), the IR kind,
 * the typed arguments it takes in order and the named options it accepts
 * (limit=, span=). One generic parser reads any stage from its row; only
 * what a stage does to the shape of the rows (its output columns) and the
 * checks that depend on it are written per stage, in finish_stage().
 */
#include "query/query_int.h"

#include <stdio.h>
#include <string.h>

enum arg {
    A_END,
    A_EXPR,      /* a search expression up to the next '|' */
    A_COUNT,     /* an optional positive integer */
    A_FIELDS,    /* one or more fields, separated by spaces or commas */
    A_FIELD,     /* exactly one field */
    A_SORT_KEYS, /* [+|-]field [asc|desc], ... */
    A_AGGS,      /* fn[(field)] [as name], ... */
    A_BY,        /* optional: by field, ... */
};

#define OPT_LIMIT 0x1u /* limit=N: the stage's count */
#define OPT_SPAN  0x2u /* span=5m (times) or span=10 (numbers) */

struct stage_spec {
    const char *name;
    enum query_skind kind;
    enum arg args[4];
    unsigned opts;     /* options accepted */
    unsigned required; /* options that must be given */
    int64_t count;     /* default count */
    uint32_t max_by;   /* 0 = no limit */
};

static const struct stage_spec specs[] = {
    {"where", QUERY_S_WHERE, {A_EXPR}, 0, 0, 0, 0},
    {"search", QUERY_S_WHERE, {A_EXPR}, 0, 0, 0, 0},
    {"fields", QUERY_S_FIELDS, {A_FIELDS}, 0, 0, 0, 0},
    {"table", QUERY_S_FIELDS, {A_FIELDS}, 0, 0, 0, 0},
    {"sort", QUERY_S_SORT, {A_COUNT, A_SORT_KEYS}, OPT_LIMIT, 0, 0, 0},
    {"head", QUERY_S_HEAD, {A_COUNT}, OPT_LIMIT, 0, 10, 0},
    {"limit", QUERY_S_HEAD, {A_COUNT}, 0, 0, 10, 0},
    {"tail", QUERY_S_TAIL, {A_COUNT}, OPT_LIMIT, 0, 10, 0},
    {"stats", QUERY_S_STATS, {A_AGGS, A_BY}, 0, 0, 0, 0},
    {"timechart", QUERY_S_TIMECHART, {A_AGGS, A_BY}, OPT_SPAN, 0, 0, 1},
    {"bin", QUERY_S_BIN, {A_FIELD}, OPT_SPAN, OPT_SPAN, 0, 0},
    {"bucket", QUERY_S_BIN, {A_FIELD}, OPT_SPAN, OPT_SPAN, 0, 0},
    {"top", QUERY_S_TOP, {A_COUNT, A_FIELDS, A_BY}, OPT_LIMIT, 0, 10, 0},
    {"rare", QUERY_S_RARE, {A_COUNT, A_FIELDS, A_BY}, OPT_LIMIT, 0, 10, 0},
    {"dedup", QUERY_S_DEDUP, {A_FIELDS}, 0, 0, 0, 0},
};

#define N_SPECS   (sizeof(specs) / sizeof(specs[0]))
#define MAX_COUNT 1000000000LL

/* Aggregation functions; percentiles are also written p95, perc99.9, exactperc50. */
static const struct {
    const char *name;
    enum query_agg_fn fn;
    bool field_optional;
    double pct;
} agg_specs[] = {
    {"count", QUERY_AGG_COUNT, true, 0},
    {"c", QUERY_AGG_COUNT, true, 0},
    {"dc", QUERY_AGG_DC, false, 0},
    {"distinct_count", QUERY_AGG_DC, false, 0},
    {"sum", QUERY_AGG_SUM, false, 0},
    {"avg", QUERY_AGG_AVG, false, 0},
    {"mean", QUERY_AGG_AVG, false, 0},
    {"min", QUERY_AGG_MIN, false, 0},
    {"max", QUERY_AGG_MAX, false, 0},
    {"values", QUERY_AGG_VALUES, false, 0},
    {"median", QUERY_AGG_PERCENTILE, false, 50},
};

static const char *const pct_prefixes[] = {"exactperc", "upperperc", "perc", "p"};

/* What the options of one stage said, for finish_stage(). */
struct seen_opts {
    unsigned given;
    struct query__token span;
};

/* ---- small helpers ------------------------------------------------------ */

static void *grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    size_t nc = *cap ? *cap * 2 : 4;
    void *p = arena_alloc(a, nc * size);
    if (n)
        memcpy(p, items, n * size);
    *cap = nc;
    return p;
}

static bool at_stage_end(const struct query__parser *p)
{
    return p->tok.kind == QTOK_PIPE || p->tok.kind == QTOK_EOF;
}

static int count_ref(struct query__parser *p)
{
    if (++p->n_terms > p->o.max_terms)
        return query__fail(p, E_TOOBIG, p->tok.off, "the query has more than %u terms",
                           p->o.max_terms);
    return 0;
}

/* Is the current token `name=` for an option this stage accepts (or any, when it has some)? */
static int at_option(struct query__parser *p, const struct stage_spec *s, bool *yes)
{
    *yes = false;
    if (s->opts == 0 || p->tok.kind != QTOK_WORD)
        return 0;
    struct query__token nt;
    int rc = query__peek(p, QLEX_TERM, &nt);
    *yes = rc == 0 && nt.kind == QTOK_EQ;
    return rc;
}

static bool at_list_end(struct query__parser *p, const struct stage_spec *s, bool by_follows)
{
    bool opt = false;
    if (at_stage_end(p) || (by_follows && query__is_word(p->text, &p->tok, "by")))
        return true;
    at_option(p, s, &opt);
    return opt;
}

static int parse_count(struct query__parser *p, int64_t *out)
{
    struct str s = query__token_body(p->text, &p->tok);
    int64_t v;
    if (p->tok.kind != QTOK_WORD || str_to_i64(s, &v) != 0 || v < 1 || v > MAX_COUNT)
        return query__expected(p, &p->tok, "a count from 1 to 1000000000");
    *out = v;
    return 0;
}

static bool is_count_token(const struct query__parser *p)
{
    if (p->tok.kind != QTOK_WORD)
        return false;
    for (size_t i = 0; i < p->tok.len; i++)
        if (p->text.p[p->tok.off + i] < '0' || p->text.p[p->tok.off + i] > '9')
            return false;
    return true;
}

/* ---- options ------------------------------------------------------------ */

static int parse_options(struct query__parser *p, const struct stage_spec *s,
                         struct query_stage *st, struct seen_opts *seen)
{
    for (;;) {
        bool yes;
        int rc = at_option(p, s, &yes);
        if (rc || !yes)
            return rc;
        struct query__token name = p->tok;
        unsigned opt = query__is_word(p->text, &name, "limit")  ? OPT_LIMIT
                       : query__is_word(p->text, &name, "span") ? OPT_SPAN
                                                                : 0;
        if ((opt & s->opts) == 0) {
            const char *accepted = s->opts == OPT_LIMIT ? "limit=" : "span=";
            return query__fail(
                p, E_PARSE, name.off, "unknown option '%.*s' for '%s'; it accepts %s",
                (int)(name.len > 32 ? 32 : name.len), p->text.p + name.off, s->name, accepted);
        }
        if (seen->given & opt)
            return query__fail(p, E_PARSE, name.off, "option '%s' is given twice",
                               opt == OPT_LIMIT ? "limit" : "span");
        if ((rc = query__advance(p, QLEX_TERM)))
            return rc;
        size_t value_at = p->tok.off + p->tok.len; /* right after '=' */
        if ((rc = query__advance(p, QLEX_VALUE)))
            return rc;
        bool adjacent = p->tok.off == value_at && p->tok.kind != QTOK_EOF;
        if (opt == OPT_LIMIT) {
            if (!adjacent)
                return query__expected(p, &p->tok, "a count after 'limit='");
            if ((rc = parse_count(p, &st->count)))
                return rc;
        } else if (!adjacent || (p->tok.kind != QTOK_WORD && p->tok.kind != QTOK_STRING)) {
            return query__expected(p, &p->tok, "a span such as 5m or 1h after 'span='");
        }
        seen->span = opt == OPT_SPAN ? p->tok : seen->span;
        seen->given |= opt;
        if ((rc = query__advance(p, QLEX_TERM)))
            return rc;
    }
}

/* ---- arguments ---------------------------------------------------------- */

static int parse_fields(struct query__parser *p, const struct stage_spec *s, bool by_follows,
                        struct query_field **out, size_t *n_out, const char *after)
{
    size_t n = 0, cap = 0;
    struct query_field *v = NULL;
    while (!at_list_end(p, s, by_follows)) {
        v = grow(p->a, v, n, &cap, sizeof(*v));
        int rc = count_ref(p);
        if (rc || (rc = query__parse_field(p, &v[n])))
            return rc;
        n++;
        if (p->tok.kind == QTOK_COMMA) {
            if ((rc = query__advance(p, QLEX_TERM)))
                return rc;
            if (at_list_end(p, s, by_follows))
                return query__expected(p, &p->tok, "a field name after ','");
        }
    }
    if (n == 0) {
        char what[64];
        snprintf(what, sizeof(what), "a field name after '%s'", after);
        return query__expected(p, &p->tok, what);
    }
    *out = v;
    *n_out = n;
    return 0;
}

static int parse_sort_keys(struct query__parser *p, const struct stage_spec *s,
                           struct query_stage *st)
{
    size_t cap = 0;
    while (!at_list_end(p, s, false)) {
        st->keys = grow(p->a, st->keys, st->n_keys, &cap, sizeof(*st->keys));
        struct query_sort_key *k = &st->keys[st->n_keys];
        k->desc = false;
        int rc = count_ref(p);
        if (rc)
            return rc;
        char c = p->tok.kind == QTOK_WORD ? p->text.p[p->tok.off] : '\0';
        if (c == '-' || c == '+') {
            k->desc = c == '-';
            if (p->tok.len == 1) {
                if ((rc = query__advance(p, QLEX_TERM)))
                    return rc;
            } else {
                p->tok.off++; /* the field name follows the sign in the same word */
                p->tok.len--;
            }
        }
        if ((rc = query__parse_field(p, &k->field)))
            return rc;
        if (query__is_word(p->text, &p->tok, "desc") || query__is_word(p->text, &p->tok, "asc")) {
            k->desc = query__is_word(p->text, &p->tok, "desc");
            if ((rc = query__advance(p, QLEX_TERM)))
                return rc;
        }
        st->n_keys++;
        if (p->tok.kind == QTOK_COMMA) {
            if ((rc = query__advance(p, QLEX_TERM)))
                return rc;
            if (at_list_end(p, s, false))
                return query__expected(p, &p->tok, "a field name after ','");
        }
    }
    if (st->n_keys == 0)
        return query__expected(p, &p->tok, "a field to sort by");
    return 0;
}

static int find_agg(struct query__parser *p, struct str w, struct query_agg *agg, bool *optional)
{
    for (size_t i = 0; i < sizeof(agg_specs) / sizeof(agg_specs[0]); i++) {
        if (str_eq_nocase(w, str_c(agg_specs[i].name))) {
            agg->fn = agg_specs[i].fn;
            agg->pct = agg_specs[i].pct;
            *optional = agg_specs[i].field_optional;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(pct_prefixes) / sizeof(pct_prefixes[0]); i++) {
        struct str pre = str_c(pct_prefixes[i]);
        if (w.len <= pre.len || !str_eq_nocase(str_make(w.p, pre.len), pre))
            continue;
        struct str num = str_make(w.p + pre.len, w.len - pre.len);
        double v;
        if (num.p[0] < '0' || num.p[0] > '9' || str_to_double(num, &v) != 0 || v < 0 || v > 100)
            break;
        agg->fn = QUERY_AGG_PERCENTILE;
        agg->pct = v;
        *optional = false;
        return 0;
    }
    return query__fail(p, E_PARSE, p->tok.off,
                       "unknown function '%.*s'; expected count, dc, sum, avg, min, max, "
                       "values, median, p<N> or perc<N>",
                       (int)(w.len > 32 ? 32 : w.len), w.p);
}

static int parse_agg(struct query__parser *p, struct query_agg *agg)
{
    if (p->tok.kind != QTOK_WORD)
        return query__expected(p, &p->tok, "a function such as count or dc(field)");
    struct query__token fn_tok = p->tok;
    struct str w = query__token_body(p->text, &fn_tok);
    bool optional = false;
    int rc = find_agg(p, w, agg, &optional);
    if (rc || (rc = count_ref(p)) || (rc = query__advance(p, QLEX_TERM)))
        return rc;
    if (p->tok.kind == QTOK_LPAREN) {
        struct query__token lp = p->tok;
        if ((rc = query__advance(p, QLEX_TERM)))
            return rc;
        if (!(optional && p->tok.kind == QTOK_RPAREN)) {
            if ((rc = query__parse_field(p, &agg->field)))
                return rc;
            agg->has_field = true;
        }
        if (p->tok.kind != QTOK_RPAREN) {
            char what[64];
            snprintf(what, sizeof(what), "')' to close the '(' at column %u",
                     query__column(p->text, lp.off));
            return query__expected(p, &p->tok, what);
        }
        if ((rc = query__advance(p, QLEX_TERM)))
            return rc;
    } else if (!optional) {
        return query__fail(p, E_PARSE, fn_tok.off, "'%.*s' needs a field, e.g. %.*s(bytes)",
                           STR_FMT(w), STR_FMT(w));
    }
    if (query__is_word(p->text, &p->tok, "as")) {
        if ((rc = query__advance(p, QLEX_TERM)))
            return rc;
        struct query__token t = p->tok;
        if (t.kind != QTOK_WORD && t.kind != QTOK_STRING && t.kind != QTOK_NAME)
            return query__expected(p, &t, "a column name after 'as'");
        bool wild;
        agg->name = query__unescape(p->a, p->text, &t, false, &wild);
        if (agg->name.len == 0)
            return query__fail(p, E_PARSE, t.off, "empty column name after 'as'");
        return query__advance(p, QLEX_TERM);
    }
    if (!agg->has_field) {
        agg->name = w; /* "count", or "c" as Splunk names it */
        return 0;
    }
    size_t n = w.len + agg->field.label.len + 2;
    char *name = arena_alloc(p->a, n + 1);
    snprintf(name, n + 1, "%.*s(%.*s)", STR_FMT(w), STR_FMT(agg->field.label));
    agg->name = str_make(name, n);
    return 0;
}

static int parse_aggs(struct query__parser *p, const struct stage_spec *s, struct query_stage *st)
{
    size_t cap = 0;
    while (!at_list_end(p, s, true)) {
        st->aggs = grow(p->a, st->aggs, st->n_aggs, &cap, sizeof(*st->aggs));
        st->aggs[st->n_aggs] = (struct query_agg){0};
        int rc = parse_agg(p, &st->aggs[st->n_aggs]);
        if (rc)
            return rc;
        st->n_aggs++;
        if (p->tok.kind == QTOK_COMMA && (rc = query__advance(p, QLEX_TERM)))
            return rc;
    }
    if (st->n_aggs == 0) {
        char what[80];
        snprintf(what, sizeof(what), "a function such as count or dc(field) after '%s'", s->name);
        return query__expected(p, &p->tok, what);
    }
    return 0;
}

static int parse_arg(struct query__parser *p, const struct stage_spec *s, size_t i,
                     struct query_stage *st)
{
    bool by_follows = i + 1 < 4 && s->args[i + 1] == A_BY;
    int rc;
    switch (s->args[i]) {
    case A_END:
        return 0;
    case A_EXPR:
        if (at_stage_end(p)) {
            char what[64];
            snprintf(what, sizeof(what), "a search expression after '%s'", s->name);
            return query__expected(p, &p->tok, what);
        }
        p->in_stage = true;
        rc = query__parse_expr(p, &st->expr);
        p->in_stage = false;
        if (rc == 0 && p->tok.kind == QTOK_RPAREN)
            return query__fail(p, E_PARSE, p->tok.off, "unexpected ')' without a matching '('");
        return rc;
    case A_COUNT:
        if (!is_count_token(p))
            return 0;
        if ((rc = parse_count(p, &st->count)))
            return rc;
        return query__advance(p, QLEX_TERM);
    case A_FIELDS:
        return parse_fields(p, s, by_follows, &st->fields, &st->n_fields, s->name);
    case A_FIELD:
        if (at_list_end(p, s, false)) {
            char what[64];
            snprintf(what, sizeof(what), "a field name after '%s'", s->name);
            return query__expected(p, &p->tok, what);
        }
        st->fields = arena_zalloc(p->a, sizeof(*st->fields));
        st->n_fields = 1;
        if ((rc = count_ref(p)) || (rc = query__parse_field(p, st->fields)))
            return rc;
        if (!at_list_end(p, s, false))
            return query__fail(p, E_PARSE, p->tok.off, "'%s' takes one field", s->name);
        return 0;
    case A_SORT_KEYS:
        return parse_sort_keys(p, s, st);
    case A_AGGS:
        return parse_aggs(p, s, st);
    case A_BY:
        if (!query__is_word(p->text, &p->tok, "by"))
            return 0;
        if ((rc = query__advance(p, QLEX_TERM)) ||
            (rc = parse_fields(p, s, false, &st->by, &st->n_by, "by")))
            return rc;
        if (s->max_by && st->n_by > s->max_by)
            return query__fail(p, E_PARSE, p->tok.off, "'%s' groups by at most %u field", s->name,
                               s->max_by);
        return 0;
    }
    return 0;
}

/* ---- output shape ------------------------------------------------------- */

static enum query_ctype field_ctype(const struct query__parser *p, const struct query_field *f)
{
    if (f->kind == QUERY_F_TIME || f->kind == QUERY_F_INGEST_TIME)
        return QUERY_C_TIME;
    if (f->kind == QUERY_F_COLUMN)
        return p->cols[f->col].type;
    return QUERY_C_VALUE;
}

struct shape {
    struct query_column *cols;
    size_t n, cap;
};

static int add_col(struct query__parser *p, struct shape *sh, struct str name,
                   enum query_ctype type, size_t off)
{
    for (size_t i = 0; i < sh->n; i++)
        if (str_eq(sh->cols[i].name, name))
            return query__fail(p, E_PARSE, off,
                               "the column '%.*s' appears twice; rename one with 'as'",
                               (int)(name.len > 64 ? 64 : name.len), name.p);
    sh->cols = grow(p->a, sh->cols, sh->n, &sh->cap, sizeof(*sh->cols));
    sh->cols[sh->n++] = (struct query_column){name, type};
    return 0;
}

static int add_fields(struct query__parser *p, struct shape *sh, const struct query_field *f,
                      size_t n, size_t off)
{
    for (size_t i = 0; i < n; i++) {
        int rc = add_col(p, sh, f[i].label, field_ctype(p, &f[i]), off);
        if (rc)
            return rc;
    }
    return 0;
}

static int add_aggs(struct query__parser *p, struct shape *sh, const struct query_stage *st,
                    size_t off)
{
    for (size_t i = 0; i < st->n_aggs; i++) {
        const struct query_agg *a = &st->aggs[i];
        enum query_ctype t = a->fn == QUERY_AGG_VALUES                            ? QUERY_C_LIST
                             : (a->fn == QUERY_AGG_MIN || a->fn == QUERY_AGG_MAX) ? QUERY_C_VALUE
                                                                                  : QUERY_C_NUMBER;
        int rc = add_col(p, sh, a->name, t, off);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_span_opt(struct query__parser *p, const struct seen_opts *seen, bool time,
                          struct query_stage *st)
{
    bool wild;
    struct str s = query__unescape(p->a, p->text, &seen->span, false, &wild);
    int rc = time ? query__parse_span(s, &st->span_ns)
                  : (str_to_double(s, &st->span) != 0 || !(st->span > 0) ? E_PARSE : 0);
    if (rc == E_RANGE)
        return query__fail(p, E_RANGE, seen->span.off,
                           "span '%.*s' is out of range (more than 0, at most 3660 days)",
                           (int)(s.len > 32 ? 32 : s.len), s.p);
    if (rc)
        return query__expected(p, &seen->span,
                               time ? "a span such as 30s, 5m, 1h or 1d"
                                    : "a positive number as the span of a numeric field");
    return 0;
}

static int finish_timechart(struct query__parser *p, const struct seen_opts *seen,
                            struct query_stage *st, struct shape *sh, size_t off)
{
    int rc = 0;
    if ((seen->given & OPT_SPAN) && (rc = parse_span_opt(p, seen, true, st)))
        return rc;
    st->fields = arena_zalloc(p->a, sizeof(*st->fields));
    st->n_fields = 1;
    bool has_time = p->rows_events;
    for (size_t i = 0; i < p->n_cols; i++)
        has_time |= str_eq_c(p->cols[i].name, "_time");
    if (!has_time)
        return query__fail(p, E_PARSE, off,
                           "'timechart' needs a _time column; after '%s' there is none",
                           p->cols_from);
    if ((rc = query__resolve_field(p, STR_LIT("_time"), off, st->fields)))
        return rc;
    if (field_ctype(p, st->fields) != QUERY_C_TIME)
        return query__fail(p, E_PARSE, off, "'timechart' needs _time to hold times");
    if ((rc = add_fields(p, sh, st->fields, 1, off)) ||
        (rc = add_fields(p, sh, st->by, st->n_by, off)))
        return rc;
    return add_aggs(p, sh, st, off);
}

/* What the stage does to the rows: the columns it outputs, or events as before. */
static int finish_stage(struct query__parser *p, struct query_stage *st,
                        const struct seen_opts *seen)
{
    struct shape sh = {0};
    size_t off = p->tok.off;
    int rc = 0;
    st->out_events = false;
    switch (st->kind) {
    case QUERY_S_BIN:
        rc = parse_span_opt(p, seen, field_ctype(p, &st->fields[0]) == QUERY_C_TIME, st);
        __attribute__((fallthrough)); /* binning changes values, not the shape */
    case QUERY_S_WHERE:
    case QUERY_S_SORT:
    case QUERY_S_HEAD:
    case QUERY_S_TAIL:
    case QUERY_S_DEDUP:
        st->out_events = p->rows_events;
        st->out = p->cols;
        st->n_out = p->n_cols;
        return rc;
    case QUERY_S_FIELDS:
        rc = add_fields(p, &sh, st->fields, st->n_fields, off);
        break;
    case QUERY_S_STATS:
        if ((rc = add_fields(p, &sh, st->by, st->n_by, off)) == 0)
            rc = add_aggs(p, &sh, st, off);
        break;
    case QUERY_S_TIMECHART:
        rc = finish_timechart(p, seen, st, &sh, off);
        break;
    case QUERY_S_TOP:
    case QUERY_S_RARE:
        if ((rc = add_fields(p, &sh, st->by, st->n_by, off)) == 0 &&
            (rc = add_fields(p, &sh, st->fields, st->n_fields, off)) == 0 &&
            (rc = add_col(p, &sh, STR_LIT("count"), QUERY_C_NUMBER, off)) == 0)
            rc = add_col(p, &sh, STR_LIT("percent"), QUERY_C_NUMBER, off);
        break;
    }
    st->out = sh.cols;
    st->n_out = sh.n;
    return rc;
}

/* ---- stages ------------------------------------------------------------- */

static const struct stage_spec *find_spec(struct query__parser *p)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (query__is_word(p->text, &p->tok, specs[i].name))
            return &specs[i];
    return NULL;
}

static int unknown_stage(struct query__parser *p)
{
    char list[256];
    size_t k = 0;
    for (size_t i = 0; i < N_SPECS; i++) {
        int n = snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "", specs[i].name);
        if (n > 0 && k + (size_t)n < sizeof(list))
            k += (size_t)n;
    }
    if (p->tok.kind != QTOK_WORD)
        return query__expected(p, &p->tok, "a command after '|'");
    return query__fail(p, E_PARSE, p->tok.off, "unknown command '%.*s'; expected one of %s",
                       (int)(p->tok.len > 32 ? 32 : p->tok.len), p->text.p + p->tok.off, list);
}

static int parse_stage(struct query__parser *p, struct query_stage *st)
{
    const struct stage_spec *s = find_spec(p);
    if (s == NULL)
        return unknown_stage(p);
    *st =
        (struct query_stage){.kind = s->kind, .col = query__col(p, p->tok.off), .count = s->count};
    struct seen_opts seen = {0};
    int rc = query__advance(p, QLEX_TERM);
    for (size_t i = 0; rc == 0 && i < 4 && s->args[i] != A_END; i++) {
        if ((rc = parse_options(p, s, st, &seen)) == 0)
            rc = parse_arg(p, s, i, st);
    }
    if (rc || (rc = parse_options(p, s, st, &seen)))
        return rc;
    if (!at_stage_end(p)) {
        char what[80];
        snprintf(what, sizeof(what), "'|' or the end of the query after the '%s' arguments",
                 s->name);
        return query__expected(p, &p->tok, what);
    }
    if ((s->required & ~seen.given) & OPT_SPAN)
        return query__fail(p, E_PARSE, p->tok.off, "'%s' needs span=<size>, e.g. span=5m", s->name);
    if ((rc = finish_stage(p, st, &seen)))
        return rc;
    p->rows_events = st->out_events;
    p->cols = st->out;
    p->n_cols = st->n_out;
    p->cols_from = s->name;
    return 0;
}

int query__parse_stages(struct query__parser *p)
{
    size_t cap = 0;
    struct query *q = p->q;
    while (p->tok.kind == QTOK_PIPE) {
        size_t pipe = p->tok.off;
        int rc = query__advance(p, QLEX_TERM);
        if (rc)
            return rc;
        if (q->n_stages >= p->o.max_stages)
            return query__fail(p, E_TOOBIG, pipe, "the query has more than %u stages",
                               p->o.max_stages);
        q->stages = grow(p->a, q->stages, q->n_stages, &cap, sizeof(*q->stages));
        if ((rc = parse_stage(p, &q->stages[q->n_stages])))
            return rc;
        if (q->stages[q->n_stages].expr)
            query__fix_columns(p, q->stages[q->n_stages].expr);
        q->n_stages++;
    }
    return 0;
}
