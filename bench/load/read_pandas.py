"""The pandas side of the load benchmark: `pandas.read_csv(FILE)` as in the scale anchors'
readcsv.py (default C engine, default dtypes). Tab-separated MovieLens files (`u.data`,
RecBole `.inter`) get `sep="\\t"` (and `header=None` for the header-less `u.data`).
Prints `rows=N seconds=S import_seconds=I` (S = read_csv alone, I = `import pandas`)."""
import os
import sys
import time

t0 = time.time()
import pandas as pd  # noqa: E402

t1 = time.time()
path = sys.argv[1]
name = os.path.basename(path)
if name == "u.data":
    df = pd.read_csv(path, sep="\t", header=None, names=["user", "item", "rating", "timestamp"])
elif name.endswith(".inter") or name.endswith(".tsv"):
    df = pd.read_csv(path, sep="\t")
else:
    df = pd.read_csv(path)
t2 = time.time()
print(f"rows={len(df)} seconds={t2 - t1:.3f} import_seconds={t1 - t0:.3f}", flush=True)
