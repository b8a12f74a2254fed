/*
 * gguf_writer.h - test support: writes a tiny LLaMA-architecture model with random weights as a
 * GGUF v3 file, so the LLM tests can load a real model without downloading one.
 *
 * The tokenizer is copied at run time from a vocab-only GGUF file (llama.cpp ships several in
 * its models/ folder): every tokenizer.* key is copied, and when the vocab has no
 * tokenizer.chat_template a chatml template is set. The weights come from a fixed-seed PRNG,
 * so the same options give the same file, byte for byte. The writer uses ggml's gguf API and
 * so needs vigil_llama; it is not part of vigil_core. Single-threaded; holds no global state.
 */
#ifndef VIGIL_TESTS_LLM_GGUF_WRITER_H
#define VIGIL_TESTS_LLM_GGUF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What to write. A field left 0 (or NULL) takes the default in brackets. */
struct gguf_tiny_opts {
    const char *vocab_path;    /* vocab-only GGUF to copy tokenizer.* from (required) */
    uint64_t seed;             /* PRNG seed for the weights [0 is a valid seed] */
    uint32_t n_ctx_train;      /* llama.context_length [512] */
    uint32_t n_embd;           /* llama.embedding_length [64] */
    uint32_t n_layer;          /* llama.block_count [2] */
    uint32_t n_ff;             /* llama.feed_forward_length [128] */
    uint32_t n_head;           /* llama.attention.head_count [4] */
    uint32_t n_head_kv;        /* llama.attention.head_count_kv [2] */
    float rms_eps;             /* llama.attention.layer_norm_rms_epsilon [1e-5] */
    bool f16;                  /* store the weight matrices as F16 instead of F32; norms stay F32 */
    const char *chat_template; /* overrides the vocab's template (and the chatml default) */
};

/* The chatml template set when neither the vocab nor the options give one. */
extern const char gguf_tiny_chatml_template[];

/*
 * Writes the model to path (created or truncated). Returns 0, or -1 with a message in err
 * (always NUL-terminated when errlen > 0) when the options are inconsistent, the vocab cannot
 * be read or the file cannot be written; a partly written file is removed.
 */
int gguf_tiny_write(const char *path, const struct gguf_tiny_opts *o, char *err, size_t errlen);

#endif
