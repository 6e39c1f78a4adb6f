#!/usr/bin/env python3
"""Summarise bench/serve/retrain.sh: parse the wrk outputs in WORK/raw (idle_c{C}_r{k},
fit_c{C}_r{k}), take medians over the rounds and write bench/serve/retrain.md.

usage: retrain_report.py WORK ROOT MODEL DUR REPS CONNS THREADS RETRAIN_PARAMS DATA"""
import json, os, platform, statistics, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wrk_output import parse  # noqa: E402

W, ROOT, MODEL, DUR, REPS, CONNS, THREADS, PARAMS, DATA = sys.argv[1:10]
RAW = os.path.join(W, "raw")


def wrk(name):
    return parse(os.path.join(RAW, name + ".txt"), name)


def side(path, default=""):
    p = os.path.join(RAW, path)
    return open(p).read().strip() if os.path.exists(p) else default


def rounds(kind, c):
    out = []
    for k in range(1, int(REPS) + 1):
        name = f"{kind}_c{c}_r{k}"
        if os.path.exists(os.path.join(RAW, name + ".txt")):
            r = wrk(name)
            r["busy"] = side(name + ".busy", "?")
            r["cov"] = side(name + ".cov", "")
            out.append(r)
    return out


def med(rs, key):
    vals = [r[key] for r in rs if key in r]
    return statistics.median(vals) if vals else None


def ms(v):
    return "–" if v is None else f"{v:.3f}"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
commit = sh(f"git -C {ROOT} rev-parse --short HEAD")
retrain = json.load(open(os.path.join(RAW, "retrain.json")))
health = json.load(open(os.path.join(RAW, "health_start.json")))
decisions = retrain.get("decisions", [])
fits = [d["fit_seconds"] for d in decisions if d.get("fit_seconds") is not None]

lines = [
    "# Request latency with and without a background fit (`bench/serve/retrain.sh`)",
    "",
    f"`GET /recommend/{{user}}?top_n=10` cycling over the {health['users']} users, served by `cinerec serve --model {MODEL} "
    f"--retrain-after N --retrain-threads {THREADS} --retrain-params '{PARAMS}'` on {health['ratings']:,} ratings "
    f"(`{os.path.relpath(DATA, ROOT) if DATA.startswith(ROOT) else DATA}`), SQLite store, wrk on loopback. "
    f"{REPS} rounds; in each, per connection count, a {DUR} s run while the server is idle and a {DUR} s run "
    "while a retrain attempt fits (started by posting N new ratings; wrk starts once `GET /retrain` reports the "
    "attempt running). Latencies in ms; medians over the rounds, every round's p99 beside them.",
    "",
    f"Machine: {os.cpu_count()} vCPU ({cpu}), {platform.system()} {platform.release()}, shared with other "
    "sessions (the `busy` column is the machine's CPU use in the 2 s before each run, our idle server "
    f"included). Code: {commit}. "
    + (f"Background fits: {len(fits)}, median {statistics.median(fits):.1f} s each (the candidate's fit, at "
       f"nice 19 on {THREADS} thread(s); an accepted candidate is refitted too)." if fits else ""),
    "",
    "| connections | background fit | p50 | p90 | p99 | req/s | p99 per round | busy before, % | run covered by the fit | non-2xx / errors |",
    "|---|---|---|---|---|---|---|---|---|---|",
]
summary = {}
for c in CONNS.split():
    for kind, label in (("idle", "none"), ("fit", "running")):
        rs = rounds(kind, c)
        if not rs:
            continue
        summary[(c, kind)] = {k: med(rs, k) for k in ("p50", "p90", "p99", "rps")}
        cov = ", ".join(r["cov"] for r in rs) if kind == "fit" else "–"
        lines.append(
            f"| {c} | {label} | {ms(med(rs, 'p50'))} | {ms(med(rs, 'p90'))} | {ms(med(rs, 'p99'))} | "
            f"{med(rs, 'rps'):.0f} | {' / '.join(ms(r.get('p99')) for r in rs)} | "
            f"{' / '.join(r['busy'] for r in rs)} | {cov} | "
            f"{sum(r['non2xx'] for r in rs)} / {sum(r['socket_errors'] for r in rs)} |"
        )
lines.append("")
for c in CONNS.split():
    i, f = summary.get((c, "idle")), summary.get((c, "fit"))
    if i and f and i["p99"] and f["p99"]:
        lines.append(
            f"- {c} connection(s): p99 {ms(i['p99'])} → {ms(f['p99'])} ms with a fit running "
            f"(×{f['p99'] / i['p99']:.2f}), p50 {ms(i['p50'])} → {ms(f['p50'])} ms, "
            f"throughput {i['rps']:.0f} → {f['rps']:.0f} req/s."
        )
outcomes = {}
for d in decisions:
    outcomes[d["outcome"]] = outcomes.get(d["outcome"], 0) + 1
lines += [
    "",
    "Retrain attempts during the bench: "
    + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
    + " (each posted batch triggers one; `GET /retrain` at the end is in the work folder).",
    "",
    "Reproduce: `bench/serve/retrain.sh` (env: DUR, REPS, CONNS, MODEL, THREADS, AFTER, RETRAIN_PARAMS, DATA).",
    "",
]
open(os.path.join(ROOT, "bench", "serve", "retrain.md"), "w").write("\n".join(lines))
print("\n".join(lines))
