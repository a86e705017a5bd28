#!/usr/bin/env bash
# Queues and locks: runs bench/bench_sync (rankpool's queue between two
# workers and from rank 0 to a worker, an uncontended lock from a worker next
# to a raw MPI round trip, the wake-up of a blocked get and its CPU cost) and
# Python's multiprocessing.Queue, Lock and Manager().Lock() doing the same
# (bench/py_sync.py), one after the other in the same run, and prints them
# side by side.
#
# Usage: bench/sync.sh [build-dir]          (default: build)
# Environment: NP            ranks, rank 0 included (default 3: two workers)
#              REPS          repetitions of each measurement (default 3)
#              ITEMS         items per queue run, both sides (default 20000)
#              MAXSIZE       the bounded queues' size (default 1000)
#              PAIRS         lock acquire+release pairs (default 10000)
#              WAKES         wake-ups after IDLE per run (default 5; 4x as many after 1 ms)
#              IDLE          seconds a blocked get waits before each wake (default 0.5)
#              PY_MGR_ITEMS  items through Python's Manager().Queue (default 5000)
#              PY_MGR_PAIRS  Manager().Lock() pairs (default 2000)
#              MPIRUN        the command that starts a job (see bench/common.sh)
#              PYTHON        the Python interpreter (default python3)
# Python's manager objects are some 50 times slower, so they make fewer calls
# by default; every figure is a rate or a time per call, so the counts only
# set how long each timing lasts.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build=${1:-build}
np=${NP:-3}
reps=${REPS:-3}
items=${ITEMS:-20000}
maxsize=${MAXSIZE:-1000}
pairs=${PAIRS:-10000}
wakes=${WAKES:-5}
idle=${IDLE:-0.5}
py_mgr_items=${PY_MGR_ITEMS:-5000}
py_mgr_pairs=${PY_MGR_PAIRS:-2000}
python=${PYTHON:-python3}

bench=$build/bench/bench_sync
bench_require "$build" "$bench"
if ((np < 3)); then
    echo "sync.sh: NP must be at least 3 (rank 0 and two workers)" >&2
    exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

py=$(bench_python_status "$python")
if [[ $py == missing ]]; then
    bench_peer_note "$out" missing "$python"
fi

echo "# rankpool queues and locks vs raw MPI and Python's multiprocessing: np=$np" \
    "($((np - 1)) workers), $(nproc) cores, $reps runs each"
# The two sides alternate, one repetition each, so that a busy phase of a
# shared machine hits both, and each ratio is taken within one run.
for ((r = 1; r <= reps; r++)); do
    echo "# run $r"
    bench_mpirun "$np" "$bench" --items "$items" --maxsize "$maxsize" \
        --pairs "$pairs" --wakes "$wakes" --idle "$idle" --reps 1 | tee -a "$out"
    if [[ $py == ok ]] && ! "$python" "$bench_dir/py_sync.py" --items "$items" --maxsize "$maxsize" \
        --pairs "$pairs" --mgr-items "$py_mgr_items" --mgr-pairs "$py_mgr_pairs" \
        --wakes "$wakes" --idle "$idle" --reps 1 | tee -a "$out"; then
        py=failed
        bench_peer_note "$out" failed "$python"
    fi
done
echo

awk -v py="$py" -v maxsize="$maxsize" "$bench_awk"'
# the figure of the current line (one run: its median is its value)
function value(    k, n, v, i) {
    n = split("median_items_per_s median_us_per_pair median_us median_worker_cpu_percent", k, " ")
    for (i = 1; i <= n; i++)
        if ((v = kv(k[i])) != "")
            return v
    return ""
}
# x/y within each run: rankpool name r over python name p, or (inv) p over r
function ratios(r, p, inv,    i, l) {
    l = ""
    for (i = 1; i <= runs; i++)
        if ((r, i) in rpr && (p, i) in ppr && rpr[r, i] > 0 && ppr[p, i] > 0)
            l = l " " (inv ? ppr[p, i] / rpr[r, i] : rpr[r, i] / ppr[p, i])
    return l
}
# a row: label, rankpool and python medians with format f, the ratio column
function row(label, r, p, f, inv) {
    printf "%-44s %10s %10s %20s\n", label, med(rp[r], f), pp[p] == "" ? py : med(pp[p], f),
           mmm(ratios(r, p, inv), "%.1f")
}
$1 == "rankpool" && $2 == "setup" { runs++ }
$1 == "python" && $2 == "setup" { pruns++ }
$1 == "rankpool" && value() != "" {
    rp[$2] = rp[$2] " " value(); rpr[$2, runs] = value()
    if ($2 ~ /^lock_/)
        typ[$2] = typ[$2] " " kv("typical_pair_us")
    if ($2 == "blocked_get_cpu")
        rp["rank0_cpu"] = rp["rank0_cpu"] " " kv("rank0_cpu_percent")
    if ($2 ~ /^wake/) {
        fast[$2] = fast[$2] " " kv("fastest_us"); slow[$2] = slow[$2] " " kv("slowest_us")
        widle[$2] = kv("idle_s"); nwakes[$2] = kv("wakes")
    }
}
$1 == "python" && value() != "" {
    pp[$2] = pp[$2] " " value(); ppr[$2, pruns] = value()
    if ($2 ~ /^wake/) {
        pfast[$2] = pfast[$2] " " kv("fastest_us"); pslow[$2] = pslow[$2] " " kv("slowest_us")
    }
}
$1 == "mpi" {
    raw[$2] = raw[$2] " " kv("median_us"); req[$2] = kv("req_bytes"); rep[$2] = kv("rep_bytes")
    raw2[$2] = raw2[$2] " " 2 * kv("median_us"); rawmean2[$2] = rawmean2[$2] " " 2 * kv("mean_us")
}
$1 == "rankpool" && $2 == "lock_vs_raw_small" {
    vs = vs " " kv("worker_us_per_call"); vs0 = vs0 " " kv("rank0_us_per_call")
    vsr = vsr " " kv("median_ratio"); vst = vst " " kv("typical_ratio")
}
END {
    if (runs == 0 || rp["queue_w2w_8B_bounded"] == "" || vs == "" || rp["wake_w2w"] == "") {
        print "sync.sh: missing measurements in the output above" > "/dev/stderr"
        exit 1
    }
    printf "%-44s %10s %10s %20s\n", "queue items/s, medians of " runs " runs", "rankpool", "python",
           "rankpool/python"
    split("w2w r0w", at, " ")
    split("worker -> worker,rank 0 -> worker", atl, ",")
    for (a = 1; a <= 2; a++)
        for (s = 8; s <= 4096; s *= 512)
            for (b = 0; b < 2; b++) {
                name = "queue_" at[a] "_" s "B_" (b ? "unbounded" : "bounded")
                label = sprintf("%s B, %s, %s%s", s, atl[a], b ? "unbounded" : "maxsize " maxsize,
                                a == 2 ? " [1]" : "")
                row(label, name, name, "%.0f", 0)
            }
    printf "%-44s %10s %10s %20s\n", "8 B, Manager().Queue(" maxsize "), 2 processes [2]",
           med(rp["queue_w2w_8B_bounded"], "%.0f"),
           pp["mgrqueue_w2w_8B_bounded"] == "" ? py : med(pp["mgrqueue_w2w_8B_bounded"], "%.0f"),
           mmm(ratios("queue_w2w_8B_bounded", "mgrqueue_w2w_8B_bounded", 0), "%.1f")
    printf "[1] python: the main process produces, a child consumes.\n"
    printf "[2] rankpool: its worker -> worker 8 B bounded row again, next to Python\047s manager-held queue.\n"
    printf "One producer, one consumer; from just before the first put to just after the last get.\n"
    printf "rankpool/python: the ratio within each run, median (min-max).\n\n"

    fmt = "%-44s %8s %8s %18s %18s\n"
    printf fmt, "lock acquire+release, us per pair (medians)", "mean", "typical", "mean/(2 raw)",
           "typical/(2 raw)"
    printf fmt, "rankpool, from a worker", med(rp["lock_worker"], "%.1f"), med(typ["lock_worker"], "%.1f"),
           mmm(vsr, "%.2f"), mmm(vst, "%.2f")
    printf fmt, "rankpool, from rank 0 (no MPI)", med(rp["lock_rank0"], "%.2f"),
           med(typ["lock_rank0"], "%.2f"), "", ""
    printf fmt, "2 raw MPI round trips (" req["raw_small"] " B / " rep["raw_small"] " B)",
           med(rawmean2["raw_small"], "%.1f"), med(raw2["raw_small"], "%.1f"), "", ""
    v = pp["lock_manager"] == "" ? py : med(pp["lock_manager"], "%.1f")
    printf fmt, "python Manager().Lock(), in a child [3]", v, "", "", ""
    v = pp["lock_mp"] == "" ? py : med(pp["lock_mp"], "%.2f")
    printf fmt, "python multiprocessing.Lock, in a child [4]", v, "", "", ""
    printf "mean: the run\047s time / pairs; typical: its median pair.  raw: MPI_Send/MPI_Recv ping-pong\n"
    printf "rank 1 <-> rank 0 of an acquire\047s sizes just before the run (mean, median trip), twice: a\n"
    printf "pair is two calls.  Ratios within each run, median (min-max).\n"
    printf "[3] python Manager().Lock() / rankpool from a worker, within each run: %s\n",
           mmm(ratios("lock_worker", "lock_manager", 1), "%.1f")
    printf "[4] a POSIX semaphore in shared memory: no round trip to anyone.\n\n"

    printf "%-44s %10s %10s %20s\n", "wake-up, us from put to get returning", "rankpool", "python",
           "python/rankpool"
    split("wake_w2w wake_r0w wake_w2w_1ms wake_r0w_1ms", wk, " ")
    for (k = 1; k <= 4; k++) {
        w = wk[k]
        from = w ~ /w2w/ ? "worker -> worker" : "rank 0 -> worker"
        label = sprintf("after %s s idle, %s", widle[w], from)
        row(label, w, w, "%.0f", 1)
    }
    printf "each run: the median of its %s wakes (%s after 1 ms); the medians of the runs above.\n",
           nwakes["wake_w2w"], nwakes["wake_w2w_1ms"]
    for (k = 1; k <= 4; k++) {
        w = wk[k]
        n = sorted(fast[w], fa); sorted(slow[w], sa)
        pf = sorted(pfast[w], pfa); sorted(pslow[w], psa)
        printf "  %-14s fastest-slowest wake: rankpool %.0f-%.0f us, python %s\n", w, fa[1], sa[n],
               pf ? sprintf("%.0f-%.0f us", pfa[1], psa[pf]) : py
    }
    printf "\n"
    printf "blocked get, %% of a core while it waits 1 s on an empty queue (medians): rankpool worker %s\n",
           med(rp["blocked_get_cpu"], "%.2f")
    printf "        (rank 0 meanwhile, main thread + manager thread: %s), python %s\n",
           med(rp["rank0_cpu"], "%.2f"), pp["blocked_get_cpu"] == "" ? py : med(pp["blocked_get_cpu"], "%.2f")
    printf "raw MPI round trip of a put\047s sizes (medians): 8 B item (%s B) %s us, 4 KiB item (%s B) %s us\n",
           req["raw_put_8"], med(raw["raw_put_8"], "%.1f"), req["raw_put_4096"], med(raw["raw_put_4096"], "%.1f")
    g = "- (python peer " py ")"
    if (py == "ok")
        g = sprintf("%.1f", median(ratios("queue_w2w_8B_bounded", "queue_w2w_8B_bounded", 0)))
    printf "goals: queue 8 B worker -> worker rankpool/python %s (>= 10); lock call vs raw round trip\n",
           g
    printf "       %s mean, %s typical (<= 2)\n", med(vsr, "%.2f"), med(vst, "%.2f")
}' "$out"
