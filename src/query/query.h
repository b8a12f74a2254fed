/*
 * query.h - vigil's query language: text in, IR (ir.h) out.
 *
 *   event.code:4625 source.ip:10.0.0.0/8 not user.name:svc_* earliest=-24h
 *   | stats count, dc(user.name) as users by host | sort -count | head 10
 *
 * The grammar, its semantics and examples are in docs/query.md. Parsing is
 * a pure function of the text and the options: "now" for relative times is
 * injected, every input-driven size has a cap (E_TOOBIG), and errors name
 * the column and what was expected in d->msg ("column 23: expected a value
 * after ':', found '|'") with d->where = "query".
 *
 * Thread-safety: query_parse() may run on any thread. With
 * opts->intern_fields it interns field names (core/field.h is thread-safe).
 */
#ifndef VIGIL_QUERY_QUERY_H
#define VIGIL_QUERY_QUERY_H

#include "base/err.h"
#include "base/str.h"
#include "query/ir.h"

#include <stdbool.h>
#include <stdint.h>

#define QUERY_DEFAULT_MAX_LEN    (64u * 1024u)
#define QUERY_DEFAULT_MAX_DEPTH  64u
#define QUERY_DEFAULT_MAX_TERMS  4096u
#define QUERY_DEFAULT_MAX_LIST   1024u
#define QUERY_DEFAULT_MAX_STAGES 32u

/* Zero fields take the defaults above; a NULL opts means all defaults and the real clock. */
struct query_opts {
    int64_t now_ns;      /* "now" for relative times; 0 = clock_now_ns() */
    size_t max_len;      /* bytes of query text */
    uint32_t max_depth;  /* nesting of parentheses and 'not' */
    uint32_t max_terms;  /* comparisons, full-text terms and list values in the whole query */
    uint32_t max_list;   /* values in one list: field:(a or b ...), field in (a, b ...) */
    uint32_t max_stages; /* pipe stages */
    bool intern_fields;  /* intern unknown field names (rules); searches leave them F_NONE */
};

/*
 * Parse `text` into a new query. On success *out owns the result (free with
 * query_free()); on error *out is NULL and d says where and why. Returns 0,
 * E_PARSE (syntax), E_TOOBIG (a cap), E_RANGE (a time or number out of
 * range, an empty time range) or E_ENCODING (invalid UTF-8).
 */
int query_parse(struct str text, const struct query_opts *opts, struct query **out, struct diag *d);

#endif
