"""resistlab.plotting.dose_response: viability and GR figures, drawn headless."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure

from resistlab.pharmacology import GRFit, HillFit, fit_hill, hill
from resistlab.plotting import plot_dose_response, plot_gr_curve

DOSE = np.array([0.0, 0.0, 0.01, 0.1, 1.0, 10.0, 100.0])
RESPONSE = hill(DOSE, 1.0, 0.1, 1.0, 1.0)


def test_plot_dose_response_draws_on_given_axes():
    """Points (dose 0 left out), the fitted curve and the IC50 mark land on the given axes."""
    ax = Figure().add_subplot()
    fit = fit_hill(DOSE, RESPONSE)
    out = plot_dose_response(DOSE, RESPONSE, fit, ax=ax, label="A", mark_ic50="absolute")
    assert out is ax
    assert ax.get_xscale() == "log"
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == 5 and np.all(offsets[:, 0] > 0)
    curve, ic50_line = ax.lines
    np.testing.assert_allclose(curve.get_ydata(), fit.predict(curve.get_xdata()))
    assert ic50_line.get_xdata()[0] == pytest.approx(fit.ic50("absolute"))
    assert "EC50" in ax.get_legend().get_texts()[1].get_text()


def test_plot_dose_response_without_axes_makes_a_figure():
    """Without ax it returns axes of a new figure; a ready-made curve is drawn as given."""
    ax = plot_dose_response(DOSE, RESPONSE, curve=([0.1, 1.0], [0.9, 0.5]))
    assert ax.figure is not None
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.9, 0.5])
    assert ax.get_legend() is None


def test_plot_dose_response_skips_infinite_ic50():
    """An absolute IC50 that is never reached draws no vertical line."""
    fit = HillFit(1.0, 0.7, 1.0, 1.0, n=7, residual_se=0.0, dose_min=0.01, dose_max=100.0)
    ax = plot_dose_response(DOSE, RESPONSE, fit, mark_ic50="absolute")
    assert len(ax.lines) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mark_ic50": "median"}, r"mark_ic50 must be one of"),
        ({"mark_ic50": "relative", "fit": None}, r"mark_ic50 needs a fit"),
    ],
)
def test_plot_dose_response_errors(kwargs, match):
    """Bad marking requests raise ValueError."""
    fit = fit_hill(DOSE, RESPONSE)
    with pytest.raises(ValueError, match=match):
        plot_dose_response(DOSE, RESPONSE, **({"fit": fit} | kwargs))


def test_plot_dose_response_shape_mismatch():
    """Dose and response of different lengths are rejected."""
    with pytest.raises(ValueError, match=r"same shape"):
        plot_dose_response([0.1, 1.0], [1.0, 0.5, 0.2])


def test_plot_gr_curve_reference_lines_and_gr50():
    """GR plot: dotted lines at 0.5 and 0, the fitted curve, and GR50 marked."""
    fit = GRFit(0.2, -0.3, 1.2, n=5, residual_se=0.0, dose_min=0.01, dose_max=100.0)
    dose = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    ax = plot_gr_curve(dose, fit.predict(dose), fit, label="A")
    levels = sorted(line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == ":")
    assert levels == [0.0, 0.5]
    gr50_line = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert gr50_line[0].get_xdata()[0] == pytest.approx(fit.gr50)
    assert ax.get_ylim()[0] < -0.3 and ax.get_ylim()[1] >= 1.0


def test_plot_gr_curve_unreached_gr50():
    """When GR never reaches 0.5 the legend says so and no GR50 line is drawn."""
    fit = GRFit(0.2, 0.7, 1.2, n=5, residual_se=0.0, dose_min=0.01, dose_max=100.0)
    dose = np.array([0.01, 0.1, 1.0, 10.0, 100.0])
    ax = plot_gr_curve(dose, fit.predict(dose), fit)
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    assert "not reached" in ax.get_legend().get_texts()[0].get_text()
