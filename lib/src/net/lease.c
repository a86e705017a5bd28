/*
 * Leases: how rank 0 learns that a worker process is gone, and a worker that
 * rank 0 is.  Open MPI 4.1 gives the survivors of a dead process no error
 * (docs/cluster.md), so every worker holds one TCP connection to rank 0,
 * opened at init.  The kernel closes it when the process ends, however it
 * ends, so rank 0 sees the loss within a round trip; TCP keepalive covers a
 * host that vanishes without a word.  A worker that leaves in order says so
 * first (one byte), so rank 0 tells an exit from a death.
 *
 * Rank 0 watches the connections from a thread of its own, blocked in poll():
 * no cost while all is well, and nothing to do with MPI.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RP__LEASE_ADDRS 16
/* Seconds a worker tries each of rank 0's addresses. */
#define RP__LEASE_CONNECT 5.0
/* Keepalive: a silent peer is given up after IDLE + CNT * INTVL seconds. */
#define RP__LEASE_KEEPIDLE 5
#define RP__LEASE_KEEPINTVL 2
#define RP__LEASE_KEEPCNT 3
#define RP__LEASE_BYE 'B'
#define RP__LEASE_KILL 'K'

/* What rank 0 broadcasts: where to connect and the job's cookie. */
typedef struct lease_rec {
    uint64_t cookie;
    uint32_t naddr; /* 0: no lease in this job */
    uint32_t nlo;   /* of them, loopback addresses (the last ones) */
    uint32_t port;  /* network order in the low 16 bits */
    uint32_t addr[RP__LEASE_ADDRS];
} lease_rec;

/* A worker's first bytes on its connection. */
typedef struct lease_hello {
    uint64_t cookie;
    int32_t rank;
    int32_t pid;
} lease_hello;

static void keepalive(int fd) {
    int on = 1, idle = RP__LEASE_KEEPIDLE, intvl = RP__LEASE_KEEPINTVL, cnt = RP__LEASE_KEEPCNT;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static uint64_t make_cookie(void) {
    uint64_t c = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &c, sizeof c) != (ssize_t)sizeof c)
            c = 0;
        close(fd);
    }
    return c ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(rp__now() * 1e9);
}

/* Rank 0: listen on every interface; fill @p rec (naddr 0 on failure). */
static void lease_listen(rp__lease *l, lease_rec *rec) {
    memset(rec, 0, sizeof *rec);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t sl = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        close(fd);
        return;
    }
    /* Addresses of the interfaces that are up, loopback last: a worker on
     * another host must not reach some other process on its own loopback. */
    struct ifaddrs *ifs = NULL, *i;
    uint32_t lo[RP__LEASE_ADDRS];
    uint32_t n = 0, nlo = 0;
    if (getifaddrs(&ifs) == 0) {
        for (i = ifs; i; i = i->ifa_next) {
            if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
                !(i->ifa_flags & IFF_UP))
                continue;
            uint32_t a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
            if (i->ifa_flags & IFF_LOOPBACK) {
                if (nlo < RP__LEASE_ADDRS)
                    lo[nlo++] = a;
            } else if (n < RP__LEASE_ADDRS) {
                rec->addr[n++] = a;
            }
        }
        freeifaddrs(ifs);
    }
    for (uint32_t k = 0; k < nlo && n < RP__LEASE_ADDRS; k++, rec->nlo++)
        rec->addr[n++] = lo[k];
    if (n == 0) {
        close(fd);
        return;
    }
    rec->naddr = n;
    rec->port = sa.sin_port;
    rec->cookie = make_cookie();
    l->listen_fd = fd;
    l->cookie = rec->cookie;
}

/*
 * Connect to whichever of @p n addresses answers first on @p port, trying
 * them all at once (an address that drops packets must not cost its
 * timeout before the next is tried), within @p limit seconds.  The
 * connected socket, blocking, or -1.
 */
static int connect_any(const uint32_t *addr, uint32_t n, uint32_t port, double limit) {
    struct pollfd p[RP__LEASE_ADDRS];
    uint32_t k, live = 0;
    for (k = 0; k < n; k++) {
        p[k] = (struct pollfd){.fd = -1, .events = POLLOUT};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = (in_port_t)port};
        sa.sin_addr.s_addr = addr[k];
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
            close(fd);
            continue;
        }
        p[k].fd = fd;
        live++;
    }
    int won = -1;
    double until = rp__now() + limit;
    while (won < 0 && live > 0 && rp__now() < until) {
        if (poll(p, n, (int)((until - rp__now()) * 1000) + 1) <= 0)
            continue;
        for (k = 0; k < n; k++) {
            if (p[k].fd < 0 || !p[k].revents)
                continue;
            int err = 0;
            socklen_t el = sizeof err;
            if (won < 0 && getsockopt(p[k].fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) {
                won = p[k].fd;
            } else {
                close(p[k].fd);
                live--;
            }
            p[k].fd = -1;
        }
    }
    for (k = 0; k < n; k++)
        if (p[k].fd >= 0)
            close(p[k].fd);
    if (won >= 0)
        fcntl(won, F_SETFL, fcntl(won, F_GETFL) & ~O_NONBLOCK);
    return won;
}

/* A worker: connect to rank 0 and say who we are.  Rank 0's own host's
 * addresses come first; loopback only if none of them answers (a worker on
 * another host must not reach some other process on its own loopback). */
static void lease_connect(rp__lease *l, const lease_rec *rec) {
    lease_hello hello = {rec->cookie, l->rank, (int32_t)getpid()};
    uint32_t n = rec->naddr < RP__LEASE_ADDRS ? rec->naddr : RP__LEASE_ADDRS;
    uint32_t nlo = rec->nlo < n ? rec->nlo : n;
    int fd = connect_any(rec->addr, n - nlo, rec->port, RP__LEASE_CONNECT);
    if (fd < 0 && nlo > 0)
        fd = connect_any(rec->addr + (n - nlo), nlo, rec->port, RP__LEASE_CONNECT);
    if (fd >= 0 && write(fd, &hello, sizeof hello) == (ssize_t)sizeof hello) {
        keepalive(fd);
        l->fd = fd;
        return;
    }
    if (fd >= 0)
        close(fd);
    rp__log(RP_LOG_WARN,
            "rank %d: cannot connect to rank 0 for the worker lease; if this "
            "worker dies, rank 0 will not notice",
            l->rank);
}

int rp__lease_init(rp__lease *l, MPI_Comm comm, int rank, int size, int ok) {
    l->fd = l->listen_fd = l->wake[0] = l->wake[1] = -1;
    l->rank = rank;
    l->size = size;
    if (size < 2)
        return 0;
    lease_rec rec;
    memset(&rec, 0, sizeof rec);
    if (rank == 0 && ok) {
        l->fds = malloc((size_t)size * sizeof *l->fds);
        if (l->fds != NULL && pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) == 0)
            lease_listen(l, &rec);
        if (rec.naddr == 0)
            rp__log(RP_LOG_WARN,
                    "cannot listen for worker leases (%s); the loss of a "
                    "worker will not be noticed",
                    strerror(errno));
        for (int r = 0; l->fds != NULL && r < size; r++)
            l->fds[r] = -1;
    }
    if (MPI_Bcast(&rec, (int)sizeof rec, MPI_BYTE, 0, comm) != MPI_SUCCESS)
        return rp__err(RP_EMPI, "MPI_Bcast of the lease address failed");
    if (rank != 0 && ok && rec.naddr > 0)
        lease_connect(l, &rec);
    return 0;
}

/* Rank 0: read a new worker's hello and keep its connection. */
static void lease_accept(rp__lease *l) {
    int fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    /* The hello was written right after connect: it is here or nearly. */
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    lease_hello h;
    size_t got = 0;
    while (got < sizeof h) {
        ssize_t n = read(fd, (char *)&h + got, sizeof h - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != sizeof h || h.cookie != l->cookie || h.rank < 1 || h.rank >= l->size ||
        l->fds[h.rank] >= 0) {
        close(fd); /* not one of ours, or a duplicate */
        return;
    }
    keepalive(fd);
    l->fds[h.rank] = fd;
    if (l->hooks.leased != NULL)
        l->hooks.leased(l->hooks.arg, h.rank, h.pid);
}

/* Rank 0's watch thread. */
static void *watch_main(void *arg) {
    rp__lease *l = arg;
    struct pollfd *p = malloc((size_t)(l->size + 1) * sizeof *p);
    int *who = malloc((size_t)(l->size + 1) * sizeof *who);
    if (p == NULL || who == NULL) {
        free(p);
        free(who);
        rp__log(RP_LOG_WARN, "no memory to watch the workers");
        return NULL;
    }
    for (;;) {
        int n = 0;
        p[n++] = (struct pollfd){.fd = l->wake[0], .events = POLLIN};
        p[n++] = (struct pollfd){.fd = l->listen_fd, .events = POLLIN};
        for (int r = 1; r < l->size; r++)
            if (l->fds[r] >= 0) {
                who[n] = r;
                p[n++] = (struct pollfd){.fd = l->fds[r], .events = POLLIN};
            }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            rp__log(RP_LOG_WARN, "poll on the worker leases failed: %s", strerror(errno));
            break;
        }
        if (p[0].revents) {
            char c[16];
            while (read(l->wake[0], c, sizeof c) > 0)
                ;
            if (__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE))
                break;
        }
        if (p[1].revents & POLLIN)
            lease_accept(l);
        for (int k = 2; k < n; k++) {
            if (!p[k].revents)
                continue;
            int r = who[k];
            char c[64];
            ssize_t got = recv(l->fds[r], c, sizeof c, MSG_DONTWAIT);
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            int bye = got > 0 && memchr(c, RP__LEASE_BYE, (size_t)got) != NULL;
            if (got > 0 && !bye)
                continue; /* nothing else is ever sent: ignore it */
            close(l->fds[r]);
            l->fds[r] = -1;
            if (!bye && l->hooks.lost != NULL)
                l->hooks.lost(l->hooks.arg, r,
                              got == 0 ? "its connection closed" : strerror(errno));
        }
    }
    free(p);
    free(who);
    return NULL;
}

/*
 * A worker's thread on its lease: rank 0 writes 'B' when it ends in order,
 * 'K' when it gives up on this rank (a task still running at shutdown).
 * 'K', or the connection closing without a word (rank 0 died: only under
 * mpirun --enable-recovery does the job go on then), ends this process at
 * once, whatever its main thread is doing: nothing else could end it.
 */
static void *guard_main(void *arg) {
    rp__lease *l = arg;
    struct pollfd p[2] = {{.fd = l->wake[0], .events = POLLIN}, {.fd = l->fd, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if (p[0].revents)
            return NULL; /* this rank leaves in order */
        if (!p[1].revents)
            continue;
        char c = 0;
        ssize_t n = recv(l->fd, &c, 1, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n == 1 && c == RP__LEASE_BYE)
            return NULL;
        if (n == 1 && c != RP__LEASE_KILL)
            continue;
        rp__log(RP_LOG_ERROR, "rank %d: %s; ending this rank", l->rank,
                n == 1 ? "rank 0 gave up on it (a task still ran at shutdown)" : "rank 0 is gone");
        fflush(stderr);
        _exit(1);
    }
}

int rp__lease_start(rp__lease *l, const rp__lease_hooks *hooks) {
    if (hooks != NULL)
        l->hooks = *hooks;
    if (l->rank != 0) {
        if (l->fd < 0 || pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) != 0)
            return 0;
        if (pthread_create(&l->thread, NULL, guard_main, l) == 0)
            l->started = 1;
        return 0;
    }
    if (l->listen_fd < 0)
        return 0;
    if (pthread_create(&l->thread, NULL, watch_main, l) != 0) {
        rp__log(RP_LOG_WARN, "cannot start the thread that watches the workers");
        return 0;
    }
    l->started = 1;
    return 0;
}

/* Stop the lease's thread (either side). */
static void stop_thread(rp__lease *l) {
    if (!l->started)
        return;
    __atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
    if (write(l->wake[1], "x", 1) != 1) {
        /* the pipe is full: the thread wakes anyway */
    }
    pthread_join(l->thread, NULL);
    l->started = 0;
}

void rp__lease_bye(rp__lease *l) {
    if (l->fd < 0)
        return;
    stop_thread(l);
    char c = RP__LEASE_BYE;
    if (write(l->fd, &c, 1) != 1) {
        /* rank 0 is gone already; nothing to tell */
    }
    close(l->fd);
    l->fd = -1;
}

void rp__lease_child(rp__lease *l) {
    l->started = 0; /* its thread is not in the child */
    for (int r = 0; l->fds != NULL && r < l->size; r++)
        if (l->fds[r] >= 0)
            close(l->fds[r]);
    int *fds[] = {&l->listen_fd, &l->wake[0], &l->wake[1], &l->fd};
    for (size_t k = 0; k < sizeof fds / sizeof *fds; k++)
        if (*fds[k] >= 0) {
            close(*fds[k]);
            *fds[k] = -1;
        }
}

void rp__lease_fini(rp__lease *l) {
    stop_thread(l);
    for (int r = 0; l->fds != NULL && r < l->size; r++)
        if (l->fds[r] >= 0) {
            /* Rank 0 ends in order: a worker still in its loop must not take
             * the closed connection for rank 0's death; one given up on
             * (still in a task) is told to end. */
            int kill = l->hooks.given_up != NULL && l->hooks.given_up(l->hooks.arg, r);
            char c = kill ? RP__LEASE_KILL : RP__LEASE_BYE;
            if (write(l->fds[r], &c, 1) != 1) {
                /* that worker is gone already */
            }
            close(l->fds[r]);
        }
    free(l->fds);
    l->fds = NULL;
    int *fds[] = {&l->listen_fd, &l->wake[0], &l->wake[1], &l->fd};
    for (size_t k = 0; k < sizeof fds / sizeof *fds; k++)
        if (*fds[k] >= 0) {
            close(*fds[k]);
            *fds[k] = -1;
        }
}

int rp__recovery_enabled(void) {
    const char *v = getenv("OMPI_MCA_orte_enable_recovery");
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}
