"""Plots for DNA repair (assignment 07): clonogenic survival curves and adduct kinetics.

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_adduct_kinetics", "plot_survival_curve"]


def plot_survival_curve(dose, surviving_fraction, *, fit=None, label=None, color=None,
                        mark_d50=True, ax=None):  # fmt: skip
    """Surviving fraction against dose on a log axis, with an optional linear-quadratic fit.

    Parameters
    ----------
    dose : array_like
        Doses (>= 0), 1-D.
    surviving_fraction : array_like
        Surviving fractions (> 0), same shape.
    fit : resistlab.dna_repair.LQFit, optional
        Drawn as a line; with ``mark_d50`` its D50 is marked with a dotted line.
    label, color : optional
        Legend label and colour of the points and the fit.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from resistlab.dna_repair import fit_lq
    >>> d, sf = [0, 2, 4, 8], [1.0, 0.5, 0.2, 0.02]
    >>> ax = plot_survival_curve(d, sf, fit=fit_lq(d, sf), label="line A")
    >>> ax.get_yscale()
    'log'
    """
    d = as_array(dose, "dose", low=0, ndim=1)
    sf = as_array(surviving_fraction, "surviving_fraction", low=0, low_inclusive=False, ndim=1)
    check_same_shape(dose=d, surviving_fraction=sf)
    ax = axes_or_new(ax)
    points = ax.plot(d, sf, "o", color=color, label=label, alpha=0.8)[0]
    colour = points.get_color()
    if fit is not None:
        grid = np.linspace(0.0, d.max(), 100)
        ax.plot(grid, np.exp(-fit.alpha * grid - fit.beta * grid**2), color=colour, lw=1.5)
        if mark_d50:
            ax.axvline(fit.dose_for(0.5), color=colour, ls=":", lw=1)
    ax.axhline(0.5, color="0.6", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("dose")
    ax.set_ylabel("surviving fraction")
    if label is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax


def plot_adduct_kinetics(t_h, adducts, *, label=None, color=None, exposure_h=None, ax=None):
    """Adducts per cell against time, with the exposure period shaded.

    Parameters
    ----------
    t_h : array_like
        Times (h, >= 0), 1-D.
    adducts : array_like
        Adducts per cell (>= 0), same shape.
    label, color : optional
    exposure_h : float, optional
        Length of the drug exposure, shaded from 0.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_adduct_kinetics([0, 1, 2], [0.0, 5.0, 2.0], exposure_h=1.0, label="ERCC1 x1")
    >>> ax.get_xlabel()
    'time since the start of exposure (h)'
    """
    t = as_array(t_h, "t_h", unit="h", low=0, ndim=1)
    a = as_array(adducts, "adducts", low=0, ndim=1)
    check_same_shape(t_h=t, adducts=a)
    ax = axes_or_new(ax)
    if exposure_h is not None:
        ax.axvspan(0.0, float(exposure_h), color="0.9", lw=0)
    ax.plot(t, a, lw=2, label=label, color=color)
    ax.set_xlabel("time since the start of exposure (h)")
    ax.set_ylabel("adducts per cell (a.u.)")
    ax.set_xlim(t.min(), t.max())
    if label is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax
