/*
 * Hosting forked children: Process objects and the executors of isolated
 * pools.  A rank forks them and stays their MPI endpoint: a child never
 * calls MPI.  Its shared-object calls come over a socketpair and the rank
 * relays them (a worker rank forwards them to the manager as ordinary
 * OBJ_REQ messages and routes each OBJ_REP back by the token in its header;
 * rank 0 of a one-rank job executes them on its store: manager/relay.c).
 * The rank reaps every child (waitpid) and reports its exit.  The child's
 * own side is worker/child.c.  See docs/process.md.
 *
 * Between a rank and its child, over the socket (both ends are processes of
 * one host and one binary): frames of a u64 length in host order and that
 * many bytes.  A child sends OBJ_REQ messages and, an executor, one
 * single-item RESULT message per item; the rank sends OBJ_REP messages and,
 * to an executor, a work order: u64 first item, u64 how many, then the whole
 * TASK message.  The rank decodes every message it reads with the wire
 * decoders, as it would one from the network.
 */
#define _GNU_SOURCE /* sigabbrev_np */
#include "worker/worker.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* Seconds a rank waiting for its executor polls without sleeping after the
 * last frame: an object call's answer or the next result comes within it. */
#define RP__EXEC_SPIN 200e-6
/* Seconds between looks at the network while results stream in. */
#define RP__EXEC_NET_EVERY 20e-6

/* One child of this rank. */
typedef struct kid {
    pid_t pid;   /* 0 once reaped */
    int fd;      /* the rank's end of the socket, -1 once closed */
    uint64_t id; /* the process id on rank 0 (a Process), else 0 */
    int exec;    /* an isolated pool's executor */
    uint32_t pool;
    uint64_t ran; /* items an executor has run */
    rp__buf in;   /* what it sent, read ahead: frames from in.p + off */
    size_t off;
} kid;

/* A pool whose tasks run in an executor. */
typedef struct iso {
    uint32_t pool;
    uint64_t max;   /* maxtasksperchild, 0: no limit */
    double timeout; /* per task, seconds, 0: none */
} iso;

struct rp__host {
    const rp__wenv *env;
    kid *k;
    int n;
    size_t cap;
    iso *iso;
    int niso;
    size_t capiso;
    struct pollfd *pfd;
    int cappfd;
    rp__sendq sendq;
    int failed;  /* an MPI send failed */
    int closing; /* SHUTDOWN: rank 0 hears nothing more */
};

/* The host of this process's runtime (worker ranks).  Answers routed from
 * rp__rpc find their child here. */
static rp__host *g_host;

/* ---- worker ranks: the host ------------------------------------------- */

rp__host *rp__host_new(const rp__wenv *env) {
    rp__host *h = calloc(1, sizeof *h);
    if (h != NULL) {
        h->env = env;
        g_host = h;
    }
    return h;
}

/* Room for one more child, made before forking: a forked child must always
 * be recorded.  0 or RP_ENOMEM. */
static int kid_room(rp__host *h) {
    kid *v = rp__grow(h->k, &h->cap, (size_t)h->n + 1, sizeof *v, 8);
    if (v == NULL)
        return RP_ENOMEM;
    h->k = v;
    return 0;
}

static void kid_remove(rp__host *h, int i) {
    if (h->k[i].fd >= 0)
        close(h->k[i].fd);
    rp__buf_free(&h->k[i].in);
    h->k[i] = h->k[--h->n];
}

/* The token base of child @p k's calls. */
static uint32_t kid_token(const kid *k) {
    return RP__TOK_CHILD | (k->exec ? 0 : RP__TOK_PROC) | ((uint32_t)k->pid & RP__TOK_PID);
}

static void report(rp__host *h, int kind, uint64_t id, int code, uint32_t token) {
    if (h->closing)
        return;
    rp__hdr m = {.kind = (uint16_t)kind, .job = id, .code = code, .pool = token};
    if (rp__send_ctrl(h->env->comm, 0, &m, NULL, 0, &h->sendq) == RP_EMPI)
        h->failed = 1;
    /* A child's calls parked on a server end with it, too. */
    for (int r = 1; kind == RP__MSG_PROC_EXIT && r <= h->env->servers->n; r++)
        if (!__atomic_load_n(&h->env->servers->lost[r], __ATOMIC_ACQUIRE) &&
            rp__send_ctrl(h->env->comm, r, &m, NULL, 0, &h->sendq) == RP_EMPI)
            h->failed = 1;
}

/* Answer child @p k's request @p req (header @p m) with @p code at once:
 * its server was lost. */
static void kid_refuse(kid *k, const rp__hdr *m, int code) {
    rp__hdr rh = {
        .kind = RP__MSG_OBJ_REP, .code = code, .job = m->job, .start = m->start, .pool = m->pool};
    rp__fwriter w;
    rp__fw_init(&w, &rh);
    const char *why = rp_last_error();
    rp__fw_bytes(&w, why, strlen(why));
    if (rp__fw_finish(&w) == 0) {
        rp__frame_send(k->fd, NULL, 0, w.buf.p, w.buf.len);
        free(w.buf.p);
    }
}

/* In a new child: no socket of a sibling, no lease (the connection must end
 * with the rank that holds it), then the child's own first steps. */
static void child_enter(rp__host *h, int fd, pid_t parent, int proc, int daemon, const char *name,
                        size_t nlen) {
    for (int i = 0; i < h->n; i++)
        if (h->k[i].fd >= 0)
            close(h->k[i].fd);
    rp__lease_child(h->env->lease);
    g_host = NULL;
    rp__child_enter(fd, parent, proc, daemon, name, nlen);
}

/* Fork a child on socket pair @p sv; in the child, @p body runs and never
 * returns.  Returns the pid (parent), or -1. */
static pid_t fork_kid(rp__host *h, int sv[2], int proc, int daemon, const char *name, size_t nlen) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        child_enter(h, sv[1], parent, proc, daemon, name, nlen);
        return 0;
    }
    close(sv[1]);
    if (pid < 0)
        close(sv[0]);
    return pid;
}

int rp__host_start(rp__host *h, const rp__hdr *m, const void *body) {
    const rp__wenv *env = h->env;
    const char *name;
    const void *arg;
    size_t nlen, alen;
    if (rp__proc_start_decode(m, body, &name, &nlen, &arg, &alen) != 0 ||
        (size_t)m->code >= env->tasks->n) {
        report(h, RP__MSG_PROC_STARTED, m->job, RP_EPROTO, 0);
        return 0;
    }
    if (kid_room(h) != 0) {
        report(h, RP__MSG_PROC_STARTED, m->job, RP_ENOMEM, 0);
        return 0;
    }
    int sv[2];
    int daemon = (m->flags & RP__PROC_DAEMON) != 0;
    pid_t pid = fork_kid(h, sv, 1, daemon, name, nlen);
    if (pid == 0)
        rp__child_run(env->tasks, env->rank, m->code, arg, alen);
    if (pid < 0) {
        report(h, RP__MSG_PROC_STARTED, m->job, RP_ENOMEM, 0);
        return 0;
    }
    h->k[h->n++] = (kid){.pid = pid, .fd = sv[0], .id = m->job};
    report(h, RP__MSG_PROC_STARTED, m->job, (int)pid, 0);
    return 0;
}

void rp__host_signal(rp__host *h, const rp__hdr *m) {
    /* Only unreaped children: their pid cannot have been reused. */
    for (int i = 0; i < h->n; i++)
        if (!h->k[i].exec && h->k[i].id == m->job && h->k[i].pid > 0 && m->code > 0 && m->code < 65)
            kill(h->k[i].pid, m->code);
}

/*
 * The next whole frame child @p k sent, copied out (*msg malloc'd).  With
 * @p fill, when no whole frame is buffered, first reads what the socket
 * holds (only after poll said it is readable: the read may block else).
 * Reading ahead lets one read bring many small frames.  Returns 1 with a
 * frame, 0 if none is whole yet, -1 at end of stream or on an error.
 */
static int kid_frame(kid *k, int fill, void **msg, size_t *len) {
    for (;;) {
        size_t avail = k->in.len - k->off;
        uint64_t n = 0;
        if (avail >= sizeof n) {
            memcpy(&n, k->in.p + k->off, sizeof n);
            if (n > RP__MAX_MSG)
                return -1;
            if (avail - sizeof n >= n) {
                *msg = malloc(n ? (size_t)n : 1);
                if (*msg == NULL)
                    return -1;
                memcpy(*msg, k->in.p + k->off + sizeof n, (size_t)n);
                *len = (size_t)n;
                k->off += sizeof n + (size_t)n;
                if (k->off == k->in.len)
                    k->off = k->in.len = 0;
                return 1;
            }
        }
        if (!fill)
            return 0;
        fill = 0;
        if (k->off > 0) {
            memmove(k->in.p, k->in.p + k->off, avail);
            k->in.len = avail;
            k->off = 0;
        }
        size_t want = 65536;
        if (avail >= sizeof n && n + sizeof n - avail > want)
            want = (size_t)n + sizeof n - avail;
        if (rp__buf_reserve(&k->in, want) != 0)
            return -1;
        ssize_t r;
        do
            r = read(k->fd, k->in.p + k->in.len, k->in.cap - k->in.len);
        while (r < 0 && errno == EINTR);
        if (r <= 0)
            return -1;
        k->in.len += (size_t)r;
    }
}

/*
 * Handle the next frame from child @p i (see kid_frame for @p fill): an
 * OBJ_REQ is forwarded to the manager; an executor's RESULT is handed to
 * the caller (*res, when res is not NULL).  Returns 1 for a frame, 2 if no
 * whole frame is there yet, 0 at end of stream (fd closed), -1 if the child
 * broke the protocol (killed).
 */
static int kid_read(rp__host *h, int i, void **res, size_t *rlen, int fill) {
    kid *k = &h->k[i];
    void *msg;
    size_t len;
    int rc = kid_frame(k, fill, &msg, &len);
    if (rc == 0)
        return 2;
    if (rc < 0) {
        close(k->fd);
        k->fd = -1;
        return 0;
    }
    rp__hdr m;
    uint32_t tok = kid_token(k);
    if (rp__hdr_decode(msg, len, &m) == 0) {
        if (m.kind == RP__MSG_OBJ_REQ && (m.pool & ~RP__TOK_THREAD) == tok) {
            /* To the rank that serves it (the child said which). */
            int dest = m.item_size <= (uint32_t)h->env->servers->n ? (int)m.item_size : 0;
            if (rp__server_gone(h->env->servers, dest)) {
                kid_refuse(k, &m, RP_ELOST);
                free(msg);
                return 1;
            }
            rp__iov iov = {msg, len};
            if (rp__send_iov(h->env->comm, dest, RP__MSG_OBJ_REQ, &iov, 1, msg, NULL, &h->sendq) ==
                RP_EMPI)
                h->failed = 1;
            return 1;
        }
        if (m.kind == RP__MSG_RESULT && k->exec && res != NULL) {
            *res = msg;
            *rlen = len;
            return 1;
        }
    }
    free(msg);
    rp__log(RP_LOG_WARN, "rank %d: child %ld broke the protocol: killed", h->env->rank,
            (long)k->pid);
    kill(k->pid, SIGKILL);
    close(k->fd);
    k->fd = -1;
    return -1;
}

int rp__host_route(void *msg, size_t len) {
    rp__hdr m;
    if (rp__hdr_decode(msg, len, &m) != 0 || !(m.pool & RP__TOK_CHILD))
        return 0;
    rp__host *h = g_host;
    pid_t pid = (pid_t)(m.pool & RP__TOK_PID);
    for (int i = 0; h != NULL && i < h->n; i++)
        if (h->k[i].pid == pid && h->k[i].fd >= 0) {
            /* The child waits for this answer, so the write does not block
             * for long; a child that died meanwhile just loses it. */
            rp__frame_send(h->k[i].fd, NULL, 0, msg, len);
            break;
        }
    free(msg);
    return 1;
}

int rp__host_pump(rp__host *h) {
    if (h == NULL)
        h = g_host;
    if (h == NULL || (h->n == 0 && h->sendq.n == 0))
        return 0;
    int progress = 0;
    if (h->n > h->cappfd) {
        struct pollfd *v = realloc(h->pfd, (size_t)h->n * sizeof *v);
        if (v == NULL)
            return 0; /* next time */
        h->pfd = v;
        h->cappfd = h->n;
    }
    int np = 0, open = 0;
    for (int i = 0; i < h->n; i++) {
        int fd = h->k[i].exec ? -1 : h->k[i].fd;
        h->pfd[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
        open += fd >= 0;
    }
    if (open > 0 && poll(h->pfd, (nfds_t)np, 0) > 0)
        for (int i = 0; i < np && i < h->n; i++)
            if (h->pfd[i].revents != 0 && h->k[i].fd == h->pfd[i].fd) {
                /* One read, then every whole frame it brought. */
                for (int fill = 1; kid_read(h, i, NULL, NULL, fill) == 1; fill = 0)
                    progress++;
            }
    /* Reap the processes that ended (executors are reaped where they run). */
    for (int i = 0; i < h->n;) {
        kid *k = &h->k[i];
        int st;
        if (!k->exec && waitpid(k->pid, &st, WNOHANG) == k->pid) {
            report(h, RP__MSG_PROC_EXIT, k->id, rp__exit_code(st), kid_token(k));
            kid_remove(h, i);
            progress++;
            continue;
        }
        i++;
    }
    int d = rp__sendq_progress(&h->sendq);
    if (d < 0)
        return RP_EMPI;
    return h->failed ? RP_EMPI : progress + d;
}

static void relay_route(void *arg, void *msg, size_t len) {
    (void)arg;
    rp__host_route(msg, len);
}

static int relay_pump(void *arg) {
    (void)arg;
    return rp__host_pump(NULL);
}

const rp__relay *rp__host_relay(void) {
    static const rp__relay relay = {relay_route, relay_pump, NULL};
    return g_host != NULL ? &relay : NULL;
}

int rp__host_busy(const rp__host *h) {
    for (int i = 0; h != NULL && i < h->n; i++)
        if (!h->k[i].exec)
            return 1;
    return 0;
}

/* End and reap child @p i: @p sig, or none to let it see end of stream
 * (an idle executor then leaves).  Returns its wait status. */
static int kid_end(rp__host *h, int i, int sig) {
    kid *k = &h->k[i];
    if (sig)
        kill(k->pid, sig);
    if (k->fd >= 0) {
        close(k->fd);
        k->fd = -1;
    }
    int st = 0;
    while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (k->exec) /* its calls still waiting at the manager must not take anything */
        report(h, RP__MSG_PROC_EXIT, 0, rp__exit_code(st), kid_token(k));
    kid_remove(h, i);
    return st;
}

void rp__host_free(rp__host *h) {
    if (h == NULL)
        return;
    /* Rank 0 joined or ended every process before SHUTDOWN; anything left
     * (rank 0 gave up on it) must not outlive the job. */
    h->closing = 1;
    while (h->n > 0) {
        kid *k = &h->k[0];
        kid_end(h, 0, k->exec ? 0 : SIGKILL);
    }
    rp__sendq_drain(&h->sendq, h->env->opt, 5.0);
    free(h->k);
    free(h->iso);
    free(h->pfd);
    if (g_host == h)
        g_host = NULL;
    free(h);
}

/* ---- isolated pools ----------------------------------------------------- */

static iso *find_iso(rp__host *h, uint32_t pool) {
    for (int i = 0; h != NULL && i < h->niso; i++)
        if (h->iso[i].pool == pool)
            return &h->iso[i];
    return NULL;
}

static int find_exec(rp__host *h, uint32_t pool) {
    for (int i = 0; i < h->n; i++)
        if (h->k[i].exec && h->k[i].pool == pool)
            return i;
    return -1;
}

void rp__host_pool(rp__host *h, const rp__hdr *m) {
    if (m->kind == RP__MSG_POOL_FREE) {
        iso *p = find_iso(h, m->pool);
        if (p != NULL)
            *p = h->iso[--h->niso];
        int i = find_exec(h, m->pool);
        if (i >= 0)
            kid_end(h, i, 0);
        return;
    }
    if (!(m->flags & RP__POOL_ISOLATE) || find_iso(h, m->pool) != NULL)
        return;
    iso *v = rp__grow(h->iso, &h->capiso, (size_t)h->niso + 1, sizeof *v, 4);
    if (v == NULL)
        return; /* its tasks then run in the rank: not isolated, not lost */
    h->iso = v;
    h->iso[h->niso++] = (iso){.pool = m->pool, .max = m->job, .timeout = (double)m->start * 1e-6};
}

int rp__host_isolated(rp__host *h, uint32_t pool) {
    return find_iso(h, pool) != NULL;
}

/* An executor's body: run the items of each work order, one RESULT frame
 * per item, until the rank closes the socket. */
static void exec_main(const rp__wenv *env) {
    for (;;) {
        void *m;
        size_t len;
        if (rp__frame_recv(rp__child_fd(), &m, &len) != 0)
            break;
        rp__hdr th;
        rp__reader r;
        uint64_t order[2];
        const uint8_t *msg = (const uint8_t *)m + sizeof order;
        if (len < sizeof order || rp__hdr_decode(msg, len - sizeof order, &th) != 0 ||
            th.kind != RP__MSG_TASK || th.code < 0 || (size_t)th.code >= env->tasks->n ||
            rp__reader_init(&r, &th, msg + RP__HDR_SIZE) != 0)
            break;
        memcpy(order, m, sizeof order);
        const void *arg;
        size_t alen;
        for (uint64_t i = 0; rp__reader_next(&r, &arg, &alen, NULL, NULL); i++) {
            if (i < order[0])
                continue;
            if (i >= order[0] + order[1])
                break;
            rp__hdr one = {.kind = RP__MSG_TASK,
                           .pool = th.pool,
                           .job = th.job,
                           .start = th.start + i,
                           .count = 1,
                           .code = th.code};
            rp__rwriter w;
            if (rp__rwriter_init(&w, &one) != 0)
                _exit(1);
            rp__exec_item(env->tasks, env->rank, th.code, th.start + i,
                          1u + (th.flags >> RP__TASK_TRIES_SHIFT), arg, alen, &w);
            rp__rwriter_finish(&w, 0);
            int rc = rp__frame_send(rp__child_fd(), NULL, 0, w.buf.p, w.buf.len);
            rp__buf_free(&w.buf);
            if (rc != 0)
                _exit(1);
        }
        free(m);
        fflush(NULL);
    }
    fflush(NULL);
    _exit(0);
}

/* Copy the single item of an executor's RESULT frame into @p w.  0, or -1
 * if the frame is not one item. */
static int take_item(const void *msg, size_t len, rp__rwriter *w) {
    rp__hdr rh;
    rp__reader r;
    const void *data;
    size_t n;
    int status;
    int32_t code;
    if (rp__hdr_decode(msg, len, &rh) != 0 || rh.count != 1 ||
        rp__reader_init(&r, &rh, (const uint8_t *)msg + RP__HDR_SIZE) != 0 ||
        !rp__reader_next(&r, &data, &n, &status, &code))
        return -1;
    void *p = rp__rwriter_room(w, n);
    if (p == NULL) {
        rp__commit_failure(w, RP__ST_ERROR, RP_ENOMEM, "no memory for a result");
        return 0;
    }
    memcpy(p, data, n);
    rp__rwriter_commit(w, status, code, n);
    return 0;
}

int rp__host_run_chunk(rp__host *h, const void *msg, size_t mlen, const rp__hdr *th,
                       rp__cancel_fn poll_net, void *arg, rp__rwriter *w) {
    const rp__wenv *env = h->env;
    iso *p = find_iso(h, th->pool);
    /* A chunk of a pool without isolation sent again after its worker was
     * lost (RP__TASK_ISOLATE): an executor of its own, no limits, and a
     * crash is its item's loss, not the worker's (the poison-task rule). */
    iso once = {.pool = th->pool};
    int suspect = p == NULL && (th->flags & RP__TASK_ISOLATE);
    if (suspect)
        p = &once;
    if (p == NULL || th->code < 0 || (size_t)th->code >= env->tasks->n)
        return RP_EPROTO;
    const char *tname = env->tasks->defs[th->code].name;
    double t0 = rp__now();
    uint64_t done = 0, count = th->count;
    char why[RP__MAX_ERRMSG + 1];
    while (done < count) {
        if (poll_net(arg)) {
            for (; done < count; done++)
                rp__commit_failure(w, RP__ST_CANCELED, RP_ECANCELED, "canceled by pool terminate");
            break;
        }
        int e = find_exec(h, th->pool);
        if (e < 0) {
            int sv[2];
            char name[32];
            int nlen = snprintf(name, sizeof name, "Executor-%d", env->rank);
            /* Daemonic, as Python's pool workers: a task there starts no process. */
            pid_t pid = kid_room(h) == 0 ? fork_kid(h, sv, 0, 1, name, (size_t)nlen) : -1;
            if (pid == 0)
                exec_main(env);
            if (pid < 0) {
                snprintf(why, sizeof why, "could not start an executor: %s", strerror(errno));
                for (; done < count; done++)
                    rp__commit_failure(w, RP__ST_ERROR, RP_ENOMEM, why);
                break;
            }
            h->k[h->n++] = (kid){.pid = pid, .fd = sv[0], .exec = 1, .pool = th->pool};
            e = h->n - 1;
        }
        uint64_t order[2] = {done, count - done};
        if (p->max > 0 && order[1] > p->max - h->k[e].ran)
            order[1] = p->max - h->k[e].ran;
        if (rp__frame_send(h->k[e].fd, order, sizeof order, msg, mlen) != 0) {
            /* It died while idle: a new one takes the work. */
            kid_end(h, e, SIGKILL);
            continue;
        }
        uint64_t got = 0;
        int canceled = 0, gone = 0;
        double since = rp__now(), active = since, net = 0;
        while (got < order[1]) {
            /* Now and then the network (answers for children, cancels) and
             * the other children; then the executor's frames: those read
             * ahead, else a wait in poll, none while it is busy with us,
             * a millisecond at most after that. */
            double now = rp__now();
            if (now - net >= RP__EXEC_NET_EVERY) {
                canceled |= poll_net(arg);
                int pr = rp__host_pump(h);
                if (pr == RP_EMPI)
                    return RP_EMPI;
                e = find_exec(h, th->pool); /* reaping moves entries of the table */
                net = now;
                if (pr > 0)
                    active = now;
                if (canceled) {
                    /* Python's terminate(): the executor is killed at once,
                     * with the task it runs; the items left are canceled
                     * below. */
                    kid_end(h, e, SIGKILL);
                    rp__commit_failure(w, RP__ST_CANCELED, RP_ECANCELED,
                                       "killed by pool terminate while it ran");
                    done++;
                    gone = 1;
                    break;
                }
            }
            void *res = NULL;
            size_t rlen = 0;
            int r = kid_read(h, e, &res, &rlen, 0);
            if (r == 2) {
                struct pollfd pf = {.fd = h->k[e].fd, .events = POLLIN};
                if (poll(&pf, 1, now - active < RP__EXEC_SPIN ? 0 : 1) > 0) {
                    r = kid_read(h, e, &res, &rlen, 1);
                } else if (p->timeout > 0 && rp__now() - since > p->timeout) {
                    kid_end(h, e, SIGKILL);
                    snprintf(why, sizeof why, "task '%s' timed out after %g s (killed)", tname,
                             p->timeout);
                    rp__commit_failure(w, RP__ST_ERROR, RP_ETIMEDOUT, why);
                    done++;
                    gone = 1;
                    break;
                }
                if (r == 2)
                    continue;
            }
            active = now;
            if (r == 1 && res != NULL) {
                if (take_item(res, rlen, w) != 0)
                    rp__commit_failure(w, RP__ST_ERROR, RP_EPROTO, "malformed result");
                free(res);
                done++;
                got++;
                h->k[e].ran++;
                since = rp__now();
                continue;
            }
            if (r == 1) {
                net = 0; /* a call went out: look for its answer at once */
                continue;
            }
            /* End of stream: it crashed, or the task ended the process. */
            int st = kid_end(h, e, r < 0 ? SIGKILL : 0);
            const char *sig = WIFSIGNALED(st) && sigabbrev_np(WTERMSIG(st)) != NULL
                                  ? sigabbrev_np(WTERMSIG(st))
                                  : "?";
            if (suspect && WIFSIGNALED(st)) /* it crashed twice: the first took its worker */
                snprintf(why, sizeof why, "item %llu killed its worker with SIG%s",
                         (unsigned long long)(th->start + done), sig);
            else if (suspect)
                snprintf(why, sizeof why, "item %llu ended its worker's process (status %d)",
                         (unsigned long long)(th->start + done),
                         WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            else if (WIFSIGNALED(st))
                snprintf(why, sizeof why, "task '%s' killed by signal %d (SIG%s)", tname,
                         WTERMSIG(st), sig);
            else
                snprintf(why, sizeof why, "task '%s' ended its process with status %d", tname,
                         WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            rp__commit_failure(w, RP__ST_ERROR, suspect ? RP_ELOST : RP_ECRASH, why);
            done++;
            gone = 1;
            break;
        }
        if (!gone && p->max > 0 && h->k[e].ran >= p->max)
            kid_end(h, e, 0); /* maxtasksperchild: a fresh one next time */
    }
    int e = suspect ? find_exec(h, th->pool) : -1;
    if (e >= 0)
        kid_end(h, e, 0); /* the pool's other chunks run in the rank again */
    double t1 = rp__now();
    rp__rwriter_finish(w, (int64_t)((t1 - t0) * 1e9));
    return 0;
}
