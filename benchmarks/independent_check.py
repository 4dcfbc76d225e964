"""Larger comparison of the independent implementation (tests/oracles/independent.py) with the project.

    OMP_NUM_THREADS=1 python benchmarks/independent_check.py [--n 2000] [--quick]

Table A  P_∞(spurious) at p = ∞, ‖v₀‖ = 1: mine (random teacher of my construction with the given
         (k, r/r_b, κ)), the project's `outcome_counts` on the same teacher, and the project's on its
         own `canonical_teacher(k, r, κ)`; two-sided Fisher exact p-values (flag at 1e-6).
Table A2 the same at finite p and ‖v₀‖ ≠ 1.
Table B  κ*(k, r): my bracket (plane engine, default η, dense disk search + own bisection) vs
         `spurious_threshold(k, r)`; my witness replayed in my full-dimensional GD at κ_high and
         κ_low; the project's witness replayed in my full-dimensional GD at its κ_high, κ_low.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np
from scipy.stats import fisher_exact

import theory
import theory.dynamics as D
import theory.invariants as INV
from tests.oracles import independent as I

ALPHA = 1e-6


def fisher(s1, n1, s2, n2):
    if (s1 == 0 and s2 == 0) or (s1 == n1 and s2 == n2):
        return 1.0
    return float(fisher_exact([[s1, n1 - s1], [s2, n2 - s2]])[1])


def my_counts(t, n, rng, p, v0_norm, k):
    """Full-dimensional GD for k ≤ 100; for k = 1000 the plane engine on the same full-dimensional
    draws, with the first 200 draws also run by full-dimensional GD (agreement reported)."""
    if k <= 100:
        c, rise = I.outcome_counts(t.w_star, t.a_star, n, rng, p=p, v0_norm=v0_norm, max_steps=400000)
        return c, rise, "full", None
    v0, a0 = I.sample_init(t.w_star, t.a_star, n, rng, p=p, v0_norm=v0_norm)
    _, r, kap = t.invariants(v0_norm)
    x, y, phi, _ = I.project_to_plane(t.w_star, t.a_star, v0, a0)
    rp = I.gd_plane(k, r, x, y, phi, kap, max_steps=400000)
    m = min(200, n)
    rf = I.gd_full(t.w_star, t.a_star, v0[:m], a0[:m], max_steps=400000)
    agree = int(np.sum(rf.outcome == rp.outcome[:m]))
    return rp.counts(), max(rp.max_rise, rf.max_rise), "plane", (agree, m)


def table_a(ks, rrs, kappas, settings, n, seed, title):
    print(f"\n=== {title} (n = {n} per column) ===")
    hdr = (f"{'k':>5} {'r/rb':>5} {'kappa':>7} {'p':>4} {'|v0|':>4} | {'mine':>6} {'proj@mine':>9} "
           f"{'proj@canon':>10} | {'Fisher m-v-p':>12} {'Fisher m-v-c':>12} | {'undec m/p/c':>11} "
           f"{'eng':>5} {'full=plane':>10} {'rise':>8} {'t_mine':>6} {'t_proj':>6}")
    print(hdr)
    ss = np.random.SeedSequence(seed)
    flags = 0
    rows = []
    for k in ks:
        for rr in rrs:
            r = rr * I.r_boundary(k)
            for kap in kappas:
                for (p, vn) in settings:
                    child = ss.spawn(1)[0]
                    g_t, g_m, g_p, g_c = (np.random.default_rng(s) for s in child.spawn(4))
                    dim = 3 if math.isinf(p) else int(p)
                    t = I.make_teacher(k, r, kap, dim, g_t, v0_norm=vn)
                    t0 = time.time()
                    mine, rise, eng, agree = my_counts(t, n, g_m, p, vn, k)
                    t1 = time.time()
                    proj = D.outcome_counts(theory.Teacher(t.w_star, t.a_star), n, g_p, p=p, v0_norm=vn)
                    ct = INV.canonical_teacher(k, r, kap, p=max(dim, 2), v0_norm=vn)
                    can = D.outcome_counts(ct, n, g_c, p=p, v0_norm=vn)
                    t2 = time.time()
                    pm = fisher(mine["spurious"], n, proj["spurious"], n)
                    pc = fisher(mine["spurious"], n, can["spurious"], n)
                    flag = " <-- DISAGREE" if min(pm, pc) < ALPHA else ""
                    if proj["undecided"] or can["undecided"]:
                        # re-run the project with a 20x larger step cap (mine used 400,000)
                        pl = D.outcome_counts(theory.Teacher(t.w_star, t.a_star), n, g_p, p=p, v0_norm=vn,
                                              max_steps=400000)
                        pl2 = fisher(mine["spurious"], n, pl["spurious"], n)
                        flag += (f" | proj@mine max_steps=4e5: spur {pl['spurious']/n:.3f} undec "
                                 f"{pl['undecided']} Fisher {pl2:.3g}")
                    flags += "DISAGREE" in flag
                    ag = "-" if agree is None else f"{agree[0]}/{agree[1]}"
                    ps = "inf" if math.isinf(p) else str(int(p))
                    print(f"{k:5d} {rr:5.2f} {kap:7.3g} {ps:>4} {vn:4.2g} | {mine['spurious']/n:6.3f} "
                          f"{proj['spurious']/n:9.3f} {can['spurious']/n:10.3f} | {pm:12.3g} {pc:12.3g} | "
                          f"{mine['undecided']:>3}/{proj['undecided']}/{can['undecided']:<5} {eng:>5} {ag:>10} "
                          f"{rise:8.1e} {t1-t0:6.1f} {t2-t1:6.1f}{flag}", flush=True)
                    rows.append((k, rr, kap, p, vn, mine, proj, can, pm, pc))
    print(f"cells flagged at alpha = {ALPHA:g}: {flags} of {len(rows)}")
    return rows


def replay_full(k, r, xy, kappa, rng):
    t, v0, a0 = I.embed_plane_point(k, r, xy[0], xy[1], rng, kappa)
    res = I.gd_full(t.w_star, t.a_star, v0, a0, max_steps=400000)
    return I.NAMES[int(res.outcome[0])][:4]


def table_b(ks, rrs, seed):
    print("\n=== Table B: kappa*(k, r) at p = inf, default eta, |v0| = 1 ===")
    print(f"{'k':>5} {'r/rb':>5} | {'mine low':>10} {'mine high':>10} | {'proj low':>10} {'proj high':>10} | "
          f"{'overlap':>7} {'gap':>8} | {'my wit @hi/@lo (full GD)':>24} | {'proj wit @hi/@lo (my full GD)':>29} "
          f"| {'t_mine':>6} {'t_proj':>6} {'cand':>5} {'und@lo':>6}")
    rng = np.random.default_rng(seed)
    out = []
    for k in ks:
        for rr in rrs:
            r = rr * I.r_boundary(k)
            t0 = time.time()
            th = I.kappa_star(k, r, rel_tol=0.005)
            t1 = time.time()
            try:
                pj = INV.spurious_threshold(k, r)
                err = None
            except Exception as e:  # report, do not hide
                pj, err = None, repr(e)
            t2 = time.time()
            high, low = (replay_full(k, r, th.witness, kap, rng) for kap in (th.kappa_high, th.kappa_low))
            mw = f"{high}/{low}"
            if pj is None:
                print(f"{k:5d} {rr:5.2f} | {th.kappa_low:10.5g} {th.kappa_high:10.5g} | project error: {err}")
                continue
            lo = max(th.kappa_low, pj.kappa_low)
            hi = min(th.kappa_high, pj.kappa_high)
            ov = lo <= hi
            gap = 0.0 if ov else lo / hi - 1.0
            pw = tuple(float(z) for z in pj.witness)
            pwr = f"{replay_full(k, r, pw, pj.kappa_high, rng)}/{replay_full(k, r, pw, pj.kappa_low, rng)}"
            print(f"{k:5d} {rr:5.2f} | {th.kappa_low:10.5g} {th.kappa_high:10.5g} | {pj.kappa_low:10.5g} "
                  f"{pj.kappa_high:10.5g} | {ov!s:>7} {gap:8.2%} | {mw:>24} | {pwr:>29} | "
                  f"{t1-t0:6.1f} {t2-t1:6.1f} {th.candidates:5d} {th.undecided_low:6d}",
                  flush=True)
            out.append((k, rr, th, pj))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip", default="", help="comma list of tables to skip: A,A2,B")
    a = ap.parse_args()
    skip = set(a.skip.split(",")) if a.skip else set()
    T0 = time.time()
    if a.quick:
        ks, rrs, kappas = (3, 10), (0.3,), (1.0, 100.0)
    else:
        ks, rrs, kappas = (2, 10, 100, 1000), (0.01, 0.3, 0.9), (0.1, 1.0, 10.0, 100.0, 1e4)
    if "A" not in skip:
        table_a(ks, rrs, kappas, [(math.inf, 1.0)], a.n, 20261201, "Table A: P_inf(spurious), p = inf, |v0| = 1")
    if "A2" not in skip:
        table_a((3, 10, 100), (0.01, 0.3), (1.0, 100.0), [(10, 1.0), (100, 1.0), (math.inf, 0.5), (10, 3.0)],
                a.n, 20261202, "Table A2: finite p and |v0| != 1")
    if "B" not in skip:
        table_b((3, 10, 100, 1000), (0.01, 0.3, 0.9), 7)
    print(f"\ntotal wall time {time.time() - T0:.0f} s")


if __name__ == "__main__":
    main()
