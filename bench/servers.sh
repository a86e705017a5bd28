#!/usr/bin/env bash
# Server ranks (rp_options.servers, docs/scale.md) against rank 0 alone:
# the same load with K = 0, 1 and 2 servers.
#
#   objects   W workers (default 2) make dict gets, then sets, on two
#             anonymous dicts (with servers: one on each in turn); np = 1 +
#             W + K.  Rank 0's CPU per call, each server's busy time per
#             request (its log line at RP_LOG_LEVEL=info), and calls/s.
#   tasks     a map of empty tasks, chunksize 1, on 2 workers (np = 3 + K):
#             rank 0's CPU per task and tasks/s, the chunks batched; again
#             at K = 1 with RP_SERVER_TASKS=0 (chunks from rank 0 directly).
#   sparse    tasks of 1 ms, one chunk a worker at a time (RP_PREFETCH=1),
#             rank 0 sleeping when idle (RP_IDLE_SPIN=1e-6), on 4, 8 and 16
#             workers, K = 0 and 2: the slope of rank 0's CPU-s/s against
#             tasks/s is its CPU per task that travels alone (as in
#             bench/scale.sh).  Not with --quick.
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

bench_build_args "$@"
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
# run K KIND NP PROG ARGS...: the job's "scale" lines, KIND for the tasks
# lines, and each server's log line as "scale server".
run() {
    local k=$1 kind=$2
    shift 2
    RP_SERVERS=$k MPIRUN="${MPIRUN:-mpirun --oversubscribe} -x RP_SERVERS -x RP_LOG_LEVEL ${extra:-}" \
        bench_mpirun "$@" 2>&1 | sed -n -e "s/^scale tasks/scale $kind k=$k/p" -e '/^scale objects/p' \
        -e "s/.* info: server rank \([0-9]*\): \([0-9]*\) requests served, busy \([0-9.]*\) s (\([0-9.]*\) us a request), \([0-9.]*\) CPU-s in all; \([0-9]*\) chunk messages forwarded from \([0-9]*\) bundles, \([0-9]*\) answers sent back in \([0-9]*\)/scale server k=$k kind=$kind rank=\1 requests=\2 busy_s=\3 busy_us=\4 cpu_s=\5 fwd_msgs=\6 fwd_bundles=\7 up_msgs=\8 up_bundles=\9/p" |
        tee -a "$out"
}

echo "# rankpool server ranks: $(nproc) cores, $w client workers, $reps runs each"
for k in 0 1 2; do
    run "$k" objects $((1 + w + k)) "$bench" --only objects --ops "$ops" --reps "$reps" --dicts 2
    run "$k" tasks $((3 + k)) "$bench" --only tasks --tasks "$tasks" --reps "$reps"
done
# The chunks from rank 0 directly, the server holding the objects only.
RP_SERVER_TASKS=0 extra="-x RP_SERVER_TASKS" run 1 direct 4 "$bench" --only tasks --tasks "$tasks" --reps "$reps"
if ((!quick)); then
    export RP_PREFETCH=1 RP_IDLE_SPIN=1e-6
    extra="-x RP_PREFETCH -x RP_IDLE_SPIN"
    for k in 0 2; do
        for sw in 4 8 16; do
            run "$k" sparse $((1 + sw + k)) "$bench" --only tasks --tasks 6000 --nap 1000 --reps "$reps"
        done
    done
fi

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
/^scale tasks/ { t[kv($0, "k")] = kv($0, "rank0_cpu_us_per_task"); tr[kv($0, "k")] = kv($0, "tasks_per_s") }
/^scale direct/ { dt = kv($0, "rank0_cpu_us_per_task"); dr = kv($0, "tasks_per_s") }
/^scale sparse/ { k = kv($0, "k"); ns[k]++; x[k, ns[k]] = kv($0, "tasks_per_s"); y[k, ns[k]] = kv($0, "rank0_busy") }
/^scale server/ && kv($0, "kind") == "objects" { k = kv($0, "k"); bs[k] += kv($0, "busy_s")
                                                rq[k] += kv($0, "requests") }
/^scale server/ && kv($0, "kind") != "objects" { kd = kv($0, "kind")
    fm[kd] += kv($0, "fwd_msgs"); fb[kd] += kv($0, "fwd_bundles")
    um[kd] += kv($0, "up_msgs"); ub[kd] += kv($0, "up_bundles") }
END {
    printf "servers K | rank-0 CPU us/call get, set | server busy us/request | calls/s get (min-max) | rank-0 CPU us/task batched | tasks/s batched\n"
    for (k = 0; k <= kmax; k++)
        printf "%d | %s, %s | %s | %s (%s-%s) | %s | %s\n", k, c[k, "get"], c[k, "set"],
               k ? sprintf("%.3f", bs[k] / rq[k] * 1e6) : "-", r[k, "get"], rlo[k, "get"], rhi[k, "get"], t[k], tr[k]
    for (k = 0; k <= 2; k++) {
        if (ns[k] < 2) continue
        sx = sy = sxy = sxx = 0
        for (i = 1; i <= ns[k]; i++) { sx += x[k, i]; sy += y[k, i] }
        mx = sx / ns[k]; my = sy / ns[k]
        for (i = 1; i <= ns[k]; i++) { sxy += (x[k, i] - mx) * (y[k, i] - my); sxx += (x[k, i] - mx) ^ 2 }
        printf "model K=%d sparse: rank-0 CPU per task alone %.2f us (slope over %d runs, %.0f..%.0f tasks/s)\n",
               k, (sxx > 0 ? sxy / sxx * 1e6 : 0), ns[k], x[k, 1], x[k, ns[k]]
    }
    if (dr != "")
        printf "model K=1, chunks from rank 0 directly (RP_SERVER_TASKS=0): rank-0 CPU per task %s us, %s tasks/s batched\n", dt, dr
    for (kd in fb) if (fb[kd] > 0 && ub[kd] > 0)
        printf "model %s through servers: %.1f messages a bundle to the workers, %.1f back\n", kd, fm[kd] / fb[kd], um[kd] / ub[kd]
    c0 = c[0, "get"]
    printf "model one manager: ceiling %.0f calls/s (1 / %s us)\n", 1e6 / c0, c0
    for (k = 1; k <= kmax; k++) {
        cs1 = bs[k] / rq[k] * 1e6
        printf "model K=%d: predicted ceiling %.0f calls/s (%d / %.3f us), rank 0 CPU per call %s us (%.0f%% of K=0), measured %s calls/s\n",
               k, k * 1e6 / cs1, k, cs1, c[k, "get"], 100 * c[k, "get"] / c0, r[k, "get"]
    }
}' "$out"
