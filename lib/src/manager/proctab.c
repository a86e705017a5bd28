/*
 * The process table on rank 0: what the manager (a worker's PROC_STARTED /
 * PROC_EXIT, a lost rank) and the relay thread of a one-rank job tell it of
 * the processes the caller started (client/process.c).  Every field of a
 * handle that changes after start is written under rt->lock; waiters sleep
 * on rt->done.  See docs/process.md.
 */
#include "manager/manager.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

rp_process *rp__proc_find(rp_runtime *rt, uint64_t id) {
    for (rp_process *p = rt->procs; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

void rp__proc_unlink(rp_runtime *rt, rp_process *p) {
    for (rp_process **pp = &rt->procs; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            return;
        }
}

void rp__proc_free(rp_process *p) {
    free(p->arg);
    free(p);
}

void rp__process_started(rp_runtime *rt, uint64_t id, int code, int lock) {
    if (lock)
        pthread_mutex_lock(&rt->lock);
    rp_process *p = rp__proc_find(rt, id);
    if (p != NULL && p->state == P_STARTING) {
        if (code > 0) {
            p->pid = code;
            p->state = P_RUNNING;
            const rp__placement *pl = &rt->place;
            if (pl->info != NULL && p->rank < pl->n && pl->info[p->rank].host != NULL)
                snprintf(p->host, sizeof p->host, "%s", pl->info[p->rank].host);
        } else {
            p->start_rc = code < 0 ? code : RP_EPROTO;
            p->state = P_NEW;
        }
        pthread_cond_broadcast(&rt->done);
    }
    if (lock)
        pthread_mutex_unlock(&rt->lock);
}

void rp__process_exited(rp_runtime *rt, uint64_t id, int code, int pid, int lock) {
    if (lock)
        pthread_mutex_lock(&rt->lock);
    rp_process *p = rp__proc_find(rt, id);
    if (p != NULL && p->state == P_RUNNING) {
        p->exitcode = code;
        p->state = P_ENDED;
        if (pid > 0) {
            /* Reap under the lock: no signal can be sent to this pid after. */
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        if (p->orphan) {
            rp__proc_unlink(rt, p);
            rp__proc_free(p);
        }
        pthread_cond_broadcast(&rt->done);
    }
    if (lock)
        pthread_mutex_unlock(&rt->lock);
}

void rp__processes_lost(rp_runtime *rt, int rank) {
    for (rp_process *p = rt->procs, *nx; p; p = nx) {
        nx = p->next;
        if (p->rank != rank)
            continue;
        if (p->state == P_STARTING)
            rp__process_started(rt, p->id, RP_ELOST, 0);
        else if (p->state == P_RUNNING)
            rp__process_exited(rt, p->id, -SIGKILL, 0, 0); /* its parent-death signal */
    }
}

void rp__process_gone(rp_runtime *rt, const void *msg, size_t len, int src) {
    rp__store_drop_child(rt->store, msg, len, src);
}

void rp__process_msg(rp_runtime *rt, int src, const rp__hdr *h) {
    if (h->kind == RP__MSG_PROC_EXIT && h->job == 0)
        return; /* an executor ended: only its waiting calls mattered (rp__process_gone) */
    rp_process *p = rp__proc_find(rt, h->job);
    if (p == NULL || p->rank != src) {
        rp__log(RP_LOG_WARN, "%s for an unknown process from rank %d dropped",
                rp__msg_name(h->kind), src);
        return;
    }
    if (h->kind == RP__MSG_PROC_STARTED)
        rp__process_started(rt, h->job, h->code, 0);
    else
        rp__process_exited(rt, h->job, h->code, 0, 0);
}
