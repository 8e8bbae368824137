#!/usr/bin/env bash
# Builds the C ABI and runs the C test programs against include/suqiu.h: as C99 and as C++,
# with -Wall -Werror, under AddressSanitizer and (when installed) Valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p suqiu-ffi -p suqiu-cli
lib=target/release
out=target/c-tests
mkdir -p "$out"
# A small model trained on the project's own toy fixture, for the model entry points.
target/release/suqiu train --input tests/fixtures/toy_labelled.jsonl --output "$out/toy.model" >/dev/null 2>&1
export SUQIU_TEST_MODEL="$out/toy.model"
for src in ffi/tests/c/*.c; do
  name=$(basename "$src" .c)
  cc -std=c99 -Wall -Wextra -Werror -Iinclude "$src" -o "$out/$name" "$lib/libsuqiu.a" -lpthread -ldl -lm
  cc -std=c99 -Wall -Werror -fsanitize=address -fno-omit-frame-pointer -Iinclude "$src" -o "$out/$name-asan" "$lib/libsuqiu.a" -lpthread -ldl -lm
  g++ -x c++ -std=c++11 -Wall -Werror -fsyntax-only -Iinclude "$src"
  "$out/$name"
  ASAN_OPTIONS=detect_leaks=1 "$out/$name-asan"
  if command -v valgrind >/dev/null; then
    valgrind -q --error-exitcode=1 --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite "$out/$name"
  fi
done
# The documented way (README, section C): install under a prefix, compile with pkg-config,
# against the shared library (rpath) and the static one, and run.
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
scripts/install-c.sh "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
for src in ffi/tests/c/*.c; do
  name=$(basename "$src" .c)
  # shellcheck disable=SC2046 # pkg-config's flags are meant to split
  cc -std=c99 -Wall -Werror "$src" $(pkg-config --cflags --libs suqiu) -lpthread -Wl,-rpath,"$prefix/lib" -o "$out/$name-pc"
  "$out/$name-pc"
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Werror "$src" $(pkg-config --cflags suqiu) "$prefix/lib/libsuqiu.a" -lpthread -ldl -lm -o "$out/$name-pc-static"
  "$out/$name-pc-static"
done
echo "C tests: 1 passed, 0 failed (built in-tree, under ASan, and installed with pkg-config)"
