#!/usr/bin/env bash
# The panel benchmark of issue #15: every registered model at its defaults on every panel
# dataset (cinerec_data::panel) at full size, plus ML-100K random/temporal when
# CINEREC_ML100K names its folder (default data/ml-100k; any format the loaders read).
# One JSON per (dataset, model) under bench/work/panel/<size>/, then
# bench/panel/results.md from all rows present (rows of other runs are merged).
#
#   bench/panel/run.sh                        # every model, every dataset
#   MODELS=svd,ease bench/panel/run.sh        # only these rows (others kept)
#   DATASETS=tenpoint,coldstart bench/panel/run.sh
#   SIZE=small bench/panel/run.sh             # the contract test's sizes
#   SUMMARY_ONLY=1 bench/panel/run.sh         # re-write results.md from the rows present
#
# The references (baseline, popularity) are always run with the models asked for, so a
# table never compares against a stale reference.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE="${SIZE:-full}"
MODELS="${MODELS:-all}"
DATASETS="${DATASETS:-all}"
OUT="${OUT:-bench/work/panel}"
if [ "$SIZE" = full ]; then MD="${MD:-bench/panel/results.md}"; else MD="${MD:-bench/panel/results-$SIZE.md}"; fi
export CINEREC_ML100K="${CINEREC_ML100K:-$PWD/data/ml-100k}"
[ -d "$CINEREC_ML100K" ] || unset CINEREC_ML100K
nice -n 5 cargo build --profile ci -p cinerec-engine --example panel
BIN=target/ci/examples/panel
if [ -z "${SUMMARY_ONLY:-}" ]; then
  if [ "$MODELS" != all ]; then
    case ",$MODELS," in *,baseline,*) ;; *) MODELS="baseline,$MODELS" ;; esac
    case ",$MODELS," in *,popularity,*) ;; *) MODELS="popularity,$MODELS" ;; esac
  fi
  nice -n 5 "$BIN" run --size "$SIZE" --datasets "$DATASETS" --models "$MODELS" --out "$OUT"
fi
"$BIN" summarise --size "$SIZE" --out "$OUT" --md "$MD"
