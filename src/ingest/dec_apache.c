/*
 * dec_apache.c - Apache and Nginx access logs: common, combined and
 * vhost_combined.
 *
 *   common:          %h %l %u %t "%r" %>s %b
 *   combined:        common + "%{Referer}i" "%{User-Agent}i"
 *   vhost_combined:  %v:%p before the common fields
 *
 * As with syslog, parse_line() reads the line into slices and validates it
 * without allocating (probe() uses it); emit() unescapes and adds fields.
 * Quoted fields use Apache's escapes: \" and \\ are undone, \xhh is kept as
 * written (undoing it could produce bytes that are not UTF-8). Anything after
 * the user agent (Nginx's "$http_x_forwarded_for", custom additions) is left
 * in the raw record, and a user agent cut off by a truncated line is taken as
 * it stands.
 */
#include "ingest/ingest_int.h"

struct access_line {
    struct str vhost, port; /* vhost_combined only */
    struct str client, user, request, status, bytes, referrer, agent;
    bool request_esc, referrer_esc, agent_esc; /* need unescaping */
    int64_t ts;
};

/* A space-separated word that is not empty. */
static bool word(struct ingest__cur *c, struct str *out)
{
    struct ingest__cur t = *c;
    *out = ingest__until(&t, ' ');
    if (out->len == 0)
        return false;
    *c = t;
    return true;
}

/*
 * A "quoted" field after its opening quote. A backslash escapes the next byte,
 * so \" does not close it. When open_ok, a field the line ends inside of is
 * taken up to the end (a truncated last field).
 */
static int quoted(struct ingest__cur *c, bool open_ok, struct str *out, bool *esc, struct diag *d)
{
    size_t open = c->pos, i = c->pos;
    *esc = false;
    while (i < c->s.len && c->s.p[i] != '"') {
        if (c->s.p[i] == '\\' && i + 1 < c->s.len) {
            *esc = true;
            i++;
        }
        i++;
    }
    *out = str_make(c->s.p + open, i - open);
    if (i < c->s.len) {
        c->pos = i + 1;
        return 0;
    }
    if (!open_ok)
        return diag_set(d, E_PARSE, NULL,
                        "column %zu: expected '\"' closing the field opened at column %zu",
                        c->s.len + 1, open);
    c->pos = c->s.len;
    return 0;
}

/* Undo \" and \\; other escapes stay as written. */
static struct str unescape(struct str v, struct arena *a)
{
    char *out = arena_alloc(a, v.len ? v.len : 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] == '\\' && i + 1 < v.len && (v.p[i + 1] == '"' || v.p[i + 1] == '\\'))
            i++;
        out[n++] = v.p[i];
    }
    return str_make(out, n);
}

/* "%v:%p" -> vhost and port; a vhost without a numeric port stays whole. */
static void split_vhost(struct str w, struct access_line *l)
{
    l->vhost = w;
    for (size_t i = w.len; i > 0; i--) {
        if (w.p[i - 1] == ':') {
            uint64_t port;
            struct str p = str_make(w.p + i, w.len - i);
            if (str_to_u64(p, &port) == 0 && port <= 65535) {
                l->vhost = str_make(w.p, i - 1);
                l->port = p;
            }
            return;
        }
    }
}

/* "%h %l %u " or "%v:%p %h %l %u ": the words before '['. */
static int parse_who(struct ingest__cur *c, struct access_line *l, struct diag *d)
{
    struct str w[4];
    size_t n = 0;
    while (ingest__peek(c) != '[') {
        if (n == 4 || !word(c, &w[n]))
            return ingest__expected(d, E_PARSE, ingest__col(c), "'[' opening the time");
        n++;
        if (!ingest__lit(c, ' '))
            return ingest__expected(d, E_PARSE, ingest__col(c), "' '");
    }
    if (n < 3)
        return ingest__expected(d, E_PARSE, ingest__col(c), "client, identity and user before '['");
    if (n == 4)
        split_vhost(w[0], l);
    l->client = w[n - 3];
    l->user = str_eq_c(w[n - 1], "-") ? STR_NULL : w[n - 1];
    return 0;
}

static int parse_time(struct ingest__cur *c, const struct time_opts *t, struct access_line *l,
                      struct diag *d)
{
    size_t col = ingest__col(c) + 1;
    c->pos++; /* '[' */
    struct str ts = ingest__until(c, ']');
    if (!ingest__lit(c, ']'))
        return ingest__expected(d, E_PARSE, ingest__col(c), "']' closing the time");
    int rc = time_parse_apache(ts, t, &l->ts);
    if (rc == E_RANGE)
        return diag_set(d, rc, NULL, "column %zu: time out of range", col);
    if (rc)
        return ingest__expected(d, E_PARSE, col, "a time like 10/Oct/2000:13:55:36 -0700");
    return 0;
}

/* ' "': the space and quote that open a quoted field; both or nothing is consumed. */
static bool open_quote(struct ingest__cur *c)
{
    if (c->pos + 1 >= c->s.len || c->s.p[c->pos] != ' ' || c->s.p[c->pos + 1] != '"')
        return false;
    c->pos += 2;
    return true;
}

/* ' ' and a word; both or nothing is consumed. */
static bool next_word(struct ingest__cur *c, struct str *out)
{
    struct ingest__cur t = *c;
    if (!ingest__lit(&t, ' ') || !word(&t, out))
        return false;
    *c = t;
    return true;
}

/* ' "%r" %>s %b' */
static int parse_response(struct ingest__cur *c, struct access_line *l, struct diag *d)
{
    if (!open_quote(c))
        return ingest__expected(d, E_PARSE, ingest__col(c), "' \"' opening the request");
    int rc = quoted(c, false, &l->request, &l->request_esc, d);
    if (rc)
        return rc;
    uint64_t v;
    size_t col = ingest__col(c);
    if (!next_word(c, &l->status) || l->status.len != 3 || str_to_u64(l->status, &v) != 0)
        return ingest__expected(d, E_PARSE, col, "' ' and a 3-digit status");
    col = ingest__col(c);
    if (!next_word(c, &l->bytes) || (!str_eq_c(l->bytes, "-") && str_to_u64(l->bytes, &v) != 0))
        return ingest__expected(d, E_PARSE, col, "' ' and a byte count or '-'");
    return 0;
}

/* ' "referrer" "agent"', both optional. */
static int parse_combined(struct ingest__cur *c, struct access_line *l, struct diag *d)
{
    if (ingest__eof(c))
        return 0;
    if (!open_quote(c))
        return ingest__expected(d, E_PARSE, ingest__col(c), "' \"' opening the referrer");
    int rc = quoted(c, false, &l->referrer, &l->referrer_esc, d);
    if (rc || ingest__eof(c))
        return rc;
    if (!open_quote(c))
        return ingest__expected(d, E_PARSE, ingest__col(c), "' \"' opening the user agent");
    return quoted(c, true, &l->agent, &l->agent_esc, d);
}

static int parse_line(struct str line, const struct time_opts *t, struct access_line *l,
                      struct diag *d)
{
    struct ingest__cur c = {line, 0};
    memset(l, 0, sizeof(*l));
    int rc = parse_who(&c, l, d);
    if (rc == 0)
        rc = parse_time(&c, t, l, d);
    if (rc == 0)
        rc = parse_response(&c, l, d);
    if (rc == 0)
        rc = parse_combined(&c, l, d);
    return rc;
}

static bool is_ipv4(struct str s)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && (i >= s.len || s.p[i++] != '.'))
            return false;
        size_t start = i;
        unsigned v = 0;
        while (i < s.len && i - start < 3 && s.p[i] >= '0' && s.p[i] <= '9')
            v = v * 10 + (unsigned)(s.p[i++] - '0');
        if (i == start || v > 255)
            return false;
    }
    return i == s.len;
}

/* Hex digits, ':' and '.', with at least two colons: an IPv6 address, not a host name. */
static bool is_ipv6(struct str s)
{
    size_t colons = 0;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.p[i];
        bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
        if (!hex && ch != ':' && ch != '.')
            return false;
        colons += ch == ':';
    }
    return colons >= 2;
}

static bool is_method(struct str m)
{
    if (m.len == 0 || m.len > 20)
        return false;
    for (size_t i = 0; i < m.len; i++)
        if (!((m.p[i] >= 'A' && m.p[i] <= 'Z') || m.p[i] == '-' || m.p[i] == '_'))
            return false;
    return true;
}

/*
 * "METHOD target HTTP/x.y" (or "METHOD target", HTTP/0.9). Anything else - "-",
 * TLS bytes sent to a plain-text port, scanners' junk - is kept as url.original
 * with no method.
 */
static void emit_request(struct ingest__out *o, struct str req)
{
    ptrdiff_t sp = str_index(req, ' ');
    struct str method = sp > 0 ? str_make(req.p, (size_t)sp) : STR_NULL;
    if (!is_method(method)) {
        if (req.len)
            ingest__put_str(o, F_URL_ORIGINAL, req);
        return;
    }
    struct str target = str_make(req.p + sp + 1, req.len - (size_t)sp - 1);
    struct str proto = STR_NULL;
    size_t last = target.len;
    while (last > 0 && target.p[last - 1] != ' ')
        last--;
    if (last > 0 &&
        str_starts_with(str_make(target.p + last, target.len - last), STR_LIT("HTTP/"))) {
        proto = str_make(target.p + last + 5, target.len - last - 5);
        target.len = last - 1;
    }
    ingest__put_str(o, F_HTTP_REQUEST_METHOD, method);
    if (target.len)
        ingest__put_str(o, F_URL_ORIGINAL, target);
    if (proto.len)
        ingest__put_str(o, F_HTTP_VERSION, proto);
    if (target.len == 0 || target.p[0] != '/')
        return; /* path and query only for an origin-form target ("/a?b") */
    struct str path;
    struct str query = str_cut(target, '?', &path);
    ingest__put_str(o, F_URL_PATH, path);
    if (query.len)
        ingest__put_str(o, F_URL_QUERY, query);
}

static void emit_client(struct ingest__out *o, struct str client)
{
    ingest__put_str(o, F_SOURCE_ADDRESS, client);
    if (is_ipv4(client) || is_ipv6(client))
        ingest__put_str(o, F_SOURCE_IP, client);
    else
        ingest__put_str(o, field_intern(STR_LIT("source.domain")), client);
}

static int emit(struct ingest__out *o, const struct access_line *l)
{
    struct arena *a = o->ctx->arena;
    int64_t v;
    if (l->vhost.len)
        ingest__put_str(o, field_intern(STR_LIT("destination.domain")), l->vhost);
    if (l->port.len && str_to_i64(l->port, &v) == 0)
        ingest__put_int(o, F_DESTINATION_PORT, v);
    emit_client(o, l->client);
    if (l->user.len)
        ingest__put_str(o, F_USER_NAME, l->user);
    emit_request(o, l->request_esc ? unescape(l->request, a) : l->request);
    if (str_to_i64(l->status, &v) == 0)
        ingest__put_int(o, F_HTTP_RESPONSE_STATUS_CODE, v);
    if (str_to_i64(l->bytes, &v) == 0)
        ingest__put_int(o, F_HTTP_RESPONSE_BODY_BYTES, v);
    if (l->referrer.len && !str_eq_c(l->referrer, "-"))
        ingest__put_str(o, F_HTTP_REQUEST_REFERRER,
                        l->referrer_esc ? unescape(l->referrer, a) : l->referrer);
    if (l->agent.len && !str_eq_c(l->agent, "-"))
        ingest__put_str(o, F_USER_AGENT_ORIGINAL, l->agent_esc ? unescape(l->agent, a) : l->agent);
    o->ev->ts_ns = l->ts;
    return o->rc;
}

static int apache_decode(struct decoder_ctx *ctx, struct str line, struct event *ev, struct diag *d)
{
    struct access_line l;
    int rc = parse_line(line, &ctx->time, &l, d);
    if (rc)
        return rc;
    struct ingest__out o = {ctx, ev, d, 0};
    return emit(&o, &l);
}

static int apache_probe(const struct str *lines, size_t n)
{
    struct time_opts t = {0};
    size_t seen = 0, hits = 0;
    for (size_t i = 0; i < n; i++) {
        struct access_line l;
        if (str_trim(lines[i]).len == 0)
            continue;
        seen++;
        hits += parse_line(lines[i], &t, &l, NULL) == 0;
    }
    return seen && hits * 10 >= seen * 8 ? 90 : 0;
}

const struct decoder decoder_apache = {
    .name = "apache",
    .description = "Apache/Nginx access logs: common, combined, vhost_combined",
    .probe = apache_probe,
    .decode = apache_decode,
};
