"""Oxygen and drug transport in tumour tissue: penetration depth, the Krogh cylinder, hypoxia.

Oxygen leaves a capillary at partial pressure :math:`p_c` and diffuses into tissue that
consumes it at a constant (zero-order) rate :math:`M`. With diffusivity :math:`D` and
solubility :math:`\\alpha` (so that :math:`D\\alpha` is Krogh's diffusion constant), the
steady state obeys :math:`D\\alpha\\,\\nabla^2 p = M`.

- In a slab fed from one face the tension falls as a parabola and reaches zero at the
  penetration depth :math:`L = \\sqrt{2D\\alpha p_0/M}` (:func:`oxygen_penetration_depth`).
- Around one capillary of radius :math:`r_c` that feeds a cylinder of tissue of radius
  :math:`R` (no flux at :math:`R`, the Krogh cylinder) the tension is
  :func:`krogh_profile`, and the share of the cylinder's cross-section below a hypoxic
  threshold is :func:`hypoxic_fraction`.
- A drug that diffuses with :math:`D` and is bound or metabolised with first-order rate
  constant :math:`k` falls off as :math:`e^{-x/\\lambda}` with the penetration length
  :math:`\\lambda = \\sqrt{D/k}` (:func:`penetration_length`,
  :func:`drug_concentration_profile`).

Lengths, times, pressures and amounts may be in any consistent units (for example µm, s and
mmHg, with :math:`\\alpha` in (ml O₂/ml tissue)/mmHg and :math:`M` in ml O₂/(ml tissue·s)).
Every function broadcasts its arguments like NumPy and returns a float for scalar input.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_array, as_result, broadcast

__all__ = [
    "drug_concentration_profile",
    "hypoxic_fraction",
    "krogh_profile",
    "oxygen_penetration_depth",
    "penetration_length",
]


def _positive(x, name):
    return as_array(x, name, low=0, low_inclusive=False)


def _geometry(r_capillary, r_tissue):
    rc = _positive(r_capillary, "r_capillary")
    big_r = _positive(r_tissue, "r_tissue")
    rc_b, big_r_b = broadcast(r_capillary=rc, r_tissue=big_r)
    if np.any(big_r_b <= rc_b):
        raise ValueError(
            "r_tissue must be larger than r_capillary (the tissue cylinder surrounds the "
            f"capillary); got r_capillary {np.ravel(rc_b)[0]:g} and r_tissue "
            f"{np.ravel(big_r_b)[np.argmax(np.ravel(big_r_b <= rc_b))]:g}."
        )
    return rc, big_r


def oxygen_penetration_depth(p0, diffusivity, solubility, consumption):
    """Depth at which oxygen runs out in a slab of tissue fed from one face.

    With zero-order consumption :math:`M` and :math:`D\\alpha\\,p'' = M`, :math:`p(0) = p_0`
    and no flux where the tension reaches zero, the profile is the parabola
    :math:`p(x) = p_0 (1 - x/L)^2` with

    .. math:: L = \\sqrt{\\frac{2\\,D\\,\\alpha\\,p_0}{M}}.

    Parameters
    ----------
    p0 : float or array_like
        Oxygen tension at the vessel wall (>= 0), e.g. mmHg.
    diffusivity : float or array_like
        Oxygen diffusion coefficient D in tissue (> 0), e.g. µm²/s.
    solubility : float or array_like
        Oxygen solubility α in tissue (> 0), amount per volume per unit pressure.
    consumption : float or array_like
        Oxygen consumption rate M (> 0), amount per volume per time.

    Returns
    -------
    float or numpy.ndarray
        Penetration depth, in the length unit of ``diffusivity``.

    Examples
    --------
    D = 1750 µm²/s, α = 2.4e-5 (ml O₂/ml)/mmHg, M = 4e-4 ml O₂/(ml·s) and 40 mmHg:

    >>> round(oxygen_penetration_depth(40.0, 1750.0, 2.4e-5, 4e-4), 2)
    91.65
    >>> oxygen_penetration_depth([0.0, 2.0], 1.0, 1.0, 1.0)
    array([0., 2.])
    """
    p = as_array(p0, "p0", low=0)
    d = _positive(diffusivity, "diffusivity")
    a = _positive(solubility, "solubility")
    m = _positive(consumption, "consumption")
    p, d, a, m = broadcast(p0=p, diffusivity=d, solubility=a, consumption=m)
    return as_result(np.sqrt(2.0 * d * a * p / m))


def _krogh(r, pc, rc, big_r, m, k):
    """The Krogh formula on already checked, broadcast arrays (k = D·alpha)."""
    return pc + m / (4.0 * k) * (r * r - rc * rc) - m * big_r * big_r / (2.0 * k) * np.log(r / rc)


def _krogh_float(r, pc, rc, big_r, m, k):
    """:func:`_krogh` for Python floats (the explorer's hot path)."""
    return (
        pc + m / (4.0 * k) * (r * r - rc * rc) - m * big_r * big_r / (2.0 * k) * math.log(r / rc)
    )


def krogh_profile(r, p_capillary, r_capillary, r_tissue, consumption, diffusivity, solubility):
    """Oxygen tension at radius r in a Krogh cylinder around one capillary.

    Solving :math:`D\\alpha\\,\\frac{1}{r}\\frac{d}{dr}\\left(r\\frac{dp}{dr}\\right) = M` with
    :math:`p(r_c) = p_c` and no flux at the cylinder's edge, :math:`dp/dr = 0` at
    :math:`r = R`, gives (Krogh 1919)

    .. math::

        p(r) = p_c + \\frac{M}{4D\\alpha}\\,(r^2 - r_c^2)
               - \\frac{M R^2}{2D\\alpha}\\,\\ln\\frac{r}{r_c}.

    The tension falls monotonically from :math:`p_c` at the capillary wall to its minimum at
    :math:`R`. Where the formula goes below zero the tissue would be anoxic and the
    zero-order model no longer holds there; the value is returned as computed (not clipped),
    so a negative number flags an anoxic core.

    Parameters
    ----------
    r : float or array_like
        Radial distance from the capillary's axis, between ``r_capillary`` and ``r_tissue``.
    p_capillary : float or array_like
        Oxygen tension at the capillary wall (>= 0).
    r_capillary : float or array_like
        Capillary radius r_c (> 0).
    r_tissue : float or array_like
        Radius R of the tissue cylinder the capillary supplies (> r_c); half the
        intercapillary distance.
    consumption : float or array_like
        Oxygen consumption rate M (>= 0).
    diffusivity : float or array_like
        Oxygen diffusion coefficient D (> 0).
    solubility : float or array_like
        Oxygen solubility α (> 0).

    Returns
    -------
    float or numpy.ndarray
        Oxygen tension p(r), in the pressure unit of ``p_capillary``.

    Raises
    ------
    ValueError
        If a radius lies outside [r_c, R], r_tissue <= r_capillary, a rate or constant is
        not positive, or the shapes do not broadcast.

    Examples
    --------
    >>> krogh_profile(5.0, 40.0, 5.0, 50.0, 4e-4, 1750.0, 2.4e-5)
    40.0
    >>> round(krogh_profile(50.0, 40.0, 5.0, 50.0, 4e-4, 1750.0, 2.4e-5), 3)
    18.481
    """
    rr = as_array(r, "r", low=0, low_inclusive=False)
    pc = as_array(p_capillary, "p_capillary", low=0)
    rc, big_r = _geometry(r_capillary, r_tissue)
    m = as_array(consumption, "consumption", low=0)
    d = _positive(diffusivity, "diffusivity")
    a = _positive(solubility, "solubility")
    rr, pc, rc, big_r, m, d, a = broadcast(
        r=rr, p_capillary=pc, r_capillary=rc, r_tissue=big_r, consumption=m, diffusivity=d,
        solubility=a,
    )  # fmt: skip
    tol = 1e-9 * big_r
    outside = (rr < rc - tol) | (rr > big_r + tol)
    if outside.any():
        pos = int(np.flatnonzero(outside.ravel())[0])
        raise ValueError(
            f"r must lie between r_capillary and r_tissue (the tissue cylinder); got r "
            f"{rr.ravel()[pos]:g} with r_capillary {rc.ravel()[pos]:g} and r_tissue "
            f"{big_r.ravel()[pos]:g}."
        )
    return as_result(_krogh(rr, pc, rc, big_r, m, d * a))


def hypoxic_fraction(
    p_capillary, r_capillary, r_tissue, consumption, diffusivity, solubility, threshold
):
    """Fraction of a Krogh cylinder's cross-section where the oxygen tension is below a threshold.

    The Krogh profile falls monotonically from :math:`p_c` at :math:`r_c` to its minimum at
    :math:`R`, so the hypoxic tissue is the outer ring :math:`r^* < r \\le R`, where
    :math:`p(r^*)` equals the threshold. Its share of the tissue annulus
    :math:`r_c \\ldots R` is

    .. math:: HF = \\frac{R^2 - r^{*2}}{R^2 - r_c^2}.

    :math:`HF = 0` when :math:`p(R) \\ge` threshold (no hypoxia) and :math:`HF = 1` when the
    capillary itself is below the threshold. :math:`r^*` is found by bisection on
    :math:`\\ln r` to machine precision, element by element.

    Parameters
    ----------
    p_capillary, r_capillary, r_tissue, consumption, diffusivity, solubility : float or array_like
        As in :func:`krogh_profile`.
    threshold : float or array_like
        Hypoxic threshold tension (>= 0), same unit as ``p_capillary`` (e.g. 5 or 10 mmHg).

    Returns
    -------
    float or numpy.ndarray
        Hypoxic fraction in [0, 1].

    Examples
    --------
    >>> round(hypoxic_fraction(40.0, 5.0, 100.0, 4e-4, 1750.0, 2.4e-5, 5.0), 4)
    0.9915
    >>> hypoxic_fraction(40.0, 5.0, 20.0, 4e-4, 1750.0, 2.4e-5, 5.0)
    0.0
    >>> hypoxic_fraction(3.0, 5.0, 20.0, 4e-4, 1750.0, 2.4e-5, 5.0)
    1.0
    """
    pc = as_array(p_capillary, "p_capillary", low=0)
    rc, big_r = _geometry(r_capillary, r_tissue)
    m = as_array(consumption, "consumption", low=0)
    d = _positive(diffusivity, "diffusivity")
    a = _positive(solubility, "solubility")
    thr = as_array(threshold, "threshold", low=0)
    pc, rc, big_r, m, d, a, thr = broadcast(
        p_capillary=pc, r_capillary=rc, r_tissue=big_r, consumption=m, diffusivity=d,
        solubility=a, threshold=thr,
    )  # fmt: skip
    k = d * a
    p_edge = _krogh(big_r, pc, rc, big_r, m, k)
    # bisection on log r: p decreases on [rc, R], so keep p(lo) >= thr > p(hi)
    if pc.ndim == 0:  # plain floats: the same bisection without array overhead
        args = [float(v) for v in (pc, rc, big_r, m, k)]
        lo_f, hi_f, t_f = math.log(args[1]), math.log(args[2]), float(thr)
        for _ in range(64):
            mid_f = 0.5 * (lo_f + hi_f)
            if _krogh_float(math.exp(mid_f), *args) >= t_f:
                lo_f = mid_f
            else:
                hi_f = mid_f
        lo, hi = np.float64(lo_f), np.float64(hi_f)
    else:
        lo, hi = np.log(rc), np.log(big_r)
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            above = _krogh(np.exp(mid), pc, rc, big_r, m, k) >= thr
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
    r_star = np.exp(0.5 * (lo + hi))
    frac = (big_r**2 - r_star**2) / (big_r**2 - rc**2)
    frac = np.where(p_edge >= thr, 0.0, np.where(pc < thr, 1.0, frac))
    return as_result(np.clip(frac, 0.0, 1.0))


def penetration_length(diffusivity, rate_constant):
    """Characteristic distance a drug travels from a vessel before it is bound or consumed.

    Steady reaction–diffusion with first-order loss, :math:`D\\,C'' = kC`, gives
    :math:`C(x) = C_0 e^{-x/\\lambda}` with

    .. math:: \\lambda = \\sqrt{D/k}.

    Parameters
    ----------
    diffusivity : float or array_like
        Drug diffusion coefficient in tissue (> 0), e.g. µm²/s.
    rate_constant : float or array_like
        First-order rate of binding, uptake or metabolism (> 0), e.g. 1/s.

    Returns
    -------
    float or numpy.ndarray
        Penetration length, in the length unit of ``diffusivity``.

    Examples
    --------
    >>> penetration_length(100.0, 0.01)
    100.0
    >>> penetration_length([4.0, 16.0], 1.0)
    array([2., 4.])
    """
    d = _positive(diffusivity, "diffusivity")
    k = _positive(rate_constant, "rate_constant")
    d, k = broadcast(diffusivity=d, rate_constant=k)
    return as_result(np.sqrt(d / k))


def drug_concentration_profile(x, c0, diffusivity, rate_constant):
    """Steady drug concentration at distance x from a vessel: :math:`C_0 e^{-x/\\lambda}`.

    The semi-infinite slab solution of :math:`D\\,C'' = kC` with :math:`C(0) = C_0` and
    :math:`\\lambda = \\sqrt{D/k}` (:func:`penetration_length`).

    Parameters
    ----------
    x : float or array_like
        Distance from the vessel wall (>= 0).
    c0 : float or array_like
        Concentration at the vessel wall (>= 0).
    diffusivity, rate_constant : float or array_like
        As in :func:`penetration_length`.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(drug_concentration_profile(100.0, 1.0, 100.0, 0.01), 6)
    0.367879
    """
    xx = as_array(x, "x", low=0)
    c = as_array(c0, "c0", low=0)
    lam = penetration_length(diffusivity, rate_constant)
    xx, c, lam = broadcast(x=xx, c0=c, penetration_length=np.asarray(lam))
    return as_result(c * np.exp(-xx / lam))
