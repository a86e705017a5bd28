/*
 * The seed's Semaphore example, in C:
 *
 *     def go_wc(sem, user):
 *         sem.acquire()
 *         print('%s get one hole' % user)
 *         time.sleep(random.randint(0, 3))
 *         sem.release()
 *     sem = Semaphore(5)
 *     for i in range(13): Process(target=go_wc, args=(sem, 'user%s' % i)).start()
 *     ... join ...; print('main done')
 *
 * Thirteen users share five holes.  So that more than five really try at
 * once whatever the number of ranks, users 0..9 are threads on rank 0 and
 * users 10..12 are pool tasks on the workers.  Inside, each user adds one to
 * a shared counter (rp_dict_add_int, atomic) and raises a shared maximum
 * with rp_dict_cas; main checks the maximum never passed five.
 *
 * Run: mpirun -np 4 build/apps/semaphore
 */
#include <rankpool.h>

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define USERS 13
#define THREADS 10 /* users on rank 0; the rest are tasks */
#define HOLES 5

typedef struct wc {
    rp_sem sem;
    rp_dict d; /* "inside" now, "max" inside at once, "waited": found no hole free */
} wc;

typedef struct user_arg {
    rp_runtime *rt;
    wc w;
    int user, rc;
} user_arg;

/* max = inside if inside is larger, with compare-and-swap: no lock needed. */
static int raise_max(rp_runtime *rt, rp_dict d, int64_t inside) {
    rp_value cur;
    int64_t m = 0;
    int rc;
    while ((rc = rp_dict_cas(rt, d, rp_key_str("max"), rp_int(m), rp_int(inside), &cur)) == 0) {
        m = cur.i; /* someone else moved it: retry from there, unless it is high enough */
        if (m >= inside)
            return 0;
    }
    return rc < 0 ? rc : 0;
}

static int go_wc(rp_runtime *rt, const wc *w, int user, int rank) {
    int64_t inside = 0;
    int rc = rp_sem_acquire(rt, w->sem, 0); /* a hole free at once? */
    if (rc == RP_ETIMEDOUT) {
        rc = rp_dict_add_int(rt, w->d, rp_key_str("waited"), 1, NULL);
        if (rc == 0)
            rc = rp_sem_acquire(rt, w->sem, RP_FOREVER);
    }
    if (rc != 0)
        return rc;
    rc = rp_dict_add_int(rt, w->d, rp_key_str("inside"), 1, &inside);
    if (rc == 0)
        rc = raise_max(rt, w->d, inside);
    printf("user%d get one hole (rank %d, %lld inside)\n", user, rank, (long long)inside);
    fflush(stdout);
    struct timespec ts = {0, (10 + user * 7 % 31) * 1000000L}; /* randint(0, 3) s, shortened */
    nanosleep(&ts, NULL);
    int r = rp_dict_add_int(rt, w->d, rp_key_str("inside"), -1, NULL);
    if (rc == 0)
        rc = r;
    r = rp_sem_release(rt, w->sem);
    return rc != 0 ? rc : r;
}

static int user_task(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const wc *w = arg;
    int rc = go_wc(rp_task_runtime(ctx), w, THREADS + (int)rp_task_index(ctx), rp_task_rank(ctx));
    return rc == 0 ? 0 : rp_fail(ctx, rc, "%s", rp_last_error());
}

static void *user_thread(void *arg) {
    user_arg *u = arg;
    u->rc = go_wc(u->rt, &u->w, u->user, 0);
    return NULL;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    wc w = {{0}, {0}}, in[USERS - THREADS];
    rp_pool *pool = NULL;
    rp_result *tasks = NULL;
    user_arg u[THREADS];
    pthread_t t[THREADS];
    int started = 0, rc = rp_sem_open(rt, NULL, 0, HOLES, 0, &w.sem); /* Semaphore(5) */
    if (rc == 0)
        rc = rp_dict_open(rt, NULL, 0, &w.d);
    if (rc == 0)
        rc = rp_dict_set(rt, w.d, rp_key_str("max"), rp_int(0));
    if (rc == 0)
        rc = rp_pool_create(rt, NULL, &pool);
    for (int i = 0; i < USERS - THREADS; i++)
        in[i] = w;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1; /* spread the task users over the workers */
    if (rc == 0)
        rc = rp_pool_map_async(pool, "user_task", in, USERS - THREADS, sizeof in[0], NULL, 0, &co,
                               &tasks);
    for (; rc == 0 && started < THREADS; started++) {
        u[started] = (user_arg){rt, w, started, 0};
        if (pthread_create(&t[started], NULL, user_thread, &u[started]) != 0)
            rc = RP_ENOMEM;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(t[i], NULL);
        if (rc == 0)
            rc = u[i].rc;
    }
    if (tasks != NULL) {
        int r = rp_result_get(tasks, RP_FOREVER, NULL, NULL);
        if (rc == 0)
            rc = r;
    }
    int64_t max = -1, inside = -1, waited = 0, value = -1;
    if (rc == 0)
        rc = rp_dict_get_int(rt, w.d, rp_key_str("max"), &max);
    if (rc == 0)
        rc = rp_dict_get_int(rt, w.d, rp_key_str("inside"), &inside);
    if (rc == 0 && (rc = rp_dict_get_int(rt, w.d, rp_key_str("waited"), &waited)) == RP_ENOKEY)
        rc = 0; /* nobody had to wait */
    if (rc == 0)
        rc = rp_sem_value(rt, w.sem, &value);
    if (rc == 0) {
        printf("main done: %d users, %lld found no hole free and waited, at most %lld inside at "
               "once\n",
               USERS, (long long)waited, (long long)max);
        printf("never more than %d inside, all out, semaphore back to %lld: %s\n", HOLES,
               (long long)value,
               max >= 1 && max <= HOLES && inside == 0 && value == HOLES ? "OK" : "WRONG");
    } else {
        fprintf(stderr, "%s: %s\n", rp_err_name(rc), rp_last_error());
    }
    rp_result_free(tasks);
    rp_pool_destroy(pool);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(user_task)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, NULL);
}
