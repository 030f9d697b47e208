"""resistlab.pharmacology: Hill curve, 4PL fit, IC50/AUC, GR metrics, resistance index."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import datasets
from resistlab.pharmacology import (
    FitError,
    GRFit,
    HillFit,
    fit_gr,
    fit_hill,
    gr_values,
    hill,
    resistance_index,
)

# drc's ryegrass data (Inderjit et al. 2002; domain facts A2.1): ferulic acid (mM) vs root
# length (cm), 24 observations.
RYEGRASS_CONC = np.array([0.0] * 6 + [0.94] * 3 + [1.88] * 3 + [3.75] * 3 + [7.5] * 3
                         + [15.0] * 3 + [30.0] * 3)  # fmt: skip
RYEGRASS_ROOTL = np.array([
    7.58, 8.0, 8.328571429, 7.25, 7.375, 7.9625, 8.355555556, 6.914285714, 7.75, 6.871428571,
    6.45, 5.922222222, 1.925, 2.885714286, 4.233333333, 1.1875, 0.857142857, 1.057142857,
    0.6875, 0.525, 0.825, 0.25, 0.22, 0.44,
])  # fmt: skip
# The unweighted least-squares LL.4 optimum on those 24 points (b = h, c = emax, d = e0,
# e = ec50). Computed independently of this module by plain nonlinear least squares in the
# untransformed parameters (scipy curve_fit, start b=1, c=0.5, d=8, e=3); the test below
# also checks that it is a local minimum of the sum of squares.
RYEGRASS_LL4 = {"h": 2.98222, "emax": 0.48141, "e0": 7.79296, "ec50": 3.05796}
RYEGRASS_RSE = 0.519626  # sqrt(SSE / 20)

HALF_LOG_DOSES = 10.0 ** np.arange(-3.0, 2.01, 0.5)  # 0.001 ... 100, 11 doses


def _sse(params, dose, y):
    e0, emax, ec50, h = params
    return float(np.sum((hill(dose, e0, emax, ec50, h) - y) ** 2))


# --- hill ------------------------------------------------------------------------------


def test_hill_literal_values():
    """hill() matches hand-computed values for falling and rising curves."""
    # d = 2·EC50, h = 2: occupancy 4/5, so 1 + (0.2 − 1)·0.8 = 0.36
    assert hill(3.0, e0=1.0, emax=0.2, ec50=1.5, h=2.0) == pytest.approx(0.36, rel=1e-12)
    # rising: d = EC50/3, h = 1: occupancy 1/4 -> 10 + 90/4
    assert hill(1.0, e0=10.0, emax=100.0, ec50=3.0, h=1.0) == pytest.approx(32.5, rel=1e-12)


def test_hill_is_vectorised_and_keeps_shape():
    """An array of doses gives an array of the same shape; a scalar gives a float."""
    dose = np.array([[0.0, 1.0], [2.0, 4.0]])
    out = hill(dose, 1.0, 0.0, 2.0, 1.0)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, [[1.0, 2 / 3], [0.5, 1 / 3]], rtol=1e-12)
    assert isinstance(hill(1.0, 1.0, 0.0, 2.0, 1.0), float)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dose": -1.0}, r"dose must be >= 0"),
        ({"dose": [0.1, math.nan]}, r"dose must be finite"),
        ({"ec50": 0.0}, r"ec50 must be > 0"),
        ({"h": -1.0}, r"h \(Hill slope\) must be > 0"),
    ],
)
def test_hill_rejects_bad_input(kwargs, match):
    """Negative or non-finite doses and non-positive EC50 or h raise a clear ValueError."""
    args = {"dose": 1.0, "e0": 1.0, "emax": 0.0, "ec50": 1.0, "h": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        hill(**args)


def test_hill_rejects_non_numbers():
    """A string where a parameter belongs raises a TypeError naming it."""
    with pytest.raises(TypeError, match=r"e0 must be a single number"):
        hill(1.0, "one", 0.0, 1.0, 1.0)


params = st.tuples(
    st.floats(-10, 10),  # e0
    st.floats(-10, 10),  # emax
    st.floats(-3, 3).map(lambda e: 10.0**e),  # ec50
    st.floats(0.2, 5.0),  # h
)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(params)
def test_hill_limits_and_midpoint(p):
    """E(0) = e0, E(EC50) = (e0 + emax)/2 and E(d) -> emax for d >> EC50."""
    e0, emax, ec50, h = p
    assert hill(0.0, e0, emax, ec50, h) == e0
    assert hill(ec50, e0, emax, ec50, h) == pytest.approx(0.5 * (e0 + emax), abs=1e-9)
    far = ec50 * 10.0 ** (30.0 / h)  # occupancy 1 − 1e-30
    assert hill(far, e0, emax, ec50, h) == pytest.approx(emax, abs=1e-9 + 1e-9 * abs(emax - e0))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(params)
def test_hill_is_monotonic_between_its_plateaus(p):
    """The curve moves monotonically from e0 towards emax and never leaves [min, max]."""
    e0, emax, ec50, h = p
    dose = np.geomspace(ec50 * 1e-4, ec50 * 1e4, 200)
    y = hill(dose, e0, emax, ec50, h)
    steps = np.diff(y) * np.sign(emax - e0 or 1.0)
    assert np.all(steps >= -1e-12)
    assert np.all(y >= min(e0, emax) - 1e-12) and np.all(y <= max(e0, emax) + 1e-12)


# --- fit_hill ----------------------------------------------------------------------------


def test_fit_hill_ryegrass_ll4_optimum():
    """All 24 ryegrass points: the fit reaches the LL.4 least-squares optimum (20 df)."""
    fit = fit_hill(RYEGRASS_CONC, RYEGRASS_ROOTL)
    for name, value in RYEGRASS_LL4.items():
        assert getattr(fit, name) == pytest.approx(value, rel=2e-5), name
    assert fit.residual_se == pytest.approx(RYEGRASS_RSE, rel=1e-5)
    assert fit.n == 24 and (fit.dose_min, fit.dose_max) == (0.94, 30.0)
    best = _sse((fit.e0, fit.emax, fit.ec50, fit.h), RYEGRASS_CONC, RYEGRASS_ROOTL)
    assert best == pytest.approx(20 * RYEGRASS_RSE**2, rel=1e-5)
    # a local minimum: a 0.5% nudge of any parameter only makes the fit worse
    base = np.array([fit.e0, fit.emax, fit.ec50, fit.h])
    for i in range(4):
        for factor in (0.995, 1.005):
            nudged = base.copy()
            nudged[i] *= factor
            assert _sse(nudged, RYEGRASS_CONC, RYEGRASS_ROOTL) > best


@pytest.mark.parametrize(
    ("e0", "emax", "ec50", "h"),
    [(1.0, 0.05, 0.3, 1.2), (100.0, 20.0, 4.0, 0.7), (0.0, 1.0, 0.02, 2.5), (5.0, -1.0, 1.0, 3.0)],
)
def test_fit_hill_recovers_noiseless_curves(e0, emax, ec50, h):
    """Noiseless falling and rising curves are recovered to 1e-6 relative."""
    dose = np.concatenate([[0.0, 0.0], HALF_LOG_DOSES])
    fit = fit_hill(dose, hill(dose, e0, emax, ec50, h))
    assert (fit.e0, fit.emax) == pytest.approx((e0, emax), abs=1e-6 * max(1.0, abs(e0 - emax)))
    assert fit.ec50 == pytest.approx(ec50, rel=1e-6)
    assert fit.h == pytest.approx(h, rel=1e-6)
    assert fit.residual_se < 1e-6


@settings(derandomize=True, max_examples=25, deadline=None)
@given(
    st.floats(0.5, 1.5),
    st.floats(-0.5, 0.8),
    st.floats(-2.0, 1.0).map(lambda e: 10.0**e),
    st.floats(0.5, 4.0),
)
def test_fit_hill_recovers_parameters_property(e0, emax, ec50, h):
    """For any curve whose midpoint lies inside the tested doses, the fit recovers it."""
    if abs(e0 - emax) < 0.2:
        emax = e0 - 0.5
    fit = fit_hill(HALF_LOG_DOSES, hill(HALF_LOG_DOSES, e0, emax, ec50, h))
    assert fit.ec50 == pytest.approx(ec50, rel=1e-4)
    assert fit.h == pytest.approx(h, rel=1e-4)
    assert fit.emax == pytest.approx(emax, abs=1e-4)


def test_fit_hill_with_noise_stays_close():
    """With 5% seeded noise and 3 replicates, EC50 is within 15% and h within 25%."""
    rng = np.random.default_rng(7)
    dose = np.repeat(np.concatenate([[0.0], HALF_LOG_DOSES]), 3)
    y = hill(dose, 1.0, 0.1, 0.5, 1.3) + rng.normal(0.0, 0.05, dose.size)
    fit = fit_hill(dose, y)
    assert fit.ec50 == pytest.approx(0.5, rel=0.15)
    assert fit.h == pytest.approx(1.3, rel=0.25)
    assert fit.residual_se == pytest.approx(0.05, rel=0.3)


def test_fit_hill_fixed_plateaus_are_kept():
    """Fixed e0/emax are returned exactly and the other parameters still fit."""
    dose = HALF_LOG_DOSES
    y = hill(dose, 1.0, 0.2, 0.1, 1.0)
    fit = fit_hill(dose, y, e0=1.0)
    assert fit.e0 == 1.0 and fit.emax == pytest.approx(0.2, abs=1e-7)
    both = fit_hill(dose, y, e0=1.0, emax=0.2)
    assert (both.e0, both.emax) == (1.0, 0.2)
    assert both.ec50 == pytest.approx(0.1, rel=1e-7)


def test_fit_hill_two_free_parameters_need_only_two_positive_doses():
    """With both plateaus fixed, 2 distinct positive doses determine EC50 and h."""
    dose = [0.1, 1.0]
    fit = fit_hill(dose, hill(dose, 1.0, 0.0, 0.5, 1.5), e0=1.0, emax=0.0)
    assert fit.ec50 == pytest.approx(0.5, rel=1e-7) and fit.h == pytest.approx(1.5, rel=1e-7)
    assert math.isnan(fit.residual_se)  # no residual degrees of freedom


@pytest.mark.parametrize(
    ("dose", "response", "kwargs", "match"),
    [
        ([0.1, 1, 10, 100], [1, 0.8, 0.3], {}, r"dose and response must have the same shape"),
        ([0.1, 1, 10], [1, 0.5, 0.1], {}, r"at least 4 observations; got 3"),
        ([0, 0, 1, 1], [1, 1, 0.5, 0.5], {}, r"at least 2 distinct positive values"),
        ([0.1, 0.1, 1, 1, 10, 10], [1, 1, 0.5, 0.5, 0.1, 0.1], {}, r"at least 4 distinct"),
        ([[0.1, 1], [10, 100]], [[1, 0.5], [0.2, 0.1]], {}, r"must be a 1-D array"),
        ([0.1, 1, 10, -1], [1, 0.5, 0.1, 0.1], {}, r"dose must be >= 0"),
    ],
)
def test_fit_hill_rejects_bad_input(dose, response, kwargs, match):
    """Shape, size and dose-design problems are reported before any fitting."""
    with pytest.raises(ValueError, match=match):
        fit_hill(dose, response, **kwargs)


def test_fit_hill_flat_response_is_a_fit_error():
    """A response that never changes cannot be fitted: FitError saying so."""
    with pytest.raises(FitError, match=r"same \(0\.8\) at every dose"):
        fit_hill(HALF_LOG_DOSES, np.full(HALF_LOG_DOSES.size, 0.8))


def test_fit_hill_ec50_outside_the_doses_is_a_fit_error():
    """A curve that barely starts to fall at the top dose: EC50 runs off, FitError."""
    dose = [0.01, 0.1, 1.0, 10.0, 100.0]
    with pytest.raises(FitError, match=r"EC50 ran to the edge of its search range"):
        fit_hill(dose, [1.0, 1.0, 0.999, 0.995, 0.99], e0=1.0, emax=0.0)


def test_fit_hill_step_is_a_fit_error():
    """A jump between two doses has no finite slope: FitError about the Hill slope."""
    with pytest.raises(FitError, match=r"Hill slope ran to the edge"):
        fit_hill([0.01, 0.1, 1.0, 10.0, 100.0], [1.0, 1.0, 0.1, 0.1, 0.1])


def test_fit_hill_non_convergence_is_a_fit_error():
    """Four exact points with one above the drop leave e0 undetermined: FitError."""
    with pytest.raises(FitError, match=r"did not converge from any starting point"):
        fit_hill([0.01, 0.1, 1.0, 10.0, 100.0], [1.0, 0.5, 0.5, 0.5, 0.5])


# --- HillFit: IC50 and AUC ---------------------------------------------------------------


def _fit(e0=1.0, emax=0.0, ec50=2.0, h=1.0, dose_min=0.01, dose_max=100.0):
    return HillFit(e0, emax, ec50, h, n=10, residual_se=0.0, dose_min=dose_min,
                   dose_max=dose_max)  # fmt: skip


def test_ic50_relative_is_ec50_and_absolute_reaches_half_of_e0():
    """Relative IC50 = EC50; at the absolute IC50 the curve is at exactly 0.5·e0."""
    fit = _fit(e0=1.0, emax=0.2, ec50=2.0, h=1.5)
    assert fit.ic50() == 2.0 and fit.ic50("relative") == 2.0
    absolute = fit.ic50("absolute")
    # f = 0.5/0.8 = 0.625; 2·(0.625/0.375)^(1/1.5) = 2·(5/3)^(2/3)
    assert absolute == pytest.approx(2.0 * (5.0 / 3.0) ** (2.0 / 3.0), rel=1e-12)
    assert fit.predict(absolute) == pytest.approx(0.5, rel=1e-12)
    assert _fit(e0=1.0, emax=0.0).ic50("absolute") == pytest.approx(2.0)


def test_absolute_ic50_agrees_with_thunor_formula():
    """Absolute IC50 equals thunor's IC_N = EC50·(f/(1 − f − emax/e0))^(1/h) at f = 0.5."""
    e0, emax, ec50, h = 1.6, 0.2, 0.35, 1.7
    thunor = ec50 * (0.5 / (1.0 - 0.5 - emax / e0)) ** (1.0 / h)  # domain facts A2.2
    assert _fit(e0=e0, emax=emax, ec50=ec50, h=h).ic50("absolute") == pytest.approx(
        thunor, rel=1e-12
    )


@pytest.mark.parametrize("emax", [0.5, 0.7, 1.5])
def test_absolute_ic50_is_infinite_when_never_reached(emax):
    """emax >= 0.5·e0 (or a rising curve): the response never halves -> math.inf."""
    assert _fit(e0=1.0, emax=emax).ic50("absolute") == math.inf


def test_ic50_errors():
    """Unknown kinds and an absolute IC50 with e0 <= 0 raise ValueError."""
    with pytest.raises(ValueError, match=r"kind must be one of 'relative', 'absolute'"):
        _fit().ic50("median")
    with pytest.raises(ValueError, match=r"needs a positive control response e0"):
        _fit(e0=-1.0, emax=-3.0).ic50("absolute")


@pytest.mark.parametrize(
    ("ec50", "h", "emax"), [(2.0, 1.0, 0.0), (0.05, 2.5, 0.3), (30.0, 0.6, 0.1)]
)
def test_auc_matches_numerical_integration(ec50, h, emax):
    """The closed-form AUC equals a fine trapezoid rule of E/e0 over log10 dose."""
    fit = _fit(e0=2.0, emax=emax, ec50=ec50, h=h, dose_min=0.01, dose_max=100.0)
    grid = np.linspace(-2.0, 2.0, 200_001)
    expected = np.trapezoid(fit.predict(10.0**grid) / 2.0, grid) / 4.0
    assert fit.auc() == pytest.approx(expected, rel=1e-8)
    narrower = np.linspace(-1.0, 1.0, 100_001)
    expected = np.trapezoid(fit.predict(10.0**narrower) / 2.0, narrower) / 2.0
    assert fit.auc(0.1, 10.0) == pytest.approx(expected, rel=1e-8)


def test_auc_agrees_with_thunor_activity_area():
    """(1 − AUC) × log10 range equals thunor's activity area AA (domain facts A2.2)."""
    e0, emax, ec50, h, lo, hi = 1.5, 0.3, 0.2, 1.4, 0.001, 10.0
    r_min, r_max = h * (math.log10(lo) - math.log10(ec50)), h * (math.log10(hi) - math.log10(ec50))
    activity_area = (math.log10(1 + 10**r_max) - math.log10(1 + 10**r_min)) / h * (e0 - emax) / e0
    fit = _fit(e0=e0, emax=emax, ec50=ec50, h=h, dose_min=lo, dose_max=hi)
    assert (1.0 - fit.auc()) * 4.0 == pytest.approx(activity_area, rel=1e-12)


def test_auc_limits():
    """No effect in the range gives AUC 1; a full kill far below the range gives 0."""
    assert _fit(ec50=1e6, h=2.0).auc() == pytest.approx(1.0, abs=1e-6)
    assert _fit(ec50=1e-8, h=2.0).auc() == pytest.approx(0.0, abs=1e-6)


def test_auc_errors():
    """A non-positive e0 or an empty range raises ValueError."""
    with pytest.raises(ValueError, match=r"normalised to the control response e0"):
        _fit(e0=0.0, emax=-1.0).auc()
    with pytest.raises(ValueError, match=r"dose_min must be below dose_max"):
        _fit().auc(10.0, 1.0)
    with pytest.raises(ValueError, match=r"dose_min must be > 0"):
        _fit().auc(0.0, 1.0)


# --- GR ----------------------------------------------------------------------------------


def test_gr_values_reference_points():
    """GR = 0 when x(c) = x0 and GR = 1 when x(c) = x_ctrl (domain facts C.5)."""
    assert gr_values(250.0, 1000.0, 250.0) == 0.0
    assert gr_values(1000.0, 1000.0, 250.0) == pytest.approx(1.0, rel=1e-12)


def test_gr_values_literal_and_broadcasting():
    """Control grew 8-fold (3 doublings): x = 4·x0 -> 2^(2/3) − 1; halving -> 2^(-1/3) − 1."""
    out = gr_values([400.0, 50.0], 800.0, 100.0)
    np.testing.assert_allclose(out, [2 ** (2 / 3) - 1, 2 ** (-1 / 3) - 1], rtol=1e-12)
    grid = gr_values(np.array([[200.0], [400.0]]), np.array([400.0, 800.0]), 100.0)
    assert grid.shape == (2, 2)
    assert grid[1, 0] == pytest.approx(1.0) and grid[0, 1] == pytest.approx(2 ** (1 / 3) - 1)


def test_gr_values_is_independent_of_division_rate():
    """Same fractional growth-rate reduction, different division rates: same GR."""
    fast = gr_values(100.0 * 2 ** (3 * 0.4), 100.0 * 2**3, 100.0)
    slow = gr_values(100.0 * 2 ** (1 * 0.4), 100.0 * 2**1, 100.0)
    assert fast == pytest.approx(slow, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0.0, 800.0, 100.0), ValueError, r"x_treated \(treated count\) must be > 0 cells"),
        ((400.0, -1.0, 100.0), ValueError, r"x_control \(control count\) must be > 0"),
        ((400.0, 100.0, 100.0), ValueError, r"the control did not grow"),
        (([400.0, 300.0], [800.0, 90.0], 100.0), ValueError, r"at position 1"),
        (([1.0, 2.0], [800.0, 900.0, 1000.0], 100.0), ValueError, r"must broadcast"),
        (("many", 800.0, 100.0), TypeError, r"must be a number or an array"),
    ],
)
def test_gr_values_errors(args, error, match):
    """Non-positive counts, a control that did not grow and shape clashes are reported."""
    with pytest.raises(error, match=match):
        gr_values(*args)


def _gr(gec50=1.0, grinf=0.0, h=1.0, dose_min=0.01, dose_max=100.0):
    return GRFit(gec50, grinf, h, n=9, residual_se=0.0, dose_min=dose_min, dose_max=dose_max)


def test_gr50_formula_and_infinity():
    """GR50 = GEC50·((1 − GRinf)/(0.5 − GRinf) − 1)^(1/h); inf when GRinf >= 0.5."""
    fit = _gr(gec50=0.3, grinf=-0.2, h=1.5)
    assert fit.gr50 == pytest.approx(0.3 * (1.2 / 0.7 - 1.0) ** (1 / 1.5), rel=1e-12)
    assert fit.predict(fit.gr50) == pytest.approx(0.5, rel=1e-12)
    assert _gr(grinf=0.0).gr50 == pytest.approx(1.0)
    assert _gr(grinf=0.5).gr50 == math.inf and _gr(grinf=0.8).gr50 == math.inf


def test_grmax_and_gr_aoc():
    """GRmax is the curve at the top dose; GR_AOC matches numerical integration."""
    fit = _gr(gec50=0.2, grinf=-0.3, h=1.3, dose_min=0.001, dose_max=10.0)
    assert fit.grmax == pytest.approx(-0.3 + 1.3 / (1 + (10.0 / 0.2) ** 1.3), rel=1e-12)
    grid = np.linspace(-3.0, 1.0, 200_001)
    expected = np.trapezoid(1.0 - fit.predict(10.0**grid), grid) / 4.0
    assert fit.gr_aoc == pytest.approx(expected, rel=1e-8)
    assert _gr(gec50=1e8).gr_aoc == pytest.approx(0.0, abs=1e-6)


def test_fit_gr_recovers_noiseless_curve():
    """A noiseless GR curve over the GRmetrics design (half-log 0.001–10) is recovered."""
    c = 10.0 ** np.arange(-3.0, 1.01, 0.5)
    truth = _gr(gec50=0.15, grinf=-0.15, h=1.2, dose_min=c[0], dose_max=c[-1])
    fit = fit_gr(np.concatenate([[0.0], c]), np.concatenate([[1.0], truth.predict(c)]))
    assert fit.gec50 == pytest.approx(0.15, rel=1e-6)
    assert fit.grinf == pytest.approx(-0.15, abs=1e-6)
    assert fit.h == pytest.approx(1.2, rel=1e-6)
    assert fit.gr50 == pytest.approx(truth.gr50, rel=1e-6)


def test_fit_gr_respects_grmetrics_bounds():
    """A step-like response is fitted with h at its upper bound 5 (GRmetrics bounds)."""
    c = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    fit = fit_gr(c, [1.0, 1.0, 0.0, 0.0, 0.0])
    assert fit.h == pytest.approx(5.0, rel=1e-6)
    assert -1.0 <= fit.grinf <= 1.0


def test_fit_gr_errors():
    """GR below −1, flat GR and too few doses raise; optimiser failure is a FitError."""
    with pytest.raises(ValueError, match=r"gr must be >= -1"):
        fit_gr([0.1, 1.0, 10.0], [0.5, -1.5, 0.0])
    with pytest.raises(ValueError, match=r"at least 3 observations"):
        fit_gr([0.1, 1.0], [0.5, 0.0])
    with pytest.raises(FitError, match=r"the gr is the same"):
        fit_gr([0.1, 1.0, 10.0], [0.3, 0.3, 0.3])


def test_fit_non_convergence_messages(monkeypatch):
    """When the optimiser reports failure both fitters raise FitError with advice."""
    import scipy.optimize
    from scipy.optimize import OptimizeResult

    def failing(fun, x0, **_kwargs):
        return OptimizeResult(x=np.asarray(x0), success=False, cost=1.0, message="stub failure")

    monkeypatch.setattr(scipy.optimize, "least_squares", failing)
    with pytest.raises(FitError, match=r"optimiser: stub failure"):
        fit_hill(HALF_LOG_DOSES, hill(HALF_LOG_DOSES, 1.0, 0.0, 1.0, 1.0))
    with pytest.raises(FitError, match=r"fit of the GR curve did not converge"):
        fit_gr([0.1, 1.0, 10.0], [0.9, 0.5, 0.1])


# --- resistance index --------------------------------------------------------------------


def test_resistance_index_values():
    """RI is the fold change resistant/parental, broadcast over arrays."""
    assert resistance_index(2.4, 0.3) == pytest.approx(8.0)
    np.testing.assert_allclose(resistance_index([0.3, 0.03], 0.3), [1.0, 0.1])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.0, 1.0), r"the resistant line's IC50 \(or GR50\) must be > 0"),
        ((1.0, -2.0), r"the parental line's IC50 \(or GR50\) must be > 0"),
        ((math.nan, 1.0), r"the resistant line's .* must be > 0"),
        ((-math.inf, 1.0), r"the resistant line's .* must be > 0"),
        ((math.inf, math.inf), r"both lines have an infinite IC50"),
        (([1.0, 2.0], [1.0, 2.0, 3.0]), r"must broadcast to one shape"),
    ],
)
def test_resistance_index_errors(args, match):
    """Non-positive, NaN, doubly infinite or mismatched values are rejected clearly."""
    with pytest.raises(ValueError, match=match) as err:
        resistance_index(*args)
    assert "ic50_resistant" not in str(err.value), "messages must not name one kind of value"


def test_resistance_index_infinite():
    """An IC50 that is never reached (inf) is legitimate: RI = inf, or 0 for the parent."""
    assert resistance_index(math.inf, 0.3) == math.inf
    assert resistance_index(0.3, math.inf) == 0.0
    assert list(resistance_index([math.inf, 0.6], 0.3)) == [math.inf, 2.0]


# --- the shipped dataset ------------------------------------------------------------------


@pytest.fixture(scope="module")
def counts():
    return datasets.load("dose_response_72h")


def test_dataset_layout(counts):
    """66 wells: per line 3 time-zero wells and 10 conditions × 3 replicates, all simulated."""
    assert len(counts) == 66
    assert set(counts["source_quality"]) == {"simulated"}
    assert counts["citation"].str.contains("seed 2016").all()
    for _line, wells in counts.groupby("cell_line"):
        assert (wells["time_h"] == 0).sum() == 3
        end = wells[wells["time_h"] == 72]
        assert sorted(end["dose_uM"].unique())[1:] == pytest.approx(
            [0.001, 0.003162, 0.01, 0.03162, 0.1, 0.3162, 1.0, 3.162, 10.0]
        )
        assert end.groupby("dose_uM").size().eq(3).all()
    assert (counts["cell_count"] > 0).all()


def _line_metrics(counts, line):
    wells = counts[counts["cell_line"] == line]
    x0 = wells.loc[wells["time_h"] == 0, "cell_count"].mean()
    end = wells[wells["time_h"] == 72]
    ctrl = end.loc[end["dose_uM"] == 0, "cell_count"].mean()
    viability_fit = fit_hill(end["dose_uM"], end["cell_count"] / ctrl, e0=1.0)
    treated = end[end["dose_uM"] > 0]
    gr_fit = fit_gr(treated["dose_uM"], gr_values(treated["cell_count"].to_numpy(), ctrl, x0))
    return viability_fit, gr_fit


def test_dataset_shows_the_growth_rate_confounder(counts):
    """Relative viability calls the slow line >5-fold resistant; GR50s agree within 2-fold."""
    par_v, par_gr = _line_metrics(counts, "parental")
    res_v, res_gr = _line_metrics(counts, "resistant")
    assert resistance_index(res_v.ic50("absolute"), par_v.ic50("absolute")) > 5.0
    assert 0.5 < resistance_index(res_gr.gr50, par_gr.gr50) < 2.0
    # the untreated resistant wells went through about one doubling, the parental three
    for line, doublings in (("parental", 3.0), ("resistant", 1.0)):
        wells = counts[counts["cell_line"] == line]
        x0 = wells.loc[wells["time_h"] == 0, "cell_count"].mean()
        ctrl = wells.loc[(wells["time_h"] == 72) & (wells["dose_uM"] == 0), "cell_count"].mean()
        assert math.log2(ctrl / x0) == pytest.approx(doublings, abs=0.25)
