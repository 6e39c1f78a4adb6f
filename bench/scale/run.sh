#!/usr/bin/env bash
# Issue #16 end to end at the MovieLens-32M shape, in one run: every row of the issue's table,
# cinerec beside the tool a user would compare it with, plus memory peaks. It runs the
# benches that own each row, one after the other (never two at once: the machine has 2 cores),
# and gathers their headline lines into bench/scale/run.md:
#
#   import     bench/ingest/run.sh at the 32M shape (TAG=32m): cinerec import into SQLite,
#              PostgreSQL, MariaDB vs sqlite3 .import, psql \copy, LOAD DATA LOCAL INFILE
#              -> bench/ingest/results-32m.md
#   store      bench/scale/store.sh SHAPE=32m: store load vs CSV load, serve restart vs CSV load
#              + model load, import peak -> bench/scale/store-32m.md
#   ease       bench/ease/run.sh: EASE fit vs numpy's inverse (9k and 20k movies)
#              -> bench/ease/results.md
#   serve      bench/scale/serve.sh: /recommend at 20k and 87k movies vs the FastAPI + numpy
#              anchor, server RSS, autocomplete -> bench/scale/serve.md
#
#   bench/scale/run.sh                   # everything (about 1.5 hours on 2 cores)
#   STEPS="import store" bench/scale/run.sh
#
# Environment: STEPS (default "import store ease serve"), REPS (runs per measurement; each
# step's own default, 3, when unset), IMPORT_REPS (the import step's, default REPS), BIN (a cinerec binary; default built with --profile
# ci). Work files go to bench/work (git-ignored).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
STEPS=${STEPS:-import store ease serve}
OUT=$HERE/run.md
log() { printf '[scale-run %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
start=$(date +%s)

if [ -z "${BIN:-}" ]; then
  log "building cinerec (profile ci)"
  cargo build -q --profile ci -p cinerec
  mkdir -p bench/work
  cp "${CARGO_TARGET_DIR:-$ROOT/target}/ci/cinerec" bench/work/cinerec-scale
  BIN=$ROOT/bench/work/cinerec-scale
fi
export BIN

for step in $STEPS; do
  log "step $step"
  case $step in
    import) REPS=${IMPORT_REPS:-${REPS:-3}} TAG=32m USERS=200000 MOVIES=87000 RATINGS=32000000 \
      bash bench/ingest/run.sh ;;
    store) SHAPE=32m BACKENDS="${BACKENDS:-sqlite postgres}" bash bench/scale/store.sh ;;
    ease) bash bench/ease/run.sh ;;
    serve) CINEREC=$BIN bash bench/scale/serve.sh ;;
    *) log "unknown step $step (import, store, ease, serve)"; exit 2 ;;
  esac
done

# The headline of each result file (its first table and the lines that state a target).
{
  echo "# Issue #16 at the 32M shape: bench/scale/run.sh"
  echo
  echo '```text'
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ) ($(( ($(date +%s) - start) / 60 )) min)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') × $(nproc)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo +uncommitted)"
  echo "steps of this invocation: $STEPS (every result file present is summarised below)"
  echo '```'
  for f in bench/ingest/results-32m.md bench/scale/store-32m.md bench/ease/results.md bench/scale/serve.md; do
    [ -s "$f" ] || continue
    echo
    echo "## $f"
    echo
    # The tables and the bold target statements, up to the per-run rows and the notes.
    awk '/^## (Every run|What is compared|Agreement|Reading)/ {exit}
         /^\|/ {t=1; print; next} t && /\*\*/ {print}' "$f"
  done
} >"$OUT"
log "wrote $OUT"
