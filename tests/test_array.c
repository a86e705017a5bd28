/*
 * MPI tests of Value and Array: every call and error code from rank 0 and
 * from tasks on the workers, the seed program (a task sets a Value and
 * negates an Array), an exact counter under fetch-and-add from every
 * worker, compound updates under the array's lock, a full arena that comes
 * back after destroy.  Run under mpiexec -n 1, 2 and 4, and once with
 * RP_ARRAY_REMOTE=1 so that every access goes through the manager.
 */
#include <rankpool.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpi_cases.h"

static rp_runtime *rt;

#define ARENA ((size_t)1 << 20)
#define COUNTER_ADDS 100000

/* Tasks cannot use cmocka's asserts: a check returns its line instead. */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            return __LINE__;                                                                       \
    } while (0)
#define CHECK_RC(call, want) CHECK((call) == (want))

/* Does this process reach arrays through the manager? */
static int forced_remote(void) {
    const char *e = getenv("RP_ARRAY_REMOTE");
    return e != NULL && strcmp(e, "1") == 0;
}

/* Every call once, and each error code, on arrays named after @p tag. */
static int battery(rp_runtime *r, int tag) {
    char name[32];
    rp_array a, b, v, f, raw, empty;
    int64_t i64;
    double d;
    int32_t i32[10];

    /* Bad arguments. */
    CHECK_RC(rp_array_open(r, NULL, 0, (rp_elem)0, 0, 1, &a), RP_EINVAL);
    CHECK_RC(rp_array_open(r, NULL, 0, (rp_elem)7, 0, 1, &a), RP_EINVAL);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_INT32, 8, 1, &a), RP_EINVAL);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_BYTES, 0, 1, &a), RP_EINVAL);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_BYTES, ((size_t)1 << 20) + 1, 1, &a), RP_EINVAL);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_INT32, 0, 1, NULL), RP_EINVAL);
    CHECK_RC(rp_value_open(r, NULL, 0, RP_ELEM_BYTES, &a), RP_EINVAL);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_DOUBLE, 0, ARENA, &a), RP_ETOOBIG);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_DOUBLE, 0, SIZE_MAX / 4, &a), RP_ETOOBIG);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_BYTES, 1 << 20, (size_t)1 << 44, &a), RP_ETOOBIG);

    /* Names. */
    snprintf(name, sizeof name, "arr-%d", tag);
    CHECK_RC(rp_array_open(r, name, 0, RP_ELEM_INT32, 0, 10, &a), RP_ENOENT);
    CHECK_RC(rp_array_open(r, name, RP_CREATE | RP_EXCL, RP_ELEM_INT32, 0, 10, &a), 0);
    CHECK(a.length == 10 && a.type == RP_ELEM_INT32 && a.elem_size == 4);
    CHECK_RC(rp_array_open(r, name, RP_CREATE | RP_EXCL, RP_ELEM_INT32, 0, 10, &b), RP_EEXIST);
    CHECK_RC(rp_array_open(r, name, 0, RP_ELEM_INT64, 0, 10, &b), RP_ETYPE);
    CHECK_RC(rp_array_open(r, name, 0, RP_ELEM_INT32, 0, 11, &b), RP_EINVAL);
    CHECK_RC(rp_array_open(r, name, RP_CREATE, RP_ELEM_INT32, 0, 0, &b), 0);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    rp_dict dd;
    /* One namespace on rank 0; with servers, other objects' names hash to them. */
    CHECK_RC(rp_dict_open(r, name, 0, &dd), rp_server_count(r) ? RP_ENOENT : RP_ETYPE);

    /* An int32 array: zeroed, typed and raw access, ranges. */
    CHECK_RC(rp_array_get_i64(r, a, 9, &i64), 0);
    CHECK(i64 == 0);
    for (int k = 0; k < 10; k++)
        i32[k] = k;
    CHECK_RC(rp_array_write(r, a, 0, 10, i32), 0);
    CHECK_RC(rp_array_get_i64(r, b, 7, &i64), 0); /* through the other handle */
    CHECK(i64 == 7);
    CHECK_RC(rp_array_set_i64(r, a, 3, -33), 0);
    int32_t one = 0;
    CHECK_RC(rp_array_get(r, a, 3, &one), 0);
    CHECK(one == -33);
    one = 44;
    CHECK_RC(rp_array_set(r, a, 4, &one), 0);
    memset(i32, 0, sizeof i32);
    CHECK_RC(rp_array_read(r, a, 2, 3, i32), 0);
    CHECK(i32[0] == 2 && i32[1] == -33 && i32[2] == 44);
    CHECK_RC(rp_array_read(r, a, 10, 0, i32), 0);
    CHECK_RC(rp_array_read(r, a, 8, 3, i32), RP_ERANGE);
    CHECK_RC(rp_array_write(r, a, 11, 0, i32), RP_ERANGE);
    CHECK_RC(rp_array_get(r, a, 10, &one), RP_ERANGE);
    CHECK_RC(rp_array_set(r, a, SIZE_MAX, &one), RP_ERANGE);
    CHECK_RC(rp_array_get_i64(r, a, 10, &i64), RP_ERANGE);
    CHECK_RC(rp_array_fetch_add_i64(r, a, 10, 1, NULL), RP_ERANGE);
    CHECK_RC(rp_array_set_i64(r, a, 0, (int64_t)INT32_MAX + 1), RP_EOVERFLOW);
    CHECK_RC(rp_array_get_f64(r, a, 0, &d), RP_ETYPE);
    CHECK_RC(rp_array_set_f64(r, a, 0, 1.0), RP_ETYPE);
    CHECK_RC(rp_array_fetch_add_f64(r, a, 0, 1.0, NULL), RP_ETYPE);
    CHECK_RC(rp_array_cas_f64(r, a, 0, 0.0, 1.0, NULL), RP_ETYPE);
    CHECK_RC(rp_array_swap_f64(r, a, 0, 1.0, NULL), RP_ETYPE);
    /* Atomics on int32: wrap modulo 2^32; CAS. */
    CHECK_RC(rp_array_set_i64(r, a, 0, INT32_MAX), 0);
    CHECK_RC(rp_array_fetch_add_i64(r, a, 0, 1, &i64), 0);
    CHECK(i64 == INT32_MAX);
    CHECK_RC(rp_array_get_i64(r, a, 0, &i64), 0);
    CHECK(i64 == INT32_MIN);
    CHECK_RC(rp_array_cas_i64(r, a, 1, 1, 100, &i64), 1);
    CHECK(i64 == 1);
    CHECK_RC(rp_array_cas_i64(r, a, 1, 1, 200, &i64), 0);
    CHECK(i64 == 100);
    CHECK_RC(rp_array_cas_i64(r, a, 1, (int64_t)1 << 40, 5, &i64), 0);
    CHECK(i64 == 100);
    CHECK_RC(rp_array_cas_i64(r, a, 1, 100, (int64_t)1 << 40, NULL), RP_EOVERFLOW);
    CHECK_RC(rp_array_swap_i64(r, a, 1, -7, &i64), 0);
    CHECK(i64 == 100);
    CHECK_RC(rp_array_swap_i64(r, a, 1, (int64_t)1 << 40, NULL), RP_EOVERFLOW);
    CHECK_RC(rp_array_get_i64(r, a, 1, &i64), 0);
    CHECK(i64 == -7);

    /* int64 and uint64. */
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_INT64, 0, 3, &f), 0);
    CHECK_RC(rp_array_fetch_add_i64(r, f, 2, 5, &i64), 0);
    CHECK_RC(rp_array_fetch_add_i64(r, f, 2, -8, &i64), 0);
    CHECK(i64 == 5);
    CHECK_RC(rp_array_get_i64(r, f, 2, &i64), 0);
    CHECK(i64 == -3);
    CHECK_RC(rp_array_cas_i64(r, f, 2, -3, INT64_MAX, NULL), 1);
    CHECK_RC(rp_array_swap_i64(r, f, 2, 1, &i64), 0);
    CHECK(i64 == INT64_MAX);
    CHECK_RC(rp_array_destroy(r, f), 0);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_UINT64, 0, 1, &f), 0);
    CHECK_RC(rp_array_fetch_add_i64(r, f, 0, -1, NULL), 0);
    uint64_t u = 0;
    CHECK_RC(rp_array_get(r, f, 0, &u), 0);
    CHECK(u == UINT64_MAX);
    CHECK_RC(rp_array_get_i64(r, f, 0, &i64), 0);
    CHECK(i64 == -1);
    CHECK_RC(rp_array_destroy(r, f), 0);

    /* float and a double Value. */
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_FLOAT, 0, 2, &f), 0);
    CHECK_RC(rp_array_set_f64(r, f, 1, 1.5), 0);
    CHECK_RC(rp_array_fetch_add_f64(r, f, 1, 0.25, &d), 0);
    CHECK(d == 1.5);
    CHECK_RC(rp_array_get_f64(r, f, 1, &d), 0);
    CHECK(d == 1.75);
    CHECK_RC(rp_array_cas_f64(r, f, 1, 1.75, -2.0, &d), 1);
    CHECK_RC(rp_array_cas_f64(r, f, 1, 1.75, 3.0, &d), 0);
    CHECK(d == -2.0);
    CHECK_RC(rp_array_swap_f64(r, f, 1, 8.0, &d), 0);
    CHECK(d == -2.0);
    float fl = 0;
    CHECK_RC(rp_array_get(r, f, 1, &fl), 0);
    CHECK(fl == 8.0f);
    CHECK_RC(rp_array_get_i64(r, f, 0, &i64), RP_ETYPE);
    CHECK_RC(rp_array_fetch_add_i64(r, f, 0, 1, NULL), RP_ETYPE);
    CHECK_RC(rp_array_cas_i64(r, f, 0, 0, 1, NULL), RP_ETYPE);
    CHECK_RC(rp_array_swap_i64(r, f, 0, 1, NULL), RP_ETYPE);
    CHECK_RC(rp_array_set_i64(r, f, 0, 1), RP_ETYPE);
    CHECK_RC(rp_array_destroy(r, f), 0);
    CHECK_RC(rp_value_open(r, NULL, 0, RP_ELEM_DOUBLE, &v), 0);
    CHECK(v.length == 1 && v.elem_size == 8);
    CHECK_RC(rp_array_set_f64(r, v, 0, 3.14), 0);
    CHECK_RC(rp_array_fetch_add_f64(r, v, 0, 1.0, NULL), 0);
    CHECK_RC(rp_array_get_f64(r, v, 0, &d), 0);
    CHECK(d == 3.14 + 1.0);

    /* Raw bytes: a 12-byte record, no atomics. */
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_BYTES, 12, 4, &raw), 0);
    CHECK(raw.elem_size == 12);
    char rec[12] = "hello, you!", out[48];
    CHECK_RC(rp_array_set(r, raw, 2, rec), 0);
    CHECK_RC(rp_array_read(r, raw, 0, 4, out), 0);
    CHECK(memcmp(out + 24, rec, 12) == 0 && out[0] == 0);
    CHECK_RC(rp_array_fetch_add_i64(r, raw, 0, 1, NULL), RP_ETYPE);
    CHECK_RC(rp_array_cas_i64(r, raw, 0, 0, 1, NULL), RP_ETYPE);
    CHECK_RC(rp_array_get_f64(r, raw, 0, &d), RP_ETYPE);

    /* An empty array. */
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_INT64, 0, 0, &empty), 0);
    CHECK_RC(rp_array_get_i64(r, empty, 0, &i64), RP_ERANGE);
    CHECK_RC(rp_array_read(r, empty, 0, 0, NULL), 0);
    CHECK_RC(rp_array_destroy(r, empty), 0);

    /* The lock: recursive, per thread. */
    CHECK_RC(rp_array_lock(r, a, RP_FOREVER), 0);
    CHECK_RC(rp_array_lock(r, a, 0), 0);
    CHECK_RC(rp_array_unlock(r, a), 0);
    CHECK_RC(rp_array_unlock(r, a), 0);
    CHECK_RC(rp_array_unlock(r, a), RP_EPERM);

    /* The direct pointer: only where the memory is mapped (rank 0's host,
     * unless the manager path is forced). */
    void *p = NULL;
    int prc = rp_array_ptr(r, a, &p);
    if (forced_remote() || prc == RP_ESTATE) {
        CHECK_RC(prc, RP_ESTATE);
        CHECK(p == NULL);
    } else {
        CHECK_RC(prc, 0);
        __atomic_store_n((int32_t *)p + 5, 555, __ATOMIC_SEQ_CST);
        CHECK_RC(rp_array_get_i64(r, a, 5, &i64), 0);
        CHECK(i64 == 555);
    }
    CHECK_RC(rp_array_ptr(r, a, NULL), RP_EINVAL);

    /* The manager lists it. */
    rp_obj_info *info;
    size_t n, seen = 0;
    CHECK_RC(rp_obj_list(r, &info, &n), 0);
    for (size_t k = 0; k < n; k++)
        if (info[k].id == a.id)
            seen = info[k].kind == RP_KIND_ARRAY && info[k].len == 10 && info[k].mem >= 40;
    free(info);
    CHECK(seen);

    /* Use after destroy: every call through every handle. */
    CHECK_RC(rp_array_destroy(r, a), 0);
    CHECK_RC(rp_array_get_i64(r, b, 0, &i64), RP_ENOENT);
    CHECK_RC(rp_array_get(r, a, 0, &one), RP_ENOENT);
    CHECK_RC(rp_array_set(r, a, 0, &one), RP_ENOENT);
    CHECK_RC(rp_array_read(r, a, 0, 1, i32), RP_ENOENT);
    CHECK_RC(rp_array_write(r, a, 0, 1, i32), RP_ENOENT);
    CHECK_RC(rp_array_fetch_add_i64(r, a, 0, 1, NULL), RP_ENOENT);
    CHECK_RC(rp_array_cas_i64(r, a, 0, 0, 1, NULL), RP_ENOENT);
    CHECK_RC(rp_array_swap_i64(r, a, 0, 1, NULL), RP_ENOENT);
    CHECK_RC(rp_array_lock(r, a, 0), RP_ENOENT);
    CHECK_RC(rp_array_unlock(r, a), RP_ENOENT);
    CHECK_RC(rp_array_ptr(r, a, &p), forced_remote() || prc == RP_ESTATE ? RP_ESTATE : RP_ENOENT);
    CHECK_RC(rp_array_destroy(r, a), RP_ENOENT);
    CHECK_RC(rp_array_open(r, name, 0, RP_ELEM_INT32, 0, 10, &a), RP_ENOENT);
    CHECK_RC(rp_array_destroy(r, v), 0);
    CHECK_RC(rp_array_get_f64(r, v, 0, &d), RP_ENOENT);
    CHECK_RC(rp_array_set_f64(r, v, 0, 1.0), RP_ENOENT);
    CHECK_RC(rp_array_fetch_add_f64(r, v, 0, 1.0, NULL), RP_ENOENT);
    CHECK_RC(rp_array_destroy(r, raw), 0);
    /* A handle that was never valid. */
    rp_array bogus = {0};
    CHECK_RC(rp_array_get(r, bogus, 0, &one), RP_EBADF);
    return 0;
}

/* Fill the arena with 256 KiB arrays until it is full; destroy them; then
 * one array of nearly all of it fits: the memory came back, merged. */
static int fill(rp_runtime *r) {
    rp_array v[8];
    int n = 0, rc = 0;
    while (n < 8 && (rc = rp_array_open(r, NULL, 0, RP_ELEM_BYTES, 1024, 256, &v[n])) == 0)
        n++;
    CHECK(rc == RP_ENOSPC);
    CHECK(n == 3); /* 4 would need 4 headers more than the 1 MiB */
    for (int k = 0; k < n; k++)
        CHECK_RC(rp_array_destroy(r, v[k]), 0);
    CHECK_RC(rp_array_open(r, NULL, 0, RP_ELEM_BYTES, 1024, 1000, &v[0]), 0);
    CHECK_RC(rp_array_destroy(r, v[0]), 0);
    return 0;
}

/* ---- tasks ---------------------------------------------------------------------- */

static int t_battery(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    int32_t line = battery(rp_task_runtime(ctx), 1000 + (int)rp_task_index(ctx));
    return rp_return(ctx, &line, sizeof line);
}

static int t_fill(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    int32_t line = fill(rp_task_runtime(ctx));
    return rp_return(ctx, &line, sizeof line);
}

typedef struct seed_arg {
    rp_array num, arr;
} seed_arg;

/* The seed: num.value = 3.14; arr[i] = -arr[i] for every i. */
static int t_seed(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const seed_arg *s = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int32_t rc = rp_array_set_f64(r, s->num, 0, 3.14);
    for (size_t i = 0; rc == 0 && i < s->arr.length; i++) {
        int64_t x;
        if ((rc = rp_array_get_i64(r, s->arr, i, &x)) == 0)
            rc = rp_array_set_i64(r, s->arr, i, -x);
    }
    return rp_return(ctx, &rc, sizeof rc);
}

static int t_count(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const rp_array *c = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int32_t rc = 0;
    for (int k = 0; rc == 0 && k < COUNTER_ADDS; k++)
        rc = rp_array_fetch_add_i64(r, *c, 0, 1, NULL);
    return rp_return(ctx, &rc, sizeof rc);
}

#define LOCKED_ADDS 300

/* A compound update (read, then write) that is only right under the lock. */
static int t_locked(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const rp_array *c = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int32_t rc = 0;
    for (int k = 0; rc == 0 && k < LOCKED_ADDS; k++) {
        int64_t x;
        if ((rc = rp_array_lock(r, *c, RP_FOREVER)) != 0)
            break;
        rc = rp_array_get_i64(r, *c, 0, &x);
        if (rc == 0)
            rc = rp_array_set_i64(r, *c, 0, x + 1);
        int urc = rp_array_unlock(r, *c);
        if (rc == 0)
            rc = urc;
    }
    return rp_return(ctx, &rc, sizeof rc);
}

static const rp_task_def tasks[] = {RP_TASK(t_battery), RP_TASK(t_fill), RP_TASK(t_seed),
                                    RP_TASK(t_count), RP_TASK(t_locked)};

/* ---- cases ----------------------------------------------------------------------- */

static void test_battery_on_rank0(void **state) {
    (void)state;
    assert_int_equal(battery(rt, 0), 0);
}

static void test_battery_on_workers(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    int n = 2 * rp_pool_workers(pool);
    int32_t *lines = calloc((size_t)n, sizeof *lines);
    char *dummy = calloc((size_t)n, 1);
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    assert_int_equal(rp_pool_map(pool, "t_battery", dummy, (size_t)n, 1, lines, sizeof *lines, &co),
                     0);
    for (int i = 0; i < n; i++)
        assert_int_equal(lines[i], 0);
    free(lines);
    free(dummy);
    rp_pool_destroy(pool);
}

static void test_arena_full(void **state) {
    (void)state;
    assert_int_equal(fill(rt), 0);
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    int32_t line = -1;
    assert_int_equal(rp_pool_apply(pool, "t_fill", "", 0, &line, sizeof line, NULL, NULL), 0);
    assert_int_equal(line, 0);
    rp_pool_destroy(pool);
    size_t used;
    assert_int_equal(rp_obj_memory(rt, &used, NULL), 0);
    assert_int_equal(used, 0);
}

static void test_seed(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    seed_arg s;
    assert_int_equal(rp_value_open(rt, NULL, 0, RP_ELEM_DOUBLE, &s.num), 0);
    assert_int_equal(rp_array_open(rt, NULL, 0, RP_ELEM_INT32, 0, 10, &s.arr), 0);
    int32_t init[10];
    for (int i = 0; i < 10; i++)
        init[i] = i;
    assert_int_equal(rp_array_write(rt, s.arr, 0, 10, init), 0);
    int32_t rc = -1;
    assert_int_equal(rp_pool_apply(pool, "t_seed", &s, sizeof s, &rc, sizeof rc, NULL, NULL), 0);
    assert_int_equal(rc, 0);
    double num;
    int32_t arr[10];
    assert_int_equal(rp_array_get_f64(rt, s.num, 0, &num), 0);
    assert_true(num == 3.14);
    assert_int_equal(rp_array_read(rt, s.arr, 0, 10, arr), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(arr[i], -i);
    assert_int_equal(rp_array_destroy(rt, s.num), 0);
    assert_int_equal(rp_array_destroy(rt, s.arr), 0);
    rp_pool_destroy(pool);
}

/* Rank 0's main's share of test_counter's locked adds. */
static void locked_adds(rp_array c) {
    for (int k = 0; k < LOCKED_ADDS; k++) {
        int64_t x;
        assert_int_equal(rp_array_lock(rt, c, RP_FOREVER), 0);
        assert_int_equal(rp_array_get_i64(rt, c, 0, &x), 0);
        assert_int_equal(rp_array_set_i64(rt, c, 0, x + 1), 0);
        assert_int_equal(rp_array_unlock(rt, c), 0);
    }
}

/* Every worker adds 1 COUNTER_ADDS times, at once: the total is exact. */
static void test_counter(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    int w = rp_pool_workers(pool);
    rp_array c;
    assert_int_equal(rp_value_open(rt, "counter", RP_CREATE | RP_EXCL, RP_ELEM_INT64, &c), 0);
    rp_array *args = malloc((size_t)w * sizeof *args);
    int32_t *rcs = calloc((size_t)w, sizeof *rcs);
    for (int i = 0; i < w; i++)
        args[i] = c;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    assert_int_equal(
        rp_pool_map(pool, "t_count", args, (size_t)w, sizeof *args, rcs, sizeof *rcs, &co), 0);
    for (int i = 0; i < w; i++)
        assert_int_equal(rcs[i], 0);
    int64_t total;
    assert_int_equal(rp_array_get_i64(rt, c, 0, &total), 0);
    assert_int_equal(total, (int64_t)w * COUNTER_ADDS);

    /* Under the lock, a read and a write make an exact counter too, with
     * rank 0's main thread taking part: at the same time as the workers;
     * with one rank before the tasks, which run on the manager thread,
     * where a lock that main holds is RP_EDEADLK (nothing waits there). */
    assert_int_equal(rp_array_set_i64(rt, c, 0, 0), 0);
    rp_result *res;
    int one_rank = rp_size(rt) == 1;
    if (one_rank)
        locked_adds(c);
    assert_int_equal(rp_pool_map_async(pool, "t_locked", args, (size_t)w, sizeof *args, rcs,
                                       sizeof *rcs, &co, &res),
                     0);
    if (!one_rank)
        locked_adds(c);
    assert_int_equal(rp_result_wait(res, RP_FOREVER), 0);
    assert_int_equal(rp_result_successful(res), 1);
    rp_result_free(res);
    for (int i = 0; i < w; i++)
        assert_int_equal(rcs[i], 0);
    assert_int_equal(rp_array_get_i64(rt, c, 0, &total), 0);
    assert_int_equal(total, (int64_t)(w + 1) * LOCKED_ADDS);
    assert_int_equal(rp_array_destroy(rt, c), 0);
    free(args);
    free(rcs);
    rp_pool_destroy(pool);
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    opt.shm_arena_size = ARENA;
    opt.obj_mem_max = (size_t)8 << 20;
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_battery_on_rank0), cmocka_unit_test(test_battery_on_workers),
        cmocka_unit_test(test_arena_full),       cmocka_unit_test(test_seed),
        cmocka_unit_test(test_counter),
    };
    int failed = RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases);
    return failed ? 1 : 0;
}
