#include "base/str.h"
#include "base/err.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

bool str_eq_nocase(struct str a, struct str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
            return false;
    return true;
}

bool str_starts_with(struct str s, struct str prefix)
{
    return s.len >= prefix.len && memcmp(s.p, prefix.p, prefix.len) == 0;
}

bool str_ends_with(struct str s, struct str suffix)
{
    return s.len >= suffix.len && memcmp(s.p + s.len - suffix.len, suffix.p, suffix.len) == 0;
}

ptrdiff_t str_index(struct str s, char c)
{
    if (s.len == 0)
        return -1;
    const char *q = memchr(s.p, c, s.len);
    return q ? q - s.p : -1;
}

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

struct str str_trim(struct str s)
{
    while (s.len && is_space(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len && is_space(s.p[s.len - 1]))
        s.len--;
    return s;
}

struct str str_cut(struct str s, char c, struct str *head)
{
    ptrdiff_t i = str_index(s, c);
    if (i < 0) {
        *head = s;
        return STR_NULL;
    }
    *head = str_make(s.p, (size_t)i);
    return str_make(s.p + i + 1, s.len - (size_t)i - 1);
}

int str_to_u64(struct str s, uint64_t *out)
{
    if (s.len == 0 || s.len > 20)
        return E_PARSE;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
        if (d > 9)
            return E_PARSE;
        if (v > (UINT64_MAX - d) / 10)
            return E_RANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int str_to_i64(struct str s, int64_t *out)
{
    bool neg = false;
    if (s.len && (s.p[0] == '-' || s.p[0] == '+')) {
        neg = s.p[0] == '-';
        s.p++;
        s.len--;
    }
    uint64_t v;
    int rc = str_to_u64(s, &v);
    if (rc)
        return rc;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return E_RANGE;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return E_RANGE;
        *out = (int64_t)v;
    }
    return 0;
}

int str_to_double(struct str s, double *out)
{
    char tmp[64];
    if (s.len == 0 || s.len >= sizeof(tmp))
        return E_PARSE;
    /* strtod accepts "inf", "nan", hex and leading spaces; we want plain decimals. */
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return E_PARSE;
    }
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + s.len)
        return E_PARSE;
    if (errno == ERANGE || !isfinite(v))
        return E_RANGE;
    *out = v;
    return 0;
}

char *str_copy(struct str s, char *out, size_t cap)
{
    if (cap == 0)
        return out;
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n)
        memcpy(out, s.p, n);
    out[n] = '\0';
    return out;
}
