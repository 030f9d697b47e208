"""resistlab.transport: Michaelis–Menten uptake through the reduced folate carrier (hRFC)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab.transport import equivalent_concentration, relative_uptake, uptake_rate

positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)


def test_half_maximal_rate_at_km():
    """v(Km) = Vmax / 2, for several Km and Vmax."""
    for vmax, km in [(1.0, 1.0), (12.0, 3.5), (0.2, 250.0)]:
        assert uptake_rate(km, vmax=vmax, km_uM=km) == pytest.approx(vmax / 2)


def test_limits_zero_and_saturation():
    """v(0) = 0 and v -> Vmax as S -> infinity."""
    assert uptake_rate(0.0, vmax=5.0, km_uM=2.0) == 0.0
    assert uptake_rate(1e9, vmax=5.0, km_uM=2.0) == pytest.approx(5.0, rel=1e-8)


def test_hand_value_and_arrays():
    """S = 3 Km gives 3/4 Vmax; array input gives an array."""
    v = uptake_rate([0.0, 6.0, 2.0], vmax=8.0, km_uM=2.0)
    np.testing.assert_allclose(v, [0.0, 6.0, 4.0])


def test_relative_uptake_low_and_high_concentration():
    """A raised Km costs ~Km/Km' of uptake at S << Km, and almost nothing at S >> Km."""
    low = relative_uptake(1e-6, km_uM=1.0, km_mutant_uM=8.0)
    high = relative_uptake(1e6, km_uM=1.0, km_mutant_uM=8.0)
    assert low == pytest.approx(1 / 8, rel=1e-5)
    assert high == pytest.approx(1.0, rel=1e-5)


def test_relative_uptake_with_vmax_change():
    """Same Km, Vmax halved -> half the uptake at every concentration."""
    r = relative_uptake([0.1, 1.0, 100.0], km_uM=2.0, km_mutant_uM=2.0, vmax=1.0, vmax_mutant=0.5)
    np.testing.assert_allclose(r, 0.5)


def test_equivalent_concentration_hand_values():
    """Km 1 -> 5 uM: matching uptake at S = 1 uM needs 5 uM; at S = 0 needs 0; unreachable=inf."""
    assert equivalent_concentration(1.0, km_uM=1.0, km_mutant_uM=5.0) == pytest.approx(5.0)
    assert equivalent_concentration(0.0, km_uM=1.0, km_mutant_uM=5.0) == 0.0
    assert math.isinf(
        equivalent_concentration(3.0, km_uM=1.0, km_mutant_uM=1.0, vmax=1.0, vmax_mutant=0.5)
    )


@settings(derandomize=True, max_examples=60, deadline=None)
@given(s=positive, factor=st.floats(1.01, 100.0), vmax=positive, km=positive)
def test_rate_monotone(s, factor, vmax, km):
    """Uptake rises with S and Vmax and falls as Km rises; it never exceeds Vmax."""
    v = uptake_rate(s, vmax=vmax, km_uM=km)
    assert uptake_rate(s * factor, vmax=vmax, km_uM=km) >= v
    assert uptake_rate(s, vmax=vmax * factor, km_uM=km) >= v
    assert uptake_rate(s, vmax=vmax, km_uM=km * factor) <= v
    assert v <= vmax


@settings(derandomize=True, max_examples=60, deadline=None)
@given(s=positive, km=positive, factor=st.floats(1.01, 100.0))
def test_raised_km_lowers_uptake_and_needs_more_drug(s, km, factor):
    """Km' > Km -> relative uptake in (Km/Km', 1) and an equivalent concentration above S."""
    r = relative_uptake(s, km_uM=km, km_mutant_uM=km * factor)
    assert 1 / factor - 1e-12 <= r < 1.0
    s_eq = equivalent_concentration(s, km_uM=km, km_mutant_uM=km * factor)
    assert s_eq > s
    v = uptake_rate(s, vmax=1.0, km_uM=km)
    assert uptake_rate(s_eq, vmax=1.0, km_uM=km * factor) == pytest.approx(v, rel=1e-9)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: uptake_rate(-1.0, vmax=1.0, km_uM=1.0), r"substrate_uM must be >= 0 uM"),
        (lambda: uptake_rate(1.0, vmax=0.0, km_uM=1.0), r"vmax must be > 0"),
        (lambda: uptake_rate(1.0, vmax=1.0, km_uM=-2.0), r"km_uM must be > 0 uM"),
        (lambda: uptake_rate([1.0, 2.0], vmax=[1.0, 2.0, 3.0], km_uM=1.0), r"broadcast"),
        (lambda: uptake_rate("high", vmax=1.0, km_uM=1.0), r"substrate_uM must be a number"),
        (lambda: relative_uptake(0.0, km_uM=1.0, km_mutant_uM=2.0), r"substrate_uM must be > 0"),
        (lambda: relative_uptake(1.0, km_uM=1.0, km_mutant_uM=0.0), r"km_mutant_uM must be > 0"),
        (
            lambda: relative_uptake(1.0, km_uM=1.0, km_mutant_uM=2.0, vmax_mutant=-1.0),
            r"vmax_mutant must be > 0",
        ),
        (
            lambda: equivalent_concentration(1.0, km_uM=1.0, km_mutant_uM=float("inf")),
            r"km_mutant_uM must be finite",
        ),
        (
            lambda: equivalent_concentration(1.0, km_uM=1.0, km_mutant_uM=1.0, vmax_mutant=0.0),
            r"vmax_mutant must be > 0",
        ),
    ],
)
def test_bad_inputs_are_explained(call, match):
    """Invalid concentrations, rates or constants raise errors saying what was expected."""
    with pytest.raises((ValueError, TypeError), match=match):
        call()
