"""resistlab.plotting.evolution: fluctuation histograms, LD fits, likelihood and GC curves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from resistlab.evolution import estimate_m_mle, goldie_coldman, ld_pmf
from resistlab.plotting.evolution import (
    _bin_index,
    _bin_labels,
    plot_fluctuation_comparison,
    plot_fluctuation_histogram,
    plot_goldie_coldman,
    plot_ld_fit,
    plot_profile_likelihood,
)

LD_EXP16 = [1, 0, 3, 0, 0, 5, 0, 5, 0, 6, 107, 0, 0, 0, 1, 0, 0, 64, 0, 35]


def new_axes():
    return Figure().add_subplot()


def bar_heights(ax, start=0, stop=None):
    return [patch.get_height() for patch in ax.patches[start:stop]]


def test_doubling_bins_and_their_labels():
    """Bins 0 | 1 | 2–3 | 4–7 | ...: count c goes to floor(log2 c) + 1, labelled by its edge."""
    counts = np.array([0, 1, 2, 3, 4, 7, 8, 1023, 1024, 2**21])
    np.testing.assert_array_equal(_bin_index(counts), [0, 1, 2, 2, 3, 3, 4, 10, 11, 22])
    labels = _bin_labels(23)
    assert labels[:5] == ["0", "1", "2", "4", "8"]
    assert labels[10] == "512" and labels[11] == "1k" and labels[14] == "8.2k"
    assert labels[18] == "131k" and labels[22] == "2.1M"


def test_histogram_draws_one_bar_per_bin_with_the_bin_counts():
    """Bars hold the number of cultures per doubling bin; the panel gets its title."""
    counts = [0, 0, 1, 3, 5, 40, 41]
    ax = new_axes()
    out = plot_fluctuation_histogram(counts, ax, label="pre-existing")
    assert out is ax and ax.get_title() == "pre-existing"
    assert bar_heights(ax) == [2, 1, 1, 1, 0, 0, 2]  # 0 | 1 | 2–3 | 4–7 | ... | 32–63
    stats = ax.texts[0].get_text()
    assert "variance/mean" in stats and "zero 29%" in stats


def test_histogram_shares_bins_through_max_count_and_makes_its_own_figure():
    """max_count widens the axis (to compare panels); without ax a new Figure is used."""
    ax = plot_fluctuation_histogram([0, 1, 2], max_count=1000, show_stats=False)
    assert isinstance(ax, Axes) and isinstance(ax.figure, Figure)
    assert len(ax.patches) == 11 and not ax.texts


def test_comparison_puts_both_samples_in_every_bin_with_their_ratios():
    """Paired bars: first sample then second, each with its variance/mean in the legend."""
    ax = plot_fluctuation_comparison([0, 0, 1, 2, 90], [2, 3, 2, 4, 3], new_axes(), title="t")
    first, second = ax.patches  # one step patch per sample: bar, gap, bar, gap, ...
    # bins up to 64–127, where the count 90 falls: 8 bars per sample
    assert list(first.get_data().values[::2]) == [2, 1, 1, 0, 0, 0, 0, 1]
    assert list(second.get_data().values[::2]) == [0, 0, 4, 1, 0, 0, 0, 0]
    assert not first.get_data().values[1::2].any()  # the gaps
    edges = first.get_data().edges
    assert edges[0] == pytest.approx(-0.4) and edges[1] == pytest.approx(0.0)
    assert second.get_data().edges[:2] == pytest.approx([0.0, 0.4])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    vmr = np.var([0, 0, 1, 2, 90], ddof=1) / np.mean([0, 0, 1, 2, 90])
    assert texts[0] == f"pre-existing: variance/mean = {vmr:.3g}"
    assert ax.get_title() == "t"


def test_ld_fit_expected_counts_sum_to_the_number_of_cultures():
    """Dots are n·P(bin) with the tail in the last bin, so they add up to n; bars observe."""
    m = estimate_m_mle(LD_EXP16).m
    ax = plot_ld_fit(LD_EXP16, m, new_axes())
    ld_line, poisson_line = ax.lines
    assert sum(ld_line.get_ydata()) == pytest.approx(20, rel=1e-9)
    assert sum(poisson_line.get_ydata()) == pytest.approx(20, rel=1e-9)
    assert ld_line.get_ydata()[0] == pytest.approx(20 * ld_pmf(m, 0)[0], rel=1e-12)
    assert bar_heights(ax)[:2] == [11, 2]  # 11 zeros, 2 ones
    # the Poisson law with the same mean (11.35) puts almost nothing in the zero bin
    assert poisson_line.get_ydata()[0] == pytest.approx(20 * math.exp(-11.35), rel=1e-9)


def test_ld_fit_without_poisson_and_with_plating():
    """show_poisson=False draws one line; plating changes the expected zero class."""
    ax = plot_ld_fit(LD_EXP16, 1.186, new_axes(), plating_efficiency=0.4, show_poisson=False)
    assert len(ax.lines) == 1
    p0 = ld_pmf(1.186, 0, plating_efficiency=0.4)[0]
    assert ax.lines[0].get_ydata()[0] == pytest.approx(20 * p0, rel=1e-12)


def test_profile_likelihood_peaks_at_zero_and_marks_the_chi2_line():
    """The curve ℓ(m) − ℓ(m̂) is <= 0, ≈ 0 near m̂; the dotted line is at −1.92."""
    fit = estimate_m_mle(LD_EXP16)
    ax = plot_profile_likelihood(LD_EXP16, fit, new_axes())
    curve = ax.lines[0]
    y = np.asarray(curve.get_ydata())
    assert y.max() <= 1e-12 and y.max() > -1e-3
    assert ax.lines[1].get_ydata()[0] == pytest.approx(-3.841458820694124 / 2, rel=1e-9)
    assert ax.lines[2].get_xdata()[0] == pytest.approx(fit.m)
    assert "95% CI" in ax.get_legend().get_texts()[2].get_text()


def test_profile_likelihood_fits_when_no_estimate_is_given():
    """Without an estimate the function fits the counts itself (here with plating)."""
    ax = plot_profile_likelihood(LD_EXP16, None, new_axes(), plating_efficiency=0.4)
    assert ax.lines[2].get_xdata()[0] == pytest.approx(1.18636, rel=1e-5)


def test_goldie_coldman_curves_follow_the_formula():
    """One curve per rate, equal to exp(−α(N − 1)), on a log size axis with a mass axis."""
    ax = plot_goldie_coldman([1e-6, 1e-9], new_axes())
    assert ax.get_xscale() == "log"
    for line, rate in zip(ax.lines[:2], (1e-6, 1e-9), strict=True):
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        np.testing.assert_allclose(y, goldie_coldman(rate, x))
    assert ax.lines[2].get_xdata()[0] == 1e9  # the marked detection size
    assert len(ax.child_axes) == 1  # the tumour-mass axis on top


def test_goldie_coldman_custom_sizes_and_no_mark():
    """n_cells sets the drawn sizes; mark_cells=None draws no marker line."""
    ax = plot_goldie_coldman(1e-7, new_axes(), n_cells=[1, 10, 100], mark_cells=None)
    assert len(ax.lines) == 1 and list(ax.lines[0].get_xdata()) == [1, 10, 100]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plot_fluctuation_histogram([0, -1]), r"counts must be >= 0"),
        (lambda: plot_fluctuation_histogram([0, 1.5]), r"counts must be whole numbers"),
        (lambda: plot_fluctuation_comparison([1], [0.5]), r"second must be whole numbers"),
        (lambda: plot_ld_fit([0, 1], -1.0), r"m must be >= 0"),
        (lambda: plot_goldie_coldman(2.0), r"mutation_rate must be <= 1"),
        (lambda: plot_goldie_coldman([[1e-6]]), r"mutation_rate must be a number or a 1-D list"),
        (lambda: plot_goldie_coldman(1e-6, cells_per_gram=0), r"cells_per_gram must be > 0"),
    ],
)
def test_plots_reject_bad_input(call, match):
    """Malformed counts or parameters raise a ValueError that says what was expected."""
    with pytest.raises(ValueError, match=match):
        call()
