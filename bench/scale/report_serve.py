#!/usr/bin/env python3
"""Summarise bench/scale/serve.sh: medians over the rounds of the wrk outputs in WORK/raw,
the targets of issue #16 met or missed, written to bench/scale/serve.md and one line of
bench/RESULTS.md.   usage: report_serve.py WORK ROOT"""
import os, re, statistics, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from wrk_output import parse  # noqa: E402

W, ROOT = sys.argv[1:3]
RAW = os.path.join(W, "raw")
meta = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(RAW, "meta.txt")) if "=" in l)
REPS = int(meta.get("reps", 3))
loads = [l.rstrip("\n").split("\t") for l in open(os.path.join(RAW, "load.tsv")) if "\t" in l]


def med(name):
    rounds = [parse(os.path.join(RAW, f"{name}_r{k}.txt"), name) for k in range(1, REPS + 1)
              if os.path.exists(os.path.join(RAW, f"{name}_r{k}.txt"))]
    r = {"n": len(rounds)}
    for key in ("rps", "p50", "p99"):
        vals = [x[key] for x in rounds if key in x]
        r[key] = statistics.median(vals) if vals else None
        r[key + "s"] = vals
    r["errors"] = sum(x["non2xx"] + x["socket_errors"] for x in rounds)
    return r


def ms(v):
    return "–" if v is None else (f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10 else f"{v:.1f}")


def spread(vals, f):
    return "–" if not vals else f"{f(min(vals))}–{f(max(vals))}"


TARGETS = {  # shape: (p50 at 1 connection ms, req/s at 32, p99 at 32 ms or None)
    "20k": (0.25, 8000, None),
    "87k": (0.30, 10000, 10.0),
}
out, summary = [], []
out.append("# `/recommend` at large catalogues: cinerec vs the FastAPI + numpy anchor\n")
out.append("Made by `bench/scale/serve.sh` (report: `report_serve.py`). ALS with 64 factors, top 10, users "
           "cycling through every user id; the anchor (`../shared/anchors/fastapi`) serves float32 factors of "
           "the same shape (`synth_model.py`, 64 factors) with 2 uvicorn workers and single-threaded BLAS. "
           f"wrk on loopback shares the two cores with the servers. {REPS} rounds of {meta.get('dur')} s per "
           "cell, the servers interleaved in each round; figures are medians over the rounds (range in brackets).\n")
out.append(f"- machine: {meta.get('cpu')}, {meta.get('cores')} cores, {meta.get('mem_gb')} GB; {meta.get('wrk')}; "
           f"python {meta.get('python')}")
out.append(f"- run: {meta.get('date')}, commit {meta.get('commit')}")
out.append(f"- load at start: `{meta.get('uptime_start', '').strip()}`; at end: `{meta.get('uptime_end', '').strip()}`")
if loads:
    l1 = [float(x[1].split()[0]) for x in loads]
    out.append(f"- 1-minute load average before the measured runs: median {statistics.median(l1):.2f}, "
               f"range {min(l1):.2f}–{max(l1):.2f} (other sessions share this 2-core machine)")
out.append("")
out.append("| catalogue | server | p50 at 1 conn (ms) | req/s at 1 conn | req/s at 32 conn | p99 at 32 conn (ms) | errors |")
out.append("|---|---|---:|---:|---:|---:|---:|")
results = {}
for shape in ("20k", "87k"):
    if not os.path.exists(os.path.join(RAW, f"{shape}_c1_rs_r1.txt")):
        continue
    r = {who: (med(f"{shape}_c1_{who}"), med(f"{shape}_c32_{who}")) for who in ("rs", "py")}
    results[shape] = r
    for who, label in (("rs", "cinerec (ALS)"), ("py", "FastAPI + numpy")):
        c1, c32 = r[who]
        out.append(f"| {shape} | {label} | {ms(c1['p50'])} ({spread(c1['p50s'], ms)}) | {c1['rps']:,.0f} | "
                   f"{c32['rps']:,.0f} ({spread(c32['rpss'], lambda v: f'{v:,.0f}')}) | {ms(c32['p99'])} "
                   f"({spread(c32['p99s'], ms)}) | {c1['errors'] + c32['errors']} |")
out.append("")
out.append("## Server and autocomplete\n")
out.append("| catalogue | first start: seed store + train ALS, to /health (s) | its peak RSS (MB) | restart with the registered model, to /health (s) | RSS after the runs (MB) | peak RSS of that process (MB) | autocomplete p50 / p99 at 1 conn (ms) | at 8 conn: req/s, p99 (ms) |")
out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
rss = {}
for shape in results:
    st = open(os.path.join(RAW, f"{shape}_start_s.txt")).read().strip()
    fp = os.path.join(RAW, f"{shape}_first_start_s.txt")
    first = open(fp).read().strip() if os.path.exists(fp) else "–"
    hp = os.path.join(RAW, f"{shape}_first_start_hwm.txt")
    first_hwm = "–"
    if os.path.exists(hp):
        first_hwm = "{:,.0f}".format(int(re.search(r"VmHWM:\s+(\d+)", open(hp).read()).group(1)) / 1024)
    txt = open(os.path.join(RAW, f"{shape}_rss.txt")).read()
    cur = int(re.search(r"VmRSS:\s+(\d+)", txt).group(1)) / 1024
    hwm = int(re.search(r"VmHWM:\s+(\d+)", txt).group(1)) / 1024
    rss[shape] = (cur, hwm)
    s1, s8 = med(f"{shape}_search_c1"), med(f"{shape}_search_c8")
    results[shape]["search"] = (s1, s8)
    out.append(f"| {shape} | {first} | {first_hwm} | {st} | {cur:,.0f} | {hwm:,.0f} | {ms(s1['p50'])} / {ms(s1['p99'])} | "
               f"{s8['rps']:,.0f}, {ms(s8['p99'])} |")
out.append("")
out.append("The first start (`PREP_ONLY=1`) seeds the SQLite store from the CSV and trains ALS; the measured "
           "server is a restart on that store, which loads the registered model.\n")
out.append("## Targets (issue #16)\n")
for shape, r in results.items():
    p50_t, rps_t, p99_t = TARGETS[shape]
    c1, c32 = r["rs"]
    py32 = r["py"][1]
    ratio = c32["rps"] / py32["rps"] if py32["rps"] else float("nan")
    checks = [
        (f"p50 ≤ {p50_t} ms at 1 connection", c1["p50"] is not None and c1["p50"] <= p50_t, f"{ms(c1['p50'])} ms"),
        (f"≥ {rps_t:,} req/s at 32 connections", c32["rps"] >= rps_t, f"{c32['rps']:,.0f} req/s"),
    ]
    if p99_t:
        checks.append((f"p99 < {p99_t} ms at 32 connections", c32["p99"] is not None and c32["p99"] < p99_t, f"{ms(c32['p99'])} ms"))
    checks.append(("≥ 4× the anchor's req/s at 32 connections", ratio >= 4, f"{ratio:.2f}× ({c32['rps']:,.0f} vs {py32['rps']:,.0f})"))
    if shape == "87k":
        checks.append(("server RSS ≤ 2 GB at 32M (the serving process's peak)", rss[shape][1] <= 2048, f"peak {rss[shape][1]:,.0f} MB, during its start (store and model load); {rss[shape][0]:,.0f} MB after the runs"))
    s1 = r["search"][0]
    checks.append(("autocomplete p99 < 20 ms", s1["p99"] is not None and s1["p99"] < 20, f"p50 {ms(s1['p50'])} ms, p99 {ms(s1['p99'])} ms"))
    for what, ok, fig in checks:
        out.append(f"- {shape}: {what}: **{'met' if ok else 'missed'}** ({fig})")
    summary.append(f"{shape}: p50 {ms(c1['p50'])} ms at 1 conn, {c32['rps']:,.0f} req/s (p99 {ms(c32['p99'])} ms) at 32 "
                   f"= {ratio:.1f}× the FastAPI anchor; autocomplete p99 {ms(s1['p99'])} ms")
out.append("")
out.append("The scoring kernels and the title index alone, in process: [kernels.md](kernels.md).")
out.append("")
open(os.path.join(ROOT, "bench", "scale", "serve.md"), "w").write("\n".join(out) + "\n")

# one line in bench/RESULTS.md, replaced on every run
res = os.path.join(ROOT, "bench", "RESULTS.md")
text = open(res).read()
line = (f"- **Serving at scale** ({meta.get('date', '')[:10]}, `bench/scale/serve.sh`, ALS 64 factors, load "
        f"{meta.get('uptime_start', '').split('load average:')[-1].strip()}): " + "; ".join(summary) +
        ". Details and targets: [scale/serve.md](scale/serve.md).")
if re.search(r"^- \*\*Serving at scale\*\*.*$", text, re.M):
    text = re.sub(r"^- \*\*Serving at scale\*\*.*$", lambda _: line, text, flags=re.M)
else:  # at the end of the "## Serving" section
    at = text.find("\n## ", text.find("## Serving") + 1) if "## Serving" in text else -1
    text = (text.rstrip("\n") + "\n\n" + line + "\n") if at < 0 else (
        text[:at].rstrip("\n") + "\n\n" + line + "\n" + text[at:])
open(res, "w").write(text)
print("\n".join(out))
