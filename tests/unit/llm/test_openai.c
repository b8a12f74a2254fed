/*
 * test_openai.c - the OpenAI-compatible provider against the real llama-server
 * from the llama.cpp build (VIGIL_LLAMA_SRC/../install/bin/llama-server),
 * serving a tiny random-weight model written by tests/llm/gguf_writer.c on
 * 127.0.0.1: streamed and non-streamed completions, a json_schema reply
 * (llama-server turns the schema into a grammar), and cancellation from the
 * token callback. Skips when the server binary or the vocab file is missing.
 *
 * The retry tests use a TEST DOUBLE: a small HTTP server thread on loopback
 * that stands in for a remote provider's error behaviour (503/429 with
 * Retry-After, then a canned SSE body). It is not llama-server.
 */
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "llm/gguf_writer.h"
#include "llm/llm.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const VOCAB = "models/ggml-vocab-llama-spm.gguf";

static char g_dir[256];
static char g_model[300];
static char g_log[300];
static char g_url[64];
static pid_t g_server = -1;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A port that was free a moment ago (the server binds it right after). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static long http_get_status(const char *url)
{
    CURL *c = curl_easy_init();
    long status = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

static void stop_server(void)
{
    if (g_server > 0) {
        kill(g_server, SIGKILL);
        waitpid(g_server, NULL, 0);
        g_server = -1;
    }
    if (g_model[0] != '\0')
        unlink(g_model);
    if (g_log[0] != '\0')
        unlink(g_log);
    if (g_dir[0] != '\0')
        rmdir(g_dir);
}

static void start_server(void)
{
    const char *src = getenv("VIGIL_LLAMA_SRC");
    if (src == NULL || src[0] == '\0')
        cr_skip_test("VIGIL_LLAMA_SRC is not set (CMake sets it to build/llama/src)");
    char bin[512], vocab[512], err[256];
    snprintf(bin, sizeof(bin), "%s/../install/bin/llama-server", src);
    snprintf(vocab, sizeof(vocab), "%s/%s", src, VOCAB);
    if (access(bin, X_OK) != 0)
        cr_skip_test("no llama-server at %s: run scripts/build-llama", bin);
    if (access(vocab, R_OK) != 0)
        cr_skip_test("no vocab file %s: run scripts/fetch-llama", vocab);

    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof(g_dir), "%s/vigil-openai-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(g_dir), "mkdtemp %s", g_dir);
    snprintf(g_model, sizeof(g_model), "%s/model.gguf", g_dir);
    snprintf(g_log, sizeof(g_log), "%s/server.log", g_dir);
    struct gguf_tiny_opts o = {.vocab_path = vocab, .seed = 42};
    cr_assert_eq(gguf_tiny_write(g_model, &o, err, sizeof(err)), 0, "gguf_tiny_write: %s", err);

    int port = free_port();
    char port_s[16];
    snprintf(port_s, sizeof(port_s), "%d", port);
    snprintf(g_url, sizeof(g_url), "http://127.0.0.1:%d", port);
    pid_t parent = getpid();
    g_server = fork();
    cr_assert_geq(g_server, 0);
    if (g_server == 0) {
        /* Die with the test process even if it crashes before its cleanup. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(g_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        /*
         * The llama2 template, not the model's chatml: this llama-server prefixes a schema's
         * grammar with the template's generation prompt, and chatml's "<|im_start|>" is no
         * token of the spm vocab, so the grammar sampler fails to start (HTTP 400).
         */
        execl(bin, bin, "-m", g_model, "-c", "256", "-t", "1", "-np", "1", "--host", "127.0.0.1",
              "--port", port_s, "--chat-template", "llama2", (char *)NULL);
        _exit(127);
    }
    char health[96];
    snprintf(health, sizeof(health), "%s/health", g_url);
    for (int i = 0; i < 1200; i++) { /* at most ~60 s */
        int st;
        if (waitpid(g_server, &st, WNOHANG) == g_server) {
            g_server = -1;
            cr_assert_fail("llama-server exited early; see %s", g_log);
        }
        if (http_get_status(health) == 200)
            return;
        sleep_ms(50);
    }
    cr_assert_fail("llama-server did not become healthy in 60 s; see %s", g_log);
}

TestSuite(openai, .init = start_server, .fini = stop_server, .timeout = 300);

static struct llm_provider *new_provider(const char *url, uint32_t max_retries)
{
    struct llm_openai_config cfg = {
        .base_url = url,
        .model = "tiny",
        .timeout_ns = 60 * 1000000000LL,
        .max_retries = max_retries,
        .retry_base_ns = 1000000LL,
        .max_response_bytes = 1 << 20,
    };
    struct llm_provider *p = NULL;
    struct diag d = {0};
    cr_assert_eq(llm_openai_new(&cfg, &p, &d), 0, "%s", d.msg);
    return p;
}

struct tokens {
    int n;
    int cancel_after; /* 0: never */
    struct buf text;
};

static int on_token(void *ctx, struct str piece)
{
    struct tokens *t = ctx;
    t->n++;
    buf_append_str(&t->text, piece);
    return t->cancel_after > 0 && t->n >= t->cancel_after;
}

static const struct llm_msg MSGS[] = {
    {.role = LLM_ROLE_SYSTEM, .content = STR_LIT("You are terse.")},
    {.role = LLM_ROLE_USER, .content = STR_LIT("Say something.")},
};

static struct llm_request base_request(struct tokens *t)
{
    return (struct llm_request){
        .msgs = MSGS,
        .n_msgs = 2,
        .max_tokens = 8,
        .temperature = 0,
        .has_seed = true,
        .seed = 7,
        .on_token = on_token,
        .ctx = t,
    };
}

static int chat(const struct llm_request *r, struct llm_reply *out, struct arena *a, struct diag *d)
{
    struct llm_provider *p = new_provider(g_url, 0);
    int rc = llm_provider_chat(p, a, r, out, d);
    llm_provider_free(p);
    return rc;
}

Test(openai, streamed_completion)
{
    struct tokens t = {0};
    buf_init(&t.text, BUF_UNBOUNDED);
    struct llm_request r = base_request(&t);
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply out;
    struct diag d = {0};
    int rc = chat(&r, &out, &a, &d);
    cr_assert_eq(rc, 0, "%s: %s", err_name(rc), d.msg);
    cr_assert_gt(t.n, 0, "tokens arrive through the callback");
    cr_assert(str_eq(out.text, buf_str(&t.text)), "the reply is the streamed pieces");
    cr_assert_gt(out.usage.prompt_tokens, 0);
    cr_assert_gt(out.usage.completion_tokens, 0);
    cr_assert_leq(out.usage.completion_tokens, 8);
    /* A piece may hold more than one token (held back for stop strings or UTF-8). */
    cr_assert_leq((uint32_t)t.n, out.usage.completion_tokens);
    if (out.usage.completion_tokens == 8)
        cr_assert_eq(out.finish, LLM_FINISH_LENGTH);
    cr_assert_gt(out.usage.ttft_ns, 0);
    cr_assert_geq(out.usage.total_ns, out.usage.ttft_ns);
    cr_assert_eq(out.attempts, 1);
    arena_fini(&a);
    buf_fini(&t.text);
}

Test(openai, non_streamed_completion_matches_streamed)
{
    struct tokens t1 = {0}, t2 = {0};
    buf_init(&t1.text, BUF_UNBOUNDED);
    buf_init(&t2.text, BUF_UNBOUNDED);
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply streamed, plain;
    struct diag d = {0};
    struct llm_request r = base_request(&t1);
    int rc = chat(&r, &streamed, &a, &d);
    cr_assert_eq(rc, 0, "%s: %s", err_name(rc), d.msg);
    r = base_request(&t2);
    r.no_stream = true;
    rc = chat(&r, &plain, &a, &d);
    cr_assert_eq(rc, 0, "%s: %s", err_name(rc), d.msg);
    cr_assert_eq(t2.n, plain.text.len > 0 ? 1 : 0, "one callback with the whole text");
    cr_assert(str_eq(plain.text, streamed.text), "greedy: same text ('%.*s' vs '%.*s')",
              STR_FMT(plain.text), STR_FMT(streamed.text));
    cr_assert_eq(plain.usage.completion_tokens, streamed.usage.completion_tokens);
    cr_assert_eq(plain.usage.prompt_tokens, streamed.usage.prompt_tokens);
    cr_assert_neq(plain.finish, LLM_FINISH_NONE);
    arena_fini(&a);
    buf_fini(&t1.text);
    buf_fini(&t2.text);
}

Test(openai, json_schema_reply_is_json)
{
    struct tokens t = {0};
    buf_init(&t.text, BUF_UNBOUNDED);
    struct llm_request r = base_request(&t);
    r.max_tokens = 160;
    r.response_schema = STR_LIT("{\"type\":\"object\",\"properties\":{\"verdict\":{\"type\":"
                                "\"string\",\"enum\":[\"benign\",\"malicious\"]}},"
                                "\"required\":[\"verdict\"],\"additionalProperties\":false}");
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply out;
    struct diag d = {0};
    int rc = chat(&r, &out, &a, &d);
    cr_assert_eq(rc, 0, "%s: %s (text '%.*s')", err_name(rc), d.msg, STR_FMT(out.text));
    cr_assert_neq(out.finish, LLM_FINISH_LENGTH, "text '%.*s'", STR_FMT(out.text));
    cr_assert(memchr(out.text.p, '{', out.text.len) != NULL);
    cr_assert(strstr(out.text.p, "\"verdict\"") != NULL, "text '%.*s'", STR_FMT(out.text));
    arena_fini(&a);
    buf_fini(&t.text);
}

Test(openai, cancel_from_callback)
{
    struct tokens t = {.cancel_after = 2};
    buf_init(&t.text, BUF_UNBOUNDED);
    struct llm_request r = base_request(&t);
    r.max_tokens = 64;
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply out;
    struct diag d = {0};
    int rc = chat(&r, &out, &a, &d);
    if (t.n < 2)
        cr_skip_test("the model stopped after %d pieces", t.n);
    cr_assert_eq(rc, E_CANCELLED, "%s: %s", err_name(rc), d.msg);
    cr_assert_eq(t.n, 2, "no callback after cancelling");
    cr_assert_eq(out.attempts, 1, "a cancelled call is not retried");
    arena_fini(&a);
    buf_fini(&t.text);
    /* The server is still fine afterwards. */
    char health[96];
    snprintf(health, sizeof(health), "%s/health", g_url);
    cr_assert_eq(http_get_status(health), 200);
}

/* ---- TEST DOUBLE: a stand-in for a remote server's error behaviour ---- */

struct double_server {
    int fd;
    int port;
    const char *const *responses; /* one per connection, in order */
    int n_responses;
    int served;
    pthread_t thread;
};

/* Reads one request: headers, then Content-Length bytes of body. */
static void read_request(int c)
{
    char buf[65536];
    size_t len = 0, need = 0;
    for (;;) {
        ssize_t n = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            return;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        if (need == 0) {
            char *cl = strcasestr(buf, "content-length:");
            need = (size_t)(end + 4 - buf);
            if (cl != NULL && cl < end)
                need += (size_t)strtoul(cl + 15, NULL, 10);
        }
        if (len >= need || len >= sizeof(buf) - 1)
            return;
    }
}

static void *double_main(void *arg)
{
    struct double_server *s = arg;
    while (s->served < s->n_responses) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        read_request(c);
        const char *resp = s->responses[s->served++];
        size_t off = 0, len = strlen(resp);
        while (off < len) {
            ssize_t n = send(c, resp + off, len - off, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        close(c);
    }
    return NULL;
}

static void double_start(struct double_server *s, const char *const *responses, int n)
{
    memset(s, 0, sizeof(*s));
    s->responses = responses;
    s->n_responses = n;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(s->fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&sa, &len), 0);
    cr_assert_eq(listen(s->fd, 8), 0);
    s->port = ntohs(sa.sin_port);
    cr_assert_eq(pthread_create(&s->thread, NULL, double_main, s), 0);
}

static void double_stop(struct double_server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->fd);
}

#define R503                                                                                       \
    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Type: application/json\r\n"     \
    "Connection: close\r\n\r\n{\"error\":{\"message\":\"model loading\"}}"
#define R429                                                                                       \
    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n"                                         \
    "Connection: close\r\n\r\nslow"
#define R400                                                                                       \
    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"                               \
    "Connection: close\r\n\r\n{\"error\":{\"message\":\"bad model\"}}"
#define SSE_OK                                                                                     \
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"              \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n"  \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"                  \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\n"                       \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\","      \
    "\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"ip\\\":\"}}]}}]" \
    "}"                                                                                            \
    "\n\n"                                                                                         \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"       \
    "{\"arguments\":\"\\\"10.0.0.1\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n"             \
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5}}\n\n"          \
    "data: [DONE]\n\n"

static int chat_double(const char *const *responses, int n, uint32_t max_retries,
                       struct llm_reply *out, struct arena *a, struct diag *d, int *served)
{
    struct double_server s;
    double_start(&s, responses, n);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
    struct llm_provider *p = new_provider(url, max_retries);
    struct tokens t = {0};
    buf_init(&t.text, BUF_UNBOUNDED);
    struct llm_request r = base_request(&t);
    int rc = llm_provider_chat(p, a, &r, out, d);
    llm_provider_free(p);
    buf_fini(&t.text);
    if (rc != 0) {
        /* Unblock accept() for responses the client never asked for. */
        shutdown(s.fd, SHUT_RDWR);
    }
    double_stop(&s);
    *served = s.served;
    return rc;
}

Test(openai_retry, retries_503_and_429_then_streams)
{
    static const char *const responses[] = {R503, R429, SSE_OK};
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply out;
    struct diag d = {0};
    int served = 0;
    int rc = chat_double(responses, 3, 3, &out, &a, &d, &served);
    cr_assert_eq(rc, 0, "%s: %s", err_name(rc), d.msg);
    cr_assert_eq(out.attempts, 3);
    cr_assert_eq(served, 3);
    cr_assert(str_eq_c(out.text, "Hello"), "text '%.*s'", STR_FMT(out.text));
    cr_assert_eq(out.finish, LLM_FINISH_TOOL_CALLS);
    cr_assert_eq(out.n_tool_calls, 1);
    cr_assert(str_eq_c(out.tool_calls[0].id, "c1"));
    cr_assert(str_eq_c(out.tool_calls[0].name, "lookup"));
    cr_assert(str_eq_c(out.tool_calls[0].arguments, "{\"ip\":\"10.0.0.1\"}"), "args '%.*s'",
              STR_FMT(out.tool_calls[0].arguments));
    cr_assert_eq(out.usage.prompt_tokens, 11);
    cr_assert_eq(out.usage.completion_tokens, 5);
    arena_fini(&a);
}

Test(openai_retry, gives_up_after_max_retries)
{
    static const char *const responses[] = {R503, R503};
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply out;
    struct diag d = {0};
    int served = 0;
    int rc = chat_double(responses, 2, 1, &out, &a, &d, &served);
    cr_assert_eq(rc, E_AGAIN, "%s: %s", err_name(rc), d.msg);
    cr_assert_eq(out.attempts, 2);
    cr_assert(strstr(d.msg, "HTTP 503") != NULL && strstr(d.msg, "model loading") != NULL, "%s",
              d.msg);
    arena_fini(&a);
}

Test(openai_retry, client_error_is_not_retried)
{
    static const char *const responses[] = {R400, SSE_OK};
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply out;
    struct diag d = {0};
    int served = 0;
    int rc = chat_double(responses, 2, 3, &out, &a, &d, &served);
    cr_assert_eq(rc, E_IO, "%s: %s", err_name(rc), d.msg);
    cr_assert_eq(out.attempts, 1);
    cr_assert(strstr(d.msg, "bad model") != NULL, "%s", d.msg);
    arena_fini(&a);
}

Test(openai_retry, bad_schema_text_is_refused)
{
    struct llm_provider *p = new_provider("http://127.0.0.1:9", 0);
    struct tokens t = {0};
    struct llm_request r = base_request(&t);
    r.response_schema = STR_LIT("{not json");
    struct arena a;
    arena_init(&a, 4096);
    struct llm_reply out;
    struct diag d = {0};
    cr_assert_eq(llm_provider_chat(p, &a, &r, &out, &d), E_INVAL);
    cr_assert_eq(out.attempts, 0);
    llm_provider_free(p);
    arena_fini(&a);
}
