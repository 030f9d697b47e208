"""Explorer for assignment 05: the two-state persister model under a drug on/off schedule.

:func:`persisters_state` computes everything the figure shows (pure, tested
headlessly); :func:`explore_persisters` wires sliders for the switching rates,
the kill rates and the schedule to it and to
:func:`resistlab.plotting.persisters.plot_two_state`.
"""

from __future__ import annotations

import math
import weakref
from typing import NamedTuple

import numpy as np

from .._validation import as_scalar
from ..persisters import (
    ILLUSTRATIVE_RATES,
    TwoStateRates,
    TwoStateTrajectory,
    equilibrium_tolerant_fraction,
    intermittent_schedule,
    simulate_two_state,
)

__all__ = ["PersisterState", "explore_persisters", "persisters_state"]


class PersisterState(NamedTuple):
    """What the persister explorer draws.

    Attributes
    ----------
    rates : TwoStateRates
    schedule : tuple of (duration_h, drug_level)
    trajectory : TwoStateTrajectory
        Starts at the untreated equilibrium with :math:`N_0 = 1`.
    equilibrium_fraction : float
        Untreated equilibrium tolerant fraction :math:`\\phi^*`.
    course_start_h : numpy.ndarray
        Start of every drug course that ends within the horizon (h).
    course_kill : numpy.ndarray
        :math:`N` at the end of each of those courses divided by :math:`N` at
        its start (the depth of each course's kill).
    course_start_tolerant_fraction : numpy.ndarray
        Tolerant fraction :math:`\\phi` when each course starts: back at
        :math:`\\phi^*` means the holiday fully restored sensitivity.
    nadir_total : float
        Smallest :math:`N(t)/N_0` over the horizon.
    final_total : float
        :math:`N/N_0` at the end of the horizon.
    """

    rates: TwoStateRates
    schedule: tuple
    trajectory: TwoStateTrajectory
    equilibrium_fraction: float
    course_start_h: np.ndarray
    course_kill: np.ndarray
    course_start_tolerant_fraction: np.ndarray
    nadir_total: float
    final_total: float


def persisters_state(
    to_tolerant_per_h: float = ILLUSTRATIVE_RATES.to_tolerant_per_h,
    to_sensitive_per_h: float = ILLUSTRATIVE_RATES.to_sensitive_per_h,
    kill_s_per_h: float = ILLUSTRATIVE_RATES.kill_s_per_h,
    kill_t_per_h: float = ILLUSTRATIVE_RATES.kill_t_per_h,
    on_days: float = 10.0,
    off_days: float = 14.0,
    *,
    growth_s_per_h: float = ILLUSTRATIVE_RATES.growth_s_per_h,
    growth_t_per_h: float = ILLUSTRATIVE_RATES.growth_t_per_h,
    horizon_days: float = 60.0,
    n_points: int = 300,
) -> PersisterState:
    """Simulate repeated courses of ``on_days`` on drug and ``off_days`` off, from equilibrium.

    Parameters
    ----------
    to_tolerant_per_h, to_sensitive_per_h : float
        Switching rates :math:`a` and :math:`b` (1/h).
    kill_s_per_h, kill_t_per_h : float
        Kill rates at drug level 1 (1/h).
    on_days : float
        Length of each course (days, > 0).
    off_days : float
        Length of each holiday (days, >= 0; 0 = continuous drug, one long course).
    growth_s_per_h, growth_t_per_h : float
        Growth rates off drug (1/h).
    horizon_days : float, default 60
    n_points : int, default 300
        Evenly spaced time points in the trajectory (>= 2); the schedule's
        switch points are added to them.

    Returns
    -------
    PersisterState

    Examples
    --------
    >>> state = persisters_state(on_days=10, off_days=14, horizon_days=48)
    >>> state.schedule[:2]
    ((240.0, 1.0), (336.0, 0.0))
    >>> round(state.equilibrium_fraction, 5), round(state.nadir_total, 5)
    (0.00345, 0.00186)
    >>> state.course_start_h.tolist(), state.course_kill.round(5).tolist()
    ([0.0, 576.0], [0.00186, 0.00195])
    """
    rates = TwoStateRates(
        growth_s_per_h, growth_t_per_h, kill_s_per_h, kill_t_per_h,
        to_tolerant_per_h, to_sensitive_per_h,
    )  # fmt: skip
    on_h = as_scalar(on_days, "on_days", unit="days", low=0, low_inclusive=False) * 24.0
    off_h = as_scalar(off_days, "off_days", unit="days", low=0) * 24.0
    horizon_h = as_scalar(horizon_days, "horizon_days", unit="days", low=0, low_inclusive=False)
    horizon_h *= 24.0
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2; got {n_points!r}.")
    if off_h == 0:  # continuous treatment: one course over the whole horizon
        on_h = horizon_h
    n_cycles = max(1, math.ceil(horizon_h / (on_h + off_h)))
    schedule = intermittent_schedule(on_h, off_h, n_cycles)
    # the grid plus every switch point, so the drug shading and the kinks are exact
    ends = np.cumsum([d for d, _ in schedule])
    times = np.union1d(np.linspace(0.0, horizon_h, n_points), ends[ends < horizon_h])
    trajectory = simulate_two_state(times, rates, schedule)
    total = trajectory.total

    starts = np.arange(n_cycles) * (on_h + off_h)
    starts = starts[starts + on_h <= horizon_h * (1 + 1e-12)]
    at_courses = simulate_two_state(np.concatenate([starts, starts + on_h]), rates, schedule)
    n = starts.size
    start_total, end_total = at_courses.total[:n], at_courses.total[n:]
    return PersisterState(
        rates=rates,
        schedule=schedule,
        trajectory=trajectory,
        equilibrium_fraction=equilibrium_tolerant_fraction(rates),
        course_start_h=starts,
        course_kill=end_total / start_total,
        course_start_tolerant_fraction=at_courses.tolerant_fraction[:n],
        nadir_total=float(total.min()),
        final_total=float(total[-1]),
    )


_SCENES = weakref.WeakKeyDictionary()  # per figure: the artists that follow the sliders


def _title(state: PersisterState) -> str:
    kills = ", ".join(f"{k:.2g}" for k in state.course_kill[:4])
    phis = ", ".join(f"{p:.2g}" for p in state.course_start_tolerant_fraction[:4])
    return (
        f"N(end)/N(start) of each course: {kills}\n"
        f"T/(S+T) at each course start: {phis}  (untreated {state.equilibrium_fraction:.2g})"
    )


def _draw(fig, **values) -> None:
    from ..plotting.persisters import plot_two_state

    state = persisters_state(**values)
    # fixed margins instead of constrained layout: the layout pass would double the
    # rendering cost of every slider move, and the panel's extent never changes
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.11, 0.12, 0.64, 0.74))
    plot_two_state(state.trajectory, ax=ax, legend_loc="upper left")
    # the legend beside the panel, where it never hides a curve
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.set_title(
        _title(state),
        fontsize="small",
        loc="left",
        y=1.0,  # a fixed title position skips matplotlib's costly automatic placement
    )
    shading = ax.collections[0] if ax.collections else None
    _SCENES[fig] = {
        "shading": shading,
        "lines": tuple(ax.lines[:3]),
        "moving": [shading, *ax.lines[:3], ax.yaxis, *ax.spines.values(), ax._left_title],
    }


class _Bars:
    """Stands in for an axes to collect the drug-on bars that ``_shade_drug`` would draw."""

    def get_xaxis_transform(self):
        return None

    def broken_barh(self, bars, yrange, **_kwargs):
        self.bars = bars


def _update(fig, **values) -> list | None:
    """Move the curves, the shading, the y axis and the title of the current scene."""
    from ..plotting.persisters import _TIME_SCALE, _shade_drug, _trajectory_arrays

    scene = _SCENES.get(fig)
    if scene is None or scene["shading"] is None:
        return None
    state = persisters_state(**values)
    t, s, tol, drug = _trajectory_arrays(state.trajectory)
    x = t / _TIME_SCALE["d"]
    if not np.any(drug > 0):
        return None  # no drug-on period: the scene has no shading
    bars = _Bars()
    _shade_drug(bars, x, drug)
    scene["shading"].set_verts(
        [[(x0, 0.0), (x0, 1.0), (x0 + dx, 1.0), (x0 + dx, 0.0)] for x0, dx in bars.bars]
    )
    # as plot_two_state: extinct points at the bottom of the plot, limits around the data
    floor = 1e-12
    sensitive, tolerant, total = scene["lines"]
    sensitive.set_data(x, np.maximum(s, floor))
    tolerant.set_data(x, np.maximum(tol, floor))
    total.set_data(x, np.maximum(s + tol, floor))
    positive = np.concatenate([s[s > 0], tol[tol > 0]])
    if positive.size == 0:
        return None
    ax = sensitive.axes
    ax.set_ylim(max(positive.min() / 3, floor), positive.max() * 3)
    ax._left_title.set_text(_title(state))
    return scene["moving"]


def explore_persisters(
    *,
    to_tolerant_per_h: float = ILLUSTRATIVE_RATES.to_tolerant_per_h,
    to_sensitive_per_h: float = ILLUSTRATIVE_RATES.to_sensitive_per_h,
    kill_s_per_h: float = ILLUSTRATIVE_RATES.kill_s_per_h,
    kill_t_per_h: float = ILLUSTRATIVE_RATES.kill_t_per_h,
    on_days: float = 10.0,
    off_days: float = 14.0,
):
    """Explore the sensitive ⇌ tolerant model under repeated drug courses and holidays.

    Sliders: entry rate *a* and exit rate *b* (log scale), the kill rates of
    sensitive and tolerant cells, the days on drug per course and the days
    of each holiday. The panel shows :math:`S`, :math:`T` and :math:`N` over 60
    days (drug-on periods shaded); its title gives, for each course, the
    depth of the kill (:math:`N` at its end over :math:`N` at its start) and
    the tolerant fraction when it starts, next to the untreated equilibrium.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Set ``explorer.controls[name].value`` to drive it from code.

    Examples
    --------
    >>> explorer = explore_persisters()
    >>> sorted(explorer.controls)  # doctest: +NORMALIZE_WHITESPACE
    ['kill_s_per_h', 'kill_t_per_h', 'off_days', 'on_days', 'to_sensitive_per_h',
     'to_tolerant_per_h']
    >>> explorer.controls["off_days"].value = 0.0   # continuous treatment
    >>> len(explorer.image.value) > 0
    True
    """
    from ._base import Explorer, float_slider, log_slider

    controls = {
        "to_tolerant_per_h": log_slider("entry a (1/h)", to_tolerant_per_h, 1e-6, 1e-2),
        "to_sensitive_per_h": log_slider("exit b (1/h)", to_sensitive_per_h, 1e-4, 1e-1),
        "kill_s_per_h": float_slider("kill k_S (1/h)", kill_s_per_h, 0.0, 0.2, 0.005),
        "kill_t_per_h": float_slider("kill k_T (1/h)", kill_t_per_h, 0.0, 0.05, 0.001),
        "on_days": float_slider("days on drug", on_days, 1.0, 30.0, 1.0),
        "off_days": float_slider("holiday (days)", off_days, 0.0, 30.0, 1.0),
    }
    return Explorer(
        controls,
        _draw,
        update=_update,
        figsize=(7.2, 4.2),
        title="Drug-tolerant persisters under a drug on/off schedule",
    )
