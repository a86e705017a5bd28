/*
 * Value and Array measured in one program; bench/array.sh runs it next to
 * Python's multiprocessing.Value with get_lock() (bench/py_value.py) and
 * prints the ratios.
 *
 *   array_faa_all_workers  one task per worker at once (chunksize 1, started
 *                          together by a gate), each K rp_array_fetch_add_i64
 *                          on one int64 element: total adds / longest task;
 *   dict_add_all_workers   the same with rp_dict_add_int on one key (the
 *                          manager's atomic counter);
 *   array_faa_rank0        K adds from main() on rank 0, alone;
 *   bulk_read_* / bulk_write_*  rp_array_read / rp_array_write of an M MiB
 *                          byte array, whole, on rank 0 and in a task on a
 *                          worker, next to memcpy between two private buffers
 *                          of the same size on the same rank (memcpy_*).
 * Every counter is checked after.  Each measurement prints one line with the
 * median over the repetitions and their min and max:
 *     rankpool array_faa_all_workers workers=2 median_ops_per_s=... min=... max=...
 * With RP_ARRAY_REMOTE=1 every access goes through the manager: what a rank
 * on another host pays.
 *
 * Usage: mpirun -np P bench_array [--quick] [--ops K] [--mib M] [--reps R]
 */
#include <rankpool.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "bench_array"
#include "bench_common.h"

#define MAXREPS 64

typedef struct job {
    rp_array counter, gate, bulk;
    rp_dict dict;
    int64_t ops;
    int32_t workers;
    int32_t what; /* 0: array fetch-add, 1: dict add, 2: bulk on this worker */
} job;

typedef struct outcome {
    double seconds[3]; /* the timed part; bulk: read, write, memcpy */
    int32_t rc;
} outcome;

/* Start together: every task checks in, then waits (at most 2 s, in case
 * two tasks share a worker) until all have. */
static void gate(rp_runtime *rt, const job *j) {
    rp_array_fetch_add_i64(rt, j->gate, 0, 1, NULL);
    double until = bench_now() + 2.0;
    int64_t in = 0;
    while (rp_array_get_i64(rt, j->gate, 0, &in) == 0 && in < j->workers && bench_now() < until)
        ;
}

static int bulk(rp_runtime *rt, rp_array a, double *secs, int reps) {
    size_t n = (size_t)a.length * a.elem_size;
    char *x = malloc(n), *y = malloc(n);
    if (x == NULL || y == NULL)
        return RP_ENOMEM;
    memset(x, 1, n);
    memset(y, 2, n);
    int rc = rp_array_write(rt, a, 0, a.length, x); /* touch it all first */
    double t = bench_now();
    for (int k = 0; rc == 0 && k < reps; k++)
        rc = rp_array_read(rt, a, 0, a.length, y);
    secs[0] = (bench_now() - t) / reps;
    t = bench_now();
    for (int k = 0; rc == 0 && k < reps; k++)
        rc = rp_array_write(rt, a, 0, a.length, x);
    secs[1] = (bench_now() - t) / reps;
    t = bench_now();
    for (int k = 0; k < reps; k++) {
        memcpy(y, x, n);
        __asm__ volatile("" ::"r"(y) : "memory"); /* keep every copy */
    }
    secs[2] = (bench_now() - t) / reps;
    free(x);
    free(y);
    return rc;
}

static int t_bench(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const job *j = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    outcome o = {{0, 0, 0}, 0};
    if (j->what == 2) {
        o.rc = bulk(rt, j->bulk, o.seconds, 5);
        return rp_return(ctx, &o, sizeof o);
    }
    gate(rt, j);
    rp_key k = rp_key_str("counter");
    double t = bench_now();
    for (int64_t i = 0; o.rc == 0 && i < j->ops; i++)
        o.rc = j->what == 0 ? rp_array_fetch_add_i64(rt, j->counter, 0, 1, NULL)
                            : rp_dict_add_int(rt, j->dict, k, 1, NULL);
    o.seconds[0] = bench_now() - t;
    return rp_return(ctx, &o, sizeof o);
}

static void report(const char *name, const char *extra, const char *unit, double *v, int n) {
    bench_stats s = bench_summarize(v, (size_t)n);
    printf("rankpool %s %s median_%s=%.0f min=%.0f max=%.0f\n", name, extra, unit, s.median, s.min,
           s.max);
    fflush(stdout);
}

typedef struct config {
    long long ops, mib, reps;
} config;

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc;
    (void)argv;
    const config *cf = user;
    rp_pool *pool;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        return bench_fail("pool", rc);
    int w = rp_pool_workers(pool);
    const char *remote = getenv("RP_ARRAY_REMOTE");
    printf("rankpool setup workers=%d ops=%lld mib=%lld reps=%lld remote=%s\n", w, cf->ops, cf->mib,
           cf->reps, remote && strcmp(remote, "1") == 0 ? "1" : "0");
    job j = {.ops = cf->ops, .workers = w};
    if ((rc = rp_value_open(rt, NULL, 0, RP_ELEM_INT64, &j.counter)) != 0 ||
        (rc = rp_value_open(rt, NULL, 0, RP_ELEM_INT64, &j.gate)) != 0 ||
        (rc = rp_array_open(rt, NULL, 0, RP_ELEM_BYTES, 1 << 20, (size_t)cf->mib, &j.bulk)) != 0 ||
        (rc = rp_dict_open(rt, NULL, 0, &j.dict)) != 0)
        return bench_fail("open", rc);
    job *in = malloc((size_t)w * sizeof *in);
    outcome *out = malloc((size_t)w * sizeof *out);
    double v[9][MAXREPS];
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    int reps = (int)cf->reps;
    for (int r = 0; r < reps; r++) {
        /* All workers: the array, then the dict. */
        for (int what = 0; what < 2; what++) {
            rp_array_set_i64(rt, j.gate, 0, 0);
            rp_array_set_i64(rt, j.counter, 0, 0);
            rp_dict_set(rt, j.dict, rp_key_str("counter"), rp_int(0));
            j.what = what;
            for (int i = 0; i < w; i++)
                in[i] = j;
            if ((rc = rp_pool_map(pool, "t_bench", in, (size_t)w, sizeof *in, out, sizeof *out,
                                  &co)) != 0)
                return bench_fail("map", rc);
            double longest = 0;
            for (int i = 0; i < w; i++) {
                if (out[i].rc != 0)
                    return bench_fail("task", out[i].rc);
                if (out[i].seconds[0] > longest)
                    longest = out[i].seconds[0];
            }
            int64_t total = 0;
            if (what == 0)
                rc = rp_array_get_i64(rt, j.counter, 0, &total);
            else
                rc = rp_dict_get_int(rt, j.dict, rp_key_str("counter"), &total);
            if (rc != 0 || total != (int64_t)w * cf->ops) {
                fprintf(stderr, "bench_array: counter %lld, expected %lld: WRONG\n",
                        (long long)total, (long long)w * cf->ops);
                return 1;
            }
            v[what][r] = (double)total / longest;
        }
        /* Rank 0 alone. */
        double t = bench_now();
        for (long long i = 0; i < cf->ops; i++)
            rp_array_fetch_add_i64(rt, j.counter, 0, 1, NULL);
        v[2][r] = (double)cf->ops / (bench_now() - t);
        /* Bulk on rank 0, then in a task on a worker. */
        double s[3];
        if ((rc = bulk(rt, j.bulk, s, 5)) != 0)
            return bench_fail("bulk", rc);
        double mb = (double)cf->mib * 1048576.0 / 1e6;
        for (int k = 0; k < 3; k++)
            v[3 + k][r] = mb / s[k];
        j.what = 2;
        if ((rc = rp_pool_apply(pool, "t_bench", &j, sizeof j, out, sizeof *out, NULL, NULL)) !=
                0 ||
            out[0].rc != 0)
            return bench_fail("bulk task", rc ? rc : out[0].rc);
        v[6][r] = mb / out[0].seconds[0];
        v[7][r] = mb / out[0].seconds[1];
        v[8][r] = mb / out[0].seconds[2];
        if (r == reps - 1) {
            char extra[64];
            snprintf(extra, sizeof extra, "workers=%d", w);
            report("array_faa_all_workers", extra, "ops_per_s", v[0], reps);
            report("dict_add_all_workers", extra, "ops_per_s", v[1], reps);
            report("array_faa_rank0", "clients=1", "ops_per_s", v[2], reps);
            snprintf(extra, sizeof extra, "mib=%lld", cf->mib);
            report("bulk_read_rank0", extra, "mb_per_s", v[3], reps);
            report("bulk_write_rank0", extra, "mb_per_s", v[4], reps);
            report("memcpy_rank0", extra, "mb_per_s", v[5], reps);
            report("bulk_read_worker", extra, "mb_per_s", v[6], reps);
            report("bulk_write_worker", extra, "mb_per_s", v[7], reps);
            report("memcpy_worker", extra, "mb_per_s", v[8], reps);
        }
    }
    free(in);
    free(out);
    rp_array_destroy(rt, j.counter);
    rp_array_destroy(rt, j.gate);
    rp_array_destroy(rt, j.bulk);
    rp_dict_destroy(rt, j.dict);
    rp_pool_destroy(pool);
    return 0;
}

static void quick(void *p) {
    *(config *)p = (config){5000, 2, 1};
}

int main(int argc, char **argv) {
    config cf = {200000, 16, 3};
    const bench_arg args[] = {
        {.name = "--quick", .preset = quick},
        {.name = "--ops", .count = &cf.ops, .max = 1000000000},
        {.name = "--mib", .count = &cf.mib, .max = 1000000000},
        {.name = "--reps", .count = &cf.reps, .max = 1000000000},
    };
    if (bench_parse_args(argc, argv, args, sizeof args / sizeof args[0], &cf) != 0) {
        fprintf(stderr, "usage: bench_array [--quick] [--ops K] [--mib M] [--reps R]\n");
        return 2;
    }
    if (cf.ops < 1 || cf.mib < 1 || cf.mib > 60 || cf.reps < 1 || cf.reps > MAXREPS) {
        fprintf(stderr, "bench_array: need ops >= 1, 1 <= mib <= 60, 1 <= reps <= %d\n", MAXREPS);
        return 2;
    }
    static const rp_task_def tasks[] = {RP_TASK(t_bench)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, &cf);
}
