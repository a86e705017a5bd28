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
 * no cost while all is well, and nothing to do with MPI.  The listener is
 * open to whatever reaches its port, so it listens only on the addresses
 * the workers are told, and a new connection's hello is read without
 * blocking the watch: a connection that says nothing (or garbage) within
 * a second is turned away, and at most RP__LEASE_PENDING wait at once.
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

/* New connections that may owe their hello at once; more are turned away. */
#define RP__LEASE_PENDING 64
/* Seconds a new connection has to send its whole hello (a worker writes it
 * right after connecting). */
#define RP__LEASE_HELLO_TIME 1.0
/* Tries at one port free on every address. */
#define RP__LEASE_PORT_TRIES 8
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

/* Close every listening socket. */
static void unlisten(rp__lease *l) {
    for (int i = 0; i < l->nlisten; i++)
        close(l->listen_fds[i]);
    l->nlisten = 0;
}

/*
 * Rank 0: listen on the addresses of the interfaces that are up, loopback
 * last (a worker on another host must not reach some other process on its
 * own loopback), all on one port, and on nothing else; fill @p rec with
 * the addresses that listen (naddr 0 on failure).
 */
static void lease_listen(rp__lease *l, lease_rec *rec) {
    memset(rec, 0, sizeof *rec);
    struct ifaddrs *ifs = NULL, *i;
    uint32_t addr[RP__LEASE_ADDRS], lo[RP__LEASE_ADDRS];
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
                addr[n++] = a;
            }
        }
        freeifaddrs(ifs);
    }
    uint32_t first_lo = n;
    for (uint32_t k = 0; k < nlo && n < RP__LEASE_ADDRS; k++)
        addr[n++] = lo[k];
    for (int attempt = 0; attempt < RP__LEASE_PORT_TRIES && rec->naddr == 0; attempt++) {
        in_port_t port = 0; /* the first address picks it, the others follow */
        int taken = 0;
        uint32_t told = 0, told_lo = 0;
        for (uint32_t k = 0; k < n && !taken; k++) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
            if (fd < 0)
                continue;
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = port};
            sa.sin_addr.s_addr = addr[k];
            socklen_t sl = sizeof sa;
            if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, SOMAXCONN) != 0 ||
                (port == 0 && getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)) {
                taken = errno == EADDRINUSE && port != 0; /* then another port for all */
                close(fd);
                continue; /* an address that cannot listen is not told */
            }
            port = sa.sin_port;
            l->listen_fds[l->nlisten++] = fd;
            rec->addr[told++] = addr[k];
            told_lo += k >= first_lo;
        }
        if (taken || told == 0) {
            unlisten(l);
            continue;
        }
        rec->naddr = told;
        rec->nlo = told_lo;
        rec->port = port;
    }
    if (rec->naddr == 0)
        return;
    rec->cookie = make_cookie();
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
    uint8_t hello[RP__HELLO_SIZE];
    rp__hello_encode(hello, &(rp__hello){rec->cookie, l->rank, (int32_t)getpid()});
    uint32_t n = rec->naddr < RP__LEASE_ADDRS ? rec->naddr : RP__LEASE_ADDRS;
    uint32_t nlo = rec->nlo < n ? rec->nlo : n;
    int fd = connect_any(rec->addr, n - nlo, rec->port, RP__LEASE_CONNECT);
    if (fd < 0 && nlo > 0)
        fd = connect_any(rec->addr + (n - nlo), nlo, rec->port, RP__LEASE_CONNECT);
    if (fd >= 0 && write(fd, hello, sizeof hello) == (ssize_t)sizeof hello) {
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
    l->fd = l->wake[0] = l->wake[1] = -1;
    l->nlisten = l->npending = 0;
    l->rank = rank;
    l->size = size;
    if (size < 2)
        return 0;
    lease_rec rec;
    memset(&rec, 0, sizeof rec);
    if (rank == 0 && ok) {
        l->fds = malloc((size_t)size * sizeof *l->fds);
        l->pending = malloc(RP__LEASE_PENDING * sizeof *l->pending);
        if (l->fds != NULL && l->pending != NULL && pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) == 0)
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

/* Rank 0: close a connection that is not a worker's lease, counted; the
 * first is logged, so that a stream of them cannot fill the log. */
static void turn_away(rp__lease *l, int fd, const char *why) {
    close(fd);
    if (l->rejected++ == 0)
        fprintf(stderr,
                "rankpool: lease listener: turned away a connection (%s); more are counted, "
                "not logged\n",
                why);
}

/* Rank 0: new connections on listening socket @p lfd wait for their hello. */
static void lease_accept(rp__lease *l, int lfd) {
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        if (l->npending == RP__LEASE_PENDING) {
            turn_away(l, fd, "too many connections owe their hello");
            continue;
        }
        l->pending[l->npending++] =
            (rp__lease_pending){.fd = fd, .deadline = rp__now() + RP__LEASE_HELLO_TIME};
    }
}

/* Rank 0: read what pending connection @p i sent, without blocking.
 * Returns 1 when it is settled (kept as a lease, or turned away), else 0. */
static int lease_hello(rp__lease *l, int i) {
    rp__lease_pending *p = &l->pending[i];
    ssize_t n = recv(p->fd, p->buf + p->got, sizeof p->buf - p->got, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0) {
        turn_away(l, p->fd, "closed before its hello");
        return 1;
    }
    p->got += (size_t)n;
    if (p->got < sizeof p->buf)
        return 0;
    rp__hello h;
    if (rp__hello_decode(p->buf, p->got, &h) != 0 || h.cookie != l->cookie || h.rank >= l->size ||
        l->fds[h.rank] >= 0) {
        turn_away(l, p->fd, "not one of this job's workers, or a duplicate");
        return 1;
    }
    keepalive(p->fd);
    l->fds[h.rank] = p->fd;
    if (l->hooks.leased != NULL)
        l->hooks.leased(l->hooks.arg, h.rank, h.pid);
    return 1;
}

/* Rank 0: the pending connections whose hello came whole, ended, or is
 * overdue, settled; the milliseconds until the next deadline, or -1. */
static int lease_pending(rp__lease *l, struct pollfd *p) {
    double now = rp__now(), next = -1;
    for (int i = 0; i < l->npending;) {
        int settled = p != NULL && p[i].revents ? lease_hello(l, i) : 0;
        if (!settled && now >= l->pending[i].deadline) {
            turn_away(l, l->pending[i].fd, "no whole hello within a second");
            settled = 1;
        }
        if (settled) {
            l->pending[i] = l->pending[--l->npending];
            if (p != NULL) /* keep p in step with the array: the last moved here */
                p[i] = p[l->npending];
            continue;
        }
        if (next < 0 || l->pending[i].deadline < next)
            next = l->pending[i].deadline;
        i++;
    }
    return next < 0 ? -1 : (int)((next - now) * 1000) + 1;
}

/* Rank 0's watch thread. */
static void *watch_main(void *arg) {
    rp__lease *l = arg;
    int cap = 1 + RP__LEASE_ADDRS + RP__LEASE_PENDING + l->size;
    struct pollfd *p = malloc((size_t)cap * sizeof *p);
    int *who = malloc((size_t)cap * sizeof *who);
    if (p == NULL || who == NULL) {
        free(p);
        free(who);
        rp__log(RP_LOG_WARN, "no memory to watch the workers");
        return NULL;
    }
    int wait_ms = -1;
    for (;;) {
        int n = 0;
        p[n++] = (struct pollfd){.fd = l->wake[0], .events = POLLIN};
        int first_listen = n;
        for (int k = 0; k < l->nlisten; k++)
            p[n++] = (struct pollfd){.fd = l->listen_fds[k], .events = POLLIN};
        int first_pending = n, npend = l->npending;
        for (int k = 0; k < npend; k++)
            p[n++] = (struct pollfd){.fd = l->pending[k].fd, .events = POLLIN};
        int first_lease = n;
        for (int r = 1; r < l->size; r++)
            if (l->fds[r] >= 0) {
                who[n] = r;
                p[n++] = (struct pollfd){.fd = l->fds[r], .events = POLLIN};
            }
        if (poll(p, (nfds_t)n, wait_ms) < 0) {
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
        /* The leases first: a loss is noticed whatever else arrives. */
        for (int k = first_lease; k < n; k++) {
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
        wait_ms = lease_pending(l, p + first_pending);
        for (int k = first_listen; k < first_pending; k++)
            if (p[k].revents & POLLIN)
                lease_accept(l, p[k].fd);
        if (l->npending > npend) /* new ones: their deadline counts too */
            wait_ms = lease_pending(l, NULL);
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
    if (l->nlisten == 0)
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

/* Close the listening sockets and the connections that owe a hello. */
static void close_listener(rp__lease *l) {
    unlisten(l);
    for (int i = 0; i < l->npending; i++)
        close(l->pending[i].fd);
    l->npending = 0;
}

void rp__lease_child(rp__lease *l) {
    l->started = 0; /* its thread is not in the child */
    for (int r = 0; l->fds != NULL && r < l->size; r++)
        if (l->fds[r] >= 0)
            close(l->fds[r]);
    close_listener(l);
    int *fds[] = {&l->wake[0], &l->wake[1], &l->fd};
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
    close_listener(l);
    free(l->pending);
    l->pending = NULL;
    if (l->rejected > 1)
        fprintf(stderr, "rankpool: lease listener: %lu connections turned away in all\n",
                l->rejected);
    l->rejected = 0;
    int *fds[] = {&l->wake[0], &l->wake[1], &l->fd};
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
