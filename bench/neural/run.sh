#!/usr/bin/env bash
# Speed bench: cinerec's two-tower model (burn-flex, CPU) against the same architecture in
# PyTorch (CPU), trained with the reference configuration for a fixed number of epochs on the
# MovieLens-100K 80/20 train file, both with THREADS threads, runs interleaved; reports the
# median seconds per epoch and the ratio cinerec / torch in bench/neural/results.md.
#
#   bench/neural/run.sh                        # EPOCHS=3 RUNS=3 THREADS=2 THREADS_ALSO=1
#   SPLIT=/path/to/peer-split DATA=/path/to/ml-100k bench/neural/run.sh
#
# Installs torch into bench/.venv-torch on first use (the CPU wheel index first; PyPI's torch
# when that host is unreachable). Work files go to bench/work/neural/. Bounded: every step
# runs under `timeout`; before each fit it waits up to IDLE_WAIT (20) s for the machine to be
# < 15 % busy and records the reading.
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

# 2. cinerec's side: the example, built with PROFILE (default release, as the shipped binary).
export PROFILE=${PROFILE:-release}
(cd "$ROOT" && timeout 1800 cargo build --quiet --profile "$PROFILE" -p cinerec-neural --example twotower_ml100k)
BIN=$CARGO_TARGET_DIR/$PROFILE/examples/twotower_ml100k

# 3. Interleaved runs, for each thread count (the target is THREADS; THREADS_ALSO adds context).
busy() { # % of all cores busy over one second
    local a b
    a=($(head -n 1 /proc/stat)); sleep 1; b=($(head -n 1 /proc/stat))
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_idle() { # up to IDLE_WAIT seconds for the machine to be < 15 % busy; prints the last reading
    local t=0 b
    b=$(busy)
    while [ "$b" -ge 15 ] && [ "$t" -lt "${IDLE_WAIT:-20}" ]; do sleep 4; t=$((t + 5)); b=$(busy); done
    echo "$b"
}
: >"$WORK/runs.jsonl"
for threads in $THREADS ${THREADS_ALSO-1}; do
    for run in $(seq 1 "$RUNS"); do
        b=$(wait_idle)
        timeout 300 "$VENV/bin/python" -W ignore "$HERE/twotower_torch.py" --train "$SPLIT/ratings_train.csv" \
            --epochs "$EPOCHS" --threads "$threads" --run "$run" | grep '^TORCH ' \
            | sed "s/^TORCH /{\"side\":\"torch\",\"busy\":$b,\"data\":/; s/\$/}/" >>"$WORK/runs.jsonl"
        b=$(wait_idle)
        timeout 300 "$BIN" --data "$DATA" --split "$SPLIT" --bench-epochs "$EPOCHS" --threads "$threads" \
            | grep '^BENCH ' | sed "s/^BENCH /{\"side\":\"cinerec\",\"busy\":$b,\"data\":/; s/\$/}/" >>"$WORK/runs.jsonl"
        echo "threads $threads: run $run/$RUNS done" >&2
    done
done

# 4. Summary.
"$VENV/bin/python" "$HERE/summarize.py" "$WORK/runs.jsonl" "$HERE/results.md" "$EPOCHS" "$THREADS" "$TORCH_VERSION"
