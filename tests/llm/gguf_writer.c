/*
 * gguf_writer.c - a tiny random-weight LLaMA model as GGUF v3, for tests (see gguf_writer.h).
 *
 * Built on ggml's own gguf API rather than hand-written bytes, so the file is exactly what
 * llama.cpp's loader expects: the weights are ggml tensors in one ggml context that lives
 * until gguf_write_to_file() has copied them out. Tensor shapes follow llama.cpp's LLaMA
 * loader (llm_build_llama): ggml's ne[0] is the input dimension of each matrix.
 */
#include "llm/gguf_writer.h"

#include <ggml.h>
#include <gguf.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gguf_tiny_chatml_template[] =
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/* Ceilings that keep a mistyped option from asking for gigabytes. */
enum {
    MAX_LAYERS = 64,
    MAX_DIM = 8192,
    MAX_VOCAB = 1 << 20,
};
#define MAX_MODEL_BYTES ((size_t)1 << 30)

/* One weight tensor to create: a vector (ne1 == 1) or a matrix of ne1 rows of ne0. */
struct tensor_spec {
    char name[GGML_MAX_NAME];
    int64_t ne0, ne1;
    bool is_norm;
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* splitmix64: tiny, seedable with any value, and good enough for weights. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [-scale, scale). */
static float rng_float(uint64_t *state, float scale)
{
    float u = (float)(rng_next(state) >> 40) / (float)(1 << 24);
    return (2.0f * u - 1.0f) * scale;
}

static void apply_defaults(struct gguf_tiny_opts *d, const struct gguf_tiny_opts *o)
{
    *d = *o;
    if (d->n_ctx_train == 0)
        d->n_ctx_train = 512;
    if (d->n_embd == 0)
        d->n_embd = 64;
    if (d->n_layer == 0)
        d->n_layer = 2;
    if (d->n_ff == 0)
        d->n_ff = 128;
    if (d->n_head == 0)
        d->n_head = 4;
    if (d->n_head_kv == 0)
        d->n_head_kv = 2;
    if (d->rms_eps <= 0.0f)
        d->rms_eps = 1e-5f;
}

static int check_dims(const struct gguf_tiny_opts *d, char *err, size_t errlen)
{
    if (d->vocab_path == NULL) {
        set_err(err, errlen, "gguf_tiny_write: no vocab_path");
        return -1;
    }
    if (d->n_layer > MAX_LAYERS || d->n_embd > MAX_DIM || d->n_ff > MAX_DIM ||
        d->n_ctx_train > 1u << 20) {
        set_err(err, errlen, "gguf_tiny_write: a dimension is over its ceiling");
        return -1;
    }
    if (d->n_embd % d->n_head != 0 || d->n_head % d->n_head_kv != 0 ||
        (d->n_embd / d->n_head) % 2 != 0) {
        set_err(err, errlen,
                "gguf_tiny_write: need n_embd %% n_head == 0, n_head %% n_head_kv == 0 and an "
                "even head size (n_embd %u, n_head %u, n_head_kv %u)",
                d->n_embd, d->n_head, d->n_head_kv);
        return -1;
    }
    return 0;
}

/* Copies one key of any type from src (at id) to dst. */
static int copy_kv(struct gguf_context *dst, const struct gguf_context *src, int64_t id)
{
    const char *key = gguf_get_key(src, id);
    enum gguf_type type = gguf_get_kv_type(src, id);
    switch (type) {
    case GGUF_TYPE_UINT8:
        gguf_set_val_u8(dst, key, gguf_get_val_u8(src, id));
        break;
    case GGUF_TYPE_INT8:
        gguf_set_val_i8(dst, key, gguf_get_val_i8(src, id));
        break;
    case GGUF_TYPE_UINT16:
        gguf_set_val_u16(dst, key, gguf_get_val_u16(src, id));
        break;
    case GGUF_TYPE_INT16:
        gguf_set_val_i16(dst, key, gguf_get_val_i16(src, id));
        break;
    case GGUF_TYPE_UINT32:
        gguf_set_val_u32(dst, key, gguf_get_val_u32(src, id));
        break;
    case GGUF_TYPE_INT32:
        gguf_set_val_i32(dst, key, gguf_get_val_i32(src, id));
        break;
    case GGUF_TYPE_FLOAT32:
        gguf_set_val_f32(dst, key, gguf_get_val_f32(src, id));
        break;
    case GGUF_TYPE_UINT64:
        gguf_set_val_u64(dst, key, gguf_get_val_u64(src, id));
        break;
    case GGUF_TYPE_INT64:
        gguf_set_val_i64(dst, key, gguf_get_val_i64(src, id));
        break;
    case GGUF_TYPE_FLOAT64:
        gguf_set_val_f64(dst, key, gguf_get_val_f64(src, id));
        break;
    case GGUF_TYPE_BOOL:
        gguf_set_val_bool(dst, key, gguf_get_val_bool(src, id));
        break;
    case GGUF_TYPE_STRING:
        gguf_set_val_str(dst, key, gguf_get_val_str(src, id));
        break;
    case GGUF_TYPE_ARRAY: {
        enum gguf_type at = gguf_get_arr_type(src, id);
        size_t n = gguf_get_arr_n(src, id);
        if (at == GGUF_TYPE_ARRAY)
            return -1; /* nested arrays: no tokenizer key uses them */
        if (at != GGUF_TYPE_STRING) {
            gguf_set_arr_data(dst, key, at, gguf_get_arr_data(src, id), n);
            break;
        }
        /* gguf_set_arr_str copies the strings; the pointer array is only borrowed. */
        const char **strs = calloc(n > 0 ? n : 1, sizeof(*strs));
        if (strs == NULL)
            return -1;
        for (size_t i = 0; i < n; i++)
            strs[i] = gguf_get_arr_str(src, id, i);
        gguf_set_arr_str(dst, key, strs, n);
        free(strs);
        break;
    }
    default:
        return -1;
    }
    return 0;
}

/*
 * Copies every tokenizer.* key of the vocab file into dst and returns the vocabulary size
 * (the length of tokenizer.ggml.tokens), or -1 with err set.
 */
static int64_t copy_tokenizer(struct gguf_context *dst, const char *vocab_path, char *err,
                              size_t errlen)
{
    struct gguf_init_params params = {.no_alloc = true, .ctx = NULL};
    struct gguf_context *src = gguf_init_from_file(vocab_path, params);
    if (src == NULL) {
        set_err(err, errlen, "gguf_tiny_write: cannot read GGUF vocab %s", vocab_path);
        return -1;
    }
    int64_t n_vocab = -1;
    int64_t tok = gguf_find_key(src, "tokenizer.ggml.tokens");
    if (tok < 0 || gguf_get_kv_type(src, tok) != GGUF_TYPE_ARRAY ||
        gguf_get_arr_type(src, tok) != GGUF_TYPE_STRING || gguf_get_arr_n(src, tok) == 0 ||
        gguf_get_arr_n(src, tok) > MAX_VOCAB) {
        set_err(err, errlen, "gguf_tiny_write: %s has no usable tokenizer.ggml.tokens", vocab_path);
        goto out;
    }
    for (int64_t id = 0; id < gguf_get_n_kv(src); id++) {
        const char *key = gguf_get_key(src, id);
        if (strncmp(key, "tokenizer.", strlen("tokenizer.")) != 0)
            continue;
        if (copy_kv(dst, src, id) != 0) {
            set_err(err, errlen, "gguf_tiny_write: cannot copy %s from %s", key, vocab_path);
            goto out;
        }
    }
    n_vocab = (int64_t)gguf_get_arr_n(src, tok);
out:
    gguf_free(src);
    return n_vocab;
}

static void set_hparams(struct gguf_context *g, const struct gguf_tiny_opts *d, int64_t n_vocab)
{
    gguf_set_val_str(g, "general.architecture", "llama");
    gguf_set_val_str(g, "general.name", "vigil-tiny");
    gguf_set_val_u32(g, "general.file_type", d->f16 ? 1u : 0u); /* MOSTLY_F16 : ALL_F32 */
    gguf_set_val_u32(g, "llama.context_length", d->n_ctx_train);
    gguf_set_val_u32(g, "llama.embedding_length", d->n_embd);
    gguf_set_val_u32(g, "llama.block_count", d->n_layer);
    gguf_set_val_u32(g, "llama.feed_forward_length", d->n_ff);
    gguf_set_val_u32(g, "llama.attention.head_count", d->n_head);
    gguf_set_val_u32(g, "llama.attention.head_count_kv", d->n_head_kv);
    gguf_set_val_u32(g, "llama.rope.dimension_count", d->n_embd / d->n_head);
    gguf_set_val_f32(g, "llama.rope.freq_base", 10000.0f);
    gguf_set_val_f32(g, "llama.attention.layer_norm_rms_epsilon", d->rms_eps);
    gguf_set_val_u32(g, "llama.vocab_size", (uint32_t)n_vocab);
}

static void spec_set(struct tensor_spec *s, const char *name, int64_t ne0, int64_t ne1)
{
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->ne0 = ne0;
    s->ne1 = ne1;
    s->is_norm = ne1 == 1;
}

/* Fills specs (3 + 9 * n_layer entries) with every tensor of the model; returns the count. */
static size_t list_tensors(struct tensor_spec *specs, const struct gguf_tiny_opts *d,
                           int64_t n_vocab)
{
    const int64_t embd = d->n_embd, ff = d->n_ff;
    const int64_t embd_kv = (int64_t)(d->n_embd / d->n_head) * d->n_head_kv;
    size_t n = 0;
    spec_set(&specs[n++], "token_embd.weight", embd, n_vocab);
    for (uint32_t il = 0; il < d->n_layer; il++) {
        static const struct {
            const char *suffix;
            int dims; /* 0: norm, 1: embd x embd, 2: embd x embd_kv, 3: embd x ff, 4: ff x embd */
        } layer[] = {
            {"attn_norm", 0}, {"attn_q", 1},   {"attn_k", 2}, {"attn_v", 2},   {"attn_output", 1},
            {"ffn_norm", 0},  {"ffn_gate", 3}, {"ffn_up", 3}, {"ffn_down", 4},
        };
        for (size_t k = 0; k < sizeof(layer) / sizeof(layer[0]); k++) {
            char name[GGML_MAX_NAME];
            snprintf(name, sizeof(name), "blk.%u.%s.weight", il, layer[k].suffix);
            const int64_t shapes[5][2] = {
                {embd, 1}, {embd, embd}, {embd, embd_kv}, {embd, ff}, {ff, embd}};
            spec_set(&specs[n++], name, shapes[layer[k].dims][0], shapes[layer[k].dims][1]);
        }
    }
    spec_set(&specs[n++], "output_norm.weight", embd, 1);
    spec_set(&specs[n++], "output.weight", embd, n_vocab);
    return n;
}

/* Creates the tensor in ctx and fills it: norms with 1, matrices uniform in +-1/sqrt(ne0). */
static struct ggml_tensor *new_weight(struct ggml_context *ctx, const struct tensor_spec *s,
                                      bool f16, uint64_t *rng, float *row)
{
    struct ggml_tensor *t;
    if (s->is_norm) {
        t = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, s->ne0);
        float *w = t->data;
        for (int64_t i = 0; i < s->ne0; i++)
            w[i] = 1.0f;
    } else {
        t = ggml_new_tensor_2d(ctx, f16 ? GGML_TYPE_F16 : GGML_TYPE_F32, s->ne0, s->ne1);
        const float scale = 1.0f / sqrtf((float)s->ne0);
        for (int64_t r = 0; r < s->ne1; r++) {
            char *dst = (char *)t->data + (size_t)r * t->nb[1];
            for (int64_t i = 0; i < s->ne0; i++)
                row[i] = rng_float(rng, scale);
            if (f16)
                ggml_fp32_to_fp16_row(row, (ggml_fp16_t *)(void *)dst, s->ne0);
            else
                memcpy(dst, row, (size_t)s->ne0 * sizeof(float));
        }
    }
    ggml_set_name(t, s->name);
    return t;
}

/* Adds the weights to g; they live in *ctxp, which the caller frees after writing. */
static int add_weights(struct gguf_context *g, struct ggml_context **ctxp,
                       const struct gguf_tiny_opts *d, int64_t n_vocab, char *err, size_t errlen)
{
    int rc = -1;
    size_t n_specs = 3 + 9 * (size_t)d->n_layer;
    struct tensor_spec *specs = calloc(n_specs, sizeof(*specs));
    int64_t max_ne0 = d->n_embd > d->n_ff ? d->n_embd : d->n_ff;
    float *row = malloc((size_t)max_ne0 * sizeof(float));
    if (specs == NULL || row == NULL) {
        set_err(err, errlen, "gguf_tiny_write: out of memory");
        goto out;
    }
    n_specs = list_tensors(specs, d, n_vocab);
    size_t bytes = 0;
    for (size_t i = 0; i < n_specs; i++) {
        enum ggml_type type = specs[i].is_norm || !d->f16 ? GGML_TYPE_F32 : GGML_TYPE_F16;
        bytes += ggml_row_size(type, specs[i].ne0) * (size_t)specs[i].ne1 + GGML_MEM_ALIGN;
    }
    if (bytes > MAX_MODEL_BYTES) {
        set_err(err, errlen, "gguf_tiny_write: %zu bytes of weights is over the ceiling", bytes);
        goto out;
    }
    struct ggml_init_params params = {
        .mem_size = bytes + n_specs * ggml_tensor_overhead(),
        .mem_buffer = NULL,
        .no_alloc = false,
    };
    *ctxp = ggml_init(params);
    if (*ctxp == NULL) {
        set_err(err, errlen, "gguf_tiny_write: ggml_init failed for %zu bytes", bytes);
        goto out;
    }
    uint64_t rng = d->seed;
    for (size_t i = 0; i < n_specs; i++)
        gguf_add_tensor(g, new_weight(*ctxp, &specs[i], d->f16, &rng, row));
    rc = 0;
out:
    free(row);
    free(specs);
    return rc;
}

int gguf_tiny_write(const char *path, const struct gguf_tiny_opts *o, char *err, size_t errlen)
{
    struct gguf_tiny_opts d;
    struct gguf_context *g = NULL;
    struct ggml_context *weights = NULL;
    int rc = -1;

    set_err(err, errlen, "%s", "");
    apply_defaults(&d, o);
    if (check_dims(&d, err, errlen) != 0)
        return -1;
    g = gguf_init_empty();
    if (g == NULL) {
        set_err(err, errlen, "gguf_tiny_write: gguf_init_empty failed");
        return -1;
    }
    int64_t n_vocab = copy_tokenizer(g, d.vocab_path, err, errlen);
    if (n_vocab < 0)
        goto out;
    set_hparams(g, &d, n_vocab);
    if (d.chat_template != NULL)
        gguf_set_val_str(g, "tokenizer.chat_template", d.chat_template);
    else if (gguf_find_key(g, "tokenizer.chat_template") < 0)
        gguf_set_val_str(g, "tokenizer.chat_template", gguf_tiny_chatml_template);
    if (add_weights(g, &weights, &d, n_vocab, err, errlen) != 0)
        goto out;
    if (!gguf_write_to_file(g, path, false)) {
        set_err(err, errlen, "gguf_tiny_write: cannot write %s", path);
        remove(path);
        goto out;
    }
    rc = 0;
out:
    ggml_free(weights);
    gguf_free(g);
    return rc;
}
