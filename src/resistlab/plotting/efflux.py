"""Plots for drug efflux by P-glycoprotein (assignment 06).

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
The numbers come from :mod:`resistlab.efflux` or from the explorer's state function.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, as_scalar, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_cross_resistance", "plot_fold_resistance"]

_PUMP = "#d62728"
_INHIBITED = "#1f77b4"
_NEUTRAL = "#7f7f7f"


def plot_fold_resistance(
    expression, fold, *, fold_inhibited=None, inhibitor_label="with inhibitor", threshold=2.0,
    current=None, ax=None,
):  # fmt: skip
    """Fold-resistance against P-gp expression, without and (optionally) with an inhibitor.

    Parameters
    ----------
    expression : array_like
        P-gp expression levels (relative units, >= 0), 1-D.
    fold : array_like
        Fold-resistance (>= 1) at each level without inhibitor, same shape.
    fold_inhibited : array_like, optional
        Fold-resistance with the inhibitor, same shape.
    inhibitor_label : str
        Legend label of the inhibited curve.
    threshold : float or None
        Fold-resistance drawn as a dashed line (default 2, the course's "resistant" cut-off).
    current : (expression, fold) or (expression, fold, fold_inhibited), optional
        Markers at the current expression level.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_fold_resistance([0, 10, 20], [1, 11, 21], fold_inhibited=[1, 3, 5])
    >>> ax.get_yscale(), len(ax.lines)
    ('log', 3)
    """
    x = as_array(expression, "expression", low=0, ndim=1)
    y = as_array(fold, "fold", low=1 - 1e-9, ndim=1)
    check_same_shape(expression=x, fold=y)
    ax = axes_or_new(ax)
    ax.plot(x, y, color=_PUMP, lw=2, label="no inhibitor")
    top = y.max()
    if fold_inhibited is not None:
        yi = as_array(fold_inhibited, "fold_inhibited", low=1 - 1e-9, ndim=1)
        check_same_shape(expression=x, fold_inhibited=yi)
        ax.plot(x, yi, color=_INHIBITED, lw=2, label=str(inhibitor_label))
        top = max(top, yi.max())
    if threshold is not None:
        t = as_scalar(threshold, "threshold", low=1)
        ax.axhline(t, color="k", ls="--", lw=1, label=f"{t:g}-fold")
    if current is not None:
        x_now = as_scalar(current[0], "current expression", low=0)
        ys = [as_scalar(v, "current fold", low=1 - 1e-9) for v in current[1:]]
        ax.plot([x_now] * len(ys), ys, "o", color="k", ms=6, label="current level")
    ax.set_yscale("log")
    ax.set_ylim(0.8, max(top, 2.0) * 1.5)
    ax.set_xlim(x.min(), x.max())
    ax.set_xlabel("P-gp expression (relative units, ∝ Vmax)")
    ax.set_ylabel("fold-resistance")
    ax.legend(loc="upper left", frameon=False, fontsize="small")
    return ax


def plot_cross_resistance(drugs, fold, *, threshold=None, ax=None):
    """Horizontal bars of fold-resistance per drug on a log axis, sorted from high to low.

    Parameters
    ----------
    drugs : sequence of str
        Drug names.
    fold : array_like
        Fold-resistance (IC50 of the resistant line / IC50 of the parent), > 0, same length.
    threshold : float, optional
        A cut-off drawn as a dashed line; bars at or above it are coloured as cross-resistant.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_cross_resistance(["vinblastine", "cisplatin"], [150.0, 0.9], threshold=3)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['cisplatin', 'vinblastine']
    """
    names = [str(d) for d in drugs]
    y = as_array(fold, "fold", low=0, low_inclusive=False, ndim=1)
    if len(names) != y.size:
        raise ValueError(
            f"drugs and fold must have the same length; got {len(names)} and {y.size}."
        )
    order = np.argsort(y)
    t = (
        None
        if threshold is None
        else as_scalar(threshold, "threshold", low=0, low_inclusive=False)
    )
    colours = [_PUMP if t is not None and y[i] >= t else _NEUTRAL for i in order]
    ax = axes_or_new(ax)
    ax.barh(range(y.size), y[order], color=colours, left=0)
    ax.set_yticks(range(y.size), [names[i] for i in order])
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=1)
    if t is not None:
        ax.axvline(t, color="k", ls="--", lw=1, label=f"{t:g}-fold cut-off")
        ax.legend(loc="lower right", frameon=False, fontsize="small")
    ax.set_xlabel("fold-resistance (IC50 resistant / IC50 parental)")
    return ax
