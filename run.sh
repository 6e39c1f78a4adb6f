#!/usr/bin/env bash
# The main job on the embedded default dataset (MovieLens-100K): build, fetch, evaluate the
# models on the peers' temporal split protocol, train one and recommend with it.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release -p cinerec
BIN=./target/release/cinerec
$BIN data fetch ml-100k
$BIN data info ml-100k
$BIN eval --data ml-100k --split temporal --model popularity,baseline,random --md runs/ml-100k-temporal.md --json runs/ml-100k-temporal.json
$BIN train --data ml-100k --model baseline
$BIN recommend --data ml-100k --model baseline --user 196 -n 10
$BIN predict --data ml-100k --model baseline --user 196 --movie "Toy Story"
