#!/usr/bin/env bash
# Install the build into a fresh prefix, move it (the tree is relocatable),
# and build programs against it the ways users do: CMake's find_package from
# a C project and from a C++-only one, pkg-config with cc and c++, the
# README's example, and the static library on request; each program must
# run.  Then the installed programs, man pages and docs, and, when another
# MPI flavor is installed, that find_package refuses it at configure time.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR MPI_C_COMPILER MPI_CXX_COMPILER
# (the build's MPI wrappers: the consumers use the same MPI).
set -euo pipefail
build=$1
src=$2
mpicc=$3
mpicxx=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() {
    echo "install: $*" >&2
    failed=$((failed + 1))
}

cmake --install "$build" --prefix "$tmp/first" >/dev/null
mv "$tmp/first" "$tmp/prefix" # relocated: nothing may point into the old place
prefix=$tmp/prefix
pc=$(dirname "$(find "$prefix" -name rankpool.pc)")
libdir=$(dirname "$pc")
flavor=$(PKG_CONFIG_PATH=$pc pkg-config --variable=mpi_flavor rankpool)
echo "install: prefix $prefix, built with $flavor"

# Both libraries, the shared one with its SONAME link.
for f in librankpool.a librankpool.so; do
    [ -e "$libdir/$f" ] && ok || bad "no $f in $libdir"
done
ls "$libdir"/librankpool.so.[0-9]* >/dev/null 2>&1 && ok || bad "no librankpool.so.N"

# CMake consumers: C, and C++ only (no C compiler enabled).
mkdir -p "$tmp/c" "$tmp/cxx" "$tmp/static"
cp "$src/apps/squares.c" "$tmp/c/"
cp "$src/apps/cpp_pool.cpp" "$tmp/cxx/"
cp "$src/apps/squares.c" "$tmp/static/"
cat >"$tmp/c/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(rankpool REQUIRED)
add_executable(squares squares.c)
target_link_libraries(squares PRIVATE rankpool::rankpool)
CM
cat >"$tmp/cxx/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer LANGUAGES CXX)
find_package(rankpool REQUIRED)
add_executable(cpp_pool cpp_pool.cpp)
set_target_properties(cpp_pool PROPERTIES CXX_STANDARD 17)
target_compile_options(cpp_pool PRIVATE -Wall -Wextra -pedantic -Werror)
target_link_libraries(cpp_pool PRIVATE rankpool::rankpool)
CM
cat >"$tmp/static/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(rankpool REQUIRED)
add_executable(squares squares.c)
target_link_libraries(squares PRIVATE rankpool::rankpool_static)
CM
for d in c cxx static; do
    if cmake -S "$tmp/$d" -B "$tmp/$d/build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DMPI_C_COMPILER="$mpicc" ${mpicxx:+-DMPI_CXX_COMPILER="$mpicxx"} >"$tmp/$d.log" 2>&1 &&
        cmake --build "$tmp/$d/build" >>"$tmp/$d.log" 2>&1; then
        ok
    else
        cat "$tmp/$d.log" >&2
        bad "the $d CMake consumer did not build"
    fi
done

# pkg-config, with cc and c++; the shared library found through an rpath,
# as for any library outside the system's directories.
export PKG_CONFIG_PATH=$pc
# shellcheck disable=SC2046
cc "$src/apps/squares.c" $(pkg-config --cflags --libs rankpool) -Wl,-rpath,"$libdir" \
    -o "$tmp/pc_squares" && ok || bad "cc with pkg-config rankpool failed"
# shellcheck disable=SC2046
c++ -std=c++17 -Wall -Wextra -pedantic -Werror "$src/apps/cpp_pool.cpp" \
    $(pkg-config --cflags --libs rankpool) -Wl,-rpath,"$libdir" -o "$tmp/pc_cpp_pool" &&
    ok || bad "c++ with pkg-config rankpool failed"
# shellcheck disable=SC2046
cc "$src/apps/squares.c" $(pkg-config --cflags --libs rankpool-static) -o "$tmp/pc_static" &&
    ok || bad "cc with pkg-config rankpool-static failed"
# The README's example program, so the README stays true.
awk '/^```c/{n++; if (n == 1) {f=1; next}} /^```/{f=0} f' "$src/README.md" >"$tmp/readme.c"
# shellcheck disable=SC2046
cc "$tmp/readme.c" $(pkg-config --cflags --libs rankpool) -Wl,-rpath,"$libdir" -o "$tmp/readme" &&
    ok || bad "the README's example did not build"

# Each program runs (one rank: no mpirun needed); shared ones use the
# installed library, static ones none.
run() { # EXE EXPECTED LINKAGE [ARGS...]
    [ -x "$1" ] || return 0 # reported above
    local out
    out=$("$1" "${@:4}" 2>&1 </dev/null) || true
    if [ "$out" != "$2" ] && ! grep -q -- "$2" <<<"$out"; then
        bad "$1 printed '$out'"
    elif [ "$3" = shared ] && [ "$(realpath "$(ldd "$1" | awk '/librankpool/ {print $3}')")" != \
        "$(realpath "$libdir/librankpool.so")" ]; then
        bad "$1 does not use $libdir/librankpool.so"
    elif [ "$3" = static ] && ldd "$1" | grep -q librankpool; then
        bad "$1 uses a shared librankpool"
    else
        ok
    fi
}
run "$tmp/c/build/squares" "[1, 4, 9]" shared
run "$tmp/cxx/build/cpp_pool" "sum 55, callback got 49, 6 task calls counted: OK" shared
run "$tmp/static/build/squares" "[1, 4, 9]" static
run "$tmp/pc_squares" "[1, 4, 9]" shared
run "$tmp/pc_cpp_pool" "sum 55, callback got 49, 6 task calls counted: OK" shared
run "$tmp/pc_static" "[1, 4, 9]" static
run "$tmp/readme" "[1, 4, 9]" shared

# The installed programs (when the apps were built), their man pages, the docs.
if [ -x "$prefix/bin/rankpool-info" ]; then
    run "$prefix/bin/rankpool-info" "prefetch  *2  *default  *RP_PREFETCH" shared
    # rankpool-run: installed, linked to the installed library, and its --help runs.
    run "$prefix/bin/rankpool-run" "usage" shared --help
    for m in rankpool-info rankpool-topo rankpool-run; do
        page=$prefix/share/man/man1/$m.1
        [ -f "$page" ] && man -l "$page" 2>/dev/null | grep -q "^NAME" && ok || bad "no man page $m"
    done
    for f in README.md LICENSE CHANGELOG.md config.md examples/squares.c examples/cpp_pool.cpp; do
        [ -f "$prefix/share/doc/rankpool/$f" ] && ok || bad "no share/doc/rankpool/$f"
    done
fi

# An MPI of another flavor fails find_package at configure time.
case $flavor in
"Open MPI") other=/usr/bin/mpicc.mpich other_name=MPICH ;;
*) other=/usr/bin/mpicc.openmpi other_name="Open MPI" ;;
esac
if [ -x "$other" ]; then
    if cmake -S "$tmp/c" -B "$tmp/c/other" -DCMAKE_PREFIX_PATH="$prefix" \
        -DMPI_C_COMPILER="$other" >"$tmp/other.log" 2>&1; then
        bad "find_package(rankpool) accepted $other_name"
    elif tr -s ' \n' '  ' <"$tmp/other.log" | grep -q "built with $flavor .*this project found $other_name"; then
        ok
    else
        cat "$tmp/other.log" >&2
        bad "configuring with $other_name failed without saying why"
    fi
else
    echo "install: $other_name is not installed ($other): the MPI mismatch check is not tried"
fi
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
