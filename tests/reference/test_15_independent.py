"""Independent recomputation of every graded number in assignment 15-precision-oncology.

The course library is never used to compute a value here: the CSVs in ``data/`` are read
directly with pandas, and each value is reached by a different route from the notebook's
solution:

- the recommender by a hand-typed map from each spelling in ``precision_profiles`` to its
  canonical name and a set-based rule match written here (not ``resistlab.precision``);
- the ROC AUC as the Mann-Whitney statistic from mid-ranks (``scipy.stats.rankdata``), not
  ``roc_auc_score``;
- the logistic regression by minimising the L2-penalised negative log-likelihood
  (C = 1, intercept not penalised: scikit-learn's default objective) by Newton-Raphson to a
  gradient of 1e-10, not ``LogisticRegression``. Only the fold indices come from scikit-learn's
  ``StratifiedKFold(5, shuffle=True, random_state=0)``, because the statement prescribes that
  splitter;
- the calibration bins with numpy (uniform edges, a value on an edge goes to the lower bin, as
  ``calibration_curve`` does), not ``calibration_curve``.

Where the fully converged fit differs from scikit-learn's default (lbfgs stops at tol 1e-4),
the tests state by how much, so that the graded tolerances can be judged against it.
``LITERALS`` copies the literals the hidden tests assert; ``test_literals_are_the_notebooks``
checks that each still stands in its graded cell. A last group of tests checks the rule
table's content against the primary sources recorded in ``data/precision_rules.md``, and the
library's values against these (the only place the library is imported).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
NOTEBOOK = ROOT / "notebooks" / "15-precision-oncology" / "15-precision-oncology.ipynb"
FEATURES = ["abcb1_log2_expression", "mlh1_methylated", "ercc1_z", "age_decades"]
GRID = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]

# grade_id -> literals asserted in that cell's hidden tests, as written there.
LITERALS = {
    "test_fired_rules_single": ['["r_gate"]', '["r_pump", "r_parp"]'],
    "test_fired_rules_combinations": ['["r_met"]', '["r_cis", "r_parp"]', '["r_met", "r_t790m"]'],
    "test_evaluation_table": ["120"],
    "test_accuracy_coverage": ["111 / 120", "104 / 120", "95 / 120", "93 / 120", "107 / 120"],
    "test_cv_auc": ["0.8354413", "0.8380837", "0.8399573", "0.8368155"],
    "test_calibration_values": [
        "0.3387",
        "0.2700",
        "[0.0815451, 0.3043478, 0.5505618, 0.6760563, 0.826087]",
    ],
    "test_threshold_decision": ["0.8", "[0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]"],
}


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _hidden_block(grade_id: str) -> str:
    for cell in _cells():
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == grade_id and meta.get("grade"):
            source = "".join(cell["source"])
            start = source.index("### BEGIN HIDDEN TESTS")
            return source[start : source.index("### END HIDDEN TESTS")]
    raise AssertionError(f"no graded cell {grade_id!r} in 15")


@pytest.mark.parametrize("grade_id", sorted(LITERALS))
def test_literals_are_the_notebooks(grade_id):
    """Every literal recomputed below is the one the notebook's hidden test asserts."""
    block = _hidden_block(grade_id)
    missing = [lit for lit in LITERALS[grade_id] if lit not in block]
    assert not missing, f"{grade_id}: hidden tests no longer contain {missing}"


def test_every_graded_cell_is_covered():
    """Each graded cell of 15 has its literals recomputed here."""
    graded = {
        c["metadata"]["nbgrader"]["grade_id"]
        for c in _cells()
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
    }
    assert graded == set(LITERALS)


# --------------------------------------------------------------------------------------
# Exercise 1 · rule matching on the hidden tests' own small tables
# --------------------------------------------------------------------------------------


def kept_rules(tokens, table):
    """Rule ids whose needs are a subset of tokens and not strictly inside another fired one."""
    fired = []
    for rule_id, text in table:
        need = frozenset(part.strip() for part in text.split("+"))
        if need.issubset(tokens):
            fired.append((rule_id, need))
    return [r for r, n in fired if all(not (n < m) for _, m in fired)]


SMALL = [
    ("r_pump", "ABCB1 overexpression"),
    ("r_gate", "BCR-ABL1 T315I"),
    ("r_parp", "BRCA1 loss"),
]
COMBO = [
    ("r_egfr", "EGFR sensitising mutation"),
    ("r_t790m", "EGFR sensitising mutation + EGFR T790M"),
    ("r_cis", "EGFR sensitising mutation + EGFR T790M + EGFR C797S in cis"),
    ("r_met", "EGFR sensitising mutation + MET amplification"),
    ("r_parp", "BRCA1 loss"),
]
EGFR = {"EGFR L858R", "EGFR sensitising mutation"}


def test_fired_rules_single_tables():
    """One alteration fires one rule; two independent ones fire in table order; none, none."""
    assert kept_rules({"BCR-ABL1 T315I"}, SMALL) == ["r_gate"]
    assert kept_rules({"KRAS G12C"}, SMALL) == []
    assert kept_rules({"BRCA1 loss", "ABCB1 overexpression"}, SMALL) == ["r_pump", "r_parp"]


def test_fired_rules_combination_tables():
    """The most specific rule wins; two non-nested combinations both stay."""
    assert kept_rules(EGFR | {"MET amplification"}, COMBO) == ["r_met"]
    both = EGFR | {"EGFR T790M", "EGFR C797S in cis", "BRCA1 loss"}
    assert kept_rules(both, COMBO) == ["r_cis", "r_parp"]
    assert kept_rules(EGFR | {"EGFR T790M", "MET amplification"}, COMBO) == ["r_t790m", "r_met"]


# --------------------------------------------------------------------------------------
# Exercise 2 · the recommender on the 120 held-out profiles
# --------------------------------------------------------------------------------------

# Every spelling that occurs in precision_profiles.csv, typed by hand -> canonical name.
SPELLING = {
    "egfr l858r": "EGFR L858R",
    "egfr p.l858r": "EGFR L858R",
    "egfr exon 19 deletion": "EGFR exon 19 deletion",
    "egfr del19": "EGFR exon 19 deletion",
    "egfr ex19del": "EGFR exon 19 deletion",
    "egfr t790m": "EGFR T790M",
    "egfr c797s": "EGFR C797S",
    "egfr c797s in cis": "EGFR C797S in cis",
    "egfr c797s in trans": "EGFR C797S in trans",
    "egfr c797s (trans)": "EGFR C797S in trans",
    "met amplification": "MET amplification",
    "met amplified": "MET amplification",
    "met amp": "MET amplification",
    "bcr-abl1 t315i": "BCR-ABL1 T315I",
    "bcr-abl t315i": "BCR-ABL1 T315I",
    "bcr::abl1 t315i": "BCR-ABL1 T315I",
    "brca1 loss": "BRCA1 loss",
    "brca1 mutation": "BRCA1 loss",
    "brca2 loss": "BRCA2 loss",
    "brca2 deficient": "BRCA2 loss",
    "brca2 reversion mutation": "BRCA2 reversion mutation",
    "brca2 reversion": "BRCA2 reversion mutation",
    "mlh1 promoter methylation": "MLH1 promoter methylation",
    "mlh1 hypermethylation": "MLH1 promoter methylation",
    "hmlh1 methylation": "MLH1 promoter methylation",
    "abcb1 overexpression": "ABCB1 overexpression",
    "mdr1 overexpression": "ABCB1 overexpression",
    "p-gp overexpression": "ABCB1 overexpression",
    "ercc1 high": "ERCC1 high",
    "ercc1 positive": "ERCC1 high",
}


def _canonical(text: str) -> str:
    key = " ".join(text.split()).lower()
    return SPELLING.get(key, text.strip())


def _tokens(names):
    tokens = set(names)
    if tokens & {"EGFR L858R", "EGFR exon 19 deletion"}:
        tokens.add("EGFR sensitising mutation")
    if tokens & {"EGFR C797S in cis", "EGFR C797S in trans"}:
        tokens.add("EGFR C797S")
    return tokens


@pytest.fixture(scope="module")
def rules():
    return pd.read_csv(DATA / "precision_rules.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def profiles():
    return pd.read_csv(DATA / "precision_profiles.csv", keep_default_na=False)


def my_recommend(names, rules):
    """(drugs, covered, any_rule) of a canonical profile under the rule table."""
    tokens = _tokens(names)
    table = list(zip(rules["rule_id"], rules["alterations"], strict=True))
    kept = kept_rules(tokens, table)
    by_id = rules.set_index("rule_id")
    drugs = set()
    used = set()
    for rule_id in kept:
        drugs |= {d.strip() for d in by_id.loc[rule_id, "drugs"].split(";") if d.strip()}
        need = {a.strip() for a in by_id.loc[rule_id, "alterations"].split("+")}
        for name in names:
            if name in need or (
                "EGFR sensitising mutation" in need
                and name in ("EGFR L858R", "EGFR exon 19 deletion")
            ):
                used.add(name)
            if "EGFR C797S" in need and name in ("EGFR C797S in cis", "EGFR C797S in trans"):
                used.add(name)
    return drugs, set(names) <= used, bool(kept)


@pytest.fixture(scope="module")
def evaluation(rules, profiles):
    rows = []
    for text, expected in zip(profiles["alterations"], profiles["expected_drugs"], strict=True):
        names = list(dict.fromkeys(_canonical(t) for t in text.split(";")))
        drugs, covered, any_rule = my_recommend(names, rules)
        rows.append(
            {
                "drugs": drugs,
                "sorted": "; ".join(sorted(drugs)) or "none",
                "unsorted_join": "; ".join(in_rule_order(names, rules)) or "none",
                "empty_join": "; ".join(sorted(drugs)),
                "expected": expected,
                "covered": covered,
                "any_rule": any_rule,
            }
        )
    return pd.DataFrame(rows)


def in_rule_order(names, rules):
    """The drugs as the kept rules list them, unsorted (the mistake of not sorting)."""
    table = list(zip(rules["rule_id"], rules["alterations"], strict=True))
    by_id = rules.set_index("rule_id")
    out = []
    for rule_id in kept_rules(_tokens(names), table):
        for d in by_id.loc[rule_id, "drugs"].split(";"):
            if d.strip() and d.strip() not in out:
                out.append(d.strip())
    return out


def test_profiles_use_only_known_spellings_or_outside_genes(profiles):
    """Every spelling is either in the hand map or an alteration outside the course."""
    outside = {"alk fusion", "eml4-alk fusion", "kras g12c", "tp53 r175h"}
    for text in profiles["alterations"]:
        for part in text.split(";"):
            key = " ".join(part.split()).lower()
            assert key in SPELLING or key in outside, part


def test_accuracy_is_111_of_120(evaluation):
    """111 of 120 profiles get exactly the expected drugs (the 9 ALK fusions are missed)."""
    correct = (evaluation["sorted"] == evaluation["expected"]).sum()
    assert correct == 111
    assert math.isclose(correct / 120, 111 / 120)


def test_coverage_is_104_of_120(evaluation):
    """104 of 120 profiles have every alteration covered by a kept rule."""
    assert int(evaluation["covered"].sum()) == 104


def test_mistake_values_are_the_stated_ones(evaluation):
    """95/120 with '' for no drug, 93/120 unsorted, 107/120 'some rule fired' as coverage."""
    assert int((evaluation["empty_join"] == evaluation["expected"]).sum()) == 95
    assert int((evaluation["unsorted_join"] == evaluation["expected"]).sum()) == 93
    assert int(evaluation["any_rule"].sum()) == 107


def test_misses_are_the_alk_fusions(evaluation, profiles):
    """Every wrong answer is an ALK-fusion profile, which no rule covers."""
    wrong = profiles.loc[(evaluation["sorted"] != evaluation["expected"]).to_numpy()]
    assert len(wrong) == 9
    assert wrong["alterations"].str.contains("ALK").all()


# --------------------------------------------------------------------------------------
# Exercises 3-4 · logistic regression, CV AUC, calibration, threshold
# --------------------------------------------------------------------------------------


def auc_mann_whitney(scores, labels):
    """AUC = (R1 - n1 (n1 + 1) / 2) / (n1 n0) with mid-ranks (ties count one half)."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    ranks = rankdata(scores)
    n1 = int(labels.sum())
    n0 = labels.size - n1
    return float((ranks[labels == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def fit_logistic(x, y, c=1.0):
    """argmin 0.5 |w|^2 + C sum log(1 + exp(z)) - y z, z = b + x w (b unpenalised), by Newton.

    Newton-Raphson with the exact Hessian C X1' diag(p (1 - p)) X1 + diag(0, 1, ..., 1), run
    until the gradient is below 1e-10 (the objective is strictly convex).
    """
    x1 = np.column_stack([np.ones(len(x)), x])
    ridge = np.eye(x1.shape[1])
    ridge[0, 0] = 0.0
    theta = np.zeros(x1.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x1 @ theta)))
        grad = c * x1.T @ (p - y) + ridge @ theta
        if np.max(np.abs(grad)) < 1e-10:
            return theta
        hess = c * (x1 * (p * (1 - p))[:, None]).T @ x1 + ridge
        theta = theta - np.linalg.solve(hess, grad)
    raise AssertionError("Newton did not converge")


@pytest.fixture(scope="module")
def cohort():
    return pd.read_csv(DATA / "resistance_cohort.csv")


@pytest.fixture(scope="module")
def cv(cohort):
    from sklearn.model_selection import StratifiedKFold

    x = cohort[FEATURES].to_numpy(float)
    y = cohort["resistant"].to_numpy(int)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(x, y))
    aucs, prob = [], np.full(y.size, np.nan)
    for train, test in folds:
        theta = fit_logistic(x[train], y[train])
        z = theta[0] + x[test] @ theta[1:]
        aucs.append(auc_mann_whitney(z, y[test]))
        prob[test] = 1.0 / (1.0 + np.exp(-z))
    return {"x": x, "y": y, "folds": folds, "aucs": np.array(aucs), "prob": prob}


def test_folds_partition_and_stratify(cv):
    """The five test folds partition the 600 patients and each holds 20% +- 1 of the resistant."""
    test_idx = np.concatenate([t for _, t in cv["folds"]])
    assert np.array_equal(np.sort(test_idx), np.arange(600))
    n_res = cv["y"].sum()
    for _, test in cv["folds"]:
        assert abs(cv["y"][test].sum() - n_res / 5) <= 1


def test_true_auc(cohort):
    """The generating model's AUC (true_probability as score) is 0.8380837 to 1e-6."""
    value = auc_mann_whitney(cohort["true_probability"], cohort["resistant"])
    assert value == pytest.approx(0.8380837, abs=1e-6)


def test_cv_auc_converged_fit_within_tolerance(cv):
    """The fully converged fit gives a CV AUC of 0.83538, 6e-5 from the graded 0.8354413.

    scikit-learn's default lbfgs stops at tol 1e-4 and lands at 0.8354413; other solvers (and
    this exact optimum) give 0.8353795. The graded tolerance (3e-4) must hold both, and must
    still reject the cv=5 answer (0.8368155) and the in-sample AUC (0.8399573).
    """
    value = float(cv["aucs"].mean())
    assert value == pytest.approx(0.8353795, abs=2e-6)
    assert abs(value - 0.8354413) < 1e-4
    assert abs(0.8368155 - 0.8354413) > 3e-4 + 2e-4
    assert abs(0.8399573 - 0.8354413) > 3e-4 + 5e-4


def test_in_sample_and_unshuffled_distractors(cv):
    """In-sample AUC ~0.83996 and unshuffled StratifiedKFold(5) ~0.83682, as the tests say."""
    from sklearn.model_selection import StratifiedKFold

    x, y = cv["x"], cv["y"]
    theta = fit_logistic(x, y)
    assert auc_mann_whitney(theta[0] + x @ theta[1:], y) == pytest.approx(0.8399573, abs=1e-4)
    aucs = []
    for train, test in StratifiedKFold(n_splits=5).split(x, y):
        t = fit_logistic(x[train], y[train])
        aucs.append(auc_mann_whitney(t[0] + x[test] @ t[1:], y[test]))
    assert float(np.mean(aucs)) == pytest.approx(0.8368155, abs=1e-4)


def test_generating_coefficients_recovered(cv):
    """Fitted on all 600, the coefficients are near the generating ones (-1.2, 1.1, 1.4, 0.7, 0).

    Loose (two standard errors or so at n = 600): the intercept trades off against age.
    """
    theta = fit_logistic(cv["x"], cv["y"])
    assert theta[1] == pytest.approx(1.1, abs=0.3)
    assert theta[2] == pytest.approx(1.4, abs=0.5)
    assert theta[3] == pytest.approx(0.7, abs=0.25)
    assert theta[4] == pytest.approx(0.0, abs=0.3)


def _bins(prob, y, n_bins=5):
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.searchsorted(edges[1:-1], prob)  # a value on an edge goes to the lower bin
    keep = [k for k in range(n_bins) if np.any(which == k)]
    observed = np.array([y[which == k].mean() for k in keep])
    predicted = np.array([prob[which == k].mean() for k in keep])
    return observed, predicted, which, edges


def test_calibration_observed_fractions(cv):
    """Observed fractions per bin are 0.0815451, 0.3043478, 0.5505618, 0.6760563, 0.826087."""
    observed, predicted, _, _ = _bins(cv["prob"], cv["y"])
    expected = [0.0815451, 0.3043478, 0.5505618, 0.6760563, 0.826087]
    assert observed == pytest.approx(expected, abs=1e-6)
    assert float(np.max(np.abs(observed - predicted))) == pytest.approx(0.0586, abs=2e-3)
    assert float(np.mean(np.abs(observed - predicted))) < float(
        np.max(np.abs(observed - predicted))
    )


def test_cv_probability_mean_and_first(cv):
    """Mean CV probability 0.3387 (+-2e-3); patient 1 is not its true probability 0.2700."""
    assert float(cv["prob"].mean()) == pytest.approx(0.3387, abs=2e-3)
    assert abs(float(cv["prob"][0]) - 0.27) > 1e-3


def test_no_patient_sits_on_a_bin_edge(cv):
    """Bins are stable: no CV probability lies within 3e-4 of an edge (solver noise ~4e-4).

    The converged fit and scikit-learn's lbfgs differ by up to 4.1e-4 in probability; both put
    every patient in the same bin, so the observed fractions (atol 2e-3) hold for either.
    """
    _, _, _, edges = _bins(cv["prob"], cv["y"])
    assert float(np.min(np.abs(cv["prob"][:, None] - edges[None, 1:-1]))) > 3e-4


def test_threshold_is_025_with_sensitivity_0842(cv):
    """Largest grid threshold with sensitivity >= 0.8 is 0.25 (171/203 = 0.842); 0.3 gives 0.798.

    The margin at 0.3 is one patient (162/203; 163 would pass), so the hidden test rightly
    checks the threshold against the student's own cv_probability rather than a literal.
    """
    r = cv["prob"][cv["y"] == 1]
    sens = {t: float(np.mean(r >= t)) for t in GRID}
    chosen = max(t for t in GRID if sens[t] >= 0.8)
    assert chosen == 0.25
    assert sens[0.25] == pytest.approx(171 / 203)
    assert sens[0.3] == pytest.approx(162 / 203)


# --------------------------------------------------------------------------------------
# The rule table against its sources (data/precision_rules.md) and the library against this
# --------------------------------------------------------------------------------------


def _row(rules, rule_id):
    return rules.set_index("rule_id").loc[rule_id]


def test_rules_cite_their_trials(rules):
    """FLAURA, AURA3, INSIGHT, PACE, OlympiAD, Le 2015, ECOG 3999, IALT-Bio with their numbers."""
    checks = {
        "egfr_sensitising": ("FLAURA", "18.9 vs 10.2", "0.46"),
        "egfr_t790m": ("AURA3", "10.1 vs 4.4", "0.30"),
        "egfr_met": ("INSIGHT", "n = 19", "0.13", "T790M-negative"),
        "bcr_abl1_t315i": ("PACE", "70%"),
        "brca1_loss": ("OlympiAD", "7.0 vs 4.2", "0.58"),
        "brca2_loss": ("OlympiAD", "7.0 vs 4.2", "0.58"),
        "mlh1_methylation": ("4 of 10", "0 of 18"),
        "abcb1_overexpression": ("ECOG 3999", "449"),
        "ercc1_low": ("0.65", "Friboulet"),
        "ercc1_high": ("1.14", "Friboulet"),
    }
    for rule_id, needles in checks.items():
        evidence = _row(rules, rule_id)["evidence"]
        for needle in needles:
            assert needle in evidence, (rule_id, needle)


def test_no_rule_overstates(rules):
    """No P-gp inhibitor and no ERCC1-driven drug; cis gets no EGFR TKI; trans gets 1st + 3rd."""
    pgp_inhibitors = {"tariquidar", "zosuquidar", "valspodar", "verapamil", "elacridar"}
    all_drugs = {d.strip() for text in rules["drugs"] for d in text.split(";") if d.strip()}
    assert not all_drugs & pgp_inhibitors
    assert _row(rules, "abcb1_overexpression")["drugs"] == ""
    assert _row(rules, "ercc1_high")["drugs"] == ""
    assert _row(rules, "ercc1_low")["drugs"] == ""
    tkis = {"gefitinib", "erlotinib", "afatinib", "osimertinib"}
    assert not set(_row(rules, "egfr_c797s_cis")["drugs"].split("; ")) & tkis
    assert set(_row(rules, "egfr_c797s_trans")["drugs"].split("; ")) == {
        "gefitinib",
        "osimertinib",
    }
    assert set(_row(rules, "egfr_c797s_no_t790m")["drugs"].split("; ")) == {
        "gefitinib",
        "afatinib",
    }


def test_unread_sources_are_labelled(rules):
    """Rules that rest on Niederst 2015 (not read) are 'secondary' and say 'not read'."""
    niederst = rules[rules["citation"].str.contains("Niederst")]
    assert set(niederst["rule_id"]) == {"egfr_c797s_phase_unknown", "egfr_c797s_trans"}
    assert (niederst["source_quality"] == "secondary").all()
    assert niederst["citation"].str.contains("not read").all()


def test_assignments_exist(rules):
    """Every rule names an assignment 03-08 whose notebook exists in the course."""
    for name in rules["assignment"]:
        assert (ROOT / "notebooks" / name / f"{name}.ipynb").exists(), name
        assert "03" <= name[:2] <= "08"


def test_library_agrees_with_this_file(rules, profiles, evaluation, cv):
    """resistlab.precision gives the same drugs per profile, and the same CV AUC to 1e-4."""
    from resistlab import precision

    for text, mine in zip(profiles["alterations"], evaluation["sorted"], strict=True):
        theirs = "; ".join(sorted(precision.recommended_drugs(text.split("; ")))) or "none"
        assert theirs == mine, text
    aucs = precision.cross_validated_auc(pd.DataFrame(cv["x"], columns=FEATURES), cv["y"])
    assert float(np.mean(aucs)) == pytest.approx(float(cv["aucs"].mean()), abs=1e-4)
    assert precision.DISCLAIMER.startswith("Teaching tool, not clinical decision support")
    assert precision.explain(["KRAS G12C"]).startswith(precision.DISCLAIMER)
