#include "cli/cli.h"

int cmd_search(struct cli *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    term_error(stderr, "search: not wired yet");
    return EXIT_FAIL;
}

int cmd_demo(struct cli *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    return EXIT_FAIL;
}
