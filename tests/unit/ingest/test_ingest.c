/*
 * test_ingest.c - the ingest pipeline end to end over files the tests write:
 * framing, validation and quarantine (every row of the outcome table in
 * docs/ingest.md), batching and resume, gzip and zstd input, JSON-document
 * framing, format detection and normalisation.
 *
 * Batches go to a sink that keeps them in memory; the tests look at the
 * events, quarantine records and offsets exactly as the store would get them.
 * The clock is pinned so ingest time is known.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "base/vec.h"
#include "ingest/ingest.h"
#include "ingest/input.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define NOW_NS (1623758400LL * NS_PER_SEC) /* 2021-06-15T12:00:00Z */

/* ---- fixture: a temp directory, a collecting sink, runs ------------------ */

static char tmpdir[64];

struct run {
    VEC(struct event_batch *) batches;
    struct ingest_stats st;
    struct diag d;
    int rc;
    int fail_at; /* the sink fails on this batch (1-based); 0 = never */
    char format[16], framing[24], codec[8];
};

#define N_RUNS 4
static struct run runs[N_RUNS];

static void run_reset(struct run *r)
{
    for (size_t i = 0; i < r->batches.n; i++)
        batch_free(r->batches.items[i]);
    VEC_FREE(&r->batches);
    memset(r, 0, sizeof(*r));
}

static void setup(void)
{
    clock_set_fixed(NOW_NS);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-ingest-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    memset(runs, 0, sizeof(runs));
}

static void teardown(void)
{
    for (int i = 0; i < N_RUNS; i++)
        run_reset(&runs[i]);
    DIR *dir = opendir(tmpdir);
    if (dir) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(dir)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(dir);
    }
    rmdir(tmpdir);
    clock_set_fixed(0);
}

TestSuite(ingest, .init = setup, .fini = teardown);

/* tmpdir/name, in one of a few rotating buffers. */
static const char *tpath(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
    const char *p = tpath(name);
    FILE *fp = fopen(p, "wb");
    cr_assert_not_null(fp, "cannot create %s", p);
    cr_assert_eq(fwrite(data, 1, len, fp), len);
    cr_assert_eq(fclose(fp), 0);
    return p;
}

static const char *write_str(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

/* One gzip member per part, one after another in the same file (cat a.gz b.gz). */
static const char *write_gzip_members(const char *name, const char *const *parts,
                                      const size_t *lens, size_t n)
{
    const char *p = tpath(name);
    unlink(p);
    for (size_t i = 0; i < n; i++) {
        gzFile gz = gzopen(p, "ab");
        cr_assert_not_null(gz);
        if (lens[i])
            cr_assert_eq(gzwrite(gz, parts[i], (unsigned)lens[i]), (int)lens[i]);
        cr_assert_eq(gzclose(gz), Z_OK);
    }
    return p;
}

static const char *write_gzip(const char *name, const void *data, size_t len)
{
    const char *part = data;
    return write_gzip_members(name, &part, &len, 1);
}

/* One zstd frame per part, concatenated. */
static const char *write_zstd_frames(const char *name, const char *const *parts, const size_t *lens,
                                     size_t n)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += ZSTD_compressBound(lens[i]);
    char *out = malloc(cap);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t z = ZSTD_compress(out + len, cap - len, parts[i], lens[i], 3);
        cr_assert(!ZSTD_isError(z), "%s", ZSTD_getErrorName(z));
        len += z;
    }
    const char *p = write_file(name, out, len);
    free(out);
    return p;
}

static const char *write_zstd(const char *name, const void *data, size_t len)
{
    const char *part = data;
    return write_zstd_frames(name, &part, &len, 1);
}

static char *read_whole(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static int collect_emit(void *ctx, struct event_batch *b, struct diag *d)
{
    struct run *r = ctx;
    VEC_PUSH(&r->batches, b); /* owned from here, success or not */
    if (r->fail_at && r->batches.n == (size_t)r->fail_at)
        return diag_set(d, E_IO, "sink", "the sink gave up");
    return 0;
}

static void opts_init(struct ingest_opts *o, const char *format)
{
    ingest_opts_default(o);
    o->format = format;
}

#define SOURCE_ID 7
#define FILE_ID   42

/* Open and run a file from start_offset; returns ingest_open's or ingest_run's code. */
static int run_opts(struct run *r, const char *path, const struct ingest_opts *o, uint64_t start)
{
    int fail_at = r->fail_at;
    run_reset(r);
    r->fail_at = fail_at;
    diag_clear(&r->d);
    struct ingest *ig = NULL;
    r->rc = ingest_open(path, o, &ig, &r->d);
    if (r->rc)
        return r->rc;
    snprintf(r->format, sizeof(r->format), "%s", ingest_decoder(ig)->name);
    snprintf(r->framing, sizeof(r->framing), "%s", ingest_framing(ig));
    snprintf(r->codec, sizeof(r->codec), "%s", ingest_codec(ig));
    struct ingest_target t = {.source_id = SOURCE_ID, .file_id = FILE_ID, .start_offset = start};
    struct ingest_sink sink = {collect_emit, r};
    r->rc = ingest_run(ig, &t, &sink, &r->st, &r->d);
    ingest_close(ig);
    return r->rc;
}

static int run_fmt(struct run *r, const char *path, const char *format)
{
    struct ingest_opts o;
    opts_init(&o, format);
    return run_opts(r, path, &o, 0);
}

static size_t n_events(const struct run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->batches.n; i++)
        n += r->batches.items[i]->events.n;
    return n;
}

static size_t n_quarantined(const struct run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->batches.n; i++)
        n += r->batches.items[i]->quarantine.n;
    return n;
}

static const struct event *ev_at(const struct run *r, size_t k)
{
    for (size_t i = 0; i < r->batches.n; i++) {
        const struct event_batch *b = r->batches.items[i];
        if (k < b->events.n)
            return &b->events.items[k];
        k -= b->events.n;
    }
    cr_assert_fail("no event #%zu", k);
    return NULL;
}

static const struct quarantine_rec *q_at(const struct run *r, size_t k)
{
    for (size_t i = 0; i < r->batches.n; i++) {
        const struct event_batch *b = r->batches.items[i];
        if (k < b->quarantine.n)
            return &b->quarantine.items[k];
        k -= b->quarantine.n;
    }
    cr_assert_fail("no quarantine record #%zu", k);
    return NULL;
}

static uint64_t last_end(const struct run *r)
{
    cr_assert_gt(r->batches.n, 0);
    return r->batches.items[r->batches.n - 1]->end_offset;
}

static const struct value *fget(const struct event *ev, const char *name)
{
    uint32_t id = field_lookup(str_c(name));
    const struct event_field *f = id ? event_get(ev, id) : NULL;
    return f ? &f->v : NULL;
}

static bool str_is(struct str s, const void *want, size_t len)
{
    return s.len == len && (len == 0 || memcmp(s.p, want, len) == 0);
}

#define expect_raw(ev, want)                                                                       \
    cr_assert(str_is((ev)->raw, (want), strlen(want)), "raw: got '%.*s', want '%s'",               \
              STR_FMT((ev)->raw), (want))

#define expect_str(ev, field, want)                                                                \
    do {                                                                                           \
        const struct value *v_ = fget((ev), (field));                                              \
        cr_assert_not_null(v_, "field %s is missing", (field));                                    \
        cr_assert_eq(v_->type, VAL_STR, "field %s is not a string", (field));                      \
        cr_assert(str_eq_c(v_->s, (want)), "field %s: got '%.*s', want '%s'", (field),             \
                  STR_FMT(v_->s), (want));                                                         \
    } while (0)

#define expect_int(ev, field, want)                                                                \
    do {                                                                                           \
        const struct value *v_ = fget((ev), (field));                                              \
        cr_assert_not_null(v_, "field %s is missing", (field));                                    \
        cr_assert_eq(v_->type, VAL_INT, "field %s is not an integer", (field));                    \
        cr_assert_eq(v_->i, (int64_t)(want), "field %s: got %lld", (field), (long long)v_->i);     \
    } while (0)

#define expect_q(q, off, len, why, what)                                                           \
    do {                                                                                           \
        cr_assert_eq((q)->offset, (uint64_t)(off), "offset %llu",                                  \
                     (unsigned long long)(q)->offset);                                             \
        cr_assert_eq((q)->length, (uint64_t)(len), "length %llu",                                  \
                     (unsigned long long)(q)->length);                                             \
        cr_assert_str_eq((q)->reason, (why));                                                      \
        cr_assert(str_eq_c((q)->detail, (what)), "detail: got '%.*s', want '%s'",                  \
                  STR_FMT((q)->detail), (what));                                                   \
    } while (0)

static int64_t ts_of(const char *rfc3339)
{
    int64_t ns = 0;
    cr_assert_eq(time_parse_rfc3339(str_c(rfc3339), NULL, &ns), 0, "bad test time %s", rfc3339);
    return ns;
}

/* Offset of the first occurrence of needle in hay (which must hold it). */
static uint64_t off_of(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    cr_assert_not_null(p, "'%s' not in the test input", needle);
    return (uint64_t)(p - hay);
}

/* ---- the outcome table -------------------------------------------------- */

Test(ingest, crlf_line_endings)
{
    const char *text = "{\"a\":1}\r\n{\"a\":2}\r\nplain\r\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("crlf.json", text), "json"), 0);
    cr_assert_eq(r->st.records, 3);
    cr_assert_eq(n_events(r), 2);
    cr_assert_eq(n_quarantined(r), 1);
    expect_raw(ev_at(r, 0), "{\"a\":1}");
    expect_raw(ev_at(r, 1), "{\"a\":2}");
    cr_assert_eq(ev_at(r, 0)->offset, 0);
    cr_assert_eq(ev_at(r, 1)->offset, 9);
    expect_int(ev_at(r, 1), "a", 2);
    /* The quarantined copy is the record without its line terminator. */
    const struct quarantine_rec *q = q_at(r, 0);
    cr_assert_eq(q->offset, 18);
    cr_assert_eq(q->length, 5);
    cr_assert(str_is(q->raw, "plain", 5));
    cr_assert_eq(last_end(r), strlen(text));

    struct run *raw = &runs[1];
    cr_assert_eq(run_fmt(raw, write_str("crlf.log", "hello\r\nworld\r\n"), "raw"), 0);
    cr_assert_eq(n_events(raw), 2);
    expect_str(ev_at(raw, 0), "message", "hello");
    expect_str(ev_at(raw, 1), "message", "world");
    cr_assert_eq(ev_at(raw, 1)->offset, 7);
}

Test(ingest, blank_lines_are_skipped_and_counted)
{
    const char *text = "one\n\n   \n\t \r\ntwo\n\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("blank.log", text), "raw"), 0);
    cr_assert_eq(r->st.records, 6);
    cr_assert_eq(r->st.events, 2);
    cr_assert_eq(r->st.skipped, 4);
    cr_assert_eq(r->st.quarantined, 0);
    cr_assert_eq(n_events(r), 2);
    cr_assert_eq(n_quarantined(r), 0);
    cr_assert_eq(ev_at(r, 1)->offset, off_of(text, "two"));
    cr_assert_eq(last_end(r), strlen(text));
    cr_assert_eq(r->st.bytes, strlen(text));
}

Test(ingest, nul_byte_is_quarantined_with_its_column)
{
    static const char text[] = "ok\nab\0cd\n\0\nafter";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_file("nul.log", text, sizeof(text) - 1), "raw"), 0);
    cr_assert_eq(n_events(r), 2);
    expect_raw(ev_at(r, 0), "ok");
    expect_raw(ev_at(r, 1), "after");
    cr_assert_eq(ev_at(r, 1)->offset, 11);
    cr_assert_eq(n_quarantined(r), 2);
    const struct quarantine_rec *q = q_at(r, 0);
    expect_q(q, 3, 5, "nul_byte", "column 3: NUL byte in a text record");
    cr_assert(str_is(q->raw, "ab\0cd", 5), "the raw bytes are kept exactly, NUL included");
    expect_q(q_at(r, 1), 9, 1, "nul_byte", "column 1: NUL byte in a text record");
    cr_assert(str_is(q_at(r, 1)->raw, "\0", 1));
    cr_assert_eq(r->st.quarantined, 2);
    cr_assert_eq(r->st.records, 4);
}

Test(ingest, line_too_long_keeps_the_head_and_the_full_length)
{
    char text[256];
    char x40[41], y17[18];
    memset(x40, 'x', 40);
    x40[40] = '\0';
    memset(y17, 'y', 17);
    y17[17] = '\0';
    /* A line of exactly the cap is fine; one byte more is not. The last line has no newline. */
    snprintf(text, sizeof(text), "short\n0123456789abcdef\n%s\nafter\n%s", x40, y17);
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.limits.max_line_bytes = 16;
    struct run *r = &runs[0];
    cr_assert_eq(run_opts(r, write_str("long.log", text), &o, 0), 0);
    cr_assert_eq(n_events(r), 3);
    expect_raw(ev_at(r, 0), "short");
    expect_raw(ev_at(r, 1), "0123456789abcdef");
    expect_raw(ev_at(r, 2), "after");
    cr_assert_eq(ev_at(r, 2)->offset, 64);
    cr_assert_eq(n_quarantined(r), 2);
    expect_q(q_at(r, 0), 23, 40, "line_too_long", "record of 40 bytes exceeds the 16-byte cap");
    cr_assert(str_is(q_at(r, 0)->raw, x40, 16));
    expect_q(q_at(r, 1), 70, 17, "line_too_long", "record of 17 bytes exceeds the 16-byte cap");
    cr_assert(str_is(q_at(r, 1)->raw, y17, 16));
    cr_assert_eq(r->st.records, 5);
    cr_assert_eq(last_end(r), strlen(text));
}

Test(ingest, line_too_long_across_reads)
{
    /* Longer than one read: the rest of the line streams by in several buffers. */
    size_t long_len = 700000;
    size_t n = 6 + long_len + 1 + 5;
    char *text = malloc(n + 1);
    memcpy(text, "first\n", 6);
    for (size_t i = 0; i < long_len; i++)
        text[6 + i] = (char)('a' + i % 26);
    memcpy(text + 6 + long_len, "\nlast\n", 6);
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.limits.max_line_bytes = 4096;
    struct run *r = &runs[0];
    cr_assert_eq(run_opts(r, write_file("huge.log", text, n), &o, 0), 0);
    cr_assert_eq(n_events(r), 2);
    expect_raw(ev_at(r, 1), "last");
    cr_assert_eq(ev_at(r, 1)->offset, 6 + long_len + 1);
    cr_assert_eq(n_quarantined(r), 1);
    const struct quarantine_rec *q = q_at(r, 0);
    cr_assert_eq(q->offset, 6);
    cr_assert_eq(q->length, long_len);
    cr_assert_str_eq(q->reason, "line_too_long");
    cr_assert(str_is(q->raw, text + 6, 4096));
    cr_assert_eq(last_end(r), n);
    free(text);
}

Test(ingest, invalid_utf8_is_repaired_as_latin1)
{
    static const char text[] = "caf\xe9 au lait\n"        /* Latin-1 é */
                               "ok \xc3\xa9\n"            /* valid UTF-8: untouched */
                               "\xff\xfe\n"               /* two invalid bytes */
                               "\xed\xa0\x80 surrogate\n" /* an encoded surrogate is invalid */
                               "{\"msg\":\"caf\xe9\"}\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_file("latin1.log", text, sizeof(text) - 1), "raw"), 0);
    cr_assert_eq(n_events(r), 5);
    cr_assert_eq(n_quarantined(r), 0);
    const struct event *e0 = ev_at(r, 0);
    expect_raw(e0, "caf\xc3\xa9 au lait");
    expect_str(e0, "message", "caf\xc3\xa9 au lait");
    cr_assert_eq(e0->flags & EVENT_UTF8_REPAIR, EVENT_UTF8_REPAIR);
    cr_assert_eq(e0->flags & EVENT_UTF8_REPAIR, 4, "documented as flags & 4");
    expect_raw(ev_at(r, 1), "ok \xc3\xa9");
    cr_assert_eq(ev_at(r, 1)->flags & EVENT_UTF8_REPAIR, 0);
    expect_raw(ev_at(r, 2), "\xc3\xbf\xc3\xbe");
    expect_raw(ev_at(r, 3), "\xc3\xad\xc2\xa0\xc2\x80 surrogate");
    cr_assert(utf8_is_valid(ev_at(r, 3)->raw));
    cr_assert_eq(r->st.utf8_repaired, 4);
    cr_assert_eq(ev_at(r, 4)->offset, off_of(text, "{"));

    /* Repair happens before decoding, so a JSON value carries the repaired text. */
    struct run *j = &runs[1];
    static const char json[] = "{\"msg\":\"caf\xe9\"}\n";
    cr_assert_eq(run_fmt(j, write_file("latin1.json", json, sizeof(json) - 1), "json"), 0);
    cr_assert_eq(n_events(j), 1);
    expect_str(ev_at(j, 0), "msg", "caf\xc3\xa9");
    expect_str(ev_at(j, 0), "message", "caf\xc3\xa9");
    cr_assert_eq(ev_at(j, 0)->flags & EVENT_UTF8_REPAIR, EVENT_UTF8_REPAIR);
}

/* N nested objects {"a":{"a":...1...}} and a newline, into buf. */
static size_t nested(char *buf, size_t cap, int n)
{
    size_t k = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(buf + k, cap - k, "{\"a\":");
    k += (size_t)snprintf(buf + k, cap - k, "1");
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(buf + k, cap - k, "}");
    k += (size_t)snprintf(buf + k, cap - k, "\n");
    return k;
}

Test(ingest, json_too_deep)
{
    char text[1024];
    size_t n = nested(text, sizeof(text), 32);
    size_t n33 = nested(text + n, sizeof(text) - n, 33);
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_file("deep.json", text, n + n33), "json"), 0);
    cr_assert_eq(n_events(r), 1, "32 levels are allowed");
    char path[64] = "a";
    for (int i = 1; i < 32; i++)
        memcpy(path + 2 * i - 1, ".a", 3);
    expect_int(ev_at(r, 0), path, 1);
    cr_assert_eq(n_quarantined(r), 1);
    /* The 33rd '{' is at column 32 * 5 + 1. */
    expect_q(q_at(r, 0), n, n33 - 1, "json_too_deep", "json: column 161: JSON nested too deep");
    cr_assert(str_is(q_at(r, 0)->raw, text + n, n33 - 1));
}

/* {"f0":0,...} with n fields; *col receives the 1-based column just past the last value. */
static char *many_fields(size_t n, size_t *len, size_t *col)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        buf_printf(&b, "%s\"f%zu\":%zu", i ? "," : "", i, i);
        *col = b.len + 1;
    }
    buf_append_c(&b, "}\n");
    *len = b.len;
    return buf_take(&b);
}

Test(ingest, too_many_fields)
{
    size_t len_ok, len_bad, col_ok, col_bad;
    char *ok = many_fields(1024, &len_ok, &col_ok);
    char *bad = many_fields(1025, &len_bad, &col_bad);
    char *text = malloc(len_ok + len_bad);
    memcpy(text, ok, len_ok);
    memcpy(text + len_ok, bad, len_bad);
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_file("fields.json", text, len_ok + len_bad), "json"), 0);
    cr_assert_eq(n_events(r), 1, "1024 fields are allowed");
    expect_int(ev_at(r, 0), "f1023", 1023);
    cr_assert_eq(n_quarantined(r), 1);
    char want[64];
    snprintf(want, sizeof(want), "json: column %zu: too many fields", col_bad);
    expect_q(q_at(r, 0), len_ok, len_bad - 1, "too_big", want);
    free(ok);
    free(bad);
    free(text);
}

Test(ingest, bad_unicode_escapes)
{
    const char *text = "{\"a\":\"\\ud800\"}\n"        /* lone high surrogate */
                       "{\"a\":\"\\udc00\"}\n"        /* lone low surrogate */
                       "{\"a\":\"\\ud800\\u0041\"}\n" /* high surrogate, then not a low one */
                       "{\"a\":\"\\u0000\"}\n"        /* NUL */
                       "{\"a\":\"\\u12\"}\n"          /* not four hex digits: a parse error */
                       "{\"a\":\"x\\ud83d\\ude00\"}\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("esc.json", text), "json"), 0);
    cr_assert_eq(n_events(r), 1);
    expect_str(ev_at(r, 0), "a", "x\xf0\x9f\x98\x80");
    cr_assert_eq(n_quarantined(r), 5);
    expect_q(q_at(r, 0), 0, 14, "bad_encoding",
             "json: column 13: unpaired UTF-16 surrogate in \\u escape");
    expect_q(q_at(r, 1), 15, 14, "bad_encoding",
             "json: column 13: unpaired UTF-16 surrogate in \\u escape");
    expect_q(q_at(r, 2), 30, 20, "bad_encoding",
             "json: column 13: unpaired UTF-16 surrogate in \\u escape");
    expect_q(q_at(r, 3), 51, 14, "bad_encoding", "json: column 13: \\u0000 (NUL) in a string");
    expect_q(q_at(r, 4), 66, 12, "parse_error",
             "json: column 7: bad \\u escape: expected four hex digits");
}

Test(ingest, parse_errors_name_the_column)
{
    const char *text = "{\"ok\":true}\n"
                       "{\"a\":1,}\n"
                       "{\"a\" 1}\n"
                       "{\"a\":tru}\n"
                       "{\"a\":1} x\n"
                       "[1,2]\n"
                       "{\"a\":\"x\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("bad.json", text), "json"), 0);
    cr_assert_str_eq(r->framing, "lines");
    cr_assert_eq(n_events(r), 1);
    cr_assert_eq(n_quarantined(r), 6);
    expect_q(q_at(r, 0), off_of(text, "{\"a\":1,}"), 8, "parse_error",
             "json: column 8: expected '\"' to start an object key");
    expect_q(q_at(r, 1), off_of(text, "{\"a\" 1}"), 7, "parse_error",
             "json: column 6: expected ':' after an object key");
    expect_q(q_at(r, 2), off_of(text, "{\"a\":tru}"), 9, "parse_error",
             "json: column 6: expected a value");
    expect_q(q_at(r, 3), off_of(text, "{\"a\":1} x"), 9, "parse_error",
             "json: column 9: unexpected data after the JSON object");
    expect_q(q_at(r, 4), off_of(text, "[1,2]"), 5, "parse_error",
             "json: column 1: expected '{' to start a JSON object");
    expect_q(q_at(r, 5), off_of(text, "{\"a\":\"x"), 7, "parse_error",
             "json: column 8: unexpected end of JSON, expected '\"' to close the string");
    cr_assert(str_is(q_at(r, 5)->raw, "{\"a\":\"x", 7));
}

Test(ingest, parse_error_of_another_format)
{
    /* Every decoder's complaint is "format: column N: ..." */
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("kv.log", "a=1 b=2\n=oops\n"), "kv"), 0);
    cr_assert_eq(n_events(r), 1);
    cr_assert_eq(n_quarantined(r), 1);
    expect_q(q_at(r, 0), 8, 5, "parse_error", "kv: column 1: expected a key");
}

Test(ingest, timestamps_missing_invalid_and_absurd)
{
    const char *text = "{\"a\":1}\n"                                     /* 0 missing */
                       "{\"@timestamp\":\"1989-12-31T23:59:59Z\"}\n"     /* 1 before 1990 */
                       "{\"@timestamp\":\"1990-01-01T00:00:00Z\"}\n"     /* 2 the first sane */
                       "{\"@timestamp\":\"2021-06-16T12:00:00Z\"}\n"     /* 3 now + 24 h */
                       "{\"@timestamp\":\"2021-06-16T12:00:00.001Z\"}\n" /* 4 past it */
                       "{\"@timestamp\":\"yesterday\"}\n"                /* 5 unparseable */
                       "{\"ts\":0}\n"                                    /* 6 zero */
                       "{\"time\":1623751200}\n"                         /* 7 epoch seconds */
                       "{\"time\":1623751200.5}\n";                      /* 8 with a fraction */
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("ts.json", text), "json"), 0);
    cr_assert_eq(n_events(r), 9);
    const struct event *e = ev_at(r, 0);
    cr_assert_eq(e->flags, EVENT_TS_MISSING);
    cr_assert_eq(e->flags & 1, 1, "documented as flags & 1");
    cr_assert_eq(e->ts_ns, NOW_NS);
    cr_assert_eq(e->ingest_ns, NOW_NS);

    e = ev_at(r, 1);
    cr_assert_eq(e->flags, EVENT_TS_INVALID);
    cr_assert_eq(e->flags & 2, 2, "documented as flags & 2");
    cr_assert_eq(e->ts_ns, NOW_NS);
    expect_str(e, "@timestamp", "1989-12-31T23:59:59Z"); /* the original stays */

    cr_assert_eq(ev_at(r, 2)->flags, 0);
    cr_assert_eq(ev_at(r, 2)->ts_ns, 631152000LL * NS_PER_SEC);
    cr_assert_eq(ev_at(r, 3)->flags, 0);
    cr_assert_eq(ev_at(r, 3)->ts_ns, NOW_NS + NS_PER_DAY);
    cr_assert_eq(ev_at(r, 4)->flags, EVENT_TS_INVALID);
    cr_assert_eq(ev_at(r, 4)->ts_ns, NOW_NS);
    cr_assert_eq(ev_at(r, 5)->flags, EVENT_TS_INVALID);
    cr_assert_eq(ev_at(r, 5)->ts_ns, NOW_NS);
    expect_str(ev_at(r, 5), "@timestamp", "yesterday");
    cr_assert_eq(ev_at(r, 6)->flags, EVENT_TS_INVALID);
    cr_assert_eq(ev_at(r, 6)->ts_ns, NOW_NS);
    cr_assert_eq(ev_at(r, 7)->flags, 0);
    cr_assert_eq(ev_at(r, 7)->ts_ns, ts_of("2021-06-15T10:00:00Z"));
    cr_assert_eq(ev_at(r, 8)->flags, 0);
    cr_assert_eq(ev_at(r, 8)->ts_ns, ts_of("2021-06-15T10:00:00.5Z"));

    cr_assert_eq(r->st.ts_missing, 1);
    cr_assert_eq(r->st.ts_invalid, 4);
}

Test(ingest, raw_line_time_and_missing_time)
{
    const char *text = "2021-06-15T09:30:00Z service started\n"
                       "no time here\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("t.log", text), "raw"), 0);
    cr_assert_eq(ev_at(r, 0)->ts_ns, ts_of("2021-06-15T09:30:00Z"));
    cr_assert_eq(ev_at(r, 0)->flags, 0);
    cr_assert_eq(ev_at(r, 1)->ts_ns, NOW_NS);
    cr_assert_eq(ev_at(r, 1)->flags, EVENT_TS_MISSING);
}

Test(ingest, final_line_without_newline)
{
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("nonl.log", "a\nbc"), "raw"), 0);
    cr_assert_eq(n_events(r), 2);
    expect_raw(ev_at(r, 1), "bc");
    cr_assert_eq(ev_at(r, 1)->offset, 2);
    cr_assert_eq(last_end(r), 4);
    cr_assert_eq(r->st.bytes, 4);
    cr_assert_eq(r->st.records, 2);
}

Test(ingest, empty_file)
{
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("empty.log", ""), NULL), 0);
    cr_assert_str_eq(r->format, "raw");
    cr_assert_eq(r->batches.n, 1, "one (empty) batch carries the offset");
    cr_assert_eq(n_events(r), 0);
    cr_assert_eq(last_end(r), 0);
    cr_assert_eq(r->st.records, 0);
}

Test(ingest, missing_file_and_unknown_format)
{
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, tpath("nope.log"), "raw"), E_IO);
    cr_assert(strstr(r->d.msg, "cannot open") != NULL, "%s", r->d.msg);
    cr_assert_eq(run_fmt(r, write_str("x.log", "x\n"), "klingon"), E_INVAL);
    cr_assert_str_eq(r->d.where, "--format");
    cr_assert_eq(run_fmt(r, tmpdir, "raw"), E_IO, "a directory is not an input");
}

/* ---- batches and resume ------------------------------------------------- */

/* n lines "line NNN <pad>\n" of varying length; returns the malloc'd text. */
static char *numbered_lines(size_t n, size_t *len)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "line %03zu %.*s\n", i, (int)(i % 7), "xxxxxxx");
    *len = b.len;
    return buf_take(&b);
}

/* Every batch ends on a record boundary and the next one starts there. */
static void check_batches(const struct run *r, const char *text, size_t len)
{
    uint64_t prev_end = r->st.start_offset;
    for (size_t i = 0; i < r->batches.n; i++) {
        const struct event_batch *b = r->batches.items[i];
        cr_assert_eq(b->tenant_id, 3);
        cr_assert_eq(b->source_id, SOURCE_ID);
        cr_assert_eq(b->file_id, FILE_ID);
        cr_assert_geq(b->end_offset, prev_end);
        cr_assert(b->end_offset == len || text[b->end_offset - 1] == '\n',
                  "batch %zu ends at %llu, inside a record", i, (unsigned long long)b->end_offset);
        if (b->events.n) {
            cr_assert_eq(b->events.items[0].offset, prev_end, "batch %zu does not start at %llu", i,
                         (unsigned long long)prev_end);
            for (size_t k = 0; k < b->events.n; k++)
                cr_assert_lt(b->events.items[k].offset, b->end_offset);
        }
        prev_end = b->end_offset;
    }
    cr_assert_eq(prev_end, len);
}

Test(ingest, batches_end_on_record_boundaries)
{
    size_t len;
    char *text = numbered_lines(10, &len);
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.batch_events = 3;
    o.tenant_id = 3;
    struct run *r = &runs[0];
    cr_assert_eq(run_opts(r, write_file("ten.log", text, len), &o, 0), 0);
    cr_assert_eq(r->batches.n, 4);
    cr_assert_eq(r->st.batches, 4);
    cr_assert_eq(r->batches.items[0]->events.n, 3);
    cr_assert_eq(r->batches.items[1]->events.n, 3);
    cr_assert_eq(r->batches.items[2]->events.n, 3);
    cr_assert_eq(r->batches.items[3]->events.n, 1);
    check_batches(r, text, len);
    for (size_t i = 0; i < 10; i++) {
        char want[32];
        snprintf(want, sizeof(want), "line %03zu %.*s", i, (int)(i % 7), "xxxxxxx");
        expect_raw(ev_at(r, i), want);
        cr_assert_eq(ev_at(r, i)->tenant_id, 3);
        cr_assert_eq(ev_at(r, i)->source_id, SOURCE_ID);
    }
    /* Records framed, per batch: what the store adds to source_files.records. */
    uint64_t records = 0;
    for (size_t i = 0; i < r->batches.n; i++)
        records += r->batches.items[i]->n_records;
    cr_assert_eq(records, 10);
    free(text);
}

Test(ingest, quarantine_and_skips_in_batches)
{
    /* Quarantined records count toward a batch; skipped ones do not, but their bytes
     * are covered by the offsets. A full batch at the end is followed by an empty one
     * that carries the offset past the trailing blank lines. */
    static const char text[] = "a\nb\0\n\nc\nd\ne\nf\n\n\n";
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.batch_events = 3;
    o.tenant_id = 3;
    struct run *r = &runs[0];
    cr_assert_eq(run_opts(r, write_file("mixed.log", text, sizeof(text) - 1), &o, 0), 0);
    cr_assert_eq(r->batches.n, 3);
    const struct event_batch *b0 = r->batches.items[0], *b1 = r->batches.items[1],
                             *b2 = r->batches.items[2];
    cr_assert_eq(b0->events.n, 2);
    cr_assert_eq(b0->quarantine.n, 1);
    cr_assert_eq(b0->end_offset, 8); /* after "c\n" */
    cr_assert_eq(b0->n_records, 4);  /* a, b\0, blank, c */
    cr_assert_eq(b1->events.n, 3);
    cr_assert_eq(b1->end_offset, 14);
    cr_assert_eq(b1->n_records, 3);
    cr_assert_eq(b2->events.n, 0);
    cr_assert_eq(b2->end_offset, sizeof(text) - 1);
    cr_assert_eq(b2->n_records, 2);
    cr_assert_eq(r->st.records, 9);
}

Test(ingest, batch_bytes_limit)
{
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.batch_bytes = 10;
    struct run *r = &runs[0];
    cr_assert_eq(run_opts(r, write_str("b.log", "aaaaa\nbbbbb\nccccc\nddddd\neeeee\n"), &o, 0), 0);
    /* Two 5-byte records reach 10 bytes: batches of 2, 2, 1. */
    cr_assert_eq(r->batches.n, 3);
    cr_assert_eq(r->batches.items[0]->events.n, 2);
    cr_assert_eq(r->batches.items[0]->end_offset, 12);
    cr_assert_eq(r->batches.items[1]->events.n, 2);
    cr_assert_eq(r->batches.items[2]->events.n, 1);
    cr_assert_eq(r->batches.items[2]->end_offset, 30);
}

Test(ingest, sink_failure_stops_the_run)
{
    size_t len;
    char *text = numbered_lines(10, &len);
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.batch_events = 3;
    struct run *r = &runs[0];
    r->fail_at = 2;
    cr_assert_eq(run_opts(r, write_file("ten.log", text, len), &o, 0), E_IO);
    cr_assert_str_eq(r->d.msg, "the sink gave up");
    cr_assert_eq(r->batches.n, 2, "nothing is emitted after the sink failed");
    free(text);
}

Test(ingest, resume_gives_exactly_the_remaining_records)
{
    size_t len;
    char *text = numbered_lines(10, &len);
    const char *path = write_file("ten.log", text, len);
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.batch_events = 3;
    o.tenant_id = 3;
    struct run *full = &runs[0], *rest = &runs[1];
    cr_assert_eq(run_opts(full, path, &o, 0), 0);
    uint64_t resume = full->batches.items[1]->end_offset; /* after 6 records */
    cr_assert_eq(run_opts(rest, path, &o, resume), 0);
    cr_assert_eq(rest->st.start_offset, resume);
    cr_assert_eq(rest->st.bytes, len - resume);
    cr_assert_eq(rest->st.records, 4);
    cr_assert_eq(n_events(rest), 4);
    for (size_t i = 0; i < 4; i++) {
        const struct event *a = ev_at(full, 6 + i), *b = ev_at(rest, i);
        cr_assert_eq(a->offset, b->offset);
        cr_assert(str_eq(a->raw, b->raw));
    }
    check_batches(rest, text, len);

    /* Resuming at the end gives nothing but the offset. */
    cr_assert_eq(run_opts(rest, path, &o, len), 0);
    cr_assert_eq(n_events(rest), 0);
    cr_assert_eq(last_end(rest), len);
    free(text);
}

/* n fixed-width lines "%08zu" + padding, 32 bytes each. */
static char *fixed_lines(size_t n, size_t *len)
{
    char *text = malloc(n * 32 + 1);
    for (size_t i = 0; i < n; i++) {
        char line[64];
        snprintf(line, sizeof(line), "%08zu-abcdefghijklmnopqrstuv\n", i);
        memcpy(text + i * 32, line, 32);
    }
    *len = n * 32;
    return text;
}

static void check_resume_tail(struct run *r, const char *path, size_t n_lines, size_t from_line)
{
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.limits.max_line_bytes = 1024;
    cr_assert_eq(run_opts(r, path, &o, from_line * 32), 0, "%s", r->d.msg);
    cr_assert_eq(n_events(r), n_lines - from_line, "%s from line %zu: %zu events", r->codec,
                 from_line, n_events(r));
    char want[40];
    snprintf(want, sizeof(want), "%08zu-abcdefghijklmnopqrstuv", from_line);
    expect_raw(ev_at(r, 0), want);
    cr_assert_eq(ev_at(r, 0)->offset, from_line * 32);
    snprintf(want, sizeof(want), "%08zu-abcdefghijklmnopqrstuv", n_lines - 1);
    expect_raw(ev_at(r, n_lines - from_line - 1), want);
    cr_assert_eq(last_end(r), n_lines * 32);
}

Test(ingest, resume_past_the_sample)
{
    /* Offsets beyond what ingest_open buffered: plain files seek, compressed ones
     * decompress up to the offset. */
    size_t n_lines = 100000, len;
    char *text = fixed_lines(n_lines, &len);
    const char *plain = write_file("big.log", text, len);
    const char *gz = write_gzip("big.log.gz", text, len);
    const char *zst = write_zstd("big.log.zst", text, len);
    free(text);
    size_t from[] = {70000, 99990, 99999};
    for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
        check_resume_tail(&runs[0], plain, n_lines, from[i]);
        cr_assert_str_eq(runs[0].codec, "plain");
        check_resume_tail(&runs[1], gz, n_lines, from[i]);
        cr_assert_str_eq(runs[1].codec, "gzip");
        check_resume_tail(&runs[2], zst, n_lines, from[i]);
        cr_assert_str_eq(runs[2].codec, "zstd");
    }
}

Test(ingest, resume_at_or_past_the_end)
{
    size_t n_lines = 20000, len;
    char *text = fixed_lines(n_lines, &len);
    const char *gz = write_gzip("big.log.gz", text, len);
    free(text);
    struct run *r = &runs[0];
    struct ingest_opts o;
    opts_init(&o, "raw");
    o.limits.max_line_bytes = 1024;
    cr_assert_eq(run_opts(r, gz, &o, len), 0);
    cr_assert_eq(n_events(r), 0);
    cr_assert_eq(last_end(r), len);
    /* A compressed stream shorter than the offset cannot be resumed. */
    cr_assert_eq(run_opts(r, gz, &o, len + 100), E_RANGE);
    cr_assert_str_eq(r->d.msg, "input ends before the resume offset");
}

/* ---- compressed input --------------------------------------------------- */

/* Events and quarantine records of two runs are the same, byte for byte. */
static void same_output(const struct run *a, const struct run *b)
{
    cr_assert_eq(n_events(a), n_events(b));
    cr_assert_eq(n_quarantined(a), n_quarantined(b));
    for (size_t i = 0; i < n_events(a); i++) {
        const struct event *x = ev_at(a, i), *y = ev_at(b, i);
        cr_assert_eq(x->offset, y->offset);
        cr_assert_eq(x->flags, y->flags);
        cr_assert_eq(x->ts_ns, y->ts_ns);
        cr_assert_eq(x->n_fields, y->n_fields);
        cr_assert(str_eq(x->raw, y->raw), "event %zu differs", i);
    }
    for (size_t i = 0; i < n_quarantined(a); i++) {
        const struct quarantine_rec *x = q_at(a, i), *y = q_at(b, i);
        cr_assert_eq(x->offset, y->offset);
        cr_assert_eq(x->length, y->length);
        cr_assert_str_eq(x->reason, y->reason);
        cr_assert(str_eq(x->raw, y->raw));
        cr_assert(str_eq(x->detail, y->detail));
    }
    cr_assert_eq(last_end(a), last_end(b));
    cr_assert_eq(a->st.records, b->st.records);
    cr_assert_eq(a->st.skipped, b->st.skipped);
}

static const char mixed_text[] = "{\"@timestamp\":\"2021-06-15T10:00:00Z\",\"EventID\":4624}\n"
                                 "{\"a\":\"caf\xe9\"}\n"
                                 "\n"
                                 "{\"a\":\"x\0y\"}\n"
                                 "{\"a\":1,}\n"
                                 "{\"b\":[1,2,3],\"c\":{\"d\":null}}";

Test(ingest, gzip_and_zstd_give_the_same_events_as_plain)
{
    size_t len = sizeof(mixed_text) - 1;
    struct run *plain = &runs[0], *r = &runs[1];
    cr_assert_eq(run_fmt(plain, write_file("m.json", mixed_text, len), NULL), 0);
    cr_assert_str_eq(plain->format, "json");
    cr_assert_str_eq(plain->codec, "plain");
    cr_assert_eq(n_events(plain), 3);
    cr_assert_eq(n_quarantined(plain), 2);

    /* Names do not matter: the magic bytes do. */
    cr_assert_eq(run_fmt(r, write_gzip("m.bin", mixed_text, len), NULL), 0);
    cr_assert_str_eq(r->codec, "gzip");
    cr_assert_str_eq(r->format, "json");
    same_output(plain, r);

    cr_assert_eq(run_fmt(r, write_zstd("m.dat", mixed_text, len), NULL), 0);
    cr_assert_str_eq(r->codec, "zstd");
    same_output(plain, r);

    /* Two gzip members (cat a.gz b.gz), split inside a line. */
    const char *parts[] = {mixed_text, mixed_text + 20};
    size_t lens[] = {20, len - 20};
    cr_assert_eq(run_fmt(r, write_gzip_members("m2.gz", parts, lens, 2), NULL), 0);
    cr_assert_str_eq(r->codec, "gzip");
    same_output(plain, r);

    /* Three zstd frames, one of them empty. */
    const char *zparts[] = {mixed_text, mixed_text + 33, mixed_text + 33};
    size_t zlens[] = {33, 0, len - 33};
    cr_assert_eq(run_fmt(r, write_zstd_frames("m3.zst", zparts, zlens, 3), NULL), 0);
    cr_assert_str_eq(r->codec, "zstd");
    same_output(plain, r);
}

Test(ingest, corrupt_and_truncated_compressed_input)
{
    size_t n_lines = 2000, len;
    char *text = fixed_lines(n_lines, &len);
    size_t zlen;
    const char *gz = write_gzip("t.gz", text, len);
    char *z = read_whole(gz, &zlen);
    struct run *r = &runs[0];

    /* Cut inside the deflate data: the stream ends in the middle of a member. */
    cr_assert_eq(run_fmt(r, write_file("cut.gz", z, zlen / 2), "raw"), E_PARSE);
    cr_assert(strstr(r->d.msg, "gzip") != NULL, "%s", r->d.msg);
    /* Cut in the trailer: every byte of data is there, the member is not complete. */
    cr_assert_eq(run_fmt(r, write_file("cut2.gz", z, zlen - 4), "raw"), E_PARSE);
    cr_assert_str_eq(r->d.msg, "gzip data ends in the middle of a member");
    /* Garbage inside the deflate data. */
    memset(z + zlen / 2, 0xff, 64);
    cr_assert_eq(run_fmt(r, write_file("bad.gz", z, zlen), "raw"), E_PARSE);
    cr_assert(strstr(r->d.msg, "gzip data is corrupt") != NULL, "%s", r->d.msg);
    free(z);

    const char *zs = write_zstd("t.zst", text, len);
    z = read_whole(zs, &zlen);
    cr_assert_eq(run_fmt(r, write_file("cut.zst", z, zlen - 3), "raw"), E_PARSE);
    cr_assert(strstr(r->d.msg, "zstd") != NULL, "%s", r->d.msg);
    memset(z + 8, 0xff, 32);
    cr_assert_eq(run_fmt(r, write_file("bad.zst", z, zlen), "raw"), E_PARSE);
    cr_assert(strstr(r->d.msg, "zstd data is corrupt") != NULL, "%s", r->d.msg);
    free(z);
    free(text);
}

/* Read a whole input a few bytes at a time: decompressors must flush what they hold
 * at the end of input, whatever the caller's buffer size. */
static char *read_small(const char *path, size_t chunk, size_t *len)
{
    struct input *in;
    struct diag d;
    cr_assert_eq(input_open(path, &in, &d), 0, "%s", d.msg);
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    char tmp[64];
    for (;;) {
        size_t n = 0;
        cr_assert_eq(input_read(in, tmp, chunk, &n, &d), 0, "%s", d.msg);
        if (n == 0)
            break;
        cr_assert_leq(n, chunk);
        buf_append(&b, tmp, n);
    }
    input_close(in);
    *len = b.len;
    return buf_take(&b);
}

Test(ingest, input_small_reads)
{
    size_t len;
    char *text = fixed_lines(5000, &len);
    const char *paths[] = {write_file("s.log", text, len), write_gzip("s.gz", text, len),
                           write_zstd("s.zst", text, len)};
    size_t chunks[] = {1, 7, 64};
    for (size_t p = 0; p < 3; p++) {
        for (size_t c = 0; c < 3; c++) {
            size_t got_len;
            char *got = read_small(paths[p], chunks[c], &got_len);
            cr_assert_eq(got_len, len, "%s in %zu-byte reads: %zu bytes", paths[p], chunks[c],
                         got_len);
            cr_assert(memcmp(got, text, len) == 0);
            free(got);
        }
    }
    free(text);
}

Test(ingest, input_skip_and_positions)
{
    size_t len;
    char *text = fixed_lines(3000, &len);
    const char *paths[] = {write_file("s.log", text, len), write_gzip("s.gz", text, len),
                           write_zstd("s.zst", text, len)};
    for (size_t p = 0; p < 3; p++) {
        struct input *in;
        struct diag d;
        cr_assert_eq(input_open(paths[p], &in, &d), 0);
        size_t head_len;
        const uint8_t *head = input_head(in, &head_len);
        cr_assert_gt(head_len, 0);
        cr_assert_leq(head_len, 1024);
        if (p == 0)
            cr_assert(memcmp(head, text, head_len) == 0, "the head is the raw bytes");
        else
            cr_assert(memcmp(head, text, 4) != 0);
        char buf[40];
        size_t n;
        cr_assert_eq(input_skip(in, 32 * 2500 + 5, &d), 0, "%s", d.msg);
        cr_assert_eq(input_read(in, buf, 27, &n, &d), 0);
        cr_assert_eq(n, 27);
        cr_assert(memcmp(buf, text + 32 * 2500 + 5, 27) == 0, "%s", paths[p]);
        /* Compressed streams know when they end; a plain file seeks past its end (the
         * store's size check catches a truncated file before ingest resumes in it). */
        cr_assert_eq(input_skip(in, len, &d), p == 0 ? 0 : E_RANGE, "%s", paths[p]);
        struct stat sb;
        cr_assert_eq(stat(paths[p], &sb), 0);
        cr_assert_eq(input_raw_size(in), (uint64_t)sb.st_size);
        input_close(in);
    }
    free(text);
}

/* ---- JSON documents ----------------------------------------------------- */

static const char evtx_dump_text[] =
    "Record 1\n"
    "{\n"
    "  \"Event\": {\n"
    "    \"#attributes\": {\n"
    "      \"xmlns\": \"http://schemas.microsoft.com/win/2004/08/events/event\"\n"
    "    },\n"
    "    \"System\": {\n"
    "      \"Provider\": {\n"
    "        \"#attributes\": {\n"
    "          \"Name\": \"Microsoft-Windows-Security-Auditing\"\n"
    "        }\n"
    "      },\n"
    "      \"EventID\": 4624,\n"
    "      \"TimeCreated\": {\n"
    "        \"#attributes\": {\n"
    "          \"SystemTime\": \"2021-06-15T08:00:00.123456Z\"\n"
    "        }\n"
    "      },\n"
    "      \"Channel\": \"Security\",\n"
    "      \"Computer\": \"WS1\"\n"
    "    },\n"
    "    \"EventData\": {\n"
    "      \"SubjectUserName\": \"WS1$\",\n"
    "      \"TargetUserName\": \"alice\",\n"
    "      \"IpAddress\": \"10.0.0.5\"\n"
    "    }\n"
    "  }\n"
    "}\n"
    "Record 2\n"
    "{\n"
    "  \"Event\": {\n"
    "    \"System\": {\n"
    "      \"EventID\": {\"#text\": 4688},\n"
    "      \"TimeCreated\": {\"#attributes\": {\"SystemTime\": \"2021-06-15T08:00:01Z\"}}\n"
    "    },\n"
    "    \"EventData\": {\"NewProcessName\": \"C:\\\\x.exe\", \"CommandLine\": \"x \\\"a\\\"\"}\n"
    "  }\n"
    "}\n";

static void check_evtx_events(const struct run *r)
{
    cr_assert_str_eq(r->framing, "json-documents");
    cr_assert_eq(n_events(r), 2);
    cr_assert_eq(n_quarantined(r), 0);
    cr_assert_eq(r->st.records, 4);
    cr_assert_eq(r->st.skipped, 2, "the Record N lines are skipped and counted");

    const struct event *e = ev_at(r, 0);
    cr_assert_eq(e->offset, off_of(evtx_dump_text, "{"));
    uint64_t end = off_of(evtx_dump_text, "}\nRecord 2") + 1;
    cr_assert(str_is(e->raw, evtx_dump_text + e->offset, end - e->offset));
    expect_int(e, "Event.System.EventID", 4624);
    expect_int(e, "EventID", 4624);
    expect_int(e, "event.code", 4624);
    expect_str(e, "Event.EventData.TargetUserName", "alice");
    expect_str(e, "TargetUserName", "alice");
    expect_str(e, "SubjectUserName", "WS1$");
    /* TargetUserName outranks SubjectUserName for user.name, whatever the order. */
    expect_str(e, "user.name", "alice");
    expect_str(e, "Provider_Name", "Microsoft-Windows-Security-Auditing");
    expect_str(e, "event.provider", "Microsoft-Windows-Security-Auditing");
    expect_str(e, "host.name", "WS1");
    expect_str(e, "winlog.channel", "Security");
    expect_str(e, "source.ip", "10.0.0.5");
    expect_str(e, "SystemTime", "2021-06-15T08:00:00.123456Z");
    cr_assert_eq(e->ts_ns, ts_of("2021-06-15T08:00:00.123456Z"));
    cr_assert_eq(e->flags, 0);

    e = ev_at(r, 1);
    cr_assert_eq(e->offset, off_of(evtx_dump_text, "Record 2") + 9);
    expect_int(e, "EventID", 4688);
    expect_int(e, "event.code", 4688);
    expect_str(e, "process.executable", "C:\\x.exe");
    expect_str(e, "process.command_line", "x \"a\"");
    cr_assert_eq(e->ts_ns, ts_of("2021-06-15T08:00:01Z"));
    cr_assert_eq(last_end(r), sizeof(evtx_dump_text) - 1);
}

Test(ingest, json_documents_evtx_dump)
{
    const char *path = write_str("evtx.json", evtx_dump_text);
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, path, "json"), 0);
    check_evtx_events(r);
    /* Detection sees pretty-printed JSON too. */
    cr_assert_eq(run_fmt(r, path, NULL), 0);
    cr_assert_str_eq(r->format, "json");
    check_evtx_events(r);
}

Test(ingest, json_documents_resume_and_batches)
{
    const char *path = write_str("evtx.json", evtx_dump_text);
    struct ingest_opts o;
    opts_init(&o, "json");
    o.batch_events = 1;
    struct run *r = &runs[0], *rest = &runs[1];
    cr_assert_eq(run_opts(r, path, &o, 0), 0);
    cr_assert_eq(r->batches.n, 3);
    uint64_t first_end = r->batches.items[0]->end_offset;
    cr_assert_eq(first_end, off_of(evtx_dump_text, "}\nRecord 2") + 1);
    cr_assert_eq(run_opts(rest, path, &o, first_end), 0);
    cr_assert_eq(n_events(rest), 1);
    cr_assert_eq(ev_at(rest, 0)->offset, ev_at(r, 1)->offset);
    cr_assert_eq(rest->st.skipped, 1);
}

Test(ingest, json_documents_top_level_array)
{
    const char *text = "[\n  {\"a\": 1},\n  {\"a\": 2, \"b\": [1, {\"c\": 3}]}\n]\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("arr.json", text), NULL), 0);
    cr_assert_str_eq(r->format, "json");
    cr_assert_str_eq(r->framing, "json-documents");
    cr_assert_eq(n_events(r), 2);
    cr_assert_eq(r->st.skipped, 0);
    cr_assert_eq(ev_at(r, 0)->offset, off_of(text, "{\"a\": 1}"));
    expect_raw(ev_at(r, 0), "{\"a\": 1}");
    expect_raw(ev_at(r, 1), "{\"a\": 2, \"b\": [1, {\"c\": 3}]}");
    expect_int(ev_at(r, 1), "a", 2);

    /* All on one line. */
    cr_assert_eq(run_fmt(r, write_str("arr1.json", "[{\"a\":1},{\"a\":2}]"), NULL), 0);
    cr_assert_str_eq(r->framing, "json-documents");
    cr_assert_eq(n_events(r), 2);
    cr_assert_eq(ev_at(r, 1)->offset, 9);
}

Test(ingest, json_documents_truncated)
{
    const char *text = "{\n"
                       "  \"a\": 1,\n"
                       "{\n"
                       "  \"b\": \"{ at the start of a string is fine\",\n"
                       "  \"c\": {\n"
                       "    \"d\": 2\n"
                       "  }\n"
                       "}\n"
                       "{\n"
                       "  \"e\": [1,\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("trunc.json", text), "json"), 0);
    cr_assert_str_eq(r->framing, "json-documents");
    cr_assert_eq(n_events(r), 1);
    expect_int(ev_at(r, 0), "c.d", 2);
    cr_assert_eq(ev_at(r, 0)->offset, 12);
    cr_assert_eq(n_quarantined(r), 2);
    expect_q(q_at(r, 0), 0, 12, "json_truncated", "a new document starts before this one closed");
    cr_assert(str_is(q_at(r, 0)->raw, "{\n  \"a\": 1,\n", 12));
    uint64_t last = off_of(text, "{\n  \"e\"");
    expect_q(q_at(r, 1), last, strlen(text) - last, "json_truncated",
             "input ends inside a JSON document");
    cr_assert_eq(r->st.records, 3);
    cr_assert_eq(last_end(r), strlen(text));
}

Test(ingest, json_documents_bad_content)
{
    /* Framing finds the document; the decoder still validates it. */
    static const char text[] = "{\n  \"a\": 1,\n  \"b\": tru\n}\n"
                               "{\n  \"x\": \"a\0b\"\n}\n"
                               "{\n  \"ok\": 1\n}\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_file("bad.json", text, sizeof(text) - 1), "json"), 0);
    cr_assert_eq(n_events(r), 1);
    cr_assert_eq(n_quarantined(r), 2);
    expect_q(q_at(r, 0), 0, 24, "parse_error", "json: column 20: expected a value");
    cr_assert_str_eq(q_at(r, 1)->reason, "nul_byte");
    cr_assert_eq(q_at(r, 1)->offset, 25);
}

Test(ingest, json_document_too_long)
{
    /* A document over the cap, streamed through several buffer refills. */
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    buf_append_c(&b, "Record 1\n{\n");
    size_t doc_start = 9;
    for (int i = 0; i < 30000; i++)
        buf_printf(&b, "  \"field%05d\": \"value value value\",\n", i);
    buf_append_c(&b, "  \"last\": 1\n}\nRecord 2\n{\n  \"ok\": 1\n}\n");
    size_t len = b.len;
    char *text = buf_take(&b);
    size_t doc_len = (size_t)(strstr(text, "}\nRecord 2") + 1 - text) - doc_start;
    struct ingest_opts o;
    opts_init(&o, "json");
    o.limits.max_line_bytes = 4096;
    struct run *r = &runs[0];
    cr_assert_eq(run_opts(r, write_file("long.json", text, len), &o, 0), 0);
    cr_assert_str_eq(r->framing, "json-documents");
    cr_assert_eq(n_quarantined(r), 1);
    const struct quarantine_rec *q = q_at(r, 0);
    cr_assert_str_eq(q->reason, "line_too_long");
    cr_assert_eq(q->offset, doc_start);
    cr_assert_eq(q->length, doc_len, "length %llu, want %zu", (unsigned long long)q->length,
                 doc_len);
    cr_assert(str_is(q->raw, text + doc_start, 4096));
    cr_assert_eq(n_events(r), 1);
    expect_int(ev_at(r, 0), "ok", 1);
    cr_assert_eq(ev_at(r, 0)->offset, off_of(text, "Record 2") + 9);
    cr_assert_eq(last_end(r), len);
    free(text);
}

Test(ingest, json_document_at_the_cap)
{
    /* Documents of exactly the cap pass; one byte more is too long, even when that
     * byte is the closing brace (found by fuzz_ingest). */
    const char *text = "{\n \"a\": \"12345678\"\n}\n"   /* 20 bytes */
                       "{\n \"a\": \"123456789\"\n}\n"; /* 21 bytes */
    struct ingest_opts o;
    opts_init(&o, "json");
    o.limits.max_line_bytes = 20;
    struct run *r = &runs[0];
    cr_assert_eq(run_opts(r, write_str("cap.json", text), &o, 0), 0);
    cr_assert_str_eq(r->framing, "json-documents");
    cr_assert_eq(n_events(r), 1);
    expect_str(ev_at(r, 0), "a", "12345678");
    cr_assert_eq(n_quarantined(r), 1);
    expect_q(q_at(r, 0), 21, 21, "line_too_long", "record of 21 bytes exceeds the 20-byte cap");
    cr_assert(str_is(q_at(r, 0)->raw, text + 21, 20));
}

/* ---- detection and normalisation ----------------------------------------- */

Test(ingest, detection_picks_json_for_json_lines)
{
    const char *text = "{\"EventTime\":\"2021-06-15 10:00:00\",\"Hostname\":\"WS2\","
                       "\"EventID\":4625,\"TargetUserName\":\"bob\",\"Message\":\"a=b c=d\"}\n"
                       "{\"EventTime\":\"2021-06-15 10:00:01\",\"EventID\":4624}\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("nxlog.json", text), NULL), 0);
    cr_assert_str_eq(r->format, "json");
    cr_assert_str_eq(r->framing, "lines");
    cr_assert_eq(n_events(r), 2);
    /* NXLog's flat names answer to the same ECS names as the nested ones. */
    const struct event *e = ev_at(r, 0);
    expect_str(e, "TargetUserName", "bob");
    expect_str(e, "user.name", "bob");
    expect_int(e, "event.code", 4625);
    expect_str(e, "host.name", "WS2");
    expect_str(e, "message", "a=b c=d");
    cr_assert_eq(e->ts_ns, ts_of("2021-06-15T10:00:00Z"));
    cr_assert_eq(ev_at(r, 1)->ts_ns, ts_of("2021-06-15T10:00:01Z"));
    /* Derived fields are marked. */
    uint32_t id = field_lookup(STR_LIT("user.name"));
    const struct event_field *f = event_get(e, id);
    cr_assert_not_null(f);
    cr_assert_eq(f->flags & EVENT_FIELD_DERIVED, EVENT_FIELD_DERIVED);
    f = event_get(e, field_lookup(STR_LIT("TargetUserName")));
    cr_assert_eq(f->flags & EVENT_FIELD_DERIVED, 0);
}

Test(ingest, time_field_preference)
{
    /* @timestamp outranks EventTime wherever it sits in the record; Winlogbeat nesting
     * answers to the bare names. */
    const char *text =
        "{\"EventTime\":\"2021-06-15 01:00:00\",\"@timestamp\":\"2021-06-15T02:00:00Z\"}\n"
        "{\"winlog\":{\"event_data\":{\"TargetUserName\":\"carol\",\"SubjectUserName\":\"x\"},"
        "\"event_id\":4624},\"@timestamp\":\"2021-06-15T03:00:00.250Z\"}\n"
        "{\"user.name\":\"given\",\"TargetUserName\":\"derived\"}\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("t.json", text), "json"), 0);
    cr_assert_eq(ev_at(r, 0)->ts_ns, ts_of("2021-06-15T02:00:00Z"));
    const struct event *e = ev_at(r, 1);
    expect_str(e, "TargetUserName", "carol");
    expect_str(e, "user.name", "carol");
    expect_int(e, "event.code", 4624);
    cr_assert_eq(e->ts_ns, ts_of("2021-06-15T03:00:00.25Z"));
    /* A field the record already has is not overwritten by an alias. */
    expect_str(ev_at(r, 2), "user.name", "given");
}

Test(ingest, detection_does_not_take_bracketed_text_for_json)
{
    /* "[time] level message" logs begin with '[' but are text. */
    const char *text = "[2021-06-15 10:00:00] INFO started\n"
                       "[2021-06-15 10:00:01] WARN low disk\n"
                       "[2021-06-15 10:00:02] ERROR cannot open /x\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("app.log", text), NULL), 0);
    cr_assert_str_neq(r->format, "json");
    cr_assert_eq(n_events(r), 3);
    cr_assert_eq(r->st.skipped, 0);

    /* Quoted CSV lines are not the inside of a JSON document. */
    const char *csv = "\"time\",\"user\",\"action\"\n"
                      "\"2021-06-15\",\"bob\",\"login\"\n"
                      "\"2021-06-15\",\"eve\",\"logout\"\n";
    cr_assert_eq(run_fmt(r, write_str("q.csv", csv), NULL), 0);
    cr_assert_str_eq(r->format, "csv");
}

Test(ingest, detection_of_pretty_printed_json)
{
    /* jq output: arrays of strings inside, no Record lines. */
    const char *text = "{\n"
                       "  \"@timestamp\": \"2021-06-15T10:00:00Z\",\n"
                       "  \"tags\": [\n"
                       "    \"a\",\n"
                       "    \"b\"\n"
                       "  ],\n"
                       "  \"user\": {\n"
                       "    \"name\": \"dave\"\n"
                       "  }\n"
                       "}\n"
                       "{\n"
                       "  \"@timestamp\": \"2021-06-15T10:00:01Z\",\n"
                       "  \"tags\": []\n"
                       "}\n";
    struct run *r = &runs[0];
    cr_assert_eq(run_fmt(r, write_str("jq.json", text), NULL), 0);
    cr_assert_str_eq(r->format, "json");
    cr_assert_str_eq(r->framing, "json-documents");
    cr_assert_eq(n_events(r), 2);
    cr_assert_eq(n_quarantined(r), 0);
    const struct value *v = fget(ev_at(r, 0), "tags");
    cr_assert_not_null(v);
    cr_assert_eq(v->type, VAL_JSON);
    cr_assert(str_eq_c(v->s, "[\n    \"a\",\n    \"b\"\n  ]"));
    expect_str(ev_at(r, 0), "user.name", "dave");
    cr_assert_eq(ev_at(r, 1)->ts_ns, ts_of("2021-06-15T10:00:01Z"));
}
