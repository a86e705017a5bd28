/*
 * The seed's first Pool example, in C:
 *
 *     def f(x): return x*x
 *     with Pool(5) as p: print(p.map(f, [1, 2, 3]))      # [1, 4, 9]
 *
 * Run: mpirun -np 4 build/apps/squares
 */
#include <rankpool.h>

#include <stdio.h>

static int square(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    long x = *(const long *)arg;
    long y = x * x;
    return rp_return(ctx, &y, sizeof y);
}

/* Runs on rank 0 while the other ranks serve as the pool's workers. */
static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.workers = 5; /* Pool(5): as many as there are, up to 5 */
    rp_pool *pool = NULL;
    long in[] = {1, 2, 3}, out[3];
    int rc = rp_pool_create(rt, &po, &pool);
    if (rc == 0)
        rc = rp_pool_map(pool, "square", in, 3, sizeof in[0], out, sizeof out[0], NULL);
    if (rc == 0)
        printf("[%ld, %ld, %ld]\n", out[0], out[1], out[2]);
    else
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    rp_pool_destroy(pool);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(square)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
