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
#include <string.h>
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
    X(ECLOSED, -5, "closed (a pool to new work, a queue, a pipe)")                                 \
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
    X(ERANGE, -20, "index out of range")                                                           \
    X(ENOKEY, -21, "no such key")                                                                  \
    X(ENOENT, -22, "no such object")                                                               \
    X(EEXIST, -23, "object already exists")                                                        \
    X(ETYPE, -24, "wrong type")                                                                    \
    X(ENOSPC, -25, "manager memory limit reached")                                                 \
    X(EOVERFLOW, -26, "integer overflow")                                                          \
    X(EEMPTY, -27, "queue is empty")                                                               \
    X(EFULL, -28, "queue is full")                                                                 \
    X(EPERM, -29, "not held by the caller")                                                        \
    X(ERELEASE, -30, "released too many times")                                                    \
    X(EBROKEN, -31, "barrier is broken")                                                           \
    X(EEOF, -32, "end of stream: the other end is closed")                                         \
    X(ELOST, -33, "a worker was lost while it held the work")                                      \
    X(EINTR, -34, "interrupted by a signal")                                                       \
    X(ECRASH, -35, "killed by a signal (crashed, or ended by a timeout)")

/** Error codes returned by every rankpool call (0 is success). */
typedef enum {
    RP_OK = 0,
#define RP__ERR_ENUM(name, value, msg) RP_##name = (value),
    RP_ERRNO_MAP(RP__ERR_ENUM)
#undef RP__ERR_ENUM
        RP_ERR_LAST = -36 /**< one past the last code; not an error itself */
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
    /** Shared objects, enforced by the manager (rank 0's value counts): longest
     *  key or object name in bytes (1..2^30; default 64 KiB). */
    size_t obj_key_max;
    /** Largest single value, bytes (1..2^30; default 64 MiB). */
    size_t obj_value_max;
    /** Memory all shared objects together may hold: keys, values and a fixed
     *  overhead per entry, bytes (default 1 GiB). */
    size_t obj_mem_max;
    /** Where workers run: an rp_placement (see Placement below; default RP_PLACE_DEFAULT). */
    int placement;
    /** What a worker gets: an rp_granularity (see Placement; default RP_GRAIN_DEFAULT). */
    int granularity;
    /** Bytes of shared memory for Value and Array (rank 0's value counts; default
     *  64 MiB; 0: none, rp_array_open then fails with RP_ESTATE; at most 2^40).
     *  Made once at init on rank 0's host (see "Value and Array"). */
    size_t shm_arena_size;
    /** Times an item may be sent again after the worker holding it was lost
     *  (0..100; default 2); past that it fails with RP_ELOST.  See "Lost
     *  workers" below. */
    int lost_retries;
    /** Seconds rp_finalize waits for tasks still running and for the workers
     *  to stop before it ends the job (default 10; negative: no limit). */
    double shutdown_timeout;
    /** Install SIGINT and SIGTERM handlers on every rank (default 1; see
     *  "Signals" below).  0 leaves the program's own handling alone. */
    int handle_signals;
} rp_options;

/** Default options. */
#define RP_OPTIONS_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 2, 200e-6, 1e-3, 5e-3, (size_t)1 << 16, (size_t)1 << 26, (size_t)1 << 30, 0, 0,   \
            (size_t)1 << 26, 2, 10.0, 1                                                            \
    }

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
 * MPI_Abort and a message rather than hang.  Tasks still running get
 * opt.shutdown_timeout seconds; workers that hold one after that, or do not
 * stop, are ended and so is the job (MPI_Abort, see "Lost workers").
 * RP_ELOST on every rank when workers were lost under mpirun
 * --enable-recovery: nothing collective was done, MPI is not finalized, and
 * the process should exit without MPI_Finalize.
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

/*
 * Lost workers (docs/recovery.md).  Every worker holds a TCP connection to
 * rank 0 (its lease), opened by rp_init; rank 0 sees it close when the worker
 * process ends, however it ends (kill -9 included), and TCP keepalive finds a
 * host that vanished (within some 11 s).  The chunks the lost worker held go
 * back to the front of their call's queue and run on the other workers of
 * the pool, each item at most opt.lost_retries more times (then it fails
 * with RP_ELOST); the lost rank gets nothing more, its parked object
 * requests are dropped (a lock it held stays held, as in Python), and pools
 * made later leave it out.  Results come back exactly once.
 *
 * Whether the job survives the loss is up to mpirun: by default Open MPI
 * ends the whole job when a rank dies ("mpirun noticed that process rank 3
 * ... exited on signal 9"); under `mpirun --enable-recovery` the other ranks
 * go on and the calls complete.  rp_finalize then skips every collective
 * call (they would wait for the lost rank forever), MPI_Finalize included,
 * and returns RP_ELOST on every rank: the program must then end without
 * calling MPI_Finalize itself.  rp_main does that (and returns its usual
 * status).  As Open MPI 4.1 does not end such a job by itself when the lost
 * rank was on another host, rank 0 sends SIGTERM to the launcher that
 * started it when it exits; mpirun's status then says nothing about the
 * program.  A worker whose rank 0 is gone ends its own process.
 */

/** Workers lost so far (or given up on at shutdown); rank 0 only, else 0. */
int rp_workers_lost(rp_runtime *rt);

/*
 * Signals.  With opt.handle_signals (the default) rp_init installs SIGINT and
 * SIGTERM handlers on every rank; rp_finalize restores the previous ones.
 * The first signal on rank 0 stops every pool (queued items fail with
 * RP_EINTR, tasks running finish and keep their results), wakes every
 * waiter on a shared object with RP_EINTR, and makes new submissions fail
 * with RP_EINTR, so that the program can unwind and finalize in order;
 * rp_main then returns 128 + the signal number.  A second signal ends the
 * process at once.  A worker that gets a signal keeps serving so that rank
 * 0 can stop it in order (mpirun sends SIGTERM to every rank on Ctrl-C),
 * and ends itself with that signal if no stop came within 3 s.
 */

/** The signal (SIGINT, SIGTERM) that asked this process to stop, or 0.  Any rank. */
int rp_interrupted(const rp_runtime *rt);

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
     * With isolate (else RP_EINVAL): seconds a task may run (0: no limit); one that runs
     * longer is killed, fails with RP_ETIMEDOUT, its executor is replaced.
     */
    double task_timeout;
} rp_pool_options;

/** Default pool options. */
#define RP_POOL_OPTIONS_INIT                                                                       \
    { 0, NULL, NULL, 0, 0, 0, 0.0 }

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

/* ------------------------------------------------------------------------ */
/* Shared objects: dicts, lists and namespaces held by the manager           */
/* ------------------------------------------------------------------------ */
/*
 * Python's Manager().dict(), .list() and .Namespace().  The objects live on
 * rank 0; every call below works from any thread of rank 0 and from tasks on
 * any rank (get the runtime with rp_task_runtime), and is atomic: the manager
 * runs each call whole, one at a time.  Handles are plain values: copy them
 * into task arguments.  Not collective.  Thread-safe.  See docs/objects.md.
 *
 * Every call returns 0 or a negative code; the ones every call may return are
 * RP_EINVAL (NULL runtime or output pointer, bad key), RP_ENOENT (the object
 * was destroyed, or the handle was never valid), RP_ETOOBIG (a key, name or
 * value over the manager's limit, or a reply over one message), RP_ENOSPC
 * (the manager's obj_mem_max is reached), RP_ENOMEM and RP_EMPI.
 */

/** The runtime a task runs in, for the calls below; NULL if @p ctx is NULL. */
rp_runtime *rp_task_runtime(const rp_task_ctx *ctx);

/** Value types. */
typedef enum rp_type {
    RP_T_NONE = 0,   /**< no value (a missing key in a batch; "absent" in rp_dict_cas) */
    RP_T_INT = 1,    /**< 64-bit signed integer, in .i */
    RP_T_DOUBLE = 2, /**< double, in .d */
    RP_T_BYTES = 3   /**< byte string, .data / .len */
} rp_type;

/**
 * A typed value.  Build one with rp_int(), rp_double(), rp_str(), rp_bytes().
 * Values returned by the library: bytes are followed by a NUL (so a stored
 * string reads back as a C string) and may own memory (.owned): release
 * them with rp_value_free().
 */
typedef struct rp_value {
    rp_type type;
    union {
        int64_t i;
        double d;
    };
    const void *data; /**< RP_T_BYTES: the bytes */
    size_t len;       /**< RP_T_BYTES: their number */
    void *owned;      /**< memory behind data, or NULL; rp_value_free releases it */
} rp_value;

/** A key: a byte string (a C string's bytes without its NUL, or any bytes). */
typedef struct rp_key {
    const void *data;
    size_t len;
} rp_key;

/** An integer value. */
static inline rp_value rp_int(int64_t i) {
    rp_value v;
    memset(&v, 0, sizeof v);
    v.type = RP_T_INT;
    v.i = i;
    return v;
}
/** A double value. */
static inline rp_value rp_double(double d) {
    rp_value v;
    memset(&v, 0, sizeof v);
    v.type = RP_T_DOUBLE;
    v.d = d;
    return v;
}
/** A byte-string value of @p len bytes at @p data (borrowed for the call). */
static inline rp_value rp_bytes(const void *data, size_t len) {
    rp_value v;
    memset(&v, 0, sizeof v);
    v.type = RP_T_BYTES;
    v.data = data;
    v.len = len;
    return v;
}
/** A C string as a byte-string value (its bytes without the NUL). */
static inline rp_value rp_str(const char *s) {
    return rp_bytes(s, s ? strlen(s) : 0);
}
/** No value. */
static inline rp_value rp_none(void) {
    rp_value v;
    memset(&v, 0, sizeof v);
    return v;
}
/** A C string as a key (its bytes without the NUL). */
static inline rp_key rp_key_str(const char *s) {
    rp_key k;
    k.data = s;
    k.len = s ? strlen(s) : 0;
    return k;
}
/** Bytes as a key. */
static inline rp_key rp_key_bytes(const void *data, size_t len) {
    rp_key k;
    k.data = data;
    k.len = len;
    return k;
}

/** Release the memory a returned value owns and reset it to RP_T_NONE.  NULL-safe. */
void rp_value_free(rp_value *v);

/**
 * A batch of keys and/or values returned by a call (snapshots, get-many,
 * slices).  keys[i] / values[i] point into memory the batch owns; either
 * array is NULL when not asked for.  Release with rp_items_free().
 */
typedef struct rp_items {
    size_t n;         /**< number of entries */
    rp_key *keys;     /**< n keys, or NULL */
    rp_value *values; /**< n values, or NULL (bytes NUL-terminated, owned by the batch) */
    void *mem;        /**< private */
} rp_items;

/** Release a batch and zero it.  NULL-safe. */
void rp_items_free(rp_items *items);

/** Handle of a shared dict: a plain value, valid on every rank. */
typedef struct rp_dict {
    uint64_t id;
} rp_dict;
/** Handle of a shared list. */
typedef struct rp_list {
    uint64_t id;
} rp_list;
/** Handle of a shared namespace (named attributes; a dict underneath). */
typedef struct rp_ns {
    uint64_t id;
} rp_ns;

/** Flags of the open calls. */
enum {
    RP_CREATE = 1, /**< create the object if there is none of that name */
    RP_EXCL = 2    /**< with RP_CREATE: fail with RP_EEXIST if it exists */
};

/** Kinds of objects, as rp_obj_list reports them. */
typedef enum rp_kind {
    RP_KIND_DICT = 1,
    RP_KIND_LIST = 2,
    RP_KIND_NS = 3,
    RP_KIND_QUEUE = 4,
    RP_KIND_LOCK = 5,
    RP_KIND_SEM = 6,
    RP_KIND_EVENT = 7,
    RP_KIND_COND = 8,
    RP_KIND_BARRIER = 9,
    RP_KIND_PIPE = 10,
    RP_KIND_ARRAY = 11 /**< a Value or Array (see "Value and Array") */
} rp_kind;

/**
 * Open the dict called @p name (1..obj_key_max bytes), creating it if @p flags
 * has RP_CREATE.  A NULL name creates a new anonymous dict.
 * @return 0; RP_ENOENT (no such name and no RP_CREATE), RP_EEXIST (RP_EXCL and it
 *         exists), RP_ETYPE (the name holds another kind of object), or as above.
 */
int rp_dict_open(rp_runtime *rt, const char *name, int flags, rp_dict *d);

/** Destroy the dict and everything in it; other handles to it get RP_ENOENT. */
int rp_dict_destroy(rp_runtime *rt, rp_dict d);

/**
 * d[k]: the value into @p out (release with rp_value_free).
 * @return 0; RP_ENOKEY if the key is missing (out is then RP_T_NONE).
 */
int rp_dict_get(rp_runtime *rt, rp_dict d, rp_key k, rp_value *out);

/** d[k] as an integer.  RP_ENOKEY, RP_ETYPE if the value is not an integer. */
int rp_dict_get_int(rp_runtime *rt, rp_dict d, rp_key k, int64_t *out);

/** d[k] as a double (an integer value is converted).  RP_ENOKEY, RP_ETYPE if bytes. */
int rp_dict_get_double(rp_runtime *rt, rp_dict d, rp_key k, double *out);

/**
 * d[k] as a C string copied into @p buf of @p cap bytes (NUL-terminated).
 * RP_ENOKEY; RP_ETYPE if not bytes; RP_ETRUNC if it does not fit (buf then
 * holds the first cap-1 bytes).
 */
int rp_dict_get_str(rp_runtime *rt, rp_dict d, rp_key k, char *buf, size_t cap);

/** d[k] = v.  @p v must not be RP_T_NONE (RP_EINVAL). */
int rp_dict_set(rp_runtime *rt, rp_dict d, rp_key k, rp_value v);

/** del d[k].  RP_ENOKEY if missing. */
int rp_dict_del(rp_runtime *rt, rp_dict d, rp_key k);

/** k in d: 1 if present, 0 if not, or a negative code. */
int rp_dict_contains(rp_runtime *rt, rp_dict d, rp_key k);

/** len(d) into @p n. */
int rp_dict_len(rp_runtime *rt, rp_dict d, size_t *n);

/**
 * d.setdefault(k, v): if k is missing, set it to @p v.  The value now at k
 * goes to @p out (may be NULL; release with rp_value_free).
 */
int rp_dict_setdefault(rp_runtime *rt, rp_dict d, rp_key k, rp_value v, rp_value *out);

/** d.pop(k): remove k and return its value in @p out (may be NULL).  RP_ENOKEY. */
int rp_dict_pop(rp_runtime *rt, rp_dict d, rp_key k, rp_value *out);

/** d.clear(). */
int rp_dict_clear(rp_runtime *rt, rp_dict d);

/** What rp_dict_items returns. */
enum { RP_KEYS = 1, RP_VALUES = 2 };

/**
 * A consistent snapshot of the dict in insertion order: keys (RP_KEYS),
 * values (RP_VALUES) or both (RP_KEYS | RP_VALUES), as Python's keys(),
 * values() and items().  Release with rp_items_free.  RP_ETOOBIG if the
 * snapshot exceeds one message (2 GiB).
 */
int rp_dict_items(rp_runtime *rt, rp_dict d, int what, rp_items *out);

/** d.update(pairs): set @p n keys to their values in one atomic call. */
int rp_dict_update(rp_runtime *rt, rp_dict d, const rp_key *keys, const rp_value *values, size_t n);

/**
 * Get @p n keys in one call.  out->values[i] is RP_T_NONE for a missing key;
 * out->keys is NULL.  Release with rp_items_free.
 */
int rp_dict_get_many(rp_runtime *rt, rp_dict d, const rp_key *keys, size_t n, rp_items *out);

/**
 * Atomic d[k] += delta (RP_T_INT or RP_T_DOUBLE).  A missing key counts as 0;
 * int + double gives a double, as in Python.  The new value goes to @p out
 * (may be NULL).  RP_ETYPE if the value is bytes; RP_EOVERFLOW if an integer
 * sum overflows (nothing changes).
 */
int rp_dict_add(rp_runtime *rt, rp_dict d, rp_key k, rp_value delta, rp_value *out);

/**
 * rp_dict_add for integers: the new value to @p out (may be NULL; if the
 * stored value was a double, the sum is a double and @p out gets it
 * truncated).
 */
int rp_dict_add_int(rp_runtime *rt, rp_dict d, rp_key k, int64_t delta, int64_t *out);

/**
 * Atomic compare-and-swap: if d[k] equals @p expected (same type and value;
 * RP_T_NONE: k is absent), set it to @p desired.  Returns 1 if it swapped, 0
 * if not, or a negative code.  The value at k before the call goes to
 * @p current (may be NULL; RP_T_NONE if absent).
 */
int rp_dict_cas(rp_runtime *rt, rp_dict d, rp_key k, rp_value expected, rp_value desired,
                rp_value *current);

/**
 * Atomic get-and-set: d[k] = v, and the previous value to @p old (may be
 * NULL; RP_T_NONE if k was absent).
 */
int rp_dict_swap(rp_runtime *rt, rp_dict d, rp_key k, rp_value v, rp_value *old);

/** Open or create a list, as rp_dict_open. */
int rp_list_open(rp_runtime *rt, const char *name, int flags, rp_list *l);

/** Destroy the list. */
int rp_list_destroy(rp_runtime *rt, rp_list l);

/** l.append(v).  @p v must not be RP_T_NONE. */
int rp_list_append(rp_runtime *rt, rp_list l, rp_value v);

/** l.extend(values): append @p n values in one atomic call. */
int rp_list_extend(rp_runtime *rt, rp_list l, const rp_value *values, size_t n);

/** l[i] (negative i counts from the end) into @p out.  RP_ERANGE if out of range. */
int rp_list_get(rp_runtime *rt, rp_list l, int64_t i, rp_value *out);

/** l[i] = v.  RP_ERANGE if out of range. */
int rp_list_set(rp_runtime *rt, rp_list l, int64_t i, rp_value v);

/** l.pop(i) (i = -1: the last) into @p out (may be NULL).  RP_ERANGE if out of range or empty. */
int rp_list_pop(rp_runtime *rt, rp_list l, int64_t i, rp_value *out);

/** l.insert(i, v): before index i; as in Python an i past either end is clamped. */
int rp_list_insert(rp_runtime *rt, rp_list l, int64_t i, rp_value v);

/** len(l) into @p n. */
int rp_list_len(rp_runtime *rt, rp_list l, size_t *n);

/**
 * l[start:stop] as a batch of values (out->keys NULL), with Python's slice
 * rules: negative indexes count from the end, out-of-range ones are clamped.
 * RP_SLICE_END as @p stop means "to the end".  Release with rp_items_free.
 */
int rp_list_slice(rp_runtime *rt, rp_list l, int64_t start, int64_t stop, rp_items *out);

/** rp_list_slice's "to the end". */
#define RP_SLICE_END INT64_MAX

/** Open or create a namespace, as rp_dict_open. */
int rp_ns_open(rp_runtime *rt, const char *name, int flags, rp_ns *ns);

/** Destroy the namespace. */
int rp_ns_destroy(rp_runtime *rt, rp_ns ns);

/** ns.attr into @p out.  RP_ENOKEY if there is no such attribute. */
int rp_ns_get(rp_runtime *rt, rp_ns ns, const char *attr, rp_value *out);

/** ns.attr = v. */
int rp_ns_set(rp_runtime *rt, rp_ns ns, const char *attr, rp_value v);

/** del ns.attr.  RP_ENOKEY if there is no such attribute. */
int rp_ns_del(rp_runtime *rt, rp_ns ns, const char *attr);

/**
 * The namespace as a dict of attribute name -> value, for every other dict
 * call (atomic add, cas, items...).  Pure; never fails.
 */
rp_dict rp_ns_dict(rp_ns ns);

/** One object the manager holds, as rp_obj_list reports it. */
typedef struct rp_obj_info {
    const char *name; /**< its name, or "" for an anonymous object */
    rp_kind kind;
    size_t len;  /**< entries (dict, namespace) or elements (list) */
    size_t mem;  /**< bytes it counts against obj_mem_max */
    uint64_t id; /**< the id its handles hold */
} rp_obj_info;

/**
 * List every object the manager holds, in creation order: @p *out receives
 * @p *n entries in one allocation (names included) that the caller releases
 * with free().
 */
int rp_obj_list(rp_runtime *rt, rp_obj_info **out, size_t *n);

/**
 * Memory the manager's objects hold (what obj_mem_max limits) into @p used,
 * and the limit into @p limit; either may be NULL.
 */
int rp_obj_memory(rp_runtime *rt, size_t *used, size_t *limit);

/* ------------------------------------------------------------------------ */
/* Queues, locks, events, conditions, barriers and pipes                    */
/* ------------------------------------------------------------------------ */
/*
 * Python's multiprocessing / queue / threading primitives, held by the
 * manager like the dicts above and opened the same way (by name with
 * RP_CREATE / RP_EXCL, or anonymous with a NULL name; handles are plain
 * values to copy into task arguments).  Blocking calls take a timeout in
 * seconds: RP_FOREVER waits without a limit, 0 does not wait (Python's
 * block=False / *_nowait).  A blocked call costs no CPU on the manager and
 * only a sleeping poll on the caller; waiters are served in arrival order.
 * Calls that would wait are refused with RP_EDEADLK from a callback (the
 * manager thread) of a multi-rank job.  Lock ownership is per thread: a
 * lock is held by the thread (on its rank) that acquired it.  See
 * docs/sync.md.  Besides the codes listed, every call may return the common
 * codes of the shared objects (RP_EINVAL, RP_ENOENT, RP_ENOSPC, RP_EMPI...).
 */

/** Queue types: Python's Queue, LifoQueue, PriorityQueue, SimpleQueue, JoinableQueue. */
typedef enum rp_queue_type {
    RP_QUEUE_FIFO = 0,
    RP_QUEUE_LIFO = 1,
    RP_QUEUE_PRIORITY = 2, /**< lowest priority first; equal ones first in, first out */
    RP_QUEUE_SIMPLE = 3,   /**< unbounded, no task_done/join */
    RP_QUEUE_JOINABLE = 4  /**< FIFO with task_done/join (the others but SIMPLE have them too) */
} rp_queue_type;

/** Handle of a shared queue. */
typedef struct rp_queue {
    uint64_t id;
} rp_queue;

/**
 * Open or create a queue of @p type holding at most @p maxsize items (0:
 * unbounded; SIMPLE must be 0).  Opening an existing queue of another type
 * is RP_ETYPE; maxsize then is that of the existing queue.
 */
int rp_queue_open(rp_runtime *rt, const char *name, int flags, rp_queue_type type, size_t maxsize,
                  rp_queue *q);

/** Destroy the queue; callers blocked on it get RP_ENOENT. */
int rp_queue_destroy(rp_runtime *rt, rp_queue q);

/**
 * q.put(item, timeout): append @p item (any value but RP_T_NONE, at most
 * obj_value_max bytes).  Waits up to @p timeout for room.  Returns 0,
 * RP_EFULL (no room in time; with timeout 0: put_nowait), RP_ECLOSED.
 */
int rp_queue_put(rp_runtime *rt, rp_queue q, rp_value item, double timeout);

/** rp_queue_put with a priority for a PRIORITY queue (lower leaves first; others ignore it). */
int rp_queue_put_priority(rp_runtime *rt, rp_queue q, int64_t priority, rp_value item,
                          double timeout);

/**
 * q.get(timeout): the next item into @p item (release with rp_value_free);
 * its priority into @p priority (may be NULL).  Returns 0, RP_EEMPTY (none
 * in time; with timeout 0: get_nowait), RP_ECLOSED (closed and empty).
 */
int rp_queue_get(rp_runtime *rt, rp_queue q, double timeout, rp_value *item, int64_t *priority);

/** q.qsize() into @p n. */
int rp_queue_size(rp_runtime *rt, rp_queue q, size_t *n);

/** q.empty(): 1 if empty, 0 if not, or a negative code. */
int rp_queue_empty(rp_runtime *rt, rp_queue q);

/** q.full(): 1 if full (bounded queues only), 0 if not, or a negative code. */
int rp_queue_full(rp_runtime *rt, rp_queue q);

/**
 * Close the queue: puts fail with RP_ECLOSED; gets take what is left, then
 * fail with RP_ECLOSED, and callers blocked in get wake with it.
 */
int rp_queue_close(rp_runtime *rt, rp_queue q);

/**
 * JoinableQueue.task_done(): one item put earlier is processed.  RP_ERELEASE
 * if called more times than items were put; RP_ETYPE on a SIMPLE queue.
 */
int rp_queue_task_done(rp_runtime *rt, rp_queue q);

/** JoinableQueue.join(): wait until every item put has been task_done.  RP_ETIMEDOUT. */
int rp_queue_join(rp_runtime *rt, rp_queue q, double timeout);

/** Handle of a shared Lock or RLock. */
typedef struct rp_lock {
    uint64_t id;
} rp_lock;

/** Open or create a Lock, or with @p recursive an RLock (RP_ETYPE if the name is the other). */
int rp_lock_open(rp_runtime *rt, const char *name, int flags, int recursive, rp_lock *l);

/** Destroy the lock; callers blocked on it get RP_ENOENT. */
int rp_lock_destroy(rp_runtime *rt, rp_lock l);

/**
 * Acquire, waiting up to @p timeout.  An RLock's owner acquires again (its
 * count goes up).  Returns 0, RP_ETIMEDOUT, RP_EDEADLK (a Lock the caller
 * already holds, with a timeout other than 0).
 */
int rp_lock_acquire(rp_runtime *rt, rp_lock l, double timeout);

/** Release.  RP_EPERM if the calling thread does not hold it. */
int rp_lock_release(rp_runtime *rt, rp_lock l);

/** Handle of a shared Semaphore or BoundedSemaphore. */
typedef struct rp_sem {
    uint64_t id;
} rp_sem;

/** Open or create a semaphore with @p value (>= 0); @p bounded makes a BoundedSemaphore. */
int rp_sem_open(rp_runtime *rt, const char *name, int flags, int64_t value, int bounded, rp_sem *s);

/** Destroy the semaphore. */
int rp_sem_destroy(rp_runtime *rt, rp_sem s);

/** Take one unit, waiting up to @p timeout.  0 or RP_ETIMEDOUT. */
int rp_sem_acquire(rp_runtime *rt, rp_sem s, double timeout);

/** Give one unit back.  RP_ERELEASE past a bounded semaphore's initial value. */
int rp_sem_release(rp_runtime *rt, rp_sem s);

/** The current value into @p value. */
int rp_sem_value(rp_runtime *rt, rp_sem s, int64_t *value);

/** Handle of a shared Event. */
typedef struct rp_event {
    uint64_t id;
} rp_event;

/** Open or create an event (initially clear). */
int rp_event_open(rp_runtime *rt, const char *name, int flags, rp_event *e);
/** Destroy the event. */
int rp_event_destroy(rp_runtime *rt, rp_event e);
/** Set it: every waiter wakes. */
int rp_event_set(rp_runtime *rt, rp_event e);
/** Clear it. */
int rp_event_clear(rp_runtime *rt, rp_event e);
/** 1 if set, 0 if not, or a negative code. */
int rp_event_is_set(rp_runtime *rt, rp_event e);
/** Wait up to @p timeout for it to be set.  0 or RP_ETIMEDOUT. */
int rp_event_wait(rp_runtime *rt, rp_event e, double timeout);

/** Handle of a shared Condition (with its own RLock). */
typedef struct rp_cond {
    uint64_t id;
} rp_cond;

/** Open or create a condition. */
int rp_cond_open(rp_runtime *rt, const char *name, int flags, rp_cond *c);
/** Destroy the condition. */
int rp_cond_destroy(rp_runtime *rt, rp_cond c);
/** Acquire the condition's lock (recursive).  0 or RP_ETIMEDOUT. */
int rp_cond_acquire(rp_runtime *rt, rp_cond c, double timeout);
/** Release the condition's lock.  RP_EPERM if not held. */
int rp_cond_release(rp_runtime *rt, rp_cond c);

/**
 * wait(timeout): with the lock held, release it, wait for a notify, and take
 * the lock back (also after a timeout, as in Python).  Returns 0 (notified),
 * RP_ETIMEDOUT (lock held again), RP_EPERM (lock not held).
 */
int rp_cond_wait(rp_runtime *rt, rp_cond c, double timeout);

/** A predicate for rp_cond_wait_for: non-zero when the wait is over. */
typedef int (*rp_predicate)(void *arg);

/**
 * wait_for(predicate, timeout): with the lock held, wait until @p pred(arg)
 * is true, checking it after each notify.  Returns 0 (true), RP_ETIMEDOUT
 * (still false at the deadline; the lock is held either way), RP_EPERM.
 */
int rp_cond_wait_for(rp_runtime *rt, rp_cond c, rp_predicate pred, void *arg, double timeout);

/**
 * Wake up to @p n waiters (notify(n)); they take the lock once the caller
 * releases it.  Returns how many were woken (>= 0), or RP_EPERM.
 */
int rp_cond_notify(rp_runtime *rt, rp_cond c, int n);
/** Wake all waiters.  Returns how many were woken, or RP_EPERM. */
int rp_cond_notify_all(rp_runtime *rt, rp_cond c);

/** Handle of a shared Barrier. */
typedef struct rp_barrier {
    uint64_t id;
} rp_barrier;

/** Open or create a barrier for @p parties callers (>= 1). */
int rp_barrier_open(rp_runtime *rt, const char *name, int flags, int parties, rp_barrier *b);
/** Destroy the barrier. */
int rp_barrier_destroy(rp_runtime *rt, rp_barrier b);

/**
 * Wait until @p parties callers are waiting, then all go on.  Returns the
 * caller's arrival index (0 .. parties-1, each different), or RP_EBROKEN: the
 * barrier was aborted or reset, or a wait timed out (which breaks it for
 * everyone, as in Python).
 */
int rp_barrier_wait(rp_runtime *rt, rp_barrier b, double timeout);
/** Break the barrier: current and later waits fail with RP_EBROKEN until a reset. */
int rp_barrier_abort(rp_runtime *rt, rp_barrier b);
/** Back to empty and unbroken; callers waiting now get RP_EBROKEN. */
int rp_barrier_reset(rp_runtime *rt, rp_barrier b);

/**
 * Its state: parties, callers waiting now (n_waiting) and broken (0/1);
 * any pointer may be NULL.
 */
int rp_barrier_state(rp_runtime *rt, rp_barrier b, int *parties, int *waiting, int *broken);

/** One end of a shared pipe (a Connection). */
typedef struct rp_conn {
    uint64_t id;
    uint32_t end; /**< 0 or 1 */
    uint32_t pad;
} rp_conn;

/**
 * Pipe(duplex): two connected ends.  With @p duplex both ends send and
 * receive; without, @p a only receives and @p b only sends (as Python's
 * Pipe(False)).  The ends may be handed to tasks on any ranks.  Messages
 * arrive whole and in order.  A name makes the pipe reachable by
 * rp_pipe_open from elsewhere too.
 */
int rp_pipe_open(rp_runtime *rt, const char *name, int flags, int duplex, rp_conn *a, rp_conn *b);
/** Destroy the pipe (both ends). */
int rp_pipe_destroy(rp_runtime *rt, rp_conn c);

/**
 * Send one message (any value but RP_T_NONE).  RP_EEOF if the other end is
 * closed, RP_ECLOSED if this one is, RP_EPERM on the receive-only end.
 */
int rp_conn_send(rp_runtime *rt, rp_conn c, rp_value msg);

/**
 * Receive the next message into @p msg (release with rp_value_free),
 * waiting up to @p timeout.  Returns 0, RP_ETIMEDOUT, RP_EEOF (the other end
 * is closed and nothing is left: end of stream), RP_ECLOSED, RP_EPERM.
 */
int rp_conn_recv(rp_runtime *rt, rp_conn c, double timeout, rp_value *msg);

/** poll(timeout): 1 if a recv would not wait (a message, or end of stream), else 0. */
int rp_conn_poll(rp_runtime *rt, rp_conn c, double timeout);

/** Close this end: the other end's recv then reports RP_EEOF once empty. */
int rp_conn_close(rp_runtime *rt, rp_conn c);

/* ------------------------------------------------------------------------ */
/* Value and Array: shared typed memory                                      */
/* ------------------------------------------------------------------------ */
/*
 * Python's multiprocessing.Value('d', 0.0) and Array('i', 10): a typed
 * scalar or fixed-length array that every rank and task reads and writes.
 * The memory is one MPI-3 shared window made at init on rank 0's host
 * (rp_options.shm_arena_size, default 64 MiB); the manager hands out pieces
 * of it.  Rank 0 and the ranks on its host reach an array with plain loads,
 * stores and CPU atomics (no message, no MPI call); a rank on another host
 * goes through the manager, which applies the same CPU atomics to the same
 * memory, so atomics stay atomic across both kinds of rank.
 *
 * A Value is an Array of length 1 (rp_value_open).  Elements are zeroed at
 * creation.  An array lives until rp_array_destroy or the end of the
 * runtime; a handle (rp_array, a plain 32-byte value) may be copied into
 * task arguments and used on any rank.  Not collective.  Thread-safe.
 *
 * Memory model, in plain words:
 *  - an atomic operation (fetch-add, compare-and-swap, swap) is visible to
 *    every rank at once, and orders everything before it (sequentially
 *    consistent);
 *  - a plain rp_array_set / rp_array_write is visible to others after the
 *    writer's next lock/unlock or atomic operation on any array; single
 *    4- and 8-byte elements never tear;
 *  - a bulk read racing with writers may see some elements old, some new;
 *  - when in doubt, hold the array's lock (rp_array_lock, Python's
 *    get_lock()) around a compound update.  Every array is also usable
 *    without its lock (Python's RawValue/RawArray, lock=False).
 * See docs/arrays.md.
 *
 * Besides the codes listed, every call may return RP_EINVAL (NULL runtime
 * or pointer, a handle that was never valid), RP_ENOENT (the array was
 * destroyed: every access checks the generation its handle holds, also on
 * the direct path), RP_ENOMEM and RP_EMPI.  Element access from a rank on
 * rank 0's host is lock-free and makes no MPI call; an access racing with
 * rp_array_destroy of the same array is a use after free, as in C.
 */

/** Element types (Python's typecodes 'i', 'q', 'Q', 'f', 'd', and raw bytes). */
typedef enum rp_elem {
    RP_ELEM_INT32 = 1,  /**< int32_t ('i') */
    RP_ELEM_INT64 = 2,  /**< int64_t ('q') */
    RP_ELEM_UINT64 = 3, /**< uint64_t ('Q') */
    RP_ELEM_FLOAT = 4,  /**< float ('f') */
    RP_ELEM_DOUBLE = 5, /**< double ('d') */
    RP_ELEM_BYTES = 6   /**< elem_size raw bytes (a struct, a char[n]); no atomics */
} rp_elem;

/** Handle of a shared Value or Array: a plain value, valid on every rank. */
typedef struct rp_array {
    uint64_t id;        /**< object id, also the generation checked on every access */
    uint64_t offset;    /**< where it lies in the shared memory */
    uint64_t length;    /**< elements */
    uint32_t type;      /**< an rp_elem */
    uint32_t elem_size; /**< bytes per element */
} rp_array;

/**
 * Open the array called @p name (as rp_dict_open: RP_CREATE, RP_EXCL, NULL
 * for an anonymous one) of @p length elements of @p type.  @p elem_size is
 * the element's size for RP_ELEM_BYTES (1..2^20) and must be 0 or the
 * type's own size otherwise.  Opening an existing array: @p type and
 * @p elem_size must match (RP_ETYPE), @p length must match unless 0 (any
 * length; RP_EINVAL otherwise).  Creating with length 0 makes an empty array.
 * @return 0; RP_EINVAL (bad type, size), RP_ENOSPC (the shared memory is
 *         full, or obj_mem_max is reached: destroying arrays gives it back),
 *         RP_ESTATE (shm_arena_size was 0), RP_ENOENT, RP_EEXIST, RP_ETYPE
 *         (as rp_dict_open), RP_ETOOBIG (name).
 */
int rp_array_open(rp_runtime *rt, const char *name, int flags, rp_elem type, size_t elem_size,
                  size_t length, rp_array *a);

/** A Value: rp_array_open with length 1 of a numeric @p type (RP_EINVAL for RP_ELEM_BYTES). */
int rp_value_open(rp_runtime *rt, const char *name, int flags, rp_elem type, rp_array *a);

/**
 * Destroy the array: its memory goes back to the arena, later accesses
 * through any handle fail with RP_ENOENT, callers blocked on its lock get
 * RP_ENOENT.
 */
int rp_array_destroy(rp_runtime *rt, rp_array a);

/**
 * Copy element @p i (elem_size bytes) to @p out, or from @p in.  A 4- or
 * 8-byte element is read or written whole (a relaxed atomic load or store).
 * @return 0; RP_ERANGE (i >= length).
 */
int rp_array_get(rp_runtime *rt, rp_array a, size_t i, void *out);
/** See rp_array_get. */
int rp_array_set(rp_runtime *rt, rp_array a, size_t i, const void *in);

/**
 * Bulk get: copy elements [start, start + n) to @p out (n * elem_size
 * bytes), or bulk put from @p in.  Not atomic as a whole: take the lock to
 * read or write a consistent range.  A fence on each side orders the copy
 * with the caller's atomics.  @return 0; RP_ERANGE (past the end).
 */
int rp_array_read(rp_runtime *rt, rp_array a, size_t start, size_t n, void *out);
/** See rp_array_read. */
int rp_array_write(rp_runtime *rt, rp_array a, size_t start, size_t n, const void *in);

/**
 * Element @p i as an int64_t (an INT32 widened, a UINT64's bits as
 * int64_t), or set it.  @return 0; RP_ERANGE; RP_ETYPE (not an integer
 * type); RP_EOVERFLOW (set: the value does not fit an INT32; nothing changes).
 */
int rp_array_get_i64(rp_runtime *rt, rp_array a, size_t i, int64_t *out);
/** See rp_array_get_i64. */
int rp_array_set_i64(rp_runtime *rt, rp_array a, size_t i, int64_t v);

/** Element @p i of a FLOAT or DOUBLE array as a double, or set it.  RP_ERANGE, RP_ETYPE. */
int rp_array_get_f64(rp_runtime *rt, rp_array a, size_t i, double *out);
/** See rp_array_get_f64. */
int rp_array_set_f64(rp_runtime *rt, rp_array a, size_t i, double v);

/**
 * Atomic a[i] += delta on an integer element; the value before goes to
 * @p old (may be NULL).  Wraps around on overflow, as C's atomics do (an
 * INT32 element adds delta modulo 2^32).  @return 0; RP_ERANGE; RP_ETYPE.
 */
int rp_array_fetch_add_i64(rp_runtime *rt, rp_array a, size_t i, int64_t delta, int64_t *old);

/**
 * Atomic a[i] += delta on a FLOAT or DOUBLE element (a compare-and-swap
 * loop; for a FLOAT, delta is rounded to float first); the value before to
 * @p old (may be NULL).  @return 0; RP_ERANGE; RP_ETYPE.
 */
int rp_array_fetch_add_f64(rp_runtime *rt, rp_array a, size_t i, double delta, double *old);

/**
 * Atomic compare-and-swap on an integer element: if a[i] == @p expected,
 * set it to @p desired.  The value before goes to @p old (may be NULL).
 * @return 1 if it swapped, 0 if not; RP_ERANGE; RP_ETYPE; RP_EOVERFLOW
 *         (desired does not fit an INT32).
 */
int rp_array_cas_i64(rp_runtime *rt, rp_array a, size_t i, int64_t expected, int64_t desired,
                     int64_t *old);

/**
 * Compare-and-swap on a FLOAT or DOUBLE element, comparing bit patterns
 * (so a NaN matches itself and 0.0 does not match -0.0).  Returns as
 * rp_array_cas_i64.
 */
int rp_array_cas_f64(rp_runtime *rt, rp_array a, size_t i, double expected, double desired,
                     double *old);

/** Atomic get-and-set of an integer element: old value to @p old (may be NULL).  As set_i64. */
int rp_array_swap_i64(rp_runtime *rt, rp_array a, size_t i, int64_t v, int64_t *old);

/** Atomic get-and-set of a FLOAT or DOUBLE element.  RP_ERANGE, RP_ETYPE. */
int rp_array_swap_f64(rp_runtime *rt, rp_array a, size_t i, double v, double *old);

/**
 * Python's get_lock(): acquire the array's own recursive lock (an RLock
 * held by the manager, per thread), waiting up to @p timeout.  Acquiring
 * also fences, so the holder sees every store made before the last release.
 * @return 0; RP_ETIMEDOUT; RP_EDEADLK (from a callback of a multi-rank job).
 */
int rp_array_lock(rp_runtime *rt, rp_array a, double timeout);

/** Release the array's lock (fencing first).  RP_EPERM if the calling thread does not hold it. */
int rp_array_unlock(rp_runtime *rt, rp_array a);

/**
 * A direct pointer to element 0, for loads and stores of one's own (the
 * fastest access; the memory model above applies, use __atomic builtins or
 * the lock).  Valid until the array is destroyed.  Only on rank 0's host.
 * @return 0; RP_ESTATE (this rank has no mapping: another host, or
 *         RP_ARRAY_REMOTE=1); RP_ENOENT.
 */
int rp_array_ptr(rp_runtime *rt, rp_array a, void **p);

/** Size in bytes of an element of @p type (0 for RP_ELEM_BYTES and unknown types).  Pure. */
size_t rp_elem_size(rp_elem type);

/* ------------------------------------------------------------------------ */
/* Processes (multiprocessing.Process)                                      */
/* ------------------------------------------------------------------------ */

/**
 * A process: a registered task run once as an OS process of its own,
 * forked by a worker rank (by rank 0 itself in a one-rank job), which stays
 * its MPI endpoint and relays its shared-object calls, so a process uses
 * dicts, queues, locks, pipes and arrays as a task does.  Opaque; created,
 * started and joined on rank 0 by the main program.  See docs/process.md.
 */
typedef struct rp_process rp_process;

/** Process options.  Start from RP_PROCESS_OPTIONS_INIT. */
typedef struct rp_process_options {
    const char *name; /**< copied (at most 255 bytes); NULL: "Process-N" */
    int daemon;       /**< ended when the main program finishes; may not start children */
    int rank;         /**< worker rank to run on; -1: the one with fewest running processes */
} rp_process_options;

/** Default process options. */
#define RP_PROCESS_OPTIONS_INIT                                                                    \
    { NULL, 0, -1 }

/**
 * Make a process that will run task @p target with argument @p arg
 * (@p arg_size bytes, copied now) — Python's Process(target, args, name,
 * daemon).  The task's return value becomes the exit code: 0, the value
 * when it is within 1..255, else 1.  Nothing runs before rp_process_start.
 * Rank 0 only, not thread-safe per handle.
 * @return 0; RP_EINVAL (NULL, rank out of range, too long a name);
 *         RP_ENOTASK; RP_ENOMEM; RP_ETOOBIG (argument over the item limit);
 *         RP_ENOTMANAGER (not the main program of rank 0: a task on a worker,
 *         a process); RP_ESTATE (inside a daemon process or an isolated
 *         pool's executor: "daemonic processes are not allowed to have
 *         children").
 */
int rp_process_create(rp_runtime *rt, const char *target, const void *arg, size_t arg_size,
                      const rp_process_options *opts, rp_process **proc);

/**
 * The "subclass with run()" style: a process that runs @p run, a function
 * registered as a task, with the object @p self (@p self_size bytes, copied
 * now) as its argument; @p self may hold the function pointer and any state.
 * The function is found by its address on the calling rank and sent by its
 * index, so the process on another rank runs the same function.
 * @return as rp_process_create; RP_ENOTASK if @p run is not registered.
 */
int rp_process_create_fn(rp_runtime *rt, rp_task_fn run, const void *self, size_t self_size,
                         const rp_process_options *opts, rp_process **proc);

/** Set the daemon flag; before start only.  @return 0; RP_EINVAL; RP_ESTATE (started). */
int rp_process_set_daemon(rp_process *p, int daemon);

/**
 * Start the process and wait until it runs (its pid is known).  A process
 * starts once.  @return 0; RP_EINVAL; RP_ESTATE (started before, or the
 * runtime is gone); RP_ENOMEM (fork or socketpair failed on the host); RP_EMPI;
 * RP_EDEADLK (from a callback).
 */
int rp_process_start(rp_process *p);

/**
 * Wait up to @p timeout seconds (RP_FOREVER: no limit) for the process to
 * end.  @return 0 (it ended: rp_process_exitcode has its code);
 *         RP_ETIMEDOUT (still running); RP_ESTATE (never started);
 *         RP_EINVAL; RP_EDEADLK (from a callback).
 */
int rp_process_join(rp_process *p, double timeout);

/** 1 if started and not yet ended, else 0 (also for NULL). */
int rp_process_is_alive(rp_process *p);

/**
 * Send SIGTERM (Python's terminate()); its exit code becomes -15 unless it
 * handles the signal.  Nothing happens once it ended.  Does not wait.
 * @return 0; RP_EINVAL; RP_ESTATE (not started).
 */
int rp_process_terminate(rp_process *p);

/** Send SIGKILL (Python's kill()); as rp_process_terminate, exit code -9. */
int rp_process_kill(rp_process *p);

/** The OS pid on its host; 0 before start. */
long rp_process_pid(const rp_process *p);

/**
 * The exit code into *code: 0, the task's code, or minus the signal that
 * ended it.  @return 0; RP_ESTATE (not started or still running: Python's
 * None); RP_EINVAL.
 */
int rp_process_exitcode(const rp_process *p, int *code);

/** The process's name ("Process-N" by default); "" for NULL.  Valid while the handle lives. */
const char *rp_process_name(const rp_process *p);

/** Its host's name once started, else "".  Valid while the handle lives. */
const char *rp_process_host(const rp_process *p);

/** The rank that hosts it once started, else -1. */
int rp_process_rank(const rp_process *p);

/** The daemon flag (0 or 1). */
int rp_process_daemon(const rp_process *p);

/**
 * Free the handle.  A running process keeps running (as in Python, where
 * dropping the object does not stop it) and is still joined or ended by
 * rp_finalize.  NULL-safe; valid after rp_finalize.
 */
void rp_process_destroy(rp_process *p);

/** What current_process() gives. */
typedef struct rp_process_info {
    const char *name; /**< "MainProcess" on rank 0, "Worker-R" on worker rank R, a process's name */
    long pid;         /**< getpid() */
    int daemon;       /**< in a daemon process */
    int child;        /**< 1 inside a process or a pool's executor (a forked child) */
    int rank;         /**< the rank that runs or hosts the caller */
} rp_process_info;

/**
 * Python's current_process(): who the caller is.  The name stays valid in
 * the calling thread until its next call.  Any rank, any thread; @p rt may
 * be NULL (rank is then -1).  @return 0; RP_EINVAL (NULL @p out).
 */
int rp_current_process(const rp_runtime *rt, rp_process_info *out);

#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_H */
