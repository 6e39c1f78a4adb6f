#!/usr/bin/env bash
# Speed bench: cinerec's two-tower model (burn-flex, CPU) against the same architecture in
# PyTorch (CPU), trained with the reference configuration for a fixed number of epochs on the
# MovieLens-100K 80/20 train file, both with THREADS threads, runs interleaved; reports the
# median seconds per epoch and the ratio cinerec / torch in bench/neural/results.md.
#
#   bench/neural/run.sh                        # EPOCHS=3 RUNS=3 THREADS=2
#   SPLIT=/path/to/peer-split DATA=/path/to/ml-100k bench/neural/run.sh
#
# Installs torch into bench/.venv-torch on first use (the CPU wheel index first; PyPI's torch
# when that host is unreachable). Work files go to bench/work/neural/. Bounded: every step
# runs under `timeout`.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EPOCHS=${EPOCHS:-3}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
SPLIT=${SPLIT:-$ROOT/bench/work/peer-split}
DATA=${DATA:-$ROOT/data/ml-100k}
VENV=${VENV:-$ROOT/bench/.venv-torch}
WORK=$ROOT/bench/work/neural
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"
for f in "$SPLIT/ratings_train.csv" "$SPLIT/ratings_test.csv" "$DATA/ml-100k.inter"; do
    [ -f "$f" ] || { echo "missing $f (set SPLIT / DATA)" >&2; exit 1; }
done

# 1. PyTorch in a virtualenv.
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    echo "installing torch into $VENV" >&2
    if ! timeout 300 "$VENV/bin/pip" install --quiet torch \
        --index-url https://download.pytorch.org/whl/cpu 2>"$WORK/pip-cpu.log"; then
        echo "the CPU wheel index is unreachable; installing PyPI's torch" >&2
        timeout 480 "$VENV/bin/pip" install --quiet torch
    fi
fi
TORCH_VERSION=$("$VENV/bin/python" -c "import torch; print(torch.__version__)" 2>/dev/null)

# 2. cinerec's side: the example, built with the ci profile (release optimisation).
(cd "$ROOT" && timeout 900 cargo build --quiet --profile ci -p cinerec-neural --example twotower_ml100k)
BIN=$CARGO_TARGET_DIR/ci/examples/twotower_ml100k

# 3. Interleaved runs.
: >"$WORK/runs.jsonl"
for run in $(seq 1 "$RUNS"); do
    timeout 300 "$VENV/bin/python" -W ignore "$HERE/twotower_torch.py" --train "$SPLIT/ratings_train.csv" \
        --epochs "$EPOCHS" --threads "$THREADS" --run "$run" | grep '^TORCH ' | sed 's/^TORCH /{"side":"torch","data":/; s/$/}/' >>"$WORK/runs.jsonl"
    timeout 300 "$BIN" --data "$DATA" --split "$SPLIT" --bench-epochs "$EPOCHS" --threads "$THREADS" \
        | grep '^BENCH ' | sed 's/^BENCH /{"side":"cinerec","data":/; s/$/}/' >>"$WORK/runs.jsonl"
    echo "run $run/$RUNS done" >&2
done

# 4. Summary.
"$VENV/bin/python" - "$WORK/runs.jsonl" "$HERE/results.md" "$EPOCHS" "$THREADS" "$TORCH_VERSION" <<'EOF'
import json, statistics, sys, platform, datetime
runs_path, out, epochs, threads, torch_version = sys.argv[1:6]
rows = [json.loads(l) for l in open(runs_path) if l.strip()]
per = {"cinerec": [], "torch": []}
fits = {"cinerec": [], "torch": []}
for r in rows:
    per[r["side"]].extend(r["data"]["epoch_seconds"])
    fits[r["side"]].append(r["data"]["fit_seconds"])
med = {k: statistics.median(v) for k, v in per.items() if v}
cpu = platform.processor() or platform.machine()
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
ratio = med["cinerec"] / med["torch"]
lines = [
    "## Neural: two-tower vs PyTorch",
    "",
    f"Two-tower model, reference configuration (64-d embeddings, rating MLP 256-128-1, in-batch "
    f"softmax + MSE, Adagrad lr 0.1, batch 1000), trained for {epochs} epochs on the MovieLens-100K "
    f"80/20 train file (80,000 ratings, no validation hold-out) with {threads} threads; runs "
    f"interleaved, {len(fits['torch'])} fits per side. Machine: {cpu}, {threads} threads. "
    f"Measured {datetime.date.today().isoformat()} by `bench/neural/run.sh`.",
    "",
    "| implementation | median s / epoch | min s / epoch | max s / epoch | median fit s |",
    "|---|---|---|---|---|",
]
names = {"cinerec": "cinerec (burn 0.22.1 flex, `--profile ci`)", "torch": f"PyTorch {torch_version} (CPU)"}
for k in ("cinerec", "torch"):
    v = per[k]
    lines.append(f"| {names[k]} | {statistics.median(v):.3f} | {min(v):.3f} | {max(v):.3f} | {statistics.median(fits[k]):.2f} |")
lines += [
    "",
    f"Ratio cinerec / PyTorch (median seconds per epoch): **{ratio:.2f}** "
    f"({'cinerec faster' if ratio < 1 else 'cinerec slower'}; target ≤ 1.00).",
    "",
]
open(out, "w").write("\n".join(lines))
print("\n".join(lines))
EOF
