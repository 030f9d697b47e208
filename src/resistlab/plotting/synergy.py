"""Plots for drug combinations (assignment 11): checkerboard heat maps of viability or excess.

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, check_choice
from ._axes import axes_or_new

__all__ = ["plot_checkerboard"]

# Colour-blind-safe maps: viridis for viability, purple-orange (diverging) for excess.
_CMAPS = {"viability": "viridis", "excess": "PuOr_r"}


def plot_checkerboard(doses_a, doses_b, values, *, kind="viability", limit=0.3,
                      annotate=False, title=None, ax=None):  # fmt: skip
    """A checkerboard as a heat map: rows are doses of drug B, columns doses of drug A.

    Parameters
    ----------
    doses_a, doses_b : array_like
        Doses (>= 0) of A (columns) and B (rows), 1-D.
    values : array_like
        Shape ``(len(doses_b), len(doses_a))``: viabilities in [0, 1] (``kind="viability"``)
        or excess scores (``kind="excess"``, positive = synergy, drawn in orange).
    kind : {"viability", "excess"}
    limit : float
        Colour scale of an excess map: from ``-limit`` to ``+limit``.
    annotate : bool
        Write each value in its cell.
    title : str, optional
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_checkerboard([0, 1, 2], [0, 1], [[1.0, 0.6, 0.4], [0.7, 0.4, 0.2]])
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('drug A (µM)', 'drug B (µM)')
    """
    da = as_array(doses_a, "doses_a", low=0, ndim=1)
    db = as_array(doses_b, "doses_b", low=0, ndim=1)
    check_choice(kind, "kind", tuple(_CMAPS))
    v = as_array(values, "values", ndim=2)
    if v.shape != (db.size, da.size):
        raise ValueError(
            f"values must have shape (len(doses_b), len(doses_a)) = ({db.size}, {da.size}); "
            f"got {v.shape}."
        )
    ax = axes_or_new(ax)
    lo, hi = (0.0, 1.0) if kind == "viability" else (-float(limit), float(limit))
    edges_a, edges_b = np.arange(da.size + 1) - 0.5, np.arange(db.size + 1) - 0.5
    image = ax.pcolormesh(edges_a, edges_b, v, cmap=_CMAPS[kind], vmin=lo, vmax=hi)
    ax.set_xticks(range(da.size), [f"{d:g}" for d in da])
    ax.set_yticks(range(db.size), [f"{d:g}" for d in db])
    ax.set_xlabel("drug A (µM)")
    ax.set_ylabel("drug B (µM)")
    label = "viability" if kind == "viability" else "excess (+ synergy, − antagonism)"
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.9)
    if annotate:
        for (i, j), value in np.ndenumerate(v):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize="x-small",
                    color="white" if kind == "viability" and value < 0.5 else "black")  # fmt: skip
    if title is not None:
        ax.set_title(title, fontsize="small")
    return ax
