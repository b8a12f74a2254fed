/*
 * openai.c - the OpenAI-compatible chat completions provider over libcurl.
 *
 * One call is one or more HTTP attempts (POST {base}/v1/chat/completions).
 * Streaming replies arrive as Server-Sent Events whose data are JSON chunks:
 * delta.content is passed to the token callback as it comes, delta.tool_calls
 * are accumulated by index, the last chunks carry finish_reason and usage.
 * A server that answers a streaming request with one JSON body is handled by
 * the same code as a non-streaming request.
 *
 * Retries: 429, 5xx and connection failures are retried up to max_retries
 * times with exponential backoff plus jitter, or after the server's
 * Retry-After (seconds) when it sends one; never once reply text has reached
 * the token callback, because the caller would see it twice.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "base/xmalloc.h"
#include "llm/llm.h"
#include "llm/sse.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    MAX_TOOL_CALLS = 32,    /* tool calls in one reply; more is E_TOOBIG */
    MAX_SSE_LINE = 1 << 20, /* one SSE line (one JSON chunk) */
    ERROR_EXCERPT = 300,    /* bytes of an error body quoted in the diag */
};

struct openai {
    struct llm_provider base;
    char *url;
    char *auth; /* "Authorization: Bearer ..." or NULL */
    char *model;
    struct llm_openai_config cfg;
};

struct tool_acc {
    struct buf id, name, args;
};

/* The state of one HTTP attempt. */
struct xfer {
    const struct llm_request *r;
    const struct openai *o;
    CURL *curl;
    bool stream;  /* the body is being parsed as SSE */
    bool decided; /* stream/raw chosen from the response headers */
    struct sse_parser sse;
    struct buf raw; /* a JSON body: the reply without streaming, or an error */
    struct buf text;
    struct tool_acc calls[MAX_TOOL_CALLS];
    size_t n_calls;
    enum llm_finish finish;
    struct llm_usage usage;
    bool done; /* saw data: [DONE] */
    size_t received;
    size_t n_pieces; /* text pieces given to the token callback */
    int64_t t0, ttft;
    int64_t retry_after_ns; /* -1: none */
    int err;                /* why a callback aborted the transfer */
    char msg[256];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int xfer_fail(struct xfer *x, int code, const char *msg)
{
    if (x->err == 0) {
        x->err = code;
        snprintf(x->msg, sizeof(x->msg), "%s", msg);
    }
    return code;
}

/* ---- reply chunks ------------------------------------------------------ */

static enum llm_finish finish_from(const char *s)
{
    if (strcmp(s, "stop") == 0)
        return LLM_FINISH_STOP;
    if (strcmp(s, "length") == 0)
        return LLM_FINISH_LENGTH;
    if (strcmp(s, "tool_calls") == 0 || strcmp(s, "function_call") == 0)
        return LLM_FINISH_TOOL_CALLS;
    if (strcmp(s, "content_filter") == 0)
        return LLM_FINISH_CONTENT_FILTER;
    return LLM_FINISH_OTHER;
}

static uint32_t json_u32(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0)
        return 0;
    return v->valuedouble > 4294967295.0 ? UINT32_MAX : (uint32_t)v->valuedouble;
}

static int add_text(struct xfer *x, const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return 0;
    if (buf_append(&x->text, s, n) != 0)
        return xfer_fail(x, E_TOOBIG, "reply text exceeds max_response_bytes");
    if (x->ttft == 0)
        x->ttft = clock_mono_ns() - x->t0;
    x->n_pieces++;
    if (x->r->on_token != NULL && x->r->on_token(x->r->ctx, str_make(s, n)) != 0)
        return xfer_fail(x, E_CANCELLED, "cancelled by the token callback");
    return 0;
}

static int add_tool_call(struct xfer *x, const cJSON *tc, size_t pos)
{
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(tc, "index");
    size_t i = pos;
    if (cJSON_IsNumber(idx)) {
        if (idx->valuedouble < 0 || idx->valuedouble >= MAX_TOOL_CALLS)
            return xfer_fail(x, E_TOOBIG, "tool call index out of range");
        i = (size_t)idx->valuedouble;
    }
    if (i >= MAX_TOOL_CALLS)
        return xfer_fail(x, E_TOOBIG, "too many tool calls in one reply");
    size_t cap = x->o->cfg.max_response_bytes;
    for (; x->n_calls <= i; x->n_calls++) {
        buf_init(&x->calls[x->n_calls].id, cap);
        buf_init(&x->calls[x->n_calls].name, cap);
        buf_init(&x->calls[x->n_calls].args, cap);
    }
    struct tool_acc *acc = &x->calls[i];
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(tc, "id");
    const cJSON *fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(fn, "name");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
    if (cJSON_IsString(id) && id->valuestring[0] != '\0') {
        buf_reset(&acc->id);
        buf_append_c(&acc->id, id->valuestring);
    }
    if (cJSON_IsString(name))
        buf_append_c(&acc->name, name->valuestring);
    if (cJSON_IsString(args))
        buf_append_c(&acc->args, args->valuestring);
    if (acc->id.err != 0 || acc->name.err != 0 || acc->args.err != 0)
        return xfer_fail(x, E_TOOBIG, "tool call exceeds max_response_bytes");
    return 0;
}

static void take_usage(struct xfer *x, const cJSON *u)
{
    if (!cJSON_IsObject(u))
        return;
    x->usage.prompt_tokens = json_u32(u, "prompt_tokens");
    x->usage.completion_tokens = json_u32(u, "completion_tokens");
    const cJSON *det = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");
    if (cJSON_IsObject(det))
        x->usage.cached_tokens = json_u32(det, "cached_tokens");
}

/* One chat.completion (delta == false) or chat.completion.chunk (delta == true). */
static int apply_chunk(struct xfer *x, const cJSON *root, bool delta)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (e != NULL) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        char msg[200];
        snprintf(msg, sizeof(msg), "server error in reply: %s",
                 cJSON_IsString(m) ? m->valuestring : "(no message)");
        return xfer_fail(x, E_IO, msg);
    }
    take_usage(x, cJSON_GetObjectItemCaseSensitive(root, "usage"));
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
    const cJSON *choice = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
    if (choice == NULL) {
        if (!delta)
            return xfer_fail(x, E_PARSE, "reply has no choices");
        return 0; /* the usage-only chunk at the end of a stream */
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(choice, delta ? "delta" : "message");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
    if (cJSON_IsString(content) && add_text(x, content->valuestring) != 0)
        return x->err;
    const cJSON *tcs = cJSON_GetObjectItemCaseSensitive(m, "tool_calls");
    size_t pos = 0;
    const cJSON *tc;
    cJSON_ArrayForEach(tc, tcs)
    {
        if (add_tool_call(x, tc, pos++) != 0)
            return x->err;
    }
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(choice, "finish_reason");
    if (cJSON_IsString(fr))
        x->finish = finish_from(fr->valuestring);
    return 0;
}

static int on_event(void *ctx, const struct sse_event *ev)
{
    struct xfer *x = ctx;
    if (str_eq_c(ev->data, "[DONE]")) {
        x->done = true;
        return 0;
    }
    if (x->done)
        return 0;
    cJSON *root = cJSON_ParseWithLength(ev->data.p, ev->data.len);
    if (root == NULL)
        return xfer_fail(x, E_PARSE, "stream chunk is not JSON");
    int rc = apply_chunk(x, root, true);
    cJSON_Delete(root);
    return rc;
}

/* ---- libcurl callbacks ---------------------------------------------------- */

static void decide_mode(struct xfer *x)
{
    long status = 0;
    char *ctype = NULL;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->curl, CURLINFO_CONTENT_TYPE, &ctype);
    x->stream = status == 200 && ctype != NULL &&
                str_eq_nocase(str_make(ctype, strnlen(ctype, 17)), STR_LIT("text/event-stream"));
    x->decided = true;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->decided)
        decide_mode(x);
    x->received += n;
    if (x->received > x->o->cfg.max_response_bytes) {
        xfer_fail(x, E_TOOBIG, "reply exceeds max_response_bytes");
        return 0;
    }
    if (x->stream) {
        int rc = sse_feed(&x->sse, ptr, n);
        if (rc != 0) {
            xfer_fail(x, rc == E_TOOBIG ? E_TOOBIG : rc, "stream framing exceeds a limit");
            return 0;
        }
        return n;
    }
    if (buf_append(&x->raw, ptr, n) != 0) {
        xfer_fail(x, E_TOOBIG, "reply exceeds max_response_bytes");
        return 0;
    }
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    struct str line = str_make(ptr, n), name;
    struct str value = str_cut(line, ':', &name);
    if (value.p != NULL && str_eq_nocase(str_trim(name), STR_LIT("retry-after"))) {
        int64_t secs;
        if (str_to_i64(str_trim(value), &secs) == 0 && secs >= 0)
            x->retry_after_ns = secs > INT64_MAX / NS_PER_SEC ? INT64_MAX : secs * NS_PER_SEC;
    }
    return n;
}

/* ---- request body ----------------------------------------------------------- */

static cJSON *json_string(struct str s)
{
    char *tmp = xmalloc(s.len + 1);
    if (s.len > 0)
        memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    cJSON *item = cJSON_CreateString(tmp);
    free(tmp);
    return item;
}

/* Parse caller-supplied JSON text (a schema); NULL with a diag when it is not JSON. */
static cJSON *json_parse_arg(struct str s, const char *what, struct diag *d)
{
    cJSON *item = s.len > 0 ? cJSON_ParseWithLength(s.p, s.len) : NULL;
    if (item == NULL)
        diag_set(d, E_INVAL, what, "not valid JSON text");
    return item;
}

static cJSON *build_msg(const struct llm_msg *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "role", llm_role_name(m->role));
    if (m->content.len == 0 && m->n_tool_calls > 0)
        cJSON_AddNullToObject(o, "content");
    else
        cJSON_AddItemToObject(o, "content", json_string(m->content));
    if (m->role == LLM_ROLE_TOOL)
        cJSON_AddItemToObject(o, "tool_call_id", json_string(m->tool_call_id));
    if (m->n_tool_calls > 0) {
        cJSON *arr = cJSON_AddArrayToObject(o, "tool_calls");
        for (size_t i = 0; i < m->n_tool_calls; i++) {
            const struct llm_tool_call *tc = &m->tool_calls[i];
            cJSON *c = cJSON_CreateObject(), *fn = cJSON_CreateObject();
            cJSON_AddItemToObject(c, "id", json_string(tc->id));
            cJSON_AddStringToObject(c, "type", "function");
            cJSON_AddItemToObject(fn, "name", json_string(tc->name));
            cJSON_AddItemToObject(fn, "arguments", json_string(tc->arguments));
            cJSON_AddItemToObject(c, "function", fn);
            cJSON_AddItemToArray(arr, c);
        }
    }
    return o;
}

static int add_tools(cJSON *root, const struct llm_request *r, struct diag *d)
{
    if (r->n_tools == 0)
        return 0;
    cJSON *arr = cJSON_AddArrayToObject(root, "tools");
    for (size_t i = 0; i < r->n_tools; i++) {
        const struct llm_tool *t = &r->tools[i];
        cJSON *params = json_parse_arg(t->parameters, "tool parameters", d);
        if (params == NULL)
            return E_INVAL;
        cJSON *c = cJSON_CreateObject(), *fn = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", "function");
        cJSON_AddItemToObject(fn, "name", json_string(t->name));
        cJSON_AddItemToObject(fn, "description", json_string(t->description));
        cJSON_AddItemToObject(fn, "parameters", params);
        cJSON_AddItemToObject(c, "function", fn);
        cJSON_AddItemToArray(arr, c);
    }
    cJSON_AddStringToObject(root, "tool_choice", "auto");
    return 0;
}

static int add_schema(cJSON *root, const struct llm_request *r, struct diag *d)
{
    if (r->response_schema.len == 0)
        return 0;
    cJSON *schema = json_parse_arg(r->response_schema, "response schema", d);
    if (schema == NULL)
        return E_INVAL;
    cJSON *rf = cJSON_AddObjectToObject(root, "response_format");
    cJSON_AddStringToObject(rf, "type", "json_schema");
    cJSON *js = cJSON_AddObjectToObject(rf, "json_schema");
    struct str name = r->response_schema_name.len > 0 ? r->response_schema_name : STR_LIT("reply");
    cJSON_AddItemToObject(js, "name", json_string(name));
    cJSON_AddItemToObject(js, "schema", schema);
    cJSON_AddTrueToObject(js, "strict");
    return 0;
}

/* The JSON body of the request, to free() with cJSON_free(); NULL with a diag. */
static char *build_body(const struct openai *o, const struct llm_request *r, struct diag *d)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", o->model);
    cJSON *msgs = cJSON_AddArrayToObject(root, "messages");
    for (size_t i = 0; i < r->n_msgs; i++)
        cJSON_AddItemToArray(msgs, build_msg(&r->msgs[i]));
    char *body = NULL;
    if (add_tools(root, r, d) != 0 || add_schema(root, r, d) != 0)
        goto out;
    if (r->max_tokens > 0)
        cJSON_AddNumberToObject(root, "max_tokens", r->max_tokens);
    if (r->temperature >= 0)
        cJSON_AddNumberToObject(root, "temperature", (double)r->temperature);
    if (r->has_seed) {
        /* As raw text: a double would round seeds above 2^53. */
        char seed[24];
        snprintf(seed, sizeof(seed), "%" PRIu64, r->seed);
        cJSON_AddRawToObject(root, "seed", seed);
    }
    if (!r->no_stream) {
        cJSON_AddTrueToObject(root, "stream");
        cJSON_AddTrueToObject(cJSON_AddObjectToObject(root, "stream_options"), "include_usage");
    }
    body = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return body;
}

/* ---- one attempt --------------------------------------------------------------- */

static void xfer_init(struct xfer *x, const struct openai *o, const struct llm_request *r,
                      int64_t t0)
{
    memset(x, 0, sizeof(*x));
    x->o = o;
    x->r = r;
    x->t0 = t0;
    x->retry_after_ns = -1;
    size_t cap = o->cfg.max_response_bytes;
    sse_init(&x->sse, cap < MAX_SSE_LINE ? cap : MAX_SSE_LINE, cap, on_event, x);
    buf_init(&x->raw, cap);
    buf_init(&x->text, cap);
}

static void xfer_fini(struct xfer *x)
{
    sse_fini(&x->sse);
    buf_fini(&x->raw);
    buf_fini(&x->text);
    for (size_t i = 0; i < x->n_calls; i++) {
        buf_fini(&x->calls[i].id);
        buf_fini(&x->calls[i].name);
        buf_fini(&x->calls[i].args);
    }
}

static CURLcode perform(struct xfer *x, const char *body, int64_t timeout_ns, long *status)
{
    const struct openai *o = x->o;
    CURL *c = curl_easy_init();
    if (c == NULL)
        return CURLE_FAILED_INIT;
    x->curl = c;
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: text/event-stream, application/json");
    h = curl_slist_append(h, "Expect:");
    if (o->auth != NULL)
        h = curl_slist_append(h, o->auth);
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_ns / NS_PER_MS));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->cfg.connect_timeout_ns / NS_PER_MS));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    x->curl = NULL;
    return rc;
}

static bool is_connection_error(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
           rc == CURLE_PARTIAL_FILE;
}

/* Quote the server's error message, or the start of its body. */
static void error_excerpt(const struct xfer *x, char *out, size_t cap)
{
    cJSON *root = cJSON_ParseWithLength(x->raw.p != NULL ? x->raw.p : "", x->raw.len);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message") : e;
    if (cJSON_IsString(m))
        snprintf(out, cap, "%s", m->valuestring);
    else
        snprintf(out, cap, "%.*s", (int)(x->raw.len < ERROR_EXCERPT ? x->raw.len : ERROR_EXCERPT),
                 x->raw.p != NULL ? x->raw.p : "");
    cJSON_Delete(root);
}

/* Outcome of one attempt: 0, a final error, or E_AGAIN when a retry may help. */
static int finish_attempt(struct xfer *x, CURLcode crc, long status, struct diag *d)
{
    if (x->err != 0)
        return diag_set(d, x->err, "llm openai", "%s", x->msg);
    if (crc == CURLE_OPERATION_TIMEDOUT)
        return diag_set(d, E_TIMEOUT, "llm openai", "request timed out: %s",
                        curl_easy_strerror(crc));
    if (crc != CURLE_OK) {
        diag_set(d, E_IO, "llm openai", "%s: %s", x->o->url, curl_easy_strerror(crc));
        return is_connection_error(crc) ? E_AGAIN : E_IO;
    }
    if (status != 200) {
        char why[ERROR_EXCERPT + 1];
        error_excerpt(x, why, sizeof(why));
        diag_set(d, E_IO, "llm openai", "HTTP %ld: %s", status, why);
        return status == 429 || status >= 500 ? E_AGAIN : E_IO;
    }
    if (x->stream) {
        int rc = sse_finish(&x->sse);
        if (rc != 0)
            return diag_set(d, x->err != 0 ? x->err : rc, "llm openai", "%s",
                            x->msg[0] ? x->msg : "bad event stream");
        if (x->sse.n_events == 0)
            return diag_set(d, E_PARSE, "llm openai", "event stream without events");
        return 0;
    }
    cJSON *root = cJSON_ParseWithLength(x->raw.p != NULL ? x->raw.p : "", x->raw.len);
    if (root == NULL)
        return diag_set(d, E_PARSE, "llm openai", "reply body is not JSON");
    int rc = apply_chunk(x, root, false);
    cJSON_Delete(root);
    if (rc != 0)
        return diag_set(d, rc, "llm openai", "%s", x->msg);
    return 0;
}

static struct str arena_str(struct arena *a, const struct buf *b)
{
    return str_make(arena_strndup(a, b->p != NULL ? b->p : "", b->len), b->len);
}

static void take_reply(struct xfer *x, struct arena *a, struct llm_reply *out)
{
    out->text = arena_str(a, &x->text);
    out->finish = x->finish;
    out->n_tool_calls = x->n_calls;
    if (x->n_calls > 0)
        out->tool_calls = arena_zalloc(a, x->n_calls * sizeof(*out->tool_calls));
    for (size_t i = 0; i < x->n_calls; i++) {
        out->tool_calls[i].id = arena_str(a, &x->calls[i].id);
        out->tool_calls[i].name = arena_str(a, &x->calls[i].name);
        out->tool_calls[i].arguments = arena_str(a, &x->calls[i].args);
    }
}

static int64_t backoff_ns(const struct openai *o, uint32_t attempt, int64_t retry_after_ns)
{
    int64_t max = o->cfg.retry_max_ns;
    if (retry_after_ns >= 0)
        return retry_after_ns < max ? retry_after_ns : max;
    int64_t wait = o->cfg.retry_base_ns;
    for (uint32_t i = 0; i < attempt && wait < max; i++)
        wait *= 2;
    if (wait > max)
        wait = max;
    /* Jitter in [0, wait/2] so that clients that failed together retry apart. */
    uint64_t z = (uint64_t)clock_mono_ns() + attempt * UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return wait + (wait > 1 ? (int64_t)(z % (uint64_t)(wait / 2 + 1)) : 0);
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / NS_PER_SEC), (long)(ns % NS_PER_SEC)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* A schema reply must at least be JSON. */
static int check_schema_reply(const struct llm_request *r, const struct llm_reply *out,
                              struct diag *d)
{
    if (r->response_schema.len == 0 || out->n_tool_calls > 0)
        return 0;
    /* Full JSON Schema validation in C is a later step; for now: is it JSON at all. */
    cJSON *root = cJSON_ParseWithLength(out->text.p, out->text.len);
    if (root == NULL)
        return diag_set(d, E_PARSE, "llm openai",
                        "reply to a response schema is not valid JSON (%zu bytes, finish %s)",
                        out->text.len, llm_finish_name(out->finish));
    cJSON_Delete(root);
    return 0;
}

static int openai_chat(struct llm_provider *p, struct arena *a, const struct llm_request *r,
                       struct llm_reply *out, struct diag *d)
{
    const struct openai *o = (const struct openai *)p;
    char *body = build_body(o, r, d);
    if (body == NULL)
        return d != NULL && d->code != 0 ? d->code : E_INVAL;
    int64_t timeout = r->timeout_ns > 0 ? r->timeout_ns : o->cfg.timeout_ns;
    int64_t t0 = clock_mono_ns();
    int rc;
    for (uint32_t attempt = 0;; attempt++) {
        struct xfer x;
        xfer_init(&x, o, r, t0);
        long status = 0;
        CURLcode crc = perform(&x, body, timeout, &status);
        out->attempts++;
        rc = finish_attempt(&x, crc, status, d);
        if (rc == 0) {
            take_reply(&x, a, out);
            out->usage = x.usage;
            out->usage.ttft_ns = x.ttft;
        }
        bool retry = rc == E_AGAIN && attempt < o->cfg.max_retries && x.n_pieces == 0;
        int64_t wait = retry ? backoff_ns(o, attempt, x.retry_after_ns) : 0;
        xfer_fini(&x);
        if (!retry)
            break;
        if (wait > 0)
            sleep_ns(wait);
    }
    cJSON_free(body);
    if (rc == E_AGAIN && d != NULL)
        d->code = E_AGAIN;
    if (rc == 0) {
        diag_clear(d); /* drop what failed attempts said */
        rc = check_schema_reply(r, out, d);
    }
    out->usage.total_ns = clock_mono_ns() - t0;
    return rc;
}

static void openai_free(struct llm_provider *p)
{
    struct openai *o = (struct openai *)p;
    free(o->url);
    free(o->auth);
    free(o->model);
    free(o);
}

static const struct llm_provider_ops openai_ops = {"openai", openai_chat, openai_free};

int llm_openai_new(const struct llm_openai_config *cfg, struct llm_provider **out, struct diag *d)
{
    *out = NULL;
    if (cfg == NULL || cfg->base_url == NULL || cfg->base_url[0] == '\0')
        return diag_set(d, E_INVAL, "llm.openai.base_url", "a base URL is required");
    if (cfg->model == NULL || cfg->model[0] == '\0')
        return diag_set(d, E_INVAL, "llm.openai.model", "a model name is required");
    pthread_once(&curl_once, curl_init_once);
    struct openai *o = xcalloc(1, sizeof(*o));
    o->base.ops = &openai_ops;
    o->cfg = *cfg;
    struct str base = str_c(cfg->base_url);
    while (base.len > 0 && base.p[base.len - 1] == '/')
        base.len--;
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    buf_printf(&b, "%.*s/v1/chat/completions", STR_FMT(base));
    o->url = buf_take(&b);
    if (cfg->api_key != NULL && cfg->api_key[0] != '\0') {
        buf_init(&b, BUF_UNBOUNDED);
        buf_printf(&b, "Authorization: Bearer %s", cfg->api_key);
        o->auth = buf_take(&b);
    }
    o->model = xstrdup(cfg->model);
    o->cfg.base_url = NULL;
    o->cfg.api_key = NULL;
    o->cfg.model = NULL;
    if (o->cfg.timeout_ns <= 0)
        o->cfg.timeout_ns = 120 * NS_PER_SEC;
    if (o->cfg.connect_timeout_ns <= 0)
        o->cfg.connect_timeout_ns = 10 * NS_PER_SEC;
    if (o->cfg.retry_base_ns <= 0)
        o->cfg.retry_base_ns = 500 * NS_PER_MS;
    if (o->cfg.retry_max_ns <= 0)
        o->cfg.retry_max_ns = 30 * NS_PER_SEC;
    if (o->cfg.max_response_bytes == 0)
        o->cfg.max_response_bytes = (size_t)8 << 20;
    *out = &o->base;
    return 0;
}
