/*
 * Idle cost: how much CPU rank 0 (main thread + manager thread) and each
 * worker burn while a pool exists but has no work.  Each rank's CPU time is
 * sampled by a task before and after an idle period of T seconds (argv[1],
 * default 5); rank 0 samples itself.  Prints one line per rank and the
 * maximum, as CPU percent of one core.
 *
 *     mpirun -np 3 --oversubscribe build/bench/bench_idle 5
 */
#include <rankpool.h>

#include <stdio.h>
#include <stdlib.h>

#define BENCH_NAME "bench_idle"
#include "bench_common.h"

typedef struct {
    int rank;
    double cpu;
    double when;
} sample;

static int sample_cpu(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    sample s = {rp_task_rank(ctx), bench_cpu_seconds(), bench_now()};
    return rp_return(ctx, &s, sizeof s);
}

/* Sample every worker: with chunksize 1 the first round of credits gives each
 * worker at least one item.  Keeps, per rank, the sample of the given extreme. */
static int sample_all(rp_pool *pool, int nranks, sample *per_rank, int latest) {
    int n = 8 * rp_pool_workers(pool);
    int *dummy = calloc((size_t)n, sizeof *dummy);
    sample *s = malloc((size_t)n * sizeof *s);
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    int rc = rp_pool_map(pool, "sample_cpu", dummy, (size_t)n, sizeof *dummy, s, sizeof *s, &co);
    for (int i = 0; rc == 0 && i < n; i++) {
        sample *p = &per_rank[s[i].rank];
        if (s[i].rank < 0 || s[i].rank >= nranks)
            continue;
        if (p->when == 0 || (latest ? s[i].when > p->when : s[i].when < p->when))
            *p = s[i];
    }
    free(dummy);
    free(s);
    return rc;
}

/* Rank 0: sample, stay idle for argv[1] seconds, sample again, report. */
static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)user;
    double t = argc > 1 ? atof(argv[1]) : 5.0;
    int size = rp_size(rt);
    sample *before = calloc((size_t)size, sizeof *before);
    sample *after = calloc((size_t)size, sizeof *after);
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc == 0)
        rc = sample_all(pool, size, before, 1);
    double c0 = bench_cpu_seconds(), w0 = bench_now();
    bench_sleep(t);
    double c1 = bench_cpu_seconds(), w1 = bench_now();
    if (rc == 0)
        rc = sample_all(pool, size, after, 0);
    if (rc != 0) {
        fprintf(stderr, "bench_idle: %s: %s\n", rp_err_name(rc), rp_last_error());
    } else {
        double worst = 0;
        printf("idle rank=0 role=manager cpu_percent=%.2f\n", 100 * (c1 - c0) / (w1 - w0));
        for (int r = 1; r < size; r++) {
            double pct = 100 * (after[r].cpu - before[r].cpu) / (after[r].when - before[r].when);
            printf("idle rank=%d role=worker cpu_percent=%.2f\n", r, pct);
            worst = pct > worst ? pct : worst;
        }
        printf("idle summary seconds=%.1f manager_cpu_percent=%.2f worker_max_cpu_percent=%.2f\n",
               w1 - w0, 100 * (c1 - c0) / (w1 - w0), worst);
    }
    rp_pool_destroy(pool);
    free(before);
    free(after);
    return rc ? 1 : 0;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(sample_cpu)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
