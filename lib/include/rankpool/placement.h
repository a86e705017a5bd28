/*
 * rankpool/placement.h: where workers run (hwloc binding) and what init did.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_PLACEMENT_H
#define RANKPOOL_PLACEMENT_H

#include "rankpool/common.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/* ------------------------------------------------------------------------ */
/* Placement                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * rp_init binds each rank with hwloc, inside the cpuset it was started with
 * (by mpirun, the batch system, taskset), never outside it.  The ranks of a
 * host that were given the same cpuset divide it: each worker gets one core
 * (or hardware thread) of it, in the policy's order; rank 0, which runs
 * main() and the manager thread and is mostly asleep, keeps the whole cpuset,
 * and so does a rank alone in its cpuset (the launcher placed it).  With more
 * workers than cores, workers share cores round-robin and the lowest of those
 * ranks prints one warning.  If the OS refuses a binding, the rank runs as it
 * was, with a warning.  rp_finalize restores the binding found at init.
 *
 * The policy comes from rp_options.placement/.granularity when set, else from
 * the environment variable RP_PLACEMENT=POLICY[:GRANULARITY] (e.g. "compact",
 * "scatter:pu"), else scatter:core.  A bad RP_PLACEMENT fails rp_init on every
 * rank with RP_EINVAL.  If Open MPI was asked for a binding explicitly
 * (mpirun --bind-to X, or the MCA parameter hwloc_base_binding_policy set in
 * the environment), rankpool does not bind at all, whatever the policy, and
 * reports RP_PLACE_MPIRUN.
 *
 * Workers whose OMP_NUM_THREADS is unset get it set to the number of cores
 * (PUs at granularity pu) of their binding when rankpool placed them or kept
 * mpirun's binding; rp_finalize unsets it again.  OpenMP runtimes that read
 * the environment when they start (GCC's libgomp does so at program start)
 * miss it: call omp_set_num_threads(info.units) in a pool initializer then.
 * rp_init and rp_finalize change the environment: no other thread may read
 * or change it meanwhile.  See docs/placement.md.
 */

/** Placement policies. */
typedef enum rp_placement {
    RP_PLACE_DEFAULT = 0, /**< RP_PLACEMENT if set, else RP_PLACE_SCATTER */
    RP_PLACE_COMPACT = 1, /**< fill cores in order: worker i on the i-th core */
    RP_PLACE_SCATTER = 2, /**< spread across packages, then NUMA nodes and caches first */
    RP_PLACE_NONE = 3,    /**< do not bind (keep what the rank was started with) */
    RP_PLACE_MPIRUN = 4   /**< reported only: mpirun was asked to bind; its binding is kept */
} rp_placement;

/** What one worker is bound to. */
typedef enum rp_granularity {
    RP_GRAIN_DEFAULT = 0, /**< RP_PLACEMENT's if given, else RP_GRAIN_CORE */
    RP_GRAIN_CORE = 1,    /**< a whole core (all of its hardware threads in the cpuset) */
    RP_GRAIN_PU = 2       /**< one hardware thread (PU) */
} rp_granularity;

/** Where one rank runs, as decided and done by rp_init.  Strings are owned by the runtime. */
typedef struct rp_placement_info {
    int rank;             /**< rank in the runtime's communicator */
    const char *host;     /**< MPI_Get_processor_name */
    int node_rank;        /**< rank among the runtime's ranks on this host, in rank order */
    int node_size;        /**< the runtime's ranks on this host */
    int policy;           /**< effective: RP_PLACE_COMPACT, _SCATTER, _NONE or _MPIRUN */
    int granularity;      /**< effective: RP_GRAIN_CORE or RP_GRAIN_PU */
    const char *given;    /**< cpuset the rank had at init, hwloc list syntax of OS PU
                               numbers as taskset shows them ("0-15"); "" if unknown */
    const char *cpuset;   /**< the plan: cpuset it is bound to ("3"); = given if kept */
    const char *bound;    /**< its binding read back after init; = cpuset unless binding failed */
    const char *cores;    /**< logical indexes (lstopo's L#) of the cores of cpuset ("3") */
    const char *packages; /**< logical indexes of the packages of cpuset ("0") */
    const char *numa;     /**< logical indexes of the NUMA nodes of cpuset ("0") */
    const char *topology; /**< the host: "2 packages, 2 NUMA nodes, 16 cores, 32 PUs" */
    int units;            /**< cores (PUs at granularity pu) in cpuset: OMP_NUM_THREADS hint */
    int sharing;          /**< ranks of this host given the same cpuset (itself included) */
    int oversubscribed;   /**< 1 if the workers sharing its given cpuset outnumber its units */
} rp_placement_info;

/**
 * Where rank @p rank runs.  Any rank may ask about itself; the manager (rank
 * 0) may ask about every rank (gathered at init).  Not collective;
 * thread-safe.  The strings stay valid until rp_finalize.
 * @return 0; RP_EINVAL (rt or info NULL), RP_ERANGE (no such rank),
 *         RP_ENOTMANAGER (another rank's, asked on a worker).
 */
int rp_placement_get(const rp_runtime *rt, int rank, rp_placement_info *info);

/**
 * Name of a policy ("compact", "scatter", "none", "mpirun", "default"), as
 * RP_PLACEMENT spells it; "unknown" otherwise.  Never NULL; thread-safe.
 */
const char *rp_placement_name(int policy);

/** Name of a granularity ("core", "pu", "default"); "unknown" otherwise.  Thread-safe. */
const char *rp_granularity_name(int granularity);

/**
 * Number of logical CPUs (hardware threads) the calling thread may run on,
 * as Python's os.process_cpu_count(): affinity-aware, so on a placed worker
 * it is the size of its binding.  Falls back to the online CPUs if the
 * affinity cannot be read.  Always >= 1.  Needs no runtime; thread-safe.
 */
int rp_cpu_count(void);

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_PLACEMENT_H */
