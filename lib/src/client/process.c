/*
 * Process objects, the caller's side: create, start / join / signals,
 * queries, and what rp_finalize does with processes still running.  The
 * table the manager keeps up to date is manager/proctab.c; the hosting side
 * (fork, relay, reaping) is worker/host.c.  See docs/process.md.
 *
 * Every field of a handle that changes after start is written under
 * rt->lock, by the user's thread or by whoever learns the news (the manager
 * thread for a worker's PROC_STARTED / PROC_EXIT, the relay thread in a
 * one-rank job); waiters sleep on rt->done.
 */
#include "client/client.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The largest argument: the PROC_START message holds it and the padded name. */
#define RP__MAX_PARG (RP__MAX_MSG - RP__HDR_SIZE - RP__MAX_PNAME - RP__ALIGN)

/* Chunks in flight counted when choosing a worker (more weigh the same). */
#define RP__MAX_CHUNKS_SCORE 64

int rp_process_create(rp_runtime *rt, const char *target, const void *arg, size_t arg_size,
                      const rp_process_options *opts, rp_process **out) {
    if (out != NULL)
        *out = NULL; /* a refused call leaves nothing to destroy */
    static const rp_process_options def = RP_PROCESS_OPTIONS_INIT;
    rp_process_options own;
    if (rp__opts_take(&own, &def, sizeof own, opts, RP__PROCESS_OPTIONS_MIN, "rp_process_options"))
        return RP_EINVAL;
    opts = &own;
    if (rt == NULL || out == NULL || (arg == NULL && arg_size > 0))
        return rp__err(RP_EINVAL, "NULL argument");
    if (rp__in_child()) {
        rp_process_info me;
        rp_current_process(rt, &me);
        if (me.daemon)
            return rp__err(RP_ESTATE, "daemonic processes are not allowed to have children");
        return rp__err(RP_ENOTMANAGER, "processes are started by the main program of rank 0");
    }
    if (rt->rank != 0)
        return rp__err(RP_ENOTMANAGER, "processes are started by the main program of rank 0");
    int task = rp__task_find(&rt->tasks, target);
    if (task < 0)
        return rp__err(RP_ENOTASK, "no task named '%s'", target ? target : "(null)");
    if (opts->rank != -1 && (opts->rank < (rt->size > 1 ? 1 : 0) || opts->rank >= rt->size))
        return rp__err(RP_EINVAL, "no worker rank %d", opts->rank);
    if (opts->rank > 0 && opts->rank <= rt->nservers)
        return rp__err(RP_EINVAL, "rank %d is a server rank (rp_options.servers), not a worker",
                       opts->rank);
    if (arg_size > RP__MAX_PARG)
        return rp__err(RP_ETOOBIG, "a process argument of %zu bytes", arg_size);
    if (opts->name != NULL && strlen(opts->name) > RP__MAX_PNAME)
        return rp__err(RP_EINVAL, "a process name has at most %u bytes", RP__MAX_PNAME);
    rp_process *p = calloc(1, sizeof *p);
    if (p == NULL || (arg_size > 0 && (p->arg = malloc(arg_size)) == NULL)) {
        free(p);
        return rp__err(RP_ENOMEM, "rp_process_create: out of memory");
    }
    if (arg_size > 0)
        memcpy(p->arg, arg, arg_size);
    p->rt = rt;
    p->arg_size = arg_size;
    p->task = task;
    p->daemon = opts->daemon != 0;
    p->want_rank = opts->rank;
    p->rank = -1;
    pthread_mutex_lock(&rt->lock);
    p->id = ++rt->next_proc;
    if (opts->name != NULL)
        snprintf(p->name, sizeof p->name, "%s", opts->name);
    else
        snprintf(p->name, sizeof p->name, "Process-%llu", (unsigned long long)p->id);
    p->next = rt->procs;
    rt->procs = p;
    pthread_mutex_unlock(&rt->lock);
    *out = p;
    return 0;
}

int rp_process_create_fn(rp_runtime *rt, rp_task_fn run, const void *self, size_t self_size,
                         const rp_process_options *opts, rp_process **out) {
    if (out != NULL)
        *out = NULL;
    if (rt == NULL || run == NULL)
        return rp__err(RP_EINVAL, "NULL argument");
    for (size_t i = 0; i < rt->tasks.n; i++)
        if (rt->tasks.defs[i].fn == run)
            return rp_process_create(rt, rt->tasks.defs[i].name, self, self_size, opts, out);
    return rp__err(RP_ENOTASK, "the run function is not a registered task");
}

int rp_process_set_daemon(rp_process *p, int daemon) {
    if (p == NULL)
        return rp__err(RP_EINVAL, "NULL process");
    if (p->rt == NULL || p->state != P_NEW || p->pid != 0)
        return rp__err(RP_ESTATE, "the daemon flag is set before start");
    p->daemon = daemon != 0;
    return 0;
}

/* The worker rank with the fewest running processes, then the fewest pool
 * chunks in flight (a worker busy with a task forks only between items),
 * lowest rank first; never a lost one, nor a server (lock held). */
static int least_loaded(rp_runtime *rt) {
    int best = rt->nservers + 1;
    long best_n = -1;
    for (int r = rt->nservers + 1; r < rt->size; r++) {
        if (rp__worker_gone(&rt->workers[r - 1]))
            continue; /* gone, or given up on */
        long n = 0;
        for (rp_process *q = rt->procs; q; q = q->next)
            n += q->rank == r && (q->state == P_STARTING || q->state == P_RUNNING);
        n = n * (RP__MAX_CHUNKS_SCORE + 1) + (rt->workers[r - 1].len < RP__MAX_CHUNKS_SCORE
                                                  ? rt->workers[r - 1].len
                                                  : RP__MAX_CHUNKS_SCORE);
        if (best_n < 0 || n < best_n) {
            best = r;
            best_n = n;
        }
    }
    return best;
}

int rp_process_start(rp_process *p) {
    if (p == NULL)
        return rp__err(RP_EINVAL, "NULL process");
    rp_runtime *rt = p->rt;
    if (rt == NULL)
        return rp__err(RP_ESTATE, "the runtime was finalized");
    if (rp__on_manager(rt))
        return rp__err(RP_EDEADLK, "a callback may not start a process");
    pthread_mutex_lock(&rt->lock);
    if (p->state != P_NEW || p->pid != 0) {
        pthread_mutex_unlock(&rt->lock);
        return rp__err(RP_ESTATE, "a process can be started only once");
    }
    int rc = rt->fatal;
    if (rc == 0 && rt->interrupted)
        rc = rp__err(RP_EINTR, "the job was stopped by signal %d", rt->interrupted);
    p->start_rc = 0;
    p->state = P_STARTING;
    if (rc == 0 && rt->size == 1) {
        p->rank = 0;
        rc = rp__relay_start(rt, p->id, p->task, p->daemon, p->name, p->arg, p->arg_size);
    } else if (rc == 0) {
        p->rank = p->want_rank > 0 ? p->want_rank : least_loaded(rt);
        size_t nlen = strlen(p->name), room = rp__pad(nlen);
        /* The argument starts 16-aligned, as a task's does. */
        uint8_t *body = calloc(1, room + p->arg_size + 1);
        if (body == NULL) {
            rc = RP_ENOMEM;
        } else {
            memcpy(body, p->name, nlen);
            if (p->arg_size > 0)
                memcpy(body + room, p->arg, p->arg_size);
            rp__hdr h = {.kind = RP__MSG_PROC_START,
                         .job = p->id,
                         .code = p->task,
                         .flags = p->daemon ? RP__PROC_DAEMON : 0,
                         .item_size = (uint32_t)nlen};
            rc = rp__ctrl_push(rt, p->rank - 1, &h, body, room + p->arg_size);
        }
    }
    rp__wait wt = RP__WAIT_INIT;
    while (rc == 0 && p->state == P_STARTING && !rt->fatal)
        rc = rp__wait_step(rt, -1.0, &wt);
    rp__wait_end(rt, &wt);
    if (rc == 0 && rt->fatal)
        rc = rt->fatal;
    if (rc == 0 && p->state == P_NEW) /* (it may have ended already) */
        rc = p->start_rc ? p->start_rc : RP_EPROTO;
    if (rc != 0 && p->state == P_STARTING)
        p->state = P_NEW; /* the host never heard of it, or cannot answer */
    if (rc != 0)
        p->rank = -1;
    pthread_mutex_unlock(&rt->lock);
    if (rc != 0)
        return rp__err(rc, "could not start process '%s': %s", p->name, rp_strerror(rc));
    return 0;
}

int rp_process_join(rp_process *p, double timeout) {
    if (p == NULL)
        return rp__err(RP_EINVAL, "NULL process");
    double deadline;
    if (rp__deadline_of(timeout, "timeout", &deadline) != 0)
        return RP_EINVAL;
    rp_runtime *rt = p->rt;
    if (rt == NULL)
        return p->state == P_ENDED ? 0 : rp__err(RP_ESTATE, "the process was never started");
    pthread_mutex_lock(&rt->lock);
    int rc = 0;
    if (p->state == P_NEW)
        rc = rp__err(RP_ESTATE, "join of a process that was never started");
    rp__wait wt = RP__WAIT_INIT;
    while (rc == 0 && p->state != P_ENDED && !rt->fatal)
        rc = rp__wait_step(rt, deadline, &wt);
    rp__wait_end(rt, &wt);
    if (rc == 0 && p->state != P_ENDED)
        rc = rt->fatal;
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int rp_process_is_alive(rp_process *p) {
    if (p == NULL)
        return 0;
    if (p->rt == NULL)
        return 0;
    pthread_mutex_lock(&p->rt->lock);
    int alive = p->state == P_RUNNING;
    pthread_mutex_unlock(&p->rt->lock);
    return alive;
}

static int send_signal(rp_process *p, int sig) {
    if (p == NULL)
        return rp__err(RP_EINVAL, "NULL process");
    rp_runtime *rt = p->rt;
    if (rt == NULL)
        return p->state == P_ENDED ? 0 : rp__err(RP_ESTATE, "the process was never started");
    pthread_mutex_lock(&rt->lock);
    int rc = 0;
    if (p->state == P_NEW) {
        rc = rp__err(RP_ESTATE, "the process was not started");
    } else if (p->state == P_RUNNING) {
        if (rt->size == 1) {
            /* Not reaped before the table says it ended (lock held). */
            kill((pid_t)p->pid, sig);
        } else {
            rp__hdr h = {.kind = RP__MSG_PROC_SIGNAL, .job = p->id, .code = sig};
            rc = rp__ctrl_push(rt, p->rank - 1, &h, NULL, 0);
        }
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int rp_process_terminate(rp_process *p) {
    return send_signal(p, SIGTERM);
}

int rp_process_kill(rp_process *p) {
    return send_signal(p, SIGKILL);
}

long rp_process_pid(const rp_process *p) {
    return p ? p->pid : 0;
}

int rp_process_exitcode(const rp_process *p, int *code) {
    if (p == NULL || code == NULL)
        return rp__err(RP_EINVAL, "NULL argument");
    rp_runtime *rt = p->rt;
    rp__rt_lock(rt);
    int ended = p->state == P_ENDED;
    if (ended)
        *code = p->exitcode;
    rp__rt_unlock(rt);
    return ended ? 0 : RP_ESTATE;
}

const char *rp_process_name(const rp_process *p) {
    return p ? p->name : "";
}

const char *rp_process_host(const rp_process *p) {
    return p ? p->host : "";
}

int rp_process_rank(const rp_process *p) {
    return p ? p->rank : -1;
}

int rp_process_daemon(const rp_process *p) {
    return p ? p->daemon : 0;
}

void rp_process_destroy(rp_process *p) {
    if (p == NULL)
        return;
    rp_runtime *rt = p->rt;
    if (rt == NULL) {
        rp__proc_free(p);
        return;
    }
    pthread_mutex_lock(&rt->lock);
    if (p->state == P_STARTING || p->state == P_RUNNING) {
        p->orphan = 1; /* freed when it ends */
    } else {
        rp__proc_unlink(rt, p);
        rp__proc_free(p);
    }
    pthread_mutex_unlock(&rt->lock);
}

/* Seconds a daemon has to end after SIGTERM at finalize before SIGKILL. */
#define RP__DAEMON_GRACE 5.0

void rp__processes_fini(rp_runtime *rt) {
    pthread_mutex_lock(&rt->lock);
    int any = 0;
    for (rp_process *p = rt->procs; p; p = p->next)
        any |= p->state == P_RUNNING || p->state == P_STARTING;
    pthread_mutex_unlock(&rt->lock);
    if (any) {
        /* As Python at exit: terminate the daemons, then join everything.
         * After SIGINT/SIGTERM every process is ended as a daemon is. */
        for (int pass = 0; pass < 2; pass++) {
            pthread_mutex_lock(&rt->lock);
            for (rp_process *p = rt->procs; p; p = p->next)
                if ((p->daemon || rt->interrupted) && p->state == P_RUNNING) {
                    int sig = pass == 0 ? SIGTERM : SIGKILL;
                    if (rt->size == 1) {
                        kill((pid_t)p->pid, sig);
                    } else {
                        rp__hdr h = {.kind = RP__MSG_PROC_SIGNAL, .job = p->id, .code = sig};
                        rp__ctrl_push(rt, p->rank - 1, &h, NULL, 0);
                    }
                }
            double deadline = rp__deadline(RP__DAEMON_GRACE);
            int rc = 0;
            rp__wait wt = RP__WAIT_INIT;
            for (;;) {
                int wait = 0;
                for (rp_process *p = rt->procs; p; p = p->next)
                    wait |= (p->state == P_RUNNING || p->state == P_STARTING) &&
                            (pass == 1 || p->daemon || rt->interrupted);
                if (!wait || rt->fatal || rc != 0)
                    break;
                rc = rp__wait_step(rt, pass == 0 ? deadline : -1.0, &wt);
            }
            rp__wait_end(rt, &wt);
            pthread_mutex_unlock(&rt->lock);
        }
    }
    /* Handles the user still holds outlive the runtime; orphans are done. */
    pthread_mutex_lock(&rt->lock);
    while (rt->procs) {
        rp_process *p = rt->procs;
        rt->procs = p->next;
        p->next = NULL;
        if (p->orphan)
            rp__proc_free(p);
        else
            p->rt = NULL;
    }
    pthread_mutex_unlock(&rt->lock);
}

int rp_current_process(const rp_runtime *rt, rp_process_info *out) {
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL argument");
    static _Thread_local char name[32];
    memset(out, 0, sizeof *out);
    out->pid = (long)getpid();
    out->rank = rt ? rt->rank : -1;
    if (rp__child_info(&out->name, &out->daemon)) {
        out->child = 1;
    } else if (rt == NULL || rt->rank == 0) {
        out->name = "MainProcess";
    } else {
        snprintf(name, sizeof name, "Worker-%d", rt->rank);
        out->name = name;
    }
    return 0;
}
