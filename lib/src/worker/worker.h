/*
 * The worker layer: what runs tasks and hosts forked children.  executor.c
 * runs a chunk's items (on worker ranks, in forked executors, and on rank 0
 * of a one-rank job) and holds the task context API; service.c is a worker
 * rank's loop; host.c forks and relays the children of a rank; child.c is a
 * forked child's side.  Built on base, wire, node and net; knows nothing of
 * the manager or the caller's API.  Not installed.
 */
#ifndef RP_WORKER_H
#define RP_WORKER_H

#include "net/net.h"

#include <sys/types.h>

/* ---- executor.c: run a chunk of items ---------------------------------- */

typedef struct rp__tasks {
    const rp_task_def *defs;
    size_t n;
    rp_runtime *rt; /* the owner, handed to tasks (rp_task_runtime) */
} rp__tasks;

/** Index of the task named @p name, or -1. */
int rp__task_find(const rp__tasks *t, const char *name);

/** Polled between items: non-zero means skip the rest of the chunk. */
typedef int (*rp__cancel_fn)(void *arg);

/**
 * Run the items of TASK message @p h / @p body into the RESULT writer @p w.
 * Before each item @p canceled(@p cancel_arg) is asked (if not NULL); once it says
 * yes, the remaining items are answered canceled without running.  Returns 0,
 * or RP_EPROTO if the body or the task index is bad (nothing written then).
 */
int rp__exec_chunk(const rp__tasks *t, int rank, const rp__hdr *h, const void *body,
                   rp__cancel_fn canceled, void *cancel_arg, rp__rwriter *w);

/**
 * Run item @p index (its global index) of task @p task (a valid index) with
 * @p arg, as its try @p attempt (rp_task_attempt), and commit its outcome
 * to @p w: the result, or the failure.
 */
void rp__exec_item(const rp__tasks *t, int rank, int task, uint64_t index, unsigned attempt,
                   const void *arg, size_t len, rp__rwriter *w);

/** Commit a failure with message @p msg (cut to RP__MAX_ERRMSG) as the current item of @p w. */
void rp__commit_failure(rp__rwriter *w, int status, int32_t code, const char *msg);

/**
 * Run task @p idx once as an initializer with @p arg; on failure copy its
 * message into @p msg (size @p cap).  Returns the task's return code.
 */
int rp__exec_init(const rp__tasks *t, int rank, int idx, const void *arg, size_t len, char *msg,
                  size_t cap);

/* ---- service.c: a worker rank's loop ------------------------------------ */

/** What the worker layer knows of its runtime (filled by rp_init). */
typedef struct rp__wenv {
    MPI_Comm comm;
    int rank;
    const rp_options *opt;
    const rp__tasks *tasks;
    rp__lease *lease;
    rp__servers *servers; /* the server ranks, and which were lost */
    int feeder;           /* the rank that sends this worker its chunks and takes its answers */
    int peers_lost;       /* set from SHUTDOWN: some rank is gone */
} rp__wenv;

/** Worker service loop.  Returns 0 after SHUTDOWN, or RP_EMPI. */
int rp__worker_serve(rp__wenv *env);

/* ---- host.c: children forked by this rank (processes, executors) -------- */

typedef struct rp__host rp__host;

/** The children table of a worker rank (NULL if out of memory). */
rp__host *rp__host_new(const rp__wenv *env);

/** Kill what is left (SIGKILL; idle executors just leave), reap it, free.  NULL-safe. */
void rp__host_free(rp__host *h);

/** PROC_START: fork the process and answer PROC_STARTED.  Returns 0. */
int rp__host_start(rp__host *h, const rp__hdr *m, const void *body);

/** PROC_SIGNAL: signal the process, unless it was reaped already. */
void rp__host_signal(rp__host *h, const rp__hdr *m);

/**
 * Relay what the children sent, reap the ones that ended (PROC_EXIT), and
 * progress the host's sends.  @p h NULL: this process's host.  Returns how
 * much happened, or RP_EMPI.
 */
int rp__host_pump(rp__host *h);

/** Has it processes running (not counting executors)? */
int rp__host_busy(const rp__host *h);

/**
 * An OBJ_REP whose token names a child: hand it to that child (dropped if
 * it is gone) and return 1, taking @p msg; 0 if it is not a child's.
 */
int rp__host_route(void *msg, size_t len);

/** What this process's host does while one of its own object calls waits
 *  (rp__rpc's relay), or NULL if it hosts nothing. */
const rp__relay *rp__host_relay(void);

/** POOL_INIT (with RP__POOL_ISOLATE) or POOL_FREE: note or forget an isolated pool. */
void rp__host_pool(rp__host *h, const rp__hdr *m);

/** Do pool @p pool's tasks run in an executor? */
int rp__host_isolated(rp__host *h, uint32_t pool);

/**
 * Run TASK message @p msg (@p mlen bytes, header @p th, already checked) in
 * the pool's executor, writing each item's outcome into @p w: a crash or a
 * timeout fails the item it hit, and a fresh executor runs the rest.
 * @p poll_net(@p arg) is called while waiting: it serves the network and
 * says whether the pool was canceled.  Returns 0, RP_EPROTO, RP_EMPI.
 */
int rp__host_run_chunk(rp__host *h, const void *msg, size_t mlen, const rp__hdr *th,
                       rp__cancel_fn poll_net, void *arg, rp__rwriter *w);

/* ---- child.c: a forked child's side -------------------------------------- */

/** In a forked child? */
int rp__in_child(void);

/** In a forked child: its name and daemon flag; returns 1.  Elsewhere 0. */
int rp__child_info(const char **name, int *daemon);

/** In a forked child: its end of the socket to its rank (else -1). */
int rp__child_fd(void);

/** A child's object call over its socket: send @p req (taken), read the answer. */
int rp__child_rpc(void *req, size_t len, void **rep, size_t *rep_len);

/** A child's next call sequence number. */
uint64_t rp__child_seq(void);

/**
 * The calling thread's token (an object request's pool field): lock
 * ownership is per token.  In a forked child, under the child's base
 * (RP__TOK_CHILD ...), so it is an owner apart from its rank.
 */
uint32_t rp__caller_token(void);

/**
 * First steps of a forked child on socket @p fd to its rank (process
 * @p parent): die with the rank that forked it, default signal dispositions
 * (MPI installs handlers a crash must not go through), and object calls
 * over @p fd with tokens of its own.  @p proc: a Process (else an executor).
 */
void rp__child_enter(int fd, pid_t parent, int proc, int daemon, const char *name, size_t nlen);

/** A Process's body: run task @p task once with @p arg and end with its exit
 *  code.  Never returns; _exit, so nothing of MPI runs in the child. */
void rp__child_run(const rp__tasks *tasks, int rank, int task, const void *arg, size_t len)
    __attribute__((noreturn));

/** The exit code as Python gives it: the status, or minus the signal. */
int rp__exit_code(int status);

/** Frames on a child's socket: a u64 length in host order and that many
 *  bytes (@p pre, then @p msg).  0 or -1. */
int rp__frame_send(int fd, const void *pre, size_t plen, const void *msg, size_t len);

/** One frame into *msg (malloc'd).  0, 1 at end of stream, -1 on error. */
int rp__frame_recv(int fd, void **msg, size_t *len);

#endif /* RP_WORKER_H */
