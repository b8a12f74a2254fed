/*
 * utf8.h - UTF-8 validation and lossless repair.
 */
#ifndef VIGIL_BASE_UTF8_H
#define VIGIL_BASE_UTF8_H

#include "base/arena.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 prefix of s (== s.len when all valid). Rejects overlongs,
 * surrogates and code points above U+10FFFF, as RFC 3629 requires. */
size_t utf8_valid_prefix(struct str s);

static inline bool utf8_is_valid(struct str s)
{
    return utf8_valid_prefix(s) == s.len;
}

/*
 * Repair invalid UTF-8 by reading each invalid byte as Latin-1 (U+0080..U+00FF)
 * and re-encoding it: the result is valid UTF-8, and since only invalid
 * bytes change, nothing is lost. The copy lives in the arena; *n_repaired
 * counts the bytes re-encoded. Valid input is returned as is.
 */
struct str utf8_repair(struct str s, struct arena *a, size_t *n_repaired);

#endif
