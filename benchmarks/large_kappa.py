"""P_∞(spurious) against κ at fixed r for several k, by quadrature, with the κ → ∞ limit: the data
behind docs/dynamics.md#the-limit-κ---and-p_-by-quadrature.

    PYTHONPATH=. python benchmarks/large_kappa.py --r 0.5 --ks 10,30,100

Each row: k, r, κ, κ/k², log κ/log k, P_∞(spurious) (quadrature, tolerance 1e-4), the limit, seconds.
"""

from __future__ import annotations

import argparse
import math
import time

from theory import quadrature


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--r", type=float, default=0.5)
    parser.add_argument("--ks", default="10,30,100")
    parser.add_argument("--multiples", default="0.003,0.01,0.03,0.1,0.3,1,3", help="κ as multiples of k²")
    arguments = parser.parse_args()
    print("k\tr\tkappa\tkappa/k^2\tlog(kappa)/log(k)\tP_spurious\tlimit\tseconds")
    for k in (int(x) for x in arguments.ks.split(",")):
        limit = quadrature.large_kappa_limit(k, arguments.r, tolerance=1e-7).spurious
        for multiple in (float(x) for x in arguments.multiples.split(",")):
            kappa = multiple * k * k
            started = time.perf_counter()
            found = quadrature.probabilities(k, arguments.r, kappa, tolerance=1e-4, max_steps=8_000_000)
            print(f"{k}\t{arguments.r:g}\t{kappa:g}\t{multiple:g}\t{math.log(kappa) / math.log(k):.3f}\t"
                  f"{found.spurious:.5f}\t{limit:.5f}\t{time.perf_counter() - started:.1f}", flush=True)


if __name__ == "__main__":
    main()
