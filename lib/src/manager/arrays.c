/*
 * Value and Array, the manager's side: arrays placed in the shared arena
 * (net/window.c) and A_GET / A_PUT / A_RMW requests.  The manager cuts the
 * arena into arrays (first fit, under the store's lock: manager/arena.c).  Ranks that map it access
 * elements with loads, stores and CPU atomics; other ranks send A_GET / A_PUT / A_RMW requests,
 * which the store executes with the same atomics on the same memory, so an atomic is atomic
 * whichever way it came.  See docs/arrays.md.
 */
#include "manager/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_SIZE sizeof(rp__ahdr)
/* Arrays start on a cache line of their own: counters in different arrays
 * do not share one. */
#define ARRAY_ALIGN 64u

int rp__store_set_arena(rp__store *s, void *base, size_t size) {
    rp__arena *a = malloc(sizeof *a);
    if (a == NULL || rp__arena_init(a, base, size) != 0) {
        free(a);
        return RP_ENOMEM;
    }
    pthread_mutex_lock(&s->lock);
    s->arena = a;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static const char *elem_name(int type) {
    static const char *const names[] = {"?",     "int32",  "int64", "uint64",
                                        "float", "double", "bytes"};
    return type >= RP_ELEM_INT32 && type <= RP_ELEM_BYTES ? names[type] : names[0];
}

int rp__array_size(req *q, int64_t p1, int64_t p2, size_t *bytes) {
    rp__arena *a = q->s->arena;
    if (a == NULL)
        return rp__fail(q, RP_ESTATE, "no shared memory for arrays (shm_arena_size was 0)");
    int type = (int)(p1 & 0xff);
    int64_t es = p1 >> 8;
    size_t natural = rp_elem_size((rp_elem)type);
    if (p1 < 0 || type < RP_ELEM_INT32 || type > RP_ELEM_BYTES ||
        (type == RP_ELEM_BYTES ? es < 1 || (uint64_t)es > RP__MAX_ELEM_SIZE
                               : (size_t)es != natural))
        return rp__fail(q, RP_EINVAL, "bad element type %d or size %lld", type, (long long)es);
    if (p2 < 0)
        return rp__fail(q, RP_EINVAL, "bad length %lld", (long long)p2);
    /* Larger than the whole arena (or than any size at all) is never going
     * to fit: that is the request's fault, not a full arena's. */
    if ((uint64_t)p2 > (a->size - HDR_SIZE) / (uint64_t)es)
        return rp__fail(q, RP_ETOOBIG,
                        "%lld elements of %lld bytes are more than the whole shared memory "
                        "(%zu bytes, shm_arena_size)",
                        (long long)p2, (long long)es, a->size);
    size_t n = HDR_SIZE + (size_t)p2 * (size_t)es;
    *bytes = (n + ARRAY_ALIGN - 1) & ~(size_t)(ARRAY_ALIGN - 1);
    return 0;
}

int rp__array_init(req *q, obj *o, int64_t p1, int64_t p2, size_t bytes) {
    rp__arena *a = q->s->arena;
    size_t off;
    int rc = rp__arena_alloc(a, bytes, &off);
    if (rc == RP_ENOMEM)
        return rp__nomem(q);
    if (rc != 0)
        return rp__fail(q, RP_ENOSPC,
                        "the shared memory is full: no %zu free bytes in a row (%zu of %zu in use, "
                        "shm_arena_size)",
                        bytes, a->used, a->size);
    o->owner_rank = -1; /* its lock is free */
    o->aoff = off;
    o->asize = bytes;
    o->atype = (int)(p1 & 0xff);
    o->aelem = (uint32_t)(p1 >> 8);
    o->alen = (uint64_t)p2;
    /* Zeroed, as Python's Array('i', 10); the generation is set once the
     * object has its id (rp__array_live). */
    memset(a->base + off, 0, bytes);
    rp__ahdr *h = (rp__ahdr *)(a->base + off);
    h->length = o->alen;
    h->type = (uint32_t)o->atype;
    h->elem_size = o->aelem;
    return 0;
}

void rp__array_live(rp__store *s, const obj *o) {
    rp__ahdr *h = (rp__ahdr *)(s->arena->base + o->aoff);
    /* Release: a rank that sees the generation sees the zeroed elements. */
    __atomic_store_n(&h->gen, o->id, __ATOMIC_RELEASE);
}

int rp__array_match(req *q, const obj *o, int64_t p1, int64_t p2) {
    char b[120];
    if (o->atype != (int)(p1 & 0xff) || (int64_t)o->aelem != p1 >> 8)
        return rp__fail(q, RP_ETYPE, "%s holds %s elements of %u bytes",
                        rp__obj_label(o, b, sizeof b), elem_name(o->atype), o->aelem);
    if (p2 != 0 && (uint64_t)p2 != o->alen)
        return rp__fail(q, RP_EINVAL, "%s has %llu elements, not %lld",
                        rp__obj_label(o, b, sizeof b), (unsigned long long)o->alen, (long long)p2);
    return 0;
}

void rp__array_reply(req *q, const obj *o) {
    rp__fw_int(&q->w, (int64_t)o->aoff);
    rp__fw_int(&q->w, o->atype);
    rp__fw_int(&q->w, o->aelem);
    rp__fw_int(&q->w, (int64_t)o->alen);
}

void rp__array_destroy(rp__store *s, obj *o) {
    if (o->asize == 0 || s->arena == NULL)
        return;
    rp__ahdr *h = (rp__ahdr *)(s->arena->base + o->aoff);
    __atomic_store_n(&h->gen, 0, __ATOMIC_SEQ_CST);
    rp__arena_free(s->arena, o->aoff, o->asize);
    o->asize = 0;
}

static uint8_t *elem_at(const req *q, uint64_t i) {
    return q->s->arena->base + q->o->aoff + HDR_SIZE + i * q->o->aelem;
}

/* start and n from the request, within the array. */
static int range_args(req *q, uint64_t *start, uint64_t *n, int with_n) {
    int64_t a, b = 1;
    int rc = rp__int_arg(q, &a, "start");
    if (rc == 0 && with_n)
        rc = rp__int_arg(q, &b, "count");
    if (rc != 0)
        return rc;
    if (a < 0 || b < 0 || (uint64_t)a > q->o->alen || (uint64_t)b > q->o->alen - (uint64_t)a) {
        char l[120];
        return rp__fail(q, RP_ERANGE, "elements [%lld, +%lld) out of range for %s of %llu",
                        (long long)a, (long long)b, rp__obj_label(q->o, l, sizeof l),
                        (unsigned long long)q->o->alen);
    }
    *start = (uint64_t)a;
    *n = (uint64_t)b;
    return 0;
}

int rp__op_a_get(req *q) {
    uint64_t start, n;
    int rc = range_args(q, &start, &n, 1);
    if (rc != 0)
        return rc;
    if (n == 1) {
        uint8_t tmp[8];
        if (q->o->aelem <= sizeof tmp) {
            rp__elem_load(elem_at(q, start), q->o->aelem, tmp);
            rp__fw_bytes(&q->w, tmp, q->o->aelem);
            return 0;
        }
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    rp__fw_bytes(&q->w, elem_at(q, start), (size_t)(n * q->o->aelem));
    return 0;
}

int rp__op_a_put(req *q) {
    uint64_t start, n;
    rp__field f;
    int rc = range_args(q, &start, &n, 0);
    if (rc == 0)
        rc = rp__arg(q, &f, RP__F_BYTES, "elements");
    if (rc != 0)
        return rc;
    size_t es = q->o->aelem;
    n = f.len / es;
    if (f.len % es != 0 || n > q->o->alen - start) {
        char l[120];
        return rp__fail(q, f.len % es ? RP_EINVAL : RP_ERANGE,
                        "%zu bytes at element %llu do not fit %s", f.len, (unsigned long long)start,
                        rp__obj_label(q->o, l, sizeof l));
    }
    if (n == 1) {
        rp__elem_store(elem_at(q, start), es, f.p);
        return 0;
    }
    if (n > 0) {
        memcpy(elem_at(q, start), f.p, f.len);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return 0;
}

int rp__op_a_rmw(req *q) {
    int op = q->h->flags;
    uint64_t i, n;
    int64_t x, y;
    int rc = range_args(q, &i, &n, 0);
    if (rc == 0)
        rc = rp__int_arg(q, &x, "operand");
    if (rc == 0)
        rc = rp__int_arg(q, &y, "operand");
    if (rc != 0)
        return rc;
    if (i >= q->o->alen) {
        char l[120];
        return rp__fail(q, RP_ERANGE, "index %llu out of range for %s of %llu",
                        (unsigned long long)i, rp__obj_label(q->o, l, sizeof l),
                        (unsigned long long)q->o->alen);
    }
    if ((rc = rp__rmw_check(q->o->atype, op)) != 0) {
        char l[120];
        return rp__fail(q, rc, "operation %d does not apply to %s of %s", op,
                        rp__obj_label(q->o, l, sizeof l), elem_name(q->o->atype));
    }
    uint64_t old;
    q->w.h.code = rp__rmw(elem_at(q, i), q->o->atype, op, (uint64_t)x, (uint64_t)y, &old);
    rp__fw_int(&q->w, (int64_t)old);
    return 0;
}
