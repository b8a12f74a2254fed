/*
 * test_timefmt.c - timestamp parsing and formatting (base/timefmt.c).
 *
 * Every syslog case passes its own ref_ns: nothing here reads the clock.
 */
#include "base/clock.h"
#include "base/err.h"
#include "base/timefmt.h"

#include <criterion/criterion.h>
#include <stdio.h>

/* Nanoseconds since the epoch of a UTC civil time, for expectations. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return time_from_civil(y, mo, d, h, mi, s);
}

static int rfc(const char *s, int64_t *out)
{
    return time_parse_rfc3339(str_c(s), NULL, out);
}

#define expect_time(call, want)                                                                    \
    do {                                                                                           \
        int64_t got_ = 0;                                                                          \
        int rc_ = (call);                                                                          \
        cr_assert_eq(rc_, 0, "%s returned %s", #call, err_name(rc_));                              \
        cr_assert_eq(got_, (int64_t)(want), "%s: got %lld, want %lld", #call, (long long)got_,     \
                     (long long)(want));                                                           \
    } while (0)

#define expect_rc(call, want_rc)                                                                   \
    do {                                                                                           \
        int64_t got_ = 0;                                                                          \
        int rc_ = (call);                                                                          \
        (void)got_;                                                                                \
        cr_assert_eq(rc_, (want_rc), "%s returned %s, want %s", #call, err_name(rc_), #want_rc);   \
    } while (0)

Test(rfc3339, zones)
{
    int64_t base = utc(2020, 6, 10, 2, 50, 54);
    expect_time(rfc("2020-06-10T02:50:54Z", &got_), base);
    expect_time(rfc("2020-06-10t02:50:54z", &got_), base);
    expect_time(rfc("2020-06-10T02:50:54+02:00", &got_), base - 2 * 3600 * NS_PER_SEC);
    expect_time(rfc("2020-06-10T02:50:54-0700", &got_), base + 7 * 3600 * NS_PER_SEC);
    expect_time(rfc("2020-06-10T02:50:54+05", &got_), base - 5 * 3600 * NS_PER_SEC);
    expect_time(rfc("2020-06-10T02:50:54+05:30", &got_), base - 19800 * NS_PER_SEC);
    expect_time(rfc("2020-06-10T02:50:54 UTC", &got_), base);
    /* No zone: the default offset (UTC when opts is NULL). */
    expect_time(rfc("2020-06-10T02:50:54", &got_), base);
    struct time_opts east = {.default_offset_s = 3600};
    expect_time(time_parse_rfc3339(STR_LIT("2020-06-10T02:50:54"), &east, &got_),
                base - 3600 * NS_PER_SEC);
    expect_time(time_parse_rfc3339(STR_LIT("2020-06-10T02:50:54Z"), &east, &got_), base);
    /* A date alone is midnight; minutes without seconds are allowed. */
    expect_time(rfc("2020-06-10", &got_), utc(2020, 6, 10, 0, 0, 0));
    expect_time(rfc("2020-06-10T02:50Z", &got_), utc(2020, 6, 10, 2, 50, 0));
}

Test(rfc3339, fractions)
{
    int64_t base = utc(2020, 6, 10, 2, 50, 54);
    expect_time(rfc("2020-06-10T02:50:54.6Z", &got_), base + 600000000);
    expect_time(rfc("2020-06-10T02:50:54.631Z", &got_), base + 631000000);
    expect_time(rfc("2020-06-10T02:50:54,631Z", &got_), base + 631000000);
    expect_time(rfc("2020-06-10T02:50:54.631000Z", &got_), base + 631000000);
    expect_time(rfc("2020-06-10T02:50:54.123456789Z", &got_), base + 123456789);
    expect_time(rfc("2020-06-10T02:50:54.123456789987Z", &got_), base + 123456789);
    expect_time(rfc("2020-06-10T02:50:54.000000001+00:00", &got_), base + 1);
    /* Windows SystemTime / Sysmon UtcTime: a space and milliseconds, no zone. */
    expect_time(rfc("2020-06-10 02:50:54.631", &got_), base + 631000000);
    expect_rc(rfc("2020-06-10T02:50:54.Z", &got_), E_PARSE);
}

Test(rfc3339, malformed_and_range)
{
    expect_rc(rfc("", &got_), E_PARSE);
    expect_rc(rfc("2020-6-10T02:50:54Z", &got_), E_PARSE);
    expect_rc(rfc("2020-06-10X02:50:54Z", &got_), E_PARSE);
    expect_rc(rfc("2020-06-10T02:50:54Zjunk", &got_), E_PARSE);
    expect_rc(rfc("2020-06-10T02:50:54 ", &got_), E_PARSE);
    expect_rc(rfc("2020-06-10T02:50:54+0", &got_), E_PARSE);
    expect_rc(rfc("2021-02-30T00:00:00Z", &got_), E_RANGE);
    expect_rc(rfc("2021-02-29T00:00:00Z", &got_), E_RANGE);
    expect_time(rfc("2020-02-29T00:00:00Z", &got_), utc(2020, 2, 29, 0, 0, 0));
    expect_time(rfc("2000-02-29T00:00:00Z", &got_), utc(2000, 2, 29, 0, 0, 0));
    expect_rc(rfc("1900-02-29T00:00:00Z", &got_), E_RANGE);
    expect_rc(rfc("2020-13-01T00:00:00Z", &got_), E_RANGE);
    expect_rc(rfc("2020-00-01T00:00:00Z", &got_), E_RANGE);
    expect_rc(rfc("2020-04-31T00:00:00Z", &got_), E_RANGE);
    expect_rc(rfc("2020-06-10T24:00:00Z", &got_), E_RANGE);
    expect_rc(rfc("2020-06-10T23:60:00Z", &got_), E_RANGE);
    expect_rc(rfc("2020-06-10T02:50:54+25:00", &got_), E_RANGE);
    expect_rc(rfc("2020-06-10T02:50:54+23:60", &got_), E_RANGE);
    /* A leap second folds into the second before it. */
    expect_time(rfc("2016-12-31T23:59:60Z", &got_), utc(2016, 12, 31, 23, 59, 59));
    /* Years whose nanoseconds do not fit in int64 (1677-09-21 .. 2262-04-11). */
    expect_rc(rfc("9999-12-31T23:59:59Z", &got_), E_RANGE);
    expect_rc(rfc("0001-01-01T00:00:00Z", &got_), E_RANGE);
    expect_time(rfc("2261-12-31T23:59:59Z", &got_), utc(2261, 12, 31, 23, 59, 59));
    expect_time(rfc("1678-01-01T00:00:00Z", &got_), utc(1678, 1, 1, 0, 0, 0));
    expect_time(rfc("2262-04-11T23:47:16.854775807Z", &got_), INT64_MAX);
    expect_rc(rfc("2262-04-11T23:47:16.854775808Z", &got_), E_RANGE);
    expect_rc(rfc("2262-04-11T23:47:17Z", &got_), E_RANGE);
    expect_rc(rfc("1677-09-21T00:12:43Z", &got_), E_RANGE);
}

static int sys(const char *s, int64_t ref, int64_t *out)
{
    struct time_opts t = {.ref_ns = ref};
    return time_parse_syslog(str_c(s), &t, out);
}

Test(syslog_time, shapes)
{
    int64_t ref = utc(2021, 6, 15, 12, 0, 0);
    expect_time(sys("Mar  6 16:57:54", ref, &got_), utc(2021, 3, 6, 16, 57, 54));
    expect_time(sys("Mar 6 16:57:54", ref, &got_), utc(2021, 3, 6, 16, 57, 54));
    expect_time(sys("Mar 06 16:57:54", ref, &got_), utc(2021, 3, 6, 16, 57, 54));
    expect_time(sys("MAR 06 16:57:54", ref, &got_), utc(2021, 3, 6, 16, 57, 54));
    expect_time(sys("Mar 06 16:57:54.123", ref, &got_), utc(2021, 3, 6, 16, 57, 54) + 123000000);
    expect_time(sys("2019 Mar  6 16:57:54", ref, &got_), utc(2019, 3, 6, 16, 57, 54));
    expect_time(sys("Mar  6 16:57:54 2019", ref, &got_), utc(2019, 3, 6, 16, 57, 54));
    expect_time(sys("Mar  6 16:57:54 UTC", ref, &got_), utc(2021, 3, 6, 16, 57, 54));
    expect_time(sys("Mar  6 16:57:54 +01:00", ref, &got_), utc(2021, 3, 6, 15, 57, 54));
    struct time_opts west = {.ref_ns = ref, .default_offset_s = -3600};
    expect_time(time_parse_syslog(STR_LIT("Mar  6 16:57:54"), &west, &got_),
                utc(2021, 3, 6, 17, 57, 54));
    expect_rc(sys("Foo  6 16:57:54", ref, &got_), E_PARSE);
    expect_rc(sys("Mar  6 16:57", ref, &got_), E_PARSE);
    expect_rc(sys("Mar  6 16:57:54 x", ref, &got_), E_PARSE);
    expect_rc(sys("Mar 32 16:57:54", ref, &got_), E_RANGE);
    expect_rc(sys("Apr 31 16:57:54", ref, &got_), E_RANGE);
    expect_rc(sys("Mar  6 25:57:54", ref, &got_), E_RANGE);
}

Test(syslog_time, year_inference)
{
    int64_t ref = utc(2021, 6, 15, 12, 0, 0);
    expect_time(sys("Jun 15 11:00:00", ref, &got_), utc(2021, 6, 15, 11, 0, 0));
    /* Up to a day ahead of ref (a sender's clock running fast) stays this year ... */
    expect_time(sys("Jun 16 11:00:00", ref, &got_), utc(2021, 6, 16, 11, 0, 0));
    /* ... further ahead is last year's. */
    expect_time(sys("Jun 17 13:00:00", ref, &got_), utc(2020, 6, 17, 13, 0, 0));
    /* December logs read on New Year's Day are last year's ... */
    expect_time(sys("Dec 31 23:59:59", utc(2021, 1, 1, 0, 10, 0), &got_),
                utc(2020, 12, 31, 23, 59, 59));
    /* ... and a January log read on New Year's Eve, a little ahead, is next year's. */
    expect_time(sys("Jan  1 00:30:00", utc(2020, 12, 31, 23, 50, 0), &got_),
                utc(2021, 1, 1, 0, 30, 0));
    /* Feb 29: the latest leap year that keeps the time within a day of ref. */
    expect_time(sys("Feb 29 12:00:00", ref, &got_), utc(2020, 2, 29, 12, 0, 0));
    expect_time(sys("Feb 29 12:00:00", utc(2024, 3, 1, 0, 0, 0), &got_),
                utc(2024, 2, 29, 12, 0, 0));
    expect_time(sys("Feb 29 12:00:00", utc(2024, 1, 10, 0, 0, 0), &got_),
                utc(2020, 2, 29, 12, 0, 0));
}

static int apa(const char *s, int64_t *out)
{
    return time_parse_apache(str_c(s), NULL, out);
}

Test(apache_time, zones)
{
    expect_time(apa("10/Oct/2000:13:55:36 -0700", &got_), utc(2000, 10, 10, 20, 55, 36));
    expect_time(apa("10/Oct/2000:13:55:36 +0530", &got_), utc(2000, 10, 10, 8, 25, 36));
    expect_time(apa("10/Oct/2000:13:55:36 +0000", &got_), utc(2000, 10, 10, 13, 55, 36));
    expect_time(apa("10/Oct/2000:13:55:36", &got_), utc(2000, 10, 10, 13, 55, 36));
    expect_time(apa("10/Oct/2000:13:55:36.250 +0000", &got_),
                utc(2000, 10, 10, 13, 55, 36) + 250000000);
    struct time_opts east = {.default_offset_s = 7200};
    expect_time(time_parse_apache(STR_LIT("10/Oct/2000:13:55:36"), &east, &got_),
                utc(2000, 10, 10, 11, 55, 36));
    expect_rc(apa("10/Oct/2000:13:55:36 +2500", &got_), E_RANGE);
    expect_rc(apa("31/Feb/2000:13:55:36 +0000", &got_), E_RANGE);
    expect_rc(apa("10/Okt/2000:13:55:36 +0000", &got_), E_PARSE);
    expect_rc(apa("10/Oct/2000 13:55:36 +0000", &got_), E_PARSE);
    expect_rc(apa("10/Oct/2000:13:55:36 -0700]", &got_), E_PARSE);
}

static int epo(const char *s, int64_t *out)
{
    return time_parse_epoch(str_c(s), out);
}

Test(epoch, units_and_fractions)
{
    int64_t s = 1591757454;
    expect_time(epo("1591757454", &got_), s * NS_PER_SEC);
    expect_time(epo("1591757454.631", &got_), s * NS_PER_SEC + 631000000);
    expect_time(epo("1591757454.123456789999", &got_), s * NS_PER_SEC + 123456789);
    expect_time(epo("1591757454631", &got_), s * NS_PER_SEC + 631000000);
    expect_time(epo("1591757454631.5", &got_), s * NS_PER_SEC + 631500000);
    expect_time(epo("1591757454631000", &got_), s * NS_PER_SEC + 631000000);
    expect_time(epo("1591757454631000.25", &got_), s * NS_PER_SEC + 631000250);
    expect_time(epo("1591757454631000123", &got_), s * NS_PER_SEC + 631000123);
    expect_time(epo("0", &got_), 0);
    expect_rc(epo("", &got_), E_PARSE);
    expect_rc(epo("1.", &got_), E_PARSE);
    expect_rc(epo(".5", &got_), E_PARSE);
    expect_rc(epo("12a", &got_), E_PARSE);
    expect_rc(epo("-5", &got_), E_PARSE);
    expect_rc(epo("1.2.3", &got_), E_PARSE);
    expect_rc(epo("99999999999999999999", &got_), E_RANGE);
    expect_rc(epo("99999999999", &got_), E_RANGE); /* seconds, but past 2262 */
    /* The last whole second that fits, with a fraction that would not. */
    expect_time(epo("9223372036", &got_), 9223372036LL * NS_PER_SEC);
    expect_time(epo("9223372036.854775807", &got_), INT64_MAX);
    expect_rc(epo("9223372036.854775808", &got_), E_RANGE);
    expect_rc(epo("9223372036.9999999999", &got_), E_RANGE);
}

Test(filetime, conversion)
{
    /* 2020-06-10T02:50:54.631Z in 100 ns ticks since 1601. */
    expect_time(time_from_filetime(132362310546310000ull, &got_),
                utc(2020, 6, 10, 2, 50, 54) + 631000000);
    expect_time(time_from_filetime(116444736000000000ull, &got_), 0);
    expect_rc(time_from_filetime(116444735999999999ull, &got_), E_RANGE);
    expect_rc(time_from_filetime(UINT64_MAX, &got_), E_RANGE);
}

Test(parse_any, dispatch)
{
    struct time_opts t = {.ref_ns = utc(2021, 6, 15, 12, 0, 0)};
    int64_t want = utc(2020, 6, 10, 2, 50, 54) + 631000000;
    expect_time(time_parse_any(STR_LIT(" 2020-06-10T02:50:54.631Z "), &t, &got_), want);
    expect_time(time_parse_any(STR_LIT("2020-06-10 02:50:54.631"), &t, &got_), want);
    expect_time(time_parse_any(STR_LIT("10/Jun/2020:02:50:54.631 +0000"), &t, &got_), want);
    expect_time(time_parse_any(STR_LIT("1591757454.631"), &t, &got_), want);
    expect_time(time_parse_any(STR_LIT("1591757454631"), &t, &got_), want);
    expect_time(time_parse_any(STR_LIT("132362310546310000"), &t, &got_), want);
    expect_time(time_parse_any(STR_LIT("Jun 10 02:50:54.631"), &t, &got_),
                utc(2021, 6, 10, 2, 50, 54) + 631000000); /* the year from ref */
    expect_time(time_parse_any(STR_LIT("2020 Jun 10 02:50:54.631"), &t, &got_), want);
    expect_rc(time_parse_any(STR_LIT(""), &t, &got_), E_PARSE);
    expect_rc(time_parse_any(STR_LIT("yesterday"), &t, &got_), E_PARSE);
}

Test(format, round_trip)
{
    static const int64_t samples[] = {
        0,
        1,
        -1,
        1591757454631000000LL,
        1591757454123456789LL,
        951782400000000000LL,   /* 2000-02-29 */
        -2208988800000000000LL, /* 1900-01-01 */
        9223372036854775807LL,
    };
    char buf[40];
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        for (int digits = 0; digits <= 9; digits += 3) {
            int64_t ns = samples[i], back = 0;
            time_format_rfc3339(ns, digits, buf, sizeof(buf));
            cr_assert_eq(rfc(buf, &back), 0, "cannot re-parse %s", buf);
            int64_t unit = digits == 0   ? NS_PER_SEC
                           : digits == 3 ? NS_PER_MS
                           : digits == 6 ? NS_PER_US
                                         : 1;
            int64_t floor = ns / unit * unit - (ns % unit < 0 ? unit : 0);
            cr_assert_eq(back, floor, "%lld -> %s -> %lld", (long long)ns, buf, (long long)back);
        }
    }
    cr_assert_str_eq(time_format_rfc3339(1591757454631000000LL, 3, buf, sizeof(buf)),
                     "2020-06-10T02:50:54.631Z");
    cr_assert_str_eq(time_format_rfc3339(-1, 9, buf, sizeof(buf)),
                     "1969-12-31T23:59:59.999999999Z");
    cr_assert_str_eq(time_format_rfc3339(0, 0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
}

Test(format, civil_round_trip)
{
    /* Every 7 hours and a bit across 1678..2261 (about 730,000 steps). */
    int64_t step = 7 * 3600 * NS_PER_SEC + 123456789;
    for (int64_t ns = utc(1678, 1, 1, 0, 0, 0); ns < utc(2261, 12, 1, 0, 0, 0); ns += step) {
        int y, mo, d, h, mi, s;
        time_to_civil(ns, &y, &mo, &d, &h, &mi, &s);
        int64_t whole = ns - ((ns % NS_PER_SEC) + NS_PER_SEC) % NS_PER_SEC;
        cr_assert_eq(time_from_civil(y, mo, d, h, mi, s), whole, "at %lld", (long long)ns);
    }
}
