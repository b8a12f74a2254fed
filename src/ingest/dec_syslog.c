/*
 * dec_syslog.c - syslog records: RFC 5424 and RFC 3164 (BSD) with the
 * real-world variations rsyslog's parser accepts.
 *
 * A record is parsed in two steps: parse_record() reads the header into
 * slices of the line (struct syslog_hdr) and validates everything, without
 * allocating, so probe() can use it; emit() then turns the slices into
 * fields. The CEF decoder reuses both through ingest__syslog_header().
 *
 * RFC 3164 in practice means: an optional <PRI>; a BSD timestamp
 * ("Mar  6 16:57:54", also with one space before a one-digit day, a year
 * before the time, a fraction, a stray ':' after it, any case of the month)
 * or an RFC 3339 one; a hostname when the next word is made of hostname
 * characters and followed by a space; a tag up to ':' or a space, split into
 * name and [pid]; the rest is the message. Without a PRI a line must start
 * with a timestamp; without a timestamp no hostname is read, so that the
 * first word of a message is not taken for a host.
 */
#include "ingest/ingest_int.h"

/* The names rsyslog prints for %syslogfacility-text% and %syslogseverity-text%. */
static const char *const facility_names[24] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
    "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7",
};
static const char *const severity_names[8] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

#define SD_NAME_MAX 64 /* RFC 5424 says 32; some senders exceed it */
#define SD_PREFIX   "log.syslog.structured_data."

/* Everything the header says, as slices of the line; empty slices are absent. */
struct syslog_hdr {
    int pri;            /* -1 when the record has none */
    struct str version; /* RFC 5424 only */
    bool has_ts;
    int64_t ts;
    struct str host;
    struct str app; /* APP-NAME, or the tag before [pid] */
    struct str procid;
    struct str msgid;
    size_t sd_pos; /* RFC 5424 structured data, re-walked by emit() */
    size_t sd_len;
    bool tag_colon; /* the RFC 3164 tag ended with ':' */
    struct str msg;
};

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Consume between min and max digits; nothing is consumed on failure. */
static bool take_digits(struct ingest__cur *c, size_t min, size_t max)
{
    size_t n = 0;
    while (n < max && c->pos + n < c->s.len && is_digit(c->s.p[c->pos + n]))
        n++;
    if (n < min)
        return false;
    c->pos += n;
    return true;
}

/* "<PRI>": returns 1 when present (*pri set), 0 when the line has none, or an error. */
static int parse_pri(struct ingest__cur *c, int *pri, struct diag *d)
{
    if (ingest__peek(c) != '<')
        return 0;
    struct ingest__cur t = *c;
    t.pos++;
    size_t start = t.pos;
    if (!take_digits(&t, 1, 3))
        return ingest__expected(d, E_PARSE, ingest__col(&t), "1 to 3 digits of PRI");
    int v = 0;
    for (size_t i = start; i < t.pos; i++)
        v = v * 10 + (t.s.p[i] - '0');
    if (!ingest__lit(&t, '>'))
        return ingest__expected(d, E_PARSE, ingest__col(&t), "'>' closing PRI");
    if (v > 191)
        return ingest__expected(d, E_PARSE, start + 1, "a PRI of 0..191");
    *pri = v;
    *c = t;
    return 1;
}

/* "Mmm dd [yyyy ]hh:mm:ss[.frac]": advances over the shape; *mdy when a year sits in it. */
static bool bsd_time_shape(struct ingest__cur *c, bool *mdy)
{
    struct ingest__cur t = *c;
    for (int i = 0; i < 3; i++, t.pos++)
        if (!is_alpha(ingest__peek(&t)))
            return false;
    if (!ingest__lit(&t, ' '))
        return false;
    ingest__lit(&t, ' '); /* "Mar  6" */
    if (!take_digits(&t, 1, 2) || !ingest__lit(&t, ' '))
        return false;
    struct ingest__cur y = t;
    *mdy = take_digits(&y, 4, 4) && ingest__lit(&y, ' ');
    if (*mdy)
        t = y;
    if (!take_digits(&t, 2, 2) || !ingest__lit(&t, ':') || !take_digits(&t, 2, 2) ||
        !ingest__lit(&t, ':') || !take_digits(&t, 2, 2))
        return false;
    struct ingest__cur f = t;
    if (ingest__lit(&f, '.') && take_digits(&f, 1, 64))
        t = f;
    *c = t;
    return true;
}

/* An RFC 3339 word ("2010-08-30T23:00:05Z"); a ':' glued to its end is left for the caller. */
static bool iso_time_shape(struct ingest__cur *c)
{
    struct ingest__cur t = *c;
    struct str w = ingest__until(&t, ' ');
    if (w.len > 0 && w.p[w.len - 1] == ':') {
        /* No RFC 3339 time ends in ':'; this is the stray colon rsyslog tolerates. */
        t.pos--;
        w.len--;
    }
    if (w.len < 19 || !is_digit(w.p[0]) || w.p[4] != '-' || w.p[7] != '-' ||
        (w.p[10] != 'T' && w.p[10] != 't'))
        return false;
    *c = t;
    return true;
}

/*
 * The RFC 3164 timestamp at the cursor, followed by a space, the end, or a
 * stray ':' (then a space or the end). Returns 0 with the cursor past the
 * separator, E_PARSE when there is no timestamp here, or E_RANGE when one
 * has the right shape and an impossible value.
 */
static int parse_3164_time(struct ingest__cur *c, const struct time_opts *t, int64_t *ts)
{
    struct ingest__cur k = *c;
    bool mdy = false;
    if (!bsd_time_shape(&k, &mdy) && !iso_time_shape(&k))
        return E_PARSE;
    struct str s = str_make(c->s.p + c->pos, k.pos - c->pos);
    int rc;
    if (is_digit(s.p[0]))
        rc = time_parse_rfc3339(s, t, ts);
    else if (mdy)
        rc = ingest__time_mdy(s, t, ts);
    else
        rc = time_parse_syslog(s, t, ts);
    if (rc)
        return rc;
    ingest__lit(&k, ':');
    if (!ingest__eof(&k) && !ingest__lit(&k, ' '))
        return E_PARSE;
    *c = k;
    return 0;
}

static bool is_host_char(char ch)
{
    return is_alpha(ch) || is_digit(ch) || ch == '.' || ch == '-' || ch == '_' || ch == ':';
}

/*
 * A hostname is a word of hostname characters followed by a space or the
 * end. "su:" is a tag, not a host, and "sshd[12]:" stops at '[' so it is
 * not one either.
 */
static void parse_3164_host(struct ingest__cur *c, struct syslog_hdr *h)
{
    size_t i = c->pos;
    while (i < c->s.len && is_host_char(c->s.p[i]))
        i++;
    if (i == c->pos || (i < c->s.len && c->s.p[i] != ' ') || c->s.p[i - 1] == ':')
        return;
    h->host = str_make(c->s.p + c->pos, i - c->pos);
    c->pos = i < c->s.len ? i + 1 : i;
}

/* The tag runs to ':' or a space; "name[pid]" is split. */
static void parse_3164_tag(struct ingest__cur *c, struct syslog_hdr *h)
{
    size_t start = c->pos;
    while (!ingest__eof(c) && ingest__peek(c) != ':' && ingest__peek(c) != ' ')
        c->pos++;
    struct str tag = str_make(c->s.p + start, c->pos - start);
    h->tag_colon = ingest__lit(c, ':');
    h->app = tag;
    ptrdiff_t lb = str_index(tag, '[');
    if (lb > 0 && tag.p[tag.len - 1] == ']') {
        h->app = str_make(tag.p, (size_t)lb);
        h->procid = str_make(tag.p + lb + 1, tag.len - (size_t)lb - 2);
    }
}

static int parse_3164(struct ingest__cur *c, const struct time_opts *t, struct syslog_hdr *h,
                      struct diag *d)
{
    while (ingest__lit(c, ' ')) /* "<38> Mar  7 ..." */
        ;
    size_t col = ingest__col(c);
    int rc = parse_3164_time(c, t, &h->ts);
    if (rc == E_RANGE)
        return diag_set(d, rc, NULL, "column %zu: timestamp out of range", col);
    if (rc == 0) {
        h->has_ts = true;
        parse_3164_host(c, h);
    } else if (h->pri < 0) {
        return ingest__expected(d, E_PARSE, col, "'<PRI>' or a timestamp");
    }
    parse_3164_tag(c, h);
    h->msg = ingest__rest(c);
    if (h->msg.len && h->msg.p[0] == ' ') {
        h->msg.p++;
        h->msg.len--;
    }
    return 0;
}

/* A printable US-ASCII name (SD-ID, PARAM-NAME): no '=', ' ', ']' or '"'. */
static int sd_name(struct ingest__cur *c, const char *what, struct str *out, struct diag *d)
{
    size_t start = c->pos;
    while (!ingest__eof(c)) {
        char ch = ingest__peek(c);
        if (ch <= ' ' || ch > '~' || ch == '=' || ch == ']' || ch == '"')
            break;
        c->pos++;
    }
    size_t n = c->pos - start;
    if (n == 0 || n > SD_NAME_MAX) {
        c->pos = start;
        return diag_set(d, n ? E_TOOBIG : E_PARSE, NULL,
                        "column %zu: expected %s of 1 to %d characters", start + 1, what,
                        SD_NAME_MAX);
    }
    *out = str_make(c->s.p + start, n);
    return 0;
}

/* Copy v without the backslashes of \" \\ and \]. */
static struct str sd_unescape(struct str v, struct arena *a)
{
    char *out = arena_alloc(a, v.len ? v.len : 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] == '\\' && i + 1 < v.len &&
            (v.p[i + 1] == '"' || v.p[i + 1] == '\\' || v.p[i + 1] == ']'))
            i++;
        out[n++] = v.p[i];
    }
    return str_make(out, n);
}

/* PARAM-VALUE after its opening quote; *escaped says whether sd_unescape is needed. */
static int sd_value(struct ingest__cur *c, struct str *out, bool *escaped, struct diag *d)
{
    size_t open = c->pos, i = c->pos;
    *escaped = false;
    while (i < c->s.len && c->s.p[i] != '"') {
        char next = i + 1 < c->s.len ? c->s.p[i + 1] : '\0';
        if (c->s.p[i] == '\\' && (next == '"' || next == '\\' || next == ']')) {
            *escaped = true;
            i++;
        }
        i++;
    }
    if (i >= c->s.len)
        return diag_set(d, E_PARSE, NULL,
                        "column %zu: expected '\"' closing the PARAM-VALUE opened at column %zu",
                        c->s.len + 1, open);
    *out = str_make(c->s.p + open, i - open);
    c->pos = i + 1;
    return 0;
}

static uint32_t sd_field_id(struct str id, struct str name)
{
    char buf[sizeof(SD_PREFIX) + 2 * SD_NAME_MAX + 1];
    size_t n = sizeof(SD_PREFIX) - 1;
    memcpy(buf, SD_PREFIX, n);
    memcpy(buf + n, id.p, id.len);
    n += id.len;
    buf[n++] = '.';
    memcpy(buf + n, name.p, name.len);
    return field_intern(str_make(buf, n + name.len));
}

/* One "[SD-ID PARAM="VALUE" ...]" after its '['. Adds fields when o is non-NULL. */
static int sd_element(struct ingest__cur *c, struct ingest__out *o, struct diag *d)
{
    struct str id, name, value;
    bool escaped;
    int rc = sd_name(c, "an SD-ID", &id, d);
    while (rc == 0 && !ingest__lit(c, ']')) {
        if (!ingest__lit(c, ' '))
            return ingest__expected(d, E_PARSE, ingest__col(c), "' ' or ']'");
        if (ingest__peek(c) == ' ' || ingest__peek(c) == ']')
            continue; /* extra spaces between parameters */
        if ((rc = sd_name(c, "a PARAM-NAME", &name, d)) != 0)
            return rc;
        if (!ingest__lit(c, '='))
            return ingest__expected(d, E_PARSE, ingest__col(c), "'=' after PARAM-NAME");
        while (ingest__lit(c, ' ')) /* `name= "v"`, in rsyslog's test of RFC 5424's example */
            ;
        if (!ingest__lit(c, '"'))
            return ingest__expected(d, E_PARSE, ingest__col(c), "'\"' opening PARAM-VALUE");
        if ((rc = sd_value(c, &value, &escaped, d)) != 0)
            return rc;
        if (o != NULL) {
            if (escaped)
                value = sd_unescape(value, o->ctx->arena);
            ingest__put_str(o, sd_field_id(id, name), value);
            if (o->rc)
                return o->rc;
        }
    }
    return rc;
}

/* STRUCTURED-DATA: '-' or one or more elements. */
static int parse_sd(struct ingest__cur *c, struct ingest__out *o, struct diag *d)
{
    if (ingest__lit(c, '-'))
        return 0;
    if (ingest__peek(c) != '[')
        return ingest__expected(d, E_PARSE, ingest__col(c), "structured data ('[') or '-'");
    while (ingest__lit(c, '[')) {
        int rc = sd_element(c, o, d);
        if (rc)
            return rc;
    }
    return 0;
}

/* A header word followed by one space; "-" (NILVALUE) gives an empty slice. */
static int header_word(struct ingest__cur *c, const char *what, struct str *out, struct diag *d)
{
    struct ingest__cur t = *c;
    struct str w = ingest__until(&t, ' ');
    if (w.len == 0)
        return ingest__expected(d, E_PARSE, ingest__col(c), what);
    if (!ingest__lit(&t, ' '))
        return diag_set(d, E_PARSE, NULL, "column %zu: expected ' ' after %s", ingest__col(&t),
                        what);
    *out = str_eq_c(w, "-") ? STR_NULL : w;
    *c = t;
    return 0;
}

/* "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]", the version already read. */
static int parse_5424(struct ingest__cur *c, const struct time_opts *t, struct syslog_hdr *h,
                      struct diag *d)
{
    struct str ts;
    size_t ts_col = ingest__col(c);
    int rc = header_word(c, "TIMESTAMP", &ts, d);
    if (rc == 0)
        rc = header_word(c, "HOSTNAME", &h->host, d);
    if (rc == 0)
        rc = header_word(c, "APP-NAME", &h->app, d);
    if (rc == 0)
        rc = header_word(c, "PROCID", &h->procid, d);
    if (rc == 0)
        rc = header_word(c, "MSGID", &h->msgid, d);
    if (rc)
        return rc;
    h->sd_pos = c->pos;
    if ((rc = parse_sd(c, NULL, d)) != 0)
        return rc;
    h->sd_len = c->pos - h->sd_pos;
    if (!ingest__eof(c) && !ingest__lit(c, ' '))
        return ingest__expected(d, E_PARSE, ingest__col(c), "' ' before MSG");
    h->msg = ingest__rest(c);
    if (str_starts_with(h->msg, STR_LIT("\xEF\xBB\xBF"))) {
        h->msg.p += 3;
        h->msg.len -= 3;
    }
    if (ts.len) {
        rc = time_parse_rfc3339(ts, t, &h->ts);
        if (rc == E_RANGE)
            return diag_set(d, rc, NULL, "column %zu: timestamp out of range", ts_col);
        if (rc)
            return ingest__expected(d, E_PARSE, ts_col, "an RFC 3339 timestamp or '-'");
        h->has_ts = true;
    }
    return 0;
}

/*
 * RFC 5424 when PRI is followed by a version, a space and something that can
 * start a timestamp ('-' or a digit); anything else is read as RFC 3164, so
 * "<13>1 apple" stays a BSD message, as rsyslog's parser chain would have it.
 */
static bool is_5424(struct ingest__cur *c, struct syslog_hdr *h)
{
    struct ingest__cur t = *c;
    size_t start = t.pos;
    if (h->pri < 0 || ingest__peek(&t) == '0' || !take_digits(&t, 1, 2))
        return false;
    struct str v = str_make(t.s.p + start, t.pos - start);
    if (!ingest__lit(&t, ' ') || !(ingest__peek(&t) == '-' || is_digit(ingest__peek(&t))))
        return false;
    h->version = v;
    *c = t;
    return true;
}

static int parse_record(struct str line, const struct time_opts *t, struct syslog_hdr *h,
                        struct diag *d)
{
    struct ingest__cur c = {line, 0};
    memset(h, 0, sizeof(*h));
    h->pri = -1;
    int rc = parse_pri(&c, &h->pri, d);
    if (rc < 0)
        return rc;
    if (is_5424(&c, h))
        return parse_5424(&c, t, h, d);
    return parse_3164(&c, t, h, d);
}

static void emit_pri(struct ingest__out *o, int pri)
{
    int fac = pri >> 3, sev = pri & 7;
    ingest__put_int(o, F_SYSLOG_PRIORITY, pri);
    ingest__put_int(o, F_SYSLOG_FACILITY_CODE, fac);
    ingest__put_str(o, F_SYSLOG_FACILITY_NAME, str_c(facility_names[fac]));
    ingest__put_int(o, F_SYSLOG_SEVERITY_CODE, sev);
    ingest__put_str(o, F_SYSLOG_SEVERITY_NAME, str_c(severity_names[sev]));
}

static int emit(struct ingest__out *o, struct str line, const struct syslog_hdr *h)
{
    if (h->pri >= 0)
        emit_pri(o, h->pri);
    if (h->version.len)
        ingest__put_str(o, F_SYSLOG_VERSION, h->version);
    if (h->host.len) {
        ingest__put_str(o, F_HOST_HOSTNAME, h->host);
        ingest__put_str(o, F_HOST_NAME, h->host);
    }
    if (h->app.len) {
        ingest__put_str(o, F_SYSLOG_APPNAME, h->app);
        ingest__put_str(o, F_PROCESS_NAME, h->app);
    }
    int64_t pid;
    if (h->procid.len) {
        ingest__put_str(o, F_SYSLOG_PROCID, h->procid);
        if (str_to_i64(h->procid, &pid) == 0 && pid >= 0)
            ingest__put_int(o, F_PROCESS_PID, pid);
    }
    if (h->msgid.len)
        ingest__put_str(o, F_SYSLOG_MSGID, h->msgid);
    if (h->sd_len && o->rc == 0) {
        struct ingest__cur c = {str_make(line.p, h->sd_pos + h->sd_len), h->sd_pos};
        parse_sd(&c, o, o->d);
    }
    if (h->has_ts)
        o->ev->ts_ns = h->ts;
    return o->rc;
}

int ingest__syslog_header(struct decoder_ctx *ctx, struct str line, struct event *ev,
                          struct diag *d, struct str *msg)
{
    struct syslog_hdr h;
    int rc = parse_record(line, &ctx->time, &h, d);
    if (rc)
        return rc;
    struct ingest__out o = {ctx, ev, d, 0};
    *msg = h.msg;
    return emit(&o, line, &h);
}

int ingest__time_mdy(struct str s, const struct time_opts *opts, int64_t *out)
{
    /* "Mmm d[d] yyyy rest" -> "yyyy Mmm d[d] rest", the form time_parse_syslog reads. */
    char buf[96];
    struct ingest__cur c = {s, 3};
    if (s.len >= sizeof(buf) - 1 || !ingest__lit(&c, ' '))
        return E_PARSE;
    ingest__lit(&c, ' ');
    if (!take_digits(&c, 1, 2))
        return E_PARSE;
    size_t md_len = c.pos, year = c.pos + 1;
    if (!ingest__lit(&c, ' ') || !take_digits(&c, 4, 4) || !ingest__lit(&c, ' '))
        return E_PARSE;
    memcpy(buf, s.p + year, 4);
    buf[4] = ' ';
    memcpy(buf + 5, s.p, md_len);
    memcpy(buf + 5 + md_len, s.p + year + 4, s.len - year - 4);
    return time_parse_syslog(str_make(buf, s.len), opts, out);
}

/* A fixed "now" for probing: only whether a line parses matters, not its year. */
#define PROBE_REF_NS (1577836800LL * 1000000000LL) /* 2020-01-01 */

/* "CEF:<digit>" anywhere: the CEF decoder's line, even when our tag parser took "CEF:" for a tag.
 */
static bool carries_cef(struct str line)
{
    for (size_t i = 0; i + 4 < line.len; i++)
        if (memcmp(line.p + i, "CEF:", 4) == 0 && is_digit(line.p[i + 4]))
            return true;
    return false;
}

/*
 * A line counts when it parses and is not CEF (the CEF decoder claims those).
 * Lines without PRI count only when they also have a host and a tag ending in
 * ':', the shape of /var/log/syslog; an application log that merely starts
 * with a timestamp is left to other decoders.
 */
static int syslog_probe(const struct str *lines, size_t n)
{
    struct time_opts t = {.ref_ns = PROBE_REF_NS};
    size_t seen = 0, hits = 0, with_pri = 0;
    for (size_t i = 0; i < n; i++) {
        struct syslog_hdr h;
        if (str_trim(lines[i]).len == 0)
            continue;
        seen++;
        if (parse_record(lines[i], &t, &h, NULL) != 0 || carries_cef(lines[i]))
            continue;
        if (h.pri < 0 && !(h.has_ts && h.host.len && h.tag_colon))
            continue;
        hits++;
        with_pri += h.pri >= 0;
    }
    if (seen == 0 || hits * 10 < seen * 8)
        return 0;
    return with_pri * 2 >= hits ? 90 : 75;
}

static int syslog_decode(struct decoder_ctx *ctx, struct str line, struct event *ev, struct diag *d)
{
    struct str msg;
    int rc = ingest__syslog_header(ctx, line, ev, d, &msg);
    if (rc == 0 && msg.len)
        rc = ingest__add_str(ctx, ev, F_MESSAGE, msg, d);
    return rc;
}

const struct decoder decoder_syslog = {
    .name = "syslog",
    .description = "syslog: RFC 5424 and RFC 3164 (BSD), with or without <PRI>",
    .probe = syslog_probe,
    .decode = syslog_decode,
};
