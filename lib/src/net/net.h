/*
 * The net layer: everything that talks to other ranks.  transport.c holds
 * the only MPI send and receive calls, backoff.c the idle policy of every
 * polling loop, lease.c the TCP connections that tell rank 0 a worker is
 * gone, window.c the only MPI window calls (the arena of Value and Array).
 * Built on base and wire; knows nothing of pools, the manager or workers:
 * what it must tell them goes through the hooks they register
 * (rp__relay, rp__lease_hooks).  Not installed.
 */
#ifndef RP_NET_H
#define RP_NET_H

#include "base/base.h"
#include "wire/wire.h"

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>

/* ---- backoff.c --------------------------------------------------------- */

/**
 * Idle backoff: poll freely for opt->idle_spin seconds after the last
 * activity, then sleep for growing periods up to opt->idle_sleep_max.
 */
typedef struct rp__backoff {
    double idle_since; /* 0 while active */
    unsigned spins;    /* polls since idle_since */
    int slept;         /* slept since the caller last looked (see rp__recv_any) */
    double sleep;      /* next sleep, seconds */
    double now;        /* the clock, read every few polls while spinning */
    int fresh;         /* now was just read by rp__backoff_sleeps */
} rp__backoff;

void rp__backoff_reset(rp__backoff *b);

/** Would the next rp__backoff_idle sleep (rather than spin)?  A loop that
 *  must announce its sleep asks first. */
int rp__backoff_sleeps(rp__backoff *b, const rp_options *opt);

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
 * What a rank that hosts forked children does while one of its own object
 * calls waits (the worker layer registers it: net never calls up).
 * @p route takes an OBJ_REP whose token names a child (RP__TOK_CHILD) and
 * hands it on or drops it; @p pump serves the children's traffic and
 * returns how much happened.
 */
typedef struct rp__relay {
    void (*route)(void *arg, void *msg, size_t len);
    int (*pump)(void *arg);
    void *arg;
} rp__relay;

/** The job's server ranks (1..n; docs/scale.md) as a rank sees them. */
typedef struct rp__servers {
    int n;
    unsigned char lost[RP__MAX_SERVERS + 1]; /* by rank: SERVER_LOST came (atomic) */
} rp__servers;

/** Server rank @p rank was lost (a SERVER_LOST message @p h, checked). */
void rp__server_lost_mark(rp__servers *sv, const rp__hdr *h);

/** Is @p dest a server that was lost?  Then the error (RP_ELOST, naming it) is set. */
int rp__server_gone(const rp__servers *sv, int dest);

/**
 * A shared-object call from a worker rank: send request @p req (@p len bytes,
 * taken) to rank @p dest (0, or a server rank of @p sv) and wait, with
 * backoff, for the OBJ_REP carrying sequence number @p seq; only that tag
 * (and, waiting for a server, rank 0's SERVER_LOST) is received meanwhile,
 * and answers for this rank's children go to @p relay (NULL: none; they are
 * dropped).  *rep (malloc'd) / *rep_len get the whole answer.  Returns 0,
 * RP_ENOMEM, RP_EMPI, or RP_ELOST (the server was lost).
 */
int rp__rpc(MPI_Comm comm, const rp_options *opt, int dest, rp__servers *sv, void *req, size_t len,
            uint64_t seq, const rp__relay *relay, void **rep, size_t *rep_len);

/* ---- lease.c: noticing lost workers ------------------------------------ */

/** What the watch thread tells the layer above (registered at start; each
 *  may be NULL).  They run on the watch thread. */
typedef struct rp__lease_hooks {
    /** Rank @p rank (process @p pid) holds a lease. */
    void (*leased)(void *arg, int rank, int pid);
    /** Rank @p rank is gone (@p why). */
    void (*lost)(void *arg, int rank, const char *why);
    /** At rp__lease_fini: was rank @p rank given up on (told to end at
     *  once, not goodbye)? */
    int (*given_up)(void *arg, int rank);
    void *arg;
} rp__lease_hooks;

/* Addresses rank 0 listens on for leases (and tells the workers). */
#define RP__LEASE_ADDRS 16

/** A connection to rank 0's lease listener that still owes its hello. */
typedef struct rp__lease_pending {
    int fd;
    double deadline; /* rp__now() by which the hello must be whole */
    size_t got;
    uint8_t buf[RP__HELLO_SIZE];
} rp__lease_pending;

/** A runtime's worker leases (docs/recovery.md). */
typedef struct rp__lease {
    int rank, size;
    int fd; /* worker: its connection to rank 0, or -1 */
    /* rank 0 */
    int nlisten;                     /* listening sockets, one per address told */
    int listen_fds[RP__LEASE_ADDRS]; /* (all on one port) */
    rp__lease_pending *pending;      /* new connections, read without blocking */
    int npending;
    unsigned long rejected; /* connections turned away (logged once) */
    int *fds;               /* per rank: its connection, or -1 */
    uint64_t cookie;
    int wake[2]; /* wakes the watch thread */
    int stop;
    int started;
    pthread_t thread;
    rp__lease_hooks hooks;
} rp__lease;

/**
 * Init, collective over @p comm (every rank calls it, @p ok 0 after a local
 * error): rank 0 listens and broadcasts where; workers connect.  A lease
 * that cannot be made is a warning, not an error.  Returns RP_EMPI or 0.
 */
int rp__lease_init(rp__lease *l, MPI_Comm comm, int rank, int size, int ok);
/** Once init succeeded: rank 0 starts watching the connections and tells
 *  @p hooks (copied; NULL: none) what it sees; a worker watches its own
 *  (it ends itself if rank 0 dies or gives up on it). */
int rp__lease_start(rp__lease *l, const rp__lease_hooks *hooks);
/** A worker leaving in order: tell rank 0 and close. */
void rp__lease_bye(rp__lease *l);
/** In a child forked by this rank: close the lease's descriptors, so that
 *  the connection ends with the rank that holds it. */
void rp__lease_child(rp__lease *l);
/** Stop watching, close everything (rank 0: telling each worker 'goodbye',
 *  or to end at once if hooks.given_up says so).  Idempotent. */
void rp__lease_fini(rp__lease *l);

/** Was the job started with mpirun --enable-recovery (it survives a lost rank)? */
int rp__recovery_enabled(void);

/* ---- window.c: the shared window of Value and Array --------------------- */

/** A runtime's view of the window. */
typedef struct rp__shm {
    MPI_Win win;
    MPI_Comm node; /* rank 0's host: the window's communicator */
    int joined;    /* this rank is in the window */
    int mapped;    /* rank 0 alone on its host: base is a shared mapping of its own */
    uint8_t *base; /* the arena, mapped; NULL if none here */
    size_t size;
    int direct; /* access with loads and stores (else through the manager) */
} rp__shm;

/**
 * Init, collective over @p comm: the ranks of rank 0's host make the
 * window (rank 0 gives the whole arena, @p arena_size bytes) and map it;
 * others only take part in the split.  Every rank calls it, with @p ok 0
 * after a local error.  Reads RP_ARRAY_REMOTE.  Returns this rank's error.
 */
int rp__shm_init(rp__shm *sh, MPI_Comm comm, int rank, size_t arena_size, int ok);

/** Free the window (collective over the ranks of rank 0's host).  Idempotent. */
int rp__shm_fini(rp__shm *sh);

#endif /* RP_NET_H */
