#!/usr/bin/env bash
# Pinned vs not pinned: a CPU-bound map whose tasks stream over a few MiB
# per worker (bench/bench_place), under a placing runtime and under
# placement none, alternately in one run; prints the medians and their ratio.
#
# Usage: bench/run_place.sh [build-dir]          (default: build)
# Environment: NP      ranks, rank 0 included (default: cores + 1, so every
#                      worker can have a core and mpirun binds nothing itself)
#              REPS    repetitions (default 7)
#              POLICY  the pinned runs' policy (default scatter; compact, scatter:pu, ...)
#              TASKS, MIB, PASSES  the workload (defaults 200 tasks, 8 MiB, 4 passes)
set -euo pipefail

build=${1:-build}
exe=$build/bench/bench_place
if [[ ! -x $exe ]]; then
    echo "run_place.sh: $exe not found; build first (cmake --build $build)" >&2
    exit 1
fi
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# An explicit binding request to mpirun would make rankpool keep it in both runs.
unset OMPI_MCA_hwloc_base_binding_policy RP_PLACEMENT
np=${NP:-$(( $(nproc) + 1 ))}
echo "# pinned vs none: np=$np, $(nproc) cores"
mpirun -np "$np" --oversubscribe "$exe" --reps "${REPS:-7}" --policy "${POLICY:-scatter}" \
    --tasks "${TASKS:-200}" --mib "${MIB:-8}" --passes "${PASSES:-4}"
