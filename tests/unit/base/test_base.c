/*
 * test_base.c - the base layer's small tools: arena, buf (bounded, sticky
 * errors), str_to_* conversions, map, and UTF-8 validation and repair.
 */
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/map.h"
#include "base/str.h"
#include "base/utf8.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ------------------------------------------------------------------ */

Test(arena, alignment_and_zeroing)
{
    struct arena a;
    arena_init(&a, 64);
    for (size_t n = 0; n < 100; n++) {
        void *p = arena_alloc(&a, n);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 16, 0, "allocation of %zu bytes is not 16-aligned", n);
    }
    unsigned char *z = arena_zalloc(&a, 300);
    for (size_t i = 0; i < 300; i++)
        cr_assert_eq(z[i], 0);
    arena_fini(&a);
    cr_assert_null(a.head);
    cr_assert_eq(a.total, 0);
}

Test(arena, contents_survive_growth)
{
    struct arena a;
    arena_init(&a, 0); /* default first block */
    unsigned char *ptrs[500];
    for (size_t i = 0; i < 500; i++) {
        ptrs[i] = arena_alloc(&a, 100 + i);
        memset(ptrs[i], (int)(i & 0xff), 100 + i);
    }
    for (size_t i = 0; i < 500; i++)
        for (size_t k = 0; k < 100 + i; k++)
            cr_assert_eq(ptrs[i][k], (unsigned char)(i & 0xff), "block %zu byte %zu", i, k);
    /* An allocation larger than any block gets one of its own. */
    size_t big = 32u << 20;
    unsigned char *p = arena_alloc(&a, big);
    p[0] = 1;
    p[big - 1] = 2;
    cr_assert_geq(a.total, big);
    arena_fini(&a);
}

Test(arena, strndup_and_memdup)
{
    struct arena a;
    arena_init(&a, 128);
    char *s = arena_strndup(&a, "hello world", 5);
    cr_assert_str_eq(s, "hello");
    char *e = arena_strndup(&a, "", 0);
    cr_assert_str_eq(e, "");
    const char bin[] = {'a', '\0', 'b'};
    char *m = arena_memdup(&a, bin, 3);
    cr_assert(memcmp(m, bin, 3) == 0);
    cr_assert_not_null(arena_memdup(&a, NULL, 0), "a zero-length copy is fine");
    arena_fini(&a);
}

Test(arena, reset_keeps_one_block)
{
    struct arena a;
    arena_init(&a, 256);
    for (int i = 0; i < 100; i++)
        arena_alloc(&a, 200);
    cr_assert_gt(a.total, 256);
    arena_reset(&a);
    size_t kept = a.total;
    cr_assert_gt(kept, 0);
    /* The kept block is reused: allocations that fit do not grow the arena. */
    char *p = arena_alloc(&a, 64);
    memset(p, 'x', 64);
    cr_assert_eq(a.total, kept);
    arena_reset(&a);
    arena_fini(&a);

    struct arena empty;
    arena_init(&empty, 16);
    arena_reset(&empty); /* nothing allocated yet */
    cr_assert_null(empty.head);
    arena_fini(&empty);
}

/* ---- buf -------------------------------------------------------------------- */

Test(buf, appends_and_terminates)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    cr_assert_eq(buf_str(&b).len, 0);
    cr_assert_str_eq(buf_str(&b).p, "", "an empty buffer reads as \"\"");
    cr_assert_eq(buf_append_c(&b, "abc"), 0);
    cr_assert_eq(buf_putc(&b, '-'), 0);
    cr_assert_eq(buf_append_str(&b, STR_LIT("de")), 0);
    cr_assert_eq(buf_printf(&b, "%d/%s", 42, "x"), 0);
    cr_assert_eq(buf_append(&b, "\0z", 2), 0);
    cr_assert_eq(b.len, 12);
    cr_assert(memcmp(b.p, "abc-de42/x\0z", 12) == 0);
    cr_assert_eq(b.p[b.len], '\0');
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    cr_assert_eq(b.len, 10012);
    cr_assert_eq(b.p[b.len], '\0');
    cr_assert_eq(b.p[10011], (char)('a' + 9999 % 26));
    buf_fini(&b);
    cr_assert_null(b.p);
}

Test(buf, integers)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    buf_append_i64(&b, 0);
    buf_putc(&b, ' ');
    buf_append_i64(&b, -1);
    buf_putc(&b, ' ');
    buf_append_i64(&b, INT64_MIN);
    buf_putc(&b, ' ');
    buf_append_i64(&b, INT64_MAX);
    buf_putc(&b, ' ');
    buf_append_u64(&b, UINT64_MAX);
    cr_assert_str_eq(b.p, "0 -1 -9223372036854775808 9223372036854775807 18446744073709551615");
    buf_fini(&b);
}

Test(buf, ceiling_is_sticky)
{
    struct buf b;
    buf_init(&b, 8);
    cr_assert_eq(buf_append_c(&b, "hello"), 0);
    cr_assert_eq(buf_append_c(&b, "world"), E_TOOBIG);
    cr_assert_str_eq(b.p, "hello", "a failed append changes nothing");
    cr_assert_eq(b.len, 5);
    cr_assert_eq(b.err, E_TOOBIG);
    /* Sticky: later appends fail too, even ones that would fit. */
    cr_assert_eq(buf_putc(&b, '!'), E_TOOBIG);
    cr_assert_eq(buf_append_c(&b, "x"), E_TOOBIG);
    cr_assert_eq(buf_printf(&b, "%d", 1), E_TOOBIG);
    cr_assert_eq(buf_reserve(&b, 0), E_TOOBIG);
    cr_assert_str_eq(b.p, "hello");
    /* Reset clears the error and the content, not the ceiling. */
    buf_reset(&b);
    cr_assert_eq(b.err, 0);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(buf_printf(&b, "%s", "12345678"), 0, "exactly the ceiling fits");
    cr_assert_eq(buf_putc(&b, '9'), E_TOOBIG, "one byte past it does not");
    cr_assert_str_eq(b.p, "12345678");
    buf_reset(&b);
    cr_assert_eq(buf_printf(&b, "%s", "123456789"), E_TOOBIG);
    cr_assert_eq(b.len, 0);
    buf_reset(&b);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(buf_putc(&b, 'p'), 0);
    cr_assert_eq(buf_putc(&b, 'p'), E_TOOBIG, "putc honours the ceiling too");
    cr_assert_eq(buf_append_i64(&b, 1), E_TOOBIG);
    buf_fini(&b);

    struct buf zero;
    buf_init(&zero, 0);
    cr_assert_eq(buf_append(&zero, "", 0), 0, "nothing always fits");
    cr_assert_eq(buf_putc(&zero, 'a'), E_TOOBIG);
    buf_fini(&zero);
}

Test(buf, take)
{
    struct buf b;
    buf_init(&b, 100);
    char *empty = buf_take(&b);
    cr_assert_str_eq(empty, "");
    free(empty);
    buf_append_c(&b, "owned");
    char *s = buf_take(&b);
    cr_assert_str_eq(s, "owned");
    free(s);
    cr_assert_null(b.p);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(buf_append_c(&b, "again"), 0, "the buffer is usable after a take");
    cr_assert_str_eq(b.p, "again");
    buf_fini(&b);
}

/* ---- str -------------------------------------------------------------------- */

static int i64(const char *s, int64_t *out)
{
    *out = 777;
    return str_to_i64(str_c(s), out);
}

Test(str, to_i64)
{
    int64_t v;
    static const struct {
        const char *in;
        int64_t want;
    } ok[] = {
        {"0", 0},
        {"-0", 0},
        {"+5", 5},
        {"00012", 12},
        {"-42", -42},
        {"9223372036854775807", INT64_MAX},
        {"-9223372036854775808", INT64_MIN},
        {"+9223372036854775807", INT64_MAX},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        cr_assert_eq(i64(ok[i].in, &v), 0, "%s", ok[i].in);
        cr_assert_eq(v, ok[i].want, "%s", ok[i].in);
    }
    static const struct {
        const char *in;
        int code;
    } bad[] = {
        {"", E_PARSE},
        {"-", E_PARSE},
        {"+", E_PARSE},
        {" 1", E_PARSE},
        {"1 ", E_PARSE},
        {"1a", E_PARSE},
        {"0x10", E_PARSE},
        {"--1", E_PARSE},
        {"+-1", E_PARSE},
        {"1.0", E_PARSE},
        {"9223372036854775808", E_RANGE},
        {"-9223372036854775809", E_RANGE},
        {"18446744073709551616", E_RANGE},
        {"99999999999999999999", E_RANGE},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(i64(bad[i].in, &v), bad[i].code, "'%s'", bad[i].in);
        cr_assert_eq(v, 777, "'%s': the output is untouched on error", bad[i].in);
    }
    /* A slice stops where it says, whatever follows it. */
    cr_assert_eq(str_to_i64(str_make("123456", 3), &v), 0);
    cr_assert_eq(v, 123);
}

Test(str, to_u64)
{
    uint64_t v = 5;
    cr_assert_eq(str_to_u64(STR_LIT("18446744073709551615"), &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(str_to_u64(STR_LIT("0"), &v), 0);
    cr_assert_eq(v, 0);
    v = 5;
    cr_assert_eq(str_to_u64(STR_LIT("18446744073709551616"), &v), E_RANGE);
    cr_assert_eq(str_to_u64(STR_LIT("-1"), &v), E_PARSE);
    cr_assert_eq(str_to_u64(STR_LIT("+1"), &v), E_PARSE);
    cr_assert_eq(str_to_u64(STR_LIT(""), &v), E_PARSE);
    cr_assert_eq(str_to_u64(STR_NULL, &v), E_PARSE);
    cr_assert_eq(v, 5);
}

Test(str, to_double)
{
    double v;
    static const struct {
        const char *in;
        double want;
    } ok[] = {
        {"1.5", 1.5}, {"-2e3", -2000.0}, {"1e-3", 0.001}, {"0", 0.0},
        {".5", 0.5},  {"5.", 5.0},       {"+1.25", 1.25}, {"1E+2", 100.0},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        cr_assert_eq(str_to_double(str_c(ok[i].in), &v), 0, "%s", ok[i].in);
        cr_assert_eq(v, ok[i].want, "%s", ok[i].in);
    }
    static const struct {
        const char *in;
        int code;
    } bad[] = {
        {"", E_PARSE},    {"inf", E_PARSE}, {"nan", E_PARSE},   {"0x1p3", E_PARSE},
        {" 1", E_PARSE},  {"1 ", E_PARSE},  {"1.5.5", E_PARSE}, {"e5", E_PARSE},
        {"-", E_PARSE},   {"1e", E_PARSE},  {"1e400", E_RANGE}, {"-1e400", E_RANGE},
        {"1,5", E_PARSE},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 7.0;
        cr_assert_eq(str_to_double(str_c(bad[i].in), &v), bad[i].code, "'%s'", bad[i].in);
        cr_assert_eq(v, 7.0, "'%s': the output is untouched on error", bad[i].in);
    }
    char longnum[80];
    memset(longnum, '1', 70);
    longnum[70] = '\0';
    cr_assert_eq(str_to_double(str_c(longnum), &v), E_PARSE, "64 bytes or more are refused");
}

Test(str, slices)
{
    struct str head;
    struct str rest = str_cut(STR_LIT("key=value=x"), '=', &head);
    cr_assert(str_eq_c(head, "key"));
    cr_assert(str_eq_c(rest, "value=x"));
    rest = str_cut(STR_LIT("novalue"), '=', &head);
    cr_assert(str_eq_c(head, "novalue"));
    cr_assert_null(rest.p);
    cr_assert(str_eq_c(str_trim(STR_LIT(" \t\r\n x y \v\f")), "x y"));
    cr_assert_eq(str_trim(STR_LIT("   ")).len, 0);
    cr_assert(str_eq_nocase(STR_LIT("EventID"), STR_LIT("eventid")));
    cr_assert(!str_eq_nocase(STR_LIT("a"), STR_LIT("ab")));
    cr_assert(str_starts_with(STR_LIT("abc"), STR_LIT("ab")));
    cr_assert(!str_starts_with(STR_LIT("a"), STR_LIT("ab")));
    cr_assert(str_ends_with(STR_LIT("abc"), STR_LIT("bc")));
    cr_assert(!str_ends_with(STR_LIT("c"), STR_LIT("bc")));
    cr_assert_eq(str_index(STR_LIT("abc"), 'c'), 2);
    cr_assert_eq(str_index(STR_LIT("abc"), 'z'), -1);
    cr_assert_eq(str_index(STR_NULL, 'z'), -1);
    char out[4];
    cr_assert_str_eq(str_copy(STR_LIT("abcdef"), out, sizeof(out)), "abc");
    cr_assert_str_eq(str_copy(STR_NULL, out, sizeof(out)), "");
}

/* ---- map -------------------------------------------------------------------- */

static int freed;

static void count_free(void *v)
{
    freed++;
    free(v);
}

static struct str key_of(char *buf, size_t cap, int i)
{
    int n = snprintf(buf, cap, "key-%d", i);
    return str_make(buf, (size_t)n);
}

Test(map, put_get_del)
{
    struct map m;
    map_init(&m, NULL);
    int found = 9;
    cr_assert_null(map_get(&m, STR_LIT("x"), &found), "an empty map has nothing");
    cr_assert_eq(found, 0);
    cr_assert_eq(map_del(&m, STR_LIT("x")), 0);
    map_put(&m, STR_LIT("a"), (void *)1);
    map_put(&m, STR_LIT("b"), (void *)2);
    map_put(&m, STR_LIT("a"), (void *)3); /* replace */
    cr_assert_eq(m.n, 2);
    cr_assert_eq(map_get(&m, STR_LIT("a"), NULL), (void *)3);
    cr_assert_eq(map_get(&m, STR_LIT("b"), &found), (void *)2);
    cr_assert_eq(found, 1);
    /* An explicit NULL value is told apart from absence. */
    map_put(&m, STR_LIT("nil"), NULL);
    cr_assert_null(map_get(&m, STR_LIT("nil"), &found));
    cr_assert_eq(found, 1);
    cr_assert_null(map_get(&m, STR_LIT("none"), &found));
    cr_assert_eq(found, 0);
    /* Keys are byte strings: a prefix, an embedded NUL and the empty key are distinct. */
    map_put(&m, str_make("a\0b", 3), (void *)4);
    map_put(&m, STR_LIT(""), (void *)5);
    cr_assert_eq(map_get(&m, str_make("a\0b", 3), NULL), (void *)4);
    cr_assert_eq(map_get(&m, STR_LIT("a"), NULL), (void *)3);
    cr_assert_eq(map_get(&m, STR_LIT(""), NULL), (void *)5);
    /* Keys are copied. */
    char k[4] = "tmp";
    map_put(&m, str_c(k), (void *)6);
    k[0] = 'x';
    cr_assert_eq(map_get(&m, STR_LIT("tmp"), NULL), (void *)6);
    cr_assert_null(map_get(&m, STR_LIT("xmp"), NULL));

    cr_assert_eq(map_del(&m, STR_LIT("a")), 1);
    cr_assert_eq(map_del(&m, STR_LIT("a")), 0);
    cr_assert_null(map_get(&m, STR_LIT("a"), &found));
    cr_assert_eq(found, 0);
    cr_assert_eq(map_get(&m, str_make("a\0b", 3), NULL), (void *)4);
    cr_assert_eq(m.n, 5);
    map_fini(&m);
    cr_assert_eq(m.n, 0);
    map_fini(&m); /* twice is harmless */
}

Test(map, growth_and_iteration)
{
    struct map m;
    map_init(&m, NULL);
    char buf[32];
    for (int i = 0; i < 5000; i++)
        map_put(&m, key_of(buf, sizeof(buf), i), (void *)(uintptr_t)(i + 1));
    cr_assert_eq(m.n, 5000);
    cr_assert_eq(m.cap & (m.cap - 1), 0, "the capacity stays a power of two");
    cr_assert_lt(m.used * 4, m.cap * 3, "the load factor stays under 3/4");
    for (int i = 0; i < 5000; i++)
        cr_assert_eq(map_get(&m, key_of(buf, sizeof(buf), i), NULL), (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < 5000; i += 2)
        cr_assert_eq(map_del(&m, key_of(buf, sizeof(buf), i)), 1);
    cr_assert_eq(m.n, 2500);

    /* Iteration visits every live entry once. */
    char *seen = calloc(5000, 1);
    size_t count = 0;
    struct str k;
    void *v;
    for (size_t it = 0; map_next(&m, &it, &k, &v);) {
        int i = (int)(uintptr_t)v - 1;
        cr_assert(i >= 0 && i < 5000 && i % 2 == 1, "unexpected entry %d", i);
        cr_assert(str_eq(k, key_of(buf, sizeof(buf), i)));
        cr_assert_eq(seen[i], 0, "entry %d visited twice", i);
        seen[i] = 1;
        count++;
    }
    cr_assert_eq(count, 2500);
    free(seen);
    /* map_next without a value pointer, and past the end. */
    size_t it = 0;
    cr_assert_eq(map_next(&m, &it, &k, NULL), 1);
    it = m.cap;
    cr_assert_eq(map_next(&m, &it, &k, NULL), 0);
    map_fini(&m);

    struct map empty;
    map_init(&empty, NULL);
    it = 0;
    cr_assert_eq(map_next(&empty, &it, &k, &v), 0);
    map_fini(&empty);
}

Test(map, deletes_do_not_grow_it_forever)
{
    /* A cache that churns through keys: live entries stay few, so must the table. */
    struct map m;
    map_init(&m, NULL);
    char buf[32];
    for (int i = 0; i < 100000; i++) {
        map_put(&m, key_of(buf, sizeof(buf), i), (void *)1);
        if (i >= 4)
            cr_assert_eq(map_del(&m, key_of(buf, sizeof(buf), i - 4)), 1);
    }
    cr_assert_eq(m.n, 4);
    cr_assert_leq(m.cap, 64, "capacity %zu for 4 live entries", m.cap);
    for (int i = 99996; i < 100000; i++)
        cr_assert_eq(map_get(&m, key_of(buf, sizeof(buf), i), NULL), (void *)1);
    map_fini(&m);
}

Test(map, owns_its_values)
{
    freed = 0;
    struct map m;
    map_init(&m, count_free);
    map_put(&m, STR_LIT("a"), malloc(8));
    map_put(&m, STR_LIT("b"), malloc(8));
    void *same = malloc(8);
    map_put(&m, STR_LIT("c"), same);
    map_put(&m, STR_LIT("c"), same); /* the same value again: not freed */
    cr_assert_eq(freed, 0);
    map_put(&m, STR_LIT("a"), malloc(8)); /* replaced: the old value is freed */
    cr_assert_eq(freed, 1);
    cr_assert_eq(map_del(&m, STR_LIT("b")), 1);
    cr_assert_eq(freed, 2);
    map_fini(&m);
    cr_assert_eq(freed, 4);
}

/* ---- utf8 ------------------------------------------------------------------- */

static size_t prefix(const char *s, size_t len)
{
    return utf8_valid_prefix(str_make(s, len));
}

#define P(lit) prefix((lit), sizeof(lit) - 1)

Test(utf8, valid_prefix)
{
    cr_assert_eq(P(""), 0);
    cr_assert_eq(P("plain ascii, longer than eight bytes"), 36);
    cr_assert_eq(P("caf\xc3\xa9"), 5);
    cr_assert_eq(P("\xe2\x82\xac"), 3);
    cr_assert_eq(P("\xf0\x9f\x98\x80"), 4);
    /* Boundaries of each length. */
    cr_assert_eq(P("\x7f"), 1);
    cr_assert_eq(P("\xc2\x80"), 2);         /* U+0080 */
    cr_assert_eq(P("\xdf\xbf"), 2);         /* U+07FF */
    cr_assert_eq(P("\xe0\xa0\x80"), 3);     /* U+0800 */
    cr_assert_eq(P("\xed\x9f\xbf"), 3);     /* U+D7FF */
    cr_assert_eq(P("\xee\x80\x80"), 3);     /* U+E000 */
    cr_assert_eq(P("\xef\xbf\xbf"), 3);     /* U+FFFF */
    cr_assert_eq(P("\xf0\x90\x80\x80"), 4); /* U+10000 */
    cr_assert_eq(P("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
    /* Overlongs. */
    cr_assert_eq(P("\xc0\x80"), 0);
    cr_assert_eq(P("\xc1\xbf"), 0);
    cr_assert_eq(P("\xe0\x80\x80"), 0);
    cr_assert_eq(P("\xe0\x9f\xbf"), 0);
    cr_assert_eq(P("\xf0\x80\x80\x80"), 0);
    cr_assert_eq(P("\xf0\x8f\xbf\xbf"), 0);
    /* Surrogates. */
    cr_assert_eq(P("\xed\xa0\x80"), 0);
    cr_assert_eq(P("\xed\xbf\xbf"), 0);
    /* Above U+10FFFF, and bytes that never occur. */
    cr_assert_eq(P("\xf4\x90\x80\x80"), 0);
    cr_assert_eq(P("\xf5\x80\x80\x80"), 0);
    cr_assert_eq(P("\xf8\x88\x80\x80\x80"), 0);
    cr_assert_eq(P("\xfe"), 0);
    cr_assert_eq(P("\xff"), 0);
    /* Stray and missing continuation bytes. */
    cr_assert_eq(P("\x80"), 0);
    cr_assert_eq(P("\xbf"), 0);
    cr_assert_eq(P("\xc3"), 0);
    cr_assert_eq(P("\xc3("), 0);
    cr_assert_eq(P("\xe2\x82"), 0);
    cr_assert_eq(P("\xe2\x28\xa1"), 0);
    cr_assert_eq(P("\xf0\x9f\x98"), 0);
    /* The prefix ends where the first invalid byte is, inside and after the fast path. */
    cr_assert_eq(P("abc\xff"
                   "def"),
                 3);
    cr_assert_eq(P("abcdefghijklmnopq\xffrst"), 17);
    cr_assert_eq(P("abcdefg\xc3\xa9hijklmnop\xe2\x82"), 18);
    cr_assert_eq(P("01234567\x80"), 8);
    cr_assert(utf8_is_valid(STR_LIT("\xc3\xa9t\xc3\xa9")));
    cr_assert(!utf8_is_valid(STR_LIT("\xc3\xa9t\xe9")));
}

Test(utf8, repair)
{
    struct arena a;
    arena_init(&a, 256);
    size_t n = 99;
    struct str valid = STR_LIT("d\xc3\xa9j\xc3\xa0 vu");
    struct str out = utf8_repair(valid, &a, &n);
    cr_assert_eq(n, 0);
    cr_assert_eq(out.p, valid.p, "valid input comes back as is");
    cr_assert_eq(out.len, valid.len);

    static const struct {
        const char *in, *want;
        size_t repaired;
    } cases[] = {
        {"caf\xe9", "caf\xc3\xa9", 1},
        {"a\xff"
         "b",
         "a\xc3\xbf"
         "b",
         1},
        {"\xc0\x80", "\xc3\x80\xc2\x80", 2},
        {"\xff\xe2\x82\xac", "\xc3\xbf\xe2\x82\xac", 1}, /* valid sequences stay */
        {"ab\xe2\x82", "ab\xc3\xa2\xc2\x82", 2},         /* cut short at the end */
        {"\xed\xa0\x80", "\xc3\xad\xc2\xa0\xc2\x80", 3}, /* a surrogate */
        {"\xf4\x90\x80\x80", "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80", 4},
        {"\x80"
         "x\x80",
         "\xc2\x80"
         "x\xc2\x80",
         2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        out = utf8_repair(str_c(cases[i].in), &a, &n);
        cr_assert(str_eq_c(out, cases[i].want), "case %zu", i);
        cr_assert_eq(n, cases[i].repaired, "case %zu: %zu repaired", i, n);
        cr_assert(utf8_is_valid(out));
    }
    arena_fini(&a);
}

Test(utf8, repair_is_lossless_on_random_bytes)
{
    /* Every invalid byte becomes its Latin-1 reading: the output is valid, each repaired
     * byte grows by one, and reading repaired pairs back gives the input. */
    struct arena a;
    arena_init(&a, 4096);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    char in[257];
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 257);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* Mostly high bytes, so that valid sequences happen too. */
            in[i] = (char)(x % 3 ? 0x80 | (x >> 8) : (x >> 8) & 0x7f);
        }
        size_t n;
        struct str out = utf8_repair(str_make(in, len), &a, &n);
        cr_assert(utf8_is_valid(out), "round %d", round);
        cr_assert_eq(out.len, len + n, "round %d", round);
        /* Undo: walk both, taking valid sequences as they are. */
        size_t i = 0, o = 0;
        while (i < len) {
            size_t k = utf8_valid_prefix(str_make(in + i, len - i));
            if (k) {
                cr_assert(memcmp(out.p + o, in + i, k) == 0);
                i += k;
                o += k;
                continue;
            }
            unsigned char c = (unsigned char)in[i];
            cr_assert_eq((unsigned char)out.p[o], 0xC0 | (c >> 6), "round %d byte %zu", round, i);
            cr_assert_eq((unsigned char)out.p[o + 1], 0x80 | (c & 0x3F));
            i++;
            o += 2;
        }
        cr_assert_eq(o, out.len);
        arena_reset(&a);
    }
    arena_fini(&a);
}
