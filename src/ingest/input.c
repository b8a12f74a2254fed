#include "ingest/input.h"
#include "base/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define RAW_BUF  (256u * 1024)
#define HEAD_MAX 1024

struct input {
    char *path;
    int fd;
    bool seekable;
    enum input_codec codec;
    uint64_t raw_size, raw_pos;
    uint8_t head[HEAD_MAX];
    size_t head_len;

    /* Raw bytes read from fd and not yet consumed by the decompressor. */
    uint8_t *raw;
    size_t raw_off, raw_len;
    bool raw_eof;

    z_stream z;
    bool z_live;
    bool z_member; /* inside a gzip member: its end has not been seen yet */
    ZSTD_DStream *zs;
    bool zs_frame; /* inside a zstd frame: not all of it decoded and flushed yet */
};

static int io_fail(struct input *in, struct diag *d, const char *what)
{
    return diag_set(d, E_IO, in->path, "%s: %s", what, strerror(errno));
}

/* Refill the raw buffer when empty. */
static int fill_raw(struct input *in, struct diag *d)
{
    if (in->raw_off < in->raw_len || in->raw_eof)
        return 0;
    ssize_t n;
    do
        n = read(in->fd, in->raw, RAW_BUF);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return io_fail(in, d, "read failed");
    in->raw_off = 0;
    in->raw_len = (size_t)n;
    in->raw_pos += (uint64_t)n;
    if (n == 0)
        in->raw_eof = true;
    return 0;
}

int input_open(const char *path, struct input **out, struct diag *d)
{
    struct input *in = xcalloc(1, sizeof(*in));
    in->path = xstrdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
    if (strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            int rc = io_fail(in, d, "cannot open");
            free(in->path);
            free(in);
            return rc;
        }
    }
    struct stat st;
    if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        in->raw_size = (uint64_t)st.st_size;
        in->seekable = true;
    } else if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        int rc = io_fail(in, d, "cannot read");
        input_close(in);
        return rc;
    }
    in->raw = xmalloc(RAW_BUF);
    int rc = fill_raw(in, d);
    if (rc) {
        input_close(in);
        return rc;
    }
    in->head_len = in->raw_len < HEAD_MAX ? in->raw_len : HEAD_MAX;
    memcpy(in->head, in->raw, in->head_len);
    const uint8_t *m = in->raw;
    if (in->raw_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        in->codec = INPUT_GZIP;
        if (inflateInit2(&in->z, 15 + 32) != Z_OK) {
            input_close(in);
            return diag_set(d, E_NOMEM, path, "cannot start gzip decompression");
        }
        in->z_live = true;
    } else if (in->raw_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
        in->codec = INPUT_ZSTD;
        in->zs = ZSTD_createDStream();
        if (in->zs == NULL || ZSTD_isError(ZSTD_initDStream(in->zs))) {
            input_close(in);
            return diag_set(d, E_NOMEM, path, "cannot start zstd decompression");
        }
    }
    *out = in;
    return 0;
}

void input_close(struct input *in)
{
    if (in == NULL)
        return;
    if (in->fd > STDIN_FILENO)
        close(in->fd);
    if (in->z_live)
        inflateEnd(&in->z);
    ZSTD_freeDStream(in->zs);
    free(in->raw);
    free(in->path);
    free(in);
}

static int read_plain(struct input *in, char *buf, size_t cap, size_t *n, struct diag *d)
{
    int rc = fill_raw(in, d);
    if (rc)
        return rc;
    size_t k = in->raw_len - in->raw_off;
    if (k > cap)
        k = cap;
    memcpy(buf, in->raw + in->raw_off, k);
    in->raw_off += k;
    *n = k;
    return 0;
}

static int read_gzip(struct input *in, char *buf, size_t cap, size_t *n, struct diag *d)
{
    *n = 0;
    while (*n == 0) {
        int rc = fill_raw(in, d);
        if (rc)
            return rc;
        if (in->raw_off == in->raw_len) {
            /* End of input: clean only between members. */
            if (in->z_member)
                return diag_set(d, E_PARSE, in->path, "gzip data ends in the middle of a member");
            return 0;
        }
        in->z.next_in = in->raw + in->raw_off;
        in->z.avail_in = (uInt)(in->raw_len - in->raw_off);
        in->z.next_out = (Bytef *)buf;
        in->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int zr = inflate(&in->z, Z_NO_FLUSH);
        in->raw_off = in->raw_len - in->z.avail_in;
        *n = (size_t)((char *)in->z.next_out - buf);
        in->z_member = zr != Z_STREAM_END;
        if (zr == Z_STREAM_END) {
            /* Another gzip member may follow (cat a.gz b.gz). */
            inflateReset(&in->z);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return diag_set(d, E_PARSE, in->path, "gzip data is corrupt near byte %llu: %s",
                            (unsigned long long)(in->raw_pos - (in->raw_len - in->raw_off)),
                            in->z.msg ? in->z.msg : "inflate failed");
        }
    }
    return 0;
}

static int read_zstd(struct input *in, char *buf, size_t cap, size_t *n, struct diag *d)
{
    *n = 0;
    while (*n == 0) {
        int rc = fill_raw(in, d);
        if (rc)
            return rc;
        /* At the end of input the decoder may still hold output to flush. */
        bool at_end = in->raw_off == in->raw_len;
        if (at_end && !in->zs_frame)
            return 0; /* end of input, between frames */
        ZSTD_inBuffer ib = {in->raw, in->raw_len, in->raw_off};
        ZSTD_outBuffer ob = {buf, cap, 0};
        size_t zr = ZSTD_decompressStream(in->zs, &ob, &ib);
        in->raw_off = ib.pos;
        *n = ob.pos;
        if (ZSTD_isError(zr))
            return diag_set(d, E_PARSE, in->path, "zstd data is corrupt: %s",
                            ZSTD_getErrorName(zr));
        in->zs_frame = zr != 0;
        if (at_end && *n == 0 && in->zs_frame)
            return diag_set(d, E_PARSE, in->path, "zstd data ends in the middle of a frame");
    }
    return 0;
}

int input_read(struct input *in, char *buf, size_t cap, size_t *n, struct diag *d)
{
    switch (in->codec) {
    case INPUT_GZIP:
        return read_gzip(in, buf, cap, n, d);
    case INPUT_ZSTD:
        return read_zstd(in, buf, cap, n, d);
    default:
        return read_plain(in, buf, cap, n, d);
    }
}

int input_skip(struct input *in, uint64_t n, struct diag *d)
{
    if (in->codec == INPUT_PLAIN && in->seekable) {
        uint64_t buffered = in->raw_len - in->raw_off;
        if (n <= buffered) {
            in->raw_off += n;
            return 0;
        }
        uint64_t target = in->raw_pos - buffered + n;
        if (lseek(in->fd, (off_t)target, SEEK_SET) < 0)
            return io_fail(in, d, "seek failed");
        in->raw_pos = target;
        in->raw_off = in->raw_len = 0;
        in->raw_eof = false;
        return 0;
    }
    char *tmp = xmalloc(RAW_BUF);
    int rc = 0;
    while (n > 0) {
        size_t got;
        rc = input_read(in, tmp, n < RAW_BUF ? (size_t)n : RAW_BUF, &got, d);
        if (rc)
            break;
        if (got == 0) {
            rc = diag_set(d, E_RANGE, in->path, "input ends before the resume offset");
            break;
        }
        n -= got;
    }
    free(tmp);
    return rc;
}

enum input_codec input_codec(const struct input *in)
{
    return in->codec;
}

const char *input_codec_name(enum input_codec c)
{
    return c == INPUT_GZIP ? "gzip" : c == INPUT_ZSTD ? "zstd" : "plain";
}

const char *input_path(const struct input *in)
{
    return in->path;
}

const uint8_t *input_head(const struct input *in, size_t *len)
{
    *len = in->head_len;
    return in->head;
}

uint64_t input_raw_pos(const struct input *in)
{
    return in->raw_pos - (in->raw_len - in->raw_off);
}

uint64_t input_raw_size(const struct input *in)
{
    return in->raw_size;
}
