"""Plots for hypoxia and protective niches (assignment 08).

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
The numbers come from :mod:`resistlab.microenvironment` or from a dataset.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, as_scalar, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_coculture_dose_response", "plot_oxygen_profile"]

_OXYGEN = "#1f77b4"
_HYPOXIC = "#d62728"
_CONDITION_COLOURS = ("#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")


def plot_oxygen_profile(
    r, p, *, threshold=None, r_hypoxic=None, r_tissue=None, r_max=None, p_max=None, ax=None
):
    """Oxygen tension against distance from the capillary axis, with the hypoxic ring shaded.

    Negative tensions (the anoxic core a zero-order model predicts) are drawn at zero.

    Parameters
    ----------
    r : array_like
        Radial distances (>= 0), 1-D, increasing.
    p : array_like
        Oxygen tension at each distance, same shape (may be negative: drawn as 0).
    threshold : float, optional
        Hypoxic threshold, drawn as a dashed line.
    r_hypoxic : float, optional
        Radius beyond which the tissue is below the threshold; the ring from it to
        ``r_tissue`` (or the last ``r``) is shaded.
    r_tissue : float, optional
        Edge of the tissue cylinder, drawn as a dotted line.
    r_max, p_max : float, optional
        Axis limits (default: the data's).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_oxygen_profile([5, 20, 50], [40.0, 20.0, 8.0], threshold=10, r_hypoxic=40,
    ...                          r_tissue=50)
    >>> len(ax.lines), len(ax.patches)
    (3, 1)
    """
    from matplotlib.patches import Rectangle

    x = as_array(r, "r", low=0, ndim=1)
    y = as_array(p, "p", ndim=1)
    check_same_shape(r=x, p=y)
    ax = axes_or_new(ax)
    ax.plot(x, np.maximum(y, 0.0), color=_OXYGEN, lw=2, label="pO₂")
    top = as_scalar(p_max, "p_max", low=0, low_inclusive=False) if p_max else max(y.max(), 1.0)
    right = as_scalar(r_max, "r_max", low=0, low_inclusive=False) if r_max else x.max()
    edge = x.max() if r_tissue is None else as_scalar(r_tissue, "r_tissue", low=0)
    if threshold is not None:
        t = as_scalar(threshold, "threshold", low=0)
        ax.axhline(t, color="k", ls="--", lw=1, label=f"hypoxic threshold {t:g}")
    if r_tissue is not None:
        ax.axvline(edge, color="k", ls=":", lw=1, label="edge of the tissue cylinder")
    start = edge if r_hypoxic is None else as_scalar(r_hypoxic, "r_hypoxic", low=0)
    ax.add_patch(
        Rectangle(
            (start, 0.0),
            max(edge - start, 0.0),
            top * 1.05,
            color=_HYPOXIC,
            alpha=0.15,
            lw=0,
            label="hypoxic tissue",
        )
    )
    ax.set_xlim(0.0, right)
    ax.set_ylim(0.0, top * 1.05)
    ax.set_xlabel("distance from the capillary axis (µm)")
    ax.set_ylabel("pO₂ (mmHg)")
    ax.legend(loc="upper right", frameon=False, fontsize="small")
    return ax


def plot_coculture_dose_response(dose, viability, *, ic50=None, ax=None):
    """Mean viability against dose, one curve per culture condition, on a log dose axis.

    Parameters
    ----------
    dose : array_like
        Doses (> 0), 1-D.
    viability : mapping of str to array_like
        Condition name -> mean viability (fraction of untreated) at each dose.
    ic50 : mapping of str to float, optional
        Condition name -> IC50, marked by a vertical tick of the condition's colour.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_coculture_dose_response([0.01, 0.1, 1.0],
    ...     {"alone": [0.9, 0.5, 0.1], "with fibroblasts": [1.0, 0.9, 0.5]},
    ...     ic50={"alone": 0.1, "with fibroblasts": 1.0})
    >>> ax.get_xscale(), len(ax.lines)
    ('log', 5)
    """
    x = as_array(dose, "dose", low=0, low_inclusive=False, ndim=1)
    if not viability:
        raise ValueError("viability must map at least one condition to its viabilities.")
    ax = axes_or_new(ax)
    for i, (name, values) in enumerate(viability.items()):
        y = as_array(values, f"viability[{name!r}]", ndim=1)
        check_same_shape(dose=x, viability=y)
        colour = _CONDITION_COLOURS[i % len(_CONDITION_COLOURS)]
        ax.plot(x, y, "o-", color=colour, lw=1.5, ms=4, label=str(name))
        if ic50 is not None and name in ic50:
            c = as_scalar(ic50[name], f"ic50[{name!r}]", low=0, low_inclusive=False)
            ax.plot([c, c], [0.0, 0.5], color=colour, lw=1, ls="--")
    ax.axhline(0.5, color="0.6", lw=0.8)
    ax.set_xscale("log")
    ax.set_ylim(0.0, 1.15)
    ax.set_xlabel("drug concentration (µM)")
    ax.set_ylabel("viability (fraction of untreated)")
    ax.legend(loc="lower left", frameon=False, fontsize="small")
    return ax
