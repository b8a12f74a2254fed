/*
 * dec_cef.c - ArcSight Common Event Format, alone or after a syslog header.
 *
 *   [syslog header ]CEF:Version|Vendor|Product|Version|Signature ID|Name|Severity|Extension
 *
 * The syslog header, when there is one, is read by the syslog decoder's own
 * parser (ingest__syslog_header). Header fields escape '|' and '\' with a
 * backslash. The extension is "key=value" pairs separated by spaces, where a
 * value may itself contain spaces: it runs until the next " key=" whose key
 * is made of key characters and whose '=' is not escaped. Values escape
 * '=', '\', newline (\n) and carriage return (\r).
 *
 * Every extension key is kept under cef.extensions.<key>; the common ones
 * are also mapped to ECS (table below), and rt, when it parses, sets the
 * event time in preference to the syslog header's.
 */
#include "ingest/ingest_int.h"

#define CEF_KEY_MAX 63
#define EXT_PREFIX  "cef.extensions."

enum cef_kind { CEF_STR, CEF_INT, CEF_LOWER };

/* Extension keys with an ECS home. */
static const struct {
    const char *key;
    const char *field;
    enum cef_kind kind;
} ecs_map[] = {
    {"src", "source.ip", CEF_STR},
    {"dst", "destination.ip", CEF_STR},
    {"spt", "source.port", CEF_INT},
    {"dpt", "destination.port", CEF_INT},
    {"suser", "user.name", CEF_STR},
    {"duser", "destination.user.name", CEF_STR},
    {"shost", "source.domain", CEF_STR},
    {"dhost", "destination.domain", CEF_STR},
    {"act", "event.action", CEF_STR},
    {"proto", "network.transport", CEF_LOWER}, /* ECS wants "tcp", CEF sends "TCP" */
    {"request", "url.original", CEF_STR},
};

static const char *const header_names[] = {
    "Version",      "Device Vendor", "Device Product", "Device Version",
    "Signature ID", "Name",          "Severity",
};

/*
 * One header field up to an unescaped '|' (consumed). The Severity, last,
 * may also end the line. Escapes \| and \\ are undone into the arena.
 */
static int header_field(struct ingest__cur *c, size_t idx, struct arena *a, struct str *out,
                        struct diag *d)
{
    size_t start = c->pos, i = c->pos;
    bool esc = false;
    while (i < c->s.len && c->s.p[i] != '|') {
        if (c->s.p[i] == '\\' && i + 1 < c->s.len &&
            (c->s.p[i + 1] == '|' || c->s.p[i + 1] == '\\')) {
            esc = true;
            i++;
        }
        i++;
    }
    if (i >= c->s.len && idx + 1 < sizeof(header_names) / sizeof(header_names[0]))
        return diag_set(d, E_PARSE, NULL,
                        "column %zu: expected '|' after %s (the CEF header has 7 fields)", i + 1,
                        header_names[idx]);
    *out = str_make(c->s.p + start, i - start);
    c->pos = i < c->s.len ? i + 1 : i;
    if (esc) {
        char *buf = arena_alloc(a, out->len);
        size_t n = 0;
        for (size_t k = 0; k < out->len; k++) {
            if (out->p[k] == '\\' && k + 1 < out->len &&
                (out->p[k + 1] == '|' || out->p[k + 1] == '\\'))
                k++;
            buf[n++] = out->p[k];
        }
        *out = str_make(buf, n);
    }
    return 0;
}

static bool is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.';
}

/* If an unescaped '=' at eq ends a key that starts after a space, its start; else 0. */
static size_t key_before(struct str s, size_t from, size_t eq)
{
    size_t k = eq;
    while (k > from && eq - k < CEF_KEY_MAX && is_key_char(s.p[k - 1]))
        k--;
    return k < eq && k > from && s.p[k - 1] == ' ' ? k : 0;
}

/* Where the value starting at v ends: at the space before the next key, or the line's end. */
static size_t value_end(struct str s, size_t v, size_t *next_key)
{
    for (size_t i = v; i < s.len; i++) {
        if (s.p[i] == '\\') {
            i++; /* an escaped byte is never a separator */
            continue;
        }
        size_t k;
        if (s.p[i] == '=' && (k = key_before(s, v, i)) != 0) {
            *next_key = k;
            return k - 1;
        }
    }
    *next_key = s.len;
    return s.len;
}

/* Undo \= \\ \n \r; other backslashes are kept. */
static struct str ext_unescape(struct str v, struct arena *a)
{
    if (str_index(v, '\\') < 0)
        return v;
    char *out = arena_alloc(a, v.len);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        char ch = v.p[i];
        if (ch == '\\' && i + 1 < v.len) {
            char e = v.p[i + 1];
            if (e == '=' || e == '\\' || e == 'n' || e == 'r') {
                ch = e == 'n' ? '\n' : e == 'r' ? '\r' : e;
                i++;
            }
        }
        out[n++] = ch;
    }
    return str_make(out, n);
}

/* The lower-case copy ECS wants for network.transport. */
static struct str lower(struct str v, struct arena *a)
{
    char *out = arena_alloc(a, v.len ? v.len : 1);
    for (size_t i = 0; i < v.len; i++)
        out[i] = v.p[i] >= 'A' && v.p[i] <= 'Z' ? (char)(v.p[i] + 32) : v.p[i];
    return str_make(out, v.len);
}

/* rt: epoch milliseconds, "MMM dd yyyy HH:mm:ss[.SSS][ zone]" or "MMM dd HH:mm:ss". */
static void rt_time(struct ingest__out *o, struct str v)
{
    int64_t ts;
    const struct time_opts *t = &o->ctx->time;
    if (time_parse_epoch(v, &ts) == 0 || ingest__time_mdy(v, t, &ts) == 0 ||
        time_parse_syslog(v, t, &ts) == 0 || time_parse_rfc3339(v, t, &ts) == 0)
        o->ev->ts_ns = ts;
}

static void emit_ext(struct ingest__out *o, struct str key, struct str v)
{
    struct arena *a = o->ctx->arena;
    ingest__put_str(o, ingest__intern_joined(EXT_PREFIX, key), v);
    if (str_eq_c(key, "rt"))
        rt_time(o, v);
    for (size_t i = 0; i < sizeof(ecs_map) / sizeof(ecs_map[0]); i++) {
        if (!str_eq_c(key, ecs_map[i].key))
            continue;
        uint32_t id = field_intern(str_c(ecs_map[i].field));
        int64_t n;
        if (ecs_map[i].kind == CEF_STR)
            ingest__put_str(o, id, v);
        else if (ecs_map[i].kind == CEF_LOWER)
            ingest__put_str(o, id, lower(v, a));
        else if (str_to_i64(v, &n) == 0)
            ingest__put_int(o, id, n);
        return;
    }
}

static int parse_extension(struct ingest__out *o, struct ingest__cur *c, struct diag *d)
{
    struct str s = c->s;
    size_t i = c->pos;
    while (i < s.len && s.p[i] == ' ')
        i++;
    while (i < s.len) {
        size_t eq = i;
        while (eq < s.len && is_key_char(s.p[eq]) && eq - i < CEF_KEY_MAX)
            eq++;
        if (eq == i || eq >= s.len || s.p[eq] != '=')
            return ingest__expected(d, E_PARSE, eq + 1, "an extension key and '='");
        struct str key = str_make(s.p + i, eq - i);
        size_t next;
        size_t end = value_end(s, eq + 1, &next);
        while (end > eq + 1 && s.p[end - 1] == ' ')
            end--;
        emit_ext(o, key, ext_unescape(str_make(s.p + eq + 1, end - eq - 1), o->ctx->arena));
        if (o->rc)
            return o->rc;
        i = next;
    }
    return 0;
}

static void emit_header(struct ingest__out *o, struct str *h)
{
    int64_t sev;
    ingest__put_str(o, field_intern(STR_LIT("cef.version")), h[0]);
    ingest__put_str(o, F_OBSERVER_VENDOR, h[1]);
    ingest__put_str(o, F_OBSERVER_PRODUCT, h[2]);
    ingest__put_str(o, F_OBSERVER_VERSION, h[3]);
    ingest__put_str(o, F_EVENT_CODE, h[4]);
    ingest__put_str(o, field_intern(STR_LIT("cef.name")), h[5]);
    ingest__put_str(o, F_MESSAGE, h[5]);
    ingest__put_str(o, field_intern(STR_LIT("cef.severity")), h[6]);
    if (str_to_i64(str_trim(h[6]), &sev) == 0)
        ingest__put_int(o, F_EVENT_SEVERITY, sev);
}

/* "CEF:" at the cursor, then the header and the extension. */
static int parse_cef(struct ingest__out *o, struct ingest__cur *c, struct diag *d)
{
    struct str h[7];
    c->pos += 4; /* "CEF:" */
    size_t vcol = ingest__col(c);
    for (size_t i = 0; i < 7; i++) {
        int rc = header_field(c, i, o->ctx->arena, &h[i], d);
        if (rc)
            return rc;
    }
    uint64_t version;
    if (str_to_u64(h[0], &version) != 0)
        return ingest__expected(d, E_PARSE, vcol, "a CEF version number after 'CEF:'");
    emit_header(o, h);
    if (o->rc)
        return o->rc;
    return parse_extension(o, c, d);
}

/* Where "CEF:" starts in the line, or -1. */
static ptrdiff_t find_cef(struct str line)
{
    for (size_t i = 0; i + 4 <= line.len; i++)
        if (memcmp(line.p + i, "CEF:", 4) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static int cef_decode(struct decoder_ctx *ctx, struct str line, struct event *ev, struct diag *d)
{
    ptrdiff_t at = find_cef(line);
    if (at < 0)
        return ingest__expected(d, E_PARSE, 1, "'CEF:'");
    if (at > 0) {
        struct str prefix = str_make(line.p, (size_t)at), msg;
        while (prefix.len && prefix.p[prefix.len - 1] == ' ')
            prefix.len--;
        int rc = ingest__syslog_header(ctx, prefix, ev, d, &msg);
        if (rc)
            return rc;
        if (msg.len)
            return ingest__expected(d, E_PARSE, (size_t)(msg.p - line.p) + 1,
                                    "'CEF:' after the syslog header");
    }
    struct ingest__out o = {ctx, ev, d, 0};
    struct ingest__cur c = {line, (size_t)at};
    return parse_cef(&o, &c, d);
}

/* A line is CEF when "CEF:<digits>|" is followed by at least six more '|'. */
static bool looks_cef(struct str line)
{
    ptrdiff_t at = find_cef(line);
    if (at < 0)
        return false;
    size_t i = (size_t)at + 4, pipes = 0, digits = 0;
    while (i < line.len && line.p[i] >= '0' && line.p[i] <= '9') {
        i++;
        digits++;
    }
    if (digits == 0 || i >= line.len || line.p[i] != '|')
        return false;
    for (; i < line.len && pipes < 7; i++)
        pipes += line.p[i] == '|' && line.p[i - 1] != '\\';
    return pipes >= 6;
}

static int cef_probe(const struct str *lines, size_t n)
{
    size_t seen = 0, hits = 0;
    for (size_t i = 0; i < n; i++) {
        if (str_trim(lines[i]).len == 0)
            continue;
        seen++;
        hits += looks_cef(lines[i]);
    }
    return seen && hits * 10 >= seen * 8 ? 95 : 0;
}

const struct decoder decoder_cef = {
    .name = "cef",
    .description = "ArcSight CEF, alone or after a syslog header",
    .probe = cef_probe,
    .decode = cef_decode,
};
