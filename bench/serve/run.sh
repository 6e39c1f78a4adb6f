#!/usr/bin/env bash
# Load benchmark of `GET /recommend/{user}?top_n=10`: cinerec serve vs the FastAPI + numpy anchor
# (../shared/anchors/fastapi, 2 uvicorn workers, Surprise SVD factors) in the same run, on the
# peers' ML-100K ratings_train.csv split, with wrk on loopback only; every run is bounded in time.
# Also: a 60 s soak at 32 connections with RSS sampled every 5 s, POST /ratings throughput into
# the SQLite store, and recommendation latency for users with fresh ratings (fold-in) vs others.
#
#   bench/serve/run.sh            # DUR=15 SOAK=60 REPS=3 MODEL=svd by default
#
# Writes bench/serve/results.md and the "Serving" section of bench/RESULTS.md. Work files go to
# bench/work/serve (git-ignored). Needs: wrk (apt-get install wrk), python3, the peers' split
# (bench/work/peers/splits/ratings_train.csv, made by bench/peers/run.sh or /work/shared/peers).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=$ROOT/bench/work/serve
DUR=${DUR:-15}
SOAK=${SOAK:-60}
REPS=${REPS:-3}
MODEL=${MODEL:-svd}
CINEREC=${CINEREC:-$ROOT/target/release/cinerec}
TRAIN=${TRAIN:-$ROOT/bench/work/peers/splits/ratings_train.csv}
ANCHOR_SRC=${ANCHOR_SRC:-/work/shared/anchors/fastapi}
PEER_PY=${PEER_PY:-$ROOT/bench/.venv/bin/python}   # has scikit-surprise (bench/peers/run.sh)
P_RS=8100
P_PY=8101
mkdir -p "$W/anchor" "$W/raw"
rm -f "$W/raw/"*
log() { printf '[serve-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { log "wrk missing: apt-get install -y wrk"; exit 1; }
[ -f "$TRAIN" ] || { log "missing $TRAIN (run bench/peers/run.sh first)"; exit 1; }
[ -x "$CINEREC" ] || (cd "$ROOT" && cargo build --release -p cinerec)

# --- anchor: venv, model.npz from Surprise SVD on the same split ------------------------------
[ -x "$W/venv/bin/uvicorn" ] || { python3 -m venv "$W/venv"; "$W/venv/bin/pip" install -q fastapi "uvicorn[standard]" numpy; }
cp "$ANCHOR_SRC"/{app.py,train.py,recommend.lua} "$W/anchor/"
sed -i 's#os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "peers", "splits", "ratings_train.csv")#os.environ["TRAIN_CSV"]#' "$W/anchor/train.py"
[ -f "$W/anchor/model.npz" ] || (cd "$W/anchor" && TRAIN_CSV=$TRAIN "$PEER_PY" train.py)

wait_up() { for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.2; done; return 1; }
busy() { # fraction of CPU time busy over 2 s, from /proc/stat
  local a b; a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
  local t=0 i=0 k; for k in 1 2 3 4 5 6 7 8; do t=$((t + b[k] - a[k])); done
  i=$((b[4] - a[4] + b[5] - a[5])); echo $(( 100 - 100 * i / (t > 0 ? t : 1) ))
}
wait_idle() { # other sessions share the machine: wait (at most IDLE_WAIT s) until < 15% busy
  local end=$(( $(date +%s) + ${IDLE_WAIT:-180} )) b
  while b=$(busy); [ "$b" -ge 15 ] && [ "$(date +%s)" -lt "$end" ]; do log "machine ${b}% busy, waiting"; sleep 5; done
  echo "$b" >>"$W/raw/busy_before.txt"
}
run_wrk() { # name port threads conns dur script [args...]
  local name=$1 port=$2 t=$3 c=$4 d=$5 s=$6; shift 6
  [ "${name#warm}" = "$name" ] && wait_idle
  wrk -t"$t" -c"$c" -d"${d}s" --latency -s "$s" "http://127.0.0.1:$port" -- "$@" >"$W/raw/$name.txt" 2>&1
}
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# --- servers ----------------------------------------------------------------------------------
rm -f "$W/bench.db" "$W/bench.db-wal" "$W/bench.db-shm" "$W"/bench_nospin.db*
log "starting cinerec serve ($MODEL) on :$P_RS"
"$CINEREC" --quiet serve --data "$TRAIN" --store "sqlite://$W/bench.db" --model "$MODEL" \
  --port $P_RS --models-dir "$W/models" --no-request-log >"$W/cinerec.log" 2>&1 &
RS_PID=$!; PIDS+=($RS_PID)
# The same server with the idle spinner off (CINEREC idle_spin_ms = 0), for the 1-connection
# comparison: it shows what the spinner buys against the VM's idle-wakeup cost.
P_NS=8102
"$CINEREC" --quiet serve --data "$TRAIN" --store "sqlite://$W/bench_nospin.db" --model "$MODEL" \
  --port $P_NS --models-dir "$W/models_nospin" --no-request-log --idle-spin-ms 0 >"$W/cinerec_nospin.log" 2>&1 &
PIDS+=($!)
log "starting anchor (uvicorn, 2 workers) on :$P_PY"
(cd "$W/anchor" && exec "$W/venv/bin/uvicorn" app:app --host 127.0.0.1 --port $P_PY --workers 2 \
  --no-access-log --log-level warning) >"$W/anchor.log" 2>&1 &
PIDS+=($!)
wait_up $P_RS || { log "cinerec did not come up"; cat "$W/cinerec.log"; exit 1; }
wait_up $P_PY || { log "anchor did not come up"; cat "$W/anchor.log"; exit 1; }
wait_up $P_NS || { log "cinerec (no spinner) did not come up"; cat "$W/cinerec_nospin.log"; exit 1; }
sleep 2

# --- recommend: same wrk commands, same user cycle, both servers -------------------------------
REC=$W/anchor/recommend.lua
for who in rs py ns; do
  port=$([ $who = rs ] && echo $P_RS || { [ $who = py ] && echo $P_PY || echo $P_NS; })
  log "warm-up $who"; run_wrk "warm_$who" "$port" 2 32 5 "$REC"
done
# REPS rounds, the servers interleaved within each; the report takes medians over the rounds.
for rep in $(seq 1 "$REPS"); do
  for who in rs py; do
    port=$([ $who = rs ] && echo $P_RS || echo $P_PY)
    log "round $rep/$REPS $who: 1 connection, ${DUR}s"; run_wrk "rec_c1_${who}_r$rep" "$port" 1 1 "$DUR" "$REC"
    log "round $rep/$REPS $who: 32 connections, ${DUR}s"; run_wrk "rec_c32_${who}_r$rep" "$port" 2 32 "$DUR" "$REC"
  done
  log "round $rep/$REPS cinerec without the idle spinner: 1 connection, ${DUR}s"
  run_wrk "rec_c1_ns_r$rep" $P_NS 1 1 "$DUR" "$REC"
done
wait_idle; python3 "$HERE/tcp_floor.py" 8199 >"$W/raw/tcp_floor.txt"
log "raw TCP round trip p50 (blocking ping-pong): $(cat "$W/raw/tcp_floor.txt") us"

# --- soak: cinerec at 32 connections, RSS every 5 s --------------------------------------------
log "soak ${SOAK}s"
: >"$W/raw/rss.tsv"
( for _ in $(seq 0 5 "$SOAK"); do printf '%s\t%s\n' "$(date +%s)" "$(ps -o rss= -p $RS_PID)" >>"$W/raw/rss.tsv"; sleep 5; done ) &
SAMPLER=$!
run_wrk soak_rs $P_RS 2 32 "$SOAK" "$REC"
wait $SAMPLER || true

# --- writes and fold-in -------------------------------------------------------------------------
python3 -c "import csv,sys; ids=sorted({r['item'] for r in csv.DictReader(open(sys.argv[1]))}, key=int); print('return {' + ','.join('\"%s\"' % i for i in ids) + '}')" "$TRAIN" >"$W/items.lua"
log "POST /ratings (SQLite) 8 connections, ${DUR}s"
run_wrk post_c8_rs $P_RS 2 8 "$DUR" "$HERE/post_ratings.lua" "$W/items.lua"
log "POST /ratings 1 connection, ${DUR}s"
run_wrk post_c1_rs $P_RS 1 1 "$DUR" "$HERE/post_ratings.lua" "$W/items.lua"
# after the posts every user 1..943 has live ratings: fold-in path. Post nothing more, then
# compare with a fresh server where nobody has (the ordinary path) — same binary, same data.
log "recommend for users with live ratings (fold-in), 1 connection"
run_wrk fold_c1_rs $P_RS 1 1 "$DUR" "$HERE/recommend_users.lua" 1 943
curl -s "http://127.0.0.1:$P_RS/metrics" >"$W/raw/metrics.txt"
curl -s "http://127.0.0.1:$P_RS/health" >"$W/raw/health.json"
"$W/venv/bin/python" "$HERE/report.py" "$W" "$ROOT" "$MODEL" "$DUR" "$SOAK" "$REPS"
log "done: bench/serve/results.md"
