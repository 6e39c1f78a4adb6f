#!/usr/bin/env python3
"""Summarises bench/neural/run.sh's runs.jsonl into results.md (median seconds per epoch per
side and thread count, the ratio cinerec / PyTorch, and the first-epoch training losses, which
agree when both sides train the same model)."""
import datetime
import json
import os
import re
import statistics
import sys

runs_path, out, epochs, target_threads, torch_version = sys.argv[1:6]
rows = [json.loads(l) for l in open(runs_path) if l.strip()]
cpu = "?"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
groups = {}
for r in rows:
    key = (r["data"]["threads"], r["side"])
    groups.setdefault(key, []).append(r)
thread_counts = sorted({k[0] for k in groups}, key=lambda t: (t != int(target_threads), t))
profile = os.environ.get("PROFILE", "release")
names = {"cinerec": f"cinerec (burn 0.22.1 flex, `--profile {profile}`)", "torch": f"PyTorch {torch_version} (CPU)"}
lines = [
    "## Neural: two-tower vs PyTorch",
    "",
    "Two-tower model, reference configuration (64-d embeddings, rating MLP 256-128-1, MSE + "
    "in-batch softmax summed over the batch, Keras-style Adagrad lr 0.1, batch 1000), trained for "
    f"{epochs} epochs on the MovieLens-100K 80/20 train file (80,000 ratings, no validation "
    "hold-out); the same architecture, initialisation, loss and optimiser in PyTorch; runs "
    f"interleaved. Machine: {cpu}, 2 cores shared with other sessions. Measured "
    f"{datetime.date.today().isoformat()} by `bench/neural/run.sh`."
    + (" PyTorch is PyPI's build (the CPU wheel index is unreachable here), run on the CPU only."
       if "+cu" in torch_version else ""),
    "",
    "| threads | implementation | median s / epoch | min | max | fits | epoch-1 train loss | machine busy before runs (%) |",
    "|---|---|---|---|---|---|---|---|",
]
ratios = {}
for t in thread_counts:
    for side in ("cinerec", "torch"):
        rs = groups.get((t, side), [])
        if not rs:
            continue
        secs = [s for r in rs for s in r["data"]["epoch_seconds"]]
        loss = rs[0]["data"]["train_loss"][0]
        busy = ", ".join(str(r["busy"]) for r in rs)
        lines.append(
            f"| {t} | {names[side]} | {statistics.median(secs):.3f} | {min(secs):.3f} | "
            f"{max(secs):.3f} | {len(rs)} | {loss:.2f} | {busy} |"
        )
    c = [s for r in groups.get((t, "cinerec"), []) for s in r["data"]["epoch_seconds"]]
    p = [s for r in groups.get((t, "torch"), []) for s in r["data"]["epoch_seconds"]]
    if c and p:
        ratios[t] = statistics.median(c) / statistics.median(p)
lines.append("")
for t, ratio in ratios.items():
    verdict = "cinerec faster" if ratio < 1 else "cinerec slower"
    tag = " (the target: ≤ 1.00)" if t == int(target_threads) else ""
    lines.append(f"- {t} thread(s): cinerec / PyTorch median seconds per epoch = **{ratio:.2f}** ({verdict}){tag}.")
lines.append("")
body = "\n".join(lines)
open(out, "w").write(body)
print(body)

# The same section in bench/RESULTS.md (replaced in place, or appended).
res = os.path.join(os.path.dirname(os.path.abspath(out)), "..", "RESULTS.md")
text = open(res).read() if os.path.exists(res) else "# cinerec benchmark results\n"
section = body.rstrip("\n") + "\n\nDetails: [neural/results.md](neural/results.md).\n"
m = re.search(r"^## Neural: two-tower vs PyTorch\n.*?(?=^## |\Z)", text, re.M | re.S)
text = text[:m.start()] + section + "\n" + text[m.end():] if m else text.rstrip("\n") + "\n\n" + section
open(res, "w").write(text.rstrip("\n") + "\n")
