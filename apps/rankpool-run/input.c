/*
 * The jobs' arguments: values from the command line (:::), lines of files
 * (::::, -a) or of standard input, split into columns with --colsep, and
 * combined as GNU parallel combines its sources: every combination, the
 * last source varying fastest, and linked sources (:::+) taken value by
 * value with the source before them, as far as the shorter goes.
 */
#include "run.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The lines of @p f (without their newlines) into @p s. */
static void read_lines(FILE *f, rr_source *s) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        rr_source_add(s, rr_xstrdup(line));
    }
    free(line);
}

static int load(rr_source *s) {
    if (s->file == NULL)
        return 0;
    if (strcmp(s->file, "-") == 0) {
        read_lines(stdin, s);
        return 0;
    }
    FILE *f = fopen(s->file, "r");
    if (f == NULL) {
        fprintf(stderr, "rankpool-run: cannot read '%s': %s\n", s->file, strerror(errno));
        return RR_EXIT_USAGE;
    }
    read_lines(f, s);
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "rankpool-run: cannot read '%s'\n", s->file);
        return RR_EXIT_USAGE;
    }
    return 0;
}

/* GNU parallel's --colsep is a Perl regex: the escapes people write most
 * (\t, \s, \d, \|, \.) in POSIX extended syntax. */
static char *colsep_ere(const char *re) {
    rr_buf b = {0};
    for (const char *p = re; *p; p++) {
        if (p[0] == '\\' && p[1] != '\0') {
            p++;
            switch (*p) {
            case 't':
                rr_buf_chr(&b, '\t');
                break;
            case 's':
                rr_buf_str(&b, "[[:space:]]");
                break;
            case 'd':
                rr_buf_str(&b, "[0-9]");
                break;
            default:
                rr_buf_chr(&b, '\\');
                rr_buf_chr(&b, *p);
            }
        } else {
            rr_buf_chr(&b, *p);
        }
    }
    rr_buf_chr(&b, '\0');
    return b.p;
}

/* Split @p v at the matches of @p re into @p a's values (copies). */
static void split(const regex_t *re, const char *v, rr_args *a, int *cap) {
    const char *p = v;
    for (;;) {
        regmatch_t m;
        int hit = regexec(re, p, 1, &m, p == v ? 0 : REG_NOTBOL) == 0 && m.rm_eo > m.rm_so;
        size_t len = hit ? (size_t)m.rm_so : strlen(p);
        if (a->n == *cap) {
            *cap = *cap ? *cap * 2 : 4;
            a->v = rr_xrealloc(a->v, (size_t)*cap * sizeof *a->v);
        }
        char *c = rr_xmalloc(len + 1);
        memcpy(c, p, len);
        c[len] = '\0';
        a->v[a->n++] = c;
        if (!hit)
            return;
        p += m.rm_eo;
    }
}

int rr_read_jobs(rr_opts *o, rr_jobs *jobs) {
    static rr_source from_stdin = {.file = "-"};
    if (o->nsrc == 0) {
        o->src = &from_stdin;
        o->nsrc = 1;
    }
    for (int k = 0; k < o->nsrc; k++) {
        int rc = load(&o->src[k]);
        if (rc != 0)
            return rc;
    }
    regex_t re;
    if (o->colsep != NULL) {
        char *ere = colsep_ere(o->colsep);
        int rc = regcomp(&re, ere, REG_EXTENDED);
        free(ere);
        if (rc != 0) {
            fprintf(stderr, "rankpool-run: bad --colsep '%s'\n", o->colsep);
            return RR_EXIT_USAGE;
        }
    }
    /* Groups of linked sources; a group's length is its shortest source's. */
    int ng = 0, *gstart = rr_xmalloc((size_t)o->nsrc * sizeof *gstart);
    size_t *glen = rr_xmalloc((size_t)o->nsrc * sizeof *glen), total = 1;
    for (int k = 0; k < o->nsrc; k++) {
        if (k == 0 || !o->src[k].linked) {
            gstart[ng] = k;
            glen[ng++] = o->src[k].n;
        } else if (o->src[k].n < glen[ng - 1]) {
            glen[ng - 1] = o->src[k].n;
        }
    }
    for (int g = 0; g < ng; g++)
        total = glen[g] == 0 || total > SIZE_MAX / glen[g] ? 0 : total * glen[g];
    if (total == 0) {
        fprintf(stderr, "rankpool-run: no input: no job to run\n");
        if (o->colsep != NULL)
            regfree(&re);
        free(gstart);
        free(glen);
        return RR_EXIT_USAGE;
    }
    jobs->a = rr_xmalloc(total * sizeof *jobs->a);
    jobs->n = total;
    for (size_t j = 0; j < total; j++) {
        /* Job j's value index in each group: mixed radix, last group fastest. */
        rr_args *a = &jobs->a[j];
        *a = (rr_args){0};
        int cap = 0;
        size_t rest = j;
        size_t *idx = rr_xmalloc((size_t)ng * sizeof *idx);
        for (int g = ng - 1; g >= 0; g--) {
            idx[g] = rest % glen[g];
            rest /= glen[g];
        }
        for (int k = 0, g = -1; k < o->nsrc; k++) {
            if (k == 0 || !o->src[k].linked)
                g++;
            const char *v = o->src[k].vals[idx[g]];
            if (o->colsep != NULL) {
                split(&re, v, a, &cap);
                continue;
            }
            if (a->n == cap) {
                cap = cap ? cap * 2 : 4;
                a->v = rr_xrealloc(a->v, (size_t)cap * sizeof *a->v);
            }
            a->v[a->n++] = (char *)v;
        }
        free(idx);
    }
    if (o->colsep != NULL)
        regfree(&re);
    free(gstart);
    free(glen);
    if (o->shuf) {
        srand((unsigned)time(NULL) ^ (unsigned)getpid());
        for (size_t j = total - 1; j > 0; j--) {
            size_t r = (size_t)rand() % (j + 1);
            rr_args t = jobs->a[j];
            jobs->a[j] = jobs->a[r];
            jobs->a[r] = t;
        }
    }
    return 0;
}
