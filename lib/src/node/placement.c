/*
 * Placement at init: which ranks share a host and a cpuset, the plan
 * (topology.c), the binding, and the record of where each rank runs,
 * gathered to the manager for rp_placement_info.  Only collective calls
 * (split, allgather, gather), all made at init by every rank.
 */
#include "node/node.h"
#include "node/topology.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The variable Open MPI's mpirun sets for --bind-to (or that the user set). */
#define OMPI_BINDING_VAR "OMPI_MCA_hwloc_base_binding_policy"

/* Append a line to the warnings (best effort: a warning may be lost to ENOMEM). */
static void add_warning(rp__placement *pl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_warning(rp__placement *pl, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t old = pl->warning ? strlen(pl->warning) : 0, add = strlen(line);
    char *w = realloc(pl->warning, old + add + 2);
    if (w == NULL)
        return;
    memcpy(w + old, line, add);
    w[old + add] = '\n';
    w[old + add + 1] = '\0';
    pl->warning = w;
}

/* 1 if @p ok on every rank of @p comm.  Collective; a rank short of memory
 * says so here, so that no rank enters a collective the others skip. */
static int all_ok(MPI_Comm comm, int ok) {
    int all = 0;
    if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        return 0;
    return all;
}

/* Which ranks of this host were given the same cpuset: exchanged on the
 * host's communicator.  Sets *size (how many), *manager (how many of them
 * run no tasks: rank 0 and the server ranks, @p is_manager for this one) and
 * *rank: this rank's index among those if it is one, else *manager plus its
 * index among the workers, as rp__place counts; on error, a group of one. */
static int group_of(MPI_Comm node, const char *given, int is_manager, int *rank, int *size,
                    int *manager) {
    int nr, ns;
    MPI_Comm_rank(node, &nr);
    MPI_Comm_size(node, &ns);
    *rank = 0;
    *size = 1;
    *manager = is_manager;
    int mine[2] = {(int)strlen(given) + 1, is_manager};
    int *meta = malloc(2 * (size_t)ns * sizeof *meta),
        *displs = malloc((size_t)ns * sizeof *displs), *lens = malloc((size_t)ns * sizeof *lens);
    char *all = NULL;
    int rc = RP_ENOMEM;
    if (!all_ok(node, meta && displs && lens))
        goto done;
    rc = RP_EMPI;
    if (MPI_Allgather(mine, 2, MPI_INT, meta, 2, MPI_INT, node) != MPI_SUCCESS)
        goto done;
    size_t total = 0;
    for (int i = 0; i < ns; i++) {
        lens[i] = meta[2 * i];
        displs[i] = (int)total;
        total += (size_t)(lens[i] > 0 ? lens[i] : 0);
    }
    int fits = total <= (size_t)0x7fffffff && (all = malloc(total)) != NULL;
    rc = RP_ENOMEM;
    if (!all_ok(node, fits))
        goto done;
    rc = RP_EMPI;
    if (MPI_Allgatherv(given, mine[0], MPI_CHAR, all, lens, displs, MPI_CHAR, node) != MPI_SUCCESS)
        goto done;
    rc = 0;
    *size = 0;
    *manager = 0;
    int before = 0; /* of this rank's sort (service or worker), in the group */
    for (int i = 0; i < ns; i++) {
        const char *s = all + displs[i];
        if (lens[i] < 1 || s[lens[i] - 1] != '\0' || strcmp(s, given) != 0)
            continue;
        if (i < nr && meta[2 * i + 1] == is_manager)
            before++;
        (*size)++;
        *manager += meta[2 * i + 1];
    }
    *rank = is_manager ? before : *manager + before;
done:
    free(all);
    free(meta);
    free(displs);
    free(lens);
    if (rc == RP_ENOMEM)
        return rp__err(rc, "out of memory for the cpusets of this host's %d ranks", ns);
    if (rc == RP_EMPI)
        return rp__err(rc, "exchanging cpusets on the host failed");
    return 0;
}

/* Gather every rank's record to rank 0 (the others keep their own) and
 * decode them into pl->info. */
static int gather_records(MPI_Comm comm, int rank, int size, rp__placement *pl,
                          const rp__prec *mine) {
    int root = rank == 0, n = root ? size : 1;
    size_t sz = rp__prec_size(mine);
    uint8_t *rec = sz ? malloc(sz) : NULL, *all = NULL;
    int len = rec ? (int)sz : 0;
    if (rec)
        rp__prec_encode(rec, mine);
    int *lens = root ? malloc((size_t)n * sizeof *lens) : NULL;
    int *displs = root ? malloc((size_t)n * sizeof *displs) : NULL;
    int rc = RP_ENOMEM;
    if (!all_ok(comm, rec && (!root || (lens && displs))))
        goto done;
    rc = RP_EMPI;
    if (MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, comm) != MPI_SUCCESS)
        goto done;
    int fits = 1;
    if (root) {
        size_t total = 0;
        for (int i = 0; i < n && total <= (size_t)0x7fffffff; i++) {
            displs[i] = (int)total;
            total += (size_t)lens[i];
        }
        fits = total <= (size_t)0x7fffffff && (all = malloc(total)) != NULL;
    }
    rc = RP_ENOMEM;
    if (!all_ok(comm, fits))
        goto done;
    rc = RP_EMPI;
    if (MPI_Gatherv(rec, len, MPI_BYTE, all, lens, displs, MPI_BYTE, 0, comm) != MPI_SUCCESS)
        goto done;
    if (!root) {
        all = rec; /* a worker keeps its own record */
        rec = NULL;
    }
    rc = RP_ENOMEM;
    if ((pl->info = calloc((size_t)n, sizeof *pl->info)) == NULL)
        goto done;
    for (int i = 0; i < n; i++) {
        rp__prec p;
        if (rp__prec_decode(all + (root ? displs[i] : 0), (size_t)(root ? lens[i] : len), &p) !=
            0) {
            free(pl->info);
            pl->info = NULL;
            rc = rp__err(RP_EPROTO, "unreadable placement record from rank %d", i);
            goto done;
        }
        pl->info[i] = (rp_placement_info){
            .rank = root ? i : rank,
            .host = p.s[RP__PS_HOST],
            .node_rank = p.v[RP__PI_NODE_RANK],
            .node_size = p.v[RP__PI_NODE_SIZE],
            .policy = p.v[RP__PI_POLICY],
            .granularity = p.v[RP__PI_GRAIN],
            .given = p.s[RP__PS_GIVEN],
            .cpuset = p.s[RP__PS_CPUSET],
            .bound = p.s[RP__PS_BOUND],
            .cores = p.s[RP__PS_CORES],
            .packages = p.s[RP__PS_PACKAGES],
            .numa = p.s[RP__PS_NUMA],
            .topology = p.s[RP__PS_TOPOLOGY],
            .units = p.v[RP__PI_UNITS],
            .sharing = p.v[RP__PI_SHARING],
            .oversubscribed = p.v[RP__PI_OVERSUB],
        };
    }
    pl->n = n;
    pl->records = all;
    all = NULL;
    rc = 0;
done:
    free(rec);
    free(all);
    free(lens);
    free(displs);
    if (rc == RP_ENOMEM)
        return rp__err(rc, "out of memory for the placement records");
    if (rc == RP_EMPI)
        return rp__err(rc, "gathering the placement records failed");
    return rc;
}

int rp__placement_init(rp__placement *pl, MPI_Comm comm, int rank, int size, int service,
                       const rp_options *opt, int ok) {
    int rc = 0, policy = RP_PLACE_NONE, grain = RP_GRAIN_CORE;
    if (ok)
        rc = rp__placement_resolve(opt->placement, opt->granularity, NULL, /* RP_PLACEMENT: in
                                   opt already (rp__config_env) */
                                   getenv(OMPI_BINDING_VAR), &policy, &grain);
    if (ok && rc == 0) {
        /* Without a topology or a readable binding nothing is placed, but
         * the runtime works: a warning, not a failure. */
        int trc = rp__topo_load(NULL, &pl->topo);
        if (trc == 0)
            trc = rp__topo_get_binding(pl->topo, &pl->given);
        if (trc != 0) {
            add_warning(pl, "rank %d is not placed: %s", rank, rp_last_error());
            rp__topo_free(pl->topo);
            pl->topo = NULL;
            policy = RP_PLACE_NONE;
        }
    }
    const char *given = pl->given ? pl->given : "";

    /* Collective from here: every rank takes part whatever happened above. */
    MPI_Comm node;
    int node_rank = 0, node_size = 1, grank = 0, gsize = 1, gmanager = service != 0;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) !=
        MPI_SUCCESS) {
        if (rc == 0)
            rc = rp__err(RP_EMPI, "MPI_Comm_split_type failed");
    } else {
        MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN);
        MPI_Comm_rank(node, &node_rank);
        MPI_Comm_size(node, &node_size);
        int grc = group_of(node, given, service != 0, &grank, &gsize, &gmanager);
        if (rc == 0)
            rc = grc;
        MPI_Comm_free(&node);
    }

    char host[MPI_MAX_PROCESSOR_NAME + 1] = "?";
    int hlen = 0;
    MPI_Get_processor_name(host, &hlen);
    const char *unit = grain == RP_GRAIN_PU ? "PU" : "core";
    char *bound = NULL, *summary = NULL;
    rp__where where = {NULL, NULL, NULL, 0};
    rp__plan plan = {NULL, 0, 0, 0, 0};
    if (rc == 0 && pl->topo) {
        rp__place_in in = {policy, grain, grank, gsize, gmanager};
        rc = rp__place(pl->topo, given, &in, &plan);
        if (rc == 0 && plan.pinned) {
            pl->rebound = 1;
            if (rp__topo_bind(pl->topo, plan.cpuset) != 0)
                add_warning(pl, "rank %d: %s", rank, rp_last_error());
        }
        if (rc == 0 && rp__topo_get_binding(pl->topo, &bound) != 0)
            bound = NULL;
        if (rc == 0)
            rc = rp__topo_describe(pl->topo, plan.cpuset, grain, &where);
        if (rc == 0)
            rc = rp__topo_summary(pl->topo, &summary);
        if (rc == 0 && plan.oversubscribed && grank == 0)
            add_warning(pl,
                        "host %s: %d workers share %d %s%s (cpuset %s): they "
                        "take turns, so CPU-bound tasks run slower than with one worker per %s",
                        host, plan.workers, plan.units, unit, plan.units == 1 ? "" : "s", given,
                        unit);
        /* The hint is for the workers' own threads; rank 0's main() is the user's. */
        if (rc == 0 && !service && size > 1 && policy != RP_PLACE_NONE)
            pl->omp_hint = where.units;
    }
    rp__prec rec = {
        .v = {node_rank, node_size, policy, grain, where.units, gsize, plan.oversubscribed},
        .s = {host, given, plan.cpuset ? plan.cpuset : "", bound ? bound : "",
              where.cores ? where.cores : "", where.packages ? where.packages : "",
              where.numa ? where.numa : "", summary ? summary : ""}};
    int grc = gather_records(comm, rank, size, pl, &rec);
    if (rc == 0)
        rc = grc;
    free(plan.cpuset);
    free(bound);
    free(summary);
    rp__where_free(&where);
    return rc;
}

void rp__placement_start(rp__placement *pl) {
    for (const char *w = pl->warning; w && *w; w += strcspn(w, "\n") + 1)
        rp__log(RP_LOG_WARN, "%.*s", (int)strcspn(w, "\n"), w);
    /* Only if unset: the user's value, even an empty one, is the user's. */
    if (pl->omp_hint > 0 && getenv("OMP_NUM_THREADS") == NULL) {
        snprintf(pl->omp, sizeof pl->omp, "%d", pl->omp_hint);
        if (setenv("OMP_NUM_THREADS", pl->omp, 0) != 0)
            pl->omp[0] = '\0';
    }
}

void rp__placement_fini(rp__placement *pl) {
    if (pl->rebound && pl->topo && pl->given)
        rp__topo_bind(pl->topo, pl->given); /* best effort: nothing to do if refused */
    const char *omp = getenv("OMP_NUM_THREADS");
    if (pl->omp[0] && omp && strcmp(omp, pl->omp) == 0)
        unsetenv("OMP_NUM_THREADS");
    rp__topo_free(pl->topo);
    free(pl->given);
    free(pl->warning);
    free(pl->info);
    free(pl->records);
    *pl = (rp__placement){0};
}
