#!/usr/bin/env bash
# The built library's ABI against the recorded baseline (abi/librankpool.abi),
# with abigail-tools' abidiff.  Fails on any change to what the baseline
# has (a function removed or changed, a type of the API changed in size or
# layout); passes with a notice when functions were only added.  Either
# way it prints abidiff's report and how to record a new baseline.
# Usage: check_abi.sh SOURCE_DIR LIBRARY.so
set -euo pipefail
src=$1 lib=$2
base=$src/abi/librankpool.abi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$src/scripts/abi-dump.sh" "$lib" "$tmp/now.abi"
set +e
abidiff --no-unreferenced-symbols "$base" "$tmp/now.abi" >"$tmp/report" 2>&1
status=$?
set -e
update="to record the new ABI as the baseline: scripts/abi-dump.sh $lib abi/librankpool.abi, and list the change in CHANGELOG.md (abi/README.md)"
if [ "$status" -eq 0 ]; then
    echo "abi: no change against abi/librankpool.abi"
    exit 0
fi
cat "$tmp/report"
# abidiff's status: bit 1 error, 2 usage, 4 an ABI change, 8 an incompatible one.
if [ $((status & 3)) -ne 0 ]; then
    echo "abi: abidiff failed (status $status)"
    exit 1
fi
removed=$(sed -n 's/^Functions changes summary: \([0-9]*\) Removed, \([0-9]*\) Changed.*/\1 \2/p' "$tmp/report")
vars=$(sed -n 's/^Variables changes summary: \([0-9]*\) Removed, \([0-9]*\) Changed.*/\1 \2/p' "$tmp/report")
if [ $((status & 8)) -eq 0 ] && [ "$removed" = "0 0" ] && [ "${vars:-0 0}" = "0 0" ]; then
    echo "abi: only additions against abi/librankpool.abi (compatible); $update"
    exit 0
fi
echo "abi: the ABI changed against abi/librankpool.abi (abidiff status $status)."
echo "abi: if that is intended: $update; an incompatible change also bumps RP_SOVERSION."
exit 1
