"""Train/test splits with the CLI's definitions (``cinerec data split``): ``random`` (a share of
all ratings, numpy-identical permutation by default) and ``temporal`` (per user, the most recent
share held out, the peers' rule). Both take and return DataFrames."""
from __future__ import annotations

from . import _frame, datasets


def _split(df, kind, **kw):
    import pandas as pd  # noqa: PLC0415

    u, i, r, t = _frame.columns(df)
    data, uidx, iidx = _frame.build("dataframe", u, i, r, t, placeholders=False)
    train, (tu, ti, tr, tt) = data.split(kind, **kw)
    test = pd.DataFrame({"user": uidx.raw[tu], "item": iidx.raw[ti], "rating": tr, "timestamp": tt})
    tu_, ti_, tr_, tt_ = train.ratings()
    train_df = pd.DataFrame({"user": uidx.raw[tu_], "item": iidx.raw[ti_], "rating": tr_,
                             "timestamp": tt_})
    return train_df, test


def random(df, test_size: float = 0.2, seed: int = 42, numpy_rng: bool = True):
    """Random split: ``⌊n·test_size⌋`` ratings are test. The ratings are taken in (user, item)
    order; with ``numpy_rng`` the permutation is ``numpy.random.default_rng(seed)``'s."""
    return _split(df, "random", test_ratio=test_size, seed=seed, numpy=numpy_rng)


def temporal(df, test_size: float = 0.2):
    """Per user, the most recent ``⌈test_size·n_u⌉`` ratings are test (ties: the larger item id
    is later), as the peers' ``split.py``. Needs a timestamp column."""
    return _split(df, "temporal", test_ratio=test_size)


__all__ = ["random", "temporal", "datasets"]
