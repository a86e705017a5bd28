/*
 * A server rank (docs/scale.md).  With rp_options.servers = K, ranks 1..K
 * hold the shared objects whose handles name them and serve them as rank 0
 * serves its own: the same store, requests and answers (rp__store_serve).
 * They run no tasks; each feeds a share of the workers (rp__feeder_of):
 * rank 0's chunks for them come in one BUNDLE a pass, which the server
 * forwards, and their answers go back to rank 0 bundled, so that rank 0
 * pays one message where it paid one a worker.  Rank 0 tells them which ranks were lost or that a
 * signal stopped the job (DROP), and when to stop (SHUTDOWN); a worker
 * rank tells them when one of its children ended (PROC_EXIT), so that
 * none of its calls takes an item or a lock meant for the living.  They
 * tell rank 0 when a worker's task starts or stops waiting in one of their
 * objects (PARKED), so that rank 0 sends that worker nothing meanwhile, as
 * it does for waits in its own store.
 */
#include "manager/manager.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct srv {
    rp_runtime *rt;
    rp__store *store;
    rp__sendq sendq;
    unsigned char *gone; /* by rank: lost, its late requests dropped */
    double deadline;     /* the next remote waiter's deadline, or -1 */
    rp__buf up;          /* the answers of the workers it feeds, for rank 0 (a BUNDLE) */
    uint32_t nup;
    unsigned long long served;                         /* requests */
    unsigned long long fwd_in, fwd_out, up_in, up_out; /* bundles and messages, each way */
    double busy;                                       /* seconds in loop passes that found work */
    int stop;
    int failed; /* a send failed: the communicator is broken */
} srv;

/* Send @p m (@p len bytes, taken) to @p dest. */
static void send_msg(srv *s, int dest, int kind, void *m, size_t len) {
    rp__iov iov = {m, len};
    if (rp__send_iov(s->rt->comm, dest, kind, &iov, 1, m, NULL, &s->sendq) == RP_EMPI)
        s->failed = 1;
}

/* Tell rank 0 that a task of worker rank @p rank waits (+1) or goes on (-1).
 * A Process's wait is not its rank's tasks' (rank 0 counts the same way). */
static void note_parked(srv *s, int rank, const rp__hdr *h, int delta) {
    if (rank <= s->rt->nservers || (h->pool & RP__TOK_PROC))
        return;
    rp__hdr m = {.kind = RP__MSG_PARKED, .job = (uint64_t)rank, .code = delta};
    if (rp__send_ctrl(s->rt->comm, 0, &m, NULL, 0, &s->sendq) == RP_EMPI)
        s->failed = 1;
}

static void serve(srv *s, void *msg, size_t len, int src) {
    if (s->gone[src]) {
        free(msg); /* sent before its rank was lost: nobody waits */
        return;
    }
    rp__hdr h;
    void *rep = NULL;
    size_t rlen = 0;
    s->served++;
    int rc = rp__store_serve(s->store, msg, len, src, &h, &rep, &rlen);
    free(msg);
    if (rc == RP__PARKED)
        note_parked(s, src, &h, 1);
    else if (rc != 0)
        rp__log(RP_LOG_WARN, "server rank %d: no memory to answer rank %d", s->rt->rank, src);
    else
        send_msg(s, src, RP__MSG_OBJ_REP, rep, rlen);
}

/* Send the answers to parked requests that are ready, and expire the ones
 * whose deadline passed. */
static void flush(srv *s) {
    double now = 0;
    if (!rp__store_changed(s->store) && (s->deadline < 0 || (now = rp__now()) < s->deadline))
        return;
    s->deadline = rp__store_tick(s->store, now > 0 ? now : rp__now());
    for (rp__outmsg *m = rp__store_outbox(s->store), *nx; m; m = nx) {
        nx = m->next;
        rp__hdr h;
        if (m->rank < 0 || m->rank >= s->rt->size || s->gone[m->rank]) {
            free(m->msg);
        } else {
            if (rp__hdr_decode(m->msg, m->len, &h) == 0)
                note_parked(s, m->rank, &h, -1);
            send_msg(s, m->rank, RP__MSG_OBJ_REP, m->msg, m->len);
        }
        free(m);
    }
}

/* Send rank 0 the answers bundled so far. */
static void flush_up(srv *s) {
    if (s->nup == 0)
        return;
    rp__batch_finish(&s->up, RP__MSG_BUNDLE, s->nup);
    s->up_out++;
    void *m = s->up.p;
    size_t len = s->up.len;
    s->up = (rp__buf){0};
    s->nup = 0;
    send_msg(s, 0, RP__MSG_BUNDLE, m, len);
}

/* Rank 0's chunks for the workers this server feeds: each to its worker,
 * in order.  A send to a worker that fails is that worker's loss, which
 * rank 0 learns from its lease. */
static void forward(srv *s, void *msg, size_t len) {
    rp__hdr h, ph;
    rp__batch b;
    if (rp__hdr_decode(msg, len, &h) != 0 ||
        rp__bundle_init(&b, &h, (uint8_t *)msg + RP__HDR_SIZE) != 0) {
        rp__log(RP_LOG_WARN, "server rank %d: malformed BUNDLE dropped", s->rt->rank);
        return;
    }
    int rank;
    const uint8_t *part;
    size_t plen;
    s->fwd_in++;
    while (rp__bundle_next(&b, &rank, &ph, &part, &plen)) {
        s->fwd_out++;
        if (rank <= s->rt->nservers || rank >= s->rt->size || s->gone[rank] ||
            rp__feeder_of(rank, s->rt->feeds) != s->rt->rank)
            continue;
        void *m = malloc(plen);
        if (m == NULL) {
            rp__log(RP_LOG_WARN, "server rank %d: no memory to forward to rank %d", s->rt->rank,
                    rank);
            continue;
        }
        memcpy(m, part, plen);
        rp__iov iov = {m, plen};
        if (rp__send_iov(s->rt->comm, rank, ph.kind, &iov, 1, m, NULL, &s->sendq) != 0)
            rp__log(RP_LOG_WARN, "server rank %d: could not forward to rank %d", s->rt->rank, rank);
    }
}

/* A worker's answer to its chunks: into the bundle for rank 0. */
static void answer_up(srv *s, void *msg, size_t len, int src) {
    int rc = s->nup == 0 ? rp__batch_begin(&s->up) : 0;
    if (rc == 0)
        rc = rp__bundle_add(&s->up, src, msg, len);
    if (rc != 0) {
        /* The answer is lost: rank 0's books for that worker would never
         * catch up.  Say so loudly; this is out of memory. */
        rp__log(RP_LOG_ERROR, "server rank %d: no memory to pass on rank %d's answer", s->rt->rank,
                src);
        return;
    }
    s->up_in++;
    if (++s->nup == RP__MAX_BATCH || s->up.len >= ((size_t)1 << 20))
        flush_up(s);
}

/* A message from rank 0, or a worker's PROC_EXIT. */
static void control(srv *s, void *msg, size_t len, int src, int tag) {
    rp__hdr h;
    if (msg == NULL || rp__hdr_decode(msg, len, &h) != 0 || h.kind != tag) {
        rp__log(RP_LOG_WARN, "server rank %d: malformed message (tag %d) from rank %d dropped",
                s->rt->rank, tag, src);
    } else if (tag == RP__MSG_PROC_EXIT && src > s->rt->nservers) {
        rp__store_drop_child(s->store, msg, len, src);
    } else if (tag == RP__MSG_DROP && src == 0) {
        int64_t rank = (int64_t)h.job;
        if (h.code == RP_ELOST && rank > 0 && rank < s->rt->size) {
            s->gone[rank] = 1;
            rp__store_drop(s->store, (int)rank, 0, 0, RP_ELOST, "the caller's rank was lost");
        } else if (h.code == RP_EINTR) {
            rp__store_drop(s->store, -1, 0, 0, RP_EINTR, "the job was interrupted by a signal");
        }
    } else if (tag == RP__MSG_SHUTDOWN && src == 0) {
        s->stop = 1;
        s->rt->peers_lost |= h.code != 0;
    } else if (tag != RP__MSG_SERVER_LOST) { /* (another server's loss: nothing to do here) */
        rp__log(RP_LOG_WARN, "server rank %d: unexpected %s from rank %d dropped", s->rt->rank,
                rp__msg_name(tag), src);
    }
    free(msg);
}

int rp__server_serve(rp_runtime *rt) {
    srv s = {.rt = rt, .deadline = -1};
    s.store = rp__store_new(&rt->opt, rt->rank);
    s.gone = calloc((size_t)rt->size, 1);
    if (s.store == NULL || s.gone == NULL) {
        rp__store_free(s.store);
        free(s.gone);
        return rp__err(RP_ENOMEM, "server rank %d: no memory for its store", rt->rank);
    }
    rp__backoff b;
    rp__backoff_reset(&b);
    long slack = rp__timer_slack_tight();
    int rc = 0;
    while (!s.stop && !s.failed) {
        double t0 = rp__now();
        int progress = 0, woke = b.slept;
        void *msg;
        size_t len;
        int src, tag;
        b.slept = 0;
        while ((rc = rp__recv_any(rt->comm, woke && !progress, &msg, &len, &src, &tag)) == 1) {
            progress++;
            if (tag == RP__MSG_OBJ_REQ && src >= 0 && src < rt->size) {
                serve(&s, msg, len, src);
            } else if (tag == RP__MSG_BUNDLE && src == 0 && msg != NULL) {
                forward(&s, msg, len);
                free(msg);
            } else if ((tag == RP__MSG_RESULT || tag == RP__MSG_RESULTS) && msg != NULL &&
                       rp__feeder_of(src, rt->feeds) == rt->rank) {
                answer_up(&s, msg, len, src);
                free(msg);
            } else {
                control(&s, msg, len, src, tag);
            }
        }
        if (rc != 0)
            break;
        flush_up(&s);
        flush(&s);
        int d = rp__sendq_progress(&s.sendq);
        if (d < 0) {
            rc = d;
            break;
        }
        if (progress || d > 0) {
            s.busy += rp__now() - t0;
            rp__backoff_reset(&b);
            continue;
        }
        double cap = 0;
        if (s.deadline >= 0 && (cap = s.deadline - rp__now()) < 20e-6)
            cap = 20e-6; /* a parked request's timeout is due */
        rp__backoff_idle(&b, &rt->opt, cap, NULL, NULL);
    }
    if (s.failed && rc == 0)
        rc = rp__err(RP_EMPI, "server rank %d: a send failed", rt->rank);
    if (s.stop) {
        /* rp_finalize on rank 0 waits for every rank's answer. */
        rp__hdr bye = {.kind = RP__MSG_SHUTDOWN};
        int arc = rp__send_ctrl(rt->comm, 0, &bye, NULL, 0, &s.sendq);
        if (rc == 0 && arc == RP_EMPI)
            rc = arc;
    }
    flush_up(&s);
    int drc = rp__sendq_drain(&s.sendq, &rt->opt, -1.0);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                     ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e-6;
        rp__log(RP_LOG_INFO,
                "server rank %d: %llu requests served, busy %.3f s (%.3f us a request), "
                "%.3f CPU-s in all; %llu chunk messages forwarded from %llu bundles, %llu "
                "answers sent back in %llu",
                rt->rank, s.served, s.busy, s.served ? s.busy / (double)s.served * 1e6 : 0.0, cpu,
                s.fwd_out, s.fwd_in, s.up_in, s.up_out);
    }
    rp__lease_bye(&rt->lease);
    rp__store_free(s.store);
    rp__buf_free(&s.up);
    free(s.gone);
    rp__timer_slack_restore(slack);
    return rc ? rc : drc;
}
