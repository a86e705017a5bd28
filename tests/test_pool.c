/*
 * MPI tests of the Pool: run under mpiexec -n 1, 2 and 4 (and without
 * mpiexec).  Every rank initializes; rank 0 runs the cmocka cases while the
 * workers serve inside rp_finalize; the exit code of rank 0 is the verdict,
 * and rp_finalize on rank 0 releases the workers whatever the outcome.
 */
#include <rankpool.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mpi_cases.h"

static rp_runtime *rt;

/* ---- task functions (the same table on every rank) ----------------------- */

static int square(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int64_t))
        return rp_fail(ctx, 1, "square wants 8 bytes, got %zu", size);
    int64_t x = *(const int64_t *)arg, y = x * x;
    return rp_return(ctx, &y, sizeof y);
}

/* Sum of the bytes of a record of any size (exercises big, zero-copy inputs). */
static int checksum(rp_task_ctx *ctx, const void *arg, size_t size) {
    uint64_t s = 0;
    for (size_t i = 0; i < size; i++)
        s += ((const uint8_t *)arg)[i];
    return rp_return(ctx, &s, sizeof s);
}

/* Reverse a byte string; variable-size in and out. */
static int reverse(rp_task_ctx *ctx, const void *arg, size_t size) {
    uint8_t *out = rp_return_buffer(ctx, size);
    if (out == NULL && size > 0)
        return -1;
    for (size_t i = 0; i < size; i++)
        out[i] = ((const uint8_t *)arg)[size - 1 - i];
    return 0;
}

/* Fails on input 7 with a message; squares the rest. */
static int picky(rp_task_ctx *ctx, const void *arg, size_t size) {
    int64_t x = *(const int64_t *)arg;
    if (x == 7)
        return rp_fail(ctx, 42, "seven is not allowed (index %zu)", rp_task_index(ctx));
    return square(ctx, arg, size);
}

/* Sleeps the given number of milliseconds, returns its rank. */
static int nap(rp_task_ctx *ctx, const void *arg, size_t size) {
    int ms = size >= sizeof(int) ? *(const int *)arg : 10;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    int r = rp_task_rank(ctx);
    return rp_return(ctx, &r, sizeof r);
}

/* Returns a result of x bytes (for wrong-size and variable results). */
static int nbytes(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int64_t x = *(const int64_t *)arg;
    uint8_t *p = rp_return_buffer(ctx, (size_t)x);
    if (p == NULL && x > 0)
        return -1;
    memset(p, (int)(x & 0xff), (size_t)x);
    return 0;
}

/* Initializer state: per process, as a Python initializer sets globals. */
static int64_t g_init_value = -1;
static int g_init_calls;

static int set_value(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int64_t))
        return rp_fail(ctx, 3, "initializer wants 8 bytes");
    int64_t v = *(const int64_t *)arg;
    if (v < 0)
        return rp_fail(ctx, 4, "negative initial value %lld", (long long)v);
    g_init_value = v;
    g_init_calls++;
    return 0;
}

typedef struct {
    int64_t value;
    int calls;
    int rank;
} init_report;

static int report_init(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    init_report r = {g_init_value, g_init_calls, rp_task_rank(ctx)};
    return rp_return(ctx, &r, sizeof r);
}

static const rp_task_def tasks[] = {RP_TASK(square),    RP_TASK(checksum),   RP_TASK(reverse),
                                    RP_TASK(picky),     RP_TASK(nap),        RP_TASK(nbytes),
                                    RP_TASK(set_value), RP_TASK(report_init)};

/* ---- helpers ------------------------------------------------------------- */

static rp_pool *new_pool(int workers) {
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.workers = workers;
    rp_pool *p = NULL;
    int rc = rp_pool_create(rt, &po, &p);
    if (rc != 0)
        fprintf(stderr, "rp_pool_create: %s: %s\n", rp_err_name(rc), rp_last_error());
    assert_int_equal(rc, 0);
    assert_non_null(p);
    return p;
}

static void check_squares(rp_pool *pool, size_t n, size_t chunksize) {
    int64_t *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        in[i] = (int64_t)i - 50;
        out[i] = -1;
    }
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = chunksize;
    assert_int_equal(rp_pool_map(pool, "square", in, n, sizeof *in, out, sizeof *out, &co), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i], in[i] * in[i]);
    free(in);
    free(out);
}

/* ---- cases --------------------------------------------------------------- */

static void test_map_seed(void **state) {
    (void)state;
    rp_pool *pool = new_pool(5);
    int64_t in[] = {1, 2, 3}, out[3];
    assert_int_equal(rp_pool_map(pool, "square", in, 3, sizeof in[0], out, sizeof out[0], NULL), 0);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 4);
    assert_int_equal(out[2], 9);
    int workers = rp_size(rt) > 1 ? rp_size(rt) - 1 - rp_server_count(rt) : 1;
    int expect = workers < 5 ? workers : 5;
    assert_int_equal(rp_pool_workers(pool), expect);
    rp_pool_destroy(pool);
}

static void test_map_chunksizes(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    check_squares(pool, 1000, 1);
    check_squares(pool, 1000, 0); /* Python's default */
    check_squares(pool, 1000, 333);
    check_squares(pool, 1, 0);
    int64_t dummy;
    assert_int_equal(rp_pool_map(pool, "square", &dummy, 0, 8, &dummy, 8, NULL), 0);
    rp_pool_destroy(pool);
}

static void test_map_big_records(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    const size_t n = 40, rec = 48 * 1024; /* chunks well past the gather limit */
    uint8_t *in = malloc(n * rec);
    uint64_t out[40], want[40];
    for (size_t i = 0; i < n; i++) {
        want[i] = 0;
        for (size_t j = 0; j < rec; j++) {
            in[i * rec + j] = (uint8_t)(i * 31 + j * 7);
            want[i] += in[i * rec + j];
        }
    }
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    for (size_t cs = 1; cs <= 8; cs *= 2) {
        co.chunksize = cs;
        memset(out, 0, sizeof out);
        assert_int_equal(rp_pool_map(pool, "checksum", in, n, rec, out, sizeof out[0], &co), 0);
        for (size_t i = 0; i < n; i++)
            assert_true(out[i] == want[i]);
    }
    free(in);
    rp_pool_destroy(pool);
}

static void test_starmap_variable(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    enum { N = 50 };
    char *bufs[N];
    const void *args[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        /* sizes 0..., some past the gather limit to take the zero-copy path */
        sizes[i] = i % 10 == 9 ? 20000 + (size_t)i : (size_t)i * 3;
        bufs[i] = malloc(sizes[i] + 1);
        for (size_t j = 0; j < sizes[i]; j++)
            bufs[i][j] = (char)('a' + (i + j) % 26);
        args[i] = sizes[i] ? bufs[i] : NULL;
    }
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    for (size_t cs = 0; cs <= 7; cs += 7) {
        co.chunksize = cs;
        rp_result *res = NULL;
        assert_int_equal(rp_pool_starmap(pool, "reverse", args, sizes, N, &co, &res), 0);
        assert_int_equal(rp_result_count(res), N);
        assert_true(rp_result_successful(res));
        for (int i = 0; i < N; i++) {
            const void *d;
            size_t len;
            assert_int_equal(rp_result_item(res, (size_t)i, &d, &len), 0);
            assert_int_equal(len, sizes[i]);
            for (size_t j = 0; j < len; j++)
                assert_int_equal(((const char *)d)[j], bufs[i][len - 1 - j]);
        }
        const void *d;
        assert_int_equal(rp_result_item(res, N, &d, NULL), RP_ERANGE);
        rp_result_free(res);
    }
    for (int i = 0; i < N; i++)
        free(bufs[i]);
    rp_pool_destroy(pool);
}

static void test_apply(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    int64_t x = 12, y = 0;
    size_t len = 0;
    assert_int_equal(rp_pool_apply(pool, "square", &x, sizeof x, &y, sizeof y, &len, NULL), 0);
    assert_int_equal(y, 144);
    assert_int_equal(len, sizeof y);
    /* Buffer too small: RP_ETRUNC and the size needed. */
    int32_t small;
    assert_int_equal(rp_pool_apply(pool, "square", &x, sizeof x, &small, sizeof small, &len, NULL),
                     RP_ETRUNC);
    assert_int_equal(len, 8);
    /* A failing task: its code and message in rp_last_error. */
    int64_t seven = 7;
    assert_int_equal(rp_pool_apply(pool, "picky", &seven, 8, &y, 8, NULL, NULL), RP_ETASK);
    assert_non_null(strstr(rp_last_error(), "seven is not allowed"));
    assert_non_null(strstr(rp_last_error(), "42"));
    /* No argument at all is allowed (a task without parameters). */
    int r = -1;
    assert_int_equal(rp_pool_apply(pool, "nap", NULL, 0, &r, sizeof r, NULL, NULL), 0);
    assert_true(rp_size(rt) == 1 ? r == 0 : r >= 1);
    rp_pool_destroy(pool);
}

typedef struct {
    int ok, failed;
    int64_t sum;
    size_t first_error_index;
    int deadlock_rc;
    rp_result *other;
} cb_state;

static void on_done(rp_result *res, void *user) {
    cb_state *s = user;
    const void *d;
    size_t len;
    assert_true(rp_result_ready(res));
    if (rp_result_get(res, 0, &d, &len) == 0 && len == 8) {
        s->ok++;
        s->sum += *(const int64_t *)d;
    }
}

static void on_error(rp_result *res, void *user) {
    cb_state *s = user;
    rp_task_error e;
    if (rp_result_error(res, &e) == 0) {
        s->failed++;
        s->first_error_index = e.index;
    }
}

/* Call options whose callbacks collect into s. */
static rp_call_options collecting(cb_state *s) {
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = on_done;
    co.error_callback = on_error;
    co.user = s;
    return co;
}

static void test_apply_async_callbacks(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    cb_state s = {0};
    rp_call_options co = collecting(&s);
    int64_t sum = 0;
    for (int64_t i = 0; i < 200; i++) {
        /* fire and forget: the callback collects, join waits */
        assert_int_equal(rp_pool_apply_async(pool, "picky", &i, sizeof i, &co, NULL), 0);
        if (i != 7)
            sum += i * i;
    }
    assert_int_equal(rp_pool_join(pool, RP_FOREVER), RP_ESTATE); /* still open */
    assert_int_equal(rp_pool_close(pool), 0);
    int64_t x = 1;
    assert_int_equal(rp_pool_apply_async(pool, "square", &x, 8, NULL, NULL), RP_ECLOSED);
    assert_int_equal(rp_pool_join(pool, RP_FOREVER), 0);
    assert_int_equal(s.ok, 199);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.sum, sum);
    assert_int_equal(s.first_error_index, 0); /* index within its own call */
    rp_pool_destroy(pool);
}

static void test_map_async_failure(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    cb_state s = {0};
    rp_call_options co = collecting(&s);
    co.chunksize = 3;
    int64_t in[20], out[20];
    for (int i = 0; i < 20; i++)
        in[i] = i;
    rp_result *res;
    assert_int_equal(rp_pool_map_async(pool, "picky", in, 20, 8, out, 8, &co, &res), 0);
    assert_int_equal(rp_result_wait(res, RP_FOREVER), 0);
    assert_true(rp_result_ready(res));
    assert_false(rp_result_successful(res));
    assert_int_equal(rp_result_get(res, 0, NULL, NULL), RP_ETASK);
    rp_task_error e;
    assert_int_equal(rp_result_error(res, &e), 0);
    assert_int_equal(e.index, 7);
    assert_int_equal(e.code, 42);
    assert_non_null(strstr(e.message, "index 7"));
    for (size_t i = 0; i < 20; i++) {
        const void *d;
        if (i == 7) {
            assert_int_equal(rp_result_item(res, i, &d, NULL), RP_ETASK);
            assert_null(d);
        } else {
            assert_int_equal(rp_result_item(res, i, &d, NULL), 0);
            assert_ptr_equal(d, &out[i]); /* results land in the caller's array */
            assert_int_equal(out[i], (int64_t)(i * i));
        }
    }
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.ok, 0);
    rp_result_free(res);
    /* The blocking form reports the first failure. */
    assert_int_equal(rp_pool_map(pool, "picky", in, 20, 8, out, 8, NULL), RP_ETASK);
    assert_non_null(strstr(rp_last_error(), "item 7"));
    /* The pool goes on after failures. */
    check_squares(pool, 100, 0);
    rp_pool_destroy(pool);
}

static void test_imap_orders(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    enum { N = 64 };
    int ms[N];
    for (int i = 0; i < N; i++)
        ms[i] = (i * 7) % 5; /* uneven durations shuffle completion order */
    rp_result *res;
    assert_int_equal(rp_pool_imap(pool, "nap", ms, N, sizeof ms[0], NULL, &res), 0);
    for (size_t i = 0; i < N; i++) {
        size_t idx = 999;
        const void *d;
        size_t len;
        assert_int_equal(rp_result_next(res, RP_FOREVER, &idx, &d, &len), 0);
        assert_int_equal(idx, i);
        assert_int_equal(len, sizeof(int));
    }
    assert_int_equal(rp_result_next(res, RP_FOREVER, NULL, NULL, NULL), RP_EDONE);
    rp_result_free(res);

    assert_int_equal(rp_pool_imap_unordered(pool, "nap", ms, N, sizeof ms[0], NULL, &res), 0);
    char seen[N] = {0};
    size_t idx;
    int got = 0;
    while (rp_result_next(res, RP_FOREVER, &idx, NULL, NULL) == 0) {
        assert_true(idx < N);
        assert_false(seen[idx]);
        seen[idx] = 1;
        got++;
    }
    assert_int_equal(got, N);
    assert_int_equal(rp_result_next(res, 0, &idx, NULL, NULL), RP_EDONE);
    rp_result_free(res);
    rp_pool_destroy(pool);
}

static void test_variable_results_in_handle(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    int64_t in[30];
    for (int i = 0; i < 30; i++)
        in[i] = i * 37;
    rp_result *res;
    assert_int_equal(rp_pool_map_async(pool, "nbytes", in, 30, 8, NULL, 0, NULL, &res), 0);
    assert_int_equal(rp_result_wait(res, RP_FOREVER), 0);
    for (size_t i = 0; i < 30; i++) {
        const void *d;
        size_t len;
        assert_int_equal(rp_result_item(res, i, &d, &len), 0);
        assert_int_equal(len, (size_t)in[i]);
        if (len)
            assert_int_equal(((const uint8_t *)d)[len - 1], (uint8_t)(in[i] & 0xff));
        /* results are 16-byte aligned for any type */
        assert_int_equal((uintptr_t)d % 16, 0);
    }
    rp_result_free(res);
    /* Into a fixed out array, a wrong-size result is RP_ESIZE for that item. */
    int64_t sz[3] = {8, 5, 8}, out[3];
    assert_int_equal(rp_pool_map(pool, "nbytes", sz, 3, 8, out, 8, NULL), RP_ESIZE);
    rp_pool_destroy(pool);
}

static void test_bad_arguments(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    int64_t in[4] = {1, 2, 3, 4}, out[4];
    rp_result *res = NULL;
    assert_int_equal(rp_pool_map(pool, "sqaure", in, 4, 8, out, 8, NULL), RP_ENOTASK);
    assert_non_null(strstr(rp_last_error(), "sqaure"));
    assert_int_equal(rp_pool_map(pool, NULL, in, 4, 8, out, 8, NULL), RP_ENOTASK);
    assert_int_equal(rp_pool_map(pool, "square", NULL, 4, 8, out, 8, NULL), RP_EINVAL);
    assert_int_equal(rp_pool_map(pool, "square", in, 4, 0, out, 8, NULL), RP_EINVAL);
    assert_int_equal(rp_pool_map(pool, "square", in, 4, 8, NULL, 8, NULL), RP_EINVAL);
    assert_int_equal(rp_pool_map(pool, "square", in, 4, 8, out, 0, NULL), RP_EINVAL);
    /* No out array at all: results discarded, failures still reported. */
    assert_int_equal(rp_pool_map(pool, "square", in, 4, 8, NULL, 0, NULL), 0);
    int64_t seven[2] = {6, 7};
    assert_int_equal(rp_pool_map(pool, "picky", seven, 2, 8, NULL, 0, NULL), RP_ETASK);
    assert_int_equal(rp_pool_map(pool, "square", in, SIZE_MAX / 4, 8, out, 8, NULL), RP_ETOOBIG);
    assert_int_equal(rp_pool_map(pool, "square", in, 1, (size_t)1 << 40, out, 8, NULL), RP_ETOOBIG);
    assert_int_equal(rp_pool_map(NULL, "square", in, 4, 8, out, 8, NULL), RP_EINVAL);
    assert_int_equal(rp_pool_apply_async(pool, "square", NULL, 8, NULL, &res), RP_EINVAL);
    assert_int_equal(rp_pool_apply_async(pool, "square", in, (size_t)1 << 40, NULL, &res),
                     RP_ETOOBIG);
    assert_int_equal(rp_pool_apply(pool, "square", in, 8, NULL, 8, NULL, NULL), RP_EINVAL);
    const void *args[2] = {in, NULL};
    size_t sizes[2] = {8, 8};
    assert_int_equal(rp_pool_starmap_async(pool, "square", args, sizes, 2, NULL, &res), RP_EINVAL);
    assert_int_equal(rp_pool_starmap_async(pool, "square", NULL, sizes, 2, NULL, &res), RP_EINVAL);
    assert_int_equal(rp_pool_starmap(pool, "square", args, sizes, 1, NULL, NULL), RP_EINVAL);
    assert_int_equal(rp_pool_imap(pool, "square", in, 4, 8, NULL, NULL), RP_EINVAL);
    assert_null(res);
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    rp_pool *p2 = NULL;
    po.workers = -1;
    assert_int_equal(rp_pool_create(rt, &po, &p2), RP_EINVAL);
    po.workers = 0;
    po.initializer = "no_such_init";
    assert_int_equal(rp_pool_create(rt, &po, &p2), RP_ENOTASK);
    assert_int_equal(rp_pool_create(NULL, NULL, &p2), RP_EINVAL);
    assert_null(p2);
    /* Results and pools: NULL handles are errors, not crashes. */
    assert_int_equal(rp_result_wait(NULL, 0), RP_EINVAL);
    assert_int_equal(rp_result_get(NULL, 0, NULL, NULL), RP_EINVAL);
    assert_int_equal(rp_result_next(NULL, 0, NULL, NULL, NULL), RP_EINVAL);
    assert_int_equal(rp_result_item(NULL, 0, NULL, NULL), RP_EINVAL);
    assert_false(rp_result_ready(NULL));
    assert_false(rp_result_successful(NULL));
    assert_int_equal(rp_result_count(NULL), 0);
    assert_int_equal(rp_pool_close(NULL), RP_EINVAL);
    assert_int_equal(rp_pool_terminate(NULL), RP_EINVAL);
    assert_int_equal(rp_pool_join(NULL, 0), RP_EINVAL);
    assert_int_equal(rp_pool_workers(NULL), 0);
    rp_pool_destroy(NULL);
    rp_result_free(NULL);
    /* After all that, the pool still works. */
    check_squares(pool, 10, 0);
    rp_pool_destroy(pool);
}

static void test_timeouts(void **state) {
    (void)state;
    rp_pool *pool = new_pool(1);
    int ms = 300;
    rp_result *res;
    assert_int_equal(rp_pool_apply_async(pool, "nap", &ms, sizeof ms, NULL, &res), 0);
    assert_false(rp_result_ready(res));
    const void *d;
    assert_int_equal(rp_result_get(res, 0, &d, NULL), RP_ETIMEDOUT);
    assert_int_equal(rp_result_wait(res, 0.05), RP_ETIMEDOUT);
    size_t idx;
    assert_int_equal(rp_result_next(res, 0.01, &idx, &d, NULL), RP_ETIMEDOUT);
    rp_task_error e;
    assert_int_equal(rp_result_error(res, &e), RP_ESTATE);
    assert_int_equal(rp_result_item(res, 0, &d, NULL), RP_ESTATE);
    assert_int_equal(rp_result_get(res, RP_FOREVER, &d, NULL), 0);
    assert_int_equal(rp_result_error(res, &e), RP_EDONE);
    rp_result_free(res);
    /* Blocking apply with a timeout. */
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.timeout = 0.05;
    int r;
    assert_int_equal(rp_pool_apply(pool, "nap", &ms, sizeof ms, &r, sizeof r, NULL, &co),
                     RP_ETIMEDOUT);
    assert_int_equal(rp_pool_close(pool), 0);
    assert_int_equal(rp_pool_join(pool, 0.01), RP_ETIMEDOUT);
    assert_int_equal(rp_pool_join(pool, RP_FOREVER), 0);
    rp_pool_destroy(pool);
}

/* Map n naps of ms milliseconds in chunks of chunksize, terminate after
 * delay_ms, join, and count the items that ran; every item must be either
 * done or canceled.  Returns how many ran. */
static int nap_then_terminate(rp_pool *pool, int n, int ms, size_t chunksize, long delay_ms) {
    int *naps = malloc((size_t)n * sizeof *naps);
    for (int i = 0; i < n; i++)
        naps[i] = ms;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = chunksize;
    rp_result *res;
    assert_int_equal(
        rp_pool_map_async(pool, "nap", naps, (size_t)n, sizeof naps[0], NULL, 0, &co, &res), 0);
    struct timespec ts = {0, delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(rp_pool_terminate(pool), 0);
    assert_int_equal(rp_pool_apply_async(pool, "nap", naps, sizeof naps[0], NULL, NULL),
                     RP_ECLOSED);
    assert_int_equal(rp_pool_join(pool, 30.0), 0);
    assert_true(rp_result_ready(res));
    int ran = 0, canceled = 0;
    for (size_t i = 0; i < (size_t)n; i++) {
        int rc = rp_result_item(res, i, NULL, NULL);
        ran += rc == 0;
        canceled += rc == RP_ECANCELED;
    }
    assert_int_equal(ran + canceled, n); /* every item accounted for */
    assert_true(canceled > 0);
    assert_int_equal(rp_result_get(res, 0, NULL, NULL), RP_ECANCELED);
    rp_result_free(res);
    free(naps);
    return ran;
}

static void test_terminate(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    nap_then_terminate(pool, 400, 5, 1, 30);
    rp_pool_destroy(pool);
    /* Workers are fine afterwards. */
    pool = new_pool(0);
    check_squares(pool, 50, 1);
    rp_pool_destroy(pool);
}

static void test_initializer(void **state) {
    (void)state;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    int64_t v = 7;
    po.initializer = "set_value";
    po.initarg = &v;
    po.initarg_size = sizeof v;
    rp_pool *pool = NULL;
    assert_int_equal(rp_pool_create(rt, &po, &pool), 0);
    enum { N = 40 };
    int64_t in[N];
    init_report out[N];
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    assert_int_equal(rp_pool_map(pool, "report_init", in, N, sizeof in[0], out, sizeof out[0], &co),
                     0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(out[i].value, 7);
        /* Once per worker, not once per task: same count for all of a rank's items. */
        for (int j = 0; j < i; j++)
            if (out[j].rank == out[i].rank)
                assert_int_equal(out[j].calls, out[i].calls);
    }
    rp_pool_destroy(pool);

    /* A failing initializer: pool creation reports it, nothing is left behind. */
    v = -5;
    pool = NULL;
    assert_int_equal(rp_pool_create(rt, &po, &pool), RP_EINIT);
    assert_null(pool);
    assert_non_null(strstr(rp_last_error(), "negative initial value -5"));
    pool = new_pool(0);
    check_squares(pool, 20, 0);
    rp_pool_destroy(pool);
}

static void test_two_pools(void **state) {
    (void)state;
    rp_pool *a = new_pool(1), *b = new_pool(0);
    int64_t in[300], oa[300], ob[300];
    for (int i = 0; i < 300; i++)
        in[i] = i;
    rp_result *ra, *rb;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 2;
    assert_int_equal(rp_pool_map_async(a, "square", in, 300, 8, oa, 8, &co, &ra), 0);
    assert_int_equal(rp_pool_map_async(b, "picky", in, 300, 8, ob, 8, &co, &rb), 0);
    assert_int_equal(rp_result_wait(ra, RP_FOREVER), 0);
    assert_int_equal(rp_result_wait(rb, RP_FOREVER), 0);
    assert_true(rp_result_successful(ra));
    assert_false(rp_result_successful(rb));
    for (int i = 0; i < 300; i++) {
        assert_int_equal(oa[i], i * i);
        if (i != 7)
            assert_int_equal(ob[i], i * i);
    }
    rp_result_free(ra);
    rp_result_free(rb);
    /* Free a handle before its call is done: the work still finishes. */
    assert_int_equal(rp_pool_map_async(a, "square", in, 300, 8, oa, 8, NULL, &ra), 0);
    rp_result_free(ra);
    rp_pool_close(a);
    assert_int_equal(rp_pool_join(a, RP_FOREVER), 0);
    assert_int_equal(oa[299], 299 * 299);
    rp_pool_destroy(a);
    rp_pool_destroy(b);
}

static void on_done_wait_other(rp_result *res, void *user) {
    (void)res;
    cb_state *s = user;
    s->deadlock_rc = rp_result_wait(s->other, 1.0);
}

static void test_callback_cannot_block(void **state) {
    (void)state;
    rp_pool *pool = new_pool(1);
    cb_state s = {0};
    int ms = 400, quick = 0;
    assert_int_equal(rp_pool_apply_async(pool, "nap", &ms, sizeof ms, NULL, &s.other), 0);
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = on_done_wait_other;
    co.user = &s;
    /* On a one-worker pool the quick task runs after the slow one, so make
     * the slow one a second pool's if there is more than one worker. */
    rp_pool *p2 = rp_worker_count(rt) > 1 ? new_pool(0) : pool;
    rp_result *r;
    assert_int_equal(rp_pool_apply_async(p2, "nap", &quick, sizeof quick, &co, &r), 0);
    assert_int_equal(rp_result_wait(r, RP_FOREVER), 0);
    int other_done = rp_result_ready(s.other);
    /* Either the other call was already done (0) or waiting would deadlock. */
    assert_true(s.deadlock_rc == RP_EDEADLK || (other_done && s.deadlock_rc == 0));
    rp_result_free(r);
    rp_result_free(s.other);
    if (p2 != pool)
        rp_pool_destroy(p2);
    rp_pool_destroy(pool);
}

/* A callback that tries the blocking forms: each must refuse at once. */
typedef struct {
    rp_pool *pool;
    int map_rc, starmap_rc, apply_rc, create_rc, join_rc;
    int64_t out[4];
} blocking_state;

static void on_done_try_blocking(rp_result *res, void *user) {
    (void)res;
    blocking_state *b = user;
    int64_t in[4] = {1, 2, 3, 4};
    for (int i = 0; i < 4; i++)
        b->out[i] = -1;
    b->map_rc = rp_pool_map(b->pool, "square", in, 4, 8, b->out, 8, NULL);
    const void *args[1] = {in};
    size_t sizes[1] = {8};
    rp_result *r = NULL;
    b->starmap_rc = rp_pool_starmap(b->pool, "square", args, sizes, 1, NULL, &r);
    int64_t y;
    b->apply_rc = rp_pool_apply(b->pool, "square", in, 8, &y, 8, NULL, NULL);
    rp_pool *p = NULL;
    b->create_rc = rp_pool_create(rt, NULL, &p);
    b->join_rc = rp_pool_join(b->pool, 1.0);
}

static void test_blocking_from_callback(void **state) {
    (void)state;
    rp_pool *pool = new_pool(0);
    blocking_state b = {.pool = pool};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = on_done_try_blocking;
    co.user = &b;
    int64_t x = 3;
    rp_result *r;
    assert_int_equal(rp_pool_apply_async(pool, "square", &x, 8, &co, &r), 0);
    assert_int_equal(rp_result_wait(r, RP_FOREVER), 0);
    rp_result_free(r);
    assert_int_equal(b.map_rc, RP_EDEADLK);
    assert_int_equal(b.starmap_rc, RP_EDEADLK);
    assert_int_equal(b.apply_rc, RP_EDEADLK);
    assert_int_equal(b.create_rc, RP_EDEADLK);
    assert_int_equal(b.join_rc, RP_ESTATE); /* open pool: refused before waiting */
    /* Refused means no effect: nothing was queued, out was never written. */
    rp_pool_close(pool);
    assert_int_equal(rp_pool_join(pool, RP_FOREVER), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(b.out[i], -1);
    rp_pool_destroy(pool);
}

static void test_blocking_timeouts(void **state) {
    (void)state;
    rp_pool *pool = new_pool(1);
    enum { N = 40 };
    int ms[N];
    int out[N];
    for (int i = 0; i < N; i++) {
        ms[i] = 20;
        out[i] = -1;
    }
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.timeout = 0.1;
    co.chunksize = 1;
    /* 40 x 20 ms on one worker cannot finish in 0.1 s. */
    assert_int_equal(rp_pool_map(pool, "nap", ms, N, sizeof ms[0], out, sizeof out[0], &co),
                     RP_ETIMEDOUT);
    /* On return nothing of the call is in flight: out stays as it is now. */
    int snapshot[N];
    memcpy(snapshot, out, sizeof out);
    int done = 0;
    for (int i = 0; i < N; i++)
        done += out[i] != -1;
    assert_true(done < N);
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    assert_memory_equal(snapshot, out, sizeof out);

    const void *args[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        args[i] = &ms[i];
        sizes[i] = sizeof ms[i];
    }
    rp_result *res = NULL;
    assert_int_equal(rp_pool_starmap(pool, "nap", args, sizes, N, &co, &res), RP_ETIMEDOUT);
    assert_non_null(res);
    assert_true(rp_result_ready(res));
    assert_int_equal(rp_result_item(res, N - 1, NULL, NULL), RP_ETIMEDOUT);
    rp_result_free(res);
    /* Timed out but nothing left to withdraw (both items go out at once, as
     * prefetch is 2): all was sent, the outcome counts. */
    int two[2] = {300, 300};
    co.timeout = 0.1;
    assert_int_equal(rp_pool_map(pool, "nap", two, 2, sizeof two[0], out, sizeof out[0], &co), 0);
    /* The pool is fine afterwards. */
    check_squares(pool, 10, 0);
    rp_pool_destroy(pool);
}

static void test_terminate_inside_a_chunk(void **state) {
    (void)state;
    rp_pool *pool = new_pool(1);
    /* One chunk holds all 60 naps of 25 ms: cancel must act between its
     * items.  About 4 run before terminate; all 60 would mean it did not. */
    int ran = nap_then_terminate(pool, 60, 25, 60, 100);
    assert_true(ran >= 1 && ran < 30);
    rp_pool_destroy(pool);
}

static void test_many_small_calls(void **state) {
    (void)state;
    /* Stress: thousands of calls in flight, then every result checked. */
    rp_pool *pool = new_pool(0);
    enum { N = 3000 };
    rp_result **rs = malloc(N * sizeof *rs);
    for (int64_t i = 0; i < N; i++)
        assert_int_equal(rp_pool_apply_async(pool, "square", &i, sizeof i, NULL, &rs[i]), 0);
    for (int64_t i = N - 1; i >= 0; i--) {
        const void *d;
        size_t len;
        assert_int_equal(rp_result_get(rs[i], RP_FOREVER, &d, &len), 0);
        assert_int_equal(len, 8);
        assert_int_equal(*(const int64_t *)d, i * i);
        rp_result_free(rs[i]);
    }
    free(rs);
    rp_pool_destroy(pool);
}

static void test_pool_stats(void **state) {
    (void)state;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.timing = 1;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, &po, &pool), 0);
    int nw = rp_pool_workers(pool);
    rp_pool_stats s;
    rp_worker_stats *ws = calloc((size_t)nw + 1, sizeof *ws);
    assert_int_equal(rp_pool_get_stats(pool, &s, ws, (size_t)nw + 1), 0);
    assert_int_equal(s.calls, 0);
    assert_int_equal(s.done + s.failed + s.queued + s.running, 0);
    assert_int_equal(s.workers, nw);
    /* 20 squares, one of them failing (picky fails on 7), plus one apply. */
    enum { N = 20 };
    int64_t in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = i;
    assert_int_equal(rp_pool_map(pool, "picky", in, N, sizeof *in, out, sizeof *out, NULL),
                     RP_ETASK);
    int64_t x = 3, y = 0;
    assert_int_equal(rp_pool_apply(pool, "square", &x, sizeof x, &y, sizeof y, NULL, NULL), 0);
    assert_int_equal(rp_pool_get_stats(pool, &s, ws, (size_t)nw), 0);
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.done, N);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.queued, 0);
    assert_int_equal(s.running, 0);
    assert_int_equal(s.timed, N + 1);
    assert_true(s.queue >= 0 && s.wire >= 0 && s.exec >= 0 && s.result >= 0);
    assert_true(s.wake > 0); /* apply's caller waited */
    size_t answered = 0;
    for (int k = 0; k < nw; k++) {
        assert_int_equal(ws[k].running, 0);
        assert_int_equal(ws[k].lost, 0);
        if (rp_size(rt) > 1)
            assert_true(ws[k].rank >= 1 && ws[k].rank < rp_size(rt));
        else
            assert_int_equal(ws[k].rank, 0);
        answered += ws[k].done;
    }
    assert_int_equal(answered, N + 1);
    /* Queued and running while a long task holds the only worker of a 1-worker pool. */
    rp_pool_options one = RP_POOL_OPTIONS_INIT;
    one.workers = 1;
    rp_pool *p1;
    assert_int_equal(rp_pool_create(rt, &one, &p1), 0);
    int ms = 300;
    rp_result *r[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(rp_pool_apply_async(p1, "nap", &ms, sizeof ms, NULL, &r[i]), 0);
    if (rp_size(rt) > 1) {
        /* Poll until the manager sent the first naps out. */
        for (int tries = 0; tries < 200; tries++) {
            assert_int_equal(rp_pool_get_stats(p1, &s, NULL, 0), 0);
            if (s.running > 0)
                break;
            struct timespec ts = {0, 5000000L};
            nanosleep(&ts, NULL);
        }
        assert_true(s.running >= 1);
        assert_int_equal(s.running + s.queued + s.done, 4);
        assert_int_equal(s.timed, 0); /* timing is off */
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rp_result_wait(r[i], RP_FOREVER), 0);
        rp_result_free(r[i]);
    }
    assert_int_equal(rp_pool_get_stats(p1, &s, NULL, 0), 0);
    assert_int_equal(s.done, 4);
    /* Bad input. */
    assert_int_equal(rp_pool_get_stats(NULL, &s, NULL, 0), RP_EINVAL);
    assert_int_equal(rp_pool_get_stats(pool, NULL, NULL, 0), RP_EINVAL);
    assert_int_equal(rp_pool_get_stats(pool, &s, NULL, 3), RP_EINVAL);
    rp_pool_destroy(p1);
    rp_pool_destroy(pool);
    free(ws);
}

static void test_runtime_queries(void **state) {
    (void)state;
    assert_true(rp_is_manager(rt));
    assert_int_equal(rp_rank(rt), 0);
    assert_true(rp_size(rt) >= 1);
    assert_int_equal(rp_worker_count(rt),
                     rp_size(rt) > 1 ? rp_size(rt) - 1 - rp_server_count(rt) : 1);
    assert_true(rp_server_count(rt) >= 0 &&
                rp_server_count(rt) <= rp_size(rt) - 2 + (rp_size(rt) < 2));
    assert_int_equal(rp_serve(rt), 0); /* a no-op on the manager */
    assert_false(rp_is_manager(NULL));
    assert_int_equal(rp_rank(NULL), -1);
    assert_int_equal(rp_size(NULL), 0);
    assert_int_equal(rp_worker_count(NULL), 0);
    assert_int_equal(rp_serve(NULL), RP_EINVAL);
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_runtime_queries),
        cmocka_unit_test(test_map_seed),
        cmocka_unit_test(test_map_chunksizes),
        cmocka_unit_test(test_map_big_records),
        cmocka_unit_test(test_starmap_variable),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_apply_async_callbacks),
        cmocka_unit_test(test_map_async_failure),
        cmocka_unit_test(test_imap_orders),
        cmocka_unit_test(test_variable_results_in_handle),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_terminate),
        cmocka_unit_test(test_initializer),
        cmocka_unit_test(test_two_pools),
        cmocka_unit_test(test_callback_cannot_block),
        cmocka_unit_test(test_blocking_from_callback),
        cmocka_unit_test(test_blocking_timeouts),
        cmocka_unit_test(test_terminate_inside_a_chunk),
        cmocka_unit_test(test_many_small_calls),
        cmocka_unit_test(test_pool_stats),
    };
    int failed = RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases);
    return failed ? 1 : 0;
}
