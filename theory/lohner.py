"""The prover's compiled loop: sets of GD states carried forward by a first-order (Lohner-type) enclosure.

A *cell* of starts is a set S₀ ⊂ c₀ + A₀·w + E₀, w ∈ [−1, 1]ᵈ, of reduced states (x, y, z₁, z₂)
(residual 0): c a float 4-vector, A a float 4×d matrix (d = :data:`PARAMETERS`; unused columns
are 0), E an interval 4-box; the form is *parametric*: each start s has its own w, and the state
reached from s after t steps lies in c_t + A_t·w + E_t for that w (:mod:`theory.starts`).
:func:`advance` carries every cell of a batch forward (numba, parallel over the cells) until a
certified trap holds all of it, or until it must be split. One step from S_t ⊂ c + A·w + E
(docs/mathematics.md#the-prover):

1. the hull H of c + A·[−1, 1]ᵈ + E, intersected with the previous step's enclosure [f(H_{t−1})]
   of S_t (and widened to hold c): a box with S_t ⊂ H;
2. :func:`theory.reduced_gd.step` on jets over H gives [f(H)] and [J] ⊇ {Df(s) : s ∈ H}, and the
   measures (ℓ, φ) over H with their gradients; on the thin box c it gives [f(c)] and ℓ(c), φ(c);
3. the measures at S_t: ℓ ∈ [ℓ(H)] ∩ (ℓ(c) + [∇ℓ(H)]·(A·[−1, 1]ᵈ + E)) (the centred form), φ
   likewise, ‖v‖² ∈ x_H² + y_H²; the cell is *proved* when some level of a side of the certified
   trap (:func:`theory.trap.certified_trap`) holds them: ℓ ≤ level, φ ≤ edge (global) or
   φ ≥ edge (spurious), ‖v‖² ≥ r2_min, each compared in the safe direction;
4. otherwise c' = mid [f(c)], A' = mid([J])·A (floats: any choice is sound) and

       E' = ([f(c)] − c') + ([J]·A − A')·[−1, 1]ᵈ + [J]·E,

   all in outward-rounded interval arithmetic: for s = c + A·w + e ∈ S_t, the mean value theorem
   on the segment [c, s] ⊂ H (theory.jets: f(s) − f(c) ∈ [J](s − c)) gives
   f(s) ∈ [f(c)] + [J]·A·w + [J]·e ⊂ c' + A'·w + E'.

**When a cell must be split.** Its enclosure fails when a value is not finite (H reaches ‖v‖ = 0,
or something overflowed), when its extent passes ``size_limit``, or when E passes ``failing`` ×
the columns' length (:func:`_extent`): then the remainder, which grows with the set's size, feeds
on itself. The cell then goes back to its *checkpoint* — the last step at which E was at most
``healthy`` × the columns (or the step it started from) — and is returned there as :data:`SPLIT`,
with the column that had grown longest: its halves can go on from that step (theory.basins).

Every interval is made ``like`` the constants' π, so a planted fault of the arithmetic
(:data:`theory.intervals.FAULTS`) runs here too; the planted fault :data:`DROP_REMAINDER` leaves
out the middle term of E' (the mean-value remainder of the linear part), which the tests must
catch."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from theory import box_step, intervals, jets, reduced_gd
from theory.reduced_gd import register_jitable

__all__ = [
    "DROP_REMAINDER",
    "GLOBAL",
    "LOHNER_SOURCES",
    "PARAMETERS",
    "SPLIT",
    "SPURIOUS",
    "STATUS",
    "UNDECIDED",
    "CellSets",
    "Verdicts",
    "advance",
    "kernel",
    "trap_rows",
]

PARAMETERS = 3          # columns of A: (radius, angle) of the disk point, and cos φ₀ at finite p
UNDECIDED, GLOBAL, SPURIOUS, SPLIT = 0, 1, 2, 3
STATUS = ("undecided", "global", "spurious", "split")
DROP_REMAINDER = 1      # planted fault: E' without ([J]·A − A')·[−1, 1]ᵈ

prange: Any
try:
    from numba import prange
except ImportError:  # pragma: no cover - numba is a declared dependency
    prange = range


@register_jitable
def _hull_coordinate(reference, centre, row, error_lo, error_hi):
    """c_j + Σ_m A_jm·[−1, 1] + E_j, rounded outward."""
    spread = intervals.like(reference, 0.0, 0.0)
    for m in range(row.shape[0]):
        spread = spread + abs(intervals.like(reference, row[m], row[m]))
    return (intervals.like(reference, centre, centre) + intervals.like(reference, -spread.hi, spread.hi)
            + intervals.like(reference, error_lo, error_hi))


@register_jitable
def _centred(reference, at_centre, jet, matrix, error_lo, error_hi):
    """m(c) + [∇m(H)]·(A·[−1, 1]ᵈ + E) for a measure m with jet ``jet`` over H (the mean value
    theorem on [c, s] ⊂ H), intersected with the natural enclosure jet.value."""
    gradient = (jet.d0, jet.d1, jet.d2, jet.d3)
    total = at_centre
    for m in range(matrix.shape[1]):
        column = intervals.like(reference, 0.0, 0.0)
        for j in range(4):
            column = column + gradient[j] * matrix[j, m]
        reach = abs(column).hi
        total = total + intervals.like(reference, -reach, reach)
    for j in range(4):
        total = total + gradient[j] * intervals.like(reference, error_lo[j], error_hi[j])
    return intervals.intersection(total, jet.value)


@register_jitable
def _trapped(loss, phi, r2, level, edge, r2_min, reach, global_side):
    """The first row of a side of the trap (rows sorted by level) that holds every state with
    ℓ ∈ loss, φ ∈ phi, ‖v‖² ∈ r2 — ℓ ≤ level, φ ≤ edge (global) or φ ≥ edge (spurious),
    ‖v‖² ≥ r2_min — or −1. ``reach`` is the widest edge from each row on (the largest edge on
    the global side, the least on the spurious side), which rejects most states at once. A NaN
    bound proves nothing (every comparison with it is False)."""
    n = level.shape[0]
    if n == 0 or loss.hi != loss.hi:
        return -1
    first = np.searchsorted(level, loss.hi)           # the least level ≥ ℓ's upper bound
    if first >= n or not ((phi.hi <= reach[first]) if global_side else (phi.lo >= reach[first])):
        return -1
    for j in range(first, n):
        side_ok = (phi.hi <= edge[j]) if global_side else (phi.lo >= edge[j])
        if side_ok and r2.lo >= r2_min[j] and loss.hi <= level[j]:
            return j
    return -1


@register_jitable
def _norm(scale, u0, u1, u2, u3):
    """The Euclidean length of a state difference with (x, y) in units of ‖v‖ (``scale`` = 1/‖v‖:
    angles) and (z₁, z₂) as they are (ã-units, where a* has length 1)."""
    return np.sqrt((u0 * scale) ** 2 + (u1 * scale) ** 2 + u2 ** 2 + u3 ** 2)


@register_jitable
def _extent(centre, matrix, error_lo, error_hi):
    """Float measures of the set's extent (heuristics for splitting, not part of any proof):
    (Σ of the columns' lengths, E's half-diagonal, the longest column's index) in :func:`_norm`."""
    scale = 1.0 / max(np.hypot(centre[0], centre[1]), 1e-300)
    total, longest, best = 0.0, 0, -1.0
    for m in range(matrix.shape[1]):
        length = _norm(scale, matrix[0, m], matrix[1, m], matrix[2, m], matrix[3, m])
        total += length
        if length > best:
            best, longest = length, m
    spread = _norm(scale, error_hi[0] - error_lo[0], error_hi[1] - error_lo[1], error_hi[2] - error_lo[2],
                   error_hi[3] - error_lo[3]) / 2
    return total, spread, longest


def _prove_loop(centre, matrix, error_lo, error_hi, known_lo, known_hi, step_count,
                saved_centre, saved_matrix, saved_error_lo, saved_error_hi, saved_known_lo, saved_known_hi,
                saved_step, consts, global_level, global_edge, global_r2, global_reach, spurious_level,
                spurious_edge, spurious_r2, spurious_reach, chunk, size_limit, healthy, failing, fault, status, axis,
                linear, remainder, taken, trap_row):
    """Each cell (rows of the inputs) for at most ``chunk`` more steps (module docstring). The
    set (centre, matrix, error, and [f(H_{t−1})] in ``known``) at step ``step_count``, and its
    checkpoint (the ``saved_`` arrays), are updated in place, so an undecided cell resumes where
    it stopped. Outputs per cell: the :data:`STATUS` code, the longest column of A, and the
    lengths of the columns and of E (:func:`_extent`) — of the checkpoint for a :data:`SPLIT` — the
    steps taken (evaluations of the step on the set, the last one included), and the row of the
    trap's side that holds a proved cell (−1 otherwise)."""
    reference = consts.pi
    zero = intervals.like(reference, 0.0, 0.0)
    d = matrix.shape[2]
    for i in prange(centre.shape[0]):
        c, a, t = centre[i], matrix[i], step_count[i:i + 1]
        e_lo, e_hi, k_lo, k_hi = error_lo[i], error_hi[i], known_lo[i], known_hi[i]
        hull_lo, hull_hi = np.empty(4), np.empty(4)
        next_lo, next_hi, next_c = np.empty(4), np.empty(4), np.empty(4)
        j_lo, j_hi = np.empty((4, 4)), np.empty((4, 4))
        new_a = np.empty((4, d))
        code, longest, columns, spread, last = UNDECIDED, 0, 0.0, 0.0, t[0] + chunk
        taken[i] = 0
        while True:
            taken[i] += 1
            columns, spread, longest = _extent(c, a, e_lo, e_hi)
            if spread <= healthy * columns or t[0] == saved_step[i]:
                _copy_set(c, a, e_lo, e_hi, k_lo, k_hi, saved_centre[i], saved_matrix[i], saved_error_lo[i],
                          saved_error_hi[i], saved_known_lo[i], saved_known_hi[i])
                saved_step[i] = t[0]
            for j in range(4):
                box = _hull_coordinate(reference, c[j], a[j], e_lo[j], e_hi[j])
                hull_lo[j] = min(max(box.lo, k_lo[j]), c[j])
                hull_hi[j] = max(min(box.hi, k_hi[j]), c[j])
            x = jets.variable(intervals.like(reference, hull_lo[0], hull_hi[0]), 0)
            y = jets.variable(intervals.like(reference, hull_lo[1], hull_hi[1]), 1)
            z1 = jets.variable(intervals.like(reference, hull_lo[2], hull_hi[2]), 2)
            z2 = jets.variable(intervals.like(reference, hull_lo[3], hull_hi[3]), 3)
            over = reduced_gd.step(x, y, z1, z2, zero, consts)
            at = reduced_gd.step(intervals.like(reference, c[0], c[0]), intervals.like(reference, c[1], c[1]),
                                 intervals.like(reference, c[2], c[2]), intervals.like(reference, c[3], c[3]),
                                 zero, consts)
            loss = _centred(reference, at.loss, over.loss, a, e_lo, e_hi)
            phi = _centred(reference, at.phi, over.phi, a, e_lo, e_hi)
            r2 = intervals.sqr(x.value) + intervals.sqr(y.value)
            trap_row[i] = _trapped(loss, phi, r2, global_level, global_edge, global_r2, global_reach, True)
            if trap_row[i] >= 0:
                code = GLOBAL
                break
            trap_row[i] = _trapped(loss, phi, r2, spurious_level, spurious_edge, spurious_r2, spurious_reach, False)
            if trap_row[i] >= 0:
                code = SPURIOUS
                break
            rows = (over.x, over.y, over.z1, over.z2)
            images = (at.x, at.y, at.z1, at.z2)
            finite = True
            for j in range(4):
                row = rows[j]
                for m, partial in enumerate((row.d0, row.d1, row.d2, row.d3)):
                    j_lo[j, m], j_hi[j, m] = partial.lo, partial.hi
                    finite &= np.isfinite(partial.lo) & np.isfinite(partial.hi)
                finite &= np.isfinite(images[j].lo) & np.isfinite(images[j].hi)
            if not finite or columns + spread > size_limit or spread > failing * columns:
                code = SPLIT
                break
            if t[0] >= last:
                break
            # the new centre, matrix and remainder (module docstring, step 4)
            for j in range(4):
                next_c[j] = intervals.midpoint(images[j])
                total = images[j] - next_c[j]
                for m in range(d):
                    product = 0.0
                    for q in range(4):
                        product += 0.5 * (j_lo[j, q] + j_hi[j, q]) * a[q, m]
                    new_a[j, m] = product
                    if fault != DROP_REMAINDER:
                        linear_part = intervals.like(reference, 0.0, 0.0)
                        for q in range(4):
                            linear_part = linear_part + intervals.like(reference, j_lo[j, q], j_hi[j, q]) * a[q, m]
                        reach = abs(linear_part - product).hi
                        total = total + intervals.like(reference, -reach, reach)
                for q in range(4):
                    total = total + intervals.like(reference, j_lo[j, q], j_hi[j, q]) * intervals.like(
                        reference, e_lo[q], e_hi[q])
                next_lo[j], next_hi[j] = total.lo, total.hi
            for j in range(4):
                k_lo[j], k_hi[j] = rows[j].value.lo, rows[j].value.hi
                c[j], e_lo[j], e_hi[j] = next_c[j], next_lo[j], next_hi[j]
                for m in range(d):
                    a[j, m] = new_a[j, m]
            t[0] += 1
        if code == SPLIT:           # back to the checkpoint, with the column that grew longest
            _copy_set(saved_centre[i], saved_matrix[i], saved_error_lo[i], saved_error_hi[i], saved_known_lo[i],
                      saved_known_hi[i], c, a, e_lo, e_hi, k_lo, k_hi)
            t[0] = saved_step[i]
            columns, spread, _ = _extent(c, a, e_lo, e_hi)
        status[i], axis[i], linear[i], remainder[i] = code, longest, columns, spread


@register_jitable
def _copy_set(c, a, e_lo, e_hi, k_lo, k_hi, to_c, to_a, to_e_lo, to_e_hi, to_k_lo, to_k_hi):
    for j in range(4):
        to_c[j], to_e_lo[j], to_e_hi[j], to_k_lo[j], to_k_hi[j] = c[j], e_lo[j], e_hi[j], k_lo[j], k_hi[j]
        for m in range(a.shape[1]):
            to_a[j, m] = a[j, m]


def trap_rows(trap) -> tuple[np.ndarray, ...]:
    """The arrays :func:`advance` reads of a :class:`theory.trap.CertifiedTrap`: per side (global,
    then spurious) its rows' level, edge and r2_min, sorted by level, and the widest edge from
    each row on (the running maximum from the end on the global side, minimum on the spurious)."""
    out: list[np.ndarray] = []
    for side, widest in ((trap.global_side, np.maximum), (trap.spurious, np.minimum)):
        level, edge, radius = (np.ascontiguousarray(a, dtype=np.float64) for a in (side.level, side.phi_edge,
                                                                                    side.r2_min))
        reach = np.ascontiguousarray(widest.accumulate(edge[::-1])[::-1]) if len(edge) else edge.copy()
        out += [level, edge, radius, reach]
    return tuple(out)


LOHNER_SOURCES = (*box_step.BOX_SOURCES, Path(__file__))
_KERNEL: list = []


def kernel():
    """:func:`_prove_loop` compiled (parallel over cells, interval code: no fastmath), cached on
    disk and dropped when this file or one it inlines changes."""
    if not _KERNEL:
        _KERNEL.append(intervals.compile_cached(_prove_loop, parallel=True, sources=LOHNER_SOURCES))
    return _KERNEL[0]


class CellSets(NamedTuple):
    """A batch of cells' sets, updated in place by :func:`advance`: S_t ⊂ centre + matrix·w + E,
    E = [error_lo, error_hi], and S_t ⊂ [known_lo, known_hi] (the last step's natural enclosure;
    ±∞ before the first), at step ``step``; and the same at the checkpoint (``saved_``)."""

    centre: np.ndarray          # (n, 4)
    matrix: np.ndarray          # (n, 4, PARAMETERS)
    error_lo: np.ndarray        # (n, 4)
    error_hi: np.ndarray
    known_lo: np.ndarray
    known_hi: np.ndarray
    step: np.ndarray            # (n,) int64
    saved_centre: np.ndarray
    saved_matrix: np.ndarray
    saved_error_lo: np.ndarray
    saved_error_hi: np.ndarray
    saved_known_lo: np.ndarray
    saved_known_hi: np.ndarray
    saved_step: np.ndarray

    @classmethod
    def start(cls, centre, matrix, error_lo, error_hi, known_lo=None, known_hi=None, step=None) -> CellSets:
        """Sets at their start (their own checkpoint): unknown last enclosure (±∞) and step 0
        unless given."""
        n = centre.shape[0]
        known_lo = np.full((n, 4), -np.inf) if known_lo is None else known_lo
        known_hi = np.full((n, 4), np.inf) if known_hi is None else known_hi
        step = np.zeros(n, np.int64) if step is None else step
        c, a, e_lo, e_hi, k_lo, k_hi = (np.ascontiguousarray(x, dtype=np.float64)
                                        for x in (centre, matrix, error_lo, error_hi, known_lo, known_hi))
        step = np.ascontiguousarray(step, dtype=np.int64)
        return cls(c, a, e_lo, e_hi, k_lo, k_hi, step, c.copy(), a.copy(), e_lo.copy(), e_hi.copy(), k_lo.copy(),
                   k_hi.copy(), step.copy())

    def take(self, chosen) -> CellSets:
        return CellSets(*(np.ascontiguousarray(a[chosen]) for a in self))


class Verdicts(NamedTuple):
    """What :func:`advance` found per cell: a :data:`STATUS` code, the longest column of A (the
    parameter to split), the lengths of A's columns and of E (:func:`_extent`), the steps
    evaluated (each an evaluation of the step on the set's hull and centre), and the row of the
    trap's side that holds a proved cell (−1 otherwise)."""

    status: np.ndarray
    axis: np.ndarray
    linear: np.ndarray
    remainder: np.ndarray
    taken: np.ndarray
    row: np.ndarray


def advance(sets: CellSets, consts, trap_rows, chunk: int, size_limit: float, healthy: float, failing: float,
            fault: int = 0) -> Verdicts:
    """Run the compiled loop on a batch of cells for at most ``chunk`` more steps each (``sets``
    is updated in place); ``trap_rows`` are the eight arrays (level, edge, r2_min, reach) of the
    global then the spurious side of a certified trap (:func:`trap_rows`)."""
    n = sets.centre.shape[0]
    verdicts = Verdicts(np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n), np.zeros(n),
                        np.zeros(n, np.int64), np.full(n, -1, np.int64))
    import numba
    with numba.parallel_chunksize(1):     # cells differ in cost by 10³: hand them out one at a time
        kernel()(*sets, consts, *trap_rows, int(chunk), float(size_limit), float(healthy), float(failing), int(fault),
                 *verdicts)
    return verdicts

