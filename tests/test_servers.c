/*
 * Server ranks (rp_options.servers = 2; docs/scale.md): where objects are
 * placed (a named one on the server its name hashes to, from every rank;
 * anonymous ones in turn; Value and Array on rank 0), that every rank reaches
 * them there, waits that park on a server (a task in a queue get, rank 0
 * too), tasks through the servers (every share of workers busy), a
 * callback's call (it may not wait: RP_EDEADLK at once), the list
 * and memory of all holders, forged handles.  Run at np 1, 3 and 5: 0, 1
 * and 2 servers (a job keeps one worker).
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
#include "wire/wire.h" /* rp__id_home, rp__name_home: where a handle says it lives */

static rp_runtime *rt;

#define NAMES 32

static void name_of(char *b, size_t n, int i) {
    snprintf(b, n, "placed-%d", i);
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- tasks ------------------------------------------------------------------- */

/* Open "placed-<i>" (it exists) and return its id and its "v". */
static int t_open(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    char name[32];
    name_of(name, sizeof name, *(const int *)arg);
    rp_dict d = {0};
    int64_t out[2] = {-1, -1};
    if (rp_dict_open(rp_task_runtime(ctx), name, 0, &d) == 0 &&
        rp_dict_get_int(rp_task_runtime(ctx), d, rp_key_str("v"), &out[1]) == 0)
        out[0] = (int64_t)d.id;
    return rp_return(ctx, out, sizeof out);
}

/* Wait (30 s at most) for an item of queue "pq" and return it. */
static int t_qget(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    rp_runtime *r = rp_task_runtime(ctx);
    rp_queue q;
    rp_value v;
    int64_t got = -1;
    if (rp_queue_open(r, "pq", 0, RP_QUEUE_FIFO, 0, &q) == 0 &&
        rp_queue_get(r, q, 30.0, &v, NULL) == 0)
        got = v.i;
    return rp_return(ctx, &got, sizeof got);
}

/* Under lock "lk", counter "c" of dict "cd" += 1 by a get and a set; and
 * "n" += 1 atomically.  Returns 0 or the failing code. */
static int t_count(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    rp_runtime *r = rp_task_runtime(ctx);
    rp_lock lk;
    rp_dict d;
    int64_t c = 0, n;
    int32_t rc = rp_lock_open(r, "lk", 0, 0, &lk);
    if (rc == 0)
        rc = rp_dict_open(r, "cd", 0, &d);
    if (rc == 0)
        rc = rp_dict_add_int(r, d, rp_key_str("n"), 1, &n);
    if (rc == 0)
        rc = rp_lock_acquire(r, lk, 30.0);
    if (rc == 0) {
        rc = rp_dict_get_int(r, d, rp_key_str("c"), &c);
        if (rc == 0)
            rc = rp_dict_set(r, d, rp_key_str("c"), rp_int(c + 1));
        int urc = rp_lock_release(r, lk);
        if (rc == 0)
            rc = urc;
    }
    return rp_return(ctx, &rc, sizeof rc);
}

/* Sleep the argument's microseconds (an int): uneven work. */
static int t_nap(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int us = *(const int *)arg;
    struct timespec ts = {0, (long)us * 1000L};
    nanosleep(&ts, NULL);
    return rp_return(ctx, &us, sizeof us);
}

static int t_nothing(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    return rp_return(ctx, NULL, 0);
}

/* ---- cases ------------------------------------------------------------------- */

static int servers_expected(void) {
    int k = rp_size(rt) - 2;
    return k < 0 ? 0 : k < 2 ? k : 2;
}

static void test_layout(void **state) {
    (void)state;
    assert_int_equal(rp_server_count(rt), servers_expected());
    assert_int_equal(rp_worker_count(rt),
                     rp_size(rt) > 1 ? rp_size(rt) - 1 - rp_server_count(rt) : 1);
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    assert_int_equal(rp_pool_workers(p), rp_worker_count(rt));
    rp_pool_destroy(p);
    /* A process may not go to a server rank. */
    if (rp_server_count(rt) > 0) {
        rp_process_options o = RP_PROCESS_OPTIONS_INIT;
        o.rank = 1;
        rp_process *pr = NULL;
        assert_int_equal(rp_process_create(rt, "t_nothing", NULL, 0, &o, &pr), RP_EINVAL);
        assert_null(pr);
    }
}

static void test_placement_by_hash(void **state) {
    (void)state;
    int k = rp_server_count(rt), used[3] = {0};
    rp_dict d[NAMES];
    for (int i = 0; i < NAMES; i++) {
        char name[32];
        name_of(name, sizeof name, i);
        assert_int_equal(rp_dict_open(rt, name, RP_CREATE | RP_EXCL, &d[i]), 0);
        int home = rp__id_home(d[i].id);
        assert_int_equal(home, rp__name_home(name, strlen(name), k));
        used[home]++;
        assert_int_equal(rp_dict_set(rt, d[i], rp_key_str("v"), rp_int(100 + i)), 0);
    }
    /* 32 names spread over every server (none on rank 0 when there are some). */
    assert_int_equal(used[0], k == 0 ? NAMES : 0);
    for (int h = 1; h <= k; h++)
        assert_true(used[h] > 0);
    /* Every worker opens each by name and finds the same object. */
    int idx[NAMES];
    int64_t out[NAMES][2];
    for (int i = 0; i < NAMES; i++)
        idx[i] = i;
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    assert_int_equal(rp_pool_map(p, "t_open", idx, NAMES, sizeof *idx, out, sizeof out[0], &co), 0);
    for (int i = 0; i < NAMES; i++) {
        assert_int_equal(out[i][0], (int64_t)d[i].id);
        assert_int_equal(out[i][1], 100 + i);
    }
    rp_pool_destroy(p);
    /* The list covers every holder; destroying empties it. */
    rp_obj_info *info;
    size_t n, used_mem, limit;
    assert_int_equal(rp_obj_list(rt, &info, &n), 0);
    assert_int_equal(n, NAMES);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(strncmp(info[i].name, "placed-", 7), 0);
    free(info);
    assert_int_equal(rp_obj_memory(rt, &used_mem, &limit), 0);
    assert_true(used_mem > 0);
    for (int i = 0; i < NAMES; i++)
        assert_int_equal(rp_dict_destroy(rt, d[i]), 0);
    assert_int_equal(rp_obj_list(rt, &info, &n), 0);
    assert_int_equal(n, 0);
    free(info);
    assert_int_equal(rp_obj_memory(rt, &used_mem, NULL), 0);
    assert_int_equal(used_mem, 0);
}

static void test_anonymous_and_arrays(void **state) {
    (void)state;
    int k = rp_server_count(rt), used[3] = {0};
    rp_queue q[6];
    for (int i = 0; i < 6; i++) {
        assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &q[i]), 0);
        used[rp__id_home(q[i].id)]++;
    }
    /* In turn over the servers. */
    for (int h = 0; h <= k; h++)
        assert_int_equal(used[h], k == 0 ? (h == 0 ? 6 : 0) : (h == 0 ? 0 : 6 / k));
    for (int i = 0; i < 6; i++)
        assert_int_equal(rp_queue_destroy(rt, q[i]), 0);
    /* Value and Array stay with their memory on rank 0. */
    rp_array a;
    assert_int_equal(rp_array_open(rt, "arr", RP_CREATE, RP_ELEM_INT64, 0, 4, &a), 0);
    assert_int_equal(rp__id_home(a.id), 0);
    assert_int_equal(rp_array_destroy(rt, a), 0);
}

static void test_waits_park_on_servers(void **state) {
    (void)state;
    rp_queue q;
    assert_int_equal(rp_queue_open(rt, "pq", RP_CREATE, RP_QUEUE_FIFO, 0, &q), 0);
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    /* (A one-rank job's tasks run on the manager thread, which may not wait.) */
    int n = rp_size(rt) > 1 ? rp_pool_workers(p) : 0;
    rp_result *res[8];
    assert_true(n <= 8);
    for (int i = 0; i < n; i++)
        assert_int_equal(rp_pool_apply_async(p, "t_qget", NULL, 0, NULL, &res[i]), 0);
    sleep_ms(200); /* each task waits in the queue now */
    for (int i = 0; i < n; i++)
        assert_int_equal(rp_queue_put(rt, q, rp_int(1000 + i), RP_FOREVER), 0);
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        const void *data;
        size_t len;
        assert_int_equal(rp_result_get(res[i], 30.0, &data, &len), 0);
        assert_int_equal(len, sizeof(int64_t));
        sum += *(const int64_t *)data;
        rp_result_free(res[i]);
    }
    assert_int_equal(sum, 1000L * n + (int64_t)n * (n - 1) / 2);
    /* Rank 0 waits there too, until its timeout: RP_EEMPTY, as queue.Empty;
     * the queue is still usable. */
    rp_value v;
    assert_int_equal(rp_queue_get(rt, q, 0.05, &v, NULL), RP_EEMPTY);
    assert_int_equal(rp_queue_put(rt, q, rp_int(5), RP_FOREVER), 0);
    assert_int_equal(rp_queue_get(rt, q, 1.0, &v, NULL), 0);
    assert_int_equal(v.i, 5);
    rp_pool_destroy(p);
    assert_int_equal(rp_queue_destroy(rt, q), 0);
}

static void test_lock_and_counters(void **state) {
    (void)state;
    rp_lock lk;
    rp_dict d;
    assert_int_equal(rp_lock_open(rt, "lk", RP_CREATE, 0, &lk), 0);
    assert_int_equal(rp_dict_open(rt, "cd", RP_CREATE, &d), 0);
    assert_int_equal(rp_dict_set(rt, d, rp_key_str("c"), rp_int(0)), 0);
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    enum { N = 300 };
    static int32_t out[N];
    static char in[N];
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 3;
    assert_int_equal(rp_pool_map(p, "t_count", in, N, 1, out, sizeof *out, &co), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(out[i], 0);
    int64_t c = 0, n = 0;
    assert_int_equal(rp_dict_get_int(rt, d, rp_key_str("c"), &c), 0);
    assert_int_equal(rp_dict_get_int(rt, d, rp_key_str("n"), &n), 0);
    assert_int_equal(c, N); /* the lock kept the get and the set together */
    assert_int_equal(n, N);
    rp_pool_destroy(p);
    assert_int_equal(rp_lock_destroy(rt, lk), 0);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

/* What the callback saw, on the manager thread. */
static int cb_set, cb_get, cb_ran;
static rp_dict cb_dict;
static rp_queue cb_queue;

static void callback(rp_result *r, void *user) {
    (void)r;
    (void)user;
    rp_value v;
    cb_set = rp_dict_set(rt, cb_dict, rp_key_str("from"), rp_str("callback"));
    cb_get = rp_queue_get(rt, cb_queue, 5.0, &v, NULL); /* empty: may not wait */
    __atomic_store_n(&cb_ran, 1, __ATOMIC_RELEASE);
}

static void test_callback_calls(void **state) {
    (void)state;
    assert_int_equal(rp_dict_open(rt, "cb-d", RP_CREATE, &cb_dict), 0);
    assert_int_equal(rp_queue_open(rt, "cb-q", RP_CREATE, RP_QUEUE_FIFO, 0, &cb_queue), 0);
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = callback;
    rp_result *res;
    assert_int_equal(rp_pool_apply_async(p, "t_nothing", NULL, 0, &co, &res), 0);
    assert_int_equal(rp_result_wait(res, 30.0), 0);
    rp_result_free(res);
    for (int i = 0; i < 3000 && !__atomic_load_n(&cb_ran, __ATOMIC_ACQUIRE); i++)
        sleep_ms(1);
    assert_int_equal(cb_set, 0);
    assert_int_equal(cb_get, RP_EDEADLK);
    rp_value v;
    assert_int_equal(rp_dict_get(rt, cb_dict, rp_key_str("from"), &v), 0);
    assert_int_equal(v.len, 8);
    rp_value_free(&v);
    rp_pool_destroy(p);
    assert_int_equal(rp_dict_destroy(rt, cb_dict), 0);
    assert_int_equal(rp_queue_destroy(rt, cb_queue), 0);
}

/* The chunks go through the servers, each feeding its share of the
 * workers; rank 0 keeps the queue, so an uneven map keeps every worker of
 * every share busy until it ends (no server's share idles while another's
 * has work), and the results keep their order. */
static void test_tasks_through_servers(void **state) {
    (void)state;
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, NULL, &p), 0);
    enum { N = 240 };
    int in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = i % 7 == 0 ? 3000 : 100; /* every 7th item is 30 times longer */
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    assert_int_equal(rp_pool_map(p, "t_nap", in, N, sizeof *in, out, sizeof *out, &co), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(out[i], in[i]);
    rp_worker_stats ws[8];
    rp_pool_stats st;
    int nw = rp_pool_workers(p);
    assert_true(nw <= 8);
    assert_int_equal(rp_pool_get_stats(p, &st, ws, 8), 0);
    size_t total = 0;
    for (int k = 0; k < nw; k++) {
        assert_true(ws[k].rank > rp_server_count(rt) || rp_size(rt) == 1);
        assert_true(ws[k].done > 0); /* every share did some */
        total += ws[k].done;
    }
    assert_int_equal(total, N);
    rp_pool_destroy(p);
}

static void test_forged_homes(void **state) {
    (void)state;
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &d), 0);
    int home = rp__id_home(d.id);
    /* A handle that names a rank the job has no server on. */
    rp_dict bad = {rp__id_make(RP_KIND_DICT, 200u << RP__ID_SERIAL_BITS | 1, 0)};
    int64_t x;
    assert_int_equal(rp_dict_get_int(rt, bad, rp_key_str("k"), &x), RP_EBADF);
    assert_non_null(strstr(rp_last_error(), "rank 200"));
    /* The right holder, another slot: the holder says so. */
    rp_dict other = {rp__id_make(RP_KIND_DICT, rp__id_gen(d.id), rp__id_slot(d.id) + 999)};
    assert_int_equal(rp_dict_get_int(rt, other, rp_key_str("k"), &x), RP_EBADF);
    /* Its slot, another holder's mark: not this object. */
    if (rp_server_count(rt) > 0) {
        int elsewhere = home == 0 ? 1 : 0;
        rp_dict moved = {rp__id_make(RP_KIND_DICT,
                                     (uint32_t)elsewhere << RP__ID_SERIAL_BITS |
                                         (rp__id_gen(d.id) & RP__ID_SERIAL_MASK),
                                     rp__id_slot(d.id))};
        assert_int_equal(rp_dict_get_int(rt, moved, rp_key_str("k"), &x), RP_EBADF);
    }
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(t_open), RP_TASK(t_qget), RP_TASK(t_count),
                                        RP_TASK(t_nap), RP_TASK(t_nothing)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    opt.servers = 2;
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_placement_by_hash),
        cmocka_unit_test(test_anonymous_and_arrays),
        cmocka_unit_test(test_waits_park_on_servers),
        cmocka_unit_test(test_lock_and_counters),
        cmocka_unit_test(test_callback_calls),
        cmocka_unit_test(test_tasks_through_servers),
        cmocka_unit_test(test_forged_homes),
    };
    return RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases) ? 1 : 0;
}
