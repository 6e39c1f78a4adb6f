#!/usr/bin/env python3
"""cinerec from Python vs Surprise and implicit from Python, in one process, on the peers'
ML-100K splits (issue #21's targets).

Rating task (ratings_train 80k / ratings_test 20k): ``cinerec.SVD().fit(df)`` vs Surprise
``SVD(random_state=42).fit(trainset)`` (the trainset is built outside the timing; cinerec's
``fit(df)`` timing includes turning the DataFrame into the engine's dataset). RMSE of both with
Surprise's clipping; cinerec's RMSE is also compared with ``cinerec eval --model svd`` (the CLI)
on the same split files.

Ranking task (temporal_train / temporal_test): a binary users x items csr_matrix as the peers'
run_implicit.py builds it; ``cinerec.ALS(factors=100, iterations=15)`` vs implicit
``AlternatingLeastSquares(factors=100, iterations=15, random_state=42)`` (both their other
defaults), BLAS limited to 1 thread as the peers do; top-10 of every user with
``recommend(users, user_items, N=10, filter_already_liked_items=True)`` for both; metrics by
the peers' ``common.ranking_metrics``.

Timings are ``time.perf_counter()`` around ``fit``; each model runs REPS times with fresh
instances, the two libraries alternating; medians reported.

usage: bench.py SPLITS_DIR PEERS_DIR CINEREC_BIN DATA_DIR OUT_DIR
"""
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
import threadpoolctl

SPLITS, PEERS, CLI, DATA_DIR, OUT = sys.argv[1:6]
REPS = int(os.environ.get("REPS", "5"))
sys.path.insert(0, PEERS)
import common as C  # noqa: E402  (the peers' metric definitions)

import cinerec  # noqa: E402
import implicit  # noqa: E402
import surprise  # noqa: E402
from implicit.als import AlternatingLeastSquares  # noqa: E402


def load(name):
    return pd.read_csv(os.path.join(SPLITS, name + ".csv"))


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return time.perf_counter() - t0, out


def rating_task(res):
    train, test = load("ratings_train"), load("ratings_test")
    reader = surprise.Reader(rating_scale=(1, 5))
    testset = list(test[["user", "item", "rating"]].itertuples(index=False, name=None))
    fits = {"cinerec": [], "surprise": []}
    rmses = {"cinerec": [], "surprise": []}
    for rep in range(REPS):
        for lib in (("cinerec", "surprise") if rep % 2 == 0 else ("surprise", "cinerec")):
            if lib == "cinerec":
                m = cinerec.SVD()
                s, _ = timed(lambda: m.fit(train))
                est = m.predict(test["user"], test["item"])  # clipped to [1, 5] like Surprise
                rmses[lib].append(cinerec.metrics.rmse(test["rating"], est))
            else:
                ts = surprise.Dataset.load_from_df(train[["user", "item", "rating"]], reader).build_full_trainset()
                algo = surprise.SVD(random_state=42)
                s, _ = timed(lambda: algo.fit(ts))
                rmses[lib].append(float(surprise.accuracy.rmse(algo.test(testset), verbose=False)))
            fits[lib].append(s)
            print(f"rating rep {rep} {lib}: fit {s:.4f} s rmse {rmses[lib][-1]:.4f}", flush=True)
    out_json = os.path.join(OUT, "cli_svd.json")
    cmd = [CLI, "--quiet", "--data-dir", DATA_DIR, "eval", "--model", "svd", "--data", "ml-100k",
           "--train", os.path.join(SPLITS, "ratings_train.csv"), "--test", os.path.join(SPLITS, "ratings_test.csv"),
           "--items", os.path.join(SPLITS, "items.csv"), "--metrics", "rating", "--json", out_json]
    subprocess.run(cmd, check=True, capture_output=True)
    with open(out_json) as f:
        cli_rmse = json.load(f)["metrics"]["rmse"]
    res["rating"] = {"fit_s": fits, "rmse": rmses, "cli_rmse": cli_rmse,
                     "cli_command": " ".join(os.path.basename(c) if c == CLI else c for c in cmd)}


def ranking_task(res):
    train, test = load("temporal_train"), load("temporal_test")
    idx = C.Index(train["user"].unique(), pd.read_csv(os.path.join(SPLITS, "items.csv"))["item"].to_numpy())
    ui = sp.csr_matrix((np.ones(len(train), dtype=np.float32),
                        (train["user"].map(idx.uidx).to_numpy(), train["item"].map(idx.iidx).to_numpy())),
                       shape=(len(idx.users), len(idx.items)))
    users = np.arange(len(idx.users))
    fits = {"cinerec": [], "implicit": []}
    metrics = {"cinerec": [], "implicit": []}
    with threadpoolctl.threadpool_limits(1, "blas"):
        for rep in range(REPS):
            for lib in (("cinerec", "implicit") if rep % 2 == 0 else ("implicit", "cinerec")):
                if lib == "cinerec":
                    m = cinerec.ALS(factors=100, iterations=15)
                    s, _ = timed(lambda: m.fit(ui))
                else:
                    m = AlternatingLeastSquares(factors=100, iterations=15, random_state=42)
                    s, _ = timed(lambda: m.fit(ui, show_progress=False))
                ids, _scores = m.recommend(users, ui[users], N=C.K, filter_already_liked_items=True)
                top = {u: idx.items[ids[k]] for k, u in enumerate(idx.users)}
                metrics[lib].append(C.ranking_metrics(top, test, idx))
                fits[lib].append(s)
                print(f"ranking rep {rep} {lib}: fit {s:.4f} s ndcg@10 {metrics[lib][-1]['ndcg@10']:.4f}", flush=True)
    res["ranking"] = {"fit_s": fits, "metrics": metrics,
                      "cinerec_params": cinerec.ALS(factors=100, iterations=15).params}


def main():
    os.makedirs(OUT, exist_ok=True)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    res = {"machine": {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
                       "uptime_before": uptime()},
           "versions": {"cinerec": cinerec.__version__, "numpy": np.__version__, "pandas": pd.__version__,
                        "scikit-surprise": surprise.__version__, "implicit": implicit.__version__},
           "reps": REPS}
    rating_task(res)
    ranking_task(res)
    res["machine"]["uptime_after"] = uptime()
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
