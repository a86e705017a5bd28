/*
 * rankpool/array.h: Value and Array, shared typed memory.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_ARRAY_H
#define RANKPOOL_ARRAY_H

#include "rankpool/objects.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/* ------------------------------------------------------------------------ */
/* Value and Array: shared typed memory                                      */
/* ------------------------------------------------------------------------ */
/*
 * Python's multiprocessing.Value('d', 0.0) and Array('i', 10): a typed
 * scalar or fixed-length array that every rank and task reads and writes.
 * The memory is one MPI-3 shared window made at init on rank 0's host
 * (rp_options.shm_arena_size, default 64 MiB); the manager hands out pieces
 * of it.  Rank 0 and the ranks on its host reach an array with plain loads,
 * stores and CPU atomics (no message, no MPI call); a rank on another host
 * goes through the manager, which applies the same CPU atomics to the same
 * memory, so atomics stay atomic across both kinds of rank.
 *
 * A Value is an Array of length 1 (rp_value_open).  Elements are zeroed at
 * creation.  An array lives until rp_array_destroy or the end of the
 * runtime; a handle (rp_array, a plain 32-byte value) may be copied into
 * task arguments and used on any rank.  Not collective.  Thread-safe.
 *
 * Memory model, in plain words:
 *  - an atomic operation (fetch-add, compare-and-swap, swap) is visible to
 *    every rank at once, and orders everything before it (sequentially
 *    consistent);
 *  - a plain rp_array_set / rp_array_write is visible to others after the
 *    writer's next lock/unlock or atomic operation on any array; single
 *    4- and 8-byte elements never tear;
 *  - a bulk read racing with writers may see some elements old, some new;
 *  - when in doubt, hold the array's lock (rp_array_lock, Python's
 *    get_lock()) around a compound update.  Every array is also usable
 *    without its lock (Python's RawValue/RawArray, lock=False).
 * See docs/arrays.md.
 *
 * Besides the codes listed, every call may return RP_EINVAL (NULL runtime
 * or pointer), RP_EBADF (not an array's handle: never issued, forged, or
 * one whose offset, length, type or element size are not its array's),
 * RP_ETYPE (another object's handle), RP_ENOENT (the array was destroyed:
 * every access checks the generation its handle holds, also on the direct
 * path), RP_ENOMEM and RP_EMPI; a bad handle leaves every array untouched.  Element access from a
 * rank on rank 0's host is lock-free and makes no MPI call; an access racing with rp_array_destroy
 * of the same array is a use after free, as in C.
 */

/** Element types (Python's typecodes 'i', 'q', 'Q', 'f', 'd', and raw bytes). */
typedef enum rp_elem {
    RP_ELEM_INT32 = 1,  /**< int32_t ('i') */
    RP_ELEM_INT64 = 2,  /**< int64_t ('q') */
    RP_ELEM_UINT64 = 3, /**< uint64_t ('Q') */
    RP_ELEM_FLOAT = 4,  /**< float ('f') */
    RP_ELEM_DOUBLE = 5, /**< double ('d') */
    RP_ELEM_BYTES = 6   /**< elem_size raw bytes (a struct, a char[n]); no atomics */
} rp_elem;

/** Handle of a shared Value or Array: a plain value, valid on every rank. */
typedef struct rp_array {
    uint64_t id;        /**< object id, also the generation checked on every access */
    uint64_t offset;    /**< where it lies in the shared memory */
    uint64_t length;    /**< elements */
    uint32_t type;      /**< an rp_elem */
    uint32_t elem_size; /**< bytes per element */
} rp_array;

/**
 * Open the array called @p name (as rp_dict_open: RP_CREATE, RP_EXCL, NULL
 * for an anonymous one) of @p length elements of @p type.  @p elem_size is
 * the element's size for RP_ELEM_BYTES (1..2^20) and must be 0 or the
 * type's own size otherwise.  Opening an existing array: @p type and
 * @p elem_size must match (RP_ETYPE), @p length must match unless 0 (any
 * length; RP_EINVAL otherwise).  Creating with length 0 makes an empty array.
 * @return 0; RP_EINVAL (bad type, size), RP_ETOOBIG (the array is larger
 *         than the whole shared memory, shm_arena_size, or its size in bytes
 *         overflows; or the name is too long), RP_ENOSPC (it would fit, but
 *         the shared memory is full now, or obj_mem_max is reached:
 *         destroying arrays gives it back), RP_ESTATE (shm_arena_size was 0),
 *         RP_ENOENT, RP_EEXIST, RP_ETYPE (as rp_dict_open).
 */
int rp_array_open(rp_runtime *rt, const char *name, int flags, rp_elem type, size_t elem_size,
                  size_t length, rp_array *a);

/** A Value: rp_array_open with length 1 of a numeric @p type (RP_EINVAL for RP_ELEM_BYTES). */
int rp_value_open(rp_runtime *rt, const char *name, int flags, rp_elem type, rp_array *a);

/**
 * Destroy the array: its memory goes back to the arena, later accesses
 * through any handle fail with RP_ENOENT, callers blocked on its lock get
 * RP_ENOENT.
 */
int rp_array_destroy(rp_runtime *rt, rp_array a);

/**
 * Copy element @p i (elem_size bytes) to @p out, or from @p in.  A 4- or
 * 8-byte element is read or written whole (a relaxed atomic load or store).
 * @return 0; RP_ERANGE (i >= length).
 */
int rp_array_get(rp_runtime *rt, rp_array a, size_t i, void *out);
/** See rp_array_get. */
int rp_array_set(rp_runtime *rt, rp_array a, size_t i, const void *in);

/**
 * Bulk get: copy elements [start, start + n) to @p out (n * elem_size
 * bytes), or bulk put from @p in.  Not atomic as a whole: take the lock to
 * read or write a consistent range.  A fence on each side orders the copy
 * with the caller's atomics.  @return 0; RP_ERANGE (past the end).
 */
int rp_array_read(rp_runtime *rt, rp_array a, size_t start, size_t n, void *out);
/** See rp_array_read. */
int rp_array_write(rp_runtime *rt, rp_array a, size_t start, size_t n, const void *in);

/**
 * Element @p i as an int64_t (an INT32 widened, a UINT64's bits as
 * int64_t), or set it.  @return 0; RP_ERANGE; RP_ETYPE (not an integer
 * type); RP_EOVERFLOW (set: the value does not fit an INT32; nothing changes).
 */
int rp_array_get_i64(rp_runtime *rt, rp_array a, size_t i, int64_t *out);
/** See rp_array_get_i64. */
int rp_array_set_i64(rp_runtime *rt, rp_array a, size_t i, int64_t v);

/** Element @p i of a FLOAT or DOUBLE array as a double, or set it.  RP_ERANGE, RP_ETYPE. */
int rp_array_get_f64(rp_runtime *rt, rp_array a, size_t i, double *out);
/** See rp_array_get_f64. */
int rp_array_set_f64(rp_runtime *rt, rp_array a, size_t i, double v);

/**
 * Atomic a[i] += delta on an integer element; the value before goes to
 * @p old (may be NULL).  Wraps around on overflow, as C's atomics do (an
 * INT32 element adds delta modulo 2^32).  @return 0; RP_ERANGE; RP_ETYPE.
 */
int rp_array_fetch_add_i64(rp_runtime *rt, rp_array a, size_t i, int64_t delta, int64_t *old);

/**
 * Atomic a[i] += delta on a FLOAT or DOUBLE element (a compare-and-swap
 * loop; for a FLOAT, delta is rounded to float first); the value before to
 * @p old (may be NULL).  @return 0; RP_ERANGE; RP_ETYPE.
 */
int rp_array_fetch_add_f64(rp_runtime *rt, rp_array a, size_t i, double delta, double *old);

/**
 * Atomic compare-and-swap on an integer element: if a[i] == @p expected,
 * set it to @p desired.  The value before goes to @p old (may be NULL).
 * @return 1 if it swapped, 0 if not; RP_ERANGE; RP_ETYPE; RP_EOVERFLOW
 *         (desired does not fit an INT32).
 */
int rp_array_cas_i64(rp_runtime *rt, rp_array a, size_t i, int64_t expected, int64_t desired,
                     int64_t *old);

/**
 * Compare-and-swap on a FLOAT or DOUBLE element, comparing bit patterns
 * (so a NaN matches itself and 0.0 does not match -0.0).  Returns as
 * rp_array_cas_i64.
 */
int rp_array_cas_f64(rp_runtime *rt, rp_array a, size_t i, double expected, double desired,
                     double *old);

/** Atomic get-and-set of an integer element: old value to @p old (may be NULL).  As set_i64. */
int rp_array_swap_i64(rp_runtime *rt, rp_array a, size_t i, int64_t v, int64_t *old);

/** Atomic get-and-set of a FLOAT or DOUBLE element.  RP_ERANGE, RP_ETYPE. */
int rp_array_swap_f64(rp_runtime *rt, rp_array a, size_t i, double v, double *old);

/**
 * Python's get_lock(): acquire the array's own recursive lock (an RLock
 * held by the manager, per thread), waiting up to @p timeout.  Acquiring
 * also fences, so the holder sees every store made before the last release.
 * @return 0; RP_ETIMEDOUT; RP_EDEADLK (it would wait on the manager thread: a
 *         callback, or a task of a one-rank job).
 */
int rp_array_lock(rp_runtime *rt, rp_array a, double timeout);

/** Release the array's lock (fencing first).  RP_EPERM if the calling thread does not hold it. */
int rp_array_unlock(rp_runtime *rt, rp_array a);

/**
 * A direct pointer to element 0, for loads and stores of one's own (the
 * fastest access; the memory model above applies, use __atomic builtins or
 * the lock).  Valid until the array is destroyed.  Only on rank 0's host.
 * @return 0; RP_ESTATE (this rank has no mapping: another host, or
 *         RP_ARRAY_REMOTE=1); RP_ENOENT.
 */
int rp_array_ptr(rp_runtime *rt, rp_array a, void **p);

/** Size in bytes of an element of @p type (0 for RP_ELEM_BYTES and unknown types).  Pure. */
size_t rp_elem_size(rp_elem type);

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_ARRAY_H */
