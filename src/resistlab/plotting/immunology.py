"""Plots for tumour–immune dynamics and biomarkers of response (assignment 13).

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
The numbers come from :mod:`resistlab.immunology` or from a dataset.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, check_same_shape
from ._axes import axes_or_new

__all__ = ["nullclines", "plot_phase_plane", "plot_roc"]

_STABLE, _UNSTABLE = "#1b9e77", "#d95f02"


def nullclines(params=None, *, tumour=None):
    """The effector and tumour nullclines of the Kuznetsov model, as x against y.

    .. math::

        \\dot x = 0:\\; x = \\frac{\\sigma}{\\delta + \\mu y - \\rho y/(\\eta + y)}, \\qquad
        \\dot y = 0\\;(y > 0):\\; x = \\frac{\\alpha (1 - \\beta y)}{\\kappa}

    The effector nullcline is set to NaN where its denominator is not positive (no
    steady effector level: effectors expand there).

    Parameters
    ----------
    params : dict, optional
        Model parameters (:func:`resistlab.immunology.with_therapy` builds them).
    tumour : array_like, optional
        Tumour sizes y at which to evaluate (default: 400 points, log-spaced 0.1–1000).

    Returns
    -------
    y, x_effector, x_tumour : numpy.ndarray

    Examples
    --------
    >>> y, xe, xt = nullclines(tumour=[0.0, 500.0])
    >>> round(float(xe[0]), 4), round(float(xt[1]), 4)
    (0.3155, 0.0)
    """
    from ..immunology import _params

    p = _params(params)
    y = np.geomspace(0.1, 1000.0, 400) if tumour is None else as_array(tumour, "tumour", low=0)
    denom = p["delta"] + p["mu"] * y - p["rho"] * y / (p["eta"] + y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_eff = np.where(denom > 0, p["sigma"] / np.where(denom > 0, denom, 1.0), np.nan)
    kappa = p["kappa"] if p["kappa"] > 0 else np.nan
    x_tum = p["alpha"] * (1.0 - p["beta"] * y) / kappa
    return y, x_eff, x_tum


def plot_phase_plane(params=None, *, trajectory=None, xlim=(0.0, 3.0), ylim=(0.1, 1000.0),
                     ax=None):  # fmt: skip
    """Tumour–immune phase plane: nullclines, steady states and an optional trajectory.

    Tumour cells y on a log vertical axis against effector cells x; stable states are
    filled green circles, unstable ones (saddles) open orange circles.

    Parameters
    ----------
    params : dict, optional
        Model parameters.
    trajectory : (x, y), optional
        A simulated path (e.g. ``result.effector, result.tumour``).
    xlim, ylim : (low, high)
        Axis limits (y > 0: log scale).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Lines in order: effector nullcline, tumour nullcline, stable states, unstable
        states, then the trajectory if given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_phase_plane()
    >>> len(ax.lines), ax.get_yscale()
    (4, 'log')
    """
    from ..immunology import _params, _steady_states

    p = _params(params)
    ax = axes_or_new(ax)
    y, x_eff, x_tum = nullclines(p)
    ax.plot(x_eff, y, color="#7570b3", lw=1.5, label="effector nullcline (dx/dτ = 0)")
    ax.plot(x_tum, y, color="#e7298a", lw=1.5, label="tumour nullcline (dy/dτ = 0)")
    states = _steady_states(p)
    stable = [(x, max(yv, ylim[0])) for x, yv, kind, _ in states if kind.startswith("stable")]
    unstable = [(x, max(yv, ylim[0])) for x, yv, kind, _ in states
                if not kind.startswith("stable")]  # fmt: skip
    sx, sy = (np.array(v) for v in zip(*stable, strict=True)) if stable else ([], [])
    ux, uy = (np.array(v) for v in zip(*unstable, strict=True)) if unstable else ([], [])
    ax.plot(sx, sy, "o", color=_STABLE, ms=8, ls="none", label="stable state")
    ax.plot(ux, uy, "o", mfc="white", mec=_UNSTABLE, mew=2, ms=8, ls="none",
            label="unstable state")  # fmt: skip
    if trajectory is not None:
        tx = as_array(trajectory[0], "trajectory x", ndim=1, low=0)
        ty = as_array(trajectory[1], "trajectory y", ndim=1, low=0)
        check_same_shape(trajectory_x=tx, trajectory_y=ty)
        ax.plot(tx, np.maximum(ty, ylim[0]), color="k", lw=1.2, label="trajectory")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("effector cells x (10⁶ cells)")
    ax.set_ylabel("tumour cells y (10⁶ cells)")
    ax.legend(loc="upper right", frameon=False, fontsize="small")
    return ax


def plot_roc(fpr, tpr, *, auc=None, point=None, ax=None):
    """ROC curve (sensitivity against 1 − specificity) with the chance diagonal.

    Parameters
    ----------
    fpr, tpr : array_like
        False- and true-positive rates (same shape), e.g. from
        :func:`resistlab.immunology.roc_curve`.
    auc : float, optional
        Shown in the legend.
    point : (fpr, tpr), optional
        An operating point (a chosen cut-off) to mark.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_roc([0, 0.5, 1], [0, 0.8, 1], auc=0.65, point=(0.5, 0.8))
    >>> len(ax.lines)
    3
    """
    x = as_array(fpr, "fpr", ndim=1, low=0, high=1)
    y = as_array(tpr, "tpr", ndim=1, low=0, high=1)
    check_same_shape(fpr=x, tpr=y)
    ax = axes_or_new(ax, figsize=(4.5, 4.0))
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="chance (AUC 0.5)")
    label = "ROC" if auc is None else f"ROC (AUC {float(auc):.2f})"
    ax.plot(x, y, color="#1f77b4", lw=2, drawstyle="default", label=label)
    if point is not None:
        ax.plot([float(point[0])], [float(point[1])], "o", color="#d62728", ms=8,
                label="chosen cut-off")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("1 − specificity (false-positive rate)")
    ax.set_ylabel("sensitivity (true-positive rate)")
    ax.legend(loc="lower right", frameon=False, fontsize="small")
    return ax
