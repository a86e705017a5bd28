/*
 * The elements of a Value or an Array in the shared arena: their sizes, and
 * the loads, stores and read-modify-write operations both sides use (a rank
 * that maps the arena, and the manager executing another rank's request),
 * so that an atomic is atomic whichever way it came.  Pure C, no MPI.
 */
#include "rankpool.h"
#include "wire/wire.h"

#include <string.h>

_Static_assert(sizeof(rp__ahdr) == 32, "the array header is 32 bytes");

size_t rp_elem_size(rp_elem type) {
    switch (type) {
    case RP_ELEM_INT32:
    case RP_ELEM_FLOAT:
        return 4;
    case RP_ELEM_INT64:
    case RP_ELEM_UINT64:
    case RP_ELEM_DOUBLE:
        return 8;
    default:
        return 0;
    }
}

/* ---- element operations ------------------------------------------------------ */

int rp__rmw_check(int type, int op) {
    switch (op) {
    case RP__RMW_FAA:
        return type == RP_ELEM_INT32 || type == RP_ELEM_INT64 || type == RP_ELEM_UINT64 ? 0
                                                                                        : RP_ETYPE;
    case RP__RMW_FADD:
        return type == RP_ELEM_FLOAT || type == RP_ELEM_DOUBLE ? 0 : RP_ETYPE;
    case RP__RMW_CAS:
    case RP__RMW_SWAP:
        return type >= RP_ELEM_INT32 && type <= RP_ELEM_DOUBLE ? 0 : RP_ETYPE;
    default:
        return RP_EINVAL;
    }
}

static uint32_t fadd32(uint32_t *e, uint32_t x) {
    float d, f;
    memcpy(&d, &x, sizeof d);
    uint32_t cur = __atomic_load_n(e, __ATOMIC_RELAXED), next;
    do {
        memcpy(&f, &cur, sizeof f);
        f += d;
        memcpy(&next, &f, sizeof next);
    } while (!__atomic_compare_exchange_n(e, &cur, next, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    return cur;
}

static uint64_t fadd64(uint64_t *e, uint64_t x) {
    double d, f;
    memcpy(&d, &x, sizeof d);
    uint64_t cur = __atomic_load_n(e, __ATOMIC_RELAXED), next;
    do {
        memcpy(&f, &cur, sizeof f);
        f += d;
        memcpy(&next, &f, sizeof next);
    } while (!__atomic_compare_exchange_n(e, &cur, next, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    return cur;
}

int rp__rmw(void *p, int type, int op, uint64_t x, uint64_t y, uint64_t *old) {
    int swapped = 0;
    if (type == RP_ELEM_INT32 || type == RP_ELEM_FLOAT) {
        uint32_t *e = p, v = 0, want = (uint32_t)x;
        switch (op) {
        case RP__RMW_FAA: /* unsigned: wraps, as the atomics of signed types do */
            v = __atomic_fetch_add(e, want, __ATOMIC_SEQ_CST);
            break;
        case RP__RMW_FADD:
            v = fadd32(e, want);
            break;
        case RP__RMW_CAS:
            v = want;
            swapped = __atomic_compare_exchange_n(e, &v, (uint32_t)y, 0, __ATOMIC_SEQ_CST,
                                                  __ATOMIC_SEQ_CST);
            break;
        default:
            v = __atomic_exchange_n(e, want, __ATOMIC_SEQ_CST);
            break;
        }
        *old = v;
        return swapped;
    }
    uint64_t *e = p, v = 0;
    switch (op) {
    case RP__RMW_FAA:
        v = __atomic_fetch_add(e, x, __ATOMIC_SEQ_CST);
        break;
    case RP__RMW_FADD:
        v = fadd64(e, x);
        break;
    case RP__RMW_CAS:
        v = x;
        swapped = __atomic_compare_exchange_n(e, &v, y, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        break;
    default:
        v = __atomic_exchange_n(e, x, __ATOMIC_SEQ_CST);
        break;
    }
    *old = v;
    return swapped;
}

void rp__elem_load(const void *p, size_t size, void *out) {
    if (size == 4) {
        uint32_t v = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
        memcpy(out, &v, 4);
    } else if (size == 8) {
        uint64_t v = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
        memcpy(out, &v, 8);
    } else {
        memcpy(out, p, size);
    }
}

void rp__elem_store(void *p, size_t size, const void *in) {
    if (size == 4) {
        uint32_t v;
        memcpy(&v, in, 4);
        __atomic_store_n((uint32_t *)p, v, __ATOMIC_RELAXED);
    } else if (size == 8) {
        uint64_t v;
        memcpy(&v, in, 8);
        __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
    } else {
        memcpy(p, in, size);
    }
}
