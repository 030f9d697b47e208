"""Figures for dose–response: viability against log dose, and GR curves.

Pure functions: each draws on the axes it is given (or a new figure's), returns them and
changes nothing else. Doses are shown on a log axis, where a Hill curve is a symmetric
sigmoid; untreated wells (dose 0) have no place on a log axis and are left out of the
scatter — their level is the curve's left plateau (``e0``, or GR = 1).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_array, check_choice, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_dose_response", "plot_gr_curve"]


def _log_dose_axis(ax, dose_unit):
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax.set_xscale("log")
    # Decades only, labelled as plain numbers (0.01, 0.1, 1): easier to read than 10^-2,
    # and cheaper to redraw than minor ticks and mathtext labels.
    ax.xaxis.set_major_locator(LogLocator(base=10.0, numticks=12))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(f"dose ({dose_unit}, log scale)")


def _points(dose, values, name):
    d = as_array(dose, "dose", low=0, ndim=1)
    y = as_array(values, name, ndim=1)
    check_same_shape(dose=d, **{name: y})
    keep = d > 0
    return d[keep], y[keep]


def _curve_doses(d_pos, fit):
    lo = min([*d_pos, fit.dose_min]) if fit is not None else float(np.min(d_pos))
    hi = max([*d_pos, fit.dose_max]) if fit is not None else float(np.max(d_pos))
    return np.geomspace(lo / 3.0, hi * 3.0, 200)


def plot_dose_response(
    dose,
    response,
    fit=None,
    ax=None,
    *,
    curve=None,
    label: str | None = None,
    color=None,
    mark_ic50: str | None = None,
    ylabel: str = "relative viability",
    dose_unit: str = "µM",
):
    """Scatter dose–response data on a log dose axis, with an optional fitted curve.

    Parameters
    ----------
    dose, response : array_like, 1-D
        Observations (doses >= 0; dose-0 wells are not drawn on the log axis).
    fit : resistlab.pharmacology.HillFit, optional
        Draw its curve (``fit.predict``) over the data range, widened 3-fold on each side.
    ax : matplotlib.axes.Axes, optional
    curve : tuple of two array_like, optional
        A ready-made curve ``(dose, response)`` to draw as a line (used by the explorer).
    label : str, optional
        Legend label of the points (the curve is labelled with its EC50 and h).
    color : optional
        Matplotlib colour for points and curve (default: the next in the cycle).
    mark_ic50 : {"relative", "absolute"}, optional
        With ``fit``: mark that IC50 with a dashed vertical line (not drawn when infinite).
    ylabel : str
        Y-axis label.
    dose_unit : str
        Unit shown on the x-axis.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from resistlab.pharmacology import fit_hill, hill
    >>> dose = [0.01, 0.1, 1.0, 10.0, 100.0]
    >>> fit = fit_hill(dose, hill(dose, 1.0, 0.1, 1.0, 1.0))
    >>> ax = plot_dose_response(dose, hill(dose, 1.0, 0.1, 1.0, 1.0), fit, label="line A")
    >>> ax.get_xscale(), len(ax.lines)
    ('log', 1)
    """
    d, y = _points(dose, response, "response")
    if mark_ic50 is not None:
        check_choice(mark_ic50, "mark_ic50", ("relative", "absolute"))
        if fit is None:
            raise ValueError("mark_ic50 needs a fit to take the IC50 from; pass fit=...")
    ax = axes_or_new(ax)
    points = ax.scatter(d, y, s=22, color=color, label=label, zorder=3, alpha=0.85)
    colour = points.get_facecolor()[0] if color is None else color
    if fit is not None:
        x = _curve_doses(d, fit)
        ax.plot(
            x,
            fit.predict(x),
            color=colour,
            lw=1.8,
            label=f"fit: EC50 {fit.ec50:.3g} {dose_unit}, h {fit.h:.2g}",
        )
        if mark_ic50 is not None:
            ic50 = fit.ic50(mark_ic50)
            if math.isfinite(ic50):
                ax.axvline(
                    ic50,
                    color=colour,
                    ls="--",
                    lw=1.0,
                    label=f"{mark_ic50} IC50 {ic50:.3g} {dose_unit}",
                )
    if curve is not None:
        cx = as_array(curve[0], "curve dose", low=0, ndim=1)
        cy = as_array(curve[1], "curve response", ndim=1)
        check_same_shape(curve_dose=cx, curve_response=cy)
        ax.plot(cx, cy, color=colour, lw=1.8)
    _log_dose_axis(ax, dose_unit)
    ax.set_ylabel(ylabel)
    if label is not None or fit is not None:
        ax.legend(fontsize=8, frameon=False)
    return ax


def plot_gr_curve(
    dose,
    gr,
    fit=None,
    ax=None,
    *,
    label: str | None = None,
    color=None,
    mark_gr50: bool = True,
    dose_unit: str = "µM",
):
    """Scatter GR values on a log dose axis, with the fitted GR curve and reference lines.

    Dotted lines mark GR = 0.5 (the GR50 level) and GR = 0 (cytostasis: no net growth);
    below 0 the drug kills cells.

    Parameters
    ----------
    dose, gr : array_like, 1-D
        Concentrations (>= 0; dose 0 is not drawn) and GR values.
    fit : resistlab.pharmacology.GRFit, optional
        Draw its curve over the data range, widened 3-fold on each side.
    ax : matplotlib.axes.Axes, optional
    label : str, optional
        Legend label of the points.
    color : optional
        Matplotlib colour.
    mark_gr50 : bool
        With ``fit``: mark GR50 with a dashed vertical line when it is finite.
    dose_unit : str
        Unit shown on the x-axis.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_gr_curve([0.01, 0.1, 1.0, 10.0], [0.95, 0.7, 0.1, -0.2], label="line A")
    >>> bool(ax.get_ylim()[0] <= -0.2)
    True
    """
    d, y = _points(dose, gr, "gr")
    ax = axes_or_new(ax)
    for level, text in ((0.5, "GR = 0.5"), (0.0, "cytostasis")):
        ax.axhline(level, color="0.6", ls=":", lw=1.0)
        ax.annotate(
            text,
            (0.01, level),
            xycoords=("axes fraction", "data"),
            fontsize=7,
            color="0.4",
            va="bottom",
        )
    points = ax.scatter(d, y, s=22, color=color, label=label, zorder=3, alpha=0.85)
    colour = points.get_facecolor()[0] if color is None else color
    if fit is not None:
        x = _curve_doses(d, fit)
        gr50 = fit.gr50
        text = f"{gr50:.3g} {dose_unit}" if math.isfinite(gr50) else "not reached"
        ax.plot(x, fit.predict(x), color=colour, lw=1.8, label=f"fit: GR50 {text}")
        if mark_gr50 and math.isfinite(gr50):
            ax.axvline(gr50, color=colour, ls="--", lw=1.0)
    _log_dose_axis(ax, dose_unit)
    low = min(-0.25, float(np.min(y)) - 0.1) if y.size else -0.25
    ax.set_ylim(max(low, -1.05), max(1.15, float(np.max(y)) + 0.05) if y.size else 1.15)
    ax.set_ylabel("GR value")
    if label is not None or fit is not None:
        ax.legend(fontsize=8, frameon=False)
    return ax
