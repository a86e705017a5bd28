#!/usr/bin/env bash
# The benchmark suite: rankpool beside its peers, as ratios, with a plot.
# Runs, under one rank layout (NP ranks: rank 0 + NP-1 workers):
#   1. trivial tasks (apply_async one by one, map chunksize 1, map default):
#      bench_pool, the hand-written farm, Python's multiprocessing.Pool
#      (py_pool.py, NP-1 processes) and mpi4py.futures.MPIPoolExecutor
#      (py_mpi4py.py under mpirun -np NP);
#   2. the uneven CPU-bound map (primes): speedup over serial C of rankpool,
#      the farm and OpenMP parallel for schedule(dynamic) on NP-1 threads;
#   3. apply round trip, median and p99, against a raw MPI ping-pong (farm pingpong);
#   4. shared dict against Python's Manager().dict() (bench/dict.sh);
#   5. queues against Python's multiprocessing.Queue (bench/sync.sh);
#   6. the CPU an idle rank burns (bench_idle);
#   7. scaling: trivial map tasks/s and primes speedup for 1..WMAX workers;
# then prints one table with each goal and its ratio, and writes
# OUT/results.csv, OUT/results.json, OUT/raw.log and, with gnuplot, OUT/suite.png.
#
# Usage: bench/suite.sh [build-dir] [--quick]          (default: build)
#   --quick  small sizes, one run each (under a minute): checks that the suite
#            works; peers that are not installed are reported missing
#   full mode, as root, installs the missing Debian peers (python3-mpi4py,
#   gnuplot-nox) with apt-get first
# Environment: NP      ranks, rank 0 included (default 3: two workers)
#              WMAX    most workers in the scaling runs (default: cores + 2)
#              OUT     output directory (default bench-results)
#              PYTHON  the Python interpreter for multiprocessing (default python3)
#              MPI4PY_PYTHON  the one with mpi4py (default /usr/bin/python3, Debian's)
#              MPIRUN  the command that starts a job (see bench/common.sh)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

quick=0
build=build
for arg in "$@"; do
    case $arg in
    --quick) quick=1 ;;
    -*)
        echo "usage: bench/suite.sh [build-dir] [--quick]" >&2
        exit 2
        ;;
    *) build=$arg ;;
    esac
done
np=${NP:-3}
cores=$(nproc)
wmax=${WMAX:-$((cores + 2))}
out=${OUT:-bench-results}
python=${PYTHON:-python3}
mpy=${MPI4PY_PYTHON:-/usr/bin/python3}
workers=$((np - 1))
if ((np < 2 || wmax < 1)); then
    echo "suite.sh: NP must be at least 2 and WMAX at least 1" >&2
    exit 2
fi
if [[ $quick -eq 1 ]]; then
    tasks=5000 primes=40 reps=1 calls=300 idle=0.5
    mpi4py_tasks=2000 s_tasks=2000 s_primes=20 s_calls=50
    dict_env=(REPS=1 OPS=2000 BATCHES=20 ENTRIES=10000 PY_OPS=500 PY_BATCHES=5)
    sync_env=(REPS=1 ITEMS=2000 PAIRS=1000 WAKES=1 IDLE=0.05 PY_MGR_ITEMS=500 PY_MGR_PAIRS=200)
else
    tasks=100000 primes=400 reps=3 calls=2000 idle=5
    mpi4py_tasks=20000 s_tasks=20000 s_primes=200 s_calls=200
    dict_env=(REPS=3)
    sync_env=(REPS=3)
fi

farm=$build/bench/farm
pool=$build/bench/bench_pool
idle_exe=$build/bench/bench_idle
omp=$build/bench/omp_primes
bench_require "$build" "$farm" "$pool" "$idle_exe" "$build/bench/bench_dict" "$build/bench/bench_sync"

have_mpi4py() { "$mpy" -c 'import mpi4py.futures' >/dev/null 2>&1; }
have_gnuplot() { command -v gnuplot >/dev/null 2>&1; }
# Full mode installs what Debian packages, when it can; quick mode only reports.
if [[ $quick -eq 0 && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    pkgs=()
    have_mpi4py || pkgs+=(python3-mpi4py)
    have_gnuplot || pkgs+=(gnuplot-nox)
    if ((${#pkgs[@]})); then
        echo "# installing ${pkgs[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >/dev/null ||
            echo "suite.sh: apt-get install ${pkgs[*]} failed; those peers stay missing" >&2
    fi
fi
st_python=$(bench_python_status "$python")
st_mpi4py=missing
have_mpi4py && st_mpi4py=ok
st_omp=missing
[[ -x $omp ]] && st_omp=ok
st_gnuplot=missing
have_gnuplot && st_gnuplot=ok

mkdir -p "$out"
log=$out/raw.log
: >"$log"
# run TAG CMD...: CMD's stdout, each line prefixed with TAG, on stdout and in the log
run() {
    local tag=$1
    shift
    "$@" | sed "s/^/$tag /" | tee -a "$log"
}
# peer TAG STATUS-VAR CMD...: run, and mark the peer failed if it did
peer() {
    local tag=$1 var=$2
    shift 2
    if [[ ${!var} == ok ]] && ! run "$tag" "$@"; then
        printf -v "$var" failed
        echo "suite.sh: peer ${var#st_} failed (see above)" >&2
    fi
}

echo "# rankpool benchmark suite: np=$np ($workers workers), $cores cores," \
    "$([[ $quick -eq 1 ]] && echo quick || echo full) mode, $reps runs each"
echo "# peers: python $st_python, mpi4py $st_mpi4py, openmp $st_omp, gnuplot $st_gnuplot"
run main bench_mpirun "$np" "$farm" trivial "$tasks" "$reps"
run main bench_mpirun "$np" "$farm" primes "$primes" "$reps"
run main bench_mpirun "$np" "$farm" pingpong "$calls" "$reps"
run main bench_mpirun "$np" "$pool" --tasks "$tasks" --primes "$primes" --calls "$calls" --reps "$reps"
# OpenMP next to rankpool's primes run, so both see the same phase of the machine.
peer main st_omp "$omp" "$primes" "$workers" "$reps"
peer main st_python "$python" "$bench_dir/py_pool.py" --workers "$workers" --tasks "$tasks" \
    --reps "$reps"
# mpi4py runs fewer tasks (some 50 times slower); its rate per task does not depend on the count.
peer main st_mpi4py bench_mpirun "$np" "$mpy" -m mpi4py.futures "$bench_dir/py_mpi4py.py" \
    --tasks "$mpi4py_tasks" --reps "$reps"
run main bench_mpirun "$np" "$idle_exe" "$idle"
run dict env "${dict_env[@]}" "PYTHON=$python" "$bench_dir/dict.sh" "$build"
# Worker-to-worker queues need two workers.
if ((workers >= 2)); then
    run sync env "${sync_env[@]}" "PYTHON=$python" "$bench_dir/sync.sh" "$build"
else
    echo "# queues: worker to worker needs two workers (NP >= 3); not measured"
fi
for ((w = 1; w <= wmax; w++)); do
    echo "# scaling: $w workers"
    run "scale w=$w" bench_mpirun $((w + 1)) "$pool" --tasks "$s_tasks" --primes "$s_primes" \
        --calls "$s_calls" --reps 1
    run "scale w=$w" bench_mpirun $((w + 1)) "$farm" trivial "$s_tasks" 1
    run "scale w=$w" bench_mpirun $((w + 1)) "$farm" primes "$s_primes" 1
    peer "scale w=$w" st_omp "$omp" "$s_primes" "$w" 1
done
echo

awk -v py="$st_python" -v mpi4py="$st_mpi4py" -v omp="$st_omp" -v out="$out" -v cores="$cores" \
    -v workers="$workers" "$bench_awk
$(<"$bench_dir/suite.awk")" "$log"

if [[ $st_gnuplot == ok ]]; then
    gnuplot -e "dir='$out'; cores=$cores" "$bench_dir/suite.gp"
    echo "plot: $out/suite.png"
else
    echo "plot: missing (gnuplot not found; Debian: gnuplot-nox)"
fi
echo "results: $out/results.csv, $out/results.json (raw lines: $log)"
