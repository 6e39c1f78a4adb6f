"""Synthetic long-tail ratings CSV for the EASE bench (userId,movieId,rating,timestamp).
Usage: gen.py OUT.csv USERS MOVIES RATINGS SEED

Every movie gets one rating (so the catalogue is exactly MOVIES rated movies, as numpy's script
counts them); the rest are drawn with Zipf-like movie popularity (weight 1/rank^0.9) and
log-normal user activity, without duplicate (user, movie) pairs, like ml-latest-small
(610 users, 9.7k movies, 100k ratings)."""
import sys
import numpy as np

out, users, movies, ratings, seed = sys.argv[1], *map(int, sys.argv[2:6])
rng = np.random.default_rng(seed)
pop = 1.0 / np.arange(1, movies + 1) ** 0.9
pop /= pop.sum()
act = rng.lognormal(0.0, 1.2, users)
act /= act.sum()
# One rating per movie from a user drawn by activity.
base = {(int(u), m) for m, u in enumerate(rng.choice(users, movies, p=act))}
extra = set()
while len(base) + len(extra) < ratings:
    k = ratings - len(base) - len(extra)
    us = rng.choice(users, k, p=act)
    ms = rng.choice(movies, k, p=pop)
    extra.update(p for p in zip(us.tolist(), ms.tolist()) if p not in base)
extra = sorted(extra)
rng.shuffle(extra)
pairs = sorted(base | set(extra[: ratings - len(base)]))
movie_id = rng.permutation(movies) + 1
with open(out, "w") as f:
    f.write("userId,movieId,rating,timestamp\n")
    for u, m in pairs:
        r = int(rng.integers(1, 11)) / 2
        f.write(f"{u + 1},{movie_id[m]},{r},{1_000_000_000 + int(rng.integers(0, 10**8))}\n")
