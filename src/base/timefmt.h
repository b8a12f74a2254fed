/*
 * timefmt.h - parsing and formatting timestamps.
 *
 * All times are int64 nanoseconds since the Unix epoch, UTC. Parsers take
 * the whole slice (no trailing junk) and return 0, E_PARSE (not this
 * format) or E_RANGE (the right shape but an impossible value, such as
 * February 30th or a zone offset of +25:00). Without a zone in the input, the
 * time is taken to be at opts->default_offset_s east of UTC (0 = UTC).
 */
#ifndef VIGIL_BASE_TIMEFMT_H
#define VIGIL_BASE_TIMEFMT_H

#include "base/str.h"

#include <stddef.h>
#include <stdint.h>

struct time_opts {
    int64_t ref_ns;           /* "now" for formats without a year (syslog); 0 = clock_now_ns() */
    int32_t default_offset_s; /* zone for inputs without one, seconds east of UTC */
};

/*
 * RFC 3339 / ISO 8601 and its common relatives:
 *   2020-06-10T02:50:54.631Z, 2020-06-10T02:50:54+02:00, 2020-06-10T02:50:54.123456789-0700,
 *   2020-06-10 02:50:54.631 (Windows SystemTime/UtcTime, Sysmon), 2020-06-10T02:50:54 (no zone),
 *   2020-06-10 (a date alone: midnight).
 * Fractions up to 9 digits are kept; more digits are accepted and truncated.
 */
int time_parse_rfc3339(struct str s, const struct time_opts *opts, int64_t *out);
/* BSD syslog: "Mar  6 16:57:54", "Mar 06 16:57:54.123", optionally preceded by a year
 * ("2021 Mar  6 ...") or followed by one. Without a year, the year is chosen so the time
 * is not more than a day after ref (logs from December read in January are last year's). */
int time_parse_syslog(struct str s, const struct time_opts *opts, int64_t *out);
/* Apache/Nginx: "10/Oct/2000:13:55:36 -0700" (the zone is optional). */
int time_parse_apache(struct str s, const struct time_opts *opts, int64_t *out);
/* Epoch numbers, unit chosen by magnitude: s (< 1e11), ms (< 1e14), µs (< 1e17), else ns;
 * a decimal fraction is allowed ("1591757454.631"). */
int time_parse_epoch(struct str s, int64_t *out);
/* Windows FILETIME: 100 ns ticks since 1601-01-01 UTC, as a number. */
int time_from_filetime(uint64_t ticks, int64_t *out);
/* Try every format above in a sensible order (a bare 18-digit number is
 * taken as FILETIME when it falls in 1980..2200). */
int time_parse_any(struct str s, const struct time_opts *opts, int64_t *out);

/* Civil date/time <-> ns. Month 1..12, day 1..31; no validation in to_ns. */
int64_t time_from_civil(int year, int month, int day, int hour, int min, int sec);
void time_to_civil(int64_t ns, int *year, int *month, int *day, int *hour, int *min, int *sec);

/* "2020-06-10T02:50:54.631Z" with frac_digits (0, 3, 6 or 9) fractional digits.
 * Returns out. cap of 40 is always enough. */
char *time_format_rfc3339(int64_t ns, int frac_digits, char *out, size_t cap);

#endif
