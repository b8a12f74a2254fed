/*
 * fuzz_dec.h - the body shared by the decoder fuzz targets.
 *
 * The input is repaired to valid UTF-8 (as ingest does before decoding) and,
 * like a file, split into lines: every line goes through decode() between
 * open() and close(), so per-file state (the CSV header) is exercised, and
 * the first lines go to probe(). Decoded string fields must be valid UTF-8:
 * a decoder that breaks that invariant aborts the run.
 */
#ifndef VIGIL_FUZZ_DEC_H
#define VIGIL_FUZZ_DEC_H

#include "base/clock.h"
#include "base/utf8.h"
#include "ingest/decoder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_LINES 64

static void fuzz_check_event(const struct event *ev)
{
    for (uint32_t i = 0; i < ev->n_fields; i++) {
        const struct value *v = &ev->fields[i].v;
        if ((v->type == VAL_STR || v->type == VAL_JSON) && !utf8_is_valid(v->s))
            abort();
        if (v->type == VAL_STR && v->s.len && memchr(v->s.p, '\0', v->s.len))
            abort();
    }
}

static int fuzz_decoder(const char *name, const uint8_t *data, size_t size)
{
    if (size == 0 || memchr(data, '\0', size) != NULL)
        return 0; /* decoders are never handed NUL bytes */
    const struct decoder *dec = decoder_find(name);
    if (dec == NULL)
        abort();
    struct arena a;
    arena_init(&a, 4096);
    struct ingest_limits limits = INGEST_LIMITS_DEFAULT;
    struct decoder_ctx ctx = {
        .limits = &limits,
        .time = {.ref_ns = 1623758400LL * NS_PER_SEC}, /* fixed: no clock */
        .arena = &a,
    };
    size_t repaired;
    struct str in = utf8_repair(str_make((const char *)data, size), &a, &repaired);
    struct str lines[FUZZ_MAX_LINES];
    size_t n = 0;
    for (struct str rest = in; rest.p != NULL && n < FUZZ_MAX_LINES;)
        rest = str_cut(rest, '\n', &lines[n++]);
    dec->probe(lines, n);
    if (dec->open == NULL || dec->open(&ctx) == 0) {
        for (size_t i = 0; i < n; i++) {
            struct event ev;
            struct diag d;
            event_init(&ev);
            diag_clear(&d);
            if (dec->decode(&ctx, lines[i], &ev, &d) == 0)
                fuzz_check_event(&ev);
        }
        if (dec->close)
            dec->close(&ctx);
    }
    arena_fini(&a);
    return 0;
}

#endif
