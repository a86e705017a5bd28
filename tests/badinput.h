/*
 * The bad-input table (tests/test_badinput.c runs it): rows of one public
 * function called with one bad argument each, and the code it must return.
 * Rows live by area in badinput_*.c; every public function of
 * lib/include/rankpool/ (any .h) needs at least one, or the test fails naming it.
 *
 * Adding a row: pick the function's driver (a small function that makes the
 * call from the row's fields, next to its rows) or write one, then one line:
 *
 *     {"rp_queue_get", d_queue_get, "NaN timeout", RP_EINVAL, .t = NAN},
 *
 * A driver builds every argument from the row: BI_RT is the runtime (NULL
 * when .rt is set), BI_OUT(p) an output pointer (NULL when .null is set),
 * BI_ID(q) a handle's id as .h asks (fixture q's, or a zero, another
 * kind's, a destroyed or a forged one; bi_array the same for an array's
 * whole handle), BI_KEY and BI_VAL a key and a value as
 * .k and .v ask; .t is a timeout, .i an integer, .n a size, .s a string.
 * A driver returns what the call returned, or for a call that returns no
 * code, 0 when it answered as documented and 1 when not.
 */
#ifndef RP_TEST_BADINPUT_H
#define RP_TEST_BADINPUT_H

#include <rankpool.h>

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* The objects every row may aim at, opened by rank 0's main and copied into
 * the tasks' arguments (handles are plain values); the _gone ones are
 * destroyed before the rows run. */
typedef struct bi_fix {
    rp_dict d, d_gone;
    rp_list l, l_gone;
    rp_ns n, n_gone;
    rp_queue q, q_gone, q_simple;
    rp_lock k, k_gone;
    rp_sem s, s_gone;
    rp_event e, e_gone;
    rp_cond c, c_gone;
    rp_barrier b, b_gone;
    rp_conn p0, p1, p_gone, p_recv; /* p_recv: the receive-only end of a one-way pipe */
    rp_array a, a_gone, a_int32, a_double;
} bi_fix;

/* Where the rows run. */
enum { BI_MAIN = 1, BI_TASK = 2 };

/* One context running the table. */
typedef struct bi {
    rp_runtime *rt;
    bi_fix f;
    int where;        /* BI_MAIN or BI_TASK */
    int one_rank;     /* a one-rank job (a task then runs on the manager thread) */
    rp_task_ctx *ctx; /* in a task */
    rp_pool *pool;    /* main only: an open pool */
    rp_result *res;   /* main only: a completed apply */
    rp_process *proc; /* main only: a process that ran and ended */
    rp_value v;       /* scratch outputs */
    rp_items items;
    int vout, iout; /* the call was given v / items (BI_VOUT, BI_IOUT) */
    int64_t i64;
    double dbl;
    size_t sz;
    char buf[64];
} bi;

/* Handle variants (.h). */
enum { H_OK = 0, H_ZERO, H_KIND, H_GONE, H_FORGED };
/* Key variants (.k) and value variants (.v). */
enum { K_OK = 0, K_NULL };
enum { V_OK = 0, V_NONE, V_BADTYPE, V_NULLBYTES, V_TOOBIG };
/* String variants (.s): a name, a task's name, an attribute. */
enum { S_OK = 0, S_NULL, S_EMPTY, S_LONG, S_OTHERKIND, S_MISSING };

typedef struct bi_row bi_row;
typedef int (*bi_driver)(bi *b, const bi_row *r);

struct bi_row {
    const char *fn;   /* the public function */
    bi_driver call;   /* makes the call */
    const char *what; /* the bad input */
    int want;         /* the code it must return */
    /* The code in a task, when it differs (else want): a function of the
     * context, e.g. RP_ENOTMANAGER on a worker rank. */
    int (*want_in)(const bi *b, const bi_row *r);
    /* the answer everywhere, when it depends on the job's layout (NULL: want) */
    int (*want_job)(const bi *b, const bi_row *r);
    int only; /* 0: everywhere; BI_MAIN: rank 0's main only (it uses
                 rank 0's pointers); BI_ONE_RANK: one-rank jobs only */
    /* inputs */
    int rt;    /* 1: NULL runtime */
    int h;     /* a handle variant */
    int null;  /* 1: the output pointer is NULL */
    double t;  /* a timeout */
    int64_t i; /* an integer argument */
    size_t n;  /* a size or count */
    int s;     /* a string variant */
    int k, v;  /* a key and a value variant */
};

#define BI_ONE_RANK 4

/* A code no call returns: a driver's report that a refused call left its
 * output pointer as it found it (BI_POISON), so that freeing it would free
 * garbage.  Every output must be set (NULL, RP_T_NONE, empty) whatever the
 * call returns. */
#define BI_UNDEF 999
#define BI_POISON ((void *)(uintptr_t)0xa5a5a5a5a5a5a5a5ull)
static inline int bi_left(int rc, const void *out) {
    return rc != 0 && out != NULL ? BI_UNDEF : rc;
}

/* What a driver builds from its row (uses its parameters b and r). */
#define BI_RT (r->rt ? NULL : b->rt)
#define BI_OUT(p) (r->null ? NULL : (p))
/* The scratch value and batch as outputs: poisoned before the call, and
 * checked after it (set, or left owning nothing). */
#define BI_VOUT (r->null ? NULL : (b->vout = 1, &b->v))
#define BI_IOUT (r->null ? NULL : (b->iout = 1, &b->items))
#define BI_ID(name) bi_id(b, r, b->f.name.id, b->f.name##_gone.id)
#define BI_KEY bi_key(r)
#define BI_VAL bi_val(r)
#define BI_STR(ok) bi_str(r, ok)

uint64_t bi_id(const bi *b, const bi_row *r, uint64_t ok, uint64_t gone);
rp_array bi_array(const bi *b, const bi_row *r, rp_array ok);
rp_key bi_key(const bi_row *r);
rp_value bi_val(const bi_row *r);
const char *bi_str(const bi_row *r, const char *ok);

/* want_in helpers. */
int bi_rank0_only(const bi *b, const bi_row *r); /* a rank-0 main thread's call */

/* The rows every call on a handle of a family gets: a NULL runtime, and a
 * zero, another kind's, a destroyed and a forged handle. */
#define BI_HANDLE_ROWS(f, drv)                                                                     \
    {#f, drv, "NULL runtime", RP_EINVAL, .rt = 1},                                                 \
        {#f, drv, "zero handle", RP_EBADF, .h = H_ZERO},                                           \
        {#f, drv, "another kind's handle", RP_ETYPE, .h = H_KIND},                                 \
        {#f, drv, "destroyed object's handle", RP_ENOENT, .h = H_GONE}, {                          \
#f, drv, "forged handle", RP_EBADF, .h = H_FORGED                                          \
    }

/* The timeouts the rule refuses (RP_FOREVER, 0, finite > 0 only). */
#define BI_TIMEOUT_ROWS(f, drv)                                                                    \
    {#f, drv, "NaN timeout", RP_EINVAL, .t = NAN}, {#f, drv, "timeout -2", RP_EINVAL, .t = -2.0},  \
        {#f, drv, "timeout -0.5", RP_EINVAL, .t = -0.5},                                           \
        {#f, drv, "infinite timeout", RP_EINVAL, .t = INFINITY}, {                                 \
#f, drv, "timeout -infinity", RP_EINVAL, .t = -INFINITY                                    \
    }

/* The tables, by area; each ends with a row whose fn is NULL. */
extern const bi_row bi_rows_objects[];
extern const bi_row bi_rows_sync[];
extern const bi_row bi_rows_array[];
extern const bi_row bi_rows_runtime[];
extern const bi_row bi_rows_more[];

/* Names the fixtures are opened under (a name of another kind: S_OTHERKIND). */
#define BI_NAME_DICT "bi.dict"
#define BI_NAME_QUEUE "bi.queue"

#endif /* RP_TEST_BADINPUT_H */
