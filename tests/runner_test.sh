#!/bin/bash
# rankpool-run, end to end under mpiexec.  One scenario per call:
#
#   runner_test.sh MODE RANKPOOL_RUN MPIEXEC [MPIEXEC_FLAGS...]
#
# compare:  the same job lists through `rankpool-run -k` and GNU parallel's
#           `parallel -k`: stdout and stderr the same, byte for byte, for
#           each replacement string, ::: combinations, :::: and -a files,
#           standard input, --colsep, --tag, quoting, --dry-run, --results
# joblog:   a run stopped by SIGTERM, then --resume runs only what is left
#           and --resume-failed what failed; retries; --halt
# timeout:  --timeout kills the job's whole process group, nothing is left
# recovery: a worker killed with SIGKILL mid-run under --enable-recovery:
#           every job's output comes once, the lost worker's jobs reran
# badinput: each bad input ends with a clear message and exit status 2
set -u
mode=$1 run=$2 mpiexec=$3
shift 3
flags=("$@")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
export PARALLEL_SHELL=/bin/sh # both runners use the same shell
failures=0

fail() {
    echo "FAIL ($mode): $*"
    failures=$((failures + 1))
}

# ours NP ARGS...: rankpool-run under mpiexec -n NP; stdout to out, stderr to err.
ours() {
    local np=$1
    shift
    "$mpiexec" -n "$np" "${flags[@]}" "$run" "$@" >out 2>err
}

# compare NAME ARGS...: the same arguments (and standard input, from the
# file stdin if there is one) through both; outputs must be equal.  NP:
# ranks for rankpool-run (default 3: two workers).
compare() {
    local name=$1
    shift
    local in=/dev/null
    [ -f stdin ] && in=stdin
    "$mpiexec" -n "${NP:-3}" "${flags[@]}" "$run" -k "$@" <"$in" >ours.out 2>ours.err
    local s1=$?
    parallel --will-cite -k "$@" <"$in" >gnu.out 2>gnu.err
    local s2=$?
    # mpiexec's own report of a non-zero exit status (between lines of dashes)
    sed -i '/^-\{60,\}$/,/^-\{60,\}$/d' ours.err
    if ! cmp -s ours.out gnu.out; then
        fail "$name: stdout differs"
        diff ours.out gnu.out | head -20
    elif ! cmp -s ours.err gnu.err; then
        fail "$name: stderr differs"
        diff ours.err gnu.err | head -20
    elif [ $s1 -ne $s2 ]; then
        fail "$name: exit status $s1, GNU parallel's $s2"
    else
        echo "ok: $name ($(wc -l <gnu.out) lines)"
    fi
    rm -f stdin
}

case $mode in
compare)
    if ! command -v parallel >/dev/null; then
        echo "SKIP: GNU parallel is not installed (scripts/setup-debian.sh installs it)"
        exit 77
    fi
    paths=(dir/sub/file.tar.gz plain .hidden /abs/x.y a.b/c "with space.txt" "q'uote.x")
    compare "{}" echo {} ::: "${paths[@]}"
    compare "{.}" echo {.} ::: "${paths[@]}"
    compare "{/}" echo {/} ::: "${paths[@]}"
    compare "{//}" echo {//} ::: "${paths[@]}"
    compare "{/.}" echo {/.} ::: "${paths[@]}"
    compare "{#}" echo {#} ::: "${paths[@]}"
    NP=2 compare "{%} (one worker, one slot)" -j1 echo {%} {#} ::: a b c
    compare "no replacement string: appended" echo x ::: 'a b' 'c;d' "e'f" 'g$h' ''
    compare "::: combinations" echo ::: 1 2 3 ::: a b ::: X Y
    compare "{1} {2} {3} and their forms" echo {3}-{1.}-{2/} ::: a.x b.y ::: d/e f/g ::: 1 2
    compare ":::+ linked" echo {1}{2} ::: a b c :::+ 1 2 3 ::: x y
    compare "{} of several sources" echo {} {.} ::: a.1 b.2 ::: c.3
    printf 'f1\nf2\n' >list1
    printf 'g1\ng2\ng3\n' >list2
    compare ":::: files" echo {2}:{1} :::: list1 list2
    compare "-a file" -a list2 echo
    printf 'l1 with  spaces\nl2\n\nl4\n' >stdin
    compare "standard input" echo '<{}>'
    printf 'a\tb c\td\n1\t2\t3\n' >stdin
    compare "--colsep" --colsep '\t' echo {3} {1}
    compare "--colsep, appended" --colsep ' ' echo ::: 'x y z' 'p q'
    compare "--tag" --tag 'echo out {}; echo err {} >&2; printf noeol' ::: a b
    compare "stdout and stderr kept whole" 'for i in 1 2 3; do echo {}$i; echo e{}$i >&2; done' ::: a b c d
    compare "commands from the input" ::: 'echo one' 'echo two; echo three'
    compare "exit status: failed jobs counted" 'echo {}; exit {}' ::: 0 1 0 2
    compare "--dry-run" --dry-run echo {} {/.} ::: 'a b/c.d' "x'y" plain
    compare "--line-buffer" --line-buffer 'echo {}; sleep 0.2; echo {} end' ::: a b c
    seq 1 200 >stdin
    compare "200 jobs from standard input" echo n
    # --results: the same tree of files.
    "$mpiexec" -n 3 "${flags[@]}" "$run" --results ours-res echo {} ::: a b ::: c d >/dev/null 2>&1
    parallel --will-cite --results gnu-res echo {} ::: a b ::: c d >/dev/null 2>&1
    if diff -r ours-res gnu-res >/dev/null; then
        echo "ok: --results"
    else
        fail "--results: the trees differ"
        diff -r ours-res gnu-res | head
    fi
    ;;
joblog)
    # A run stopped by SIGTERM (to mpiexec, as Ctrl-C would) while jobs 5..8 sleep.
    long="sleep 30.$$"
    "$mpiexec" -n 3 "${flags[@]}" "$run" -j1 --joblog log "echo {}; [ {} -ge 5 ] && $long; [ {} -ne 3 ]" \
        ::: 1 2 3 4 5 6 7 8 >first.out 2>&1 &
    job=$!
    for _ in $(seq 300); do
        [ "$(grep -c "^[1-4]	" log 2>/dev/null)" = 4 ] && break
        sleep 0.1
    done
    sleep 0.5
    kill -TERM $job
    wait $job
    [ "$(tail -n +2 log | cut -f1 | sort -n | paste -sd,)" = 1,2,3,4 ] ||
        fail "the stopped run's log: $(tail -n +2 log | cut -f1 | paste -sd,), not 1,2,3,4"
    sleep 0.5
    pgrep -f "$long" >/dev/null && fail "a job of the stopped run is still running"
    # --resume: only 5..8 run now, the log gets them.
    ours 3 -k --joblog log --resume 'echo {}; [ {} -ne 3 ]' ::: 1 2 3 4 5 6 7 8
    [ "$(cat out | paste -sd,)" = 5,6,7,8 ] || fail "--resume ran: $(paste -sd, out)"
    [ "$(tail -n +2 log | cut -f1 | sort -n | paste -sd,)" = 1,2,3,4,5,6,7,8 ] ||
        fail "the log after --resume: $(tail -n +2 log | cut -f1 | paste -sd,)"
    # --resume-failed: job 3 failed; it runs again (and now succeeds).
    ours 3 -k --joblog log --resume-failed 'echo again {}' ::: 1 2 3 4 5 6 7 8
    [ "$(cat out)" = "again 3" ] || fail "--resume-failed ran: $(paste -sd, out)"
    [ "$(tail -n 1 log | cut -f1,7)" = "3	0" ] || fail "the log's last line: $(tail -n 1 log)"
    [ "$(head -1 log)" = "Seq	Host	Starttime	JobRuntime	Send	Receive	Exitval	Signal	Command" ] ||
        fail "the log's header: $(head -1 log)"
    # --retries 3: each job fails twice, then succeeds; the output is the last try's.
    ours 3 -k --retries 3 'n=$(cat c{} 2>/dev/null || echo 0); n=$((n+1)); echo $n >c{}; echo {} try $n; [ $n -ge 3 ]' ::: a b c
    [ $? -eq 0 ] || fail "--retries: exit status not 0"
    [ "$(paste -sd, out)" = "a try 3,b try 3,c try 3" ] || fail "--retries: $(paste -sd, out)"
    # --retries 2 for a job that always fails: two tries, exit status 1.
    ours 3 --retries 2 'echo x >>tries; exit 4' ::: once
    s=$?
    [ $s -eq 1 ] && [ "$(wc -l <tries)" -eq 2 ] || fail "--retries 2: status $s, $(wc -l <tries) tries"
    # --halt now,fail=1: the failing job's status; the long jobs are killed, not waited for.
    t0=$(date +%s)
    ours 3 -j1 --halt now,fail=1 'sleep {}; exit 3' ::: 0.2 20 20 20 20
    s=$?
    [ $s -eq 3 ] || fail "--halt now,fail=1: exit status $s, not 3"
    [ $(($(date +%s) - t0)) -lt 15 ] || fail "--halt now waited for the long jobs"
    # --halt soon,fail=1: the running jobs finish, no new one starts.
    ours 3 -j1 -k --halt soon,fail=1 'sleep 0.3; echo {}; exit {}' ::: 0 5 0 0 0 0 0 0 0 0
    s=$?
    [ $s -eq 5 ] && [ "$(wc -l <out)" -lt 10 ] ||
        fail "--halt soon,fail=1: status $s, $(wc -l <out) jobs ran"
    # --env and --wd.
    mkdir -p wd
    RR_TEST_VALUE=from-rank-0 ours 3 --env RR_TEST_VALUE --wd wd 'echo $RR_TEST_VALUE; pwd' ::: 1
    [ "$(head -1 out)" = from-rank-0 ] && [ "$(tail -1 out)" = "$dir/wd" ] ||
        fail "--env/--wd: $(paste -sd, out)"
    # --delay: the starts are spaced.
    ours 3 --delay 0.3 --joblog dlog true ::: 1 2 3
    span=$(tail -n +2 dlog | cut -f3 | sort -n | awk 'NR==1{a=$1} {b=$1} END{print b-a}')
    awk "BEGIN{exit !($span >= 0.55)}" || fail "--delay 0.3: 3 starts within $span s"
    # --shuf: all jobs, once each.
    ours 3 --shuf echo ::: $(seq 1 20)
    [ "$(sort -n out | paste -sd,)" = "$(seq 1 20 | paste -sd,)" ] || fail "--shuf: $(paste -sd, out)"
    # -j 2: two slots on each of the two workers, {%} from 1 to 4.
    ours 3 -j 2 -k 'sleep 0.2; echo {%}' ::: 1 2 3 4 5 6 7 8
    [ "$(sort -u out | paste -sd,)" = 1,2,3,4 ] || fail "-j 2: slots $(sort -u out | paste -sd,)"
    # Without mpiexec: one process runs the jobs itself.
    "$run" -k echo single ::: 1 2 >out 2>err
    [ "$(paste -sd, out)" = "single 1,single 2" ] || fail "without mpiexec: $(paste -sd, out)"
    ;;
timeout)
    # The job starts a background child in its own group and waits: both die.
    tagval=$RANDOM$$
    ours 3 --timeout 1 --joblog log "sleep 1$tagval & sleep 2$tagval; wait" ::: 1
    s=$?
    [ $s -eq 1 ] || fail "exit status $s, not 1"
    grep -q "killed because it timed out" err || fail "no timeout warning"
    [ "$(tail -1 log | cut -f7,8)" = "-1	15" ] || fail "the log's Exitval/Signal: $(tail -1 log | cut -f7,8)"
    sleep 0.5
    if pgrep -f "sleep [12]$tagval" >/dev/null; then
        fail "a child of the timed-out job is still running"
        ps -ef | grep "[s]leep [12]$tagval"
    fi
    # A job that ignores SIGTERM is killed too.
    ours 3 --timeout 0.5 "trap '' TERM; sleep 3$tagval" ::: 1
    sleep 0.5
    pgrep -f "sleep 3$tagval" >/dev/null && fail "a job that ignores SIGTERM survived"
    ;;
recovery)
    # 16 jobs of 0.4 s on 3 workers; one worker rank is killed after the first outputs.
    tag="rr$$x$RANDOM"
    RR_RUN_TAG=$tag "$mpiexec" -n 4 --enable-recovery "${flags[@]}" "$run" --eta -j1 \
        'sleep 0.4; echo job {}' ::: $(seq 1 16) >out 2>err &
    job=$!
    for _ in $(seq 300); do
        [ -s out ] && break
        sleep 0.1
    done
    victim=""
    for p in $(grep -lsz "^RR_RUN_TAG=$tag\$" /proc/[0-9]*/environ | sed 's|/proc/\([0-9]*\)/.*|\1|'); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=2$' &&
            [ "$(cat /proc/$p/comm)" = rankpool-run ]; then
            victim=$p
        fi
    done
    [ -n "$victim" ] || fail "no worker rank 2 found"
    [ -n "$victim" ] && kill -KILL "$victim"
    for _ in $(seq 600); do
        kill -0 $job 2>/dev/null || break
        sleep 0.1
    done
    kill -0 $job 2>/dev/null && { kill -KILL $job; fail "the run did not end"; }
    wait $job
    [ "$(sort -n -k2 out | uniq | wc -l)" -eq 16 ] && [ "$(wc -l <out)" -eq 16 ] ||
        fail "$(wc -l <out) outputs, $(sort -u out | wc -l) distinct, not 16"
    grep -q "16 jobs: 16 succeeded, 0 failed, [1-9][0-9]* rerun after a lost worker" err ||
        fail "the summary: $(grep 'jobs:' err)"
    grep -q "lost" err || fail "no word of the lost worker"
    ;;
badinput)
    # Under mpiexec once; then as one process (the same parsing, without
    # mpiexec's second of abort report per case).
    expect2() {
        local what=$1 pattern=$2
        shift 2
        if [ "$what" = "an unknown option" ]; then
            "$mpiexec" -n 2 "${flags[@]}" "$run" "$@" </dev/null >out 2>err
        else
            "$run" "$@" </dev/null >out 2>err
        fi
        local s=$?
        if [ $s -ne 2 ]; then
            fail "$what: exit status $s, not 2"
        elif ! grep -q -- "$pattern" err; then
            fail "$what: no '$pattern' in: $(head -3 err)"
        else
            echo "ok: $what"
        fi
    }
    expect2 "an unknown option" "unknown option '--no-such-option'" --no-such-option echo ::: a
    expect2 "an option without its value" "option '--timeout' needs a value" --timeout
    expect2 "a bad value" "bad timeout 'soon'" --timeout soon echo ::: a
    expect2 "a bad --halt" "bad --halt" --halt sometimes echo ::: a
    expect2 "an empty input (standard input)" "no input" echo
    expect2 "an empty input (:::)" "no input" echo :::
    expect2 "an unreadable file" "cannot read 'no-such-file'" -a no-such-file echo
    expect2 "an unreadable :::: file" "cannot read 'no-such-file'" echo :::: no-such-file
    printf 'Seq\tHost\n1\tbroken\n' >bad.log
    expect2 "a malformed joblog" "line 1: not a joblog line" --joblog bad.log --resume echo ::: a
    printf 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\nx\t:\t1\t1\t0\t0\t0\t0\techo\n' >bad.log
    expect2 "a joblog line without a number" "line 2: not a joblog line" --joblog bad.log --resume echo ::: a
    expect2 "--resume without --joblog" "needs --joblog" --resume echo ::: a
    ;;
*)
    echo "unknown mode $mode"
    exit 2
    ;;
esac
[ $failures -eq 0 ] && echo "runner_test $mode: OK"
exit $((failures > 0))
