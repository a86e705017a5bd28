#!/usr/bin/env bash
# Server ranks (rp_options.servers, docs/scale.md) against rank 0 alone:
# the same load with K = 0, 1 and 2 servers.
#
#   objects   W workers (default 2) make dict gets, then sets, on two
#             anonymous dicts (with servers: one on each in turn); np = 1 +
#             W + K.  Rank 0's CPU per call, each server's busy time per
#             request (its log line at RP_LOG_LEVEL=info), and calls/s.
#   tasks     a map of empty tasks, chunksize 1, on 2 workers: rank 0's CPU
#             per task (tasks still go through rank 0 with servers).
# Then the model: one manager's ceiling for object calls, 1 / c (c: rank
# 0's CPU per call at K = 0), next to K servers' predicted ceiling, K / c_s
# (c_s: a server's busy time per request), and the rate measured.
#
# Usage: bench/servers.sh [build-dir] [--quick]     (default: build)
# Environment: REPS     repetitions of each timing (default 3)
#              WORKERS  client workers W (default 2)
#              MPIRUN   the command that starts a job (see bench/common.sh)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build=build
quick=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    *) build=$a ;;
    esac
done
reps=${REPS:-3}
w=${WORKERS:-2}
bench=$build/bench/bench_scale
bench_require "$build" "$bench"
ops=20000 tasks=200000
if ((quick)); then
    ops=500 tasks=5000 reps=1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
export RP_LOG_LEVEL=info
run() {
    local k=$1
    shift
    RP_SERVERS=$k MPIRUN="${MPIRUN:-mpirun --oversubscribe} -x RP_SERVERS -x RP_LOG_LEVEL" \
        bench_mpirun "$@" 2>&1 | sed -n -e '/^scale /p' \
        -e "s/.* info: server rank \([0-9]*\): \([0-9]*\) requests served, busy \([0-9.]*\) s (\([0-9.]*\) us a request), \([0-9.]*\) CPU-s.*/scale server k=$k rank=\1 requests=\2 busy_s=\3 busy_us=\4 cpu_s=\5/p" |
        tee -a "$out"
}

echo "# rankpool server ranks: $(nproc) cores, $w client workers, $reps runs each"
for k in 0 1 2; do
    run "$k" $((1 + w + k)) "$bench" --only objects --ops "$ops" --reps "$reps" --dicts 2
    run "$k" $((3 + k)) "$bench" --only tasks --tasks "$tasks" --reps "$reps"
done

awk '
function kv(line, key,   i, n, f) {
    n = split(line, f, " ")
    for (i = 1; i <= n; i++) if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
    return ""
}
/^scale objects/ { k = kv($0, "servers"); op = kv($0, "op")
                   c[k, op] = kv($0, "rank0_cpu_us_per_op"); r[k, op] = kv($0, "ops_per_s")
                   if (k > kmax) kmax = k }
/^scale objects/ { n = split($0, f, " "); for (i = 1; i <= n; i++) if (f[i] ~ /^min=/) last = f[i]
                   rlo[k, op] = substr(last, 5) }
/^scale objects/ { n = split($0, f, " "); m = 0
                   for (i = 1; i <= n; i++) if (f[i] ~ /^max=/) { m++; if (m == 2) rhi[k, op] = substr(f[i], 5) } }
/^scale tasks/ { t[kv($0, "ranks") - 3] = kv($0, "rank0_cpu_us_per_task") }
/^scale server/ { k = kv($0, "k"); bs[k] += kv($0, "busy_s"); rq[k] += kv($0, "requests")
                  cs[k] += kv($0, "cpu_s") }
END {
    printf "servers K | rank-0 CPU us/call get, set | server busy us/request | calls/s get (min-max) | rank-0 CPU us/task\n"
    for (k = 0; k <= kmax; k++)
        printf "%d | %s, %s | %s | %s (%s-%s) | %s\n", k, c[k, "get"], c[k, "set"],
               k ? sprintf("%.3f", bs[k] / rq[k] * 1e6) : "-", r[k, "get"], rlo[k, "get"], rhi[k, "get"], t[k]
    c0 = c[0, "get"]
    printf "model one manager: ceiling %.0f calls/s (1 / %s us)\n", 1e6 / c0, c0
    for (k = 1; k <= kmax; k++) {
        cs1 = bs[k] / rq[k] * 1e6
        printf "model K=%d: predicted ceiling %.0f calls/s (%d / %.3f us), rank 0 CPU per call %s us (%.0f%% of K=0), measured %s calls/s\n",
               k, k * 1e6 / cs1, k, cs1, c[k, "get"], 100 * c[k, "get"] / c0, r[k, "get"]
    }
}' "$out"
