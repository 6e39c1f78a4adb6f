#!/usr/bin/env bash
# The measured inputs of docs/deploy.md's capacity plan (issue #20, point 4), in one run:
#   1. bytes per rating: a `cinerec data synth` dataset imported into PostgreSQL (the
#      `ratings` table with its indexes, from pg_total_relation_size; the whole database too)
#      and into SQLite (the file), and the columnar snapshot file each import writes;
#   2. Spark's ALS time against the rating count: `cinerec train --engine spark` (local mode,
#      MLlib) at two sizes, the job's own fit seconds from the registry, per iteration;
#   3. cinerec's own ALS fit at the same sizes, for the ratio;
#   4. rating propagation between replicas: tests/replicas/run.sh's latency line.
# Per-request CPU at a catalogue size comes from bench/scale/serve.sh (HTTP) and
# bench/scale/kernels.md's in-process kernel table; this script does not repeat them.
#
#   CINEREC_BIN=target/ci/cinerec CINEREC_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
#     SPARK_SUBMIT=target/spark-venv/bin/spark-submit bench/deploy/measure.sh
#   SIZES="1000000 4000000" (ratings of the two synth datasets), ITER=10, FACTORS=64
#
# Writes bench/deploy/results.md (raw figures in bench/deploy/results.tsv).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${CINEREC_BIN:-$ROOT/target/ci/cinerec}
PG=${CINEREC_TEST_POSTGRES_URL:?set CINEREC_TEST_POSTGRES_URL (a PostgreSQL the script may create a database on)}
SUBMIT=${SPARK_SUBMIT:-$ROOT/target/spark-venv/bin/spark-submit}
SIZES=${SIZES:-1000000 4000000}
ITER=${ITER:-10}
FACTORS=${FACTORS:-64}
W=$(mktemp -d)
trap 'rm -rf "$W"; psql -q "${PG%/*}/postgres" -c "DROP DATABASE IF EXISTS cinerec_deploy" >/dev/null 2>&1 || true' EXIT
TSV=$HERE/results.tsv
log() { printf '[deploy %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
run() { "$BIN" --quiet --data-dir "$W/data" --runs-dir "$W/runs" "$@"; }
printf 'what\tratings\tvalue\tunit\n' > "$TSV"
put() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" | tee -a "$TSV" >&2; }
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- crates || echo '+uncommitted')"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$W/meta.txt"

for n in $SIZES; do
  users=$(( n / 160 )); items=$(( n / 250 + 1000 ))
  d=$W/synth-$n
  log "$n ratings: synth ($users users, $items movies)"
  run data synth --users "$users" --items "$items" --ratings "$n" --seed 11 --out "$d" > /dev/null
  csv=$(stat -c %s "$d/ratings.csv"); put csv_bytes_per_rating "$n" "$(( csv / n ))" B

  # 1. bytes per rating: PostgreSQL and SQLite, and their snapshots
  psql -q "${PG%/*}/postgres" -c "DROP DATABASE IF EXISTS cinerec_deploy" > /dev/null 2>&1
  psql -q "${PG%/*}/postgres" -c "CREATE DATABASE cinerec_deploy" > /dev/null
  pgurl=${PG%/*}/cinerec_deploy
  CINEREC_SNAPSHOT_DIR=$W/snap run import "$d" --store "$pgurl" > /dev/null
  psql -q "$pgurl" -c "VACUUM ANALYZE" > /dev/null
  put pg_ratings_table_bytes_per_rating "$n" "$(psql -qtA "$pgurl" -c "SELECT pg_total_relation_size('ratings') / $n")" B
  put pg_database_bytes_per_rating "$n" "$(psql -qtA "$pgurl" -c "SELECT pg_database_size(current_database()) / $n")" B
  snap=$(find "$W/snap" -type f -printf '%s\n' | sort -n | tail -1)
  put snapshot_bytes_per_rating "$n" "$(( snap / n ))" B
  run import "$d" --store "sqlite://$W/s-$n.db" > /dev/null
  put sqlite_file_bytes_per_rating "$n" "$(( $(stat -c %s "$W/s-$n.db") / n ))" B

  # 2./3. ALS on Spark (local[*]) and cinerec's own, same parameters, fitted on everything
  params="{\"factors\": $FACTORS, \"iterations\": $ITER}"
  store="sqlite://$W/s-$n.db"
  log "$n ratings: cinerec ALS"
  run train --store "$store" --model als --params "$params" --out "$W/m-$n-local.cinerec" > /dev/null
  log "$n ratings: Spark ALS (local mode)"
  run train --store "$store" --model als --params "$params" --engine spark --spark-submit "$SUBMIT" \
    --out "$W/m-$n-spark.cinerec" > /dev/null
  run --output json models --store "$store" > "$W/models-$n.json"
  python3 - "$W/models-$n.json" "$n" "$ITER" >> "$TSV" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); n, it = sys.argv[2], int(sys.argv[3])
models = doc["registered"] if isinstance(doc, dict) and "registered" in doc else doc
models = models if isinstance(models, list) else models.get("models", [])
for m in models:
    met = m.get("metrics") or {}
    if met.get("trained_by") == "spark":
        job = met["spark"]["job"]
        print(f"spark_fit_seconds\t{n}\t{job['fit_seconds']:.2f}\ts")
        print(f"spark_seconds_per_iteration\t{n}\t{job['fit_seconds'] / it:.3f}\ts")
        print(f"spark_session_seconds\t{n}\t{job['session_seconds']:.2f}\ts")
        print(f"spark_blocks\t{n}\t{job['blocks']}\t")
        print(f"spark_train_wall_seconds\t{n}\t{met['fit_seconds']:.2f}\ts")
    else:
        print(f"cinerec_als_fit_seconds\t{n}\t{met.get('fit_seconds', 0):.2f}\ts")
PY
  tail -n 6 "$TSV" >&2
done

# 4. propagation between replicas (the CI test, its latency line)
log "replicas: tests/replicas/run.sh"
if CINEREC_BIN=$BIN "$ROOT/tests/replicas/run.sh" > "$W/replicas.txt" 2>&1; then
  grep -E 'propagation latency' "$W/replicas.txt" | tail -1 > "$W/prop.txt" || true
else
  echo "replica test FAILED" > "$W/prop.txt"; tail -20 "$W/replicas.txt" >&2
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$W/meta.txt"
python3 "$HERE/report.py" "$TSV" "$W/meta.txt" "$W/prop.txt" > "$HERE/results.md"
log "wrote bench/deploy/results.md"
