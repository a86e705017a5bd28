/*
 * The seed's JoinableQueue example, in C:
 *
 *     def consumer(q):
 *         while True:
 *             res = q.get(); time.sleep(random.randint(1, 3))
 *             print('%s consumer %s' % (os.getpid(), res))
 *             q.task_done()
 *     def producer(name, q):
 *         for i in range(3):
 *             time.sleep(random.randint(1, 3))
 *             res = "name:%s, i:%s" % (name, i); q.put(res)
 *             print('%s produce %s' % (os.getpid(), res))
 *         q.join()
 *     q = JoinableQueue()
 *     p1, p2, p3 = Process(target=producer, args=('aa', q)), ... 'bb', ... 'cc'
 *     c1, c2 = Process(target=consumer, args=(q,)), ...; c1.daemon = c2.daemon = True
 *     start all; p1.join(); p2.join(); p3.join(); print("main")
 *
 * The consumers are pool tasks on the workers; the producers are threads on
 * rank 0.  The rule: a worker runs one task at a time, and a consumer never
 * ends until the queue is closed, so nothing the close depends on may be
 * queued behind a consumer.  Hence the producers do not run as tasks, and
 * the program is correct with any number of workers (with one, the second
 * consumer starts only after the first has ended and finds the queue closed).
 *
 * Python ends the daemon consumers, blocked in q.get(), when main ends.
 * Here main closes the queue after q.join(): the consumers' get then
 * returns RP_ECLOSED and they return.  Each consumer counts every item it
 * takes in a shared dict, so main can check each was consumed exactly once.
 *
 * Run: mpirun -np 4 build/apps/producer_consumer
 */
#include <rankpool.h>

#include <pthread.h>
#include <stdio.h>
#include <time.h>

/* Seconds q.join() waits: should a consumer fail, a timeout, not a hang. */
#define PATIENCE 10.0

typedef struct shared {
    rp_queue q;
    rp_dict seen; /* item -> times consumed */
} shared;

typedef struct producer_arg {
    rp_runtime *rt;
    shared s;
    const char *name;
    int rc;
} producer_arg;

/* 10..30 ms, varied by item: the seed's random.randint(1, 3) seconds, shortened. */
static void pause_for(unsigned k) {
    struct timespec ts = {0, (10 + (k * 7919u) % 21) * 1000000L};
    nanosleep(&ts, NULL);
}

static int consumer(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const shared *s = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    int64_t n = 0;
    rp_value item;
    int rc;
    while ((rc = rp_queue_get(rt, s->q, RP_FOREVER, &item, NULL)) == 0) {
        const char *res = item.data;
        pause_for((unsigned)item.len + (unsigned)res[item.len - 1]);
        printf("rank %d consumer %s\n", rp_task_rank(ctx), res);
        fflush(stdout);
        rc = rp_dict_add_int(rt, s->seen, rp_key_str(res), 1, NULL);
        rp_value_free(&item);
        if (rc == 0)
            rc = rp_queue_task_done(rt, s->q);
        if (rc != 0)
            return rp_fail(ctx, rc, "%s", rp_last_error());
        n++;
    }
    if (rc != RP_ECLOSED) /* closed and empty: the daemon's end */
        return rp_fail(ctx, rc, "get: %s", rp_last_error());
    return rp_return(ctx, &n, sizeof n);
}

static void *producer(void *arg) {
    producer_arg *p = arg;
    char res[64];
    for (int i = 0; i < 3 && p->rc == 0; i++) {
        pause_for((unsigned)(p->name[0] + i));
        snprintf(res, sizeof res, "name:%s, i:%d", p->name, i);
        if ((p->rc = rp_queue_put(p->rt, p->s.q, rp_str(res), RP_FOREVER)) == 0) {
            printf("rank 0 produce %s\n", res);
            fflush(stdout);
        }
    }
    if (p->rc == 0)
        p->rc = rp_queue_join(p->rt, p->s.q, PATIENCE);
    return NULL;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    shared s = {{0}, {0}};
    rp_pool *pool = NULL;
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.workers = 2; /* the two consumers */
    rp_result *c[2] = {NULL, NULL};
    static const char *const names[3] = {"aa", "bb", "cc"};
    producer_arg p[3];
    pthread_t t[3];
    int started = 0, rc = rp_queue_open(rt, NULL, 0, RP_QUEUE_JOINABLE, 0, &s.q);
    if (rc == 0)
        rc = rp_dict_open(rt, NULL, 0, &s.seen);
    if (rc == 0)
        rc = rp_pool_create(rt, &po, &pool);
    for (int i = 0; rc == 0 && i < 2; i++)
        rc = rp_pool_apply_async(pool, "consumer", &s, sizeof s, NULL, &c[i]);
    for (; rc == 0 && started < 3; started++) {
        p[started] = (producer_arg){rt, s, names[started], 0};
        if (pthread_create(&t[started], NULL, producer, &p[started]) != 0)
            rc = RP_ENOMEM;
    }
    for (int i = 0; i < started; i++) { /* p1.join(); p2.join(); p3.join() */
        pthread_join(t[i], NULL);
        if (rc == 0)
            rc = p[i].rc;
    }
    if (rc == 0)
        rc = rp_queue_join(rt, s.q, PATIENCE); /* at once: all were task_done */
    if (rc == 0)
        printf("main\n");
    /* Stands in for the daemons' end: their blocked get returns RP_ECLOSED. */
    int crc = rp_queue_close(rt, s.q);
    int64_t consumed = 0;
    for (int i = 0; i < 2; i++) {
        const void *data;
        if (c[i] == NULL)
            continue;
        int r = rp_result_get(c[i], RP_FOREVER, &data, NULL);
        if (r == 0)
            consumed += *(const int64_t *)data;
        else if (rc == 0)
            rc = r;
    }
    if (rc == 0)
        rc = crc;
    rp_items seen = {0};
    if (rc == 0)
        rc = rp_dict_items(rt, s.seen, RP_VALUES, &seen);
    if (rc == 0) {
        size_t once = 0;
        for (size_t i = 0; i < seen.n; i++)
            once += seen.values[i].type == RP_T_INT && seen.values[i].i == 1;
        printf("9 items produced, %lld consumed, %zu distinct, %zu exactly once: %s\n",
               (long long)consumed, seen.n, once,
               consumed == 9 && seen.n == 9 && once == 9 ? "OK" : "WRONG");
    } else {
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    }
    rp_items_free(&seen);
    rp_result_free(c[0]);
    rp_result_free(c[1]);
    rp_pool_destroy(pool);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(consumer)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
