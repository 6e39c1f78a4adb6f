#!/usr/bin/env bash
# The Python package's CI step (called by .ci/run): builds the wheel with `pip install ./python`
# (maturin, the workspace's `ci` profile and target directory: with the workspace-hack crate
# every build of the workspace resolves the same third-party features, so what the workspace
# build compiled is reused: pyo3, numpy, the binding, and the engine and neural crates, whose
# own features differ from the test build's, compile here; 62 s in CI), into a virtualenv, then runs
# pytest on python/tests. Exits with pytest's status (5 = no test ran counts as a failure).
#
#   python/ci.sh                 (from anywhere; VENV=... to choose the virtualenv folder)
#   python/ci.sh --install-only  (the virtualenv and its packages only: .ci/run starts this
#                                 during the build, it needs only the network)
#
# Environment passed to the tests when set: CINEREC_ML100K (a MovieLens-100K folder),
# CINEREC_BIN (a cinerec binary built from this tree), CINEREC_TEST_POSTGRES_URL.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VENV=${VENV:-$ROOT/target/python-venv}
start=$(date +%s)

if [ ! -f "$VENV/.installed" ] || [ "${1:-}" = "--install-only" ]; then
  echo "== python: fresh virtualenv in $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  # maturin in the virtualenv: the wheel is built without build isolation, so the build
  # needs no download of its own.
  "$VENV/bin/pip" install -q numpy pandas scipy pytest "maturin>=1.9.4,<2"
  touch "$VENV/.installed"
fi
[ "${1:-}" = "--install-only" ] && exit 0

echo "== python: pip install ./python (maturin, profile ci)"
export PATH="$VENV/bin:$PATH"  # the build backend runs the virtualenv's `maturin`
t0=$(date +%s)
"$VENV/bin/pip" install -q --no-build-isolation "$ROOT/python"
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
