/*
 * Pinned vs not: a CPU-bound map whose tasks stream over memory, run under a
 * runtime that places its workers (scatter:core by default) and under one
 * with placement none, alternately in the same run, so that a slow phase of
 * a shared machine hits both.  Each worker owns two private arrays, together
 * larger than a core's L2, allocated and first touched by the pool's
 * initializer (so a pinned worker's pages are on its own NUMA node); task i
 * makes PASSES passes of b[k] = a[k] + i and sums b.
 *
 * One line per measurement, key=value fields, medians over the repetitions:
 *     place pinned policy=scatter:core tasks=... median_s=... min=... max=...
 *     place none ...
 *     place ratio none_over_pinned median=... min=... max=...  (> 1: pinning helps)
 *
 * Usage: mpirun -np P bench_place [--quick] [--tasks T] [--mib M] [--passes K]
 *                                 [--reps R] [--policy compact|scatter[:pu]]
 * Run it with the ranks unbound by mpirun (np > 2, or more ranks than
 * cores): with np <= 2 Open MPI binds each rank to a core itself, and both
 * runs are then pinned.
 */
#include <rankpool.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "bench_place"
#include "bench_common.h"

typedef struct config {
    long long tasks, mib, passes, reps;
    const char *policy;
} config;

/* The worker's arrays: one pair per process, replaced by each pool's initializer. */
static double *arr_a, *arr_b;
static size_t arr_n;

static int init_arrays(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int64_t))
        return rp_fail(ctx, 1, "expected the size in MiB");
    size_t n = (size_t) * (const int64_t *)arg * (1u << 20) / (2 * sizeof(double));
    free(arr_a);
    free(arr_b);
    arr_a = malloc(n * sizeof *arr_a);
    arr_b = malloc(n * sizeof *arr_b);
    if (arr_a == NULL || arr_b == NULL)
        return rp_fail(ctx, 2, "out of memory for %zu doubles", 2 * n);
    /* First touch here, by the (possibly pinned) worker itself. */
    for (size_t k = 0; k < n; k++) {
        arr_a[k] = (double)(k % 1000) * 0.5;
        arr_b[k] = 0;
    }
    arr_n = n;
    return 0;
}

typedef struct job {
    int64_t index, passes;
} job;

static int stream(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(job) || arr_n == 0)
        return rp_fail(ctx, 1, "bad argument or no arrays");
    const job *j = arg;
    double add = (double)j->index, sum = 0;
    for (int64_t p = 0; p < j->passes; p++)
        for (size_t k = 0; k < arr_n; k++) {
            arr_b[k] = arr_a[k] + add;
            sum += arr_b[k];
        }
    return rp_return(ctx, &sum, sizeof sum);
}

/*
 * One timed map under a new runtime with @p placement.  Collective: workers
 * serve inside rp_finalize.  On rank 0 *seconds gets the map's wall time,
 * out the results and *pinned how many workers were bound to less than
 * they were given.
 */
static int one_run(const config *cf, int placement, int granularity, double *out, double *seconds,
                   int *pinned) {
    static const rp_task_def tasks[] = {RP_TASK(init_arrays), RP_TASK(stream)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 2;
    opt.placement = placement;
    opt.granularity = granularity;
    rp_runtime *rt;
    int rc = rp_init_comm(&rt, MPI_COMM_WORLD, &opt);
    if (rc != 0)
        return bench_fail("rp_init_comm", rc);
    int status = 0;
    if (rp_is_manager(rt)) {
        *pinned = 0;
        for (int r = 1; r < rp_size(rt); r++) {
            rp_placement_info in;
            if (rp_placement_get(rt, r, &in) == 0 && strcmp(in.cpuset, in.given) != 0)
                (*pinned)++;
        }
        int64_t mib = cf->mib;
        rp_pool_options po = RP_POOL_OPTIONS_INIT;
        po.initializer = "init_arrays";
        po.initarg = &mib;
        po.initarg_size = sizeof mib;
        rp_pool *pool;
        job *in = malloc((size_t)cf->tasks * sizeof *in);
        if (in == NULL) {
            fprintf(stderr, "bench_place: out of memory\n");
            status = 1;
        } else if ((rc = rp_pool_create(rt, &po, &pool)) != 0) {
            status = bench_fail("rp_pool_create", rc);
        } else {
            for (long long i = 0; i < cf->tasks; i++)
                in[i] = (job){i, cf->passes};
            rp_call_options co = RP_CALL_OPTIONS_INIT;
            co.chunksize = 1;
            double t0 = bench_now();
            rc = rp_pool_map(pool, "stream", in, (size_t)cf->tasks, sizeof *in, out, sizeof *out,
                             &co);
            *seconds = bench_now() - t0;
            if (rc != 0)
                status = bench_fail("rp_pool_map", rc);
            rp_pool_destroy(pool);
        }
        free(in);
    }
    rc = rp_finalize(rt);
    if (rc != 0)
        status = bench_fail("rp_finalize", rc);
    return status;
}

static void quick(void *p) {
    config *cf = p;
    cf->tasks = 16;
    cf->mib = 2;
    cf->passes = 2;
    cf->reps = 1;
}

static int parse_args(int argc, char **argv, config *cf) {
    *cf = (config){.tasks = 200, .mib = 8, .passes = 4, .reps = 5, .policy = "scatter"};
    const bench_arg args[] = {
        {.name = "--quick", .preset = quick},
        {.name = "--tasks", .count = &cf->tasks, .max = 10000000},
        {.name = "--mib", .count = &cf->mib, .max = 4096},
        {.name = "--passes", .count = &cf->passes, .max = 1000000},
        {.name = "--reps", .count = &cf->reps, .max = 1000},
        {.name = "--policy", .text = &cf->policy},
    };
    if (bench_parse_args(argc, argv, args, sizeof args / sizeof args[0], cf) != 0) {
        fprintf(stderr, "usage: bench_place [--quick] [--tasks T] [--mib M] [--passes K] "
                        "[--reps R] [--policy compact|scatter[:pu]]\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    int provided, rank;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    config cf;
    int status = parse_args(argc, argv, &cf);
    /* The policy of the pinned runs, spelled as RP_PLACEMENT is. */
    int placement = strncmp(cf.policy, "compact", 7) == 0 ? RP_PLACE_COMPACT : RP_PLACE_SCATTER;
    int granularity = strstr(cf.policy, ":pu") ? RP_GRAIN_PU : RP_GRAIN_CORE;
    size_t n = (size_t)cf.tasks, reps = (size_t)cf.reps;
    double *pinned_s = calloc(reps, sizeof *pinned_s), *none_s = calloc(reps, sizeof *none_s);
    double *ratio = calloc(reps, sizeof *ratio);
    double *out_p = calloc(n, sizeof *out_p), *out_n = calloc(n, sizeof *out_n);
    if (!pinned_s || !none_s || !ratio || !out_p || !out_n) {
        fprintf(stderr, "bench_place: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int npinned = 0, nworkers = 0, dummy;
    MPI_Comm_size(MPI_COMM_WORLD, &nworkers);
    nworkers--;
    for (size_t r = 0; r < reps && status == 0; r++) {
        /* Pinned first in even repetitions, second in odd ones. */
        for (int k = 0; k < 2 && status == 0; k++) {
            int pin = (k == 0) == (r % 2 == 0);
            status = pin ? one_run(&cf, placement, granularity, out_p, &pinned_s[r], &npinned)
                         : one_run(&cf, RP_PLACE_NONE, RP_GRAIN_CORE, out_n, &none_s[r], &dummy);
        }
        if (rank == 0 && status == 0) {
            ratio[r] = none_s[r] / pinned_s[r];
            if (memcmp(out_p, out_n, n * sizeof *out_p) != 0) {
                fprintf(stderr, "bench_place: pinned and unpinned results differ\n");
                status = 1;
            }
        }
        /* All ranks stop together: the next repetition is collective. */
        MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    }
    if (rank == 0 && status == 0) {
        bench_stats p = bench_summarize(pinned_s, reps), u = bench_summarize(none_s, reps);
        bench_stats q = bench_summarize(ratio, reps);
        printf("place setup ranks=%d workers=%d pinned_workers=%d tasks=%lld mib=%lld "
               "passes=%lld reps=%zu cpus_rank0=%d\n",
               nworkers + 1, nworkers, npinned, cf.tasks, cf.mib, cf.passes, reps, rp_cpu_count());
        printf("place pinned policy=%s:%s tasks=%lld median_s=%.4f min=%.4f max=%.4f\n",
               rp_placement_name(placement), rp_granularity_name(granularity), cf.tasks, p.median,
               p.min, p.max);
        printf("place none policy=none tasks=%lld median_s=%.4f min=%.4f max=%.4f\n", cf.tasks,
               u.median, u.min, u.max);
        printf("place ratio none_over_pinned median=%.3f min=%.3f max=%.3f\n", q.median, q.min,
               q.max);
    }
    free(pinned_s);
    free(none_s);
    free(ratio);
    free(out_p);
    free(out_n);
    MPI_Finalize();
    return status;
}
