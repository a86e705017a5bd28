/*
 * A long map for the host-loss test (tests/cluster_hostloss.sh): every rank
 * says which host it is on, then rank 0 maps ITEMS naps of MS milliseconds
 * (chunksize 1) over all workers and reports how the map ended.  The driver
 * kills every process of one host while the map runs.
 *
 *   test_hostloss [ITEMS [MS]]         (default 600 items of 100 ms)
 *
 * Output (rank 0): "map started", then "map done: ..." with the outcome and
 * the first failed item's code and message.  Exit status 0 if every item
 * succeeded, 2 if the map ended with failed items, 1 on a setup error.
 */
#include <rankpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int nap(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int))
        return rp_fail(ctx, 1, "nap wants an int, got %zu bytes", size);
    int ms = *(const int *)arg;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    int rank = rp_task_rank(ctx);
    return rp_return(ctx, &rank, sizeof rank);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run(rp_runtime *rt, int items, int ms) {
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0) {
        fprintf(stderr, "rp_pool_create: %s: %s\n", rp_err_name(rc), rp_last_error());
        return 1;
    }
    int *in = malloc((size_t)items * sizeof *in), *out = calloc((size_t)items, sizeof *out);
    if (in == NULL || out == NULL) {
        free(in);
        free(out);
        rp_pool_destroy(pool);
        return 1;
    }
    for (int i = 0; i < items; i++)
        in[i] = ms;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rp_result *res = NULL;
    double t0 = now();
    rc = rp_pool_map_async(pool, "nap", in, (size_t)items, sizeof *in, out, sizeof *out, &co, &res);
    if (rc != 0) {
        fprintf(stderr, "rp_pool_map_async: %s: %s\n", rp_err_name(rc), rp_last_error());
        free(in);
        free(out);
        rp_pool_destroy(pool);
        return 1;
    }
    printf("map started: %d items of %d ms on %d workers\n", items, ms, rp_pool_workers(pool));
    fflush(stdout);

    /* A progress line every 5 s shows whether the survivors still work. */
    size_t ok = 0;
    while (rp_result_wait(res, 5.0) == RP_ETIMEDOUT) {
        ok = 0;
        for (int i = 0; i < items; i++)
            ok += rp_result_item(res, (size_t)i, NULL, NULL) == 0;
        printf("after %.0f s: %zu of %d items done\n", now() - t0, ok, items);
        fflush(stdout);
    }
    rc = rp_result_get(res, 0, NULL, NULL);
    ok = 0;
    for (int i = 0; i < items; i++)
        ok += rp_result_item(res, (size_t)i, NULL, NULL) == 0;
    printf("map done: %s after %.1f s, %zu of %d items succeeded\n",
           rc == 0 ? "OK" : rp_err_name(rc), now() - t0, ok, items);
    rp_task_error err;
    if (rp_result_error(res, &err) == 0)
        printf("first failed item %zu: %s: %s\n", err.index, rp_err_name(err.code),
               err.message ? err.message : "");
    fflush(stdout);
    rp_result_free(res);
    rp_pool_destroy(pool);
    free(in);
    free(out);
    return rc == 0 ? 0 : 2;
}

int main(int argc, char **argv) {
    int provided, rank;
    char host[MPI_MAX_PROCESSOR_NAME];
    int len;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Get_processor_name(host, &len);
    printf("rank %d on %s\n", rank, host);
    fflush(stdout);

    int items = argc > 1 ? atoi(argv[1]) : 600, ms = argc > 2 ? atoi(argv[2]) : 100;
    if (items <= 0 || ms < 0) {
        fprintf(stderr, "usage: test_hostloss [ITEMS [MS]]\n");
        MPI_Finalize();
        return 1;
    }
    static const rp_task_def tasks[] = {RP_TASK(nap)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    rp_runtime *rt = NULL;
    int rc = rp_init_comm(&rt, MPI_COMM_WORLD, &opt);
    if (rc != 0) {
        fprintf(stderr, "rank %d: rp_init_comm: %s: %s\n", rank, rp_err_name(rc), rp_last_error());
        MPI_Finalize();
        return 1;
    }
    int status = rp_is_manager(rt) ? run(rt, items, ms) : 0;
    rc = rp_finalize(rt);
    if (rc == RP_ELOST)
        return status; /* ranks were lost (mpirun --enable-recovery): no MPI_Finalize */
    if (rc != 0)
        fprintf(stderr, "rank %d: rp_finalize: %s: %s\n", rank, rp_err_name(rc), rp_last_error());
    MPI_Finalize();
    return status != 0 ? status : rc != 0;
}
