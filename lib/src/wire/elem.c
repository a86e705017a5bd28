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

/*
 * One read-modify-write on an element of @p U bits (@p F its floating-point
 * type): FAA adds as unsigned (it wraps, as the atomics of signed types
 * do), FADD adds as @p F by compare-and-swap on the bits, CAS swaps in @p y
 * if the element holds @p x, SWAP stores @p x.  The old bits go to *old;
 * returns 1 if a CAS swapped, else 0.  Defined once for each width.
 */
#define RP__RMW_WIDTH(name, U, F)                                                                  \
    static int name(U *e, int op, U x, U y, uint64_t *old) {                                       \
        U v = x, next;                                                                             \
        F d, f;                                                                                    \
        int swapped = 0;                                                                           \
        switch (op) {                                                                              \
        case RP__RMW_FAA:                                                                          \
            v = __atomic_fetch_add(e, x, __ATOMIC_SEQ_CST);                                        \
            break;                                                                                 \
        case RP__RMW_FADD:                                                                         \
            memcpy(&d, &x, sizeof d);                                                              \
            v = __atomic_load_n(e, __ATOMIC_RELAXED);                                              \
            do {                                                                                   \
                memcpy(&f, &v, sizeof f);                                                          \
                f += d;                                                                            \
                memcpy(&next, &f, sizeof next);                                                    \
            } while (                                                                              \
                !__atomic_compare_exchange_n(e, &v, next, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)); \
            break;                                                                                 \
        case RP__RMW_CAS:                                                                          \
            swapped =                                                                              \
                __atomic_compare_exchange_n(e, &v, y, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);      \
            break;                                                                                 \
        default:                                                                                   \
            v = __atomic_exchange_n(e, x, __ATOMIC_SEQ_CST);                                       \
            break;                                                                                 \
        }                                                                                          \
        *old = v;                                                                                  \
        return swapped;                                                                            \
    }

RP__RMW_WIDTH(rmw32, uint32_t, float)
RP__RMW_WIDTH(rmw64, uint64_t, double)
#undef RP__RMW_WIDTH

int rp__rmw(void *p, int type, int op, uint64_t x, uint64_t y, uint64_t *old) {
    if (type == RP_ELEM_INT32 || type == RP_ELEM_FLOAT)
        return rmw32(p, op, (uint32_t)x, (uint32_t)y, old);
    return rmw64(p, op, x, y, old);
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
