/*
 * Baseline for the benchmarks: the master/worker farm written by hand in
 * plain MPI, as most programs do it.  Rank 0 hands one task at a time to
 * each worker and gives the next one to whichever worker answers first;
 * workers compute and send the result back until a stop message comes.
 *
 *     farm trivial T [REPS]   T tasks that return their input: tasks/s
 *     farm primes M [REPS]    M tasks counting primes below 20000 + 300*i: seconds
 *
 * One line per repetition on stdout, key=value fields, for bench/run.sh:
 *     farm trivial tasks=100000 seconds=0.52 tasks_per_s=192000 rep=1 ...
 * The primes workload must stay identical to bench_pool.c's.
 */
#include <mpi.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "farm"
#include "bench_common.h"
#include "workload.h"

enum { TAG_TASK = 1, TAG_RESULT = 2, TAG_STOP = 3 };

enum { WORK_TRIVIAL, WORK_PRIMES };

static int64_t compute(int work, int64_t x) {
    return work == WORK_TRIVIAL ? x : count_primes_below(primes_bound(x));
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
    if (work < 0 || argc > 4 || bench_parse_count(argv[2], LLONG_MAX, &n) != 0 ||
        (argc == 4 && bench_parse_count(argv[3], LLONG_MAX, &reps) != 0) ||
        (work == WORK_PRIMES && n > 100000) || size < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -np P farm trivial T [REPS] | primes M [REPS]"
                            "  (P >= 2, M <= 100000)\n");
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
    for (long long r = 1; r <= reps; r++) {
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
