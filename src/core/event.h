/*
 * event.h - the one event model.
 *
 * An event is a timestamp (ns, UTC), the time vigil received it, its tenant
 * and source, the raw bytes it was decoded from, and typed fields keyed by
 * interned field ids (field.h). Names are ECS where one exists; decoders keep
 * a format's original names (EventID, Hostname) and normalisation adds the
 * ECS equivalents (event.code, host.name) beside them. Nested JSON arrives
 * flattened to dotted names.
 *
 * Ownership: an event and everything it points to live in the arena of the
 * batch that holds it (struct event_batch). Events are immutable once the
 * batch is pushed to the store writer or to detection.
 */
#ifndef VIGIL_CORE_EVENT_H
#define VIGIL_CORE_EVENT_H

#include "base/arena.h"
#include "base/str.h"
#include "core/field.h"

#include <stdbool.h>
#include <stdint.h>

enum value_type {
    VAL_NULL,
    VAL_STR,
    VAL_INT,
    VAL_FLOAT,
    VAL_BOOL,
    VAL_JSON, /* an array or object kept as its JSON text */
};

struct value {
    enum value_type type;
    union {
        struct str s; /* VAL_STR (valid UTF-8), VAL_JSON */
        int64_t i;
        double f;
        bool b;
    };
};

struct event_field {
    uint32_t id;
    uint32_t flags; /* EVENT_FIELD_* */
    struct value v;
};

/* The field was derived by normalisation (an ECS alias of an original field). */
#define EVENT_FIELD_DERIVED 0x1u

/* Event flags: what validation and normalisation did. */
#define EVENT_TS_MISSING  0x1u /* no timestamp in the input: ts = ingest time */
#define EVENT_TS_INVALID  0x2u /* timestamp unparseable or absurd: ts = ingest time */
#define EVENT_UTF8_REPAIR 0x4u /* invalid UTF-8 bytes re-read as Latin-1 */

struct event {
    int64_t ts_ns;
    int64_t ingest_ns;
    uint32_t tenant_id;
    uint32_t source_id;
    uint64_t offset; /* byte offset of the record in its input (decompressed) */
    struct str raw;  /* the record as received (UTF-8, no line terminator) */
    uint32_t flags;
    uint32_t n_fields;
    uint32_t cap_fields;
    struct event_field *fields;
};

void event_init(struct event *ev);
/* Append a field; storage grows in the arena. Returns the new field. */
struct event_field *event_add(struct event *ev, struct arena *a, uint32_t id, struct value v);
struct event_field *event_add_str(struct event *ev, struct arena *a, uint32_t id, struct str s);
struct event_field *event_add_int(struct event *ev, struct arena *a, uint32_t id, int64_t i);
/* First field with this id, or NULL. */
const struct event_field *event_get(const struct event *ev, uint32_t id);
/* String view of a field (STR and JSON as is; numbers formatted into tmp). */
struct str value_as_str(const struct value *v, char *tmp, size_t cap);

static inline struct value value_str(struct str s)
{
    return (struct value){.type = VAL_STR, .s = s};
}
static inline struct value value_int(int64_t i)
{
    return (struct value){.type = VAL_INT, .i = i};
}
static inline struct value value_float(double f)
{
    return (struct value){.type = VAL_FLOAT, .f = f};
}
static inline struct value value_bool(bool b)
{
    return (struct value){.type = VAL_BOOL, .b = b};
}

#endif
