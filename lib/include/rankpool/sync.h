/*
 * rankpool/sync.h: queues, locks, semaphores, events, conditions, barriers and pipes.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_SYNC_H
#define RANKPOOL_SYNC_H

#include "rankpool/objects.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/* ------------------------------------------------------------------------ */
/* Queues, locks, events, conditions, barriers and pipes                    */
/* ------------------------------------------------------------------------ */
/*
 * Python's multiprocessing / queue / threading primitives, held by the
 * manager like the dicts above and opened the same way (by name with
 * RP_CREATE / RP_EXCL, or anonymous with a NULL name; handles are plain
 * values to copy into task arguments).  Blocking calls take a timeout in
 * seconds: RP_FOREVER waits without a limit, 0 does not wait (Python's
 * block=False / *_nowait); anything but RP_FOREVER, 0 or a finite number
 * > 0 is RP_EINVAL (the rule of RP_FOREVER).  A blocked call costs no CPU on the manager and
 * only a sleeping poll on the caller; waiters are served in arrival order.
 * The callback rule: nothing waits on the manager thread (a callback, or a
 * task of a one-rank job, which that thread runs): a call made there
 * succeeds if it can at once, and is refused with RP_EDEADLK at once if it
 * would have to wait (with a timeout of 0 it answers as anywhere, e.g.
 * RP_EEMPTY), in every layout.  Lock ownership is per thread: a
 * lock is held by the thread (on its rank) that acquired it.  See
 * docs/sync.md.  Besides the codes listed, every call may return the common
 * codes of the shared objects (RP_EINVAL, RP_EBADF, RP_ETYPE, RP_ENOENT,
 * RP_ENOSPC, RP_EMPI...): a handle of another kind is RP_ETYPE and leaves
 * every object untouched (the handle rule of objects.h).
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
 * count goes up; RP_ERANGE at INT64_MAX).  Returns 0, RP_ETIMEDOUT,
 * RP_EDEADLK: a Lock the calling thread already holds, with a timeout
 * other than 0 (it would wait for itself for ever; Python's would hang), or
 * a lock held elsewhere from the manager thread (the callback rule above).
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

/**
 * Give one unit back.  RP_ERELEASE past a bounded semaphore's initial value;
 * RP_ERANGE at INT64_MAX (the value does not wrap; it stays).
 */
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

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_SYNC_H */
