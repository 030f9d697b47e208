"""resistlab.plotting.stem_cells: the hierarchy and side-population plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from resistlab.plotting import plot_hierarchy, plot_side_population


def test_hierarchy_draws_the_compartments_and_their_total():
    """Four lines (three compartments and the total) on a log axis; zeros drawn at a floor."""
    ax = plot_hierarchy([0, 1], [1, 0], [2, 2], [3, 4], therapy=(0, 1))
    np.testing.assert_allclose(ax.lines[3].get_ydata(), [6, 6])
    assert ax.lines[0].get_ydata()[1] > 0
    assert ax.get_yscale() == "log"


def test_side_population_draws_events_and_gate():
    """One scatter of the events and the closed gate polygon."""
    ax = plot_side_population([1, 2, 3], [3, 2, 1], gate=[(0, 0), (1, 0), (0, 1)])
    assert ax.collections[0].get_offsets().shape == (3, 2)
    assert ax.patches[0].get_closed()


def test_bad_input():
    """Mismatched shapes are refused."""
    with pytest.raises(ValueError, match="same shape"):
        plot_side_population([1, 2], [1])
