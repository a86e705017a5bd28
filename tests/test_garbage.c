/*
 * Garbage on the wire: rank 1 is a fake worker that answers the manager
 * with malformed messages, one kind per call.  Each call must fail with
 * RP_EPROTO (never hang, never crash), the pool must keep working, and the
 * job must shut down cleanly.  First the fake worker sends malformed object
 * requests: each must be answered with an error.  Run under mpiexec -n 2.
 */
#include "manager/manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int square(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)size;
    int64_t x = *(const int64_t *)arg, y = x * x;
    return rp_return(ctx, &y, sizeof y);
}

/* How the fake worker spoils its answer to the k-th chunk. */
enum { BAD_MAGIC, TRUNCATED, KIND_NOT_TAG, WRONG_JOB, SAYS_UNREADABLE, BAD_TABLE, GOOD, NCASES };
static const char *const case_names[NCASES] = {"bad magic",
                                               "truncated",
                                               "kind disagrees with tag",
                                               "wrong job id",
                                               "worker could not read",
                                               "bad result table",
                                               "good answer"};

static void send(rp_runtime *rt, const void *m, size_t len, int tag) {
    MPI_Send(m, (int)len, MPI_BYTE, 0, tag, rt->comm);
}

/* Send an object request as raw bytes and wait for the answer's header. */
static rp__hdr obj_exchange(rp_runtime *rt, const void *m, size_t len) {
    send(rt, m, len, RP__MSG_OBJ_REQ);
    MPI_Status st;
    int n;
    MPI_Probe(0, RP__MSG_OBJ_REP, rt->comm, &st);
    MPI_Get_count(&st, MPI_BYTE, &n);
    uint8_t *a = malloc((size_t)n);
    MPI_Recv(a, n, MPI_BYTE, 0, RP__MSG_OBJ_REP, rt->comm, MPI_STATUS_IGNORE);
    rp__hdr h = {0};
    if (rp__hdr_decode(a, (size_t)n, &h) != 0)
        h.code = 1; /* not an error code: fails every check below */
    free(a);
    return h;
}

/* Malformed object requests: each is answered with an error (sequence 0
 * when the header itself is unreadable), and the manager keeps serving.
 * Returns the number of failed checks. */
static int object_garbage(rp_runtime *rt) {
    int failed = 0;
#define OBJ_CHECK(cond, what)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failed++;                                                                              \
            fprintf(stderr, "FAIL (rank 1): %s\n", what);                                          \
        }                                                                                          \
    } while (0)
    rp__fwriter w;
    rp__hdr q = {.kind = RP__MSG_OBJ_REQ, .code = RP__OP_OPEN, .start = 11};
    rp__fw_init(&w, &q);
    rp__fw_bytes(&w, "g", 1);
    rp__fw_int(&w, RP_KIND_DICT);
    rp__fw_int(&w, 0);
    rp__fw_int(&w, 0);
    w.h.flags = RP_CREATE;
    rp__fw_finish(&w);
    rp__hdr a = obj_exchange(rt, w.buf.p, w.buf.len);
    OBJ_CHECK(a.code == 0 && a.start == 11 && a.job != 0, "a good OPEN");
    uint64_t id = a.job;
    w.buf.p[0] ^= 0xff; /* bad magic: unreadable, answered with sequence 0 */
    a = obj_exchange(rt, w.buf.p, w.buf.len);
    OBJ_CHECK(a.code == RP_EPROTO && a.start == 0, "bad magic");
    w.buf.p[0] ^= 0xff;
    a = obj_exchange(rt, w.buf.p, w.buf.len - 8); /* truncated */
    OBJ_CHECK(a.code == RP_EPROTO && a.start == 0, "truncated");
    /* A header whose count lies about the fields. */
    w.buf.p[32] = 9;
    a = obj_exchange(rt, w.buf.p, w.buf.len);
    OBJ_CHECK(a.code == RP_EPROTO && a.start == 11, "count lies");
    w.buf.p[32] = 4;
    /* A bytes field whose length runs past the body. */
    w.buf.p[RP__HDR_SIZE + 14] = 0x40;
    a = obj_exchange(rt, w.buf.p, w.buf.len);
    OBJ_CHECK(a.code == RP_EPROTO && a.start == 11, "length lies");
    rp__buf_free(&w.buf);
    /* Unknown operation; unknown object; a huge count with no body. */
    uint8_t m[RP__HDR_SIZE];
    rp__hdr h = {.kind = RP__MSG_OBJ_REQ, .code = 9999, .job = id, .start = 12};
    rp__hdr_encode(m, &h);
    a = obj_exchange(rt, m, sizeof m);
    OBJ_CHECK(a.code == RP_EPROTO && a.start == 12, "unknown operation");
    h = (rp__hdr){.kind = RP__MSG_OBJ_REQ, .code = RP__OP_D_LEN, .job = id ^ 0x5, .start = 13};
    rp__hdr_encode(m, &h);
    a = obj_exchange(rt, m, sizeof m);
    OBJ_CHECK(a.code == RP_EBADF && a.start == 13, "unknown object");
    h = (rp__hdr){.kind = RP__MSG_OBJ_REQ,
                  .code = RP__OP_D_GETMANY,
                  .job = id,
                  .start = 14,
                  .count = 1u << 24};
    rp__hdr_encode(m, &h);
    a = obj_exchange(rt, m, sizeof m);
    OBJ_CHECK(a.code == RP_EPROTO && a.start == 14, "huge count");
    /* Still serving. */
    h = (rp__hdr){.kind = RP__MSG_OBJ_REQ, .code = RP__OP_D_LEN, .job = id, .start = 15};
    rp__hdr_encode(m, &h);
    a = obj_exchange(rt, m, sizeof m);
    OBJ_CHECK(a.code == 0 && a.start == 15 && a.count == 1, "a good request after garbage");
    return failed;
}

static void fake_worker(rp_runtime *rt) {
    int chunk = 0, inits = 0;
    for (;;) {
        MPI_Status st;
        int n;
        MPI_Probe(0, MPI_ANY_TAG, rt->comm, &st);
        MPI_Get_count(&st, MPI_BYTE, &n);
        uint8_t *m = malloc((size_t)n);
        MPI_Recv(m, n, MPI_BYTE, 0, st.MPI_TAG, rt->comm, MPI_STATUS_IGNORE);
        rp__hdr h;
        rp__hdr_decode(m, (size_t)n, &h);
        if (h.kind == RP__MSG_SHUTDOWN) {
            free(m);
            /* A worker answers SHUTDOWN when it leaves its loop. */
            uint8_t a[RP__HDR_SIZE];
            rp__hdr ah = {.kind = RP__MSG_SHUTDOWN};
            rp__hdr_encode(a, &ah);
            MPI_Send(a, RP__HDR_SIZE, MPI_BYTE, 0, RP__MSG_SHUTDOWN, rt->comm);
            return;
        }
        if (h.kind == RP__MSG_POOL_INIT) {
            uint8_t a[RP__HDR_SIZE];
            rp__hdr ah = {.kind = RP__MSG_POOL_ACK, .pool = h.pool};
            rp__hdr_encode(a, &ah);
            if (inits++ == 0)
                a[1] ^= 0x55; /* the first pool gets a garbled answer */
            send(rt, a, sizeof a, RP__MSG_POOL_ACK);
        } else if (h.kind == RP__MSG_TASK) {
            rp__rwriter w;
            rp__rwriter_init(&w, &h);
            rp__exec_chunk(&rt->tasks, rt->rank, &h, m + RP__HDR_SIZE, NULL, NULL, &w);
            switch (chunk++ % NCASES) {
            case BAD_MAGIC:
                w.buf.p[0] ^= 0xff;
                break;
            case TRUNCATED:
                w.buf.len = 40;
                break;
            case KIND_NOT_TAG:
                w.buf.p[4] = RP__MSG_POOL_ACK;
                break;
            case WRONG_JOB:
                w.buf.p[16] ^= 1;
                break;
            case SAYS_UNREADABLE: {
                rp__hdr none = {.kind = RP__MSG_RESULT};
                rp__hdr_encode(w.buf.p, &none);
                w.buf.len = RP__HDR_SIZE;
                break;
            }
            case BAD_TABLE:
                w.buf.p[RP__HDR_SIZE] = 0xee; /* unknown item status */
                break;
            }
            send(rt, w.buf.p, w.buf.len, RP__MSG_RESULT);
            rp__buf_free(&w.buf);
        }
        free(m);
    }
}

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(square)};
    rp_options o = RP_OPTIONS_INIT;
    o.tasks = tasks;
    o.ntasks = 1;
    rp_runtime *rt;
    if (rp_init(&rt, &argc, &argv, &o) != 0)
        return 1;
    if (rp_size(rt) != 2) {
        if (rp_is_manager(rt))
            fprintf(stderr, "test_garbage needs exactly 2 ranks\n");
        rp_finalize(rt);
        return 1;
    }
    if (!rp_is_manager(rt)) {
        int bad = object_garbage(rt);
        fake_worker(rt);
        rt->served = 1; /* the fake loop took SHUTDOWN */
        return rp_finalize(rt) == 0 && bad == 0 ? 0 : 1;
    }
    int failed = 0, passed = 0;
#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "FAIL: %s (%s)\n", what, rp_last_error());                             \
        }                                                                                          \
    } while (0)

    rp_pool *pool = NULL;
    int rc = rp_pool_create(rt, NULL, &pool);
    CHECK(rc == RP_EINIT && pool == NULL, "a garbled POOL_ACK fails pool creation");
    CHECK(strstr(rp_last_error(), "malformed POOL_ACK") != NULL, "and says why");
    rc = rp_pool_create(rt, NULL, &pool);
    CHECK(rc == 0, "the next pool is created");
    for (int round = 0; rc == 0 && round < 2; round++)
        for (int k = 0; k < NCASES; k++) {
            int64_t x = 7, y = 0;
            rp_call_options co = RP_CALL_OPTIONS_INIT;
            co.timeout = 10.0; /* a hang would show as RP_ETIMEDOUT */
            int arc = rp_pool_apply(pool, "square", &x, sizeof x, &y, sizeof y, NULL, &co);
            char what[96];
            snprintf(what, sizeof what, "round %d: %s", round, case_names[k]);
            if (k == GOOD)
                CHECK(arc == 0 && y == 49, what);
            else
                CHECK(arc == RP_EPROTO, what);
        }
    rp_pool_destroy(pool);
    int frc = rp_finalize(rt);
    CHECK(frc == 0, "clean shutdown");
    printf("garbage: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
