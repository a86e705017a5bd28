/*
 * Replacement strings, as GNU parallel spells them: {} (the arguments),
 * {.} (without the extension), {/} (basename), {//} (dirname), {/.}
 * (basename without the extension), {#} (the job's sequence number), {%}
 * (its job slot), and {n} {n.} {n/} {n//} {n/.} for the n-th argument
 * (input source, or column with --colsep).  Values are shell-quoted the way
 * GNU parallel quotes them, so the commands are the same, byte for byte.
 */
#include "run.h"

#include <stdlib.h>
#include <string.h>

enum { T_NONE, T_NOEXT, T_BASE, T_DIR, T_BASE_NOEXT };

void rr_quote(rr_buf *out, const char *s) {
    int safe = *s != '\0';
    for (const char *p = s; *p && safe; p++)
        safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               strchr("-_.+/", *p) != NULL;
    if (safe) {
        rr_buf_str(out, s);
        return;
    }
    rr_buf_chr(out, '\'');
    for (const char *p = s; *p; p++)
        if (*p == '\'')
            rr_buf_str(out, "'\"'\"'");
        else
            rr_buf_chr(out, *p);
    rr_buf_chr(out, '\'');
}

/* The extension goes: from the last '.' that no '/' follows. */
static size_t noext_len(const char *s, size_t len) {
    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == '/')
            return len;
        if (s[i - 1] == '.')
            return i - 1;
    }
    return len;
}

/* Append value @p v transformed by @p t, quoted. */
static void put_value(rr_buf *out, const char *v, int t) {
    const char *s = v;
    size_t len = strlen(v);
    const char *slash = strrchr(v, '/');
    if (t == T_BASE || t == T_BASE_NOEXT) {
        if (slash != NULL) {
            s = slash + 1;
            len = strlen(s);
        }
        if (t == T_BASE_NOEXT)
            len = noext_len(s, len);
    } else if (t == T_NOEXT) {
        len = noext_len(s, len);
    } else if (t == T_DIR) {
        if (slash == NULL)
            s = ".", len = 1;
        else
            len = slash == v ? 1 : (size_t)(slash - v);
    }
    char *tmp = rr_xmalloc(len + 1);
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    rr_quote(out, tmp);
    free(tmp);
}

/*
 * A replacement string at @p p: its length (0: not one), with *n the
 * argument number (0: all), *t the transform, *kind '#', '%' or 'v'.
 */
static size_t match(const char *p, int *n, int *t, char *kind) {
    static const struct {
        const char *s;
        int t;
    } tails[] = {
        {"}", T_NONE}, {".}", T_NOEXT}, {"/}", T_BASE}, {"//}", T_DIR}, {"/.}", T_BASE_NOEXT}};
    if (p[0] != '{')
        return 0;
    if ((p[1] == '#' || p[1] == '%') && p[2] == '}') {
        *kind = p[1];
        return 3;
    }
    const char *q = p + 1;
    *n = 0;
    while (*q >= '0' && *q <= '9' && *n < 100000)
        *n = *n * 10 + (*q++ - '0');
    if (q > p + 1 && *n == 0)
        return 0; /* {0} is not one */
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
        size_t l = strlen(tails[k].s);
        if (strncmp(q, tails[k].s, l) == 0) {
            *t = tails[k].t;
            *kind = 'v';
            return (size_t)(q - p) + l;
        }
    }
    return 0;
}

void rr_expand(const rr_opts *o, const rr_args *a, uint64_t seq, rr_buf *out, rr_buf *slots) {
    out->len = 0;
    if (slots != NULL)
        slots->len = 0;
    rr_buf_add(out, "", 0);
    if (o->ncmd == 0) { /* the input lines are the commands */
        for (int k = 0; k < a->n; k++) {
            if (k > 0)
                rr_buf_chr(out, ' ');
            rr_buf_str(out, a->v[k]);
        }
        return;
    }
    int found = 0;
    for (int w = 0; w < o->ncmd; w++) {
        if (w > 0)
            rr_buf_chr(out, ' ');
        for (const char *p = o->cmd[w]; *p;) {
            int n = 0, t = T_NONE;
            char kind = 0;
            size_t len = match(p, &n, &t, &kind);
            if (len == 0) {
                rr_buf_chr(out, *p++);
                continue;
            }
            found = 1;
            p += len;
            if (kind == '#') {
                char num[32];
                snprintf(num, sizeof num, "%llu", (unsigned long long)seq);
                rr_buf_str(out, num);
            } else if (kind == '%') {
                uint32_t at = (uint32_t)out->len;
                if (slots != NULL)
                    rr_buf_add(slots, &at, sizeof at);
                else
                    rr_buf_chr(out, '1');
            } else if (n > 0) {
                put_value(out, n <= a->n ? a->v[n - 1] : "", t);
            } else {
                for (int k = 0; k < a->n; k++) {
                    if (k > 0)
                        rr_buf_chr(out, ' ');
                    put_value(out, a->v[k], t);
                }
            }
        }
    }
    if (!found)
        for (int k = 0; k < a->n; k++) {
            rr_buf_chr(out, ' ');
            rr_quote(out, a->v[k]);
        }
}
