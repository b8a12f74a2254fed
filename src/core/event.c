#include "core/event.h"

#include <stdio.h>
#include <string.h>

void event_init(struct event *ev)
{
    memset(ev, 0, sizeof(*ev));
}

struct event_field *event_add(struct event *ev, struct arena *a, uint32_t id, struct value v)
{
    if (ev->n_fields == ev->cap_fields) {
        uint32_t cap = ev->cap_fields ? ev->cap_fields * 2 : 16;
        struct event_field *f = arena_alloc(a, cap * sizeof(*f));
        if (ev->n_fields)
            memcpy(f, ev->fields, ev->n_fields * sizeof(*f));
        ev->fields = f;
        ev->cap_fields = cap;
    }
    struct event_field *f = &ev->fields[ev->n_fields++];
    f->id = id;
    f->flags = 0;
    f->v = v;
    return f;
}

struct event_field *event_add_str(struct event *ev, struct arena *a, uint32_t id, struct str s)
{
    return event_add(ev, a, id, value_str(s));
}

struct event_field *event_add_int(struct event *ev, struct arena *a, uint32_t id, int64_t i)
{
    return event_add(ev, a, id, value_int(i));
}

const struct event_field *event_get(const struct event *ev, uint32_t id)
{
    for (uint32_t i = 0; i < ev->n_fields; i++)
        if (ev->fields[i].id == id)
            return &ev->fields[i];
    return NULL;
}

struct str value_as_str(const struct value *v, char *tmp, size_t cap)
{
    int n;
    switch (v->type) {
    case VAL_STR:
    case VAL_JSON:
        return v->s;
    case VAL_INT:
        n = snprintf(tmp, cap, "%lld", (long long)v->i);
        break;
    case VAL_FLOAT:
        n = snprintf(tmp, cap, "%.17g", v->f);
        break;
    case VAL_BOOL:
        return v->b ? STR_LIT("true") : STR_LIT("false");
    default:
        return STR_LIT("");
    }
    if (n < 0)
        n = 0;
    return str_make(tmp, (size_t)n < cap ? (size_t)n : cap - 1);
}
