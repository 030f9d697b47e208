"""Explorer for assignment 14: continuous (MTD) vs adaptive therapy under competition.

:func:`adaptive_therapy_state` simulates both schedules for one cost of resistance and one
competition coefficient (pure, cached, tested headlessly); :func:`explore_adaptive_therapy`
wires two sliders to it and to :func:`resistlab.plotting.adaptive.plot_therapy_schedules` and
:func:`~resistlab.plotting.adaptive.plot_dose_schedules`. Every slider position is simulated
once when the explorer is built, so a change only looks its result up.
"""

from __future__ import annotations

import math
import weakref
from functools import cache

import numpy as np

from .._validation import as_scalar

__all__ = ["adaptive_therapy_state", "explore_adaptive_therapy"]

# The course's illustrative base case (days; burdens as fractions of K = 1).
BASE = {"initial": (0.7425, 0.0075), "growth_rate": 0.03, "kill_rate": 0.06}
T_END = 2000.0
COSTS = tuple(round(0.1 * i, 1) for i in range(9))  # 0.0 … 0.8
COMPETITION = (0.8, 1.0, 1.2, 1.6)


@cache
def _simulate(cost: float, competition_rs: float):
    from ..adaptive import simulate_adaptive, simulate_continuous

    rates = (BASE["growth_rate"], BASE["growth_rate"] * (1.0 - cost))
    args = (BASE["initial"], rates, 1.0, (1.0, competition_rs), BASE["kill_rate"], T_END)
    return (
        simulate_continuous(*args, max_step=math.inf),
        simulate_adaptive(*args, max_step=math.inf),
    )


def adaptive_therapy_state(cost: float = 0.2, competition_rs: float = 1.0) -> dict:
    """Both schedules for one cost of resistance and one competition coefficient a_RS.

    The base case: baseline burden 0.75 K with 1% resistant cells, r_S = 0.03/day,
    r_R = (1 − cost) r_S, k = 0.06/day, a_SR = 1, simulated for up to 2000 days
    (illustrative values, not fitted to patients).

    Returns
    -------
    dict
        ``continuous`` and ``adaptive`` (:class:`resistlab.adaptive.TherapyResult`),
        ``ttp_continuous``, ``ttp_adaptive`` (days, ``inf`` if no progression by 2000 days),
        ``dose_fraction_adaptive`` (mean dose while on trial) and ``winner`` (the schedule
        with the later progression).

    Examples
    --------
    >>> state = adaptive_therapy_state(0.2, 1.0)
    >>> round(state["ttp_continuous"], -1), round(state["ttp_adaptive"], -1), state["winner"]
    (310.0, 500.0, 'adaptive')
    """
    cost = as_scalar(cost, "cost", low=0, high=1, high_inclusive=False)
    a_rs = as_scalar(competition_rs, "competition_rs", low=0)
    mtd, ada = _simulate(round(cost, 6), round(a_rs, 6))
    winner = "adaptive" if ada.time_to_progression > mtd.time_to_progression else "continuous"
    return {
        "cost": cost,
        "competition_rs": a_rs,
        "continuous": mtd,
        "adaptive": ada,
        "ttp_continuous": mtd.time_to_progression,
        "ttp_adaptive": ada.time_to_progression,
        "dose_fraction_adaptive": ada.dose_fraction,
        "winner": winner,
    }


def _days(x: float) -> str:
    return f"> {T_END:.0f} d" if math.isinf(x) else f"{x:.0f} d"


def _readout(state: dict) -> str:
    return (
        f"time to progression: MTD {_days(state['ttp_continuous'])}, "
        f"adaptive {_days(state['ttp_adaptive'])}; adaptive mean dose "
        f"{state['dose_fraction_adaptive']:.0%} of MTD"
    )


_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..plotting.adaptive import plot_dose_schedules, plot_therapy_schedules

    state = adaptive_therapy_state(**values)
    runs = [state["continuous"], state["adaptive"]]
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    plot_therapy_schedules(runs, t_max=T_END, mark_progression=False, ax=top)
    top.set_ylim(0, 1.0)
    top.set_xlabel("")
    plot_dose_schedules(runs, t_max=T_END, ax=bottom)
    readout = top.set_title(_readout(state), fontsize="small")
    lines = [line for line in top.lines if line.get_linestyle() in ("-", "--")]
    curves = [ln for ln in lines if len(ln.get_xdata()) > 2]
    markers = []
    for colour, res in zip(("#0072B2", "#D55E00"), runs, strict=True):
        markers.append(
            top.axvline(
                res.time_to_progression if math.isfinite(res.time_to_progression) else np.nan,
                color=colour,
                lw=1,
                alpha=0.7,
            )
        )
    _SCENES[fig] = {
        "curves": curves,
        "doses": list(bottom.lines),
        "markers": markers,
        "readout": readout,
        "spines": [*top.spines.values(), *bottom.spines.values()],
    }


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = adaptive_therapy_state(**values)
    runs = [state["continuous"], state["adaptive"]]
    curves = scene["curves"]  # total, resistant for each run, in order
    for i, res in enumerate(runs):
        curves[2 * i].set_data(res.t, res.burden)
        curves[2 * i + 1].set_data(res.t, res.resistant)
        scene["doses"][i].set_data(res.t, res.dose - 0.04 * i)
        ttp = res.time_to_progression
        x = ttp if math.isfinite(ttp) else np.nan
        scene["markers"][i].set_xdata([x, x])
    scene["readout"].set_text(_readout(state))
    return [*curves, *scene["doses"], *scene["markers"], scene["readout"], *scene["spines"]]


def explore_adaptive_therapy(cost: float = 0.2, competition_rs: float = 1.0):
    """Explore continuous vs adaptive therapy as the cost of resistance and competition vary.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``cost`` (0–0.8) and ``competition_rs`` (a_RS: 0.8, 1.0, 1.2 or 1.6).

    Examples
    --------
    >>> explorer = explore_adaptive_therapy()
    >>> sorted(explorer.controls)
    ['competition_rs', 'cost']
    >>> explorer.controls["cost"].value = 0.6
    >>> len(explorer.image.value) > 0
    True
    """
    import ipywidgets as widgets

    from ._base import _LAYOUT, _STYLE, Explorer

    # the sliders offer fixed positions: a start value is snapped to the nearest one, but a
    # value outside their range is a mistake, not a request for the end position
    as_scalar(cost, "cost", low=min(COSTS), high=max(COSTS))
    as_scalar(competition_rs, "competition_rs", low=min(COMPETITION), high=max(COMPETITION))
    for c in COSTS:  # simulate every slider position once, so a change only looks it up
        for a in COMPETITION:
            _simulate(c, a)
    controls = {
        "cost": widgets.SelectionSlider(
            options=list(COSTS),
            value=_nearest(cost, COSTS),
            description="cost of resistance c",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        ),
        "competition_rs": widgets.SelectionSlider(
            options=list(COMPETITION),
            value=_nearest(competition_rs, COMPETITION),
            description="competition of S on R, a_RS",
            continuous_update=False,
            style=_STYLE,
            layout=_LAYOUT,
        ),
    }
    return Explorer(
        controls, _draw, update=_update, figsize=(7.5, 4.6), title="Adaptive vs continuous therapy"
    )


def _nearest(value: float, options: tuple) -> float:
    value = as_scalar(value, "value")
    return min(options, key=lambda o: abs(o - value))
