#!/usr/bin/env bash
# New movies joining a running server's catalogue (issue #18 point 1) on MovieLens-100K, for
# the hybrid (content side embeds them) and SVD (cold). Writes results-<model>.json here.
# Usage: bench/newmovies/run.sh   (needs target/ci/cinerec and data/ml-100k)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${CINEREC_BIN:-target/ci/cinerec}
for model in hybrid svd; do
  work=$(mktemp -d)
  port=$((18400 + RANDOM % 500))
  "$BIN" --quiet --data-dir data serve --data ml-100k --store "sqlite://$work/s.db" --model "$model" \
    --port "$port" --api-key bench-key --models-dir "$work/models" > "$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
  python3 bench/newmovies/probe.py "http://127.0.0.1:$port" "bench/newmovies/results-$model.json"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
done
