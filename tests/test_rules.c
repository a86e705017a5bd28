/*
 * Unit tests without MPI of the library's hardening rules, on a store-only
 * runtime (rank 0's path) and with raw requests as another rank's client
 * would send them: the timeout rule, checked where a timeout enters.  Each
 * test runs under an alarm, so that a call that waits where it must not
 * fails the test instead of holding it up.
 */
#include "manager/store.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Seconds any one test may take: generous, a loaded machine included. */
#define TEST_ALARM 60

static rp_runtime *rt;

static int setup(void **state) {
    (void)state;
    alarm(TEST_ALARM);
    rt = calloc(1, sizeof *rt);
    rp_options o = RP_OPTIONS_INIT;
    rt->opt = o;
    rt->store = rp__store_new(&o);
    return rt->store ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    rp__store_free(rt->store);
    free(rt);
    alarm(0);
    return 0;
}

/* A request as a remote caller sends it: op on object @p id with an
 * optional double; returns the answer's code (a remote caller is never
 * waited for here: a parked request returns RP__PARKED). */
static int raw(int op, uint64_t id, int flags, const double *d) {
    rp__fwriter w;
    rp__hdr h = {.kind = RP__MSG_OBJ_REQ,
                 .code = op,
                 .job = id,
                 .flags = (uint16_t)flags,
                 .start = 3,
                 .pool = 1};
    rp__fw_init(&w, &h);
    if (d != NULL)
        rp__fw_double(&w, *d);
    assert_int_equal(rp__fw_finish(&w), 0);
    rp__hdr dh;
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &dh), 0);
    rp__caller remote = {.rank = 1};
    void *rep = NULL;
    size_t len = 0;
    int rc = rp__store_exec(rt->store, &dh, w.buf.p + RP__HDR_SIZE, &remote, &rep, &len);
    rp__buf_free(&w.buf);
    if (rc != 0)
        return rc == RP__PARKED ? 1000 : rc;
    rp__hdr a;
    assert_int_equal(rp__hdr_decode(rep, len, &a), 0);
    free(rep);
    return a.code;
}

/* ---- the timeout rule --------------------------------------------------------- */

static const double bad_timeouts[] = {NAN, -NAN, -2.0, -0.5, -1e300, INFINITY, -INFINITY};
#define NBAD (sizeof bad_timeouts / sizeof *bad_timeouts)

/* Every blocking call of the sync objects refuses a bad timeout at once and
 * leaves its object as it was; RP_FOREVER and 0 keep their meaning. */
static void test_timeouts_client(void **state) {
    (void)state;
    rp_queue q;
    rp_lock l;
    rp_sem s;
    rp_event e;
    rp_cond c;
    rp_barrier b;
    rp_conn a, z;
    rp_array arr = {0};
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_JOINABLE, 1, &q), 0);
    assert_int_equal(rp_queue_put(rt, q, rp_int(1), 0), 0); /* full, one unfinished */
    assert_int_equal(rp_lock_open(rt, NULL, 0, 0, &l), 0);
    assert_int_equal(rp_sem_open(rt, NULL, 0, 0, 0, &s), 0);
    assert_int_equal(rp_event_open(rt, NULL, 0, &e), 0);
    assert_int_equal(rp_cond_open(rt, NULL, 0, &c), 0);
    assert_int_equal(rp_barrier_open(rt, NULL, 0, 2, &b), 0);
    assert_int_equal(rp_pipe_open(rt, NULL, 0, 1, &a, &z), 0);
    assert_int_equal(rp_array_open(rt, NULL, 0, RP_ELEM_INT64, 0, 1, &arr), RP_ESTATE);
    for (size_t k = 0; k < NBAD; k++) {
        double t = bad_timeouts[k];
        rp_value v;
        assert_int_equal(rp_queue_put(rt, q, rp_int(2), t), RP_EINVAL);
        assert_non_null(strstr(rp_last_error(), "RP_FOREVER"));
        assert_int_equal(rp_queue_put_priority(rt, q, 1, rp_int(2), t), RP_EINVAL);
        assert_int_equal(rp_queue_get(rt, q, t, &v, NULL), RP_EINVAL);
        assert_int_equal(rp_queue_join(rt, q, t), RP_EINVAL);
        assert_int_equal(rp_lock_acquire(rt, l, t), RP_EINVAL);
        assert_int_equal(rp_sem_acquire(rt, s, t), RP_EINVAL);
        assert_int_equal(rp_event_wait(rt, e, t), RP_EINVAL);
        assert_int_equal(rp_cond_acquire(rt, c, t), RP_EINVAL);
        assert_int_equal(rp_cond_wait(rt, c, t), RP_EINVAL);
        assert_int_equal(rp_barrier_wait(rt, b, t), RP_EINVAL);
        assert_int_equal(rp_conn_recv(rt, a, t, &v), RP_EINVAL);
        assert_int_equal(rp_conn_poll(rt, a, t), RP_EINVAL);
        assert_int_equal(rp_array_lock(rt, arr, t), RP_EINVAL);
    }
    /* Nothing changed: the item is still there, nothing is held or broken. */
    size_t n = 0;
    assert_int_equal(rp_queue_size(rt, q, &n), 0);
    assert_int_equal(n, 1);
    int parties = 0, waiting = -1, broken = -1;
    assert_int_equal(rp_barrier_state(rt, b, &parties, &waiting, &broken), 0);
    assert_true(parties == 2 && waiting == 0 && broken == 0);
    assert_int_equal(rp_lock_acquire(rt, l, 0), 0);
    assert_int_equal(rp_lock_release(rt, l), 0);
    /* 0 does not wait; a finite timeout and RP_FOREVER are accepted. */
    assert_int_equal(rp_sem_acquire(rt, s, 0), RP_ETIMEDOUT);
    assert_int_equal(rp_sem_acquire(rt, s, 1e-3), RP_ETIMEDOUT);
    assert_int_equal(rp_event_set(rt, e), 0);
    assert_int_equal(rp_event_wait(rt, e, RP_FOREVER), 0);
    assert_int_equal(rp_event_wait(rt, e, 1e300), 0); /* huge but finite */
    assert_int_equal(rp_queue_destroy(rt, q), 0);
    assert_int_equal(rp_lock_destroy(rt, l), 0);
    assert_int_equal(rp_sem_destroy(rt, s), 0);
    assert_int_equal(rp_event_destroy(rt, e), 0);
    assert_int_equal(rp_cond_destroy(rt, c), 0);
    assert_int_equal(rp_barrier_destroy(rt, b), 0);
    assert_int_equal(rp_pipe_destroy(rt, a), 0);
}

/* A request from another rank with a bad timeout is refused by the manager
 * too (the caller's side refuses it first; the network is checked again):
 * nothing is parked, so nothing waits for ever. */
static void test_timeouts_request(void **state) {
    (void)state;
    rp_event e;
    rp_lock l;
    assert_int_equal(rp_event_open(rt, NULL, 0, &e), 0);
    assert_int_equal(rp_lock_open(rt, NULL, 0, 0, &l), 0);
    assert_int_equal(rp_lock_acquire(rt, l, 0), 0); /* held by this thread */
    for (size_t k = 0; k < NBAD; k++) {
        assert_int_equal(raw(RP__OP_EV_WAIT, e.id, 0, &bad_timeouts[k]), RP_EINVAL);
        assert_int_equal(raw(RP__OP_ACQUIRE, l.id, 0, &bad_timeouts[k]), RP_EINVAL);
    }
    double forever = RP_FOREVER, zero = 0;
    assert_int_equal(raw(RP__OP_EV_WAIT, e.id, 0, &zero), RP_ETIMEDOUT);
    assert_int_equal(raw(RP__OP_EV_WAIT, e.id, 0, &forever), 1000); /* parked */
    assert_int_equal(rp_event_destroy(rt, e), 0);                   /* answers it */
    assert_int_equal(rp_lock_release(rt, l), 0);
    assert_int_equal(rp_lock_destroy(rt, l), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timeouts_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_request, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
