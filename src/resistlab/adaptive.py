"""Scheduling against evolution: continuous (MTD) vs adaptive therapy, and Norton–Simon.

The course's competition model (assignment 14) is a two-species Lotka–Volterra system of
drug-sensitive cells :math:`S` and resistant cells :math:`R` sharing one carrying capacity
:math:`K`; the drug (dose :math:`u` on a 0…1 scale, 1 = the maximum tolerated dose) kills
sensitive cells only:

.. math::

    \\frac{dS}{dt} = r_S S\\left(1 - \\frac{S + a_{SR} R}{K}\\right) - k\\,u\\,S, \\qquad
    \\frac{dR}{dt} = r_R R\\left(1 - \\frac{R + a_{RS} S}{K}\\right).

A *cost of resistance* ``c`` is a slower resistant growth rate, :math:`r_R = (1 - c)\\,r_S`.
It is the two-population simplification of the three-population model of Zhang et al. 2017
(Nat Commun 8:1816), whose adaptive rule is simulated here: treat until the burden
:math:`N = S + R` falls to 50% of its baseline (the burden when treatment starts), stop, and
restart when it returns to the baseline.

**Progression** (this module's definition, not the trial's radiographic criterion): the burden
first exceeds ``progression_factor`` (default 1.2) times the baseline. The simulators stop at
progression (the schedule would change then) and report the time to progression (``inf`` if it
does not happen before ``t_end``) and the cumulative dose :math:`\\int_0^T u\\,dt` up to that
time. With equal competition (:math:`a_{SR} = a_{RS} = 1`) the burden never exceeds
:math:`K`, so a baseline above :math:`K` / ``progression_factor`` can never progress
(``inf``). Switching and progression times are found by event detection in
:func:`scipy.integrate.solve_ivp`, so they are exact to the solver's tolerance.

Norton–Simon (the hypothesis of Norton and Simon 1977, in the form given by later accounts,
e.g. Traina et al. 2010; the 1977 paper was not read): a Gompertzian tumour regresses under
therapy at a rate proportional to the growth rate of an untreated tumour of the same size,
:math:`dN/dt = b\\,N \\ln(K/N)\\,(1 - \\varepsilon L(t))`; :func:`norton_simon_burden` solves it
exactly for pulsed treatment, the rationale of dose-dense scheduling.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_scalar

__all__ = [
    "TherapyResult",
    "competition_rhs",
    "gompertz_burden",
    "norton_simon_burden",
    "simulate_adaptive",
    "simulate_continuous",
]


def _pair(x, name: str, *, low=None, low_inclusive=True) -> tuple[float, float]:
    arr = as_array(x, name, low=low, low_inclusive=low_inclusive)
    if arr.shape != (2,):
        raise ValueError(f"{name} must be a pair of two numbers; got shape {arr.shape}.")
    return float(arr[0]), float(arr[1])


def competition_rhs(t, y, growth_rates, carrying_capacity, competition, kill_rate, dose):
    """Right-hand side of the sensitive–resistant competition model.

    .. math::

        \\frac{dS}{dt} = r_S S\\left(1 - \\frac{S + a_{SR} R}{K}\\right) - k u S, \\qquad
        \\frac{dR}{dt} = r_R R\\left(1 - \\frac{R + a_{RS} S}{K}\\right)

    Parameters
    ----------
    t : float
        Time (unused: the system is autonomous; present for ``solve_ivp``).
    y : array_like, shape (2, ...)
        Sensitive and resistant burdens ``(S, R)`` (>= 0, same unit as ``K``); extra axes
        broadcast.
    growth_rates : pair of float
        ``(r_S, r_R)`` per unit time (>= 0).
    carrying_capacity : float
        ``K`` (> 0), shared by both populations.
    competition : pair of float
        ``(a_SR, a_RS)`` (>= 0): ``a_SR`` the effect of a resistant cell on sensitive growth,
        ``a_RS`` of a sensitive cell on resistant growth.
    kill_rate : float
        ``k`` (>= 0) per unit time: the drug's kill rate of sensitive cells at full dose.
    dose : float or array_like
        ``u`` on the 0…1 scale (1 = maximum tolerated dose); broadcasts with ``y[0]``.

    Returns
    -------
    numpy.ndarray
        ``(dS/dt, dR/dt)``, shape ``(2, ...)``.

    Examples
    --------
    >>> competition_rhs(0.0, [0.5, 0.1], (0.03, 0.02), 1.0, (1.0, 1.0), 0.06, 1.0)
    array([-0.024 ,  0.0008])
    """
    yy = as_array(y, "y", low=0)
    if yy.ndim == 0 or yy.shape[0] != 2:
        raise ValueError(
            f"y must hold the two burdens (S, R) along its first axis; got shape {yy.shape}."
        )
    r_s, r_r = _pair(growth_rates, "growth_rates", low=0)
    k_cap = as_scalar(carrying_capacity, "carrying_capacity", low=0, low_inclusive=False)
    a_sr, a_rs = _pair(competition, "competition", low=0)
    kill = as_scalar(kill_rate, "kill_rate", low=0)
    u = as_array(dose, "dose", low=0, high=1)
    s, r = yy[0], yy[1]
    ds = r_s * s * (1.0 - (s + a_sr * r) / k_cap) - kill * u * s
    dr = r_r * r * (1.0 - (r + a_rs * s) / k_cap) + 0.0 * u
    ds, dr = np.broadcast_arrays(ds, dr)
    return np.stack([ds, dr])


@dataclass(frozen=True)
class TherapyResult:
    """The outcome of one simulated schedule.

    Attributes
    ----------
    schedule : str
        ``"continuous"`` or ``"adaptive"``.
    t : numpy.ndarray
        Times (a switching time appears twice, once with the dose before and once after).
    sensitive, resistant : numpy.ndarray
        ``S(t)`` and ``R(t)``.
    dose : numpy.ndarray
        ``u(t)`` on the 0…1 scale (piecewise constant).
    baseline : float
        The burden ``S0 + R0`` when treatment starts.
    time_to_progression : float
        First time the burden exceeds ``progression_factor × baseline``; ``inf`` if it does
        not before ``t_end``.
    cumulative_dose : float
        :math:`\\int_0^T u\\,dt` (dose-days at MTD) over the simulated time: up to
        progression, or to ``t_end`` if there is none (or if the simulation was asked to run
        on past progression).
    switch_times : numpy.ndarray
        Times the drug was stopped or restarted (empty for continuous therapy).
    """

    schedule: str
    t: np.ndarray
    sensitive: np.ndarray
    resistant: np.ndarray
    dose: np.ndarray
    baseline: float
    time_to_progression: float
    cumulative_dose: float
    switch_times: np.ndarray

    @property
    def burden(self) -> np.ndarray:
        """Total burden ``S + R``."""
        return self.sensitive + self.resistant

    @property
    def end_time(self) -> float:
        """Time the simulation stopped (progression or ``t_end``)."""
        return float(self.t[-1])

    @property
    def dose_fraction(self) -> float:
        """Mean dose over the simulated time: 1 for continuous therapy."""
        return self.cumulative_dose / self.end_time if self.end_time > 0 else 1.0


def _check_model(
    initial, growth_rates, carrying_capacity, competition, kill_rate, t_end, progression_factor
):
    s0, r0 = _pair(initial, "initial", low=0)
    if s0 + r0 <= 0:
        raise ValueError("initial must hold a positive burden (S0 + R0 > 0); got (0, 0).")
    params = (
        _pair(growth_rates, "growth_rates", low=0),
        as_scalar(carrying_capacity, "carrying_capacity", low=0, low_inclusive=False),
        _pair(competition, "competition", low=0),
        as_scalar(kill_rate, "kill_rate", low=0),
    )
    t_end = as_scalar(t_end, "t_end", low=0, low_inclusive=False)
    factor = as_scalar(progression_factor, "progression_factor", low=1, low_inclusive=False)
    return (s0, r0), params, t_end, factor


def _simulate(
    schedule,
    initial,
    params,
    t_end,
    factor,
    *,
    stop_fraction=0.5,
    restart_fraction=1.0,
    max_step=None,
    stop_at_progression=True,
    max_switches=100_000,
) -> TherapyResult:
    from scipy.integrate import solve_ivp

    (r_s, r_r), k_cap, (a_sr, a_rs), kill = params
    baseline = initial[0] + initial[1]
    progression_level = factor * baseline
    max_step = t_end / 400.0 if max_step is None else max_step

    def rhs(_t, y, u):
        s, r = y
        return (
            r_s * s * (1.0 - (s + a_sr * r) / k_cap) - kill * u * s,
            r_r * r * (1.0 - (r + a_rs * s) / k_cap),
        )

    def progressed(_t, y, _u):
        return y[0] + y[1] - progression_level

    progressed.terminal, progressed.direction = bool(stop_at_progression), 1.0

    def fell_to_stop(_t, y, _u):
        return y[0] + y[1] - stop_fraction * baseline

    fell_to_stop.terminal, fell_to_stop.direction = True, -1.0

    def rose_to_restart(_t, y, _u):
        return y[0] + y[1] - restart_fraction * baseline

    rose_to_restart.terminal, rose_to_restart.direction = True, 1.0

    ts, ss, rs, us, switches = [], [], [], [], []
    t0, y0, u = 0.0, np.array(initial, dtype=float), 1.0
    ttp, dose_integral = math.inf, 0.0
    for _ in range(max_switches):
        events = [progressed]
        if schedule == "adaptive":
            events.append(fell_to_stop if u > 0 else rose_to_restart)
        sol = solve_ivp(
            rhs,
            (t0, t_end),
            y0,
            args=(u,),
            events=events,
            rtol=1e-8,
            atol=1e-12 * k_cap,
            max_step=max_step,
        )
        ts.append(sol.t)
        ss.append(sol.y[0])
        rs.append(sol.y[1])
        us.append(np.full(sol.t.size, u))
        t1 = float(sol.t[-1])
        dose_integral += u * (t1 - t0)
        if sol.t_events[0].size and math.isinf(ttp):  # first progression
            ttp = float(sol.t_events[0][0])
        if sol.status != 1:  # reached t_end
            break
        if stop_at_progression and sol.t_events[0].size:
            break
        switches.append(t1)
        t0, y0, u = t1, sol.y[:, -1].copy(), 1.0 - u
    else:  # pragma: no cover - guarded by max_switches
        raise ValueError(f"more than {max_switches} switches before t_end; shorten t_end.")
    return TherapyResult(
        schedule=schedule,
        t=np.concatenate(ts),
        sensitive=np.clip(np.concatenate(ss), 0.0, None),
        resistant=np.clip(np.concatenate(rs), 0.0, None),
        dose=np.concatenate(us),
        baseline=float(baseline),
        time_to_progression=ttp,
        cumulative_dose=float(dose_integral),
        switch_times=np.asarray(switches, dtype=float),
    )


def simulate_continuous(
    initial,
    growth_rates,
    carrying_capacity=1.0,
    competition=(1.0, 1.0),
    kill_rate=0.06,
    t_end=3000.0,
    *,
    progression_factor=1.2,
    max_step=None,
    stop_at_progression=True,
) -> TherapyResult:
    """Continuous therapy at the maximum tolerated dose (``u = 1``) until progression.

    Parameters
    ----------
    initial : pair of float
        ``(S0, R0)`` when treatment starts; their sum is the baseline burden.
    growth_rates, carrying_capacity, competition, kill_rate
        As in :func:`competition_rhs`.
    t_end : float
        Longest time simulated (same unit as the rates' inverse, e.g. days).
    progression_factor : float
        Progression is the burden first exceeding ``progression_factor × baseline`` (> 1).
    max_step : float, optional
        Largest solver step (default ``t_end / 400``, for a smooth trajectory).
    stop_at_progression : bool
        Stop the simulation at progression (default; the schedule would change then). If
        False, the same schedule runs on to ``t_end``; the time to progression is still the
        first crossing, and ``cumulative_dose`` covers the whole simulated time.

    Returns
    -------
    TherapyResult

    Examples
    --------
    >>> res = simulate_continuous((0.74, 0.01), (0.03, 0.024), 1.0, (1.0, 1.0), 0.06, 3000)
    >>> round(res.time_to_progression), round(res.cumulative_dose)
    (302, 302)
    """
    y0, params, t_end, factor = _check_model(
        initial, growth_rates, carrying_capacity, competition, kill_rate, t_end, progression_factor
    )
    return _simulate(
        "continuous",
        y0,
        params,
        t_end,
        factor,
        max_step=max_step,
        stop_at_progression=stop_at_progression,
    )


def simulate_adaptive(
    initial,
    growth_rates,
    carrying_capacity=1.0,
    competition=(1.0, 1.0),
    kill_rate=0.06,
    t_end=3000.0,
    *,
    stop_fraction=0.5,
    restart_fraction=1.0,
    progression_factor=1.2,
    max_step=None,
    stop_at_progression=True,
) -> TherapyResult:
    """Adaptive therapy (Zhang et al. 2017): treat at MTD, stop at 50% of baseline, restart at it.

    The drug is given (``u = 1``) from the start until the burden falls to
    ``stop_fraction × baseline``, withheld (``u = 0``) until it rises back to
    ``restart_fraction × baseline``, and so on until progression (burden above
    ``progression_factor × baseline``) or ``t_end``.

    Parameters
    ----------
    initial, growth_rates, carrying_capacity, competition, kill_rate, t_end
        As in :func:`simulate_continuous`.
    stop_fraction : float
        Fraction of the baseline at which the drug is stopped (0 < stop < restart).
    restart_fraction : float
        Fraction of the baseline at which it is restarted (< ``progression_factor``).
    progression_factor : float
        As in :func:`simulate_continuous`.
    max_step, stop_at_progression
        As in :func:`simulate_continuous`.

    Returns
    -------
    TherapyResult

    Examples
    --------
    >>> res = simulate_adaptive((0.74, 0.01), (0.03, 0.024), 1.0, (1.0, 1.0), 0.06, 3000)
    >>> round(res.time_to_progression), round(res.dose_fraction, 2)
    (452, 0.51)
    """
    y0, params, t_end, factor = _check_model(
        initial, growth_rates, carrying_capacity, competition, kill_rate, t_end, progression_factor
    )
    stop = as_scalar(stop_fraction, "stop_fraction", low=0, low_inclusive=False)
    restart = as_scalar(restart_fraction, "restart_fraction", low=0, low_inclusive=False)
    if not stop < restart < factor:
        raise ValueError(
            "need 0 < stop_fraction < restart_fraction < progression_factor; got "
            f"{stop:g}, {restart:g}, {factor:g}."
        )
    return _simulate(
        "adaptive",
        y0,
        params,
        t_end,
        factor,
        stop_fraction=stop,
        restart_fraction=restart,
        max_step=max_step,
        stop_at_progression=stop_at_progression,
    )


def gompertz_burden(t, n0, growth_rate, carrying_capacity):
    """Untreated Gompertzian growth, :math:`N(t) = K \\exp(\\ln(N_0/K)\\,e^{-bt})`.

    The solution of :math:`dN/dt = b N \\ln(K/N)`.

    Parameters
    ----------
    t : array_like
        Times (>= 0).
    n0 : float
        Burden at ``t = 0`` (0 < n0).
    growth_rate : float
        ``b`` (> 0) per unit time.
    carrying_capacity : float
        Plateau ``K`` (> 0).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> round(float(gompertz_burden(0.0, 0.1, 0.05, 1.0)), 12)
    0.1
    >>> round(float(gompertz_burden(1000.0, 0.1, 0.05, 1.0)), 6)
    1.0
    """
    tt = as_array(t, "t", low=0)
    n0 = as_scalar(n0, "n0", low=0, low_inclusive=False)
    b = as_scalar(growth_rate, "growth_rate", low=0, low_inclusive=False)
    k = as_scalar(carrying_capacity, "carrying_capacity", low=0, low_inclusive=False)
    return k * np.exp(np.log(n0 / k) * np.exp(-b * tt))


def norton_simon_burden(
    t, n0, growth_rate, carrying_capacity, effect, interval, n_cycles, pulse_duration=1.0
):
    """Norton–Simon regression of a Gompertzian tumour under pulsed therapy (exact).

    .. math::

        \\frac{dN}{dt} = b\\,N \\ln\\frac{K}{N}\\,\\bigl(1 - \\varepsilon L(t)\\bigr),

    where :math:`L(t) = 1` during the ``pulse_duration`` after the start of each of the
    ``n_cycles`` cycles (every ``interval``) and 0 otherwise. With a constant factor
    :math:`c = 1 - \\varepsilon L`, :math:`x = \\ln(K/N)` obeys :math:`dx/dt = -b c x`, so each
    piece is solved exactly: :math:`x(t) = x(t_0) e^{-b c (t - t_0)}`. Regression (``effect``
    > 1) is fastest where untreated growth is fastest — the Norton–Simon hypothesis — and a
    shorter ``interval`` (dose density) leaves less time to regrow between cycles.

    Parameters
    ----------
    t : array_like
        Times (>= 0), any order.
    n0 : float
        Burden at ``t = 0``, below ``K``.
    growth_rate : float
        Gompertz ``b`` (> 0).
    carrying_capacity : float
        ``K`` (> 0).
    effect : float
        ``ε`` (>= 0): above 1 the tumour shrinks during a pulse.
    interval : float
        Time between the starts of two cycles (>= ``pulse_duration``).
    n_cycles : int
        Number of cycles (>= 0).
    pulse_duration : float
        Length of each pulse (> 0).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> args = dict(n0=0.1, growth_rate=0.05, carrying_capacity=1.0, effect=3.0, n_cycles=4)
    >>> dense = float(norton_simon_burden(56.0, interval=14.0, **args))
    >>> standard = float(norton_simon_burden(84.0, interval=21.0, **args))
    >>> dense < standard
    True
    """
    tt = as_array(t, "t", low=0)
    n0 = as_scalar(n0, "n0", low=0, low_inclusive=False)
    b = as_scalar(growth_rate, "growth_rate", low=0, low_inclusive=False)
    k = as_scalar(carrying_capacity, "carrying_capacity", low=0, low_inclusive=False)
    if n0 >= k:
        raise ValueError(f"n0 must be below carrying_capacity ({k:g}); got {n0:g}.")
    eps = as_scalar(effect, "effect", low=0)
    pulse = as_scalar(pulse_duration, "pulse_duration", low=0, low_inclusive=False)
    step = as_scalar(interval, "interval", low=pulse)
    cycles = as_scalar(n_cycles, "n_cycles", low=0)
    if cycles != int(cycles):
        raise ValueError(f"n_cycles must be a whole number; got {cycles:g}.")
    # breakpoints where L changes, then x = ln(K/N) piece by piece
    edges = [0.0]
    for i in range(int(cycles)):
        edges += [i * step, i * step + pulse]
    edges = np.unique(np.asarray(edges))
    x_edges = [math.log(k / n0)]
    for a, c in itertools.pairwise(edges):
        factor = 1.0 - eps * _on(a, step, pulse, cycles)
        x_edges.append(x_edges[-1] * math.exp(-b * factor * (c - a)))
    x_edges = np.asarray(x_edges)
    piece = np.clip(np.searchsorted(edges, tt, side="right") - 1, 0, edges.size - 1)
    starts = edges[piece]
    factors = np.array([1.0 - eps * _on(a, step, pulse, cycles) for a in edges])[piece]
    x = x_edges[piece] * np.exp(-b * factors * (tt - starts))
    return k * np.exp(-x)


def _on(start: float, interval: float, pulse: float, cycles: float) -> float:
    """1.0 if a piece starting at ``start`` lies inside a pulse, else 0.0."""
    i = math.floor(start / interval + 1e-12)
    return float(i < cycles and start - i * interval < pulse - 1e-12)
