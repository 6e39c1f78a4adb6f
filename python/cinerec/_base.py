"""What every cinerec model class shares: the engine model by registry name, parameters as
keyword arguments (passed to the engine as JSON, which checks them), model files."""
from __future__ import annotations

import json

from . import _native


class Model:
    """A model of cinerec's engine. Subclasses name the registry algorithm."""

    #: Registry name (see :func:`cinerec.models`).
    algorithm: str = ""
    #: Keyword aliases taken from the library the class mirrors → the engine's names.
    aliases: dict = {"random_state": "seed", "num_threads": "threads"}
    #: Keywords of the mirrored library that mean nothing here (dropped).
    ignored: tuple = ("verbose", "use_gpu", "use_native", "dtype", "show_progress")

    def __init__(self, **params):
        p = {}
        for k, v in params.items():
            if k in self.ignored:
                continue
            if k == "seed" or self.aliases.get(k) == "seed":
                v = 0 if v is None else int(v)
            if v is None:
                continue
            p[self.aliases.get(k, k)] = v
        self._params = p
        self._native = _native.NativeModel(self.algorithm, json.dumps(p) if p else None)

    @property
    def params(self) -> dict:
        """The parameters as the engine reports them (defaults filled in)."""
        return json.loads(self._native.params_json())

    @property
    def is_fitted(self) -> bool:
        return self._native.is_fitted

    def save(self, path, metrics: dict | None = None) -> dict:
        """Writes the engine's versioned model file (what `cinerec train` writes and
        `cinerec serve` loads) atomically; returns its header."""
        self._save_extra(path)
        return json.loads(self._native.save(str(path), json.dumps(metrics) if metrics else None))

    def _save_extra(self, path):
        pass

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{type(self).__name__}({args})"
