#!/usr/bin/env bash
# Run one test on the test cluster (scripts/cluster-up), as mpirun on the
# first host with the cluster's hostfile, over TCP between the hosts:
#
#   cluster_test.sh SCRIPTS_DIR [mpirun options] PROGRAM [ARGS...]
#
# Brings the cluster up if it is not.  Exits 77 (the tests' skip code), with
# one line saying why, where namespaces cannot be made (not root).  Otherwise
# the exit status is mpirun's, and the test fails if any process is still
# running on a host 5 s after mpirun ended.
set -euo pipefail
scripts=$1
shift
# shellcheck source-path=SCRIPTDIR source=../scripts/cluster-common.sh
. "$scripts/cluster-common.sh"

status=0
up=$("$scripts/cluster-up" 2>&1) || status=$?
if [[ $status -ne 0 ]]; then
    echo "$up"
    exit "$status"
fi

# Ranks on other hosts see only the variables mpirun is told to pass on.
pass=()
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    if [[ -n ${!v:-} ]]; then
        pass+=(-x "$v")
    fi
done
"$scripts/cluster-run" "${pass[@]}" "$@" || status=$?

left="" leftpids=""
for _ in $(seq 50); do
    left="" leftpids=""
    for i in $(existing_hosts); do
        p=$(ip netns pids "$(host_name "$i")" 2>/dev/null | paste -sd, -)
        if [[ -n $p ]]; then
            left+="$(host_name "$i") "
            leftpids+=${leftpids:+,}$p
        fi
    done
    [[ -z $left ]] && break
    sleep 0.1
done
if [[ -n $left ]]; then
    echo "cluster_test: still running on ${left}5 s after mpirun ended:" >&2
    for p in ${leftpids//,/ }; do
        echo "  $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
    done
    exit 1
fi
exit "$status"
