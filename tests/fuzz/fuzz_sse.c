/*
 * fuzz_sse.c - the Server-Sent Events parser over hostile bytes. The first byte
 * picks a split point; the stream is fed in two pieces and then byte by byte,
 * and both runs must produce the same number of events and the same result.
 */
#include "llm/sse.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
    size_t n;
    size_t bytes;
};

static int count_fn(void *ctx, const struct sse_event *ev)
{
    struct tally *t = ctx;
    t->n++;
    t->bytes += ev->data.len + ev->event.len + ev->id.len;
    /* Touch every byte so ASan checks the slices. */
    volatile char sink = 0;
    for (size_t i = 0; i < ev->data.len; i++)
        sink = (char)(sink ^ ev->data.p[i]);
    (void)sink;
    return 0;
}

static int run(const char *p, size_t n, size_t cut, struct tally *t)
{
    struct sse_parser sp;
    sse_init(&sp, 128, 512, count_fn, t);
    int rc = sse_feed(&sp, p, cut);
    if (rc == 0)
        rc = sse_feed(&sp, p + cut, n - cut);
    if (rc == 0)
        rc = sse_finish(&sp);
    sse_fini(&sp);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    size_t cut = n > 0 ? data[0] % (n + 1) : 0;
    struct tally a = {0}, b = {0};
    int rc_a = run(p, n, cut, &a);

    struct sse_parser sp;
    sse_init(&sp, 128, 512, count_fn, &b);
    int rc_b = 0;
    for (size_t i = 0; i < n && rc_b == 0; i++)
        rc_b = sse_feed(&sp, p + i, 1);
    if (rc_b == 0)
        rc_b = sse_finish(&sp);
    sse_fini(&sp);

    if (rc_a != rc_b || a.n != b.n || a.bytes != b.bytes)
        __builtin_trap();
    return 0;
}
