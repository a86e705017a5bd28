/*
 * Unit tests without MPI of the library's hardening rules, on a store-only
 * runtime (rank 0's path) and with raw requests as another rank's client
 * would send them: the timeout rule, checked where a timeout enters; the
 * handle rule (a handle says its kind and generation, every call checks
 * them, a wrong one leaves the object untouched); the counters the manager
 * keeps stay in range (RP_ERANGE, value unchanged).  Each
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

#define ARENA 65536u
static void *arena;

static int setup(void **state) {
    (void)state;
    alarm(TEST_ALARM);
    rt = calloc(1, sizeof *rt);
    rp_options o = RP_OPTIONS_INIT;
    rt->opt = o;
    rt->store = rp__store_new(&o, 0);
    /* Arrays in memory of the store's own; this runtime maps none, so
     * element calls go through the store, as from another host. */
    arena = calloc(1, ARENA);
    if (rt->store == NULL || arena == NULL || rp__store_set_arena(rt->store, arena, ARENA) != 0)
        return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    rp__store_free(rt->store);
    free(arena);
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
    assert_int_equal(rp_array_open(rt, NULL, 0, RP_ELEM_INT64, 0, 1, &arr), 0);
    assert_int_equal(rp_array_lock(rt, arr, 0), 0); /* held by this thread */
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
    assert_int_equal(rp_array_unlock(rt, arr), 0);
    assert_int_equal(rp_array_destroy(rt, arr), 0);
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

/* ---- the handle rule ------------------------------------------------------------ */

/* One object of every kind, and its handle's id. */
typedef struct objs {
    rp_dict d;
    rp_list l;
    rp_ns n;
    rp_queue q;
    rp_lock k;
    rp_sem s;
    rp_event e;
    rp_cond c;
    rp_barrier b;
    rp_conn p0, p1;
    rp_array a;
} objs;

static void open_all(objs *o) {
    assert_int_equal(rp_dict_open(rt, NULL, 0, &o->d), 0);
    assert_int_equal(rp_list_open(rt, NULL, 0, &o->l), 0);
    assert_int_equal(rp_ns_open(rt, NULL, 0, &o->n), 0);
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &o->q), 0);
    assert_int_equal(rp_lock_open(rt, NULL, 0, 0, &o->k), 0);
    assert_int_equal(rp_sem_open(rt, NULL, 0, 1, 0, &o->s), 0);
    assert_int_equal(rp_event_open(rt, NULL, 0, &o->e), 0);
    assert_int_equal(rp_cond_open(rt, NULL, 0, &o->c), 0);
    assert_int_equal(rp_barrier_open(rt, NULL, 0, 2, &o->b), 0);
    assert_int_equal(rp_pipe_open(rt, NULL, 0, 1, &o->p0, &o->p1), 0);
    assert_int_equal(rp_array_open(rt, NULL, 0, RP_ELEM_INT64, 0, 4, &o->a), 0);
}

/* Every object is there and works. */
static void all_alive(const objs *o) {
    size_t n;
    int64_t v;
    assert_int_equal(rp_dict_len(rt, o->d, &n), 0);
    assert_int_equal(rp_list_len(rt, o->l, &n), 0);
    assert_int_equal(rp_ns_set(rt, o->n, "x", rp_int(1)), 0);
    assert_int_equal(rp_queue_size(rt, o->q, &n), 0);
    assert_int_equal(rp_lock_acquire(rt, o->k, 0), 0);
    assert_int_equal(rp_lock_release(rt, o->k), 0);
    assert_int_equal(rp_sem_value(rt, o->s, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(rp_event_is_set(rt, o->e), 0);
    assert_int_equal(rp_cond_acquire(rt, o->c, 0), 0);
    assert_int_equal(rp_cond_release(rt, o->c), 0);
    assert_int_equal(rp_barrier_state(rt, o->b, NULL, NULL, NULL), 0);
    assert_int_equal(rp_conn_poll(rt, o->p0, 0), 0);
    assert_int_equal(rp_array_get_i64(rt, o->a, 3, &v), 0);
}

/* Each family's destroy given another kind's handle: RP_ETYPE, nothing
 * destroyed (Python would raise TypeError); the cases among them:
 * a queue's destroy on a lock, a dict's on a queue, a list's on a dict. */
static void test_handles_kind(void **state) {
    (void)state;
    objs o;
    open_all(&o);
    assert_int_equal(rp_queue_destroy(rt, (rp_queue){o.k.id}), RP_ETYPE);
    assert_non_null(strstr(rp_last_error(), "lock"));
    assert_int_equal(rp_dict_destroy(rt, (rp_dict){o.q.id}), RP_ETYPE);
    assert_int_equal(rp_list_destroy(rt, (rp_list){o.d.id}), RP_ETYPE);
    assert_int_equal(rp_ns_destroy(rt, (rp_ns){o.d.id}), RP_ETYPE);
    assert_int_equal(rp_lock_destroy(rt, (rp_lock){o.s.id}), RP_ETYPE);
    assert_int_equal(rp_sem_destroy(rt, (rp_sem){o.k.id}), RP_ETYPE);
    assert_int_equal(rp_event_destroy(rt, (rp_event){o.c.id}), RP_ETYPE);
    assert_int_equal(rp_cond_destroy(rt, (rp_cond){o.e.id}), RP_ETYPE);
    assert_int_equal(rp_barrier_destroy(rt, (rp_barrier){o.l.id}), RP_ETYPE);
    assert_int_equal(rp_pipe_destroy(rt, (rp_conn){.id = o.b.id}), RP_ETYPE);
    rp_array fake = o.a;
    fake.id = o.d.id;
    assert_int_equal(rp_array_destroy(rt, fake), RP_ETYPE);
    /* Other calls too, not only destroy; a lock's acquire on a semaphore. */
    assert_int_equal(rp_lock_acquire(rt, (rp_lock){o.s.id}, 0), RP_ETYPE);
    assert_int_equal(rp_sem_release(rt, (rp_sem){o.k.id}), RP_ETYPE);
    assert_int_equal(rp_ns_set(rt, (rp_ns){o.d.id}, "x", rp_int(1)), RP_ETYPE);
    assert_int_equal(rp_queue_put(rt, (rp_queue){o.p0.id}, rp_int(1), 0), RP_ETYPE);
    all_alive(&o);
    /* A namespace is a dict too (rp_ns_dict), as documented. */
    assert_int_equal(rp_dict_set(rt, rp_ns_dict(o.n), rp_key_str("y"), rp_int(2)), 0);
}

/* Handles never issued (zero, forged) are RP_EBADF; a destroyed object's
 * RP_ENOENT; an array's handle that lies about where its array is, RP_EBADF,
 * and the array is untouched (the forged offset). */
static void test_handles_bad(void **state) {
    (void)state;
    objs o;
    open_all(&o);
    size_t n;
    assert_int_equal(rp_dict_len(rt, (rp_dict){0}, &n), RP_EBADF);
    assert_int_equal(rp_lock_destroy(rt, (rp_lock){0}), RP_EBADF);
    assert_int_equal(rp_array_destroy(rt, (rp_array){0}), RP_EBADF);
    /* The generation's top bit: one this store has not reached. */
    uint64_t gen = (uint64_t)1 << 55;
    assert_int_equal(rp_dict_len(rt, (rp_dict){o.d.id ^ gen}, &n), RP_EBADF);
    assert_int_equal(rp_queue_destroy(rt, (rp_queue){o.q.id ^ gen}), RP_EBADF);
    /* A slot never used. */
    assert_int_equal(rp_event_set(rt, (rp_event){o.e.id | 0xfff000}), RP_EBADF);
    /* Kind bits of another kind on an existing generation: forged. */
    uint64_t as_list = (o.d.id & ~((uint64_t)0xff << 56)) | (uint64_t)RP_KIND_LIST << 56;
    assert_int_equal(rp_list_len(rt, (rp_list){as_list}, &n), RP_EBADF);
    rp_array moved = o.a;
    moved.offset += 64;
    assert_int_equal(rp_array_destroy(rt, moved), RP_EBADF);
    moved = o.a;
    moved.length = 1;
    assert_int_equal(rp_array_destroy(rt, moved), RP_EBADF);
    /* A pipe has ends 0 and 1 (16 bits of flags must not wrap 65536 to 0). */
    rp_conn far = o.p0;
    far.end = 65536;
    assert_int_equal(rp_conn_send(rt, far, rp_int(1)), RP_EINVAL);
    assert_int_equal(rp_conn_close(rt, far), RP_EINVAL);
    all_alive(&o);
    /* Destroyed: RP_ENOENT through the same handle. */
    assert_int_equal(rp_lock_destroy(rt, o.k), 0);
    assert_int_equal(rp_lock_acquire(rt, o.k, 0), RP_ENOENT);
    assert_int_equal(rp_lock_destroy(rt, o.k), RP_ENOENT);
    assert_int_equal(rp_array_destroy(rt, o.a), 0);
    assert_int_equal(rp_array_get_i64(rt, o.a, 0, &(int64_t){0}), RP_ENOENT);
    /* A new object in the freed slot does not answer to the old handle. */
    rp_lock k2;
    assert_int_equal(rp_lock_open(rt, NULL, 0, 0, &k2), 0);
    assert_true(k2.id != o.k.id);
    assert_int_equal(rp_lock_acquire(rt, o.k, 0), RP_ENOENT);
    /* A raw request as another rank sends it: the same answers. */
    assert_int_equal(raw(RP__OP_EV_SET, 0, 0, NULL), RP_EBADF);
    assert_int_equal(raw(RP__OP_EV_SET, o.e.id ^ gen, 0, NULL), RP_EBADF);
    assert_int_equal(raw(RP__OP_EV_SET, o.k.id, 0, NULL), RP_ENOENT);
    assert_int_equal(raw(RP__OP_EV_SET, o.q.id, 0, NULL), RP_ETYPE);
    assert_int_equal(raw(RP__OP_DESTROY, o.e.id, 0, &(double){1}), RP_EPROTO); /* a field */
    assert_int_equal(rp_event_is_set(rt, o.e), 0);
}

/* ---- counters --------------------------------------------------------------------- */

/* The store's own record of the object behind @p id (white box: to put a
 * counter where no test could count it up to). */
static obj *inside(uint64_t id) {
    return rt->store->objs[rp__id_slot(id)];
}

/* A semaphore released at INT64_MAX does not wrap (it did, to INT64_MIN):
 * RP_ERANGE, value unchanged; an RLock's recursion and a queue's count of
 * unfinished items have the same check. */
static void test_counters(void **state) {
    (void)state;
    rp_sem s;
    int64_t v = 0;
    assert_int_equal(rp_sem_open(rt, NULL, 0, INT64_MAX - 1, 0, &s), 0);
    assert_int_equal(rp_sem_release(rt, s), 0);
    assert_int_equal(rp_sem_release(rt, s), RP_ERANGE);
    assert_int_equal(rp_sem_value(rt, s, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(rp_sem_acquire(rt, s, 0), 0);
    assert_int_equal(rp_sem_value(rt, s, &v), 0);
    assert_true(v == INT64_MAX - 1);
    /* A bounded one says RP_ERELEASE first, as before. */
    rp_sem bs;
    assert_int_equal(rp_sem_open(rt, NULL, 0, INT64_MAX, 1, &bs), 0);
    assert_int_equal(rp_sem_release(rt, bs), RP_ERELEASE);

    rp_lock r;
    assert_int_equal(rp_lock_open(rt, NULL, 0, 1, &r), 0);
    assert_int_equal(rp_lock_acquire(rt, r, 0), 0);
    inside(r.id)->count = INT64_MAX;
    assert_int_equal(rp_lock_acquire(rt, r, 0), RP_ERANGE);
    assert_true(inside(r.id)->count == INT64_MAX);
    inside(r.id)->count = 1;
    assert_int_equal(rp_lock_release(rt, r), 0);

    rp_queue q;
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_JOINABLE, 0, &q), 0);
    inside(q.id)->unfinished = INT64_MAX;
    assert_int_equal(rp_queue_put(rt, q, rp_int(1), 0), RP_ERANGE);
    size_t n = 1;
    assert_int_equal(rp_queue_size(rt, q, &n), 0);
    assert_int_equal(n, 0);
    assert_true(inside(q.id)->unfinished == INT64_MAX);
    inside(q.id)->unfinished = 0;
    assert_int_equal(rp_queue_put(rt, q, rp_int(1), 0), 0);
    /* The dict's atomic add was already checked: RP_EOVERFLOW, unchanged. */
    rp_dict d;
    int64_t out = 0;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &d), 0);
    assert_int_equal(rp_dict_set(rt, d, rp_key_str("n"), rp_int(INT64_MAX)), 0);
    assert_int_equal(rp_dict_add_int(rt, d, rp_key_str("n"), 1, NULL), RP_EOVERFLOW);
    assert_int_equal(rp_dict_get_int(rt, d, rp_key_str("n"), &out), 0);
    assert_true(out == INT64_MAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timeouts_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles_bad, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
