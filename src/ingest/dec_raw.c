/*
 * dec_raw.c - plain text lines: the record is the message, nothing else.
 * The fallback when no format fits; timestamps at the start of the line are
 * still recognised (RFC 3339 or syslog style) so time search works.
 */
#include "ingest/decoder.h"

static int raw_probe(const struct str *lines, size_t n)
{
    (void)lines;
    (void)n;
    return 1;
}

/* A leading timestamp: the longest prefix that parses. Tries the common shapes only. */
static void leading_time(struct decoder_ctx *ctx, struct str line, struct event *ev)
{
    static const size_t lens[] = {35, 32, 30, 29, 26, 25, 24, 23, 20, 19, 15};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        if (line.len < lens[i])
            continue;
        if (line.len > lens[i] && line.p[lens[i]] != ' ' && line.p[lens[i]] != '\t')
            continue;
        int64_t ts;
        struct str s = str_make(line.p, lens[i]);
        if (time_parse_rfc3339(s, &ctx->time, &ts) == 0 ||
            time_parse_syslog(s, &ctx->time, &ts) == 0) {
            ev->ts_ns = ts;
            return;
        }
    }
}

static int raw_decode(struct decoder_ctx *ctx, struct str line, struct event *ev, struct diag *d)
{
    (void)d;
    leading_time(ctx, line, ev);
    event_add_str(ev, ctx->arena, F_MESSAGE, line);
    return 0;
}

const struct decoder decoder_raw = {
    .name = "raw",
    .description = "plain text lines; a leading timestamp is recognised",
    .probe = raw_probe,
    .decode = raw_decode,
};
