"""Plots for pharmacokinetics (assignment 12): concentration-time curves on a log scale.

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_concentration_time"]


def plot_concentration_time(t_h, concentration, *, label=None, observed_t_h=None,
                            observed_concentration=None, log=True, color=None,
                            ax=None):  # fmt: skip
    """A concentration-time curve, optionally with the observed samples as markers.

    On a log concentration axis each exponential phase is a straight line, so the terminal
    half-life can be read from the slope.

    Parameters
    ----------
    t_h, concentration : array_like
        1-D times (h) and concentrations (mg/L, > 0 when ``log``) of the curve.
    label : str, optional
        Legend entry of the curve.
    observed_t_h, observed_concentration : array_like, optional
        Samples drawn as markers in the curve's colour.
    log : bool
        Log-scale concentration axis.
    color : str, optional
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_concentration_time([0, 1, 2], [4.0, 2.0, 1.0], label="t1/2 = 1 h")
    >>> ax.get_yscale()
    'log'
    """
    t = as_array(t_h, "t_h", unit="h", low=0.0, ndim=1)
    c = as_array(concentration, "concentration", unit="mg/L", low=0.0, ndim=1)
    check_same_shape(t_h=t, concentration=c)
    if log and np.any(c <= 0):
        raise ValueError("concentration must be > 0 on a log axis; pass log=False to plot zeros.")
    ax = axes_or_new(ax)
    (line,) = ax.plot(t, c, label=label, color=color)
    if observed_t_h is not None or observed_concentration is not None:
        ot = as_array(observed_t_h, "observed_t_h", unit="h", low=0.0, ndim=1)
        oc = as_array(observed_concentration, "observed_concentration", unit="mg/L", ndim=1)
        check_same_shape(observed_t_h=ot, observed_concentration=oc)
        ax.plot(ot, oc, "o", color=line.get_color(), markersize=4, linestyle="none")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("time after the dose (h)")
    ax.set_ylabel("concentration (mg/L)")
    if label is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax
