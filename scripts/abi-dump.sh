#!/usr/bin/env bash
# Write the ABI of a built librankpool.so as abixml (abigail-tools' abidw):
# the exported functions and the types of the public headers, without
# paths of this checkout (so that any clone gives the same file).
#
#   scripts/abi-dump.sh LIBRARY.so OUT.abi
#
# To record a new baseline after an intended change of the ABI:
#   scripts/abi-dump.sh build/lib/librankpool.so abi/librankpool.abi
# then say what changed in CHANGELOG.md (abi/README.md).
set -euo pipefail
lib=$1 out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
abidw --no-corpus-path --no-comp-dir-path --no-show-locs --headers-dir "$src/lib/include" \
    --drop-private-types --out-file "$tmp" "$lib"
# Source paths: relative to the checkout.
sed "s|$src/||g" "$tmp" >"$out"
