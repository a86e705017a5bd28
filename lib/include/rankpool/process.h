/*
 * rankpool/process.h: Process objects (multiprocessing.Process).
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_PROCESS_H
#define RANKPOOL_PROCESS_H

#include "rankpool/task.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

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

/** Process options.  Start from RP_PROCESS_OPTIONS_INIT and set fields by name. */
typedef struct rp_process_options {
    size_t size;      /**< sizeof(rp_process_options); set by RP_PROCESS_OPTIONS_INIT */
    const char *name; /**< copied (at most 255 bytes); NULL: "Process-N" */
    int daemon;       /**< ended when the main program finishes; may not start children */
    int rank;         /**< worker rank to run on; -1: the one with fewest running processes */
} rp_process_options;

/** Default process options. */
#define RP_PROCESS_OPTIONS_INIT                                                                    \
    { sizeof(rp_process_options), NULL, 0, -1 }

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

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_PROCESS_H */
