"""resistlab.plotting.precision: recommendation text blocks and the calibration curve."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.figure import Figure

from resistlab.plotting import format_recommendation, plot_calibration, plot_recommendation
from resistlab.precision import recommend


def _ax():
    return Figure().add_subplot()


def test_blocks_follow_the_recommendations_and_colour_by_source():
    """One header per recommendation, coloured by source quality; unused blocks are empty."""
    recs = recommend(["EGFR exon 19 deletion", "EGFR T790M", "EGFR C797S in trans", "KRAS G12C"])
    ax = plot_recommendation(recs, title="profile", max_blocks=4, ax=_ax())
    texts = ax.texts
    assert len(texts) == 1 + 2 * 4
    assert texts[0].get_text() == "profile"
    assert (
        texts[1].get_text().startswith("EGFR exon 19 deletion + EGFR T790M + EGFR C797S in trans")
    )
    assert matplotlib.colors.to_hex(texts[1].get_color()) == "#b35900"  # secondary
    assert "no rule" in texts[3].get_text()
    assert matplotlib.colors.to_hex(texts[3].get_color()) == "#7f7f7f"
    assert texts[5].get_text() == "" and texts[6].get_text() == ""


def test_overflow_is_reported_not_dropped():
    """More recommendations than blocks: the last body says how many are not shown."""
    recs = recommend(["EGFR L858R", "BCR-ABL1 T315I", "BRCA1 loss", "KRAS G12C"])
    ax = plot_recommendation(recs, max_blocks=2, ax=_ax())
    assert "(+ 2 more recommendations not shown)" in ax.texts[4].get_text()


def test_body_names_mechanism_evidence_and_assignment():
    """The body of a rule's block has its mechanism, evidence, assignment and source."""
    header, body = format_recommendation(recommend(["BRCA1 loss"])[0])
    assert header == "BRCA1 loss -> a PARP inhibitor (olaparib)"
    lines = body.splitlines()
    assert lines[0].startswith("mechanism: homologous-recombination deficiency")
    assert lines[1].startswith("evidence: ")
    assert lines[2] == "taught in 07-dna-repair · source: primary"


def test_calibration_plot_has_the_diagonal_and_the_curve():
    """The diagonal and the curve are drawn; markers scale with patients per bin."""
    ax = plot_calibration([0.1, 0.5], [0.2, 0.4], n_patients=[5, 50], label="fit", ax=_ax())
    diagonal, curve = ax.lines
    assert list(diagonal.get_xdata()) == [0, 1] and list(curve.get_ydata()) == [0.2, 0.4]
    sizes = ax.collections[0].get_sizes()
    assert sizes[1] > sizes[0]


def test_calibration_plot_rejects_bad_input():
    """Probabilities outside [0, 1] or mismatched lengths raise ValueError."""
    with pytest.raises(ValueError, match="observed_fraction"):
        plot_calibration([0.1, 0.5], [0.2, 1.4], ax=_ax())
    with pytest.raises(ValueError, match="shape"):
        plot_calibration([0.1, 0.5], [0.2], ax=_ax())
