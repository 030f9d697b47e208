"""DNA damage and repair: the clonogenic assay, the linear-quadratic model, adduct repair.

**Clonogenic assay** (Franken et al. 2006). Untreated cells seeded at low density form
colonies (>= 50 cells) with the plating efficiency :math:`PE = n_{colonies}/n_{seeded}`;
the surviving fraction of a treated dish corrects for it,
:math:`SF = n_{colonies}/(n_{seeded}\\,PE)`.

**Linear-quadratic model.** :math:`SF(D) = \\exp(-\\alpha D - \\beta D^2)`;
:func:`fit_lq` fits :math:`\\alpha, \\beta` to measured surviving fractions and returns the
dose for any surviving fraction (``dose_for(0.5)`` is D50).

**Adduct formation and repair.** During an exposure of length :math:`\\tau` to a drug at
concentration :math:`C` (cisplatin, say) adducts form at rate :math:`k_f C` and are removed
first order by repair (nucleotide excision repair, whose rate-limiting incision needs
ERCC1–XPF) at rate :math:`k_r`:

.. math:: \\frac{dA}{dt} = k_f\\,C\\,[t < \\tau] - k_r\\,A.

If every adduct-hour carries the same risk of a lethal event, survival is
:math:`\\exp(-\\gamma \\int_0^\\infty A\\,dt) = \\exp(-\\gamma k_f C \\tau / k_r)`, so the
concentration that kills half the cells, :math:`\\ln 2\\,k_r/(\\gamma k_f \\tau)`, is
proportional to the repair rate. This is a teaching model, not a fitted one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_result, broadcast, check_same_shape

__all__ = [
    "LQFit",
    "adduct_area",
    "adduct_survival",
    "adducts",
    "dose_for_half_kill",
    "fit_lq",
    "lq_survival",
    "plating_efficiency",
    "surviving_fraction",
]


def plating_efficiency(colonies, cells_seeded):
    """Plating efficiency of untreated cells, ``PE = colonies / cells_seeded``.

    Parameters
    ----------
    colonies : float or array_like
        Colonies counted (>= 0; a colony is >= 50 cells).
    cells_seeded : float or array_like
        Cells seeded (> 0), at least as many as the colonies.

    Returns
    -------
    float or numpy.ndarray
        PE in [0, 1].

    Examples
    --------
    >>> plating_efficiency(60, 200)
    0.3
    >>> plating_efficiency([60, 90], 200)
    array([0.3 , 0.45])
    """
    n = as_array(colonies, "colonies", unit="colonies", low=0)
    s = as_array(cells_seeded, "cells_seeded", unit="cells", low=0, low_inclusive=False)
    n, s = broadcast(colonies=n, cells_seeded=s)
    if np.any(n > s):
        raise ValueError("colonies cannot exceed cells_seeded (each colony comes from one cell).")
    return as_result(n / s)


def surviving_fraction(colonies, cells_seeded, plating_efficiency):
    """Surviving fraction of treated cells, ``SF = colonies / (cells_seeded * PE)``.

    Parameters
    ----------
    colonies : float or array_like
        Colonies counted on the treated dish (>= 0).
    cells_seeded : float or array_like
        Cells seeded on that dish (> 0).
    plating_efficiency : float or array_like
        PE of the untreated cells (in (0, 1]).

    Returns
    -------
    float or numpy.ndarray
        SF (>= 0; can exceed 1 by counting noise).

    Examples
    --------
    >>> surviving_fraction(30, 1000, 0.3)
    0.1
    >>> surviving_fraction([60, 6], [200, 2000], 0.3)
    array([1.  , 0.01])
    """
    n = as_array(colonies, "colonies", unit="colonies", low=0)
    s = as_array(cells_seeded, "cells_seeded", unit="cells", low=0, low_inclusive=False)
    pe = as_array(plating_efficiency, "plating_efficiency", low=0, high=1, low_inclusive=False)
    n, s, pe = broadcast(colonies=n, cells_seeded=s, plating_efficiency=pe)
    return as_result(n / (s * pe))


def lq_survival(dose, alpha, beta):
    """Linear-quadratic surviving fraction, ``exp(-alpha * D - beta * D**2)``.

    Parameters
    ----------
    dose : float or array_like
        Dose D (>= 0), e.g. Gy or µM·h.
    alpha : float or array_like
        Linear coefficient (>= 0), per dose unit.
    beta : float or array_like
        Quadratic coefficient (>= 0), per dose unit squared.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(lq_survival(2.0, 0.3, 0.03), 6)
    0.486752
    >>> lq_survival([0.0, 1.0], 1.0, 0.0)
    array([1.        , 0.36787944])
    """
    d = as_array(dose, "dose", low=0)
    a = as_array(alpha, "alpha", low=0)
    b = as_array(beta, "beta", low=0)
    d, a, b = broadcast(dose=d, alpha=a, beta=b)
    return as_result(np.exp(-a * d - b * d * d))


@dataclass(frozen=True)
class LQFit:
    """A linear-quadratic fit: ``alpha``, ``beta`` and the dose for any surviving fraction.

    Attributes
    ----------
    alpha, beta : float
        Fitted coefficients (>= 0).
    rmse_log : float
        Root-mean-square residual of ln SF.
    """

    alpha: float
    beta: float
    rmse_log: float

    @property
    def alpha_beta_ratio(self) -> float:
        """alpha / beta (dose units); ``inf`` when beta is 0."""
        return self.alpha / self.beta if self.beta > 0 else float("inf")

    def dose_for(self, sf):
        """Dose giving surviving fraction ``sf`` (0 < sf <= 1): the positive root of
        ``beta D^2 + alpha D + ln(sf) = 0``. ``dose_for(0.5)`` is D50.

        Examples
        --------
        >>> round(LQFit(0.3, 0.03, 0.0).dose_for(0.5), 4)
        1.9358
        """
        s = as_array(sf, "sf", low=0, high=1, low_inclusive=False)
        if self.alpha == 0 and self.beta == 0:
            raise ValueError("alpha and beta are both 0: no dose reduces survival.")
        c = -np.log(s)
        if self.beta == 0:
            d = c / self.alpha
        else:
            d = 2 * c / (self.alpha + np.sqrt(self.alpha**2 + 4 * self.beta * c))
        return as_result(d)


def fit_lq(dose, surviving_fraction):
    """Fit the linear-quadratic model to surviving fractions, with alpha, beta >= 0.

    Minimises the squared residuals of :math:`\\ln SF = -\\alpha D - \\beta D^2`
    (a linear least-squares problem without intercept, since SF(0) = 1) under
    :math:`\\alpha, \\beta \\ge 0` (``scipy.optimize.nnls``).

    Parameters
    ----------
    dose : array_like
        Doses (>= 0), 1-D, at least two distinct positive doses.
    surviving_fraction : array_like
        Surviving fractions (> 0), same shape.

    Returns
    -------
    LQFit

    Examples
    --------
    >>> d = [0, 1, 2, 4, 6]
    >>> fit = fit_lq(d, lq_survival(d, 0.3, 0.03))
    >>> round(fit.alpha, 6), round(fit.beta, 6), round(fit.dose_for(0.5), 4)
    (0.3, 0.03, 1.9358)
    """
    from scipy.optimize import nnls

    d = as_array(dose, "dose", low=0, ndim=1)
    sf = as_array(surviving_fraction, "surviving_fraction", low=0, low_inclusive=False, ndim=1)
    check_same_shape(dose=d, surviving_fraction=sf)
    if np.unique(d[d > 0]).size < 2:
        raise ValueError("fit_lq needs surviving fractions at two or more distinct doses > 0.")
    design = np.column_stack([d, d * d])
    (alpha, beta), _ = nnls(design, -np.log(sf))
    resid = np.log(sf) + alpha * d + beta * d * d
    return LQFit(float(alpha), float(beta), float(np.sqrt(np.mean(resid**2))))


def adducts(t_h, dose_uM, formation_rate, repair_rate, exposure_h):
    """Adducts per cell (arbitrary units) at time t during and after a drug exposure.

    .. math::

        A(t) = \\frac{k_f C}{k_r}(1 - e^{-k_r t}) \\quad (t \\le \\tau), \\qquad
        A(t) = A(\\tau)\\,e^{-k_r (t - \\tau)} \\quad (t > \\tau)

    Parameters
    ----------
    t_h : float or array_like
        Time since the start of exposure, h (>= 0).
    dose_uM : float or array_like
        Drug concentration during the exposure, µM (>= 0).
    formation_rate : float
        k_f, adducts per µM per h (> 0).
    repair_rate : float or array_like
        k_r, 1/h (> 0), proportional to the repair capacity (ERCC1 level).
    exposure_h : float
        Exposure length tau, h (> 0).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(adducts(1.0, 10.0, 1.0, 0.5, 1.0), 4)
    7.8694
    >>> round(adducts(3.0, 10.0, 1.0, 0.5, 1.0), 4)
    2.895
    """
    t = as_array(t_h, "t_h", unit="h", low=0)
    c = as_array(dose_uM, "dose_uM", unit="uM", low=0)
    kf = as_array(formation_rate, "formation_rate", low=0, low_inclusive=False)
    kr = as_array(repair_rate, "repair_rate", unit="1/h", low=0, low_inclusive=False)
    tau = as_array(exposure_h, "exposure_h", unit="h", low=0, low_inclusive=False)
    t, c, kf, kr, tau = broadcast(t_h=t, dose_uM=c, formation_rate=kf, repair_rate=kr,
                                   exposure_h=tau)  # fmt: skip
    plateau = kf * c / kr
    during = plateau * -np.expm1(-kr * np.minimum(t, tau))
    return as_result(during * np.exp(-kr * np.maximum(t - tau, 0.0)))


def adduct_area(dose_uM, formation_rate, repair_rate, exposure_h):
    """Total adduct exposure, the area under A(t) from 0 to infinity: ``k_f C tau / k_r``.

    Every adduct formed persists on average ``1/k_r`` hours, so the area is the number formed
    (``k_f C tau``) times that mean lifetime.

    Examples
    --------
    >>> adduct_area(10.0, 1.0, 0.5, 1.0)
    20.0
    """
    c = as_array(dose_uM, "dose_uM", unit="uM", low=0)
    kf = as_array(formation_rate, "formation_rate", low=0, low_inclusive=False)
    kr = as_array(repair_rate, "repair_rate", unit="1/h", low=0, low_inclusive=False)
    tau = as_array(exposure_h, "exposure_h", unit="h", low=0, low_inclusive=False)
    c, kf, kr, tau = broadcast(dose_uM=c, formation_rate=kf, repair_rate=kr, exposure_h=tau)
    return as_result(kf * c * tau / kr)


def adduct_survival(dose_uM, formation_rate, repair_rate, exposure_h, lethality):
    """Surviving fraction ``exp(-lethality * adduct_area)`` after one exposure.

    Examples
    --------
    >>> round(adduct_survival(10.0, 1.0, 0.5, 1.0, 0.05), 6)
    0.367879
    """
    g = as_array(lethality, "lethality", low=0)
    area = np.asarray(adduct_area(dose_uM, formation_rate, repair_rate, exposure_h))
    area, g = broadcast(adduct_area=area, lethality=g)
    return as_result(np.exp(-g * area))


def dose_for_half_kill(formation_rate, repair_rate, exposure_h, lethality):
    """Concentration killing half the cells: ``ln 2 * k_r / (lethality * k_f * tau)``.

    Proportional to the repair rate: a cell that repairs adducts twice as fast (e.g. twice
    the ERCC1) needs twice the drug.

    Examples
    --------
    >>> round(dose_for_half_kill(1.0, 0.5, 1.0, 0.05), 4)
    6.9315
    >>> round(dose_for_half_kill(1.0, 1.0, 1.0, 0.05) / dose_for_half_kill(1.0, 0.5, 1.0, 0.05), 6)
    2.0
    """
    kf = as_array(formation_rate, "formation_rate", low=0, low_inclusive=False)
    kr = as_array(repair_rate, "repair_rate", unit="1/h", low=0, low_inclusive=False)
    tau = as_array(exposure_h, "exposure_h", unit="h", low=0, low_inclusive=False)
    g = as_array(lethality, "lethality", low=0, low_inclusive=False)
    kf, kr, tau, g = broadcast(formation_rate=kf, repair_rate=kr, exposure_h=tau, lethality=g)
    return as_result(np.log(2.0) * kr / (g * kf * tau))
