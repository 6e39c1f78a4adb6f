#!/usr/bin/env bash
# A/B of two cinerec binaries serving `GET /recommend/{user}?top_n=10` in the same run: both
# servers up at once on the peers' ML-100K ratings_train.csv (svd), wrk interleaved (32 and 1
# connections, ROUNDS rounds of DUR s each), loopback only, bounded in time. For "did this change
# slow serving down": build the old commit and the new one with the same profile, then
#
#   bench/serve/ab.sh OLD_BINARY NEW_BINARY > bench/serve/ab_<what>.md
#
# Needs wrk and the split and recommend.lua that bench/peers/run.sh and bench/serve/run.sh make.
set -euo pipefail
OLD=$1 NEW=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TRAIN=${TRAIN:-$ROOT/bench/work/peers/splits/ratings_train.csv}
REC=${REC:-$ROOT/bench/work/serve/anchor/recommend.lua}
DUR=${DUR:-10} ROUNDS=${ROUNDS:-3}
W=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT
"$OLD" --quiet serve --data "$TRAIN" --store "sqlite://$W/old.db" --model svd --port 8201 --models-dir "$W/mo" --no-request-log >"$W/old.log" 2>&1 &
"$NEW" --quiet serve --data "$TRAIN" --store "sqlite://$W/new.db" --model svd --port 8202 --models-dir "$W/mn" --no-request-log >"$W/new.log" 2>&1 &
for p in 8201 8202; do for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$p/health" >/dev/null && break; sleep 0.2; done; done
same=$([ "$(curl -s "http://127.0.0.1:8201/recommend/196?top_n=10" | sed 's/"model_version":[0-9]*//')" = "$(curl -s "http://127.0.0.1:8202/recommend/196?top_n=10" | sed 's/"model_version":[0-9]*//')" ] && echo yes || echo NO)
for p in 8201 8202; do wrk -t2 -c32 -d5s -s "$REC" "http://127.0.0.1:$p" >/dev/null 2>&1; done
for r in $(seq 1 "$ROUNDS"); do for p in 8201 8202; do
  wrk -t2 -c32 -d"${DUR}s" --latency -s "$REC" "http://127.0.0.1:$p" >"$W/c32_${p}_$r.txt" 2>&1
  wrk -t1 -c1 -d"${DUR}s" --latency -s "$REC" "http://127.0.0.1:$p" >"$W/c1_${p}_$r.txt" 2>&1
done; done
med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rps() { grep -h 'Requests/sec' "$W"/"$1"_"$2"_*.txt | awk '{print $2}'; }
p50() { grep -h ' 50%' "$W"/"$1"_"$2"_*.txt | awk '{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else {sub(/ms/,"",v)}; print v}'; }
echo "# Serving A/B: $(basename "$OLD") vs $(basename "$NEW")"
echo
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end; $ROUNDS interleaved rounds of ${DUR} s; same answers for user 196: $same."
echo
echo "| connections | old req/s (rounds) | new req/s (rounds) | new/old (medians) | old p50 ms | new p50 ms |"
echo "|---|---|---|---:|---:|---:|"
for c in c32 c1; do
  o=$(rps $c 8201 | med); n=$(rps $c 8202 | med)
  echo "| ${c#c} | $(rps $c 8201 | tr '\n' ' ') | $(rps $c 8202 | tr '\n' ' ') | $(python3 -c "print(f'{$n/$o:.3f}')") | $(p50 $c 8201 | med) | $(p50 $c 8202 | med) |"
done
