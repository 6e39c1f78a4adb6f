"""Fixtures generated in code: a planted-taste rating set (two user groups that like opposite
halves of the catalogue) as a DataFrame and as a users x items sparse matrix."""
import numpy as np
import pytest


def planted(n_users=60, n_items=40, seed=7):
    rng = np.random.default_rng(seed)
    users, items, ratings, times = [], [], [], []
    for u in range(n_users):
        for i in range(n_items):
            if rng.random() < 0.45:
                same = (u % 2) == (i % 2)
                r = (4.5 if same else 1.8) + rng.normal(0, 0.3)
                users.append(1000 + u)          # raw ids that are not 0-based
                items.append(50_000 + i)
                ratings.append(float(np.clip(np.round(r * 2) / 2, 1, 5)))
                times.append(1_000_000 + 10 * i + u)
    return np.array(users), np.array(items), np.array(ratings, np.float32), np.array(times)


@pytest.fixture(scope="session")
def ratings_df():
    pd = pytest.importorskip("pandas")
    u, i, r, t = planted()
    return pd.DataFrame({"user": u, "item": i, "rating": r, "timestamp": t})


@pytest.fixture(scope="session")
def user_items():
    sp = pytest.importorskip("scipy.sparse")
    u, i, r, _t = planted()
    liked = r >= 4
    rows, cols = u[liked] - 1000, i[liked] - 50_000
    return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(60, 40))
