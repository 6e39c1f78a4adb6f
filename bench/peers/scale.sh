#!/usr/bin/env bash
# Scale comparison on a MovieLens-32M-sized synthetic file (cinerec synth: 200k users, 87k
# items, 32M ratings), in one run on this machine:
#   ALS (64 factors, 15 iterations): cinerec `train --model als` vs implicit (anchors' als.py)
#   SVD (100 factors, 20 epochs):    cinerec `train --model svd` vs Surprise SVD (anchors'
#                                    surprise_svd.py: ~6 min and ~11 GB)
# Each run is one whole process under /usr/bin/time (wall s, peak RSS); the fit seconds are
# what each program reports for the fit alone. Writes bench/peers/scale.md and scale.json.
#
#   bench/peers/scale.sh
#
# Environment (optional):
#   SURPRISE=0       skip Surprise SVD (6 min, 11 GB)
#   REPS             runs of each cinerec fit (median reported; default 1 — minutes each)
#   ANCHORS          the scale anchors' folder (default /work/shared/anchors/scale)
#   RATINGS USERS ITEMS  synthetic shape (default 32000000 200000 87000)
#   SYNTH_DIR        an existing synth folder (ratings.csv + movies.csv) to reuse instead of generating
#   REPORT_ONLY=1    no runs: rewrite scale.md/scale.json from the last run's measurements
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
WORK=$ROOT/bench/work/peers/scale
VENV=$ROOT/bench/.venv
PY=$VENV/bin/python
ANCHORS=${ANCHORS:-/work/shared/anchors/scale}
USERS=${USERS:-200000}
ITEMS=${ITEMS:-87000}
RATINGS=${RATINGS:-32000000}
REPS=${REPS:-1}
SURPRISE=${SURPRISE:-1}
CINEREC=$ROOT/target/release/cinerec
mkdir -p "$WORK"
MEAS=$WORK/measurements.tsv
REPORT_ONLY=${REPORT_ONLY:-}
[ -n "$REPORT_ONLY" ] || : >"$MEAS"
log() { printf '[scale-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -z "$REPORT_ONLY" ]; then
[ -x /usr/bin/time ] || { log "GNU time (/usr/bin/time) is required"; exit 1; }
"$PY" -c "import implicit, surprise, threadpoolctl, pandas" 2>/dev/null \
  || { log "run bench/peers/run.sh first (it makes $VENV with the peer libraries)"; exit 1; }
cargo build --release -q -p cinerec

DATA=${SYNTH_DIR:-$WORK/synth}
if [ ! -f "$DATA/ratings.csv" ]; then
  log "generating $RATINGS ratings with cinerec synth"
  "$CINEREC" --quiet data synth --users "$USERS" --items "$ITEMS" --ratings "$RATINGS" --seed 0 --out "$DATA" >/dev/null
fi

# run LABEL TOOL -- command...: whole-process wall and peak RSS, stdout+stderr kept in WORK/LABEL.out
run() {
  local label=$1 tool=$2
  shift 3
  log "$label: $*"
  /usr/bin/time -f "%e %M" -o "$WORK/time.tmp" "$@" >"$WORK/$label.out" 2>&1 || {
    log "$label FAILED (see $WORK/$label.out)"
    printf '%s\t%s\tFAILED\t\t\n' "$label" "$tool" >>"$MEAS"
    return 0
  }
  read -r wall rss <"$WORK/time.tmp"
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$tool" "$wall" "$rss" "$(tail -c 2000 "$WORK/$label.out" | tr '\n\t' '  ')" >>"$MEAS"
}

for r in $(seq 1 "$REPS"); do
  run "cinerec_als_$r" cinerec -- "$CINEREC" --output json --data-dir "$WORK" train --data "$DATA" --model als \
    --params '{"factors":64,"iterations":15}' --out "$WORK/als.cinerec"
done
# The anchors' scripts read columns user,item,rating; cinerec synth writes userId,movieId,...
ANCHOR_CSV=$DATA/ratings.csv
if ! head -1 "$ANCHOR_CSV" | grep -q '^user,item,rating'; then
  ANCHOR_CSV=$WORK/ratings_anchor.csv
  [ -f "$ANCHOR_CSV" ] || { echo "user,item,rating,timestamp"; tail -n +2 "$DATA/ratings.csv"; } >"$ANCHOR_CSV"
fi
run implicit_als implicit -- "$PY" "$ANCHORS/als.py" "$ANCHOR_CSV"
for r in $(seq 1 "$REPS"); do
  run "cinerec_svd_$r" cinerec -- "$CINEREC" --output json --data-dir "$WORK" train --data "$DATA" --model svd \
    --params '{"n_factors":100,"n_epochs":20}' --out "$WORK/svd.cinerec"
done
if [ "$SURPRISE" = 1 ]; then
  run surprise_svd scikit-surprise -- "$PY" "$ANCHORS/surprise_svd.py" "$ANCHOR_CSV"
fi
rm -f "$WORK/als.cinerec" "$WORK/svd.cinerec"
cut -d' ' -f1-3 /proc/loadavg >"$WORK/loadavg"
fi

"$PY" - "$MEAS" "$HERE" <<'PY'
import json, os, re, statistics, subprocess, sys
meas, here = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(meas) if l.strip()]
def fit_s(label, out):
    if label.startswith("cinerec"):
        m = re.search(r'"fit_seconds":\s*([0-9.]+)', out)
    else:
        m = re.search(r"fit done \(([0-9.]+)s\)", out)
    return float(m.group(1)) if m else None
res = {}
for r in rows:
    label, tool = r[0], r[1]
    key = re.sub(r"_\d+$", "", label)
    e = res.setdefault(key, {"tool": tool, "wall_s": [], "rss_mib": [], "fit_s": [], "failed": False})
    if r[2] == "FAILED":
        e["failed"] = True
        continue
    e["wall_s"].append(float(r[2])); e["rss_mib"].append(int(r[3]) / 1024)
    f = fit_s(label, r[4] if len(r) > 4 else "")
    if f is not None:
        e["fit_s"].append(f)
med = lambda x: statistics.median(x) if x else None
for e in res.values():
    for k in ("wall_s", "rss_mib", "fit_s"):
        e[k + "_median"] = med(e[k])
try:  # the load average recorded at the end of the runs
    load = [float(x) for x in open(os.path.join(os.path.dirname(meas), "loadavg")).read().split()[:3]]
except (OSError, ValueError):
    load = os.getloadavg()
cpu = subprocess.run("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2", shell=True, capture_output=True, text=True).stdout.strip()
f = lambda x, d=1: "-" if x is None else f"{x:.{d}f}"
lines = ["| model | tool | fit s | whole-process wall s | peak RSS MiB |", "|---|---|---:|---:|---:|"]
for key, e in res.items():
    if e["failed"] and not e["wall_s"]:
        lines.append(f"| {key} | {e['tool']} | FAILED | - | - |")
        continue
    lines.append(f"| {key} | {e['tool']} | {f(e['fit_s_median'])} | {f(e['wall_s_median'])} | {f(e['rss_mib_median'], 0)} |")
ratios = []
for a, b, name in (("cinerec_als", "implicit_als", "ALS"), ("cinerec_svd", "surprise_svd", "SVD")):
    if a in res and b in res and res[a]["fit_s_median"] and res[b]["fit_s_median"]:
        r = res[a]["fit_s_median"] / res[b]["fit_s_median"]
        ratios.append(f"- {name}: cinerec fit {res[a]['fit_s_median']:.1f} s vs {res[b]['fit_s_median']:.1f} s "
                      f"(ratio {r:.3f}, {1/r:.1f}x faster); peak RSS {res[a]['rss_mib_median']:.0f} vs "
                      f"{res[b]['rss_mib_median']:.0f} MiB")
targets = []
def target(a, b, name, want, mem_ok, mem_text):
    if not (a in res and b in res and res[a]["fit_s_median"] and res[b]["fit_s_median"]):
        targets.append(f"- **MISS** — {name}: a run failed or reported no fit time")
        return
    x = res[b]["fit_s_median"] / res[a]["fit_s_median"]
    ok = x >= want and mem_ok(res[a]["rss_mib_median"], res[b]["rss_mib_median"])
    short = "" if x >= want else f" (short by {100 * (1 - x / want):.0f} %)"
    targets.append(f"- **{'pass' if ok else 'MISS'}** — {name} fit ≥ {want:g}× faster {mem_text}: "
                   f"{res[a]['fit_s_median']:.1f} s vs {res[b]['fit_s_median']:.1f} s = {x:.2f}×{short}; "
                   f"peak RSS {res[a]['rss_mib_median']:.0f} vs {res[b]['rss_mib_median']:.0f} MiB")
target("cinerec_als", "implicit_als", "ALS", 2, lambda m, p: m <= p, "than implicit with no more memory")
target("cinerec_svd", "surprise_svd", "SVD", 10, lambda m, p: m < 2048, "than Surprise with peak < 2 GB")
md = ("# Scale: 32M synthetic ratings\n\n"
      f"Machine: {cpu}, {os.cpu_count()} cores, load average at the end {' '.join(f'{x:.2f}' for x in load)} "
      "(shared machine). cinerec synth file (200k users, 87k items, 32M ratings, seed 0). cinerec fit = "
      "`fit_seconds` of `cinerec train` (file load and model save excluded; the whole-process column has them); "
      "implicit = anchors' als.py (64 factors, 15 iterations, both cores, BLAS 1 thread; whole process also "
      "ranks 10k users); Surprise = anchors' surprise_svd.py (defaults: 100 factors, 20 epochs).\n\n"
      + "\n".join(lines) + "\n\n" + "\n".join(ratios)
      + "\n\nTargets (each a ratio in the same run):\n\n" + "\n".join(targets)
      + "\n\nReproduce: `bench/peers/scale.sh`.\n")
open(os.path.join(here, "scale.md"), "w").write(md)
json.dump({"results": res, "load_average": load, "cpu": cpu}, open(os.path.join(here, "scale.json"), "w"), indent=1)
print(md)
PY
