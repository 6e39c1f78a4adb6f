"""Surprise-style rating models: ``fit`` on a DataFrame (or arrays) of user, item, rating;
vectorised ``predict``. Users and movies the model never saw get its baseline prediction
(what it predicts for a user or movie without ratings) and are flagged, never an exception."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _frame, _native
from ._base import Model


class Predictions(NamedTuple):
    """Vectorised predictions: estimates and which pairs had an unknown user or movie."""

    est: np.ndarray
    was_impossible: np.ndarray


class RatingModel(Model):
    """A rating model over raw user and movie ids (any hashable numpy-sortable type)."""

    def fit(self, df=None, *, users=None, items=None, ratings=None, timestamps=None,
            rating_scale=None, name: str = "dataframe"):
        """Fits on ``df`` (columns user, item, rating[, timestamp] by name, else the first three
        or four in that order) or on the arrays given. The GIL is released while fitting.
        ``rating_scale=(lo, hi)`` sets the scale predictions are clipped to (default: the
        ratings' range)."""
        u, i, r, t = _frame.columns(df, users, items, ratings, timestamps)
        data, self._users, self._items = _frame.build(name, u, i, r, t, rating_scale)
        self._native.fit(data)
        return self

    def _codes(self, users, items):
        self._check()
        u, uk = self._users.codes(users)
        i, ik = self._items.codes(items)
        # Unknown ids are asked as the placeholder user / movie (no ratings): the model's
        # baseline. A catalogue without placeholders (a model file of `cinerec train`) gives NaN.
        u = np.where(uk, u, self._users.placeholder)
        i = np.where(ik, i, self._items.placeholder)
        return u, i, ~(uk & ik)

    def _check(self):
        if not self._native.is_fitted:
            raise _native.CinerecError(f"model `{self.algorithm}` is not fitted: call fit first")

    def predict(self, users, items, *, clip: bool = True, with_flags: bool = False):
        """Predicted ratings for pairs ``(users[k], items[k])``; scalars give a float.
        ``clip`` bounds estimates to the rating scale (Surprise's default). With
        ``with_flags`` returns :class:`Predictions` (estimates, was_impossible)."""
        scalar = np.ndim(users) == 0 and np.ndim(items) == 0
        uu, ii = np.atleast_1d(np.asarray(users)), np.atleast_1d(np.asarray(items))
        uu, ii = np.broadcast_arrays(uu, ii)
        u, i, impossible = self._codes(uu.reshape(-1), ii.reshape(-1))
        ok = (u >= 0) & (i >= 0)
        if ok.all():
            est = self._native.predict(u, i)
        else:
            est = np.full(len(u), np.nan, np.float32)
            est[ok] = self._native.predict(u[ok], i[ok])
        if clip:
            lo, hi = self._native.data().scale
            est = np.clip(est, lo, hi)
        if scalar:
            est, impossible = float(est[0]), bool(impossible[0])
        return Predictions(est, impossible) if with_flags else est

    def test(self, df, *, clip: bool = True) -> Predictions:
        """Predictions for every row of a test DataFrame (Surprise's ``algo.test``)."""
        u, i, _r, _t = _frame.columns(df)
        return self.predict(u, i, clip=clip, with_flags=True)

    def recommend(self, user, n: int = 10, *, exclude_seen: bool = True):
        """Top-``n`` movies (raw ids) for a training user, with their scores."""
        self._check()
        u, known = self._users.codes(np.atleast_1d(user))
        if not known[0]:
            raise _native.CinerecError(f"unknown user {user!r}")
        ids, scores = self._native.recommend(u, n, exclude_seen, False, None, None, None,
                                             _placeholder(self._items))
        keep = ids[0] >= 0
        ids, scores = ids[0][keep], scores[0][keep]
        raw_of_inner = np.empty(max(len(self._items.raw), 1) + 1, dtype=self._items.raw.dtype)
        inner = self._items.inner_of(np.arange(len(self._items.raw)))
        raw_of_inner[inner] = self._items.raw
        return raw_of_inner[ids], scores


def _placeholder(index):
    p = index.placeholder
    return None if p is None or p < 0 else np.array([p], np.int64)


class SVD(RatingModel):
    """Biased matrix factorisation by SGD (Surprise ``SVD``; parameters ``n_factors``,
    ``n_epochs``, ``lr_all``, ``reg_all``, ``init_std_dev``, ``random_state`` …)."""

    algorithm = "svd"


class SVDpp(RatingModel):
    """SVD++ (Surprise ``SVDpp``)."""

    algorithm = "svdpp"


class KNN(RatingModel):
    """Item-based KNN with baselines (Surprise ``KNNBaseline``, item-based; ``k``,
    ``min_k``, ``similarity``, ``shrinkage`` …)."""

    algorithm = "itemknn"


class Baseline(RatingModel):
    """Global mean + user and item biases (Surprise ``BaselineOnly``; ``method`` als|sgd)."""

    algorithm = "baseline"


class NormalPredictor(RatingModel):
    """Random ratings from the training ratings' normal distribution (Surprise
    ``NormalPredictor``)."""

    algorithm = "random"


class AutoRec(RatingModel):
    """Item-based AutoRec (Sedhain et al. 2015), trained with burn."""

    algorithm = "autorec"


class Blend(RatingModel):
    """Feature-weighted ridge blend of baseline, SVD++ and item-KNN."""

    algorithm = "blend"
