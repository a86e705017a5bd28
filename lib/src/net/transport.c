/*
 * Transport: the only place that calls MPI send and receive.  Open MPI's
 * blocking calls busy-poll, so the library never blocks inside MPI: it
 * tests, and sleeps when idle (net/backoff.c).
 */
#include "net/net.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages up to this size are gathered into one buffer; larger ones are sent
 * in place from the caller's memory through a derived datatype.  A message
 * in several pieces goes by Open MPI's pipelined protocol, which moves each
 * fragment only when the sender calls MPI again: a worker then waits in its
 * receive on rank 0's next poll, for milliseconds when rank 0 is busy or
 * backing off.  A contiguous one is read by the receiver alone (one copy
 * between the processes), so the copy here is cheaper up to a megabyte. */
#define RP__GATHER_MAX ((size_t)1 << 20)
static int sendq_push(rp__sendq *q, MPI_Request req, void *owned) {
    rp__send *v = rp__grow(q->v, &q->cap, q->n + 1, sizeof *v, 16);
    if (v == NULL)
        return RP_ENOMEM;
    q->v = v;
    q->v[q->n].req = req;
    q->v[q->n].owned = owned;
    q->n++;
    return 0;
}

int rp__send_iov(MPI_Comm comm, int dest, int kind, const rp__iov *iov, int n, void *owned,
                 rp__send *out, rp__sendq *q) {
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len > RP__MAX_MSG - total) {
            free(owned);
            return rp__err(RP_ETOOBIG, "message of more than %zu bytes", (size_t)RP__MAX_MSG);
        }
        total += iov[i].len;
    }
    MPI_Request req = MPI_REQUEST_NULL;
    int rc;
    if (n == 1 || total <= RP__GATHER_MAX) {
        const void *src = iov[0].base;
        if (n > 1) {
            uint8_t *g = malloc(total ? total : 1);
            if (g == NULL) {
                free(owned);
                return RP_ENOMEM;
            }
            size_t at = 0;
            for (int i = 0; i < n; i++) {
                if (iov[i].len > 0)
                    memcpy(g + at, iov[i].base, iov[i].len);
                at += iov[i].len;
            }
            free(owned);
            owned = g;
            src = g;
        }
        rc = MPI_Isend(src, (int)total, MPI_BYTE, dest, kind, comm, &req);
    } else {
        /* Zero copy: one message described by absolute addresses. */
        int *lens = malloc((size_t)n * sizeof *lens);
        MPI_Aint *disp = malloc((size_t)n * sizeof *disp);
        if (lens == NULL || disp == NULL) {
            free(lens);
            free(disp);
            free(owned);
            return RP_ENOMEM;
        }
        for (int i = 0; i < n; i++) {
            lens[i] = (int)iov[i].len;
            MPI_Get_address(iov[i].base, &disp[i]);
        }
        MPI_Datatype t;
        rc = MPI_Type_create_hindexed(n, lens, disp, MPI_BYTE, &t);
        if (rc == MPI_SUCCESS) {
            rc = MPI_Type_commit(&t);
            if (rc == MPI_SUCCESS)
                rc = MPI_Isend(MPI_BOTTOM, 1, t, dest, kind, comm, &req);
            MPI_Type_free(&t); /* allowed while the send is pending */
        }
        free(lens);
        free(disp);
    }
    if (rc != MPI_SUCCESS) {
        free(owned);
        return rp__err(RP_EMPI, "MPI_Isend of %s to rank %d failed (%d)", rp__msg_name(kind), dest,
                       rc);
    }
    if (out != NULL) {
        out->req = req;
        out->owned = owned;
        return 0;
    }
    if (sendq_push(q, req, owned) != 0) {
        /* Cannot track it: complete it here rather than leak or lose it. */
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        free(owned);
    }
    return 0;
}

int rp__send_ctrl(MPI_Comm comm, int dest, const rp__hdr *h, const void *body, size_t len,
                  rp__sendq *q) {
    uint8_t *m = malloc(RP__HDR_SIZE + len);
    if (m == NULL)
        return RP_ENOMEM;
    rp__hdr hh = *h;
    hh.body_len = len;
    rp__hdr_encode(m, &hh);
    if (len > 0)
        memcpy(m + RP__HDR_SIZE, body, len);
    rp__iov iov = {m, RP__HDR_SIZE + len};
    return rp__send_iov(comm, dest, h->kind, &iov, 1, m, NULL, q);
}

int rp__sendq_progress(rp__sendq *q) {
    int done = 0;
    for (size_t i = 0; i < q->n;) {
        int flag = 0;
        if (MPI_Test(&q->v[i].req, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return rp__err(RP_EMPI, "MPI_Test failed");
        if (flag) {
            free(q->v[i].owned);
            q->v[i] = q->v[--q->n];
            done++;
        } else {
            i++;
        }
    }
    return done;
}

int rp__send_wait(rp__send *s) {
    int rc = MPI_Wait(&s->req, MPI_STATUS_IGNORE);
    free(s->owned);
    s->owned = NULL;
    return rc == MPI_SUCCESS ? 0 : rp__err(RP_EMPI, "MPI_Wait failed (%d)", rc);
}

int rp__sendq_drain(rp__sendq *q, const rp_options *opt, double limit) {
    rp__backoff b;
    rp__backoff_reset(&b);
    int rc = 0;
    double until = limit < 0 ? -1 : rp__now() + limit;
    while (q->n > 0) {
        if (until >= 0 && rp__now() > until) {
            rc = RP_ETIMEDOUT; /* the requests and their memory are left to MPI */
            break;
        }
        int d = rp__sendq_progress(q);
        if (d < 0) {
            rc = d;
            break;
        }
        if (d == 0)
            rp__backoff_idle(&b, opt, 0, NULL, NULL);
    }
    free(q->v);
    memset(q, 0, sizeof *q);
    return rc;
}

int rp__recv_any(MPI_Comm comm, int woke, void **msg, size_t *len, int *src, int *tag) {
    int flag = 0;
    MPI_Message m;
    MPI_Status st;
    if (MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &m, &st) != MPI_SUCCESS)
        return rp__err(RP_EMPI, "MPI_Improbe failed");
    /* A message that arrived while we slept can take a second progress call
     * to show up; without it an idle rank sleeps one more full period.  Only
     * after a sleep: on a busy loop the extra probe halves throughput. */
    if (!flag && woke &&
        MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &m, &st) != MPI_SUCCESS)
        return rp__err(RP_EMPI, "MPI_Improbe failed");
    if (!flag)
        return 0;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    *src = st.MPI_SOURCE;
    *tag = st.MPI_TAG;
    *len = (size_t)(count > 0 ? count : 0);
    *msg = malloc(count > 0 ? (size_t)count : 1);
    if (*msg == NULL) {
        /* Still take it off the wire so it cannot block the peer; the caller
         * learns who sent what (msg NULL) and can fail the work it stood for. */
        char dummy;
        MPI_Mrecv(&dummy, 0, MPI_BYTE, &m, MPI_STATUS_IGNORE);
        rp__err(RP_ENOMEM, "no memory for a %d-byte message", count);
        return 1;
    }
    if (MPI_Mrecv(*msg, count, MPI_BYTE, &m, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
        free(*msg);
        *msg = NULL;
        return rp__err(RP_EMPI, "MPI_Mrecv failed");
    }
    return 1;
}

void rp__server_lost_mark(rp__servers *sv, const rp__hdr *h) {
    if (h->job >= 1 && h->job <= (uint64_t)sv->n)
        __atomic_store_n(&sv->lost[h->job], 1, __ATOMIC_RELEASE);
}

int rp__server_gone(const rp__servers *sv, int dest) {
    if (dest < 1 || dest > sv->n || !__atomic_load_n(&sv->lost[dest], __ATOMIC_ACQUIRE))
        return 0;
    rp__err(RP_ELOST, "server rank %d was lost, and the objects it held with it", dest);
    return 1;
}

/* Take the message @p m probed with @p st off the wire into *msg. */
static int take(MPI_Message *m, const MPI_Status *st, void **msg, int *count) {
    MPI_Get_count(st, MPI_BYTE, count);
    *msg = malloc(*count > 0 ? (size_t)*count : 1);
    if (*msg == NULL) {
        char dummy;
        MPI_Mrecv(&dummy, 0, MPI_BYTE, m, MPI_STATUS_IGNORE);
        return rp__err(RP_ENOMEM, "no memory for a %d-byte answer", *count);
    }
    if (MPI_Mrecv(*msg, *count, MPI_BYTE, m, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
        free(*msg);
        *msg = NULL;
        return rp__err(RP_EMPI, "MPI_Mrecv failed");
    }
    return 0;
}

int rp__rpc(MPI_Comm comm, const rp_options *opt, int dest, rp__servers *sv, void *req, size_t len,
            uint64_t seq, const rp__relay *relay, void **rep, size_t *rep_len) {
    MPI_Request sreq;
    *rep = NULL;
    if (rp__server_gone(sv, dest)) {
        free(req);
        return RP_ELOST;
    }
    if (MPI_Isend(req, (int)len, MPI_BYTE, dest, RP__MSG_OBJ_REQ, comm, &sreq) != MPI_SUCCESS) {
        free(req);
        return rp__err(RP_EMPI, "MPI_Isend of OBJ_REQ failed");
    }
    rp__backoff b;
    rp__backoff_reset(&b);
    int sent = 0, rc = 0;
    while (!sent || *rep == NULL) {
        int flag = 0, progress = 0;
        if (!sent) {
            if (MPI_Test(&sreq, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
                rc = rp__err(RP_EMPI, "MPI_Test failed");
                break; /* the request's memory is left to MPI */
            }
            if (flag) {
                sent = progress = 1;
                free(req);
            }
        }
        MPI_Message m;
        MPI_Status st;
        if (*rep == NULL) {
            /* After a sleep, probe twice, as rp__recv_any does: an answer that
             * came meanwhile can take a second progress call to show up, and
             * without it the caller sleeps one more whole period. */
            int woke = b.slept;
            b.slept = 0;
            /* From any rank: the children's answers come from rank 0 and
             * every server alike. */
            int prc = MPI_Improbe(MPI_ANY_SOURCE, RP__MSG_OBJ_REP, comm, &flag, &m, &st);
            if (prc == MPI_SUCCESS && !flag && woke)
                prc = MPI_Improbe(MPI_ANY_SOURCE, RP__MSG_OBJ_REP, comm, &flag, &m, &st);
            if (prc == MPI_SUCCESS && !flag && dest != 0) {
                /* The server may be lost: rank 0 says so. */
                prc = MPI_Improbe(0, RP__MSG_SERVER_LOST, comm, &flag, &m, &st);
                if (prc == MPI_SUCCESS && flag) {
                    void *msg;
                    int count = 0;
                    rp__hdr h;
                    if ((rc = take(&m, &st, &msg, &count)) != 0)
                        break;
                    if (rp__hdr_decode(msg, (size_t)count, &h) == 0 &&
                        h.kind == RP__MSG_SERVER_LOST)
                        rp__server_lost_mark(sv, &h);
                    free(msg);
                    if (rp__server_gone(sv, dest)) {
                        rc = RP_ELOST;
                        break;
                    }
                    flag = 0;
                }
            }
            if (prc != MPI_SUCCESS) {
                rc = rp__err(RP_EMPI, "MPI_Improbe failed");
                break;
            }
            if (flag) {
                progress = 1;
                int count = 0;
                void *msg;
                if ((rc = take(&m, &st, &msg, &count)) != 0)
                    break;
                /* Sequence 0 is ours too: the server could not read our request. */
                rp__hdr h;
                int ok = rp__hdr_decode(msg, (size_t)count, &h) == 0;
                if (ok && (h.pool & RP__TOK_CHILD) && relay != NULL) {
                    relay->route(relay->arg, msg, (size_t)count); /* a child's */
                } else if (!ok || st.MPI_SOURCE != dest || (h.start != seq && h.start != 0)) {
                    /* Not ours (an answer to a call that gave up): drop it. */
                    rp__log(RP_LOG_WARN, "stray OBJ_REP dropped");
                    free(msg);
                } else {
                    *rep = msg;
                    *rep_len = (size_t)count;
                }
            }
        }
        /* This rank's children go on calling while its task waits. */
        if (relay != NULL && relay->pump(relay->arg) > 0)
            progress = 1;
        if (progress)
            rp__backoff_reset(&b);
        else
            rp__backoff_idle(&b, opt, 0, NULL, NULL);
    }
    if (rc != 0) {
        free(*rep);
        *rep = NULL;
    }
    return rc;
}
