"""resistlab.plotting.efflux: the fold-resistance and cross-resistance plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.plotting import plot_cross_resistance, plot_fold_resistance


def test_fold_resistance_draws_given_curves_on_given_axes():
    """The curves carry the data passed in; the axes passed in are returned."""
    _fig, ax = plt.subplots()
    out = plot_fold_resistance([0, 10, 20], [1, 11, 21], fold_inhibited=[1, 2, 3],
                               current=(10, 11, 2), ax=ax)  # fmt: skip
    assert out is ax
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 11, 21])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [1, 2, 3])
    np.testing.assert_allclose(ax.lines[3].get_ydata(), [11, 2])
    assert ax.get_yscale() == "log"


def test_cross_resistance_sorts_and_colours_by_threshold():
    """Bars are sorted from low to high; those at or above the cut-off are highlighted."""
    ax = plot_cross_resistance(["a", "b", "c"], [50.0, 0.9, 3.0], threshold=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "c", "a"]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [0.9, 3.0, 50.0]
    colours = {tuple(p.get_facecolor()) for p in ax.patches[1:]}
    assert len(colours) == 1 and ax.patches[0].get_facecolor() not in colours


def test_bad_input():
    """Mismatched lengths and fold below 1 are refused with a ValueError."""
    with pytest.raises(ValueError, match="same length"):
        plot_cross_resistance(["a"], [1.0, 2.0])
    with pytest.raises(ValueError, match="fold"):
        plot_fold_resistance([0, 1], [0.1, 2.0])
