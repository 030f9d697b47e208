"""resistlab.widgets.stem_cells: the hierarchy explorer and its pure state function."""

from __future__ import annotations

import numpy as np
import pytest

from resistlab.stem_cells import simulate_hierarchy
from resistlab.widgets import explore_hierarchy, hierarchy_state
from resistlab.widgets._base import Explorer


def test_state_matches_the_model():
    """The curves are simulate_hierarchy()'s with kill = (stem, bulk, bulk) on days 0-30."""
    s = hierarchy_state(0.65, 0.1, 0.8)
    res = simulate_hierarchy(s["t"], self_renewal=(0.65, 0.45), kill=(0.1, 0.8, 0.8),
                             therapy=(0.0, 30.0))  # fmt: skip
    np.testing.assert_allclose(s["stem"], res.stem)
    np.testing.assert_allclose(s["differentiated"], res.differentiated)
    assert s["stem_fraction_end"] > s["stem_fraction_start"]


def test_stem_kill_delays_relapse():
    """Adding stem kill to the same bulk kill delays relapse."""
    assert (
        hierarchy_state(0.6, 0.1, 1.0)["relapse_day"]
        > hierarchy_state(0.6, 0.0, 1.0)["relapse_day"]
    )


def test_bad_values():
    """A self-renewal probability above 1 is refused."""
    with pytest.raises(ValueError, match="self_renewal must be <= 1"):
        hierarchy_state(1.5)


def test_explorer_builds_and_moves():
    """The explorer has its three controls and redraws when each moves."""
    explorer = explore_hierarchy()
    assert isinstance(explorer, Explorer)
    assert sorted(explorer.controls) == ["kill_bulk", "kill_stem", "self_renewal"]
    before = explorer.image.value
    explorer.controls["kill_stem"].value = 0.2
    assert explorer.image.value != before


def test_fast_update_matches_full_redraw(blit_check):
    """Every slider takes the fast path, identical to a full redraw."""
    blit_check(explore_hierarchy, [("kill_stem", 0.2), ("self_renewal", 0.7), ("kill_bulk", 0.4)])
