/*
 * test_dec_apache.c - the Apache/Nginx access-log decoder, and all of the
 * 10,000-line Elastic sample log.
 */
#include "dec_helpers.h"

static struct dec_fx f;

static void setup(void)
{
    dec_open(&f, "apache");
}

static void teardown(void)
{
    dec_close(&f);
}

TestSuite(apache, .init = setup, .fini = teardown);

Test(apache, common)
{
    cr_assert_eq(dec_run(&f, "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "
                             "\"GET /apache_pb.gif?a=1&b=2 HTTP/1.0\" 200 2326"),
                 0);
    expect_str(&f, "source.ip", "127.0.0.1");
    expect_str(&f, "source.address", "127.0.0.1");
    expect_str(&f, "user.name", "frank");
    expect_str(&f, "http.request.method", "GET");
    expect_str(&f, "url.original", "/apache_pb.gif?a=1&b=2");
    expect_str(&f, "url.path", "/apache_pb.gif");
    expect_str(&f, "url.query", "a=1&b=2");
    expect_str(&f, "http.version", "1.0");
    expect_int(&f, "http.response.status_code", 200);
    expect_int(&f, "http.response.body.bytes", 2326);
    expect_absent(&f, "http.request.referrer");
    expect_absent(&f, "user_agent.original");
    cr_assert_eq(f.ev.ts_ns, dec_ts("2000-10-10T20:55:36Z"));

    /* Without a zone the time is taken at the configured default offset. */
    f.ctx.time.default_offset_s = 3600;
    cr_assert_eq(dec_run(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36] \"GET /\" 200 1"), 0);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2000-10-10T12:55:36Z"));
}

Test(apache, combined_and_dashes)
{
    cr_assert_eq(dec_run(&f, "2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] \"HEAD / HTTP/1.1\" "
                             "304 - \"-\" \"curl/8.0\""),
                 0);
    expect_str(&f, "source.ip", "2001:db8::1");
    expect_absent(&f, "user.name");
    expect_absent(&f, "http.response.body.bytes");
    expect_absent(&f, "http.request.referrer");
    expect_absent(&f, "url.query");
    expect_str(&f, "url.path", "/");
    expect_str(&f, "user_agent.original", "curl/8.0");
    expect_int(&f, "http.response.status_code", 304);

    /* A host name rather than an address (HostnameLookups On). */
    cr_assert_eq(dec_run(&f, "crawler.example.com - - [10/Oct/2000:13:55:36 +0000] "
                             "\"GET /x HTTP/1.1\" 200 5 \"http://ref/\" \"bot\""),
                 0);
    expect_absent(&f, "source.ip");
    expect_str(&f, "source.domain", "crawler.example.com");
    expect_str(&f, "http.request.referrer", "http://ref/");
}

Test(apache, vhost_combined)
{
    cr_assert_eq(dec_run(&f, "www.example.com:443 10.0.0.7 - alice [01/Jan/2024:00:00:00 +0100] "
                             "\"POST /login HTTP/2.0\" 302 0 \"-\" \"Mozilla/5.0\""),
                 0);
    expect_str(&f, "destination.domain", "www.example.com");
    expect_int(&f, "destination.port", 443);
    expect_str(&f, "source.ip", "10.0.0.7");
    expect_str(&f, "user.name", "alice");
    expect_str(&f, "http.request.method", "POST");
    expect_str(&f, "http.version", "2.0");
    expect_int(&f, "http.response.body.bytes", 0);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2023-12-31T23:00:00Z"));
}

Test(apache, escapes_and_malformed_requests)
{
    cr_assert_eq(dec_run(&f,
                         "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "
                         "\"GET /q?x=\\\"y\\\" HTTP/1.1\" 200 1 \"-\" \"UA \\\"quoted\\\" \\\\\""),
                 0);
    expect_str(&f, "url.original", "/q?x=\"y\"");
    expect_str(&f, "url.query", "x=\"y\"");
    expect_str(&f, "user_agent.original", "UA \"quoted\" \\");

    /* "-" as the request (a connection closed before one arrived). */
    cr_assert_eq(dec_run(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"-\" 408 -"), 0);
    expect_str(&f, "url.original", "-");
    expect_absent(&f, "http.request.method");
    expect_absent(&f, "url.path");

    /* TLS bytes sent to a plain-text port, as Apache logs them. */
    cr_assert_eq(dec_run(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "
                             "\"\\x16\\x03\\x01\\x02\\x00\\x01\" 400 226 \"-\" \"-\""),
                 0);
    expect_str(&f, "url.original", "\\x16\\x03\\x01\\x02\\x00\\x01");
    expect_absent(&f, "http.request.method");
    expect_absent(&f, "user_agent.original");

    /* An empty request, and Nginx's extra X-Forwarded-For field (ignored). */
    cr_assert_eq(dec_run(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"\" 400 0 \"-\" \"-\" "
                             "\"5.6.7.8\""),
                 0);
    expect_absent(&f, "url.original");

    /* A line cut off inside the user agent keeps what arrived. */
    cr_assert_eq(dec_run(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 "
                             "\"-\" \"Mozilla/5.0 (compat"),
                 0);
    expect_str(&f, "user_agent.original", "Mozilla/5.0 (compat");
}

Test(apache, errors)
{
    expect_error(&f, "<13>Jan  1 00:00:00 host app: syslog, not apache", E_PARSE,
                 "column 9: expected '[' opening the time");
    expect_error(&f, "1.2.3.4 - [10/Oct/2000:13:55:36 +0000] \"GET /\" 200 1", E_PARSE,
                 "column 11: expected client, identity and user before '['");
    expect_error(&f, "1.2.3.4 - - [10/Foo/2000:13:55:36 +0000] \"GET /\" 200 1", E_PARSE,
                 "column 14: expected a time like 10/Oct/2000:13:55:36 -0700");
    expect_error(&f, "1.2.3.4 - - [31/Feb/2000:13:55:36 +0000] \"GET /\" 200 1", E_RANGE,
                 "column 14: time out of range");
    expect_error(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000 \"GET /\" 200 1", E_PARSE,
                 "column 54: expected ']' closing the time");
    expect_error(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] GET / 200 1", E_PARSE,
                 "column 41: expected ' \"' opening the request");
    expect_error(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / 200 1", E_PARSE,
                 "column 54: expected '\"' closing the field opened at column 42");
    expect_error(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /\" OK 1", E_PARSE,
                 "column 49: expected ' ' and a 3-digit status");
    expect_error(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /\" 200 lots", E_PARSE,
                 "column 53: expected ' ' and a byte count or '-'");
    expect_error(&f, "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /\" 200 1 \"-", E_PARSE,
                 "column 58: expected '\"' closing the field opened at column 56");
}

/*
 * Elastic's example access log: 10,000 combined-format lines, one of them
 * (8,899) cut off inside its user agent. Every line must decode.
 */
Test(apache, corpus_apache_logs, .timeout = 120)
{
    char path[4096];
    dec_corpus("apache-access/apache_logs/apache_logs", path, sizeof(path));
    size_t len;
    char *buf = dec_slurp(path, &len);
    cr_assert_not_null(buf);
    int n = 0, ok = 0;
    for (char *s = buf, *nl; s < buf + len; s = nl + 1) {
        nl = memchr(s, '\n', (size_t)(buf + len - s));
        if (nl == NULL)
            nl = buf + len;
        n++;
        arena_reset(&f.arena);
        int rc = dec_run_len(&f, s, (size_t)(nl - s));
        if (rc == 0)
            ok++;
        else
            fprintf(stderr, "apache_logs:%d: %s\n", n, f.d.msg);
        /* Spot checks, read by hand from the file. */
        if (n == 1) {
            expect_str(&f, "source.ip", "83.149.9.216");
            expect_str(&f, "url.path",
                       "/presentations/logstash-monitorama-2013/images/kibana-search.png");
            expect_int(&f, "http.response.body.bytes", 203023);
            expect_str(&f, "http.request.referrer",
                       "http://semicomplete.com/presentations/logstash-monitorama-2013/");
            cr_assert_eq(f.ev.ts_ns, dec_ts("2015-05-17T10:05:03Z"));
        } else if (n == 32) {
            expect_str(&f, "url.path", "/blog/tags/puppet");
            expect_str(&f, "url.query", "flav=rss20");
            expect_str(&f, "user_agent.original", "Tiny Tiny RSS/1.11 (http://tt-rss.org/)");
        } else if (n == 77) {
            expect_absent(&f, "http.response.body.bytes");
            expect_absent(&f, "http.request.referrer");
        } else if (n == 5649) {
            expect_str(&f, "http.request.method", "POST");
            expect_int(&f, "http.response.status_code", 404);
            expect_absent(&f, "user_agent.original");
        } else if (n == 8899) {
            expect_str(&f, "user_agent.original",
                       "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html");
        } else if (n == 9158) {
            expect_str(&f, "http.request.method", "OPTIONS");
            expect_int(&f, "http.response.status_code", 500);
            expect_str(&f, "user_agent.original", "Microsoft Office Protocol Discovery");
        }
    }
    free(buf);
    fprintf(stderr, "apache_logs: %d of %d lines decode\n", ok, n);
    cr_assert_eq(n, 10000);
    cr_assert_eq(ok, 10000);
}
