#!/usr/bin/env bash
# Install the Debian packages rankpool needs to build, test and run, if any
# are missing.  Uses sudo when not run as root.  Safe to run again.
set -euo pipefail

# iproute2 and util-linux: the test cluster of network namespaces (scripts/cluster-up).
# clang and libclang-rt-dev (its sanitizer and libFuzzer runtimes, only
# recommended by clang): the fuzz targets (-DRP_FUZZ=ON).
# mpich and libmpich-dev: the MPICH build and tests (scripts/test-mpich.sh); Open
# MPI stays the default MPI (update-alternatives gives it the higher priority).
# abigail-tools: the ABI check against abi/ (abidw, abidiff).
# parallel (GNU parallel): rankpool-run's tests compare its outputs with it.
packages=(build-essential cmake pkg-config openmpi-bin libopenmpi-dev libhwloc-dev
          libcmocka-dev hwloc iproute2 util-linux clang libclang-rt-dev mpich libmpich-dev
          abigail-tools parallel)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "setup-debian: need root or sudo to install: ${missing[*]}" >&2
        exit 1
    fi
    sudo="sudo"
fi
echo "setup-debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
