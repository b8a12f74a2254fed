/*
 * vec.h - typed growable arrays.
 *
 *   VEC(struct alert *) alerts = VEC_INIT;
 *   VEC_PUSH(&alerts, a);
 *   VEC_FREE(&alerts);
 *
 * The vector owns its storage, not what its elements point to: the owner
 * frees elements before VEC_FREE (see map.h for containers with destructors).
 */
#ifndef VIGIL_BASE_VEC_H
#define VIGIL_BASE_VEC_H

#include "base/xmalloc.h"

#include <stddef.h>
#include <stdlib.h>

#define VEC(T)                                                                                     \
    struct {                                                                                       \
        T *items;                                                                                  \
        size_t n, cap;                                                                             \
    }
// clang-format off
#define VEC_INIT {NULL, 0, 0}
// clang-format on

#define VEC_GROW(v, need)                                                                          \
    do {                                                                                           \
        if ((need) > (v)->cap) {                                                                   \
            size_t vec_cap_ = (v)->cap ? (v)->cap * 2 : 8;                                         \
            while (vec_cap_ < (need))                                                              \
                vec_cap_ *= 2;                                                                     \
            (v)->items = xrealloc((v)->items, vec_cap_ * sizeof(*(v)->items));                     \
            (v)->cap = vec_cap_;                                                                   \
        }                                                                                          \
    } while (0)

#define VEC_PUSH(v, x)                                                                             \
    do {                                                                                           \
        VEC_GROW(v, (v)->n + 1);                                                                   \
        (v)->items[(v)->n++] = (x);                                                                \
    } while (0)

#define VEC_FREE(v)                                                                                \
    do {                                                                                           \
        free((v)->items);                                                                          \
        (v)->items = NULL;                                                                         \
        (v)->n = (v)->cap = 0;                                                                     \
    } while (0)

#endif
