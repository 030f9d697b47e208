"""resistlab.efflux: steady state with P-gp efflux, fold-resistance and inhibition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab.efflux import (
    competitive_km,
    fold_resistance,
    noncompetitive_vmax,
    steady_state_intracellular,
)

positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
nonnegative = st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False)


def _residual(c_out, p, vmax, km, c):
    """dC/dt at C: passive exchange minus Michaelis–Menten efflux."""
    return p * (c_out - c) - vmax * c / (km + c)


def test_hand_value_sqrt2():
    """C_out = P = Km = 1 and Vmax = 2 give C^2 + 2C - 1 = 0, so C = sqrt(2) - 1."""
    assert steady_state_intracellular(1.0, 1.0, 2.0, 1.0) == pytest.approx(math.sqrt(2) - 1)


def test_no_pump_and_no_drug():
    """Vmax = 0 gives C = C_out; C_out = 0 gives C = 0."""
    np.testing.assert_allclose(steady_state_intracellular([0.0, 0.3, 7.0], 2.0, 0.0, 1.0),
                               [0.0, 0.3, 7.0])  # fmt: skip
    assert steady_state_intracellular(0.0, 1.0, 5.0, 1.0) == 0.0


def test_linear_and_saturated_limits():
    """C_out << Km: the pump is first order, C = C_out / (1 + Vmax/(P Km)).
    C_out >> Km: the pump saturates, C ~ C_out - Vmax/P."""
    low = steady_state_intracellular(1e-9, 0.5, 2.0, 1.0)
    assert low == pytest.approx(1e-9 / (1 + 2.0 / 0.5), rel=1e-6)
    high = steady_state_intracellular(1e6, 0.5, 2.0, 1.0)
    assert high == pytest.approx(1e6 - 4.0, rel=1e-9)


def test_stable_root_for_strong_pumps():
    """A pump far stronger than diffusion (b >> C_out Km) gives a finite positive root, not 0."""
    c = steady_state_intracellular(1e-3, 1e-3, 1e6, 1.0)
    assert c > 0
    assert _residual(1e-3, 1e-3, 1e6, 1.0, c) == pytest.approx(0.0, abs=1e-12)


def test_broadcasting_and_scalar_return():
    """Arrays broadcast like NumPy; scalars come back as Python floats."""
    assert isinstance(steady_state_intracellular(1.0, 1.0, 1.0, 1.0), float)
    out = steady_state_intracellular(np.array([[0.1], [1.0]]), 1.0, np.array([0.0, 1.0, 2.0]), 1.0)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out[:, 0], [0.1, 1.0])
    assert fold_resistance(np.array([0.0, 2.0]), 1.0, np.array([[1.0], [3.0]]), 1.0).shape == (
        2,
        2,
    )


@settings(derandomize=True, max_examples=80, deadline=None)
@given(c_out=nonnegative, p=positive, vmax=nonnegative, km=positive)
def test_steady_state_solves_the_ode(c_out, p, vmax, km):
    """The root lies in [0, C_out] and makes dC/dt vanish."""
    c = steady_state_intracellular(c_out, p, vmax, km)
    assert 0.0 <= c <= c_out
    scale = p * c_out + vmax + 1e-12
    assert abs(_residual(c_out, p, vmax, km, c)) <= 1e-9 * scale


@settings(derandomize=True, max_examples=60, deadline=None)
@given(c_out=positive, p=positive, vmax=positive, km=positive, factor=st.floats(1.01, 100.0))
def test_more_pump_less_drug_inside(c_out, p, vmax, km, factor):
    """The inside level falls as Vmax rises and rises with C_out."""
    c = steady_state_intracellular(c_out, p, vmax, km)
    assert steady_state_intracellular(c_out, p, vmax * factor, km) <= c
    assert steady_state_intracellular(c_out * factor, p, vmax, km) >= c


def test_fold_resistance_formula_and_definition():
    """FR = 1 + Vmax/(P (Km + C*)), and C_out = FR * C* holds C* inside at steady state."""
    assert fold_resistance(9.0, 1.0, 0.5, 0.5) == pytest.approx(10.0)
    assert fold_resistance(0.0, 3.0, 1.0, 0.2) == 1.0
    for vmax, p, km, target in [(5.0, 0.2, 0.5, 0.05), (100.0, 2.0, 10.0, 3.0)]:
        fr = fold_resistance(vmax, p, km, target)
        inside = steady_state_intracellular(fr * target, p, vmax, km)
        assert inside == pytest.approx(target, rel=1e-9)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(vmax=positive, p=positive, km=positive, target=positive)
def test_fold_resistance_linear_in_expression(vmax, p, km, target):
    """FR - 1 is proportional to Vmax (expression): doubling Vmax doubles FR - 1."""
    one = fold_resistance(vmax, p, km, target) - 1.0
    two = fold_resistance(2 * vmax, p, km, target) - 1.0
    assert two == pytest.approx(2 * one, rel=1e-9)


def test_inhibition_formulas():
    """Km(1 + I/Ki) and Vmax/(1 + I/Ki), with I = 0 leaving both unchanged."""
    assert competitive_km(2.0, 3.0, 1.0) == pytest.approx(8.0)
    assert noncompetitive_vmax(10.0, 4.0, 1.0) == pytest.approx(2.0)
    assert competitive_km(2.0, 0.0, 0.1) == 2.0
    assert noncompetitive_vmax(2.0, 0.0, 0.1) == 2.0
    np.testing.assert_allclose(competitive_km(1.0, [0.0, 1.0, 9.0], 1.0), [1.0, 2.0, 10.0])


def test_competitive_inhibitor_helps_little_when_target_exceeds_km():
    """A competitive inhibitor's effect on FR depends on Km vs C*: with C* >> Km raising Km
    changes little, while a non-competitive one at the same I/Ki divides FR - 1 by 1 + I/Ki."""
    vmax, p, km, target = 50.0, 1.0, 0.01, 1.0
    base = fold_resistance(vmax, p, km, target)
    comp = fold_resistance(vmax, p, competitive_km(km, 10.0, 1.0), target)
    non = fold_resistance(noncompetitive_vmax(vmax, 10.0, 1.0), p, km, target)
    assert (base - 1) / (comp - 1) == pytest.approx((11 * km + target) / (km + target))
    assert (base - 1) / (non - 1) == pytest.approx(11.0)
    assert non < comp


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: steady_state_intracellular(-1.0, 1.0, 1.0, 1.0), "c_out must be >= 0"),
        (lambda: steady_state_intracellular(1.0, 0.0, 1.0, 1.0), "permeability must be > 0"),
        (lambda: steady_state_intracellular(1.0, 1.0, -2.0, 1.0), "vmax must be >= 0"),
        (lambda: steady_state_intracellular(1.0, 1.0, 1.0, float("nan")), "km must be finite"),
        (lambda: steady_state_intracellular([1.0, 2.0], 1.0, [1.0, 2.0, 3.0], 1.0), "broadcast"),
        (lambda: fold_resistance(1.0, 1.0, 0.0, 1.0), "km must be > 0"),
        (lambda: fold_resistance(1.0, 1.0, 1.0, -0.1), "c_target must be >= 0"),
        (lambda: competitive_km(1.0, -1.0, 1.0), "inhibitor must be >= 0"),
        (lambda: noncompetitive_vmax(1.0, 1.0, 0.0), "ki must be > 0"),
    ],
)
def test_bad_input_raises_clear_value_error(call, match):
    """Negative, zero, non-finite or non-broadcasting input raises a ValueError that says so."""
    with pytest.raises(ValueError, match=match):
        call()
