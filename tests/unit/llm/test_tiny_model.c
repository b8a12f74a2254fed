/*
 * test_tiny_model.c - llama.cpp runs a real (if meaningless) model in-process: a tiny
 * random-weight LLaMA written by tests/llm/gguf_writer.c with the tokenizer of llama.cpp's
 * models/ggml-vocab-llama-spm.gguf. Loads it, tokenizes and detokenizes, generates greedily,
 * applies the chat template and detects a prompt longer than the context. Needs
 * VIGIL_LLAMA_SRC (CMake sets it to llama.cpp's checkout) and skips without the vocab file.
 */
#include "llm/gguf_writer.h"

#include <llama.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    N_CTX = 256,
    N_GEN = 16,
    MAX_TOKENS = 4096,
};

static const char *const VOCAB = "models/ggml-vocab-llama-spm.gguf";

/* One model per test process, written and loaded by the fixture. */
static char g_dir[256];
static char g_path[300];
static struct llama_model *g_model;
static struct llama_context *g_ctx;

/* llama.cpp is chatty at INFO; keep what a failure needs. */
static void quiet_log(enum ggml_log_level level, const char *text, void *user)
{
    (void)user;
    if (level == GGML_LOG_LEVEL_WARN || level == GGML_LOG_LEVEL_ERROR)
        fputs(text, stderr);
}

/* Fills vocab with the vocab file's path; skips the test when it is missing. */
static void vocab_path_or_skip(char *vocab, size_t len)
{
    const char *src = getenv("VIGIL_LLAMA_SRC");
    if (src == NULL || src[0] == '\0')
        cr_skip_test("VIGIL_LLAMA_SRC is not set (CMake sets it to build/llama/src)");
    snprintf(vocab, len, "%s/%s", src, VOCAB);
    if (access(vocab, R_OK) != 0)
        cr_skip_test("no vocab file %s: run scripts/fetch-llama", vocab);
}

static void write_model(const char *path, uint64_t seed)
{
    char vocab[512], err[256];
    vocab_path_or_skip(vocab, sizeof(vocab));
    struct gguf_tiny_opts o = {.vocab_path = vocab, .seed = seed};
    int rc = gguf_tiny_write(path, &o, err, sizeof(err));
    cr_assert_eq(rc, 0, "gguf_tiny_write: %s", err);
}

static struct llama_context *new_context(struct llama_model *model)
{
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = N_CTX;
    cp.n_threads = 2;
    cp.n_threads_batch = 2;
    return llama_init_from_model(model, cp);
}

static void setup_dir(void)
{
    llama_log_set(quiet_log, NULL);
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof(g_dir), "%s/vigil-tiny-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(g_dir), "mkdtemp %s", g_dir);
    snprintf(g_path, sizeof(g_path), "%s/model.gguf", g_dir);
}

static void teardown_dir(void)
{
    unlink(g_path);
    rmdir(g_dir);
}

static void setup_model(void)
{
    setup_dir();
    llama_backend_init();
    write_model(g_path, 42);
    struct llama_model_params mp = llama_model_default_params();
    g_model = llama_model_load_from_file(g_path, mp);
    cr_assert_not_null(g_model, "llama_model_load_from_file(%s) failed", g_path);
    g_ctx = new_context(g_model);
    cr_assert_not_null(g_ctx, "llama_init_from_model failed");
}

static void teardown_model(void)
{
    llama_free(g_ctx);
    llama_model_free(g_model);
    g_ctx = NULL;
    g_model = NULL;
    llama_backend_free();
    teardown_dir();
}

static int tokenize(const char *text, llama_token *tokens, int max)
{
    const struct llama_vocab *vocab = llama_model_get_vocab(g_model);
    return llama_tokenize(vocab, text, (int32_t)strlen(text), tokens, max, true, false);
}

/* Decodes prompt and then N_GEN greedy tokens into out; returns how many came out. */
static int generate(const char *prompt, llama_token *out)
{
    llama_token tokens[MAX_TOKENS];
    int n = tokenize(prompt, tokens, MAX_TOKENS);
    cr_assert_gt(n, 0);
    llama_memory_clear(llama_get_memory(g_ctx), true);

    struct llama_sampler *chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    struct llama_batch batch = llama_batch_get_one(tokens, n);
    int n_out = 0;
    llama_token next;
    while (n_out < N_GEN) {
        if (llama_decode(g_ctx, batch) != 0)
            break;
        next = llama_sampler_sample(chain, g_ctx, -1);
        /* Random weights may well pick end-of-generation; keep going, the count is the test. */
        out[n_out++] = next;
        batch = llama_batch_get_one(&next, 1);
    }
    llama_sampler_free(chain);
    return n_out;
}

TestSuite(tiny_model, .init = setup_model, .fini = teardown_model, .timeout = 300);

Test(tiny_model, loads_with_the_written_hyperparameters)
{
    cr_assert_eq(llama_model_n_layer(g_model), 2);
    cr_assert_eq(llama_model_n_embd(g_model), 64);
    cr_assert_eq(llama_model_n_head(g_model), 4);
    cr_assert_eq(llama_model_n_head_kv(g_model), 2);
    cr_assert_eq(llama_model_n_ctx_train(g_model), 512);
    cr_assert_eq(llama_vocab_n_tokens(llama_model_get_vocab(g_model)), 32000);
    cr_assert_eq(llama_n_ctx(g_ctx), N_CTX);
}

Test(tiny_model, tokenize_detokenize_round_trip)
{
    const char *text = "Failed password for root from 203.0.113.7 port 22 ssh2";
    const struct llama_vocab *vocab = llama_model_get_vocab(g_model);
    llama_token tokens[MAX_TOKENS];
    int n = tokenize(text, tokens, MAX_TOKENS);
    cr_assert_gt(n, 1, "tokenize returned %d", n);
    cr_assert_eq(tokens[0], llama_vocab_bos(vocab), "the SPM vocab adds BOS");

    /*
     * SPM prefixes the text with a space when tokenizing. llama_detokenize strips it again
     * only when the first token is text: with remove_special it drops the BOS but keeps the
     * space (as HF's decode does), so the round trip starts after the BOS.
     */
    char back[1024];
    int len =
        llama_detokenize(vocab, tokens + 1, n - 1, back, (int32_t)sizeof(back) - 1, false, false);
    cr_assert_geq(len, 0, "llama_detokenize returned %d", len);
    back[len] = '\0';
    cr_assert_str_eq(back, text);
}

Test(tiny_model, greedy_generation_is_deterministic)
{
    llama_token first[N_GEN], second[N_GEN];
    const char *prompt = "Summarize the alert:";
    int n1 = generate(prompt, first);
    cr_assert_eq(n1, N_GEN, "generated %d of %d tokens", n1, N_GEN);
    int n2 = generate(prompt, second);
    cr_assert_eq(n2, N_GEN, "generated %d of %d tokens the second time", n2, N_GEN);
    int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(g_model));
    for (int i = 0; i < N_GEN; i++) {
        cr_assert(first[i] >= 0 && first[i] < n_vocab, "token %d out of range", first[i]);
        cr_assert_eq(first[i], second[i], "run 1 and 2 differ at token %d: %d != %d", i, first[i],
                     second[i]);
    }
}

Test(tiny_model, chat_template_formats_both_messages)
{
    const char *tmpl = llama_model_chat_template(g_model, NULL);
    cr_assert_not_null(tmpl, "the model has no tokenizer.chat_template");
    cr_assert_str_eq(tmpl, gguf_tiny_chatml_template);

    const struct llama_chat_message chat[] = {
        {.role = "system", .content = "You triage SIEM alerts."},
        {.role = "user", .content = "Is 42 failed logins from one IP an incident?"},
    };
    char buf[1024];
    int32_t len = llama_chat_apply_template(tmpl, chat, 2, true, buf, (int32_t)sizeof(buf));
    cr_assert_gt(len, 0, "llama_chat_apply_template returned %d", len);
    cr_assert_lt(len, (int32_t)sizeof(buf));
    buf[len] = '\0';
    cr_assert_not_null(strstr(buf, "<|im_start|>system\nYou triage SIEM alerts.<|im_end|>"), "%s",
                       buf);
    cr_assert_not_null(
        strstr(buf, "<|im_start|>user\nIs 42 failed logins from one IP an incident?<|im_end|>"),
        "%s", buf);
    cr_assert_not_null(strstr(buf, "<|im_start|>assistant\n"), "%s", buf);
}

Test(tiny_model, prompt_longer_than_context_is_detected)
{
    char text[4096];
    size_t off = 0;
    while (off + 64 < sizeof(text))
        off += (size_t)snprintf(text + off, sizeof(text) - off, "sshd[%zu]: invalid user ", off);
    llama_token tokens[MAX_TOKENS];
    int n = tokenize(text, tokens, MAX_TOKENS);
    cr_assert_gt(n, (int)llama_n_ctx(g_ctx), "%d tokens fit in n_ctx %u", n, llama_n_ctx(g_ctx));

    /* Fed in batches of n_batch, the context fills up and llama_decode refuses the rest. */
    llama_memory_clear(llama_get_memory(g_ctx), true);
    int n_batch = (int)llama_n_batch(g_ctx);
    int fed = 0, rc = 0;
    while (fed < n && rc == 0) {
        int len = n - fed < n_batch ? n - fed : n_batch;
        rc = llama_decode(g_ctx, llama_batch_get_one(tokens + fed, len));
        if (rc == 0)
            fed += len;
    }
    cr_assert_neq(rc, 0, "all %d tokens were decoded into a context of %u", n, llama_n_ctx(g_ctx));
    cr_assert_leq(fed, (int)llama_n_ctx(g_ctx));
}

Test(tiny_writer, same_seed_same_bytes, .init = setup_dir, .fini = teardown_dir)
{
    char path2[320];
    snprintf(path2, sizeof(path2), "%s/again.gguf", g_dir);
    write_model(g_path, 7);
    write_model(path2, 7);
    FILE *a = fopen(g_path, "rb"), *b = fopen(path2, "rb");
    cr_assert(a != NULL && b != NULL);
    size_t n_bytes = 0;
    int ca, cb;
    do {
        ca = getc(a);
        cb = getc(b);
        cr_assert_eq(ca, cb, "the files differ at byte %zu", n_bytes);
        n_bytes++;
    } while (ca != EOF);
    fclose(a);
    fclose(b);
    unlink(path2);
    cr_assert_gt(n_bytes, 1000000);
}

Test(tiny_writer, rejects_bad_options, .init = setup_dir, .fini = teardown_dir)
{
    char err[256];
    struct gguf_tiny_opts o = {.vocab_path = NULL};
    cr_assert_eq(gguf_tiny_write(g_path, &o, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "vocab_path"), "%s", err);

    o.vocab_path = "/nonexistent/vocab.gguf";
    cr_assert_eq(gguf_tiny_write(g_path, &o, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "/nonexistent/vocab.gguf"), "%s", err);

    o.n_embd = 60; /* not a multiple of 4 heads of even size */
    cr_assert_eq(gguf_tiny_write(g_path, &o, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "n_head"), "%s", err);
    cr_assert_neq(access(g_path, F_OK), 0, "a failed write left %s behind", g_path);
}
