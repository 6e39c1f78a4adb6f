#!/usr/bin/env python3
"""Report of bench/scale/store.sh: medians per backend and step, the two ratios the issue
sets targets for, then every run.

    python3 bench/scale/report.py bench/scale/store-5m.tsv bench/work/scale-store/meta-5m.txt
"""
import csv
import statistics
import sys


def main(tsv: str, meta: str) -> None:
    rows = list(csv.DictReader(open(tsv), delimiter="\t"))
    print(f"# Store reads and server restart at scale ({sys.argv[3] if len(sys.argv) > 3 else 'bench/scale/store.sh'})\n")
    print("```text")
    print(open(meta).read().rstrip())
    print("```\n")
    med = {}
    for r in rows:
        med.setdefault((r["backend"], r["step"]), []).append(r)
    print("Medians of the timed runs (rep ≥ 1); seconds are the load note's for the loads,")
    print("process start → first `/health` 200 for `serve_health`, wall time otherwise.\n")
    print("| backend | step | runs | seconds (median) | wall s (median) | peak RSS MiB (median) | detail |")
    print("|---|---|---:|---:|---:|---:|---|")
    m = {}
    for (b, step), rs in med.items():
        sec = statistics.median(float(x["seconds"]) for x in rs)
        wall = statistics.median(float(x["wall"]) for x in rs)
        rss = statistics.median(float(x["max_rss_kb"]) for x in rs) / 1024
        m[(b, step)] = (sec, wall, rss)
        print(f"| {b} | {step} | {len(rs)} | {sec:.3f} | {wall:.2f} | {rss:.0f} | {rs[-1]['detail']} |")
    print()
    for b in sorted({b for b, _ in m}):
        if (b, "serve_health") not in m:
            csv_s, store_s = m[(b, "csv_load")][0], m[(b, "store_load")][0]
            sql = m.get((b, "sql_load"), (float("nan"),))[0]
            print(f"**{b}**: store load {store_s:.2f} s vs CSV load {csv_s:.2f} s = **{store_s / csv_s:.2f}×** "
                  f"(target ≤ 1.5×; the SQL path: {sql:.2f} s = {sql / csv_s:.1f}×). Serve start not measured in this run.\n")
            continue
        def g(step):
            return m.get((b, step), (float("nan"),) * 3)
        csv_s, store_s, sql_s = g("csv_load")[0], g("store_load")[0], g("sql_load")[0]
        cm, serve = g("csv_model")[1], g("serve_health")[0]
        print(f"**{b}**: store load {store_s:.2f} s vs CSV load {csv_s:.2f} s = "
              f"**{store_s / csv_s:.2f}×** (target ≤ 1.5×; the SQL path: {sql_s:.2f} s = {sql_s / csv_s:.1f}×). "
              f"`serve` start → `/health`: **{serve:.2f} s** vs CSV load + model load {cm:.2f} s = "
              f"**{serve / cm:.2f}×** (targets: ≤ 5 s at 5M, ≤ 2× at 32M).\n")
    print("## Every run\n")
    print("| rep | backend | step | seconds | wall | RSS kB | load1 | detail |")
    print("|---:|---|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['rep']} | {r['backend']} | {r['step']} | {r['seconds']} | {r['wall']} | "
              f"{r['max_rss_kb']} | {r['load1']} | {r['detail']} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
