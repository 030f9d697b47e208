"""resistlab.binding: competitive inhibition, fold-resistance, resistance calls; the IC50 data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import binding, datasets
from resistlab.binding import (
    apparent_ki,
    classify_resistance,
    fold_resistance,
    fold_resistance_table,
    fraction_inhibited,
    ic50_fold_shift,
    occupancy_loss,
    resistance_matrix,
)

positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
nonneg = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


# --- competitive binding: analytic limits -------------------------------------------------


def test_no_inhibitor_gives_no_inhibition():
    """I = 0 -> fraction inhibited is exactly 0, whatever the ATP competition."""
    assert fraction_inhibited(0.0, ki_nM=3.0, atp_uM=2000.0, km_atp_uM=10.0) == 0.0


def test_saturating_inhibitor_approaches_one():
    """I -> infinity -> fraction inhibited -> 1."""
    f = fraction_inhibited(1e12, ki_nM=3.0, atp_uM=2000.0, km_atp_uM=10.0)
    assert f == pytest.approx(1.0, abs=1e-6)


def test_without_atp_reduces_to_simple_binding():
    """[ATP] = 0 -> f = I / (I + Ki) (no competition)."""
    inhibitor = np.array([0.5, 2.0, 8.0])
    f = fraction_inhibited(inhibitor, ki_nM=2.0, atp_uM=0.0, km_atp_uM=50.0)
    np.testing.assert_allclose(f, inhibitor / (inhibitor + 2.0))


def test_half_occupancy_at_apparent_ki():
    """At I = Ki(1 + ATP/Km) exactly half of the kinase is inhibited (Cheng-Prusoff)."""
    ki_app = apparent_ki(1.5, atp_uM=1000.0, km_atp_uM=40.0)
    assert ki_app == pytest.approx(1.5 * 26.0)
    f = fraction_inhibited(ki_app, ki_nM=1.5, atp_uM=1000.0, km_atp_uM=40.0)
    assert f == pytest.approx(0.5)


def test_hand_computed_value():
    """I=20 nM, Ki=2 nM, ATP=1000 uM, Km=100 uM: Ki_app = 22 nM, f = 20/42."""
    f = fraction_inhibited(20.0, ki_nM=2.0, atp_uM=1000.0, km_atp_uM=100.0)
    assert f == pytest.approx(20.0 / 42.0, rel=1e-12)


def test_occupancy_falls_when_km_atp_falls():
    """T790M-like change: lowering Km,ATP (tighter ATP binding) at fixed I lowers occupancy."""
    kms = np.array([500.0, 100.0, 20.0, 5.0, 1.0])
    f = fraction_inhibited(50.0, ki_nM=1.0, atp_uM=1000.0, km_atp_uM=kms)
    assert np.all(np.diff(f) < 0)


def test_occupancy_loss_hand_value_and_sign():
    """Km,ATP 100 -> 5 uM at 1 mM ATP, 50 nM drug, Ki 1 nM: loss = 50/61 - 50/251."""
    loss = occupancy_loss(50.0, ki_nM=1.0, atp_uM=1000.0, km_atp_uM=100.0, km_atp_mutant_uM=5.0)
    assert loss == pytest.approx(50 / 61 - 50 / 251, rel=1e-12)
    gain = occupancy_loss(50.0, ki_nM=1.0, atp_uM=1000.0, km_atp_uM=5.0, km_atp_mutant_uM=100.0)
    assert gain == pytest.approx(-loss)


def test_occupancy_loss_zero_without_change_and_without_atp():
    """No parameter changed -> no loss; with no ATP, an ATP-affinity change costs nothing."""
    assert occupancy_loss(10.0, ki_nM=1.0, atp_uM=1000.0, km_atp_uM=50.0) == 0.0
    loss = occupancy_loss(10.0, ki_nM=1.0, atp_uM=0.0, km_atp_uM=50.0, km_atp_mutant_uM=2.0)
    assert loss == pytest.approx(0.0, abs=1e-15)


def test_occupancy_loss_from_ki_change():
    """A 4-fold Ki increase without ATP: f goes from I/(I+Ki) to I/(I+4Ki)."""
    loss = occupancy_loss(1.0, ki_nM=1.0, atp_uM=0.0, km_atp_uM=1.0, ki_mutant_nM=4.0)
    assert loss == pytest.approx(0.5 - 0.2)


def test_ic50_fold_shift_limits():
    """Fold shift: Ki ratio without ATP; -> Km ratio when ATP >> Km (pure ATP-affinity change)."""
    assert ic50_fold_shift(ki_nM=1.0, km_atp_uM=10.0, atp_uM=0.0, ki_mutant_nM=7.0) == 7.0
    shift = ic50_fold_shift(ki_nM=1.0, km_atp_uM=100.0, atp_uM=1e9, km_atp_mutant_uM=5.0)
    assert shift == pytest.approx(20.0, rel=1e-6)


def test_arrays_broadcast():
    """Scalar and array inputs broadcast; 0-d results are Python floats."""
    f = fraction_inhibited([[1.0], [10.0]], ki_nM=[1.0, 2.0], atp_uM=0.0, km_atp_uM=1.0)
    assert f.shape == (2, 2)
    assert isinstance(fraction_inhibited(1.0, 1.0, 0.0, 1.0), float)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(inhibitor=nonneg, ki=positive, atp=nonneg, km=positive)
def test_fraction_in_unit_interval(inhibitor, ki, atp, km):
    """0 <= f < 1 for every valid input."""
    f = fraction_inhibited(inhibitor, ki, atp, km)
    assert 0.0 <= f <= 1.0


@settings(derandomize=True, max_examples=60, deadline=None)
@given(inhibitor=positive, factor=st.floats(1.01, 100.0), ki=positive, atp=nonneg, km=positive)
def test_fraction_monotone(inhibitor, factor, ki, atp, km):
    """More drug never inhibits less; more ATP or a larger Ki never inhibits more."""
    f = fraction_inhibited(inhibitor, ki, atp, km)
    assert fraction_inhibited(inhibitor * factor, ki, atp, km) >= f
    assert fraction_inhibited(inhibitor, ki * factor, atp, km) <= f
    assert fraction_inhibited(inhibitor, ki, atp * factor + 1.0, km) <= f
    assert fraction_inhibited(inhibitor, ki, atp, km / factor) <= f


@settings(derandomize=True, max_examples=60, deadline=None)
@given(ki=positive, km=positive, km_mut=positive, atp=nonneg)
def test_fold_shift_matches_occupancy_direction(ki, km, km_mut, atp):
    """A fold shift > 1 means the mutant is less occupied at any drug level, and vice versa."""
    shift = ic50_fold_shift(ki_nM=ki, km_atp_uM=km, atp_uM=atp, km_atp_mutant_uM=km_mut)
    loss = occupancy_loss(ki, ki_nM=ki, atp_uM=atp, km_atp_uM=km, km_atp_mutant_uM=km_mut)
    if shift > 1 + 1e-9:
        assert loss > 0
    elif shift < 1 - 1e-9:
        assert loss < 0


# --- fold-resistance ----------------------------------------------------------------------


def test_fold_resistance_values():
    """IC50 ratio: T315I vs wild type for imatinib, 9221 / 527."""
    assert fold_resistance(9221.0, 527.0) == pytest.approx(17.4972, rel=1e-4)
    np.testing.assert_allclose(fold_resistance([2.1, 6.3, 21.0], 2.1), [1.0, 3.0, 10.0])


def _toy_table():
    return pd.DataFrame(
        {
            "mutant": ["wild type", "A", "B", "wild type", "A", "B"],
            "drug": ["d1"] * 3 + ["d2"] * 3,
            "ic50_nM": [10.0, 40.0, 100.0, 100.0, 50.0, 100.0],
            "qualifier": ["=", "=", ">=", ">=", "=", ">="],
        }
    )


def test_fold_resistance_table_propagates_censoring():
    """Censored mutant -> lower bound; censored reference -> upper bound; both -> unknown."""
    out = fold_resistance_table(_toy_table())
    assert out["fold_qualifier"].tolist() == ["=", "=", ">=", "unknown", "<=", "unknown"]
    np.testing.assert_allclose(out["fold_resistance"].iloc[:3], [1.0, 4.0, 10.0])
    assert out["fold_resistance"].iloc[4] == pytest.approx(0.5)
    assert math.isnan(out["fold_resistance"].iloc[3]) and math.isnan(
        out["fold_resistance"].iloc[5]
    )
    assert list(out.columns[:4]) == ["mutant", "drug", "ic50_nM", "qualifier"]


def test_fold_resistance_table_on_shipped_data():
    """On the shipped table: wild type is 1 for every drug; T315I imatinib 17.5-fold; T315M >=."""
    out = fold_resistance_table(datasets.load("bcr_abl_ic50")).set_index(["mutant", "drug"])
    assert (out.loc["wild type", "fold_resistance"] == 1.0).all()
    assert out.loc[("T315I", "imatinib"), "fold_resistance"] == pytest.approx(9221 / 527)
    assert out.loc[("T315I", "ponatinib"), "fold_resistance"] == pytest.approx(3.0)
    assert out.loc[("T315M", "dasatinib"), "fold_qualifier"] == ">="
    assert out.loc[("T315M", "dasatinib"), "fold_resistance"] == pytest.approx(768 / 1.8)


# --- classification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ic50", "level", "expected"),
    [
        (10.0, 20.0, "sensitive"),  # ratio 0.5: on the sensitive cut-off (inclusive)
        (10.01, 20.0, "intermediate"),  # just above it
        (20.0, 20.0, "intermediate"),  # ratio 1: on the resistant cut-off (not resistant)
        (20.01, 20.0, "resistant"),  # just above it
        (0.001, 1e4, "sensitive"),
        (1e6, 1.0, "resistant"),
    ],
)
def test_classification_cut_offs(ic50, level, expected):
    """Edges: r <= 0.5 sensitive, 0.5 < r <= 1 intermediate, r > 1 resistant."""
    assert classify_resistance(ic50, level) == expected


def test_classification_of_censored_values():
    """A '>=' value is resistant only when its lower bound exceeds the cut-off."""
    assert classify_resistance(10240.0, 2000.0, censored=True) == "resistant"
    assert classify_resistance(768.0, 768.0, censored=True) == "indeterminate"
    assert classify_resistance(1.0, 100.0, censored=True) == "indeterminate"


def test_classification_custom_cut_offs_and_arrays():
    """Custom cut-offs apply; arrays give arrays of labels with the input's shape."""
    labels = classify_resistance([1.0, 3.0, 6.0], 4.0, sensitive_ratio=0.25, resistant_ratio=1.25)
    assert labels.tolist() == ["sensitive", "intermediate", "resistant"]
    grid = classify_resistance(np.full((2, 3), 1.0), 10.0, censored=np.zeros((2, 3), bool))
    assert grid.shape == (2, 3)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(ic50=positive, level=positive, factor=st.floats(1.0, 1e3))
def test_classification_monotone(ic50, level, factor):
    """A larger IC50 (or a lower level) never gives a more favourable call."""
    order = {"sensitive": 0, "intermediate": 1, "resistant": 2}
    base = order[classify_resistance(ic50, level)]
    assert order[classify_resistance(ic50 * factor, level)] >= base
    assert order[classify_resistance(ic50, level / factor)] >= base


def test_resistance_matrix_on_shipped_data():
    """Teaching levels: wild type sensitive to all; T315I only to ponatinib; T315M to none."""
    m = resistance_matrix(datasets.load("bcr_abl_ic50"), binding.TEACHING_DRUG_LEVELS_nM)
    assert m.drugs == ("imatinib", "dasatinib", "ponatinib")
    assert len(m.mutants) == 11 and m.mutants[0] == "wild type"
    rows = dict(zip(m.mutants, m.labels.tolist(), strict=True))
    assert rows["wild type"] == ["sensitive"] * 3
    assert rows["T315I"] == ["resistant", "resistant", "sensitive"]
    assert rows["T315M"] == ["resistant"] * 3
    assert rows["Y253H/E255V"] == ["resistant", "intermediate", "resistant"]
    assert m.count("sensitive").tolist() == [1, 5, 4]
    assert m.censored.sum() == 9
    assert m.ratio[0, 0] == pytest.approx(527 / 2000)


def test_resistance_matrix_missing_cells_and_column_order():
    """A drug missing for a mutant leaves NaN and an empty label; drugs= sets the order."""
    t = pd.DataFrame(
        {
            "mutant": ["wt", "wt", "m"],
            "drug": ["a", "b", "a"],
            "ic50_nM": [1.0, 2.0, 3.0],
            "qualifier": ["=", "=", "="],
        }
    )
    m = resistance_matrix(t, {"a": 10.0, "b": 10.0}, drugs=["b", "a"])
    assert m.drugs == ("b", "a")
    assert math.isnan(m.ic50_nM[1, 0]) and m.labels[1, 0] == ""
    assert m.labels[1, 1] == "sensitive"


# --- error paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: fraction_inhibited(-1.0, 1.0, 0.0, 1.0), r"inhibitor_nM must be >= 0 nM"),
        (lambda: fraction_inhibited(1.0, 0.0, 0.0, 1.0), r"ki_nM must be > 0 nM"),
        (lambda: fraction_inhibited(1.0, 1.0, -5.0, 1.0), r"atp_uM must be >= 0 uM"),
        (lambda: fraction_inhibited(1.0, 1.0, 1.0, 0.0), r"km_atp_uM must be > 0 uM"),
        (lambda: fraction_inhibited(np.nan, 1.0, 1.0, 1.0), r"inhibitor_nM must be finite"),
        (lambda: fraction_inhibited([1.0, 2.0], [1.0, 2.0, 3.0], 0.0, 1.0), r"broadcast"),
        (lambda: apparent_ki([1.0, 2.0], [1.0, 2.0, 3.0], 1.0), r"ki_nM and atp_uM and km_atp"),
        (
            lambda: occupancy_loss(1.0, ki_nM=1.0, atp_uM=1.0, km_atp_uM=1.0, km_atp_mutant_uM=0),
            r"km_atp_mutant_uM must be > 0",
        ),
        (
            lambda: occupancy_loss(1.0, ki_nM=1.0, atp_uM=1.0, km_atp_uM=1.0, ki_mutant_nM=-2),
            r"ki_mutant_nM must be > 0",
        ),
        (
            lambda: ic50_fold_shift(ki_nM=1.0, km_atp_uM=1.0, atp_uM=1.0, ki_mutant_nM=0.0),
            r"ki_mutant_nM must be > 0",
        ),
        (lambda: fold_resistance(0.0, 1.0), r"ic50_mutant_nM must be > 0 nM"),
        (lambda: fold_resistance(1.0, -1.0), r"ic50_reference_nM must be > 0 nM"),
        (lambda: fold_resistance([1.0, 2.0], [1.0, 2.0, 3.0]), r"broadcast"),
        (lambda: classify_resistance(1.0, 0.0), r"achievable_nM must be > 0 nM"),
        (lambda: classify_resistance(0.0, 1.0), r"ic50_nM must be > 0 nM"),
        (
            lambda: classify_resistance(1.0, 1.0, sensitive_ratio=2.0, resistant_ratio=1.0),
            r"sensitive_ratio must be smaller than resistant_ratio",
        ),
        (lambda: classify_resistance(1.0, 1.0, sensitive_ratio=0.0), r"sensitive_ratio must be >"),
        (lambda: classify_resistance(1.0, 1.0, censored=[1, 0]), r"censored must be True/False"),
        (lambda: classify_resistance(1.0, 1.0, censored=">="), r"censored must be True/False"),
    ],
)
def test_bad_numbers_are_explained(call, match):
    """Out-of-range, non-finite or mis-shaped inputs raise ValueError/TypeError saying why."""
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@pytest.mark.parametrize(
    ("table", "match", "error"),
    [
        ([1, 2, 3], r"table must be a pandas DataFrame", TypeError),
        (pd.DataFrame({"mutant": ["a"], "drug": ["d"]}), r"missing the column", ValueError),
        (pd.DataFrame(columns=["mutant", "drug", "ic50_nM", "qualifier"]), r"no rows", ValueError),
        (
            pd.DataFrame({"mutant": ["a"], "drug": ["d"], "ic50_nM": [1.0], "qualifier": [">"]}),
            r"qualifier'\] must be '=' .* or '>='",
            ValueError,
        ),
        (
            pd.DataFrame({"mutant": ["a"], "drug": ["d"], "ic50_nM": [-1.0], "qualifier": ["="]}),
            r"ic50_nM'\] must be > 0 nM",
            ValueError,
        ),
        (
            pd.DataFrame(
                {
                    "mutant": ["a", "a"],
                    "drug": ["d", "d"],
                    "ic50_nM": [1.0, 2.0],
                    "qualifier": ["=", "="],
                }
            ),
            r"more than one row for mutant 'a' and drug 'd'",
            ValueError,
        ),
    ],
)
def test_bad_tables_are_explained(table, match, error):
    """Malformed IC50 tables are rejected with a message naming the problem."""
    with pytest.raises(error, match=match):
        fold_resistance_table(table)
    with pytest.raises(error, match=match):
        resistance_matrix(table, {"d": 1.0})


def test_table_errors_on_reference_and_levels():
    """Unknown reference, reference without a drug, unknown drug, missing or bad levels."""
    t = _toy_table()
    with pytest.raises(ValueError, match=r"reference mutant 'WT' is not in the table"):
        fold_resistance_table(t, reference="WT")
    no_ref_d2 = t[~((t["mutant"] == "wild type") & (t["drug"] == "d2"))]
    with pytest.raises(ValueError, match=r"has no IC50 for drug\(s\) \['d2'\]"):
        fold_resistance_table(no_ref_d2)
    with pytest.raises(ValueError, match=r"drug\(s\) \['d3'\] are not in the table"):
        resistance_matrix(t, {"d1": 1.0, "d3": 1.0})
    with pytest.raises(ValueError, match=r"levels_nM gives no level for drug\(s\) \['d2'\]"):
        resistance_matrix(t, {"d1": 1.0}, drugs=["d1", "d2"])
    with pytest.raises(TypeError, match=r"levels_nM must be a non-empty mapping"):
        resistance_matrix(t, [("d1", 1.0)])
    with pytest.raises(ValueError, match=r"levels_nM\['d1'\] must be > 0 nM"):
        resistance_matrix(t, {"d1": 0.0})
    m = resistance_matrix(t, {"d1": 1.0})
    with pytest.raises(ValueError, match=r"label must be one of"):
        m.count("fine")


# --- the shipped dataset ------------------------------------------------------------------


@pytest.fixture(scope="module")
def ic50_table():
    return datasets.load("bcr_abl_ic50")


def test_dataset_shape_and_columns(ic50_table):
    """33 rows (11 mutants x 3 drugs), long format, one row per mutant and drug."""
    assert list(ic50_table.columns) == [
        "mutant",
        "drug",
        "ic50_nM",
        "qualifier",
        "assay",
        "citation",
        "source_quality",
    ]
    assert len(ic50_table) == 33
    assert not ic50_table.duplicated(["mutant", "drug"]).any()
    assert set(ic50_table["drug"]) == {"imatinib", "dasatinib", "ponatinib"}


def test_dataset_rows_carry_citation_and_quality(ic50_table):
    """Rows with a named paper are secondary; the four rows without one are unattributed."""
    assert ic50_table["citation"].str.len().min() > 20
    assert set(ic50_table["source_quality"]) == {"secondary", "unattributed"}
    assert ic50_table["citation"].str.contains("Redaelli|Zabriskie").all()
    unattributed = ic50_table.loc[ic50_table["source_quality"] == "unattributed", "mutant"]
    assert set(unattributed) == {"Y253H", "G250E/T315I", "Y253H/T315I", "E255V/T315I"}
    assert len(unattributed) == 12
    citations = ic50_table.loc[ic50_table["source_quality"] == "unattributed", "citation"]
    assert citations.str.startswith("Unattributed").all()


def test_dataset_censored_rows_are_flagged(ic50_table):
    """Top-concentration values carry '>=' and every '>=' is a top concentration; 9 in all."""
    cens = ic50_table[ic50_table["qualifier"] == ">="]
    assert len(cens) == 9
    assert set(cens["ic50_nM"]) == {10240.0, 768.0}
    tops = ic50_table[ic50_table["ic50_nM"].isin([10240.0, 768.0])]
    assert (tops["qualifier"] == ">=").all()
    assert set(ic50_table["qualifier"]) == {"=", ">="}


def test_dataset_transcribed_values(ic50_table):
    """Spot checks against the transcription: wild type and T315I, all three drugs."""
    v = ic50_table.set_index(["mutant", "drug"])["ic50_nM"]
    assert v[("wild type", "imatinib")] == 527.0
    assert v[("wild type", "dasatinib")] == 1.8
    assert v[("wild type", "ponatinib")] == 2.1
    assert v[("T315I", "dasatinib")] == 137.3
    assert v[("E255V/T315I", "ponatinib")] == 659.5


def test_datasheet_documents_source_and_censoring():
    """The datasheet has the required sections and explains the secondary source and '>='."""
    sheet = datasets.datasheet("bcr_abl_ic50")
    for section in (
        "## Source quality",
        "## Citation(s)",
        "## Columns",
        "## How it was made",
        "## Verification",
    ):
        assert section in sheet
    assert "secondary" in sheet and ">=" in sheet and "Not checked" in sheet
