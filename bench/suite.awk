# bench/suite.sh's summary: reads the suite's raw log (each program's
# key=value lines, prefixed with a section: "main", "dict", "sync" or
# "scale w=N"), prints the table and the goals, and writes results.csv,
# results.json, scaling.dat and ratios.dat under `out`.  Runs after
# bench/common.awk; variables: py, mpi4py, omp (each peer's status: ok,
# missing or failed), out, cores, workers.

# the measured figure of the current line, by the first field it has
function figure(    k, i, n) {
    n = split("median_tasks_per_s median_ops_per_s median_items_per_s speedup median_s median_us " \
              "p99_us tasks_per_s seconds", k, " ")
    for (i = 1; i <= n; i++)
        if (kv(k[i]) != "")
            return kv(k[i])
    return ""
}
# the median, min and max of series `key` into M, LO, HI; 0 if there is none
function stat(key,    a, n) {
    if (!(key in val))
        return 0
    M = median(val[key])
    n = sorted(lo[key], a); LO = a[1]
    n = sorted(hi[key], a); HI = a[n]
    return 1
}
function num(x) { return x == "" ? "null" : x }
function fmt(x) {
    if (x == "") return "-"
    if (x >= 1000) return sprintf("%.0f", x)
    if (x >= 10) return sprintf("%.1f", x)
    return sprintf("%.3g", x)
}
# one row of the table, the csv and the json; ratio: rankpool / this system
function emit(workload, who, value, unit, mn, mx, ratio, status) {
    printf "%-32s %-23s %10s %-8s %-19s %9s\n", workload, who,
           status == "ok" ? fmt(value) : status, unit,
           status == "ok" ? fmt(mn) "-" fmt(mx) : "", ratio == "" ? "" : sprintf("%.2f", ratio)
    printf "%s,%s,%s,%s,%s,%s,%s,%s\n", workload, who, status == "ok" ? value : "", unit,
           status == "ok" ? mn : "", status == "ok" ? mx : "", ratio, status > csv
    printf "%s\n  {\"workload\": \"%s\", \"system\": \"%s\", \"value\": %s, \"unit\": \"%s\", " \
           "\"min\": %s, \"max\": %s, \"ratio_vs_rankpool\": %s, \"status\": \"%s\"}",
           nrows++ ? "," : "", workload, who, status == "ok" ? num(value) : "null", unit,
           status == "ok" ? num(mn) : "null", status == "ok" ? num(mx) : "null", num(ratio),
           status > json
}
# rankpool's row of a workload from series `key`; remembers its median in RP
function mine(workload, key, unit) {
    RP = ""
    if (stat(key)) {
        RP = M
        emit(workload, "rankpool", M, unit, LO, HI, 1, "ok")
    } else {
        emit(workload, "rankpool", "", unit, "", "", "", "failed")
    }
}
# a peer's row from series `key`, with `status` if it did not run;
# ratio: rankpool / peer
function theirs(workload, who, key, unit, status) {
    if (status == "ok" && stat(key)) {
        RATIO[workload, who] = RP == "" || M == 0 ? "" : RP / M
        emit(workload, who, M, unit, LO, HI, RATIO[workload, who], "ok")
        return
    }
    RATIO[workload, who] = ""
    emit(workload, who, "", unit, "", "", "", status == "ok" ? "failed" : status)
}
# a goal's line; ratios.dat gets its short label, the ratio, the target and
# how far past the target it is (> 1: met, whichever way the goal points)
function goal(text, short, r, cmp, target) {
    if (r == "") {
        printf "  %-58s %10s  %s\n", text, "-", "not measured (see the table above)"
        return
    }
    met = cmp == ">=" ? r >= target : r <= target
    printf "  %-58s %10.3g  %s\n", text, r, met ? "met" : "NOT met"
    printf "\"%s\" %g %g %g\n", short, r, target, cmp == ">=" ? r / target : target / r > ratios
}

{
    if ($1 == "scale") {
        w = substr($2, 3); sys = $3; name = $4
        if (w > wmax) wmax = w
        sec = "scale" w
    } else {
        sec = $1; sys = $2; name = $3
    }
    f = figure()
    if (f == "")
        next
    key = sec SUBSEP sys SUBSEP name
    val[key] = val[key] " " f
    lo[key] = lo[key] " " (kv("min") != "" ? kv("min") : f)
    hi[key] = hi[key] " " (kv("max") != "" ? kv("max") : f)
}
$1 == "main" && $2 == "idle" && $3 == "summary" {
    idle_mgr = kv("manager_cpu_percent") / 100; idle_wrk = kv("worker_max_cpu_percent") / 100
}

END {
    csv = out "/results.csv"; json = out "/results.json"; ratios = out "/ratios.dat"
    printf "workload,system,value,unit,min,max,ratio_vs_rankpool,status\n" > csv
    printf "[" > json
    printf "" > ratios
    printf "%-32s %-23s %10s %-8s %-19s %9s\n", "workload", "system", "value", "unit", "min-max",
           "rp/system"

    # 1. trivial tasks
    w1 = "trivial apply_async one by one"
    mine(w1, "main" SUBSEP "rankpool" SUBSEP "apply_async", "tasks/s")
    theirs(w1, "farm (1 task/worker)", "main" SUBSEP "farm" SUBSEP "trivial", "tasks/s", "ok")
    theirs(w1, "python Pool.apply_async", "main" SUBSEP "python" SUBSEP "pool_apply_async", "tasks/s", py)
    theirs(w1, "mpi4py submit", "main" SUBSEP "mpi4py" SUBSEP "submit", "tasks/s", mpi4py)
    w2 = "trivial map chunksize 1"
    mine(w2, "main" SUBSEP "rankpool" SUBSEP "map_chunk1", "tasks/s")
    theirs(w2, "farm (1 task/worker)", "main" SUBSEP "farm" SUBSEP "trivial", "tasks/s", "ok")
    theirs(w2, "python Pool.map", "main" SUBSEP "python" SUBSEP "pool_map_chunk1", "tasks/s", py)
    theirs(w2, "mpi4py map", "main" SUBSEP "mpi4py" SUBSEP "map_chunk1", "tasks/s", mpi4py)
    w3 = "trivial map default chunksize"
    mine(w3, "main" SUBSEP "rankpool" SUBSEP "map_default_chunk", "tasks/s")
    theirs(w3, "farm (1 task/worker)", "main" SUBSEP "farm" SUBSEP "trivial", "tasks/s", "ok")
    theirs(w3, "python Pool.map", "main" SUBSEP "python" SUBSEP "pool_map_default", "tasks/s", py)
    theirs(w3, "mpi4py map (chunk 1)", "main" SUBSEP "mpi4py" SUBSEP "map_default", "tasks/s", mpi4py)

    # 2. uneven CPU-bound map: speedup over serial C; the farm's against rankpool's serial run
    w4 = "uneven primes map speedup"
    mine(w4, "main" SUBSEP "rankpool" SUBSEP "primes_speedup", "x serial")
    serial = stat("main" SUBSEP "rankpool" SUBSEP "primes_serial") ? M : ""
    if (serial != "" && stat("main" SUBSEP "farm" SUBSEP "primes")) {
        val["farm_speedup"] = serial / M; lo["farm_speedup"] = serial / HI
        hi["farm_speedup"] = serial / LO
    }
    theirs(w4, "farm (1 task/worker)", "farm_speedup", "x serial", "ok")
    theirs(w4, "OpenMP dynamic", "main" SUBSEP "omp" SUBSEP "primes_speedup", "x serial", omp)

    # 3. latency
    w5 = "apply round trip median"
    mine(w5, "main" SUBSEP "rankpool" SUBSEP "apply_latency", "us")
    theirs(w5, "raw MPI ping-pong 8 B", "main" SUBSEP "farm" SUBSEP "pingpong", "us", "ok")
    w6 = "apply round trip p99"
    mine(w6, "main" SUBSEP "rankpool" SUBSEP "apply_latency_p99", "us")
    theirs(w6, "raw MPI ping-pong 8 B", "main" SUBSEP "farm" SUBSEP "pingpong_p99", "us", "ok")

    # 4. dict, one client
    split("get:one_worker_get:one_client_get set:one_worker_set:one_client_set " \
          "counter:one_worker_add:one_client_counter", dk, " ")
    for (i = 1; i <= 3; i++) {
        split(dk[i], p, ":")
        wd = "dict " p[1] " 1 client"
        mine(wd, "dict" SUBSEP "rankpool" SUBSEP p[2], "ops/s")
        theirs(wd, "python Manager().dict", "dict" SUBSEP "python" SUBSEP p[3], "ops/s", py)
    }
    # 5. queues, worker -> worker, bounded
    split("8 4096", qs, " ")
    for (i = 1; i <= 2; i++) {
        wq = "queue " (qs[i] == 8 ? "8 B" : "4 KiB") " items w->w"
        q = "queue_w2w_" qs[i] "B_bounded"
        if (workers < 2) { # worker to worker needs two
            emit(wq, "rankpool", "", "items/s", "", "", "", "n/a (1 worker)")
            RATIO[wq, "python mp.Queue"] = ""
            continue
        }
        mine(wq, "sync" SUBSEP "rankpool" SUBSEP q, "items/s")
        theirs(wq, "python mp.Queue", "sync" SUBSEP "python" SUBSEP q, "items/s", py)
    }
    # 6. idle
    idle = idle_mgr > idle_wrk ? idle_mgr : idle_wrk
    emit("idle rank 0", "rankpool", idle_mgr, "CPU-s/s", idle_mgr, idle_mgr, "", "ok")
    emit("idle busiest worker", "rankpool", idle_wrk, "CPU-s/s", idle_wrk, idle_wrk, "", "ok")
    printf "\n]\n" > json
    printf "rp/system: rankpool's figure over the system's (rates: > 1 is rankpool faster; times:\n"
    printf "< 1 is rankpool faster).  mpi4py runs fewer trivial tasks: a rate per task.\n\n"

    # 7. scaling
    sf = out "/scaling.dat"
    printf "# workers map_default map_chunk1 apply_async farm_trivial rp_speedup farm_speedup " \
           "omp_speedup\n" > sf
    printf "scaling (workers: trivial map default / chunk 1 tasks/s; primes speedup rankpool / farm / OpenMP)\n"
    for (w = 1; w <= wmax; w++) {
        s = "scale" w SUBSEP
        line = w
        split("rankpool:map_default_chunk rankpool:map_chunk1 rankpool:apply_async farm:trivial " \
              "rankpool:primes_speedup", sk, " ")
        for (i = 1; i <= 5; i++) {
            split(sk[i], p, ":")
            line = line " " (stat(s p[1] SUBSEP p[2]) ? M : "?")
        }
        fs = "?"
        if (stat(s "rankpool" SUBSEP "primes_serial")) {
            ser = M
            if (stat(s "farm" SUBSEP "primes")) fs = ser / M
        }
        line = line " " fs " " (stat(s "omp" SUBSEP "primes_speedup") ? M : "?")
        print line > sf
        split(line, c, " ")
        printf "  %2d workers: %9s / %9s tasks/s; speedup %5s / %5s / %5s%s\n", w, fmt(c[2]),
               fmt(c[3]), fmt(c[6]), fmt(c[7]), fmt(c[8]), (w > cores ? "  (more workers than cores)" : "")
    }
    printf "\n"

    printf "goals (%d workers)%59s\n", workers, "ratio"
    goal("apply_async vs farm (>= 1.5x)", "apply_async/farm", RATIO[w1, "farm (1 task/worker)"], ">=", 1.5)
    goal("apply_async vs Python Pool.apply_async (>= 10x)", "apply_async/Python", RATIO[w1, "python Pool.apply_async"],
         ">=", 10)
    goal("map chunksize 1 vs farm (>= 2x)", "map1/farm", RATIO[w2, "farm (1 task/worker)"], ">=", 2)
    goal("map default vs Python Pool.map default (>= 3x)", "map/Python", RATIO[w3, "python Pool.map"], ">=", 3)
    goal("uneven map speedup / OpenMP's (>= 0.97)", "speedup/OpenMP", RATIO[w4, "OpenMP dynamic"], ">=", 0.97)
    goal("apply median latency / raw round trip (<= 2x)", "latency/raw", RATIO[w5, "raw MPI ping-pong 8 B"], "<=",
         2)
    goal("apply p99 latency / raw p99 (<= 5x)", "p99/raw", RATIO[w6, "raw MPI ping-pong 8 B"], "<=", 5)
    goal("queue 8 B w->w vs mp.Queue (>= 5x)", "queue 8B/Python", RATIO["queue 8 B items w->w", "python mp.Queue"],
         ">=", 5)
    goal("queue 4 KiB w->w vs mp.Queue (>= 3x)", "queue 4KiB/Python",
         RATIO["queue 4 KiB items w->w", "python mp.Queue"], ">=", 3)
    goal("dict get from a task vs Manager().dict (>= 60x)", "dict get/Python",
         RATIO["dict get 1 client", "python Manager().dict"], ">=", 60)
    goal("dict set from a task vs Manager().dict (>= 60x)", "dict set/Python",
         RATIO["dict set 1 client", "python Manager().dict"], ">=", 60)
    goal("idle rank, CPU-s per s, worst rank (<= 0.01)", "idle CPU-s/s", idle, "<=", 0.01)
    printf "peers: python %s, mpi4py %s, OpenMP %s\n", py, mpi4py, omp
}
