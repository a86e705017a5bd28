/*
 * Runtime tests in a program that runs MPI itself, as an HPC code does:
 * it initializes MPI, hands rankpool communicators (all ranks, then two
 * halves at once), checks that every rank agrees on failures (task table
 * mismatch, bad options), and keeps using MPI after rankpool is gone.
 *
 *   test_runtime           MPI_THREAD_MULTIPLE, all cases
 *   test_runtime single    MPI_THREAD_SINGLE: init must fail with RP_ETHREAD
 *                          on every rank when there is more than one rank
 *
 * Every rank checks; the failure counts are combined at the end so all ranks
 * exit with the same verdict.
 */
#include <rankpool.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures, checks;
static int world_rank, world_size;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s (last error: %s)\n", world_rank,     \
                    __FILE__, __LINE__, #cond, rp_last_error());                                   \
        }                                                                                          \
    } while (0)

static int add_one(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int64_t v = *(const int64_t *)arg + 1;
    return rp_return(ctx, &v, sizeof v);
}

static int whoami(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    int r = rp_task_rank(ctx);
    return rp_return(ctx, &r, sizeof r);
}

static int other(rp_task_ctx *ctx, const void *arg, size_t size) {
    return add_one(ctx, arg, size);
}

static const rp_task_def table[] = {RP_TASK(add_one), RP_TASK(whoami)};
static const rp_task_def table_b[] = {RP_TASK(add_one), RP_TASK(other)};

static rp_options options(const rp_task_def *t, size_t n) {
    rp_options o = RP_OPTIONS_INIT;
    o.tasks = t;
    o.ntasks = n;
    return o;
}

/* Run a small map on the runtime's manager and check it. */
static void use_pool(rp_runtime *rt) {
    if (!rp_is_manager(rt))
        return;
    rp_pool *pool = NULL;
    CHECK(rp_pool_create(rt, NULL, &pool) == 0);
    int64_t in[64], out[64];
    for (int i = 0; i < 64; i++)
        in[i] = i * 10;
    CHECK(rp_pool_map(pool, "add_one", in, 64, 8, out, 8, NULL) == 0);
    for (int i = 0; i < 64; i++)
        CHECK(out[i] == in[i] + 1);
    rp_pool_destroy(pool);
}

static void test_whole_world(void) {
    rp_runtime *rt = NULL;
    rp_options o = options(table, 2);
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == 0);
    CHECK(rp_size(rt) == world_size);
    CHECK(rp_rank(rt) == world_rank);
    /* Nothing lost, nothing interrupted (tests/test_recovery.c has both). */
    CHECK(rp_workers_lost(rt) == 0);
    CHECK(rp_interrupted(rt) == 0);
    use_pool(rt);
    if (!rp_is_manager(rt))
        CHECK(rp_serve(rt) == 0);
    CHECK(rp_finalize(rt) == 0);
    /* MPI is still ours to use. */
    int sum = 0;
    CHECK(MPI_Allreduce(&world_rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS);
    CHECK(sum == world_size * (world_size - 1) / 2);
}

static void test_two_halves(void) {
    /* Two runtimes at once on disjoint communicators, each with its own manager. */
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, world_rank % 2, world_rank, &half);
    int hsize;
    MPI_Comm_size(half, &hsize);
    rp_runtime *rt = NULL;
    rp_options o = options(table, 2);
    CHECK(rp_init_comm(&rt, half, &o) == 0);
    CHECK(rp_size(rt) == hsize);
    CHECK(rp_is_manager(rt) == (world_rank < 2));
    if (rp_is_manager(rt)) {
        rp_pool *pool = NULL;
        CHECK(rp_pool_create(rt, NULL, &pool) == 0);
        int who[16];
        int dummy[16] = {0};
        rp_call_options co = RP_CALL_OPTIONS_INIT;
        co.chunksize = 1;
        CHECK(rp_pool_map(pool, "whoami", dummy, 16, sizeof(int), who, sizeof(int), &co) == 0);
        for (int i = 0; i < 16; i++)
            CHECK(hsize == 1 ? who[i] == 0 : (who[i] >= 1 && who[i] < hsize));
        rp_pool_destroy(pool);
    }
    CHECK(rp_finalize(rt) == 0);
    MPI_Comm_free(&half);
}

static void test_table_mismatch(void) {
    rp_runtime *rt = NULL;
    /* Odd ranks register a different table: everyone must refuse. */
    rp_options o = world_rank % 2 ? options(table_b, 2) : options(table, 2);
    int rc = rp_init_comm(&rt, MPI_COMM_WORLD, &o);
    if (world_size > 1) {
        CHECK(rc == RP_EMISMATCH);
        CHECK(rt == NULL);
    } else {
        CHECK(rc == 0); /* one rank always agrees with itself */
        CHECK(rp_finalize(rt) == 0);
    }
    /* Same names in another order is a different table too. */
    rp_task_def swapped[] = {RP_TASK(whoami), RP_TASK(add_one)};
    o = world_rank == world_size - 1 ? options(swapped, 2) : options(table, 2);
    rt = NULL;
    rc = rp_init_comm(&rt, MPI_COMM_WORLD, &o);
    CHECK(world_size > 1 ? rc == RP_EMISMATCH : rc == 0);
    if (rc == 0)
        CHECK(rp_finalize(rt) == 0);
}

static void test_bad_options(void) {
    rp_runtime *rt = NULL;
    /* One rank with a bad option: all ranks fail, none hangs. */
    rp_options o = options(table, 2);
    if (world_rank == world_size - 1)
        o.prefetch = 0;
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    CHECK(rt == NULL);
    rp_task_def dup[] = {RP_TASK(add_one), {"add_one", whoami}};
    o = options(dup, 2);
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    CHECK(strstr(rp_last_error(), "add_one") != NULL);
    rp_task_def noname[] = {{"", add_one}};
    o = options(noname, 1);
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    o = options(NULL, 3);
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    o = options(table, 2);
    o.idle_sleep_max = 0;
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    o = options(table, 2);
    o.lost_retries = world_rank == 0 ? -1 : 101;
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    CHECK(strstr(rp_last_error(), "lost_retries") != NULL || world_size > 1);
    CHECK(rp_init_comm(NULL, MPI_COMM_WORLD, &o) == RP_EINVAL);
    CHECK(rp_init(NULL, NULL, NULL, NULL) == RP_EINVAL);
    CHECK(rp_finalize(NULL) == 0);
    /* Communicators MPI itself would abort on: refused before MPI sees them
     * (MPI_Comm_dup of MPI_COMM_NULL ended the job).  A bad timeout option
     * fails on every rank like any bad option. */
    o = options(table, 2);
    CHECK(rp_init_comm(&rt, MPI_COMM_NULL, &o) == RP_EINVAL);
    CHECK(strstr(rp_last_error(), "MPI_COMM_NULL") != NULL);
    CHECK(rt == NULL);
    if (world_size >= 2) {
        /* Even ranks and odd ranks, joined by an intercommunicator. */
        MPI_Comm half, inter;
        MPI_Comm_split(MPI_COMM_WORLD, world_rank % 2, world_rank, &half);
        MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, world_rank % 2 ? 0 : 1, 7, &inter);
        CHECK(rp_init_comm(&rt, inter, &o) == RP_EINVAL);
        CHECK(strstr(rp_last_error(), "intercommunicator") != NULL);
        MPI_Comm_free(&inter);
        MPI_Comm_free(&half);
    }
    o.shutdown_timeout = 0.0 / 0.0;
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    o.shutdown_timeout = -2;
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == RP_EINVAL);
    CHECK(rt == NULL);
}

static void own_handler(int sig) {
    (void)sig;
}

static void (*sigterm_handler(void))(int) {
    struct sigaction now;
    sigaction(SIGTERM, NULL, &now);
    return now.sa_handler;
}

static void test_signal_handlers(void) {
    /* The program's own SIGTERM handler: left alone with handle_signals 0;
     * replaced while a runtime lives, then given back. */
    struct sigaction mine;
    memset(&mine, 0, sizeof mine);
    mine.sa_handler = own_handler;
    sigemptyset(&mine.sa_mask);
    sigaction(SIGTERM, &mine, NULL);
    rp_runtime *rt = NULL;
    rp_options o = options(table, 2);
    o.handle_signals = 0;
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == 0);
    CHECK(sigterm_handler() == own_handler);
    CHECK(rp_finalize(rt) == 0);
    o.handle_signals = 1;
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == 0);
    CHECK(sigterm_handler() != own_handler && sigterm_handler() != SIG_DFL);
    CHECK(rp_interrupted(rt) == 0);
    CHECK(rp_finalize(rt) == 0);
    CHECK(sigterm_handler() == own_handler);
    signal(SIGTERM, SIG_DFL);
}

static void test_handles_outlive_runtime(void) {
    /* A result handle kept past rp_finalize still reads, and frees. */
    rp_runtime *rt = NULL;
    rp_options o = options(table, 2);
    CHECK(rp_init_comm(&rt, MPI_COMM_WORLD, &o) == 0);
    rp_result *res = NULL;
    int64_t x = 41;
    if (rp_is_manager(rt)) {
        rp_pool *pool = NULL;
        CHECK(rp_pool_create(rt, NULL, &pool) == 0);
        CHECK(rp_pool_apply_async(pool, "add_one", &x, sizeof x, NULL, &res) == 0);
        /* Closed, not destroyed: rp_finalize joins it (an open pool would be
         * terminated, as Python's `with Pool()` does). */
        CHECK(rp_pool_close(pool) == 0);
        /* A refused call must not disturb the handles kept. */
        CHECK(rp_pool_apply_async(pool, "add_one", &x, sizeof x, NULL, NULL) == RP_ECLOSED);
    }
    CHECK(rp_finalize(rt) == 0);
    if (res != NULL) {
        const void *d = NULL;
        size_t len = 0;
        CHECK(rp_result_ready(res));
        CHECK(rp_result_successful(res));
        CHECK(rp_result_wait(res, 0) == 0);
        CHECK(rp_result_get(res, 0, &d, &len) == 0);
        CHECK(len == 8 && d != NULL && *(const int64_t *)d == 42);
        size_t idx;
        CHECK(rp_result_next(res, 0, &idx, &d, &len) == 0 && idx == 0);
        rp_result_free(res);
    }
}

static void test_init_with_running_mpi(void) {
    /* rp_init when MPI already runs: it must not finalize MPI at the end. */
    rp_runtime *rt = NULL;
    rp_options o = options(table, 2);
    CHECK(rp_init(&rt, NULL, NULL, &o) == 0);
    use_pool(rt);
    CHECK(rp_finalize(rt) == 0);
    int fin = 1;
    MPI_Finalized(&fin);
    CHECK(fin == 0);
}

int main(int argc, char **argv) {
    int single = argc > 1 && strcmp(argv[1], "single") == 0;
    int provided;
    MPI_Init_thread(&argc, &argv, single ? MPI_THREAD_SINGLE : MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    if (single) {
        rp_runtime *rt = NULL;
        rp_options o = options(table, 2);
        int rc = rp_init_comm(&rt, MPI_COMM_WORLD, &o);
        if (world_size > 1 && provided < MPI_THREAD_SERIALIZED) {
            CHECK(rc == RP_ETHREAD);
            CHECK(rt == NULL);
        } else {
            /* One rank, or an MPI that gave more than asked: it must work. */
            CHECK(rc == 0);
            use_pool(rt);
            CHECK(rp_finalize(rt) == 0);
        }
    } else {
        test_whole_world();
        test_two_halves();
        test_table_mismatch();
        test_bad_options();
        test_init_with_running_mpi();
        test_handles_outlive_runtime();
        test_signal_handlers();
        test_whole_world(); /* and again: runtimes come and go */
    }
    int all[2] = {0, 0}, mine[2] = {failures, checks};
    MPI_Allreduce(mine, all, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (world_rank == 0)
        printf("runtime: %d passed, %d failed\n", all[1] - all[0], all[0]);
    MPI_Finalize();
    return all[0] ? 1 : 0;
}
