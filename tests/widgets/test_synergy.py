"""resistlab.widgets.synergy: the combination explorer and its pure state function."""

from __future__ import annotations

import time

import numpy as np
import pytest

from resistlab.widgets import combination_state, explore_combination


def test_state_matches_the_ground_truth_under_bliss():
    """The generator's synergistic, additive and antagonistic pairs are called so by Bliss."""
    calls = [combination_state(p, "bliss")["call"] for p in ("pair 1", "pair 2", "pair 3")]
    assert calls == ["synergistic", "additive", "antagonistic"]


def test_models_disagree_on_the_additive_pair():
    """HSA and Loewe call the Bliss-additive pair synergistic; single-agent wells score 0."""
    assert combination_state("pair 2", "hsa")["call"] == "synergistic"
    assert combination_state("pair 2", "loewe")["call"] == "synergistic"
    s = combination_state("pair 2", "zip")
    assert np.all(s["excess"][0, :] == 0) and np.all(s["excess"][:, 0] == 0)


def test_bad_input():
    """Unknown pair or model: ValueError naming the choices."""
    with pytest.raises(ValueError, match="model must be one of"):
        combination_state("pair 1", "musyc")
    with pytest.raises(ValueError, match="pair must be one of"):
        combination_state("pair 9", "bliss")


def test_fast_update_matches_full_redraw(blit_check):
    """Every control takes the fast path, identical to a full redraw."""
    blit_check(explore_combination, [("model", "loewe"), ("pair", "pair 3"), ("model", "zip")])


def test_update_latency_p95():
    """p95 of a control change in isolation (loose bound: the machine is shared)."""
    explorer = explore_combination()
    samples = []
    for _ in range(3):
        for pair in ("pair 1", "pair 2", "pair 3"):
            for model in ("bliss", "hsa", "loewe", "zip"):
                start = time.perf_counter()
                explorer.controls["pair"].value = pair
                explorer.controls["model"].value = model
                samples.append((time.perf_counter() - start) / 2)
    assert np.percentile(samples, 95) < 0.5
