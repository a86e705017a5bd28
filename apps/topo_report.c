/*
 * Where every rank runs: the topology of each host and, per rank, its
 * node-local rank, the placement policy, the cpuset it was given and the one
 * it is bound to, and the cores, packages and NUMA nodes that maps to.  Like
 * mpirun --report-bindings, but for rankpool's placement and readable.
 *
 * Run: mpirun -np 5 build/apps/topo_report
 *      RP_PLACEMENT=compact:pu mpirun -np 5 build/apps/topo_report
 *
 * Every rank's record was gathered to rank 0 by rp_init, so the report needs
 * no tasks.  It ends with "all N ranks bound as planned" when each rank's
 * binding, read back by that rank after init, is its plan.
 */
#include <rankpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COLS = 9 };
static const char *const heads[COLS] = {"rank",  "role",  "local", "policy", "given",
                                        "bound", "cores", "pkg",   "numa"};

typedef struct row {
    char cell[COLS][96];
    const char *host;
} row;

static void fill(row *r, const rp_placement_info *in, int size, int *mismatch) {
    snprintf(r->cell[0], sizeof r->cell[0], "%d", in->rank);
    snprintf(r->cell[1], sizeof r->cell[1], "%s",
             in->rank != 0 ? "worker"
             : size > 1    ? "manager"
                           : "manager+worker");
    snprintf(r->cell[2], sizeof r->cell[2], "%d/%d", in->node_rank, in->node_size);
    snprintf(r->cell[3], sizeof r->cell[3], "%s:%s", rp_placement_name(in->policy),
             rp_granularity_name(in->granularity));
    snprintf(r->cell[4], sizeof r->cell[4], "%s", in->given);
    *mismatch = strcmp(in->bound, in->cpuset) != 0;
    snprintf(r->cell[5], sizeof r->cell[5], "%s%s%s%s", in->bound, *mismatch ? " (planned " : "",
             *mismatch ? in->cpuset : "", *mismatch ? ")" : "");
    snprintf(r->cell[6], sizeof r->cell[6], "%s", in->cores);
    snprintf(r->cell[7], sizeof r->cell[7], "%s", in->packages);
    snprintf(r->cell[8], sizeof r->cell[8], "%s%s", in->numa, in->oversubscribed ? " *" : "");
    r->host = in->host;
}

static int report(rp_runtime *rt, int argc, char **argv, void *user) {
    (void)argc, (void)argv, (void)user;
    int n = rp_size(rt), mismatches = 0, oversub = 0, hosts = 0;
    row *rows = calloc((size_t)n, sizeof *rows);
    rp_placement_info *info = calloc((size_t)n, sizeof *info);
    if (rows == NULL || info == NULL) {
        fprintf(stderr, "topo_report: out of memory\n");
        return 1;
    }
    int width[COLS];
    for (int c = 0; c < COLS; c++)
        width[c] = (int)strlen(heads[c]);
    for (int i = 0; i < n; i++) {
        int rc = rp_placement_get(rt, i, &info[i]), bad = 0;
        if (rc != 0) {
            fprintf(stderr, "topo_report: rank %d: %s: %s\n", i, rp_err_name(rc), rp_last_error());
            return 1;
        }
        fill(&rows[i], &info[i], n, &bad);
        mismatches += bad;
        oversub |= info[i].oversubscribed;
        for (int c = 0; c < COLS; c++)
            if ((int)strlen(rows[i].cell[c]) > width[c])
                width[c] = (int)strlen(rows[i].cell[c]);
        int first = 1;
        for (int j = 0; j < i; j++)
            first &= strcmp(info[j].host, info[i].host) != 0;
        hosts += first;
    }
    printf("rankpool placement: %d rank%s on %d host%s; rank 0 may use %d CPU%s\n", n,
           n == 1 ? "" : "s", hosts, hosts == 1 ? "" : "s", rp_cpu_count(),
           rp_cpu_count() == 1 ? "" : "s");
    /* One block per host, in the order hosts first appear. */
    for (int i = 0; i < n; i++) {
        int first = 1;
        for (int j = 0; j < i; j++)
            first &= strcmp(info[j].host, info[i].host) != 0;
        if (!first)
            continue;
        printf("\nhost %s: %s\n ", info[i].host, info[i].topology);
        for (int c = 0; c < COLS; c++)
            printf(c == 0 ? " %*s" : " %-*s", c + 1 < COLS ? width[c] : 0, heads[c]);
        printf("\n");
        for (int k = i; k < n; k++) {
            if (strcmp(info[k].host, info[i].host) != 0)
                continue;
            printf(" ");
            for (int c = 0; c < COLS; c++) /* the last column unpadded */
                printf(c == 0 ? " %*s" : " %-*s", c + 1 < COLS ? width[c] : 0, rows[k].cell[c]);
            printf("\n");
        }
    }
    printf("\ngiven/bound: OS CPU numbers, as taskset shows them; cores, pkg, numa: logical\n"
           "indexes, as lstopo shows them (L#).  Rank 0 keeps its whole cpuset: it runs main()\n"
           "and the manager thread and is mostly asleep.\n");
    if (oversub)
        printf("* more workers than cores in the cpuset they were given: they share cores\n");
    if (mismatches == 0)
        printf("all %d rank%s bound as planned\n", n, n == 1 ? "" : "s");
    else
        printf("%d of %d ranks NOT bound as planned\n", mismatches, n);
    free(rows);
    free(info);
    return mismatches != 0;
}

int main(int argc, char **argv) {
    rp_options opt = RP_OPTIONS_INIT;
    return rp_main(&argc, &argv, &opt, report, NULL);
}
