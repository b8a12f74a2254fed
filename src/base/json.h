/*
 * json.h - JSON helpers.
 *
 * Two tools with two jobs:
 *   - json_write_*: escape and emit JSON text into a bounded buf (output of
 *     events, API replies, logs). General documents (config, API bodies) are
 *     read with cJSON, the project's one JSON library.
 *   - json_flatten: the ingest hot path. A zero-copy scanner that walks one
 *     JSON object and reports each scalar leaf under its dotted path
 *     ("winlog.event_data.TargetUserName") without building a tree. Measured
 *     on the OTRF corpus, cJSON parses ~420 MB/s while allocating every node;
 *     this scanner does the same validation without allocation (see
 *     docs/BENCHMARKS.md).
 */
#ifndef VIGIL_BASE_JSON_H
#define VIGIL_BASE_JSON_H

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"

#include <stdint.h>

/* Write s as a JSON string literal (quotes included). Invalid UTF-8 is written as-is:
 * callers pass validated text. */
int json_write_string(struct buf *b, struct str s);
/* Write the escaped body of a string without the quotes. */
int json_write_escaped(struct buf *b, struct str s);
int json_write_double(struct buf *b, double v);

enum json_leaf {
    JSON_LEAF_STRING, /* value: unescaped text */
    JSON_LEAF_INT,    /* value: the number's text; ival set */
    JSON_LEAF_FLOAT,  /* value: the number's text; dval set */
    JSON_LEAF_TRUE,
    JSON_LEAF_FALSE,
    JSON_LEAF_NULL,
    JSON_LEAF_ARRAY,        /* value: the array's raw JSON text; arrays are not flattened */
    JSON_LEAF_OBJECT_EMPTY, /* value: "{}" */
};

struct json_leaf_value {
    enum json_leaf kind;
    struct str text;
    int64_t ival;
    double dval;
};

/*
 * Called once per leaf. `path` is the dotted path, valid only during the
 * call (copy or intern it); `v->text` points into the input or into the
 * arena (unescaped strings) and lives as long as they do. Return 0 to go
 * on, or a negative code to stop the walk with that code.
 */
typedef int json_leaf_fn(void *ctx, struct str path, const struct json_leaf_value *v);

struct json_flatten_opts {
    uint32_t max_depth;    /* nesting of objects and arrays */
    uint32_t max_leaves;   /* E_TOOBIG past it */
    size_t max_path_bytes; /* dotted path length; E_TOOBIG past it */
};

/*
 * Walk `in`, which must hold exactly one JSON object (surrounding whitespace
 * allowed). Returns 0, E_PARSE (d: "column N: expected ..."), E_DEPTH,
 * E_TOOBIG, E_ENCODING (bad \u escape or lone surrogate), or the callback's code.
 */
int json_flatten(struct str in, const struct json_flatten_opts *opts, struct arena *a,
                 json_leaf_fn *fn, void *ctx, struct diag *d);

#endif
