"""The arb re-proof: the prover's scheme re-run in python-flint arb, in plain Python, on a sample of cells.

:mod:`theory.lohner` proves cells in compiled float64 interval arithmetic. Here the same scheme —
the start rectangle of a cell (:class:`ArbStarts`, the geometry of :mod:`theory.starts`), the
first-order enclosure c + A·w + E carried by the mean value theorem with the Jacobian enclosed on
the hull, the centred forms of ℓ and φ, the same certified trap — runs in arb ball arithmetic
(the step :func:`theory.reduced_gd.step` on arb balls and on :class:`theory.jets.Jet` over them,
with :func:`theory.box_step.arb_constants`). :func:`reprove` takes cells a map proved and
decides them again (splitting a cell whose set fails, up to a budget of pieces): a fault in the
compiled arithmetic, the compiled geometry or the compiled scheme that proved a cell it should
not have shows up as a cell that arb decides otherwise or cannot decide. It is a check of the
implementation, ~10³ times slower than the compiled prover: a sample, not a second map.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from theory import jets, lohner, reduced_gd
from theory.lohner import GLOBAL, SPLIT, SPURIOUS, UNDECIDED, _norm

__all__ = [
    "ArbStarts",
    "ArbVerdict",
    "Reproof",
    "arb_prove",
    "arc_height",
    "reprove",
]


class ArbStarts:
    """The same geometry in arb (the reference for tests and for the arb re-proof): the root cell's
    rectangle as arb balls, at the current python-flint precision.

    See :mod:`theory.starts`; this is its ``_start_loop``'s computation written with arb balls."""

    def __init__(self, k: int, r: float, kappa: float, finite: bool):
        self.k, self.r, self.kappa, self.finite = k, r, kappa, finite

    def _constants(self):
        import flint
        return (flint.arb(self.r) / self.k).sqrt(), 1 / flint.arb(self.kappa).sqrt()

    def rectangle(self, root) -> tuple[tuple, tuple, Any]:
        """(centre, columns, y's slack) of the root cell (u₀, u₁, q₀, q₁, t₀, t₁), as arb balls:
        every start s of it is centre + Σ_m w_m·columns[m] + (0, e_y, 0, 0) for its own w and some
        |e_y| ≤ y's slack."""
        import flint
        u0, u1, q0, q1, t0_, t1_ = (float(x) for x in root)
        radius, speed = self._constants()
        zero = flint.arb(0)
        if radius == 0:
            z_centre, z_columns = (zero, zero), ((zero, zero), (zero, zero))
        else:
            turn = flint.arb(q0) + flint.arb(q1)              # θ_m = π·turn
            half = flint.arb(q1) - flint.arb(q0)              # h = π·half
            cos_m, sin_m, cos_h, sin_h = turn.cos_pi(), turn.sin_pi(), half.cos_pi(), half.sin_pi()
            near, far = radius * flint.arb(u0) * cos_h, radius * flint.arb(u1)
            middle, spread, across = (near + far) / 2, (far - near) / 2, far * sin_h
            z_centre = (middle * cos_m, middle * sin_m)
            z_columns = ((spread * cos_m, spread * sin_m), (-across * sin_m, across * cos_m))
        x_centre, x_column, y_column, y_slack = zero, zero, zero, zero
        y_centre = speed
        if self.finite:
            t0, t1 = flint.arb(t0_), flint.arb(t1_)
            t_mid, t_half = (t0 + t1) / 2, (t1 - t0) / 2
            x_centre, x_column = t_mid * speed, t_half * speed
            if t0_ > -1.0 and t1_ < 1.0:
                def slope(t):
                    return -t / (1 - t * t).sqrt() * speed
                y_centre = (1 - t_mid * t_mid).sqrt() * speed
                y_column = slope(t_mid) * t_half
                y_slack = ((slope(t1).union(slope(t0)) - slope(t_mid)) * t_half).abs_upper()
            else:
                ends = arc_height(t0, speed).union(arc_height(t1, speed))
                y_centre = ends.union(speed) if t0_ <= 0.0 <= t1_ else ends
        centre = (x_centre, y_centre, z_centre[0], z_centre[1])
        columns = ((zero, zero, *z_columns[0]), (zero, zero, *z_columns[1]), (x_column, y_column, zero, zero))
        return centre, columns, y_slack


def arc_height(t, speed):
    """√(1 − t²)/√κ for an arb t that may be ±1 (then 0)."""
    return (1 - t * t).nonnegative_part().sqrt() * speed


class ArbVerdict(NamedTuple):
    """:func:`arb_prove`'s answer: a :data:`theory.lohner.STATUS` code
    (:data:`theory.lohner.UNDECIDED` when ``max_steps`` passed), the step it was reached at, and
    the longest column of A then."""

    status: int
    step: int
    axis: int


def arb_prove(centre, columns, y_slack, balls, trap_rows, max_steps: int, size_limit: float,
              failing: float) -> ArbVerdict:
    """:func:`theory.lohner._prove_loop`'s scheme in python-flint arb, in plain Python: from the set
    centre + Σ_m w_m·columns[m] + (0, ±y_slack, 0, 0) (arb balls, e.g. from
    :class:`theory.starts.ArbStarts`), with the arb step constants ``balls``
    (:func:`theory.box_step.arb_constants`) and the same trap rows, decide or give up (no
    checkpoints: a :data:`theory.lohner.SPLIT` here is the step where the set failed). The same source of the
    step, evaluated on arb balls and on :class:`theory.jets.Jet` over arb; the same centre,
    matrix and remainder update, with c' and A' the midpoints of their balls. Call at the
    precision the balls were made at."""
    import flint

    from theory import box_step  # noqa: F401 - registers the step's helpers on arb balls
    d = len(columns)
    c = [ball.mid() for ball in centre]
    a = [[columns[m][j].mid() for m in range(d)] for j in range(4)]
    error = [centre[j] - c[j] + sum((flint.arb(0, (columns[m][j] - a[j][m]).abs_upper()) for m in range(d)),
                                    flint.arb(0)) for j in range(4)]
    error[1] += flint.arb(0, y_slack)
    known: list = [None] * 4
    zero = flint.arb(0)
    rows = [np.asarray(row, dtype=np.float64) for row in trap_rows]
    for step in range(max_steps + 1):
        hull = []
        for j in range(4):
            box = c[j] + flint.arb(0, sum((abs(a[j][m]) for m in range(d)), zero).abs_upper()) + error[j]
            if known[j] is not None:
                box = box.intersection(known[j]).union(c[j])
            hull.append(box)
        over = reduced_gd.step(*(jets.variable(hull[j], j) for j in range(4)), zero, balls)
        at = reduced_gd.step(*c, zero, balls)
        measures = []
        for value, jet in ((at.loss, over.loss), (at.phi, over.phi)):
            total = value
            for m in range(d):
                total += flint.arb(0, sum((jet.partials[j] * a[j][m] for j in range(4)), zero).abs_upper())
            total += sum((jet.partials[j] * error[j] for j in range(4)), zero)
            measures.append(total.intersection(jet.value))
        loss, phi = measures
        r2 = hull[0] * hull[0] + hull[1] * hull[1]
        scale = 1.0 / max(float(abs(c[0] * c[0] + c[1] * c[1]).sqrt()), 1e-300)
        lengths = [_norm(scale, *(float(a[j][m]) for j in range(4))) for m in range(d)]
        spread = _norm(scale, *(float(2 * error[j].rad()) for j in range(4))) / 2
        longest = int(np.argmax(lengths))
        for side, (level, edge, radius, reach) in ((GLOBAL, rows[0:4]), (SPURIOUS, rows[4:8])):
            if _arb_trapped(loss, phi, r2, level, edge, radius, reach, side == GLOBAL):
                return ArbVerdict(side, step, longest)
        images = (at.x, at.y, at.z1, at.z2)
        jacobian = [over.x.partials, over.y.partials, over.z1.partials, over.z2.partials]
        finite = all(x.is_finite() for x in images) and all(x.is_finite() for row in jacobian for x in row)
        if not finite or sum(lengths) + spread > size_limit or spread > failing * sum(lengths):
            return ArbVerdict(SPLIT, step, longest)
        if step == max_steps:
            break
        new_c = [image.mid() for image in images]
        new_a = [[sum((jacobian[j][q].mid() * a[q][m] for q in range(4)), zero).mid() for m in range(d)]
                 for j in range(4)]
        new_error = []
        for j in range(4):
            total = images[j] - new_c[j]
            for m in range(d):
                linear = sum((jacobian[j][q] * a[q][m] for q in range(4)), zero)
                total += flint.arb(0, (linear - new_a[j][m]).abs_upper())
            total += sum((jacobian[j][q] * error[q] for q in range(4)), zero)
            new_error.append(total)
        known = [row.value for row in (over.x, over.y, over.z1, over.z2)]
        c, a, error = new_c, new_a, new_error
    return ArbVerdict(UNDECIDED, max_steps, 0)


def _arb_trapped(loss, phi, r2, level, edge, r2_min, reach, global_side) -> bool:
    """:func:`theory.lohner._trapped` for arb balls: their bounds compared with the trap's floats."""
    import flint
    if len(level) == 0 or not loss.is_finite():
        return False
    first = int(np.searchsorted(level, float(loss.upper()), side="left"))
    if first >= len(level) or not (phi.upper() <= reach[first] if global_side else phi.lower() >= reach[first]):
        return False
    for j in range(max(first - 1, 0), len(level)):
        side_ok = phi.upper() <= edge[j] if global_side else phi.lower() >= edge[j]
        if side_ok and r2.lower() >= r2_min[j] and loss.upper() <= flint.arb(level[j]):
            return True
    return False


class Reproof(NamedTuple):
    """One re-proved cell: its parameters, the side the compiled prover proved, the side arb
    proved (``lohner.GLOBAL``/``SPURIOUS``; ``lohner.UNDECIDED`` when arb could not decide it
    within the budget), how many pieces arb needed, and its steps summed over them."""

    cell: tuple[float, ...]
    proved: int
    reproved: int
    pieces: int
    steps: int

    @property
    def agrees(self) -> bool:
        return self.proved == self.reproved


def reprove(found, chosen, precision: int = 256, max_steps: int | None = None, max_pieces: int = 16) -> list[Reproof]:
    """Re-prove in arb the proved cells ``chosen`` (indices into ``found.proved``) of a map
    :class:`theory.basins.BasinMap`: each from its own start rectangle, with the trap and the
    settings of the map; a piece whose set fails is halved along its longest column, up to
    ``max_pieces`` pieces per cell. ``max_steps`` (default: twice the cell's own step, plus 64)
    bounds each piece."""
    from theory import basins, box_step
    from theory.arith import ArbArith
    settings = found.settings
    rows = lohner.trap_rows(found.trap)
    out = []
    with ArbArith(precision).precision():
        balls = box_step.arb_constants(found.k, found.r, found.eta)
        starts_arb = ArbStarts(found.k, found.r, found.kappa, found.p != math.inf)
        for index in np.atleast_1d(np.asarray(chosen, dtype=np.int64)):
            cell, side = found.proved[index], int(found.sides[index])
            limit = int(found.steps[index]) * 2 + 64 if max_steps is None else max_steps
            pending, pieces, steps, verdict = [np.asarray(cell, float)], 0, 0, side
            while pending and verdict == side:
                piece = pending.pop()
                pieces += 1
                if pieces > max_pieces:
                    verdict = UNDECIDED
                    break
                centre, columns, slack = starts_arb.rectangle(piece)
                answer = arb_prove(centre, columns, slack, balls, rows, limit, settings.size_limit, settings.failing)
                steps += answer.step
                if answer.status == SPLIT:
                    splittable, first, second = basins._halves(piece[None, :], np.array([answer.axis]))
                    if not splittable[0]:
                        verdict = UNDECIDED
                        break
                    pending += [first[0], second[0]]
                elif answer.status != side:
                    verdict = answer.status
            out.append(Reproof(tuple(float(x) for x in cell), side, verdict, pieces, steps))
    return out
