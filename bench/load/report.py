"""Turns the raw measurements of bench/load/run.sh into bench/load/results.md and the
"## Data loading" section of bench/RESULTS.md (only that section is replaced; the rest of the
file is left as it is).

usage: report.py WORK_DIR RESULTS_MD BENCH_RESULTS_MD
"""
import os
import re
import statistics
import sys

work, results_md, bench_md = sys.argv[1], sys.argv[2], sys.argv[3]
SECTION = "## Data loading"


def kv(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


meta = {}
with open(os.path.join(work, "meta.txt")) as f:
    for line in f:
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            meta[k] = v

runs = {}  # (label, tool) -> list of dicts
files = []  # (label, path, bytes) in order
with open(os.path.join(work, "measurements.tsv")) as f:
    for line in f:
        label, path, size, tool, rep, wall, rss, out = line.rstrip("\n").split("\t")
        if (label, path, int(size)) not in files:
            files.append((label, path, int(size)))
        if wall == "failed":
            runs.setdefault((label, tool), [])
            continue
        d = kv(out)
        runs.setdefault((label, tool), []).append(
            {"wall": float(wall), "rss_mib": int(rss) / 1024, "rows": d.get("rows"), "inproc": d.get("seconds")}
        )

gens = []
with open(os.path.join(work, "generation.tsv")) as f:
    for line in f:
        name, wall, rss, out = line.rstrip("\n").split("\t", 3)
        gens.append((name, wall, rss, out.replace(os.path.abspath(work), "bench/work/load")))


def med(xs):
    return statistics.median(xs) if xs else None


rows_md = [
    "| file | size MiB | rows | tool | median wall s | peak RSS MiB | in-process s | wall cinerec/pandas | RSS cinerec/pandas |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|",
]
verdicts = []
for label, path, size in files:
    summary = {}
    for tool in ("pandas", "cinerec"):
        rs = runs.get((label, tool), [])
        if not rs:
            summary[tool] = None
            continue
        summary[tool] = {
            "n": len(rs),
            "wall": med([r["wall"] for r in rs]),
            "rss": med([r["rss_mib"] for r in rs]),
            "inproc": med([float(r["inproc"]) for r in rs if r["inproc"] is not None]),
            "rows": rs[0]["rows"],
        }
    p, c = summary["pandas"], summary["cinerec"]
    for tool in ("pandas", "cinerec"):
        s = summary[tool]
        tool_name = "pandas.read_csv" if tool == "pandas" else "cinerec loaders::load"
        if s is None:
            rows_md.append(f"| {label} | {size / 2**20:.1f} | - | {tool_name} | failed | - | - | - | - |")
            continue
        ratio_w = ratio_m = ""
        if tool == "cinerec" and p is not None:
            ratio_w = f"{s['wall'] / p['wall']:.2f}"
            ratio_m = f"{s['rss'] / p['rss']:.2f}"
        inproc = f"{s['inproc']:.2f}" if s["inproc"] is not None else "-"
        rows = f"{int(s['rows']):,}" if s["rows"] else "-"
        rows_md.append(
            f"| {label} | {size / 2**20:.1f} | {rows} | {tool_name} | {s['wall']:.2f} | {s['rss']:.0f} | {inproc} "
            f"| {ratio_w} | {ratio_m} |"
        )
    if p and c:
        same_rows = p["rows"] == c["rows"]
        faster = c["wall"] <= p["wall"]
        faster_in = c["inproc"] is not None and p["inproc"] is not None and c["inproc"] <= p["inproc"]
        under = c["rss"] < 1024
        verdicts.append(
            f"- {label}: cinerec {'no slower than' if faster else 'SLOWER than'} pandas "
            f"in whole-process wall time ({c['wall']:.2f} s vs {p['wall']:.2f} s), "
            f"{'no slower' if faster_in else 'SLOWER'} in-process ({c['inproc'] or 0:.2f} s vs {p['inproc'] or 0:.2f} s); "
            f"peak {c['rss']:.0f} MiB {'under' if under else 'OVER'} 1 GiB (pandas {p['rss']:.0f} MiB)"
            + ("" if same_rows else f"; ROW COUNTS DIFFER (pandas {p['rows']}, cinerec {c['rows']})")
        )
    elif c is None or p is None:
        verdicts.append(f"- {label}: a tool failed on this file (see the table).")

gen_md = ["| generator | wall s | peak RSS MiB | output |", "|---|---:|---:|---|"]
for name, wall, rss, out in gens:
    rss_s = f"{int(rss) / 1024:.0f}" if rss.isdigit() else rss
    gen_md.append(f"| {name} | {wall} | {rss_s} | {out.strip()} |")

body = f"""Whole-process wall time (median of {meta.get('reps', '?')} runs, pandas and cinerec runs alternating, page cache warm)
and peak RSS (median, `/usr/bin/time -f "%e %M"`) of `pandas.read_csv(FILE)` (`bench/load/read_pandas.py`) versus
cinerec loading the same file into its `Dataset` — ids mapped, CSR by user and by item built
(`crates/data/examples/load.rs`, `cinerec_data::loaders::load`, all cores). "In-process s" is the time each
program reports for the load itself (pandas excludes `import pandas`). For the synthetic file the cinerec loader
also reads the neighbouring `movies.csv` (titles and genres), pandas only reads `ratings.csv`.

Machine: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores, {meta.get('mem_gb', '?')} GB; load average
{meta.get('loadavg_start', '?')} at start, {meta.get('loadavg_end', '?')} at end (other work was running on the machine).
pandas {meta.get('pandas', '?')} (Python {meta.get('python', '?')}), rustc {meta.get('rustc', '?')}, cinerec {meta.get('commit', '?')},
{meta.get('date', '?')}. Synthetic shape: {meta.get('shape', '?')}.

{chr(10).join(rows_md)}

Targets (cinerec no slower than pandas.read_csv in the same run; cinerec peak under 1 GiB):

{chr(10).join(verdicts)}

Generating the files (one run each):

{chr(10).join(gen_md)}

Reproduce: `bench/load/run.sh` (makes `bench/.venv` with pandas, writes data under `bench/work/load/`).
"""

with open(results_md, "w") as f:
    f.write("# Data loading benchmark\n\n" + body)

section = f"{SECTION}\n\n{body}"
old = open(bench_md).read() if os.path.exists(bench_md) else "# cinerec benchmark results\n"
lines = old.split("\n")
start = next((i for i, l in enumerate(lines) if l.strip() == SECTION), None)
if start is None:
    new = old.rstrip("\n") + "\n\n" + section
else:
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rest = "\n".join(lines[end:])
    new = "\n".join(lines[:start]).rstrip("\n") + ("\n\n" if start > 0 else "") + section + ("\n" + rest if rest else "")
tmp = bench_md + ".tmp"
with open(tmp, "w") as f:
    f.write(new if new.endswith("\n") else new + "\n")
os.replace(tmp, bench_md)
