"""GD and minibatch SGD on n sampled inputs through the real network, many independent runs at once.

The empirical loss of one run is ℓ̂(v, a) = 1/(2n) Σ_i (f(Z_i; v/‖v‖, a) − y_i)², y_i = f(Z_i; w*, a*),
with the patches' entries i.i.d. from an input law of mean 0 and variance 1 (:data:`LAWS`):
Gaussian, Rademacher, uniform on [−√3, √3], and Student-t with 5 degrees of freedom scaled by √(3/5).
A step is v ← v − η ∂ℓ̂_B/∂v, a ← a − η ∂ℓ̂_B/∂a on a minibatch B of ``batch`` indices drawn uniformly
with replacement from {1, …, n} (``batch=None``: the whole sample, i.e. GD), with the
back-propagated gradients (ReLU derivative 1[wᵀZ_j > 0]; weight normalization
∂/∂v = (I − ŵŵᵀ) ∂/∂w/‖v‖) — the same as :mod:`theory.empirical`, for a batch of runs.

**Vectorized over runs.** The compiled kernel (numba, parallel over runs) advances each run on its
own, in a fixed order, so its numbers do not depend on the number of threads, and the cost of a
run-step is O(batch·k·p) whatever the number of runs. (Matrix products across the runs that share
a sample were measured no faster for k·p ≤ 256 on this machine, and BLAS leaves the summation
order to its threads.) ``datasets`` independent samples are drawn;
run r trains on sample r mod ``datasets`` (runs that share a sample differ in their initialization
and minibatches: with one sample the outcome law is the one given that sample).

**Seeds.** Everything derives from one numpy SeedSequence: the samples, the initializations (the
paper's, through :func:`theory.dynamics.random_init`) and one minibatch stream per run, so a run's
minibatches do not depend on how many other runs there are.

**Outcomes** (a stated rule, estimated): the final iterate's population state (φ, ℓ) under the
Gaussian closed form is classified by :class:`theory.activations.BasinRule` — ``global`` below the
level halfway up the profile's global side and on that side of the band, likewise ``spurious``,
``diverged`` when the run left float64 or its loss is beyond 10¹² times the scale, otherwise
``undecided`` (in transit at the step cap: never a failure). For another input law the Gaussian
landscape is the yardstick (its global minimum is the law's too: the labels are realizable).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from theory import compile_cache, dynamics, validation
from theory.activations import Landscape, Relu, angles
from theory.decisions import Outcome
from theory.teacher import Teacher

__all__ = [
    "FOURTH_MOMENTS",
    "INDEX_BLOCK_ENTRIES",
    "LAWS",
    "MAX_SAMPLE_BYTES",
    "MomentCheck",
    "SampledRuns",
    "Samples",
    "Settings",
    "advance",
    "classify",
    "draw_inputs",
    "draw_samples",
    "input_moments",
    "run",
]

numba: Any
try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency
    numba = None

LAWS = ("gaussian", "rademacher", "uniform", "student-t5")
# E x⁴ of each law (variance 1): what :func:`input_moments` compares the draws with
FOURTH_MOMENTS = {"gaussian": 3.0, "rademacher": 1.0, "uniform": 9 / 5, "student-t5": 9.0}
MAX_SAMPLE_BYTES = 4 << 30
INDEX_BLOCK_ENTRIES = 1 << 22   # minibatch indices drawn at a time (runs × steps × batch)


def draw_inputs(law: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Entries i.i.d. from ``law``, mean 0 and variance 1."""
    if law == "gaussian":
        return rng.standard_normal(shape)
    if law == "rademacher":
        return 2.0 * rng.integers(0, 2, shape) - 1.0
    if law == "uniform":
        return rng.uniform(-math.sqrt(3), math.sqrt(3), shape)
    if law == "student-t5":
        return rng.standard_t(5, shape) * math.sqrt(3 / 5)   # Var t_ν = ν/(ν − 2)
    raise ValueError(f"law must be one of {', '.join(LAWS)}, got {law!r}")


@dataclass(frozen=True)
class MomentCheck:
    """Sample variance and fourth moment of draws from a law, each with its standard error."""

    law: str
    n: int
    variance: float
    variance_stderr: float
    fourth: float

    def passed(self, z: float = 6.0) -> bool:
        """Variance within z standard errors of 1 (z = 6: false alarm ≈ 2e-9, normal approximation)."""
        return abs(self.variance - 1) <= z * self.variance_stderr


def input_moments(law: str, n: int, rng: np.random.Generator) -> MomentCheck:
    """Draw n entries of ``law`` through :func:`draw_inputs` and measure E x² and E x⁴; the standard
    error of E x² is √((E x⁴ − 1)/n) with the law's exact E x⁴."""
    x = draw_inputs(law, (validation.positive_int(n, "n"),), rng)
    return MomentCheck(law, n, float(np.mean(x * x)), math.sqrt((FOURTH_MOMENTS[law] - 1) / n),
                       float(np.mean(x ** 4)))


@dataclass(frozen=True)
class Settings:
    """What a batch of sampled runs ran with."""

    law: str
    n: int
    batch: int            # = n for GD
    eta: float
    steps: int
    runs: int
    datasets: int
    scheme: str
    seed: int


@dataclass(frozen=True)
class SampledRuns:
    """Final iterates, their population state (Gaussian closed form) and outcome codes."""

    settings: Settings
    V: np.ndarray
    A: np.ndarray
    phi: np.ndarray
    loss: np.ndarray
    outcome: np.ndarray
    seconds: float

    def counts(self) -> dict[str, int]:
        """How many runs have each outcome, by name."""
        return {code.label: int(np.sum(self.outcome == code)) for code in Outcome}


def classify(teacher: Teacher, V: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(φ, ℓ, outcome codes) of final iterates under the Gaussian population landscape's BasinRule."""
    land = Landscape.of(Relu(), teacher)
    finite = np.all(np.isfinite(V), axis=1) & np.all(np.isfinite(A), axis=1) & np.any(V != 0, axis=1)
    phi, loss = np.full(len(V), np.nan), np.full(len(V), np.inf)
    if np.any(finite):
        with np.errstate(over="ignore", invalid="ignore"):
            phi[finite] = angles(V[finite], teacher.w_star)[0]
            loss[finite] = land.loss(V[finite], A[finite])
    return phi, loss, land.basins.classify(phi, loss)


_prange = numba.prange if numba is not None else range


def _sgd(Z, y, dataset, V, A, indices, eta, steps, batch):
    """The per-run SGD loop, in place on V and A: run r, on sample ``dataset[r]``, takes ``steps``
    steps on the minibatches ``indices[r, t]`` (all n inputs when ``indices`` has no columns). A
    run whose ‖v‖ leaves (0, 1e300) stops (its iterates are then classified as diverged)."""
    runs, p = V.shape
    k = A.shape[1]
    n = Z.shape[1]
    full = indices.shape[1] == 0
    for r in _prange(runs):
        d = dataset[r]
        v, a = V[r], A[r]
        pre = np.empty(k)
        grad_w, grad_a = np.empty(p), np.empty(k)
        count = n if full else batch
        for t in range(steps):
            norm = 0.0
            for m in range(p):
                norm += v[m] * v[m]
            norm = math.sqrt(norm)
            if not (norm > 0 and norm < 1e300):
                break
            grad_w[:] = 0.0
            grad_a[:] = 0.0
            for b in range(count):
                i = b if full else indices[r, t, b]
                out = 0.0
                for j in range(k):
                    s = 0.0
                    for m in range(p):
                        s += Z[d, i, j, m] * v[m]
                    pre[j] = s / norm
                    if pre[j] > 0:
                        out += a[j] * pre[j]
                residual = out - y[d, i]
                for j in range(k):
                    if pre[j] > 0:
                        grad_a[j] += residual * pre[j]
                        weight = residual * a[j]
                        for m in range(p):
                            grad_w[m] += weight * Z[d, i, j, m]
            radial = 0.0
            for m in range(p):
                radial += grad_w[m] * v[m]
            radial /= norm
            for m in range(p):    # ∂/∂v = (I − ŵŵᵀ) ∂/∂w / ‖v‖, averaged over the batch
                v[m] -= eta * (grad_w[m] - radial * v[m] / norm) / (norm * count)
            for j in range(k):
                a[j] -= eta * grad_a[j] / count


_KERNEL = None


def _compiled():
    """The compiled loop (compiled on first use, ≈ 2 s; an optional disk cache keeps it:
    :func:`theory.compile_cache.jit`)."""
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = _sgd if numba is None else compile_cache.jit(_sgd, (Path(__file__),), parallel=True)
    return _KERNEL


@dataclass(frozen=True)
class Samples:
    """``datasets`` samples of n inputs (datasets, n, k, p) and their labels (datasets, n)."""

    Z: np.ndarray
    y: np.ndarray


def draw_samples(teacher: Teacher, law: str, datasets: int, n: int, rng: np.random.Generator) -> Samples:
    """Inputs from ``law`` and the teacher's noiseless labels."""
    Z = draw_inputs(law, (datasets, n, teacher.k, teacher.p), rng)
    return Samples(Z, np.maximum(Z @ teacher.w_star, 0.0) @ teacher.a_star)


def advance(samples: Samples, V: np.ndarray, A: np.ndarray, eta: float, steps: int, batch: int | None = None,
            streams: list[np.random.Generator] | None = None) -> None:
    """GD (``batch=None``) or SGD with one minibatch stream per run, in place on (V, A); run r trains
    on sample r mod (number of samples)."""
    runs, n = len(V), samples.Z.shape[1]
    dataset = np.arange(runs) % samples.Z.shape[0]
    kernel = _compiled()
    if batch is None or (batch == n and streams is None):
        kernel(samples.Z, samples.y, dataset, V, A, np.empty((runs, 0, 0), dtype=np.int64), float(eta), steps, n)
        return
    if streams is None or len(streams) != runs:
        raise ValueError("SGD needs one generator per run (streams)")
    block = max(1, min(steps, INDEX_BLOCK_ENTRIES // (runs * batch)))
    for first in range(0, steps, block):
        count = min(block, steps - first)
        indices = np.stack([stream.integers(0, n, (count, batch)) for stream in streams])
        kernel(samples.Z, samples.y, dataset, V, A, indices, float(eta), count, batch)


def run(teacher: Teacher, runs: int, n: int, seed: int, law: str = "gaussian", batch: int | None = None,
        eta: float | None = None, steps: int = 2000, scheme: str = "paper", datasets: int = 1) -> SampledRuns:
    """``runs`` independent GD (``batch=None``) or SGD runs on samples of size n from ``law``, from the
    paper's initialization (or ``scheme``), all derived from ``seed``; η defaults to
    :func:`theory.dynamics.default_eta` (the population step: sampled gradients match it on average)."""
    validation.teacher(teacher)
    runs, n = validation.positive_int(runs, "runs"), validation.positive_int(n, "n")
    datasets = validation.positive_int(datasets, "datasets")
    steps = validation.step_count(steps, "steps")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if law not in LAWS:
        raise ValueError(f"law must be one of {', '.join(LAWS)}, got {law!r}")
    batch = n if batch is None else validation.positive_int(batch, "batch")
    if batch > n:
        raise ValueError(f"batch must be at most n = {n}, got {batch}")
    if datasets > runs:
        raise ValueError(f"datasets must be at most runs = {runs}, got {datasets}")
    size = 8 * datasets * n * teacher.k * teacher.p
    if size > MAX_SAMPLE_BYTES:
        raise ValueError(f"{datasets} sample(s) of n·k·p = {n * teacher.k * teacher.p:,} entries need "
                         f"{size / 2**30:.1f} GiB; at most {MAX_SAMPLE_BYTES / 2**30:.0f} GiB")
    eta = dynamics.default_eta(teacher) if eta is None else dynamics.checked_eta(teacher, eta)
    settings = Settings(law, n, batch, float(eta), steps, runs, datasets, scheme, int(seed))
    data_seed, init_seed, batch_seed = np.random.SeedSequence(int(seed)).spawn(3)
    samples = draw_samples(teacher, law, datasets, n, np.random.default_rng(data_seed))
    V, A = dynamics.random_init(teacher, runs, np.random.default_rng(init_seed), scheme)
    started = time.perf_counter()
    streams = None if batch == n else [np.random.default_rng(s) for s in batch_seed.spawn(runs)]
    advance(samples, V, A, eta, steps, None if batch == n else batch, streams)
    seconds = time.perf_counter() - started
    phi, loss, outcome = classify(teacher, V, A)
    return SampledRuns(settings, V, A, phi, loss, outcome, seconds)
