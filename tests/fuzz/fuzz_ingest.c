/*
 * fuzz_ingest.c - libFuzzer target for the whole ingest pipeline: input
 * (plain, gzip, zstd by magic bytes), framing (lines and JSON documents),
 * validation and quarantine, every decoder through detection, normalisation
 * and batching.
 *
 * The input becomes a file (a memfd, reached through /proc/self/fd) and is
 * ingested with small limits, once with format detection and once as JSON
 * (document framing). Each run checks the pipeline's promises:
 *   - batches end on nondecreasing offsets, and the records of a batch lie
 *     before its end and after the previous batch's end;
 *   - events hold valid UTF-8 without NUL bytes, quarantined heads fit the cap;
 *   - resuming at a batch boundary gives exactly the records after it.
 * A broken promise aborts the run.
 */
#include "base/clock.h"
#include "base/utf8.h"
#include "base/vec.h"
#include "ingest/ingest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_LINE 256

/* Say which promise broke, then crash so libFuzzer keeps the input. */
#define BROKEN(why)                                                                                \
    do {                                                                                           \
        fprintf(stderr, "fuzz_ingest: %s (%s:%d)\n", (why), __FILE__, __LINE__);                   \
        abort();                                                                                   \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a record became, enough to compare two runs. */
struct rec {
    uint64_t offset, length;
    uint32_t flags;
    int kind; /* 0 event, 1 quarantined */
    uint64_t hash;
};

struct run {
    VEC(struct rec) recs;
    VEC(uint64_t) ends; /* batch end offsets */
    uint64_t prev_end;
};

static uint64_t fnv(struct str s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.len; i++)
        h = (h ^ (unsigned char)s.p[i]) * 1099511628211ull;
    return h;
}

static void check_str(struct str s)
{
    if (!utf8_is_valid(s) || (s.len && memchr(s.p, '\0', s.len)))
        BROKEN("invalid UTF-8 or a NUL byte in an event");
}

static int sink_emit(void *ctx, struct event_batch *b, struct diag *d)
{
    (void)d;
    struct run *r = ctx;
    if (b->end_offset < r->prev_end)
        BROKEN("batch end offsets go backwards");
    for (size_t i = 0; i < b->events.n; i++) {
        const struct event *ev = &b->events.items[i];
        if (ev->offset < r->prev_end || ev->offset >= b->end_offset)
            BROKEN("an event outside its batch's offsets");
        check_str(ev->raw);
        if (ev->raw.len > MAX_LINE * 2) /* repaired UTF-8 at most doubles */
            BROKEN("an event longer than the line cap allows");
        for (uint32_t k = 0; k < ev->n_fields; k++) {
            const struct value *v = &ev->fields[k].v;
            if (v->type == VAL_STR || v->type == VAL_JSON)
                check_str(v->s);
        }
        if (ev->ts_ns == 0)
            BROKEN("an event without a time"); /* normalisation always sets one */
        struct rec rc = {ev->offset, ev->raw.len, ev->flags, 0, fnv(ev->raw)};
        VEC_PUSH(&r->recs, rc);
    }
    for (size_t i = 0; i < b->quarantine.n; i++) {
        const struct quarantine_rec *q = &b->quarantine.items[i];
        if (q->offset < r->prev_end || q->offset >= b->end_offset || q->raw.len > MAX_LINE ||
            q->raw.len > q->length || q->reason == NULL)
            BROKEN("a quarantine record outside its batch or over the cap");
        struct rec rc = {q->offset, q->length, 0, 1, fnv(q->raw)};
        VEC_PUSH(&r->recs, rc);
    }
    VEC_PUSH(&r->ends, b->end_offset);
    r->prev_end = b->end_offset;
    batch_free(b);
    return 0;
}

static int run(const char *path, const char *format, uint64_t start, struct run *r)
{
    struct ingest_opts o;
    ingest_opts_default(&o);
    o.format = format;
    o.limits.max_line_bytes = MAX_LINE;
    o.limits.max_depth = 8;
    o.limits.max_fields = 32;
    o.batch_events = 3;
    o.batch_bytes = 512;
    o.time.ref_ns = 1623758400LL * NS_PER_SEC;
    memset(r, 0, sizeof(*r));
    r->prev_end = start;
    struct ingest *ig;
    struct diag d;
    int rc = ingest_open(path, &o, &ig, &d);
    if (rc)
        return rc;
    struct ingest_target t = {.source_id = 1, .file_id = 1, .start_offset = start};
    struct ingest_sink sink = {sink_emit, r};
    struct ingest_stats st;
    rc = ingest_run(ig, &t, &sink, &st, &d);
    if (rc == 0 && st.records != st.events + st.quarantined + st.skipped)
        BROKEN("records != events + quarantined + skipped");
    ingest_close(ig);
    return rc;
}

static void run_free(struct run *r)
{
    VEC_FREE(&r->recs);
    VEC_FREE(&r->ends);
}

static void same_tail(const struct run *full, const struct run *rest, uint64_t from)
{
    size_t k = 0;
    while (k < full->recs.n && full->recs.items[k].offset < from)
        k++;
    if (full->recs.n - k != rest->recs.n)
        BROKEN("resuming gives a different number of records");
    for (size_t i = 0; i < rest->recs.n; i++)
        if (memcmp(&full->recs.items[k + i], &rest->recs.items[i], sizeof(struct rec)) != 0)
            BROKEN("resuming gives different records");
}

/* Ingest, then resume from the first batch boundary inside the stream. */
static void ingest_twice(const char *path, const char *format)
{
    struct run full, rest;
    if (run(path, format, 0, &full) == 0 && full.ends.n > 1) {
        uint64_t from = full.ends.items[0];
        if (run(path, format, from, &rest) != 0)
            BROKEN("resuming fails where the first run went on");
        same_tail(&full, &rest, from);
        run_free(&rest);
    }
    run_free(&full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clock_set_fixed(1623758400LL * NS_PER_SEC);
    int fd = memfd_create("fuzz_ingest", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ingest_twice(path, NULL);
    ingest_twice(path, "json");
    close(fd);
    return 0;
}
