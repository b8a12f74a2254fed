/*
 * sse.h - incremental Server-Sent Events parser.
 *
 * Feed arbitrary chunks of a text/event-stream body; each complete event (the
 * lines up to a blank line) goes to the callback with its `event:` name and
 * its `data:` lines joined by "\n". Lines may end in CRLF, LF or CR; comment
 * lines (":...") and unknown fields are skipped; an event without data is not
 * dispatched, as the WHATWG spec says. The "[DONE]" sentinel some servers send
 * is ordinary data: the caller decides what it means.
 *
 * Bounds: a line longer than max_line or an event (data + name + id) larger
 * than max_event fails with E_TOOBIG. Errors are sticky. The slices passed to
 * the callback are valid only during the call. One owner, no threads.
 */
#ifndef VIGIL_LLM_SSE_H
#define VIGIL_LLM_SSE_H

#include "base/buf.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>

struct sse_event {
    struct str event; /* empty: the default type "message" */
    struct str data;
    struct str id;
};

/* Return 0 to go on; any other value stops the parser and sse_feed returns it. */
typedef int sse_event_fn(void *ctx, const struct sse_event *ev);

struct sse_parser {
    struct buf line;
    struct buf data;
    struct buf event;
    struct buf id;
    size_t max_event;
    bool after_cr; /* the last byte ended a line with CR: skip one LF */
    bool has_data; /* a data: field was seen in this event */
    int err;       /* sticky */
    sse_event_fn *fn;
    void *ctx;
    size_t n_events; /* dispatched so far */
};

void sse_init(struct sse_parser *p, size_t max_line, size_t max_event, sse_event_fn *fn, void *ctx);
void sse_fini(struct sse_parser *p);
/* Parse n bytes; returns 0, E_TOOBIG, or the callback's non-zero value (sticky). */
int sse_feed(struct sse_parser *p, const char *bytes, size_t n);
/*
 * End of stream: a last line without its line end is processed, but an event
 * not closed by a blank line is dropped (the spec's rule). Returns the sticky error.
 */
int sse_finish(struct sse_parser *p);

#endif
