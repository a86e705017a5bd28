/*
 * Shared objects (rp_dict_*) measured three ways in one program; bench/dict.sh
 * runs it next to Python's multiprocessing.Manager().dict()
 * (bench/py_manager_dict.py) and prints the ratios.
 *
 *   (a) A raw MPI round trip between rank 1 and rank 0 on MPI_COMM_WORLD,
 *       while no rankpool runtime is up: blocking MPI_Send/MPI_Recv of
 *       messages the size of a one-key get (request and answer) and of a
 *       batch of B keys (get_many and update, request and answer).  The sizes
 *       follow the OBJ_REQ/OBJ_REP format of lib/src/wire/wire.h for 16-byte keys
 *       and integer values.  Other ranks wait meanwhile in a sleeping barrier.
 *   (b) rankpool, with the same 16-byte keys and integer values:
 *         rank0_*        the calls from main() on rank 0 (on the store directly);
 *         one_worker_*   a task on a worker making K sequential calls, timed
 *                        inside the task (CLOCK_MONOTONIC);
 *         all_workers_*  one such task per worker at once (rp_pool_map with
 *                        chunksize 1, n = workers, started together by a gate in
 *                        the dict): total calls / the longest task's time;
 *       for get (rp_dict_get_int), set (rp_dict_set), the atomic counter
 *       (rp_dict_add_int) in ops/s, and get_many / update of B keys in keys/s.
 *       Every get checks the value it reads; the counter is checked after.
 *       Then each one-worker call time against the raw round trip of its
 *       sizes, as a ratio within each repetition, next to rank 0's own time.
 *   (c) Memory: the heap rank 0 holds for E entries ("key-%07d" -> integer,
 *       inserted with rp_dict_update in batches of 1000 from rank 0), from
 *       glibc's mallinfo2 (uordblks + hblkhd, all arenas) before and after,
 *       next to what rp_obj_memory counts (the obj_mem_max accounting); then
 *       the dict is destroyed and the heap measured again.
 *
 * Each repetition runs (a), then rp_init_comm, every measurement of (b) and
 * rp_finalize, so that a slow phase of a shared machine hits all of them; (c)
 * runs once, at the end.  Each measurement prints one line of key=value
 * fields with the median over the repetitions and their min and max:
 *     rankpool one_worker_get clients=1 calls=20000 median_ops_per_s=... min=... max=...
 *
 * Usage: mpirun -np P bench_dict [--quick] [--ops K] [--batches N]
 *                                [--batch B] [--trips T] [--entries E]
 *                                [--reps R] [--serialized]
 * P >= 2.  --quick picks small sizes (a few seconds in all) and is what the
 * tests run.  MPI is started with MPI_THREAD_MULTIPLE if the library has it,
 * else MPI_THREAD_SERIALIZED (--serialized asks for SERIALIZED only).
 */
#include <rankpool.h>

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "bench_dict"
#include "bench_common.h"

typedef struct config {
    long long ops;     /* sequential single-key calls per task */
    long long batches; /* get_many / update calls per task */
    long long batch;   /* keys per batch, also the keys single calls cycle over */
    long long trips;   /* raw MPI round trips per repetition */
    long long entries; /* dict entries for the memory measurement */
    long long reps;
    int serialized; /* ask MPI for MPI_THREAD_SERIALIZED only */
} config;

#define KEY_LEN 16 /* the keys of the timed measurements: "key-%012lld" */
#define GATE_KEY "gate"
#define COUNTER_KEY "counter-00000000" /* 16 bytes too */

/* ------------------------------------------------------------------------ */
/* (a) raw MPI round trips: message sizes, after lib/src/wire/wire.h              */
/* ------------------------------------------------------------------------ */

/* The raw round trips: request bytes from rank 1, answer bytes back. */
enum { RAW_SMALL, RAW_GET_MANY, RAW_UPDATE, RAW_COUNT };
static const char *const raw_names[RAW_COUNT] = {"raw_small", "raw_get_many", "raw_update"};

static void raw_sizes(size_t batch, size_t req[RAW_COUNT], size_t rep[RAW_COUNT]) {
    size_t key = bench_wire_bytes_field(KEY_LEN), val = BENCH_WIRE_FIELD;
    req[RAW_SMALL] = BENCH_WIRE_HDR + key; /* D_GET: key; answer: value */
    rep[RAW_SMALL] = BENCH_WIRE_HDR + val;
    req[RAW_GET_MANY] = BENCH_WIRE_HDR + batch * key; /* D_GETMANY: keys; answer: values */
    rep[RAW_GET_MANY] = BENCH_WIRE_HDR + batch * val;
    req[RAW_UPDATE] = BENCH_WIRE_HDR + batch * (key + val); /* D_UPDATE: pairs; answer: header */
    rep[RAW_UPDATE] = BENCH_WIRE_HDR;
}

/* ------------------------------------------------------------------------ */
/* (b) the calls, timed where they run                                       */
/* ------------------------------------------------------------------------ */

enum { OP_GET, OP_SET, OP_ADD, OP_GET_MANY, OP_UPDATE, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"get", "set", "add", "get_many", "update"};

/* A task's argument: what to run, against which dict. */
typedef struct job {
    rp_dict d;
    int32_t op;
    int32_t gate;  /* wait until this many tasks reached the gate (0: no gate) */
    int64_t n;     /* calls */
    int64_t batch; /* keys (and keys single calls cycle over) */
} job;

/* A task's answer. */
typedef struct outcome {
    double secs;
    int64_t calls;
    int32_t rank;
    int32_t pad;
} outcome;

/* Keys "key-%012lld" 0..n-1 in one block, and their values j. */
typedef struct keyset {
    char *bytes;
    rp_key *keys;
    rp_value *values;
} keyset;

static void keyset_free(keyset *ks) {
    free(ks->bytes);
    free(ks->keys);
    free(ks->values);
}

static int keyset_make(keyset *ks, size_t n) {
    ks->bytes = malloc(n * (KEY_LEN + 1));
    ks->keys = malloc(n * sizeof *ks->keys);
    ks->values = malloc(n * sizeof *ks->values);
    if (ks->bytes == NULL || ks->keys == NULL || ks->values == NULL) {
        keyset_free(ks);
        return -1;
    }
    for (size_t j = 0; j < n; j++) {
        char *k = ks->bytes + j * (KEY_LEN + 1);
        /* batch <= 100000: the modulo only tells the compiler the width */
        snprintf(k, KEY_LEN + 1, "key-%012llu", (unsigned long long)j % 1000000000000ull);
        ks->keys[j] = rp_key_bytes(k, KEY_LEN);
        ks->values[j] = rp_int((int64_t)j);
    }
    return 0;
}

/* Wait until @p n callers passed the gate: untimed, so that concurrent tasks
 * overlap from their first call. */
static int gate(rp_runtime *rt, rp_dict d, int n, char *err, size_t errlen) {
    rp_key k = rp_key_str(GATE_KEY);
    int64_t v = 0;
    int rc = rp_dict_add_int(rt, d, k, 1, &v);
    while (rc == 0 && v < n)
        rc = rp_dict_get_int(rt, d, k, &v);
    if (rc != 0)
        snprintf(err, errlen, "gate: %s: %s", rp_err_name(rc), rp_last_error());
    return rc;
}

/*
 * The measured loop, the same on rank 0 and in a task: j->n calls of one
 * kind, each get checked (the dict holds key j -> j for j < batch, and sets
 * and updates write the same values back).  A failure goes to @p err.
 */
static int run_job(rp_runtime *rt, const job *j, outcome *o, char *err, size_t errlen) {
    keyset ks;
    size_t nk = (size_t)j->batch;
    if (j->op < 0 || j->op >= OP_COUNT || j->n < 1 || j->batch < 1 || keyset_make(&ks, nk) != 0) {
        snprintf(err, errlen, "bad job or out of memory");
        return -1;
    }
    int rc = j->gate > 0 ? gate(rt, j->d, j->gate, err, errlen) : 0;
    const char *what = op_names[j->op];
    rp_key counter = rp_key_str(COUNTER_KEY);
    int64_t n = j->n, bad = -1, got = 0;
    double t0 = bench_now();
    for (int64_t i = 0; i < n && rc == 0 && bad < 0; i++) {
        size_t k = (size_t)i % nk;
        switch (j->op) {
        case OP_GET:
            rc = rp_dict_get_int(rt, j->d, ks.keys[k], &got);
            if (rc == 0 && got != (int64_t)k)
                bad = (int64_t)k;
            break;
        case OP_SET:
            rc = rp_dict_set(rt, j->d, ks.keys[k], ks.values[k]);
            break;
        case OP_ADD:
            rc = rp_dict_add_int(rt, j->d, counter, 1, NULL);
            break;
        case OP_GET_MANY: {
            rp_items it;
            rc = rp_dict_get_many(rt, j->d, ks.keys, nk, &it);
            for (size_t m = 0; rc == 0 && m < nk && bad < 0; m++)
                if (it.n != nk || it.values[m].type != RP_T_INT || it.values[m].i != (int64_t)m)
                    bad = (int64_t)m;
            if (rc == 0)
                rp_items_free(&it);
            break;
        }
        case OP_UPDATE:
            rc = rp_dict_update(rt, j->d, ks.keys, ks.values, nk);
            break;
        }
    }
    o->secs = bench_now() - t0;
    o->calls = n;
    keyset_free(&ks);
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "%s: %s: %s", what, rp_err_name(rc), rp_last_error());
    else if (bad >= 0)
        snprintf(err, errlen, "%s: wrong value for key %lld", what, (long long)bad);
    return rc != 0 || bad >= 0 ? -1 : 0;
}

static int dict_task(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(job))
        return rp_fail(ctx, 1, "expected a %zu-byte job, got %zu bytes", sizeof(job), size);
    job j;
    memcpy(&j, arg, sizeof j);
    outcome o = {0, 0, rp_task_rank(ctx), 0};
    char err[512] = "";
    if (run_job(rp_task_runtime(ctx), &j, &o, err, sizeof err) != 0)
        return rp_fail(ctx, 1, "rank %d: %s", o.rank, err);
    return rp_return(ctx, &o, sizeof o);
}

/* Where a measurement runs. */
enum { AT_RANK0, AT_ONE_WORKER, AT_ALL_WORKERS };
static const char *const at_names[] = {"rank0", "one_worker", "all_workers"};

typedef struct measurement {
    int at, op;
} measurement;

static const measurement plan[] = {
    {AT_RANK0, OP_GET},         {AT_RANK0, OP_SET},       {AT_RANK0, OP_ADD},
    {AT_RANK0, OP_GET_MANY},    {AT_RANK0, OP_UPDATE},    {AT_ONE_WORKER, OP_GET},
    {AT_ONE_WORKER, OP_SET},    {AT_ONE_WORKER, OP_ADD},  {AT_ONE_WORKER, OP_GET_MANY},
    {AT_ONE_WORKER, OP_UPDATE}, {AT_ALL_WORKERS, OP_GET}, {AT_ALL_WORKERS, OP_SET},
    {AT_ALL_WORKERS, OP_ADD},
};
#define NPLAN (sizeof plan / sizeof plan[0])

static int is_batch(int op) {
    return op == OP_GET_MANY || op == OP_UPDATE;
}

/* Run @p j where @p at says, one outcome per task into @p o (workers entries for all). */
static int run_at(rp_runtime *rt, rp_pool *pool, rp_dict d, int at, job j, outcome *o) {
    int rc;
    if (at == AT_RANK0) {
        char err[512] = "";
        if (run_job(rt, &j, o, err, sizeof err) != 0) {
            fprintf(stderr, "bench_dict: rank 0: %s\n", err);
            return 1;
        }
        return 0;
    }
    if (at == AT_ONE_WORKER) {
        size_t got = 0;
        rc = rp_pool_apply(pool, "dict_task", &j, sizeof j, o, sizeof *o, &got, NULL);
        return rc != 0 || got != sizeof *o ? bench_fail("rp_pool_apply", rc ? rc : RP_ESIZE) : 0;
    }
    int n = rp_pool_workers(pool);
    if ((rc = rp_dict_set(rt, d, rp_key_str(GATE_KEY), rp_int(0))) != 0)
        return bench_fail("reset the gate", rc);
    j.gate = n;
    job *js = malloc((size_t)n * sizeof *js);
    if (js == NULL) {
        fprintf(stderr, "bench_dict: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++)
        js[i] = j;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rc = rp_pool_map(pool, "dict_task", js, (size_t)n, sizeof *js, o, sizeof *o, &co);
    free(js);
    if (rc != 0)
        return bench_fail("rp_pool_map", rc);
    /* The pool gives each item to a different worker (fewest chunks in flight first). */
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (o[a].rank == o[b].rank) {
                fprintf(stderr, "bench_dict: two of the concurrent tasks ran on rank %d\n",
                        o[a].rank);
                return 1;
            }
    return 0;
}

/* One run of measurement @p m; its rate (ops/s, or keys/s for batches) to @p rate. */
static int measure(rp_runtime *rt, rp_pool *pool, rp_dict d, const config *cf, measurement m,
                   double *rate) {
    int rc, n = m.at == AT_ALL_WORKERS ? rp_pool_workers(pool) : 1;
    job j = {d, m.op, 0, is_batch(m.op) ? cf->batches : cf->ops, cf->batch};
    if (m.op == OP_ADD && (rc = rp_dict_set(rt, d, rp_key_str(COUNTER_KEY), rp_int(0))) != 0)
        return bench_fail("reset the counter", rc);
    outcome *o = calloc((size_t)n, sizeof *o);
    if (o == NULL) {
        fprintf(stderr, "bench_dict: out of memory\n");
        return 1;
    }
    rc = run_at(rt, pool, d, m.at, j, o);
    double calls = 0, secs = 0;
    for (int i = 0; i < n; i++) {
        calls += (double)o[i].calls;
        secs = o[i].secs > secs ? o[i].secs : secs;
    }
    free(o);
    if (rc != 0)
        return rc;
    if (m.op == OP_ADD) {
        int64_t c = -1;
        if ((rc = rp_dict_get_int(rt, d, rp_key_str(COUNTER_KEY), &c)) != 0)
            return bench_fail("read the counter", rc);
        if (c != (int64_t)calls) {
            fprintf(stderr, "bench_dict: counter is %lld after %.0f atomic adds\n", (long long)c,
                    calls);
            return 1;
        }
    }
    *rate = (is_batch(m.op) ? calls * (double)cf->batch : calls) / secs;
    return 0;
}

/* What rank 0 gathers over the repetitions. */
typedef struct results {
    bench_raw *raw; /* [r] */
    double *rate;   /* [m * reps + r]: ops/s, or keys/s for batches */
} results;

/* One repetition of every measurement of the plan, into res->rate[m * reps + r]. */
static int bench_calls(rp_runtime *rt, rp_pool *pool, const config *cf, size_t r, results *res) {
    rp_dict d;
    int rc = rp_dict_open(rt, "bench", RP_CREATE | RP_EXCL, &d);
    if (rc != 0)
        return bench_fail("rp_dict_open", rc);
    keyset ks;
    if (keyset_make(&ks, (size_t)cf->batch) != 0) {
        fprintf(stderr, "bench_dict: out of memory\n");
        return 1;
    }
    rc = rp_dict_update(rt, d, ks.keys, ks.values, (size_t)cf->batch);
    keyset_free(&ks);
    if (rc != 0)
        return bench_fail("rp_dict_update", rc);
    /* Untimed warm-up: first contact between every worker and the manager. */
    measurement warm = {AT_ALL_WORKERS, OP_GET};
    config wcf = *cf;
    wcf.ops = 50;
    double ignored;
    rc = measure(rt, pool, d, &wcf, warm, &ignored);
    for (size_t m = 0; m < NPLAN && rc == 0; m++)
        rc = measure(rt, pool, d, cf, plan[m], &res->rate[m * (size_t)cf->reps + r]);
    int drc = rp_dict_destroy(rt, d);
    if (rc == 0 && drc != 0)
        rc = bench_fail("rp_dict_destroy", drc);
    return rc;
}

static size_t plan_index(int at, int op) {
    size_t m = 0;
    while (plan[m].at != at || plan[m].op != op)
        m++;
    return m;
}

/* Every line of the timed measurements, once all repetitions are in. */
static void report(const config *cf, int workers, const results *res) {
    size_t reps = (size_t)cf->reps;
    double *v = malloc(reps * sizeof *v), *w = malloc(reps * sizeof *w);
    if (v == NULL || w == NULL) {
        free(v);
        free(w);
        fprintf(stderr, "bench_dict: out of memory\n");
        return;
    }
    size_t req[RAW_COUNT], rep[RAW_COUNT];
    raw_sizes((size_t)cf->batch, req, rep);
    bench_raw_report(res->raw, reps, RAW_COUNT, raw_names, req, rep, cf->trips);
    for (size_t m = 0; m < NPLAN; m++) {
        memcpy(v, &res->rate[m * reps], reps * sizeof *v);
        bench_stats s = bench_summarize(v, reps);
        int batch = is_batch(plan[m].op);
        printf("rankpool %s_%s clients=%d calls=%lld", at_names[plan[m].at], op_names[plan[m].op],
               plan[m].at == AT_ALL_WORKERS ? workers : 1, batch ? cf->batches : cf->ops);
        if (batch)
            printf(" batch=%lld median_keys_per_s=", cf->batch);
        else
            printf(" median_ops_per_s=");
        printf("%.0f min=%.0f max=%.0f\n", s.median, s.min, s.max);
    }
    /* One worker's time per call against the raw round trip of the same
     * sizes, within each repetition (the two ran back to back), and rank 0's
     * own time per call: what the store and the encoding cost without MPI. */
    static const struct {
        int op, raw;
    } pairs[] = {{OP_GET, RAW_SMALL}, {OP_GET_MANY, RAW_GET_MANY}, {OP_UPDATE, RAW_UPDATE}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        int op = pairs[p].op, raw = pairs[p].raw;
        const double *one = &res->rate[plan_index(AT_ONE_WORKER, op) * reps];
        const double *local = &res->rate[plan_index(AT_RANK0, op) * reps];
        double per_call = is_batch(op) ? (double)cf->batch : 1.0;
        for (size_t r = 0; r < reps; r++)
            v[r] = 1e6 * per_call / one[r];
        double us = bench_summarize(v, reps).median;
        for (size_t r = 0; r < reps; r++)
            v[r] = 1e6 * per_call / local[r];
        double us0 = bench_summarize(v, reps).median;
        for (size_t r = 0; r < reps; r++) {
            v[r] = 1e6 * per_call / one[r] / res->raw[r].median_us[raw];
            w[r] = 1e6 * per_call / one[r] / res->raw[r].mean_us[raw];
        }
        bench_stats s = bench_summarize(v, reps), sm = bench_summarize(w, reps);
        printf("rankpool %s_vs_%s worker_us_per_call=%.2f rank0_us_per_call=%.2f "
               "median_ratio=%.2f min=%.2f max=%.2f ratio_to_raw_mean=%.2f\n",
               op_names[op], raw_names[raw], us, us0, s.median, s.min, s.max, sm.median);
    }
    fflush(stdout);
    free(v);
    free(w);
}

/* ------------------------------------------------------------------------ */
/* (c) memory per entry                                                      */
/* ------------------------------------------------------------------------ */

static size_t heap_in_use(void) {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static int bench_memory(rp_runtime *rt, const config *cf) {
    enum { BATCH = 1000, KLEN = 11 }; /* "key-%07d" below 10^7 entries */
    char *bytes = malloc(BATCH * (KLEN + 1));
    rp_key *keys = malloc(BATCH * sizeof *keys);
    rp_value *values = malloc(BATCH * sizeof *values);
    if (bytes == NULL || keys == NULL || values == NULL) {
        free(bytes);
        free(keys);
        free(values);
        fprintf(stderr, "bench_dict: out of memory\n");
        return 1;
    }
    size_t used0, used1, used2;
    int rc = rp_obj_memory(rt, &used0, NULL);
    size_t heap0 = heap_in_use();
    rp_dict d;
    if (rc == 0)
        rc = rp_dict_open(rt, "memory", RP_CREATE | RP_EXCL, &d);
    double t0 = bench_now();
    for (long long i = 0; i < cf->entries && rc == 0; i += BATCH) {
        size_t n = 0;
        for (; n < BATCH && i + (long long)n < cf->entries; n++) {
            char *k = bytes + n * (KLEN + 1);
            snprintf(k, KLEN + 1, "key-%07d", (int)((i + (long long)n) % 10000000));
            keys[n] = rp_key_bytes(k, KLEN);
            values[n] = rp_int(i + (long long)n);
        }
        rc = rp_dict_update(rt, d, keys, values, n);
    }
    double secs = bench_now() - t0;
    size_t heap1 = heap_in_use(), len = 0;
    if (rc == 0)
        rc = rp_obj_memory(rt, &used1, NULL);
    if (rc == 0)
        rc = rp_dict_len(rt, d, &len);
    if (rc == 0 && len != (size_t)cf->entries) {
        fprintf(stderr, "bench_dict: dict holds %zu entries, not %lld\n", len, cf->entries);
        rc = RP_EPROTO;
    }
    if (rc == 0)
        rc = rp_dict_destroy(rt, d);
    size_t heap2 = heap_in_use();
    if (rc == 0)
        rc = rp_obj_memory(rt, &used2, NULL);
    free(bytes);
    free(keys);
    free(values);
    if (rc != 0)
        return rc == RP_EPROTO ? 1 : bench_fail("memory", rc);
    /* "Drops back": what is left is small next to what the entries took (a
     * few KiB stay with the store and the allocator whatever the size). */
    double e = (double)cf->entries, grown = (double)heap1 - (double)heap0;
    double left = (double)heap2 - (double)heap0;
    printf("rankpool memory entries=%lld key_bytes=%d value_bytes=8 heap_per_entry=%.1f "
           "heap_beyond_kv=%.1f counted_per_entry=%.1f counted_beyond_kv=%.1f insert_s=%.3f "
           "heap_after_destroy_bytes=%.0f counted_after_destroy_bytes=%.0f drops_back=%s\n",
           cf->entries, KLEN, grown / e, grown / e - (KLEN + 8), (double)(used1 - used0) / e,
           (double)(used1 - used0) / e - (KLEN + 8), secs, left, (double)used2 - (double)used0,
           left <= 0.01 * grown + 65536 ? "yes" : "no");
    fflush(stdout);
    return 0;
}

/* ------------------------------------------------------------------------ */

static void quick(void *p) {
    config *cf = p;
    cf->ops = 1000;
    cf->batches = 20;
    cf->trips = 200;
    cf->entries = 100000;
}

static int parse_args(int argc, char **argv, config *cf) {
    *cf = (config){.ops = 20000,
                   .batches = 200,
                   .batch = 1000,
                   .trips = 2000,
                   .entries = 1000000,
                   .reps = 3,
                   .serialized = 0};
    const bench_arg args[] = {
        {.name = "--quick", .preset = quick},
        {.name = "--serialized", .flag = &cf->serialized},
        {.name = "--ops", .count = &cf->ops, .max = 100000000},
        {.name = "--batches", .count = &cf->batches, .max = 10000000},
        {.name = "--batch", .count = &cf->batch, .max = 100000},
        {.name = "--trips", .count = &cf->trips, .max = 100000000},
        /* at most 7 digits: keeps "key-%07d" at 11 bytes */
        {.name = "--entries", .count = &cf->entries, .max = 9999999},
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
    raw_sizes((size_t)st->cf.batch, req, rep);
    bench_raw_round(st->rank, (size_t)st->cf.trips, RAW_COUNT, req, rep, &st->res.raw[r]);
}

/* Repetition @p r on rank 0; the last one also reports and measures memory. */
static int run(rp_runtime *rt, size_t r, void *user) {
    state *st = user;
    const config *cf = &st->cf;
    results *res = &st->res;
    rp_pool *pool;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc != 0)
        return bench_fail("rp_pool_create", rc);
    int workers = rp_pool_workers(pool);
    if (r == 0) {
        printf("rankpool setup ranks=%d workers=%d reps=%lld ops=%lld batches=%lld batch=%lld "
               "key_bytes=%d mpi_thread=%s\n",
               rp_size(rt), workers, cf->reps, cf->ops, cf->batches, cf->batch, KEY_LEN,
               bench_thread_level_name(st->level));
        fflush(stdout);
    }
    rc = bench_calls(rt, pool, cf, r, res);
    rp_pool_destroy(pool);
    if (rc == 0 && r + 1 == (size_t)cf->reps) {
        report(cf, workers, res);
        rc = bench_memory(rt, cf);
    }
    return rc;
}

int main(int argc, char **argv) {
    state st;
    int bad_args = parse_args(argc, argv, &st.cf);
    if (bench_mpi_init(&argc, &argv, bad_args, st.cf.serialized, 2,
                       "usage: bench_dict [--quick] [--ops K] [--batches N] [--batch B] "
                       "[--trips T] [--entries E] [--reps R] [--serialized]\n",
                       &st.rank, &st.level) != 0)
        return 1;
    size_t reps = (size_t)st.cf.reps;
    st.res = (results){calloc(reps, sizeof *st.res.raw), calloc(NPLAN * reps, sizeof *st.res.rate)};
    if (st.res.raw == NULL || st.res.rate == NULL) {
        fprintf(stderr, "bench_dict: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    static const rp_task_def tasks[] = {RP_TASK(dict_task)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    /* Each repetition measures the raw round trips, then rankpool. */
    int status = bench_repeat(reps, &opt, raw_round, run, &st);
    free(st.res.raw);
    free(st.res.rate);
    MPI_Finalize();
    return status;
}
