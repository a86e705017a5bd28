/*
 * One shared-object call, the caller's side: encode an OBJ_REQ, have it
 * executed (on rank 0 directly on the store, in a forked child through its
 * rank, elsewhere through the manager) and read the OBJ_REP.  All paths
 * carry the same bytes, so they behave the same.  Every dict, list,
 * namespace, queue, lock, array ... call of this folder goes through here.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

void rp__call_begin(rp__call *c, int kind, int op, uint64_t id, int flags) {
    rp__hdr h = {.kind = RP__MSG_OBJ_REQ, .code = op, .job = id, .flags = (uint16_t)flags};
    rp__fw_init(&c->w, &h);
    c->kind = kind;
    c->rep = NULL;
    c->dest = -1;
}

int rp__handle_check(uint64_t id, int kind) {
    int is = rp__id_kind(id);
    if (is < RP_KIND_DICT || is > RP_KIND_ARRAY || rp__id_gen(id) == 0)
        return rp__err(RP_EBADF, "%#llx is not a handle: never issued, forged or corrupted",
                       (unsigned long long)id);
    if (is != kind && !(kind == RP_KIND_DICT && is == RP_KIND_NS))
        return rp__err(RP_ETYPE, "the handle of a %s where a %s's is wanted", rp__kind_name(is),
                       rp__kind_name(kind));
    return 0;
}

void rp__put_value(rp__call *c, const rp_value *v) {
    switch (v->type) {
    case RP_T_INT:
        rp__fw_int(&c->w, v->i);
        break;
    case RP_T_DOUBLE:
        rp__fw_double(&c->w, v->d);
        break;
    case RP_T_BYTES:
        rp__fw_bytes(&c->w, v->data, v->len);
        break;
    default:
        rp__fw_none(&c->w);
        break;
    }
}

void rp__out_value(rp_value *out) {
    if (out != NULL)
        memset(out, 0, sizeof *out);
}

int rp__bad_value(const rp_value *v) {
    return (v->type < RP_T_NONE || v->type > RP_T_BYTES) ||
           (v->type == RP_T_BYTES && v->data == NULL && v->len > 0);
}

/* Abandon a call that was not sent. */
int rp__call_drop(rp__call *c, int rc, const char *why) {
    rp__buf_free(&c->w.buf);
    return rp__err(rc, "%s", why);
}

/*
 * Send the request and read the answer's header and fields.  Returns the
 * answer's code (>= 0) with c->rep kept, or a negative code (nothing kept;
 * rp_last_error has the manager's message).
 */
int rp__call_run(rp_runtime *rt, rp__call *c) {
    if (rt == NULL)
        return rp__call_drop(c, RP_EINVAL, "NULL runtime");
    int rc = c->kind != 0 ? rp__handle_check(c->w.h.job, c->kind) : 0;
    if (rc != 0) {
        rp__buf_free(&c->w.buf);
        return rc; /* nothing was sent: the object is untouched */
    }
    void *rep = NULL;
    size_t len = 0;
    /* Where the object lives: the handle says (docs/scale.md). */
    int dest = c->dest >= 0 ? c->dest : rp__id_home(c->w.h.job);
    if (dest > rt->nservers) {
        rp__buf_free(&c->w.buf);
        return rp__err(RP_EBADF,
                       "%#llx is not a handle: it names rank %d, and the job has %d "
                       "server rank(s)",
                       (unsigned long long)c->w.h.job, dest, rt->nservers);
    }
    c->w.h.item_size = (uint32_t)dest;
    c->w.h.pool = rp__caller_token();
    if (rp__in_child()) {
        /* A forked child: the rank that hosts it relays the call (its copy
         * of rank 0's store, if any, is stale). */
        c->w.h.start = rp__child_seq();
        if ((rc = rp__fw_finish(&c->w)) != 0)
            return rp__err(rc, "request too large or out of memory");
        rc = rp__child_rpc(c->w.buf.p, c->w.buf.len, &rep, &len);
    } else if (rt->store != NULL && dest != 0) {
        /* Rank 0's call to a server goes out with the engine's next pass.
         * The manager thread may not wait: the server answers at once. */
        if (rp__on_manager(rt))
            c->w.h.flags |= RP__REQ_NOWAIT;
        if ((rc = rp__fw_finish(&c->w)) != 0)
            return rp__err(rc, "request too large or out of memory");
        rc = rp__remote_call(rt, dest, c->w.buf.p, c->w.buf.len, &rep, &len);
    } else if (rt->store != NULL) {
        if ((rc = rp__fw_finish(&c->w)) != 0)
            return rp__err(rc, "request too large or out of memory");
        /* Nothing waits on the manager thread (a callback, or a task of a
         * one-rank job): everything else, remote callers and the pools,
         * would stall meanwhile.  Its calls succeed at once or fail with
         * RP_EDEADLK at once, in every layout. */
        rp__caller who = {.rank = 0, .local = 1, .no_wait = rp__on_manager(rt)};
        rc = rp__store_exec(rt->store, &c->w.h, c->w.buf.p + RP__HDR_SIZE, &who, &rep, &len);
        rp__buf_free(&c->w.buf);
    } else {
        pthread_mutex_lock(&rt->client_lock);
        c->w.h.start = ++rt->client_seq;
        if ((rc = rp__fw_finish(&c->w)) == 0)
            rc = rp__rpc(rt->comm, &rt->opt, dest, &rt->servers, c->w.buf.p, c->w.buf.len,
                         c->w.h.start, rp__host_relay(), &rep, &len);
        pthread_mutex_unlock(&rt->client_lock);
        if (rc == RP_ETOOBIG || rc == RP_ENOMEM)
            return rp__err(rc, "request too large or out of memory");
    }
    if (rc != 0)
        return rc;
    if (rp__hdr_decode(rep, len, &c->rh) != 0 || c->rh.kind != RP__MSG_OBJ_REP ||
        rp__freader_init(&c->r, &c->rh, (uint8_t *)rep + RP__HDR_SIZE) != 0) {
        free(rep);
        return rp__err(RP_EPROTO, "malformed answer from the manager");
    }
    if (c->rh.code < 0) {
        rp__field f;
        if (rp__freader_next(&c->r, &f) && f.type == RP__F_BYTES)
            rp__err(c->rh.code, "%s", (const char *)f.p);
        else
            rp__err(c->rh.code, "%s", rp_strerror(c->rh.code));
        free(rep);
        return c->rh.code;
    }
    c->rep = rep;
    return c->rh.code;
}

/* The next answer field as a value; bytes point into the answer. */
int rp__call_next(rp__call *c, rp_value *v) {
    rp__field f;
    memset(v, 0, sizeof *v);
    if (!rp__freader_next(&c->r, &f))
        return 0;
    v->type = (rp_type)f.type;
    if (f.type == RP__F_INT)
        v->i = f.i;
    else if (f.type == RP__F_DOUBLE)
        v->d = f.d;
    v->data = f.p;
    v->len = f.len;
    return 1;
}

/* Hand the answer's one value to @p out (NULL: not wanted); out owns the
 * answer when the value has bytes.  Frees the answer otherwise. */
int rp__call_value(rp__call *c, rp_value *out, int rc) {
    rp_value v;
    if (!rp__call_next(c, &v)) {
        free(c->rep);
        return rp__err(RP_EPROTO, "answer without a value");
    }
    if (out != NULL && v.type == RP_T_BYTES) {
        v.owned = c->rep;
        *out = v;
        return rc;
    }
    if (out != NULL)
        *out = v;
    free(c->rep);
    return rc;
}

/* Run a call whose answer carries nothing but its code. */
int rp__call_plain(rp_runtime *rt, rp__call *c) {
    int rc = rp__call_run(rt, c);
    if (rc >= 0)
        free(c->rep);
    return rc;
}

int rp__call_open(rp_runtime *rt, rp__call *c, const char *name, int flags, int kind, int64_t p1,
                  int64_t p2) {
    if (flags & ~(RP_CREATE | RP_EXCL))
        return rp__err(RP_EINVAL, "unknown open flags %#x", (unsigned)flags);
    rp__call_begin(c, 0, RP__OP_OPEN, 0, name ? flags : RP_CREATE);
    /* A named object lives where its name hashes to; an anonymous one on
     * the servers in turn; Value and Array with their memory, on rank 0. */
    if (kind == RP_KIND_ARRAY || rt == NULL || rt->nservers == 0)
        c->dest = 0;
    else if (name != NULL)
        c->dest = rp__name_home(name, strlen(name), rt->nservers);
    else
        c->dest =
            1 +
            (int)((__atomic_fetch_add(&rt->next_home, 1, __ATOMIC_RELAXED) + (unsigned)rt->rank) %
                  (unsigned)rt->nservers);
    if (name != NULL)
        rp__fw_bytes(&c->w, name, strlen(name));
    else
        rp__fw_none(&c->w);
    rp__fw_int(&c->w, kind);
    rp__fw_int(&c->w, p1);
    rp__fw_int(&c->w, p2);
    return rp__call_run(rt, c);
}

int rp__obj_open(rp_runtime *rt, const char *name, int flags, int kind, int64_t p1, int64_t p2,
                 uint64_t *id) {
    if (id == NULL)
        return rp__err(RP_EINVAL, "NULL handle pointer");
    rp__call c;
    int rc = rp__call_open(rt, &c, name, flags, kind, p1, p2);
    if (rc < 0)
        return rc;
    *id = c.rh.job;
    free(c.rep);
    return 0;
}

int rp__obj_destroy(rp_runtime *rt, uint64_t id, int kind) {
    rp__call c;
    rp__call_begin(&c, kind, RP__OP_DESTROY, id, 0);
    return rp__call_plain(rt, &c);
}
