/*
 * xmalloc.h - allocation that aborts on plain out-of-memory.
 *
 * Input-driven growth is bounded by configured caps before allocation
 * (E_TOOBIG); what remains is genuine exhaustion, where aborting with a
 * message beats limping on.
 */
#ifndef VIGIL_BASE_XMALLOC_H
#define VIGIL_BASE_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
