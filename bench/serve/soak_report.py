"""Report of bench/serve/soak.sh: one table per backend (a row per minute) and the verdicts:
0 errors; RSS growth from the end of minute 1 to the end < 10 %; p99 of the last minute
<= 1.5x the first minute's. Usage: soak_report.py RAW_DIR > soak.md"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wrk_output import parse  # noqa: E402

raw = sys.argv[1]
print("# Soak: 10 minutes of mixed traffic (issue #17, point 6)\n")
print("`bench/serve/soak.sh`: consecutive one-minute `wrk` runs of `bench/serve/soak.lua` (per 20 requests: "
      "2 `POST /ratings`, 6 `GET /recommend` of users receiving those ratings (fold-in), 6 of other "
      "trained users, 3 `POST /recommend` for an anonymous visitor with 3 ratings, 3 "
      "`GET /movies/{id}/similar`). Errors are socket errors plus non-2xx answers.\n")
print("```")
print(open(os.path.join(raw, "meta.txt")).read().rstrip())
print("```\n")
ok_all = True
for backend in ("sqlite", "postgres"):
    files = sorted(glob.glob(os.path.join(raw, f"{backend}.minute*.txt")),
                   key=lambda p: int(re.search(r"minute(\d+)", p).group(1)))
    if not files:
        print(f"## {backend}: not run\n")
        continue
    rss = {}
    for line in open(os.path.join(raw, f"{backend}.rss.txt")):
        m, kib, load = line.split()
        rss[int(m)] = (int(kib), load)
    print(f"## {backend}\n")
    print("| minute | req/s | p50 ms | p99 ms | requests | errors | RSS MiB | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for i, f in enumerate(files, 1):
        r = parse(f)
        errors = r["non2xx"] + r["socket_errors"]
        kib, load = rss.get(i, (0, "?"))
        rows.append((r, errors, kib))
        print(f"| {i} | {r['rps']:,.0f} | {r.get('p50', 0):.2f} | {r.get('p99', 0):.2f} | "
              f"{r['requests']:,} | {errors} | {kib / 1024:.0f} | {load} |")
    errors = sum(e for _, e, _ in rows)
    growth = rows[-1][2] / rows[0][2] - 1 if rows[0][2] else float("nan")
    p99_first, p99_last = rows[0][0].get("p99", 0), rows[-1][0].get("p99", 0)
    ratio = p99_last / p99_first if p99_first else float("nan")
    total = sum(r["requests"] for r, _, _ in rows)
    verdicts = [
        (errors == 0, f"errors: {errors} of {total:,} requests (target 0)"),
        (growth < 0.10, f"RSS growth minute 1 → {len(rows)}: {growth * 100:+.1f} % (target < 10 %)"),
        (ratio <= 1.5, f"p99 last / first minute: {p99_last:.2f} / {p99_first:.2f} ms = {ratio:.2f}× (target ≤ 1.5×)"),
    ]
    print()
    for ok, text in verdicts:
        ok_all &= ok
        print(f"- {'met' if ok else 'MISSED'}: {text}")
    print()
print(f"Overall: {'every target met' if ok_all else 'a target was missed'}.")
