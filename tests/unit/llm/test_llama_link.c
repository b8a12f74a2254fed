/*
 * test_llama_link.c - llama.cpp is linked in-process: the static libraries that
 * scripts/build-llama made resolve, the backend starts and stops, and the build
 * names the llama.cpp it embeds. Built only when CMake links llama.cpp
 * (VIGIL_LLAMA); see docs/internals/llama-build.md.
 */
#include <llama.h>

#include <criterion/criterion.h>
#include <string.h>

Test(llama_link, backend_init_system_info_free)
{
    llama_backend_init();
    const char *info = llama_print_system_info();
    cr_assert_not_null(info);
    cr_assert_gt(strlen(info), 0, "llama_print_system_info() returned an empty string");
    /* The CPU backend is always compiled in. */
    cr_assert_not_null(strstr(info, "CPU"), "no CPU backend in: %s", info);
    llama_backend_free();
}

Test(llama_link, build_names_release_and_commit)
{
#ifndef VIGIL_LLAMA_BUILD
    cr_assert_fail("VIGIL_LLAMA_BUILD is not defined for code linking vigil_llama");
#else
    const char *build = VIGIL_LLAMA_BUILD;
    cr_assert_gt(strlen(build), 0);
    cr_assert_not_null(strstr(build, "llama.cpp"), "VIGIL_LLAMA_BUILD is '%s'", build);
#endif
}
