/*
 * Processes of a one-rank job: rank 0 is their host.  A relay thread per
 * process forks it (worker/child.c does the child's first steps) and serves
 * its object calls on the store, as a worker rank's host relays them to the
 * manager.  The outcome goes into the process table (proctab.c).  See
 * docs/process.md.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include "manager/manager.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct local_proc {
    rp_runtime *rt;
    uint64_t id;
    int task;
    int daemon;
    char name[RP__MAX_PNAME + 1];
    void *arg;
    size_t len;
} local_proc;

/* The calls of one process: executed on the store by this thread, which
 * may wait for a parked answer like any local caller.  Ends when the
 * socket does (relay_main shuts it down once the process ended). */
typedef struct local_calls {
    rp_runtime *rt;
    int fd;
    pid_t pid;
} local_calls;

static void *calls_main(void *arg) {
    local_calls *lc = arg;
    uint32_t tok = RP__TOK_CHILD | RP__TOK_PROC | ((uint32_t)lc->pid & RP__TOK_PID);
    void *msg;
    size_t len;
    while (rp__frame_recv(lc->fd, &msg, &len) == 0) {
        rp__hdr h;
        void *rep = NULL;
        size_t rlen = 0;
        if (rp__hdr_decode(msg, len, &h) != 0 || h.kind != RP__MSG_OBJ_REQ ||
            (h.pool & ~RP__TOK_THREAD) != tok) {
            rp__log(RP_LOG_WARN, "process %ld broke the protocol: killed", (long)lc->pid);
            kill(lc->pid, SIGKILL);
            free(msg);
            break;
        }
        rp__caller who = {.rank = 0, .local = 1};
        int rc =
            rp__store_exec(lc->rt->store, &h, (uint8_t *)msg + RP__HDR_SIZE, &who, &rep, &rlen);
        free(msg);
        if (rc != 0 || rp__frame_send(lc->fd, NULL, 0, rep, rlen) != 0) {
            free(rep);
            break; /* it ended (or will wait forever: relay_main ends it) */
        }
        free(rep);
    }
    return NULL;
}

/* The relay thread forks the child itself, so that the child's
 * PR_SET_PDEATHSIG (tied to the forking thread) lasts exactly as long as
 * the relay: the thread ends only after the child.  A second thread serves
 * the child's calls; this one waits for the exit, which ends the calls
 * still waiting (rp__store_drop) and the socket. */
static void *relay_main(void *arg) {
    local_proc *lp = arg;
    rp_runtime *rt = lp->rt;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        rp__process_started(rt, lp->id, rp__err(RP_ENOMEM, "socketpair: %s", strerror(errno)), 1);
        goto out;
    }
    pid_t parent = getpid();
    fflush(NULL); /* what the program buffered must not be written twice */
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        rp__child_enter(sv[1], parent, 1, lp->daemon, lp->name, strlen(lp->name));
        rp__child_run(&rt->tasks, rt->rank, lp->task, lp->arg, lp->len);
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        rp__process_started(rt, lp->id, rp__err(RP_ENOMEM, "fork: %s", strerror(errno)), 1);
        goto out;
    }
    local_calls lc = {rt, sv[0], pid};
    pthread_t calls;
    int served = pthread_create(&calls, NULL, calls_main, &lc) == 0;
    if (!served)
        kill(pid, SIGKILL); /* nobody could answer its calls */
    rp__process_started(rt, lp->id, (int)pid, 1);
    /* Wait without reaping: the pid stays the child's until rank 0's table
     * says it ended, so a signal sent meanwhile cannot reach another process. */
    siginfo_t si;
    while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0 && errno == EINTR)
        ;
    shutdown(sv[0], SHUT_RDWR); /* a grandchild may hold the other end open */
    /* End its calls that wait.  A request the calls thread read from the
     * socket only after that would wait for ever: drop again until the
     * thread is out. */
    for (;;) {
        rp__store_drop(rt->store, 0, RP__TOK_CHILD | RP__TOK_PROC | ((uint32_t)pid & RP__TOK_PID),
                       ~RP__TOK_THREAD, RP_ECANCELED, "the caller ended");
        if (!served)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_timedjoin_np(calls, NULL, &ts) == 0)
            break;
    }
    close(sv[0]);
    int code = si.si_code == CLD_EXITED ? si.si_status : -si.si_status;
    rp__process_exited(rt, lp->id, code, (int)pid, 1);
out:
    free(lp->arg);
    free(lp);
    return NULL;
}

int rp__relay_start(rp_runtime *rt, uint64_t id, int task, int daemon, const char *name,
                    const void *arg, size_t len) {
    local_proc *lp = calloc(1, sizeof *lp);
    if (lp == NULL || (len > 0 && (lp->arg = malloc(len)) == NULL)) {
        free(lp);
        return RP_ENOMEM;
    }
    *lp = (local_proc){
        .rt = rt, .id = id, .task = task, .daemon = daemon, .arg = lp->arg, .len = len};
    snprintf(lp->name, sizeof lp->name, "%s", name);
    if (len > 0)
        memcpy(lp->arg, arg, len);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &a, relay_main, lp);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        free(lp->arg);
        free(lp);
        return RP_ENOMEM;
    }
    return 0;
}
