"""Input checks shared by every model say what was wrong and what was expected."""

from __future__ import annotations

import numpy as np
import pytest

from resistlab._validation import as_array, as_scalar, check_choice, check_same_shape, make_rng


def test_as_array_accepts_valid_values():
    """Lists and scalars become float arrays unchanged."""
    np.testing.assert_array_equal(as_array([1, 2], "x"), np.array([1.0, 2.0]))
    assert as_array(3, "x").shape == ()


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        ([1.0, np.nan], {}, r"x must be finite .* position 1"),
        ([np.inf], {}, r"x must be finite"),
        ([-1.0], {"low": 0, "unit": "uM"}, r"x must be >= 0 uM; got -1"),
        ([0.0], {"low": 0, "low_inclusive": False}, r"x must be > 0"),
        ([2.0], {"high": 1}, r"x must be <= 1; got 2"),
        ([1.0], {"high": 1, "high_inclusive": False}, r"x must be < 1"),
        ([[1.0]], {"ndim": 1}, r"x must be a 1-D array; got an array of shape \(1, 1\)"),
        ([], {}, r"x needs at least 1 value"),
    ],
)
def test_as_array_rejects_with_a_clear_message(value, kwargs, message):
    """Each violated expectation is named, with the offending value."""
    with pytest.raises(ValueError, match=message):
        as_array(value, "x", **kwargs)


def test_as_array_rejects_non_numbers():
    """Text where a number belongs is a TypeError, not a numpy traceback."""
    with pytest.raises(TypeError, match="x must be a number"):
        as_array("ten", "x")


def test_as_scalar():
    """as_scalar returns a float and rejects arrays, booleans and text."""
    assert as_scalar(np.float64(2.5), "h") == 2.5
    with pytest.raises(ValueError, match="single number"):
        as_scalar([1.0, 2.0], "h")
    with pytest.raises(TypeError, match="single number"):
        as_scalar(True, "h")
    with pytest.raises(TypeError, match="single number"):
        as_scalar("2", "h")


def test_check_same_shape_and_choice():
    """Shape mismatches and unknown options list what was expected."""
    check_same_shape(a=np.ones(2), b=np.zeros(2))
    with pytest.raises(ValueError, match="a and b must have the same shape"):
        check_same_shape(a=np.ones(2), b=np.ones(3))
    with pytest.raises(ValueError, match="kind must be one of 'x', 'y'; got 'z'"):
        check_choice("z", "kind", ("x", "y"))


def test_make_rng_is_reproducible():
    """The same seed gives the same draws; a Generator is passed through."""
    assert make_rng(7).random() == make_rng(7).random()
    gen = np.random.default_rng(1)
    assert make_rng(gen) is gen
    with pytest.raises(TypeError, match="rng must be"):
        make_rng("seed")
