"""resistlab.widgets.efflux: the efflux explorer and its pure state function."""

from __future__ import annotations

import numpy as np
import pytest

from resistlab.efflux import fold_resistance
from resistlab.widgets import efflux_state, explore_efflux
from resistlab.widgets._base import Explorer


def test_state_matches_the_model():
    """Curves and current values are fold_resistance() at Vmax = expression x vmax_per_unit."""
    s = efflux_state(30.0, 2.0, 0.5, "non-competitive")
    np.testing.assert_allclose(s["fold"], fold_resistance(s["expression"], 1.0, 1.0, 0.1))
    assert s["fold_now"] == pytest.approx(1 + 30 / 1.1)
    assert s["fold_inhibited_now"] == pytest.approx(1 + 30 / 5 / 1.1)
    c = efflux_state(30.0, 2.0, 0.5, "competitive")
    assert c["fold_inhibited_now"] == pytest.approx(1 + 30 / (5 + 0.1))
    assert c["reversal"] == pytest.approx(c["fold_now"] / c["fold_inhibited_now"])


def test_no_inhibitor_changes_nothing():
    """At I = 0 both modes give the uninhibited curve."""
    for mode in ("competitive", "non-competitive"):
        s = efflux_state(10.0, 0.0, 1.0, mode)
        np.testing.assert_allclose(s["fold_inhibited"], s["fold"])
        assert not s["reversed"]


def test_bad_mode_and_values():
    """An unknown mode or a negative expression raises a ValueError."""
    with pytest.raises(ValueError, match="mode must be one of"):
        efflux_state(10.0, 1.0, 1.0, "uncompetitive")
    with pytest.raises(ValueError, match="expression must be >= 0"):
        efflux_state(-1.0)


def test_explorer_builds_and_moves():
    """The explorer has its four controls and redraws when each moves."""
    explorer = explore_efflux()
    assert isinstance(explorer, Explorer)
    assert sorted(explorer.controls) == ["expression", "inhibitor_uM", "ki_uM", "mode"]
    before = explorer.image.value
    explorer.controls["inhibitor_uM"].value = 10.0
    assert explorer.image.value != before


def test_fast_update_matches_full_redraw(blit_check):
    """Every slider and the mode toggle take the fast path, identical to a full redraw."""
    blit_check(
        explore_efflux,
        [("expression", 60.0), ("inhibitor_uM", 30.0), ("ki_uM", 0.05),
         ("mode", "non-competitive")],
    )  # fmt: skip
