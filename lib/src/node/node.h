/*
 * The node layer: this host and this process.  topology.c is the only file
 * that includes hwloc.h (topology, binding, the placement plan as a pure
 * function; its header is this folder's own), placement.c places the ranks
 * at init, signals.c catches SIGINT and SIGTERM.  Built on base and wire.
 * Not installed.
 */
#ifndef RP_NODE_H
#define RP_NODE_H

#include "base/base.h"
#include "wire/wire.h"

#include <mpi.h>

/* ---- placement.c --------------------------------------------------------- */

typedef struct rp__topo rp__topo;

/** A runtime's placement: what init did, to report and to undo at finalize. */
typedef struct rp__placement {
    rp__topo *topo;
    char *given;   /* the binding found at init, restored by rp__placement_fini */
    int rebound;   /* this runtime changed the binding */
    int omp_hint;  /* OMP_NUM_THREADS to set after the agreement, 0 for none */
    char omp[16];  /* the OMP_NUM_THREADS value this runtime set, or "" */
    char *warning; /* printed once the agreement succeeded, or NULL */
    int n;         /* records in info: one per rank on rank 0, else 1 (its own) */
    rp_placement_info *info;
    uint8_t *records; /* what info's strings point into */
} rp__placement;

/**
 * Init, collective over @p comm (this rank @p rank of @p size): resolve the
 * policy of @p opt, find the ranks that share this host and cpuset, plan,
 * bind, and gather every rank's record to rank 0.  A @p service rank (rank
 * 0, a server rank) runs no tasks: it is not pinned, as the manager is not,
 * and the workers divide the cpuset without it.  Every rank calls it, with
 * @p ok 0 after a local error (it then only takes part in the collective
 * calls).  Returns this rank's error.
 */
int rp__placement_init(rp__placement *pl, MPI_Comm comm, int rank, int size, int service,
                       const rp_options *opt, int ok);

/** After the agreement: print the warnings and set the OMP_NUM_THREADS hint. */
void rp__placement_start(rp__placement *pl);

/** Restore the binding and OMP_NUM_THREADS, free everything.  Idempotent. */
void rp__placement_fini(rp__placement *pl);

/* ---- config.c ------------------------------------------------------------ */

/**
 * The environment's part of the options (rankpool/config.h): each field
 * the program left at its default takes its RP_<NAME> variable's value, if
 * set.  Checks every variable set and every field's range; the first
 * problem is returned (RP_EINVAL, its message naming the variable or
 * field).  @p sources, if not NULL, receives each option's rp_option_source,
 * rp_option_count() of them.
 */
int rp__config_env(rp_options *o, unsigned char *sources);

/** Log each option's value and source at debug level. */
void rp__config_log(const rp_options *o, const unsigned char *sources);

/* ---- signals.c ------------------------------------------------------------ */

/** Install the SIGINT/SIGTERM handlers (when rp_options.handle_signals);
 *  @p is_worker: a signaled worker ends itself if rank 0 does not stop it. */
void rp__signals_install(int is_worker);
/** Restore the handlers found at install. */
void rp__signals_restore(void);
/** The first SIGINT/SIGTERM this process got since install, or 0. */
int rp__signal_pending(void);

#endif /* RP_NODE_H */
