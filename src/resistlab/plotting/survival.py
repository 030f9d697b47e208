"""Plots for trial survival analysis (assignment 10): Kaplan–Meier curves.

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_kaplan_meier"]

# Okabe–Ito blue (control) and vermillion (experimental): apart under every colour deficiency.
ARM_COLOURS = ("#0072B2", "#D55E00")


def plot_kaplan_meier(time, event, *, label=None, color=None, mark_median=True,
                      show_censored=True, ax=None):  # fmt: skip
    """A Kaplan–Meier curve as a step function, with censored times marked by ticks.

    Parameters
    ----------
    time : array_like
        Follow-up times (>= 0), 1-D.
    event : array_like
        1 event observed, 0 censored; same shape.
    label, color : optional
        Legend label and colour.
    mark_median : bool
        Draw a dotted drop line at the median survival when it is reached.
    show_censored : bool
        Mark censored times on the curve with vertical ticks.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0], label="arm A")
    >>> ax.get_ylabel()
    'probability of remaining event-free'
    """
    from ..survival import kaplan_meier, median_survival

    t = as_array(time, "time", low=0, ndim=1)
    e = as_array(event, "event", ndim=1)
    check_same_shape(time=t, event=e)
    km = kaplan_meier(t, e)
    ax = axes_or_new(ax)
    line = ax.step(km["time"], km["survival"], where="post", lw=2, color=color, label=label)[0]
    colour = line.get_color()
    if show_censored:
        censored = t[e == 0]
        s_at = km["survival"].to_numpy()[np.searchsorted(km["time"].to_numpy(), censored)]
        ax.plot(censored, s_at, "|", color=colour, ms=6, alpha=0.7)
    if mark_median:
        median = median_survival(t, e)
        if np.isfinite(median):
            ax.plot([median, median], [0.0, 0.5], ":", color=colour, lw=1)
    ax.axhline(0.5, color="0.6", ls=":", lw=1)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("time since randomisation (months)")
    ax.set_ylabel("probability of remaining event-free")
    if label is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax
