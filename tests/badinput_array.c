/* Bad-input rows (tests/badinput.h): Value and Array. */
#include "badinput.h"

#include <string.h>

/* The int64 array of 4 (a[0] = 42), or (.n) the int32 one of 2 (1) or the
 * double one of 2 (2), as .h asks. */
#define ARR bi_array(b, r, r->n == 1 ? b->f.a_int32 : r->n == 2 ? b->f.a_double : b->f.a)
/* For the floating-point calls: the double array, or (.n = 3) the int64 one. */
#define FARR bi_array(b, r, r->n == 3 ? b->f.a : r->n == 1 ? b->f.a_int32 : b->f.a_double)
#define IDX ((size_t)r->i)

static int d_array_open(bi *b, const bi_row *r) {
    rp_array a;
    /* .n: the type; .i: the element size; .t > 0: a length of SIZE_MAX / 4. */
    int rc = rp_array_open(BI_RT, BI_STR(NULL), RP_CREATE, (rp_elem)r->n, (size_t)r->i,
                           r->t > 0 ? SIZE_MAX / 4 : 2, BI_OUT(&a));
    if (rc == 0 && r->s == S_OTHERKIND)
        rp_array_destroy(b->rt, a); /* (with servers: arrays' names are rank 0's own) */
    return rc;
}
/* Value and Array live on rank 0 with their memory; with server ranks the
 * other objects' names hash to the servers (docs/scale.md), so an array
 * may share a name with a queue there. */
static int kind_clash(const bi *b, const bi_row *r) {
    (void)r;
    return rp_server_count(b->rt) > 0 ? 0 : RP_ETYPE;
}
static int d_value_open(bi *b, const bi_row *r) {
    rp_array a;
    int rc = rp_value_open(BI_RT, BI_STR(NULL), RP_CREATE, (rp_elem)r->n, BI_OUT(&a));
    return rc;
}
static int d_array_destroy(bi *b, const bi_row *r) {
    return rp_array_destroy(BI_RT, ARR);
}
static int d_array_get(bi *b, const bi_row *r) {
    return rp_array_get(BI_RT, ARR, IDX, BI_OUT(&b->i64));
}
static int d_array_set(bi *b, const bi_row *r) {
    return rp_array_set(BI_RT, ARR, IDX, BI_OUT(&b->i64));
}
static int d_array_read(bi *b, const bi_row *r) {
    int64_t two[2];
    return rp_array_read(BI_RT, ARR, IDX, 2, BI_OUT(two));
}
static int d_array_write(bi *b, const bi_row *r) {
    int64_t two[2] = {0, 0};
    return rp_array_write(BI_RT, ARR, IDX, 2, BI_OUT(two));
}
static int d_array_get_i64(bi *b, const bi_row *r) {
    return rp_array_get_i64(BI_RT, ARR, IDX, BI_OUT(&b->i64));
}
static int d_array_set_i64(bi *b, const bi_row *r) {
    return rp_array_set_i64(BI_RT, ARR, IDX, (int64_t)1 << 40);
}
static int d_array_get_f64(bi *b, const bi_row *r) {
    return rp_array_get_f64(BI_RT, FARR, IDX, BI_OUT(&b->dbl));
}
static int d_array_set_f64(bi *b, const bi_row *r) {
    return rp_array_set_f64(BI_RT, FARR, IDX, 1.5);
}
static int d_array_fetch_add_i64(bi *b, const bi_row *r) {
    return rp_array_fetch_add_i64(BI_RT, ARR, IDX, 1, NULL);
}
static int d_array_fetch_add_f64(bi *b, const bi_row *r) {
    return rp_array_fetch_add_f64(BI_RT, FARR, IDX, 1.0, NULL);
}
static int d_array_cas_i64(bi *b, const bi_row *r) {
    return rp_array_cas_i64(BI_RT, ARR, IDX, 42, (int64_t)1 << 40, NULL);
}
static int d_array_cas_f64(bi *b, const bi_row *r) {
    return rp_array_cas_f64(BI_RT, FARR, IDX, 0.0, 2.0, NULL);
}
static int d_array_swap_i64(bi *b, const bi_row *r) {
    return rp_array_swap_i64(BI_RT, ARR, IDX, (int64_t)1 << 40, NULL);
}
static int d_array_swap_f64(bi *b, const bi_row *r) {
    return rp_array_swap_f64(BI_RT, FARR, IDX, 2.0, NULL);
}
static int d_array_lock(bi *b, const bi_row *r) {
    return rp_array_lock(BI_RT, ARR, r->t);
}
static int d_array_unlock(bi *b, const bi_row *r) {
    return rp_array_unlock(BI_RT, ARR);
}
static int d_array_ptr(bi *b, const bi_row *r) {
    void *p = NULL;
    return rp_array_ptr(BI_RT, ARR, BI_OUT(&p));
}
static int d_elem_size(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_elem_size((rp_elem)0) != 0 || rp_elem_size((rp_elem)99) != 0 ||
           rp_elem_size(RP_ELEM_BYTES) != 0 || rp_elem_size(RP_ELEM_INT32) != 4;
}

/* Elements past the end, and the largest index. */
#define RANGE_ROWS(f, drv)                                                                         \
    {#f, drv, "index 4 of 4", RP_ERANGE, .i = 4}, {                                                \
#f, drv, "index SIZE_MAX", RP_ERANGE, .i = -1                                              \
    }

const bi_row bi_rows_array[] = {
    {"rp_array_open", d_array_open, "NULL runtime", .want = RP_EINVAL, .rt = 1, .n = RP_ELEM_INT64},
    {"rp_array_open", d_array_open, "NULL handle pointer", .want = RP_EINVAL, .null = 1,
     .n = RP_ELEM_INT64},
    {"rp_array_open", d_array_open, "element type 0", .want = RP_EINVAL},
    {"rp_array_open", d_array_open, "element type 9", .want = RP_EINVAL, .n = 9},
    {"rp_array_open", d_array_open, "int32 of 8 bytes", .want = RP_EINVAL, .n = RP_ELEM_INT32,
     .i = 8},
    {"rp_array_open", d_array_open, "bytes of 0 bytes", .want = RP_EINVAL, .n = RP_ELEM_BYTES},
    {"rp_array_open", d_array_open, "bytes of 2^20 + 1", .want = RP_EINVAL, .n = RP_ELEM_BYTES,
     .i = (1 << 20) + 1},
    {"rp_array_open", d_array_open, "SIZE_MAX / 4 doubles (the size overflows)", .want = RP_ETOOBIG,
     .n = RP_ELEM_DOUBLE, .t = 1},
    {"rp_array_open", d_array_open, "a name that holds a queue", .want = RP_ETYPE,
     .n = RP_ELEM_INT64, .s = S_OTHERKIND, .want_job = kind_clash},
    {"rp_array_open", d_array_open, "empty name", .want = RP_EINVAL, .n = RP_ELEM_INT64,
     .s = S_EMPTY},
    {"rp_value_open", d_value_open, "NULL runtime", .want = RP_EINVAL, .rt = 1,
     .n = RP_ELEM_DOUBLE},
    {"rp_value_open", d_value_open, "NULL handle pointer", .want = RP_EINVAL, .null = 1,
     .n = RP_ELEM_DOUBLE},
    {"rp_value_open", d_value_open, "raw bytes", .want = RP_EINVAL, .n = RP_ELEM_BYTES},
    {"rp_value_open", d_value_open, "element type 12", .want = RP_EINVAL, .n = 12},
    BI_HANDLE_ROWS(rp_array_destroy, d_array_destroy),
    BI_HANDLE_ROWS(rp_array_get, d_array_get),
    RANGE_ROWS(rp_array_get, d_array_get),
    {"rp_array_get", d_array_get, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_array_set, d_array_set),
    RANGE_ROWS(rp_array_set, d_array_set),
    {"rp_array_set", d_array_set, "NULL input", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_array_read, d_array_read),
    {"rp_array_read", d_array_read, "elements [3, 5) of 4", .want = RP_ERANGE, .i = 3},
    {"rp_array_read", d_array_read, "start SIZE_MAX", .want = RP_ERANGE, .i = -1},
    {"rp_array_read", d_array_read, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_array_write, d_array_write),
    {"rp_array_write", d_array_write, "elements [3, 5) of 4", .want = RP_ERANGE, .i = 3},
    {"rp_array_write", d_array_write, "NULL input", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_array_get_i64, d_array_get_i64),
    RANGE_ROWS(rp_array_get_i64, d_array_get_i64),
    {"rp_array_get_i64", d_array_get_i64, "a double array", .want = RP_ETYPE, .n = 2},
    {"rp_array_get_i64", d_array_get_i64, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_array_set_i64, d_array_set_i64),
    RANGE_ROWS(rp_array_set_i64, d_array_set_i64),
    {"rp_array_set_i64", d_array_set_i64, "2^40 into an int32", .want = RP_EOVERFLOW, .n = 1},
    {"rp_array_set_i64", d_array_set_i64, "a double array", .want = RP_ETYPE, .n = 2},
    BI_HANDLE_ROWS(rp_array_get_f64, d_array_get_f64),
    {"rp_array_get_f64", d_array_get_f64, "an int64 array", .want = RP_ETYPE, .n = 3},
    {"rp_array_get_f64", d_array_get_f64, "index 2 of 2", .want = RP_ERANGE, .n = 2, .i = 2},
    {"rp_array_get_f64", d_array_get_f64, "NULL output", .want = RP_EINVAL, .n = 2, .null = 1},
    BI_HANDLE_ROWS(rp_array_set_f64, d_array_set_f64),
    {"rp_array_set_f64", d_array_set_f64, "an int32 array", .want = RP_ETYPE, .n = 1},
    {"rp_array_set_f64", d_array_set_f64, "index SIZE_MAX", .want = RP_ERANGE, .n = 2, .i = -1},
    BI_HANDLE_ROWS(rp_array_fetch_add_i64, d_array_fetch_add_i64),
    RANGE_ROWS(rp_array_fetch_add_i64, d_array_fetch_add_i64),
    {"rp_array_fetch_add_i64", d_array_fetch_add_i64, "a double array", .want = RP_ETYPE, .n = 2},
    BI_HANDLE_ROWS(rp_array_fetch_add_f64, d_array_fetch_add_f64),
    {"rp_array_fetch_add_f64", d_array_fetch_add_f64, "an int64 array", .want = RP_ETYPE, .n = 3},
    {"rp_array_fetch_add_f64", d_array_fetch_add_f64, "index 2 of 2", .want = RP_ERANGE, .n = 2,
     .i = 2},
    BI_HANDLE_ROWS(rp_array_cas_i64, d_array_cas_i64),
    RANGE_ROWS(rp_array_cas_i64, d_array_cas_i64),
    {"rp_array_cas_i64", d_array_cas_i64, "2^40 into an int32", .want = RP_EOVERFLOW, .n = 1},
    {"rp_array_cas_i64", d_array_cas_i64, "a double array", .want = RP_ETYPE, .n = 2},
    BI_HANDLE_ROWS(rp_array_cas_f64, d_array_cas_f64),
    {"rp_array_cas_f64", d_array_cas_f64, "an int64 array", .want = RP_ETYPE, .n = 3},
    {"rp_array_cas_f64", d_array_cas_f64, "index 5 of 2", .want = RP_ERANGE, .n = 2, .i = 5},
    BI_HANDLE_ROWS(rp_array_swap_i64, d_array_swap_i64),
    RANGE_ROWS(rp_array_swap_i64, d_array_swap_i64),
    {"rp_array_swap_i64", d_array_swap_i64, "2^40 into an int32", .want = RP_EOVERFLOW, .n = 1},
    BI_HANDLE_ROWS(rp_array_swap_f64, d_array_swap_f64),
    {"rp_array_swap_f64", d_array_swap_f64, "an int64 array", .want = RP_ETYPE, .n = 3},
    {"rp_array_swap_f64", d_array_swap_f64, "index 2 of 2", .want = RP_ERANGE, .n = 2, .i = 2},
    BI_HANDLE_ROWS(rp_array_lock, d_array_lock),
    BI_TIMEOUT_ROWS(rp_array_lock, d_array_lock),
    BI_HANDLE_ROWS(rp_array_unlock, d_array_unlock),
    {"rp_array_unlock", d_array_unlock, "its lock not held", .want = RP_EPERM},
    BI_HANDLE_ROWS(rp_array_ptr, d_array_ptr),
    {"rp_array_ptr", d_array_ptr, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_elem_size", d_elem_size, "types 0, 99 and raw bytes (0)", .want = 0},
    {.fn = NULL},
};
