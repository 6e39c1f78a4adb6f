"""Compares cinerec's EASE weights (ease_fit with EASE_DUMP=FILE) with numpy's on the same CSV.
Usage: check.py RATINGS_CSV LAMBDA DUMP; prints the largest absolute difference, relative to the
largest |B|, and how many of each movie's top-10 neighbours agree."""
import sys
import numpy as np, pandas as pd, scipy.sparse as sp

df = pd.read_csv(sys.argv[1])
lam = float(sys.argv[2])
u = df.iloc[:, 0].astype("category").cat.codes.values
i = df.iloc[:, 1].astype("category").cat.codes.values
X = sp.csr_matrix((np.ones(len(df)), (u, i)))
G = (X.T @ X).toarray()
G[np.diag_indices_from(G)] += lam
P = np.linalg.inv(G)
B = P / (-np.diag(P))
B[np.diag_indices_from(B)] = 0.0
n = B.shape[0]
C = np.fromfile(sys.argv[3], dtype="<f4").reshape(n, n).T.astype(np.float64)  # C[j][i] = B[j][i]
d = np.abs(B - C).max()
print(f"{n} items: max |B_numpy - B_cinerec| = {d:.3e}, max |B| = {np.abs(B).max():.3e}, "
      f"relative {d / np.abs(B).max():.3e}")
k = 10
top_n = np.argsort(-B, axis=0, kind="stable")[:k].T
top_c = np.argsort(-C, axis=0, kind="stable")[:k].T
agree = np.mean([len(set(a) & set(b)) / k for a, b in zip(top_n, top_c)])
print(f"top-{k} neighbours per movie shared: {agree:.4f}")
