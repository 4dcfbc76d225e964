"""Evidence as strict JSON: the one conversion from typed results to what claims.json holds."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np

__all__ = ["jsonable"]


def jsonable(x: Any, keep: tuple[type, ...] = ()) -> Any:
    """``x`` as strict JSON: objects with ``to_json()`` as what it returns, numpy and mpmath
    numbers as floats (non-finite ones as strings), tuples as lists. Instances of ``keep`` are
    left as they are (the report's page shows a Proportion by its type)."""
    if keep and isinstance(x, keep):
        return x
    if hasattr(x, "to_json") and not isinstance(x, type):
        return jsonable(x.to_json(), keep)
    if isinstance(x, dict):
        return {str(k): jsonable(v, keep) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v, keep) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating, mpmath.mpf)):
        x = float(x)
        return x if math.isfinite(x) else str(x)
    if x is None or isinstance(x, str):
        return x
    return str(x)
