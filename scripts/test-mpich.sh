#!/usr/bin/env bash
# Build rankpool against MPICH (Debian's mpich, beside Open MPI) in a build
# directory of its own and run the tests there.  Tests that need Open MPI
# (mpirun --enable-recovery, the test cluster's rsh launcher) are not
# registered in such a build; CMake says so when it configures.
#
#   scripts/test-mpich.sh [BUILD_DIR] [CTEST_ARGS...]
#
# BUILD_DIR defaults to build-mpich; CTEST_ARGS go to ctest (e.g. -L unit,
# -R pool).  Installs mpich if it is missing (scripts/setup-debian.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-mpich}
shift || true
if [ ! -x /usr/bin/mpicc.mpich ] || [ ! -x /usr/bin/mpiexec.mpich ]; then
    scripts/setup-debian.sh
fi
# The MPICH wrappers and launcher by name: mpicc and mpiexec may point at
# Open MPI (update-alternatives).
cmake -S . -B "$dir" -DMPI_C_COMPILER=/usr/bin/mpicc.mpich -DMPI_CXX_COMPILER=/usr/bin/mpicxx.mpich \
    -DMPIEXEC_EXECUTABLE=/usr/bin/mpiexec.mpich -DRP_BUILD_BENCH=OFF
cmake --build "$dir" -j
grep -q '^MPI_C_COMPILER:.*mpich' "$dir/CMakeCache.txt" || {
    echo "test-mpich: $dir is not built with MPICH" >&2
    exit 1
}
ctest --test-dir "$dir" --output-on-failure "$@"
