/*
 * MPI tests of Process objects and of pools whose tasks run in forked
 * executors: start, join, is_alive, terminate, kill, exit codes, shared
 * objects used from processes (two processes of one rank are different lock
 * owners), more processes than ranks, daemon rules, current_process; a map
 * with a task that crashes, aborts or runs too long; maxtasksperchild;
 * a Value and an Array written by a process and read by main.  Every test
 * ends with no zombie left among the children of any rank.  Run under
 * mpiexec -n 1, 2 and 4, and once without mpiexec (a plain process).
 */
#include <rankpool.h>

#include <dirent.h>
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

#include "mpi_cases.h"

static rp_runtime *rt;

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Children of this process in state Z (a zombie nobody reaped), from /proc. */
static int zombies(void) {
    DIR *d = opendir("/proc");
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* pid (comm) state ppid: comm may hold spaces, so parse after ')'. */
        char *rp = strrchr(buf, ')');
        char state;
        long ppid;
        if (rp != NULL && sscanf(rp + 1, " %c %ld", &state, &ppid) == 2 && ppid == getpid() &&
            state == 'Z')
            n++;
    }
    closedir(d);
    return n;
}

/* ---- tasks ------------------------------------------------------------------------ */

typedef struct parg {
    rp_dict d;
    rp_lock l;
    rp_queue q;
    int i;
} parg;

/* Exit with code i (the task's return value). */
static int p_exit(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)size;
    const parg *a = arg;
    return a->i;
}

static int not_registered(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)arg;
    (void)size;
    return 0;
}

/* "class Counter(Process)": the object holds its run() and its state. */
typedef struct counter_process {
    rp_task_fn run;
    rp_dict d;
    int add;
} counter_process;

static int counter_run(rp_task_ctx *ctx, const void *arg, size_t size) {
    const counter_process *self = arg;
    if (size != sizeof *self)
        return 2;
    return rp_dict_add_int(rp_task_runtime(ctx), self->d, rp_key_str("n"), self->add, NULL) == 0
               ? 7
               : 3;
}

/* Wait for a queue item forever (a daemon consumer of the seeds). */
static int p_get(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const parg *a = arg;
    rp_value v;
    int rc = rp_queue_get(rp_task_runtime(ctx), a->q, RP_FOREVER, &v, NULL);
    rp_value_free(&v);
    return rc == 0 ? 0 : 2;
}

static int p_sleep(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)size;
    const parg *a = arg;
    sleep_ms(a->i);
    return 0;
}

/* Count itself in the dict, record who it is. */
static int p_count(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const parg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    rp_process_info me;
    if (rp_current_process(r, &me) != 0 || !me.child)
        return 2;
    char key[64];
    snprintf(key, sizeof key, "name%d", a->i);
    if (rp_dict_set(r, a->d, rp_key_str(key), rp_str(me.name)) != 0)
        return 3;
    snprintf(key, sizeof key, "pid%d", a->i);
    if (rp_dict_set(r, a->d, rp_key_str(key), rp_int(me.pid)) != 0)
        return 4;
    snprintf(key, sizeof key, "daemon%d", a->i);
    if (rp_dict_set(r, a->d, rp_key_str(key), rp_int(me.daemon)) != 0)
        return 5;
    return rp_dict_add_int(r, a->d, rp_key_str("count"), 1, NULL) == 0 ? 0 : 6;
}

/* Hold the lock until the queue has an item. */
static int p_hold(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const parg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    if (rp_lock_acquire(r, a->l, 10) != 0)
        return 2;
    rp_dict_set(r, a->d, rp_key_str("held"), rp_int(1));
    rp_value v;
    if (rp_queue_get(r, a->q, 20, &v, NULL) != 0)
        return 3;
    return rp_lock_release(r, a->l) == 0 ? 0 : 4;
}

/* Try the lock another process holds: it must time out, and a release must be refused. */
static int p_try(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const parg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    if (rp_lock_acquire(r, a->l, 0.2) != RP_ETIMEDOUT)
        return 2;
    if (rp_lock_release(r, a->l) != RP_EPERM)
        return 3;
    return rp_queue_put(r, a->q, rp_int(1), RP_FOREVER) == 0 ? 0 : 4;
}

/* Try to start a child: daemons may not, other processes are told to ask main. */
static int p_spawn(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const parg *a = arg;
    rp_process *p;
    int rc = rp_process_create(rp_task_runtime(ctx), "p_exit", a, sizeof *a, NULL, &p);
    rp_dict_set(rp_task_runtime(ctx), a->d, rp_key_str("spawn"), rp_int(rc));
    return 0;
}

/* The NULL dereferences are meant: a sanitizer must let them crash. */
#if defined(__GNUC__)
#define CRASHES __attribute__((no_sanitize("undefined")))
#else
#define CRASHES
#endif

/* A pool task trying to start a process: the code it got. */
static int t_spawn(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    rp_process *p;
    int32_t rc = rp_process_create(rp_task_runtime(ctx), "p_exit", NULL, 0, NULL, &p);
    return rp_return(ctx, &rc, sizeof rc);
}

CRASHES static int p_segv(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)size;
    volatile int *volatile p = (int *)(uintptr_t)((const parg *)arg)->i;
    return *p;
}

/* Pool tasks: square, except -700 dereferences NULL, -500 abort()s, -600 sleeps. */
CRASHES static int t_square_bad(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int32_t x = *(const int32_t *)arg;
    if (x == -700) {
        volatile int *volatile p = NULL;
        return *p;
    }
    if (x == -500)
        abort();
    if (x == -600)
        sleep_ms(10000);
    int32_t y = x * x;
    return rp_return(ctx, &y, sizeof y);
}

static int t_pid(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    int32_t pid = (int32_t)getpid();
    return rp_return(ctx, &pid, sizeof pid);
}

/* Zombies among this rank's children (pool task: one per worker). */
static int t_zombies(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    sleep_ms(50);
    int32_t z = zombies();
    return rp_return(ctx, &z, sizeof z);
}

typedef struct varg {
    rp_array value; /* a Value('d') */
    rp_array arr;   /* an Array('q', 4) */
} varg;

/* A Process that writes shared memory, as Python's Value + Process example:
 * waits (20 s at most) for main's go (the Value at 1.0), then writes the
 * Value and the Array.  Its exit code says how far it got. */
static int p_value(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const varg *a = arg;
    rp_runtime *r = rp_task_runtime(ctx);
    double v = 0;
    for (int k = 0; k < 20000 && v != 1.0; k++) {
        if (rp_array_get_f64(r, a->value, 0, &v) != 0)
            return 2;
        if (v != 1.0)
            sleep_ms(1);
    }
    if (v != 1.0)
        return 3; /* main's write never reached this process */
    for (size_t i = 0; i < 4; i++)
        if (rp_array_set_i64(r, a->arr, i, (int64_t)(i + 1) * 10) != 0)
            return 4;
    if (rp_array_fetch_add_i64(r, a->arr, 0, 5, NULL) != 0)
        return 5;
    return rp_array_set_f64(r, a->value, 0, 3.14) != 0 ? 6 : 0;
}

static const rp_task_def tasks[] = {
    RP_TASK(p_exit),  RP_TASK(p_sleep),   RP_TASK(p_count),     RP_TASK(p_hold),
    RP_TASK(p_try),   RP_TASK(p_spawn),   RP_TASK(p_segv),      RP_TASK(t_square_bad),
    RP_TASK(t_pid),   RP_TASK(t_zombies), RP_TASK(counter_run), RP_TASK(p_get),
    RP_TASK(t_spawn), RP_TASK(p_value),
};

static rp_pool *isolated(unsigned max, double timeout);

/* No zombie on rank 0 nor on any worker. */
static void assert_no_zombies(void) {
    assert_int_equal(zombies(), 0);
    if (rp_size(rt) == 1)
        return;
    rp_pool *p;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    assert_int_equal(rp_pool_create(rt, &po, &p), 0);
    int n = rp_pool_workers(p) * 4;
    int32_t in[64] = {0}, out[64];
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    assert_int_equal(rp_pool_map(p, "t_zombies", in, (size_t)n, sizeof *in, out, sizeof *out, &co),
                     0);
    for (int i = 0; i < n; i++)
        assert_int_equal(out[i], 0);
    rp_pool_destroy(p);
}

static rp_process *make(const char *task, const parg *a, const rp_process_options *o) {
    rp_process *p = NULL;
    assert_int_equal(rp_process_create(rt, task, a, sizeof *a, o, &p), 0);
    return p;
}

/* ---- processes -------------------------------------------------------------------- */

static void test_start_join_exitcodes(void **state) {
    (void)state;
    rp_process *p[4];
    for (int i = 0; i < 4; i++) {
        parg a = {.i = i * 3};
        p[i] = make("p_exit", &a, NULL);
        assert_int_equal(rp_process_is_alive(p[i]), 0);
        assert_int_equal(rp_process_pid(p[i]), 0);
        int code;
        assert_int_equal(rp_process_exitcode(p[i], &code), RP_ESTATE);
        assert_int_equal(rp_process_join(p[i], 1), RP_ESTATE);
        assert_int_equal(rp_process_start(p[i]), 0);
        assert_true(rp_process_pid(p[i]) > 0);
        assert_true(rp_process_rank(p[i]) >= (rp_size(rt) > 1 ? 1 : 0));
        assert_true(rp_process_host(p[i])[0] != '\0');
        assert_int_equal(rp_process_start(p[i]), RP_ESTATE);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rp_process_join(p[i], 30), 0);
        assert_int_equal(rp_process_is_alive(p[i]), 0);
        int code = -1;
        assert_int_equal(rp_process_exitcode(p[i], &code), 0);
        assert_int_equal(code, i * 3);
        assert_int_equal(rp_process_set_daemon(p[i], 1), RP_ESTATE);
        rp_process_destroy(p[i]);
    }
    assert_no_zombies();
}

/* Value and Array shared with a Process in every layout (one rank: rank 0
 * forks it itself): the process sees main's write made after it started,
 * and main sees the process's writes, as with Python's Value + Process. */
static void test_value_process(void **state) {
    (void)state;
    varg a;
    assert_int_equal(rp_value_open(rt, NULL, 0, RP_ELEM_DOUBLE, &a.value), 0);
    assert_int_equal(rp_array_open(rt, NULL, 0, RP_ELEM_INT64, 0, 4, &a.arr), 0);
    rp_process *p = NULL;
    assert_int_equal(rp_process_create(rt, "p_value", &a, sizeof a, NULL, &p), 0);
    assert_int_equal(rp_process_start(p), 0);
    assert_int_equal(rp_array_set_f64(rt, a.value, 0, 1.0), 0); /* go */
    assert_int_equal(rp_process_join(p, 60), 0);
    int code = -1;
    assert_int_equal(rp_process_exitcode(p, &code), 0);
    assert_int_equal(code, 0);
    double v = 0;
    assert_int_equal(rp_array_get_f64(rt, a.value, 0, &v), 0);
    assert_true(v == 3.14);
    int64_t out[4] = {0};
    assert_int_equal(rp_array_read(rt, a.arr, 0, 4, out), 0);
    assert_true(out[0] == 15 && out[1] == 20 && out[2] == 30 && out[3] == 40);
    rp_process_destroy(p);
    assert_int_equal(rp_array_destroy(rt, a.value), 0);
    assert_int_equal(rp_array_destroy(rt, a.arr), 0);
    assert_no_zombies();
}

static void test_terminate_kill_alive(void **state) {
    (void)state;
    parg a = {.i = 30000};
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    o.name = "sleepy";
    rp_process *t = make("p_sleep", &a, &o), *k = make("p_sleep", &a, NULL);
    assert_string_equal(rp_process_name(t), "sleepy");
    assert_int_equal(rp_process_terminate(t), RP_ESTATE);
    assert_int_equal(rp_process_start(t), 0);
    assert_int_equal(rp_process_start(k), 0);
    assert_int_equal(rp_process_is_alive(t), 1);
    assert_int_equal(rp_process_join(t, 0.2), RP_ETIMEDOUT);
    assert_int_equal(rp_process_terminate(t), 0);
    assert_int_equal(rp_process_kill(k), 0);
    assert_int_equal(rp_process_join(t, 10), 0);
    assert_int_equal(rp_process_join(k, 10), 0);
    int code;
    assert_int_equal(rp_process_exitcode(t, &code), 0);
    assert_int_equal(code, -SIGTERM);
    assert_int_equal(rp_process_exitcode(k, &code), 0);
    assert_int_equal(code, -SIGKILL);
    assert_int_equal(rp_process_terminate(t), 0); /* ended: nothing happens */
    rp_process_destroy(t);
    rp_process_destroy(k);

    parg z = {.i = 0};
    rp_process *c = make("p_segv", &z, NULL);
    assert_int_equal(rp_process_start(c), 0);
    assert_int_equal(rp_process_join(c, 10), 0);
    assert_int_equal(rp_process_exitcode(c, &code), 0);
    assert_int_equal(code, -SIGSEGV);
    rp_process_destroy(c);
    assert_no_zombies();
}

/* 13 processes (more than ranks) all run, with objects, names and pids of their own. */
static void test_many_processes(void **state) {
    (void)state;
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &d), 0);
    rp_process *p[13];
    for (int i = 0; i < 13; i++) {
        parg a = {.d = d, .i = i};
        p[i] = make("p_count", &a, NULL);
        if (i % 2)
            assert_int_equal(rp_process_set_daemon(p[i], 1), 0);
        assert_int_equal(rp_process_start(p[i]), 0);
    }
    for (int i = 0; i < 13; i++) {
        int code = -1;
        assert_int_equal(rp_process_join(p[i], 30), 0);
        assert_int_equal(rp_process_exitcode(p[i], &code), 0);
        assert_int_equal(code, 0);
        char key[32];
        rp_value v;
        snprintf(key, sizeof key, "name%d", i);
        assert_int_equal(rp_dict_get(rt, d, rp_key_str(key), &v), 0);
        assert_string_equal((const char *)v.data, rp_process_name(p[i]));
        rp_value_free(&v);
        int64_t x;
        snprintf(key, sizeof key, "pid%d", i);
        assert_int_equal(rp_dict_get_int(rt, d, rp_key_str(key), &x), 0);
        assert_int_equal(x, rp_process_pid(p[i]));
        snprintf(key, sizeof key, "daemon%d", i);
        assert_int_equal(rp_dict_get_int(rt, d, rp_key_str(key), &x), 0);
        assert_int_equal(x, i % 2);
        assert_int_equal(rp_process_daemon(p[i]), i % 2);
        rp_process_destroy(p[i]);
    }
    int64_t n = 0;
    assert_int_equal(rp_dict_get_int(rt, d, rp_key_str("count"), &n), 0);
    assert_int_equal(n, 13);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
    rp_process_info me;
    assert_int_equal(rp_current_process(rt, &me), 0);
    assert_string_equal(me.name, "MainProcess");
    assert_int_equal(me.child, 0);
    assert_int_equal(me.pid, getpid());
    assert_no_zombies();
}

/* Two processes on one rank are two lock owners; a parked get is answered. */
static void test_lock_owners(void **state) {
    (void)state;
    parg a = {.i = 0};
    assert_int_equal(rp_dict_open(rt, NULL, 0, &a.d), 0);
    assert_int_equal(rp_lock_open(rt, NULL, 0, 0, &a.l), 0);
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &a.q), 0);
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    o.rank = rp_size(rt) > 1 ? 1 + rp_server_count(rt) : 0; /* the first worker rank */
    rp_process *h = make("p_hold", &a, &o);
    assert_int_equal(rp_process_start(h), 0);
    int64_t held = 0;
    for (int k = 0; k < 500 && held == 0; k++) {
        sleep_ms(10);
        rp_dict_get_int(rt, a.d, rp_key_str("held"), &held);
    }
    assert_int_equal(held, 1);
    rp_process *t = make("p_try", &a, &o);
    assert_int_equal(rp_process_start(t), 0);
    int code = -1;
    assert_int_equal(rp_process_join(t, 30), 0);
    assert_int_equal(rp_process_exitcode(t, &code), 0);
    assert_int_equal(code, 0);
    assert_int_equal(rp_process_join(h, 30), 0);
    assert_int_equal(rp_process_exitcode(h, &code), 0);
    assert_int_equal(code, 0);
    rp_process_destroy(h);
    rp_process_destroy(t);
    rp_dict_destroy(rt, a.d);
    rp_lock_destroy(rt, a.l);
    rp_queue_destroy(rt, a.q);
    assert_no_zombies();
}

static void test_daemon_children(void **state) {
    (void)state;
    parg a = {.i = 0};
    assert_int_equal(rp_dict_open(rt, NULL, 0, &a.d), 0);
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    for (int daemon = 0; daemon < 2; daemon++) {
        o.daemon = daemon;
        rp_process *p = make("p_spawn", &a, &o);
        assert_int_equal(rp_process_start(p), 0);
        assert_int_equal(rp_process_join(p, 30), 0);
        int64_t rc = 0;
        assert_int_equal(rp_dict_get_int(rt, a.d, rp_key_str("spawn"), &rc), 0);
        assert_int_equal(rc, daemon ? RP_ESTATE : RP_ENOTMANAGER);
        rp_process_destroy(p);
    }
    rp_dict_destroy(rt, a.d);
    if (rp_size(rt) > 1) {
        /* A task on a worker may not; nor one in an executor (daemonic). */
        for (int iso = 0; iso < 2; iso++) {
            rp_pool_options po = RP_POOL_OPTIONS_INIT;
            po.isolate = iso;
            rp_pool *pool;
            assert_int_equal(rp_pool_create(rt, &po, &pool), 0);
            int32_t in = 0, out = 0;
            assert_int_equal(
                rp_pool_map(pool, "t_spawn", &in, 1, sizeof in, &out, sizeof out, NULL), 0);
            assert_int_equal(out, iso ? RP_ESTATE : RP_ENOTMANAGER);
            rp_pool_destroy(pool);
        }
    }
    rp_process *p;
    assert_int_equal(rp_process_create(rt, "nope", NULL, 0, NULL, &p), RP_ENOTASK);
    assert_int_equal(rp_process_create_fn(rt, not_registered, NULL, 0, NULL, &p), RP_ENOTASK);
    assert_int_equal(rp_process_create_fn(rt, NULL, NULL, 0, NULL, &p), RP_EINVAL);
    o.rank = rp_size(rt);
    assert_int_equal(rp_process_create(rt, "p_exit", &a, sizeof a, &o, &p), RP_EINVAL);
    assert_int_equal(rp_process_create(NULL, "p_exit", NULL, 0, NULL, &p), RP_EINVAL);
    rp_process_destroy(NULL);
    assert_no_zombies();
}

/* The "subclass with run()" style: the run function travels by its task index. */
static void test_run_method(void **state) {
    (void)state;
    counter_process obj = {.run = counter_run, .add = 5};
    assert_int_equal(rp_dict_open(rt, NULL, 0, &obj.d), 0);
    rp_process *p[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rp_process_create_fn(rt, obj.run, &obj, sizeof obj, NULL, &p[i]), 0);
        assert_int_equal(rp_process_start(p[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        int code = 0;
        assert_int_equal(rp_process_join(p[i], 30), 0);
        assert_int_equal(rp_process_exitcode(p[i], &code), 0);
        assert_int_equal(code, 7);
        rp_process_destroy(p[i]);
    }
    int64_t n = 0;
    assert_int_equal(rp_dict_get_int(rt, obj.d, rp_key_str("n"), &n), 0);
    assert_int_equal(n, 15);
    rp_dict_destroy(rt, obj.d);
    assert_no_zombies();
}

/* A process killed while it waits for an item takes none afterwards; nor
 * does a pool task killed by its timeout. */
static void test_killed_waiter_takes_nothing(void **state) {
    (void)state;
    parg a = {.i = 0};
    assert_int_equal(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &a.q), 0);
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    o.daemon = 1;
    rp_process *p = make("p_get", &a, &o);
    assert_int_equal(rp_process_start(p), 0);
    sleep_ms(300); /* parked by now */
    assert_int_equal(rp_process_terminate(p), 0);
    assert_int_equal(rp_process_join(p, 10), 0);
    int code = 0;
    assert_int_equal(rp_process_exitcode(p, &code), 0);
    assert_int_equal(code, -SIGTERM);
    rp_process_destroy(p);
    sleep_ms(100);
    rp_value v;
    assert_int_equal(rp_queue_put(rt, a.q, rp_int(42), 1), 0);
    assert_int_equal(rp_queue_get(rt, a.q, 2, &v, NULL), 0);
    assert_int_equal(v.i, 42);
    if (rp_size(rt) > 1) {
        rp_pool *pool = isolated(0, 0.3);
        rp_result *r;
        assert_int_equal(rp_pool_apply_async(pool, "p_get", &a, sizeof a, NULL, &r), 0);
        assert_int_equal(rp_result_wait(r, 10), 0);
        assert_int_equal(rp_result_item(r, 0, NULL, NULL), RP_ETIMEDOUT);
        rp_result_free(r);
        sleep_ms(100);
        assert_int_equal(rp_queue_put(rt, a.q, rp_int(43), 1), 0);
        assert_int_equal(rp_queue_get(rt, a.q, 2, &v, NULL), 0);
        assert_int_equal(v.i, 43);
        rp_pool_destroy(pool);
    }
    rp_queue_destroy(rt, a.q);
    assert_no_zombies();
}

/* A handle freed while its process runs: the process goes on, finalize joins it. */
static void test_destroy_running(void **state) {
    (void)state;
    parg a = {.i = 300};
    rp_process *p = make("p_sleep", &a, NULL);
    assert_int_equal(rp_process_start(p), 0);
    rp_process_destroy(p);
}

/* ---- isolated pools --------------------------------------------------------------- */

static rp_pool *isolated(unsigned max, double timeout) {
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.isolate = 1;
    po.maxtasksperchild = max;
    po.task_timeout = timeout;
    rp_pool *p;
    assert_int_equal(rp_pool_create(rt, &po, &p), 0);
    return p;
}

static void map_with_one_bad(int32_t bad, int want_code, const char *want_msg, double timeout) {
    if (rp_size(rt) == 1)
        skip(); /* a one-rank job runs tasks in rank 0 itself */
    rp_pool *p = isolated(0, timeout);
    enum { N = 1000 };
    static int32_t in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = i == 500 ? bad : i;
    rp_result *r;
    assert_int_equal(
        rp_pool_map_async(p, "t_square_bad", in, N, sizeof *in, out, sizeof *out, NULL, &r), 0);
    assert_int_equal(rp_result_wait(r, 60), 0);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        const void *d;
        int rc = rp_result_item(r, (size_t)i, &d, NULL);
        if (i == 500) {
            assert_int_equal(rc, want_code);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(out[i], i * i);
            ok++;
        }
    }
    assert_int_equal(ok, N - 1);
    rp_task_error e;
    assert_int_equal(rp_result_error(r, &e), 0);
    assert_int_equal(e.index, 500);
    assert_int_equal(e.code, want_code);
    assert_non_null(strstr(e.message, want_msg));
    rp_result_free(r);
    /* The pool carries on. */
    for (int i = 0; i < N; i++)
        in[i] = i;
    assert_int_equal(rp_pool_map(p, "t_square_bad", in, N, sizeof *in, out, sizeof *out, NULL), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(out[i], i * i);
    rp_pool_destroy(p);
    assert_no_zombies();
}

static void test_isolated_segv(void **state) {
    (void)state;
    map_with_one_bad(-700, RP_ECRASH, "killed by signal 11 (SIGSEGV)", 0);
}

static void test_isolated_abort(void **state) {
    (void)state;
    map_with_one_bad(-500, RP_ECRASH, "(SIGABRT)", 0);
}

static void test_isolated_timeout(void **state) {
    (void)state;
    map_with_one_bad(-600, RP_ETIMEDOUT, "timed out", 0.5);
}

/* maxtasksperchild: an executor runs at most that many tasks. */
static void test_maxtasksperchild(void **state) {
    (void)state;
    if (rp_size(rt) == 1)
        skip();
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    rp_pool *p;
    po.maxtasksperchild = 10; /* without isolate: refused */
    assert_int_equal(rp_pool_create(rt, &po, &p), RP_EINVAL);
    po.maxtasksperchild = 0;
    po.task_timeout = 1;
    assert_int_equal(rp_pool_create(rt, &po, &p), RP_EINVAL);
    po.isolate = 1;
    po.task_timeout = -2; /* the timeout rule: RP_FOREVER, 0 or finite > 0 */
    assert_int_equal(rp_pool_create(rt, &po, &p), RP_EINVAL);
    po.task_timeout = 0.0 / 0.0;
    assert_int_equal(rp_pool_create(rt, &po, &p), RP_EINVAL);
    p = isolated(10, 0);
    enum { N = 200 };
    int32_t in[N] = {0}, out[N];
    assert_int_equal(rp_pool_map(p, "t_pid", in, N, sizeof *in, out, sizeof *out, NULL), 0);
    /* No pid ran more than 10 tasks (pids may repeat across workers only by reuse). */
    for (int i = 0; i < N; i++) {
        int same = 0;
        for (int j = 0; j < N; j++)
            same += out[j] == out[i];
        assert_true(same <= 10);
        assert_int_not_equal(out[i], 0);
    }
    rp_pool_destroy(p);
    assert_no_zombies();
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    const struct CMUnitTest cases[] = {
        cmocka_unit_test(test_start_join_exitcodes),
        cmocka_unit_test(test_value_process),
        cmocka_unit_test(test_terminate_kill_alive),
        cmocka_unit_test(test_many_processes),
        cmocka_unit_test(test_lock_owners),
        cmocka_unit_test(test_daemon_children),
        cmocka_unit_test(test_run_method),
        cmocka_unit_test(test_killed_waiter_takes_nothing),
        cmocka_unit_test(test_isolated_segv),
        cmocka_unit_test(test_isolated_abort),
        cmocka_unit_test(test_isolated_timeout),
        cmocka_unit_test(test_maxtasksperchild),
        cmocka_unit_test(test_destroy_running),
    };
    int failed = RP_TEST_RUN_CASES(&rt, &argc, &argv, &opt, cases);
    /* Every child of this rank was reaped. */
    if (zombies() != 0) {
        fprintf(stderr, "zombies left after finalize\n");
        failed++;
    }
    return failed ? 1 : 0;
}
