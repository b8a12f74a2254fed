/*
 * test_dec_cef.c - ArcSight CEF, alone and behind a syslog header.
 */
#include "dec_helpers.h"

static struct dec_fx f;

static void setup(void)
{
    dec_open(&f, "cef");
}

static void teardown(void)
{
    dec_close(&f);
}

TestSuite(cef, .init = setup, .fini = teardown);

Test(cef, header_and_mapped_extensions)
{
    cr_assert_eq(dec_run(&f, "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|"
                             "src=10.0.0.1 dst=2.1.2.2 spt=1232 dpt=80 proto=TCP act=blocked "
                             "suser=alice duser=bob shost=a.example dhost=b.example "
                             "request=http://b.example/x?y=1 cs1Label=note"),
                 0);
    expect_str(&f, "cef.version", "0");
    expect_str(&f, "observer.vendor", "Security");
    expect_str(&f, "observer.product", "threatmanager");
    expect_str(&f, "observer.version", "1.0");
    expect_str(&f, "event.code", "100");
    expect_str(&f, "cef.name", "worm successfully stopped");
    expect_str(&f, "message", "worm successfully stopped");
    expect_str(&f, "cef.severity", "10");
    expect_int(&f, "event.severity", 10);
    expect_str(&f, "source.ip", "10.0.0.1");
    expect_str(&f, "destination.ip", "2.1.2.2");
    expect_int(&f, "source.port", 1232);
    expect_int(&f, "destination.port", 80);
    expect_str(&f, "network.transport", "tcp");
    expect_str(&f, "event.action", "blocked");
    expect_str(&f, "user.name", "alice");
    expect_str(&f, "destination.user.name", "bob");
    expect_str(&f, "source.domain", "a.example");
    expect_str(&f, "destination.domain", "b.example");
    expect_str(&f, "url.original", "http://b.example/x?y=1"); /* '=' inside a value */
    expect_str(&f, "cef.extensions.proto", "TCP");
    expect_str(&f, "cef.extensions.spt", "1232");
    expect_str(&f, "cef.extensions.cs1Label", "note");
    cr_assert_eq(f.ev.ts_ns, 0);
}

Test(cef, escapes_and_spaces)
{
    cr_assert_eq(dec_run(&f, "CEF:1|Ven\\|dor|Prod\\\\uct|2|sig|Name with spaces|High|"
                             "msg=a value with spaces and a\\=b  cs2=line1\\nline2\\r "
                             "filePath=C:\\\\dir\\\\f.txt odd=\\x end="),
                 0);
    expect_str(&f, "observer.vendor", "Ven|dor");
    expect_str(&f, "observer.product", "Prod\\uct");
    expect_str(&f, "cef.severity", "High");
    expect_absent(&f, "event.severity");
    expect_str(&f, "cef.extensions.msg", "a value with spaces and a=b");
    expect_str(&f, "cef.extensions.cs2", "line1\nline2\r");
    expect_str(&f, "cef.extensions.filePath", "C:\\dir\\f.txt");
    expect_str(&f, "cef.extensions.odd", "\\x");
    expect_str(&f, "cef.extensions.end", "");
}

Test(cef, no_extension)
{
    cr_assert_eq(dec_run(&f, "CEF:0|V|P|1|sig|name|3|"), 0);
    expect_int(&f, "event.severity", 3);
    /* The '|' after Severity may be left out when there is no extension. */
    cr_assert_eq(dec_run(&f, "CEF:0|V|P|1|sig|name|3"), 0);
    expect_int(&f, "event.severity", 3);
}

Test(cef, syslog_header_and_rt)
{
    cr_assert_eq(dec_run(&f, "<134>Feb 14 19:04:54 fw01 CEF:0|V|P|1|sig|name|5|src=1.2.3.4"), 0);
    expect_int(&f, "log.syslog.priority", 134);
    expect_str(&f, "host.name", "fw01");
    expect_str(&f, "source.ip", "1.2.3.4");
    cr_assert_eq(f.ev.ts_ns, dec_ts("2021-02-14T19:04:54Z"));

    /* rt wins over the syslog header: epoch milliseconds ... */
    cr_assert_eq(dec_run(&f, "<134>Feb 14 19:04:54 fw01 app: CEF:0|V|P|1|sig|n|5|"
                             "rt=1609459200123 src=1.2.3.4"),
                 0);
    expect_str(&f, "process.name", "app");
    cr_assert_eq(f.ev.ts_ns, dec_ts("2021-01-01T00:00:00.123Z"));
    /* ... or "MMM dd yyyy HH:mm:ss". */
    cr_assert_eq(dec_run(&f, "CEF:0|V|P|1|sig|n|5|rt=Jan 02 2021 03:04:05 dst=5.6.7.8"), 0);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2021-01-02T03:04:05Z"));
    expect_str(&f, "cef.extensions.rt", "Jan 02 2021 03:04:05");
    /* An rt that does not parse is kept, and leaves the time alone. */
    cr_assert_eq(dec_run(&f, "CEF:0|V|P|1|sig|n|5|rt=yesterday"), 0);
    cr_assert_eq(f.ev.ts_ns, 0);

    cr_assert_eq(dec_run(&f, "<134>1 2021-03-04T05:06:07Z fw01 app - - - CEF:0|V|P|1|s|n|5|"), 0);
    expect_str(&f, "log.syslog.version", "1");
    cr_assert_eq(f.ev.ts_ns, dec_ts("2021-03-04T05:06:07Z"));
}

Test(cef, errors)
{
    expect_error(&f, "not cef at all", E_PARSE, "column 1: expected 'CEF:'");
    expect_error(&f, "CEF:0|V|P|1|sig", E_PARSE,
                 "column 16: expected '|' after Signature ID (the CEF header has 7 fields)");
    expect_error(&f, "CEF:x|V|P|1|sig|n|5|", E_PARSE,
                 "column 5: expected a CEF version number after 'CEF:'");
    expect_error(&f, "CEF:0|V|P|1|sig|n|5|=novalue", E_PARSE,
                 "column 21: expected an extension key and '='");
    expect_error(&f, "CEF:0|V|P|1|sig|n|5|key", E_PARSE,
                 "column 24: expected an extension key and '='");
    expect_error(&f, "hello CEF:0|V|P|1|sig|n|5|", E_PARSE,
                 "column 1: expected '<PRI>' or a timestamp");
    expect_error(&f, "<13>Jan  1 00:00:00 host app: junk CEF:0|V|P|1|s|n|5|", E_PARSE,
                 "column 31: expected 'CEF:' after the syslog header");
    f.limits.max_fields = 9;
    expect_error(&f, "CEF:0|V|P|1|sig|n|5|a=1", E_TOOBIG, "more than 9 fields");
}

Test(cef, probe)
{
    struct str cef[] = {STR_LIT("<134>Feb 14 19:04:54 fw01 CEF:0|V|P|1|sig|name|5|src=1.2.3.4"),
                        STR_LIT("CEF:0|V|P|1|sig|name|5|")};
    cr_assert_eq(f.dec->probe(cef, 2), 95);
    struct str syslog[] = {STR_LIT("<13>Jan  1 00:00:00 host app: CEF: is mentioned")};
    cr_assert_eq(f.dec->probe(syslog, 1), 0);
}
