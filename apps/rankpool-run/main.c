/*
 * rankpool-run: run a list of shell commands over the ranks of an MPI job,
 * in GNU parallel's spelling (rankpool-run(1)).
 *
 *     mpirun -np 65 rankpool-run [options] COMMAND ::: ARGS...
 *
 * Rank 0 reads the input, makes the jobs and schedules them on a rankpool
 * Pool; the other ranks run them (worker.c).  A call is a group of jobs,
 * as many as a worker's slots; rank 0 keeps a window of calls in flight
 * and takes them back as they complete (rp_as_completed), prints, logs,
 * and sends more.  A failed job is sent again by the pool's retries, a lost
 * worker's jobs by its recovery; --halt cancels what was not sent yet
 * (rp_result_cancel) and sets an event that makes the workers kill what runs.
 */
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const rp_task_def tasks[] = {{"rr_setup", rr_task_setup}, {"rr_job", rr_task_job}};

/* A call in flight: its handle and the arguments it borrows until it is ready. */
struct call {
    rp_result *res;
    int n;
    rr_buf *items;
    const void **args;
    size_t *sizes;
};

/* Rank 0's state while the jobs run. */
typedef struct sched {
    const rr_opts *o;
    rp_runtime *rt;
    rp_pool *pool;
    rr_jobs jobs;
    rr_done prior; /* --resume, --resume-failed */
    rr_output *out;
    FILE *log;
    rp_queue lines; /* --line-buffer */
    rp_event halt;
    size_t done, failed, ok, lost;
    int halting, status; /* --halt: 0, or RR_HALT_*; the exit status it sets */
    struct call *flight; /* calls in flight */
    size_t nflight, capflight;
    rr_buf cmd;
} sched;

/* Should job @p seq run, after the joblog of an earlier run? */
static int wanted(const sched *s, uint64_t seq) {
    const rr_opts *o = s->o;
    int st = seq <= s->prior.n ? s->prior.state[seq - 1] : 0;
    if (o->resume)
        return st == 0;
    if (o->resume_failed)
        return st != 1;
    return 1;
}

/* The settings every job shares, for the pool's initializer. */
static void config(const sched *s, int group, rr_buf *out) {
    const rr_opts *o = s->o;
    rr_buf env = {0};
    for (int i = 0; i < o->nenv; i++) {
        const char *v = getenv(o->env[i]);
        if (v == NULL)
            continue;
        rr_buf_str(&env, o->env[i]);
        rr_buf_chr(&env, '=');
        rr_buf_str(&env, v);
        rr_buf_chr(&env, '\0');
    }
    const char *shell = getenv("PARALLEL_SHELL");
    if (shell == NULL || shell[0] == '\0')
        shell = getenv("SHELL");
    rr_config c = {.timeout = o->timeout,
                   .tries = o->retries,
                   .slots = group,
                   .line_buf = o->line_buffer,
                   .halt = s->halt.id,
                   .lines = s->lines.id,
                   .env = env.p ? env.p : "",
                   .env_len = env.len,
                   .wd = o->wd ? o->wd : "",
                   .shell = shell && shell[0] ? shell : "/bin/sh"};
    rr_config_encode(&c, out);
    rr_buf_free(&env);
}

/* Whole lines the workers sent early (--line-buffer): print them. */
static void drain_lines(sched *s) {
    if (!s->o->line_buffer)
        return;
    rp_value v;
    while (rp_queue_get(s->rt, s->lines, 0, &v, NULL) == 0) {
        uint64_t seq;
        if (v.type == RP_T_BYTES && v.len > sizeof seq) {
            memcpy(&seq, v.data, sizeof seq);
            const char *d = (const char *)v.data + sizeof seq;
            if (seq >= 1 && seq <= s->jobs.n)
                rr_output_lines(s->out, seq, d[0] != 0, d + 1, v.len - sizeof seq - 1,
                                &s->jobs.a[seq - 1]);
        }
        rp_value_free(&v);
    }
}

/* --halt: does this finished job stop the run? */
static void check_halt(sched *s, const rr_outcome *oc, int fail) {
    const rr_opts *o = s->o;
    if (o->halt == RR_HALT_NEVER || s->halting)
        return;
    int hit = (o->halt_fail > 0 && (int)s->failed >= o->halt_fail) ||
              (o->halt_ok > 0 && (int)s->ok >= o->halt_ok);
    if (o->halt_pct > 0 && s->done >= 3)
        hit |=
            100.0 * (double)(o->halt_pct_ok ? s->ok : s->failed) / (double)s->done >= o->halt_pct;
    if (!hit)
        return;
    s->halting = o->halt;
    s->status = fail ? (oc->exitval > 0 ? oc->exitval : 1) : 0;
    if (s->status > 255)
        s->status = 255;
    fprintf(stderr, "rankpool-run: halting (--halt): %s\n",
            o->halt == RR_HALT_NOW ? "killing the jobs that run" : "waiting for the jobs that run");
    for (size_t i = 0; i < s->nflight; i++)
        rp_result_cancel(s->flight[i].res); /* what was not sent yet */
    if (o->halt == RR_HALT_NOW)
        rp_event_set(s->rt, s->halt);
}

/* One job's outcome from item @p i of call @p res. */
static void finished(sched *s, rp_result *res, size_t i) {
    const void *data;
    size_t len;
    int rc = rp_result_item(res, i, &data, &len);
    rr_outcome oc;
    if (rc == RP_ECANCELED || rc == RP_EINTR)
        return; /* never sent: --halt, or a signal stopped the run */
    if (rc != 0 || rr_outcome_decode(data, len, &oc) != 0) {
        /* Lost too often, or no answer: a failed job with the reason. */
        rp_task_error e;
        const char *why = rp_result_error(res, &e) == 0 && e.message ? e.message : rp_strerror(rc);
        fprintf(stderr, "rankpool-run: a job of call %p did not run: %s\n", (void *)res, why);
        s->done++;
        s->failed++;
        return;
    }
    if (oc.halted)
        return; /* killed or never started: --halt now, or a signal stopped the run */
    int fail = oc.exitval != 0 || oc.signal != 0;
    s->done++;
    s->failed += fail;
    s->ok += !fail;
    int tries = rp_result_attempts(res, i);
    if (tries > oc.attempt)
        s->lost += (size_t)(tries - oc.attempt);
    const rr_args *a = &s->jobs.a[oc.seq - 1];
    rr_expand(s->o, a, oc.seq, &s->cmd, NULL);
    if (oc.timed_out)
        fprintf(stderr,
                "rankpool-run: warning: this job was killed because it timed out:\n"
                "rankpool-run: warning: %s\n",
                s->cmd.p);
    if (s->log != NULL) {
        rp_placement_info info;
        const char *host = rp_placement_get(s->rt, oc.rank, &info) == 0 ? info.host : ":";
        rr_joblog_line(s->log, &oc, host, s->cmd.p, s->cmd.len);
    }
    rr_output_job(s->out, &oc, a);
    check_halt(s, &oc, fail);
}

/* Submit the next call: up to @p group wanted jobs from *@p next on. */
static int submit(sched *s, size_t *next, int group, rp_as_completed *it) {
    static uint64_t calls;
    struct call c = {.items = rr_xmalloc((size_t)group * sizeof(rr_buf))};
    rr_buf specs = {0}, cmd = {0}, slots = {0};
    size_t first_len = 0;
    while (c.n < group && *next < s->jobs.n) {
        uint64_t seq = ++*next;
        if (!wanted(s, seq)) {
            rr_output_skip(s->out, seq);
            continue;
        }
        rr_expand(s->o, &s->jobs.a[seq - 1], seq, &cmd, &slots);
        rr_spec sp = {seq, cmd.p, (uint32_t)cmd.len, slots.p, (uint32_t)(slots.len / 4)};
        size_t at = specs.len;
        rr_spec_encode(&sp, &specs);
        if (c.n == 0)
            first_len = specs.len;
        /* Item k carries its own job; item 0 the whole group's (below). */
        c.items[c.n] = (rr_buf){0};
        if (c.n > 0)
            rr_item_encode(calls + 1, (uint32_t)c.n, 1, specs.p + at, specs.len - at,
                           &c.items[c.n]);
        c.n++;
    }
    int rc = 0;
    if (c.n > 0) {
        calls++;
        rr_item_encode(calls, 0, (uint32_t)c.n, specs.p, c.n > 1 ? specs.len : first_len,
                       &c.items[0]);
        c.args = rr_xmalloc((size_t)c.n * sizeof *c.args);
        c.sizes = rr_xmalloc((size_t)c.n * sizeof *c.sizes);
        for (int k = 0; k < c.n; k++) {
            c.args[k] = c.items[k].p;
            c.sizes[k] = c.items[k].len;
        }
        rp_call_options co = RP_CALL_OPTIONS_INIT;
        co.chunksize = (size_t)c.n; /* one chunk: one worker runs the group */
        co.retries = s->o->retries - 1;
        rc = rp_pool_starmap_async(s->pool, "rr_job", c.args, c.sizes, (size_t)c.n, &co, &c.res);
        if (rc == 0)
            rc = rp_as_completed_add(it, c.res);
    }
    if (rc == 0 && c.n > 0) {
        if (s->nflight == s->capflight) {
            s->capflight = s->capflight ? s->capflight * 2 : 16;
            s->flight = rr_xrealloc(s->flight, s->capflight * sizeof *s->flight);
        }
        s->flight[s->nflight++] = c;
    } else {
        for (int k = 0; k < c.n; k++)
            rr_buf_free(&c.items[k]);
        free(c.items);
        free(c.args);
        free(c.sizes);
    }
    rr_buf_free(&specs);
    rr_buf_free(&cmd);
    rr_buf_free(&slots);
    return rc;
}

/* Call @p res is complete: its jobs' outcomes, then its memory. */
static void complete(sched *s, rp_result *res) {
    size_t k = 0;
    while (k < s->nflight && s->flight[k].res != res)
        k++;
    for (size_t i = 0; i < rp_result_count(res); i++)
        finished(s, res, i);
    rp_result_free(res);
    if (k == s->nflight)
        return;
    struct call c = s->flight[k];
    s->flight[k] = s->flight[--s->nflight];
    for (int i = 0; i < c.n; i++)
        rr_buf_free(&c.items[i]);
    free(c.items);
    free(c.args);
    free(c.sizes);
}

/* Job slots per worker: -j, or the cores of a worker's binding. */
static int slots_per_worker(const sched *s) {
    if (s->o->jobs > 0)
        return s->o->jobs;
    rp_placement_info info;
    int rank = rp_size(s->rt) > 1 ? 1 : 0;
    if (rp_placement_get(s->rt, rank, &info) == 0 && info.units > 0)
        return info.units;
    return 1;
}

/* --dry-run: the commands, nothing run. */
static int dry_run(sched *s) {
    for (size_t j = 0; j < s->jobs.n; j++)
        if (wanted(s, j + 1)) {
            rr_expand(s->o, &s->jobs.a[j], j + 1, &s->cmd, NULL);
            printf("%s\n", s->cmd.p);
        }
    return 0;
}

static int run(sched *s) {
    const rr_opts *o = s->o;
    if (rp_event_open(s->rt, NULL, RP_CREATE, &s->halt) != 0 ||
        (o->line_buffer &&
         rp_queue_open(s->rt, NULL, RP_CREATE, RP_QUEUE_FIFO, 0, &s->lines) != 0)) {
        fprintf(stderr, "rankpool-run: %s\n", rp_last_error());
        return 1;
    }
    int group = slots_per_worker(s);
    if (o->delay > 0)
        group = 1; /* one job at a time, the delay between them */
    rr_buf init = {0};
    config(s, o->jobs, &init);
    rp_pool_options po = RP_POOL_OPTIONS_INIT;
    po.initializer = "rr_setup";
    po.initarg = init.p;
    po.initarg_size = init.len;
    int rc = rp_pool_create(s->rt, &po, &s->pool);
    rr_buf_free(&init);
    if (rc != 0) {
        fprintf(stderr, "rankpool-run: %s\n", rp_last_error());
        return 1;
    }
    if (o->joblog != NULL &&
        (s->log = rr_joblog_open(o->joblog, o->resume || o->resume_failed)) == NULL)
        return RR_EXIT_USAGE;
    rp_as_completed *it;
    if (rp_as_completed_create(NULL, 0, &it) != 0)
        return 1;
    /* Enough calls in flight that every worker has its next one at hand. */
    size_t window = 4 * (size_t)rp_pool_workers(s->pool) + 4, next = 0;
    double next_start = rr_mono();
    int wait_lines = o->line_buffer || o->bar || o->eta;
    while (rc == 0) {
        while (!s->halting && s->nflight < window && next < s->jobs.n &&
               (o->delay <= 0 || rr_mono() >= next_start)) {
            if ((rc = submit(s, &next, group, it)) != 0)
                break;
            next_start = rr_mono() + o->delay;
        }
        if (rc != 0 || (s->nflight == 0 && (next >= s->jobs.n || s->halting)))
            break;
        double t = wait_lines ? 0.1 : RP_FOREVER;
        if (o->delay > 0 && next < s->jobs.n) {
            double d = next_start - rr_mono();
            t = t < 0 || d < t ? (d > 0 ? d : 0) : t;
        }
        if (s->nflight == 0) { /* only the --delay to wait for */
            struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
            nanosleep(&ts, NULL);
            continue;
        }
        rp_result *res;
        int r = rp_as_completed_next(it, t, &res);
        drain_lines(s);
        if (r == 0)
            complete(s, res);
        else if (r != RP_ETIMEDOUT)
            rc = r;
        rp_pool_stats st;
        if ((o->bar || o->eta) && rp_pool_get_stats(s->pool, &st, NULL, 0) == 0)
            rr_output_progress(s->out, s->done, s->failed, st.running, s->lost, 0);
    }
    rp_as_completed_free(it);
    if (rc != 0)
        fprintf(stderr, "rankpool-run: %s: %s\n", rp_err_name(rc), rp_last_error());
    rr_output_progress(s->out, s->done, s->failed, 0, s->lost, 1);
    if (s->log != NULL)
        fclose(s->log);
    rp_pool_destroy(s->pool);
    rp_event_destroy(s->rt, s->halt);
    if (o->line_buffer)
        rp_queue_destroy(s->rt, s->lines);
    if (rc != 0)
        return 1;
    if (s->halting)
        return s->status;
    return s->failed > 100 ? 101 : (int)s->failed;
}

static int body(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)user;
    rr_opts o;
    int rc = rr_parse_args(argc - 1, argv + 1, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    sched s = {.o = &o, .rt = rt};
    if ((rc = rr_read_jobs(&o, &s.jobs)) != 0)
        return rc;
    if ((o.resume || o.resume_failed) && (rc = rr_joblog_read(o.joblog, &s.prior)) != 0)
        return rc;
    s.out = rr_output_new(&o, s.jobs.n);
    rc = o.dry_run ? dry_run(&s) : run(&s);
    rr_output_free(s.out);
    rr_buf_free(&s.cmd);
    fflush(stdout);
    return rc;
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = sizeof tasks / sizeof tasks[0];
    return rp_main(&argc, &argv, &opt, body, NULL);
}
