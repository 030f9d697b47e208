"""p53 and the apoptosis threshold: a small teaching model of damage-induced cell death.

Many chemotherapeutic agents kill partly by damaging DNA, and p53 can link that damage to
apoptosis. When p53 is mutated that link is weakened or cut, so the same damage can kill fewer
cells (the review, section 2.1.1). This module captures that one idea with the smallest model
that shows it. It is a **teaching model**: its parameters are dimensionless and illustrative,
not fitted to data, and it is not a general law — p53 loss can also sensitise cells to
DNA-damaging drugs (its cell-cycle checkpoint gives time for repair; Bunz et al. 1999), and
TP53-mutant high-grade serous ovarian cancers mostly respond to platinum at first.

* The p53 signal is proportional to the DNA damage *D* and to p53 activity *a*
  (1 = wild type, 0 = complete loss, in between = a partially active or dominant-negative
  mutant): :math:`s = a\\,D`.
* A cell dies by the p53 route when :math:`s` exceeds its threshold, and by a much less
  sensitive p53-independent route when :math:`D` exceeds a second threshold.
* Thresholds vary from cell to cell (log-normally, spread :math:`\\sigma`), so the fraction
  of cells dying is

  .. math::

      P(D) = 1 - \\left[1 - \\Phi\\!\\left(\\frac{\\ln(aD/\\theta)}{\\sigma}\\right)\\right]
                 \\left[1 - \\Phi\\!\\left(\\frac{\\ln(D/\\theta_{ind})}{\\sigma}\\right)\\right]

  with :math:`\\Phi` the standard normal distribution function and the two routes acting
  independently. With :math:`\\sigma = 0` every cell shares the thresholds and death becomes
  a step.

Losing p53 therefore raises the damage a typical cell needs before it dies from
:math:`\\theta/a` towards :math:`\\theta_{ind}` (:func:`apoptosis_threshold`).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_result, as_scalar

__all__ = ["apoptosis_threshold", "apoptotic_fraction", "p53_signal"]


def p53_signal(damage, p53_activity=1.0):
    """p53 signal produced by DNA damage: ``s = p53_activity * damage``.

    Parameters
    ----------
    damage : float or array_like
        DNA damage, dimensionless (>= 0), e.g. proportional to drug exposure.
    p53_activity : float or array_like
        Relative p53 activity in [0, 1]: 1 for wild type, 0 for complete loss.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> p53_signal(2.0, p53_activity=0.25)
    0.5
    """
    d = as_array(damage, "damage", low=0)
    a = as_array(p53_activity, "p53_activity", low=0, high=1)
    try:
        return as_result(a * d)
    except ValueError:
        raise ValueError(
            f"damage and p53_activity must have shapes that broadcast; got {d.shape} and "
            f"{a.shape}."
        ) from None


def _route(signal: np.ndarray, threshold: float, spread: float) -> np.ndarray:
    from scipy.special import ndtr

    if spread == 0.0:
        return (signal >= threshold).astype(float)
    with np.errstate(divide="ignore"):
        z = np.log(signal / threshold) / spread
    return ndtr(z)  # log(0) = -inf gives 0


def apoptotic_fraction(
    damage,
    *,
    p53_activity=1.0,
    threshold: float = 1.0,
    p53_independent_threshold: float = 10.0,
    spread: float = 0.3,
):
    """Fraction of cells that die by apoptosis at a given DNA damage (teaching model).

    See the module docstring for the equation: a p53-dependent route with threshold
    ``threshold`` on the p53 signal, and a p53-independent route with threshold
    ``p53_independent_threshold`` on the damage itself, each with log-normal cell-to-cell
    variation of spread ``spread``.

    Parameters
    ----------
    damage : float or array_like
        DNA damage (>= 0, dimensionless).
    p53_activity : float or array_like
        Relative p53 activity in [0, 1].
    threshold : float
        Median p53-signal threshold (> 0).
    p53_independent_threshold : float
        Median damage threshold of the p53-independent route (> 0); make it larger than
        ``threshold`` for the usual situation where p53 is the sensitive route.
    spread : float
        Standard deviation of log thresholds across cells (>= 0; 0 = identical cells).

    Returns
    -------
    float or numpy.ndarray
        Fraction of cells dying, in [0, 1].

    Examples
    --------
    At the median threshold half the wild-type cells die (the p53-independent route adds
    almost nothing there):

    >>> round(apoptotic_fraction(1.0), 3)
    0.5
    >>> round(apoptotic_fraction(1.0, p53_activity=0.0), 3)
    0.0
    >>> apoptotic_fraction([0.5, 2.0], spread=0.0).tolist()
    [0.0, 1.0]
    """
    d = as_array(damage, "damage", low=0)
    a = as_array(p53_activity, "p53_activity", low=0, high=1)
    theta = as_scalar(threshold, "threshold", low=0, low_inclusive=False)
    theta_ind = as_scalar(
        p53_independent_threshold, "p53_independent_threshold", low=0, low_inclusive=False
    )
    sigma = as_scalar(spread, "spread", low=0)
    try:
        d, a = np.broadcast_arrays(d, a)
    except ValueError:
        raise ValueError(
            f"damage and p53_activity must have shapes that broadcast; got {d.shape} and "
            f"{a.shape}."
        ) from None
    p_dep = _route(a * d, theta, sigma)
    p_ind = _route(d, theta_ind, sigma)
    return as_result(1.0 - (1.0 - p_dep) * (1.0 - p_ind))


def apoptosis_threshold(p53_activity=1.0, *, threshold=1.0, p53_independent_threshold=10.0):
    """Damage at which a typical cell starts to die: ``min(threshold / a, independent)``.

    The p53 route needs ``a * D >= threshold``, i.e. ``D >= threshold / a``; the
    p53-independent route needs ``D >= p53_independent_threshold``. Whichever comes first
    sets the threshold, so losing p53 raises it from ``threshold`` (wild type) up to
    ``p53_independent_threshold`` (complete loss). A cell with median thresholds dies at
    this damage in :func:`apoptotic_fraction` with ``spread=0``.

    Parameters
    ----------
    p53_activity : float or array_like
        Relative p53 activity in [0, 1].
    threshold, p53_independent_threshold : float
        Median thresholds of the two routes (> 0).

    Returns
    -------
    float or numpy.ndarray
        Damage threshold (same units as ``damage``).

    Examples
    --------
    >>> apoptosis_threshold(1.0)
    1.0
    >>> apoptosis_threshold([0.5, 0.0]).tolist()
    [2.0, 10.0]
    """
    a = as_array(p53_activity, "p53_activity", low=0, high=1)
    theta = as_scalar(threshold, "threshold", low=0, low_inclusive=False)
    theta_ind = as_scalar(
        p53_independent_threshold, "p53_independent_threshold", low=0, low_inclusive=False
    )
    with np.errstate(divide="ignore", over="ignore"):
        via_p53 = np.where(a > 0, theta / np.where(a > 0, a, 1.0), np.inf)
    return as_result(np.minimum(via_p53, theta_ind))
