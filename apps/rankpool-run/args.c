/*
 * The command line, in GNU parallel's spelling:
 *   rankpool-run [options] [command [arguments]] [::: values | :::: files]...
 * Options come first; the first word that is not one starts the command,
 * which runs up to a ::: (values follow), :::+ (values paired with the
 * source before), :::: or ::::+ (files of values follow).  Without a
 * source, one job per line of standard input (or of each -a file).
 */
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: mpirun -np N rankpool-run [options] [command [args]] [::: values | :::: files]...\n"
    "  -j, --jobs N        job slots per worker rank (default: the cores of its binding)\n"
    "  -k, --keep-order    print outputs in input order\n"
    "  -a, --arg-file F    one job per line of F (repeatable: one source each)\n"
    "  -C, --colsep RE     split input lines into columns {1} {2} ... at RE\n"
    "      --tag           prefix each output line with the job's arguments and a TAB\n"
    "      --line-buffer   print whole lines as they come\n"
    "      --results DIR   keep each job's stdout and stderr under DIR\n"
    "      --joblog F      log each job (GNU parallel's columns)\n"
    "      --resume        skip the jobs of F that ran; --resume-failed: rerun its failed ones\n"
    "      --retries N     tries per job in all\n"
    "      --timeout S     kill a job's process group after S seconds\n"
    "      --halt WHEN     never | now,fail=N | soon,fail=N | now,success=N | ...,fail=X%\n"
    "      --bar, --eta    progress on a terminal, and a summary at the end\n"
    "      --dry-run       print the commands, run nothing\n"
    "      --shuf          run the jobs in a random order\n"
    "      --env VAR       give the jobs rank 0's value of VAR (repeatable)\n"
    "      --wd DIR        run the jobs in DIR\n"
    "      --delay S       wait S seconds between job starts\n"
    "See rankpool-run(1).\n";

static int bad(const char *fmt, const char *what) {
    fprintf(stderr, "rankpool-run: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nTry 'rankpool-run --help'.\n");
    return RR_EXIT_USAGE;
}

static int parse_int(const char *s, int min, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

/* Seconds: a number, optionally followed by s, m, h or d. */
static int parse_secs(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || v > 1e9)
        return -1;
    double unit = *end == '\0' || strcmp(end, "s") == 0 ? 1
                  : strcmp(end, "m") == 0               ? 60
                  : strcmp(end, "h") == 0               ? 3600
                  : strcmp(end, "d") == 0               ? 86400
                                                        : -1;
    if (unit < 0)
        return -1;
    *out = v * unit;
    return 0;
}

/* --halt: never, now|soon,fail|success=N or X%, or the old 0, 1, 2. */
static int parse_halt(const char *s, rr_opts *o) {
    if (strcmp(s, "never") == 0 || strcmp(s, "0") == 0)
        return o->halt = RR_HALT_NEVER, 0;
    if (strcmp(s, "1") == 0 || strcmp(s, "2") == 0) {
        o->halt = s[0] == '1' ? RR_HALT_SOON : RR_HALT_NOW;
        o->halt_fail = 1;
        return 0;
    }
    const char *c = strchr(s, ',');
    if (c == NULL)
        return -1;
    size_t wl = (size_t)(c - s);
    if (wl == 3 && strncmp(s, "now", 3) == 0)
        o->halt = RR_HALT_NOW;
    else if (wl == 4 && strncmp(s, "soon", 4) == 0)
        o->halt = RR_HALT_SOON;
    else
        return -1;
    c++;
    int ok = strncmp(c, "success=", 8) == 0;
    if (!ok && strncmp(c, "fail=", 5) != 0)
        return -1;
    const char *num = c + (ok ? 8 : 5);
    size_t nl = strlen(num);
    if (nl > 1 && num[nl - 1] == '%') {
        char tmp[32];
        if (nl >= sizeof tmp)
            return -1;
        memcpy(tmp, num, nl - 1);
        tmp[nl - 1] = '\0';
        double pct;
        if (parse_secs(tmp, &pct) != 0 || pct <= 0 || pct > 100)
            return -1;
        o->halt_pct = pct;
        o->halt_pct_ok = ok;
        return 0;
    }
    int n;
    if (parse_int(num, 1, &n) != 0)
        return -1;
    if (ok)
        o->halt_ok = n;
    else
        o->halt_fail = n;
    return 0;
}

static rr_source *new_source(rr_opts *o, int linked, const char *file) {
    o->src = rr_xrealloc(o->src, (size_t)(o->nsrc + 1) * sizeof *o->src);
    rr_source *s = &o->src[o->nsrc++];
    *s = (rr_source){.linked = linked, .file = file};
    return s;
}

void rr_source_add(rr_source *s, char *v) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->vals = rr_xrealloc(s->vals, s->cap * sizeof *s->vals);
    }
    s->vals[s->n++] = v;
}

/* Which separator is @p w: 0 none, 1 :::, 2 :::+, 3 ::::, 4 ::::+. */
static int separator(const char *w) {
    static const char *const seps[] = {":::", ":::+", "::::", "::::+"};
    for (int k = 0; k < 4; k++)
        if (strcmp(w, seps[k]) == 0)
            return k + 1;
    return 0;
}

/* Is @p name option @p a, or its other spelling @p b (may be NULL)? */
static int is(const char *name, const char *a, const char *b) {
    return strcmp(name, a) == 0 || (b != NULL && strcmp(name, b) == 0);
}

/* An option that takes a value: the value, from "--opt=v", "-jv" or the next word. */
static const char *value(int argc, char **argv, int *i, const char *inline_v) {
    if (inline_v != NULL)
        return inline_v;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

int rr_parse_args(int argc, char **argv, rr_opts *o) {
    *o = (rr_opts){.retries = 1};
    int i = 0;
    for (; i < argc; i++) {
        char *w = argv[i];
        if (w[0] != '-' || w[1] == '\0' || separator(w))
            break;
        if (strcmp(w, "--") == 0) {
            i++;
            break;
        }
        /* The name, and a value written into the same word. */
        char name[64];
        const char *iv = NULL;
        if (w[1] == '-') {
            const char *eq = strchr(w, '=');
            size_t n = eq ? (size_t)(eq - w) : strlen(w);
            if (n >= sizeof name)
                return bad("unknown option '%s'", w);
            memcpy(name, w, n);
            name[n] = '\0';
            iv = eq ? eq + 1 : NULL;
        } else {
            name[0] = '-', name[1] = w[1], name[2] = '\0';
            iv = w[2] ? w + 2 : NULL;
        }
#define IS(a, b) is(name, a, b)
#define NEED()                                                                                     \
    const char *v = value(argc, argv, &i, iv);                                                     \
    if (v == NULL)                                                                                 \
    return bad("option '%s' needs a value", name)
        if (IS("--help", "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (IS("--version", NULL)) {
            printf("rankpool-run %d.%d.%d\n", RP_VERSION_MAJOR, RP_VERSION_MINOR, RP_VERSION_PATCH);
            return -1;
        } else if (IS("--keep-order", "-k")) {
            o->keep_order = 1;
        } else if (IS("--tag", NULL)) {
            o->tag = 1;
        } else if (IS("--line-buffer", "--lb")) {
            o->line_buffer = 1;
        } else if (IS("--dry-run", NULL)) {
            o->dry_run = 1;
        } else if (IS("--shuf", NULL)) {
            o->shuf = 1;
        } else if (IS("--bar", NULL)) {
            o->bar = 1;
        } else if (IS("--eta", NULL)) {
            o->eta = 1;
        } else if (IS("--resume", NULL)) {
            o->resume = 1;
        } else if (IS("--resume-failed", NULL)) {
            o->resume_failed = 1;
        } else if (IS("--will-cite", NULL)) {
            /* GNU parallel's notice: nothing to silence here */
        } else if (IS("--jobs", "-j") || IS("-P", NULL)) {
            NEED();
            if (strcmp(v, "100%") == 0)
                o->jobs = 0;
            else if (parse_int(v, 0, &o->jobs) != 0)
                return bad("bad job slot count '%s' (a number, or 100%%)", v);
        } else if (IS("--arg-file", "-a")) {
            NEED();
            new_source(o, 0, v);
        } else if (IS("--colsep", "-C")) {
            NEED();
            o->colsep = v;
        } else if (IS("--joblog", NULL)) {
            NEED();
            o->joblog = v;
        } else if (IS("--results", "--res")) {
            NEED();
            o->results = v;
        } else if (IS("--retries", NULL)) {
            NEED();
            if (parse_int(v, 0, &o->retries) != 0)
                return bad("bad retry count '%s'", v);
            if (o->retries == 0)
                o->retries = 1;
        } else if (IS("--timeout", NULL)) {
            NEED();
            if (parse_secs(v, &o->timeout) != 0 || o->timeout <= 0)
                return bad("bad timeout '%s' (seconds)", v);
        } else if (IS("--delay", NULL)) {
            NEED();
            if (parse_secs(v, &o->delay) != 0)
                return bad("bad delay '%s' (seconds)", v);
        } else if (IS("--halt", "--halt-on-error")) {
            NEED();
            if (parse_halt(v, o) != 0)
                return bad("bad --halt '%s' (never, now|soon,fail|success=N or X%%)", v);
        } else if (IS("--env", NULL)) {
            NEED();
            o->env = rr_xrealloc(o->env, (size_t)(o->nenv + 1) * sizeof *o->env);
            o->env[o->nenv++] = (char *)v;
        } else if (IS("--wd", "--workdir")) {
            NEED();
            o->wd = v;
        } else {
            return bad("unknown option '%s'", w);
        }
#undef NEED
#undef IS
    }
    o->cmd = argv + i;
    while (i < argc && !separator(argv[i]))
        i++;
    o->ncmd = (int)(argv + i - o->cmd);
    /* The sources: values after ::: and :::+, files after :::: and ::::+. */
    while (i < argc) {
        int sep = separator(argv[i++]);
        rr_source *s = sep <= 2 ? new_source(o, sep == 2 && o->nsrc > 0, NULL) : NULL;
        int first_file = 1;
        for (; i < argc && !separator(argv[i]); i++) {
            if (s != NULL)
                rr_source_add(s, argv[i]);
            else
                new_source(o, sep == 4 && first_file && o->nsrc > 0, argv[i]);
            first_file = 0;
        }
        if (sep >= 3 && first_file)
            return bad("'%s' needs at least one file", argv[i - 1]);
    }
    if (o->resume && o->resume_failed)
        o->resume = 0; /* --resume-failed resumes too */
    if ((o->resume || o->resume_failed) && o->joblog == NULL)
        return bad("%s needs --joblog", o->resume ? "--resume" : "--resume-failed");
    return 0;
}
