"""Preliminary findings beyond the paper's assumptions — each relaxation's deciding numbers.

    PYTHONPATH=. python benchmarks/beyond_findings.py activations|overlap|sampled|jax [--runs N]

Not a claim (the claims come later and judge with intervals); a measurement to say where to look.
Every section prints its parameters, so each line can be recomputed.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from theory import Teacher, activation_gd, activations, dynamics, landscape, overlap, sampled


def teacher_with_ratio(k: int, p: int, ratio: float, seed: int = 0, unit: bool = True) -> Teacher:
    """A teacher with (1ᵀa*)²/‖a*‖² = ratio · (k + π − 1)/π (the ReLU boundary), ‖a*‖ = √k (so
    κ = ‖w*‖²‖a*‖² = k, as for a Gaussian a*) and a random w* (of norm 1 when ``unit``)."""
    rng = np.random.default_rng(seed)
    r = ratio * (k + math.pi - 1) / math.pi
    ones = np.ones(k) / math.sqrt(k)
    other = rng.standard_normal(k)
    other -= (other @ ones) * ones
    other /= np.linalg.norm(other)
    a_star = math.sqrt(r) * ones + math.sqrt(k - r) * other     # ‖a*‖² = k, (1ᵀa*)² = r·k
    w = rng.standard_normal(p)
    return Teacher(w / np.linalg.norm(w) if unit else w, a_star)


def activations_section(runs: int) -> None:
    print("activation, k, p, r/r_b(ReLU), r_b(σ), spurious minimum?, P(global), P(spurious), undecided")
    for k, ratio in ((4, 0.5), (10, 0.3), (10, 0.9), (10, 1.2)):
        teacher = teacher_with_ratio(k, 16, ratio)
        for sigma in (activations.Relu(), activations.LeakyRelu(0.01), activations.LeakyRelu(0.1),
                      activations.LeakyRelu(0.3), activations.Gelu()):
            land = activations.Landscape.of(sigma, teacher)
            counts = activation_gd.outcome_counts(land, runs, np.random.default_rng(1), max_steps=20_000).counts()
            print(f"{sigma.name:16s} k={k:3d} p=16 r/r_b={ratio:4.2f} r_b={land.boundary_ratio:7.3f} "
                  f"min={land.has_spurious_minimum!s:5s} P(global)={counts['global'] / runs:.3f} "
                  f"P(spurious)={counts['spurious'] / runs:.3f} undecided={counts['undecided']}", flush=True)


def overlap_section(runs: int) -> None:
    print("teacher, stride s/p: spurious point's fate (loss/½E f*², φ, smallest tangent eigenvalue, local min?), "
          "then population GD from the paper's initialization")
    k, p = 4, 8
    rng = np.random.default_rng(1)
    shapes = {"random w*": rng.standard_normal(p), "smooth w* (ones)": np.ones(p),
              "alternating w*": (-1.0) ** np.arange(p)}
    for name, w in shapes.items():
        for ratio in (0.3, 0.9):
            base = teacher_with_ratio(k, p, ratio, seed=2)
            teacher = Teacher(w, base.a_star)
            for stride in (8, 6, 4, 2, 1):
                fate = overlap.spurious_point_fate(teacher, stride)
                V0, A0 = dynamics.random_init(teacher, runs, np.random.default_rng(3))
                counts = overlap.run(overlap.OverlapLandscape.of(teacher, stride), V0, A0, steps=3000).counts()
                print(f"{name:18s} r/r_b={ratio:3.1f} s/p={stride / p:5.3f} loss={fate.loss:7.4f} φ={fate.phi:6.3f} "
                      f"λ_min={fate.tangent_eigenvalues[0]:9.2e} min={fate.is_local_minimum!s:5s} "
                      f"GD: {counts}", flush=True)


def sampled_section(runs: int) -> None:
    teacher = teacher_with_ratio(4, 4, 0.3, seed=4, unit=False)
    population = dynamics.outcome_counts(teacher, 20_000, np.random.default_rng(5))
    print(f"teacher k = p = 4, r/r_b = 0.3; population P(global) = {population['global'] / 20_000:.3f}, "
          f"P(spurious) = {population['spurious'] / 20_000:.3f} (20,000 reduced runs); "
          f"has spurious minimum: {landscape.has_spurious_minimum(teacher)}")
    for law in sampled.LAWS:
        for n, batch in ((100, None), (1000, None), (10_000, None), (10_000, 1), (10_000, 16), (10_000, 256)):
            if law != "gaussian" and (n, batch) not in ((1000, None), (10_000, 16)):
                continue
            result = sampled.run(teacher, runs, n, seed=6, law=law, batch=batch, steps=1000,
                                 datasets=max(1, runs // 50))
            counts = result.counts()
            print(f"{law:11s} n={n:6d} batch={batch or n:6d} P(global)={counts['global'] / runs:.3f} "
                  f"P(spurious)={counts['spurious'] / runs:.3f} undecided={counts['undecided']} "
                  f"diverged={counts['diverged']} ({result.seconds:.1f} s)", flush=True)


def jax_section(runs: int) -> None:
    from theory import network_jax
    teacher = teacher_with_ratio(4, 4, 0.3, seed=4, unit=False)
    population = dynamics.outcome_counts(teacher, 20_000, np.random.default_rng(5))
    print(f"teacher k = p = 4, r/r_b = 0.3; population P(global) = {population['global'] / 20_000:.3f}")
    eta = dynamics.default_eta(teacher)
    for label, kw in (("SGD, paper init, online, η/2", dict(learning_rate=eta / 2, n=None, batch=128, steps=800)),
                      ("SGD, lecun init, online, η/2", dict(learning_rate=eta / 2, n=None, batch=128, steps=800,
                                                            init="lecun")),
                      ("Adam 1e-2, paper init, n=4096, batch 32", dict(optimizer="adam", n=4096, batch=32, steps=800)),
                      ("Adam 1e-2, lecun init, n=4096, batch 32", dict(optimizer="adam", n=4096, batch=32, steps=800,
                                                                       init="lecun"))):
        result = network_jax.train(teacher, runs, seed=7, **kw)
        counts = result.counts()
        print(f"{label:40s} P(global)={counts['global'] / runs:.3f} P(spurious)={counts['spurious'] / runs:.3f} "
              f"undecided={counts['undecided']} ({result.seconds_per_network * 1e3:.2f} ms/network)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section", choices=("activations", "overlap", "sampled", "jax"))
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    {"activations": activations_section, "overlap": overlap_section, "sampled": sampled_section,
     "jax": jax_section}[args.section](args.runs)


if __name__ == "__main__":
    main()
