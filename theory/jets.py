"""First-order jets: a value and its partial derivatives with respect to the state (x, y, z₁, z₂).

A jet u = (u, ∂u/∂x, ∂u/∂y, ∂u/∂z₁, ∂u/∂z₂) follows the rules of calculus under + − × ÷
(sum, product and quotient rules) and under the step's helpers (chain rule), so evaluating
:func:`theory.reduced_gd.step` on the jets :func:`variable` ``(X, i)`` of a box's four
coordinates gives each output's value and its gradient with respect to the state. Two kinds:

* the numba jet (:class:`JetType`), a value type of five :class:`theory.intervals.Interval`
  (the value and four partials), every rule evaluated in outward-rounded interval arithmetic
  over the box: the partials then enclose the Jacobian of the step at every point of the box
  (:mod:`theory.box_step` seeds and reads them);
* the plain-Python :class:`Jet`, over any scalars whose step helpers are registered
  (python-flint ``arb`` balls in :mod:`theory.box_step`): the reference the tests compare with.

**Which derivatives.** The step is smooth wherever ‖v‖ > 0 and y ≠ 0. Its angle pair is
differentiated as the smooth function it is there — with Y = |y|, φ = atan2(Y, x),
dφ = (x dY − Y dx)/r², dδ = −dφ, r = ‖v‖ — never through |x|: at p = ∞ every start has x = 0
exactly, where |x| has a kink but φ does not. The kink of |y| at y = 0 (where φ reaches 0 or π)
is covered by the jet of |y| (:func:`_jet_abs`): ±dy on a box that lies on one side of y = 0,
and the hull [−1, 1]·dy on a box through it.

**What the interval partials mean on a box B** (convex, ‖v‖ > 0 on B). Let J be the
interval matrix of partials over B and a, b ∈ B. Along the segment z(t) = a + t(b − a), the
function t ↦ f(z(t)) (f any output of the step) is piecewise C¹ — |y(t)| has at most one kink —
so f(b) − f(a) = ∫₀¹ f'(z(t))·(b − a) dt, and f'(z(t)) is, for almost every t, the chain rule
with s(t) = sign y(t) ∈ [−1, 1] in place of d|y|/dy. Every such value lies in J (interval
arithmetic contains the range of the formula over B and over s ∈ [−1, 1]), and J·(b − a) is a
box (convex), so f(b) − f(a) ∈ J·(b − a): the mean-value enclosure a Lohner-type prover needs,
S_{t+1} ⊂ f(c) + J(hull S_t)·(S_t − c). Where B reaches ‖v‖ = 0, 1/r is unbounded and the
partials are (−∞, ∞) (or NaN): the prover must split such a box.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from theory import intervals, reduced_gd

__all__ = [
    "PARTIALS",
    "Jet",
    "jet",
    "symmetric_hull",
    "variable",
]

PARTIALS = 4          # ∂/∂x, ∂/∂y, ∂/∂z₁, ∂/∂z₂


class Jet:
    """A value and its ``PARTIALS`` partial derivatives, over plain-Python scalars (arb balls,
    floats). Anything that is not a Jet is a constant (zero partials)."""

    __slots__ = ("partials", "value")

    def __init__(self, value, partials):
        self.value, self.partials = value, tuple(partials)

    def __repr__(self) -> str:
        return f"Jet({self.value!r}, {list(self.partials)!r})"

    def _map(self, scale):
        return tuple(d * scale for d in self.partials)

    def __add__(self, other):
        if isinstance(other, Jet):
            return Jet(self.value + other.value, (p + q for p, q in zip(self.partials, other.partials, strict=True)))
        return Jet(self.value + other, self.partials)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.value, (-d for d in self.partials))

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, Jet):
            return Jet(self.value * other.value, (self.value * q + p * other.value
                                                  for p, q in zip(self.partials, other.partials, strict=True)))
        return Jet(self.value * other, self._map(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Jet):
            quotient = self.value / other.value
            return Jet(quotient, ((p - quotient * q) / other.value
                                  for p, q in zip(self.partials, other.partials, strict=True)))
        return Jet(self.value / other, (d / other for d in self.partials))

    def __rtruediv__(self, other):
        quotient = other / self.value
        return Jet(quotient, (-(quotient * d) / self.value for d in self.partials))

    def __abs__(self):
        if self.value >= 0:
            return Jet(abs(self.value), self.partials)
        if self.value <= 0:
            return Jet(abs(self.value), (-d for d in self.partials))
        return Jet(abs(self.value), (symmetric_hull(d) for d in self.partials))   # the kink at 0


def variable(value, index: int, one=None):
    """The jet of the state coordinate ``index`` (0: x, 1: y, 2: z₁, 3: z₂) at ``value``: partial 1
    with respect to itself, 0 to the others. ``one`` is 1 in the value's arithmetic (default
    ``type(value)(1)``)."""
    one = type(value)(1) if one is None else one
    zero = one * 0
    return Jet(value, (one if i == index else zero for i in range(PARTIALS)))


def jet(value, d0, d1, d2, d3):
    """The jet with this value and these four partials (a :class:`Jet` in Python, the numba jet
    in compiled code)."""
    return Jet(value, (d0, d1, d2, d3))


@functools.singledispatch
def symmetric_hull(d):
    """[−|d|, |d|]: {s·d : s ∈ [−1, 1]}, the derivative of |y| times dy at y = 0. Registered per
    scalar type (arb in :mod:`theory.box_step`); NaN (no derivative) for floats."""
    return d * float("nan")


# --- the step's helpers on Python jets (the chain rule; values in the scalars' own arithmetic) ----

@reduced_gd.flush_tiny_angle.register(Jet)
def _flush_jet(x, y):
    return y                                 # exact arithmetic: no flush


@reduced_gd.hypot.register(Jet)
def _hypot_jet(x, y):
    r = reduced_gd.hypot(x.value, y.value)
    return Jet(r, ((x.value * dx + y.value * dy) / r for dx, dy in zip(x.partials, y.partials, strict=True)))


@reduced_gd.square.register(Jet)
def _square_jet(x):
    twice = x.value * 2
    return Jet(reduced_gd.square(x.value), (twice * d for d in x.partials))


@reduced_gd.angle_pair.register(Jet)
def _angle_pair_jet(x, y, pi):
    phi, delta = reduced_gd.angle_pair(x.value, y.value, pi)
    big_y = abs(y)
    r = reduced_gd.hypot(x.value, y.value)
    d_phi = tuple(((x.value * dy - big_y.value * dx) / r) / r
                  for dx, dy in zip(x.partials, big_y.partials, strict=True))
    return Jet(phi, d_phi), Jet(delta, (-d for d in d_phi))


# --- numba: the jet over intervals ---------------------------------------------------------------

if reduced_gd.overload is not None:
    from numba import types
    from numba.core import cgutils
    from numba.extending import make_attribute_wrapper, models, overload, register_jitable, register_model

    from theory.intervals import IntervalType, like, select
    from theory.vector_math import untyped_intrinsic

    _INLINE: Any = {"forceinline": True}
    _FIELDS = ("value", "d0", "d1", "d2", "d3")

    class JetType(types.Type):
        """numba's jet: five intervals of one arithmetic (``fault`` as in :class:`IntervalType`)."""

        def __init__(self, fault: str = ""):
            self.fault = fault
            self.interval = IntervalType(fault)
            super().__init__(name=f"Jet[{fault}]" if fault else "Jet")

    @register_model(JetType)
    class _JetModel(models.StructModel):
        def __init__(self, dmm, fe_type):
            super().__init__(dmm, fe_type, [(name, fe_type.interval) for name in _FIELDS])

    for _field in _FIELDS:
        make_attribute_wrapper(JetType, _field, _field)

    @untyped_intrinsic
    def _make_jet(typingctx, value, d0, d1, d2, d3):
        parts = (value, d0, d1, d2, d3)
        if not all(isinstance(part, IntervalType) for part in parts) or len({p.fault for p in parts}) != 1:
            return None

        def codegen(context, builder, signature, args):
            out = cgutils.create_struct_proxy(signature.return_type)(context, builder)
            for name, arg in zip(_FIELDS, args, strict=True):
                setattr(out, name, arg)
            return out._getvalue()
        return JetType(value.fault)(value, d0, d1, d2, d3), codegen

    def _jet_compiled(value, d0, d1, d2, d3):
        return _make_jet(value, d0, d1, d2, d3)  # type: ignore[call-arg]  # mypy reads the typing function

    overload(jet, jit_options=_INLINE)(lambda value, d0, d1, d2, d3: _jet_compiled)

    @overload(variable, jit_options=_INLINE)
    def _variable_compiled(value, index, one=None):
        if not isinstance(value, IntervalType):
            return None

        def seeded(value, index, one=None):
            unit, zero = like(value, 1.0, 1.0), like(value, 0.0, 0.0)
            return jet(value, unit if index == 0 else zero, unit if index == 1 else zero,
                       unit if index == 2 else zero, unit if index == 3 else zero)
        return seeded

    # The rules, written once over the jet's fields (LLVM unrolls nothing here: five fields, spelled out).
    @register_jitable(**_INLINE)
    def _jet_add(a, b):
        return _make_jet(a.value + b.value, a.d0 + b.d0, a.d1 + b.d1, a.d2 + b.d2, a.d3 + b.d3)

    @register_jitable(**_INLINE)
    def _jet_add_constant(a, b):
        return _make_jet(a.value + b, a.d0, a.d1, a.d2, a.d3)

    @register_jitable(**_INLINE)
    def _jet_sub(a, b):
        return _make_jet(a.value - b.value, a.d0 - b.d0, a.d1 - b.d1, a.d2 - b.d2, a.d3 - b.d3)

    @register_jitable(**_INLINE)
    def _jet_sub_constant(a, b):
        return _make_jet(a.value - b, a.d0, a.d1, a.d2, a.d3)

    @register_jitable(**_INLINE)
    def _constant_sub_jet(a, b):
        return _make_jet(a - b.value, -b.d0, -b.d1, -b.d2, -b.d3)

    @register_jitable(**_INLINE)
    def _jet_neg(a):
        return _make_jet(-a.value, -a.d0, -a.d1, -a.d2, -a.d3)

    @register_jitable(**_INLINE)
    def _jet_mul(a, b):
        v, w = a.value, b.value
        return _make_jet(v * w, v * b.d0 + a.d0 * w, v * b.d1 + a.d1 * w, v * b.d2 + a.d2 * w, v * b.d3 + a.d3 * w)

    @register_jitable(**_INLINE)
    def _jet_mul_constant(a, b):
        return _make_jet(a.value * b, a.d0 * b, a.d1 * b, a.d2 * b, a.d3 * b)

    # Quotients' partials are multiplied by an enclosure of 1/w, computed once, rather than
    # divided by w four times: as valid, and a division costs several multiplications.
    @register_jitable(**_INLINE)
    def _jet_div(a, b):
        w = b.value
        q, inverse = a.value / w, 1.0 / w
        return _make_jet(q, (a.d0 - q * b.d0) * inverse, (a.d1 - q * b.d1) * inverse,
                         (a.d2 - q * b.d2) * inverse, (a.d3 - q * b.d3) * inverse)

    @register_jitable(**_INLINE)
    def _jet_div_constant(a, b):
        inverse = 1.0 / b
        return _make_jet(a.value / b, a.d0 * inverse, a.d1 * inverse, a.d2 * inverse, a.d3 * inverse)

    @register_jitable(**_INLINE)
    def _constant_div_jet(a, b):
        w = b.value
        q, inverse = a / w, 1.0 / w
        scale = -(q * inverse)                 # d(a/w) = −(a/w)·dw/w
        return _make_jet(q, scale * b.d0, scale * b.d1, scale * b.d2, scale * b.d3)

    @register_jitable(**_INLINE)
    def _signed(d, positive, negative):
        """d·(d|y|/dy): d on y ≥ 0, −d on y ≤ 0, [−|d|, |d|] through 0 (the module docstring)."""
        largest = intervals._max(-d.lo, d.hi)
        lo = select(positive, d.lo, select(negative, -d.hi, -largest))
        hi = select(positive, d.hi, select(negative, -d.lo, largest))
        return like(d, lo, hi)

    @register_jitable(**_INLINE)
    def _jet_abs(a):
        positive, negative = a.value.lo >= 0.0, a.value.hi <= 0.0
        return _make_jet(abs(a.value), _signed(a.d0, positive, negative), _signed(a.d1, positive, negative),
                         _signed(a.d2, positive, negative), _signed(a.d3, positive, negative))

    @register_jitable(**_INLINE)
    def _jet_square(a):
        twice = 2.0 * a.value
        return _make_jet(intervals._sqr(a.value), twice * a.d0, twice * a.d1, twice * a.d2, twice * a.d3)

    @register_jitable(**_INLINE)
    def _jet_hypot(x, y):
        """dr = (x dx + y dy)/r = x̂ dx + ŷ dy, with x̂ = x/r and ŷ = y/r taken once."""
        r = intervals._hypot(x.value, y.value)
        u, v = x.value / r, y.value / r
        return _make_jet(r, u * x.d0 + v * y.d0, u * x.d1 + v * y.d1, u * x.d2 + v * y.d2, u * x.d3 + v * y.d3)

    @register_jitable(**_INLINE)
    def _d_angle(u, big_y, dx, d_big_y):
        return u * d_big_y - big_y * dx

    def _jet_angle_pair_with(steps):
        def pair(x, y, pi):
            """dφ = (x dY − Y dx)/r² = x̂ dY/r − Ŷ dx/r, with x̂ = x/r, Ŷ = Y/r taken once."""
            phi, delta = intervals._angle_pair_of(x.value, y.value, pi, steps)
            big_y = _jet_abs(y)
            r = intervals._hypot(x.value, y.value)
            inverse = 1.0 / r
            u, w = (x.value * inverse) * inverse, (big_y.value * inverse) * inverse
            d0 = _d_angle(u, w, x.d0, big_y.d0)
            d1 = _d_angle(u, w, x.d1, big_y.d1)
            d2 = _d_angle(u, w, x.d2, big_y.d2)
            d3 = _d_angle(u, w, x.d3, big_y.d3)
            return _make_jet(phi, d0, d1, d2, d3), _make_jet(delta, -d0, -d1, -d2, -d3)
        return pair

    def _jet_fault(a, b=None):
        """The fault of an operation on jets (with intervals or numbers), or None when the
        operands are not all of one arithmetic or none is a jet."""
        operands = [t for t in (a, b) if t is not None]
        if not any(isinstance(t, JetType) for t in operands):
            return None
        if not all(isinstance(t, (JetType, IntervalType, types.Number)) for t in operands):
            return None
        faults = {t.fault for t in operands if isinstance(t, (JetType, IntervalType))}
        return faults.pop() if len(faults) == 1 else None

    def _jet_binary(both, jet_constant, constant_jet):
        def typer(a, b):
            if _jet_fault(a, b) is None:
                return None
            if isinstance(a, JetType) and isinstance(b, JetType):
                return both
            if isinstance(a, JetType):
                return jet_constant
            return constant_jet
        return typer

    overload(operator.add, jit_options=_INLINE)(_jet_binary(
        _jet_add, _jet_add_constant, lambda a, b: _jet_add_constant(b, a)))
    overload(operator.sub, jit_options=_INLINE)(_jet_binary(_jet_sub, _jet_sub_constant, _constant_sub_jet))
    overload(operator.mul, jit_options=_INLINE)(_jet_binary(
        _jet_mul, _jet_mul_constant, lambda a, b: _jet_mul_constant(b, a)))
    overload(operator.truediv, jit_options=_INLINE)(_jet_binary(_jet_div, _jet_div_constant, _constant_div_jet))
    overload(operator.neg, jit_options=_INLINE)(lambda a: _jet_neg if isinstance(a, JetType) else None)
    overload(abs, jit_options=_INLINE)(lambda a: _jet_abs if isinstance(a, JetType) else None)

    def _jet_pair(x, y):
        return isinstance(x, JetType) and isinstance(y, JetType) and x.fault == y.fault

    # --- reduced_gd.step's vocabulary on jets -------------------------------------------------------
    overload(reduced_gd.flush_tiny_angle, jit_options=_INLINE)(
        lambda x, y: (lambda x, y: y) if _jet_pair(x, y) else None)
    overload(reduced_gd.hypot, jit_options=_INLINE)(lambda x, y: _jet_hypot if _jet_pair(x, y) else None)
    overload(reduced_gd.square, jit_options=_INLINE)(
        lambda x: (lambda x: _jet_square(x)) if isinstance(x, JetType) else None)

    @overload(reduced_gd.angle_pair, jit_options=_INLINE)
    def _step_angle_pair(x, y, pi):
        if not (_jet_pair(x, y) and isinstance(pi, IntervalType) and pi.fault == x.fault):
            return None
        return register_jitable(**_INLINE)(_jet_angle_pair_with(intervals._atan2_steps(x.fault)))
