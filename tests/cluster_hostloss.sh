#!/usr/bin/env bash
# Losing a host of the test cluster while a long map runs (3 hosts x 2 ranks,
# the third host is lost):
#
#   cluster_hostloss.sh SCRIPTS_DIR MODE PROGRAM [mpirun options]
#
#   MODE host         every process of the host is killed (SIGKILL)
#        ranks        only its ranks are killed; its Open MPI daemon lives on
#        unreachable  its link is cut: its processes live on, nothing answers
#        recover      as ranks, under mpirun --enable-recovery (pass it)
#
# PROGRAM is test_hostloss.  Passes if, within 30 s of the loss, the job has
# ended with a failure status and a message that names the lost host (with
# recover: every item of the map succeeded and both lost ranks are named),
# and no process is left on any host.  Exits 77 (skip) where the cluster
# cannot be made.
set -euo pipefail
scripts=$1 mode=$2 program=$3
shift 3
# shellcheck source-path=SCRIPTDIR source=../scripts/cluster-common.sh
. "$scripts/cluster-common.sh"
case $mode in
host | ranks | unreachable | recover) ;;
*)
    echo "cluster_hostloss: unknown mode '$mode'" >&2
    exit 1
    ;;
esac
limit=30
[[ $mode == recover ]] && limit=60 # the survivors finish the map first

status=0
up=$("$scripts/cluster-up" 2>&1) || status=$?
if [[ $status -ne 0 ]]; then
    echo "$up"
    exit "$status"
fi
if [[ $(existing_hosts | wc -l) -lt 3 ]]; then
    echo "cluster_hostloss: needs a cluster of 3 hosts or more" >&2
    exit 1
fi
victim=$(host_name 3)
link=$(host_link 3)

busy() {
    local i
    for i in $(existing_hosts); do
        [[ -n $(ip netns pids "$(host_name "$i")" 2>/dev/null) ]] && return 0
    done
    return 1
}
if busy; then
    echo "cluster_hostloss: the cluster's hosts are running processes already" >&2
    exit 1
fi

out=$(mktemp)
job=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    ip link set "$link" up 2>/dev/null || true
    # The next test must find the network as it was: the link carrying
    # again, and no host remembering the cut-off one as unreachable (a failed
    # neighbour entry cost the next job's daemons their first connections).
    for _ in $(seq 30); do
        [[ $(cat "/sys/class/net/$link/operstate" 2>/dev/null) == up ]] && break
        sleep 0.1
    done
    for i in $(existing_hosts); do
        ip -n "$(host_name "$i")" neigh flush all 2>/dev/null || true
    done
    if [[ -n $job ]] && kill -0 "$job" 2>/dev/null; then
        kill -TERM "$job" 2>/dev/null || true
    fi
    # Whatever the outcome, the next test finds idle hosts.
    if busy; then
        mapfile -t all < <(existing_hosts)
        kill_hosts "${all[@]}" || true
    fi
    rm -f "$out"
}
trap cleanup EXIT

now_ms() { echo $((${EPOCHREALTIME//[.,]/} / 1000)); }
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

"$scripts/cluster-run" -np 6 "$@" "$program" 600 100 >"$out" 2>&1 &
job=$!
for _ in $(seq 600); do
    grep -q "^map started" "$out" && break
    if ! kill -0 "$job" 2>/dev/null; then
        cat "$out"
        echo "cluster_hostloss: the job ended before the map started" >&2
        exit 1
    fi
    sleep 0.1
done
if ! grep -q "^map started" "$out"; then
    cat "$out"
    echo "cluster_hostloss: the map did not start within 60 s" >&2
    exit 1
fi
sleep 1

case $mode in
host)
    mapfile -t victims < <(ip netns pids "$victim")
    kill -KILL "${victims[@]}"
    what="killed every process of $victim (${#victims[@]})"
    ;;
ranks | recover)
    exe=$(readlink -f "$program")
    victims=()
    for p in $(ip netns pids "$victim"); do
        [[ $(readlink "/proc/$p/exe" 2>/dev/null) == "$exe" ]] && victims+=("$p")
    done
    kill -KILL "${victims[@]}"
    what="killed the ${#victims[@]} ranks on $victim"
    ;;
unreachable)
    ip link set "$link" down
    what="cut the link of $victim"
    ;;
esac
t0=$(now_ms)
echo "cluster_hostloss: $what while the map ran"

while kill -0 "$job" 2>/dev/null && (($(now_ms) - t0 < limit * 1000)); do
    sleep 0.1
done
ended=$(($(now_ms) - t0))
if kill -0 "$job" 2>/dev/null; then
    cat "$out"
    echo "cluster_hostloss: FAIL: the job still runs $limit s after the loss" >&2
    exit 1
fi
wait "$job" && jobstatus=0 || jobstatus=$?
job=

# The cut-off host stays cut off: its daemon must notice on its own.
while busy && (($(now_ms) - t0 < limit * 1000)); do
    sleep 0.1
done
clean=$(($(now_ms) - t0))
cat "$out"
echo
fail=0
if busy; then
    for i in $(existing_hosts); do
        for p in $(ip netns pids "$(host_name "$i")"); do
            echo "  left on $(host_name "$i"): $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
        done
    done >&2
    echo "cluster_hostloss: FAIL: processes left on the hosts $limit s after the loss" >&2
    fail=1
fi
if [[ $mode == recover ]]; then
    # The survivors finish the map; the two lost ranks are named.
    if ! grep -q "^map done: OK .* 600 of 600 items succeeded" "$out"; then
        echo "cluster_hostloss: FAIL: the map did not complete on the survivors" >&2
        fail=1
    fi
    message=$(grep -E "worker rank [45] \(pid [0-9]+\) lost" "$out" | paste -sd'|' - || true)
    if [[ $(grep -cE "worker rank [45] \(pid [0-9]+\) lost" "$out") -ne 2 ]]; then
        echo "cluster_hostloss: FAIL: the two lost ranks are not both named" >&2
        fail=1
    fi
    echo "cluster_hostloss: $mode: job ended $(secs "$ended") s after the loss (status" \
        "$jobstatus), hosts idle after $(secs "$clean") s; ${message:-no loss seen}"
    exit $fail
fi
if [[ $jobstatus -eq 0 ]]; then
    echo "cluster_hostloss: FAIL: the job lost a host, yet ended with status 0" >&2
    fail=1
fi
# The lost host named in a message (not in the program's "rank N on HOST").
message=$(grep -v "^rank [0-9]* on " "$out" | grep -w -- "$victim" | tr -s ' ' | paste -sd'|' - || true)
if [[ -z $message ]]; then
    echo "cluster_hostloss: FAIL: no message names the lost host $victim" >&2
    fail=1
fi
echo "cluster_hostloss: $mode: job ended $(secs "$ended") s after the loss (status $jobstatus)," \
    "hosts idle after $(secs "$clean") s; lines naming $victim: ${message:-none}"
exit $fail
