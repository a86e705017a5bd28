# shellcheck shell=bash
# Shared by the benchmark scripts (bench/*.sh), sourced after `set -euo pipefail`:
#   bench_build_args ARGS...     sets $build and $quick from [build-dir] [--quick]
#   bench_require BUILD EXE...   exits unless each EXE was built in BUILD
#   bench_mpirun NP PROG ARGS... starts PROG on NP ranks with $MPIRUN
#   bench_python_status PYTHON   prints ok, or missing if PYTHON is not there
#   bench_peer_note OUT STATE PYTHON  says on stdout and in OUT that the python
#                                peer is missing or failed (STATE), so its column stays empty
#   $bench_awk                   the awk functions of bench/common.awk, to put
#                                in front of an awk program
# Environment: MPIRUN  the command that starts a job, given -np NP and the
#                      program (default: mpirun --oversubscribe, because small
#                      machines have fewer cores than ranks); e.g. an mpirun
#                      with a hostfile, or scripts/cluster-run

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_script=${0##*/}
# shellcheck disable=SC2034  # for the scripts that source this file
bench_awk=$(<"$bench_dir/common.awk")
read -r -a bench_mpirun_cmd <<<"${MPIRUN:-mpirun --oversubscribe}"

# Open MPI refuses to start as root unless told twice.
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# shellcheck disable=SC2034  # $build and $quick are for the scripts
# bench_build_args ARGS...: a script's arguments: the build folder
# (default build) into $build, and --quick into $quick (1, else 0).
bench_build_args() {
    build=build
    quick=0
    local a
    for a in "$@"; do
        case $a in
        --quick) quick=1 ;;
        *) build=$a ;;
        esac
    done
}

bench_require() {
    local build=$1 exe
    shift
    for exe in "$@"; do
        if [[ ! -x $exe ]]; then
            echo "$bench_script: $exe not found; build first (cmake --build $build)" >&2
            exit 1
        fi
    done
}

bench_mpirun() {
    local np=$1
    shift
    "${bench_mpirun_cmd[@]}" -np "$np" "$@"
}

bench_python_status() {
    if command -v "$1" >/dev/null 2>&1; then
        echo ok
    else
        echo missing
    fi
}

bench_peer_note() {
    local what
    case $2 in
    missing) what="missing: $3 not found" ;;
    *) what="failed (see above)" ;;
    esac
    echo "python peer $what; the python column stays empty" | tee -a "$1"
}
