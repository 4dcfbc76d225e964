"""Input checks shared by the public API: every bad input is an :class:`InvalidInput` (a ValueError)
naming its argument."""

from __future__ import annotations

import math
import os
import sys
from numbers import Rational, Real
from typing import Any, TypeVar

import mpmath
import numpy as np

__all__ = [
    "MAX_STEPS",
    "InvalidInput",
    "finite_result",
    "fits_in_memory",
    "flag",
    "generator",
    "names",
    "nonzero",
    "numeric_array",
    "physical_memory",
    "positive_float",
    "positive_int",
    "positive_real",
    "real",
    "row_norms",
    "shown",
    "step_count",
    "teacher",
    "vector",
]

_T = TypeVar("_T")


class InvalidInput(ValueError):
    """Bad input at a public boundary (of theory or of theorycheck's programs): one clear line that
    names the argument. A ValueError, so callers that catch ValueError keep working; the command
    line turns it into exit code 2."""


def _is_finite(x: Any) -> bool:
    if isinstance(x, mpmath.mpf):
        return bool(mpmath.isfinite(x))
    try:
        return math.isfinite(x)
    except OverflowError:      # a Python int beyond float64 is finite, but see vector()
        return True


def vector(x: Any, name: str, length: int | None = None, *, exact: bool = False) -> np.ndarray:
    """A finite 1-D vector of real numbers, as float64 (or as given, when ``exact``).

    ``exact=True`` keeps mpf entries as they are (for the mpmath path); anything else
    must be a real number representable as float64.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiu" and x.ndim == 1 and x.size:
        return _numeric_vector(x, name, length)   # the common case, checked without a Python loop
    try:
        raw = np.asarray(x, dtype=object)
    except Exception as exc:  # ragged nesting and the like
        raise InvalidInput(f"{name} must be a 1-D array of real numbers ({exc})") from None
    if raw.ndim != 1:
        raise InvalidInput(f"{name} must be a 1-D array, got shape {raw.shape}")
    if raw.size == 0:
        raise InvalidInput(f"{name} must have at least one entry")
    if length is not None and raw.size != length:
        raise InvalidInput(f"{name} must have length {length}, got {raw.size}")
    for i, xi in enumerate(raw):
        if isinstance(xi, (bool, np.bool_)) or not isinstance(xi, (Real, mpmath.mpf)):
            raise InvalidInput(f"{name}[{i}] must be a real number, got {xi!r}")
        if not _is_finite(xi):
            raise InvalidInput(f"{name}[{i}] must be finite, got {xi!r}")
    if exact and any(isinstance(xi, mpmath.mpf) for xi in raw):
        return raw
    try:
        out = raw.astype(np.float64)
    except OverflowError:
        out = np.array([np.inf])
    if not np.all(np.isfinite(out)):
        raise InvalidInput(f"{name} overflows float64")
    return out


def _numeric_vector(x: np.ndarray, name: str, length: int | None) -> np.ndarray:
    if length is not None and x.size != length:
        raise InvalidInput(f"{name} must have length {length}, got {x.size}")
    out = x.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(out))
    if bad.size:
        i = int(bad[0])
        problem = "overflows float64" if np.isfinite(x[i]) else "must be finite"
        raise InvalidInput(f"{name}[{i}] {problem}, got {x[i]!r}")
    return out


def numeric_array(x: Any, name: str) -> np.ndarray:
    """An array of finite real numbers as float64: strings, booleans and objects are refused, not
    parsed; NaN, ±inf and numbers beyond float64 (a long double of 1e400) are refused by name."""
    if isinstance(x, np.ma.MaskedArray) and np.ma.is_masked(x):
        raise InvalidInput(f"{name} must be an array of real numbers, got a masked array (its masked entries "
                         "would be read as numbers)")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:   # ragged nesting and the like
        raise InvalidInput(f"{name} must be an array of real numbers ({exc})") from None
    if arr.dtype.kind not in "fiu":
        raise InvalidInput(f"{name} must be an array of real numbers (integer or float dtype), got dtype {arr.dtype}")
    with np.errstate(over="ignore"):
        out = arr.astype(np.float64)
    if not np.all(np.isfinite(out)):
        problem = "overflows float64" if np.all(np.isfinite(arr)) else "must be finite"
        raise InvalidInput(f"{name} {problem}")
    return out


def row_norms(M: np.ndarray, sqrt=np.sqrt) -> np.ndarray:
    """‖row‖ for each row, scaled first: no underflow for rows of 1e-200, no overflow for 1e200.
    ``sqrt`` elementwise (an object array of mpf takes mpmath's; see theory.arith)."""
    biggest = np.max(np.abs(M), axis=1)
    safe = np.where(biggest > 0, biggest, 1.0)
    scaled = M / safe[:, None]
    return biggest * sqrt(np.add.reduce(scaled * scaled, axis=1))    # what np.linalg.norm(axis=1) computes


def nonzero(x: np.ndarray, name: str) -> None:
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        if not np.any(x != 0):
            raise InvalidInput(f"{name} must not be the zero vector")
        return
    if not any(xi != 0 for xi in x):
        raise InvalidInput(f"{name} must not be the zero vector")


def positive_int(x: Any, name: str) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or x < 1:
        raise InvalidInput(f"{name} must be an integer >= 1, got {x!r}")
    return int(x)


# Steps of one GD run at most (a compiled loop counts them in int64; 10¹⁵ steps take months).
MAX_STEPS = 10**15


def step_count(x: Any, name: str = "steps") -> int:
    """A number of GD steps: an integer in [1, MAX_STEPS]."""
    x = positive_int(x, name)
    if x > MAX_STEPS:
        raise InvalidInput(f"{name} must be an integer in [1, {MAX_STEPS:.0e}], got {x!r}")
    return x


def positive_real(x: _T, name: str) -> _T:
    """``x`` itself (a float, int, mpf or other real number), once checked finite and positive."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (Real, mpmath.mpf)):
        raise InvalidInput(f"{name} must be a positive real number, got {x!r}")
    if not _is_finite(x) or x <= 0:   # x is finite here, so x <= 0 is exactly "not x > 0"
        raise InvalidInput(f"{name} must be a positive finite number, got {x!r}")
    if not isinstance(x, mpmath.mpf):
        try:
            float(x)
        except OverflowError:   # a Python int beyond float64 (10**400)
            raise InvalidInput(f"{name} must be a positive finite number within float64's range (at most "
                             f"1.8e308), got an integer of {len(str(x))} digits") from None
    return x


def shown(x: Any) -> str:
    """``repr(x)``, or its order of magnitude when the repr is long (10**400, Fraction(1, 10**400))."""
    text = repr(x)
    if len(text) <= 40:
        return text
    try:
        if isinstance(x, Rational) and x != 0:
            magnitude = math.log10(abs(x.numerator)) - math.log10(x.denominator)
        else:
            magnitude = float(mpmath.log10(abs(mpmath.mpf(x))))
        return f"{type(x).__name__} ≈ {'-' if x < 0 else ''}1e{magnitude:.0f}"
    except (TypeError, ValueError, OverflowError):
        return text[:40] + "…"


# float64's smallest normal number: a step size or a scale below it has lost bits, and one that
# rounds to 0 (Fraction(1, 10**400), mpf('1e-400')) divides by zero later.
FLOAT64_TINY = sys.float_info.min


def positive_float(x: Any, name: str) -> float:
    """A positive real number as a float64 that is normal: ints and mpf beyond float64 (10**400),
    and numbers that round to a subnormal or to 0 (Fraction(1, 10**400), mpf('1e-400')), are
    refused with float64's range named."""
    positive_real(x, name)
    value = float(x)          # mpf beyond float64 gives inf; positive_real refused the ints
    if not FLOAT64_TINY <= value <= sys.float_info.max:
        raise InvalidInput(f"{name} must lie in float64's normal range [{FLOAT64_TINY:.3g}, "
                         f"{sys.float_info.max:.3g}], got {shown(x)} ({value!r} in float64)")
    return value


def flag(x: Any, name: str) -> bool:
    """A bool (or numpy bool): strings, None and numbers are refused, not read as truthy."""
    if not isinstance(x, (bool, np.bool_)):
        raise InvalidInput(f"{name} must be True or False, got {shown(x)}")
    return bool(x)


def names(x: Any, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A tuple (or list, set) of names among ``allowed``: a bare string, None or anything else is
    refused by name."""
    if isinstance(x, str) or not isinstance(x, (tuple, list, set, frozenset)):
        hint = f" (a string: write ({x!r},))" if isinstance(x, str) else ""
        raise InvalidInput(f"{name} must be a tuple of names among {allowed}, got {shown(x)}{hint}")
    unknown = sorted(repr(item) for item in x if not isinstance(item, str) or item not in allowed)
    if unknown:
        raise InvalidInput(f"{name} must be among {allowed}, got {', '.join(unknown)}")
    return tuple(x)


def physical_memory() -> int | None:
    """This machine's memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def fits_in_memory(nbytes: float, what: str) -> None:
    """A ValueError, before anything is allocated, when ``what`` needs more than this machine's
    memory (numpy would raise MemoryError — or, where the system overcommits, the process would
    be killed once the pages are touched)."""
    memory = physical_memory()
    if memory is not None and nbytes > memory:
        raise InvalidInput(f"{what} needs {nbytes / 2**30:,.1f} GiB, more than this machine's "
                         f"{memory / 2**30:,.1f} GiB of memory")


def generator(x: Any, name: str = "rng") -> np.random.Generator:
    if not isinstance(x, np.random.Generator):
        raise InvalidInput(f"{name} must be a numpy Generator (np.random.default_rng(seed)), got {type(x).__name__}")
    return x


def teacher(x: Any):
    """A theory.Teacher, or a ValueError naming the argument."""
    from theory.teacher import Teacher  # theory.teacher imports this module
    if not isinstance(x, Teacher):
        raise InvalidInput(f"teacher must be a theory.Teacher, got {type(x).__name__}")
    return x


def real(x: Any, name: str) -> Any:
    """A finite real number (int, float, numpy or mpf); strings and booleans are refused, not parsed."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (Real, mpmath.mpf)):
        raise InvalidInput(f"{name} must be a real number, got {x!r}")
    if not _is_finite(x):
        raise InvalidInput(f"{name} must be finite, got {x!r}")
    return x


def finite_result(value: Any, what: str, hint: str = "") -> Any:
    """``value`` (a number or an array) when every entry is finite, else a ValueError: an
    overflow must be an error, never a silent inf or NaN."""
    entries = value if isinstance(value, np.ndarray) else [value]
    if not all(_is_finite(x) for x in np.ravel(entries)):
        raise InvalidInput(f"{what} overflows float64{hint}")
    return value
