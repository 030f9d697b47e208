"""Explorer for assignment 10: a randomised trial simulated, analysed and read.

:func:`trial_state` computes every number the figure shows (pure, tested headlessly);
:func:`explore_trial` wires sliders for the sample size, the true hazard ratio and the
follow-up to it and to :func:`resistlab.plotting.survival.plot_kaplan_meier`.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from .._validation import as_scalar
from ..survival import (
    hazard_ratio_exponential,
    kaplan_meier,
    logrank_test,
    simulate_trial,
)

__all__ = ["explore_trial", "trial_state"]

SEED = 2018
CONTROL_MEDIAN = 10.2  # months, FLAURA's comparator arm (Soria et al. 2018)
ACCRUAL = 12.0  # months
X_MAX = 48.0


def _schoenfeld_power(events: float, hazard_ratio: float, alpha: float = 0.05) -> float:
    from scipy.stats import norm

    if events <= 0 or hazard_ratio == 1.0:
        return alpha
    z = math.sqrt(events / 4.0) * abs(math.log(hazard_ratio)) - norm.isf(alpha / 2)
    return float(norm.cdf(z))


def trial_state(n_patients: float = 200, hazard_ratio: float = 0.6, follow_up: float = 12.0,
                *, control_median: float = CONTROL_MEDIAN, seed: int = SEED) -> dict:  # fmt: skip
    """One simulated 1:1 trial and its analysis.

    Patients enter over 12 months and are followed ``follow_up`` months after the last
    entry; control median 10.2 months (FLAURA's comparator), seed fixed so that moving one
    slider changes one thing.

    Returns
    -------
    dict
        ``trial`` (the patient-level data), ``km`` (a Kaplan–Meier table per arm, 0 control
        and 1 experimental), ``censored`` (times and survival at them per arm), ``medians``,
        ``events``, ``hr_estimate`` (events per person-time), ``p_value`` (log-rank) and
        ``power`` (Schoenfeld's approximation from the events and the true hazard ratio).

    Examples
    --------
    >>> s = trial_state(400, 0.5, 12.0)
    >>> s["events"] > 100, s["p_value"] < 0.001
    (True, True)
    >>> round(trial_state(400, 1.0, 12.0)["power"], 3)
    0.05
    """
    n = round(as_scalar(n_patients, "n_patients", low=2))
    hr = as_scalar(hazard_ratio, "hazard_ratio", low=0, low_inclusive=False)
    fu = as_scalar(follow_up, "follow_up", unit="months", low=0, low_inclusive=False)
    trial = simulate_trial(n, control_median, hr, ACCRUAL, fu, rng=seed)
    km, censored, medians = {}, {}, {}
    for arm in (0, 1):
        rows = trial[trial["group"] == arm]
        table = kaplan_meier(rows["time"], rows["event"])
        km[arm] = table
        c = rows.loc[rows["event"] == 0, "time"].to_numpy()
        at = table["survival"].to_numpy()[np.searchsorted(table["time"].to_numpy(), c)]
        censored[arm] = (c, at)
        below = table["time"].to_numpy()[table["survival"].to_numpy() <= 0.5]
        medians[arm] = float(below[0]) if below.size else math.inf
    events = int(trial["event"].sum())
    has_events = bool((trial.loc[trial["group"] == 0, "event"] == 1).any())
    return {
        "trial": trial,
        "n_patients": n,
        "hazard_ratio": hr,
        "follow_up": fu,
        "km": km,
        "censored": censored,
        "medians": medians,
        "events": events,
        "hr_estimate": (
            hazard_ratio_exponential(trial["time"], trial["event"], trial["group"])
            if has_events
            else float("nan")
        ),
        "p_value": (
            logrank_test(trial["time"], trial["event"], trial["group"]).p_value if events else 1.0
        ),
        "power": _schoenfeld_power(events, hr),
    }


def _fmt_median(m: float) -> str:
    return "n.r." if not math.isfinite(m) else f"{m:.1f}"


def _readout(state: dict) -> str:
    return (
        f"{state['events']} events, HR {state['hr_estimate']:.2f}, p {state['p_value']:.1g}, "
        f"power ~{state['power']:.0%}\nmedian {_fmt_median(state['medians'][0])} vs "
        f"{_fmt_median(state['medians'][1])} mo"
    )


_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..plotting.survival import plot_kaplan_meier

    state = trial_state(**values)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.11, 0.13, 0.85, 0.70))
    colours = ("#0072B2", "#D55E00")
    labels = ("control (median 10.2 mo)", "experimental")
    trial = state["trial"]
    for arm in (0, 1):
        rows = trial[trial["group"] == arm]
        plot_kaplan_meier(rows["time"], rows["event"], label=labels[arm], color=colours[arm],
                          mark_median=False, ax=ax)  # fmt: skip
    ax.set_xlim(0.0, X_MAX)
    ax.legend(frameon=False, fontsize="small", loc="upper right")
    ax.set_title("One simulated trial (ticks: censored patients)", fontsize="small", loc="left")
    readout = ax.text(0.02, 0.04, _readout(state), transform=ax.transAxes, fontsize="small")
    step0, marks0, _, step1, marks1, _ = ax.lines
    _SCENES[fig] = {"artists": (step0, step1, marks0, marks1, readout)}


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = trial_state(**values)
    control, experimental, mark0, mark1, readout = scene["artists"]
    for line, arm in ((control, 0), (experimental, 1)):
        table = state["km"][arm]
        line.set_data(table["time"], table["survival"])
    mark0.set_data(*state["censored"][0])
    mark1.set_data(*state["censored"][1])
    readout.set_text(_readout(state))
    return [control, experimental, mark0, mark1, readout]


def explore_trial(n_patients: float = 200, hazard_ratio: float = 0.6, follow_up: float = 12.0):
    """Explore a randomised trial: how size, effect and follow-up decide what it can show.

    Sliders set the number of patients, the true hazard ratio and the follow-up after
    accrual. The figure shows the Kaplan–Meier curves of one simulated trial (fixed seed);
    the read-out gives the events, the estimated hazard ratio, the log-rank p-value, the
    approximate power and the medians.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``n_patients``, ``hazard_ratio`` and ``follow_up``.

    Examples
    --------
    >>> explorer = explore_trial()
    >>> sorted(explorer.controls)
    ['follow_up', 'hazard_ratio', 'n_patients']
    >>> explorer.controls["hazard_ratio"].value = 0.9
    >>> len(explorer.image.value) > 0
    True
    """
    from ._base import Explorer, float_slider

    controls = {
        "n_patients": float_slider("patients randomised", n_patients, 20.0, 800.0, 20.0),
        "hazard_ratio": float_slider("true hazard ratio", hazard_ratio, 0.3, 1.2, 0.05),
        "follow_up": float_slider("follow-up after accrual (mo)", follow_up, 1.0, 36.0, 1.0),
    }
    return Explorer(
        controls,
        _draw,
        update=_update,
        figsize=(7.0, 4.0),
        title="A randomised trial: Kaplan–Meier curves, log-rank test and power",
    )
