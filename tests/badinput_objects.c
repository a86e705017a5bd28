/* Bad-input rows (tests/badinput.h): dicts, lists, namespaces, the object list. */
#include "badinput.h"

#include <stdlib.h>
#include <string.h>

/* ---- dict ---------------------------------------------------------------------- */

#define DICT ((rp_dict){BI_ID(d)})

static int d_dict_open(bi *b, const bi_row *r) {
    rp_dict d;
    int rc = rp_dict_open(BI_RT, BI_STR(BI_NAME_DICT), (int)r->i, BI_OUT(&d));
    return rc;
}
static int d_dict_destroy(bi *b, const bi_row *r) {
    return rp_dict_destroy(BI_RT, DICT);
}
static int d_dict_get(bi *b, const bi_row *r) {
    return rp_dict_get(BI_RT, DICT, BI_KEY, BI_VOUT);
}
static int d_dict_get_int(bi *b, const bi_row *r) {
    return rp_dict_get_int(BI_RT, DICT, BI_KEY, BI_OUT(&b->i64));
}
static int d_dict_get_double(bi *b, const bi_row *r) {
    return rp_dict_get_double(BI_RT, DICT, BI_KEY, BI_OUT(&b->dbl));
}
static int d_dict_get_str(bi *b, const bi_row *r) {
    return rp_dict_get_str(BI_RT, DICT, BI_KEY, BI_OUT(b->buf), r->i ? 0 : sizeof b->buf);
}
static int d_dict_set(bi *b, const bi_row *r) {
    return rp_dict_set(BI_RT, DICT, BI_KEY, BI_VAL);
}
static int d_dict_del(bi *b, const bi_row *r) {
    return rp_dict_del(BI_RT, DICT, BI_KEY);
}
static int d_dict_contains(bi *b, const bi_row *r) {
    return rp_dict_contains(BI_RT, DICT, BI_KEY);
}
static int d_dict_len(bi *b, const bi_row *r) {
    return rp_dict_len(BI_RT, DICT, BI_OUT(&b->sz));
}
static int d_dict_setdefault(bi *b, const bi_row *r) {
    return rp_dict_setdefault(BI_RT, DICT, BI_KEY, BI_VAL, BI_VOUT);
}
static int d_dict_pop(bi *b, const bi_row *r) {
    return rp_dict_pop(BI_RT, DICT, BI_KEY, BI_VOUT);
}
static int d_dict_clear(bi *b, const bi_row *r) {
    return rp_dict_clear(BI_RT, DICT);
}
static int d_dict_items(bi *b, const bi_row *r) {
    return rp_dict_items(BI_RT, DICT, r->i ? (int)r->i : RP_KEYS, BI_IOUT);
}
static int d_dict_update(bi *b, const bi_row *r) {
    rp_key k[1] = {BI_KEY};
    rp_value v[1] = {BI_VAL};
    return rp_dict_update(BI_RT, DICT, BI_OUT(k), v, r->n ? r->n : 1);
}
static int d_dict_get_many(bi *b, const bi_row *r) {
    rp_key k[1] = {BI_KEY};
    return rp_dict_get_many(BI_RT, DICT, r->i ? NULL : k, r->n ? r->n : 1, BI_IOUT);
}
static int d_dict_add(bi *b, const bi_row *r) {
    return rp_dict_add(BI_RT, DICT, BI_KEY, r->i ? rp_str("abc") : BI_VAL, BI_VOUT);
}
static int d_dict_add_int(bi *b, const bi_row *r) {
    return rp_dict_add_int(BI_RT, DICT, BI_KEY, r->i ? r->i : 1, &b->i64);
}
static int d_dict_cas(bi *b, const bi_row *r) {
    return rp_dict_cas(BI_RT, DICT, BI_KEY, rp_int(5), BI_VAL, BI_VOUT);
}
static int d_dict_swap(bi *b, const bi_row *r) {
    return rp_dict_swap(BI_RT, DICT, BI_KEY, BI_VAL, BI_VOUT);
}

/* ---- list ---------------------------------------------------------------------- */

#define LIST ((rp_list){BI_ID(l)})

static int d_list_open(bi *b, const bi_row *r) {
    rp_list l;
    int rc = rp_list_open(BI_RT, BI_STR(NULL), (int)r->i, BI_OUT(&l));
    return rc;
}
static int d_list_destroy(bi *b, const bi_row *r) {
    return rp_list_destroy(BI_RT, LIST);
}
static int d_list_append(bi *b, const bi_row *r) {
    return rp_list_append(BI_RT, LIST, BI_VAL);
}
static int d_list_extend(bi *b, const bi_row *r) {
    rp_value v[2] = {BI_VAL, BI_VAL};
    return rp_list_extend(BI_RT, LIST, BI_OUT(v), r->n ? r->n : 2);
}
static int d_list_get(bi *b, const bi_row *r) {
    return rp_list_get(BI_RT, LIST, r->i, BI_VOUT);
}
static int d_list_set(bi *b, const bi_row *r) {
    return rp_list_set(BI_RT, LIST, r->i, BI_VAL);
}
static int d_list_pop(bi *b, const bi_row *r) {
    return rp_list_pop(BI_RT, LIST, r->i, BI_VOUT);
}
static int d_list_insert(bi *b, const bi_row *r) {
    return rp_list_insert(BI_RT, LIST, r->i, BI_VAL);
}
static int d_list_len(bi *b, const bi_row *r) {
    return rp_list_len(BI_RT, LIST, BI_OUT(&b->sz));
}
static int d_list_slice(bi *b, const bi_row *r) {
    return rp_list_slice(BI_RT, LIST, r->i, RP_SLICE_END, BI_IOUT);
}

/* ---- namespace ----------------------------------------------------------------- */

#define NS ((rp_ns){BI_ID(n)})

static int d_ns_open(bi *b, const bi_row *r) {
    rp_ns n;
    int rc = rp_ns_open(BI_RT, BI_STR(NULL), (int)r->i, BI_OUT(&n));
    return rc;
}
static int d_ns_destroy(bi *b, const bi_row *r) {
    return rp_ns_destroy(BI_RT, NS);
}
static int d_ns_get(bi *b, const bi_row *r) {
    return rp_ns_get(BI_RT, NS, BI_STR("attr"), BI_VOUT);
}
static int d_ns_set(bi *b, const bi_row *r) {
    return rp_ns_set(BI_RT, NS, BI_STR("attr"), BI_VAL);
}
static int d_ns_del(bi *b, const bi_row *r) {
    return rp_ns_del(BI_RT, NS, BI_STR("attr"));
}
/* rp_ns_dict is pure: the dict it gives for a bad namespace is refused. */
static int d_ns_dict(bi *b, const bi_row *r) {
    return rp_dict_len(BI_RT, rp_ns_dict(NS), &b->sz);
}

/* ---- the object list, values ------------------------------------------------------ */

static int d_obj_list(bi *b, const bi_row *r) {
    rp_obj_info *info = BI_POISON;
    int rc = rp_obj_list(BI_RT, r->i ? &info : BI_OUT(&info), r->i ? NULL : &b->sz);
    if (rc == 0)
        free(info);
    return bi_left(rc, r->null ? NULL : info);
}
static int d_obj_memory(bi *b, const bi_row *r) {
    return rp_obj_memory(BI_RT, &b->sz, NULL);
}
static int d_value_free(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    rp_value_free(NULL); /* a no-op, documented */
    rp_value v = rp_str("borrowed bytes, not owned");
    rp_value_free(&v); /* owns nothing: only reset */
    return v.type != RP_T_NONE;
}
static int d_items_free(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    rp_items none;
    memset(&none, 0, sizeof none);
    rp_items_free(NULL);
    rp_items_free(&none);
    return none.n != 0;
}

#define OPEN_ROWS(f, drv, other)                                                                   \
    {#f, drv, "NULL runtime", RP_EINVAL, .rt = 1, .s = S_MISSING, .i = RP_CREATE},                 \
        {#f, drv, "NULL handle pointer", RP_EINVAL, .null = 1, .s = S_MISSING, .i = RP_CREATE},    \
        {#f, drv, "unknown flag 8", RP_EINVAL, .i = 8, .s = S_MISSING},                            \
        {#f, drv, "empty name", RP_EINVAL, .s = S_EMPTY, .i = RP_CREATE},                          \
        {#f, drv, "a 70 KiB name (obj_key_max 64 KiB)", RP_ETOOBIG, .s = S_LONG, .i = RP_CREATE},  \
        {#f, drv, "a name that holds a " other, RP_ETYPE, .s = S_OTHERKIND, .i = RP_CREATE}, {     \
#f, drv, "no such name, no RP_CREATE", RP_ENOENT, .s = S_MISSING                           \
    }

const bi_row bi_rows_objects[] = {
    OPEN_ROWS(rp_dict_open, d_dict_open, "queue"),
    {"rp_dict_open", d_dict_open, "RP_EXCL on an existing one", .want = RP_EEXIST,
     .i = RP_CREATE | RP_EXCL},
    BI_HANDLE_ROWS(rp_dict_destroy, d_dict_destroy),
    BI_HANDLE_ROWS(rp_dict_get, d_dict_get),
    {"rp_dict_get", d_dict_get, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    {"rp_dict_get", d_dict_get, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_dict_get_int, d_dict_get_int),
    {"rp_dict_get_int", d_dict_get_int, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_dict_get_int", d_dict_get_int, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    BI_HANDLE_ROWS(rp_dict_get_double, d_dict_get_double),
    {"rp_dict_get_double", d_dict_get_double, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_dict_get_str, d_dict_get_str),
    {"rp_dict_get_str", d_dict_get_str, "NULL buffer", .want = RP_EINVAL, .null = 1},
    {"rp_dict_get_str", d_dict_get_str, "buffer of 0 bytes", .want = RP_EINVAL, .i = 1},
    {"rp_dict_get_str", d_dict_get_str, "an integer value", .want = RP_ETYPE},
    BI_HANDLE_ROWS(rp_dict_set, d_dict_set),
    {"rp_dict_set", d_dict_set, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    {"rp_dict_set", d_dict_set, "no value (RP_T_NONE)", .want = RP_EINVAL, .v = V_NONE},
    {"rp_dict_set", d_dict_set, "value of type 9", .want = RP_EINVAL, .v = V_BADTYPE},
    {"rp_dict_set", d_dict_set, "bytes with NULL data", .want = RP_EINVAL, .v = V_NULLBYTES},
    {"rp_dict_set", d_dict_set, "value over obj_value_max", .want = RP_ETOOBIG, .v = V_TOOBIG},
    BI_HANDLE_ROWS(rp_dict_del, d_dict_del),
    {"rp_dict_del", d_dict_del, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    BI_HANDLE_ROWS(rp_dict_contains, d_dict_contains),
    {"rp_dict_contains", d_dict_contains, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    BI_HANDLE_ROWS(rp_dict_len, d_dict_len),
    {"rp_dict_len", d_dict_len, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_dict_setdefault, d_dict_setdefault),
    {"rp_dict_setdefault", d_dict_setdefault, "no value", .want = RP_EINVAL, .v = V_NONE},
    {"rp_dict_setdefault", d_dict_setdefault, "value of type 9", .want = RP_EINVAL, .v = V_BADTYPE},
    BI_HANDLE_ROWS(rp_dict_pop, d_dict_pop),
    {"rp_dict_pop", d_dict_pop, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    BI_HANDLE_ROWS(rp_dict_clear, d_dict_clear),
    BI_HANDLE_ROWS(rp_dict_items, d_dict_items),
    {"rp_dict_items", d_dict_items, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_dict_items", d_dict_items, "what = 256", .want = RP_EINVAL, .i = 256},
    {"rp_dict_items", d_dict_items, "what = -1", .want = RP_EINVAL, .i = -1},
    BI_HANDLE_ROWS(rp_dict_update, d_dict_update),
    {"rp_dict_update", d_dict_update, "NULL keys", .want = RP_EINVAL, .null = 1},
    {"rp_dict_update", d_dict_update, "a key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    {"rp_dict_update", d_dict_update, "no value", .want = RP_EINVAL, .v = V_NONE},
    {"rp_dict_update", d_dict_update, "2^23 + 1 pairs", .want = RP_ETOOBIG,
     .n = ((size_t)1 << 23) + 1},
    BI_HANDLE_ROWS(rp_dict_get_many, d_dict_get_many),
    {"rp_dict_get_many", d_dict_get_many, "NULL keys", .want = RP_EINVAL, .i = 1},
    {"rp_dict_get_many", d_dict_get_many, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_dict_get_many", d_dict_get_many, "a key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    {"rp_dict_get_many", d_dict_get_many, "2^24 + 1 keys", .want = RP_ETOOBIG,
     .n = ((size_t)1 << 24) + 1},
    BI_HANDLE_ROWS(rp_dict_add, d_dict_add),
    {"rp_dict_add", d_dict_add, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    {"rp_dict_add", d_dict_add, "no delta", .want = RP_EINVAL, .v = V_NONE},
    {"rp_dict_add", d_dict_add, "a bytes delta", .want = RP_ETYPE, .i = 1},
    BI_HANDLE_ROWS(rp_dict_add_int, d_dict_add_int),
    {"rp_dict_add_int", d_dict_add_int, "1 + INT64_MAX", .want = RP_EOVERFLOW, .i = INT64_MAX},
    {"rp_dict_add_int", d_dict_add_int, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    BI_HANDLE_ROWS(rp_dict_cas, d_dict_cas),
    {"rp_dict_cas", d_dict_cas, "desired of type 9", .want = RP_EINVAL, .v = V_BADTYPE},
    {"rp_dict_cas", d_dict_cas, "key with NULL data", .want = RP_EINVAL, .k = K_NULL},
    BI_HANDLE_ROWS(rp_dict_swap, d_dict_swap),
    {"rp_dict_swap", d_dict_swap, "no value", .want = RP_EINVAL, .v = V_NONE},
    {"rp_dict_swap", d_dict_swap, "bytes with NULL data", .want = RP_EINVAL, .v = V_NULLBYTES},

    OPEN_ROWS(rp_list_open, d_list_open, "queue"),
    BI_HANDLE_ROWS(rp_list_destroy, d_list_destroy),
    BI_HANDLE_ROWS(rp_list_append, d_list_append),
    {"rp_list_append", d_list_append, "no value", .want = RP_EINVAL, .v = V_NONE},
    {"rp_list_append", d_list_append, "value of type 9", .want = RP_EINVAL, .v = V_BADTYPE},
    {"rp_list_append", d_list_append, "value over obj_value_max", .want = RP_ETOOBIG,
     .v = V_TOOBIG},
    BI_HANDLE_ROWS(rp_list_extend, d_list_extend),
    {"rp_list_extend", d_list_extend, "NULL values", .want = RP_EINVAL, .null = 1},
    {"rp_list_extend", d_list_extend, "bytes with NULL data", .want = RP_EINVAL, .v = V_NULLBYTES},
    {"rp_list_extend", d_list_extend, "2^24 values", .want = RP_ETOOBIG, .n = (size_t)1 << 24},
    BI_HANDLE_ROWS(rp_list_get, d_list_get),
    {"rp_list_get", d_list_get, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_list_get", d_list_get, "index 99 of 1", .want = RP_ERANGE, .i = 99},
    {"rp_list_get", d_list_get, "index INT64_MIN", .want = RP_ERANGE, .i = INT64_MIN},
    {"rp_list_get", d_list_get, "index INT64_MAX", .want = RP_ERANGE, .i = INT64_MAX},
    BI_HANDLE_ROWS(rp_list_set, d_list_set),
    {"rp_list_set", d_list_set, "index -2 of 1", .want = RP_ERANGE, .i = -2},
    {"rp_list_set", d_list_set, "no value", .want = RP_EINVAL, .v = V_NONE},
    BI_HANDLE_ROWS(rp_list_pop, d_list_pop),
    {"rp_list_pop", d_list_pop, "index INT64_MIN", .want = RP_ERANGE, .i = INT64_MIN},
    {"rp_list_pop", d_list_pop, "index 1 of 1", .want = RP_ERANGE, .i = 1},
    BI_HANDLE_ROWS(rp_list_insert, d_list_insert),
    {"rp_list_insert", d_list_insert, "no value", .want = RP_EINVAL, .v = V_NONE},
    BI_HANDLE_ROWS(rp_list_len, d_list_len),
    {"rp_list_len", d_list_len, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_list_slice, d_list_slice),
    {"rp_list_slice", d_list_slice, "NULL output", .want = RP_EINVAL, .null = 1},

    OPEN_ROWS(rp_ns_open, d_ns_open, "queue"),
    BI_HANDLE_ROWS(rp_ns_destroy, d_ns_destroy),
    BI_HANDLE_ROWS(rp_ns_get, d_ns_get),
    {"rp_ns_get", d_ns_get, "NULL attribute", .want = RP_EINVAL, .s = S_NULL},
    {"rp_ns_get", d_ns_get, "empty attribute", .want = RP_EINVAL, .s = S_EMPTY},
    {"rp_ns_get", d_ns_get, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_ns_get", d_ns_get, "no such attribute", .want = RP_ENOKEY},
    BI_HANDLE_ROWS(rp_ns_set, d_ns_set),
    {"rp_ns_set", d_ns_set, "NULL attribute", .want = RP_EINVAL, .s = S_NULL},
    {"rp_ns_set", d_ns_set, "no value", .want = RP_EINVAL, .v = V_NONE},
    BI_HANDLE_ROWS(rp_ns_del, d_ns_del),
    {"rp_ns_del", d_ns_del, "empty attribute", .want = RP_EINVAL, .s = S_EMPTY},
    {"rp_ns_del", d_ns_del, "no such attribute", .want = RP_ENOKEY},
    {"rp_ns_dict", d_ns_dict, "a zero handle's dict", .want = RP_EBADF, .h = H_ZERO},
    {"rp_ns_dict", d_ns_dict, "a destroyed namespace's dict", .want = RP_ENOENT, .h = H_GONE},
    {"rp_ns_dict", d_ns_dict, "a forged handle's dict", .want = RP_EBADF, .h = H_FORGED},

    {"rp_obj_list", d_obj_list, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_obj_list", d_obj_list, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_obj_list", d_obj_list, "NULL count", .want = RP_EINVAL, .i = 1},
    {"rp_obj_memory", d_obj_memory, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_value_free", d_value_free, "NULL, and a value that owns nothing", .want = 0},
    {"rp_items_free", d_items_free, "NULL, and an empty batch", .want = 0},
    {.fn = NULL},
};
