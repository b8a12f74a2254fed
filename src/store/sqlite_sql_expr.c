/*
 * sqlite_sql_expr.c - filter expressions and field access in SQLite SQL.
 *
 * Semantics (docs/query.md) in SQL terms:
 *   - text equality is case-insensitive: `x = ? COLLATE NOCASE`;
 *   - a number equals a field holding it as a number or as text: JSON gives
 *     4625 or "4625", so `x COLLATE NOCASE IN (?n, ?t)`; ordering compares
 *     vigil_num(x), which is NULL for text that is not a number;
 *   - wildcards become LIKE ... ESCAPE '\' (GLOB when case-sensitive) with
 *     the user's % and _ escaped;
 *   - NOT treats "unknown" (a missing field) as false before negating:
 *     `(...) IS NOT TRUE`, so `not x>5` matches events without x, as in Splunk.
 * Every value and JSON path is a bound parameter.
 */
#include "store/sqlite_sql_int.h"
#include "core/field.h"
#include "store/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LIKE_MAX_PATTERN 50000 /* SQLITE_MAX_LIKE_PATTERN_LENGTH */

/* ---- field access ------------------------------------------------------- */

/* SQLite's JSON path `$."name"` cannot quote '"' or '\\'; such names are looked up by key. */
bool sqlite_sql__path_safe(struct str name)
{
    for (size_t i = 0; i < name.len; i++) {
        unsigned char ch = (unsigned char)name.p[i];
        if (ch == '"' || ch == '\\' || ch < 0x20)
            return false;
    }
    return true;
}

void sqlite_sql__bind_path(struct sqlite_sql__c *c, struct buf *o, struct str name)
{
    struct buf path;
    buf_init(&path, BUF_UNBOUNDED);
    buf_append_c(&path, "$.\"");
    buf_append_str(&path, name);
    buf_putc(&path, '"');
    sqlite_sql__bind_text(c, o, buf_str(&path));
    buf_fini(&path);
}

static void json_field(struct sqlite_sql__c *c, struct buf *o, struct str name)
{
    if (!sqlite_sql__path_safe(name)) {
        buf_append_c(o, "(SELECT j.value FROM json_each(t.fields) AS j WHERE j.key = ");
        sqlite_sql__bind_text(c, o, name);
        buf_putc(o, ')');
        return;
    }
    buf_append_c(o, "json_extract(t.fields, ");
    sqlite_sql__bind_path(c, o, name);
    buf_putc(o, ')');
}

int sqlite_sql__field(struct sqlite_sql__c *c, const struct query_field *f, struct buf *o,
                      enum sqlite_sql__opk *k)
{
    if (f->kind == QUERY_F_COLUMN) {
        if (c->events || f->col >= c->n_cols)
            return sqlite_sql__fail(c, E_STATE, 0, "column reference outside a table");
        buf_printf(o, "t.c%u", f->col);
        *k = c->cols[f->col].type == QUERY_C_TIME ? SQLITE_SQL__TIME : SQLITE_SQL__ANY;
        return 0;
    }
    if (!c->events)
        return sqlite_sql__fail(c, E_STATE, 0, "event field '%.*s' after a table stage",
                                (int)(f->name.len > 64 ? 64 : f->name.len), f->name.p);
    *k = SQLITE_SQL__ANY;
    switch (f->kind) {
    case QUERY_F_TIME:
        buf_append_c(o, "t.ts");
        *k = SQLITE_SQL__TIME;
        return 0;
    case QUERY_F_INGEST_TIME:
        buf_append_c(o, "t.ingest_ts");
        *k = SQLITE_SQL__TIME;
        return 0;
    case QUERY_F_RAW:
        buf_append_c(o, "t.raw");
        *k = SQLITE_SQL__TEXT;
        return 0;
    case QUERY_F_ID:
        buf_append_c(o, "t.id");
        *k = SQLITE_SQL__INT;
        return 0;
    case QUERY_F_SOURCE:
        buf_append_c(o, "(SELECT s.name FROM sources AS s WHERE s.id = t.source_id)");
        return 0;
    case QUERY_F_EVENT:
    case QUERY_F_COLUMN:
        break;
    }
    const struct schema_column *sc = f->id != F_NONE ? schema_column_for(f->id) : NULL;
    if (sc != NULL) {
        buf_printf(o, "t.%s", sc->column);
        *k = strcmp(sc->sql_type, "INTEGER") == 0 ? SQLITE_SQL__INT : SQLITE_SQL__TEXT;
        return 0;
    }
    json_field(c, o, f->name);
    return 0;
}

/* ---- patterns ----------------------------------------------------------- */

/*
 * Canonical pattern (ir.h) or literal -> LIKE pattern (escape '\') or GLOB
 * pattern, optionally with a match-anything prefix/suffix.
 */
static struct str to_pattern(struct sqlite_sql__c *c, struct str in, bool canonical, bool glob,
                             bool any_before, bool any_after)
{
    char *out = arena_alloc(&c->plan->arena, in.len * 3 + 3);
    size_t k = 0;
    const char *any = glob ? "*" : "%";
    if (any_before)
        out[k++] = any[0];
    for (size_t i = 0; i < in.len; i++) {
        char ch = in.p[i];
        bool literal = !canonical;
        if (canonical && ch == '\\' && i + 1 < in.len) {
            ch = in.p[++i];
            literal = true;
        }
        if (!literal && (ch == '*' || ch == '?')) {
            out[k++] = glob ? ch : (ch == '*' ? '%' : '_');
        } else if (glob && (ch == '*' || ch == '?' || ch == '[')) {
            out[k++] = '[';
            out[k++] = ch;
            out[k++] = ']';
        } else if (!glob && (ch == '%' || ch == '_' || ch == '\\')) {
            out[k++] = '\\';
            out[k++] = ch;
        } else {
            out[k++] = ch;
        }
    }
    if (any_after)
        out[k++] = any[0];
    out[k] = '\0';
    return str_make(out, k);
}

static int emit_match(struct sqlite_sql__c *c, struct buf *o, const char *x, struct str pat,
                      bool glob, uint32_t col)
{
    if (pat.len > LIKE_MAX_PATTERN)
        return sqlite_sql__fail(c, E_TOOBIG, col, "the pattern is longer than %u bytes",
                                LIKE_MAX_PATTERN);
    buf_printf(o, glob ? "%s GLOB " : "%s LIKE ", x);
    sqlite_sql__bind_text(c, o, pat);
    if (!glob)
        buf_append_c(o, " ESCAPE '\\'");
    return 0;
}

/* ---- comparisons -------------------------------------------------------- */

static const char *const sql_ops[] = {"=", "<>", "<", "<=", ">", ">="};

/* A text value that also reads as a number (vigil_num's rules): bind that too. */
static bool text_number(struct str s, int64_t *i, double *f, bool *is_int)
{
    if (str_to_i64(s, i) == 0) {
        *is_int = true;
        return true;
    }
    *is_int = false;
    return s.len && str_to_double(s, f) == 0;
}

static void bind_number_of(struct sqlite_sql__c *c, struct buf *o, const struct query_value *v)
{
    int64_t i;
    double f;
    bool is_int;
    if (v->type == QUERY_V_INT)
        sqlite_sql__bind_int(c, o, v->i);
    else if (v->type == QUERY_V_FLOAT)
        sqlite_sql__bind_float(c, o, v->f);
    else if (v->type == QUERY_V_BOOL)
        sqlite_sql__bind_int(c, o, v->b ? 1 : 0);
    else if (text_number(v->text, &i, &f, &is_int))
        is_int ? sqlite_sql__bind_int(c, o, i) : sqlite_sql__bind_float(c, o, f);
}

static bool has_number(const struct query_value *v)
{
    int64_t i;
    double f;
    bool is_int;
    return v->type == QUERY_V_INT || v->type == QUERY_V_FLOAT || v->type == QUERY_V_BOOL ||
           (v->type == QUERY_V_STR && text_number(v->text, &i, &f, &is_int));
}

/* The operands of an equality IN list for one value, by how the field compares. */
static void eq_operands(struct sqlite_sql__c *c, struct buf *o, const struct query_value *v,
                        enum sqlite_sql__opk k, bool first)
{
    bool num = has_number(v);
    if (!first)
        buf_append_c(o, ", ");
    if (k == SQLITE_SQL__INT && num) {
        bind_number_of(c, o, v);
        return;
    }
    sqlite_sql__bind_text(c, o, v->text);
    if (k == SQLITE_SQL__ANY && num) {
        buf_append_c(o, ", ");
        bind_number_of(c, o, v);
    }
}

/*
 * NOCASE folds only ASCII letters, so text without them compares the same
 * either way; leaving the collation out then lets SQLite use a column's
 * (binary) index, as for event.code:4625 or source.ip:10.1.2.3.
 */
static bool has_letter(struct str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.p[i] | 32) >= 'a' && ((unsigned char)s.p[i] | 32) <= 'z')
            return true;
    return false;
}

/* x = v for a string, number or boolean value. */
static void emit_eq(struct sqlite_sql__c *c, struct buf *o, const char *x, enum sqlite_sql__opk k,
                    const struct query_value *v, bool cased)
{
    bool fold = !cased && k != SQLITE_SQL__INT && has_letter(v->text);
    const char *coll = fold ? " COLLATE NOCASE" : "";
    if ((k == SQLITE_SQL__TIME || k == SQLITE_SQL__INT) && has_number(v)) {
        buf_printf(o, "%s = ", x);
        bind_number_of(c, o, v);
        return;
    }
    if (k == SQLITE_SQL__ANY && has_number(v)) {
        buf_printf(o, "%s%s IN (", x, coll);
        eq_operands(c, o, v, k, true);
        buf_putc(o, ')');
        return;
    }
    buf_printf(o, "%s = ", x);
    sqlite_sql__bind_text(c, o, v->text);
    buf_append_c(o, coll);
}

static void emit_order(struct sqlite_sql__c *c, struct buf *o, const char *x,
                       enum sqlite_sql__opk k, enum query_op op, const struct query_value *v,
                       bool cased)
{
    const char *sop = sql_ops[op];
    if (has_number(v) && v->type != QUERY_V_STR) {
        if (k == SQLITE_SQL__INT || k == SQLITE_SQL__TIME)
            buf_printf(o, "%s %s ", x, sop);
        else
            buf_printf(o, "vigil_num(%s) %s ", x, sop);
        bind_number_of(c, o, v);
        return;
    }
    buf_printf(o, "CAST(%s AS TEXT) %s ", x, sop);
    sqlite_sql__bind_text(c, o, v->text);
    if (!cased)
        buf_append_c(o, " COLLATE NOCASE");
}

/* Comparison of two fields: numbers numerically, else text. */
static int emit_cmp_fields(struct sqlite_sql__c *c, struct buf *o, const struct query_cmp *m,
                           const char *x, uint32_t col)
{
    struct buf yb;
    enum sqlite_sql__opk ky;
    buf_init(&yb, BUF_UNBOUNDED);
    int rc = sqlite_sql__field(c, &m->rhs, &yb, &ky);
    const char *y = yb.p ? yb.p : "";
    const char *coll = m->cased ? "" : " COLLATE NOCASE";
    if (rc) {
    } else if (m->op == QUERY_OP_EQ || m->op == QUERY_OP_NE) {
        if (m->op == QUERY_OP_NE)
            buf_printf(o, "(%s IS NOT NULL AND %s IS NOT NULL AND ", x, y);
        buf_printf(o, "(%s = %s%s OR vigil_num(%s) = vigil_num(%s))", x, y, coll, x, y);
        if (m->op == QUERY_OP_NE)
            buf_append_c(o, " IS NOT TRUE)");
    } else if (m->op <= QUERY_OP_GE) {
        const char *sop = sql_ops[m->op];
        buf_printf(
            o, "coalesce(vigil_num(%s) %s vigil_num(%s), CAST(%s AS TEXT) %s CAST(%s AS TEXT)%s)",
            x, sop, y, x, sop, y, coll);
    } else {
        rc = sqlite_sql__fail(c, E_UNSUPPORTED, col,
                              "'%s' cannot compare two fields in the SQLite store",
                              query_op_name(m->op));
    }
    buf_fini(&yb);
    return rc;
}

static int emit_cmp_value(struct sqlite_sql__c *c, struct buf *o, const struct query_cmp *m,
                          const char *x, enum sqlite_sql__opk k, uint32_t col)
{
    const struct query_value *v = &m->value;
    switch (m->op) {
    case QUERY_OP_EQ:
    case QUERY_OP_NE:
        if (v->type == QUERY_V_NULL) {
            buf_printf(o, "%s IS %sNULL", x, m->op == QUERY_OP_NE ? "NOT " : "");
            return 0;
        }
        if (v->type == QUERY_V_CIDR)
            break; /* as QUERY_OP_CIDR */
        if (m->op == QUERY_OP_NE)
            buf_printf(o, "(%s IS NOT NULL AND NOT (", x);
        emit_eq(c, o, x, k, v, m->cased);
        if (m->op == QUERY_OP_NE)
            buf_append_c(o, "))");
        return 0;
    case QUERY_OP_LT:
    case QUERY_OP_LE:
    case QUERY_OP_GT:
    case QUERY_OP_GE:
        if (v->type == QUERY_V_NULL || v->type == QUERY_V_CIDR)
            return sqlite_sql__fail(c, E_UNSUPPORTED, col, "'%s' needs a number, a time or text",
                                    query_op_name(m->op));
        emit_order(c, o, x, k, m->op, v, m->cased);
        return 0;
    case QUERY_OP_WILDCARD:
        return emit_match(c, o, x, to_pattern(c, v->text, true, m->cased, false, false), m->cased,
                          col);
    case QUERY_OP_CONTAINS:
    case QUERY_OP_STARTSWITH:
    case QUERY_OP_ENDSWITH: {
        bool before = m->op != QUERY_OP_STARTSWITH, after = m->op != QUERY_OP_ENDSWITH;
        return emit_match(c, o, x, to_pattern(c, v->text, false, m->cased, before, after), m->cased,
                          col);
    }
    case QUERY_OP_CIDR:
        break;
    case QUERY_OP_REGEX:
        return sqlite_sql__fail(c, E_UNSUPPORTED, col,
                                "regular expressions are not supported by the SQLite store yet");
    }
    if (v->type != QUERY_V_CIDR)
        return sqlite_sql__fail(c, E_INVAL, col, "'cidr' needs a network such as 10.0.0.0/8");
    if (m->op == QUERY_OP_NE)
        buf_printf(o, "(%s IS NOT NULL AND vigil_cidr(%s, ", x, x);
    else
        buf_printf(o, "vigil_cidr(%s, ", x);
    sqlite_sql__bind_text(c, o, v->text);
    buf_append_c(o, m->op == QUERY_OP_NE ? ") IS NOT TRUE)" : ")");
    return 0;
}

static int emit_cmp(struct sqlite_sql__c *c, struct buf *o, const struct query_node *n)
{
    const struct query_cmp *m = &n->cmp;
    struct buf xb;
    enum sqlite_sql__opk k = 0;
    buf_init(&xb, BUF_UNBOUNDED);
    int rc = sqlite_sql__field(c, &m->field, &xb, &k);
    const char *x = xb.p ? xb.p : "";
    if (rc == 0 && m->rhs_is_field) {
        rc = emit_cmp_fields(c, o, m, x, n->col);
    } else if (rc == 0 && m->value.type == QUERY_V_TIME && k != SQLITE_SQL__TIME) {
        rc = sqlite_sql__fail(c, E_UNSUPPORTED, n->col, "a time compares only with _time");
    } else if (rc == 0 && k == SQLITE_SQL__TIME && m->op <= QUERY_OP_GE &&
               (m->value.type == QUERY_V_TIME || m->value.type == QUERY_V_INT)) {
        buf_printf(o, "%s %s ", x, sql_ops[m->op]);
        sqlite_sql__bind_int(c, o, m->value.type == QUERY_V_TIME ? m->value.ns : m->value.i);
    } else if (rc == 0) {
        rc = emit_cmp_value(c, o, m, x, k, n->col);
    }
    buf_fini(&xb);
    return rc;
}

/* ---- full text and existence -------------------------------------------- */

static bool has_token_char(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if ((ch >= '0' && ch <= '9') || ((ch | 32) >= 'a' && (ch | 32) <= 'z') || ch >= 0x80)
            return true;
    }
    return false;
}

/* FTS5 query for a word/phrase ("...", quotes doubled) or a trailing-* prefix; false if FTS can't.
 */
static bool fts_query(struct sqlite_sql__c *c, const struct query_text *t, struct str *out)
{
    struct str body = t->text;
    bool prefix = false;
    if (t->wildcard) {
        if (body.len < 2 || body.p[body.len - 1] != '*')
            return false;
        body.len--;
        if (memchr(body.p, '*', body.len) || memchr(body.p, '?', body.len) ||
            memchr(body.p, '\\', body.len))
            return false;
        prefix = true;
    }
    if (!has_token_char(body))
        return false;
    char *q = arena_alloc(&c->plan->arena, body.len * 2 + 4);
    size_t k = 0;
    q[k++] = '"';
    for (size_t i = 0; i < body.len; i++) {
        if (body.p[i] == '"')
            q[k++] = '"';
        q[k++] = body.p[i];
    }
    q[k++] = '"';
    if (prefix)
        q[k++] = '*';
    q[k] = '\0';
    *out = str_make(q, k);
    return true;
}

static int emit_text(struct sqlite_sql__c *c, struct buf *o, const struct query_node *n)
{
    struct str fq;
    if (c->events && c->part && c->part->has_fts && fts_query(c, &n->text, &fq)) {
        buf_printf(o, "t.id IN (SELECT rowid FROM %s WHERE %s MATCH ", c->part->fts, c->part->fts);
        sqlite_sql__bind_text(c, o, fq);
        buf_putc(o, ')');
        return 0;
    }
    if (!c->events)
        return sqlite_sql__fail(c, E_STATE, n->col, "full-text search after a table stage");
    return emit_match(c, o, "t.raw",
                      to_pattern(c, n->text.text, n->text.wildcard, false, true, true), false,
                      n->col);
}

static int emit_exists(struct sqlite_sql__c *c, struct buf *o, const struct query_field *f)
{
    if (f->kind != QUERY_F_EVENT && f->kind != QUERY_F_COLUMN) {
        buf_putc(o, '1'); /* every event has a time, raw text, id and source */
        return 0;
    }
    enum sqlite_sql__opk k = 0;
    int rc = sqlite_sql__field(c, f, o, &k);
    buf_append_c(o, " IS NOT NULL");
    return rc;
}

/* ---- boolean structure --------------------------------------------------- */

static int enter(struct sqlite_sql__c *c, const struct query_node *n)
{
    if (++c->nest > SQLITE_SQL__MAX_NEST)
        return sqlite_sql__fail(c, E_TOOBIG, n->col,
                                "the search nests more than %u levels of and/or/not, "
                                "more than the SQLite store can run",
                                SQLITE_SQL__MAX_NEST);
    return 0;
}

/* `field:(a or b or c)`: an OR of case-insensitive equalities on one field. */
static bool is_in_list(const struct query_node *n)
{
    if (n->kind != QUERY_N_OR)
        return false;
    const struct query_cmp *first = NULL;
    for (size_t i = 0; i < n->list.n_kids; i++) {
        const struct query_node *k = n->list.kids[i];
        if (k->kind != QUERY_N_CMP || k->cmp.op != QUERY_OP_EQ || k->cmp.cased ||
            k->cmp.rhs_is_field)
            return false;
        enum query_vtype t = k->cmp.value.type;
        if (t != QUERY_V_STR && t != QUERY_V_INT && t != QUERY_V_FLOAT)
            return false;
        if (first == NULL)
            first = &k->cmp;
        else if (first->field.kind != k->cmp.field.kind || first->field.col != k->cmp.field.col ||
                 !str_eq(first->field.name, k->cmp.field.name))
            return false;
    }
    return first != NULL && first->field.kind != QUERY_F_TIME &&
           first->field.kind != QUERY_F_INGEST_TIME;
}

static int emit_in_list(struct sqlite_sql__c *c, struct buf *o, const struct query_node *n)
{
    struct buf xb;
    enum sqlite_sql__opk k = 0;
    buf_init(&xb, BUF_UNBOUNDED);
    int rc = sqlite_sql__field(c, &n->list.kids[0]->cmp.field, &xb, &k);
    bool fold = false;
    for (size_t i = 0; i < n->list.n_kids; i++)
        fold |= k != SQLITE_SQL__INT && has_letter(n->list.kids[i]->cmp.value.text);
    if (rc == 0) {
        buf_printf(o, "%s%s IN (", xb.p ? xb.p : "", fold ? " COLLATE NOCASE" : "");
        for (size_t i = 0; i < n->list.n_kids; i++)
            eq_operands(c, o, &n->list.kids[i]->cmp.value, k, i == 0);
        buf_putc(o, ')');
    }
    buf_fini(&xb);
    return rc;
}

/* (k1 AND k2 ...) in groups of at most SQLITE_SQL__CHUNK terms. */
static int emit_group(struct sqlite_sql__c *c, struct buf *o, const struct query_node *n,
                      struct query_node *const *kids, size_t count)
{
    int rc = enter(c, n);
    if (rc)
        return rc;
    const char *sep = n->kind == QUERY_N_AND ? " AND " : " OR ";
    size_t per = 1;
    while (count > per * SQLITE_SQL__CHUNK)
        per *= SQLITE_SQL__CHUNK;
    buf_putc(o, '(');
    for (size_t i = 0; i < count && rc == 0; i += per) {
        if (i)
            buf_append_c(o, sep);
        size_t m = count - i < per ? count - i : per;
        rc = per == 1 ? sqlite_sql__expr(c, o, kids[i]) : emit_group(c, o, n, kids + i, m);
    }
    buf_putc(o, ')');
    c->nest--;
    return rc;
}

int sqlite_sql__expr(struct sqlite_sql__c *c, struct buf *o, const struct query_node *n)
{
    if (c->err)
        return c->err;
    switch (n->kind) {
    case QUERY_N_TRUE:
        buf_putc(o, '1');
        return 0;
    case QUERY_N_FALSE:
        buf_putc(o, '0');
        return 0;
    case QUERY_N_AND:
    case QUERY_N_OR:
        if (is_in_list(n))
            return emit_in_list(c, o, n);
        return emit_group(c, o, n, n->list.kids, n->list.n_kids);
    case QUERY_N_NOT: {
        /* not not x is x: WHERE already reads "unknown" as false. */
        bool negate = true;
        const struct query_node *k = n->kid;
        while (k->kind == QUERY_N_NOT) {
            negate = !negate;
            k = k->kid;
        }
        if (!negate)
            return sqlite_sql__expr(c, o, k);
        int rc = enter(c, n);
        if (rc)
            return rc;
        buf_putc(o, '(');
        rc = sqlite_sql__expr(c, o, k);
        buf_append_c(o, ") IS NOT TRUE");
        c->nest--;
        return rc;
    }
    case QUERY_N_CMP:
        return emit_cmp(c, o, n);
    case QUERY_N_FULLTEXT:
        return emit_text(c, o, n);
    case QUERY_N_EXISTS:
        return emit_exists(c, o, &n->exists);
    }
    return sqlite_sql__fail(c, E_STATE, n->col, "unknown expression node");
}
