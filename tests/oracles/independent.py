"""A second, independent implementation of the numbers behind two of the project's claims.

Written from the mathematics alone (docs/mathematics.md: the model, the closed forms, the critical
points, the initialization, the dimension laws and the parameters of the dynamics), without reading
`theory/` or `checks/`. Pure numpy (scipy only for a root of g and for statistics in the tests).
Nothing here imports the project.

Model.  f(Z; w, a) = Σ_j a_j σ(wᵀZ_j), w = v/‖v‖, teacher (w*, a*), c = ‖w*‖, φ = ∠(v, w*),
g(φ) = (π − φ)cos φ + sin φ, s = 1ᵀa*.  Population loss and gradients (closed form):

    ℓ(v, a)  = (1/4π)[(π−1)(‖a‖² + c²‖a*‖²) + (1ᵀa − cs)² − 2c(g(φ) − 1)aᵀa*]
    ∂ℓ/∂a    = (1/2π)[(π−1)a + (1ᵀa − cs)1 − c(g(φ) − 1)a*]
    ∂ℓ/∂v    = −(aᵀa*)(π − φ)/(2π‖v‖) · (I − v vᵀ/‖v‖²) w*

Gradient descent updates (v, a) simultaneously with the default step
η = 0.5 / max((k + π − 1)/(2π), κ/2), κ = (c‖a*‖/‖v₀‖)².

Two engines:

* `gd_full` — plain full-dimensional GD, batched over runs (v ∈ R^p, a ∈ R^k for every run).
* `gd_plane` — my own reduction to three numbers per run (derived below), used only for the
  κ* search at large k and cross-checked against `gd_full` run by run (`tests/test_independent.py`).

Derivation of the plane reduction.  Put λ = c‖a*‖, â = a*/‖a*‖, ŝ = 1ᵀâ (so r = ŝ²), and let
ê be the unit vector of 1 − ŝâ (needs r < k, i.e. a* not parallel to 1); then 1 = ŝâ + qê with
q = √(k − r).  Write a/λ = x â + y ê + ρ with ρ ⟂ {â, ê}.  Dividing ∂ℓ/∂a by λ:
    a/λ ← a/λ − (η/2π)[(π−1)a/λ + (1ᵀa/λ − ŝ)1 − (g − 1)â],   1ᵀa/λ = ŝx + qy,
so   x ← x − (η/2π)[(π−1)x + ŝ(ŝx + qy − ŝ) − (g − 1)],
     y ← y − (η/2π)[(π−1)y + q(ŝx + qy − ŝ)],
     ρ ← (1 − η(π−1)/2π) ρ          (ρ never feeds back: it enters neither aᵀa* nor 1ᵀa).
For v, ∂ℓ/∂v ∝ (I − v̂v̂ᵀ)w*, so v stays in span{v₀, w*}; with u = v/‖v₀‖ and aᵀa* = c‖a*‖²x,
     u ← u + η κ x (π − φ)/(2π‖u‖) · (ŵ − cos φ û),
an update in a 2-D plane.  So (x, y, u) evolve autonomously; ρ only adds (π−1)λ²‖ρ‖²/(4π) to the
loss.  The residual-free trajectory (ρ = 0) is itself a GD trajectory of the full problem (start
from a₀'s projection), so the outcome is a function of (x₀, y₀, φ₀, κ, k, r, η·scale) only; at
p = ∞ (φ₀ = π/2) a function of the projection (x₀, y₀) — a point of the disk of radius √(r/k).

Classification (decision rule; see `classify_doc` below for the argument).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PI = math.pi
UNDECIDED, GLOBAL, SPURIOUS, DIVERGED = 0, 1, 2, 3
NAMES = ("undecided", "global", "spurious", "diverged")


def g_of(phi):
    return (PI - phi) * np.cos(phi) + np.sin(phi)


def default_eta(k, kappa):
    return 0.5 / max((k + PI - 1.0) / (2.0 * PI), kappa / 2.0)


# ----------------------------------------------------------------------------------------------
# Landscape facts in λ-units (λ = c‖a*‖, â = a*/‖a*‖): depend on (k, r) only.
# ----------------------------------------------------------------------------------------------
def r_boundary(k):
    return (k + PI - 1.0) / PI


def _solve_g(target):
    """φ ∈ [π/2, π] with g(φ) = target ∈ (0, 1); g is strictly decreasing there (g' = −(π−φ)sin φ)."""
    lo, hi = PI / 2, PI
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if g_of(mid) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Landscape:
    """Saddle-cone and spurious-point data in λ-units (multiply losses by λ² = c²‖a*‖²)."""
    k: int
    r: float
    has_spurious: bool
    phi_s: float      # saddle angle (nan if no spurious minimum)
    loss_sad: float   # ℓ_sad / λ²
    loss_spur: float  # ℓ_s / λ²


def plane_loss(k, r, x, y, phi, rho2=0.0):
    """ℓ/λ² at a/λ = x â + y ê + ρ (‖ρ‖² = rho2), angle φ."""
    sh = math.sqrt(r)
    q = math.sqrt(max(k - r, 0.0))
    one_a = sh * x + q * y
    g = g_of(phi)
    return ((PI - 1.0) * (x * x + y * y + rho2 + 1.0) + (one_a - sh) ** 2 - 2.0 * (g - 1.0) * x) / (4 * PI)


def a_opt_plane(k, r, phi):
    """(x, y) of the a-minimiser at fixed φ: (1/(π−1))[(g−1)â + ŝ(π−g)/(k+π−1)·1]."""
    sh = math.sqrt(r)
    q = math.sqrt(max(k - r, 0.0))
    g = float(g_of(phi))
    t = sh * (PI - g) / (k + PI - 1.0)
    return ((g - 1.0) + t * sh) / (PI - 1.0), (t * q) / (PI - 1.0)


def landscape(k, r):
    rb = r_boundary(k)
    if not r < rb:
        return Landscape(k, r, False, float("nan"), float("nan"), float("nan"))
    gs = ((k + PI - 1.0) - PI * r) / ((k + PI - 1.0) - r)
    phi_s = _solve_g(gs)
    xs, ys = a_opt_plane(k, r, phi_s)
    xp, yp = a_opt_plane(k, r, PI)
    return Landscape(k, r, True, phi_s, float(plane_loss(k, r, xs, ys, phi_s)),
                     float(plane_loss(k, r, xp, yp, PI)))


def classify_doc():
    """Why the decision rule is sound (used by both engines).

    Fix the teacher and write ℓ(φ, a).  For fixed φ, ℓ is a strictly convex quadratic in a
    (Hessian M/2π, M = (π−1)I + 11ᵀ ≻ 0) with minimiser a(φ) and minimum m(φ).  By the envelope
    theorem m'(φ) = ∂ℓ/∂φ at a(φ) = −(c/2π) g'(φ) a(φ)ᵀa* = (c/2π)(π−φ) sin φ · a(φ)ᵀa*, and
    a(φ)ᵀa* = (c/(π−1))[(g−1)‖a*‖² + s²(π−g)/(k+π−1)] is affine and increasing in g with positive
    slope (‖a*‖² − s²/(k+π−1) > 0 because s² ≤ k‖a*‖²); g decreases on [0, π], so a(φ)ᵀa*
    decreases in φ and vanishes exactly at the saddle angle φ_s (when r < r_b).  Hence m rises
    from m(0) = 0 to its maximum m(φ_s) = ℓ_sad and falls to m(π) = ℓ_s.  Therefore the sublevel
    set S = {ℓ < ℓ_sad} contains no point with φ = φ_s: it splits into S₋ = S ∩ {φ < φ_s} and
    S₊ = S ∩ {φ > φ_s}.  GD with the default step (≤ ¼ of the stability limit of either block)
    does not increase ℓ — every run records the largest per-step increase, `max_rise`, and the
    tests assert it is ≤ 1e-12·λ² — and near φ_s the sets S₊, S₋ are separated in φ by a gap
    that grows like √(ℓ_sad − ℓ), while one step moves φ by O(η κ |ãᵀâ*|), so a run that enters
    S₊ stays in S₊ (and S₋ likewise).  In S₊ the only critical points are on φ = π with a = a_s
    (∂ℓ/∂v = 0 needs φ ∈ {0, π} or aᵀa* = 0, and aᵀa* = 0 with ∂ℓ/∂a = 0 means φ = φ_s); S₊
    is bounded in a, so the run converges to the spurious point.  In S₋ the only critical point
    is the global minimum.  The rule therefore is:

        global   : ℓ < ℓ_sad(1 − 1e-9) and φ < φ_s   (or, without a spurious minimum,
                   φ < 1e-3 and ℓ < 1e-8 λ²)
        spurious : ℓ < ℓ_sad(1 − 1e-9) and φ > φ_s
        diverged : a non-finite value, or ℓ > 1e6 (ℓ₀ + λ²)
        undecided: none of the above within `max_steps`.

    (aᵀa* > 0 in S₋ and < 0 in S₊ near the saddle is implied, not needed.)
    """


# ----------------------------------------------------------------------------------------------
# Teachers and initialization.
# ----------------------------------------------------------------------------------------------
@dataclass
class MyTeacher:
    w_star: np.ndarray
    a_star: np.ndarray

    @property
    def k(self):
        return self.a_star.size

    def invariants(self, v0_norm=1.0):
        c = float(np.linalg.norm(self.w_star))
        na = float(np.linalg.norm(self.a_star))
        s = float(self.a_star.sum())
        return self.k, s * s / (na * na), (c * na / v0_norm) ** 2


def make_teacher(k, r, kappa, dim, rng, v0_norm=1.0):
    """A teacher with (k, r, κ) given, random directions, random overall split of scale.

    a* = α(σ cos θ · 1/√k + sin θ · u), u ⟂ 1 a random unit vector, cos θ = √(r/k)
    (so (1ᵀa*)²/‖a*‖² = k cos²θ = r), σ a random sign; ‖w*‖ = c is drawn
    log-uniform in [0.05, 20] and ‖a*‖ = √κ ‖v₀‖ / c; w* has a random direction in R^dim.
    """
    if not 0 <= r <= k:
        raise ValueError("need 0 <= r <= k")
    one = np.ones(k) / math.sqrt(k)
    u = rng.standard_normal(k)
    u -= (u @ one) * one
    u /= np.linalg.norm(u)
    cos_t = math.sqrt(r / k)
    sin_t = math.sqrt(max(1.0 - cos_t * cos_t, 0.0))
    sign = rng.choice([-1.0, 1.0])
    a_dir = sign * cos_t * one + sin_t * u
    c = math.exp(rng.uniform(math.log(0.05), math.log(20.0)))
    na = math.sqrt(kappa) * v0_norm / c
    w = rng.standard_normal(dim)
    w *= c / np.linalg.norm(w)
    return MyTeacher(w, na * a_dir / np.linalg.norm(a_dir))


def sample_init(w_star, a_star, n, rng, p=math.inf, v0_norm=1.0):
    """The paper's scheme: v₀ uniform on the sphere of radius v0_norm in R^p, a₀ uniform in the ball
    of radius |1ᵀa*|·c/√k in R^k.  p = ∞: v₀ uniform on the sphere of span(w*)^⊥ inside R^dim(w*)
    (dim ≥ 2), i.e. φ₀ = π/2 exactly.  For finite p the teacher must live in R^p."""
    w_star = np.asarray(w_star, float)
    a_star = np.asarray(a_star, float)
    k = a_star.size
    dim = w_star.size
    c = np.linalg.norm(w_star)
    if math.isinf(p):
        if dim < 2:
            raise ValueError("p = inf needs w* in R^dim, dim >= 2")
        v = rng.standard_normal((n, dim))
        wh = w_star / c
        v -= np.outer(v @ wh, wh)
    else:
        if int(p) != dim:
            raise ValueError("finite p: the teacher's w* must be in R^p")
        v = rng.standard_normal((n, dim))
    v *= v0_norm / np.linalg.norm(v, axis=1, keepdims=True)
    R = abs(a_star.sum()) * c / math.sqrt(k)
    d = rng.standard_normal((n, k))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    a = R * rng.uniform(size=(n, 1)) ** (1.0 / k) * d
    return v, a


# ----------------------------------------------------------------------------------------------
# Full-dimensional GD, batched over runs.
# ----------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    outcome: np.ndarray   # codes UNDECIDED/GLOBAL/SPURIOUS/DIVERGED
    steps: np.ndarray     # step at which each run was decided (max_steps if undecided)
    max_rise: float       # largest per-step increase of ℓ, in units of λ² (≤ 0 ideally)

    def counts(self):
        return {nm: int(np.sum(self.outcome == i)) for i, nm in enumerate(NAMES)}


def _newly_decided(loss, phi, too_big, land, lsad, scale):
    """(mask, outcome codes of the masked) for one step of either simulator: diverged when the
    loss is not finite or above ``too_big``; with a spurious minimum, below the saddle's loss
    ``lsad`` on either side of φ_s; without one, global once φ < 1e-3 and ℓ < 1e-8·``scale``."""
    bad = ~np.isfinite(loss) | (loss > too_big)
    if land.has_spurious:
        below = loss < lsad
        glob, spur = below & (phi < land.phi_s), below & (phi > land.phi_s)
    else:
        glob = (phi < 1e-3) & (loss < 1e-8 * scale)
        spur = np.zeros_like(glob)
    dec = bad | glob | spur
    return dec, np.where(bad[dec], DIVERGED, np.where(glob[dec], GLOBAL, SPURIOUS))


def gd_full(w_star, a_star, v0, a0, eta=None, max_steps=20000, compact_every=25):
    """Plain GD on the closed-form population loss, every run in full dimension."""
    w = np.asarray(w_star, float)
    astar = np.asarray(a_star, float)
    k = astar.size
    c = float(np.linalg.norm(w))
    na2 = float(astar @ astar)
    s = float(astar.sum())
    lam2 = c * c * na2
    v = np.array(v0, float, copy=True)
    a = np.array(a0, float, copy=True)
    n = v.shape[0]
    v0n = np.linalg.norm(v, axis=1)
    if eta is None:
        kap = lam2 / float(np.max(v0n)) ** 2
        if not np.allclose(v0n, v0n[0], rtol=1e-12):
            raise ValueError("default eta needs a common ||v0||")
        eta = default_eta(k, kap)
    land = landscape(k, s * s / na2)
    lsad = land.loss_sad * lam2 * (1 - 1e-9) if land.has_spurious else -1.0
    wh = w / c
    cst = (PI - 1.0) * lam2

    outcome = np.zeros(n, np.int8)
    steps = np.full(n, max_steps, np.int64)
    idx = np.arange(n)
    prev = None
    max_rise = -np.inf
    loss0 = None

    def state(v, a):
        vw = v @ wh                        # ‖v‖cos φ
        vperp = v - np.outer(vw, wh)
        sp = np.linalg.norm(vperp, axis=1)  # ‖v‖ sin φ
        phi = np.arctan2(sp, vw)
        aa = a @ astar
        oa = a.sum(axis=1)
        gg = g_of(phi)
        loss = ((PI - 1.0) * np.einsum("ij,ij->i", a, a) + cst + (oa - c * s) ** 2
                - 2.0 * c * (gg - 1.0) * aa) / (4 * PI)
        return phi, aa, oa, gg, loss, vw

    for t in range(max_steps + 1):
        phi, aa, oa, gg, loss, vw = state(v, a)
        if loss0 is None:
            loss0 = loss.copy()
            big = 1e6 * (loss0 + lam2)
        if prev is not None:
            rise = float(np.max(loss - prev)) if loss.size else -np.inf
            max_rise = max(max_rise, rise / lam2)
        dec, codes = _newly_decided(loss, phi, big[idx], land, lsad, lam2)
        if dec.any():
            di = idx[dec]
            outcome[di] = codes
            steps[di] = t
            keep = ~dec
            idx, v, a = idx[keep], v[keep], a[keep]
            phi, aa, oa, gg, loss, vw = phi[keep], aa[keep], oa[keep], gg[keep], loss[keep], vw[keep]
        if idx.size == 0 or t == max_steps:
            break
        prev = loss
        nv2 = np.einsum("ij,ij->i", v, v)
        nv = np.sqrt(nv2)
        # (I − v vᵀ/‖v‖²) w*  = c (ŵ − (v·ŵ) v/‖v‖²)
        proj = c * (wh[None, :] - (vw / nv2)[:, None] * v)
        gv = (-(aa * (PI - phi)) / (2 * PI * nv))[:, None] * proj
        ga = ((PI - 1.0) * a + (oa - c * s)[:, None] - (c * (gg - 1.0))[:, None] * astar[None, :]) / (2 * PI)
        v = v - eta * gv
        a = a - eta * ga
    return RunResult(outcome, steps, max_rise)


def outcome_counts_full(w_star, a_star, n, rng, p=math.inf, v0_norm=1.0, eta=None, max_steps=20000,
                        chunk=4000):
    tot = np.zeros(4, np.int64)
    rise = -np.inf
    done = 0
    while done < n:
        m = min(chunk, n - done)
        v0, a0 = sample_init(w_star, a_star, m, rng, p=p, v0_norm=v0_norm)
        res = gd_full(w_star, a_star, v0, a0, eta=eta, max_steps=max_steps)
        tot += np.bincount(res.outcome, minlength=4)
        rise = max(rise, res.max_rise)
        done += m
    return {nm: int(tot[i]) for i, nm in enumerate(NAMES)}, rise


# ----------------------------------------------------------------------------------------------
# Plane engine (derivation in the module docstring), λ-units, batched; κ and η may vary per run.
# ----------------------------------------------------------------------------------------------
def gd_plane(k, r, x0, y0, phi0, kappa, eta=None, max_steps=20000):
    """Runs from a/λ = x₀â + y₀ê (no residual), v at angle φ₀ with ‖v₀‖ = 1 (u-units).

    kappa, eta: scalars or arrays broadcast against x0.  Returns RunResult.
    """
    x = np.array(x0, float, ndmin=1).copy()
    n = x.size
    y = np.broadcast_to(np.asarray(y0, float), (n,)).copy()
    ph = np.broadcast_to(np.asarray(phi0, float), (n,))
    kap = np.broadcast_to(np.asarray(kappa, float), (n,)).copy()
    if eta is None:
        et = np.array([default_eta(k, kk) for kk in kap])
    else:
        et = np.broadcast_to(np.asarray(eta, float), (n,)).copy()
    u1, u2 = np.cos(ph).copy(), np.sin(ph).copy()   # ŵ = (1, 0)
    sh = math.sqrt(r)
    q = math.sqrt(max(k - r, 0.0))
    land = landscape(k, r)
    lsad = land.loss_sad * (1 - 1e-9) if land.has_spurious else -1.0

    outcome = np.zeros(n, np.int8)
    steps = np.full(n, max_steps, np.int64)
    idx = np.arange(n)
    prev = None
    max_rise = -np.inf
    big = None
    for t in range(max_steps + 1):
        nu = np.hypot(u1, u2)
        phi = np.arctan2(np.abs(u2), u1)
        gg = g_of(phi)
        one_a = sh * x + q * y
        loss = ((PI - 1.0) * (x * x + y * y + 1.0) + (one_a - sh) ** 2 - 2.0 * (gg - 1.0) * x) / (4 * PI)
        if big is None:
            big = 1e6 * (loss + 1.0)
        if prev is not None and loss.size:
            max_rise = max(max_rise, float(np.max(loss - prev)))
        dec, codes = _newly_decided(loss, phi, big[idx], land, lsad, 1.0)   # the plane's losses are in units of λ²
        if dec.any():
            di = idx[dec]
            outcome[di] = codes
            steps[di] = t
            keep = ~dec
            idx = idx[keep]
            x, y, u1, u2, kap, et = x[keep], y[keep], u1[keep], u2[keep], kap[keep], et[keep]
            phi, gg, one_a, loss, nu = phi[keep], gg[keep], one_a[keep], loss[keep], nu[keep]
        if idx.size == 0 or t == max_steps:
            break
        prev = loss
        res = one_a - sh
        nx = x - et / (2 * PI) * ((PI - 1.0) * x + sh * res - (gg - 1.0))
        ny = y - et / (2 * PI) * ((PI - 1.0) * y + q * res)
        coef = et * kap * x * (PI - phi) / (2 * PI * nu)
        cphi = u1 / nu
        # ŵ − cos φ û with û = (u1, u2)/‖u‖
        u1 = u1 + coef * (1.0 - cphi * u1 / nu)
        u2 = u2 + coef * (-cphi * u2 / nu)
        x, y = nx, ny
    return RunResult(outcome, steps, max_rise)


# ----------------------------------------------------------------------------------------------
# κ*(k, r): the least κ at which some a₀ of the disk reaches the spurious minimum (p = ∞).
# ----------------------------------------------------------------------------------------------
def disk_candidates(k, r, n_rim=720, radii=(1.0, 0.97, 0.9, 0.75, 0.5, 0.25), n_inner=180):
    """Points of the closed disk of radius √(r/k) in the (x, y) plane: a dense rim and inner circles."""
    R = math.sqrt(r / k)
    pts = []
    for rad in radii:
        m = n_rim if rad >= 0.97 else n_inner
        th = 2 * PI * (np.arange(m) + 0.5) / m
        pts.append(np.stack([rad * R * np.cos(th), rad * R * np.sin(th)], 1))
    pts.append(np.zeros((1, 2)))
    return np.concatenate(pts)


def _spurious_any(k, r, pts, kappa, eta_factor, max_steps):
    et = eta_factor * default_eta(k, kappa)
    res = gd_plane(k, r, pts[:, 0], pts[:, 1], PI / 2, kappa, eta=et, max_steps=max_steps)
    return res


@dataclass
class Threshold:
    k: int
    r: float
    kappa_low: float
    kappa_high: float
    witness: tuple       # (x, y) reaching spurious at kappa_high
    undecided_low: int   # undecided candidates at kappa_low (0 = clean bracket)
    candidates: int


def kappa_star(k, r, eta_factor=1.0, rel_tol=0.01, kappa_start=1.0, max_steps=200000,
               n_rim=720, refine=True):
    """Bisection in log κ on 'some candidate of the disk ends spurious'.

    The bracket is first found by geometric search from `kappa_start` (×/÷ 4 until the answer
    changes), then bisected to relative width `rel_tol`.  Candidates: a dense rim and inner
    circles (`disk_candidates`).  After the bracket is found on that grid it is refined locally:
    the rim is re-sampled finely around the witnesses (±3 grid spacings, radii 1, 0.995, 0.98),
    and the bisection is redone with the union.  kappa_high is certified by an explicit witness;
    kappa_low holds for the candidates tried (a finite search) and assumes the outcome of each
    a₀ is monotone in κ (checked on the witness in tests/test_independent.py).  Undecided
    candidates at kappa_low are counted in `undecided_low` (they would make kappa_low unsafe).
    """
    pts = disk_candidates(k, r, n_rim=n_rim)

    def spur(pts, kap):
        res = _spurious_any(k, r, pts, kap, eta_factor, max_steps)
        return bool((res.outcome == SPURIOUS).any()), res

    def bisect(pts, lo, hi, rl, rh):
        while hi / lo > 1 + rel_tol:
            mid = math.sqrt(lo * hi)
            sm, rm = spur(pts, mid)
            if sm:
                hi, rh = mid, rm
            else:
                lo, rl = mid, rm
        return lo, hi, rl, rh

    kap = kappa_start
    s0, r0 = spur(pts, kap)
    if s0:
        hi, rh = kap, r0
        while True:
            kap /= 4
            if kap < 1e-6:
                raise RuntimeError("spurious at every kappa tried")
            s1, r1 = spur(pts, kap)
            if not s1:
                lo, rl = kap, r1
                break
            hi, rh = kap, r1
    else:
        lo, rl = kap, r0
        while True:
            kap *= 4
            if kap > 1e7:
                raise RuntimeError("no spurious up to kappa = 1e7")
            s1, r1 = spur(pts, kap)
            if s1:
                hi, rh = kap, r1
                break
            lo, rl = kap, r1
    lo, hi, rl, rh = bisect(pts, lo, hi, rl, rh)
    if refine:
        wi = np.flatnonzero(rh.outcome == SPURIOUS)
        R = math.sqrt(r / k)
        ang = np.arctan2(pts[wi, 1], pts[wi, 0])
        spacing = 2 * PI / n_rim
        fine = []
        for a0 in ang[:8]:
            th = a0 + np.linspace(-3 * spacing, 3 * spacing, 61)
            for rad in (1.0, 0.995, 0.98):
                fine.append(np.stack([rad * R * np.cos(th), rad * R * np.sin(th)], 1))
        pts = np.concatenate([pts, *fine])
        lo2 = lo / (1 + 4 * rel_tol) ** 2
        s_lo2, rl2 = spur(pts, lo2)
        _s_hi, rh2 = spur(pts, hi)
        if s_lo2:
            raise RuntimeError("refinement moved the threshold by more than the margin")
        lo, hi, rl, rh = bisect(pts, lo2, hi, rl2, rh2)
    w = int(np.flatnonzero(rh.outcome == SPURIOUS)[0])
    return Threshold(k, r, lo, hi, (float(pts[w, 0]), float(pts[w, 1])),
                     int(np.sum(rl.outcome == UNDECIDED)), int(pts.shape[0]))


def embed_plane_point(k, r, x, y, rng, kappa, dim=3, v0_norm=1.0):
    """A random full-dimensional teacher with invariants (k, r, κ) and the a₀ ∈ R^k whose plane
    coordinates are (x, y) (λ-units), plus a v₀ ⟂ w*: lets `gd_full` replay a plane-engine run."""
    t = make_teacher(k, r, kappa, dim, rng, v0_norm=v0_norm)
    c = np.linalg.norm(t.w_star)
    na = np.linalg.norm(t.a_star)
    ah = t.a_star / na
    sh = ah.sum()
    e = np.ones(k) - sh * ah
    e /= np.linalg.norm(e)
    # the plane engine takes ŝ = +√r.  The loss is invariant under (a, a*) → (−a, −a*) at fixed
    # w*, so for ŝ < 0 use â' = −â, ê' = ê, and a₀ = −λ(x â' + y ê) = λ(x â − y ê).
    lam = c * na
    a0 = lam * (x * ah + (y if sh >= 0 else -y) * e)
    v = rng.standard_normal(t.w_star.size)
    wh = t.w_star / c
    v -= (v @ wh) * wh
    v *= v0_norm / np.linalg.norm(v)
    return t, v[None, :], a0[None, :]


def project_to_plane(w_star, a_star, v0, a0):
    """Exact plane coordinates (x₀, y₀, φ₀, ‖ρ₀‖²) of full-dimensional initial points (λ-units),
    in the orientation `gd_plane` uses (ŝ = +√r; see `embed_plane_point` for the sign flip)."""
    w = np.asarray(w_star, float)
    astar = np.asarray(a_star, float)
    k = astar.size
    c = np.linalg.norm(w)
    na = np.linalg.norm(astar)
    lam = c * na
    ah = astar / na
    sh = ah.sum()
    e = np.ones(k) - sh * ah
    e /= np.linalg.norm(e)
    at = np.asarray(a0, float) / lam
    x = at @ ah
    y = (at @ e) * (1.0 if sh >= 0 else -1.0)
    rho2 = np.einsum("ij,ij->i", at, at) - (at @ ah) ** 2 - (at @ e) ** 2
    v = np.asarray(v0, float)
    vw = v @ (w / c)
    vp = np.linalg.norm(v - np.outer(vw, w / c), axis=1)
    phi = np.arctan2(vp, vw)
    return x, y, phi, np.maximum(rho2, 0.0)


def outcome_counts(w_star, a_star, n, rng, p=math.inf, v0_norm=1.0, eta=None, max_steps=20000,
                   engine="full", chunk=4000):
    """Outcome counts from the paper's initialization: `engine="full"` runs `gd_full`;
    `engine="plane"` draws the same full-dimensional initial points, projects them exactly
    (`project_to_plane`) and runs `gd_plane` (valid by the reduction in the module docstring)."""
    if engine == "full":
        return outcome_counts_full(w_star, a_star, n, rng, p=p, v0_norm=v0_norm, eta=eta,
                                   max_steps=max_steps, chunk=chunk)
    k = np.asarray(a_star).size
    c = float(np.linalg.norm(w_star))
    na = float(np.linalg.norm(a_star))
    s = float(np.sum(a_star))
    r = s * s / (na * na)
    kap = (c * na / v0_norm) ** 2
    et = default_eta(k, kap) if eta is None else eta
    tot = np.zeros(4, np.int64)
    rise = -np.inf
    done = 0
    while done < n:
        m = min(chunk, n - done)
        v0, a0 = sample_init(w_star, a_star, m, rng, p=p, v0_norm=v0_norm)
        x, y, phi, _ = project_to_plane(w_star, a_star, v0, a0)
        res = gd_plane(k, r, x, y, phi, kap, eta=et, max_steps=max_steps)
        tot += np.bincount(res.outcome, minlength=4)
        rise = max(rise, res.max_rise)
        done += m
    return {nm: int(tot[i]) for i, nm in enumerate(NAMES)}, rise
