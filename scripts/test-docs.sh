#!/usr/bin/env bash
# Runs every code example of README.md and docs/*.md (scripts/run-doc-examples.py): the shell
# and CLI examples with target/release/suqiu, the C example compiled with the documented
# lines, the Python examples in a fresh virtual environment that holds only what
# `pip install ./python` installs (the wheel and its declared dependencies), and the ones that
# need the extras in the test venv of scripts/test-python.sh. Rust examples are doc tests
# (core/src/lib.rs), run by `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cargo build --release -p suqiu-cli -p suqiu-ffi
wheel=$(ls "$root"/target/wheels/suqiu-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
  echo "no wheel in target/wheels: run scripts/test-python.sh first" >&2
  exit 1
fi
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
python3 -m venv "$fresh/venv"
"$fresh/venv/bin/pip" install -q "$wheel"
args=(--python "$fresh/venv/bin/python")
if [ -x "$root/target/py-venv/bin/python" ]; then
  args+=(--python-full "$root/target/py-venv/bin/python")
fi
# The example script, as the README runs it, in the fresh venv (no pandas, no scikit-learn).
"$fresh/venv/bin/python" examples/python/quickstart.py >/dev/null
PATH="$fresh/venv/bin:$PATH" python3 scripts/run-doc-examples.py "${args[@]}" README.md docs/*.md
