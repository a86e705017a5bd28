#!/usr/bin/env python3
"""Python's multiprocessing.Queue and Lock doing bench_sync's work.

The peer of bench/bench_sync.c, run next to it by bench/sync.sh.  Every
worker is a separate process (as a rankpool task runs on a worker rank); the
two sides of a measurement start from a multiprocessing.Barrier, and times
are time.monotonic() (CLOCK_MONOTONIC, the same clock as bench_sync):

  queue_w2w_*     items/s through a multiprocessing.Queue, one producer
                  process and one consumer process, from just before the
                  first put to just after the last get; items are bytes
                  numbered in their first 8 bytes (the consumer checks length
                  and order), 8 bytes or 4 KiB, the queue bounded to M items
                  (maxsize) or not;
  queue_r0w_*     the same with the main process producing;
  mgrqueue_w2w_8B_bounded
                  the same through a Manager().Queue(M) (held by a server
                  process, as rankpool's queue is held by the manager);
  lock_mp         K acquire+release pairs of a multiprocessing.Lock (a POSIX
                  semaphore) in a child process: us per pair;
  lock_manager    the same with a Manager().Lock();
  wake_*          a consumer blocked in get while the producer sleeps S
                  seconds (or 1 ms: *_1ms), then puts its time stamp: us from
                  put to get returning (median of W wakes per repetition);
  blocked_get_cpu the CPU (user+sys, getrusage) of a child blocked 1 s in get
                  on an empty queue, as a percentage of one core.

Repetition is outermost; each measurement prints one line of key=value fields
with the median over the repetitions and their min and max:
    python queue_w2w_8B_bounded item_bytes=8 maxsize=1000 items=20000
        median_items_per_s=... min=... max=...

Usage: py_sync.py [--quick] [--items N] [--mgr-items N] [--maxsize M]
                  [--pairs K] [--mgr-pairs K] [--wakes W] [--idle S] [--reps R]
"""
import argparse
import multiprocessing as mp
import platform
import queue
import resource
import statistics
import struct
import sys
import time

MAX_WAKES = 64
SHORT_IDLE = 1e-3
TIMEOUT = 120.0  # no measured wait comes near it: a lost peer fails, not hangs


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def produce(q, n, size, barrier):
    """Put n items of size bytes; returns the time of the first put."""
    template = bytearray(k & 0xFF for k in range(size))
    barrier.wait(TIMEOUT)
    t0 = time.monotonic()
    for i in range(n):
        template[:8] = i.to_bytes(8, "little")
        q.put(bytes(template), True, TIMEOUT)
    return t0


def consume(q, n, size, barrier):
    """Get and check n items; returns the time the last get returned."""
    barrier.wait(TIMEOUT)
    last = (size - 1) & 0xFF
    for i in range(n):
        item = q.get(True, TIMEOUT)
        if (len(item) != size or int.from_bytes(item[:8], "little") != i
                or (size > 8 and item[-1] != last)):
            raise RuntimeError("item %d: wrong size, number or content" % i)
    return time.monotonic()


def wake_put(q, n, idle, barrier):
    barrier.wait(TIMEOUT)
    for _ in range(n):
        time.sleep(idle)
        q.put(struct.pack("<d", time.monotonic()), True, TIMEOUT)
    return 0.0


def wake_get(q, n, _idle, barrier):
    barrier.wait(TIMEOUT)
    lat = []
    for _ in range(n):
        item = q.get(True, TIMEOUT)
        t = time.monotonic()
        lat.append(t - struct.unpack("<d", item)[0])
    return lat


def lock_pairs(lock, n):
    t0 = time.monotonic()
    for _ in range(n):
        lock.acquire()
        lock.release()
    return time.monotonic() - t0


def blocked_get(q, wait):
    c0, w0 = cpu_seconds(), time.monotonic()
    try:
        q.get(True, wait)
        raise RuntimeError("got an item from an empty queue")
    except queue.Empty:
        pass
    return (cpu_seconds() - c0) / (time.monotonic() - w0), time.monotonic() - w0


def child(fn, args, out):
    """A worker process: fn(*args) to out as (result, error)."""
    try:
        out.put((fn(*args), None))
    except Exception as e:  # reported by the parent, which fails the run
        out.put((None, "%s: %r" % (fn.__name__, e)))


def spawn(fn, *args):
    out = mp.Queue()
    p = mp.Process(target=child, args=(fn, args, out))
    p.start()
    return p, out


def collect(*children):
    """The children's results, in order; the first failure ends them all."""
    res = [None] * len(children)
    pending = set(range(len(children)))
    deadline = time.monotonic() + 10 * TIMEOUT
    while pending:
        for k in sorted(pending):
            p, out = children[k]
            try:
                r, err = out.get(True, 0.01)
            except queue.Empty:
                if time.monotonic() < deadline:
                    continue
                r, err = None, "no answer from a child"
            if err is not None:
                for q, _ in children:
                    q.terminate()
                raise RuntimeError(err)
            res[k] = r
            pending.discard(k)
            p.join()
    return res


def two_sides(first, second, q, n, arg, main_first):
    """first on a child or here (main_first), second on a child, together."""
    barrier = mp.Barrier(2)
    consumer = spawn(second, q, n, arg, barrier)
    if main_first:
        try:
            r1 = first(q, n, arg, barrier)
        except Exception:
            consumer[0].terminate()
            raise
        return r1, collect(consumer)[0]
    return tuple(collect(spawn(first, q, n, arg, barrier), consumer))


def measure_queue(q, n, size, main_first):
    t0, t1 = two_sides(produce, consume, q, n, size, main_first)
    if t1 <= t0:
        raise RuntimeError("the last get came before the first put")
    return n / (t1 - t0)


def measure_wake(q, n, idle, main_first):
    _, lat = two_sides(wake_put, wake_get, q, n, idle, main_first)
    return statistics.median(lat) * 1e6, min(lat) * 1e6, max(lat) * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    ap.add_argument("--items", type=int, default=20000, help="items per queue run")
    ap.add_argument("--mgr-items", type=int, default=5000, help="items per Manager().Queue run")
    ap.add_argument("--maxsize", type=int, default=1000, help="the bounded queues' size")
    ap.add_argument("--pairs", type=int, default=10000, help="mp.Lock acquire+release pairs")
    ap.add_argument("--mgr-pairs", type=int, default=2000, help="Manager().Lock() pairs")
    ap.add_argument("--wakes", type=int, default=5, help="wakes after the long idle")
    ap.add_argument("--idle", type=float, default=0.5, help="seconds before each wake")
    ap.add_argument("--cpu-wait", type=float, default=1.0, help="blocked get's timeout")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.quick:
        a.items, a.mgr_items, a.maxsize, a.pairs, a.mgr_pairs = 500, 200, 50, 300, 100
        a.wakes, a.idle, a.cpu_wait = 2, 0.05, 0.2
    if min(a.items, a.mgr_items, a.maxsize, a.pairs, a.mgr_pairs, a.wakes, a.reps) < 1:
        ap.error("every count must be at least 1")
    if a.wakes * 4 > MAX_WAKES or not 0 < a.idle <= 10 or not 0 < a.cpu_wait <= 10:
        ap.error("--wakes at most %d, --idle and --cpu-wait in (0, 10]" % (MAX_WAKES // 4))

    print(
        "python setup reps=%d items=%d mgr_items=%d maxsize=%d pairs=%d mgr_pairs=%d wakes=%d "
        "idle_s=%g python=%s start_method=%s"
        % (a.reps, a.items, a.mgr_items, a.maxsize, a.pairs, a.mgr_pairs, a.wakes, a.idle,
           platform.python_version(), mp.get_start_method()),
        flush=True,
    )
    lines = {}

    def add(name, fmt, value):
        lines.setdefault(name, (fmt, []))[1].append(value)

    with mp.Manager() as manager:
        mlock = manager.Lock()
        # Warm-up, untimed.
        measure_queue(mp.Queue(a.maxsize), 200, 8, False)
        for _ in range(a.reps):
            for where, main_first in (("w2w", False), ("r0w", True)):
                for size in (8, 4096):
                    for bounded in (True, False):
                        m = a.maxsize if bounded else 0
                        name = "queue_%s_%dB_%s" % (where, size, "bounded" if bounded else
                                                    "unbounded")
                        fmt = "item_bytes=%d maxsize=%d items=%d" % (size, m, a.items)
                        add(name, fmt, measure_queue(mp.Queue(m), a.items, size, main_first))
            add("mgrqueue_w2w_8B_bounded",
                "item_bytes=8 maxsize=%d items=%d" % (a.maxsize, a.mgr_items),
                measure_queue(manager.Queue(a.maxsize), a.mgr_items, 8, False))
            secs = collect(spawn(lock_pairs, mp.Lock(), a.pairs))[0]
            add("lock_mp", "pairs=%d" % a.pairs, secs / a.pairs * 1e6)
            secs = collect(spawn(lock_pairs, mlock, a.mgr_pairs))[0]
            add("lock_manager", "pairs=%d" % a.mgr_pairs, secs / a.mgr_pairs * 1e6)
            for suffix, idle, n in (("", a.idle, a.wakes), ("_1ms", SHORT_IDLE, 4 * a.wakes)):
                for where, main_first in (("w2w", False), ("r0w", True)):
                    add("wake_%s%s" % (where, suffix), "idle_s=%g wakes=%d" % (idle, n),
                        measure_wake(mp.Queue(), n, idle, main_first))
            add("blocked_get_cpu", "wait_s=%g" % a.cpu_wait,
                collect(spawn(blocked_get, mp.Queue(), a.cpu_wait))[0])

    for name, (fmt, v) in lines.items():
        if name.startswith("queue") or name.startswith("mgrqueue"):
            tail = "median_items_per_s=%.0f min=%.0f max=%.0f" % (statistics.median(v), min(v),
                                                                   max(v))
        elif name.startswith("lock"):
            tail = "median_us_per_pair=%.2f min=%.2f max=%.2f" % (statistics.median(v), min(v),
                                                                   max(v))
        elif name.startswith("wake"):
            med = [x[0] for x in v]
            tail = "median_us=%.1f min=%.1f max=%.1f fastest_us=%.1f slowest_us=%.1f" % (
                statistics.median(med), min(med), max(med), min(x[1] for x in v),
                max(x[2] for x in v))
        else:
            pct = [100 * x[0] for x in v]
            tail = "median_worker_cpu_percent=%.2f min=%.2f max=%.2f get_returned_after_s=%.4f" % (
                statistics.median(pct), min(pct), max(pct), statistics.median(x[1] for x in v))
        print("python %s %s %s" % (name, fmt, tail), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
