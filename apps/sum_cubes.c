/*
 * The seed's CPU-bound job, serially and then split over the pool:
 *
 *     def job(q):
 *         res = 0
 *         for i in range(N): res += i + i**2 + i**3
 *
 * The sum exceeds 64 bits, so it is kept in an unsigned __int128 and printed
 * in decimal.  The range [0, N) is cut into many pieces so that rp_pool_map
 * can balance them over the workers; both runs use the same sum_range().
 * Before timing, two values from the Python seed are checked through the pool.
 *
 * Run: mpirun -np 3 build/apps/sum_cubes [N]        (N <= 2^32)
 */
#include <rankpool.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef unsigned __int128 u128;

/* About 1.5 s on one core of a current x86-64 machine at -O2. */
#define DEFAULT_N UINT64_C(1500000000)
/* i*i must fit 64 bits in sum_range(); the total then fits 128 bits. */
#define MAX_N (UINT64_C(1) << 32)

typedef struct range {
    uint64_t lo, hi;
} range;

static u128 sum_range(uint64_t lo, uint64_t hi) {
    u128 s = 0;
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t sq = i * i; /* exact: i < 2^32 */
        s += (u128)i + sq + (u128)sq * i;
    }
    return s;
}

static int partial_sum(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(range))
        return rp_fail(ctx, 1, "expected a range of %zu bytes, got %zu", sizeof(range), size);
    const range *r = arg;
    if (r->lo > r->hi || r->hi > MAX_N)
        return rp_fail(ctx, 2, "bad range [%" PRIu64 ", %" PRIu64 ")", r->lo, r->hi);
    u128 s = sum_range(r->lo, r->hi);
    return rp_return(ctx, &s, sizeof s);
}

/* Decimal digits of @p v into @p buf (at least 40 bytes: 2^128 has 39 digits). */
static const char *u128_str(u128 v, char *buf, size_t cap) {
    char *p = buf + cap;
    *--p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    return p;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sum over [0, n) through the pool, cut into k equal ranges. */
static int pool_sum(rp_pool *pool, uint64_t n, size_t k, u128 *out) {
    range *in = malloc(k * sizeof *in);
    u128 *part = malloc(k * sizeof *part);
    if (in == NULL || part == NULL) {
        free(in);
        free(part);
        fprintf(stderr, "out of memory for %zu ranges\n", k);
        return RP_ENOMEM;
    }
    for (size_t j = 0; j < k; j++) {
        in[j].lo = (uint64_t)((u128)n * j / k);
        in[j].hi = (uint64_t)((u128)n * (j + 1) / k);
    }
    /* The items are long, so one per message costs nothing and balances best. */
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    int rc = rp_pool_map(pool, "partial_sum", in, k, sizeof *in, part, sizeof *part, &co);
    if (rc != 0) {
        fprintf(stderr, "rp_pool_map: %s: %s\n", rp_err_name(rc), rp_last_error());
    } else {
        u128 s = 0;
        for (size_t j = 0; j < k; j++)
            s += part[j];
        *out = s;
    }
    free(in);
    free(part);
    return rc;
}

/* Check one value the Python seed printed, computed through the pool. */
static int seed_check(rp_pool *pool, const char *what, uint64_t n, unsigned runs,
                      const char *want) {
    u128 s;
    if (pool_sum(pool, n, 8, &s) != 0)
        return 1;
    char buf[48];
    const char *got = u128_str(s * runs, buf, sizeof buf);
    int ok = strcmp(got, want) == 0;
    printf("seed check %-28s %s (Python: %s) %s\n", what, got, want, ok ? "OK" : "WRONG");
    return ok ? 0 : 1;
}

static int run(rp_runtime *rt, uint64_t n) {
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0) {
        fprintf(stderr, "rp_pool_create: %s: %s\n", rp_err_name(rc), rp_last_error());
        return 1;
    }
    int workers = rp_pool_workers(pool);
    int bad = seed_check(pool, "sum for range(1000):", 1000, 1, "249833583000");
    bad |= seed_check(pool, "2 jobs of range(1000000):", 1000000, 2, "499999666667166666000000");
    if (bad) {
        rp_pool_destroy(pool);
        return 1;
    }

    double t0 = now();
    u128 serial = sum_range(0, n);
    double t_serial = now() - t0;

    size_t k = 16 * (size_t)workers < 64 ? 64 : 16 * (size_t)workers;
    if (k > n)
        k = n > 0 ? (size_t)n : 1;
    u128 parallel = 0;
    t0 = now();
    rc = pool_sum(pool, n, k, &parallel);
    double t_parallel = now() - t0;
    rp_pool_destroy(pool);
    if (rc != 0)
        return 1;

    char b1[48], b2[48];
    printf("N = %" PRIu64 ", sum of i + i^2 + i^3 over [0, N)\n", n);
    printf("serial   (rank 0)                 : %s  %.3f s\n", u128_str(serial, b1, sizeof b1),
           t_serial);
    printf("parallel (%d workers, %zu ranges) : %s  %.3f s\n", workers, k,
           u128_str(parallel, b2, sizeof b2), t_parallel);
    printf("speedup %.2f with %d workers\n", t_parallel > 0 ? t_serial / t_parallel : 0.0, workers);
    if (serial != parallel) {
        printf("MISMATCH\n");
        return 1;
    }
    printf("OK\n");
    return 0;
}

/* Parse argv[1] as N; 0 and values above MAX_N are refused. */
static int parse_n(int argc, char **argv, uint64_t *n) {
    *n = DEFAULT_N;
    if (argc < 2)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(argv[1], &end, 10);
    if (errno != 0 || end == argv[1] || *end != '\0' || argv[1][0] == '-' || v == 0 || v > MAX_N) {
        fprintf(stderr, "usage: sum_cubes [N]  (1 <= N <= %" PRIu64 ")\n", MAX_N);
        return 1;
    }
    *n = v;
    return 0;
}

/* Rank 0's program: the argument, then the comparison. */
static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)user;
    uint64_t n;
    int status = parse_n(argc, argv, &n);
    return status ? status : run(rt, n);
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(partial_sum)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, NULL); /* body() on rank 0, workers serve */
}
