#!/usr/bin/env python3
"""Python's multiprocessing.Value('q') with get_lock(): the peer of bench_array.

N processes (default 2) each add 1 to one shared Value K times, the way
Python's documentation says to make it safe:

    with v.get_lock():
        v.value += 1

started together by a barrier; total adds / the longest process's time,
checked against N * K.  Prints, with the median over the repetitions:
    python value_lock_procs procs=2 median_ops_per_s=... min=... max=...

Usage: py_value.py [--quick] [--procs N] [--ops K] [--reps R]
"""
import argparse
import multiprocessing as mp
import statistics
import time


def adder(v, n, barrier, out):
    barrier.wait()
    t = time.monotonic()
    for _ in range(n):
        with v.get_lock():
            v.value += 1
    out.put(time.monotonic() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--ops", type=int, default=200000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.quick:
        a.ops, a.reps = 5000, 1
    rates = []
    for _ in range(a.reps):
        v = mp.Value("q", 0)
        barrier = mp.Barrier(a.procs)
        out = mp.Queue()
        ps = [mp.Process(target=adder, args=(v, a.ops, barrier, out)) for _ in range(a.procs)]
        for p in ps:
            p.start()
        longest = max(out.get() for _ in ps)
        for p in ps:
            p.join()
        if v.value != a.procs * a.ops:
            raise SystemExit("py_value.py: counter %d, expected %d: WRONG"
                             % (v.value, a.procs * a.ops))
        rates.append(a.procs * a.ops / longest)
    print("python value_lock_procs procs=%d median_ops_per_s=%.0f min=%.0f max=%.0f"
          % (a.procs, statistics.median(rates), min(rates), max(rates)), flush=True)


if __name__ == "__main__":
    main()
