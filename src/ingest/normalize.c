#include "ingest/normalize.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/xmalloc.h"

#include <pthread.h>
#include <stdlib.h>

/* Original name -> ECS name. Where several originals map to one ECS field, the one
 * listed first here wins, wherever it sits in the event (TargetUserName before
 * SubjectUserName, although Windows' EventData lists the subject first). */
static const struct {
    const char *from, *to;
} aliases[] = {
    {"EventID", "event.code"},
    {"winlog.event_id", "event.code"},
    {"Computer", "host.name"},
    {"Hostname", "host.name"},
    {"hostname", "host.name"},
    {"winlog.computer_name", "host.name"},
    {"Channel", "winlog.channel"},
    {"EventRecordID", "winlog.record_id"},
    {"RecordNumber", "winlog.record_id"},
    {"Provider_Name", "event.provider"},
    {"ProviderName", "event.provider"},
    {"SourceName", "event.provider"},
    {"winlog.provider_name", "event.provider"},
    {"CommandLine", "process.command_line"},
    {"ParentCommandLine", "process.parent.command_line"},
    {"Image", "process.executable"},
    {"NewProcessName", "process.executable"},
    {"ParentImage", "process.parent.executable"},
    {"TargetUserName", "user.name"},
    {"SubjectUserName", "user.name"},
    {"User", "user.name"},
    {"user", "user.name"},
    {"username", "user.name"},
    {"TargetDomainName", "user.domain"},
    {"IpAddress", "source.ip"},
    {"IpPort", "source.port"},
    {"SourceIp", "source.ip"},
    {"SourceAddress", "source.ip"},
    {"src_ip", "source.ip"},
    {"SourcePort", "source.port"},
    {"src_port", "source.port"},
    {"DestinationIp", "destination.ip"},
    {"DestAddress", "destination.ip"},
    {"dest_ip", "destination.ip"},
    {"dst_ip", "destination.ip"},
    {"DestinationPort", "destination.port"},
    {"DestPort", "destination.port"},
    {"dest_port", "destination.port"},
    {"dst_port", "destination.port"},
    {"TargetFilename", "file.path"},
    {"TargetObject", "registry.path"},
    {"RuleName", "rule.name"},
    {"level", "log.level"},
    {"Level", "log.level"},
    {"severity", "log.level"},
    {"Message", "message"},
    {"msg", "message"},
};

/* Exporter nestings of Windows event data, stripped to give the bare name. */
static const char *const prefixes[] = {
    "Event.EventData.",   "Event.System.", "Event.UserData.",
    "winlog.event_data.", "EventData.",    "System.",
};

/* Time fields in order of preference. */
static const char *const time_fields[] = {
    "@timestamp",  "timestamp", "time",      "ts",       "_time", "SystemTime",
    "TimeCreated", "UtcTime",   "EventTime", "datetime", "date",  "event.created",
};

/*
 * Per-thread memo by field id: the bare-name id and the ECS id for each
 * field seen, computed on first sight. RESOLVED marks an entry as known.
 */
#define RESOLVED 0x80000000u

struct memo {
    uint32_t bare;    /* RESOLVED | id of the stripped name, or RESOLVED | 0 */
    uint32_t ecs;     /* id of the ECS alias of the bare (or original) name, or 0 */
    int16_t ecs_rank; /* index of that alias in aliases[] */
    int8_t time_rank; /* index in time_fields, or -1 */
};

#define N_ALIASES (sizeof(aliases) / sizeof(aliases[0]))

static _Thread_local struct memo *memo;
static _Thread_local uint32_t memo_cap;

static uint32_t ecs_alias(struct str name, int16_t *rank)
{
    for (size_t i = 0; i < N_ALIASES; i++) {
        if (str_eq_c(name, aliases[i].from)) {
            *rank = (int16_t)i;
            return field_intern(str_c(aliases[i].to));
        }
    }
    *rank = (int16_t)N_ALIASES;
    return F_NONE;
}

static int time_rank(struct str name)
{
    for (size_t i = 0; i < sizeof(time_fields) / sizeof(time_fields[0]); i++)
        if (str_eq_c(name, time_fields[i]))
            return (int)i;
    return -1;
}

/* Frees a thread's memo when the thread exits (the main thread's stays reachable). */
static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_key_init(void)
{
    pthread_key_create(&memo_key, free);
}

static const struct memo *resolve(uint32_t id)
{
    if (id >= memo_cap) {
        uint32_t cap = memo_cap ? memo_cap : 1024;
        while (cap <= id)
            cap *= 2;
        pthread_once(&memo_once, memo_key_init);
        memo = xrealloc(memo, cap * sizeof(*memo));
        pthread_setspecific(memo_key, memo);
        memset(memo + memo_cap, 0, (cap - memo_cap) * sizeof(*memo));
        memo_cap = cap;
    }
    struct memo *m = &memo[id];
    if (m->bare & RESOLVED)
        return m;
    struct str name = field_name(id);
    struct str bare = STR_NULL;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        struct str p = str_c(prefixes[i]);
        if (str_starts_with(name, p)) {
            bare = str_make(name.p + p.len, name.len - p.len);
            break;
        }
    }
    /* "X.#text" is the element text of X; "Provider.#attributes.Name" is Provider_Name. */
    if (bare.len == 0)
        bare = name;
    if (str_ends_with(bare, STR_LIT(".#text")))
        bare.len -= 6;
    else if (str_eq_c(bare, "Provider.#attributes.Name"))
        bare = STR_LIT("Provider_Name");
    else if (str_eq_c(bare, "TimeCreated.#attributes.SystemTime"))
        bare = STR_LIT("SystemTime");
    uint32_t bare_id = str_eq(bare, name) ? F_NONE : field_intern(bare);
    m->bare = RESOLVED | bare_id;
    m->ecs = ecs_alias(bare, &m->ecs_rank);
    m->time_rank = (int8_t)time_rank(bare);
    return m;
}

static int value_time(const struct value *v, const struct time_opts *t, int64_t *ts)
{
    char tmp[32];
    switch (v->type) {
    case VAL_STR:
        return time_parse_any(v->s, t, ts);
    case VAL_INT:
        if (v->i <= 0)
            return E_RANGE;
        return time_parse_any(value_as_str(v, tmp, sizeof(tmp)), t, ts);
    case VAL_FLOAT:
        if (!(v->f > 0 && v->f < 1e19))
            return E_RANGE;
        *ts = v->f < 1e11   ? (int64_t)(v->f * 1e9)
              : v->f < 1e14 ? (int64_t)(v->f * 1e6)
                            : (int64_t)(v->f * 1e3);
        return 0;
    default:
        return E_PARSE;
    }
}

static bool has_field(const struct event *ev, uint32_t id)
{
    return event_get(ev, id) != NULL;
}

/* The field chosen to give one ECS name its value: the best-ranked alias present. */
struct ecs_pick {
    uint32_t ecs, field;
    int16_t rank;
};

void ingest_normalize(struct event *ev, struct arena *a, const struct time_opts *t)
{
    uint32_t n = ev->n_fields; /* derived fields are appended; don't revisit them */
    int best_rank = 1 << 30;
    uint32_t best = UINT32_MAX;
    struct ecs_pick picks[N_ALIASES];
    size_t n_picks = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct event_field f = ev->fields[i];
        const struct memo *m = resolve(f.id);
        uint32_t bare = m->bare & ~RESOLVED;
        if (bare != F_NONE && !has_field(ev, bare))
            event_add(ev, a, bare, f.v)->flags |= EVENT_FIELD_DERIVED;
        if (m->ecs != F_NONE && f.v.type != VAL_NULL) {
            size_t k = 0;
            while (k < n_picks && picks[k].ecs != m->ecs)
                k++;
            if (k == n_picks)
                picks[n_picks++] = (struct ecs_pick){m->ecs, i, m->ecs_rank};
            else if (m->ecs_rank < picks[k].rank)
                picks[k] = (struct ecs_pick){m->ecs, i, m->ecs_rank};
        }
        if (m->time_rank >= 0 && m->time_rank < best_rank) {
            best_rank = m->time_rank;
            best = i;
        }
    }
    /* An ECS field the record carries itself is never overwritten. */
    for (size_t k = 0; k < n_picks; k++)
        if (!has_field(ev, picks[k].ecs))
            event_add(ev, a, picks[k].ecs, ev->fields[picks[k].field].v)->flags |=
                EVENT_FIELD_DERIVED;
    if (ev->ts_ns == 0) {
        int64_t ts;
        if (best == UINT32_MAX) {
            ev->flags |= EVENT_TS_MISSING;
        } else if (value_time(&ev->fields[best].v, t, &ts) == 0) {
            ev->ts_ns = ts;
        } else {
            ev->flags |= EVENT_TS_INVALID;
        }
    }
    if (ev->ts_ns != 0 &&
        (ev->ts_ns < NORMALIZE_TS_MIN || ev->ts_ns > ev->ingest_ns + NORMALIZE_TS_MAX_AHEAD)) {
        ev->flags |= EVENT_TS_INVALID;
        ev->ts_ns = 0;
    }
    if (ev->ts_ns == 0)
        ev->ts_ns = ev->ingest_ns;
}
