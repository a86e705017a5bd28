/*
 * Pools, on the user's side: checking arguments, building calls (jobs) and
 * queueing them for the manager thread, close/terminate/join.  Nothing here
 * calls MPI; the manager thread does all sending.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

/* The largest single item: one item must fit one message with its table. */
#define RP__MAX_ITEM (RP__MAX_MSG - RP__HDR_SIZE - RP__ALIGN)

static const rp_call_options default_call = RP_CALL_OPTIONS_INIT;

/* Blocking calls from the manager thread (a callback, or a task in
 * single-rank mode) would wait for that very thread: refuse them before
 * anything is queued, so the failed call has no effect. */
static int check_may_block(const rp_runtime *rt, const char *what) {
    if (rp__on_manager(rt))
        return rp__err(RP_EDEADLK, "%s from a callback (or a single-rank task) would deadlock",
                       what);
    return 0;
}

int rp_pool_create(rp_runtime *rt, const rp_pool_options *opts, rp_pool **out) {
    static const rp_pool_options defaults = RP_POOL_OPTIONS_INIT;
    if (out != NULL)
        *out = NULL; /* whatever happens: a refused call leaves nothing to free */
    if (rt == NULL || out == NULL)
        return rp__err(RP_EINVAL, "rp_pool_create: NULL runtime or pool pointer");
    if (rt->rank != 0)
        return rp__err(RP_ENOTMANAGER, "rp_pool_create on rank %d", rt->rank);
    if (check_may_block(rt, "rp_pool_create") != 0)
        return RP_EDEADLK;
    rp_pool_options own;
    if (rp__opts_take(&own, &defaults, sizeof own, opts, RP__POOL_OPTIONS_MIN, "rp_pool_options"))
        return RP_EINVAL;
    opts = &own;
    if (opts->workers < 0)
        return rp__err(RP_EINVAL, "rp_pool_create: negative worker count %d", opts->workers);
    int init = -1;
    if (opts->initializer != NULL) {
        init = rp__task_find(&rt->tasks, opts->initializer);
        if (init < 0)
            return rp__err(RP_ENOTASK, "no task named '%s' (initializer)", opts->initializer);
    }
    if (opts->initarg == NULL && opts->initarg_size > 0)
        return rp__err(RP_EINVAL, "rp_pool_create: NULL initarg with size %zu", opts->initarg_size);
    if (rp__timeout_check(opts->task_timeout, "rp_pool_create: task_timeout") != 0)
        return RP_EINVAL;
    if (!opts->isolate && (opts->maxtasksperchild > 0 || opts->task_timeout > 0))
        return rp__err(RP_EINVAL, "rp_pool_create: maxtasksperchild and task_timeout need isolate");
    if (opts->task_timeout > 1e9)
        return rp__err(RP_EINVAL, "rp_pool_create: task_timeout %g out of range",
                       opts->task_timeout);
    if (opts->initarg_size > RP__MAX_ITEM)
        return rp__err(RP_ETOOBIG, "initializer argument of %zu bytes", opts->initarg_size);
    if (rp__timeout_check(opts->terminate_grace, "rp_pool_create: terminate_grace") != 0)
        return RP_EINVAL;

    rp_pool *p = calloc(1, sizeof *p);
    /* Lost workers are never given to a new pool. */
    pthread_mutex_lock(&rt->lock);
    int live = rp__workers_live(rt);
    pthread_mutex_unlock(&rt->lock);
    if (live < 1)
        live = 1; /* refused below, under the lock */
    int n = opts->workers == 0 || opts->workers > live ? live : opts->workers;
    if (p != NULL) {
        p->widx = malloc((size_t)n * sizeof *p->widx);
        p->acked = calloc((size_t)n, 1);
        p->wdone = calloc((size_t)rt->nworkers, sizeof *p->wdone);
    }
    if (p == NULL || p->widx == NULL || p->acked == NULL || p->wdone == NULL) {
        if (p != NULL) {
            free(p->widx);
            free(p->acked);
            free(p->wdone);
        }
        free(p);
        return rp__err(RP_ENOMEM, "rp_pool_create: out of memory");
    }
    p->rt = rt;
    p->nworkers = n;
    p->timing = opts->timing != 0;
    p->grace = opts->terminate_grace;

    pthread_mutex_lock(&rt->lock);
    /* Live workers first, then the least used, lowest rank breaking ties. */
    char *taken = calloc((size_t)rt->nworkers, 1);
    int rc = taken ? 0 : RP_ENOMEM;
    if (rc == 0 && rt->interrupted)
        rc = rp__err(RP_EINTR, "the pools were stopped by signal %d", rt->interrupted);
    if (rc == 0 && rp__workers_live(rt) == 0)
        rc = rp__err(RP_ELOST, "every worker was lost");
    int got = 0;
    for (int k = 0; k < n && rc == 0; k++, got++) {
        int best = -1;
        for (int i = 0; i < rt->nworkers; i++) {
            if (taken[i] || rt->workers[i].server)
                continue;
            const rp__worker *w = &rt->workers[i], *b = best < 0 ? NULL : &rt->workers[best];
            int dead = rp__worker_gone(w), bdead = b && rp__worker_gone(b);
            if (b == NULL || dead < bdead || (dead == bdead && w->npools < b->npools))
                best = i;
        }
        taken[best] = 1;
        p->widx[k] = best;
        rt->workers[best].npools++;
    }
    free(taken);
    p->nworkers = got; /* all n, unless refused */
    p->id = ++rt->next_pool;
    p->init_pending = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        void *body = NULL;
        if (opts->initarg_size > 0) {
            body = malloc(opts->initarg_size);
            if (body == NULL) {
                rc = RP_ENOMEM;
                break;
            }
            memcpy(body, opts->initarg, opts->initarg_size);
        }
        rp__hdr h = {.kind = RP__MSG_POOL_INIT, .pool = p->id, .code = init};
        if (opts->isolate) {
            h.flags = RP__POOL_ISOLATE;
            h.job = opts->maxtasksperchild;
            h.start = opts->task_timeout > 0 ? (uint64_t)(opts->task_timeout * 1e6) : 0;
        }
        rc = rp__ctrl_push(rt, p->widx[k], &h, body, opts->initarg_size);
        if (rc != 0)
            break;
        p->init_pending++;
    }
    p->next = rt->pools;
    rt->pools = p;
    /* Wait for every worker to confirm (and run the initializer). */
    rp__wait wt = RP__WAIT_INIT;
    while (rc == 0 && p->init_pending > 0)
        rc = rp__wait_step(rt, -1.0, &wt);
    rp__wait_end(rt, &wt);
    if (rc == 0 && p->init_rc != 0)
        rc = rp__err(RP_EINIT, "initializer '%s' failed (%d) on %s",
                     opts->initializer ? opts->initializer : "(none)", p->init_rc, p->init_msg);
    pthread_mutex_unlock(&rt->lock);
    if (rc != 0) {
        __atomic_store_n(&p->state, RP__POOL_TERMINATED, __ATOMIC_RELEASE);
        int keep = rc;
        if (rc != RP_EDEADLK)
            rp_pool_destroy(p);
        return keep;
    }
    *out = p;
    rp__err_clear();
    return 0;
}

int rp_pool_workers(const rp_pool *pool) {
    return pool ? pool->nworkers : 0;
}

/* A new call of @p n items; fills the common parts.  A call of one item
 * (apply) is one allocation: the call, its item and @p extra bytes (its
 * argument's copy) together. */
static int job_new(rp_pool *pool, const char *task, size_t n, const rp_call_options *opts,
                   int keep_order, size_t extra, rp_result **out) {
    if (pool == NULL)
        return rp__err(RP_EINVAL, "NULL pool");
    rp_call_options call;
    if (rp__opts_take(&call, &default_call, sizeof call, opts, RP__CALL_OPTIONS_MIN,
                      "rp_call_options"))
        return RP_EINVAL;
    if (call.retries < 0 || call.retries > 1000)
        return rp__err(RP_EINVAL, "retries %d out of range (0..1000)", call.retries);
    if (rp__timeout_check(call.timeout, "call timeout") != 0)
        return RP_EINVAL;
    int t = rp__task_find(&pool->rt->tasks, task);
    if (t < 0)
        return rp__err(RP_ENOTASK, "no task named '%s'", task ? task : "(null)");
    int one = n == 1 && !keep_order;
    size_t head = (sizeof(rp_result) + 15) & ~(size_t)15, need = head + sizeof(rp__item) + extra;
    int block = one && need <= RP__JOB_BLOCK;
    rp_result *job = block ? rp__job_block(pool->rt) : one ? malloc(need) : calloc(1, sizeof *job);
    if (job == NULL)
        return rp__err(RP_ENOMEM, "out of memory");
    if (one) {
        memset(job, 0, head + sizeof(rp__item));
        job->items = (rp__item *)((uint8_t *)job + head);
        job->inline_items = 1;
        job->block = block;
    } else {
        job->items = calloc(n ? n : 1, sizeof *job->items);
    }
    if (job->items == NULL || (keep_order && (job->order = malloc(n * sizeof(size_t))) == NULL)) {
        if (!job->inline_items)
            free(job->items);
        free(job);
        return rp__err(RP_ENOMEM, "out of memory for %zu results", n);
    }
    job->rt = pool->rt;
    job->pool = pool;
    job->task = t;
    job->n = n;
    job->unordered = keep_order;
    job->call = call;
    *out = job;
    return 0;
}

/* Queue a built call without a lock: the manager files it into its pool
 * (rp__drain_subs).  A caller that will wait for it (@p waited) drives it
 * out itself, so the manager is not woken for it.  On failure frees it. */
static int job_submit(rp_pool *pool, rp_result *job, size_t default_chunk, rp_result **res,
                      int waited) {
    rp_runtime *rt = pool->rt;
    int f = __atomic_load_n(&rt->fatal, __ATOMIC_ACQUIRE);
    int sig = __atomic_load_n(&rt->interrupted, __ATOMIC_ACQUIRE);
    int state = __atomic_load_n(&pool->state, __ATOMIC_ACQUIRE);
    int rc = f     ? rp__err(f, "the runtime's communication failed earlier")
             : sig ? rp__err(RP_EINTR, "the pools were stopped by signal %d", sig)
             : state != RP__POOL_OPEN ? rp__err(RP_ECLOSED, "pool is %s",
                                                state == RP__POOL_CLOSED ? "closed" : "terminated")
                                      : 0;
    if (rc != 0) {
        job->refs = 1;
        rp__job_unref(job); /* never linked: no lock needed */
        return rc;
    }
    job->refs = res ? 2 : 1;
    job->chunksize = job->call.chunksize ? job->call.chunksize : default_chunk;
    if (pool->timing)
        job->t_submit = rp__now();
    __atomic_add_fetch(&pool->submitted, 1, __ATOMIC_RELAXED);
    if (res)
        *res = job; /* before the push: the manager may free a handle-less call */
    rp__push_sub(rt, job, !waited || rt->size == 1);
    rp__err_clear();
    return 0;
}

/*
 * The blocking forms' wait.  On timeout the call's undispatched items fail
 * with RP_ETIMEDOUT and the chunks already out are waited for, so that on
 * return no borrowed input or output buffer is used any more.
 */
static int wait_or_withdraw(rp_result *job, double timeout) {
    int rc = rp_result_wait(job, timeout);
    if (rc != RP_ETIMEDOUT)
        return rc;
    rp_runtime *rt = job->rt;
    pthread_mutex_lock(&rt->lock);
    size_t withdrawn =
        rp__job_withdraw(rt, job, RP__ST_ERROR, RP_ETIMEDOUT, "timed out before it was sent");
    int w = 0;
    rp__wait wt = RP__WAIT_INIT;
    while (w == 0 && !job->complete)
        w = rp__wait_step(rt, -1.0, &wt);
    rp__wait_end(rt, &wt);
    pthread_mutex_unlock(&rt->lock);
    if (withdrawn == 0)
        return w; /* all had been sent and came back: the outcome counts */
    return rp__err(RP_ETIMEDOUT, "timed out after %g s; %zu items not yet sent were withdrawn",
                   timeout, withdrawn);
}

/* Outcome of a finished call for the blocking forms: 0 or the first failure. */
static int job_outcome(rp_result *job) {
    rp_task_error e;
    if (rp_result_error(job, &e) != 0)
        return 0;
    int rc = rp_result_item(job, e.index, NULL, NULL);
    return rp__err(rc, "item %zu: %s (code %d)", e.index, e.message ? e.message : "failed", e.code);
}

static int apply_submit(rp_pool *pool, const char *task, const void *arg, size_t arg_size,
                        const rp_call_options *opts, rp_result **res, int waited) {
    if (res != NULL)
        *res = NULL; /* a refused call leaves nothing to free */
    if (arg == NULL && arg_size > 0)
        return rp__err(RP_EINVAL, "NULL argument with size %zu", arg_size);
    if (arg_size > RP__MAX_ITEM)
        return rp__err(RP_ETOOBIG, "argument of %zu bytes (limit %zu)", arg_size,
                       (size_t)RP__MAX_ITEM);
    rp_result *job;
    int rc = job_new(pool, task, 1, opts, 0, arg_size, &job);
    if (rc != 0)
        return rc;
    if (arg_size > 0) {
        job->own_arg = job->items + 1; /* in the same allocation */
        memcpy(job->own_arg, arg, arg_size);
    }
    job->own_size = arg_size;
    job->args = (const void *const *)&job->own_arg;
    job->sizes = &job->own_size;
    return job_submit(pool, job, 1, res, waited);
}

int rp_pool_apply_async(rp_pool *pool, const char *task, const void *arg, size_t arg_size,
                        const rp_call_options *opts, rp_result **res) {
    return apply_submit(pool, task, arg, arg_size, opts, res, 0);
}

int rp_pool_apply(rp_pool *pool, const char *task, const void *arg, size_t arg_size, void *out,
                  size_t out_cap, size_t *out_size, const rp_call_options *opts) {
    if (out == NULL && out_cap > 0)
        return rp__err(RP_EINVAL, "NULL out buffer with capacity %zu", out_cap);
    if (pool != NULL && check_may_block(pool->rt, "rp_pool_apply") != 0)
        return RP_EDEADLK;
    rp_call_options o;
    if (rp__opts_take(&o, &default_call, sizeof o, opts, RP__CALL_OPTIONS_MIN, "rp_call_options"))
        return RP_EINVAL;
    double timeout = o.timeout;
    rp_result *res;
    int rc = apply_submit(pool, task, arg, arg_size, &o, &res, 1);
    if (rc != 0)
        return rc;
    const void *data;
    size_t len;
    rc = rp_result_get(res, timeout, &data, &len);
    if (rc == 0) {
        if (out_size)
            *out_size = len;
        if (len > out_cap)
            rc = rp__err(RP_ETRUNC, "result of %zu bytes, buffer of %zu", len, out_cap);
        else if (len > 0)
            memcpy(out, data, len);
    }
    rp_result_free(res);
    return rc;
}

static int check_records(const void *in, size_t n, size_t in_size) {
    if (n > 0 && in == NULL)
        return rp__err(RP_EINVAL, "NULL input array");
    if (in_size == 0)
        return rp__err(RP_EINVAL, "zero record size");
    if (in_size > RP__MAX_ITEM || n > SIZE_MAX / in_size)
        return rp__err(RP_ETOOBIG, "%zu records of %zu bytes", n, in_size);
    return 0;
}

static int map_submit(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                      void *out, size_t out_size, const rp_call_options *opts, rp_result **res,
                      int waited) {
    if (res != NULL)
        *res = NULL; /* a refused call leaves nothing to free */
    int rc = check_records(in, n, in_size);
    if (rc != 0)
        return rc;
    if (out != NULL && (out_size == 0 || n > SIZE_MAX / out_size))
        return rp__err(RP_EINVAL, "bad result record size %zu", out_size);
    rp_result *job;
    if ((rc = job_new(pool, task, n, opts, 0, 0, &job)) != 0)
        return rc;
    job->in = in;
    job->in_size = in_size;
    job->out = out;
    job->out_size = out_size;
    return job_submit(pool, job, rp__default_chunksize(n, pool->nworkers), res, waited);
}

int rp_pool_map_async(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                      void *out, size_t out_size, const rp_call_options *opts, rp_result **res) {
    return map_submit(pool, task, in, n, in_size, out, out_size, opts, res, 0);
}

int rp_pool_map(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                void *out, size_t out_size, const rp_call_options *opts) {
    if ((out == NULL) != (out_size == 0))
        return rp__err(RP_EINVAL, "map needs an out array and a result record size, or neither");
    if (pool != NULL && check_may_block(pool->rt, "rp_pool_map") != 0)
        return RP_EDEADLK;
    rp_result *res;
    int rc = map_submit(pool, task, in, n, in_size, out, out_size, opts, &res, 1);
    if (rc != 0)
        return rc;
    rc = wait_or_withdraw(res, opts ? opts->timeout : RP_FOREVER);
    if (rc == 0)
        rc = job_outcome(res);
    rp_result_free(res);
    return rc;
}

static int starmap_submit(rp_pool *pool, const char *task, const void *const *args,
                          const size_t *sizes, size_t n, const rp_call_options *opts,
                          rp_result **res, int waited) {
    if (res != NULL)
        *res = NULL; /* a refused call leaves nothing to free */
    if (n > 0 && (args == NULL || sizes == NULL))
        return rp__err(RP_EINVAL, "NULL argument list");
    for (size_t i = 0; i < n; i++) {
        if (args[i] == NULL && sizes[i] > 0)
            return rp__err(RP_EINVAL, "argument %zu is NULL with size %zu", i, sizes[i]);
        if (sizes[i] > RP__MAX_ITEM)
            return rp__err(RP_ETOOBIG, "argument %zu of %zu bytes", i, sizes[i]);
    }
    rp_result *job;
    int rc = job_new(pool, task, n, opts, 0, 0, &job);
    if (rc != 0)
        return rc;
    job->args = args;
    job->sizes = sizes;
    return job_submit(pool, job, rp__default_chunksize(n, pool->nworkers), res, waited);
}

int rp_pool_starmap_async(rp_pool *pool, const char *task, const void *const *args,
                          const size_t *sizes, size_t n, const rp_call_options *opts,
                          rp_result **res) {
    return starmap_submit(pool, task, args, sizes, n, opts, res, 0);
}

int rp_pool_starmap(rp_pool *pool, const char *task, const void *const *args, const size_t *sizes,
                    size_t n, const rp_call_options *opts, rp_result **res) {
    if (res == NULL)
        return rp__err(RP_EINVAL, "starmap needs a result pointer");
    *res = NULL;
    if (pool != NULL && check_may_block(pool->rt, "rp_pool_starmap") != 0)
        return RP_EDEADLK;
    int rc = starmap_submit(pool, task, args, sizes, n, opts, res, 1);
    if (rc != 0)
        return rc;
    rc = wait_or_withdraw(*res, opts ? opts->timeout : RP_FOREVER);
    return rc ? rc : job_outcome(*res);
}

static int imap(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                const rp_call_options *opts, int unordered, rp_result **res) {
    if (res == NULL)
        return rp__err(RP_EINVAL, "imap needs a result pointer");
    *res = NULL;
    int rc = check_records(in, n, in_size);
    if (rc != 0)
        return rc;
    rp_result *job;
    if ((rc = job_new(pool, task, n, opts, unordered, 0, &job)) != 0)
        return rc;
    job->in = in;
    job->in_size = in_size;
    /* Python's imap sends one item per message unless told otherwise. */
    return job_submit(pool, job, 1, res, 0);
}

int rp_pool_imap(rp_pool *pool, const char *task, const void *in, size_t n, size_t in_size,
                 const rp_call_options *opts, rp_result **res) {
    return imap(pool, task, in, n, in_size, opts, 0, res);
}

int rp_pool_imap_unordered(rp_pool *pool, const char *task, const void *in, size_t n,
                           size_t in_size, const rp_call_options *opts, rp_result **res) {
    return imap(pool, task, in, n, in_size, opts, 1, res);
}

int rp_pool_close(rp_pool *pool) {
    if (pool == NULL)
        return rp__err(RP_EINVAL, "NULL pool");
    pthread_mutex_lock(&pool->rt->lock);
    if (pool->state == RP__POOL_OPEN)
        __atomic_store_n(&pool->state, RP__POOL_CLOSED, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&pool->rt->lock);
    return 0;
}

int rp_pool_terminate(rp_pool *pool) {
    if (pool == NULL)
        return rp__err(RP_EINVAL, "NULL pool");
    rp_runtime *rt = pool->rt;
    pthread_mutex_lock(&rt->lock);
    int rc = rp__pool_stop(pool, RP_ECANCELED, "canceled by pool terminate");
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int rp_pool_join(rp_pool *pool, double timeout) {
    if (pool == NULL)
        return rp__err(RP_EINVAL, "NULL pool");
    rp_runtime *rt = pool->rt;
    double dl;
    if (rp__deadline_of(timeout, "timeout", &dl) != 0)
        return RP_EINVAL;
    int rc = 0;
    pthread_mutex_lock(&rt->lock);
    if (pool->state == RP__POOL_OPEN)
        rc = rp__err(RP_ESTATE, "join on an open pool: close or terminate it first");
    rp__wait wt = RP__WAIT_INIT;
    while (rc == 0 && rp__pool_active(pool) > 0)
        rc = rp__wait_step(rt, dl, &wt);
    rp__wait_end(rt, &wt);
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

void rp_pool_destroy(rp_pool *pool) {
    if (pool == NULL)
        return;
    rp_runtime *rt = pool->rt;
    pthread_mutex_lock(&rt->lock);
    int open = pool->state == RP__POOL_OPEN;
    pthread_mutex_unlock(&rt->lock);
    if (open)
        rp_pool_terminate(pool);
    if (rp__on_manager(rt))
        return; /* from a callback: terminated, freed by rp_finalize */
    /* In a terminated pool, tasks that still run get the pool's grace,
     * then are given up on; a closed one runs all it holds. */
    pthread_mutex_lock(&rt->lock);
    int terminated = pool->state == RP__POOL_TERMINATED;
    pthread_mutex_unlock(&rt->lock);
    if (rp_pool_join(pool, terminated ? pool->grace : RP_FOREVER) == RP_ETIMEDOUT) {
        pthread_mutex_lock(&rt->lock);
        rp__pool_abandon(rt, pool, pool->grace);
        pthread_mutex_unlock(&rt->lock);
    }
    pthread_mutex_lock(&rt->lock);
    /* After a communication failure the manager fails all work, so this
     * ends; the pool must not be freed while a call still points at it. */
    while (rp__pool_active(pool) > 0)
        pthread_cond_wait(&rt->done, &rt->lock);
    for (rp_pool **pp = &rt->pools; *pp; pp = &(*pp)->next)
        if (*pp == pool) {
            *pp = pool->next;
            break;
        }
    for (int k = 0; k < pool->nworkers; k++) {
        rp__hdr h = {.kind = RP__MSG_POOL_FREE, .pool = pool->id};
        rp__ctrl_push(rt, pool->widx[k], &h, NULL, 0);
        rt->workers[pool->widx[k]].npools--;
    }
    /* Handles the user keeps outlive their pool. */
    for (rp_result *j = rt->live; j; j = j->lnext)
        if (j->pool == pool)
            j->pool = NULL;
    pthread_mutex_unlock(&rt->lock);
    free(pool->widx);
    free(pool->acked);
    free(pool->wdone);
    free(pool);
}

int rp_pool_get_stats(rp_pool *pool, rp_pool_stats *out, rp_worker_stats *workers,
                      size_t nworkers) {
    if (pool == NULL || out == NULL)
        return rp__err(RP_EINVAL, "rp_pool_get_stats: NULL pool or output");
    if (workers == NULL && nworkers > 0)
        return rp__err(RP_EINVAL, "rp_pool_get_stats: NULL workers with room for %zu", nworkers);
    rp_runtime *rt = pool->rt;
    pthread_mutex_lock(&rt->lock);
    rp__drain_subs(rt);
    rp_pool_stats s = {.calls = __atomic_load_n(&pool->submitted, __ATOMIC_RELAXED),
                       .done = pool->items_done,
                       .failed = pool->items_failed,
                       .workers = pool->nworkers,
                       .timed = pool->t.items,
                       .queue = pool->t.queue,
                       .wire = pool->t.wire,
                       .exec = pool->t.exec,
                       .result = pool->t.result,
                       .wake = pool->t.wake};
    for (const rp_result *j = pool->qhead; j; j = j->qnext)
        s.queued += rp__job_undispatched(j);
    for (int k = 0; k < pool->nworkers; k++) {
        const rp__worker *w = &rt->workers[pool->widx[k]];
        size_t running = 0;
        for (int i = 0; i < w->len; i++) {
            const rp__chunk *c = &w->fifo[(w->head + i) % w->cap];
            if (c->job != NULL && c->job->pool == pool)
                running += c->count;
        }
        s.running += running;
        if ((size_t)k < nworkers)
            workers[k] = (rp_worker_stats){.rank = w->rank,
                                           .running = running,
                                           .done = pool->wdone[pool->widx[k]],
                                           .lost = rp__worker_gone(w)};
    }
    pthread_mutex_unlock(&rt->lock);
    *out = s;
    rp__err_clear();
    return 0;
}

void rp__pools_destroy_all(rp_runtime *rt, double deadline) {
    /* Stop them all first, so that their workers drop queued work at once. */
    pthread_mutex_lock(&rt->lock);
    for (rp_pool *p = rt->pools; p; p = p->next)
        if (p->state == RP__POOL_OPEN) {
            pthread_mutex_unlock(&rt->lock);
            rp_pool_terminate(p);
            pthread_mutex_lock(&rt->lock);
        }
    pthread_mutex_unlock(&rt->lock);
    for (;;) {
        pthread_mutex_lock(&rt->lock);
        rp_pool *p = rt->pools;
        pthread_mutex_unlock(&rt->lock);
        if (p == NULL)
            return;
        double left = deadline < 0 ? RP_FOREVER : deadline - rp__now();
        if (rp_pool_join(p, deadline < 0 || left > 0 ? left : 0) == RP_ETIMEDOUT) {
            /* A task still runs: give up on the workers that hold work. */
            pthread_mutex_lock(&rt->lock);
            rp__abandon_busy(rt);
            pthread_mutex_unlock(&rt->lock);
        }
        rp_pool_destroy(p);
        pthread_mutex_lock(&rt->lock);
        int stuck = rt->pools == p; /* destroy refused (called from a callback) */
        pthread_mutex_unlock(&rt->lock);
        if (stuck)
            return;
    }
}
