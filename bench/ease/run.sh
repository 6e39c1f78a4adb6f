#!/usr/bin/env bash
# EASE fit benchmark: cinerec's EASE (faer, f64) against numpy's inverse-based EASE
# (/work/shared/anchors/datapath/ease_numpy.py) on the same synthetic ratings CSVs, in one run,
# on this machine. Writes bench/ease/results.md.
#
#   bench/ease/run.sh
#
# Sets: "9k" (610 users, 9,000 movies, 80,000 ratings: the anchor's ml-latest-small shape) and
# "20k" (2,000 users, 20,000 movies, 200,000 ratings); long-tail popularity (bench/ease/gen.py).
# Both tools time the fit only (Gram matrix, inverse, weights), not the CSV parsing; every run
# is wrapped in GNU time for its peak RSS; the load average is recorded before each run.
#
# Environment (all optional):
#   LAMBDA        λ for both tools (default 800, cinerec's default)
#   REPS          runs per tool on the 9k set, alternating tools, median reported (default 3)
#   REPS_20K      cinerec runs on the 20k set (default 3)
#   NUMPY_20K     numpy runs on the 20k set (default 1: one takes ~10 minutes and ~13 GB here)
#   ANCHOR        the numpy script (default /work/shared/anchors/datapath/ease_numpy.py)
#   CARGO_TARGET_DIR  honoured by cargo as usual
# Generated data goes to bench/work/ease (git-ignored); the venv to bench/.venv (git-ignored).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
WORK=$ROOT/bench/work/ease
VENV=$ROOT/bench/.venv
LAMBDA=${LAMBDA:-800}
REPS=${REPS:-3}
REPS_20K=${REPS_20K:-3}
NUMPY_20K=${NUMPY_20K:-1}
ANCHOR=${ANCHOR:-/work/shared/anchors/datapath/ease_numpy.py}
mkdir -p "$WORK"
MEAS=$WORK/measurements.tsv
META=$WORK/meta.txt
log() { printf '[ease-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- 0. tools ------------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y time >/dev/null || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y time >/dev/null; }
fi
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import numpy, scipy, pandas, threadpoolctl" 2>/dev/null; then
  log "installing numpy scipy pandas threadpoolctl into $VENV"
  "$VENV/bin/pip" install -q numpy scipy pandas threadpoolctl
fi
PY=$VENV/bin/python

# --- 1. build ------------------------------------------------------------------------------------
log "building the ease_fit example (ci profile)"
cargo build -q --profile ci -p cinerec-models --example ease_fit
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
mkdir -p "$WORK/bin"
cp "$TARGET/ci/examples/ease_fit" "$WORK/bin/"
FIT=$WORK/bin/ease_fit

# --- 2. data -------------------------------------------------------------------------------------
gen() { # name users movies ratings seed
  local f=$WORK/$1.csv
  if [ ! -s "$f" ]; then
    log "generating $f ($3 movies, $4 ratings)"
    "$PY" "$HERE/gen.py" "$f.tmp" "$2" "$3" "$4" "$5" && mv "$f.tmp" "$f"
  fi
}
gen 9k 610 9000 80000 1
gen 20k 2000 20000 200000 2

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates/models Cargo.toml Cargo.lock 2>/dev/null || echo '+uncommitted')"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "mem_gib=$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
  echo "mem_available_gib=$(awk '/MemAvailable/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "lambda=$LAMBDA"
  echo "faer=$(awk '/^name = "faer"$/ {getline; print $3}' Cargo.lock | tr -d '"')"
  echo "rustc=$(rustc --version | cut -d' ' -f2)"
  echo "python=$("$PY" -c 'import platform; print(platform.python_version())')"
  echo "numpy=$("$PY" -c 'import numpy; print(numpy.__version__)')"
  echo "blas=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" -c 'import numpy, threadpoolctl
print("; ".join("%s %s %s, %s threads" % (i["internal_api"], i["version"], i.get("architecture"), i["num_threads"]) for i in threadpoolctl.threadpool_info()))')"
} >"$META"

# --- 3. runs -------------------------------------------------------------------------------------
printf 'set\ttool\trun\tfit_s\tgram_s\tinverse_s\tweights_s\tmax_rss_kb\tload1\titems\n' >"$MEAS"
run() { # set tool rep
  local set=$1 tool=$2 rep=$3 csv=$WORK/$1.csv out=$WORK/out.txt tv=$WORK/time.txt load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [ "$tool" = numpy ]; then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -v -o "$tv" "$PY" "$ANCHOR" "$csv" "$LAMBDA" >"$out"
  else
    /usr/bin/time -v -o "$tv" "$FIT" "$csv" "$LAMBDA" >"$out"
  fi
  local line rss fit items gram inv w
  line=$(cat "$out")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
  fit=$(sed -E 's/.*fit ([0-9.]+) s.*/\1/' <<<"$line")
  items=$(sed -E 's/.*: ([0-9.]+) items.*/\1/' <<<"$line")
  if [ "$tool" = cinerec ]; then
    gram=$(sed -E 's/.*gram ([0-9.]+) s.*/\1/' <<<"$line")
    inv=$(sed -E 's/.*inverse ([0-9.]+) s.*/\1/' <<<"$line")
    w=$(sed -E 's/.*weights ([0-9.]+) s.*/\1/' <<<"$line")
  else
    gram=; inv=; w=
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$tool" "$rep" "$fit" "$gram" "$inv" "$w" "$rss" "$load" "$items" >>"$MEAS"
  log "$set $tool #$rep: $line (peak RSS $rss KB, load $load)"
}
for rep in $(seq 1 "$REPS"); do
  run 9k numpy "$rep"
  run 9k cinerec "$rep"
done
for rep in $(seq 1 "$REPS_20K"); do
  run 20k cinerec "$rep"
done
for rep in $(seq 1 "$NUMPY_20K"); do
  # numpy holds ~4 dense 20k × 20k f64 matrices (13 GB): not on a machine without the room.
  avail=$(awk '/MemAvailable/ {print int($2/1048576)}' /proc/meminfo)
  if [ "$avail" -lt 17 ]; then
    log "skipping numpy on 20k: only $avail GiB available"
    break
  fi
  run 20k numpy "$rep"
done
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$META"

# --- 4. agreement and report ---------------------------------------------------------------------
log "comparing the weights with numpy's on the 9k set"
EASE_DUMP=$WORK/9k.b "$FIT" "$WORK/9k.csv" "$LAMBDA" >/dev/null
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$HERE/check.py" "$WORK/9k.csv" "$LAMBDA" "$WORK/9k.b" >"$WORK/check.txt"
rm -f "$WORK/9k.b"
"$PY" "$HERE/report.py" "$MEAS" "$META" "$WORK/check.txt" >"$HERE/results.md"
log "wrote bench/ease/results.md"
