#!/bin/bash
# Drive one hardening scenario of tests/test_recovery.c and check how the job
# ends: exit status, output, time, and that no process of it is left.
#
#   recovery_test.sh MODE TEST_BINARY MPIEXEC [MPIEXEC_FLAGS...]
#
# MODE: kill_recovery, poison, kill_default, hang, sigint_mpirun, sigterm_rank0,
# second_signal, lease_flood, server_lost.  The job's processes carry RP_RECOVERY_TAG in their
# environment, so leftovers are found even when other tests run at once.
set -u
mode=$1 bin=$2 mpiexec=$3
shift 3
flags=("$@")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
tag="rt$$x$RANDOM"

fail() {
    echo "FAIL ($mode): $*"
    echo "--- job output:"
    cat "$out"
    exit 1
}

# Processes of this job still alive (mpirun and the ranks).
job_pids() {
    grep -lsz "^RP_RECOVERY_TAG=$tag\$" /proc/[0-9]*/environ 2>/dev/null |
        sed 's|/proc/\([0-9]*\)/environ|\1|' || true
}

# Nothing of the job may be left 5 s after mpirun ended.
check_leftovers() {
    for _ in $(seq 50); do
        [ -z "$(job_pids)" ] && return 0
        sleep 0.1
    done
    ps -o pid,ppid,stat,etime,cmd -p "$(job_pids | paste -sd,)"
    fail "processes left behind"
}

# Start the job in the background; $job is mpirun's pid.
start() {
    local np=$1
    shift
    RP_RECOVERY_TAG=$tag "$mpiexec" -n "$np" "${flags[@]}" "$@" >"$out" 2>&1 &
    job=$!
    t0=$(date +%s.%N)
}

# Wait for a line matching $1 in the output (up to 60 s).
wait_for() {
    for _ in $(seq 600); do
        grep -q -- "$1" "$out" && return 0
        kill -0 "$job" 2>/dev/null || fail "job ended before '$1'"
        sleep 0.1
    done
    fail "no '$1' within 60 s"
}

# Wait for the job (at most $1 s); sets $status and $took.
finish() {
    local limit=$1
    for _ in $(seq $((limit * 10))); do
        kill -0 "$job" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$job" 2>/dev/null; then
        kill -KILL "$job"
        wait "$job"
        fail "job still running after $limit s"
    fi
    wait "$job"
    status=$?
    took=$(echo "$(date +%s.%N) - $t0" | bc)
}

expect() {
    grep -Eq -- "$1" "$out" || fail "no '$1' in the output"
}

rank0_pid() {
    sed -n 's/^rank 0 pid \([0-9]*\)$/\1/p' "$out" | head -1
}

case $mode in
kill_recovery)
    # mpirun's status says nothing here: rank 0 asks it to end the job,
    # which lost a rank (docs/recovery.md); the output tells the outcome.
    start 4 --enable-recovery "$bin" kill 10000
    finish 90
    expect "asking mpi[a-z]* \\(pid [0-9]+\\) to end the job"
    expect "every result exactly once"
    expect "worker rank 2 \\(pid [0-9]+\\) lost"
    expect "new pool without the lost worker: 3000 results correct"
    expect "the process on rank 2 ended with it: exit code -9"
    expect "new processes avoid the lost rank"
    expect "finishing without worker rank\\(s\\) 2 \\(lost\\)"
    grep "recovery:" "$out"
    ;;
poison)
    # A task that segfaults costs one worker per map (not all of them), and
    # fails alone with RP_ELOST; nothing speaks of terminate.
    start 4 --enable-recovery "$bin" poison
    finish 90
    expect "map, chunks of 1: RP_ELOST \\(.*item 50 killed its worker with SIGSEGV"
    expect "map, chunks of 10: RP_ELOST \\(.*item 50 killed its worker with SIGSEGV"
    expect "item 50 failed alone with RP_ELOST, one worker lost each time; the pool went on"
    expect "finishing without worker rank\\(s\\) [0-9] \\(lost\\), [0-9] \\(lost\\)"
    ! grep -qi "terminate" "$out" || fail "a loss described as terminate"
    ;;
lease_flood)
    # Strangers stream into the lease listener (silent, garbage, closing)
    # while a worker is killed: the loss is seen at once all the same, and
    # the strangers are turned away, logged once.
    start 3 --enable-recovery "$bin" flood
    finish 90
    expect "flood: worker rank 2 lost, seen [0-9]+ ms after the kill"
    expect "the pool after the loss: 200 results correct"
    [ "$(grep -c "lease listener: turned away a connection" "$out")" = 1 ] ||
        fail "turned-away connections not logged exactly once"
    expect "connections turned away in all"
    grep "flood:" "$out"
    ;;
server_lost)
    # A server rank (docs/scale.md) is killed: its objects are reported
    # lost, by name, to rank 0 and to the tasks; nothing is made anew; the
    # worker it fed is cut off, the other goes on.
    start 5 --enable-recovery "$bin" server
    finish 90
    expect "server rank 1 \\(pid [0-9]+\\) lost"
    expect "worker rank 3 is cut off with its server rank 1"
    expect "the task waiting in the server's queue: RP_ELOST"
    expect "rank 0's dict get: RP_ELOST \\(server rank 1 was lost"
    expect "a task's dict open: RP_ELOST"
    expect "a new named dict: RP_ELOST"
    expect "the pool after the server's loss: 300 results correct"
    expect "server lost: every call on its objects failed with RP_ELOST"
    ;;
kill_default)
    start 4 "$bin" kill 10000
    finish 60
    [ "$status" != 0 ] || fail "exit status 0 after a worker was killed"
    grep -Eq "worker rank 2 \(pid [0-9]+\) lost|rank 2 with PID [0-9]+ .*exited on signal 9" "$out" ||
        fail "nothing names rank 2 as dead"
    ;;
hang)
    start 3 "$bin" hang
    finish 30
    [ "$status" = 1 ] || fail "exit status $status, want 1"
    expect "get and join with a timeout returned RP_ETIMEDOUT"
    expect "still runs a task at shutdown; giving up on it"
    expect "ending the job with status 1"
    ;;
sigint_mpirun)
    start 3 "$bin" signal
    wait_for "^ready"
    kill -INT "$job"
    finish 30
    [ "$status" != 0 ] || fail "exit status 0 after SIGINT"
    expect "stopping the pools"
    expect "outcome RP_E(INTR|CANCELED), signal 15"
    expect "apply after the stop: RP_EINTR"
    ;;
sigterm_rank0)
    start 3 "$bin" signal
    wait_for "^ready"
    kill -TERM "$(rank0_pid)"
    finish 30
    [ "$status" = 143 ] || fail "exit status $status, want 143 (128 + SIGTERM)"
    expect "stopping the pools"
    expect "outcome RP_E(INTR|CANCELED), signal 15"
    expect "apply after the stop: RP_EINTR"
    ;;
second_signal)
    start 3 "$bin" stubborn
    wait_for "^ready"
    pid=$(rank0_pid)
    kill -INT "$pid"
    wait_for "ignoring the stop"
    kill -INT "$pid"
    finish 30
    [ "$status" != 0 ] || fail "exit status 0 after two signals"
    expect "outcome RP_E(INTR|CANCELED), signal 2"
    ;;
*)
    fail "unknown mode"
    ;;
esac
check_leftovers
echo "$mode: exit status $status after $took s; nothing left behind"
