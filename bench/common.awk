# Functions the benchmark scripts' awk programs share (bench/common.sh reads
# this file into $bench_awk, to put in front of each program).

# value of key=value field `key` on the current line
function kv(key,    i, n) {
    n = length(key) + 1
    for (i = 1; i <= NF; i++)
        if (substr($i, 1, n) == key "=")
            return substr($i, n + 1)
    return ""
}
# the numbers of a space-separated list into a[1..n], ascending; returns n
function sorted(list, a,    n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    return n
}
function median(list,    a, n) {
    n = sorted(list, a)
    return n == 0 ? "" : n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# "median (min-max)" of a list, with printf format f
function mmm(list, f,    a, n) {
    n = sorted(list, a)
    if (n == 0)
        return "-"
    return sprintf(f " (" f "-" f ")", median(list), a[1], a[n])
}
# the median of a list with printf format f, or "-"
function med(list, f) {
    return list == "" ? "-" : sprintf(f, median(list))
}
