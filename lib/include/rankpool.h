/*
 * rankpool: Python's multiprocessing model (Pool, ...) as a C library on MPI.
 *
 * Overview
 * --------
 * The same binary runs on every rank of a communicator.  Rank 0 runs the
 * caller's main() plus one *manager* thread that owns all of the library's MPI
 * traffic on that rank; ranks 1..N-1 are *workers* that run a service loop.
 * Task functions are not pickled: every rank registers the same table of named
 * C functions (rp_task_def), and a task is sent as the function's index plus
 * its argument bytes.  rp_init checks that all ranks registered the same table.
 *
 *     int main(int argc, char **argv) {
 *         static const rp_task_def tasks[] = {RP_TASK(square)};
 *         rp_options opt = RP_OPTIONS_INIT;
 *         opt.tasks = tasks;
 *         opt.ntasks = 1;
 *         rp_runtime *rt;
 *         if (rp_init(&rt, &argc, &argv, &opt) != 0) return 1;
 *         if (rp_is_manager(rt)) {
 *             rp_pool *pool;
 *             rp_pool_create(rt, NULL, &pool);
 *             rp_pool_map(pool, "square", in, n, sizeof *in, out, sizeof *out, NULL);
 *             rp_pool_destroy(pool);
 *         }
 *         return rp_finalize(rt) == 0 ? 0 : 1;   // workers serve in here
 *     }
 *
 * Errors: every call returns an int, 0 on success and a negative RP_E* code on
 * failure; a failed call has no side effects, and leaves its outputs empty
 * (common.h).  rp_strerror() and rp_err_name() describe a code;
 * rp_last_error() gives the calling thread's detailed message for the most
 * recent failure (e.g. which task name was unknown).
 *
 * Threads: the pool and result functions may be called from any thread of
 * rank 0.  Callbacks run on the manager thread (as Python's result handler
 * thread); nothing waits there: a call from a callback (or from a task of a
 * one-rank job, which that thread runs) that would have to wait returns
 * RP_EDEADLK at once (sync.h, "the callback rule").
 *
 * Timeouts are in seconds as a double: RP_FOREVER waits without a limit, 0
 * does not wait, a finite number > 0 waits that long; anything else (NaN,
 * infinities, other negatives) is RP_EINVAL (common.h, RP_FOREVER).
 *
 * Handles of shared objects say their kind and generation; a call given
 * another kind's handle returns RP_ETYPE, one never issued RP_EBADF, one of
 * a destroyed object RP_ENOENT, and no object is touched (objects.h).
 */
#ifndef RANKPOOL_H
#define RANKPOOL_H

/* The API by area, as installed under rankpool/; each may be included alone. */
#include "rankpool/common.h"
#include "rankpool/task.h"
#include "rankpool/runtime.h"
#include "rankpool/placement.h"
#include "rankpool/pool.h"
#include "rankpool/objects.h"
#include "rankpool/sync.h"
#include "rankpool/array.h"
#include "rankpool/process.h"
#include "rankpool/log.h"
#include "rankpool/config.h"

#endif /* RANKPOOL_H */
