/*
 * rankpool/pool.h: Pool and its results (AsyncResult).
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_POOL_H
#define RANKPOOL_POOL_H

#include "rankpool/common.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/* ------------------------------------------------------------------------ */
/* Pool                                                                      */
/* ------------------------------------------------------------------------ */

/** A pool of workers (multiprocessing.Pool).  Opaque; manager rank only. */
typedef struct rp_pool rp_pool;

/** The state of one submitted call (multiprocessing.AsyncResult).  Opaque. */
typedef struct rp_result rp_result;

/** Pool options.  Start from RP_POOL_OPTIONS_INIT and set fields by name. */
typedef struct rp_pool_options {
    size_t size;             /**< sizeof(rp_pool_options); set by RP_POOL_OPTIONS_INIT */
    int workers;             /**< how many workers (0 = all of them) */
    const char *initializer; /**< task run once on each worker before its tasks, or NULL */
    const void *initarg;     /**< initializer argument (copied at create) */
    size_t initarg_size;
    /**
     * Run the tasks in a forked executor process on each worker (a task that
     * crashes fails with RP_ECRASH naming the signal, the executor is
     * replaced, the pool carries on).  0: in the worker rank itself (fastest;
     * a crash there ends the whole MPI job).  Ignored in a one-rank job.
     */
    int isolate;
    /** With isolate (else RP_EINVAL): replace an executor after this many tasks (0: never). */
    unsigned maxtasksperchild;
    /**
     * With isolate (else RP_EINVAL): seconds a task may run (0 or RP_FOREVER: no limit;
     * at most 1e9; the rule of RP_FOREVER); one that runs longer is killed, fails with
     * RP_ETIMEDOUT, its executor is replaced.
     */
    double task_timeout;
    /**
     * Time the stages of each item (queue, wire, execution, result, wake),
     * summed in rp_pool_get_stats: a few clock reads per chunk, on rank 0.  0: off.
     */
    int timing;
    /**
     * Seconds rp_pool_destroy gives the tasks still running when it
     * terminates (or finds terminated) a pool without isolation, which
     * cannot be stopped, before it gives up on them (default 5; 0: not at
     * all; RP_FOREVER: as long as they run; the rule of RP_FOREVER).  See
     * rp_pool_terminate.
     */
    double terminate_grace;
} rp_pool_options;

/** Default pool options. */
#define RP_POOL_OPTIONS_INIT                                                                       \
    { sizeof(rp_pool_options), 0, NULL, NULL, 0, 0, 0, 0.0, 0, 5.0 }

/**
 * Callback run on the manager thread when a call completes (callback: all
 * items succeeded; error_callback: some failed or were canceled).  @p res is
 * ready; read it with rp_result_get/rp_result_item/rp_result_error.  The
 * callback must not free @p res.  Nothing waits on the manager thread: a
 * call from a callback that would have to wait (a blocking pool call, a
 * wait for another result, a get on an empty queue, an acquire of a held
 * lock...) returns RP_EDEADLK at once; one that can be answered at once
 * works (sync.h, "the callback rule").  A task of a one-rank job runs on
 * the same thread, under the same rule.
 */
typedef void (*rp_callback)(rp_result *res, void *user);

/** Options of one call.  Start from RP_CALL_OPTIONS_INIT and set fields by name. */
typedef struct rp_call_options {
    size_t size;                /**< sizeof(rp_call_options); set by RP_CALL_OPTIONS_INIT */
    size_t chunksize;           /**< items per message; 0 = ceil(n / (4 * workers)) */
    rp_callback callback;       /**< on success, or NULL */
    rp_callback error_callback; /**< on failure, or NULL */
    void *user;                 /**< passed to the callbacks */
    double timeout; /**< apply, map, starmap: seconds (RP_FOREVER by default; checked by every
                         call that takes the options: RP_EINVAL unless RP_FOREVER, 0 or
                         finite > 0) */
    /**< apply, map, starmap: seconds (RP_FOREVER by default) */
    /**
     * Times an item whose task failed is sent again (0..1000; default 0): a
     * task that returns non-zero, or, in an isolated pool, crashes or runs
     * past task_timeout.  The item fails only when its last try fails;
     * rp_result_attempts tells how many times it was sent, rp_task_attempt
     * which try a task is.  Re-sends after a lost worker are not counted here
     * (rp_options.lost_retries).
     */
    int retries;
    /**
     * 1: while a thread waits for this call (map, starmap, rp_result_wait,
     * rp_result_get, rp_result_next), draw a progress bar on stderr (items
     * done, failed, rate, ETA), if stderr is a terminal; nothing otherwise.
     */
    int progress;
} rp_call_options;

/** Default call options. */
#define RP_CALL_OPTIONS_INIT                                                                       \
    { sizeof(rp_call_options), 0, NULL, NULL, NULL, RP_FOREVER, 0, 0 }

/**
 * Create a pool over @p opts->workers workers (least used first).  Runs the
 * initializer on each worker and waits for them: RP_EINIT if one failed (its
 * message in rp_last_error()).  Manager rank only.  Returns 0, RP_EINVAL,
 * RP_ENOTASK, RP_ENOTMANAGER, RP_ENOMEM, RP_ETOOBIG (initarg), RP_EINIT
 * (also when a worker's answer was unreadable), RP_EMPI, RP_EDEADLK (from a
 * callback, before anything is done).
 */
int rp_pool_create(rp_runtime *rt, const rp_pool_options *opts, rp_pool **pool);

/** Number of workers of the pool. */
int rp_pool_workers(const rp_pool *pool);

/** One worker's part in a pool (rp_pool_get_stats). */
typedef struct rp_worker_stats {
    int rank;       /**< its rank (0: rank 0 itself, in a one-rank job) */
    size_t running; /**< items of this pool on it now (sent, no result yet) */
    size_t done;    /**< items of this pool it answered (succeeded or failed) */
    int lost;       /**< 1 if it was lost or given up on */
} rp_worker_stats;

/**
 * A pool's counters at one moment.  Item counts are over every call of the
 * pool so far; the times, with rp_pool_options.timing, are sums over the
 * items that completed timed (divide by @c timed for the mean per item).
 */
typedef struct rp_pool_stats {
    size_t calls;   /**< calls submitted (apply, map, ...) */
    size_t queued;  /**< items submitted and not yet sent to a worker */
    size_t running; /**< items on workers */
    size_t done;    /**< items that succeeded */
    size_t failed;  /**< items that failed: task error, crash, loss, cancel, timeout */
    int workers;    /**< workers of the pool */
    size_t timed;   /**< items whose stages were timed (timing on, completed) */
    double queue;   /**< seconds from submission until its chunk was sent */
    double wire;    /**< seconds of its chunk's round trip, less the execution */
    double exec;    /**< seconds of execution, as the worker measured it */
    double result;  /**< seconds from its chunk's result to its call's completion (callbacks) */
    double wake;    /**< seconds from completion until a waiting caller returned */
} rp_pool_stats;

/**
 * Pool statistics in one call: @p out gets the pool's counters; @p workers
 * (may be NULL) gets the first @p nworkers of its workers' (at most
 * rp_pool_workers of them).  Any thread of rank 0, callbacks included; does
 * not wait.  Returns 0, or RP_EINVAL (NULL pool or @p out; @p workers NULL
 * with @p nworkers > 0).
 */
int rp_pool_get_stats(rp_pool *pool, rp_pool_stats *out, rp_worker_stats *workers, size_t nworkers);

/**
 * Run one task and wait for it (Pool.apply).  The result is copied to @p out
 * (capacity @p out_cap, may be NULL if 0); its size goes to @p out_size (may be
 * NULL).  Returns 0; RP_ETASK (the task failed; rp_last_error() has its
 * code and message); RP_ETRUNC (out_cap too small: *out_size is the needed
 * size, nothing copied); RP_ENOTASK, RP_EINVAL, RP_ECLOSED, RP_ETIMEDOUT (the
 * task runs on; its result is dropped), RP_ECANCELED, RP_EPROTO (unreadable
 * answer), RP_EMPI, RP_EDEADLK (from a callback, before anything is queued).
 */
int rp_pool_apply(rp_pool *pool, const char *task, const void *arg, size_t arg_size, void *out,
                  size_t out_cap, size_t *out_size, const rp_call_options *opts);

/**
 * Submit one task (Pool.apply_async).  @p arg is copied.  @p res receives the
 * handle (free with rp_result_free), or pass NULL to fire and forget (the
 * callbacks still run; rp_pool_join waits for it).
 */
int rp_pool_apply_async(rp_pool *pool, const char *task, const void *arg, size_t arg_size,
                        const rp_call_options *opts, rp_result **res);

/**
 * Pool.map over @p n records of @p in_size bytes at @p in; result i, which
 * must be exactly @p out_size bytes, goes to out + i * out_size.  With
 * @p out NULL and @p out_size 0 the results are discarded (tasks run for
 * their side effects; failures are still reported).  Blocks.
 * Returns 0, RP_ETASK (first failing item in rp_last_error()), RP_EINVAL
 * (NULL buffer, zero size), RP_ETOOBIG, RP_ENOTASK, RP_ECLOSED, RP_ESIZE,
 * RP_EPROTO, RP_EMPI, RP_EDEADLK (from a callback, before anything is queued),
 * RP_ETIMEDOUT: after opts->timeout the items not yet sent are withdrawn and
 * the chunks already out are waited for, so on return in and out are no
 * longer used (out holds the results that came in); if nothing was left to
 * withdraw, the call's own outcome is returned.  n == 0 succeeds at once.
 *
 * After a communication failure (RP_EMPI) every outstanding item fails with
 * RP_EMPI and all waits return; chunks of over 16 KiB sent straight from
 * @p in may then still be read by MPI until the program ends.
 */
int rp_pool_map(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                void *out, size_t out_size, const rp_call_options *opts);

/**
 * Pool.map_async.  No copy of @p in is made: @p in and @p out are borrowed
 * until the result is ready.  If @p out is NULL the results are kept in the
 * handle (any size; read them with rp_result_item).
 */
int rp_pool_map_async(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                      void *out, size_t out_size, const rp_call_options *opts, rp_result **res);

/**
 * Pool.starmap over @p n variable-size argument buffers args[i] of sizes[i]
 * bytes (an argument tuple packed by the caller; sizes may be 0).  Blocks,
 * then hands back the ready result in @p res: read item i with rp_result_item.
 * *res is NULL if the call was refused (RP_EINVAL, RP_ENOTASK, RP_ECLOSED,
 * RP_ETOOBIG, RP_ENOMEM, RP_EMPI, RP_EDEADLK from a callback); otherwise it
 * is the ready handle, to free, whatever the return code: 0 or the first
 * failed item's code (RP_ETASK, RP_ECANCELED, ...; RP_ETIMEDOUT as for map:
 * the items withdrawn fail with it).
 */
int rp_pool_starmap(rp_pool *pool, const char *task, const void *const *args, const size_t *sizes,
                    size_t n, const rp_call_options *opts, rp_result **res);

/** Pool.starmap_async.  args[i] and sizes are borrowed until the result is ready. */
int rp_pool_starmap_async(rp_pool *pool, const char *task, const void *const *args,
                          const size_t *sizes, size_t n, const rp_call_options *opts,
                          rp_result **res);

/**
 * Pool.imap: like map_async with results kept in the handle, read in input
 * order with rp_result_next() as they become available.  @p in borrowed until
 * the result is ready.
 */
int rp_pool_imap(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                 const rp_call_options *opts, rp_result **res);

/** Pool.imap_unordered: as rp_pool_imap, but rp_result_next() yields in completion order. */
int rp_pool_imap_unordered(rp_pool *pool, const char *task, const void *in, size_t n,
                           size_t in_size, const rp_call_options *opts, rp_result **res);

/** Pool.close: no more submissions (they fail with RP_ECLOSED); queued work still runs. */
int rp_pool_close(rp_pool *pool);

/**
 * Pool.terminate: close, drop queued work (its results fail with
 * RP_ECANCELED) and tell the workers to skip what they hold for this pool,
 * checked between items within a chunk too.  In an isolated pool the tasks
 * running are stopped too, as Python's terminate() stops them: their
 * executors are killed at once, and their items fail with RP_ECANCELED
 * ("killed by pool terminate while it ran").  Without isolation a task
 * running in a worker rank cannot be stopped: it runs to its end and its
 * result is kept if it comes within the pool's terminate_grace;
 * rp_pool_destroy waits no longer than that, then gives up on it: its
 * items fail with RP_ECANCELED saying which worker still ran them, the
 * worker finishes the task in its own time, its answer is dropped, and it
 * serves on.  (In a one-rank job the task runs on the manager thread, which
 * is then busy: destroy returns when it ends.)  Returns at once; join waits.
 */
int rp_pool_terminate(rp_pool *pool);

/**
 * Pool.join: wait until every call of the pool is complete and its callbacks
 * have run (also after a communication failure: the calls then complete with
 * failed items).  RP_ESTATE if the pool was neither closed nor terminated;
 * RP_ETIMEDOUT after @p timeout seconds; RP_EDEADLK from a callback.
 */
int rp_pool_join(rp_pool *pool, double timeout);

/**
 * Terminate (if still open, as Python's `with Pool()` does), join and free
 * the pool, waiting for the tasks still running at most the pool's
 * terminate_grace (see rp_pool_terminate).  Outstanding result handles stay
 * valid (they report RP_ECANCELED if cut short).  NULL is a no-op.  From a
 * callback it only terminates; the pool is then freed by rp_finalize.
 */
void rp_pool_destroy(rp_pool *pool);

/* ------------------------------------------------------------------------ */
/* Results (AsyncResult)                                                     */
/* ------------------------------------------------------------------------ */

/** Detail of a failed item. */
typedef struct rp_task_error {
    size_t index;        /**< item index within the call */
    int code;            /**< the task's return value, or an RP_E* code */
    const char *message; /**< owned by the result handle */
} rp_task_error;

/**
 * Wait up to @p timeout seconds for the call to complete (AsyncResult.wait).
 * Returns 0 when ready, RP_ETIMEDOUT otherwise, RP_EDEADLK from a callback.
 */
int rp_result_wait(rp_result *res, double timeout);

/** 1 if the call is complete (AsyncResult.ready), else 0. */
int rp_result_ready(const rp_result *res);

/** 1 if complete and every item succeeded (AsyncResult.successful), else 0. */
int rp_result_successful(const rp_result *res);

/**
 * AsyncResult.get for a one-item call (apply_async): wait up to @p timeout,
 * then point @p data / @p size at the result (owned by @p res, valid until
 * rp_result_free).  For a multi-item call it waits and reports the outcome,
 * sets *data to NULL and *size to the number of items; read the items with
 * rp_result_item.  Returns 0, RP_ETIMEDOUT, RP_ETASK (see rp_result_error),
 * RP_ECANCELED, RP_ESIZE, RP_EDEADLK.  data/size may be NULL.  May be called
 * from the call's own callback (it is ready there).
 */
int rp_result_get(rp_result *res, double timeout, const void **data, size_t *size);

/** Number of items of the call (1 for apply). */
size_t rp_result_count(const rp_result *res);

/**
 * Item @p i of a completed call: its result bytes (owned by @p res; for
 * map_async into a caller's out array they point into it).  Returns 0,
 * RP_ERANGE, RP_ESTATE (item not finished yet), or the item's failure code
 * with data NULL: RP_ETASK (the task failed: rp_result_error), RP_ECANCELED,
 * RP_ETIMEDOUT (withdrawn by a blocking call's timeout), RP_ESIZE, RP_ETOOBIG
 * (result over the message limit), RP_ENOMEM, RP_EPROTO, RP_EMPI.
 */
int rp_result_item(const rp_result *res, size_t i, const void **data, size_t *size);

/**
 * Next item of an imap/imap_unordered call (any multi-item call: input order,
 * or completion order for imap_unordered), waiting up to @p timeout.  Sets
 * @p index, @p data, @p size (data owned by @p res).  Returns 0, RP_EDONE
 * when all items were read, RP_ETIMEDOUT, RP_EDEADLK, or a failed item's code
 * as rp_result_item gives it (index is set; iteration may continue).
 */
int rp_result_next(rp_result *res, double timeout, size_t *index, const void **data, size_t *size);

/**
 * The first failed item (lowest index) of a completed call.  Returns 0 and
 * fills @p err, or RP_ESTATE if not complete, RP_EDONE if nothing failed.
 */
int rp_result_error(const rp_result *res, rp_task_error *err);

/**
 * Release a result handle.  Safe while the call is still running (its work
 * goes on; its callbacks still run).  NULL is a no-op.  Must not be called on
 * the handle passed to a running callback.  Handles may be kept, read and
 * freed after rp_finalize (they are complete by then).
 */
void rp_result_free(rp_result *res);

/**
 * Cancel the items of a call that were not sent to a worker yet (Python's
 * Future.cancel, per item): they fail with RP_ECANCELED at once; items
 * already sent run on and keep their results; the call completes when they
 * are back, and its error_callback runs if it had any item canceled.
 * Returns the number of items canceled (0: all were sent already, nothing
 * changed, as a Future that runs: cancel() is False), or RP_EINVAL (NULL).
 * Thread-safe; also from a callback.
 */
int rp_result_cancel(rp_result *res);

/**
 * How many times item @p i of a completed call was sent to a worker: 1 for
 * most; more when it was sent again, after its task failed (retries in
 * rp_call_options) or its worker was lost; 0 if it never was (canceled or
 * withdrawn before it was sent).  Returns that count (>= 0), RP_EINVAL (NULL),
 * RP_ERANGE, or RP_ESTATE (item not finished yet).  Thread-safe.
 */
int rp_result_attempts(const rp_result *res, size_t i);

/* ------------------------------------------------------------------------ */
/* Waiting for many results (concurrent.futures.wait and as_completed)        */
/* ------------------------------------------------------------------------ */

/** What rp_wait waits for (concurrent.futures' return_when). */
typedef enum rp_wait_when {
    RP_FIRST_COMPLETED = 1, /**< any one call is complete */
    RP_FIRST_EXCEPTION = 2, /**< any one call is complete with a failed item, or all are complete */
    RP_ALL_COMPLETED = 3    /**< every call is complete */
} rp_wait_when;

/**
 * Wait up to @p timeout seconds until @p when holds for the @p n handles
 * @p res (concurrent.futures.wait); read which are done with
 * rp_result_ready.  All handles must come from one runtime (handles kept
 * past rp_finalize count as complete).  Returns the number of complete
 * handles (> 0, or 0 for n == 0), RP_ETIMEDOUT (the condition did not hold
 * in time; the handles are unchanged), RP_EINVAL (NULL array or handle,
 * bad @p when, handles of two runtimes), RP_EDEADLK (from a callback).
 * Thread-safe.
 */
int rp_wait(rp_result *const *res, size_t n, int when, double timeout);

/**
 * An as_completed iterator: yields the handles given to it in the order
 * their calls complete (concurrent.futures.as_completed).  Opaque; one
 * thread at a time.  A handle may be in one iterator at a time, and must
 * not be freed before the iterator yielded it or was freed.
 */
typedef struct rp_as_completed rp_as_completed;

/**
 * Make an iterator over the @p n handles @p res (@p res may be NULL if
 * @p n is 0; more may be added later).  Returns 0, RP_EINVAL (NULL @p it,
 * a NULL handle, a handle already in an iterator, handles of two
 * runtimes), RP_ENOMEM; on failure nothing is changed.
 */
int rp_as_completed_create(rp_result *const *res, size_t n, rp_as_completed **it);

/** Add one handle to @p it (as create).  Returns 0, RP_EINVAL, RP_ENOMEM. */
int rp_as_completed_add(rp_as_completed *it, rp_result *res);

/**
 * The next complete handle, waiting up to @p timeout: 0 with *@p res set
 * (still the caller's to free), RP_EDONE when every handle added was
 * yielded, RP_ETIMEDOUT, RP_EINVAL (NULL), RP_EDEADLK (from a callback,
 * if it would wait).
 */
int rp_as_completed_next(rp_as_completed *it, double timeout, rp_result **res);

/** Handles added and not yet yielded; 0 for NULL. */
size_t rp_as_completed_pending(const rp_as_completed *it);

/** Free the iterator (not the handles, which leave it).  NULL is a no-op. */
void rp_as_completed_free(rp_as_completed *it);

/* ------------------------------------------------------------------------ */
/* Progress                                                                  */
/* ------------------------------------------------------------------------ */

/** The counts a progress line shows (rp_progress_format). */
typedef struct rp_progress {
    size_t total;   /**< items (or jobs) in all; 0: unknown (no percentage, no ETA) */
    size_t done;    /**< finished, failed ones included */
    size_t failed;  /**< of those, failed */
    size_t running; /**< started, not finished (shown when > 0) */
    double elapsed; /**< seconds since the start */
    int width;      /**< columns the line may take (0: 80) */
} rp_progress;

/**
 * Format one progress line into @p buf (@p cap bytes, NUL-terminated, cut
 * to fit): a bar, the percentage, done/total, failed, running, the rate and
 * the ETA, e.g. "[#########-----------]  45% 900/2000 3 failed 4 running
 * 850/s ETA 0:01".  The bar the call option `progress` draws; public for
 * loops of one's own (rp_as_completed).  Returns the length written, or
 * RP_EINVAL (NULL, or cap 0).  Thread-safe.
 */
int rp_progress_format(char *buf, size_t cap, const rp_progress *p);

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_POOL_H */
