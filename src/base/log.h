/*
 * log.h - structured logging in logfmt (or JSON lines).
 *
 *   log_info("ingest", "file=%s events=%zu", path, n);
 *   -> ts=2026-11-22T02:40:00.123Z level=info module=ingest file=... events=...
 *
 * Only boundaries log (the CLI, the daemon, the writer thread's loop); leaf
 * code returns codes and diags. Thread-safe: one write(2) per line.
 */
#ifndef VIGIL_BASE_LOG_H
#define VIGIL_BASE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };
enum log_format { LOG_LOGFMT, LOG_JSON };

void log_setup(enum log_level min, enum log_format fmt, int fd);
int log_enabled(enum log_level level);
/* Parse "debug|info|warn|error|off"; returns 0 or E_INVAL. */
int log_level_parse(const char *s, enum log_level *out);
void log_write(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(m, ...) log_write(LOG_DEBUG, m, __VA_ARGS__)
#define log_info(m, ...)  log_write(LOG_INFO, m, __VA_ARGS__)
#define log_warn(m, ...)  log_write(LOG_WARN, m, __VA_ARGS__)
#define log_error(m, ...) log_write(LOG_ERROR, m, __VA_ARGS__)

#endif
