"""resistlab.widgets.precision: the recommendation explorer and its pure state function."""

from __future__ import annotations

import pytest

from resistlab.widgets import explore_recommendation, recommendation_state
from resistlab.widgets._base import Explorer


def test_state_builds_the_profile_and_recommends():
    """The selectors become alteration strings; the recommender's rules come back."""
    s = recommendation_state("EGFR exon 19 deletion", t790m="present", c797s="in cis",
                             ercc1="high", other="ALK fusion")  # fmt: skip
    assert s["profile"] == ["EGFR exon 19 deletion", "EGFR T790M", "EGFR C797S in cis",
                            "ERCC1 high", "ALK fusion"]  # fmt: skip
    ids = [r["rule_id"] for r in s["recommendations"]]
    assert ids == ["egfr_c797s_cis", "ercc1_high", "no rule"]
    assert s["error"] == ""


def test_brca2_reversion_choice_adds_both_alterations():
    """'BRCA2 loss with reversion' is two alterations and fires the reversion rule."""
    s = recommendation_state("none", brca="BRCA2 loss with reversion")
    assert [r["rule_id"] for r in s["recommendations"]] == ["brca2_reversion"]


def test_refused_profile_shows_the_error_and_empty_profile_is_empty():
    """C797S in trans without T790M: the ValueError's message, no recommendation."""
    s = recommendation_state("EGFR L858R", c797s="in trans")
    assert s["recommendations"] == [] and "no 'EGFR T790M'" in s["error"]
    empty = recommendation_state("none")
    assert empty["profile"] == [] and empty["recommendations"] == []


def test_bad_choice_raises():
    """A value that is not one of a selector's options raises ValueError."""
    with pytest.raises(ValueError, match="met must be one of"):
        recommendation_state(met="amplified")


def test_explorer_builds_and_moves():
    """The explorer has one selector per gene and redraws when one changes."""
    explorer = explore_recommendation()
    assert isinstance(explorer, Explorer)
    assert len(explorer.controls) == 10
    before = explorer.image.value
    explorer.controls["met"].value = "present"
    assert explorer.image.value != before
    assert "Teaching tool, not clinical decision support" in explorer.image.tooltip


def test_fast_update_matches_full_redraw(blit_check):
    """Every selector takes the fast path, identical to a full redraw."""
    blit_check(
        explore_recommendation,
        [("met", "present"), ("t790m", "present"), ("c797s", "in trans"),
         ("brca", "BRCA2 loss"), ("other", "KRAS G12C"), ("egfr", "none")],
    )  # fmt: skip
