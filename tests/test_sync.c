/*
 * Unit tests without MPI: queues, locks, semaphores, events, conditions,
 * barriers and pipes on a store-only runtime (rank 0's path), with threads
 * as the callers that wait.  Every operation, every error code, timeouts,
 * and the order waiters are served in.
 */
#include "manager/manager.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static rp_runtime *rt;

static int setup(void **state) {
    (void)state;
    rt = calloc(1, sizeof *rt);
    rp_options o = RP_OPTIONS_INIT;
    o.obj_mem_max = (size_t)1 << 20;
    rt->opt = o;
    rt->store = rp__store_new(&o, 0);
    return rt->store ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    rp__store_free(rt->store);
    free(rt);
    return 0;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Run fn(arg) on a new thread. */
static pthread_t spawn(void *(*fn)(void *), void *arg) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
    return t;
}

static int64_t get_int(rp_queue q, double timeout, int *rc) {
    rp_value v;
    *rc = rp_queue_get(rt, q, timeout, &v, NULL);
    int64_t i = v.type == RP_T_INT ? v.i : -1;
    rp_value_free(&v);
    return i;
}

/* ---- queues ---------------------------------------------------------------------- */

static void test_queue_orders(void **state) {
    (void)state;
    rp_queue fifo, lifo, prio;
    int rc;
    assert_int_equal(rp_queue_open(rt, "fifo", RP_CREATE, RP_QUEUE_FIFO, 3, &fifo), 0);
    assert_int_equal(rp_queue_open(rt, "lifo", RP_CREATE, RP_QUEUE_LIFO, 0, &lifo), 0);
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_PRIORITY, 0, &prio), 0);
    assert_int_equal(rp_queue_open(rt, "fifo", 0, RP_QUEUE_LIFO, 0, &lifo), RP_ETYPE);
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_SIMPLE, 5, &lifo), RP_EINVAL);
    assert_int_equal(rp_queue_open(rt, NULL, 0, (rp_queue_type)9, 0, &lifo), RP_EINVAL);
    assert_int_equal(rp_queue_open(rt, "lifo", 0, RP_QUEUE_LIFO, 0, &lifo), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rp_queue_put(rt, fifo, rp_int(i), RP_FOREVER), 0);
        assert_int_equal(rp_queue_put(rt, lifo, rp_int(i), 0), 0);
    }
    assert_int_equal(rp_queue_full(rt, fifo), 1);
    assert_int_equal(rp_queue_full(rt, lifo), 0); /* unbounded */
    assert_int_equal(rp_queue_put(rt, fifo, rp_int(9), 0), RP_EFULL);
    assert_non_null(strstr(rp_last_error(), "full"));
    size_t n;
    assert_int_equal(rp_queue_size(rt, fifo, &n), 0);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(get_int(fifo, 0, &rc), i);
        assert_int_equal(rc, 0);
        assert_int_equal(get_int(lifo, 0, &rc), 2 - i);
    }
    assert_int_equal(rp_queue_empty(rt, fifo), 1);
    get_int(fifo, 0, &rc);
    assert_int_equal(rc, RP_EEMPTY);
    /* Priorities: lowest first, equal ones in insertion order. */
    int64_t prios[] = {5, 1, 5, 3, 1, 0};
    for (int i = 0; i < 6; i++)
        assert_int_equal(rp_queue_put_priority(rt, prio, prios[i], rp_int(i), 0), 0);
    int64_t want_item[] = {5, 1, 4, 3, 0, 2}, p;
    for (int i = 0; i < 6; i++) {
        rp_value v;
        assert_int_equal(rp_queue_get(rt, prio, 0, &v, &p), 0);
        assert_int_equal(v.i, want_item[i]);
        assert_int_equal(p, prios[want_item[i]]);
    }
    /* Items of any type; bytes come back NUL-terminated. */
    rp_value v;
    assert_int_equal(rp_queue_put(rt, fifo, rp_str("hello"), 0), 0);
    assert_int_equal(rp_queue_get(rt, fifo, 0, &v, NULL), 0);
    assert_string_equal((const char *)v.data, "hello");
    rp_value_free(&v);
    assert_int_equal(rp_queue_put(rt, fifo, rp_none(), 0), RP_EINVAL);
    assert_int_equal(rp_queue_get(rt, fifo, 0, NULL, NULL), RP_EINVAL);
    assert_int_equal(rp_queue_destroy(rt, fifo), 0);
    assert_int_equal(rp_queue_destroy(rt, lifo), 0);
    assert_int_equal(rp_queue_destroy(rt, prio), 0);
    assert_int_equal(rp_queue_put(rt, fifo, rp_int(1), 0), RP_ENOENT);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_queue_timeouts(void **state) {
    (void)state;
    rp_queue q;
    int rc;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 1, &q), 0);
    double t0 = now();
    get_int(q, 0.2, &rc);
    double dt = now() - t0;
    assert_int_equal(rc, RP_EEMPTY);
    assert_true(dt >= 0.19 && dt < 1.0);
    assert_int_equal(rp_queue_put(rt, q, rp_int(1), 0), 0);
    t0 = now();
    assert_int_equal(rp_queue_put(rt, q, rp_int(2), 0.1), RP_EFULL);
    dt = now() - t0;
    assert_true(dt >= 0.09 && dt < 1.0);
    assert_int_equal(rp_queue_destroy(rt, q), 0);
}

typedef struct qarg {
    rp_queue q;
    int n;
    int64_t got[64];
    int rc;
} qarg;

static void *consumer(void *p) {
    qarg *a = p;
    for (int i = 0; i < a->n; i++) {
        a->got[i] = get_int(a->q, 5.0, &a->rc);
        if (a->rc != 0)
            break;
    }
    return NULL;
}

static void *producer(void *p) {
    qarg *a = p;
    for (int i = 0; i < a->n && a->rc == 0; i++)
        a->rc = rp_queue_put(rt, a->q, rp_int(i), 5.0);
    return NULL;
}

/* A bounded queue between two threads: both block in turn, nothing is lost. */
static void test_queue_blocking(void **state) {
    (void)state;
    qarg c = {.n = 50}, p = {.n = 50};
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 2, &c.q), 0);
    p.q = c.q;
    pthread_t tc = spawn(consumer, &c);
    sleep_ms(20); /* the consumer waits on the empty queue first */
    pthread_t tp = spawn(producer, &p);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    assert_int_equal(p.rc, 0);
    assert_int_equal(c.rc, 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(c.got[i], i);
    assert_int_equal(rp_queue_destroy(rt, c.q), 0);
}

static void *get_once(void *p) {
    qarg *a = p;
    a->got[0] = get_int(a->q, RP_FOREVER, &a->rc);
    return NULL;
}

static void test_queue_close_and_destroy(void **state) {
    (void)state;
    qarg a = {.n = 1};
    int rc;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &a.q), 0);
    pthread_t t = spawn(get_once, &a);
    sleep_ms(30);
    assert_int_equal(rp_queue_close(rt, a.q), 0);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, RP_ECLOSED); /* the blocked getter woke */
    assert_int_equal(rp_queue_put(rt, a.q, rp_int(1), 0), RP_ECLOSED);
    assert_int_equal(rp_queue_destroy(rt, a.q), 0);
    /* Items put before close are still got, then ECLOSED. */
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &a.q), 0);
    assert_int_equal(rp_queue_put(rt, a.q, rp_int(7), 0), 0);
    assert_int_equal(rp_queue_close(rt, a.q), 0);
    assert_int_equal(get_int(a.q, RP_FOREVER, &rc), 7);
    get_int(a.q, RP_FOREVER, &rc);
    assert_int_equal(rc, RP_ECLOSED);
    assert_int_equal(rp_queue_destroy(rt, a.q), 0);
    /* Destroyed under a waiter: it gets ENOENT. */
    rp_queue q2;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &q2), 0);
    a.q = q2;
    t = spawn(get_once, &a);
    sleep_ms(30);
    assert_int_equal(rp_queue_destroy(rt, q2), 0);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, RP_ENOENT);
    assert_int_equal(rp_queue_destroy(rt, q2), RP_ENOENT); /* gone already */
}

static void *worker_done(void *p) {
    qarg *a = p;
    int rc;
    for (int i = 0; i < a->n; i++) {
        get_int(a->q, 5.0, &rc);
        sleep_ms(2);
        rp_queue_task_done(rt, a->q);
    }
    return NULL;
}

static void test_joinable(void **state) {
    (void)state;
    qarg a = {.n = 10};
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_JOINABLE, 0, &a.q), 0);
    assert_int_equal(rp_queue_join(rt, a.q, 0), 0); /* nothing put: done */
    assert_int_equal(rp_queue_task_done(rt, a.q), RP_ERELEASE);
    for (int i = 0; i < 10; i++)
        assert_int_equal(rp_queue_put(rt, a.q, rp_int(i), 0), 0);
    assert_int_equal(rp_queue_join(rt, a.q, 0.05), RP_ETIMEDOUT);
    pthread_t t = spawn(worker_done, &a);
    assert_int_equal(rp_queue_join(rt, a.q, 5.0), 0);
    pthread_join(t, NULL);
    assert_int_equal(rp_queue_task_done(rt, a.q), RP_ERELEASE);
    assert_int_equal(rp_queue_destroy(rt, a.q), 0);
    rp_queue s;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_SIMPLE, 0, &s), 0);
    assert_int_equal(rp_queue_task_done(rt, s), RP_ETYPE);
    assert_int_equal(rp_queue_join(rt, s, 0), RP_ETYPE);
    assert_int_equal(rp_queue_destroy(rt, s), 0);
}

/* Getters are served in the order they arrived. */
static void test_queue_fairness(void **state) {
    (void)state;
    enum { N = 6 };
    qarg a[N];
    rp_queue q;
    pthread_t t[N];
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &q), 0);
    for (int i = 0; i < N; i++) {
        a[i] = (qarg){.q = q, .n = 1};
        t[i] = spawn(get_once, &a[i]);
        sleep_ms(15); /* arrive in order */
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(rp_queue_put(rt, q, rp_int(100 + i), 0), 0);
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].rc, 0);
        assert_int_equal(a[i].got[0], 100 + i);
    }
    assert_int_equal(rp_queue_destroy(rt, q), 0);
}

/* ---- locks and semaphores ----------------------------------------------------------- */

typedef struct larg {
    rp_lock l;
    double timeout; /* 0: 5 s */
    int rc;
    int order;
    double waited;
} larg;

static int next_order;
static pthread_mutex_t order_mu = PTHREAD_MUTEX_INITIALIZER;

static void *acquire_release(void *p) {
    larg *a = p;
    double t0 = now();
    a->rc = rp_lock_acquire(rt, a->l, a->timeout > 0 ? a->timeout : 5.0);
    a->waited = now() - t0;
    if (a->rc == 0) {
        pthread_mutex_lock(&order_mu);
        a->order = next_order++;
        pthread_mutex_unlock(&order_mu);
        rp_lock_release(rt, a->l);
    }
    return NULL;
}

static void *release_other(void *p) {
    larg *a = p;
    a->rc = rp_lock_release(rt, a->l);
    return NULL;
}

static void test_lock(void **state) {
    (void)state;
    rp_lock l, r;
    assert_int_equal(rp_lock_open(rt, "L", RP_CREATE, 0, &l), 0);
    assert_int_equal(rp_lock_open(rt, "L", 0, 1, &r), RP_ETYPE);
    assert_int_equal(rp_lock_release(rt, l), RP_EPERM); /* not held */
    assert_int_equal(rp_lock_acquire(rt, l, RP_FOREVER), 0);
    assert_int_equal(rp_lock_acquire(rt, l, 0), RP_ETIMEDOUT);
    assert_int_equal(rp_lock_acquire(rt, l, RP_FOREVER), RP_EDEADLK);
    larg o = {.l = l};
    pthread_t t = spawn(release_other, &o);
    pthread_join(t, NULL);
    assert_int_equal(o.rc, RP_EPERM); /* another thread may not release it */
    /* Waiters are served in arrival order once it is released. */
    enum { N = 5 };
    larg a[N];
    pthread_t ts[N];
    next_order = 0;
    for (int i = 0; i < N; i++) {
        a[i] = (larg){.l = l};
        ts[i] = spawn(acquire_release, &a[i]);
        sleep_ms(15);
    }
    assert_int_equal(rp_lock_release(rt, l), 0);
    for (int i = 0; i < N; i++) {
        pthread_join(ts[i], NULL);
        assert_int_equal(a[i].rc, 0);
        assert_int_equal(a[i].order, i);
    }
    /* While it is held, another thread's timed acquire times out. */
    assert_int_equal(rp_lock_acquire(rt, l, 0), 0);
    larg b = {.l = l, .timeout = 0.05};
    t = spawn(acquire_release, &b);
    pthread_join(t, NULL);
    assert_int_equal(b.rc, RP_ETIMEDOUT);
    assert_true(b.waited >= 0.04);
    assert_int_equal(rp_lock_release(rt, l), 0);
    /* RLock: the owner re-enters; it is free after as many releases. */
    assert_int_equal(rp_lock_open(rt, NULL, 0, 1, &r), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rp_lock_acquire(rt, r, 0), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rp_lock_release(rt, r), 0);
    assert_int_equal(rp_lock_release(rt, r), RP_EPERM);
    assert_int_equal(rp_lock_destroy(rt, l), 0);
    assert_int_equal(rp_lock_destroy(rt, r), 0);
}

static void *hold_lock_a_while(void *p) {
    larg *a = p;
    a->rc = rp_lock_acquire(rt, a->l, 0);
    sleep_ms(300);
    rp_lock_release(rt, a->l);
    return NULL;
}

static void test_lock_timeout(void **state) {
    (void)state;
    larg h;
    assert_int_equal(rp_lock_open(rt, NULL, 0, 0, &h.l), 0);
    pthread_t t = spawn(hold_lock_a_while, &h);
    sleep_ms(50);
    double t0 = now();
    assert_int_equal(rp_lock_acquire(rt, h.l, 0.1), RP_ETIMEDOUT);
    double dt = now() - t0;
    assert_true(dt >= 0.09 && dt < 1.0);
    assert_int_equal(rp_lock_acquire(rt, h.l, 5.0), 0); /* after its release */
    pthread_join(t, NULL);
    assert_int_equal(h.rc, 0);
    assert_int_equal(rp_lock_release(rt, h.l), 0);
    assert_int_equal(rp_lock_destroy(rt, h.l), 0);
}

static void test_semaphore(void **state) {
    (void)state;
    rp_sem s, b;
    int64_t v;
    assert_int_equal(rp_sem_open(rt, NULL, 0, -1, 0, &s), RP_EINVAL);
    assert_int_equal(rp_sem_open(rt, NULL, 0, 2, 0, &s), 0);
    assert_int_equal(rp_sem_acquire(rt, s, 0), 0);
    assert_int_equal(rp_sem_acquire(rt, s, 0), 0);
    assert_int_equal(rp_sem_acquire(rt, s, 0), RP_ETIMEDOUT);
    assert_int_equal(rp_sem_value(rt, s, &v), 0);
    assert_int_equal(v, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rp_sem_release(rt, s), 0); /* unbounded: past the start */
    assert_int_equal(rp_sem_value(rt, s, &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(rp_sem_value(rt, s, NULL), RP_EINVAL);
    assert_int_equal(rp_sem_open(rt, NULL, 0, 1, 1, &b), 0);
    assert_int_equal(rp_sem_release(rt, b), RP_ERELEASE);
    assert_int_equal(rp_sem_acquire(rt, b, 0), 0);
    assert_int_equal(rp_sem_release(rt, b), 0);
    assert_int_equal(rp_sem_destroy(rt, s), 0);
    assert_int_equal(rp_sem_destroy(rt, b), 0);
}

/* ---- events, conditions, barriers ------------------------------------------------------ */

typedef struct warg {
    rp_event e;
    rp_cond c;
    rp_barrier b;
    int rc;
    int *shared;
} warg;

static void *event_waiter(void *p) {
    warg *a = p;
    a->rc = rp_event_wait(rt, a->e, 5.0);
    return NULL;
}

static void test_event(void **state) {
    (void)state;
    warg a[3];
    rp_event e;
    assert_int_equal(rp_event_open(rt, NULL, 0, &e), 0);
    assert_int_equal(rp_event_is_set(rt, e), 0);
    assert_int_equal(rp_event_wait(rt, e, 0.05), RP_ETIMEDOUT);
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        a[i] = (warg){.e = e, .rc = 99};
        t[i] = spawn(event_waiter, &a[i]);
    }
    sleep_ms(30);
    assert_int_equal(rp_event_set(rt, e), 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].rc, 0);
    }
    assert_int_equal(rp_event_is_set(rt, e), 1);
    assert_int_equal(rp_event_wait(rt, e, 0), 0);
    assert_int_equal(rp_event_clear(rt, e), 0);
    assert_int_equal(rp_event_is_set(rt, e), 0);
    assert_int_equal(rp_event_destroy(rt, e), 0);
}

static int shared_ready(void *arg) {
    return *(int *)arg >= 3;
}

static void *cond_consumer(void *p) {
    warg *a = p;
    if ((a->rc = rp_cond_acquire(rt, a->c, 5.0)) != 0)
        return NULL;
    a->rc = rp_cond_wait_for(rt, a->c, shared_ready, a->shared, 5.0);
    if (a->rc == 0)
        (*a->shared)++; /* under the lock */
    rp_cond_release(rt, a->c);
    return NULL;
}

static void test_condition(void **state) {
    (void)state;
    rp_cond c;
    int shared = 0;
    assert_int_equal(rp_cond_open(rt, NULL, 0, &c), 0);
    assert_int_equal(rp_cond_wait(rt, c, 0.1), RP_EPERM);
    assert_int_equal(rp_cond_notify(rt, c, 1), RP_EPERM);
    assert_int_equal(rp_cond_release(rt, c), RP_EPERM);
    /* A wait that times out still has the lock afterwards. */
    assert_int_equal(rp_cond_acquire(rt, c, 0), 0);
    assert_int_equal(rp_cond_acquire(rt, c, 0), 0); /* recursive */
    double t0 = now();
    assert_int_equal(rp_cond_wait(rt, c, 0.1), RP_ETIMEDOUT);
    assert_true(now() - t0 >= 0.09);
    assert_int_equal(rp_cond_release(rt, c), 0);
    assert_int_equal(rp_cond_release(rt, c), 0); /* the count came back: 2 */
    assert_int_equal(rp_cond_release(rt, c), RP_EPERM);
    /* Two consumers wait for shared >= 3; the producer counts up, notifying. */
    warg a[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        a[i] = (warg){.c = c, .shared = &shared, .rc = 99};
        t[i] = spawn(cond_consumer, &a[i]);
    }
    sleep_ms(30);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(rp_cond_acquire(rt, c, 5.0), 0);
        shared++;
        int woken = rp_cond_notify_all(rt, c);
        assert_true(woken >= 0 && woken <= 2);
        assert_int_equal(rp_cond_release(rt, c), 0);
        sleep_ms(10);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].rc, 0);
    }
    assert_int_equal(shared, 5);
    assert_int_equal(rp_cond_acquire(rt, c, 0), 0);
    assert_int_equal(rp_cond_notify(rt, c, 1), 0); /* nobody waits */
    assert_int_equal(rp_cond_notify(rt, c, -1), RP_EINVAL);
    assert_int_equal(rp_cond_wait_for(rt, c, NULL, NULL, 0), RP_EINVAL);
    int never = 0;
    assert_int_equal(rp_cond_wait_for(rt, c, shared_ready, &never, 0.05), RP_ETIMEDOUT);
    assert_int_equal(rp_cond_release(rt, c), 0);
    assert_int_equal(rp_cond_destroy(rt, c), 0);
}

static void *barrier_waiter(void *p) {
    warg *a = p;
    a->rc = rp_barrier_wait(rt, a->b, 5.0);
    return NULL;
}

static void test_barrier(void **state) {
    (void)state;
    rp_barrier b;
    assert_int_equal(rp_barrier_open(rt, NULL, 0, 0, &b), RP_EINVAL);
    assert_int_equal(rp_barrier_open(rt, "bar", RP_CREATE, 3, &b), 0);
    warg a[2];
    pthread_t t[2];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 2; i++) {
            a[i] = (warg){.b = b, .rc = 99};
            t[i] = spawn(barrier_waiter, &a[i]);
        }
        sleep_ms(30);
        int waiting, parties, broken;
        assert_int_equal(rp_barrier_state(rt, b, &parties, &waiting, &broken), 0);
        assert_int_equal(parties, 3);
        assert_int_equal(waiting, 2);
        assert_int_equal(broken, 0);
        int mine = rp_barrier_wait(rt, b, 5.0);
        assert_int_equal(mine, 2); /* the last to arrive */
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        assert_true((a[0].rc == 0 && a[1].rc == 1) || (a[0].rc == 1 && a[1].rc == 0));
    }
    /* A timeout breaks it for everyone. */
    a[0] = (warg){.b = b, .rc = 99};
    t[0] = spawn(barrier_waiter, &a[0]);
    sleep_ms(30);
    assert_int_equal(rp_barrier_wait(rt, b, 0.05), RP_EBROKEN);
    pthread_join(t[0], NULL);
    assert_int_equal(a[0].rc, RP_EBROKEN);
    assert_int_equal(rp_barrier_wait(rt, b, 0), RP_EBROKEN);
    int broken;
    assert_int_equal(rp_barrier_state(rt, b, NULL, NULL, &broken), 0);
    assert_int_equal(broken, 1);
    assert_int_equal(rp_barrier_reset(rt, b), 0);
    assert_int_equal(rp_barrier_state(rt, b, NULL, NULL, &broken), 0);
    assert_int_equal(broken, 0);
    /* abort wakes a waiter. */
    t[0] = spawn(barrier_waiter, &a[0]);
    sleep_ms(30);
    assert_int_equal(rp_barrier_abort(rt, b), 0);
    pthread_join(t[0], NULL);
    assert_int_equal(a[0].rc, RP_EBROKEN);
    assert_int_equal(rp_barrier_destroy(rt, b), 0);
}

/* ---- pipes ---------------------------------------------------------------------------- */

typedef struct parg {
    rp_conn c;
    int rc;
    int64_t got;
} parg;

static void *pipe_reader(void *p) {
    parg *a = p;
    rp_value v;
    a->rc = rp_conn_recv(rt, a->c, 5.0, &v);
    a->got = v.type == RP_T_INT ? v.i : -1;
    rp_value_free(&v);
    return NULL;
}

static void test_pipe(void **state) {
    (void)state;
    rp_conn a, b;
    rp_value v;
    assert_int_equal(rp_pipe_open(rt, NULL, 0, 1, &a, &b), 0);
    assert_int_equal(rp_pipe_open(rt, NULL, 0, 1, &a, NULL), RP_EINVAL);
    assert_true(a.id == b.id && a.end == 0 && b.end == 1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rp_conn_send(rt, a, rp_int(i)), 0);
    assert_int_equal(rp_conn_send(rt, b, rp_str("back")), 0);
    assert_int_equal(rp_conn_poll(rt, b, 0), 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rp_conn_recv(rt, b, 0, &v), 0);
        assert_int_equal(v.i, i); /* in order */
    }
    assert_int_equal(rp_conn_poll(rt, b, 0), 0);
    assert_int_equal(rp_conn_recv(rt, b, 0.05, &v), RP_ETIMEDOUT);
    assert_int_equal(rp_conn_recv(rt, a, 0, &v), 0);
    assert_string_equal((const char *)v.data, "back");
    rp_value_free(&v);
    /* A reader waiting on b wakes with the next message. */
    parg r = {.c = b};
    pthread_t t = spawn(pipe_reader, &r);
    sleep_ms(30);
    assert_int_equal(rp_conn_send(rt, a, rp_int(42)), 0);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.got, 42);
    /* Close a: b drains what is left, then reads end of stream. */
    assert_int_equal(rp_conn_send(rt, a, rp_int(43)), 0);
    assert_int_equal(rp_conn_close(rt, a), 0);
    assert_int_equal(rp_conn_send(rt, a, rp_int(1)), RP_ECLOSED);
    assert_int_equal(rp_conn_send(rt, b, rp_int(1)), RP_EEOF);
    assert_int_equal(rp_conn_poll(rt, b, 0), 1);
    assert_int_equal(rp_conn_recv(rt, b, 0, &v), 0);
    assert_int_equal(v.i, 43);
    assert_int_equal(rp_conn_recv(rt, b, RP_FOREVER, &v), RP_EEOF);
    assert_int_equal(rp_conn_recv(rt, a, 0, &v), RP_ECLOSED);
    assert_int_equal(rp_pipe_destroy(rt, a), 0);
    /* One-way: a only receives, b only sends; a blocked reader gets EOF. */
    assert_int_equal(rp_pipe_open(rt, NULL, 0, 0, &a, &b), 0);
    assert_int_equal(rp_conn_send(rt, a, rp_int(1)), RP_EPERM);
    assert_int_equal(rp_conn_recv(rt, b, 0, &v), RP_EPERM);
    assert_int_equal(rp_conn_send(rt, b, rp_int(5)), 0);
    assert_int_equal(rp_conn_recv(rt, a, 0, &v), 0);
    assert_int_equal(v.i, 5);
    r = (parg){.c = a};
    t = spawn(pipe_reader, &r);
    sleep_ms(30);
    assert_int_equal(rp_conn_close(rt, b), 0);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, RP_EEOF);
    rp_conn bad = a;
    bad.end = 2;
    assert_int_equal(rp_conn_send(rt, bad, rp_int(1)), RP_EINVAL);
    assert_int_equal(rp_pipe_destroy(rt, a), 0);
}

/* Every waiting object gives its memory back; nothing leaks in the store. */
static void test_memory_returns(void **state) {
    (void)state;
    size_t used;
    assert_int_equal(rp_obj_memory(rt, &used, NULL), 0);
    assert_int_equal(used, 0);
    rp_queue q;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &q), 0);
    char big[4096] = {0};
    int rc = 0, n = 0;
    while ((rc = rp_queue_put(rt, q, rp_bytes(big, sizeof big), 0)) == 0)
        n++;
    assert_int_equal(rc, RP_ENOSPC); /* the test's obj_mem_max is 1 MiB */
    assert_true(n > 100 && n < 300);
    assert_int_equal(rp_queue_destroy(rt, q), 0);
    assert_int_equal(rp_obj_memory(rt, &used, NULL), 0);
    assert_int_equal(used, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_orders),   cmocka_unit_test(test_queue_timeouts),
        cmocka_unit_test(test_queue_blocking), cmocka_unit_test(test_queue_close_and_destroy),
        cmocka_unit_test(test_joinable),       cmocka_unit_test(test_queue_fairness),
        cmocka_unit_test(test_lock),           cmocka_unit_test(test_lock_timeout),
        cmocka_unit_test(test_semaphore),      cmocka_unit_test(test_event),
        cmocka_unit_test(test_condition),      cmocka_unit_test(test_barrier),
        cmocka_unit_test(test_pipe),           cmocka_unit_test(test_memory_returns),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
