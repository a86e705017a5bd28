/*
 * rp_main: the program's body runs on rank 0 only, the workers serve, and
 * the exit code is the body's.  `test_main N` makes the body return N after
 * checking a map; the CTest entries expect exit 0 for N = 0 and failure for
 * N = 3.  A failed check returns 99.
 */
#include <rankpool.h>

#include <stdio.h>
#include <stdlib.h>

static int bodies_run; /* per process: only rank 0's may be 1 */

static int triple(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int v = 3 * *(const int *)arg;
    return rp_return(ctx, &v, sizeof v);
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    bodies_run++;
    if (!rp_is_manager(rt) || user != (void *)&bodies_run || argc < 2 || argv == NULL)
        return 99;
    rp_pool *pool = NULL;
    int in[10], out[10];
    for (int i = 0; i < 10; i++)
        in[i] = i;
    if (rp_pool_create(rt, NULL, &pool) != 0 ||
        rp_pool_map(pool, "triple", in, 10, sizeof in[0], out, sizeof out[0], NULL) != 0)
        return 99;
    rp_pool_destroy(pool);
    for (int i = 0; i < 10; i++)
        if (out[i] != 3 * i)
            return 99;
    printf("body ran on rank 0, returning %s\n", argv[1]);
    return atoi(argv[1]);
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(triple)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    /* A bad option fails on every rank with exit code 1 and a message. */
    if (argc > 2) {
        opt.prefetch = 0;
        return rp_main(&argc, &argv, &opt, body, &bodies_run) == 1 ? 0 : 99;
    }
    return rp_main(&argc, &argv, &opt, body, &bodies_run);
}
