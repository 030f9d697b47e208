"""Time-to-event analysis of a two-arm trial: Kaplan–Meier, median, log-rank, hazard ratio.

A trial follows each patient from randomisation until the event (progression or death) or
until follow-up stops (censoring). With :math:`d_j` events among the :math:`n_j` patients
still at risk at the :math:`j`-th distinct time, the Kaplan–Meier estimate of the survival
function is

.. math::

    \\hat S(t) = \\prod_{t_j \\le t} \\left(1 - \\frac{d_j}{n_j}\\right).

A censored patient counts in the risk set up to and including their time and leaves after
it. The log-rank test compares observed and expected events of one arm at every event time;
under a constant hazard the ratio of events per person-time estimates each arm's hazard.
:func:`simulate_trial` draws seeded patient-level data with exponential event times,
uniform accrual and administrative censoring, and :func:`trial_power` repeats it to estimate
power.

Times may be in any unit (months in the course). ``event`` is 1 for an observed event and
0 for a censored observation; ``group`` is 0 (control) or 1 (experimental).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ._validation import as_array, as_scalar, check_same_shape, make_rng

__all__ = [
    "LogRankResult",
    "hazard_ratio_exponential",
    "kaplan_meier",
    "logrank_test",
    "median_survival",
    "simulate_trial",
    "trial_power",
]


class LogRankResult(NamedTuple):
    """Result of :func:`logrank_test`: the chi-squared statistic (1 df) and its p-value."""

    statistic: float
    p_value: float


def _time_event(time, event):
    t = as_array(time, "time", low=0, ndim=1)
    e = as_array(event, "event", ndim=1)
    check_same_shape(time=t, event=e)
    if not np.isin(e, (0.0, 1.0)).all():
        bad = e[~np.isin(e, (0.0, 1.0))][0]
        raise ValueError(f"event must be 1 (event observed) or 0 (censored); got {bad:g}.")
    return t, e


def _groups(time, event, group):
    t, e = _time_event(time, event)
    g = as_array(group, "group", ndim=1)
    check_same_shape(time=t, group=g)
    if not np.isin(g, (0.0, 1.0)).all():
        bad = g[~np.isin(g, (0.0, 1.0))][0]
        raise ValueError(f"group must be 0 (control) or 1 (experimental); got {bad:g}.")
    if not ((g == 0).any() and (g == 1).any()):
        raise ValueError("group must contain patients of both arms (0 and 1).")
    return t, e, g


def kaplan_meier(time, event) -> pd.DataFrame:
    """The Kaplan–Meier estimate of the survival function, one row per distinct time.

    .. math:: \\hat S(t) = \\prod_{t_j \\le t} (1 - d_j / n_j),

    where :math:`n_j` counts the patients whose time is at least :math:`t_j` (censored
    patients stay in the risk set at their own time and leave after it) and :math:`d_j` the
    events at :math:`t_j`.

    Parameters
    ----------
    time : array_like
        Follow-up times (>= 0), 1-D.
    event : array_like
        1 where the event was observed, 0 where the time is censored; same shape.

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``at_risk``, ``events``, ``survival``; the first row is time 0
        (survival 1 unless events happen at time 0), then one row per distinct time,
        censored times included.

    Raises
    ------
    ValueError
        If a time is negative or not finite, an event is not 0 or 1, or the shapes differ.

    Examples
    --------
    Five patients, one censored at 3:

    >>> kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
       time  at_risk  events  survival
    0   0.0        5       0       1.0
    1   2.0        5       1       0.8
    2   3.0        4       1       0.6
    3   5.0        2       1       0.3
    4   8.0        1       0       0.3
    """
    t, e = _time_event(time, event)
    times = np.union1d([0.0], t)
    order = np.sort(t)
    at_risk = t.size - np.searchsorted(order, times, side="left")
    event_times, counts = np.unique(t[e == 1], return_counts=True)
    events = np.zeros(times.size, dtype=int)
    events[np.searchsorted(times, event_times)] = counts
    survival = np.cumprod(1.0 - events / at_risk)
    return pd.DataFrame(
        {"time": times, "at_risk": at_risk, "events": events, "survival": survival}
    )


def median_survival(time, event) -> float:
    """Median survival: the smallest time at which the Kaplan–Meier estimate is <= 0.5.

    .. math:: \\hat t_{1/2} = \\min\\{t : \\hat S(t) \\le 0.5\\},

    as lifelines reports it; ``inf`` when the curve never falls to 0.5 (too few events).

    Parameters
    ----------
    time, event : array_like
        As for :func:`kaplan_meier`.

    Returns
    -------
    float

    Examples
    --------
    >>> median_survival([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    5.0
    >>> median_survival([2, 3, 4], [1, 0, 0])
    inf
    """
    km = kaplan_meier(time, event)
    below = km.loc[km["survival"] <= 0.5, "time"]
    return float(below.iloc[0]) if len(below) else float("inf")


def logrank_test(time, event, group) -> LogRankResult:
    """Log-rank test of equal survival in two groups.

    At each distinct event time with :math:`n` at risk (:math:`n_1` in group 1) and
    :math:`d` events (:math:`d_1` in group 1),
    :math:`E_1 = d\\,n_1/n` and :math:`V = d\\,(n_1/n)(1 - n_1/n)(n - d)/(n - 1)`; then

    .. math:: \\chi^2 = \\frac{\\left(\\sum (d_1 - E_1)\\right)^2}{\\sum V}

    has 1 degree of freedom under the null hypothesis. The result equals lifelines'
    ``logrank_test``.

    Parameters
    ----------
    time, event : array_like
        As for :func:`kaplan_meier`.
    group : array_like
        0 (control) or 1 (experimental), same shape; both must occur.

    Returns
    -------
    LogRankResult
        ``statistic`` (chi-squared) and ``p_value``.

    Examples
    --------
    >>> r = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0])
    >>> round(r.statistic, 4), round(r.p_value, 4)
    (5.0517, 0.0246)
    """
    from scipy.stats import chi2

    t, e, g = _groups(time, event, group)
    event_times = np.unique(t[e == 1])
    if event_times.size == 0:
        raise ValueError("logrank_test needs at least one observed event; got none.")
    risk = t[None, :] >= event_times[:, None]
    dead = (t[None, :] == event_times[:, None]) & (e[None, :] == 1)
    n = risk.sum(axis=1).astype(float)
    n1 = (risk & (g == 1)).sum(axis=1).astype(float)
    d = dead.sum(axis=1).astype(float)
    d1 = (dead & (g == 1)).sum(axis=1).astype(float)
    expected = d * n1 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1), 0.0)
    total_var = var.sum()
    if total_var <= 0:
        raise ValueError("logrank_test: the variance is zero (no informative event times).")
    stat = float((d1 - expected).sum() ** 2 / total_var)
    return LogRankResult(stat, float(chi2.sf(stat, 1)))


def hazard_ratio_exponential(time, event, group) -> float:
    """Hazard ratio under constant hazards: events per person-time, group 1 over group 0.

    .. math::

        \\widehat{HR} = \\frac{D_1 / T_1}{D_0 / T_0},

    with :math:`D_g` the events and :math:`T_g` the summed follow-up time of group
    :math:`g` (the maximum-likelihood estimate of an exponential model).

    Parameters
    ----------
    time, event, group : array_like
        As for :func:`logrank_test`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If group 0 has no events or a group has no follow-up time.

    Examples
    --------
    >>> hazard_ratio_exponential([2, 4, 6, 2, 2, 2], [1, 1, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])
    0.3333333333333333
    """
    t, e, g = _groups(time, event, group)
    rates = []
    for arm in (0, 1):
        person_time = t[g == arm].sum()
        if person_time <= 0:
            raise ValueError(f"group {arm} has no follow-up time (all times are 0).")
        rates.append(e[g == arm].sum() / person_time)
    if rates[0] == 0:
        raise ValueError("group 0 has no events: the hazard ratio is undefined.")
    return float(rates[1] / rates[0])


def simulate_trial(n_patients, control_median, hazard_ratio, accrual, follow_up, *,
                   dropout_rate=0.0, rng=None) -> pd.DataFrame:  # fmt: skip
    """Seeded patient-level data of a 1:1 randomised trial with exponential event times.

    Patients enter uniformly over ``accrual`` and are analysed at ``accrual + follow_up``.
    Event times are exponential with hazard :math:`\\lambda_0 = \\ln 2 / m_0` in the control
    arm and :math:`HR\\,\\lambda_0` in the experimental arm; a patient is censored at the
    analysis (administrative censoring) or at an exponential drop-out time, whichever comes
    first.

    Parameters
    ----------
    n_patients : int
        Patients randomised (>= 2); arms get ``n // 2`` and ``n - n // 2`` in random order.
    control_median : float
        Median time to event in the control arm (> 0).
    hazard_ratio : float
        Experimental over control hazard (> 0).
    accrual : float
        Length of the accrual period (>= 0).
    follow_up : float
        Follow-up after the last patient entered (> 0 when ``accrual`` is 0).
    dropout_rate : float, optional
        Hazard of loss to follow-up (>= 0), per time unit.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        Columns ``patient``, ``group`` (0 control, 1 experimental), ``entry``, ``time``
        (observed follow-up) and ``event`` (1 event, 0 censored).

    Examples
    --------
    >>> df = simulate_trial(200, 10.0, 0.5, 12.0, 12.0, rng=1)
    >>> df.shape, int(df["group"].sum())
    ((200, 5), 100)
    >>> bool((df["time"] <= 24.0).all())
    True
    """
    n = int(as_scalar(n_patients, "n_patients", low=2))
    m0 = as_scalar(control_median, "control_median", low=0, low_inclusive=False)
    hr = as_scalar(hazard_ratio, "hazard_ratio", low=0, low_inclusive=False)
    acc = as_scalar(accrual, "accrual", low=0)
    fu = as_scalar(follow_up, "follow_up", low=0)
    drop = as_scalar(dropout_rate, "dropout_rate", low=0)
    if acc + fu <= 0:
        raise ValueError("accrual + follow_up must be > 0: nobody would be followed.")
    gen = make_rng(rng)
    group = gen.permutation(np.arange(n) % 2)
    entry = gen.uniform(0.0, acc, n)
    hazard = np.log(2.0) / m0 * np.where(group == 1, hr, 1.0)
    event_time = gen.exponential(1.0 / hazard)
    censor = acc + fu - entry
    if drop > 0:
        censor = np.minimum(censor, gen.exponential(1.0 / drop, n))
    return pd.DataFrame(
        {
            "patient": np.arange(1, n + 1),
            "group": group.astype(int),
            "entry": entry,
            "time": np.minimum(event_time, censor),
            "event": (event_time <= censor).astype(int),
        }
    )


def trial_power(n_patients, control_median, hazard_ratio, accrual, follow_up, *,
                alpha=0.05, n_trials=500, dropout_rate=0.0, rng=None) -> float:  # fmt: skip
    """Power by simulation: the fraction of simulated trials whose log-rank p < ``alpha``.

    .. math:: \\widehat{power} = \\frac{1}{K}\\sum_{k=1}^{K} [p_k < \\alpha]

    over :math:`K` = ``n_trials`` trials drawn by :func:`simulate_trial` (two-sided test).

    Parameters
    ----------
    n_patients, control_median, hazard_ratio, accrual, follow_up, dropout_rate
        As for :func:`simulate_trial`.
    alpha : float, optional
        Significance level, in (0, 1).
    n_trials : int, optional
        Simulated trials (>= 1).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    float
        Estimated power, in [0, 1]; its Monte Carlo standard error is
        :math:`\\sqrt{p(1-p)/K}`.

    Examples
    --------
    >>> trial_power(400, 10.0, 0.5, 12.0, 12.0, n_trials=50, rng=3)
    1.0
    >>> trial_power(400, 10.0, 1.0, 12.0, 12.0, n_trials=200, rng=3) < 0.1
    True
    """
    a = as_scalar(alpha, "alpha", low=0, high=1, low_inclusive=False, high_inclusive=False)
    k = int(as_scalar(n_trials, "n_trials", low=1))
    gen = make_rng(rng)
    hits = 0
    for _ in range(k):
        trial = simulate_trial(n_patients, control_median, hazard_ratio, accrual, follow_up,
                               dropout_rate=dropout_rate, rng=gen)  # fmt: skip
        if not trial["event"].any():
            continue
        result = logrank_test(trial["time"], trial["event"], trial["group"])
        hits += result.p_value < a
    return hits / k
