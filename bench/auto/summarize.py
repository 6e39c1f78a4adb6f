"""Summarises bench/auto/run.sh's reports into results.md / results.json."""
import json, os, platform, statistics, struct, subprocess, sys

work, out_md, out_json = sys.argv[1:4]


def reports(path):
    r = json.load(open(path))
    return r if isinstance(r, list) else [r]


def header(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[12:20])[0]
    return json.loads(b[20:20 + n])


def describe(c):
    if not c:
        return "-"
    if c["model"] == "blend":
        return "blend of " + " + ".join(x["model"] for x in c["params"]["components"])
    p = c.get("params")
    return c["model"] + (" " + json.dumps(p, separators=(",", ":")) if p else "")


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
load = open("/proc/loadavg").read().split()[:3]
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
lines = ["# `auto` on the peers' ML-100K splits", "",
         f"Machine: {cpu}, {os.cpu_count()} cores, load average {' '.join(load)} at summary time; cinerec {rev}.",
         "Reproduce: `bench/auto/run.sh`. `auto` runs at its defaults (budget 60 s per 100k ratings); its choice",
         "is made on validation carves of the train file only. Fit s = median over the repetitions.", ""]
res = {}
targets = {"ratings": ("rmse", 0.885, "<="), "temporal": ("ndcg@10", 0.245, ">=")}
for split, title in [("ratings", "random 80/20 (`ratings_train/test`)"), ("temporal", "per-user temporal (`temporal_train/test`)")]:
    autos = [reports(os.path.join(work, f)) [0] for f in sorted(os.listdir(work)) if f.startswith(f"auto-{split}-") and f.endswith(".json")]
    singles = reports(os.path.join(work, f"singles-{split}.json"))
    h = header(os.path.join(work, f"auto-{split}.cinerec"))["metrics"]["search"]
    rows = []
    a = autos[0]["metrics"]
    fit = statistics.median(x["timings"]["fit_s"] for x in autos)
    rows.append(("auto", a.get("rmse"), a.get("ndcg@10"), fit))
    for s in singles:
        rows.append((s["model"]["name"], s["metrics"].get("rmse"), s["metrics"].get("ndcg@10"), s["timings"]["fit_s"]))
    fmt = lambda v: "-" if v is None else f"{v:.4f}"
    lines += [f"## {title}", "", "| model | RMSE | NDCG@10 | fit s |", "|---|---:|---:|---:|"]
    lines += [f"| {m} | {fmt(r)} | {fmt(n)} | {f:.2f} |" for m, r, n, f in rows]
    metric, goal, op = targets[split]
    v = a.get(metric)
    ok = v is not None and (v <= goal if op == "<=" else v >= goal)
    same = all(x["metrics"].get(metric) == v for x in autos)
    lines += ["", f"- **{'pass' if ok else 'MISS'}** — auto {metric} {op} {goal}: {fmt(v)} ({len(autos)} runs, {'identical' if same else 'DIFFERENT'} figures); fit {fit:.1f} s (target ≤ ~60 s).",
              f"- Chosen on validation: rating **{describe(h['rating'])}** (validation RMSE {h['rating_rmse']:.4f}), ranking **{describe(h['ranking'])}** (validation NDCG@10 {h['ranking_ndcg']:.4f}); search {h['search_s']:.1f} s of a {h['budget_s']:.0f} s budget.", "",
              "| task | model | rung | predicted s | fit s | validation | status |", "|---|---|---:|---:|---:|---:|---|"]
    for t in h["trials"]:
        lines.append(f"| {t['task']} | {describe(t)} | {t['rung']} | {t['predicted_s']:.2f} | {fmt(t['fit_s'])} | {fmt(t['value'])} | {t['status']} |")
    lines.append("")
    res[split] = {"rows": rows, "search": h, "pass": ok}
open(out_md, "w").write("\n".join(lines) + "\n")
json.dump(res, open(out_json, "w"), indent=1)
print("\n".join(lines))
