"""resistlab.widgets.persisters: the persister explorer and its pure state function."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resistlab.persisters import (
    ILLUSTRATIVE_RATES,
    equilibrium_tolerant_fraction,
    surviving_fraction,
)
from resistlab.widgets import explore_persisters, persisters_state
from resistlab.widgets._base import Explorer


def test_state_schedule_covers_the_horizon_and_includes_switch_points():
    """Courses of on/off days repeat to the horizon; every switch time is sampled."""
    state = persisters_state(on_days=10, off_days=14, horizon_days=60)
    assert state.schedule[:3] == ((240.0, 1.0), (336.0, 0.0), (240.0, 1.0))
    assert sum(d for d, _ in state.schedule) >= 60 * 24
    t = state.trajectory.time_h
    assert t[0] == 0.0 and t[-1] == pytest.approx(1440.0)
    for switch in (240.0, 576.0, 816.0, 1152.0, 1392.0):
        assert switch in t
    on = state.trajectory.drug_level > 0
    assert on[t < 240].all() and not on[(t >= 240) & (t < 576)].any()


def test_state_numbers_match_the_model():
    """Equilibrium, nadir and final values are those of the trajectory and of the rates."""
    state = persisters_state()
    assert state.rates == ILLUSTRATIVE_RATES
    assert state.equilibrium_fraction == pytest.approx(equilibrium_tolerant_fraction(state.rates))
    assert state.nadir_total == pytest.approx(state.trajectory.total.min())
    assert state.final_total == pytest.approx(state.trajectory.total[-1])
    assert state.trajectory.total[0] == pytest.approx(1.0)
    # the nadir is the end of the first 10-day course: the 240 h surviving fraction
    assert state.nadir_total == pytest.approx(surviving_fraction(state.rates, 240.0), rel=1e-12)
    assert state.nadir_total == pytest.approx(0.001864, rel=1e-3)


def test_continuous_treatment_declines_monotonically():
    """With no holiday the population only falls (both net rates negative on drug), and the
    whole horizon counts as one course."""
    state = persisters_state(off_days=0.0, horizon_days=30)
    assert state.schedule == ((720.0, 1.0),)
    assert np.all(np.diff(state.trajectory.total) < 0)
    assert state.final_total == pytest.approx(state.nadir_total)
    np.testing.assert_allclose(state.course_kill, [state.final_total])


def test_course_readouts_match_independent_propagation():
    """Per-course kill and starting tolerant fraction equal a step-by-step matrix exponential."""
    from scipy.linalg import expm

    state = persisters_state(on_days=10, off_days=5, horizon_days=40)
    rates = state.rates
    phi = equilibrium_tolerant_fraction(rates)
    x = np.array([1 - phi, phi])
    kills, fractions = [], []
    for _ in range(3):  # courses start at days 0, 15, 30 and all end by day 40
        fractions.append(x[1] / x.sum())
        end = expm(rates.matrix(1.0) * 240.0) @ x
        kills.append(end.sum() / x.sum())
        x = expm(rates.matrix(0.0) * 120.0) @ end
    np.testing.assert_allclose(state.course_start_h, [0.0, 360.0, 720.0])
    np.testing.assert_allclose(state.course_kill, kills, rtol=1e-9)
    np.testing.assert_allclose(state.course_start_tolerant_fraction, fractions, rtol=1e-9)


def test_a_long_enough_holiday_restores_the_first_course_kill():
    """After a holiday longer than the drug-holiday time (~14 d for these rates) the second
    course starts near the untreated composition and kills nearly as deeply as the first;
    after a 2-day holiday it kills far less."""
    long = persisters_state(on_days=10, off_days=20, horizon_days=45)
    short = persisters_state(on_days=10, off_days=2, horizon_days=25)
    assert long.course_start_tolerant_fraction[1] == pytest.approx(
        long.equilibrium_fraction, rel=0.1
    )
    assert long.course_kill[1] == pytest.approx(long.course_kill[0], rel=0.1)
    assert short.course_kill[1] > 20 * short.course_kill[0]


def test_lower_entry_rate_deepens_the_nadir():
    """Fewer cells entering the tolerant state (an HDAC inhibitor) → deeper kill."""
    base = persisters_state()
    hdaci = persisters_state(to_tolerant_per_h=ILLUSTRATIVE_RATES.to_tolerant_per_h / 10)
    assert hdaci.nadir_total < base.nadir_total / 3


def test_state_errors():
    """Non-positive course length, negative holiday and bad point counts raise."""
    with pytest.raises(ValueError, match=r"on_days must be > 0 days"):
        persisters_state(on_days=0)
    with pytest.raises(ValueError, match=r"off_days must be >= 0 days"):
        persisters_state(off_days=-1)
    with pytest.raises(ValueError, match=r"n_points must be an integer >= 2"):
        persisters_state(n_points=1)
    with pytest.raises(ValueError, match=r"kill_s_per_h must be >= 0"):
        persisters_state(kill_s_per_h=-0.1)


def test_explorer_builds_and_follows_its_sliders():
    """Six controls; moving the holiday slider redraws the panel, its readout and the PNG."""
    explorer = explore_persisters()
    assert isinstance(explorer, Explorer)
    assert set(explorer.controls) == {
        "to_tolerant_per_h", "to_sensitive_per_h", "kill_s_per_h", "kill_t_per_h",
        "on_days", "off_days",
    }  # fmt: skip
    assert explorer.controls["to_tolerant_per_h"].value == pytest.approx(1e-4)
    before = bytes(explorer.image.value)
    assert before.startswith(b"\x89PNG")
    assert len(explorer.figure.axes) == 1
    explorer.controls["off_days"].value = 0.0
    assert bytes(explorer.image.value) != before
    title = explorer.figure.axes[0].get_title(loc="left")
    expected = persisters_state(off_days=0.0).course_kill[0]
    assert f"each course: {expected:.2g}\n" in title
    assert "untreated 0.0034" in title


def test_explorer_redraw_is_reasonably_fast():
    """A redraw costs a few matplotlib renders at most (a loose, machine-tolerant bound;
    benchmarks/bench_explorers.py measures the real latency)."""
    import time

    explorer = explore_persisters()
    samples = []
    for value in (5.0, 12.0, 20.0, 7.0, 15.0):
        start = time.perf_counter()
        explorer.controls["on_days"].value = value
        samples.append(time.perf_counter() - start)
    assert sorted(samples)[2] < 2.0
    assert math.isfinite(sum(samples))


def test_slider_moves_blit_the_same_image_as_a_full_draw(blit_check):
    blit_check(
        explore_persisters,
        [("kill_s_per_h", 0.1), ("to_tolerant_per_h", 1e-3), ("on_days", 7.0), ("off_days", 0.0)],
    )
