/*
 * test_dec_kv.c - key=value and logfmt.
 */
#include "dec_helpers.h"

static struct dec_fx f;

static void setup(void)
{
    dec_open(&f, "kv");
}

static void teardown(void)
{
    dec_close(&f);
}

TestSuite(kv, .init = setup, .fini = teardown);

Test(kv, logfmt)
{
    cr_assert_eq(dec_run(&f, "ts=2024-01-02T03:04:05Z level=info msg=\"user \\\"bob\\\" in\" "
                             "port=22 ratio=0.5 id=-7 tls"),
                 0);
    cr_assert_eq(f.ev.n_fields, 7);
    expect_str(&f, "ts", "2024-01-02T03:04:05Z");
    expect_str(&f, "level", "info");
    expect_str(&f, "msg", "user \"bob\" in");
    expect_int(&f, "port", 22);
    expect_str(&f, "ratio", "0.5"); /* only plain integers become numbers */
    expect_int(&f, "id", -7);
    const struct value *tls = dec_get(&f, "tls");
    cr_assert(tls && tls->type == VAL_BOOL && tls->b, "a bare key is true");
    cr_assert_eq(f.ev.ts_ns, 0);
}

Test(kv, quoting_and_spacing)
{
    cr_assert_eq(dec_run(&f, "\ta=\"42\"   b=  path=\"C:\\\\x\\ty\\q\" url=http://h/?q=1&r=2\t"),
                 0);
    expect_str(&f, "a", "42"); /* quoted: stays a string */
    expect_str(&f, "b", "");
    expect_str(&f, "path", "C:\\x\ty\\q"); /* unknown escapes keep the backslash */
    expect_str(&f, "url", "http://h/?q=1&r=2");
    cr_assert_eq(dec_run(&f, "big=99999999999999999999 neg=-"), 0);
    expect_str(&f, "big", "99999999999999999999"); /* out of int64 range */
    expect_str(&f, "neg", "-");
    cr_assert_eq(dec_run(&f, "   "), E_AGAIN);
}

Test(kv, errors)
{
    expect_error(&f, "a=1 =2", E_PARSE, "column 5: expected a key");
    expect_error(&f, "a=1 \"q\"=2", E_PARSE, "column 5: expected a key");
    expect_error(&f, "a=1 b\"=2", E_PARSE, "column 6: expected '=' or a space after a key");
    expect_error(&f, "a=1 msg=\"open", E_PARSE,
                 "column 14: expected '\"' closing the value of 'msg' opened at column 9");
    expect_error(&f, "a=\"x\"y b=1", E_PARSE, "column 6: expected a space after the closing '\"'");
    char key[300];
    memset(key, 'k', sizeof(key));
    snprintf(key + 257, sizeof(key) - 257, "=1");
    expect_error(&f, key, E_TOOBIG, "column 1: key longer than 256 bytes");
    f.limits.max_fields = 2;
    expect_error(&f, "a=1 b=2 c=3", E_TOOBIG, "more than 2 fields");
    cr_assert_eq(f.ev.n_fields, 2);
}

Test(kv, probe)
{
    struct str good[] = {STR_LIT("level=info msg=\"started\" port=80"),
                         STR_LIT("level=warn msg=\"slow\" took=3s")};
    cr_assert_eq(f.dec->probe(good, 2), 70);
    struct str syslog[] = {STR_LIT("<13>Jan  1 00:00:00 host app: a=1 b=2"),
                           STR_LIT("Jan  1 00:00:00 host app: a=1 b=2")};
    cr_assert_eq(f.dec->probe(syslog, 2), 0);
    struct str apache[] = {STR_LIT("1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /?a=1&b=2 "
                                   "HTTP/1.1\" 200 1 \"-\" \"x=y z=w\"")};
    cr_assert_eq(f.dec->probe(apache, 1), 0);
    struct str cef[] = {STR_LIT("CEF:0|V|P|1|100|n|5|src=1.2.3.4 dst=5.6.7.8")};
    cr_assert_eq(f.dec->probe(cef, 1), 0);
    struct str words[] = {STR_LIT("just some words"), STR_LIT("a=1")};
    cr_assert_eq(f.dec->probe(words, 2), 0);
}
