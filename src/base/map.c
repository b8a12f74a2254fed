#include "base/map.h"
#include "base/hash.h"
#include "base/xmalloc.h"

#include <stdlib.h>

static char map_tomb_;
#define MAP_TOMB (&map_tomb_)

void map_init(struct map *m, map_free_fn *free_value)
{
    m->slots = NULL;
    m->cap = m->n = m->used = 0;
    m->free_value = free_value;
}

void map_fini(struct map *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        struct map_slot *s = &m->slots[i];
        if (s->key && s->key != MAP_TOMB) {
            if (m->free_value)
                m->free_value(s->value);
            free(s->key);
        }
    }
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = m->used = 0;
}

static struct map_slot *find(const struct map *m, struct str key, uint64_t h,
                             struct map_slot **tomb)
{
    size_t mask = m->cap - 1;
    *tomb = NULL;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct map_slot *s = &m->slots[i];
        if (s->key == NULL)
            return NULL;
        if (s->key == MAP_TOMB) {
            if (*tomb == NULL)
                *tomb = s;
            continue;
        }
        if (s->hash == h && s->klen == key.len && memcmp(s->key, key.p, key.len) == 0)
            return s;
    }
}

static void grow(struct map *m)
{
    size_t old_cap = m->cap;
    struct map_slot *old = m->slots;
    /* Double only when live entries need it: when tombstones filled the table,
     * rehashing at the same size clears them (else churn would grow it forever). */
    m->cap = old_cap ? old_cap : 16;
    while (m->n * 2 >= m->cap)
        m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    m->used = m->n;
    size_t mask = m->cap - 1;
    for (size_t i = 0; i < old_cap; i++) {
        struct map_slot *s = &old[i];
        if (s->key == NULL || s->key == MAP_TOMB)
            continue;
        size_t j = s->hash & mask;
        while (m->slots[j].key)
            j = (j + 1) & mask;
        m->slots[j] = *s;
    }
    free(old);
}

void map_put(struct map *m, struct str key, void *value)
{
    if ((m->used + 1) * 4 >= m->cap * 3)
        grow(m);
    uint64_t h = hash_bytes(key.p, key.len);
    struct map_slot *tomb;
    struct map_slot *s = find(m, key, h, &tomb);
    if (s) {
        if (m->free_value && s->value != value)
            m->free_value(s->value);
        s->value = value;
        return;
    }
    if (tomb) {
        s = tomb;
    } else {
        size_t mask = m->cap - 1;
        size_t i = h & mask;
        while (m->slots[i].key)
            i = (i + 1) & mask;
        s = &m->slots[i];
        m->used++;
    }
    s->key = xstrndup(key.p, key.len);
    s->klen = key.len;
    s->hash = h;
    s->value = value;
    m->n++;
}

void *map_get(const struct map *m, struct str key, int *found)
{
    if (m->cap == 0) {
        if (found)
            *found = 0;
        return NULL;
    }
    struct map_slot *tomb;
    struct map_slot *s = find(m, key, hash_bytes(key.p, key.len), &tomb);
    if (found)
        *found = s != NULL;
    return s ? s->value : NULL;
}

int map_del(struct map *m, struct str key)
{
    if (m->cap == 0)
        return 0;
    struct map_slot *tomb;
    struct map_slot *s = find(m, key, hash_bytes(key.p, key.len), &tomb);
    if (s == NULL)
        return 0;
    if (m->free_value)
        m->free_value(s->value);
    free(s->key);
    s->key = MAP_TOMB;
    s->value = NULL;
    m->n--;
    return 1;
}

int map_next(const struct map *m, size_t *iter, struct str *key, void **value)
{
    for (size_t i = *iter; i < m->cap; i++) {
        struct map_slot *s = &m->slots[i];
        if (s->key && s->key != MAP_TOMB) {
            *key = str_make(s->key, s->klen);
            if (value)
                *value = s->value;
            *iter = i + 1;
            return 1;
        }
    }
    *iter = m->cap;
    return 0;
}
