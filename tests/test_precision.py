"""resistlab.precision: the teaching recommender, its rule table and the resistance model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import precision as P
from resistlab.datasets import load


def _ids(alterations):
    return [rec["rule_id"] for rec in P.recommend(alterations)]


# ---------------------------------------------------------------- the rule table


def test_every_rule_is_cited_and_traced_to_an_assignment():
    """Every rule names a citation, a source quality and an existing course assignment."""
    from pathlib import Path

    rules = P.rule_table()
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    assert rules["rule_id"].is_unique
    assert (rules["citation"].str.len() > 20).all()
    assert set(rules["source_quality"]) <= {"primary", "secondary"}
    for assignment in rules["assignment"]:
        assert (notebooks / assignment).is_dir(), assignment


def test_rule_alterations_are_canonical():
    """Every alteration a rule needs is a canonical name, so some input can fire it."""
    for needed in P.rule_table()["alterations"]:
        for name in needed.split(" + "):
            assert name in P.CANONICAL_ALTERATIONS, name


def test_unverified_rows_are_the_niederst_rows():
    """Only the C797S-configuration rules rest on a paper not read (Niederst 2015)."""
    rules = P.rule_table()
    secondary = rules[rules["source_quality"] == "secondary"]
    assert set(secondary["rule_id"]) == {"egfr_c797s_phase_unknown", "egfr_c797s_trans"}
    assert secondary["citation"].str.contains("Niederst").all()


# ---------------------------------------------------------------- single alterations


@pytest.mark.parametrize(
    ("alteration", "rule_id", "drugs", "assignment"),
    [
        ("EGFR L858R", "egfr_sensitising", ("osimertinib",), "03-target-mutations"),
        ("EGFR exon 19 deletion", "egfr_sensitising", ("osimertinib",), "03-target-mutations"),
        ("BCR-ABL1 T315I", "bcr_abl1_t315i", ("ponatinib",), "03-target-mutations"),
        ("BRCA1 loss", "brca1_loss", ("olaparib",), "07-dna-repair"),
        ("BRCA2 loss", "brca2_loss", ("olaparib",), "07-dna-repair"),
        ("MLH1 promoter methylation", "mlh1_methylation", ("pembrolizumab",),
         "05-epigenetics-and-persisters"),
        ("ABCB1 overexpression", "abcb1_overexpression", (), "06-drug-efflux"),
        ("ERCC1 high", "ercc1_high", (), "07-dna-repair"),
        ("ERCC1 low", "ercc1_low", (), "07-dna-repair"),
    ],
)  # fmt: skip
def test_single_alterations(alteration, rule_id, drugs, assignment):
    """A single known alteration fires its own rule, with its drugs and its assignment."""
    (rec,) = P.recommend([alteration])
    assert rec["rule_id"] == rule_id
    assert rec["drugs"] == drugs
    assert rec["assignment"] == assignment
    assert rec["alterations"] == (alteration,)
    assert rec["mechanism"] and rec["evidence"] and rec["citation"]


def test_record_keys():
    """Each record, "no rule" entries too, has its fields and says it is a teaching tool."""
    keys = {"alterations", "rule_id", "mechanism", "option", "drugs", "evidence", "citation",
            "source_quality", "assignment", "disclaimer"}  # fmt: skip
    recs = P.recommend(["EGFR L858R", "KRAS G12C"])
    assert [r["rule_id"] for r in recs] == ["egfr_sensitising", "no rule"]
    for rec in recs:
        assert set(rec) == keys
        assert rec["disclaimer"] == P.DISCLAIMER
        assert "not clinical decision support" in rec["disclaimer"]


# ---------------------------------------------------------------- combinations


def test_met_amplification_with_egfr_replaces_egfr_alone():
    """EGFR-mutant with MET amplification gives the combination rule, not osimertinib alone."""
    recs = P.recommend(["EGFR exon 19 deletion", "MET amplification"])
    assert [r["rule_id"] for r in recs] == ["egfr_met"]
    assert set(recs[0]["drugs"]) == {"tepotinib", "gefitinib"}
    assert recs[0]["assignment"] == "04-gene-amplification"


def test_met_amplification_alone_has_no_rule():
    """MET amplification without an EGFR mutation is not a rule of the table: explicit no rule."""
    (rec,) = P.recommend(["MET amplification"])
    assert rec["rule_id"] == "no rule" and rec["drugs"] == ()
    assert "no rule" in rec["option"]


def test_t790m_then_c797s_in_cis_and_in_trans():
    """T790M: osimertinib; + C797S in cis: no EGFR TKI; in trans: first- plus third-generation."""
    assert _ids(["EGFR L858R", "EGFR T790M"]) == ["egfr_t790m"]
    cis = P.recommend(["EGFR L858R", "EGFR T790M", "EGFR C797S in cis"])
    assert [r["rule_id"] for r in cis] == ["egfr_c797s_cis"]
    assert "osimertinib" not in cis[0]["drugs"] and "gefitinib" not in cis[0]["drugs"]
    trans = P.recommend(["EGFR L858R", "EGFR T790M", "EGFR C797S in trans"])
    assert [r["rule_id"] for r in trans] == ["egfr_c797s_trans"]
    assert set(trans[0]["drugs"]) == {"gefitinib", "osimertinib"}
    assert "Niederst" in trans[0]["citation"]


def test_c797s_without_configuration_asks_for_it():
    """C797S with T790M but no configuration: the rule says to determine cis or trans."""
    (rec,) = P.recommend(["EGFR L858R", "EGFR T790M", "EGFR C797S"])
    assert rec["rule_id"] == "egfr_c797s_phase_unknown"
    assert "configuration" in rec["option"] and rec["drugs"] == ()


def test_c797s_without_t790m_restores_first_generation():
    """Del19/L858R + C797S without T790M (Ercan 2015): gefitinib or afatinib."""
    (rec,) = P.recommend(["EGFR exon 19 deletion", "EGFR C797S"])
    assert rec["rule_id"] == "egfr_c797s_no_t790m"
    assert set(rec["drugs"]) == {"gefitinib", "afatinib"}


def test_brca2_reversion_removes_parp_inhibitor():
    """BRCA2 loss with a reversion mutation: no PARP inhibitor (Edwards 2008)."""
    (rec,) = P.recommend(["BRCA2 loss", "BRCA2 reversion mutation"])
    assert rec["rule_id"] == "brca2_reversion" and rec["drugs"] == ()


def test_independent_alterations_give_independent_recommendations():
    """Unrelated alterations each keep their own rule, in rule-table order."""
    ids = _ids(["ABCB1 overexpression", "EGFR L858R", "BRCA1 loss"])
    assert ids == ["egfr_sensitising", "brca1_loss", "abcb1_overexpression"]


# ---------------------------------------------------------------- no silent drop


def test_unknown_alteration_gets_an_explicit_no_rule_entry():
    """An alteration the table does not know is reported, never dropped."""
    recs = P.recommend(["EGFR L858R", "KRAS G12C"])
    assert [r["rule_id"] for r in recs] == ["egfr_sensitising", "no rule"]
    assert recs[1]["alterations"] == ("KRAS G12C",)
    assert "KRAS G12C" in recs[1]["option"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([*P.CANONICAL_ALTERATIONS, "KRAS G12C", "ALK fusion", "TP53 R175H"]),
             min_size=1, max_size=6, unique=True)
)  # fmt: skip
def test_every_alteration_is_accounted_for(profile):
    """Property: every input alteration appears in at least one recommendation (or no rule)."""
    has_t790m = "EGFR T790M" in profile
    phases = {"EGFR C797S in cis", "EGFR C797S in trans"} & set(profile)
    if phases and (not has_t790m or len(phases) == 2):
        with pytest.raises(ValueError):
            P.recommend(profile)
        return
    recs = P.recommend(profile)
    covered = {name for rec in recs for name in rec["alterations"]}
    assert covered == set(profile)
    kept = [frozenset(r["alterations"]) for r in recs if r["rule_id"] != "no rule"]
    assert len(kept) == len({r["rule_id"] for r in recs if r["rule_id"] != "no rule"})


@settings(max_examples=40, deadline=None)
@given(st.permutations(["EGFR L858R", "EGFR T790M", "MET amplification", "BRCA2 loss"]))
def test_order_of_input_does_not_change_the_plan(profile):
    """Property: the set of rules fired does not depend on the order of the alterations."""
    assert set(_ids(profile)) == {"egfr_t790m", "egfr_met", "brca2_loss"}


# ---------------------------------------------------------------- normalisation and errors


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("  egfr   L858R ", "EGFR L858R"),
        ("BCR-ABL T315I", "BCR-ABL1 T315I"),
        ("bcr::abl1 t315i", "BCR-ABL1 T315I"),
        ("MDR1 overexpression", "ABCB1 overexpression"),
        ("P-gp overexpression", "ABCB1 overexpression"),
        ("hMLH1 methylation", "MLH1 promoter methylation"),
        ("EGFR del19", "EGFR exon 19 deletion"),
        ("ERCC1 positive", "ERCC1 high"),
        ("egfr c797s (trans)", "EGFR C797S in trans"),
    ],
)
def test_synonyms_case_and_spacing(written, canonical):
    """Case, spacing and common synonyms map to the canonical name."""
    profile = [written, "EGFR T790M"] if "c797s" in written.lower() else [written]
    assert P.normalise_alterations(profile)[0] == canonical


def test_repeats_are_merged():
    """The same alteration written twice counts once."""
    assert P.normalise_alterations(["EGFR L858R", "egfr l858r"]) == ["EGFR L858R"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("EGFR L858R", "list of strings"),
        (None, "list of strings"),
        ([42], "must be a string"),
        (["  "], "empty"),
        (["---"], "no letters"),
        (["EGFR L858R, EGFR T790M"], "one alteration per list item"),
        (["EGFR L858R; MET amplification"], "one alteration per list item"),
        (["EGFR L858R", "EGFR C797S in cis"], "no 'EGFR T790M'"),
        (["EGFR T790M", "EGFR C797S in cis", "EGFR C797S in trans"], "both in cis and in trans"),
    ],
)
def test_malformed_input_raises_a_clear_value_error(bad, message):
    """Malformed input raises ValueError saying what was wrong and what is expected."""
    with pytest.raises(ValueError, match=message):
        P.recommend(bad)


def test_explain_starts_with_the_disclaimer():
    """The text output says plainly that this is a teaching tool."""
    text = P.explain(["EGFR L858R"])
    assert text.startswith("Teaching tool, not clinical decision support")
    assert "taught in: 03-target-mutations" in text


# ---------------------------------------------------------------- evaluation on held-out profiles


def test_held_out_profiles_accuracy_and_coverage():
    """On the held-out profiles the recommender misses only the ALK fusions; coverage also
    loses the profiles with an alteration outside the table (KRAS G12C, TP53 R175H)."""
    profiles = load("precision_profiles")
    alterations = [a.split("; ") for a in profiles["alterations"]]
    expected = [set() if e == "none" else set(e.split("; ")) for e in profiles["expected_drugs"]]
    result = P.evaluate_recommender(alterations, expected)
    n = len(profiles)
    n_alk = int(profiles["alterations"].str.contains("ALK").sum())
    n_outside = int(profiles["alterations"].str.contains("ALK|KRAS|TP53").sum())
    assert n_alk > 0 and n_outside > n_alk
    assert result["accuracy"] == pytest.approx(1 - n_alk / n)
    assert result["coverage"] == pytest.approx(1 - n_outside / n)
    assert (result["accuracy"], result["coverage"]) == pytest.approx((111 / 120, 104 / 120))


def test_evaluate_recommender_counts_a_wrong_recommender():
    """A recommender that always says osimertinib scores the share of osimertinib profiles."""

    def always_osimertinib(profile):
        return [{"rule_id": "x", "drugs": ("osimertinib",)}]

    result = P.evaluate_recommender([["a"], ["b"], ["c"]], [{"osimertinib"}, set(), {"x"}],
                                    always_osimertinib)  # fmt: skip
    assert result == {"accuracy": pytest.approx(1 / 3), "coverage": 1.0, "n_profiles": 3}
    with pytest.raises(ValueError, match="same length"):
        P.evaluate_recommender([["a"]], [])


# ---------------------------------------------------------------- the resistance model


def test_resistance_probability_closed_form():
    """p = 1/(1 + exp(-(b0 + b·x))) at a hand-computed point."""
    x = {"abcb1_log2_expression": 1.0, "mlh1_methylated": 1, "ercc1_z": -1.0, "age_decades": 7.0}
    logit = -1.2 + 1.1 + 1.4 - 0.7
    assert float(P.resistance_probability(x)) == pytest.approx(1 / (1 + np.exp(-logit)))
    with pytest.raises(ValueError, match="no column 'ercc1_z'"):
        P.resistance_probability({"abcb1_log2_expression": 0.0, "mlh1_methylated": 0})


def test_shipped_cohort_regenerates_and_follows_the_model():
    """The shipped cohort equals a fresh simulation with its seed; p follows the logistic model."""
    cohort = load("resistance_cohort")
    fresh = P.simulate_resistance_cohort(600, rng=20261501)
    pd.testing.assert_frame_equal(cohort[fresh.columns], fresh, check_exact=False, atol=1e-9)
    p = P.resistance_probability(cohort)
    assert np.max(np.abs(p - cohort["true_probability"])) < 1e-3


def test_cv_auc_is_close_to_the_generating_models_auc():
    """Reference: a logistic regression's CV AUC is within 0.03 of the true model's AUC."""
    from sklearn.metrics import roc_auc_score

    cohort = load("resistance_cohort")
    true_auc = roc_auc_score(cohort["resistant"], cohort["true_probability"])
    cv_auc = P.cross_validated_auc(cohort[list(P.FEATURES)], cohort["resistant"]).mean()
    assert 0.75 < true_auc < 0.9
    assert abs(cv_auc - true_auc) < 0.03


def test_fit_recovers_the_generating_coefficients():
    """Reference: on 20,000 simulated patients the fitted coefficients match within 0.1."""
    from sklearn.linear_model import LogisticRegression

    big = P.simulate_resistance_cohort(20_000, rng=7)
    model = LogisticRegression(C=1e6, max_iter=1000).fit(big[list(P.FEATURES)], big["resistant"])
    truth = [P.GENERATING_COEFFICIENTS[f] for f in P.FEATURES]
    np.testing.assert_allclose(model.coef_[0], truth, atol=0.1)
    assert model.intercept_[0] == pytest.approx(P.GENERATING_COEFFICIENTS["intercept"], abs=0.2)


def test_true_probabilities_are_calibrated():
    """The generating model's own probabilities are calibrated: observed ≈ predicted per bin."""
    big = P.simulate_resistance_cohort(20_000, rng=11)
    table = P.calibration_table(big["resistant"], big["true_probability"], n_bins=10)
    big_bins = table[table["n_patients"] > 500]
    assert len(big_bins) >= 5
    np.testing.assert_allclose(
        big_bins["observed_fraction"], big_bins["mean_predicted"], atol=0.03
    )
    assert table["n_patients"].sum() == 20_000


def test_calibration_table_matches_a_hand_count():
    """Bins of width 0.5: two patients in each, observed fractions 0.5 and 1."""
    table = P.calibration_table([0, 1, 1, 1], [0.2, 0.4, 0.6, 0.8], n_bins=2)
    assert table["observed_fraction"].tolist() == [0.5, 1.0]
    assert table["mean_predicted"].tolist() == pytest.approx([0.3, 0.7])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: P.simulate_resistance_cohort(5), ">= 20"),
        (lambda: P.simulate_resistance_cohort(2.5), "integer"),
        (lambda: P.cross_validated_auc([[1.0]] * 10, [0, 1] * 4), "one label per row"),
        (lambda: P.cross_validated_auc([[1.0]] * 10, [0, 2] * 5), "0 \\(sensitive\\) or 1"),
        (lambda: P.cross_validated_auc([[1.0]] * 10, [0] * 8 + [1] * 2), "at least n_splits"),
        (lambda: P.calibration_table([0, 1], [0.2, 1.5]), "probabilities"),
        (lambda: P.calibration_table([0, 1], [0.2, 0.3], n_bins=1), "n_bins"),
    ],
)
def test_model_inputs_are_checked(call, message):
    """Bad cohort sizes, labels and probabilities raise a clear ValueError."""
    with pytest.raises(ValueError, match=message):
        call()


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from([n for n in P.CANONICAL_ALTERATIONS if "C797S in" not in n]),
    st.lists(st.booleans(), min_size=40, max_size=40),
    st.integers(0, 3),
    st.integers(0, 3),
)
def test_case_and_spacing_never_change_the_name(name, upper, left, right):
    """Property: any mix of case and extra spaces maps back to the same canonical name."""
    mixed = "".join(c.upper() if u else c.lower() for c, u in zip(name, upper, strict=False))
    written = " " * left + mixed.replace(" ", "  ") + " " * right
    assert P.normalise_alterations([written]) == [name]


def test_evaluate_reads_expected_strings_and_rejects_other_types():
    """A string of expected drugs is parsed ("a; b", "none"), not compared letter by letter."""
    assert P.evaluate_recommender([["EGFR L858R"]], ["osimertinib"])["accuracy"] == 1.0
    assert P.evaluate_recommender([["KRAS G12C"]], ["none"])["accuracy"] == 1.0
    assert P.evaluate_recommender([["EGFR L858R"]], ["gefitinib"])["accuracy"] == 0.0
    for bad in (None, 3, [1, 2]):
        with pytest.raises(ValueError, match="expected_drugs"):
            P.evaluate_recommender([["EGFR L858R"]], [bad])
