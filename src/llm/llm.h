/*
 * llm.h - the language-model provider interface.
 *
 * A provider turns one chat request (messages, tools, an optional JSON Schema
 * for the reply) into one reply (text, tool calls, finish reason, usage).
 * Providers are long-lived objects (llm_openai_new / llm_provider_free); one
 * chat is a work unit whose reply lives in the caller's arena and dies with it.
 * The request is borrowed for the duration of the call only.
 *
 * Threads: a provider may be shared by threads; each call keeps its own
 * transfer state. The token callback runs on the calling thread, in order;
 * returning non-zero from it cancels the call (E_CANCELLED).
 */
#ifndef VIGIL_LLM_LLM_H
#define VIGIL_LLM_LLM_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum llm_role {
    LLM_ROLE_SYSTEM,
    LLM_ROLE_USER,
    LLM_ROLE_ASSISTANT,
    LLM_ROLE_TOOL,
};

/* A call the model asked for; arguments is the JSON text the model produced. */
struct llm_tool_call {
    struct str id;
    struct str name;
    struct str arguments;
};

struct llm_msg {
    enum llm_role role;
    struct str content;
    struct str tool_call_id;                /* LLM_ROLE_TOOL: the call this answers */
    const struct llm_tool_call *tool_calls; /* LLM_ROLE_ASSISTANT: calls it made */
    size_t n_tool_calls;
};

/* parameters is a JSON Schema object as text; it must parse as JSON. */
struct llm_tool {
    struct str name;
    struct str description;
    struct str parameters;
};

/* Called with each piece of reply text as it arrives; non-zero cancels. */
typedef int llm_token_fn(void *ctx, struct str piece);

struct llm_request {
    const struct llm_msg *msgs;
    size_t n_msgs;
    const struct llm_tool *tools;
    size_t n_tools;
    struct str response_schema;      /* JSON Schema text; empty: free-form reply */
    struct str response_schema_name; /* empty: "reply" */
    uint32_t max_tokens;             /* 0: the provider's default */
    float temperature;               /* < 0: the provider's default */
    bool has_seed;
    uint64_t seed;
    int64_t timeout_ns;     /* whole call, each attempt; 0: the provider's default */
    bool no_stream;         /* ask for one JSON reply instead of a token stream */
    llm_token_fn *on_token; /* may be NULL */
    void *ctx;
};

enum llm_finish {
    LLM_FINISH_NONE, /* the server did not say */
    LLM_FINISH_STOP,
    LLM_FINISH_LENGTH,
    LLM_FINISH_TOOL_CALLS,
    LLM_FINISH_CONTENT_FILTER,
    LLM_FINISH_OTHER,
};

struct llm_usage {
    uint32_t prompt_tokens;
    uint32_t completion_tokens;
    uint32_t cached_tokens;
    int64_t ttft_ns;  /* request start to first reply text (0 without any) */
    int64_t total_ns; /* request start to the end of the reply, all attempts */
};

/* Everything points into the arena passed to the call. */
struct llm_reply {
    struct str text;
    struct llm_tool_call *tool_calls;
    size_t n_tool_calls;
    enum llm_finish finish;
    struct llm_usage usage;
    uint32_t attempts; /* HTTP attempts made, retries included */
};

struct llm_provider;

struct llm_provider_ops {
    const char *name;
    int (*chat)(struct llm_provider *p, struct arena *a, const struct llm_request *r,
                struct llm_reply *out, struct diag *d);
    void (*free)(struct llm_provider *p);
};

/* Providers embed this as their first member. */
struct llm_provider {
    const struct llm_provider_ops *ops;
};

/*
 * One chat turn. On success *out is filled from arena a. On error d says why
 * and *out holds only usage and attempts, except that a schema reply that is
 * not JSON (E_PARSE) keeps its text for the caller to log: E_INVAL (bad request),
 * E_IO (transport or HTTP error), E_AGAIN (retries exhausted on 429/5xx),
 * E_TIMEOUT, E_CANCELLED (the token callback asked), E_TOOBIG (reply over the
 * size cap), E_PARSE (malformed reply, or a schema reply that is not JSON).
 */
int llm_provider_chat(struct llm_provider *p, struct arena *a, const struct llm_request *r,
                      struct llm_reply *out, struct diag *d);
void llm_provider_free(struct llm_provider *p); /* NULL is a no-op */

const char *llm_role_name(enum llm_role role);
const char *llm_finish_name(enum llm_finish f);

/* An OpenAI-compatible chat completions endpoint. Strings are copied. */
struct llm_openai_config {
    const char *base_url;       /* scheme://host[:port][/prefix]; "/v1/chat/completions" is added */
    const char *api_key;        /* NULL or "": no Authorization header */
    const char *model;          /* sent as "model" */
    int64_t timeout_ns;         /* per attempt [120 s] */
    int64_t connect_timeout_ns; /* [10 s] */
    uint32_t max_retries;       /* extra attempts on 429/5xx/connection errors [0] */
    int64_t retry_base_ns;      /* first backoff; doubles each retry, plus jitter [500 ms] */
    int64_t retry_max_ns;       /* ceiling on one wait, Retry-After included [30 s] */
    size_t max_response_bytes;  /* bytes received per attempt [8 MiB] */
};

int llm_openai_new(const struct llm_openai_config *cfg, struct llm_provider **out, struct diag *d);

#endif
