/*
 * Stress tests of rank 0's engine (docs/design.md, "The rank-0 engine"):
 * many threads submit at once through the lock-free submission stack,
 * several wait at once and so contend for the progress token, callbacks
 * run on the manager while callers drive, and small calls travel in
 * batches.  Each case then checks the invariants: every call's result
 * came back exactly once and right, the order of map and imap holds, and
 * the pool's books balance (nothing queued or running, every item done).
 * Runs under mpiexec -n 1, 2 and 4.
 */
#include <rankpool.h>

#include <pthread.h>
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

static int twice(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int64_t))
        return rp_fail(ctx, 1, "twice wants 8 bytes, got %zu", size);
    int64_t y = *(const int64_t *)arg * 2;
    return rp_return(ctx, &y, sizeof y);
}

/* Fails on multiples of 97: error callbacks and failed items in the mix. */
static int odd_fail(rp_task_ctx *ctx, const void *arg, size_t size) {
    int64_t x = *(const int64_t *)arg;
    if (x % 97 == 0)
        return rp_fail(ctx, 5, "multiple of 97: %lld", (long long)x);
    return twice(ctx, arg, size);
}

static const rp_task_def tasks[] = {RP_TASK(twice), RP_TASK(odd_fail)};

enum { THREADS = 8, PER_THREAD = 1500 };

/* Callback tallies: one slot per call id, written on the manager thread. */
typedef struct tally {
    unsigned char *seen; /* per id: callbacks run */
    int64_t bad;         /* callbacks with a wrong result */
} tally;

typedef struct cb_arg {
    tally *t;
    int64_t id;
} cb_arg;

static void on_done(rp_result *res, void *user) {
    cb_arg *a = user;
    const void *d;
    size_t len;
    a->t->seen[a->id]++;
    if (rp_result_get(res, 0, &d, &len) != 0 || len != 8 || *(const int64_t *)d != 2 * a->id)
        a->t->bad++;
}

static void on_error(rp_result *res, void *user) {
    cb_arg *a = user;
    rp_task_error e;
    a->t->seen[a->id]++;
    if (a->id % 97 != 0 || rp_result_error(res, &e) != 0 || e.code != 5)
        a->t->bad++;
}

typedef struct worker_arg {
    rp_pool *pool;
    int index;
    tally *t;
    cb_arg *cbs; /* PER_THREAD of them, for this thread's asynchronous calls */
    int failures;
} worker_arg;

/* One producer: asynchronous calls with callbacks and handles, blocking
 * calls (so it drives progress), a map and an imap, all checked. */
static void *producer(void *p) {
    worker_arg *wa = p;
    rp_result **hs = calloc(PER_THREAD, sizeof *hs);
    int64_t base = (int64_t)wa->index * PER_THREAD;
    for (int k = 0; k < PER_THREAD; k++) {
        int64_t x = base + k;
        rp_call_options co = RP_CALL_OPTIONS_INIT;
        co.callback = on_done;
        co.error_callback = on_error;
        wa->cbs[k] = (cb_arg){wa->t, x};
        co.user = &wa->cbs[k];
        if (rp_pool_apply_async(wa->pool, "odd_fail", &x, sizeof x, &co, &hs[k]) != 0)
            wa->failures++;
        if (k % 50 == 0) {
            int64_t y = -1, in = x;
            if (rp_pool_apply(wa->pool, "twice", &in, sizeof in, &y, sizeof y, NULL, NULL) != 0 ||
                y != 2 * in)
                wa->failures++;
        }
    }
    /* A map and an imap of this thread's own, their order checked. */
    enum { N = 400 };
    int64_t in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = base + i;
    rp_call_options one = RP_CALL_OPTIONS_INIT;
    one.chunksize = 1 + (size_t)wa->index % 3;
    if (rp_pool_map(wa->pool, "twice", in, N, sizeof *in, out, sizeof *out, &one) != 0)
        wa->failures++;
    for (int i = 0; i < N; i++)
        wa->failures += out[i] != 2 * in[i];
    rp_result *it;
    if (rp_pool_imap(wa->pool, "twice", in, N, sizeof *in, NULL, &it) == 0) {
        size_t idx;
        const void *d;
        size_t len;
        for (int i = 0; i < N; i++)
            if (rp_result_next(it, 60.0, &idx, &d, &len) != 0 || idx != (size_t)i || len != 8 ||
                *(const int64_t *)d != 2 * in[i])
                wa->failures++;
        wa->failures += rp_result_next(it, 0, &idx, &d, &len) != RP_EDONE;
        rp_result_free(it);
    } else {
        wa->failures++;
    }
    /* Every handle: its own result, read once the callbacks ran. */
    for (int k = 0; k < PER_THREAD; k++) {
        int64_t x = base + k;
        const void *d;
        size_t len;
        if (hs[k] == NULL)
            continue;
        int rc = rp_result_get(hs[k], 60.0, &d, &len);
        if (x % 97 == 0)
            wa->failures += rc != RP_ETASK;
        else
            wa->failures += rc != 0 || len != 8 || *(const int64_t *)d != 2 * x;
        rp_result_free(hs[k]);
    }
    free(hs);
    return NULL;
}

/* The pool's books after a run: everything submitted came back. */
static void check_books(rp_pool *pool, size_t calls, size_t items, size_t failed) {
    rp_pool_stats s;
    assert_int_equal(rp_pool_get_stats(pool, &s, NULL, 0), 0);
    assert_int_equal(s.calls, calls);
    assert_int_equal(s.queued, 0);
    assert_int_equal(s.running, 0);
    assert_int_equal(s.done + s.failed, items);
    assert_int_equal(s.failed, failed);
}

/* Many threads submit and wait at once; then every callback ran exactly
 * once, every handle has its own result, map and imap kept their order. */
static void test_many_producers(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    tally t = {calloc(THREADS * PER_THREAD, 1), 0};
    worker_arg wa[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        wa[i] = (worker_arg){pool, i, &t, calloc(PER_THREAD, sizeof(cb_arg)), 0};
        assert_int_equal(pthread_create(&th[i], NULL, producer, &wa[i]), 0);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += wa[i].failures;
    }
    assert_int_equal(failures, 0);
    assert_int_equal(rp_pool_close(pool), 0);
    assert_int_equal(rp_pool_join(pool, 120.0), 0);
    size_t missing = 0, twice_seen = 0;
    for (int i = 0; i < THREADS * PER_THREAD; i++) {
        missing += t.seen[i] == 0;
        twice_seen += t.seen[i] > 1;
    }
    assert_int_equal(missing, 0);
    assert_int_equal(twice_seen, 0);
    assert_int_equal(t.bad, 0);
    size_t applies = THREADS * (PER_THREAD + PER_THREAD / 50);
    size_t fails = 0;
    for (int64_t x = 0; x < THREADS * PER_THREAD; x++)
        fails += x % 97 == 0;
    check_books(pool, applies + 2 * THREADS, applies + 2 * THREADS * 400, fails);
    for (int i = 0; i < THREADS; i++)
        free(wa[i].cbs);
    free(t.seen);
    rp_pool_destroy(pool);
}

typedef struct apply_arg {
    rp_pool *pool;
    int index;
    int failures;
} apply_arg;

/* Back-to-back blocking calls: each waits, so each thread drives. */
static void *applier(void *p) {
    apply_arg *a = p;
    for (int64_t k = 0; k < 2000; k++) {
        int64_t x = a->index * 100000 + k, y = -1;
        size_t got = 0;
        if (rp_pool_apply(a->pool, "twice", &x, sizeof x, &y, sizeof y, &got, NULL) != 0 ||
            got != sizeof y || y != 2 * x)
            a->failures++;
    }
    return NULL;
}

/* Several callers drive at once (they take turns with the progress token,
 * and the manager sleeps meanwhile): no answer lost or given to another. */
static void test_drivers_contend(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    apply_arg a[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (apply_arg){pool, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, applier, &a[i]), 0);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += a[i].failures;
    }
    assert_int_equal(failures, 0);
    check_books(pool, THREADS * 2000, THREADS * 2000, 0);
    rp_pool_destroy(pool);
}

/* A burst of small fire-and-forget calls (they travel in batches), then a
 * blocking call on the same pool: it comes back after them, and the pool's
 * counters are exact. */
static void test_burst_then_wait(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    enum { N = 50000 };
    for (int64_t i = 0; i < N; i++)
        assert_int_equal(rp_pool_apply_async(pool, "twice", &i, sizeof i, NULL, NULL), 0);
    int64_t x = 21, y = 0;
    assert_int_equal(rp_pool_apply(pool, "twice", &x, sizeof x, &y, sizeof y, NULL, NULL), 0);
    assert_int_equal(y, 42);
    assert_int_equal(rp_pool_close(pool), 0);
    assert_int_equal(rp_pool_join(pool, 120.0), 0);
    check_books(pool, N + 1, N + 1, 0);
    rp_pool_destroy(pool);
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_many_producers),
        cmocka_unit_test(test_drivers_contend),
        cmocka_unit_test(test_burst_then_wait),
    };
    int failed = RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases);
    return failed ? 1 : 0;
}
