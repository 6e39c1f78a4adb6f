#!/usr/bin/env python3
"""Random search over the two-tower's knobs for factorized top-100 accuracy (issue: neural models).

Draws N configurations from the space below (seeded), fits each with the `twotower_ml100k`
example on the peers' 80/20 split at one thread, two fits at a time, and picks the winner by
the VALIDATION top-100 (the 5 % hold-out carved from the training file, last epoch); the test
figures are printed next to it but play no part in the choice. Prints a markdown table, best
validation first.

usage: search.py [N] [SEED]   (needs target/release/examples/twotower_ml100k, data/ml-100k and
                               bench/work/peer-split; standard library only)
"""
import json
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

EXAMPLE = "target/release/examples/twotower_ml100k"
SPACE = {
    "embedding_dim": [16, 32, 64, 128],
    "embedding_l2": [0.02, 0.05, 0.1, 0.2, 0.4],
    "negatives": [0, 200, 1000],
    "logq_correction": [True, False],
    "full_softmax": [True, False],
    "retrieval_item_bias": [True, False],
    "user_history": [True, False],
    "temperature": [0.5, 1.0, 2.0],
    "learning_rate": [0.05, 0.1, 0.2],
    "epochs": [15, 30],
    "batch_size": [250, 1000],
    "rating_weight": [10.0, 100.0],
}
FIXED = {"output_bias_at_mean": True}


def run(params):
    out = subprocess.run(
        [EXAMPLE, "--data", "data/ml-100k", "--split", "bench/work/peer-split", "--threads", "1",
         "--params", json.dumps(params)],
        capture_output=True, text=True, check=False).stdout
    rows = [l for l in out.splitlines() if re.match(r"\| \d+/\d+ \|", l)]
    val = float(rows[-1].split("|")[-3]) if rows else float("nan")
    m = re.search(r"RMSE ([\d.]+).*top-100 ([\d.]+).*fit ([\d.]+) s", out)
    test_rmse, test_top100, fit_s = (float(g) for g in m.groups()) if m else (float("nan"),) * 3
    return params, val, test_top100, test_rmse, fit_s


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    configs = []
    for _ in range(n):
        c = {k: rng.choice(v) for k, v in SPACE.items()}
        configs.append({**c, **FIXED})
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, configs))
    results.sort(key=lambda r: -r[1] if r[1] == r[1] else 0)
    print(f"{n} configurations (search seed {sys.argv[2] if len(sys.argv) > 2 else 7}), "
          f"fixed {json.dumps(FIXED)}; chosen by validation top-100.\n")
    print("| val top-100 | test top-100 | test RMSE | fit s | params (changed from the defaults) |")
    print("|---:|---:|---:|---:|---|")
    for p, val, top, rmse, s in results:
        print(f"| {val:.4f} | {top:.4f} | {rmse:.4f} | {s:.1f} | `{json.dumps(p)}` |")


if __name__ == "__main__":
    main()
