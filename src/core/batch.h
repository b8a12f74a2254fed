/*
 * batch.h - the unit of work between ingest and the store.
 *
 * A batch holds up to a configured number of events decoded from one input
 * (one file of one source), the quarantine records for the lines that could
 * not become events, and how far into the input it reaches. The store writer
 * commits the events, the quarantine records and the input's new offset in
 * one transaction, which is what makes resuming after a crash exact.
 *
 * Ownership: everything a batch points to lives in its arena. The producer
 * fills it, hands it over with store_submit_take(), and never touches it
 * again; the writer frees it after commit with batch_free().
 */
#ifndef VIGIL_CORE_BATCH_H
#define VIGIL_CORE_BATCH_H

#include "base/arena.h"
#include "base/str.h"
#include "base/vec.h"
#include "core/event.h"

#include <stdint.h>

struct quarantine_rec {
    uint64_t offset;    /* byte offset of the record in its input */
    uint64_t length;    /* its full length (raw may hold less when it was over the cap) */
    const char *reason; /* short stable code: "line_too_long", "nul_byte", "json_parse", ... */
    struct str detail;  /* the decoder's or validator's message */
    struct str raw;     /* the bytes, up to the line cap */
};

struct event_batch {
    struct arena arena;
    VEC(struct event) events;
    VEC(struct quarantine_rec) quarantine;
    uint32_t tenant_id;
    uint32_t source_id;
    int64_t file_id;          /* store's id for the input file, 0 for stdin */
    uint64_t end_offset;      /* the input offset just past the last record in this batch */
    uint64_t n_records;       /* records framed (events + quarantined + skipped) */
    int64_t ingest_ns;        /* when the batch was started */
    uint64_t seq;             /* set by the store on submit */
    void *store_rows;         /* the store backend's per-event prepared form, in the arena */
    struct event_batch *next; /* the store's queue link */
};

struct event_batch *batch_new(uint32_t tenant_id, uint32_t source_id, int64_t file_id);
void batch_free(struct event_batch *b);
/* A new event in the batch, initialised with ingest time and ids. */
struct event *batch_add_event(struct event_batch *b);
/* Drop the last event (its decode failed); arena memory is kept until free. */
void batch_pop_event(struct event_batch *b);
/* Copy raw and detail into the batch and record the quarantine. */
void batch_quarantine(struct event_batch *b, uint64_t offset, uint64_t length, const char *reason,
                      struct str detail, struct str raw);

#endif
