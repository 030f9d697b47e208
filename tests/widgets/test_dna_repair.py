"""resistlab.widgets.dna_repair: the DNA-repair explorer and its pure state function."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resistlab.widgets import dna_repair_state, explore_dna_repair


def test_state_follows_the_model():
    """D50 scales with ERCC1; survival is exp(-gamma kf C tau / kr)."""
    s = dna_repair_state(3.0, 10.0, 2.0)
    assert s["d50_uM"] / s["d50_reference_uM"] == pytest.approx(3.0)
    assert s["survival"] == pytest.approx(math.exp(-0.02 * 10 * 2 / 0.6))
    assert s["area"] == pytest.approx(np.trapezoid(s["adducts"], s["t_h"]), rel=0.02)


def test_reference_curve_independent_of_ercc1():
    """The grey reference curve does not move with the ERCC1 slider."""
    a, b = dna_repair_state(0.5, 10.0, 2.0), dna_repair_state(4.0, 10.0, 2.0)
    np.testing.assert_allclose(a["adducts_reference"], b["adducts_reference"])


def test_bad_input():
    """Zero ERCC1 or exposure is refused."""
    with pytest.raises(ValueError, match="ercc1 must be > 0"):
        dna_repair_state(0.0)
    with pytest.raises(ValueError, match="exposure_h must be > 0"):
        dna_repair_state(1.0, 10.0, 0.0)


def test_fast_update_matches_full_redraw(blit_check):
    """Every slider takes the fast path, identical to a full redraw."""
    blit_check(explore_dna_repair, [("ercc1", 4.0), ("dose_uM", 40.0), ("exposure_h", 6.0)])
