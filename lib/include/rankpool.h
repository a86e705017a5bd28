/*
 * rankpool: Python's multiprocessing model (Pool, ...) as a C library on MPI.
 *
 * Overview
 * --------
 * The same binary runs on every rank of a communicator.  Rank 0 runs the
 * caller's main() plus one *manager* thread that owns all of the library's MPI
 * traffic on that rank; ranks 1..N-1 are *workers* that run a service loop.
 * Task functions are not pickled: every rank registers the same table of named
 * C functions (rp_task_def), and a task is sent as the function's index plus
 * its argument bytes.  rp_init checks that all ranks registered the same table.
 *
 *     int main(int argc, char **argv) {
 *         static const rp_task_def tasks[] = {RP_TASK(square)};
 *         rp_options opt = RP_OPTIONS_INIT;
 *         opt.tasks = tasks;
 *         opt.ntasks = 1;
 *         rp_runtime *rt;
 *         if (rp_init(&rt, &argc, &argv, &opt) != 0) return 1;
 *         if (rp_is_manager(rt)) {
 *             rp_pool *pool;
 *             rp_pool_create(rt, NULL, &pool);
 *             rp_pool_map(pool, "square", in, n, sizeof *in, out, sizeof *out, NULL);
 *             rp_pool_destroy(pool);
 *         }
 *         return rp_finalize(rt) == 0 ? 0 : 1;   // workers serve in here
 *     }
 *
 * Errors: every call returns an int, 0 on success and a negative RP_E* code on
 * failure; a failed call has no side effects.  rp_strerror() and rp_err_name()
 * describe a code; rp_last_error() gives the calling thread's detailed message
 * for the most recent failure (e.g. which task name was unknown).
 *
 * Threads: the pool and result functions may be called from any thread of
 * rank 0.  Callbacks run on the manager thread (as Python's result handler
 * thread); they must return quickly and must not block on a result (such a
 * call returns RP_EDEADLK).
 *
 * Timeouts are in seconds as a double; RP_FOREVER (any negative value) waits
 * without a limit, 0 polls.
 */
#ifndef RANKPOOL_H
#define RANKPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RP_VERSION_MAJOR 0
#define RP_VERSION_MINOR 1
#define RP_VERSION_PATCH 0

/** Wait without a time limit. */
#define RP_FOREVER (-1.0)

/*
 * Error codes: X(name, value, message).  One table makes the enum,
 * rp_err_name() and rp_strerror().
 */
#define RP_ERRNO_MAP(X)                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(ENOTASK, -3, "no task registered under that name")                                           \
    X(ETIMEDOUT, -4, "timed out")                                                                  \
    X(ECLOSED, -5, "pool is closed to new work")                                                   \
    X(ESTATE, -6, "operation not valid in the current state")                                      \
    X(ETASK, -7, "a task reported failure")                                                        \
    X(ECANCELED, -8, "work was canceled by terminate")                                             \
    X(EMPI, -9, "an MPI call failed")                                                              \
    X(EMISMATCH, -10, "ranks registered different task tables")                                    \
    X(EPROTO, -11, "malformed or unexpected message")                                              \
    X(ETOOBIG, -12, "size exceeds the library limit")                                              \
    X(ETRUNC, -13, "result does not fit the buffer")                                               \
    X(ESIZE, -14, "result has the wrong size")                                                     \
    X(EDONE, -15, "no more results")                                                               \
    X(EDEADLK, -16, "blocking call from a callback would deadlock")                                \
    X(ETHREAD, -17, "MPI thread support level too low")                                            \
    X(ENOTMANAGER, -18, "only valid on the manager rank (rank 0)")                                 \
    X(EINIT, -19, "pool initializer failed")                                                       \
    X(ERANGE, -20, "index out of range")

/** Error codes returned by every rankpool call (0 is success). */
typedef enum {
    RP_OK = 0,
#define RP__ERR_ENUM(name, value, msg) RP_##name = (value),
    RP_ERRNO_MAP(RP__ERR_ENUM)
#undef RP__ERR_ENUM
        RP_ERR_LAST = -21 /**< one past the last code; not an error itself */
} rp_errno;

/** Short message for an error code ("timed out"); never NULL. Thread-safe. */
const char *rp_strerror(int code);

/** Name of an error code ("RP_ETIMEDOUT"); "RP_UNKNOWN" for other values. Thread-safe. */
const char *rp_err_name(int code);

/**
 * Detailed message for the last failed rankpool call on the calling thread,
 * e.g. "unknown task 'sqare'".  Empty string if none.  Valid until the next
 * rankpool call on this thread.
 */
const char *rp_last_error(void);

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

/* ------------------------------------------------------------------------ */
/* Runtime                                                                   */
/* ------------------------------------------------------------------------ */

/** A rankpool runtime over one communicator.  Opaque. */
typedef struct rp_runtime rp_runtime;

/** Runtime options.  Start from RP_OPTIONS_INIT; fields may be added later. */
typedef struct rp_options {
    /** Task table, identical on every rank; borrowed for the runtime's life. */
    const rp_task_def *tasks;
    /** Entries in tasks. */
    size_t ntasks;
    /** Chunks a worker may always hold (1..1024; default 2); it gets more, up to
     *  64, while its queued work is expected to take under 250 us. */
    int prefetch;
    /** Seconds an idle loop polls before it starts to sleep (default 200e-6). */
    double idle_spin;
    /** Longest sleep of an idle loop, seconds (default 1e-3). */
    double idle_sleep_max;
    /** Longest sleep once idle for 0.25 s (default 5e-3; >= idle_sleep_max, <= 1). */
    double idle_deep_sleep;
    /** Where workers run: an rp_placement (see Placement below; default RP_PLACE_DEFAULT). */
    int placement;
    /** What a worker gets: an rp_granularity (see Placement; default RP_GRAIN_DEFAULT). */
    int granularity;
} rp_options;

/** Default options. */
#define RP_OPTIONS_INIT                                                                            \
    { NULL, 0, 2, 200e-6, 1e-3, 5e-3, 0, 0 }

/**
 * Start MPI if it is not running yet (MPI_Init_thread, MPI_THREAD_SERIALIZED)
 * and create a runtime over a duplicate of MPI_COMM_WORLD.  Collective over
 * MPI_COMM_WORLD.  When rankpool started MPI, rp_finalize() finalizes it.
 * Binds each rank with hwloc (see Placement below).
 *
 * @param rt    receives the runtime (owned by the caller; rp_finalize frees it)
 * @param argc  may be NULL, as for MPI_Init
 * @param argv  may be NULL
 * @param opts  options, or NULL for the defaults (then no task is registered)
 * @return 0; RP_EINVAL (bad option, task table or RP_PLACEMENT value; every
 *         rank gets it), RP_EMISMATCH (ranks disagree on the task table;
 *         every rank gets it), RP_ETHREAD, RP_EMPI, RP_ENOMEM, RP_EPROTO (an
 *         unreadable placement record), RP_ESTATE (MPI already finalized, or
 *         for rp_init_comm not running).
 */
int rp_init(rp_runtime **rt, int *argc, char ***argv, const rp_options *opts);

/**
 * Create a runtime over @p comm in a program that already runs MPI.
 * Collective over comm.  rankpool works on its own duplicate of comm with
 * MPI_ERRORS_RETURN and never touches MPI_COMM_WORLD; rank 0 of comm is the
 * manager.  With more than one rank, MPI must provide MPI_THREAD_SERIALIZED
 * or better (MPI_THREAD_MULTIPLE if rank 0's own code calls MPI while the
 * runtime is up, which includes creating a second runtime while the first
 * is up); otherwise RP_ETHREAD.  Returns as rp_init().
 */
int rp_init_comm(rp_runtime **rt, MPI_Comm comm, const rp_options *opts);

/**
 * Worker ranks: serve tasks until the manager calls rp_finalize(), then return 0.
 * On the manager rank it returns 0 at once.  rp_finalize() calls it on workers
 * that did not, so calling it is optional.  Returns RP_EMPI if the
 * communicator failed, RP_ESTATE if called twice.
 */
int rp_serve(rp_runtime *rt);

/**
 * Shut the runtime down.  Collective: on rank 0 it destroys remaining pools,
 * stops the workers and the manager thread; on workers it serves until then.
 * Restores the binding and OMP_NUM_THREADS as rp_init found them (see
 * Placement), frees the duplicate communicator and @p rt, and calls MPI_Finalize if
 * rp_init started MPI.  Afterwards a program that brought its own MPI keeps
 * using it.  NULL is a no-op returning 0.  Returns the first error seen:
 * RP_EMPI on rank 0 if the communicator failed while the runtime was up.
 * If then the workers cannot be told to stop, it ends the job with
 * MPI_Abort and a message rather than hang.
 */
int rp_finalize(rp_runtime *rt);

/** The body of a program run by rp_main: runs on rank 0 only. */
typedef int (*rp_main_fn)(rp_runtime *rt, int argc, char **argv, void *user);

/**
 * A whole program in one call: rp_init (MPI started if needed), @p fn on
 * rank 0 while the workers serve, then rp_finalize on every rank.  Meant as
 * `int main(int argc, char **argv) { return rp_main(&argc, &argv, &opt, body, NULL); }`.
 * Collective over MPI_COMM_WORLD.  Returns fn's return value on rank 0 and 0
 * on workers (a process exit code), or 1 if init or finalize failed, with the
 * reason printed on stderr.  argc/argv may be NULL (fn then gets 0 and NULL).
 */
int rp_main(int *argc, char ***argv, const rp_options *opts, rp_main_fn fn, void *user);

/** True (1) on the manager rank (rank 0), 0 on workers. */
int rp_is_manager(const rp_runtime *rt);

/** This process's rank in the runtime's communicator. */
int rp_rank(const rp_runtime *rt);

/** Number of ranks in the runtime's communicator. */
int rp_size(const rp_runtime *rt);

/** Number of workers a pool can use: size-1, or 1 in single-rank mode (rank 0 runs tasks). */
int rp_worker_count(const rp_runtime *rt);

/* ------------------------------------------------------------------------ */
/* Placement                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * rp_init binds each rank with hwloc, inside the cpuset it was started with
 * (by mpirun, the batch system, taskset), never outside it.  The ranks of a
 * host that were given the same cpuset divide it: each worker gets one core
 * (or hardware thread) of it, in the policy's order; rank 0, which runs
 * main() and the manager thread and is mostly asleep, keeps the whole cpuset,
 * and so does a rank alone in its cpuset (the launcher placed it).  With more
 * workers than cores, workers share cores round-robin and the lowest of those
 * ranks prints one warning.  If the OS refuses a binding, the rank runs as it
 * was, with a warning.  rp_finalize restores the binding found at init.
 *
 * The policy comes from rp_options.placement/.granularity when set, else from
 * the environment variable RP_PLACEMENT=POLICY[:GRANULARITY] (e.g. "compact",
 * "scatter:pu"), else scatter:core.  A bad RP_PLACEMENT fails rp_init on every
 * rank with RP_EINVAL.  If Open MPI was asked for a binding explicitly
 * (mpirun --bind-to X, or the MCA parameter hwloc_base_binding_policy set in
 * the environment), rankpool does not bind at all, whatever the policy, and
 * reports RP_PLACE_MPIRUN.
 *
 * Workers whose OMP_NUM_THREADS is unset get it set to the number of cores
 * (PUs at granularity pu) of their binding when rankpool placed them or kept
 * mpirun's binding; rp_finalize unsets it again.  OpenMP runtimes that read
 * the environment when they start (GCC's libgomp does so at program start)
 * miss it: call omp_set_num_threads(info.units) in a pool initializer then.
 * rp_init and rp_finalize change the environment: no other thread may read
 * or change it meanwhile.  See docs/placement.md.
 */

/** Placement policies. */
typedef enum rp_placement {
    RP_PLACE_DEFAULT = 0, /**< RP_PLACEMENT if set, else RP_PLACE_SCATTER */
    RP_PLACE_COMPACT = 1, /**< fill cores in order: worker i on the i-th core */
    RP_PLACE_SCATTER = 2, /**< spread across packages, then NUMA nodes and caches first */
    RP_PLACE_NONE = 3,    /**< do not bind (keep what the rank was started with) */
    RP_PLACE_MPIRUN = 4   /**< reported only: mpirun was asked to bind; its binding is kept */
} rp_placement;

/** What one worker is bound to. */
typedef enum rp_granularity {
    RP_GRAIN_DEFAULT = 0, /**< RP_PLACEMENT's if given, else RP_GRAIN_CORE */
    RP_GRAIN_CORE = 1,    /**< a whole core (all of its hardware threads in the cpuset) */
    RP_GRAIN_PU = 2       /**< one hardware thread (PU) */
} rp_granularity;

/** Where one rank runs, as decided and done by rp_init.  Strings are owned by the runtime. */
typedef struct rp_placement_info {
    int rank;             /**< rank in the runtime's communicator */
    const char *host;     /**< MPI_Get_processor_name */
    int node_rank;        /**< rank among the runtime's ranks on this host, in rank order */
    int node_size;        /**< the runtime's ranks on this host */
    int policy;           /**< effective: RP_PLACE_COMPACT, _SCATTER, _NONE or _MPIRUN */
    int granularity;      /**< effective: RP_GRAIN_CORE or RP_GRAIN_PU */
    const char *given;    /**< cpuset the rank had at init, hwloc list syntax of OS PU
                               numbers as taskset shows them ("0-15"); "" if unknown */
    const char *cpuset;   /**< the plan: cpuset it is bound to ("3"); = given if kept */
    const char *bound;    /**< its binding read back after init; = cpuset unless binding failed */
    const char *cores;    /**< logical indexes (lstopo's L#) of the cores of cpuset ("3") */
    const char *packages; /**< logical indexes of the packages of cpuset ("0") */
    const char *numa;     /**< logical indexes of the NUMA nodes of cpuset ("0") */
    const char *topology; /**< the host: "2 packages, 2 NUMA nodes, 16 cores, 32 PUs" */
    int units;            /**< cores (PUs at granularity pu) in cpuset: OMP_NUM_THREADS hint */
    int sharing;          /**< ranks of this host given the same cpuset (itself included) */
    int oversubscribed;   /**< 1 if the workers sharing its given cpuset outnumber its units */
} rp_placement_info;

/**
 * Where rank @p rank runs.  Any rank may ask about itself; the manager (rank
 * 0) may ask about every rank (gathered at init).  Not collective;
 * thread-safe.  The strings stay valid until rp_finalize.
 * @return 0; RP_EINVAL (rt or info NULL), RP_ERANGE (no such rank),
 *         RP_ENOTMANAGER (another rank's, asked on a worker).
 */
int rp_placement_get(const rp_runtime *rt, int rank, rp_placement_info *info);

/**
 * Name of a policy ("compact", "scatter", "none", "mpirun", "default"), as
 * RP_PLACEMENT spells it; "unknown" otherwise.  Never NULL; thread-safe.
 */
const char *rp_placement_name(int policy);

/** Name of a granularity ("core", "pu", "default"); "unknown" otherwise.  Thread-safe. */
const char *rp_granularity_name(int granularity);

/**
 * Number of logical CPUs (hardware threads) the calling thread may run on,
 * as Python's os.process_cpu_count(): affinity-aware, so on a placed worker
 * it is the size of its binding.  Falls back to the online CPUs if the
 * affinity cannot be read.  Always >= 1.  Needs no runtime; thread-safe.
 */
int rp_cpu_count(void);

/* ------------------------------------------------------------------------ */
/* Pool                                                                      */
/* ------------------------------------------------------------------------ */

/** A pool of workers (multiprocessing.Pool).  Opaque; manager rank only. */
typedef struct rp_pool rp_pool;

/** The state of one submitted call (multiprocessing.AsyncResult).  Opaque. */
typedef struct rp_result rp_result;

/** Pool options.  Start from RP_POOL_OPTIONS_INIT. */
typedef struct rp_pool_options {
    int workers;             /**< how many workers (0 = all of them) */
    const char *initializer; /**< task run once on each worker before its tasks, or NULL */
    const void *initarg;     /**< initializer argument (copied at create) */
    size_t initarg_size;
} rp_pool_options;

/** Default pool options. */
#define RP_POOL_OPTIONS_INIT                                                                       \
    { 0, NULL, NULL, 0 }

/**
 * Callback run on the manager thread when a call completes (callback: all
 * items succeeded; error_callback: some failed or were canceled).  @p res is
 * ready; read it with rp_result_get/rp_result_item/rp_result_error.  The
 * callback must not free @p res.
 */
typedef void (*rp_callback)(rp_result *res, void *user);

/** Options of one call.  Start from RP_CALL_OPTIONS_INIT. */
typedef struct rp_call_options {
    size_t chunksize;           /**< items per message; 0 = ceil(n / (4 * workers)) */
    rp_callback callback;       /**< on success, or NULL */
    rp_callback error_callback; /**< on failure, or NULL */
    void *user;                 /**< passed to the callbacks */
    double timeout;             /**< apply, map, starmap: seconds (RP_FOREVER by default) */
} rp_call_options;

/** Default call options. */
#define RP_CALL_OPTIONS_INIT                                                                       \
    { 0, NULL, NULL, NULL, RP_FOREVER }

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
 * must be exactly @p out_size bytes, goes to out + i * out_size.  Blocks.
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
 * checked between items within a chunk too.  A task already running on a
 * worker runs to its end and its result is kept.  Returns at once; join waits.
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
 * the pool.  Outstanding result handles stay valid (they report RP_ECANCELED
 * if cut short).  NULL is a no-op.  From a callback it only terminates; the
 * pool is then freed by rp_finalize.
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

#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_H */
