/*
 * ir.h - the query intermediate representation (IR).
 *
 * Every way into vigil's search ends here: the query language (query.h),
 * Sigma detections and natural-language questions all produce a struct
 * query, and every way out starts here: SQL for the SQLite store
 * (store/sqlite_sql.h), the streaming matcher, and translations to SPL,
 * ES|QL, KQL and Lucene. The IR says what to match and how to shape the
 * result; it knows nothing about any backend.
 *
 * A query is a filter expression (a tree of struct query_node), a time
 * range [earliest_ns, latest_ns) and a list of pipe stages. Stages read the
 * rows of the stage before them: either events (any field may be named) or
 * a table with named columns (after stats, top, fields, ...). Field
 * references in a stage that reads a table are QUERY_F_COLUMN and carry the
 * column's index, so consumers never resolve names themselves.
 *
 * Ownership: a struct query owns an arena holding every node, string and
 * array reachable from it; query_free() releases everything at once. Code
 * that builds IR (the Sigma engine) allocates nodes with the constructors
 * below in q->arena. Strings passed to constructors are copied. A finished
 * query is immutable and may be read by several threads.
 */
#ifndef VIGIL_QUERY_IR_H
#define VIGIL_QUERY_IR_H

#include "base/arena.h"
#include "base/buf.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUERY_TIME_MIN INT64_MIN /* earliest_ns of a query without a lower bound */
#define QUERY_TIME_MAX INT64_MAX /* latest_ns of a query without an upper bound */

/* ---- field references --------------------------------------------------- */

enum query_fkind {
    QUERY_F_EVENT,       /* an event field by name (ECS or original) */
    QUERY_F_TIME,        /* _time, @timestamp: the event time, ns since the epoch */
    QUERY_F_INGEST_TIME, /* _ingest_time: when vigil received the event */
    QUERY_F_RAW,         /* _raw: the record as received */
    QUERY_F_ID,          /* _id: the event's id in the store */
    QUERY_F_SOURCE,      /* source: the name of the source the event came from */
    QUERY_F_COLUMN,      /* a column of the table the previous stage produced */
};

struct query_field {
    enum query_fkind kind;
    uint32_t id;      /* QUERY_F_EVENT: field id (core/field.h), F_NONE if never interned */
    uint32_t col;     /* QUERY_F_COLUMN: index into the previous stage's columns */
    struct str name;  /* canonical: "host.name" for `host`, "_time" for @timestamp */
    struct str label; /* as the user wrote it; names the output column */
};

/* ---- values ------------------------------------------------------------- */

enum query_vtype {
    QUERY_V_NULL, /* "the field is absent" (Sigma's null) */
    QUERY_V_STR,
    QUERY_V_INT,
    QUERY_V_FLOAT,
    QUERY_V_BOOL,
    QUERY_V_CIDR,
    QUERY_V_TIME, /* ns since the epoch, UTC */
};

struct query_cidr {
    uint8_t family;   /* 4 or 6 */
    uint8_t prefix;   /* 0..32 or 0..128 */
    uint8_t addr[16]; /* network byte order, host bits cleared; IPv4 uses 4 bytes */
};

/*
 * `text` is always set: the unescaped literal for QUERY_V_STR, the number as
 * written for INT and FLOAT, "true"/"false", the canonical network for CIDR
 * ("10.0.0.0/8") and the time as written for TIME.
 *
 * For the pattern operators (QUERY_OP_WILDCARD) the text is a pattern in one
 * canonical form shared by every producer and consumer: `*` matches any run
 * of characters, `?` any one character, and a backslash makes the next
 * character literal (`\*`, `\?`, `\\`). Every other character is literal.
 */
struct query_value {
    enum query_vtype type;
    struct str text;
    union {
        int64_t i;  /* INT */
        double f;   /* FLOAT */
        bool b;     /* BOOL */
        int64_t ns; /* TIME */
        struct query_cidr cidr;
    };
};

/* ---- expressions -------------------------------------------------------- */

/* X(enum, name in dumps) */
#define QUERY_OP_TABLE(X)                                                                          \
    X(QUERY_OP_EQ, "eq")                                                                           \
    X(QUERY_OP_NE, "ne") /* the field exists and differs */                                        \
    X(QUERY_OP_LT, "lt")                                                                           \
    X(QUERY_OP_LE, "le")                                                                           \
    X(QUERY_OP_GT, "gt")                                                                           \
    X(QUERY_OP_GE, "ge")                                                                           \
    X(QUERY_OP_WILDCARD, "wildcard")     /* value: canonical pattern */                            \
    X(QUERY_OP_CIDR, "cidr")             /* value: QUERY_V_CIDR */                                 \
    X(QUERY_OP_CONTAINS, "contains")     /* value: literal text */                                 \
    X(QUERY_OP_STARTSWITH, "startswith") /* value: literal text */                                 \
    X(QUERY_OP_ENDSWITH, "endswith")     /* value: literal text */                                 \
    X(QUERY_OP_REGEX, "regex")           /* value: the regular expression */

enum query_op {
#define QUERY_OP_ENUM(e, name) e,
    QUERY_OP_TABLE(QUERY_OP_ENUM)
#undef QUERY_OP_ENUM
};

enum query_nkind {
    QUERY_N_TRUE,
    QUERY_N_FALSE,
    QUERY_N_AND,
    QUERY_N_OR,
    QUERY_N_NOT,
    QUERY_N_CMP,
    QUERY_N_FULLTEXT,
    QUERY_N_EXISTS,
};

/*
 * A comparison. Strings compare case-insensitively unless `cased` is set.
 * EQ/NE/LT/.. with a number compare numerically, also against fields that
 * hold the number as a string ("4625"); with a string they compare text.
 * The right-hand side is a value, or another field when rhs_is_field
 * (Sigma's fieldref, `where a > b`).
 */
struct query_cmp {
    struct query_field field;
    enum query_op op;
    bool cased;
    bool rhs_is_field;
    struct query_value value; /* when !rhs_is_field */
    struct query_field rhs;   /* when rhs_is_field */
};

/* Full-text search over the raw event: a word or phrase, or a pattern when wildcard is set. */
struct query_text {
    struct str text;
    bool wildcard;
};

struct query_node {
    enum query_nkind kind;
    uint32_t col; /* 1-based column in the query text; 0 when built by code */
    union {
        struct {
            struct query_node **kids;
            size_t n_kids;
        } list;                    /* AND, OR: two or more kids, none of the same kind */
        struct query_node *kid;    /* NOT */
        struct query_cmp cmp;      /* CMP */
        struct query_text text;    /* FULLTEXT */
        struct query_field exists; /* EXISTS: the field is present and not null */
    };
};

/* ---- pipe stages -------------------------------------------------------- */

enum query_skind {
    QUERY_S_WHERE,     /* expr */
    QUERY_S_FIELDS,    /* fields: the columns to keep, in order */
    QUERY_S_SORT,      /* keys; count (0 = keep all) */
    QUERY_S_HEAD,      /* count */
    QUERY_S_TAIL,      /* count: the last rows, last first */
    QUERY_S_STATS,     /* aggs by `by` */
    QUERY_S_TIMECHART, /* fields[0] = the time field; span_ns (0 = automatic); aggs by by[0] */
    QUERY_S_BIN,       /* fields[0]; span_ns for times, span for numbers */
    QUERY_S_TOP,       /* the count most common combinations of fields, per by */
    QUERY_S_RARE,      /* the count least common */
    QUERY_S_DEDUP,     /* fields: keep the first row of each combination */
};

enum query_agg_fn {
    QUERY_AGG_COUNT, /* rows, or rows where field is present */
    QUERY_AGG_DC,    /* distinct values */
    QUERY_AGG_SUM,
    QUERY_AGG_AVG,
    QUERY_AGG_MIN,
    QUERY_AGG_MAX,
    QUERY_AGG_VALUES,     /* the distinct values, sorted */
    QUERY_AGG_PERCENTILE, /* pct in [0, 100], linear interpolation between ranks */
};

struct query_agg {
    enum query_agg_fn fn;
    bool has_field;
    struct query_field field;
    double pct;      /* PERCENTILE */
    struct str name; /* output column: the `as` name, or "dc(user.name)" */
};

struct query_sort_key {
    struct query_field field;
    bool desc;
};

enum query_ctype {
    QUERY_C_VALUE,  /* whatever the field holds */
    QUERY_C_NUMBER, /* counts, sums, percentiles */
    QUERY_C_TIME,   /* ns since the epoch */
    QUERY_C_LIST,   /* a JSON array of strings (values()) */
};

struct query_column {
    struct str name;
    enum query_ctype type;
};

struct query_stage {
    enum query_skind kind;
    uint32_t col; /* column of the stage's name in the query text */
    struct query_node *expr;
    struct query_field *fields;
    size_t n_fields;
    struct query_sort_key *keys;
    size_t n_keys;
    struct query_agg *aggs;
    size_t n_aggs;
    struct query_field *by;
    size_t n_by;
    int64_t count;
    int64_t span_ns;
    double span;
    /* What this stage outputs: events, or a table of these columns. */
    bool out_events;
    struct query_column *out;
    size_t n_out;
};

/* ---- the query ---------------------------------------------------------- */

struct query {
    struct arena arena;        /* owns everything reachable from the query */
    struct str text;           /* the query text, when parsed from text */
    struct query_node *filter; /* never NULL: QUERY_N_TRUE matches every event */
    int64_t earliest_ns;       /* inclusive, QUERY_TIME_MIN when unbounded */
    int64_t latest_ns;         /* exclusive, QUERY_TIME_MAX when unbounded */
    struct query_stage *stages;
    size_t n_stages;
};

/* An empty query: every event, all time, no stages. Free with query_free(). */
struct query *query_new(void);
/* Release the query and everything in its arena. NULL is a no-op. */
void query_free(struct query *q);

/* The rows the query outputs: events (out_events) or a table (*cols, *n). */
bool query_out_columns(const struct query *q, const struct query_column **cols, size_t *n);

/*
 * Constructors. Nodes live in arena `a` (normally &q->arena). AND/OR splice
 * kids of their own kind and drop neutral constants, so the tree stays
 * canonical; a list of one kid is that kid, of none TRUE (AND) or FALSE (OR).
 */
struct query_node *query_node_const(struct arena *a, bool v);
struct query_node *query_node_list(struct arena *a, enum query_nkind and_or,
                                   struct query_node *const *kids, size_t n);
struct query_node *query_node_not(struct arena *a, struct query_node *kid);
struct query_node *query_node_cmp(struct arena *a, const struct query_field *f, enum query_op op,
                                  const struct query_value *v, bool cased);
struct query_node *query_node_cmp_field(struct arena *a, const struct query_field *f,
                                        enum query_op op, const struct query_field *rhs,
                                        bool cased);
struct query_node *query_node_exists(struct arena *a, const struct query_field *f);
struct query_node *query_node_fulltext(struct arena *a, struct str text, bool wildcard);

/*
 * A reference to a field by name: maps the virtual names (_time,
 * @timestamp, _raw, _id, _ingest_time, source, host) and looks up the
 * field id. With intern set, unknown names are interned (long-lived rules);
 * without, they keep id F_NONE so ad-hoc searches never grow the dictionary.
 */
struct query_field query_field_make(struct arena *a, struct str name, bool intern);

struct query_value query_value_str(struct arena *a, struct str s);
struct query_value query_value_int(struct arena *a, int64_t i);
struct query_value query_value_float(struct arena *a, double f);
struct query_value query_value_time(struct arena *a, int64_t ns);
/* "10.0.0.0/8", "2001:db8::/32", or a single address (full prefix). 0 or E_PARSE. */
int query_value_cidr(struct arena *a, struct str s, struct query_value *out);
/* Parse a CIDR network without allocating. 0 or E_PARSE. */
int query_cidr_parse(struct str s, struct query_cidr *out);
/* Canonical "addr/prefix" text; cap of 64 is always enough. Returns out. */
char *query_cidr_format(const struct query_cidr *c, char *out, size_t cap);

/* Escape a literal so it can be used as a QUERY_OP_WILDCARD pattern. */
struct str query_pattern_escape(struct arena *a, struct str literal);

const char *query_op_name(enum query_op op);
const char *query_agg_name(enum query_agg_fn fn);
const char *query_stage_name(enum query_skind k);

/* A bucket width giving about 100 buckets over [earliest, latest): 1s, 5s, .. 1d, 7d. */
int64_t query_auto_span(int64_t earliest_ns, int64_t latest_ns);

/*
 * Deterministic text form, one line per part:
 *   earliest: 2024-03-14T12:34:56Z        (only when bounded)
 *   latest: 2024-03-15T12:34:56Z
 *   filter: (and (eq event.code 4625) (not (wildcard user.name "svc_*")))
 *   | stats count as "count" by host
 * Used by tests and `vigil search --explain`. Returns buf's sticky error.
 */
int query_ir_dump(const struct query *q, struct buf *out);
int query_node_dump(const struct query_node *n, struct buf *out);

#endif
