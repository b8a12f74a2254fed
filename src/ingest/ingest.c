/*
 * ingest.c - the ingest pipeline for one input: framing, validation,
 * decoding, normalisation and batching.
 */
#include "ingest/ingest.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "base/xmalloc.h"
#include "ingest/ingest_int.h"
#include "ingest/input.h"
#include "ingest/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK   (1u << 20)
#define SAMPLE_LINES 32

enum framing { FRAME_LINES, FRAME_JSON };

struct ingest {
    struct input *in;
    struct ingest_opts opts;
    const struct decoder *dec;
    struct decoder_ctx ctx;
    enum framing framing;

    /* The frame buffer: bytes [start, end) are read and not yet framed;
     * buf[0] is at stream offset `base`. */
    char *buf;
    size_t cap, start, end;
    uint64_t base;
    bool eof;

    struct event_batch *batch;
    size_t batch_bytes;
    uint64_t batch_first_record; /* st->records when the batch was started */
    const struct ingest_sink *sink;
    struct ingest_target target;
    struct ingest_stats *st;
};

void ingest_opts_default(struct ingest_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limits = (struct ingest_limits)INGEST_LIMITS_DEFAULT;
    o->batch_events = 8192;
    o->batch_bytes = 4u << 20;
    o->tenant_id = 1;
}

/* ---- reading ------------------------------------------------------------ */

/* Move unframed bytes to the front and read more after them. */
static int fill(struct ingest *ig, struct diag *d)
{
    if (ig->start > 0) {
        memmove(ig->buf, ig->buf + ig->start, ig->end - ig->start);
        ig->base += ig->start;
        ig->end -= ig->start;
        ig->start = 0;
    }
    size_t n = 0;
    if (ig->end < ig->cap) {
        int rc = input_read(ig->in, ig->buf + ig->end, ig->cap - ig->end, &n, d);
        if (rc)
            return rc;
    }
    if (n == 0)
        ig->eof = true;
    ig->end += n;
    return 0;
}

/* ---- opening and detection ---------------------------------------------- */

/* Lines of the buffered sample, for probes. */
static size_t sample_lines(const struct ingest *ig, struct str *lines, size_t max)
{
    size_t n = 0, p = ig->start;
    while (n < max && p < ig->end) {
        const char *nl = memchr(ig->buf + p, '\n', ig->end - p);
        size_t e = nl ? (size_t)(nl - ig->buf) : ig->end;
        if (!nl && !ig->eof && n > 0)
            break; /* a partial last line says little */
        struct str l = str_make(ig->buf + p, e - p);
        if (l.len && l.p[l.len - 1] == '\r')
            l.len--;
        if (str_trim(l).len)
            lines[n++] = l;
        p = e + 1;
    }
    return n;
}

/* JSON lines, or pretty-printed documents / an array that need structural framing?
 * The first line that opens JSON decides: text before it (evtx_dump's "Record 1")
 * is what the document framing skips anyway. */
static enum framing pick_framing(const struct ingest *ig, const struct str *lines, size_t n)
{
    if (strcmp(ig->dec->name, "json") != 0)
        return FRAME_LINES;
    size_t k = 0;
    while (k < n && !ingest__opens_json(str_trim(lines[k])))
        k++;
    if (k == n)
        return FRAME_LINES;
    struct str first = str_trim(lines[k]);
    if (first.p[0] == '[')
        return FRAME_JSON;
    /* A first line that is not a whole object means the document spans lines. */
    int depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < first.len; i++) {
        char c = first.p[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return depth == 0 ? FRAME_LINES : FRAME_JSON;
}

int ingest_open(const char *path, const struct ingest_opts *o, struct ingest **out, struct diag *d)
{
    struct ingest *ig = xcalloc(1, sizeof(*ig));
    ig->opts = *o;
    int rc = input_open(path, &ig->in, d);
    if (rc) {
        free(ig);
        return rc;
    }
    ig->cap = o->limits.max_line_bytes + READ_CHUNK + 1;
    ig->buf = xmalloc(ig->cap);
    /* Sample the beginning: at least one read, up to a few lines. */
    while (!ig->eof && ig->end < 64 * 1024) {
        if ((rc = fill(ig, d)))
            goto fail;
    }
    struct str lines[SAMPLE_LINES];
    size_t n = sample_lines(ig, lines, SAMPLE_LINES);
    if (o->format) {
        ig->dec = decoder_find(o->format);
        if (ig->dec == NULL) {
            rc = diag_set(d, E_INVAL, "--format", "unknown format '%s' (see vigil formats)",
                          o->format);
            goto fail;
        }
    } else {
        ig->dec = decoder_detect(lines, n);
    }
    ig->framing = pick_framing(ig, lines, n);
    *out = ig;
    return 0;
fail:
    ingest_close(ig);
    return rc;
}

void ingest_close(struct ingest *ig)
{
    if (ig == NULL)
        return;
    if (ig->ctx.state && ig->dec && ig->dec->close)
        ig->dec->close(&ig->ctx);
    batch_free(ig->batch);
    input_close(ig->in);
    free(ig->buf);
    free(ig);
}

const struct decoder *ingest_decoder(const struct ingest *ig)
{
    return ig->dec;
}

const char *ingest_framing(const struct ingest *ig)
{
    return ig->framing == FRAME_JSON ? "json-documents" : "lines";
}

const char *ingest_codec(const struct ingest *ig)
{
    return input_codec_name(input_codec(ig->in));
}

const uint8_t *ingest_head(const struct ingest *ig, size_t *len)
{
    return input_head(ig->in, len);
}

uint64_t ingest_raw_size(const struct ingest *ig)
{
    return input_raw_size(ig->in);
}

/* ---- batches ------------------------------------------------------------ */

static void new_batch(struct ingest *ig)
{
    ig->batch = batch_new(ig->opts.tenant_id, ig->target.source_id, ig->target.file_id);
    ig->batch_bytes = 0;
    ig->batch_first_record = ig->st->records;
    ig->ctx.arena = &ig->batch->arena;
}

/* Hand the batch to the sink; it ends just before stream offset `end_offset`. */
static int emit(struct ingest *ig, uint64_t end_offset, struct diag *d)
{
    struct event_batch *b = ig->batch;
    b->end_offset = end_offset;
    b->n_records = ig->st->records - ig->batch_first_record;
    ig->batch = NULL;
    ig->st->batches++;
    ig->st->bytes = end_offset - ig->st->start_offset;
    ig->st->raw_bytes = input_raw_pos(ig->in);
    int rc = ig->sink->emit_take(ig->sink->ctx, b, d);
    if (ig->opts.progress)
        ig->opts.progress(ig->opts.progress_ctx, ig->st);
    if (rc == 0)
        new_batch(ig);
    return rc;
}

static bool batch_full(const struct ingest *ig)
{
    return ig->batch->events.n + ig->batch->quarantine.n >= ig->opts.batch_events ||
           ig->batch_bytes >= ig->opts.batch_bytes;
}

/* ---- records ------------------------------------------------------------ */

static void quarantine(struct ingest *ig, uint64_t offset, uint64_t length, const char *reason,
                       const char *detail, struct str raw)
{
    batch_quarantine(ig->batch, offset, length, reason, str_c(detail), raw);
    ig->st->quarantined++;
}

static const char *decode_reason(int rc)
{
    switch (rc) {
    case E_DEPTH:
        return "json_too_deep";
    case E_TOOBIG:
        return "too_big";
    case E_ENCODING:
        return "bad_encoding";
    default:
        return "parse_error";
    }
}

static bool is_blank(struct str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\r' && s.p[i] != '\n' && s.p[i] != '\f' &&
            s.p[i] != '\v')
            return false;
    return true;
}

/* One framed record at stream offset `offset`: an event, a quarantine record, or skipped. */
static void record(struct ingest *ig, struct str rec, uint64_t offset)
{
    struct ingest_stats *st = ig->st;
    st->records++;
    ig->batch_bytes += rec.len;
    if (ig->framing == FRAME_LINES && rec.len && rec.p[rec.len - 1] == '\r')
        rec.len--; /* CRLF line endings */
    if (is_blank(rec)) {
        st->skipped++;
        return;
    }
    if (memchr(rec.p, '\0', rec.len)) {
        char msg[64];
        size_t col = (size_t)((const char *)memchr(rec.p, '\0', rec.len) - rec.p) + 1;
        snprintf(msg, sizeof(msg), "column %zu: NUL byte in a text record", col);
        quarantine(ig, offset, rec.len, "nul_byte", msg, rec);
        return;
    }
    size_t repaired;
    struct str text = utf8_repair(rec, &ig->batch->arena, &repaired);
    if (!repaired)
        text = str_make(arena_memdup(&ig->batch->arena, rec.p, rec.len), rec.len);
    struct event *ev = batch_add_event(ig->batch);
    ev->offset = offset;
    ev->raw = text;
    struct diag dd;
    diag_clear(&dd);
    int rc = ig->dec->decode(&ig->ctx, text, ev, &dd);
    if (rc == E_AGAIN) {
        batch_pop_event(ig->batch);
        st->skipped++;
        return;
    }
    if (rc) {
        batch_pop_event(ig->batch);
        char msg[600];
        snprintf(msg, sizeof(msg), "%s: %s", ig->dec->name, dd.msg[0] ? dd.msg : err_str(rc));
        quarantine(ig, offset, rec.len, decode_reason(rc), msg, rec);
        return;
    }
    if (repaired) {
        ev->flags |= EVENT_UTF8_REPAIR;
        st->utf8_repaired++;
    }
    ingest_normalize(ev, &ig->batch->arena, &ig->ctx.time);
    st->ts_missing += (ev->flags & EVENT_TS_MISSING) != 0;
    st->ts_invalid += (ev->flags & EVENT_TS_INVALID) != 0;
    st->events++;
}

/* A record longer than the cap: keep its first max_line_bytes, note its length. */
static void oversized(struct ingest *ig, struct str head, uint64_t offset, uint64_t length)
{
    char msg[128];
    snprintf(msg, sizeof(msg), "record of %llu bytes exceeds the %zu-byte cap",
             (unsigned long long)length, ig->opts.limits.max_line_bytes);
    ig->st->records++;
    ig->batch_bytes += head.len;
    quarantine(ig, offset, length, "line_too_long", msg, head);
}

/* ---- framing: lines ----------------------------------------------------- */

/* Consume the rest of an over-long line; returns its total length. */
static int skip_line(struct ingest *ig, uint64_t *len, struct diag *d)
{
    for (;;) {
        const char *p = ig->buf + ig->start;
        const char *nl = memchr(p, '\n', ig->end - ig->start);
        if (nl) {
            *len += (uint64_t)(nl - p);
            ig->start += (size_t)(nl - p) + 1;
            return 0;
        }
        *len += ig->end - ig->start;
        ig->start = ig->end;
        if (ig->eof)
            return 0;
        int rc = fill(ig, d);
        if (rc)
            return rc;
    }
}

static int run_lines(struct ingest *ig, struct diag *d)
{
    size_t max = ig->opts.limits.max_line_bytes;
    int rc;
    for (;;) {
        const char *p = ig->buf + ig->start;
        size_t avail = ig->end - ig->start;
        const char *nl = memchr(p, '\n', avail < max + 1 ? avail : max + 1);
        if (nl) {
            record(ig, str_make(p, (size_t)(nl - p)), ig->base + ig->start);
            ig->start += (size_t)(nl - p) + 1;
        } else if (avail > max) {
            uint64_t off = ig->base + ig->start, len = 0;
            char *head = xmalloc(max);
            memcpy(head, p, max);
            rc = skip_line(ig, &len, d);
            if (rc == 0)
                oversized(ig, str_make(head, max), off, len);
            free(head);
            if (rc)
                return rc;
        } else if (ig->eof) {
            if (avail)
                record(ig, str_make(p, avail), ig->base + ig->start);
            ig->start = ig->end;
            return 0;
        } else {
            if ((rc = fill(ig, d)))
                return rc;
            continue;
        }
        if (batch_full(ig) && (rc = emit(ig, ig->base + ig->start, d)))
            return rc;
    }
}

/* ---- framing: JSON documents -------------------------------------------- */

/*
 * Pretty-printed JSON (evtx_dump, jq output) or a top-level array: records
 * are whole objects, found by tracking nesting outside strings. Text between
 * documents (evtx_dump's "Record N" lines) is skipped and counted. A '{' at
 * the start of a line while a document is open means the open one was cut
 * short: it is quarantined as json_truncated and framing resumes there.
 */
struct jframe {
    size_t pos, doc; /* scan position and document start, as buffer indices */
    int depth;
    bool in_doc, in_str, esc, at_bol;
    char *head; /* first max bytes of an over-long document */
    uint64_t head_off, skipped_len;
};

static int jfill(struct ingest *ig, struct jframe *j, struct diag *d)
{
    size_t keep = j->in_doc && !j->head ? j->doc : j->pos;
    ig->start = keep;
    size_t shift = ig->start;
    int rc = fill(ig, d);
    j->pos -= shift;
    /* doc is a buffer index in both cases: the document's start, or (past the cap)
     * where the bytes not yet counted in skipped_len begin. */
    if (j->in_doc)
        j->doc -= shift;
    return rc;
}

static void jdoc_end(struct ingest *ig, struct jframe *j, size_t end, const char *truncated)
{
    size_t max = ig->opts.limits.max_line_bytes;
    if (j->head) {
        oversized(ig, str_make(j->head, max), j->head_off, max + j->skipped_len + (end - j->doc));
        free(j->head);
        j->head = NULL;
    } else if (end - j->doc > max) {
        /* Over the cap by its closing byte, which run_json's check has not seen yet. */
        oversized(ig, str_make(ig->buf + j->doc, max), ig->base + j->doc, end - j->doc);
    } else if (truncated) {
        struct str rec = str_make(ig->buf + j->doc, end - j->doc);
        ig->st->records++;
        quarantine(ig, ig->base + j->doc, rec.len, "json_truncated", truncated, rec);
    } else {
        record(ig, str_make(ig->buf + j->doc, end - j->doc), ig->base + j->doc);
    }
    j->in_doc = false;
    j->in_str = j->esc = false;
    j->depth = 0;
}

/* Skip non-JSON text up to the end of its line. */
static int jskip_text(struct ingest *ig, struct jframe *j, struct diag *d)
{
    for (;;) {
        const char *nl = memchr(ig->buf + j->pos, '\n', ig->end - j->pos);
        if (nl) {
            j->pos = (size_t)(nl - ig->buf) + 1;
            break;
        }
        j->pos = ig->end;
        if (ig->eof)
            break;
        int rc = jfill(ig, j, d);
        if (rc)
            return rc;
    }
    ig->st->records++;
    ig->st->skipped++;
    j->at_bol = true;
    return 0;
}

static int run_json(struct ingest *ig, struct diag *d)
{
    size_t max = ig->opts.limits.max_line_bytes;
    struct jframe j = {.pos = ig->start, .at_bol = true};
    int rc = 0;
    for (;;) {
        if (j.pos >= ig->end) {
            if (ig->eof)
                break;
            if ((rc = jfill(ig, &j, d)))
                break;
            continue;
        }
        char c = ig->buf[j.pos];
        if (!j.in_doc) {
            if (c == '{') {
                j.in_doc = true;
                j.doc = j.pos;
                j.depth = 1;
            } else if (!(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == '[' ||
                         c == ']')) {
                if ((rc = jskip_text(ig, &j, d)))
                    break;
                continue;
            }
            j.at_bol = c == '\n';
            j.pos++;
            ig->start = j.pos;
        } else if (j.in_str) {
            if (j.esc)
                j.esc = false;
            else if (c == '\\')
                j.esc = true;
            else if (c == '"')
                j.in_str = false;
            j.pos++;
        } else {
            if (c == '{' && j.at_bol) {
                jdoc_end(ig, &j, j.pos, "a new document starts before this one closed");
                continue; /* rescan this '{' as the start of the next document */
            }
            j.at_bol = c == '\n';
            if (c == '"')
                j.in_str = true;
            else if (c == '{' || c == '[')
                j.depth++;
            else if ((c == '}' || c == ']') && --j.depth == 0) {
                jdoc_end(ig, &j, j.pos + 1, NULL);
                j.pos++;
                ig->start = j.pos;
                if (batch_full(ig) && (rc = emit(ig, ig->base + ig->start, d)))
                    break;
                continue;
            }
            j.pos++;
        }
        if (j.in_doc && !j.head && j.pos - j.doc > max) {
            /* Over the cap: keep the head, discard the rest as it streams by. */
            j.head = xmalloc(max);
            memcpy(j.head, ig->buf + j.doc, max);
            j.head_off = ig->base + j.doc;
            j.skipped_len = j.pos - j.doc - max;
            j.doc = j.pos;
        } else if (j.head && j.pos >= ig->end) {
            j.skipped_len += j.pos - j.doc;
            j.doc = j.pos;
        }
    }
    if (rc == 0 && j.in_doc)
        jdoc_end(ig, &j, ig->end, "input ends inside a JSON document");
    free(j.head);
    ig->start = ig->end;
    return rc;
}

/* ---- running ------------------------------------------------------------ */

/* On resume past a header (CSV), let the decoder see the header first. */
static int replay_header(struct ingest *ig)
{
    const char *p = ig->buf;
    const char *nl = memchr(p, '\n', ig->end);
    struct str line = str_make(p, nl ? (size_t)(nl - p) : ig->end);
    if (line.len && line.p[line.len - 1] == '\r')
        line.len--;
    struct event scratch;
    event_init(&scratch);
    struct diag dd;
    int rc = ig->dec->decode(&ig->ctx, line, &scratch, &dd);
    return rc == E_AGAIN || rc == 0 ? 0 : rc;
}

int ingest_run(struct ingest *ig, const struct ingest_target *t, const struct ingest_sink *sink,
               struct ingest_stats *st, struct diag *d)
{
    uint64_t start_offset = t->start_offset;
    memset(st, 0, sizeof(*st));
    st->start_offset = start_offset;
    st->raw_size = input_raw_size(ig->in);
    ig->st = st;
    ig->sink = sink;
    ig->target = *t;
    ig->ctx.limits = &ig->opts.limits;
    ig->ctx.time = ig->opts.time;
    if (ig->ctx.time.ref_ns == 0)
        ig->ctx.time.ref_ns = clock_now_ns();
    new_batch(ig);
    int rc = 0;
    if (ig->dec->open && (rc = ig->dec->open(&ig->ctx)))
        return diag_set(d, rc, ig->dec->name, "cannot start the decoder");
    if (start_offset > 0 && (ig->dec->flags & DECODER_HEADER) && (rc = replay_header(ig)))
        return diag_set(d, rc, input_path(ig->in), "cannot re-read the header to resume");
    /* The sample read at open is the stream's beginning: skip into it, or past it. */
    if (start_offset <= ig->end) {
        ig->start = (size_t)start_offset;
    } else {
        uint64_t rest = start_offset - ig->end;
        ig->base = start_offset;
        ig->start = ig->end = 0;
        ig->eof = false;
        if ((rc = input_skip(ig->in, rest, d)))
            return rc;
    }
    rc = ig->framing == FRAME_JSON ? run_json(ig, d) : run_lines(ig, d);
    if (rc == 0)
        rc = emit(ig, ig->base + ig->start, d);
    st->bytes = ig->base + ig->start - start_offset;
    st->raw_bytes = input_raw_pos(ig->in);
    return rc;
}
