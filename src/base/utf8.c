#include "base/utf8.h"

#include <stdint.h>

/* Length of the valid sequence at p (1..4), or 0 if invalid. */
static size_t seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    }
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && p[1] >= 0x90)
            return 0; /* > U+10FFFF */
        return 4;
    }
    return 0;
}

size_t utf8_valid_prefix(struct str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0, n = s.len;
    while (i < n) {
        /* ASCII fast path, eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = seq_len(p + i, n - i);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}

struct str utf8_repair(struct str s, struct arena *a, size_t *n_repaired)
{
    size_t ok = utf8_valid_prefix(s);
    *n_repaired = 0;
    if (ok == s.len)
        return s;
    /* Worst case every byte doubles. */
    char *out = arena_alloc(a, s.len * 2);
    memcpy(out, s.p, ok);
    size_t o = ok;
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = ok; i < s.len;) {
        size_t k = seq_len(p + i, s.len - i);
        if (k) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            out[o++] = (char)(0xC0 | (p[i] >> 6));
            out[o++] = (char)(0x80 | (p[i] & 0x3F));
            (*n_repaired)++;
            i++;
        }
    }
    return str_make(out, o);
}
