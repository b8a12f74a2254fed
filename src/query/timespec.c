/*
 * timespec.c - time points and durations in queries.
 *
 * Splunk's relative time modifiers, which analysts already type:
 *   now, -24h, +1d, -7d@d (seven days ago, snapped to midnight), @w1 (this
 *   week's Monday), -1mon@mon, plus absolute RFC 3339 times and epoch seconds.
 * Snapping is in UTC. All arithmetic is checked: a result outside the int64
 * nanosecond range (years 1678..2261) is E_RANGE, never a wrapped value.
 */
#include "query/query_int.h"
#include "base/clock.h"
#include "base/timefmt.h"

#include <stdio.h>

struct unit {
    const char *name;
    int64_t ns;     /* fixed-length units */
    int32_t months; /* calendar units: months and years */
};

static const struct unit units[] = {
    {"ms", NS_PER_MS, 0},
    {"s", NS_PER_SEC, 0},
    {"sec", NS_PER_SEC, 0},
    {"secs", NS_PER_SEC, 0},
    {"second", NS_PER_SEC, 0},
    {"seconds", NS_PER_SEC, 0},
    {"m", 60 * NS_PER_SEC, 0},
    {"min", 60 * NS_PER_SEC, 0},
    {"mins", 60 * NS_PER_SEC, 0},
    {"minute", 60 * NS_PER_SEC, 0},
    {"minutes", 60 * NS_PER_SEC, 0},
    {"h", 3600 * NS_PER_SEC, 0},
    {"hr", 3600 * NS_PER_SEC, 0},
    {"hrs", 3600 * NS_PER_SEC, 0},
    {"hour", 3600 * NS_PER_SEC, 0},
    {"hours", 3600 * NS_PER_SEC, 0},
    {"d", NS_PER_DAY, 0},
    {"day", NS_PER_DAY, 0},
    {"days", NS_PER_DAY, 0},
    {"w", 7 * NS_PER_DAY, 0},
    {"week", 7 * NS_PER_DAY, 0},
    {"weeks", 7 * NS_PER_DAY, 0},
    {"mon", 0, 1},
    {"month", 0, 1},
    {"months", 0, 1},
    {"q", 0, 3},
    {"quarter", 0, 3},
    {"quarters", 0, 3},
    {"y", 0, 12},
    {"yr", 0, 12},
    {"yrs", 0, 12},
    {"year", 0, 12},
    {"years", 0, 12},
};

static const struct unit *find_unit(struct str name)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (str_eq_nocase(name, str_c(units[i].name)))
            return &units[i];
    return NULL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Read [digits] unit at *i; a missing number means 1 (Splunk's "-h"). */
static int read_amount(struct str s, size_t *i, int64_t *n, const struct unit **u)
{
    size_t j = *i;
    while (j < s.len && is_digit(s.p[j]))
        j++;
    int64_t v = 1;
    if (j > *i) {
        if (str_to_i64(str_make(s.p + *i, j - *i), &v) != 0 || v > 1000000000)
            return E_RANGE;
    }
    size_t k = j;
    while (k < s.len && is_alpha(s.p[k]))
        k++;
    *u = find_unit(str_make(s.p + j, k - j));
    if (*u == NULL)
        return E_PARSE;
    *n = v;
    *i = k;
    return 0;
}

/* Keep civil arithmetic inside the years whose nanoseconds fit an int64. */
static bool civil_ok(int year)
{
    return year > 1678 && year < 2262;
}

static int add_months(int64_t t, int64_t months, int64_t *out)
{
    int y, mo, d, h, mi, s;
    time_to_civil(t, &y, &mo, &d, &h, &mi, &s);
    int64_t total = (int64_t)y * 12 + (mo - 1) + months;
    int64_t ny = total / 12, nm = total % 12;
    if (nm < 0) {
        nm += 12;
        ny--;
    }
    if (ny <= 1678 || ny >= 2262)
        return E_RANGE;
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = dm[nm];
    if (nm == 1 && ((ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0))
        last = 29;
    if (d > last)
        d = last; /* Mar 31 - 1mon = Feb 28/29 */
    int64_t frac = t % NS_PER_SEC;
    if (frac < 0)
        frac += NS_PER_SEC;
    *out = time_from_civil((int)ny, (int)nm + 1, d, h, mi, s) + frac;
    return 0;
}

static int apply_offset(int64_t *t, int sign, int64_t n, const struct unit *u)
{
    if (u->months)
        return add_months(*t, sign * n * u->months, t);
    int64_t delta;
    if (__builtin_mul_overflow(n, u->ns, &delta) || __builtin_add_overflow(*t, sign * delta, t))
        return E_RANGE;
    int y, mo, d, h, mi, s;
    time_to_civil(*t, &y, &mo, &d, &h, &mi, &s);
    return civil_ok(y) ? 0 : E_RANGE;
}

static int64_t floor_to(int64_t t, int64_t unit)
{
    int64_t r = t % unit;
    return r < 0 ? t - r - unit : t - r;
}

/* Snap down to the start of a unit: @s @m @h @d @w[0-7] @mon @q @y. */
static int apply_snap(int64_t *t, struct str name)
{
    int y, mo, d, h, mi, s;
    if (name.len == 2 && (name.p[0] == 'w' || name.p[0] == 'W') && name.p[1] >= '0' &&
        name.p[1] <= '7') {
        int want = (name.p[1] - '0') % 7; /* 0 and 7 are Sunday */
        int64_t day = floor_to(*t, NS_PER_DAY) / NS_PER_DAY;
        int dow = (int)(((day + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
        int back = (dow - want + 7) % 7;
        *t = (day - back) * NS_PER_DAY;
        return 0;
    }
    const struct unit *u = find_unit(name);
    if (u == NULL || u->ns == NS_PER_MS)
        return E_PARSE;
    if (u->ns == 7 * NS_PER_DAY)
        return apply_snap(t, STR_LIT("w0"));
    if (u->ns) {
        *t = floor_to(*t, u->ns);
        return 0;
    }
    time_to_civil(*t, &y, &mo, &d, &h, &mi, &s);
    if (u->months == 1)
        *t = time_from_civil(y, mo, 1, 0, 0, 0);
    else if (u->months == 3)
        *t = time_from_civil(y, (mo - 1) / 3 * 3 + 1, 1, 0, 0, 0);
    else
        *t = time_from_civil(y, 1, 1, 0, 0, 0);
    return 0;
}

static int parse_relative(struct str s, int64_t now, int64_t *out)
{
    int64_t t = now;
    size_t i = 0;
    bool snapped = false;
    int y, mo, d, h, mi, sec;
    time_to_civil(now, &y, &mo, &d, &h, &mi, &sec);
    if (!civil_ok(y))
        return E_RANGE;
    while (i < s.len) {
        char c = s.p[i];
        int rc;
        if (c == '+' || c == '-') {
            int64_t n;
            const struct unit *u;
            i++;
            if ((rc = read_amount(s, &i, &n, &u)) ||
                (rc = apply_offset(&t, c == '-' ? -1 : 1, n, u)))
                return rc;
        } else if (c == '@' && !snapped) {
            size_t j = ++i;
            while (i < s.len && (is_alpha(s.p[i]) || is_digit(s.p[i])))
                i++;
            if ((rc = apply_snap(&t, str_make(s.p + j, i - j))))
                return rc;
            snapped = true;
        } else {
            return E_PARSE;
        }
    }
    *out = t;
    return 0;
}

int query__parse_time(struct str s, int64_t now, int64_t *out)
{
    if (s.len == 0)
        return E_PARSE;
    if (str_eq_nocase(s, STR_LIT("now")) || str_eq_nocase(s, STR_LIT("now()"))) {
        *out = now;
        return 0;
    }
    char c = s.p[0];
    if (c == '+' || c == '-' || c == '@')
        return parse_relative(s, now, out);
    if (!is_digit(c))
        return E_PARSE;
    if (s.len >= 10 && s.p[4] == '-') {
        /* timefmt does not guard its civil arithmetic: check the year first. */
        int64_t year;
        if (str_to_i64(str_make(s.p, 4), &year) != 0)
            return E_PARSE;
        if (!civil_ok((int)year))
            return E_RANGE;
        struct time_opts o = {.ref_ns = now, .default_offset_s = 0};
        return time_parse_rfc3339(s, &o, out);
    }
    return time_parse_epoch(s, out);
}

int query__parse_span(struct str s, int64_t *ns)
{
    size_t i = 0;
    while (i < s.len && is_digit(s.p[i]))
        i++;
    if (i == 0)
        return E_PARSE;
    int64_t n;
    if (str_to_i64(str_make(s.p, i), &n) != 0)
        return E_RANGE;
    const struct unit *u = &units[1]; /* seconds */
    if (i < s.len) {
        u = find_unit(str_make(s.p + i, s.len - i));
        if (u == NULL || u->months)
            return E_PARSE;
    }
    if (n <= 0 || __builtin_mul_overflow(n, u->ns, ns) || *ns > 3660 * NS_PER_DAY)
        return E_RANGE; /* over ten years is not a bucket */
    return 0;
}

char *query__format_time(int64_t ns, char *out, size_t cap)
{
    return time_format_rfc3339(ns, ns % NS_PER_SEC ? 9 : 0, out, cap);
}
