/*
 * bench/json.c - the JSON hot path against the project's general JSON
 * library on the same bytes, in one run: vigil's json_flatten (zero-copy,
 * flattening) versus cJSON_ParseWithLength (builds a tree) + cJSON_Delete.
 *
 *   bench_json [FILE...]     (default: 200,000 generated Windows events)
 *
 * One line per case: json.<parser>.<input> lines/s MB/s, and the ratio.
 */
#include "base/arena.h"
#include "base/clock.h"
#include "base/json.h"
#include "demo/gen.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_leaf(void *ctx, struct str path, const struct json_leaf_value *v)
{
    (void)path, (void)v;
    (*(uint64_t *)ctx)++;
    return 0;
}

struct result {
    double secs;
    uint64_t lines, ok;
};

/* Parse one line; returns 1 if it was valid. */
typedef int parse_fn(const char *p, size_t n, void *ctx);

static struct result run(const char *buf, size_t len, int reps, parse_fn *parse, void *ctx)
{
    struct result r = {0};
    int64_t t0 = clock_mono_ns();
    for (int k = 0; k < reps; k++) {
        const char *p = buf, *end = buf + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (nl == NULL)
                nl = end;
            if (nl > p) {
                r.lines++;
                r.ok += (uint64_t)parse(p, (size_t)(nl - p), ctx);
            }
            p = nl + 1;
        }
    }
    r.secs = (double)(clock_mono_ns() - t0) / 1e9;
    return r;
}

static int parse_flatten(const char *p, size_t n, void *ctx)
{
    static const struct json_flatten_opts o = {
        .max_depth = 32, .max_leaves = 4096, .max_path_bytes = 512};
    struct arena *a = ctx;
    uint64_t leaves = 0;
    int ok = json_flatten(str_make(p, n), &o, a, count_leaf, &leaves, NULL) == 0;
    arena_reset(a);
    return ok;
}

static int parse_cjson(const char *p, size_t n, void *ctx)
{
    (void)ctx;
    cJSON *j = cJSON_ParseWithLength(p, n);
    cJSON_Delete(j);
    return j != NULL;
}

static void report(const char *input, const char *buf, size_t len)
{
    int reps = len < (64u << 20) ? 3 : 1;
    struct arena a;
    arena_init(&a, 1 << 20);
    struct result f = run(buf, len, reps, parse_flatten, &a);
    arena_fini(&a);
    struct result c = run(buf, len, reps, parse_cjson, NULL);
    double mb = (double)len * reps / 1e6;
    printf("json.flatten.%s lines=%llu ok=%llu lines/s=%.0f MB/s=%.0f\n", input,
           (unsigned long long)f.lines, (unsigned long long)f.ok, (double)f.lines / f.secs,
           mb / f.secs);
    printf("json.cjson.%s lines=%llu ok=%llu lines/s=%.0f MB/s=%.0f\n", input,
           (unsigned long long)c.lines, (unsigned long long)c.ok, (double)c.lines / c.secs,
           mb / c.secs);
    printf("json.ratio.%s flatten/cjson=%.2f\n", input, c.secs / f.secs);
}

int main(int argc, char **argv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            FILE *fp = fopen(argv[i], "rb");
            if (fp == NULL) {
                fprintf(stderr, "bench_json: cannot open %s\n", argv[i]);
                return 1;
            }
            char tmp[1 << 16];
            size_t n;
            while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
                fwrite(tmp, 1, n, mem);
            fclose(fp);
        }
    } else {
        struct gen_opts go = {
            .seed = 42, .end_ns = 1790000000LL * NS_PER_SEC, .span_ns = 86400LL * NS_PER_SEC};
        gen_write(mem, GEN_WINJSON, 200000, &go);
    }
    fclose(mem);
    report(argc > 1 ? "corpus" : "generated", buf, len);
    free(buf);
    return 0;
}
