"""resistlab.widgets.microenvironment: the Krogh explorer and its pure state function."""

from __future__ import annotations

import numpy as np
import pytest

from resistlab.microenvironment import hypoxic_fraction, krogh_profile
from resistlab.widgets import explore_krogh, krogh_state
from resistlab.widgets._base import Explorer


def test_state_matches_the_model():
    """The profile and the fraction are the library's, with R = half the distance."""
    s = krogh_state(60.0, 3e-4, 150.0)
    assert s["r_tissue"] == 75.0
    np.testing.assert_allclose(s["p"], krogh_profile(s["r"], 60.0, 5.0, 75.0, 3e-4, 1750.0,
                                                     2.4e-5))  # fmt: skip
    assert s["hypoxic_fraction"] == pytest.approx(
        hypoxic_fraction(60.0, 5.0, 75.0, 3e-4, 1750.0, 2.4e-5, 10.0)
    )
    # the shaded ring has the hypoxic area
    area = (75.0**2 - s["r_hypoxic"] ** 2) / (75.0**2 - 25.0)
    assert area == pytest.approx(s["hypoxic_fraction"])


def test_no_hypoxia_close_capillaries():
    """Capillaries 60 µm apart at 40 mmHg keep the tissue above 10 mmHg."""
    s = krogh_state(40.0, 4e-4, 60.0)
    assert s["hypoxic_fraction"] == 0.0 and s["r_hypoxic"] == pytest.approx(s["r_tissue"])


def test_bad_values():
    """A distance not larger than the capillary's diameter is refused."""
    with pytest.raises(ValueError, match="intercapillary_um must be >"):
        krogh_state(40.0, 4e-4, 8.0)


def test_explorer_builds_and_moves():
    """The explorer has its three controls and redraws when each moves."""
    explorer = explore_krogh()
    assert isinstance(explorer, Explorer)
    assert sorted(explorer.controls) == ["consumption", "intercapillary_um", "p_capillary"]
    before = explorer.image.value
    explorer.controls["intercapillary_um"].value = 200.0
    assert explorer.image.value != before


def test_fast_update_matches_full_redraw(blit_check):
    """Every slider takes the fast path, identical to a full redraw."""
    blit_check(
        explore_krogh,
        [("intercapillary_um", 160.0), ("p_capillary", 80.0), ("consumption", 2e-4)],
    )
