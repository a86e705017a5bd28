/*
 * The manager layer: rank 0's engine and everything it owns.  The runtime
 * object itself (struct rp_runtime: every rank has one; the manager's part
 * is used on rank 0 only), the calls and pools it dispatches (jobs.c,
 * dispatch.c), its thread (loop.c), the object store (store.c and the files
 * of manager/store.h), the process table (proctab.c) and, in a one-rank
 * job, the relay that hosts processes on rank 0 (relay.c).  Built on base,
 * wire, node, net and worker; what the caller's side may use of it is here.
 * Not installed.
 */
#ifndef RP_MANAGER_H
#define RP_MANAGER_H

#include "node/node.h"
#include "worker/worker.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- store.c: the manager's shared objects ------------------------------ */

typedef struct rp__store rp__store;

/** A new, empty store with the limits of @p opt, on rank @p home (rank 0
 *  or a server rank: its handles name it).  NULL if out of memory. */
rp__store *rp__store_new(const rp_options *opt, int home);

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
 * A received OBJ_REQ message @p msg (@p len bytes; NULL: it could not be
 * stored) from rank @p src, executed as rp__store_exec does for a remote
 * caller; its decoded header goes to *h (zeroed if it did not decode).  One
 * that cannot be read is still answered, with sequence number 0, which the
 * caller takes as the answer to its one call outstanding.  The flag
 * RP__REQ_NOWAIT makes a request that would wait fail at once.
 */
int rp__store_serve(rp__store *s, const void *msg, size_t len, int src, rp__hdr *h, void **rep,
                    size_t *rep_len);

/** A PROC_EXIT message from rank @p src: the ended child's parked calls
 *  are answered canceled.  Other messages are ignored. */
void rp__store_drop_child(rp__store *s, const void *msg, size_t len, int src);

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

/** Hand the arena to rank 0's store (after rp__shm_init).  0 or RP_ENOMEM. */
int rp__store_set_arena(rp__store *s, void *base, size_t size);

/* ---- calls, chunks, workers and pools ----------------------------------- */

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

/** A received RESULTS message: the calls whose results point into it share
 *  it, and the last one to go frees it. */
typedef struct rp__shared {
    int refs; /* atomic */
    void *msg;
} rp__shared;

/** Take a reference to @p sh. */
static inline void rp__shared_ref(rp__shared *sh) {
    __atomic_add_fetch(&sh->refs, 1, __ATOMIC_RELAXED);
}

/** Drop a reference to @p sh (NULL-safe); frees it at the last. */
static inline void rp__shared_unref(rp__shared *sh) {
    if (sh != NULL && __atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(sh->msg);
        free(sh);
    }
}

/** A message a call keeps because its items point into it: owned (@p sh
 *  NULL), or a reference to a shared one. */
typedef struct rp__kept {
    void *msg;
    rp__shared *sh;
} rp__kept;

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
    void *own_arg; /* apply: a copy of the argument (in the call's own allocation) */
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
    rp__kept *bufs; /* received messages that items point into (buf0 for the first) */
    size_t nbufs, capbufs;
    rp__kept buf0;
    /* progress */
    size_t ndone;
    size_t nfailed;
    int complete;  /* all items done and callbacks run (atomic: set once, release) */
    int items_in;  /* all items done: handed to the callbacks (atomic: set once, release) */
    int unordered; /* imap_unordered: next() in completion order */
    size_t *order; /* completion order (unordered) */
    size_t norder;
    size_t nread;    /* items handed out by next() */
    int nextwaiters; /* threads blocked in rp_result_next on this call */
    rp_call_options call;
    int refs;         /* user handle + manager while incomplete */
    int inline_items; /* items (and own_arg) live in the call's allocation */
    int block;        /* that allocation is an rp__job_block */
    rp_result *snext; /* the submission queue (rp__push_sub), calls not yet filed */
    rp_result *qnext; /* pool's dispatch queue */
    rp_result *cnext; /* manager's completed list */
    /* a pool with timing: when it was submitted, its last result came, it completed */
    double t_submit, t_result, t_complete;
    int woken; /* a waiter's return was timed */
    /* retries and attempts (retry.c), waiting for many (client/wait.c), the bar (progress.c) */
    uint16_t *tries;          /* per item: times sent again, tries failed (NULL: none yet) */
    size_t nunsent;           /* the last nunsent items were never sent */
    struct rp__waitset *wset; /* the rp_as_completed it is in, or NULL */
    rp_result *wnext;         /* in wset's list of complete calls */
    double bar_t0, bar_last;  /* progress bar: its start, its last line */
    int bar_state;            /* 0: not yet, 1: drawing, 2: not a terminal, 3: ended */
};

/** Complete calls of an rp_as_completed, in completion order (lock held). */
typedef struct rp__waitset {
    rp_result *head, *tail;
} rp__waitset;

/** Call @p job is complete: into its waitset's list, if it is in one (lock held). */
static inline void rp__waitset_push(rp_result *job) {
    rp__waitset *ws = job->wset;
    if (ws == NULL)
        return;
    job->wnext = NULL;
    if (ws->tail)
        ws->tail->wnext = job;
    else
        ws->head = job;
    ws->tail = job;
}

/** Where the timed items of a pool spent their time (rp_pool_stats). */
typedef struct rp__timing {
    double queue, wire, exec, result, wake; /* seconds, summed over items */
    size_t items;                           /* items that completed timed */
} rp__timing;

/** A chunk in flight to a worker. */
typedef struct rp__chunk {
    rp_result *job; /* NULL: given up on (rp__pool_abandon); its answer is dropped */
    size_t start;
    uint32_t count;
    rp__send send; /* the TASK send; completed when the result is in */
    size_t len;    /* single-rank mode: length of the message kept in send.owned */
    double est_ns; /* expected execution time, counted in the worker's queue */
    double t_sent; /* when it was sent (a pool with timing) */
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
    int server;       /* a server rank (docs/scale.md): it runs no tasks */
    int feeder;       /* the server rank its chunks go through (0: none, rank 0 itself) */
    int cut;          /* lost with its feeder: alive; its object calls answered, told SHUTDOWN */
    int lost;         /* 1: gone, its work not yet re-sent; 2: gone and handled */
    int stuck;        /* still running a task at shutdown: given up on */
    int bye;          /* it answered SHUTDOWN */
    double lost_at;   /* when the lease closed (rp__now) */
    rp__chunk *fifo;  /* in flight, in send order (workers answer in order) */
    int head, len, cap;
} rp__worker;

/** Rank 0's object call to a server, waiting for its answer (loop.c). */
typedef struct rp__rcall {
    struct rp__rcall *next;
    uint64_t seq;
    int dest;
    void *req; /* to send (NULL once sent) */
    size_t len;
    void *rep; /* the answer, or NULL */
    size_t rep_len;
    int rc; /* 0, or why it failed (RP_ELOST, RP_EMPI) */
    int done;
} rp__rcall;

/** Is worker @p w out of the job (lost, or given up on at shutdown)?  Lock held. */
static inline int rp__worker_gone(const rp__worker *w) {
    return w->lost || w->stuck;
}

/* Padding that keeps the fields before and after it on different cache
 * lines: fields that different threads write stay apart. */
#define RP__CACHE_PAD(name) char name[64]

enum { RP__POOL_OPEN, RP__POOL_CLOSED, RP__POOL_TERMINATED };

struct rp_pool {
    /* read by every submitter: set at creation (state: at close, terminate) */
    rp_runtime *rt;
    uint32_t id;
    int state;
    int nworkers;
    int timing; /* rp_pool_options.timing: each item's stages are timed */
    int *widx;  /* indices into rt->workers */
    /* calls submitted (atomic: the submitters) and completed (atomic: the
     * engine), apart; their difference is the calls not yet complete */
    RP__CACHE_PAD(pad_read);
    size_t submitted;
    RP__CACHE_PAD(pad_submitted);
    size_t finished;
    /* the engine's (rt->lock) */
    rp_result *qhead, *qtail; /* calls with items still to dispatch */
    int init_pending;         /* initializer acks still expected */
    unsigned char *acked;     /* per worker of the pool: its ack came */
    int init_rc;
    char init_msg[RP__MAX_ERRMSG + 1];
    rp_pool *next;
    /* rp_pool_stats */
    size_t items_done;   /* items that succeeded */
    size_t items_failed; /* items that failed or were canceled */
    size_t *wdone;       /* per index of rt->workers: items it answered for this pool */
    rp__timing t;        /* the timed items' stages: sums, seconds over items */
    double grace;        /* rp_pool_options.terminate_grace */
};

/** Calls of @p pool not yet complete (any thread). */
static inline size_t rp__pool_active(const rp_pool *pool) {
    size_t done = __atomic_load_n(&pool->finished, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&pool->submitted, __ATOMIC_ACQUIRE) - done;
}

/* ---- the runtime ---------------------------------------------------------- */

/** Chunks gathered for one worker's TASKS message (dispatch.c). */
typedef struct rp__tbatch {
    rp__buf b;        /* from rp__batch_begin */
    uint32_t n;       /* chunks in it */
    size_t first_len; /* the first part's length without its padding */
    double est_ns;    /* their expected work */
    int listed;       /* in rt->touched this pass */
} rp__tbatch;

/** A control message waiting for the manager thread to send it. */
typedef struct rp__ctrl {
    rp__hdr h;
    int dest; /* worker index */
    void *body;
    size_t len;
    struct rp__ctrl *next;
} rp__ctrl;

struct rp_runtime {
    /* read-mostly: set at init, or (fatal, interrupted) once */
    MPI_Comm comm;
    int rank, size;
    int own_mpi;
    int served;
    rp_options opt;
    rp__tasks tasks;
    rp__wenv env;  /* what the worker layer sees of this runtime */
    pthread_t mgr; /* manager side (rank 0) */
    int mgr_started;
    int fatal;           /* the communicator failed (set_fatal): all work was failed (atomic) */
    int interrupted;     /* the signal that stopped the pools, or 0 (atomic) */
    rp__worker *workers; /* one per rank but rank 0: the servers first, then the workers */
    int nworkers;        /* rt->workers' length */
    int nservers;        /* server ranks 1..nservers (every rank; docs/scale.md) */
    int feeds;           /* servers that relay the workers' chunks: nservers, or 0 */
    rp__servers servers; /* which servers were lost (every rank) */
    unsigned next_home;  /* the server of the next anonymous object, in turn (atomic) */
    double *task_ns;     /* per task: running mean of time per item, seeds new calls */
    RP__CACHE_PAD(pad_read);
    /* the submitters': calls submitted without the lock (rp__push_sub), a
     * FIFO of many producers and one consumer (whoever holds the lock),
     * linked by snext through a stub call: producers swap subs_in, the
     * consumer reads from subs_out */
    rp_result *subs_in; /* the newest (atomic) */
    RP__CACHE_PAD(pad_subs);
    int mgr_asleep; /* the manager waits on rt->wake: submitters signal it (atomic) */
    int drivers;    /* callers driving progress in rp__wait_step (atomic) */
    RP__CACHE_PAD(pad_asleep);
    /* blocks of freed one-item calls, for the next ones (rp__job_block):
     * pushed by whoever frees, taken whole by a submitting thread */
    void *free_blocks;
    RP__CACHE_PAD(pad_blocks);
    /* the engine's */
    pthread_mutex_t
        prog; /* the progress token: its holder may call MPI on rank 0 (see rp__drive) */
    pthread_mutex_t lock; /* everything below */
    pthread_cond_t wake;  /* manager: work arrived */
    pthread_cond_t done;  /* waiters: some call progressed */
    rp_result *subs_out;  /* the next call to file, or the stub */
    rp_result sub_stub;
    int stop;
    int shutdown_failed; /* SHUTDOWN may not have reached every worker */
    rp_pool *pools;
    uint32_t next_pool;
    uint64_t results;  /* RESULT messages handled, for rp__worker.seq */
    uint64_t next_job; /* the last call's id (given when it is filed) */
    int backlog;       /* a pool had calls left that no worker had room for (rp__dispatch) */
    rp__ctrl *ctrl_head, *ctrl_tail;
    rp_result *completed, *completed_tail; /* all items in: callbacks to run, in order */
    size_t inflight;                       /* chunks on workers */
    rp_result *live;                       /* every call not yet freed */
    rp__sendq sendq;
    rp__tbatch *batches; /* per worker: chunks gathered in one dispatch pass */
    rp__buf *bundles;    /* per server rank (index 1..feeds): its workers' chunks this pass */
    uint32_t *nbundled;  /* ... how many messages each holds */
    int *touched;        /* the workers whose batch has chunks */
    rp__store *store;    /* shared objects (rank 0; the manager thread serves them) */
    /* object calls from a worker rank: one at a time, matched by sequence */
    pthread_mutex_t client_lock;
    uint64_t client_seq;
    int obj_pending;     /* answers wait in the store's outbox (atomic) */
    double obj_deadline; /* the next deadline of a remote waiter, or -1 */
    rp__placement place;
    rp__shm shm;
    rp__lease lease;
    int lost_pending;  /* a worker was lost: the manager re-sends its work (lock held) */
    int nlost;         /* workers lost or given up on so far (servers too) */
    int nsrv_lost;     /* ... of them servers */
    rp__rcall *rcalls; /* rank 0's calls to the servers not yet answered */
    uint64_t rcall_seq;
    int peers_lost;       /* some rank is gone: finalize without collective calls */
    int exit_status;      /* rp_main's status, for an MPI_Abort that ends the job */
    double stop_deadline; /* rp_finalize: when to stop waiting for the workers (-1: never) */
    /* processes (proctab.c, client/process.c; rank 0, under lock) */
    struct rp_process *procs; /* every handle not yet freed, and orphans still running */
    uint64_t next_proc;
};

/* ---- processes (proctab.c: the table; relay.c: one-rank jobs) ------------ */

enum { P_NEW, P_STARTING, P_RUNNING, P_ENDED };

struct rp_process {
    rp_runtime *rt; /* NULL once detached by rp_finalize */
    rp_process *next;
    uint64_t id;
    int task;
    void *arg;
    size_t arg_size;
    char name[RP__MAX_PNAME + 1];
    char host[256]; /* copied at start: the handle may outlive the runtime */
    int daemon;
    int want_rank; /* -1: any */
    int state;
    int rank;
    long pid;
    int start_rc;
    int exitcode;
    int orphan; /* the user freed the handle while it ran */
};

/** The process with id @p id in the table, or NULL (lock held). */
rp_process *rp__proc_find(rp_runtime *rt, uint64_t id);
/** Take @p p out of the table (lock held). */
void rp__proc_unlink(rp_runtime *rt, rp_process *p);
/** Free a handle out of the table. */
void rp__proc_free(rp_process *p);

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

/**
 * One-rank jobs: start process @p id on rank 0 itself, through a relay
 * thread that forks it and serves its object calls on the store.  The
 * outcome comes through rp__process_started / rp__process_exited.
 */
int rp__relay_start(rp_runtime *rt, uint64_t id, int task, int daemon, const char *name,
                    const void *arg, size_t len);

/* ---- server.c: a server rank ---------------------------------------------- */

/**
 * The loop of a server rank (1 <= rank <= nservers): serve the objects
 * whose handles name this rank until rank 0's SHUTDOWN.  0, or RP_EMPI /
 * RP_ENOMEM.
 */
int rp__server_serve(rp_runtime *rt);

/* ---- the manager thread and what the caller's side asks of it ------------ */

/**
 * Rank 0's object call to server rank @p dest: request @p req (@p len
 * bytes, taken; its sequence number is set here) goes out with the
 * engine's next pass, and the caller waits for the answer, driving the
 * engine as it waits (the manager thread too: its requests carry
 * RP__REQ_NOWAIT, so the server answers at once).  *rep (malloc'd) /
 * *rep_len get the whole answer.  Returns 0, RP_ELOST (the server was
 * lost), RP_EMPI or RP_ENOMEM.
 */
int rp__remote_call(rp_runtime *rt, int dest, void *req, size_t len, void **rep, size_t *rep_len);

/** Workers that are not servers and not lost (lock held). */
int rp__workers_live(const rp_runtime *rt);

/** Tell the servers (DROP) that rank @p rank (-1: every rank) will not
 *  wait any more: @p code RP_ELOST (it was lost) or RP_EINTR (a signal
 *  stopped the job).  Lock held. */
void rp__forward_drop(rp_runtime *rt, int rank, int code);

/** Manager thread body (loop.c). */
void *rp__manager_main(void *arg);

/** The store's notify hook: wakes the manager thread to send ready answers. */
void rp__objects_ready(void *arg);

/**
 * A caller that waits does the network's work itself, if nobody does
 * (lock held, any thread but the manager's): one pass that sends, receives
 * and files results, and completes the calls that have no callbacks (the
 * others are left to the manager thread).  Returns how much happened, or
 * -1 if another thread has the progress token (or one rank, or failed).
 */
int rp__drive(rp_runtime *rt);

/** True if the calling thread is the manager thread. */
int rp__on_manager(const rp_runtime *rt);

/* A one-item call (apply) with an argument of up to this many bytes fits a
 * recycled block: the call, its item and the argument. */
#define RP__JOB_BLOCK 512u

/** A block of RP__JOB_BLOCK bytes for a one-item call: a recycled one, or
 *  new (malloc: free() may free it).  NULL if out of memory. */
void *rp__job_block(rp_runtime *rt);

/** Give a block back for reuse (any thread, no lock). */
void rp__job_block_free(rp_runtime *rt, void *block);

/** Free every block kept (rp_finalize). */
void rp__job_blocks_fini(rp_runtime *rt);

/**
 * Submit call @p job without the lock (any thread): push it on rt->subs and,
 * with @p wake, wake the manager if it sleeps (a caller about to wait for
 * the call drives it out itself).  The job must be complete but for what
 * rp__drain_subs fills in.
 */
void rp__push_sub(rp_runtime *rt, rp_result *job, int wake);

/** File the calls submitted since the last time into their pools, in
 *  submission order (lock held; any thread). */
void rp__drain_subs(rp_runtime *rt);

/** The same for at most @p max calls (the engine's pass: the calls it files
 *  are still in the cache when it sends them).  Returns how many. */
size_t rp__drain_some(rp_runtime *rt, size_t max);

/** Are calls submitted and not yet filed (lock held, or as a hint)? */
static inline int rp__subs_pending(const rp_runtime *rt) {
    return rt->subs_out != &rt->sub_stub ||
           __atomic_load_n(&rt->subs_in, __ATOMIC_SEQ_CST) != &rt->sub_stub;
}

/** Make the submission queue empty (rp_init). */
void rp__subs_init(rp_runtime *rt);

/** Queue a control message for worker index @p w (lock held).  Takes @p body. */
int rp__ctrl_push(rp_runtime *rt, int w, const rp__hdr *h, void *body, size_t len);

/** One caller's wait for a condition under rt->lock: zero it first
 *  (RP__WAIT_INIT), loop on rp__wait_step, end with rp__wait_end. */
typedef struct rp__wait {
    rp__backoff b; /* its spin while it drives */
    int driving;   /* counted in rt->drivers */
    int handed;    /* the network was handed to the manager: it sleeps */
} rp__wait;

#define RP__WAIT_INIT                                                                              \
    { {0, 0, 0, 0, 0, 0}, 0, 0 }

/**
 * One step of a wait (lock held) until the caller's condition holds or
 * @p deadline (rp__deadline).  A thread that waits drives progress itself
 * (rp__drive) while results come or for opt.idle_spin after the last one;
 * then it hands the network to the manager thread and sleeps on rt->done.
 * Returns 0 (check the condition again), RP_ETIMEDOUT, or RP_EDEADLK (on
 * the manager thread).
 */
int rp__wait_step(rp_runtime *rt, double deadline, rp__wait *w);

/** The caller's condition holds (or it gives up): end the wait (lock held). */
void rp__wait_end(rp_runtime *rt, rp__wait *w);

/** Wake the manager thread if it sleeps (lock held). */
void rp__wake_manager(rp_runtime *rt);

/** Has the engine work out or to do (chunks in flight, calls queued or
 *  submitted, control messages, callbacks, parked deadlines)?  Lock held. */
int rp__engine_busy(rp_runtime *rt);

/**
 * Fail every undispatched item of @p job with @p status / @p code and message
 * @p why (lock held); hands the call to its callbacks if that finished it.
 */
void rp__job_fail_rest(rp_runtime *rt, rp_result *job, int status, int code, const char *why);

/** Drop one reference to @p job (lock held, if attached); frees it at zero. */
void rp__job_unref(rp_result *job);

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

/**
 * Give up on the chunks of terminated pool @p pool still on its workers
 * (lock held), after @p grace seconds: their items fail with RP_ECANCELED
 * naming the worker that still runs them; the chunks stay on the books
 * without their call (job NULL), so the worker's answer, when it comes, is
 * matched and dropped.
 */
void rp__pool_abandon(rp_runtime *rt, rp_pool *pool, double grace);

/** Items of @p job not on any worker now: not yet sent, or to send again. */
size_t rp__job_undispatched(const rp_result *job);

/* ---- retry.c: items sent again, withdrawn, counted ----------------------- */

/**
 * Send items [@p start, +@p count) of @p job again, before its other items
 * (lock held): the worker that held them was lost (@p tries: its losses so
 * far), or a task failed.  Puts the call back in its pool's queue.  0 or
 * RP_ENOMEM (nothing changed).
 */
int rp__job_redo(rp_result *job, size_t start, uint32_t count, int tries);

/**
 * Item @p idx of @p job came back failed with @p status / @p code: if the
 * call's retries allow another try, send it again and return 1; else 0, and
 * the caller records the failure (lock held).
 */
int rp__item_retry(rp_runtime *rt, rp_result *job, size_t idx, int status, int code);

/** Tries of item @p idx that failed and were retried. */
unsigned rp__item_failures(const rp_result *job, size_t idx);

/**
 * A chunk of @p job's items [@p start, +@p count) is being sent; @p again:
 * they were sent before (lock held).  Returns the TASK header's flags: the
 * tries of its item that failed (rp_task_attempt is one more).
 */
unsigned rp__chunk_sending(rp_result *job, size_t start, uint32_t count, int again);

/**
 * Take the items of @p job not yet sent out of its pool's queue and fail
 * them with @p status / @p code / @p why (lock held).  Returns how many.
 */
size_t rp__job_withdraw(rp_runtime *rt, rp_result *job, int status, int code, const char *why);

/** rp_result_attempts of a finished item (lock held). */
int rp__item_attempts(const rp_result *job, size_t idx);

/** The lease's hooks (rp__lease_hooks, set by rp_init): rank @p rank
 *  (process @p pid) holds a lease; it is gone (@p why), and the manager
 *  re-sends its work; was it given up on at shutdown?  @p arg: the runtime. */
void rp__worker_leased(void *arg, int rank, int pid);
void rp__worker_lost(void *arg, int rank, const char *why);
int rp__worker_given_up(void *arg, int rank);

/* ---- between the manager's files (jobs.c, dispatch.c, loop.c) ------------ */

/** Item @p idx of @p job is done with @p status / @p code (lock held). */
void rp__item_done(rp_result *job, size_t idx, int status, int code);
/** Items @p start .. + @p count of @p job succeeded, their results at
 *  @p data, @p stride bytes each (lock held). */
void rp__items_ok(rp_result *job, size_t start, uint32_t count, const uint8_t *data, size_t stride);
/** Item @p idx failed with @p msg (copied) (lock held). */
void rp__item_fail(rp_result *job, size_t idx, int status, int code, const char *msg, size_t len);
/** @p job's items are all done: hand it to its callbacks (lock held). */
void rp__job_items_done(rp_runtime *rt, rp_result *job);
/** Fail every item of chunk @p c with @p code and @p why (lock held). */
void rp__chunk_fail(rp_runtime *rt, rp__chunk *c, int code, const char *why);
/** Wake what waits on the next items of @p job (lock held). */
void rp__wake_next(rp_runtime *rt, const rp_result *job);
/** Take the oldest chunk in flight on worker @p wi (@p wait: complete its send). */
rp__chunk rp__pop_chunk(rp_runtime *rt, int wi, int wait);
/** The oldest chunk of worker @p wi fails with RP_EPROTO and @p why (lock held). */
void rp__fail_head(rp_runtime *rt, int wi, const char *why);
/** The communicator failed: fail all work with @p code and wake everyone. */
void rp__set_fatal(rp_runtime *rt, int code);

/* dispatch.c: what the loop hands it (lock held). */

/** A RESULT message from worker index @p wi: takes @p msg, or with @p sh
 *  (a part of a RESULTS batch) @p msg points into sh->msg and the calls
 *  that keep it take references. */
void rp__handle_result(rp_runtime *rt, int wi, const rp__hdr *h, void *msg, rp__shared *sh);
/** A POOL_ACK from worker index @p wi, with its message @p m (@p len bytes). */
void rp__handle_ack(rp_runtime *rt, int wi, const rp__hdr *h, const char *m, size_t len);
/** An unreadable POOL_ACK from worker index @p wi still answers the oldest
 *  pool that waits for that worker, so pool creation cannot wait for ever. */
void rp__handle_bad_ack(rp_runtime *rt, int wi);
/** The pool with id @p id, or NULL. */
rp_pool *rp__find_pool(rp_runtime *rt, uint32_t id);
/** Position of worker @p wi in pool @p p, if p waits for its ack; else -1. */
int rp__awaited(const rp_pool *p, int wi);
/** Worker @p wi's answer to pool @p p's POOL_INIT. */
void rp__pool_ack(rp_runtime *rt, rp_pool *p, int wi, int code, const char *m, size_t len);
/**
 * Workers lost since the last call: send their work again, answer the pool
 * creations that wait for them, and send them nothing more.  Puts up to
 * @p cap of their ranks in @p ranks, for the store to forget their parked
 * requests (that takes the store's lock, so not here).  Returns how many.
 */
int rp__handle_lost(rp_runtime *rt, int *ranks, int cap);
/** Send chunks to the workers with room.  Returns how many went, or RP_EMPI. */
int rp__dispatch(rp_runtime *rt);
/** Free dispatch's scratch (rp_finalize). */
void rp__dispatch_free(rp_runtime *rt);
/** Single-rank mode: run the oldest chunk given to rank 0 itself.  1 if it ran one. */
int rp__run_local(rp_runtime *rt);

#endif /* RP_MANAGER_H */
