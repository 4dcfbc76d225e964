"""Rates of the engines beyond the paper's assumptions (trajectory-steps per second), one run each.

    PYTHONPATH=. python benchmarks/beyond_engines.py [--quick] [--no-jax]

* activations: population GD in reduced coordinates (ReLU, leaky ReLU, GELU) and in full dimension;
* overlap: population GD in full dimension, k = p = 16 at stride 8;
* sampled: GD (n = 2,000) and SGD (batch 32) on Gaussian inputs, k = p = 16, the numba kernel;
* JAX: online SGD (batch 128, 500 steps) and full-batch GD (n = 4,096, 100 steps), k = p = 16, the
  paper's initialization and step — the time per trained network after compilation (measured
  2026-12-07 at load 6: 0.51 s and 1.2 s per network; 23 ms for k = 2, p = 3 and 600 steps).

Timings on a shared machine are noisy: read the ratios within one run, and the load printed first.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from theory import Teacher, activation_gd, activations, dynamics, overlap, sampled


def _teacher(k: int, p: int, seed: int = 0) -> Teacher:
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(p)
    return Teacher(w / np.linalg.norm(w), rng.standard_normal(k))


def _line(name: str, rate: float, unit: str = "trajectory-steps/s", extra: str = "") -> None:
    print(f"{name:58s} {rate:12.3g} {unit} {extra}", flush=True)


def activation_rates(runs: int, steps: int) -> None:
    teacher = _teacher(16, 16)
    V0, A0 = dynamics.random_init(teacher, runs, np.random.default_rng(1))
    for sigma in (activations.Relu(), activations.LeakyRelu(0.1), activations.Gelu()):
        land = activations.Landscape.of(sigma, teacher)
        _ = land.basins   # the profile's roots, once, outside the timing
        for engine in ("reduced", "full"):
            result = activation_gd.run(land, V0, A0, steps=steps, engine=engine)
            _line(f"activation GD, {sigma.name}, {engine}", runs * steps / result.seconds)


def overlap_rate(runs: int, steps: int) -> None:
    teacher = _teacher(16, 16)
    V0, A0 = dynamics.random_init(teacher, runs, np.random.default_rng(1))
    result = overlap.run(overlap.OverlapLandscape.of(teacher, 8), V0, A0, steps=steps)
    _line("overlap population GD, k = p = 16, s = 8", runs * steps / result.seconds)


def sampled_rates(runs: int, steps: int) -> None:
    teacher = _teacher(16, 16)
    sampled.run(teacher, 2, 10, seed=0, steps=1)     # compile (or load) the kernel outside the timing
    gd = sampled.run(teacher, runs, 2000, seed=1, steps=max(1, steps // 10))
    _line("sampled GD, n = 2,000, k = p = 16", runs * gd.settings.steps / gd.seconds,
          extra=f"({runs * gd.settings.steps * 2000 * 256 / gd.seconds:.3g} patch-products/s)")
    sgd = sampled.run(teacher, runs, 2000, seed=1, steps=steps, batch=32)
    _line("sampled SGD, batch 32, k = p = 16", runs * steps / sgd.seconds)


def jax_rates(networks: int, steps: int) -> None:
    from theory import network_jax
    teacher = _teacher(16, 16)
    online = network_jax.train(teacher, networks, seed=1, n=None, batch=128, steps=steps)
    _line("JAX online SGD, batch 128, k = p = 16", networks * steps / online.seconds,
          extra=f"({online.seconds_per_network * 1e3:.3g} ms per network of {steps} steps; "
                f"compile {online.compile_seconds:.1f} s)")
    full = network_jax.train(teacher, max(1, networks // 8), seed=1, n=4096, steps=max(1, steps // 5))
    _line("JAX full-batch GD, n = 4,096, k = p = 16", full.settings.networks * full.settings.steps / full.seconds,
          extra=f"({full.seconds_per_network * 1e3:.3g} ms per network of {full.settings.steps} steps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs and steps")
    parser.add_argument("--no-jax", action="store_true", help="skip the JAX network")
    args = parser.parse_args()
    scale = 4 if args.quick else 1
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}")
    activation_rates(4096 // scale, 400 // scale)
    overlap_rate(256 // scale, 200 // scale)
    sampled_rates(256 // scale, 400 // scale)
    if not args.no_jax:
        jax_rates(256 // scale, 500 // scale)


if __name__ == "__main__":
    main()
