#!/usr/bin/env bash
# Data-loading benchmark: pandas.read_csv vs cinerec's loader (ids mapped, CSR built) on the
# same files, in one run, on this machine. Writes bench/load/results.md and the
# "Data loading" section of bench/RESULTS.md.
#
#   bench/load/run.sh
#
# Environment (all optional):
#   USERS ITEMS RATINGS SEED  synthetic shape (default 200000 87000 32000000 0: MovieLens-32M-like)
#   REPS                      timed runs per file and tool, median reported (default 3)
#   ANCHOR_GEN                the scale anchors' gen.py (default /work/shared/anchors/scale/gen.py);
#                             ANCHOR_GEN= (empty) skips it
#   ANCHOR_TIMEOUT            seconds allowed for gen.py (default 1800)
#   CINEREC_ML100K            folder with ML-100K (u.data or ml-100k.inter); if unset, ML-100K is
#                             taken from the recbole==1.2.1 wheel (as ../shared/peers/setup.sh does);
#                             ML100K=0 skips it
#   CARGO_TARGET_DIR          honoured by cargo as usual
# Generated data goes to bench/work/load (git-ignored); the venv to bench/.venv (git-ignored).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
WORK=$ROOT/bench/work/load
VENV=$ROOT/bench/.venv
USERS=${USERS:-200000}
ITEMS=${ITEMS:-87000}
RATINGS=${RATINGS:-32000000}
SEED=${SEED:-0}
REPS=${REPS:-3}
ANCHOR_GEN=${ANCHOR_GEN-/work/shared/anchors/scale/gen.py}
ANCHOR_TIMEOUT=${ANCHOR_TIMEOUT:-1800}
mkdir -p "$WORK"
MEAS=$WORK/measurements.tsv
GEN=$WORK/generation.tsv
META=$WORK/meta.txt
: >"$MEAS"
: >"$GEN"
log() { printf '[load-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- 0. tools --------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y time >/dev/null || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y time >/dev/null; }
fi

# --- 1. python venv with pandas ----------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import pandas, numpy" 2>/dev/null; then
  log "installing pandas into $VENV"
  "$VENV/bin/pip" install -q pandas numpy
fi
PY=$VENV/bin/python

# --- 2. build ------------------------------------------------------------------------------------
log "building the synth and load examples (release)"
cargo build -q --release -p cinerec-data --example synth --example load
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
# Private copies: the target dir is shared, and another build must not swap binaries mid-run.
mkdir -p "$WORK/bin"
cp "$TARGET/release/examples/synth" "$TARGET/release/examples/load" "$WORK/bin/"
SYNTH_BIN=$WORK/bin/synth
LOAD_BIN=$WORK/bin/load

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates/core crates/data Cargo.toml Cargo.lock 2>/dev/null || echo '+uncommitted')"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "mem_gb=$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "pandas=$("$PY" -c 'import pandas; print(pandas.__version__)')"
  echo "python=$("$PY" -c 'import platform; print(platform.python_version())')"
  echo "rustc=$(rustc --version | cut -d' ' -f2)"
  echo "shape=$USERS users, $ITEMS items, $RATINGS ratings, seed $SEED"
  echo "reps=$REPS"
} >"$META"

# timed LABEL OUTFILE CMD...: one run under /usr/bin/time; prints "wall rss_kb" and keeps stdout.
timed() {
  local out=$1
  shift
  if ! /usr/bin/time -f "%e %M" -o "$WORK/time.tmp" "$@" >"$out" 2>"$WORK/stderr.tmp"; then
    log "FAILED: $*"
    tail -5 "$WORK/stderr.tmp" >&2
    return 1
  fi
  tail -1 "$WORK/time.tmp"
}

# --- 3. data -------------------------------------------------------------------------------------
FILES=() # entries "label|path"
SYN=$WORK/synth
log "generating the synthetic set with cinerec ($USERS users, $ITEMS items, $RATINGS ratings)"
read -r w m < <(timed "$WORK/synth.out" "$SYNTH_BIN" --out "$SYN" --users "$USERS" --items "$ITEMS" \
  --ratings "$RATINGS" --seed "$SEED" --quiet)
printf 'cinerec synth (example)\t%s\t%s\t%s\n' "$w" "$m" "$(cat "$WORK/synth.out")" >>"$GEN"
log "  $(cat "$WORK/synth.out")"
FILES+=("cinerec synth ratings.csv|$SYN/ratings.csv")

if [ -n "$ANCHOR_GEN" ] && [ -f "$ANCHOR_GEN" ]; then
  mkdir -p "$WORK/anchor"
  log "generating the anchors' gen.py file (timeout ${ANCHOR_TIMEOUT}s)"
  if read -r w m < <(timed "$WORK/anchor.out" timeout "$ANCHOR_TIMEOUT" "$PY" "$ANCHOR_GEN" \
    "$USERS" "$ITEMS" "$RATINGS" "$WORK/anchor/anchor.csv"); then
    printf 'anchors gen.py (numpy)\t%s\t%s\t%s\n' "$w" "$m" "$(cat "$WORK/anchor.out")" >>"$GEN"
    log "  $(cat "$WORK/anchor.out")"
    FILES+=("anchors gen.py csv|$WORK/anchor/anchor.csv")
  else
    printf 'anchors gen.py (numpy)\tfailed\t-\tdid not finish within %ss or failed\n' "$ANCHOR_TIMEOUT" >>"$GEN"
    rm -f "$WORK/anchor/anchor.csv"
  fi
fi

if [ "${ML100K:-1}" != 0 ]; then
  ML=${CINEREC_ML100K:-}
  if [ -z "$ML" ]; then
    ML=$WORK/ml-100k
    if [ ! -f "$ML/ml-100k.inter" ]; then
      log "extracting ML-100K from the recbole==1.2.1 wheel"
      mkdir -p "$WORK/whl" "$ML"
      if [ -f "$WORK/whl/recbole-1.2.1-py3-none-any.whl" ] ||
        "$VENV/bin/pip" download -q --no-deps recbole==1.2.1 -d "$WORK/whl"; then
        "$PY" - "$WORK/whl/recbole-1.2.1-py3-none-any.whl" "$ML" <<'PYEOF'
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith("recbole/dataset_example/ml-100k/") and not n.endswith("/"):
        with open(os.path.join(sys.argv[2], os.path.basename(n)), "wb") as f:
            f.write(z.read(n))
PYEOF
      else
        log "could not download the recbole wheel; ML-100K skipped"
      fi
    fi
  fi
  if [ -f "$ML/u.data" ]; then
    FILES+=("ML-100K u.data|$ML/u.data")
  elif [ -f "$ML/ml-100k.inter" ]; then
    FILES+=("ML-100K ml-100k.inter|$ML/ml-100k.inter")
  fi
fi

# --- 4. measurements ----------------------------------------------------------------------------
# Runs alternate pandas / cinerec so background load hits both alike; the page cache is
# warmed first so neither pays for the first disk read.
for entry in "${FILES[@]}"; do
  label=${entry%%|*}
  path=${entry#*|}
  bytes=$(stat -c %s "$path")
  cat "$path" >/dev/null
  for rep in $(seq 1 "$REPS"); do
    for tool in pandas cinerec; do
      if [ $tool = pandas ]; then
        cmd=("$PY" "$HERE/read_pandas.py" "$path")
      else
        cmd=("$LOAD_BIN" "$path")
      fi
      read -r w m < <(timed "$WORK/run.out" "${cmd[@]}") || { w=failed; m=-; }
      out=$(tr '\n' ' ' <"$WORK/run.out")
      log "$label | $tool | run $rep: ${w}s ${m}KB | $out"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$path" "$bytes" "$tool" "$rep" "$w" "$m" "$out" >>"$MEAS"
    done
  done
done
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$META"

# --- 5. report ---------------------------------------------------------------------------------
"$PY" "$HERE/report.py" "$WORK" "$HERE/results.md" "$ROOT/bench/RESULTS.md"
log "wrote bench/load/results.md and the Data loading section of bench/RESULTS.md"
