"""resistlab.plotting.pk: the concentration-time plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.plotting import plot_concentration_time


def test_curve_and_samples_share_a_colour_on_a_log_axis():
    """The line carries the data, the samples are markers of the same colour, y is log."""
    _fig, ax = plt.subplots()
    out = plot_concentration_time([0, 1, 2], [4.0, 2.0, 1.0], label="model", ax=ax,
                                  observed_t_h=[1.0], observed_concentration=[2.1])  # fmt: skip
    assert out is ax
    line, markers = ax.lines
    assert np.allclose(line.get_ydata(), [4.0, 2.0, 1.0])
    assert np.allclose(markers.get_xydata(), [[1.0, 2.1]])
    assert markers.get_color() == line.get_color()
    assert ax.get_yscale() == "log"
    plt.close("all")


def test_bad_input():
    """Zero on a log axis or mismatched shapes: ValueError."""
    with pytest.raises(ValueError, match="log axis"):
        plot_concentration_time([0, 1], [1.0, 0.0])
    with pytest.raises(ValueError, match="same shape"):
        plot_concentration_time([0, 1], [1.0, 2.0, 3.0])
    plt.close("all")
