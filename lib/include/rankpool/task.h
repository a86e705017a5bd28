/*
 * rankpool/task.h: task functions and what a task may call.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_TASK_H
#define RANKPOOL_TASK_H

#include "rankpool/common.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/* ------------------------------------------------------------------------ */
/* Tasks                                                                     */
/* ------------------------------------------------------------------------ */

/** Per-call context handed to a task function; valid only during the call. */
typedef struct rp_task_ctx rp_task_ctx;

/**
 * A task function.  @p arg / @p arg_size are the task's input bytes (borrowed,
 * valid during the call; arg is suitably aligned for any type).  The function
 * sets its result with rp_return() or rp_return_buffer() (no result means an
 * empty one) and returns 0; any other return value means failure, and that
 * value becomes the task's error code (see rp_fail() to add a message).
 */
typedef int (*rp_task_fn)(rp_task_ctx *ctx, const void *arg, size_t arg_size);

/** One entry of the task table: a name (1..63 chars, unique) and a function. */
typedef struct rp_task_def {
    const char *name;
    rp_task_fn fn;
} rp_task_def;

/** Convenience: RP_TASK(square) is {"square", square}. */
#define RP_TASK(fn)                                                                                \
    { #fn, (fn) }

/**
 * Set the task's result by copying @p size bytes from @p data.
 * Returns 0, RP_EINVAL (data NULL with size > 0), RP_ETOOBIG or RP_ENOMEM.
 * May be called again to replace the result.
 */
int rp_return(rp_task_ctx *ctx, const void *data, size_t size);

/**
 * Get a result buffer of @p size bytes to fill in place (saves a copy).
 * The buffer is owned by the library and valid until the task returns.
 * Returns NULL if size is too big or memory is short (the task then fails
 * with RP_ENOMEM/RP_ETOOBIG if it returns 0).
 */
void *rp_return_buffer(rp_task_ctx *ctx, size_t size);

/**
 * Record a failure message (printf-style, truncated to 1023 bytes) and return
 * @p code, so a task can write `return rp_fail(ctx, 3, "bad input %d", x);`.
 * @p code should be non-zero; 0 is turned into -1.
 */
int rp_fail(rp_task_ctx *ctx, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Rank (in the runtime's communicator) running this task; 0 in single-rank mode. */
int rp_task_rank(const rp_task_ctx *ctx);

/** Index of this item within its map/starmap/imap call (0 for apply). */
size_t rp_task_index(const rp_task_ctx *ctx);

/**
 * Which try of its item this run is: 1 the first time, 2 after the task
 * failed once and rp_call_options.retries sent it again, and so on.  A
 * re-send after a lost worker keeps the count.  0 if @p ctx is NULL.
 */
int rp_task_attempt(const rp_task_ctx *ctx);

/** The runtime a task runs in, for the shared-object calls; NULL if @p ctx is NULL. */
rp_runtime *rp_task_runtime(const rp_task_ctx *ctx);

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_TASK_H */
