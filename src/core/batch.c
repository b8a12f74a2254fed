#include "core/batch.h"
#include "base/clock.h"
#include "base/xmalloc.h"

#include <stdlib.h>

struct event_batch *batch_new(uint32_t tenant_id, uint32_t source_id, int64_t file_id)
{
    struct event_batch *b = xcalloc(1, sizeof(*b));
    arena_init(&b->arena, 256 * 1024);
    b->tenant_id = tenant_id;
    b->source_id = source_id;
    b->file_id = file_id;
    b->ingest_ns = clock_now_ns();
    return b;
}

void batch_free(struct event_batch *b)
{
    if (b == NULL)
        return;
    VEC_FREE(&b->events);
    VEC_FREE(&b->quarantine);
    arena_fini(&b->arena);
    free(b);
}

struct event *batch_add_event(struct event_batch *b)
{
    struct event ev;
    event_init(&ev);
    ev.ingest_ns = b->ingest_ns;
    ev.tenant_id = b->tenant_id;
    ev.source_id = b->source_id;
    VEC_PUSH(&b->events, ev);
    return &b->events.items[b->events.n - 1];
}

void batch_pop_event(struct event_batch *b)
{
    if (b->events.n)
        b->events.n--;
}

void batch_quarantine(struct event_batch *b, uint64_t offset, uint64_t length, const char *reason,
                      struct str detail, struct str raw)
{
    struct quarantine_rec q = {
        .offset = offset,
        .length = length,
        .reason = reason,
        .detail = str_make(arena_memdup(&b->arena, detail.p, detail.len), detail.len),
        .raw = str_make(arena_memdup(&b->arena, raw.p, raw.len), raw.len),
    };
    VEC_PUSH(&b->quarantine, q);
}
