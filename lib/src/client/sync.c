/*
 * Queues, locks, semaphores, events, conditions, barriers and pipes: the
 * caller's side.  Each call is one object request (call.c carries it);
 * waiting happens on the manager's side (manager/sync.c), so a blocked caller only
 * waits for its answer.  See docs/sync.md.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

/* A request on object @p id, a handle of @p kind, with an optional value,
 * integer and timeout. */
static int call(rp_runtime *rt, int kind, int op, uint64_t id, int flags, const rp_value *v,
                const int64_t *i, const double *timeout, rp__call *c) {
    if (v != NULL && (rp__bad_value(v) || v->type == RP_T_NONE))
        return rp__err(RP_EINVAL, "bad value: an int, a double or bytes");
    if (timeout != NULL && rp__timeout_check(*timeout, "timeout") != 0)
        return RP_EINVAL;
    rp__call_begin(c, kind, op, id, flags);
    if (v != NULL)
        rp__put_value(c, v);
    if (i != NULL)
        rp__fw_int(&c->w, *i);
    if (timeout != NULL)
        rp__fw_double(&c->w, *timeout);
    return rp__call_run(rt, c);
}

/* A call whose answer is only its code. */
static int plain(rp_runtime *rt, int kind, int op, uint64_t id, int flags, const rp_value *v,
                 const int64_t *i, const double *timeout) {
    rp__call c;
    int rc = call(rt, kind, op, id, flags, v, i, timeout, &c);
    if (rc >= 0)
        free(c.rep);
    return rc;
}

/* plain, with no value and no integer. */
static int simple(rp_runtime *rt, int kind, int op, uint64_t id, int flags, const double *timeout) {
    return plain(rt, kind, op, id, flags, NULL, NULL, timeout);
}

/* A call that answers integers: up to @p n of them into @p out. */
static int ints(rp_runtime *rt, int kind, int op, uint64_t id, int64_t *out, int n) {
    rp__call c;
    int rc = call(rt, kind, op, id, 0, NULL, NULL, NULL, &c);
    if (rc < 0)
        return rc;
    for (int k = 0; k < n; k++) {
        rp_value v;
        out[k] = rp__call_next(&c, &v) && v.type == RP_T_INT ? v.i : 0;
    }
    free(c.rep);
    return rc;
}

/* ---- queues ------------------------------------------------------------------- */

int rp_queue_open(rp_runtime *rt, const char *name, int flags, rp_queue_type type, size_t maxsize,
                  rp_queue *q) {
    if (maxsize > INT64_MAX)
        return rp__err(RP_EINVAL, "maxsize too large");
    return rp__obj_open(rt, name, flags, RP_KIND_QUEUE, type, (int64_t)maxsize, q ? &q->id : NULL);
}

int rp_queue_destroy(rp_runtime *rt, rp_queue q) {
    return rp__obj_destroy(rt, q.id, RP_KIND_QUEUE);
}

int rp_queue_put_priority(rp_runtime *rt, rp_queue q, int64_t priority, rp_value item,
                          double timeout) {
    return plain(rt, RP_KIND_QUEUE, RP__OP_Q_PUT, q.id, 0, &item, &priority, &timeout);
}

int rp_queue_put(rp_runtime *rt, rp_queue q, rp_value item, double timeout) {
    return rp_queue_put_priority(rt, q, 0, item, timeout);
}

int rp_queue_get(rp_runtime *rt, rp_queue q, double timeout, rp_value *item, int64_t *priority) {
    rp__out_value(item);
    if (priority != NULL)
        *priority = 0;
    if (item == NULL)
        return rp__err(RP_EINVAL, "NULL item pointer");
    rp__call c;
    int rc = call(rt, RP_KIND_QUEUE, RP__OP_Q_GET, q.id, 0, NULL, NULL, &timeout, &c);
    if (rc < 0)
        return rc;
    /* The priority follows the item: read it before the item takes the answer. */
    rp__freader r = c.r;
    rp_value v, p;
    rp__call_next(&c, &v);
    rp__call_next(&c, &p);
    if (priority != NULL)
        *priority = p.i;
    c.r = r;
    return rp__call_value(&c, item, 0);
}

int rp_queue_size(rp_runtime *rt, rp_queue q, size_t *n) {
    int64_t v[4];
    if (n == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    int rc = ints(rt, RP_KIND_QUEUE, RP__OP_Q_SIZE, q.id, v, 4);
    if (rc == 0)
        *n = (size_t)v[0];
    return rc;
}

int rp_queue_empty(rp_runtime *rt, rp_queue q) {
    int64_t v[4];
    int rc = ints(rt, RP_KIND_QUEUE, RP__OP_Q_SIZE, q.id, v, 4);
    return rc < 0 ? rc : v[0] == 0;
}

int rp_queue_full(rp_runtime *rt, rp_queue q) {
    int64_t v[4];
    int rc = ints(rt, RP_KIND_QUEUE, RP__OP_Q_SIZE, q.id, v, 4);
    return rc < 0 ? rc : v[1] > 0 && v[0] >= v[1];
}

int rp_queue_close(rp_runtime *rt, rp_queue q) {
    return simple(rt, RP_KIND_QUEUE, RP__OP_Q_CLOSE, q.id, 0, NULL);
}

int rp_queue_task_done(rp_runtime *rt, rp_queue q) {
    return simple(rt, RP_KIND_QUEUE, RP__OP_Q_TASK_DONE, q.id, 0, NULL);
}

int rp_queue_join(rp_runtime *rt, rp_queue q, double timeout) {
    return simple(rt, RP_KIND_QUEUE, RP__OP_Q_JOIN, q.id, 0, &timeout);
}

/* ---- locks and semaphores --------------------------------------------------------- */

int rp_lock_open(rp_runtime *rt, const char *name, int flags, int recursive, rp_lock *l) {
    return rp__obj_open(rt, name, flags, RP_KIND_LOCK, recursive != 0, 0, l ? &l->id : NULL);
}

int rp_lock_destroy(rp_runtime *rt, rp_lock l) {
    return rp__obj_destroy(rt, l.id, RP_KIND_LOCK);
}

int rp_lock_acquire(rp_runtime *rt, rp_lock l, double timeout) {
    return simple(rt, RP_KIND_LOCK, RP__OP_ACQUIRE, l.id, 0, &timeout);
}

int rp_lock_release(rp_runtime *rt, rp_lock l) {
    return simple(rt, RP_KIND_LOCK, RP__OP_RELEASE, l.id, 0, NULL);
}

int rp_sem_open(rp_runtime *rt, const char *name, int flags, int64_t value, int bounded,
                rp_sem *s) {
    return rp__obj_open(rt, name, flags, RP_KIND_SEM, value, bounded != 0, s ? &s->id : NULL);
}

int rp_sem_destroy(rp_runtime *rt, rp_sem s) {
    return rp__obj_destroy(rt, s.id, RP_KIND_SEM);
}

int rp_sem_acquire(rp_runtime *rt, rp_sem s, double timeout) {
    return simple(rt, RP_KIND_SEM, RP__OP_ACQUIRE, s.id, 0, &timeout);
}

int rp_sem_release(rp_runtime *rt, rp_sem s) {
    return simple(rt, RP_KIND_SEM, RP__OP_RELEASE, s.id, 0, NULL);
}

int rp_sem_value(rp_runtime *rt, rp_sem s, int64_t *value) {
    if (value == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    return ints(rt, RP_KIND_SEM, RP__OP_SEM_VALUE, s.id, value, 1);
}

/* ---- events ----------------------------------------------------------------------- */

int rp_event_open(rp_runtime *rt, const char *name, int flags, rp_event *e) {
    return rp__obj_open(rt, name, flags, RP_KIND_EVENT, 0, 0, e ? &e->id : NULL);
}

int rp_event_destroy(rp_runtime *rt, rp_event e) {
    return rp__obj_destroy(rt, e.id, RP_KIND_EVENT);
}

int rp_event_set(rp_runtime *rt, rp_event e) {
    return simple(rt, RP_KIND_EVENT, RP__OP_EV_SET, e.id, 0, NULL);
}

int rp_event_clear(rp_runtime *rt, rp_event e) {
    return simple(rt, RP_KIND_EVENT, RP__OP_EV_CLEAR, e.id, 0, NULL);
}

int rp_event_wait(rp_runtime *rt, rp_event e, double timeout) {
    return simple(rt, RP_KIND_EVENT, RP__OP_EV_WAIT, e.id, 0, &timeout);
}

int rp_event_is_set(rp_runtime *rt, rp_event e) {
    double now = 0;
    int rc = simple(rt, RP_KIND_EVENT, RP__OP_EV_WAIT, e.id, 0, &now);
    return rc == RP_ETIMEDOUT ? 0 : rc == 0 ? 1 : rc;
}

/* ---- conditions ------------------------------------------------------------------- */

int rp_cond_open(rp_runtime *rt, const char *name, int flags, rp_cond *c) {
    return rp__obj_open(rt, name, flags, RP_KIND_COND, 0, 0, c ? &c->id : NULL);
}

int rp_cond_destroy(rp_runtime *rt, rp_cond c) {
    return rp__obj_destroy(rt, c.id, RP_KIND_COND);
}

int rp_cond_acquire(rp_runtime *rt, rp_cond c, double timeout) {
    return simple(rt, RP_KIND_COND, RP__OP_ACQUIRE, c.id, 0, &timeout);
}

int rp_cond_release(rp_runtime *rt, rp_cond c) {
    return simple(rt, RP_KIND_COND, RP__OP_RELEASE, c.id, 0, NULL);
}

int rp_cond_wait(rp_runtime *rt, rp_cond c, double timeout) {
    return simple(rt, RP_KIND_COND, RP__OP_COND_WAIT, c.id, 0, &timeout);
}

int rp_cond_wait_for(rp_runtime *rt, rp_cond c, rp_predicate pred, void *arg, double timeout) {
    if (pred == NULL)
        return rp__err(RP_EINVAL, "NULL predicate");
    if (rt == NULL)
        return rp__err(RP_EINVAL, "NULL runtime");
    /* Checked here too: a predicate true at once sends nothing. */
    int hrc = rp__handle_check(c.id, RP_KIND_COND);
    if (hrc != 0)
        return hrc;
    double deadline;
    if (rp__deadline_of(timeout, "timeout", &deadline) != 0)
        return RP_EINVAL;
    for (;;) {
        if (pred(arg))
            return 0;
        double left = deadline < 0 ? -1 : deadline - rp__now();
        /* Past the deadline, one wait of 0 still: the manager checks the
         * handle and that the lock is held, as for any wait. */
        int rc = rp_cond_wait(rt, c, deadline >= 0 && left <= 0 ? 0 : left);
        if (rc == RP_ETIMEDOUT && deadline >= 0 && rp__now() >= deadline)
            return pred(arg) ? 0 : rp__err(RP_ETIMEDOUT, "the predicate stayed false");
        if (rc != 0 && rc != RP_ETIMEDOUT)
            return rc;
    }
}

int rp_cond_notify(rp_runtime *rt, rp_cond c, int n) {
    if (n < 0)
        return rp__err(RP_EINVAL, "notify(n) needs n >= 0");
    int64_t v = n;
    return plain(rt, RP_KIND_COND, RP__OP_COND_NOTIFY, c.id, 0, NULL, &v, NULL);
}

int rp_cond_notify_all(rp_runtime *rt, rp_cond c) {
    int64_t all = -1;
    return plain(rt, RP_KIND_COND, RP__OP_COND_NOTIFY, c.id, 0, NULL, &all, NULL);
}

/* ---- barriers --------------------------------------------------------------------- */

int rp_barrier_open(rp_runtime *rt, const char *name, int flags, int parties, rp_barrier *b) {
    return rp__obj_open(rt, name, flags, RP_KIND_BARRIER, parties, 0, b ? &b->id : NULL);
}

int rp_barrier_destroy(rp_runtime *rt, rp_barrier b) {
    return rp__obj_destroy(rt, b.id, RP_KIND_BARRIER);
}

int rp_barrier_wait(rp_runtime *rt, rp_barrier b, double timeout) {
    return simple(rt, RP_KIND_BARRIER, RP__OP_BAR_WAIT, b.id, 0, &timeout);
}

int rp_barrier_abort(rp_runtime *rt, rp_barrier b) {
    return simple(rt, RP_KIND_BARRIER, RP__OP_BAR_ABORT, b.id, 0, NULL);
}

int rp_barrier_reset(rp_runtime *rt, rp_barrier b) {
    return simple(rt, RP_KIND_BARRIER, RP__OP_BAR_RESET, b.id, 0, NULL);
}

int rp_barrier_state(rp_runtime *rt, rp_barrier b, int *parties, int *waiting, int *broken) {
    int64_t v[3];
    int rc = ints(rt, RP_KIND_BARRIER, RP__OP_BAR_STATE, b.id, v, 3);
    if (rc != 0)
        return rc;
    if (parties)
        *parties = (int)v[0];
    if (waiting)
        *waiting = (int)v[1];
    if (broken)
        *broken = (int)v[2];
    return 0;
}

/* ---- pipes ------------------------------------------------------------------------ */

int rp_pipe_open(rp_runtime *rt, const char *name, int flags, int duplex, rp_conn *a, rp_conn *b) {
    if (a == NULL || b == NULL)
        return rp__err(RP_EINVAL, "NULL end pointer");
    uint64_t id;
    int rc = rp__obj_open(rt, name, flags, RP_KIND_PIPE, duplex != 0, 0, &id);
    if (rc != 0)
        return rc;
    *a = (rp_conn){.id = id, .end = 0};
    *b = (rp_conn){.id = id, .end = 1};
    return 0;
}

/* The end a connection handle names, as the request's flags: 0, 1, or 2 for
 * anything else, which the manager refuses (a flags field of 16 bits must
 * not make end 65536 into end 0). */
static int conn_end(rp_conn c) {
    return c.end > 1 ? 2 : (int)c.end;
}

int rp_pipe_destroy(rp_runtime *rt, rp_conn c) {
    return rp__obj_destroy(rt, c.id, RP_KIND_PIPE);
}

int rp_conn_send(rp_runtime *rt, rp_conn c, rp_value msg) {
    return plain(rt, RP_KIND_PIPE, RP__OP_PIPE_SEND, c.id, conn_end(c), &msg, NULL, NULL);
}

int rp_conn_recv(rp_runtime *rt, rp_conn c, double timeout, rp_value *msg) {
    rp__out_value(msg);
    if (msg == NULL)
        return rp__err(RP_EINVAL, "NULL message pointer");
    rp__call cl;
    int rc = call(rt, RP_KIND_PIPE, RP__OP_PIPE_RECV, c.id, conn_end(c), NULL, NULL, &timeout, &cl);
    return rc < 0 ? rc : rp__call_value(&cl, msg, 0);
}

int rp_conn_poll(rp_runtime *rt, rp_conn c, double timeout) {
    return simple(rt, RP_KIND_PIPE, RP__OP_PIPE_POLL, c.id, conn_end(c), &timeout);
}

int rp_conn_close(rp_runtime *rt, rp_conn c) {
    return simple(rt, RP_KIND_PIPE, RP__OP_PIPE_CLOSE, c.id, conn_end(c), NULL);
}
