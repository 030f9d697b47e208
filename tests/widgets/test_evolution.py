"""resistlab.widgets.evolution: the fluctuation-test explorer and its pure state."""

from __future__ import annotations

import math
import statistics
import time

import numpy as np
import pytest

from resistlab.evolution import simulate_fluctuation
from resistlab.widgets._base import Explorer
from resistlab.widgets.evolution import explore_fluctuation, fluctuation_state


def test_state_summarises_both_hypotheses():
    """m = μ(N − 1), expected mean μN·ln N, and per-hypothesis counts and moments."""
    state = fluctuation_state(1e-8, 1e8, 300)
    assert state["m"] == pytest.approx(1e-8 * (1e8 - 1))
    assert state["expected_mean"] == pytest.approx(1e-8 * 1e8 * math.log(1e8))
    for key in ("pre-existing", "induced"):
        summary = state[key]
        counts = summary["counts"]
        assert counts.shape == (300,)
        assert summary["mean"] == pytest.approx(counts.mean())
        assert summary["variance"] == pytest.approx(counts.var(ddof=1))
        assert summary["vmr"] == pytest.approx(counts.var(ddof=1) / counts.mean())
        assert summary["p0"] == pytest.approx(np.mean(counts == 0))
    assert state["max_count"] == max(state["pre-existing"]["max"], state["induced"]["max"])


def test_state_shows_jackpots_only_under_the_pre_existing_hypothesis():
    """Pre-existing variance/mean ≫ 1; induced ≈ 1 (500 cultures, m = 1)."""
    state = fluctuation_state(1e-8, 1e8, 500)
    assert state["pre-existing"]["vmr"] > 20
    assert state["induced"]["vmr"] == pytest.approx(1.0, abs=0.2)
    assert state["pre-existing"]["p0"] == pytest.approx(math.exp(-1), abs=0.08)


def test_state_is_reproducible_and_follows_the_seed():
    """Same inputs, same picture; another seed, other cultures; streams from SeedSequence."""
    a = fluctuation_state(1e-8, 1e7, 50)
    b = fluctuation_state(1e-8, 1e7, 50)
    np.testing.assert_array_equal(a["pre-existing"]["counts"], b["pre-existing"]["counts"])
    c = fluctuation_state(1e-8, 1e7, 50, seed=1)
    assert not np.array_equal(a["pre-existing"]["counts"], c["pre-existing"]["counts"])
    pre_rng, _ = np.random.SeedSequence(1943).spawn(2)
    np.testing.assert_array_equal(
        a["pre-existing"]["counts"], simulate_fluctuation(50, 1e-8, 1e7, rng=pre_rng)
    )


def test_state_rejects_bad_sliders():
    """Out-of-range inputs raise the library's messages."""
    with pytest.raises(ValueError, match=r"mutation_rate must be <= 1"):
        fluctuation_state(2.0, 1e8, 10)
    with pytest.raises(ValueError, match=r"n_cultures must be >= 2 cultures"):
        fluctuation_state(1e-8, 1e8, 1)


def test_explorer_has_three_controls_and_redraws():
    """explore_fluctuation() returns an Explorer whose image changes with every control."""
    explorer = explore_fluctuation()
    assert isinstance(explorer, Explorer)
    assert sorted(explorer.controls) == ["final_size", "mutation_rate", "n_cultures"]
    first = bytes(explorer.image.value)
    assert first.startswith(b"\x89PNG")
    ax = explorer.figure.axes[0]
    assert "m = μN = 1" in ax.get_title()
    for name, value in (("mutation_rate", 1e-7), ("final_size", 1e6), ("n_cultures", 200)):
        before = bytes(explorer.image.value)
        explorer.controls[name].value = value
        assert bytes(explorer.image.value) != before, name
    drawn = sum(patch.get_data().values.sum() for patch in explorer.figure.axes[0].patches)
    assert drawn == 2 * 200  # every culture of both hypotheses sits in one bar


def test_explorer_redraw_is_not_pathologically_slow():
    """Median redraw over 10 changes stays well under a second even on a busy machine.

    The 50 ms budget is measured by benchmarks/bench_explorers.py on a quiet machine; this
    guards only against a regression of an order of magnitude (e.g. a huge simulation).
    """
    explorer = explore_fluctuation()
    times = []
    for i in range(10):
        start = time.perf_counter()
        explorer.controls["mutation_rate"].value = 10.0 ** (-9 + 0.3 * i)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 1.0


def test_slider_moves_blit_the_same_image_as_a_full_draw(blit_check):
    blit_check(
        explore_fluctuation,
        [("mutation_rate", 1e-7), ("final_size", 1e6), ("n_cultures", 200)],
    )
