/*
 * normalize.h - after decoding: ECS names, the timestamp, sanity of time.
 *
 * Decoders keep a format's own field names. normalize adds, beside them:
 *   - short names for Windows event data, whatever the exporter's nesting
 *     (Event.EventData.TargetUserName, winlog.event_data.TargetUserName and
 *     NXLog's flat TargetUserName all answer to TargetUserName);
 *   - ECS equivalents (EventID -> event.code, Computer -> host.name, ...);
 *   - the event timestamp, from the first known time field when the decoder
 *     found none.
 * Derived fields carry EVENT_FIELD_DERIVED. Times outside
 * [NORMALIZE_TS_MIN, ingest + NORMALIZE_TS_MAX_AHEAD] are absurd: the event
 * keeps ingest time as ts and the flag EVENT_TS_INVALID (documented in
 * docs/ingest.md). Called on the decoding thread; per-thread caches only.
 */
#ifndef VIGIL_INGEST_NORMALIZE_H
#define VIGIL_INGEST_NORMALIZE_H

#include "base/arena.h"
#include "base/timefmt.h"
#include "core/event.h"

#define NORMALIZE_TS_MIN       631152000000000000LL /* 1990-01-01T00:00:00Z */
#define NORMALIZE_TS_MAX_AHEAD (86400LL * 1000000000LL)

void ingest_normalize(struct event *ev, struct arena *a, const struct time_opts *t);

#endif
