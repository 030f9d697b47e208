"""resistlab.widgets.target_mutations: the heat-map state, headless, and the explorer."""

from __future__ import annotations

import time

import numpy as np
import pytest

from resistlab import datasets
from resistlab.binding import TEACHING_DRUG_LEVELS_nM
from resistlab.widgets._base import Explorer
from resistlab.widgets.target_mutations import explore_mutant_heatmap, mutant_heatmap_state


def test_state_at_teaching_levels():
    """Counts per call and the mutants no drug covers, at the notebook's teaching levels."""
    state = mutant_heatmap_state(TEACHING_DRUG_LEVELS_nM)
    assert state["counts"]["sensitive"] == {"imatinib": 1, "dasatinib": 5, "ponatinib": 4}
    assert state["counts"]["intermediate"] == {"imatinib": 0, "dasatinib": 1, "ponatinib": 2}
    assert state["counts"]["resistant"] == {"imatinib": 10, "dasatinib": 5, "ponatinib": 5}
    assert state["uncovered"] == (
        "T315M",
        "G250E/T315I",
        "Y253H/E255V",
        "Y253H/T315I",
        "E255V/T315I",
    )
    assert state["matrix"].drugs == ("imatinib", "dasatinib", "ponatinib")


def test_state_responds_to_levels():
    """High levels: every exact IC50 is sensitive, censored ones stay unresolved."""
    state = mutant_heatmap_state({"imatinib": 1e5, "dasatinib": 1e5, "ponatinib": 1e5})
    m = state["matrix"]
    assert np.all(m.labels[~m.censored] == "sensitive")
    assert np.all(m.labels[m.censored] == "indeterminate")
    low = mutant_heatmap_state({"imatinib": 1.0, "dasatinib": 0.1, "ponatinib": 0.1})
    assert low["counts"]["sensitive"] == {"imatinib": 0, "dasatinib": 0, "ponatinib": 0}
    assert len(low["uncovered"]) == 11


def test_state_with_custom_table_and_cut_offs():
    """A custom table and cut-offs are honoured."""
    table = datasets.load("bcr_abl_ic50")
    table = table[table["drug"] == "ponatinib"]
    state = mutant_heatmap_state({"ponatinib": 40.0}, table, sensitive_ratio=0.1)
    # ratios: wild type 0.05 -> sensitive; T315I 0.16 -> intermediate with a 0.1 cut-off
    assert state["counts"]["sensitive"] == {"ponatinib": 1}
    assert state["matrix"].labels.shape == (11, 1)


def test_explorer_builds_and_follows_its_sliders():
    """The explorer is an Explorer; moving a slider redraws and updates the readout."""
    e = explore_mutant_heatmap()
    assert isinstance(e, Explorer)
    assert set(e.controls) == {"imatinib_nM", "dasatinib_nM", "ponatinib_nM"}
    assert e.controls["dasatinib_nM"].value == pytest.approx(25.0)
    png = e.image.value
    assert png[:4] == b"\x89PNG"
    assert "No drug called sensitive for 5 of 11" in e.summary.value
    e.controls["ponatinib_nM"].value = 1000.0
    assert e.image.value != png
    assert "No drug called sensitive for 2 of 11" in e.summary.value
    assert e.summary in e.children


def test_explorer_rejects_wrong_drugs():
    """levels_nM must name exactly the three drugs."""
    with pytest.raises(ValueError, match=r"missing \['ponatinib'\]"):
        explore_mutant_heatmap({"imatinib": 1.0, "dasatinib": 1.0})
    with pytest.raises(ValueError, match=r"unexpected \['nilotinib'\]"):
        explore_mutant_heatmap({**TEACHING_DRUG_LEVELS_nM, "nilotinib": 10.0})


def test_explorer_redraw_is_fast_enough():
    """A redraw stays fast (generous bound for a loaded CI machine; see benchmarks)."""
    e = explore_mutant_heatmap()
    times = []
    for value in np.geomspace(5.0, 500.0, 8):
        start = time.process_time()
        e.controls["ponatinib_nM"].value = float(value)
        times.append(time.process_time() - start)
    assert np.median(times) < 0.5


def test_slider_moves_blit_the_same_image_as_a_full_draw(blit_check):
    blit_check(
        explore_mutant_heatmap,
        [("imatinib_nM", 50.0), ("dasatinib_nM", 1.0), ("ponatinib_nM", 300.0)],
    )
