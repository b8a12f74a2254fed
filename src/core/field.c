#include "core/field.h"
#include "base/hash.h"
#include "base/map.h"
#include "base/xmalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/*
 * Names live in fixed-size chunks that never move, so readers index them
 * without a lock while a writer appends under the mutex. A reader only ever
 * sees ids that were published after their slot was written.
 */
#define CHUNK_BITS 10
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define MAX_CHUNKS 1024 /* 1M distinct field names */

struct field_slot {
    struct str name;
    enum field_type type;
};

static struct {
    pthread_mutex_t lock;
    struct map by_name; /* name -> (void *)(uintptr_t)id */
    struct field_slot *_Atomic chunks[MAX_CHUNKS];
    _Atomic uint32_t count;
} dict = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t dict_once = PTHREAD_ONCE_INIT;

static uint32_t append_locked(struct str name, enum field_type type)
{
    uint32_t id = atomic_load(&dict.count);
    uint32_t c = id >> CHUNK_BITS;
    if (c >= MAX_CHUNKS)
        return F_NONE; /* dictionary full: treated as an unknown field */
    struct field_slot *chunk = atomic_load(&dict.chunks[c]);
    if (chunk == NULL) {
        chunk = xcalloc(CHUNK_SIZE, sizeof(*chunk));
        atomic_store(&dict.chunks[c], chunk);
    }
    char *copy = xstrndup(name.p, name.len);
    chunk[id & (CHUNK_SIZE - 1)] = (struct field_slot){str_make(copy, name.len), type};
    map_put(&dict.by_name, str_make(copy, name.len), (void *)(uintptr_t)id);
    atomic_store(&dict.count, id + 1);
    return id;
}

static void dict_init(void)
{
    map_init(&dict.by_name, NULL);
    append_locked(STR_LIT(""), FIELD_UNKNOWN); /* F_NONE */
#define FIELD_ADD(id, name, type) append_locked(STR_LIT(name), type);
    FIELD_TABLE(FIELD_ADD)
#undef FIELD_ADD
}

uint32_t field_lookup(struct str name)
{
    pthread_once(&dict_once, dict_init);
    pthread_mutex_lock(&dict.lock);
    uint32_t id = (uint32_t)(uintptr_t)map_get(&dict.by_name, name, NULL);
    pthread_mutex_unlock(&dict.lock);
    return id;
}

/*
 * Decoders intern every field of every event, so a per-thread direct-mapped
 * cache sits in front of the locked map: a hit costs one hash and one
 * memcmp. Cached names point into the dictionary, which never frees them.
 */
#define CACHE_SIZE 4096
static _Thread_local struct {
    struct str name;
    uint32_t id;
} cache[CACHE_SIZE];

uint32_t field_intern(struct str name)
{
    if (name.len == 0)
        return F_NONE;
    uint64_t h = hash_bytes(name.p, name.len) & (CACHE_SIZE - 1);
    if (cache[h].id && str_eq(cache[h].name, name))
        return cache[h].id;
    pthread_once(&dict_once, dict_init);
    pthread_mutex_lock(&dict.lock);
    int found;
    uint32_t id = (uint32_t)(uintptr_t)map_get(&dict.by_name, name, &found);
    if (!found)
        id = append_locked(name, FIELD_UNKNOWN);
    pthread_mutex_unlock(&dict.lock);
    if (id != F_NONE) {
        cache[h].name = field_name(id);
        cache[h].id = id;
    }
    return id;
}

static const struct field_slot *slot(uint32_t id)
{
    pthread_once(&dict_once, dict_init);
    if (id >= atomic_load(&dict.count))
        return NULL;
    struct field_slot *chunk = atomic_load(&dict.chunks[id >> CHUNK_BITS]);
    return &chunk[id & (CHUNK_SIZE - 1)];
}

struct str field_name(uint32_t id)
{
    const struct field_slot *s = slot(id);
    return s ? s->name : STR_LIT("");
}

enum field_type field_type(uint32_t id)
{
    const struct field_slot *s = slot(id);
    return s ? s->type : FIELD_UNKNOWN;
}
