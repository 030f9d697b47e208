"""resistlab.plotting.microenvironment: the oxygen-profile and co-culture plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.plotting import plot_coculture_dose_response, plot_oxygen_profile


def test_oxygen_profile_clips_anoxia_and_shades_the_ring():
    """Negative tensions are drawn at 0; the hypoxic ring spans r_hypoxic..r_tissue."""
    _fig, ax = plt.subplots()
    out = plot_oxygen_profile([5, 30, 60], [40.0, 5.0, -3.0], threshold=10, r_hypoxic=25,
                              r_tissue=60, ax=ax)  # fmt: skip
    assert out is ax
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [40.0, 5.0, 0.0])
    ring = ax.patches[0]
    assert ring.get_x() == 25 and ring.get_width() == 35


def test_coculture_plot_one_curve_per_condition_and_ic50_marks():
    """One line per condition plus one IC50 mark each; log dose axis."""
    ax = plot_coculture_dose_response([0.1, 1, 10], {"a": [0.9, 0.5, 0.1], "b": [1, 0.9, 0.6]},
                                      ic50={"a": 1.0})  # fmt: skip
    assert ax.get_xscale() == "log"
    assert len(ax.lines) == 3 + 1  # two curves, one IC50 mark, the 50% line
    np.testing.assert_allclose(ax.lines[1].get_xdata(), [1.0, 1.0])


def test_bad_input():
    """Mismatched shapes and an empty mapping are refused."""
    with pytest.raises(ValueError, match="same shape"):
        plot_oxygen_profile([1, 2], [1.0])
    with pytest.raises(ValueError, match="at least one condition"):
        plot_coculture_dose_response([1.0], {})
