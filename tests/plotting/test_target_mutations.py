"""resistlab.plotting.target_mutations: pure plot functions draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from resistlab import datasets
from resistlab.binding import TEACHING_DRUG_LEVELS_nM, resistance_matrix
from resistlab.plotting.target_mutations import (
    plot_apoptosis_response,
    plot_ic50_heatmap,
    plot_mtx_uptake,
    plot_occupancy,
)


@pytest.fixture(scope="module")
def table():
    return datasets.load("bcr_abl_ic50")


def _ax():
    return Figure().add_subplot()


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_heatmap_raw_ic50_colours_and_labels(table):
    """Without levels: one image of log10 IC50 (11 x 3), every mutant and drug labelled."""
    ax = _ax()
    assert plot_ic50_heatmap(table, ax=ax) is ax
    image = ax.images[0].get_array()
    assert image.shape == (11, 3)
    assert image[0, 0] == pytest.approx(np.log10(527.0))
    texts = _texts(ax)
    assert "wild type" in texts and "E255V/T315I" in texts and "ponatinib" in texts
    assert "≥10,240" in texts and "527" in texts


def test_heatmap_with_levels_shows_ratio_and_calls(table):
    """With levels: colour is log10(IC50/level); cells carry S/I/R; censored cells show '≥'."""
    ax = _ax()
    plot_ic50_heatmap(table, TEACHING_DRUG_LEVELS_nM, ax=ax)
    image = ax.images[0].get_array()
    assert image[0, 0] == pytest.approx(np.log10(527.0 / 2000.0))
    texts = _texts(ax)
    assert "S  527" in texts
    assert "R  ≥768" in texts
    assert "I  29.8" in texts
    assert "ponatinib\n40 nM" in texts


def test_heatmap_accepts_a_classified_matrix_and_marks_calls(table):
    """A ResistanceMatrix plots as is; annotate='calls' draws one marker per classified cell."""
    m = resistance_matrix(table, TEACHING_DRUG_LEVELS_nM)
    ax = _ax()
    plot_ic50_heatmap(m, annotate="calls", colorbar=False, title=False, ax=ax)
    n_marked = sum(len(line.get_xdata()) for line in ax.lines)
    assert n_marked == 33
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["sensitive", "intermediate", "resistant"]
    assert ax.get_title() == ""


def test_heatmap_column_order_and_no_annotation(table):
    """drugs= sets the columns; annotate=None writes no cell text; a new axes is made if none."""
    ax = plot_ic50_heatmap(table, drugs=["ponatinib", "imatinib"], annotate=None, colorbar=False)
    assert ax.images[0].get_array().shape == (11, 2)
    assert ax.images[0].get_array()[0, 0] == pytest.approx(np.log10(2.1))
    assert len(ax.texts) == 11 + 2  # row and column labels only


def test_heatmap_rejects_bad_input(table):
    """Wrong annotate option, a non-table, or unknown drugs are explained."""
    with pytest.raises(ValueError, match=r"annotate must be one of"):
        plot_ic50_heatmap(table, annotate="numbers")
    with pytest.raises(TypeError, match=r"table must be a pandas DataFrame"):
        plot_ic50_heatmap({"mutant": []})
    with pytest.raises(ValueError, match=r"not in the table"):
        plot_ic50_heatmap(table, {"nilotinib": 100.0})


def test_occupancy_curves_and_marked_loss():
    """Two curves (reference above mutant when Km,ATP falls) and the loss at the marked dose."""
    ax = _ax()
    plot_occupancy(
        ki_nM=1.0, atp_uM=1000.0, km_atp_uM=100.0, km_atp_mutant_uM=5.0, dose_nM=50.0, ax=ax
    )
    ref, mut = ax.lines[0].get_ydata(), ax.lines[1].get_ydata()
    assert np.all(ref >= mut) and ref[-1] > 0.99 and ref[0] < 0.01
    assert any("loss 62 points" in t for t in _texts(ax))
    assert ax.get_xscale() == "log"


def test_occupancy_rejects_bad_range():
    """A reversed concentration range is refused with a message."""
    with pytest.raises(ValueError, match=r"low < high"):
        plot_occupancy(ki_nM=1.0, atp_uM=1.0, km_atp_uM=1.0, inhibitor_range_nM=(10.0, 1.0))
    with pytest.raises(ValueError, match=r"dose_nM must be > 0"):
        plot_occupancy(ki_nM=1.0, atp_uM=1.0, km_atp_uM=1.0, dose_nM=0.0)


def test_uptake_curves_reach_half_vmax_at_km():
    """Michaelis–Menten curves: the mutant (higher Km) lies below; Km markers at Vmax/2."""
    ax = _ax()
    plot_mtx_uptake(vmax=10.0, km_uM=1.0, km_mutant_uM=5.0, dose_uM=2.0, ax=ax)
    normal, _, mutant, km_line = ax.lines[:4]
    assert np.all(normal.get_ydata() >= mutant.get_ydata())
    assert list(km_line.get_xdata()) == [5.0, 5.0] and km_line.get_ydata()[1] == 5.0
    with pytest.raises(ValueError, match=r"low < high"):
        plot_mtx_uptake(vmax=1.0, km_uM=1.0, km_mutant_uM=2.0, concentration_range_uM=(5, 5))


def test_apoptosis_curves_shift_right_with_p53_loss():
    """One curve per p53 activity; less p53 -> fewer cells dying at every damage."""
    ax = _ax()
    plot_apoptosis_response(p53_activities=[1.0, 0.3, 0.0], ax=ax)
    curves = [line.get_ydata() for line in ax.lines if len(line.get_ydata()) == 200]
    assert len(curves) == 3
    assert np.all(curves[0] >= curves[1]) and np.all(curves[1] >= curves[2])
    with pytest.raises(ValueError, match=r"p53_activities must be <= 1"):
        plot_apoptosis_response(p53_activities=[1.5])
    with pytest.raises(ValueError, match=r"low < high"):
        plot_apoptosis_response(damage_range=(10.0, 1.0))


def test_plots_without_ax_draw_on_a_new_figure():
    """Without ax= each plot draws on a new figure of its own, never on the current one."""
    import matplotlib.pyplot as plt

    current = plt.figure()
    axes = [
        plot_occupancy(ki_nM=1.0, atp_uM=1.0, km_atp_uM=1.0),
        plot_mtx_uptake(vmax=1.0, km_uM=1.0, km_mutant_uM=2.0),
        plot_apoptosis_response(),
        plot_ic50_heatmap(
            pd.DataFrame({"mutant": ["a"], "drug": ["d"], "ic50_nM": [1.0], "qualifier": ["="]})
        ),
    ]
    assert len({id(ax.figure) for ax in axes}) == len(axes)
    assert all(ax.figure is not current for ax in axes) and current.axes == []
    plt.close("all")
