"""Pharmacokinetics of an intravenous bolus: one- and two-compartment models and their fits.

Conventions: time in hours, dose in mg (or mg/m²), volumes in L (or L/m²), clearance in L/h
(or L/h/m²), so concentrations come out in mg/L (= µg/mL) and AUC in mg·h/L. Any consistent
set of units works; the functions never convert.

* one compartment: :math:`C(t) = \\frac{D}{V} e^{-(CL/V)\\,t}`, :math:`t_{1/2} = \\ln 2\\,V/CL`,
  :math:`AUC_{0-\\infty} = D/CL`;
* two compartments (central V1, peripheral V2, inter-compartmental clearance Q):
  :math:`C(t) = A e^{-\\alpha t} + B e^{-\\beta t}` with :math:`k_{10} = CL/V_1`,
  :math:`k_{12} = Q/V_1`, :math:`k_{21} = Q/V_2` (Gibaldi and Perrier, *Pharmacokinetics*);
* tumour exposure through the EPR effect as one linear tumour compartment fed from plasma.

The fitters (:func:`fit_one_compartment`, :func:`fit_two_compartment`) minimise squared
residuals of the **log** concentrations (``scipy.optimize.least_squares``): assay errors are
roughly proportional to the concentration, and on a linear scale the first samples would
dominate and the terminal phase — the one that sets the half-life — would be ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_scalar, broadcast, check_same_shape

__all__ = [
    "OneCompartmentFit",
    "TwoCompartmentFit",
    "auc_iv",
    "auc_trapezoid",
    "fit_one_compartment",
    "fit_two_compartment",
    "half_life",
    "one_compartment",
    "tumour_auc",
    "two_compartment",
    "two_compartment_exponents",
]

LN2 = math.log(2.0)


def _positive(x, name, unit):
    return as_array(x, name, unit=unit, low=0.0, low_inclusive=False)


def one_compartment(t, dose, volume, clearance):
    """Plasma concentration after an IV bolus into one well-mixed compartment.

    .. math:: C(t) = \\frac{D}{V}\\, e^{-k t}, \\qquad k = CL / V

    Parameters
    ----------
    t : array_like
        Time after the bolus (h), >= 0.
    dose : array_like
        Dose (mg), >= 0.
    volume : array_like
        Volume of distribution (L), > 0.
    clearance : array_like
        Clearance (L/h), > 0.

    Returns
    -------
    numpy.ndarray
        Concentration (mg/L); the arguments broadcast like NumPy arrays.

    Examples
    --------
    >>> float(one_compartment(0.0, dose=100.0, volume=10.0, clearance=1.0))
    10.0
    >>> round(float(one_compartment(10 * math.log(2), 100.0, 10.0, 1.0)), 6)
    5.0
    """
    t = as_array(t, "t", unit="h", low=0.0)
    dose = as_array(dose, "dose", unit="mg", low=0.0)
    volume = _positive(volume, "volume", "L")
    clearance = _positive(clearance, "clearance", "L/h")
    broadcast(t=t, dose=dose, volume=volume, clearance=clearance)
    return dose / volume * np.exp(-clearance / volume * t)


def half_life(volume, clearance):
    """Elimination half-life of the one-compartment model, :math:`t_{1/2} = \\ln 2\\, V / CL`.

    Examples
    --------
    >>> round(float(half_life(volume=10.0, clearance=1.0)), 4)
    6.9315
    """
    return LN2 * _positive(volume, "volume", "L") / _positive(clearance, "clearance", "L/h")


def auc_iv(dose, clearance):
    """Area under the concentration curve from 0 to infinity after an IV dose, :math:`D/CL`.

    It holds for any linear model with elimination from the central compartment (one or two
    compartments alike).

    Examples
    --------
    >>> float(auc_iv(dose=50.0, clearance=0.1))
    500.0
    """
    dose = as_array(dose, "dose", unit="mg", low=0.0)
    return dose / _positive(clearance, "clearance", "L/h")


def two_compartment_exponents(v1, clearance, v2, q):
    """Hybrid rate constants (alpha > beta) of the two-compartment model.

    alpha and beta are the roots of :math:`s^2 - (k_{10} + k_{12} + k_{21}) s + k_{10}k_{21}`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(alpha, beta)`` in 1/h.

    Examples
    --------
    >>> a, b = two_compartment_exponents(v1=10.0, clearance=1.0, v2=20.0, q=2.0)
    >>> round(float(a * b), 6)  # = k10 * k21
    0.01
    """
    v1 = _positive(v1, "v1", "L")
    clearance = _positive(clearance, "clearance", "L/h")
    v2 = _positive(v2, "v2", "L")
    q = _positive(q, "q", "L/h")
    broadcast(v1=v1, clearance=clearance, v2=v2, q=q)
    k10, k12, k21 = clearance / v1, q / v1, q / v2
    total, product = k10 + k12 + k21, k10 * k21
    root = np.sqrt(total**2 - 4.0 * product)
    alpha = (total + root) / 2.0
    beta = product / alpha  # avoids the cancellation of (total - root) / 2
    return alpha, beta


def two_compartment(t, dose, v1, clearance, v2, q):
    """Plasma concentration after an IV bolus into a two-compartment model.

    .. math::

        C(t) = A e^{-\\alpha t} + B e^{-\\beta t}, \\quad
        A = \\frac{D}{V_1}\\frac{\\alpha - k_{21}}{\\alpha - \\beta}, \\quad
        B = \\frac{D}{V_1}\\frac{k_{21} - \\beta}{\\alpha - \\beta}

    with :math:`k_{10} = CL/V_1`, :math:`k_{12} = Q/V_1`, :math:`k_{21} = Q/V_2`.

    Parameters
    ----------
    t : array_like
        Time after the bolus (h), >= 0.
    dose : array_like
        Dose (mg), >= 0.
    v1, v2 : array_like
        Central and peripheral volumes (L), > 0.
    clearance, q : array_like
        Elimination clearance from the central compartment and inter-compartmental
        clearance (L/h), > 0.

    Returns
    -------
    numpy.ndarray
        Central (plasma) concentration (mg/L), broadcast over the arguments.

    Examples
    --------
    >>> float(two_compartment(0.0, dose=100.0, v1=10.0, clearance=1.0, v2=20.0, q=2.0))
    10.0
    """
    t = as_array(t, "t", unit="h", low=0.0)
    dose = as_array(dose, "dose", unit="mg", low=0.0)
    alpha, beta = two_compartment_exponents(v1, clearance, v2, q)
    broadcast(t=t, dose=dose, v1=v1, clearance=clearance, v2=v2, q=q)
    v1 = np.asarray(v1, dtype=float)
    k21 = np.asarray(q, dtype=float) / np.asarray(v2, dtype=float)
    c0 = dose / v1
    a = c0 * (alpha - k21) / (alpha - beta)
    b = c0 * (k21 - beta) / (alpha - beta)
    return a * np.exp(-alpha * t) + b * np.exp(-beta * t)


def auc_trapezoid(t, concentration, terminal_rate=None):
    """AUC of sampled concentrations by the linear trapezoidal rule.

    .. math:: AUC_{0-t_{last}} = \\sum_i \\tfrac12 (C_i + C_{i+1})(t_{i+1} - t_i),
              \\qquad AUC_{0-\\infty} = AUC_{0-t_{last}} + C_{last}/\\lambda_z

    Parameters
    ----------
    t, concentration : array_like
        Sampling times (h, strictly increasing, at least 2) and concentrations (>= 0).
    terminal_rate : float, optional
        The terminal rate constant :math:`\\lambda_z` (1/h); when given, the tail beyond the
        last sample is added.

    Examples
    --------
    >>> float(auc_trapezoid([0, 1, 2], [2.0, 2.0, 0.0]))
    3.0
    >>> float(auc_trapezoid([0, 1], [1.0, 1.0], terminal_rate=0.5))
    3.0
    """
    t = as_array(t, "t", unit="h", low=0.0, ndim=1, min_size=2)
    c = as_array(concentration, "concentration", unit="mg/L", low=0.0, ndim=1, min_size=2)
    check_same_shape(t=t, concentration=c)
    if np.any(np.diff(t) <= 0):
        raise ValueError("t must be strictly increasing (sort the samples by time first).")
    auc = float(np.sum((c[1:] + c[:-1]) / 2.0 * np.diff(t)))
    if terminal_rate is not None:
        lam = as_scalar(terminal_rate, "terminal_rate", unit="1/h", low=0.0, low_inclusive=False)
        auc += float(c[-1]) / lam
    return auc


def tumour_auc(auc_plasma, uptake_rate, washout_rate):
    """Tumour exposure of a linear tumour compartment fed from plasma (EPR as a model).

    With :math:`dC_T/dt = k_{in} C_p(t) - k_{out} C_T` and :math:`C_T(0) = 0`, integrating from
    0 to infinity gives :math:`AUC_T = (k_{in}/k_{out})\\,AUC_p`: tumour exposure scales with
    plasma exposure, whatever the shape of the plasma curve. The model is a teaching device:
    in patients :math:`k_{in}` varies between tumours and within one tumour (see notebook 12).

    Parameters
    ----------
    auc_plasma : array_like
        Plasma AUC (mg·h/L), >= 0.
    uptake_rate, washout_rate : array_like
        :math:`k_{in}` and :math:`k_{out}` (1/h), > 0.

    Examples
    --------
    >>> float(tumour_auc(100.0, uptake_rate=0.02, washout_rate=0.01))
    200.0
    """
    auc_plasma = as_array(auc_plasma, "auc_plasma", unit="mg*h/L", low=0.0)
    k_in = _positive(uptake_rate, "uptake_rate", "1/h")
    k_out = _positive(washout_rate, "washout_rate", "1/h")
    return k_in / k_out * auc_plasma


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class OneCompartmentFit:
    """Result of :func:`fit_one_compartment` (units follow the data)."""

    volume: float
    clearance: float
    half_life: float
    auc: float
    rmse_log: float

    def predict(self, t, dose):
        """Concentration predicted by the fitted model."""
        return one_compartment(t, dose, self.volume, self.clearance)


@dataclass(frozen=True)
class TwoCompartmentFit:
    """Result of :func:`fit_two_compartment` (units follow the data)."""

    v1: float
    clearance: float
    v2: float
    q: float
    alpha: float
    beta: float
    a: float
    b: float
    half_life_alpha: float
    half_life_beta: float
    auc: float
    rmse_log: float

    def predict(self, t, dose):
        """Concentration predicted by the fitted model."""
        return two_compartment(t, dose, self.v1, self.clearance, self.v2, self.q)


def _check_pk_data(t, concentration, dose, min_points):
    t = as_array(t, "t", unit="h", low=0.0, ndim=1)
    c = as_array(concentration, "concentration", unit="mg/L", ndim=1)
    check_same_shape(t=t, concentration=c)
    if np.any(c <= 0):
        pos = int(np.flatnonzero(c <= 0)[0])
        raise ValueError(
            f"concentration must be > 0 to be fitted on a log scale; got {c[pos]:g} at position "
            f"{pos} (drop samples below the limit of quantification)."
        )
    if len(np.unique(t)) < min_points:
        raise ValueError(
            f"the fit needs samples at >= {min_points} distinct times; got {len(np.unique(t))}."
        )
    dose = as_scalar(dose, "dose", unit="mg", low=0.0, low_inclusive=False)
    order = np.argsort(t, kind="stable")
    return t[order], c[order], dose


def _loglinear(t, c):
    slope, intercept = np.polyfit(t, np.log(c), 1)
    return slope, intercept


def fit_one_compartment(t, concentration, dose):
    """Fit V and CL of the one-compartment model to plasma samples after an IV bolus.

    Least squares on :math:`\\log C` over :math:`(\\log V, \\log CL)` (so both stay positive),
    started from the log-linear regression.

    Parameters
    ----------
    t, concentration : array_like
        1-D sampling times (h) and concentrations (mg/L, > 0), at least 2 distinct times.
    dose : float
        The bolus dose (mg).

    Returns
    -------
    OneCompartmentFit

    Examples
    --------
    >>> t = np.array([0.5, 1, 2, 4, 8])
    >>> fit = fit_one_compartment(t, one_compartment(t, 100.0, 10.0, 1.0), dose=100.0)
    >>> round(fit.volume, 4), round(fit.clearance, 4), round(fit.half_life, 3)
    (10.0, 1.0, 6.931)
    """
    from scipy.optimize import least_squares

    t, c, dose = _check_pk_data(t, concentration, dose, 2)
    slope, intercept = _loglinear(t, c)
    if not slope < 0:
        raise ValueError(
            "the concentrations do not fall with time (log-linear slope >= 0): these data "
            "cannot be an IV bolus eliminated by first-order kinetics."
        )
    v0 = dose / math.exp(intercept)
    x0 = np.log([v0, -slope * v0])
    logc = np.log(c)

    def residuals(x):
        v, cl = np.exp(x)
        return np.log(dose / v) - cl / v * t - logc

    sol = least_squares(residuals, x0, method="lm")
    volume, clearance = (float(v) for v in np.exp(sol.x))
    return OneCompartmentFit(
        volume=volume,
        clearance=clearance,
        half_life=LN2 * volume / clearance,
        auc=dose / clearance,
        rmse_log=float(np.sqrt(np.mean(sol.fun**2))),
    )


def _macro_to_micro(a, alpha, b, beta, dose):
    v1 = dose / (a + b)
    k21 = (a * beta + b * alpha) / (a + b)
    k10 = alpha * beta / k21
    k12 = alpha + beta - k21 - k10
    return v1, k10 * v1, k12 * v1 / k21, k12 * v1


def fit_two_compartment(t, concentration, dose):
    """Fit V1, CL, V2 and Q of the two-compartment model to plasma samples after an IV bolus.

    Starting values come from curve stripping (a log-linear fit of the last third of the
    samples gives beta and B; the early residuals give alpha and A); the model is then fitted
    by least squares on :math:`\\log C` over the logarithms of the four parameters.

    Parameters
    ----------
    t, concentration : array_like
        1-D sampling times (h) and concentrations (mg/L, > 0), at least 5 distinct times that
        cover both phases.
    dose : float
        The bolus dose (mg).

    Returns
    -------
    TwoCompartmentFit
        Parameters, the hybrid constants ``alpha`` > ``beta`` and coefficients ``a``, ``b``,
        the half-lives ``half_life_alpha`` (distribution) and ``half_life_beta`` (terminal),
        ``auc`` = dose/CL and the root-mean-square log residual.

    Raises
    ------
    ValueError
        On bad data (non-finite, non-positive concentrations, fewer than 5 times), when the
        last third of the samples does not fall (no terminal phase), when the optimiser
        does not converge, or when the data show no distribution phase (the fitted peripheral
        compartment vanishes, so the model is not identifiable).

    Examples
    --------
    >>> t = np.array([0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 24, 48])
    >>> c = two_compartment(t, 100.0, v1=10.0, clearance=1.0, v2=20.0, q=2.0)
    >>> fit = fit_two_compartment(t, c, dose=100.0)
    >>> [round(x, 3) for x in (fit.v1, fit.clearance, fit.v2, fit.q)]
    [10.0, 1.0, 20.0, 2.0]
    """
    from scipy.optimize import least_squares

    t, c, dose = _check_pk_data(t, concentration, dose, 5)
    n_tail = max(2, len(t) // 3)
    slope, intercept = _loglinear(t[-n_tail:], c[-n_tail:])
    if not slope < 0:
        raise ValueError(
            "the last third of the samples does not fall with time: no terminal elimination "
            "phase to fit (sample longer after the dose)."
        )
    beta0, b0 = -slope, math.exp(intercept)
    early = c[:-n_tail] - b0 * np.exp(-beta0 * t[:-n_tail])
    keep = early > 0
    if keep.sum() >= 2:
        s_a, i_a = _loglinear(t[:-n_tail][keep], early[keep])
        alpha0, a0 = -s_a, math.exp(i_a)
    else:
        alpha0, a0 = 0.0, 0.0
    if not (alpha0 > 1.5 * beta0 and a0 > 0):
        alpha0, a0 = 5.0 * beta0, max(c[0] - b0, 0.5 * b0)
    x0 = np.log(_macro_to_micro(a0, alpha0, b0, beta0, dose))
    if not np.all(np.isfinite(x0)):
        x0 = np.log([dose / c[0], beta0 * dose / c[0], dose / c[0], beta0 * dose / c[0]])
    logc = np.log(c)

    def residuals(x):
        v1, cl, v2, q = np.exp(x)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            pred = two_compartment(t, dose, v1, cl, v2, q)
        return np.log(np.maximum(pred, 1e-300)) - logc

    sol = least_squares(residuals, x0, method="trf", x_scale="jac", max_nfev=2000)
    if not sol.success or not np.all(np.isfinite(sol.x)):
        raise ValueError(
            f"the two-compartment fit did not converge ({sol.message}); check that the samples "
            "cover both the distribution and the terminal phase."
        )
    v1, cl, v2, q = (float(v) for v in np.exp(sol.x))
    if min(v2 / v1, q / cl) < 1e-6:
        raise ValueError(
            "the data show no separate distribution phase: the fitted peripheral compartment "
            f"vanishes (V2/V1 = {v2 / v1:.1e}, Q/CL = {q / cl:.1e}), so the two-compartment "
            "parameters and the distribution half-life are not identifiable; fit one "
            "compartment instead (fit_one_compartment)."
        )
    alpha, beta = (float(v) for v in two_compartment_exponents(v1, cl, v2, q))
    k21 = q / v2
    a = dose / v1 * (alpha - k21) / (alpha - beta)
    b = dose / v1 * (k21 - beta) / (alpha - beta)
    return TwoCompartmentFit(
        v1=v1, clearance=cl, v2=v2, q=q, alpha=alpha, beta=beta, a=a, b=b,
        half_life_alpha=LN2 / alpha, half_life_beta=LN2 / beta, auc=dose / cl,
        rmse_log=float(np.sqrt(np.mean(sol.fun**2))),
    )  # fmt: skip
