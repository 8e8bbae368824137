#!/usr/bin/env bash
# Builds the abi3 wheel with maturin, installs it into a fresh virtual environment with what
# the tests need, runs pytest against the installed wheel (not the source tree) and checks the
# type stubs with mypy.stubtest. Everything it uses, it installs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/target/py-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "maturin>=1.5,<2" "pytest>=7" "pandas" "numpy" "scikit-learn>=1.6" "mypy>=1.18" "typing_extensions>=4.15"
# Arrow and Spark (suqiu.spark, python/tests/test_spark.py): pyspark runs on the machine's Java
# (17+); the tests start a local[2] session themselves.
"$venv/bin/pip" install -q "pyarrow>=14" "pyspark>=3.5"
export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"
rm -rf "$root/target/wheels"
(cd python && "$venv/bin/maturin" build --release -o "$root/target/wheels")
"$venv/bin/pip" install -q --force-reinstall --no-deps "$root"/target/wheels/suqiu-*.whl
# Run from a neutral directory so that `import suqiu` finds the installed wheel.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$venv/bin/pytest" -q --import-mode=importlib -c "$root/python/pyproject.toml" --rootdir "$root/python" "$root/python/tests"
"$venv/bin/python" -m mypy.stubtest suqiu --allowlist "$root/python/stubtest-allowlist.txt"
