/*
 * Fuzz target: arbitrary object requests (see fuzz_store.h for the input)
 * executed on a store like the manager's, with small limits and a few
 * objects of each kind to aim at, as remote callers: what garbage from the
 * network reaches on the manager.  Each run starts from a new store, so a
 * crash replays from its input alone.
 */
#include "fuzz_store.h"
#include "manager/manager.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#define ARENA_SIZE 4096u

/* Checks an answer and frees it. */
static void answer(void *rep, size_t len, uint64_t seq) {
    rp__hdr a;
    CHECK(rp__hdr_decode(rep, len, &a) == 0 && a.kind == RP__MSG_OBJ_REP && a.start == seq);
    rp__freader r;
    CHECK(rp__freader_init(&r, &a, (uint8_t *)rep + RP__HDR_SIZE) == 0);
    free(rep);
}

static void drain(rp__store *s) {
    for (rp__outmsg *m = rp__store_outbox(s), *nx; m; m = nx) {
        nx = m->next;
        CHECK(m->rank >= 1 && m->rank <= 4);
        rp__hdr a;
        CHECK(rp__hdr_decode(m->msg, m->len, &a) == 0 && a.kind == RP__MSG_OBJ_REP);
        free(m->msg);
        free(m);
    }
}

/* Opens the objects of fz_objs from rank 0; their ids into @p ids. */
static void populate(rp__store *s, uint64_t *ids) {
    static const rp__caller me = {.rank = 0, .local = 1};
    for (int i = 0; i < FZ_NOBJS; i++) {
        rp__fwriter w;
        rp__hdr h = {.kind = RP__MSG_OBJ_REQ, .code = RP__OP_OPEN, .flags = RP_CREATE};
        rp__fw_init(&w, &h);
        rp__fw_bytes(&w, fz_objs[i].name, strlen(fz_objs[i].name));
        rp__fw_int(&w, fz_objs[i].kind);
        rp__fw_int(&w, fz_objs[i].p1);
        rp__fw_int(&w, fz_objs[i].p2);
        CHECK(rp__fw_finish(&w) == 0);
        rp__hdr d;
        CHECK(rp__hdr_decode(w.buf.p, w.buf.len, &d) == 0);
        void *rep;
        size_t len;
        CHECK(rp__store_exec(s, &d, w.buf.p + RP__HDR_SIZE, &me, &rep, &len) == 0);
        rp__hdr a;
        CHECK(rp__hdr_decode(rep, len, &a) == 0 && a.code == 0);
        ids[i] = a.job;
        free(rep);
        rp__buf_free(&w.buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.obj_key_max = 64;
    opt.obj_value_max = 4096;
    opt.obj_mem_max = 1u << 20;
    rp__store *s = rp__store_new(&opt, 0);
    CHECK(s != NULL);
    void *arena = calloc(1, ARENA_SIZE);
    CHECK(arena != NULL && rp__store_set_arena(s, arena, ARENA_SIZE) == 0);
    uint64_t ids[FZ_NOBJS];
    populate(s, ids);

    double later = rp__now();
    size_t off = 0;
    while (size - off >= 3) {
        unsigned sel = data[off];
        size_t len = data[off + 1] | (size_t)data[off + 2] << 8;
        off += 3;
        if (len > size - off)
            len = size - off;
        /* A copy of exactly the message, as a receive buffer would hold it. */
        uint8_t *msg = malloc(len ? len : 1);
        CHECK(msg != NULL);
        memcpy(msg, data + off, len);
        off += len;
        rp__hdr h;
        if (rp__hdr_decode(msg, len, &h) == 0) {
            if (h.job >= 1 && h.job <= FZ_NOBJS)
                h.job = ids[h.job - 1];
            rp__caller who = {.rank = 1 + (int)(sel & 3), .local = 0, .no_wait = (sel & 4) != 0};
            void *rep = NULL;
            size_t rep_len = 0;
            int rc = rp__store_exec(s, &h, msg + RP__HDR_SIZE, &who, &rep, &rep_len);
            CHECK(rc == 0 || rc == RP__PARKED || rc == RP_ENOMEM);
            if (rc == 0)
                answer(rep, rep_len, h.start);
        }
        free(msg);
        if (sel & 8) {
            later += 3600;
            rp__store_tick(s, later);
        }
        drain(s);
    }
    rp__store_tick(s, later + 1e9);
    drain(s);
    rp__store_free(s);
    free(arena);
    return 0;
}
