#!/usr/bin/env bash
# Processes and isolated pools: runs bench/bench_process (a Process's start +
# join, median of PROCS; a pool's throughput on tiny tasks with isolate off
# and on, alternating, the ratio taken within each run) and Python's
# multiprocessing.Process start + join (bench/py_process.py), one after the
# other in the same run, and prints them side by side.
#
# Usage: bench/process.sh [build-dir]       (default: build)
# Environment: NP      ranks, rank 0 included (default 3: two workers)
#              REPS    pool runs, each isolate off then on (default 3)
#              PROCS   processes started and joined (default 100)
#              ITEMS   items per map (default 100000)
#              MPIRUN  the command that starts a job (see bench/common.sh)
#              PYTHON  the Python interpreter (default python3)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build=${1:-build}
np=${NP:-3}
reps=${REPS:-3}
procs=${PROCS:-100}
items=${ITEMS:-100000}
python=${PYTHON:-python3}

bench=$build/bench/bench_process
bench_require "$build" "$bench"

out=$(mktemp)
trap 'rm -f "$out"' EXIT

py=$(bench_python_status "$python")
if [[ $py == missing ]]; then
    bench_peer_note "$out" missing "$python"
fi

echo "# rankpool processes and isolated pools: np=$np ($((np - 1)) workers), $(nproc) cores"
bench_mpirun "$np" "$bench" --procs "$procs" --items "$items" --reps "$reps" | tee -a "$out"
if [[ $py == ok ]] && ! "$python" "$bench_dir/py_process.py" --procs "$procs" | tee -a "$out"; then
    py=failed
    bench_peer_note "$out" failed "$python"
fi
echo

awk -v py="$py" "$bench_awk"'
$1 == "rankpool" && $2 == "process_start_join" {
    rp = kv("median_us"); rpmin = kv("min_us"); rpmax = kv("max_us")
    rps = kv("start_median_us"); rpj = kv("join_median_us")
}
$1 == "python" && $2 == "process_start_join" { pym[kv("method")] = kv("median_us") }
$1 == "rankpool" && $2 == "pool_plain" { plain = plain " " kv("items_per_s") }
$1 == "rankpool" && $2 == "pool_isolated" { iso = iso " " kv("items_per_s") }
$1 == "rankpool" && $2 == "ratio" { ratio = ratio " " kv("isolated_over_plain") }
END {
    if (rp == "" || ratio == "") {
        print "process.sh: missing measurements in the output above" > "/dev/stderr"
        exit 1
    }
    printf "%-48s %12s\n", "Process start + join, us (median of '"$procs"')", rp " (" rpmin "-" rpmax ")"
    printf "%-48s %12s\n", "  of which start / join, us (medians)", rps " / " rpj
    for (m in pym)
        printf "%-48s %12s   rankpool/python %.2f\n", "  python multiprocessing, " m, pym[m], rp / pym[m]
    if (py != "ok")
        printf "  python peer %s\n", py
    printf "%-48s %12s\n", "pool items/s, isolate off (median of runs)", med(plain, "%.0f")
    printf "%-48s %12s\n", "pool items/s, isolate on", med(iso, "%.0f")
    printf "%-48s %12s\n", "isolate on / off, within each run", mmm(ratio, "%.3f")
}' "$out"
