#!/usr/bin/env bash
# The main job on the embedded default (SQLite + MovieLens-100K): build, fetch the data,
# import it into the SQLite store, evaluate the models on the peers' temporal protocol,
# train one from the store (registered with its metrics), recommend and predict with it.
# `./run.sh --serve` then starts the REST API + web UI on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release -p cinerec
BIN=./target/release/cinerec
STORE=sqlite://cinerec.db
$BIN data fetch ml-100k
$BIN data info ml-100k
$BIN import ml-100k --store "$STORE"
mkdir -p runs
$BIN eval --data ml-100k --split temporal --model popularity,baseline,svd,als,itemknn,ease,hybrid \
  --metrics ranking,factorized --md runs/ml-100k-temporal.md --json runs/ml-100k-temporal.json
$BIN eval --data ml-100k --split random --model baseline,svd,svdpp,itemknn --metrics rating \
  --md runs/ml-100k-random.md --json runs/ml-100k-random.json
$BIN train --store "$STORE" --model svd --eval
$BIN recommend --data ml-100k --model svd --user 196 -n 10
$BIN predict --data ml-100k --model svd --user 196 --movie "Toy Story"
if [ "${1:-}" = "--serve" ]; then
  $BIN serve --store "$STORE" --data ml-100k --model svd
else
  echo "Next: ./run.sh --serve   (REST API, docs at /docs and the web UI at http://127.0.0.1:8000/)"
fi
