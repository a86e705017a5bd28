/*
 * Worker ranks: the service loop.  Incoming chunks are queued locally (the
 * manager keeps several in flight per worker), so the next chunk is already
 * here when one finishes.  The chunks of a TASKS batch are answered with
 * one RESULTS message once the last of them ran (sooner if the answers
 * grow big).  Idle workers poll with backoff and sleep, so they cost next
 * to no CPU.
 */
#include "worker/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A received TASKS message whose parts are queued in place: freed when
 * the last of them ran (the service loop is one thread: no atomics). */
typedef struct wbatch {
    int refs;
    void *msg;
} wbatch;

/* A queued message: a chunk (msg NULL: unreadable, answered as such) or an
 * initializer that arrived while a chunk ran.  Owned, or a part of @p owner. */
typedef struct wmsg {
    void *msg;
    rp__hdr h;
    int batch; /* 1: a part of a TASKS batch; 2: its last part */
    wbatch *owner;
} wmsg;

/* Done with a queued message. */
static void wmsg_free(wmsg *m) {
    if (m->owner == NULL)
        free(m->msg);
    else if (--m->owner->refs == 0) {
        free(m->owner->msg);
        free(m->owner);
    }
}

/* Answers held for a batch are sent once they reach this size. */
#define RP__BATCH_FLUSH ((size_t)64 << 10)

/* A FIFO of messages. */
typedef struct ring {
    wmsg *v;
    size_t head, len, cap;
} ring;

typedef struct wstate {
    rp__wenv *env;
    ring chunks;        /* to run, in arrival order */
    ring inits;         /* initializers that came while a chunk ran: first, next */
    uint32_t *canceled; /* pools whose queued chunks are skipped */
    size_t ncanceled, capcanceled;
    rp__sendq sendq;
    int stop;
    rp__host *host; /* processes and executors this rank forked (host.c) */
    rp__buf out;    /* answers held for the current batch, as a RESULTS in the making */
    uint32_t nout;  /* how many */
} wstate;

static int ring_push(ring *r, void *msg, const rp__hdr *h, int batch, wbatch *owner) {
    wmsg *v = rp__ring_grow(r->v, &r->cap, &r->head, r->len, sizeof *v, 8);
    if (v == NULL)
        return RP_ENOMEM;
    r->v = v;
    r->v[(r->head + r->len) % r->cap] = (wmsg){msg, *h, batch, owner};
    r->len++;
    return 0;
}

static wmsg ring_pop(ring *r) {
    wmsg m = r->v[r->head];
    r->head = (r->head + 1) % r->cap;
    r->len--;
    return m;
}

static void ring_free(ring *r) {
    while (r->len > 0) {
        wmsg m = ring_pop(r);
        wmsg_free(&m);
    }
    free(r->v);
}

static int is_canceled(const wstate *s, uint32_t pool) {
    for (size_t i = 0; i < s->ncanceled; i++)
        if (s->canceled[i] == pool)
            return 1;
    return 0;
}

static void set_canceled(wstate *s, uint32_t pool, int on) {
    if (!on) {
        for (size_t i = 0; i < s->ncanceled; i++)
            if (s->canceled[i] == pool)
                s->canceled[i] = s->canceled[--s->ncanceled];
        return;
    }
    if (is_canceled(s, pool))
        return;
    uint32_t *v = rp__grow(s->canceled, &s->capcanceled, s->ncanceled + 1, sizeof *v, 4);
    if (v == NULL)
        return; /* the chunks then run instead of being skipped: slower, not wrong */
    s->canceled = v;
    s->canceled[s->ncanceled++] = pool;
}

/* Send the answers held for a batch: one RESULTS, or a lone RESULT. */
static int flush_answers(wstate *s) {
    if (s->nout == 0)
        return 0;
    void *m;
    size_t len;
    int kind;
    if (s->nout == 1) {
        rp__hdr h;
        len = s->out.len - RP__HDR_SIZE;
        rp__hdr_decode(s->out.p + RP__HDR_SIZE, len, &h); /* written here: well formed */
        len = RP__HDR_SIZE + (size_t)h.body_len;
        m = malloc(len);
        if (m == NULL)
            return RP_ENOMEM;
        memcpy(m, s->out.p + RP__HDR_SIZE, len);
        kind = RP__MSG_RESULT;
    } else {
        rp__batch_finish(&s->out, RP__MSG_RESULTS, s->nout);
        m = s->out.p;
        len = s->out.len;
        s->out = (rp__buf){0};
        kind = RP__MSG_RESULTS;
    }
    s->nout = 0;
    s->out.len = 0;
    rp__iov iov = {m, len};
    return rp__send_iov(s->env->comm, s->env->feeder, kind, &iov, 1, m, NULL, &s->sendq);
}

/*
 * Answer a chunk with RESULT message @p m (@p len bytes, taken): at once,
 * or held with the others of its batch (@p batch as in wmsg).  Answers
 * keep the order of the chunks either way.
 */
static int answer(wstate *s, void *m, size_t len, int batch) {
    if (batch == 0) {
        int rc = flush_answers(s);
        rp__iov iov = {m, len};
        int src =
            rp__send_iov(s->env->comm, s->env->feeder, RP__MSG_RESULT, &iov, 1, m, NULL, &s->sendq);
        return rc ? rc : src;
    }
    int rc = s->nout == 0 ? rp__batch_begin(&s->out) : 0;
    if (rc == 0)
        rc = rp__batch_add(&s->out, m, len);
    free(m);
    if (rc != 0)
        return rc;
    s->nout++;
    if (batch == 2 || s->out.len >= RP__BATCH_FLUSH || s->nout == RP__MAX_BATCH)
        return flush_answers(s);
    return 0;
}

/* Answer "could not read this chunk": a RESULT with no items.  The manager
 * fails its oldest chunk in flight to us, which is this one (answers keep
 * the order of the chunks). */
static int answer_unreadable(wstate *s, int batch) {
    uint8_t *m = malloc(RP__HDR_SIZE);
    if (m == NULL)
        return RP_ENOMEM;
    rp__hdr h = {.kind = RP__MSG_RESULT};
    rp__hdr_encode(m, &h);
    return answer(s, m, RP__HDR_SIZE, batch);
}

static int handle(wstate *s, void *msg, size_t len, int src, int tag, int running);

/* A running chunk's view of the network. */
typedef struct poll_state {
    wstate *s;
    uint32_t pool;
    double last;
} poll_state;

/* While an executor runs a chunk: serve the network at every call (the
 * executor's object calls wait for their answers), and say if the pool
 * was terminated. */
static int chunk_net(void *arg) {
    poll_state *ps = arg;
    void *msg;
    size_t len;
    int src, tag;
    while (rp__recv_any(ps->s->env->comm, 0, &msg, &len, &src, &tag) == 1)
        if (handle(ps->s, msg, len, src, tag, 1) != 0)
            break;
    return is_canceled(ps->s, ps->pool);
}

/* Between items of a chunk: has its pool been terminated?  Looks at the
 * network every few milliseconds (a coarse clock: a few ns to read, where a
 * precise one costs as much as a tiny task); what else arrives waits its
 * turn. */
static int chunk_canceled(void *arg) {
    poll_state *ps = arg;
    if (is_canceled(ps->s, ps->pool))
        return 1;
    double now = rp__now_coarse();
    if (now - ps->last < 1e-3)
        return 0;
    ps->last = now;
    rp__host_pump(ps->s->host); /* its children's calls must not wait for the chunk */
    return chunk_net(arg);
}

/* Run one queued chunk and send its results. */
static int run_chunk(wstate *s, wmsg *m) {
    rp__wenv *env = s->env;
    if (m->msg == NULL)
        return answer_unreadable(s, m->batch);
    /* Check the body before sizing the answer by the header's count: a
     * header that lies about it must not cost a huge allocation first. */
    rp__reader chk;
    if (rp__reader_init(&chk, &m->h, (uint8_t *)m->msg + RP__HDR_SIZE) != 0) {
        rp__log(RP_LOG_WARN, "rank %d: malformed TASK message", env->rank);
        return answer_unreadable(s, m->batch);
    }
    rp__rwriter w;
    int rc = rp__rwriter_init(&w, &m->h);
    if (rc != 0)
        return answer_unreadable(s, m->batch);
    poll_state ps = {s, m->h.pool, rp__now_coarse()};
    if (rp__host_isolated(s->host, m->h.pool) || (m->h.flags & RP__TASK_ISOLATE))
        rc = rp__host_run_chunk(s->host, m->msg, RP__HDR_SIZE + (size_t)m->h.body_len, &m->h,
                                chunk_net, &ps, &w);
    else
        rc = rp__exec_chunk(env->tasks, env->rank, &m->h, (uint8_t *)m->msg + RP__HDR_SIZE,
                            chunk_canceled, &ps, &w);
    if (rc != 0) {
        rp__log(RP_LOG_WARN, "rank %d: malformed TASK message (%s)", env->rank, rp_err_name(rc));
        rp__buf_free(&w.buf);
        return answer_unreadable(s, m->batch);
    }
    return answer(s, w.buf.p, w.buf.len, m->batch);
}

/* Run a pool's initializer and answer POOL_ACK. */
static int run_init(wstate *s, void *msg, const rp__hdr *h) {
    rp__wenv *env = s->env;
    char err[RP__MAX_ERRMSG + 1] = "";
    int rc = 0;
    if (h->code >= 0)
        rc = rp__exec_init(env->tasks, env->rank, h->code, (uint8_t *)msg + RP__HDR_SIZE,
                           (size_t)h->body_len, err, sizeof err);
    rp__hdr a = {.kind = RP__MSG_POOL_ACK, .pool = h->pool, .code = rc};
    return rp__send_ctrl(env->comm, 0, &a, err, strlen(err), &s->sendq);
}

/*
 * One message from the manager (msg NULL: it could not be stored).  Chunks
 * are queued; cancels apply at once.  While a chunk is @p running, an
 * initializer is kept to run right after it.  Takes msg.
 */
static int handle(wstate *s, void *msg, size_t len, int src, int tag, int running) {
    rp__wenv *env = s->env;
    rp__hdr h;
    /* Rank 0 sends everything else; a server its answers to this rank's
     * children, and this worker's feeder its chunks. */
    int from_server = src >= 1 && src <= env->servers->n &&
                      (tag == RP__MSG_OBJ_REP ||
                       (src == env->feeder && (tag == RP__MSG_TASK || tag == RP__MSG_TASKS)));
    if ((src != 0 && !from_server) || msg == NULL || rp__hdr_decode(msg, len, &h) != 0 ||
        h.kind != tag) {
        rp__log(RP_LOG_WARN, "rank %d: malformed message (tag %d) from rank %d", env->rank, tag,
                src);
        free(msg);
        /* An unreadable chunk is still answered, in its turn. */
        if (src == env->feeder && tag == RP__MSG_TASK) {
            rp__hdr none = {.kind = RP__MSG_TASK};
            return ring_push(&s->chunks, NULL, &none, 0, NULL);
        }
        return 0;
    }
    switch (h.kind) {
    case RP__MSG_TASK:
        if (ring_push(&s->chunks, msg, &h, 0, NULL) == 0)
            return 0; /* the queue owns msg now */
        free(msg);
        return RP_ENOMEM;
    case RP__MSG_TASKS: {
        /* Each part becomes a chunk of its own, run where it lies in the
         * message; an unreadable batch is answered as that many unreadable
         * chunks, so the order holds. */
        rp__batch b;
        int ok = rp__batch_init(&b, &h, (uint8_t *)msg + RP__HDR_SIZE) == 0;
        uint32_t n = ok ? b.count : h.count >= 2 && h.count <= RP__MAX_BATCH ? h.count : 1;
        wbatch *owner = ok ? malloc(sizeof *owner) : NULL;
        if (!ok)
            rp__log(RP_LOG_WARN, "rank %d: malformed TASKS message", env->rank);
        else if (owner == NULL)
            ok = 0; /* no memory: each part is answered as unreadable */
        else
            *owner = (wbatch){(int)n + 1, msg}; /* + 1: this loop's */
        int rc = 0;
        for (uint32_t k = 0; k < n; k++) {
            rp__hdr ph = {.kind = RP__MSG_TASK};
            const uint8_t *part = NULL;
            size_t plen;
            if (ok && !rp__batch_next(&b, &ph, &part, &plen))
                part = NULL;
            int r = rc == 0 ? ring_push(&s->chunks, (void *)part, &ph,
                                        n == 1       ? 0
                                        : k + 1 == n ? 2
                                                     : 1,
                                        part ? owner : NULL)
                            : rc;
            if ((r != 0 || part == NULL) && owner != NULL)
                owner->refs--; /* this part will not free it */
            rc = r;
        }
        if (owner == NULL || --owner->refs == 0) {
            free(owner);
            free(msg);
        }
        return rc;
    }
    case RP__MSG_POOL_INIT: {
        rp__host_pool(s->host, &h);
        if (running) {
            if (ring_push(&s->inits, msg, &h, 0, NULL) == 0)
                return 0;
            free(msg);
            return RP_ENOMEM;
        }
        int rc = run_init(s, msg, &h);
        free(msg);
        return rc;
    }
    case RP__MSG_POOL_CANCEL:
    case RP__MSG_POOL_FREE:
        set_canceled(s, h.pool, h.kind == RP__MSG_POOL_CANCEL);
        if (h.kind == RP__MSG_POOL_FREE)
            rp__host_pool(s->host, &h); /* its executor leaves */
        break;
    case RP__MSG_PROC_START:
        rp__host_start(s->host, &h, (uint8_t *)msg + RP__HDR_SIZE);
        break;
    case RP__MSG_PROC_SIGNAL:
        rp__host_signal(s->host, &h);
        break;
    case RP__MSG_OBJ_REP:
        /* An answer for a child of this rank (ours come inside rp__rpc). */
        if (rp__host_route(msg, len))
            return 0;
        rp__log(RP_LOG_WARN, "rank %d: stray OBJ_REP dropped", env->rank);
        break;
    case RP__MSG_SERVER_LOST:
        rp__server_lost_mark(env->servers, &h);
        break;
    case RP__MSG_SHUTDOWN:
        s->stop = 1;
        env->peers_lost = h.code != 0; /* then no collective call at finalize */
        break;
    default:
        rp__log(RP_LOG_WARN, "rank %d: unexpected %s message dropped", env->rank,
                rp__msg_name(h.kind));
        break;
    }
    free(msg);
    return 0;
}

/* Longest idle sleep while processes run here: their object calls are
 * relayed by this loop. */
#define RP__HOST_IDLE_CAP 200e-6

int rp__worker_serve(rp__wenv *env) {
    wstate s = {.env = env, .host = rp__host_new(env)};
    if (s.host == NULL)
        return rp__err(RP_ENOMEM, "no memory for the children table");
    rp__backoff b;
    rp__backoff_reset(&b);
    long slack = rp__timer_slack_tight();
    int rc = 0;
    while (!(s.stop && s.chunks.len == 0)) {
        int progress = 0;
        void *msg;
        size_t len;
        int src, tag;
        /* Take everything waiting first: chunks queue up, cancels apply to them. */
        int woke = b.slept;
        b.slept = 0;
        while ((rc = rp__recv_any(env->comm, woke, &msg, &len, &src, &tag)) == 1) {
            woke = 0;
            progress = 1;
            if ((rc = handle(&s, msg, len, src, tag, 0)) != 0)
                break;
        }
        if (rc == RP_EMPI)
            break;
        rc = 0;
        /* A new pool's chunks come only after all its acks: run it first. */
        if (s.inits.len > 0 || s.chunks.len > 0) {
            int init = s.inits.len > 0;
            wmsg m = ring_pop(init ? &s.inits : &s.chunks);
            rc = init ? run_init(&s, m.msg, &m.h) : run_chunk(&s, &m);
            wmsg_free(&m);
            if (rc == RP_EMPI)
                break;
            progress = 1;
        }
        int hp = rp__host_pump(s.host);
        if (hp < 0) {
            rc = hp;
            break;
        }
        int d = rp__sendq_progress(&s.sendq);
        if (d < 0) {
            rc = d;
            break;
        }
        if (progress || d > 0 || hp > 0)
            rp__backoff_reset(&b);
        else
            rp__backoff_idle(&b, env->opt, rp__host_busy(s.host) ? RP__HOST_IDLE_CAP : 0, NULL,
                             NULL);
    }
    if (rc == 0)
        rc = flush_answers(&s);
    rp__host_free(s.host);
    if (s.stop) {
        /* Tell rank 0 that this rank is out of its loop: rp_finalize waits
         * for every worker's answer (a bounded time) before its collective
         * calls. */
        rp__hdr bye = {.kind = RP__MSG_SHUTDOWN};
        int arc = rp__send_ctrl(env->comm, 0, &bye, NULL, 0, &s.sendq);
        if (rc == 0 && arc == RP_EMPI)
            rc = arc;
    }
    int drc = rp__sendq_drain(&s.sendq, env->opt, -1.0);
    rp__lease_bye(env->lease);
    ring_free(&s.chunks);
    ring_free(&s.inits);
    rp__buf_free(&s.out);
    free(s.canceled);
    rp__timer_slack_restore(slack);
    return rc ? rc : drc;
}
