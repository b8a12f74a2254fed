#include "base/log.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/timefmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static enum log_format format = LOG_LOGFMT;
static int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void log_setup(enum log_level min, enum log_format fmt, int fd)
{
    min_level = min;
    format = fmt;
    log_fd = fd;
}

int log_enabled(enum log_level level)
{
    return level >= min_level && min_level != LOG_OFF;
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i <= LOG_OFF; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return E_INVAL;
}

void log_write(enum log_level level, const char *module, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char ts[40];
    time_format_rfc3339(clock_now_ns(), 3, ts, sizeof(ts));
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    struct buf b;
    buf_init(&b, 8192);
    if (format == LOG_JSON) {
        /* The message is logfmt pairs; in JSON mode it travels as one field. */
        buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":", ts, level_names[level]);
        json_write_string(&b, str_c(module));
        buf_append_c(&b, ",\"msg\":");
        json_write_string(&b, str_c(msg));
        buf_append_c(&b, "}\n");
    } else {
        buf_printf(&b, "ts=%s level=%s module=%s %s\n", ts, level_names[level], module, msg);
    }
    if (!b.err) {
        ssize_t w = write(log_fd, b.p, b.len);
        (void)w;
    }
    buf_fini(&b);
}
