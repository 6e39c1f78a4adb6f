#!/usr/bin/env bash
# New users from demographics (issue #18, point 2) on ML-100K: 20 % of the users held out of
# training (per seed), popularity and the models (MODELS, default svd,als,autoencoder) fitted
# on the rest, each held-out user recommended for through the engine's path (the prior of
# crates/engine/src/coldstart.rs blended in) from demographics alone, with their k earliest
# ratings (k = 1, 3, 5), with and without demographics (crates/engine/examples/demographics.rs).
# Writes bench/demographics/results.txt (the table) and results.json, with the machine and load.
#
#   bench/demographics/run.sh   (SEEDS=1,2,3; MODELS=svd,als,autoencoder; KS=1,3,5; PROFILE=ci; SKIP_BUILD=1)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PROFILE=${PROFILE:-ci}
SEEDS=${SEEDS:-1,2,3}
MODELS=${MODELS:-svd,als,autoencoder}
KS=${KS:-1,3,5}
cd "$ROOT"
export CINEREC_DATA_DIR=${CINEREC_DATA_DIR:-$ROOT/data}
if [ ! -d "$CINEREC_DATA_DIR/ml-100k" ]; then
  cargo build --profile "$PROFILE" -q -p cinerec
  CINEREC_ML100K_SOURCE=pip "target/$PROFILE/cinerec" --quiet --data-dir "$CINEREC_DATA_DIR" data fetch ml-100k
fi
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --profile "$PROFILE" -q --workspace --example demographics
{
  echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(uname -m) $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  "target/$PROFILE/examples/demographics" --data "$CINEREC_DATA_DIR/ml-100k" --seeds "$SEEDS" \
    --models "$MODELS" --ks "$KS" --json "$HERE/results.json"
  echo "## svd and als with up to 20 ratings (test set: the ratings after the 20 earliest)"
  "target/$PROFILE/examples/demographics" --data "$CINEREC_DATA_DIR/ml-100k" --seeds "$SEEDS" \
    --models svd,als --ks 1,5,10,20 --json "$HERE/results_k20.json"
  echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$HERE/results.txt"
