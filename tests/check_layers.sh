#!/usr/bin/env bash
# The library's shape (docs/design.md, "Layers"), checked from what was built:
#   1. no object file uses a symbol defined in a layer above its own;
#   2. no circle among the object files (A uses B uses ... uses A), inside a
#      layer either;
#   3. no source or header includes a header of a layer above its own.
# Usage: check_layers.sh SRC_DIR "LAYER LAYER ..." OBJECT...
#   SRC_DIR   lib/src; a file's layer is its folder there (runtime.c: the
#             top layer, named "runtime")
#   LAYERS    the layers, bottom first
#   OBJECT    the library's object files (CMake's $<TARGET_OBJECTS:rankpool>;
#             an argument may hold several, separated by ';')
# Prints every violation and exits 1 if there is one.
set -euo pipefail
src=$1 layers=$2
shift 2
objects=()
for a in "$@"; do
    IFS=';' read -ra more <<<"$a"
    objects+=("${more[@]}")
done
[[ ${#objects[@]} -gt 0 ]] || { echo "check_layers: no object files" >&2; exit 2; }

# A file's name as the report shows it: its path under lib/src, without .o.
name_of() {
    local p=${1%.o}
    p=${p##*/src/}
    echo "$p"
}

{
    echo "LAYERS $layers"
    for o in "${objects[@]}"; do
        n=$(name_of "$o")
        # Defined: text, data, bss, read-only (global).  Used: undefined.
        nm -g "$o" | awk -v n="$n" '
            NF == 3 && $2 ~ /^[TDBRCVW]$/ { print "DEF", n, $3 }
            NF == 2 && $1 == "U" { print "USE", n, $2 }'
    done
    # Includes of the library's own headers ("..." form), by file.
    (cd "$src" && find . -name '*.[ch]' | sed 's#^\./##' | sort) | while read -r f; do
        sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src/$f" |
            while read -r inc; do echo "INC ${f%.*} $inc"; done
    done
} | awk '
function layer_of(file,    d) {
    d = file
    if (index(d, "/") == 0) return "runtime"
    sub(/\/.*/, "", d)
    return d
}
$1 == "LAYERS" { for (i = 2; i <= NF; i++) rank[$i] = i - 1; next }
$1 == "DEF" { owner[$3] = $2; files[$2] = 1; next }
$1 == "USE" { nuse++; ufile[nuse] = $2; usym[nuse] = $3; files[$2] = 1; next }
$1 == "INC" { ninc++; ifile[ninc] = $2; ihdr[ninc] = $3; next }
END {
    bad = 0
    for (f in files)
        if (!(layer_of(f) in rank)) {
            printf "%s: folder %s is not in the layer list\n", f, layer_of(f)
            bad = 1
        }
    # 1. calls upward; the edges between files, with one symbol as an example.
    for (i = 1; i <= nuse; i++) {
        a = ufile[i]; s = usym[i]
        if (!(s in owner) || owner[s] == a) continue
        b = owner[s]
        if (!((a, b) in edge)) { edge[a, b] = s; nout[a]++; out[a, nout[a]] = b }
        if (rank[layer_of(b)] > rank[layer_of(a)] && !((a, b) in told)) {
            told[a, b] = 1
            printf "upward call: %s (layer %s) uses %s of %s (layer %s)\n", a, layer_of(a), s, b,
                   layer_of(b)
            bad = 1
        }
    }
    # 2. circles: depth-first search; a file met again on the current path closes one.
    for (f in files) state[f] = 0
    for (f in files) if (state[f] == 0) visit(f)
    bad = bad || ncircles > 0
    # 3. includes upward.  A bare name is a header of the file'"'"'s own folder.
    for (i = 1; i <= ninc; i++) {
        f = ifile[i]; h = ihdr[i]
        if (h == "rankpool.h" || h ~ /^rankpool\//) continue
        hl = index(h, "/") ? layer_of(h) : layer_of(f)
        if (!(hl in rank)) {
            printf "%s includes %s: folder %s is not in the layer list\n", f, h, hl
            bad = 1
        } else if (rank[hl] > rank[layer_of(f)]) {
            printf "upward include: %s (layer %s) includes %s (layer %s)\n", f, layer_of(f), h, hl
            bad = 1
        }
    }
    exit bad
}
function visit(f,    k, g, j, path_s) {
    state[f] = 1; depth++; stack[depth] = f
    for (k = 1; k <= nout[f]; k++) {
        g = out[f, k]
        if (state[g] == 1) {
            path_s = ""
            for (j = depth; j >= 1 && stack[j] != g; j--) ;
            for (; j <= depth; j++) path_s = path_s stack[j] " -> "
            printf "circle: %s%s (%s uses %s)\n", path_s, g, f, edge[f, g]
            ncircles++
        } else if (state[g] == 0) {
            visit(g)
        }
    }
    depth--; state[f] = 2
}'
