#include "base/clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t fixed_ns;

int64_t clock_now_ns(void)
{
    int64_t f = atomic_load_explicit(&fixed_ns, memory_order_relaxed);
    if (f)
        return f;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

void clock_set_fixed(int64_t ns)
{
    atomic_store(&fixed_ns, ns);
}

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}
