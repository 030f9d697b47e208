"""Tests for resistlab.signalling: the EGFR/MET bypass model and combination search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import signalling as sig

P = sig.BypassParameters()
dose = st.floats(min_value=0.0, max_value=1e5, allow_nan=False)
copies = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)


def test_fractional_inhibition_reference_points():
    assert sig.fractional_inhibition(0.0, 10.0) == 0.0
    assert sig.fractional_inhibition(10.0, 10.0) == pytest.approx(0.5)
    # At twice the IC50 with h = 2: 4 / (4 + 1) = 0.8.
    assert sig.fractional_inhibition(20.0, 10.0, hill=2.0) == pytest.approx(0.8)
    assert sig.fractional_inhibition(1e300, 10.0) == pytest.approx(1.0)


def test_no_inhibitor_gives_full_output():
    """No drug: basal + EGFR drive + MET drive per copy x copies."""
    for n in (2, 10, 25):
        expected = P.basal_output + P.egfr_drive + P.met_drive_per_copy * n
        assert sig.bypass_output(0.0, 0.0, n) == pytest.approx(expected, rel=1e-12)


def test_both_inhibitors_saturating_leave_the_basal_output():
    for n in (2, 10, 25):
        assert sig.bypass_output(1e12, 1e12, n) == pytest.approx(P.basal_output, abs=1e-9)


def test_saturating_egfr_inhibitor_alone_leaves_the_met_branch():
    assert sig.bypass_output(1e12, 0.0, 10) == pytest.approx(
        P.basal_output + 10 * P.met_drive_per_copy, abs=1e-9
    )


def test_egfr_inhibitor_alone_suffices_at_two_met_copies_but_not_when_amplified():
    """Copy 2: a high EGFR-inhibitor dose controls the output; copy 10: no dose does."""
    t = sig.DEFAULT_THRESHOLD
    assert sig.bypass_output(1e4, 0.0, 2) < t
    assert sig.bypass_output(1e12, 0.0, 10) > t
    assert sig.egfr_inhibitor_alone_suffices(2) is True
    assert sig.egfr_inhibitor_alone_suffices(10) is False
    # ...and the MET inhibitor added restores control.
    assert sig.bypass_output(1e4, 1e3, 10) < t


def test_escape_copy_number_is_four_with_the_defaults():
    """n* = (T - b) / a_M = (0.1 - 0.02) / 0.02 = 4: escape just below INSIGHT's GCN 5."""
    n_star = sig.max_met_copies_for_egfr_monotherapy(0.1)
    assert n_star == pytest.approx(4.0)
    assert sig.egfr_inhibitor_alone_suffices([3.99, 4.0, 4.01]).tolist() == [True, False, False]


@settings(derandomize=True, max_examples=60, deadline=None)
@given(n=copies, t=st.floats(0.021, 2.0))
def test_monotherapy_rule_matches_the_escape_copy_number(n, t):
    n_star = sig.max_met_copies_for_egfr_monotherapy(t)
    assert sig.egfr_inhibitor_alone_suffices(n, t) == (n < n_star) or np.isclose(n, n_star)


@settings(derandomize=True, max_examples=80, deadline=None)
@given(e1=dose, e2=dose, m1=dose, m2=dose, n1=copies, n2=copies)
def test_output_falls_with_each_drug_and_rises_with_met_copies(e1, e2, m1, m2, n1, n2):
    (e_lo, e_hi), (m_lo, m_hi), (n_lo, n_hi) = sorted((e1, e2)), sorted((m1, m2)), sorted((n1, n2))
    assert sig.bypass_output(e_hi, m_lo, n_lo) <= sig.bypass_output(e_lo, m_lo, n_lo) + 1e-12
    assert sig.bypass_output(e_lo, m_hi, n_lo) <= sig.bypass_output(e_lo, m_lo, n_lo) + 1e-12
    assert sig.bypass_output(e_lo, m_lo, n_hi) >= sig.bypass_output(e_lo, m_lo, n_lo) - 1e-12
    assert sig.bypass_output(e_hi, m_hi, n_hi) >= P.basal_output - 1e-12


def test_branches_add_up_to_the_output():
    e, m = sig.bypass_branches([1.0, 100.0], [3.0, 30.0], 12)
    np.testing.assert_allclose(
        P.basal_output + e + m, sig.bypass_output([1.0, 100.0], [3.0, 30.0], 12)
    )
    assert sig.bypass_branches(10.0, 5.0, 10) == pytest.approx((0.5, 0.1))


def test_custom_parameters_are_used():
    params = sig.BypassParameters(egfr_drive=2.0, met_drive_per_copy=0.1, basal_output=0.0)
    assert sig.bypass_output(0.0, 0.0, 3, params) == pytest.approx(2.3)


def test_minimal_met_dose_reaches_the_threshold_exactly():
    dose_m = sig.minimal_met_inhibitor_nM(300.0, 12, 0.1)
    assert 0 < dose_m < np.inf
    assert sig.bypass_output(300.0, dose_m, 12) == pytest.approx(0.1, rel=1e-10)
    assert sig.bypass_output(300.0, dose_m * 1.01, 12) < 0.1


def test_minimal_met_dose_zero_and_unreachable_cases():
    assert sig.minimal_met_inhibitor_nM(1e4, 2) == 0.0  # EGFR inhibitor alone is enough
    assert sig.minimal_met_inhibitor_nM(1.0, 10) == np.inf  # EGFR branch alone exceeds T
    np.testing.assert_array_equal(sig.minimal_met_inhibitor_nM([0.0, 1e4], 2), [np.inf, 0.0])


@settings(derandomize=True, max_examples=60, deadline=None)
@given(e1=st.floats(1.0, 1e5), e2=st.floats(1.0, 1e5), n=st.floats(4.5, 40))
def test_more_egfr_inhibitor_needs_less_met_inhibitor(e1, e2, n):
    """The isobole falls: a higher EGFR dose never needs a higher MET dose."""
    lo, hi = sorted((e1, e2))
    assert sig.minimal_met_inhibitor_nM(hi, n) <= sig.minimal_met_inhibitor_nM(lo, n)


GRID = [0, 10, 30, 100, 300, 1000]


def test_minimal_combination_reference_case():
    """MET copy 10, threshold 0.1: the cheapest controlling pair is 300 nM + 30 nM."""
    pair = sig.minimal_combination(10, GRID, GRID)
    assert (pair.egfr_inhibitor_nM, pair.met_inhibitor_nM) == (300.0, 30.0)
    assert pair.output == pytest.approx(0.02 + 1 / 31 + 0.2 / 7)
    assert pair.cost == pytest.approx(300 / 10 + 30 / 5)


def test_minimal_combination_without_amplification_needs_no_met_inhibitor():
    pair = sig.minimal_combination(2, GRID, GRID)
    assert pair.met_inhibitor_nM == 0.0
    # 0.02 + 0.04 + 1/(1 + d/10) < 0.1 needs d > 240 nM: the grid's 300 nM.
    assert pair.egfr_inhibitor_nM == 300.0
    assert pair.output == pytest.approx(0.06 + 1 / 31)


@settings(derandomize=True, max_examples=30, deadline=None)
@given(n=st.floats(0.0, 30.0), t=st.floats(0.05, 0.5))
def test_minimal_combination_is_the_cheapest_controlling_pair(n, t):
    """Brute force: no pair on the grid is both cheaper and below the threshold."""
    try:
        pair = sig.minimal_combination(n, GRID, GRID, t)
    except ValueError:
        out = [sig.bypass_output(e, m, n) for e in GRID for m in GRID]
        assert min(out) >= t
        return
    assert pair.output < t
    for e in GRID:
        for m in GRID:
            if sig.bypass_output(e, m, n) < t:
                assert e / 10 + m / 5 >= pair.cost - 1e-12


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: sig.minimal_combination(30, [0, 1], [0, 1]),
            ValueError,
            "no dose pair on the grid brings the output below threshold 0.1",
        ),
        (
            lambda: sig.minimal_combination(10, [[0, 1]], [0, 1]),
            ValueError,
            "egfr_doses_nM must be a 1-D array",
        ),
        (
            lambda: sig.max_met_copies_for_egfr_monotherapy(0.01),
            ValueError,
            "must be above the basal output",
        ),
        (lambda: sig.bypass_output(-1.0, 0.0, 2), ValueError, "egfr_inhibitor_nM must be >= 0"),
        (lambda: sig.bypass_output(0.0, 0.0, -2), ValueError, "met_copy_number must be >= 0"),
        (
            lambda: sig.egfr_inhibitor_alone_suffices(2, threshold=0),
            ValueError,
            "threshold must be > 0",
        ),
        (lambda: sig.fractional_inhibition(1.0, 0.0), ValueError, "ic50_nM must be > 0"),
        (lambda: sig.fractional_inhibition(1.0, 1.0, hill=0), ValueError, "hill must be > 0"),
        (lambda: sig.BypassParameters(egfr_ic50_nM=0), ValueError, "egfr_ic50_nM must be > 0"),
        (lambda: sig.BypassParameters(basal_output=-0.1), ValueError, "basal_output must be >= 0"),
        (
            lambda: sig.bypass_output(0, 0, 2, params={"basal_output": 0}),
            TypeError,
            "params must be a resistlab.signalling.BypassParameters",
        ),
    ],
)
def test_error_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_no_met_signal_means_no_escape():
    params = sig.BypassParameters(met_drive_per_copy=0.0)
    assert sig.max_met_copies_for_egfr_monotherapy(0.1, params) == np.inf
