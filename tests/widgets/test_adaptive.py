"""resistlab.widgets.adaptive: the adaptive vs continuous explorer and its state function."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from resistlab.widgets import adaptive_therapy_state, explore_adaptive_therapy


def test_state_winner_follows_the_times_to_progression():
    """Adaptive outlasts MTD in the base case, more so at a higher cost of resistance."""
    low, high = adaptive_therapy_state(0.0, 1.0), adaptive_therapy_state(0.6, 1.0)
    assert low["winner"] == high["winner"] == "adaptive"
    gain_low = low["ttp_adaptive"] - low["ttp_continuous"]
    gain_high = high["ttp_adaptive"] - high["ttp_continuous"]
    assert gain_high > gain_low > 0
    assert 0 < low["dose_fraction_adaptive"] < 1


def test_strong_competition_holds_the_tumour_in_check():
    """With a_RS = 1.6 and c = 0.6 the adaptive cycles do not progress in the simulated time."""
    state = adaptive_therapy_state(0.6, 1.6)
    assert math.isinf(state["ttp_adaptive"]) and math.isfinite(state["ttp_continuous"])


def test_bad_input():
    """A cost of 1 or more, or a negative competition coefficient: ValueError."""
    with pytest.raises(ValueError, match="cost must be < 1"):
        adaptive_therapy_state(1.0, 1.0)
    with pytest.raises(ValueError, match="competition_rs must be >= 0"):
        adaptive_therapy_state(0.2, -1.0)


def test_explorer_refuses_start_values_outside_its_sliders():
    """A start value beyond a slider's range is an error, not silently its end position."""
    with pytest.raises(ValueError, match=r"cost must be <= 0\.8"):
        explore_adaptive_therapy(cost=2.0)
    with pytest.raises(ValueError, match=r"competition_rs must be >= 0\.8"):
        explore_adaptive_therapy(competition_rs=-1.0)
    explorer = explore_adaptive_therapy(cost=0.33, competition_rs=1.1)  # inside: snapped
    assert explorer.controls["cost"].value == pytest.approx(0.3)


def test_fast_update_matches_full_redraw(blit_check):
    """Every control takes the fast path, identical to a full redraw."""
    blit_check(
        explore_adaptive_therapy,
        [("cost", 0.6), ("competition_rs", 1.6), ("cost", 0.0), ("competition_rs", 0.8)],
    )


def test_update_latency_p95():
    """p95 of a control change (loose bound: the machine is shared)."""
    explorer = explore_adaptive_therapy()
    samples = []
    for cost in (0.0, 0.3, 0.5, 0.8):
        for a_rs in (0.8, 1.0, 1.6):
            start = time.perf_counter()
            explorer.controls["cost"].value = cost
            explorer.controls["competition_rs"].value = a_rs
            samples.append((time.perf_counter() - start) / 2)
    assert np.percentile(samples, 95) < 0.5
