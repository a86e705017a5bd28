/* Bad-input rows (tests/badinput.h): the runtime, pools and results,
 * processes, tasks, placement, errors. */
#include "badinput.h"

#include <string.h>

/* In a task: a call only rank 0's main may make (RP_ENOTMANAGER on a
 * worker rank, RP_EDEADLK on the manager thread of a one-rank job). */
#define MAIN_ONLY_IN_TASK .want_in = bi_rank0_only

/* In a task on a worker rank: RP_ENOTMANAGER; in a one-rank job's task
 * (rank 0) the row's own code. */
static int on_worker_notmanager(const bi *b, const bi_row *r) {
    return b->one_rank ? r->want : RP_ENOTMANAGER;
}

/* ---- runtime ---------------------------------------------------------------------- */

/* Options with one bad field each (.i picks it). */
static rp_options bad_options(int which) {
    rp_options o = RP_OPTIONS_INIT;
    switch (which) {
    case 1:
        o.prefetch = 0;
        break;
    case 2:
        o.shutdown_timeout = NAN;
        break;
    case 3:
        o.shutdown_timeout = -2;
        break;
    case 4:
        o.idle_spin = NAN;
        break;
    case 5:
        o.obj_key_max = 0;
        break;
    case 6:
        o.shm_arena_size = 100;
        break;
    case 7:
        o.lost_retries = 101;
        break;
    case 8:
        o.placement = 9;
        break;
    case 9:
        o.servers = 256;
        break;
    case 10:
        o.servers = -1;
        break;
    case 11:
        o.server_tasks = 2;
        break;
    default:
        o.ntasks = 3; /* with tasks NULL */
        break;
    }
    return o;
}

static int d_init(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_init(NULL, NULL, NULL, NULL);
}
static int d_init_comm(bi *b, const bi_row *r) {
    (void)b;
    rp_runtime *other = BI_POISON;
    rp_options o = bad_options((int)r->i);
    MPI_Comm comm = r->n ? MPI_COMM_NULL : MPI_COMM_SELF;
    int rc = rp_init_comm(BI_OUT(&other), comm, &o);
    if (rc == 0) /* it should not have started: end it again */
        rp_finalize(other);
    return bi_left(rc, r->null ? NULL : other);
}
static int d_main(bi *b, const bi_row *r) {
    (void)b;
    rp_options o = bad_options((int)r->i);
    return rp_main(NULL, NULL, &o, NULL, NULL);
}
static int d_serve(bi *b, const bi_row *r) {
    return rp_serve(BI_RT);
}
static int d_finalize(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_finalize(NULL);
}
static int worker_serves(const bi *b, const bi_row *r) {
    (void)r;
    return b->one_rank ? 0 : RP_ESTATE; /* a worker serves already */
}
static int d_queries(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_is_manager(NULL) != 0 || rp_rank(NULL) != -1 || rp_size(NULL) != 0 ||
           rp_worker_count(NULL) != 0 || rp_workers_lost(NULL) != 0 || rp_interrupted(NULL) != 0 ||
           rp_server_count(NULL) != 0;
}
static int d_placement_get(bi *b, const bi_row *r) {
    rp_placement_info info;
    return rp_placement_get(BI_RT, (int)r->i, BI_OUT(&info));
}
static int not_mine(const bi *b, const bi_row *r) {
    (void)r;
    return b->one_rank ? 0 : RP_ENOTMANAGER;
}
static int d_names(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return strcmp(rp_placement_name(99), "unknown") != 0 ||
           strcmp(rp_granularity_name(-1), "unknown") != 0 || rp_cpu_count() < 1 ||
           strcmp(rp_strerror(12345), "unknown error") != 0 ||
           strcmp(rp_err_name(1), "RP_UNKNOWN") != 0 || rp_strerror(RP_EBADF)[0] == '\0';
}
static int d_last_error(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_dict_len(NULL, (rp_dict){0}, NULL) != RP_EINVAL || rp_last_error() == NULL ||
           rp_last_error()[0] == '\0';
}

/* ---- pools and results -------------------------------------------------------------- */

#define POOL (r->rt ? NULL : b->pool)
#define RES (r->rt ? NULL : b->res)

static int d_pool_create(bi *b, const bi_row *r) {
    rp_pool_options o = RP_POOL_OPTIONS_INIT;
    switch (r->i) {
    case 1:
        o.workers = -1;
        break;
    case 2:
        o.initializer = "bi no such task";
        break;
    case 3:
        o.task_timeout = NAN;
        break;
    case 4:
        o.maxtasksperchild = 3;
        break;
    case 5:
        o.initarg_size = 5;
        break;
    case 6:
        o.isolate = 1;
        o.task_timeout = -2;
        break;
    default:
        break;
    }
    rp_pool *p = BI_POISON;
    int rc = rp_pool_create(BI_RT, &o, BI_OUT(&p));
    if (rc == 0)
        rp_pool_destroy(p);
    return bi_left(rc, r->null ? NULL : p);
}
static int d_pool_workers(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_pool_workers(NULL) != 0;
}
static int d_pool_get_stats(bi *b, const bi_row *r) {
    rp_pool_stats s;
    return rp_pool_get_stats(POOL, BI_OUT(&s), NULL, r->n);
}

/* Call options: a bad timeout when .t is set. */
static rp_call_options call_opts(const bi_row *r) {
    rp_call_options o = RP_CALL_OPTIONS_INIT;
    if (r->t != 0)
        o.timeout = r->t;
    return o;
}
static const char *task_name(const bi_row *r) {
    return r->s == S_MISSING ? "bi no such task" : "bi_echo";
}
/* .n: an argument size with a NULL argument (.null), or a size over one
 * message with an argument. */
static int d_pool_apply(bi *b, const bi_row *r) {
    rp_call_options o = call_opts(r);
    char out[8];
    return rp_pool_apply(POOL, task_name(r), r->null ? NULL : "arg", r->n ? r->n : 3,
                         r->i ? NULL : out, sizeof out, NULL, &o);
}
static int d_pool_apply_async(bi *b, const bi_row *r) {
    rp_call_options o = call_opts(r);
    rp_result *res = BI_POISON;
    int rc =
        rp_pool_apply_async(POOL, task_name(r), r->null ? NULL : "arg", r->n ? r->n : 3, &o, &res);
    if (rc == 0) { /* not a bad input after all: wait, so nothing outlives the row */
        rp_result_wait(res, 30);
        rp_result_free(res);
    }
    return bi_left(rc, res);
}
static const int64_t five[5] = {1, 2, 3, 4, 5};
/* .n: the record size (0: 8), .i: the count (0: 5), .null: NULL input. */
static int d_pool_map(bi *b, const bi_row *r) {
    rp_call_options o = call_opts(r);
    int64_t out[5];
    return rp_pool_map(POOL, task_name(r), r->null ? NULL : five, r->i ? (size_t)r->i : 5,
                       r->n ? r->n - 1 : 8, r->k ? NULL : out, 8, &o);
}
static int d_pool_map_async(bi *b, const bi_row *r) {
    rp_call_options o = call_opts(r);
    int64_t out[5];
    rp_result *res = BI_POISON;
    int rc = rp_pool_map_async(POOL, task_name(r), r->null ? NULL : five, r->i ? (size_t)r->i : 5,
                               r->n ? r->n - 1 : 8, out, r->k ? 0 : 8, &o, &res);
    if (rc == 0) {
        rp_result_wait(res, 30);
        rp_result_free(res);
    }
    return bi_left(rc, res);
}
static const void *const two_args[2] = {"a", NULL};
static const size_t two_sizes[2] = {1, 5};
static int d_pool_starmap(bi *b, const bi_row *r) {
    rp_call_options o = call_opts(r);
    rp_result *res = BI_POISON;
    int rc = rp_pool_starmap(POOL, task_name(r), r->null ? NULL : two_args, two_sizes,
                             r->n ? r->n : 1, &o, r->k ? NULL : &res);
    if (r->k)
        return rc;
    if (res != NULL && res != BI_POISON)
        rp_result_free(res);
    return res == BI_POISON ? BI_UNDEF : rc;
}
static int d_pool_starmap_async(bi *b, const bi_row *r) {
    rp_call_options o = call_opts(r);
    rp_result *res = BI_POISON;
    int rc = rp_pool_starmap_async(POOL, task_name(r), r->null ? NULL : two_args, two_sizes,
                                   r->n ? r->n : 1, &o, &res);
    if (rc == 0) {
        rp_result_wait(res, 30);
        rp_result_free(res);
    }
    return bi_left(rc, res);
}
static int d_pool_imap(bi *b, const bi_row *r) {
    rp_result *res = BI_POISON;
    int rc = rp_pool_imap(POOL, task_name(r), r->null ? NULL : five, 5, r->n ? r->n - 1 : 8, NULL,
                          r->k ? NULL : &res);
    if (rc == 0) {
        rp_result_wait(res, 30);
        rp_result_free(res);
    }
    return r->k ? rc : bi_left(rc, res);
}
static int d_pool_imap_unordered(bi *b, const bi_row *r) {
    rp_result *res = BI_POISON;
    int rc = rp_pool_imap_unordered(POOL, task_name(r), r->null ? NULL : five, 5,
                                    r->n ? r->n - 1 : 8, NULL, r->k ? NULL : &res);
    if (rc == 0) {
        rp_result_wait(res, 30);
        rp_result_free(res);
    }
    return r->k ? rc : bi_left(rc, res);
}
static int d_pool_close(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_pool_close(NULL);
}
static int d_pool_terminate(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_pool_terminate(NULL);
}
static int d_pool_join(bi *b, const bi_row *r) {
    return rp_pool_join(POOL, r->t);
}
static int d_pool_destroy(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    rp_pool_destroy(NULL);
    return 0;
}
static int d_result_wait(bi *b, const bi_row *r) {
    return rp_result_wait(RES, r->t);
}
static int d_result_flags(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_result_ready(NULL) != 0 || rp_result_successful(NULL) != 0 ||
           rp_result_count(NULL) != 0;
}
static int d_result_get(bi *b, const bi_row *r) {
    const void *data;
    size_t size;
    return rp_result_get(RES, r->t, &data, &size);
}
static int d_result_item(bi *b, const bi_row *r) {
    return rp_result_item(RES, (size_t)r->i, NULL, NULL);
}
static int d_result_next(bi *b, const bi_row *r) {
    size_t i;
    return rp_result_next(RES, r->t, &i, NULL, NULL);
}
static int d_result_error(bi *b, const bi_row *r) {
    rp_task_error e;
    return rp_result_error(RES, BI_OUT(&e));
}
static int d_result_free(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    rp_result_free(NULL);
    return 0;
}

/* ---- processes ----------------------------------------------------------------------- */

#define PROC (r->rt ? NULL : b->proc)

static int d_process_create(bi *b, const bi_row *r) {
    rp_process_options o = RP_PROCESS_OPTIONS_INIT;
    static char long_name[300];
    if (r->i == 1)
        o.rank = 99;
    if (r->i == 2) {
        memset(long_name, 'p', sizeof long_name - 1);
        o.name = long_name;
    }
    rp_process *p = BI_POISON;
    int rc = rp_process_create(BI_RT, r->s == S_MISSING ? "bi no such task" : "bi_exit",
                               r->k ? NULL : "arg", r->n ? r->n : 3, &o, BI_OUT(&p));
    if (rc == 0)
        rp_process_destroy(p); /* never started */
    return bi_left(rc, r->null ? NULL : p);
}
static int unregistered(rp_task_ctx *ctx, const void *arg, size_t size) {
    (void)ctx;
    (void)arg;
    (void)size;
    return 0;
}
static int d_process_create_fn(bi *b, const bi_row *r) {
    rp_process *p = BI_POISON;
    int rc = rp_process_create_fn(BI_RT, r->null ? NULL : unregistered, NULL, 0, NULL, &p);
    if (rc == 0)
        rp_process_destroy(p);
    return bi_left(rc, p);
}
static int d_process_set_daemon(bi *b, const bi_row *r) {
    return rp_process_set_daemon(PROC, 1);
}
static int d_process_start(bi *b, const bi_row *r) {
    return rp_process_start(PROC);
}
static int d_process_join(bi *b, const bi_row *r) {
    return rp_process_join(PROC, r->t);
}
static int d_process_signal(bi *b, const bi_row *r) {
    (void)b;
    return r->i ? rp_process_kill(NULL) : rp_process_terminate(NULL);
}
static int d_process_exitcode(bi *b, const bi_row *r) {
    int code;
    return rp_process_exitcode(PROC, BI_OUT(&code));
}
static int d_process_queries(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    rp_process_destroy(NULL);
    return rp_process_is_alive(NULL) != 0 || rp_process_pid(NULL) != 0 ||
           strcmp(rp_process_name(NULL), "") != 0 || strcmp(rp_process_host(NULL), "") != 0 ||
           rp_process_rank(NULL) != -1 || rp_process_daemon(NULL) != 0;
}
static int d_current_process(bi *b, const bi_row *r) {
    rp_process_info info;
    if (r->rt) /* a NULL runtime is allowed: rank -1 */
        return rp_current_process(NULL, &info) != 0 || info.rank != -1;
    return rp_current_process(b->rt, NULL);
}

/* ---- tasks ------------------------------------------------------------------------- */

#define CTX (r->null ? NULL : b->ctx)

static int d_return(bi *b, const bi_row *r) {
    return rp_return(CTX, r->n ? "x" : NULL, r->n ? r->n : 5);
}
static int in_task_toobig(const bi *b, const bi_row *r) {
    return r->null ? RP_EINVAL : b->where == BI_TASK ? RP_ETOOBIG : RP_EINVAL;
}
static int d_return_buffer(bi *b, const bi_row *r) {
    return rp_return_buffer(CTX, r->n) != NULL;
}
static int d_fail(bi *b, const bi_row *r) {
    return rp_fail(CTX, 0, NULL) != -1;
}
static int d_task_queries(bi *b, const bi_row *r) {
    (void)b;
    (void)r;
    return rp_task_rank(NULL) != -1 || rp_task_index(NULL) != 0 || rp_task_runtime(NULL) != NULL;
}

const bi_row bi_rows_runtime[] = {
    {"rp_init", d_init, "NULL runtime pointer", .want = RP_EINVAL},
    {"rp_init_comm", d_init_comm, "NULL runtime pointer", .want = RP_EINVAL, .null = 1},
    {"rp_init_comm", d_init_comm, "MPI_COMM_NULL (MPI aborted on it)", .want = RP_EINVAL, .n = 1},
    {"rp_init_comm", d_init_comm, "ntasks 3, tasks NULL", .want = RP_EINVAL},
    {"rp_init_comm", d_init_comm, "prefetch 0", .want = RP_EINVAL, .i = 1},
    {"rp_init_comm", d_init_comm, "shutdown_timeout NaN", .want = RP_EINVAL, .i = 2},
    {"rp_init_comm", d_init_comm, "shutdown_timeout -2", .want = RP_EINVAL, .i = 3},
    {"rp_init_comm", d_init_comm, "idle_spin NaN", .want = RP_EINVAL, .i = 4},
    {"rp_init_comm", d_init_comm, "obj_key_max 0", .want = RP_EINVAL, .i = 5},
    {"rp_init_comm", d_init_comm, "shm_arena_size 100", .want = RP_EINVAL, .i = 6},
    {"rp_init_comm", d_init_comm, "lost_retries 101", .want = RP_EINVAL, .i = 7},
    {"rp_init_comm", d_init_comm, "placement 9", .want = RP_EINVAL, .i = 8},
    {"rp_init_comm", d_init_comm, "servers 256", .want = RP_EINVAL, .i = 9},
    {"rp_init_comm", d_init_comm, "servers -1", .want = RP_EINVAL, .i = 10},
    {"rp_init_comm", d_init_comm, "server_tasks 2", .want = RP_EINVAL, .i = 11},
    /* Collective over MPI_COMM_WORLD: only where that is this rank alone. */
    {"rp_main", d_main, "prefetch 0 (the exit code 1)", .want = 1, .i = 1, .only = BI_ONE_RANK},
    {"rp_serve", d_serve, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_serve", d_serve, "on rank 0 (returns at once), or twice on a worker", .want = 0,
     .want_in = worker_serves},
    {"rp_finalize", d_finalize, "NULL (a no-op)", .want = 0},
    {"rp_is_manager", d_queries, "NULL runtime (the queries' documented answers)", .want = 0},
    {"rp_rank", d_queries, "NULL runtime", .want = 0},
    {"rp_size", d_queries, "NULL runtime", .want = 0},
    {"rp_worker_count", d_queries, "NULL runtime", .want = 0},
    {"rp_server_count", d_queries, "NULL runtime", .want = 0},
    {"rp_workers_lost", d_queries, "NULL runtime", .want = 0},
    {"rp_interrupted", d_queries, "NULL runtime", .want = 0},
    {"rp_placement_get", d_placement_get, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_placement_get", d_placement_get, "NULL output", .want = RP_EINVAL, .null = 1},
    {"rp_placement_get", d_placement_get, "rank 99", .want = RP_ERANGE, .i = 99},
    {"rp_placement_get", d_placement_get, "rank -1", .want = RP_ERANGE, .i = -1},
    {"rp_placement_get", d_placement_get, "rank 0 (from a worker: another rank's)", .want = 0,
     .want_in = not_mine},
    {"rp_placement_name", d_names, "policy 99", .want = 0},
    {"rp_granularity_name", d_names, "granularity -1", .want = 0},
    {"rp_cpu_count", d_names, "(no argument: at least 1)", .want = 0},
    {"rp_strerror", d_names, "code 12345", .want = 0},
    {"rp_err_name", d_names, "code 1", .want = 0},
    {"rp_last_error", d_last_error, "after a refused call: its message", .want = 0},

    {"rp_pool_create", d_pool_create, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_create", d_pool_create, "NULL pool pointer", .want = RP_EINVAL, .null = 1},
    {"rp_pool_create", d_pool_create, "workers -1", .want = RP_EINVAL, .i = 1, MAIN_ONLY_IN_TASK},
    {"rp_pool_create", d_pool_create, "an unknown initializer", .want = RP_ENOTASK, .i = 2,
     MAIN_ONLY_IN_TASK},
    {"rp_pool_create", d_pool_create, "task_timeout NaN", .want = RP_EINVAL, .i = 3,
     MAIN_ONLY_IN_TASK},
    {"rp_pool_create", d_pool_create, "maxtasksperchild without isolate", .want = RP_EINVAL, .i = 4,
     MAIN_ONLY_IN_TASK},
    {"rp_pool_create", d_pool_create, "NULL initarg of 5 bytes", .want = RP_EINVAL, .i = 5,
     MAIN_ONLY_IN_TASK},
    {"rp_pool_create", d_pool_create, "task_timeout -2", .want = RP_EINVAL, .i = 6,
     MAIN_ONLY_IN_TASK},
    {"rp_pool_workers", d_pool_workers, "NULL pool (0)", .want = 0},
    {"rp_pool_get_stats", d_pool_get_stats, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_get_stats", d_pool_get_stats, "NULL output", .want = RP_EINVAL, .null = 1,
     .only = BI_MAIN},
    {"rp_pool_get_stats", d_pool_get_stats, "NULL workers with room for 2", .want = RP_EINVAL,
     .n = 2, .only = BI_MAIN},
    {"rp_pool_apply", d_pool_apply, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_apply", d_pool_apply, "unknown task", .want = RP_ENOTASK, .s = S_MISSING,
     .only = BI_MAIN},
    {"rp_pool_apply", d_pool_apply, "NULL argument of 5 bytes", .want = RP_EINVAL, .null = 1,
     .n = 5, .only = BI_MAIN},
    {"rp_pool_apply", d_pool_apply, "NULL out with room", .want = RP_EINVAL, .i = 1,
     .only = BI_MAIN},
    {"rp_pool_apply", d_pool_apply, "an argument over one message", .want = RP_ETOOBIG,
     .n = SIZE_MAX / 2, .only = BI_MAIN},
    {"rp_pool_apply", d_pool_apply, "timeout NaN", .want = RP_EINVAL, .t = NAN, .only = BI_MAIN},
    {"rp_pool_apply", d_pool_apply, "timeout -2", .want = RP_EINVAL, .t = -2, .only = BI_MAIN},
    {"rp_pool_apply_async", d_pool_apply_async, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_apply_async", d_pool_apply_async, "unknown task", .want = RP_ENOTASK, .s = S_MISSING,
     .only = BI_MAIN},
    {"rp_pool_apply_async", d_pool_apply_async, "NULL argument of 5 bytes", .want = RP_EINVAL,
     .null = 1, .n = 5, .only = BI_MAIN},
    {"rp_pool_apply_async", d_pool_apply_async, "timeout infinity", .want = RP_EINVAL,
     .t = INFINITY, .only = BI_MAIN},
    {"rp_pool_map", d_pool_map, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_map", d_pool_map, "NULL input of 5 records", .want = RP_EINVAL, .null = 1,
     .only = BI_MAIN},
    {"rp_pool_map", d_pool_map, "records of 0 bytes", .want = RP_EINVAL, .n = 1, .only = BI_MAIN},
    {"rp_pool_map", d_pool_map, "NULL out with a record size", .want = RP_EINVAL, .k = 1,
     .only = BI_MAIN},
    {"rp_pool_map", d_pool_map, "SIZE_MAX / 2 records of 8 bytes", .want = RP_ETOOBIG,
     .i = INT64_MAX, .only = BI_MAIN},
    {"rp_pool_map", d_pool_map, "unknown task", .want = RP_ENOTASK, .s = S_MISSING,
     .only = BI_MAIN},
    {"rp_pool_map", d_pool_map, "timeout NaN", .want = RP_EINVAL, .t = NAN, .only = BI_MAIN},
    {"rp_pool_map_async", d_pool_map_async, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_map_async", d_pool_map_async, "NULL input", .want = RP_EINVAL, .null = 1,
     .only = BI_MAIN},
    {"rp_pool_map_async", d_pool_map_async, "out with records of 0 bytes", .want = RP_EINVAL,
     .k = 1, .only = BI_MAIN},
    {"rp_pool_map_async", d_pool_map_async, "timeout -0.5", .want = RP_EINVAL, .t = -0.5,
     .only = BI_MAIN},
    {"rp_pool_starmap", d_pool_starmap, "NULL result pointer", .want = RP_EINVAL, .k = 1},
    {"rp_pool_starmap", d_pool_starmap, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_starmap", d_pool_starmap, "NULL argument list", .want = RP_EINVAL, .null = 1,
     .only = BI_MAIN},
    {"rp_pool_starmap", d_pool_starmap, "argument 1 NULL with 5 bytes", .want = RP_EINVAL, .n = 2,
     .only = BI_MAIN},
    {"rp_pool_starmap", d_pool_starmap, "timeout NaN", .want = RP_EINVAL, .t = NAN,
     .only = BI_MAIN},
    {"rp_pool_starmap_async", d_pool_starmap_async, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_starmap_async", d_pool_starmap_async, "NULL argument list", .want = RP_EINVAL,
     .null = 1, .only = BI_MAIN},
    {"rp_pool_starmap_async", d_pool_starmap_async, "unknown task", .want = RP_ENOTASK,
     .s = S_MISSING, .only = BI_MAIN},
    {"rp_pool_imap", d_pool_imap, "NULL result pointer", .want = RP_EINVAL, .k = 1},
    {"rp_pool_imap", d_pool_imap, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_imap", d_pool_imap, "NULL input", .want = RP_EINVAL, .null = 1, .only = BI_MAIN},
    {"rp_pool_imap", d_pool_imap, "records of 0 bytes", .want = RP_EINVAL, .n = 1, .only = BI_MAIN},
    {"rp_pool_imap_unordered", d_pool_imap_unordered, "NULL result pointer", .want = RP_EINVAL,
     .k = 1},
    {"rp_pool_imap_unordered", d_pool_imap_unordered, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_imap_unordered", d_pool_imap_unordered, "unknown task", .want = RP_ENOTASK,
     .s = S_MISSING, .only = BI_MAIN},
    {"rp_pool_close", d_pool_close, "NULL pool", .want = RP_EINVAL},
    {"rp_pool_terminate", d_pool_terminate, "NULL pool", .want = RP_EINVAL},
    {"rp_pool_join", d_pool_join, "NULL pool", .want = RP_EINVAL, .rt = 1},
    {"rp_pool_join", d_pool_join, "an open pool", .want = RP_ESTATE, .only = BI_MAIN},
    {"rp_pool_join", d_pool_join, "timeout NaN", .want = RP_EINVAL, .t = NAN, .only = BI_MAIN},
    {"rp_pool_destroy", d_pool_destroy, "NULL (a no-op)", .want = 0},
    {"rp_result_wait", d_result_wait, "NULL result", .want = RP_EINVAL, .rt = 1},
    {"rp_result_wait", d_result_wait, "timeout NaN", .want = RP_EINVAL, .t = NAN, .only = BI_MAIN},
    {"rp_result_wait", d_result_wait, "timeout -2", .want = RP_EINVAL, .t = -2, .only = BI_MAIN},
    {"rp_result_ready", d_result_flags, "NULL result (0)", .want = 0},
    {"rp_result_successful", d_result_flags, "NULL result (0)", .want = 0},
    {"rp_result_count", d_result_flags, "NULL result (0)", .want = 0},
    {"rp_result_get", d_result_get, "NULL result", .want = RP_EINVAL, .rt = 1},
    {"rp_result_get", d_result_get, "timeout -infinity", .want = RP_EINVAL, .t = -INFINITY,
     .only = BI_MAIN},
    {"rp_result_item", d_result_item, "NULL result", .want = RP_EINVAL, .rt = 1},
    {"rp_result_item", d_result_item, "item 5 of 1", .want = RP_ERANGE, .i = 5, .only = BI_MAIN},
    {"rp_result_next", d_result_next, "NULL result", .want = RP_EINVAL, .rt = 1},
    {"rp_result_next", d_result_next, "timeout NaN", .want = RP_EINVAL, .t = NAN, .only = BI_MAIN},
    {"rp_result_error", d_result_error, "NULL result", .want = RP_EINVAL, .rt = 1},
    {"rp_result_error", d_result_error, "NULL output", .want = RP_EINVAL, .null = 1,
     .only = BI_MAIN},
    {"rp_result_free", d_result_free, "NULL (a no-op)", .want = 0},

    {"rp_process_create", d_process_create, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_process_create", d_process_create, "NULL process pointer", .want = RP_EINVAL, .null = 1},
    {"rp_process_create", d_process_create, "NULL argument of 3 bytes", .want = RP_EINVAL, .k = 1},
    {"rp_process_create", d_process_create, "unknown task", .want = RP_ENOTASK, .s = S_MISSING,
     .want_in = on_worker_notmanager},
    {"rp_process_create", d_process_create, "rank 99", .want = RP_EINVAL, .i = 1,
     .want_in = on_worker_notmanager},
    {"rp_process_create", d_process_create, "a name of 299 bytes", .want = RP_EINVAL, .i = 2,
     .want_in = on_worker_notmanager},
    {"rp_process_create", d_process_create, "an argument over one message", .want = RP_ETOOBIG,
     .n = SIZE_MAX / 2, .want_in = on_worker_notmanager},
    {"rp_process_create_fn", d_process_create_fn, "NULL runtime", .want = RP_EINVAL, .rt = 1},
    {"rp_process_create_fn", d_process_create_fn, "NULL function", .want = RP_EINVAL, .null = 1},
    {"rp_process_create_fn", d_process_create_fn, "a function not registered", .want = RP_ENOTASK},
    {"rp_process_set_daemon", d_process_set_daemon, "NULL process", .want = RP_EINVAL, .rt = 1},
    {"rp_process_set_daemon", d_process_set_daemon, "a process that ran", .want = RP_ESTATE,
     .only = BI_MAIN},
    {"rp_process_start", d_process_start, "NULL process", .want = RP_EINVAL, .rt = 1},
    {"rp_process_start", d_process_start, "a process that ran", .want = RP_ESTATE, .only = BI_MAIN},
    {"rp_process_join", d_process_join, "NULL process", .want = RP_EINVAL, .rt = 1},
    {"rp_process_join", d_process_join, "timeout NaN", .want = RP_EINVAL, .t = NAN,
     .only = BI_MAIN},
    {"rp_process_join", d_process_join, "timeout -3", .want = RP_EINVAL, .t = -3, .only = BI_MAIN},
    {"rp_process_terminate", d_process_signal, "NULL process", .want = RP_EINVAL},
    {"rp_process_kill", d_process_signal, "NULL process", .want = RP_EINVAL, .i = 1},
    {"rp_process_exitcode", d_process_exitcode, "NULL process", .want = RP_EINVAL, .rt = 1},
    {"rp_process_exitcode", d_process_exitcode, "NULL output", .want = RP_EINVAL, .null = 1,
     .only = BI_MAIN},
    {"rp_process_is_alive", d_process_queries, "NULL process (the documented answers)", .want = 0},
    {"rp_process_pid", d_process_queries, "NULL process", .want = 0},
    {"rp_process_name", d_process_queries, "NULL process", .want = 0},
    {"rp_process_host", d_process_queries, "NULL process", .want = 0},
    {"rp_process_rank", d_process_queries, "NULL process", .want = 0},
    {"rp_process_daemon", d_process_queries, "NULL process", .want = 0},
    {"rp_process_destroy", d_process_queries, "NULL process", .want = 0},
    {"rp_current_process", d_current_process, "NULL output", .want = RP_EINVAL},
    {"rp_current_process", d_current_process, "NULL runtime (allowed: rank -1)", .want = 0,
     .rt = 1},

    {"rp_return", d_return, "NULL context", .want = RP_EINVAL, .null = 1, .n = 1},
    {"rp_return", d_return, "NULL data of 5 bytes", .want = RP_EINVAL},
    {"rp_return", d_return, "a result over one message", .want = RP_EINVAL, .n = SIZE_MAX / 2,
     .want_in = in_task_toobig},
    {"rp_return_buffer", d_return_buffer, "NULL context (NULL)", .want = 0, .null = 1, .n = 8},
    {"rp_return_buffer", d_return_buffer, "SIZE_MAX bytes (NULL)", .want = 0, .n = SIZE_MAX},
    {"rp_fail", d_fail, "code 0 and no message (-1)", .want = 0},
    {"rp_task_rank", d_task_queries, "NULL context (-1)", .want = 0},
    {"rp_task_index", d_task_queries, "NULL context (0)", .want = 0},
    {"rp_task_runtime", d_task_queries, "NULL context (NULL)", .want = 0},
    {.fn = NULL},
};
