/*
 * Value and Array, the caller's side.  A rank that maps the arena (rank 0's
 * host) reads and writes elements itself, after checking the generation in
 * the array's header; any other rank, or any rank under RP_ARRAY_REMOTE=1,
 * sends A_GET / A_PUT / A_RMW requests that the manager executes with the
 * same atomics (manager/arrays.c, wire/elem.c).  See docs/arrays.md.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

/* Remote bulk transfers go in pieces of this many bytes: one message each,
 * well under the message limit, and a copy at a time that stays small. */
#define REMOTE_CHUNK ((size_t)4 << 20)

static int is_int(uint32_t type) {
    return type == RP_ELEM_INT32 || type == RP_ELEM_INT64 || type == RP_ELEM_UINT64;
}

static int is_float(uint32_t type) {
    return type == RP_ELEM_FLOAT || type == RP_ELEM_DOUBLE;
}

/* ---- open, destroy ---------------------------------------------------------------- */

int rp_array_open(rp_runtime *rt, const char *name, int flags, rp_elem type, size_t elem_size,
                  size_t length, rp_array *a) {
    if (a == NULL)
        return rp__err(RP_EINVAL, "NULL handle pointer");
    if (type < RP_ELEM_INT32 || type > RP_ELEM_BYTES)
        return rp__err(RP_EINVAL, "unknown element type %d", (int)type);
    size_t natural = rp_elem_size(type);
    if (type == RP_ELEM_BYTES ? elem_size < 1 || elem_size > RP__MAX_ELEM_SIZE
                              : elem_size != 0 && elem_size != natural)
        return rp__err(RP_EINVAL, "element size %zu does not suit type %d", elem_size, (int)type);
    if (type != RP_ELEM_BYTES)
        elem_size = natural;
    if (length > (SIZE_MAX >> 1) / elem_size)
        return rp__err(RP_ETOOBIG, "%zu elements of %zu bytes: more bytes than any memory", length,
                       elem_size);
    rp__call c;
    int rc = rp__call_open(rt, &c, name, flags, RP_KIND_ARRAY,
                           (int64_t)type | (int64_t)elem_size << 8, (int64_t)length);
    if (rc < 0)
        return rc;
    rp_value v[4];
    int ok = 1;
    for (int k = 0; k < 4; k++)
        ok &= rp__call_next(&c, &v[k]) && v[k].type == RP_T_INT && v[k].i >= 0;
    free(c.rep);
    if (!ok)
        return rp__err(RP_EPROTO, "malformed answer to an array open");
    *a = (rp_array){.id = c.rh.job,
                    .offset = (uint64_t)v[0].i,
                    .type = (uint32_t)v[1].i,
                    .elem_size = (uint32_t)v[2].i,
                    .length = (uint64_t)v[3].i};
    return 0;
}

int rp_value_open(rp_runtime *rt, const char *name, int flags, rp_elem type, rp_array *a) {
    if (type == RP_ELEM_BYTES)
        return rp__err(RP_EINVAL, "a Value holds a number; use rp_array_open for bytes");
    return rp_array_open(rt, name, flags, type, 0, 1, a);
}

int rp_array_destroy(rp_runtime *rt, rp_array a) {
    /* The manager checks the whole handle, where the array lies included:
     * only this array's own handle destroys it. */
    rp__call c;
    rp__call_begin(&c, RP_KIND_ARRAY, RP__OP_DESTROY, a.id, 0);
    rp__fw_int(&c.w, (int64_t)a.offset);
    rp__fw_int(&c.w, (int64_t)a.length);
    rp__fw_int(&c.w, (int64_t)a.type);
    rp__fw_int(&c.w, (int64_t)a.elem_size);
    return rp__call_plain(rt, &c);
}

/* ---- the two paths -------------------------------------------------------------- */

/* The handle does not lead to its array on the direct path: was the array
 * destroyed (RP_ENOENT: the manager no longer knows its id), or does the
 * handle lie about where it is (RP_EBADF)?  Asked only on this error path. */
static int not_there(rp_runtime *rt, const rp_array *a) {
    rp__call c;
    rp__call_begin(&c, RP_KIND_ARRAY, RP__OP_A_GET, a->id, 0);
    rp__fw_int(&c.w, 0);
    rp__fw_int(&c.w, 0);
    int rc = rp__call_plain(rt, &c);
    if (rc < 0 && rc != RP_ERANGE)
        return rc;
    return rp__err(RP_EBADF, "the handle does not describe array %#llx (forged or corrupted)",
                   (unsigned long long)a->id);
}

/* What can be checked of an array's handle without its array: an array's
 * id (RP_EBADF, RP_ETYPE), an element type and size that go together. */
static int handle_ok(const rp_array *a) {
    int rc = rp__handle_check(a->id, RP_KIND_ARRAY);
    if (rc != 0)
        return rc;
    size_t natural = rp_elem_size((rp_elem)a->type);
    if (a->type < RP_ELEM_INT32 || a->type > RP_ELEM_BYTES ||
        (a->type == RP_ELEM_BYTES ? a->elem_size < 1 || a->elem_size > RP__MAX_ELEM_SIZE
                                  : a->elem_size != natural))
        return rp__err(RP_EBADF, "not an array's handle: type %u, element size %u", a->type,
                       a->elem_size);
    return 0;
}

/*
 * The handle check of every array call: 1: access directly at *data
 * (element 0); 0: through the manager, which checks the handle's id; or an
 * error: RP_EBADF (not an array's handle, or one that lies about its
 * array), RP_ETYPE (another object's), RP_ENOENT (destroyed: the generation
 * in the array's header, also on the direct path).
 */
static int locate(rp_runtime *rt, const rp_array *a, uint8_t **data) {
    if (rt == NULL)
        return rp__err(RP_EINVAL, "NULL runtime");
    int rc = handle_ok(a);
    if (rc != 0)
        return rc;
    const rp__shm *sh = &rt->shm;
    if (!sh->direct)
        return 0;
    if (a->offset % 64 != 0 || a->offset > sh->size || sh->size - a->offset < sizeof(rp__ahdr) ||
        (sh->size - a->offset - sizeof(rp__ahdr)) / a->elem_size < a->length)
        return not_there(rt, a);
    const rp__ahdr *h = (const rp__ahdr *)(sh->base + a->offset);
    if (__atomic_load_n(&h->gen, __ATOMIC_ACQUIRE) != a->id || h->length != a->length ||
        h->type != a->type || h->elem_size != a->elem_size)
        return not_there(rt, a);
    *data = (uint8_t *)h + sizeof(rp__ahdr);
    return 1;
}

static int range(const rp_array *a, size_t start, size_t n) {
    if (start > a->length || n > a->length - start)
        return rp__err(RP_ERANGE, "elements [%zu, +%zu) out of range for an array of %llu", start,
                       n, (unsigned long long)a->length);
    return 0;
}

static int remote_read(rp_runtime *rt, const rp_array *a, size_t start, size_t n, void *out) {
    size_t per = REMOTE_CHUNK / a->elem_size ? REMOTE_CHUNK / a->elem_size : 1;
    uint8_t *dst = out;
    while (n > 0) {
        size_t k = n < per ? n : per;
        rp__call c;
        rp__call_begin(&c, RP_KIND_ARRAY, RP__OP_A_GET, a->id, 0);
        rp__fw_int(&c.w, (int64_t)start);
        rp__fw_int(&c.w, (int64_t)k);
        int rc = rp__call_run(rt, &c);
        if (rc < 0)
            return rc;
        rp_value v;
        size_t bytes = k * a->elem_size;
        if (!rp__call_next(&c, &v) || v.type != RP_T_BYTES || v.len != bytes) {
            free(c.rep);
            return rp__err(RP_EPROTO, "malformed answer to an array read");
        }
        memcpy(dst, v.data, bytes);
        free(c.rep);
        dst += bytes;
        start += k;
        n -= k;
    }
    return 0;
}

static int remote_write(rp_runtime *rt, const rp_array *a, size_t start, size_t n, const void *in) {
    size_t per = REMOTE_CHUNK / a->elem_size ? REMOTE_CHUNK / a->elem_size : 1;
    const uint8_t *src = in;
    while (n > 0) {
        size_t k = n < per ? n : per;
        rp__call c;
        rp__call_begin(&c, RP_KIND_ARRAY, RP__OP_A_PUT, a->id, 0);
        rp__fw_int(&c.w, (int64_t)start);
        rp__fw_bytes(&c.w, src, k * a->elem_size);
        int rc = rp__call_plain(rt, &c);
        if (rc < 0)
            return rc;
        src += k * a->elem_size;
        start += k;
        n -= k;
    }
    return 0;
}

/* One read-modify-write, either way; 1 if a CAS swapped, else 0. */
static int rmw(rp_runtime *rt, const rp_array *a, size_t i, int op, uint64_t x, uint64_t y,
               uint64_t *old) {
    uint8_t *data;
    int rc = locate(rt, a, &data);
    if (rc < 0)
        return rc;
    if (range(a, i, 1) != 0)
        return RP_ERANGE;
    if (rp__rmw_check((int)a->type, op) != 0)
        return rp__err(RP_ETYPE, "this operation does not apply to elements of type %u", a->type);
    if (rc == 1)
        return rp__rmw(data + i * a->elem_size, (int)a->type, op, x, y, old);
    rp__call c;
    rp__call_begin(&c, RP_KIND_ARRAY, RP__OP_A_RMW, a->id, op);
    rp__fw_int(&c.w, (int64_t)i);
    rp__fw_int(&c.w, (int64_t)x);
    rp__fw_int(&c.w, (int64_t)y);
    rc = rp__call_run(rt, &c);
    if (rc < 0)
        return rc;
    rp_value v;
    if (!rp__call_next(&c, &v) || v.type != RP_T_INT) {
        free(c.rep);
        return rp__err(RP_EPROTO, "malformed answer to an array operation");
    }
    *old = (uint64_t)v.i;
    free(c.rep);
    return rc > 0;
}

/* ---- elements and ranges ----------------------------------------------------------- */

/* Copy @p n elements from @p start out to @p buf, or in from it (@p in).
 * @p one: the single element @p start, by one atomic load or store
 * (rp_array_get, rp_array_set); else a copy between fences. */
static int copy_range(rp_runtime *rt, rp_array a, size_t start, size_t n, void *buf, int in,
                      int one) {
    uint8_t *data;
    int rc = locate(rt, &a, &data);
    if (rc < 0)
        return rc;
    if (range(&a, start, n) != 0)
        return RP_ERANGE;
    if (buf == NULL && n > 0)
        return rp__err(RP_EINVAL, "NULL buffer");
    if (rc == 0)
        return in ? remote_write(rt, &a, start, n, buf) : remote_read(rt, &a, start, n, buf);
    uint8_t *at = data + start * a.elem_size;
    if (one && in) {
        rp__elem_store(at, a.elem_size, buf);
    } else if (one) {
        rp__elem_load(at, a.elem_size, buf);
    } else {
        /* Fences order the copy with the caller's atomics and locks. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (n > 0 && in)
            memcpy(at, buf, n * a.elem_size);
        else if (n > 0)
            memcpy(buf, at, n * a.elem_size);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return 0;
}

int rp_array_read(rp_runtime *rt, rp_array a, size_t start, size_t n, void *out) {
    return copy_range(rt, a, start, n, out, 0, 0);
}

int rp_array_write(rp_runtime *rt, rp_array a, size_t start, size_t n, const void *in) {
    return copy_range(rt, a, start, n, (void *)in, 1, 0);
}

int rp_array_get(rp_runtime *rt, rp_array a, size_t i, void *out) {
    return copy_range(rt, a, i, 1, out, 0, 1);
}

int rp_array_set(rp_runtime *rt, rp_array a, size_t i, const void *in) {
    return copy_range(rt, a, i, 1, (void *)in, 1, 1);
}

/* ---- typed access ------------------------------------------------------------------ */

static int64_t from_int(uint32_t type, uint64_t bits) {
    return type == RP_ELEM_INT32 ? (int64_t)(int32_t)(uint32_t)bits : (int64_t)bits;
}

/* An integer in the element's width; RP_EOVERFLOW if it does not fit an INT32. */
static int to_int(uint32_t type, int64_t v, uint64_t *bits) {
    if (type == RP_ELEM_INT32) {
        if (v < INT32_MIN || v > INT32_MAX)
            return rp__err(RP_EOVERFLOW, "%lld does not fit an int32 element", (long long)v);
        *bits = (uint32_t)(int32_t)v;
    } else {
        *bits = (uint64_t)v;
    }
    return 0;
}

static double from_float(uint32_t type, uint64_t bits) {
    if (type == RP_ELEM_FLOAT) {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, sizeof f);
        return f;
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t to_float(uint32_t type, double v) {
    if (type == RP_ELEM_FLOAT) {
        float f = (float)v;
        uint32_t b;
        memcpy(&b, &f, sizeof b);
        return b;
    }
    uint64_t b = 0;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* A typed call's first check: the handle (before its type is believed),
 * then the type. */
static int want(const rp_array *a, int ints) {
    int rc = handle_ok(a);
    if (rc != 0)
        return rc;
    if (ints ? is_int(a->type) : is_float(a->type))
        return 0;
    return rp__err(RP_ETYPE, "elements of type %u are not %s", a->type,
                   ints ? "integers" : "floating point");
}

/* A typed read: its checks (want: integers or not, then the output
 * pointer @p out), then element i's bits (zero-extended) into *bits. */
static int get_bits(rp_runtime *rt, const rp_array *a, size_t i, int ints, const void *out,
                    uint64_t *bits) {
    int rc = want(a, ints);
    if (rc == 0 && out == NULL)
        rc = rp__err(RP_EINVAL, "NULL output pointer");
    if (rc != 0)
        return rc;
    if (a->elem_size != 4)
        return rp_array_get(rt, *a, i, bits);
    uint32_t w;
    if ((rc = rp_array_get(rt, *a, i, &w)) == 0)
        *bits = w;
    return rc;
}

/* Set element i's bits. */
static int set_bits(rp_runtime *rt, const rp_array *a, size_t i, uint64_t bits) {
    uint32_t w = (uint32_t)bits;
    return rp_array_set(rt, *a, i, a->elem_size == 4 ? (const void *)&w : (const void *)&bits);
}

int rp_array_get_i64(rp_runtime *rt, rp_array a, size_t i, int64_t *out) {
    uint64_t b = 0;
    int rc = get_bits(rt, &a, i, 1, out, &b);
    if (rc == 0)
        *out = from_int(a.type, b);
    return rc;
}

int rp_array_set_i64(rp_runtime *rt, rp_array a, size_t i, int64_t v) {
    uint64_t b = 0;
    int rc = want(&a, 1);
    if (rc == 0)
        rc = to_int(a.type, v, &b);
    return rc ? rc : set_bits(rt, &a, i, b);
}

int rp_array_get_f64(rp_runtime *rt, rp_array a, size_t i, double *out) {
    uint64_t b = 0;
    int rc = get_bits(rt, &a, i, 0, out, &b);
    if (rc == 0)
        *out = from_float(a.type, b);
    return rc;
}

int rp_array_set_f64(rp_runtime *rt, rp_array a, size_t i, double v) {
    int rc = want(&a, 0);
    return rc ? rc : set_bits(rt, &a, i, to_float(a.type, v));
}

/* An atomic on an integer element, its operands @p x, @p y already in the
 * element's width (to_int); the old value (if @p old) in 64 bits. */
static int rmw_i64(rp_runtime *rt, const rp_array *a, size_t i, int op, uint64_t x, uint64_t y,
                   int64_t *old) {
    uint64_t o = 0;
    int rc = rmw(rt, a, i, op, x, y, &o);
    if (rc >= 0 && old != NULL)
        *old = from_int(a->type, o);
    return rc;
}

/* An atomic on a floating-point element: the type checked, the operands
 * converted to it, the old value (if @p old) back as a double. */
static int rmw_f64(rp_runtime *rt, const rp_array *a, size_t i, int op, double x, double y,
                   double *old) {
    uint64_t o = 0;
    int rc = want(a, 0);
    if (rc == 0)
        rc = rmw(rt, a, i, op, to_float(a->type, x), to_float(a->type, y), &o);
    if (rc >= 0 && old != NULL)
        *old = from_float(a->type, o);
    return rc;
}

int rp_array_fetch_add_i64(rp_runtime *rt, rp_array a, size_t i, int64_t delta, int64_t *old) {
    int rc = want(&a, 1);
    return rc ? rc : rmw_i64(rt, &a, i, RP__RMW_FAA, (uint64_t)delta, 0, old);
}

int rp_array_fetch_add_f64(rp_runtime *rt, rp_array a, size_t i, double delta, double *old) {
    return rmw_f64(rt, &a, i, RP__RMW_FADD, delta, 0, old);
}

int rp_array_cas_i64(rp_runtime *rt, rp_array a, size_t i, int64_t expected, int64_t desired,
                     int64_t *old) {
    uint64_t x = 0, y = 0;
    int rc = want(&a, 1);
    if (rc == 0)
        rc = to_int(a.type, desired, &y);
    if (rc != 0)
        return rc;
    if (to_int(a.type, expected, &x) != 0) {
        /* An expected value the element cannot hold never matches. */
        int64_t cur;
        rc = rp_array_get_i64(rt, a, i, &cur);
        if (rc == 0 && old != NULL)
            *old = cur;
        return rc;
    }
    return rmw_i64(rt, &a, i, RP__RMW_CAS, x, y, old);
}

int rp_array_cas_f64(rp_runtime *rt, rp_array a, size_t i, double expected, double desired,
                     double *old) {
    return rmw_f64(rt, &a, i, RP__RMW_CAS, expected, desired, old);
}

int rp_array_swap_i64(rp_runtime *rt, rp_array a, size_t i, int64_t v, int64_t *old) {
    uint64_t x = 0;
    int rc = want(&a, 1);
    if (rc == 0)
        rc = to_int(a.type, v, &x);
    return rc ? rc : rmw_i64(rt, &a, i, RP__RMW_SWAP, x, 0, old);
}

int rp_array_swap_f64(rp_runtime *rt, rp_array a, size_t i, double v, double *old) {
    return rmw_f64(rt, &a, i, RP__RMW_SWAP, v, 0, old);
}

/* ---- lock, pointer ------------------------------------------------------------------ */

int rp_array_lock(rp_runtime *rt, rp_array a, double timeout) {
    if (rp__timeout_check(timeout, "timeout") != 0)
        return RP_EINVAL;
    uint8_t *data;
    int rc = locate(rt, &a, &data);
    if (rc < 0)
        return rc;
    rp__call c;
    rp__call_begin(&c, RP_KIND_ARRAY, RP__OP_ACQUIRE, a.id, 0);
    rp__fw_double(&c.w, timeout);
    rc = rp__call_plain(rt, &c);
    /* The holder must see what the last holder stored before releasing. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return rc < 0 ? rc : 0;
}

int rp_array_unlock(rp_runtime *rt, rp_array a) {
    uint8_t *data;
    int rc = locate(rt, &a, &data);
    if (rc < 0)
        return rc;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    rp__call c;
    rp__call_begin(&c, RP_KIND_ARRAY, RP__OP_RELEASE, a.id, 0);
    rc = rp__call_plain(rt, &c);
    return rc < 0 ? rc : 0;
}

int rp_array_ptr(rp_runtime *rt, rp_array a, void **p) {
    if (p == NULL)
        return rp__err(RP_EINVAL, "NULL pointer");
    uint8_t *data;
    int rc = locate(rt, &a, &data);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return rp__err(RP_ESTATE, "this rank does not map the shared memory (another host, or "
                                  "RP_ARRAY_REMOTE=1)");
    *p = data;
    return 0;
}
