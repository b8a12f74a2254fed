/* fuzz_dec_cef.c - libFuzzer target for the cef decoder (see fuzz_dec.h). */
#include "fuzz_dec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decoder("cef", data, size);
}
