/*
 * rp_pool_terminate stops running tasks (Python's terminate()): in an
 * isolated pool their executors are killed at once; without isolation
 * rp_pool_destroy gives a running task the pool's terminate_grace, then
 * gives up on it, says so in its item, and the worker serves on once the
 * task ends.  The tasks wait on an event that is set only afterwards, so
 * none can end by itself before the calls under test return: nothing here
 * depends on timing.  Needs a worker rank (mpiexec -n 2 or more).
 */
#include <rankpool.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static rp_runtime *rt;

typedef struct wait_arg {
    rp_dict seen; /* the task puts its pid under its index */
    rp_event go;  /* set only at the end of each test */
} wait_arg;

/* Say where it runs, then wait (60 s at most) for the event. */
static int t_wait(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const wait_arg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    char key[32];
    snprintf(key, sizeof key, "%zu", rp_task_index(ctx));
    if (rp_dict_set(r, a->seen, rp_key_str(key), rp_int(getpid())) != 0)
        return 1;
    int rc = rp_event_wait(r, a->go, 60.0);
    return rp_return(ctx, &rc, sizeof rc);
}

static int t_square(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int64_t x = *(const int64_t *)arg * *(const int64_t *)arg;
    return rp_return(ctx, &x, sizeof x);
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait (30 s at most) until @p n tasks said where they run. */
static void wait_running(rp_dict seen, size_t n) {
    size_t have = 0;
    for (int k = 0; k < 3000 && have < n; k++) {
        assert_int_equal(rp_dict_len(rt, seen, &have), 0);
        if (have < n)
            sleep_ms(10);
    }
    assert_true(have >= n);
}

/* Every worker maps squares: they all serve. */
static void all_workers_serve(void) {
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    int64_t in[40], out[40];
    for (int i = 0; i < 40; i++)
        in[i] = i;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    co.timeout = 60;
    assert_int_equal(rp_pool_map(p, "t_square", in, 40, sizeof *in, out, sizeof *out, &co), 0);
    for (int i = 0; i < 40; i++)
        assert_true(out[i] == (int64_t)i * i);
    rp_pool_destroy(p);
}

/* Isolated: terminate kills the executors that run tasks; join returns
 * though no task could have ended by itself; their processes are gone. */
static void test_isolated_terminate_kills(void **state) {
    (void)state;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.isolate = 1;
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, &po, &p), 0);
    size_t w = (size_t)rp_pool_workers(p);
    wait_arg a;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &a.seen), 0);
    assert_int_equal(rp_event_open(rt, NULL, 0, &a.go), 0);
    enum { N = 6 };
    wait_arg in[N];
    for (int i = 0; i < N; i++)
        in[i] = a;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rp_result *res;
    assert_int_equal(rp_pool_map_async(p, "t_wait", in, N, sizeof *in, NULL, 0, &co, &res), 0);
    wait_running(a.seen, w); /* one task on each worker */
    assert_int_equal(rp_pool_terminate(p), 0);
    assert_int_equal(rp_pool_join(p, 60), 0);
    assert_int_equal(rp_event_is_set(rt, a.go), 0); /* nothing let them end */
    size_t killed = 0;
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(rp_result_item(res, i, NULL, NULL), RP_ECANCELED);
        killed += strstr(rp_last_error(), "killed by pool terminate") != NULL;
    }
    assert_int_equal(killed, w); /* the running ones; the others never ran */
    /* Their processes are gone (reaped by their rank). */
    rp_items pids;
    assert_int_equal(rp_dict_items(rt, a.seen, RP_VALUES, &pids), 0);
    for (size_t i = 0; i < pids.n; i++) {
        int gone = 0;
        for (int k = 0; k < 1000 && !gone; k++) {
            gone = kill((pid_t)pids.values[i].i, 0) != 0 && errno == ESRCH;
            if (!gone)
                sleep_ms(10);
        }
        assert_true(gone);
    }
    rp_items_free(&pids);
    rp_result_free(res);
    rp_pool_destroy(p);
    assert_int_equal(rp_dict_destroy(rt, a.seen), 0);
    assert_int_equal(rp_event_destroy(rt, a.go), 0);
    all_workers_serve();
}

/* Without isolation: destroy gives a running task terminate_grace, then
 * returns with the task still running (it waits for an event not yet
 * set); its item says which worker ran it; once the task ends, its answer
 * is dropped and the worker serves on. */
static void test_destroy_gives_up_after_grace(void **state) {
    (void)state;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.terminate_grace = 0.2;
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, &po, &p), 0);
    wait_arg a;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &a.seen), 0);
    assert_int_equal(rp_event_open(rt, NULL, 0, &a.go), 0);
    rp_result *res;
    assert_int_equal(rp_pool_apply_async(p, "t_wait", &a, sizeof a, NULL, &res), 0);
    wait_running(a.seen, 1);
    rp_pool_destroy(p);                             /* returns: the test would hang here before */
    assert_int_equal(rp_event_is_set(rt, a.go), 0); /* so the task still runs */
    assert_int_equal(rp_result_wait(res, 0), 0);
    assert_int_equal(rp_result_get(res, 0, NULL, NULL), RP_ECANCELED);
    assert_non_null(strstr(rp_last_error(), "still on worker rank"));
    rp_task_error e;
    assert_int_equal(rp_result_error(res, &e), 0);
    assert_int_equal(e.code, RP_ECANCELED);
    rp_result_free(res);
    /* The task ends; the worker drops nothing of the books and serves on. */
    assert_int_equal(rp_event_set(rt, a.go), 0);
    all_workers_serve();
    assert_int_equal(rp_dict_destroy(rt, a.seen), 0);
    assert_int_equal(rp_event_destroy(rt, a.go), 0);
    /* The grace follows the timeout rule. */
    po.terminate_grace = 0.0 / 0.0;
    assert_int_equal(rp_pool_create(rt, &po, &p), RP_EINVAL);
    po.terminate_grace = -3;
    assert_int_equal(rp_pool_create(rt, &po, &p), RP_EINVAL);
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(t_wait), RP_TASK(t_square)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 2;
    int rc = rp_init(&rt, &argc, &argv, &opt);
    if (rc != 0) {
        fprintf(stderr, "rp_init: %s: %s\n", rp_err_name(rc), rp_last_error());
        return 1;
    }
    int failed = 0;
    if (rp_is_manager(rt)) {
        if (rp_size(rt) < 2) {
            fprintf(stderr, "test_terminate needs a worker rank: run it under mpiexec -n 2+\n");
            failed = 1;
        } else {
            const struct CMUnitTest cases[] = {
                cmocka_unit_test(test_isolated_terminate_kills),
                cmocka_unit_test(test_destroy_gives_up_after_grace),
            };
            failed = cmocka_run_group_tests(cases, NULL, NULL);
        }
    }
    rc = rp_finalize(rt);
    if (rc != 0) {
        fprintf(stderr, "rp_finalize: %s\n", rp_err_name(rc));
        failed++;
    }
    return failed ? 1 : 0;
}
