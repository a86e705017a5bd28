/*
 * The logger: one line per message, prefixed with the time, host and rank,
 * to stderr in one write(2) or to the user's callback.  No lock on the
 * stderr path: messages come from the manager thread, the lease watcher,
 * callers and forked children, and a child may be forked while another
 * thread is in here.
 */
#include "base/base.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

/* The level (0 until the first use reads RP_LOG_LEVEL) and this process's rank. */
static int log_level;
static int log_rank = -1;

/* A handler never changes once published, so a reader needs no lock; the
 * old ones stay reachable (and are never freed) through prev. */
typedef struct handler {
    rp_log_fn fn;
    void *user;
    struct handler *prev;
} handler;
static handler *log_handler;

static const char *const level_names[] = {"default", "off",   "error", "warn",
                                          "info",    "debug", "trace"};

const char *rp_log_level_name(int level) {
    if (level < 0 || level > RP_LOG_TRACE)
        return "unknown";
    return level_names[level];
}

int rp__log_level_parse(const char *s, int *level) {
    for (int l = RP_LOG_OFF; l <= RP_LOG_TRACE; l++)
        if (s != NULL && strcasecmp(s, level_names[l]) == 0) {
            *level = l;
            return 0;
        }
    if (s != NULL && strcasecmp(s, "warning") == 0) {
        *level = RP_LOG_WARN;
        return 0;
    }
    return RP_EINVAL;
}

int rp_log_set_level(int level) {
    if (level < RP_LOG_OFF || level > RP_LOG_TRACE)
        return rp__err(RP_EINVAL, "log level %d: use RP_LOG_OFF .. RP_LOG_TRACE", level);
    __atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
    return 0;
}

int rp_log_get_level(void) {
    int l = __atomic_load_n(&log_level, __ATOMIC_RELAXED);
    if (l != 0)
        return l;
    /* First use: RP_LOG_LEVEL, else warn.  A bad value is reported by
     * rp_init (the options); here it is warn.  Two threads may both read
     * the environment: they store the same level. */
    const char *env = getenv("RP_LOG_LEVEL");
    if (env == NULL || env[0] == '\0' || rp__log_level_parse(env, &l) != 0)
        l = RP_LOG_WARN;
    int expected = 0;
    __atomic_compare_exchange_n(&log_level, &expected, l, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int rp_log_set_handler(rp_log_fn fn, void *user) {
    handler *h = NULL;
    if (fn != NULL) {
        if ((h = malloc(sizeof *h)) == NULL)
            return rp__err(RP_ENOMEM, "out of memory for the log handler");
        h->fn = fn;
        h->user = user;
        h->prev = NULL;
    }
    /* Keep every handler ever set reachable: one in use on another thread
     * must stay valid. */
    static handler *retired;
    handler *old = __atomic_exchange_n(&log_handler, h, __ATOMIC_ACQ_REL);
    if (old != NULL) {
        old->prev = __atomic_exchange_n(&retired, old, __ATOMIC_ACQ_REL);
    }
    return 0;
}

void rp__log_set_rank(int rank) {
    __atomic_store_n(&log_rank, rank, __ATOMIC_RELAXED);
}

int rp__log_on(int level) {
    return level <= rp_log_get_level();
}

/* UTC from seconds since the epoch, without gmtime_r (which takes a lock
 * a forked child could find held). */
static void utc(time_t t, int *y, int *mo, int *d, int *h, int *mi, int *s) {
    long days = (long)(t / 86400), rem = (long)(t % 86400);
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    *h = (int)(rem / 3600);
    *mi = (int)(rem / 60 % 60);
    *s = (int)(rem % 60);
    /* Days to civil date (H. Hinnant's algorithm). */
    days += 719468;
    long era = (days >= 0 ? days : days - 146096) / 146097;
    long doe = days - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *mo = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*mo <= 2));
}

size_t rp__log_prefix(char *buf, size_t size, int level) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    int y, mo, d, h, mi, s;
    utc(tv.tv_sec, &y, &mo, &d, &h, &mi, &s);
    char host[64];
    if (gethostname(host, sizeof host) != 0)
        strcpy(host, "?");
    host[sizeof host - 1] = '\0';
    char rank[16] = "-";
    int r = __atomic_load_n(&log_rank, __ATOMIC_RELAXED);
    if (r >= 0)
        snprintf(rank, sizeof rank, "%d", r);
    int n = snprintf(buf, size, "rankpool %04d-%02d-%02d %02d:%02d:%02d.%06ld %s rank %s %s: ", y,
                     mo, d, h, mi, s, (long)tv.tv_usec, host, rank, rp_log_level_name(level));
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

void rp__log(int level, const char *fmt, ...) {
    if (!rp__log_on(level))
        return;
    int saved = errno;
    char line[1024];
    size_t n = rp__log_prefix(line, sizeof line, level);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (m > 0)
        n += (size_t)m < sizeof line - n ? (size_t)m : sizeof line - n - 1;
    /* One line each, whatever the caller's format ended with. */
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    handler *h = __atomic_load_n(&log_handler, __ATOMIC_ACQUIRE);
    if (h != NULL) {
        h->fn(level, line, h->user);
    } else {
        line[n] = '\n';
        for (size_t off = 0; off <= n;) {
            ssize_t w = write(STDERR_FILENO, line + off, n + 1 - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
    errno = saved;
}
