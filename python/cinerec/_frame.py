"""Ratings given by a caller (a pandas DataFrame, arrays, a scipy sparse matrix) turned into
the engine's dataset: raw ids mapped to dense codes here, everything else in the engine."""
from __future__ import annotations

import numpy as np

from . import _native

#: Raw id of the catalogue's placeholder user and movie: neither has a rating, so a rating
#: model predicts for them what it predicts for someone or something it has no data on (its
#: baseline). Unknown users and movies are predicted as these, and flagged.
UNKNOWN = "\x00unknown"

USER_COLS = ("user", "userId", "user_id", "userid", "uid")
ITEM_COLS = ("item", "movieId", "movie_id", "item_id", "itemid", "iid", "movie")
RATING_COLS = ("rating", "ratings", "score", "value")
TIME_COLS = ("timestamp", "time", "ts")


def _pick(columns, names, pos):
    for n in names:
        if n in columns:
            return n
    return columns[pos] if pos is not None and len(columns) > pos else None


def columns(df=None, users=None, items=None, ratings=None, timestamps=None):
    """(users, items, ratings, timestamps) arrays from a DataFrame (columns by name, else the
    first three/four in Surprise's order: user, item, rating[, timestamp]) or from arrays."""
    if df is not None:
        if isinstance(df, (tuple, list)) and len(df) in (3, 4):
            users, items, ratings = df[0], df[1], df[2]
            timestamps = df[3] if len(df) == 4 else None
        elif hasattr(df, "columns"):
            cols = list(df.columns)
            u, i, r = _pick(cols, USER_COLS, 0), _pick(cols, ITEM_COLS, 1), _pick(cols, RATING_COLS, 2)
            t = _pick(cols, TIME_COLS, 3 if len(cols) > 3 else None)
            users, items, ratings = df[u].to_numpy(), df[i].to_numpy(), df[r].to_numpy()
            timestamps = df[t].to_numpy() if t is not None else None
        else:
            raise _native.CinerecError(
                "fit: expected a DataFrame (user, item, rating[, timestamp]) or a tuple of arrays")
    if users is None or items is None:
        raise _native.CinerecError("fit: users and items are required")
    users, items = np.asarray(users), np.asarray(items)
    ratings = np.ones(len(users), np.float32) if ratings is None else np.asarray(ratings, np.float32)
    if timestamps is not None:
        timestamps = np.asarray(timestamps)
        if timestamps.dtype.kind == "M":
            timestamps = timestamps.astype("datetime64[s]").astype(np.int64)
        if len(timestamps) and (timestamps.min() < 0 or timestamps.max() > 0xFFFFFFFF):
            raise _native.CinerecError("timestamps: seconds since 1970 within 0..2^32-1 expected")
        timestamps = np.ascontiguousarray(timestamps, np.uint32)
    return users, items, ratings, timestamps


class IdIndex:
    """Sorted raw ids ↔ dense codes, vectorised both ways (numpy searchsorted)."""

    def __init__(self, raw: np.ndarray, inner: np.ndarray | None = None, placeholder: int | None = None):
        #: Raw ids, sorted.
        self.raw = raw
        #: Inner code of each sorted raw id (None: the position itself).
        self.inner = inner
        #: Inner code of the placeholder (see UNKNOWN), if the catalogue has one.
        self.placeholder = len(raw) if placeholder is None and inner is None else placeholder

    @classmethod
    def of_catalogue(cls, raw_ids):
        """The index of an engine catalogue's raw ids (inner-id order, any order)."""
        ids = [x for x in raw_ids]
        placeholder = ids.index(UNKNOWN) if UNKNOWN in ids else None
        inner = np.asarray([k for k, x in enumerate(ids) if x != UNKNOWN], np.int64)
        vals = [x for x in ids if x != UNKNOWN]
        try:
            raw = np.asarray([int(x) for x in vals], np.int64)
        except ValueError:
            raw = np.asarray(vals)
        order = np.argsort(raw, kind="stable")
        return cls(raw[order], inner[order], placeholder if placeholder is not None else -1)

    def inner_of(self, pos):
        return pos if self.inner is None else self.inner[pos]

    @classmethod
    def of(cls, values: np.ndarray):
        uniq, codes = np.unique(values, return_inverse=True)
        return cls(uniq), np.ascontiguousarray(codes.reshape(-1), np.uint32)

    def __len__(self):
        return len(self.raw)

    def strings(self):
        return [str(x) for x in self.raw.tolist()]

    def codes(self, values) -> tuple[np.ndarray, np.ndarray]:
        """Codes of raw ids (int64) and a mask of the known ones; unknown ids get -1."""
        v = np.asarray(values)
        if len(self.raw) == 0:
            return np.full(v.shape, -1, np.int64), np.zeros(v.shape, bool)
        try:
            pos = np.searchsorted(self.raw, v)
        except TypeError:  # ids of another type than the training ids: all unknown
            return np.full(v.shape, -1, np.int64), np.zeros(v.shape, bool)
        pos = np.minimum(pos, len(self.raw) - 1)
        known = np.asarray(self.raw[pos] == v, bool)
        return np.where(known, self.inner_of(pos), -1).astype(np.int64), known


def build(name, users, items, ratings, timestamps=None, rating_scale=None, placeholders=True):
    """A NativeData from raw-id arrays; returns (data, user index, item index)."""
    if not (len(users) == len(items) == len(ratings)):
        raise _native.CinerecError(
            f"ratings: users, items and ratings must have the same length ({len(users)}, {len(items)}, {len(ratings)})")
    uidx, ucodes = IdIndex.of(users)
    iidx, icodes = IdIndex.of(items)
    uids, iids = uidx.strings(), iidx.strings()
    if placeholders:
        uids.append(UNKNOWN)
        iids.append(UNKNOWN)
    data = _native.NativeData(name, ucodes, icodes, np.ascontiguousarray(ratings, np.float32),
                              timestamps, uids, iids, rating_scale)
    return data, uidx, iidx


def from_csr(user_items, name="user_items"):
    """A NativeData whose inner ids are the matrix's row and column indices."""
    import scipy.sparse as sp  # noqa: PLC0415 (scipy only for the implicit-style API)

    if not sp.issparse(user_items):
        raise _native.CinerecError("fit: user_items must be a scipy.sparse matrix (users x items)")
    coo = user_items.tocoo()
    n_users, n_items = user_items.shape
    keep = coo.data != 0
    return _native.NativeData(
        name,
        np.ascontiguousarray(coo.row[keep], np.uint32),
        np.ascontiguousarray(coo.col[keep], np.uint32),
        np.ascontiguousarray(coo.data[keep], np.float32),
        None,
        [str(k) for k in range(n_users)],
        [str(k) for k in range(n_items)],
        None,
    )
