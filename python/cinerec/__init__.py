"""cinerec from Python: the Rust engine's models behind the APIs of the libraries data
scientists already use.

- Surprise-style rating models (:class:`SVD`, :class:`SVDpp`, :class:`KNN`, :class:`Baseline`,
  :class:`NormalPredictor`, :class:`AutoRec`, :class:`Blend`): ``fit(df)`` on a DataFrame of
  user, item, rating; vectorised ``predict(users, items)``.
- implicit-style ranking models (:class:`ALS`, :class:`BPR`, :class:`EASE`, :class:`ItemKNN`,
  :class:`Popularity`): ``fit(user_items)`` on a ``scipy.sparse`` matrix, ``recommend``,
  ``similar_items``, ``recalculate_user``.
- :class:`Store`: the database `cinerec serve` reads (SQLite, PostgreSQL, MySQL): import a
  DataFrame, fit on the store's contents, register (and activate) a model for the server.
- :mod:`cinerec.datasets`, :mod:`cinerec.split`, :mod:`cinerec.metrics` with the CLI's
  definitions; ``model.save(path)`` / :func:`load` with the engine's model files.

Fitting and scoring release the GIL. Engine errors are :class:`CinerecError` (a
``ValueError``) with the engine's message.
"""
from . import datasets, metrics, split
from ._io import header, load
from ._native import CinerecError, __version__
from ._native import registry as _registry
from .store import Store
from .explicit import (
    KNN,
    SVD,
    AutoRec,
    Baseline,
    Blend,
    NormalPredictor,
    Predictions,
    RatingModel,
    SVDpp,
)
from .implicit import (
    ALS,
    BPR,
    EASE,
    AlternatingLeastSquares,
    BayesianPersonalizedRanking,
    ItemKNN,
    Popularity,
    RankingModel,
)


def models() -> dict:
    """Every model of the engine's registry: name → one-line description."""
    return dict(_registry())


__all__ = [
    "ALS", "BPR", "EASE", "KNN", "SVD", "AlternatingLeastSquares", "AutoRec", "Baseline",
    "BayesianPersonalizedRanking", "Blend", "CinerecError", "ItemKNN", "NormalPredictor",
    "Popularity", "Predictions", "RankingModel", "RatingModel", "SVDpp", "Store", "__version__",
    "datasets", "header", "load", "metrics", "models", "split",
]
