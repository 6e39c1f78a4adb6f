#!/usr/bin/env bash
# `/recommend` at large catalogues: cinerec serve (ALS, 64 factors) vs the FastAPI + numpy
# anchor (../shared/anchors/fastapi: float32 factors of the same shape, 2 uvicorn workers, BLAS
# single-threaded) on `cinerec data synth` data, in the same run, with wrk on loopback; plus the
# server's RSS and the autocomplete (`GET /movies?q=&limit=8`) latency.
#
#   bench/scale/serve.sh                  # SHAPES="20k 87k" DUR=10 REPS=3
#   SHAPES=20k bench/scale/serve.sh       # the 5M shape only
#   PREP_ONLY=1 bench/scale/serve.sh      # data, anchor model, store and trained model only
#
# Shapes: 20k = 31,250 users × 20,000 movies, 5M ratings; 87k = 200,000 × 87,000, 32M.
# Rounds: REPS × {cinerec, anchor} × {1 connection, 32 connections}, interleaved; the report
# takes the median over the rounds. The machine is shared: the load (uptime) is recorded
# before every measured run.
#
# Writes bench/scale/serve.md and the "Serving at scale" line of bench/RESULTS.md (report_serve.py).
# Work files go to bench/work/scale (git-ignored): data, the SQLite store with the trained model
# (kept: a second run serves the registered model instead of training again), the anchor's venv.
# Needs wrk, python3 (venv with fastapi, uvicorn, numpy, pandas is made here), curl.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=${WORK:-$ROOT/bench/work/scale}
SHAPES=${SHAPES:-20k 87k}
DUR=${DUR:-10}
REPS=${REPS:-3}
ANCHOR_SRC=${ANCHOR_SRC:-/work/shared/anchors/fastapi}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
P_RS=8110
P_PY=8111
mkdir -p "$W/raw" "$W/bin" "$W/anchor"
log() { printf '[scale-serve %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { log "wrk missing: apt-get install -y wrk"; exit 1; }

# --- binary: a private copy (the target dir is shared with other builds) ------------------------
if [ -n "${CINEREC:-}" ]; then
  cp "$CINEREC" "$W/bin/cinerec"
else
  (cd "$ROOT" && cargo build -q --profile ci -p cinerec)
  cp "$TARGET/ci/cinerec" "$W/bin/cinerec"
fi
BIN=$W/bin/cinerec

# --- anchor venv ---------------------------------------------------------------------------------
VENV=$W/venv
[ -x "$VENV/bin/uvicorn" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q fastapi "uvicorn[standard]" numpy pandas; }
cp "$ANCHOR_SRC"/{app.py,synth_model.py} "$W/anchor/"

wait_up() { # port seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.2; done; return 1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
run_wrk() { # name port threads conns dur script [args...]
  local name=$1 port=$2 t=$3 c=$4 d=$5 s=$6; shift 6
  printf '%s\t%s\n' "$name" "$(load)" >>"$W/raw/load.tsv"
  wrk -t"$t" -c"$c" -d"${d}s" --latency -s "$s" "http://127.0.0.1:$port" -- "$@" >"$W/raw/$name.txt" 2>&1
}
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- crates || echo '+uncommitted')"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "mem_gb=$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)"
  echo "uptime_start=$(uptime)"
  echo "wrk=$(wrk -v 2>&1 | head -1)"
  echo "python=$("$VENV/bin/python" -c 'import platform, numpy; print(platform.python_version(), "numpy", numpy.__version__)')"
  echo "dur=$DUR"
  echo "reps=$REPS"
  echo "shapes=$SHAPES"
} >"$W/raw/meta.txt"
: >"$W/raw/load.tsv"

for shape in $SHAPES; do
  case $shape in
    20k) USERS=31250; ITEMS=20000; RATINGS=5000000 ;;
    87k) USERS=200000; ITEMS=87000; RATINGS=32000000 ;;
    *) log "unknown shape $shape"; exit 1 ;;
  esac
  D=$W/$shape
  mkdir -p "$D"
  # --- data ------------------------------------------------------------------------------------
  if [ ! -f "$D/data/ratings.csv" ]; then
    log "$shape: cinerec data synth ($USERS users, $ITEMS movies, $RATINGS ratings)"
    "$BIN" --quiet data synth --users $USERS --items $ITEMS --ratings $RATINGS --seed 7 --out "$D/data"
  fi
  n_users=$(cut -d, -f1 "$D/data/ratings.csv" | tail -n +2 | sort -un | tail -1)
  # autocomplete queries: what a user types, 1 to 8 characters of 300 titles, and a word of them
  python3 "$HERE/search_queries.py" "$D/data/movies.csv" >"$D/queries.txt"
  # --- anchor model: float32 factors of the same shape -------------------------------------------
  [ -f "$D/model_big.npz" ] || (cd "$W/anchor" && "$VENV/bin/python" synth_model.py "$D/data/ratings.csv" "$D/model_big.npz" 64)

  # --- cinerec: first start seeds the store and trains ALS (64 factors); later ones load it ------
  log "$shape: starting cinerec serve (als, 64 factors)"
  t0=$(date +%s.%N)
  "$BIN" --quiet serve --data "$D/data" --store "sqlite://$D/store.db" --model als \
    --params '{"factors":64}' --port $P_RS --models-dir "$D/models" --no-request-log \
    >"$W/raw/${shape}_cinerec.log" 2>&1 &
  RS=$!; PIDS+=($RS)
  wait_up $P_RS 5400 || { log "cinerec did not come up"; tail "$W/raw/${shape}_cinerec.log"; exit 1; }
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }' >"$W/raw/${shape}_start_s.txt"
  log "$shape: cinerec up after $(cat "$W/raw/${shape}_start_s.txt") s"
  if [ -n "${PREP_ONLY:-}" ]; then
    cp "$W/raw/${shape}_start_s.txt" "$W/raw/${shape}_first_start_s.txt"
    grep -E 'VmHWM' /proc/$RS/status >"$W/raw/${shape}_first_start_hwm.txt"
    stop $RS; continue
  fi
  log "$shape: starting the anchor (2 uvicorn workers)"
  (cd "$W/anchor" && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MODEL_PATH="$D/model_big.npz" \
    "$VENV/bin/uvicorn" app:app --host 127.0.0.1 --port $P_PY --workers 2 \
    --no-access-log --log-level warning) >"$W/raw/${shape}_anchor.log" 2>&1 &
  PY=$!; PIDS+=($PY)
  wait_up $P_PY 600 || { log "anchor did not come up"; tail "$W/raw/${shape}_anchor.log"; exit 1; }
  sleep 2
  REC=$HERE/recommend.lua
  run_wrk "${shape}_warm_rs" $P_RS 2 32 5 "$REC" "$n_users"
  run_wrk "${shape}_warm_py" $P_PY 2 32 5 "$REC" "$n_users"
  for rep in $(seq 1 "$REPS"); do
    for who in rs py; do
      port=$([ $who = rs ] && echo $P_RS || echo $P_PY)
      log "$shape round $rep/$REPS $who: 1 connection, ${DUR}s"
      run_wrk "${shape}_c1_${who}_r$rep" "$port" 1 1 "$DUR" "$REC" "$n_users"
      log "$shape round $rep/$REPS $who: 32 connections, ${DUR}s"
      run_wrk "${shape}_c32_${who}_r$rep" "$port" 2 32 "$DUR" "$REC" "$n_users"
    done
  done
  # --- autocomplete ----------------------------------------------------------------------------
  for rep in $(seq 1 "$REPS"); do
    log "$shape round $rep/$REPS autocomplete: 1 and 8 connections"
    run_wrk "${shape}_search_c1_r$rep" $P_RS 1 1 "$DUR" "$HERE/search.lua" "$D/queries.txt"
    run_wrk "${shape}_search_c8_r$rep" $P_RS 2 8 "$DUR" "$HERE/search.lua" "$D/queries.txt"
  done
  grep -E 'VmRSS|VmHWM' /proc/$RS/status >"$W/raw/${shape}_rss.txt"
  curl -s "http://127.0.0.1:$P_RS/health" >"$W/raw/${shape}_health.json"
  curl -s "http://127.0.0.1:$P_PY/health" >"$W/raw/${shape}_anchor_health.json"
  stop $RS; stop $PY
done
[ -n "${PREP_ONLY:-}" ] && { log "prepared"; exit 0; }
echo "uptime_end=$(uptime)" >>"$W/raw/meta.txt"
python3 "$HERE/report_serve.py" "$W" "$ROOT"
log "done: bench/scale/serve.md"
