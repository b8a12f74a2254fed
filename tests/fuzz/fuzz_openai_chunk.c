/*
 * fuzz_openai_chunk.c - the OpenAI provider's reply parsing over hostile bytes:
 * the input is fed as a text/event-stream body through the same SSE parser and
 * chunk handler a streaming reply goes through (tool calls accumulated by
 * index, usage, finish reason, server errors), then as one non-streaming
 * JSON body. Includes openai.c to reach its static parsing functions.
 */
#include "llm/openai.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_token(void *ctx, struct str piece)
{
    size_t *n = ctx;
    *n += piece.len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct openai o = {.cfg = {.max_response_bytes = 1 << 16}};
    size_t n_bytes = 0;
    struct llm_request r = {.on_token = count_token, .ctx = &n_bytes};
    struct xfer x;

    xfer_init(&x, &o, &r, 0);
    x.stream = true;
    if (sse_feed(&x.sse, (const char *)data, size) == 0)
        sse_finish(&x.sse);
    if (x.text.len != n_bytes)
        __builtin_trap();
    xfer_fini(&x);

    xfer_init(&x, &o, &r, 0);
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (root != NULL)
        apply_chunk(&x, root, false);
    cJSON_Delete(root);
    xfer_fini(&x);
    return 0;
}
