#!/usr/bin/env python3
"""results.json of bench.py → results.md with the issue #21 targets checked.

usage: report.py RESULTS_JSON OUT_MD"""
import json
import statistics
import sys

res = json.load(open(sys.argv[1]))
med = statistics.median
r, k = res["rating"], res["ranking"]
c_fit, s_fit = med(r["fit_s"]["cinerec"]), med(r["fit_s"]["surprise"])
c_rmse, s_rmse, cli = med(r["rmse"]["cinerec"]), med(r["rmse"]["surprise"]), r["cli_rmse"]
a_fit, i_fit = med(k["fit_s"]["cinerec"]), med(k["fit_s"]["implicit"])
a_ndcg = med(m["ndcg@10"] for m in k["metrics"]["cinerec"])
i_ndcg = med(m["ndcg@10"] for m in k["metrics"]["implicit"])


def ok(b):
    return "**met**" if b else "**MISSED**"


def runs(v):
    return ", ".join(f"{x:.4f}" for x in v)


m = res["machine"]
lines = [
    "# cinerec from Python vs Surprise and implicit (ML-100K, the peers' splits)",
    "",
    f"Machine: {m['cpu']}, {m['cores']} cores, shared with other sessions. Load: before `{m['uptime_before']}`; "
    f"after `{m['uptime_after']}`. Python {m['python']}; " + ", ".join(f"{a} {b}" for a, b in res["versions"].items()) + ".",
    "",
    f"Each model fitted {res['reps']} times with fresh instances, the libraries alternating; "
    "`time.perf_counter()` around `.fit`; medians. cinerec's `fit(df)` includes turning the DataFrame into "
    "the engine's dataset; Surprise's trainset is built outside its timing. Reproduce: `bench/python/run.sh`.",
    "",
    "## Targets (issue #21)",
    "",
    "| target | figure | |",
    "|---|---|---|",
    f"| `cinerec.SVD().fit(df)` RMSE within 0.003 of `cinerec eval --model svd` (80/20) | {c_rmse:.4f} vs {cli:.4f} (Δ {abs(c_rmse - cli):.4f}) | {ok(abs(c_rmse - cli) <= 0.003)} |",
    f"| SVD fit ≥ 8× faster than Surprise SVD | {c_fit:.4f} s vs {s_fit:.4f} s = {s_fit / c_fit:.1f}× | {ok(s_fit / c_fit >= 8)} |",
    f"| ALS fit ≥ 1.5× faster than implicit ALS (factors 100, iterations 15) | {a_fit:.4f} s vs {i_fit:.4f} s = {i_fit / a_fit:.2f}× | {ok(i_fit / a_fit >= 1.5)} |",
    f"| ALS NDCG@10 no lower than implicit's (temporal) | {a_ndcg:.4f} vs {i_ndcg:.4f} | {ok(a_ndcg >= i_ndcg)} |",
    "",
    "## All runs",
    "",
    "| task | library | fit s (runs) | fit s median | quality (median) |",
    "|---|---|---|---:|---|",
    f"| rating 80/20 | cinerec.SVD() | {runs(r['fit_s']['cinerec'])} | {c_fit:.4f} | RMSE {c_rmse:.4f} |",
    f"| rating 80/20 | surprise.SVD(random_state=42) | {runs(r['fit_s']['surprise'])} | {s_fit:.4f} | RMSE {s_rmse:.4f} |",
    f"| rating 80/20 | `cinerec eval --model svd` (CLI) | - | - | RMSE {cli:.4f} |",
    f"| ranking temporal | cinerec.ALS(factors=100, iterations=15) | {runs(k['fit_s']['cinerec'])} | {a_fit:.4f} | NDCG@10 {a_ndcg:.4f} |",
    f"| ranking temporal | implicit ALS(factors=100, iterations=15, random_state=42) | {runs(k['fit_s']['implicit'])} | {i_fit:.4f} | NDCG@10 {i_ndcg:.4f} |",
    "",
    f"cinerec ALS parameters (engine defaults otherwise): `{json.dumps(k['cinerec_params'])}`.",
    f"CLI command: `{r['cli_command']}`.",
    "",
]
open(sys.argv[2], "w").write("\n".join(lines))
print("\n".join(lines[8:15]))
