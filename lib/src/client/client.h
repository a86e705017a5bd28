/*
 * The client layer: the calls a user's thread or a task makes, on any rank.
 * pool.c and result.c (Pool and AsyncResult), call.c (one shared-object
 * call, however it travels), objects.c (dicts, lists, namespaces), sync.c
 * (queues, locks and the other waitable objects), array.c (Value and
 * Array), process.c (Process).  Built on every layer below; only the
 * runtime (runtime.c) is above it.  Not installed.
 */
#ifndef RP_CLIENT_H
#define RP_CLIENT_H

#include "manager/manager.h"

/* ---- call.c: one shared-object call ------------------------------------ */

/* One call: the request being written, then the answer being read. */
typedef struct rp__call {
    rp__fwriter w;
    int kind;      /* the kind of object the call is for (0: none) */
    rp__hdr rh;    /* the answer's header */
    rp__freader r; /* its fields */
    void *rep;     /* the answer message */
    int dest;      /* the rank that serves it (-1: the one its handle names) */
} rp__call;

/**
 * Begin a request for operation @p op on object @p id, which must be a
 * handle of @p kind (an rp_kind; a dict's calls take a namespace too; 0: the
 * call names no object).  rp__call_run checks the handle first.
 */
void rp__call_begin(rp__call *c, int kind, int op, uint64_t id, int flags);
/**
 * The handle check of every object call, once per family: is @p id a
 * handle at all (RP_EBADF) and one of @p kind (RP_ETYPE; a namespace is a
 * dict too)?  Returns 0 or the code, with a message.
 */
int rp__handle_check(uint64_t id, int kind);
/** Append a value field. */
void rp__put_value(rp__call *c, const rp_value *v);
/**
 * An output value, set to RP_T_NONE (owning nothing) first thing, before
 * any check: whatever the call returns, rp_value_free on it is then safe.
 * NULL-safe.  Every call with an rp_value or rp_items output does this.
 */
void rp__out_value(rp_value *out);
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
/**
 * Run OPEN for an object of @p kind called @p name (NULL: anonymous) with
 * parameters @p p1, @p p2; the new object's id is c->rh.job.  Returns as
 * rp__call_run (c->rep kept when >= 0).
 */
int rp__call_open(rp_runtime *rt, rp__call *c, const char *name, int flags, int kind, int64_t p1,
                  int64_t p2);
/** Open or create an object of @p kind with parameters p1, p2. */
int rp__obj_open(rp_runtime *rt, const char *name, int flags, int kind, int64_t p1, int64_t p2,
                 uint64_t *id);
/** Destroy the object of handle @p id, which must be one of @p kind (not an array). */
int rp__obj_destroy(rp_runtime *rt, uint64_t id, int kind);

/* ---- the runtime's lock, for handles that may outlive it ------------------ */

/**
 * Take @p rt's lock, or nothing if @p rt is NULL: a handle kept past
 * rp_finalize (a result, an rp_as_completed, a process) is complete and
 * detached, and needs no lock then.
 */
static inline void rp__rt_lock(rp_runtime *rt) {
    if (rt != NULL)
        pthread_mutex_lock(&rt->lock);
}

/** Release what rp__rt_lock took. */
static inline void rp__rt_unlock(rp_runtime *rt) {
    if (rt != NULL)
        pthread_mutex_unlock(&rt->lock);
}

/* ---- progress.c: the bar of the call option `progress` ------------------ */

/**
 * Draw the call's bar if it is due (lock held; result.c calls it while it
 * waits); returns the deadline for the caller's next wait: @p deadline, or
 * sooner when the bar is next due.
 */
double rp__progress_tick(rp_result *res, double deadline);

/* ---- pool.c, process.c: what rp_finalize asks of them ---------------------- */

/**
 * Destroy every pool left (rp_finalize on rank 0): terminate them all, wait
 * until @p deadline (rp__deadline) for the tasks still running, then give
 * up on the workers that run them (rp__abandon_busy).
 */
void rp__pools_destroy_all(rp_runtime *rt, double deadline);

/** rp_finalize on rank 0: end the daemon processes, join the others, detach the handles. */
void rp__processes_fini(rp_runtime *rt);

#endif /* RP_CLIENT_H */
