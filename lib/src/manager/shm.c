/*
 * Value and Array: the shared window, its allocator, the element operations,
 * and the manager's side of array requests.  The only file that makes MPI
 * window calls.
 *
 * One arena per runtime: at init the ranks of rank 0's host make one
 * MPI_Win_allocate_shared window in which rank 0 holds every byte, and each
 * maps it with MPI_Win_shared_query.  The manager cuts it into arrays
 * (first fit, under the store's lock).  Ranks that map it access elements
 * with loads, stores and CPU atomics; other ranks send A_GET / A_PUT /
 * A_RMW requests, which the store executes with the same atomics on the
 * same memory, so an atomic is atomic whichever way it came.  See
 * docs/arrays.md.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_SIZE sizeof(rp__ahdr)
/* Arrays start on a cache line of their own: counters in different arrays
 * do not share one. */
#define ARRAY_ALIGN 64u
#define MAX_ELEM_SIZE ((size_t)1 << 20)
#define MAX_ARENA ((size_t)1 << 40)

_Static_assert(sizeof(rp__ahdr) == 32, "the array header is 32 bytes");

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
    if (a->nalloc + 2 > a->cap) {
        size_t cap = a->cap * 2;
        rp__range *v = realloc(a->free, cap * sizeof *v);
        if (v == NULL)
            return RP_ENOMEM;
        a->free = v;
        a->cap = cap;
    }
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

/* ---- the window ---------------------------------------------------------------- */

int rp__shm_init(rp_runtime *rt, int ok) {
    rp__shm *sh = &rt->shm;
    memset(sh, 0, sizeof *sh);
    sh->node = MPI_COMM_NULL;
    sh->win = MPI_WIN_NULL;
    int rc = 0, remote = 0;
    /* A testing and diagnostic switch: every access goes through the manager. */
    const char *env = getenv("RP_ARRAY_REMOTE");
    if (env != NULL && env[0] != '\0') {
        if (strcmp(env, "1") == 0)
            remote = 1;
        else if (strcmp(env, "0") != 0)
            rc = rp__err(RP_EINVAL, "RP_ARRAY_REMOTE='%s': use 1 or 0", env);
    }
    MPI_Comm node;
    if (MPI_Comm_split_type(rt->comm, MPI_COMM_TYPE_SHARED, rt->rank, MPI_INFO_NULL, &node) !=
        MPI_SUCCESS)
        return rc ? rc : rp__err(RP_EMPI, "MPI_Comm_split_type failed");
    MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN);
    /* One call tells the host whether rank 0 is on it, the arena's size
     * (rank 0's option) and whether some rank here already failed: then
     * nobody makes the window and the agreement fails init everywhere. */
    uint64_t mine[3] = {rt->rank == 0, rt->rank == 0 ? rt->opt.shm_arena_size : 0, !ok || rc != 0},
             all[3];
    if (MPI_Allreduce(mine, all, 3, MPI_UINT64_T, MPI_MAX, node) != MPI_SUCCESS) {
        MPI_Comm_free(&node);
        return rc ? rc : rp__err(RP_EMPI, "MPI_Allreduce on the host failed");
    }
    if (!all[0] || all[1] == 0 || all[2]) {
        MPI_Comm_free(&node);
        return rc;
    }
    size_t size = (size_t)all[1];
    void *mem = NULL;
    if (MPI_Win_allocate_shared(rt->rank == 0 ? (MPI_Aint)size : 0, 1, MPI_INFO_NULL, node, &mem,
                                &sh->win) != MPI_SUCCESS) {
        MPI_Comm_free(&node);
        return rp__err(RP_EMPI, "MPI_Win_allocate_shared of %zu bytes failed", size);
    }
    MPI_Win_set_errhandler(sh->win, MPI_ERRORS_RETURN);
    sh->node = node;
    sh->joined = 1;
    MPI_Aint qsize = 0;
    int unit = 0;
    void *base = NULL;
    if (MPI_Win_shared_query(sh->win, 0, &qsize, &unit, &base) != MPI_SUCCESS || base == NULL ||
        (size_t)qsize < size)
        return rp__err(RP_EMPI, "MPI_Win_shared_query gave no mapping of the arena");
    sh->base = base;
    sh->size = size;
    sh->direct = !remote;
    if (rt->rank == 0 && rt->store != NULL && rp__store_set_arena(rt->store, base, size) != 0)
        return rp__err(RP_ENOMEM, "out of memory for the arena's free list");
    return 0;
}

int rp__shm_fini(rp_runtime *rt) {
    rp__shm *sh = &rt->shm;
    int rc = 0;
    if (sh->joined) {
        if (MPI_Win_free(&sh->win) != MPI_SUCCESS)
            rc = rp__err(RP_EMPI, "MPI_Win_free failed");
        MPI_Comm_free(&sh->node);
    }
    memset(sh, 0, sizeof *sh);
    return rc;
}

/* ---- the manager's side ------------------------------------------------------ */

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
        (type == RP_ELEM_BYTES ? es < 1 || (uint64_t)es > MAX_ELEM_SIZE : (size_t)es != natural))
        return rp__fail(q, RP_EINVAL, "bad element type %d or size %lld", type, (long long)es);
    if (p2 < 0)
        return rp__fail(q, RP_EINVAL, "bad length %lld", (long long)p2);
    if ((uint64_t)p2 > (a->size - HDR_SIZE) / (uint64_t)es)
        return rp__fail(q, RP_ENOSPC,
                        "%lld elements of %lld bytes exceed the shared memory (%zu "
                        "bytes, shm_arena_size)",
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
