/*
 * The worker side: the pool's initializer keeps the settings every job
 * shares, and the task runs jobs.  Each job is started with vfork + exec
 * (a copy of an MPI process's page tables would cost more than the job),
 * in a process group of its own, stdin from /dev/null, stdout and stderr
 * into pipes read here; with --timeout its group gets SIGTERM, then SIGKILL.
 * A command without shell syntax is run directly, others by the shell.
 *
 * A call's item 0 carries every job of the call: the worker that gets it
 * runs them all at once, up to its slots, and keeps the outcomes of the
 * others for items 1.. of the call, which come to it in the same chunk.
 * A job that failed is reported as a failed task while it has tries left,
 * so the pool's retries send it again (rp_task_attempt counts them).
 */
#define _GNU_SOURCE /* pipe2 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Seconds between two looks at the halt event and the signals. */
#define RR_CHECK_EVERY 0.1
/* From SIGTERM to SIGKILL for a job that timed out or is halted. */
#define RR_KILL_GRACE 0.2

static struct {
    int ready;
    void *arg; /* the initializer's argument, which cfg points into */
    rr_config cfg;
    char **envp;
    int slots, base; /* job slots here; the first one's number less one */
    int devnull;
    sigset_t handled; /* signals with a handler here: the jobs get the default */
    /* Outcomes of the jobs of a call run with its item 0, for its other items. */
    struct stash {
        uint64_t group;
        uint32_t index;
        int failed;
        rr_buf data;
    } * st;
    size_t nst;
} W;

/* The environment of the jobs: this rank's, with rank 0's values of --env. */
static void make_env(void) {
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    size_t extra = 0;
    for (size_t at = 0; at < W.cfg.env_len; at += strlen(W.cfg.env + at) + 1)
        extra++;
    W.envp = rr_xmalloc((n + extra + 1) * sizeof *W.envp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t klen = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
        int replaced = 0;
        for (size_t at = 0; at < W.cfg.env_len && !replaced; at += strlen(W.cfg.env + at) + 1)
            replaced = strncmp(W.cfg.env + at, environ[i], klen) == 0;
        if (!replaced)
            W.envp[m++] = environ[i];
    }
    for (size_t at = 0; at < W.cfg.env_len; at += strlen(W.cfg.env + at) + 1)
        W.envp[m++] = (char *)W.cfg.env + at;
    W.envp[m] = NULL;
}

int rr_task_setup(rp_task_ctx *ctx, const void *arg, size_t size) {
    free(W.arg);
    free(W.envp);
    W.arg = rr_xmalloc(size);
    memcpy(W.arg, arg, size);
    if (rr_config_decode(W.arg, size, &W.cfg) != 0)
        return rp_fail(ctx, 1, "rankpool-run: malformed settings");
    make_env();
    W.slots = W.cfg.slots;
    if (W.slots <= 0) {
        rp_placement_info info;
        W.slots =
            rp_placement_get(rp_task_runtime(ctx), rp_task_rank(ctx), &info) == 0 && info.units > 0
                ? info.units
                : rp_cpu_count();
    }
    int rank = rp_task_rank(ctx);
    W.base = rank > 0 ? (rank - 1) * W.slots : 0;
    if (W.devnull <= 0)
        W.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    sigemptyset(&W.handled);
    for (int s = 1; s < NSIG; s++) {
        struct sigaction sa;
        if (s != SIGKILL && s != SIGSTOP && sigaction(s, NULL, &sa) == 0 &&
            sa.sa_handler != SIG_DFL)
            sigaddset(&W.handled, s);
    }
    W.ready = 1;
    return 0;
}

/* ---- starting a job ------------------------------------------------------- */

/* Can the command run without a shell?  Words of plain characters only, and
 * not a shell builtin whose behavior differs from the program of that name. */
static int plain_words(const char *cmd) {
    static const char *const builtins[] = {
        "echo",    "printf", "test",  "[",      "cd",    "exit",  "export", "set",  "unset",
        "exec",    "eval",   "read",  "source", ".",     "wait",  "kill",   "trap", "type",
        "command", "pwd",    "umask", "ulimit", "alias", "times", NULL};
    for (const char *p = cmd; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(" _./+,:@%^-", *p) != NULL))
            return 0;
    while (*cmd == ' ')
        cmd++;
    size_t n = strcspn(cmd, " ");
    if (n == 0)
        return 0;
    for (int i = 0; builtins[i]; i++)
        if (strlen(builtins[i]) == n && strncmp(cmd, builtins[i], n) == 0)
            return 0;
    return 1;
}

/* The path of program @p name along PATH, into @p out; 0, or -1 if none. */
static int find_program(const char *name, rr_buf *out) {
    out->len = 0;
    if (strchr(name, '/') != NULL) {
        rr_buf_str(out, name);
        return access(name, X_OK);
    }
    const char *path = getenv("PATH");
    for (char **e = W.envp; *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *d = path;; d++) {
        size_t n = strcspn(d, ":");
        out->len = 0;
        rr_buf_add(out, n ? d : ".", n ? n : 1);
        rr_buf_chr(out, '/');
        rr_buf_str(out, name);
        if (access(out->p, X_OK) == 0)
            return 0;
        d += n;
        if (*d == '\0')
            return -1;
    }
}

typedef struct job {
    rr_spec s;
    rr_buf cmd; /* with its slot number in */
    pid_t pid;
    int fd[2]; /* stdout, stderr; -1 when closed */
    rr_buf b[2];
    size_t sent[2]; /* bytes of b already sent as lines (--line-buffer) */
    double t0, kill_at;
    int killing; /* 1: SIGTERM sent */
    rr_outcome oc;
    int state; /* 0 waiting, 1 running, 2 done */
} job;

/* Start @p j in slot @p slot (from 1).  Returns 0, or -1 (j is then done,
 * failed to start, with the reason as its stderr). */
static int start(job *j, int slot) {
    j->oc = (rr_outcome){.seq = j->s.seq, .slot = slot, .exitval = -1};
    /* The command, with the slot number where {%} was. */
    char num[16];
    int nl = snprintf(num, sizeof num, "%d", slot);
    uint32_t at = 0;
    for (uint32_t k = 0; k < j->s.nslots; k++) {
        uint32_t off = rr_spec_slot(&j->s, k);
        rr_buf_add(&j->cmd, j->s.cmd + at, off - at);
        rr_buf_add(&j->cmd, num, (size_t)nl);
        at = off;
    }
    rr_buf_add(&j->cmd, j->s.cmd + at, j->s.cmd_len - at);
    /* argv: the words, or the shell with the command. */
    rr_buf prog = {0}, words = {0};
    char *argv_sh[] = {(char *)W.cfg.shell, "-c", j->cmd.p, NULL}, **argv = argv_sh, *list[64];
    int direct = plain_words(j->cmd.p);
    if (direct) {
        rr_buf_str(&words, j->cmd.p);
        int n = 0;
        for (char *tok = strtok(words.p, " "); tok && n < 63; tok = strtok(NULL, " "))
            list[n++] = tok;
        list[n] = NULL;
        direct = n < 63 && find_program(list[0], &prog) == 0;
        argv = list;
    }
    if (!direct) {
        argv = argv_sh;
        rr_buf_free(&prog);
        rr_buf_str(&prog, W.cfg.shell);
    }
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        const char *m = "rankpool-run: no pipe for the job\n";
        rr_buf_str(&j->b[1], m);
        rr_buf_free(&prog);
        rr_buf_free(&words);
        return -1;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    j->t0 = rr_mono();
    j->oc.start = rr_wall();
    pid_t pid = vfork();
    if (pid == 0) {
        /* The child, sharing the parent's memory until exec: system calls only. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with its worker rank */
        dup2(W.devnull, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (W.cfg.wd[0] != '\0' && chdir(W.cfg.wd) != 0) {
            static const char m[] = "rankpool-run: cannot change to the --wd directory\n";
            if (write(2, m, sizeof m - 1) < 0)
                _exit(126);
            _exit(126);
        }
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        for (int s = 1; s < NSIG; s++)
            if (sigismember(&W.handled, s) == 1 || s == SIGPIPE)
                sigaction(s, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(prog.p, argv, W.envp);
        static const char m[] = "rankpool-run: cannot run the command\n";
        if (write(2, m, sizeof m - 1) < 0)
            _exit(127);
        _exit(127);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(out[1]);
    close(err[1]);
    rr_buf_free(&prog);
    rr_buf_free(&words);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        rr_buf_str(&j->b[1], "rankpool-run: cannot start the job: ");
        rr_buf_str(&j->b[1], strerror(saved));
        rr_buf_chr(&j->b[1], '\n');
        return -1;
    }
    setpgid(pid, pid); /* also here: the group exists before any kill */
    j->pid = pid;
    j->fd[0] = out[0];
    j->fd[1] = err[0];
    return 0;
}

/* Send whole lines of @p j's output that are not sent yet (--line-buffer). */
static void send_lines(rp_runtime *rt, job *j, int k) {
    rr_buf *b = &j->b[k];
    size_t end = b->len;
    while (end > j->sent[k] && b->p[end - 1] != '\n')
        end--;
    if (end <= j->sent[k])
        return;
    rr_buf msg = {0};
    uint64_t seq = j->s.seq;
    char which = (char)k;
    rr_buf_add(&msg, &seq, sizeof seq);
    rr_buf_add(&msg, &which, 1);
    rr_buf_add(&msg, b->p + j->sent[k], end - j->sent[k]);
    rp_queue q = {W.cfg.lines};
    if (rp_queue_put(rt, q, rp_bytes(msg.p, msg.len), RP_FOREVER) == 0)
        j->sent[k] = end;
    rr_buf_free(&msg);
}

/* Read what @p j's pipe @p k has; at the end of both, reap it. */
static void drain(rp_runtime *rt, job *j, int k) {
    char tmp[65536];
    ssize_t n = read(j->fd[k], tmp, sizeof tmp);
    if (n > 0) {
        rr_buf_add(&j->b[k], tmp, (size_t)n);
        if (W.cfg.line_buf)
            send_lines(rt, j, k);
        return;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    close(j->fd[k]);
    j->fd[k] = -1;
    if (j->fd[0] >= 0 || j->fd[1] >= 0)
        return;
    if (j->killing)
        kill(-j->pid, SIGKILL); /* what ignored SIGTERM; the leader is not reaped yet */
    int status;
    while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
        ;
    j->oc.runtime = rr_mono() - j->t0;
    if (WIFSIGNALED(status)) {
        j->oc.signal = WTERMSIG(status);
        j->oc.exitval = j->oc.timed_out ? -1 : 0; /* as GNU parallel logs them */
    } else {
        j->oc.exitval = WEXITSTATUS(status);
    }
    j->state = 2;
}

static void finish_outcome(job *j) {
    j->oc.out = j->b[0].p + j->sent[0];
    j->oc.out_len = j->b[0].len - j->sent[0];
    j->oc.err = j->b[1].p ? j->b[1].p + j->sent[1] : "";
    j->oc.err_len = j->b[1].len - j->sent[1];
    if (j->oc.out == NULL)
        j->oc.out = "";
}

/*
 * Run the @p n jobs, at most W.slots at once.  Returns 1 if they were
 * halted (the halt event, or a signal to this rank), else 0.
 */
static int run_jobs(rp_runtime *rt, job *jobs, size_t n) {
    int *free_slot = rr_xmalloc((size_t)W.slots * sizeof *free_slot);
    for (int s = 0; s < W.slots; s++)
        free_slot[s] = 1;
    size_t next = 0, done = 0;
    int halted = 0;
    double last_check = rr_mono();
    struct pollfd *pf = rr_xmalloc(2 * n * sizeof *pf);
    job **who = rr_xmalloc(2 * n * sizeof *who);
    while (done < n) {
        /* Start what fits. */
        for (int s = 0; s < W.slots && next < n && !halted; s++) {
            if (!free_slot[s])
                continue;
            job *j = &jobs[next++];
            if (start(j, W.base + s + 1) != 0) {
                j->state = 2;
                done++;
                continue;
            }
            j->state = 1;
            free_slot[s] = 0;
        }
        if (halted)
            while (next < n) { /* never started */
                jobs[next].oc = (rr_outcome){.seq = jobs[next].s.seq, .exitval = -1};
                jobs[next++].state = 2;
                done++;
            }
        int np = 0;
        double now = rr_mono(), wait = RR_CHECK_EVERY;
        for (size_t i = 0; i < n; i++) {
            job *j = &jobs[i];
            if (j->state != 1)
                continue;
            double due = j->killing ? j->kill_at : W.cfg.timeout > 0 ? j->t0 + W.cfg.timeout : -1;
            if (due >= 0 && due <= now) {
                if (j->killing) {
                    kill(-j->pid, SIGKILL);
                    j->kill_at = now + 1;
                } else {
                    j->oc.timed_out = 1;
                    j->killing = 1;
                    kill(-j->pid, SIGTERM);
                    j->kill_at = now + RR_KILL_GRACE;
                }
                due = j->kill_at;
            }
            if (due >= 0 && due - now < wait)
                wait = due - now;
            for (int k = 0; k < 2; k++)
                if (j->fd[k] >= 0) {
                    pf[np] = (struct pollfd){.fd = j->fd[k], .events = POLLIN};
                    who[np++] = j;
                }
        }
        if (np == 0 && done >= n)
            break;
        int r = poll(pf, (nfds_t)np, (int)(wait * 1000) + 1);
        for (int k = 0; r > 0 && k < np; k++) {
            if (pf[k].revents == 0)
                continue;
            job *j = who[k];
            drain(rt, j, pf[k].fd == j->fd[0] ? 0 : 1);
            if (j->state == 2) {
                free_slot[j->oc.slot - W.base - 1] = 1;
                done++;
            }
        }
        now = rr_mono();
        if (now - last_check >= RR_CHECK_EVERY) {
            last_check = now;
            rp_event halt = {W.cfg.halt};
            if (!halted && (rp_interrupted(rt) || rp_event_is_set(rt, halt) == 1)) {
                halted = 1;
                for (size_t i = 0; i < n; i++)
                    if (jobs[i].state == 1 && !jobs[i].killing) {
                        jobs[i].killing = 1;
                        kill(-jobs[i].pid, SIGTERM);
                        jobs[i].kill_at = now + RR_KILL_GRACE;
                    }
            }
        }
    }
    free(pf);
    free(who);
    free(free_slot);
    return halted;
}

/* ---- the task ------------------------------------------------------------- */

static int failed(const rr_outcome *oc) {
    return oc->exitval != 0 || oc->signal != 0;
}

/* Hand back one job's outcome: the result, or, while it has tries left
 * and was not halted, a failure for the pool to send it again. */
static int answer(rp_task_ctx *ctx, const char *data, size_t len, int fail) {
    int attempt = rp_task_attempt(ctx);
    if (fail && attempt < W.cfg.tries)
        return rp_fail(ctx, 1, "job failed (try %d of %d)", attempt, W.cfg.tries);
    return rp_return(ctx, data, len);
}

int rr_task_job(rp_task_ctx *ctx, const void *arg, size_t size) {
    rr_item it;
    if (!W.ready)
        return rp_fail(ctx, 1, "rankpool-run: no settings on this worker");
    if (rr_item_decode(arg, size, &it) != 0)
        return rp_fail(ctx, 1, "rankpool-run: malformed job");
    /* Run already, with item 0 of its call? */
    for (size_t i = 0; i < W.nst; i++)
        if (W.st[i].group == it.group && W.st[i].index == it.index) {
            struct stash s = W.st[i];
            W.st[i] = W.st[--W.nst];
            int rc = answer(ctx, s.data.p, s.data.len, s.failed);
            rr_buf_free(&s.data);
            return rc;
        }
    /* The jobs to run: the call's all (item 0's first try), else its own. */
    size_t n = it.index == 0 && rp_task_attempt(ctx) == 1 ? it.njobs : 1;
    job *jobs = rr_xmalloc(n * sizeof *jobs);
    memset(jobs, 0, n * sizeof *jobs);
    const char *p = it.jobs, *end = p + it.jobs_len;
    for (size_t k = 0; k < n; k++)
        if (rr_spec_decode(&p, end, &jobs[k].s) != 0) {
            free(jobs);
            return rp_fail(ctx, 1, "rankpool-run: malformed job");
        }
    for (size_t k = 0; k < n; k++)
        jobs[k].fd[0] = jobs[k].fd[1] = -1;
    int halted = run_jobs(rp_task_runtime(ctx), jobs, n);
    int rc = 0;
    rr_buf enc = {0};
    for (size_t k = 0; k < n; k++) {
        job *j = &jobs[k];
        j->oc.attempt = rp_task_attempt(ctx);
        j->oc.rank = rp_task_rank(ctx);
        j->oc.halted = halted && (j->killing || j->pid == 0);
        finish_outcome(j);
        enc.len = 0;
        rr_outcome_encode(&j->oc, &enc);
        int fail = failed(&j->oc) && !halted;
        if (k == 0) {
            rc = answer(ctx, enc.p, enc.len, fail);
        } else {
            W.st = rr_xrealloc(W.st, (W.nst + 1) * sizeof *W.st);
            W.st[W.nst] = (struct stash){it.group, (uint32_t)k, fail, {0}};
            rr_buf_add(&W.st[W.nst++].data, enc.p, enc.len);
        }
        rr_buf_free(&j->cmd);
        rr_buf_free(&j->b[0]);
        rr_buf_free(&j->b[1]);
    }
    rr_buf_free(&enc);
    free(jobs);
    return rc;
}
