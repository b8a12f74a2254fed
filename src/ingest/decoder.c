#include "ingest/decoder.h"

#include <string.h>

extern const struct decoder decoder_cef;
extern const struct decoder decoder_syslog;
extern const struct decoder decoder_apache;
extern const struct decoder decoder_json;
extern const struct decoder decoder_csv;
extern const struct decoder decoder_kv;
extern const struct decoder decoder_raw;

/*
 * Probe order matters only on ties: more specific formats first. CEF often
 * rides inside syslog, so it comes before syslog; kv is the loosest
 * structured format; raw is the fallback and stays last.
 */
static const struct decoder *const decoders[] = {
    &decoder_cef, &decoder_syslog, &decoder_apache, &decoder_json,
    &decoder_csv, &decoder_kv,     &decoder_raw,
};

#define N_DECODERS (sizeof(decoders) / sizeof(decoders[0]))

const struct decoder *const *decoder_all(size_t *n)
{
    *n = N_DECODERS;
    return decoders;
}

const struct decoder *decoder_find(const char *name)
{
    for (size_t i = 0; i < N_DECODERS; i++)
        if (strcmp(decoders[i]->name, name) == 0)
            return decoders[i];
    return NULL;
}

const struct decoder *decoder_detect(const struct str *lines, size_t n_lines)
{
    const struct decoder *best = &decoder_raw;
    int best_score = 0;
    for (size_t i = 0; i < N_DECODERS; i++) {
        if (decoders[i]->probe == NULL)
            continue;
        int score = decoders[i]->probe(lines, n_lines);
        if (score > best_score) {
            best = decoders[i];
            best_score = score;
        }
    }
    return best;
}
