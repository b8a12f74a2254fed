/*
 * sqlite_search.c - running compiled queries on the reader connection.
 */
#include "store/sqlite_int.h"

int sqlite__search(void *be, const struct query *q, const struct store_search_opts *o,
                   store_row_fn *fn, void *ctx, struct diag *d)
{
    (void)be, (void)q, (void)o, (void)fn, (void)ctx;
    return diag_set(d, E_UNSUPPORTED, "search", "the query compiler is not wired in yet");
}

int sqlite__explain(void *be, const struct query *q, const struct store_search_opts *o, char **sql,
                    struct diag *d)
{
    (void)be, (void)q, (void)o, (void)sql;
    return diag_set(d, E_UNSUPPORTED, "search", "the query compiler is not wired in yet");
}
