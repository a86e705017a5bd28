/*
 * A communicator that fails under rankpool: PMPI wrappers make rank 0's
 * MPI_Isend of TASK messages fail ("send"), or its MPI_Improbe fail while
 * chunks are out ("probe").  Every call must then end with RP_EMPI, waits
 * and joins must return, a callback may destroy its pool, new work is
 * refused, and rp_finalize must end the job (no hang).
 *
 *   mpiexec -n 2 test_fatal send|probe
 */
#include <rankpool.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../lib/src/wire/wire.h" /* the TASK tag */

static volatile int fail_tasks, fail_probe;

int MPI_Improbe(int src, int tag, MPI_Comm comm, int *flag, MPI_Message *m, MPI_Status *st) {
    if (fail_probe)
        return MPI_ERR_OTHER;
    return PMPI_Improbe(src, tag, comm, flag, m, st);
}

int MPI_Isend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm,
              MPI_Request *req) {
    if (fail_tasks && tag == RP__MSG_TASK)
        return MPI_ERR_OTHER;
    return PMPI_Isend(buf, count, dt, dest, tag, comm, req);
}

static int slow_square(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    int64_t x = *(const int64_t *)arg, y = x * x;
    return rp_return(ctx, &y, sizeof y);
}

static int passed, failed;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #cond,           \
                    rp_last_error());                                                              \
        }                                                                                          \
    } while (0)

typedef struct {
    rp_pool *pool;
    int errors;
} cb_state;

/* Destroying its own pool from a callback must return at once. */
static void on_error_destroy(rp_result *res, void *user) {
    (void)res;
    cb_state *s = user;
    s->errors++;
    rp_pool_destroy(s->pool);
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)user;
    int probe = argc > 1 && strcmp(argv[1], "probe") == 0;
    rp_pool *pool = NULL;
    CHECK(rp_pool_create(rt, NULL, &pool) == 0);
    int64_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8];
    cb_state s = {pool, 0};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.error_callback = on_error_destroy;
    co.user = &s;
    co.chunksize = 1;
    rp_result *r = NULL;
    if (!probe) {
        fail_tasks = 1;
        CHECK(rp_pool_map(pool, "slow_square", in, 8, 8, out, 8, NULL) == RP_EMPI);
        CHECK(rp_pool_map_async(pool, "slow_square", in, 8, 8, out, 8, &co, &r) == RP_EMPI);
        CHECK(r == NULL);
    } else {
        CHECK(rp_pool_map_async(pool, "slow_square", in, 8, 8, out, 8, &co, &r) == 0);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL); /* chunks are out, none answered yet */
        fail_probe = 1;
        CHECK(rp_result_wait(r, 10.0) == 0); /* completes: its items failed */
        CHECK(rp_result_get(r, 0, NULL, NULL) == RP_EMPI);
        CHECK(rp_result_item(r, 7, NULL, NULL) == RP_EMPI);
        CHECK(s.errors == 1);
        rp_result_free(r);
        int64_t x = 2;
        CHECK(rp_pool_apply_async(pool, "slow_square", &x, 8, NULL, NULL) == RP_EMPI);
    }
    /* The pool (terminated by the callback in "probe") still joins. */
    rp_pool_close(pool);
    CHECK(rp_pool_join(pool, 10.0) == 0);
    if (!probe)
        rp_pool_destroy(pool);
    return 0;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(slow_square)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    rp_runtime *rt;
    if (rp_init(&rt, &argc, &argv, &opt) != 0)
        return 1;
    int manager = rp_is_manager(rt);
    if (manager)
        body(rt, argc, argv, NULL);
    /* Ends the job; reports the failure on rank 0. */
    int rc = rp_finalize(rt);
    if (manager) {
        CHECK(rc == RP_EMPI);
        printf("fatal: %d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
    return rc == 0 ? 0 : 1;
}
