/*
 * The manager thread on rank 0.  It owns all of the library's MPI traffic on
 * that rank: it sends control messages the user's thread queued, keeps each
 * worker `prefetch` chunks ahead (credits: a result frees one), files results
 * into their calls, and runs callbacks.  With one rank it runs the chunks
 * itself.  It holds rt->lock except while running user code (tasks,
 * callbacks), and sleeps on rt->wake when idle.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Beyond opt.prefetch chunks, a worker gets more while the work queued on it
 * is expected to take less than this: enough to cover a round trip for tiny
 * tasks, while long tasks stay at `prefetch` chunks so the load stays even. */
#define RP__QUEUE_TARGET_NS 250e3
#define RP__MAX_DEPTH 64
/* While chunks are in flight the manager must notice results soon: it sleeps
 * at most a quarter of the shortest expected chunk, or this when unknown.
 * Without it, a sleeping worker makes the manager sleep longer, which makes
 * the worker sleep longer, until both sit at idle_sleep_max. */
#define RP__BUSY_SLEEP_UNKNOWN 100e-6
#define RP__BUSY_SLEEP_MIN 20e-6

int rp__on_manager(const rp_runtime *rt) {
    return rt != NULL && rt->mgr_started && pthread_equal(pthread_self(), rt->mgr);
}

double rp__deadline(double timeout) {
    return timeout < 0 ? -1.0 : rp__now() + timeout;
}

int rp__wait_step(rp_runtime *rt, double deadline) {
    /* No early return when the communicator failed: set_fatal completes all
     * work, so every condition a caller waits for comes true. */
    if (rp__on_manager(rt))
        return rp__err(RP_EDEADLK, "a callback may not wait for a result");
    if (deadline >= 0 && rp__now() >= deadline)
        return RP_ETIMEDOUT;
    if (deadline < 0) {
        pthread_cond_wait(&rt->done, &rt->lock);
        return 0;
    }
    struct timespec ts = rp__abstime(deadline);
    pthread_cond_timedwait(&rt->done, &rt->lock, &ts);
    return 0;
}

int rp__ctrl_push(rp_runtime *rt, int w, const rp__hdr *h, void *body, size_t len) {
    rp__ctrl *c = malloc(sizeof *c);
    if (c == NULL) {
        free(body);
        return RP_ENOMEM;
    }
    *c = (rp__ctrl){.h = *h, .dest = w, .body = body, .len = len};
    if (rt->ctrl_tail)
        rt->ctrl_tail->next = c;
    else
        rt->ctrl_head = c;
    rt->ctrl_tail = c;
    pthread_cond_signal(&rt->wake);
    return 0;
}

void rp__job_unref(rp_result *job) {
    if (--job->refs > 0)
        return;
    /* Refused calls were never linked; detached ones no longer are. */
    if (job->rt != NULL && (job->lprev != NULL || job->rt->live == job)) {
        if (job->lprev)
            job->lprev->lnext = job->lnext;
        else
            job->rt->live = job->lnext;
        if (job->lnext)
            job->lnext->lprev = job->lprev;
    }
    for (size_t i = 0; i < job->n; i++)
        free(job->items[i].msg);
    for (size_t i = 0; i < job->nbufs; i++)
        free(job->bufs[i]);
    free(job->bufs);
    free(job->items);
    free(job->order);
    free(job->redo);
    free(job->own_arg);
    free(job);
}

/* All items are in: hand the call to the callback stage. */
static void job_items_done(rp_runtime *rt, rp_result *job) {
    job->cnext = rt->completed;
    rt->completed = job;
}

static void item_done(rp_result *job, size_t idx, int status, int code) {
    rp__item *it = &job->items[idx];
    it->status = 1 + status;
    it->code = code;
    job->ndone++;
    if (status != RP__ST_OK)
        job->nfailed++;
    if (job->order != NULL)
        job->order[job->norder++] = idx;
}

static void item_fail(rp_result *job, size_t idx, int status, int code, const char *msg,
                      size_t len) {
    rp__item *it = &job->items[idx];
    it->msg = malloc(len + 1);
    if (it->msg != NULL) {
        memcpy(it->msg, msg, len);
        it->msg[len] = '\0';
    }
    item_done(job, idx, status, code);
}

size_t rp__job_undispatched(const rp_result *job) {
    size_t n = job->n - job->next;
    for (size_t k = 0; k < job->nredo; k++)
        n += job->redo[k].count;
    return n;
}

void rp__job_fail_rest(rp_runtime *rt, rp_result *job, int status, int code, const char *why) {
    int had_rest = rp__job_undispatched(job) > 0;
    for (size_t i = job->next; i < job->n; i++)
        item_fail(job, i, status, code, why, strlen(why));
    for (size_t k = 0; k < job->nredo; k++)
        for (uint32_t i = 0; i < job->redo[k].count; i++)
            item_fail(job, job->redo[k].start + i, status, code, why, strlen(why));
    job->nredo = 0;
    job->next = job->n;
    if (had_rest && job->ndone == job->n)
        job_items_done(rt, job);
}

/* Fail every item of a chunk that got no usable answer (an RP_E* code). */
static void chunk_fail(rp_runtime *rt, rp__chunk *c, int code, const char *why) {
    for (uint32_t i = 0; i < c->count; i++)
        item_fail(c->job, c->start + i, RP__ST_ERROR, code, why, strlen(why));
    if (c->job->ndone == c->job->n)
        job_items_done(rt, c->job);
}

/* Wake rp_result_next waiters of job, if there are any. */
static void wake_next(rp_runtime *rt, const rp_result *job) {
    if (job->nextwaiters)
        pthread_cond_broadcast(&rt->done);
}

/*
 * Take the oldest chunk in flight off worker wi's queue.  With @p wait its
 * TASK send is completed first; without (the communicator failed), the send's
 * memory is left to MPI rather than freed under it.
 */
static rp__chunk pop_chunk(rp_runtime *rt, int wi, int wait) {
    rp__worker *w = &rt->workers[wi];
    rp__chunk c = w->fifo[w->head];
    w->head = (w->head + 1) % w->cap;
    w->len--;
    w->queued_ns = w->len > 0 ? w->queued_ns - c.est_ns : 0;
    if (wait)
        rp__send_wait(&c.send);
    return c;
}

/* Worker wi answered its oldest chunk with something unusable: fail that
 * chunk, so its call completes and the books stay in step with the worker. */
static void fail_head(rp_runtime *rt, int wi, const char *why) {
    rp__worker *w = &rt->workers[wi];
    fprintf(stderr, "rankpool: rank %d: %s\n", w->rank, why);
    if (w->len == 0)
        return;
    rp__chunk c = pop_chunk(rt, wi, 1);
    chunk_fail(rt, &c, RP_EPROTO, why);
    wake_next(rt, c.job);
}

/* The communicator failed: fail all outstanding work and wake every waiter,
 * so that no call waits for an answer that cannot come. */
static void set_fatal(rp_runtime *rt, int code) {
    static const char why[] = "communication failed";
    if (rt->fatal)
        return;
    rt->fatal = code;
    fprintf(stderr, "rankpool: %s (%s); failing all outstanding work\n", why, rp_err_name(code));
    for (int i = 0; i < rt->nworkers; i++)
        while (rt->workers[i].len > 0) {
            rp__chunk c = pop_chunk(rt, i, 0);
            chunk_fail(rt, &c, code, why);
        }
    for (rp_pool *p = rt->pools; p; p = p->next) {
        for (rp_result *j = p->qhead, *nx; j; j = nx) {
            nx = j->qnext;
            j->qnext = NULL;
            rp__job_fail_rest(rt, j, RP__ST_ERROR, code, why);
        }
        p->qhead = p->qtail = NULL;
        if (p->init_pending > 0) {
            p->init_pending = 0;
            if (p->init_rc == 0) {
                p->init_rc = code;
                snprintf(p->init_msg, sizeof p->init_msg, "%s", why);
            }
        }
    }
    pthread_cond_broadcast(&rt->done);
}

static int keep_buf(rp_result *job, void *msg) {
    if (job->nbufs == job->capbufs) {
        size_t cap = job->capbufs ? job->capbufs * 2 : 4;
        void **v = realloc(job->bufs, cap * sizeof *v);
        if (v == NULL)
            return RP_ENOMEM;
        job->bufs = v;
        job->capbufs = cap;
    }
    job->bufs[job->nbufs++] = msg;
    return 0;
}

/* A RESULT message from worker index wi.  Takes msg. */
static void handle_result(rp_runtime *rt, int wi, const rp__hdr *h, void *msg) {
    rp__worker *w = &rt->workers[wi];
    if (w->len == 0) {
        fprintf(stderr, "rankpool: unexpected RESULT from rank %d dropped\n", w->rank);
        free(msg);
        return;
    }
    if (h->count == 0) { /* the worker could not read the chunk */
        free(msg);
        fail_head(rt, wi, "a worker could not read a chunk");
        return;
    }
    rp__chunk c = pop_chunk(rt, wi, 1);
    w->seq = ++rt->results;
    rp_result *job = c.job;
    if (h->code > 0) {
        double per_item = (double)h->code / c.count;
        job->item_ns = job->item_ns > 0 ? 0.75 * job->item_ns + 0.25 * per_item : per_item;
        rt->task_ns[job->task] = job->item_ns;
    }
    rp__reader r;
    if (h->job != job->id || h->start != c.start || h->count != c.count ||
        rp__reader_init(&r, h, (uint8_t *)msg + RP__HDR_SIZE) != 0) {
        fprintf(stderr, "rankpool: malformed RESULT from rank %d\n", w->rank);
        chunk_fail(rt, &c, RP_EPROTO, "malformed result message");
        free(msg);
        wake_next(rt, job);
        return;
    }
    int keep = 0;
    const void *data;
    size_t len;
    int st;
    int32_t code;
    for (size_t idx = c.start; rp__reader_next(&r, &data, &len, &st, &code); idx++) {
        rp__item *it = &job->items[idx];
        if (st != RP__ST_OK) {
            item_fail(job, idx, st, code, data, len);
        } else if (job->out != NULL) {
            if (len != job->out_size) {
                char m[128];
                int n =
                    snprintf(m, sizeof m, "result of %zu bytes, expected %zu", len, job->out_size);
                item_fail(job, idx, RP__ST_ERROR, RP_ESIZE, m, (size_t)n);
                continue;
            }
            it->data = job->out + idx * job->out_size;
            memcpy((void *)it->data, data, len);
            it->len = len;
            item_done(job, idx, RP__ST_OK, 0);
        } else {
            it->data = data;
            it->len = len;
            keep = 1;
            item_done(job, idx, RP__ST_OK, 0);
        }
    }
    if (!keep || keep_buf(job, msg) != 0) {
        if (keep) {
            /* Could not keep the bytes the items point at: fail them instead. */
            for (size_t idx = c.start; idx < c.start + c.count; idx++)
                if (job->items[idx].status == 1 + RP__ST_OK && job->items[idx].data != NULL) {
                    job->items[idx].data = NULL;
                    job->items[idx].status = 1 + RP__ST_ERROR;
                    job->items[idx].code = RP_ENOMEM;
                    job->nfailed++;
                }
        }
        free(msg);
    }
    if (job->ndone == job->n)
        job_items_done(rt, job);
    /* Waiters for whole calls are woken when callbacks have run
     * (finish_jobs); per item only rp_result_next cares.  Waking every
     * waiter per message would cost a futex storm on a busy map. */
    wake_next(rt, job);
}

static rp_pool *find_pool(rp_runtime *rt, uint32_t id) {
    for (rp_pool *p = rt->pools; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

/* Position of worker wi in pool p, if p waits for its ack; else -1. */
static int awaited(const rp_pool *p, int wi) {
    for (int k = 0; p->init_pending > 0 && k < p->nworkers; k++)
        if (p->widx[k] == wi && !p->acked[k])
            return k;
    return -1;
}

/* Worker wi's answer to pool p's POOL_INIT. */
static void pool_ack(rp_runtime *rt, rp_pool *p, int wi, int code, const char *m, size_t len) {
    p->acked[awaited(p, wi)] = 1;
    p->init_pending--;
    if (code != 0 && p->init_rc == 0) {
        p->init_rc = code;
        if (len > RP__MAX_ERRMSG - 32)
            len = RP__MAX_ERRMSG - 32;
        snprintf(p->init_msg, sizeof p->init_msg, "rank %d: %.*s", rt->workers[wi].rank, (int)len,
                 m);
    }
    pthread_cond_broadcast(&rt->done);
}

static void handle_ack(rp_runtime *rt, int wi, const rp__hdr *h, const char *m, size_t len) {
    rp_pool *p = find_pool(rt, h->pool);
    if (p == NULL || awaited(p, wi) < 0) {
        fprintf(stderr, "rankpool: unexpected POOL_ACK from rank %d dropped\n",
                rt->workers[wi].rank);
        return;
    }
    pool_ack(rt, p, wi, h->code, m, len);
}

/* An unreadable POOL_ACK from worker wi still answers the oldest pool that
 * waits for that worker (acks come in the order of the inits), so pool
 * creation cannot wait for it forever. */
static void handle_bad_ack(rp_runtime *rt, int wi) {
    static const char why[] = "malformed POOL_ACK";
    rp_pool *oldest = NULL;
    for (rp_pool *p = rt->pools; p; p = p->next) /* newest first */
        if (awaited(p, wi) >= 0)
            oldest = p;
    fprintf(stderr, "rankpool: rank %d: %s\n", rt->workers[wi].rank, why);
    if (oldest != NULL)
        pool_ack(rt, oldest, wi, RP_EPROTO, why, sizeof why - 1);
}

void rp__worker_leased(rp_runtime *rt, int rank, int pid) {
    pthread_mutex_lock(&rt->lock);
    if (rank >= 1 && rank <= rt->nworkers)
        rt->workers[rank - 1].pid = pid;
    pthread_mutex_unlock(&rt->lock);
}

void rp__worker_lost(rp_runtime *rt, int rank, const char *why) {
    pthread_mutex_lock(&rt->lock);
    rp__worker *w = &rt->workers[rank - 1];
    if (!rp__worker_gone(w) && !w->bye) {
        __atomic_store_n(&w->lost, 1, __ATOMIC_RELEASE);
        w->lost_at = rp__now();
        rt->nlost++;
        rt->lost_pending = 1;
        fprintf(stderr, "rankpool: worker rank %d (pid %d) lost: %s\n", rank, w->pid, why);
        pthread_cond_signal(&rt->wake);
    }
    pthread_mutex_unlock(&rt->lock);
}

/* Are any of pool p's workers still there? */
static int pool_alive(const rp_runtime *rt, const rp_pool *p) {
    for (int k = 0; k < p->nworkers; k++)
        if (!rp__worker_gone(&rt->workers[p->widx[k]]))
            return 1;
    return 0;
}

/* A chunk whose worker was lost: its items go back to the front of their
 * call's queue, as one chunk, unless they were lost too often already. */
static void requeue(rp_runtime *rt, rp__chunk *c, int rank) {
    rp_result *job = c->job;
    rp_pool *p = job->pool;
    char why[128];
    int code = RP_ELOST;
    if (p == NULL || p->state == RP__POOL_TERMINATED || rt->fatal) {
        snprintf(why, sizeof why, "worker rank %d was lost while it held the item", rank);
    } else if (c->tries >= rt->opt.lost_retries) {
        snprintf(why, sizeof why, "worker rank %d was lost while it held the item (sent %d times)",
                 rank, c->tries + 1);
    } else {
        int queued = rp__job_undispatched(job) > 0;
        if (job->nredo == job->capredo) {
            size_t cap = job->capredo ? job->capredo * 2 : 4;
            rp__redo *v = realloc(job->redo, cap * sizeof *v);
            if (v != NULL) {
                job->redo = v;
                job->capredo = cap;
            }
        }
        if (job->nredo < job->capredo) {
            job->redo[job->nredo++] = (rp__redo){c->start, c->count, c->tries + 1};
            if (!queued) {
                job->qnext = p->qhead;
                p->qhead = job;
                if (p->qtail == NULL)
                    p->qtail = job;
            }
            return;
        }
        snprintf(why, sizeof why, "worker rank %d was lost; no memory to send the item again",
                 rank);
    }
    chunk_fail(rt, c, code, why);
    wake_next(rt, job);
}

/*
 * Workers the watch thread found gone (lock held): take back what they held,
 * answer the pool creations that wait for them, and send them nothing more.
 * Puts up to @p cap of their ranks in @p ranks, for the store to forget
 * their parked requests (that takes the store's lock, so not here).
 */
static int handle_lost(rp_runtime *rt, int *ranks, int cap) {
    int n = 0;
    rt->lost_pending = 0;
    for (int i = 0; i < rt->nworkers; i++) {
        rp__worker *w = &rt->workers[i];
        if (w->lost != 1)
            continue;
        if (n == cap) {
            rt->lost_pending = 1; /* the rest next time round */
            break;
        }
        w->lost = 2;
        ranks[n++] = w->rank;
        int chunks = w->len;
        size_t items = 0;
        while (w->len > 0) {
            /* Its sends may never complete: leave their memory to MPI. */
            rp__chunk c = pop_chunk(rt, i, 0);
            items += c.count;
            requeue(rt, &c, w->rank);
        }
        w->parked = 0;
        for (rp_pool *p = rt->pools; p; p = p->next)
            if (awaited(p, i) >= 0)
                pool_ack(rt, p, i, 0, "", 0); /* the pool goes on without it */
        rp__processes_lost(rt, w->rank);
        fprintf(stderr,
                "rankpool: worker rank %d: %zu item(s) in %d chunk(s) it held go to the other "
                "workers (%.3f s after the loss)%s\n",
                w->rank, items, chunks, rp__now() - w->lost_at,
                rp__recovery_enabled() ? ""
                                       : "; without mpirun --enable-recovery the job now ends");
    }
    pthread_cond_broadcast(&rt->done);
    return n;
}

void rp__abandon_busy(rp_runtime *rt) {
    for (int i = 0; i < rt->nworkers; i++) {
        rp__worker *w = &rt->workers[i];
        if (w->len == 0 || rp__worker_gone(w) || w->rank == 0)
            continue;
        w->stuck = 1;
        rt->nlost++;
        fprintf(stderr, "rankpool: worker rank %d still runs a task at shutdown; giving up on it\n",
                w->rank);
        while (w->len > 0) {
            rp__chunk c = pop_chunk(rt, i, 0);
            chunk_fail(rt, &c, RP_ETIMEDOUT, "still running when the runtime was finalized");
            wake_next(rt, c.job);
        }
    }
    pthread_cond_broadcast(&rt->done);
}

/* A signal asked for a stop (lock held): stop every pool, wake every waiter. */
static void interrupt(rp_runtime *rt, int sig) {
    char why[64];
    snprintf(why, sizeof why, "interrupted by signal %d", sig);
    __atomic_store_n(&rt->interrupted, sig, __ATOMIC_RELEASE);
    fprintf(stderr, "rankpool: signal %d: stopping the pools (a second one ends the program)\n",
            sig);
    for (rp_pool *p = rt->pools; p; p = p->next)
        rp__pool_stop(p, RP_EINTR, why);
    pthread_cond_broadcast(&rt->done);
}

/* A message from src with MPI tag @p tag; msg is NULL if it could not be
 * stored.  The header must decode and its kind match the tag. */
static void handle_msg(rp_runtime *rt, void *msg, size_t len, int src, int tag) {
    rp__hdr h;
    if (src < 1 || src >= rt->size) {
        fprintf(stderr, "rankpool: message from rank %d dropped\n", src);
        free(msg);
        return;
    }
    int ok = msg != NULL && rp__hdr_decode(msg, len, &h) == 0 && h.kind == tag;
    if (tag == RP__MSG_RESULT) {
        if (ok) {
            handle_result(rt, src - 1, &h, msg);
            return;
        }
        fail_head(rt, src - 1, "malformed RESULT message");
    } else if (tag == RP__MSG_PROC_STARTED || tag == RP__MSG_PROC_EXIT) {
        if (ok)
            rp__process_msg(rt, src, &h);
        else
            fprintf(stderr, "rankpool: malformed %s from rank %d dropped\n", rp__msg_name(tag),
                    src);
    } else if (tag == RP__MSG_POOL_ACK) {
        if (ok)
            handle_ack(rt, src - 1, &h, (char *)msg + RP__HDR_SIZE, (size_t)h.body_len);
        else
            handle_bad_ack(rt, src - 1);
    } else if (tag == RP__MSG_SHUTDOWN && ok && rt->stop) {
        rt->workers[src - 1].bye = 1; /* it leaves its service loop */
    } else {
        fprintf(stderr, "rankpool: unexpected message (tag %d) from rank %d dropped\n", tag, src);
    }
    free(msg);
}

/*
 * A shared-object request from rank @p src: executed on the store and
 * answered at once, without the pool lock (the store has its own).  One
 * that cannot be read is still answered, with sequence number 0, which the
 * caller (it has one call outstanding) takes as the answer to its call.
 */
static void serve_obj(rp_runtime *rt, void *msg, size_t len, int src) {
    rp__hdr h = {0};
    void *rep = NULL;
    size_t rlen = 0;
    int rc;
    rp__caller who = {.rank = src};
    if (__atomic_load_n(&rt->workers[src - 1].lost, __ATOMIC_ACQUIRE)) {
        free(msg); /* sent before it died: nobody waits for the answer */
        return;
    }
    if (msg != NULL && rp__hdr_decode(msg, len, &h) == 0 && h.kind == RP__MSG_OBJ_REQ) {
        rc = rp__store_exec(rt->store, &h, (uint8_t *)msg + RP__HDR_SIZE, &who, &rep, &rlen);
    } else {
        static int logged;
        if (!logged++)
            fprintf(stderr, "rankpool: unreadable object request from rank %d\n", src);
        rp__hdr bad = {.kind = RP__MSG_OBJ_REQ, .code = RP__OP_NONE, .body_len = 0};
        rc = rp__store_exec(rt->store, &bad, NULL, &who, &rep, &rlen);
    }
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
        fprintf(stderr, "rankpool: no memory to answer rank %d\n", src);
        return;
    }
    rp__iov iov = {rep, rlen};
    if (rp__send_iov(rt->comm, src, RP__MSG_OBJ_REP, &iov, 1, rep, NULL, &rt->sendq) == RP_EMPI) {
        pthread_mutex_lock(&rt->lock);
        set_fatal(rt, RP_EMPI);
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
            if (w->lost) {
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
        set_fatal(rt, RP_EMPI);
    pthread_mutex_unlock(&rt->lock);
}

/* The store has an answer for a remote caller: wake the manager thread.
 * Called with the store's lock held (the lock order is store, then pool). */
void rp__objects_ready(void *arg) {
    rp_runtime *rt = arg;
    pthread_mutex_lock(&rt->lock);
    rt->obj_pending = 1;
    pthread_cond_signal(&rt->wake);
    pthread_mutex_unlock(&rt->lock);
}

/* Make room for one more chunk in flight (before sending it). */
static int fifo_reserve(rp__worker *w) {
    if (w->len == w->cap) {
        int cap = w->cap ? w->cap * 2 : 4;
        rp__chunk *f = malloc((size_t)cap * sizeof *f);
        if (f == NULL)
            return RP_ENOMEM;
        for (int i = 0; i < w->len; i++)
            f[i] = w->fifo[(w->head + i) % w->cap];
        free(w->fifo);
        w->fifo = f;
        w->cap = cap;
        w->head = 0;
    }
    return 0;
}

static void fifo_push(rp__worker *w, const rp__chunk *c) {
    w->fifo[(w->head + w->len) % w->cap] = *c;
    w->len++;
}

/* How many items of job, from job->next, go into the next chunk. */
static uint32_t chunk_count(const rp_result *job) {
    size_t want = job->n - job->next;
    if (want > job->chunksize)
        want = job->chunksize;
    if (want > RP__MAX_COUNT)
        want = RP__MAX_COUNT;
    const size_t room = RP__MAX_MSG - RP__HDR_SIZE;
    if (job->in != NULL) {
        size_t fit = room / job->in_size;
        return (uint32_t)(want < fit ? want : fit);
    }
    /* The length table, padded, plus each item padded (the last needs no
     * padding, so this bound is safe). */
    size_t data = 0, k = 0;
    for (; k < want; k++) {
        size_t len = rp__pad(job->sizes[job->next + k]);
        if (rp__pad(8 * (k + 1)) + data + len > room)
            break;
        data += len;
    }
    return (uint32_t)(k ? k : 1); /* single items were checked at submit */
}

/* Send the next chunk of the pool's first queued call to worker wi. */
static int send_chunk(rp_runtime *rt, rp_pool *p, int wi) {
    static const uint8_t zeros[RP__ALIGN];
    rp_result *job = p->qhead;
    rp__worker *w = &rt->workers[wi];
    if (fifo_reserve(w) != 0)
        return RP_ENOMEM; /* before sending: a sent chunk must be on the books */
    /* Items whose worker was lost go first, as the chunks they were. */
    int redo = job->nredo > 0;
    size_t start = redo ? job->redo[job->nredo - 1].start : job->next;
    uint32_t count = redo ? job->redo[job->nredo - 1].count : chunk_count(job);
    rp__chunk c = {.job = job, .start = start, .count = count, .est_ns = job->item_ns * count};
    c.tries = redo ? job->redo[job->nredo - 1].tries : 0;
    c.send.req = MPI_REQUEST_NULL;
    rp__hdr h = {.kind = RP__MSG_TASK,
                 .pool = p->id,
                 .code = job->task,
                 .job = job->id,
                 .start = start,
                 .count = count};
    size_t table = job->in ? 0 : rp__pad((size_t)count * 8);
    uint8_t *head = malloc(RP__HDR_SIZE + table);
    int niov = job->in ? 2 : 1 + 2 * (int)count;
    rp__iov *iov = malloc((size_t)niov * sizeof *iov);
    if (head == NULL || iov == NULL) {
        free(head);
        free(iov);
        return RP_ENOMEM;
    }
    size_t body = table;
    int n = 1;
    if (job->in) {
        h.item_size = (uint32_t)job->in_size;
        body = (size_t)count * job->in_size;
        iov[n++] = (rp__iov){job->in + start * job->in_size, body};
    } else {
        memset(head + RP__HDR_SIZE, 0, table);
        for (uint32_t i = 0; i < count; i++) {
            size_t len = job->sizes[start + i];
            uint8_t *e = head + RP__HDR_SIZE + (size_t)i * 8;
            for (int b = 0; b < 8; b++)
                e[b] = (uint8_t)((uint64_t)len >> (8 * b));
            if (len > 0)
                iov[n++] = (rp__iov){job->args[start + i], len};
            body += len;
            if (i + 1 < count && rp__pad(len) != len) {
                iov[n++] = (rp__iov){zeros, rp__pad(len) - len};
                body += rp__pad(len) - len;
            }
        }
    }
    h.body_len = body;
    rp__hdr_encode(head, &h);
    iov[0] = (rp__iov){head, RP__HDR_SIZE + table};
    int rc;
    if (w->rank == 0) {
        /* Single-rank mode: the manager runs it; keep the message bytes. */
        uint8_t *m = malloc(RP__HDR_SIZE + body);
        rc = m ? 0 : RP_ENOMEM;
        if (m != NULL) {
            size_t at = 0;
            for (int i = 0; i < n; i++) {
                if (iov[i].len)
                    memcpy(m + at, iov[i].base, iov[i].len);
                at += iov[i].len;
            }
            c.send.owned = m;
            c.len = RP__HDR_SIZE + body;
        }
        free(head);
    } else {
        rc = rp__send_iov(rt->comm, w->rank, RP__MSG_TASK, iov, n, head, &c.send, NULL);
    }
    free(iov);
    if (rc == RP_ENOMEM || rc == RP_EMPI)
        return rc; /* retried later, or fatal */
    if (rc != 0) {
        /* This chunk cannot be sent as it is: its items fail, the rest goes on. */
        for (uint32_t i = 0; i < count; i++)
            item_fail(job, start + i, RP__ST_ERROR, rc, rp_last_error(), strlen(rp_last_error()));
    } else {
        fifo_push(w, &c);
        w->queued_ns += c.est_ns;
    }
    if (redo)
        job->nredo--;
    else
        job->next += count;
    if (job->next == job->n && job->nredo == 0) {
        p->qhead = job->qnext;
        if (p->qhead == NULL)
            p->qtail = NULL;
        job->qnext = NULL;
    }
    if (job->ndone == job->n)
        job_items_done(rt, job);
    return 0;
}

/* May worker w take one more chunk of job? */
static int has_room(const rp_runtime *rt, const rp__worker *w, const rp_result *job) {
    if (rp__worker_gone(w))
        return 0;
    if (w->parked > 0)
        return 0; /* its task waits on a shared object: a new chunk would wait too */
    if (w->len < rt->opt.prefetch)
        return 1;
    if (w->len >= RP__MAX_DEPTH || job->item_ns <= 0)
        return 0;
    return w->queued_ns + job->item_ns * (double)job->chunksize <= RP__QUEUE_TARGET_NS;
}

/* The pool's worker for the next chunk: fewest chunks in flight, then the one
 * that answered last (it is still polling, not asleep).  -1 if all are full. */
static int pick_worker(const rp_runtime *rt, const rp_pool *p) {
    int best = -1;
    for (int k = 0; k < p->nworkers; k++) {
        int wi = p->widx[k];
        const rp__worker *w = &rt->workers[wi];
        if (!has_room(rt, w, p->qhead))
            continue;
        if (best < 0 || w->len < rt->workers[best].len ||
            (w->len == rt->workers[best].len && w->seq > rt->workers[best].seq))
            best = wi;
    }
    return best;
}

static int dispatch(rp_runtime *rt) {
    int sent = 0;
    if (rt->fatal)
        return 0;
    for (rp_pool *p = rt->pools; p; p = p->next) {
        int wi;
        while (p->qhead && (wi = pick_worker(rt, p)) >= 0) {
            int rc = send_chunk(rt, p, wi);
            if (rc != 0) {
                if (rc == RP_EMPI)
                    set_fatal(rt, rc);
                return sent;
            }
            sent++;
        }
        if (p->qhead && rt->nlost > 0 && !pool_alive(rt, p)) {
            rp__pool_stop(p, RP_ELOST, "every worker of the pool was lost");
            sent++;
        }
    }
    return sent;
}

struct local_cancel {
    rp_runtime *rt;
    const rp_pool *pool;
};

/* Polled between items in single-rank mode: has the pool been terminated? */
static int local_canceled(void *arg) {
    struct local_cancel *lc = arg;
    pthread_mutex_lock(&lc->rt->lock);
    int t = lc->pool != NULL && lc->pool->state == RP__POOL_TERMINATED;
    pthread_mutex_unlock(&lc->rt->lock);
    return t;
}

/* Single-rank mode: run the oldest chunk given to rank 0 itself. */
static int run_local(rp_runtime *rt) {
    rp__worker *w = &rt->workers[0];
    if (rt->size != 1 || w->len == 0)
        return 0;
    rp__chunk *c = &w->fifo[w->head];
    const uint8_t *m = c->send.owned;
    rp__hdr th;
    rp__reader chk;
    rp__rwriter wr;
    if (rp__hdr_decode(m, c->len, &th) != 0 || rp__reader_init(&chk, &th, m + RP__HDR_SIZE) != 0 ||
        rp__rwriter_init(&wr, &th) != 0) {
        fail_head(rt, 0, "could not run a chunk");
        return 1;
    }
    struct local_cancel lc = {rt, c->job->pool};
    pthread_mutex_unlock(&rt->lock);
    int rc = rp__exec_chunk(&rt->tasks, 0, &th, m + RP__HDR_SIZE, local_canceled, &lc, &wr);
    pthread_mutex_lock(&rt->lock);
    if (rc != 0) {
        rp__buf_free(&wr.buf);
        fail_head(rt, 0, "could not run a chunk");
        return 1;
    }
    rp__hdr rh;
    rp__hdr_decode(wr.buf.p, wr.buf.len, &rh);
    handle_result(rt, 0, &rh, wr.buf.p);
    return 1;
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
        if (rank != 0 && rp__worker_gone(&rt->workers[c->dest])) {
            /* Nothing reaches it any more; a pool does not wait for it. */
            rp_pool *p = c->h.kind == RP__MSG_POOL_INIT ? find_pool(rt, c->h.pool) : NULL;
            if (p != NULL && awaited(p, c->dest) >= 0)
                pool_ack(rt, p, c->dest, 0, "", 0);
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
                handle_ack(rt, c->dest, &a, err, strlen(err));
            }
        } else if (c->h.kind == RP__MSG_SHUTDOWN) {
            /* Even after a failure: workers that can still hear must leave,
             * or the job cannot end.  rp_finalize aborts if this fails. */
            if (rp__send_ctrl(rt->comm, rank, &c->h, NULL, 0, &rt->sendq) != 0)
                rt->shutdown_failed = 1;
        } else if (!rt->fatal &&
                   rp__send_ctrl(rt->comm, rank, &c->h, c->body, c->len, &rt->sendq) == RP_EMPI) {
            set_fatal(rt, RP_EMPI);
        }
        free(c->body);
        free(c);
        n++;
    }
    return n;
}

/* Run callbacks of finished calls, then mark them complete. */
static int finish_jobs(rp_runtime *rt) {
    int n = 0;
    while (rt->completed) {
        rp_result *job = rt->completed;
        rt->completed = job->cnext;
        rp_callback cb = job->nfailed ? job->call.error_callback : job->call.callback;
        if (cb != NULL) {
            pthread_mutex_unlock(&rt->lock);
            cb(job, job->call.user);
            pthread_mutex_lock(&rt->lock);
        }
        job->complete = 1;
        if (job->pool)
            job->pool->active--;
        rp__job_unref(job);
        n++;
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
            fprintf(stderr, "rankpool: worker rank %d did not stop in time; giving up on it\n",
                    w->rank);
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

void *rp__manager_main(void *arg) {
    rp_runtime *rt = arg;
    rp__backoff b;
    rp__backoff_reset(&b);
    long slack = rp__timer_slack_tight();
    pthread_mutex_lock(&rt->lock);
    for (;;) {
        int progress = send_ctrl(rt);
        if (rt->size > 1 && !rt->fatal) {
            /* Polling MPI needs no lock (only this thread calls MPI); the
             * user's thread can submit and collect meanwhile. */
            pthread_mutex_unlock(&rt->lock);
            void *msg;
            size_t len;
            int src, tag, rc = 0;
            /* Bounded, so a flood of results cannot starve dispatch. */
            int woke = b.slept;
            b.slept = 0;
            for (int k = 0; k < 256; k++) {
                if ((rc = rp__recv_any(rt->comm, woke && k == 0, &msg, &len, &src, &tag)) != 1)
                    break;
                progress++;
                if (tag == RP__MSG_OBJ_REQ && src > 0 && src < rt->size) {
                    serve_obj(rt, msg, len, src);
                    continue;
                }
                if (tag == RP__MSG_PROC_EXIT && src > 0 && src < rt->size)
                    rp__process_gone(rt, msg, len, src); /* before the pool lock */
                pthread_mutex_lock(&rt->lock);
                handle_msg(rt, msg, len, src, tag);
                pthread_mutex_unlock(&rt->lock);
            }
            flush_objects(rt);
            int d = rp__sendq_progress(&rt->sendq);
            pthread_mutex_lock(&rt->lock);
            if (rt->obj_pending) {
                rt->obj_pending = 0; /* answers came meanwhile: go round again */
                progress++;
            }
            if (rc == RP_EMPI || d == RP_EMPI)
                set_fatal(rt, RP_EMPI);
            if (d > 0)
                progress += d;
            /* Control messages queued while the lock was free must not wait
             * for the next wakeup: their signal found nobody waiting. */
            progress += send_ctrl(rt);
        }
        while (rt->lost_pending) {
            int ranks[64];
            int n = handle_lost(rt, ranks, 64);
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
        progress += dispatch(rt);
        progress += run_local(rt);
        progress += finish_jobs(rt);
        if (rt->stop && rt->ctrl_head == NULL && workers_gone(rt))
            break;
        if (progress)
            rp__backoff_reset(&b);
        else
            rp__backoff_idle(&b, &rt->opt, sleep_limit(rt), &rt->lock, &rt->wake);
    }
    pthread_mutex_unlock(&rt->lock);
    /* After a failure some sends may never complete: give up after a while. */
    if (rt->size > 1 && rp__sendq_drain(&rt->sendq, &rt->opt, rt->fatal ? 5.0 : -1.0) != 0)
        rt->shutdown_failed = 1;
    rp__timer_slack_restore(slack);
    return NULL;
}
