/*
 * ingest_int.h - helpers shared by the decoders inside the ingest module.
 *
 * A cursor over one record, the field cap check every decoder needs, and the
 * syslog header parser that the CEF decoder reuses for "<PRI>... host CEF:..."
 * lines. Nothing here is part of the module's public interface.
 */
#ifndef VIGIL_INGEST_INGEST_INT_H
#define VIGIL_INGEST_INGEST_INT_H

#include "ingest/decoder.h"

#include <stdbool.h>

/*
 * A cursor over a record. Parsers copy it, try to read a piece from the copy
 * and store the copy back only when the piece parsed, so a failed attempt
 * leaves the position where it was.
 */
struct ingest__cur {
    struct str s; /* the whole record */
    size_t pos;   /* bytes consumed */
};

static inline bool ingest__eof(const struct ingest__cur *c)
{
    return c->pos >= c->s.len;
}

/* The next byte, or '\0' at the end (records never contain NUL). */
static inline char ingest__peek(const struct ingest__cur *c)
{
    return c->pos < c->s.len ? c->s.p[c->pos] : '\0';
}

/* 1-based column of the cursor, for diagnostics. */
static inline size_t ingest__col(const struct ingest__cur *c)
{
    return c->pos + 1;
}

/* What is left of the record. */
static inline struct str ingest__rest(const struct ingest__cur *c)
{
    return str_make(c->s.p + c->pos, c->s.len - c->pos);
}

/* Consume ch if it is next. */
static inline bool ingest__lit(struct ingest__cur *c, char ch)
{
    if (c->pos < c->s.len && c->s.p[c->pos] == ch) {
        c->pos++;
        return true;
    }
    return false;
}

/* The run of bytes up to (not including) the next stop byte or the end. */
static inline struct str ingest__until(struct ingest__cur *c, char stop)
{
    size_t start = c->pos;
    while (c->pos < c->s.len && c->s.p[c->pos] != stop)
        c->pos++;
    return str_make(c->s.p + start, c->pos - start);
}

/* "column N: expected X", the shape of every decoder's complaint. */
static inline int ingest__expected(struct diag *d, int code, size_t col, const char *what)
{
    return diag_set(d, code, NULL, "column %zu: expected %s", col, what);
}

/*
 * Add a field unless the event already holds ctx->limits->max_fields; past
 * the cap, fail with E_TOOBIG so the record is quarantined whole rather than
 * stored with an arbitrary subset of its fields.
 */
static inline int ingest__add(struct decoder_ctx *ctx, struct event *ev, uint32_t id,
                              struct value v, struct diag *d)
{
    if (id == F_NONE)
        return diag_set(d, E_TOOBIG, NULL, "field dictionary is full");
    if (ev->n_fields >= ctx->limits->max_fields)
        return diag_set(d, E_TOOBIG, NULL, "more than %u fields", ctx->limits->max_fields);
    event_add(ev, ctx->arena, id, v);
    return 0;
}

static inline int ingest__add_str(struct decoder_ctx *ctx, struct event *ev, uint32_t id,
                                  struct str s, struct diag *d)
{
    return ingest__add(ctx, ev, id, value_str(s), d);
}

static inline int ingest__add_int(struct decoder_ctx *ctx, struct event *ev, uint32_t id, int64_t i,
                                  struct diag *d)
{
    return ingest__add(ctx, ev, id, value_int(i), d);
}

/*
 * A field writer whose first error is sticky: decoders put fields one after
 * another and check o->rc once at the end.
 */
struct ingest__out {
    struct decoder_ctx *ctx;
    struct event *ev;
    struct diag *d;
    int rc;
};

static inline void ingest__put(struct ingest__out *o, uint32_t id, struct value v)
{
    if (o->rc == 0)
        o->rc = ingest__add(o->ctx, o->ev, id, v, o->d);
}

static inline void ingest__put_str(struct ingest__out *o, uint32_t id, struct str s)
{
    ingest__put(o, id, value_str(s));
}

static inline void ingest__put_int(struct ingest__out *o, uint32_t id, int64_t i)
{
    ingest__put(o, id, value_int(i));
}

/*
 * Intern "<prefix><name>" (e.g. "cef.extensions." + "src"). Returns F_NONE
 * when the joined name would not fit in 256 bytes; callers bound names well
 * below that, so F_NONE here means a caller's bug or a full dictionary.
 */
static inline uint32_t ingest__intern_joined(const char *prefix, struct str name)
{
    char buf[256];
    size_t plen = strlen(prefix);
    if (plen + name.len > sizeof(buf))
        return F_NONE;
    memcpy(buf, prefix, plen);
    if (name.len)
        memcpy(buf + plen, name.p, name.len);
    return field_intern(str_make(buf, plen + name.len));
}

/*
 * Parse a syslog record (RFC 3164 or RFC 5424) and add its header fields to
 * ev: priority, facility and severity, host, app/tag, pid, msgid, version,
 * structured data, and ev->ts_ns from the header time. *msg receives the MSG
 * part (a slice of line, or an arena copy when a BOM was stripped) and is
 * not added to ev: the syslog decoder stores it as `message`, the CEF
 * decoder parses it. Returns 0, or E_PARSE/E_RANGE/E_TOOBIG with d filled.
 */
int ingest__syslog_header(struct decoder_ctx *ctx, struct str line, struct event *ev,
                          struct diag *d, struct str *msg);

/*
 * "Mar  7 2008 19:06:53[.frac][ zone]": a BSD date with the year between day
 * and time (rsyslog accepts it; CEF's rt uses it). Rearranged and handed to
 * time_parse_syslog, so zones and fractions follow its rules.
 */
int ingest__time_mdy(struct str s, const struct time_opts *opts, int64_t *out);

/* A line that opens JSON text: an object, or an array of objects or arrays. A line
 * like "[2021-06-15 10:00:00] INFO ..." starts with '[' but is not JSON. (dec_json.c) */
bool ingest__opens_json(struct str l);

#endif
