"""resistlab.widgets.immunology: the tumour-immune explorer and its pure state function."""

from __future__ import annotations

import numpy as np
import pytest

from resistlab.immunology import simulate_kuznetsov, with_therapy
from resistlab.widgets import explore_tumor_immune, tumor_immune_state
from resistlab.widgets._base import Explorer


def test_state_matches_the_simulator():
    """The trajectory is simulate_kuznetsov()'s under the same therapy (to the widget's rtol)."""
    s = tumor_immune_state(1.3, 1.2, 200.0)
    res = simulate_kuznetsov(s["t"], (1.0, 200.0), with_therapy(kill_factor=1.3, sigma_factor=1.2))
    np.testing.assert_allclose(s["tumour"], res.tumour, rtol=1e-3, atol=1e-3)


def test_blockade_removes_escape():
    """The escape state exists untreated and is gone at a kill factor of 1.7."""
    assert tumor_immune_state(1.0)["escape_exists"]
    assert not tumor_immune_state(1.7)["escape_exists"]


def test_bad_values():
    """A negative kill factor is refused."""
    with pytest.raises(ValueError, match="kill_factor must be >= 0"):
        tumor_immune_state(-1.0)


def test_explorer_builds_and_moves():
    """The explorer has its three controls and redraws when one moves."""
    explorer = explore_tumor_immune()
    assert isinstance(explorer, Explorer)
    assert sorted(explorer.controls) == ["kill_factor", "sigma_factor", "tumour0"]
    before = explorer.image.value
    explorer.controls["kill_factor"].value = 2.0
    assert explorer.image.value != before


def test_fast_update_matches_full_redraw(blit_check):
    """Every slider takes the fast path, identical to a full redraw."""
    blit_check(explore_tumor_immune, [("kill_factor", 1.8), ("sigma_factor", 0.7),
                                      ("tumour0", 20.0)])  # fmt: skip
