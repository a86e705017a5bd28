/*
 * The idle backoff every polling loop uses: poll freely while traffic
 * flows, then sleep for growing periods (docs/design.md, "Idle cost").
 */
#include "net/net.h"

#include <errno.h>
#include <sched.h>
#include <time.h>

/* Seconds without work after which idle_deep_sleep applies. */
#define RP__DEEP_IDLE_AFTER 0.25
/* Seconds of an idle period spent polling without yielding: about a
 * shared-memory round trip plus a small request's execution.  sched_yield is
 * a syscall (some 2 us in a VM); yielding every few polls from the start
 * added about that to each step of an exchange, as the answer arrived while
 * the waiter sat in the syscall.  Past this, ranks sharing a core get it back. */
#define RP__SPIN_NO_YIELD 20e-6

/* A polite busy-wait step: tells the core we are spinning. */
static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* While spinning, the clock is read every this many polls: a read costs
 * about as much as the poll itself. */
#define RP__CLOCK_EVERY 8u

void rp__backoff_reset(rp__backoff *b) {
    b->slept = 0;
    b->idle_since = 0;
    b->sleep = 0;
    b->spins = 0;
    b->now = 0;
    b->fresh = 0;
}

int rp__backoff_sleeps(rp__backoff *b, const rp_options *opt) {
    if (b->idle_since == 0)
        return 0;
    /* The answer must hold for the next rp__backoff_idle: it uses this
     * reading of the clock (a caller announces a sleep on it). */
    b->now = rp__now();
    b->fresh = 1;
    return b->now - b->idle_since >= opt->idle_spin;
}

void rp__backoff_idle(rp__backoff *b, const rp_options *opt, double limit, pthread_mutex_t *m,
                      pthread_cond_t *cv) {
    if (b->idle_since == 0) {
        b->now = b->idle_since = rp__now();
        b->sleep = 10e-6;
        b->spins = 0;
    } else if (b->fresh) {
        b->fresh = 0;
    } else if (++b->spins % RP__CLOCK_EVERY == 0 || b->now - b->idle_since >= opt->idle_spin) {
        b->now = rp__now();
    }
    double now = b->now;
    if (now - b->idle_since < opt->idle_spin) {
        /* Spinning: let the caller's other threads take the lock, and now
         * and then let other ranks sharing this core run (a syscall each
         * time, so not on every poll). */
        if (m != NULL)
            pthread_mutex_unlock(m);
        if (now - b->idle_since >= RP__SPIN_NO_YIELD)
            sched_yield();
        else
            cpu_relax();
        if (m != NULL)
            pthread_mutex_lock(m);
        return;
    }
    /* A loop idle for a while sleeps longer: near zero CPU for an idle job,
     * at the price of a few ms before the first new message is seen. */
    double cap =
        now - b->idle_since > RP__DEEP_IDLE_AFTER ? opt->idle_deep_sleep : opt->idle_sleep_max;
    if (limit > 0 && limit < cap)
        cap = limit;
    double s = b->sleep < cap ? b->sleep : cap;
    b->sleep = s * 2 < cap ? s * 2 : cap;
    if (cv != NULL) {
        struct timespec ts = rp__abstime(now + s);
        if (pthread_cond_timedwait(cv, m, &ts) == 0)
            rp__backoff_reset(b); /* woken by a signal: work arrived */
        b->slept = 1;
        return;
    }
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    b->slept = 1;
}
