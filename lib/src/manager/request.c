/*
 * What every operation of the store uses: values kept in slots, reading a
 * request's fields, failing it, charging its memory, and parking a request
 * that must wait and answering it later (the waiter lists of docs/sync.md).
 */
#include "manager/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ------------------------------------------------------------- */

void rp__slot_free(slot *s) {
    if (s->type == RP__F_BYTES)
        free(s->p);
    s->type = RP__F_NONE;
}

/* Copy a field into a new slot.  Returns 0 or RP_ENOMEM. */
int rp__slot_set(slot *s, const rp__field *f) {
    slot n = {.type = f->type, .len = 0};
    if (f->type == RP__F_INT) {
        n.i = f->i;
    } else if (f->type == RP__F_DOUBLE) {
        n.d = f->d;
    } else if (f->type == RP__F_BYTES) {
        n.p = malloc(f->len + 1);
        if (n.p == NULL)
            return RP_ENOMEM;
        if (f->len > 0)
            memcpy(n.p, f->p, f->len);
        n.p[f->len] = 0;
        n.len = f->len;
    }
    *s = n;
    return 0;
}

void rp__put_slot(rp__fwriter *w, const slot *s) {
    if (s->type == RP__F_INT)
        rp__fw_int(w, s->i);
    else if (s->type == RP__F_DOUBLE)
        rp__fw_double(w, s->d);
    else if (s->type == RP__F_BYTES)
        rp__fw_bytes(w, s->p, s->len);
    else
        rp__fw_none(w);
}

int rp__slot_equals(const slot *s, const rp__field *f) {
    if (s->type != f->type)
        return 0;
    switch (s->type) {
    case RP__F_INT:
        return s->i == f->i;
    case RP__F_DOUBLE:
        return memcmp(&s->d, &f->d, sizeof s->d) == 0;
    case RP__F_BYTES:
        return s->len == f->len && (s->len == 0 || memcmp(s->p, f->p, s->len) == 0);
    default:
        return 1;
    }
}

/* ---- requests ------------------------------------------------------------ */

/* Answer with an error code and a message instead of what was written. */
int rp__fail(req *q, int code, const char *fmt, ...) {
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    rp__fw_reset(&q->w);
    rp__fw_bytes(&q->w, m, n < 0 ? 0 : (size_t)n < sizeof m ? (size_t)n : sizeof m - 1);
    q->w.h.code = code;
    return code;
}

const char *rp__show(const void *p, size_t len, char *buf, size_t cap) {
    const uint8_t *b = p;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        if (i == 32) {
            o += (size_t)snprintf(buf + o, cap - o, "...");
            break;
        }
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\'')
            buf[o++] = (char)b[i];
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", b[i]);
    }
    buf[o] = '\0';
    return buf;
}

const char *rp__obj_label(const obj *o, char *buf, size_t cap) {
    if (o->name == NULL)
        snprintf(buf, cap, "anonymous %s", rp__kind_name(o->kind));
    else {
        char n[80];
        snprintf(buf, cap, "%s '%s'", rp__kind_name(o->kind),
                 rp__show(o->name, o->namelen, n, sizeof n));
    }
    return buf;
}

int rp__nomem(req *q) {
    return rp__fail(q, RP_ENOMEM, "the manager is out of memory");
}

/* ---- waiters ---------------------------------------------------------------- */

static void wl_push(wlist *l, waiter *w) {
    w->next = NULL;
    w->prev = l->tail;
    if (l->tail)
        l->tail->next = w;
    else
        l->head = w;
    l->tail = w;
}

static void wl_remove(wlist *l, waiter *w) {
    if (w->prev)
        w->prev->next = w->next;
    else
        l->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        l->tail = w->prev;
    w->next = w->prev = NULL;
}

static void untime(rp__store *s, waiter *w) {
    if (w->deadline < 0)
        return;
    if (w->dprev)
        w->dprev->dnext = w->dnext;
    else
        s->timed = w->dnext;
    if (w->dnext)
        w->dnext->dprev = w->dprev;
    w->dnext = w->dprev = NULL;
    w->deadline = -1;
}

int rp__park(req *q, int list, double timeout) {
    if (q->who->no_wait)
        return rp__fail(q, RP_EDEADLK,
                        "the manager thread (a callback, or a task of a one-rank job) may not "
                        "wait: the %s would have to wait",
                        rp__kind_name(q->o->kind));
    if (q->s->interrupted)
        return rp__fail(q, RP_EINTR, "the job was interrupted by a signal");
    waiter *w = calloc(1, sizeof *w);
    if (w == NULL)
        return rp__nomem(q);
    w->o = q->o;
    w->list = list;
    w->op = q->h->code;
    w->rank = q->who->rank;
    w->token = q->h->pool;
    w->seq = q->h->start;
    w->deadline = timeout < 0 ? -1 : rp__now() + timeout;
    wl_push(&q->o->w[list], w);
    if (w->deadline >= 0) {
        w->dnext = q->s->timed;
        if (q->s->timed)
            q->s->timed->dprev = w;
        q->s->timed = w;
        atomic_store_explicit(&q->s->changed, 1, memory_order_release);
    }
    q->parked = w;
    return 0;
}

void rp__unpark(rp__store *s, waiter *w) {
    wl_remove(&w->o->w[w->list], w);
    untime(s, w);
}

void rp__waiter_move(rp__store *s, waiter *w, int list) {
    wl_remove(&w->o->w[w->list], w);
    untime(s, w);
    w->list = list;
    wl_push(&w->o->w[list], w);
}

void rp__answer_begin(const waiter *wt, rp__fwriter *w) {
    rp__hdr h = {.kind = RP__MSG_OBJ_REP, .job = wt->o->id, .start = wt->seq, .pool = wt->token};
    rp__fw_init(w, &h);
}

void rp__answer(rp__store *s, waiter *wt, rp__fwriter *w, int code) {
    w->h.code = code;
    int rc = rp__fw_finish(w);
    rp__unpark(s, wt);
    if (wt->lw != NULL) {
        wt->lw->rc = rc;
        wt->lw->rep = rc == 0 ? w->buf.p : NULL;
        wt->lw->len = rc == 0 ? w->buf.len : 0;
        wt->lw->done = 1;
        pthread_cond_signal(&wt->lw->cv);
    } else if (rc == 0) {
        rp__outmsg *m = malloc(sizeof *m);
        if (m == NULL) {
            rp__log(RP_LOG_WARN, "no memory to answer rank %d; it waits on", wt->rank);
            free(w->buf.p);
        } else {
            *m = (rp__outmsg){.rank = wt->rank, .msg = w->buf.p, .len = w->buf.len};
            *s->out_tail = m;
            s->out_tail = &m->next;
            atomic_store_explicit(&s->changed, 1, memory_order_release);
            if (s->notify)
                s->notify(s->notify_arg);
        }
    }
    rp__slot_free(&wt->item);
    free(wt);
}

void rp__answer_code(rp__store *s, waiter *wt, int code, const char *msg) {
    rp__fwriter w;
    rp__answer_begin(wt, &w);
    if (code < 0 && msg != NULL)
        rp__fw_bytes(&w, msg, strlen(msg));
    rp__answer(s, wt, &w, code);
}
