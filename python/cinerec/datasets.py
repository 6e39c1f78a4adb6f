"""Datasets as the CLI reads them: ``load("ml-100k")`` fetches MovieLens-100K the way
``cinerec data fetch`` does (into ``data_dir``, default ``$CINEREC_DATA_DIR`` or ``./data``) and
returns its ratings as a DataFrame (user, item, rating, timestamp; raw ids as in the files)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import _native


def data_dir(path=None) -> Path:
    """Where datasets live: ``path``, else ``$CINEREC_DATA_DIR``, else ``./data``."""
    return Path(path or os.environ.get("CINEREC_DATA_DIR") or "data")


def fetch(name: str = "ml-100k", data_dir_=None, source: str | None = None) -> Path:
    """Fetches a known dataset (``cinerec data fetch NAME``); ``source`` is ``pip`` (ML-100K
    from the recbole wheel), a mirror URL or a local zip. Returns its folder."""
    d = data_dir(data_dir_)
    d.mkdir(parents=True, exist_ok=True)
    return Path(_native.NativeData.fetch(name, str(d), source))


def load_native(name: str = "ml-100k", data_dir_=None, download: bool = True, source=None):
    """The engine's dataset (catalogue with titles and genres) by name or path."""
    d = data_dir(data_dir_)
    try:
        return _native.NativeData.load(name, str(d))
    except _native.CinerecError:
        if not download or Path(name).exists():
            raise
        fetch(name, d, source)
        return _native.NativeData.load(name, str(d))


def frame(data, with_movies: bool = False):
    """A NativeData's ratings as a DataFrame (user, item, rating, timestamp) with raw ids
    (integers when every id is one), and optionally its movies (item, title, year, genres)."""
    import pandas as pd  # noqa: PLC0415

    u, i, r, t = data.ratings()
    uids, iids = _ids(data.user_ids()), _ids(data.item_ids())
    df = pd.DataFrame({"user": uids[u], "item": iids[i], "rating": r, "timestamp": t})
    if not with_movies:
        return df
    titles, years, genres = data.item_meta()
    movies = pd.DataFrame({"item": iids, "title": titles,
                           "year": pd.array(years, dtype="Int64"), "genres": genres})
    return df, movies


def _ids(raw):
    a = np.asarray(raw, dtype=object)
    try:
        return np.asarray([int(x) for x in raw], np.int64)
    except ValueError:
        return a


def load(name: str = "ml-100k", data_dir=None, *, download: bool = True, source=None,
         movies: bool = False):
    """Ratings of dataset ``name`` (or a path the CLI's ``--data`` accepts) as a DataFrame;
    fetched first when missing and ``download``. ``movies=True`` also returns the movies."""
    return frame(load_native(name, data_dir, download, source), with_movies=movies)
