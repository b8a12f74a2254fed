#include "base/timefmt.h"
#include "base/clock.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t time_from_civil(int year, int month, int day, int hour, int min, int sec)
{
    int64_t days = days_from_civil(year, month, day);
    return ((days * 86400) + hour * 3600 + min * 60 + sec) * NS_PER_SEC;
}

void time_to_civil(int64_t ns, int *year, int *month, int *day, int *hour, int *min, int *sec)
{
    int64_t s = ns / NS_PER_SEC;
    if (ns % NS_PER_SEC < 0)
        s--;
    int64_t z = s / 86400;
    int64_t rem = s % 86400;
    if (rem < 0) {
        rem += 86400;
        z--;
    }
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *day = (int)d;
    *hour = (int)(rem / 3600);
    *min = (int)(rem / 60 % 60);
    *sec = (int)(rem % 60);
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* A cursor over the input that only advances on success. */
struct cur {
    const char *p, *end;
};

static int digits(struct cur *c, int n, int *out)
{
    if (c->end - c->p < n)
        return E_PARSE;
    int v = 0;
    for (int i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)c->p[i] - '0';
        if (d > 9)
            return E_PARSE;
        v = v * 10 + (int)d;
    }
    c->p += n;
    *out = v;
    return 0;
}

static int lit(struct cur *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 0;
    }
    return E_PARSE;
}

/* ".123456789..." -> ns; accepts ',' too (ISO 8601 allows it). */
static int64_t fraction(struct cur *c)
{
    if (c->p >= c->end || (*c->p != '.' && *c->p != ','))
        return 0;
    const char *save = c->p++;
    int64_t ns = 0;
    int n = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (n < 9) {
            ns = ns * 10 + (*c->p - '0');
            n++;
        }
        c->p++;
    }
    if (n == 0) {
        c->p = save;
        return 0;
    }
    for (; n < 9; n++)
        ns *= 10;
    return ns;
}

/* Z, z, +hh:mm, +hhmm, +hh, UTC, GMT, " UTC". Returns seconds east; *had says if present. */
static int zone(struct cur *c, int32_t *off, int *had)
{
    *had = 0;
    *off = 0;
    struct cur t = *c;
    if (t.p < t.end && *t.p == ' ')
        t.p++;
    if (t.p < t.end && (*t.p == 'Z' || *t.p == 'z')) {
        c->p = t.p + 1;
        *had = 1;
        return 0;
    }
    if (t.end - t.p >= 3 && (memcmp(t.p, "UTC", 3) == 0 || memcmp(t.p, "GMT", 3) == 0)) {
        t.p += 3;
        *had = 1;
        if (t.p >= t.end || (*t.p != '+' && *t.p != '-')) {
            c->p = t.p;
            return 0;
        }
    }
    if (t.p < t.end && (*t.p == '+' || *t.p == '-')) {
        int sign = *t.p++ == '-' ? -1 : 1;
        int hh, mm = 0;
        if (digits(&t, 2, &hh))
            return E_PARSE;
        if (t.p < t.end && *t.p == ':')
            t.p++;
        if (t.p < t.end && *t.p >= '0' && *t.p <= '9' && digits(&t, 2, &mm))
            return E_PARSE;
        if (hh > 23 || mm > 59)
            return E_RANGE;
        *off = sign * (hh * 3600 + mm * 60);
        *had = 1;
        c->p = t.p;
        return 0;
    }
    return 0;
}

/* Seconds since the epoch: cannot overflow for the 4-digit years the parsers read. */
static int64_t civil_secs(int y, int mo, int d, int h, int mi, int s)
{
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static int finish(int y, int mo, int d, int h, int mi, int s, int64_t frac, int32_t off,
                  int64_t *out)
{
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
        return E_RANGE;
    if (s == 60)
        s = 59; /* a leap second is folded into the one before it */
    /* Only 1677-09-21 .. 2262-04-11 fits in int64 nanoseconds. */
    int64_t secs = civil_secs(y, mo, d, h, mi, s) - off;
    if (secs < INT64_MIN / NS_PER_SEC || secs > INT64_MAX / NS_PER_SEC ||
        (secs == INT64_MAX / NS_PER_SEC && frac > INT64_MAX % NS_PER_SEC))
        return E_RANGE;
    *out = secs * NS_PER_SEC + frac;
    return 0;
}

static int32_t default_off(const struct time_opts *o)
{
    return o ? o->default_offset_s : 0;
}

int time_parse_rfc3339(struct str in, const struct time_opts *opts, int64_t *out)
{
    struct cur c = {in.p, in.p + in.len};
    int y, mo, d, h = 0, mi = 0, s = 0, had;
    int64_t frac = 0;
    int32_t off;
    if (digits(&c, 4, &y) || lit(&c, '-') || digits(&c, 2, &mo) || lit(&c, '-') ||
        digits(&c, 2, &d))
        return E_PARSE;
    if (c.p == c.end)
        return finish(y, mo, d, 0, 0, 0, 0, default_off(opts), out);
    if (*c.p != 'T' && *c.p != 't' && *c.p != ' ')
        return E_PARSE;
    c.p++;
    if (digits(&c, 2, &h) || lit(&c, ':') || digits(&c, 2, &mi))
        return E_PARSE;
    if (c.p < c.end && *c.p == ':') {
        c.p++;
        if (digits(&c, 2, &s))
            return E_PARSE;
        frac = fraction(&c);
    }
    int rc = zone(&c, &off, &had);
    if (rc)
        return rc;
    if (c.p != c.end)
        return E_PARSE;
    return finish(y, mo, d, h, mi, s, frac, had ? off : default_off(opts), out);
}

static int month_abbr(struct cur *c, int *mo)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (c->end - c->p < 3)
        return E_PARSE;
    char m[3] = {(char)(c->p[0] | 32), (char)(c->p[1] | 32), (char)(c->p[2] | 32)};
    for (int i = 0; i < 12; i++) {
        if (memcmp(names + i * 3, m, 3) == 0) {
            *mo = i + 1;
            c->p += 3;
            return 0;
        }
    }
    return E_PARSE;
}

static int hms(struct cur *c, int *h, int *mi, int *s)
{
    if (digits(c, 2, h) || lit(c, ':') || digits(c, 2, mi) || lit(c, ':') || digits(c, 2, s))
        return E_PARSE;
    return 0;
}

int time_parse_syslog(struct str in, const struct time_opts *opts, int64_t *out)
{
    struct cur c = {in.p, in.p + in.len};
    int y = 0, mo, d, h, mi, s, had_year = 0;
    /* Optional leading year: "2021 Mar  6 16:57:54" */
    struct cur t = c;
    if (digits(&t, 4, &y) == 0 && lit(&t, ' ') == 0) {
        c = t;
        had_year = 1;
    }
    if (month_abbr(&c, &mo) || lit(&c, ' '))
        return E_PARSE;
    if (c.p < c.end && *c.p == ' ')
        c.p++; /* "Mar  6" */
    if (c.p < c.end && c.p + 1 < c.end && c.p[1] == ' ') {
        if (digits(&c, 1, &d))
            return E_PARSE;
    } else if (digits(&c, 2, &d)) {
        return E_PARSE;
    }
    if (lit(&c, ' ') || hms(&c, &h, &mi, &s))
        return E_PARSE;
    int64_t frac = fraction(&c);
    /* Optional trailing year: "Mar  6 16:57:54 2021" */
    t = c;
    int ty;
    if (!had_year && lit(&t, ' ') == 0 && digits(&t, 4, &ty) == 0) {
        c = t;
        y = ty;
        had_year = 1;
    }
    int32_t off;
    int had_zone;
    int rc = zone(&c, &off, &had_zone);
    if (rc)
        return rc;
    if (c.p != c.end)
        return E_PARSE;
    if (!had_zone)
        off = default_off(opts);
    if (!had_year) {
        int64_t ref = opts && opts->ref_ns ? opts->ref_ns : clock_now_ns();
        int ry, rmo, rd, rh, rmi, rs;
        time_to_civil(ref, &ry, &rmo, &rd, &rh, &rmi, &rs);
        /* The latest year (from ref's next one down) that puts the time at most a day
         * after ref; Feb 29 only in leap years. */
        for (y = ry + 1;; y--) {
            if (mo == 2 && d == 29)
                while (days_in_month(y, 2) != 29)
                    y--;
            if (civil_secs(y, mo, d, h, mi, s) - off <= ref / NS_PER_SEC + 86400)
                break;
        }
    }
    return finish(y, mo, d, h, mi, s, frac, off, out);
}

int time_parse_apache(struct str in, const struct time_opts *opts, int64_t *out)
{
    struct cur c = {in.p, in.p + in.len};
    int y, mo, d, h, mi, s, had;
    int32_t off;
    if (digits(&c, 2, &d) || lit(&c, '/') || month_abbr(&c, &mo) || lit(&c, '/') ||
        digits(&c, 4, &y) || lit(&c, ':') || hms(&c, &h, &mi, &s))
        return E_PARSE;
    int64_t frac = fraction(&c);
    int rc = zone(&c, &off, &had);
    if (rc)
        return rc;
    if (c.p != c.end)
        return E_PARSE;
    return finish(y, mo, d, h, mi, s, frac, had ? off : default_off(opts), out);
}

int time_parse_epoch(struct str in, int64_t *out)
{
    struct str ip = in, fp = STR_NULL;
    ptrdiff_t dot = str_index(in, '.');
    if (dot >= 0) {
        ip = str_make(in.p, (size_t)dot);
        fp = str_make(in.p + dot + 1, in.len - (size_t)dot - 1);
        if (fp.len == 0)
            return E_PARSE;
    }
    uint64_t v;
    int rc = str_to_u64(ip, &v);
    if (rc)
        return rc;
    /* Unit by magnitude of the integer part. */
    int64_t unit;
    if (v < 100000000000ull)
        unit = NS_PER_SEC;
    else if (v < 100000000000000ull)
        unit = NS_PER_MS;
    else if (v < 100000000000000000ull)
        unit = NS_PER_US;
    else
        unit = 1;
    if ((uint64_t)INT64_MAX / (uint64_t)unit < v)
        return E_RANGE;
    int64_t ns = (int64_t)v * unit;
    /* Fraction of the unit: digits beyond ns precision are dropped. */
    int64_t scale = unit, frac = 0;
    for (size_t i = 0; i < fp.len; i++) {
        unsigned dgt = (unsigned)(unsigned char)fp.p[i] - '0';
        if (dgt > 9)
            return E_PARSE;
        scale /= 10;
        frac += (int64_t)dgt * scale;
    }
    if (ns > INT64_MAX - frac)
        return E_RANGE; /* the fraction carries it past the largest time */
    *out = ns + frac;
    return 0;
}

#define FILETIME_EPOCH_DIFF 116444736000000000ull /* 100 ns ticks from 1601 to 1970 */

int time_from_filetime(uint64_t ticks, int64_t *out)
{
    if (ticks < FILETIME_EPOCH_DIFF)
        return E_RANGE;
    uint64_t t = ticks - FILETIME_EPOCH_DIFF;
    if (t > (uint64_t)INT64_MAX / 100)
        return E_RANGE;
    *out = (int64_t)(t * 100);
    return 0;
}

int time_parse_any(struct str s, const struct time_opts *opts, int64_t *out)
{
    s = str_trim(s);
    if (s.len == 0)
        return E_PARSE;
    char c = s.p[0];
    if (c >= '0' && c <= '9') {
        if (s.len >= 10 && s.p[4] == '-')
            return time_parse_rfc3339(s, opts, out);
        if (s.len >= 20 && s.p[2] == '/')
            return time_parse_apache(s, opts, out);
        uint64_t v;
        /* 18 digits in 1980..2200 as FILETIME; larger ns epochs have 19 digits. */
        if (s.len == 18 && str_to_u64(s, &v) == 0 && v >= 119600064000000000ull &&
            v < 189000000000000000ull)
            return time_from_filetime(v, out);
        if (time_parse_epoch(s, out) == 0)
            return 0;
        return time_parse_syslog(s, opts, out); /* "2021 Mar  6 ..." */
    }
    return time_parse_syslog(s, opts, out);
}

char *time_format_rfc3339(int64_t ns, int frac_digits, char *out, size_t cap)
{
    int y, mo, d, h, mi, s;
    time_to_civil(ns, &y, &mo, &d, &h, &mi, &s);
    int64_t frac = ns % NS_PER_SEC;
    if (frac < 0)
        frac += NS_PER_SEC;
    int n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    if (n < 0 || (size_t)n >= cap)
        return out;
    if (frac_digits == 3)
        n += snprintf(out + n, cap - (size_t)n, ".%03lld", (long long)(frac / 1000000));
    else if (frac_digits == 6)
        n += snprintf(out + n, cap - (size_t)n, ".%06lld", (long long)(frac / 1000));
    else if (frac_digits == 9)
        n += snprintf(out + n, cap - (size_t)n, ".%09lld", (long long)frac);
    if ((size_t)n + 1 < cap) {
        out[n] = 'Z';
        out[n + 1] = '\0';
    }
    return out;
}
