/*
 * ir_dump.c - the deterministic text form of the IR (see query_ir_dump()).
 *
 * Strings are always double-quoted, so an unquoted token in a dump is a
 * field, a number, a network, a time or a keyword. Field ids are not
 * printed: they differ between processes.
 */
#include "query/ir.h"
#include "query/query_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dump_quoted(struct buf *b, struct str s, char quote)
{
    buf_putc(b, quote);
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == (unsigned char)quote || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c == '\n') {
            buf_append_c(b, "\\n");
        } else if (c == '\t') {
            buf_append_c(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\x%02x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, quote);
}

static bool plain_name(struct str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '@' || (c == '-' && i > 0);
        if (!ok)
            return false;
    }
    return true;
}

static void dump_name(struct buf *b, struct str s)
{
    if (plain_name(s))
        buf_append_str(b, s);
    else
        dump_quoted(b, s, '`');
}

static void dump_field(struct buf *b, const struct query_field *f)
{
    if (f->kind == QUERY_F_COLUMN)
        buf_putc(b, '$');
    dump_name(b, f->name);
}

/* The shortest %g form that reads back as the same double, always with a '.' or exponent. */
static void dump_double(struct buf *b, double v)
{
    char tmp[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        buf_printf(b, "%.0f.0", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    buf_append_c(b, tmp);
    if (strpbrk(tmp, ".eEn") == NULL)
        buf_append_c(b, ".0");
}

static void dump_value(struct buf *b, const struct query_value *v)
{
    char tmp[64];
    switch (v->type) {
    case QUERY_V_NULL:
        buf_append_c(b, "null");
        break;
    case QUERY_V_STR:
        dump_quoted(b, v->text, '"');
        break;
    case QUERY_V_INT:
        buf_printf(b, "%" PRId64, v->i);
        break;
    case QUERY_V_FLOAT:
        dump_double(b, v->f);
        break;
    case QUERY_V_BOOL:
        buf_append_c(b, v->b ? "true" : "false");
        break;
    case QUERY_V_CIDR:
        buf_append_c(b, query_cidr_format(&v->cidr, tmp, sizeof(tmp)));
        break;
    case QUERY_V_TIME:
        buf_append_c(b, query__format_time(v->ns, tmp, sizeof(tmp)));
        break;
    }
}

int query_node_dump(const struct query_node *n, struct buf *b)
{
    switch (n->kind) {
    case QUERY_N_TRUE:
        buf_append_c(b, "true");
        break;
    case QUERY_N_FALSE:
        buf_append_c(b, "false");
        break;
    case QUERY_N_AND:
    case QUERY_N_OR:
        buf_append_c(b, n->kind == QUERY_N_AND ? "(and" : "(or");
        for (size_t i = 0; i < n->list.n_kids; i++) {
            buf_putc(b, ' ');
            query_node_dump(n->list.kids[i], b);
        }
        buf_putc(b, ')');
        break;
    case QUERY_N_NOT:
        buf_append_c(b, "(not ");
        query_node_dump(n->kid, b);
        buf_putc(b, ')');
        break;
    case QUERY_N_CMP:
        buf_printf(b, "(%s%s ", query_op_name(n->cmp.op), n->cmp.cased ? "/cased" : "");
        dump_field(b, &n->cmp.field);
        buf_putc(b, ' ');
        if (n->cmp.rhs_is_field)
            dump_field(b, &n->cmp.rhs);
        else
            dump_value(b, &n->cmp.value);
        buf_putc(b, ')');
        break;
    case QUERY_N_FULLTEXT:
        buf_append_c(b, n->text.wildcard ? "(text-wild " : "(text ");
        dump_quoted(b, n->text.text, '"');
        buf_putc(b, ')');
        break;
    case QUERY_N_EXISTS:
        buf_append_c(b, "(exists ");
        dump_field(b, &n->exists);
        buf_putc(b, ')');
        break;
    }
    return b->err;
}

/* Fields that name output columns show the name when it is not the field's (host.name as "host").
 */
static void dump_fields(struct buf *b, const struct query_field *f, size_t n, bool columns)
{
    for (size_t i = 0; i < n; i++) {
        buf_append_c(b, i ? ", " : "");
        dump_field(b, &f[i]);
        if (columns && f[i].kind != QUERY_F_COLUMN && !str_eq(f[i].name, f[i].label)) {
            buf_append_c(b, " as ");
            dump_quoted(b, f[i].label, '"');
        }
    }
}

static void dump_span(struct buf *b, int64_t ns)
{
    if (ns == 0)
        buf_append_c(b, " span=auto");
    else if (ns % 1000000000 == 0)
        buf_printf(b, " span=%" PRId64 "s", ns / 1000000000);
    else
        buf_printf(b, " span=%" PRId64 "ns", ns);
}

static void dump_aggs(struct buf *b, const struct query_stage *st)
{
    for (size_t i = 0; i < st->n_aggs; i++) {
        const struct query_agg *a = &st->aggs[i];
        buf_append_c(b, i ? ", " : " ");
        if (a->fn == QUERY_AGG_PERCENTILE) {
            buf_append_c(b, "perc");
            char tmp[40];
            snprintf(tmp, sizeof(tmp), "%g", a->pct);
            buf_append_c(b, tmp);
        } else {
            buf_append_c(b, query_agg_name(a->fn));
        }
        if (a->has_field) {
            buf_putc(b, '(');
            dump_field(b, &a->field);
            buf_putc(b, ')');
        }
        buf_append_c(b, " as ");
        dump_quoted(b, a->name, '"');
    }
}

static void dump_by(struct buf *b, const struct query_stage *st)
{
    if (st->n_by) {
        buf_append_c(b, " by ");
        dump_fields(b, st->by, st->n_by, true);
    }
}

static void dump_stage(struct buf *b, const struct query_stage *st)
{
    buf_printf(b, "| %s", query_stage_name(st->kind));
    switch (st->kind) {
    case QUERY_S_WHERE:
        buf_putc(b, ' ');
        query_node_dump(st->expr, b);
        break;
    case QUERY_S_FIELDS:
    case QUERY_S_DEDUP:
        buf_putc(b, ' ');
        dump_fields(b, st->fields, st->n_fields, st->kind == QUERY_S_FIELDS);
        break;
    case QUERY_S_SORT:
        if (st->count)
            buf_printf(b, " limit=%" PRId64, st->count);
        for (size_t i = 0; i < st->n_keys; i++) {
            buf_append_c(b, i ? ", " : " ");
            buf_putc(b, st->keys[i].desc ? '-' : '+');
            dump_field(b, &st->keys[i].field);
        }
        break;
    case QUERY_S_HEAD:
    case QUERY_S_TAIL:
        buf_printf(b, " %" PRId64, st->count);
        break;
    case QUERY_S_STATS:
        dump_aggs(b, st);
        dump_by(b, st);
        break;
    case QUERY_S_TIMECHART:
        dump_span(b, st->span_ns);
        dump_aggs(b, st);
        dump_by(b, st);
        break;
    case QUERY_S_BIN:
        buf_putc(b, ' ');
        dump_field(b, &st->fields[0]);
        if (st->span_ns)
            dump_span(b, st->span_ns);
        else {
            buf_append_c(b, " span=");
            dump_double(b, st->span);
        }
        break;
    case QUERY_S_TOP:
    case QUERY_S_RARE:
        buf_printf(b, " %" PRId64 " ", st->count);
        dump_fields(b, st->fields, st->n_fields, true);
        dump_by(b, st);
        break;
    }
    buf_putc(b, '\n');
}

int query_ir_dump(const struct query *q, struct buf *b)
{
    char tmp[64];
    if (q->earliest_ns != QUERY_TIME_MIN)
        buf_printf(b, "earliest: %s\n", query__format_time(q->earliest_ns, tmp, sizeof(tmp)));
    if (q->latest_ns != QUERY_TIME_MAX)
        buf_printf(b, "latest: %s\n", query__format_time(q->latest_ns, tmp, sizeof(tmp)));
    buf_append_c(b, "filter: ");
    query_node_dump(q->filter, b);
    buf_putc(b, '\n');
    for (size_t i = 0; i < q->n_stages; i++)
        dump_stage(b, &q->stages[i]);
    return b->err;
}
