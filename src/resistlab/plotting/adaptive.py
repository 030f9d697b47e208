"""Plots for scheduling against evolution (assignment 14): MTD vs adaptive therapy.

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_array, as_scalar, check_same_shape
from ._axes import axes_or_new

__all__ = ["plot_dose_schedules", "plot_therapy_schedules", "plot_ttp_by_cost"]

# Okabe–Ito blue (continuous) and vermillion (adaptive): apart under every colour deficiency.
SCHEDULE_COLOURS = {"continuous": "#0072B2", "adaptive": "#D55E00"}
SCHEDULE_LABELS = {"continuous": "continuous (MTD)", "adaptive": "adaptive"}


def _results(results):
    from ..adaptive import TherapyResult

    items = [results] if isinstance(results, TherapyResult) else list(results)
    if not items or not all(isinstance(r, TherapyResult) for r in items):
        raise ValueError(
            "results must be a TherapyResult or a list of them "
            "(from simulate_continuous / simulate_adaptive)."
        )
    return items


def plot_therapy_schedules(
    results, *, progression_factor=1.2, t_max=None, mark_progression=True, ax=None
):
    """Total burden (solid) and resistant burden (dashed) of each schedule over time.

    Horizontal dotted lines mark the adaptive thresholds (50% and 100% of the baseline) and
    the progression level (``progression_factor`` × baseline); a vertical line marks each
    schedule's time to progression.

    Parameters
    ----------
    results : TherapyResult or list of TherapyResult
        From :func:`resistlab.adaptive.simulate_continuous` / ``simulate_adaptive``; the first
        one's baseline sets the threshold lines.
    progression_factor : float
        As in the simulators (> 1).
    t_max : float, optional
        Right end of the time axis (default: the longest simulation).
    mark_progression : bool
        Draw a vertical line at each finite time to progression.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from resistlab.adaptive import simulate_adaptive, simulate_continuous
    >>> runs = [simulate_continuous((0.74, 0.01), (0.03, 0.024)),
    ...         simulate_adaptive((0.74, 0.01), (0.03, 0.024))]
    >>> ax = plot_therapy_schedules(runs)
    >>> ax.get_xlabel()
    'time (days)'
    """
    items = _results(results)
    factor = as_scalar(progression_factor, "progression_factor", low=1, low_inclusive=False)
    ax = axes_or_new(ax)
    baseline = items[0].baseline
    for level, text in ((0.5, "stop (50%)"), (1.0, "baseline / restart"), (factor, "progression")):
        ax.axhline(level * baseline, color="0.5", lw=0.8, ls=":")
        ax.annotate(
            text,
            (1.0, level * baseline),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize="x-small",
            color="0.35",
        )
    for res in items:
        colour = SCHEDULE_COLOURS.get(res.schedule, None)
        label = SCHEDULE_LABELS.get(res.schedule, res.schedule)
        ax.plot(res.t, res.burden, color=colour, lw=2, label=f"{label}: total")
        ax.plot(res.t, res.resistant, color=colour, lw=1.2, ls="--", label=f"{label}: resistant")
        if mark_progression and math.isfinite(res.time_to_progression):
            ax.axvline(res.time_to_progression, color=colour, lw=1, alpha=0.7)
    right = t_max if t_max is not None else max(r.end_time for r in items)
    ax.set_xlim(0, as_scalar(right, "t_max", low=0, low_inclusive=False))
    ax.set_ylim(0, max(1.05 * factor * baseline, max(float(r.burden.max()) for r in items)))
    ax.set_xlabel("time (days)")
    ax.set_ylabel("burden (fraction of K)")
    ax.legend(fontsize="x-small", loc="upper center", ncol=2, frameon=False)
    return ax


def plot_dose_schedules(results, *, t_max=None, ax=None):
    """The dose ``u(t)`` of each schedule as a step line (1 = MTD, 0 = drug holiday).

    Parameters
    ----------
    results : TherapyResult or list of TherapyResult
    t_max : float, optional
        Right end of the time axis.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from resistlab.adaptive import simulate_adaptive
    >>> ax = plot_dose_schedules(simulate_adaptive((0.74, 0.01), (0.03, 0.024)))
    >>> [float(v) for v in ax.get_ylim()]
    [-0.1, 1.1]
    """
    items = _results(results)
    ax = axes_or_new(ax)
    for i, res in enumerate(items):
        offset = 0.04 * i  # keep overlapping schedules visible
        ax.plot(
            res.t,
            res.dose - offset,
            color=SCHEDULE_COLOURS.get(res.schedule),
            lw=1.5,
            drawstyle="steps-post",
            label=SCHEDULE_LABELS.get(res.schedule, res.schedule),
        )
    right = t_max if t_max is not None else max(r.end_time for r in items)
    ax.set_xlim(0, as_scalar(right, "t_max", low=0, low_inclusive=False))
    ax.set_ylim(-0.1, 1.1)
    ax.set_yticks([0, 1], ["off", "MTD"])
    ax.set_xlabel("time (days)")
    ax.set_ylabel("dose")
    return ax


def plot_ttp_by_cost(costs, ttp_continuous, ttp_adaptive, *, margin=None, ax=None):
    """Time to progression of both schedules against the cost of resistance.

    Parameters
    ----------
    costs : array_like
        Costs of resistance ``c`` (0 <= c < 1), 1-D.
    ttp_continuous, ttp_adaptive : array_like
        Times to progression (days) at each cost; same shape.
    margin : float, optional
        If given, shade the costs where adaptive beats continuous by at least ``margin`` days.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_ttp_by_cost([0.0, 0.4, 0.8], [255, 412, 1199], [398, 642, 1928], margin=240)
    >>> len(ax.lines)
    2
    """
    c = as_array(costs, "costs", low=0, high=1, high_inclusive=False, ndim=1)
    mtd = as_array(ttp_continuous, "ttp_continuous", low=0, ndim=1)
    ada = as_array(ttp_adaptive, "ttp_adaptive", low=0, ndim=1)
    check_same_shape(costs=c, ttp_continuous=mtd, ttp_adaptive=ada)
    ax = axes_or_new(ax)
    ax.plot(c, mtd, "o-", color=SCHEDULE_COLOURS["continuous"], label="continuous (MTD)")
    ax.plot(c, ada, "s-", color=SCHEDULE_COLOURS["adaptive"], label="adaptive")
    if margin is not None:
        wins = ada - mtd >= as_scalar(margin, "margin", low=0)
        if wins.any():
            ax.axvspan(
                float(np.min(c[wins])),
                float(np.max(c)),
                color="0.9",
                zorder=0,
                label=f"adaptive ahead by ≥ {margin:g} days",
            )
    ax.set_xlabel("cost of resistance c  (r_R = (1 − c) r_S)")
    ax.set_ylabel("time to progression (days)")
    ax.legend(fontsize="small", frameon=False)
    return ax
