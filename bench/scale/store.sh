#!/usr/bin/env bash
# Store reads at scale (issue #16, "Fast training reads" and "Restart without retraining"):
# in one run, alternating, medians of REPS:
#   csv_load     `cinerec train --data CSV --model popularity`: the load note's seconds (the
#                CSV through cinerec_data::loaders::load, CSR built) — the anchor;
#   store_load   `cinerec train --store URL --model popularity`: the load note's seconds (the
#                store's ratings snapshot + changes since, or SQL) — popularity fits in well
#                under a second, so the note isolates the load; wall time and RSS of the whole
#                process are recorded too;
#   sql_load     the same with the snapshot turned off (CINEREC_SNAPSHOT=off): the SQL path
#                (first rep only, unless SQL_EVERY_REP is set: ~25 s a run at 5M);
#   csv_model    `cinerec recommend --data CSV --model-file ALS --user U` wall time: CSV load +
#                model load (+ one answer) — the restart anchor;
#   serve_health `cinerec serve --store URL`: process start → first 200 from /health, and the
#                server's peak RSS; the registry is counted before and after (a restart that
#                trains would add a model).
# Peak RSS by GNU time. Output: bench/scale/store-SHAPE.tsv (every run) and, through report.py,
# bench/scale/store.md (5M) or store-32m.md.
#
#   bench/scale/store.sh            # 5M (31,250 users × 20,000 movies)
#   SHAPE=32m bench/scale/store.sh  # 32M shape (200,000 × 87,000)
#
# Environment: REPS (3), SHAPE (5m|32m), BACKENDS ("sqlite"; add "postgres" for PostgreSQL in
# the database cinerec_snapshot_bench, snapshot under bench/work), BIN (a cinerec binary;
# default: built with --profile ci), PG (postgres://postgres@127.0.0.1:5432).
# Data and stores go to bench/work/scale-store (git-ignored).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
REPS=${REPS:-3}
SHAPE=${SHAPE:-5m}
BACKENDS=${BACKENDS:-sqlite}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
case $SHAPE in
  5m) USERS=31250; MOVIES=20000; RATINGS=5000000 ;;
  32m) USERS=200000; MOVIES=87000; RATINGS=32000000 ;;
  *) echo "SHAPE is 5m or 32m" >&2; exit 2 ;;
esac
WORK=$ROOT/bench/work/scale-store
mkdir -p "$WORK"
MEAS=$HERE/store-$SHAPE.tsv
MD=$HERE/store.md; [ "$SHAPE" = 5m ] || MD=$HERE/store-$SHAPE.md
log() { printf '[store-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ -x /usr/bin/time ] || { log "GNU time (/usr/bin/time) is required"; exit 1; }

if [ -z "${BIN:-}" ]; then
  log "building cinerec (profile ci)"
  cargo build -q --profile ci -p cinerec
  cp "${CARGO_TARGET_DIR:-$ROOT/target}/ci/cinerec" "$WORK/cinerec"
  BIN=$WORK/cinerec
fi

DATA=$WORK/synth-$SHAPE
if [ ! -s "$DATA/ratings.csv" ]; then
  log "generating $DATA"
  "$BIN" --quiet data synth --users $USERS --items $MOVIES --ratings $RATINGS --seed 42 --out "$DATA"
fi
USER1=$(awk -F, 'NR==2 {print $1}' "$DATA/ratings.csv")

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') × $(nproc) (nproc $(nproc))"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "uptime: $(uptime)"
  echo "data: $DATA ($(($(wc -l <"$DATA/ratings.csv") - 1)) ratings, $USERS users × $MOVIES movies)"
  echo "binary: $BIN ($(git -C "$ROOT" rev-parse --short HEAD))"
} >"$WORK/meta-$SHAPE.txt"
cat "$WORK/meta-$SHAPE.txt" >&2

printf 'rep\tbackend\tstep\tseconds\twall\tmax_rss_kb\tload1\tdetail\n' >"$MEAS"

# Runs "$@" under GNU time; prints "wall rss" (seconds, kB); stderr of the command in $WORK/err.txt.
timed() {
  local tfile=$WORK/time.txt
  /usr/bin/time -v -o "$tfile" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || {
    log "FAILED: $*"; tail -20 "$WORK/err.txt" >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; w=s}
              /Maximum resident set size/ {r=$2} END {print w, r}' "$tfile"
}

row() { # rep backend step seconds wall rss detail
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$load" "$7" >>"$MEAS"
  log "$2 $3 run $1: ${4}s (wall ${5}s, ${6} kB) load $load $7"
}

# The load note's seconds ("loaded … in 1.23s (…)") of the last command.
note_seconds() { grep -o 'ratings in [0-9.]*s' "$WORK/err.txt" | tail -1 | sed 's/ratings in //; s/s$//'; }
note_how() { grep -o '(ratings [^)]*)' "$WORK/err.txt" | tail -1 | tr '\t' ' '; }

models() { "$BIN" --output json models --store "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d,list) else d.get("models",[])))'; }

serve_once() { # rep backend url
  local port=$((18000 + RANDOM % 2000)) tfile=$WORK/serve-time.txt before after
  before=$(models "$3")
  local t0; t0=$(date +%s.%N)
  /usr/bin/time -v -o "$tfile" "$BIN" serve --store "$3" --port $port --no-request-log \
    --models-dir "$WORK/served-models" >"$WORK/serve-out.txt" 2>"$WORK/serve-err.txt" &
  local tpid=$!
  local up=""
  for _ in $(seq 1 60000); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then up=$(date +%s.%N); break; fi
    kill -0 $tpid 2>/dev/null || break
    sleep 0.02
  done
  local spid; spid=$(pgrep -P $tpid || true)
  [ -n "$spid" ] && kill -INT "$spid" 2>/dev/null || true
  wait $tpid || true
  [ -n "$up" ] || { log "serve never answered /health"; tail -20 "$WORK/serve-err.txt" >&2; exit 1; }
  after=$(models "$3")
  local secs rss trained=no
  secs=$(python3 -c "print(round($up - $t0, 3))")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
  grep -qi 'training one\|trained_by' "$WORK/serve-err.txt" && trained=yes
  [ "$before" = "$after" ] || trained="yes (registry $before -> $after)"
  row "$1" "$2" serve_health "$secs" "$secs" "$rss" "trained at start: $trained"
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) URL=sqlite://$WORK/store-$SHAPE.db ;;
    postgres) URL=$PG/cinerec_snapshot_bench; export CINEREC_SNAPSHOT_DIR=$WORK/pg-snapshots ;;
    *) log "unknown backend $backend"; exit 2 ;;
  esac
  log "$backend: fresh store, import"
  case $backend in
    sqlite) rm -f "$WORK/store-$SHAPE.db"* ;;
    postgres) psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS cinerec_snapshot_bench WITH (FORCE)" \
                -c "CREATE DATABASE cinerec_snapshot_bench"; rm -rf "$WORK/pg-snapshots" ;;
  esac
  read -r w r < <(timed "$BIN" import "$DATA" --store "$URL")
  row 0 $backend import "$w" "$w" "$r" "incl. the snapshot write"
  log "$backend: the serving model (als, 64 factors, 5 iterations), registered and activated"
  rm -rf "$WORK/served-models"
  read -r w r < <(timed "$BIN" train --store "$URL" --model als --params '{"factors":64,"iterations":5}' --out "$WORK/als-$SHAPE-$backend.cinerec")
  row 0 $backend train_als "$w" "$w" "$r" "$(note_how)"
  "$BIN" models --store "$URL" --activate 1 >/dev/null
  for rep in $(seq 1 "$REPS"); do
    read -r w r < <(timed "$BIN" train --data "$DATA" --model popularity --out "$WORK/pop-csv.cinerec")
    row $rep $backend csv_load "$(note_seconds)" "$w" "$r" "csv"
    read -r w r < <(timed "$BIN" train --store "$URL" --model popularity --out "$WORK/pop-store.cinerec")
    row $rep $backend store_load "$(note_seconds)" "$w" "$r" "$(note_how)"
    if [ "$rep" = 1 ] || [ -n "${SQL_EVERY_REP:-}" ]; then
      read -r w r < <(CINEREC_SNAPSHOT=off timed "$BIN" train --store "$URL" --model popularity --out "$WORK/pop-sql.cinerec")
      row $rep $backend sql_load "$(note_seconds)" "$w" "$r" "$(note_how)"
    fi
    read -r w r < <(timed "$BIN" recommend --data "$DATA" --model-file "$WORK/als-$SHAPE-$backend.cinerec" --user "$USER1")
    row $rep $backend csv_model "$w" "$w" "$r" "csv load + model load + one answer"
    serve_once $rep $backend "$URL"
  done
done

python3 "$HERE/report.py" "$MEAS" "$WORK/meta-$SHAPE.txt" >"$MD"
log "wrote $MD"
