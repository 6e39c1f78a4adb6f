#!/usr/bin/env bash
# `auto` on the peers' ML-100K splits (issue #15, point 4): `cinerec eval --model auto` against
# the best single models at their defaults, on the random 80/20 split (RMSE) and the per-user
# temporal split (NDCG@10), REPS repetitions each (auto's choice is deterministic, its fit time
# is not: the table gives the median). Also records auto's search table (the model file header)
# for each split. Writes bench/auto/results.md and bench/auto/results.json.
#
#   bench/auto/run.sh            (REPS=3; SKIP_BUILD=1 uses the existing binary)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
PROFILE=${PROFILE:-release}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --profile "$PROFILE" -q -p cinerec
C=$ROOT/target/$PROFILE/cinerec
export CINEREC_DATA_DIR=${CINEREC_DATA_DIR:-$ROOT/data}
WORK=$ROOT/bench/work/auto
SPLITS=$ROOT/bench/work/peers/splits
mkdir -p "$WORK"
[ -d "$CINEREC_DATA_DIR/ml-100k" ] || "$C" --quiet data fetch ml-100k --from pip
"$C" --quiet data split ml-100k --peer --out "$SPLITS" >/dev/null
REPS=${REPS:-3}
SINGLES=${SINGLES:-baseline,popularity,svd,svdpp,itemknn,autorec,ease,als}
for split in ratings temporal; do
  for r in $(seq 1 "$REPS"); do
    echo "[auto-bench] $split rep $r" >&2
    "$C" --quiet eval --model auto --train "$SPLITS/${split}_train.csv" --test "$SPLITS/${split}_test.csv" \
      --items "$SPLITS/items.csv" --metrics rating,ranking --json "$WORK/auto-$split-$r.json" >/dev/null
  done
  "$C" --quiet eval --model "$SINGLES" --train "$SPLITS/${split}_train.csv" --test "$SPLITS/${split}_test.csv" \
    --items "$SPLITS/items.csv" --metrics rating,ranking --json "$WORK/singles-$split.json" >/dev/null
  "$C" --quiet train --model auto --data "$SPLITS/${split}_train.csv" -o "$WORK/auto-$split.cinerec" >/dev/null
done
python3 "$HERE/summarize.py" "$WORK" "$HERE/results.md" "$HERE/results.json"
