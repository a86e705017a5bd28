/*
 * The seeds' daemon rule, in C:
 *
 *     p = Process(target=sleep, args=(50,)); p.daemon = True; p.start()
 *     q = Process(target=work); q.start()
 *     time.sleep(3)          # main ends: the daemon is ended, q is joined
 *
 * Prints the pids; tests/process_table.sh then checks that none of them,
 * and no other process of this program, is left on the machine.  With the
 * argument "crash" main dies abruptly instead (SIGKILL, no finalize): the
 * processes must not outlive the job either (PR_SET_PDEATHSIG).
 *
 * Run: mpirun -np 3 build/apps/daemon_exit [crash]
 */
#include <rankpool.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int sleeper(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)size;
    sleep_s(*(const double *)arg);
    return 0;
}

static int work(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)arg;
    (void)size;
    sleep_s(4);
    printf("non-daemon process finished its work\n");
    fflush(stdout);
    return 0;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)user;
    int crash = argc > 1 && strcmp(argv[1], "crash") == 0;
    double fifty = 50;
    rp_process *d, *w;
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    o.daemon = 1;
    if (rp_process_create(rt, "sleeper", &fifty, sizeof fifty, &o, &d) != 0 ||
        rp_process_start(d) != 0 || rp_process_create(rt, "work", NULL, 0, NULL, &w) != 0 ||
        rp_process_start(w) != 0) {
        fprintf(stderr, "start: %s\n", rp_last_error());
        return 1;
    }
    printf("daemon pid %ld on %s, process pid %ld on %s\n", rp_process_pid(d), rp_process_host(d),
           rp_process_pid(w), rp_process_host(w));
    fflush(stdout);
    sleep_s(3);
    if (crash) {
        printf("main dies\n");
        fflush(stdout);
        raise(SIGKILL);
    }
    printf("main ends\n");
    fflush(stdout);
    rp_process_destroy(d);
    rp_process_destroy(w);
    return 0;
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(sleeper), RP_TASK(work)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    return rp_main(&argc, &argv, &opt, body, NULL);
}
