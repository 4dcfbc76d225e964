"""Proved basins: the law's mass of GD's starts that provably end at each minimum, cell by cell.

**The starts** (docs/mathematics.md#the-prover). Take the invariant teacher of (k, r) in ã-units
(:mod:`theory.box_step`: ‖w*‖ = ‖a*‖ = 1, 1ᵀa* = √r), η = ``eta_fraction`` ×
:func:`theory.invariants.stability_limit` (k, κ), and the paper's initialization with ‖v₀‖ = 1,
which in these units starts from ‖v₀‖ = 1/√κ. A start is then a point of

    x₀ = t/√κ,  y₀ = √(1 − t²)/√κ,  (z₁, z₂) = R·u·(cos 2πq, sin 2πq),  residual 0,

with R = √(r/k), u ∈ [0, 1), q ∈ [0, 1) and t = cos φ₀ ∈ [−1, 1] (t = 0 at p = ∞). Its law:
q uniform, P(u > s) = (1 − s²)^(k/2) (the uniform law of the k-ball projected on a plane), and at
finite p, (1 + t)/2 ~ Beta((p − 1)/2, (p − 1)/2), all independent. The residual of a₀ outside
span{a*, 1} is left out: it enters no update of (x, y, z₁, z₂) (only ‖a‖², i.e. the loss), and it
decays to 0 on its own, so it changes no limit (the docs' lemma).

**A cell** is a box [u₀, u₁] × [q₀, q₁] × [t₀, t₁] of those parameters (t₀ = t₁ = 0 at p = ∞).
Its mass under the law is (q₁ − q₀)·(T(u₀) − T(u₁))·(F(t₁) − F(t₀)), T(s) = (1 − s²)^(k/2),
F(t) = I_{(1+t)/2}((p − 1)/2, (p − 1)/2) (the regularized incomplete beta function), each
enclosed in arb (:class:`StartLaw`). Its starts lie in c₀ + A₀·w + E₀, w ∈ [−1, 1]³
(:mod:`theory.starts`), and :func:`theory.lohner.advance` carries that set forward until a
certified trap (:func:`theory.trap.certified_trap`, ``tighten=True``) holds it — then every start
of the cell converges to that side's minimum — or it must be split.

**The map** (:func:`map_basins`): cells of equal mass first (radial edges at quantiles of u's
law, angular ones uniform, φ₀'s at quantiles of its law), processed in compiled batches, the
heaviest cells first. A set that becomes too large for the step to be nearly affine on it is
split at the middle of the parameter whose column of A is longest: its halves go on from the
step it reached, restricted to their own starts (:func:`theory.starts.restrict`), or — when its
accumulated remainder E is no longer small beside its columns — start afresh from step 0. A set
still undecided after a batch's ``chunk`` steps resumes in a later batch. The map stops when the
unresolved mass is at most ``width``, when the time budget is spent, or when no cell can be
split further. :class:`BasinMap` keeps every cell and its verdict; :meth:`BasinMap.totals` sums
the proved masses in arb. The same cells and steps whatever the number of threads: each cell's
iteration depends on its own set alone, and the batches are chosen by mass, never by time.
"""

from __future__ import annotations

import functools
import heapq
import math
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from theory import box_step, initialization, invariants, lohner, starts, validation
from theory import trap as traps
from theory.arith import ArbArith

__all__ = [
    "BATCH",
    "CHUNK",
    "COLUMNS",
    "FAILING",
    "FIRST_CELLS",
    "FULL_BOX",
    "GLOBAL",
    "HEALTHY",
    "INHERIT_LIMIT",
    "MASS_PRECISION",
    "MAX_STEPS",
    "SIZE_LIMIT",
    "SMALLEST",
    "SPURIOUS",
    "BasinMap",
    "Cell",
    "MassTotals",
    "Settings",
    "StartLaw",
    "first_cells",
    "map_basins",
]

MASS_PRECISION = 128            # bits of arb for the law's masses
FIRST_CELLS = (16, 64, 8)       # radial, angular and φ₀ cells to start from (φ₀ only at finite p)
CHUNK = 2048                    # steps a cell takes per batch before it is set aside (and resumed)
MAX_STEPS = 400_000             # steps after which a cell still undecided is split afresh
SIZE_LIMIT = 0.5                # a set larger than this (lohner._extent: columns + E) is split …
FAILING = 2.0                   # … and so is one whose E passes this × its columns, at its checkpoint:
HEALTHY = 0.25                  # the last step at which E was at most this × its columns
INHERIT_LIMIT = 0.5             # a split set's halves go on from there when E ≤ this × its columns
BATCH = 512                     # cells per compiled batch
SMALLEST = 2.0 ** -36           # a parameter interval narrower than this (of its range) is not split
GLOBAL, SPURIOUS = lohner.GLOBAL, lohner.SPURIOUS
COLUMNS = ("u0", "u1", "q0", "q1", "t0", "t1")


class Cell(NamedTuple):
    """[u₀, u₁] × [q₀, q₁] × [t₀, t₁] (floats, exact as dyadic rationals)."""

    u0: float
    u1: float
    q0: float
    q1: float
    t0: float
    t1: float


# --- the law of the start -------------------------------------------------------------------------

class StartLaw:
    """The law of (u, q, t) for (k, p) and its masses: floats for ordering the work, arb
    enclosures (cached per edge) for the proof."""

    def __init__(self, k: int, p: float):
        self.k, self.p = k, p
        self.finite = p != math.inf
        self.shape = (p - 1) / 2 if self.finite else math.inf

    def tail(self, s: np.ndarray) -> np.ndarray:
        """T(s) = P(u > s) = (1 − s²)^(k/2), in floats."""
        s = np.clip(np.asarray(s, float), 0.0, 1.0)
        with np.errstate(divide="ignore"):
            return np.exp(self.k / 2 * np.log1p(-s * s))

    def radial_quantiles(self, n: int) -> np.ndarray:
        """n + 1 edges with equal mass between them: T(s_i) = 1 − i/n."""
        q = np.arange(n + 1) / n
        with np.errstate(divide="ignore"):
            edges = np.sqrt(-np.expm1(2 / self.k * np.log1p(-q)))
        edges[0], edges[-1] = 0.0, 1.0
        return edges

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """F(t) = P(cos φ₀ ≤ t), in floats."""
        from scipy import special
        t = np.clip(np.asarray(t, float), -1.0, 1.0)
        return special.betainc(self.shape, self.shape, (1 + t) / 2)

    def phi_quantiles(self, n: int) -> np.ndarray:
        from scipy import special
        edges = 2 * special.betaincinv(self.shape, self.shape, np.arange(n + 1) / n) - 1
        edges[0], edges[-1] = -1.0, 1.0
        return edges

    def mass(self, cells: np.ndarray) -> np.ndarray:
        """Float masses of cells (rows u₀, u₁, q₀, q₁, t₀, t₁), for ordering the work: not a proof."""
        cells = np.asarray(cells, float).reshape(-1, 6)
        mass = (cells[:, 3] - cells[:, 2]) * (self.tail(cells[:, 0]) - self.tail(cells[:, 1]))
        return mass * (self.cdf(cells[:, 5]) - self.cdf(cells[:, 4])) if self.finite else mass

    @functools.lru_cache(maxsize=1 << 18)  # noqa: B019 - a law lives as long as its map
    def tail_arb(self, s: float):
        """T(s) in arb (s an exact float in [0, 1]); call inside ``ArbArith(MASS_PRECISION)``."""
        import flint
        if s >= 1.0:
            return flint.arb(0)
        x = flint.arb(s)
        return (1 - x * x) ** (flint.arb(self.k) / 2)

    @functools.lru_cache(maxsize=1 << 18)  # noqa: B019
    def cdf_arb(self, t: float):
        """F(t) in arb: the regularized incomplete beta function at (1 + t)/2."""
        import flint
        if t <= -1.0:
            return flint.arb(0)
        if t >= 1.0:
            return flint.arb(1)
        half = flint.arb(self.shape)
        return ((1 + flint.arb(t)) / 2).beta_lower(half, half, regularized=True)

    def mass_arb(self, cell):
        """The cell's mass, enclosed in arb (call inside ``ArbArith(MASS_PRECISION)``)."""
        import flint
        u0, u1, q0, q1, t0, t1 = (float(x) for x in cell)
        mass = (flint.arb(q1) - flint.arb(q0)) * (self.tail_arb(u0) - self.tail_arb(u1))
        return mass * (self.cdf_arb(t1) - self.cdf_arb(t0)) if self.finite else mass


def first_cells(law: StartLaw, radius_zero: bool, counts: tuple[int, int, int] = FIRST_CELLS) -> np.ndarray:
    """Cells of equal mass (rows u₀, u₁, q₀, q₁, t₀, t₁): radial edges at quantiles of u's law,
    angular edges uniform, φ₀'s at quantiles of its law (t = 0 at p = ∞). With R = 0 (r = 0) the
    disk is a point: one cell [0, 1] × [0, 1] in (u, q)."""
    radial_count, angular_count, phi_count = counts
    radial = np.array([0.0, 1.0]) if radius_zero else law.radial_quantiles(radial_count)
    angular = np.array([0.0, 1.0]) if radius_zero else np.arange(angular_count + 1) / angular_count
    phi = law.phi_quantiles(phi_count) if law.finite else np.zeros(2)
    return np.array([(radial[i], radial[i + 1], angular[j], angular[j + 1], phi[m], phi[m + 1])
                     for i in range(len(radial) - 1) for j in range(len(angular) - 1) for m in range(len(phi) - 1)],
                    dtype=np.float64)


# --- the map ---------------------------------------------------------------------------------------

class Settings(NamedTuple):
    """How a map is computed (defaults: the module's constants)."""

    first_cells: tuple[int, int, int] = FIRST_CELLS
    chunk: int = CHUNK
    max_steps: int = MAX_STEPS
    size_limit: float = SIZE_LIMIT
    healthy: float = HEALTHY
    failing: float = FAILING
    inherit_limit: float = INHERIT_LIMIT
    batch: int = BATCH
    lohner_fault: int = 0          # lohner.DROP_REMAINDER plants a fault in the prover itself


class MassTotals(NamedTuple):
    """What a map proves about the outcome's law, as outward-rounded floats: P(global) ∈
    [global_low, global_high], P(spurious) ∈ [spurious_low, spurious_high], and an upper bound of
    the mass proved neither way, 1 − both proved masses (the unresolved cells', or, for a map of
    a few cells, everything else too). The lower ends are the proved masses summed in arb; the
    upper ones 1 − the other side's lower end (the two outcomes are disjoint). Where the cells
    proved on one side cover the whole domain, that side's probability is exactly 1 and the
    other's 0."""

    global_low: float
    global_high: float
    spurious_low: float
    spurious_high: float
    unresolved: float


@dataclass(frozen=True)
class BasinMap:
    """Every cell a map of (k, r, κ, p, η) worked on, with its verdict (module docstring).

    ``proved`` (rows u₀, u₁, q₀, q₁, t₀, t₁) holds the cells proved global or spurious (``sides``:
    lohner.GLOBAL / SPURIOUS; ``steps``: the step at which the trap held them; ``rows``: the row
    of that side of the trap that held them), ``unresolved`` the
    rest (waiting, or not splittable). ``stopped``: "width" (the unresolved mass is at most
    ``width``), "time" (the budget was spent first) or "exhausted" (no cell left to work on).
    ``splits`` counts the sets split, ``restarts`` those whose halves started afresh from step 0;
    ``cell_steps`` the steps taken, summed over cells. ``trap`` is the certified trap used;
    ``whole_domain`` says whether the first cells covered the whole domain (False for a map of
    given cells)."""

    k: int
    r: float
    kappa: float
    p: float
    eta_fraction: float
    eta: float
    width: float
    proved: np.ndarray
    sides: np.ndarray
    steps: np.ndarray
    rows: np.ndarray
    unresolved: np.ndarray
    splits: int
    restarts: int
    cell_steps: int
    seconds: float
    stopped: str
    trap: Any
    settings: Settings
    fault: str
    whole_domain: bool

    def totals(self) -> MassTotals:
        """The proved masses, summed in arb (:class:`MassTotals`)."""
        import flint
        law = StartLaw(self.k, self.p)
        with ArbArith(MASS_PRECISION).precision():
            sums = {GLOBAL: flint.arb(0), SPURIOUS: flint.arb(0)}
            for cell, side in zip(self.proved, self.sides, strict=True):
                sums[int(side)] += law.mass_arb(cell)
            complete = self.whole_domain and len(self.unresolved) == 0
            if complete and not (self.sides == SPURIOUS).any():
                return MassTotals(1.0, 1.0, 0.0, 0.0, 0.0)
            if complete and not (self.sides == GLOBAL).any():
                return MassTotals(0.0, 0.0, 1.0, 1.0, 0.0)
            global_low, spurious_low = (max(box_step._lower(sums[side]), 0.0) for side in (GLOBAL, SPURIOUS))
            rest = 1 - flint.arb(global_low) - flint.arb(spurious_low)
            return MassTotals(global_low, min(box_step._upper(1 - flint.arb(spurious_low)), 1.0), spurious_low,
                              min(box_step._upper(1 - flint.arb(global_low)), 1.0), max(box_step._upper(rest), 0.0))


def _halves(cells: np.ndarray, axes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two halves of each cell along its parameter ``axes`` (0: u, 1: q, 2: t) — or the next
    one wider than :data:`SMALLEST` of its range. Returns (splittable mask, first halves, second
    halves) for the splittable cells."""
    spans = np.array([1.0, 1.0, 2.0])
    widths = cells[:, 1::2] - cells[:, 0::2]
    middles = cells[:, 0::2] + widths / 2
    ok = (widths > SMALLEST * spans) & (cells[:, 0::2] < middles) & (middles < cells[:, 1::2])
    chosen = np.full(len(cells), -1)
    for offset in (2, 1, 0):                  # the requested axis wins; else the next one
        which = (axes + offset) % 3
        chosen = np.where(ok[np.arange(len(cells)), which], which, chosen)
    splittable = chosen >= 0
    rows = np.flatnonzero(splittable)
    first, second = cells[rows].copy(), cells[rows].copy()
    axis = chosen[rows]
    first[np.arange(len(rows)), 2 * axis + 1] = middles[rows, axis]
    second[np.arange(len(rows)), 2 * axis] = middles[rows, axis]
    return splittable, first, second


def _checked(k, r, kappa, p, eta_fraction, width, seconds) -> tuple[int, float, float, float, float, float, float]:
    k = validation.positive_int(k, "k")
    if k < 2:
        raise ValueError("k must be at least 2: for k = 1 the initial output layer is a segment, not a disk "
                         "(and there is no spurious minimum)")
    k, r, kappa = invariants._check(k, r, kappa)
    p = initialization.patch_size(p)
    if p < 2:
        raise ValueError(f"p must be at least 2 (the trap theorem's hypothesis) or math.inf, got {p}")
    eta_fraction = validation.positive_float(eta_fraction, "eta_fraction")
    width = validation.positive_float(width, "width")
    if width >= 1:
        raise ValueError(f"width must be below 1 (a probability), got {width!r}")
    seconds = validation.positive_float(seconds, "seconds")
    return k, r, kappa, p, eta_fraction, width, seconds


class _Pool:
    """The cells waiting for the prover, in slots of growing arrays: each cell's parameters, its
    root (the cell whose start rectangle its set is parametrized in), its box of w there, its
    float mass, whether its set is started, and the set (lohner.CellSets' columns)."""

    def __init__(self, capacity: int = 4096):
        self.size = 0
        self.free: list[int] = []
        self.columns: dict[str, np.ndarray] = {}
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        shapes = {"cell": (6,), "root": (6,), "box_lo": (3,), "box_hi": (3,), "mass": (), "started": ()}
        for name in lohner.CellSets._fields:
            shapes[name] = (4, lohner.PARAMETERS) if name.endswith("matrix") else () if name.endswith("step") else (4,)
        kinds = {"started": np.bool_, "step": np.int64, "saved_step": np.int64}
        old = self.columns
        self.columns = {name: np.zeros((capacity, *shape), dtype=kinds.get(name, np.float64))
                        for name, shape in shapes.items()}
        for name, array in old.items():
            self.columns[name][:len(array)] = array
        self.free += list(range(capacity - 1, len(old.get("mass", ())) - 1, -1))

    def add(self, values: dict[str, np.ndarray]) -> np.ndarray:
        n = len(values["mass"])
        while len(self.free) < n:
            self._allocate(2 * len(self.columns["mass"]))
        slots = np.array([self.free.pop() for _ in range(n)], dtype=np.int64)
        for name, array in values.items():
            self.columns[name][slots] = array
        return slots

    def take(self, slots: np.ndarray) -> dict[str, np.ndarray]:
        out = {name: array[slots] for name, array in self.columns.items()}
        self.free += slots.tolist()
        return out


FULL_BOX = (np.full(lohner.PARAMETERS, -1.0), np.full(lohner.PARAMETERS, 1.0))


def map_basins(k: int, r: float, kappa: float, p: float = math.inf,
               eta_fraction: float = invariants.DEFAULT_ETA_FRACTION, width: float = 1e-3, seconds: float = 120.0,
               *, settings: Settings | None = None, fault: str = "", trap: traps.CertifiedTrap | None = None,
               cells: np.ndarray | None = None) -> BasinMap:
    """Prove, cell by cell, where GD from the paper's initialization ends (module docstring),
    until the unresolved mass is at most ``width`` or ``seconds`` have passed (counted once the trap is
    certified and the kernels are loaded: a cold compile is not counted). Without a spurious
    minimum (r ≥ r_b) the width is not enough: the map goes on until every cell is proved global
    (P(spurious) = 0, P(global) = 1 exactly) or the time is spent.

    ``fault`` plants a fault of the interval arithmetic (:data:`theory.intervals.FAULTS`), ``trap``
    replaces the certified trap of (k, r, η), and ``cells`` (rows u₀, u₁, q₀, q₁, t₀, t₁) replaces
    the first cells: all three for tests. Every row of the trap that proved a cell is verified again
    in arb at the end (ValueError if one is not a theorem). ValueError for bad input,
    for r = 0 at p = ∞ (the disk is a point and GD stays on the saddle cone:
    :func:`theory.certify.enclosure` answers that case exactly) and for η past (1 − 10⁻⁹) × the
    output layer's stability limit."""
    k, r, kappa, p, eta_fraction, width, seconds = _checked(k, r, kappa, p, eta_fraction, width, seconds)
    settings = Settings() if settings is None else settings
    if r == 0 and p == math.inf:
        raise ValueError("r = 0 at p = ∞: the disk is the point a₀ = 0, and GD stays on the saddle cone")
    eta = eta_fraction * invariants.stability_limit(k, kappa)
    if trap is None:
        trap = traps.certified_trap(k, r, eta, tighten=True)
    elif (trap.k, trap.r, trap.eta) != (k, r, eta):
        raise ValueError(f"the trap is of (k, r, η) = ({trap.k}, {trap.r!r}, {trap.eta!r}), not ({k}, {r!r}, {eta!r})")
    consts = box_step.interval_constants(k, r, eta, fault=fault)
    law = StartLaw(k, p)
    geometry = starts.start_constants(k, r, kappa, law.finite, consts.pi)
    rows = lohner.trap_rows(trap)
    first = first_cells(law, r == 0, settings.first_cells) if cells is None else _checked_cells(cells, law, r)
    _load_kernels(first[:1], geometry, consts, rows)
    started = time.perf_counter()       # the budget is the prover's: not the trap's, not a compile's

    pool, queue, serial = _Pool(), list[tuple[float, int, int]](), 0

    def push(new: dict[str, np.ndarray]) -> float:
        nonlocal serial
        slots = pool.add(new)
        for slot, mass in zip(slots.tolist(), new["mass"].tolist(), strict=True):
            heapq.heappush(queue, (-mass, serial, slot))     # heaviest first; ties by arrival
            serial += 1
        return float(new["mass"].sum())

    def fresh(cells_: np.ndarray) -> dict[str, np.ndarray]:
        n = len(cells_)
        return {"cell": cells_, "root": cells_, "box_lo": np.tile(FULL_BOX[0], (n, 1)),
                "box_hi": np.tile(FULL_BOX[1], (n, 1)), "mass": law.mass(cells_), "started": np.zeros(n, bool)}

    # without a spurious minimum P(spurious) = 0 is proved only by proving every cell global
    target = width if trap.has_spurious_minimum else 0.0
    pending_mass = push(fresh(first))
    proved, sides, steps, used, given_up = [], [], [], [], []
    given_up_mass, splits, restarts, cell_steps, stopped = 0.0, 0, 0, 0, ""
    while queue:
        if pending_mass + given_up_mass <= target * (1 - 1e-6):
            stopped = "width"
            break
        if time.perf_counter() - started >= seconds:
            stopped = "time"
            break
        slots = np.array([heapq.heappop(queue)[2] for _ in range(min(settings.batch, len(queue)))], dtype=np.int64)
        batch = pool.take(slots)
        pending_mass -= float(batch["mass"].sum())
        sets = lohner.CellSets(*(np.ascontiguousarray(batch[name]) for name in lohner.CellSets._fields))
        new = ~batch["started"]
        if new.any():
            begun = starts.start_sets(batch["root"][new], geometry)
            for name, array in zip(lohner.CellSets._fields, begun, strict=True):
                getattr(sets, name)[new] = array
        verdicts = lohner.advance(sets, consts, rows, settings.chunk, settings.size_limit, settings.healthy,
                                  settings.failing, settings.lohner_fault)
        cell_steps += int(verdicts.taken.sum())
        status = verdicts.status
        done = (status == GLOBAL) | (status == SPURIOUS)
        proved.append(batch["cell"][done])
        sides.append(status[done])
        steps.append(sets.step[done])
        used.append(verdicts.row[done])
        resume = (status == lohner.UNDECIDED) & (sets.step < settings.max_steps)
        if resume.any():
            kept = {name: batch[name][resume] for name in ("cell", "root", "box_lo", "box_hi", "mass")}
            kept.update({name: getattr(sets, name)[resume] for name in lohner.CellSets._fields})
            pending_mass += push({**kept, "started": np.ones(int(resume.sum()), bool)})
        split = ~done & ~resume
        if not split.any():
            continue
        parents = np.flatnonzero(split)
        splittable, first_half, second_half = _halves(batch["cell"][parents], verdicts.axis[parents])
        lost = parents[~splittable]
        given_up.append(batch["cell"][lost])
        given_up_mass += float(batch["mass"][lost].sum())
        parents = parents[splittable]
        splits += len(parents)
        inherit = ((status[parents] == lohner.SPLIT)
                   & (verdicts.remainder[parents] <= settings.inherit_limit * verdicts.linear[parents]))
        restarts += int((~inherit).sum())
        for halves in (first_half, second_half):
            if (~inherit).any():
                pending_mass += push(fresh(halves[~inherit]))
            if inherit.any():
                chosen = parents[inherit]
                roots, children = batch["root"][chosen], halves[inherit]
                part_lo, part_hi = starts.sub_boxes(roots, children, geometry)
                box = (batch["box_lo"][chosen], batch["box_hi"][chosen])
                part = (np.clip(part_lo, box[0], box[1]), np.clip(part_hi, box[0], box[1]))
                restricted = starts.restrict(sets.take(chosen), box, part, geometry)
                pending_mass += push({"cell": children, "root": roots, "box_lo": part[0], "box_hi": part[1],
                                      "mass": law.mass(children), "started": np.ones(len(chosen), bool),
                                      **restricted._asdict()})
    if not stopped:             # every cell proved or too small to split
        stopped = "width" if given_up_mass <= target * (1 - 1e-6) or (target == 0 and not given_up) else "exhausted"
    waiting = np.array([slot for _, _, slot in sorted(queue)], dtype=np.int64)
    unresolved = np.concatenate([*given_up, pool.columns["cell"][waiting]]) if given_up or len(waiting) else \
        np.empty((0, 6))
    def joined(parts: list) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    found = BasinMap(k, r, kappa, p, eta_fraction, eta, width, np.concatenate(proved) if proved else np.empty((0, 6)),
                     joined(sides), joined(steps), joined(used), unresolved, splits, restarts, cell_steps,
                     time.perf_counter() - started, stopped, trap, settings, fault, cells is None)
    _check_rows(found)
    return found


def _load_kernels(cells: np.ndarray, geometry, consts, rows) -> None:
    """Compile (or load from the disk cache) every kernel a map calls, on one cell's copy, so a
    cold compile (about a minute per arithmetic) does not spend the map's time budget."""
    sets = starts.start_sets(cells, geometry)
    lohner.advance(sets, consts, rows, 0, SIZE_LIMIT, HEALTHY, FAILING)
    box = starts.sub_boxes(cells, cells, geometry)
    starts.restrict(sets, box, box, geometry)


def _check_rows(found: BasinMap) -> None:
    """Verify again in arb (:func:`theory.trap.check_level`) every row of the trap that proved a
    cell — the certificate checked where it is used, whatever made the trap: ValueError naming the
    first row that is not a theorem."""
    for side in (GLOBAL, SPURIOUS):
        trap_side = found.trap.global_side if side == GLOBAL else found.trap.spurious
        for j in np.unique(found.rows[found.sides == side]):
            verdict = traps.check_level(found.k, found.r, found.eta, trap_side.side, float(trap_side.level[j]),
                                        float(trap_side.phi_edge[j]), float(trap_side.far_edge[j]),
                                        float(trap_side.r2_min[j]))
            if not verdict.proved:
                raise ValueError(f"the trap's {trap_side.side} row {j} (level {trap_side.level[j]!r}) proved cells "
                                 f"but is not a theorem: {verdict.failure}")


def _checked_cells(cells, law: StartLaw, r: float) -> np.ndarray:
    """Cells given by the caller (rows u₀, u₁, q₀, q₁, t₀, t₁), checked to lie in the domain."""
    cells = np.asarray(validation.numeric_array(cells, "cells"), dtype=np.float64)
    if cells.ndim != 2 or cells.shape[1] != 6 or len(cells) == 0:
        raise ValueError(f"cells must have shape (n ≥ 1, 6) (u0, u1, q0, q1, t0, t1), got {cells.shape}")
    u0, u1, q0, q1, t0, t1 = cells.T
    angular = (q1 - q0 <= 0.25) | (r == 0)
    phi = (t0 >= -1) & (t0 < t1) & (t1 <= 1) if law.finite else (t0 == 0) & (t1 == 0)
    ok = (u0 >= 0) & (u0 < u1) & (u1 <= 1) & (q0 >= 0) & (q0 < q1) & (q1 <= 1) & angular & phi
    if not ok.all():
        raise ValueError(f"not a cell of this domain: {cells[np.flatnonzero(~ok)[0]].tolist()}")
    return cells
