/*
 * Progress: the line rp_progress_format writes, and the bar a call with the
 * `progress` option shows on stderr, drawn by the thread that waits for the
 * call (rp_result_wait and so map and starmap, rp_result_next for imap) at
 * most five times a second, only when stderr is a terminal.  result.c waits
 * in slices and calls rp__progress_tick between them.
 */
#include "client/client.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Seconds between two lines of a bar. */
#define RP__BAR_EVERY 0.2

/* "1:05", "2:03:04": a duration in whole seconds. */
static void clock_str(char *buf, size_t cap, double s) {
    unsigned long t = s > 0 && s < 1e9 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%lu:%02lu", t / 60, t % 60);
}

int rp_progress_format(char *buf, size_t cap, const rp_progress *p) {
    if (buf == NULL || cap == 0 || p == NULL)
        return rp__err(RP_EINVAL, "rp_progress_format: NULL argument or no room");
    char text[256], part[64];
    size_t len = 0;
    double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
    if (p->total > 0)
        len += (size_t)snprintf(text, sizeof text, "%3.0f%% %zu/%zu",
                                100.0 * (double)p->done / (double)p->total, p->done, p->total);
    else
        len += (size_t)snprintf(text, sizeof text, "%zu done", p->done);
    if (p->failed > 0)
        len += (size_t)snprintf(text + len, sizeof text - len, " %zu failed", p->failed);
    if (p->running > 0)
        len += (size_t)snprintf(text + len, sizeof text - len, " %zu running", p->running);
    if (rate > 0)
        len += (size_t)snprintf(text + len, sizeof text - len, rate < 10 ? " %.1f/s" : " %.0f/s",
                                rate);
    if (p->total > 0 && p->done < p->total && rate > 0) {
        clock_str(part, sizeof part, (double)(p->total - p->done) / rate);
        len += (size_t)snprintf(text + len, sizeof text - len, " ETA %s", part);
    } else if (p->total > 0 && p->done >= p->total) {
        clock_str(part, sizeof part, p->elapsed);
        len += (size_t)snprintf(text + len, sizeof text - len, " in %s", part);
    }
    /* The bar takes what the width leaves, 10 to 40 columns. */
    int width = p->width > 0 ? p->width : 80;
    int bar = width - (int)len - 3;
    bar = bar > 40 ? 40 : bar;
    if (p->total == 0 || bar < 10)
        return snprintf(buf, cap, "%s", text) < (int)cap ? (int)strlen(buf) : (int)cap - 1;
    int full =
        (int)((double)bar * (double)(p->done < p->total ? p->done : p->total) / (double)p->total);
    char line[320];
    line[0] = '[';
    memset(line + 1, '#', (size_t)full);
    memset(line + 1 + full, '-', (size_t)(bar - full));
    snprintf(line + 1 + bar, sizeof line - 1 - (size_t)bar, "] %s", text);
    snprintf(buf, cap, "%s", line);
    return (int)strlen(buf);
}

/* Draw @p res's bar if it is due (lock held); the last line ends it. */
static void draw(rp_result *res) {
    double now = rp__now();
    if (res->bar_state == 0) {
        res->bar_state = isatty(STDERR_FILENO) ? 1 : 2;
        res->bar_t0 = now;
        res->bar_last = 0;
    }
    int last = res->ndone == res->n;
    if (res->bar_state != 1 || (!last && now - res->bar_last < RP__BAR_EVERY))
        return;
    rp_progress p = {.total = res->n,
                     .done = res->ndone,
                     .failed = res->nfailed,
                     .running = res->n - res->ndone - rp__job_undispatched(res),
                     .elapsed = now - res->bar_t0,
                     .width = 79};
    char line[512];
    line[0] = '\r';
    int n = rp_progress_format(line + 1, sizeof line - 2, &p);
    if (n < 0)
        return;
    size_t len = 1 + (size_t)n;
    if (last) {
        line[len++] = '\n';
        res->bar_state = 3;
    }
    res->bar_last = now;
    if (write(STDERR_FILENO, line, len) < 0)
        res->bar_state = 2; /* stderr went away: draw no more */
}

double rp__progress_tick(rp_result *res, double deadline) {
    draw(res);
    double slice = rp__now() + RP__BAR_EVERY;
    return deadline >= 0 && deadline < slice ? deadline : slice;
}
