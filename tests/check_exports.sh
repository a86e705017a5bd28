#!/usr/bin/env bash
# The shared library exports the public API only: every defined dynamic
# symbol is an rp_ name (never an internal rp__ one), and the library has a
# SONAME.  Prints the offenders and exits 1 if there is one.
# Usage: check_exports.sh LIBRARY.so
set -euo pipefail
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '{print $NF}')
n=$(printf '%s\n' "$syms" | grep -c . || true)
bad=$(printf '%s\n' "$syms" | grep -v '^rp_[a-z0-9]' || true)
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
status=0
if [ -n "$bad" ]; then
    echo "exports: symbols that are not API:"
    printf '  %s\n' $bad
    status=1
fi
if [ "$n" -lt 100 ]; then
    echo "exports: only $n symbols: is the API exported at all?"
    status=1
fi
case $soname in
librankpool.so.[0-9]*) ;;
*) echo "exports: SONAME '$soname', want librankpool.so.N"; status=1 ;;
esac
echo "exports: $n API symbols, SONAME $soname"
exit $status
