/*
 * Queues and locks (rp_queue_*, rp_lock_*) measured in one program;
 * bench/sync.sh runs it next to Python's multiprocessing.Queue and Lock
 * (bench/py_sync.py) and prints the ratios.
 *
 *   (a) A raw MPI round trip between rank 1 and rank 0 on MPI_COMM_WORLD,
 *       while no rankpool runtime is up, as in bench_dict: blocking
 *       MPI_Send/MPI_Recv of messages the size of a lock acquire (raw_small)
 *       and of a put of an 8-byte and a 4 KiB item (raw_put_8, raw_put_4096),
 *       request and answer, after the OBJ_REQ/OBJ_REP format of
 *       lib/src/wire/wire.h.  Other ranks wait meanwhile in a sleeping barrier.
 *   (b) Queue throughput (items/s), one producer and one consumer, each item
 *       a byte string numbered in its first 8 bytes (the consumer checks
 *       length and order), through a FIFO queue bounded to M items and an
 *       unbounded one, for 8-byte and 4 KiB items:
 *         queue_w2w_*  producer task on one worker, consumer task on another
 *                      (rp_pool_map, chunksize 1, over the two; their ranks
 *                      are checked to differ);
 *         queue_r0w_*  producer in main() on rank 0, consumer task on a worker.
 *       Both sides start from a shared barrier (untimed); the time runs from
 *       just before the first put to just after the last get returned, read
 *       from CLOCK_MONOTONIC where each happens (the ranks share one host).
 *   (c) Uncontended lock: K acquire+release pairs in a row, timed where they
 *       run (all of them, and each pair for the median), from a task on a
 *       worker (lock_worker: two round trips to the manager per pair) and
 *       from main() on rank 0 (lock_rank0: no MPI); then the worker's time
 *       per call (half a pair: the mean, and half the median pair) against
 *       the raw round trip (median trip), as ratios within each repetition.
 *   (d) Wake-up after idle: a consumer task blocked in rp_queue_get while the
 *       producer sleeps S seconds (default 0.5), then stamps CLOCK_MONOTONIC
 *       into the item and puts it; the consumer notes when get returned.
 *       W wakes per repetition, producer on another worker (wake_w2w) or in
 *       main() on rank 0 (wake_r0w); also with 1 ms of idle (wake_*_1ms).
 *   (e) CPU of a blocked getter: a task's rp_queue_get on an empty queue
 *       with a 1 s timeout; the worker process's user+sys time (getrusage)
 *       over the wait as a percentage of one core, and rank 0's (main thread
 *       waiting for the task, plus the manager thread) over the same call.
 *
 * Each repetition runs (a), then rp_init_comm, (b)-(e) and rp_finalize, so
 * that a slow phase of a shared machine hits all of them.  Each measurement
 * prints one line of key=value fields with the median over the repetitions
 * and their min and max:
 *     rankpool queue_w2w_8B_bounded item_bytes=8 maxsize=1000 items=20000
 *         median_items_per_s=... min=... max=...
 *
 * Usage: mpirun -np P bench_sync [--quick] [--items N] [--maxsize M]
 *                                [--pairs K] [--trips T] [--wakes W]
 *                                [--idle S] [--reps R] [--serialized]
 * P >= 3 (two workers).  --quick picks small sizes (a few seconds in all)
 * and is what the tests run.  MPI is started with MPI_THREAD_MULTIPLE if the
 * library has it, else MPI_THREAD_SERIALIZED (--serialized asks for
 * SERIALIZED only).
 */
#include <rankpool.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "bench_sync"
#include "bench_common.h"

typedef struct config {
    long long items;   /* queue items per throughput run */
    long long maxsize; /* the bounded queue's size */
    long long pairs;   /* lock acquire+release pairs */
    long long trips;   /* raw MPI round trips per repetition */
    long long wakes;   /* wake-ups per repetition (after the long idle) */
    double idle;       /* seconds a producer idles before each timed wake */
    double cpu_wait;   /* seconds of the blocked get whose CPU is measured */
    long long reps;
    int serialized; /* ask MPI for MPI_THREAD_SERIALIZED only */
} config;

#define MAX_WAKES 64       /* wake latencies one task reports */
#define SHORT_IDLE 1e-3    /* the short idle of wake_*_1ms */
#define GATE_TIMEOUT 60.0  /* no measured wait comes near these: they only */
#define ITEM_TIMEOUT 120.0 /* turn a lost task into an error, not a hang */

/* ------------------------------------------------------------------------ */
/* (a) raw MPI round trips: message sizes, after lib/src/wire/wire.h              */
/* ------------------------------------------------------------------------ */

enum { RAW_SMALL, RAW_PUT_8, RAW_PUT_4K, RAW_COUNT };
static const char *const raw_names[RAW_COUNT] = {"raw_small", "raw_put_8", "raw_put_4096"};

static void raw_sizes(size_t req[RAW_COUNT], size_t rep[RAW_COUNT]) {
    req[RAW_SMALL] = BENCH_WIRE_HDR + BENCH_WIRE_FIELD; /* ACQUIRE: timeout; answer: header */
    rep[RAW_SMALL] = BENCH_WIRE_HDR;
    /* Q_PUT: item, priority, timeout; answer: header */
    req[RAW_PUT_8] = BENCH_WIRE_HDR + bench_wire_bytes_field(8) + 2 * BENCH_WIRE_FIELD;
    rep[RAW_PUT_8] = BENCH_WIRE_HDR;
    req[RAW_PUT_4K] = BENCH_WIRE_HDR + bench_wire_bytes_field(4096) + 2 * BENCH_WIRE_FIELD;
    rep[RAW_PUT_4K] = BENCH_WIRE_HDR;
}

/* ------------------------------------------------------------------------ */
/* The roles, the same in main() on rank 0 and in a task                     */
/* ------------------------------------------------------------------------ */

enum { ROLE_PRODUCE, ROLE_CONSUME, ROLE_LOCK, ROLE_WAKE_PUT, ROLE_WAKE_GET, ROLE_BLOCKED_GET };

/* What to run, against which objects. */
typedef struct job {
    rp_queue q;
    rp_lock l;
    rp_barrier gate; /* both sides of a two-sided role pass it first */
    int32_t role;
    int32_t size; /* item bytes */
    int64_t n;    /* items, lock pairs or wakes */
    double idle;  /* wake: the producer's idle before each put; blocked get: its timeout */
} job;

/* What a role reports. */
typedef struct outcome {
    double t0, t1; /* CLOCK_MONOTONIC: start (first put, first call) and end */
    double cpu;    /* blocked get: CPU seconds of the process over the wait */
    int32_t rank;
    int32_t nlat;
    double lat[MAX_WAKES]; /* wake: seconds from put to get returning; lock: the
                            * median and the 99th percentile pair */
} outcome;

static int gate(rp_runtime *rt, const job *j, char *err, size_t errlen) {
    int rc = rp_barrier_wait(rt, j->gate, GATE_TIMEOUT);
    if (rc < 0)
        snprintf(err, errlen, "start gate: %s: %s", rp_err_name(rc), rp_last_error());
    return rc < 0 ? rc : 0;
}

/* n items of j->size bytes, numbered 0.. in their first 8 bytes. */
static int produce(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    size_t size = (size_t)j->size;
    unsigned char *buf = malloc(size);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < size; k++)
        buf[k] = (unsigned char)k;
    int rc = gate(rt, j, err, errlen);
    o->t0 = bench_now();
    int64_t i = 0;
    for (; i < j->n && rc == 0; i++) {
        memcpy(buf, &i, sizeof i);
        rc = rp_queue_put(rt, j->q, rp_bytes(buf, size), ITEM_TIMEOUT);
    }
    o->t1 = bench_now();
    free(buf);
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "put %lld: %s: %s", (long long)i - 1, rp_err_name(rc),
                 rp_last_error());
    return rc;
}

static int consume(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    int rc = gate(rt, j, err, errlen);
    o->t0 = bench_now();
    for (int64_t i = 0; i < j->n && rc == 0; i++) {
        rp_value v;
        if ((rc = rp_queue_get(rt, j->q, ITEM_TIMEOUT, &v, NULL)) != 0) {
            snprintf(err, errlen, "get %lld: %s: %s", (long long)i, rp_err_name(rc),
                     rp_last_error());
            break;
        }
        int64_t seq = -1;
        if (v.type == RP_T_BYTES && v.len == (size_t)j->size)
            memcpy(&seq, v.data, sizeof seq);
        int last_ok = v.len > 8
                          ? ((const unsigned char *)v.data)[v.len - 1] == (unsigned char)(v.len - 1)
                          : 1;
        rp_value_free(&v);
        if (seq != i || !last_ok) {
            snprintf(err, errlen, "item %lld: wrong size, number or content", (long long)i);
            rc = -1;
        }
    }
    o->t1 = bench_now();
    return rc;
}

/* n acquire+release pairs: the whole time, and each pair's for its median
 * and 99th percentile (lat[0], lat[1]). */
static int lock_pairs(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    size_t n = (size_t)j->n;
    double *pair = malloc(n * sizeof *pair);
    if (pair == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    o->t0 = bench_now();
    double t = o->t0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if ((rc = rp_lock_acquire(rt, j->l, ITEM_TIMEOUT)) == 0)
            rc = rp_lock_release(rt, j->l);
        double t1 = bench_now();
        pair[i] = t1 - t;
        t = t1;
    }
    o->t1 = t;
    if (rc == 0) {
        o->lat[0] = bench_summarize(pair, n).median; /* also sorts pair for the p99 */
        o->lat[1] = pair[n - 1 - n / 100];
        o->nlat = 2;
    } else {
        snprintf(err, errlen, "lock: %s: %s", rp_err_name(rc), rp_last_error());
    }
    free(pair);
    return rc;
}

/* Idle, then put the time of the put; n times. */
static int wake_put(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    int rc = gate(rt, j, err, errlen);
    for (int64_t i = 0; i < j->n && rc == 0; i++) {
        bench_sleep(j->idle);
        double t = bench_now();
        rc = rp_queue_put(rt, j->q, rp_bytes(&t, sizeof t), ITEM_TIMEOUT);
        if (rc != 0)
            snprintf(err, errlen, "put: %s: %s", rp_err_name(rc), rp_last_error());
    }
    (void)o;
    return rc;
}

static int wake_get(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    int rc = gate(rt, j, err, errlen);
    for (int64_t i = 0; i < j->n && rc == 0; i++) {
        rp_value v;
        rc = rp_queue_get(rt, j->q, ITEM_TIMEOUT, &v, NULL);
        double t = bench_now(), put = 0;
        if (rc != 0) {
            snprintf(err, errlen, "get: %s: %s", rp_err_name(rc), rp_last_error());
            break;
        }
        if (v.type == RP_T_BYTES && v.len == sizeof put)
            memcpy(&put, v.data, sizeof put);
        rp_value_free(&v);
        if (put <= 0 || t < put) {
            snprintf(err, errlen, "wake %lld: bad time stamp", (long long)i);
            return -1;
        }
        o->lat[o->nlat++] = t - put;
    }
    return rc;
}

/* A get on an empty queue, timing out after j->idle seconds. */
static int blocked_get(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    rp_value v;
    double c0 = bench_cpu_seconds();
    o->t0 = bench_now();
    int rc = rp_queue_get(rt, j->q, j->idle, &v, NULL);
    o->t1 = bench_now();
    o->cpu = bench_cpu_seconds() - c0;
    if (rc == RP_EEMPTY)
        return 0;
    if (rc == 0)
        rp_value_free(&v);
    snprintf(err, errlen, "blocked get: %s instead of RP_EEMPTY: %s", rp_err_name(rc),
             rp_last_error());
    return -1;
}

static int run_role(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    if (j->n < 1 || j->size < 8 || (j->role == ROLE_WAKE_GET && j->n > MAX_WAKES)) {
        snprintf(err, errlen, "bad job");
        return -1;
    }
    switch (j->role) {
    case ROLE_PRODUCE:
        return produce(rt, j, o, err, errlen);
    case ROLE_CONSUME:
        return consume(rt, j, o, err, errlen);
    case ROLE_LOCK:
        return lock_pairs(rt, j, o, err, errlen);
    case ROLE_WAKE_PUT:
        return wake_put(rt, j, o, err, errlen);
    case ROLE_WAKE_GET:
        return wake_get(rt, j, o, err, errlen);
    case ROLE_BLOCKED_GET:
        return blocked_get(rt, j, o, err, errlen);
    default:
        snprintf(err, errlen, "unknown role %d", j->role);
        return -1;
    }
}

static int sync_task(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(job))
        return rp_fail(ctx, 1, "expected a %zu-byte job, got %zu bytes", sizeof(job), size);
    job j;
    memcpy(&j, arg, sizeof j);
    outcome *o = rp_return_buffer(ctx, sizeof *o);
    if (o == NULL)
        return rp_fail(ctx, 1, "no result buffer");
    memset(o, 0, sizeof *o);
    o->rank = rp_task_rank(ctx);
    char err[512] = "";
    if (run_role(rp_task_runtime(ctx), &j, o, err, sizeof err) != 0)
        return rp_fail(ctx, 1, "rank %d: %s", o->rank, err);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* (b)-(e) the measurements                                                  */
/* ------------------------------------------------------------------------ */

enum { M_QUEUE, M_LOCK, M_WAKE, M_CPU };
/* Where the two sides run: both on workers, rank 0 producing, or one side alone. */
enum { AT_W2W, AT_R0W, AT_RANK0, AT_WORKER };

typedef struct measurement {
    const char *name;
    int kind, at;
    int size;    /* queue: item bytes */
    int bounded; /* queue: maxsize M, or unbounded */
    int short_idle;
} measurement;

static const measurement plan[] = {
    {"queue_w2w_8B_bounded", M_QUEUE, AT_W2W, 8, 1, 0},
    {"queue_w2w_8B_unbounded", M_QUEUE, AT_W2W, 8, 0, 0},
    {"queue_w2w_4096B_bounded", M_QUEUE, AT_W2W, 4096, 1, 0},
    {"queue_w2w_4096B_unbounded", M_QUEUE, AT_W2W, 4096, 0, 0},
    {"queue_r0w_8B_bounded", M_QUEUE, AT_R0W, 8, 1, 0},
    {"queue_r0w_8B_unbounded", M_QUEUE, AT_R0W, 8, 0, 0},
    {"queue_r0w_4096B_bounded", M_QUEUE, AT_R0W, 4096, 1, 0},
    {"queue_r0w_4096B_unbounded", M_QUEUE, AT_R0W, 4096, 0, 0},
    {"lock_rank0", M_LOCK, AT_RANK0, 8, 0, 0},
    {"lock_worker", M_LOCK, AT_WORKER, 8, 0, 0},
    {"wake_w2w", M_WAKE, AT_W2W, 8, 0, 0},
    {"wake_r0w", M_WAKE, AT_R0W, 8, 0, 0},
    {"wake_w2w_1ms", M_WAKE, AT_W2W, 8, 0, 1},
    {"wake_r0w_1ms", M_WAKE, AT_R0W, 8, 0, 1},
    {"blocked_get_cpu", M_CPU, AT_WORKER, 8, 0, 0},
};
#define NPLAN (sizeof plan / sizeof plan[0])

static long long wakes_of(const config *cf, const measurement *m) {
    /* The short idle costs nothing: more wakes, a steadier median. */
    long long w = m->short_idle ? 4 * cf->wakes : cf->wakes;
    return w < MAX_WAKES ? w : MAX_WAKES;
}

/* What rank 0 gathers over the repetitions. */
typedef struct results {
    bench_raw *raw; /* [r] */
    double *value;  /* [m * reps + r]: items/s, us per pair, median wake us, worker CPU % */
    double *extra;  /* [m * reps + r]: blocked get: rank 0's CPU %; wake: slowest wake us;
                     * lock: the median pair's us */
    double *fast;   /* [m * reps + r]: wake: fastest wake us; blocked get: its wall seconds;
                     * lock: the 99th percentile pair's us */
} results;

/*
 * Run @p first where @p at says: alone on rank 0 or on a worker; or with
 * @p second, on two different workers (AT_W2W) or here while @p second runs
 * on a worker (AT_R0W).  Outcomes into o[0] (first) and o[1] (second).
 */
static int run_at(rp_runtime *rt, rp_pool *pool, int at, const job *first, const job *second,
                  outcome o[2]) {
    int rc;
    memset(o, 0, 2 * sizeof *o);
    if (at == AT_RANK0) {
        char err[512] = "";
        if (run_role(rt, first, &o[0], err, sizeof err) != 0) {
            fprintf(stderr, "bench_sync: rank 0: %s\n", err);
            return 1;
        }
        return 0;
    }
    if (at == AT_WORKER) {
        size_t got = 0;
        rc = rp_pool_apply(pool, "sync_task", first, sizeof *first, &o[0], sizeof o[0], &got, NULL);
        return rc != 0 || got != sizeof o[0] ? bench_fail("rp_pool_apply", rc ? rc : RP_ESIZE) : 0;
    }
    if (at == AT_W2W) {
        job js[2] = {*first, *second};
        rp_call_options co = RP_CALL_OPTIONS_INIT;
        co.chunksize = 1;
        if ((rc = rp_pool_map(pool, "sync_task", js, 2, sizeof js[0], o, sizeof o[0], &co)) != 0)
            return bench_fail("rp_pool_map", rc);
        if (o[0].rank == o[1].rank || o[0].rank == 0 || o[1].rank == 0) {
            fprintf(stderr, "bench_sync: both sides ran on rank %d\n", o[0].rank);
            return 1;
        }
        return 0;
    }
    /* AT_R0W: the second side on a worker, the first here. */
    rp_result *res;
    if ((rc = rp_pool_apply_async(pool, "sync_task", second, sizeof *second, NULL, &res)) != 0)
        return bench_fail("rp_pool_apply_async", rc);
    char err[512] = "";
    int bad = run_role(rt, first, &o[0], err, sizeof err) != 0;
    if (bad) {
        fprintf(stderr, "bench_sync: rank 0: %s\n", err);
        /* Let the worker's side give up now rather than at its timeout. */
        rp_barrier_abort(rt, first->gate);
        rp_queue_close(rt, first->q);
    }
    const void *data;
    size_t size = 0;
    rc = rp_result_get(res, RP_FOREVER, &data, &size);
    if (rc == 0 && size == sizeof o[1])
        memcpy(&o[1], data, sizeof o[1]);
    rp_result_free(res);
    if (rc != 0 || size != sizeof o[1])
        return bad ? 1 : bench_fail("rp_result_get", rc ? rc : RP_ESIZE);
    if (o[1].rank == 0) {
        fprintf(stderr, "bench_sync: the worker's side ran on rank 0\n");
        return 1;
    }
    return bad;
}

/* One run of measurement @p m into slot @p at of @p res. */
static int measure(rp_runtime *rt, rp_pool *pool, rp_barrier gate, const config *cf,
                   const measurement *m, results *res, size_t at) {
    job a = {.gate = gate, .size = m->size}, b;
    outcome o[2];
    int rc = 0, drc = 0;
    if (m->kind == M_LOCK) {
        if ((rc = rp_lock_open(rt, NULL, RP_CREATE, 0, &a.l)) != 0)
            return bench_fail("rp_lock_open", rc);
        a.role = ROLE_LOCK;
        a.n = cf->pairs;
        if ((rc = run_at(rt, pool, m->at, &a, NULL, o)) == 0) {
            res->value[at] = (o[0].t1 - o[0].t0) / (double)cf->pairs * 1e6;
            res->extra[at] = o[0].lat[0] * 1e6;
            res->fast[at] = o[0].lat[1] * 1e6;
        }
        if ((drc = rp_lock_destroy(rt, a.l)) != 0 && rc == 0)
            rc = bench_fail("rp_lock_destroy", drc);
        return rc;
    }
    size_t maxsize = m->kind == M_QUEUE && m->bounded ? (size_t)cf->maxsize : 0;
    if ((rc = rp_queue_open(rt, NULL, RP_CREATE, RP_QUEUE_FIFO, maxsize, &a.q)) != 0)
        return bench_fail("rp_queue_open", rc);
    b = a;
    switch (m->kind) {
    case M_QUEUE:
        a.role = ROLE_PRODUCE;
        b.role = ROLE_CONSUME;
        a.n = b.n = cf->items;
        if ((rc = run_at(rt, pool, m->at, &a, &b, o)) != 0)
            break;
        if (o[1].t1 <= o[0].t0) {
            fprintf(stderr, "bench_sync: the last get came before the first put: are the "
                            "ranks on different hosts?\n");
            rc = 1;
            break;
        }
        res->value[at] = (double)cf->items / (o[1].t1 - o[0].t0);
        break;
    case M_WAKE: {
        a.role = ROLE_WAKE_PUT;
        b.role = ROLE_WAKE_GET;
        a.n = b.n = wakes_of(cf, m);
        a.idle = m->short_idle ? SHORT_IDLE : cf->idle;
        if ((rc = run_at(rt, pool, m->at, &a, &b, o)) != 0)
            break;
        if (o[1].nlat != b.n) {
            fprintf(stderr, "bench_sync: %d wakes instead of %lld\n", o[1].nlat, (long long)b.n);
            rc = 1;
            break;
        }
        bench_stats s = bench_summarize(o[1].lat, (size_t)o[1].nlat);
        res->value[at] = s.median * 1e6;
        res->extra[at] = s.max * 1e6;
        res->fast[at] = s.min * 1e6;
        break;
    }
    case M_CPU: {
        a.role = ROLE_BLOCKED_GET;
        a.n = 1;
        a.idle = cf->cpu_wait;
        double c0 = bench_cpu_seconds(), w0 = bench_now();
        rc = run_at(rt, pool, m->at, &a, NULL, o);
        double c1 = bench_cpu_seconds(), w1 = bench_now();
        if (rc != 0)
            break;
        res->value[at] = 100 * o[0].cpu / (o[0].t1 - o[0].t0);
        res->extra[at] = 100 * (c1 - c0) / (w1 - w0);
        res->fast[at] = o[0].t1 - o[0].t0;
        break;
    }
    }
    if ((drc = rp_queue_destroy(rt, a.q)) != 0 && rc == 0)
        rc = bench_fail("rp_queue_destroy", drc);
    return rc;
}

/* One repetition of every measurement of the plan, into slot r. */
static int bench_all(rp_runtime *rt, rp_pool *pool, const config *cf, size_t r, results *res) {
    rp_barrier gate;
    int rc = rp_barrier_open(rt, NULL, RP_CREATE, 2, &gate);
    if (rc != 0)
        return bench_fail("rp_barrier_open", rc);
    /* Untimed warm-up: first contact between both workers and the manager. */
    config wcf = *cf;
    wcf.items = 200;
    results scratch = *res;
    double ignored[3];
    scratch.value = &ignored[0];
    scratch.extra = &ignored[1];
    scratch.fast = &ignored[2];
    rc = measure(rt, pool, gate, &wcf, &plan[0], &scratch, 0);
    for (size_t m = 0; m < NPLAN && rc == 0; m++)
        rc = measure(rt, pool, gate, cf, &plan[m], res, m * (size_t)cf->reps + r);
    int drc = rp_barrier_destroy(rt, gate);
    if (rc == 0 && drc != 0)
        rc = bench_fail("rp_barrier_destroy", drc);
    return rc;
}

static size_t plan_index(const char *name) {
    size_t m = 0;
    while (strcmp(plan[m].name, name) != 0)
        m++;
    return m;
}

/* Every line, once all repetitions are in. */
static void report(const config *cf, const results *res) {
    size_t reps = (size_t)cf->reps;
    double *v = malloc(reps * sizeof *v), *w = malloc(reps * sizeof *w);
    double *x = malloc(reps * sizeof *x);
    if (v == NULL || w == NULL || x == NULL) {
        free(v);
        free(w);
        free(x);
        fprintf(stderr, "bench_sync: out of memory\n");
        return;
    }
    size_t req[RAW_COUNT], rep[RAW_COUNT];
    raw_sizes(req, rep);
    bench_raw_report(res->raw, reps, RAW_COUNT, raw_names, req, rep, cf->trips);
    for (size_t m = 0; m < NPLAN; m++) {
        const measurement *pm = &plan[m];
        memcpy(v, &res->value[m * reps], reps * sizeof *v);
        memcpy(w, &res->extra[m * reps], reps * sizeof *w);
        memcpy(x, &res->fast[m * reps], reps * sizeof *x);
        bench_stats s = bench_summarize(v, reps), se = bench_summarize(w, reps),
                    sf = bench_summarize(x, reps);
        printf("rankpool %s ", pm->name);
        switch (pm->kind) {
        case M_QUEUE:
            printf("item_bytes=%d maxsize=%lld items=%lld median_items_per_s=%.0f min=%.0f "
                   "max=%.0f\n",
                   pm->size, pm->bounded ? cf->maxsize : 0, cf->items, s.median, s.min, s.max);
            break;
        case M_LOCK:
            printf("pairs=%lld median_us_per_pair=%.2f min=%.2f max=%.2f typical_pair_us=%.2f "
                   "p99_pair_us=%.2f\n",
                   cf->pairs, s.median, s.min, s.max, se.median, sf.median);
            break;
        case M_WAKE:
            printf("idle_s=%g wakes=%lld median_us=%.1f min=%.1f max=%.1f fastest_us=%.1f "
                   "slowest_us=%.1f\n",
                   pm->short_idle ? SHORT_IDLE : cf->idle, wakes_of(cf, pm), s.median, s.min, s.max,
                   sf.min, se.max);
            break;
        case M_CPU:
            printf("wait_s=%g median_worker_cpu_percent=%.2f min=%.2f max=%.2f "
                   "rank0_cpu_percent=%.2f get_returned_after_s=%.4f\n",
                   cf->cpu_wait, s.median, s.min, s.max, se.median, sf.median);
            break;
        }
    }
    /* A worker's time per lock call (half a pair) against the raw round
     * trip, within each repetition (the two ran in the same phase): the
     * mean over all pairs, and the median pair against the median trip. */
    size_t lw = plan_index("lock_worker") * reps;
    const double *one = &res->value[lw], *typical = &res->extra[lw];
    const double *local = &res->value[plan_index("lock_rank0") * reps];
    for (size_t r = 0; r < reps; r++)
        v[r] = one[r] / 2;
    double us = bench_summarize(v, reps).median;
    for (size_t r = 0; r < reps; r++)
        v[r] = local[r] / 2;
    double us0 = bench_summarize(v, reps).median;
    for (size_t r = 0; r < reps; r++) {
        v[r] = one[r] / 2 / res->raw[r].median_us[RAW_SMALL];
        w[r] = one[r] / 2 / res->raw[r].mean_us[RAW_SMALL];
    }
    bench_stats s = bench_summarize(v, reps), sm = bench_summarize(w, reps);
    for (size_t r = 0; r < reps; r++)
        x[r] = typical[r] / 2 / res->raw[r].median_us[RAW_SMALL];
    bench_stats st = bench_summarize(x, reps);
    printf("rankpool lock_vs_raw_small worker_us_per_call=%.2f rank0_us_per_call=%.3f "
           "median_ratio=%.2f min=%.2f max=%.2f ratio_to_raw_mean=%.2f typical_ratio=%.2f "
           "typical_min=%.2f typical_max=%.2f\n",
           us, us0, s.median, s.min, s.max, sm.median, st.median, st.min, st.max);
    fflush(stdout);
    free(v);
    free(w);
    free(x);
}

/* ------------------------------------------------------------------------ */

static void quick(void *p) {
    config *cf = p;
    cf->items = 500;
    cf->maxsize = 50;
    cf->pairs = 300;
    cf->trips = 200;
    cf->wakes = 2;
    cf->idle = 0.05;
    cf->cpu_wait = 0.2;
}

static int parse_args(int argc, char **argv, config *cf) {
    *cf = (config){.items = 20000,
                   .maxsize = 1000,
                   .pairs = 10000,
                   .trips = 2000,
                   .wakes = 5,
                   .idle = 0.5,
                   .cpu_wait = 1.0,
                   .reps = 3,
                   .serialized = 0};
    const bench_arg args[] = {
        {.name = "--quick", .preset = quick},
        {.name = "--serialized", .flag = &cf->serialized},
        {.name = "--items", .count = &cf->items, .max = 100000000},
        {.name = "--maxsize", .count = &cf->maxsize, .max = 100000000},
        {.name = "--pairs", .count = &cf->pairs, .max = 100000000},
        {.name = "--trips", .count = &cf->trips, .max = 100000000},
        {.name = "--wakes", .count = &cf->wakes, .max = MAX_WAKES},
        {.name = "--idle", .seconds = &cf->idle, .max = 10},
        {.name = "--reps", .count = &cf->reps, .max = 1000},
    };
    return bench_parse_args(argc, argv, args, sizeof args / sizeof args[0], cf);
}

/* What main() hands the repetitions. */
typedef struct state {
    config cf;
    results res;
    int rank, level;
} state;

/* Before each repetition, on every rank while rankpool is down: the raw
 * round trips; rank 0 keeps rank 1's figures. */
static void raw_round(size_t r, void *user) {
    state *st = user;
    size_t req[RAW_COUNT], rep[RAW_COUNT];
    raw_sizes(req, rep);
    bench_raw_round(st->rank, (size_t)st->cf.trips, RAW_COUNT, req, rep, &st->res.raw[r]);
}

/* Repetition @p r on rank 0; the last one also reports. */
static int run(rp_runtime *rt, size_t r, void *user) {
    state *st = user;
    const config *cf = &st->cf;
    results *res = &st->res;
    rp_pool *pool;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        return bench_fail("rp_pool_create", rc);
    if (r == 0) {
        printf("rankpool setup ranks=%d workers=%d reps=%lld items=%lld maxsize=%lld pairs=%lld "
               "wakes=%lld idle_s=%g mpi_thread=%s\n",
               rp_size(rt), rp_pool_workers(pool), cf->reps, cf->items, cf->maxsize, cf->pairs,
               cf->wakes, cf->idle, bench_thread_level_name(st->level));
        fflush(stdout);
    }
    rc = bench_all(rt, pool, cf, r, res);
    rp_pool_destroy(pool);
    if (rc == 0 && r + 1 == (size_t)cf->reps)
        report(cf, res);
    return rc;
}

int main(int argc, char **argv) {
    state st;
    int bad_args = parse_args(argc, argv, &st.cf);
    if (bench_mpi_init(&argc, &argv, bad_args, st.cf.serialized, 3,
                       "usage: bench_sync [--quick] [--items N] [--maxsize M] [--pairs K] "
                       "[--trips T] [--wakes W] [--idle S] [--reps R] [--serialized]\n",
                       &st.rank, &st.level) != 0)
        return 1;
    size_t reps = (size_t)st.cf.reps;
    results *res = &st.res;
    *res = (results){calloc(reps, sizeof *res->raw), calloc(NPLAN * reps, sizeof *res->value),
                     calloc(NPLAN * reps, sizeof *res->extra),
                     calloc(NPLAN * reps, sizeof *res->fast)};
    if (res->raw == NULL || res->value == NULL || res->extra == NULL || res->fast == NULL) {
        fprintf(stderr, "bench_sync: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    static const rp_task_def tasks[] = {RP_TASK(sync_task)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    /* Each repetition measures the raw round trips, then rankpool. */
    int status = bench_repeat(reps, &opt, raw_round, run, &st);
    free(res->raw);
    free(res->value);
    free(res->extra);
    free(res->fast);
    MPI_Finalize();
    return status;
}
