/*
 * The manager's cost per unit of work, for the scale model (docs/scale.md):
 * rank 0's CPU (all its threads: main, which drives the engine while it
 * waits, and the manager thread) per task, per shared-object operation and
 * per parked waiter, and rank 0's heap per worker and per object.
 *
 *   tasks     a map of --tasks items, --chunk items a chunk, each item
 *             sleeping --nap microseconds on its worker (0: returns at once).
 *             With nap 0 the workers answer faster than rank 0 can dispatch,
 *             so rank 0 never idles and its CPU per task is its cost; with a
 *             nap and many ranks it shows the rate a manager reaches.
 *   objects   every worker runs one task making --ops dict gets (then sets)
 *             on one of --dicts shared dicts (default 1; anonymous, so with
 *             server ranks they go to the servers in turn); rank 0's CPU per
 *             operation (a server's is in its log line at the end, at
 *             RP_LOG_LEVEL=info).
 *   waiters   --waiters processes, each parked in a get on one empty queue;
 *             rank 0's CPU per second while they wait, its heap per waiter,
 *             then the CPU per waiter of the puts that wake them.
 *   memory    rank 0's heap after rp_init (compare runs at several -np for
 *             the heap per worker) and per dict, queue and lock created.
 *
 * Each line is "scale <what> key=value ...".  bench/scale.sh runs it at
 * several -np and prints the model's inputs.
 */
#include <rankpool.h>

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench_scale"
#include "bench_common.h"

typedef struct config {
    long long tasks, chunk, nap, ops, waiters, objects, reps, dicts;
    const char *only;
} config;

/* An item: sleep *arg microseconds, return nothing. */
static int nap(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    int64_t us = size == sizeof(int64_t) ? *(const int64_t *)arg : 0;
    if (us > 0)
        bench_sleep((double)us * 1e-6);
    return 0;
}

typedef struct hammer_arg {
    rp_dict d;
    int64_t ops;
    int set;
} hammer_arg;

/* Gets (or sets) of one key, ops times, on the dict in the argument. */
static int hammer(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(hammer_arg))
        return RP_EINVAL;
    const hammer_arg *a = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    int rank = rp_task_rank(ctx);
    char key[32];
    snprintf(key, sizeof key, "k%d", rank);
    for (int64_t i = 0; i < a->ops; i++) {
        int rc;
        if (a->set) {
            rc = rp_dict_set(rt, a->d, rp_key_str(key), rp_int(i));
        } else {
            int64_t v;
            rc = rp_dict_get_int(rt, a->d, rp_key_str(key), &v);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A process: one get on the queue in the argument, without a time limit. */
static int park(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(rp_queue))
        return 1;
    rp_value v;
    int rc = rp_queue_get(rp_task_runtime(ctx), *(const rp_queue *)arg, RP_FOREVER, &v, NULL);
    rp_value_free(&v);
    return rc == 0 ? 0 : 1;
}

/* Bytes of the heap in use, all arenas and mmapped blocks. */
static double heap_bytes(void) {
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.uordblks + mi.hblkhd);
}

static int fail(const char *what, int rc) {
    fprintf(stderr, "bench_scale: %s: %s: %s\n", what, rp_err_name(rc), rp_last_error());
    return rc;
}

/* One timed step of a measurement, doing a fixed number of units. */
typedef int (*step_fn)(void *ctx);

/* Runs @p step @p reps times (after one untimed warm-up run); the median,
 * min and max of rank 0's CPU microseconds per unit (@p units a step) into
 * @p cpu_us and of units per second into @p rate. */
static int timed(step_fn step, void *ctx, long long reps, double units, bench_stats *cpu_us,
                 bench_stats *rate) {
    double *c = calloc((size_t)reps, sizeof *c), *r = calloc((size_t)reps, sizeof *r);
    int rc = c == NULL || r == NULL ? RP_ENOMEM : step(ctx);
    for (long long i = 0; rc == 0 && i < reps; i++) {
        double c0 = bench_cpu_seconds(), t0 = bench_now();
        rc = step(ctx);
        r[i] = units / (bench_now() - t0);
        c[i] = (bench_cpu_seconds() - c0) / units * 1e6;
    }
    if (rc == 0) {
        *cpu_us = bench_summarize(c, (size_t)reps);
        *rate = bench_summarize(r, (size_t)reps);
    }
    free(c);
    free(r);
    return rc;
}

typedef struct map_step {
    rp_pool *pool;
    const char *task;
    const void *in;
    size_t n, size, chunk;
} map_step;

/* One map of the step's items, results dropped. */
static int map_once(void *ctx) {
    const map_step *m = ctx;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = m->chunk;
    return rp_pool_map(m->pool, m->task, m->in, m->n, m->size, NULL, 0, &co);
}

static int run_tasks(rp_runtime *rt, const config *cf) {
    rp_pool *pool;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        return fail("rp_pool_create", rc);
    int64_t *in = malloc((size_t)cf->tasks * sizeof *in);
    if (in == NULL)
        rc = RP_ENOMEM;
    for (long long i = 0; rc == 0 && i < cf->tasks; i++)
        in[i] = cf->nap;
    map_step m = {pool, "nap", in, (size_t)cf->tasks, sizeof *in, (size_t)cf->chunk};
    bench_stats c, w;
    if (rc == 0)
        rc = timed(map_once, &m, cf->reps, (double)cf->tasks, &c, &w);
    if (rc == 0)
        printf("scale tasks ranks=%d workers=%d tasks=%lld chunk=%lld nap_us=%lld "
               "rank0_cpu_us_per_task=%.3f min=%.3f max=%.3f tasks_per_s=%.0f min=%.0f max=%.0f "
               "rank0_busy=%.2f\n",
               rp_size(rt), rp_pool_workers(pool), cf->tasks, cf->chunk, cf->nap, c.median, c.min,
               c.max, w.median, w.min, w.max, c.median * 1e-6 * w.median);
    else
        fail("map", rc);
    free(in);
    rp_pool_destroy(pool);
    return rc;
}

static int run_objects(rp_runtime *rt, const config *cf) {
    rp_pool *pool;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        return fail("rp_pool_create", rc);
    int w = rp_pool_workers(pool);
    /* --dicts anonymous dicts (with servers: in turn on each), worker i on
     * dict i mod --dicts. */
    int nd = cf->dicts < 1 ? 1 : (int)cf->dicts;
    rp_dict d[64];
    for (int i = 0; rc == 0 && i < nd; i++)
        rc = rp_dict_open(rt, NULL, RP_CREATE, &d[i]);
    hammer_arg *in = calloc((size_t)w, sizeof *in);
    if (in == NULL)
        rc = RP_ENOMEM;
    map_step m = {pool, "hammer", in, (size_t)w, sizeof *in, 1};
    /* Every rank's key in every dict, so that the gets find it. */
    for (int i = 0; i < nd; i++)
        for (int r = 0; rc == 0 && r < rp_size(rt); r++) {
            char key[32];
            snprintf(key, sizeof key, "k%d", r);
            rc = rp_dict_set(rt, d[i], rp_key_str(key), rp_int(0));
        }
    for (int set = 0; rc == 0 && set < 2; set++) {
        for (int i = 0; i < w; i++)
            in[i] = (hammer_arg){d[i % nd], cf->ops, set};
        bench_stats c, t;
        if (rc == 0)
            rc = timed(map_once, &m, cf->reps, (double)cf->ops * w, &c, &t);
        if (rc == 0)
            printf("scale objects ranks=%d servers=%d dicts=%d workers=%d op=%s ops=%lld "
                   "rank0_cpu_us_per_op=%.3f min=%.3f max=%.3f ops_per_s=%.0f min=%.0f max=%.0f "
                   "rank0_busy=%.2f\n",
                   rp_size(rt), rp_server_count(rt), nd, w, set ? "set" : "get", cf->ops * w,
                   c.median, c.min, c.max, t.median, t.min, t.max, c.median * 1e-6 * t.median);
    }
    if (rc != 0)
        fail("objects", rc);
    free(in);
    for (int i = 0; i < nd; i++)
        rp_dict_destroy(rt, d[i]);
    rp_pool_destroy(pool);
    return rc;
}

static int run_waiters(rp_runtime *rt, const config *cf) {
    size_t n = (size_t)cf->waiters;
    rp_queue q;
    int rc = rp_queue_open(rt, NULL, RP_CREATE, RP_QUEUE_FIFO, 0, &q);
    rp_process **p = calloc(n, sizeof *p);
    if (rc == 0 && p == NULL)
        rc = RP_ENOMEM;
    if (rc != 0)
        return fail("setup", rc);
    /* Rank 0 idle with nobody parked, for the baseline. */
    double h0 = heap_bytes();
    double c0 = bench_cpu_seconds(), t0 = bench_now();
    bench_sleep(1.0);
    double idle = (bench_cpu_seconds() - c0) / (bench_now() - t0);
    size_t started = 0;
    for (; rc == 0 && started < n; started++) {
        rc = rp_process_create(rt, "park", &q, sizeof q, NULL, &p[started]);
        if (rc == 0)
            rc = rp_process_start(p[started]);
    }
    /* Wait until every process is parked: the queue's waiters are not
     * counted in the API, so give them the time to start and ask. */
    bench_sleep(1.0 + (double)n * 2e-3);
    double h1 = heap_bytes();
    c0 = bench_cpu_seconds();
    t0 = bench_now();
    bench_sleep(1.0);
    double parked = (bench_cpu_seconds() - c0) / (bench_now() - t0);
    c0 = bench_cpu_seconds();
    t0 = bench_now();
    for (size_t i = 0; rc == 0 && i < started; i++)
        rc = rp_queue_put(rt, q, rp_int((int64_t)i), RP_FOREVER);
    for (size_t i = 0; rc == 0 && i < started; i++) {
        rc = rp_process_join(p[i], 60.0);
        int code = -1;
        if (rc == 0 && (rc = rp_process_exitcode(p[i], &code)) == 0 && code != 0)
            rc = RP_ESTATE; /* a get failed */
    }
    double wake_cpu = bench_cpu_seconds() - c0, wake_wall = bench_now() - t0;
    if (rc == 0)
        printf("scale waiters ranks=%d waiters=%zu idle_cpu_per_s=%.4f parked_cpu_per_s=%.4f "
               "heap_per_waiter_bytes=%.0f wake_and_join_cpu_us_per_waiter=%.1f wall_s=%.3f\n",
               rp_size(rt), started, idle, parked, (h1 - h0) / (double)started,
               wake_cpu / (double)started * 1e6, wake_wall);
    else
        fail("waiters", rc);
    for (size_t i = 0; i < started; i++)
        rp_process_destroy(p[i]);
    free(p);
    rp_queue_destroy(rt, q);
    return rc;
}

static int run_memory(rp_runtime *rt, const config *cf, double heap_init) {
    double hp = heap_bytes();
    rp_pool *pool;
    int prc = rp_pool_create(rt, NULL, &pool);
    if (prc != 0)
        return fail("rp_pool_create", prc);
    printf("scale memory ranks=%d heap_after_init_bytes=%.0f pool_heap_bytes=%.0f\n", rp_size(rt),
           heap_init, heap_bytes() - hp);
    rp_pool_destroy(pool);
    size_t n = (size_t)cf->objects;
    uint64_t *ids = calloc(n, sizeof *ids);
    if (ids == NULL)
        return fail("memory", RP_ENOMEM);
    int rc = 0;
    for (int kind = 0; rc == 0 && kind < 3; kind++) {
        static const char *names[] = {"dict", "queue", "lock"};
        double h0 = heap_bytes();
        size_t i = 0;
        for (; rc == 0 && i < n; i++) {
            if (kind == 0)
                rc = rp_dict_open(rt, NULL, RP_CREATE, (rp_dict *)&ids[i]);
            else if (kind == 1)
                rc = rp_queue_open(rt, NULL, RP_CREATE, RP_QUEUE_FIFO, 0, (rp_queue *)&ids[i]);
            else
                rc = rp_lock_open(rt, NULL, RP_CREATE, 0, (rp_lock *)&ids[i]);
        }
        double h1 = heap_bytes();
        if (rc == 0)
            printf("scale memory object=%s count=%zu heap_per_object_bytes=%.0f\n", names[kind], n,
                   (h1 - h0) / (double)n);
        for (size_t j = 0; j < i; j++) {
            if (kind == 0)
                rp_dict_destroy(rt, (rp_dict){ids[j]});
            else if (kind == 1)
                rp_queue_destroy(rt, (rp_queue){ids[j]});
            else
                rp_lock_destroy(rt, (rp_lock){ids[j]});
        }
    }
    free(ids);
    return rc ? fail("memory", rc) : 0;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    config *cf = user;
    double heap_init = heap_bytes();
    const bench_arg args[] = {
        {"--tasks", &cf->tasks, NULL, NULL, NULL, NULL, 100000000},
        {"--chunk", &cf->chunk, NULL, NULL, NULL, NULL, 1000000},
        {"--nap", &cf->nap, NULL, NULL, NULL, NULL, 10000000},
        {"--ops", &cf->ops, NULL, NULL, NULL, NULL, 100000000},
        {"--waiters", &cf->waiters, NULL, NULL, NULL, NULL, 100000},
        {"--objects", &cf->objects, NULL, NULL, NULL, NULL, 10000000},
        {"--reps", &cf->reps, NULL, NULL, NULL, NULL, 1000},
        {"--dicts", &cf->dicts, NULL, NULL, NULL, NULL, 64},
        {"--only", NULL, NULL, &cf->only, NULL, NULL, 0},
    };
    if (bench_parse_args(argc, argv, args, sizeof args / sizeof args[0], cf) != 0) {
        fprintf(stderr, "usage: bench_scale [--only tasks|objects|waiters|memory] [--tasks N] "
                        "[--chunk N] [--nap US] [--ops N] [--waiters N] [--objects N] "
                        "[--reps N] [--dicts N]\n");
        return 2;
    }
    const char *only = cf->only;
    int rc = 0;
    if (only == NULL || strcmp(only, "memory") == 0)
        rc = run_memory(rt, cf, heap_init);
    if (rc == 0 && (only == NULL || strcmp(only, "tasks") == 0))
        rc = run_tasks(rt, cf);
    if (rc == 0 && rp_size(rt) > 1 && (only == NULL || strcmp(only, "objects") == 0))
        rc = run_objects(rt, cf);
    if (rc == 0 && (only == NULL || strcmp(only, "waiters") == 0))
        rc = run_waiters(rt, cf);
    fflush(stdout);
    return rc ? 1 : 0;
}

int main(int argc, char **argv) {
    static config cf = {200000, 1, 0, 20000, 64, 10000, 3, 1, NULL};
    static const rp_task_def tasks[] = {RP_TASK(nap), RP_TASK(hammer), RP_TASK(park)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    return rp_main(&argc, &argv, &opt, body, &cf);
}
