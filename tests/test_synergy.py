"""resistlab.synergy: closed forms for Bliss, HSA, Loewe, the combination index, ZIP and the
two-drug Goldie–Coldman probability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab.pharmacology import HillFit, hill
from resistlab.synergy import (
    bliss_excess,
    combination_index,
    expected_double_resistant,
    hsa_excess,
    loewe_excess,
    loewe_expected,
    p_no_double_resistant,
    zip_delta,
)

unit = st.floats(0.0, 1.0, allow_nan=False)
pos = st.floats(0.05, 20.0, allow_nan=False)


def _fit(e0=1.0, emax=0.0, ec50=1.0, h=1.0):
    return HillFit(e0, emax, ec50, h, n=8, residual_se=0.0, dose_min=0.01, dose_max=100.0)


def test_bliss_and_hsa_by_hand():
    """0.5 x 0.6 = 0.3 expected; observed 0.2 is 0.1 of synergy; HSA expects 0.5."""
    assert bliss_excess(0.5, 0.6, 0.2) == pytest.approx(0.1)
    assert hsa_excess(0.5, 0.6, 0.2) == pytest.approx(0.3)
    assert bliss_excess(0.5, 0.6, 0.4) == pytest.approx(-0.1)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(a=unit, b=unit)
def test_bliss_surface_scores_zero_and_hsa_is_never_below_bliss(a, b):
    """On a Bliss surface the Bliss excess is 0, and HSA (a laxer null) scores it >= 0."""
    assert bliss_excess(a, b, a * b) == pytest.approx(0.0, abs=1e-15)
    assert hsa_excess(a, b, a * b) >= -1e-15


def test_broadcasting_and_scalars():
    """Arrays broadcast like NumPy; scalars come back as floats."""
    assert isinstance(bliss_excess(0.5, 0.5, 0.5), float)
    out = bliss_excess(np.array([[0.2], [0.8]]), np.array([0.5, 1.0]), 0.1)
    np.testing.assert_allclose(out, [[0.0, 0.1], [0.3, 0.7]])
    assert combination_index([1, 2, 3], 1.0, 2.0, [[1.0], [2.0]]).shape == (2, 3)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(ec50=pos, h=st.floats(0.5, 4.0), emax=st.floats(0.0, 0.5), da=pos, db=pos)
def test_loewe_sham_combination(ec50, h, emax, da, db):
    """A drug combined with itself: the Loewe expectation is the single drug at d_a + d_b."""
    fit = _fit(1.0, emax, ec50, h)
    expected = hill(da + db, 1.0, emax, ec50, h)
    if expected - emax < 1e-9:  # too close to the plateau to resolve
        return
    assert loewe_expected(da, db, fit, fit) == pytest.approx(expected, abs=1e-7)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(ca=pos, cb=pos, da=pos, db=pos)
def test_loewe_closed_form_h1(ca, cb, da, db):
    """Two h = 1 drugs from 1 to 0: E = 1 / (1 + d_a/C_a + d_b/C_b)."""
    expected = 1.0 / (1.0 + da / ca + db / cb)
    assert loewe_expected(da, db, _fit(ec50=ca), _fit(ec50=cb)) == pytest.approx(
        expected, rel=1e-8
    )


def test_loewe_single_agents_and_plateau():
    """With one dose 0 the expectation is the other drug's curve; beyond the weaker drug's
    Emax it is that plateau."""
    a, b = _fit(ec50=2.0, h=1.5), _fit(emax=0.4, ec50=1.0)
    assert loewe_expected(3.0, 0.0, a, b) == pytest.approx(hill(3.0, 1, 0, 2, 1.5))
    assert loewe_expected(0.0, 0.0, a, b) == 1.0
    assert loewe_expected(1e4, 1e4, a, b) == pytest.approx(0.4)
    assert loewe_excess(1.0, 1.0, 0.2, _fit(), _fit()) == pytest.approx(1 / 3 - 0.2)


def test_combination_index_closed_form():
    """CI = d_a/Dx_a + d_b/Dx_b; on the h = 1 Loewe surface it is exactly 1."""
    assert combination_index(1.0, 1.0, 4.0, 4.0) == 0.5
    ca, cb, da, db = 2.0, 5.0, 1.0, 3.0
    e = 1.0 / (1 + da / ca + db / cb)
    dx_a, dx_b = ca * (1 - e) / e, cb * (1 - e) / e  # doses of each drug alone giving e
    assert combination_index(da, db, dx_a, dx_b) == pytest.approx(1.0)


def _checkerboard(factor=1.0):
    d = np.array([0.0, 0.1, 0.3, 1.0, 3.0, 10.0])
    ea, eb = hill(d, 1, 0.1, 1.0, 1.2), hill(d, 1, 0.3, 0.5, 1.0)
    surface = eb[:, None] * ea[None, :]
    combo = np.ones_like(surface) * factor
    combo[0, :] = combo[:, 0] = 1.0
    return d, np.clip(surface * combo, 0, 1)


def test_zip_zero_on_bliss_positive_on_synergy_negative_on_antagonism():
    """ZIP is ~0 on a Bliss surface, > 0 when the combination wells are scaled down, < 0
    when scaled up; exactly 0 on the single-agent row and column."""
    d, bliss = _checkerboard()
    assert np.abs(zip_delta(d, d, bliss)).max() < 0.02
    d, syn = _checkerboard(0.8)
    delta = zip_delta(d, d, syn)
    assert delta[1:, 1:].mean() > 0.02
    assert np.all(delta[0, :] == 0) and np.all(delta[:, 0] == 0)
    d, ant = _checkerboard(1.2)
    assert zip_delta(d, d, ant)[1:, 1:].mean() < -0.02


def test_double_resistance():
    """Expected double mutants mu_a mu_b N; P0 = exp(-mu_a mu_b (N - 1))."""
    assert expected_double_resistant(1e-6, 1e-7, 1e10) == pytest.approx(1e-3)
    assert p_no_double_resistant(1e-3, 1e-3, 1e6 + 1) == pytest.approx(math.exp(-1.0))
    assert p_no_double_resistant(0.5, 0.5, 1.0) == 1.0
    out = p_no_double_resistant([1e-6, 1e-5], 1e-6, [[1e9], [1e12]])
    assert out.shape == (2, 2)


def test_bad_input():
    """Viabilities outside [0, 1], negative doses, wrong fits or shapes: ValueError."""
    with pytest.raises(ValueError, match="e_ab must be <= 1"):
        bliss_excess(0.5, 0.5, 1.5)
    with pytest.raises(ValueError, match="e_a must be >= 0"):
        hsa_excess(-0.1, 0.5, 0.5)
    with pytest.raises(ValueError, match="broadcast"):
        bliss_excess([0.1, 0.2], [0.1, 0.2, 0.3], 0.1)
    with pytest.raises(ValueError, match="d_a must be >= 0"):
        loewe_expected(-1.0, 1.0, _fit(), _fit())
    with pytest.raises(ValueError, match="HillFit"):
        loewe_expected(1.0, 1.0, object(), _fit())
    with pytest.raises(ValueError, match="falling viability"):
        loewe_expected(1.0, 1.0, _fit(e0=0.0, emax=1.0), _fit())
    with pytest.raises(ValueError, match="dx_a must be > 0"):
        combination_index(1.0, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="shape"):
        zip_delta([0, 1, 2, 3], [0, 1, 2, 3], np.ones((4, 5)))
    with pytest.raises(ValueError, match="n_cells must be >= 1"):
        p_no_double_resistant(1e-6, 1e-6, 0.0)
