/*
 * The base layer: what every other layer uses and that needs nothing but
 * libc: the per-thread error detail, the logger, the options' sizes and
 * the version, the clock, and arrays that grow.  No MPI, no threads of
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

/* ---- log.c ------------------------------------------------------------- */

/**
 * Log one message at @p level (an rp_log_level, RP_LOG_ERROR .. RP_LOG_TRACE)
 * if the process's level lets it through: one line, prefixed with the time,
 * host and rank (rankpool/log.h).  A trailing newline in @p fmt is dropped.
 * Keeps errno.  Any thread, forked children too.
 */
void rp__log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** 1 if a message of @p level would be written now. */
int rp__log_on(int level);

/** The rank the prefix names from now on (the last runtime made here). */
void rp__log_set_rank(int rank);

/** Write the prefix of a line at @p level into @p buf; returns its length. */
size_t rp__log_prefix(char *buf, size_t size, int level);

/** Parse a level's name (RP_LOG_LEVEL's spelling) into *level: 0 or RP_EINVAL. */
int rp__log_level_parse(const char *s, int *level);

/* ---- version.c ---------------------------------------------------------- */

#define RP__STR2(x) #x
/** A macro's value as a string literal. */
#define RP__STR(x) RP__STR2(x)
/** The header's version as a string literal, "0.2.0". */
#define RP__VERSION_STRING                                                                         \
    RP__STR(RP_VERSION_MAJOR) "." RP__STR(RP_VERSION_MINOR) "." RP__STR(RP_VERSION_PATCH)

/**
 * Take the caller's options struct @p given (NULL: the defaults) into
 * @p dst, a struct of this library's layout of @p ours bytes: @p defaults,
 * overwritten by the first given->size bytes of @p given (its leading
 * size_t).  @p min is the size of the first layout that had a size field.
 * A size below it or above @p ours fails with RP_EINVAL naming @p what;
 * dst then holds the defaults.  dst's size field ends as @p ours.
 */
int rp__opts_take(void *dst, const void *defaults, size_t ours, const void *given, size_t min,
                  const char *what);

/** The end of @p field in @p type: a struct's size up to and with that field. */
#define RP__END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
/* The smallest size of each options struct: the end of its layout in 0.2.0,
 * the first release with the size field.  Never changes. */
#define RP__OPTIONS_MIN RP__END(rp_options, log_level)
#define RP__POOL_OPTIONS_MIN RP__END(rp_pool_options, terminate_grace)
#define RP__CALL_OPTIONS_MIN RP__END(rp_call_options, progress)
#define RP__PROCESS_OPTIONS_MIN RP__END(rp_process_options, rank)

/* ---- clock.c ----------------------------------------------------------- */

/** Monotonic time in seconds. */
double rp__now(void);

/** The same clock read coarsely (to the kernel's tick, a few ms) and
 *  cheaply: for "at most every so often" checks in per-item loops. */
double rp__now_coarse(void);

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

/* ---- grow.c ------------------------------------------------------------ */

/**
 * Room for @p need (>= 1) elements of @p size bytes in the array @p v of
 * *@p cap elements: @p v itself if it has it, else @p v reallocated with
 * its capacity doubled (from @p first if 0) until it holds them, and *cap
 * updated.  NULL if out of memory: @p v and *cap are as they were.
 */
void *rp__grow(void *v, size_t *cap, size_t need, size_t size, size_t first);

/**
 * Room for one more element in a ring: @p len elements of @p size bytes
 * from index *@p head (wrapping) in the array @p v of *@p cap.  Returns
 * @p v itself if it has room; else a new array of twice the capacity (@p
 * first if 0) that holds the elements in order from index 0, with *cap
 * and *head (0) updated and @p v freed.  NULL if out of memory: the ring
 * is as it was.
 */
void *rp__ring_grow(void *v, size_t *cap, size_t *head, size_t len, size_t size, size_t first);

#endif /* RP_BASE_H */
