"""resistlab.microenvironment: oxygen penetration, Krogh cylinder, hypoxia, drug penetration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp, trapezoid

from resistlab.microenvironment import (
    drug_concentration_profile,
    hypoxic_fraction,
    krogh_profile,
    oxygen_penetration_depth,
    penetration_length,
)

# Course parameters: µm, s, mmHg (see notebook 08 for their sources)
D, ALPHA, M = 1750.0, 2.4e-5, 4e-4

positive = st.floats(min_value=1e-2, max_value=1e2, allow_nan=False, allow_infinity=False)


def test_penetration_depth_matches_the_reference_values():
    """L = sqrt(2 D alpha p0 / M): 92 µm at 40 mmHg and 145 µm at 100 mmHg with the course's
    tissue constants — the order of Thomlinson and Gray's ~150 µm."""
    assert oxygen_penetration_depth(40.0, D, ALPHA, M) == pytest.approx(91.65, abs=0.01)
    assert oxygen_penetration_depth(100.0, D, ALPHA, M) == pytest.approx(144.91, abs=0.01)
    assert 100.0 < oxygen_penetration_depth(100.0, D, ALPHA, M) < 200.0


def test_penetration_depth_is_where_the_slab_parabola_reaches_zero():
    """The slab profile p0 (1 - x/L)^2 solves D alpha p'' = M, with p(L) = 0 and p'(L) = 0."""
    p0 = 60.0
    big_l = oxygen_penetration_depth(p0, D, ALPHA, M)
    # p'' of p0 (1 - x/L)^2 is 2 p0 / L^2, which must equal M / (D alpha)
    assert 2.0 * p0 / big_l**2 == pytest.approx(M / (D * ALPHA), rel=1e-12)


def test_krogh_boundary_conditions():
    """p(r_c) = p_c, and the numerical slope dp/dr vanishes at r = R (no flux at the edge)."""
    args = (40.0, 5.0, 60.0, M, D, ALPHA)
    assert krogh_profile(5.0, *args) == pytest.approx(40.0, abs=1e-12)
    h = 1e-5
    slope = (krogh_profile(60.0, *args) - krogh_profile(60.0 - h, *args)) / h
    assert abs(slope) < 1e-4
    inner = (krogh_profile(5.0 + h, *args) - krogh_profile(5.0, *args)) / h
    # all the cylinder's oxygen leaves through the capillary wall: slope M (R^2 - rc^2)/(2 K rc)
    assert inner == pytest.approx(-M * (60.0**2 - 25.0) / (2 * D * ALPHA * 5.0), rel=1e-4)


def test_krogh_matches_a_numerical_solution_of_the_ode():
    """Integrating (1/r)(r p')' = M/(D alpha) outward from r_c with p'(R) = 0 reproduces the
    formula (the flux r p' is fixed by the zero-flux edge: r p' = M (r^2 - R^2) / (2 K))."""
    pc, rc, big_r, k = 30.0, 4.0, 45.0, D * ALPHA

    def rhs(r, y):
        _p, flux = y  # flux = r dp/dr
        return [flux / r, M * r / k]

    flux0 = M * (rc**2 - big_r**2) / (2 * k)
    r = np.linspace(rc, big_r, 50)
    sol = solve_ivp(rhs, (rc, big_r), [pc, flux0], t_eval=r, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sol.y[0], krogh_profile(r, pc, rc, big_r, M, D, ALPHA),
                               rtol=1e-7, atol=1e-8)  # fmt: skip
    assert sol.y[1][-1] == pytest.approx(0.0, abs=1e-9)


def test_hypoxic_fraction_matches_area_quadrature():
    """The closed form (R^2 - r*^2)/(R^2 - r_c^2) equals the area-weighted integral of the
    indicator p(r) < threshold over the annulus (trapezoid rule on a fine grid)."""
    for pc, big_r, thr in [(40.0, 60.0, 10.0), (30.0, 55.0, 5.0), (60.0, 70.0, 15.0)]:
        r = np.linspace(5.0, big_r, 200_001)
        below = (krogh_profile(r, pc, 5.0, big_r, M, D, ALPHA) < thr).astype(float)
        numeric = trapezoid(2 * np.pi * r * below, r) / (np.pi * (big_r**2 - 25.0))
        assert hypoxic_fraction(pc, 5.0, big_r, M, D, ALPHA, thr) == pytest.approx(
            numeric, abs=1e-4
        )


def test_hypoxic_fraction_limits():
    """No hypoxia when p(R) >= threshold; all hypoxic when the capillary is below it; a
    threshold of zero and no consumption give zero."""
    assert hypoxic_fraction(40.0, 5.0, 40.0, M, D, ALPHA, 10.0) == 0.0
    assert hypoxic_fraction(8.0, 5.0, 40.0, M, D, ALPHA, 10.0) == 1.0
    assert hypoxic_fraction(40.0, 5.0, 400.0, 0.0, D, ALPHA, 10.0) == 0.0
    assert hypoxic_fraction(40.0, 5.0, 40.0, M, D, ALPHA, 0.0) == 0.0


def test_hypoxia_appears_at_the_critical_distance():
    """At the R where p(R) = threshold the fraction switches from 0 to positive."""
    from scipy.optimize import brentq

    r_crit = brentq(lambda big_r: krogh_profile(big_r, 40.0, 5.0, big_r, M, D, ALPHA) - 10.0,
                    6.0, 200.0, xtol=1e-12)  # fmt: skip
    assert r_crit == pytest.approx(57.0187, abs=1e-3)
    assert hypoxic_fraction(40.0, 5.0, r_crit - 0.01, M, D, ALPHA, 10.0) == 0.0
    assert hypoxic_fraction(40.0, 5.0, r_crit + 0.5, M, D, ALPHA, 10.0) > 0.0


@settings(derandomize=True, max_examples=60, deadline=None)
@given(pc=st.floats(1.0, 100.0), rc=st.floats(2.0, 8.0), extra=st.floats(5.0, 150.0),
       m=st.floats(1e-5, 1e-3), thr=st.floats(0.5, 20.0))  # fmt: skip
def test_hypoxic_fraction_properties(pc, rc, extra, m, thr):
    """The fraction lies in [0, 1]; at the crossing radius r* the profile equals the threshold;
    more consumption never lowers it."""
    big_r = rc + extra
    frac = hypoxic_fraction(pc, rc, big_r, m, D, ALPHA, thr)
    assert 0.0 <= frac <= 1.0
    if 0.0 < frac < 1.0:
        r_star = math.sqrt(big_r**2 - frac * (big_r**2 - rc**2))
        assert krogh_profile(r_star, pc, rc, big_r, m, D, ALPHA) == pytest.approx(thr, abs=1e-6)
    assert hypoxic_fraction(pc, rc, big_r, 1.5 * m, D, ALPHA, thr) >= frac - 1e-9


@settings(derandomize=True, max_examples=60, deadline=None)
@given(rc=st.floats(1.0, 10.0), extra=st.floats(1.0, 200.0), m=positive)
def test_krogh_profile_falls_monotonically(rc, extra, m):
    """p decreases from r_c to R (dp/dr = M (r^2 - R^2)/(2 K r) <= 0)."""
    big_r = rc + extra
    p = krogh_profile(np.linspace(rc, big_r, 64), 50.0, rc, big_r, m * 1e-5, D, ALPHA)
    assert np.all(np.diff(p) <= 1e-9)


def test_penetration_length_and_profile():
    """lambda = sqrt(D/k); C falls to C0/e at one length and to 10% at lambda ln 10."""
    assert penetration_length(300.0, 0.01) == pytest.approx(173.2050808)
    lam = penetration_length(40.0, 0.02)
    assert drug_concentration_profile(lam, 2.0, 40.0, 0.02) == pytest.approx(2.0 / math.e)
    assert drug_concentration_profile(lam * math.log(10), 1.0, 40.0, 0.02) == pytest.approx(0.1)


def test_drug_profile_solves_reaction_diffusion():
    """D C'' = k C by central differences."""
    x = np.linspace(0.0, 200.0, 2001)
    c = drug_concentration_profile(x, 1.0, 50.0, 0.01)
    h = x[1] - x[0]
    second = (c[2:] - 2 * c[1:-1] + c[:-2]) / h**2
    np.testing.assert_allclose(50.0 * second, 0.01 * c[1:-1], rtol=1e-4)


def test_broadcasting_and_scalar_return():
    """Arrays broadcast like NumPy; scalars come back as Python floats."""
    assert isinstance(krogh_profile(10.0, 40.0, 5.0, 50.0, M, D, ALPHA), float)
    assert isinstance(hypoxic_fraction(40.0, 5.0, 50.0, M, D, ALPHA, 10.0), float)
    out = hypoxic_fraction(np.array([[20.0], [40.0]]), 5.0, np.array([40.0, 60.0, 80.0]), M, D,
                           ALPHA, 10.0)  # fmt: skip
    assert out.shape == (2, 3)
    for i, pc in enumerate([20.0, 40.0]):
        for j, big_r in enumerate([40.0, 60.0, 80.0]):
            assert out[i, j] == pytest.approx(hypoxic_fraction(pc, 5.0, big_r, M, D, ALPHA, 10.0))
    assert penetration_length(np.array([1.0, 4.0]), np.array([[1.0], [4.0]])).shape == (2, 2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: krogh_profile(70.0, 40.0, 5.0, 60.0, M, D, ALPHA), "r must lie between"),
        (lambda: krogh_profile(3.0, 40.0, 5.0, 60.0, M, D, ALPHA), "r must lie between"),
        (lambda: krogh_profile(10.0, 40.0, 5.0, 4.0, M, D, ALPHA), "r_tissue must be larger"),
        (lambda: krogh_profile(10.0, 40.0, 5.0, 60.0, M, 0.0, ALPHA), "diffusivity must be >"),
        (lambda: hypoxic_fraction(40.0, 5.0, 60.0, -1.0, D, ALPHA, 10.0), "consumption must"),
        (
            lambda: hypoxic_fraction(40.0, 5.0, 60.0, M, D, ALPHA, np.nan),
            "threshold must be finite",
        ),
        (lambda: oxygen_penetration_depth(-1.0, D, ALPHA, M), "p0 must be >= 0"),
        (lambda: oxygen_penetration_depth(40.0, D, ALPHA, 0.0), "consumption must be > 0"),
        (lambda: penetration_length(1.0, 0.0), "rate_constant must be > 0"),
        (lambda: penetration_length([1.0, 2.0], [1.0, 2.0, 3.0]), "broadcast"),
    ],
)
def test_bad_input_is_refused(call, match):
    """Bad input raises a ValueError that names the argument and what was expected."""
    with pytest.raises(ValueError, match=match):
        call()
