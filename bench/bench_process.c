/*
 * Processes and isolated pools: the latency of a Process's start + join (a
 * task that returns at once), and a pool's throughput on tiny tasks with
 * isolate off (tasks run in the worker ranks) and on (in forked executors),
 * alternating within one run so that each ratio compares like with like.
 *
 *   mpirun -np 3 build/bench/bench_process [--procs N] [--items N] [--reps N] [--quick]
 *
 * Prints key=value lines: "rankpool process_start_join ...", "rankpool
 * pool_plain / pool_isolated ..." and "rankpool ratio isolated_over_plain ...".
 */
#define BENCH_NAME "bench_process"
#include <rankpool.h>

#include "bench_common.h"

static int nothing(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)arg;
    (void)size;
    return 0;
}

static int square(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int64_t x = *(const int64_t *)arg;
    int64_t y = x * x;
    return rp_return(ctx, &y, sizeof y);
}

typedef struct config {
    long long procs, items, reps;
    int quick;
} config;

static void quick(void *cf) {
    config *c = cf;
    c->procs = 10;
    c->items = 2000;
    c->reps = 1;
    c->quick = 1;
}

/* Items per second of one map of @p n items on @p pool. */
static double map_rate(rp_pool *pool, const int64_t *in, int64_t *out, size_t n) {
    double t0 = bench_now();
    if (rp_pool_map(pool, "square", in, n, sizeof *in, out, sizeof *out, NULL) != 0) {
        fprintf(stderr, BENCH_NAME ": map: %s\n", rp_last_error());
        return 0;
    }
    double t = bench_now() - t0;
    for (size_t i = 0; i < n; i++)
        if (out[i] != in[i] * in[i])
            return 0;
    return (double)n / t;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)user;
    config c = {100, 100000, 3, 0};
    const bench_arg args[] = {{"--procs", &c.procs, NULL, NULL, NULL, NULL, 100000},
                              {"--items", &c.items, NULL, NULL, NULL, NULL, 100000000},
                              {"--reps", &c.reps, NULL, NULL, NULL, NULL, 1000},
                              {"--quick", NULL, NULL, NULL, NULL, quick, 0}};
    if (bench_parse_args(argc, argv, args, sizeof args / sizeof args[0], &c) != 0) {
        fprintf(stderr, "usage: bench_process [--procs N] [--items N] [--reps N] [--quick]\n");
        return 1;
    }
    printf("rankpool setup ranks=%d workers=%d procs=%lld items=%lld reps=%lld\n", rp_size(rt),
           rp_worker_count(rt), c.procs, c.items, c.reps);

    /* Start + join latency of a process that does nothing. */
    double *lat = malloc(3 * (size_t)c.procs * sizeof *lat);
    double *st = lat + c.procs, *jn = st + c.procs;
    for (long long i = 0; i < c.procs; i++) {
        rp_process *p;
        double t0 = bench_now(), t1 = 0;
        if (rp_process_create(rt, "nothing", NULL, 0, NULL, &p) != 0 || rp_process_start(p) != 0 ||
            (t1 = bench_now(), rp_process_join(p, RP_FOREVER)) != 0) {
            fprintf(stderr, BENCH_NAME ": process: %s\n", rp_last_error());
            return 1;
        }
        double t2 = bench_now();
        lat[i] = (t2 - t0) * 1e6;
        st[i] = (t1 - t0) * 1e6;
        jn[i] = (t2 - t1) * 1e6;
        rp_process_destroy(p);
    }
    bench_stats s = bench_summarize(lat, (size_t)c.procs);
    bench_stats ss = bench_summarize(st, (size_t)c.procs);
    bench_stats sj = bench_summarize(jn, (size_t)c.procs);
    printf("rankpool process_start_join n=%lld median_us=%.0f min_us=%.0f max_us=%.0f "
           "start_median_us=%.0f join_median_us=%.0f\n",
           c.procs, s.median, s.min, s.max, ss.median, sj.median);
    free(lat);

    /* Pool throughput, isolate off and on. */
    size_t n = (size_t)c.items;
    int64_t *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        in[i] = (int64_t)i;
    rp_pool *plain, *iso;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    if (rp_pool_create(rt, &po, &plain) != 0)
        return 1;
    po.isolate = 1;
    if (rp_pool_create(rt, &po, &iso) != 0)
        return 1;
    map_rate(plain, in, out, n < 1000 ? n : 1000); /* warm up both */
    map_rate(iso, in, out, n < 1000 ? n : 1000);
    for (long long r = 0; r < c.reps; r++) {
        double a = map_rate(plain, in, out, n), b = map_rate(iso, in, out, n);
        printf("rankpool pool_plain items=%zu items_per_s=%.0f\n", n, a);
        printf("rankpool pool_isolated items=%zu items_per_s=%.0f\n", n, b);
        printf("rankpool ratio isolated_over_plain=%.3f\n", a > 0 ? b / a : 0);
    }
    rp_pool_destroy(plain);
    rp_pool_destroy(iso);
    free(in);
    free(out);
    return 0;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(nothing), RP_TASK(square)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    return rp_main(&argc, &argv, &opt, body, NULL);
}
