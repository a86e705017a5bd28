#!/bin/sh
# Run a program, then look at the process table: no process of that run may
# be left (a daemon not ended, an orphan, a zombie nobody reaped), and the
# pids it printed ("pid N") must be gone.  The run's processes are told
# apart from other tests' by a mark in their environment, which mpirun
# passes to the ranks and a fork to its children.
#
#   process_table.sh [--may-fail] PROGRAM-PATH -- COMMAND...
#
# Passes the command's output through; exit 1 if anything is left, or if
# the command failed (unless --may-fail: a test whose main dies on purpose).
may_fail=0
if [ "$1" = --may-fail ]; then may_fail=1; shift; fi
prog=$(basename "$1"); shift
[ "$1" = -- ] && shift
mark="$$.$(date +%s%N)"
out=$(RP_TABLE_MARK=$mark "$@" 2>&1); rc=$?
printf '%s\n' "$out"
if [ $rc -ne 0 ] && [ $may_fail -eq 0 ]; then
    echo "process_table: the command failed ($rc)"; exit 1
fi
comm=$(printf '%.15s' "$prog")
printed=$(printf '%s\n' "$out" | grep -o 'pid [0-9][0-9]*' | cut -d' ' -f2)
# mpirun's own processes end a moment after the command returns.
for i in 1 2 3 4 5 6 7 8 9 10; do
    left=""
    for d in /proc/[0-9]*; do
        p=${d#/proc/}
        [ "$p" = $$ ] && continue
        if { tr "\0" "\n" < "$d/environ"; } 2>/dev/null | grep -qx "RP_TABLE_MARK=$mark"; then
            left="$left
$(ps -o pid=,ppid=,stat=,comm= -p "$p")"
        fi
    done
    for p in $printed; do
        [ -r /proc/"$p"/stat ] && [ "$(cut -d' ' -f2 /proc/"$p"/stat)" = "($comm)" ] &&
            left="$left
pid $p still there"
    done
    [ -z "$left" ] && break
    sleep 0.5
done
if [ -n "$left" ]; then
    echo "process_table: left behind:$left"; exit 1
fi
echo "process_table: nothing left"
