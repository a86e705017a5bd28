#!/usr/bin/env python3
"""Python's multiprocessing.Manager().dict() doing bench_dict's work.

The peer of bench/bench_dict.c, run next to it by bench/dict.sh.  The same
16-byte keys ("key-%012d", j -> j for j < batch) and integer values; every
client is a separate process (as a rankpool task runs on a worker rank),
connected to the manager before a barrier and timed with time.monotonic()
from the barrier on:

  one_client_get / _set      K sequential d[k] / d[k] = v (ops/s), each get
                             checked against the value it should read;
  all_clients_get / _set     N clients at once: total ops / longest client;
  *_counter                  the atomic add, done the Python way with a
                             Manager Lock: with lock: d[c] = d[c] + 1 (checked);
  one_client_update          d.update(batch) of B keys (keys/s);
  one_client_get_1by1        B gets one by one (keys/s): Python has no batched get.

Repetition is outermost; each measurement prints one line of key=value fields
with the median over the repetitions and their min and max:
    python one_client_get clients=1 calls=20000 median_ops_per_s=... min=... max=...

Usage: py_manager_dict.py [--quick] [--clients N] [--ops K] [--batches M]
                          [--batch B] [--reps R]
"""
import argparse
import multiprocessing as mp
import platform
import statistics
import sys
import time

COUNTER = "counter-00000000"  # 16 bytes, as in bench_dict.c


def key(j):
    return "key-%012d" % j


def client(op, d, lock, n, batch, barrier, out):
    """One client process: n calls of one kind; (seconds, error) to out."""
    keys = [key(j) for j in range(batch)]
    try:
        d.get(COUNTER)  # the first call connects to the manager: untimed
        barrier.wait()
        t0 = time.monotonic()
        if op == "get":
            for i in range(n):
                j = i % batch
                if d[keys[j]] != j:
                    raise RuntimeError("wrong value for key %d" % j)
        elif op == "set":
            for i in range(n):
                j = i % batch
                d[keys[j]] = j
        elif op == "counter":
            for _ in range(n):
                with lock:
                    d[COUNTER] = d[COUNTER] + 1
        elif op == "update":
            pairs = {k: j for j, k in enumerate(keys)}
            for _ in range(n):
                d.update(pairs)
        elif op == "get_1by1":
            for _ in range(n):
                for j, k in enumerate(keys):
                    if d[k] != j:
                        raise RuntimeError("wrong value for key %d" % j)
        else:
            raise ValueError("unknown op " + op)
        out.put((time.monotonic() - t0, None))
    except Exception as e:  # reported by the parent, which fails the run
        out.put((None, "%s: %r" % (op, e)))


# (name, op, all clients or one, batched)
PLAN = [
    ("one_client_get", "get", False, False),
    ("one_client_set", "set", False, False),
    ("one_client_counter", "counter", False, False),
    ("one_client_update", "update", False, True),
    ("one_client_get_1by1", "get_1by1", False, True),
    ("all_clients_get", "get", True, False),
    ("all_clients_set", "set", True, False),
    ("all_clients_counter", "counter", True, False),
]


def measure(d, lock, op, clients, n, batch):
    """One run: clients processes at once; total calls / the longest one's time."""
    if op == "counter":
        d[COUNTER] = 0
    barrier = mp.Barrier(clients)
    out = mp.Queue()
    procs = [
        mp.Process(target=client, args=(op, d, lock, n, batch, barrier, out))
        for _ in range(clients)
    ]
    for p in procs:
        p.start()
    got = [out.get() for _ in procs]
    for p in procs:
        p.join()
    errors = [e for _, e in got if e is not None]
    if errors:
        raise RuntimeError("; ".join(errors))
    calls = n * clients
    if op == "counter" and d[COUNTER] != calls:
        raise RuntimeError("counter is %d after %d locked adds" % (d[COUNTER], calls))
    return calls / max(s for s, _ in got)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    ap.add_argument("--clients", type=int, default=2, help="N (rankpool's worker count)")
    ap.add_argument("--ops", type=int, default=20000, help="sequential calls per client")
    ap.add_argument("--batches", type=int, default=200, help="update / get_1by1 batches")
    ap.add_argument("--batch", type=int, default=1000, help="keys per batch")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.quick:
        a.ops, a.batches = 1000, 5
    if min(a.clients, a.ops, a.batches, a.batch, a.reps) < 1:
        ap.error("every count must be at least 1")

    with mp.Manager() as manager:
        d = manager.dict({key(j): j for j in range(a.batch)})
        lock = manager.Lock()
        print(
            "python setup clients=%d reps=%d ops=%d batches=%d batch=%d key_bytes=16 "
            "python=%s start_method=%s"
            % (a.clients, a.reps, a.ops, a.batches, a.batch, platform.python_version(),
               mp.get_start_method()),
            flush=True,
        )
        measure(d, lock, "get", a.clients, 50, a.batch)  # warm-up
        rates = {name: [] for name, *_ in PLAN}
        for _ in range(a.reps):
            for name, op, everyone, batched in PLAN:
                n = a.batches if batched else a.ops
                r = measure(d, lock, op, a.clients if everyone else 1, n, a.batch)
                rates[name].append(r * a.batch if batched else r)
        for name, op, everyone, batched in PLAN:
            v = rates[name]
            unit = "batch=%d median_keys_per_s" % a.batch if batched else "median_ops_per_s"
            print(
                "python %s clients=%d calls=%d %s=%.0f min=%.0f max=%.0f"
                % (name, a.clients if everyone else 1, a.batches if batched else a.ops, unit,
                   statistics.median(v), min(v), max(v)),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
