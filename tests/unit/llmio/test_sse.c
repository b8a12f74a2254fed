/*
 * test_sse.c - the Server-Sent Events parser: fields, line ends, comments,
 * caps, and every stream split at every byte (and fed byte by byte) giving
 * the same events as one feed. Lives in tests/unit/llmio/ because it needs no
 * llama.cpp (tests/unit/llm/ is built only when llama.cpp is).
 */
#include "base/buf.h"
#include "base/err.h"
#include "llm/sse.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* Events rendered as "[event|data|id]" lines, to compare whole streams at once. */
struct collect {
    struct buf out;
    int stop_after; /* return 1 after this many events (0: never) */
    int n;
};

static int collect_fn(void *ctx, const struct sse_event *ev)
{
    struct collect *c = ctx;
    buf_printf(&c->out, "[%.*s|%.*s|%.*s]\n", STR_FMT(ev->event), STR_FMT(ev->data),
               STR_FMT(ev->id));
    c->n++;
    return c->stop_after > 0 && c->n >= c->stop_after ? 1 : 0;
}

/* Parses in (split at the given points) and returns the rendered events; rc gets sse_finish. */
static char *parse_split(const char *in, size_t len, size_t cut1, size_t cut2, int *rc)
{
    struct collect c = {0};
    buf_init(&c.out, BUF_UNBOUNDED);
    struct sse_parser p;
    sse_init(&p, 256, 1024, collect_fn, &c);
    size_t cuts[] = {0, cut1, cut2, len};
    *rc = 0;
    for (size_t i = 0; i + 1 < 4 && *rc == 0; i++)
        *rc = sse_feed(&p, in + cuts[i], cuts[i + 1] - cuts[i]);
    if (*rc == 0)
        *rc = sse_finish(&p);
    sse_fini(&p);
    buf_putc(&c.out, '\0');
    return buf_take(&c.out);
}

static char *parse_bytewise(const char *in, size_t len)
{
    struct collect c = {0};
    buf_init(&c.out, BUF_UNBOUNDED);
    struct sse_parser p;
    sse_init(&p, 256, 1024, collect_fn, &c);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq(sse_feed(&p, in + i, 1), 0);
    cr_assert_eq(sse_finish(&p), 0);
    sse_fini(&p);
    buf_putc(&c.out, '\0');
    return buf_take(&c.out);
}

static void check_all_splits(const char *in, const char *want)
{
    size_t len = strlen(in);
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b++) {
            int rc;
            char *got = parse_split(in, len, a, b, &rc);
            cr_assert_eq(rc, 0, "split %zu/%zu", a, b);
            cr_assert_str_eq(got, want, "split %zu/%zu", a, b);
            free(got);
        }
    }
    char *got = parse_bytewise(in, len);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(sse, basic_fields)
{
    check_all_splits("data: hello\n\n", "[|hello|]\n");
    check_all_splits("event: delta\ndata: {\"a\":1}\nid: 7\n\n", "[delta|{\"a\":1}|7]\n");
    /* The id persists across events; the event name does not. */
    check_all_splits("event: x\nid: 1\ndata: a\n\ndata: b\n\n", "[x|a|1]\n[|b|1]\n");
}

Test(sse, joined_data_and_value_spacing)
{
    check_all_splits("data: one\ndata:two\ndata:  three\n\n", "[|one\ntwo\n three|]\n");
    check_all_splits("data\n\n", "[||]\n");
    check_all_splits("data:\ndata:\n\n", "[|\n|]\n");
}

Test(sse, line_ends)
{
    check_all_splits("data: a\r\n\r\ndata: b\r\rdata: c\n\n", "[|a|]\n[|b|]\n[|c|]\n");
    check_all_splits("data: a\r\ndata: b\r\n\r\n", "[|a\nb|]\n");
    /* CR then LF split apart is one line end, not two. */
    check_all_splits("data: x\r\n\r\n", "[|x|]\n");
}

Test(sse, comments_unknown_fields_and_empty_events)
{
    check_all_splits(": keep-alive\n\n:ping\ndata: z\nretry: 10\nfoo: bar\n\n", "[|z|]\n");
    check_all_splits("event: only\n\n", "");
    check_all_splits("\n\n\n", "");
}

Test(sse, done_sentinel_is_data)
{
    check_all_splits("data: {\"x\":1}\n\ndata: [DONE]\n\n", "[|{\"x\":1}|]\n[|[DONE]|]\n");
}

Test(sse, unterminated_event_dropped_at_end)
{
    check_all_splits("data: a\n\ndata: b", "[|a|]\n");
    check_all_splits("data: a\n\ndata: b\n", "[|a|]\n");
}

Test(sse, line_cap)
{
    char line[400];
    memset(line, 'x', sizeof(line));
    memcpy(line, "data: ", 6);
    line[sizeof(line) - 1] = '\0';
    int rc;
    char *got = parse_split(line, strlen(line), 100, 200, &rc);
    cr_assert_eq(rc, E_TOOBIG);
    free(got);
}

Test(sse, event_cap_and_sticky)
{
    struct collect c = {0};
    buf_init(&c.out, BUF_UNBOUNDED);
    struct sse_parser p;
    sse_init(&p, 256, 64, collect_fn, &c);
    int rc = 0;
    for (int i = 0; i < 10 && rc == 0; i++)
        rc = sse_feed(&p, "data: 0123456789\n", 17);
    cr_assert_eq(rc, E_TOOBIG);
    cr_assert_eq(sse_feed(&p, "\n", 1), E_TOOBIG, "the error is sticky");
    cr_assert_eq(sse_finish(&p), E_TOOBIG);
    cr_assert_eq(c.n, 0);
    sse_fini(&p);
    buf_fini(&c.out);
}

Test(sse, callback_stops)
{
    struct collect c = {.stop_after = 1};
    buf_init(&c.out, BUF_UNBOUNDED);
    struct sse_parser p;
    sse_init(&p, 256, 1024, collect_fn, &c);
    const char *in = "data: a\n\ndata: b\n\n";
    cr_assert_eq(sse_feed(&p, in, strlen(in)), 1);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(p.n_events, 1);
    sse_fini(&p);
    buf_fini(&c.out);
}

Test(sse, nul_in_id_ignored)
{
    static const char in[] = "id: a\0b\ndata: q\n\n";
    struct collect c = {0};
    buf_init(&c.out, BUF_UNBOUNDED);
    struct sse_parser p;
    sse_init(&p, 256, 1024, collect_fn, &c);
    cr_assert_eq(sse_feed(&p, in, sizeof(in) - 1), 0);
    buf_putc(&c.out, '\0');
    cr_assert_str_eq(c.out.p, "[|q|]\n");
    sse_fini(&p);
    buf_fini(&c.out);
}
