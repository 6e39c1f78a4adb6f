#!/usr/bin/env bash
# The Python package's CI step (called by .ci/run): builds the wheel with `pip install ./python`
# (maturin from PyPI, the workspace's `ci` profile and target directory, so what
# `cargo build --profile ci` already compiled is reused), into a fresh virtualenv, then runs
# pytest on python/tests. Exits with pytest's status (5 = no test ran counts as a failure).
#
#   python/ci.sh            (from anywhere; VENV=... to choose the virtualenv folder)
#
# Measured (load ~15 on the shared 2 cores): 403 s in all, 313 s of it the wheel, with the
# binding's dependencies already built in the target directory (the isolated build's own
# interpreter makes pyo3, numpy and the binding rebuild). From a target holding only the
# `cargo build -p cinerec` / `cargo test --workspace` builds, `-p cinerec-python` unifies
# features differently (tokio, sqlx, faer, burn … rebuild): ~50 min under that load.
#
# Environment passed to the tests when set: CINEREC_ML100K (a MovieLens-100K folder),
# CINEREC_BIN (a cinerec binary built from this tree).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VENV=${VENV:-$ROOT/target/python-venv}
start=$(date +%s)

echo "== python: fresh virtualenv in $VENV"
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q numpy pandas scipy pytest

echo "== python: pip install ./python (maturin, profile ci)"
t0=$(date +%s)
"$VENV/bin/pip" install -q "$ROOT/python"
echo "wheel built and installed in $(( $(date +%s) - t0 )) s"
"$VENV/bin/python" -c "import cinerec; print('cinerec', cinerec.__version__, 'from', cinerec.__file__)"

echo "== python: pytest python/tests"
cd "$ROOT"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider -rs "$ROOT/python/tests"
status=$?
set -e
echo "python step: $(( $(date +%s) - start )) s in all"
exit "$status"
