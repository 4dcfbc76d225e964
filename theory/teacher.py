"""The teacher network (w*, a*) that labels the data."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from theory import validation

__all__ = ["NORM_RANGE", "Teacher"]

# ‖w*‖ and ‖a*‖ each in this range keep the loss (∝ ‖w*‖²‖a*‖²), its gradients and the step
# sizes finite in float64; the mathematics is homogeneous, so any teacher can be rescaled into it.
NORM_RANGE = (1e-60, 1e60)


@dataclass(frozen=True, eq=False, init=False)
class Teacher:
    """An immutable, validated teacher: filter w* ∈ Rᵖ (any norm ≠ 0) and output weights a* ∈ Rᵏ."""

    w_star: np.ndarray
    a_star: np.ndarray

    # Written out (not generated) because it takes any array-like and stores float64 arrays.
    def __init__(self, w_star: npt.ArrayLike, a_star: npt.ArrayLike) -> None:
        w = validation.vector(w_star, "w_star")
        a = validation.vector(a_star, "a_star")
        validation.nonzero(w, "w_star")
        validation.nonzero(a, "a_star")
        for name, vector in (("w_star", w), ("a_star", a)):
            norm = float(validation.row_norms(vector[None, :])[0])
            if not NORM_RANGE[0] <= norm <= NORM_RANGE[1]:
                raise ValueError(f"{name} must have a norm in [{NORM_RANGE[0]:g}, {NORM_RANGE[1]:g}] (the loss "
                                 f"scales like ‖w*‖²‖a*‖²), got {norm:.3g}")
        for arr in (w, a):
            arr.setflags(write=False)
        object.__setattr__(self, "w_star", w)
        object.__setattr__(self, "a_star", a)

    @classmethod
    def random(cls, k: int, p: int, rng: np.random.Generator) -> Teacher:
        """w* and a* with i.i.d. N(0, 1) entries (a.s. nonzero)."""
        k = validation.positive_int(k, "k")
        p = validation.positive_int(p, "p")
        validation.generator(rng)
        while True:
            w, a = rng.standard_normal(p), rng.standard_normal(k)
            if np.any(w != 0) and np.any(a != 0):
                return cls(w, a)

    @property
    def k(self) -> int:
        """Number of patches (hidden units)."""
        return self.a_star.size

    @property
    def p(self) -> int:
        """Patch (filter) size."""
        return self.w_star.size

    # Statistics, computed once (a teacher is immutable; at k or p = 10⁶ each pass costs time).
    @functools.cached_property
    def w_norm(self) -> float:
        """c* = ‖w*‖."""
        return float(np.linalg.norm(self.w_star))

    @functools.cached_property
    def a_sum(self) -> float:
        """s = 1ᵀa* (float64)."""
        return float(self.a_star.sum())

    @functools.cached_property
    def a_sq(self) -> float:
        """‖a*‖² (float64)."""
        return float(self.a_star @ self.a_star)

    @property
    def spurious_ratio(self) -> float:
        """(1ᵀa*)² / ‖a*‖², the quantity the spurious-minimum condition compares with (k+π−1)/π."""
        return self.a_sum ** 2 / self.a_sq

    def statistics(self) -> dict:
        """What a GD claim needs to describe a teacher of any size: k, p, ‖w*‖, 1ᵀa*, ‖a*‖²."""
        return {"k": self.k, "p": self.p, "w_norm": self.w_norm, "a_sum": self.a_sum, "a_sq": self.a_sq}

    def __eq__(self, other):
        if not isinstance(other, Teacher):
            return NotImplemented
        return (np.array_equal(self.w_star, other.w_star)
                and np.array_equal(self.a_star, other.a_star))

    def __hash__(self):
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:   # hashing 10⁶ entries each time a cache looks a teacher up would cost
        # + 0.0 turns −0.0 into 0.0: equal teachers (== compares values) must hash alike
        return hash(((self.w_star + 0.0).tobytes(), (self.a_star + 0.0).tobytes()))

    def __repr__(self):
        return (f"Teacher(w_star={np.array2string(self.w_star, precision=17)}, "
                f"a_star={np.array2string(self.a_star, precision=17)})")

    def to_json(self) -> dict:
        """Exact (repr-round-trip) JSON form, for reproducers."""
        return {"w_star": [float(x) for x in self.w_star], "a_star": [float(x) for x in self.a_star]}
