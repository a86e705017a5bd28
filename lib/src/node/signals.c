/*
 * SIGINT and SIGTERM: the first one asks for an orderly stop, a second one
 * ends the process at once (the default action).
 *
 * On rank 0 the manager thread sees the request within one loop (a few ms),
 * stops every pool and wakes every waiter with RP_EINTR (manager/loop.c); the
 * program then returns through rp_finalize, which stops the workers as
 * usual.  A worker keeps serving, so that rank 0 can stop it in order (mpirun
 * sends SIGTERM to every rank of the job at once); if no SHUTDOWN comes
 * within RP__SIGNAL_GRACE seconds, it ends itself with the signal it got.
 * A handler only stores the signal number and, on a worker, arms an alarm.
 */
#include "node/node.h"

#include <pthread.h>

#include <signal.h>
#include <string.h>
#include <unistd.h>

/* Seconds a signaled worker waits for rank 0's SHUTDOWN. */
#define RP__SIGNAL_GRACE 3

static volatile sig_atomic_t pending;
static volatile sig_atomic_t worker;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static int installs; /* runtimes that installed (handlers are per process) */
static struct sigaction old_int, old_term, old_alrm;

/* End the process by @p sig as if no handler had been installed. */
static void die_by(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
}

/* A signaled worker heard nothing from rank 0 in time. */
static void on_alarm(int sig) {
    (void)sig;
    die_by(pending ? pending : SIGTERM);
}

static void on_signal(int sig) {
    if (pending) {
        die_by(sig); /* the second one forces */
        return;
    }
    pending = sig;
    if (worker) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        alarm(RP__SIGNAL_GRACE);
    }
}

void rp__signals_install(int is_worker) {
    pthread_mutex_lock(&install_lock);
    if (installs++ == 0) {
        pending = 0;
        worker = is_worker;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGALRM, NULL, &old_alrm);
    }
    pthread_mutex_unlock(&install_lock);
}

void rp__signals_restore(void) {
    pthread_mutex_lock(&install_lock);
    if (--installs == 0) {
        if (worker && pending)
            alarm(0); /* stopped in order: the grace is over */
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGALRM, &old_alrm, NULL);
    }
    pthread_mutex_unlock(&install_lock);
}

int rp__signal_pending(void) {
    return pending;
}
