/* fuzz_dec_json.c - libFuzzer target for the json decoder (see fuzz_dec.h). */
#include "fuzz_dec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decoder("json", data, size);
}
