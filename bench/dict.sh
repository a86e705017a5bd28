#!/usr/bin/env bash
# Shared objects: runs bench/bench_dict (rankpool's dict from rank 0, from one
# worker and from all workers, next to a raw MPI round trip of the same
# message sizes, and the manager's memory per entry) and Python's
# multiprocessing.Manager().dict() doing the same calls
# (bench/py_manager_dict.py, as many clients as rankpool has workers), one
# after the other in the same run, and prints them side by side.
#
# Usage: bench/dict.sh [build-dir]          (default: build)
# Environment: NP          ranks, rank 0 included (default 3: two workers)
#              REPS        repetitions of each measurement (default 3)
#              OPS         sequential calls per rankpool client (default 20000)
#              BATCHES     get_many / update calls of 1000 keys (default 200)
#              ENTRIES     dict entries for the memory figure (default 1000000)
#              PY_OPS      sequential calls per Python client (default 5000)
#              PY_BATCHES  Python update / 1000-get batches (default 20)
#              MPIRUN      the command that starts a job (see bench/common.sh)
#              PYTHON      the Python interpreter (default python3)
# Python's manager is some 50 times slower, so it makes fewer calls by
# default; every figure is a rate per call, so the counts only set how long
# each timing lasts.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build=${1:-build}
np=${NP:-3}
reps=${REPS:-3}
ops=${OPS:-20000}
batches=${BATCHES:-200}
entries=${ENTRIES:-1000000}
py_ops=${PY_OPS:-5000}
py_batches=${PY_BATCHES:-20}
python=${PYTHON:-python3}

bench=$build/bench/bench_dict
bench_require "$build" "$bench"
if ((np < 2)); then
    echo "dict.sh: NP must be at least 2 (rank 0 and one worker)" >&2
    exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

py=$(bench_python_status "$python")
if [[ $py == missing ]]; then
    bench_peer_note "$out" missing "$python"
fi

echo "# rankpool shared dict vs raw MPI and Python's Manager().dict(): np=$np ($((np - 1)) workers)," \
    "$(nproc) cores, $reps runs each"
# The two sides alternate, one repetition each, so that a busy phase of a
# shared machine hits both, and each ratio is taken within one run.
for ((r = 1; r <= reps; r++)); do
    echo "# run $r"
    bench_mpirun "$np" "$bench" --ops "$ops" --batches "$batches" \
        --entries "$entries" --reps 1 | tee -a "$out"
    # The peer: as many client processes as rankpool has workers.
    if [[ $py == ok ]] && ! "$python" "$bench_dir/py_manager_dict.py" --clients $((np - 1)) \
        --ops "$py_ops" --batches "$py_batches" --reps 1 | tee -a "$out"; then
        py=failed
        bench_peer_note "$out" failed "$python"
    fi
done
echo

awk -v py="$py" "$bench_awk"'
# the rate of the current line (one run: its median is its value)
function rate() {
    return kv("median_ops_per_s") != "" ? kv("median_ops_per_s") : kv("median_keys_per_s")
}
# rankpool/python within each run, for measurement r of rankpool and p of python
function ratios(r, p,    i, l) {
    l = ""
    for (i = 1; i <= runs; i++)
        if ((r, i) in rpr && (p, i) in ppr && ppr[p, i] > 0)
            l = l " " rpr[r, i] / ppr[p, i]
    return l
}
function row(label, r, p) {
    printf "%-42s %10s %10s %20s\n", label, rp[r] == "" ? "-" : sprintf("%.0f", median(rp[r])),
           pp[p] == "" ? py : sprintf("%.0f", median(pp[p])), mmm(ratios(r, p), "%.1f")
}
$1 == "rankpool" && $2 == "setup" { runs++; workers = kv("workers"); batch = kv("batch") }
$1 == "python" && $2 == "setup" { pruns++ }
$1 == "rankpool" && rate() != "" { rp[$2] = rp[$2] " " rate(); rpr[$2, runs] = rate() }
$1 == "python" && rate() != "" { pp[$2] = pp[$2] " " rate(); ppr[$2, pruns] = rate() }
$1 == "mpi" { raw[$2] = raw[$2] " " kv("median_us"); req[$2] = kv("req_bytes"); rep[$2] = kv("rep_bytes") }
$1 == "rankpool" && $2 ~ /_vs_raw_/ {
    vs[$2] = vs[$2] " " kv("worker_us_per_call"); vs0[$2] = vs0[$2] " " kv("rank0_us_per_call")
    vsr[$2] = vsr[$2] " " kv("median_ratio")
}
$1 == "rankpool" && $2 == "memory" {
    mem = sprintf("%s entries: heap %s B/entry (%s beyond the %s-byte key + 8-byte value);\n" \
                  "        rp_obj_memory counts %s B/entry (%s beyond); after destroy %s B left, drops back: %s",
                  kv("entries"), kv("heap_per_entry"), kv("heap_beyond_kv"), kv("key_bytes"),
                  kv("counted_per_entry"), kv("counted_beyond_kv"), kv("heap_after_destroy_bytes"),
                  kv("drops_back"))
    insert = insert " " kv("insert_s")
}
END {
    if (runs == 0 || mem == "" || rp["one_worker_get"] == "" || vs["get_vs_raw_small"] == "") {
        print "dict.sh: missing measurements in the output above" > "/dev/stderr"
        exit 1
    }
    n = workers
    printf "%-42s %10s %10s %20s\n", "medians of " runs " runs", "rankpool", "python", "rankpool/python"
    row("get, 1 client (ops/s)", "one_worker_get", "one_client_get")
    row("set, 1 client (ops/s)", "one_worker_set", "one_client_set")
    row("counter, 1 client (ops/s) [1]", "one_worker_add", "one_client_counter")
    row("get, " n " clients at once (total ops/s)", "all_workers_get", "all_clients_get")
    row("set, " n " clients at once (total ops/s)", "all_workers_set", "all_clients_set")
    row("counter, " n " clients at once (total ops/s)", "all_workers_add", "all_clients_counter")
    row("get " batch " keys, 1 client (keys/s) [2]", "one_worker_get_many", "one_client_get_1by1")
    row("update " batch " keys, 1 client (keys/s)", "one_worker_update", "one_client_update")
    printf "[1] rankpool: rp_dict_add_int; python: with lock: d[c] = d[c] + 1 (Manager Lock).\n"
    printf "[2] rankpool: rp_dict_get_many; python: %s d[k] one by one (no batched get).\n", batch
    printf "rankpool/python: the ratio within each run, median (min-max).\n\n"

    fmt = "%-42s %8s %8s %8s %20s\n"
    printf fmt, "one call, us (medians)", "worker", "rank 0", "raw MPI", "worker/raw MPI"
    printf fmt, "get (" req["raw_small"] " B / " rep["raw_small"] " B)", med(vs["get_vs_raw_small"], "%.1f"),
           med(vs0["get_vs_raw_small"], "%.2f"), med(raw["raw_small"], "%.1f"),
           mmm(vsr["get_vs_raw_small"], "%.1f")
    printf fmt, "get_many " batch " (" req["raw_get_many"] " B / " rep["raw_get_many"] " B)",
           med(vs["get_many_vs_raw_get_many"], "%.1f"), med(vs0["get_many_vs_raw_get_many"], "%.1f"),
           med(raw["raw_get_many"], "%.1f"), mmm(vsr["get_many_vs_raw_get_many"], "%.1f")
    printf fmt, "update " batch " (" req["raw_update"] " B / " rep["raw_update"] " B)",
           med(vs["update_vs_raw_update"], "%.1f"), med(vs0["update_vs_raw_update"], "%.1f"),
           med(raw["raw_update"], "%.1f"), mmm(vsr["update_vs_raw_update"], "%.1f")
    printf "worker: from a task on one worker; rank 0: the same call from main() on rank 0 (no MPI);\n"
    printf "raw MPI: MPI_Send/MPI_Recv ping-pong rank 1 <-> rank 0 of the request and answer sizes,\n"
    printf "median trip, just before the run; worker/raw MPI: within each run, median (min-max).\n\n"

    printf "rank 0 direct (medians): get %s, set %s, add %s ops/s; get_many %s, update %s keys/s\n",
           med(rp["rank0_get"], "%.0f"), med(rp["rank0_set"], "%.0f"), med(rp["rank0_add"], "%.0f"),
           med(rp["rank0_get_many"], "%.0f"), med(rp["rank0_update"], "%.0f")
    printf "memory: %s\n        (insert from rank 0 in batches of 1000: %s s)\n", mem, med(insert, "%.2f")
    g = "- (python peer " py ")"
    if (py == "ok")
        g = sprintf("%.1f", median(ratios("one_worker_get", "one_client_get")))
    printf "goals: rankpool/python get per client %s (>= 20); get_many vs raw MPI %s (<= 3)\n", g,
           med(vsr["get_many_vs_raw_get_many"], "%.1f")
}' "$out"
