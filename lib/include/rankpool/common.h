/*
 * rankpool/common.h: the version, timeouts, error codes, and the runtime handle.
 * Part of the rankpool API; include <rankpool.h> for all of it.
 */
#ifndef RANKPOOL_COMMON_H
#define RANKPOOL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
/* C++: only MPI's C API.  Open MPI's and MPICH's mpi.h otherwise pull in their
 * deprecated C++ bindings, which need a library of their own to link. */
#if defined(__cplusplus) && !defined(OMPI_SKIP_MPICXX)
#define OMPI_SKIP_MPICXX 1
#endif
#if defined(__cplusplus) && !defined(MPICH_SKIP_MPICXX)
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

/* Every declaration of the API is exported from the shared library, which
 * hides everything else (it is built with -fvisibility=hidden). */
#if defined(__GNUC__) && !defined(RP_NO_VISIBILITY)
#define RP_VISIBILITY_PUSH _Pragma("GCC visibility push(default)")
#define RP_VISIBILITY_POP _Pragma("GCC visibility pop")
#else
#define RP_VISIBILITY_PUSH
#define RP_VISIBILITY_POP
#endif

#ifdef __cplusplus
extern "C" {
#endif
RP_VISIBILITY_PUSH

/*
 * The version of this header.  rp_version() gives the library's: a program
 * may run with a later library of the same ABI (the SONAME
 * librankpool.so.N), never with an earlier one.  See "ABI" below.
 */
#define RP_VERSION_MAJOR 0
#define RP_VERSION_MINOR 2
#define RP_VERSION_PATCH 0
/** The version as one number, MAJOR * 10000 + MINOR * 100 + PATCH (200 for 0.2.0). */
#define RP_VERSION (RP_VERSION_MAJOR * 10000 + RP_VERSION_MINOR * 100 + RP_VERSION_PATCH)

/**
 * The version of the library the program runs with, as RP_VERSION encodes
 * it: compare it with RP_VERSION, the header's, to catch an older library.
 * Needs no runtime; thread-safe.
 */
int rp_version(void);

/** The library's version as text, "0.2.0"; never NULL.  Needs no runtime; thread-safe. */
const char *rp_version_string(void);

/*
 * ABI.  A program built against this header keeps working with a later
 * library of the same SONAME.  For that:
 *  - the option structs (rp_options, rp_pool_options, rp_call_options,
 *    rp_process_options) start with a size field that their RP_*_INIT macro
 *    sets to the struct's size in the program's header.  The library reads
 *    only that many bytes and takes its defaults for fields added since, so
 *    always start from the INIT macro and set fields by name.  New fields
 *    are added at the end only, 8 bytes wide (no padding that an older size
 *    would leave out); none is removed, moved or retyped.  A size of 0, one
 *    below this release's, or one above the library's own (a program built
 *    against a newer header) is refused with RP_EINVAL.
 *  - structs the library fills (rp_placement_info, rp_pool_stats,
 *    rp_worker_stats) and enums never change in size or meaning; new
 *    information comes with new functions or new enum values.
 *  - error codes, flags and the other constants keep their values.
 * Incompatible changes bump the SONAME.  CHANGELOG.md lists the changes.
 */

/**
 * Wait without a time limit.  The timeout rule, the same for every call and
 * option that takes one: RP_FOREVER (no limit), 0 (do not wait: Python's
 * block=False) or a finite number of seconds > 0.  NaN, the infinities and
 * any other negative number are RP_EINVAL, refused before anything is done.
 */
#define RP_FOREVER (-1.0)

/*
 * Error codes: X(name, value, message).  One table makes the enum,
 * rp_err_name() and rp_strerror().
 */
#define RP_ERRNO_MAP(X)                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(ENOTASK, -3, "no task registered under that name")                                           \
    X(ETIMEDOUT, -4, "timed out")                                                                  \
    X(ECLOSED, -5, "closed (a pool to new work, a queue, a pipe)")                                 \
    X(ESTATE, -6, "operation not valid in the current state")                                      \
    X(ETASK, -7, "a task reported failure")                                                        \
    X(ECANCELED, -8, "work was canceled (its pool terminated, or its caller ended)")               \
    X(EMPI, -9, "an MPI call failed")                                                              \
    X(EMISMATCH, -10, "ranks registered different task tables")                                    \
    X(EPROTO, -11, "malformed or unexpected message")                                              \
    X(ETOOBIG, -12, "size exceeds the library limit")                                              \
    X(ETRUNC, -13, "result does not fit the buffer")                                               \
    X(ESIZE, -14, "result has the wrong size")                                                     \
    X(EDONE, -15, "no more results")                                                               \
    X(EDEADLK, -16, "the call would wait for ever (on the manager thread, or for itself)")         \
    X(ETHREAD, -17, "MPI thread support level too low")                                            \
    X(ENOTMANAGER, -18, "only valid on the manager rank (rank 0)")                                 \
    X(EINIT, -19, "pool initializer failed")                                                       \
    X(ERANGE, -20, "index out of range")                                                           \
    X(ENOKEY, -21, "no such key")                                                                  \
    X(ENOENT, -22, "no such object")                                                               \
    X(EEXIST, -23, "object already exists")                                                        \
    X(ETYPE, -24, "wrong type")                                                                    \
    X(ENOSPC, -25, "manager memory limit reached")                                                 \
    X(EOVERFLOW, -26, "integer overflow")                                                          \
    X(EEMPTY, -27, "queue is empty")                                                               \
    X(EFULL, -28, "queue is full")                                                                 \
    X(EPERM, -29, "not held by the caller")                                                        \
    X(ERELEASE, -30, "released too many times")                                                    \
    X(EBROKEN, -31, "barrier is broken")                                                           \
    X(EEOF, -32, "end of stream: the other end is closed")                                         \
    X(ELOST, -33, "a worker was lost while it held the work")                                      \
    X(EINTR, -34, "interrupted by a signal")                                                       \
    X(ECRASH, -35, "killed by a signal (crashed, or ended by a timeout)")                          \
    X(EBADF, -36, "not a handle: never issued, forged or corrupted")

/** Error codes returned by every rankpool call (0 is success). */
typedef enum {
    RP_OK = 0,
#define RP__ERR_ENUM(name, value, msg) RP_##name = (value),
    RP_ERRNO_MAP(RP__ERR_ENUM)
#undef RP__ERR_ENUM
        RP_ERR_LAST = -37 /**< one past the last code; not an error itself */
} rp_errno;

/*
 * Outputs of a call that fails: an output value (rp_value) or batch
 * (rp_items) is left empty (RP_T_NONE, no entries, owning nothing) and an
 * output pointer (a pool, a result, a process, a runtime, a list of
 * objects) is set to NULL, before any check, so that releasing them after
 * a refused call is always safe.  Handles (plain values) given out by an
 * open that fails are left as they were.
 */

/** Short message for an error code ("timed out"); never NULL. Thread-safe. */
const char *rp_strerror(int code);

/** Name of an error code ("RP_ETIMEDOUT"); "RP_UNKNOWN" for other values. Thread-safe. */
const char *rp_err_name(int code);

/**
 * Detailed message for the last failed rankpool call on the calling thread,
 * e.g. "unknown task 'sqare'".  Empty string if none.  Valid until the next
 * rankpool call on this thread.
 */
const char *rp_last_error(void);

/** A rankpool runtime over one communicator.  Opaque. */
typedef struct rp_runtime rp_runtime;

RP_VISIBILITY_POP
#ifdef __cplusplus
}
#endif

#endif /* RANKPOOL_COMMON_H */
