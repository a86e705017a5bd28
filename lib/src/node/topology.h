/*
 * Topology and binding: the only code that includes hwloc.h.  No MPI here:
 * the placement plan is a pure function of a topology (this machine's, or a
 * synthetic one in the unit tests), the cpuset a rank was given, its place
 * among the ranks that share that cpuset, and the policy.  Cpusets cross this
 * interface as strings in hwloc's list syntax ("0-3,8"), OS PU numbers, as
 * taskset and /proc/PID/status show them.  Strings handed out are malloc'd;
 * the caller frees them.
 */
#ifndef RP_TOPOLOGY_H
#define RP_TOPOLOGY_H

#include <stddef.h>

/** A loaded hardware topology.  Opaque. */
typedef struct rp__topo rp__topo;

/**
 * Load this machine's topology (@p synthetic NULL) or a synthetic one such as
 * "pack:2 numa:2 core:4 pu:2".  Returns 0, RP_ENOMEM, RP_EINVAL (bad synthetic
 * description) or RP_ESTATE (hwloc could not load the topology).
 */
int rp__topo_load(const char *synthetic, rp__topo **out);

/** Free a topology; NULL is a no-op. */
void rp__topo_free(rp__topo *t);

/** The process's current binding as a list string.  Returns 0, RP_ENOMEM, RP_ESTATE. */
int rp__topo_get_binding(rp__topo *t, char **cpuset);

/**
 * Bind every thread of the process to @p cpuset.  Returns 0, RP_EINVAL (not a
 * cpuset), RP_ENOMEM, or RP_ESTATE (the OS refused; rp_last_error says why).
 */
int rp__topo_bind(rp__topo *t, const char *cpuset);

/** "2 packages, 4 NUMA nodes, 16 cores, 32 PUs".  Returns 0 or RP_ENOMEM. */
int rp__topo_summary(rp__topo *t, char **out);

/** Where a cpuset lies: logical indexes (lstopo's L#) of what it touches. */
typedef struct rp__where {
    char *cores;    /* cores, "0-1"; "" if none */
    char *packages; /* packages */
    char *numa;     /* NUMA nodes */
    int units;      /* cores (granularity core) or PUs (granularity pu) it touches */
} rp__where;

/**
 * Describe @p cpuset at @p granularity (RP_GRAIN_CORE or RP_GRAIN_PU).
 * Returns 0, RP_EINVAL (not a cpuset) or RP_ENOMEM; on error nothing is allocated.
 */
int rp__topo_describe(rp__topo *t, const char *cpuset, int granularity, rp__where *w);

/** Free the strings of a description (not @p w itself). */
void rp__where_free(rp__where *w);

/** Inputs of a plan besides the topology and the given cpuset. */
typedef struct rp__place_in {
    int policy;      /* RP_PLACE_COMPACT or RP_PLACE_SCATTER place; anything else keeps */
    int granularity; /* RP_GRAIN_CORE or RP_GRAIN_PU */
    int rank;        /* among the ranks of this host that were given the same cpuset */
    int size;        /* how many they are (>= 1) */
    int manager;     /* the first this many of them run no tasks (rank 0, servers) */
} rp__place_in;

/** A plan. */
typedef struct rp__plan {
    char *cpuset;       /* bind to this (malloc'd) */
    int pinned;         /* 1 if it is one unit out of the given cpuset, 0 if it is all of it */
    int units;          /* units (cores or PUs) in the given cpuset that placement can use */
    int workers;        /* workers among the ranks sharing it */
    int oversubscribed; /* workers > units: they share units round-robin */
} rp__plan;

/**
 * The placement plan, a pure function of its inputs.  The ranks that share a
 * given cpuset divide it: worker j (the manager and servers, if present, are not counted)
 * gets unit j mod units, in the policy's order of the units inside the cpuset
 * (compact: logical order; scatter: across packages, then NUMA nodes and
 * caches, then cores, then PUs).  The manager, and a rank alone in its
 * cpuset, keep all of it.  Policies other than compact and scatter keep it too.
 * Returns 0, RP_EINVAL (@p given is not a cpuset, or bad inputs) or RP_ENOMEM.
 */
int rp__place(rp__topo *t, const char *given, const rp__place_in *in, rp__plan *out);

/**
 * Parse an RP_PLACEMENT value, "POLICY[:GRANULARITY]" (compact, scatter or
 * none; core, pu or hwthread), case-insensitive.  The granularity is
 * RP_GRAIN_DEFAULT when not given.  Returns 0 or RP_EINVAL with a message.
 */
int rp__placement_parse(const char *s, int *policy, int *granularity);

/**
 * The effective policy and granularity: an explicit option wins, then the
 * RP_PLACEMENT value @p env (NULL or "" when unset), then scatter:core.  A
 * non-empty @p launcher (Open MPI's binding policy variable) means the user
 * asked mpirun for a binding: the policy is then RP_PLACE_MPIRUN.  A bad
 * @p env is an error even when an option overrides it.  Returns 0 or RP_EINVAL.
 */
int rp__placement_resolve(int opt_policy, int opt_granularity, const char *env,
                          const char *launcher, int *policy, int *granularity);

/**
 * hwloc's version as compiled ("2.9.0 (API 2.8.0)") and the API version of
 * the hwloc library running ("API 2.8.0"), into the two buffers.
 */
void rp__hwloc_versions(char *built, size_t built_size, char *running, size_t running_size);

#endif /* RP_TOPOLOGY_H */
