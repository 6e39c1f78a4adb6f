"""A cinerec store from Python: the database `cinerec serve` reads (SQLite, PostgreSQL,
MySQL/MariaDB). Import a DataFrame of ratings, fit a model on the store's contents, register
it in the store's model registry (optionally active), so a running server can switch to it
(``POST /models/{version}/activate``, or at its next start)."""
from __future__ import annotations

import json

from . import _frame, _native
from .explicit import RatingModel


def _url(url) -> str:
    """A store URL; a plain file path means a SQLite file."""
    s = str(url)
    return s if "://" in s else f"sqlite://{s}"


class Store:
    """An open store. ``url``: ``sqlite://file.db`` (or a plain path), ``postgres://…``,
    ``mysql://…``. The schema is created or brought up to date on opening."""

    def __init__(self, url):
        self._native = _native.NativeStore(_url(url))

    @property
    def url(self) -> str:
        """The URL without its password."""
        return self._native.url

    def counts(self) -> dict:
        """Rows held: ``users``, ``movies``, ``ratings``, ``models``."""
        return json.loads(self._native.counts())

    def import_ratings(self, df=None, *, users=None, items=None, ratings=None, timestamps=None,
                       name: str = "dataframe", rating_scale=None, batch_rows: int | None = None) -> dict:
        """Imports ratings (a DataFrame with columns user, item, rating[, timestamp], or arrays,
        as :meth:`cinerec.SVD.fit` takes them) with the store's bulk import: idempotent
        (re-importing leaves the store as it was), visible all at once. Returns the report
        (rows written, seconds)."""
        u, i, r, t = _frame.columns(df, users, items, ratings, timestamps)
        data, _, _ = _frame.build(name, u, i, r, t, rating_scale, placeholders=False)
        return json.loads(self._native.import_data(data, batch_rows))

    def dataset(self):
        """The store's contents as the engine's dataset (what the server loads)."""
        return self._native.dataset()

    def fit(self, model):
        """Fits ``model`` on the store's current contents, exactly as the server will see
        them, so it can be registered. A rating model then speaks the store's raw ids; a
        ranking model the dataset's inner ids (``store.dataset().user_ids()`` maps them)."""
        data = self.dataset()
        model._native.fit(data)
        if isinstance(model, RatingModel):
            model._users = _frame.IdIndex.of_catalogue(data.user_ids())
            model._items = _frame.IdIndex.of_catalogue(data.item_ids())
        return model

    def register(self, model, *, model_dir="models", path=None, activate: bool = False,
                 metrics: dict | None = None) -> dict:
        """Saves ``model`` (fitted with :meth:`fit`) as the engine's model file — ``path``, or a
        fresh name under ``model_dir`` — and registers it in the store; ``activate`` makes it
        the active model. Returns the registry record (``version``, ``algorithm``, ``artifact``,
        ``active``, …). On PostgreSQL the file is kept in the database too, for replicas."""
        if path is None:  # the folder is created when the file is written
            path = self._native.model_path(model._native, str(model_dir))
        model._save_extra(path)
        rec = self._native.register(model._native, str(path), bool(activate),
                                    json.dumps(metrics) if metrics else None)
        return json.loads(rec)

    def models(self) -> list:
        """The model registry, by version."""
        return json.loads(self._native.models())

    def activate(self, version: int) -> dict:
        """Makes ``version`` the active model; returns its record."""
        return json.loads(self._native.activate(int(version)))

    def close(self):
        """Closes the store's connections."""
        self._native.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Store({self.url!r})"
