"""Metrics with the CLI's definitions (``cinerec eval``, the peers' ``common.py``): RMSE / MAE of
rating predictions, and :func:`evaluate`, which runs the engine's evaluation of a fitted model on
a test set (rating metrics clipped to the scale as Surprise does; precision, recall, NDCG, hit
rate, MAP @K and coverage over the catalogue minus each user's training items)."""
from __future__ import annotations

import json

import numpy as np

from . import _frame, _native


def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    d = np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64)
    return float(np.sqrt(np.mean(d * d)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64))))


def evaluate(model, test, k: int = 10, rating: bool | None = None, ranking: bool = True) -> dict:
    """The engine's evaluation of a fitted model on ``test``: a DataFrame of raw ids for a
    rating model (rows whose user or movie the model never saw are dropped and counted in
    ``n_dropped``), or a ``scipy.sparse`` users x items matrix / (users, items[, ratings])
    arrays of indices for a ranking model. ``rating`` defaults to True for rating models."""
    from .explicit import RatingModel  # noqa: PLC0415

    dropped = 0
    if isinstance(model, RatingModel):
        u, i, r, _t = _frame.columns(test)
        uc, uk = model._users.codes(u)
        ic, ik = model._items.codes(i)
        keep = uk & ik
        dropped = int((~keep).sum())
        uc, ic, r = uc[keep], ic[keep], np.asarray(r, np.float32)[keep]
        rating = True if rating is None else rating
    else:
        if hasattr(test, "tocoo"):
            c = test.tocoo()
            uc, ic, r = c.row, c.col, c.data
        else:
            uc, ic = test[0], test[1]
            r = test[2] if len(test) > 2 else np.ones(len(uc), np.float32)
        rating = False if rating is None else rating
    out = json.loads(_native.evaluate(model._native, np.ascontiguousarray(uc, np.uint32),
                                      np.ascontiguousarray(ic, np.uint32),
                                      np.ascontiguousarray(r, np.float32), k, rating, ranking))
    if dropped:
        out["n_dropped"] = dropped
    return out
