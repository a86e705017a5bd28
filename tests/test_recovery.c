/*
 * Hardening scenarios, each run by tests/recovery_test.sh, which checks the
 * job's exit status, its output, the time it took and that no process is
 * left behind.
 *
 *   test_recovery kill [ITEMS]   rank 0 maps ITEMS (default 10000) squares
 *                                and kills worker rank 2 with SIGKILL a
 *                                third of the way; every result must come
 *                                back exactly once, and the pool and a new
 *                                pool must still work.
 *   test_recovery poison         item 50 segfaults whatever runs it: in a
 *                                map it costs one worker, its retry runs in
 *                                a forked executor and fails alone with
 *                                RP_ELOST naming SIGSEGV (chunks of 1 and
 *                                of 10); the pool goes on.
 *   test_recovery hang           a task that never ends: get and join with
 *                                a timeout return; rp_finalize gives up on
 *                                its worker after shutdown_timeout (1 s).
 *   test_recovery signal         a long map that a SIGINT/SIGTERM stops:
 *                                the map returns RP_EINTR, rank 0 finalizes.
 *   test_recovery stubborn       as signal, but main ignores the stop and
 *                                sleeps on: a second signal must end it.
 *   test_recovery server         server rank 1 of 2 (opt.servers = 2, 5
 *                                ranks) is killed while a task waits in
 *                                its queue: every call on its objects
 *                                fails with RP_ELOST naming it; the worker
 *                                it fed is cut off; the pools go on.
 *   test_recovery flood          connections that say nothing, garbage, or
 *                                close at once stream into the lease
 *                                listener while worker rank 2 is killed:
 *                                the loss is still seen at once.
 *
 * Rank 0 prints its pid first ("rank 0 pid N") and "ready" once the map runs.
 */
#include "manager/manager.h" /* the lease listener's sockets (flood) */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct answer {
    int64_t square;
    int32_t rank;
    int32_t pid;
} answer;

static void nap_ms(double ms) {
    struct timespec ts = {(time_t)(ms / 1000),
                          (long)((ms - 1000 * (double)(time_t)(ms / 1000)) * 1e6)};
    nanosleep(&ts, NULL);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Square its argument after a nap of 0.5 ms, and say where it ran. */
static int square(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int64_t))
        return rp_fail(ctx, 1, "square wants an int64");
    nap_ms(0.5);
    int64_t x = *(const int64_t *)arg;
    answer a = {x * x, rp_task_rank(ctx), (int32_t)getpid()};
    return rp_return(ctx, &a, sizeof a);
}

/* Nap for the given milliseconds (an int). */
static int nap(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int))
        return rp_fail(ctx, 1, "nap wants an int");
    nap_ms(*(const int *)arg);
    return rp_return(ctx, NULL, 0);
}

/* A name that starts with @p base and lives on server rank 1 of 2. */
static const char *on_rank1(char *b, size_t n, const char *base) {
    for (int i = 0;; i++) {
        snprintf(b, n, "%s-%d", base, i);
        if (rp__name_home(b, strlen(b), 2) == 1)
            return b;
    }
}

/* A task on server rank 1's objects (docs/scale.md): opens the queue
 * "srv-q..." and waits for an item (timeout 60 s), or with an argument of 1
 * opens the dict "srv-d..." and reads "k".  Returns the call's code. */
static int on_server(rp_task_ctx *ctx, const void *arg, size_t size) {
    rp_runtime *rt = rp_task_runtime(ctx);
    char name[32];
    int32_t rc;
    if (size == sizeof(int) && *(const int *)arg == 1) {
        rp_dict d;
        int64_t v = 0;
        rc = rp_dict_open(rt, on_rank1(name, sizeof name, "srv-d"), 0, &d);
        if (rc == 0)
            rc = rp_dict_get_int(rt, d, rp_key_str("k"), &v);
        if (rc == 0 && v != 7)
            rc = -1000;
    } else {
        rp_queue q;
        rp_value item;
        rc = rp_queue_open(rt, on_rank1(name, sizeof name, "srv-q"), 0, RP_QUEUE_FIFO, 0, &q);
        if (rc == 0 && (rc = rp_queue_get(rt, q, 60.0, &item, NULL)) == 0)
            rp_value_free(&item);
    }
    return rp_return(ctx, &rc, sizeof rc);
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        printf("FAILED: " __VA_ARGS__);                                                            \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
        return 1;                                                                                  \
    } while (0)

/* Inputs 0..n-1 and room for their answers; 0, or -1 (both freed). */
static int make_io(int64_t n, int64_t **in, answer **out) {
    *in = malloc((size_t)n * sizeof **in);
    *out = calloc((size_t)n, sizeof **out);
    if (*in == NULL || *out == NULL) {
        free(*in);
        free(*out);
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        (*in)[i] = i;
    return 0;
}

static int check_map(rp_pool *pool, int64_t n, const char *what) {
    int64_t *in;
    answer *out;
    if (make_io(n, &in, &out) != 0)
        FAIL("out of memory");
    int rc = rp_pool_map(pool, "square", in, (size_t)n, sizeof *in, out, sizeof *out, NULL);
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        bad += out[i].square != i * i;
    free(in);
    free(out);
    if (rc != 0 || bad != 0)
        FAIL("%s: map returned %s, %d wrong results", what, rp_err_name(rc), bad);
    printf("%s: %lld results correct\n", what, (long long)n);
    return 0;
}

static int run_kill(rp_runtime *rt, int64_t n) {
    if (rp_size(rt) < 4)
        FAIL("kill needs at least 4 ranks (3 workers)");
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        FAIL("rp_pool_create: %s", rp_err_name(rc));
    /* A process on the rank to be killed: it dies with its rank. */
    rp_process_options po = RP_PROCESS_OPTIONS_INIT;
    po.rank = 2;
    int minute = 60000;
    rp_process *proc = NULL;
    rc = rp_process_create(rt, "nap", &minute, sizeof minute, &po, &proc);
    if (rc != 0 || (rc = rp_process_start(proc)) != 0)
        FAIL("a process on rank 2: %s", rp_err_name(rc));
    int64_t *in;
    answer *out;
    if (make_io(n, &in, &out) != 0)
        FAIL("out of memory");
    rp_result *res = NULL;
    rc = rp_pool_map_async(pool, "square", in, (size_t)n, sizeof *in, out, sizeof *out, NULL, &res);
    if (rc != 0)
        FAIL("map_async: %s", rp_err_name(rc));
    printf("ready\n");
    fflush(stdout);
    /* A third of the way, kill the worker of rank 2 (its pid is in its results). */
    int victim = 0;
    double t_kill = 0, t_seen = 0;
    while (rp_result_wait(res, 0.002) == RP_ETIMEDOUT) {
        if (t_kill > 0) {
            if (t_seen == 0 && rp_workers_lost(rt) > 0)
                t_seen = now();
            continue;
        }
        int64_t done = 0;
        for (int64_t i = 0; i < n; i++) {
            const void *d;
            if (rp_result_item(res, (size_t)i, &d, NULL) != 0)
                continue;
            done++;
            if (((const answer *)d)->rank == 2)
                victim = ((const answer *)d)->pid;
        }
        if (done >= n / 3 && victim > 0) {
            printf("killing worker rank 2 (pid %d) after %lld of %lld items\n", victim,
                   (long long)done, (long long)n);
            fflush(stdout);
            t_kill = now();
            kill(victim, SIGKILL);
        }
    }
    double t_done = now();
    if (t_seen == 0)
        t_seen = t_done;
    rc = rp_result_get(res, 0, NULL, NULL);
    int64_t bad = 0, on2 = 0, failed = 0;
    for (int64_t i = 0; i < n; i++) {
        const void *d;
        if (rp_result_item(res, (size_t)i, &d, NULL) != 0) {
            failed++;
            continue;
        }
        const answer *a = d;
        bad += a->square != i * i || a->rank < 1;
        on2 += a->rank == 2;
    }
    rp_result_free(res);
    free(in);
    free(out);
    if (t_kill == 0)
        FAIL("the map ended before the kill");
    if (rc != 0 || bad != 0 || failed != 0)
        FAIL("map after the kill: %s, %lld wrong, %lld failed", rp_err_name(rc), (long long)bad,
             (long long)failed);
    printf("every result exactly once: %lld items correct, %lld of them from rank 2 before the "
           "kill\n",
           (long long)n, (long long)on2);
    printf("recovery: loss seen %.1f ms after the kill, map done %.1f ms after the kill\n",
           (t_seen - t_kill) * 1e3, (t_done - t_kill) * 1e3);
    if (rp_workers_lost(rt) != 1)
        FAIL("rp_workers_lost is %d, want 1", rp_workers_lost(rt));
    int code = 0;
    rc = rp_process_join(proc, 10);
    if (rc != 0 || rp_process_exitcode(proc, &code) != 0 || code != -SIGKILL)
        FAIL("the process on the lost rank: join %s, exit code %d", rp_err_name(rc), code);
    printf("the process on rank 2 ended with it: exit code %d\n", code);
    rp_process_destroy(proc);
    po.rank = -1;
    rc = rp_process_create(rt, "nap", &minute, sizeof minute, &po, &proc);
    if (rc != 0 || (rc = rp_process_start(proc)) != 0 || rp_process_rank(proc) == 2)
        FAIL("a process after the loss: %s on rank %d", rp_err_name(rc), rp_process_rank(proc));
    rp_process_kill(proc);
    rp_process_join(proc, 10);
    rp_process_destroy(proc);
    po.rank = 2;
    rc = rp_process_create(rt, "nap", &minute, sizeof minute, &po, &proc);
    if (rc == 0)
        rc = rp_process_start(proc);
    rp_process_destroy(proc);
    if (rc != RP_ELOST)
        FAIL("a process started on the lost rank: %s, want RP_ELOST", rp_err_name(rc));
    printf("new processes avoid the lost rank; one asked on it fails with RP_ELOST\n");
    if (check_map(pool, 3000, "same pool after the loss") != 0)
        return 1;
    rp_pool_destroy(pool);
    rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        FAIL("new pool after the loss: %s", rp_err_name(rc));
    if (rp_pool_workers(pool) != rp_size(rt) - 2)
        FAIL("new pool has %d workers, want %d", rp_pool_workers(pool), rp_size(rt) - 2);
    if (check_map(pool, 3000, "new pool without the lost worker") != 0)
        return 1;
    rp_pool_destroy(pool);
    return 0;
}

/* Item 50 crashes whatever runs it (a segfault); the others square. */
static int poison(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size == sizeof(int64_t) && *(const int64_t *)arg == 50)
        raise(SIGSEGV);
    return square(ctx, arg, size);
}

/* One map with the poison item 50 in it, chunks of @p chunk items; it must
 * fail alone (RP_ELOST, its message naming the signal) at the cost of one
 * worker, every other item correct. */
static int poison_map(rp_pool *pool, int chunk, int lost_before, int64_t n) {
    static int64_t in[200];
    static answer out[200];
    for (int64_t i = 0; i < n; i++)
        in[i] = i;
    memset(out, 0, sizeof out);
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = (size_t)chunk;
    int rc = rp_pool_map(pool, "poison", in, (size_t)n, sizeof *in, out, sizeof *out, &co);
    char why[256];
    snprintf(why, sizeof why, "%s", rp_last_error());
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        bad += i != 50 && out[i].square != i * i;
    printf("map, chunks of %d: %s (%s)\n", chunk, rp_err_name(rc), why);
    if (rc != RP_ELOST || bad != 0 ||
        strstr(why, "item 50 killed its worker with SIGSEGV") == NULL ||
        strstr(why, "terminate") != NULL)
        FAIL("poison map, chunks of %d: %s (%s), %d wrong (%d lost before)", chunk, rp_err_name(rc),
             why, bad, lost_before);
    return 0;
}

static int run_poison(rp_runtime *rt) {
    if (rp_size(rt) < 4)
        FAIL("poison needs at least 4 ranks (3 workers)");
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        FAIL("rp_pool_create: %s", rp_err_name(rc));
    /* Alone in its chunk: it takes one worker, its retry runs in a forked
     * executor on another and crashes there, costing no worker. */
    if (poison_map(pool, 1, 0, 200) != 0)
        return 1;
    if (rp_workers_lost(rt) != 1)
        FAIL("chunks of 1: %d workers lost, want 1", rp_workers_lost(rt));
    /* In a chunk of ten: the chunk runs again isolated; only item 50 fails. */
    if (poison_map(pool, 10, 1, 100) != 0)
        return 1;
    if (rp_workers_lost(rt) != 2)
        FAIL("chunks of 10: %d workers lost in all, want 2", rp_workers_lost(rt));
    /* The pool goes on with its last worker, and a new pool too. */
    if (check_map(pool, 500, "same pool after two poison items") != 0)
        return 1;
    rp_pool_destroy(pool);
    if ((rc = rp_pool_create(rt, NULL, &pool)) != 0 || rp_pool_workers(pool) != 1)
        FAIL("a new pool after the losses: %s, %d workers", rp_err_name(rc), rp_pool_workers(pool));
    if (check_map(pool, 500, "new pool") != 0)
        return 1;
    rp_pool_destroy(pool);
    printf("item 50 failed alone with RP_ELOST, one worker lost each time; the pool went on\n");
    return 0;
}

static int run_hang(rp_runtime *rt) {
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        FAIL("rp_pool_create: %s", rp_err_name(rc));
    int forever = 3600 * 1000;
    rp_result *res = NULL;
    rc = rp_pool_apply_async(pool, "nap", &forever, sizeof forever, NULL, &res);
    if (rc != 0)
        FAIL("apply_async: %s", rp_err_name(rc));
    double t0 = now();
    rc = rp_result_get(res, 0.3, NULL, NULL);
    if (rc != RP_ETIMEDOUT || now() - t0 > 5)
        FAIL("get(timeout 0.3) on a hung task: %s after %.1f s", rp_err_name(rc), now() - t0);
    rp_pool_close(pool);
    t0 = now();
    rc = rp_pool_join(pool, 0.3);
    if (rc != RP_ETIMEDOUT || now() - t0 > 5)
        FAIL("join(timeout 0.3) on a hung task: %s after %.1f s", rp_err_name(rc), now() - t0);
    printf("get and join with a timeout returned RP_ETIMEDOUT\n");
    /* Handles stay valid past finalize; this one's item fails at shutdown. */
    printf("finalizing with the task still running\n");
    fflush(stdout);
    return 0;
}

static int run_signal(rp_runtime *rt, int stubborn) {
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        FAIL("rp_pool_create: %s", rp_err_name(rc));
    /* A process that would run for a minute: the stop ends it too. */
    int minute = 60000;
    rp_process *proc = NULL;
    rc = rp_process_create(rt, "nap", &minute, sizeof minute, NULL, &proc);
    if (rc != 0 || (rc = rp_process_start(proc)) != 0)
        FAIL("a process: %s", rp_err_name(rc));
    enum { N = 3000 };
    static int in[N];
    for (int i = 0; i < N; i++)
        in[i] = 100;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rp_result *res = NULL;
    rc = rp_pool_map_async(pool, "nap", in, N, sizeof *in, NULL, 0, &co, &res);
    if (rc != 0)
        FAIL("map_async: %s", rp_err_name(rc));
    printf("ready\n");
    fflush(stdout);
    double t0 = now();
    rc = rp_result_wait(res, 120);
    int got = rp_result_get(res, 0, NULL, NULL);
    printf("map ended after %.1f s: wait %s, outcome %s, signal %d\n", now() - t0, rp_err_name(rc),
           rp_err_name(got), rp_interrupted(rt));
    fflush(stdout);
    rp_result_free(res);
    rc = rp_pool_apply(pool, "nap", in, sizeof *in, NULL, 0, NULL, NULL);
    printf("apply after the stop: %s\n", rp_err_name(rc));
    fflush(stdout);
    if (stubborn) {
        printf("ignoring the stop\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    rp_process_destroy(proc); /* still running: rp_finalize ends it (the stop) */
    rp_pool_destroy(pool);
    return 0;
}

/* ---- flood: the lease listener under a stream of strangers ---------------- */

typedef struct flood {
    struct sockaddr_in addr[RP__LEASE_ADDRS];
    int naddr;
    volatile int stop;
    volatile int silent; /* from now on only silent ones */
    long opened;
} flood;

/* Open connections to the listener until told to stop: one silent, one
 * that sends garbage, one that closes at once, in turn (only silent ones
 * once told so), every 20 ms; the silent and garbage ones stay open (200
 * at most, the oldest closed). */
static void *flood_main(void *arg) {
    flood *f = arg;
    int held[200], nheld = 0;
    for (long k = 0; !f->stop; k++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0 &&
            connect(fd, (struct sockaddr *)&f->addr[k % f->naddr], sizeof f->addr[0]) == 0) {
            f->opened++;
            long sort = f->silent ? 0 : k % 3;
            if (sort == 1) {
                char junk[100];
                memset(junk, 'x', sizeof junk);
                if (write(fd, junk, sizeof junk) < 0) {
                    /* turned away already: fine */
                }
            }
            if (sort == 2) {
                close(fd);
                fd = -1;
            }
        } else if (fd >= 0) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0) {
            if (nheld == 200) {
                close(held[0]);
                memmove(held, held + 1, sizeof held - sizeof held[0]);
                nheld--;
            }
            held[nheld++] = fd;
        }
        nap_ms(20);
    }
    for (int i = 0; i < nheld; i++)
        close(held[i]);
    return NULL;
}

static int run_flood(rp_runtime *rt) {
    if (rp_size(rt) < 3)
        FAIL("flood needs at least 3 ranks (2 workers)");
    /* Where the listener is: only the addresses the workers are told. */
    flood f = {.naddr = 0};
    for (int k = 0; k < rt->lease.nlisten; k++) {
        socklen_t sl = sizeof f.addr[0];
        if (getsockname(rt->lease.listen_fds[k], (struct sockaddr *)&f.addr[f.naddr], &sl) != 0)
            FAIL("getsockname of the lease listener failed");
        if (f.addr[f.naddr].sin_addr.s_addr == htonl(INADDR_ANY))
            FAIL("the lease listener listens on every interface");
        printf("lease listener on %s:%d\n", inet_ntoa(f.addr[f.naddr].sin_addr),
               ntohs(f.addr[f.naddr].sin_port));
        f.naddr++;
    }
    if (f.naddr == 0)
        FAIL("no lease listener");
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        FAIL("rp_pool_create: %s", rp_err_name(rc));
    int64_t in[64];
    answer out[64];
    for (int i = 0; i < 64; i++)
        in[i] = i;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    if ((rc = rp_pool_map(pool, "square", in, 64, sizeof *in, out, sizeof *out, &co)) != 0)
        FAIL("map: %s", rp_err_name(rc));
    int victim = 0;
    for (int i = 0; i < 64; i++)
        if (out[i].rank == 2)
            victim = out[i].pid;
    if (victim == 0)
        FAIL("no item ran on rank 2");
    pthread_t t;
    if (pthread_create(&t, NULL, flood_main, &f) != 0)
        FAIL("no flood thread");
    /* Strangers of every sort, then only silent ones around the kill: a
     * watch that waited for each one's hello would be busy with one then. */
    nap_ms(1000);
    f.silent = 1;
    nap_ms(500);
    double t0 = now(), seen = 0;
    kill(victim, SIGKILL);
    while (rp_workers_lost(rt) == 0 && now() - t0 < 30)
        nap_ms(1);
    seen = now() - t0;
    nap_ms(500);
    f.stop = 1;
    pthread_join(t, NULL);
    printf("flood: worker rank 2 lost, seen %.0f ms after the kill, %ld connections opened\n",
           seen * 1e3, f.opened);
    /* Before, the watch thread read each new connection's hello for up to
     * 2 s: a loss waited behind it.  Milliseconds now; 1.5 s is plenty. */
    if (rp_workers_lost(rt) != 1 || seen > 1.5)
        FAIL("the loss was seen after %.1f s (%d lost)", seen, rp_workers_lost(rt));
    if (check_map(pool, 200, "the pool after the loss") != 0)
        return 1;
    rp_pool_destroy(pool);
    return 0;
}

/* Two servers; rank 1, which holds the objects below and feeds worker rank
 * 3, is killed while a task waits in its queue: every call on its objects,
 * from rank 0 and from the tasks, fails with RP_ELOST naming it, nothing
 * is made anew empty, worker rank 3 is cut off, and the pools (on rank 4,
 * fed by server rank 2) and rank 0's arrays go on. */
static int run_server(rp_runtime *rt) {
    if (rp_server_count(rt) != 2 || rp_size(rt) != 5)
        FAIL("server needs 5 ranks and 2 servers, has %d and %d", rp_size(rt), rp_server_count(rt));
    rp_dict d;
    rp_queue q;
    char name[32];
    int rc = rp_dict_open(rt, on_rank1(name, sizeof name, "srv-d"), RP_CREATE, &d);
    if (rc == 0)
        rc = rp_dict_set(rt, d, rp_key_str("k"), rp_int(7));
    if (rc == 0)
        rc = rp_queue_open(rt, on_rank1(name, sizeof name, "srv-q"), RP_CREATE, RP_QUEUE_FIFO, 0,
                           &q);
    if (rc != 0)
        FAIL("objects on the server: %s", rp_err_name(rc));
    rp_pool *pool = NULL;
    if ((rc = rp_pool_create(rt, NULL, &pool)) != 0)
        FAIL("rp_pool_create: %s", rp_err_name(rc));
    int one = 1, zero = 0;
    int32_t got = -1;
    rc = rp_pool_apply(pool, "on_server", &one, sizeof one, &got, sizeof got, NULL, NULL);
    if (rc != 0 || got != 0)
        FAIL("a task reading the server's dict: %s, %d", rp_err_name(rc), got);
    rp_result *waiter = NULL;
    if ((rc = rp_pool_apply_async(pool, "on_server", &zero, sizeof zero, NULL, &waiter)) != 0)
        FAIL("apply_async: %s", rp_err_name(rc));
    int pid = 0;
    for (int k = 0; k < 500 && pid == 0; k++) {
        pthread_mutex_lock(&rt->lock);
        pid = rt->workers[0].pid; /* rank 1's, from its lease */
        pthread_mutex_unlock(&rt->lock);
        nap_ms(10);
    }
    nap_ms(300); /* the task waits in the queue by now */
    if (pid == 0)
        FAIL("no lease from the server");
    printf("killing server rank 1 (pid %d)\n", pid);
    fflush(stdout);
    kill(pid, SIGKILL);
    double t0 = now();
    while (!__atomic_load_n(&rt->servers.lost[1], __ATOMIC_ACQUIRE) && now() - t0 < 30)
        nap_ms(1);
    const void *data = NULL;
    size_t dlen = 0;
    rc = rp_result_get(waiter, 30.0, &data, &dlen);
    got = rc == 0 && dlen == sizeof got ? *(const int32_t *)data : -1;
    printf("the task waiting in the server's queue: %s\n", rp_err_name(got));
    if (rc != 0 || got != RP_ELOST)
        FAIL("the waiting task: %s, its call %s", rp_err_name(rc), rp_err_name(got));
    rp_result_free(waiter);
    int64_t v;
    rc = rp_dict_get_int(rt, d, rp_key_str("k"), &v);
    printf("rank 0's dict get: %s (%s)\n", rp_err_name(rc), rp_last_error());
    if (rc != RP_ELOST || strstr(rp_last_error(), "server rank 1") == NULL)
        FAIL("rank 0's call on the lost server's dict");
    rc = rp_pool_apply(pool, "on_server", &one, sizeof one, &got, sizeof got, NULL, NULL);
    printf("a task's dict open: %s\n", rp_err_name(got));
    if (rc != 0 || got != RP_ELOST)
        FAIL("a task's call on the lost server: %s, %s", rp_err_name(rc), rp_err_name(got));
    rp_dict fresh;
    rc = rp_dict_open(rt, on_rank1(name, sizeof name, "another"), RP_CREATE, &fresh);
    printf("a new named dict: %s\n", rp_err_name(rc));
    if (rc != RP_ELOST)
        FAIL("a named open on the lost server made an object anew: %s", rp_err_name(rc));
    rp_array val;
    double x = 0;
    if ((rc = rp_value_open(rt, NULL, 0, RP_ELEM_DOUBLE, &val)) != 0 ||
        (rc = rp_array_set_f64(rt, val, 0, 2.5)) != 0 ||
        (rc = rp_array_get_f64(rt, val, 0, &x)) != 0 || x != 2.5)
        FAIL("a Value on rank 0 after the loss: %s", rp_err_name(rc));
    if (rp_workers_lost(rt) != 1)
        FAIL("%d workers lost; want 1, rank 3, cut off with its server", rp_workers_lost(rt));
    if (check_map(pool, 300, "the pool after the server's loss") != 0)
        return 1;
    rp_array_destroy(rt, val);
    rp_pool_destroy(pool);
    printf("server lost: every call on its objects failed with RP_ELOST\n");
    return 0;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)user;
    printf("rank 0 pid %d\n", (int)getpid());
    fflush(stdout);
    const char *mode = argc > 1 ? argv[1] : "kill";
    if (strcmp(mode, "kill") == 0)
        return run_kill(rt, argc > 2 ? atoll(argv[2]) : 10000);
    if (strcmp(mode, "hang") == 0)
        return run_hang(rt);
    if (strcmp(mode, "poison") == 0)
        return run_poison(rt);
    if (strcmp(mode, "flood") == 0)
        return run_flood(rt);
    if (strcmp(mode, "server") == 0)
        return run_server(rt);
    if (strcmp(mode, "signal") == 0 || strcmp(mode, "stubborn") == 0)
        return run_signal(rt, mode[1] == 't');
    FAIL("unknown mode '%s'", mode);
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(square), RP_TASK(nap), RP_TASK(poison),
                                        RP_TASK(on_server)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 4;
    opt.servers = argc > 1 && strcmp(argv[1], "server") == 0 ? 2 : 0; /* every rank sees argv */
    opt.shutdown_timeout = 1.0;
    opt.lost_retries = 1;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
