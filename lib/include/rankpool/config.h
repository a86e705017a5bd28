/*
 * rankpool/config.h: the options as a run takes them (program, environment,
 * default), and what the library was built with.  What rankpool-info prints.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_CONFIG_H
#define RANKPOOL_CONFIG_H

#include "rankpool/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/*
 * Every rp_options field a user tunes per run can be set in the
 * environment as RP_<NAME>, the field's name in capitals (RP_PREFETCH=4,
 * RP_SHUTDOWN_TIMEOUT=30, RP_OBJ_MEM_MAX=4G); placement and granularity
 * together as RP_PLACEMENT=POLICY[:GRANULARITY].  rp_init takes a field
 * from the environment when the program left it at its RP_OPTIONS_INIT
 * default; a value the program set wins.  Each rank reads its own
 * environment (Open MPI's mpirun passes it only to the ranks of its own
 * host unless told with -x NAME).  A value that does not parse or is out
 * of range fails rp_init on every rank with RP_EINVAL, naming the variable.
 * The table, with each field's range: docs/config.md.
 */

/** Where an option's value came from. */
typedef enum rp_option_source {
    RP_SOURCE_DEFAULT = 0, /**< the RP_OPTIONS_INIT default */
    RP_SOURCE_ENV = 1,     /**< the environment (RP_<NAME>) */
    RP_SOURCE_CODE = 2     /**< the program's rp_options */
} rp_option_source;

/** Number of options rp_option_info knows (the environment table's rows). Thread-safe. */
int rp_option_count(void);

/**
 * Describe option @p index (0 .. rp_option_count() - 1): its field name
 * ("prefetch"; "placement" stands for placement and granularity), its
 * environment variable ("RP_PREFETCH") and one line of help.  Each output
 * pointer may be NULL; the strings are static.  Thread-safe.
 * @return 0; RP_ERANGE (no such option).
 */
int rp_option_info(int index, const char **name, const char **env, const char **help);

/**
 * The value option @p index takes in a run started with @p opts (NULL: the
 * defaults) in this process's environment, as rp_init would take it,
 * written as text to @p buf ("4", "0.0002", "64M", "scatter:core",
 * "warn"), and where it came from.  Reads the environment: not safe
 * against a concurrent setenv; otherwise thread-safe.
 * @param source receives an rp_option_source; may be NULL
 * @return 0; RP_ERANGE (no such option); RP_EINVAL (buf NULL with size > 0,
 *         opts without a valid size, or a bad value in the environment: the
 *         message names it); RP_ETRUNC (@p size too small; buf holds a
 *         truncated, terminated value when size > 0).
 */
int rp_option_value(const rp_options *opts, int index, char *buf, size_t size, int *source);

/** What rp_library_info describes. */
typedef enum rp_info_key {
    RP_INFO_VERSION = 0,       /**< rankpool's version and ABI, "0.2.0 (ABI 0)" */
    RP_INFO_MPI_BUILT = 1,     /**< the MPI the library was compiled with, "Open MPI 4.1.4" */
    RP_INFO_MPI_RUNNING = 2,   /**< MPI_Get_library_version's first line, now */
    RP_INFO_MPI_STANDARD = 3,  /**< the MPI standard version running, "3.1" */
    RP_INFO_HWLOC_BUILT = 4,   /**< the hwloc compiled with, "2.9.0 (API 0x20800)" */
    RP_INFO_HWLOC_RUNNING = 5, /**< the hwloc API running, "API 0x20800" */
    RP_INFO_THREAD_LEVEL = 6   /**< the MPI thread level rp_init asks for */
} rp_info_key;

/**
 * Build and run-time facts about the library, as text (static storage).
 * May be called before MPI is initialized or after it was finalized.
 * Thread-safe.
 * @return the text; NULL for an unknown @p key.
 */
const char *rp_library_info(int key);

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_CONFIG_H */
