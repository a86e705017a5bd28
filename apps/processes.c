/*
 * The seeds' Process examples, in C:
 *
 *     def run_proc(name):
 *         print('Run child process %s (%s)...' % (name, os.getpid()))
 *     for _ in range(4): p = Process(target=foo); p.start()          # 4 processes
 *     p = Process(target=fun2); p.start(); p.join(); print(p.is_alive())
 *     for i in range(10):                                             # 10 processes,
 *         p = Process(target=run, args=("QQ{0}".format(i),))          # a thread in each
 *     class ClockProcess(multiprocessing.Process):                    # "subclass" style
 *         def run(self): ... print("the time is ..."); time.sleep(self.interval)
 *     p.terminate()                                                   # exitcode -15
 *     q = JoinableQueue()                     # 3 producer processes, 2 daemon consumers:
 *     p1..p3 = Process(target=producer, args=(name, q)); c1, c2 daemon consumers
 *     start all; p1.join(); p2.join(); p3.join(); print("main")
 *
 * Each process runs somewhere in the job (forked by a worker rank), prints
 * its name, pid and host, and reports to a shared queue, which main reads:
 * the processes' output order is the OS's, the check is main's.
 *
 * Run: mpirun -np 4 build/apps/processes
 */
#include <rankpool.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

typedef struct job {
    rp_queue done; /* each process puts its number here */
    int i;
    char name[16];
} job;

/* def foo(): print parent and own pid; report. */
static int foo(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const job *j = arg;
    rp_process_info me;
    rp_current_process(rp_task_runtime(ctx), &me);
    printf("%s: parent pid %ld, pid %ld (rank %d)\n", me.name, (long)getppid(), me.pid, me.rank);
    fflush(stdout);
    return rp_queue_put(rp_task_runtime(ctx), j->done, rp_int(j->i), RP_FOREVER);
}

static void *thread_run(void *arg) {
    printf("%s: thread %lu\n", (const char *)arg, (unsigned long)pthread_self());
    return NULL;
}

/* def run(name): sleep; print("hello", name); a thread inside the process. */
static int run(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const job *j = arg;
    sleep_s(0.2);
    printf("hello %s\n", j->name);
    pthread_t t;
    pthread_create(&t, NULL, thread_run, (void *)j->name);
    pthread_join(t, NULL);
    fflush(stdout);
    return rp_queue_put(rp_task_runtime(ctx), j->done, rp_int(j->i), RP_FOREVER);
}

/* class ClockProcess: an object with its run() and its state; run() is a
 * registered task and gets the object as its argument. */
typedef struct clock_process {
    rp_task_fn run;
    double interval;
    int n;
} clock_process;

static int clock_run(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)size;
    const clock_process *self = arg;
    for (int n = self->n; n > 0; n--) {
        time_t now = time(NULL);
        printf("the time is %s", ctime(&now));
        fflush(stdout);
        sleep_s(self->interval);
    }
    return 0;
}

/* The JoinableQueue seed: producers put 3 items and wait for them to be
 * consumed (q.join()); daemon consumers take items forever. */
typedef struct pc_arg {
    rp_queue q;
    rp_dict seen;
    char name[8];
} pc_arg;

static int producer(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const pc_arg *a = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    for (int i = 0; i < 3; i++) {
        char res[32];
        snprintf(res, sizeof res, "name:%s, i:%d", a->name, i);
        sleep_s(0.01 * (i + 1));
        if (rp_queue_put(rt, a->q, rp_str(res), RP_FOREVER) != 0)
            return 2;
        printf("%ld produce %s\n", (long)getpid(), res);
        fflush(stdout);
    }
    return rp_queue_join(rt, a->q, 30) == 0 ? 0 : 3;
}

static int consumer(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    const pc_arg *a = arg;
    rp_runtime *rt = rp_task_runtime(ctx);
    rp_value item;
    while (rp_queue_get(rt, a->q, RP_FOREVER, &item, NULL) == 0) {
        printf("%ld consumer %s\n", (long)getpid(), (const char *)item.data);
        fflush(stdout);
        rp_dict_add_int(rt, a->seen, rp_key_str((const char *)item.data), 1, NULL);
        rp_value_free(&item);
        rp_queue_task_done(rt, a->q);
    }
    return 0;
}

/* Start the seed's 3 producers and 2 daemon consumers, join the producers;
 * returns how many items were consumed exactly once. */
static int producers_consumers(rp_runtime *rt) {
    pc_arg a = {0};
    if (rp_queue_open(rt, NULL, 0, RP_QUEUE_JOINABLE, 0, &a.q) != 0 ||
        rp_dict_open(rt, NULL, 0, &a.seen) != 0)
        return -1;
    rp_process *c[2], *p[3];
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    o.daemon = 1; /* c1.daemon = True */
    for (int i = 0; i < 2; i++)
        if (rp_process_create(rt, "consumer", &a, sizeof a, &o, &c[i]) != 0 ||
            rp_process_start(c[i]) != 0)
            return -1;
    const char *names[3] = {"aa", "bb", "cc"};
    for (int i = 0; i < 3; i++) {
        snprintf(a.name, sizeof a.name, "%s", names[i]);
        if (rp_process_create(rt, "producer", &a, sizeof a, NULL, &p[i]) != 0 ||
            rp_process_start(p[i]) != 0)
            return -1;
    }
    int ok = 0;
    for (int i = 0; i < 3; i++) {
        int code = -1;
        rp_process_join(p[i], 60);
        ok += rp_process_exitcode(p[i], &code) == 0 && code == 0;
        rp_process_destroy(p[i]);
    }
    printf("main\n");
    int once = 0;
    for (int i = 0; i < 3 && ok == 3; i++)
        for (int k = 0; k < 3; k++) {
            char key[32];
            int64_t n = 0;
            snprintf(key, sizeof key, "name:%s, i:%d", names[i], k);
            rp_dict_get_int(rt, a.seen, rp_key_str(key), &n);
            once += n == 1;
        }
    /* The daemon consumers are still blocked in get: rp_finalize ends them. */
    for (int i = 0; i < 2; i++)
        rp_process_destroy(c[i]);
    return once;
}

static int sleeper(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)arg;
    (void)size;
    sleep_s(30);
    return 0;
}

/* Start n processes of task @p target, each with a job, and join them; count reports. */
static int start_join(rp_runtime *rt, rp_queue q, const char *target, int n) {
    rp_process *p[16];
    for (int i = 0; i < n; i++) {
        job j = {.done = q, .i = i};
        snprintf(j.name, sizeof j.name, "QQ%d", i);
        if (rp_process_create(rt, target, &j, sizeof j, NULL, &p[i]) != 0 ||
            rp_process_start(p[i]) != 0) {
            fprintf(stderr, "start: %s\n", rp_last_error());
            return -1;
        }
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int code = -100;
        if (rp_process_join(p[i], 60) == 0 && rp_process_exitcode(p[i], &code) == 0 && code == 0)
            ok++;
        rp_process_destroy(p[i]);
    }
    int got = 0;
    rp_value v;
    while (rp_queue_get(rt, q, 0, &v, NULL) == 0)
        got++;
    return ok == n && got == n ? n : -1;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc;
    (void)argv;
    (void)user;
    rp_queue q;
    if (rp_queue_open(rt, "processes.done", RP_CREATE, RP_QUEUE_FIFO, 0, &q) != 0)
        return 1;
    printf("main: pid %ld, %d worker(s)\n", (long)getpid(), rp_worker_count(rt));
    int four = start_join(rt, q, "foo", 4);
    printf("4 processes: %d joined\n", four);
    int ten = start_join(rt, q, "run", 10);
    printf("10 processes with a thread each: %d joined\n", ten);

    clock_process cp = {clock_run, 0.1, 3}; /* p = ClockProcess(0.1) */
    rp_process *clock;
    rp_process_create_fn(rt, cp.run, &cp, sizeof cp, NULL, &clock);
    int before = rp_process_is_alive(clock);
    rp_process_start(clock);
    int during = rp_process_is_alive(clock);
    rp_process_join(clock, RP_FOREVER);
    int after = rp_process_is_alive(clock), code = -100;
    rp_process_exitcode(clock, &code);
    printf("%s on %s, rank %d: alive before start %d, after start %d, after join %d; "
           "exitcode %d\n",
           rp_process_name(clock), rp_process_host(clock), rp_process_rank(clock), before, during,
           after, code);
    rp_process_destroy(clock);

    rp_process *s;
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    o.name = "sleeper";
    rp_process_create(rt, "sleeper", NULL, 0, &o, &s);
    rp_process_start(s);
    sleep_s(0.2);
    rp_process_terminate(s);
    rp_process_join(s, 10);
    int term = 0;
    rp_process_exitcode(s, &term);
    printf("terminate: exitcode %d\n", term);
    rp_process_destroy(s);
    rp_queue_destroy(rt, q);

    int once = producers_consumers(rt);
    printf("JoinableQueue: 3 producers, 2 daemon consumers: %d of 9 items consumed once\n", once);

    int ok = four == 4 && ten == 10 && before == 0 && during == 1 && after == 0 && code == 0 &&
             term == -15 && once == 9;
    printf("%s\n", ok ? "processes: OK" : "processes: FAILED");
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(foo),     RP_TASK(run),      RP_TASK(clock_run),
                                        RP_TASK(sleeper), RP_TASK(producer), RP_TASK(consumer)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    return rp_main(&argc, &argv, &opt, body, NULL);
}
