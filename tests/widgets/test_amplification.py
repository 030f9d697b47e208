"""Tests for resistlab.widgets.amplification: the bypass explorer and its state."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import time

import numpy as np
import pytest

from resistlab.signalling import BypassParameters, bypass_output
from resistlab.widgets import amplification as wa
from resistlab.widgets._base import Explorer


def test_state_at_two_copies_egfr_inhibitor_alone_controls():
    s = wa.bypass_signalling_state(1000.0, 0.0, 2)
    assert s["egfr_alone_suffices"] and s["controlled"]
    assert s["min_met_inhibitor_nM"] == 0.0
    assert s["egfr_alone_floor"] == pytest.approx(0.06)


def test_state_at_ten_copies_needs_the_met_inhibitor():
    alone = wa.bypass_signalling_state(1000.0, 0.0, 10)
    assert not alone["controlled"] and not alone["egfr_alone_suffices"]
    assert alone["egfr_alone_floor"] == pytest.approx(0.22)
    assert alone["max_met_copies_for_egfr_alone"] == pytest.approx(4.0)
    # The MET dose the state says is needed does bring the output to the threshold.
    needed = alone["min_met_inhibitor_nM"]
    assert bypass_output(1000.0, needed, 10) == pytest.approx(0.1)
    assert wa.bypass_signalling_state(1000.0, needed * 1.05, 10)["controlled"]


def test_state_numbers_agree_with_the_model():
    s = wa.bypass_signalling_state(30.0, 3.0, 12, n_points=25)
    assert s["output"] == pytest.approx(bypass_output(30.0, 3.0, 12))
    assert s["output"] == pytest.approx(s["basal_output"] + s["egfr_branch"] + s["met_branch"])
    np.testing.assert_allclose(s["output_egfr_alone"], bypass_output(s["egfr_doses_nM"], 0.0, 12))
    np.testing.assert_allclose(s["output_combination"], bypass_output(s["egfr_doses_nM"], 3.0, 12))
    assert s["egfr_doses_nM"].shape == (25,)
    # The combination curve never lies above the EGFR-alone curve.
    assert (s["output_combination"] <= s["output_egfr_alone"]).all()


def test_state_uses_custom_parameters_and_threshold():
    params = BypassParameters(met_drive_per_copy=0.0)
    s = wa.bypass_signalling_state(1000.0, 0.0, 20, threshold=0.2, params=params)
    assert s["egfr_alone_suffices"] and s["controlled"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"egfr_inhibitor_nM": -1.0}, "egfr_inhibitor_nM must be >= 0"),
        ({"met_copy_number": -1.0}, "met_copy_number must be >= 0"),
        ({"threshold": 0.0}, "threshold must be > 0"),
        ({"n_points": 1}, "n_points must be >= 2"),
    ],
)
def test_state_rejects_bad_input(kwargs, match):
    args = {"egfr_inhibitor_nM": 10.0, "met_inhibitor_nM": 1.0, "met_copy_number": 5.0} | kwargs
    with pytest.raises(ValueError, match=match):
        wa.bypass_signalling_state(**args)


def test_explorer_has_the_three_controls_and_redraws():
    explorer = wa.explore_bypass_signalling()
    assert isinstance(explorer, Explorer)
    assert sorted(explorer.controls) == [
        "egfr_inhibitor_nM",
        "met_copy_number",
        "met_inhibitor_nM",
    ]
    before = bytes(explorer.image.value)
    assert before.startswith(b"\x89PNG")
    explorer.controls["met_copy_number"].value = 3.0
    assert bytes(explorer.image.value) != before
    (ax,) = explorer.figure.axes
    title = ax.get_title(loc="left")
    assert "controlled" in title and "MET inhibitor needed at this EGFR dose" in title
    # 3 copies with 300 nM EGFR inhibitor: 0.02 + 1/31 + 0.06 * 5/6 = 0.102, just above 0.1.
    assert "NOT controlled" in title


def test_explorer_rejects_a_non_positive_threshold():
    with pytest.raises(ValueError, match="threshold must be > 0"):
        wa.explore_bypass_signalling(threshold=-0.1)


def test_explorer_title_reports_unreachable_and_none():
    explorer = wa.explore_bypass_signalling(egfr_inhibitor_nM=0.1, met_copy_number=10)
    assert "unreachable" in explorer.figure.axes[0].get_title(loc="left")
    explorer.controls["met_copy_number"].value = 2.0
    explorer.controls["egfr_inhibitor_nM"].value = 10000.0
    title = explorer.figure.axes[0].get_title(loc="left")
    assert "none (the EGFR inhibitor alone is enough)" in title
    assert ": controlled" in title


def test_title_splits_the_output_into_its_parts():
    state = wa.bypass_signalling_state(10.0, 5.0, 10)
    first_line = wa._describe(state).splitlines()[0]
    assert first_line == "output 0.620 = basal 0.020 + EGFR 0.500 + MET 0.100: NOT controlled"


def test_state_function_is_cheap():
    """The numbers behind a redraw take well under a millisecond-scale budget (< 10 ms)."""
    start = time.perf_counter()
    for _ in range(20):
        wa.bypass_signalling_state(100.0, 3.0, 10)
    assert (time.perf_counter() - start) / 20 < 0.01


def test_slider_moves_blit_the_same_image_as_a_full_draw(blit_check):
    blit_check(
        wa.explore_bypass_signalling,
        [("egfr_inhibitor_nM", 30.0), ("met_inhibitor_nM", 100.0), ("met_copy_number", 10.5)],
    )
