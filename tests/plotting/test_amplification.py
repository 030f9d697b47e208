"""Tests for resistlab.plotting.amplification: pure plots that return their axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.amplification import fit_power_law, simulate_double_minutes
from resistlab.plotting import amplification as pa


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_ic50_plot_draws_points_and_the_fit_on_log_axes(ax):
    x, y = np.array([2.0, 20.0, 200.0]), np.array([6.0, 51.0, 501.0])
    fit = fit_power_law(x, y)
    out = pa.plot_ic50_vs_copy_number(x, y, fit=fit, ax=ax)
    assert out is ax
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    np.testing.assert_allclose(ax.collections[0].get_offsets(), np.column_stack([x, y]))
    assert len(ax.lines) == 1
    assert f"{fit.exponent:.2f}" in ax.get_legend().get_texts()[1].get_text()
    np.testing.assert_allclose(
        ax.lines[0].get_ydata()[[0, -1]], fit.prefactor * x[[0, -1]] ** fit.exponent
    )


def test_ic50_plot_without_fit_has_no_line(ax):
    pa.plot_ic50_vs_copy_number([1, 2], [3, 4], ax=ax)
    assert not ax.lines


def test_copy_number_heatmap_shows_the_distribution_and_the_mean(ax):
    sim = simulate_double_minutes(
        10, n_cells=200, generations=12, fitness_cost_per_copy=0.05, rng=1
    )
    pa.plot_copy_number_distribution(sim, ax=ax)
    image = ax.images[0].get_array()
    assert image.shape == (sim.counts.shape[1], 13)  # copies x generations
    np.testing.assert_allclose(image.sum(axis=0), 1.0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), sim.mean_copy_number)


def test_copy_number_heatmap_can_be_cut_at_max_copies(ax):
    sim = simulate_double_minutes(10, n_cells=50, generations=3, rng=1)
    pa.plot_copy_number_distribution(sim, max_copies=5, ax=ax)
    assert ax.images[0].get_array().shape == (6, 4)


def test_mean_copy_plot_has_one_line_per_run(ax):
    runs = {
        "off drug": simulate_double_minutes(10, n_cells=50, generations=5, rng=1),
        "on drug": simulate_double_minutes(
            10, n_cells=50, generations=5, min_copies_to_divide=5, rng=1
        ),
    }
    pa.plot_mean_copy_number(runs, ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["off drug", "on drug"]


def test_fish_plot_colours_calls_with_the_insight_cutoffs(ax):
    pa.plot_met_fish_calls([2.0, 5.0, 4.2, 3.0], [1.0, 1.0, 2.0, 1.5], ax=ax)
    not_amp, amp = ax.collections[-2], ax.collections[-1]
    assert len(not_amp.get_offsets()) == 2 and len(amp.get_offsets()) == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["not amplified (2)", "MET-amplified (2)"]


def test_bypass_output_plot_uses_log_positions(ax):
    d = np.geomspace(0.1, 1e4, 20)
    pa.plot_bypass_output(
        d,
        np.full(20, 0.5),
        np.full(20, 0.05),
        0.1,
        met_inhibitor_nM=30,
        current=(100.0, 0.05),
        ax=ax,
    )
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.log10(d))
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "0.1",
        "1",
        "10",
        "100",
        "1000",
        "10000",
    ]
    assert "30 nM" in ax.get_legend().get_texts()[1].get_text()
    assert ax.lines[2].get_ydata()[0] == pytest.approx(-1.0)  # the threshold at log10(0.1)


def test_heatmap_marks_the_chosen_pair(ax):
    out = np.array([[1.0, 0.5, 0.3], [0.3, 0.09, 0.05]])
    pa.plot_bypass_heatmap([0, 100], [0, 10, 30], out, 0.1, chosen=(100, 10), ax=ax)
    np.testing.assert_allclose(ax.images[0].get_array(), out)
    marker = ax.lines[0]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (1, 1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "10", "30"]


def test_plots_make_their_own_axes_when_none_given():
    ax = pa.plot_met_fish_calls([2.0, 6.0], [1.0, 1.0])
    assert ax.figure is not None
    plt.close(ax.figure)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: pa.plot_ic50_vs_copy_number([1, 2], [1, 2, 3]), ValueError, "same shape"),
        (
            lambda: pa.plot_ic50_vs_copy_number([0, 2], [1, 2]),
            ValueError,
            "copy_number must be > 0",
        ),
        (
            lambda: pa.plot_ic50_vs_copy_number([1, 2], [1, 2], fit=(1.0, 0.0)),
            ValueError,
            "fit prefactor must be > 0",
        ),
        (lambda: pa.plot_copy_number_distribution("sim"), TypeError, "simulate_double_minutes"),
        (
            lambda: pa.plot_copy_number_distribution(
                simulate_double_minutes(2, n_cells=3, generations=1, rng=0), max_copies=0
            ),
            ValueError,
            "max_copies must be >= 1",
        ),
        (lambda: pa.plot_mean_copy_number({}), TypeError, "non-empty mapping"),
        (
            lambda: pa.plot_bypass_heatmap([0, 1], [0, 1], [[1, 2, 3]], 0.1),
            ValueError,
            r"output must have shape",
        ),
        (
            lambda: pa.plot_bypass_output([1, 2], [0.5, 0.5], [0.1, 0.0], 0.1),
            ValueError,
            "output_combination must be > 0",
        ),
        (
            lambda: pa.plot_bypass_output([1, 2], [0.5, 0.5], [0.1, 0.1], 0),
            ValueError,
            "threshold must be > 0",
        ),
    ],
)
def test_plot_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
    plt.close("all")
