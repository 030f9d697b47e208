"""resistlab.persisters: the two-state persister model, kill curves, holidays, HDAC inhibitors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import datasets
from resistlab.persisters import (
    ILLUSTRATIVE_RATES,
    BiphasicKill,
    TwoStateRates,
    biphasic_kill,
    drug_holiday_h,
    drug_level_at,
    epigenetic_drug_rates,
    equilibrium_tolerant_fraction,
    fit_biphasic_kill,
    intermittent_schedule,
    kill_curve_from_rates,
    simulate_two_state,
    surviving_fraction,
)

R = ILLUSTRATIVE_RATES


def ode_reference(rates, schedule, times, x0):
    """solve_ivp, segment by segment, at tight tolerances (the independent check)."""
    from scipy.integrate import solve_ivp

    out = np.empty((len(times), 2))
    t_start, x = 0.0, np.asarray(x0, dtype=float)
    for duration, level in schedule:
        t_end = t_start + duration
        matrix = rates.matrix(level)
        here = [i for i, t in enumerate(times) if t_start <= t <= t_end]
        sol = solve_ivp(
            lambda _t, y, m=matrix: m @ y,
            (t_start, t_end),
            x,
            method="DOP853",
            rtol=1e-12,
            atol=1e-16,
            dense_output=True,
        )
        for i in here:
            out[i] = sol.sol(times[i])
        x, t_start = sol.y[:, -1], t_end
    return out


# ------------------------------------------------------------------------ rates


def test_rates_validate_every_field():
    """Kill and switching rates must be >= 0; growth may be negative; all finite numbers."""
    assert TwoStateRates(-0.01, -0.02, 0, 0, 0, 0).growth_s_per_h == -0.01
    with pytest.raises(ValueError, match=r"to_tolerant_per_h must be >= 0 1/h; got -1e-05"):
        TwoStateRates(0.03, 0.005, 0.08, 0.006, -1e-5, 4e-3)
    with pytest.raises(ValueError, match=r"kill_t_per_h must be finite"):
        TwoStateRates(0.03, 0.005, 0.08, np.nan, 1e-4, 4e-3)
    with pytest.raises(TypeError, match=r"growth_s_per_h must be a single number"):
        TwoStateRates("fast", 0.005, 0.08, 0.006, 1e-4, 4e-3)
    with pytest.raises(ValueError, match=r"to_sensitive_per_h must be >= 0"):
        R.replace(to_sensitive_per_h=-1.0)


def test_rate_matrix_layout():
    """A(D) = [[g_S - k_S D - a, b], [a, g_T - k_T D - b]]."""
    np.testing.assert_allclose(
        R.matrix(0.5), [[0.03 - 0.04 - 1e-4, 4e-3], [1e-4, 0.005 - 0.003 - 4e-3]], rtol=1e-14
    )


def test_functions_refuse_something_that_is_not_rates():
    """Passing a dict instead of TwoStateRates says what is expected."""
    with pytest.raises(TypeError, match=r"rates must be a resistlab.persisters.TwoStateRates"):
        simulate_two_state([0.0], {"to_tolerant_per_h": 1e-4})


def test_epigenetic_drug_scales_switching_only():
    """entry/exit factors multiply a and b and leave growth and kill rates alone."""
    changed = epigenetic_drug_rates(R, entry_factor=0.1, exit_factor=2.0)
    assert changed.to_tolerant_per_h == pytest.approx(1e-5)
    assert changed.to_sensitive_per_h == pytest.approx(8e-3)
    assert changed.kill_s_per_h == R.kill_s_per_h and changed.growth_t_per_h == R.growth_t_per_h
    with pytest.raises(ValueError, match=r"entry_factor must be >= 0"):
        epigenetic_drug_rates(R, entry_factor=-0.5)


# -------------------------------------------------------------------- schedules


def test_intermittent_schedule_and_levels():
    """Segments repeat; a zero-length holiday is dropped; levels follow [start, end)."""
    assert intermittent_schedule(48, 0, 2) == ((48.0, 1.0), (48.0, 1.0))
    sched = intermittent_schedule(24, 12, 2, drug_level=0.5)
    assert sched == ((24.0, 0.5), (12.0, 0.0), (24.0, 0.5), (12.0, 0.0))
    levels = drug_level_at([0, 23.999, 24, 36, 71.9, 72], sched)
    np.testing.assert_array_equal(levels, [0.5, 0.5, 0.0, 0.5, 0.0, 0.0])


def test_schedule_errors():
    """Malformed schedules and times past the end raise with the fix in the message."""
    with pytest.raises(ValueError, match=r"n_cycles must be an integer >= 1"):
        intermittent_schedule(24, 24, 0)
    with pytest.raises(ValueError, match=r"on_h must be > 0 h"):
        intermittent_schedule(0, 24, 1)
    with pytest.raises(ValueError, match=r"sequence of \(duration_h, drug_level\) pairs"):
        simulate_two_state([1.0], R, [(24, 1, 3)])
    with pytest.raises(ValueError, match=r"sequence of \(duration_h, drug_level\) pairs"):
        simulate_two_state([1.0], R, "on")
    with pytest.raises(ValueError, match=r"schedule durations must be >= 0 h"):
        simulate_two_state([1.0], R, [(-24, 1.0)])
    with pytest.raises(ValueError, match=r"the schedule ends at 72 h; add a segment"):
        simulate_two_state([0, 100], R, [(72, 1.0)])
    with pytest.raises(ValueError, match=r"time_h must be >= 0 h"):
        simulate_two_state([-1.0], R)


# ------------------------------------------------------------- exact solution


def test_no_switching_gives_pure_exponentials():
    """With a = b = 0 each state grows or decays at its own net rate."""
    rates = TwoStateRates(0.02, 0.001, 0.07, 0.004, 0.0, 0.0)
    t = np.array([0.0, 10.0, 100.0, 500.0])
    traj = simulate_two_state(t, rates, 1.0, initial=(2.0, 0.5))
    np.testing.assert_allclose(traj.sensitive, 2.0 * np.exp(-0.05 * t), rtol=1e-13)
    np.testing.assert_allclose(traj.tolerant, 0.5 * np.exp(-0.003 * t), rtol=1e-13)


def test_equal_eigenvalues_limit_is_handled():
    """q = 0 (no switching, equal net rates) uses the t·e^{mt} limit without NaNs."""
    rates = TwoStateRates(0.01, 0.01, 0.0, 0.0, 0.0, 0.0)
    traj = simulate_two_state([0.0, 50.0], rates, 0.0, initial=(1.0, 3.0))
    np.testing.assert_allclose(traj.total, [4.0, 4.0 * math.exp(0.5)], rtol=1e-14)


@pytest.mark.parametrize(
    "schedule",
    [[(300.0, 1.0)], [(72.0, 1.0), (96.0, 0.0), (72.0, 1.0)], [(10.0, 0.3), (0.0, 2.0), (50, 1)]],
)
def test_matrix_exponential_matches_solve_ivp(schedule):
    """The closed-form solution equals a tight-tolerance ODE solution across switch points."""
    total = sum(d for d, _ in schedule)
    times = np.linspace(0.0, total, 17)
    x0 = (0.99, 0.01)
    exact = simulate_two_state(times, R, schedule, initial=x0)
    ref = ode_reference(R, schedule, times, x0)
    np.testing.assert_allclose(exact.sensitive, ref[:, 0], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(exact.tolerant, ref[:, 1], rtol=1e-9, atol=1e-15)


def test_matches_scipy_expm_for_stiff_rates():
    """Fast switching (q·t large and small) agrees with scipy.linalg.expm."""
    from scipy.linalg import expm

    rates = TwoStateRates(0.5, -0.2, 3.0, 0.1, 2.0, 0.7)
    x0 = np.array([0.3, 0.7])
    for t in (1e-8, 0.01, 1.0, 40.0):
        expected = expm(rates.matrix(1.0) * t) @ x0
        got = simulate_two_state([t], rates, 1.0, initial=x0)
        np.testing.assert_allclose([got.sensitive[0], got.tolerant[0]], expected, rtol=1e-11)


def test_default_start_is_the_untreated_equilibrium():
    """Without ``initial`` the population starts at N = 1 with the untreated composition,
    and stays there (composition) off drug."""
    phi = equilibrium_tolerant_fraction(R)
    traj = simulate_two_state([0.0, 500.0], R, 0.0)
    assert traj.total[0] == pytest.approx(1.0)
    np.testing.assert_allclose(traj.tolerant_fraction, [phi, phi], rtol=1e-10)


def test_times_may_be_unsorted_and_multidimensional():
    """Each time is solved independently; the output keeps the input's shape."""
    t = np.array([[200.0, 0.0], [50.0, 120.0]])
    traj = simulate_two_state(t, R, [(100.0, 1.0), (100.0, 0.0)])
    assert traj.total.shape == (2, 2)
    flat = simulate_two_state(t.ravel(), R, [(100.0, 1.0), (100.0, 0.0)])
    np.testing.assert_allclose(traj.total.ravel(), flat.total)


def test_overflow_is_reported():
    """A population beyond the float range raises instead of returning inf."""
    rates = TwoStateRates(5.0, 5.0, 0.0, 0.0, 0.1, 0.1)
    with pytest.raises(ValueError, match=r"overflowed the float range"):
        simulate_two_state([1000.0], rates, 0.0)


def test_initial_state_errors():
    """The initial state is a pair of non-negative numbers, not both zero."""
    with pytest.raises(ValueError, match=r"initial must be a pair"):
        simulate_two_state([1.0], R, initial=(1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match=r"initial must be >= 0 cells"):
        simulate_two_state([1.0], R, initial=(1.0, -0.1))
    with pytest.raises(ValueError, match=r"must contain some cells"):
        simulate_two_state([1.0], R, initial=(0.0, 0.0))


rate = st.floats(min_value=0.0, max_value=0.2)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    st.floats(min_value=-0.05, max_value=0.05),
    st.floats(min_value=-0.05, max_value=0.05),
    rate,
    rate,
    rate,
    rate,
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=300.0),
)
def test_populations_stay_non_negative(gs, gt, ks, kt, a, b, phi0, horizon):
    """S(t), T(t) >= 0 for any rates and schedule (the rate matrix is Metzler)."""
    rates = TwoStateRates(gs, gt, ks, kt, a, b)
    times = np.linspace(0.0, horizon, 9)
    traj = simulate_two_state(
        times,
        rates,
        [(horizon / 3, 1.0), (horizon / 3, 0.0), (horizon / 3 + 1, 2.0)],
        initial=(1.0 - phi0, phi0),
    )
    assert np.all(traj.sensitive >= 0) and np.all(traj.tolerant >= 0)
    assert np.all(np.isfinite(traj.total))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=0.05),
    st.floats(min_value=0.0, max_value=0.05),
    st.floats(min_value=0.001, max_value=0.1),
    st.floats(min_value=0.001, max_value=0.1),
    rate,
    rate,
    st.floats(min_value=0.0, max_value=1.0),
)
def test_total_falls_on_drug_when_both_net_rates_are_negative(gs, gt, dks, dkt, a, b, phi0):
    """If g - k < 0 in both states, N(t) decreases monotonically (switching conserves N)."""
    rates = TwoStateRates(gs, gt, gs + dks, gt + dkt, a, b)
    total = simulate_two_state(np.linspace(0, 200, 41), rates, 1.0, initial=(1 - phi0, phi0)).total
    assert np.all(np.diff(total) < 0)


# ----------------------------------------------------------------- equilibrium


def test_equilibrium_is_a_over_a_plus_b_for_equal_net_rates():
    """Equal net growth: phi* = a/(a + b), on or off drug."""
    rates = TwoStateRates(0.02, 0.03, 0.05, 0.06, 2e-3, 6e-3)
    assert equilibrium_tolerant_fraction(rates, drug_level=1.0) == pytest.approx(0.25, rel=1e-12)
    rates0 = TwoStateRates(0.02, 0.02, 0.0, 0.0, 1e-4, 9e-4)
    assert equilibrium_tolerant_fraction(rates0) == pytest.approx(0.1, rel=1e-12)


@pytest.mark.parametrize("drug_level", [0.0, 0.5, 1.0, 3.0])
def test_equilibrium_is_the_perron_eigenvector(drug_level):
    """phi* equals the tolerant share of A(D)'s dominant eigenvector."""
    w, v = np.linalg.eig(R.matrix(drug_level))
    dominant = v[:, np.argmax(w.real)].real
    expected = dominant[1] / dominant.sum()
    assert equilibrium_tolerant_fraction(R, drug_level) == pytest.approx(expected, rel=1e-10)


def test_equilibrium_without_entry():
    """a = 0: tolerant cells vanish unless they out-grow their exit rate (phi* = 1 - b/Δ)."""
    assert equilibrium_tolerant_fraction(R.replace(to_tolerant_per_h=0.0)) == 0.0
    grows = TwoStateRates(0.0, 0.05, 0.0, 0.0, 0.0, 0.01)
    assert equilibrium_tolerant_fraction(grows) == pytest.approx(0.8)
    with pytest.raises(ValueError, match=r"every composition is an equilibrium"):
        equilibrium_tolerant_fraction(TwoStateRates(0.01, 0.01, 0.0, 0.0, 0.0, 0.0))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    st.floats(min_value=-0.05, max_value=0.05),
    st.floats(min_value=-0.05, max_value=0.05),
    st.floats(min_value=1e-6, max_value=0.1),
    rate,
)
def test_equilibrium_is_reached_and_in_unit_interval(gs, gt, a, b):
    """phi* in [0, 1] and the composition converges to it from any start."""
    rates = TwoStateRates(gs, gt, 0.0, 0.0, a, b)
    phi = equilibrium_tolerant_fraction(rates)
    assert 0.0 <= phi <= 1.0
    w = np.linalg.eigvals(rates.matrix(0.0)).real
    gap = abs(w[0] - w[1])
    if gap > 1e-3:
        horizon = 40.0 / gap
        traj = simulate_two_state([horizon], rates, 0.0, initial=(0.5, 0.5))
        assert traj.tolerant_fraction[0] == pytest.approx(phi, abs=1e-6)


# ------------------------------------------------------------------ kill curves


def test_biphasic_kill_values_and_limits():
    """(1-f)e^{-k1 t} + f e^{-k2 t}: 1 at t = 0, f·e^{-k2 t} once the bulk is gone."""
    assert biphasic_kill(0.0, 0.2, 1.0, 0.1) == 1.0
    assert biphasic_kill(10.0, 0.2, 1.0, 0.1) == pytest.approx(0.8 * math.exp(-10) + 0.2 / math.e)
    assert biphasic_kill(200.0, 0.01, 1.0, 0.0) == pytest.approx(0.01)
    np.testing.assert_allclose(biphasic_kill([0, 5], 0.0, 0.2, 0.0), [1.0, math.exp(-1)])
    with pytest.raises(ValueError, match=r"persister_fraction must be <= 1"):
        biphasic_kill(1.0, 1.5, 0.1, 0.01)


def test_kill_curve_from_rates_reproduces_the_simulation():
    """The two-state model on constant drug is exactly the biphasic curve it implies."""
    kill = kill_curve_from_rates(R)
    t = np.linspace(0, 400, 41)
    np.testing.assert_allclose(kill.predict(t), simulate_two_state(t, R, 1.0).total, rtol=1e-11)
    assert kill.k_fast_per_h > kill.k_slow_per_h > 0
    assert 0 < kill.persister_fraction < 0.01


def test_kill_curve_without_switching_is_the_initial_mix():
    """a = b = 0: f is the initial tolerant fraction and k1, k2 the two net kill rates."""
    rates = TwoStateRates(0.02, 0.0, 0.07, 0.002, 0.0, 0.0)
    kill = kill_curve_from_rates(rates, initial=(0.97, 0.03))
    assert kill.persister_fraction == pytest.approx(0.03, rel=1e-12)
    assert (kill.k_fast_per_h, kill.k_slow_per_h) == pytest.approx((0.05, 0.002), rel=1e-12)
    with pytest.raises(ValueError, match=r"single exponential, not biphasic"):
        kill_curve_from_rates(TwoStateRates(0.0, 0.0, 0.05, 0.05, 0.0, 0.0), initial=(1, 1))


def test_half_lives():
    """ln2/k per phase; a non-decaying phase has an infinite half-life."""
    kill = BiphasicKill(0.01, math.log(2) / 5, 0.0)
    assert kill.half_lives_h == (pytest.approx(5.0), math.inf)


@pytest.mark.parametrize(
    "f, k1, k2", [(0.004, 0.06, 0.003), (0.05, 0.2, 0.01), (0.3, 0.5, 0.0), (1e-4, 0.03, 0.004)]
)
def test_fit_recovers_noiseless_parameters(f, k1, k2):
    """On exact biphasic data the log-space fit returns the true f, k1, k2."""
    t = np.array([0, 3, 6, 12, 24, 36, 48, 72, 96, 144, 192, 240], dtype=float)
    fit = fit_biphasic_kill(t, biphasic_kill(t, f, k1, k2))
    assert fit.persister_fraction == pytest.approx(f, rel=1e-5)
    assert fit.k_fast_per_h == pytest.approx(k1, rel=1e-5)
    assert fit.k_slow_per_h == pytest.approx(k2, rel=1e-4, abs=1e-7)
    assert fit.rss_log < 1e-12 < fit.rss_log_monophasic
    assert fit.n_points == t.size


def test_fit_on_the_shipped_dataset_is_close_to_the_truth():
    """The simulated dataset's fitted persister fractions are near the generating values
    (datasheet: 0.00616 and 0.000643) and the HDAC inhibitor lowers f about ten-fold."""
    df = datasets.load("persister_kill_curve")
    fits = {
        c: fit_biphasic_kill(g["time_h"], g["surviving_fraction"])
        for c, g in df.groupby("condition")
    }
    alone, combo = fits["erlotinib"], fits["erlotinib + HDAC inhibitor"]
    assert alone.persister_fraction == pytest.approx(0.00616, rel=0.25)
    assert combo.persister_fraction == pytest.approx(0.000643, rel=0.35)
    assert 5 < alone.persister_fraction / combo.persister_fraction < 20
    assert alone.k_fast_per_h == pytest.approx(0.0501, rel=0.1)
    assert alone.residual_sd_log == pytest.approx(0.12, rel=0.3)  # the generator's noise


def test_fit_errors_on_bad_data():
    """Bad kill-curve data raise ValueError naming the problem."""
    t = np.array([0, 12, 24, 48, 96], dtype=float)
    y = np.array([1, 0.5, 0.2, 0.05, 0.02])
    with pytest.raises(ValueError, match=r"must be > 0 to be log-transformed; got 0"):
        fit_biphasic_kill(t, [1, 0.5, 0.2, 0.0, 0.02])
    with pytest.raises(ValueError, match=r"time_h and surviving_fraction must have the same"):
        fit_biphasic_kill(t, y[:4])
    with pytest.raises(ValueError, match=r"at least 4 distinct time points; got 3"):
        fit_biphasic_kill([0, 0, 24, 24, 48], y)
    with pytest.raises(ValueError, match=r"does not fall over time"):
        fit_biphasic_kill(t, [1, 1.2, 1.5, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"time_h must be >= 0 h"):
        fit_biphasic_kill(-t, y)
    with pytest.raises(ValueError, match=r"surviving_fraction must be finite"):
        fit_biphasic_kill(t, [1, 0.5, np.nan, 0.05, 0.02])
    with pytest.raises(ValueError, match=r"must be a 1-D array"):
        fit_biphasic_kill(t[None, :], y[None, :])


@settings(derandomize=True, max_examples=25, deadline=None)
@given(
    st.floats(min_value=1e-3, max_value=0.2),
    st.floats(min_value=0.03, max_value=0.3),
    st.floats(min_value=0.0005, max_value=0.01),
)
def test_fit_recovers_parameters_over_a_range(f, k1, k2):
    """Property: noiseless curves with well-separated phases are fitted back (rel 1e-3)."""
    t = np.array([0, 2, 4, 8, 12, 24, 36, 48, 72, 96, 144, 192, 288, 384], dtype=float)
    fit = fit_biphasic_kill(t, biphasic_kill(t, f, k1, k2))
    assert fit.persister_fraction == pytest.approx(f, rel=1e-3)
    assert fit.k_slow_per_h == pytest.approx(k2, rel=1e-3)


def test_surviving_fraction_vectorised_and_start_independent_of_scale():
    """N(t)/N0 from the equilibrium start; scaling the initial state changes nothing."""
    sf = surviving_fraction(R, [0.0, 216.0])
    assert sf[0] == 1.0 and sf[1] == pytest.approx(0.0021144, rel=1e-4)
    phi = equilibrium_tolerant_fraction(R)
    scaled = surviving_fraction(R, 216.0, initial=(1e6 * (1 - phi), 1e6 * phi))
    assert scaled == pytest.approx(sf[1], rel=1e-12)


# ------------------------------------------------------------------ drug holiday


def test_holiday_is_where_the_fraction_crosses_the_band():
    """At the returned time the tolerant fraction is exactly 10% above equilibrium."""
    phi_end = float(simulate_two_state([240.0], R, 1.0).tolerant_fraction[0])
    hours = drug_holiday_h(R, phi_end, rel_tol=0.1)
    phi_star = equilibrium_tolerant_fraction(R)
    traj = simulate_two_state(
        [hours - 1.0, hours, hours + 1.0], R, 0.0, initial=(1 - phi_end, phi_end)
    )
    rel = traj.tolerant_fraction / phi_star - 1.0
    assert rel[1] == pytest.approx(0.1, rel=1e-6)
    assert rel[0] > 0.1 > rel[2]
    assert hours / 24 == pytest.approx(13.59, abs=0.01)


def test_holiday_edge_cases():
    """Already at equilibrium: 0 h. Starting below it works too. Stricter bands take longer."""
    phi_star = equilibrium_tolerant_fraction(R)
    assert drug_holiday_h(R, phi_star) == 0.0
    assert drug_holiday_h(R, 0.0) > 0
    assert drug_holiday_h(R, 0.9, rel_tol=0.01) > drug_holiday_h(R, 0.9, rel_tol=0.1)


def test_holiday_equal_growth_has_the_closed_form():
    """Equal net rates: phi - phi* decays as e^{-(a+b)t}, so the holiday is
    t = ln(|phi0 - phi*| / (tol·phi*)) / (a + b)."""
    rates = TwoStateRates(0.02, 0.02, 0.05, 0.001, 1e-3, 9e-3)
    phi_star = 0.1
    expected = math.log((0.6 - phi_star) / (0.05 * phi_star)) / 0.01
    assert drug_holiday_h(rates, 0.6, rel_tol=0.05) == pytest.approx(expected, rel=1e-8)


def test_holiday_errors():
    """No tolerant cells at equilibrium, a band never reached, bad arguments."""
    with pytest.raises(ValueError, match=r"untreated equilibrium has no tolerant cells"):
        drug_holiday_h(R.replace(to_tolerant_per_h=0.0), 0.5)
    slow = R.replace(to_sensitive_per_h=1e-9, growth_s_per_h=0.005, to_tolerant_per_h=1e-9)
    with pytest.raises(ValueError, match=r"not within 10% .* after max_h = 1000 h"):
        drug_holiday_h(slow, 0.9, max_h=1000)
    with pytest.raises(ValueError, match=r"after max_h = 0.5 h off drug"):
        drug_holiday_h(R, 0.9, max_h=0.5)
    with pytest.raises(ValueError, match=r"tolerant_fraction_start must be <= 1"):
        drug_holiday_h(R, 1.5)
    with pytest.raises(ValueError, match=r"rel_tol must be > 0"):
        drug_holiday_h(R, 0.5, rel_tol=0)


def test_hdac_inhibitor_lowers_survival_more_with_a_lead_in():
    """Lower entry a: co-treatment helps a little; a 7-day lead-in (re-equilibration) a lot."""
    hdaci = epigenetic_drug_rates(R, entry_factor=0.1)
    phi = equilibrium_tolerant_fraction(R)
    untreated = (1 - phi, phi)
    alone = surviving_fraction(R, 216.0)
    co = surviving_fraction(hdaci, 216.0, initial=untreated)
    lead = simulate_two_state([168.0], hdaci, 0.0, initial=untreated)
    primed = surviving_fraction(hdaci, 216.0, initial=(lead.sensitive[0], lead.tolerant[0]))
    assert alone > co > primed
    assert alone / co == pytest.approx(1.536, rel=1e-3)
    assert alone / primed == pytest.approx(8.854, rel=1e-3)


def test_extra_tolerant_kill_adds_to_the_tolerant_kill_rate_only():
    """extra_tolerant_kill_per_h raises k_T by that amount and leaves every other rate alone."""
    killer = epigenetic_drug_rates(R, extra_tolerant_kill_per_h=0.025)
    assert killer.kill_t_per_h == pytest.approx(R.kill_t_per_h + 0.025, rel=1e-12)
    for name in ("growth_s_per_h", "growth_t_per_h", "kill_s_per_h"):
        assert getattr(killer, name) == getattr(R, name)
    assert killer.to_tolerant_per_h == R.to_tolerant_per_h
    assert killer.to_sensitive_per_h == R.to_sensitive_per_h
    with pytest.raises(ValueError, match="extra_tolerant_kill_per_h"):
        epigenetic_drug_rates(R, extra_tolerant_kill_per_h=-0.01)


def test_extra_tolerant_kill_makes_lead_in_and_cotreatment_equal():
    """With an inhibitor that kills tolerant cells (and leaves switching alone), a 7-day lead-in
    off erlotinib changes nothing: co-treatment and lead-in give the same ~60-fold reduction."""
    killer = epigenetic_drug_rates(R, extra_tolerant_kill_per_h=0.025)
    phi = equilibrium_tolerant_fraction(R)
    start = (1.0 - phi, phi)
    alone = simulate_two_state([216.0], R, 1.0, initial=start).total[0]
    cotreat = simulate_two_state([216.0], killer, 1.0, initial=start).total[0]
    lead = simulate_two_state([168.0], killer, 0.0, initial=start)
    primed = (lead.sensitive[0], lead.tolerant[0])
    lead_in = simulate_two_state([216.0], killer, 1.0, initial=primed).total[0] / sum(primed)
    assert cotreat == pytest.approx(lead_in, rel=1e-9)
    assert alone / cotreat == pytest.approx(60.1128, rel=1e-4)
    # the entry-rate model, by contrast, favours the lead-in
    slower = epigenetic_drug_rates(R, entry_factor=0.1)
    co_entry = simulate_two_state([216.0], slower, 1.0, initial=start).total[0]
    lead = simulate_two_state([168.0], slower, 0.0, initial=start)
    primed = (lead.sensitive[0], lead.tolerant[0])
    li_entry = simulate_two_state([216.0], slower, 1.0, initial=primed).total[0] / sum(primed)
    assert li_entry < 0.25 * co_entry


def test_persister_fraction_counts_cells_that_switch_during_treatment():
    """The slow-phase weight f exceeds the pre-treatment tolerant fraction by 44 % of f (39 % of f
    comes from cells that switch in during treatment, the rest from sensitive cells that tolerant
    cells give back); with no switching it equals the initial tolerant fraction."""
    phi0 = equilibrium_tolerant_fraction(R)
    f = kill_curve_from_rates(R).persister_fraction
    assert f == pytest.approx(0.0061562, rel=1e-4)
    assert (f - phi0) / f == pytest.approx(0.4401, abs=1e-3)
    no_entry = R.replace(to_tolerant_per_h=0.0, to_sensitive_per_h=0.0)
    f0 = kill_curve_from_rates(no_entry, initial=(1 - phi0, phi0)).persister_fraction
    assert f0 == pytest.approx(phi0, rel=1e-9)
