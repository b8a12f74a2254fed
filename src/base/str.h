/*
 * str.h - string slices.
 *
 * A struct str points into someone else's buffer: parsers hand out slices
 * into their input and copy only what outlives it. Slices are not
 * NUL-terminated.
 */
#ifndef VIGIL_BASE_STR_H
#define VIGIL_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct str {
    const char *p;
    size_t len;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})
#define STR_NULL   ((struct str){NULL, 0})
/* printf("%.*s", STR_FMT(s)) */
#define STR_FMT(s) (int)(s).len, (s).p

static inline struct str str_make(const char *p, size_t len)
{
    return (struct str){p, len};
}

static inline struct str str_c(const char *s)
{
    return (struct str){s, s ? strlen(s) : 0};
}

static inline bool str_eq(struct str a, struct str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool str_eq_c(struct str a, const char *b)
{
    return str_eq(a, str_c(b));
}

bool str_eq_nocase(struct str a, struct str b);
bool str_starts_with(struct str s, struct str prefix);
bool str_ends_with(struct str s, struct str suffix);
/* Index of the first c in s, or -1. */
ptrdiff_t str_index(struct str s, char c);
struct str str_trim(struct str s);
/* Split at the first c: *head before it, returns the rest after it (or STR_NULL). */
struct str str_cut(struct str s, char c, struct str *head);
/*
 * Parse a whole slice as a signed decimal integer / double. Returns 0 or
 * E_PARSE / E_RANGE. No leading/trailing junk is accepted.
 */
int str_to_i64(struct str s, int64_t *out);
int str_to_u64(struct str s, uint64_t *out);
int str_to_double(struct str s, double *out);
/* Copy into a NUL-terminated buffer of cap bytes, truncating; returns out. */
char *str_copy(struct str s, char *out, size_t cap);

#endif
