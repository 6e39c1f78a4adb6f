"""Model files: :func:`load` reads the engine's versioned model file (written by
``model.save`` or by ``cinerec train``) and returns the matching Python class."""
from __future__ import annotations

import json
from pathlib import Path

from . import _frame, _native, datasets, explicit, implicit


def header(path) -> dict:
    """What a model file says about itself (algorithm, params, dataset, metrics)."""
    return json.loads(_native.read_header(str(path)))


def _class_for(algorithm: str, rating: bool):
    mods = (explicit, implicit) if rating else (implicit, explicit)
    base = explicit.RatingModel if rating else implicit.RankingModel
    for mod in mods:
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, base) and getattr(obj, "algorithm", None) == algorithm:
                return obj
    return base


def load(path, data=None, *, data_dir=None, force: bool = False, ranking: bool | None = None):
    """Loads a model file. ``data`` is its training data: a DataFrame (a model saved from a
    rating model's ``fit(df)``: the same DataFrame), a ``scipy.sparse`` matrix (a ranking
    model's ``fit(user_items)``), or a dataset name/path as the CLI takes (default: the
    dataset named in the file, under ``data_dir``; the model then speaks raw ids as a rating
    model, or inner ids as a ranking model with ``ranking=True``). The engine refuses other data
    than the training data unless ``force``."""
    h = header(path)
    path = str(path)
    if data is None or isinstance(data, (str, Path)):
        native = datasets.load_native(str(data or h["dataset_name"]), data_dir, download=False)
        cls = _class_for(h["algorithm"], rating=not ranking)
        model = cls.__new__(cls)
        if not ranking:
            model._users = _frame.IdIndex.of_catalogue(native.user_ids())
            model._items = _frame.IdIndex.of_catalogue(native.item_ids())
    elif hasattr(data, "tocoo"):
        native = _frame.from_csr(data)
        cls = _class_for(h["algorithm"], rating=False)
        model = cls.__new__(cls)
    else:
        cls = _class_for(h["algorithm"], rating=True)
        u, i, r, t = _frame.columns(data)
        native, model_users, model_items = _frame.build(h["dataset_name"], u, i, r, t)
        model = cls.__new__(cls)
        model._users, model._items = model_users, model_items
    model._params = h["params"]
    model._native = _native.NativeModel.load(path, native, force)
    return model
