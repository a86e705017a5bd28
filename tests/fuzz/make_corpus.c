/*
 * Writes the seed corpus of the fuzz targets: valid messages of each kind
 * for fuzz_wire, and sequences of requests on each kind of object for
 * fuzz_store (format in fuzz_store.h).
 *
 *     make_corpus DIR     writes DIR/fuzz_wire/... and DIR/fuzz_store/...
 */
#include "fuzz_store.h"
#include "rankpool.h"
#include "wire/wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;

static void put_file(const char *target, const char *name, const void *p, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, target);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* ---- fuzz_wire: one message per file ------------------------------------- */

static void header_only(const char *name, int kind, int32_t code, const void *body, size_t len) {
    uint8_t m[RP__HDR_SIZE + 64];
    rp__hdr h = {.kind = (uint16_t)kind, .pool = 3, .code = code, .job = 1, .body_len = len};
    rp__hdr_encode(m, &h);
    memcpy(m + RP__HDR_SIZE, body, len);
    put_file("fuzz_wire", name, m, RP__HDR_SIZE + len);
}

static void wire_seeds(void) {
    /* TASK, fixed-size items: 3 x 4 bytes for task 0 (echo). */
    uint8_t m[RP__HDR_SIZE + 256] = {0};
    rp__hdr h = {
        .kind = RP__MSG_TASK, .pool = 1, .job = 2, .count = 3, .item_size = 4, .body_len = 12};
    rp__hdr_encode(m, &h);
    memcpy(m + RP__HDR_SIZE, "abcdefghijkl", 12);
    put_file("fuzz_wire", "task_fixed", m, RP__HDR_SIZE + 12);

    /* TASK, variable items of 5, 0 and 17 bytes for task 2 (a buffer). */
    static const size_t lens[3] = {5, 0, 17};
    uint8_t *b = m + RP__HDR_SIZE;
    memset(m, 0, sizeof m);
    size_t off = rp__pad(3 * 8);
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 8; k++)
            b[8 * i + k] = (uint8_t)(lens[i] >> (8 * k));
        memset(b + off, 'a' + i, lens[i]);
        off = i < 2 ? rp__pad(off + lens[i]) : off + lens[i];
    }
    h = (rp__hdr){.kind = RP__MSG_TASK, .code = 2, .count = 3, .body_len = off};
    rp__hdr_encode(m, &h);
    put_file("fuzz_wire", "task_var", m, RP__HDR_SIZE + off);
    /* The same items for task 1 (fails). */
    h.code = 1;
    rp__hdr_encode(m, &h);
    put_file("fuzz_wire", "task_fail", m, RP__HDR_SIZE + off);

    /* RESULT: done, failed with a message, canceled. */
    rp__hdr t = {.kind = RP__MSG_TASK, .count = 3};
    rp__rwriter w;
    if (rp__rwriter_init(&w, &t) != 0)
        exit(1);
    memcpy(rp__rwriter_room(&w, 6), "result", 6);
    rp__rwriter_commit(&w, RP__ST_OK, 0, 6);
    memcpy(rp__rwriter_room(&w, 4), "oops", 4);
    rp__rwriter_commit(&w, RP__ST_FAILED, 9, 4);
    rp__rwriter_room(&w, 0);
    rp__rwriter_commit(&w, RP__ST_CANCELED, 0, 0);
    rp__rwriter_finish(&w, 12345);
    put_file("fuzz_wire", "result", w.buf.p, w.buf.len);

    /* A dense RESULT: three 8-byte results back to back. */
    rp__hdr td = {.kind = RP__MSG_TASK, .flags = RP__TASK_DENSE, .count = 3};
    rp__rwriter wd;
    if (rp__rwriter_init(&wd, &td) != 0)
        exit(1);
    for (int i = 0; i < 3; i++) {
        memcpy(rp__rwriter_room(&wd, 8), "12345678", 8);
        rp__rwriter_commit(&wd, RP__ST_OK, 0, 8);
    }
    rp__rwriter_finish(&wd, 99);
    put_file("fuzz_wire", "result_dense", wd.buf.p, wd.buf.len);
    rp__buf_free(&wd.buf);

    /* RESULTS: that RESULT twice; TASKS: the fixed and the variable TASK. */
    rp__buf batch = {0};
    if (rp__batch_begin(&batch) != 0 || rp__batch_add(&batch, w.buf.p, w.buf.len) != 0 ||
        rp__batch_add(&batch, w.buf.p, w.buf.len) != 0)
        exit(1);
    rp__batch_finish(&batch, RP__MSG_RESULTS, 2);
    put_file("fuzz_wire", "results", batch.p, batch.len);
    rp__buf_free(&w.buf);
    uint8_t fixed[RP__HDR_SIZE + 12];
    h = (rp__hdr){
        .kind = RP__MSG_TASK, .pool = 1, .job = 2, .count = 3, .item_size = 4, .body_len = 12};
    rp__hdr_encode(fixed, &h);
    memcpy(fixed + RP__HDR_SIZE, "abcdefghijkl", 12);
    if (rp__batch_begin(&batch) != 0 || rp__batch_add(&batch, fixed, sizeof fixed) != 0 ||
        rp__batch_add(&batch, m, RP__HDR_SIZE + off) != 0)
        exit(1);
    rp__batch_finish(&batch, RP__MSG_TASKS, 2);
    put_file("fuzz_wire", "tasks", batch.p, batch.len);
    /* BUNDLE: that TASKS for rank 3 and the fixed TASK for rank 4. */
    rp__buf bundle = {0};
    if (rp__batch_begin(&bundle) != 0 || rp__bundle_add(&bundle, 3, batch.p, batch.len) != 0 ||
        rp__bundle_add(&bundle, 4, fixed, sizeof fixed) != 0)
        exit(1);
    rp__batch_finish(&bundle, RP__MSG_BUNDLE, 2);
    put_file("fuzz_wire", "bundle", bundle.p, bundle.len);
    rp__buf_free(&bundle);
    rp__buf_free(&batch);

    /* OBJ_REQ and OBJ_REP with a field of every type. */
    rp__fwriter f;
    rp__hdr q = {.kind = RP__MSG_OBJ_REQ, .code = RP__OP_D_SET, .job = 5, .start = 7};
    rp__fw_init(&f, &q);
    rp__fw_bytes(&f, "key", 3);
    rp__fw_bytes(&f, "12345678", 8);
    rp__fw_int(&f, -1);
    rp__fw_double(&f, 0.5);
    rp__fw_none(&f);
    if (rp__fw_finish(&f) != 0)
        exit(1);
    put_file("fuzz_wire", "obj_req", f.buf.p, f.buf.len);
    rp__buf_free(&f.buf);
    q = (rp__hdr){.kind = RP__MSG_OBJ_REP, .job = 5, .start = 7};
    rp__fw_init(&f, &q);
    rp__fw_bytes(&f, "value", 5);
    rp__fw_int(&f, 42);
    if (rp__fw_finish(&f) != 0)
        exit(1);
    put_file("fuzz_wire", "obj_rep", f.buf.p, f.buf.len);
    rp__buf_free(&f.buf);

    header_only("pool_init", RP__MSG_POOL_INIT, 0, "", 0);
    header_only("pool_ack", RP__MSG_POOL_ACK, -1, "initializer failed", 18);
    header_only("shutdown", RP__MSG_SHUTDOWN, 0, "", 0);
    h = (rp__hdr){.kind = RP__MSG_PROC_START,
                  .code = 0,
                  .job = 4,
                  .item_size = 9,
                  .flags = RP__PROC_DAEMON,
                  .body_len = 20};
    rp__hdr_encode(m, &h);
    memcpy(m + RP__HDR_SIZE, "Process-1\0\0\0\0\0\0\0abcd", 20); /* name padded to 16 */
    put_file("fuzz_wire", "proc_start", m, RP__HDR_SIZE + 20);
    header_only("proc_signal", RP__MSG_PROC_SIGNAL, 15, "", 0);
    header_only("proc_started", RP__MSG_PROC_STARTED, 1234, "", 0);
    header_only("proc_exit", RP__MSG_PROC_EXIT, -9, "", 0);

    /* A placement record. */
    rp__prec p = {.v = {1, 2, RP_PLACE_COMPACT, RP_GRAIN_CORE, 1, 1, 0},
                  .s = {"host", "", "0-1", "1", "2", "1", "1", "Machine"}};
    size_t n = rp__prec_size(&p);
    uint8_t *r = malloc(n);
    if (r == NULL)
        exit(1);
    rp__prec_encode(r, &p);
    put_file("fuzz_wire", "placement", r, n);
    free(r);

    /* A lease hello. */
    uint8_t hb[RP__HELLO_SIZE];
    rp__hello_encode(hb, &(rp__hello){.cookie = 0x1234567890abcdefull, .rank = 2, .pid = 4321});
    put_file("fuzz_wire", "hello", hb, sizeof hb);
}

/* ---- fuzz_store: sequences of requests ----------------------------------- */

static rp__buf seq;
static uint64_t seqno;

/*
 * Appends one request from selector @p sel: operation @p op on object @p obj
 * (1..FZ_NOBJS: the starting objects; 0: none) with header flags @p flags,
 * fields given by the letters of @p types: i int, d double, b bytes, n none.
 */
static void rq(unsigned sel, int op, uint64_t obj, int flags, const char *types, ...) {
    rp__fwriter w;
    rp__hdr h = {.kind = RP__MSG_OBJ_REQ,
                 .code = op,
                 .job = obj,
                 .flags = (uint16_t)flags,
                 .start = ++seqno,
                 .pool = sel & 3};
    rp__fw_init(&w, &h);
    va_list ap;
    va_start(ap, types);
    for (const char *t = types; *t; t++) {
        if (*t == 'i') {
            rp__fw_int(&w, va_arg(ap, long long));
        } else if (*t == 'd') {
            rp__fw_double(&w, va_arg(ap, double));
        } else if (*t == 'b') {
            const char *s = va_arg(ap, const char *);
            rp__fw_bytes(&w, s, strlen(s));
        } else {
            rp__fw_none(&w);
        }
    }
    va_end(ap);
    if (rp__fw_finish(&w) != 0 || w.buf.len > 0xffff || rp__buf_reserve(&seq, 3 + w.buf.len))
        exit(1);
    seq.p[seq.len++] = (uint8_t)sel;
    seq.p[seq.len++] = (uint8_t)w.buf.len;
    seq.p[seq.len++] = (uint8_t)(w.buf.len >> 8);
    memcpy(seq.p + seq.len, w.buf.p, w.buf.len);
    seq.len += w.buf.len;
    rp__buf_free(&w.buf);
}

static void done(const char *name) {
    put_file("fuzz_store", name, seq.p, seq.len);
    rp__buf_free(&seq);
    seqno = 0;
}

/* Indexes of fz_objs, + 1. */
enum { D = 1, L, NS, Q, J, K, R, S, E, C, B, P, A };

static void store_seeds(void) {
    rq(0, RP__OP_D_SET, D, 0, "bb", "x", "1");
    rq(1, RP__OP_D_SET, D, 0, "bi", "n", 5LL);
    rq(0, RP__OP_D_ADD, D, 0, "bi", "n", 3LL);
    rq(0, RP__OP_D_GET, D, 0, "b", "x");
    rq(0, RP__OP_D_CAS, D, 0, "bbb", "x", "1", "2");
    rq(0, RP__OP_D_UPDATE, NS, 0, "bdbn", "y", 1.5, "z");
    rq(0, RP__OP_D_ITEMS, D, RP_KEYS | RP_VALUES, "");
    rq(0, RP__OP_D_GETMANY, D, 0, "bbb", "x", "n", "q");
    rq(0, RP__OP_D_POP, D, 0, "b", "x");
    rq(0, RP__OP_D_SWAP, D, 0, "bi", "n", 1LL);
    rq(0, RP__OP_D_SETDEFAULT, D, 0, "bb", "w", "v");
    rq(0, RP__OP_D_CONTAINS, D, 0, "b", "w");
    rq(0, RP__OP_D_DEL, D, 0, "b", "w");
    rq(0, RP__OP_D_LEN, D, 0, "");
    rq(0, RP__OP_D_CLEAR, D, 0, "");
    done("dict");

    rq(0, RP__OP_L_APPEND, L, 0, "b", "a");
    rq(0, RP__OP_L_EXTEND, L, 0, "iidn", 1LL, 2LL, 3.0);
    rq(0, RP__OP_L_INSERT, L, 0, "ib", 1LL, "b");
    rq(0, RP__OP_L_SET, L, 0, "ii", -1LL, 9LL);
    rq(0, RP__OP_L_GET, L, 0, "i", 2LL);
    rq(0, RP__OP_L_SLICE, L, 0, "in", 1LL);
    rq(0, RP__OP_L_POP, L, 0, "i", -1LL);
    rq(0, RP__OP_L_LEN, L, 0, "");
    done("list");

    rq(0, RP__OP_Q_PUT, Q, 0, "bid", "a", 2LL, -1.0);
    rq(0, RP__OP_Q_PUT, Q, 0, "bid", "b", 1LL, -1.0);
    rq(1, RP__OP_Q_PUT, Q, 0, "bid", "c", 0LL, 5.0); /* full: parked */
    rq(0, RP__OP_Q_SIZE, Q, 0, "");
    rq(2, RP__OP_Q_GET, Q, 0, "d", -1.0);
    rq(8, RP__OP_Q_GET, J, 0, "d", 1.0); /* empty: parked, then expires */
    rq(0, RP__OP_Q_PUT, J, 0, "iid", 7LL, 0LL, -1.0);
    rq(1, RP__OP_Q_JOIN, J, 0, "d", -1.0);
    rq(2, RP__OP_Q_GET, J, 0, "d", -1.0);
    rq(2, RP__OP_Q_TASK_DONE, J, 0, "");
    rq(0, RP__OP_Q_CLOSE, Q, 0, "");
    done("queue");

    rq(0, RP__OP_ACQUIRE, K, 0, "d", -1.0);
    rq(1, RP__OP_ACQUIRE, K, 0, "d", 2.0); /* held: parked */
    rq(0, RP__OP_RELEASE, K, 0, "");
    rq(1, RP__OP_ACQUIRE, R, 0, "d", -1.0);
    rq(1, RP__OP_ACQUIRE, R, 0, "d", -1.0);
    rq(1, RP__OP_RELEASE, R, 0, "");
    rq(2, RP__OP_ACQUIRE, S, 0, "d", -1.0);
    rq(0, RP__OP_SEM_VALUE, S, 0, "");
    rq(2, RP__OP_RELEASE, S, 0, "");
    rq(2, RP__OP_RELEASE, S, 0, ""); /* bounded: too many */
    done("lock");

    rq(0, RP__OP_ACQUIRE, C, 0, "d", -1.0);
    rq(0, RP__OP_COND_WAIT, C, 0, "d", 3.0);
    rq(1, RP__OP_ACQUIRE, C, 0, "d", -1.0);
    rq(1, RP__OP_COND_NOTIFY, C, 0, "i", -1LL);
    rq(1, RP__OP_RELEASE, C, 0, "");
    rq(2, RP__OP_EV_WAIT, E, 0, "d", -1.0);
    rq(0, RP__OP_EV_SET, E, 0, "");
    rq(0, RP__OP_EV_CLEAR, E, 0, "");
    rq(9, RP__OP_BAR_WAIT, B, 0, "d", 1.0);
    rq(1, RP__OP_BAR_WAIT, B, 0, "d", -1.0);
    rq(2, RP__OP_BAR_WAIT, B, 0, "d", -1.0);
    rq(0, RP__OP_BAR_STATE, B, 0, "");
    rq(0, RP__OP_BAR_ABORT, B, 0, "");
    rq(0, RP__OP_BAR_RESET, B, 0, "");
    done("sync");

    rq(1, RP__OP_PIPE_RECV, P, 1, "d", -1.0);
    rq(0, RP__OP_PIPE_SEND, P, 0, "b", "hello");
    rq(0, RP__OP_PIPE_SEND, P, 0, "i", 3LL);
    rq(1, RP__OP_PIPE_POLL, P, 1, "d", 0.0);
    rq(1, RP__OP_PIPE_RECV, P, 1, "d", -1.0);
    rq(1, RP__OP_PIPE_CLOSE, P, 1, "");
    rq(0, RP__OP_PIPE_RECV, P, 0, "d", -1.0);
    done("pipe");

    rq(0, RP__OP_A_PUT, A, 0, "ib", 1LL, "12345678");
    rq(0, RP__OP_A_GET, A, 0, "ii", 0LL, 4LL);
    rq(0, RP__OP_A_RMW, A, RP__RMW_FAA, "iii", 2LL, 5LL, 0LL);
    rq(1, RP__OP_A_RMW, A, RP__RMW_CAS, "iii", 2LL, 5LL, 6LL);
    rq(1, RP__OP_ACQUIRE, A, 0, "d", -1.0);
    rq(1, RP__OP_RELEASE, A, 0, "");
    /* DESTROY checks the whole handle: where the array is (offset 0, 16
     * int64 elements), and refuses one that lies about it. */
    rq(0, RP__OP_DESTROY, A, 0, "iiii", 64LL, 16LL, 2LL, 8LL);
    rq(0, RP__OP_DESTROY, A, 0, "iiii", 0LL, 16LL, 2LL, 8LL);
    rq(0, RP__OP_A_GET, A, 0, "ii", 0LL, 1LL);
    done("array");

    rq(0, RP__OP_OPEN, 0, RP_CREATE, "biii", "new", 1LL, 0LL, 0LL);
    rq(0, RP__OP_OPEN, 0, RP_CREATE, "niii", 4LL, 0LL, 0LL);
    rq(0, RP__OP_OPEN, 0, RP_CREATE, "biii", "arr", 11LL, 6LL | (3 << 8), 4LL);
    rq(0, RP__OP_OPEN, 0, 0, "biii", "q", 4LL, 2LL, 2LL);
    rq(0, RP__OP_LIST, 0, 0, "");
    rq(0, RP__OP_MEMORY, 0, 0, "");
    rq(1, RP__OP_Q_GET, Q, 0, "d", -1.0); /* parked, then its queue goes */
    rq(0, RP__OP_DESTROY, Q, 0, "");
    rq(0, RP__OP_DESTROY, D, 0, "");
    rq(0, RP__OP_D_GET, D, 0, "b", "x");
    done("objects");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus DIR\n");
        return 2;
    }
    root = argv[1];
    if (mkdir(root, 0777) != 0 && errno != EEXIST) {
        perror(root);
        return 1;
    }
    wire_seeds();
    store_seeds();
    return 0;
}
