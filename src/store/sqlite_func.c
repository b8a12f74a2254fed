/*
 * sqlite_func.c - SQL functions for compiled queries (see sqlite_func.h).
 */
#include "store/sqlite_func.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/map.h"
#include "base/str.h"
#include "query/ir.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PCT_MAX_EXACT    (1u << 22)
#define VALUES_MAX_COUNT 100000u
#define VALUES_MAX_BYTES (64u << 20)

/* ---- numbers ------------------------------------------------------------ */

enum num_kind {
    NUM_NONE,
    NUM_INT,
    NUM_REAL,
};

/* vigil_num's rules for text: the whole text is a decimal integer or real. */
static enum num_kind text_num(struct str s, int64_t *i, double *f)
{
    if (s.len == 0 || s.len > 64)
        return NUM_NONE;
    if (str_to_i64(s, i) == 0)
        return NUM_INT;
    if (str_to_double(s, f) == 0)
        return NUM_REAL;
    return NUM_NONE;
}

static enum num_kind value_num(sqlite3_value *v, int64_t *i, double *f)
{
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        *i = sqlite3_value_int64(v);
        return NUM_INT;
    case SQLITE_FLOAT:
        *f = sqlite3_value_double(v);
        return NUM_REAL;
    case SQLITE_TEXT: {
        const char *p = (const char *)sqlite3_value_text(v);
        return p ? text_num(str_make(p, (size_t)sqlite3_value_bytes(v)), i, f) : NUM_NONE;
    }
    default:
        return NUM_NONE;
    }
}

static void fn_num(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int64_t i;
    double f;
    switch (value_num(argv[0], &i, &f)) {
    case NUM_INT:
        sqlite3_result_int64(ctx, i);
        break;
    case NUM_REAL:
        sqlite3_result_double(ctx, f);
        break;
    case NUM_NONE:
        sqlite3_result_null(ctx);
        break;
    }
}

static void fn_bin(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int64_t xi, si;
    double xf, sf;
    enum num_kind xk = value_num(argv[0], &xi, &xf), sk = value_num(argv[1], &si, &sf);
    if (xk == NUM_NONE || sk == NUM_NONE) {
        sqlite3_result_null(ctx);
        return;
    }
    if (xk == NUM_INT && sk == NUM_INT) {
        if (si <= 0) {
            sqlite3_result_null(ctx);
            return;
        }
        int64_t q = xi / si, out;
        if (xi % si != 0 && xi < 0)
            q--;
        if (__builtin_mul_overflow(q, si, &out))
            sqlite3_result_null(ctx);
        else
            sqlite3_result_int64(ctx, out);
        return;
    }
    double x = xk == NUM_INT ? (double)xi : xf, s = sk == NUM_INT ? (double)si : sf;
    if (!(s > 0)) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_double(ctx, floor(x / s) * s);
}

/* ---- networks ----------------------------------------------------------- */

static void free_cidr(void *p)
{
    sqlite3_free(p);
}

/* Parse an address; an IPv4 address is returned as IPv4-mapped IPv6 when want6. */
static bool parse_ip(const unsigned char *text, int len, bool want6, uint8_t out[16], int *family)
{
    char tmp[64];
    if (len <= 0 || (size_t)len >= sizeof(tmp))
        return false;
    memcpy(tmp, text, (size_t)len);
    tmp[len] = '\0';
    char *zone = strchr(tmp, '%'); /* fe80::1%eth0 */
    if (zone)
        *zone = '\0';
    uint8_t a4[4];
    if (inet_pton(AF_INET, tmp, a4) == 1) {
        memset(out, 0, 16);
        if (want6) {
            out[10] = out[11] = 0xff;
            memcpy(out + 12, a4, 4);
            *family = 6;
        } else {
            memcpy(out, a4, 4);
            *family = 4;
        }
        return true;
    }
    if (inet_pton(AF_INET6, tmp, out) != 1)
        return false;
    *family = 6;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!want6 && memcmp(out, mapped, 12) == 0) { /* ::ffff:10.0.0.1 in an IPv4 network */
        memmove(out, out + 12, 4);
        *family = 4;
    }
    return true;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static void fn_cidr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    /* The parsed network is cached per statement; SQLite may drop the cache at any time. */
    struct query_cidr parsed;
    struct query_cidr *net = sqlite3_get_auxdata(ctx, 1);
    if (net == NULL) {
        const char *t = (const char *)sqlite3_value_text(argv[1]);
        if (t == NULL ||
            query_cidr_parse(str_make(t, (size_t)sqlite3_value_bytes(argv[1])), &parsed) != 0) {
            sqlite3_result_error(ctx, "vigil_cidr: the network is not valid CIDR", -1);
            return;
        }
        net = sqlite3_malloc(sizeof(*net));
        if (net == NULL) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        *net = parsed;
        sqlite3_set_auxdata(ctx, 1, net, free_cidr);
        net = sqlite3_get_auxdata(ctx, 1); /* set_auxdata may have freed it already */
        if (net == NULL)
            net = &parsed;
    }
    uint8_t ip[16];
    int family;
    const unsigned char *text = sqlite3_value_text(argv[0]);
    bool ok = text && parse_ip(text, sqlite3_value_bytes(argv[0]), net->family == 6, ip, &family);
    sqlite3_result_int(ctx,
                       ok && family == net->family && prefix_equal(ip, net->addr, net->prefix));
}

/* ---- natural order ------------------------------------------------------ */

static int cmp_natural(struct str a, struct str b)
{
    int64_t ai, bi;
    double af, bf;
    enum num_kind ak = text_num(a, &ai, &af), bk = text_num(b, &bi, &bf);
    if (ak != NUM_NONE && bk != NUM_NONE) {
        if (ak == NUM_INT && bk == NUM_INT)
            return ai < bi ? -1 : ai > bi;
        double x = ak == NUM_INT ? (double)ai : af, y = bk == NUM_INT ? (double)bi : bf;
        if (x != y)
            return x < y ? -1 : 1;
    } else if (ak != NUM_NONE || bk != NUM_NONE) {
        return ak != NUM_NONE ? -1 : 1; /* numbers first */
    }
    size_t n = a.len < b.len ? a.len : b.len;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
        x = (x >= 'A' && x <= 'Z') ? (unsigned char)(x + 32) : x;
        y = (y >= 'A' && y <= 'Z') ? (unsigned char)(y + 32) : y;
        if (x != y)
            return x < y ? -1 : 1;
    }
    if (a.len != b.len)
        return a.len < b.len ? -1 : 1;
    int c = n ? memcmp(a.p, b.p, n) : 0; /* equal but for case: a fixed order still */
    return c < 0 ? -1 : c > 0;
}

static int collate_natural(void *arg, int alen, const void *a, int blen, const void *b)
{
    (void)arg;
    return cmp_natural(str_make(a, (size_t)alen), str_make(b, (size_t)blen));
}

/* ---- vigil_percentile ----------------------------------------------------- */

struct pct_state {
    double *v;
    size_t n, cap;
    uint64_t seen;
    uint64_t rng;
    double p;
    bool has_p;
    int err; /* SQLITE_NOMEM or SQLITE_RANGE */
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void pct_add(struct pct_state *st, double x)
{
    st->seen++;
    if (st->n < PCT_MAX_EXACT) {
        if (st->n == st->cap) {
            size_t nc = st->cap ? st->cap * 2 : 64;
            double *nv = sqlite3_realloc64(st->v, nc * sizeof(*nv));
            if (nv == NULL) {
                st->err = SQLITE_NOMEM;
                return;
            }
            st->v = nv;
            st->cap = nc;
        }
        st->v[st->n++] = x;
        return;
    }
    /* Reservoir sampling keeps a uniform sample of everything seen. */
    uint64_t j = xorshift(&st->rng) % st->seen;
    if (j < PCT_MAX_EXACT)
        st->v[j] = x;
}

static void pct_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct pct_state *st = sqlite3_aggregate_context(ctx, sizeof(*st));
    if (st == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!st->has_p) {
        st->p = sqlite3_value_double(argv[1]);
        st->has_p = true;
        st->rng = 0x9e3779b97f4a7c15ull;
        if (!(st->p >= 0 && st->p <= 100))
            st->err = SQLITE_RANGE;
    }
    int64_t i;
    double f;
    enum num_kind k = value_num(argv[0], &i, &f);
    if (k != NUM_NONE && st->err == 0)
        pct_add(st, k == NUM_INT ? (double)i : f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void pct_final(sqlite3_context *ctx)
{
    struct pct_state *st = sqlite3_aggregate_context(ctx, 0);
    if (st == NULL || st->n == 0) {
        if (st && st->err == SQLITE_RANGE)
            sqlite3_result_error(ctx, "vigil_percentile: p must be between 0 and 100", -1);
        else
            sqlite3_result_null(ctx);
        if (st)
            sqlite3_free(st->v);
        return;
    }
    if (st->err == SQLITE_NOMEM) {
        sqlite3_result_error_nomem(ctx);
    } else if (st->err) {
        sqlite3_result_error(ctx, "vigil_percentile: p must be between 0 and 100", -1);
    } else {
        qsort(st->v, st->n, sizeof(*st->v), cmp_double);
        double rank = st->p / 100.0 * (double)(st->n - 1);
        size_t lo = (size_t)rank;
        size_t hi = lo + 1 < st->n ? lo + 1 : lo;
        double frac = rank - (double)lo;
        sqlite3_result_double(ctx, st->v[lo] + (st->v[hi] - st->v[lo]) * frac);
    }
    sqlite3_free(st->v);
    st->v = NULL;
}

/* ---- vigil_values --------------------------------------------------------- */

struct values_state {
    struct map set;
    bool init;
    size_t bytes;
    int err;
};

static void values_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct values_state *st = sqlite3_aggregate_context(ctx, sizeof(*st));
    if (st == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!st->init) {
        map_init(&st->set, NULL);
        st->init = true;
    }
    const char *p = (const char *)sqlite3_value_text(argv[0]);
    if (p == NULL || st->err)
        return;
    struct str s = str_make(p, strlen(p)); /* map keys end at a NUL byte */
    int found;
    map_get(&st->set, s, &found);
    if (found)
        return;
    if (st->set.n >= VALUES_MAX_COUNT || st->bytes + s.len > VALUES_MAX_BYTES) {
        st->err = SQLITE_TOOBIG;
        return;
    }
    map_put(&st->set, s, NULL);
    st->bytes += s.len;
}

static int cmp_str_natural(const void *a, const void *b)
{
    return cmp_natural(*(const struct str *)a, *(const struct str *)b);
}

static void values_final(sqlite3_context *ctx)
{
    struct values_state *st = sqlite3_aggregate_context(ctx, 0);
    if (st == NULL || !st->init) {
        sqlite3_result_null(ctx);
        return;
    }
    if (st->err) {
        sqlite3_result_error_toobig(ctx);
    } else if (st->set.n == 0) {
        sqlite3_result_null(ctx);
    } else {
        struct str *keys = malloc(st->set.n * sizeof(*keys));
        size_t n = 0;
        struct str k;
        for (size_t it = 0; keys && map_next(&st->set, &it, &k, NULL);)
            keys[n++] = k;
        if (keys == NULL) {
            sqlite3_result_error_nomem(ctx);
        } else {
            qsort(keys, n, sizeof(*keys), cmp_str_natural);
            struct buf b;
            buf_init(&b, BUF_UNBOUNDED);
            buf_putc(&b, '[');
            for (size_t i = 0; i < n; i++) {
                if (i)
                    buf_putc(&b, ',');
                json_write_string(&b, keys[i]);
            }
            buf_putc(&b, ']');
            size_t len = b.len;
            sqlite3_result_text64(ctx, buf_take(&b), len, free, SQLITE_UTF8);
        }
        free(keys);
    }
    map_fini(&st->set);
    st->init = false;
}

/* ---- registration ------------------------------------------------------- */

int sqlite_func_register(sqlite3 *db)
{
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function_v2(db, "vigil_num", 1, flags, NULL, fn_num, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc =
            sqlite3_create_function_v2(db, "vigil_cidr", 2, flags, NULL, fn_cidr, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "vigil_bin", 2, flags, NULL, fn_bin, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "vigil_percentile", 2, flags, NULL, NULL, pct_step,
                                        pct_final, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "vigil_values", 1, flags, NULL, NULL, values_step,
                                        values_final, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_collation_v2(db, "vigil_natural", SQLITE_UTF8, NULL, collate_natural,
                                         NULL);
    return rc == SQLITE_OK ? 0 : E_DB;
}
