/*
 * What travels between rank 0 and the workers: the settings every job
 * shares (the pool initializer's argument), a job (its sequence number and
 * command), a pool item (a job, or for the first item of a call the whole
 * group), and a job's outcome.  Plain fields in this program's own byte
 * order (the same binary runs on every rank), each decoder checking every
 * length against the data it was given.
 */
#include "run.h"

#include <stdlib.h>
#include <string.h>

void *rr_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "rankpool-run: out of memory\n");
        exit(1);
    }
    return p;
}

void *rr_xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "rankpool-run: out of memory\n");
        exit(1);
    }
    return p;
}

char *rr_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(rr_xmalloc(n), s, n);
}

void rr_buf_add(rr_buf *b, const void *data, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = rr_xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0'; /* a C string too */
}

void rr_buf_str(rr_buf *b, const char *s) {
    rr_buf_add(b, s, strlen(s));
}

void rr_buf_chr(rr_buf *b, char c) {
    rr_buf_add(b, &c, 1);
}

void rr_buf_free(rr_buf *b) {
    free(b->p);
    *b = (rr_buf){0};
}

/* A field of @p n bytes at *p, if it is there. */
static int take(const char **p, const char *end, void *dst, size_t n) {
    if ((size_t)(end - *p) < n)
        return -1;
    memcpy(dst, *p, n);
    *p += n;
    return 0;
}

/* A length-prefixed string at *p: points into the data. */
static int take_str(const char **p, const char *end, const char **s, size_t *len) {
    uint32_t n;
    if (take(p, end, &n, sizeof n) != 0 || (size_t)(end - *p) < n)
        return -1;
    *s = *p;
    *len = n;
    *p += n;
    return 0;
}

static void put_str(rr_buf *b, const char *s, size_t len) {
    uint32_t n = (uint32_t)len;
    rr_buf_add(b, &n, sizeof n);
    rr_buf_add(b, s, len);
}

void rr_config_encode(const rr_config *c, rr_buf *out) {
    rr_buf_add(out, &c->timeout, sizeof c->timeout);
    rr_buf_add(out, &c->tries, sizeof c->tries);
    rr_buf_add(out, &c->slots, sizeof c->slots);
    rr_buf_add(out, &c->line_buf, sizeof c->line_buf);
    rr_buf_add(out, &c->halt, sizeof c->halt);
    rr_buf_add(out, &c->lines, sizeof c->lines);
    put_str(out, c->env, c->env_len);
    put_str(out, c->wd, strlen(c->wd) + 1); /* with their NULs: read in place */
    put_str(out, c->shell, strlen(c->shell) + 1);
}

int rr_config_decode(const void *data, size_t len, rr_config *c) {
    const char *p = data, *end = p + len;
    size_t wd_len, sh_len;
    if (take(&p, end, &c->timeout, sizeof c->timeout) ||
        take(&p, end, &c->tries, sizeof c->tries) || take(&p, end, &c->slots, sizeof c->slots) ||
        take(&p, end, &c->line_buf, sizeof c->line_buf) ||
        take(&p, end, &c->halt, sizeof c->halt) || take(&p, end, &c->lines, sizeof c->lines) ||
        take_str(&p, end, &c->env, &c->env_len) || take_str(&p, end, &c->wd, &wd_len) ||
        take_str(&p, end, &c->shell, &sh_len) || wd_len == 0 || c->wd[wd_len - 1] != '\0' ||
        sh_len < 2 || c->shell[sh_len - 1] != '\0' || p != end)
        return -1;
    if (c->env_len > 0 && c->env[c->env_len - 1] != '\0')
        return -1;
    return 0;
}

void rr_spec_encode(const rr_spec *s, rr_buf *out) {
    rr_buf_add(out, &s->seq, sizeof s->seq);
    put_str(out, s->cmd, s->cmd_len);
    rr_buf_add(out, &s->nslots, sizeof s->nslots);
    rr_buf_add(out, s->slots, s->nslots * sizeof(uint32_t));
}

int rr_spec_decode(const char **p, const char *end, rr_spec *s) {
    size_t len;
    if (take(p, end, &s->seq, sizeof s->seq) || take_str(p, end, &s->cmd, &len) ||
        take(p, end, &s->nslots, sizeof s->nslots) ||
        (size_t)(end - *p) / sizeof(uint32_t) < s->nslots)
        return -1;
    s->cmd_len = (uint32_t)len;
    s->slots = *p;
    *p += s->nslots * sizeof(uint32_t);
    for (uint32_t i = 0; i < s->nslots; i++)
        if (rr_spec_slot(s, i) > s->cmd_len ||
            (i > 0 && rr_spec_slot(s, i) < rr_spec_slot(s, i - 1)))
            return -1;
    return 0;
}

uint32_t rr_spec_slot(const rr_spec *s, uint32_t i) {
    uint32_t v;
    memcpy(&v, (const char *)s->slots + (size_t)i * sizeof v, sizeof v);
    return v;
}

void rr_item_encode(uint64_t group, uint32_t index, uint32_t njobs, const void *jobs,
                    size_t jobs_len, rr_buf *out) {
    rr_buf_add(out, &group, sizeof group);
    rr_buf_add(out, &index, sizeof index);
    rr_buf_add(out, &njobs, sizeof njobs);
    rr_buf_add(out, jobs, jobs_len);
}

int rr_item_decode(const void *data, size_t len, rr_item *it) {
    const char *p = data, *end = p + len;
    if (take(&p, end, &it->group, sizeof it->group) ||
        take(&p, end, &it->index, sizeof it->index) ||
        take(&p, end, &it->njobs, sizeof it->njobs) || it->njobs == 0)
        return -1;
    it->jobs = p;
    it->jobs_len = (size_t)(end - p);
    return 0;
}

void rr_outcome_encode(const rr_outcome *o, rr_buf *out) {
    rr_buf_add(out, &o->seq, sizeof o->seq);
    int32_t v[7] = {o->exitval, o->signal, o->slot, o->attempt, o->timed_out, o->rank, o->halted};
    rr_buf_add(out, v, sizeof v);
    rr_buf_add(out, &o->start, sizeof o->start);
    rr_buf_add(out, &o->runtime, sizeof o->runtime);
    put_str(out, o->out, o->out_len);
    put_str(out, o->err, o->err_len);
}

int rr_outcome_decode(const void *data, size_t len, rr_outcome *o) {
    const char *p = data, *end = p + len;
    int32_t v[7];
    if (take(&p, end, &o->seq, sizeof o->seq) || take(&p, end, v, sizeof v) ||
        take(&p, end, &o->start, sizeof o->start) ||
        take(&p, end, &o->runtime, sizeof o->runtime) || take_str(&p, end, &o->out, &o->out_len) ||
        take_str(&p, end, &o->err, &o->err_len) || p != end)
        return -1;
    o->exitval = v[0];
    o->signal = v[1];
    o->slot = v[2];
    o->attempt = v[3];
    o->timed_out = v[4];
    o->rank = v[5];
    o->halted = v[6];
    return 0;
}
