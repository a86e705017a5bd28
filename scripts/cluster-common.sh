# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# Shared by the cluster-* scripts (sourced, not run): the names and addresses
# of a test cluster of network namespaces on this machine.
#
# Environment (the same for every script of one cluster):
#   RP_CLUSTER         cluster name, 1..10 of [a-z0-9], starting with a letter
#                      (default rpnode); hosts are named ${RP_CLUSTER}1..N
#   RP_CLUSTER_HOSTS   number of hosts, 1..50 (default 3; cluster-up only)
#   RP_CLUSTER_SLOTS   slots per host in the generated hostfile (default 2)
#   RP_CLUSTER_SUBNET  first three octets of the hosts' /24 (default 10.77.0);
#                      host i is .(10+i).  The subnet exists only inside the
#                      namespaces: the bridge has no address on this machine,
#                      so it never meets the machine's own routes.

cluster=${RP_CLUSTER:-rpnode}
if ! [[ $cluster =~ ^[a-z][a-z0-9]{0,9}$ ]]; then
    echo "${0##*/}: RP_CLUSTER='$cluster': want 1..10 of [a-z0-9], starting with a letter" >&2
    exit 1
fi
subnet=${RP_CLUSTER_SUBNET:-10.77.0}
if ! [[ $subnet =~ ^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){2}$ ]]; then
    echo "${0##*/}: RP_CLUSTER_SUBNET='$subnet': want three octets, e.g. 10.77.0" >&2
    exit 1
fi
bridge=$cluster-br                   # interface names stay within 15 characters
state=/run/rankpool-cluster/$cluster # hostfile, UTS namespace files, host list
hostfile=$state/hostfile
scripts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Host i's name, its link on the bridge, its address, its UTS namespace file.
host_name() { echo "$cluster$1"; }
host_link() { echo "$cluster-v$1"; }
host_addr() { echo "$subnet.$((10 + $1))"; }
host_uts() { echo "$state/uts-$cluster$1"; }

# The indexes of this cluster's hosts that exist in any form: listed in the
# state directory or present as a namespace (after a partial bring-up).
existing_hosts() {
    {
        [[ -f $state/hosts ]] && cat "$state/hosts"
        ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^$cluster\([0-9][0-9]*\)\$/\1/p"
        ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: $cluster-v\([0-9][0-9]*\)[@:].*/\1/p"
    } | sort -nu
}

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

# Serialize bring-ups and teardowns (tests may start at once).  The empty
# lock file stays in /run/lock, the place for such files.
take_lock() {
    mkdir -p /run/lock
    exec 9>/run/lock/rankpool-cluster.lock
    flock 9
}

# Stop every process inside the given hosts' namespaces: TERM, then KILL
# after 2 s.  Fails if any is still there after 5 s.
kill_hosts() {
    local i pids=() tries
    for tries in $(seq 50); do
        pids=()
        for i in "$@"; do
            ns_exists "$(host_name "$i")" || continue
            # shellcheck disable=SC2207
            pids+=($(ip netns pids "$(host_name "$i")" 2>/dev/null))
        done
        [[ ${#pids[@]} -eq 0 ]] && return 0
        if [[ $tries -eq 1 ]]; then
            kill -TERM "${pids[@]}" 2>/dev/null || true
        elif [[ $tries -ge 20 ]]; then
            kill -KILL "${pids[@]}" 2>/dev/null || true
        fi
        sleep 0.1
    done
    echo "${0##*/}: processes still running in the cluster: ${pids[*]}" >&2
    return 1
}

# Remove everything of this cluster that exists: processes, namespaces,
# links, UTS namespace files, /etc/netns entries, the state directory.
teardown() {
    local i name status=0
    local hosts
    mapfile -t hosts < <(existing_hosts)
    kill_hosts "${hosts[@]}" || status=1
    for i in "${hosts[@]}"; do
        name=$(host_name "$i")
        if ns_exists "$name"; then
            ip netns del "$name" || status=1
        fi
        # Deleting the namespace takes its end of the veth pair, and the
        # kernel then removes this end too, a moment later: it may be gone
        # between the look and the delete.  Only a link that stays counts.
        if ip link show "$(host_link "$i")" >/dev/null 2>&1 &&
            ! ip link del "$(host_link "$i")" 2>/dev/null &&
            ip link show "$(host_link "$i")" >/dev/null 2>&1; then
            echo "${0##*/}: could not remove link $(host_link "$i")" >&2
            status=1
        fi
        rm -rf "/etc/netns/$name"
    done
    rmdir /etc/netns 2>/dev/null || true
    if [[ -d $state ]]; then
        for f in "$state"/uts-*; do
            [[ -e $f ]] || continue
            umount "$f" 2>/dev/null || true
            rm -f "$f" || status=1
        done
        rm -rf "$state" || status=1
    fi
    rmdir /run/rankpool-cluster 2>/dev/null || true
    if ip link show "$bridge" >/dev/null 2>&1; then
        ip link del "$bridge" || status=1
    fi
    return $status
}
