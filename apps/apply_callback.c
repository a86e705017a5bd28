/*
 * The seed's apply_async example, in C: fire-and-forget calls whose results
 * are collected by a callback, in the order they arrive.
 *
 *     def fun(x): return x*x
 *     li = []
 *     def callback(x): li.append(x)
 *     p = Pool(4)
 *     [p.apply_async(func=fun, args=(i,), callback=callback) for i in range(6)]
 *     p.close(); p.join(); print(li)     # e.g. [0, 1, 4, 25, 16, 9]
 *
 * Run: mpirun -np 3 build/apps/apply_callback
 */
#include <rankpool.h>

#include <stdio.h>

#define NCALLS 6

/*
 * What the callbacks collect.  Callbacks run one at a time on rank 0's
 * manager thread, so they need no lock among themselves; the main thread
 * reads the fields only after rp_pool_join, which waits for every callback
 * to have returned (and synchronizes with the manager thread).
 */
typedef struct collected {
    long values[NCALLS];
    int n;
    int failures;
    int first_rc;
} collected;

static int fun(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(long))
        return rp_fail(ctx, 1, "expected a long, got %zu bytes", size);
    long x = *(const long *)arg;
    long y = x * x;
    return rp_return(ctx, &y, sizeof y);
}

static void record_failure(collected *c, int rc) {
    if (c->failures++ == 0)
        c->first_rc = rc;
}

static void on_result(rp_result *res, void *user) {
    collected *c = user;
    const void *data;
    size_t size;
    /* The call is already complete here, so a zero timeout never waits. */
    int rc = rp_result_get(res, 0, &data, &size);
    if (rc != 0) {
        fprintf(stderr, "callback: rp_result_get: %s: %s\n", rp_err_name(rc), rp_last_error());
        record_failure(c, rc);
        return;
    }
    if (size != sizeof(long) || c->n >= NCALLS) {
        fprintf(stderr, "callback: unexpected result of %zu bytes (result %d)\n", size, c->n);
        record_failure(c, RP_ESIZE);
        return;
    }
    c->values[c->n++] = *(const long *)data;
}

static void on_error(rp_result *res, void *user) {
    collected *c = user;
    rp_task_error e;
    int rc = rp_result_error(res, &e);
    if (rc == 0)
        fprintf(stderr, "task failed: code %d: %s\n", e.code, e.message ? e.message : "");
    else
        fprintf(stderr, "error callback: rp_result_error: %s\n", rp_err_name(rc));
    record_failure(c, RP_ETASK);
}

static int run(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.workers = 4; /* Pool(4): as many as there are, up to 4 */
    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, &po, &pool);
    if (rc != 0) {
        fprintf(stderr, "rp_pool_create: %s: %s\n", rp_err_name(rc), rp_last_error());
        return 1;
    }
    collected c = {.n = 0};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = on_result;
    co.error_callback = on_error;
    co.user = &c;
    int err = 0;
    for (long i = 0; i < NCALLS && !err; i++) {
        /* res = NULL: nobody keeps a handle; the callback is the only reader. */
        rc = rp_pool_apply_async(pool, "fun", &i, sizeof i, &co, NULL);
        if (rc != 0) {
            fprintf(stderr, "rp_pool_apply_async(%ld): %s: %s\n", i, rp_err_name(rc),
                    rp_last_error());
            err = 1;
        }
    }
    /* Even after a failed submission, join so the callbacks no longer touch c. */
    if ((rc = rp_pool_close(pool)) != 0) {
        fprintf(stderr, "rp_pool_close: %s: %s\n", rp_err_name(rc), rp_last_error());
        err = 1;
    } else if ((rc = rp_pool_join(pool, RP_FOREVER)) != 0) {
        fprintf(stderr, "rp_pool_join: %s: %s\n", rp_err_name(rc), rp_last_error());
        err = 1;
    }
    rp_pool_destroy(pool);
    if (err)
        return 1;

    printf("[");
    long sum = 0;
    for (int k = 0; k < c.n; k++) {
        printf("%s%ld", k ? ", " : "", c.values[k]);
        sum += c.values[k];
    }
    printf("]\n");
    if (c.failures > 0) {
        fprintf(stderr, "%d call(s) failed, first with %s\n", c.failures, rp_err_name(c.first_rc));
        return 1;
    }
    /* Arrival order varies from run to run; the sum does not. */
    long want = 0;
    for (long i = 0; i < NCALLS; i++)
        want += i * i;
    printf("%d results, sum %ld (expected %ld): %s\n", c.n, sum, want,
           c.n == NCALLS && sum == want ? "OK" : "WRONG");
    return c.n == NCALLS && sum == want ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(fun)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, run, NULL); /* run() on rank 0, workers serve */
}
