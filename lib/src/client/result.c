/* Result handles (AsyncResult): waiting, reading items, iterating. */
#include "client/client.h"

#include <stdlib.h>

/* The return code of a finished item. */
static int item_rc(const rp__item *it) {
    switch (it->status - 1) {
    case RP__ST_OK:
        return 0;
    case RP__ST_FAILED:
        return RP_ETASK;
    case RP__ST_CANCELED:
        return RP_ECANCELED;
    default:
        return it->code < 0 ? it->code : RP_ESIZE;
    }
}

/* Ready for reading: complete, or all items in and we are its callback.
 * Either is set once, after the items are final: no lock needed to look,
 * nor to read the items once it holds. */
static int is_ready(const rp_result *res) {
    return __atomic_load_n(&res->complete, __ATOMIC_ACQUIRE) ||
           (__atomic_load_n(&res->items_in, __ATOMIC_ACQUIRE) && rp__on_manager(res->rt));
}

int rp_result_wait(rp_result *res, double timeout) {
    if (res == NULL)
        return rp__err(RP_EINVAL, "NULL result");
    if (rp__timeout_check(timeout, "timeout") != 0)
        return RP_EINVAL;
    rp_runtime *rt = res->rt;
    if (rt == NULL ||
        (is_ready(res) && !res->call.progress && (res->pool == NULL || !res->pool->timing)))
        return 0; /* (a bar's last line, a timed pool's first return: under the lock) */
    double dl = rp__deadline(timeout);
    int rc = 0;
    pthread_mutex_lock(&rt->lock);
    rp__wait wt = RP__WAIT_INIT;
    while (rc == 0 && !is_ready(res))
        rc = rp__wait_step(rt, res->call.progress ? rp__progress_tick(res, dl) : dl, &wt);
    rp__wait_end(rt, &wt);
    if (res->call.progress)
        rp__progress_tick(res, dl); /* the bar's last line */
    rp_pool *p = res->pool;
    if (rc == 0 && p != NULL && p->timing && res->complete && !res->woken && res->n > 0) {
        res->woken = 1;
        p->t.wake += (rp__now() - res->t_complete) * res->n;
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int rp_result_ready(const rp_result *res) {
    return res != NULL && is_ready(res);
}

int rp_result_successful(const rp_result *res) {
    return res != NULL && is_ready(res) && res->nfailed == 0;
}

int rp_result_get(rp_result *res, double timeout, const void **data, size_t *size) {
    int rc = rp_result_wait(res, timeout);
    if (rc != 0)
        return rc;
    if (data)
        *data = NULL;
    if (size)
        *size = res->n == 1 ? 0 : res->n;
    rp_task_error e;
    if (rp_result_error(res, &e) == 0)
        return rp__err(item_rc(&res->items[e.index]), "item %zu: %s (code %d)", e.index,
                       e.message ? e.message : "failed", e.code);
    if (res->n == 1) {
        if (data)
            *data = res->items[0].data;
        if (size)
            *size = res->items[0].len;
    }
    return 0;
}

size_t rp_result_count(const rp_result *res) {
    return res ? res->n : 0;
}

/* Item i's outcome (lock held). */
static int read_item(const rp_result *res, size_t i, const void **data, size_t *size) {
    const rp__item *it = &res->items[i];
    if (data)
        *data = NULL;
    if (size)
        *size = 0;
    if (it->status == 0)
        return rp__err(RP_ESTATE, "item %zu is not finished", i);
    int rc = item_rc(it);
    if (rc != 0)
        return rp__err(rc, "item %zu: %s", i, it->msg ? it->msg : "failed");
    if (data)
        *data = it->data;
    if (size)
        *size = it->len;
    return 0;
}

int rp_result_item(const rp_result *res, size_t i, const void **data, size_t *size) {
    if (res == NULL)
        return rp__err(RP_EINVAL, "NULL result");
    if (i >= res->n)
        return rp__err(RP_ERANGE, "item %zu of %zu", i, res->n);
    rp__rt_lock(res->rt);
    int rc = read_item(res, i, data, size);
    rp__rt_unlock(res->rt);
    return rc;
}

int rp_result_next(rp_result *res, double timeout, size_t *index, const void **data, size_t *size) {
    if (res == NULL)
        return rp__err(RP_EINVAL, "NULL result");
    rp_runtime *rt = res->rt;
    double dl;
    if (rp__deadline_of(timeout, "timeout", &dl) != 0)
        return RP_EINVAL;
    int rc = 0;
    rp__rt_lock(rt);
    if (res->nread == res->n) {
        rp__rt_unlock(rt);
        return RP_EDONE;
    }
    /* In input order, wait for the next index; in completion order, for any. */
    rp__wait wt = RP__WAIT_INIT;
    for (;;) {
        int have = res->order ? res->norder > res->nread : res->items[res->nread].status != 0;
        if (have)
            break;
        res->nextwaiters++;
        rc = rp__wait_step(rt, res->call.progress ? rp__progress_tick(res, dl) : dl, &wt);
        res->nextwaiters--;
        if (rc != 0)
            break;
    }
    if (rt != NULL)
        rp__wait_end(rt, &wt);
    if (rc != 0) {
        rp__rt_unlock(rt);
        return rc;
    }
    size_t i = res->order ? res->order[res->nread] : res->nread;
    res->nread++;
    if (res->call.progress && rt != NULL)
        rp__progress_tick(res, dl); /* the bar, and its last line */
    if (index)
        *index = i;
    rc = read_item(res, i, data, size);
    rp__rt_unlock(rt);
    return rc;
}

int rp_result_error(const rp_result *res, rp_task_error *err) {
    if (res == NULL || err == NULL)
        return rp__err(RP_EINVAL, "NULL argument");
    /* Once ready the items no longer change: read them without the lock. */
    int rc = RP_EDONE;
    if (!is_ready(res)) {
        rc = RP_ESTATE;
    } else if (res->nfailed > 0) {
        for (size_t i = 0; i < res->n; i++) {
            const rp__item *it = &res->items[i];
            if (it->status > 1) {
                *err = (rp_task_error){i, it->status - 1 == RP__ST_FAILED ? it->code : item_rc(it),
                                       it->msg};
                rc = 0;
                break;
            }
        }
    }
    return rc;
}

void rp_result_free(rp_result *res) {
    if (res == NULL)
        return;
    rp_runtime *rt = res->rt; /* before the handle may go */
    rp__rt_lock(rt);
    rp__job_unref(res);
    rp__rt_unlock(rt);
}
