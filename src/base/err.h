/*
 * err.h - the one error convention.
 *
 * Fallible functions return int: 0 on success or a negative code from the
 * table below. Human-facing detail (which file, line, column, and why) goes
 * into a struct diag that the caller passes in; leaf code fills it and never
 * logs. The boundary that handles the error logs once and tells the user.
 */
#ifndef VIGIL_BASE_ERR_H
#define VIGIL_BASE_ERR_H

#include <stddef.h>
#include <stdint.h>

/* X(name, value, description) */
#define ERR_TABLE(X)                                                                               \
    X(E_OK, 0, "success")                                                                          \
    X(E_NOMEM, -1, "out of memory")                                                                \
    X(E_INVAL, -2, "invalid argument")                                                             \
    X(E_TOOBIG, -3, "input exceeds a configured limit")                                            \
    X(E_PARSE, -4, "malformed input")                                                              \
    X(E_IO, -5, "input/output error")                                                              \
    X(E_NOTFOUND, -6, "not found")                                                                 \
    X(E_EXISTS, -7, "already exists")                                                              \
    X(E_DB, -8, "database error")                                                                  \
    X(E_UNSUPPORTED, -9, "not supported")                                                          \
    X(E_RANGE, -10, "value out of range")                                                          \
    X(E_ENCODING, -11, "invalid encoding")                                                         \
    X(E_DEPTH, -12, "nesting too deep")                                                            \
    X(E_CANCELLED, -13, "cancelled")                                                               \
    X(E_TIMEOUT, -14, "timed out")                                                                 \
    X(E_AGAIN, -15, "try again")                                                                   \
    X(E_STATE, -16, "invalid state")                                                               \
    X(E_EOF, -17, "end of input")

enum err {
#define ERR_ENUM(name, value, desc) name = value,
    ERR_TABLE(ERR_ENUM)
#undef ERR_ENUM
};

/* The symbolic name ("E_TOOBIG") and the description of a code. */
const char *err_name(int code);
const char *err_str(int code);

/*
 * Diagnostic detail for the user. `where` names the place (a file and line,
 * a query column, a config key); `msg` says what went wrong and what was
 * expected. Functions that accept a NULL diag simply skip the detail.
 */
struct diag {
    int code;
    char where[256];
    char msg[512];
};

void diag_clear(struct diag *d);
/* Set code, place and message; returns code so callers can `return diag_set(...)`. */
int diag_set(struct diag *d, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Format "where: msg" (or err_str(code) when no message) into out. */
const char *diag_format(const struct diag *d, char *out, size_t cap);

#endif
