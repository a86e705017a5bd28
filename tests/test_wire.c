/*
 * Unit tests without MPI: the wire protocol (encode, decode, every
 * validation), the executor writing results, chunk sizing, the error table,
 * and the arrays that grow (base/grow.c).
 */
#include "worker/worker.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_header_roundtrip(void **state) {
    (void)state;
    uint8_t m[RP__HDR_SIZE + 5];
    rp__hdr h = {.kind = RP__MSG_TASK,
                 .flags = 7,
                 .pool = 0xdeadbeef,
                 .code = -3,
                 .job = 0x0102030405060708ull,
                 .start = 99,
                 .count = 5,
                 .item_size = 1,
                 .body_len = 5};
    rp__hdr_encode(m, &h);
    rp__hdr d;
    assert_int_equal(rp__hdr_decode(m, sizeof m, &d), 0);
    assert_int_equal(d.kind, RP__MSG_TASK);
    assert_int_equal(d.flags, 7);
    assert_true(d.pool == 0xdeadbeef);
    assert_int_equal(d.code, -3);
    assert_true(d.job == 0x0102030405060708ull);
    assert_int_equal(d.start, 99);
    assert_int_equal(d.count, 5);
    assert_int_equal(d.item_size, 1);
    /* Little-endian on the wire, whatever the host. */
    assert_int_equal(m[0], 'R');
    assert_int_equal(m[3], '1');
    assert_int_equal(m[16], 0x08);
}

static void test_header_rejects_garbage(void **state) {
    (void)state;
    uint8_t m[RP__HDR_SIZE + 8];
    rp__hdr h = {.kind = RP__MSG_RESULT, .count = 1, .body_len = 8}, d;
    rp__hdr_encode(m, &h);
    assert_int_equal(rp__hdr_decode(m, sizeof m, &d), 0);
    /* too short, wrong total length */
    assert_int_equal(rp__hdr_decode(m, RP__HDR_SIZE - 1, &d), RP_EPROTO);
    assert_int_equal(rp__hdr_decode(m, sizeof m - 1, &d), RP_EPROTO);
    assert_int_equal(rp__hdr_decode(NULL, sizeof m, &d), RP_EPROTO);
    /* bad magic */
    m[0] ^= 1;
    assert_int_equal(rp__hdr_decode(m, sizeof m, &d), RP_EPROTO);
    m[0] ^= 1;
    /* unknown kinds */
    h.kind = RP__MSG_COUNT;
    rp__hdr_encode(m, &h);
    assert_int_equal(rp__hdr_decode(m, sizeof m, &d), RP_EPROTO);
    h.kind = RP__MSG_NONE;
    rp__hdr_encode(m, &h);
    assert_int_equal(rp__hdr_decode(m, sizeof m, &d), RP_EPROTO);
    /* absurd count */
    h.kind = RP__MSG_TASK;
    h.count = RP__MAX_COUNT + 1;
    rp__hdr_encode(m, &h);
    assert_int_equal(rp__hdr_decode(m, sizeof m, &d), RP_EPROTO);
}

static void test_msg_names(void **state) {
    (void)state;
    assert_string_equal(rp__msg_name(RP__MSG_TASK), "TASK");
    assert_string_equal(rp__msg_name(RP__MSG_SHUTDOWN), "SHUTDOWN");
    assert_string_equal(rp__msg_name(RP__MSG_COUNT), "?");
    assert_string_equal(rp__msg_name(-1), "?");
}

/* Build a variable-item TASK message the way the manager lays it out. */
static size_t build_var_task(uint8_t *m, const char *const *items, uint32_t n) {
    size_t table = rp__pad((size_t)n * 8), off = RP__HDR_SIZE + table;
    memset(m, 0, off);
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]);
        for (int b = 0; b < 8; b++)
            m[RP__HDR_SIZE + i * 8 + b] = (uint8_t)(len >> (8 * b));
        memcpy(m + off, items[i], len);
        off += len;
        if (i + 1 < n) {
            memset(m + off, 0, rp__pad(off) - off);
            off = rp__pad(off);
        }
    }
    rp__hdr h = {.kind = RP__MSG_TASK, .count = n, .body_len = off - RP__HDR_SIZE};
    rp__hdr_encode(m, &h);
    return off;
}

static void test_variable_items(void **state) {
    (void)state;
    const char *items[] = {"hello", "", "a somewhat longer item of text", "x"};
    uint8_t m[512];
    size_t len = build_var_task(m, items, 4);
    rp__hdr h;
    assert_int_equal(rp__hdr_decode(m, len, &h), 0);
    rp__reader r;
    assert_int_equal(rp__reader_init(&r, &h, m + RP__HDR_SIZE), 0);
    const void *d;
    size_t n;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rp__reader_next(&r, &d, &n, NULL, NULL), 1);
        assert_int_equal(n, strlen(items[i]));
        if (n > 0)
            assert_memory_equal(d, items[i], n);
        assert_int_equal(((uintptr_t)d - (uintptr_t)(m + RP__HDR_SIZE)) % RP__ALIGN, 0);
    }
    assert_int_equal(rp__reader_next(&r, &d, &n, NULL, NULL), 0);
}

static void test_variable_items_rejects_bad_lengths(void **state) {
    (void)state;
    const char *items[] = {"hello", "world"};
    uint8_t m[256];
    size_t len = build_var_task(m, items, 2);
    rp__hdr h;
    rp__reader r;
    assert_int_equal(rp__hdr_decode(m, len, &h), 0);
    /* A length that runs past the body. */
    m[RP__HDR_SIZE + 8] = 200;
    assert_int_equal(rp__reader_init(&r, &h, m + RP__HDR_SIZE), RP_EPROTO);
    /* A huge length (overflow attempt). */
    memset(m + RP__HDR_SIZE + 8, 0xff, 8);
    assert_int_equal(rp__reader_init(&r, &h, m + RP__HDR_SIZE), RP_EPROTO);
    /* Lengths that leave bytes over. */
    m[RP__HDR_SIZE + 8] = 1;
    memset(m + RP__HDR_SIZE + 9, 0, 7);
    assert_int_equal(rp__reader_init(&r, &h, m + RP__HDR_SIZE), RP_EPROTO);
    /* A table bigger than the body. */
    rp__hdr big = h;
    big.count = 1000;
    assert_int_equal(rp__reader_init(&r, &big, m + RP__HDR_SIZE), RP_EPROTO);
    /* A zero count, and a kind that has no items. */
    rp__hdr zero = h;
    zero.count = 0;
    assert_int_equal(rp__reader_init(&r, &zero, m + RP__HDR_SIZE), RP_EPROTO);
    rp__hdr ctrl = h;
    ctrl.kind = RP__MSG_POOL_INIT;
    assert_int_equal(rp__reader_init(&r, &ctrl, m + RP__HDR_SIZE), RP_EPROTO);
}

static void test_fixed_items(void **state) {
    (void)state;
    int32_t rec[3] = {10, 20, 30};
    rp__hdr h = {.kind = RP__MSG_TASK, .count = 3, .item_size = 4, .body_len = 12};
    rp__reader r;
    assert_int_equal(rp__reader_init(&r, &h, rec), 0);
    const void *d;
    size_t n;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rp__reader_next(&r, &d, &n, NULL, NULL), 1);
        assert_int_equal(n, 4);
        assert_int_equal(*(const int32_t *)d, rec[i]);
    }
    h.body_len = 11;
    assert_int_equal(rp__reader_init(&r, &h, rec), RP_EPROTO);
    /* count * item_size must not wrap around */
    h.count = 1u << 20;
    h.item_size = 1u << 31;
    h.body_len = 0;
    assert_int_equal(rp__reader_init(&r, &h, rec), RP_EPROTO);
}

/* Tasks used through the executor. */
static int t_double(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(int32_t))
        return rp_fail(ctx, 22, "want 4 bytes, got %zu", size);
    int32_t v = *(const int32_t *)arg * 2;
    return rp_return(ctx, &v, sizeof v);
}
static int t_fail_plain(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)arg;
    (void)size;
    return 5;
}
static int t_index(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)arg;
    (void)size;
    uint64_t *p = rp_return_buffer(ctx, 8);
    if (p == NULL)
        return -1;
    *p = rp_task_index(ctx) + 1000u * (unsigned)rp_task_rank(ctx);
    return 0;
}
static const rp_task_def defs[] = {RP_TASK(t_double), RP_TASK(t_fail_plain), RP_TASK(t_index)};
static const rp__tasks table = {defs, 3, NULL};

static void test_executor_results(void **state) {
    (void)state;
    int32_t rec[3] = {1, 2, 3};
    rp__hdr h = {.kind = RP__MSG_TASK,
                 .pool = 4,
                 .code = 0,
                 .job = 77,
                 .start = 10,
                 .count = 3,
                 .item_size = 4,
                 .body_len = 12};
    rp__rwriter w;
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 2, &h, rec, NULL, NULL, &w), 0);
    rp__hdr rh;
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rh.kind, RP__MSG_RESULT);
    assert_int_equal(rh.job, 77);
    assert_int_equal(rh.start, 10);
    assert_int_equal(rh.pool, 4);
    rp__reader r;
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    const void *d;
    size_t n;
    int st;
    int32_t code;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
        assert_int_equal(st, RP__ST_OK);
        assert_int_equal(n, 4);
        assert_int_equal(*(const int32_t *)d, 2 * rec[i]);
    }
    rp__buf_free(&w.buf);
}

/* A chunk whose items all succeed with one result size, when the task
 * allows it, is answered dense: count * size bytes, no table, read back as
 * fixed-size items; one failure, another size, or no permission keeps the
 * table; a dense body that does not add up is refused. */
static void test_dense_results(void **state) {
    (void)state;
    int32_t rec[5] = {1, 2, 3, 4, 5};
    rp__hdr h = {.kind = RP__MSG_TASK,
                 .flags = RP__TASK_DENSE,
                 .code = 0,
                 .job = 9,
                 .start = 100,
                 .count = 5,
                 .item_size = 4,
                 .body_len = 20};
    rp__rwriter w;
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 1, &h, rec, NULL, NULL, &w), 0);
    rp__hdr rh;
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rh.item_size, 4);
    assert_int_equal(rh.body_len, 20);
    rp__reader r;
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    const void *d;
    size_t n;
    int st;
    int32_t code;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
        assert_int_equal(st, RP__ST_OK);
        assert_int_equal(code, 0);
        assert_int_equal(n, 4);
        assert_int_equal(*(const int32_t *)d, 2 * rec[i]);
    }
    assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 0);
    /* A lie about the size: refused before anything is read. */
    rh.item_size = 8;
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), RP_EPROTO);
    rp__buf_free(&w.buf);

    /* Without the task's permission: the table stays. */
    h.flags = 0;
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 1, &h, rec, NULL, NULL, &w), 0);
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rh.item_size, 0);
    rp__buf_free(&w.buf);

    /* A failed item keeps the table, with its message. */
    uint8_t odd[5] = {1, 1, 1, 1, 1};
    h = (rp__hdr){.kind = RP__MSG_TASK,
                  .flags = RP__TASK_DENSE,
                  .code = 0,
                  .count = 5,
                  .item_size = 1,
                  .body_len = 5};
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 1, &h, odd, NULL, NULL, &w), 0);
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rh.item_size, 0);
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
    assert_int_equal(st, RP__ST_FAILED);
    rp__buf_free(&w.buf);

    /* Results of two sizes keep the table too (written by hand here). */
    h = (rp__hdr){.kind = RP__MSG_TASK,
                  .flags = RP__TASK_DENSE,
                  .code = 2,
                  .start = 0,
                  .count = 3,
                  .item_size = 1,
                  .body_len = 3};
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    rp__rwriter_commit(&w, RP__ST_OK, 0, 0);
    memcpy(rp__rwriter_room(&w, 2), "ab", 2);
    rp__rwriter_commit(&w, RP__ST_OK, 0, 2);
    memcpy(rp__rwriter_room(&w, 2), "cd", 2);
    rp__rwriter_commit(&w, RP__ST_OK, 0, 2);
    rp__rwriter_finish(&w, 0);
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rh.item_size, 0);
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
    assert_int_equal(n, 0);
    assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
    assert_memory_equal(d, "ab", 2);
    rp__buf_free(&w.buf);
}

/* Says "cancel" from the second time it is asked on. */
static int cancel_after_one(void *arg) {
    int *asked = arg;
    return ++*asked > 1;
}

static void test_executor_failures_and_cancel(void **state) {
    (void)state;
    /* Wrong-size argument: the task's own code and message come back. */
    uint8_t two[2] = {0};
    rp__hdr h = {.kind = RP__MSG_TASK, .code = 0, .count = 1, .item_size = 2, .body_len = 2};
    rp__rwriter w;
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 1, &h, two, NULL, NULL, &w), 0);
    rp__hdr rh;
    rp__reader r;
    const void *d;
    size_t n;
    int st;
    int32_t code;
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
    assert_int_equal(st, RP__ST_FAILED);
    assert_int_equal(code, 22);
    assert_int_equal(n, strlen("want 4 bytes, got 2"));
    assert_memory_equal(d, "want 4 bytes, got 2", n);
    rp__buf_free(&w.buf);

    /* A plain non-zero return gets a default message naming the task. */
    h.code = 1;
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 1, &h, two, NULL, NULL, &w), 0);
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
    assert_int_equal(code, 5);
    assert_memory_equal(d, "task 't_fail_plain' returned 5", n);
    rp__buf_free(&w.buf);

    /* Canceled after the first item: it ran, the rest are skipped, and the
     * callback is not asked again once it said yes. */
    int asked = 0;
    h.code = 2;
    h.count = 4;
    h.item_size = 1;
    h.body_len = 4;
    uint8_t four[4] = {0};
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 1, &h, four, cancel_after_one, &asked, &w), 0);
    assert_int_equal(asked, 2);
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
    assert_int_equal(st, RP__ST_OK);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(rp__reader_next(&r, &d, &n, &st, &code), 1);
        assert_int_equal(st, RP__ST_CANCELED);
        assert_int_equal(code, RP_ECANCELED);
    }
    rp__buf_free(&w.buf);

    /* A task index outside the table is a protocol error, not a crash. */
    h.code = 3;
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 1, &h, two, NULL, NULL, &w), RP_EPROTO);
    rp__buf_free(&w.buf);
}

static void test_result_reader_rejects_bad_status(void **state) {
    (void)state;
    int32_t rec[1] = {4};
    rp__hdr h = {.kind = RP__MSG_TASK, .code = 2, .count = 1, .item_size = 4, .body_len = 4};
    rp__rwriter w;
    assert_int_equal(rp__rwriter_init(&w, &h), 0);
    assert_int_equal(rp__exec_chunk(&table, 3, &h, rec, NULL, NULL, &w), 0);
    rp__hdr rh;
    rp__reader r;
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &rh), 0);
    const void *d;
    size_t n;
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), 0);
    assert_int_equal(rp__reader_next(&r, &d, &n, NULL, NULL), 1);
    assert_int_equal(*(const uint64_t *)d, 3000u); /* index 0 on rank 3 */
    w.buf.p[RP__HDR_SIZE] = RP__ST_COUNT;          /* unknown status */
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), RP_EPROTO);
    w.buf.p[RP__HDR_SIZE] = RP__ST_FAILED; /* failure with a message too long */
    memset(w.buf.p + RP__HDR_SIZE + 8, 0, 8);
    w.buf.p[RP__HDR_SIZE + 9] = 0x10; /* 4096 bytes */
    assert_int_equal(rp__reader_init(&r, &rh, w.buf.p + RP__HDR_SIZE), RP_EPROTO);
    rp__hdr fixed = rh;
    fixed.item_size = 8; /* results are never fixed-size */
    assert_int_equal(rp__reader_init(&r, &fixed, w.buf.p + RP__HDR_SIZE), RP_EPROTO);
    rp__buf_free(&w.buf);
}

/* Every prefix and every single-byte corruption of a valid message is either
 * accepted or rejected, never read out of bounds (run under ASan). */
static void test_mutations_stay_in_bounds(void **state) {
    (void)state;
    const char *items[] = {"alpha", "beta", "gamma delta"};
    uint8_t good[256];
    size_t len = build_var_task(good, items, 3);
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *m = malloc(cut ? cut : 1);
        memcpy(m, good, cut);
        rp__hdr h;
        if (rp__hdr_decode(m, cut, &h) == 0) {
            rp__reader r;
            if (rp__reader_init(&r, &h, m + RP__HDR_SIZE) == 0) {
                const void *d;
                size_t n;
                while (rp__reader_next(&r, &d, &n, NULL, NULL))
                    assert_true((const uint8_t *)d + n <= m + cut);
            }
        }
        free(m);
    }
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        uint8_t *m = malloc(len);
        memcpy(m, good, len);
        seed = seed * 1103515245u + 12345u;
        m[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 4) % 8));
        rp__hdr h;
        if (rp__hdr_decode(m, len, &h) == 0) {
            rp__reader r;
            if (rp__reader_init(&r, &h, m + RP__HDR_SIZE) == 0) {
                const void *d;
                size_t n;
                while (rp__reader_next(&r, &d, &n, NULL, NULL))
                    assert_true((const uint8_t *)d + n <= m + len);
            }
        }
        free(m);
    }
}

static void test_default_chunksize(void **state) {
    (void)state;
    /* Python: chunksize, extra = divmod(len, 4 * workers); if extra: chunksize += 1 */
    assert_int_equal(rp__default_chunksize(100, 3), 9);
    assert_int_equal(rp__default_chunksize(96, 3), 8);
    assert_int_equal(rp__default_chunksize(3, 5), 1);
    assert_int_equal(rp__default_chunksize(0, 5), 1);
    assert_int_equal(rp__default_chunksize(10, 0), 3);
}

static void test_error_table(void **state) {
    (void)state;
    assert_string_equal(rp_err_name(RP_ETIMEDOUT), "RP_ETIMEDOUT");
    assert_string_equal(rp_strerror(RP_ETIMEDOUT), "timed out");
    assert_string_equal(rp_err_name(0), "RP_OK");
    assert_string_equal(rp_err_name(12345), "RP_UNKNOWN");
    assert_string_equal(rp_strerror(-12345), "unknown error");
    /* Every code in range has its own name and a message. */
    for (int c = -1; c > RP_ERR_LAST; c--) {
        assert_string_not_equal(rp_err_name(c), "RP_UNKNOWN");
        assert_string_not_equal(rp_strerror(c), "unknown error");
        for (int d = c - 1; d > RP_ERR_LAST; d--)
            assert_string_not_equal(rp_err_name(c), rp_err_name(d));
    }
    assert_string_equal(rp_err_name(RP_ERR_LAST), "RP_UNKNOWN");
    rp__err(RP_EINVAL, "detail %d", 42);
    assert_string_equal(rp_last_error(), "detail 42");
    rp__err_clear();
    assert_string_equal(rp_last_error(), "");
}

static void test_growth(void **state) {
    (void)state;
    /* A plain array: untouched while it has room, then doubled (from
     * first) until it holds what is needed. */
    size_t cap = 0;
    int *v = rp__grow(NULL, &cap, 1, sizeof *v, 4);
    assert_non_null(v);
    assert_int_equal(cap, 4);
    for (int i = 0; i < 4; i++)
        v[i] = i;
    assert_ptr_equal(rp__grow(v, &cap, 4, sizeof *v, 4), v);
    v = rp__grow(v, &cap, 17, sizeof *v, 4);
    assert_non_null(v);
    assert_int_equal(cap, 32);
    for (int i = 0; i < 4; i++)
        assert_int_equal(v[i], i);
    /* a size that cannot be allocated: NULL, the array as it was */
    assert_null(rp__grow(v, &cap, SIZE_MAX / 2, sizeof *v, 4));
    assert_int_equal(cap, 32);
    free(v);

    /* A ring: room while not full; full, its elements come in order from
     * index 0 of an array twice as large, wherever its head was. */
    size_t rcap = 0, head = 0, len = 0;
    int *r = rp__ring_grow(NULL, &rcap, &head, len, sizeof *r, 4);
    assert_non_null(r);
    assert_int_equal(rcap, 4);
    for (int i = 0; i < 4; i++)
        r[i] = -1;
    head = 3; /* elements 10, 11, 12, 13 wrap around the end */
    for (int i = 0; i < 4; i++)
        r[(head + len++) % rcap] = 10 + i;
    assert_ptr_equal(rp__ring_grow(r, &rcap, &head, 3, sizeof *r, 4), r);
    r = rp__ring_grow(r, &rcap, &head, len, sizeof *r, 4);
    assert_non_null(r);
    assert_int_equal(rcap, 8);
    assert_int_equal(head, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(r[i], 10 + i);
    free(r);
}

static void test_task_find_and_fail(void **state) {
    (void)state;
    assert_int_equal(rp__task_find(&table, "t_index"), 2);
    assert_int_equal(rp__task_find(&table, "nope"), -1);
    assert_int_equal(rp__task_find(&table, NULL), -1);
    assert_int_equal(rp_fail(NULL, 0, "x"), -1); /* 0 is not a failure code */
    assert_int_equal(rp_fail(NULL, 9, NULL), 9);
    assert_int_equal(rp_return(NULL, "x", 1), RP_EINVAL);
    assert_null(rp_return_buffer(NULL, 4));
    assert_int_equal(rp_task_rank(NULL), -1);
}

/* A placement record: round trip, then every way a record can be wrong. */
/* PROC_START: the name, padded to 16, then the argument; all else refused. */
static void test_proc_start(void **state) {
    (void)state;
    uint8_t b[40] = "Proc";
    memcpy(b + 16, "argument", 8);
    rp__hdr h = {.kind = RP__MSG_PROC_START, .code = 1, .item_size = 4, .body_len = 24};
    const char *name;
    const void *arg;
    size_t nlen, alen;
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), 0);
    assert_int_equal(nlen, 4);
    assert_memory_equal(name, "Proc", 4);
    assert_ptr_equal(arg, b + 16);
    assert_int_equal(alen, 8);
    h.body_len = 16; /* no argument */
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), 0);
    assert_int_equal(alen, 0);
    h.body_len = 8; /* the name's padding cut short */
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), RP_EPROTO);
    h.body_len = 24;
    b[5] = 'x'; /* padding not zero */
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), RP_EPROTO);
    b[5] = 0;
    b[1] = 0; /* a NUL inside the name */
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), RP_EPROTO);
    b[1] = 'r';
    h.item_size = RP__MAX_PNAME + 1;
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), RP_EPROTO);
    h.item_size = 4;
    h.code = -1;
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), RP_EPROTO);
    h.code = 1;
    h.kind = RP__MSG_TASK;
    assert_int_equal(rp__proc_start_decode(&h, b, &name, &nlen, &arg, &alen), RP_EPROTO);
    assert_string_equal(rp__msg_name(RP__MSG_PROC_EXIT), "PROC_EXIT");
}

/* A TASK message of one 8-byte fixed item @p x, into @p m (56 bytes). */
static size_t one_task(uint8_t *m, uint64_t job, int64_t x) {
    rp__hdr h = {.kind = RP__MSG_TASK, .job = job, .count = 1, .item_size = 8, .body_len = 8};
    rp__hdr_encode(m, &h);
    memcpy(m + RP__HDR_SIZE, &x, 8);
    return RP__HDR_SIZE + 8;
}

static void test_batches(void **state) {
    (void)state;
    rp__buf b = {0};
    uint8_t m[RP__HDR_SIZE + 8];
    assert_int_equal(rp__batch_begin(&b), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(rp__batch_add(&b, m, one_task(m, 10 + (uint64_t)k, k * 7)), 0);
    rp__batch_finish(&b, RP__MSG_TASKS, 3);
    assert_int_equal(b.len, RP__HDR_SIZE + 3 * 64);
    rp__hdr h, ph;
    assert_int_equal(rp__hdr_decode(b.p, b.len, &h), 0);
    assert_int_equal(h.kind, RP__MSG_TASKS);
    rp__batch r;
    assert_int_equal(rp__batch_init(&r, &h, b.p + RP__HDR_SIZE), 0);
    const uint8_t *part;
    size_t len;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(rp__batch_next(&r, &ph, &part, &len), 1);
        assert_int_equal(ph.kind, RP__MSG_TASK);
        assert_int_equal(ph.job, 10 + k);
        assert_int_equal(len, RP__HDR_SIZE + 8);
        rp__reader rd;
        assert_int_equal(rp__reader_init(&rd, &ph, part + RP__HDR_SIZE), 0);
        const void *d;
        size_t dl;
        assert_int_equal(rp__reader_next(&rd, &d, &dl, NULL, NULL), 1);
        int64_t x;
        memcpy(&x, d, 8);
        assert_int_equal(x, k * 7);
    }
    assert_int_equal(rp__batch_next(&r, &ph, &part, &len), 0);
    /* The wrong part kind, a count that disagrees, one part only, trailing
     * bytes, a part that runs past the end, and a RESULTS of tasks. */
    rp__hdr bad = h;
    bad.kind = RP__MSG_RESULTS;
    assert_int_equal(rp__batch_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad = h;
    bad.count = 4;
    assert_int_equal(rp__batch_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad.count = 2;
    assert_int_equal(rp__batch_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad.count = 1;
    assert_int_equal(rp__batch_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad = h;
    bad.body_len -= 16;
    assert_int_equal(rp__batch_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad = h;
    bad.kind = RP__MSG_TASK;
    assert_int_equal(rp__batch_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    /* A part's body_len that points past the batch. */
    uint8_t *p2 = b.p + RP__HDR_SIZE + 64;
    uint64_t huge = 1u << 20;
    memcpy(p2 + 40, &huge, 8);
    assert_int_equal(rp__batch_init(&r, &h, b.p + RP__HDR_SIZE), RP_EPROTO);
    /* A part that is not a message at all. */
    memset(p2, 0, 64);
    assert_int_equal(rp__batch_init(&r, &h, b.p + RP__HDR_SIZE), RP_EPROTO);
    assert_int_equal(rp__batch_init(&r, &h, NULL), RP_EPROTO);
    rp__buf_free(&b);
}

/* A BUNDLE: routed whole messages for several ranks, read back in order;
 * every malformed shape refused. */
static void test_bundles(void **state) {
    (void)state;
    rp__buf b = {0};
    uint8_t m[RP__HDR_SIZE + 8];
    assert_int_equal(rp__batch_begin(&b), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(rp__bundle_add(&b, 5 + k, m, one_task(m, 20 + (uint64_t)k, k)), 0);
    rp__batch_finish(&b, RP__MSG_BUNDLE, 3);
    assert_int_equal(b.len, RP__HDR_SIZE + 3 * (RP__ROUTE_SIZE + 64));
    rp__hdr h, ph;
    assert_int_equal(rp__hdr_decode(b.p, b.len, &h), 0);
    assert_int_equal(h.kind, RP__MSG_BUNDLE);
    assert_string_equal(rp__msg_name(h.kind), "BUNDLE");
    rp__batch r;
    assert_int_equal(rp__bundle_init(&r, &h, b.p + RP__HDR_SIZE), 0);
    const uint8_t *part;
    size_t len;
    int rank;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(rp__bundle_next(&r, &rank, &ph, &part, &len), 1);
        assert_int_equal(rank, 5 + k);
        assert_int_equal(ph.kind, RP__MSG_TASK);
        assert_int_equal(ph.job, 20 + k);
        assert_int_equal(len, RP__HDR_SIZE + 8);
    }
    assert_int_equal(rp__bundle_next(&r, &rank, &ph, &part, &len), 0);
    /* A count that disagrees, none, trailing bytes, another kind, no body. */
    rp__hdr bad = h;
    bad.count = 4;
    assert_int_equal(rp__bundle_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad.count = 0;
    assert_int_equal(rp__bundle_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad = h;
    bad.body_len -= 16;
    assert_int_equal(rp__bundle_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    bad = h;
    bad.kind = RP__MSG_TASKS;
    assert_int_equal(rp__bundle_init(&r, &bad, b.p + RP__HDR_SIZE), RP_EPROTO);
    assert_int_equal(rp__bundle_init(&r, &h, NULL), RP_EPROTO);
    /* A route whose zero bytes are not, and a part that is no message. */
    uint8_t *route2 = b.p + RP__HDR_SIZE + RP__ROUTE_SIZE + 64;
    route2[7] = 1;
    assert_int_equal(rp__bundle_init(&r, &h, b.p + RP__HDR_SIZE), RP_EPROTO);
    route2[7] = 0;
    assert_int_equal(rp__bundle_init(&r, &h, b.p + RP__HDR_SIZE), 0);
    memset(route2 + RP__ROUTE_SIZE, 0, 64);
    assert_int_equal(rp__bundle_init(&r, &h, b.p + RP__HDR_SIZE), RP_EPROTO);
    rp__buf_free(&b);
}

static void test_placement_record(void **state) {
    (void)state;
    rp__prec p = {.v = {1, 4, RP_PLACE_SCATTER, RP_GRAIN_CORE, 1, 4, 1},
                  .s = {"node7", "0-1", "1", "1", "1", "0", "0", "1 package, 2 cores"}};
    size_t n = rp__prec_size(&p);
    assert_int_equal(n, 4 + 4 * RP__PI_COUNT + 6 + 4 + 2 + 2 + 2 + 2 + 2 + 19);
    uint8_t *m = malloc(n + 1);
    assert_non_null(m);
    rp__prec_encode(m, &p);
    rp__prec d;
    assert_int_equal(rp__prec_decode(m, n, &d), 0);
    for (int i = 0; i < RP__PI_COUNT; i++)
        assert_int_equal(d.v[i], p.v[i]);
    for (int i = 0; i < RP__PS_COUNT; i++)
        assert_string_equal(d.s[i], p.s[i]);
    /* strings point into the record */
    assert_ptr_equal(d.s[0], (const char *)m + 4 + 4 * RP__PI_COUNT);

    /* truncated anywhere, or a byte too many */
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(rp__prec_decode(m, cut, &d), RP_EPROTO);
    m[n] = 0;
    assert_int_equal(rp__prec_decode(m, n + 1, &d), RP_EPROTO);
    assert_int_equal(rp__prec_decode(NULL, n, &d), RP_EPROTO);
    /* bad magic; the last string unterminated */
    m[0] ^= 1;
    assert_int_equal(rp__prec_decode(m, n, &d), RP_EPROTO);
    m[0] ^= 1;
    m[n - 1] = 'x';
    assert_int_equal(rp__prec_decode(m, n, &d), RP_EPROTO);
    free(m);

    /* each integer out of range */
    static const struct {
        int field;
        int32_t value;
    } bad[] = {{RP__PI_NODE_RANK, -1}, {RP__PI_NODE_RANK, 4}, {RP__PI_NODE_SIZE, 0},
               {RP__PI_POLICY, 0},     {RP__PI_POLICY, 5},    {RP__PI_GRAIN, 0},
               {RP__PI_GRAIN, 3},      {RP__PI_UNITS, -2},    {RP__PI_SHARING, 0},
               {RP__PI_SHARING, 5},    {RP__PI_OVERSUB, 2},   {RP__PI_OVERSUB, -1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rp__prec q = p;
        q.v[bad[i].field] = bad[i].value;
        uint8_t buf[256];
        assert_true(rp__prec_size(&q) <= sizeof buf);
        rp__prec_encode(buf, &q);
        assert_int_equal(rp__prec_decode(buf, rp__prec_size(&q), &d), RP_EPROTO);
    }

    /* a string over the bound, or missing, cannot be encoded */
    char *big = malloc(RP__PREC_MAX_STR + 2);
    assert_non_null(big);
    memset(big, 'a', RP__PREC_MAX_STR + 1);
    big[RP__PREC_MAX_STR + 1] = '\0';
    rp__prec q = p;
    q.s[RP__PS_TOPOLOGY] = big;
    assert_int_equal(rp__prec_size(&q), 0);
    big[RP__PREC_MAX_STR] = '\0';
    assert_true(rp__prec_size(&q) > RP__PREC_MAX_STR);
    free(big);
    q.s[RP__PS_HOST] = NULL;
    assert_int_equal(rp__prec_size(&q), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_roundtrip),
        cmocka_unit_test(test_header_rejects_garbage),
        cmocka_unit_test(test_msg_names),
        cmocka_unit_test(test_variable_items),
        cmocka_unit_test(test_variable_items_rejects_bad_lengths),
        cmocka_unit_test(test_fixed_items),
        cmocka_unit_test(test_executor_results),
        cmocka_unit_test(test_dense_results),
        cmocka_unit_test(test_executor_failures_and_cancel),
        cmocka_unit_test(test_result_reader_rejects_bad_status),
        cmocka_unit_test(test_mutations_stay_in_bounds),
        cmocka_unit_test(test_default_chunksize),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_task_find_and_fail),
        cmocka_unit_test(test_placement_record),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_bundles),
        cmocka_unit_test(test_proc_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
