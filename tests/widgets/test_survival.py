"""resistlab.widgets.survival: the trial explorer and its pure state function."""

from __future__ import annotations

import time

import numpy as np
import pytest

from resistlab.widgets import explore_trial, trial_state


def test_state_is_seeded_and_consistent():
    """Same sliders, same trial; events and medians agree with the KM tables."""
    a, b = trial_state(200, 0.6, 12.0), trial_state(200, 0.6, 12.0)
    assert a["events"] == b["events"] and a["p_value"] == b["p_value"]
    assert a["events"] == sum(int(a["km"][arm]["events"].sum()) for arm in (0, 1))
    assert a["km"][0]["survival"].iloc[0] == 1.0


def test_power_grows_with_size_and_effect():
    """More patients or a stronger effect: more events-based power."""
    assert trial_state(600, 0.6, 12.0)["power"] > trial_state(100, 0.6, 12.0)["power"]
    assert trial_state(200, 0.4, 12.0)["power"] > trial_state(200, 0.8, 12.0)["power"]


def test_bad_input():
    """A zero hazard ratio or follow-up is refused."""
    with pytest.raises(ValueError, match="hazard_ratio must be > 0"):
        trial_state(100, 0.0)
    with pytest.raises(ValueError, match="follow_up must be > 0"):
        trial_state(100, 0.5, 0.0)


def test_fast_update_matches_full_redraw(blit_check):
    """Every slider takes the fast path, identical to a full redraw."""
    blit_check(explore_trial, [("n_patients", 400.0), ("hazard_ratio", 0.9), ("follow_up", 24.0)])


def test_update_latency_p95():
    """p95 of a slider change (state, artists, PNG) in isolation; recorded, loose bound
    because the test machine is shared."""
    explorer = explore_trial()
    samples = []
    for value in np.linspace(20, 800, 15):
        start = time.perf_counter()
        explorer.controls["n_patients"].value = float(value)
        samples.append(time.perf_counter() - start)
    assert np.percentile(samples, 95) < 0.5
