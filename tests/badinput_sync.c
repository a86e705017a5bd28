/* Bad-input rows (tests/badinput.h): queues, locks, semaphores, events,
 * conditions, barriers, pipes. */
#include "badinput.h"

#include <string.h>

/* ---- queues -------------------------------------------------------------------- */

/* The full FIFO queue, or (.i = 1) the SimpleQueue. */
#define QUEUE ((rp_queue){r->i == 1 ? b->f.q_simple.id : BI_ID(q)})

static int d_queue_open(bi *b, const bi_row *r) {
    rp_queue q;
    const char *name = r->s == S_OTHERKIND ? BI_NAME_DICT : BI_STR(BI_NAME_QUEUE);
    return rp_queue_open(BI_RT, name, r->i ? RP_CREATE : 0, (rp_queue_type)r->n,
                         r->t > 0 ? SIZE_MAX : 1, BI_OUT(&q));
}
static int d_queue_destroy(bi *b, const bi_row *r) {
    return rp_queue_destroy(BI_RT, QUEUE);
}
static int d_queue_put(bi *b, const bi_row *r) {
    return rp_queue_put(BI_RT, QUEUE, BI_VAL, r->t);
}
static int d_queue_put_priority(bi *b, const bi_row *r) {
    return rp_queue_put_priority(BI_RT, QUEUE, -5, BI_VAL, r->t);
}
static int d_queue_get(bi *b, const bi_row *r) {
    return rp_queue_get(BI_RT, QUEUE, r->t, BI_VOUT, &b->i64);
}
static int d_queue_size(bi *b, const bi_row *r) {
    return rp_queue_size(BI_RT, QUEUE, BI_OUT(&b->sz));
}
static int d_queue_empty(bi *b, const bi_row *r) {
    return rp_queue_empty(BI_RT, QUEUE);
}
static int d_queue_full(bi *b, const bi_row *r) {
    return rp_queue_full(BI_RT, QUEUE);
}
static int d_queue_close(bi *b, const bi_row *r) {
    return rp_queue_close(BI_RT, QUEUE);
}
static int d_queue_task_done(bi *b, const bi_row *r) {
    return rp_queue_task_done(BI_RT, QUEUE);
}
static int d_queue_join(bi *b, const bi_row *r) {
    return rp_queue_join(BI_RT, QUEUE, r->t);
}

/* ---- locks, semaphores ----------------------------------------------------------- */

#define LOCK ((rp_lock){BI_ID(k)})
#define SEM ((rp_sem){BI_ID(s)})

static int d_lock_open(bi *b, const bi_row *r) {
    rp_lock l;
    int rc = rp_lock_open(BI_RT, BI_STR(NULL), (int)r->i, 0, BI_OUT(&l));
    return rc;
}
static int d_lock_destroy(bi *b, const bi_row *r) {
    return rp_lock_destroy(BI_RT, LOCK);
}
static int d_lock_acquire(bi *b, const bi_row *r) {
    return rp_lock_acquire(BI_RT, LOCK, r->t);
}
static int d_lock_release(bi *b, const bi_row *r) {
    return rp_lock_release(BI_RT, LOCK);
}
static int d_sem_open(bi *b, const bi_row *r) {
    rp_sem s;
    int rc = rp_sem_open(BI_RT, BI_STR(NULL), RP_CREATE, r->i, 0, BI_OUT(&s));
    return rc;
}
static int d_sem_destroy(bi *b, const bi_row *r) {
    return rp_sem_destroy(BI_RT, SEM);
}
static int d_sem_acquire(bi *b, const bi_row *r) {
    return rp_sem_acquire(BI_RT, SEM, r->t);
}
static int d_sem_release(bi *b, const bi_row *r) {
    return rp_sem_release(BI_RT, SEM);
}
static int d_sem_value(bi *b, const bi_row *r) {
    return rp_sem_value(BI_RT, SEM, BI_OUT(&b->i64));
}

/* ---- events, conditions -------------------------------------------------------------- */

#define EVENT ((rp_event){BI_ID(e)})
#define COND ((rp_cond){BI_ID(c)})

static int d_event_open(bi *b, const bi_row *r) {
    rp_event e;
    int rc = rp_event_open(BI_RT, BI_STR(NULL), (int)r->i, BI_OUT(&e));
    return rc;
}
static int d_event_destroy(bi *b, const bi_row *r) {
    return rp_event_destroy(BI_RT, EVENT);
}
static int d_event_set(bi *b, const bi_row *r) {
    return rp_event_set(BI_RT, EVENT);
}
static int d_event_clear(bi *b, const bi_row *r) {
    return rp_event_clear(BI_RT, EVENT);
}
static int d_event_is_set(bi *b, const bi_row *r) {
    return rp_event_is_set(BI_RT, EVENT);
}
static int d_event_wait(bi *b, const bi_row *r) {
    return rp_event_wait(BI_RT, EVENT, r->t);
}
static int d_cond_open(bi *b, const bi_row *r) {
    rp_cond c;
    int rc = rp_cond_open(BI_RT, BI_STR(NULL), (int)r->i, BI_OUT(&c));
    return rc;
}
static int d_cond_destroy(bi *b, const bi_row *r) {
    return rp_cond_destroy(BI_RT, COND);
}
static int d_cond_acquire(bi *b, const bi_row *r) {
    return rp_cond_acquire(BI_RT, COND, r->t);
}
static int d_cond_release(bi *b, const bi_row *r) {
    return rp_cond_release(BI_RT, COND);
}
static int d_cond_wait(bi *b, const bi_row *r) {
    return rp_cond_wait(BI_RT, COND, r->t);
}
static int never(void *arg) {
    (void)arg;
    return 0;
}
static int d_cond_wait_for(bi *b, const bi_row *r) {
    return rp_cond_wait_for(BI_RT, COND, r->null ? NULL : never, NULL, r->t);
}
static int d_cond_notify(bi *b, const bi_row *r) {
    return rp_cond_notify(BI_RT, COND, (int)r->i);
}
static int d_cond_notify_all(bi *b, const bi_row *r) {
    return rp_cond_notify_all(BI_RT, COND);
}

/* ---- barriers, pipes --------------------------------------------------------------- */

#define BARRIER ((rp_barrier){BI_ID(b)})
/* The duplex pipe's end 0 (or .i: another end number), or (.n = 1) the
 * receive-only end of the one-way pipe. */
#define CONN                                                                                       \
    (r->n == 1 ? b->f.p_recv                                                                       \
               : (rp_conn){bi_id(b, r, b->f.p0.id, b->f.p_gone.id), (uint32_t)r->i, 0})

static int d_barrier_open(bi *b, const bi_row *r) {
    rp_barrier x;
    int rc = rp_barrier_open(BI_RT, BI_STR(NULL), RP_CREATE, (int)r->i, BI_OUT(&x));
    return rc;
}
static int d_barrier_destroy(bi *b, const bi_row *r) {
    return rp_barrier_destroy(BI_RT, BARRIER);
}
static int d_barrier_wait(bi *b, const bi_row *r) {
    return rp_barrier_wait(BI_RT, BARRIER, r->t);
}
static int d_barrier_abort(bi *b, const bi_row *r) {
    return rp_barrier_abort(BI_RT, BARRIER);
}
static int d_barrier_reset(bi *b, const bi_row *r) {
    return rp_barrier_reset(BI_RT, BARRIER);
}
static int d_barrier_state(bi *b, const bi_row *r) {
    return rp_barrier_state(BI_RT, BARRIER, NULL, NULL, NULL);
}
static int d_pipe_open(bi *b, const bi_row *r) {
    rp_conn x, y;
    int rc = rp_pipe_open(BI_RT, BI_STR(NULL), (int)r->i, 1, BI_OUT(&x), &y);
    return rc;
}
static int d_pipe_destroy(bi *b, const bi_row *r) {
    return rp_pipe_destroy(BI_RT, CONN);
}
static int d_conn_send(bi *b, const bi_row *r) {
    return rp_conn_send(BI_RT, CONN, BI_VAL);
}
static int d_conn_recv(bi *b, const bi_row *r) {
    return rp_conn_recv(BI_RT, CONN, r->t, BI_VOUT);
}
static int d_conn_poll(bi *b, const bi_row *r) {
    return rp_conn_poll(BI_RT, CONN, r->t);
}
static int d_conn_close(bi *b, const bi_row *r) {
    return rp_conn_close(BI_RT, CONN);
}

/* Opening with a bad name or flags: as every open of objects.h. */
#define NAME_ROWS(f, drv)                                                                          \
    {#f, drv, "NULL runtime", RP_EINVAL, .rt = 1, .s = S_MISSING, .i = RP_CREATE},                 \
        {#f, drv, "NULL handle pointer", RP_EINVAL, .null = 1, .s = S_MISSING, .i = RP_CREATE},    \
        {#f, drv, "unknown flag 8", RP_EINVAL, .i = 8, .s = S_MISSING},                            \
        {#f, drv, "empty name", RP_EINVAL, .s = S_EMPTY, .i = RP_CREATE},                          \
        {#f, drv, "a name that holds a queue", RP_ETYPE, .s = S_OTHERKIND, .i = RP_CREATE}, {      \
#f, drv, "no such name, no RP_CREATE", RP_ENOENT, .s = S_MISSING                           \
    }

const bi_row bi_rows_sync[] = {
    {"rp_queue_open", d_queue_open, "NULL runtime", .want = RP_EINVAL, .rt = 1, .s = S_MISSING,
     .i = 1},
    {"rp_queue_open", d_queue_open, "NULL handle pointer", .want = RP_EINVAL, .null = 1, .i = 1},
    {"rp_queue_open", d_queue_open, "queue type 9", .want = RP_EINVAL, .n = 9, .s = S_MISSING,
     .i = 1},
    {"rp_queue_open", d_queue_open, "a SimpleQueue with a maxsize", .want = RP_EINVAL,
     .n = RP_QUEUE_SIMPLE, .s = S_MISSING, .i = 1},
    {"rp_queue_open", d_queue_open, "maxsize SIZE_MAX", .want = RP_EINVAL, .t = 1, .s = S_MISSING,
     .i = 1},
    {"rp_queue_open", d_queue_open, "a FIFO queue opened as a LIFO one", .want = RP_ETYPE,
     .n = RP_QUEUE_LIFO},
    {"rp_queue_open", d_queue_open, "a name that holds a dict", .want = RP_ETYPE, .s = S_OTHERKIND},
    {"rp_queue_open", d_queue_open, "empty name", .want = RP_EINVAL, .s = S_EMPTY, .i = 1},
    BI_HANDLE_ROWS(rp_queue_destroy, d_queue_destroy),
    BI_HANDLE_ROWS(rp_queue_put, d_queue_put),
    BI_TIMEOUT_ROWS(rp_queue_put, d_queue_put),
    {"rp_queue_put", d_queue_put, "no item", .want = RP_EINVAL, .v = V_NONE},
    {"rp_queue_put", d_queue_put, "item of type 9", .want = RP_EINVAL, .v = V_BADTYPE},
    {"rp_queue_put", d_queue_put, "bytes with NULL data", .want = RP_EINVAL, .v = V_NULLBYTES},
    {"rp_queue_put", d_queue_put, "item over obj_value_max", .want = RP_ETOOBIG, .v = V_TOOBIG},
    {"rp_queue_put", d_queue_put, "a full queue, timeout 0", .want = RP_EFULL},
    BI_HANDLE_ROWS(rp_queue_put_priority, d_queue_put_priority),
    BI_TIMEOUT_ROWS(rp_queue_put_priority, d_queue_put_priority),
    {"rp_queue_put_priority", d_queue_put_priority, "no item", .want = RP_EINVAL, .v = V_NONE},
    BI_HANDLE_ROWS(rp_queue_get, d_queue_get),
    BI_TIMEOUT_ROWS(rp_queue_get, d_queue_get),
    {"rp_queue_get", d_queue_get, "NULL item", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_queue_size, d_queue_size),
    {"rp_queue_size", d_queue_size, "NULL output", .want = RP_EINVAL, .null = 1},
    BI_HANDLE_ROWS(rp_queue_empty, d_queue_empty),
    BI_HANDLE_ROWS(rp_queue_full, d_queue_full),
    BI_HANDLE_ROWS(rp_queue_close, d_queue_close),
    BI_HANDLE_ROWS(rp_queue_task_done, d_queue_task_done),
    {"rp_queue_task_done", d_queue_task_done, "a SimpleQueue", .want = RP_ETYPE, .i = 1},
    BI_HANDLE_ROWS(rp_queue_join, d_queue_join),
    BI_TIMEOUT_ROWS(rp_queue_join, d_queue_join),
    {"rp_queue_join", d_queue_join, "a SimpleQueue", .want = RP_ETYPE, .i = 1},

    NAME_ROWS(rp_lock_open, d_lock_open),
    BI_HANDLE_ROWS(rp_lock_destroy, d_lock_destroy),
    BI_HANDLE_ROWS(rp_lock_acquire, d_lock_acquire),
    BI_TIMEOUT_ROWS(rp_lock_acquire, d_lock_acquire),
    BI_HANDLE_ROWS(rp_lock_release, d_lock_release),
    {"rp_lock_release", d_lock_release, "a lock the caller does not hold", .want = RP_EPERM},
    {"rp_sem_open", d_sem_open, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_sem_open", d_sem_open, "NULL handle pointer", .want = RP_EINVAL, .null = 1},
    {"rp_sem_open", d_sem_open, "value -1", .want = RP_EINVAL, .i = -1},
    {"rp_sem_open", d_sem_open, "value INT64_MIN", .want = RP_EINVAL, .i = INT64_MIN},
    {"rp_sem_open", d_sem_open, "a name that holds a queue", .want = RP_ETYPE, .s = S_OTHERKIND},
    BI_HANDLE_ROWS(rp_sem_destroy, d_sem_destroy),
    BI_HANDLE_ROWS(rp_sem_acquire, d_sem_acquire),
    BI_TIMEOUT_ROWS(rp_sem_acquire, d_sem_acquire),
    BI_HANDLE_ROWS(rp_sem_release, d_sem_release),
    BI_HANDLE_ROWS(rp_sem_value, d_sem_value),
    {"rp_sem_value", d_sem_value, "NULL output", .want = RP_EINVAL, .null = 1},

    NAME_ROWS(rp_event_open, d_event_open),
    BI_HANDLE_ROWS(rp_event_destroy, d_event_destroy),
    BI_HANDLE_ROWS(rp_event_set, d_event_set),
    BI_HANDLE_ROWS(rp_event_clear, d_event_clear),
    BI_HANDLE_ROWS(rp_event_is_set, d_event_is_set),
    BI_HANDLE_ROWS(rp_event_wait, d_event_wait),
    BI_TIMEOUT_ROWS(rp_event_wait, d_event_wait),
    NAME_ROWS(rp_cond_open, d_cond_open),
    BI_HANDLE_ROWS(rp_cond_destroy, d_cond_destroy),
    BI_HANDLE_ROWS(rp_cond_acquire, d_cond_acquire),
    BI_TIMEOUT_ROWS(rp_cond_acquire, d_cond_acquire),
    BI_HANDLE_ROWS(rp_cond_release, d_cond_release),
    {"rp_cond_release", d_cond_release, "its lock not held", .want = RP_EPERM},
    BI_HANDLE_ROWS(rp_cond_wait, d_cond_wait),
    BI_TIMEOUT_ROWS(rp_cond_wait, d_cond_wait),
    {"rp_cond_wait", d_cond_wait, "its lock not held", .want = RP_EPERM, .t = 1},
    BI_HANDLE_ROWS(rp_cond_wait_for, d_cond_wait_for),
    BI_TIMEOUT_ROWS(rp_cond_wait_for, d_cond_wait_for),
    {"rp_cond_wait_for", d_cond_wait_for, "NULL predicate", .want = RP_EINVAL, .null = 1},
    {"rp_cond_wait_for", d_cond_wait_for, "its lock not held", .want = RP_EPERM, .t = 1},
    BI_HANDLE_ROWS(rp_cond_notify, d_cond_notify),
    {"rp_cond_notify", d_cond_notify, "n = -1", .want = RP_EINVAL, .i = -1},
    {"rp_cond_notify", d_cond_notify, "its lock not held", .want = RP_EPERM, .i = 1},
    BI_HANDLE_ROWS(rp_cond_notify_all, d_cond_notify_all),
    {"rp_cond_notify_all", d_cond_notify_all, "its lock not held", .want = RP_EPERM},

    {"rp_barrier_open", d_barrier_open, "NULL runtime", .want = RP_EINVAL, .rt = 1, .i = 2},
    {"rp_barrier_open", d_barrier_open, "NULL handle pointer", .want = RP_EINVAL, .null = 1,
     .i = 2},
    {"rp_barrier_open", d_barrier_open, "0 parties", .want = RP_EINVAL},
    {"rp_barrier_open", d_barrier_open, "-3 parties", .want = RP_EINVAL, .i = -3},
    {"rp_barrier_open", d_barrier_open, "a name that holds a queue", .want = RP_ETYPE, .i = 2,
     .s = S_OTHERKIND},
    BI_HANDLE_ROWS(rp_barrier_destroy, d_barrier_destroy),
    BI_HANDLE_ROWS(rp_barrier_wait, d_barrier_wait),
    BI_TIMEOUT_ROWS(rp_barrier_wait, d_barrier_wait),
    BI_HANDLE_ROWS(rp_barrier_abort, d_barrier_abort),
    BI_HANDLE_ROWS(rp_barrier_reset, d_barrier_reset),
    BI_HANDLE_ROWS(rp_barrier_state, d_barrier_state),

    {"rp_pipe_open", d_pipe_open, "NULL runtime", .want = RP_EINVAL, .rt = 1, .i = RP_CREATE},
    {"rp_pipe_open", d_pipe_open, "NULL end pointer", .want = RP_EINVAL, .null = 1},
    {"rp_pipe_open", d_pipe_open, "unknown flag 8", .want = RP_EINVAL, .i = 8},
    {"rp_pipe_open", d_pipe_open, "a name that holds a queue", .want = RP_ETYPE, .i = RP_CREATE,
     .s = S_OTHERKIND},
    BI_HANDLE_ROWS(rp_pipe_destroy, d_pipe_destroy),
    BI_HANDLE_ROWS(rp_conn_send, d_conn_send),
    {"rp_conn_send", d_conn_send, "end 7", .want = RP_EINVAL, .i = 7},
    {"rp_conn_send", d_conn_send, "end 65536", .want = RP_EINVAL, .i = 65536},
    {"rp_conn_send", d_conn_send, "no message", .want = RP_EINVAL, .v = V_NONE},
    {"rp_conn_send", d_conn_send, "message over obj_value_max", .want = RP_ETOOBIG, .v = V_TOOBIG},
    {"rp_conn_send", d_conn_send, "a receive-only end", .want = RP_EPERM, .n = 1},
    BI_HANDLE_ROWS(rp_conn_recv, d_conn_recv),
    BI_TIMEOUT_ROWS(rp_conn_recv, d_conn_recv),
    {"rp_conn_recv", d_conn_recv, "NULL message", .want = RP_EINVAL, .null = 1},
    {"rp_conn_recv", d_conn_recv, "end 2", .want = RP_EINVAL, .i = 2},
    BI_HANDLE_ROWS(rp_conn_poll, d_conn_poll),
    BI_TIMEOUT_ROWS(rp_conn_poll, d_conn_poll),
    {"rp_conn_poll", d_conn_poll, "end 3", .want = RP_EINVAL, .i = 3},
    BI_HANDLE_ROWS(rp_conn_close, d_conn_close),
    {"rp_conn_close", d_conn_close, "end 9", .want = RP_EINVAL, .i = 9},
    {.fn = NULL},
};
