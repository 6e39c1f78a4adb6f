"""implicit-style ranking models: ``fit`` on a users x items ``scipy.sparse`` matrix,
``recommend`` / ``similar_items`` / ``recalculate_user`` with implicit's names and shapes
(ids are the matrix's row and column indices), so code ports by changing the import."""
from __future__ import annotations

import numpy as np

from . import _frame, _native
from ._base import Model


def _csr_rows(user_items, userids, n_users_fitted):
    """CSR arrays with one row per requested user (implicit ≥ 0.5 passes those rows; a whole
    users x items matrix is accepted too and indexed by the ids)."""
    import scipy.sparse as sp  # noqa: PLC0415

    if user_items is None:
        return None
    m = user_items if sp.issparse(user_items) else sp.csr_matrix(user_items)
    m = m.tocsr()
    if m.shape[0] != len(userids):
        if m.shape[0] >= n_users_fitted and len(userids) and userids.max() < m.shape[0]:
            m = m[userids]
        else:
            raise _native.CinerecError(
                f"user_items has {m.shape[0]} rows for {len(userids)} users")
    return (np.ascontiguousarray(m.indptr, np.int64), np.ascontiguousarray(m.indices, np.int64),
            np.ascontiguousarray(m.data, np.float32))


class RankingModel(Model):
    """A model fitted on an implicit-feedback matrix (users x items)."""

    def fit(self, user_items, show_progress: bool = False):
        """Fits on ``user_items`` (``scipy.sparse``, users x items; values are the ratings or
        confidences), with the GIL released."""
        self._native.fit(_frame.from_csr(user_items))
        return self

    def _check(self):
        if not self._native.is_fitted:
            raise _native.CinerecError(f"model `{self.algorithm}` is not fitted: call fit first")

    def recommend(self, userid, user_items=None, N: int = 10, filter_already_liked_items: bool = True,
                  filter_items=None, recalculate_user: bool = False, items=None):
        """Top-``N`` item ids and scores for ``userid`` (an int gives 1-D arrays, an array of
        ids gives ``(len(userid), N)`` arrays, padded with -1 / -inf when fewer items are left).
        ``user_items`` holds the users' rows: their items are filtered out when
        ``filter_already_liked_items``, and folded in as the user's profile without retraining
        when ``recalculate_user``. ``filter_items`` are never recommended; ``items``, when
        given, are the only candidates."""
        self._check()
        scalar = np.ndim(userid) == 0
        users = np.atleast_1d(np.asarray(userid, np.int64))
        rows = _csr_rows(user_items, users, self._native.data().n_users)
        p, i, v = rows if rows is not None else (None, None, None)
        ex = None if filter_items is None else np.ascontiguousarray(filter_items, np.int64)
        cand = None if items is None else np.ascontiguousarray(items, np.int64)
        ids, scores = self._native.recommend(users, int(N), bool(filter_already_liked_items),
                                             bool(recalculate_user), p, i, v, ex, cand)
        if scalar:
            keep = ids[0] >= 0
            return ids[0][keep], scores[0][keep]
        return ids, scores

    def similar_items(self, itemid, N: int = 10, **_ignored):
        """The ``N`` items most similar to ``itemid`` (itself excluded), as (ids, scores);
        an array of ids gives 2-D arrays."""
        self._check()
        scalar = np.ndim(itemid) == 0
        ids, scores = self._native.similar_items(np.atleast_1d(np.asarray(itemid, np.int64)), int(N))
        return (ids[0], scores[0]) if scalar else (ids, scores)

    def recalculate_user(self, userid, user_items):
        """Folds in the user's row of ``user_items`` without retraining and returns the
        resulting score of every item (implicit returns the user's factors; cinerec models
        are not all factor models, so the scores are what is shared)."""
        self._check()
        rows = _csr_rows(user_items, np.atleast_1d(np.asarray(userid, np.int64)),
                         self._native.data().n_users)
        p, i, v = rows
        return self._native.score_all(None, i[p[0]:p[1]], v[p[0]:p[1]])


class ALS(RankingModel):
    """Implicit-feedback ALS with conjugate gradient (implicit ``AlternatingLeastSquares``;
    ``factors``, ``regularization``, ``alpha``, ``iterations``, ``random_state``)."""

    algorithm = "als"


AlternatingLeastSquares = ALS


class BPR(RankingModel):
    """Bayesian personalised ranking (implicit ``BayesianPersonalizedRanking``;
    ``factors``, ``learning_rate``, ``regularization``, ``iterations``, ``random_state``)."""

    algorithm = "bpr"


BayesianPersonalizedRanking = BPR


class EASE(RankingModel):
    """EASE closed-form item-item model (Steck 2019; ``lambda_`` or ``l2`` = the L2 weight)."""

    algorithm = "ease"
    aliases = {**Model.aliases, "lambda_": "lambda", "l2": "lambda"}


class ItemKNN(RankingModel):
    """Item-based KNN (implicit ``ItemItemRecommender``; ``K`` = neighbours)."""

    algorithm = "itemknn"
    aliases = {**Model.aliases, "K": "k"}

    def __init__(self, **params):
        # implicit's item-item models use cosine on the interaction values; the engine's
        # default (Pearson of baseline residuals) is the rating-model (Surprise) choice.
        params.setdefault("similarity", "cosine")
        super().__init__(**params)


class Popularity(RankingModel):
    """Most-rated items first."""

    algorithm = "popularity"
