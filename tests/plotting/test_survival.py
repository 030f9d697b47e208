"""resistlab.plotting.survival: the Kaplan–Meier plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.plotting import plot_kaplan_meier


def test_step_curve_censor_ticks_and_median():
    """The step follows the KM table, censored times get ticks, the median a drop line."""
    _fig, ax = plt.subplots()
    out = plot_kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0], label="arm", color="#D55E00", ax=ax)
    assert out is ax
    step, ticks, median, _half = ax.lines
    np.testing.assert_allclose(step.get_ydata(), [1, 0.8, 0.6, 0.3, 0.3])
    np.testing.assert_allclose(ticks.get_xdata(), [3, 8])
    np.testing.assert_allclose(ticks.get_ydata(), [0.6, 0.3])
    np.testing.assert_allclose(median.get_xdata(), [5, 5])
    plt.close("all")


def test_bad_input():
    """Mismatched shapes are refused with a clear message."""
    with pytest.raises(ValueError, match="same shape"):
        plot_kaplan_meier([1, 2, 3], [1, 0])
