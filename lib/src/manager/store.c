/*
 * The manager's shared objects: the table of objects, OPEN / DESTROY / LIST
 * / MEMORY, and the execution of object requests, each handed to its
 * operation (containers.c, sync.c, arrays.c).  Pure C, no MPI: requests come
 * in as decoded OBJ_REQ messages (from the network, or built by a caller on
 * rank 0) and every reply is an OBJ_REP message.  One mutex makes each
 * request atomic.
 */
#include "manager/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- objects ------------------------------------------------------------- */

rp__store *rp__store_new(const rp_options *opt, int home) {
    rp__store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->out_tail = &s->out;
    s->key_max = opt->obj_key_max;
    s->value_max = opt->obj_value_max;
    s->mem_max = opt->obj_mem_max;
    s->home = (uint32_t)home;
    return s;
}

static void obj_free(obj *o) {
    free(o->items[0]);
    free(o->items[1]);
    rp__map_clear(&o->m);
    for (size_t i = 0; i < o->l.n; i++)
        rp__slot_free(&o->l.v[i]);
    free(o->l.v);
    free(o->name);
    free(o);
}

void rp__store_free(rp__store *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nobjs; i++)
        if (s->objs[i] != NULL) {
            rp__sync_destroy(s, s->objs[i]);
            rp__array_destroy(s, s->objs[i]);
            obj_free(s->objs[i]);
        }
    if (s->arena != NULL)
        rp__arena_fini(s->arena);
    free(s->arena);
    free(s->objs);
    free(s->free_slots);
    rp__map_clear(&s->names);
    while (s->out != NULL) {
        rp__outmsg *m = s->out;
        s->out = m->next;
        free(m->msg);
        free(m);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/*
 * The object handle @p id names, or NULL with the reason in *code: RP_EBADF
 * for an id this store never issued (no kind, generation 0 or one not
 * reached yet, a slot never used, or the kind bits of another object's
 * generation: forged or corrupted), RP_ENOENT for an object destroyed since.
 */
static obj *obj_get(const rp__store *s, uint64_t id, int *code) {
    uint32_t at = rp__id_slot(id), gen = rp__id_gen(id), serial = gen & RP__ID_SERIAL_MASK;
    int kind = rp__id_kind(id);
    const obj *o = at < s->nobjs ? s->objs[at] : NULL;
    if (o != NULL && o->id == id)
        return s->objs[at];
    int bad = kind < RP_KIND_DICT || kind > RP_KIND_ARRAY || serial == 0 || at >= s->nobjs ||
              (uint32_t)rp__id_home(id) != s->home || (serial > s->serial && !s->wrapped) ||
              (o != NULL && rp__id_gen(o->id) == gen);
    *code = bad ? RP_EBADF : RP_ENOENT;
    return NULL;
}

/* ---- OPEN, DESTROY, LIST, MEMORY ----------------------------------------- */

static int op_open(req *q) {
    rp__store *s = q->s;
    rp__field name;
    int64_t kind, p1, p2;
    if (!rp__freader_next(&q->r, &name) || (name.type != RP__F_BYTES && name.type != RP__F_NONE))
        return rp__fail(q, RP_EPROTO, "OPEN: bad name");
    int rc = rp__int_arg(q, &kind, "kind");
    if (rc == 0)
        rc = rp__int_arg(q, &p1, "parameter");
    if (rc == 0)
        rc = rp__int_arg(q, &p2, "parameter");
    if (rc != 0)
        return rc;
    if (kind < RP_KIND_DICT || kind > RP_KIND_ARRAY)
        return rp__fail(q, RP_EINVAL, "unknown object kind %lld", (long long)kind);
    if (name.type == RP__F_BYTES) {
        if (name.len == 0 || name.len > s->key_max || memchr(name.p, 0, name.len) != NULL)
            return rp__fail(q, name.len > s->key_max ? RP_ETOOBIG : RP_EINVAL,
                            "an object name must be 1..%zu bytes without NUL", s->key_max);
        entry *e = rp__map_find(&s->names, name.p, name.len, NULL);
        if (e != NULL) {
            obj *o = s->objs[e->v.i];
            char b[120];
            if ((q->h->flags & RP_CREATE) && (q->h->flags & RP_EXCL))
                return rp__fail(q, RP_EEXIST, "%s exists", rp__obj_label(o, b, sizeof b));
            if (o->kind != kind)
                return rp__fail(q, RP_ETYPE, "'%s' is a %s, not a %s", o->name,
                                rp__kind_name(o->kind), rp__kind_name((int)kind));
            if (kind == RP_KIND_ARRAY) {
                if ((rc = rp__array_match(q, o, p1, p2)) != 0)
                    return rc;
                rp__array_reply(q, o);
            } else if (kind >= RP_KIND_QUEUE && (rc = rp__sync_match(q, o, p1, p2)) != 0) {
                return rc;
            }
            q->w.h.job = o->id;
            return 0;
        }
        if (!(q->h->flags & RP_CREATE))
            return rp__fail(q, RP_ENOENT, "no %s named '%s'", rp__kind_name((int)kind),
                            (const char *)name.p);
    }
    size_t cost = RP__OBJ_COST + (name.type == RP__F_BYTES ? name.len : 0), abytes = 0;
    /* An array's shared memory counts against obj_mem_max too. */
    if (kind == RP_KIND_ARRAY && (rc = rp__array_size(q, p1, p2, &abytes)) != 0)
        return rc;
    cost += abytes;
    if ((rc = rp__charge(q, NULL, cost)) != 0)
        return rc;
    obj *o = calloc(1, sizeof *o);
    if (o == NULL || (name.type == RP__F_BYTES && (o->name = strdup(name.p)) == NULL))
        goto oom;
    o->kind = (int)kind;
    if (kind == RP_KIND_ARRAY)
        rc = rp__array_init(q, o, p1, p2, abytes);
    else if (kind >= RP_KIND_QUEUE)
        rc = rp__sync_init(q, o, p1, p2);
    if (rc != 0) {
        free(o->name);
        free(o);
        rp__release(q->s, NULL, cost);
        return rc;
    }
    size_t slotno;
    if (s->nfree > 0) {
        slotno = s->free_slots[--s->nfree];
    } else {
        if (s->nobjs == RP__ID_SLOTS)
            goto full; /* a handle has room for so many */
        if (s->nobjs == s->capobjs) {
            /* free_slots grows with objs, so destroying never allocates. */
            size_t cap = s->capobjs ? s->capobjs * 2 : 16;
            obj **v = realloc(s->objs, cap * sizeof *v);
            if (v != NULL)
                s->objs = v;
            uint32_t *fs = v ? realloc(s->free_slots, cap * sizeof *fs) : NULL;
            if (fs == NULL)
                goto oom;
            s->free_slots = fs;
            s->capobjs = cap;
        }
        slotno = s->nobjs;
    }
    if (o->name != NULL) {
        slot v = {.type = RP__F_INT, .i = (int64_t)slotno};
        if (rp__map_insert(&s->names, name.p, name.len, rp__hash_bytes(name.p, name.len), &v) !=
            0) {
            if (slotno < s->nobjs)
                s->free_slots[s->nfree++] = (uint32_t)slotno;
            goto oom;
        }
        o->namelen = name.len;
    }
    if (slotno == s->nobjs)
        s->nobjs++;
    if (++s->serial > RP__ID_SERIAL_MASK) {
        s->serial = 1; /* serial 0 is never valid */
        s->wrapped = 1;
    }
    o->id = rp__id_make(o->kind, s->home << RP__ID_SERIAL_BITS | s->serial, (uint32_t)slotno);
    o->mem = cost;
    s->objs[slotno] = o;
    q->w.h.job = o->id;
    if (kind == RP_KIND_ARRAY) {
        rp__array_live(s, o);
        rp__array_reply(q, o);
    }
    return 0;
oom:
full:
    if (o != NULL) {
        rp__array_destroy(s, o);
        free(o->name);
    }
    free(o);
    rp__release(q->s, NULL, cost);
    if (s->nobjs == RP__ID_SLOTS && s->nfree == 0)
        return rp__fail(q, RP_ENOSPC, "the manager holds %u objects, its most", RP__ID_SLOTS);
    return rp__nomem(q);
}

static int op_destroy(req *q) {
    rp__store *s = q->s;
    obj *o = q->o;
    /* An array's handle also says where the array is: all of it must be
     * right, or it is not this array's handle. */
    if (o->kind == RP_KIND_ARRAY) {
        int64_t d[4];
        for (int i = 0; i < 4; i++) {
            int rc = rp__int_arg(q, &d[i], "array description");
            if (rc != 0)
                return rc;
        }
        if ((uint64_t)d[0] != o->aoff || (uint64_t)d[1] != o->alen || d[2] != o->atype ||
            d[3] != (int64_t)o->aelem)
            return rp__fail(q, RP_EBADF, "the handle does not describe array %#llx",
                            (unsigned long long)o->id);
    } else if (q->h->count != 0) {
        return rp__fail(q, RP_EPROTO, "DESTROY of a %s takes no fields", rp__kind_name(o->kind));
    }
    if (o->name != NULL) {
        size_t pos;
        if (rp__map_find(&s->names, o->name, o->namelen, &pos) != NULL)
            rp__map_remove(&s->names, pos);
    }
    size_t slotno = rp__id_slot(o->id);
    rp__sync_destroy(s, o);
    rp__array_destroy(s, o);
    s->objs[slotno] = NULL;
    s->free_slots[s->nfree++] = (uint32_t)slotno; /* room was made at creation */
    rp__release(q->s, NULL, o->mem);
    obj_free(o);
    return 0;
}

static int by_id(const void *a, const void *b) {
    uint32_t x = rp__id_gen((*(obj *const *)a)->id), y = rp__id_gen((*(obj *const *)b)->id);
    return x < y ? -1 : x > y;
}

static int op_list(req *q) {
    rp__store *s = q->s;
    obj **v = malloc((s->nobjs ? s->nobjs : 1) * sizeof *v);
    if (v == NULL)
        return rp__nomem(q);
    size_t n = 0;
    for (size_t i = 0; i < s->nobjs; i++)
        if (s->objs[i] != NULL)
            v[n++] = s->objs[i];
    qsort(v, n, sizeof *v, by_id); /* serials: creation order */
    for (size_t i = 0; i < n; i++) {
        rp__fw_bytes(&q->w, v[i]->name ? v[i]->name : "", v[i]->namelen);
        rp__fw_int(&q->w, v[i]->kind);
        size_t len = v[i]->kind == RP_KIND_LIST    ? v[i]->l.n
                     : v[i]->kind == RP_KIND_ARRAY ? (size_t)v[i]->alen
                     : v[i]->kind >= RP_KIND_QUEUE ? rp__sync_len(v[i])
                                                   : v[i]->m.live;
        rp__fw_int(&q->w, (int64_t)len);
        rp__fw_int(&q->w, (int64_t)v[i]->mem);
        rp__fw_int(&q->w, (int64_t)v[i]->id);
    }
    free(v);
    return 0;
}

static int op_memory(req *q) {
    rp__fw_int(&q->w, (int64_t)q->s->mem);
    rp__fw_int(&q->w, (int64_t)q->s->mem_max);
    return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

typedef int (*op_fn)(req *q);

/* Per operation: its handler, the kind of object it needs (0: none), and the
 * number of fields it takes (-1: any). */
static const struct {
    op_fn fn;
    int kind;
    int nargs;
} ops[RP__OP_COUNT] = {
    [RP__OP_OPEN] = {op_open, 0, 4},
    [RP__OP_DESTROY] = {op_destroy, -1, -1},
    [RP__OP_LIST] = {op_list, 0, 0},
    [RP__OP_MEMORY] = {op_memory, 0, 0},
    [RP__OP_D_GET] = {rp__op_d_get, RP_KIND_DICT, 1},
    [RP__OP_D_SET] = {rp__op_d_set, RP_KIND_DICT, 2},
    [RP__OP_D_DEL] = {rp__op_d_del, RP_KIND_DICT, 1},
    [RP__OP_D_CONTAINS] = {rp__op_d_contains, RP_KIND_DICT, 1},
    [RP__OP_D_LEN] = {rp__op_d_len, RP_KIND_DICT, 0},
    [RP__OP_D_SETDEFAULT] = {rp__op_d_setdefault, RP_KIND_DICT, 2},
    [RP__OP_D_POP] = {rp__op_d_pop, RP_KIND_DICT, 1},
    [RP__OP_D_CLEAR] = {rp__op_d_clear, RP_KIND_DICT, 0},
    [RP__OP_D_ITEMS] = {rp__op_d_items, RP_KIND_DICT, 0},
    [RP__OP_D_UPDATE] = {rp__op_d_update, RP_KIND_DICT, -1},
    [RP__OP_D_GETMANY] = {rp__op_d_getmany, RP_KIND_DICT, -1},
    [RP__OP_D_ADD] = {rp__op_d_add, RP_KIND_DICT, 2},
    [RP__OP_D_CAS] = {rp__op_d_cas, RP_KIND_DICT, 3},
    [RP__OP_D_SWAP] = {rp__op_d_swap, RP_KIND_DICT, 2},
    [RP__OP_L_APPEND] = {rp__op_l_append, RP_KIND_LIST, 1},
    [RP__OP_L_EXTEND] = {rp__op_l_extend, RP_KIND_LIST, -1},
    [RP__OP_L_GET] = {rp__op_l_get, RP_KIND_LIST, 1},
    [RP__OP_L_SET] = {rp__op_l_set, RP_KIND_LIST, 2},
    [RP__OP_L_POP] = {rp__op_l_pop, RP_KIND_LIST, 1},
    [RP__OP_L_INSERT] = {rp__op_l_insert, RP_KIND_LIST, 2},
    [RP__OP_L_LEN] = {rp__op_l_len, RP_KIND_LIST, 0},
    [RP__OP_L_SLICE] = {rp__op_l_slice, RP_KIND_LIST, 2},
    [RP__OP_Q_PUT] = {rp__op_q_put, RP_KIND_QUEUE, 3},
    [RP__OP_Q_GET] = {rp__op_q_get, RP_KIND_QUEUE, 1},
    [RP__OP_Q_SIZE] = {rp__op_q_size, RP_KIND_QUEUE, 0},
    [RP__OP_Q_CLOSE] = {rp__op_q_close, RP_KIND_QUEUE, 0},
    [RP__OP_Q_TASK_DONE] = {rp__op_q_task_done, RP_KIND_QUEUE, 0},
    [RP__OP_Q_JOIN] = {rp__op_q_join, RP_KIND_QUEUE, 1},
    [RP__OP_ACQUIRE] = {rp__op_lock_acquire, -1, 1},
    [RP__OP_RELEASE] = {rp__op_lock_release, -1, 0},
    [RP__OP_SEM_VALUE] = {rp__op_sem_value, RP_KIND_SEM, 0},
    [RP__OP_EV_SET] = {rp__op_ev_set, RP_KIND_EVENT, 0},
    [RP__OP_EV_CLEAR] = {rp__op_ev_clear, RP_KIND_EVENT, 0},
    [RP__OP_EV_WAIT] = {rp__op_ev_wait, RP_KIND_EVENT, 1},
    [RP__OP_COND_WAIT] = {rp__op_cond_wait, RP_KIND_COND, 1},
    [RP__OP_COND_NOTIFY] = {rp__op_cond_notify, RP_KIND_COND, 1},
    [RP__OP_BAR_WAIT] = {rp__op_bar_wait, RP_KIND_BARRIER, 1},
    [RP__OP_BAR_ABORT] = {rp__op_bar_abort, RP_KIND_BARRIER, 0},
    [RP__OP_BAR_RESET] = {rp__op_bar_reset, RP_KIND_BARRIER, 0},
    [RP__OP_BAR_STATE] = {rp__op_bar_state, RP_KIND_BARRIER, 0},
    [RP__OP_PIPE_SEND] = {rp__op_pipe_send, RP_KIND_PIPE, 1},
    [RP__OP_PIPE_RECV] = {rp__op_pipe_recv, RP_KIND_PIPE, 1},
    [RP__OP_PIPE_POLL] = {rp__op_pipe_poll, RP_KIND_PIPE, 1},
    [RP__OP_PIPE_CLOSE] = {rp__op_pipe_close, RP_KIND_PIPE, 0},
    [RP__OP_A_GET] = {rp__op_a_get, RP_KIND_ARRAY, 2},
    [RP__OP_A_PUT] = {rp__op_a_put, RP_KIND_ARRAY, 2},
    [RP__OP_A_RMW] = {rp__op_a_rmw, RP_KIND_ARRAY, 3},
};

static void execute(req *q) {
    rp__store *s = q->s;
    const rp__hdr *h = q->h;
    int op = h->code;
    if (op <= RP__OP_NONE || op >= RP__OP_COUNT || ops[op].fn == NULL) {
        rp__fail(q, RP_EPROTO, "unknown operation %d", op);
        return;
    }
    if (ops[op].nargs >= 0 && h->count != (uint32_t)ops[op].nargs) {
        rp__fail(q, RP_EPROTO, "%s takes %d fields, not %u", rp__op_name(op), ops[op].nargs,
                 h->count);
        return;
    }
    if (ops[op].kind != 0) {
        int code = 0;
        q->o = obj_get(s, h->job, &code);
        if (q->o == NULL) {
            if (code == RP_EBADF)
                rp__fail(q, code, "%#llx is not a handle: never issued, forged or corrupted",
                         (unsigned long long)h->job);
            else
                rp__fail(q, code, "the %s of handle %#llx was destroyed",
                         rp__kind_name(rp__id_kind(h->job)), (unsigned long long)h->job);
            return;
        }
        /* A namespace is a dict underneath. */
        int kind = q->o->kind == RP_KIND_NS ? RP_KIND_DICT : q->o->kind;
        if (ops[op].kind > 0 && kind != ops[op].kind) {
            char b[120];
            rp__fail(q, RP_ETYPE, "%s is not a %s", rp__obj_label(q->o, b, sizeof b),
                     rp__kind_name(ops[op].kind));
            return;
        }
    }
    ops[op].fn(q);
}

/* A rank-0 caller waits here, store lock held, until its parked request is
 * answered; past its deadline the request is expired (a condition waiter
 * then still waits for its lock, without a deadline). */
static void wait_local(rp__store *s, waiter *w, rp__lwait *lw) {
    while (!lw->done) {
        if (w->deadline >= 0 && rp__now() >= w->deadline) {
            rp__sync_expire(s, w);
            continue;
        }
        if (w->deadline < 0) {
            pthread_cond_wait(&lw->cv, &s->lock);
            continue;
        }
        struct timespec ts = rp__abstime(w->deadline);
        pthread_cond_timedwait(&lw->cv, &s->lock, &ts);
    }
}

int rp__store_exec(rp__store *s, const rp__hdr *h, const void *body, const rp__caller *who,
                   void **rep, size_t *rep_len) {
    req q = {.s = s, .h = h, .who = who};
    rp__hdr rh = {.kind = RP__MSG_OBJ_REP, .job = h->job, .start = h->start, .pool = h->pool};
    rp__fw_init(&q.w, &rh);
    pthread_mutex_lock(&s->lock);
    if (h->kind != RP__MSG_OBJ_REQ || rp__freader_init(&q.r, h, body) != 0)
        rp__fail(&q, RP_EPROTO, "malformed object request");
    else
        execute(&q);
    if (q.parked != NULL) {
        rp__buf_free(&q.w.buf);
        if (!who->local) {
            pthread_mutex_unlock(&s->lock);
            return RP__PARKED; /* answered later through the outbox */
        }
        rp__lwait lw = {.done = 0};
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&lw.cv, &ca);
        pthread_condattr_destroy(&ca);
        q.parked->lw = &lw;
        wait_local(s, q.parked, &lw);
        pthread_mutex_unlock(&s->lock);
        pthread_cond_destroy(&lw.cv);
        if (lw.rc != 0)
            return lw.rc;
        *rep = lw.rep;
        *rep_len = lw.len;
        return 0;
    }
    pthread_mutex_unlock(&s->lock);
    int rc = rp__fw_finish(&q.w);
    if (rc != 0) {
        /* The answer did not fit (a huge snapshot) or memory ran out. */
        rp__fw_init(&q.w, &rh);
        rp__fail(&q, rc, rc == RP_ETOOBIG ? "the answer exceeds one message" : "out of memory");
        if ((rc = rp__fw_finish(&q.w)) != 0)
            return rc;
    }
    *rep = q.w.buf.p;
    *rep_len = q.w.buf.len;
    return 0;
}

int rp__store_serve(rp__store *s, const void *msg, size_t len, int src, rp__hdr *h, void **rep,
                    size_t *rep_len) {
    rp__caller who = {.rank = src};
    if (msg != NULL && rp__hdr_decode(msg, len, h) == 0 && h->kind == RP__MSG_OBJ_REQ) {
        who.no_wait = (h->flags & RP__REQ_NOWAIT) != 0;
        h->flags &= (uint16_t)~RP__REQ_NOWAIT;
        return rp__store_exec(s, h, (const uint8_t *)msg + RP__HDR_SIZE, &who, rep, rep_len);
    }
    static int logged;
    if (!__atomic_fetch_add(&logged, 1, __ATOMIC_RELAXED))
        rp__log(RP_LOG_WARN, "unreadable object request from rank %d", src);
    memset(h, 0, sizeof *h);
    rp__hdr bad = {.kind = RP__MSG_OBJ_REQ, .code = RP__OP_NONE, .body_len = 0};
    return rp__store_exec(s, &bad, NULL, &who, rep, rep_len);
}

void rp__store_drop_child(rp__store *s, const void *msg, size_t len, int src) {
    rp__hdr h;
    if (s != NULL && rp__hdr_decode(msg, len, &h) == 0 && h.kind == RP__MSG_PROC_EXIT &&
        (h.pool & RP__TOK_CHILD))
        rp__store_drop(s, src, h.pool & ~RP__TOK_THREAD, ~RP__TOK_THREAD, RP_ECANCELED,
                       "the caller ended");
}

double rp__store_tick(rp__store *s, double now) {
    double next = -1;
    pthread_mutex_lock(&s->lock);
    for (waiter *w = s->timed, *nx; w; w = nx) {
        nx = w->dnext;
        if (w->lw != NULL)
            continue; /* a rank-0 thread expires its own */
        if (now >= w->deadline) {
            rp__sync_expire(s, w);
            nx = s->timed; /* expiring can answer others: start over */
            continue;
        }
        if (next < 0 || w->deadline < next)
            next = w->deadline;
    }
    pthread_mutex_unlock(&s->lock);
    return next;
}

rp__outmsg *rp__store_outbox(rp__store *s) {
    pthread_mutex_lock(&s->lock);
    rp__outmsg *m = s->out;
    s->out = NULL;
    s->out_tail = &s->out;
    pthread_mutex_unlock(&s->lock);
    return m;
}

int rp__store_changed(rp__store *s) {
    if (atomic_load_explicit(&s->changed, memory_order_acquire) == 0)
        return 0;
    return atomic_exchange_explicit(&s->changed, 0, memory_order_acq_rel);
}

void rp__store_set_notify(rp__store *s, void (*fn)(void *), void *arg) {
    pthread_mutex_lock(&s->lock);
    s->notify = fn;
    s->notify_arg = arg;
    pthread_mutex_unlock(&s->lock);
}

void rp__store_drop(rp__store *s, int rank, uint32_t token, uint32_t mask, int code,
                    const char *why) {
    pthread_mutex_lock(&s->lock);
    if (code == RP_EINTR)
        s->interrupted = 1; /* and from now on nothing waits */
    for (size_t i = 0; i < s->nobjs; i++) {
        obj *o = s->objs[i];
        for (int l = 0; o != NULL && l < 3; l++)
            for (waiter *w = o->w[l].head, *nx; w; w = nx) {
                nx = w->next;
                if ((rank < 0 || w->rank == rank) && (w->token & mask) == token) {
                    rp__answer_code(s, w, code, why);
                    nx = o->w[l].head; /* an answer can move other waiters: start over */
                }
            }
    }
    pthread_mutex_unlock(&s->lock);
}
