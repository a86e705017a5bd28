/*
 * MPI tests of queues, locks and the other waitable objects with the
 * waiters on worker ranks: a parked request is answered when another rank
 * acts, a timeout is honoured by the manager, and a stress test checks that
 * every item goes through exactly once.  Run under mpiexec -n 1, 2 and 4.
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

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- tasks ------------------------------------------------------------------------ */

typedef struct get_arg {
    rp_queue q;
    double timeout;
} get_arg;

typedef struct get_out {
    int32_t rc;
    int32_t rank;
    int64_t item;
    double waited;
} get_out;

/* One get with a timeout: what came, and how long it took. */
static int t_get(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const get_arg *a = arg;
    rp_value v;
    double t0 = now();
    get_out o = {.rank = rp_task_rank(ctx)};
    o.rc = rp_queue_get(rp_task_runtime(ctx), a->q, a->timeout, &v, NULL);
    o.waited = now() - t0;
    o.item = v.type == RP_T_INT ? v.i : -1;
    rp_value_free(&v);
    return rp_return(ctx, &o, sizeof o);
}

typedef struct count_arg {
    rp_lock l;
    rp_dict d;
    int32_t iters;
} count_arg;

/* The seed's read-modify-write, made safe by a lock held across it. */
static int t_locked_count(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const count_arg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int32_t rc = 0;
    for (int i = 0; i < a->iters && rc == 0; i++) {
        int64_t n = 0;
        if ((rc = rp_lock_acquire(r, a->l, 10.0)) != 0)
            break;
        rc = rp_dict_get_int(r, a->d, rp_key_str("n"), &n);
        if (rc == 0)
            rc = rp_dict_set(r, a->d, rp_key_str("n"), rp_int(n + 1));
        int rel = rp_lock_release(r, a->l);
        if (rc == 0)
            rc = rel;
    }
    return rp_return(ctx, &rc, sizeof rc);
}

typedef struct bar_arg {
    rp_barrier b;
    rp_event e;
} bar_arg;

/* Wait at the barrier, then for the event. */
static int t_barrier(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const bar_arg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int32_t out[2];
    out[0] = rp_barrier_wait(r, a->b, 10.0);
    out[1] = rp_event_wait(r, a->e, 10.0);
    return rp_return(ctx, out, sizeof out);
}

typedef struct stress_arg {
    rp_queue q;
    int32_t who;
    int32_t n;
} stress_arg;

/* Put n items of our own, taking one item (anyone's) after each put. */
static int t_put_get(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const stress_arg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int64_t *got = rp_return_buffer(ctx, (size_t)a->n * sizeof *got);
    if (got == NULL)
        return -1;
    for (int k = 0; k < a->n; k++) {
        int rc = rp_queue_put(r, a->q, rp_int((int64_t)a->who * 1000000 + k), 10.0);
        if (rc != 0)
            return rp_fail(ctx, rc, "put: %s", rp_last_error());
        rp_value v;
        if ((rc = rp_queue_get(r, a->q, 10.0, &v, NULL)) != 0)
            return rp_fail(ctx, rc, "get: %s", rp_last_error());
        got[k] = v.i;
    }
    return 0;
}

typedef struct pipe_arg {
    rp_conn c;
    int32_t n;
} pipe_arg;

/* Send n messages on the pipe end, then close it. */
static int t_pipe_send(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const pipe_arg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int32_t rc = 0;
    for (int i = 0; i < a->n && rc == 0; i++)
        rc = rp_conn_send(r, a->c, rp_int(i));
    if (rc == 0)
        rc = rp_conn_close(r, a->c);
    return rp_return(ctx, &rc, sizeof rc);
}

/* Wait for the event; return our rank. */
static int t_wait_event(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int32_t out[2] = {rp_task_rank(ctx), 0};
    out[1] = rp_event_wait(rp_task_runtime(ctx), *(const rp_event *)arg, 20.0);
    return rp_return(ctx, out, sizeof out);
}

/* Return our rank at once. */
static int t_rank(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    int32_t r = rp_task_rank(ctx);
    return rp_return(ctx, &r, sizeof r);
}

static const rp_task_def tasks[] = {
    RP_TASK(t_get),       RP_TASK(t_locked_count), RP_TASK(t_barrier), RP_TASK(t_put_get),
    RP_TASK(t_pipe_send), RP_TASK(t_wait_event),   RP_TASK(t_rank)};

static rp_pool *pool(void) {
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    return p;
}

/* ---- cases ---------------------------------------------------------------------------- */

/* A worker blocked in get wakes when rank 0 puts; another times out. */
static void test_remote_get(void **state) {
    (void)state;
    rp_pool *p = pool();
    rp_queue q;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &q), 0);
    get_arg a = {q, 10.0};
    rp_result *res;
    const void *data;
    size_t len;
    if (rp_size(rt) == 1) {
        /* One rank: the task runs on the manager thread, where nothing
         * waits (the callback rule): RP_EDEADLK at once, not after 10 s. */
        assert_int_equal(rp_pool_apply_async(p, "t_get", &a, sizeof a, NULL, &res), 0);
        assert_int_equal(rp_result_get(res, 30.0, &data, &len), 0);
        assert_int_equal(((const get_out *)data)->rc, RP_EDEADLK);
        assert_true(((const get_out *)data)->waited < 5.0);
        rp_result_free(res);
        assert_int_equal(rp_queue_destroy(rt, q), 0);
        rp_pool_destroy(p);
        return;
    }
    assert_int_equal(rp_pool_apply_async(p, "t_get", &a, sizeof a, NULL, &res), 0);
    sleep_ms(100);
    assert_int_equal(rp_queue_put(rt, q, rp_int(77), 0), 0);
    assert_int_equal(rp_result_get(res, 10.0, &data, &len), 0);
    get_out o = *(const get_out *)data;
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.item, 77);
    assert_true(o.waited >= 0.05);
    rp_result_free(res);
    /* The manager keeps the deadline: Empty after about 0.2 s. */
    a.timeout = 0.2;
    assert_int_equal(rp_pool_apply(p, "t_get", &a, sizeof a, &o, sizeof o, NULL, NULL), 0);
    assert_int_equal(o.rc, RP_EEMPTY);
    assert_true(o.waited >= 0.19 && o.waited < 1.5);
    /* Destroyed under a remote waiter: it gets ENOENT. */
    a.timeout = 10.0;
    assert_int_equal(rp_pool_apply_async(p, "t_get", &a, sizeof a, NULL, &res), 0);
    sleep_ms(100);
    assert_int_equal(rp_queue_destroy(rt, q), 0);
    assert_int_equal(rp_result_get(res, 10.0, &data, &len), 0);
    assert_int_equal(((const get_out *)data)->rc, RP_ENOENT);
    rp_result_free(res);
    rp_pool_destroy(p);
}

/* Rank 0's share of test_lock_across_ranks: 40 increments under the lock. */
static void rank0_counts(const count_arg *a) {
    for (int i = 0; i < 40; i++) {
        int64_t n;
        assert_int_equal(rp_lock_acquire(rt, a->l, 10.0), 0);
        assert_int_equal(rp_dict_get_int(rt, a->d, rp_key_str("n"), &n), 0);
        assert_int_equal(rp_dict_set(rt, a->d, rp_key_str("n"), rp_int(n + 1)), 0);
        assert_int_equal(rp_lock_release(rt, a->l), 0);
    }
}

/* Workers and rank 0 do read-modify-write under one lock: nothing lost.
 * With one rank the tasks run on the manager thread, where nothing waits
 * (the callback rule): rank 0's main then takes its turns before them, not
 * at the same time, or a task would find the lock held and get RP_EDEADLK. */
static void test_lock_across_ranks(void **state) {
    (void)state;
    rp_pool *p = pool();
    count_arg a = {.iters = 40};
    assert_int_equal(rp_lock_open(rt, "L", RP_CREATE, 0, &a.l), 0);
    assert_int_equal(rp_dict_open(rt, NULL, 0, &a.d), 0);
    assert_int_equal(rp_dict_set(rt, a.d, rp_key_str("n"), rp_int(0)), 0);
    enum { NT = 6 };
    count_arg in[NT];
    int32_t rcs[NT];
    for (int i = 0; i < NT; i++)
        in[i] = a;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rp_result *res;
    int one_rank = rp_size(rt) == 1;
    if (one_rank)
        rank0_counts(&a);
    assert_int_equal(
        rp_pool_map_async(p, "t_locked_count", in, NT, sizeof in[0], rcs, sizeof rcs[0], &co, &res),
        0);
    if (!one_rank)
        rank0_counts(&a); /* rank 0 joins in, at the same time */
    assert_int_equal(rp_result_wait(res, 30.0), 0);
    assert_int_equal(rp_result_successful(res), 1);
    rp_result_free(res);
    for (int i = 0; i < NT; i++)
        assert_int_equal(rcs[i], 0);
    int64_t n;
    assert_int_equal(rp_dict_get_int(rt, a.d, rp_key_str("n"), &n), 0);
    assert_int_equal(n, 40 * (NT + 1));
    assert_int_equal(rp_lock_release(rt, a.l), RP_EPERM);
    assert_int_equal(rp_lock_destroy(rt, a.l), 0);
    assert_int_equal(rp_dict_destroy(rt, a.d), 0);
    rp_pool_destroy(p);
}

/* Every worker and rank 0 meet at a barrier, then wait for an event. */
static void test_barrier_and_event(void **state) {
    (void)state;
    rp_pool *p = pool();
    int w = rp_pool_workers(p);
    if (rp_size(rt) == 1) {
        /* One rank: tasks run on the manager thread, one at a time; a
         * barrier across them cannot fill. */
        rp_pool_destroy(p);
        skip();
    }
    bar_arg a;
    assert_int_equal(rp_barrier_open(rt, NULL, 0, w + 1, &a.b), 0);
    assert_int_equal(rp_event_open(rt, NULL, 0, &a.e), 0);
    bar_arg *in = calloc((size_t)w, sizeof *in);
    int32_t(*out)[2] = calloc((size_t)w, sizeof *out);
    for (int i = 0; i < w; i++)
        in[i] = a;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rp_result *res;
    assert_int_equal(
        rp_pool_map_async(p, "t_barrier", in, (size_t)w, sizeof *in, out, sizeof *out, &co, &res),
        0);
    int mine = rp_barrier_wait(rt, a.b, 10.0);
    assert_true(mine >= 0 && mine <= w);
    sleep_ms(50);
    assert_int_equal(rp_event_set(rt, a.e), 0);
    assert_int_equal(rp_result_wait(res, 30.0), 0);
    rp_result_free(res);
    unsigned seen = 1u << mine;
    for (int i = 0; i < w; i++) {
        assert_true(out[i][0] >= 0 && out[i][0] <= w);
        seen |= 1u << out[i][0];
        assert_int_equal(out[i][1], 0);
    }
    assert_int_equal(seen, (1u << (w + 1)) - 1); /* every index once */
    free(in);
    free(out);
    assert_int_equal(rp_barrier_destroy(rt, a.b), 0);
    assert_int_equal(rp_event_destroy(rt, a.e), 0);
    rp_pool_destroy(p);
}

/* Many ranks put and get on one small queue at once: each item exactly once. */
static void test_stress_exactly_once(void **state) {
    (void)state;
    rp_pool *p = pool();
    if (rp_size(rt) == 1) {
        rp_pool_destroy(p);
        skip(); /* tasks would block the only thread that serves them */
    }
    enum { NT = 8, PER = 150 };
    rp_queue q;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 2, &q), 0);
    stress_arg in[NT];
    for (int i = 0; i < NT; i++)
        in[i] = (stress_arg){q, i + 1, PER};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rp_result *res;
    assert_int_equal(rp_pool_map_async(p, "t_put_get", in, NT, sizeof in[0], NULL, 0, &co, &res),
                     0);
    /* Rank 0 takes part too: its waits are local, the workers' remote. */
    int64_t mine[PER];
    for (int k = 0; k < PER; k++) {
        assert_int_equal(rp_queue_put(rt, q, rp_int(k), 10.0), 0);
        rp_value v;
        assert_int_equal(rp_queue_get(rt, q, 10.0, &v, NULL), 0);
        mine[k] = v.i;
    }
    assert_int_equal(rp_result_wait(res, 60.0), 0);
    if (!rp_result_successful(res)) {
        rp_task_error e;
        rp_result_error(res, &e);
        fail_msg("item %zu: %s", e.index, e.message);
    }
    static unsigned char seen[NT + 1][PER];
    memset(seen, 0, sizeof seen);
    for (int k = 0; k < PER; k++)
        seen[mine[k] / 1000000][mine[k] % 1000000]++;
    for (size_t i = 0; i < NT; i++) {
        const void *data;
        size_t len;
        assert_int_equal(rp_result_item(res, i, &data, &len), 0);
        assert_int_equal(len, PER * sizeof(int64_t));
        const int64_t *got = data;
        for (int k = 0; k < PER; k++) {
            assert_true(got[k] >= 0 && got[k] / 1000000 <= NT && got[k] % 1000000 < PER);
            seen[got[k] / 1000000][got[k] % 1000000]++;
        }
    }
    rp_result_free(res);
    for (int w = 0; w <= NT; w++)
        for (int k = 0; k < PER; k++)
            assert_int_equal(seen[w][k], 1);
    assert_int_equal(rp_queue_empty(rt, q), 1);
    assert_int_equal(rp_queue_destroy(rt, q), 0);
    rp_pool_destroy(p);
}

/* A task writes into a pipe and closes it; rank 0 reads to the end. */
static void test_pipe_across_ranks(void **state) {
    (void)state;
    rp_pool *p = pool();
    rp_conn a, b;
    assert_int_equal(rp_pipe_open(rt, NULL, 0, 0, &a, &b), 0); /* a receives, b sends */
    pipe_arg in = {b, 5};
    rp_result *res;
    assert_int_equal(rp_pool_apply_async(p, "t_pipe_send", &in, sizeof in, NULL, &res), 0);
    for (int i = 0; i < 5; i++) {
        rp_value v;
        assert_int_equal(rp_conn_recv(rt, a, 10.0, &v), 0);
        assert_int_equal(v.i, i);
    }
    rp_value v;
    assert_int_equal(rp_conn_recv(rt, a, 10.0, &v), RP_EEOF);
    const void *data;
    size_t len;
    assert_int_equal(rp_result_get(res, 10.0, &data, &len), 0);
    assert_int_equal(*(const int32_t *)data, 0);
    rp_result_free(res);
    assert_int_equal(rp_pipe_destroy(rt, a), 0);
    rp_pool_destroy(p);
}

/* A callback runs on the manager thread, where nothing waits, in every
 * layout: each call that would wait is RP_EDEADLK at once (not after its
 * 1 s timeout); one with timeout 0 answers as anywhere. */
typedef struct cb_state {
    rp_queue q, j;
    rp_sem s;
    rp_event e;
    rp_lock l;
    rp_cond c;
    rp_barrier b;
    rp_conn a, z;
    rp_pool *p, *q2;
    rp_result *other;
    int rc[12];
    int nowait_rc;
    double took;
} cb_state;

static void blocking_cb(rp_result *res, void *user) {
    (void)res;
    cb_state *s = user;
    rp_value v;
    double t0 = now();
    int k = 0;
    s->rc[k++] = rp_queue_get(rt, s->q, 1.0, &v, NULL);
    s->rc[k++] = rp_sem_acquire(rt, s->s, 1.0);
    s->rc[k++] = rp_event_wait(rt, s->e, 1.0);
    s->rc[k++] = rp_lock_acquire(rt, s->l, 1.0); /* main holds it */
    s->rc[k++] = rp_conn_recv(rt, s->a, 1.0, &v);
    s->rc[k++] = rp_conn_poll(rt, s->a, 1.0);
    s->rc[k++] = rp_barrier_wait(rt, s->b, 1.0);
    s->rc[k++] = rp_queue_join(rt, s->j, 1.0);
    if (rp_cond_acquire(rt, s->c, 0) == 0) {
        s->rc[k++] = rp_cond_wait(rt, s->c, 1.0);
        rp_cond_release(rt, s->c);
    }
    /* A call submitted here cannot have run yet: this thread dispatches it. */
    rp_result *other = NULL;
    s->rc[k++] = rp_pool_apply_async(s->q2, "t_rank", NULL, 0, NULL, &other) == 0
                     ? rp_result_wait(other, 1.0)
                     : 99;
    s->other = other;
    s->rc[k++] = rp_pool_apply(s->p, "t_rank", NULL, 0, NULL, 0, NULL, NULL);
    s->took = now() - t0;
    s->nowait_rc = rp_queue_get(rt, s->q, 0, &v, NULL);
}

static void test_callback_may_not_wait(void **state) {
    (void)state;
    rp_pool *p = pool();
    cb_state s = {.nowait_rc = 99, .p = p};
    for (int k = 0; k < 12; k++)
        s.rc[k] = 99;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &s.q), 0);
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_JOINABLE, 0, &s.j), 0);
    assert_int_equal(rp_queue_put(rt, s.j, rp_int(1), 0), 0); /* one unfinished */
    assert_int_equal(rp_sem_open(rt, NULL, 0, 0, 0, &s.s), 0);
    assert_int_equal(rp_event_open(rt, NULL, 0, &s.e), 0);
    assert_int_equal(rp_lock_open(rt, NULL, 0, 0, &s.l), 0);
    assert_int_equal(rp_lock_acquire(rt, s.l, 0), 0);
    assert_int_equal(rp_cond_open(rt, NULL, 0, &s.c), 0);
    assert_int_equal(rp_barrier_open(rt, NULL, 0, 2, &s.b), 0);
    assert_int_equal(rp_pipe_open(rt, NULL, 0, 1, &s.a, &s.z), 0);
    s.q2 = pool(); /* where the callback submits the call it then waits for */
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = blocking_cb;
    co.user = &s;
    get_arg a = {s.q, 0};
    assert_int_equal(rp_pool_apply_async(p, "t_get", &a, sizeof a, &co, NULL), 0);
    assert_int_equal(rp_pool_close(p), 0);
    assert_int_equal(rp_pool_join(p, 30.0), 0);
    for (int k = 0; k < 11; k++)
        assert_int_equal(s.rc[k], RP_EDEADLK);
    assert_true(s.took < 5.0); /* 11 waits of 1 s, none waited */
    assert_int_equal(s.nowait_rc, RP_EEMPTY);
    /* Nothing was changed by the refused calls. */
    int parties = 0, waiting = -1, broken = -1;
    assert_int_equal(rp_barrier_state(rt, s.b, &parties, &waiting, &broken), 0);
    assert_true(waiting == 0 && broken == 0);
    assert_int_equal(rp_lock_release(rt, s.l), 0);
    assert_int_equal(rp_result_wait(s.other, 30.0), 0); /* it runs afterwards */
    rp_result_free(s.other);
    rp_pool_destroy(s.q2);
    assert_int_equal(rp_queue_destroy(rt, s.q), 0);
    assert_int_equal(rp_queue_destroy(rt, s.j), 0);
    assert_int_equal(rp_sem_destroy(rt, s.s), 0);
    assert_int_equal(rp_event_destroy(rt, s.e), 0);
    assert_int_equal(rp_lock_destroy(rt, s.l), 0);
    assert_int_equal(rp_cond_destroy(rt, s.c), 0);
    assert_int_equal(rp_barrier_destroy(rt, s.b), 0);
    assert_int_equal(rp_pipe_destroy(rt, s.a), 0);
    rp_pool_destroy(p);
}

/* A worker whose task waits on an object gets no new work meanwhile. */
static void test_waiting_worker_gets_no_work(void **state) {
    (void)state;
    rp_pool *p = pool();
    if (rp_pool_workers(p) < 2) {
        rp_pool_destroy(p);
        skip(); /* the quick tasks need a worker that is not waiting */
    }
    rp_event e;
    assert_int_equal(rp_event_open(rt, NULL, 0, &e), 0);
    rp_result *blocked, *quick[6];
    assert_int_equal(rp_pool_apply_async(p, "t_wait_event", &e, sizeof e, NULL, &blocked), 0);
    sleep_ms(300); /* it is parked on the manager by now */
    for (int i = 0; i < 6; i++)
        assert_int_equal(rp_pool_apply_async(p, "t_rank", NULL, 0, NULL, &quick[i]), 0);
    int32_t ranks[6];
    for (int i = 0; i < 6; i++) {
        const void *d;
        assert_int_equal(rp_result_get(quick[i], 10.0, &d, NULL), 0);
        ranks[i] = *(const int32_t *)d;
        rp_result_free(quick[i]);
    }
    assert_int_equal(rp_result_ready(blocked), 0); /* still waiting */
    assert_int_equal(rp_event_set(rt, e), 0);
    const void *d;
    assert_int_equal(rp_result_get(blocked, 10.0, &d, NULL), 0);
    const int32_t *b = d;
    assert_int_equal(b[1], 0);
    for (int i = 0; i < 6; i++)
        assert_int_not_equal(ranks[i], b[0]);
    rp_result_free(blocked);
    assert_int_equal(rp_event_destroy(rt, e), 0);
    rp_pool_destroy(p);
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_remote_get),
        cmocka_unit_test(test_lock_across_ranks),
        cmocka_unit_test(test_barrier_and_event),
        cmocka_unit_test(test_stress_exactly_once),
        cmocka_unit_test(test_pipe_across_ranks),
        cmocka_unit_test(test_callback_may_not_wait),
        cmocka_unit_test(test_waiting_worker_gets_no_work),
    };
    int failed = RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases);
    return failed ? 1 : 0;
}
