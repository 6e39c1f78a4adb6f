#!/usr/bin/env bash
# All-or-nothing imports under kill -9 (issue #17, point 2), with real processes: a store holds
# dataset A (a complete import); `cinerec import` of dataset B (other ratings over the same
# users and movies) is killed with SIGKILL at several points; after each kill the store must
# show exactly A or exactly A+B (ratings count and sum, checked with the database's own
# client), never a part; re-running the import must then reach A+B exactly. The kill points are
# fractions of the time a whole import of B takes on that backend (measured first).
#
# Backends: SQLite always; PostgreSQL when CINEREC_TEST_POSTGRES_URL is set (it uses its own
# database, cinerec_faults, created with createdb) and MariaDB/MySQL when CINEREC_TEST_MYSQL_URL
# is set (database cinerec_faults; the import goes through LOAD DATA LOCAL INFILE there) — each
# says SKIP loudly otherwise.
#
#   tests/faults/import_kill.sh      (CINEREC_BIN, FAULT_RATINGS=2000000 (B), FAULT_RATINGS_A=1000000, FAULT_KILLS="0.03 0.1 0.2 0.3 0.9")
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${CINEREC_BIN:-$ROOT/target/ci/cinerec}
RATINGS=${FAULT_RATINGS:-2000000}
RATINGS_A=${FAULT_RATINGS_A:-1000000}
KILLS=${FAULT_KILLS:-0.03 0.1 0.2 0.3 0.9}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fails=0

synth() { # seed ratings dir
  "$BIN" --quiet data synth --users 20000 --items 8000 --ratings "$2" --seed "$1" --out "$3" > /dev/null
}
synth 1 "$RATINGS_A" "$WORK/a"
synth 2 "$RATINGS" "$WORK/b"

import() { # store dir
  "$BIN" --quiet import "$2" --store "$1" > /dev/null
}

# The MariaDB client's connection options from CINEREC_TEST_MYSQL_URL (host, port, user).
my() {
  local opts
  opts=$(python3 -c "import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(f'-h {p.hostname} -P {p.port or 3306} -u {p.username or \"root\"}' + (f' -p{p.password}' if p.password else ''))" "$CINEREC_TEST_MYSQL_URL")
  # shellcheck disable=SC2086
  mariadb $opts "$@"
}

state() { # backend store → "count sum"
  case $1 in
    mysql) my -N cinerec_faults -e "SELECT CONCAT(COUNT(*), ' ', ROUND(COALESCE(SUM(rating), 0), 1)) FROM ratings" ;;
    sqlite) sqlite3 "${2#sqlite://}" "SELECT COUNT(*) || ' ' || ROUND(COALESCE(SUM(rating), 0), 1) FROM ratings" ;;
    postgres) psql -qtA "$2" -c "SELECT COUNT(*) || ' ' || ROUND(COALESCE(SUM(rating), 0)::numeric, 1) FROM ratings" ;;
  esac
}

fresh() { # backend → store URL of an empty store
  case $1 in
    sqlite) rm -f "$WORK/s.db" "$WORK/s.db-wal" "$WORK/s.db-shm" "$WORK/s.db.snapshot"; echo "sqlite://$WORK/s.db" ;;
    postgres)
      local base=${CINEREC_TEST_POSTGRES_URL%/*}
      psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS cinerec_faults" > /dev/null 2>&1
      psql -q "$base/postgres" -c "CREATE DATABASE cinerec_faults" > /dev/null
      echo "$base/cinerec_faults" ;;
    mysql)
      my -e "DROP DATABASE IF EXISTS cinerec_faults; CREATE DATABASE cinerec_faults"
      echo "${CINEREC_TEST_MYSQL_URL%/*}/cinerec_faults" ;;
  esac
}

# State A is kept once as a copy and restored from it before each kill point (an import of A
# each time made the test twice as long): SQLite's own backup, PostgreSQL's template databases;
# MariaDB has no cheap copy, so A is imported again there.
keep_a() { # backend store
  case $1 in
    sqlite) sqlite3 "${2#sqlite://}" ".backup '$WORK/a.db'"
            [ ! -f "${2#sqlite://}.snapshot" ] || cp "${2#sqlite://}.snapshot" "$WORK/a.db.snapshot" ;;
    postgres)
      local base=${CINEREC_TEST_POSTGRES_URL%/*}
      psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS cinerec_faults_a" > /dev/null 2>&1
      psql -q "$base/postgres" -c "CREATE DATABASE cinerec_faults_a TEMPLATE cinerec_faults" > /dev/null ;;
    mysql) ;;
  esac
}
restore_a() { # backend → store URL holding state A
  case $1 in
    sqlite)
      rm -f "$WORK/s.db" "$WORK/s.db-wal" "$WORK/s.db-shm" "$WORK/s.db.snapshot"
      sqlite3 "$WORK/a.db" ".backup '$WORK/s.db'"
      [ ! -f "$WORK/a.db.snapshot" ] || cp "$WORK/a.db.snapshot" "$WORK/s.db.snapshot"
      echo "sqlite://$WORK/s.db" ;;
    postgres)
      local base=${CINEREC_TEST_POSTGRES_URL%/*}
      psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS cinerec_faults" > /dev/null 2>&1
      psql -q "$base/postgres" -c "CREATE DATABASE cinerec_faults TEMPLATE cinerec_faults_a" > /dev/null
      echo "$base/cinerec_faults" ;;
    mysql)
      local url
      url=$(fresh mysql)
      import "$url" "$WORK/a"
      echo "$url" ;;
  esac
}

run_backend() {
  local b=$1 url a ab s t0 t1 took
  url=$(fresh "$b")
  t0=$(date +%s.%N)
  import "$url" "$WORK/a"; a=$(state "$b" "$url"); keep_a "$b" "$url"
  t1=$(date +%s.%N)
  # First a kill halfway through an import into the empty store (MariaDB's bulk-insert path):
  # the store shows nothing of it (no ratings table yet, or none in it) or all of A.
  took=$(python3 -c "print(round(($t1 - $t0) * 0.5, 2))")
  url=$(fresh "$b")
  "$BIN" --quiet import "$WORK/a" --store "$url" > /dev/null 2>&1 &
  local pid=$!
  sleep "$took"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  s=$(state "$b" "$url" 2> /dev/null || echo "no table")
  case $s in
    "no table" | "0 "* | "$a") echo "  kill -9 halfway through an import into the empty store (${took} s): ($s)" ;;
    *) echo "  FAIL kill -9 halfway through an import into the empty store: ($s), neither nothing nor A"; fails=$((fails + 1)) ;;
  esac
  url=$(restore_a "$b")
  t0=$(date +%s.%N)
  import "$url" "$WORK/b"
  t1=$(date +%s.%N)
  ab=$(state "$b" "$url")
  took=$(python3 -c "print(round($t1 - $t0, 2))")
  url=$(restore_a "$b")
  s=$(state "$b" "$url")
  [ "$s" = "$a" ] || { echo "  FAIL the copy of A shows ($s), not ($a)"; fails=$((fails + 1)); }
  echo "$b: A = ($a), A+B = ($ab); a whole import of B onto A: $took s"
  # The kills land at fractions of that import's own duration (parsing, the bulk load, the
  # commit), one after another on the same store: each must leave A (or, had it committed,
  # A+B), and the one re-run at the end must complete B over whatever the kills left.
  for f in $KILLS; do
    local t
    t=$(python3 -c "print(round($took * $f, 2))")
    "$BIN" --quiet import "$WORK/b" --store "$url" > /dev/null 2>&1 &
    local pid=$!
    sleep "$t"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    s=$(state "$b" "$url")
    if [ "$s" = "$a" ]; then
      echo "  kill -9 at ${f} of the import (${t} s): previous state A intact"
    elif [ "$s" = "$ab" ]; then
      echo "  kill -9 at ${f} of the import (${t} s): the import had committed (A+B); back to A"
      url=$(restore_a "$b")
    else
      echo "  FAIL kill -9 at ${f} of the import (${t} s): store shows ($s), neither A nor A+B"; fails=$((fails + 1))
      url=$(restore_a "$b")
    fi
  done
  t0=$(date +%s.%N)
  import "$url" "$WORK/b"
  t1=$(date +%s.%N)
  s=$(state "$b" "$url")
  if [ "$s" = "$ab" ]; then
    echo "  re-run after the kills completes it: A+B ($(python3 -c "print(round($t1 - $t0, 1))") s)"
  else
    echo "  FAIL re-run after the kills gives ($s), not A+B"; fails=$((fails + 1))
  fi
}

run_backend sqlite
if [ -n "${CINEREC_TEST_POSTGRES_URL:-}" ] && pg_isready -q -h 127.0.0.1 -p 5432; then
  run_backend postgres
  base=${CINEREC_TEST_POSTGRES_URL%/*}
  psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS cinerec_faults_a" > /dev/null 2>&1 || true
else
  echo "*** SKIP PostgreSQL kill -9 import test: CINEREC_TEST_POSTGRES_URL unset or server down ***"
fi
if [ -n "${CINEREC_TEST_MYSQL_URL:-}" ] && my -e "SELECT 1" > /dev/null 2>&1; then
  run_backend mysql
  my -e "DROP DATABASE IF EXISTS cinerec_faults" > /dev/null 2>&1 || true
else
  echo "*** SKIP MariaDB kill -9 import test: CINEREC_TEST_MYSQL_URL unset or server down ***"
fi
echo "import kill -9: $fails failure(s)"
[ "$fails" -eq 0 ]
