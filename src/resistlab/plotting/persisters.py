"""Plots for assignment 05 (epigenetics and persisters).

Kill curves with a fitted biphasic model, sensitive/tolerant dynamics under a
drug schedule, the tolerant fraction relaxing during a holiday, and per-sample
promoter methylation against a calling threshold. Every function draws on the
axes it is given (or a new figure's), returns them and changes nothing else.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_array, as_scalar, check_choice, check_same_shape
from ._axes import axes_or_new

__all__ = [
    "plot_kill_curve",
    "plot_promoter_methylation",
    "plot_tolerant_fraction",
    "plot_two_state",
]

_SENSITIVE = "#1f77b4"
_TOLERANT = "#d62728"
_TOTAL = "#333333"
_DRUG = "#f2c14e"
_TIME_SCALE = {"h": 1.0, "d": 24.0}
_TIME_LABEL = {"h": "time (h)", "d": "time (days)"}


def _shade_drug(ax, time, drug_level, label: str | None = "drug on") -> None:
    """Shade the x-ranges where the drug is on (one artist spanning the axes' height).

    A run of on-points shades from its first time to the next time point, so a
    trajectory sampled at the schedule's switch points is shaded exactly.
    """
    on = np.asarray(drug_level) > 0
    if not on.any():
        return
    edges = np.flatnonzero(np.diff(np.concatenate([[False], on, [False]]).astype(np.int8)))
    starts, stops = edges[::2], edges[1::2]
    right = np.append(time[1:], time[-1])
    bars = [(time[i], right[j - 1] - time[i]) for i, j in zip(starts, stops, strict=True)]
    ax.broken_barh(bars, (0, 1), transform=ax.get_xaxis_transform(), color=_DRUG, alpha=0.3,
                   linewidth=0, label=label)  # fmt: skip


def _log_ticks(axis) -> None:
    """Decade ticks only: labelled minor ticks on a log axis are costly and cluttered."""
    from matplotlib.ticker import LogLocator, NullLocator

    axis.set_major_locator(LogLocator(base=10, numticks=8))
    axis.set_minor_locator(NullLocator())


def _trajectory_arrays(trajectory):
    try:
        t = as_array(trajectory.time_h, "trajectory.time_h", ndim=1)
        s = as_array(trajectory.sensitive, "trajectory.sensitive", ndim=1, low=0)
        tol = as_array(trajectory.tolerant, "trajectory.tolerant", ndim=1, low=0)
        drug = as_array(trajectory.drug_level, "trajectory.drug_level", ndim=1, low=0)
    except AttributeError:
        raise TypeError(
            "trajectory must have time_h, sensitive, tolerant and drug_level arrays "
            "(the result of resistlab.persisters.simulate_two_state)."
        ) from None
    check_same_shape(time_h=t, sensitive=s, tolerant=tol, drug_level=drug)
    order = np.argsort(t, kind="stable")
    return t[order], s[order], tol[order], drug[order]


def plot_kill_curve(
    time_h,
    surviving_fraction,
    *,
    fit=None,
    ax=None,
    label: str | None = None,
    color: str | None = None,
    show_phases: bool = True,
):
    """Surviving fraction against time on drug (log scale), with an optional biphasic fit.

    Parameters
    ----------
    time_h, surviving_fraction : array_like
        Observations (h; fraction > 0), replicates allowed.
    fit : BiphasicKill or BiphasicFit, optional
        Drawn as a curve :math:`(1-f)e^{-k_1 t} + f e^{-k_2 t}`; with
        ``show_phases`` its persister phase :math:`f e^{-k_2 t}` is drawn dashed.
    ax : matplotlib.axes.Axes, optional
    label, color : str, optional
        Legend label and colour of the data and fit.
    show_phases : bool, default True

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from resistlab.persisters import BiphasicKill
    >>> ax = plot_kill_curve([0, 24, 48, 96], [1, 0.3, 0.1, 0.02],
    ...                      fit=BiphasicKill(0.01, 0.05, 0.003), label="drug")
    >>> ax.get_yscale()
    'log'
    """
    t = as_array(time_h, "time_h", unit="h", low=0, ndim=1)
    y = as_array(surviving_fraction, "surviving_fraction", ndim=1, low=0, low_inclusive=False)
    check_same_shape(time_h=t, surviving_fraction=y)
    ax = axes_or_new(ax)
    points = ax.scatter(t, y, s=18, alpha=0.8, color=color, label=label, zorder=3)
    if fit is not None:
        try:
            f, k1, k2 = fit.persister_fraction, fit.k_fast_per_h, fit.k_slow_per_h
        except AttributeError:
            raise TypeError(
                "fit must be a BiphasicKill or BiphasicFit (resistlab.persisters); "
                f"got {type(fit).__name__}."
            ) from None
        line_color = points.get_facecolor()[0]
        grid = np.linspace(0.0, t.max(), 200)
        model = (1 - f) * np.exp(-k1 * grid) + f * np.exp(-k2 * grid)
        ax.plot(grid, model, color=line_color, lw=1.8,
                label=f"fit: f = {f:.2g}" + (f" ({label})" if label else ""))  # fmt: skip
        if show_phases and f > 0:
            ax.plot(grid, f * np.exp(-k2 * grid), color=line_color, lw=1, ls="--", alpha=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("time on drug (h)")
    ax.set_ylabel("surviving fraction N(t)/N₀")
    if label is not None or fit is not None:
        ax.legend(fontsize="small")
    return ax


def plot_two_state(
    trajectory,
    *,
    ax=None,
    time_unit: str = "d",
    show_total: bool = True,
    legend_loc: str = "best",
):
    """Sensitive and tolerant populations over time (log scale), drug-on periods shaded.

    Parameters
    ----------
    trajectory : TwoStateTrajectory
        From :func:`resistlab.persisters.simulate_two_state` (times need not
        be sorted).
    ax : matplotlib.axes.Axes, optional
    time_unit : {"d", "h"}
        Days or hours on the x axis.
    show_total : bool, default True
        Also draw :math:`N = S + T`.
    legend_loc : str, default "best"
        Legend position (matplotlib ``loc``); a fixed position is much faster
        to draw than ``"best"``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from resistlab.persisters import ILLUSTRATIVE_RATES, simulate_two_state
    >>> traj = simulate_two_state(np.linspace(0, 240, 50), ILLUSTRATIVE_RATES,
    ...                           [(120, 1.0), (120, 0.0)])
    >>> ax = plot_two_state(traj)
    >>> [line.get_label() for line in ax.get_lines()]
    ['sensitive S', 'tolerant T', 'total N']
    """
    check_choice(time_unit, "time_unit", tuple(_TIME_SCALE))
    t, s, tol, drug = _trajectory_arrays(trajectory)
    x = t / _TIME_SCALE[time_unit]
    ax = axes_or_new(ax)
    _shade_drug(ax, x, drug)
    # log axes cannot show 0: draw extinct points at the bottom of the plot instead
    floor = 1e-12
    ax.plot(x, np.maximum(s, floor), color=_SENSITIVE, lw=1.8, label="sensitive S")
    ax.plot(x, np.maximum(tol, floor), color=_TOLERANT, lw=1.8, label="tolerant T")
    if show_total:
        ax.plot(x, np.maximum(s + tol, floor), color=_TOTAL, lw=1.2, ls="--", label="total N")
    ax.set_yscale("log")
    _log_ticks(ax.yaxis)
    positive = np.concatenate([s[s > 0], tol[tol > 0]])
    if positive.size:
        ax.set_ylim(max(positive.min() / 3, floor), positive.max() * 3)
    ax.set_xlabel(_TIME_LABEL[time_unit])
    ax.set_ylabel("cells (relative to N₀)")
    ax.legend(fontsize="small", loc=legend_loc)
    return ax


def plot_tolerant_fraction(
    trajectory,
    *,
    equilibrium: float | None = None,
    rel_tol: float | None = None,
    ax=None,
    time_unit: str = "d",
    legend_loc: str = "best",
):
    """Tolerant fraction :math:`T/(S+T)` over time, with the untreated equilibrium.

    Parameters
    ----------
    trajectory : TwoStateTrajectory
    equilibrium : float, optional
        Untreated equilibrium fraction :math:`\\phi^*`, drawn as a line.
    rel_tol : float, optional
        With ``equilibrium``: shade the band :math:`\\phi^*(1 \\pm \\text{rel\\_tol})`
        that counts as "back to baseline".
    ax : matplotlib.axes.Axes, optional
    time_unit : {"d", "h"}
    legend_loc : str, default "best"
        Legend position (matplotlib ``loc``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from resistlab.persisters import ILLUSTRATIVE_RATES, simulate_two_state
    >>> traj = simulate_two_state(np.linspace(0, 480, 60), ILLUSTRATIVE_RATES,
    ...                           [(240, 1.0), (240, 0.0)])
    >>> ax = plot_tolerant_fraction(traj, equilibrium=0.0034, rel_tol=0.1)
    >>> ax.get_ylabel()
    'tolerant fraction T/(S+T)'
    """
    check_choice(time_unit, "time_unit", tuple(_TIME_SCALE))
    t, s, tol, drug = _trajectory_arrays(trajectory)
    total = s + tol
    fraction = np.divide(tol, total, out=np.zeros_like(total), where=total > 0)
    x = t / _TIME_SCALE[time_unit]
    ax = axes_or_new(ax)
    _shade_drug(ax, x, drug, label=None)
    ax.plot(x, np.maximum(fraction, 1e-12), color=_TOLERANT, lw=1.8, label="T/(S+T)")
    if equilibrium is not None:
        phi = as_scalar(equilibrium, "equilibrium", low=0, high=1, low_inclusive=False)
        ax.axhline(phi, color=_TOTAL, lw=1, ls=":", label="untreated equilibrium")
        if rel_tol is not None:
            tol_ = as_scalar(rel_tol, "rel_tol", low=0, high=1, low_inclusive=False)
            ax.axhspan(phi * (1 - tol_), phi * (1 + tol_), color=_TOTAL, alpha=0.12, lw=0,
                       label=f"within {tol_:.0%}")  # fmt: skip
    ax.set_yscale("log")
    _log_ticks(ax.yaxis)
    ax.set_xlabel(_TIME_LABEL[time_unit])
    ax.set_ylabel("tolerant fraction T/(S+T)")
    ax.legend(fontsize="x-small", loc=legend_loc, framealpha=0.9)
    return ax


def plot_promoter_methylation(mean_beta, threshold: float = 0.3, *, truth=None, ax=None):
    """Per-sample mean promoter beta as a sorted dot plot, with the calling threshold.

    Parameters
    ----------
    mean_beta : array_like
        One mean beta per sample, in [0, 1].
    threshold : float, default 0.3
        The calling threshold (drawn as a line).
    truth : array_like of bool, optional
        Reference status per sample (True = methylated): colours the dots, so
        missed and false calls stand out.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_promoter_methylation([0.05, 0.5, 0.25, 0.6], 0.3,
    ...                                truth=[False, True, True, True])
    >>> ax.get_ylabel()
    'mean promoter beta'
    """
    beta = as_array(mean_beta, "mean_beta", low=0, high=1, ndim=1)
    theta = as_scalar(threshold, "threshold", low=0, high=1)
    ax = axes_or_new(ax)
    order = np.argsort(beta, kind="stable")
    rank = np.arange(beta.size)
    if truth is None:
        ax.scatter(rank, beta[order], s=14, color=_TOTAL, label="samples")
    else:
        t = np.asarray(truth)
        if t.shape != beta.shape:
            raise ValueError(
                f"truth must have one entry per sample ({beta.size}); got shape {t.shape}."
            )
        t = t.astype(bool)[order]
        ax.scatter(rank[~t], beta[order][~t], s=14, color=_SENSITIVE, label="truly unmethylated")
        ax.scatter(rank[t], beta[order][t], s=18, color=_TOLERANT, marker="D",
                   label="truly methylated")  # fmt: skip
    ax.axhline(theta, color=_TOTAL, lw=1, ls="--", label=f"threshold {theta:g}")
    ax.set_xlabel("samples, sorted by mean beta")
    ax.set_ylabel("mean promoter beta")
    ax.set_ylim(0, 1)
    ax.legend(fontsize="small", loc="upper left")
    return ax
