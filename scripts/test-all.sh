#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, integration, doc), and — once the bindings
# exist — the C programs against include/suqiu.h and pytest against the built wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release
# The benchmarks must keep compiling.
cargo bench --no-run -p suqiu-benches
if [ -x scripts/test-c.sh ]; then scripts/test-c.sh; fi
if [ -x scripts/test-python.sh ]; then scripts/test-python.sh; fi
# Every example of README.md and docs/ (needs the wheel built by test-python.sh).
scripts/test-docs.sh
