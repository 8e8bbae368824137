# Sourced by the side-by-side scripts: makes benches/.venv-sklearn with scikit-learn once and
# sets $venv to it.
venv=benches/.venv-sklearn
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "scikit-learn>=1.3,<2" numpy
fi
