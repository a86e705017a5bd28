/*
 * rankpool's side of the farm comparison (bench/farm.c), in one program:
 *
 *   (a) trivial tasks/s: rp_pool_map with chunksize 1, rp_pool_map with the
 *       default chunksize, and T fire-and-forget rp_pool_apply_async calls;
 *   (b) a CPU-bound map with uneven task costs (primes below 20000 + 300*i),
 *       serially on rank 0 and over the pool with chunksize 1: the speedup;
 *   (c) the round trip of one rp_pool_apply, sequential calls: median, p99.
 * With --breakdown, (a) and (c) run once more on a pool with timing on, and
 * a line each says where an item's microseconds went (rp_pool_get_stats):
 *     rankpool breakdown_apply_async items=... total_us=... submit_us=...
 *              queue_us=... wire_us=... exec_us=... result_us=... wake_us=...
 * submit is the caller's own share (total less the library's stages).
 *
 * Each measurement is repeated; one line per measurement on stdout, key=value
 * fields, with the median over the repetitions and their min and max:
 *     rankpool map_chunk1 tasks=100000 median_tasks_per_s=... min=... max=...
 *
 * Usage: mpirun -np P bench_pool [--quick] [--breakdown] [--tasks T] [--primes M]
 *                                [--calls C] [--reps R] [--only WHAT]
 * --only map|apply_async|primes|latency runs that measurement alone (for a
 * profile of one path).
 * --quick picks small sizes (a few seconds in all) and is what the tests run.
 */
#include <rankpool.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench_pool"
#include "bench_common.h"
#include "workload.h"

typedef struct config {
    long long tasks;  /* trivial tasks per measurement */
    long long primes; /* CPU-bound tasks */
    long long calls;  /* sequential applies for the latency */
    long long reps;
    int breakdown;    /* --breakdown: only the timed runs */
    const char *only; /* --only: map, apply_async, primes or latency (for profiles) */
} config;

/* Does this run measure @p what? */
static int wanted(const config *cf, const char *what) {
    return cf->only == NULL || strcmp(cf->only, what) == 0;
}

static int echo(rp_task_ctx *ctx, const void *arg, size_t size) {
    return rp_return(ctx, arg, size);
}

static int count_primes(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int64_t))
        return rp_fail(ctx, 1, "expected an 8-byte index, got %zu bytes", size);
    int64_t c = count_primes_below(primes_bound(*(const int64_t *)arg));
    return rp_return(ctx, &c, sizeof c);
}

/* One rp_pool_map of @p n 8-byte records; its wall time goes to @p seconds. */
static int timed_map(rp_pool *pool, const char *task, const int64_t *in, int64_t *out, size_t n,
                     size_t chunksize, double *seconds) {
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = chunksize;
    double t0 = bench_now();
    int rc = rp_pool_map(pool, task, in, n, sizeof *in, out, sizeof *out, &co);
    *seconds = bench_now() - t0;
    return rc ? bench_fail(task, rc) : 0;
}

static void print_rate(const char *name, long long n, double *secs, size_t reps) {
    double *rate = malloc(reps * sizeof *rate);
    if (rate == NULL) {
        fprintf(stderr, "bench_pool: out of memory\n");
        return;
    }
    for (size_t r = 0; r < reps; r++)
        rate[r] = (double)n / secs[r];
    bench_stats s = bench_summarize(rate, reps);
    printf("rankpool %s tasks=%lld median_tasks_per_s=%.0f min=%.0f max=%.0f\n", name, n, s.median,
           s.min, s.max);
    fflush(stdout);
    free(rate);
}

/* (a) map with chunksize 1 and with the default chunksize. */
static int bench_map(rp_pool *pool, const config *cf, double *secs) {
    size_t n = (size_t)cf->tasks, reps = (size_t)cf->reps;
    int64_t *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    int rc = in && out ? 0 : 1;
    if (rc)
        fprintf(stderr, "bench_pool: out of memory for %zu tasks\n", n);
    for (size_t i = 0; i < n && !rc; i++)
        in[i] = (int64_t)i;
    static const struct {
        const char *name;
        size_t chunksize;
    } modes[] = {{"map_chunk1", 1}, {"map_default_chunk", 0}};
    for (size_t m = 0; m < 2 && !rc; m++) {
        for (size_t r = 0; r < reps && !rc; r++) {
            memset(out, 0xff, n * sizeof *out);
            rc = timed_map(pool, "echo", in, out, n, modes[m].chunksize, &secs[r]);
            if (rc == 0 && memcmp(in, out, n * sizeof *in) != 0) {
                fprintf(stderr, "bench_pool: %s returned wrong results\n", modes[m].name);
                rc = 1;
            }
        }
        if (!rc)
            print_rate(modes[m].name, cf->tasks, secs, reps);
    }
    free(in);
    free(out);
    return rc;
}

/* Filled by the callbacks: one at a time on the manager thread, read after join. */
typedef struct tally {
    long long n;
    int64_t sum;
    long long failed;
} tally;

static void on_done(rp_result *res, void *user) {
    tally *t = user;
    const void *data;
    size_t size;
    if (rp_result_get(res, 0, &data, &size) == 0 && size == sizeof(int64_t)) {
        int64_t v;
        memcpy(&v, data, sizeof v);
        t->sum += v;
        t->n++;
    } else {
        t->failed++;
    }
}

static void on_error(rp_result *res, void *user) {
    (void)res;
    ((tally *)user)->failed++;
}

/* (a) T fire-and-forget apply_async calls; close + join ends each run, so each gets a pool. */
static int bench_apply_async(rp_runtime *rt, const config *cf, double *secs) {
    for (long long r = 0; r < cf->reps; r++) {
        rp_pool *pool;
        int rc = rp_pool_create(rt, NULL, &pool);
        if (rc != 0)
            return bench_fail("rp_pool_create", rc);
        tally t = {0, 0, 0};
        rp_call_options co = RP_CALL_OPTIONS_INIT;
        co.callback = on_done;
        co.error_callback = on_error;
        co.user = &t;
        double t0 = bench_now();
        for (int64_t i = 0; i < cf->tasks && rc == 0; i++)
            if ((rc = rp_pool_apply_async(pool, "echo", &i, sizeof i, &co, NULL)) != 0)
                bench_fail("rp_pool_apply_async", rc);
        int crc = rp_pool_close(pool);
        if (crc != 0)
            bench_fail("rp_pool_close", crc);
        int jrc = rp_pool_join(pool, RP_FOREVER);
        if (jrc != 0)
            bench_fail("rp_pool_join", jrc);
        secs[r] = bench_now() - t0;
        rp_pool_destroy(pool);
        if (rc || crc || jrc)
            return 1;
        int64_t want = (int64_t)cf->tasks * (cf->tasks - 1) / 2;
        if (t.n != cf->tasks || t.failed != 0 || t.sum != want) {
            fprintf(stderr, "bench_pool: apply_async: %lld results, %lld failed, sum %lld\n", t.n,
                    t.failed, (long long)t.sum);
            return 1;
        }
    }
    print_rate("apply_async", cf->tasks, secs, (size_t)cf->reps);
    return 0;
}

static void print_secs(const char *name, long long n, double *secs, size_t reps, int64_t primes) {
    bench_stats s = bench_summarize(secs, reps);
    printf("rankpool %s tasks=%lld median_s=%.4f min=%.4f max=%.4f primes=%lld\n", name, n,
           s.median, s.min, s.max, (long long)primes);
    fflush(stdout);
}

/*
 * (b) uneven CPU-bound tasks: serially on rank 0, then over the pool.  Serial
 * and parallel runs alternate, so a slow phase of a shared machine hits both
 * and the speedup is a ratio within one repetition.
 */
static int bench_primes(rp_pool *pool, const config *cf, double *secs) {
    size_t n = (size_t)cf->primes, reps = (size_t)cf->reps;
    int64_t *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    double *par = malloc(reps * sizeof *par), *ratio = malloc(reps * sizeof *ratio);
    int rc = in && out && par && ratio ? 0 : 1;
    if (rc)
        fprintf(stderr, "bench_pool: out of memory for %zu tasks\n", n);
    for (size_t i = 0; i < n && rc == 0; i++)
        in[i] = (int64_t)i;
    int64_t serial_total = 0, total = 0;
    for (size_t r = 0; r < reps && rc == 0; r++) {
        double t0 = bench_now();
        serial_total = 0;
        for (size_t i = 0; i < n; i++)
            serial_total += count_primes_below(primes_bound(in[i]));
        secs[r] = bench_now() - t0;

        rc = timed_map(pool, "count_primes", in, out, n, 1, &par[r]);
        total = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
            total += out[i];
        if (rc == 0 && total != serial_total) {
            fprintf(stderr, "bench_pool: pool counted %lld primes, serial %lld\n", (long long)total,
                    (long long)serial_total);
            rc = 1;
        }
        ratio[r] = secs[r] / par[r];
    }
    if (rc == 0) {
        print_secs("primes_serial", cf->primes, secs, reps, serial_total);
        print_secs("primes_map_chunk1", cf->primes, par, reps, total);
        bench_stats s = bench_summarize(ratio, reps);
        printf("rankpool primes_speedup tasks=%lld workers=%d speedup=%.2f min=%.2f max=%.2f\n",
               cf->primes, rp_pool_workers(pool), s.median, s.min, s.max);
        fflush(stdout);
    }
    free(in);
    free(out);
    free(par);
    free(ratio);
    return rc;
}

/* (c) sequential rp_pool_apply round trips. */
static int bench_latency(rp_pool *pool, const config *cf) {
    size_t n = (size_t)cf->calls, reps = (size_t)cf->reps;
    double *lat = malloc(n * sizeof *lat);
    double *med = malloc(reps * sizeof *med), *p99 = malloc(reps * sizeof *p99);
    int rc = lat && med && p99 ? 0 : 1;
    if (rc)
        fprintf(stderr, "bench_pool: out of memory for %zu calls\n", n);
    for (size_t r = 0; r < reps && rc == 0; r++) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            int64_t x = (int64_t)i, y = -1;
            size_t got = 0;
            double t0 = bench_now();
            int arc = rp_pool_apply(pool, "echo", &x, sizeof x, &y, sizeof y, &got, NULL);
            lat[i] = (bench_now() - t0) * 1e6;
            if (arc != 0) {
                rc = bench_fail("rp_pool_apply", arc);
            } else if (got != sizeof y || y != x) {
                fprintf(stderr, "bench_pool: apply returned %zu bytes, %lld for %lld\n", got,
                        (long long)y, (long long)x);
                rc = 1;
            }
        }
        if (rc == 0) {
            med[r] = bench_summarize(lat, n).median; /* also sorts lat for the p99 */
            size_t k = (size_t)ceil(0.99 * (double)n);
            p99[r] = lat[k > 0 ? k - 1 : 0];
        }
    }
    if (rc == 0) {
        bench_stats m = bench_summarize(med, reps), p = bench_summarize(p99, reps);
        printf("rankpool apply_latency calls=%zu median_us=%.1f min=%.1f max=%.1f\n", n, m.median,
               m.min, m.max);
        printf("rankpool apply_latency_p99 calls=%zu p99_us=%.1f min=%.1f max=%.1f\n", n, p.median,
               p.min, p.max);
        fflush(stdout);
    }
    free(lat);
    free(med);
    free(p99);
    return rc;
}

/* A CPU clock in seconds. */
static double cpu_now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The stages of the items a pool timed between @p a and @p b, per item, and
 * the caller's share of @p total_us per item. */
static void print_breakdown(const char *name, const rp_pool_stats *a, const rp_pool_stats *b,
                            double total_us) {
    double n = (double)(b->timed - a->timed);
    if (n <= 0)
        return;
    double q = (b->queue - a->queue) / n * 1e6, w = (b->wire - a->wire) / n * 1e6,
           e = (b->exec - a->exec) / n * 1e6, r = (b->result - a->result) / n * 1e6,
           k = (b->wake - a->wake) / n * 1e6;
    double sub = total_us - (q + w + e + r + k);
    printf("rankpool breakdown_%s items=%.0f total_us=%.3f submit_us=%.3f queue_us=%.3f "
           "wire_us=%.3f exec_us=%.3f result_us=%.3f wake_us=%.3f\n",
           name, n, total_us, sub > 0 ? sub : 0, q, w, e, r, k);
    fflush(stdout);
}

/* --breakdown: apply_async and apply on a pool that times each item. */
static int run_breakdown(rp_runtime *rt, const config *cf) {
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.timing = 1;
    rp_pool *pool;
    int rc = rp_pool_create(rt, &po, &pool);
    if (rc != 0)
        return bench_fail("rp_pool_create", rc);
    rp_pool_stats a, b;
    tally t = {0, 0, 0};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = on_done;
    co.error_callback = on_error;
    co.user = &t;
    rp_pool_get_stats(pool, &a, NULL, 0);
    double c0 = cpu_now(CLOCK_THREAD_CPUTIME_ID), p0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
    double t0 = bench_now();
    for (int64_t i = 0; i < cf->tasks && rc == 0; i++)
        rc = rp_pool_apply_async(pool, "echo", &i, sizeof i, &co, NULL);
    double loop = (bench_now() - t0) / (double)cf->tasks * 1e6;
    /* The pool stays open: wait for the callbacks by the count. */
    while (rc == 0 &&
           __atomic_load_n(&t.n, __ATOMIC_ACQUIRE) + __atomic_load_n(&t.failed, __ATOMIC_ACQUIRE) <
               cf->tasks)
        bench_sleep(1e-4);
    double total = (bench_now() - t0) / (double)cf->tasks * 1e6;
    double caller = cpu_now(CLOCK_THREAD_CPUTIME_ID) - c0;
    double rank0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID) - p0;
    rp_pool_get_stats(pool, &b, NULL, 0);
    if (rc == 0) {
        /* A full pipeline: the stages are mostly queueing; the CPU per item
         * of rank 0's threads says what limits the rate. */
        print_breakdown("apply_async", &a, &b, total);
        printf(
            "rankpool breakdown_apply_async_cpu items=%lld submit_wall_us=%.3f caller_cpu_us=%.3f "
            "manager_cpu_us=%.3f\n",
            cf->tasks, loop, caller / (double)cf->tasks * 1e6,
            (rank0 - caller) / (double)cf->tasks * 1e6);
    }
    a = b;
    t0 = bench_now();
    for (long long i = 0; i < cf->calls && rc == 0; i++) {
        int64_t x = i, y = -1;
        rc = rp_pool_apply(pool, "echo", &x, sizeof x, &y, sizeof y, NULL, NULL);
    }
    total = (bench_now() - t0) / (double)cf->calls * 1e6;
    rp_pool_get_stats(pool, &b, NULL, 0);
    if (rc == 0)
        print_breakdown("apply", &a, &b, total);
    rp_pool_destroy(pool);
    return rc ? bench_fail("breakdown", rc) : 0;
}

static int run(rp_runtime *rt, const config *cf) {
    rp_pool *pool;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        return bench_fail("rp_pool_create", rc);
    printf("rankpool setup ranks=%d workers=%d reps=%lld\n", rp_size(rt), rp_pool_workers(pool),
           cf->reps);
    fflush(stdout);
    double *secs = malloc((size_t)cf->reps * sizeof *secs);
    if (secs == NULL) {
        rp_pool_destroy(pool);
        fprintf(stderr, "bench_pool: out of memory\n");
        return 1;
    }
    /* An untimed warm-up, so connection setup on first contact is not measured. */
    int64_t warm[64], wout[64];
    for (int i = 0; i < 64; i++)
        warm[i] = i;
    double ignored;
    rc = timed_map(pool, "echo", warm, wout, 64, 1, &ignored);
    if (rc == 0 && wanted(cf, "map"))
        rc = bench_map(pool, cf, secs);
    if (rc == 0 && wanted(cf, "apply_async"))
        rc = bench_apply_async(rt, cf, secs);
    if (rc == 0 && wanted(cf, "primes"))
        rc = bench_primes(pool, cf, secs);
    if (rc == 0 && wanted(cf, "latency"))
        rc = bench_latency(pool, cf);
    free(secs);
    rp_pool_destroy(pool);
    return rc;
}

static void breakdown_on(void *p) {
    ((config *)p)->breakdown = 1;
}

static void quick(void *p) {
    config *cf = p;
    cf->tasks = 5000;
    cf->primes = 40;
    cf->calls = 300;
}

static int parse_args(int argc, char **argv, config *cf) {
    *cf = (config){.tasks = 100000, .primes = 400, .calls = 2000, .reps = 3};
    const bench_arg args[] = {
        {.name = "--quick", .preset = quick},
        {.name = "--breakdown", .preset = breakdown_on},
        {.name = "--tasks", .count = &cf->tasks, .max = 100000000},
        /* keeps the bound within 32 bits */
        {.name = "--primes", .count = &cf->primes, .max = 100000},
        {.name = "--calls", .count = &cf->calls, .max = 100000000},
        {.name = "--reps", .count = &cf->reps, .max = 1000},
        {.name = "--only", .text = &cf->only},
    };
    if (bench_parse_args(argc, argv, args, sizeof args / sizeof args[0], cf) != 0 ||
        (cf->only != NULL && !strstr(" map apply_async primes latency ", cf->only))) {
        fprintf(stderr, "usage: bench_pool [--quick] [--breakdown] [--tasks T] [--primes M] "
                        "[--calls C] [--reps R] [--only map|apply_async|primes|latency]\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(echo), RP_TASK(count_primes)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 2;
    rp_runtime *rt;
    int rc = rp_init(&rt, &argc, &argv, &opt);
    if (rc != 0)
        return bench_fail("rp_init", rc);
    int status = 0;
    if (rp_is_manager(rt)) {
        config cf;
        status = parse_args(argc, argv, &cf);
        if (status == 0)
            status = cf.breakdown ? run_breakdown(rt, &cf) : run(rt, &cf);
    }
    rc = rp_finalize(rt);
    if (rc != 0)
        status = bench_fail("rp_finalize", rc);
    return status;
}
