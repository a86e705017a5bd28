/*
 * Dispatch on rank 0: chunks out to the workers (credits and adaptive
 * depth, docs/design.md "Dispatch"), results and acks back into their calls
 * and pools, and the work of a lost worker sent again.  Runs on the manager
 * thread, rt->lock held.
 */
#include "manager/manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Beyond opt.prefetch chunks, a worker gets more while the work queued on it
 * is expected to take less than this: enough to cover a round trip for tiny
 * tasks, while long tasks stay at `prefetch` chunks so the load stays even. */
#define RP__QUEUE_TARGET_NS 250e3
#define RP__MAX_DEPTH 256

static int keep_buf(rp_result *job, void *msg, rp__shared *sh) {
    if (job->nbufs > 0 && sh != NULL && job->bufs[job->nbufs - 1].sh == sh)
        return 0; /* kept already, by an earlier part of this batch */
    if (job->capbufs == 0) {
        job->bufs = &job->buf0; /* most calls keep one: no allocation for it */
        job->capbufs = 1;
    } else if (job->nbufs == job->capbufs) {
        size_t cap = job->capbufs * 2;
        rp__kept *v = malloc(cap * sizeof *v);
        if (v == NULL)
            return RP_ENOMEM;
        memcpy(v, job->bufs, job->nbufs * sizeof *v);
        if (job->bufs != &job->buf0)
            free(job->bufs);
        job->bufs = v;
        job->capbufs = cap;
    }
    job->bufs[job->nbufs++] = (rp__kept){sh ? NULL : msg, sh};
    if (sh != NULL)
        rp__shared_ref(sh);
    return 0;
}

/* Done with a message that no call keeps. */
static void drop_msg(void *msg, rp__shared *sh) {
    if (sh == NULL)
        free(msg);
}

void rp__handle_result(rp_runtime *rt, int wi, const rp__hdr *h, void *msg, rp__shared *sh) {
    rp__worker *w = &rt->workers[wi];
    if (w->len == 0) {
        rp__log(RP_LOG_WARN, "unexpected RESULT from rank %d dropped", w->rank);
        drop_msg(msg, sh);
        return;
    }
    if (h->count == 0) { /* the worker could not read the chunk */
        drop_msg(msg, sh);
        rp__fail_head(rt, wi, "a worker could not read a chunk");
        return;
    }
    rp__chunk c = rp__pop_chunk(rt, wi, 1);
    w->seq = ++rt->results;
    if (c.job == NULL) { /* given up on when its pool was terminated */
        drop_msg(msg, sh);
        return;
    }
    rp_result *job = c.job;
    rp_pool *pool = job->pool;
    if (pool != NULL) {
        pool->wdone[wi] += c.count;
        if (pool->timing) {
            double now = rp__now(), exec = h->code > 0 ? (double)h->code * 1e-9 : 0;
            double trip = now - c.t_sent;
            pool->t.exec += exec;
            pool->t.wire += (trip > exec ? trip - exec : 0) * c.count;
            job->t_result = now;
        }
    }
    if (h->code > 0) {
        double per_item = (double)h->code / c.count;
        job->item_ns = job->item_ns > 0 ? 0.75 * job->item_ns + 0.25 * per_item : per_item;
        rt->task_ns[job->task] = job->item_ns;
    }
    rp__reader r;
    if (h->job != job->id || h->start != c.start || h->count != c.count ||
        rp__reader_init(&r, h, (uint8_t *)msg + RP__HDR_SIZE) != 0) {
        rp__log(RP_LOG_WARN, "malformed RESULT from rank %d", w->rank);
        rp__chunk_fail(rt, &c, RP_EPROTO, "malformed result message");
        drop_msg(msg, sh);
        rp__wake_next(rt, job);
        return;
    }
    int keep = 0;
    const void *data;
    size_t len;
    int st;
    int32_t code;
    if (r.item_size > 0 && job->out != NULL && r.item_size == job->out_size) {
        /* Dense: every item succeeded, with a result of the out array's
         * record size: one copy, and the items marked in one pass. */
        uint8_t *to = job->out + c.start * job->out_size;
        memcpy(to, (uint8_t *)msg + RP__HDR_SIZE, (size_t)c.count * job->out_size);
        rp__items_ok(job, c.start, c.count, to, job->out_size);
        r.next = r.count;
    }
    for (size_t idx = c.start; rp__reader_next(&r, &data, &len, &st, &code); idx++) {
        rp__item *it = &job->items[idx];
        if (st != RP__ST_OK && rp__item_retry(rt, job, idx, st, code))
            continue; /* sent again (rp_call_options.retries) */
        if (st != RP__ST_OK) {
            rp__item_fail(job, idx, st, code, data, len);
        } else if (job->out != NULL) {
            if (len != job->out_size) {
                char m[128];
                int n =
                    snprintf(m, sizeof m, "result of %zu bytes, expected %zu", len, job->out_size);
                rp__item_fail(job, idx, RP__ST_ERROR, RP_ESIZE, m, (size_t)n);
                continue;
            }
            it->data = job->out + idx * job->out_size;
            memcpy((void *)it->data, data, len);
            it->len = len;
            rp__item_done(job, idx, RP__ST_OK, 0);
        } else {
            it->data = data;
            it->len = len;
            keep = 1;
            rp__item_done(job, idx, RP__ST_OK, 0);
        }
    }
    if (!keep || keep_buf(job, msg, sh) != 0) {
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
        drop_msg(msg, sh);
    }
    if (job->ndone == job->n)
        rp__job_items_done(rt, job);
    /* Waiters for whole calls are woken when callbacks have run
     * (finish_jobs); per item only rp_result_next cares.  Waking every
     * waiter per message would cost a futex storm on a busy map. */
    rp__wake_next(rt, job);
}

rp_pool *rp__find_pool(rp_runtime *rt, uint32_t id) {
    for (rp_pool *p = rt->pools; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

int rp__awaited(const rp_pool *p, int wi) {
    for (int k = 0; p->init_pending > 0 && k < p->nworkers; k++)
        if (p->widx[k] == wi && !p->acked[k])
            return k;
    return -1;
}

void rp__pool_ack(rp_runtime *rt, rp_pool *p, int wi, int code, const char *m, size_t len) {
    p->acked[rp__awaited(p, wi)] = 1;
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

void rp__handle_ack(rp_runtime *rt, int wi, const rp__hdr *h, const char *m, size_t len) {
    rp_pool *p = rp__find_pool(rt, h->pool);
    if (p == NULL || rp__awaited(p, wi) < 0) {
        rp__log(RP_LOG_WARN, "unexpected POOL_ACK from rank %d dropped", rt->workers[wi].rank);
        return;
    }
    rp__pool_ack(rt, p, wi, h->code, m, len);
}

/* Acks come in the order of the inits. */
void rp__handle_bad_ack(rp_runtime *rt, int wi) {
    static const char why[] = "malformed POOL_ACK";
    rp_pool *oldest = NULL;
    for (rp_pool *p = rt->pools; p; p = p->next) /* newest first */
        if (rp__awaited(p, wi) >= 0)
            oldest = p;
    rp__log(RP_LOG_WARN, "rank %d: %s", rt->workers[wi].rank, why);
    if (oldest != NULL)
        rp__pool_ack(rt, oldest, wi, RP_EPROTO, why, sizeof why - 1);
}

void rp__worker_leased(void *arg, int rank, int pid) {
    rp_runtime *rt = arg;
    pthread_mutex_lock(&rt->lock);
    if (rank >= 1 && rank <= rt->nworkers)
        rt->workers[rank - 1].pid = pid;
    pthread_mutex_unlock(&rt->lock);
}

void rp__worker_lost(void *arg, int rank, const char *why) {
    rp_runtime *rt = arg;
    pthread_mutex_lock(&rt->lock);
    rp__worker *w = &rt->workers[rank - 1];
    if (!rp__worker_gone(w) && !w->bye) {
        __atomic_store_n(&w->lost, 1, __ATOMIC_RELEASE);
        w->lost_at = rp__now();
        rt->nlost++;
        rt->lost_pending = 1;
        rp__log(w->server ? RP_LOG_ERROR : RP_LOG_WARN, "%s rank %d (pid %d) lost: %s",
                w->server ? "server" : "worker", rank, w->pid, why);
        pthread_cond_signal(&rt->wake);
    }
    pthread_mutex_unlock(&rt->lock);
}

int rp__worker_given_up(void *arg, int rank) {
    rp_runtime *rt = arg;
    return rank >= 1 && rank <= rt->nworkers && rt->workers[rank - 1].stuck;
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
    if (c->job == NULL)
        return; /* given up on already */
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
        if (rp__job_redo(job, c->start, c->count, c->tries + 1) == 0)
            return;
        snprintf(why, sizeof why, "worker rank %d was lost; no memory to send the item again",
                 rank);
    }
    rp__chunk_fail(rt, c, code, why);
    rp__wake_next(rt, job);
}

int rp__workers_live(const rp_runtime *rt) {
    int n = 0;
    for (int i = 0; i < rt->nworkers; i++)
        n += !rt->workers[i].server && !rp__worker_gone(&rt->workers[i]);
    return n;
}

/* Tell every rank still there but rank 0 (message @p h). */
static void tell_all(rp_runtime *rt, const rp__hdr *h) {
    for (int i = 0; i < rt->nworkers; i++)
        if (!rp__worker_gone(&rt->workers[i]))
            rp__ctrl_push(rt, i, h, NULL, 0);
}

/*
 * Server rank @p rank is gone, and the objects it held with it (lock
 * held): rank 0's calls to it fail with RP_ELOST naming it, and so do
 * every rank's from now on (SERVER_LOST), never answered by an empty
 * object made anew.  The workers it fed are given up on.
 */
static void server_lost(rp_runtime *rt, int rank) {
    rt->nsrv_lost++;
    __atomic_store_n(&rt->servers.lost[rank], 1, __ATOMIC_RELEASE);
    for (rp__rcall *c = rt->rcalls; c; c = c->next)
        if (c->dest == rank && !c->done) {
            c->rc = RP_ELOST;
            c->done = 1;
        }
    rp__hdr h = {.kind = RP__MSG_SERVER_LOST, .job = (uint64_t)rank};
    tell_all(rt, &h);
    /* The workers it fed are cut off: their chunks go to the others (the
     * answers on their way are lost with it), and they get nothing more
     * but the SHUTDOWN. */
    for (int i = 0; i < rt->nworkers; i++) {
        rp__worker *w = &rt->workers[i];
        if (w->feeder != rank || rp__worker_gone(w))
            continue;
        w->cut = 1; /* (before lost: readers without the lock see both) */
        __atomic_store_n(&w->lost, 1, __ATOMIC_RELEASE);
        w->lost_at = rp__now();
        rt->nlost++;
        rt->lost_pending = 1;
        rp__log(RP_LOG_WARN, "worker rank %d is cut off with its server rank %d", w->rank, rank);
    }
    rp__log(RP_LOG_ERROR, "server rank %d lost: calls on the objects it held fail with RP_ELOST%s",
            rank,
            rp__recovery_enabled() ? "" : "; without mpirun --enable-recovery the job now ends");
}

void rp__forward_drop(rp_runtime *rt, int rank, int code) {
    rp__hdr h = {.kind = RP__MSG_DROP, .job = (uint64_t)(int64_t)rank, .code = code};
    for (int i = 0; i < rt->nservers; i++)
        if (!rp__worker_gone(&rt->workers[i]))
            rp__ctrl_push(rt, i, &h, NULL, 0);
}

int rp__handle_lost(rp_runtime *rt, int *ranks, int cap) {
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
        if (w->server) {
            ranks[n++] = w->rank;
            server_lost(rt, w->rank);
            continue;
        }
        /* A worker cut off with its server is alive: its object calls are
         * still answered, so that its task can end and it can hear SHUTDOWN. */
        if (!w->cut) {
            ranks[n++] = w->rank;
            rp__forward_drop(rt, w->rank, RP_ELOST); /* its calls parked on the servers */
        }
        int chunks = w->len;
        size_t items = 0;
        while (w->len > 0) {
            /* Its sends may never complete: leave their memory to MPI. */
            rp__chunk c = rp__pop_chunk(rt, i, 0);
            items += c.count;
            requeue(rt, &c, w->rank);
        }
        w->parked = 0;
        for (rp_pool *p = rt->pools; p; p = p->next)
            if (rp__awaited(p, i) >= 0)
                rp__pool_ack(rt, p, i, 0, "", 0); /* the pool goes on without it */
        rp__processes_lost(rt, w->rank);
        rp__log(RP_LOG_WARN,
                "worker rank %d: %zu item(s) in %d chunk(s) it held go to the other "
                "workers (%.3f s after the loss)%s",
                w->rank, items, chunks, rp__now() - w->lost_at,
                rp__recovery_enabled() ? ""
                                       : "; without mpirun --enable-recovery the job now ends");
    }
    pthread_cond_broadcast(&rt->done);
    return n;
}

/* Make room for one more chunk in flight (before sending it). */
static int fifo_reserve(rp__worker *w) {
    size_t cap = (size_t)w->cap, head = (size_t)w->head;
    rp__chunk *f = rp__ring_grow(w->fifo, &cap, &head, (size_t)w->len, sizeof *f, 4);
    if (f == NULL)
        return RP_ENOMEM;
    w->fifo = f;
    w->cap = (int)cap; /* (at most RP__MAX_DEPTH chunks: far from INT_MAX) */
    w->head = (int)head;
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

/* Chunks of up to this many bytes may travel in a TASKS batch; bigger ones
 * go alone, sent in place. */
#define RP__BATCH_PART_MAX ((size_t)4096)
/* A batch is cut at this many bytes, or parts. */
#define RP__BATCH_MAX_BYTES ((size_t)64 << 10)
#define RP__BATCH_PARTS 64u
/* Chunks are batched only while the batch's expected work stays under this
 * (ns): the worker answers a batch once it ran all of it, and a long
 * batch would keep the first answers from the manager. */
#define RP__BATCH_WORK_NS 50e3

static void write_body(const rp_result *job, size_t start, uint32_t count, size_t table,
                       uint8_t *at);

/* A bundle for a server is sent once it holds this many bytes (or
 * RP__MAX_BATCH messages), else when the dispatch pass ends. */
#define RP__BUNDLE_FLUSH ((size_t)1 << 20)

/* Send server rank @p s the messages bundled for its workers. */
static int send_bundle(rp_runtime *rt, int s) {
    if (rt->nbundled == NULL || rt->nbundled[s] == 0)
        return 0;
    rp__buf *b = &rt->bundles[s];
    rp__batch_finish(b, RP__MSG_BUNDLE, rt->nbundled[s]);
    rp__iov iov = {b->p, b->len};
    void *owned = b->p;
    *b = (rp__buf){0};
    rt->nbundled[s] = 0;
    return rp__send_iov(rt->comm, s, RP__MSG_BUNDLE, &iov, 1, owned, NULL, &rt->sendq);
}

/* With server ranks: the whole message @p m (@p len bytes, a TASK or
 * TASKS; copied) for worker @p wi goes through its feeder, in the bundle
 * sent when the pass ends.  Each worker's messages keep their order. */
static int bundle_msg(rp_runtime *rt, int wi, const void *m, size_t len) {
    int s = rt->workers[wi].feeder;
    if (rt->bundles == NULL)
        return RP_ENOMEM;
    rp__buf *b = &rt->bundles[s];
    int rc = rt->nbundled[s] == 0 ? rp__batch_begin(b) : 0;
    if (rc == 0)
        rc = rp__bundle_add(b, rt->workers[wi].rank, m, len);
    if (rc != 0)
        return rc;
    if (++rt->nbundled[s] == RP__MAX_BATCH || b->len >= RP__BUNDLE_FLUSH)
        return send_bundle(rt, s);
    return 0;
}

/* Send the chunks gathered in @p bt for worker @p wi (the last bt->n of its
 * FIFO): one TASKS message, or a lone TASK.  The first chunk's send owns
 * the buffer, and is completed when its answer comes; through a server,
 * the buffer is copied into its bundle. */
static int flush_batch(rp_runtime *rt, int wi, rp__tbatch *bt) {
    if (bt->n == 0)
        return 0;

    rp__worker *w = &rt->workers[wi];
    rp__chunk *first = &w->fifo[(w->head + w->len - (int)bt->n) % w->cap];
    rp__iov iov = {bt->b.p + RP__HDR_SIZE, bt->first_len};
    int kind = RP__MSG_TASK;
    if (bt->n > 1) {
        rp__batch_finish(&bt->b, RP__MSG_TASKS, bt->n);
        iov = (rp__iov){bt->b.p, bt->b.len};
        kind = RP__MSG_TASKS;
    }
    void *owned = bt->b.p;
    bt->b = (rp__buf){0};
    bt->n = 0;
    bt->est_ns = 0;
    if (w->feeder > 0) {
        int rc = bundle_msg(rt, wi, iov.base, iov.len);
        free(owned);
        return rc;
    }
    return rp__send_iov(rt->comm, w->rank, kind, &iov, 1, owned, &first->send, NULL);
}

/* Through a server: a chunk too big for a batch, written whole (header
 * @p h, body of @p table and the items) into its feeder's bundle. */
static int bundle_alone(rp_runtime *rt, int wi, const rp_result *job, const rp__hdr *h,
                        size_t table) {
    size_t whole = RP__HDR_SIZE + (size_t)h->body_len;
    uint8_t *m = malloc(whole);
    if (m == NULL)
        return RP_ENOMEM;
    rp__hdr_encode(m, h);
    write_body(job, (size_t)h->start, h->count, table, m + RP__HDR_SIZE);
    int rc = bundle_msg(rt, wi, m, whole);
    free(m);
    return rc;
}

/* The body of a chunk of @p count items of @p job from @p start: fixed
 * records, or a length table (@p table bytes, padded) and each item padded
 * but the last. */
static size_t chunk_body(const rp_result *job, size_t start, uint32_t count, size_t *table) {
    if (job->in != NULL) {
        *table = 0;
        return (size_t)count * job->in_size;
    }
    size_t body = *table = rp__pad((size_t)count * 8);
    for (uint32_t i = 0; i < count; i++) {
        size_t len = job->sizes[start + i];
        body += i + 1 < count ? rp__pad(len) : len;
    }
    return body;
}

/* Write the chunk's body at @p at (chunk_body's layout). */
static void write_body(const rp_result *job, size_t start, uint32_t count, size_t table,
                       uint8_t *at) {
    if (job->in != NULL) {
        memcpy(at, job->in + start * job->in_size, (size_t)count * job->in_size);
        return;
    }
    memset(at, 0, table);
    uint8_t *data = at + table;
    for (uint32_t i = 0; i < count; i++) {
        size_t len = job->sizes[start + i];
        for (int b = 0; b < 8; b++)
            at[(size_t)i * 8 + b] = (uint8_t)((uint64_t)len >> (8 * b));
        if (len > 0)
            memcpy(data, job->args[start + i], len);
        size_t padded = i + 1 < count ? rp__pad(len) : len;
        memset(data + len, 0, padded - len);
        data += padded;
    }
}

/* Send a chunk alone: header and table in a new buffer, the items in place
 * (zero copy for big inputs).  The send owns the header's buffer. */
static int send_alone(rp_runtime *rt, int wi, const rp_result *job, rp__hdr *h, size_t table,
                      rp__chunk *c) {
    static const uint8_t zeros[RP__ALIGN];
    uint32_t count = (uint32_t)h->count;
    uint8_t *head = malloc(RP__HDR_SIZE + table);
    int niov = job->in ? 2 : 1 + 2 * (int)count;
    rp__iov *iov = malloc((size_t)niov * sizeof *iov);
    if (head == NULL || iov == NULL) {
        free(head);
        free(iov);
        return RP_ENOMEM;
    }
    int n = 1;
    if (job->in) {
        iov[n++] = (rp__iov){job->in + h->start * job->in_size, (size_t)h->body_len};
    } else {
        memset(head + RP__HDR_SIZE, 0, table);
        for (uint32_t i = 0; i < count; i++) {
            size_t len = job->sizes[h->start + i];
            uint8_t *e = head + RP__HDR_SIZE + (size_t)i * 8;
            for (int b = 0; b < 8; b++)
                e[b] = (uint8_t)((uint64_t)len >> (8 * b));
            if (len > 0)
                iov[n++] = (rp__iov){job->args[h->start + i], len};
            if (i + 1 < count && rp__pad(len) != len)
                iov[n++] = (rp__iov){zeros, rp__pad(len) - len};
        }
    }
    rp__hdr_encode(head, h);
    iov[0] = (rp__iov){head, RP__HDR_SIZE + table};
    int rc =
        rp__send_iov(rt->comm, rt->workers[wi].rank, RP__MSG_TASK, iov, n, head, &c->send, NULL);
    free(iov);
    return rc;
}

/* Before a part of @p len bytes and @p est_ns of work joins batch @p bt of
 * worker @p wi: send the batch first if it is full, so that a worker has
 * the next batch while it runs one, and answers each in turn. */
static int cut_batch(rp_runtime *rt, int wi, rp__tbatch *bt, size_t len, double est_ns) {
    if (bt->n == 0 || (bt->n < RP__BATCH_PARTS && bt->est_ns + est_ns <= RP__BATCH_WORK_NS &&
                       bt->b.len + rp__pad(len) <= RP__BATCH_MAX_BYTES))
        return 0;
    int rc = flush_batch(rt, wi, bt);
    rp__buf_free(&bt->b);
    return rc;
}

/* Send the next chunk of the pool's first queued call to worker wi: into
 * batch @p bt (NULL: none) when it is small and quick, written there in
 * place, else alone (after what @p bt holds, so the order stays). */
static int send_chunk(rp_runtime *rt, rp_pool *p, int wi, rp__tbatch *bt) {
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
    size_t table;
    size_t body = chunk_body(job, start, count, &table);
    rp__hdr h = {.kind = RP__MSG_TASK,
                 .flags = job->out != NULL ? RP__TASK_DENSE : 0,
                 .pool = p->id,
                 .code = job->task,
                 .job = job->id,
                 .start = start,
                 .count = count,
                 .item_size = job->in ? (uint32_t)job->in_size : 0,
                 .body_len = body};
    size_t whole = RP__HDR_SIZE + body;
    /* Its tries that failed before (rp_call_options.retries), above the flags. */
    h.flags |= (uint16_t)(rp__chunk_sending(job, start, count, redo) << RP__TASK_TRIES_SHIFT);
    /* The poison-task rule: items that were on a worker when it was lost
     * run again in a forked executor, so that a second crash costs no
     * worker (and fails the item that crashed). */
    if (c.tries > 0)
        h.flags |= RP__TASK_ISOLATE;
    int rc;
    if (w->rank == 0) {
        /* Single-rank mode: the manager runs it; keep the message bytes. */
        uint8_t *m = malloc(whole);
        rc = m ? 0 : RP_ENOMEM;
        if (m != NULL) {
            rp__hdr_encode(m, &h);
            write_body(job, start, count, table, m + RP__HDR_SIZE);
            c.send.owned = m;
            c.len = whole;
        }
    } else if (bt != NULL && whole <= RP__BATCH_PART_MAX && c.est_ns > 0 &&
               c.est_ns <= RP__BATCH_WORK_NS) {
        /* Into the batch, padded. */
        rc = cut_batch(rt, wi, bt, whole, c.est_ns);
        if (rc == 0 && bt->n == 0)
            rc = rp__batch_begin(&bt->b);
        if (rc == 0) /* (+ 16: the padding is written as 16 zero bytes, without a loop) */
            rc = rp__buf_reserve(&bt->b, rp__pad(whole) + RP__ALIGN);
        if (rc == 0) {
            uint8_t *at = bt->b.p + bt->b.len;
            if (bt->n == 0)
                bt->first_len = whole;
            rp__hdr_encode(at, &h);
            write_body(job, start, count, table, at + RP__HDR_SIZE);
            memset(at + whole, 0, RP__ALIGN);
            bt->b.len += rp__pad(whole);
            bt->n++;
            bt->est_ns += c.est_ns;
        }
    } else {
        rc = bt != NULL ? flush_batch(rt, wi, bt) : 0;
        if (rc == 0)
            rc = w->feeder > 0 ? bundle_alone(rt, wi, job, &h, table)
                               : send_alone(rt, wi, job, &h, table, &c);
    }
    if (rc == RP_ENOMEM || rc == RP_EMPI)
        return rc; /* retried later, or fatal */
    if (rc != 0) {
        /* This chunk cannot be sent as it is: its items fail, the rest goes on. */
        for (uint32_t i = 0; i < count; i++)
            rp__item_fail(job, start + i, RP__ST_ERROR, rc, rp_last_error(),
                          strlen(rp_last_error()));
    } else {
        if (p->timing) {
            c.t_sent = rp__now();
            p->t.queue += (c.t_sent - job->t_submit) * count;
        }
        fifo_push(w, &c);
        w->queued_ns += c.est_ns;
        rt->inflight++;
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
        rp__job_items_done(rt, job);
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

int rp__dispatch(rp_runtime *rt) {
    int sent = 0;
    if (rt->fatal)
        return 0;
    /* Chunks go where they always went (pick_worker); the small ones for
     * one worker gather in its batch, sent when this pass ends. */
    if (rt->batches == NULL && rt->size > 1) {
        rt->batches = calloc((size_t)rt->nworkers, sizeof *rt->batches);
        rt->touched = malloc((size_t)rt->nworkers * sizeof *rt->touched);
        if (rt->batches == NULL || rt->touched == NULL) {
            free(rt->batches);
            free(rt->touched);
            rt->batches = NULL;
            rt->touched = NULL;
        }
    }
    if (rt->bundles == NULL && rt->feeds > 0) {
        rt->bundles = calloc((size_t)rt->feeds + 1, sizeof *rt->bundles);
        rt->nbundled = calloc((size_t)rt->feeds + 1, sizeof *rt->nbundled);
        if (rt->bundles == NULL || rt->nbundled == NULL) {
            free(rt->bundles);
            free(rt->nbundled);
            rt->bundles = NULL;
            rt->nbundled = NULL;
            return 0; /* (tried again next pass) */
        }
    }
    int ntouched = 0, rc = 0, backlog = 0;
    for (rp_pool *p = rt->pools; p && rc == 0; p = p->next) {
        int wi;
        while (rc == 0 && p->qhead && (wi = pick_worker(rt, p)) >= 0) {
            rp__tbatch *bt = rt->batches != NULL ? &rt->batches[wi] : NULL;
            if (bt != NULL && !bt->listed) {
                bt->listed = 1;
                rt->touched[ntouched++] = wi;
            }
            rc = send_chunk(rt, p, wi, bt);
            if (rc == 0)
                sent++;
            else if (rc == RP_EMPI)
                rp__set_fatal(rt, rc);
        }
        if (rc == 0 && p->qhead && rt->nlost > 0 && !pool_alive(rt, p)) {
            rp__pool_stop(p, RP_ELOST, "every worker of the pool was lost");
            sent++;
        }
        backlog |= p->qhead != NULL;
    }
    rt->backlog = backlog;
    for (int k = 0; k < ntouched; k++) {
        rp__tbatch *bt = &rt->batches[rt->touched[k]];
        int frc = rt->fatal ? 0 : flush_batch(rt, rt->touched[k], bt);
        rp__buf_free(&bt->b); /* after a failure: what was not sent */
        *bt = (rp__tbatch){0};
        if (frc == RP_EMPI)
            rp__set_fatal(rt, frc);
    }
    for (int s = 1; s <= rt->feeds && rt->bundles != NULL; s++)
        if (!rt->fatal && send_bundle(rt, s) == RP_EMPI)
            rp__set_fatal(rt, RP_EMPI);
    return sent;
}

void rp__dispatch_free(rp_runtime *rt) {
    free(rt->batches);
    free(rt->touched);
    rt->batches = NULL;
    rt->touched = NULL;
    for (int s = 0; rt->bundles != NULL && s <= rt->feeds; s++)
        rp__buf_free(&rt->bundles[s]);
    free(rt->bundles);
    free(rt->nbundled);
    rt->bundles = NULL;
    rt->nbundled = NULL;
}

/* Polled between items in single-rank mode: has the running chunk's pool
 * been terminated (or the chunk been given up on, its pool maybe freed)?
 * The chunk is the head of rank 0's own queue. */
static int local_canceled(void *arg) {
    rp_runtime *rt = arg;
    pthread_mutex_lock(&rt->lock);
    const rp__worker *w = &rt->workers[0];
    const rp_result *job = w->len > 0 ? w->fifo[w->head].job : NULL;
    int t = job == NULL || (job->pool != NULL && job->pool->state == RP__POOL_TERMINATED);
    pthread_mutex_unlock(&rt->lock);
    return t;
}

int rp__run_local(rp_runtime *rt) {
    rp__worker *w = &rt->workers[0];
    if (rt->size != 1 || w->len == 0)
        return 0;
    rp__chunk *c = &w->fifo[w->head];
    if (c->job == NULL) { /* given up on before it ran */
        rp__pop_chunk(rt, 0, 1);
        return 1;
    }
    const uint8_t *m = c->send.owned;
    rp__hdr th;
    rp__reader chk;
    rp__rwriter wr;
    if (rp__hdr_decode(m, c->len, &th) != 0 || rp__reader_init(&chk, &th, m + RP__HDR_SIZE) != 0 ||
        rp__rwriter_init(&wr, &th) != 0) {
        rp__fail_head(rt, 0, "could not run a chunk");
        return 1;
    }
    pthread_mutex_unlock(&rt->lock);
    int rc = rp__exec_chunk(&rt->tasks, 0, &th, m + RP__HDR_SIZE, local_canceled, rt, &wr);
    pthread_mutex_lock(&rt->lock);
    if (rc != 0) {
        rp__buf_free(&wr.buf);
        rp__fail_head(rt, 0, "could not run a chunk");
        return 1;
    }
    rp__hdr rh;
    rp__hdr_decode(wr.buf.p, wr.buf.len, &rh);
    rp__handle_result(rt, 0, &rh, wr.buf.p, NULL);
    return 1;
}
