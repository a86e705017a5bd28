/*
 * The bad-input table (tests/badinput.h): every public function called with
 * bad arguments, each row stating the code it must return, from rank 0's
 * main and from tasks (on the worker ranks, or on rank 0's manager thread
 * in a one-rank job), the tasks' table many times in a row.  Every call runs
 * under an alarm: a call that hangs ends the test with its row's name
 * instead of holding CI up.  After each row the objects it aimed at must
 * still be there and work (a bad call leaves them untouched).
 *
 * The table is checked against the public headers first: a function
 * declared in lib/include/rankpool/ (any .h) without a row fails the test, named.
 *
 *   test_badinput          the table (any number of ranks, or none: ./prog)
 *   test_badinput --rows   only the check against the headers (no MPI)
 */
#include "badinput.h"

#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BI_INCLUDE_DIR
#error "BI_INCLUDE_DIR: the directory of the public headers (lib/include/rankpool)"
#endif

/* Seconds one call may take before it counts as hung: generous, for a
 * loaded machine; a call that answers at once takes microseconds. */
#define BI_ALARM 20
/* Passes of the table in each task (the hangs of a long run of calls). */
#define BI_TASK_PASSES 10
/* Bytes of a task's report. */
#define BI_REPORT 6000

static const bi_row *const tables[] = {bi_rows_objects, bi_rows_sync, bi_rows_array,
                                       bi_rows_runtime, bi_rows_more};
#define NTABLES (sizeof tables / sizeof *tables)

/* ---- inputs --------------------------------------------------------------------- */

uint64_t bi_id(const bi *b, const bi_row *r, uint64_t ok, uint64_t gone) {
    /* The id's layout (docs/objects.md): kind in the top 8 bits, then the
     * generation (32 bits) and the slot (24). */
    int kind = (int)(ok >> 56);
    switch (r->h) {
    case H_ZERO:
        return 0;
    case H_KIND: /* a dict's, or a list's for a dict (a namespace is a dict too) */
        return kind == RP_KIND_DICT || kind == RP_KIND_NS ? b->f.l.id : b->f.d.id;
    case H_GONE:
        return gone;
    case H_FORGED: /* a generation the manager has not reached */
        return ok ^ ((uint64_t)1 << 55);
    default:
        return ok;
    }
}

rp_array bi_array(const bi *b, const bi_row *r, rp_array ok) {
    rp_array a = ok;
    switch (r->h) {
    case H_ZERO:
        memset(&a, 0, sizeof a);
        break;
    case H_KIND:
        a.id = b->f.d.id;
        break;
    case H_GONE: /* a destroyed array's id, the rest as it was */
        a.id = b->f.a_gone.id;
        break;
    case H_FORGED: /* the right id, a wrong place */
        a.offset += 64;
        break;
    default:
        break;
    }
    return a;
}

rp_key bi_key(const bi_row *r) {
    return r->k == K_NULL ? rp_key_bytes(NULL, 3) : rp_key_str("key");
}

rp_value bi_val(const bi_row *r) {
    static char big[(size_t)1 << 16];
    rp_value v = rp_int(7);
    switch (r->v) {
    case V_NONE:
        return rp_none();
    case V_BADTYPE:
        v.type = (rp_type)9;
        return v;
    case V_NULLBYTES:
        return rp_bytes(NULL, 4);
    case V_TOOBIG: /* over the obj_value_max the test sets (32 KiB) */
        return rp_bytes(big, sizeof big);
    default:
        return v;
    }
}

const char *bi_str(const bi_row *r, const char *ok) {
    static char long_name[(size_t)70 << 10]; /* over the default obj_key_max, 64 KiB */
    switch (r->s) {
    case S_NULL:
        return NULL;
    case S_EMPTY:
        return "";
    case S_LONG:
        if (long_name[0] == '\0')
            memset(long_name, 'x', sizeof long_name - 1);
        return long_name;
    case S_OTHERKIND:
        return BI_NAME_QUEUE;
    case S_MISSING:
        return "bi.no such thing";
    default:
        return ok;
    }
}

int bi_rank0_only(const bi *b, const bi_row *r) {
    (void)r;
    return b->one_rank ? RP_EDEADLK : RP_ENOTMANAGER;
}

/* ---- the alarm ------------------------------------------------------------------- */

static const char *volatile cur_fn = "", *volatile cur_what = "", *volatile cur_where = "";

static void put(const char *s) {
    if (write(2, s, strlen(s)) < 0) {
        /* nothing more to do in a signal handler */
    }
}

static void on_alarm(int sig) {
    (void)sig;
    put("\nFAIL: a call hung for ");
    put(BI_ALARM == 20 ? "20" : "some");
    put(" s: ");
    put(cur_fn);
    put(" (");
    put(cur_what);
    put(") from ");
    put(cur_where);
    put("\n");
    _exit(3);
}

/* ---- the objects ----------------------------------------------------------------- */

/* Does every object still answer, unchanged?  Calls that change nothing. */
static int fixtures_alive(const bi *b, const char **which) {
    rp_runtime *rt = b->rt;
    const bi_fix *f = &b->f;
    size_t n;
    int64_t v;
    rp_value val;
#define ALIVE(name, cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            *which = name;                                                                         \
            return 0;                                                                              \
        }                                                                                          \
    } while (0)
    ALIVE("dict", rp_dict_len(rt, f->d, &n) == 0 && n == 1);
    ALIVE("list", rp_list_len(rt, f->l, &n) == 0 && n == 1);
    ALIVE("namespace", rp_ns_get(rt, f->n, "nothing", &val) == RP_ENOKEY);
    ALIVE("queue", rp_queue_size(rt, f->q, &n) == 0 && n == 1);
    ALIVE("simple queue", rp_queue_size(rt, f->q_simple, &n) == 0 && n == 0);
    ALIVE("lock", rp_lock_release(rt, f->k) == RP_EPERM);
    ALIVE("semaphore", rp_sem_value(rt, f->s, &v) == 0 && v == 1);
    ALIVE("event", rp_event_is_set(rt, f->e) == 0);
    ALIVE("condition", rp_cond_release(rt, f->c) == RP_EPERM);
    ALIVE("barrier", rp_barrier_state(rt, f->b, NULL, &(int){0}, NULL) == 0);
    ALIVE("pipe", rp_conn_poll(rt, f->p0, 0) == 0);
    ALIVE("array", rp_array_get_i64(rt, f->a, 0, &v) == 0 && v == 42);
#undef ALIVE
    return 1;
}

/* ---- running the table ---------------------------------------------------------- */

typedef struct tally {
    int rows, failures, skipped;
    char *report;
    size_t cap, len;
} tally;

static void note(tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(tally *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (t->len < t->cap) {
        int n = vsnprintf(t->report + t->len, t->cap - t->len, fmt, ap);
        t->len += n > 0 ? (size_t)n : 0;
        if (t->len >= t->cap)
            t->len = t->cap - 1;
    }
    va_end(ap);
}

static int row_want(const bi *b, const bi_row *r) {
    if (r->want_job != NULL)
        return r->want_job(b, r);
    return b->where == BI_TASK && r->want_in != NULL ? r->want_in(b, r) : r->want;
}

/* Every row for this context, once. */
static void run_table(bi *b, tally *t) {
    static const char *const names[] = {"", "main", "a task"};
    cur_where =
        b->one_rank && b->where == BI_TASK ? "a task on the manager thread" : names[b->where];
    for (size_t k = 0; k < NTABLES; k++)
        for (const bi_row *r = tables[k]; r->fn != NULL; r++) {
            if ((r->only == BI_MAIN && b->where != BI_MAIN) ||
                (r->only == BI_ONE_RANK && !b->one_rank)) {
                t->skipped++;
                continue;
            }
            cur_fn = r->fn;
            cur_what = r->what;
            /* Garbage in the outputs: a call must set them, refused or not. */
            memset(&b->v, 0xa5, sizeof b->v);
            memset(&b->items, 0xa5, sizeof b->items);
            b->vout = b->iout = 0;
            alarm(BI_ALARM);
            int got = r->call(b, r);
            alarm(0);
            int want = row_want(b, r);
            const char *which = NULL;
            int undef = got == BI_UNDEF || (b->vout && got < 0 && b->v.owned != NULL) ||
                        (b->iout && got < 0 && (b->items.mem != NULL || b->items.n != 0));
            t->rows++;
            if (undef) {
                t->failures++;
                note(t, "  %s: %s (%s): refused (%s) but left its output undefined\n", cur_where,
                     r->fn, r->what, rp_err_name(got));
            } else if (got != want) {
                t->failures++;
                note(t, "  %s: %s (%s): got %s (%d), want %s: %s\n", cur_where, r->fn, r->what,
                     rp_err_name(got), got, rp_err_name(want), rp_last_error());
            } else if (!fixtures_alive(b, &which)) {
                t->failures++;
                note(t, "  %s: %s (%s): the %s was changed: %s\n", cur_where, r->fn, r->what, which,
                     rp_last_error());
            }
            if (b->vout && !undef)
                rp_value_free(&b->v);
            if (b->iout && !undef)
                rp_items_free(&b->items);
        }
}

/* ---- the tasks ------------------------------------------------------------------- */

/* What a task sends back: its counts, then its report's text. */
typedef struct task_out {
    int32_t rows, failures, skipped, passes;
    char text[BI_REPORT];
} task_out;

/* The table from a task, BI_TASK_PASSES times in a row. */
static int bi_task(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(bi_fix))
        return rp_fail(ctx, 1, "bi_task wants the objects (%zu bytes), got %zu", sizeof(bi_fix),
                       size);
    static task_out out; /* one task at a time per process */
    memset(&out, 0, sizeof out);
    bi b = {.rt = rp_task_runtime(ctx), .where = BI_TASK, .ctx = ctx};
    b.one_rank = rp_size(b.rt) == 1;
    memcpy(&b.f, arg, sizeof b.f);
    tally t = {.report = out.text, .cap = sizeof out.text};
    for (out.passes = 0; out.passes < BI_TASK_PASSES && t.failures == 0; out.passes++)
        run_table(&b, &t);
    out.rows = t.rows;
    out.failures = t.failures;
    out.skipped = t.skipped;
    return rp_return(ctx, &out, offsetof(task_out, text) + t.len + 1);
}

/* A Process's body, and a task that answers with its argument. */
static int bi_exit(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)arg;
    (void)size;
    return 0;
}

static int bi_echo(rp_task_ctx *ctx, const void *arg, size_t size) {
    return rp_return(ctx, arg, size);
}

/* ---- the table against the headers --------------------------------------------- */

/* Is @p name the fn of some row? */
static int has_row(const char *name) {
    for (size_t k = 0; k < NTABLES; k++)
        for (const bi_row *r = tables[k]; r->fn != NULL; r++)
            if (strcmp(r->fn, name) == 0)
                return 1;
    return 0;
}

/* The functions the public headers declare: a line at file scope that is
 * not a comment, a macro, a typedef or a static inline helper, holding
 * "rp_name(".  Appends them to @p names (at most @p cap); returns how many,
 * or -1 if the headers cannot be read. */
static int header_functions(char (*names)[64], int cap) {
    DIR *d = opendir(BI_INCLUDE_DIR);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 3 || strcmp(e->d_name + len - 2, ".h") != 0)
            continue;
        char path[4096], line[1024];
        snprintf(path, sizeof path, "%s/%s", BI_INCLUDE_DIR, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            closedir(d);
            return -1;
        }
        while (fgets(line, sizeof line, f) != NULL) {
            if (!isalpha((unsigned char)line[0]) || strncmp(line, "typedef", 7) == 0 ||
                strncmp(line, "static", 6) == 0 || strncmp(line, "extern", 6) == 0)
                continue;
            /* The first "rp_name(" after the return type ("rp_dict rp_ns_dict("). */
            for (char *p = strstr(line, "rp_"); p != NULL; p = strstr(p + 1, "rp_")) {
                if (p > line && p[-1] != ' ' && p[-1] != '*')
                    continue;
                size_t id = 0;
                while (isalnum((unsigned char)p[id]) || p[id] == '_')
                    id++;
                if (p[id] != '(' || id >= 64 || n == cap)
                    continue;
                memcpy(names[n], p, id);
                names[n][id] = '\0';
                n++;
                break;
            }
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

/* Every declared function has a row, and every row names a declared
 * function.  Returns the number of problems, each printed. */
static int coverage(void) {
    static char names[512][64];
    int n = header_functions(names, 512), bad = 0;
    if (n <= 0) {
        printf("FAIL: cannot read the public headers in %s\n", BI_INCLUDE_DIR);
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (!has_row(names[i])) {
            printf("FAIL: %s has no bad-input row: add one to tests/badinput_*.c "
                   "(tests/badinput.h says how)\n",
                   names[i]);
            bad++;
        }
    for (size_t k = 0; k < NTABLES; k++)
        for (const bi_row *r = tables[k]; r->fn != NULL; r++) {
            int found = 0;
            for (int i = 0; i < n && !found; i++)
                found = strcmp(names[i], r->fn) == 0;
            if (!found && (r == tables[k] || strcmp(r[-1].fn, r->fn) != 0)) {
                printf("FAIL: a row names %s, which no public header declares\n", r->fn);
                bad++;
            }
        }
    printf("the table has rows for all %d public functions%s\n", n,
           bad ? ", but not as it should (above)" : "");
    return bad;
}

/* ---- setup and the run ------------------------------------------------------------- */

#define OK(call)                                                                                   \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != 0) {                                                                            \
            printf("FAIL: setup: %s: %s: %s\n", #call, rp_err_name(rc_), rp_last_error());         \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int open_fixtures(rp_runtime *rt, bi_fix *f) {
    rp_conn x;
    OK(rp_dict_open(rt, BI_NAME_DICT, RP_CREATE, &f->d));
    OK(rp_dict_set(rt, f->d, rp_key_str("key"), rp_int(1)));
    OK(rp_list_open(rt, NULL, 0, &f->l));
    OK(rp_list_append(rt, f->l, rp_int(1)));
    OK(rp_ns_open(rt, NULL, 0, &f->n));
    OK(rp_queue_open(rt, BI_NAME_QUEUE, RP_CREATE, RP_QUEUE_FIFO, 1, &f->q));
    OK(rp_queue_put(rt, f->q, rp_int(1), 0)); /* full */
    OK(rp_queue_open(rt, NULL, 0, RP_QUEUE_SIMPLE, 0, &f->q_simple));
    OK(rp_lock_open(rt, NULL, 0, 0, &f->k));
    OK(rp_sem_open(rt, NULL, 0, 1, 0, &f->s));
    OK(rp_event_open(rt, NULL, 0, &f->e));
    OK(rp_cond_open(rt, NULL, 0, &f->c));
    OK(rp_barrier_open(rt, NULL, 0, 2, &f->b));
    OK(rp_pipe_open(rt, NULL, 0, 1, &f->p0, &f->p1));
    OK(rp_pipe_open(rt, NULL, 0, 0, &f->p_recv, &x));
    OK(rp_array_open(rt, NULL, 0, RP_ELEM_INT64, 0, 4, &f->a));
    OK(rp_array_set_i64(rt, f->a, 0, 42));
    OK(rp_array_open(rt, NULL, 0, RP_ELEM_INT32, 0, 2, &f->a_int32));
    OK(rp_array_open(rt, NULL, 0, RP_ELEM_DOUBLE, 0, 2, &f->a_double));
    /* And one of each, destroyed. */
    OK(rp_dict_open(rt, NULL, 0, &f->d_gone));
    OK(rp_dict_destroy(rt, f->d_gone));
    OK(rp_list_open(rt, NULL, 0, &f->l_gone));
    OK(rp_list_destroy(rt, f->l_gone));
    OK(rp_ns_open(rt, NULL, 0, &f->n_gone));
    OK(rp_ns_destroy(rt, f->n_gone));
    OK(rp_queue_open(rt, NULL, 0, RP_QUEUE_FIFO, 0, &f->q_gone));
    OK(rp_queue_destroy(rt, f->q_gone));
    OK(rp_lock_open(rt, NULL, 0, 0, &f->k_gone));
    OK(rp_lock_destroy(rt, f->k_gone));
    OK(rp_sem_open(rt, NULL, 0, 0, 0, &f->s_gone));
    OK(rp_sem_destroy(rt, f->s_gone));
    OK(rp_event_open(rt, NULL, 0, &f->e_gone));
    OK(rp_event_destroy(rt, f->e_gone));
    OK(rp_cond_open(rt, NULL, 0, &f->c_gone));
    OK(rp_cond_destroy(rt, f->c_gone));
    OK(rp_barrier_open(rt, NULL, 0, 2, &f->b_gone));
    OK(rp_barrier_destroy(rt, f->b_gone));
    OK(rp_pipe_open(rt, NULL, 0, 1, &f->p_gone, &x));
    OK(rp_pipe_destroy(rt, f->p_gone));
    OK(rp_array_open(rt, NULL, 0, RP_ELEM_INT64, 0, 4, &f->a_gone));
    OK(rp_array_destroy(rt, f->a_gone));
    return 0;
}

static void close_fixtures(rp_runtime *rt, bi_fix *f) {
    rp_dict_destroy(rt, f->d);
    rp_list_destroy(rt, f->l);
    rp_ns_destroy(rt, f->n);
    rp_queue_destroy(rt, f->q);
    rp_queue_destroy(rt, f->q_simple);
    rp_lock_destroy(rt, f->k);
    rp_sem_destroy(rt, f->s);
    rp_event_destroy(rt, f->e);
    rp_cond_destroy(rt, f->c);
    rp_barrier_destroy(rt, f->b);
    rp_pipe_destroy(rt, f->p0);
    rp_pipe_destroy(rt, f->p_recv);
    rp_array_destroy(rt, f->a);
    rp_array_destroy(rt, f->a_int32);
    rp_array_destroy(rt, f->a_double);
}

/* Rank 0: the table from main, then from a task on every worker. */
static int run_all(rp_runtime *rt) {
    bi b = {.rt = rt, .where = BI_MAIN, .one_rank = rp_size(rt) == 1};
    if (open_fixtures(rt, &b.f) != 0)
        return 1;
    OK(rp_pool_create(rt, NULL, &b.pool));
    OK(rp_pool_apply_async(b.pool, "bi_echo", "x", 1, NULL, &b.res));
    OK(rp_result_wait(b.res, 60));
    OK(rp_process_create(rt, "bi_exit", NULL, 0, NULL, &b.proc));
    OK(rp_process_start(b.proc));
    OK(rp_process_join(b.proc, 60));

    static char text[BI_REPORT * 4];
    tally t = {.report = text, .cap = sizeof text};
    run_table(&b, &t);
    printf("main: %d rows, %d failed, %d for tasks only\n", t.rows, t.failures, t.skipped);
    int failures = t.failures;

    int n = rp_pool_workers(b.pool);
    bi_fix *in = calloc((size_t)n, sizeof *in);
    for (int i = 0; i < n; i++)
        in[i] = b.f;
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.chunksize = 1;
    rp_result *res = NULL;
    OK(rp_pool_map_async(b.pool, "bi_task", in, (size_t)n, sizeof *in, NULL, 0, &co, &res));
    int rc = rp_result_wait(res, 600);
    for (int i = 0; i < n && rc == 0; i++) {
        const void *data;
        size_t len;
        int irc = rp_result_item(res, (size_t)i, &data, &len);
        const task_out *o = data;
        if (irc != 0 || len < offsetof(task_out, text) + 1) {
            printf("FAIL: task %d: %s: %s\n", i, rp_err_name(irc), rp_last_error());
            failures++;
            continue;
        }
        printf("task %d: %d passes, %d rows, %d failed, %d for main only\n", i, o->passes, o->rows,
               o->failures, o->skipped);
        if (o->failures > 0)
            printf("%s", o->text);
        failures += o->failures;
    }
    if (rc != 0) {
        printf("FAIL: the tasks: %s: %s\n", rp_err_name(rc), rp_last_error());
        failures++;
    }
    rp_result_free(res);
    free(in);
    if (t.failures > 0)
        printf("%s", text);
    rp_result_free(b.res);
    rp_process_destroy(b.proc);
    rp_pool_destroy(b.pool);
    close_fixtures(rt, &b.f);
    printf("%s\n", failures ? "FAIL" : "every bad input answered with its code");
    return failures;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--rows") == 0)
        return coverage() ? 1 : 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    /* rp_init_comm's rows start runtimes on MPI_COMM_SELF while this one's
     * manager thread calls MPI: that needs MPI_THREAD_MULTIPLE. */
    int provided = MPI_THREAD_SINGLE;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    static const rp_task_def tasks[] = {RP_TASK(bi_task), RP_TASK(bi_exit), RP_TASK(bi_echo)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof *tasks;
    opt.obj_value_max = (size_t)32 << 10;
    opt.shm_arena_size = (size_t)1 << 20;
    rp_runtime *rt = NULL;
    int rc = rp_init(&rt, &argc, &argv, &opt), failed = 0;
    if (rc != 0) {
        printf("FAIL: rp_init: %s: %s\n", rp_err_name(rc), rp_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (rank == 0) {
        failed = coverage();
        if (provided < MPI_THREAD_MULTIPLE) {
            printf("FAIL: MPI gave thread level %d, the test needs MPI_THREAD_MULTIPLE\n",
                   provided);
            failed++;
        } else {
            failed += run_all(rt);
        }
        fflush(stdout);
    }
    rc = rp_finalize(rt);
    if (rc != 0) {
        printf("FAIL: rp_finalize: %s: %s\n", rp_err_name(rc), rp_last_error());
        failed++;
    }
    MPI_Finalize();
    return failed ? 1 : 0;
}
