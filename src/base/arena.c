#include "base/arena.h"
#include "base/xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN     16
#define ARENA_MAX_BLOCK (8u << 20)

struct arena_block {
    struct arena_block *prev;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

static struct arena_block *block_new(size_t size, struct arena_block *prev)
{
    struct arena_block *b = xmalloc(sizeof(*b) + size);
    b->prev = prev;
    b->size = size;
    b->used = 0;
    return b;
}

void arena_init(struct arena *a, size_t first_block)
{
    a->head = NULL;
    a->block_size = first_block ? first_block : 4096;
    a->total = 0;
}

void arena_fini(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b != NULL) {
        struct arena_block *prev = b->prev;
        free(b);
        b = prev;
    }
    a->head = NULL;
    a->total = 0;
}

void arena_reset(struct arena *a)
{
    struct arena_block *b = a->head;
    if (b == NULL)
        return;
    /* Keep the largest (most recent) block, free the older ones. */
    struct arena_block *prev = b->prev;
    while (prev != NULL) {
        struct arena_block *pp = prev->prev;
        free(prev);
        prev = pp;
    }
    b->prev = NULL;
    b->used = 0;
    a->total = b->size;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    struct arena_block *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t size = a->block_size;
        if (size < need)
            size = need;
        b = block_new(size, a->head);
        a->head = b;
        a->total += size;
        if (a->block_size < ARENA_MAX_BLOCK)
            a->block_size *= 2;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *q = arena_alloc(a, n + 1);
    if (n)
        memcpy(q, s, n);
    q[n] = '\0';
    return q;
}
