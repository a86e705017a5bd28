/*
 * MPI tests of what waits for many results and what acts on one call:
 * rp_wait (concurrent.futures.wait), the as_completed iterator,
 * rp_result_cancel, retries with rp_result_attempts and rp_task_attempt, and
 * the progress bar (rp_progress_format, and the call option on a terminal).
 * Run under mpiexec -n 1, 2 and 3; rank 0 runs the cases, the workers serve.
 */
#include <rankpool.h>

#include <fcntl.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpi_cases.h"

static rp_runtime *rt;

/* Sleeps the given number of milliseconds; a negative number fails at once. */
static int nap(rp_task_ctx *ctx, const void *arg, size_t size) {
    int ms = size == sizeof(int) ? *(const int *)arg : 0;
    if (ms < 0)
        return rp_fail(ctx, 9, "asked to fail");
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return rp_return(ctx, &ms, sizeof ms);
}

/* Fails until its try number reaches the argument; returns the try number. */
static int flaky(rp_task_ctx *ctx, const void *arg, size_t size) {
    int need = size == sizeof(int) ? *(const int *)arg : 1;
    int attempt = rp_task_attempt(ctx);
    if (attempt < need)
        return rp_fail(ctx, 5, "try %d of %d", attempt, need);
    return rp_return(ctx, &attempt, sizeof attempt);
}

static const rp_task_def tasks[] = {RP_TASK(nap), RP_TASK(flaky)};

static rp_result *submit(rp_pool *pool, const char *task, int arg) {
    rp_result *r = NULL;
    assert_int_equal(rp_pool_apply_async(pool, task, &arg, sizeof arg, NULL, &r), 0);
    return r;
}

static void test_wait_modes(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    rp_result *r[3] = {submit(pool, "nap", 0), submit(pool, "nap", 300), submit(pool, "nap", -1)};
    int n = rp_wait(r, 3, RP_FIRST_COMPLETED, RP_FOREVER);
    assert_true(n >= 1 && n <= 3);
    assert_true(rp_result_ready(r[0]) || rp_result_ready(r[1]) || rp_result_ready(r[2]));
    n = rp_wait(r, 3, RP_FIRST_EXCEPTION, RP_FOREVER);
    assert_true(n >= 1);
    assert_true(rp_result_ready(r[2])); /* the failure, or all three */
    assert_int_equal(rp_wait(r, 3, RP_ALL_COMPLETED, RP_FOREVER), 3);
    assert_int_equal(rp_wait(r, 0, RP_ALL_COMPLETED, 0), 0);
    /* A long one is not done at once: a timeout, nothing changed. */
    rp_result *slow = submit(pool, "nap", 1000);
    assert_int_equal(rp_wait(&slow, 1, RP_ALL_COMPLETED, 0.01), RP_ETIMEDOUT);
    assert_int_equal(rp_wait(&slow, 1, RP_FIRST_COMPLETED, RP_FOREVER), 1);
    /* Bad input. */
    assert_int_equal(rp_wait(NULL, 2, RP_ALL_COMPLETED, 0), RP_EINVAL);
    assert_int_equal(rp_wait(r, 3, 0, 0), RP_EINVAL);
    rp_result *holes[2] = {r[0], NULL};
    assert_int_equal(rp_wait(holes, 2, RP_ALL_COMPLETED, 0), RP_EINVAL);
    for (int i = 0; i < 3; i++)
        rp_result_free(r[i]);
    rp_result_free(slow);
    rp_pool_destroy(pool);
}

static void test_as_completed(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    rp_result *r[3] = {submit(pool, "nap", 1500), submit(pool, "nap", 0), submit(pool, "nap", 20)};
    rp_as_completed *it;
    assert_int_equal(rp_as_completed_create(r, 2, &it), 0);
    assert_int_equal(rp_as_completed_add(it, r[2]), 0);
    assert_int_equal(rp_as_completed_pending(it), 3);
    /* In one iterator at a time. */
    rp_as_completed *other;
    assert_int_equal(rp_as_completed_create(&r[0], 1, &other), RP_EINVAL);
    int seen[3] = {0, 0, 0};
    rp_result *got;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(rp_as_completed_next(it, RP_FOREVER, &got), 0);
        assert_true(rp_result_ready(got));
        for (int i = 0; i < 3; i++)
            seen[i] += got == r[i];
        /* With two workers the 1.5 s nap, sent first, is not the first back. */
        if (k == 0 && rp_worker_count(rt) >= 2)
            assert_ptr_not_equal(got, r[0]);
    }
    assert_int_equal(seen[0] + seen[1] + seen[2], 3);
    assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    assert_int_equal(rp_as_completed_next(it, 0, &got), RP_EDONE);
    assert_int_equal(rp_as_completed_pending(it), 0);
    /* One still running: a timeout; freeing the iterator lets it join another. */
    rp_result *slow = submit(pool, "nap", 400);
    assert_int_equal(rp_as_completed_add(it, slow), 0);
    assert_int_equal(rp_as_completed_next(it, 0.01, &got), RP_ETIMEDOUT);
    rp_as_completed_free(it);
    assert_int_equal(rp_as_completed_create(&slow, 1, &other), 0);
    assert_int_equal(rp_as_completed_next(other, RP_FOREVER, &got), 0);
    assert_ptr_equal(got, slow);
    rp_as_completed_free(other);
    /* Bad input. */
    assert_int_equal(rp_as_completed_create(NULL, 1, &it), RP_EINVAL);
    assert_int_equal(rp_as_completed_create(r, 1, NULL), RP_EINVAL);
    assert_int_equal(rp_as_completed_add(NULL, r[0]), RP_EINVAL);
    assert_int_equal(rp_as_completed_next(NULL, 0, &got), RP_EINVAL);
    assert_int_equal(rp_as_completed_pending(NULL), 0);
    rp_as_completed_free(NULL);
    for (int i = 0; i < 3; i++)
        rp_result_free(r[i]);
    rp_result_free(slow);
    rp_pool_destroy(pool);
}

static int errors_seen;
static void on_error(rp_result *res, void *user) {
    (void)res;
    (void)user;
    errors_seen++;
}

static void test_cancel(void **state) {
    (void)state;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.workers = 1;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, &po, &pool), 0);
    /* One worker busy for a while; the calls behind it wait in the queue
     * (a few may be sent ahead to the worker: those run on). */
    rp_result *busy = submit(pool, "nap", 500);
    rp_result *r[6];
    for (int i = 0; i < 6; i++)
        r[i] = submit(pool, "nap", 1);
    assert_int_equal(rp_result_cancel(r[5]), 1);
    assert_int_equal(rp_result_cancel(r[5]), 0); /* nothing left to cancel */
    assert_int_equal(rp_result_get(r[5], RP_FOREVER, NULL, NULL), RP_ECANCELED);
    assert_int_equal(rp_result_attempts(r[5], 0), 0);
    /* A map behind them: its unsent items fail canceled, the call completes. */
    int in[50];
    for (int i = 0; i < 50; i++)
        in[i] = 1;
    rp_call_options o = RP_CALL_OPTIONS_INIT;
    o.chunksize = 1;
    o.error_callback = on_error;
    errors_seen = 0;
    rp_result *m;
    assert_int_equal(rp_pool_map_async(pool, "nap", in, 50, sizeof(int), NULL, 0, &o, &m), 0);
    int k = rp_result_cancel(m);
    assert_true(k > 40 && k <= 50);
    assert_int_equal(rp_result_wait(m, RP_FOREVER), 0);
    assert_false(rp_result_successful(m));
    assert_int_equal(rp_result_item(m, 49, NULL, NULL), RP_ECANCELED);
    assert_int_equal(rp_result_attempts(m, 49), 0);
    assert_int_equal(errors_seen, 1);
    /* The one that ran: done, sent once, cannot be canceled. */
    assert_int_equal(rp_result_get(busy, RP_FOREVER, NULL, NULL), 0);
    assert_int_equal(rp_result_cancel(busy), 0);
    assert_int_equal(rp_result_attempts(busy, 0), 1);
    assert_int_equal(rp_result_attempts(busy, 1), RP_ERANGE);
    assert_int_equal(rp_result_attempts(NULL, 0), RP_EINVAL);
    assert_int_equal(rp_result_cancel(NULL), RP_EINVAL);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rp_result_wait(r[i], RP_FOREVER), 0);
    for (int i = 0; i < 6; i++)
        rp_result_free(r[i]);
    rp_result_free(busy);
    rp_result_free(m);
    rp_pool_destroy(pool);
}

static void test_retries(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    int need = 3, got = 0;
    size_t size = 0;
    /* Without retries the first try is the only one. */
    assert_int_equal(rp_pool_apply(pool, "flaky", &need, sizeof need, &got, sizeof got, NULL, NULL),
                     RP_ETASK);
    rp_call_options o = RP_CALL_OPTIONS_INIT;
    o.retries = 2;
    assert_int_equal(rp_pool_apply(pool, "flaky", &need, sizeof need, &got, sizeof got, &size, &o),
                     0);
    assert_int_equal(got, 3); /* the task saw its third try */
    rp_result *r;
    assert_int_equal(rp_pool_apply_async(pool, "flaky", &need, sizeof need, &o, &r), 0);
    assert_int_equal(rp_result_wait(r, RP_FOREVER), 0);
    assert_int_equal(rp_result_attempts(r, 0), 3);
    rp_result_free(r);
    /* One retry too few: the last failure stands, with its code and message. */
    o.retries = 1;
    assert_int_equal(rp_pool_apply_async(pool, "flaky", &need, sizeof need, &o, &r), 0);
    assert_int_equal(rp_result_get(r, RP_FOREVER, NULL, NULL), RP_ETASK);
    rp_task_error e;
    assert_int_equal(rp_result_error(r, &e), 0);
    assert_int_equal(e.code, 5);
    assert_string_equal(e.message, "try 2 of 3");
    assert_int_equal(rp_result_attempts(r, 0), 2);
    rp_result_free(r);
    /* A map: every item retried on its own, all succeed on the third try. */
    int in[20], out[20];
    for (int i = 0; i < 20; i++)
        in[i] = i % 2 ? 3 : 1;
    o.retries = 2;
    o.chunksize = 4;
    assert_int_equal(
        rp_pool_map_async(pool, "flaky", in, 20, sizeof(int), out, sizeof(int), &o, &r), 0);
    assert_int_equal(rp_result_wait(r, RP_FOREVER), 0);
    assert_true(rp_result_successful(r));
    for (int i = 0; i < 20; i++) {
        assert_int_equal(out[i], in[i]);
        assert_int_equal(rp_result_attempts(r, (size_t)i), in[i]);
    }
    rp_result_free(r);
    /* Bad input. */
    o.retries = -1;
    assert_int_equal(rp_pool_apply_async(pool, "flaky", &need, sizeof need, &o, &r), RP_EINVAL);
    o.retries = 1001;
    assert_int_equal(rp_pool_apply_async(pool, "flaky", &need, sizeof need, &o, &r), RP_EINVAL);
    rp_pool_destroy(pool);
}

static void test_progress_format(void **state) {
    (void)state;
    char buf[200];
    rp_progress p = {.total = 2000, .done = 900, .failed = 3, .running = 4, .elapsed = 1.0};
    int n = rp_progress_format(buf, sizeof buf, &p);
    assert_int_equal(n, (int)strlen(buf));
    assert_non_null(strstr(buf, " 45% 900/2000 3 failed 4 running 900/s ETA 0:01"));
    assert_true(buf[0] == '[' && strchr(buf, ']') != NULL);
    assert_true(n <= 80);
    rp_progress q = {.done = 5, .elapsed = 2.0};
    assert_int_equal(rp_progress_format(buf, sizeof buf, &q), (int)strlen("5 done 2.5/s"));
    assert_string_equal(buf, "5 done 2.5/s");
    rp_progress all = {.total = 10, .done = 10, .elapsed = 65};
    rp_progress_format(buf, sizeof buf, &all);
    assert_non_null(strstr(buf, "[########################################] 100% 10/10"));
    assert_non_null(strstr(buf, " in 1:05"));
    assert_int_equal(rp_progress_format(buf, 8, &p), 7); /* cut to fit */
    assert_int_equal(rp_progress_format(NULL, 8, &p), RP_EINVAL);
    assert_int_equal(rp_progress_format(buf, 0, &p), RP_EINVAL);
    assert_int_equal(rp_progress_format(buf, sizeof buf, NULL), RP_EINVAL);
}

/* Run a map of 10 naps with the bar on, stderr being @p fd; what was drawn
 * is read from @p rd. */
static void bar_map(rp_pool *pool, int fd) {
    int in[10], saved = dup(2);
    for (int i = 0; i < 10; i++)
        in[i] = 30;
    rp_call_options o = RP_CALL_OPTIONS_INIT;
    o.progress = 1;
    o.chunksize = 1;
    dup2(fd, 2);
    int rc = rp_pool_map(pool, "nap", in, 10, sizeof(int), NULL, 0, &o);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, 0);
}

static void test_progress_bar(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    /* On a terminal: lines that end with the whole map done. */
    int master, slave;
    assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
    bar_map(pool, slave);
    char buf[8192];
    fcntl(master, F_SETFL, O_NONBLOCK);
    ssize_t n, len = 0;
    while (len < (ssize_t)sizeof buf - 1 && (n = read(master, buf + len, sizeof buf - 1 - len)) > 0)
        len += n;
    buf[len] = '\0';
    close(master);
    close(slave);
    assert_non_null(strstr(buf, "] 100% 10/10"));
    assert_non_null(strchr(buf, '\r'));
    assert_int_equal(buf[len - 1], '\n');
    /* Not a terminal: nothing. */
    int p[2];
    assert_int_equal(pipe(p), 0);
    bar_map(pool, p[1]);
    close(p[1]);
    assert_int_equal(read(p[0], buf, sizeof buf), 0);
    close(p[0]);
    rp_pool_destroy(pool);
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_wait_modes),      cmocka_unit_test(test_as_completed),
        cmocka_unit_test(test_cancel),          cmocka_unit_test(test_retries),
        cmocka_unit_test(test_progress_format), cmocka_unit_test(test_progress_bar),
    };
    int failed = RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases);
    return failed ? 1 : 0;
}
