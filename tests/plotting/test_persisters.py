"""resistlab.plotting.persisters: kill curves, two-state dynamics and methylation plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from resistlab.persisters import (
    ILLUSTRATIVE_RATES,
    BiphasicKill,
    simulate_two_state,
)
from resistlab.plotting import (
    plot_kill_curve,
    plot_promoter_methylation,
    plot_tolerant_fraction,
    plot_two_state,
)


@pytest.fixture
def trajectory():
    schedule = [(72.0, 1.0), (48.0, 0.0), (72.0, 1.0)]
    times = np.union1d(np.linspace(0, 192, 60), [72.0, 120.0])
    return simulate_two_state(times, ILLUSTRATIVE_RATES, schedule)


def test_plots_make_their_own_figure_without_ax(trajectory):
    """Without ax= each plot draws on a new figure of its own, never on the current one."""
    current = plt.figure()
    for ax in (
        plot_kill_curve([0, 24, 48], [1, 0.2, 0.05]),
        plot_two_state(trajectory),
        plot_tolerant_fraction(trajectory),
        plot_promoter_methylation([0.1, 0.5]),
    ):
        assert isinstance(ax, Axes) and isinstance(ax.figure, Figure)
        assert ax.figure is not current
    assert current.axes == []
    plt.close("all")


def test_kill_curve_draws_data_fit_and_persister_phase():
    """Scatter of the data, the fitted curve through (0, 1) and the dashed persister phase."""
    ax = Figure().add_subplot()
    fit = BiphasicKill(0.01, 0.05, 0.002)
    out = plot_kill_curve([0, 24, 96], [1.0, 0.3, 0.02], fit=fit, ax=ax, label="erlotinib")
    assert out is ax and ax.get_yscale() == "log"
    curve, phase = ax.get_lines()
    assert curve.get_ydata()[0] == pytest.approx(1.0)
    np.testing.assert_allclose(phase.get_ydata(), 0.01 * np.exp(-0.002 * phase.get_xdata()))
    assert phase.get_linestyle() == "--"
    assert "f = 0.01" in curve.get_label()
    assert len(ax.collections) == 1  # the data points
    no_phase = plot_kill_curve([0, 24], [1.0, 0.3], fit=fit, show_phases=False)
    assert len(no_phase.get_lines()) == 1


def test_kill_curve_errors():
    """Zero fractions, mismatched shapes and a non-fit object raise clear errors."""
    with pytest.raises(ValueError, match=r"surviving_fraction must be > 0"):
        plot_kill_curve([0, 1], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"same shape"):
        plot_kill_curve([0, 1, 2], [1.0, 0.5])
    with pytest.raises(TypeError, match=r"fit must be a BiphasicKill or BiphasicFit"):
        plot_kill_curve([0, 1], [1.0, 0.5], fit=(0.01, 0.05, 0.002))


def test_two_state_lines_and_exact_drug_shading(trajectory):
    """S, T and N are drawn in days; the shading covers exactly the two drug-on courses."""
    ax = plot_two_state(trajectory)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["sensitive S", "tolerant T", "total N"]
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), trajectory.time_h / 24)
    (bars,) = [c for c in ax.collections if c.get_label() == "drug on"]
    assert len(bars.get_paths()) == 2
    xs = sorted(
        (round(v[:, 0].min(), 9), round(v[:, 0].max(), 9))
        for v in (p.vertices for p in bars.get_paths())
    )
    assert xs == [(0.0, 3.0), (5.0, 8.0)]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "time (days)"
    hours = plot_two_state(trajectory, time_unit="h", show_total=False)
    assert len(hours.get_lines()) == 2 and hours.get_xlabel() == "time (h)"


def test_two_state_without_drug_has_no_shading():
    """A drug-free trajectory draws no drug band."""
    traj = simulate_two_state(np.linspace(0, 48, 10), ILLUSTRATIVE_RATES, 0.0)
    ax = plot_two_state(traj)
    assert not [c for c in ax.collections if c.get_label() == "drug on"]


def test_tolerant_fraction_with_equilibrium_band(trajectory):
    """The fraction T/(S+T) is plotted with the equilibrium line and the ±rel_tol band."""
    ax = plot_tolerant_fraction(trajectory, equilibrium=0.004, rel_tol=0.1)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), trajectory.tolerant_fraction)
    assert ax.get_lines()[1].get_ydata()[0] == pytest.approx(0.004)
    band = [p for p in ax.patches if "within" in str(p.get_label())]
    assert len(band) == 1
    ys = band[0].get_path().transformed(band[0].get_patch_transform()).vertices[:, 1]
    assert (ys.min(), ys.max()) == (pytest.approx(0.0036), pytest.approx(0.0044))


def test_trajectory_errors(trajectory):
    """A non-trajectory or a bad time unit raises."""
    with pytest.raises(TypeError, match=r"trajectory must have time_h, sensitive"):
        plot_two_state({"time_h": [0, 1]})
    with pytest.raises(ValueError, match=r"time_unit must be one of 'h', 'd'"):
        plot_tolerant_fraction(trajectory, time_unit="weeks")
    with pytest.raises(ValueError, match=r"equilibrium must be > 0"):
        plot_tolerant_fraction(trajectory, equilibrium=0.0)


def test_promoter_methylation_sorted_and_coloured_by_truth():
    """Samples are sorted by mean beta; truth splits them into two coloured groups."""
    ax = plot_promoter_methylation([0.6, 0.05, 0.25], 0.3, truth=[True, False, True])
    unmethylated, methylated = ax.collections
    np.testing.assert_allclose(unmethylated.get_offsets(), [[0, 0.05]])
    np.testing.assert_allclose(methylated.get_offsets(), [[1, 0.25], [2, 0.6]])
    assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(0.3)
    with pytest.raises(ValueError, match=r"truth must have one entry per sample \(3\)"):
        plot_promoter_methylation([0.6, 0.05, 0.25], truth=[True])
    with pytest.raises(ValueError, match=r"mean_beta must be <= 1"):
        plot_promoter_methylation([1.5])
