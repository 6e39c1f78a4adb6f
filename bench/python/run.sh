#!/usr/bin/env bash
# cinerec's Python package vs Surprise and implicit, from Python, in one run, on the peers'
# ML-100K splits (issue #21). Writes bench/python/results.{json,md}.
#
#   bench/python/run.sh
#
# Environment (optional): REPS (fits per model, default 5); PEERS_SRC (the peers' folder,
# default ../shared/peers beside the repository, else /work/shared/peers); CINEREC_DATA_DIR
# (where ml-100k lives, default ./data; fetched from the pip source if missing);
# CARGO_TARGET_DIR (where the ci build lands). Work files (splits, logs) go to
# bench/python/work, the virtualenv to bench/python/.venv (both git-ignored).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$HERE/work
VENV=$HERE/.venv
PEERS_SRC=${PEERS_SRC:-$ROOT/../shared/peers}
[ -d "$PEERS_SRC" ] || PEERS_SRC=/work/shared/peers
export CINEREC_DATA_DIR=${CINEREC_DATA_DIR:-$ROOT/data}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"
log() { printf '[python-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building the CLI (profile ci) for the reference figure"
(cd "$ROOT" && cargo build --profile ci -q -p cinerec)
cp "$TARGET/ci/cinerec" "$WORK/cinerec"
CLI=$WORK/cinerec

[ -x "$VENV/bin/python" ] || { log "creating $VENV"; python3 -m venv "$VENV"; }
if ! "$VENV/bin/python" -c "import numpy, scipy, pandas, surprise, implicit, threadpoolctl" 2>/dev/null; then
  log "installing numpy scipy pandas scikit-surprise implicit threadpoolctl"
  "$VENV/bin/pip" install -q numpy scipy pandas scikit-surprise implicit threadpoolctl
fi
log "pip install ./python (the wheel of this tree)"
"$VENV/bin/pip" install -q --force-reinstall --no-deps "$ROOT/python"

if [ ! -d "$CINEREC_DATA_DIR/ml-100k" ]; then
  log "fetching ml-100k (pip source)"
  "$CLI" --quiet --data-dir "$CINEREC_DATA_DIR" data fetch ml-100k --from pip
fi
log "writing the peers' split files with cinerec, checked against the peers' manifest"
"$CLI" --quiet --data-dir "$CINEREC_DATA_DIR" data split ml-100k --peer --out "$WORK/splits" >/dev/null
"$VENV/bin/python" - "$WORK/splits" "$PEERS_SRC/expected_manifest.json" <<'PY'
import hashlib, json, os, sys
d, exp = sys.argv[1], json.load(open(sys.argv[2]))["files"]
bad = [k for k, v in exp.items()
       if hashlib.sha256(open(os.path.join(d, k), "rb").read()).hexdigest() != v["sha256"]]
sys.exit(f"split files differ from the peers': {bad}" if bad else 0)
PY

log "running bench.py (REPS=${REPS:-5})"
"$VENV/bin/python" "$HERE/bench.py" "$WORK/splits" "$PEERS_SRC" "$CLI" "$CINEREC_DATA_DIR" "$WORK" | tee "$WORK/bench.log"
cp "$WORK/results.json" "$HERE/results.json"
"$VENV/bin/python" "$HERE/report.py" "$HERE/results.json" "$HERE/results.md"
log "wrote bench/python/results.md"
