/*
 * map.h - string-keyed open-addressing hash map.
 *
 * Keys are copied into the map; values are opaque pointers or integers.
 * If a destructor is given at init, the map owns its values and calls it on
 * replace, delete and map_fini(). Not thread-safe.
 */
#ifndef VIGIL_BASE_MAP_H
#define VIGIL_BASE_MAP_H

#include "base/str.h"

#include <stddef.h>
#include <stdint.h>

typedef void map_free_fn(void *value);

struct map_slot {
    char *key; /* NULL = empty; MAP_TOMB = deleted */
    size_t klen;
    uint64_t hash;
    void *value;
};

struct map {
    struct map_slot *slots;
    size_t cap;  /* power of two */
    size_t n;    /* live entries */
    size_t used; /* live + tombstones */
    map_free_fn *free_value;
};

void map_init(struct map *m, map_free_fn *free_value);
void map_fini(struct map *m);
/* Insert or replace. */
void map_put(struct map *m, struct str key, void *value);
/* Returns the value or NULL; *found tells an explicit NULL from absence when given. */
void *map_get(const struct map *m, struct str key, int *found);
/* Returns 1 if removed. */
int map_del(struct map *m, struct str key);

/* Iterate: for (size_t i = 0; map_next(m, &i, &k, &v);) */
int map_next(const struct map *m, size_t *iter, struct str *key, void **value);

#endif
