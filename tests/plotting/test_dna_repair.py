"""resistlab.plotting.dna_repair: survival curves and adduct kinetics."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.dna_repair import fit_lq
from resistlab.plotting import plot_adduct_kinetics, plot_survival_curve


def test_survival_curve_points_fit_and_d50():
    """Points, the fitted curve and the D50 line are drawn on the axes given."""
    _fig, ax = plt.subplots()
    d, sf = [1.0, 2.0, 4.0, 8.0], [0.7, 0.5, 0.2, 0.03]
    fit = fit_lq(d, sf)
    assert plot_survival_curve(d, sf, fit=fit, label="A", ax=ax) is ax
    np.testing.assert_allclose(ax.lines[0].get_ydata(), sf)
    d50_line = ax.lines[2]
    assert d50_line.get_xdata()[0] == pytest.approx(fit.dose_for(0.5))


def test_adduct_kinetics_line():
    """The adduct curve carries the data given."""
    ax = plot_adduct_kinetics([0.0, 1.0, 2.0], [0.0, 4.0, 1.0], exposure_h=1.0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.0, 4.0, 1.0])


def test_bad_input():
    """Non-positive surviving fractions and mismatched shapes are refused."""
    with pytest.raises(ValueError, match="surviving_fraction must be > 0"):
        plot_survival_curve([1, 2], [0.5, 0.0])
    with pytest.raises(ValueError, match="same shape"):
        plot_adduct_kinetics([0, 1], [0.0])
