"""Plots for cancer stem cells (assignment 09).

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
The numbers come from :mod:`resistlab.stem_cells` or from a dataset.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_hierarchy", "plot_side_population"]

_COLOURS = {"stem": "#d62728", "progenitor": "#ff7f0e", "differentiated": "#1f77b4",
            "total": "k"}  # fmt: skip


def plot_hierarchy(t, stem, progenitor, differentiated, *, therapy=None, ylim=None, ax=None):
    """Cell numbers per compartment and in total against time, on a log axis.

    Parameters
    ----------
    t : array_like
        Times (1-D).
    stem, progenitor, differentiated : array_like
        Cell numbers (>= 0), same shape as ``t``.
    therapy : (start, stop), optional
        Shaded treatment interval.
    ylim : (low, high), optional
        Fixed y-limits (default: from the data).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_hierarchy([0, 1, 2], [1, 1, 1], [10, 5, 8], [100, 20, 50], therapy=(0, 1))
    >>> ax.get_yscale(), len(ax.lines)
    ('log', 4)
    """
    x = as_array(t, "t", ndim=1)
    series = {
        "stem": as_array(stem, "stem", low=0, ndim=1),
        "progenitor": as_array(progenitor, "progenitor", low=0, ndim=1),
        "differentiated": as_array(differentiated, "differentiated", low=0, ndim=1),
    }
    for name, y in series.items():
        check_same_shape(t=x, **{name: y})
    series["total"] = sum(series.values())
    ax = axes_or_new(ax)
    if therapy is not None:
        ax.axvspan(float(therapy[0]), min(float(therapy[1]), x.max()), color="0.9", lw=0,
                   label="therapy")  # fmt: skip
    floor = 1e-3
    for name, y in series.items():
        ax.plot(x, np.maximum(y, floor), color=_COLOURS[name], lw=2.5 if name == "total" else 1.5,
                label=name)  # fmt: skip
    ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlim(x.min(), x.max())
    ax.set_xlabel("time (days)")
    ax.set_ylabel("cells (relative units)")
    ax.legend(loc="upper left", frameon=False, fontsize="small", ncol=2)
    return ax


def plot_side_population(red, blue, *, gate=None, ax=None):
    """Hoechst 33342 blue against red fluorescence of flow events, with a side-population gate.

    Parameters
    ----------
    red, blue : array_like
        Red and blue Hoechst fluorescence of each event (same shape).
    gate : array_like, shape (n, 2), optional
        Polygon vertices (red, blue) of the gate, drawn closed.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_side_population([300, 50], [400, 80], gate=[(0, 0), (200, 0), (0, 300)])
    >>> len(ax.collections), len(ax.patches)
    (1, 1)
    """
    from matplotlib.patches import Polygon

    r = as_array(red, "red", ndim=1)
    b = as_array(blue, "blue", ndim=1)
    check_same_shape(red=r, blue=b)
    ax = axes_or_new(ax)
    ax.scatter(r, b, s=2, color="0.3", alpha=0.5, lw=0, rasterized=True)
    if gate is not None:
        g = as_array(gate, "gate", ndim=2)
        ax.add_patch(Polygon(g, closed=True, fill=False, ec="#d62728", lw=1.5, label="SP gate"))
        ax.legend(loc="upper left", frameon=False, fontsize="small")
    ax.set_xlabel("Hoechst red (a.u.)")
    ax.set_ylabel("Hoechst blue (a.u.)")
    return ax
