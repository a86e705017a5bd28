/* Internal structures shared by the library's files.  Not installed. */
#ifndef RP_INTERNAL_H
#define RP_INTERNAL_H

#include "rankpool.h"
#include "wire/wire.h"

#include <pthread.h>
#include <time.h>
#include <stdint.h>

/* ---- errors.c ---------------------------------------------------------- */

/** Record a detailed message for rp_last_error() and return @p code. */
int rp__err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Clear the calling thread's last error message. */
void rp__err_clear(void);

/* ---- clock and idle backoff (transport.c) ------------------------------ */

/** Monotonic time in seconds. */
double rp__now(void);

/** A time of rp__now()'s clock as a timespec, for pthread_cond_timedwait on a
 *  CLOCK_MONOTONIC condition variable. */
struct timespec rp__abstime(double t);

/**
 * Make the calling thread's timed sleeps precise (a polling loop's short
 * sleeps are otherwise stretched by the kernel's default 50 us timer slack).
 * Returns the previous slack to restore with rp__timer_slack_restore.
 */
long rp__timer_slack_tight(void);
void rp__timer_slack_restore(long old);

/**
 * Idle backoff: poll freely for opt->idle_spin seconds after the last
 * activity, then sleep for growing periods up to opt->idle_sleep_max.
 */
typedef struct rp__backoff {
    double idle_since; /* 0 while active */
    unsigned spins;    /* polls since idle_since */
    int slept;         /* slept since the caller last looked (see rp__recv_any) */
    double sleep;      /* next sleep, seconds */
} rp__backoff;

void rp__backoff_reset(rp__backoff *b);

/**
 * Called when a loop iteration found nothing to do.  Sleeps per the policy,
 * never longer than @p cap seconds (0: no extra cap); with @p cv, waits on it
 * (mutex @p m held by the caller) so a signal wakes it at once.
 */
void rp__backoff_idle(rp__backoff *b, const rp_options *opt, double cap, pthread_mutex_t *m,
                      pthread_cond_t *cv);

/* ---- transport.c: the only MPI send/receive calls ----------------------- */

typedef struct rp__iov {
    const void *base;
    size_t len;
} rp__iov;

/** A send in flight and the memory it owns (freed when it completes). */
typedef struct rp__send {
    MPI_Request req;
    void *owned;
} rp__send;

/** Sends in flight, completed in any order. */
typedef struct rp__sendq {
    rp__send *v;
    size_t n, cap;
} rp__sendq;

/**
 * Start sending the concatenation of @p iov to @p dest with tag @p kind.
 * Small messages are gathered into @p *owned-like scratch; large ones are sent
 * in place through a derived datatype (no copy).  @p owned (may be NULL) is
 * freed when the send completes, or at once if it cannot start.  The send is recorded in @p req
 * (when not NULL, the caller completes it) or else queued on @p q.
 */
int rp__send_iov(MPI_Comm comm, int dest, int kind, const rp__iov *iov, int n, void *owned,
                 rp__send *req, rp__sendq *q);

/** Send a header-only or small control message (queued on @p q). */
int rp__send_ctrl(MPI_Comm comm, int dest, const rp__hdr *h, const void *body, size_t len,
                  rp__sendq *q);

/** Test the queued sends; free the finished ones.  Returns how many finished, or RP_EMPI. */
int rp__sendq_progress(rp__sendq *q);

/** Wait for one send to complete and release its memory. */
int rp__send_wait(rp__send *s);

/**
 * Wait for all queued sends (with backoff), at most @p limit seconds
 * (negative: no limit), then free the queue.  Returns 0, RP_EMPI, or
 * RP_ETIMEDOUT (the sends left are abandoned).
 */
int rp__sendq_drain(rp__sendq *q, const rp_options *opt, double limit);

/**
 * Receive one message if one is waiting: *msg (malloc'd, caller frees),
 * *len, *src and the MPI *tag (unchecked: the caller compares it with the
 * header).  @p woke: the caller just slept (then it probes twice, as a
 * message that came meanwhile can need a second progress call to show).
 * Returns 1 when a message was taken, with *msg NULL if there was no memory
 * for it; 0 if none was waiting; RP_EMPI.
 */
int rp__recv_any(MPI_Comm comm, int woke, void **msg, size_t *len, int *src, int *tag);

/**
 * A shared-object call from a worker rank: send request @p req (@p len bytes,
 * taken) to rank 0 and wait, with backoff, for the OBJ_REP carrying sequence
 * number @p seq; only that tag is received meanwhile.  *rep (malloc'd) /
 * *rep_len get the whole answer.  Returns 0, RP_ENOMEM or RP_EMPI.
 */
int rp__rpc(MPI_Comm comm, const rp_options *opt, void *req, size_t len, uint64_t seq, void **rep,
            size_t *rep_len);

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
 * @p arg and commit its outcome to @p w: the result, or the failure.
 */
void rp__exec_item(const rp__tasks *t, int rank, int task, uint64_t index, const void *arg,
                   size_t len, rp__rwriter *w);

/** Commit a failure with message @p msg (cut to RP__MAX_ERRMSG) as the current item of @p w. */
void rp__commit_failure(rp__rwriter *w, int status, int32_t code, const char *msg);

/**
 * Run task @p idx once as an initializer with @p arg; on failure copy its
 * message into @p msg (size @p cap).  Returns the task's return code.
 */
int rp__exec_init(const rp__tasks *t, int rank, int idx, const void *arg, size_t len, char *msg,
                  size_t cap);

/* ---- store.c: the manager's shared objects ------------------------------ */

typedef struct rp__store rp__store;

/** A new, empty store with the limits of @p opt.  NULL if out of memory. */
rp__store *rp__store_new(const rp_options *opt);

/** Free the store and every object in it.  NULL-safe. */
void rp__store_free(rp__store *s);

/* Who sent a request. */
typedef struct rp__caller {
    int rank;
    int local;   /* a thread of rank 0: it waits in rp__store_exec for a parked answer */
    int no_wait; /* may not be parked (the manager thread of a multi-rank job) */
} rp__caller;

/* An answer to a remote caller, for the manager thread to send. */
typedef struct rp__outmsg {
    struct rp__outmsg *next;
    int rank;
    void *msg;
    size_t len;
} rp__outmsg;

/* rp__store_exec: the request waits; its answer comes through the outbox. */
#define RP__PARKED 1

/**
 * Execute one object request (header @p h, body of h->body_len bytes, not
 * yet validated; h->pool is the calling thread's token) atomically and build
 * its OBJ_REP answer in *rep (malloc'd, *rep_len bytes).  Errors in the
 * request are answers, not return codes.  A request that must wait (a get
 * on an empty queue) is parked: a local caller waits inside this call; for
 * a remote one it returns RP__PARKED and the answer later appears in the
 * outbox.  Thread-safe.  Returns 0, RP__PARKED, or RP_ENOMEM.
 */
int rp__store_exec(rp__store *s, const rp__hdr *h, const void *body, const rp__caller *who,
                   void **rep, size_t *rep_len);

/**
 * Expire the remote waiters whose deadline has passed (their answers go to
 * the outbox).  Returns the next remote deadline, or -1 if none.
 */
double rp__store_tick(rp__store *s, double now);

/**
 * Callers that will not wait any more: answer every parked request of rank
 * @p rank (-1: any) whose token matches @p token under @p mask with @p code
 * and @p why, so that none takes an item or a lock meant for the living.
 * Used when a forked child ends (RP_ECANCELED), a rank is lost (RP_ELOST:
 * the answers go to the outbox, where the manager drops them), and a signal
 * stops the job (RP_EINTR: from then on requests that would wait get it at
 * once).
 */
void rp__store_drop(rp__store *s, int rank, uint32_t token, uint32_t mask, int code,
                    const char *why);

/** Take the answers waiting to be sent (a list the caller frees). */
rp__outmsg *rp__store_outbox(rp__store *s);

/**
 * Without the store's lock: has a remote waiter with a deadline been parked,
 * or an answer gone to the outbox, since the last call?  Clears the mark.
 * Lets the manager skip rp__store_tick and rp__store_outbox (two lock round
 * trips) on the many loop iterations where nothing is parked.
 */
int rp__store_changed(rp__store *s);

/** Have @p fn(@p arg) called (store lock held) whenever an answer enters the outbox. */
void rp__store_set_notify(rp__store *s, void (*fn)(void *), void *arg);

/* ---- objects.c: a shared-object call on the caller's side --------------- */

/* One call: the request being written, then the answer being read. */
typedef struct rp__call {
    rp__fwriter w;
    rp__hdr rh;    /* the answer's header */
    rp__freader r; /* its fields */
    void *rep;     /* the answer message */
} rp__call;

/** Begin a request for operation @p op on object @p id. */
void rp__call_begin(rp__call *c, int op, uint64_t id, int flags);
/** Append a value field. */
void rp__put_value(rp__call *c, const rp_value *v);
/** Is @p v malformed (unknown type, NULL bytes)? */
int rp__bad_value(const rp_value *v);
/** Abandon a request not yet sent; returns @p rc with @p why as the detail. */
int rp__call_drop(rp__call *c, int rc, const char *why);
/**
 * Execute the call (on rank 0 directly, elsewhere through the manager) and
 * read the answer's header.  Returns the answer's code (>= 0) with c->rep
 * kept for reading, or a negative code (nothing kept; rp_last_error has the
 * manager's message).
 */
int rp__call_run(rp_runtime *rt, rp__call *c);
/** rp__call_run for an answer that carries only its code (nothing kept). */
int rp__call_plain(rp_runtime *rt, rp__call *c);
/** The answer's next field as a value (bytes point into c->rep).  1, or 0 at the end. */
int rp__call_next(rp__call *c, rp_value *v);
/** Hand the answer's one value to @p out (or free it); returns @p rc. */
int rp__call_value(rp__call *c, rp_value *out, int rc);
/** Open or create an object of @p kind with parameters p1, p2. */
int rp__obj_open(rp_runtime *rt, const char *name, int flags, int kind, int64_t p1, int64_t p2,
                 uint64_t *id);
/** Destroy an object. */
int rp__obj_destroy(rp_runtime *rt, uint64_t id);

/* ---- host.c: children forked by this rank (processes, executors) -------- */

/* The token of an object call made in a forked child (header's pool field):
 * which child, and which of its threads (lock ownership is per token). */
#define RP__TOK_CHILD 0x80000000u  /* made in a forked child */
#define RP__TOK_PROC 0x40000000u   /* ... a Process (else a pool's executor) */
#define RP__TOK_THREAD 0x3fc00000u /* its thread, 8 bits */
#define RP__TOK_THREAD_SHIFT 22
#define RP__TOK_PID 0x003fffffu /* its pid (Linux pids fit 22 bits) */

typedef struct rp__host rp__host;

/** The children table of a worker rank (NULL if out of memory). */
rp__host *rp__host_new(rp_runtime *rt);

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

/**
 * One-rank jobs: start process @p id on rank 0 itself, through a relay
 * thread that forks it and serves its object calls on the store.  The
 * outcome comes through rp__process_started / rp__process_exited.
 */
int rp__host_local_start(rp_runtime *rt, uint64_t id, int task, int daemon, const char *name,
                         const void *arg, size_t len);

/** In a forked child? */
int rp__in_child(void);

/** A child's object call over its socket: send @p req (taken), read the answer. */
int rp__child_rpc(void *req, size_t len, void **rep, size_t *rep_len);

/** A child's next call sequence number. */
uint64_t rp__child_seq(void);

/** In a new child: object calls use tokens under @p base (objects.c). */
void rp__objects_forked(uint32_t base);

/* ---- process.c: the process table on rank 0 ----------------------------- */

/** Process @p id runs with OS pid @p code (> 0), or did not start (code < 0).
 *  @p lock: take rt->lock (else the caller holds it). */
void rp__process_started(rp_runtime *rt, uint64_t id, int code, int lock);

/** Process @p id ended with exit code @p code.  @p pid > 0: a one-rank job's
 *  child to reap now, after the table says it ended.  @p lock as above. */
void rp__process_exited(rp_runtime *rt, uint64_t id, int code, int pid, int lock);

/** A PROC_EXIT from worker rank @p src, before rp__process_msg and without
 *  the lock (the store's lock comes first): the child's waiting calls end. */
void rp__process_gone(rp_runtime *rt, const void *msg, size_t len, int src);

/** A PROC_STARTED or PROC_EXIT from worker rank @p src (lock held). */
void rp__process_msg(rp_runtime *rt, int src, const rp__hdr *h);

/** Worker rank @p rank was lost (lock held): its processes died with it
 *  (their parent-death signal, SIGKILL); one still starting fails with RP_ELOST. */
void rp__processes_lost(rp_runtime *rt, int rank);

/** rp_finalize on rank 0: end the daemon processes, join the others, detach the handles. */
void rp__processes_fini(rp_runtime *rt);

/* ---- manager side (rank 0) --------------------------------------------- */

/** One item's outcome. */
typedef struct rp__item {
    const void *data; /* result bytes (into a kept buffer or the out array) */
    size_t len;
    int status; /* 0 pending, else 1 + RP__ST_* */
    int code;   /* task code for failures */
    char *msg;  /* failure message (malloc'd) */
} rp__item;

/** Items to send again (their worker was lost). */
typedef struct rp__redo {
    size_t start;
    uint32_t count;
    int tries;
} rp__redo;

/* A call = a job.  The user's rp_result handle is the job itself. */
struct rp_result {
    rp_runtime *rt;           /* NULL once detached by rp_finalize (complete, user-held) */
    rp_result *lprev, *lnext; /* rt->live */
    rp_pool *pool;            /* cleared when the pool is destroyed */
    uint64_t id;
    int task;
    /* input: fixed records, variable buffers, or an owned copy (apply) */
    const uint8_t *in;
    size_t in_size;
    const void *const *args;
    const size_t *sizes;
    void *own_arg; /* apply: a copy of the argument */
    size_t own_size;
    size_t n;
    size_t chunksize;
    size_t next;    /* next item to dispatch */
    rp__redo *redo; /* ranges to dispatch again first (a worker was lost) */
    size_t nredo, capredo;
    double item_ns; /* running mean of execution time per item (0: not known yet) */
    /* output */
    uint8_t *out;
    size_t out_size;
    rp__item *items;
    void **bufs; /* received messages that items point into */
    size_t nbufs, capbufs;
    /* progress */
    size_t ndone;
    size_t nfailed;
    int complete;  /* all items done and callbacks run */
    int unordered; /* imap_unordered: next() in completion order */
    size_t *order; /* completion order (unordered) */
    size_t norder;
    size_t nread;    /* items handed out by next() */
    int nextwaiters; /* threads blocked in rp_result_next on this call */
    rp_call_options call;
    int refs;         /* user handle + manager while incomplete */
    rp_result *qnext; /* pool's dispatch queue */
    rp_result *cnext; /* manager's completed list */
};

/** A chunk in flight to a worker. */
typedef struct rp__chunk {
    rp_result *job;
    size_t start;
    uint32_t count;
    rp__send send; /* the TASK send; completed when the result is in */
    size_t len;    /* single-rank mode: length of the message kept in send.owned */
    double est_ns; /* expected execution time, counted in the worker's queue */
    int tries;     /* times it was in flight on a worker that was lost */
} rp__chunk;

/** The manager's view of one worker (rank > 0, or rank 0 itself in single-rank mode). */
typedef struct rp__worker {
    int rank;
    int npools;
    double queued_ns; /* expected work of the chunks in flight */
    uint64_t seq;     /* when it last answered (rt->results): warm workers first */
    int parked;       /* its object requests the manager holds (its task waits) */
    int pid;          /* its process id, from its lease (0: no lease) */
    int lost;         /* 1: gone, its work not yet re-sent; 2: gone and handled */
    int stuck;        /* still running a task at shutdown: given up on */
    int bye;          /* it answered SHUTDOWN */
    double lost_at;   /* when the lease closed (rp__now) */
    rp__chunk *fifo;  /* in flight, in send order (workers answer in order) */
    int head, len, cap;
} rp__worker;

/** Is worker @p w out of the job (lost, or given up on at shutdown)?  Lock held. */
static inline int rp__worker_gone(const rp__worker *w) {
    return w->lost || w->stuck;
}

enum { RP__POOL_OPEN, RP__POOL_CLOSED, RP__POOL_TERMINATED };

struct rp_pool {
    rp_runtime *rt;
    uint32_t id;
    int state;
    int nworkers;
    int *widx;                /* indices into rt->workers */
    rp_result *qhead, *qtail; /* calls with items still to dispatch */
    size_t active;            /* calls not yet complete */
    int init_pending;         /* initializer acks still expected */
    unsigned char *acked;     /* per worker of the pool: its ack came */
    int init_rc;
    char init_msg[RP__MAX_ERRMSG + 1];
    rp_pool *next;
};

/* ---- placement.c ------------------------------------------------------- */

typedef struct rp__topo rp__topo;

/** A runtime's placement: what init did, to report and to undo at finalize. */
typedef struct rp__placement {
    rp__topo *topo;
    char *given;   /* the binding found at init, restored by rp__placement_fini */
    int rebound;   /* this runtime changed the binding */
    int omp_hint;  /* OMP_NUM_THREADS to set after the agreement, 0 for none */
    char omp[16];  /* the OMP_NUM_THREADS value this runtime set, or "" */
    char *warning; /* printed once the agreement succeeded, or NULL */
    int n;         /* records in info: one per rank on rank 0, else 1 (its own) */
    rp_placement_info *info;
    uint8_t *records; /* what info's strings point into */
} rp__placement;

/**
 * Init, collective over rt->comm: resolve the policy, find the ranks that
 * share this host and cpuset, plan, bind, and gather every rank's record to
 * rank 0.  Every rank calls it, with @p ok 0 after a local error (it then
 * only takes part in the collective calls).  Returns this rank's error.
 */
int rp__placement_init(rp_runtime *rt, int ok);

/** After the agreement: print the warnings and set the OMP_NUM_THREADS hint. */
void rp__placement_start(rp_runtime *rt);

/** Restore the binding and OMP_NUM_THREADS, free everything.  Idempotent. */
void rp__placement_fini(rp_runtime *rt);

/* ---- shm.c: the shared window of Value and Array ----------------------- */

/*
 * First-fit allocator over the arena (rank 0's store uses it under its
 * lock): free ranges sorted by offset, merged with their neighbours.
 */
typedef struct rp__range {
    size_t off, len;
} rp__range;

typedef struct rp__arena {
    uint8_t *base;
    size_t size;
    rp__range *free;
    size_t nfree, cap;
    size_t nalloc; /* live allocations: room for nalloc + 1 free ranges is kept */
    size_t used;   /* bytes allocated */
} rp__arena;

/** An arena over @p size bytes at @p base, all free.  0 or RP_ENOMEM. */
int rp__arena_init(rp__arena *a, void *base, size_t size);
/** Free the allocator's own memory (not the arena's). */
void rp__arena_fini(rp__arena *a);
/** First fit of @p len bytes (a multiple of 64) into *off.  0, RP_ENOSPC or RP_ENOMEM. */
int rp__arena_alloc(rp__arena *a, size_t len, size_t *off);
/** Give back a range; never fails. */
void rp__arena_free(rp__arena *a, size_t off, size_t len);

/** A runtime's view of the window. */
typedef struct rp__shm {
    MPI_Win win;
    MPI_Comm node; /* rank 0's host: the window's communicator */
    int joined;    /* this rank is in the window */
    uint8_t *base; /* the arena, mapped; NULL if none here */
    size_t size;
    int direct; /* access with loads and stores (else through the manager) */
} rp__shm;

/**
 * Init, collective over rt->comm: the ranks of rank 0's host make the
 * window (rank 0 gives the whole arena) and map it; others only take part
 * in the split.  Every rank calls it, with @p ok 0 after a local error.
 * Reads RP_ARRAY_REMOTE.  Returns this rank's error.
 */
int rp__shm_init(rp_runtime *rt, int ok);

/** Free the window (collective over the ranks of rank 0's host).  Idempotent. */
int rp__shm_fini(rp_runtime *rt);

/** Hand the arena to rank 0's store (after rp__shm_init).  0 or RP_ENOMEM. */
int rp__store_set_arena(rp__store *s, void *base, size_t size);

/* Read-modify-write operations on one element (A_RMW's flags). */
enum { RP__RMW_FAA = 1, RP__RMW_FADD = 2, RP__RMW_CAS = 3, RP__RMW_SWAP = 4, RP__RMW_COUNT };

/* The header in front of each array's elements in the arena (32 bytes). */
typedef struct rp__ahdr {
    uint64_t gen; /* the object id while it lives, 0 once destroyed */
    uint64_t length;
    uint32_t type;
    uint32_t elem_size;
    uint64_t spare;
} rp__ahdr;

/** Can @p op apply to elements of @p type?  0 or RP_ETYPE. */
int rp__rmw_check(int type, int op);

/**
 * Apply @p op to the element at @p p of @p type with operands @p x, @p y
 * (bit patterns in the element's width: an INT32 or FLOAT in the low 32
 * bits), sequentially consistent; the element's bits before go to *old.
 * Returns 1 if a CAS swapped, else 0.
 */
int rp__rmw(void *p, int type, int op, uint64_t x, uint64_t y, uint64_t *old);

/** Copy one element in or out: whole (a relaxed atomic) for 4 and 8 bytes. */
void rp__elem_load(const void *p, size_t size, void *out);
void rp__elem_store(void *p, size_t size, const void *in);

/* ---- lease.c: noticing lost workers ------------------------------------ */

/** A runtime's worker leases (docs/recovery.md). */
typedef struct rp__lease {
    int fd; /* worker: its connection to rank 0, or -1 */
    /* rank 0 */
    int listen_fd;
    int *fds; /* per rank: its connection, or -1 */
    uint64_t cookie;
    int wake[2]; /* wakes the watch thread */
    int stop;
    int started;
    pthread_t thread;
} rp__lease;

/**
 * Init, collective over rt->comm (every rank calls it, @p ok 0 after a local
 * error): rank 0 listens and broadcasts where; workers connect.  A lease
 * that cannot be made is a warning, not an error.  Returns RP_EMPI or 0.
 */
int rp__lease_init(rp_runtime *rt, int ok);
/** Once init succeeded: rank 0 starts watching the connections, a worker
 *  its own (it ends itself if rank 0 dies or gives up on it). */
int rp__lease_start(rp_runtime *rt);
/** A worker leaving in order: tell rank 0 and close. */
void rp__lease_bye(rp_runtime *rt);
/** In a child forked by this rank: close the lease's descriptors, so that
 *  the connection ends with the rank that holds it. */
void rp__lease_child(rp_runtime *rt);
/** Stop watching, close everything (rank 0: telling each worker 'goodbye',
 *  or to end at once if it was given up on).  Idempotent. */
void rp__lease_fini(rp_runtime *rt);

/** Was the job started with mpirun --enable-recovery (it survives a lost rank)? */
int rp__recovery_enabled(void);

/** The watch thread: rank @p rank (process @p pid) holds a lease. */
void rp__worker_leased(rp_runtime *rt, int rank, int pid);
/** The watch thread: rank @p rank is gone (@p why); the manager re-sends its work. */
void rp__worker_lost(rp_runtime *rt, int rank, const char *why);

/* ---- signals.c ---------------------------------------------------------- */

/** Install the SIGINT/SIGTERM handlers (rt->opt.handle_signals). */
void rp__signals_install(rp_runtime *rt);
/** Restore the handlers found at install. */
void rp__signals_restore(rp_runtime *rt);
/** The first SIGINT/SIGTERM this process got since install, or 0. */
int rp__signal_pending(void);

/** A control message waiting for the manager thread to send it. */
typedef struct rp__ctrl {
    rp__hdr h;
    int dest; /* worker index */
    void *body;
    size_t len;
    struct rp__ctrl *next;
} rp__ctrl;

struct rp_runtime {
    MPI_Comm comm;
    int rank, size;
    int own_mpi;
    int served;
    rp_options opt;
    rp__tasks tasks;
    /* manager side (rank 0) */
    pthread_t mgr;
    int mgr_started;
    pthread_mutex_t lock; /* everything below */
    pthread_cond_t wake;  /* manager: work arrived */
    pthread_cond_t done;  /* waiters: some call progressed */
    int stop;
    int fatal;           /* the communicator failed (set_fatal): all work was failed */
    int shutdown_failed; /* SHUTDOWN may not have reached every worker */
    rp__worker *workers;
    int nworkers;
    rp_pool *pools;
    uint32_t next_pool;
    uint64_t next_job;
    uint64_t results; /* RESULT messages handled, for rp__worker.seq */
    double *task_ns;  /* per task: running mean of time per item, seeds new calls */
    rp__ctrl *ctrl_head, *ctrl_tail;
    rp_result *completed; /* callbacks to run */
    rp_result *live;      /* every call not yet freed */
    rp__sendq sendq;
    rp__store *store; /* shared objects (rank 0; the manager thread serves them) */
    /* object calls from a worker rank: one at a time, matched by sequence */
    pthread_mutex_t client_lock;
    uint64_t client_seq;
    int obj_pending;     /* answers wait in the store's outbox (lock held) */
    double obj_deadline; /* the next deadline of a remote waiter, or -1 */
    rp__placement place;
    rp__shm shm;
    rp__lease lease;
    int lost_pending;     /* a worker was lost: the manager re-sends its work (lock held) */
    int nlost;            /* workers lost or given up on so far */
    int peers_lost;       /* some rank is gone: finalize without collective calls */
    int interrupted;      /* the signal that stopped the pools, or 0 */
    int exit_status;      /* rp_main's status, for an MPI_Abort that ends the job */
    double stop_deadline; /* rp_finalize: when to stop waiting for the workers (-1: never) */
    /* processes (process.c; rank 0, under lock) */
    struct rp_process *procs; /* every handle not yet freed, and orphans still running */
    uint64_t next_proc;
};

/** Manager thread body (manager.c). */
void *rp__manager_main(void *arg);

/** The store's notify hook: wakes the manager thread to send ready answers. */
void rp__objects_ready(void *arg);

/** Worker service loop (worker.c).  Returns 0 after SHUTDOWN, or RP_EMPI. */
int rp__worker_serve(rp_runtime *rt);

/** True if the calling thread is the manager thread. */
int rp__on_manager(const rp_runtime *rt);

/** Queue a control message for worker index @p w (lock held).  Takes @p body. */
int rp__ctrl_push(rp_runtime *rt, int w, const rp__hdr *h, void *body, size_t len);

/** Absolute deadline for a timeout in seconds (negative: none, returned as -1). */
double rp__deadline(double timeout);

/**
 * One wait on rt->done (lock held) until woken or @p deadline (rp__deadline).
 * Callers loop until their condition holds.  Returns 0 (woken: check again),
 * RP_ETIMEDOUT, RP_EDEADLK (on the manager thread), or rt->fatal.
 */
int rp__wait_step(rp_runtime *rt, double deadline);

/**
 * Fail every undispatched item of @p job with @p status / @p code and message
 * @p why (lock held); hands the call to its callbacks if that finished it.
 */
void rp__job_fail_rest(rp_runtime *rt, rp_result *job, int status, int code, const char *why);

/** Drop one reference to @p job (lock held, if attached); frees it at zero. */
void rp__job_unref(rp_result *job);

/**
 * Destroy every pool left (rp_finalize on rank 0): terminate them all, wait
 * until @p deadline (rp__deadline) for the tasks still running, then give
 * up on the workers that run them (rp__abandon_busy).
 */
void rp__pools_destroy_all(rp_runtime *rt, double deadline);

/**
 * Give up on every worker that still holds work (lock held): its chunks fail
 * with RP_ETIMEDOUT, it gets nothing more, and rp_finalize ends the job, as
 * it cannot stop in order.
 */
void rp__abandon_busy(rp_runtime *rt);

/**
 * Terminate @p pool (lock held): its queued items fail as canceled with
 * @p code and @p why, its workers skip what they hold for it.  0 or RP_ENOMEM.
 */
int rp__pool_stop(rp_pool *pool, int code, const char *why);

/** Items of @p job not on any worker now: not yet sent, or to send again. */
size_t rp__job_undispatched(const rp_result *job);

#endif /* RP_INTERNAL_H */
