/*
 * rankpool/objects.h: shared dicts, lists and namespaces held by the manager.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_OBJECTS_H
#define RANKPOOL_OBJECTS_H

#include "rankpool/task.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/* ------------------------------------------------------------------------ */
/* Shared objects: dicts, lists and namespaces held by the manager           */
/* ------------------------------------------------------------------------ */
/*
 * Python's Manager().dict(), .list() and .Namespace().  The objects live on
 * rank 0; every call below works from any thread of rank 0 and from tasks on
 * any rank (get the runtime with rp_task_runtime), and is atomic: the manager
 * runs each call whole, one at a time.  Handles are plain values: copy them
 * into task arguments.  Not collective.  Thread-safe.  See docs/objects.md.
 *
 * Every call returns 0 or a negative code; the ones every call may return are
 * RP_EINVAL (NULL runtime or output pointer, bad key), RP_EBADF (not a
 * handle: never issued, forged or corrupted), RP_ETYPE (the handle of
 * another kind of object; a namespace's handle is also a dict's), RP_ENOENT
 * (the object was destroyed), RP_ETOOBIG (a key, name or
 * value over the manager's limit, or a reply over one message), RP_ENOSPC
 * (the manager's obj_mem_max is reached), RP_ENOMEM and RP_EMPI.
 */

/** Value types. */
typedef enum rp_type {
    RP_T_NONE = 0,   /**< no value (a missing key in a batch; "absent" in rp_dict_cas) */
    RP_T_INT = 1,    /**< 64-bit signed integer, in .i */
    RP_T_DOUBLE = 2, /**< double, in .d */
    RP_T_BYTES = 3   /**< byte string, .data / .len */
} rp_type;

/**
 * A typed value.  Build one with rp_int(), rp_double(), rp_str(), rp_bytes().
 * Values returned by the library: bytes are followed by a NUL (so a stored
 * string reads back as a C string) and may own memory (.owned): release
 * them with rp_value_free().
 */
typedef struct rp_value {
    rp_type type;
    union {
        int64_t i;
        double d;
    };
    const void *data; /**< RP_T_BYTES: the bytes */
    size_t len;       /**< RP_T_BYTES: their number */
    void *owned;      /**< memory behind data, or NULL; rp_value_free releases it */
} rp_value;

/** A key: a byte string (a C string's bytes without its NUL, or any bytes). */
typedef struct rp_key {
    const void *data;
    size_t len;
} rp_key;

/** No value. */
static inline rp_value rp_none(void) {
    rp_value v;
    memset(&v, 0, sizeof v);
    return v;
}
/** An integer value. */
static inline rp_value rp_int(int64_t i) {
    rp_value v = rp_none();
    v.type = RP_T_INT;
    v.i = i;
    return v;
}
/** A double value. */
static inline rp_value rp_double(double d) {
    rp_value v = rp_none();
    v.type = RP_T_DOUBLE;
    v.d = d;
    return v;
}
/** A byte-string value of @p len bytes at @p data (borrowed for the call). */
static inline rp_value rp_bytes(const void *data, size_t len) {
    rp_value v = rp_none();
    v.type = RP_T_BYTES;
    v.data = data;
    v.len = len;
    return v;
}
/** A C string as a byte-string value (its bytes without the NUL). */
static inline rp_value rp_str(const char *s) {
    return rp_bytes(s, s ? strlen(s) : 0);
}
/** A C string as a key (its bytes without the NUL). */
static inline rp_key rp_key_str(const char *s) {
    rp_key k;
    k.data = s;
    k.len = s ? strlen(s) : 0;
    return k;
}
/** Bytes as a key. */
static inline rp_key rp_key_bytes(const void *data, size_t len) {
    rp_key k;
    k.data = data;
    k.len = len;
    return k;
}

/** Release the memory a returned value owns and reset it to RP_T_NONE.  NULL-safe. */
void rp_value_free(rp_value *v);

/**
 * A batch of keys and/or values returned by a call (snapshots, get-many,
 * slices).  keys[i] / values[i] point into memory the batch owns; either
 * array is NULL when not asked for.  Release with rp_items_free().
 */
typedef struct rp_items {
    size_t n;         /**< number of entries */
    rp_key *keys;     /**< n keys, or NULL */
    rp_value *values; /**< n values, or NULL (bytes NUL-terminated, owned by the batch) */
    void *mem;        /**< private */
} rp_items;

/** Release a batch and zero it.  NULL-safe. */
void rp_items_free(rp_items *items);

/** Handle of a shared dict: a plain value, valid on every rank. */
typedef struct rp_dict {
    uint64_t id;
} rp_dict;
/** Handle of a shared list. */
typedef struct rp_list {
    uint64_t id;
} rp_list;
/** Handle of a shared namespace (named attributes; a dict underneath). */
typedef struct rp_ns {
    uint64_t id;
} rp_ns;

/** Flags of the open calls. */
enum {
    RP_CREATE = 1, /**< create the object if there is none of that name */
    RP_EXCL = 2    /**< with RP_CREATE: fail with RP_EEXIST if it exists */
};

/** Kinds of objects, as rp_obj_list reports them. */
typedef enum rp_kind {
    RP_KIND_DICT = 1,
    RP_KIND_LIST = 2,
    RP_KIND_NS = 3,
    RP_KIND_QUEUE = 4,
    RP_KIND_LOCK = 5,
    RP_KIND_SEM = 6,
    RP_KIND_EVENT = 7,
    RP_KIND_COND = 8,
    RP_KIND_BARRIER = 9,
    RP_KIND_PIPE = 10,
    RP_KIND_ARRAY = 11 /**< a Value or Array (see "Value and Array") */
} rp_kind;

/**
 * Open the dict called @p name (1..obj_key_max bytes), creating it if @p flags
 * has RP_CREATE.  A NULL name creates a new anonymous dict.
 * @return 0; RP_ENOENT (no such name and no RP_CREATE), RP_EEXIST (RP_EXCL and it
 *         exists), RP_ETYPE (the name holds another kind of object), or as above.
 */
int rp_dict_open(rp_runtime *rt, const char *name, int flags, rp_dict *d);

/** Destroy the dict and everything in it; other handles to it get RP_ENOENT. */
int rp_dict_destroy(rp_runtime *rt, rp_dict d);

/**
 * d[k]: the value into @p out (release with rp_value_free).
 * @return 0; RP_ENOKEY if the key is missing (out is then RP_T_NONE).
 */
int rp_dict_get(rp_runtime *rt, rp_dict d, rp_key k, rp_value *out);

/** d[k] as an integer.  RP_ENOKEY, RP_ETYPE if the value is not an integer. */
int rp_dict_get_int(rp_runtime *rt, rp_dict d, rp_key k, int64_t *out);

/** d[k] as a double (an integer value is converted).  RP_ENOKEY, RP_ETYPE if bytes. */
int rp_dict_get_double(rp_runtime *rt, rp_dict d, rp_key k, double *out);

/**
 * d[k] as a C string copied into @p buf of @p cap bytes (NUL-terminated).
 * RP_ENOKEY; RP_ETYPE if not bytes; RP_ETRUNC if it does not fit (buf then
 * holds the first cap-1 bytes).
 */
int rp_dict_get_str(rp_runtime *rt, rp_dict d, rp_key k, char *buf, size_t cap);

/** d[k] = v.  @p v must not be RP_T_NONE (RP_EINVAL). */
int rp_dict_set(rp_runtime *rt, rp_dict d, rp_key k, rp_value v);

/** del d[k].  RP_ENOKEY if missing. */
int rp_dict_del(rp_runtime *rt, rp_dict d, rp_key k);

/** k in d: 1 if present, 0 if not, or a negative code. */
int rp_dict_contains(rp_runtime *rt, rp_dict d, rp_key k);

/** len(d) into @p n. */
int rp_dict_len(rp_runtime *rt, rp_dict d, size_t *n);

/**
 * d.setdefault(k, v): if k is missing, set it to @p v.  The value now at k
 * goes to @p out (may be NULL; release with rp_value_free).
 */
int rp_dict_setdefault(rp_runtime *rt, rp_dict d, rp_key k, rp_value v, rp_value *out);

/** d.pop(k): remove k and return its value in @p out (may be NULL).  RP_ENOKEY. */
int rp_dict_pop(rp_runtime *rt, rp_dict d, rp_key k, rp_value *out);

/** d.clear(). */
int rp_dict_clear(rp_runtime *rt, rp_dict d);

/** What rp_dict_items returns. */
enum { RP_KEYS = 1, RP_VALUES = 2 };

/**
 * A consistent snapshot of the dict in insertion order: keys (RP_KEYS),
 * values (RP_VALUES) or both (RP_KEYS | RP_VALUES), as Python's keys(),
 * values() and items().  Release with rp_items_free.  RP_ETOOBIG if the
 * snapshot exceeds one message (2 GiB).
 */
int rp_dict_items(rp_runtime *rt, rp_dict d, int what, rp_items *out);

/** d.update(pairs): set @p n keys to their values in one atomic call. */
int rp_dict_update(rp_runtime *rt, rp_dict d, const rp_key *keys, const rp_value *values, size_t n);

/**
 * Get @p n keys in one call.  out->values[i] is RP_T_NONE for a missing key;
 * out->keys is NULL.  Release with rp_items_free.
 */
int rp_dict_get_many(rp_runtime *rt, rp_dict d, const rp_key *keys, size_t n, rp_items *out);

/**
 * Atomic d[k] += delta (RP_T_INT or RP_T_DOUBLE).  A missing key counts as 0;
 * int + double gives a double, as in Python.  The new value goes to @p out
 * (may be NULL).  RP_ETYPE if the value is bytes; RP_EOVERFLOW if an integer
 * sum overflows (nothing changes).
 */
int rp_dict_add(rp_runtime *rt, rp_dict d, rp_key k, rp_value delta, rp_value *out);

/**
 * rp_dict_add for integers: the new value to @p out (may be NULL; if the
 * stored value was a double, the sum is a double and @p out gets it
 * truncated).
 */
int rp_dict_add_int(rp_runtime *rt, rp_dict d, rp_key k, int64_t delta, int64_t *out);

/**
 * Atomic compare-and-swap: if d[k] equals @p expected (same type and value;
 * RP_T_NONE: k is absent), set it to @p desired.  Returns 1 if it swapped, 0
 * if not, or a negative code.  The value at k before the call goes to
 * @p current (may be NULL; RP_T_NONE if absent).
 */
int rp_dict_cas(rp_runtime *rt, rp_dict d, rp_key k, rp_value expected, rp_value desired,
                rp_value *current);

/**
 * Atomic get-and-set: d[k] = v, and the previous value to @p old (may be
 * NULL; RP_T_NONE if k was absent).
 */
int rp_dict_swap(rp_runtime *rt, rp_dict d, rp_key k, rp_value v, rp_value *old);

/** Open or create a list, as rp_dict_open. */
int rp_list_open(rp_runtime *rt, const char *name, int flags, rp_list *l);

/** Destroy the list. */
int rp_list_destroy(rp_runtime *rt, rp_list l);

/** l.append(v).  @p v must not be RP_T_NONE. */
int rp_list_append(rp_runtime *rt, rp_list l, rp_value v);

/** l.extend(values): append @p n values in one atomic call. */
int rp_list_extend(rp_runtime *rt, rp_list l, const rp_value *values, size_t n);

/** l[i] (negative i counts from the end) into @p out.  RP_ERANGE if out of range. */
int rp_list_get(rp_runtime *rt, rp_list l, int64_t i, rp_value *out);

/** l[i] = v.  RP_ERANGE if out of range. */
int rp_list_set(rp_runtime *rt, rp_list l, int64_t i, rp_value v);

/** l.pop(i) (i = -1: the last) into @p out (may be NULL).  RP_ERANGE if out of range or empty. */
int rp_list_pop(rp_runtime *rt, rp_list l, int64_t i, rp_value *out);

/** l.insert(i, v): before index i; as in Python an i past either end is clamped. */
int rp_list_insert(rp_runtime *rt, rp_list l, int64_t i, rp_value v);

/** len(l) into @p n. */
int rp_list_len(rp_runtime *rt, rp_list l, size_t *n);

/**
 * l[start:stop] as a batch of values (out->keys NULL), with Python's slice
 * rules: negative indexes count from the end, out-of-range ones are clamped.
 * RP_SLICE_END as @p stop means "to the end".  Release with rp_items_free.
 */
int rp_list_slice(rp_runtime *rt, rp_list l, int64_t start, int64_t stop, rp_items *out);

/** rp_list_slice's "to the end". */
#define RP_SLICE_END INT64_MAX

/** Open or create a namespace, as rp_dict_open. */
int rp_ns_open(rp_runtime *rt, const char *name, int flags, rp_ns *ns);

/** Destroy the namespace. */
int rp_ns_destroy(rp_runtime *rt, rp_ns ns);

/** ns.attr into @p out.  RP_ENOKEY if there is no such attribute. */
int rp_ns_get(rp_runtime *rt, rp_ns ns, const char *attr, rp_value *out);

/** ns.attr = v. */
int rp_ns_set(rp_runtime *rt, rp_ns ns, const char *attr, rp_value v);

/** del ns.attr.  RP_ENOKEY if there is no such attribute. */
int rp_ns_del(rp_runtime *rt, rp_ns ns, const char *attr);

/**
 * The namespace as a dict of attribute name -> value, for every other dict
 * call (atomic add, cas, items...).  Pure; never fails.
 */
rp_dict rp_ns_dict(rp_ns ns);

/** One object the manager holds, as rp_obj_list reports it. */
typedef struct rp_obj_info {
    const char *name; /**< its name, or "" for an anonymous object */
    rp_kind kind;
    size_t len;  /**< entries (dict, namespace) or elements (list) */
    size_t mem;  /**< bytes it counts against obj_mem_max */
    uint64_t id; /**< the id its handles hold */
} rp_obj_info;

/**
 * List every object the manager holds, in creation order: @p *out receives
 * @p *n entries in one allocation (names included) that the caller releases
 * with free().  With server ranks (rp_options.servers), rank 0's objects
 * come first, then each server's, each in creation order.
 */
int rp_obj_list(rp_runtime *rt, rp_obj_info **out, size_t *n);

/**
 * Memory the manager's objects hold (what obj_mem_max limits) into @p used,
 * and the limit into @p limit; either may be NULL.  With server ranks each
 * of them and rank 0 has obj_mem_max of its own: both figures are the sums.
 */
int rp_obj_memory(rp_runtime *rt, size_t *used, size_t *limit);

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_OBJECTS_H */
