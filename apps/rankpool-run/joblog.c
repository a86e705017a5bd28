/*
 * --joblog in GNU parallel's columns (Seq, Host, Starttime, JobRuntime,
 * Send, Receive, Exitval, Signal, Command; tab-separated, one header line),
 * and reading one back for --resume (skip every job in it) and
 * --resume-failed (run again the jobs that failed in it).
 */
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char header[] =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

/* A decimal number that fills [s, e), as a long; -1 if not one. */
static int number(const char *s, const char *e, int neg_ok, long *out) {
    char *end;
    if (s == e)
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end != e || (!neg_ok && v < 0))
        return -1;
    *out = v;
    return 0;
}

int rr_joblog_read(const char *path, rr_done *d) {
    *d = (rr_done){0};
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? 0
                               : (fprintf(stderr, "rankpool-run: cannot read joblog '%s': %s\n",
                                          path, strerror(errno)),
                                  RR_EXIT_USAGE);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (lineno == 1 && strcmp(line, header) == 0)
            continue;
        /* Eight tabs at least: the command may hold more. */
        const char *field[9];
        field[0] = line;
        int k = 1;
        for (char *p = line; *p && k < 9; p++)
            if (*p == '\t')
                field[k++] = p + 1;
        long seq, exitval, sig;
        if (k < 9 || number(field[0], field[1] - 1, 0, &seq) != 0 || seq < 1 ||
            number(field[6], field[7] - 1, 1, &exitval) != 0 ||
            number(field[7], field[8] - 1, 0, &sig) != 0) {
            fprintf(stderr, "rankpool-run: joblog '%s', line %zu: not a joblog line\n", path,
                    lineno);
            rc = RR_EXIT_USAGE;
            break;
        }
        if ((size_t)seq > d->n) {
            size_t m = d->n ? d->n : 64;
            while (m < (size_t)seq)
                m *= 2;
            d->state = rr_xrealloc(d->state, m);
            memset(d->state + d->n, 0, m - d->n);
            d->n = m;
        }
        /* A later line of the same job (run again) counts. */
        d->state[seq - 1] = exitval == 0 && sig == 0 ? 1 : 2;
    }
    free(line);
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "rankpool-run: cannot read joblog '%s'\n", path);
        rc = RR_EXIT_USAGE;
    }
    fclose(f);
    return rc;
}

FILE *rr_joblog_open(const char *path, int append) {
    FILE *f = fopen(path, append ? "a" : "w");
    if (f == NULL) {
        fprintf(stderr, "rankpool-run: cannot write joblog '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    if (ftell(f) == 0)
        fputs(header, f);
    fflush(f);
    return f;
}

void rr_joblog_line(FILE *f, const rr_outcome *o, const char *host, const char *cmd,
                    size_t cmd_len) {
    fprintf(f, "%llu\t%s\t%.3f\t%10.3f\t0\t%zu\t%d\t%d\t%.*s\n", (unsigned long long)o->seq, host,
            o->start, o->runtime, o->out_len, o->exitval, o->signal, (int)cmd_len, cmd);
    fflush(f); /* a killed run still leaves the jobs that finished */
}
