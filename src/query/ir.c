/*
 * ir.c - constructing and releasing the query IR; names of its enums.
 * The text dump lives in ir_dump.c.
 */
#include "query/ir.h"
#include "base/clock.h"
#include "base/err.h"
#include "query/query_int.h"
#include "base/xmalloc.h"
#include "core/field.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct query *query_new(void)
{
    struct query *q = xcalloc(1, sizeof(*q));
    arena_init(&q->arena, 4096);
    q->filter = query_node_const(&q->arena, true);
    q->earliest_ns = QUERY_TIME_MIN;
    q->latest_ns = QUERY_TIME_MAX;
    return q;
}

void query_free(struct query *q)
{
    if (q == NULL)
        return;
    arena_fini(&q->arena);
    free(q);
}

bool query_out_columns(const struct query *q, const struct query_column **cols, size_t *n)
{
    if (q->n_stages == 0 || q->stages[q->n_stages - 1].out_events) {
        *cols = NULL;
        *n = 0;
        return true;
    }
    const struct query_stage *st = &q->stages[q->n_stages - 1];
    *cols = st->out;
    *n = st->n_out;
    return false;
}

/* ---- nodes ---------------------------------------------------------------- */

static struct query_node *node_new(struct arena *a, enum query_nkind kind)
{
    struct query_node *n = arena_zalloc(a, sizeof(*n));
    n->kind = kind;
    return n;
}

struct query_node *query_node_const(struct arena *a, bool v)
{
    return node_new(a, v ? QUERY_N_TRUE : QUERY_N_FALSE);
}

struct query_node *query_node_list(struct arena *a, enum query_nkind and_or,
                                   struct query_node *const *kids, size_t n)
{
    /* AND drops TRUE and collapses on FALSE; OR the other way round. */
    enum query_nkind neutral = and_or == QUERY_N_AND ? QUERY_N_TRUE : QUERY_N_FALSE;
    enum query_nkind absorbing = and_or == QUERY_N_AND ? QUERY_N_FALSE : QUERY_N_TRUE;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (kids[i]->kind == absorbing)
            return kids[i];
        if (kids[i]->kind == and_or)
            total += kids[i]->list.n_kids;
        else if (kids[i]->kind != neutral)
            total++;
    }
    if (total == 0)
        return node_new(a, neutral);
    struct query_node **out = arena_alloc(a, total * sizeof(*out));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (kids[i]->kind == and_or) {
            memcpy(out + k, kids[i]->list.kids, kids[i]->list.n_kids * sizeof(*out));
            k += kids[i]->list.n_kids;
        } else if (kids[i]->kind != neutral) {
            out[k++] = kids[i];
        }
    }
    if (total == 1)
        return out[0];
    struct query_node *node = node_new(a, and_or);
    node->col = out[0]->col;
    node->list.kids = out;
    node->list.n_kids = total;
    return node;
}

struct query_node *query_node_not(struct arena *a, struct query_node *kid)
{
    struct query_node *n = node_new(a, QUERY_N_NOT);
    n->col = kid->col;
    n->kid = kid;
    return n;
}

static struct str dup_str(struct arena *a, struct str s)
{
    return str_make(arena_strndup(a, s.p ? s.p : "", s.len), s.len);
}

static struct query_field dup_field(struct arena *a, const struct query_field *f)
{
    struct query_field c = *f;
    c.name = dup_str(a, f->name);
    c.label = str_eq(f->label, f->name) ? c.name : dup_str(a, f->label);
    return c;
}

struct query_node *query_node_cmp(struct arena *a, const struct query_field *f, enum query_op op,
                                  const struct query_value *v, bool cased)
{
    struct query_node *n = node_new(a, QUERY_N_CMP);
    n->cmp.field = dup_field(a, f);
    n->cmp.op = op;
    n->cmp.cased = cased;
    n->cmp.value = *v;
    n->cmp.value.text = dup_str(a, v->text);
    return n;
}

struct query_node *query_node_cmp_field(struct arena *a, const struct query_field *f,
                                        enum query_op op, const struct query_field *rhs, bool cased)
{
    struct query_node *n = node_new(a, QUERY_N_CMP);
    n->cmp.field = dup_field(a, f);
    n->cmp.op = op;
    n->cmp.cased = cased;
    n->cmp.rhs_is_field = true;
    n->cmp.rhs = dup_field(a, rhs);
    n->cmp.value.type = QUERY_V_NULL;
    n->cmp.value.text = STR_LIT("");
    return n;
}

struct query_node *query_node_exists(struct arena *a, const struct query_field *f)
{
    struct query_node *n = node_new(a, QUERY_N_EXISTS);
    n->exists = dup_field(a, f);
    return n;
}

struct query_node *query_node_fulltext(struct arena *a, struct str text, bool wildcard)
{
    struct query_node *n = node_new(a, QUERY_N_FULLTEXT);
    n->text.text = dup_str(a, text);
    n->text.wildcard = wildcard;
    return n;
}

/* ---- fields ------------------------------------------------------------- */

static const struct {
    const char *name;
    enum query_fkind kind;
    const char *canon;
} virtual_fields[] = {
    {"_time", QUERY_F_TIME, "_time"},
    {"@timestamp", QUERY_F_TIME, "_time"},
    {"_ingest_time", QUERY_F_INGEST_TIME, "_ingest_time"},
    {"_raw", QUERY_F_RAW, "_raw"},
    {"_id", QUERY_F_ID, "_id"},
    {"source", QUERY_F_SOURCE, "source"},
    {"host", QUERY_F_EVENT, "host.name"}, /* Splunk's default field, ECS host.name */
};

struct query_field query_field_make(struct arena *a, struct str name, bool intern)
{
    struct query_field f = {.kind = QUERY_F_EVENT};
    f.label = dup_str(a, name);
    f.name = f.label;
    for (size_t i = 0; i < sizeof(virtual_fields) / sizeof(virtual_fields[0]); i++) {
        if (str_eq_c(name, virtual_fields[i].name)) {
            f.kind = virtual_fields[i].kind;
            f.name = str_c(virtual_fields[i].canon);
            break;
        }
    }
    if (f.kind == QUERY_F_EVENT)
        f.id = intern ? field_intern(f.name) : field_lookup(f.name);
    return f;
}

/* ---- values ------------------------------------------------------------- */

struct query_value query_value_str(struct arena *a, struct str s)
{
    return (struct query_value){.type = QUERY_V_STR, .text = dup_str(a, s)};
}

struct query_value query_value_int(struct arena *a, int64_t i)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, i);
    struct query_value v = {.type = QUERY_V_INT, .i = i};
    v.text = dup_str(a, str_make(tmp, (size_t)n));
    return v;
}

struct query_value query_value_float(struct arena *a, double f)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof(tmp), "%.17g", f);
    struct query_value v = {.type = QUERY_V_FLOAT, .f = f};
    v.text = dup_str(a, str_make(tmp, n > 0 ? (size_t)n : 0));
    return v;
}

struct query_value query_value_time(struct arena *a, int64_t ns)
{
    char tmp[48];
    query__format_time(ns, tmp, sizeof(tmp));
    struct query_value v = {.type = QUERY_V_TIME, .ns = ns};
    v.text = dup_str(a, str_c(tmp));
    return v;
}

int query_cidr_parse(struct str s, struct query_cidr *out)
{
    struct str addr, rest = str_cut(s, '/', &addr);
    char tmp[64];
    if (addr.len == 0 || addr.len >= sizeof(tmp))
        return E_PARSE;
    str_copy(addr, tmp, sizeof(tmp));
    struct query_cidr c = {0};
    if (inet_pton(AF_INET, tmp, c.addr) == 1)
        c.family = 4;
    else if (inet_pton(AF_INET6, tmp, c.addr) == 1)
        c.family = 6;
    else
        return E_PARSE;
    unsigned max = c.family == 4 ? 32 : 128;
    uint64_t prefix = max;
    if (rest.p != NULL) {
        if (rest.len > 3 || str_to_u64(rest, &prefix) != 0 || prefix > max)
            return E_PARSE;
    }
    c.prefix = (uint8_t)prefix;
    /* Clear the host bits so equal networks have equal bytes. */
    for (unsigned bit = c.prefix; bit < max; bit++)
        c.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    *out = c;
    return 0;
}

char *query_cidr_format(const struct query_cidr *c, char *out, size_t cap)
{
    char tmp[INET6_ADDRSTRLEN];
    if (inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, tmp, sizeof(tmp)) == NULL)
        tmp[0] = '\0';
    snprintf(out, cap, "%s/%u", tmp, (unsigned)c->prefix);
    return out;
}

int query_value_cidr(struct arena *a, struct str s, struct query_value *out)
{
    struct query_cidr c;
    int rc = query_cidr_parse(s, &c);
    if (rc)
        return rc;
    char tmp[64];
    query_cidr_format(&c, tmp, sizeof(tmp));
    *out = (struct query_value){.type = QUERY_V_CIDR, .cidr = c};
    out->text = dup_str(a, str_c(tmp));
    return 0;
}

struct str query_pattern_escape(struct arena *a, struct str literal)
{
    size_t extra = 0;
    for (size_t i = 0; i < literal.len; i++)
        if (literal.p[i] == '*' || literal.p[i] == '?' || literal.p[i] == '\\')
            extra++;
    char *p = arena_alloc(a, literal.len + extra + 1);
    size_t k = 0;
    for (size_t i = 0; i < literal.len; i++) {
        char c = literal.p[i];
        if (c == '*' || c == '?' || c == '\\')
            p[k++] = '\\';
        p[k++] = c;
    }
    p[k] = '\0';
    return str_make(p, k);
}

/* ---- names -------------------------------------------------------------- */

const char *query_op_name(enum query_op op)
{
    switch (op) {
#define QUERY_OP_NAME(e, name)                                                                     \
    case e:                                                                                        \
        return name;
        QUERY_OP_TABLE(QUERY_OP_NAME)
#undef QUERY_OP_NAME
    }
    return "?";
}

const char *query_agg_name(enum query_agg_fn fn)
{
    static const char *const names[] = {"count", "dc",  "sum",    "avg",
                                        "min",   "max", "values", "percentile"};
    return (unsigned)fn < sizeof(names) / sizeof(names[0]) ? names[fn] : "?";
}

const char *query_stage_name(enum query_skind k)
{
    static const char *const names[] = {"where",     "fields", "sort", "head", "tail", "stats",
                                        "timechart", "bin",    "top",  "rare", "dedup"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

int64_t query_auto_span(int64_t earliest_ns, int64_t latest_ns)
{
    static const int64_t spans[] = {1,    5,    10,    30,    60,    300,    600,
                                    1800, 3600, 10800, 43200, 86400, 604800, 2592000};
    size_t n = sizeof(spans) / sizeof(spans[0]);
    if (earliest_ns == QUERY_TIME_MIN || latest_ns == QUERY_TIME_MAX || latest_ns <= earliest_ns)
        return 3600 * NS_PER_SEC;
    /* Unsigned: the difference of two int64 may not fit one. */
    uint64_t range = (uint64_t)latest_ns - (uint64_t)earliest_ns;
    uint64_t target = range / 100;
    for (size_t i = 0; i < n; i++)
        if ((uint64_t)spans[i] * (uint64_t)NS_PER_SEC >= target)
            return spans[i] * NS_PER_SEC;
    return spans[n - 1] * NS_PER_SEC;
}
