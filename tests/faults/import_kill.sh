#!/usr/bin/env bash
# All-or-nothing imports under kill -9 (issue #17, point 2), with real processes: a store holds
# dataset A (a complete import); `cinerec import` of dataset B (other ratings over the same
# users and movies) is killed with SIGKILL at several points; after each kill the store must
# show exactly A or exactly A+B (ratings count and sum, checked with the database's own
# client), never a part; re-running the import must then reach A+B exactly.
#
# Backends: SQLite always; PostgreSQL when CINEREC_TEST_POSTGRES_URL is set (it uses its own
# database, cinerec_faults, created with createdb) — says SKIP loudly otherwise.
#
#   tests/faults/import_kill.sh      (CINEREC_BIN, FAULT_RATINGS=2000000, FAULT_KILLS="0.5 1.5 3 6")
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${CINEREC_BIN:-$ROOT/target/ci/cinerec}
RATINGS=${FAULT_RATINGS:-2000000}
KILLS=${FAULT_KILLS:-0.5 1.5 3 6}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fails=0

synth() { # seed dir
  "$BIN" --quiet data synth --users 20000 --items 8000 --ratings "$RATINGS" --seed "$1" --out "$2" > /dev/null
}
synth 1 "$WORK/a"
synth 2 "$WORK/b"

import() { # store dir
  "$BIN" --quiet import "$2" --store "$1" > /dev/null
}

state() { # backend store → "count sum"
  case $1 in
    sqlite) sqlite3 "${2#sqlite://}" "SELECT COUNT(*) || ' ' || ROUND(COALESCE(SUM(rating), 0), 1) FROM ratings" ;;
    postgres) psql -qtA "$2" -c "SELECT COUNT(*) || ' ' || ROUND(COALESCE(SUM(rating), 0)::numeric, 1) FROM ratings" ;;
  esac
}

fresh() { # backend → store URL of an empty store
  case $1 in
    sqlite) rm -f "$WORK/s.db" "$WORK/s.db-wal" "$WORK/s.db-shm"; echo "sqlite://$WORK/s.db" ;;
    postgres)
      local base=${CINEREC_TEST_POSTGRES_URL%/*}
      psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS cinerec_faults" > /dev/null 2>&1
      psql -q "$base/postgres" -c "CREATE DATABASE cinerec_faults" > /dev/null
      echo "$base/cinerec_faults" ;;
  esac
}

run_backend() {
  local b=$1 url a ab s
  url=$(fresh "$b")
  import "$url" "$WORK/a"; import "$url" "$WORK/b"; ab=$(state "$b" "$url")
  url=$(fresh "$b")
  import "$url" "$WORK/a"; a=$(state "$b" "$url")
  echo "$b: A = ($a), A+B = ($ab)"
  for t in $KILLS; do
    "$BIN" --quiet import "$WORK/b" --store "$url" > /dev/null 2>&1 &
    local pid=$!
    sleep "$t"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    s=$(state "$b" "$url")
    if [ "$s" = "$a" ]; then
      echo "  kill -9 after ${t}s: previous state A intact"
    elif [ "$s" = "$ab" ]; then
      echo "  kill -9 after ${t}s: the import had committed (A+B)"
    else
      echo "  FAIL kill -9 after ${t}s: store shows ($s), neither A nor A+B"; fails=$((fails + 1))
    fi
    local t0 t1
    t0=$(date +%s.%N)
    import "$url" "$WORK/b"
    t1=$(date +%s.%N)
    s=$(state "$b" "$url")
    if [ "$s" = "$ab" ]; then
      echo "  re-run completes it: A+B (a whole import of B onto A: $(python3 -c "print(round($t1 - $t0, 1))") s)"
    else
      echo "  FAIL re-run gives ($s), not A+B"; fails=$((fails + 1))
    fi
    # Back to A for the next kill point.
    url=$(fresh "$b"); import "$url" "$WORK/a"
  done
}

run_backend sqlite
if [ -n "${CINEREC_TEST_POSTGRES_URL:-}" ] && pg_isready -q -h 127.0.0.1 -p 5432; then
  run_backend postgres
else
  echo "*** SKIP PostgreSQL kill -9 import test: CINEREC_TEST_POSTGRES_URL unset or server down ***"
fi
echo "import kill -9: $fails failure(s)"
[ "$fails" -eq 0 ]
