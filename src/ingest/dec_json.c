/*
 * dec_json.c - JSON objects: JSON lines, NXLog, Winlogbeat, evtx exporters.
 *
 * Each leaf becomes a field under its dotted path; arrays stay as JSON text.
 * Names are kept as they arrive; normalisation (normalize.c) adds the ECS
 * equivalents and picks the timestamp.
 */
#include "base/json.h"
#include "ingest/decoder.h"
#include "ingest/ingest_int.h"

#include <stdbool.h>

struct json_walk {
    struct decoder_ctx *ctx;
    struct event *ev;
};

static int on_leaf(void *arg, struct str path, const struct json_leaf_value *v)
{
    struct json_walk *w = arg;
    struct value val;
    switch (v->kind) {
    case JSON_LEAF_STRING:
        val = value_str(v->text);
        break;
    case JSON_LEAF_INT:
        val = value_int(v->ival);
        break;
    case JSON_LEAF_FLOAT:
        val = value_float(v->dval);
        break;
    case JSON_LEAF_TRUE:
    case JSON_LEAF_FALSE:
        val = value_bool(v->kind == JSON_LEAF_TRUE);
        break;
    case JSON_LEAF_NULL:
        val = (struct value){.type = VAL_NULL};
        break;
    default:
        val = (struct value){.type = VAL_JSON, .s = v->text};
        break;
    }
    uint32_t id = field_intern(path);
    if (id == F_NONE)
        return E_TOOBIG;
    event_add(w->ev, w->ctx->arena, id, val);
    return 0;
}

bool ingest__opens_json(struct str l)
{
    if (l.len == 0)
        return false;
    if (l.p[0] == '{')
        return true;
    if (l.p[0] != '[')
        return false;
    struct str rest = str_trim(str_make(l.p + 1, l.len - 1));
    return rest.len == 0 || rest.p[0] == '{' || rest.p[0] == '[' || rest.p[0] == ']';
}

/* A line inside pretty-printed JSON: a member ("key": ...), a string, or a closing bracket. */
static bool continues_json(struct str l)
{
    return l.p[0] == '}' || l.p[0] == ']' || l.p[0] == '"';
}

/* evtx_dump's separator between documents, "Record 12". */
static bool is_record_line(struct str l)
{
    if (!str_starts_with(l, STR_LIT("Record ")) || l.len == 7)
        return false;
    for (size_t i = 7; i < l.len; i++)
        if (l.p[i] < '0' || l.p[i] > '9')
            return false;
    return true;
}

/*
 * JSON lines (every line an object), or pretty-printed JSON and arrays: the first
 * JSON line opens a document and (nearly) every line is JSON or evtx_dump's
 * "Record N".
 */
static int json_probe(const struct str *lines, size_t n)
{
    size_t hits = 0, seen = 0;
    bool opened = false;
    for (size_t i = 0; i < n; i++) {
        struct str l = str_trim(lines[i]);
        if (l.len == 0)
            continue;
        seen++;
        if (is_record_line(l)) {
            hits++;
        } else if (ingest__opens_json(l)) {
            opened = true;
            hits++;
        } else if (continues_json(l)) {
            if (!opened)
                return 0; /* "a","b" is CSV, not the inside of a document */
            hits++;
        }
    }
    return opened && hits * 10 >= seen * 9 ? 90 : 0;
}

static int json_decode(struct decoder_ctx *ctx, struct str rec, struct event *ev, struct diag *d)
{
    struct json_flatten_opts opts = {
        .max_depth = ctx->limits->max_depth,
        .max_leaves = ctx->limits->max_fields,
        .max_path_bytes = 512,
    };
    struct json_walk w = {ctx, ev};
    return json_flatten(rec, &opts, ctx->arena, on_leaf, &w, d);
}

const struct decoder decoder_json = {
    .name = "json",
    .description = "JSON objects, one per line or pretty-printed (NXLog, Winlogbeat, evtx exports)",
    .probe = json_probe,
    .decode = json_decode,
};
