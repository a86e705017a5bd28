/*
 * Items sent again and taken back (rank 0, rt->lock held): the re-send of
 * items whose worker was lost or whose task failed (rp_call_options.retries),
 * the withdrawal of items not yet sent (a blocking call's timeout,
 * rp_result_cancel), and the count of each item's tries that
 * rp_result_attempts and rp_task_attempt report.
 */
#include "manager/manager.h"

#include <stdlib.h>

/* Per item, two counters: times it was sent again, tries that failed.
 * Made on the first re-send of any item of the call. */
static int tries_alloc(rp_result *job) {
    if (job->tries == NULL)
        job->tries = calloc(2 * (job->n ? job->n : 1), sizeof *job->tries);
    return job->tries != NULL ? 0 : RP_ENOMEM;
}

int rp__job_redo(rp_result *job, size_t start, uint32_t count, int tries) {
    rp_pool *p = job->pool;
    int queued = rp__job_undispatched(job) > 0;
    rp__redo *v = rp__grow(job->redo, &job->capredo, job->nredo + 1, sizeof *v, 4);
    if (v == NULL)
        return RP_ENOMEM;
    job->redo = v;
    job->redo[job->nredo++] = (rp__redo){start, count, tries};
    if (!queued) { /* first in line: what was sent once goes before the rest */
        job->qnext = p->qhead;
        p->qhead = job;
        if (p->qtail == NULL)
            p->qtail = job;
    }
    return 0;
}

unsigned rp__item_failures(const rp_result *job, size_t idx) {
    return job->tries != NULL ? job->tries[2 * idx + 1] : 0;
}

int rp__item_retry(rp_runtime *rt, rp_result *job, size_t idx, int status, int code) {
    rp_pool *p = job->pool;
    int retriable = status == RP__ST_FAILED ||
                    (status == RP__ST_ERROR && (code == RP_ECRASH || code == RP_ETIMEDOUT));
    if (!retriable || job->call.retries <= 0 || p == NULL || p->state == RP__POOL_TERMINATED ||
        rt->fatal || rp__item_failures(job, idx) >= (unsigned)job->call.retries)
        return 0;
    if (tries_alloc(job) != 0 || rp__job_redo(job, idx, 1, 0) != 0)
        return 0; /* no memory for another try: the failure stands */
    job->tries[2 * idx + 1]++;
    return 1;
}

unsigned rp__chunk_sending(rp_result *job, size_t start, uint32_t count, int again) {
    if (again && tries_alloc(job) == 0)
        for (uint32_t i = 0; i < count; i++)
            if (job->tries[2 * (start + i)] < UINT16_MAX)
                job->tries[2 * (start + i)]++;
    /* An item retried after a failure travels alone: its count is the chunk's. */
    return count == 1 ? rp__item_failures(job, start) : 0;
}

size_t rp__job_withdraw(rp_runtime *rt, rp_result *job, int status, int code, const char *why) {
    rp__drain_subs(rt); /* the call must be in its pool's queue to be taken out */
    rp_pool *p = job->pool;
    size_t n = rp__job_undispatched(job);
    if (n == 0 || p == NULL)
        return 0;
    rp_result **pp = &p->qhead, *prev = NULL;
    while (*pp != NULL && *pp != job) {
        prev = *pp;
        pp = &(*pp)->qnext;
    }
    if (*pp == job) {
        *pp = job->qnext;
        if (p->qtail == job)
            p->qtail = prev;
        job->qnext = NULL;
    }
    rp__job_fail_rest(rt, job, status, code, why);
    pthread_cond_signal(&rt->wake);    /* its callbacks, if that finished it */
    pthread_cond_broadcast(&rt->done); /* readers of its next items */
    return n;
}

int rp__item_attempts(const rp_result *job, size_t idx) {
    if (idx >= job->n - job->nunsent)
        return 0;
    return 1 + (job->tries != NULL ? job->tries[2 * idx] : 0);
}
