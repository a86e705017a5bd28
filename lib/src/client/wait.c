/*
 * Waiting for many results, as concurrent.futures does: rp_wait (wait with
 * return_when) and the as_completed iterator; and what a caller may do to
 * one call besides waiting: cancel the items not yet sent, count an item's
 * tries.  The manager puts a complete call into its iterator's list
 * (rp__waitset_push, when its callbacks have run), so the iterator never
 * scans the calls it waits for.
 */
#include "client/client.h"

#include <limits.h>
#include <stdlib.h>

struct rp_as_completed {
    rp__waitset ws; /* complete calls not yet yielded (under the runtime's lock) */
    rp_runtime *rt; /* of the handles added that were attached, or NULL */
    size_t pending; /* added, not yet yielded */
};

/* Complete, for waiting: a handle kept past rp_finalize always is. */
static int complete(const rp_result *res) {
    return res->rt == NULL || res->complete;
}

/* Do the handles belong to one runtime?  Sets *rt to it (NULL: all detached). */
static int one_runtime(rp_result *const *res, size_t n, rp_runtime **rt) {
    *rt = NULL;
    for (size_t i = 0; i < n; i++) {
        if (res[i] == NULL)
            return rp__err(RP_EINVAL, "handle %zu is NULL", i);
        if (res[i]->rt != NULL && *rt != NULL && res[i]->rt != *rt)
            return rp__err(RP_EINVAL, "handles %zu and an earlier one are of two runtimes", i);
        if (res[i]->rt != NULL)
            *rt = res[i]->rt;
    }
    return 0;
}

int rp_wait(rp_result *const *res, size_t n, int when, double timeout) {
    if (res == NULL && n > 0)
        return rp__err(RP_EINVAL, "rp_wait: NULL handle array");
    if (when != RP_FIRST_COMPLETED && when != RP_FIRST_EXCEPTION && when != RP_ALL_COMPLETED)
        return rp__err(RP_EINVAL, "rp_wait: unknown condition %d", when);
    if (rp__timeout_check(timeout, "rp_wait timeout") != 0)
        return RP_EINVAL;
    rp_runtime *rt;
    int rc = one_runtime(res, n, &rt);
    if (rc != 0 || n == 0)
        return rc;
    if (rt == NULL)
        return (int)(n < INT_MAX ? n : INT_MAX);
    double dl = rp__deadline(timeout);
    pthread_mutex_lock(&rt->lock);
    rp__wait wt = RP__WAIT_INIT;
    for (;;) {
        size_t ready = 0;
        int failed = 0;
        for (size_t i = 0; i < n; i++)
            if (complete(res[i])) {
                ready++;
                failed |= res[i]->nfailed > 0;
            }
        int met = when == RP_FIRST_COMPLETED   ? ready > 0
                  : when == RP_FIRST_EXCEPTION ? failed || ready == n
                                               : ready == n;
        if (met) {
            rc = (int)(ready < INT_MAX ? ready : INT_MAX);
            break;
        }
        if ((rc = rp__wait_step(rt, dl, &wt)) != 0)
            break;
    }
    rp__wait_end(rt, &wt);
    pthread_mutex_unlock(&rt->lock);
    if (rc == RP_ETIMEDOUT)
        rp__err(rc, "rp_wait: not done after %g s", timeout);
    return rc;
}

/* Add the checked handles (iterator's lock held). */
static void add_locked(rp_as_completed *it, rp_result *const *res, size_t n) {
    for (size_t i = 0; i < n; i++) {
        res[i]->wset = &it->ws;
        if (complete(res[i]))
            rp__waitset_push(res[i]);
        it->pending++;
    }
}

/* Add @p n handles: all or none. */
static int add_many(rp_as_completed *it, rp_result *const *res, size_t n) {
    rp_runtime *rt;
    int rc = one_runtime(res, n, &rt);
    if (rc != 0)
        return rc;
    if (rt != NULL && it->rt != NULL && rt != it->rt)
        return rp__err(RP_EINVAL, "a handle of another runtime than the iterator's");
    if (it->rt == NULL)
        it->rt = rt;
    rp__rt_lock(it->rt);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (res[i]->wset != NULL)
            rc = rp__err(RP_EINVAL, "handle %zu is in an iterator already", i);
    if (rc == 0)
        add_locked(it, res, n);
    rp__rt_unlock(it->rt);
    return rc;
}

int rp_as_completed_create(rp_result *const *res, size_t n, rp_as_completed **it) {
    if (it == NULL || (res == NULL && n > 0))
        return rp__err(RP_EINVAL, "rp_as_completed_create: NULL argument");
    rp_as_completed *a = calloc(1, sizeof *a);
    if (a == NULL)
        return rp__err(RP_ENOMEM, "rp_as_completed_create: out of memory");
    int rc = add_many(a, res, n);
    if (rc != 0) {
        free(a);
        return rc;
    }
    *it = a;
    return 0;
}

int rp_as_completed_add(rp_as_completed *it, rp_result *res) {
    if (it == NULL || res == NULL)
        return rp__err(RP_EINVAL, "rp_as_completed_add: NULL argument");
    return add_many(it, &res, 1);
}

int rp_as_completed_next(rp_as_completed *it, double timeout, rp_result **res) {
    if (it == NULL || res == NULL)
        return rp__err(RP_EINVAL, "rp_as_completed_next: NULL argument");
    if (rp__timeout_check(timeout, "rp_as_completed_next timeout") != 0)
        return RP_EINVAL;
    double dl = rp__deadline(timeout);
    int rc = 0;
    rp__rt_lock(it->rt);
    rp__wait wt = RP__WAIT_INIT;
    while (it->ws.head == NULL && rc == 0) {
        if (it->pending == 0)
            rc = RP_EDONE;
        else
            rc = rp__wait_step(it->rt, dl, &wt);
    }
    if (it->rt != NULL)
        rp__wait_end(it->rt, &wt);
    if (rc == 0) {
        rp_result *r = it->ws.head;
        it->ws.head = r->wnext;
        if (it->ws.head == NULL)
            it->ws.tail = NULL;
        r->wnext = NULL;
        r->wset = NULL;
        it->pending--;
        *res = r;
    }
    rp__rt_unlock(it->rt);
    return rc;
}

size_t rp_as_completed_pending(const rp_as_completed *it) {
    if (it == NULL)
        return 0;
    rp__rt_lock(it->rt);
    size_t n = it->pending;
    rp__rt_unlock(it->rt);
    return n;
}

void rp_as_completed_free(rp_as_completed *it) {
    if (it == NULL)
        return;
    rp__rt_lock(it->rt);
    for (rp_result *r = it->ws.head, *nx; r != NULL; r = nx) {
        nx = r->wnext;
        r->wnext = NULL;
        r->wset = NULL;
    }
    if (it->rt != NULL) {
        /* The ones still running are live calls (the caller may not free
         * them before they were yielded); the submitted ones are filed first. */
        rp__drain_subs(it->rt);
        for (rp_result *r = it->rt->live; r != NULL; r = r->lnext)
            if (r->wset == &it->ws)
                r->wset = NULL;
    }
    rp__rt_unlock(it->rt);
    free(it);
}

int rp_result_cancel(rp_result *res) {
    if (res == NULL)
        return rp__err(RP_EINVAL, "rp_result_cancel: NULL result");
    rp_runtime *rt = res->rt;
    if (rt == NULL)
        return 0; /* complete */
    pthread_mutex_lock(&rt->lock);
    size_t n =
        rp__job_withdraw(rt, res, RP__ST_CANCELED, RP_ECANCELED, "canceled by rp_result_cancel");
    pthread_mutex_unlock(&rt->lock);
    return (int)(n < INT_MAX ? n : INT_MAX);
}

int rp_result_attempts(const rp_result *res, size_t i) {
    if (res == NULL)
        return rp__err(RP_EINVAL, "rp_result_attempts: NULL result");
    if (i >= res->n)
        return rp__err(RP_ERANGE, "item %zu of %zu", i, res->n);
    rp__rt_lock(res->rt);
    int rc = res->items[i].status == 0 ? rp__err(RP_ESTATE, "item %zu is not finished", i)
                                       : rp__item_attempts(res, i);
    rp__rt_unlock(res->rt);
    return rc;
}
