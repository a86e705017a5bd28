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
 * failure; a failed call has no side effects.  rp_strerror() and rp_err_name()
 * describe a code; rp_last_error() gives the calling thread's detailed message
 * for the most recent failure (e.g. which task name was unknown).
 *
 * Threads: the pool and result functions may be called from any thread of
 * rank 0.  Callbacks run on the manager thread (as Python's result handler
 * thread); they must return quickly and must not block on a result (such a
 * call returns RP_EDEADLK).
 *
 * Timeouts are in seconds as a double; RP_FOREVER (any negative value) waits
 * without a limit, 0 polls.
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
