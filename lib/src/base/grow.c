/* Arrays that grow: the one rule for making room, by doubling. */
#include "base/base.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The capacity from @p cap (or @p first, if 0) doubled until it holds
 * @p need elements of @p size bytes; 0 if that many bytes overflow. */
static size_t grown(size_t cap, size_t need, size_t size, size_t first) {
    size_t n = cap ? cap : first;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return 0;
        n *= 2;
    }
    return n > SIZE_MAX / size ? 0 : n;
}

void *rp__grow(void *v, size_t *cap, size_t need, size_t size, size_t first) {
    if (need <= *cap)
        return v;
    size_t n = grown(*cap, need, size, first);
    void *p = n ? realloc(v, n * size) : NULL;
    if (p != NULL)
        *cap = n;
    return p;
}

void *rp__ring_grow(void *v, size_t *cap, size_t *head, size_t len, size_t size, size_t first) {
    if (len < *cap)
        return v;
    size_t n = grown(*cap, len + 1, size, first);
    unsigned char *p = n ? malloc(n * size) : NULL;
    if (p == NULL)
        return NULL;
    if (len > 0) {
        /* From the head to the array's end, then the rest from its start. */
        size_t tail = *cap - *head < len ? *cap - *head : len;
        memcpy(p, (unsigned char *)v + *head * size, tail * size);
        memcpy(p + tail * size, v, (len - tail) * size);
    }
    free(v);
    *cap = n;
    *head = 0;
    return p;
}
