#!/usr/bin/env bash
# Side-by-side benchmark: cinerec vs the peer libraries (Surprise, implicit, LightFM) on the
# peers' ML-100K split files, in one run, on this machine. Writes bench/peers/results.{md,json}
# and the "Peers" section of bench/RESULTS.md.
#
#   bench/peers/run.sh
#
# Environment (all optional):
#   PEER_REPS        repetitions of the fast peers (popularity, implicit, LightFM, BaselineOnly, SVD); default 3
#   PEER_REPS_SLOW   repetitions of SVD++ and KNNBaseline (~70 s ranking loop each); default 2
#   CINEREC_REPS     repetitions of each cinerec model; default 5
#   SKIP_PEERS=1     reuse the peer results already in bench/work/peers (e.g. to pick up newly
#                    registered cinerec models without re-running the 15 min of peers)
#   PEERS_ONLY       comma-separated peer jobs to (re)run: popularity,implicit,lightfm,
#                    surprise_fast,surprise_knn,surprise_svdpp
#   PEERS_SRC        the peers' folder (default /work/shared/peers)
#   CINEREC_DATA_DIR where ml-100k lives (default ./data; fetched with `--from pip` if missing)
# Work files (splits, copied peer scripts, logs) go to bench/work/peers (git-ignored); the venv
# to bench/.venv (git-ignored).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
export WORK=$ROOT/bench/work/peers
VENV=$ROOT/bench/.venv
PEERS_SRC=${PEERS_SRC:-/work/shared/peers}
export CINEREC_DATA_DIR=${CINEREC_DATA_DIR:-$ROOT/data}
export CINEREC=$ROOT/target/release/cinerec
mkdir -p "$WORK"
log() { printf '[peers-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- 1. venv with the peer libraries (as the peers' setup.sh) ---------------------------------
[ -x "$VENV/bin/python" ] || { log "creating $VENV"; python3 -m venv "$VENV"; }
PY=$VENV/bin/python
if ! "$PY" -c "import numpy, scipy, pandas, surprise, implicit, threadpoolctl" 2>/dev/null; then
  log "installing numpy scipy pandas scikit-surprise implicit threadpoolctl into $VENV"
  "$VENV/bin/pip" install -q numpy scipy pandas scikit-surprise implicit threadpoolctl
fi
if ! "$PY" -c "import lightfm" 2>/dev/null; then
  log "installing lightfm-next (the peers' setup.sh choice; lightfm 1.17's sdist does not build)"
  "$VENV/bin/pip" install -q lightfm-next 2>/dev/null \
    || log "NOTE: lightfm-next could not be installed; the WARP row will say 'not run'"
fi

# --- 2. build ------------------------------------------------------------------------------------
log "building cinerec (release)"
cargo build --release -q -p cinerec

# --- 3. split files, verified against the peers' manifest -------------------------------------------
if [ ! -d "$CINEREC_DATA_DIR/ml-100k" ]; then
  log "fetching ml-100k"
  "$CINEREC" --data-dir "$CINEREC_DATA_DIR" data fetch ml-100k --from pip
fi
log "writing the peer split files with cinerec"
"$CINEREC" --quiet --data-dir "$CINEREC_DATA_DIR" data split ml-100k --peer --out "$WORK/splits" >/dev/null
"$PY" - "$WORK/splits" "$PEERS_SRC/expected_manifest.json" <<'PY'
import hashlib, json, os, sys
d, exp = sys.argv[1], json.load(open(sys.argv[2]))
files, bad = {}, []
for name, e in exp["files"].items():
    data = open(os.path.join(d, name), "rb").read()
    h = hashlib.sha256(data).hexdigest()
    rows = data.count(b"\n") - 1
    files[name] = {"rows": rows, "sha256": h}
    if h != e["sha256"] or rows != e["rows"]:
        bad.append(name)
json.dump({"source": "cinerec data split ml-100k --peer", "files": files},
          open(os.path.join(d, "manifest.json"), "w"), indent=1)
if bad:
    sys.exit(f"SPLIT MISMATCH against expected_manifest.json: {bad}")
print("split files identical to the peers' expected_manifest.json (5 files, sha256 and rows)", file=sys.stderr)
PY

# --- 4. the peers' scripts, pointed at our split folder ---------------------------------------------
mkdir -p "$WORK/peers"
cp "$PEERS_SRC"/common.py "$PEERS_SRC"/run_*.py "$WORK/peers/"
ln -sfn "$WORK/splits" "$WORK/peers/splits"
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  log "running the peers (about 15 minutes)"
  "$PY" "$HERE/bench.py" peers
else
  log "SKIP_PEERS=1: reusing $WORK/peers/results"
fi

# --- 5. cinerec, 6. report ------------------------------------------------------------------------------
log "running cinerec models (CINEREC_REPS=${CINEREC_REPS:-5})"
"$PY" "$HERE/bench.py" cinerec
"$PY" "$HERE/bench.py" report
log "wrote bench/peers/results.md, bench/peers/results.json and the Peers section of bench/RESULTS.md"
