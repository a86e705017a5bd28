/*
 * The arena's allocator: first fit over the shared window's bytes, free
 * ranges sorted by offset and merged with their neighbours.  Rank 0's store
 * uses it under its lock.
 */
#include "manager/store.h"

#include <stdlib.h>
#include <string.h>

/* ---- the allocator ------------------------------------------------------------ */

int rp__arena_init(rp__arena *a, void *base, size_t size) {
    memset(a, 0, sizeof *a);
    a->free = malloc(8 * sizeof *a->free);
    if (a->free == NULL)
        return RP_ENOMEM;
    a->cap = 8;
    a->base = base;
    a->size = size;
    if (size > 0)
        a->free[a->nfree++] = (rp__range){0, size};
    return 0;
}

void rp__arena_fini(rp__arena *a) {
    free(a->free);
    memset(a, 0, sizeof *a);
}

int rp__arena_alloc(rp__arena *a, size_t len, size_t *off) {
    /* Freeing may split nothing but can add a range: keep room for it now,
     * so that destroying an array never needs memory. */
    rp__range *v = rp__grow(a->free, &a->cap, a->nalloc + 2, sizeof *v, 8);
    if (v == NULL)
        return RP_ENOMEM;
    a->free = v;
    for (size_t i = 0; i < a->nfree; i++) {
        if (a->free[i].len < len)
            continue;
        *off = a->free[i].off;
        a->free[i].off += len;
        a->free[i].len -= len;
        if (a->free[i].len == 0) {
            memmove(a->free + i, a->free + i + 1, (a->nfree - i - 1) * sizeof *a->free);
            a->nfree--;
        }
        a->nalloc++;
        a->used += len;
        return 0;
    }
    return RP_ENOSPC;
}

void rp__arena_free(rp__arena *a, size_t off, size_t len) {
    size_t i = 0;
    while (i < a->nfree && a->free[i].off < off)
        i++;
    int left = i > 0 && a->free[i - 1].off + a->free[i - 1].len == off;
    int right = i < a->nfree && off + len == a->free[i].off;
    if (left && right) {
        a->free[i - 1].len += len + a->free[i].len;
        memmove(a->free + i, a->free + i + 1, (a->nfree - i - 1) * sizeof *a->free);
        a->nfree--;
    } else if (left) {
        a->free[i - 1].len += len;
    } else if (right) {
        a->free[i].off = off;
        a->free[i].len += len;
    } else {
        memmove(a->free + i + 1, a->free + i, (a->nfree - i) * sizeof *a->free);
        a->free[i] = (rp__range){off, len};
        a->nfree++;
    }
    a->nalloc--;
    a->used -= len;
}
