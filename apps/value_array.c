/*
 * The seed's shared-memory example, in C:
 *
 *     def f(n, a):
 *         n.value = 3.1415927
 *         for i in range(len(a)):
 *             a[i] = -a[i]
 *
 *     num = Value('d', 0.0)
 *     arr = Array('i', range(10))
 *     p = Process(target=f, args=(num, arr)); p.start(); p.join()
 *     print(num.value)
 *     print(arr[:])
 *
 * The task runs on a worker; on rank 0's host it writes the shared memory
 * directly, from another host through the manager.  Then every worker adds
 * to a shared counter with fetch-and-add, and the total is exact.
 *
 * Run: mpirun -np 4 build/apps/value_array
 */
#include <rankpool.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct args {
    rp_array num, arr;
} args;

static int f(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const args *a = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    int rc = rp_array_set_f64(rt, a->num, 0, 3.1415927);
    for (size_t i = 0; rc == 0 && i < a->arr.length; i++) {
        int64_t x;
        if ((rc = rp_array_get_i64(rt, a->arr, i, &x)) == 0)
            rc = rp_array_set_i64(rt, a->arr, i, -x);
    }
    return rc;
}

#define ADDS 10000

static int count(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    rp_runtime *rt = rp_task_runtime(ctx);
    int rc = 0;
    for (int k = 0; rc == 0 && k < ADDS; k++)
        rc = rp_array_fetch_add_i64(rt, *(const rp_array *)arg, 0, 1, NULL);
    return rc;
}

static int fail(const char *what, int rc) {
    fprintf(stderr, "%s: %s: %s\n", what, rp_err_name(rc), rp_last_error());
    return 1;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc;
    (void)argv;
    (void)user;
    args a;
    int rc;
    if ((rc = rp_value_open(rt, NULL, 0, RP_ELEM_DOUBLE, &a.num)) != 0 ||
        (rc = rp_array_open(rt, NULL, 0, RP_ELEM_INT32, 0, 10, &a.arr)) != 0)
        return fail("open", rc);
    int32_t init[10];
    for (int i = 0; i < 10; i++)
        init[i] = i;
    if ((rc = rp_array_write(rt, a.arr, 0, 10, init)) != 0)
        return fail("write", rc);
    rp_pool *pool;
    if ((rc = rp_pool_create(rt, NULL, &pool)) != 0)
        return fail("pool", rc);
    if ((rc = rp_pool_apply(pool, "f", &a, sizeof a, NULL, 0, NULL, NULL)) != 0)
        return fail("apply", rc);

    double num;
    int32_t arr[10];
    if ((rc = rp_array_get_f64(rt, a.num, 0, &num)) != 0 ||
        (rc = rp_array_read(rt, a.arr, 0, 10, arr)) != 0)
        return fail("read", rc);
    printf("%.7f\n[", num);
    for (int i = 0; i < 10; i++)
        printf("%s%d", i ? ", " : "", arr[i]);
    printf("]\n");

    /* Every worker adds ADDS to one counter at once. */
    int w = rp_pool_workers(pool);
    rp_array c;
    if ((rc = rp_value_open(rt, NULL, 0, RP_ELEM_INT64, &c)) != 0)
        return fail("open", rc);
    rp_array *in = malloc((size_t)w * sizeof *in);
    for (int i = 0; i < w; i++)
        in[i] = c;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    if ((rc = rp_pool_map(pool, "count", in, (size_t)w, sizeof *in, NULL, 0, &co)) != 0)
        return fail("map", rc);
    int64_t total;
    if ((rc = rp_array_get_i64(rt, c, 0, &total)) != 0)
        return fail("read", rc);
    printf("counter: %d workers x %d fetch-and-add = %lld (expected %lld): %s\n", w, ADDS,
           (long long)total, (long long)w * ADDS, total == (int64_t)w * ADDS ? "OK" : "WRONG");
    free(in);
    rp_pool_destroy(pool);
    rp_array_destroy(rt, c);
    rp_array_destroy(rt, a.num);
    rp_array_destroy(rt, a.arr);
    return total == (int64_t)w * ADDS ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(f), RP_TASK(count)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 2;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
