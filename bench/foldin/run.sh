#!/usr/bin/env bash
# Live fold-in (issue #18, point 3) on ML-100K: import into a fresh SQLite store, train SVD,
# serve it, and probe how much predictions move when a user re-posts a rating they already
# had, and when they post a new one (bench/foldin/probe.py). Writes bench/foldin/results.json.
#
#   bench/foldin/run.sh      (PROFILE=ci to use target/ci; SKIP_BUILD=1 uses the existing binary)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PROFILE=${PROFILE:-release}
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --profile "$PROFILE" -q -p cinerec
C=$ROOT/target/$PROFILE/cinerec
export CINEREC_DATA_DIR=${CINEREC_DATA_DIR:-$ROOT/data}
[ -d "$CINEREC_DATA_DIR/ml-100k" ] || "$C" --quiet data fetch ml-100k --from pip
WORK=$(mktemp -d)
trap 'kill "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
"$C" --quiet import ml-100k --store sqlite://f.db >/dev/null
"$C" --quiet train --store sqlite://f.db --model svd --model-dir models >/dev/null 2>&1
"$C" --quiet models --store sqlite://f.db --activate 1 >/dev/null
PORT=${PORT:-8131}
"$C" serve --store sqlite://f.db --port "$PORT" --api-key bench-key-123 >serve.log 2>&1 &
PID=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
python3 "$HERE/probe.py" "http://127.0.0.1:$PORT" bench-key-123 | tee "$HERE/results.json"
