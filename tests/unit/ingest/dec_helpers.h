/*
 * dec_helpers.h - a decoder fixture for the decoder tests.
 *
 * One arena, default limits and a fixed "now" (2021-06-15T12:00:00Z) so that
 * year inference is deterministic. dec_run() decodes one line into a fresh
 * event; the expect_* helpers look fields up by name.
 */
#ifndef VIGIL_TESTS_DEC_HELPERS_H
#define VIGIL_TESTS_DEC_HELPERS_H

#include "base/clock.h"
#include "ingest/decoder.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEC_REF_NS (1623758400LL * NS_PER_SEC) /* 2021-06-15T12:00:00Z */

struct dec_fx {
    struct arena arena;
    struct ingest_limits limits;
    struct decoder_ctx ctx;
    const struct decoder *dec;
    struct event ev;
    struct diag d;
};

static inline void dec_open(struct dec_fx *f, const char *name)
{
    memset(f, 0, sizeof(*f));
    arena_init(&f->arena, 4096);
    f->limits = (struct ingest_limits)INGEST_LIMITS_DEFAULT;
    f->ctx.limits = &f->limits;
    f->ctx.time.ref_ns = DEC_REF_NS;
    f->ctx.arena = &f->arena;
    f->dec = decoder_find(name);
    cr_assert_not_null(f->dec, "decoder %s is not registered", name);
    if (f->dec->open)
        cr_assert_eq(f->dec->open(&f->ctx), 0);
}

static inline void dec_close(struct dec_fx *f)
{
    if (f->dec && f->dec->close)
        f->dec->close(&f->ctx);
    arena_fini(&f->arena);
}

/* Decode a NUL-terminated line (a test's literal) into f->ev. */
static inline int dec_run_len(struct dec_fx *f, const char *line, size_t len)
{
    event_init(&f->ev);
    diag_clear(&f->d);
    return f->dec->decode(&f->ctx, str_make(line, len), &f->ev, &f->d);
}

static inline int dec_run(struct dec_fx *f, const char *line)
{
    return dec_run_len(f, line, strlen(line));
}

static inline const struct value *dec_get(const struct dec_fx *f, const char *field)
{
    uint32_t id = field_lookup(str_c(field));
    const struct event_field *ef = id ? event_get(&f->ev, id) : NULL;
    return ef ? &ef->v : NULL;
}

#define expect_str(f, field, want)                                                                 \
    do {                                                                                           \
        const struct value *v_ = dec_get((f), (field));                                            \
        cr_assert_not_null(v_, "field %s is missing", (field));                                    \
        cr_assert_eq(v_->type, VAL_STR, "field %s is not a string", (field));                      \
        cr_assert(str_eq_c(v_->s, (want)), "field %s: got '%.*s', want '%s'", (field),             \
                  STR_FMT(v_->s), (want));                                                         \
    } while (0)

#define expect_int(f, field, want)                                                                 \
    do {                                                                                           \
        const struct value *v_ = dec_get((f), (field));                                            \
        cr_assert_not_null(v_, "field %s is missing", (field));                                    \
        cr_assert_eq(v_->type, VAL_INT, "field %s is not an integer", (field));                    \
        cr_assert_eq(v_->i, (int64_t)(want), "field %s: got %lld, want %lld", (field),             \
                     (long long)v_->i, (long long)(want));                                         \
    } while (0)

#define expect_absent(f, field)                                                                    \
    cr_assert_null(dec_get((f), (field)), "field %s should be absent", (field))

/* The decode failed with this code and exactly this message. */
#define expect_error(f, line, code, want_msg)                                                      \
    do {                                                                                           \
        int rc_ = dec_run((f), (line));                                                            \
        cr_assert_eq(rc_, (code), "decode returned %d (%s), want %s", rc_, err_name(rc_), #code);  \
        cr_assert_str_eq((f)->d.msg, (want_msg));                                                  \
    } while (0)

/* Parse "2021-06-15T12:00:00Z"-style text for expectations. */
static inline int64_t dec_ts(const char *rfc3339)
{
    int64_t ns = 0;
    cr_assert_eq(time_parse_rfc3339(str_c(rfc3339), NULL, &ns), 0, "bad test time %s", rfc3339);
    return ns;
}

/* Read a whole file into a malloc'd NUL-terminated buffer, or NULL. */
static inline char *dec_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
        n += r;
        if (cap - n - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    fclose(fp);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* $VIGIL_CORPUS/<rel>; skips the test, saying why, when it is not there. */
static inline const char *dec_corpus(const char *rel, char *out, size_t cap)
{
    const char *root = getenv("VIGIL_CORPUS");
    if (root == NULL || root[0] == '\0')
        cr_skip_test("VIGIL_CORPUS is not set: skipping the %s corpus test", rel);
    snprintf(out, cap, "%s/%s", root, rel);
    if (access(out, R_OK) != 0)
        cr_skip_test("%s is missing: skipping its corpus test", out);
    return out;
}

#endif
