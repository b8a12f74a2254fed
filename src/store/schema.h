/*
 * schema.h - the SQLite event schema, shared by the writer and the query
 * compiler so they cannot disagree.
 *
 * Events are partitioned by UTC day: table ev_YYYYMMDD with its FTS5 index
 * fts_YYYYMMDD (external content on ev_YYYYMMDD.raw). Retention drops whole
 * partitions. The `partitions` table lists them with their time bounds.
 *
 *   CREATE TABLE ev_YYYYMMDD(
 *     id INTEGER PRIMARY KEY,      -- global event id, unique across partitions
 *     ts INTEGER NOT NULL,         -- event time, ns since epoch UTC
 *     ingest_ts INTEGER NOT NULL,  -- when vigil received it
 *     tenant_id INTEGER NOT NULL,
 *     source_id INTEGER NOT NULL,  -- sources.id
 *     flags INTEGER NOT NULL,      -- EVENT_TS_* / EVENT_UTF8_REPAIR
 *     <promoted columns below>,
 *     raw TEXT NOT NULL,           -- the record as received
 *     fields TEXT NOT NULL);       -- JSON object of every field: {"name": value, ...}
 *
 * Promoted columns hold the most queried ECS fields as real, indexed columns.
 * Every other field is in `fields` under its own name (json_extract(fields,
 * '$."name"')); an ECS field that normalisation derived (event.code from
 * EventID) is stored only in its promoted column when it has one.
 */
#ifndef VIGIL_STORE_SCHEMA_H
#define VIGIL_STORE_SCHEMA_H

#include "core/field.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(field id, column name, SQL type, indexed) */
#define SCHEMA_PROMOTED(X)                                                                         \
    X(F_HOST_NAME, "host", "TEXT", true)                                                           \
    X(F_EVENT_CODE, "event_code", "TEXT", true)                                                    \
    X(F_LOG_LEVEL, "log_level", "TEXT", false)                                                     \
    X(F_USER_NAME, "user_name", "TEXT", true)                                                      \
    X(F_SOURCE_IP, "source_ip", "TEXT", true)                                                      \
    X(F_DESTINATION_IP, "destination_ip", "TEXT", false)                                           \
    X(F_DESTINATION_PORT, "destination_port", "INTEGER", false)

#define SCHEMA_COUNT_(id, col, type, idx) +1
enum { SCHEMA_N_PROMOTED = 0 SCHEMA_PROMOTED(SCHEMA_COUNT_) };

struct schema_column {
    uint32_t field_id;
    const char *column;
    const char *sql_type;
    bool indexed;
};

/* The promoted columns, in table order. */
const struct schema_column *schema_promoted(size_t *n);
/* The promoted column for a field id, or NULL. */
const struct schema_column *schema_column_for(uint32_t field_id);

/*
 * Virtual fields every event has, for queries and output:
 *   _time / @timestamp -> ts        _raw -> raw         _id -> id
 *   _ingest_time -> ingest_ts       source -> sources.name (by source_id)
 */

/* Partition table names: "ev_20200610", "fts_20200610" for a UTC day number. */
void schema_partition_names(int64_t day, char ev[16], char fts[16]);
/* UTC day number (days since 1970-01-01) of a timestamp in ns. */
int64_t schema_day_of(int64_t ts_ns);

#endif
