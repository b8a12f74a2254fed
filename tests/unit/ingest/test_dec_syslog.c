/*
 * test_dec_syslog.c - the syslog decoder: our own cases, then rsyslog's
 * parser test suite as a data-driven cross-check.
 */
#include "dec_helpers.h"

#include <dirent.h>

static struct dec_fx f;

static void setup(void)
{
    dec_open(&f, "syslog");
}

static void teardown(void)
{
    dec_close(&f);
}

TestSuite(syslog, .init = setup, .fini = teardown);

Test(syslog, rfc3164_example)
{
    cr_assert_eq(dec_run(&f, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick"), 0);
    expect_int(&f, "log.syslog.priority", 34);
    expect_int(&f, "log.syslog.facility.code", 4);
    expect_str(&f, "log.syslog.facility.name", "auth");
    expect_int(&f, "log.syslog.severity.code", 2);
    expect_str(&f, "log.syslog.severity.name", "crit");
    expect_str(&f, "host.hostname", "mymachine");
    expect_str(&f, "host.name", "mymachine");
    expect_str(&f, "log.syslog.appname", "su");
    expect_str(&f, "process.name", "su");
    expect_absent(&f, "process.pid");
    expect_str(&f, "message", "'su root' failed for lonvick");
    /* October is more than a day after the reference (June 2021): last year's. */
    cr_assert_eq(f.ev.ts_ns, dec_ts("2020-10-11T22:14:15Z"));
}

Test(syslog, rfc3164_pid_and_no_pri)
{
    cr_assert_eq(dec_run(&f, "<13>Jun 15 11:59:00 web01 sshd[4242]: Accepted publickey"), 0);
    expect_str(&f, "process.name", "sshd");
    expect_str(&f, "log.syslog.procid", "4242");
    expect_int(&f, "process.pid", 4242);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2021-06-15T11:59:00Z"));

    cr_assert_eq(dec_run(&f, "Jun  1 08:00:00 host CRON[17]: (root) CMD (true)"), 0);
    expect_absent(&f, "log.syslog.priority");
    expect_absent(&f, "log.syslog.facility.name");
    expect_str(&f, "host.name", "host");
    expect_str(&f, "process.name", "CRON");
    expect_str(&f, "message", "(root) CMD (true)");
    cr_assert_eq(f.ev.ts_ns, dec_ts("2021-06-01T08:00:00Z"));
}

Test(syslog, rfc3164_timestamp_variants)
{
    cr_assert_eq(dec_run(&f, "<14>2021-06-01T10:00:00.123+02:00 host app: hi"), 0);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2021-06-01T08:00:00.123Z"));
    expect_str(&f, "host.name", "host");

    /* A year before the time and a stray colon after it, as rsyslog accepts. */
    cr_assert_eq(dec_run(&f, "<38>Mar 7 2008 19:06:53: example tag: testmessage"), 0);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2008-03-07T19:06:53Z"));
    expect_str(&f, "host.name", "example");
    expect_str(&f, "process.name", "tag");

    cr_assert_eq(dec_run(&f, "<6>AUG 10 22:18:24.250 host kernel: [  1.0] ok"), 0);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2020-08-10T22:18:24.25Z"));
    expect_str(&f, "message", "[  1.0] ok");

    /* Feb 29 without a year: the latest leap year not after the reference. */
    cr_assert_eq(dec_run(&f, "Feb 29 12:00:00 host app: leap"), 0);
    cr_assert_eq(f.ev.ts_ns, dec_ts("2020-02-29T12:00:00Z"));
}

Test(syslog, rfc3164_host_and_tag_shapes)
{
    cr_assert_eq(dec_run(&f, "<13>Jun 15 11:00:00 fe80::1 app: v6 host"), 0);
    expect_str(&f, "host.name", "fe80::1");
    /* No host: "sshd[1]:" is not made of hostname characters followed by a space. */
    cr_assert_eq(dec_run(&f, "<13>Jun 15 11:00:00 sshd[1]: local"), 0);
    expect_absent(&f, "host.name");
    expect_str(&f, "process.name", "sshd");
    expect_int(&f, "process.pid", 1);
    /* A tag without ':' ends at the space. */
    cr_assert_eq(dec_run(&f, "<13>Jun 15 11:00:00 host kernel message here"), 0);
    expect_str(&f, "process.name", "kernel");
    expect_str(&f, "message", "message here");
    /* PRI without a timestamp: no host is read, the first word is the tag. */
    cr_assert_eq(dec_run(&f, "<13>app: just a message"), 0);
    expect_absent(&f, "host.name");
    expect_str(&f, "process.name", "app");
    cr_assert_eq(f.ev.ts_ns, 0);
    /* Header only. */
    cr_assert_eq(dec_run(&f, "<14>Aug 30 23:00:05 X4711"), 0);
    expect_str(&f, "host.name", "X4711");
    expect_absent(&f, "message");
}

Test(syslog, rfc5424_example_with_sd)
{
    const char *line = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                       "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                       "[examplePriority@32473 class=\"high\"] \xEF\xBB\xBF"
                       "An application event log entry...";
    cr_assert_eq(dec_run(&f, line), 0);
    expect_int(&f, "log.syslog.priority", 165);
    expect_str(&f, "log.syslog.facility.name", "local4");
    expect_str(&f, "log.syslog.severity.name", "notice");
    expect_str(&f, "log.syslog.version", "1");
    expect_str(&f, "host.hostname", "mymachine.example.com");
    expect_str(&f, "log.syslog.appname", "evntslog");
    expect_absent(&f, "log.syslog.procid");
    expect_str(&f, "log.syslog.msgid", "ID47");
    expect_str(&f, "log.syslog.structured_data.exampleSDID@32473.iut", "3");
    expect_str(&f, "log.syslog.structured_data.exampleSDID@32473.eventSource", "Application");
    expect_str(&f, "log.syslog.structured_data.exampleSDID@32473.eventID", "1011");
    expect_str(&f, "log.syslog.structured_data.examplePriority@32473.class", "high");
    expect_str(&f, "message", "An application event log entry...");
    cr_assert_eq(f.ev.ts_ns, dec_ts("2003-10-11T22:14:15.003Z"));
}

Test(syslog, rfc5424_sd_escapes)
{
    cr_assert_eq(dec_run(&f, "<14>1 2021-01-01T00:00:00Z h app 77 - "
                             "[x@1 a=\"q\\\"uote\" b=\"back\\\\slash\" c=\"br\\]acket\" "
                             "d=\"lit\\n\"][y@2 e=\"\"] msg"),
                 0);
    expect_str(&f, "log.syslog.structured_data.x@1.a", "q\"uote");
    expect_str(&f, "log.syslog.structured_data.x@1.b", "back\\slash");
    expect_str(&f, "log.syslog.structured_data.x@1.c", "br]acket");
    expect_str(&f, "log.syslog.structured_data.x@1.d", "lit\\n"); /* not an SD escape */
    expect_str(&f, "log.syslog.structured_data.y@2.e", "");
    expect_int(&f, "process.pid", 77);
    expect_str(&f, "message", "msg");
}

Test(syslog, rfc5424_nil_values)
{
    cr_assert_eq(dec_run(&f, "<14>1 - - - - - -"), 0);
    expect_int(&f, "log.syslog.priority", 14);
    expect_str(&f, "log.syslog.version", "1");
    expect_absent(&f, "host.name");
    expect_absent(&f, "log.syslog.appname");
    expect_absent(&f, "log.syslog.msgid");
    expect_absent(&f, "message");
    cr_assert_eq(f.ev.ts_ns, 0);

    cr_assert_eq(dec_run(&f, "<14>1 2021-01-01T00:00:00Z h app worker-1 - - msg"), 0);
    expect_str(&f, "log.syslog.procid", "worker-1");
    expect_absent(&f, "process.pid");
}

Test(syslog, errors)
{
    expect_error(&f, "hello world", E_PARSE, "column 1: expected '<PRI>' or a timestamp");
    expect_error(&f, "<999>Jan  1 00:00:00 h a: x", E_PARSE, "column 2: expected a PRI of 0..191");
    expect_error(&f, "<13", E_PARSE, "column 4: expected '>' closing PRI");
    expect_error(&f, "<>x", E_PARSE, "column 2: expected 1 to 3 digits of PRI");
    expect_error(&f, "<13>Feb 30 10:00:00 host app: x", E_RANGE,
                 "column 5: timestamp out of range");
    expect_error(&f, "<14>1 - h a - -", E_PARSE, "column 16: expected ' ' after MSGID");
    expect_error(&f, "<14>1 - h a - - x", E_PARSE,
                 "column 17: expected structured data ('[') or '-'");
    expect_error(&f, "<14>1 2021-13-01T00:00:00Z h a - - -", E_RANGE,
                 "column 7: timestamp out of range");
    expect_error(&f, "<14>1 2021-01-01Tjunk h a - - -", E_PARSE,
                 "column 7: expected an RFC 3339 timestamp or '-'");
    expect_error(&f, "<14>1 - h a - - [id k=\"v]", E_PARSE,
                 "column 26: expected '\"' closing the PARAM-VALUE opened at column 23");
    expect_error(&f, "<14>1 - h a - - [id k=v]", E_PARSE,
                 "column 23: expected '\"' opening PARAM-VALUE");
    expect_error(&f, "<14>1 - h a - - [id k=\"v\"x", E_PARSE, "column 26: expected ' ' or ']'");
    expect_error(&f, "<14>1 - h a - - [id k=\"v\"]x", E_PARSE,
                 "column 27: expected ' ' before MSG");
}

Test(syslog, field_cap)
{
    /* 5 PRI fields, version, host twice, app twice: 10, then 4 parameters. */
    const char *line = "<14>1 - h app - - [x a=\"1\" b=\"2\" c=\"3\" d=\"4\"]";
    f.limits.max_fields = 13;
    expect_error(&f, line, E_TOOBIG, "more than 13 fields");
    f.limits.max_fields = 14;
    cr_assert_eq(dec_run(&f, line), 0);
    cr_assert_eq(f.ev.n_fields, 14);
}

/*
 * rsyslog's parser test suite ($VIGIL_CORPUS/rsyslog-parser-tests/testsuites/
 * *.parse1). Each file holds pairs of lines, '#' lines being comments: an
 * input and what rsyslog prints for it with parse1.conf's template
 *   %PRI%,%syslogfacility-text%,%syslogseverity-text%,%timestamp%,%hostname%,
 *   %programname%,%syslogtag%,%msg%
 * We decode the input and render our fields the same way. Differences of
 * representation only are normalised:
 *   - the driver turns "\ooo" in the input into that byte (a trailing lone
 *     backslash is dropped), and rsyslog escapes control characters on
 *     receipt as "#ooo" before parsing; we do both to the input;
 *   - no PRI is rendered as rsyslog's default, 13 (user.notice);
 *   - no hostname is rendered as "~H", the suite's stand-in for the local host;
 *   - %timestamp% is the sender's local time: ours is UTC, so a difference
 *     of a whole zone offset (a multiple of 15 minutes, at most 14 h) is equal;
 *   - %msg% of RFC 3164 keeps the space after the tag, which we drop;
 *   - %syslogtag% keeps the ':' that ends the tag, which we drop.
 * Known differences (semantic, counted as failures):
 *   - rfc5424-1..4: this suite's rsyslog left %programname% empty for RFC 5424
 *     (later versions set it to APP-NAME); we set process.name to APP-NAME as
 *     ECS wants, so the four RFC 5424 cases differ in that column only.
 */
struct rs_tally {
    int total, pass;
};

/* The test driver's "\ooo" and rsyslog's control-character escape, in one pass. */
static size_t rs_prepare(const char *in, char *out, size_t cap)
{
    char raw[8192];
    size_t n = 0, m = 0;
    for (size_t i = 0; in[i] && n + 1 < sizeof(raw); i++) {
        if (in[i] == '\\' && in[i + 1] >= '0' && in[i + 1] <= '7' && in[i + 2] >= '0' &&
            in[i + 2] <= '7' && in[i + 3] >= '0' && in[i + 3] <= '7') {
            raw[n++] = (char)((in[i + 1] - '0') * 64 + (in[i + 2] - '0') * 8 + (in[i + 3] - '0'));
            i += 3;
        } else if (!(in[i] == '\\' && in[i + 1] == '\0')) {
            raw[n++] = in[i];
        }
    }
    for (size_t i = 0; i < n && m + 5 < cap; i++) {
        unsigned char ch = (unsigned char)raw[i];
        if (ch < 0x20 || ch == 0x7f)
            m += (size_t)snprintf(out + m, cap - m, "#%03o", ch);
        else
            out[m++] = (char)ch;
    }
    out[m] = '\0';
    return m;
}

static struct str field_or(const char *name, const char *dflt, char *tmp, size_t cap)
{
    const struct value *v = dec_get(&f, name);
    return v ? value_as_str(v, tmp, cap) : str_c(dflt);
}

/* Our programname,syslogtag,msg; with_colon picks the tag rendering. */
static void rs_render_rest(bool with_colon, char *out, size_t cap)
{
    char t1[32], t2[32], t3[32];
    bool rfc5424 = dec_get(&f, "log.syslog.version") != NULL;
    struct str app = field_or("process.name", "", t1, sizeof(t1));
    struct str pid = field_or("log.syslog.procid", "", t2, sizeof(t2));
    struct str msg = field_or("message", "", t3, sizeof(t3));
    char tag[2048];
    snprintf(tag, sizeof(tag), "%.*s%s%.*s%s%s", STR_FMT(app), pid.len ? "[" : "", STR_FMT(pid),
             pid.len ? "]" : "", with_colon && !rfc5424 ? ":" : "");
    snprintf(out, cap, "%.*s,%s,%s%.*s", STR_FMT(app), tag, !rfc5424 && msg.len ? " " : "",
             STR_FMT(msg));
}

/* "Mmm dd hh:mm:ss" equals our ts up to a zone offset. */
static bool rs_time_matches(const char *want)
{
    struct time_opts t = {.ref_ns = f.ev.ts_ns};
    int64_t ns;
    if (f.ev.ts_ns == 0 || time_parse_syslog(str_c(want), &t, &ns) != 0)
        return false;
    int64_t diff = (ns - f.ev.ts_ns) / NS_PER_SEC;
    return diff == 0 || ((diff % 900) == 0 && diff <= 14 * 3600 && diff >= -14 * 3600);
}

static bool rs_check(const char *input, const char *expected, char *why, size_t cap)
{
    char line[16384], head[5][256], rest[16384], got[16384], got_colon[16384];
    char t[4][32];
    size_t len = rs_prepare(input, line, sizeof(line));
    int rc = dec_run_len(&f, line, len);
    if (rc != 0) {
        snprintf(why, cap, "decode failed: %s", f.d.msg);
        return false;
    }
    const char *p = expected;
    for (int i = 0; i < 5; i++) {
        const char *comma = strchr(p, ',');
        if (comma == NULL)
            return snprintf(why, cap, "bad expected line"), false;
        snprintf(head[i], sizeof(head[i]), "%.*s", (int)(comma - p), p);
        p = comma + 1;
    }
    snprintf(rest, sizeof(rest), "%s", p);
    struct str pri = field_or("log.syslog.priority", "13", t[0], sizeof(t[0]));
    struct str fac = field_or("log.syslog.facility.name", "user", t[1], sizeof(t[1]));
    struct str sev = field_or("log.syslog.severity.name", "notice", t[2], sizeof(t[2]));
    struct str host = field_or("host.hostname", "~H", t[3], sizeof(t[3]));
    rs_render_rest(false, got, sizeof(got));
    rs_render_rest(true, got_colon, sizeof(got_colon));
    const char *bad = !str_eq_c(pri, head[0])                          ? "PRI"
                      : !str_eq_c(fac, head[1])                        ? "facility"
                      : !str_eq_c(sev, head[2])                        ? "severity"
                      : !rs_time_matches(head[3])                      ? "timestamp"
                      : !str_eq_c(host, head[4])                       ? "hostname"
                      : (strcmp(got, rest) && strcmp(got_colon, rest)) ? "programname,tag,msg"
                                                                       : NULL;
    if (bad)
        snprintf(why, cap, "%s differs: got %.*s,%.*s,%.*s,?,%.*s,%s", bad, STR_FMT(pri),
                 STR_FMT(fac), STR_FMT(sev), STR_FMT(host), got);
    return bad == NULL;
}

static void rs_run_file(const char *path, struct rs_tally *tally)
{
    size_t len;
    char *buf = dec_slurp(path, &len);
    cr_assert_not_null(buf, "cannot read %s", path);
    char *lines[512];
    int n = 0;
    for (char *s = buf, *nl; s && *s && n < 512; s = nl ? nl + 1 : NULL) {
        nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        if (s[0] != '#' && s[0] != '\0')
            lines[n++] = s;
    }
    for (int i = 0; i + 1 < n; i += 2) {
        char why[16384 + 256];
        tally->total++;
        if (rs_check(lines[i], lines[i + 1], why, sizeof(why)))
            tally->pass++;
        else
            fprintf(stderr, "rsyslog case %s:\n  input:    %s\n  expected: %s\n  %s\n",
                    strrchr(path, '/') + 1, lines[i], lines[i + 1], why);
    }
    free(buf);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

Test(syslog, rsyslog_parser_suite, .timeout = 60)
{
    char dir[4096], path[8192];
    dec_corpus("rsyslog-parser-tests/testsuites", dir, sizeof(dir));
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, by_name);
    cr_assert_geq(n, 0, "cannot list %s", dir);
    struct rs_tally tally = {0};
    for (int i = 0; i < n; i++) {
        size_t l = strlen(ents[i]->d_name);
        if (l > 7 && strcmp(ents[i]->d_name + l - 7, ".parse1") == 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
            rs_run_file(path, &tally);
        }
        free(ents[i]);
    }
    free(ents);
    fprintf(stderr, "rsyslog parser suite: %d of %d cases pass (%.1f%%)\n", tally.pass, tally.total,
            tally.total ? 100.0 * tally.pass / tally.total : 0.0);
    cr_assert_geq(tally.total, 40, "found only %d cases", tally.total);
    /* Only the four RFC 5424 %programname% cases listed above may differ. */
    cr_assert_geq(tally.pass, tally.total - 4, "%d of %d cases pass", tally.pass, tally.total);
}
