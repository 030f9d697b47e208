"""resistlab.widgets.dose_response: the Hill explorer and its pure state function."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from resistlab.pharmacology import hill
from resistlab.widgets import explore_hill, hill_explorer_state
from resistlab.widgets._base import Explorer


def test_state_on_exact_data_has_zero_error():
    """Data lying on the curve give zero residuals; the curve spans the doses 3-fold wider."""
    dose = np.array([0.0, 0.01, 0.1, 1.0, 10.0])
    state = hill_explorer_state(dose, hill(dose, 1.0, 0.2, 0.5, 1.3), 1.0, 0.2, 0.5, 1.3)
    assert state["sse"] == pytest.approx(0.0, abs=1e-24) and state["rmse"] < 1e-12
    assert state["curve_dose"][0] == pytest.approx(0.01 / 3)
    assert state["curve_dose"][-1] == pytest.approx(30.0)
    np.testing.assert_allclose(
        state["curve_response"], hill(state["curve_dose"], 1.0, 0.2, 0.5, 1.3)
    )
    assert state["midpoint"] == pytest.approx(0.6)


def test_state_reports_fit_error_and_absolute_ic50():
    """Residuals are data − curve; the absolute IC50 is where the curve hits 0.5·e0."""
    state = hill_explorer_state([1.0, 2.0], [0.6, 0.2], 1.0, 0.0, 1.0, 1.0)
    np.testing.assert_allclose(state["residuals"], [0.1, 0.2 - 1 / 3])
    assert state["sse"] == pytest.approx(0.01 + (1 / 3 - 0.2) ** 2)
    assert state["ic50_absolute"] == pytest.approx(1.0)
    assert hill_explorer_state([1.0], [0.9], 1.0, 0.8, 1.0, 1.0)["ic50_absolute"] == math.inf
    assert math.isnan(hill_explorer_state([1.0], [0.9], -1.0, -2.0, 1.0, 1.0)["ic50_absolute"])


def test_state_errors():
    """No positive dose, mismatched shapes or a bad parameter raise ValueError."""
    with pytest.raises(ValueError, match=r"at least one positive dose"):
        hill_explorer_state([0.0, 0.0], [1.0, 1.0], 1.0, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"same shape"):
        hill_explorer_state([1.0, 2.0], [1.0], 1.0, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"ec50 must be > 0"):
        hill_explorer_state([1.0], [1.0], 1.0, 0.0, 0.0, 1.0)


def test_explorer_builds_over_the_course_data_and_follows_sliders():
    """Default explorer: both lines, five controls; moving EC50 redraws title and image."""
    explorer = explore_hill()
    assert isinstance(explorer, Explorer)
    assert set(explorer.controls) == {"cell_line", "e0", "emax", "ec50", "h"}
    assert list(explorer.controls["cell_line"].options) == ["parental", "resistant"]
    before = bytes(explorer.image.value)
    assert before.startswith(b"\x89PNG")
    explorer.controls["ec50"].value = 1.0
    title = explorer.figure.axes[0].get_title()
    assert "EC50 1 µM" in title and title.startswith("parental")
    assert bytes(explorer.image.value) != before
    explorer.controls["cell_line"].value = "resistant"
    assert explorer.figure.axes[0].get_title().startswith("resistant")
    # 30 wells at 72 h per line, minus the 3 untreated ones that a log axis cannot show
    assert len(explorer.figure.axes[0].collections[0].get_offsets()) == 27


def test_explorer_accepts_own_data_and_rejects_bad_tables():
    """A table with the three columns works; a table without them raises ValueError."""
    table = pd.DataFrame(
        {"cell_line": ["x"] * 3, "dose_uM": [0.1, 1.0, 10.0], "viability": [0.9, 0.5, 0.1]}
    )
    explorer = explore_hill(table)
    assert list(explorer.controls["cell_line"].options) == ["x"]
    with pytest.raises(ValueError, match=r"missing \['viability'\]"):
        explore_hill(table.drop(columns="viability"))


def test_slider_moves_blit_the_same_image_as_a_full_draw(blit_check):
    blit_check(
        explore_hill,
        [("ec50", 1.0), ("h", 2.5), ("e0", 1.2), ("emax", 0.4), ("cell_line", "resistant")],
    )
