#!/usr/bin/env bash
# Request latency with and without a background fit: `GET /recommend/{user}?top_n=10` on one
# `cinerec serve --retrain-after N` server, wrk on loopback. REPS rounds; in each, for every
# connection count in CONNS, one wrk run while the server is idle and one while a retrain
# attempt is fitting (started by posting N new ratings; the run starts once GET /retrain says
# the attempt is running, and the script records whether it was still running when wrk ended).
# The report takes medians over the rounds.
#
#   bench/serve/retrain.sh        # DUR=8 REPS=3 CONNS="1 16" MODEL=svd THREADS=1 by default
#
# Data: DATA (a dataset name or path cinerec reads) or, by default, the synthetic ml100k-like
# shape (943 users, 1,682 movies, 100,000 ratings; `cinerec data synth`), so no MovieLens is
# needed. The fit is made long enough to span a run with RETRAIN_PARAMS (more epochs than the
# served model). Writes bench/serve/retrain.md; work files go to bench/work/retrain
# (git-ignored). Needs: wrk (apt-get install wrk), python3, curl.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=$ROOT/bench/work/retrain
DUR=${DUR:-8}
REPS=${REPS:-3}
CONNS=${CONNS:-"1 16"}
MODEL=${MODEL:-svd}
THREADS=${THREADS:-1}
AFTER=${AFTER:-50}
RETRAIN_PARAMS=${RETRAIN_PARAMS:-'{"n_epochs": 2000}'}
CINEREC=${CINEREC:-$ROOT/target/ci/cinerec}
DATA=${DATA:-}
PORT=${PORT:-8110}
mkdir -p "$W/raw"
rm -f "$W/raw/"*
log() { printf '[retrain-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { log "wrk missing: apt-get install -y wrk"; exit 1; }
[ -x "$CINEREC" ] || (cd "$ROOT" && cargo build --profile ci -p cinerec)
URL=http://127.0.0.1:$PORT

if [ -z "$DATA" ]; then
  [ -f "$W/data/ratings.csv" ] || "$CINEREC" --quiet data synth --preset ml100k-like --out "$W/data"
  DATA=$W/data
fi
RATINGS=$DATA/ratings.csv
[ -f "$RATINGS" ] || RATINGS=$DATA

busy() { # share of CPU time busy over 2 s, from /proc/stat
  local a b; a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
  local t=0 i=0 k; for k in 1 2 3 4 5 6 7 8; do t=$((t + b[k] - a[k])); done
  i=$((b[4] - a[4] + b[5] - a[5])); echo $(( 100 - 100 * i / (t > 0 ? t : 1) ))
}
wait_idle() { # other sessions share the machine: wait (at most IDLE_WAIT s) until < 15% busy
  local end=$(( $(date +%s) + ${IDLE_WAIT:-20} )) b
  while b=$(busy); [ "$b" -ge 15 ] && [ "$(date +%s)" -lt "$end" ]; do log "machine ${b}% busy, waiting"; sleep 3; done
  echo "$b"
}
running() { curl -sf "$URL/retrain" | python3 -c 'import json,sys; print(json.load(sys.stdin)["running_since"] or "")'; }
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT

rm -f "$W"/bench.db*
log "starting cinerec serve ($MODEL, retrain after $AFTER changes, $THREADS thread(s))"
"$CINEREC" --quiet serve --data "$DATA" --store "sqlite://$W/bench.db" --model "$MODEL" --retrain \
  --port "$PORT" --models-dir "$W/models" --no-request-log \
  --retrain-after "$AFTER" --retrain-threads "$THREADS" --retrain-params "$RETRAIN_PARAMS" \
  >"$W/cinerec.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do curl -sf "$URL/health" >/dev/null && break; sleep 0.2; done
curl -sf "$URL/health" >"$W/raw/health_start.json" || { log "server did not come up"; cat "$W/cinerec.log"; exit 1; }
N_USERS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"])' "$W/raw/health_start.json")

# New ratings for every round: (user, movie) pairs nobody rated, AFTER per round.
python3 - "$RATINGS" "$W/raw" "$REPS" "$AFTER" "${CONNS// /,}" <<'EOF'
import csv, json, os, random, sys
path, out, reps, after, conns = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(",")
rows = list(csv.DictReader(open(path)))
key_u = next(k for k in rows[0] if k.lower() in ("user", "userid", "user_id"))
key_i = next(k for k in rows[0] if k.lower() in ("item", "movie", "movieid", "item_id", "movie_id"))
seen = {(r[key_u], r[key_i]) for r in rows}
users = sorted({r[key_u] for r in rows}); items = sorted({r[key_i] for r in rows})
rng = random.Random(7)
for rep in range(1, reps + 1):
    for c in conns:
        batch = []
        while len(batch) < after:
            u, i = rng.choice(users), rng.choice(items)
            if (u, i) in seen:
                continue
            seen.add((u, i))
            batch.append({"user": u, "movie": i, "rating": rng.randint(1, 5)})
        json.dump(batch, open(os.path.join(out, f"post_c{c}_r{rep}.json"), "w"))
EOF

log "warm-up"
wrk -t1 -c8 -d5s -s "$HERE/recommend_users.lua" "$URL" -- 1 "$N_USERS" >/dev/null
for rep in $(seq 1 "$REPS"); do
  for c in $CONNS; do
    t=$([ "$c" -gt 1 ] && echo 2 || echo 1)
    b=$(wait_idle)
    log "round $rep/$REPS, $c connection(s): idle (machine ${b}% busy before)"
    echo "$b" >"$W/raw/idle_c${c}_r$rep.busy"
    wrk -t"$t" -c"$c" -d"${DUR}s" --latency -s "$HERE/recommend_users.lua" "$URL" -- 1 "$N_USERS" \
      >"$W/raw/idle_c${c}_r$rep.txt" 2>&1
    b=$(wait_idle)
    echo "$b" >"$W/raw/fit_c${c}_r$rep.busy"
    curl -sf -X POST -H 'content-type: application/json' --data @"$W/raw/post_c${c}_r$rep.json" "$URL/ratings" >/dev/null
    since=
    for _ in $(seq 1 200); do since=$(running); [ -n "$since" ] && break; sleep 0.1; done
    [ -n "$since" ] || { log "the retrain attempt did not start"; curl -s "$URL/retrain"; exit 1; }
    log "round $rep/$REPS, $c connection(s): during the fit (machine ${b}% busy before)"
    wrk -t"$t" -c"$c" -d"${DUR}s" --latency -s "$HERE/recommend_users.lua" "$URL" -- 1 "$N_USERS" \
      >"$W/raw/fit_c${c}_r$rep.txt" 2>&1
    [ "$(running)" = "$since" ] && echo covered >"$W/raw/fit_c${c}_r$rep.cov" || echo "ended early" >"$W/raw/fit_c${c}_r$rep.cov"
    for _ in $(seq 1 600); do [ -z "$(running)" ] && break; sleep 0.5; done
  done
done
curl -sf "$URL/retrain" >"$W/raw/retrain.json"
curl -sf "$URL/health" >"$W/raw/health_end.json"
python3 "$HERE/retrain_report.py" "$W" "$ROOT" "$MODEL" "$DUR" "$REPS" "$CONNS" "$THREADS" "$RETRAIN_PARAMS" "$DATA"
log "done: bench/serve/retrain.md"
