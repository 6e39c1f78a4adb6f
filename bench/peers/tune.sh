#!/usr/bin/env bash
# Hyper-parameter searches for the ML-100K defaults (`cinerec tune`): every search runs on a
# validation set carved from the TRAIN part of the peers' split only (random 80/20 seed 42 for
# the rating models, objective RMSE; per-user temporal 80/20 for the ranking models, objective
# NDCG@10); the test part is never read. Writes bench/peers/tune/MODEL.{json,md}.
#
#   bench/peers/tune.sh [MODEL ...]     (default: all below; SKIP_BUILD=1 uses the existing binary)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release -q -p cinerec
C=$ROOT/target/release/cinerec
OUT=$HERE/tune
mkdir -p "$OUT"
declare -A SPLIT GRID
SPLIT[svd]=random;     GRID[svd]='{"n_factors":[50,100,200],"n_epochs":[20,30],"lr_all":[0.005,0.01],"reg_all":[0.02,0.05,0.1]}'
SPLIT[svdpp]=random;   GRID[svdpp]='{"n_factors":[20,50],"n_epochs":[20,30],"lr_all":[0.005,0.007],"reg_all":[0.02,0.05]}'
SPLIT[baseline]=random; GRID[baseline]='{"reg_u":[5,10,15,25],"reg_i":[5,10,15,25]}'
SPLIT[itemknn]=random; GRID[itemknn]='{"k":[20,40,80]}'
SPLIT[als]=temporal;   GRID[als]='{"factors":[32,64,128],"regularization":[0.01,0.1,1.0],"alpha":[1.0,5.0,20.0]}'
SPLIT[bpr]=temporal;   GRID[bpr]='{"factors":[64,128],"learning_rate":[0.01,0.05],"regularization":[0.01,0.001],"iterations":[100,200]}'
SPLIT[ease]=temporal;  GRID[ease]='{"lambda":[50,100,200,300,500,1000,2000]}'
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(svd svdpp baseline itemknn als bpr ease)
for m in "${MODELS[@]}"; do
  echo "[tune] $m on ${SPLIT[$m]}: ${GRID[$m]}" >&2
  "$C" --quiet tune --model "$m" --data ml-100k --split "${SPLIT[$m]}" --grid "${GRID[$m]}" \
    --json "$OUT/$m.json" --md "$OUT/$m.md" || echo "[tune] $m FAILED" >&2
done
