/*
 * The OpenMP baseline of the CPU-bound uneven map: the same prime counts as
 * bench_pool and farm (workload.h), serially and then with
 * `#pragma omp parallel for schedule(dynamic)` (one index at a time, as
 * rankpool's map with chunksize 1), alternately in each repetition, so the
 * speedup is a ratio within one run.
 *
 * Usage: omp_primes M THREADS [REPS]      (M <= 100000 tasks)
 * Prints, with the median over the repetitions and their min and max:
 *     omp primes_serial tasks=M median_s=... min=... max=...
 *     omp primes_parallel tasks=M threads=T median_s=... min=... max=...
 *     omp primes_speedup tasks=M threads=T speedup=... min=... max=...
 */
#include <mpi.h>
#include <omp.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BENCH_NAME "omp_primes"
#include "bench_common.h"
#include "workload.h"

static void report(const char *name, const char *field, long long n, int threads, double *v,
                   size_t reps) {
    bench_stats s = bench_summarize(v, reps);
    printf("omp %s tasks=%lld threads=%d %s=%.4f min=%.4f max=%.4f\n", name, n, threads, field,
           s.median, s.min, s.max);
}

int main(int argc, char **argv) {
    long long n = 0, threads = 0, reps = 3;
    if (argc < 3 || argc > 4 || bench_parse_count(argv[1], 100000, &n) != 0 ||
        bench_parse_count(argv[2], 1024, &threads) != 0 ||
        (argc == 4 && bench_parse_count(argv[3], 1000, &reps) != 0)) {
        fprintf(stderr, "usage: omp_primes M THREADS [REPS]  (M <= 100000)\n");
        return 2;
    }
    double *ser = malloc((size_t)reps * sizeof *ser), *par = malloc((size_t)reps * sizeof *par);
    double *ratio = malloc((size_t)reps * sizeof *ratio);
    if (ser == NULL || par == NULL || ratio == NULL) {
        fprintf(stderr, "omp_primes: out of memory\n");
        return 1;
    }
    omp_set_num_threads((int)threads);
    int status = 0;
    for (long long r = 0; r < reps; r++) {
        double t0 = bench_now();
        int64_t serial = 0;
        for (long long i = 0; i < n; i++)
            serial += count_primes_below(primes_bound(i));
        ser[r] = bench_now() - t0;

        t0 = bench_now();
        int64_t total = 0;
#pragma omp parallel for schedule(dynamic) reduction(+ : total)
        for (long long i = 0; i < n; i++)
            total += count_primes_below(primes_bound(i));
        par[r] = bench_now() - t0;
        ratio[r] = ser[r] / par[r];
        if (total != serial) {
            fprintf(stderr, "omp_primes: parallel counted %lld primes, serial %lld\n",
                    (long long)total, (long long)serial);
            status = 1;
        }
    }
    report("primes_serial", "median_s", n, 1, ser, (size_t)reps);
    report("primes_parallel", "median_s", n, (int)threads, par, (size_t)reps);
    report("primes_speedup", "speedup", n, (int)threads, ratio, (size_t)reps);
    free(ser);
    free(par);
    free(ratio);
    return status;
}
