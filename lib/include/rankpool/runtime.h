/*
 * rankpool/runtime.h: options, init, serve, finalize, and queries of a runtime.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_RUNTIME_H
#define RANKPOOL_RUNTIME_H

#include "rankpool/task.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/* ------------------------------------------------------------------------ */
/* Runtime                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * Runtime options.  Start from RP_OPTIONS_INIT and set fields by name; fields
 * may be added later (at the end; see "ABI" in rankpool/common.h).  The
 * fields a user tunes per run can also be set in the environment, as
 * RP_<NAME> (RP_PREFETCH=4; the table is in docs/config.md): a value the
 * program sets wins over the environment, which wins over the default.
 */
typedef struct rp_options {
    /** sizeof(rp_options) in the program's header; set by RP_OPTIONS_INIT. */
    size_t size;
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
     *  to stop before it ends the job (default 10; RP_FOREVER: no limit; see
     *  RP_FOREVER for the timeout rule). */
    double shutdown_timeout;
    /** Install SIGINT and SIGTERM handlers on every rank (default 1; see
     *  "Signals" below).  0 leaves the program's own handling alone. */
    int handle_signals;
    /** The process's log level from rp_init on (rankpool/log.h): an rp_log_level;
     *  default RP_LOG_DEFAULT, which leaves it as RP_LOG_LEVEL or rp_log_set_level
     *  made it. */
    int log_level;
    /** Ranks 1..servers serve the shared objects instead of rank 0 (0..255;
     *  default 0: rank 0 serves them all, as in a small job).  Each named
     *  object lives on the server its name hashes to; Value and Array stay on
     *  rank 0.  Those ranks run no tasks: rp_worker_count counts the others.
     *  A job keeps at least one worker: with fewer ranks the value is
     *  lowered.  Every rank must give the same value.  See docs/scale.md. */
    int servers;
    /** With servers: 1 (default) also sends each worker's chunks through a
     *  server, each server relaying those of its share of the workers, so
     *  that rank 0 sends and receives one message per server and pass; 0
     *  sends them from rank 0 to the workers directly, the servers then
     *  hold the objects only (a task then costs one hop less; see
     *  docs/scale.md for when each pays).  The same on every rank. */
    int server_tasks;
} rp_options;

/** Default options. */
#define RP_OPTIONS_INIT                                                                            \
    {                                                                                              \
        sizeof(rp_options), NULL, 0, 2, 200e-6, 1e-3, 5e-3, (size_t)1 << 16, (size_t)1 << 26,      \
            (size_t)1 << 30, 0, 0, (size_t)1 << 26, 2, 10.0, 1, 0, 0, 1                            \
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
 * @return 0; RP_EINVAL (bad option or task table, options not from
 *         RP_OPTIONS_INIT (their size), or a bad RP_<NAME> value in the
 *         environment (rankpool/config.h); every rank gets it), RP_EMISMATCH (ranks disagree on the
 * task table; every rank gets it), RP_ETHREAD, RP_EMPI, RP_ENOMEM, RP_EPROTO (an unreadable
 * placement record), RP_ESTATE (MPI already finalized, or for rp_init_comm not running).
 */
int rp_init(rp_runtime **rt, int *argc, char ***argv, const rp_options *opts);

/**
 * Create a runtime over @p comm in a program that already runs MPI.
 * Collective over comm.  rankpool works on its own duplicate of comm with
 * MPI_ERRORS_RETURN and never touches MPI_COMM_WORLD; rank 0 of comm is the
 * manager.  With more than one rank, MPI must provide MPI_THREAD_SERIALIZED
 * or better (MPI_THREAD_MULTIPLE if rank 0's own code calls MPI while the
 * runtime is up, which includes creating a second runtime while the first
 * is up); otherwise RP_ETHREAD.  Returns as rp_init(), and RP_EINVAL for
 * MPI_COMM_NULL or an intercommunicator, checked before any MPI call that
 * would see it (every rank must pass the same communicator).
 */
int rp_init_comm(rp_runtime **rt, MPI_Comm comm, const rp_options *opts);

/**
 * Worker ranks: serve tasks until the manager calls rp_finalize(), then return 0.
 * Server ranks (opt.servers) serve their shared objects until then instead.
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

/** Number of workers a pool can use: size-1 less the server ranks, or 1 in
 *  single-rank mode (rank 0 runs tasks). */
int rp_worker_count(const rp_runtime *rt);

/** Number of server ranks (ranks 1..n serve the shared objects; see
 *  rp_options.servers and docs/scale.md): 0 when rank 0 serves them all,
 *  and for a NULL runtime. */
int rp_server_count(const rp_runtime *rt);

/*
 * Lost workers (docs/recovery.md).  Every worker holds a TCP connection to
 * rank 0 (its lease), opened by rp_init; rank 0 sees it close when the worker
 * process ends, however it ends (kill -9 included), and TCP keepalive finds a
 * host that vanished (within some 11 s).  The chunks the lost worker held go
 * back to the front of their call's queue and run on the other workers of
 * the pool, in a forked executor (the poison-task rule: a task that
 * crashed its worker and crashes again there costs no second worker; it
 * fails alone with RP_ELOST, "item 5 killed its worker with SIGSEGV"),
 * each item at most opt.lost_retries more times (then it fails with
 * RP_ELOST); the lost rank gets nothing more, its parked object
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

/** Workers lost so far (or given up on at shutdown); rank 0 only, else 0.
 *  A lost server rank is not counted here: its objects' calls fail with
 *  RP_ELOST naming it (docs/scale.md). */
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

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_RUNTIME_H */
