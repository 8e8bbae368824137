#!/usr/bin/env bash
# Builds the C library and installs it under PREFIX (default /usr/local):
#   PREFIX/include/suqiu.h
#   PREFIX/lib/libsuqiu.so, PREFIX/lib/libsuqiu.a
#   PREFIX/lib/pkgconfig/suqiu.pc   (from ffi/suqiu.pc.in)
# Usage: scripts/install-c.sh [PREFIX]
set -euo pipefail
prefix=${1:-/usr/local}
cd "$(dirname "$(readlink -f "$0")")/.."
cargo build --release -p suqiu-ffi
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
prefix=$(cd "$prefix" && pwd -P)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
install -m 0644 include/suqiu.h "$prefix/include/suqiu.h"
install -m 0755 target/release/libsuqiu.so "$prefix/lib/libsuqiu.so"
install -m 0644 target/release/libsuqiu.a "$prefix/lib/libsuqiu.a"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" ffi/suqiu.pc.in > "$prefix/lib/pkgconfig/suqiu.pc"
echo "installed suqiu $version under $prefix (pkg-config: PKG_CONFIG_PATH=$prefix/lib/pkgconfig)"
