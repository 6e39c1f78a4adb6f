#!/usr/bin/env bash
# The soak (issue #17, point 6): MINUTES consecutive one-minute wrk runs of mixed traffic
# (bench/serve/soak.lua: 90 % reads — fold-in users, trained users, anonymous visitors with
# ratings, similar movies — and 10 % writes, POST /ratings) at CONNS connections against one
# `cinerec serve` per store backend (SQLite; PostgreSQL when PG_URL's server answers). Each
# minute records throughput, p50/p99, errors (socket errors and non-2xx answers) and the
# server's RSS; the report (soak_report.py → bench/serve/soak.md) checks 0 errors, RSS growth
# from the end of minute 1 to the end < 10 %, and p99 of the last minute ≤ 1.5× the first.
#
#   bench/serve/soak.sh     # MINUTES=10 CONNS=32 MODEL=svd BACKENDS="sqlite postgres" OUT=bench/serve/soak.md
#
# The per-client write limit (point 5) is lifted: all traffic comes from one loopback client, and
# the soak measures the service, not the limiter.
# Data: the synthetic ml100k-like shape (`cinerec data synth`), or DATA. Work files go to
# bench/work/soak (git-ignored). Needs wrk, python3, curl; createdb/dropdb for PostgreSQL.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=$ROOT/bench/work/soak
MINUTES=${MINUTES:-10}
CONNS=${CONNS:-32}
MODEL=${MODEL:-svd}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/cinerec_soak}
CINEREC=${CINEREC:-$ROOT/target/ci/cinerec}
PORT=${PORT:-8120}
KEY=soak-key
DATA=${DATA:-}
mkdir -p "$W/raw"
rm -f "$W/raw/"*
log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { log "wrk missing: apt-get install -y wrk"; exit 1; }
[ -x "$CINEREC" ] || (cd "$ROOT" && cargo build --profile ci -p cinerec)
URL=http://127.0.0.1:$PORT
if [ -z "$DATA" ]; then
  [ -f "$W/data/ratings.csv" ] || "$CINEREC" --quiet data synth --preset ml100k-like --out "$W/data"
  DATA=$W/data
fi
RATINGS=$DATA/ratings.csv
[ -f "$RATINGS" ] || RATINGS=$DATA
python3 - "$RATINGS" "$W/ids.lua" <<'PY'
import csv, sys
rows = csv.DictReader(open(sys.argv[1]))
key = next(k for k in rows.fieldnames if k.lower() in ("item", "movie", "movieid", "item_id", "movie_id"))
ids = sorted({r[key] for r in rows})
open(sys.argv[2], "w").write("return {" + ",".join('"%s"' % i for i in ids) + "}\n")
PY

PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT
{
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo +uncommitted)"
  echo "start: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "minutes: $MINUTES, connections: $CONNS, model: $MODEL, data: $DATA"
} > "$W/raw/meta.txt"

for backend in $BACKENDS; do
  case $backend in
    sqlite) rm -f "$W"/soak.db*; STORE="sqlite://$W/soak.db" ;;
    postgres)
      if ! pg_isready -q -d "${PG_URL%/*}/postgres"; then log "SKIP postgres: $PG_URL does not answer"; continue; fi
      db=${PG_URL##*/}; base=${PG_URL%/*}
      psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
      STORE=$PG_URL ;;
    *) log "unknown backend $backend"; exit 1 ;;
  esac
  log "$backend: starting cinerec serve ($MODEL)"
  rm -rf "$W/models"
  "$CINEREC" --quiet serve --data "$DATA" --store "$STORE" --model "$MODEL" --port "$PORT" \
    --models-dir "$W/models" --no-request-log --api-key "$KEY" --write-rate 1000000 --write-burst 1000000 >"$W/raw/$backend.server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 900); do curl -sf "$URL/health" >/dev/null && break; sleep 0.2; done
  curl -sf "$URL/health" >"$W/raw/$backend.health_start.json" || { log "server did not come up"; cat "$W/raw/$backend.server.log"; exit 1; }
  USERS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"])' "$W/raw/$backend.health_start.json")
  for m in $(seq 1 "$MINUTES"); do
    wrk -t2 -c"$CONNS" -d60s --timeout 10s --latency -s "$HERE/soak.lua" "$URL" -- "$USERS" 100 "$KEY" "$W/ids.lua" \
      >"$W/raw/$backend.minute$m.txt" 2>&1
    rss=$(awk '/VmRSS/{print $2}' "/proc/$PID/status")
    echo "$m $rss $(cut -d' ' -f1 /proc/loadavg)" >>"$W/raw/$backend.rss.txt"
    log "$backend minute $m: $(grep -m1 'Requests/sec' "$W/raw/$backend.minute$m.txt" | tr -s ' ') rss ${rss} KiB"
  done
  curl -sf "$URL/health" >"$W/raw/$backend.health_end.json" || echo '{"status":"down"}' >"$W/raw/$backend.health_end.json"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
done
echo "end: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$W/raw/meta.txt"
OUT=${OUT:-$HERE/soak.md}
python3 "$HERE/soak_report.py" "$W/raw" > "$OUT"
cat "$OUT"
