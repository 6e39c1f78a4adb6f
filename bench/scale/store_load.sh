#!/usr/bin/env bash
# The load half of bench/scale/store.sh through the `store_load` example instead of the CLI
# (no neural/burn build needed): in one run, alternating, medians of REPS —
#   csv_load    cinerec_data::loaders::load of the synthetic CSV folder (the anchor);
#   store_load  Store::load_dataset on the SQLite store (ratings snapshot + changes since);
#   sql_load    Store::load_dataset_sql (the SQL path, first rep only).
# Each step is one process under GNU time (peak RSS); the seconds are the step's own (store
# opened → dataset built; file → dataset built). The hashes of the three loads are checked equal.
#
#   bench/scale/store_load.sh         (SHAPE=5m; SHAPE=32m for 200,000 × 87,000)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
REPS=${REPS:-3}
SHAPE=${SHAPE:-5m}
case $SHAPE in
  5m) USERS=31250; MOVIES=20000; RATINGS=5000000 ;;
  32m) USERS=200000; MOVIES=87000; RATINGS=32000000 ;;
  *) echo "SHAPE is 5m or 32m" >&2; exit 2 ;;
esac
WORK=$ROOT/bench/work/scale-store
mkdir -p "$WORK"
MEAS=$HERE/store_load-$SHAPE.tsv
log() { printf '[store-load %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
if [ -z "${EX:-}" ]; then
  cargo build -q --profile ci -p cinerec-store --example store_load
  EX=${CARGO_TARGET_DIR:-$ROOT/target}/ci/examples/store_load
fi
DATA=$WORK/synth-$SHAPE
if [ ! -s "$DATA/ratings.csv" ]; then
  log "generating $DATA (needs a cinerec binary: CINEREC)"
  "${CINEREC:?set CINEREC to a cinerec binary}" --quiet data synth --users $USERS --items $MOVIES \
    --ratings $RATINGS --seed 42 --out "$DATA"
fi
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') (nproc $(nproc))"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "uptime: $(uptime)"
  echo "data: $DATA ($(($(wc -l <"$DATA/ratings.csv") - 1)) ratings, $USERS users × $MOVIES movies)"
  echo "tool: $EX ($(git -C "$ROOT" rev-parse --short HEAD))"
} >"$WORK/meta-load-$SHAPE.txt"
cat "$WORK/meta-load-$SHAPE.txt" >&2
printf 'rep\tbackend\tstep\tseconds\twall\tmax_rss_kb\tload1\tdetail\n' >"$MEAS"
step() { # rep step args...
  local rep=$1 name=$2; shift 2
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local out; out=$(/usr/bin/time -v -o "$WORK/time.txt" "$EX" "$@")
  local wall rss secs
  read -r wall rss < <(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; w=s}
              /Maximum resident set size/ {r=$2} END {print w, r}' "$WORK/time.txt")
  secs=$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["seconds"], 3))' "$out")
  printf '%s\tsqlite\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$name" "$secs" "$wall" "$rss" "$load" "$out" >>"$MEAS"
  log "$name run $rep: ${secs}s (wall ${wall}s, ${rss} kB, load $load) $out"
}
URL=sqlite://$WORK/load-$SHAPE.db
rm -f "$WORK/load-$SHAPE.db"*
step 0 import import "$DATA" "$URL"
for rep in $(seq 1 "$REPS"); do
  step "$rep" csv_load csv "$DATA"
  step "$rep" store_load store "$URL"
  if [ "$rep" = 1 ]; then step "$rep" sql_load sql "$URL"; fi
done
hashes=$(cut -f8 "$MEAS" | grep -o '"hash":"[0-9a-f]*"' | sort -u | wc -l)
[ "$hashes" = 1 ] || { log "the loads gave different datasets ($hashes hashes)"; exit 1; }
log "every load gave the same dataset hash"
python3 "$HERE/report.py" "$MEAS" "$WORK/meta-load-$SHAPE.txt" bench/scale/store_load.sh >"$HERE/store_load-$SHAPE.md"
log "wrote $HERE/store_load-$SHAPE.md"
