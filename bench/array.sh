#!/usr/bin/env bash
# Value and Array: runs bench/bench_array (atomic increments from all
# workers with rp_array_fetch_add_i64 and with the manager's rp_dict_add_int,
# bulk get/put against memcpy on rank 0 and on a worker), once as is (rank
# 0's host: loads, stores, CPU atomics) and once with RP_ARRAY_REMOTE=1
# (every access through the manager: what a rank on another host pays), and
# Python's Value('q') with get_lock() from 2 processes (bench/py_value.py),
# in one run, and prints the ratios.
#
# Usage: bench/array.sh [build-dir]          (default: build)
# Environment: NP      ranks, rank 0 included (default 3: two workers)
#              OPS     increments per worker (default 200000)
#              MIB     bulk array size in MiB (default 16)
#              REPS    repetitions, medians reported (default 3)
#              PY_OPS  increments per Python process (default 200000)
#              PYTHON  the Python interpreter (default python3)
#              MPIRUN  the command that starts a job (see bench/common.sh)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build=${1:-build}
np=${NP:-3}
ops=${OPS:-200000}
mib=${MIB:-16}
reps=${REPS:-3}
py_ops=${PY_OPS:-200000}
python=${PYTHON:-python3}

bench=$build/bench/bench_array
bench_require "$build" "$bench"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "# Value and Array: np=$np ($((np - 1)) workers), $(nproc) cores, $reps repetitions"
bench_mpirun "$np" "$bench" --ops "$ops" --mib "$mib" --reps "$reps" |
    sed 's/^rankpool /direct /' | tee -a "$out"
RP_ARRAY_REMOTE=1 bench_mpirun "$np" "$bench" --ops $((ops / 10)) --mib "$mib" --reps "$reps" | sed 's/^rankpool /remote /' | tee -a "$out"
py=$(bench_python_status "$python")
if [[ $py == ok ]]; then
    "$python" "$bench_dir/py_value.py" --procs 2 --ops "$py_ops" --reps "$reps" | tee -a "$out" &&
        py=ok || py=failed
fi
echo

awk -v py="$py" "$bench_awk"'
{ m = kv("median_ops_per_s"); if (m == "") m = kv("median_mb_per_s"); v[$1 " " $2] = m }
function r(a, b) { return (v[a] != "" && v[b] > 0) ? sprintf("%.1f", v[a] / v[b]) : "-" }
function f(a) { return v[a] == "" ? "-" : sprintf("%.0f", v[a]) }
END {
    if (v["direct array_faa_all_workers"] == "") {
        print "array.sh: missing measurements above" > "/dev/stderr"
        exit 1
    }
    printf "%-52s %14s\n", "increments/s, all workers at once (medians)", "ops/s"
    printf "%-52s %14s\n", "rp_array_fetch_add_i64, same host (direct)", f("direct array_faa_all_workers")
    printf "%-52s %14s\n", "rp_array_fetch_add_i64, through the manager", f("remote array_faa_all_workers")
    printf "%-52s %14s\n", "rp_dict_add_int (manager atomic dict counter)", f("direct dict_add_all_workers")
    printf "%-52s %14s\n", "Python Value(\"q\") + get_lock(), 2 processes", py == "ok" ? f("python value_lock_procs") : py
    printf "ratios: direct/dict %s, direct/python %s, remote/dict (same run) %s\n\n",
           r("direct array_faa_all_workers", "direct dict_add_all_workers"),
           r("direct array_faa_all_workers", "python value_lock_procs"),
           r("remote array_faa_all_workers", "remote dict_add_all_workers")
    printf "%-36s %12s %12s %12s\n", "bulk MB/s (medians)", "read", "write", "memcpy"
    printf "%-36s %12s %12s %12s\n", "rank 0, direct", f("direct bulk_read_rank0"),
           f("direct bulk_write_rank0"), f("direct memcpy_rank0")
    printf "%-36s %12s %12s %12s\n", "worker, direct", f("direct bulk_read_worker"),
           f("direct bulk_write_worker"), f("direct memcpy_worker")
    printf "%-36s %12s %12s %12s\n", "worker, through the manager", f("remote bulk_read_worker"),
           f("remote bulk_write_worker"), f("remote memcpy_worker")
    printf "ratios to memcpy: rank 0 read %s write %s; worker read %s write %s; remote worker read %s write %s\n",
           r("direct bulk_read_rank0", "direct memcpy_rank0"), r("direct bulk_write_rank0", "direct memcpy_rank0"),
           r("direct bulk_read_worker", "direct memcpy_worker"), r("direct bulk_write_worker", "direct memcpy_worker"),
           r("remote bulk_read_worker", "remote memcpy_worker"), r("remote bulk_write_worker", "remote memcpy_worker")
}' "$out"
