"""The real network as a practitioner writes it, in JAX, trained with optax — thousands at once.

The model: a 1-D convolution with one input and one output channel, kernel size p and stride p over
an input signal of length kp (``jax.lax.conv_general_dilated`` — what ``flax.linen.Conv`` calls:
the practitioner's form; reshaping to (k, p) is the theory's, :func:`theory.gaussian.network_output`),
ReLU, and a linear output layer over the k positions, without biases (the paper's model), with
weight normalization w = v/‖v‖ on the filter. The labels come from a teacher network of the same
form (w* itself, not normalized). The loss is the mean over a batch of ½(f − y)², so a full-batch
gradient is the empirical loss's and, on average, the population's (theory.empirical).

Training (:func:`train`): ``networks`` independent networks in one ``jax.jit(jax.vmap(…))`` call per
chunk, each with its own PRNG key (folded from one seed): initialization, sample and minibatches.

* data: a fixed sample of n Gaussian inputs per network, minibatches of ``batch`` drawn with
  replacement (``batch = n``: full-batch GD); or ``n=None``: fresh inputs every step (online SGD, the
  population in expectation);
* optimizer: ``sgd`` (optax.sgd) or ``adam`` (optax.adam);
* initialization: ``paper`` (v₀ uniform on the unit sphere, a₀ uniform in the ball of radius
  |1ᵀa*|‖w*‖/√k — theory.dynamics.random_init's law) or ``lecun`` (the framework's default for Conv
  and Dense kernels, ``jax.nn.initializers.lecun_normal()``: truncated normal with variance 1/fan_in,
  fan_in = p for the filter and k for the output layer).

Arithmetic is float32 (JAX's default, as a practitioner runs it). Outcomes: the final (v, a),
in float64, by :func:`theory.sampled.classify` (the Gaussian population BasinRule).

Compiling one trainer costs seconds of CPU (≈ 3 s for the real-network claim's quick settings, 2 cores
at load ≈ 8); JAX's persistent compilation cache keeps the compiled code in the user cache folder
(``$XDG_CACHE_HOME/theorycheck/jax``, else ``~/.cache/theorycheck/jax``; never the source tree), so a
later process loads it in a fraction of a second. Like theory/compile_cache.py for numba it is
optional: a folder that cannot be written, or ``THEORYCHECK_JAX_CACHE=off``, compiles in memory
(one line on theory.compile_cache's logger).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from theory import validation
from theory.decisions import Outcome
from theory.teacher import Teacher

__all__ = [
    "INITS",
    "OPTIMIZERS",
    "JaxRuns",
    "JaxSettings",
    "forward_error",
    "network",
    "train",
]

OPTIMIZERS = ("sgd", "adam")
INITS = ("paper", "lecun")


def _jax():
    """(jax, jax.numpy, optax), or an ImportError that says how to install them."""
    try:
        import jax
        import jax.numpy as jnp
        import optax  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - exercised where the extra is missing
        raise ImportError('theory.network_jax needs JAX and optax: pip install -e ".[jax]"') from exc
    return jax, jnp, optax


_CACHE_CHOSEN: list[Path | None] = []


def _cache_folder() -> Path:
    """Where JAX's compiled trainers are kept: the user cache folder, never the source tree."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "theorycheck" / "jax"


def _use_persistent_cache(jax) -> Path | None:
    """Point JAX's persistent compilation cache at :func:`_cache_folder` once per process, when
    that folder can be written (else compile in memory, said once). Returns the folder or None."""
    if _CACHE_CHOSEN:
        return _CACHE_CHOSEN[0]
    from theory.compile_cache import say_once
    folder: Path | None = None
    if os.environ.get("THEORYCHECK_JAX_CACHE", "").lower() not in ("off", "0", "no"):
        try:
            candidate = _cache_folder()
            candidate.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=candidate):
                pass
            jax.config.update("jax_compilation_cache_dir", str(candidate))
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
            folder = candidate
        except (OSError, AttributeError, ValueError) as error:
            say_once(f"JAX's compilation cache is off ({error}): compiling the trainers in memory, seconds per process")
    _CACHE_CHOSEN.append(folder)
    return folder


def _stride(p: int) -> int:
    """The convolution's stride: the kernel size (non-overlapping patches)."""
    return p


def network(v, a, x, p: int):
    """f(x; v/‖v‖, a) for inputs x of shape (batch, kp): conv (stride p) → ReLU → linear over k."""
    _, jnp, _ = _jax()
    w = v / jnp.linalg.norm(v)
    return _conv_relu_linear(w, a, x, p)


def _conv_relu_linear(w, a, x, p):
    jax, _, _ = _jax()
    hidden = jax.lax.conv_general_dilated(x[:, None, :], w[None, None, :], window_strides=(_stride(p),),
                                          padding="VALID", dimension_numbers=("NCH", "OIH", "NCH"))
    return jax.nn.relu(hidden[:, 0, :]) @ a


def forward_error(teacher: Teacher, n: int = 256, seed: int = 0) -> float:
    """Largest |JAX network(w*, a*) − theory.gaussian.network_output| over n Gaussian inputs, relative
    to the outputs' scale (float32: a right model gives ~1e-6): an engine-level check of the model."""
    from theory.gaussian import network_output
    _, jnp, _ = _jax()
    Z = np.random.default_rng(seed).standard_normal((n, teacher.k, teacher.p))
    expected = network_output(Z, teacher.w_star, teacher.a_star)
    try:
        got = np.asarray(_conv_relu_linear(jnp.asarray(teacher.w_star, jnp.float32),
                                           jnp.asarray(teacher.a_star, jnp.float32),
                                           jnp.asarray(Z.reshape(n, -1), jnp.float32), teacher.p), dtype=float)
    except (TypeError, ValueError):   # a wrong shape from a wrong stride
        return math.inf
    if got.shape != expected.shape:
        return math.inf
    return float(np.max(np.abs(got - expected)) / (1 + np.max(np.abs(expected))))


@dataclass(frozen=True)
class JaxSettings:
    """What a batch of JAX trainings ran with."""

    optimizer: str
    learning_rate: float
    init: str
    n: int | None        # None: fresh inputs every step
    batch: int
    steps: int
    networks: int
    seed: int


@dataclass(frozen=True)
class JaxRuns:
    """Final (v, a) of each network (float64 copies), their population (φ, ℓ) and outcome codes."""

    settings: JaxSettings
    V: np.ndarray
    A: np.ndarray
    phi: np.ndarray
    loss: np.ndarray
    outcome: np.ndarray
    seconds: float       # training only (after compilation)
    compile_seconds: float

    def counts(self) -> dict[str, int]:
        return {code.label: int(np.sum(self.outcome == code)) for code in Outcome}

    @property
    def seconds_per_network(self) -> float:
        return self.seconds / self.settings.networks


def _initial(key, teacher_arrays, k, p, init, jax, jnp):
    key_v, key_a, key_r = jax.random.split(key, 3)
    if init == "lecun":
        initializer = jax.nn.initializers.lecun_normal()
        v = initializer(key_v, (p, 1), jnp.float32)[:, 0]      # (fan_in = p, one output channel)
        a = initializer(key_a, (k, 1), jnp.float32)[:, 0]      # (fan_in = k, one output)
        return v, a
    v = jax.random.normal(key_v, (p,), jnp.float32)
    v = v / jnp.linalg.norm(v)
    direction = jax.random.normal(key_a, (k,), jnp.float32)
    direction = direction / jnp.linalg.norm(direction)
    radius = teacher_arrays["radius"] * jax.random.uniform(key_r, (), jnp.float32) ** (1.0 / k)
    return v, radius * direction


def _trainer(teacher: Teacher, settings: JaxSettings):
    """The jitted, vmapped function keys → (V, A) for these settings."""
    jax, jnp, optax = _jax()
    k, p = teacher.k, teacher.p
    w_star = jnp.asarray(teacher.w_star, jnp.float32)
    a_star = jnp.asarray(teacher.a_star, jnp.float32)
    arrays = {"radius": abs(teacher.a_sum) * teacher.w_norm / math.sqrt(k)}
    optimizer = (optax.sgd if settings.optimizer == "sgd" else optax.adam)(settings.learning_rate)
    n, batch = settings.n, settings.batch

    def loss_fn(params, x):
        y = _conv_relu_linear(w_star, a_star, x, p)
        return 0.5 * jnp.mean((network(params["v"], params["a"], x, p) - y) ** 2)

    def train_one(key):
        key_init, key_data, key_steps = jax.random.split(key, 3)
        v, a = _initial(key_init, arrays, k, p, settings.init, jax, jnp)
        params = {"v": v, "a": a}
        sample = None if n is None else jax.random.normal(key_data, (n, k * p), jnp.float32)

        def step(carry, step_key):
            params, state = carry
            if sample is None:
                x = jax.random.normal(step_key, (batch, k * p), jnp.float32)
            elif batch == n:
                x = sample
            else:
                x = sample[jax.random.randint(step_key, (batch,), 0, n)]
            grads = jax.grad(loss_fn)(params, x)
            updates, state = optimizer.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        (params, _), _ = jax.lax.scan(step, (params, optimizer.init(params)),
                                      jax.random.split(key_steps, settings.steps))
        return params["v"], params["a"]

    return jax.jit(jax.vmap(train_one))


def train(teacher: Teacher, networks: int, seed: int, optimizer: str = "sgd", learning_rate: float | None = None,
          init: str = "paper", n: int | None = 4096, batch: int | None = None, steps: int = 1000,
          chunk: int = 1024) -> JaxRuns:
    """Train ``networks`` independent networks (``chunk`` per vmapped call) and classify where they end.

    ``learning_rate=None``: theory.dynamics.default_eta for SGD, 10⁻² for Adam; ``batch=None``: the
    whole sample (full-batch GD; with ``n=None`` a batch of 256 fresh inputs)."""
    _jax()
    validation.teacher(teacher)
    networks, steps = validation.positive_int(networks, "networks"), validation.step_count(steps, "steps")
    chunk = validation.positive_int(chunk, "chunk")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**31:
        raise ValueError(f"seed must be an integer in [0, 2³¹), got {seed!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
    if n is not None:
        n = validation.positive_int(n, "n")
    batch = (n if n is not None else 256) if batch is None else validation.positive_int(batch, "batch")
    if n is not None and batch > n:
        raise ValueError(f"batch must be at most n = {n}, got {batch}")
    if learning_rate is None:
        from theory import dynamics
        learning_rate = dynamics.default_eta(teacher) if optimizer == "sgd" else 1e-2
    learning_rate = float(validation.positive_real(learning_rate, "learning_rate"))
    settings = JaxSettings(optimizer, learning_rate, init, n, batch, steps, networks, int(seed))
    jax, _, _ = _jax()
    _use_persistent_cache(jax)
    trainer = _trainer(teacher, settings)
    keys = jax.random.split(jax.random.PRNGKey(int(seed)), networks)
    size = min(chunk, networks)
    started = time.perf_counter()
    trainer = trainer.lower(keys[:size]).compile()   # ahead of time, for the one chunk shape
    compile_seconds = time.perf_counter() - started
    started = time.perf_counter()
    parts_v, parts_a = [], []
    for first in range(0, networks, size):
        part = keys[first:first + size]
        if len(part) < size:   # keep one compiled shape: pad the last chunk, drop the padding after
            part = jax.numpy.concatenate([part, keys[: size - len(part)]])
        v, a = trainer(part)
        count = min(size, networks - first)
        parts_v.append(np.asarray(v, dtype=float)[:count])
        parts_a.append(np.asarray(a, dtype=float)[:count])
    seconds = time.perf_counter() - started
    from theory.sampled import classify
    V, A = np.concatenate(parts_v), np.concatenate(parts_a)
    phi, loss, outcome = classify(teacher, V, A)
    return JaxRuns(settings, V, A, phi, loss, outcome, seconds, compile_seconds)
