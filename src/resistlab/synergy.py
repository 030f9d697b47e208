"""Drug combinations: reference models of no interaction, synergy scores and the evolutionary case.

One convention throughout: the effect :math:`E` is the **viability** (surviving fraction), in
:math:`[0, 1]`, 1 without drug; a lower :math:`E` is a stronger effect. Every *excess* is the
model's expected viability minus the observed one, so a **positive excess means synergy**
(the combination kills more than the model predicts) and a negative one antagonism. The
combination index follows Chou and Talalay instead: below 1 synergy, above 1 antagonism.

* Bliss independence (:func:`bliss_excess`): the drugs act independently,
  :math:`E_{AB} = E_A E_B`.
* Highest single agent (:func:`hsa_excess`): the combination should at least match the
  better drug, :math:`E_{AB} = \\min(E_A, E_B)`.
* Loewe additivity (:func:`loewe_expected`, :func:`loewe_excess`): a drug combined with
  itself is additive; :math:`d_A/D_A(E) + d_B/D_B(E) = 1`.
* The combination index (:func:`combination_index`, Chou 2006).
* ZIP (:func:`zip_delta`, Yadav et al. 2015): Bliss on fitted single-drug curves against the
  average of Hill curves fitted along the rows and columns of the checkerboard.
* The evolutionary argument (:func:`p_no_double_resistant`): resistance to two
  non-cross-resistant drugs needs two mutations.

Functions broadcast their arguments like NumPy and return a float for scalar input.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_result, broadcast

__all__ = [
    "bliss_excess",
    "combination_index",
    "expected_double_resistant",
    "hsa_excess",
    "loewe_excess",
    "loewe_expected",
    "p_no_double_resistant",
    "zip_delta",
]


def _viability(x, name):
    return as_array(x, name, low=0, high=1)


def bliss_excess(e_a, e_b, e_ab):
    """Bliss excess: expected viability under independent action minus the observed one.

    .. math:: \\Delta_{Bliss} = E_A\\,E_B - E_{AB}

    Positive: synergy; negative: antagonism.

    Parameters
    ----------
    e_a, e_b : float or array_like
        Viability with drug A alone and drug B alone at the combination's doses, in [0, 1].
    e_ab : float or array_like
        Observed viability with both, in [0, 1].

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(bliss_excess(0.5, 0.6, 0.2), 10)
    0.1
    >>> bliss_excess([0.5, 1.0], 0.5, [0.25, 0.6])
    array([ 0. , -0.1])
    """
    a, b, ab = broadcast(
        e_a=_viability(e_a, "e_a"), e_b=_viability(e_b, "e_b"), e_ab=_viability(e_ab, "e_ab")
    )
    return as_result(a * b - ab)


def hsa_excess(e_a, e_b, e_ab):
    """Highest-single-agent excess: the better single drug's viability minus the observed one.

    .. math:: \\Delta_{HSA} = \\min(E_A, E_B) - E_{AB}

    Parameters
    ----------
    e_a, e_b, e_ab : float or array_like
        As for :func:`bliss_excess`.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(hsa_excess(0.5, 0.6, 0.2), 10)
    0.3
    >>> hsa_excess([0.4, 0.9], [0.7, 0.3], 0.35)
    array([ 0.05, -0.05])
    """
    a, b, ab = broadcast(
        e_a=_viability(e_a, "e_a"), e_b=_viability(e_b, "e_b"), e_ab=_viability(e_ab, "e_ab")
    )
    return as_result(np.minimum(a, b) - ab)


def _check_fit(fit, name):
    for attr in ("e0", "emax", "ec50", "h"):
        if not hasattr(fit, attr):
            raise ValueError(
                f"{name} must be a resistlab.pharmacology.HillFit (with e0, emax, ec50, h); "
                f"got {type(fit).__name__}."
            )
    if not fit.e0 > fit.emax:
        raise ValueError(
            f"{name} must describe a falling viability curve (e0 > emax); got e0 {fit.e0:g}, "
            f"emax {fit.emax:g}."
        )
    if not (fit.ec50 > 0 and fit.h > 0):
        raise ValueError(f"{name} needs ec50 > 0 and h > 0; got {fit.ec50:g} and {fit.h:g}.")


def _dose_for(fit, e):
    """D(E) = EC50 ((E0 - E)/(E - Emax))^(1/h), the dose of the drug alone giving E."""
    return fit.ec50 * ((fit.e0 - e) / (e - fit.emax)) ** (1.0 / fit.h)


def _loewe_one(da, db, fit_a, fit_b):
    from scipy.optimize import brentq

    present = [fit for d, fit in ((da, fit_a), (db, fit_b)) if d > 0]
    if not present:
        return min(fit_a.e0, fit_b.e0)
    top = min(fit.e0 for fit in present)
    bottom = max(fit.emax for fit in present)
    span = top - bottom
    lo, hi = bottom + 1e-12 * span, top - 1e-12 * span

    def excess_index(e):
        total = 0.0
        for d, fit in ((da, fit_a), (db, fit_b)):
            if d > 0:
                total += d / _dose_for(fit, e)
        return np.log(total)

    f_lo = excess_index(lo)
    if f_lo >= 0:  # the doses cannot reach beyond the weaker drug's Emax: its plateau
        return bottom
    if excess_index(hi) <= 0:
        return top
    return brentq(excess_index, lo, hi, xtol=1e-14, rtol=1e-12)


def loewe_expected(d_a, d_b, fit_a, fit_b):
    """Viability of the Loewe-additive combination.

    Solves, for :math:`E`,

    .. math:: \\frac{d_A}{D_A(E)} + \\frac{d_B}{D_B(E)} = 1,
        \\qquad D_x(E) = EC_{50,x}\\left(\\frac{E_{0,x} - E}{E - E_{max,x}}\\right)^{1/h_x},

    where :math:`D_x(E)` inverts drug :math:`x`'s Hill curve (the dose of :math:`x` alone that
    gives :math:`E`). The root is bracketed inside the overlap of the ranges of the drugs
    present (dose > 0) and found with Brent's method. When the doses would push :math:`E`
    below the weaker drug's :math:`E_{max}` (where that drug has no equivalent dose) the
    expected viability is that plateau; with both doses 0 it is the lower :math:`E_0`.

    Parameters
    ----------
    d_a, d_b : float or array_like
        Doses of A and B (>= 0), same units as the fits' EC50s; they broadcast.
    fit_a, fit_b : resistlab.pharmacology.HillFit
        Single-agent fits with a falling curve (``e0 > emax``).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    A drug combined with itself (sham combination) is additive: half a dose of each equals
    one full dose, here the EC50 (viability 0.5):

    >>> from resistlab.pharmacology import HillFit
    >>> fit = HillFit(1.0, 0.0, 2.0, 1.0, n=8, residual_se=0.0, dose_min=0.1, dose_max=10.0)
    >>> round(loewe_expected(1.0, 1.0, fit, fit), 10)
    0.5
    >>> loewe_expected([0.0, 2.0], 0.0, fit, fit)
    array([1. , 0.5])
    """
    _check_fit(fit_a, "fit_a")
    _check_fit(fit_b, "fit_b")
    a, b = broadcast(d_a=as_array(d_a, "d_a", low=0), d_b=as_array(d_b, "d_b", low=0))
    out = np.empty(a.shape)
    for idx in np.ndindex(a.shape):
        out[idx] = _loewe_one(float(a[idx]), float(b[idx]), fit_a, fit_b)
    return as_result(out)


def loewe_excess(d_a, d_b, e_ab, fit_a, fit_b):
    """Loewe excess: Loewe-additive viability minus the observed one (positive: synergy).

    .. math:: \\Delta_{Loewe} = E_{Loewe}(d_A, d_B) - E_{AB}

    Parameters
    ----------
    d_a, d_b : float or array_like
        Doses (>= 0).
    e_ab : float or array_like
        Observed viability of the combination, in [0, 1].
    fit_a, fit_b : resistlab.pharmacology.HillFit

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> from resistlab.pharmacology import HillFit
    >>> fit = HillFit(1.0, 0.0, 2.0, 1.0, n=8, residual_se=0.0, dose_min=0.1, dose_max=10.0)
    >>> round(loewe_excess(1.0, 1.0, 0.3, fit, fit), 10)
    0.2
    """
    expected = loewe_expected(d_a, d_b, fit_a, fit_b)
    e, ab = broadcast(expected=np.asarray(expected), e_ab=_viability(e_ab, "e_ab"))
    return as_result(e - ab)


def combination_index(d_a, d_b, dx_a, dx_b):
    """Chou–Talalay combination index.

    .. math:: CI = \\frac{d_A}{D_{x,A}} + \\frac{d_B}{D_{x,B}}

    where :math:`D_{x,A}` and :math:`D_{x,B}` are the doses of each drug alone that give the
    effect the combination :math:`(d_A, d_B)` gives. CI < 1: synergy, = 1: additive,
    > 1: antagonism (Chou 2006).

    Parameters
    ----------
    d_a, d_b : float or array_like
        Doses in the combination (>= 0).
    dx_a, dx_b : float or array_like
        Equi-effective single-agent doses (> 0).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> combination_index(1.0, 1.0, 4.0, 4.0)
    0.5
    >>> combination_index([1.0, 3.0], 2.0, 2.0, 4.0)
    array([1., 2.])
    """
    a, b, xa, xb = broadcast(
        d_a=as_array(d_a, "d_a", low=0),
        d_b=as_array(d_b, "d_b", low=0),
        dx_a=as_array(dx_a, "dx_a", low=0, low_inclusive=False),
        dx_b=as_array(dx_b, "dx_b", low=0, low_inclusive=False),
    )
    return as_result(a / xa + b / xb)


def _smooth(dose, values, fit_hill, hill):
    """A Hill curve through one row or column with E0 pinned to its first value; the
    observed values themselves when the slice is too flat to fit."""
    from .pharmacology import FitError

    try:
        f = fit_hill(dose, values, e0=float(values[0]))
    except FitError:
        return values
    return hill(dose, f.e0, f.emax, f.ec50, f.h)


def zip_delta(doses_a, doses_b, viability):
    """ZIP synergy score of a checkerboard (Yadav et al. 2015), viability convention.

    Rows of ``viability`` follow ``doses_b``, columns ``doses_a``; the first row and column
    hold the single agents (dose 0 of the other drug). The reference is Bliss independence on
    Hill curves fitted to the single agents (with :math:`E_0 = 1`):
    :math:`E_{ZIP} = \\hat E_A(d_A)\\,\\hat E_B(d_B)`. The observed side is smoothed: along each
    row (``d_B`` fixed) a Hill curve in :math:`d_A` is fitted with :math:`E_0` pinned to the
    fitted :math:`\\hat E_B(d_B)`, and likewise along each column (a slice too flat to fit
    keeps its observed values); :math:`\\hat E_{AB}` is the mean of the two. The score is

    .. math:: \\delta = E_{ZIP} - \\hat E_{AB},

    positive for synergy, 0 on the single-agent row and column.

    Parameters
    ----------
    doses_a : array_like
        Doses of A (>= 0, increasing, starting at 0), length ``n_a`` (>= 4).
    doses_b : array_like
        Doses of B, likewise, length ``n_b`` (>= 4).
    viability : array_like
        Shape ``(n_b, n_a)``, values in [0, 1].

    Returns
    -------
    numpy.ndarray
        δ, shape ``(n_b, n_a)``.

    Examples
    --------
    On a noiseless Bliss surface of two Hill curves δ is about 0:

    >>> import numpy as np
    >>> from resistlab.pharmacology import hill
    >>> da = db = np.array([0.0, 0.1, 0.3, 1.0, 3.0, 10.0])
    >>> e = hill(db, 1, 0, 1, 1)[:, None] * hill(da, 1, 0.2, 1, 1.5)[None, :]
    >>> bool(np.abs(zip_delta(da, db, e)).max() < 0.02)
    True
    """
    from .pharmacology import fit_hill, hill

    da = as_array(doses_a, "doses_a", low=0, ndim=1, min_size=4)
    db = as_array(doses_b, "doses_b", low=0, ndim=1, min_size=4)
    v = as_array(viability, "viability", low=0, high=1, ndim=2)
    if v.shape != (db.size, da.size):
        raise ValueError(
            f"viability must have shape (len(doses_b), len(doses_a)) = ({db.size}, {da.size}); "
            f"got {v.shape}."
        )
    for d, name in ((da, "doses_a"), (db, "doses_b")):
        if d[0] != 0 or np.any(np.diff(d) <= 0):
            raise ValueError(f"{name} must start at 0 and increase strictly; got {d.tolist()}.")
    fit_a = fit_hill(da, v[0, :], e0=1.0)
    fit_b = fit_hill(db, v[:, 0], e0=1.0)
    ea, eb = fit_a.predict(da), fit_b.predict(db)
    reference = eb[:, None] * ea[None, :]
    along_a = np.empty_like(v)
    along_a[0, :] = ea
    for i in range(1, db.size):
        along_a[i, :] = _smooth(da, np.r_[eb[i], v[i, 1:]], fit_hill, hill)
    along_b = np.empty_like(v)
    along_b[:, 0] = eb
    for j in range(1, da.size):
        along_b[:, j] = _smooth(db, np.r_[ea[j], v[1:, j]], fit_hill, hill)
    smoothed = (along_a + along_b) / 2.0
    delta = reference - smoothed
    delta[0, :] = 0.0
    delta[:, 0] = 0.0
    return delta


def expected_double_resistant(mu_a, mu_b, n_cells):
    """Expected number of cells resistant to both drugs: :math:`\\mu_A\\,\\mu_B\\,N`.

    Parameters
    ----------
    mu_a, mu_b : float or array_like
        Probabilities per cell (per division) of resistance to A and to B, in [0, 1].
    n_cells : float or array_like
        Tumour size in cells (>= 1).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> expected_double_resistant(1e-6, 1e-6, 1e9)
    0.001
    """
    a, b, n = broadcast(
        mu_a=as_array(mu_a, "mu_a", low=0, high=1),
        mu_b=as_array(mu_b, "mu_b", low=0, high=1),
        n_cells=as_array(n_cells, "n_cells", low=1),
    )
    return as_result(a * b * n)


def p_no_double_resistant(mu_a, mu_b, n_cells):
    """Goldie–Coldman-style probability that no cell is resistant to both drugs at size N.

    Treating double resistance as one event of probability :math:`\\mu_A\\mu_B` per division
    (independent, non-cross-resistant mechanisms), the Goldie–Coldman form
    :math:`P_0 = e^{-\\alpha(N - 1)}` (Goldie and Coldman 1979) becomes

    .. math:: P_0 = \\exp\\left(-\\mu_A\\,\\mu_B\\,(N - 1)\\right).

    Parameters
    ----------
    mu_a, mu_b : float or array_like
        Resistance probabilities per division, in [0, 1].
    n_cells : float or array_like
        Tumour size in cells (>= 1).

    Returns
    -------
    float or numpy.ndarray
        In (0, 1].

    Examples
    --------
    At 10^9 cells and 10^-6 per drug, one drug alone has essentially no chance
    (:math:`e^{-1000}`), the pair keeps :math:`e^{-0.001}`:

    >>> round(p_no_double_resistant(1e-6, 1e-6, 1e9 + 1), 6)
    0.999
    >>> p_no_double_resistant(1e-6, 1.0, 1e9 + 1)
    0.0
    """
    a, b, n = broadcast(
        mu_a=as_array(mu_a, "mu_a", low=0, high=1),
        mu_b=as_array(mu_b, "mu_b", low=0, high=1),
        n_cells=as_array(n_cells, "n_cells", low=1),
    )
    return as_result(np.exp(-a * b * (n - 1.0)))
