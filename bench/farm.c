/*
 * Baseline for the benchmarks: the master/worker farm written by hand in
 * plain MPI, as most programs do it.  Rank 0 hands one task at a time to
 * each worker and gives the next one to whichever worker answers first;
 * workers compute and send the result back until a stop message comes.
 *
 *     farm trivial T [REPS]   T tasks that return their input: tasks/s
 *     farm primes M [REPS]    M tasks counting primes below 20000 + 300*i: seconds
 *     farm pingpong C [REPS]  C sequential 8-byte round trips rank 0 -> rank 1 -> rank 0,
 *                             the raw floor under one task's round trip: median, p99 (us)
 *
 * One line per repetition on stdout, key=value fields, for bench/run.sh:
 *     farm trivial tasks=100000 seconds=0.52 tasks_per_s=192000 rep=1 ...
 * The primes workload must stay identical to bench_pool.c's.
 */
#include <mpi.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "farm"
#include "bench_common.h"
#include "workload.h"

enum { TAG_TASK = 1, TAG_RESULT = 2, TAG_STOP = 3 };

enum { WORK_TRIVIAL, WORK_PRIMES, WORK_PINGPONG };

static int64_t compute(int work, int64_t x) {
    return work == WORK_PRIMES ? count_primes_below(primes_bound(x)) : x;
}

static int check(int rc, const char *what) {
    if (rc != MPI_SUCCESS) {
        char msg[MPI_MAX_ERROR_STRING];
        int len = 0;
        MPI_Error_string(rc, msg, &len);
        fprintf(stderr, "farm: %s: %s\n", what, msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return rc;
}

static void worker(int work) {
    for (;;) {
        int64_t x;
        MPI_Status st;
        check(MPI_Recv(&x, 1, MPI_INT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st), "MPI_Recv");
        if (st.MPI_TAG == TAG_STOP)
            return;
        int64_t y = compute(work, x);
        check(MPI_Send(&y, 1, MPI_INT64_T, 0, TAG_RESULT, MPI_COMM_WORLD), "MPI_Send");
    }
}

/*
 * C sequential round trips of one 8-byte task to worker 1 and its answer,
 * timed on rank 0 as rankpool's apply latency is: the median and the p99 (us)
 * into @p med and @p p99.  Returns 1 if an answer was wrong.
 */
static int pingpong(long long calls, double *lat, double *med, double *p99) {
    int bad = 0;
    for (long long i = 0; i < calls; i++) {
        int64_t x = i, y = -1;
        double t0 = bench_now();
        check(MPI_Send(&x, 1, MPI_INT64_T, 1, TAG_TASK, MPI_COMM_WORLD), "MPI_Send");
        check(MPI_Recv(&y, 1, MPI_INT64_T, 1, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
              "MPI_Recv");
        lat[i] = (bench_now() - t0) * 1e6;
        bad |= y != x;
    }
    *med = bench_summarize(lat, (size_t)calls).median; /* also sorts lat for the p99 */
    size_t k = (size_t)ceil(0.99 * (double)calls);
    *p99 = lat[k > 0 ? k - 1 : 0];
    return bad;
}

/* Run tasks 0..ntasks-1 over the workers; returns the sum of the results. */
static int64_t farm_round(int nworkers, int64_t ntasks) {
    int64_t next = 0, received = 0, sum = 0;
    for (int w = 1; w <= nworkers && next < ntasks; w++, next++)
        check(MPI_Send(&next, 1, MPI_INT64_T, w, TAG_TASK, MPI_COMM_WORLD), "MPI_Send");
    while (received < ntasks) {
        int64_t y;
        MPI_Status st;
        check(MPI_Recv(&y, 1, MPI_INT64_T, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &st),
              "MPI_Recv");
        received++;
        sum += y;
        if (next < ntasks) {
            check(MPI_Send(&next, 1, MPI_INT64_T, st.MPI_SOURCE, TAG_TASK, MPI_COMM_WORLD),
                  "MPI_Send");
            next++;
        }
    }
    return sum;
}

/* The "farm pingpong" lines: per repetition a median and a p99, then their medians. */
static int run_pingpong(long long calls, long long reps) {
    double *lat = malloc((size_t)calls * sizeof *lat);
    double *med = malloc((size_t)reps * sizeof *med), *p99 = malloc((size_t)reps * sizeof *p99);
    int status = lat && med && p99 ? 0 : 1;
    if (status)
        fprintf(stderr, "farm: out of memory for %lld round trips\n", calls);
    for (long long r = 0; r < reps && status == 0; r++)
        if (pingpong(calls, lat, &med[r], &p99[r]) != 0) {
            fprintf(stderr, "farm: pingpong: a wrong answer\n");
            status = 1;
        }
    if (status == 0) {
        bench_stats m = bench_summarize(med, (size_t)reps), p = bench_summarize(p99, (size_t)reps);
        printf("farm pingpong calls=%lld median_us=%.1f min=%.1f max=%.1f\n", calls, m.median,
               m.min, m.max);
        printf("farm pingpong_p99 calls=%lld p99_us=%.1f min=%.1f max=%.1f\n", calls, p.median,
               p.min, p.max);
        fflush(stdout);
    }
    free(lat);
    free(med);
    free(p99);
    return status;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    /* Let check() report a failure instead of the default abort with no context. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Every rank parses the same argv, so workers know the workload without a message. */
    long long n = 0, reps = 3;
    int work = -1;
    if (argc >= 3 && strcmp(argv[1], "trivial") == 0)
        work = WORK_TRIVIAL;
    else if (argc >= 3 && strcmp(argv[1], "primes") == 0)
        work = WORK_PRIMES;
    else if (argc >= 3 && strcmp(argv[1], "pingpong") == 0)
        work = WORK_PINGPONG;
    if (work < 0 || argc > 4 || bench_parse_count(argv[2], LLONG_MAX, &n) != 0 ||
        (argc == 4 && bench_parse_count(argv[3], LLONG_MAX, &reps) != 0) ||
        (work == WORK_PRIMES && n > 100000) || size < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -np P farm trivial T [REPS] | primes M [REPS]"
                            " | pingpong C [REPS]  (P >= 2, M <= 100000)\n");
        MPI_Finalize();
        return 2;
    }
    int nworkers = size - 1;

    if (rank != 0) {
        worker(work);
        MPI_Finalize();
        return 0;
    }

    /* One untimed task per worker, so connection setup is not measured. */
    farm_round(nworkers, nworkers);
    int status = 0;
    if (work == WORK_PINGPONG)
        status = run_pingpong(n, reps);
    for (long long r = 1; r <= reps && work != WORK_PINGPONG; r++) {
        double t0 = bench_now();
        int64_t sum = farm_round(nworkers, (int64_t)n);
        double t = bench_now() - t0;
        if (work == WORK_TRIVIAL) {
            int64_t want = (int64_t)n * ((int64_t)n - 1) / 2;
            if (sum != want) {
                fprintf(stderr, "farm: wrong sum %lld, expected %lld\n", (long long)sum,
                        (long long)want);
                status = 1;
            }
            printf("farm trivial tasks=%lld seconds=%.4f tasks_per_s=%.0f workers=%d rep=%lld\n", n,
                   t, (double)n / t, nworkers, r);
        } else {
            printf("farm primes tasks=%lld seconds=%.4f primes=%lld workers=%d rep=%lld\n", n, t,
                   (long long)sum, nworkers, r);
        }
        fflush(stdout);
    }
    for (int w = 1; w <= nworkers; w++)
        check(MPI_Send(NULL, 0, MPI_INT64_T, w, TAG_STOP, MPI_COMM_WORLD), "MPI_Send");
    MPI_Finalize();
    return status;
}
