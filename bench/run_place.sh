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
#              MPIRUN  the command that starts a job (see bench/common.sh)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build=${1:-build}
exe=$build/bench/bench_place
bench_require "$build" "$exe"
# An explicit binding request to mpirun would make rankpool keep it in both runs.
unset OMPI_MCA_hwloc_base_binding_policy RP_PLACEMENT
np=${NP:-$(( $(nproc) + 1 ))}
echo "# pinned vs none: np=$np, $(nproc) cores"
bench_mpirun "$np" "$exe" --reps "${REPS:-7}" --policy "${POLICY:-scatter}" \
    --tasks "${TASKS:-200}" --mib "${MIB:-8}" --passes "${PASSES:-4}"
