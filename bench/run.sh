#!/usr/bin/env bash
# Runs the hand-written MPI farm (bench/farm) and rankpool (bench/bench_pool)
# on the same workloads and rank layout, and prints them side by side.
#
# Usage: bench/run.sh [--quick] [build-dir]          (default: build)
#   --quick  small sizes and one run each (seconds): checks that the bench
#            works, e.g. on a new cluster; the figures mean little
# Environment: NP     ranks, rank 0 included (default 3: two workers)
#              TASKS  trivial tasks per measurement (default 100000)
#              PRIMES CPU-bound tasks (default 400)
#              REPS   repetitions of each measurement (default 3)
#              CALLS  sequential applies timed for the round trip (default 2000)
#              MPIRUN the command that starts a job, given -np NP and the
#                     program (default: mpirun --oversubscribe); e.g. an
#                     mpirun with a hostfile, or scripts/cluster-run
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

quick=0
if [[ ${1:-} == --quick ]]; then
    quick=1
    shift
fi
build=${1:-build}
np=${NP:-3}
if [[ $quick -eq 1 ]]; then
    tasks=${TASKS:-5000}
    primes=${PRIMES:-40}
    reps=${REPS:-1}
    calls=${CALLS:-300}
else
    tasks=${TASKS:-100000}
    primes=${PRIMES:-400}
    reps=${REPS:-3}
    calls=${CALLS:-2000}
fi

farm=$build/bench/farm
pool=$build/bench/bench_pool
bench_require "$build" "$farm" "$pool"
# Both programs get the same layout.
run() {
    bench_mpirun "$np" "$@"
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "# rankpool vs a hand-written MPI farm: np=$np, $(nproc) cores, $reps runs each"
run "$farm" trivial "$tasks" "$reps" | tee -a "$out"
run "$farm" primes "$primes" "$reps" | tee -a "$out"
run "$pool" --tasks "$tasks" --primes "$primes" --calls "$calls" --reps "$reps" | tee -a "$out"
echo

awk "$bench_awk"'
$1 == "farm" && $2 == "trivial" { farm_rate = farm_rate " " kv("tasks_per_s") }
$1 == "farm" && $2 == "primes"  { farm_secs = farm_secs " " kv("seconds") }
$1 == "rankpool" && $2 == "setup" { workers = kv("workers") }
$1 == "rankpool" && kv("median_tasks_per_s") != "" { rate[$2] = kv("median_tasks_per_s") }
$1 == "rankpool" && $2 == "primes_serial"     { serial = kv("median_s"); ntasks = kv("tasks") }
$1 == "rankpool" && $2 == "primes_map_chunk1" { par = kv("median_s") }
$1 == "rankpool" && $2 == "primes_speedup"    { speedup = kv("speedup") }
$1 == "rankpool" && $2 == "apply_latency"     { lat = kv("median_us") }
$1 == "rankpool" && $2 == "apply_latency_p99" { p99 = kv("p99_us") }
END {
    if (farm_rate == "" || farm_secs == "" || serial == "" || par == "" || lat == "") {
        print "run.sh: missing measurements in the output above" > "/dev/stderr"
        exit 1
    }
    fr = median(farm_rate)
    fs = median(farm_secs)
    fmt = "%-38s %12s %12s %14s\n"
    printf fmt, "workload (medians)", "rankpool", "farm", "rankpool/farm"
    printf fmt, "trivial, map chunksize=1 (tasks/s)", rate["map_chunk1"], sprintf("%.0f", fr),
           sprintf("%.2f", rate["map_chunk1"] / fr)
    printf fmt, "trivial, map default chunk (tasks/s)", rate["map_default_chunk"],
           sprintf("%.0f", fr), sprintf("%.2f", rate["map_default_chunk"] / fr)
    printf fmt, "trivial, apply_async (tasks/s)", rate["apply_async"],
           sprintf("%.0f", fr), sprintf("%.2f", rate["apply_async"] / fr)
    printf fmt, "cpu-bound primes, " ntasks " tasks (s)", par, sprintf("%.3f", fs),
           sprintf("%.2f", par / fs)
    printf fmt, "cpu-bound speedup over serial", speedup, sprintf("%.2f", serial / fs),
           sprintf("%.2f", speedup / (serial / fs))
    printf fmt, "apply round trip, median (us)", lat, "-", "-"
    printf fmt, "apply round trip, p99 (us)", p99, "-", "-"
    printf "\nserial on rank 0: %s s; %s workers.  rankpool speedup: serial/parallel within each\n", serial, workers
    printf "run; farm speedup: rankpool serial median / farm median.  Trivial rows share one farm figure\n"
    printf "(one task per message, one in flight per worker).\n"
}' "$out"
