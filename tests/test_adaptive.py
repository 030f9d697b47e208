"""resistlab.adaptive: competition model, MTD and adaptive schedules, Norton–Simon."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from resistlab.adaptive import (
    competition_rhs,
    gompertz_burden,
    norton_simon_burden,
    simulate_adaptive,
    simulate_continuous,
)

BASE = {
    "growth_rates": (0.03, 0.024),
    "carrying_capacity": 1.0,
    "competition": (1.0, 1.0),
    "kill_rate": 0.06,
}


def _logistic(t, n0, r, k):
    return k / (1.0 + (k / n0 - 1.0) * np.exp(-r * t))


# ---- the right-hand side


def test_rhs_hand_values_and_dose_only_kills_sensitive():
    """Hand-computed derivatives; the dose lowers dS/dt by k*u*S and leaves dR/dt alone."""
    off = competition_rhs(0, [0.5, 0.1], (0.03, 0.02), 1.0, (1.0, 1.0), 0.06, 0.0)
    on = competition_rhs(0, [0.5, 0.1], (0.03, 0.02), 1.0, (1.0, 1.0), 0.06, 1.0)
    np.testing.assert_allclose(off, [0.03 * 0.5 * 0.4, 0.02 * 0.1 * 0.4])
    np.testing.assert_allclose(on - off, [-0.06 * 0.5, 0.0], atol=1e-15)


def test_rhs_competition_coefficients_are_not_swapped():
    """a_SR weighs R in the sensitive equation, a_RS weighs S in the resistant one."""
    d = competition_rhs(0, [0.2, 0.4], (1.0, 1.0), 1.0, (0.5, 2.0), 0.0, 0.0)
    np.testing.assert_allclose(d, [0.2 * (1 - (0.2 + 0.5 * 0.4)), 0.4 * (1 - (0.4 + 2.0 * 0.2))])


def test_rhs_broadcasts():
    """y of shape (2, n) and a dose vector give derivatives of shape (2, n)."""
    y = np.array([[0.1, 0.5, 0.9], [0.0, 0.1, 0.05]])
    d = competition_rhs(0, y, (0.03, 0.02), 1.0, (1.0, 1.0), 0.06, [0.0, 0.5, 1.0])
    assert d.shape == (2, 3)
    for j in range(3):
        col = competition_rhs(0, y[:, j], (0.03, 0.02), 1.0, (1.0, 1.0), 0.06, [0.0, 0.5, 1.0][j])
        np.testing.assert_allclose(d[:, j], col)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y": [0.5]}, "two burdens"),
        ({"y": [-0.1, 0.2]}, "y must be >= 0"),
        ({"growth_rates": (0.03,)}, "growth_rates must be a pair"),
        ({"carrying_capacity": 0.0}, "carrying_capacity must be > 0"),
        ({"competition": (1.0, -1.0)}, "competition must be >= 0"),
        ({"dose": 1.5}, "dose must be <= 1"),
        ({"kill_rate": float("nan")}, "kill_rate must be finite"),
    ],
)
def test_rhs_bad_input(kwargs, match):
    """Bad input: a ValueError that names the argument and what was expected."""
    args = {"t": 0.0, "y": [0.5, 0.1], **BASE, "dose": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        competition_rhs(**args)


# ---- reference tests: closed forms and independent integration


def test_logistic_closed_form_and_exact_progression_time():
    """No resistance and no drug: the logistic curve, and progression exactly where it crosses."""
    s0, r, k = 0.3, 0.05, 1.0
    res = simulate_continuous((s0, 0.0), (r, 0.01), k, (1.0, 1.0), 0.0, 500.0)
    np.testing.assert_allclose(res.sensitive, _logistic(res.t, s0, r, k), rtol=1e-6)
    level = 1.2 * s0
    exact = math.log((k / s0 - 1.0) / (k / level - 1.0)) / r
    assert res.time_to_progression == pytest.approx(exact, rel=1e-7)
    assert res.cumulative_dose == pytest.approx(exact, rel=1e-7)


def test_coexistence_equilibrium_is_stable_under_weak_competition():
    """a_SR, a_RS < 1: S* = K(1-a_SR)/(1-a_SR a_RS), R* likewise; the rhs vanishes there, the
    Jacobian's eigenvalues are negative, and a long integration converges to it."""
    k, a_sr, a_rs, rates = 1.0, 0.5, 0.4, (0.04, 0.02)
    det = 1 - a_sr * a_rs
    star = np.array([k * (1 - a_sr) / det, k * (1 - a_rs) / det])
    args = (rates, k, (a_sr, a_rs), 0.0, 0.0)
    np.testing.assert_allclose(competition_rhs(0, star, *args), 0.0, atol=1e-15)
    h = 1e-7
    jac = np.column_stack(
        [
            (competition_rhs(0, star + h * e, *args) - competition_rhs(0, star - h * e, *args))
            / (2 * h)
            for e in np.eye(2)
        ]
    )
    assert np.all(np.linalg.eigvals(jac).real < 0)
    sol = solve_ivp(
        lambda t, y: competition_rhs(t, y, *args), (0, 3000), [0.05, 0.05], rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(sol.y[:, -1], star, atol=1e-6)


def test_strong_competition_makes_coexistence_a_saddle():
    """a_SR, a_RS > 1: coexistence is a saddle, one positive eigenvalue (exclusion)."""
    k, a_sr, a_rs, rates = 1.0, 1.5, 2.0, (0.04, 0.02)
    det = 1 - a_sr * a_rs
    star = np.array([k * (1 - a_sr) / det, k * (1 - a_rs) / det])
    args = (rates, k, (a_sr, a_rs), 0.0, 0.0)
    h = 1e-7
    jac = np.column_stack(
        [
            (competition_rhs(0, star + h * e, *args) - competition_rhs(0, star - h * e, *args))
            / (2 * h)
            for e in np.eye(2)
        ]
    )
    eig = np.sort(np.linalg.eigvals(jac).real)
    assert eig[0] < 0 < eig[1]


def test_continuous_matches_fixed_step_rk4():
    """The MTD trajectory agrees with a fixed-step RK4 integration of competition_rhs."""
    res = simulate_continuous((0.74, 0.01), **BASE, t_end=3000.0)
    t_stop, dt = 200.0, 0.01
    y = np.array([0.74, 0.01])

    def f(yy):
        return competition_rhs(0, yy, BASE["growth_rates"], 1.0, (1.0, 1.0), 0.06, 1.0)

    for _ in range(int(t_stop / dt)):
        k1 = f(y)
        k2 = f(y + dt / 2 * k1)
        k3 = f(y + dt / 2 * k2)
        k4 = f(y + dt * k3)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    s = np.interp(t_stop, res.t, res.sensitive)
    r = np.interp(t_stop, res.t, res.resistant)
    np.testing.assert_allclose([s, r], y, rtol=2e-3)


def test_adaptive_switches_exactly_at_the_thresholds():
    """At every stop the burden is 50% of baseline, at every restart it is the baseline."""
    res = simulate_adaptive((0.74, 0.01), **BASE, t_end=3000.0)
    assert res.switch_times.size >= 4
    at = np.interp(res.switch_times, res.t, res.burden)
    np.testing.assert_allclose(at[0::2], 0.5 * res.baseline, rtol=1e-6)
    np.testing.assert_allclose(at[1::2], res.baseline, rtol=1e-6)
    on_time = np.sum(np.diff(np.r_[0.0, res.switch_times, res.end_time])[0::2])
    assert res.cumulative_dose == pytest.approx(on_time, rel=1e-12)


def test_course_example_adaptive_outlasts_mtd_with_less_drug():
    """The course's base case: adaptive delays progression and uses less drug (not a theorem)."""
    mtd = simulate_continuous((0.7425, 0.0075), **BASE, t_end=5000.0)
    ada = simulate_adaptive((0.7425, 0.0075), **BASE, t_end=5000.0)
    assert mtd.time_to_progression == pytest.approx(313.7, abs=0.5)
    assert ada.time_to_progression == pytest.approx(496.5, abs=0.5)
    assert ada.cumulative_dose < mtd.cumulative_dose


def test_no_progression_reports_inf_and_dose_to_t_end():
    """A tumour that never progresses: time_to_progression is inf, the dose runs to t_end."""
    res = simulate_continuous((0.5, 0.0), **BASE, t_end=100.0)
    assert math.isinf(res.time_to_progression)
    assert res.end_time == pytest.approx(100.0)
    assert res.cumulative_dose == pytest.approx(100.0)
    assert res.dose_fraction == pytest.approx(1.0)


# ---- properties


@settings(max_examples=25, deadline=None)
@given(
    s0=st.floats(0.05, 0.8),
    r_s=st.floats(0.005, 0.05),
    kill_over_growth=st.floats(1.2, 5.0),
)
def test_resistant_free_adaptive_never_progresses(s0, r_s, kill_over_growth):
    """Without resistant cells and with k > r_S, adaptive therapy never exceeds its baseline."""
    res = simulate_adaptive((s0, 0.0), (r_s, r_s), 1.0, (1.0, 1.0), kill_over_growth * r_s, 2000.0)
    assert math.isinf(res.time_to_progression)
    assert res.burden.max() <= res.baseline * (1 + 1e-6)


@settings(max_examples=25, deadline=None)
@given(
    s0=st.floats(0.2, 0.8),
    resistant_fraction=st.floats(0.001, 0.2),
    cost=st.floats(0.0, 0.8),
    a_rs=st.floats(0.5, 2.0),
)
def test_adaptive_gives_at_most_the_mtd_dose_over_the_same_time(
    s0, resistant_fraction, cost, a_rs
):
    """Over any common time window adaptive gives no more drug than MTD (u <= 1), and its
    dose fraction lies in (0, 1]; MTD's cumulative dose equals its time on treatment."""
    init = (s0 * (1 - resistant_fraction), s0 * resistant_fraction)
    rates = (0.03, 0.03 * (1 - cost))
    mtd = simulate_continuous(init, rates, 1.0, (1.0, a_rs), 0.06, 3000.0)
    ada = simulate_adaptive(init, rates, 1.0, (1.0, a_rs), 0.06, 3000.0)
    assert mtd.cumulative_dose == pytest.approx(mtd.end_time, rel=1e-12)
    assert 0 < ada.dose_fraction <= 1 + 1e-12
    common = min(mtd.end_time, ada.end_time)
    ada_dose_by_common = np.trapezoid(ada.dose[ada.t <= common], ada.t[ada.t <= common])
    assert ada_dose_by_common <= common + 1e-9


def test_simulator_bad_input():
    """Thresholds out of order, an empty tumour, or a progression factor <= 1: ValueError."""
    with pytest.raises(ValueError, match="stop_fraction < restart_fraction"):
        simulate_adaptive((0.5, 0.01), **BASE, stop_fraction=0.8, restart_fraction=0.5)
    with pytest.raises(ValueError, match="positive burden"):
        simulate_continuous((0.0, 0.0), **BASE)
    with pytest.raises(ValueError, match="progression_factor must be > 1"):
        simulate_continuous((0.5, 0.01), **BASE, progression_factor=1.0)
    with pytest.raises(ValueError, match="initial must be a pair"):
        simulate_continuous((0.5, 0.01, 0.2), **BASE)


# ---- Norton–Simon


def test_gompertz_closed_form_solves_its_ode():
    """gompertz_burden agrees with solve_ivp on dN/dt = b N ln(K/N)."""
    t = np.linspace(0, 100, 21)
    sol = solve_ivp(
        lambda _t, n: 0.05 * n * np.log(2.0 / n), (0, 100), [0.1], t_eval=t, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(gompertz_burden(t, 0.1, 0.05, 2.0), sol.y[0], rtol=1e-7)


def test_norton_simon_without_effect_is_gompertz_and_with_effect_matches_ode():
    """effect = 0 gives untreated Gompertz growth; pulsed therapy matches numerical integration."""
    t = np.linspace(0, 90, 31)
    np.testing.assert_allclose(
        norton_simon_burden(t, 0.1, 0.05, 1.0, 0.0, 21.0, 4), gompertz_burden(t, 0.1, 0.05, 1.0)
    )

    def rhs(tt, n):
        i = math.floor(tt / 21.0)
        on = i < 4 and tt - 21.0 * i < 2.0
        return 0.05 * n * np.log(1.0 / n) * (1 - 3.0 * on)

    sol = solve_ivp(rhs, (0, 90), [0.1], t_eval=t, rtol=1e-10, atol=1e-14, max_step=0.05)
    exact = norton_simon_burden(t, 0.1, 0.05, 1.0, 3.0, 21.0, 4, pulse_duration=2.0)
    np.testing.assert_allclose(exact, sol.y[0], rtol=1e-5)


def test_dose_density_leaves_a_smaller_tumour():
    """Same number of cycles, shorter interval: a smaller burden at the end of treatment."""
    args = {"n0": 0.1, "growth_rate": 0.05, "carrying_capacity": 1.0, "effect": 3.0}
    dense = norton_simon_burden(4 * 14.0, interval=14.0, n_cycles=4, **args)
    standard = norton_simon_burden(4 * 21.0, interval=21.0, n_cycles=4, **args)
    assert float(dense) < float(standard)


def test_norton_simon_bad_input():
    """A burden above K, a fractional cycle count or an interval shorter than the pulse."""
    with pytest.raises(ValueError, match="below carrying_capacity"):
        norton_simon_burden(1.0, 2.0, 0.05, 1.0, 3.0, 21.0, 4)
    with pytest.raises(ValueError, match="whole number"):
        norton_simon_burden(1.0, 0.1, 0.05, 1.0, 3.0, 21.0, 2.5)
    with pytest.raises(ValueError, match="interval must be >="):
        norton_simon_burden(1.0, 0.1, 0.05, 1.0, 3.0, 0.5, 2, pulse_duration=1.0)


def test_running_past_progression_keeps_the_first_crossing():
    """stop_at_progression=False: same time to progression, the schedule runs on to t_end,
    and the trajectory before progression is the stopped run's."""
    stopped = simulate_adaptive((0.7425, 0.0075), **BASE, t_end=1500.0)
    running = simulate_adaptive((0.7425, 0.0075), **BASE, t_end=1500.0, stop_at_progression=False)
    assert running.time_to_progression == pytest.approx(stopped.time_to_progression, rel=1e-9)
    assert running.end_time == pytest.approx(1500.0)
    assert running.cumulative_dose > stopped.cumulative_dose
    before = running.t < stopped.time_to_progression - 1.0
    np.testing.assert_allclose(
        running.burden[before],
        np.interp(running.t[before], stopped.t, stopped.burden),
        rtol=1e-4,
    )
    mtd = simulate_continuous((0.5, 0.01), **BASE, t_end=1500.0, stop_at_progression=False)
    assert math.isfinite(mtd.time_to_progression) and mtd.end_time == pytest.approx(1500.0)
