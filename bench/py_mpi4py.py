#!/usr/bin/env python3
"""mpi4py.futures.MPIPoolExecutor on the trivial tasks of bench_pool: the
MPI peer in Python that bench/suite.sh sets beside rankpool.

Run under the same layout as rankpool, rank 0 the client and the other ranks
its workers:
    mpirun -np N python3 -m mpi4py.futures bench/py_mpi4py.py [--quick] ...
The same work as bench_pool's (a): T tasks that return their input (an int):
    submit       T executor.submit(echo, i) calls, then every .result()
    map_chunk1   executor.map(echo, range(T), chunksize=1)
    map_default  executor.map(echo, range(T)) (mpi4py's default chunksize, 1)
each checked against the sum of the inputs.  Prints, with the median over the
repetitions and their min and max:
    mpi4py map_default tasks=T workers=N median_tasks_per_s=... min=... max=...

Usage: py_mpi4py.py [--quick] [--tasks T] [--reps R]
"""
import argparse
import statistics
import time

from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor


def echo(x):
    return x


def submit(ex, n):
    futures = [ex.submit(echo, i) for i in range(n)]
    return sum(f.result() for f in futures)


def map_chunk1(ex, n):
    return sum(ex.map(echo, range(n), chunksize=1))


def map_default(ex, n):
    return sum(ex.map(echo, range(n)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one run")
    ap.add_argument("--tasks", type=int)
    ap.add_argument("--reps", type=int)
    a = ap.parse_args()
    tasks = a.tasks or (5000 if a.quick else 100000)
    reps = a.reps or (1 if a.quick else 3)
    want = tasks * (tasks - 1) // 2
    workers = MPI.COMM_WORLD.Get_size() - 1  # every rank but this one serves
    with MPIPoolExecutor() as ex:
        list(ex.map(echo, range(64)))  # untimed: the workers are up
        for name, fn in (("submit", submit), ("map_chunk1", map_chunk1),
                         ("map_default", map_default)):
            rates = []
            for _ in range(reps):
                t = time.monotonic()
                got = fn(ex, tasks)
                rates.append(tasks / (time.monotonic() - t))
                if got != want:
                    raise SystemExit(f"py_mpi4py.py: {name} summed {got}, expected {want}")
            print(f"mpi4py {name} tasks={tasks} workers={workers} "
                  f"median_tasks_per_s={statistics.median(rates):.0f} "
                  f"min={min(rates):.0f} max={max(rates):.0f}", flush=True)


if __name__ == "__main__":
    main()
