#!/usr/bin/env python3
"""How high can factorized top-100 accuracy go on the peers' random 80/20 ML-100K split?

The two-tower target (issue: neural models) is top-100 >= 0.45 with the TFRS definition: for
every test (user, movie) pair, is the movie among the user's 100 highest-scored movies of the
whole catalogue, movies the user rated in train included. This script puts that number in
context with models and bounds that need no training loop:

- popularity, ranked over all movies (the metric's definition) and, for contrast only, with
  the user's train movies removed (not what the metric measures);
- PureSVD (truncated SVD of the binary train matrix) and EASE, each over a grid; the best of
  each grid is picked ON THE TEST SPLIT, so these rows are an optimistic ceiling for those
  model families, not a fair result;
- two bounds that follow from the split alone: a model that ranks each user's train movies
  first can place at most max(0, 100 - n_train) test movies in the top 100 ("memoriser"); a
  perfect ranker that cannot tell a user's train movies from their test movies (they are a
  random split of the same set) fills the top 100 with the user's movies, of which the test
  movies are a random share ("perfect non-memorising ranker").

A second table splits the test pairs by the user's number of train movies and gives, per
bucket, the perfect-ranker bound, popularity, and the best PureSVD rank and EASE λ of each
bucket (picked per bucket on the test split: an oracle that no single model is), then all of
those best-per-bucket picks combined. With `--ranks FILE` (written by the `twotower_ml100k`
example's `--ranks-out`) it adds that model's column.

usage: ceiling.py SPLIT_DIR [--ranks FILE]
       (ratings_train.csv / ratings_test.csv of bench/work/peer-split)
Prints markdown tables. Needs numpy only; about two minutes on 2 cores.
"""
import csv
import os
import sys

import numpy as np

K = 100


def load(path):
    with open(path, newline="") as f:
        rows = [(int(r["user"]), int(r["item"])) for r in csv.DictReader(f)]
    return np.array(rows, dtype=np.int64)


def main():
    args = sys.argv[1:]
    ranks_file = None
    if "--ranks" in args:
        k = args.index("--ranks")
        ranks_file = args[k + 1]
        del args[k:k + 2]
    split = args[0] if args else "bench/work/peer-split"
    tr = load(os.path.join(split, "ratings_train.csv"))
    te = load(os.path.join(split, "ratings_test.csv"))
    users = np.unique(np.concatenate([tr[:, 0], te[:, 0]]))
    items = np.unique(np.concatenate([tr[:, 1], te[:, 1]]))
    uix = {u: j for j, u in enumerate(users)}
    iix = {i: j for j, i in enumerate(items)}
    tu = np.array([uix[u] for u in te[:, 0]])
    ti = np.array([iix[i] for i in te[:, 1]])
    x = np.zeros((len(users), len(items)), dtype=np.float64)
    x[[uix[u] for u in tr[:, 0]], [iix[i] for i in tr[:, 1]]] = 1.0

    def hits(scores):
        """Per test pair: does its movie have fewer than K strictly higher-scored movies?"""
        own = scores[tu, ti]
        higher = np.empty(len(tu), dtype=np.int64)
        for lo in range(0, len(tu), 4096):
            hi = min(lo + 4096, len(tu))
            higher[lo:hi] = (scores[tu[lo:hi]] > own[lo:hi, None]).sum(axis=1)
        return higher < K

    def top_k_accuracy(scores):
        return float(hits(scores).mean())

    rows = []
    pop = x.sum(axis=0)
    rows.append(("popularity, all movies ranked (the metric)", top_k_accuracy(np.tile(pop, (len(users), 1)))))
    masked = np.where(x > 0, -np.inf, np.tile(pop, (len(users), 1)))
    rows.append(("popularity with the user's train movies removed (NOT the metric; contrast only)",
                 top_k_accuracy(masked)))

    u, s, vt = np.linalg.svd(x, full_matrices=False)
    svd_hits = {r: hits((u[:, :r] * s[:r]) @ vt[:r]) for r in (4, 8, 12, 16, 32, 64)}
    svd = {r: float(h.mean()) for r, h in svd_hits.items()}
    best = max(svd, key=svd.get)
    rows.append((f"PureSVD, best rank on test of {sorted(svd)} (rank {best}; rank 64: {svd[64]:.4f})", svd[best]))

    g = x.T @ x
    ease_hits = {}
    for lam in (30, 100, 300, 1000, 3000, 10000):
        p = np.linalg.inv(g + lam * np.eye(len(items)))
        b = -p / np.diag(p)
        np.fill_diagonal(b, 0.0)
        ease_hits[lam] = hits(x @ b)
    ease = {lam: float(h.mean()) for lam, h in ease_hits.items()}
    best = max(ease, key=ease.get)
    rows.append((f"EASE, best λ on test of {sorted(ease)} (λ {best}; λ 300: {ease[300]:.4f})", ease[best]))

    n_train = x.sum(axis=1)
    n_test = np.bincount(tu, minlength=len(users)).astype(np.float64)
    memo = np.minimum(n_test, np.maximum(0.0, K - n_train)).sum() / len(tu)
    perfect = (np.minimum(1.0, K / np.maximum(n_train + n_test, 1)) * n_test).sum() / len(tu)
    rows.append(("bound: memoriser (train movies ranked first, test movies perfectly next)", memo))
    rows.append(("bound: perfect non-memorising ranker", perfect))
    heavy = float((n_train[tu] >= 100).mean())

    print(f"Factorized top-{K} accuracy on `{split}` ({len(tu):,} test pairs; {heavy:.0%} of them belong to "
          f"users with >= 100 train movies, whose own train movies compete for the same 100 places).\n")
    print("| model or bound | top-100 |")
    print("|---|---:|")
    for name, v in rows:
        print(f"| {name} | {v:.4f} |")

    # Per bucket of the user's train-movie count.
    model = None
    if ranks_file:
        with open(ranks_file, newline="") as f:
            rows_r = list(csv.DictReader(f))
        # An empty rank (user unknown to the model) is a miss, as in the metric.
        rank = {(int(d["user"]), int(d["item"])): int(d["rank"] or 10**9) for d in rows_r}
        model = np.array([rank[(int(a), int(b))] < K for a, b in te], dtype=bool)
        unseen = {(int(d["user"]), int(d["item"])): int(d.get("rank_unseen") or 10**9) for d in rows_r}
        model_unseen = np.array([unseen[(int(a), int(b))] < K for a, b in te], dtype=bool)
    pop_hits = hits(np.tile(pop, (len(users), 1)))
    # Contrast only (NOT the metric): the best overall PureSVD rank with the user's train movies removed.
    r_all = max(svd, key=svd.get)
    svd_unseen = hits(np.where(x > 0, -np.inf, (u[:, :r_all] * s[:r_all]) @ vt[:r_all]))
    ideal = np.minimum(1.0, K / np.maximum(n_train + n_test, 1))[tu]
    edges = [0, 50, 100, 200, 300, 10**9]
    bucket = np.digitize(n_train[tu], edges)
    oracle = np.zeros(len(tu), dtype=bool)
    head = ("| train movies | share of test pairs | perfect non-memorising ranker | popularity | best PureSVD rank "
            f"| best EASE λ | PureSVD rank {r_all}, train movies removed (NOT the metric) |")
    print("\nBy the user's number of train movies (best rank / λ picked per bucket ON TEST):\n")
    print(head + (" model (--ranks) |" if model is not None else ""))
    print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if model is not None else ""))
    for b in range(1, len(edges)):
        m = bucket == b
        if not m.any():
            continue
        sv = max(svd_hits, key=lambda k: svd_hits[k][m].mean())
        ea = max(ease_hits, key=lambda k: ease_hits[k][m].mean())
        best_h = max([svd_hits[sv], ease_hits[ea], pop_hits], key=lambda h: h[m].mean())
        oracle[m] = best_h[m]
        hi = "+" if edges[b] == 10**9 else f"–{edges[b] - 1}"
        line = (f"| {edges[b - 1]}{hi} | {m.mean():.3f} | {ideal[m].mean():.3f} | {pop_hits[m].mean():.3f} | "
                f"{svd_hits[sv][m].mean():.3f} (rank {sv}) | {ease_hits[ea][m].mean():.3f} (λ {ea}) | "
                f"{svd_unseen[m].mean():.3f} |")
        print(line + (f" {model[m].mean():.3f} |" if model is not None else ""))
    line = (f"| all | 1 | {ideal.mean():.4f} | {pop_hits.mean():.4f} | {max(svd.values()):.4f} | "
            f"{max(ease.values()):.4f} | {svd_unseen.mean():.4f} |")
    print(line + (f" {model.mean():.4f} |" if model is not None else ""))
    print(f"\nBest of popularity / PureSVD / EASE picked per bucket on test, combined: {oracle.mean():.4f}")
    if model is not None and "rank_unseen" in rows_r[0]:
        print(f"\nThe model with each user's train movies removed (NOT the metric; contrast with popularity's "
              f"{rows[1][1]:.4f} that way): {model_unseen.mean():.4f}")


if __name__ == "__main__":
    main()
