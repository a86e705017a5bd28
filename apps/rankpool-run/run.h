/*
 * rankpool-run: a command runner in GNU parallel's shape, on MPI, built on
 * the rankpool Pool.  Rank 0 reads the options and the input, makes one job
 * per input line (or per combination of ::: values), and submits them to a
 * pool; each worker rank runs its jobs with fork/exec, each in a process
 * group of its own, and sends back their output, exit status and times.
 *
 * The files, by role: args.c (options), input.c (input sources, --colsep,
 * the combination of sources, --shuf), replace.c (replacement strings and
 * quoting), joblog.c (--joblog, --resume), output.c (printing, --tag, -k,
 * --results, --bar), spec.c (what travels between rank 0 and a worker),
 * worker.c (running jobs on a worker), main.c (rank 0's scheduling).
 */
#ifndef RANKPOOL_RUN_H
#define RANKPOOL_RUN_H

#include <rankpool.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit status for bad input: an unknown option, no input, an unreadable
 * file, a malformed joblog. */
#define RR_EXIT_USAGE 2

/* ---- a growable byte buffer (spec.c) ------------------------------------ */

typedef struct rr_buf {
    char *p;
    size_t len, cap;
} rr_buf;

/** Append @p n bytes; exits the program if memory is out. */
void rr_buf_add(rr_buf *b, const void *data, size_t n);
/** Append a C string (without its NUL). */
void rr_buf_str(rr_buf *b, const char *s);
/** Append one byte. */
void rr_buf_chr(rr_buf *b, char c);
void rr_buf_free(rr_buf *b);
/** malloc, calloc, realloc and strdup that exit the program when memory is out. */
void *rr_xmalloc(size_t n);
void *rr_xrealloc(void *p, size_t n);
char *rr_xstrdup(const char *s);

/* ---- options (args.c) ---------------------------------------------------- */

/** One input source: the values after a ::: or in a file, or standard input. */
typedef struct rr_source {
    char **vals;
    size_t n, cap;
    int linked;       /* :::+ or ::::+: paired value by value with the source before */
    const char *file; /* its values are the lines of this file ("-": standard input), or NULL */
} rr_source;

/** Append a value to @p s (borrowed). */
void rr_source_add(rr_source *s, char *v);

enum { RR_HALT_NEVER, RR_HALT_NOW, RR_HALT_SOON };

typedef struct rr_opts {
    char **cmd; /* the command words (joined with spaces), may be empty */
    int ncmd;
    rr_source *src; /* ::: / :::: / -a sources in order; none: standard input */
    int nsrc;
    const char *colsep; /* --colsep REGEX, or NULL */
    int keep_order, tag, line_buffer, dry_run, shuf, bar, eta;
    int jobs;        /* -j: job slots per worker; 0: the cores of its binding */
    int retries;     /* --retries: tries a job gets in all (GNU parallel's meaning), >= 1 */
    double timeout;  /* --timeout seconds, 0: none */
    double delay;    /* --delay seconds between job starts */
    int halt;        /* RR_HALT_* */
    int halt_fail;   /* --halt ...,fail=N (0: not given) */
    int halt_ok;     /* --halt ...,success=N */
    double halt_pct; /* fail=X%: a share of the jobs instead of a number (0: not given) */
    int halt_pct_ok; /* the share is of successes */
    const char *joblog, *results, *wd;
    int resume, resume_failed;
    char **env; /* --env names */
    int nenv;
} rr_opts;

/**
 * Parse the command line (after the program name).  Returns 0, or prints
 * what is wrong on stderr and returns RR_EXIT_USAGE; -1 after --help or
 * --version was printed (exit 0).
 */
int rr_parse_args(int argc, char **argv, rr_opts *o);

/* ---- input (input.c) ------------------------------------------------------ */

/** One job's arguments: the values of each source (columns with --colsep). */
typedef struct rr_args {
    char **v;
    int n;
} rr_args;

typedef struct rr_jobs {
    rr_args *a;
    size_t n;
} rr_jobs;

/**
 * Read the sources (standard input if none), split columns, combine the
 * sources as GNU parallel does (every combination, the last source varying
 * fastest; linked sources value by value) and shuffle if asked.  Returns
 * 0, or prints why and returns RR_EXIT_USAGE (an unreadable file, no input).
 */
int rr_read_jobs(rr_opts *o, rr_jobs *jobs);

/* ---- replacement strings (replace.c) -------------------------------------- */

/**
 * The command of job @p seq with arguments @p a: the command words joined
 * with spaces, each replacement string ({} {.} {/} {//} {/.} {#} {%} {n}
 * {n.} {n/} {n//} {n/.}) replaced by its value, shell-quoted; with none,
 * the arguments are appended.  {%} (the job slot) is known only where the
 * job runs: its offsets in the result are put in @p slots (may be NULL).
 */
void rr_expand(const rr_opts *o, const rr_args *a, uint64_t seq, rr_buf *out, rr_buf *slots);

/** Append @p s to @p out quoted for the shell as GNU parallel quotes it. */
void rr_quote(rr_buf *out, const char *s);

/* ---- what travels (spec.c) ----------------------------------------------- */

/* Settings every job shares: the pool initializer's argument. */
typedef struct rr_config {
    double timeout;   /* seconds, 0: none */
    int32_t tries;    /* tries of a job in all */
    int32_t slots;    /* job slots per worker; 0: the cores of its binding */
    int32_t line_buf; /* send whole lines as they come (the lines queue) */
    uint64_t halt;    /* rp_event: set when running jobs must be killed */
    uint64_t lines;   /* rp_queue: output lines with --line-buffer */
    const char *env;  /* NAME=VALUE pairs, each ended by a NUL */
    size_t env_len;
    const char *wd;    /* or "" */
    const char *shell; /* runs the commands that need one */
} rr_config;

void rr_config_encode(const rr_config *c, rr_buf *out);
/** Decode (pointers into @p data).  0, or -1 if malformed. */
int rr_config_decode(const void *data, size_t len, rr_config *c);

/* A job as it travels: its sequence number and command ({%} at offsets). */
typedef struct rr_spec {
    uint64_t seq;
    const char *cmd;
    uint32_t cmd_len;
    const void *slots; /* u32 offsets in cmd where the slot number goes (unaligned) */
    uint32_t nslots;
} rr_spec;

/** Offset @p i of @p s's slot numbers. */
uint32_t rr_spec_slot(const rr_spec *s, uint32_t i);

/*
 * A pool item is one job.  The jobs of one call (a group of up to a
 * worker's slots) run at once: item 0's argument carries every job of the
 * group, and the worker that gets it runs them all and keeps the others'
 * outcomes for items 1.. of the call, which it then gets (one chunk).
 */
typedef struct rr_item {
    uint64_t group; /* the call's number */
    uint32_t index; /* this item's index in the call */
    uint32_t njobs; /* jobs carried: the whole group for item 0, else 1 */
    const void *jobs;
    size_t jobs_len;
} rr_item;

void rr_spec_encode(const rr_spec *s, rr_buf *out);
/** Decode the spec at *@p p (@p end: end of the data), advancing *p.  0 or -1. */
int rr_spec_decode(const char **p, const char *end, rr_spec *s);
void rr_item_encode(uint64_t group, uint32_t index, uint32_t njobs, const void *jobs,
                    size_t jobs_len, rr_buf *out);
int rr_item_decode(const void *data, size_t len, rr_item *it);

/* A job's outcome, the item's result. */
typedef struct rr_outcome {
    uint64_t seq;
    int32_t exitval; /* exit status, or -1 if killed by a signal or not started */
    int32_t signal;  /* the signal that ended it, or 0 */
    int32_t slot;    /* its job slot, from 1 */
    int32_t attempt; /* the try it was */
    int32_t timed_out;
    int32_t rank;   /* the worker rank that ran it */
    int32_t halted; /* killed or not started: --halt now, or a signal to the job */
    double start;   /* seconds since the epoch */
    double runtime; /* seconds */
    const char *out, *err;
    size_t out_len, err_len;
} rr_outcome;

void rr_outcome_encode(const rr_outcome *o, rr_buf *out);
int rr_outcome_decode(const void *data, size_t len, rr_outcome *o);

/* ---- the worker side (worker.c) ------------------------------------------- */

/** The pool initializer: takes the rr_config. */
int rr_task_setup(rp_task_ctx *ctx, const void *arg, size_t size);
/** The task: one item (rr_item), its result one rr_outcome. */
int rr_task_job(rp_task_ctx *ctx, const void *arg, size_t size);

/* ---- the job log (joblog.c) ----------------------------------------------- */

/** Jobs of an earlier run, from its joblog (--resume, --resume-failed). */
typedef struct rr_done {
    unsigned char *state; /* per seq: 0 not in the log, 1 succeeded, 2 failed */
    size_t n;
} rr_done;

/**
 * Read joblog @p path into @p d.  A missing file is an empty log.  Returns
 * 0, or prints why and returns RR_EXIT_USAGE (unreadable, malformed).
 */
int rr_joblog_read(const char *path, rr_done *d);
/** Open the joblog (append when resuming); writes the header if new.  NULL on error. */
FILE *rr_joblog_open(const char *path, int append);
/** One line for a finished job. */
void rr_joblog_line(FILE *f, const rr_outcome *o, const char *host, const char *cmd,
                    size_t cmd_len);

/* ---- output (output.c) ---------------------------------------------------- */

typedef struct rr_output rr_output;

/** A printer for @p total jobs.  @p o is borrowed. */
rr_output *rr_output_new(const rr_opts *o, size_t total);
/**
 * Job @p seq is finished: print it now, or keep it until the jobs before
 * it were printed (-k).  @p a: its arguments (--tag, --results).  @p cmd:
 * its command.  Takes nothing; copies what it keeps.
 */
void rr_output_job(rr_output *w, const rr_outcome *oc, const rr_args *a);
/** Job @p seq will not run (skipped by --resume, canceled): -k goes past it. */
void rr_output_skip(rr_output *w, uint64_t seq);
/** Whole lines of job @p seq (arguments @p a) that came before its end (--line-buffer). */
void rr_output_lines(rr_output *w, uint64_t seq, int err, const char *data, size_t len,
                     const rr_args *a);
/**
 * The progress line (--bar, --eta) if due, on a terminal; with @p last the
 * summary line instead (@p lost: jobs run again after a lost worker).
 */
void rr_output_progress(rr_output *w, size_t done, size_t failed, size_t running, size_t lost,
                        int last);
void rr_output_free(rr_output *w);

/** Seconds since the epoch, and a monotonic clock. */
double rr_wall(void);
double rr_mono(void);

#endif /* RANKPOOL_RUN_H */
