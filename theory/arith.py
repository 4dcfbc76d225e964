"""Number systems in which the closed forms are evaluated.

Every closed form in :mod:`theory.formulas` is written once against the small interface
below (``pi``, ``sin``, ``cos``, ``atan2``, ``sqrt``, ``vector``, ``eye``), so the same
source is evaluated in IEEE float64 (numpy), in arbitrary precision (mpmath) and in
rigorous ball arithmetic (python-flint ``arb``).

Vectors are numpy arrays: ``float64`` arrays for :data:`FLOAT64`, ``object`` arrays of
``mpf``/``arb`` elements otherwise, so elementwise arithmetic, ``@`` and ``np.outer`` are
shared by all three.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import mpmath
import numpy as np

from theory import precision as _precision

__all__ = ["FLOAT64", "FLOAT64_ELEMENTWISE", "MAX_DPS", "MIN_DPS", "ArbArith", "Float64Arith",
           "Float64ElementwiseArith", "MpmathArith", "MpmathElementwiseArith", "arith_for"]


class _Float64Common:
    """What both float64 arithmetics share: π, numpy vectors, and no precision to set."""

    pi = math.pi

    @staticmethod
    def vector(x: Any) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    @staticmethod
    def eye(n: int) -> np.ndarray:
        return np.eye(n)

    @staticmethod
    def precision() -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()


class Float64Arith(_Float64Common):
    """IEEE double precision through numpy."""

    name = "float64"

    @staticmethod
    def scalar(x: Any) -> float:
        return float(x)

    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    atan2 = staticmethod(math.atan2)
    sqrt = staticmethod(math.sqrt)

    @staticmethod
    def pi_minus(x: float) -> float:
        return math.pi - x


# A sibling, not a subclass, of Float64Arith: its functions take and return arrays, not floats.
class Float64ElementwiseArith(_Float64Common):
    """float64 on numpy arrays of angles, elementwise (tables of φ; see formulas.sin_cos)."""

    name = "float64[elementwise]"
    elementwise = True
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    atan2 = staticmethod(np.arctan2)
    sqrt = staticmethod(np.sqrt)

    @staticmethod
    def scalar(x: Any) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    @staticmethod
    def pi_minus(x):
        return math.pi - x


# Below 16 digits an mpf cannot hold a float64 exactly, so inputs would be rounded; above
# MAX_DPS a single evaluation can take minutes (and mpmath cannot be interrupted inside one).
MIN_DPS = 16
MAX_DPS = 5000


class MpmathArith:
    """mpmath at ``dps`` decimal digits; use inside :meth:`precision`."""

    def __init__(self, dps: int):
        if int(dps) != dps or not MIN_DPS <= dps <= MAX_DPS:
            raise ValueError(f"dps must be an integer in [{MIN_DPS}, {MAX_DPS}], got {dps!r}")
        self.dps = int(dps)
        self.name = f"mpmath[{self.dps}]"

    def precision(self) -> contextlib.AbstractContextManager:
        return _precision.workdps(self.dps)

    @property
    def pi(self) -> mpmath.mpf:
        return +mpmath.pi

    @staticmethod
    def scalar(x: Any) -> mpmath.mpf:
        # mpf(float) is exact, so float64 inputs enter without rounding.
        return mpmath.mpf(x)

    @staticmethod
    def pi_minus(x: mpmath.mpf) -> mpmath.mpf:
        """π − x to full working precision even when a float64 x is as close to π as it can be."""
        with _precision.extraprec(1100):
            difference = mpmath.pi - x
        return +difference

    def vector(self, x: Any) -> np.ndarray:
        return np.array([self.scalar(xi) for xi in np.asarray(x, dtype=object).ravel()],
                        dtype=object)

    def eye(self, n: int) -> np.ndarray:
        out = np.full((n, n), mpmath.mpf(0), dtype=object)
        for i in range(n):
            out[i, i] = mpmath.mpf(1)
        return out

    sin = staticmethod(mpmath.sin)
    cos = staticmethod(mpmath.cos)
    atan2 = staticmethod(mpmath.atan2)
    sqrt = staticmethod(mpmath.sqrt)


class MpmathElementwiseArith(MpmathArith):
    """mpmath at ``dps`` digits on object arrays, elementwise (batches of trajectories, as in
    :mod:`theory.full_gd`)."""

    elementwise = True
    sin = staticmethod(np.frompyfunc(mpmath.sin, 1, 1))
    cos = staticmethod(np.frompyfunc(mpmath.cos, 1, 1))
    atan2 = staticmethod(np.frompyfunc(mpmath.atan2, 2, 1))
    sqrt = staticmethod(np.frompyfunc(mpmath.sqrt, 1, 1))

    def __init__(self, dps: int):
        super().__init__(dps)
        self.name = f"mpmath[{self.dps}, elementwise]"


class ArbArith:
    """python-flint ball arithmetic at ``prec`` bits: every result encloses the true value."""

    def __init__(self, prec: int = 256):
        import flint  # deferred: only certificates need it

        self._flint = flint
        self.prec = int(prec)
        self.name = f"arb[{self.prec} bits]"

    @contextlib.contextmanager
    def precision(self) -> Iterator[None]:
        with _precision.PRECISION_LOCK:   # flint's ctx.prec is process-wide, like mpmath's
            saved = self._flint.ctx.prec
            self._flint.ctx.prec = self.prec
            try:
                yield
            finally:
                self._flint.ctx.prec = saved

    @property
    def pi(self):
        return self._flint.arb.pi()

    def pi_minus(self, x):
        return self._flint.arb.pi() - x  # a rigorous enclosure whatever the cancellation

    def scalar(self, x: Any):
        if isinstance(x, self._flint.arb):
            return x
        if isinstance(x, mpmath.mpf):
            man, exp = x.man_exp
            return self._flint.arb(int(man)) * self._flint.arb(2) ** int(exp)
        if isinstance(x, (int, np.integer)):
            return self._flint.arb(int(x))
        # float64 -> exact dyadic rational
        num, den = float(x).as_integer_ratio()
        return self._flint.arb(num) / den

    def vector(self, x: Any) -> np.ndarray:
        return np.array([self.scalar(xi) for xi in np.asarray(x, dtype=object).ravel()],
                        dtype=object)

    def eye(self, n: int) -> np.ndarray:
        out = np.full((n, n), self._flint.arb(0), dtype=object)
        for i in range(n):
            out[i, i] = self._flint.arb(1)
        return out

    @staticmethod
    def sin(x):
        return x.sin()

    @staticmethod
    def cos(x):
        return x.cos()

    def atan2(self, y, x):
        return self._flint.arb.atan2(y, x)

    @staticmethod
    def sqrt(x):
        return x.sqrt()


FLOAT64 = Float64Arith()
FLOAT64_ELEMENTWISE = Float64ElementwiseArith()


def arith_for(dps: int | None):
    """The arithmetic the public API uses: float64 for ``dps=None``, else mpmath."""
    if dps is None:
        return FLOAT64
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)):
        raise ValueError(f"dps must be None or an integer in [{MIN_DPS}, {MAX_DPS}], got {dps!r}")
    return MpmathArith(int(dps))
