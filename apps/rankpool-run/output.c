/*
 * Output on rank 0: each job's stdout and stderr printed whole when it is
 * finished (never interleaved with another job's), in input order with
 * -k, lines prefixed with the arguments with --tag, whole lines as they
 * come with --line-buffer, kept in files with --results, and the progress
 * line (--bar, --eta) with a summary at the end.
 */
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct kept {
    rr_buf out, err; /* early lines (--line-buffer), then the rest */
    const rr_args *a;
    int state; /* 0: running or not yet, 1: finished, 2: skipped, 3: printed */
} kept;

struct rr_output {
    const rr_opts *o;
    size_t total;
    kept *k;     /* per seq - 1 */
    size_t next; /* -k: the next seq to print, from 1 */
    int tty;     /* stderr is a terminal: the progress line is drawn */
    int drawn;   /* a progress line is on the terminal */
    double t0, last_draw;
};

/* Seconds on clock @p id. */
static double clock_seconds(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double rr_wall(void) {
    return clock_seconds(CLOCK_REALTIME);
}

double rr_mono(void) {
    return clock_seconds(CLOCK_MONOTONIC);
}

rr_output *rr_output_new(const rr_opts *o, size_t total) {
    rr_output *w = rr_xmalloc(sizeof *w);
    *w = (rr_output){.o = o, .total = total, .next = 1, .t0 = rr_mono()};
    w->k = rr_xmalloc(total * sizeof *w->k);
    memset(w->k, 0, total * sizeof *w->k);
    w->tty = (o->bar || o->eta) && isatty(STDERR_FILENO);
    return w;
}

/* Take the progress line off the terminal before other output. */
static void clear_bar(rr_output *w) {
    if (w->drawn) {
        fputs("\r\033[K", stderr);
        w->drawn = 0;
    }
}

/* Write @p len bytes of @p data to @p f, each line prefixed with the tag. */
static void put(rr_output *w, FILE *f, const rr_args *a, const char *data, size_t len) {
    if (!w->o->tag) {
        fwrite(data, 1, len, f);
        return;
    }
    for (size_t at = 0; at < len;) {
        for (int i = 0; i < a->n; i++) {
            fputs(a->v[i], f);
            fputc('\t', f);
        }
        const char *nl = memchr(data + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (data + at)) + 1 : len - at;
        fwrite(data + at, 1, n, f);
        at += n;
    }
}

/* mkdir -p of the directory part of a path being built in @p b. */
static int mkdirs(const char *dir) {
    char *p = rr_xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

static void write_file(const char *dir, const char *name, const char *data, size_t len) {
    rr_buf path = {0};
    rr_buf_str(&path, dir);
    rr_buf_chr(&path, '/');
    rr_buf_str(&path, name);
    FILE *f = fopen(path.p, "w");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        fprintf(stderr, "rankpool-run: cannot write '%s': %s\n", path.p, strerror(errno));
    rr_buf_free(&path);
}

/* --results DIR: DIR/1/<value 1>/2/<value 2>/.../{seq,stdout,stderr}. */
static void results(rr_output *w, uint64_t seq, const rr_args *a, const kept *k) {
    rr_buf dir = {0};
    rr_buf_str(&dir, w->o->results);
    for (int i = 0; i < a->n; i++) {
        char num[16];
        snprintf(num, sizeof num, "/%d/", i + 1);
        rr_buf_str(&dir, num);
        for (const char *p = a->v[i]; *p; p++) /* a '/' in a value would nest: written \_ */
            *p == '/' ? rr_buf_str(&dir, "\\_") : rr_buf_chr(&dir, *p);
    }
    if (mkdirs(dir.p) != 0) {
        fprintf(stderr, "rankpool-run: cannot make '%s': %s\n", dir.p, strerror(errno));
    } else {
        char num[32];
        int n = snprintf(num, sizeof num, "%llu", (unsigned long long)seq);
        write_file(dir.p, "seq", num, (size_t)n);
        write_file(dir.p, "stdout", k->out.p ? k->out.p : "", k->out.len);
        write_file(dir.p, "stderr", k->err.p ? k->err.p : "", k->err.len);
    }
    rr_buf_free(&dir);
}

static void print_job(rr_output *w, uint64_t seq) {
    kept *k = &w->k[seq - 1];
    clear_bar(w);
    if (k->out.len)
        put(w, stdout, k->a, k->out.p, k->out.len);
    fflush(stdout);
    if (k->err.len)
        put(w, stderr, k->a, k->err.p, k->err.len);
    fflush(stderr);
    if (w->o->results != NULL)
        results(w, seq, k->a, k);
    rr_buf_free(&k->out);
    rr_buf_free(&k->err);
    k->state = 3;
}

/* -k: print what is next in line. */
static void flush_order(rr_output *w) {
    while (w->next <= w->total && w->k[w->next - 1].state != 0) {
        if (w->k[w->next - 1].state == 1)
            print_job(w, w->next);
        w->next++;
    }
}

void rr_output_job(rr_output *w, const rr_outcome *oc, const rr_args *a) {
    if (oc->seq < 1 || oc->seq > w->total)
        return;
    kept *k = &w->k[oc->seq - 1];
    k->a = a;
    rr_buf_add(&k->out, oc->out, oc->out_len);
    rr_buf_add(&k->err, oc->err, oc->err_len);
    k->state = 1;
    if (w->o->keep_order)
        flush_order(w);
    else
        print_job(w, oc->seq);
}

void rr_output_skip(rr_output *w, uint64_t seq) {
    if (seq < 1 || seq > w->total)
        return;
    w->k[seq - 1].state = 2;
    if (w->o->keep_order)
        flush_order(w);
}

void rr_output_lines(rr_output *w, uint64_t seq, int err, const char *data, size_t len,
                     const rr_args *a) {
    if (seq < 1 || seq > w->total)
        return;
    kept *k = &w->k[seq - 1];
    if (w->o->keep_order && seq != w->next) { /* its turn comes later */
        rr_buf_add(err ? &k->err : &k->out, data, len);
        return;
    }
    clear_bar(w);
    if (k->out.len || k->err.len) { /* its lines that came before its turn */
        put(w, stdout, a, k->out.p ? k->out.p : "", k->out.len);
        put(w, stderr, a, k->err.p ? k->err.p : "", k->err.len);
        rr_buf_free(&k->out);
        rr_buf_free(&k->err);
    }
    put(w, err ? stderr : stdout, a, data, len);
    fflush(err ? stderr : stdout);
}

void rr_output_progress(rr_output *w, size_t done, size_t failed, size_t running, size_t lost,
                        int last) {
    if (!w->o->bar && !w->o->eta)
        return;
    double now = rr_mono();
    if (w->tty && (last || now - w->last_draw >= 0.2)) {
        char line[256];
        rp_progress p = {.total = w->total,
                         .done = done,
                         .failed = failed,
                         .running = running,
                         .elapsed = now - w->t0,
                         .width = 79};
        rp_progress_format(line, sizeof line, &p);
        fprintf(stderr, "\r%s\033[K", line);
        fflush(stderr);
        w->drawn = 1;
        w->last_draw = now;
    }
    if (last) {
        clear_bar(w);
        double t = now - w->t0;
        fprintf(stderr,
                "rankpool-run: %zu jobs: %zu succeeded, %zu failed, %zu rerun after a lost "
                "worker; %.2f s, %.0f jobs/s\n",
                done, done - failed, failed, lost, t, t > 0 ? (double)done / t : 0.0);
    }
}

void rr_output_free(rr_output *w) {
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->total; i++) {
        rr_buf_free(&w->k[i].out);
        rr_buf_free(&w->k[i].err);
    }
    free(w->k);
    free(w);
}
