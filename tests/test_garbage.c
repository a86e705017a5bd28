/*
 * Garbage on the wire: rank 1 is a fake worker that answers the manager
 * with malformed messages, one kind per call.  Each call must fail with
 * RP_EPROTO (never hang, never crash), the pool must keep working, and the
 * job must shut down cleanly.  Run under mpiexec -n 2.
 */
#include "internal.h"

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
        fake_worker(rt);
        rt->served = 1; /* the fake loop took SHUTDOWN */
        return rp_finalize(rt) == 0 ? 0 : 1;
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
