/*
 * sse.c - Server-Sent Events framing (see sse.h). A byte loop that collects
 * one line at a time into a bounded buffer and interprets it at its end.
 */
#include "llm/sse.h"

#include "base/err.h"

void sse_init(struct sse_parser *p, size_t max_line, size_t max_event, sse_event_fn *fn, void *ctx)
{
    memset(p, 0, sizeof(*p));
    buf_init(&p->line, max_line);
    buf_init(&p->data, max_event);
    buf_init(&p->event, max_event);
    buf_init(&p->id, max_event);
    p->max_event = max_event;
    p->fn = fn;
    p->ctx = ctx;
}

void sse_fini(struct sse_parser *p)
{
    buf_fini(&p->line);
    buf_fini(&p->data);
    buf_fini(&p->event);
    buf_fini(&p->id);
}

static void reset_event(struct sse_parser *p)
{
    buf_reset(&p->data);
    buf_reset(&p->event);
    p->has_data = false;
}

static int dispatch(struct sse_parser *p)
{
    if (!p->has_data) {
        reset_event(p);
        return 0;
    }
    struct str data = buf_str(&p->data);
    if (data.len > 0 && data.p[data.len - 1] == '\n')
        data.len--;
    struct sse_event ev = {buf_str(&p->event), data, buf_str(&p->id)};
    p->n_events++;
    int rc = p->fn != NULL ? p->fn(p->ctx, &ev) : 0;
    reset_event(p);
    return rc;
}

static int check_event_size(const struct sse_parser *p, size_t extra)
{
    size_t total = p->data.len + p->event.len + p->id.len;
    return total > p->max_event || extra > p->max_event - total ? E_TOOBIG : 0;
}

/* Interpret one complete line (without its line end). */
static int process_line(struct sse_parser *p, struct str line)
{
    if (line.len == 0)
        return dispatch(p);
    if (line.p[0] == ':')
        return 0;
    struct str name, value;
    ptrdiff_t colon = str_index(line, ':');
    if (colon < 0) {
        name = line;
        value = STR_NULL;
    } else {
        name = str_make(line.p, (size_t)colon);
        value = str_make(line.p + colon + 1, line.len - (size_t)colon - 1);
        if (value.len > 0 && value.p[0] == ' ') {
            value.p++;
            value.len--;
        }
    }
    if (str_eq_c(name, "data")) {
        if (check_event_size(p, value.len + 1) != 0)
            return E_TOOBIG;
        buf_append_str(&p->data, value);
        buf_putc(&p->data, '\n');
        p->has_data = true;
        return p->data.err;
    }
    if (str_eq_c(name, "event")) {
        buf_reset(&p->event);
        if (check_event_size(p, value.len) != 0)
            return E_TOOBIG;
        return buf_append_str(&p->event, value);
    }
    if (str_eq_c(name, "id")) {
        if (memchr(value.p != NULL ? value.p : "", '\0', value.len) != NULL)
            return 0;
        buf_reset(&p->id);
        if (check_event_size(p, value.len) != 0)
            return E_TOOBIG;
        return buf_append_str(&p->id, value);
    }
    return 0; /* "retry" and unknown fields: ignored */
}

static int end_line(struct sse_parser *p)
{
    int rc = process_line(p, buf_str(&p->line));
    buf_reset(&p->line);
    return rc;
}

int sse_feed(struct sse_parser *p, const char *bytes, size_t n)
{
    if (p->err != 0)
        return p->err;
    for (size_t i = 0; i < n; i++) {
        char c = bytes[i];
        if (p->after_cr) {
            p->after_cr = false;
            if (c == '\n')
                continue;
        }
        int rc = 0;
        if (c == '\r' || c == '\n') {
            p->after_cr = c == '\r';
            rc = end_line(p);
        } else {
            /* Take the run of ordinary bytes at once. */
            size_t j = i;
            while (j < n && bytes[j] != '\r' && bytes[j] != '\n')
                j++;
            rc = buf_append(&p->line, bytes + i, j - i);
            i = j - 1;
        }
        if (rc != 0) {
            p->err = rc;
            return rc;
        }
    }
    return 0;
}

int sse_finish(struct sse_parser *p)
{
    if (p->err != 0)
        return p->err;
    if (p->line.len > 0) {
        /* A last line without a line end still counts, but cannot close an event. */
        struct str line = buf_str(&p->line);
        int rc = line.len > 0 ? process_line(p, line) : 0;
        buf_reset(&p->line);
        if (rc != 0) {
            p->err = rc;
            return rc;
        }
    }
    reset_event(p);
    return 0;
}
