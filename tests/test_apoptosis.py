"""resistlab.apoptosis: the p53 apoptosis-threshold teaching model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab.apoptosis import apoptosis_threshold, apoptotic_fraction, p53_signal

damage_st = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
activity_st = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def test_signal_is_activity_times_damage():
    """s = a * D, with broadcasting."""
    np.testing.assert_allclose(p53_signal([1.0, 4.0], p53_activity=[0.5, 0.25]), [0.5, 1.0])
    assert p53_signal(3.0) == 3.0


def test_half_of_wild_type_cells_die_at_the_median_threshold():
    """D = theta, a = 1: the p53 route kills half; the far-away p53-independent route ~0."""
    assert apoptotic_fraction(1.0) == pytest.approx(0.5, abs=1e-9)
    assert apoptotic_fraction(2.5, threshold=2.5, p53_independent_threshold=1e6) == pytest.approx(
        0.5
    )


def test_no_damage_no_death_and_high_damage_all_die():
    """P(0) = 0 for any p53 status; P -> 1 at very high damage even without p53."""
    assert apoptotic_fraction(0.0) == 0.0
    assert apoptotic_fraction(0.0, p53_activity=0.0) == 0.0
    assert apoptotic_fraction(1e4, p53_activity=0.0) == pytest.approx(1.0)


def test_complete_p53_loss_leaves_only_the_independent_route():
    """a = 0: half the cells die at D = theta_ind, none at D = theta."""
    assert apoptotic_fraction(1.0, p53_activity=0.0) == pytest.approx(0.0, abs=1e-12)
    assert apoptotic_fraction(10.0, p53_activity=0.0) == pytest.approx(0.5, abs=1e-6)


def test_identical_cells_give_a_step():
    """spread = 0: nobody dies below the threshold, everybody at or above it."""
    frac = apoptotic_fraction([0.99, 1.0, 1.01], spread=0.0)
    np.testing.assert_array_equal(frac, [0.0, 1.0, 1.0])
    frac = apoptotic_fraction([3.9, 4.0], p53_activity=0.25, spread=0.0)
    np.testing.assert_array_equal(frac, [0.0, 1.0])


def test_two_routes_combine_independently():
    """P = 1 - (1 - p_dep)(1 - p_ind): at D = theta = theta_ind both give 1/2, so P = 3/4."""
    assert apoptotic_fraction(1.0, threshold=1.0, p53_independent_threshold=1.0) == pytest.approx(
        0.75
    )


def test_threshold_values():
    """min(theta / a, theta_ind): 1 for wild type, 4 at a = 0.25, theta_ind at or near a = 0."""
    np.testing.assert_allclose(apoptosis_threshold([1.0, 0.25, 0.05, 0.0]), [1.0, 4.0, 10.0, 10.0])
    assert apoptosis_threshold(0.5, threshold=2.0, p53_independent_threshold=3.0) == 3.0


@settings(derandomize=True, max_examples=60, deadline=None)
@given(d=damage_st, a=activity_st, factor=st.floats(1.01, 100.0))
def test_monotone_in_damage_and_p53(d, a, factor):
    """More damage never kills fewer cells; less p53 never kills more; 0 <= P <= 1."""
    p = apoptotic_fraction(d, p53_activity=a)
    assert 0.0 <= p <= 1.0
    assert apoptotic_fraction(d * factor, p53_activity=a) >= p
    assert apoptotic_fraction(d, p53_activity=a / factor) <= p + 1e-15


@settings(derandomize=True, max_examples=60, deadline=None)
@given(a=activity_st, b=activity_st)
def test_p53_loss_raises_the_threshold(a, b):
    """Lower p53 activity -> an equal or higher damage threshold, never above theta_ind."""
    lo, hi = sorted([a, b])
    assert apoptosis_threshold(lo) >= apoptosis_threshold(hi)
    assert apoptosis_threshold(lo) <= 10.0


def test_threshold_agrees_with_the_step_model():
    """With spread = 0, cells start dying exactly at apoptosis_threshold(a)."""
    for a in [1.0, 0.4, 0.0]:
        d = apoptosis_threshold(a)
        assert apoptotic_fraction(d * 0.999, p53_activity=a, spread=0.0) == 0.0
        assert apoptotic_fraction(d, p53_activity=a, spread=0.0) == 1.0
        assert not math.isnan(d)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: p53_signal(-1.0), r"damage must be >= 0"),
        (lambda: p53_signal(1.0, p53_activity=1.5), r"p53_activity must be <= 1"),
        (lambda: p53_signal([1.0, 2.0], p53_activity=[1.0, 0.5, 0.2]), r"broadcast"),
        (lambda: apoptotic_fraction(1.0, p53_activity=-0.1), r"p53_activity must be >= 0"),
        (lambda: apoptotic_fraction(1.0, threshold=0.0), r"threshold must be > 0"),
        (
            lambda: apoptotic_fraction(1.0, p53_independent_threshold=-1.0),
            r"p53_independent_threshold must be > 0",
        ),
        (lambda: apoptotic_fraction(1.0, spread=-0.1), r"spread must be >= 0"),
        (lambda: apoptotic_fraction(1.0, spread=[0.1, 0.2]), r"spread must be a single number"),
        (lambda: apoptotic_fraction([1.0, 2.0], p53_activity=[1.0, 0.5, 0.2]), r"broadcast"),
        (lambda: apoptotic_fraction(np.inf), r"damage must be finite"),
        (lambda: apoptosis_threshold(2.0), r"p53_activity must be <= 1"),
        (lambda: apoptosis_threshold(1.0, threshold=-1.0), r"threshold must be > 0"),
    ],
)
def test_bad_inputs_are_explained(call, match):
    """Invalid damage, activity or model parameters raise errors saying what was expected."""
    with pytest.raises((ValueError, TypeError), match=match):
        call()
