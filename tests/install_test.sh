#!/usr/bin/env bash
# Install the built library into a temporary prefix and build programs
# against it the two ways users do, CMake's find_package and pkg-config, plus
# the README's example.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
mkdir "$tmp/cm"
cp "$src/apps/squares.c" "$tmp/cm/"
cat > "$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(rankpool REQUIRED)
add_executable(squares squares.c)
target_link_libraries(squares PRIVATE rankpool::rankpool)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm/build" >/dev/null

pc=$(dirname "$(find "$tmp/prefix" -name rankpool.pc)")
# shellcheck disable=SC2046
cc "$src/apps/squares.c" $(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs rankpool) -o "$tmp/pc_squares"

# The README's example program, so the README stays true.
awk '/^```c/{n++; if (n == 1) {f=1; next}} /^```/{f=0} f' "$src/README.md" > "$tmp/readme.c"
# shellcheck disable=SC2046
cc "$tmp/readme.c" $(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs rankpool) -o "$tmp/readme"

passed=0 failed=0
for exe in "$tmp/cm/build/squares" "$tmp/pc_squares" "$tmp/readme"; do
    out=$("$exe")
    if [ "$out" = "[1, 4, 9]" ]; then
        passed=$((passed + 1))
    else
        echo "install: $exe printed '$out'" >&2
        failed=$((failed + 1))
    fi
done
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
