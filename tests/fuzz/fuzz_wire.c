/*
 * Fuzz target: arbitrary bytes as one whole message, through every decoder
 * of network bytes in wire.c: the header, then by kind the TASK and RESULT
 * body reader (and the executor on a TASK; also for each part of a TASKS or
 * RESULTS batch), the OBJ_REQ / OBJ_REP field reader; bytes starting with
 * the placement record's magic go to its decoder, and those with the lease
 * hello's to its.  Whatever the decoders accept is read to the last byte,
 * so the sanitizers see any read out of bounds, and checked against what
 * the decoder promised.
 */
#include "worker/worker.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reads every byte of what a decoder handed out (the sanitizers check it). */
static volatile uint8_t sink;

static void touch(const void *p, size_t len) {
    const uint8_t *b = p;
    uint8_t x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= b[i];
    sink ^= x;
}

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

/* Tasks for the executor: echo the argument, fail with a message, return a buffer. */
static int t_echo(rp_task_ctx *ctx, const void *arg, size_t size) {
    return rp_return(ctx, arg, size);
}
static int t_fail(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    return rp_fail(ctx, 7, "failed on %zu bytes", size);
}
static int t_buffer(rp_task_ctx *ctx, const void *arg, size_t size) {
    uint8_t *p = rp_return_buffer(ctx, size / 2 + 1);
    if (p == NULL)
        return -1;
    memcpy(p, arg, size / 2);
    p[size / 2] = (uint8_t)rp_task_index(ctx);
    return 0;
}
static const rp_task_def defs[] = {RP_TASK(t_echo), RP_TASK(t_fail), RP_TASK(t_buffer)};
static const rp__tasks table = {defs, 3, NULL};

/* A TASK or RESULT body: every item, in bounds, exactly count of them.
 * Returns 0 if the body is well-formed, else 1. */
static int items(const rp__hdr *h, const uint8_t *body) {
    rp__reader r;
    if (rp__reader_init(&r, h, body) != 0)
        return 1;
    const void *d;
    size_t n;
    int st;
    int32_t code;
    uint32_t seen = 0;
    while (rp__reader_next(&r, &d, &n, &st, &code)) {
        CHECK(n == 0 || ((const uint8_t *)d >= body && n <= h->body_len &&
                         (size_t)((const uint8_t *)d - body) <= h->body_len - n));
        if (h->kind == RP__MSG_RESULT)
            CHECK(st >= 0 && st < RP__ST_COUNT);
        touch(d, n);
        seen++;
    }
    CHECK(seen == h->count);
    return 0;
}

/* A well-formed TASK through the executor, and its RESULT back through the
 * reader.  (The result table is sized by the header's count: a body that
 * holds count items bounds it.) */
static void execute(const rp__hdr *h, const uint8_t *body) {
    rp__rwriter w;
    if (rp__rwriter_init(&w, h) != 0)
        return;
    if (rp__exec_chunk(&table, 1, h, body, NULL, NULL, &w) == 0) {
        rp__rwriter_finish(&w, 1000);
        rp__hdr rh;
        CHECK(rp__hdr_decode(w.buf.p, w.buf.len, &rh) == 0 && rh.kind == RP__MSG_RESULT &&
              rh.count == h->count);
        CHECK(items(&rh, w.buf.p + RP__HDR_SIZE) == 0);
    }
    rp__buf_free(&w.buf);
}

/* An object message: every field, bytes with their NUL, exactly count of them. */
static void fields(const rp__hdr *h, const uint8_t *body) {
    rp__freader r;
    if (rp__freader_init(&r, h, body) != 0)
        return;
    rp__field f;
    uint32_t seen = 0;
    while (rp__freader_next(&r, &f)) {
        CHECK(f.type >= RP__F_NONE && f.type < RP__F_COUNT);
        if (f.type == RP__F_BYTES) {
            const uint8_t *p = f.p;
            CHECK(p >= body && f.len < h->body_len && (size_t)(p - body) < h->body_len - f.len);
            CHECK(p[f.len] == 0);
            touch(p, f.len + 1);
        }
        seen++;
    }
    CHECK(seen == h->count);
}

static void placement(const uint8_t *data, size_t size) {
    rp__prec p;
    if (rp__prec_decode(data, size, &p) != 0)
        return;
    for (int i = 0; i < RP__PS_COUNT; i++) {
        const char *s = p.s[i];
        CHECK(s != NULL && (const uint8_t *)s >= data && (const uint8_t *)s < data + size);
        size_t n = strnlen(s, (size_t)(data + size - (const uint8_t *)s));
        CHECK((const uint8_t *)s + n < data + size && n <= RP__PREC_MAX_STR);
        touch(s, n + 1);
    }
    CHECK(p.v[RP__PI_NODE_RANK] >= 0 && p.v[RP__PI_NODE_RANK] < p.v[RP__PI_NODE_SIZE]);
    /* What decodes encodes back to the same bytes. */
    size_t len = rp__prec_size(&p);
    CHECK(len == size);
    uint8_t *again = malloc(len);
    CHECK(again != NULL);
    rp__prec_encode(again, &p);
    CHECK(memcmp(again, data, len) == 0);
    free(again);
}

/* A lease hello: what decodes encodes back to the same bytes. */
static void hello(const uint8_t *data, size_t size) {
    rp__hello h;
    if (rp__hello_decode(data, size, &h) != 0)
        return;
    CHECK(size == RP__HELLO_SIZE && h.rank >= 1 && h.pid >= 1);
    uint8_t again[RP__HELLO_SIZE];
    rp__hello_encode(again, &h);
    CHECK(memcmp(again, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 4 && data[0] == 'R' && data[1] == 'P' && data[2] == 'P' && data[3] == '1') {
        placement(data, size);
        return 0;
    }
    if (size >= 4 && data[0] == 'R' && data[1] == 'P' && data[2] == 'L' && data[3] == '1') {
        hello(data, size);
        return 0;
    }
    rp__hdr h;
    if (rp__hdr_decode(data, size, &h) != 0)
        return 0;
    CHECK(h.kind > RP__MSG_NONE && h.kind < RP__MSG_COUNT);
    CHECK(h.body_len == size - RP__HDR_SIZE && h.count <= RP__MAX_COUNT);
    const uint8_t *body = data + RP__HDR_SIZE;
    switch (h.kind) {
    case RP__MSG_TASK:
        if (items(&h, body) == 0)
            execute(&h, body);
        break;
    case RP__MSG_RESULT:
        (void)items(&h, body);
        break;
    case RP__MSG_TASKS:
    case RP__MSG_RESULTS: {
        /* Each part as the receiver takes it: its header, then its items. */
        rp__batch b;
        if (rp__batch_init(&b, &h, body) != 0)
            break;
        rp__hdr ph;
        const uint8_t *part;
        size_t len;
        uint32_t n = 0;
        while (rp__batch_next(&b, &ph, &part, &len)) {
            CHECK(part >= body && part + len <= body + h.body_len);
            CHECK(ph.kind == (h.kind == RP__MSG_TASKS ? RP__MSG_TASK : RP__MSG_RESULT));
            if (items(&ph, part + RP__HDR_SIZE) == 0 && ph.kind == RP__MSG_TASK)
                execute(&ph, part + RP__HDR_SIZE);
            n++;
        }
        CHECK(n == h.count);
        break;
    }
    case RP__MSG_BUNDLE: {
        /* Each part as a server or rank 0 takes it: a routed whole message. */
        rp__batch b;
        if (rp__bundle_init(&b, &h, body) != 0)
            break;
        rp__hdr ph;
        const uint8_t *part;
        size_t len;
        int rank;
        uint32_t n = 0;
        while (rp__bundle_next(&b, &rank, &ph, &part, &len)) {
            CHECK(part >= body && part + len <= body + h.body_len);
            CHECK(ph.kind == RP__MSG_TASK || ph.kind == RP__MSG_TASKS ||
                  ph.kind == RP__MSG_RESULT || ph.kind == RP__MSG_RESULTS);
            if (ph.kind == RP__MSG_TASK || ph.kind == RP__MSG_RESULT)
                (void)items(&ph, part + RP__HDR_SIZE);
            n++;
        }
        CHECK(n == h.count);
        break;
    }
    case RP__MSG_OBJ_REQ:
    case RP__MSG_OBJ_REP:
        fields(&h, body);
        break;
    case RP__MSG_PROC_START: {
        const char *name;
        const void *arg;
        size_t nlen, alen;
        if (rp__proc_start_decode(&h, body, &name, &nlen, &arg, &alen) == 0) {
            CHECK(nlen <= RP__MAX_PNAME && rp__pad(nlen) + alen == h.body_len);
            CHECK(memchr(name, 0, nlen) == NULL);
            touch(name, nlen);
            touch(arg, alen);
        }
        break;
    }
    default:
        /* Control messages: the header is all the receiver decodes; a
         * POOL_ACK's body is a message printed with its length. */
        touch(body, h.body_len);
        break;
    }
    return 0;
}
