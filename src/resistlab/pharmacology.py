"""Dose–response pharmacology: the Hill curve, its fit, IC50/AUC, and GR metrics.

How much drug does it take to stop a tumour cell line? This module holds the
models every later assignment measures resistance with:

* :func:`hill` — the Hill / four-parameter log-logistic (4PL) curve,
  :math:`E(d) = E_0 + (E_{max} - E_0)\\,d^h/(EC_{50}^h + d^h)`;
* :func:`fit_hill` — a least-squares 4PL fit (``e0`` and/or ``emax`` may be
  fixed) returning a :class:`HillFit` with :meth:`~HillFit.ic50` (relative or
  absolute) and :meth:`~HillFit.auc`;
* :func:`gr_values` and :func:`fit_gr` — growth-rate inhibition (GR) values
  and the GR curve with GR50, GRmax and GR_AOC (Hafner et al. 2016), which do
  not depend on how fast the untreated cells divide;
* :func:`resistance_index` — the fold change of IC50 (or GR50) between a
  resistant line and its parental line.

Doses may be in any unit (µM throughout the course); every concentration a
function returns (EC50, IC50, GEC50, GR50) is in the unit of the doses given.

References
----------
Hafner M, Niepel M, Chung M, Sorger PK (2016). Growth rate inhibition metrics
correct for confounders in measuring sensitivity to cancer drugs. *Nat Methods*
13:521–527.

Ritz C, Baty F, Streibig JC, Gerhard D (2015). Dose-response analysis using R.
*PLoS ONE* 10:e0146021.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_scalar, check_choice, check_same_shape

__all__ = [
    "FitError",
    "GRFit",
    "HillFit",
    "fit_gr",
    "fit_hill",
    "gr_values",
    "hill",
    "resistance_index",
]

_LN10 = math.log(10.0)

# Search ranges of the Hill fit: EC50 within three decades beyond the tested doses,
# Hill slope between 0.1 (almost flat) and 20 (almost a step).
_EC50_SPAN = 1e3
_H_BOUNDS = (0.1, 20.0)

# Bounds of the GR fit, as in the GRmetrics reference implementation (domain facts A2.3).
_GR_EC50_SPAN = 1e2
_GR_H_BOUNDS = (0.1, 5.0)
_GR_INF_BOUNDS = (-1.0, 1.0)


class FitError(RuntimeError):
    """A curve fit failed: it did not converge or the data cannot determine the curve.

    The message says what went wrong and what to try (fix a plateau, add doses
    around the transition, check the units of the doses).
    """


def _logistic(z):
    """1 / (1 + exp(-z)), evaluated without overflow warnings."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _occupancy(dose, ec50, h):
    """d^h / (EC50^h + d^h) computed as a logistic in log dose; exactly 0 at d = 0."""
    dose = np.asarray(dose, dtype=float)
    out = np.zeros_like(dose)
    positive = dose > 0
    out[positive] = _logistic(h * (np.log(dose[positive]) - math.log(ec50)))
    return out


def _log10_softplus(r):
    """log10(1 + 10**r), stable for large |r|."""
    return np.logaddexp(0.0, np.asarray(r, dtype=float) * _LN10) / _LN10


def _area_fraction(ec50, h, dose_min, dose_max):
    """Mean of d^h/(EC50^h + d^h) over log10 dose in [dose_min, dose_max] (closed form)."""
    r_min = h * (math.log10(dose_min) - math.log10(ec50))
    r_max = h * (math.log10(dose_max) - math.log10(ec50))
    span = math.log10(dose_max) - math.log10(dose_min)
    return float((_log10_softplus(r_max) - _log10_softplus(r_min)) / h / span)


def _as_result(values, scalar_input: bool):
    return float(values) if scalar_input else values


def hill(dose, e0, emax, ec50, h):
    """Hill (four-parameter log-logistic) dose–response curve.

    .. math::

        E(d) = E_0 + (E_{max} - E_0)\\,\\frac{d^h}{EC_{50}^h + d^h}

    Parameters
    ----------
    dose : float or array_like
        Drug concentration(s), >= 0, in the unit of ``ec50`` (µM in the course).
    e0 : float
        Response without drug (``E(0)``), e.g. 1 for relative viability.
    emax : float
        Response at saturating dose (``E(∞)``); below ``e0`` for a falling
        (inhibitory) curve, above it for a rising one.
    ec50 : float
        Dose giving the half-way response ``(e0 + emax) / 2``, > 0.
    h : float
        Hill slope (steepness), > 0.

    Returns
    -------
    float or numpy.ndarray
        The response, with the shape of ``dose`` (a float for a scalar dose).

    Raises
    ------
    ValueError
        If a dose is negative or not finite, or ``ec50``/``h`` is not positive.

    Examples
    --------
    >>> hill(0.0, e0=1.0, emax=0.1, ec50=2.0, h=1.0)
    1.0
    >>> hill(2.0, e0=1.0, emax=0.1, ec50=2.0, h=1.0)  # the midpoint at EC50
    0.55
    >>> hill([1.0, 4.0], e0=0.0, emax=100.0, ec50=2.0, h=2.0).round(6)
    array([20., 80.])
    """
    d = as_array(dose, "dose", low=0)
    e0 = as_scalar(e0, "e0")
    emax = as_scalar(emax, "emax")
    ec50 = as_scalar(ec50, "ec50", low=0, low_inclusive=False)
    h = as_scalar(h, "h (Hill slope)", low=0, low_inclusive=False)
    values = e0 + (emax - e0) * _occupancy(d, ec50, h)
    return _as_result(values, d.ndim == 0)


@dataclass(frozen=True)
class HillFit:
    """A fitted Hill curve, as returned by :func:`fit_hill`.

    Attributes
    ----------
    e0, emax : float
        Fitted (or fixed) response at zero and at saturating dose.
    ec50 : float
        Dose of the half-way response (the relative IC50), unit of the doses.
    h : float
        Hill slope.
    n : int
        Number of observations fitted.
    residual_se : float
        Residual standard error, sqrt(SSE / (n − number of free parameters));
        NaN when there are no residual degrees of freedom.
    dose_min, dose_max : float
        Lowest and highest positive dose fitted (the default :meth:`auc` range).
    """

    e0: float
    emax: float
    ec50: float
    h: float
    n: int
    residual_se: float
    dose_min: float
    dose_max: float

    def predict(self, dose):
        """The fitted response at ``dose`` (see :func:`hill`).

        Examples
        --------
        >>> fit = HillFit(1.0, 0.0, 2.0, 1.0, n=9, residual_se=0.0, dose_min=0.1, dose_max=10.0)
        >>> fit.predict(2.0)
        0.5
        """
        return hill(dose, self.e0, self.emax, self.ec50, self.h)

    def ic50(self, kind: str = "relative") -> float:
        """Dose of 50% effect, relative or absolute.

        * ``"relative"``: the EC50 of the fitted curve — the dose half-way
          between its own plateaus ``e0`` and ``emax``.
        * ``"absolute"``: the dose where the fitted response falls to half of
          the control, ``0.5·e0`` (50% viability when ``e0`` is the control):

          .. math:: IC_{50}^{abs} = EC_{50}\\left(\\frac{f}{1-f}\\right)^{1/h},
                    \\quad f = \\frac{0.5\\,e_0}{e_0 - e_{max}}

          It is ``math.inf`` when the curve never gets that low
          (``emax >= 0.5·e0``, or a rising curve): the drug never halves
          the response, whatever the dose.

        Raises
        ------
        ValueError
            For an unknown ``kind``, or ``kind="absolute"`` with ``e0 <= 0``
            (half of the control is then undefined).

        Examples
        --------
        >>> fit = HillFit(1.0, 0.0, 2.0, 1.0, n=9, residual_se=0.0, dose_min=0.1, dose_max=10.0)
        >>> fit.ic50(), fit.ic50("absolute")
        (2.0, 2.0)
        >>> shallow = HillFit(1.0, 0.2, 2.0, 1.0, n=9, residual_se=0.0, dose_min=0.1,
        ...                   dose_max=10.0)
        >>> round(shallow.ic50("absolute"), 6)
        3.333333
        >>> HillFit(1.0, 0.6, 2.0, 1.0, n=9, residual_se=0.0, dose_min=0.1, dose_max=10.0).ic50(
        ...     "absolute")
        inf
        """
        check_choice(kind, "kind", ("relative", "absolute"))
        if kind == "relative":
            return float(self.ec50)
        if self.e0 <= 0:
            raise ValueError(
                f"an absolute IC50 needs a positive control response e0 (half of it is the "
                f"target); this fit has e0 = {self.e0:g}. Use kind='relative', or fit data "
                "normalised to the control (e0 = 1)."
            )
        drop = self.e0 - self.emax
        if drop <= 0:
            return math.inf
        f = 0.5 * self.e0 / drop
        if f >= 1.0:
            return math.inf
        return float(self.ec50 * (f / (1.0 - f)) ** (1.0 / self.h))

    def auc(self, dose_min: float | None = None, dose_max: float | None = None) -> float:
        """Normalised area under the curve over a log10 dose range.

        .. math::

            AUC = \\frac{1}{\\log_{10} d_{max} - \\log_{10} d_{min}}
                  \\int_{\\log_{10} d_{min}}^{\\log_{10} d_{max}}
                  \\frac{E(d)}{e_0}\\,\\mathrm{d}\\log_{10} d

        i.e. the mean response, as a fraction of the control, over the dose
        range on a log scale (computed in closed form). For viability it lies
        between 0 and 1: 1 means no effect anywhere in the range, smaller
        means more sensitive. It is the AUC of GRmetrics (trapezoids of the
        mean relative count over log10 dose, divided by the log10 range),
        taken here from the fitted curve; thunor's activity area equals
        (1 − AUC) times the width of the log10 range.

        Parameters
        ----------
        dose_min, dose_max : float, optional
            The range, > 0; defaults to the lowest and highest positive
            dose fitted. Compare lines over the same range.

        Raises
        ------
        ValueError
            If ``e0 <= 0`` or the range is not ``0 < dose_min < dose_max``.

        Examples
        --------
        >>> fit = HillFit(1.0, 0.0, 1.0, 1.0, n=9, residual_se=0.0, dose_min=0.01, dose_max=100.0)
        >>> round(fit.auc(), 6)  # symmetric range around EC50: half-way
        0.5
        """
        if self.e0 <= 0:
            raise ValueError(
                f"the AUC is normalised to the control response e0, which must be > 0; "
                f"this fit has e0 = {self.e0:g}."
            )
        lo = (
            self.dose_min
            if dose_min is None
            else as_scalar(dose_min, "dose_min", low=0, low_inclusive=False)
        )
        hi = (
            self.dose_max
            if dose_max is None
            else as_scalar(dose_max, "dose_max", low=0, low_inclusive=False)
        )
        if not lo < hi:
            raise ValueError(f"dose_min must be below dose_max; got {lo:g} and {hi:g}.")
        frac = _area_fraction(self.ec50, self.h, lo, hi)
        return float((self.e0 + (self.emax - self.e0) * frac) / self.e0)


def _group_means(dose, y):
    levels = np.unique(dose)
    means = np.array([y[dose == level].mean() for level in levels])
    return levels, means


def _midpoint_dose(levels, means, top, bottom):
    """Where the group means cross (top + bottom)/2, interpolated in log dose."""
    positive = levels > 0
    levels, means = levels[positive], means[positive]
    target = 0.5 * (top + bottom)
    above = (means - target) * np.sign(top - bottom) > 0
    for i in range(len(levels) - 1):
        if above[i] and not above[i + 1]:
            x0, x1 = math.log(levels[i]), math.log(levels[i + 1])
            y0, y1 = means[i], means[i + 1]
            t = 0.5 if y1 == y0 else (target - y0) / (y1 - y0)
            return math.exp(x0 + t * (x1 - x0))
    return float(np.exp(np.median(np.log(levels))))


def _check_dose_response(dose, response, *, n_free: int, what: str, low=None):
    d = as_array(dose, "dose", low=0, ndim=1)
    y = as_array(response, what, ndim=1, low=low)
    check_same_shape(dose=d, **{what: y})
    if d.size < n_free:
        raise ValueError(
            f"fitting {n_free} free parameters needs at least {n_free} observations; got {d.size}."
        )
    positive = np.unique(d[d > 0])
    if positive.size < 2:
        raise ValueError(
            f"the doses must include at least 2 distinct positive values to locate a curve; "
            f"got {positive.size} ({', '.join(f'{x:g}' for x in positive) or 'none'})."
        )
    levels = np.unique(d).size
    if levels < n_free:
        raise ValueError(
            f"fitting {n_free} free parameters needs at least {n_free} distinct doses; got "
            f"{levels}. Add dose levels, or fix a plateau (e.g. e0=1 for normalised viability)."
        )
    if np.ptp(y) == 0:
        raise FitError(
            f"the {what} is the same ({y[0]:g}) at every dose, so there is no curve to fit; "
            "check that the right column was passed."
        )
    return d, y, positive


def fit_hill(dose, response, *, e0=None, emax=None) -> HillFit:
    """Fit the Hill (4PL) curve to dose–response data by least squares.

    Minimises :math:`\\sum_i (y_i - E(d_i))^2` over ``e0``, ``emax``, ``ec50``
    and ``h`` (see :func:`hill`); ``e0`` and/or ``emax`` can be fixed, e.g.
    ``e0=1`` for viability normalised to the control. As in drc, thunor and
    the ``synergy`` package the optimiser works in log EC50 and log h, with
    doses rescaled by their geometric median, and uses the analytic
    Jacobian. It is started from several data-derived guesses (plateaus from
    the lowest and highest dose, EC50 where the responses cross their
    midpoint, h = 1 and 3) and keeps the best. Falling and rising curves are
    both handled; dose 0 (controls) is allowed.

    Parameters
    ----------
    dose : array_like, 1-D
        Doses, >= 0 (one per observation; replicates repeat the dose).
    response : array_like, 1-D
        Observed responses, same length as ``dose``.
    e0, emax : float, optional
        Fix this plateau instead of fitting it.

    Returns
    -------
    HillFit

    Raises
    ------
    ValueError
        Bad input: shapes differ, negative or non-finite values, fewer
        observations or distinct doses than free parameters, fewer than 2
        distinct positive doses.
    FitError
        The optimiser did not converge, the response does not change with
        dose, or the fit ran to the edge of its search range (EC50 more than
        1000-fold outside the tested doses, Hill slope outside 0.1–20): the
        data do not pin the curve down. Try fixing ``e0``/``emax`` or adding
        doses around the transition.

    Examples
    --------
    >>> import numpy as np
    >>> dose = np.array([0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30])
    >>> fit = fit_hill(dose, hill(dose, e0=1.0, emax=0.1, ec50=0.5, h=1.5))
    >>> round(fit.ec50, 4), round(fit.h, 4), round(fit.emax, 4)
    (0.5, 1.5, 0.1)
    >>> fit_hill(dose, hill(dose, 1.0, 0.1, 0.5, 1.5), e0=1.0).e0
    1.0
    """
    from scipy.optimize import least_squares

    fix_e0 = None if e0 is None else as_scalar(e0, "e0")
    fix_emax = None if emax is None else as_scalar(emax, "emax")
    n_free = 2 + (fix_e0 is None) + (fix_emax is None)
    d, y, positive = _check_dose_response(dose, response, n_free=n_free, what="response")

    scale = float(np.exp(np.median(np.log(d[d > 0]))))
    x = d / scale
    pos = x > 0
    log_x = np.zeros_like(x)
    log_x[pos] = np.log(x[pos])
    t_lo = math.log(positive[0] / scale / _EC50_SPAN)
    t_hi = math.log(positive[-1] / scale * _EC50_SPAN)
    u_lo, u_hi = math.log(_H_BOUNDS[0]), math.log(_H_BOUNDS[1])

    def unpack(theta):
        i = 0
        if fix_e0 is None:
            top, i = theta[0], 1
        else:
            top = fix_e0
        if fix_emax is None:
            bottom, i = theta[i], i + 1
        else:
            bottom = fix_emax
        return top, bottom, theta[i], theta[i + 1]

    def occupancy(t, u):
        h = math.exp(u)
        z = np.zeros_like(x)
        z[pos] = h * (log_x[pos] - t)
        frac = np.zeros_like(x)
        frac[pos] = _logistic(z[pos])
        return frac, z, h

    def residuals(theta):
        top, bottom, t, u = unpack(theta)
        frac, _, _ = occupancy(t, u)
        return top + (bottom - top) * frac - y

    def jacobian(theta):
        top, bottom, t, u = unpack(theta)
        frac, z, h = occupancy(t, u)
        slope = (bottom - top) * frac * (1.0 - frac)
        cols = []
        if fix_e0 is None:
            cols.append(1.0 - frac)
        if fix_emax is None:
            cols.append(frac)
        cols.append(-h * slope)
        cols.append(z * slope)
        return np.column_stack(cols)

    levels, means = _group_means(d, y)
    top0 = means[0] if fix_e0 is None else fix_e0
    bottom0 = means[-1] if fix_emax is None else fix_emax
    if top0 == bottom0:
        bottom0 = top0 - np.ptp(y) if means[-1] <= means[0] else top0 + np.ptp(y)
    mid = _midpoint_dose(levels, means, top0, bottom0)
    t_starts = {float(np.clip(math.log(mid / scale), t_lo, t_hi)), 0.0}
    u_starts = (0.0, math.log(3.0))
    lower = [-np.inf] * (n_free - 2) + [t_lo, u_lo]
    upper = [np.inf] * (n_free - 2) + [t_hi, u_hi]
    plateaus = [v for v, fixed in ((top0, fix_e0), (bottom0, fix_emax)) if fixed is None]

    best, last = None, None
    for t0 in sorted(t_starts):
        for u0 in u_starts:
            start = np.array([*plateaus, t0, u0], dtype=float)
            last = least_squares(
                residuals,
                start,
                jac=jacobian,
                bounds=(lower, upper),
                method="trf",
                x_scale="jac",
                xtol=1e-12,
                ftol=1e-12,
                gtol=1e-12,
                max_nfev=2000,
            )
            ok = last.success and np.all(np.isfinite(last.x))
            if ok and (best is None or last.cost < best.cost):
                best = last
    if best is None:
        raise FitError(
            "the least-squares fit of the Hill curve did not converge from any starting point "
            f"(optimiser: {last.message}). The data may not determine all "
            f"{n_free} parameters: check that the response changes with dose over several "
            "doses, or fix a plateau (e.g. e0=1 for normalised viability, emax=0 if the drug "
            "kills every cell)."
        )
    top, bottom, t, u = unpack(best.x)
    ec50 = scale * math.exp(t)
    h = math.exp(u)
    tol = 1e-3  # in log units: within 0.1% of a bound
    if t - t_lo < tol or t_hi - t < tol:
        raise FitError(
            f"the fitted EC50 ran to the edge of its search range ({ec50:.3g}, "
            f"{_EC50_SPAN:g}-fold outside the tested doses {positive[0]:g}–{positive[-1]:g}): "
            "the data do not show where the curve turns. Test doses around the transition, or "
            "fix the plateau the data never reach (e.g. emax=0 for viability)."
        )
    if u - u_lo < tol or u_hi - u < tol:
        raise FitError(
            f"the fitted Hill slope ran to the edge of its range ({h:.3g}; allowed "
            f"{_H_BOUNDS[0]:g}–{_H_BOUNDS[1]:g}): the data look flat or like a step between two "
            "doses. Add doses around the transition, or fix e0/emax."
        )
    dof = d.size - n_free
    sse = float(np.sum(residuals(best.x) ** 2))
    rse = math.sqrt(sse / dof) if dof > 0 else math.nan
    return HillFit(
        e0=float(top),
        emax=float(bottom),
        ec50=float(ec50),
        h=float(h),
        n=int(d.size),
        residual_se=rse,
        dose_min=float(positive[0]),
        dose_max=float(positive[-1]),
    )


def gr_values(x_treated, x_control, x_t0):
    """Growth-rate inhibition (GR) values from cell counts (Hafner et al. 2016).

    .. math::

        GR(c) = 2^{\\,\\log_2(x(c)/x_0)\\,/\\,\\log_2(x_{ctrl}/x_0)} - 1

    where :math:`x(c)` is the count after treatment at concentration c,
    :math:`x_{ctrl}` the untreated count at the same time and :math:`x_0` the
    count when the drug was added. GR is the treated growth rate as a
    fraction of the untreated one, mapped so that 1 = no effect, 0 = full
    cytostasis (no net growth) and < 0 = cell killing (down to −1). Unlike
    relative viability :math:`x(c)/x_{ctrl}` it does not depend on how many
    divisions the control went through during the assay.

    Parameters
    ----------
    x_treated, x_control, x_t0 : float or array_like
        Counts (or any signal proportional to cell number), all > 0;
        broadcast against each other.

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    ValueError
        If a count is not positive and finite, or the control did not grow
        (``x_control <= x_t0``): GR is then undefined.

    Examples
    --------
    >>> gr_values(400.0, 800.0, 100.0)  # 2 of the control's 3 doublings
    0.5874010519681994
    >>> gr_values([100.0, 800.0, 50.0], 800.0, 100.0).round(4)
    array([ 0.    ,  1.    , -0.2063])
    """
    x = as_array(x_treated, "x_treated (treated count)", unit="cells", low=0, low_inclusive=False)
    xc = as_array(x_control, "x_control (control count)", unit="cells", low=0, low_inclusive=False)
    x0 = as_array(x_t0, "x_t0 (time-zero count)", unit="cells", low=0, low_inclusive=False)
    try:
        x, xc, x0 = np.broadcast_arrays(x, xc, x0)
    except ValueError:
        raise ValueError(
            "x_treated, x_control and x_t0 must broadcast to one shape; got shapes "
            f"{np.shape(x)}, {np.shape(xc)} and {np.shape(x0)}."
        ) from None
    growth = np.log2(xc / x0)
    if np.any(growth <= 0):
        pos = int(np.flatnonzero((growth <= 0).ravel())[0])
        raise ValueError(
            "the control did not grow (x_control <= x_t0, e.g. "
            f"{xc.ravel()[pos]:g} <= {x0.ravel()[pos]:g} at position {pos}); GR needs untreated "
            "cells that divided during the assay. Check the time-zero counts."
        )
    values = np.exp2(np.log2(x / x0) / growth) - 1.0
    return _as_result(values, values.ndim == 0)


def _gr_curve(dose, gec50, grinf, h):
    return grinf + (1.0 - grinf) * (1.0 - _occupancy(dose, gec50, h))


@dataclass(frozen=True)
class GRFit:
    """A fitted GR curve, as returned by :func:`fit_gr`.

    .. math:: GR(c) = GR_{inf} + \\frac{1 - GR_{inf}}{1 + (c/GEC_{50})^{h}}

    Attributes
    ----------
    gec50 : float
        Concentration of the half-maximal GR effect (midpoint between 1 and
        ``grinf``), unit of the doses.
    grinf : float
        GR at infinite concentration (the fitted lower plateau).
    h : float
        Hill slope of the GR curve.
    n : int
        Number of observations fitted.
    residual_se : float
        sqrt(SSE / (n − 3)); NaN when n = 3.
    dose_min, dose_max : float
        Lowest and highest positive concentration fitted.
    """

    gec50: float
    grinf: float
    h: float
    n: int
    residual_se: float
    dose_min: float
    dose_max: float

    def predict(self, dose):
        """The fitted GR value at ``dose`` (>= 0); 1 at dose 0.

        Examples
        --------
        >>> fit = GRFit(1.0, -0.2, 1.0, n=9, residual_se=0.0, dose_min=0.01, dose_max=10.0)
        >>> round(fit.predict(1.0), 12), fit.predict(0.0)
        (0.4, 1.0)
        """
        d = as_array(dose, "dose", low=0)
        return _as_result(_gr_curve(d, self.gec50, self.grinf, self.h), d.ndim == 0)

    @property
    def gr50(self) -> float:
        """Concentration at which GR = 0.5; ``math.inf`` if the curve never gets there.

        .. math:: GR_{50} = GEC_{50}\\left(\\frac{1 - GR_{inf}}{0.5 - GR_{inf}} - 1\\right)^{1/h}

        Examples
        --------
        >>> GRFit(1.0, 0.0, 1.0, n=9, residual_se=0.0, dose_min=0.01, dose_max=10.0).gr50
        1.0
        >>> GRFit(1.0, 0.6, 1.0, n=9, residual_se=0.0, dose_min=0.01, dose_max=10.0).gr50
        inf
        """
        if self.grinf >= 0.5:
            return math.inf
        ratio = (1.0 - self.grinf) / (0.5 - self.grinf) - 1.0
        return float(self.gec50 * ratio ** (1.0 / self.h))

    @property
    def grmax(self) -> float:
        """GR of the fitted curve at the highest tested concentration.

        This is the strongest effect actually tested (GRmetrics instead takes
        the lower of the mean observed GR at the two highest concentrations;
        the two agree on well-fitted data). Compare ``grinf``, the plateau the
        curve would reach at infinite dose.

        Examples
        --------
        >>> round(GRFit(1.0, -0.5, 1.0, n=9, residual_se=0.0, dose_min=0.1, dose_max=1.0).grmax, 6)
        0.25
        """
        return float(_gr_curve(np.array(self.dose_max), self.gec50, self.grinf, self.h))

    @property
    def gr_aoc(self) -> float:
        """Area over the GR curve over the tested log10 range, per decade.

        .. math::

            GR_{AOC} = \\frac{1}{\\log_{10} c_{max} - \\log_{10} c_{min}}
                       \\int_{\\log_{10} c_{min}}^{\\log_{10} c_{max}}
                       \\big(1 - GR(c)\\big)\\,\\mathrm{d}\\log_{10} c

        computed in closed form from the fitted curve (GRmetrics sums
        trapezoids of the observed means over the same range, domain facts
        A2.3). 0 = no effect; larger = stronger; it combines potency and
        efficacy in one number.

        Examples
        --------
        >>> fit = GRFit(1.0, 0.0, 1.0, n=9, residual_se=0.0, dose_min=0.01, dose_max=100.0)
        >>> round(fit.gr_aoc, 6)
        0.5
        """
        frac = _area_fraction(self.gec50, self.h, self.dose_min, self.dose_max)
        return float((1.0 - self.grinf) * frac)


def fit_gr(dose, gr) -> GRFit:
    """Fit the three-parameter GR curve (Hafner et al. 2016) by bounded least squares.

    .. math:: GR(c) = GR_{inf} + \\frac{1 - GR_{inf}}{1 + (c/GEC_{50})^{h}}

    The curve starts at GR = 1 without drug; ``grinf``, ``gec50`` and ``h``
    are fitted within the GRmetrics bounds: ``grinf`` in [−1, 1], ``h`` in
    [0.1, 5], ``gec50`` from 1/100 of the lowest to 100 times the highest
    positive concentration. The fit works in log GEC50 and log h and is
    started from the GRmetrics guess (h = 2, GRinf = 0.1, GEC50 = median
    concentration) and from a data-derived one; the better fit is kept. A
    value at a bound is a legitimate result here (e.g. h = 5 for a step).

    Parameters
    ----------
    dose : array_like, 1-D
        Concentrations, >= 0 (0 = untreated, GR = 1 by definition).
    gr : array_like, 1-D
        GR values (:func:`gr_values`), >= −1, same length as ``dose``.

    Returns
    -------
    GRFit

    Raises
    ------
    ValueError
        Bad input (shapes, values below −1, fewer than 3 observations or 3
        distinct concentrations, fewer than 2 positive concentrations).
    FitError
        The optimiser did not converge, or GR is the same everywhere.

    Examples
    --------
    >>> import numpy as np
    >>> c = 10.0 ** np.arange(-3, 1.5, 0.5)
    >>> truth = GRFit(0.3, -0.2, 1.5, n=9, residual_se=0.0, dose_min=c[0], dose_max=c[-1])
    >>> fit = fit_gr(c, truth.predict(c))
    >>> round(fit.gec50, 4), round(fit.grinf, 4), round(fit.h, 4)
    (0.3, -0.2, 1.5)
    >>> round(fit.gr50, 4)
    0.2397
    """
    from scipy.optimize import least_squares

    d, y, positive = _check_dose_response(dose, gr, n_free=3, what="gr", low=-1)
    scale = float(np.exp(np.median(np.log(d[d > 0]))))
    x = d / scale
    pos = x > 0
    log_x = np.zeros_like(x)
    log_x[pos] = np.log(x[pos])
    t_lo = math.log(positive[0] / scale / _GR_EC50_SPAN)
    t_hi = math.log(positive[-1] / scale * _GR_EC50_SPAN)
    lower = [_GR_INF_BOUNDS[0], t_lo, math.log(_GR_H_BOUNDS[0])]
    upper = [_GR_INF_BOUNDS[1], t_hi, math.log(_GR_H_BOUNDS[1])]

    def parts(theta):
        grinf, t, u = theta
        h = math.exp(u)
        z = np.zeros_like(x)
        z[pos] = h * (log_x[pos] - t)
        frac = np.zeros_like(x)
        frac[pos] = _logistic(z[pos])
        return grinf, frac, z, h

    def residuals(theta):
        grinf, frac, _, _ = parts(theta)
        return grinf + (1.0 - grinf) * (1.0 - frac) - y

    def jacobian(theta):
        grinf, frac, z, h = parts(theta)
        slope = -(1.0 - grinf) * frac * (1.0 - frac)
        return np.column_stack([frac, -h * slope, z * slope])

    levels, means = _group_means(d, y)
    floor = float(np.clip(means[-1], -0.99, 0.99))
    mid = _midpoint_dose(levels, means, 1.0, floor)
    starts = [
        (0.1, 0.0, math.log(2.0)),  # the GRmetrics default start
        (floor, float(np.clip(math.log(mid / scale), t_lo, t_hi)), 0.0),
    ]
    best = None
    for start in starts:
        res = least_squares(
            residuals,
            np.array(start, dtype=float),
            jac=jacobian,
            bounds=(lower, upper),
            method="trf",
            x_scale="jac",
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
            max_nfev=2000,
        )
        if res.success and np.all(np.isfinite(res.x)) and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise FitError(
            "the least-squares fit of the GR curve did not converge. Check that the GR values "
            "change with concentration and were computed from counts at the same time point."
        )
    grinf, t, u = best.x
    dof = d.size - 3
    sse = float(np.sum(residuals(best.x) ** 2))
    return GRFit(
        gec50=float(scale * math.exp(t)),
        grinf=float(grinf),
        h=float(math.exp(u)),
        n=int(d.size),
        residual_se=math.sqrt(sse / dof) if dof > 0 else math.nan,
        dose_min=float(positive[0]),
        dose_max=float(positive[-1]),
    )


def resistance_index(resistant, parental):
    """Resistance index: fold change of IC50 (or GR50), resistant over parental.

    .. math:: RI = \\frac{IC_{50}^{resistant}}{IC_{50}^{parental}}

    RI > 1 means the line needs more drug for the same effect. Pass the same
    kind of value for both lines (both relative IC50, both absolute IC50 or
    both GR50) in the same unit.

    Parameters
    ----------
    resistant, parental : float or array_like
        Positive concentrations (IC50, absolute IC50 or GR50) of the two
        lines; broadcast against each other. ``inf`` is allowed: it is what
        ``ic50("absolute")`` or ``gr50`` return for a curve that never reaches
        the 50% level, and it gives RI = inf (resistant line) or RI = 0
        (parental line). Report such an RI as "greater than" the highest dose
        ratio, not as a number.

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    ValueError
        If a value is not positive, is NaN or -inf, or if both values are
        infinite (the ratio is undefined).

    Examples
    --------
    >>> resistance_index(2.4, 0.3)
    8.0
    >>> resistance_index([0.6, 3.0], 0.3).round(6)
    array([ 2., 10.])
    >>> resistance_index(float("inf"), 0.3)
    inf
    """
    values = []
    for value, role in ((resistant, "resistant"), (parental, "parental")):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(
                f"the {role} line's value must be a number or an array of numbers (an IC50 or "
                f"GR50); got {type(value).__name__}."
            ) from None
        flat = arr.ravel()
        bad = np.isnan(flat) | (flat <= 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            where = "" if arr.ndim == 0 else f" at position {pos}"
            raise ValueError(
                f"the {role} line's IC50 (or GR50) must be > 0 (inf is allowed: never reached); "
                f"got {flat[pos]:g}{where}."
            )
        values.append(arr)
    r, p = values
    try:
        both = np.isinf(r) & np.isinf(p)
    except ValueError:
        raise ValueError(
            "the resistant and parental values must broadcast to one shape; got shapes "
            f"{r.shape} and {p.shape}."
        ) from None
    if np.any(both):
        raise ValueError(
            "both lines have an infinite IC50 (or GR50): neither reaches the 50% level, so "
            "their ratio is undefined. Compare another metric (AUC, GR_AOC, Emax)."
        )
    ratio = r / p
    return _as_result(ratio, np.ndim(ratio) == 0)
