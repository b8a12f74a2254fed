/*
 * test_dec_csv.c - CSV with a header line.
 */
#include "dec_helpers.h"

static struct dec_fx f;

static void setup(void)
{
    dec_open(&f, "csv");
}

static void teardown(void)
{
    dec_close(&f);
}

TestSuite(csv, .init = setup, .fini = teardown);

Test(csv, header_then_rows)
{
    cr_assert_eq(dec_run(&f, "timestamp, user ,action,bytes"), E_AGAIN);
    cr_assert_eq(dec_run(&f, "2024-01-02T03:04:05Z,alice,login,42"), 0);
    cr_assert_eq(f.ev.n_fields, 4);
    expect_str(&f, "timestamp", "2024-01-02T03:04:05Z");
    expect_str(&f, "user", "alice"); /* header names are trimmed */
    expect_str(&f, "action", "login");
    expect_str(&f, "bytes", "42"); /* cells stay strings */
    cr_assert_eq(f.ev.ts_ns, 0);   /* normalisation picks the time column */

    /* Empty cells are kept as empty strings; blank lines are skipped. */
    cr_assert_eq(dec_run(&f, ",bob,,"), 0);
    expect_str(&f, "timestamp", "");
    expect_str(&f, "bytes", "");
    cr_assert_eq(dec_run(&f, ""), E_AGAIN);
}

Test(csv, quoting)
{
    cr_assert_eq(dec_run(&f, "\xEF\xBB\xBF\"name\",\"note, with comma\",,x\r"), E_AGAIN);
    cr_assert_eq(dec_run(&f, "\"Smith, J\",\"say \"\"hi\"\"\",\"\",plain text\r"), 0);
    expect_str(&f, "name", "Smith, J");
    expect_str(&f, "note, with comma", "say \"hi\"");
    expect_str(&f, "column3", ""); /* an unnamed column */
    expect_str(&f, "x", "plain text");
    cr_assert_eq(dec_run(&f, "\"\"\"\",a,b,\"\""), 0);
    expect_str(&f, "name", "\"");
}

Test(csv, errors)
{
    cr_assert_eq(dec_run(&f, "a,b,c"), E_AGAIN);
    expect_error(&f, "1,2", E_PARSE, "row has 2 columns, header has 3");
    expect_error(&f, "1,2,3,4", E_PARSE, "row has 4 columns, header has 3");
    expect_error(&f, "1,\"open,3", E_PARSE,
                 "column 10: expected '\"' closing the field opened at column 3 "
                 "(a quoted field cannot span lines)");
    expect_error(&f, "1,ab\"c,3", E_PARSE,
                 "column 5: expected ',' or the end of the line, not '\"' "
                 "(a field containing quotes must be quoted)");
    expect_error(&f, "1,\"b\"x,3", E_PARSE, "column 6: expected ',' or the end of the line");
    /* The error leaves the header in place for the next row. */
    cr_assert_eq(dec_run(&f, "1,2,3"), 0);
}

Test(csv, bad_header_fails_the_file)
{
    expect_error(&f, "a,\"b", E_PARSE,
                 "column 5: expected '\"' closing the field opened at column 3 "
                 "(a quoted field cannot span lines)");
    expect_error(&f, "1,2", E_PARSE, "the header line was malformed; no row can be read");
}

Test(csv, column_cap)
{
    f.limits.max_fields = 3;
    expect_error(&f, "a,b,c,d", E_TOOBIG, "header has 4 columns, more than 3");
}

Test(csv, used_without_open)
{
    struct decoder_ctx ctx = f.ctx;
    struct event ev;
    struct diag d;
    ctx.state = NULL;
    event_init(&ev);
    cr_assert_eq(f.dec->decode(&ctx, STR_LIT("a,b"), &ev, &d), E_STATE);
}

Test(csv, probe)
{
    struct str good[] = {STR_LIT("time,user,action"), STR_LIT("1,alice,\"log, in\""),
                         STR_LIT("2,bob,logout")};
    cr_assert_eq(f.dec->probe(good, 3), 70);
    struct str syslog[] = {STR_LIT("<13>Jan  1 00:00:00 host app: a, b"),
                           STR_LIT("<13>Jan  1 00:00:01 host app: c, d")};
    cr_assert_eq(f.dec->probe(syslog, 2), 0);
    struct str kv[] = {STR_LIT("a=1,b=2"), STR_LIT("a=3,b=4")};
    cr_assert_eq(f.dec->probe(kv, 2), 0);
    struct str one_col[] = {STR_LIT("name"), STR_LIT("alice")};
    cr_assert_eq(f.dec->probe(one_col, 2), 0);
}
