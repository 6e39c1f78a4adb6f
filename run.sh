#!/usr/bin/env bash
# The main job on the embedded default (SQLite + MovieLens-100K): build, then one pipeline
# run of cinerec.toml (fetch the data, import it into the SQLite store, evaluate the models on
# the peers' temporal protocol, refit each on all the data, register them in the store with
# their metrics, activate the best), then recommend with the store's active model.
# `./run.sh --serve` then starts the REST API + web UI on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release -p cinerec
BIN=./target/release/cinerec
STORE=sqlite://cinerec.db
# The reproducible part (cinerec.toml; a second run skips every fresh stage, see
# cinerec.lock and `cinerec pipeline status`).
$BIN pipeline run
$BIN runs --store "$STORE" list
$BIN recommend --store "$STORE" --user 196 -n 10
$BIN predict --data ml-100k --model-file runs/pipeline/models/svd-full.cinerec --user 196 --movie "Toy Story"
if [ "${1:-}" = "--serve" ]; then
  $BIN serve --store "$STORE" --data ml-100k
else
  echo "Next: ./run.sh --serve   (REST API, docs at /docs and the web UI at http://127.0.0.1:8000/)"
fi
