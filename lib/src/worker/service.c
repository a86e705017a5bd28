/*
 * Worker ranks: the service loop.  Incoming chunks are queued locally (the
 * manager keeps several in flight per worker), so the next chunk is already
 * here when one finishes.  Idle workers poll with backoff and sleep,
 * so they cost next to no CPU.
 */
#include "worker/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A queued message: a chunk (msg NULL: unreadable, answered as such) or an
 * initializer that arrived while a chunk ran. */
typedef struct wmsg {
    void *msg;
    rp__hdr h;
} wmsg;

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
} wstate;

static int ring_push(ring *r, void *msg, const rp__hdr *h) {
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        wmsg *v = malloc(cap * sizeof *v);
        if (v == NULL)
            return RP_ENOMEM;
        for (size_t i = 0; i < r->len; i++)
            v[i] = r->v[(r->head + i) % r->cap];
        free(r->v);
        r->v = v;
        r->cap = cap;
        r->head = 0;
    }
    r->v[(r->head + r->len) % r->cap] = (wmsg){msg, *h};
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
    while (r->len > 0)
        free(ring_pop(r).msg);
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
    if (s->ncanceled == s->capcanceled) {
        size_t cap = s->capcanceled ? s->capcanceled * 2 : 4;
        uint32_t *v = realloc(s->canceled, cap * sizeof *v);
        if (v == NULL)
            return; /* the chunks then run instead of being skipped: slower, not wrong */
        s->canceled = v;
        s->capcanceled = cap;
    }
    s->canceled[s->ncanceled++] = pool;
}

/* Answer "could not read this chunk": a RESULT with no items.  The manager
 * fails its oldest chunk in flight to us, which is this one (answers keep
 * the order of the chunks). */
static int answer_unreadable(wstate *s) {
    uint8_t *m = malloc(RP__HDR_SIZE);
    if (m == NULL)
        return RP_ENOMEM;
    rp__hdr h = {.kind = RP__MSG_RESULT};
    rp__hdr_encode(m, &h);
    rp__iov iov = {m, RP__HDR_SIZE};
    return rp__send_iov(s->env->comm, 0, RP__MSG_RESULT, &iov, 1, m, NULL, &s->sendq);
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
 * network at most once a millisecond; what else arrives waits its turn. */
static int chunk_canceled(void *arg) {
    poll_state *ps = arg;
    if (is_canceled(ps->s, ps->pool))
        return 1;
    double now = rp__now();
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
        return answer_unreadable(s);
    /* Check the body before sizing the answer by the header's count: a
     * header that lies about it must not cost a huge allocation first. */
    rp__reader chk;
    if (rp__reader_init(&chk, &m->h, (uint8_t *)m->msg + RP__HDR_SIZE) != 0) {
        fprintf(stderr, "rankpool: rank %d: malformed TASK message\n", env->rank);
        return answer_unreadable(s);
    }
    rp__rwriter w;
    int rc = rp__rwriter_init(&w, &m->h);
    if (rc != 0)
        return answer_unreadable(s);
    poll_state ps = {s, m->h.pool, rp__now()};
    if (rp__host_isolated(s->host, m->h.pool))
        rc = rp__host_run_chunk(s->host, m->msg, RP__HDR_SIZE + (size_t)m->h.body_len, &m->h,
                                chunk_net, &ps, &w);
    else
        rc = rp__exec_chunk(env->tasks, env->rank, &m->h, (uint8_t *)m->msg + RP__HDR_SIZE,
                            chunk_canceled, &ps, &w);
    if (rc != 0) {
        fprintf(stderr, "rankpool: rank %d: malformed TASK message (%s)\n", env->rank,
                rp_err_name(rc));
        rp__buf_free(&w.buf);
        return answer_unreadable(s);
    }
    rp__iov iov = {w.buf.p, w.buf.len};
    return rp__send_iov(env->comm, 0, RP__MSG_RESULT, &iov, 1, w.buf.p, NULL, &s->sendq);
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
    if (src != 0 || msg == NULL || rp__hdr_decode(msg, len, &h) != 0 || h.kind != tag) {
        fprintf(stderr, "rankpool: rank %d: malformed message (tag %d) from rank %d\n", env->rank,
                tag, src);
        free(msg);
        /* An unreadable chunk is still answered, in its turn. */
        if (src == 0 && tag == RP__MSG_TASK) {
            rp__hdr none = {.kind = RP__MSG_TASK};
            return ring_push(&s->chunks, NULL, &none);
        }
        return 0;
    }
    switch (h.kind) {
    case RP__MSG_TASK:
        if (ring_push(&s->chunks, msg, &h) == 0)
            return 0; /* the queue owns msg now */
        free(msg);
        return RP_ENOMEM;
    case RP__MSG_POOL_INIT: {
        rp__host_pool(s->host, &h);
        if (running) {
            if (ring_push(&s->inits, msg, &h) == 0)
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
        fprintf(stderr, "rankpool: rank %d: stray OBJ_REP dropped\n", env->rank);
        break;
    case RP__MSG_SHUTDOWN:
        s->stop = 1;
        env->peers_lost = h.code != 0; /* then no collective call at finalize */
        break;
    default:
        fprintf(stderr, "rankpool: rank %d: unexpected %s message dropped\n", env->rank,
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
            free(m.msg);
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
    free(s.canceled);
    rp__timer_slack_restore(slack);
    return rc ? rc : drc;
}
