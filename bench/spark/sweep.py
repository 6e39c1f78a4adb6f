"""MLlib's implicit ALS over several regParam values in one Spark session, scored like
`cinerec train --eval`: the peers' temporal split (per user the latest ceil(n/5) ratings held
out, ties by item id), every interaction a positive (r = 1, alpha 1), 15 iterations, seed 42,
NDCG@10 over all movies the user has not rated in train (../shared/peers/common.py's
definition). It prints the two regParam mappings of crates/engine/src/spark/mod.rs for λ = 20:
the mean row size (old) and the interaction-weighted row size n_eff (current).

    target/spark-venv/bin/python bench/spark/sweep.py data/ml-100k/ml-100k.inter 0.05,0.128,0.32
    target/spark-venv/bin/python bench/spark/sweep.py /tmp/syn/ratings.csv 0.05,0.25 [rank]

Checked against the CLI: regParam 0.128 on ML-100K gives 0.2045 here and in tests/spark/run.sh.
"""
import sys, time, numpy as np, pandas as pd
from pyspark.sql import SparkSession
from pyspark.ml.recommendation import ALS
path, regs = sys.argv[1], [float(x) for x in sys.argv[2].split(',')]
rank = int(sys.argv[3]) if len(sys.argv) > 3 else 100
if path.endswith('.inter'):
    df = pd.read_csv(path, sep='\t'); df.columns = ['user', 'item', 'rating', 'timestamp']
else:
    df = pd.read_csv(path); df = df.iloc[:, :4]; df.columns = ['user', 'item', 'rating', 'timestamp']
df = df.sort_values(['user', 'timestamp', 'item'])
df['pos'] = df.groupby('user').cumcount(); df['n'] = df.groupby('user')['item'].transform('size')
test_mask = df['pos'] >= df['n'] - (df['n'] + 4) // 5
train, test = df[~test_mask], df[test_mask]
uids = {u: k for k, u in enumerate(sorted(df.user.unique()))}; iids = {i: k for k, i in enumerate(sorted(df.item.unique()))}
tr = pd.DataFrame({'user': train.user.map(uids).astype('int32'), 'item': train.item.map(iids).astype('int32'), 'rating': np.ones(len(train), 'float32')})
nu = tr.user.value_counts(); ni = tr.item.value_counts(); R = len(tr)
neff = ((nu**2).sum() + (ni**2).sum()) / (2 * R)
print(f"R={R} U={len(nu)} I={len(ni)} neff={neff:.1f} meanmap={20*(len(nu)+len(ni))/(2*R):.4f} neffmap={20/neff:.4f}", flush=True)
spark = SparkSession.builder.master('local[*]').config('spark.driver.memory', '3g').config('spark.ui.showConsoleProgress', 'false').getOrCreate()
spark.sparkContext.setLogLevel('ERROR')
sdf = spark.createDataFrame(tr).cache(); sdf.count()
nI = len(iids); nU = len(uids)
trs = tr.groupby('user')['item'].apply(np.array).to_dict()
tes = test.assign(u=test.user.map(uids), i=test.item.map(iids)).groupby('u')['i'].apply(set).to_dict()
disc = 1 / np.log2(np.arange(2, 12))
for reg in regs:
    t = time.time()
    m = ALS(rank=rank, maxIter=15, regParam=reg, alpha=1.0, implicitPrefs=True, userCol='user', itemCol='item', ratingCol='rating', seed=42, numUserBlocks=2, numItemBlocks=2).fit(sdf)
    U = np.zeros((nU, rank), 'float32'); I = np.zeros((nI, rank), 'float32')
    for r in m.userFactors.collect(): U[r.id] = r.features
    for r in m.itemFactors.collect(): I[r.id] = r.features
    N = []
    for u, rel in tes.items():
        s = I @ U[u]; s[trs.get(u, [])] = -np.inf
        top = np.argpartition(-s, 10)[:10]; top = top[np.argsort(-s[top])]
        g = sum(disc[k] for k, it in enumerate(top) if it in rel); ideal = disc[:min(10, len(rel))].sum()
        N.append(g / ideal)
    print(f"regParam={reg:.4f} ndcg@10={np.mean(N):.4f} ({time.time()-t:.0f}s)", flush=True)
