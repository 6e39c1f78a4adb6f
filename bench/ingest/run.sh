#!/usr/bin/env bash
# Ingest benchmark (issues #16 "Bulk ingest", #17 point 2): `cinerec_store::import_dataset`
# (the store's all-or-nothing bulk import, through the `import_csv` example: CSV loaded with
# cinerec-data's loader, then imported) against each database's own bulk loader — the anchors
# in /work/shared/anchors/datapath (sqlite3 .import, psql \copy, MariaDB LOAD DATA LOCAL
# INFILE) — on the same generated CSV, in the same run, alternating, each into a fresh database;
# and the same tools into cinerec's ratings schema (schema_anchor.sh: primary key + the
# ratings_movie index, which the anchors' table lacks).
# Wall time and peak RSS by GNU time. Writes bench/ingest/measurements.tsv and results.md (the
# table of medians, then the hand-written notes.md: what is compared, how to read it).
#
#   bench/ingest/run.sh
#
# Environment (all optional):
#   REPS            timed runs per tool and backend, median reported (default 3)
#   BACKENDS        subset of "sqlite postgres mariadb" (default all three)
#   USERS MOVIES RATINGS SEED   CSV shape (default 31250 20000 5000000 42)
#   ANCHORS         anchor folder (default /work/shared/anchors/datapath)
#   PG              PostgreSQL server URL without database (default postgres://postgres@127.0.0.1:5432)
#   MY              MariaDB server URL without database (default mysql://root@127.0.0.1:3306)
#   TAG             suffix of the outputs (measurements-TAG.tsv, results-TAG.md; default none:
#                   the 5M files; bench/scale/run.sh sets 32m)
#   CARGO_TARGET_DIR  honoured by cargo as usual
# Generated data and databases go to bench/work/ingest (git-ignored); the PostgreSQL and
# MariaDB databases are cinerec_ingest_bench and cinerec_ingest_anchor (dropped and recreated).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
WORK=$ROOT/bench/work/ingest
REPS=${REPS:-3}
BACKENDS=${BACKENDS:-sqlite postgres mariadb}
USERS=${USERS:-31250}
MOVIES=${MOVIES:-20000}
RATINGS=${RATINGS:-5000000}
SEED=${SEED:-42}
ANCHORS=${ANCHORS:-/work/shared/anchors/datapath}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
MY=${MY:-mysql://root@127.0.0.1:3306}
mkdir -p "$WORK"
SUFFIX=${TAG:+-$TAG}
MEAS=$HERE/measurements$SUFFIX.tsv
RESULTS=$HERE/results$SUFFIX.md
META=$WORK/meta.txt
log() { printf '[ingest-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[ -x /usr/bin/time ] || { log "GNU time (/usr/bin/time) is required"; exit 1; }

log "building the import_csv example (profile ci)"
cargo build -q --profile ci -p cinerec-store --example import_csv
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/ci/examples/import_csv

CSV=$WORK/ratings_${RATINGS}.csv
if [ ! -s "$CSV" ]; then
  log "generating $CSV"
  "$BIN" gen "$CSV" "$USERS" "$MOVIES" "$RATINGS" "$SEED"
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') × $(nproc)"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "sqlite3: $(sqlite3 --version | cut -d' ' -f1)"
  echo "postgres: $(psql -tA "$PG/postgres" -c 'SHOW server_version' 2>/dev/null || echo n/a)"
  echo "mariadb: $(mariadb -h 127.0.0.1 -uroot -N -e 'SELECT VERSION()' 2>/dev/null || echo n/a)"
  echo "csv: $CSV ($(wc -l <"$CSV") lines, $(du -h "$CSV" | cut -f1))"
} >"$META"
cat "$META" >&2

printf 'rep\tbackend\ttool\tseconds\tmax_rss_kb\tload1_before\tdetail\n' >"$MEAS"

# Runs "$@" under GNU time; appends one measurement row.
measure() {
  local rep=$1 backend=$2 tool=$3; shift 3
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local out tfile=$WORK/time.txt
  out=$(/usr/bin/time -v -o "$tfile" "$@" 2>"$WORK/stderr.txt" | tail -1) || {
    log "FAILED: $*"; cat "$WORK/stderr.txt" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tfile")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$backend" "$tool" "$wall" "$rss" "$load" "$out" >>"$MEAS"
  log "$backend $tool run $rep: ${wall}s, ${rss} kB RSS (load $load) $out"
}

fresh_pg() { psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>/dev/null; }
fresh_my() { mariadb -h 127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1"; }

for rep in $(seq 1 "$REPS"); do
  for backend in $BACKENDS; do
    case $backend in
      sqlite)
        measure "$rep" sqlite anchor bash "$ANCHORS/sqlite_import.sh" "$CSV" "$WORK/anchor.db"
        measure "$rep" sqlite anchor_schema bash "$HERE/schema_anchor.sh" sqlite "$CSV" "$WORK/anchor_schema.db"
        rm -f "$WORK"/cinerec.db*
        measure "$rep" sqlite cinerec "$BIN" "$CSV" "sqlite://$WORK/cinerec.db"
        ;;
      postgres)
        measure "$rep" postgres anchor bash "$ANCHORS/pg_copy.sh" "$CSV" cinerec_ingest_anchor
        measure "$rep" postgres anchor_schema bash "$HERE/schema_anchor.sh" postgres "$CSV" cinerec_ingest_anchor
        fresh_pg cinerec_ingest_bench
        measure "$rep" postgres cinerec "$BIN" "$CSV" "$PG/cinerec_ingest_bench"
        ;;
      mariadb)
        measure "$rep" mariadb anchor bash "$ANCHORS/mariadb_load.sh" "$CSV" cinerec_ingest_anchor
        measure "$rep" mariadb anchor_schema bash "$HERE/schema_anchor.sh" mariadb "$CSV" cinerec_ingest_anchor
        fresh_my cinerec_ingest_bench
        measure "$rep" mariadb cinerec "$BIN" "$CSV" "$MY/cinerec_ingest_bench"
        ;;
      *) log "unknown backend $backend"; exit 1 ;;
    esac
  done
done

{ python3 "$HERE/report.py" "$MEAS" "$META"; cat "$HERE/notes.md"; } >"$RESULTS"
log "wrote $RESULTS"
