#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *err_name(int code)
{
    switch (code) {
#define ERR_NAME(name, value, desc)                                                                \
    case value:                                                                                    \
        return #name;
        ERR_TABLE(ERR_NAME)
#undef ERR_NAME
    }
    return "E_UNKNOWN";
}

const char *err_str(int code)
{
    switch (code) {
#define ERR_STR(name, value, desc)                                                                 \
    case value:                                                                                    \
        return desc;
        ERR_TABLE(ERR_STR)
#undef ERR_STR
    }
    return "unknown error";
}

void diag_clear(struct diag *d)
{
    if (d == NULL)
        return;
    d->code = 0;
    d->where[0] = '\0';
    d->msg[0] = '\0';
}

int diag_set(struct diag *d, int code, const char *where, const char *fmt, ...)
{
    if (d == NULL)
        return code;
    d->code = code;
    snprintf(d->where, sizeof(d->where), "%s", where ? where : "");
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
        va_end(ap);
    } else {
        d->msg[0] = '\0';
    }
    return code;
}

const char *diag_format(const struct diag *d, char *out, size_t cap)
{
    const char *msg = d->msg[0] ? d->msg : err_str(d->code);
    if (d->where[0])
        snprintf(out, cap, "%s: %s", d->where, msg);
    else
        snprintf(out, cap, "%s", msg);
    return out;
}
