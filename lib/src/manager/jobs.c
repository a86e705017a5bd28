/*
 * Calls, chunks and pools as the manager keeps them (rank 0, rt->lock
 * held): an item's outcome, a call's completion and references, a chunk
 * taken back from a worker, a pool terminated, and the calls submitted
 * without the lock.
 */
#include "manager/manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rp__on_manager(const rp_runtime *rt) {
    return rt != NULL && rt->mgr_started && pthread_equal(pthread_self(), rt->mgr);
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
    for (size_t i = 0; job->nfailed > 0 && i < job->n; i++)
        free(job->items[i].msg); /* (only failed items have one) */
    for (size_t i = 0; i < job->nbufs; i++) {
        if (job->bufs[i].sh != NULL)
            rp__shared_unref(job->bufs[i].sh);
        else
            free(job->bufs[i].msg);
    }
    if (job->bufs != &job->buf0)
        free(job->bufs);
    if (!job->inline_items)
        free(job->items);
    free(job->order);
    free(job->redo);
    free(job->tries);
    if (job->block && job->rt != NULL)
        rp__job_block_free(job->rt, job);
    else
        free(job);
}

/* All items are in: hand the call to the callback stage. */
void rp__job_items_done(rp_runtime *rt, rp_result *job) {
    __atomic_store_n(&job->items_in, 1, __ATOMIC_RELEASE); /* for its callbacks, without the lock */
    job->cnext = NULL;
    if (rt->completed_tail != NULL)
        rt->completed_tail->cnext = job;
    else
        rt->completed = job;
    rt->completed_tail = job;
}

void rp__item_done(rp_result *job, size_t idx, int status, int code) {
    rp__item *it = &job->items[idx];
    it->status = 1 + status;
    it->code = code;
    job->ndone++;
    if (status != RP__ST_OK)
        job->nfailed++;
    if (job->pool != NULL) {
        if (status == RP__ST_OK)
            job->pool->items_done++;
        else
            job->pool->items_failed++;
    }
    if (job->order != NULL)
        job->order[job->norder++] = idx;
}

void rp__items_ok(rp_result *job, size_t start, uint32_t count, const uint8_t *data,
                  size_t stride) {
    rp__item *it = &job->items[start];
    for (uint32_t i = 0; i < count; i++, it++) {
        it->data = data + (size_t)i * stride;
        it->len = stride;
        it->status = 1 + RP__ST_OK;
        it->code = 0;
    }
    if (job->order != NULL)
        for (uint32_t i = 0; i < count; i++)
            job->order[job->norder++] = start + i;
    job->ndone += count;
    if (job->pool != NULL)
        job->pool->items_done += count;
}

void rp__item_fail(rp_result *job, size_t idx, int status, int code, const char *msg, size_t len) {
    rp__item *it = &job->items[idx];
    it->msg = malloc(len + 1);
    if (it->msg != NULL) {
        memcpy(it->msg, msg, len);
        it->msg[len] = '\0';
    }
    rp__item_done(job, idx, status, code);
}

size_t rp__job_undispatched(const rp_result *job) {
    size_t n = job->n - job->next;
    for (size_t k = 0; k < job->nredo; k++)
        n += job->redo[k].count;
    return n;
}

void rp__job_fail_rest(rp_runtime *rt, rp_result *job, int status, int code, const char *why) {
    int had_rest = rp__job_undispatched(job) > 0;
    job->nunsent += job->n - job->next; /* never sent (rp_result_attempts) */
    for (size_t i = job->next; i < job->n; i++)
        rp__item_fail(job, i, status, code, why, strlen(why));
    for (size_t k = 0; k < job->nredo; k++)
        for (uint32_t i = 0; i < job->redo[k].count; i++)
            rp__item_fail(job, job->redo[k].start + i, status, code, why, strlen(why));
    job->nredo = 0;
    job->next = job->n;
    if (had_rest && job->ndone == job->n)
        rp__job_items_done(rt, job);
}

/* Fail every item of a chunk that got no usable answer (an RP_E* code). */
void rp__chunk_fail(rp_runtime *rt, rp__chunk *c, int code, const char *why) {
    if (c->job == NULL)
        return; /* given up on already */
    for (uint32_t i = 0; i < c->count; i++)
        rp__item_fail(c->job, c->start + i, RP__ST_ERROR, code, why, strlen(why));
    if (c->job->ndone == c->job->n)
        rp__job_items_done(rt, c->job);
}

/* Wake rp_result_next waiters of job, if there are any. */
void rp__wake_next(rp_runtime *rt, const rp_result *job) {
    if (job != NULL && job->nextwaiters)
        pthread_cond_broadcast(&rt->done);
}

/*
 * Take the oldest chunk in flight off worker wi's queue.  With @p wait its
 * TASK send is completed first; without (the communicator failed), the send's
 * memory is left to MPI rather than freed under it.
 */
rp__chunk rp__pop_chunk(rp_runtime *rt, int wi, int wait) {
    rp__worker *w = &rt->workers[wi];
    rp__chunk c = w->fifo[w->head];
    w->head = (w->head + 1) % w->cap;
    w->len--;
    w->queued_ns = w->len > 0 ? w->queued_ns - c.est_ns : 0;
    rt->inflight--;
    if (wait)
        rp__send_wait(&c.send);
    return c;
}

/* Worker wi answered its oldest chunk with something unusable: fail that
 * chunk, so its call completes and the books stay in step with the worker. */
void rp__fail_head(rp_runtime *rt, int wi, const char *why) {
    rp__worker *w = &rt->workers[wi];
    rp__log(RP_LOG_WARN, "rank %d: %s", w->rank, why);
    if (w->len == 0)
        return;
    rp__chunk c = rp__pop_chunk(rt, wi, 1);
    rp__chunk_fail(rt, &c, RP_EPROTO, why);
    rp__wake_next(rt, c.job);
}

/* The communicator failed: fail all outstanding work and wake every waiter,
 * so that no call waits for an answer that cannot come. */
void rp__set_fatal(rp_runtime *rt, int code) {
    static const char why[] = "communication failed";
    if (rt->fatal)
        return;
    rp__drain_subs(rt); /* what was submitted fails too */
    __atomic_store_n(&rt->fatal, code, __ATOMIC_RELEASE);
    rp__log(RP_LOG_ERROR, "%s (%s); failing all outstanding work", why, rp_err_name(code));
    for (int i = 0; i < rt->nworkers; i++)
        while (rt->workers[i].len > 0) {
            rp__chunk c = rp__pop_chunk(rt, i, 0);
            rp__chunk_fail(rt, &c, code, why);
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

void rp__abandon_busy(rp_runtime *rt) {
    for (int i = 0; i < rt->nworkers; i++) {
        rp__worker *w = &rt->workers[i];
        if (w->len == 0 || rp__worker_gone(w) || w->rank == 0)
            continue;
        w->stuck = 1;
        rt->nlost++;
        rp__log(RP_LOG_WARN, "worker rank %d still runs a task at shutdown; giving up on it",
                w->rank);
        while (w->len > 0) {
            rp__chunk c = rp__pop_chunk(rt, i, 0);
            rp__chunk_fail(rt, &c, RP_ETIMEDOUT, "still running when the runtime was finalized");
            rp__wake_next(rt, c.job);
        }
    }
    pthread_cond_broadcast(&rt->done);
}

void rp__pool_abandon(rp_runtime *rt, rp_pool *pool, double grace) {
    for (int k = 0; k < pool->nworkers; k++) {
        rp__worker *w = &rt->workers[pool->widx[k]];
        for (int i = 0; i < w->len; i++) {
            rp__chunk *c = &w->fifo[(w->head + i) % w->cap];
            if (c->job == NULL || c->job->pool != pool)
                continue;
            char why[160];
            snprintf(why, sizeof why,
                     "still on worker rank %d when its pool was terminated; given up after %g s",
                     w->rank, grace);
            rp_result *job = c->job;
            rp__chunk_fail(rt, c, RP_ECANCELED, why);
            rp__wake_next(rt, job);
            c->job = NULL;
        }
    }
    pthread_cond_broadcast(&rt->done);
    pthread_cond_signal(&rt->wake); /* the callbacks of what completed */
}

int rp__pool_stop(rp_pool *pool, int code, const char *why) {
    rp_runtime *rt = pool->rt;
    int rc = 0;
    rp__drain_subs(rt); /* the calls submitted so far are canceled with the rest */
    if (pool->state == RP__POOL_TERMINATED)
        return 0;
    __atomic_store_n(&pool->state, RP__POOL_TERMINATED, __ATOMIC_RELEASE);
    /* Canceled is what terminate does; a stop for another reason (lost
     * workers, a signal) fails the items with its own code and words. */
    int status = code == RP_ECANCELED ? RP__ST_CANCELED : RP__ST_ERROR;
    for (rp_result *j = pool->qhead, *nx; j; j = nx) {
        nx = j->qnext;
        j->qnext = NULL;
        rp__job_fail_rest(rt, j, status, code, why);
    }
    pool->qhead = pool->qtail = NULL;
    pthread_cond_broadcast(&rt->done); /* imap readers: canceled items are ready */
    for (int k = 0; k < pool->nworkers; k++) {
        rp__hdr h = {.kind = RP__MSG_POOL_CANCEL, .pool = pool->id};
        int r = rp__ctrl_push(rt, pool->widx[k], &h, NULL, 0);
        rc = rc ? rc : r;
    }
    pthread_cond_signal(&rt->wake);
    return rc;
}

void rp__subs_init(rp_runtime *rt) {
    rt->sub_stub.snext = NULL;
    rt->subs_in = rt->subs_out = &rt->sub_stub;
}

/* Link @p job at the end of the submission queue (any thread). */
static void subs_put(rp_runtime *rt, rp_result *job) {
    job->snext = NULL;
    rp_result *prev = __atomic_exchange_n(&rt->subs_in, job, __ATOMIC_SEQ_CST);
    /* Until this store the consumer sees the queue end at prev, and takes
     * the rest on a later pass. */
    __atomic_store_n(&prev->snext, job, __ATOMIC_RELEASE);
}

void rp__push_sub(rp_runtime *rt, rp_result *job, int wake) {
    subs_put(rt, job);
    /* Seen after the exchange (both sequentially consistent): either the
     * manager sees the call before it sleeps, or this sees it asleep. */
    if (wake && __atomic_load_n(&rt->mgr_asleep, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&rt->lock);
        pthread_cond_signal(&rt->wake);
        pthread_mutex_unlock(&rt->lock);
    }
}

/* The oldest submitted call, or NULL (lock held: one consumer at a time). */
static rp_result *subs_take(rp_runtime *rt) {
    rp_result *out = rt->subs_out, *next = __atomic_load_n(&out->snext, __ATOMIC_ACQUIRE);
    if (out == &rt->sub_stub) {
        if (next == NULL)
            return NULL;
        rt->subs_out = out = next;
        next = __atomic_load_n(&out->snext, __ATOMIC_ACQUIRE);
    }
    if (next != NULL) {
        rt->subs_out = next;
        return out;
    }
    if (out != __atomic_load_n(&rt->subs_in, __ATOMIC_SEQ_CST))
        return NULL; /* a producer is linking the next one: later */
    /* out is the last: put the stub behind it, so it can be taken. */
    subs_put(rt, &rt->sub_stub);
    next = __atomic_load_n(&out->snext, __ATOMIC_ACQUIRE);
    if (next == NULL)
        return NULL;
    rt->subs_out = next;
    return out;
}

/* One submitted call into its pool (lock held). */
static void file_job(rp_runtime *rt, rp_result *job) {
    rp_pool *pool = job->pool;
    job->id = ++rt->next_job; /* here, not by the submitters: no shared counter for them */
    if (job->refs > 1) {
        /* A handle the user holds: rp_finalize detaches it.  A call without
         * one ends before its pool does, so it need not be listed. */
        job->lnext = rt->live;
        if (rt->live)
            rt->live->lprev = job;
        rt->live = job;
    }
    job->item_ns = rt->task_ns[job->task]; /* a start from earlier calls of this task */
    if (pool->state == RP__POOL_TERMINATED) {
        /* Terminated after the caller looked: as if it came a moment earlier. */
        rp__job_fail_rest(rt, job, RP__ST_CANCELED, RP_ECANCELED, "canceled by pool terminate");
        if (job->n == 0)
            rp__job_items_done(rt, job);
    } else if (job->n == 0) {
        rp__job_items_done(rt, job); /* nothing to run: straight to the callbacks */
    } else if (pool->qtail) {
        pool->qtail->qnext = job;
        pool->qtail = job;
    } else {
        pool->qhead = pool->qtail = job;
    }
}

size_t rp__drain_some(rp_runtime *rt, size_t max) {
    size_t n = 0;
    rp_result *job;
    while (n < max && (job = subs_take(rt)) != NULL) {
        job->snext = NULL;
        file_job(rt, job);
        n++;
    }
    return n;
}

void rp__drain_subs(rp_runtime *rt) {
    rp__drain_some(rt, SIZE_MAX);
}

/* Blocks kept for reuse, at most: 32 MiB in the runtime's list.  A flood
 * of fire-and-forget calls then runs on the same memory instead of faulting
 * in new pages, and the manager's frees do not take the lock of the
 * submitter's malloc arena. */
#define RP__MAX_FREE_BLOCKS 65536u

/* A free block: the next one, and how many the list holds from here. */
typedef struct free_block {
    struct free_block *next;
    size_t count;
} free_block;

/* Each submitting thread takes the runtime's whole free list at once into
 * a list of its own, and takes its blocks from there without a lock.  The
 * blocks are plain malloc'd memory: a thread's list is freed when the
 * thread ends (or by rp_finalize, for the thread that calls it). */
static _Thread_local free_block *tl_blocks;
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;

static void free_list(free_block *b) {
    for (free_block *nx; b != NULL; b = nx) {
        nx = b->next;
        free(b);
    }
}

static void tl_exit(void *arg) {
    (void)arg;
    free_list(tl_blocks);
    tl_blocks = NULL;
}

static void tl_key_init(void) {
    pthread_key_create(&tl_key, tl_exit);
}

void *rp__job_block(rp_runtime *rt) {
    if (tl_blocks == NULL) {
        tl_blocks = __atomic_exchange_n((free_block **)&rt->free_blocks, NULL, __ATOMIC_ACQUIRE);
        if (tl_blocks != NULL) {
            pthread_once(&tl_once, tl_key_init);
            pthread_setspecific(tl_key, &tl_blocks); /* so that tl_exit runs */
        }
    }
    free_block *b = tl_blocks;
    if (b == NULL)
        return malloc(RP__JOB_BLOCK);
    tl_blocks = b->next;
    return b;
}

void rp__job_block_free(rp_runtime *rt, void *block) {
    free_block *fb = block,
               *top = __atomic_load_n((free_block **)&rt->free_blocks, __ATOMIC_RELAXED);
    if (top != NULL && top->count >= RP__MAX_FREE_BLOCKS) {
        free(block);
        return;
    }
    do {
        fb->next = top;
        fb->count = top != NULL ? top->count + 1 : 1;
    } while (!__atomic_compare_exchange_n((free_block **)&rt->free_blocks, &top, fb, 1,
                                          __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

void rp__job_blocks_fini(rp_runtime *rt) {
    free_list(__atomic_exchange_n((free_block **)&rt->free_blocks, NULL, __ATOMIC_ACQUIRE));
    free_list(tl_blocks);
    tl_blocks = NULL;
}
