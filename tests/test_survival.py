"""resistlab.survival: Kaplan–Meier, median, log-rank and exponential hazard ratio,
reference-tested against lifelines; the trial simulator and power by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab.survival import (
    hazard_ratio_exponential,
    kaplan_meier,
    logrank_test,
    median_survival,
    simulate_trial,
    trial_power,
)

lifelines = pytest.importorskip("lifelines")
from lifelines.statistics import logrank_test as ll_logrank  # noqa: E402


def _random_data(seed, n=60, ties=True):
    rng = np.random.default_rng(seed)
    t = rng.exponential(10.0, n)
    if ties:
        t = np.round(t)  # many ties, including events and censorings at the same time
    e = (rng.random(n) < 0.7).astype(int)
    g = rng.permutation(np.arange(n) % 2)
    return t, e, g


def test_hand_example():
    """Five patients, one censored at 3 (tied with an event): S = 1, .8, .6, .3, .3."""
    km = kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    assert list(km.columns) == ["time", "at_risk", "events", "survival"]
    np.testing.assert_allclose(km["time"], [0, 2, 3, 5, 8])
    np.testing.assert_array_equal(km["at_risk"], [5, 5, 4, 2, 1])
    np.testing.assert_array_equal(km["events"], [0, 1, 1, 1, 0])
    np.testing.assert_allclose(km["survival"], [1, 0.8, 0.6, 0.3, 0.3])


@pytest.mark.parametrize("seed", range(6))
def test_kaplan_meier_matches_lifelines(seed):
    """Survival, risk sets and events equal lifelines' KaplanMeierFitter at every time."""
    t, e, _ = _random_data(seed)
    km = kaplan_meier(t, e)
    fitter = lifelines.KaplanMeierFitter().fit(t, e)
    ref = fitter.survival_function_.iloc[:, 0]
    np.testing.assert_allclose(km["time"], ref.index.to_numpy())
    np.testing.assert_allclose(km["survival"], ref.to_numpy(), rtol=1e-12)
    table = fitter.event_table
    np.testing.assert_array_equal(km["at_risk"], table["at_risk"].to_numpy())
    np.testing.assert_array_equal(km["events"], table["observed"].to_numpy())
    assert median_survival(t, e) == pytest.approx(fitter.median_survival_time_)


@pytest.mark.parametrize("seed", range(6))
def test_logrank_matches_lifelines(seed):
    """Statistic and p-value equal lifelines' logrank_test (ties included)."""
    t, e, g = _random_data(seed, n=80)
    ours = logrank_test(t, e, g)
    ref = ll_logrank(t[g == 0], t[g == 1], e[g == 0], e[g == 1])
    assert ours.statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-8)


def test_median_never_reached_is_inf_and_matches_lifelines():
    """A curve that stays above 0.5 has no median: inf, as lifelines reports."""
    t, e = [1, 2, 3, 4], [1, 0, 0, 0]
    assert median_survival(t, e) == math.inf
    assert lifelines.KaplanMeierFitter().fit(t, e).median_survival_time_ == math.inf


def test_hazard_ratio_by_hand_and_against_exponential_fits():
    """D1/T1 over D0/T0; equals the ratio of lifelines' ExponentialFitter rates."""
    assert hazard_ratio_exponential([2, 4, 6, 2, 2, 2], [1, 1, 0, 1, 1, 1],
                                    [1, 1, 1, 0, 0, 0]) == pytest.approx(1 / 3)  # fmt: skip
    t, e, g = _random_data(11, n=200, ties=False)
    f0 = lifelines.ExponentialFitter().fit(t[g == 0], e[g == 0])
    f1 = lifelines.ExponentialFitter().fit(t[g == 1], e[g == 1])
    # lifelines' lambda_ is the scale (mean time), the inverse of the hazard
    expected = f0.lambda_ / f1.lambda_
    assert hazard_ratio_exponential(t, e, g) == pytest.approx(expected, rel=1e-5)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40))
def test_km_is_a_non_increasing_probability(seed, n):
    """S starts at 1 (no events at 0 here), never rises and stays in [0, 1]."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.1, 10, n).round(1)
    e = rng.integers(0, 2, n)
    s = kaplan_meier(t, e)["survival"].to_numpy()
    assert s[0] == 1.0
    assert np.all(np.diff(s) <= 1e-15) and s.min() >= 0.0


def test_simulator_is_seeded_and_calibrated():
    """Same seed, same trial; with many patients and no censoring the medians and the HR
    come back close to the inputs."""
    a = simulate_trial(100, 10.0, 0.5, 12.0, 12.0, rng=5)
    b = simulate_trial(100, 10.0, 0.5, 12.0, 12.0, rng=5)
    assert a.equals(b)
    big = simulate_trial(20_000, 10.0, 0.5, 0.0, 1e6, rng=1)
    assert big["event"].all()
    for arm, median in ((0, 10.0), (1, 20.0)):
        rows = big[big["group"] == arm]
        assert median_survival(rows["time"], rows["event"]) == pytest.approx(median, rel=0.04)
    assert hazard_ratio_exponential(big["time"], big["event"], big["group"]) == pytest.approx(
        0.5, rel=0.04
    )


def test_censoring_by_design():
    """No follow-up beyond the analysis date; drop-out censors more patients."""
    df = simulate_trial(500, 10.0, 0.7, 12.0, 6.0, rng=2)
    assert ((df["time"] + df["entry"]) <= 18.0 + 1e-12).all()
    dropped = simulate_trial(500, 10.0, 0.7, 12.0, 6.0, dropout_rate=0.2, rng=2)
    assert dropped["event"].sum() < df["event"].sum()


def test_power_by_simulation_brackets_schoenfeld():
    """HR 1 gives the type I error; a large effect gives power near 1; a middle case
    agrees with Schoenfeld's approximation within Monte Carlo error."""
    assert trial_power(200, 10.0, 1.0, 12.0, 12.0, n_trials=400, rng=1) == pytest.approx(
        0.05, abs=0.03
    )
    assert trial_power(400, 10.0, 0.5, 12.0, 12.0, n_trials=100, rng=1) == 1.0
    from scipy.stats import norm

    df = simulate_trial(200_000, 10.0, 0.7, 12.0, 12.0, rng=9)
    events_per_patient = df["event"].mean()
    events = 300 * events_per_patient
    schoenfeld = norm.cdf(math.sqrt(events / 4) * abs(math.log(0.7)) - norm.isf(0.025))
    assert trial_power(300, 10.0, 0.7, 12.0, 12.0, n_trials=600, rng=4) == pytest.approx(
        schoenfeld, abs=0.06
    )


def test_broadcast_shapes_and_bad_input():
    """Clear ValueErrors for bad events, groups, shapes and parameters."""
    with pytest.raises(ValueError, match="event must be 1"):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError, match="time must be >= 0"):
        kaplan_meier([-1, 2], [1, 1])
    with pytest.raises(ValueError, match="same shape"):
        kaplan_meier([1, 2, 3], [1, 1])
    with pytest.raises(ValueError, match="both arms"):
        logrank_test([1, 2], [1, 1], [0, 0])
    with pytest.raises(ValueError, match="group must be 0"):
        logrank_test([1, 2], [1, 1], [0, 2])
    with pytest.raises(ValueError, match="no events"):
        hazard_ratio_exponential([1, 2], [0, 1], [0, 1])
    with pytest.raises(ValueError, match="hazard_ratio must be > 0"):
        simulate_trial(10, 10.0, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="alpha must be"):
        trial_power(10, 10.0, 0.5, 1.0, 1.0, alpha=1.5)
