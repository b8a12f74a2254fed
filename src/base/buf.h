/*
 * buf.h - bounded growable byte buffer.
 *
 * Every buffer has a ceiling set at init; growing past it fails with
 * E_TOOBIG and leaves the content as it was. The first error is sticky
 * (buf->err), so a builder can append freely and check once at the end.
 * Content is always NUL-terminated for convenience (the NUL is not counted).
 */
#ifndef VIGIL_BASE_BUF_H
#define VIGIL_BASE_BUF_H

#include "base/str.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max; /* ceiling on len */
    int err;    /* first error, sticky */
};

#define BUF_UNBOUNDED ((size_t)-1 / 2)

void buf_init(struct buf *b, size_t max);
void buf_fini(struct buf *b);
/* Empty the buffer, keep its memory, clear the sticky error. */
void buf_reset(struct buf *b);
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, struct str s);
int buf_append_c(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int buf_append_i64(struct buf *b, int64_t v);
int buf_append_u64(struct buf *b, uint64_t v);
/* Hand the bytes to the caller (must free()); the buffer is left empty. */
char *buf_take(struct buf *b);

static inline struct str buf_str(const struct buf *b)
{
    return str_make(b->p ? b->p : "", b->len);
}

#endif
