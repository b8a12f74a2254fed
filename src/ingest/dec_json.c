/*
 * dec_json.c - JSON objects: JSON lines, NXLog, Winlogbeat, evtx exporters.
 *
 * Each leaf becomes a field under its dotted path; arrays stay as JSON text.
 * Names are kept as they arrive; normalisation (normalize.c) adds the ECS
 * equivalents and picks the timestamp.
 */
#include "base/json.h"
#include "ingest/decoder.h"

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

static int json_probe(const struct str *lines, size_t n)
{
    size_t hits = 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        struct str l = str_trim(lines[i]);
        if (l.len == 0)
            continue;
        seen++;
        if (l.p[0] == '{' || l.p[0] == '[')
            hits++;
    }
    return seen && hits * 10 >= seen * 9 ? 90 : 0;
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
