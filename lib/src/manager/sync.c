/*
 * The objects a caller can wait on, held by the manager: queues, locks,
 * semaphores, events, conditions, barriers and pipes.  A request that cannot
 * be answered at once is parked on its object's waiter list, in arrival
 * order, and answered when the object's state lets it go on (served first
 * come, first served) or when its deadline passes.  See docs/sync.md.
 */
#include "manager/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Waiter lists of each kind. */
enum { Q_GETTERS = 0, Q_PUTTERS = 1, Q_JOINERS = 2 };
enum { COND_NOTIFY = 0, COND_LOCK = 1 };

static void answer_all(rp__store *s, wlist *l, int code, const char *msg) {
    while (l->head)
        rp__answer_code(s, l->head, code, msg);
}

/* The timeout field of a request (a double: RP_FOREVER, 0 or a finite
 * number of seconds > 0; anything else is refused, as the caller's side
 * refuses it). */
static int timeout_arg(req *q, double *t) {
    rp__field f;
    int rc = rp__arg(q, &f, RP__F_DOUBLE, "timeout");
    if (rc == 0 && rp__timeout_check(f.d, "timeout") != 0)
        return rp__fail(q, RP_EINVAL, "%s", rp_last_error());
    if (rc == 0)
        *t = f.d;
    return rc;
}

/* Memory for an item a parked put brings in, without a request to fail. */
static int charge_item(rp__store *s, obj *o, const slot *v) {
    size_t more = rp__slot_bytes(v) + RP__ELEM_COST;
    if (more > s->mem_max || s->mem > s->mem_max - more)
        return RP_ENOSPC;
    s->mem += more;
    o->mem += more;
    return 0;
}

/* ---- item storage: a ring per queue or pipe end, a heap for priorities ---- */

static int items_reserve(obj *o, int e) {
    qitem *v =
        rp__ring_grow(o->items[e], &o->capitems[e], &o->headitem[e], o->nitems[e], sizeof *v, 8);
    if (v == NULL)
        return RP_ENOMEM;
    o->items[e] = v;
    return 0;
}

static int before(const qitem *a, const qitem *b) {
    return a->prio < b->prio || (a->prio == b->prio && a->seq < b->seq);
}

/* Add an item (room reserved); a priority queue keeps a heap from index 0. */
static void items_add(obj *o, int e, qitem it) {
    it.seq = o->seq++;
    qitem *v = o->items[e];
    if (o->kind == RP_KIND_QUEUE && o->sub == RP_QUEUE_PRIORITY) {
        size_t i = o->nitems[e]++;
        while (i > 0 && before(&it, &v[(i - 1) / 2])) {
            v[i] = v[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        v[i] = it;
        return;
    }
    v[(o->headitem[e] + o->nitems[e]) % o->capitems[e]] = it;
    o->nitems[e]++;
}

/* Take the next item: oldest (FIFO, pipes), newest (LIFO), or lowest priority. */
static qitem items_take(obj *o, int e) {
    qitem *v = o->items[e];
    if (o->kind == RP_KIND_QUEUE && o->sub == RP_QUEUE_LIFO)
        return v[(o->headitem[e] + --o->nitems[e]) % o->capitems[e]];
    if (o->kind == RP_KIND_QUEUE && o->sub == RP_QUEUE_PRIORITY) {
        qitem top = v[0], last = v[--o->nitems[e]];
        size_t i = 0, n = o->nitems[e];
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= n)
                break;
            if (c + 1 < n && before(&v[c + 1], &v[c]))
                c++;
            if (!before(&v[c], &last))
                break;
            v[i] = v[c];
            i = c;
        }
        if (n > 0)
            v[i] = last;
        return top;
    }
    qitem it = v[o->headitem[e]];
    o->headitem[e] = (o->headitem[e] + 1) % o->capitems[e];
    o->nitems[e]--;
    return it;
}

/* Take the next item of end e into an answer @p w (with its priority if
 * @p prio: a queue's get); its memory is released. */
static void take_item(rp__store *s, obj *o, int e, rp__fwriter *w, int prio) {
    qitem it = items_take(o, e);
    rp__release(s, o, rp__slot_bytes(&it.v) + RP__ELEM_COST);
    rp__put_slot(w, &it.v);
    if (prio)
        rp__fw_int(w, it.prio);
    rp__slot_free(&it.v);
}

/* Answer a parked getter with the next item of end e. */
static void give_item(rp__store *s, obj *o, int e, waiter *wt) {
    rp__fwriter w;
    rp__answer_begin(wt, &w);
    take_item(s, o, e, &w, wt->op == RP__OP_Q_GET);
    rp__answer(s, wt, &w, 0);
}

/* Put the value of request @p q into end e as a new item, charged to the
 * object (nothing charged or kept if it fails). */
static int put_item(req *q, int e, const rp__field *v, int64_t prio) {
    obj *o = q->o;
    int rc = rp__charge(q, o, rp__field_cost(v) + RP__ELEM_COST);
    if (rc != 0)
        return rc;
    qitem it = {.prio = prio};
    if (items_reserve(o, e) != 0 || rp__slot_set(&it.v, v) != 0) {
        rp__release(q->s, o, rp__field_cost(v) + RP__ELEM_COST);
        return rp__nomem(q);
    }
    items_add(o, e, it);
    return 0;
}

/* ---- queues -------------------------------------------------------------------- */

static int q_room(const obj *o) {
    return o->maxsize <= 0 || (int64_t)o->nitems[0] < o->maxsize;
}

/* Let parked getters, putters and joiners go on, in arrival order. */
static void q_serve(rp__store *s, obj *o) {
    int progress = 1;
    while (progress) {
        progress = 0;
        while (o->w[Q_GETTERS].head && o->nitems[0] > 0) {
            give_item(s, o, 0, o->w[Q_GETTERS].head);
            progress = 1;
        }
        while (o->w[Q_PUTTERS].head && q_room(o) && !o->closed[0]) {
            waiter *p = o->w[Q_PUTTERS].head;
            int rc = o->unfinished < INT64_MAX ? items_reserve(o, 0) : RP_ERANGE;
            if (rc == 0)
                rc = charge_item(s, o, &p->item);
            if (rc != 0) {
                rp__answer_code(s, p, rc,
                                rc == RP_ENOSPC   ? "obj_mem_max reached"
                                : rc == RP_ERANGE ? "the count of unfinished items is at its most"
                                                  : "out of memory");
                continue;
            }
            items_add(o, 0, (qitem){.v = p->item, .prio = p->prio});
            p->item.type = RP__F_NONE; /* the queue owns it now */
            o->unfinished++;
            rp__answer_code(s, p, 0, NULL);
            progress = 1;
        }
    }
    if (o->closed[0]) {
        if (o->nitems[0] == 0)
            answer_all(s, &o->w[Q_GETTERS], RP_ECLOSED, "queue closed");
        answer_all(s, &o->w[Q_PUTTERS], RP_ECLOSED, "queue closed");
    }
    if (o->unfinished == 0)
        answer_all(s, &o->w[Q_JOINERS], 0, NULL);
}

static const char *qtype_name(int t) {
    static const char *const n[] = {"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue",
                                    "JoinableQueue"};
    return t >= 0 && t <= RP_QUEUE_JOINABLE ? n[t] : "queue";
}

int rp__op_q_put(req *q) {
    rp__field v;
    int64_t prio;
    double timeout;
    int rc = rp__value_arg(q, &v, 0);
    if (rc == 0)
        rc = rp__int_arg(q, &prio, "priority");
    if (rc == 0)
        rc = timeout_arg(q, &timeout);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    char b[120];
    if (o->closed[0])
        return rp__fail(q, RP_ECLOSED, "%s is closed", rp__obj_label(o, b, sizeof b));
    if ((rc = rp__count_room(q, o->unfinished, "the count of unfinished items")) != 0)
        return rc;
    if (q_room(o) && o->w[Q_PUTTERS].head == NULL) {
        if ((rc = put_item(q, 0, &v, prio)) != 0)
            return rc;
        o->unfinished++;
        q_serve(q->s, o);
        return 0;
    }
    if (timeout == 0)
        return rp__fail(q, RP_EFULL, "%s is full (%lld items)", rp__obj_label(o, b, sizeof b),
                        (long long)o->maxsize);
    slot item;
    if (rp__slot_set(&item, &v) != 0)
        return rp__nomem(q);
    if ((rc = rp__park(q, Q_PUTTERS, timeout)) != 0) {
        rp__slot_free(&item);
        return rc;
    }
    q->parked->item = item;
    q->parked->prio = prio;
    return 0;
}

int rp__op_q_get(req *q) {
    double timeout;
    int rc = timeout_arg(q, &timeout);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    char b[120];
    if (o->nitems[0] > 0 && o->w[Q_GETTERS].head == NULL) {
        take_item(q->s, o, 0, &q->w, 1);
        q_serve(q->s, o); /* a parked put may go in now */
        return 0;
    }
    if (o->closed[0])
        return rp__fail(q, RP_ECLOSED, "%s is closed and empty", rp__obj_label(o, b, sizeof b));
    if (timeout == 0)
        return rp__fail(q, RP_EEMPTY, "%s is empty", rp__obj_label(o, b, sizeof b));
    return rp__park(q, Q_GETTERS, timeout);
}

int rp__op_q_size(req *q) {
    rp__fw_int(&q->w, (int64_t)q->o->nitems[0]);
    rp__fw_int(&q->w, q->o->maxsize);
    rp__fw_int(&q->w, q->o->unfinished);
    rp__fw_int(&q->w, q->o->closed[0]);
    return 0;
}

int rp__op_q_close(req *q) {
    q->o->closed[0] = 1;
    q_serve(q->s, q->o);
    return 0;
}

static int joinable(req *q) {
    char b[120];
    if (q->o->sub == RP_QUEUE_SIMPLE)
        return rp__fail(q, RP_ETYPE, "%s is a SimpleQueue: no task_done or join",
                        rp__obj_label(q->o, b, sizeof b));
    return 0;
}

int rp__op_q_task_done(req *q) {
    int rc = joinable(q);
    if (rc != 0)
        return rc;
    if (q->o->unfinished <= 0)
        return rp__fail(q, RP_ERELEASE, "task_done() called more times than items were put");
    q->o->unfinished--;
    q_serve(q->s, q->o);
    return 0;
}

int rp__op_q_join(req *q) {
    double timeout;
    int rc = joinable(q);
    if (rc == 0)
        rc = timeout_arg(q, &timeout);
    if (rc != 0)
        return rc;
    if (q->o->unfinished == 0)
        return 0;
    if (timeout == 0)
        return rp__fail(q, RP_ETIMEDOUT, "%lld items not yet done", (long long)q->o->unfinished);
    return rp__park(q, Q_JOINERS, timeout);
}

/* ---- locks, semaphores, conditions --------------------------------------------- */

static int is_owner(const obj *o, int rank, uint32_t token) {
    return o->owner_rank == rank && o->owner_token == token;
}

/* Hand a free lock (or a semaphore's units) to the waiters, in order. */
static void grant(rp__store *s, obj *o) {
    if (o->kind == RP_KIND_SEM) {
        while (o->count > 0 && o->w[0].head) {
            o->count--;
            rp__answer_code(s, o->w[0].head, 0, NULL);
        }
        return;
    }
    int list = o->kind == RP_KIND_COND ? COND_LOCK : 0;
    waiter *w = o->w[list].head;
    if (o->owner_rank >= 0 || w == NULL)
        return;
    o->owner_rank = w->rank;
    o->owner_token = w->token;
    /* A condition waiter gets its recursion back, and its wait's outcome. */
    o->count = w->op == RP__OP_COND_WAIT ? w->count : 1;
    rp__answer_code(s, w, w->op == RP__OP_COND_WAIT ? w->result : 0,
                    w->result ? "timed out waiting for notify" : NULL);
}

int rp__op_lock_acquire(req *q) {
    double timeout;
    int rc = timeout_arg(q, &timeout);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    char b[120];
    if (o->kind == RP_KIND_SEM) {
        if (o->count > 0 && o->w[0].head == NULL) {
            o->count--;
            return 0;
        }
        if (timeout == 0)
            return rp__fail(q, RP_ETIMEDOUT, "%s is at 0", rp__obj_label(o, b, sizeof b));
        return rp__park(q, 0, timeout);
    }
    if (o->kind != RP_KIND_LOCK && o->kind != RP_KIND_COND && o->kind != RP_KIND_ARRAY)
        return rp__fail(q, RP_ETYPE, "%s is not a lock, a semaphore or a condition",
                        rp__obj_label(o, b, sizeof b));
    /* An array's lock is an RLock, as Python's Value/Array get_lock(). */
    int recursive = o->kind == RP_KIND_COND || o->kind == RP_KIND_ARRAY || o->sub;
    if (is_owner(o, q->who->rank, q->h->pool)) {
        if (recursive) {
            if ((rc = rp__count_room(q, o->count, "the lock's recursion count")) != 0)
                return rc;
            o->count++;
            return 0;
        }
        if (timeout == 0)
            return rp__fail(q, RP_ETIMEDOUT, "%s is held", rp__obj_label(o, b, sizeof b));
        return rp__fail(q, RP_EDEADLK, "the caller already holds %s (not an RLock)",
                        rp__obj_label(o, b, sizeof b));
    }
    int list = o->kind == RP_KIND_COND ? COND_LOCK : 0;
    if (o->owner_rank < 0 && o->w[list].head == NULL) {
        o->owner_rank = q->who->rank;
        o->owner_token = q->h->pool;
        o->count = 1;
        return 0;
    }
    if (timeout == 0)
        return rp__fail(q, RP_ETIMEDOUT, "%s is held", rp__obj_label(o, b, sizeof b));
    return rp__park(q, list, timeout);
}

int rp__op_lock_release(req *q) {
    obj *o = q->o;
    char b[120];
    if (o->kind == RP_KIND_SEM) {
        if (o->sub && o->count >= o->bound)
            return rp__fail(q, RP_ERELEASE, "%s released past its initial value %lld",
                            rp__obj_label(o, b, sizeof b), (long long)o->bound);
        int rc = rp__count_room(q, o->count, "the semaphore's value");
        if (rc != 0)
            return rc;
        o->count++;
        grant(q->s, o);
        return 0;
    }
    if (o->kind != RP_KIND_LOCK && o->kind != RP_KIND_COND && o->kind != RP_KIND_ARRAY)
        return rp__fail(q, RP_ETYPE, "%s is not a lock, a semaphore or a condition",
                        rp__obj_label(o, b, sizeof b));
    if (!is_owner(o, q->who->rank, q->h->pool))
        return rp__fail(q, RP_EPERM, "%s is %s", rp__obj_label(o, b, sizeof b),
                        o->owner_rank < 0 ? "not held" : "held by another caller");
    if (--o->count == 0) {
        o->owner_rank = -1;
        grant(q->s, o);
    }
    return 0;
}

int rp__op_sem_value(req *q) {
    rp__fw_int(&q->w, q->o->count);
    return 0;
}

int rp__op_cond_wait(req *q) {
    double timeout;
    int rc = timeout_arg(q, &timeout);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    if (!is_owner(o, q->who->rank, q->h->pool))
        return rp__fail(q, RP_EPERM, "wait on a condition without holding its lock");
    if (timeout == 0)
        return rp__fail(q, RP_ETIMEDOUT, "timed out waiting for notify");
    if ((rc = rp__park(q, COND_NOTIFY, timeout)) != 0)
        return rc;
    /* Give the lock up whole while waiting; grant() hands it back later
     * with this recursion count. */
    q->parked->count = o->count;
    o->owner_rank = -1;
    o->count = 0;
    grant(q->s, o);
    return 0;
}

int rp__op_cond_notify(req *q) {
    int64_t n;
    int rc = rp__int_arg(q, &n, "n");
    if (rc != 0)
        return rc;
    obj *o = q->o;
    if (!is_owner(o, q->who->rank, q->h->pool))
        return rp__fail(q, RP_EPERM, "notify on a condition without holding its lock");
    int woken = 0;
    /* Notified waiters queue for the lock; they get it when it is released. */
    while (o->w[COND_NOTIFY].head && (n < 0 || woken < n)) {
        waiter *w = o->w[COND_NOTIFY].head;
        w->result = 0;
        rp__waiter_move(q->s, w, COND_LOCK);
        woken++;
    }
    q->w.h.code = woken;
    return 0;
}

/* ---- events --------------------------------------------------------------------- */

int rp__op_ev_set(req *q) {
    q->o->flag = 1;
    answer_all(q->s, &q->o->w[0], 0, NULL);
    return 0;
}

int rp__op_ev_clear(req *q) {
    q->o->flag = 0;
    return 0;
}

int rp__op_ev_wait(req *q) {
    double timeout;
    int rc = timeout_arg(q, &timeout);
    if (rc != 0 || q->o->flag)
        return rc;
    if (timeout == 0)
        return rp__fail(q, RP_ETIMEDOUT, "the event is not set");
    return rp__park(q, 0, timeout);
}

/* ---- barriers -------------------------------------------------------------------- */

static void bar_break(rp__store *s, obj *o) {
    o->flag = 1;
    o->count = 0;
    answer_all(s, &o->w[0], RP_EBROKEN, "the barrier was broken");
}

int rp__op_bar_wait(req *q) {
    double timeout;
    int rc = timeout_arg(q, &timeout);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    if (o->flag)
        return rp__fail(q, RP_EBROKEN, "the barrier is broken (abort or a timeout)");
    int64_t index = o->count++;
    if (o->count == o->bound) {
        /* The last arrival releases everyone; each gets its arrival index. */
        while (o->w[0].head)
            rp__answer_code(q->s, o->w[0].head, (int)o->w[0].head->count, NULL);
        o->count = 0;
        q->w.h.code = (int32_t)index;
        return 0;
    }
    if (timeout == 0) {
        bar_break(q->s, o);
        return rp__fail(q, RP_EBROKEN, "timed out at the barrier: it is broken");
    }
    if ((rc = rp__park(q, 0, timeout)) != 0) {
        o->count--;
        return rc;
    }
    q->parked->count = index;
    return 0;
}

int rp__op_bar_abort(req *q) {
    bar_break(q->s, q->o);
    return 0;
}

int rp__op_bar_reset(req *q) {
    bar_break(q->s, q->o);
    q->o->flag = 0;
    return 0;
}

int rp__op_bar_state(req *q) {
    rp__fw_int(&q->w, q->o->bound);
    rp__fw_int(&q->w, q->o->count);
    rp__fw_int(&q->w, q->o->flag);
    return 0;
}

/* ---- pipes ------------------------------------------------------------------------ */

/* The end a pipe request names (flags), and whether it may do @p what. */
static int pipe_end(req *q, int sending, int *e) {
    obj *o = q->o;
    if (q->h->flags > 1)
        return rp__fail(q, RP_EINVAL, "a pipe has ends 0 and 1, not %u", q->h->flags);
    *e = q->h->flags;
    if (!o->sub && (*e == 0) == sending)
        return rp__fail(q, RP_EPERM, "end %d of a one-way pipe only %s", *e,
                        *e == 0 ? "receives" : "sends");
    if (o->closed[*e])
        return rp__fail(q, RP_ECLOSED, "this end of the pipe is closed");
    return 0;
}

/* The fields of a receive or a poll: the receiving end, the timeout. */
static int recv_args(req *q, int *e, double *timeout) {
    int rc = pipe_end(q, 0, e);
    return rc != 0 ? rc : timeout_arg(q, timeout);
}

/* Let the receivers and pollers parked on end e go on, in order. */
static void pipe_serve(rp__store *s, obj *o, int e) {
    waiter *w;
    while ((w = o->w[e].head) != NULL) {
        int ready = o->nitems[e] > 0, eof = o->closed[1 - e];
        if (w->op == RP__OP_PIPE_POLL && (ready || eof))
            rp__answer_code(s, w, 1, NULL);
        else if (w->op == RP__OP_PIPE_RECV && ready)
            give_item(s, o, e, w);
        else if (w->op == RP__OP_PIPE_RECV && eof)
            rp__answer_code(s, w, RP_EEOF, "the other end is closed");
        else
            break;
    }
}

int rp__op_pipe_send(req *q) {
    rp__field v;
    int e, rc = pipe_end(q, 1, &e);
    if (rc == 0)
        rc = rp__value_arg(q, &v, 0);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    int peer = 1 - e;
    if (o->closed[peer])
        return rp__fail(q, RP_EEOF, "the other end is closed");
    if ((rc = put_item(q, peer, &v, 0)) != 0)
        return rc;
    pipe_serve(q->s, o, peer);
    return 0;
}

int rp__op_pipe_recv(req *q) {
    double timeout;
    int e, rc = recv_args(q, &e, &timeout);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    if (o->nitems[e] > 0 && o->w[e].head == NULL) {
        take_item(q->s, o, e, &q->w, 0);
        return 0;
    }
    if (o->closed[1 - e])
        return rp__fail(q, RP_EEOF, "the other end is closed");
    if (timeout == 0)
        return rp__fail(q, RP_ETIMEDOUT, "nothing to receive");
    return rp__park(q, e, timeout);
}

int rp__op_pipe_poll(req *q) {
    double timeout;
    int e, rc = recv_args(q, &e, &timeout);
    if (rc != 0)
        return rc;
    obj *o = q->o;
    if ((o->nitems[e] > 0 && o->w[e].head == NULL) || o->closed[1 - e]) {
        q->w.h.code = 1;
        return 0;
    }
    if (timeout == 0)
        return 0;
    return rp__park(q, e, timeout);
}

int rp__op_pipe_close(req *q) {
    obj *o = q->o;
    if (q->h->flags > 1)
        return rp__fail(q, RP_EINVAL, "a pipe has ends 0 and 1, not %u", q->h->flags);
    int e = q->h->flags;
    if (o->closed[e])
        return 0;
    o->closed[e] = 1;
    answer_all(q->s, &o->w[e], RP_ECLOSED, "this end of the pipe was closed");
    pipe_serve(q->s, o, 1 - e);
    return 0;
}

/* ---- life cycle ------------------------------------------------------------------- */

int rp__sync_init(req *q, obj *o, int64_t p1, int64_t p2) {
    o->owner_rank = -1;
    switch (o->kind) {
    case RP_KIND_QUEUE:
        if (p1 < RP_QUEUE_FIFO || p1 > RP_QUEUE_JOINABLE || p2 < 0 ||
            (p1 == RP_QUEUE_SIMPLE && p2 != 0))
            return rp__fail(q, RP_EINVAL, "bad queue type %lld or maxsize %lld", (long long)p1,
                            (long long)p2);
        o->sub = (int)p1;
        o->maxsize = p2;
        return 0;
    case RP_KIND_LOCK:
        o->sub = p1 != 0;
        return 0;
    case RP_KIND_SEM:
        if (p1 < 0)
            return rp__fail(q, RP_EINVAL, "a semaphore's value must be >= 0, not %lld",
                            (long long)p1);
        o->count = p1;
        o->sub = p2 != 0;
        o->bound = p1;
        return 0;
    case RP_KIND_BARRIER:
        if (p1 < 1 || p1 > INT32_MAX)
            return rp__fail(q, RP_EINVAL, "a barrier needs 1.. parties, not %lld", (long long)p1);
        o->bound = p1;
        return 0;
    case RP_KIND_PIPE:
        o->sub = p1 != 0;
        return 0;
    default:
        return 0;
    }
}

int rp__sync_match(req *q, const obj *o, int64_t p1, int64_t p2) {
    (void)p2;
    char b[120];
    if (o->kind == RP_KIND_QUEUE && o->sub != p1)
        return rp__fail(q, RP_ETYPE, "%s is a %s", rp__obj_label(o, b, sizeof b),
                        qtype_name(o->sub));
    if (o->kind == RP_KIND_LOCK && o->sub != (p1 != 0))
        return rp__fail(q, RP_ETYPE, "%s is %s", rp__obj_label(o, b, sizeof b),
                        o->sub ? "an RLock" : "a Lock");
    return 0;
}

void rp__sync_destroy(rp__store *s, obj *o) {
    for (int i = 0; i < 3; i++)
        answer_all(s, &o->w[i], RP_ENOENT, "the object was destroyed");
    for (int e = 0; e < 2; e++)
        while (o->nitems[e] > 0) {
            qitem it = items_take(o, e);
            rp__slot_free(&it.v);
        }
}

void rp__sync_expire(rp__store *s, waiter *w) {
    obj *o = w->o;
    switch (w->op) {
    case RP__OP_Q_GET:
        rp__answer_code(s, w, RP_EEMPTY, "timed out: the queue stayed empty");
        break;
    case RP__OP_Q_PUT:
        rp__answer_code(s, w, RP_EFULL, "timed out: the queue stayed full");
        break;
    case RP__OP_PIPE_POLL:
        rp__answer_code(s, w, 0, NULL);
        break;
    case RP__OP_COND_WAIT:
        /* Python's wait: on timeout it still takes the lock back first. */
        w->result = RP_ETIMEDOUT;
        rp__waiter_move(s, w, COND_LOCK);
        grant(s, o);
        break;
    case RP__OP_BAR_WAIT:
        bar_break(s, o);
        break;
    default:
        rp__answer_code(s, w, RP_ETIMEDOUT, "timed out");
        break;
    }
}

size_t rp__sync_len(const obj *o) {
    switch (o->kind) {
    case RP_KIND_QUEUE:
        return o->nitems[0];
    case RP_KIND_PIPE:
        return o->nitems[0] + o->nitems[1];
    case RP_KIND_EVENT:
        return (size_t)o->flag;
    case RP_KIND_LOCK:
    case RP_KIND_COND:
        return o->owner_rank >= 0;
    default:
        return (size_t)(o->count > 0 ? o->count : 0);
    }
}
