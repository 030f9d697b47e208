"""Figures are readable by everyone: colour-blind-safe series and alt text.

For every explorer at its defaults, and for the multi-series ``plot_*`` functions, any two
series drawn in the same style (same line style and marker) differ by at least
``MIN_DELTA_E`` (CIE76) under normal vision and simulated protanopia, deuteranopia and
tritanopia (Machado et al. 2009); and each figure has an alt text that names what is plotted.
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import resistlab.widgets as widgets
from resistlab.accessibility import (
    MIN_DELTA_E,
    describe_figure,
    series_colour_distance,
    series_colours,
    simulate_cvd,
)
from resistlab.plotting import plot_apoptosis_response

EXPLORERS = sorted(name for name in widgets.__all__ if name.startswith("explore_"))


def _same_style_violations(fig):
    bad = []
    for series in series_colours(fig):
        for (la, ca, sa), (lb, cb, sb) in itertools.combinations(series, 2):
            if sa != sb:
                continue  # told apart by line style or marker
            for kind, (d, _, _) in series_colour_distance([ca, cb]).items():
                if d < MIN_DELTA_E:
                    bad.append(f"{la!r} {ca} vs {lb!r} {cb} under {kind}: ΔE {d:.1f}")
    return bad


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_series_are_colour_blind_safe_and_described(name):
    """Series colours stay apart under every simulated deficiency; the image has alt text."""
    explorer = getattr(widgets, name)()
    bad = _same_style_violations(explorer.figure)
    assert not bad, f"{name}: " + "; ".join(bad)
    alt = explorer.image.tooltip
    assert alt and alt.startswith("Figure.") and len(alt) > 30, alt
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == alt and bundle["image/png"], "no static preview"


def test_apoptosis_curves_are_colour_blind_safe():
    """Five p53 activities: five colours, all apart under every deficiency."""
    ax = plot_apoptosis_response(p53_activities=[1.0, 0.75, 0.5, 0.25, 0.0])
    assert len(series_colours(ax.figure)[0]) == 5
    bad = _same_style_violations(ax.figure)
    assert not bad, "; ".join(bad)
    assert "against DNA damage" in describe_figure(ax.figure)


def test_simulation_keeps_greys_and_confuses_red_with_green():
    """The matrices map white and grey to themselves and make red and green alike for a
    deuteranope and a protanope (the check would pass everything if they did nothing)."""
    for kind in ("protanopia", "deuteranopia", "tritanopia"):
        grey = simulate_cvd([[0.5, 0.5, 0.5], [1, 1, 1]], kind)
        np.testing.assert_allclose(grey, [[0.5] * 3, [1.0] * 3], atol=0.01, err_msg=kind)
    d = {k: v[0] for k, v in series_colour_distance(["#d62728", "#2ca02c"]).items()}
    assert d["deuteranopia"] < 20 < 60 < d["normal"], d
    assert d["protanopia"] < d["normal"] / 2, d
    with pytest.raises(ValueError, match="kind must be"):
        simulate_cvd([1, 0, 0], "achromatopsia")
