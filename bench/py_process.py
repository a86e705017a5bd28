#!/usr/bin/env python3
"""Python's multiprocessing.Process start + join, the peer of bench_process.

N times: Process(target=nothing), start(), join(); prints one key=value line
with the median, min and max in microseconds (time.monotonic(), the clock of
bench_process), for the fork start method (as rankpool forks) and spawn:
    python process_start_join method=fork n=100 median_us=... min_us=... max_us=...

Usage: py_process.py [--procs N]
"""
import argparse
import multiprocessing as mp
import statistics
import time


def nothing():
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", type=int, default=100)
    a = ap.parse_args()
    for method in ("fork", "spawn"):
        ctx = mp.get_context(method)
        lat = []
        for _ in range(a.procs if method == "fork" else max(a.procs // 10, 1)):
            t0 = time.monotonic()
            p = ctx.Process(target=nothing)
            p.start()
            p.join()
            lat.append((time.monotonic() - t0) * 1e6)
        print(f"python process_start_join method={method} n={len(lat)} "
              f"median_us={statistics.median(lat):.0f} min_us={min(lat):.0f} max_us={max(lat):.0f}",
              flush=True)


if __name__ == "__main__":
    main()
