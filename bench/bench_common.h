/*
 * What the benchmark programs share: the clock, the median/min/max of a
 * series, command-line counts, and the raw MPI round trip that bench_dict and
 * bench_sync measure before rankpool starts.  Every function is static
 * inline, so each program takes only what it calls.
 *
 * Define BENCH_NAME (the program's name, for its messages) before including
 * this file.  The helpers that call rankpool are declared only when
 * <rankpool.h> comes first; the plain-MPI farm does without them.
 */
#ifndef RP_BENCH_COMMON_H
#define RP_BENCH_COMMON_H

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench_common.h"
#endif

#include <mpi.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Time                                                                      */
/* ------------------------------------------------------------------------ */

/* CLOCK_MONOTONIC in seconds: comparable between the ranks of one host. */
static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* User + system CPU seconds of this process, all its threads. */
static inline double bench_cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Sleeps @p s seconds, through signals. */
static inline void bench_sleep(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ------------------------------------------------------------------------ */
/* Median, min, max                                                          */
/* ------------------------------------------------------------------------ */

typedef struct bench_stats {
    double median, min, max;
} bench_stats;

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of @p v[0..n-1], n >= 1; sorts @p v in place. */
static inline bench_stats bench_summarize(double *v, size_t n) {
    qsort(v, n, sizeof *v, bench_cmp_double);
    double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return (bench_stats){med, v[0], v[n - 1]};
}

/* ------------------------------------------------------------------------ */
/* Command line                                                              */
/* ------------------------------------------------------------------------ */

/* A count 1..max in @p s (NULL: missing) to @p out; -1 if it is not one. */
static inline int bench_parse_count(const char *s, long long max, long long *out) {
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (s == NULL || errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Seconds in (0, max] in @p s (NULL: missing) to @p out; -1 if not. */
static inline int bench_parse_seconds(const char *s, double max, double *out) {
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (s == NULL || errno != 0 || end == s || *end != '\0' || !(v > 0) || v > max)
        return -1;
    *out = v;
    return 0;
}

/*
 * One option of a program.  Exactly one of the pointers is set: @c count
 * takes "--name N" with 1 <= N <= max, @c seconds "--name S" with
 * 0 < S <= max, @c text "--name TEXT", @c flag "--name" alone (sets 1), and
 * @c preset "--name" alone (calls it on the caller's config, so that later
 * options still override what it set, e.g. --quick).
 */
typedef struct bench_arg {
    const char *name;
    long long *count;
    double *seconds;
    const char **text;
    int *flag;
    void (*preset)(void *cf);
    long long max;
} bench_arg;

/* Applies argv[1..] to the options in @p args; 1 on anything unknown or malformed. */
static inline int bench_parse_args(int argc, char **argv, const bench_arg *args, size_t nargs,
                                   void *cf) {
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        const bench_arg *a = NULL;
        for (size_t k = 0; k < nargs && a == NULL; k++)
            if (strcmp(argv[i], args[k].name) == 0)
                a = &args[k];
        if (a == NULL)
            return 1;
        if (a->flag) {
            *a->flag = 1;
            continue;
        }
        if (a->preset) {
            a->preset(cf);
            continue;
        }
        int bad = 0;
        if (a->count)
            bad = bench_parse_count(v, a->max, a->count);
        else if (a->seconds)
            bad = bench_parse_seconds(v, (double)a->max, a->seconds);
        else if (a->text && v)
            *a->text = v;
        else
            bad = 1;
        if (bad)
            return 1;
        i++;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* MPI                                                                       */
/* ------------------------------------------------------------------------ */

static inline const char *bench_thread_level_name(int level) {
    switch (level) {
    case MPI_THREAD_SINGLE:
        return "single";
    case MPI_THREAD_FUNNELED:
        return "funneled";
    case MPI_THREAD_SERIALIZED:
        return "serialized";
    default:
        return "multiple";
    }
}

/* A barrier on @p comm that sleeps between tests, leaving the cores to the
 * ranks still at work, as idle rankpool workers do. */
static inline void bench_sleeping_barrier(MPI_Comm comm) {
    MPI_Request bar;
    MPI_Ibarrier(comm, &bar);
    for (int done = 0; !done;) {
        MPI_Test(&bar, &done, MPI_STATUS_IGNORE);
        if (!done)
            bench_sleep(1e-3);
    }
}

/* Message sizes after lib/src/wire/wire.h: a 48-byte header, then fields of 16
 * bytes (type, value or length), byte strings followed by their bytes, a NUL
 * and zeros up to a multiple of 8. */
enum { BENCH_WIRE_HDR = 48, BENCH_WIRE_FIELD = 16 };

static inline size_t bench_wire_bytes_field(size_t len) {
    return BENCH_WIRE_FIELD + (len + 1 + 7) / 8 * 8;
}

enum { BENCH_RAW_MAX = 4 }; /* message sizes one raw round measures */

/* One raw round: median and mean round trip (us) of each size, as rank 1 timed them. */
typedef struct bench_raw {
    double median_us[BENCH_RAW_MAX], mean_us[BENCH_RAW_MAX];
} bench_raw;

/*
 * One round of raw round trips on MPI_COMM_WORLD, collective: for each of
 * the @p n sizes, rank 1 sends req[p] bytes to rank 0 and waits for rep[p]
 * bytes back, @p trips times after a warm-up, with blocking MPI_Send and
 * MPI_Recv.  The other ranks wait in a sleeping barrier.  Rank 0 gets rank
 * 1's figures in @p out; n <= BENCH_RAW_MAX.
 */
static inline void bench_raw_round(int rank, size_t trips, int n, const size_t *req,
                                   const size_t *rep, bench_raw *out) {
    size_t cap = 0;
    for (int p = 0; p < n; p++)
        cap = req[p] > cap ? req[p] : cap;
    if (rank <= 1) {
        size_t warm = trips / 10 + 10;
        char *buf = calloc(cap, 1);
        double *lat = malloc(trips * sizeof *lat);
        if (buf == NULL || lat == NULL) {
            fprintf(stderr, BENCH_NAME ": out of memory for the raw round trips\n");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        bench_raw rr;
        memset(&rr, 0, sizeof rr);
        for (int p = 0; p < n; p++) {
            for (size_t i = 0; i < warm + trips; i++) {
                if (rank == 0) {
                    MPI_Recv(buf, (int)req[p], MPI_BYTE, 1, p, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    MPI_Send(buf, (int)rep[p], MPI_BYTE, 1, p, MPI_COMM_WORLD);
                    continue;
                }
                double t0 = bench_now();
                MPI_Send(buf, (int)req[p], MPI_BYTE, 0, p, MPI_COMM_WORLD);
                MPI_Recv(buf, (int)rep[p], MPI_BYTE, 0, p, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (i >= warm)
                    lat[i - warm] = (bench_now() - t0) * 1e6;
            }
            if (rank == 1) {
                double sum = 0;
                for (size_t i = 0; i < trips; i++)
                    sum += lat[i];
                rr.mean_us[p] = sum / (double)trips;
                rr.median_us[p] = bench_summarize(lat, trips).median;
            }
        }
        if (rank == 1)
            MPI_Send(&rr, (int)sizeof rr, MPI_BYTE, 0, n, MPI_COMM_WORLD);
        else
            MPI_Recv(out, (int)sizeof *out, MPI_BYTE, 1, n, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        free(buf);
        free(lat);
    }
    bench_sleeping_barrier(MPI_COMM_WORLD);
}

/* The "mpi raw_..." lines: per size, the median over @p reps rounds of each
 * round's median trip, their min and max, and the median of the means. */
static inline void bench_raw_report(const bench_raw *raw, size_t reps, int n,
                                    const char *const *names, const size_t *req, const size_t *rep,
                                    long long trips) {
    double *v = malloc(reps * sizeof *v), *w = malloc(reps * sizeof *w);
    if (v == NULL || w == NULL) {
        free(v);
        free(w);
        fprintf(stderr, BENCH_NAME ": out of memory\n");
        return;
    }
    for (int p = 0; p < n; p++) {
        for (size_t r = 0; r < reps; r++) {
            v[r] = raw[r].median_us[p];
            w[r] = raw[r].mean_us[p];
        }
        bench_stats s = bench_summarize(v, reps), m = bench_summarize(w, reps);
        printf("mpi %s req_bytes=%zu rep_bytes=%zu trips=%lld median_us=%.2f min=%.2f max=%.2f "
               "mean_us=%.2f\n",
               names[p], req[p], rep[p], trips, s.median, s.min, s.max, m.median);
    }
    free(v);
    free(w);
}

/*
 * MPI_Init_thread for a program that starts MPI itself and then rankpool:
 * MPI_THREAD_MULTIPLE if the library has it (as a program that uses MPI
 * itself would), or MPI_THREAD_SERIALIZED only if @p serialized; rankpool
 * needs SERIALIZED at least (rank 0 runs its manager thread).  On bad
 * arguments (@p usage is printed), fewer than @p min_ranks ranks or too low
 * a thread level, rank 0 says so, MPI is finalized and 1 returned.
 */
static inline int bench_mpi_init(int *argc, char ***argv, int bad_args, int serialized,
                                 int min_ranks, const char *usage, int *rank, int *level) {
    int size = 0;
    *level = MPI_THREAD_SINGLE;
    *rank = 0;
    MPI_Init_thread(argc, argv, serialized ? MPI_THREAD_SERIALIZED : MPI_THREAD_MULTIPLE, level);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (!bad_args && size >= min_ranks && *level >= MPI_THREAD_SERIALIZED)
        return 0;
    if (*rank == 0) {
        if (bad_args)
            fprintf(stderr, "%s", usage);
        else if (size < min_ranks)
            fprintf(stderr, BENCH_NAME ": needs at least %d ranks (mpirun -np 3 ...)\n", min_ranks);
        else
            fprintf(stderr, BENCH_NAME ": MPI gives thread level %s, rankpool needs serialized\n",
                    bench_thread_level_name(*level));
    }
    MPI_Finalize();
    return 1;
}

/* ------------------------------------------------------------------------ */
/* rankpool                                                                  */
/* ------------------------------------------------------------------------ */

#ifdef RANKPOOL_H

/* Reports a failed rankpool call on stderr; returns 1, the exit status. */
static inline int bench_fail(const char *what, int rc) {
    fprintf(stderr, BENCH_NAME ": %s: %s: %s\n", what, rp_err_name(rc), rp_last_error());
    return 1;
}

/*
 * Repetitions 0..reps-1, collective over MPI_COMM_WORLD (MPI already up):
 * each calls @p before on every rank (e.g. a raw round while rankpool is
 * down: its manager thread would compete for MPI), then starts a runtime
 * with @p opt, runs @p body on rank 0 and ends the runtime, so that the
 * figures of one repetition come from one phase of a shared machine.  Every
 * rank stops after the first repetition that failed anywhere; returns the
 * largest status.
 */
static inline int bench_repeat(size_t reps, const rp_options *opt,
                               void (*before)(size_t r, void *user),
                               int (*body)(rp_runtime *rt, size_t r, void *user), void *user) {
    int status = 0;
    for (size_t r = 0; r < reps && status == 0; r++) {
        before(r, user);
        rp_runtime *rt;
        int rc = rp_init_comm(&rt, MPI_COMM_WORLD, opt);
        if (rc != 0) {
            bench_fail("rp_init_comm", rc);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        if (rp_is_manager(rt))
            status = body(rt, r, user);
        rc = rp_finalize(rt);
        if (rc != 0)
            status = bench_fail("rp_finalize", rc);
        MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    }
    return status;
}

#endif /* RANKPOOL_H */

#endif
