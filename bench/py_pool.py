#!/usr/bin/env python3
"""Python's multiprocessing.Pool on the trivial tasks of bench_pool: the peer
bench/suite.sh sets beside rankpool and the farm.

The same work as bench_pool's (a): T tasks that return their input (an int),
with as many worker processes as rankpool has workers:
    apply_async  T pool.apply_async(echo, (i,)) calls, then every .get()
    map_chunk1   pool.map(echo, range(T), chunksize=1)
    map_default  pool.map(echo, range(T)) (Python's default chunksize)
each checked against the sum of the inputs.  Prints, with the median over the
repetitions and their min and max:
    python pool_map_default tasks=T workers=N median_tasks_per_s=... min=... max=...

Usage: py_pool.py [--quick] [--workers N] [--tasks T] [--reps R]
"""
import argparse
import multiprocessing as mp
import statistics
import time


def echo(x):
    return x


def apply_async(pool, n):
    results = [pool.apply_async(echo, (i,)) for i in range(n)]
    return sum(r.get() for r in results)


def map_chunk1(pool, n):
    return sum(pool.map(echo, range(n), chunksize=1))


def map_default(pool, n):
    return sum(pool.map(echo, range(n)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tasks", type=int)
    ap.add_argument("--reps", type=int)
    a = ap.parse_args()
    tasks = a.tasks or (5000 if a.quick else 100000)
    reps = a.reps or (1 if a.quick else 3)
    want = tasks * (tasks - 1) // 2
    with mp.Pool(a.workers) as pool:
        pool.map(echo, range(64), chunksize=1)  # untimed: the workers are up
        for name, fn in (("pool_apply_async", apply_async), ("pool_map_chunk1", map_chunk1),
                         ("pool_map_default", map_default)):
            rates = []
            for _ in range(reps):
                t = time.monotonic()
                got = fn(pool, tasks)
                rates.append(tasks / (time.monotonic() - t))
                if got != want:
                    raise SystemExit(f"py_pool.py: {name} summed {got}, expected {want}")
            print(f"python {name} tasks={tasks} workers={a.workers} "
                  f"median_tasks_per_s={statistics.median(rates):.0f} "
                  f"min={min(rates):.0f} max={max(rates):.0f}", flush=True)


if __name__ == "__main__":
    main()
