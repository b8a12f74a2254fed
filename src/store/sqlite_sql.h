/*
 * sqlite_sql.h - compile a query (query/ir.h) into one SQLite statement.
 *
 * The statement reads the day partitions the caller names (store/schema.h)
 * for one tenant and the query's time range, applies the filter in each
 * partition (full text through its FTS5 index), and runs the pipe stages as
 * a chain of common table expressions, each reading the one before:
 *
 *   WITH s0 AS (SELECT ... FROM ev_20240315 AS t WHERE t.tenant_id = ?1 AND (...)
 *               UNION ALL SELECT ... FROM ev_20240314 AS t WHERE ...),
 *        s1 AS (SELECT ... FROM s0 AS t GROUP BY 1), ...
 *   SELECT t.c0 AS c0, ... FROM s3 AS t ORDER BY t._o LIMIT ?9
 *
 * No user text is ever part of the SQL: values, field names and JSON paths
 * are bound parameters (numbered, so one value used in every partition is
 * bound once); output columns are c0, c1, ... and their user-facing names
 * are in plan->columns. Table names come from the caller's partitions and
 * must look like schema_partition_names() output.
 *
 * The SQL uses the functions and the collation sqlite_func_register() adds;
 * register them on every connection that runs a plan.
 *
 * Ownership: the plan owns its SQL, binds and names; sqlite_sql_plan_fini()
 * releases them. Compiling is a pure function and thread-safe.
 */
#ifndef VIGIL_STORE_SQLITE_SQL_H
#define VIGIL_STORE_SQLITE_SQL_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "query/ir.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sql_partition {
    int64_t day;  /* UTC day number (schema_day_of) */
    char ev[16];  /* "ev_YYYYMMDD" */
    char fts[16]; /* "fts_YYYYMMDD" */
    bool has_fts; /* without it, full text falls back to LIKE over raw */
};

struct sql_target {
    uint32_t tenant_id;
    const struct sql_partition *parts; /* any order; those outside the query's range are skipped */
    size_t n_parts;
};

#define SQL_DEFAULT_MAX_BYTES (16u * 1024u * 1024u)

struct sql_opts {
    int64_t limit;        /* rows the statement returns at most; 0 = all */
    size_t max_sql_bytes; /* E_TOOBIG past it; 0 = SQL_DEFAULT_MAX_BYTES */
};

enum sql_bind_type {
    SQL_BIND_INT,
    SQL_BIND_FLOAT,
    SQL_BIND_TEXT,
};

struct sql_bind {
    enum sql_bind_type type;
    int64_t i;
    double f;
    struct str s; /* in the plan's arena */
};

enum sql_col_type {
    SQL_COL_VALUE,  /* whatever the field holds */
    SQL_COL_NUMBER, /* counts, sums, percentiles */
    SQL_COL_TIME,   /* integer ns since the epoch */
    SQL_COL_LIST,   /* JSON array of strings (values()) */
    SQL_COL_FIELDS, /* JSON object of all the event's fields */
};

struct sql_column {
    struct str name; /* user-facing: "_time", "count", "dc(user.name)", an `as` name */
    enum sql_col_type type;
};

struct sql_plan {
    struct arena arena;
    char *sql; /* NUL-terminated */
    size_t sql_len;
    struct sql_bind *binds; /* binds[i] is parameter ?(i+1) */
    size_t n_binds;
    struct sql_column *columns; /* result column i is named columns[i].name */
    size_t n_columns;
    bool events; /* rows are events: _time, host, source, _raw, _id, fields */
};

/*
 * Compile q for target t. On success *out must be released with
 * sqlite_sql_plan_fini(); on error it needs nothing and d says why:
 * E_UNSUPPORTED (an operator the store cannot run yet, e.g. regex),
 * E_TOOBIG (the SQL would exceed a limit), E_INVAL (a bad partition name).
 */
int sqlite_sql_compile(const struct query *q, const struct sql_target *t,
                       const struct sql_opts *opts, struct sql_plan *out, struct diag *d);
void sqlite_sql_plan_fini(struct sql_plan *p);
/* Bind every parameter of the plan to st (prepared from p->sql). 0 or E_DB. */
int sqlite_sql_bind(sqlite3_stmt *st, const struct sql_plan *p);

#endif
