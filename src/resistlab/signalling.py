r"""Bypass signalling: EGFR and an amplified MET feed one downstream output.

In EGFR-mutant lung cancer, amplified MET keeps the downstream survival
signal (ERBB3-PI3K-AKT) running when EGFR is blocked (Engelman et al. 2007),
so an EGFR inhibitor alone fails and adding a MET inhibitor restores control;
the INSIGHT trial tested tepotinib plus gefitinib in such patients (Liam et al.
2023). This module is a minimal quantitative version of that picture:

.. math::

    O(I_E, I_M, n) = b + A_E \,[1 - f_E(I_E)] + a_M\, n\, [1 - f_M(I_M)],
    \qquad f(I) = \frac{I^h}{I^h + IC_{50}^h}

with a drug-independent basal output :math:`b`, the EGFR-driven output
:math:`A_E`, a MET-driven output proportional to the MET copy number
:math:`n`, and Hill-type fractional inhibition by each drug. A tumour is
*controlled* when the output falls below a threshold :math:`T`.

The default parameters (:class:`BypassParameters`) are illustrative, not fitted
to data: the output is in units of the untreated EGFR-driven signal, and they
are chosen so that escape from EGFR inhibition sets in near the clinical
MET-amplification cut-off (gene copy number 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validation import as_array, as_scalar

__all__ = [
    "DEFAULT_THRESHOLD",
    "BypassParameters",
    "DosePair",
    "bypass_branches",
    "bypass_output",
    "egfr_inhibitor_alone_suffices",
    "fractional_inhibition",
    "max_met_copies_for_egfr_monotherapy",
    "minimal_combination",
    "minimal_met_inhibitor_nM",
]

#: Output below which the pathway no longer sustains growth (illustrative), in
#: units of the untreated EGFR-driven output.
DEFAULT_THRESHOLD = 0.1


def _return(value):
    value = np.asarray(value)
    return value.item() if value.ndim == 0 else value


@dataclass(frozen=True)
class BypassParameters:
    """Parameters of the bypass-signalling model (illustrative defaults).

    Attributes
    ----------
    egfr_drive : float
        Output driven by the mutant EGFR with no inhibitor (1 sets the unit).
    met_drive_per_copy : float
        Output driven by MET per MET gene copy with no inhibitor.
    basal_output : float
        Output that neither drug can remove (other receptors, baseline).
    egfr_ic50_nM, met_ic50_nM : float
        Concentrations of the EGFR inhibitor (e.g. gefitinib) and of the MET
        inhibitor (e.g. tepotinib) that inhibit their own receptor by half (nM).
    egfr_hill, met_hill : float
        Hill coefficients of the two inhibition curves.

    Examples
    --------
    >>> BypassParameters().met_drive_per_copy
    0.02
    >>> BypassParameters(met_ic50_nM=-1)
    Traceback (most recent call last):
    ...
    ValueError: met_ic50_nM must be > 0 nM; got -1.
    """

    egfr_drive: float = 1.0
    met_drive_per_copy: float = 0.02
    basal_output: float = 0.02
    egfr_ic50_nM: float = 10.0
    met_ic50_nM: float = 5.0
    egfr_hill: float = 1.0
    met_hill: float = 1.0

    def __post_init__(self):
        for name in ("egfr_drive", "met_drive_per_copy", "basal_output"):
            as_scalar(getattr(self, name), name, unit="output units", low=0)
        for name in ("egfr_ic50_nM", "met_ic50_nM"):
            as_scalar(getattr(self, name), name, unit="nM", low=0, low_inclusive=False)
        for name in ("egfr_hill", "met_hill"):
            as_scalar(getattr(self, name), name, low=0, low_inclusive=False)


def _params(params) -> BypassParameters:
    if params is None:
        return BypassParameters()
    if not isinstance(params, BypassParameters):
        raise TypeError(
            f"params must be a resistlab.signalling.BypassParameters or None; got {params!r}."
        )
    return params


def _threshold(threshold) -> float:
    return as_scalar(threshold, "threshold", unit="output units", low=0, low_inclusive=False)


def fractional_inhibition(dose_nM, ic50_nM, hill=1.0):
    r"""Fraction of a receptor's signalling blocked by an inhibitor (Hill equation).

    .. math:: f(I) = \frac{I^h}{I^h + IC_{50}^h}

    Parameters
    ----------
    dose_nM : array_like
        Inhibitor concentration (nM), >= 0.
    ic50_nM : float
        Concentration giving half inhibition (nM), > 0.
    hill : float
        Hill coefficient h, > 0.

    Returns
    -------
    float or numpy.ndarray
        Inhibited fraction, 0 at no drug and approaching 1 at saturating drug.

    Examples
    --------
    >>> fractional_inhibition([0.0, 10.0, 30.0], ic50_nM=10.0).tolist()
    [0.0, 0.5, 0.75]
    """
    dose = as_array(dose_nM, "dose_nM", unit="nM", low=0)
    ic50 = as_scalar(ic50_nM, "ic50_nM", unit="nM", low=0, low_inclusive=False)
    h = as_scalar(hill, "hill", low=0, low_inclusive=False)
    # d^h / (d^h + c^h) written as 1 / (1 + (c/d)^h), safe for huge doses.
    with np.errstate(divide="ignore", over="ignore"):  # (c/d)^h -> inf is the right limit
        ratio = np.where(dose > 0, (ic50 / np.where(dose > 0, dose, 1.0)) ** h, np.inf)
    return _return(1.0 / (1.0 + ratio))


def bypass_branches(egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number, params=None):
    r"""The EGFR-driven and the MET-driven parts of the pathway output.

    .. math::

        O_E = A_E\,[1 - f_E(I_E)], \qquad O_M = a_M\, n\,[1 - f_M(I_M)]

    Parameters
    ----------
    egfr_inhibitor_nM, met_inhibitor_nM : array_like
        Inhibitor concentrations (nM), >= 0; broadcast together.
    met_copy_number : array_like
        MET gene copies per cell, >= 0 (2 in a cell without amplification).
    params : BypassParameters, optional
        Model parameters (defaults if None).

    Returns
    -------
    (float or numpy.ndarray, float or numpy.ndarray)
        ``(egfr_branch, met_branch)`` in output units.

    Examples
    --------
    >>> bypass_branches(10.0, 0.0, 10)
    (0.5, 0.2)
    """
    p = _params(params)
    i_e = as_array(egfr_inhibitor_nM, "egfr_inhibitor_nM", unit="nM", low=0)
    i_m = as_array(met_inhibitor_nM, "met_inhibitor_nM", unit="nM", low=0)
    n = as_array(met_copy_number, "met_copy_number", unit="copies per cell", low=0)
    egfr = p.egfr_drive * (1.0 - fractional_inhibition(i_e, p.egfr_ic50_nM, p.egfr_hill))
    met = p.met_drive_per_copy * n * (1.0 - fractional_inhibition(i_m, p.met_ic50_nM, p.met_hill))
    egfr, met = np.broadcast_arrays(egfr, met)
    return _return(egfr), _return(met)


def bypass_output(egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number, params=None):
    r"""Downstream pathway output with an EGFR and a MET inhibitor.

    .. math::

        O(I_E, I_M, n) = b + A_E\,[1 - f_E(I_E)] + a_M\, n\,[1 - f_M(I_M)]

    Limits: with no inhibitor the output is :math:`b + A_E + a_M n`; with both
    inhibitors saturating it falls to the basal output :math:`b`; with only
    the EGFR inhibitor saturating it falls to :math:`b + a_M n`, which stays
    above the threshold once MET is amplified.

    Parameters
    ----------
    egfr_inhibitor_nM, met_inhibitor_nM : array_like
        Inhibitor concentrations (nM), >= 0.
    met_copy_number : array_like
        MET gene copies per cell, >= 0. All three broadcast together.
    params : BypassParameters, optional
        Model parameters (defaults if None).

    Returns
    -------
    float or numpy.ndarray
        Output in units of the untreated EGFR-driven output.

    Examples
    --------
    >>> round(bypass_output(0.0, 0.0, 2), 6)
    1.06
    >>> round(bypass_output(1e9, 1e9, 20), 6)
    0.02
    """
    p = _params(params)
    egfr, met = bypass_branches(egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number, p)
    return _return(p.basal_output + np.asarray(egfr) + np.asarray(met))


def egfr_inhibitor_alone_suffices(met_copy_number, threshold=DEFAULT_THRESHOLD, params=None):
    r"""Whether a saturating EGFR inhibitor alone brings the output below the threshold.

    With the EGFR branch fully blocked and no MET inhibitor, the output cannot
    fall below :math:`b + a_M n`; the EGFR inhibitor alone controls the tumour
    only if that floor is below the threshold:

    .. math:: b + a_M\, n < T

    Parameters
    ----------
    met_copy_number : array_like
        MET gene copies per cell, >= 0.
    threshold : float
        Output level T below which the tumour is controlled, > 0.
    params : BypassParameters, optional

    Returns
    -------
    bool or numpy.ndarray of bool

    Examples
    --------
    >>> egfr_inhibitor_alone_suffices([2, 10]).tolist()
    [True, False]
    """
    p = _params(params)
    t = _threshold(threshold)
    n = as_array(met_copy_number, "met_copy_number", unit="copies per cell", low=0)
    return _return(p.basal_output + p.met_drive_per_copy * n < t)


def max_met_copies_for_egfr_monotherapy(threshold=DEFAULT_THRESHOLD, params=None) -> float:
    r"""MET copy number above which an EGFR inhibitor alone can no longer control the tumour.

    .. math:: n^{*} = \frac{T - b}{a_M}

    An EGFR inhibitor alone works for :math:`n < n^{*}` (see
    :func:`egfr_inhibitor_alone_suffices`).

    Parameters
    ----------
    threshold : float
        Control threshold T; must exceed the basal output b.
    params : BypassParameters, optional

    Returns
    -------
    float
        :math:`n^{*}` (``inf`` if MET does not signal, ``a_M = 0``).

    Examples
    --------
    >>> round(max_met_copies_for_egfr_monotherapy(0.1), 9)
    4.0
    """
    p = _params(params)
    t = _threshold(threshold)
    if t <= p.basal_output:
        raise ValueError(
            f"threshold ({t:g}) must be above the basal output ({p.basal_output:g}): "
            "no combination of the two inhibitors can bring the output below it."
        )
    if p.met_drive_per_copy == 0:
        return float("inf")
    return (t - p.basal_output) / p.met_drive_per_copy


def minimal_met_inhibitor_nM(
    egfr_inhibitor_nM, met_copy_number, threshold=DEFAULT_THRESHOLD, params=None
):
    r"""Lowest MET-inhibitor concentration that brings the output down to the threshold.

    At a given EGFR-inhibitor concentration the MET branch may leave at most
    :math:`R = T - b - O_E(I_E)`. Solving
    :math:`a_M n [1 - f_M(I_M)] = R` for :math:`I_M` gives the isobole of the
    threshold:

    .. math::

        I_M = IC_{50,M} \left(\frac{a_M n - R}{R}\right)^{1/h_M}
        \quad (0 < R < a_M n)

    It is 0 when :math:`R \ge a_M n` (the EGFR inhibitor alone is enough) and
    ``inf`` when :math:`R \le 0` (no MET-inhibitor dose is enough: the EGFR
    branch plus the basal output already reach the threshold). Any dose above
    the returned one brings the output below the threshold.

    Parameters
    ----------
    egfr_inhibitor_nM : array_like
        EGFR-inhibitor concentration (nM), >= 0.
    met_copy_number : array_like
        MET gene copies per cell, >= 0; broadcasts with the doses.
    threshold : float
        Control threshold T, > 0.
    params : BypassParameters, optional

    Returns
    -------
    float or numpy.ndarray
        MET-inhibitor concentration in nM (0, finite, or ``inf``).

    Examples
    --------
    >>> round(minimal_met_inhibitor_nM(1000.0, 10), 3)
    9.266
    >>> minimal_met_inhibitor_nM(1000.0, 2), minimal_met_inhibitor_nM(0.0, 10)
    (0.0, inf)
    """
    p = _params(params)
    t = _threshold(threshold)
    egfr, _ = bypass_branches(egfr_inhibitor_nM, 0.0, 0.0, p)
    n = as_array(met_copy_number, "met_copy_number", unit="copies per cell", low=0)
    room = t - p.basal_output - np.asarray(egfr, dtype=float)
    met_max = p.met_drive_per_copy * n
    room, met_max = np.broadcast_arrays(room, met_max)
    out = np.full(room.shape, np.inf)
    enough = room >= met_max
    out[enough] = 0.0
    between = (room > 0) & ~enough
    out[between] = p.met_ic50_nM * ((met_max[between] - room[between]) / room[between]) ** (
        1.0 / p.met_hill
    )
    return _return(out)


class DosePair(NamedTuple):
    """A chosen combination: the two doses, the output they give, and their cost."""

    egfr_inhibitor_nM: float
    met_inhibitor_nM: float
    output: float
    cost: float


def minimal_combination(
    met_copy_number,
    egfr_doses_nM,
    met_doses_nM,
    threshold=DEFAULT_THRESHOLD,
    params=None,
) -> DosePair:
    r"""The cheapest dose pair on a grid that brings the output below the threshold.

    Every pair :math:`(I_E, I_M)` of the grid with :math:`O(I_E, I_M, n) < T`
    is a candidate; the one with the smallest total dose in units of each
    drug's own IC50,

    .. math:: c = \frac{I_E}{IC_{50,E}} + \frac{I_M}{IC_{50,M}},

    is chosen (a simple stand-in for the combined toxicity burden; ties go to
    the lower output). A pair with :math:`I_M = 0` is an EGFR inhibitor alone.

    Parameters
    ----------
    met_copy_number : float
        MET gene copies per cell, >= 0.
    egfr_doses_nM, met_doses_nM : array_like
        The 1-D dose grids to search (nM), >= 0.
    threshold : float
        Control threshold T, > 0.
    params : BypassParameters, optional

    Returns
    -------
    DosePair
        ``egfr_inhibitor_nM``, ``met_inhibitor_nM``, ``output``, ``cost``.

    Raises
    ------
    ValueError
        If no pair on the grid brings the output below the threshold; the
        message gives the lowest output the grid reaches.

    Examples
    --------
    >>> grid = [0, 10, 30, 100, 300, 1000]
    >>> minimal_combination(2, grid, grid).met_inhibitor_nM
    0.0
    >>> pair = minimal_combination(10, grid, grid)
    >>> pair.egfr_inhibitor_nM, pair.met_inhibitor_nM
    (300.0, 30.0)
    """
    p = _params(params)
    t = _threshold(threshold)
    n = as_scalar(met_copy_number, "met_copy_number", unit="copies per cell", low=0)
    d_e = as_array(egfr_doses_nM, "egfr_doses_nM", unit="nM", low=0, ndim=1)
    d_m = as_array(met_doses_nM, "met_doses_nM", unit="nM", low=0, ndim=1)
    grid_e, grid_m = np.meshgrid(d_e, d_m, indexing="ij")
    output = np.asarray(bypass_output(grid_e, grid_m, n, p), dtype=float)
    ok = output < t
    if not ok.any():
        raise ValueError(
            f"no dose pair on the grid brings the output below threshold {t:g} at MET copy "
            f"number {n:g}; the lowest output on the grid is {output.min():.4g}. Extend the "
            "dose grids (or check the threshold: it must exceed the basal output "
            f"{p.basal_output:g})."
        )
    cost = grid_e / p.egfr_ic50_nM + grid_m / p.met_ic50_nM
    order = np.lexsort((output[ok], cost[ok]))  # by cost, then by output
    i, j = (idx[ok][order[0]] for idx in np.indices(output.shape))
    return DosePair(float(d_e[i]), float(d_m[j]), float(output[i, j]), float(cost[i, j]))
