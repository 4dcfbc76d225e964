"""Benchmark: the JAX network (theory.network_jax) against the population engine at the paper's setting.

Trains N networks as a practitioner would (1-D conv with stride = kernel, ReLU, linear output layer,
weight normalization; optax SGD on fresh Gaussian inputs every step, batch 128, at half the default
step; the paper's initialization; float32) and compares their outcome frequencies with
theory.dynamics.outcome_counts at the same step (reduced population GD, 10⁵ runs): both exact
Clopper–Pearson intervals (99.9 %) and a two-sided Fisher test on (spurious, not). Prints the time
per network (CPU, after compilation) and the compile time. Needs the `jax` extra.
Run: python benchmarks/real_network.py --networks 10000
"""

from __future__ import annotations

import argparse
import json
import math
import os

import numpy as np
from scipy.stats import fisher_exact

from checks.experiments.beyond import teacher_with_ratio
from checks.verdicts.stats import Proportion
from theory import dynamics, network_jax


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--population-runs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    teacher = teacher_with_ratio(4, 4, 0.3, seed=4, unit=False)
    eta = dynamics.default_eta(teacher) / 2
    population = dynamics.outcome_counts(teacher, args.population_runs, np.random.default_rng(args.seed), eta=eta)
    runs = network_jax.train(teacher, args.networks, seed=args.seed, learning_rate=eta, n=None, batch=128,
                             steps=args.steps)
    counts = runs.counts()
    alpha = 1e-3
    jax_spurious = Proportion.of(counts["spurious"], args.networks, alpha)
    pop_spurious = Proportion.of(population["spurious"], args.population_runs, alpha)
    p_value = fisher_exact([[counts["spurious"], args.networks - counts["spurious"]],
                            [population["spurious"], args.population_runs - population["spurious"]]])[1]
    print(json.dumps({
        "teacher": "k = p = 4, r/r_b = 0.3 (benchmarks/beyond_findings.py's, seed 4)", "eta": eta,
        "networks": args.networks, "steps": args.steps, "jax_counts": counts, "population_counts": population,
        "jax_p_spurious": [jax_spurious.estimate, jax_spurious.low, jax_spurious.high],
        "population_p_spurious": [pop_spurious.estimate, pop_spurious.low, pop_spurious.high],
        "intervals_meet": not (jax_spurious.high < pop_spurious.low or pop_spurious.high < jax_spurious.low),
        "fisher_p": p_value, "seconds_per_network": runs.seconds_per_network,
        "compile_seconds": runs.compile_seconds, "cpus": os.cpu_count(),
        "load_average": os.getloadavg()}, indent=1, default=lambda x: x if math.isfinite(x) else str(x)))


if __name__ == "__main__":
    main()
