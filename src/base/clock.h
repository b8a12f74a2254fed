/*
 * clock.h - injectable clock.
 *
 * Code that needs "now" (ingest time, relative query ranges, syslog's
 * missing year, retention) reads it through clock_now_ns() so tests can pin
 * it with clock_set_fixed(). Monotonic time for measuring durations is
 * separate and never faked.
 */
#ifndef VIGIL_BASE_CLOCK_H
#define VIGIL_BASE_CLOCK_H

#include <stdint.h>

#define NS_PER_SEC 1000000000LL
#define NS_PER_MS  1000000LL
#define NS_PER_US  1000LL
#define NS_PER_DAY (86400LL * NS_PER_SEC)

/* Wall-clock time, ns since the Unix epoch, UTC (or the fixed value). */
int64_t clock_now_ns(void);
/* Pin the clock (tests); 0 returns to the real clock. */
void clock_set_fixed(int64_t ns);
/* Monotonic ns for durations. */
int64_t clock_mono_ns(void);

#endif
