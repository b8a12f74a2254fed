/*
 * test_decoder_detect.c - decoder_detect() picks the right decoder for a
 * sample of each format, and no decoder claims another format's lines.
 */
#include "dec_helpers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *detect(const struct str *lines, size_t n)
{
    return decoder_detect(lines, n)->name;
}

Test(detect, table_order)
{
    size_t n;
    const struct decoder *const *all = decoder_all(&n);
    cr_assert_geq(n, 7);
    cr_assert_str_eq(all[n - 1]->name, "raw", "raw must stay last");
    const char *names[] = {"cef", "syslog", "apache", "json", "csv", "kv", "raw"};
    for (size_t i = 0; i < N(names); i++)
        cr_assert_not_null(decoder_find(names[i]), "%s is not registered", names[i]);
}

Test(detect, syslog)
{
    struct str pri[] = {
        STR_LIT("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"),
        STR_LIT("<165>1 2003-10-11T22:14:15.003Z host app - ID47 - message with a=1 b=2"),
        STR_LIT("<13>Oct 11 22:14:16 mymachine sshd[42]: Accepted publickey for bob"),
    };
    cr_assert_str_eq(detect(pri, N(pri)), "syslog");
    struct str file[] = {
        STR_LIT("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=x"),
        STR_LIT("Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown"),
        STR_LIT("Jun 15 02:04:59 combo su(pam_unix)[21416]: session opened for user cyrus"),
    };
    cr_assert_str_eq(detect(file, N(file)), "syslog");
}

Test(detect, apache)
{
    struct str l[] = {
        STR_LIT("83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET /a.png HTTP/1.1\" 200 203023 "
                "\"http://semicomplete.com/\" \"Mozilla/5.0 (Macintosh)\""),
        STR_LIT("127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /x HTTP/1.0\" 200 2326"),
        STR_LIT("www.example.com:443 10.0.0.7 - - [01/Jan/2024:00:00:00 +0100] \"GET / HTTP/2.0\" "
                "302 0 \"-\" \"curl/8\""),
    };
    cr_assert_str_eq(detect(l, N(l)), "apache");
}

Test(detect, cef)
{
    struct str l[] = {
        STR_LIT("CEF:0|Security|threatmanager|1.0|100|worm stopped|10|src=10.0.0.1 dst=2.1.2.2"),
        STR_LIT("<134>Feb 14 19:04:54 fw01 CEF:0|V|P|1|sig|name|5|src=1.2.3.4 act=blocked"),
        STR_LIT("<134>1 2021-03-04T05:06:07Z fw01 app - - - CEF:0|V|P|1|s|n|5|dpt=22"),
    };
    cr_assert_str_eq(detect(l, N(l)), "cef");
}

Test(detect, json_csv_kv_raw)
{
    struct str json[] = {STR_LIT("{\"EventID\":4624,\"Computer\":\"dc1\",\"a\":\"x=1 y=2\"}"),
                         STR_LIT("{\"EventID\":4625,\"Computer\":\"dc1\"}")};
    cr_assert_str_eq(detect(json, N(json)), "json");
    struct str csv[] = {STR_LIT("timestamp,user,action,note"),
                        STR_LIT("2024-01-02T03:04:05Z,alice,login,\"first, of day\""),
                        STR_LIT("2024-01-02T03:05:00Z,bob,logout,")};
    cr_assert_str_eq(detect(csv, N(csv)), "csv");
    struct str kv[] = {STR_LIT("ts=2024-01-02T03:04:05Z level=info msg=\"started\" port=80"),
                       STR_LIT("ts=2024-01-02T03:04:06Z level=warn msg=\"slow request\" took=3s")};
    cr_assert_str_eq(detect(kv, N(kv)), "kv");
    struct str app[] = {STR_LIT("2020-01-01T10:00:00Z INFO starting server on :8080"),
                        STR_LIT("2020-01-01T10:00:01Z WARN cache cold")};
    cr_assert_str_eq(detect(app, N(app)), "raw");
    struct str text[] = {STR_LIT("hello world"), STR_LIT("just text, with a comma")};
    cr_assert_str_eq(detect(text, N(text)), "raw");
    cr_assert_str_eq(detect(NULL, 0), "raw");
}

/* Each format's lines, offered to every other decoder's probe, score 0. */
Test(detect, no_cross_claims)
{
    static const struct {
        const char *format;
        const char *line;
    } samples[] = {
        {"syslog", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed, a=1 b=2"},
        {"syslog", "Oct 11 22:14:15 mymachine su: key=value other=thing"},
        {"apache", "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /?a=1 HTTP/1.1\" 200 1 \"-\" "
                   "\"x=y, z\""},
        {"cef", "<134>Feb 14 19:04:54 fw01 CEF:0|V|P|1|sig|name|5|src=1.2.3.4 act=blocked"},
        {"kv", "level=info msg=\"a, b\" n=1"},
        {"json", "{\"a\":1,\"b\":\"c=d e=f\"}"},
    };
    size_t n;
    const struct decoder *const *all = decoder_all(&n);
    for (size_t s = 0; s < N(samples); s++) {
        struct str line = str_c(samples[s].line);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(all[i]->name, samples[s].format) == 0 || strcmp(all[i]->name, "raw") == 0)
                continue;
            cr_assert_eq(all[i]->probe(&line, 1), 0, "%s claims a %s line: %s", all[i]->name,
                         samples[s].format, samples[s].line);
        }
    }
}

/* Up to 32 lines of a file, as the ingest sampler would hand them over. */
static size_t sample_file(const char *path, char **buf, struct str *lines, size_t cap)
{
    size_t len = 0, n = 0;
    *buf = dec_slurp(path, &len);
    cr_assert_not_null(*buf, "cannot read %s", path);
    for (char *s = *buf; s < *buf + len && n < cap;) {
        char *nl = memchr(s, '\n', (size_t)(*buf + len - s));
        size_t l = nl ? (size_t)(nl - s) : (size_t)(*buf + len - s);
        lines[n++] = str_make(s, l);
        s += l + 1;
    }
    return n;
}

/*
 * Real files: Loghub's raw logs are application formats none of our
 * structured decoders reads (HDFS, BGL, Hadoop, Zookeeper, ...): raw. Their
 * structured versions are CSV. Elastic's access log is apache.
 */
Test(detect, corpus_files)
{
    static const char *systems[] = {"BGL",   "HDFS",        "HPC",     "Hadoop",
                                    "Spark", "Thunderbird", "Windows", "Zookeeper"};
    char dir[4096], path[8192];
    dec_corpus("loghub-2k/original", dir, sizeof(dir));
    for (size_t i = 0; i < N(systems); i++) {
        struct str lines[32];
        char *buf;
        snprintf(path, sizeof(path), "%s/%s/%s_2k.log", dir, systems[i], systems[i]);
        size_t n = sample_file(path, &buf, lines, N(lines));
        cr_expect_str_eq(detect(lines, n), "raw", "%s_2k.log", systems[i]);
        free(buf);
        snprintf(path, sizeof(path), "%s/%s/%s_2k.log_structured.csv", dir, systems[i], systems[i]);
        n = sample_file(path, &buf, lines, N(lines));
        cr_expect_str_eq(detect(lines, n), "csv", "%s_2k.log_structured.csv", systems[i]);
        free(buf);
    }
    dec_corpus("apache-access/apache_logs/apache_logs", path, sizeof(path));
    struct str lines[32];
    char *buf;
    size_t n = sample_file(path, &buf, lines, N(lines));
    cr_expect_str_eq(detect(lines, n), "apache");
    free(buf);
}
