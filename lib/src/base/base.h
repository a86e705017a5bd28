/*
 * The base layer: what every other layer uses and that needs nothing but
 * libc: the per-thread error detail and the clock.  No MPI, no threads of
 * its own.  Not installed.
 */
#ifndef RP_BASE_H
#define RP_BASE_H

#include "rankpool.h"

#include <time.h>

/* ---- errors.c ---------------------------------------------------------- */

/** Record a detailed message for rp_last_error() and return @p code. */
int rp__err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Clear the calling thread's last error message. */
void rp__err_clear(void);

/* ---- clock.c ----------------------------------------------------------- */

/** Monotonic time in seconds. */
double rp__now(void);

/** A time of rp__now()'s clock as a timespec, for pthread_cond_timedwait on a
 *  CLOCK_MONOTONIC condition variable. */
struct timespec rp__abstime(double t);

/** Absolute deadline for a timeout in seconds (negative: none, returned as -1). */
double rp__deadline(double timeout);

/**
 * The library's one timeout rule, applied wherever a timeout enters (a
 * call's argument, an option, a request off the network): RP_FOREVER (no
 * limit), 0 (do not wait) or a finite number of seconds > 0.  NaN, the
 * infinities and other negative numbers are RP_EINVAL, with a message
 * naming @p what ("timeout", "task_timeout", ...).  Returns 0 or RP_EINVAL.
 */
int rp__timeout_check(double timeout, const char *what);

/** rp__timeout_check, then the deadline (rp__deadline) into *deadline. */
int rp__deadline_of(double timeout, const char *what, double *deadline);

/**
 * Make the calling thread's timed sleeps precise (a polling loop's short
 * sleeps are otherwise stretched by the kernel's default 50 us timer slack).
 * Returns the previous slack to restore with rp__timer_slack_restore.
 */
long rp__timer_slack_tight(void);
void rp__timer_slack_restore(long old);

#endif /* RP_BASE_H */
