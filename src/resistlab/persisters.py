"""Drug-tolerant persisters: a two-state (sensitive ⇌ tolerant) population model.

Sharma et al. (2010, Cell 141:69) found that a small subpopulation of cancer
cells survives an otherwise lethal drug exposure with >100-fold reduced
sensitivity; the state is entered and left at low frequency by individual
cells, is reversible after time off drug, and is ablated by chromatin-modifying
agents such as HDAC inhibitors. This module models it with two cell states:
sensitive :math:`S` and tolerant :math:`T`,

.. math::

    \\frac{dS}{dt} &= (g_S - k_S D(t))\\,S - a\\,S + b\\,T \\\\
    \\frac{dT}{dt} &= (g_T - k_T D(t))\\,T + a\\,S - b\\,T

with growth rates :math:`g`, kill rates :math:`k` per unit drug level
:math:`D(t)` (0 = off, 1 = the reference dose), entry rate :math:`a` into the
tolerant state and exit rate :math:`b` back to sensitivity. All rates are per
hour.

The system is linear, and :math:`D(t)` is piecewise constant for an on/off
schedule, so on each interval the solution is exactly
:math:`x(t) = e^{A(D)(t - t_0)}\\,x(t_0)`; :func:`simulate_two_state` evaluates
the 2×2 matrix exponential in closed form (no ODE solver, no step-size error).

Consequences the course uses:

* Under constant drug, :math:`N(t)/N_0` is exactly a sum of two exponentials:
  the *biphasic kill curve* :math:`(1-f)e^{-k_1 t} + f e^{-k_2 t}` with
  persister fraction :math:`f` (:func:`kill_curve_from_rates`,
  :func:`fit_biphasic_kill`).
* The tolerant fraction :math:`\\phi = T/(S+T)` obeys a closed equation,
  :math:`\\dot\\phi = a(1-\\phi) - b\\phi + (\\rho_T - \\rho_S)\\phi(1-\\phi)`
  (:math:`\\rho` = net growth rates), so it relaxes monotonically to an
  equilibrium (:func:`equilibrium_tolerant_fraction`); with equal net rates the
  equilibrium is :math:`a/(a+b)`. The time off drug needed to get back near the
  untreated equilibrium is the *drug holiday* (:func:`drug_holiday_h`).
* An epigenetic drug is modelled as a change of rates
  (:func:`epigenetic_drug_rates`): an HDAC inhibitor lowering entry
  :math:`a` into the tolerant state, or killing tolerant cells (Sharma et al.
  2010 found that HDAC inhibition ablates persisters). The two models predict
  different schedules.
* The persister fraction :math:`f` of the biphasic curve is not only the
  tolerant fraction before treatment: it also counts the cells that switch into
  the tolerant state during treatment (with :data:`ILLUSTRATIVE_RATES`,
  :math:`f` = 0.0062 against a pre-treatment tolerant fraction of 0.0034).

:data:`ILLUSTRATIVE_RATES` is a teaching parameter set chosen to give a
persister fraction of about 0.6% and a drug holiday of about two weeks; it is **not**
fitted to any published dataset.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validation import as_array, as_scalar, check_same_shape

__all__ = [
    "ILLUSTRATIVE_RATES",
    "BiphasicFit",
    "BiphasicKill",
    "FitError",
    "TwoStateRates",
    "TwoStateTrajectory",
    "biphasic_kill",
    "drug_holiday_h",
    "drug_level_at",
    "epigenetic_drug_rates",
    "equilibrium_tolerant_fraction",
    "fit_biphasic_kill",
    "intermittent_schedule",
    "kill_curve_from_rates",
    "simulate_two_state",
    "surviving_fraction",
]


class FitError(RuntimeError):
    """A kill-curve fit that did not converge or cannot be trusted; the message says why."""


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class TwoStateRates:
    """Per-hour rates of the sensitive ⇌ tolerant model.

    Parameters
    ----------
    growth_s_per_h, growth_t_per_h : float
        Growth rates :math:`g_S`, :math:`g_T` off drug (1/h; may be negative
        for a population that declines without drug).
    kill_s_per_h, kill_t_per_h : float
        Kill rates :math:`k_S`, :math:`k_T` at drug level 1 (1/h, >= 0).
    to_tolerant_per_h : float
        Entry rate :math:`a`, sensitive → tolerant (1/h, >= 0).
    to_sensitive_per_h : float
        Exit rate :math:`b`, tolerant → sensitive (1/h, >= 0).

    Examples
    --------
    >>> rates = TwoStateRates(0.03, 0.005, 0.08, 0.006, 1e-4, 4e-3)
    >>> [round(rho, 12) for rho in rates.net_rates(drug_level=1.0)]
    [-0.05, -0.001]
    >>> rates.replace(to_tolerant_per_h=1e-5).to_tolerant_per_h
    1e-05
    >>> TwoStateRates(0.03, 0.005, -0.08, 0.006, 1e-4, 4e-3)
    Traceback (most recent call last):
    ...
    ValueError: kill_s_per_h must be >= 0 1/h; got -0.08.
    """

    growth_s_per_h: float
    growth_t_per_h: float
    kill_s_per_h: float
    kill_t_per_h: float
    to_tolerant_per_h: float
    to_sensitive_per_h: float

    def __post_init__(self):
        for field in dataclasses.fields(self):
            low = None if field.name.startswith("growth") else 0.0
            value = as_scalar(getattr(self, field.name), field.name, unit="1/h", low=low)
            object.__setattr__(self, field.name, value)

    def net_rates(self, drug_level: float = 1.0) -> tuple[float, float]:
        """Net growth rates :math:`(\\rho_S, \\rho_T) = (g_S - k_S D, g_T - k_T D)` in 1/h."""
        d = as_scalar(drug_level, "drug_level", low=0)
        return (
            self.growth_s_per_h - self.kill_s_per_h * d,
            self.growth_t_per_h - self.kill_t_per_h * d,
        )

    def matrix(self, drug_level: float = 1.0) -> np.ndarray:
        """The 2×2 rate matrix :math:`A(D)` with :math:`\\dot x = A x`, :math:`x = (S, T)`."""
        rho_s, rho_t = self.net_rates(drug_level)
        a, b = self.to_tolerant_per_h, self.to_sensitive_per_h
        return np.array([[rho_s - a, b], [a, rho_t - b]])

    def replace(self, **changes) -> TwoStateRates:
        """A copy with some rates changed (validated like the original)."""
        return dataclasses.replace(self, **changes)


#: Teaching parameter set (1/h): sensitive cells double in ~23 h off drug and are
#: killed at a net 0.05/h on drug; tolerant cells are slow-cycling and lose only
#: 0.001/h on drug; entry 1e-4/h, exit 4e-3/h (mean tolerant dwell ~10 days).
#: Illustrative values, not fitted to any dataset.
ILLUSTRATIVE_RATES = TwoStateRates(
    growth_s_per_h=0.03,
    growth_t_per_h=0.005,
    kill_s_per_h=0.08,
    kill_t_per_h=0.006,
    to_tolerant_per_h=1e-4,
    to_sensitive_per_h=4e-3,
)


def _check_rates(rates) -> TwoStateRates:
    if not isinstance(rates, TwoStateRates):
        raise TypeError(
            "rates must be a resistlab.persisters.TwoStateRates (e.g. ILLUSTRATIVE_RATES "
            f"or TwoStateRates(...)); got {type(rates).__name__}."
        )
    return rates


def epigenetic_drug_rates(
    rates: TwoStateRates,
    entry_factor: float = 1.0,
    exit_factor: float = 1.0,
    *,
    extra_tolerant_kill_per_h: float = 0.0,
) -> TwoStateRates:
    """Rates under an epigenetic drug: switching scaled, and optionally tolerant cells killed.

    .. math:: a' = \\epsilon_{in}\\, a, \\qquad b' = \\epsilon_{out}\\, b, \\qquad
              k_T' = k_T + \\kappa

    Two ways to model an HDAC inhibitor, and they predict different schedules:

    * it keeps cells from *entering* the chromatin-dependent tolerant state:
      ``entry_factor < 1``; a lead-in before the targeted drug then drains the
      tolerant pool and helps more than starting both together;
    * it *kills* tolerant cells, as Sharma et al. (2010) found (HDAC inhibition
      ablated the drug-tolerant persisters): ``extra_tolerant_kill_per_h``
      :math:`\\kappa > 0` is added to the tolerant kill rate under the targeted
      drug (it scales with the drug level :math:`D`, like :math:`k_T`). With
      this model alone a lead-in off the targeted drug changes nothing, so
      co-treatment and a lead-in give the same surviving fraction.

    A drug that also pushes tolerant cells back to sensitivity is
    ``exit_factor > 1``.

    Parameters
    ----------
    rates : TwoStateRates
    entry_factor : float, default 1
        :math:`\\epsilon_{in}` >= 0 (0.1 = ten-fold lower entry).
    exit_factor : float, default 1
        :math:`\\epsilon_{out}` >= 0.
    extra_tolerant_kill_per_h : float, default 0
        :math:`\\kappa` >= 0 (1/h at drug level 1), added to ``kill_t_per_h``.

    Returns
    -------
    TwoStateRates

    Examples
    --------
    >>> hdaci = epigenetic_drug_rates(ILLUSTRATIVE_RATES, entry_factor=0.1)
    >>> round(hdaci.to_tolerant_per_h, 12), hdaci.to_sensitive_per_h
    (1e-05, 0.004)
    >>> killer = epigenetic_drug_rates(ILLUSTRATIVE_RATES, extra_tolerant_kill_per_h=0.02)
    >>> round(killer.kill_t_per_h, 12), killer.to_tolerant_per_h
    (0.026, 0.0001)
    """
    _check_rates(rates)
    f_in = as_scalar(entry_factor, "entry_factor", low=0)
    f_out = as_scalar(exit_factor, "exit_factor", low=0)
    kappa = as_scalar(extra_tolerant_kill_per_h, "extra_tolerant_kill_per_h", unit="1/h", low=0)
    return rates.replace(
        to_tolerant_per_h=rates.to_tolerant_per_h * f_in,
        to_sensitive_per_h=rates.to_sensitive_per_h * f_out,
        kill_t_per_h=rates.kill_t_per_h + kappa,
    )


# ----------------------------------------------------------------------- schedules


def intermittent_schedule(
    on_h: float, off_h: float, n_cycles: int, drug_level: float = 1.0
) -> tuple[tuple[float, float], ...]:
    """A repeated drug-on / drug-off schedule as ``((duration_h, level), ...)``.

    Parameters
    ----------
    on_h, off_h : float
        Length of each treatment and each holiday (h); ``on_h > 0``,
        ``off_h >= 0`` (0 = continuous treatment).
    n_cycles : int
        Number of on/off cycles (>= 1).
    drug_level : float, default 1
        Drug level while on (> 0).

    Returns
    -------
    tuple of (float, float)
        The segments, for :func:`simulate_two_state`; zero-length holidays
        are left out.

    Examples
    --------
    >>> intermittent_schedule(72, 24, 2)
    ((72.0, 1.0), (24.0, 0.0), (72.0, 1.0), (24.0, 0.0))
    """
    on = as_scalar(on_h, "on_h", unit="h", low=0, low_inclusive=False)
    off = as_scalar(off_h, "off_h", unit="h", low=0)
    level = as_scalar(drug_level, "drug_level", low=0, low_inclusive=False)
    if isinstance(n_cycles, bool) or not isinstance(n_cycles, numbers.Integral) or n_cycles < 1:
        raise ValueError(f"n_cycles must be an integer >= 1; got {n_cycles!r}.")
    cycle = ((on, level), (off, 0.0)) if off > 0 else ((on, level),)
    return cycle * int(n_cycles)


def _parse_schedule(schedule):
    """Return (starts, ends, levels) arrays; a number means that level for all time."""
    if isinstance(schedule, numbers.Real) and not isinstance(schedule, bool):
        level = as_scalar(schedule, "schedule (drug level)", low=0)
        return np.array([0.0]), np.array([np.inf]), np.array([level])
    try:
        seg = np.asarray(schedule, dtype=float)
    except (TypeError, ValueError):
        seg = None
    if seg is None or seg.ndim != 2 or seg.shape[1] != 2 or seg.shape[0] == 0:
        raise ValueError(
            "schedule must be a drug level (a number) or a sequence of "
            "(duration_h, drug_level) pairs, e.g. [(72, 1.0), (48, 0.0)]; "
            f"got {schedule!r:.80}."
        )
    durations = as_array(seg[:, 0], "schedule durations", unit="h", low=0)
    levels = as_array(seg[:, 1], "schedule drug levels", low=0)
    ends = np.cumsum(durations)
    starts = ends - durations
    return starts, ends, levels


def drug_level_at(time_h, schedule) -> np.ndarray:
    """The drug level :math:`D(t)` of a schedule at the given times.

    A segment holds on ``[start, end)``; the last segment also covers its
    end point.

    Examples
    --------
    >>> drug_level_at([0, 71.9, 72, 96], [(72, 1.0), (24, 0.0)]).tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    t = as_array(time_h, "time_h", unit="h", low=0)
    _starts, ends, levels = _parse_schedule(schedule)
    _check_within(t, ends[-1])
    index = np.clip(np.searchsorted(ends, t, side="right"), 0, len(levels) - 1)
    return levels[index]


def _check_within(t: np.ndarray, end: float) -> None:
    if t.size and t.max() > end * (1 + 1e-12):
        raise ValueError(
            f"time_h reaches {t.max():g} h but the schedule ends at {end:g} h; "
            "add a segment (e.g. (duration_h, 0.0) for time off drug) to cover it."
        )


# ------------------------------------------------------------------ exact solution


def _expm2_apply(matrix: np.ndarray, dt: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """``expm(matrix * dt) @ x0`` for a 2×2 Metzler matrix, vectorised over ``dt``.

    With m = tr/2, B = A - mI and q² = ((A00 - A11)/2)² + A01·A10 (>= 0 here),
    exp(At) = e^{mt}[cosh(qt) I + sinh(qt)/q B]. For 2qt < 1 this is evaluated
    with expm1 (accurate as q → 0); otherwise in the equivalent spectral form
    e^{(m+q)t} (x0 + Bx0/q)/2 + e^{(m-q)t} (x0 - Bx0/q)/2, which avoids the
    cancellation between cosh and sinh when one exponential dwarfs the other.
    """
    m = 0.5 * (matrix[0, 0] + matrix[1, 1])
    half_diff = 0.5 * (matrix[0, 0] - matrix[1, 1])
    q = math.sqrt(half_diff * half_diff + matrix[0, 1] * matrix[1, 0])
    bx = (matrix - m * np.eye(2)) @ x0
    with np.errstate(over="ignore", invalid="ignore"):
        e_minus = np.exp((m - q) * dt)
        e_plus = np.exp((m + q) * dt)
        x = 2.0 * q * dt
        small = x < 1.0
        safe_x = np.where(small & (x > 0), x, 1.0)
        phi = np.where(x > 0, np.expm1(safe_x) / safe_x, 1.0)
        # near-degenerate branch: cosh and e^{mt} sinh(qt)/q
        cosh_term = 0.5 * (e_plus + e_minus)
        sinh_term = e_minus * dt * phi
        near = cosh_term[:, None] * x0[None, :] + sinh_term[:, None] * bx[None, :]
        if q > 0:
            v_plus = 0.5 * (x0 + bx / q)
            v_minus = 0.5 * (x0 - bx / q)
            spectral = e_plus[:, None] * v_plus[None, :] + e_minus[:, None] * v_minus[None, :]
        else:
            spectral = near
    return np.where(small[:, None], near, spectral)


class TwoStateTrajectory(NamedTuple):
    """A solution of the two-state model at the requested times.

    Attributes
    ----------
    time_h : numpy.ndarray
    sensitive, tolerant : numpy.ndarray
        :math:`S(t)` and :math:`T(t)` in the units of the initial state.
    drug_level : numpy.ndarray
        :math:`D(t)` at each time.
    """

    time_h: np.ndarray
    sensitive: np.ndarray
    tolerant: np.ndarray
    drug_level: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """:math:`N(t) = S(t) + T(t)`."""
        return self.sensitive + self.tolerant

    @property
    def tolerant_fraction(self) -> np.ndarray:
        """:math:`T/(S+T)` (0 where the population is extinct)."""
        total = self.total
        return np.divide(self.tolerant, total, out=np.zeros_like(total), where=total > 0)


def _initial_state(rates: TwoStateRates, initial) -> np.ndarray:
    if initial is None:
        phi = equilibrium_tolerant_fraction(rates, drug_level=0.0)
        return np.array([1.0 - phi, phi])
    x0 = as_array(initial, "initial", unit="cells", low=0, ndim=1)
    if x0.shape != (2,):
        raise ValueError(f"initial must be a pair (sensitive, tolerant); got {x0.size} values.")
    if x0.sum() == 0:
        raise ValueError("initial must contain some cells; got (0, 0).")
    return x0


def simulate_two_state(
    time_h, rates: TwoStateRates, schedule=1.0, *, initial=None
) -> TwoStateTrajectory:
    """Solve the sensitive ⇌ tolerant model exactly for a piecewise-constant drug schedule.

    .. math::

        \\dot S = (g_S - k_S D(t))S - aS + bT, \\qquad
        \\dot T = (g_T - k_T D(t))T + aS - bT

    On each schedule segment the solution is :math:`x(t) = e^{A(D)(t-t_0)}x(t_0)`,
    evaluated with the closed-form 2×2 matrix exponential.

    Parameters
    ----------
    time_h : array_like
        Times (h, >= 0; any order) at which to report the state; t = 0 is
        the start of the schedule.
    rates : TwoStateRates
    schedule : float or sequence of (duration_h, drug_level), default 1.0
        A single number is a constant drug level for all time; a sequence of
        segments is applied in order from t = 0 and must cover every
        requested time (see :func:`intermittent_schedule`).
    initial : (float, float), optional
        :math:`(S_0, T_0)` at t = 0. Default: the untreated equilibrium
        composition with :math:`S_0 + T_0 = 1`, so that ``total`` is the
        surviving fraction :math:`N(t)/N_0`.

    Returns
    -------
    TwoStateTrajectory
        ``time_h``, ``sensitive``, ``tolerant``, ``drug_level``, plus the
        properties ``total`` and ``tolerant_fraction``.

    Raises
    ------
    ValueError
        For negative times or rates, a malformed schedule, a time beyond the
        schedule's end, or a population that overflows the float range.

    Examples
    --------
    No switching: each state is a pure exponential.

    >>> rates = TwoStateRates(0.02, 0.0, 0.07, 0.001, 0.0, 0.0)
    >>> traj = simulate_two_state([0, 100], rates, 1.0, initial=(1.0, 0.5))
    >>> traj.sensitive.round(6).tolist(), traj.tolerant.round(6).tolist()
    ([1.0, 0.006738], [0.5, 0.452419])

    Treatment for three days, then a four-day holiday:

    >>> traj = simulate_two_state([0, 72, 168], ILLUSTRATIVE_RATES, [(72, 1.0), (96, 0.0)])
    >>> traj.total.round(4).tolist()
    [1.0, 0.0312, 0.4978]
    """
    _check_rates(rates)
    t = as_array(time_h, "time_h", unit="h", low=0)
    shape = t.shape
    t = t.ravel()
    starts, ends, levels = _parse_schedule(schedule)
    _check_within(t, ends[-1])
    x = _initial_state(rates, initial)

    sensitive = np.empty_like(t)
    tolerant = np.empty_like(t)
    drug = np.empty_like(t)
    # segment of every time: [start, end); the final end point belongs to the last segment
    index = np.clip(np.searchsorted(ends, t, side="right"), 0, len(levels) - 1)
    last_needed = int(index.max()) if t.size else -1
    for k in range(last_needed + 1):
        matrix = rates.matrix(levels[k])
        here = index == k
        if here.any():
            states = _expm2_apply(matrix, t[here] - starts[k], x)
            sensitive[here], tolerant[here] = states[:, 0], states[:, 1]
            drug[here] = levels[k]
        if k < last_needed:
            x = _expm2_apply(matrix, np.array([ends[k] - starts[k]]), x)[0]
    out = np.concatenate([sensitive, tolerant])
    if not np.all(np.isfinite(out)):
        raise ValueError(
            "the population overflowed the float range; shorten the time span or "
            "lower the growth rates."
        )
    # exact solutions are >= 0; clip round-off of order 1e-17 below zero
    sensitive, tolerant = np.maximum(sensitive, 0.0), np.maximum(tolerant, 0.0)
    return TwoStateTrajectory(
        t.reshape(shape), sensitive.reshape(shape), tolerant.reshape(shape), drug.reshape(shape)
    )


def surviving_fraction(rates: TwoStateRates, duration_h, drug_level: float = 1.0, *, initial=None):
    """Surviving fraction :math:`N(t)/N_0` after constant drug exposure.

    Parameters
    ----------
    rates : TwoStateRates
    duration_h : float or array_like
        Exposure time(s) (h, >= 0).
    drug_level : float, default 1
    initial : (float, float), optional
        Starting composition (only its proportions matter); default the
        untreated equilibrium of ``rates``.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(surviving_fraction(ILLUSTRATIVE_RATES, 216.0), 5)
    0.00211
    """
    t = as_array(duration_h, "duration_h", unit="h", low=0)
    level = as_scalar(drug_level, "drug_level", low=0)
    traj = simulate_two_state(t, rates, level, initial=initial)
    x0 = _initial_state(rates, initial)
    frac = traj.total / x0.sum()
    return float(frac) if frac.ndim == 0 else frac


# ------------------------------------------------------------------- equilibrium


def equilibrium_tolerant_fraction(rates: TwoStateRates, drug_level: float = 0.0) -> float:
    """Tolerant fraction that the population settles to at a constant drug level.

    The tolerant fraction :math:`\\phi = T/(S+T)` obeys

    .. math:: \\dot\\phi = a(1-\\phi) - b\\phi + \\Delta\\,\\phi(1-\\phi),
              \\qquad \\Delta = \\rho_T - \\rho_S ,

    whose stable root is (the Perron eigenvector of :math:`A(D)`)

    .. math:: \\phi^* = \\frac{2a}{(a + b - \\Delta) + \\sqrt{(a + b - \\Delta)^2 + 4a\\Delta}} ,

    which is :math:`a/(a+b)` when both states have the same net growth rate.

    Parameters
    ----------
    rates : TwoStateRates
    drug_level : float, default 0 (untreated)

    Returns
    -------
    float
        :math:`\\phi^*` in [0, 1].

    Raises
    ------
    ValueError
        With no switching (a = b = 0) and equal net rates every composition
        stays put, so no equilibrium is singled out.

    Examples
    --------
    >>> equal = TwoStateRates(0.02, 0.02, 0.0, 0.0, 0.001, 0.009)
    >>> round(equilibrium_tolerant_fraction(equal), 12)
    0.1
    >>> round(equilibrium_tolerant_fraction(ILLUSTRATIVE_RATES), 6)
    0.003447
    """
    _check_rates(rates)
    rho_s, rho_t = rates.net_rates(drug_level)
    a, b = rates.to_tolerant_per_h, rates.to_sensitive_per_h
    delta = rho_t - rho_s
    if a > 0:
        s = a + b - delta
        return min(1.0, float(2 * a / (s + math.sqrt(s * s + 4 * a * delta))))
    # a = 0: phi' = phi (Delta - b - Delta phi); roots 0 and 1 - b/Delta
    if b == 0 and delta == 0:
        raise ValueError(
            "with no switching (to_tolerant_per_h = to_sensitive_per_h = 0) and equal net "
            "growth rates every composition is an equilibrium; the fraction is undefined."
        )
    return float(1.0 - b / delta) if delta > b else 0.0


def _fraction_after(rates: TwoStateRates, phi0: float, dt: np.ndarray, level: float) -> np.ndarray:
    states = _expm2_apply(rates.matrix(level), dt, np.array([1.0 - phi0, phi0]))
    total = states.sum(axis=1)
    return states[:, 1] / total


def drug_holiday_h(
    rates: TwoStateRates,
    tolerant_fraction_start: float,
    *,
    rel_tol: float = 0.1,
    max_h: float = 1e5,
) -> float:
    """Time off drug after which the tolerant fraction is back near its untreated equilibrium.

    Starting off drug from tolerant fraction :math:`\\phi_0` (e.g. the end of a
    treatment course), returns the first time :math:`t_h` with

    .. math:: |\\phi(t_h) - \\phi^*_0| \\le \\text{rel\\_tol}\\cdot\\phi^*_0 ,

    where :math:`\\phi^*_0` is :func:`equilibrium_tolerant_fraction` off drug.
    :math:`\\phi(t)` relaxes monotonically, so this time is unique; it is found
    by root-finding on the exact solution.

    Parameters
    ----------
    rates : TwoStateRates
    tolerant_fraction_start : float
        :math:`\\phi_0` in [0, 1].
    rel_tol : float, default 0.1
        Relative closeness to the equilibrium (0.1 = within 10 %), in (0, 1).
    max_h : float, default 1e5
        Give up (``ValueError``) if the criterion is not met by then.

    Returns
    -------
    float
        The holiday in hours (0 if :math:`\\phi_0` already meets the criterion).

    Examples
    --------
    >>> phi_end = simulate_two_state([240.0], ILLUSTRATIVE_RATES, 1.0).tolerant_fraction[0]
    >>> round(float(phi_end), 3)
    0.916
    >>> round(drug_holiday_h(ILLUSTRATIVE_RATES, phi_end) / 24, 2)
    13.59
    """
    from scipy.optimize import brentq

    _check_rates(rates)
    phi0 = as_scalar(tolerant_fraction_start, "tolerant_fraction_start", low=0, high=1)
    tol = as_scalar(rel_tol, "rel_tol", low=0, high=1, low_inclusive=False, high_inclusive=False)
    limit = as_scalar(max_h, "max_h", unit="h", low=0, low_inclusive=False)
    target = equilibrium_tolerant_fraction(rates, drug_level=0.0)
    if target == 0:
        raise ValueError(
            "the untreated equilibrium has no tolerant cells (to_tolerant_per_h = 0), so no "
            "relative tolerance around it can be met."
        )

    def gap(t: float) -> float:
        phi = _fraction_after(rates, phi0, np.array([t]), 0.0)[0]
        return abs(phi - target) - tol * target

    if gap(0.0) <= 0:
        return 0.0
    # bracket the crossing by doubling (phi relaxes monotonically, so it is unique)
    lo, hi = 0.0, min(1.0, limit)
    while gap(hi) > 0:
        if hi >= limit:
            raise ValueError(
                f"the tolerant fraction is not within {tol:.0%} of its untreated equilibrium "
                f"after max_h = {limit:g} h off drug; raise max_h or check the switching rates."
            )
        lo, hi = hi, min(2.0 * hi, limit)
    return float(brentq(gap, lo, hi, xtol=1e-9, rtol=1e-12))


# --------------------------------------------------------------- biphasic kill


@dataclass(frozen=True)
class BiphasicKill:
    """Parameters of a biphasic kill curve :math:`(1-f)e^{-k_1 t} + f e^{-k_2 t}`.

    Attributes
    ----------
    persister_fraction : float
        :math:`f`, the weight of the slow (persister) phase.
    k_fast_per_h, k_slow_per_h : float
        Decay rates :math:`k_1 > k_2` (1/h); negative means growth.
    """

    persister_fraction: float
    k_fast_per_h: float
    k_slow_per_h: float

    def predict(self, time_h):
        """Surviving fraction :math:`N(t)/N_0` at ``time_h``."""
        return biphasic_kill(time_h, self.persister_fraction, self.k_fast_per_h, self.k_slow_per_h)

    @property
    def half_lives_h(self) -> tuple[float, float]:
        """:math:`(\\ln 2/k_1, \\ln 2/k_2)` in hours (``math.inf`` for a non-decaying phase)."""
        return tuple(
            math.log(2) / k if k > 0 else math.inf for k in (self.k_fast_per_h, self.k_slow_per_h)
        )


@dataclass(frozen=True)
class BiphasicFit(BiphasicKill):
    """A :class:`BiphasicKill` fitted to data by log-space least squares.

    Attributes
    ----------
    n_points : int
    rss_log : float
        Residual sum of squares of :math:`\\ln y - \\ln \\hat y`.
    rss_log_monophasic : float
        The same for the best single exponential :math:`e^{-kt}`; a biphasic
        fit that barely improves on it is not evidence of persisters.
    """

    n_points: int = 0
    rss_log: float = math.nan
    rss_log_monophasic: float = math.nan

    @property
    def residual_sd_log(self) -> float:
        """:math:`\\sqrt{\\mathrm{RSS}/(n - 3)}`, the scatter on the natural-log scale."""
        return math.sqrt(self.rss_log / (self.n_points - 3))


def biphasic_kill(time_h, persister_fraction, k_fast_per_h, k_slow_per_h):
    """Biphasic kill curve: surviving fraction of a population with a persister subpopulation.

    .. math:: \\frac{N(t)}{N_0} = (1 - f)\\,e^{-k_1 t} + f\\,e^{-k_2 t}

    Parameters
    ----------
    time_h : array_like
        Time on drug (h, >= 0).
    persister_fraction : float
        :math:`f` in [0, 1].
    k_fast_per_h, k_slow_per_h : float
        :math:`k_1`, :math:`k_2` (1/h): kill rates of the bulk and of the
        persisters.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> biphasic_kill(0.0, 0.01, 0.05, 0.001)
    1.0
    >>> round(biphasic_kill(100.0, 0.01, 0.05, 0.001), 6)
    0.015719
    """
    t = as_array(time_h, "time_h", unit="h", low=0)
    f = as_scalar(persister_fraction, "persister_fraction", low=0, high=1)
    k1 = as_scalar(k_fast_per_h, "k_fast_per_h", unit="1/h")
    k2 = as_scalar(k_slow_per_h, "k_slow_per_h", unit="1/h")
    y = (1.0 - f) * np.exp(-k1 * t) + f * np.exp(-k2 * t)
    return float(y) if y.ndim == 0 else y


def kill_curve_from_rates(
    rates: TwoStateRates, drug_level: float = 1.0, *, initial=None
) -> BiphasicKill:
    """The exact biphasic kill curve implied by the two-state model at a constant drug level.

    Under constant drug :math:`N(t)/N_0 = c_1 e^{\\lambda_1 t} + c_2 e^{\\lambda_2 t}`
    with the eigenvalues :math:`\\lambda_1 < \\lambda_2` of :math:`A(D)` and
    :math:`c_1 + c_2 = 1`; so :math:`k_1 = -\\lambda_1`, :math:`k_2 = -\\lambda_2`
    and :math:`f = c_2`. With no switching, :math:`f` is just the initial
    tolerant fraction.

    Parameters
    ----------
    rates : TwoStateRates
    drug_level : float, default 1
    initial : (float, float), optional
        Starting composition; default the untreated equilibrium.

    Returns
    -------
    BiphasicKill

    Raises
    ------
    ValueError
        If the two eigenvalues coincide (the curve is not biphasic).

    Examples
    --------
    >>> kill = kill_curve_from_rates(ILLUSTRATIVE_RATES)
    >>> round(kill.persister_fraction, 5), round(kill.k_fast_per_h, 5), round(kill.k_slow_per_h, 5)
    (0.00616, 0.05011, 0.00499)
    """
    _check_rates(rates)
    level = as_scalar(drug_level, "drug_level", low=0)
    x0 = _initial_state(rates, initial)
    x0 = x0 / x0.sum()
    matrix = rates.matrix(level)
    m = 0.5 * (matrix[0, 0] + matrix[1, 1])
    half_diff = 0.5 * (matrix[0, 0] - matrix[1, 1])
    q = math.sqrt(half_diff * half_diff + matrix[0, 1] * matrix[1, 0])
    if q == 0:
        raise ValueError(
            "the two states decay at the same rate with no switching, so the kill curve is "
            "a single exponential, not biphasic."
        )
    w = float(np.ones(2) @ (matrix - m * np.eye(2)) @ x0)
    return BiphasicKill(
        persister_fraction=0.5 * (1.0 + w / q),
        k_fast_per_h=float(-(m - q)),
        k_slow_per_h=float(-(m + q)),
    )


def _log_biphasic(theta: np.ndarray, t: np.ndarray) -> np.ndarray:
    """ln of the biphasic curve with f = expit(θ0), k2 = e^{θ1}, k1 = k2 + e^{θ2}.

    The log-rates are clipped to [-40, 10] so that the optimiser's trial steps
    can never overflow (k up to e^10 ≈ 2·10^4 per hour is far beyond any kill rate).
    """
    log_f = -np.logaddexp(0.0, -theta[0])
    log_1mf = -np.logaddexp(0.0, theta[0])
    k2 = np.exp(np.clip(theta[1], -40.0, 10.0))
    k1 = k2 + np.exp(np.clip(theta[2], -40.0, 10.0))
    return np.logaddexp(log_1mf - k1 * t, log_f - k2 * t)


def fit_biphasic_kill(time_h, surviving_fraction) -> BiphasicFit:
    """Fit :math:`(1-f)e^{-k_1 t} + f e^{-k_2 t}` to a kill curve by least squares in log space.

    Minimises :math:`\\sum_i (\\ln y_i - \\ln \\hat y(t_i))^2` over
    :math:`f \\in (0, 1)` and :math:`k_1 > k_2 > 0`, so that the tail (where the
    persisters show) weighs as much as the first hours. Starting values come
    from a straight-line fit to the late log-data (slope :math:`-k_2`,
    intercept :math:`\\ln f`) and the early excess over it; several starts are
    refined with ``scipy.optimize.least_squares`` and the best is kept.

    Parameters
    ----------
    time_h : array_like
        1-D times on drug (h, >= 0); replicates may share a time.
    surviving_fraction : array_like
        :math:`N(t)/N_0` at those times (> 0: zeros cannot be log-transformed).

    Returns
    -------
    BiphasicFit
        ``persister_fraction``, ``k_fast_per_h``, ``k_slow_per_h``,
        ``rss_log``, ``rss_log_monophasic``, ``n_points``; ``predict(t)``.

    Raises
    ------
    ValueError
        Bad data: mismatched shapes, negative times, non-positive or
        non-finite fractions, fewer than 4 distinct times, or a curve that
        does not fall.
    FitError
        If no start converges to a finite optimum.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([0, 6, 12, 24, 48, 72, 96, 144, 192], dtype=float)
    >>> y = biphasic_kill(t, 0.004, 0.06, 0.003)
    >>> fit = fit_biphasic_kill(t, y)
    >>> round(fit.persister_fraction, 6), round(fit.k_fast_per_h, 6), round(fit.k_slow_per_h, 6)
    (0.004, 0.06, 0.003)
    """
    from scipy.optimize import least_squares

    t = as_array(time_h, "time_h", unit="h", low=0, ndim=1)
    y = as_array(surviving_fraction, "surviving_fraction", ndim=1)
    check_same_shape(time_h=t, surviving_fraction=y)
    if np.any(y <= 0):
        pos = int(np.flatnonzero(y <= 0)[0])
        raise ValueError(
            f"surviving_fraction must be > 0 to be log-transformed; got {y[pos]:g} at position "
            f"{pos}. Drop wells below the detection limit rather than entering 0."
        )
    unique_t = np.unique(t)
    if unique_t.size < 4:
        raise ValueError(
            "a biphasic fit (3 parameters) needs at least 4 distinct time points; "
            f"got {unique_t.size}."
        )
    log_y = np.log(y)
    first = log_y[t == unique_t[0]].mean()
    last = log_y[t == unique_t[-1]].mean()
    if not last < first - 0.1:
        raise ValueError(
            "the surviving fraction does not fall over time (last time point is not below the "
            "first), so there is no kill curve to fit; check the time and fraction columns."
        )

    # starting values: the late half of the times for the slow phase
    late = t >= np.median(unique_t)
    slope, intercept = np.polyfit(t[late], log_y[late], 1)
    k2_0 = max(-slope, 1e-6)
    f_0 = float(np.clip(np.exp(intercept), 1e-8, 0.5))
    early = ~late & (t > 0)
    excess = y[early] - f_0 * np.exp(-k2_0 * t[early])
    ok = excess > 0
    if ok.sum() >= 1:
        k1_0 = float(np.median(-np.log(excess[ok] / (1 - f_0)) / t[early][ok]))
    else:
        k1_0 = 10.0 * k2_0
    k1_0 = max(k1_0, 2.0 * k2_0, 1e-5)

    def residuals(theta):
        return _log_biphasic(theta, t) - log_y

    best = None
    for f_mult in (1.0, 0.3, 3.0):
        for k1_mult in (1.0, 0.3, 3.0):
            f_s = min(f_0 * f_mult, 0.9)
            k1_s = max(k1_0 * k1_mult, 1.5 * k2_0)
            theta0 = np.array([math.log(f_s / (1 - f_s)), math.log(k2_0), math.log(k1_s - k2_0)])
            try:
                res = least_squares(
                    residuals,
                    theta0,
                    method="lm",
                    xtol=1e-14,
                    ftol=1e-14,
                    gtol=1e-14,
                    max_nfev=2000,
                )
            except (ValueError, FloatingPointError):  # pragma: no cover - defensive
                continue
            if np.all(np.isfinite(res.x)) and np.isfinite(res.cost):
                if best is None or res.cost < best.cost:
                    best = res
    if best is None:  # pragma: no cover - defensive
        raise FitError(
            "the biphasic fit did not converge from any starting point; check that the data "
            "are a kill curve (fraction of cells alive vs time on drug)."
        )
    theta = np.clip(best.x, [-700.0, -40.0, -40.0], [700.0, 10.0, 10.0])
    f = float(1.0 / (1.0 + math.exp(-theta[0])))
    k2 = float(math.exp(theta[1]))
    k1 = float(k2 + math.exp(theta[2]))
    rss = float(np.sum(residuals(theta) ** 2))
    # best single exponential through (0, 1): ln y = -k t, least squares in closed form
    k_mono = max(-float(np.sum(t * log_y) / np.sum(t * t)), 0.0) if np.any(t > 0) else 0.0
    rss_mono = float(np.sum((log_y + k_mono * t) ** 2))
    return BiphasicFit(
        persister_fraction=f,
        k_fast_per_h=k1,
        k_slow_per_h=k2,
        n_points=int(t.size),
        rss_log=rss,
        rss_log_monophasic=rss_mono,
    )
