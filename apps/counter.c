/*
 * The seed's shared-counter example, in C:
 *
 *     def task(data, l):
 *         l.acquire()
 *         num = data["num"]
 *         time.sleep(0.1)
 *         data["num"] = num - 1
 *         l.release()
 *     data = Manager().dict({"num": 10})
 *     for i in range(10): Process(target=task, args=(data, l)).start()
 *
 * Ten tasks each take one from num.  Without the lock the read and the
 * write of different tasks interleave and updates are lost; with the
 * manager's atomic operations no lock is needed:
 *   atomic  rp_dict_add_int(d, "num", -1)          one call, never lost
 *   cas     read, then rp_dict_cas(old -> old - 1)  retried until it lands
 *   racy    read, sleep, write (the seed without its lock): may end above 0
 *
 * Run: mpirun -np 5 build/apps/counter
 */
#include <rankpool.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NUM rp_key_str("num")

static void pause_ms(int ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int atomic(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    return rp_dict_add_int(rp_task_runtime(ctx), *(const rp_dict *)arg, NUM, -1, NULL);
}

static int cas(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    rp_runtime *rt = rp_task_runtime(ctx);
    rp_dict d = *(const rp_dict *)arg;
    int64_t num;
    int rc;
    do {
        if ((rc = rp_dict_get_int(rt, d, NUM, &num)) != 0)
            return rc;
        pause_ms(10); /* others change num meanwhile: the swap then fails and retries */
    } while ((rc = rp_dict_cas(rt, d, NUM, rp_int(num), rp_int(num - 1), NULL)) == 0);
    return rc == 1 ? 0 : rc;
}

static int racy(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    rp_runtime *rt = rp_task_runtime(ctx);
    rp_dict d = *(const rp_dict *)arg;
    int64_t num;
    int rc = rp_dict_get_int(rt, d, NUM, &num);
    pause_ms(10);
    return rc != 0 ? rc : rp_dict_set(rt, d, NUM, rp_int(num - 1));
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    static const char *const kinds[] = {"atomic", "cas", "racy"};
    rp_pool *pool = NULL;
    rp_dict data;
    int rc = rp_pool_create(rt, NULL, &pool);
    if (rc == 0)
        rc = rp_dict_open(rt, "data", RP_CREATE, &data);
    rp_dict args[10];
    for (int i = 0; i < 10; i++)
        args[i] = data;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1; /* one task per message, so the workers share them */
    printf("%d workers, 10 tasks each taking 1 from num = 10\n", rp_pool_workers(pool));
    for (int k = 0; rc == 0 && k < 3; k++) {
        int64_t num = -1;
        rc = rp_dict_set(rt, data, NUM, rp_int(10));
        if (rc == 0)
            rc = rp_pool_map(pool, kinds[k], args, 10, sizeof args[0], NULL, 0, &co);
        if (rc == 0)
            rc = rp_dict_get_int(rt, data, NUM, &num);
        if (rc == 0)
            printf("%-6s num = %lld%s\n", kinds[k], (long long)num,
                   k < 2 ? (num == 0 ? "  OK" : "  WRONG")
                         : (num > 0 ? "  (updates lost: this is why the seed needs a lock)"
                                    : "  (no update lost this time)"));
    }
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    rp_pool_destroy(pool);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(atomic), RP_TASK(cas), RP_TASK(racy)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 3;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
