/*
 * MPI tests of the shared objects: every call and error code from rank 0
 * and from tasks on the workers (through the manager), the seed program's
 * counter race done atomically, and a stress test whose outcome is checked
 * against what every task reports it did.  Run under mpiexec -n 1, 2 and 4.
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

#define K(s) rp_key_str(s)
/* Tasks cannot use cmocka's asserts: a check returns its line instead. */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            return __LINE__;                                                                       \
    } while (0)
#define CHECK_RC(call, want) CHECK((call) == (want))

/*
 * Every call once, and each error code, on objects named after @p tag so
 * that several runs can go at once.  Returns 0 or the line that failed.
 */
static int battery(rp_runtime *r, int tag) {
    char name[32], buf[32];
    rp_dict d, d2;
    rp_list l;
    rp_ns ns;
    rp_value v;
    int64_t i;
    double f;
    size_t n;
    rp_items it;

    snprintf(name, sizeof name, "dict-%d", tag);
    CHECK_RC(rp_dict_open(r, name, 0, &d), RP_ENOENT);
    CHECK_RC(rp_dict_open(r, name, RP_CREATE | RP_EXCL, &d), 0);
    CHECK_RC(rp_dict_open(r, name, RP_CREATE | RP_EXCL, &d2), RP_EEXIST);
    CHECK_RC(rp_dict_open(r, name, 0, &d2), 0);
    CHECK(d.id == d2.id);
    CHECK_RC(rp_list_open(r, name, RP_CREATE, &l), RP_ETYPE);

    CHECK_RC(rp_dict_set(r, d, K("i"), rp_int(7)), 0);
    CHECK_RC(rp_dict_set(r, d, K("f"), rp_double(1.5)), 0);
    CHECK_RC(rp_dict_set(r, d, K("s"), rp_str("text")), 0);
    CHECK_RC(rp_dict_get(r, d, K("s"), &v), 0);
    CHECK(v.type == RP_T_BYTES && strcmp(v.data, "text") == 0);
    rp_value_free(&v);
    CHECK_RC(rp_dict_get(r, d, K("nokey"), &v), RP_ENOKEY);
    CHECK(strstr(rp_last_error(), "nokey") != NULL); /* the manager's message arrives */
    CHECK_RC(rp_dict_get_int(r, d, K("i"), &i), 0);
    CHECK(i == 7);
    CHECK_RC(rp_dict_get_int(r, d, K("s"), &i), RP_ETYPE);
    CHECK_RC(rp_dict_get_double(r, d, K("f"), &f), 0);
    CHECK(f == 1.5);
    CHECK_RC(rp_dict_get_str(r, d, K("s"), buf, sizeof buf), 0);
    CHECK(strcmp(buf, "text") == 0);
    CHECK_RC(rp_dict_get_str(r, d, K("s"), buf, 3), RP_ETRUNC);
    CHECK_RC(rp_dict_contains(r, d, K("f")), 1);
    CHECK_RC(rp_dict_contains(r, d, K("g")), 0);
    CHECK_RC(rp_dict_len(r, d, &n), 0);
    CHECK(n == 3);
    CHECK_RC(rp_dict_setdefault(r, d, K("i"), rp_int(0), &v), 0);
    CHECK(v.i == 7);
    CHECK_RC(rp_dict_pop(r, d, K("f"), &v), 0);
    CHECK(v.type == RP_T_DOUBLE && v.d == 1.5);
    CHECK_RC(rp_dict_pop(r, d, K("f"), &v), RP_ENOKEY);
    CHECK_RC(rp_dict_del(r, d, K("s")), 0);
    CHECK_RC(rp_dict_del(r, d, K("s")), RP_ENOKEY);
    rp_key ks[2] = {K("a"), K("b")};
    rp_value vs[2] = {rp_int(1), rp_str("bee")};
    CHECK_RC(rp_dict_update(r, d, ks, vs, 2), 0);
    CHECK_RC(rp_dict_items(r, d, RP_KEYS | RP_VALUES, &it), 0);
    CHECK(it.n == 3 && it.keys[0].len == 1 && memcmp(it.keys[0].data, "i", 1) == 0);
    CHECK(it.values[2].type == RP_T_BYTES && strcmp(it.values[2].data, "bee") == 0);
    rp_items_free(&it);
    rp_key ask[2] = {K("b"), K("zz")};
    CHECK_RC(rp_dict_get_many(r, d, ask, 2, &it), 0);
    CHECK(it.n == 2 && it.values[0].len == 3 && it.values[1].type == RP_T_NONE);
    rp_items_free(&it);
    CHECK_RC(rp_dict_add_int(r, d, K("a"), 41, &i), 0);
    CHECK(i == 42);
    CHECK_RC(rp_dict_add(r, d, K("a"), rp_double(0.5), &v), 0);
    CHECK(v.type == RP_T_DOUBLE && v.d == 42.5);
    CHECK_RC(rp_dict_add_int(r, d, K("b"), 1, NULL), RP_ETYPE);
    CHECK_RC(rp_dict_set(r, d, K("max"), rp_int(INT64_MAX)), 0);
    CHECK_RC(rp_dict_add_int(r, d, K("max"), 1, NULL), RP_EOVERFLOW);
    CHECK_RC(rp_dict_cas(r, d, K("i"), rp_int(7), rp_int(8), &v), 1);
    CHECK_RC(rp_dict_cas(r, d, K("i"), rp_int(7), rp_int(9), &v), 0);
    CHECK(v.i == 8);
    CHECK_RC(rp_dict_swap(r, d, K("i"), rp_int(10), &v), 0);
    CHECK(v.i == 8);
    CHECK_RC(rp_dict_set(r, d, K("bad"), rp_none()), RP_EINVAL);
    CHECK_RC(rp_dict_clear(r, d), 0);
    CHECK_RC(rp_dict_len(r, d, &n), 0);
    CHECK(n == 0);
    /* Over the key limit the test runtime sets (1 KiB). */
    char big[1100];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_RC(rp_dict_set(r, d, K(big), rp_int(1)), RP_ETOOBIG);
    CHECK_RC(rp_dict_destroy(r, d), 0);
    CHECK_RC(rp_dict_get(r, d2, K("i"), &v), RP_ENOENT);

    snprintf(name, sizeof name, "list-%d", tag);
    CHECK_RC(rp_list_open(r, name, RP_CREATE, &l), 0);
    CHECK_RC(rp_list_append(r, l, rp_int(1)), 0);
    rp_value more[3] = {rp_int(2), rp_str("three"), rp_double(4.0)};
    CHECK_RC(rp_list_extend(r, l, more, 3), 0);
    CHECK_RC(rp_list_len(r, l, &n), 0);
    CHECK(n == 4);
    CHECK_RC(rp_list_get(r, l, -2, &v), 0);
    CHECK(v.type == RP_T_BYTES && strcmp(v.data, "three") == 0);
    rp_value_free(&v);
    CHECK_RC(rp_list_get(r, l, 4, &v), RP_ERANGE);
    CHECK_RC(rp_list_set(r, l, 0, rp_int(100)), 0);
    CHECK_RC(rp_list_set(r, l, -5, rp_int(100)), RP_ERANGE);
    CHECK_RC(rp_list_insert(r, l, 1, rp_int(150)), 0);
    CHECK_RC(rp_list_pop(r, l, -1, &v), 0);
    CHECK(v.type == RP_T_DOUBLE && v.d == 4.0);
    CHECK_RC(rp_list_slice(r, l, 0, RP_SLICE_END, &it), 0);
    CHECK(it.n == 4 && it.values[0].i == 100 && it.values[1].i == 150 && it.values[2].i == 2);
    rp_items_free(&it);
    CHECK_RC(rp_list_destroy(r, l), 0);
    CHECK_RC(rp_list_len(r, l, &n), RP_ENOENT);

    snprintf(name, sizeof name, "ns-%d", tag);
    CHECK_RC(rp_ns_open(r, name, RP_CREATE, &ns), 0);
    CHECK_RC(rp_ns_set(r, ns, "x", rp_int(3)), 0);
    CHECK_RC(rp_dict_add_int(r, rp_ns_dict(ns), K("x"), 1, &i), 0);
    CHECK(i == 4);
    CHECK_RC(rp_ns_get(r, ns, "x", &v), 0);
    CHECK(v.i == 4);
    CHECK_RC(rp_ns_del(r, ns, "x"), 0);
    CHECK_RC(rp_ns_get(r, ns, "x", &v), RP_ENOKEY);
    CHECK_RC(rp_ns_destroy(r, ns), 0);

    rp_obj_info *info;
    CHECK_RC(rp_obj_list(r, &info, &n), 0);
    free(info);
    size_t used, limit;
    CHECK_RC(rp_obj_memory(r, &used, &limit), 0);
    CHECK(limit == ((size_t)8 << 20) * (size_t)(rp_server_count(r) + 1)); /* each holder's */
    return 0;
}

/* ---- tasks ---------------------------------------------------------------------- */

/* The battery from a worker; returns the failing line (0: all good). */
static int t_battery(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    int32_t line = battery(rp_task_runtime(ctx), 1000 + (int)rp_task_index(ctx));
    return rp_return(ctx, &line, sizeof line);
}

/* The seed program's task: data["num"] -= 1, atomically.  The handle
 * travels in the argument. */
static int t_decrement(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const rp_dict *d = arg;
    int32_t rc = rp_dict_add_int(rp_task_runtime(ctx), *d, K("num"), -1, NULL);
    return rp_return(ctx, &rc, sizeof rc);
}

/* The same with a read and a compare-and-swap, retried until it lands. */
static int t_decrement_cas(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const rp_dict *d = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    int64_t n;
    int32_t rc;
    do {
        if ((rc = rp_dict_get_int(r, *d, K("num"), &n)) != 0)
            return rp_return(ctx, &rc, sizeof rc);
    } while ((rc = rp_dict_cas(r, *d, K("num"), rp_int(n), rp_int(n - 1), NULL)) == 0);
    rc = rc == 1 ? 0 : rc;
    return rp_return(ctx, &rc, sizeof rc);
}

/* Errors on a worker: memory full (the test runtime allows 8 MiB). */
static int t_fill(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    rp_runtime *r = rp_task_runtime(ctx);
    rp_dict d;
    static char mib[1 << 20];
    int rc = rp_dict_open(r, NULL, 0, &d), last = 0;
    for (int i = 0; rc == 0 && i < 20; i++) {
        char k[16];
        snprintf(k, sizeof k, "%d", i);
        last = rp_dict_set(r, d, K(k), rp_bytes(mib, sizeof mib));
        if (last != 0)
            break;
    }
    int32_t out[2] = {last, 0};
    size_t used;
    out[1] = rp_dict_destroy(r, d) == 0 && rp_obj_memory(r, &used, NULL) == 0 ? (int32_t)used : -1;
    return rp_return(ctx, out, sizeof out);
}

/* Stress: one task's share of mixed operations on the shared dict and list. */
typedef struct stress_arg {
    rp_dict d;
    rp_list l;
    int32_t who;
    int32_t ops;
} stress_arg;

#define NCOUNTERS 8

typedef struct stress_report {
    int64_t added[NCOUNTERS]; /* what this task added to each counter */
    int64_t appended;         /* list elements appended */
    int64_t kept;             /* own keys left in the dict */
    int32_t failed_line;
} stress_report;

static int t_stress(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const stress_arg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    stress_report rep;
    memset(&rep, 0, sizeof rep);
    uint64_t x = 88172645463325252ull ^ (uint64_t)a->who;
    char k[32];
    for (int32_t j = 0; j < a->ops; j++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int c = (int)(x % NCOUNTERS);
        int64_t delta = (int64_t)(x >> 40) % 100 - 50;
        switch (x % 5) {
        case 0:
        case 1:
            snprintf(k, sizeof k, "counter-%d", c);
            if (rp_dict_add_int(r, a->d, K(k), delta, NULL) != 0)
                rep.failed_line = __LINE__;
            else
                rep.added[c] += delta;
            break;
        case 2:
            snprintf(k, sizeof k, "own-%d-%d", a->who, j);
            if (rp_dict_set(r, a->d, K(k), rp_int(j)) != 0)
                rep.failed_line = __LINE__;
            else
                rep.kept++;
            break;
        case 3:
            /* Delete an own key set before, if there was one. */
            if (j > 0) {
                snprintf(k, sizeof k, "own-%d-%d", a->who, j - 1);
                int rc = rp_dict_del(r, a->d, K(k));
                if (rc == 0)
                    rep.kept--;
                else if (rc != RP_ENOKEY)
                    rep.failed_line = __LINE__;
            }
            break;
        default:
            if (rp_list_append(r, a->l, rp_int(a->who)) != 0)
                rep.failed_line = __LINE__;
            else
                rep.appended++;
            break;
        }
    }
    return rp_return(ctx, &rep, sizeof rep);
}

static const rp_task_def tasks[] = {RP_TASK(t_battery), RP_TASK(t_decrement),
                                    RP_TASK(t_decrement_cas), RP_TASK(t_fill), RP_TASK(t_stress)};

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

/* The seed: ten tasks take one from num each, no lock; exactly 0 every time. */
static void test_seed_counter(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, "data", RP_CREATE, &d), 0);
    rp_dict args[10];
    for (int i = 0; i < 10; i++)
        args[i] = d;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    for (int round = 0; round < 60; round++) {
        const char *task = round % 2 ? "t_decrement_cas" : "t_decrement";
        assert_int_equal(rp_dict_set(rt, d, K("num"), rp_int(10)), 0);
        int32_t rcs[10];
        assert_int_equal(rp_pool_map(pool, task, args, 10, sizeof *args, rcs, sizeof *rcs, &co), 0);
        for (int i = 0; i < 10; i++)
            assert_int_equal(rcs[i], 0);
        int64_t num = -1;
        assert_int_equal(rp_dict_get_int(rt, d, K("num"), &num), 0);
        assert_int_equal(num, 0);
    }
    assert_int_equal(rp_dict_destroy(rt, d), 0);
    rp_pool_destroy(pool);
}

static void test_memory_full_on_worker(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    int32_t out[2];
    assert_int_equal(rp_pool_apply(pool, "t_fill", "", 0, out, sizeof out, NULL, NULL), 0);
    assert_int_equal(out[0], RP_ENOSPC);
    assert_int_equal(out[1], 0); /* destroying gave it all back */
    rp_pool_destroy(pool);
}

/* All workers hammer one dict and one list; the contents must be exactly
 * what the reports add up to: nothing lost, nothing doubled. */
static void test_stress(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    enum { NTASKS = 24, OPS = 400 };
    stress_arg args[NTASKS];
    stress_report reps[NTASKS];
    rp_dict d;
    rp_list l;
    assert_int_equal(rp_dict_open(rt, "stress", RP_CREATE | RP_EXCL, &d), 0);
    assert_int_equal(rp_list_open(rt, "stress-list", RP_CREATE | RP_EXCL, &l), 0);
    for (int i = 0; i < NTASKS; i++)
        args[i] = (stress_arg){d, l, i, OPS};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    assert_int_equal(
        rp_pool_map(pool, "t_stress", args, NTASKS, sizeof *args, reps, sizeof *reps, &co), 0);
    int64_t want[NCOUNTERS] = {0}, appended = 0, kept = 0;
    int64_t per_who[NTASKS] = {0};
    for (int i = 0; i < NTASKS; i++) {
        assert_int_equal(reps[i].failed_line, 0);
        for (int c = 0; c < NCOUNTERS; c++)
            want[c] += reps[i].added[c];
        appended += reps[i].appended;
        kept += reps[i].kept;
        per_who[i] = reps[i].appended;
    }
    char k[32];
    size_t ncounters = 0;
    for (int c = 0; c < NCOUNTERS; c++) {
        int64_t got;
        snprintf(k, sizeof k, "counter-%d", c);
        int rc = rp_dict_get_int(rt, d, K(k), &got);
        if (rc == RP_ENOKEY)
            continue; /* never drawn */
        assert_int_equal(rc, 0);
        assert_int_equal(got, want[c]);
        ncounters++;
    }
    size_t n;
    assert_int_equal(rp_dict_len(rt, d, &n), 0);
    assert_int_equal((int64_t)n, kept + (int64_t)ncounters);
    assert_int_equal(rp_list_len(rt, l, &n), 0);
    assert_int_equal((int64_t)n, appended);
    /* Each element says who appended it: the counts per task agree. */
    rp_items it;
    assert_int_equal(rp_list_slice(rt, l, 0, RP_SLICE_END, &it), 0);
    int64_t seen[NTASKS] = {0};
    for (size_t i = 0; i < it.n; i++) {
        assert_true(it.values[i].i >= 0 && it.values[i].i < NTASKS);
        seen[it.values[i].i]++;
    }
    rp_items_free(&it);
    for (int i = 0; i < NTASKS; i++)
        assert_int_equal(seen[i], per_who[i]);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
    assert_int_equal(rp_list_destroy(rt, l), 0);
    rp_pool_destroy(pool);
}

/* Callbacks run on the manager thread: object calls work there too. */
static void count_cb(rp_result *res, void *user) {
    (void)res;
    rp_dict *d = user;
    rp_dict_add_int(rt, *d, K("callbacks"), 1, NULL);
}

static void test_from_callbacks(void **state) {
    (void)state;
    rp_pool *pool;
    assert_int_equal(rp_pool_create(rt, NULL, &pool), 0);
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &d), 0);
    assert_int_equal(rp_dict_set(rt, d, K("num"), rp_int(5)), 0);
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = count_cb;
    co.user = &d;
    for (int i = 0; i < 5; i++)
        assert_int_equal(rp_pool_apply_async(pool, "t_decrement", &d, sizeof d, &co, NULL), 0);
    assert_int_equal(rp_pool_close(pool), 0);
    assert_int_equal(rp_pool_join(pool, RP_FOREVER), 0);
    int64_t v;
    assert_int_equal(rp_dict_get_int(rt, d, K("callbacks"), &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(rp_dict_get_int(rt, d, K("num"), &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
    rp_pool_destroy(pool);
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    opt.obj_key_max = 1024;
    opt.obj_mem_max = (size_t)8 << 20;
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_battery_on_rank0), cmocka_unit_test(test_battery_on_workers),
        cmocka_unit_test(test_seed_counter),     cmocka_unit_test(test_memory_full_on_worker),
        cmocka_unit_test(test_stress),           cmocka_unit_test(test_from_callbacks),
    };
    int failed = RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases);
    return failed ? 1 : 0;
}
