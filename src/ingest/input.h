/*
 * input.h - a byte stream from a file or stdin, decompressed on the fly.
 *
 * gzip (including concatenated members) and zstd (including concatenated
 * frames) are recognised by their magic bytes, whatever the file is
 * called. Offsets are in decompressed bytes: the position of a record in the
 * stream the decoders see. Not thread-safe: one owner.
 */
#ifndef VIGIL_INGEST_INPUT_H
#define VIGIL_INGEST_INPUT_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

enum input_codec { INPUT_PLAIN, INPUT_GZIP, INPUT_ZSTD };

struct input;

/* path "-" reads stdin. */
int input_open(const char *path, struct input **out, struct diag *d);
void input_close(struct input *in);
/* Up to cap decompressed bytes into buf; *n == 0 at end of input. */
int input_read(struct input *in, char *buf, size_t cap, size_t *n, struct diag *d);
/* Skip n decompressed bytes (seek when plain and seekable, else read and discard). */
int input_skip(struct input *in, uint64_t n, struct diag *d);

enum input_codec input_codec(const struct input *in);
const char *input_codec_name(enum input_codec c);
const char *input_path(const struct input *in);
/* The first raw (on-disk) bytes of the input, for recognising the file later. */
const uint8_t *input_head(const struct input *in, size_t *len);
/* Raw bytes consumed so far, and the raw size when known (0 for pipes). */
uint64_t input_raw_pos(const struct input *in);
uint64_t input_raw_size(const struct input *in);

#endif
