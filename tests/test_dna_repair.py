"""resistlab.dna_repair: clonogenic assay, linear-quadratic fit and adduct repair kinetics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab.dna_repair import (
    LQFit,
    adduct_area,
    adduct_survival,
    adducts,
    dose_for_half_kill,
    fit_lq,
    lq_survival,
    plating_efficiency,
    surviving_fraction,
)

rate = st.floats(min_value=1e-2, max_value=10.0, allow_nan=False, allow_infinity=False)


def test_plating_efficiency_and_surviving_fraction_by_hand():
    """PE = colonies/seeded; SF = colonies/(seeded PE) (Franken et al. 2006)."""
    assert plating_efficiency(60, 200) == pytest.approx(0.3)
    assert surviving_fraction(30, 1000, 0.3) == pytest.approx(0.1)
    pe = plating_efficiency(90, 200)
    assert surviving_fraction(90, 200, pe) == pytest.approx(1.0)
    np.testing.assert_allclose(surviving_fraction([60, 6], [200, 2000], 0.3), [1.0, 0.01])


def test_lq_limits():
    """SF(0) = 1; beta = 0 gives a pure exponential; SF falls with dose."""
    assert lq_survival(0.0, 0.3, 0.03) == 1.0
    assert lq_survival(2.0, 0.5, 0.0) == pytest.approx(math.exp(-1.0))
    sf = lq_survival(np.linspace(0, 10, 11), 0.2, 0.02)
    assert np.all(np.diff(sf) < 0)


def test_fit_recovers_exact_parameters_and_d50():
    """Noise-free LQ data give back alpha, beta; D50 solves beta D^2 + alpha D = ln 2."""
    d = np.array([0, 1, 2, 4, 6, 8.0])
    fit = fit_lq(d, lq_survival(d, 0.25, 0.04))
    assert fit.alpha == pytest.approx(0.25, rel=1e-9)
    assert fit.beta == pytest.approx(0.04, rel=1e-9)
    d50 = fit.dose_for(0.5)
    assert 0.25 * d50 + 0.04 * d50**2 == pytest.approx(math.log(2))
    assert fit.alpha_beta_ratio == pytest.approx(6.25)
    assert LQFit(0.5, 0.0, 0.0).dose_for(0.5) == pytest.approx(math.log(2) / 0.5)


def test_fit_is_constrained_to_non_negative_beta():
    """Survival that curves upwards (a resistant tail) gives beta = 0, not a negative beta."""
    d = np.array([1.0, 2.0, 4.0, 8.0])
    fit = fit_lq(d, np.exp(-0.5 * d + 0.02 * d**2))
    assert fit.beta == 0.0 and fit.alpha > 0


@settings(derandomize=True, max_examples=50, deadline=None)
@given(alpha=st.floats(0.01, 2.0), beta=st.floats(0.0, 0.5), sf=st.floats(0.01, 0.99))
def test_dose_for_inverts_lq(alpha, beta, sf):
    """lq_survival(dose_for(sf)) == sf for any alpha, beta >= 0."""
    d = LQFit(alpha, beta, 0.0).dose_for(sf)
    assert lq_survival(d, alpha, beta) == pytest.approx(sf, rel=1e-9)


def test_adduct_time_course_limits():
    """A(0) = 0; during a long exposure A approaches k_f C / k_r; after it A decays at k_r."""
    assert adducts(0.0, 10.0, 1.0, 0.5, 2.0) == 0.0
    assert adducts(100.0, 10.0, 1.0, 0.5, 100.0) == pytest.approx(20.0, rel=1e-9)
    a_end = adducts(2.0, 10.0, 1.0, 0.5, 2.0)
    assert adducts(4.0, 10.0, 1.0, 0.5, 2.0) == pytest.approx(a_end * math.exp(-1.0))


def test_adduct_area_matches_numerical_integral():
    """The area k_f C tau / k_r equals the integral of the time course."""
    from scipy.integrate import quad

    area, _ = quad(lambda t: adducts(t, 8.0, 1.5, 0.3, 3.0), 0, 200, points=[3.0], limit=200)
    assert adduct_area(8.0, 1.5, 0.3, 3.0) == pytest.approx(area, rel=1e-6)


@settings(derandomize=True, max_examples=50, deadline=None)
@given(kf=rate, kr=rate, tau=rate, gamma=rate, factor=st.floats(1.1, 10.0))
def test_half_kill_dose_proportional_to_repair(kf, kr, tau, gamma, factor):
    """C50 kills exactly half, and scales with the repair rate (ERCC1)."""
    c50 = dose_for_half_kill(kf, kr, tau, gamma)
    assert adduct_survival(c50, kf, kr, tau, gamma) == pytest.approx(0.5, rel=1e-9)
    assert dose_for_half_kill(kf, kr * factor, tau, gamma) == pytest.approx(factor * c50)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plating_efficiency(300, 200), "cannot exceed"),
        (lambda: plating_efficiency(10, 0), "cells_seeded must be > 0"),
        (lambda: surviving_fraction(10, 100, 1.5), "plating_efficiency must be <= 1"),
        (lambda: lq_survival(-1.0, 0.1, 0.1), "dose must be >= 0"),
        (lambda: fit_lq([0, 1, 1], [1.0, 0.5, 0.4]), "two or more distinct doses"),
        (lambda: fit_lq([1, 2], [0.5, 0.0]), "surviving_fraction must be > 0"),
        (lambda: LQFit(0.1, 0.01, 0.0).dose_for(1.5), "sf must be <= 1"),
        (lambda: adducts(1.0, 1.0, 1.0, 0.0, 1.0), "repair_rate must be > 0"),
        (lambda: dose_for_half_kill(1.0, 1.0, 1.0, 0.0), "lethality must be > 0"),
    ],
)
def test_bad_input_raises_clear_value_error(call, match):
    """Impossible counts, negative doses and zero rates raise a ValueError that says so."""
    with pytest.raises(ValueError, match=match):
        call()
