/*
 * test_json.c - json_flatten (the ingest scanner: paths, escapes, numbers,
 * literals, arrays, caps, and the exact message for every malformed shape)
 * and the json_write_* helpers (escaping, round trips through the scanner).
 */
#include "base/json.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a collecting walk ------------------------------------------------------ */

#define MAX_LEAVES 64

struct leaf {
    char path[1100];
    enum json_leaf kind;
    struct str text;
    int64_t ival;
    double dval;
};

struct walk {
    struct leaf leaves[MAX_LEAVES];
    size_t n;
    int stop_at; /* return E_CANCELLED from this leaf (1-based); 0 = never */
};

static struct arena arena;
static struct walk w;
static struct diag d;
static struct json_flatten_opts opts;

static void setup(void)
{
    arena_init(&arena, 1024);
    memset(&w, 0, sizeof(w));
    diag_clear(&d);
    opts = (struct json_flatten_opts){.max_depth = 32, .max_leaves = 1024, .max_path_bytes = 512};
}

static void teardown(void)
{
    arena_fini(&arena);
}

TestSuite(json, .init = setup, .fini = teardown);

static int on_leaf(void *ctx, struct str path, const struct json_leaf_value *v)
{
    struct walk *wk = ctx;
    cr_assert_lt(wk->n, MAX_LEAVES);
    struct leaf *l = &wk->leaves[wk->n++];
    str_copy(path, l->path, sizeof(l->path));
    l->kind = v->kind;
    l->text = v->text;
    l->ival = v->ival;
    l->dval = v->dval;
    if (wk->stop_at && (int)wk->n == wk->stop_at)
        return E_CANCELLED;
    return 0;
}

/* Flatten a NUL-terminated literal (or len bytes of it). */
static int flatten_len(const char *in, size_t len)
{
    memset(&w.leaves, 0, sizeof(w.leaves));
    w.n = 0;
    diag_clear(&d);
    return json_flatten(str_make(in, len), &opts, &arena, on_leaf, &w, &d);
}

static int flatten(const char *in)
{
    return flatten_len(in, strlen(in));
}

static const struct leaf *leaf(size_t i)
{
    cr_assert_lt(i, w.n, "no leaf #%zu (%zu leaves)", i, w.n);
    return &w.leaves[i];
}

#define expect_leaf(i, want_path, want_kind, want_text)                                            \
    do {                                                                                           \
        const struct leaf *l_ = leaf(i);                                                           \
        cr_assert_str_eq(l_->path, (want_path));                                                   \
        cr_assert_eq(l_->kind, (want_kind), "%s: kind %d", l_->path, (int)l_->kind);               \
        cr_assert(str_eq(l_->text, str_make((want_text), sizeof(want_text) - 1)),                  \
                  "%s: text '%.*s'", l_->path, STR_FMT(l_->text));                                 \
    } while (0)

/* The walk failed with code and exactly this message. */
#define expect_fail(in, code, want_msg)                                                            \
    do {                                                                                           \
        int rc_ = flatten(in);                                                                     \
        cr_assert_eq(rc_, (code), "%s: got %s, want %s", (in), err_name(rc_), #code);              \
        cr_assert_str_eq(d.msg, (want_msg), "input: %s", (in));                                    \
    } while (0)

/* ---- paths and values ------------------------------------------------------- */

Test(json, dotted_paths_in_order)
{
    cr_assert_eq(flatten("{\"a\":{\"b\":{\"c\":1},\"d\":\"x\"},\"e\":true}"), 0);
    cr_assert_eq(w.n, 3);
    expect_leaf(0, "a.b.c", JSON_LEAF_INT, "1");
    expect_leaf(1, "a.d", JSON_LEAF_STRING, "x");
    expect_leaf(2, "e", JSON_LEAF_TRUE, "true");
}

Test(json, whitespace_everywhere)
{
    cr_assert_eq(flatten(" \t\r\n{ \"a\" :\n[ 1 , 2 ] ,\t\"b\" : { } , \"c\" : null }\n "), 0);
    cr_assert_eq(w.n, 3);
    expect_leaf(0, "a", JSON_LEAF_ARRAY, "[ 1 , 2 ]");
    expect_leaf(1, "b", JSON_LEAF_OBJECT_EMPTY, "{}");
    expect_leaf(2, "c", JSON_LEAF_NULL, "null");
}

Test(json, empty_objects)
{
    cr_assert_eq(flatten("{}"), 0);
    cr_assert_eq(w.n, 0, "the top-level object is not a leaf");
    cr_assert_eq(flatten("{\"a\":{},\"b\":{\"c\":{}}}"), 0);
    cr_assert_eq(w.n, 2);
    expect_leaf(0, "a", JSON_LEAF_OBJECT_EMPTY, "{}");
    expect_leaf(1, "b.c", JSON_LEAF_OBJECT_EMPTY, "{}");
}

Test(json, literals)
{
    cr_assert_eq(flatten("{\"t\":true,\"f\":false,\"n\":null}"), 0);
    expect_leaf(0, "t", JSON_LEAF_TRUE, "true");
    expect_leaf(1, "f", JSON_LEAF_FALSE, "false");
    expect_leaf(2, "n", JSON_LEAF_NULL, "null");
}

Test(json, arrays_are_kept_as_raw_text)
{
    const char *in = "{\"a\":[1,{\"b\":[2,\"]\"]},\"x\\\"y\"],\"c\":[],\"d\":[[]]}";
    cr_assert_eq(flatten(in), 0);
    cr_assert_eq(w.n, 3);
    expect_leaf(0, "a", JSON_LEAF_ARRAY, "[1,{\"b\":[2,\"]\"]},\"x\\\"y\"]");
    expect_leaf(1, "c", JSON_LEAF_ARRAY, "[]");
    expect_leaf(2, "d", JSON_LEAF_ARRAY, "[[]]");
    /* Zero copy: the array text points into the input. */
    cr_assert_eq(leaf(0)->text.p, strchr(in, '['));
}

Test(json, duplicate_keys_are_all_reported)
{
    cr_assert_eq(flatten("{\"a\":1,\"a\":2}"), 0);
    cr_assert_eq(w.n, 2);
    expect_leaf(0, "a", JSON_LEAF_INT, "1");
    expect_leaf(1, "a", JSON_LEAF_INT, "2");
}

Test(json, keys_with_escapes_and_dots)
{
    cr_assert_eq(flatten("{\"a\\\"b\":{\"c.d\":1,\"\\u00e9\":2,\"\":3}}"), 0);
    cr_assert_eq(w.n, 3);
    cr_assert_str_eq(leaf(0)->path, "a\"b.c.d");
    cr_assert_str_eq(leaf(1)->path, "a\"b.\xc3\xa9");
    cr_assert_str_eq(leaf(2)->path, "a\"b.");
}

/* ---- strings ---------------------------------------------------------------- */

Test(json, string_escapes)
{
    const char *in = "{\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f end\"}";
    cr_assert_eq(flatten(in), 0);
    expect_leaf(0, "s", JSON_LEAF_STRING, "q\"b\\s/n\nt\tr\rb\bf\f end");
    /* Unescaped text lives in the arena, not in the input. */
    cr_assert(leaf(0)->text.p < in || leaf(0)->text.p >= in + strlen(in));

    /* Without escapes the value is a slice of the input. */
    in = "{\"s\":\"plain\"}";
    cr_assert_eq(flatten(in), 0);
    cr_assert_eq(leaf(0)->text.p, in + 6);
}

Test(json, unicode_escapes)
{
    cr_assert_eq(flatten("{\"a\":\"caf\\u00e9\",\"b\":\"\\u00E9\",\"c\":\"\\u0041\\u0080\\u07ff\","
                         "\"d\":\"\\u0800\\uffff\",\"e\":\"x\\ud83d\\ude00y\","
                         "\"f\":\"\\uDBFF\\uDFFF\",\"g\":\"\\u20ac\"}"),
                 0);
    expect_leaf(0, "a", JSON_LEAF_STRING, "caf\xc3\xa9");
    expect_leaf(1, "b", JSON_LEAF_STRING, "\xc3\xa9");
    expect_leaf(2, "c", JSON_LEAF_STRING, "A\xc2\x80\xdf\xbf");
    expect_leaf(3, "d", JSON_LEAF_STRING, "\xe0\xa0\x80\xef\xbf\xbf");
    expect_leaf(4, "e", JSON_LEAF_STRING, "x\xf0\x9f\x98\x80y");
    expect_leaf(5, "f", JSON_LEAF_STRING, "\xf4\x8f\xbf\xbf");
    expect_leaf(6, "g", JSON_LEAF_STRING, "\xe2\x82\xac");
}

Test(json, raw_utf8_passes_through)
{
    cr_assert_eq(flatten("{\"a\":\"\xe2\x82\xac \xf0\x9f\x98\x80\"}"), 0);
    expect_leaf(0, "a", JSON_LEAF_STRING, "\xe2\x82\xac \xf0\x9f\x98\x80");
}

Test(json, bad_unicode_escapes)
{
    expect_fail("{\"a\":\"\\ud800\"}", E_ENCODING,
                "column 13: unpaired UTF-16 surrogate in \\u escape");
    expect_fail("{\"a\":\"\\udc00\"}", E_ENCODING,
                "column 13: unpaired UTF-16 surrogate in \\u escape");
    expect_fail("{\"a\":\"\\ud800\\ud800\"}", E_ENCODING,
                "column 13: unpaired UTF-16 surrogate in \\u escape");
    expect_fail("{\"a\":\"\\ud800x\"}", E_ENCODING,
                "column 13: unpaired UTF-16 surrogate in \\u escape");
    expect_fail("{\"a\":\"\\u0000\"}", E_ENCODING, "column 13: \\u0000 (NUL) in a string");
    expect_fail("{\"\\u0000\":1}", E_ENCODING, "column 9: \\u0000 (NUL) in a string");
    /* Strings inside arrays are validated too. */
    expect_fail("{\"a\":[\"\\udfff\"]}", E_ENCODING,
                "column 14: unpaired UTF-16 surrogate in \\u escape");
    expect_fail("{\"a\":\"\\u12\"}", E_PARSE, "column 7: bad \\u escape: expected four hex digits");
    expect_fail("{\"a\":\"\\u12G4\"}", E_PARSE,
                "column 7: bad \\u escape: expected four hex digits");
    expect_fail("{\"a\":\"\\u00", E_PARSE, "column 7: bad \\u escape: expected four hex digits");
}

Test(json, bad_strings)
{
    expect_fail("{\"a\":\"x\ty\"}", E_PARSE, "column 8: control character in string");
    expect_fail("{\"a\":\"x\ny\"}", E_PARSE, "column 8: control character in string");
    expect_fail("{\"a\":\"\\x\"}", E_PARSE, "column 7: bad escape in string");
    expect_fail("{\"a\\q\":1}", E_PARSE, "column 4: bad escape in string");
    expect_fail("{\"a\":\"x", E_PARSE,
                "column 8: unexpected end of JSON, expected '\"' to close the string");
    expect_fail("{\"a\":\"\\", E_PARSE, "column 7: expected '\"' to close the string");
    expect_fail("{\"a", E_PARSE,
                "column 4: unexpected end of JSON, expected '\"' to close the string");
    /* A NUL byte inside a string is a control character. */
    int rc = flatten_len("{\"a\":\"x\0\"}", 10);
    cr_assert_eq(rc, E_PARSE);
    cr_assert_str_eq(d.msg, "column 8: control character in string");
}

/* ---- numbers ---------------------------------------------------------------- */

Test(json, integers)
{
    cr_assert_eq(flatten("{\"a\":0,\"b\":-0,\"c\":123,\"d\":-45,\"e\":9223372036854775807,"
                         "\"f\":-9223372036854775808}"),
                 0);
    expect_leaf(0, "a", JSON_LEAF_INT, "0");
    cr_assert_eq(leaf(0)->ival, 0);
    expect_leaf(1, "b", JSON_LEAF_INT, "-0");
    cr_assert_eq(leaf(1)->ival, 0);
    expect_leaf(2, "c", JSON_LEAF_INT, "123");
    cr_assert_eq(leaf(2)->ival, 123);
    cr_assert_eq(leaf(2)->dval, 123.0);
    expect_leaf(3, "d", JSON_LEAF_INT, "-45");
    cr_assert_eq(leaf(3)->ival, -45);
    expect_leaf(4, "e", JSON_LEAF_INT, "9223372036854775807");
    cr_assert_eq(leaf(4)->ival, INT64_MAX);
    expect_leaf(5, "f", JSON_LEAF_INT, "-9223372036854775808");
    cr_assert_eq(leaf(5)->ival, INT64_MIN);
}

Test(json, int64_overflow_becomes_float)
{
    cr_assert_eq(flatten("{\"a\":9223372036854775808,\"b\":-9223372036854775809,"
                         "\"c\":123456789012345678901234567890123456789012345678901234567890123456"
                         "7890}"),
                 0);
    expect_leaf(0, "a", JSON_LEAF_FLOAT, "9223372036854775808");
    cr_assert_eq(leaf(0)->dval, 9223372036854775808.0);
    expect_leaf(1, "b", JSON_LEAF_FLOAT, "-9223372036854775809");
    cr_assert_eq(leaf(1)->dval, -9223372036854775808.0);
    cr_assert_eq(leaf(2)->kind, JSON_LEAF_FLOAT);
    cr_assert_eq(leaf(2)->text.len, 70, "the text is kept whole");
    cr_assert_float_eq(leaf(2)->dval, 1.2345678901234568e69, 1e55);
}

Test(json, floats_and_exponents)
{
    cr_assert_eq(flatten("{\"a\":1.5,\"b\":-0.25,\"c\":1e3,\"d\":1E-2,\"e\":2.5e+2,\"f\":0.0,"
                         "\"g\":-1.0e-0}"),
                 0);
    expect_leaf(0, "a", JSON_LEAF_FLOAT, "1.5");
    cr_assert_eq(leaf(0)->dval, 1.5);
    expect_leaf(1, "b", JSON_LEAF_FLOAT, "-0.25");
    cr_assert_eq(leaf(1)->dval, -0.25);
    expect_leaf(2, "c", JSON_LEAF_FLOAT, "1e3");
    cr_assert_eq(leaf(2)->dval, 1000.0);
    expect_leaf(3, "d", JSON_LEAF_FLOAT, "1E-2");
    cr_assert_eq(leaf(3)->dval, 0.01);
    expect_leaf(4, "e", JSON_LEAF_FLOAT, "2.5e+2");
    cr_assert_eq(leaf(4)->dval, 250.0);
    expect_leaf(5, "f", JSON_LEAF_FLOAT, "0.0");
    expect_leaf(6, "g", JSON_LEAF_FLOAT, "-1.0e-0");
    cr_assert_eq(leaf(6)->dval, -1.0);
}

Test(json, bad_numbers)
{
    expect_fail("{\"a\":01}", E_PARSE, "column 7: expected ',' or '}'");
    expect_fail("{\"a\":-}", E_PARSE, "column 7: expected a digit");
    expect_fail("{\"a\":+1}", E_PARSE, "column 6: expected a value");
    expect_fail("{\"a\":.5}", E_PARSE, "column 6: expected a value");
    expect_fail("{\"a\":[+1]}", E_PARSE, "column 7: expected a value");
    expect_fail("{\"a\":1.}", E_PARSE, "column 8: expected a digit after '.'");
    expect_fail("{\"a\":1.e5}", E_PARSE, "column 8: expected a digit after '.'");
    expect_fail("{\"a\":1e}", E_PARSE, "column 8: expected a digit in the exponent");
    expect_fail("{\"a\":1e+}", E_PARSE, "column 9: expected a digit in the exponent");
    expect_fail("{\"a\":0x10}", E_PARSE, "column 7: expected ',' or '}'");
    expect_fail("{\"a\":1", E_PARSE, "column 7: unexpected end of JSON, expected ',' or '}'");
    expect_fail("{\"a\":-", E_PARSE, "column 7: unexpected end of JSON, expected a digit");
    expect_fail("{\"a\":[1.]}", E_PARSE, "column 9: expected a digit after '.'");
}

/* ---- structure -------------------------------------------------------------- */

Test(json, malformed_shapes)
{
    expect_fail("", E_PARSE,
                "column 1: unexpected end of JSON, expected '{' to start a JSON object");
    expect_fail("   ", E_PARSE,
                "column 4: unexpected end of JSON, expected '{' to start a JSON object");
    expect_fail("[1]", E_PARSE, "column 1: expected '{' to start a JSON object");
    expect_fail("\"x\"", E_PARSE, "column 1: expected '{' to start a JSON object");
    expect_fail("  42", E_PARSE, "column 3: expected '{' to start a JSON object");
    expect_fail("{", E_PARSE,
                "column 2: unexpected end of JSON, expected '\"' to start an object key");
    expect_fail("{a:1}", E_PARSE, "column 2: expected '\"' to start an object key");
    expect_fail("{'a':1}", E_PARSE, "column 2: expected '\"' to start an object key");
    expect_fail("{\"a\"", E_PARSE,
                "column 5: unexpected end of JSON, expected ':' after an object key");
    expect_fail("{\"a\" 1}", E_PARSE, "column 6: expected ':' after an object key");
    expect_fail("{\"a\":", E_PARSE, "column 6: unexpected end of JSON, expected a value");
    expect_fail("{\"a\":}", E_PARSE, "column 6: expected a value");
    expect_fail("{\"a\":1 2}", E_PARSE, "column 8: expected ',' or '}'");
    expect_fail("{\"a\":1,}", E_PARSE, "column 8: expected '\"' to start an object key");
    expect_fail("{\"a\":1,,\"b\":2}", E_PARSE, "column 8: expected '\"' to start an object key");
    expect_fail("{\"a\":1}}", E_PARSE, "column 8: unexpected data after the JSON object");
    expect_fail("{\"a\":1} {\"b\":2}", E_PARSE, "column 9: unexpected data after the JSON object");
    expect_fail("{\"a\":{\"b\":1]}", E_PARSE, "column 12: expected ',' or '}'");
    expect_fail("{\"a\":{\"b\":1}", E_PARSE,
                "column 13: unexpected end of JSON, expected ',' or '}'");
    expect_fail("{\"a\":tru}", E_PARSE, "column 6: expected a value");
    expect_fail("{\"a\":nul", E_PARSE, "column 6: expected a value");
    expect_fail("{\"a\":True}", E_PARSE, "column 6: expected a value");
    expect_fail("{\"a\":truex}", E_PARSE, "column 10: expected ',' or '}'");
    expect_fail("{\"a\":undefined}", E_PARSE, "column 6: expected a value");
}

Test(json, malformed_arrays)
{
    expect_fail("{\"a\":[1,]}", E_PARSE, "column 9: expected a value");
    expect_fail("{\"a\":[,1]}", E_PARSE, "column 7: expected a value");
    expect_fail("{\"a\":[1 2]}", E_PARSE, "column 9: expected ',' or ']'");
    expect_fail("{\"a\":[1,2}", E_PARSE, "column 10: expected ',' or ']'");
    expect_fail("{\"a\":[", E_PARSE, "column 7: unexpected end of JSON, expected a value");
    expect_fail("{\"a\":[{\"b\" 1}]}", E_PARSE, "column 12: expected ':' after an object key");
    expect_fail("{\"a\":[{1:2}]}", E_PARSE, "column 8: expected '\"' to start an object key");
    expect_fail("{\"a\":[{\"b\":1]]}", E_PARSE, "column 13: expected ',' or '}'");
}

/* ---- caps -------------------------------------------------------------------- */

Test(json, depth_cap)
{
    opts.max_depth = 3;
    cr_assert_eq(flatten("{\"a\":{\"b\":{\"c\":1}}}"), 0);
    expect_leaf(0, "a.b.c", JSON_LEAF_INT, "1");
    expect_fail("{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", E_DEPTH, "column 16: JSON nested too deep");
    /* Arrays count as levels too. */
    cr_assert_eq(flatten("{\"a\":[[1]]}"), 0);
    expect_fail("{\"a\":[[[1]]]}", E_DEPTH, "column 8: JSON nested too deep");
    expect_fail("{\"a\":[{\"b\":{}}]}", E_DEPTH, "column 12: JSON nested too deep");
    expect_fail("{\"a\":{\"b\":[[]]}}", E_DEPTH, "column 12: JSON nested too deep");
    opts.max_depth = 1;
    cr_assert_eq(flatten("{\"a\":1}"), 0);
    expect_fail("{\"a\":{}}", E_DEPTH, "column 6: JSON nested too deep");
    expect_fail("{\"a\":[]}", E_DEPTH, "column 6: JSON nested too deep");
}

Test(json, deep_input_does_not_recurse_without_bound)
{
    /* 100,000 levels against the default cap of 32: refused at the 33rd. */
    size_t n = 100000;
    char *in = malloc(n * 5 + 2);
    for (size_t i = 0; i < n; i++)
        memcpy(in + i * 5, "{\"a\":", 5);
    in[n * 5] = '1';
    cr_assert_eq(flatten_len(in, n * 5 + 1), E_DEPTH);
    cr_assert_str_eq(d.msg, "column 161: JSON nested too deep");
    for (size_t i = 0; i < n; i++)
        in[i] = '[';
    memcpy(in, "{\"a\":", 5);
    cr_assert_eq(flatten_len(in, n), E_DEPTH);
    cr_assert_str_eq(d.msg, "column 37: JSON nested too deep");
    free(in);
}

Test(json, leaf_cap)
{
    opts.max_leaves = 3;
    cr_assert_eq(flatten("{\"a\":1,\"b\":[1,2,3,4],\"c\":{}}"), 0);
    cr_assert_eq(w.n, 3, "an array and an empty object are one leaf each");
    expect_fail("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", E_TOOBIG, "column 25: too many fields");
    cr_assert_eq(w.n, 3, "the walk stops before reporting the extra leaf");
    opts.max_leaves = 0;
    expect_fail("{\"a\":1}", E_TOOBIG, "column 7: too many fields");
    cr_assert_eq(flatten("{}"), 0);
}

Test(json, path_cap)
{
    opts.max_path_bytes = 5;
    cr_assert_eq(flatten("{\"abcde\":1,\"ab\":{\"cd\":2}}"), 0);
    cr_assert_str_eq(leaf(1)->path, "ab.cd");
    expect_fail("{\"abcdef\":1}", E_TOOBIG, "column 10: field path too long");
    expect_fail("{\"ab\":{\"cde\":1}}", E_TOOBIG, "column 13: field path too long");

    /* The scanner's own buffer caps paths at 1024 bytes, whatever the option says. */
    opts.max_path_bytes = 100000;
    char in[1200];
    memcpy(in, "{\"", 2);
    memset(in + 2, 'k', 1024);
    memcpy(in + 2 + 1024, "\":1}", 5);
    cr_assert_eq(flatten(in), 0);
    cr_assert_eq(strlen(leaf(0)->path), 1024);
    memset(in + 2, 'k', 1025);
    memcpy(in + 2 + 1025, "\":1}", 5);
    expect_fail(in, E_TOOBIG, "column 1029: field path too long");
}

Test(json, callback_stops_the_walk)
{
    w.stop_at = 2;
    cr_assert_eq(json_flatten(STR_LIT("{\"a\":1,\"b\":2,\"c\":3}"), &opts, &arena, on_leaf, &w, &d),
                 E_CANCELLED);
    cr_assert_eq(w.n, 2);
}

Test(json, null_diag_is_allowed)
{
    cr_assert_eq(json_flatten(STR_LIT("{\"a\":"), &opts, &arena, on_leaf, &w, NULL), E_PARSE);
}

/* ---- writing ---------------------------------------------------------------- */

static struct buf out;

static const char *write_str(struct str s)
{
    buf_reset(&out);
    cr_assert_eq(json_write_string(&out, s), 0);
    return out.p;
}

Test(json, write_string_escapes)
{
    buf_init(&out, BUF_UNBOUNDED);
    cr_assert_str_eq(write_str(STR_LIT("plain")), "\"plain\"");
    cr_assert_str_eq(write_str(STR_LIT("")), "\"\"");
    cr_assert_str_eq(write_str(STR_LIT("q\"b\\s/")), "\"q\\\"b\\\\s/\"");
    cr_assert_str_eq(write_str(STR_LIT("\b\f\n\r\t")), "\"\\b\\f\\n\\r\\t\"");
    cr_assert_str_eq(write_str(str_make("\x00\x01\x1f\x7f", 4)),
                     "\"\\u0000\\u0001\\u001f\\u007f\"");
    cr_assert_str_eq(write_str(STR_LIT("caf\xc3\xa9 \xf0\x9f\x98\x80")),
                     "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    buf_reset(&out);
    cr_assert_eq(json_write_escaped(&out, STR_LIT("a\"b")), 0);
    cr_assert_str_eq(out.p, "a\\\"b");
    buf_fini(&out);
}

Test(json, write_string_round_trip)
{
    /* Every byte but NUL (which the scanner refuses as \u0000), through write and flatten. */
    char all[255 + 8];
    size_t n = 0;
    for (int c = 1; c < 0x80; c++)
        all[n++] = (char)c;
    memcpy(all + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    n += 9;
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    buf_append_c(&b, "{\"k\":");
    json_write_string(&b, str_make(all, n));
    cr_assert_eq(buf_putc(&b, '}'), 0);
    cr_assert_eq(flatten_len(b.p, b.len), 0, "%s", d.msg);
    cr_assert_eq(w.n, 1);
    cr_assert(str_eq(leaf(0)->text, str_make(all, n)));
    buf_fini(&b);
}

Test(json, write_string_respects_the_ceiling)
{
    struct buf b;
    buf_init(&b, 6);
    cr_assert_eq(json_write_string(&b, STR_LIT("abcd")), 0);
    cr_assert_str_eq(b.p, "\"abcd\"");
    buf_reset(&b);
    cr_assert_eq(json_write_string(&b, STR_LIT("abcde")), E_TOOBIG);
    cr_assert_eq(b.err, E_TOOBIG, "the error is sticky");
    cr_assert_leq(b.len, 6);
    buf_reset(&b);
    cr_assert_eq(json_write_string(&b, STR_LIT("\n\n\n")), E_TOOBIG, "escapes count");
    buf_fini(&b);
}

Test(json, write_double)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {1.0, "1.0"},        {0.5, "0.5"},
        {-0.0, "-0.0"},      {1e300, "1.0000000000000001e+300"},
        {NAN, "null"},       {INFINITY, "null"},
        {-INFINITY, "null"}, {-2.5, "-2.5"},
        {1e21, "1e+21"},     {123456789.0, "123456789.0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_reset(&b);
        cr_assert_eq(json_write_double(&b, cases[i].v), 0);
        cr_assert_str_eq(b.p, cases[i].want);
    }
    /* What is written reads back as the same double, and as a float. */
    static const double round[] = {0.1, 1.0 / 3.0, 6.02214076e23, -1e-300, 1.0, 4.9e-324};
    for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
        buf_reset(&b);
        buf_append_c(&b, "{\"x\":");
        json_write_double(&b, round[i]);
        buf_putc(&b, '}');
        cr_assert_eq(flatten_len(b.p, b.len), 0, "%s: %s", b.p, d.msg);
        cr_assert_eq(leaf(0)->kind, JSON_LEAF_FLOAT, "%s", b.p);
        cr_assert_eq(leaf(0)->dval, round[i], "%s", b.p);
    }
    buf_fini(&b);
}
