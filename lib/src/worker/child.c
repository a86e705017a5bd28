/*
 * A forked child's side: the frames on the socket to the rank that hosts
 * it (see worker/host.c for the format), who the child is, its object calls
 * over the socket, and the tokens that tell one caller's calls from
 * another's.  A child never calls MPI.
 */
#include "worker/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* In a forked child: the socket to its rank, and who it is. */
static struct {
    int fd; /* -1: not a child */
    int daemon;
    int exec;
    char name[RP__MAX_PNAME + 1];
    pthread_mutex_t lock; /* one call at a time on the socket */
    uint64_t seq;
} g_child = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- callers' tokens ----------------------------------------------------- */

/* Lock ownership is per thread: each thread that makes object calls gets a
 * token, sent with every request.  A forked child starts a new series under
 * a base of its own (rp__child_enter), so that it is an owner apart from
 * its rank and its siblings; the epoch tells a thread its token is stale. */
static atomic_uint next_token = 1;
static uint32_t token_base;
static atomic_uint token_epoch;
static _Thread_local uint32_t token;
static _Thread_local unsigned token_seen;

uint32_t rp__caller_token(void) {
    unsigned epoch = atomic_load(&token_epoch);
    if (token == 0 || token_seen != epoch) {
        uint32_t n = atomic_fetch_add(&next_token, 1);
        token = token_base ? token_base | ((n << RP__TOK_THREAD_SHIFT) & RP__TOK_THREAD) : n;
        token_seen = epoch;
    }
    return token;
}

/* ---- frames ----------------------------------------------------------- */

/* Write every byte of @p iov (MSG_NOSIGNAL: a dead peer is an error, not a
 * SIGPIPE that ends the rank).  0 or -1. */
static int send_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

int rp__frame_send(int fd, const void *pre, size_t plen, const void *msg, size_t len) {
    uint64_t total = plen + len;
    struct iovec iov[3] = {{&total, sizeof total}, {(void *)pre, plen}, {(void *)msg, len}};
    return send_all(fd, iov, 3);
}

/* 0, 1 at end of stream before the first byte, -1 on error. */
static int read_all(int fd, void *p, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (uint8_t *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 && got == 0 ? 1 : -1;
        got += (size_t)r;
    }
    return 0;
}

int rp__frame_recv(int fd, void **msg, size_t *len) {
    uint64_t n;
    int rc = read_all(fd, &n, sizeof n);
    if (rc != 0)
        return rc;
    if (n > RP__MAX_MSG)
        return -1;
    *msg = malloc(n ? (size_t)n : 1);
    if (*msg == NULL)
        return -1;
    if (read_all(fd, *msg, (size_t)n) != 0) {
        free(*msg);
        return -1;
    }
    *len = (size_t)n;
    return 0;
}

/* ---- the child's side ------------------------------------------------- */

int rp__in_child(void) {
    return g_child.fd >= 0;
}

int rp__child_rpc(void *req, size_t len, void **rep, size_t *rep_len) {
    pthread_mutex_lock(&g_child.lock);
    int rc = rp__frame_send(g_child.fd, NULL, 0, req, len);
    if (rc == 0)
        rc = rp__frame_recv(g_child.fd, rep, rep_len);
    pthread_mutex_unlock(&g_child.lock);
    free(req);
    /* The rank is gone (it would have killed us first) or broke the stream. */
    return rc == 0 ? 0 : rp__err(RP_EPROTO, "the connection to the hosting rank failed");
}

uint64_t rp__child_seq(void) {
    return __atomic_add_fetch(&g_child.seq, 1, __ATOMIC_RELAXED);
}

int rp__child_info(const char **name, int *daemon) {
    if (g_child.fd < 0)
        return 0;
    *name = g_child.name;
    *daemon = g_child.daemon;
    return 1;
}

int rp__child_fd(void) {
    return g_child.fd;
}

void rp__child_enter(int fd, pid_t parent, int proc, int daemon, const char *name, size_t nlen) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    static const int sigs[] = {SIGSEGV, SIGBUS,  SIGFPE,  SIGILL,  SIGABRT, SIGTERM, SIGINT,
                               SIGHUP,  SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    alarm(0); /* a signaled worker's grace is not the child's */
    g_child.fd = fd;
    g_child.daemon = daemon;
    g_child.exec = !proc;
    if (nlen > RP__MAX_PNAME)
        nlen = RP__MAX_PNAME;
    memcpy(g_child.name, name, nlen);
    g_child.name[nlen] = '\0';
    /* Object calls from here on are this child's, apart from its rank's. */
    token_base = RP__TOK_CHILD | (proc ? RP__TOK_PROC : 0) | ((uint32_t)getpid() & RP__TOK_PID);
    atomic_store(&next_token, 0);
    atomic_fetch_add(&token_epoch, 1);
}

void rp__child_run(const rp__tasks *tasks, int rank, int task, const void *arg, size_t len) {
    char msg[RP__MAX_ERRMSG + 1];
    int rc = rp__exec_init(tasks, rank, task, arg, len, msg, sizeof msg);
    if (rc != 0 && strcmp(msg, "initializer failed") != 0)
        rp__log(RP_LOG_ERROR, "process '%s': %s", g_child.name, msg);
    fflush(NULL);
    _exit(rc == 0 ? 0 : rc > 0 && rc < 256 ? rc : 1);
}

int rp__exit_code(int status) {
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
