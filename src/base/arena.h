/*
 * arena.h - region allocator for work-unit memory.
 *
 * An ingest batch, a query, one request: everything allocated for the unit
 * comes from its arena and dies with arena_fini() (or is recycled by
 * arena_reset()). Blocks grow geometrically up to a ceiling; an allocation
 * larger than a block gets a block of its own. Not thread-safe: one owner.
 */
#ifndef VIGIL_BASE_ARENA_H
#define VIGIL_BASE_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head; /* current block; older blocks chain behind it */
    size_t block_size;        /* size of the next block to allocate */
    size_t total;             /* bytes held in all blocks */
};

void arena_init(struct arena *a, size_t first_block);
void arena_fini(struct arena *a);
/* Free all but the first block and make its space available again. */
void arena_reset(struct arena *a);
/* 16-byte aligned; never NULL (aborts on OOM like xmalloc). */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);

#endif
