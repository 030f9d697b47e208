"""resistlab.plotting.adaptive: schedules, doses and time to progression by cost."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.adaptive import simulate_adaptive, simulate_continuous
from resistlab.plotting import plot_dose_schedules, plot_therapy_schedules, plot_ttp_by_cost


@pytest.fixture(scope="module")
def runs():
    return [
        simulate_continuous((0.74, 0.01), (0.03, 0.024)),
        simulate_adaptive((0.74, 0.01), (0.03, 0.024)),
    ]


def test_schedules_draw_each_trajectory_and_the_thresholds(runs):
    """Total and resistant burden of each run are drawn from its own data; the three
    threshold lines sit at 0.5, 1 and 1.2 times the baseline; progression is marked."""
    _fig, ax = plt.subplots()
    out = plot_therapy_schedules(runs, ax=ax)
    assert out is ax
    data_lines = [ln for ln in ax.lines if len(ln.get_xdata()) > 2]
    np.testing.assert_allclose(data_lines[0].get_ydata(), runs[0].burden)
    np.testing.assert_allclose(data_lines[3].get_ydata(), runs[1].resistant)
    levels = sorted(float(ln.get_ydata()[0]) for ln in ax.lines if ln.get_linestyle() == ":")
    np.testing.assert_allclose(levels, np.array([0.5, 1.0, 1.2]) * runs[0].baseline)
    verticals = [ln for ln in ax.lines if len(ln.get_xdata()) == 2 and ln.get_linestyle() == "-"]
    assert sorted(float(v.get_xdata()[0]) for v in verticals) == pytest.approx(
        sorted(r.time_to_progression for r in runs)
    )
    plt.close("all")


def test_dose_steps_follow_the_schedule(runs):
    """The dose line is the result's dose (offset per schedule so both stay visible)."""
    _fig, ax = plt.subplots()
    plot_dose_schedules(runs, ax=ax)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), runs[1].dose - 0.04)
    assert ax.lines[0].get_drawstyle() == "steps-post"
    plt.close("all")


def test_ttp_by_cost_shades_where_adaptive_wins_by_the_margin():
    """The shaded band starts at the first cost where adaptive leads by at least the margin."""
    _fig, ax = plt.subplots()
    plot_ttp_by_cost([0.0, 0.4, 0.8], [255, 412, 1199], [398, 642, 1928], margin=240, ax=ax)
    (band,) = ax.patches
    assert band.get_x() == pytest.approx(0.8)
    plt.close("all")


def test_bad_input():
    """Not a TherapyResult, or mismatched arrays: ValueError."""
    with pytest.raises(ValueError, match="TherapyResult"):
        plot_therapy_schedules([1, 2])
    with pytest.raises(ValueError, match="same shape"):
        plot_ttp_by_cost([0.0, 0.5], [1.0], [2.0, 3.0])
