#!/usr/bin/env bash
# rankpool-run beside GNU parallel and the floor of a command runner, in one run:
#
#   bench/runner.sh [BUILD_DIR] [--quick]
#
# Jobs per second for `true` (JOBS of them, default 2000) and for
# `sleep 0.01` (SLEEP_JOBS, default 400), start-up included: rankpool-run at
# NP ranks (default 3: two workers, one job slot each), GNU parallel with -j
# as many slots, and bench/spawn_floor (posix_spawn + waitpid in a loop, on
# one core; for sleep, one loop per slot at once).  REPS rounds (default 3),
# the systems alternating within each; prints each round, then medians
# (min-max) and the ratios:
#   rankpool-run / parallel   jobs per second (goal >= 3 for `true`)
#   cost / floor              rankpool-run's wall time per job times its
#                             slots, over the floor's time per job on one
#                             core (goal <= 1.5 for `true`); once with its
#                             start-up (mpirun and init, a run of one job:
#                             start_s) in the wall time, once without
set -euo pipefail
source "$(dirname "$0")/common.sh"
build=build quick=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    *) build=$a ;;
    esac
done
np=${NP:-3} reps=${REPS:-3} jobs=${JOBS:-2000} sjobs=${SLEEP_JOBS:-400}
if ((quick)); then
    reps=1 jobs=200 sjobs=40
fi
slots=$((np - 1))
run=$build/apps/rankpool-run floor=$build/bench/spawn_floor
bench_require "$build" "$run" "$floor"
have_gnu=0
command -v parallel >/dev/null && have_gnu=1
((have_gnu)) || echo "GNU parallel: missing (scripts/setup-debian.sh installs it); its column stays empty"

now() { date +%s.%N; }
# secs CMD...: wall seconds of CMD, its output dropped; fails if CMD does.
secs() {
    local t0
    t0=$(now)
    "$@" >/dev/null 2>&1 || { echo "runner.sh: failed: $*" >&2; exit 1; }
    printf '%.6f\n' "$(echo "$(now) - $t0" | bc -l)"
}
# N jobs, each COMMAND with the argument 0.01 appended (sleep's duration).
rr() { seq "$1" | sed "s/.*/0.01/" | bench_mpirun "$np" "$run" -j1 "${@:2}"; }
gnu() { seq "$1" | sed "s/.*/0.01/" | parallel --will-cite -j "$slots" "${@:2}"; }
# The floor for sleep: one spawn loop per slot, at once.
floors() {
    local n=$1 i
    shift
    for ((i = 0; i < slots; i++)); do
        "$floor" $((n / slots)) "$@" >/dev/null &
    done
    wait
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 1; r <= reps; r++)); do
    t_start=$(secs rr 1 true)
    t_rr=$(secs rr "$jobs" true)
    t_gnu=-1
    ((have_gnu)) && t_gnu=$(secs gnu "$jobs" true)
    f=$("$floor" "$jobs" true)
    t_floor=$(echo "$f" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
    s_rr=$(secs rr "$sjobs" sleep)
    s_gnu=-1
    ((have_gnu)) && s_gnu=$(secs gnu "$sjobs" sleep)
    s_floor=$(secs floors "$sjobs" sleep 0.01)
    echo "round=$r start_s=$t_start true_jobs=$jobs rr_s=$t_rr gnu_s=$t_gnu floor_s=$t_floor" \
        "sleep_jobs=$sjobs rr_sleep_s=$s_rr gnu_sleep_s=$s_gnu floor_sleep_s=$s_floor" | tee -a "$out"
done
awk -v slots="$slots" -v np="$np" "$bench_awk"'
function rate(n, s) { return s + 0 > 0 ? n / s : "" }
{
    n = kv("true_jobs"); m = kv("sleep_jobs")
    rr = rr " " rate(n, kv("rr_s")); fl = fl " " rate(n, kv("floor_s"))
    cost = cost " " (kv("rr_s") * slots / n) / (kv("floor_s") / n)
    run = run " " ((kv("rr_s") - kv("start_s")) * slots / n) / (kv("floor_s") / n)
    st = st " " kv("start_s")
    srr = srr " " rate(m, kv("rr_sleep_s")); sfl = sfl " " rate(m, kv("floor_sleep_s"))
    if (kv("gnu_s") + 0 > 0) {
        gnu = gnu " " rate(n, kv("gnu_s")); ratio = ratio " " kv("gnu_s") / kv("rr_s")
        sgnu = sgnu " " rate(m, kv("gnu_sleep_s")); sratio = sratio " " kv("gnu_sleep_s") / kv("rr_sleep_s")
    }
    per_rr = per_rr " " kv("rr_s") * 1000 / n; per_fl = per_fl " " kv("floor_s") * 1000 / n
}
END {
    printf "\nNP=%d (%d workers, one slot each), medians of %d (min-max), start-up included\n", np, slots, NR
    printf "%-34s %s\n", "true, rankpool-run jobs/s", mmm(rr, "%.0f")
    printf "%-34s %s\n", "true, GNU parallel -j " slots " jobs/s", gnu == "" ? "missing" : mmm(gnu, "%.0f")
    printf "%-34s %s\n", "true, floor (one core) jobs/s", mmm(fl, "%.0f")
    printf "%-34s %s\n", "true, rankpool-run ms/job (wall)", mmm(per_rr, "%.3f")
    printf "%-34s %s\n", "true, floor ms/job", mmm(per_fl, "%.3f")
    printf "%-34s %s\n", "sleep 0.01, rankpool-run jobs/s", mmm(srr, "%.0f")
    printf "%-34s %s\n", "sleep 0.01, GNU parallel jobs/s", sgnu == "" ? "missing" : mmm(sgnu, "%.0f")
    printf "%-34s %s\n", "sleep 0.01, floor (" slots " loops) jobs/s", mmm(sfl, "%.0f")
    printf "ratio rankpool-run/parallel, true:  %s (goal >= 3)\n", ratio == "" ? "-" : mmm(ratio, "%.2f")
    printf "ratio rankpool-run/parallel, sleep: %s\n", sratio == "" ? "-" : mmm(sratio, "%.2f")
    printf "%-34s %s\n", "start-up (one job), s", mmm(st, "%.2f")
    printf "ratio cost/floor, true:             %s (goal <= 1.5; cost = wall per job x %d slots)\n", mmm(cost, "%.2f"), slots
    printf "ratio cost/floor, true, start-up out: %s\n", mmm(run, "%.2f")
}' "$out"
