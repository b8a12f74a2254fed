/* fuzz_dec_kv.c - libFuzzer target for the kv decoder (see fuzz_dec.h). */
#include "fuzz_dec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decoder("kv", data, size);
}
