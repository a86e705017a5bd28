/*
 * rankpool/log.h: the library's messages: levels, where they go.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_LOG_H
#define RANKPOOL_LOG_H

#include "rankpool/common.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/*
 * Everything rankpool says goes through one logger, one line per message:
 *
 *     rankpool 2025-01-31 14:02:17.123456 node07 rank 3 warn: worker rank 2 (pid 4711) lost: ...
 *
 * (the process's time in UTC, its host, its rank in the last runtime it
 * made, "-" before one), written to stderr with one write, or handed to a
 * callback.  A message is written when its level is at most the process's
 * level: RP_LOG_WARN unless the environment variable RP_LOG_LEVEL (error,
 * warn, info, debug, trace or off; read at the first message) or
 * rp_options.log_level or rp_log_set_level says otherwise.
 */

/** Log levels, from quiet to chatty. */
typedef enum rp_log_level {
    RP_LOG_DEFAULT = 0, /**< rp_options.log_level only: leave the level as it is */
    RP_LOG_OFF = 1,     /**< nothing */
    RP_LOG_ERROR = 2,   /**< the job or a call cannot go on (the job is being ended, ...) */
    RP_LOG_WARN = 3,    /**< something went wrong and was handled (a worker lost, a bad message) */
    RP_LOG_INFO = 4,    /**< one line per runtime started and stopped */
    RP_LOG_DEBUG = 5,   /**< the options in effect and where each came from */
    RP_LOG_TRACE = 6    /**< more detail, for reports of problems */
} rp_log_level;

/**
 * Set the process's log level (RP_LOG_OFF .. RP_LOG_TRACE).  Takes effect at
 * once for every thread; a later rp_init with rp_options.log_level set
 * changes it again.  Needs no runtime; thread-safe.
 * @return 0; RP_EINVAL (not a level; the level is unchanged).
 */
int rp_log_set_level(int level);

/** The process's log level now (RP_LOG_OFF .. RP_LOG_TRACE).  Thread-safe. */
int rp_log_get_level(void);

/**
 * Name of a level ("error", "warn", "info", "debug", "trace", "off",
 * "default"), as RP_LOG_LEVEL spells it; "unknown" otherwise.  Never NULL;
 * thread-safe.
 */
const char *rp_log_level_name(int level);

/**
 * A log callback: @p level is the message's, @p line the whole line as
 * stderr would get it, prefix included, without the newline (borrowed for
 * the call).  It may run on any thread of the process (the manager thread,
 * the lease watcher, a caller's) and in several at once, and inside a
 * forked process or executor; it must not call rankpool.
 */
typedef void (*rp_log_fn)(int level, const char *line, void *user);

/**
 * Send every message from now on to @p fn (with @p user) instead of
 * stderr; NULL goes back to stderr.  Thread-safe: a message being written
 * at that moment goes to the old or the new place.  The library keeps a
 * few bytes per call until the process ends.
 * @return 0; RP_ENOMEM (the previous handler stays).
 */
int rp_log_set_handler(rp_log_fn fn, void *user);

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_LOG_H */
