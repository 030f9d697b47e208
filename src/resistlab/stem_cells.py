"""Cancer stem cells: self-renewal, a three-compartment hierarchy under therapy, side population.

A stem cell divides at rate :math:`\\lambda` and each division is a self-renewal (two stem
cells) with probability :math:`p`, otherwise a differentiation (two progenitors). The stem
compartment therefore grows at the net rate (:func:`stem_net_growth_rate`)

.. math:: r_S = (2p - 1)\\,\\lambda - \\delta,

with :math:`\\delta` the stem cells' death rate. The hierarchy (:func:`simulate_hierarchy`)
adds progenitors P, which divide with their own self-renewal probability and feed the
differentiated cells D, which do not divide and die:

.. math::

    \\dot S &= [(2p_S - 1)\\lambda_S - \\delta_S - k_S(t)]\\,S \\\\
    \\dot P &= 2(1 - p_S)\\lambda_S S + [(2p_P - 1)\\lambda_P - \\delta_P - k_P(t)]\\,P \\\\
    \\dot D &= 2(1 - p_P)\\lambda_P P - [\\delta_D + k_D(t)]\\,D

Therapy adds a kill rate :math:`k_X` to each compartment while it is on. The system is
linear, so it is solved exactly (matrix exponential) on each interval where the therapy is
constant: deterministic, no random draws.

Side-population gating (:func:`in_gate`, :func:`side_population_fraction`) classifies flow
events on the Hoechst 33342 blue/red plane with a polygon gate (Goodell et al. 1996).

Rates are per unit time (e.g. per day); cell numbers in any unit.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_result, as_scalar

__all__ = [
    "HierarchyResult",
    "in_gate",
    "side_population_fraction",
    "simulate_hierarchy",
    "stem_net_growth_rate",
    "time_to_relapse",
]


def stem_net_growth_rate(self_renewal_probability, division_rate, death_rate=0.0):
    """Net growth rate of the stem-cell compartment: :math:`(2p - 1)\\lambda - \\delta`.

    Each division makes two stem cells with probability :math:`p` (+1 stem cell) and two
    committed cells otherwise (−1 stem cell), so the expected change per division is
    :math:`2p - 1`.

    Parameters
    ----------
    self_renewal_probability : float or array_like
        Probability p that a division is a self-renewal, in [0, 1].
    division_rate : float or array_like
        Divisions per stem cell per unit time (>= 0).
    death_rate : float or array_like
        Death rate of stem cells (>= 0), e.g. the kill rate of a therapy.

    Returns
    -------
    float or numpy.ndarray
        Net growth rate (per unit time); positive means the compartment expands.

    Examples
    --------
    >>> stem_net_growth_rate(0.5, 1.0)
    0.0
    >>> round(stem_net_growth_rate(0.6, 0.5, 0.05), 10)
    0.05
    >>> stem_net_growth_rate([0.0, 1.0], 1.0)
    array([-1.,  1.])
    """
    p = as_array(self_renewal_probability, "self_renewal_probability", low=0, high=1)
    lam = as_array(division_rate, "division_rate", low=0)
    d = as_array(death_rate, "death_rate", low=0)
    try:
        p, lam, d = np.broadcast_arrays(p, lam, d)
    except ValueError:
        raise ValueError(
            "self_renewal_probability, division_rate and death_rate must be single numbers or "
            f"arrays of shapes that broadcast; got {np.shape(p)}, {np.shape(lam)}, "
            f"{np.shape(d)}."
        ) from None
    return as_result((2.0 * p - 1.0) * lam - d)


class HierarchyResult:
    """Compartment sizes of :func:`simulate_hierarchy` over time.

    Attributes
    ----------
    t : numpy.ndarray
        Times.
    stem, progenitor, differentiated : numpy.ndarray
        Cell numbers per compartment at each time.
    """

    def __init__(self, t, stem, progenitor, differentiated):
        self.t = t
        self.stem = stem
        self.progenitor = progenitor
        self.differentiated = differentiated

    @property
    def total(self) -> np.ndarray:
        """All cells."""
        return self.stem + self.progenitor + self.differentiated

    @property
    def stem_fraction(self) -> np.ndarray:
        """Stem cells as a fraction of all cells."""
        return self.stem / self.total

    def to_frame(self):
        """A pandas DataFrame with columns t, stem, progenitor, differentiated, total,
        stem_fraction."""
        import pandas as pd

        return pd.DataFrame(
            {
                "t": self.t,
                "stem": self.stem,
                "progenitor": self.progenitor,
                "differentiated": self.differentiated,
                "total": self.total,
                "stem_fraction": self.stem_fraction,
            }
        )

    def __repr__(self) -> str:
        return (
            f"HierarchyResult({self.t.size} times, t = {self.t[0]:g}..{self.t[-1]:g}, "
            f"final total {self.total[-1]:.4g}, final stem fraction "
            f"{self.stem_fraction[-1]:.3g})"
        )


def _matrix(p, lam, death, kill):
    ps, pp = p
    ls, lp = lam
    ds, dp, dd = death
    ks, kp, kd = kill
    return np.array(
        [
            [(2 * ps - 1) * ls - ds - ks, 0.0, 0.0],
            [2 * (1 - ps) * ls, (2 * pp - 1) * lp - dp - kp, 0.0],
            [0.0, 2 * (1 - pp) * lp, -dd - kd],
        ]
    )


def _phi(a, b):
    """First divided difference of exp at a, b: (e^b - e^a) / (b - a)."""
    d = b - a
    return np.exp(a) * (np.expm1(d) / d if d != 0 else 1.0)


def _expm_lower(m, fallback):
    """exp(m) for the hierarchy's lower-bidiagonal 3 x 3 matrix, in closed form.

    With diagonal a, c, f and sub-diagonal b, e: exp(m) has e^a, e^c, e^f on the diagonal,
    b φ(a, c) and e φ(c, f) below it and b e φ(a, c, f) in the corner (φ: divided
    differences of exp). Nearly equal diagonal entries, where the second divided difference
    loses precision, go to ``fallback`` (scipy's expm).
    """
    a, c, f = m[0, 0], m[1, 1], m[2, 2]
    if min(abs(a - c), abs(c - f), abs(a - f)) < 1e-4:
        return fallback(m)
    b, e = m[1, 0], m[2, 1]
    p_ac, p_cf = _phi(a, c), _phi(c, f)
    return np.array(
        [
            [np.exp(a), 0.0, 0.0],
            [b * p_ac, np.exp(c), 0.0],
            [b * e * (p_cf - p_ac) / (f - a), e * p_cf, np.exp(f)],
        ]
    )


def _triple(x, name, **kw):
    arr = as_array(x, name, ndim=1, **kw)
    if arr.size != 3:
        raise ValueError(
            f"{name} must give three values (stem, progenitor, differentiated); got {arr.size}."
        )
    return arr


def simulate_hierarchy(
    t,
    initial=(1.0, 10.0, 100.0),
    *,
    self_renewal=(0.6, 0.45),
    division_rate=(0.2, 0.8),
    death_rate=(0.0, 0.0, 0.3),
    kill=(0.0, 0.0, 0.0),
    therapy=(0.0, np.inf),
) -> HierarchyResult:
    """Stem → progenitor → differentiated hierarchy, with therapy that kills each compartment.

    Solves the linear ODE of the module docstring exactly with a matrix exponential on each
    interval where therapy is constant (on during ``therapy = (start, stop)``).

    Parameters
    ----------
    t : array_like
        Output times, 1-D, increasing, >= 0 (the simulation starts at t = 0).
    initial : sequence of 3 floats
        Stem, progenitor and differentiated cells at t = 0 (>= 0).
    self_renewal : sequence of 2 floats
        Self-renewal probabilities of stem and progenitor cells, in [0, 1].
    division_rate : sequence of 2 floats
        Division rates of stem and progenitor cells (>= 0).
    death_rate : sequence of 3 floats
        Natural death rates of the three compartments (>= 0).
    kill : sequence of 3 floats
        Extra death rate caused by therapy in each compartment while it is on (>= 0).
        Conventional cytotoxic therapy kills dividing progenitors and differentiated bulk
        cells but spares quiescent stem cells; a stem-targeting agent adds to ``kill[0]``.
    therapy : (start, stop)
        Time interval during which ``kill`` applies (``stop`` may be ``inf``).

    Returns
    -------
    HierarchyResult

    Examples
    --------
    Without therapy and with p_S = 0.5 the stem compartment is constant:

    >>> res = simulate_hierarchy([0.0, 10.0], initial=(5.0, 0.0, 0.0),
    ...                          self_renewal=(0.5, 0.4))
    >>> float(res.stem[-1])
    5.0
    >>> res = simulate_hierarchy([0.0, 30.0], kill=(0.0, 1.0, 1.0), therapy=(0.0, 30.0))
    >>> bool(res.stem_fraction[-1] > 10 * res.stem_fraction[0])
    True
    """
    from scipy.linalg import expm

    times = as_array(t, "t", low=0, ndim=1)
    if np.any(np.diff(times) < 0):
        raise ValueError("t must be increasing (sorted output times).")
    x0 = _triple(initial, "initial", low=0)
    p = as_array(self_renewal, "self_renewal", low=0, high=1, ndim=1)
    lam = as_array(division_rate, "division_rate", low=0, ndim=1)
    if p.size != 2 or lam.size != 2:
        raise ValueError(
            "self_renewal and division_rate must give two values (stem, progenitor); got "
            f"{p.size} and {lam.size}."
        )
    death = _triple(death_rate, "death_rate", low=0)
    k = _triple(kill, "kill", low=0)
    start, stop = therapy
    start = as_scalar(start, "therapy start", low=0)
    stop = float(stop)
    if not stop >= start:
        raise ValueError(f"therapy must be (start, stop) with stop >= start; got {therapy}.")
    a_off = _matrix(p, lam, death, (0.0, 0.0, 0.0))
    a_on = _matrix(p, lam, death, k)

    def on(time):
        return start <= time < stop

    breaks = sorted({0.0, *[b for b in (start, stop) if np.isfinite(b)]})
    out = np.empty((times.size, 3))
    state, now = x0.copy(), 0.0
    cache = {}

    def step(x, t0, t1):
        # advance x from t0 to t1 through the therapy switches in between
        for b in [*(b for b in breaks if t0 < b < t1), t1]:
            dt = b - t0
            if dt > 0:
                a = a_on if on(t0) else a_off
                key = (id(a), round(dt, 9))  # equal steps share one propagator
                if key not in cache:
                    cache[key] = _expm_lower(a * dt, expm)
                x = cache[key] @ x
            t0 = b
        return x

    for i, ti in enumerate(times):
        state = step(state, now, float(ti))
        now = float(ti)
        out[i] = state
    out = np.maximum(out, 0.0)
    return HierarchyResult(times, out[:, 0], out[:, 1], out[:, 2])


def time_to_relapse(t, total, threshold, *, after=0.0):
    """First time after ``after`` at which ``total`` climbs back to ``threshold``.

    The tumour must first be below the threshold (a response); relapse is the first later
    time point at or above it, refined by linear interpolation in log(total) between the two
    bracketing samples.

    Parameters
    ----------
    t : array_like
        Times, 1-D, increasing.
    total : array_like
        Tumour size at each time (> 0), same shape.
    threshold : float
        Size that defines relapse (> 0), e.g. the size at the start of therapy.
    after : float
        Ignore times before this (e.g. the start of therapy).

    Returns
    -------
    float
        Time of relapse, or ``inf`` when the tumour never responds or never regrows.

    Examples
    --------
    >>> time_to_relapse([0, 1, 2, 3], [10.0, 1.0, 10.0, 100.0], 10.0, after=0.5)
    2.0
    >>> time_to_relapse([0, 1, 2], [10.0, 1.0, 0.5], 10.0)
    inf
    """
    tt = as_array(t, "t", ndim=1)
    y = as_array(total, "total", low=0, low_inclusive=False, ndim=1)
    if tt.shape != y.shape:
        raise ValueError(f"t and total must have the same shape; got {tt.shape} and {y.shape}.")
    thr = as_scalar(threshold, "threshold", low=0, low_inclusive=False)
    after = as_scalar(after, "after")
    idx = np.flatnonzero(tt >= after)
    below = idx[y[idx] < thr]
    if below.size == 0:
        return float("inf")
    first_below = below[0]
    later = np.flatnonzero((np.arange(tt.size) > first_below) & (y >= thr))
    if later.size == 0:
        return float("inf")
    j = later[0]
    i = j - 1
    ly0, ly1 = np.log(y[i]), np.log(y[j])
    frac = 1.0 if ly1 == ly0 else (np.log(thr) - ly0) / (ly1 - ly0)
    return float(tt[i] + frac * (tt[j] - tt[i]))


def in_gate(x, y, polygon):
    """Whether each event (x, y) lies inside a polygon gate (even–odd ray casting).

    Parameters
    ----------
    x, y : array_like
        Event coordinates (e.g. Hoechst red and Hoechst blue intensities), same shape.
    polygon : array_like, shape (n, 2)
        Gate vertices in order (n >= 3); the polygon is closed automatically.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> in_gate([0.5, 2.0], [0.5, 0.5], [(0, 0), (1, 0), (1, 1), (0, 1)])
    array([ True, False])
    """
    xs = as_array(x, "x")
    ys = as_array(y, "y")
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same shape; got {xs.shape} and {ys.shape}.")
    poly = as_array(polygon, "polygon", ndim=2)
    if poly.shape[1] != 2 or poly.shape[0] < 3:
        raise ValueError(
            f"polygon must be an (n, 2) array of n >= 3 vertices; got shape {poly.shape}."
        )
    inside = np.zeros(xs.shape, dtype=bool)
    vx, vy = poly[:, 0], poly[:, 1]
    n = len(vx)
    for i in range(n):
        x1, y1, x2, y2 = vx[i], vy[i], vx[(i + 1) % n], vy[(i + 1) % n]
        crosses = (y1 > ys) != (y2 > ys)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x1 + (ys - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (xs < x_cross)
    return inside


def side_population_fraction(x, y, polygon):
    """Fraction of events inside the side-population gate.

    Parameters
    ----------
    x, y, polygon
        As in :func:`in_gate`.

    Returns
    -------
    float

    Examples
    --------
    >>> side_population_fraction([0.5, 2.0, 0.2, 3.0], [0.5, 0.5, 0.1, 3.0],
    ...                          [(0, 0), (1, 0), (1, 1), (0, 1)])
    0.5
    """
    return float(np.mean(in_gate(x, y, polygon)))
