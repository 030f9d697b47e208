"""resistlab.evolution: Luria–Delbrück distribution, mutation-rate estimators, Goldie–Coldman."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import datasets
from resistlab.evolution import (
    MAX_COUNT,
    FluctuationEstimate,
    _eta,
    estimate_m_mle,
    estimate_m_p0,
    goldie_coldman,
    ld_log_likelihood,
    ld_pmf,
    prob_preexisting_resistance,
    simulate_fluctuation,
)

DEMEREC = [33, 18, 839, 47, 13, 126, 48, 80, 9, 71, 196, 66, 28, 17, 27,
           37, 126, 33, 12, 44, 28, 67, 730, 168, 44, 50, 583, 23, 17, 24]  # fmt: skip
LD_EXP16 = [1, 0, 3, 0, 0, 5, 0, 5, 0, 6, 107, 0, 0, 0, 1, 0, 0, 64, 0, 35]
CHI2_1_95 = 3.841458820694124  # 95% quantile of chi-square with 1 df

m_values = st.floats(min_value=0.01, max_value=20.0, allow_nan=False)
plating = st.floats(min_value=0.02, max_value=1.0, allow_nan=False)


def naive_mss(m: float, n_max: int) -> np.ndarray:
    """The Ma–Sandri–Sarkar recursion written out literally (double loop, no scaling)."""
    p = [math.exp(-m)]
    for r in range(1, n_max + 1):
        p.append(m / r * sum(p[i] / (r - i + 1) for i in range(r)))
    return np.array(p)


# ---------------------------------------------------------------- the LD distribution


def test_ld_pmf_reproduces_the_mss_anchor_at_m_1():
    """Domain facts A3/C1: p_0..p_5 at m = 1 (rtol 1e-5)."""
    expected = [0.367879, 0.183940, 0.107298, 0.068977, 0.047454, 0.034329]
    np.testing.assert_allclose(ld_pmf(1.0, 5), expected, rtol=1e-5)


@pytest.mark.parametrize("m", [0.05, 1.0, 3.7, 40.0, 700.0])
def test_ld_pmf_equals_the_literal_recursion(m):
    """The vectorised (and, at m = 700, rescaled) recursion equals the textbook loop."""
    np.testing.assert_allclose(ld_pmf(m, 300), naive_mss(m, 300), rtol=1e-11, atol=0)


def test_ld_pmf_first_terms_have_closed_forms():
    """p_0 = e^-m, p_1 = (m/2)e^-m, p_2 = (m/6 + m²/8)e^-m from the recursion by hand."""
    m = 2.5
    p = ld_pmf(m, 2)
    assert p[0] == pytest.approx(math.exp(-m), rel=1e-14)
    assert p[1] == pytest.approx(m / 2 * math.exp(-m), rel=1e-14)
    assert p[2] == pytest.approx((m / 6 + m * m / 8) * math.exp(-m), rel=1e-14)


def test_ld_pmf_at_m_zero_is_a_point_mass_at_zero():
    """No mutation, no mutant: p = (1, 0, 0, ...)."""
    np.testing.assert_array_equal(ld_pmf(0.0, 4), [1.0, 0.0, 0.0, 0.0, 0.0])


def test_ld_pmf_survives_underflow_of_p0_for_large_m():
    """m = 800: e^-800 underflows, yet p is the self-convolution of the m = 400 law."""
    n = 6000
    half = ld_pmf(400.0, n)
    full = ld_pmf(800.0, n)
    assert full[0] == 0.0 and full.max() > 1e-4
    conv = np.convolve(half, half)[: n + 1]
    keep = conv > 1e-250
    np.testing.assert_allclose(full[keep], conv[keep], rtol=1e-9)


def test_ld_pmf_is_fast_for_ten_thousand_terms():
    """n_max = 10⁴ takes well under a second (O(n²) in vectorised numpy)."""
    start = time.perf_counter()
    p = ld_pmf(1.0, 10_000)
    assert time.perf_counter() - start < 1.0
    assert p.sum() == pytest.approx(1 - 1e-4, abs=2e-5)  # tail P(X > n) ≈ m/n


@settings(derandomize=True, max_examples=40, deadline=None)
@given(m=m_values, n_max=st.integers(min_value=0, max_value=300), eps=plating)
def test_ld_pmf_is_a_sub_probability_vector(m, n_max, eps):
    """Every p_r >= 0, and the partial sums stay <= 1 and never decrease with n_max."""
    p = ld_pmf(m, n_max, plating_efficiency=eps)
    assert p.shape == (n_max + 1,)
    assert (p >= 0).all()
    assert p.sum() <= 1 + 1e-12
    longer = ld_pmf(m, n_max + 50, plating_efficiency=eps)
    np.testing.assert_allclose(longer[: n_max + 1], p, rtol=1e-12, atol=1e-300)
    assert longer.sum() >= p.sum()


@pytest.mark.parametrize("m", [0.1, 2.0, 10.0])
def test_ld_pmf_mass_tends_to_one_like_the_m_over_n_tail(m):
    """P(X > n) ~ m/n for the Lea–Coulson law, so 1 − Σp shrinks like m/n."""
    gaps = [1.0 - ld_pmf(m, n).sum() for n in (100, 1000, 10_000)]
    assert gaps[0] > gaps[1] > gaps[2] > 0
    assert gaps[2] == pytest.approx(m / 10_000, rel=0.3)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(m1=m_values, m2=m_values, eps=plating)
def test_ld_law_is_infinitely_divisible(m1, m2, eps):
    """G_{m1}·G_{m2} = G_{m1+m2}: independent mutation counts add (also when thinned)."""
    n = 60
    conv = np.convolve(
        ld_pmf(m1, n, plating_efficiency=eps), ld_pmf(m2, n, plating_efficiency=eps)
    )
    np.testing.assert_allclose(
        conv[: n + 1], ld_pmf(m1 + m2, n, plating_efficiency=eps), rtol=1e-9, atol=1e-300
    )


@pytest.mark.parametrize("eps", [0.05, 0.2, 0.299, 0.301, 0.4, 0.5, 0.8, 0.999])
def test_partial_plating_equals_binomial_thinning(eps):
    """Plating a fraction ε: P_ε(k) = Σ_n p_n C(n, k) ε^k (1 − ε)^(n − k) (both η branches)."""
    from scipy.stats import binom

    m, n_big = 1.5, 4000
    full = ld_pmf(m, n_big)
    n = np.arange(n_big + 1)
    thinned = [float(np.sum(full * binom.pmf(k, n, eps))) for k in range(9)]
    np.testing.assert_allclose(ld_pmf(m, 8, plating_efficiency=eps), thinned, rtol=1e-9)


def test_partial_plating_p0_has_its_closed_form():
    """p_0 = ε^(mε/(1 − ε)) (the basis of the p0 method with plating)."""
    m, eps = 2.0, 0.25
    assert ld_pmf(m, 0, plating_efficiency=eps)[0] == pytest.approx(
        eps ** (m * eps / (1 - eps)), rel=1e-13
    )


def test_eta_series_and_recurrence_agree_near_the_switch():
    """η_n from the positive series (ε >= 0.3) and the recurrence (ε < 0.3) are continuous."""
    below, above = _eta(500, 0.3 - 1e-9), _eta(500, 0.3)
    np.testing.assert_allclose(below, above, rtol=1e-7)
    np.testing.assert_allclose(_eta(50, 1.0)[1:], 1 / (np.arange(1, 51) * np.arange(2, 52)))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"m": -1.0, "n_max": 5}, ValueError, r"m must be >= 0 mutations per culture"),
        ({"m": float("nan"), "n_max": 5}, ValueError, r"m must be finite"),
        ({"m": "one", "n_max": 5}, TypeError, r"m must be a single number"),
        ({"m": 1.0, "n_max": 2.5}, ValueError, r"n_max must be a whole number"),
        ({"m": 1.0, "n_max": -1}, ValueError, r"n_max must be >= 0"),
        ({"m": 1.0, "n_max": MAX_COUNT + 1}, ValueError, r"n_max must be <= 100000"),
        (
            {"m": 1.0, "n_max": 5, "plating_efficiency": 0.0},
            ValueError,
            r"plating_efficiency must be > 0",
        ),
        (
            {"m": 1.0, "n_max": 5, "plating_efficiency": 1.5},
            ValueError,
            r"plating_efficiency must be <= 1",
        ),
    ],
)
def test_ld_pmf_rejects_bad_input(kwargs, error, match):
    """Bad m, n_max or plating efficiency: a clear message, not a NaN."""
    with pytest.raises(error, match=match):
        ld_pmf(**kwargs)


# ---------------------------------------------------------------- log-likelihood


def test_log_likelihood_of_two_cultures_by_hand():
    """counts (0, 1): ℓ = ln e^-m + ln(m e^-m / 2) = −2m + ln(m/2)."""
    for m in (0.3, 1.0, 4.0):
        assert ld_log_likelihood(m, [0, 1]) == pytest.approx(-2 * m + math.log(m / 2), rel=1e-13)


def test_log_likelihood_is_vectorised_over_m():
    """An array of m gives an array of log-likelihoods, equal to one-at-a-time calls."""
    ms = np.array([[0.5, 1.0], [2.0, 8.0]])
    out = ld_log_likelihood(ms, DEMEREC)
    assert out.shape == (2, 2)
    for m, value in zip(ms.ravel(), out.ravel(), strict=True):
        assert value == pytest.approx(ld_log_likelihood(float(m), DEMEREC), rel=1e-12)


def test_log_likelihood_at_m_zero():
    """m = 0 makes any positive count impossible (−inf) and all-zero data certain (0)."""
    assert ld_log_likelihood(0.0, [0, 3]) == -math.inf
    assert ld_log_likelihood(0.0, [0, 0]) == 0.0


# ---------------------------------------------------------------- p0 method


def test_p0_estimate_of_luria_delbruck_experiment_16():
    """11 of 20 cultures without resistant colonies: m = −ln(11/20) = 0.59784."""
    assert estimate_m_p0(LD_EXP16) == pytest.approx(0.59784, rel=1e-5)
    assert estimate_m_p0(LD_EXP16) == pytest.approx(-math.log(11 / 20), rel=1e-14)


def test_p0_estimate_with_plating_inverts_the_p0_of_the_model():
    """With ε < 1, m̂ solves p_0(m̂) = observed p0 (pySalvador's p0_plating formula)."""
    counts = [0, 0, 0, 2, 5, 0, 1, 9]  # p0 = 1/2
    m_hat = estimate_m_p0(counts, plating_efficiency=0.4)
    assert m_hat == pytest.approx(0.6 * math.log(0.5) / (0.4 * math.log(0.4)), rel=1e-14)
    assert ld_pmf(m_hat, 0, plating_efficiency=0.4)[0] == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("counts", "error", "match"),
    [
        ([3, 1, 8], ValueError, r"none of the 3 cultures has zero mutants.*estimate_m_mle"),
        ([0, 0, 0], ValueError, r"all 3 cultures have zero mutants"),
        ([0, -1, 2], ValueError, r"counts must be >= 0"),
        ([0, 1.5, 2], ValueError, r"counts must be whole numbers.*1.5 at position 1"),
        ([], ValueError, r"counts needs at least 1 value"),
        ([[0, 1], [2, 3]], ValueError, r"counts must be a 1-D array"),
        ("0 1 2", TypeError, r"counts must be an array of whole numbers"),
    ],
)
def test_p0_estimate_rejects_data_it_cannot_use(counts, error, match):
    """No zero (method inapplicable), all zero, or malformed counts: a clear error."""
    with pytest.raises(error, match=match):
        estimate_m_p0(counts)


# ---------------------------------------------------------------- maximum likelihood


def test_mle_reproduces_pysalvador_on_demerec():
    """Demerec: m = 10.8438, 95% profile CI [8.6505, 13.1948] (pySalvador manual)."""
    fit = estimate_m_mle(DEMEREC)
    assert fit.m == pytest.approx(10.843826994529076, rel=1e-7)
    assert fit.ci == pytest.approx((8.650538086656915, 13.194764931218975), rel=1e-7)
    assert fit.n_cultures == 30 and fit.confidence == 0.95 and fit.plating_efficiency == 1.0


def test_mle_of_luria_delbruck_experiment_16():
    """Experiment 16, whole cultures: m = 0.6941 (domain facts A3, derived)."""
    assert estimate_m_mle(LD_EXP16).m == pytest.approx(0.6941, rel=1e-4)


def test_mle_with_partial_plating_reproduces_pysalvador():
    """Experiment 16 with ε = 0.4: m = 1.18636, CI [0.58031, 2.09080] (pySalvador manual)."""
    fit = estimate_m_mle(LD_EXP16, plating_efficiency=0.4)
    assert fit.m == pytest.approx(1.1863601798967804, rel=1e-7)
    assert fit.ci == pytest.approx((0.5803079099944009, 2.0908012351381497), rel=1e-7)


def test_mle_on_the_pysalvador_nine_culture_example():
    """pySalvador manual, 'your own data': m = 2.73107, CI [1.38535, 4.59817]."""
    fit = estimate_m_mle([0, 16, 20, 2, 2, 56, 3, 161, 9])
    assert fit.m == pytest.approx(2.7310734581090395, rel=1e-7)
    assert fit.ci == pytest.approx((1.3853464760072198, 4.598170103420021), rel=1e-7)


def test_mle_is_a_maximum_and_its_interval_ends_are_on_the_chi2_line():
    """ℓ(m̂) beats its neighbours; 2[ℓ(m̂) − ℓ(ci end)] = χ²₁(0.95) at both ends."""
    fit = estimate_m_mle(DEMEREC)
    assert fit.loglik == pytest.approx(ld_log_likelihood(fit.m, DEMEREC), rel=1e-12)
    for m in (fit.m * 0.999, fit.m * 1.001):
        assert ld_log_likelihood(m, DEMEREC) < fit.loglik
    for end in fit.ci:
        assert 2 * (fit.loglik - ld_log_likelihood(end, DEMEREC)) == pytest.approx(
            CHI2_1_95, rel=1e-8
        )


def test_mle_interval_widens_with_confidence():
    """A 99% interval contains the 95% one, which contains the 50% one."""
    ci = {c: estimate_m_mle(DEMEREC, confidence=c).ci for c in (0.5, 0.95, 0.99)}
    assert ci[0.99][0] < ci[0.95][0] < ci[0.5][0] < ci[0.5][1] < ci[0.95][1] < ci[0.99][1]


def test_mle_of_all_zero_counts_is_zero_with_a_one_sided_interval():
    """ℓ(m) = −n·m is largest at 0; the upper limit solves 2nm = χ²₁(0.95)."""
    fit = estimate_m_mle([0, 0, 0, 0])
    assert fit.m == 0.0 and fit.ci[0] == 0.0
    assert fit.ci[1] == pytest.approx(CHI2_1_95 / 8, rel=1e-12)


def test_mle_recovers_m_from_a_large_simulated_experiment():
    """3000 simulated cultures with m = 2 (seed 7): the estimate is within 8% and CI covers 2."""
    counts = simulate_fluctuation(3000, 2e-8, 1e8 + 1, rng=7)
    # P(X > 5000) ≈ m/5000: capping the few giant jackpots barely moves the MLE, saves time
    counts = np.minimum(counts, 5000)
    fit = estimate_m_mle(counts)
    assert fit.m == pytest.approx(2.0, rel=0.08)
    assert fit.ci[0] < 2.0 < fit.ci[1]


def test_mle_with_plating_recovers_m_from_thinned_simulated_counts():
    """Plate 30% of each simulated culture (binomial thinning): the plating MLE finds m."""
    rng = np.random.default_rng(11)
    full = simulate_fluctuation(3000, 3e-8, 1e8 + 1, rng=rng)
    plated = np.minimum(rng.binomial(full, 0.3), 5000)  # cap giant jackpots (see above)
    fit = estimate_m_mle(plated, plating_efficiency=0.3)
    assert fit.m == pytest.approx(3.0, rel=0.1)
    assert fit.ci[0] < 3.0 < fit.ci[1]
    assert estimate_m_mle(plated).m < 0.6 * fit.m  # ignoring plating underestimates m


def test_mle_on_the_shipped_datasets():
    """The datasets reproduce the anchors: Demerec 10.8438, Luria–Delbrück exp. 16 0.6941."""
    demerec = datasets.load("demerec_fluctuation")["resistant_colonies"]
    assert estimate_m_mle(demerec).m == pytest.approx(10.8438, rel=1e-5)
    ld = datasets.load("luria_delbruck_1943")
    exp16 = ld.loc[ld["experiment"] == "16", "resistant_colonies"]
    assert estimate_m_mle(exp16).m == pytest.approx(0.6941, rel=1e-4)
    assert estimate_m_p0(exp16) == pytest.approx(0.59784, rel=1e-5)


def test_estimate_is_a_frozen_result_with_a_rate_and_a_readable_summary():
    """FluctuationEstimate: immutable, m/N as the rate, and a one-line description."""
    fit = estimate_m_mle(DEMEREC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.m = 1.0  # type: ignore[misc]
    assert fit.mutation_rate(1.9e8) == pytest.approx(10.843827 / 1.9e8, rel=1e-6)
    assert str(fit) == "m = 10.84 (95% CI 8.651 to 13.19) from 30 cultures"
    with pytest.raises(ValueError, match=r"final_size must be >= 1 cells per culture"):
        fit.mutation_rate(0)
    assert isinstance(fit, FluctuationEstimate)


@pytest.mark.parametrize(
    ("counts", "kwargs", "error", "match"),
    [
        ([1, -2, 3], {}, ValueError, r"counts must be >= 0"),
        ([1, 2.5, 3], {}, ValueError, r"counts must be whole numbers"),
        ([], {}, ValueError, r"counts needs at least 1 value"),
        ([1, np.nan], {}, ValueError, r"counts must be finite"),
        ([1, MAX_COUNT + 1], {}, ValueError, r"counts above 100000 are not supported"),
        ([1, 2], {"confidence": 1.0}, ValueError, r"confidence must be < 1"),
        ([1, 2], {"confidence": 0.0}, ValueError, r"confidence must be > 0"),
        ([1, 2], {"plating_efficiency": -0.1}, ValueError, r"plating_efficiency must be > 0"),
    ],
)
def test_mle_rejects_bad_counts_and_options(counts, kwargs, error, match):
    """Negative, fractional, empty, non-finite or huge counts and bad options are refused."""
    with pytest.raises(error, match=match):
        estimate_m_mle(counts, **kwargs)


# ---------------------------------------------------------------- Goldie–Coldman


def test_goldie_coldman_anchor():
    """α = 10⁻⁶: P0 = e^−1 at N = 10⁶ (domain facts A4.1) and ≈ 0 at N = 10⁹."""
    assert goldie_coldman(1e-6, 1e6) == pytest.approx(math.exp(-(1e6 - 1) * 1e-6), rel=1e-14)
    assert goldie_coldman(1e-6, 1e6) == pytest.approx(math.exp(-1), rel=1e-5)
    assert goldie_coldman(1e-6, 1e9) < 1e-300


def test_goldie_coldman_limits():
    """One cell (no division) or α = 0: certainly no resistant cell."""
    assert goldie_coldman(0.5, 1) == 1.0
    assert goldie_coldman(0.0, 1e12) == 1.0


def test_prob_preexisting_is_the_complement_and_keeps_precision():
    """1 − P0, computed with expm1: α(N − 1) = 10⁻⁹ gives 10⁻⁹, not 0 or 1.1e-9."""
    mu, n = np.array([1e-9, 1e-7]), np.array([1e9, 1e9])
    np.testing.assert_allclose(prob_preexisting_resistance(mu, n), 1 - goldie_coldman(mu, n))
    assert prob_preexisting_resistance(1e-12, 1001) == pytest.approx(1e-9, rel=1e-9)


def test_goldie_coldman_broadcasts_and_returns_floats_for_scalars():
    """A column of rates against a row of sizes gives a table; scalars give a float."""
    table = goldie_coldman(np.array([[1e-9], [1e-6]]), np.array([1e3, 1e6, 1e9]))
    assert table.shape == (2, 3)
    assert table[1, 1] == pytest.approx(math.exp(-(1e6 - 1) * 1e-6))
    assert isinstance(goldie_coldman(1e-6, 1e6), float)
    assert isinstance(prob_preexisting_resistance([1e-6], 1e6), np.ndarray)


@settings(derandomize=True, max_examples=50, deadline=None)
@given(
    mu=st.floats(min_value=0, max_value=1e-3),
    n=st.floats(min_value=1, max_value=1e12),
    factor=st.floats(min_value=1.0, max_value=100.0),
)
def test_goldie_coldman_falls_with_size_and_rate(mu, n, factor):
    """P0 is in [0, 1] and never rises when the tumour or the mutation rate grows."""
    p = goldie_coldman(mu, n)
    assert 0.0 <= p <= 1.0
    assert goldie_coldman(mu, n * factor) <= p
    assert goldie_coldman(min(mu * factor, 1.0), n) <= p


@pytest.mark.parametrize(
    ("mu", "n", "match"),
    [
        (1.5, 1e6, r"mutation_rate must be <= 1 per cell division"),
        (-1e-6, 1e6, r"mutation_rate must be >= 0 per cell division"),
        (1e-6, 0.5, r"n_cells must be >= 1 cells"),
        ([1e-6, 1e-7], [1e6, 1e7, 1e8], r"mutation_rate and n_cells must broadcast"),
    ],
)
def test_goldie_coldman_rejects_bad_input(mu, n, match):
    """Rates outside [0, 1], fewer than one cell or shapes that do not fit: clear errors."""
    with pytest.raises(ValueError, match=match):
        goldie_coldman(mu, n)
    with pytest.raises(ValueError, match=match):
        prob_preexisting_resistance(mu, n)


# ---------------------------------------------------------------- simulation


def test_simulation_shape_type_and_reproducibility():
    """Integer counts, one per culture; the same seed gives the same cultures."""
    a = simulate_fluctuation(50, 1e-8, 1e8, rng=3)
    assert a.shape == (50,) and a.dtype == np.int64 and (a >= 0).all()
    np.testing.assert_array_equal(a, simulate_fluctuation(50, 1e-8, 1e8, rng=3))
    assert not np.array_equal(a, simulate_fluctuation(50, 1e-8, 1e8, rng=4))
    gen = np.random.default_rng(3)
    np.testing.assert_array_equal(a, simulate_fluctuation(50, 1e-8, 1e8, rng=gen))


def test_simulation_without_mutation_has_no_mutants():
    """μ = 0: no resistant cell under either hypothesis."""
    for hypothesis in ("pre-existing", "induced"):
        counts = simulate_fluctuation(20, 0.0, 1e8, hypothesis=hypothesis, rng=0)
        assert (counts == 0).all()


def test_variance_to_mean_separates_the_hypotheses():
    """2000 cultures, m = 1 (seed 2024): pre-existing VMR ≫ 1, induced VMR ≈ 1 (Poisson)."""
    pre = simulate_fluctuation(2000, 1e-8, 1e8, rng=2024)
    ind = simulate_fluctuation(2000, 1e-8, 1e8, hypothesis="induced", rng=2024)
    assert pre.var(ddof=1) / pre.mean() > 50
    assert ind.var(ddof=1) / ind.mean() == pytest.approx(1.0, abs=0.1)


def test_induced_mean_matches_the_pre_existing_expectation():
    """Both hypotheses share the mean μN·ln(N/N0); the induced sample mean is within 4 SE."""
    mu, n, n0 = 1e-8, 1e8, 100.0
    expected = mu * n * math.log(n / n0)
    ind = simulate_fluctuation(4000, mu, n, hypothesis="induced", initial_size=n0, rng=5)
    assert abs(ind.mean() - expected) < 4 * math.sqrt(expected / 4000)


def test_pre_existing_counts_follow_the_luria_delbruck_law():
    """Simulated frequencies of 0–4 mutants match ld_pmf(m) within 4 binomial SE."""
    n_cultures, m = 20_000, 1.5
    counts = simulate_fluctuation(n_cultures, m / (1e8 - 1), 1e8, rng=99)
    observed = np.bincount(counts, minlength=5)[:5] / n_cultures
    expected = ld_pmf(m, 4)
    se = np.sqrt(expected * (1 - expected) / n_cultures)
    assert (np.abs(observed - expected) < 4 * se).all()


def test_simulating_1000_cultures_of_1e8_cells_is_fast():
    """1000 cultures of 10⁸ cells (m = 1) take well under a second."""
    start = time.perf_counter()
    simulate_fluctuation(1000, 1e-8, 1e8, rng=0)
    simulate_fluctuation(1000, 1e-8, 1e8, hypothesis="induced", rng=0)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((0, 1e-8, 1e8), {}, ValueError, r"n_cultures must be >= 1"),
        ((2.5, 1e-8, 1e8), {}, ValueError, r"n_cultures must be a whole number of cultures"),
        ((10, 2.0, 1e8), {}, ValueError, r"mutation_rate must be <= 1"),
        ((10, 1e-8, 1e8), {"hypothesis": "lamarck"}, ValueError, r"hypothesis must be one of"),
        ((10, 1e-8, 50), {"initial_size": 100}, ValueError, r"final_size must be larger than"),
        ((10, 1e-8, 1e8 + 0.5), {}, ValueError, r"final_size must be a whole number of cells"),
        ((1000, 1e-3, 1e8), {}, ValueError, r"would draw about 1e\+08 mutant clones"),
        ((10, 0.1, 1e8), {"hypothesis": "induced"}, ValueError, r"μ·ln\(N/N0\) <= 1"),
        ((10, 1e-8, 1e8), {"rng": "seed"}, TypeError, r"rng must be None, an integer seed"),
    ],
)
def test_simulation_rejects_bad_input(args, kwargs, error, match):
    """Bad sizes, rates, hypotheses, seeds or an infeasible simulation: clear errors."""
    with pytest.raises(error, match=match):
        simulate_fluctuation(*args, **kwargs)
