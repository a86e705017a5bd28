/* The clock: monotonic time, deadlines, and precise short sleeps. */
#include "base/base.h"

#include <float.h>
#include <sys/prctl.h>

/* Deadlines past this (some 30 000 years) are converted as this: a
 * timespec's seconds cannot hold every double. */
#define RP__FAR_FUTURE 1e12

double rp__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double rp__now_coarse(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct timespec rp__abstime(double t) {
    struct timespec ts;
    if (!(t < RP__FAR_FUTURE))
        t = RP__FAR_FUTURE;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

double rp__deadline(double timeout) {
    return timeout < 0 ? -1.0 : rp__now() + timeout;
}

int rp__timeout_check(double timeout, const char *what) {
    if (timeout == RP_FOREVER || timeout == 0 || (timeout > 0 && timeout <= DBL_MAX))
        return 0;
    return rp__err(RP_EINVAL,
                   "%s %g: use RP_FOREVER (no limit), 0 (do not wait) or a finite number of "
                   "seconds > 0",
                   what, timeout);
}

int rp__deadline_of(double timeout, const char *what, double *deadline) {
    int rc = rp__timeout_check(timeout, what);
    if (rc == 0)
        *deadline = rp__deadline(timeout);
    return rc;
}

long rp__timer_slack_tight(void) {
    long old = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    return old;
}

void rp__timer_slack_restore(long old) {
    if (old > 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)old, 0, 0, 0);
}
