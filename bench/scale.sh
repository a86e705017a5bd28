#!/usr/bin/env bash
# The inputs of the scale model (docs/scale.md): rank 0's CPU per task, per
# shared-object operation and per parked waiter, and its heap per worker and
# per object, from bench/bench_scale at several -np; then the model's table.
#
#   saturated tasks   map of empty tasks, chunksize 1, np=3: rank 0 never
#                     idles, the engine batches (up to 64 chunks a message)
#   sparse tasks      tasks of --nap 1000 us, one chunk a worker at a time
#                     (RP_PREFETCH=1), rank 0 sleeping when idle
#                     (RP_IDLE_SPIN=1e-6), at np=5, 9, 17: a line through
#                     (tasks/s, rank-0 CPU-s/s) gives the cost of an unbatched
#                     task (its slope) and of polling (its intercept)
#   objects           dict gets and sets from every worker at np=9 (8 clients):
#                     one request and one answer a call, rank 0 kept busy
#   waiters           processes parked in a queue get, np=3
#   memory            rank 0's heap after rp_init and a pool at np=2 ... 33
#
# Usage: bench/scale.sh [build-dir] [--quick]     (default: build)
# Environment: REPS    repetitions of each timing (default 3)
#              MPIRUN  the command that starts a job (see bench/common.sh)
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_build_args "$@"
reps=${REPS:-3}
bench=$build/bench/bench_scale
bench_require "$build" "$bench"

tasks=400000 sparse=8000 ops=10000 waiters=1000 nps="5 9 17" mems="2 3 5 9 17 33"
if ((quick)); then
    tasks=20000 sparse=400 ops=500 waiters=16 nps="3 5" mems="2 3" reps=1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() { bench_mpirun "$@" | grep '^scale ' | tee -a "$out"; }

echo "# rankpool scale model inputs: $(nproc) cores, $reps runs each"
for np in $mems; do
    run "$np" "$bench" --only memory --objects $((quick ? 100 : 10000))
done
run 3 "$bench" --only tasks --tasks "$tasks" --reps "$reps"
run 3 "$bench" --only waiters --waiters "$waiters"
run "$([[ $quick == 1 ]] && echo 3 || echo 9)" "$bench" --only objects --ops "$ops" --reps "$reps"
export RP_PREFETCH=1 RP_IDLE_SPIN=1e-6
for np in $nps; do
    MPIRUN="${MPIRUN:-mpirun --oversubscribe} -x RP_PREFETCH -x RP_IDLE_SPIN" \
        bench_mpirun "$np" "$bench" --only tasks --tasks "$sparse" --nap 1000 --reps "$reps" |
        sed -n 's/^scale tasks/scale sparse/p' | tee -a "$out"
done

# The model's inputs, then the table: the rate a job of N workers with tasks
# of T seconds asks of the manager, as the share of one core it needs.
awk -v quick="$quick" '
function kv(line, key,   i, n, f) {
    n = split(line, f, " ")
    for (i = 1; i <= n; i++) if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
    return ""
}
/^scale memory ranks=/ { r = kv($0, "ranks"); h[r] = kv($0, "heap_after_init_bytes") + kv($0, "pool_heap_bytes")
                         if (rmin == "" || r + 0 < rmin + 0) rmin = r; if (r + 0 > rmax + 0) rmax = r }
/^scale memory object=/ { obj[kv($0, "object")] = kv($0, "heap_per_object_bytes") }
/^scale tasks/ { batched = kv($0, "rank0_cpu_us_per_task"); brate = kv($0, "tasks_per_s") }
/^scale objects/ { o[kv($0, "op")] = kv($0, "rank0_cpu_us_per_op"); orate[kv($0, "op")] = kv($0, "ops_per_s") }
/^scale waiters/ { wpark = kv($0, "parked_cpu_per_s") - kv($0, "idle_cpu_per_s"); wn = kv($0, "waiters")
                   wheap = kv($0, "heap_per_waiter_bytes"); wwake = kv($0, "wake_and_join_cpu_us_per_waiter") }
/^scale sparse/ { n++; x[n] = kv($0, "tasks_per_s"); y[n] = kv($0, "rank0_busy") }
END {
    printf "model per_worker_heap_bytes=%.0f (np %d..%d)\n", (h[rmax] - h[rmin]) / (rmax - rmin), rmin, rmax
    printf "model per_object_heap_bytes dict=%s queue=%s lock=%s\n", obj["dict"], obj["queue"], obj["lock"]
    printf "model task_batched_us=%s (%.0f tasks/s)\n", batched, brate
    printf "model object_op_us get=%s set=%s (%.0f / %.0f ops/s)\n", o["get"], o["set"], orate["get"], orate["set"]
    printf "model waiter parked_cpu_per_s_each=%.2g heap_bytes=%s wake_join_us=%s\n", wpark / wn, wheap, wwake
    if (n >= 2) {
        for (i = 1; i <= n; i++) { sx += x[i]; sy += y[i] }
        mx = sx / n; my = sy / n
        for (i = 1; i <= n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ^ 2 }
        slope = sxx > 0 ? sxy / sxx : 0
        printf "model task_unbatched_us=%.2f poll_floor_cpu=%.3f (fit over %d runs)\n", slope * 1e6, my - slope * mx, n
    }
    # The table uses the unbatched cost (each task its own message out and
    # back, as when tasks are long) and, for short tasks, the batched one.
    cu = slope > 0 ? slope * 1e6 : 1.3
    printf "model table: share of one core the manager needs (>= 1: saturated), unbatched %.2f us/task\n", cu
    split("0.001 0.01 0.1 1 10", T, " ")
    printf "%-8s", "N \\ T"; for (j = 1; j <= 5; j++) printf " %9s", T[j] "s"; printf "\n"
    for (N = 64; N <= 16384; N *= 4) {
        printf "%-8d", N
        for (j = 1; j <= 5; j++) printf " %9.3g", N / T[j] * cu * 1e-6
        printf "\n"
    }
}' "$out"
