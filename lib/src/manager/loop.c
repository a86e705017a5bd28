/*
 * The rank-0 engine's progress: the network pass (send control messages,
 * receive and file results, serve object requests), dispatch, and the
 * calls' completion and callbacks.  Whoever holds the progress token
 * (rt->prog) runs it, and only that thread calls MPI on rank 0: a caller
 * that waits for a result (rp__wait_step drives it itself while answers
 * come), or else the manager thread, which also owns what is its alone:
 * callbacks, lost workers, signals and the stop.  With one rank the manager
 * runs the chunks itself.  Everything runs under rt->lock except MPI polls
 * and user code (tasks, callbacks); the manager sleeps on rt->wake when
 * idle, or while a caller drives.
 */
#include "manager/manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* While chunks are in flight the manager must notice results soon: it sleeps
 * at most a quarter of the shortest expected chunk, or this when unknown.
 * Without it, a sleeping worker makes the manager sleep longer, which makes
 * the worker sleep longer, until both sit at idle_sleep_max. */
#define RP__BUSY_SLEEP_UNKNOWN 100e-6
#define RP__BUSY_SLEEP_MIN 20e-6

/* A signal asked for a stop (lock held): stop every pool, wake every waiter. */
static void interrupt(rp_runtime *rt, int sig) {
    char why[64];
    snprintf(why, sizeof why, "interrupted by signal %d", sig);
    __atomic_store_n(&rt->interrupted, sig, __ATOMIC_RELEASE);
    rp__log(RP_LOG_WARN, "signal %d: stopping the pools (a second one ends the program)", sig);
    for (rp_pool *p = rt->pools; p; p = p->next)
        rp__pool_stop(p, RP_EINTR, why);
    rp__forward_drop(rt, -1, RP_EINTR);
    pthread_cond_broadcast(&rt->done);
}

/* An answer from server rank @p src to one of rank 0's calls (lock held).
 * Takes @p msg. */
static void rcall_answer(rp_runtime *rt, const rp__hdr *h, void *msg, size_t len, int src) {
    for (rp__rcall *c = rt->rcalls; h != NULL && c; c = c->next)
        if (c->seq == h->start && c->dest == src && !c->done) {
            c->rep = msg;
            c->rep_len = len;
            c->done = 1;
            pthread_cond_broadcast(&rt->done);
            return;
        }
    rp__log(RP_LOG_WARN, "stray OBJ_REP from server rank %d dropped", src);
    free(msg);
}

/* Send rank 0's object calls to the servers (lock held). */
static int send_rcalls(rp_runtime *rt) {
    int n = 0;
    for (rp__rcall *c = rt->rcalls; c; c = c->next) {
        if (c->req == NULL || c->done)
            continue;
        rp__iov iov = {c->req, c->len};
        void *req = c->req;
        c->req = NULL; /* the send owns it, or it is freed here */
        int rc = RP_EMPI;
        if (rt->fatal)
            free(req);
        else
            rc = rp__send_iov(rt->comm, c->dest, RP__MSG_OBJ_REQ, &iov, 1, req, NULL, &rt->sendq);
        if (rc == RP_EMPI) {
            c->rc = RP_EMPI;
            c->done = 1;
            rp__set_fatal(rt, RP_EMPI);
        }
        n++;
    }
    return n;
}

int rp__remote_call(rp_runtime *rt, int dest, void *req, size_t len, void **rep, size_t *rep_len) {
    rp__rcall c = {.dest = dest, .req = req, .len = len};
    rp__hdr h;
    *rep = NULL;
    pthread_mutex_lock(&rt->lock);
    if (rp__server_gone(&rt->servers, dest) || rt->fatal) {
        int rc = rt->fatal ? rp__err(RP_EMPI, "the communicator failed") : RP_ELOST;
        pthread_mutex_unlock(&rt->lock);
        free(req);
        return rc;
    }
    c.seq = ++rt->rcall_seq;
    rp__hdr_decode(req, len, &h); /* written by the caller: well formed */
    h.start = c.seq;
    rp__hdr_encode(req, &h);
    c.next = rt->rcalls;
    rt->rcalls = &c;
    if (rp__on_manager(rt)) {
        /* A callback: the server answers at once (RP__REQ_NOWAIT); drive the
         * engine until it is here, or leave it to the thread that drives. */
        rp__backoff b;
        rp__backoff_reset(&b);
        while (!c.done && !rt->fatal) {
            if (rp__drive(rt) > 0) {
                rp__backoff_reset(&b);
                continue;
            }
            pthread_mutex_unlock(&rt->lock);
            rp__backoff_idle(&b, &rt->opt, 0, NULL, NULL);
            pthread_mutex_lock(&rt->lock);
        }
    } else {
        rp__wait w = RP__WAIT_INIT;
        rp__wake_manager(rt);
        while (!c.done && !rt->fatal)
            rp__wait_step(rt, -1, &w);
        rp__wait_end(rt, &w);
    }
    for (rp__rcall **pp = &rt->rcalls; *pp; pp = &(*pp)->next)
        if (*pp == &c) {
            *pp = c.next;
            break;
        }
    pthread_mutex_unlock(&rt->lock);
    free(c.req); /* never sent (the communicator failed) */
    if (!c.done || c.rc == RP_EMPI)
        return rp__err(RP_EMPI, "the communicator failed");
    if (c.rc == RP_ELOST)
        return rp__err(RP_ELOST, "server rank %d was lost, and the objects it held with it", dest);
    *rep = c.rep;
    *rep_len = c.rep_len;
    return 0;
}

/* A RESULTS message from worker index @p wi (@p h NULL: its header did not
 * decode): each part as a RESULT, the calls that keep results sharing the
 * message.  A batch that cannot be read fails as many chunks as it says it
 * answers (at least one), so the books stay in step.  Takes @p msg. */
static void handle_results(rp_runtime *rt, int wi, const rp__hdr *h, void *msg) {
    rp__batch b;
    rp__shared *sh = NULL;
    if (h == NULL || rp__batch_init(&b, h, (uint8_t *)msg + RP__HDR_SIZE) != 0 ||
        (sh = malloc(sizeof *sh)) == NULL) {
        uint32_t n = h != NULL && h->count >= 2 && h->count <= RP__MAX_BATCH ? h->count : 1;
        for (uint32_t k = 0; k < n; k++)
            rp__fail_head(rt, wi,
                          sh == NULL && h != NULL ? "no memory for a RESULTS message"
                                                  : "malformed RESULTS message");
        free(msg);
        return;
    }
    *sh = (rp__shared){1, msg};
    rp__hdr ph;
    const uint8_t *part;
    size_t len;
    while (rp__batch_next(&b, &ph, &part, &len))
        rp__handle_result(rt, wi, &ph, (void *)part, sh);
    rp__shared_unref(sh);
}

static void handle_msg(rp_runtime *rt, void *msg, size_t len, int src, int tag);

/* A BUNDLE from server rank @p src (@p h NULL: its header did not decode):
 * the answers of the workers it feeds, each handled as if that worker had
 * sent it.  Takes @p msg. */
static void unbundle(rp_runtime *rt, const rp__hdr *h, void *msg, int src) {
    rp__batch b;
    if (h == NULL || rp__bundle_init(&b, h, (uint8_t *)msg + RP__HDR_SIZE) != 0) {
        rp__log(RP_LOG_WARN, "malformed BUNDLE from server rank %d dropped", src);
        free(msg);
        return;
    }
    int rank;
    rp__hdr ph;
    const uint8_t *part;
    size_t len;
    while (rp__bundle_next(&b, &rank, &ph, &part, &len)) {
        if (rank <= rt->nservers || rank >= rt->size || rt->workers[rank - 1].feeder != src ||
            (ph.kind != RP__MSG_RESULT && ph.kind != RP__MSG_RESULTS)) {
            rp__log(RP_LOG_WARN, "a BUNDLE part for rank %d from server rank %d dropped", rank,
                    src);
            continue;
        }
        void *copy = malloc(len);
        if (copy != NULL)
            memcpy(copy, part, len);
        handle_msg(rt, copy, len, rank, ph.kind); /* (NULL: fails its chunk) */
    }
    free(msg);
}

/* A message from src with MPI tag @p tag; msg is NULL if it could not be
 * stored.  The header must decode and its kind match the tag. */
static void handle_msg(rp_runtime *rt, void *msg, size_t len, int src, int tag) {
    rp__hdr h;
    if (src < 1 || src >= rt->size) {
        rp__log(RP_LOG_WARN, "message from rank %d dropped", src);
        free(msg);
        return;
    }
    int ok = msg != NULL && rp__hdr_decode(msg, len, &h) == 0 && h.kind == tag;
    if (tag == RP__MSG_RESULT) {
        if (ok) {
            rp__handle_result(rt, src - 1, &h, msg, NULL);
            return;
        }
        rp__fail_head(rt, src - 1, "malformed RESULT message");
    } else if (tag == RP__MSG_RESULTS) {
        handle_results(rt, src - 1, ok ? &h : NULL, msg);
        return;
    } else if (tag == RP__MSG_PROC_STARTED || tag == RP__MSG_PROC_EXIT) {
        if (ok)
            rp__process_msg(rt, src, &h);
        else
            rp__log(RP_LOG_WARN, "malformed %s from rank %d dropped", rp__msg_name(tag), src);
    } else if (tag == RP__MSG_POOL_ACK) {
        if (ok)
            rp__handle_ack(rt, src - 1, &h, (char *)msg + RP__HDR_SIZE, (size_t)h.body_len);
        else
            rp__handle_bad_ack(rt, src - 1);
    } else if (tag == RP__MSG_BUNDLE && src <= rt->nservers) {
        unbundle(rt, ok ? &h : NULL, msg, src);
        return;
    } else if (tag == RP__MSG_OBJ_REP && src <= rt->nservers) {
        rcall_answer(rt, ok ? &h : NULL, msg, len, src);
        return;
    } else if (tag == RP__MSG_PARKED && ok && src <= rt->nservers) {
        /* A worker's task waits in a server's object, or goes on. */
        if (h.job > (uint64_t)rt->nservers && h.job < (uint64_t)rt->size) {
            rp__worker *w = &rt->workers[h.job - 1];
            if (h.code > 0)
                w->parked++;
            else if (w->parked > 0)
                w->parked--;
        }
    } else if (tag == RP__MSG_SHUTDOWN && ok && rt->stop) {
        rt->workers[src - 1].bye = 1; /* it leaves its service loop */
    } else {
        rp__log(RP_LOG_WARN, "unexpected message (tag %d) from rank %d dropped", tag, src);
    }
    free(msg);
}

/*
 * A shared-object request from rank @p src: executed on the store and
 * answered at once, without the pool lock (the store has its own).
 */
static void serve_obj(rp_runtime *rt, void *msg, size_t len, int src) {
    rp__hdr h;
    void *rep = NULL;
    size_t rlen = 0;
    const rp__worker *w = &rt->workers[src - 1];
    if (__atomic_load_n(&w->lost, __ATOMIC_ACQUIRE) && !w->cut) {
        free(msg); /* sent before it died: nobody waits for the answer */
        return;
    }
    int rc = rp__store_serve(rt->store, msg, len, src, &h, &rep, &rlen);
    free(msg);
    if (rc == RP__PARKED && (h.pool & RP__TOK_PROC))
        return; /* a process of that rank waits, not its tasks: answered from the outbox */
    if (rc == RP__PARKED) {
        /* Its task now waits: send that worker nothing more meanwhile. */
        pthread_mutex_lock(&rt->lock);
        rt->workers[src - 1].parked++;
        pthread_mutex_unlock(&rt->lock);
        return; /* answered later, from the outbox */
    }
    if (rc != 0) {
        rp__log(RP_LOG_WARN, "no memory to answer rank %d", src);
        return;
    }
    rp__iov iov = {rep, rlen};
    if (rp__send_iov(rt->comm, src, RP__MSG_OBJ_REP, &iov, 1, rep, NULL, &rt->sendq) == RP_EMPI) {
        pthread_mutex_lock(&rt->lock);
        rp__set_fatal(rt, RP_EMPI);
        pthread_mutex_unlock(&rt->lock);
    }
}

/* Send the answers to parked object requests that the store has ready, and
 * expire the ones whose deadline passed (no pool lock held). */
static void flush_objects(rp_runtime *rt) {
    /* Nothing newly parked, no answer waiting, no deadline due: the common
     * case costs no lock.  Only this thread writes obj_deadline. */
    double now = 0;
    if (!rp__store_changed(rt->store) &&
        (rt->obj_deadline < 0 || (now = rp__now()) < rt->obj_deadline))
        return;
    double next = rp__store_tick(rt->store, now > 0 ? now : rp__now());
    int failed = 0;
    rp__outmsg *out = rp__store_outbox(rt->store);
    if (out != NULL) {
        pthread_mutex_lock(&rt->lock);
        for (rp__outmsg *m = out; m; m = m->next) { /* each parked request gets one answer */
            rp__worker *w = &rt->workers[m->rank - 1];
            rp__hdr oh;
            if (w->lost && !w->cut) {
                m->rank = -1; /* nobody to send it to */
                continue;
            }
            if (rp__hdr_decode(m->msg, m->len, &oh) == 0 && (oh.pool & RP__TOK_PROC))
                continue; /* a process's: not counted (serve_obj) */
            if (w->parked > 0)
                w->parked--;
        }
        pthread_mutex_unlock(&rt->lock);
    }
    for (rp__outmsg *m = out, *nx; m; m = nx) {
        nx = m->next;
        rp__iov iov = {m->msg, m->len};
        if (m->rank < 0)
            free(m->msg);
        else if (!failed && rp__send_iov(rt->comm, m->rank, RP__MSG_OBJ_REP, &iov, 1, m->msg, NULL,
                                         &rt->sendq) == RP_EMPI)
            failed = 1;
        else if (failed)
            free(m->msg);
        free(m);
    }
    pthread_mutex_lock(&rt->lock);
    rt->obj_deadline = next;
    if (failed)
        rp__set_fatal(rt, RP_EMPI);
    pthread_mutex_unlock(&rt->lock);
}

/* Set while this thread runs the engine's receive loop: it sends the
 * store's ready answers itself at the end of it. */
static _Thread_local int tl_serving;

/* The store has an answer for a remote caller: whoever runs the engine must
 * send it.  Called with the store's lock held (the lock order is store, then
 * pool). */
void rp__objects_ready(void *arg) {
    rp_runtime *rt = arg;
    if (tl_serving)
        return; /* (flush_objects follows in this very pass) */
    __atomic_store_n(&rt->obj_pending, 1, __ATOMIC_SEQ_CST);
    /* A caller that drives sends it at its next pass (and one that leaves
     * sees it: rp__engine_busy); a manager that sleeps must be woken.  Both
     * sides store, then load (sequentially consistent): one sees the other. */
    if (__atomic_load_n(&rt->drivers, __ATOMIC_SEQ_CST) == 0 &&
        __atomic_load_n(&rt->mgr_asleep, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&rt->lock);
        pthread_cond_signal(&rt->wake);
        pthread_mutex_unlock(&rt->lock);
    }
}

/* Send queued control messages, or act on them locally in single-rank mode. */
static int send_ctrl(rp_runtime *rt) {
    int n = 0;
    while (rt->ctrl_head) {
        rp__ctrl *c = rt->ctrl_head;
        rt->ctrl_head = c->next;
        if (rt->ctrl_head == NULL)
            rt->ctrl_tail = NULL;
        int rank = rt->workers[c->dest].rank;
        int cut_bye = c->h.kind == RP__MSG_SHUTDOWN && rt->workers[c->dest].cut;
        if (rank != 0 && rp__worker_gone(&rt->workers[c->dest]) && !cut_bye) {
            /* Nothing reaches it any more; a pool does not wait for it. */
            rp_pool *p = c->h.kind == RP__MSG_POOL_INIT ? rp__find_pool(rt, c->h.pool) : NULL;
            if (p != NULL && rp__awaited(p, c->dest) >= 0)
                rp__pool_ack(rt, p, c->dest, 0, "", 0);
            if (c->h.kind == RP__MSG_PROC_START)
                rp__process_started(rt, c->h.job, RP_ELOST, 0);
        } else if (rank == 0) {
            if (c->h.kind == RP__MSG_POOL_INIT) {
                char err[RP__MAX_ERRMSG + 1] = "";
                rp__hdr a = {.kind = RP__MSG_POOL_ACK, .pool = c->h.pool};
                if (c->h.code >= 0) {
                    pthread_mutex_unlock(&rt->lock);
                    a.code =
                        rp__exec_init(&rt->tasks, 0, c->h.code, c->body, c->len, err, sizeof err);
                    pthread_mutex_lock(&rt->lock);
                }
                rp__handle_ack(rt, c->dest, &a, err, strlen(err));
            }
        } else if (c->h.kind == RP__MSG_SHUTDOWN) {
            /* Even after a failure: workers that can still hear must leave,
             * or the job cannot end.  rp_finalize aborts if this fails. */
            if (rp__send_ctrl(rt->comm, rank, &c->h, NULL, 0, &rt->sendq) != 0)
                rt->shutdown_failed = 1;
        } else if (!rt->fatal &&
                   rp__send_ctrl(rt->comm, rank, &c->h, c->body, c->len, &rt->sendq) == RP_EMPI) {
            rp__set_fatal(rt, RP_EMPI);
        }
        free(c->body);
        free(c);
        n++;
    }
    return n;
}

/* A call whose items are all in and whose callback ran: complete. */
static void complete_job(rp_runtime *rt, rp_result *job) {
    (void)rt;
    /* The items are final: readable without the lock from here on. */
    __atomic_store_n(&job->complete, 1, __ATOMIC_RELEASE);
    rp__waitset_push(job); /* to its rp_as_completed, if any */
    if (job->pool && job->pool->timing && job->n > 0) {
        rp_pool *p = job->pool;
        job->t_complete = rp__now();
        p->t.result += (job->t_complete - job->t_result) * job->n;
        p->t.items += job->n;
    }
    if (job->pool)
        __atomic_add_fetch(&job->pool->finished, 1, __ATOMIC_RELEASE);
    rp__job_unref(job);
}

/*
 * Complete the calls whose items are all in, in the order they finished.
 * Their callbacks run on the manager thread only (@p callbacks), all of a
 * pass in one stretch without the lock; a caller that drives progress
 * completes the calls that have none and leaves the others to the manager.
 */
static int finish_jobs(rp_runtime *rt, int callbacks) {
    rp_result *job = rt->completed, *cbs = NULL, **ctail = &cbs, *last = NULL;
    if (job == NULL)
        return 0;
    rt->completed = rt->completed_tail = NULL;
    int n = 0;
    for (rp_result *nx; job != NULL; job = nx) {
        nx = job->cnext;
        job->cnext = NULL;
        if ((job->nfailed ? job->call.error_callback : job->call.callback) == NULL) {
            complete_job(rt, job);
            n++;
        } else {
            *ctail = last = job;
            ctail = &job->cnext;
        }
    }
    if (cbs != NULL && !callbacks) {
        /* Back to the manager, before the calls that finished meanwhile. */
        *ctail = rt->completed;
        rt->completed = cbs;
        if (rt->completed_tail == NULL)
            rt->completed_tail = last;
        rp__wake_manager(rt);
    } else if (cbs != NULL) {
        pthread_mutex_unlock(&rt->lock);
        for (job = cbs; job != NULL; job = job->cnext)
            (job->nfailed ? job->call.error_callback : job->call.callback)(job, job->call.user);
        pthread_mutex_lock(&rt->lock);
        for (rp_result *nx; cbs != NULL; cbs = nx) {
            nx = cbs->cnext;
            complete_job(rt, cbs);
            n++;
        }
    }
    if (n)
        pthread_cond_broadcast(&rt->done);
    return n;
}

/* At shutdown: has every worker answered SHUTDOWN (or been lost)?  Past
 * the deadline, the ones that did not are given up on. */
static int workers_gone(rp_runtime *rt) {
    if (rt->size == 1 || rt->fatal || rt->shutdown_failed)
        return 1;
    int left = 0;
    for (int i = 0; i < rt->nworkers; i++) {
        const rp__worker *w = &rt->workers[i];
        left += !w->bye && !rp__worker_gone(w);
    }
    if (left == 0)
        return 1;
    if (rt->stop_deadline < 0 || rp__now() < rt->stop_deadline)
        return 0;
    for (int i = 0; i < rt->nworkers; i++) {
        rp__worker *w = &rt->workers[i];
        if (!w->bye && !rp__worker_gone(w)) {
            w->stuck = 1;
            rt->nlost++;
            rp__log(RP_LOG_WARN, "worker rank %d did not stop in time; giving up on it", w->rank);
        }
    }
    return 1;
}

/* The longest the manager may sleep now (0: no limit beyond the options). */
static double sleep_limit(const rp_runtime *rt) {
    double lim = 0;
    if (rt->obj_deadline >= 0) {
        /* A parked object request's timeout is due: be awake for it. */
        lim = rt->obj_deadline - rp__now();
        if (lim < RP__BUSY_SLEEP_MIN)
            lim = RP__BUSY_SLEEP_MIN;
    }
    for (const rp_pool *p = rt->pools; p; p = p->next)
        if (p->init_pending > 0)
            lim = RP__BUSY_SLEEP_UNKNOWN; /* a pool creation waits for acks */
    for (int i = 0; i < rt->nworkers; i++) {
        const rp__worker *w = &rt->workers[i];
        if (w->len == 0)
            continue;
        double est = w->fifo[w->head].est_ns * 1e-9 / 4;
        if (est <= 0)
            est = RP__BUSY_SLEEP_UNKNOWN;
        if (est < RP__BUSY_SLEEP_MIN)
            est = RP__BUSY_SLEEP_MIN;
        if (lim == 0 || est < lim)
            lim = est;
    }
    return lim;
}

/* Calls filed into their pools in one pass: a flood of submissions is
 * filed a part at a time, so that the calls are still in the cache when
 * they are sent, and results are read in between; while the workers are
 * full (a backlog), only a trickle, so that filed calls do not pile up and
 * go cold before a worker has room, while a pool of other workers still
 * gets its calls. */
#define RP__DRAIN_PASS 512
#define RP__DRAIN_TRICKLE 32
#define DRAIN_MAX(rt) ((rt)->backlog ? RP__DRAIN_TRICKLE : RP__DRAIN_PASS)

/* Messages taken off the network in one pass before the lock is taken to
 * handle them. */
#define RP__PASS_MSGS 256

/*
 * The engine's work on the network (rt->lock and the progress token held;
 * the lock is released while polling MPI): send queued control messages,
 * receive what waits (object requests are served at once, without the pool
 * lock; the rest is handled under one hold of it), send the store's ready
 * answers, and complete sends.  @p b (may be NULL) is the caller's backoff.
 * Returns how much happened.
 */
static int net_pass(rp_runtime *rt, rp__backoff *b) {
    int progress = send_ctrl(rt) + (rt->rcalls != NULL ? send_rcalls(rt) : 0);
    if (rt->size == 1 || rt->fatal)
        return progress;
    pthread_mutex_unlock(&rt->lock);
    struct {
        void *msg;
        size_t len;
        int src, tag;
    } in[RP__PASS_MSGS];
    int n = 0, rc = 0;
    int woke = b != NULL && b->slept;
    if (b != NULL)
        b->slept = 0;
    tl_serving = 1;
    while (n < RP__PASS_MSGS) {
        void *msg;
        size_t len;
        int src, tag;
        if ((rc = rp__recv_any(rt->comm, woke && progress == 0, &msg, &len, &src, &tag)) != 1)
            break;
        progress++;
        if (tag == RP__MSG_OBJ_REQ && src > 0 && src < rt->size) {
            serve_obj(rt, msg, len, src);
            continue;
        }
        if (tag == RP__MSG_PROC_EXIT && src > 0 && src < rt->size)
            rp__process_gone(rt, msg, len, src); /* before the pool lock */
        in[n].msg = msg;
        in[n].len = len;
        in[n].src = src;
        in[n].tag = tag;
        n++;
    }
    flush_objects(rt);
    tl_serving = 0;
    int d = rp__sendq_progress(&rt->sendq);
    pthread_mutex_lock(&rt->lock);
    for (int k = 0; k < n; k++)
        handle_msg(rt, in[k].msg, in[k].len, in[k].src, in[k].tag);
    if (__atomic_exchange_n(&rt->obj_pending, 0, __ATOMIC_SEQ_CST))
        progress++; /* answers came meanwhile from another thread: go round again */
    if (rc == RP_EMPI || d == RP_EMPI)
        rp__set_fatal(rt, RP_EMPI);
    if (d > 0)
        progress += d;
    /* Control messages queued while the lock was free must not wait for
     * the next wakeup: their signal found nobody waiting. */
    return progress + send_ctrl(rt);
}

int rp__drive(rp_runtime *rt) {
    if (rt->size == 1 || rt->fatal || pthread_mutex_trylock(&rt->prog) != 0)
        return -1;
    int progress = net_pass(rt, NULL);
    progress += (int)rp__drain_some(rt, DRAIN_MAX(rt));
    progress += rp__dispatch(rt);
    pthread_mutex_unlock(&rt->prog);
    return progress + finish_jobs(rt, 0);
}

void rp__wake_manager(rp_runtime *rt) {
    if (__atomic_load_n(&rt->mgr_asleep, __ATOMIC_SEQ_CST))
        pthread_cond_signal(&rt->wake);
}

int rp__engine_busy(rp_runtime *rt) {
    if (rt->inflight > 0 || rt->ctrl_head != NULL || rt->completed != NULL || rt->rcalls != NULL ||
        rt->obj_deadline >= 0 || __atomic_load_n(&rt->obj_pending, __ATOMIC_SEQ_CST) ||
        rt->lost_pending || rp__subs_pending(rt))
        return 1;
    for (const rp_pool *p = rt->pools; p; p = p->next)
        if (p->qhead != NULL || p->init_pending > 0)
            return 1;
    return 0;
}

int rp__wait_step(rp_runtime *rt, double deadline, rp__wait *w) {
    /* No early return when the communicator failed: set_fatal completes all
     * work, so every condition a caller waits for comes true. */
    /* A wait that is over at once (timeout 0) waits nowhere, so it is
     * answered as it would be anywhere, the manager thread included. */
    if (deadline >= 0 && rp__now() >= deadline)
        return RP_ETIMEDOUT;
    if (rp__on_manager(rt))
        return rp__err(RP_EDEADLK, "the manager thread (a callback, or a task of a one-rank job) "
                                   "may not wait");
    /* Drive progress rather than sleep for a hand-off: the answer is then
     * read by the thread that waits for it, and the manager thread stays
     * asleep meanwhile (docs/design.md, "The rank-0 engine"). */
    if (!w->handed && rt->size > 1 && !rt->fatal) {
        if (!w->driving) {
            w->driving = 1;
            __atomic_add_fetch(&rt->drivers, 1, __ATOMIC_SEQ_CST);
        }
        int p = rp__drive(rt);
        if (p > 0) {
            rp__backoff_reset(&w->b);
            return 0;
        }
        /* Nothing came (or the manager is finishing a pass): spin a while,
         * the lock released, as the manager would. */
        if (!rp__backoff_sleeps(&w->b, &rt->opt)) {
            rp__backoff_idle(&w->b, &rt->opt, 0, &rt->lock, NULL);
            return 0;
        }
        /* A long wait: the manager takes the network over, with its own
         * backoff, and this thread sleeps until it reports progress. */
        w->handed = 1;
        rp__wait_end(rt, w);
    }
    rp__wake_manager(rt);
    if (deadline < 0) {
        pthread_cond_wait(&rt->done, &rt->lock);
        return 0;
    }
    struct timespec ts = rp__abstime(deadline);
    pthread_cond_timedwait(&rt->done, &rt->lock, &ts);
    return 0;
}

void rp__wait_end(rp_runtime *rt, rp__wait *w) {
    if (!w->driving)
        return;
    w->driving = 0;
    /* The last driver leaves: work still out needs the manager awake. */
    if (__atomic_sub_fetch(&rt->drivers, 1, __ATOMIC_SEQ_CST) == 0 && rp__engine_busy(rt))
        rp__wake_manager(rt);
}

/* While a caller drives: sleep until signaled, at most @p s seconds (lock
 * held), saying so first, so that a driver that leaves, or that has
 * callbacks for the manager, wakes it.  Submissions are the driver's. */
static void manager_sleep(rp_runtime *rt, double s) {
    __atomic_store_n(&rt->mgr_asleep, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&rt->drivers, __ATOMIC_SEQ_CST) > 0) {
        struct timespec ts = rp__abstime(rp__now() + s);
        pthread_cond_timedwait(&rt->wake, &rt->lock, &ts);
    }
    __atomic_store_n(&rt->mgr_asleep, 0, __ATOMIC_RELAXED);
}

void *rp__manager_main(void *arg) {
    rp_runtime *rt = arg;
    rp__backoff b;
    rp__backoff_reset(&b);
    long slack = rp__timer_slack_tight();
    pthread_mutex_lock(&rt->lock);
    for (;;) {
        /* A caller that waits drives the network itself (rp__drive): the
         * manager leaves it the progress token and only does what is its
         * alone (lost workers, signals, callbacks, the stop). */
        int progress = 0, drives = 0;
        if (rt->size == 1 || __atomic_load_n(&rt->drivers, __ATOMIC_SEQ_CST) == 0)
            drives = pthread_mutex_trylock(&rt->prog) == 0;
        if (drives)
            progress = net_pass(rt, &b);
        while (rt->lost_pending) {
            int ranks[64];
            int n = rp__handle_lost(rt, ranks, 64);
            pthread_mutex_unlock(&rt->lock);
            for (int k = 0; k < n; k++)
                rp__store_drop(rt->store, ranks[k], 0, 0, RP_ELOST, "the caller's rank was lost");
            pthread_mutex_lock(&rt->lock);
            progress++;
        }
        int sig = rp__signal_pending();
        if (sig && rt->opt.handle_signals && !rt->interrupted) {
            interrupt(rt, sig);
            pthread_mutex_unlock(&rt->lock);
            rp__store_drop(rt->store, -1, 0, 0, RP_EINTR, "the job was interrupted by a signal");
            pthread_mutex_lock(&rt->lock);
            progress++;
        }
        if (drives) {
            progress += (int)rp__drain_some(rt, DRAIN_MAX(rt));
            progress += rp__dispatch(rt);
            progress += rp__run_local(rt);
            pthread_mutex_unlock(&rt->prog);
        }
        progress += finish_jobs(rt, 1);
        if (rt->stop && rt->ctrl_head == NULL && workers_gone(rt))
            break;
        if (progress) {
            rp__backoff_reset(&b);
            continue;
        }
        if (!drives) {
            /* A caller drives: sleep until it leaves, or its calls have
             * callbacks to run, looking now and then for what is ours. */
            rp__backoff_reset(&b);
            manager_sleep(rt, rt->opt.idle_sleep_max);
            continue;
        }
        /* Before a sleep, say so; a call submitted meanwhile is seen here,
         * or its submitter sees the flag and signals (rp__push_sub). */
        int sleeps = rp__backoff_sleeps(&b, &rt->opt);
        if (sleeps) {
            __atomic_store_n(&rt->mgr_asleep, 1, __ATOMIC_SEQ_CST);
            if (rp__subs_pending(rt) || __atomic_load_n(&rt->obj_pending, __ATOMIC_SEQ_CST)) {
                __atomic_store_n(&rt->mgr_asleep, 0, __ATOMIC_RELAXED);
                continue;
            }
        }
        rp__backoff_idle(&b, &rt->opt, sleep_limit(rt), &rt->lock, &rt->wake);
        if (sleeps)
            __atomic_store_n(&rt->mgr_asleep, 0, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&rt->lock);
    /* After a failure some sends may never complete: give up after a while. */
    if (rt->size > 1 && rp__sendq_drain(&rt->sendq, &rt->opt, rt->fatal ? 5.0 : -1.0) != 0)
        rt->shutdown_failed = 1;
    rp__timer_slack_restore(slack);
    return NULL;
}
