/*
 * Executor: runs the items of one TASK message and writes the RESULT message.
 * Used by worker ranks and by rank 0 in single-rank mode, so both take the
 * same path through the wire format.
 */
#include "worker/worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct rp_task_ctx {
    rp__rwriter *w;
    rp_runtime *rt;
    int rank;
    size_t index;
    unsigned attempt; /* 1 + its tries that failed */
    size_t len;       /* bytes of the result written so far */
    int oom;          /* a result could not be stored */
    int has_msg;
    char msg[RP__MAX_ERRMSG + 1];
};

int rp__task_find(const rp__tasks *t, const char *name) {
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->defs[i].name, name) == 0)
            return (int)i;
    return -1;
}

void *rp_return_buffer(rp_task_ctx *ctx, size_t size) {
    if (ctx == NULL || ctx->w == NULL)
        return NULL;
    void *p = rp__rwriter_room(ctx->w, size);
    if (p == NULL) {
        ctx->oom = 1;
        ctx->len = 0;
        return NULL;
    }
    ctx->oom = 0;
    ctx->len = size;
    return p;
}

int rp_return(rp_task_ctx *ctx, const void *data, size_t size) {
    if (ctx == NULL || (data == NULL && size > 0))
        return RP_EINVAL;
    void *p = rp_return_buffer(ctx, size);
    if (p == NULL)
        return size > RP__MAX_MSG ? RP_ETOOBIG : RP_ENOMEM;
    if (size > 0)
        memcpy(p, data, size);
    return 0;
}

int rp_fail(rp_task_ctx *ctx, int code, const char *fmt, ...) {
    if (code == 0)
        code = -1;
    if (ctx != NULL && fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
        va_end(ap);
        ctx->has_msg = 1;
    }
    return code;
}

int rp_task_rank(const rp_task_ctx *ctx) {
    return ctx ? ctx->rank : -1;
}

size_t rp_task_index(const rp_task_ctx *ctx) {
    return ctx ? ctx->index : 0;
}

int rp_task_attempt(const rp_task_ctx *ctx) {
    return ctx ? (int)ctx->attempt : 0;
}

rp_runtime *rp_task_runtime(const rp_task_ctx *ctx) {
    return ctx ? ctx->rt : NULL;
}

/* Write a failure message as the current item's bytes. */
static void commit_failure(rp__rwriter *w, int status, int32_t code, const char *msg) {
    size_t n = strlen(msg);
    if (n > RP__MAX_ERRMSG)
        n = RP__MAX_ERRMSG;
    void *p = rp__rwriter_room(w, n);
    if (p == NULL)
        n = 0; /* no room even for the message: the status still tells */
    else
        memcpy(p, msg, n);
    rp__rwriter_commit(w, status, code, n);
}

void rp__exec_item(const rp__tasks *t, int rank, int task, uint64_t index, unsigned attempt,
                   const void *arg, size_t len, rp__rwriter *w) {
    const rp_task_def *def = &t->defs[task];
    /* Field by field: zeroing the message buffer for every item would cost
     * more than a small task (has_msg says whether it holds anything). */
    rp_task_ctx ctx;
    ctx.w = w;
    ctx.rt = t->rt;
    ctx.rank = rank;
    ctx.index = (size_t)index;
    ctx.attempt = attempt;
    ctx.len = 0;
    ctx.oom = 0;
    ctx.has_msg = 0;
    int trc = def->fn(&ctx, arg, len);
    if (trc == 0 && !ctx.oom) {
        rp__rwriter_commit(w, RP__ST_OK, 0, ctx.len);
    } else if (trc == 0) {
        commit_failure(w, RP__ST_ERROR, RP_ETOOBIG, "result too big for one message");
    } else {
        if (!ctx.has_msg)
            snprintf(ctx.msg, sizeof ctx.msg, "task '%s' returned %d", def->name, trc);
        commit_failure(w, RP__ST_FAILED, trc, ctx.msg);
    }
}

void rp__commit_failure(rp__rwriter *w, int status, int32_t code, const char *msg) {
    commit_failure(w, status, code, msg);
}

int rp__exec_chunk(const rp__tasks *t, int rank, const rp__hdr *h, const void *body,
                   rp__cancel_fn canceled, void *cancel_arg, rp__rwriter *w) {
    rp__reader r;
    int rc = rp__reader_init(&r, h, body);
    if (rc != 0)
        return rc;
    if (h->code < 0 || (size_t)h->code >= t->n)
        return RP_EPROTO;
    const void *arg;
    size_t len;
    struct timespec t0, t1;
    int stop = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t i = 0; rp__reader_next(&r, &arg, &len, NULL, NULL); i++) {
        if (!stop && canceled != NULL)
            stop = canceled(cancel_arg);
        if (stop) {
            commit_failure(w, RP__ST_CANCELED, RP_ECANCELED, "canceled by pool terminate");
            continue;
        }
        rp__exec_item(t, rank, h->code, h->start + i, 1u + (h->flags >> RP__TASK_TRIES_SHIFT), arg,
                      len, w);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rp__rwriter_finish(w,
                       (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec));
    return 0;
}

int rp__exec_init(const rp__tasks *t, int rank, int idx, const void *arg, size_t len, char *msg,
                  size_t cap) {
    msg[0] = '\0';
    if (idx < 0 || (size_t)idx >= t->n) {
        snprintf(msg, cap, "unknown initializer index %d", idx);
        return RP_EPROTO;
    }
    /* An initializer's result is not wanted; give it a scratch writer. */
    rp__hdr h = {.kind = RP__MSG_TASK, .count = 1};
    rp__rwriter w;
    if (rp__rwriter_init(&w, &h) != 0) {
        snprintf(msg, cap, "out of memory");
        return RP_ENOMEM;
    }
    rp_task_ctx ctx = {.w = &w, .rt = t->rt, .rank = rank, .attempt = 1};
    int rc = t->defs[idx].fn(&ctx, arg, len);
    if (rc != 0)
        snprintf(msg, cap, "%s", ctx.has_msg ? ctx.msg : "initializer failed");
    rp__buf_free(&w.buf);
    return rc;
}
