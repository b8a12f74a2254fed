/*
 * sqlite_sql_int.h - shared between the parts of the SQL compiler:
 * sqlite_sql.c (partitions, stages, the statement) and sqlite_sql_expr.c
 * (filter expressions and field access). Not for use outside them.
 */
#ifndef VIGIL_STORE_SQLITE_SQL_INT_H
#define VIGIL_STORE_SQLITE_SQL_INT_H

#include "base/buf.h"
#include "base/map.h"
#include "store/sqlite_sql.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * SQLite parses with a fixed stack of 100 entries and nested parentheses
 * use about three each, so filter expressions may nest only so deep
 * however the query was written. Long AND/OR chains are emitted in groups
 * of at most SQLITE_SQL__CHUNK terms so that the expression tree also
 * stays below SQLite's depth limit of 1000.
 */
#define SQLITE_SQL__MAX_NEST 20u
#define SQLITE_SQL__CHUNK    32u

/* How SQLite will compare a field expression (its type affinity). */
enum sqlite_sql__opk {
    SQLITE_SQL__TEXT, /* TEXT column: affinity converts numbers to text */
    SQLITE_SQL__INT,  /* INTEGER column */
    SQLITE_SQL__TIME, /* integer nanoseconds */
    SQLITE_SQL__ANY,  /* no affinity: json_extract(), result columns */
};

struct sqlite_sql__c {
    const struct query *q;
    struct sql_plan *plan;
    struct diag *d;
    int err;              /* first error, sticky */
    struct map bind_keys; /* dedup of bound values -> index + 1 */
    size_t cap_binds;
    /* What the expression being compiled reads. */
    const struct sql_partition *part; /* the partition of the filter; NULL in stages */
    bool events;                      /* event rows (t.ts, t.fields, ...) or a table (t.cN) */
    const struct query_column *cols;
    size_t n_cols;
    uint32_t nest; /* parentheses open in the current expression */
};

/* Record the first error with "column N: " (when col > 0) and return it. */
int sqlite_sql__fail(struct sqlite_sql__c *c, int code, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Bind a value and write its placeholder ("?7") to o. Equal values share one parameter. */
void sqlite_sql__bind_int(struct sqlite_sql__c *c, struct buf *o, int64_t v);
void sqlite_sql__bind_float(struct sqlite_sql__c *c, struct buf *o, double v);
void sqlite_sql__bind_text(struct sqlite_sql__c *c, struct buf *o, struct str s);

/* Can name be written into a JSON path `$."name"`? Bind that path ("$.\"name\""). */
bool sqlite_sql__path_safe(struct str name);
void sqlite_sql__bind_path(struct sqlite_sql__c *c, struct buf *o, struct str name);
/* Write the SQL reading field f in the current rows to o; *k says how it compares. */
int sqlite_sql__field(struct sqlite_sql__c *c, const struct query_field *f, struct buf *o,
                      enum sqlite_sql__opk *k);
/* Write a boolean SQL expression for n to o. */
int sqlite_sql__expr(struct sqlite_sql__c *c, struct buf *o, const struct query_node *n);

/* ---- the statement (sqlite_sql.c, sqlite_sql_stage.c) -------------------- */

struct sqlite_sql__level {
    bool events;
    bool has_o; /* order is t._o; else (events only) ts DESC, id DESC */
    const struct query_column *cols;
    size_t n_cols;
    unsigned cte; /* read it as s<cte> */
};

struct sqlite_sql__gen {
    struct sqlite_sql__c c;
    const struct sql_target *t;
    const struct sql_opts *o;
    struct buf *b;
    bool any_cte;
    unsigned next_s;
    struct sqlite_sql__level lv;
    int64_t first_day, last_day; /* partitions in range, for timechart's automatic span */
};

/* Column lists of a level ("t.id AS id, ..."), optionally with its order column _o. */
void sqlite_sql__event_cols(struct buf *b, bool with_o);
void sqlite_sql__null_event_cols(struct buf *b);
void sqlite_sql__table_cols(struct buf *b, size_t n, bool with_o);
/* ORDER BY terms of the current level's order (reversed for tail). */
void sqlite_sql__cur_order(struct sqlite_sql__gen *g, bool reverse);
/* Write the SQL of field f in the current level to g->b. */
int sqlite_sql__emit_field(struct sqlite_sql__gen *g, const struct query_field *f);
/* " FROM s<N> AS t" for the current level. */
void sqlite_sql__from_level(struct sqlite_sql__gen *g);
/* Open "WITH <prefix><n> AS (" or ",\n<prefix><n> AS ("; the caller closes it. */
void sqlite_sql__open_cte(struct sqlite_sql__gen *g, char prefix, unsigned n);
/* Open the next stage CTE s<N> and return N. */
unsigned sqlite_sql__open_stage(struct sqlite_sql__gen *g);
/* Emit the CTEs of one stage and move g->lv to its output. */
int sqlite_sql__stage(struct sqlite_sql__gen *g, const struct query_stage *st);

#endif
