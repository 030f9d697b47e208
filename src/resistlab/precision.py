"""From a tumour profile to a plan: the course's teaching recommender and a resistance model.

**A teaching tool, not clinical decision support.** The rule table is a small summary of what
assignments 03–08 taught, each rule traced to one paper or trial; it leaves out almost
everything a tumour board weighs (tumour type, line of therapy, performance status, guidelines,
drug approvals, trials open to the patient).

Two parts:

- :func:`recommend` maps a list of alteration strings (``"EGFR L858R"``, ``"MET
  amplification"``, ``"BCR-ABL1 T315I"``, ...) to recommendations, each with the alteration(s),
  the mechanism, the option (named drugs), the evidence and the assignment that taught it. The
  rules live in the dataset ``precision_rules`` (``data/precision_rules.csv``). A rule fires
  when every alteration it needs is in the profile; a fired rule is dropped when another fired
  rule needs a strict superset of its alterations (the combination rule is more specific:
  EGFR-mutant *with* MET amplification replaces EGFR-mutant alone). An alteration that no fired
  rule covers gets an explicit ``"no rule"`` entry, never a silent drop.
- :func:`simulate_resistance_cohort` draws a simulated cohort from a known logistic model,
  :math:`\\operatorname{logit} P(\\text{resistant}) = \\beta_0 + \\sum_j \\beta_j x_j`, so a fitted
  model's cross-validated AUC (:func:`cross_validated_auc`) and calibration
  (:func:`calibration_table`) can be compared with the truth.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

import numpy as np

from resistlab._validation import _describe, as_array, make_rng

__all__ = [
    "CANONICAL_ALTERATIONS",
    "DISCLAIMER",
    "GENERATING_COEFFICIENTS",
    "calibration_table",
    "cross_validated_auc",
    "evaluate_recommender",
    "explain",
    "normalise_alterations",
    "recommend",
    "recommended_drugs",
    "resistance_probability",
    "rule_table",
    "rule_tokens",
    "simulate_resistance_cohort",
]

DISCLAIMER = (
    "Teaching tool, not clinical decision support: a summary of what the course taught, "
    "not a treatment recommendation for a patient."
)

#: Canonical alteration names the rule table knows (display spelling).
CANONICAL_ALTERATIONS = (
    "EGFR L858R",
    "EGFR exon 19 deletion",
    "EGFR sensitising mutation",
    "EGFR T790M",
    "EGFR C797S",
    "EGFR C797S in cis",
    "EGFR C797S in trans",
    "MET amplification",
    "BCR-ABL1 T315I",
    "BRCA1 loss",
    "BRCA2 loss",
    "BRCA2 reversion mutation",
    "MLH1 promoter methylation",
    "ABCB1 overexpression",
    "ERCC1 high",
    "ERCC1 low",
    "BRAF V600E",
    "stromal HGF",
)

# Gene-name synonyms, applied to the first word of a lower-cased alteration.
_GENE_SYNONYMS = {
    "bcr-abl": "bcr-abl1",
    "bcr::abl1": "bcr-abl1",
    "bcr/abl": "bcr-abl1",
    "bcr/abl1": "bcr-abl1",
    "bcr-abl1": "bcr-abl1",
    "abl1": "bcr-abl1",
    "mdr1": "abcb1",
    "p-gp": "abcb1",
    "pgp": "abcb1",
    "p-glycoprotein": "abcb1",
    "hmlh1": "mlh1",
}

# Lower-case spellings (after the gene synonym) → canonical name.
_SPELLINGS = {
    "EGFR L858R": ["egfr l858r", "egfr p.l858r", "egfr p.leu858arg"],
    "EGFR exon 19 deletion": [
        "egfr exon 19 deletion", "egfr del19", "egfr ex19del", "egfr exon19del",
        "egfr exon 19 del", "egfr exon 19 deletions",
    ],
    "EGFR sensitising mutation": [
        "egfr sensitising mutation", "egfr sensitizing mutation", "egfr mutant",
        "egfr-mutant", "egfr mutation", "egfr activating mutation",
    ],
    "EGFR T790M": ["egfr t790m", "egfr p.t790m", "egfr p.thr790met"],
    "EGFR C797S": ["egfr c797s", "egfr p.c797s", "egfr p.cys797ser"],
    "EGFR C797S in cis": ["egfr c797s in cis", "egfr c797s cis", "egfr c797s (cis)"],
    "EGFR C797S in trans": ["egfr c797s in trans", "egfr c797s trans", "egfr c797s (trans)"],
    "MET amplification": [
        "met amplification", "met amplified", "met amp", "met gene amplification",
    ],
    "BCR-ABL1 T315I": ["bcr-abl1 t315i", "bcr-abl1 p.t315i"],
    "BRCA1 loss": [
        "brca1 loss", "brca1 mutation", "brca1 deficiency", "brca1 deficient",
        "brca1 loss of function",
    ],
    "BRCA2 loss": [
        "brca2 loss", "brca2 mutation", "brca2 deficiency", "brca2 deficient",
        "brca2 loss of function",
    ],
    "BRCA2 reversion mutation": [
        "brca2 reversion mutation", "brca2 reversion", "brca2 secondary mutation",
    ],
    "MLH1 promoter methylation": [
        "mlh1 promoter methylation", "mlh1 methylation", "mlh1 promoter hypermethylation",
        "mlh1 hypermethylation", "mlh1 methylated",
    ],
    "ABCB1 overexpression": [
        "abcb1 overexpression", "abcb1 over-expression", "abcb1 high", "abcb1 amplification",
    ],
    "ERCC1 high": ["ercc1 high", "ercc1 positive", "ercc1 overexpression", "ercc1 level high"],
    "ERCC1 low": ["ercc1 low", "ercc1 negative", "ercc1 level low"],
    "BRAF V600E": ["braf v600e", "braf p.v600e"],
    "stromal HGF": ["stromal hgf", "hgf stromal", "hgf from stroma", "stromal hgf high"],
}  # fmt: skip
_LOOKUP = {spelling: name for name, spellings in _SPELLINGS.items() for spelling in spellings}

_SENSITISING = ("EGFR L858R", "EGFR exon 19 deletion")
_SEPARATORS = re.compile(r"[,;\n]")


def _key(text: str) -> str:
    words = " ".join(text.split()).casefold().split(" ")
    words[0] = _GENE_SYNONYMS.get(words[0], words[0])
    return " ".join(words)


def normalise_alterations(alterations) -> list[str]:
    """Return the canonical names of a profile's alterations, in input order, without repeats.

    Case and spacing are ignored and common synonyms are accepted (``"bcr-abl t315i"``,
    ``"MDR1 overexpression"``, ``"EGFR del19"``). A name the table does not know is kept as
    written (stripped); :func:`recommend` gives it a ``"no rule"`` entry.

    Parameters
    ----------
    alterations : list of str
        One alteration per item.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        If ``alterations`` is a single string or not a list/tuple/set, if an item is not a
        non-empty string, if an item holds several alterations (a comma or semicolon), or if
        ``C797S in cis/trans`` is given without ``EGFR T790M`` or both ways at once.

    Examples
    --------
    >>> normalise_alterations(["  egfr   l858r", "BCR-ABL t315i", "MDR1 overexpression"])
    ['EGFR L858R', 'BCR-ABL1 T315I', 'ABCB1 overexpression']
    """
    if isinstance(alterations, str | bytes) or not isinstance(
        alterations, list | tuple | set | frozenset
    ):
        raise ValueError(
            "alterations must be a list of strings, one alteration per item (e.g. "
            f"['EGFR L858R', 'MET amplification']); got {_describe(alterations)}."
        )
    names: list[str] = []
    for item in alterations:
        if not isinstance(item, str):
            raise ValueError(
                f"each alteration must be a string such as 'EGFR T790M'; got {_describe(item)}."
            )
        text = " ".join(item.split())
        if not text or not any(ch.isalnum() for ch in text):
            raise ValueError(
                f"an alteration is empty or has no letters or digits ({item!r}); expected a "
                "gene and a change such as 'EGFR T790M'."
            )
        if _SEPARATORS.search(text):
            raise ValueError(
                f"{item!r} holds several alterations; pass one alteration per list item, "
                "e.g. ['EGFR L858R', 'EGFR T790M']."
            )
        name = _LOOKUP.get(_key(text), text)
        if name not in names:
            names.append(name)
    has_t790m = "EGFR T790M" in names
    phases = [p for p in ("EGFR C797S in cis", "EGFR C797S in trans") if p in names]
    if len(phases) == 2:
        raise ValueError(
            "C797S cannot be both in cis and in trans with T790M; give one configuration."
        )
    if phases and not has_t790m:
        raise ValueError(
            f"{phases[0]!r} describes C797S relative to T790M, but the profile has no "
            "'EGFR T790M'; add it, or give 'EGFR C797S' alone."
        )
    return names


def _tokens(names: list[str]) -> dict[str, list[str]]:
    """Rule tokens present in a profile → the input names that provide each."""
    tokens: dict[str, list[str]] = {}
    for name in names:
        tokens.setdefault(name, []).append(name)
        if name in _SENSITISING:
            tokens.setdefault("EGFR sensitising mutation", []).append(name)
        if name in ("EGFR C797S in cis", "EGFR C797S in trans"):
            tokens.setdefault("EGFR C797S", []).append(name)
    return tokens


def rule_tokens(alterations) -> set[str]:
    """The rule-table names a profile provides (what a rule's alterations are matched against).

    The canonical names of the profile (:func:`normalise_alterations`), plus ``"EGFR
    sensitising mutation"`` for an EGFR L858R or exon 19 deletion and ``"EGFR C797S"`` for
    C797S in cis or in trans.

    Examples
    --------
    >>> sorted(rule_tokens(["egfr l858r", "MDR1 overexpression"]))
    ['ABCB1 overexpression', 'EGFR L858R', 'EGFR sensitising mutation']
    """
    return set(_tokens(normalise_alterations(alterations)))


def rule_table():
    """The rule table (dataset ``precision_rules``) as a DataFrame, one rule per row.

    Columns: ``rule_id``, ``alterations`` (canonical names joined by ``" + "``), ``mechanism``,
    ``option``, ``drugs`` (joined by ``"; "``, empty when the option names no drug),
    ``evidence``, ``assignment``, ``citation``, ``source_quality``.

    Examples
    --------
    >>> rules = rule_table()
    >>> bool(rules["citation"].str.len().gt(0).all())
    True
    """
    return _rules().copy()


@functools.cache
def _rules():
    from resistlab.datasets import load

    return load("precision_rules").fillna("")


def _split(text: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(text).split(sep) if part.strip())


def recommend(alterations) -> list[dict]:
    """Recommendations for a tumour profile from the course's rule table.

    **A teaching tool, not clinical decision support.**

    A rule with required alterations :math:`R` fires when :math:`R \\subseteq P`, the set of the
    profile's alterations (an EGFR L858R or exon 19 deletion also counts as ``"EGFR sensitising
    mutation"``; ``C797S in cis/trans`` also counts as ``"EGFR C797S"``). Among fired rules only
    the most specific are kept: a rule is dropped if another fired rule needs a strict superset
    :math:`R' \\supsetneq R`. Every alteration that no kept rule covers gets a ``"no rule"``
    entry.

    Parameters
    ----------
    alterations : list of str
        The profile, one alteration per item (see :func:`normalise_alterations`).

    Returns
    -------
    list of dict
        One dict per recommendation, in rule-table order, then the ``"no rule"`` entries in
        input order. Keys: ``alterations`` (tuple of the profile's names the rule used),
        ``rule_id`` (``"no rule"`` for an uncovered alteration), ``mechanism``, ``option``,
        ``drugs`` (tuple of str), ``evidence``, ``citation``, ``source_quality`` and
        ``assignment`` (the course assignment that taught the mechanism) and ``disclaimer``
        (:data:`DISCLAIMER`: every record says it comes from a teaching tool).

    Raises
    ------
    ValueError
        On malformed input (see :func:`normalise_alterations`).

    Examples
    --------
    >>> recs = recommend(["EGFR L858R", "MET amplification", "KRAS G12C"])
    >>> [(r["rule_id"], r["drugs"]) for r in recs]
    [('egfr_met', ('tepotinib', 'gefitinib')), ('no rule', ())]
    >>> recs[0]["assignment"]
    '04-gene-amplification'
    """
    names = normalise_alterations(alterations)
    tokens = _tokens(names)
    rules = _rules()
    fired = []
    for row in rules.itertuples(index=False):
        needed = frozenset(_split(row.alterations, "+"))
        if needed <= tokens.keys():
            fired.append((needed, row))
    kept = [(n, row) for n, row in fired if not any(n < other for other, _ in fired)]
    out, covered = [], set()
    for needed, row in kept:
        used = []
        for token in sorted(needed, key=lambda t: CANONICAL_ALTERATIONS.index(t)):
            for name in tokens[token]:
                if name not in used:
                    used.append(name)
        covered.update(used)
        out.append(
            {
                "alterations": tuple(sorted(used, key=names.index)),
                "rule_id": row.rule_id,
                "mechanism": row.mechanism,
                "option": row.option,
                "drugs": _split(row.drugs, ";"),
                "evidence": row.evidence,
                "citation": row.citation,
                "source_quality": row.source_quality,
                "assignment": row.assignment,
                "disclaimer": DISCLAIMER,
            }
        )
    for name in names:
        if name in covered:
            continue
        known = name in CANONICAL_ALTERATIONS
        out.append(
            {
                "alterations": (name,),
                "rule_id": "no rule",
                "mechanism": "",
                "option": (
                    f"no rule: the course's table has no rule for {name!r} in this profile"
                    if known
                    else f"no rule: {name!r} is not an alteration the course's table knows"
                ),
                "drugs": (),
                "evidence": "",
                "citation": "",
                "source_quality": "",
                "assignment": "",
                "disclaimer": DISCLAIMER,
            }
        )
    return out


def recommended_drugs(alterations) -> frozenset:
    """The set of drugs named by :func:`recommend` for a profile (empty if none).

    Examples
    --------
    >>> sorted(recommended_drugs(["EGFR exon 19 deletion", "EGFR T790M", "EGFR C797S in trans"]))
    ['gefitinib', 'osimertinib']
    """
    return frozenset(drug for rec in recommend(alterations) for drug in rec["drugs"])


def explain(alterations) -> str:
    """The recommendations as readable text, beginning with the disclaimer.

    Examples
    --------
    >>> print(explain(["BCR-ABL T315I"]).splitlines()[2])
    BCR-ABL1 T315I -> ponatinib
    """
    lines = [DISCLAIMER, ""]
    for rec in recommend(alterations):
        lines.append(f"{' + '.join(rec['alterations'])} -> {rec['option']}")
        if rec["rule_id"] != "no rule":
            lines.append(f"  mechanism: {rec['mechanism']}")
            lines.append(f"  evidence: {rec['evidence']} [{rec['source_quality']}]")
            lines.append(f"  taught in: {rec['assignment']}")
    return "\n".join(lines)


def evaluate_recommender(
    profiles, expected_drugs, recommender: Callable[[list], Iterable[dict]] = recommend
) -> dict:
    """Accuracy and coverage of a recommender on profiles with known correct options.

    accuracy = share of profiles whose set of recommended drugs equals the expected set;
    coverage = share of profiles in which every alteration is covered by a rule (no
    ``"no rule"`` entry).

    Parameters
    ----------
    profiles : sequence of list of str
    expected_drugs : sequence of set of str, or of str
        The correct drugs per profile (an empty set when no drug is correct). A string is read
        as in ``precision_profiles``: drugs joined by ``"; "``, or ``"none"``.
    recommender : callable
        ``recommender(profile) -> list of dict`` with ``drugs`` and ``rule_id`` keys.

    Returns
    -------
    dict
        ``{"accuracy": float, "coverage": float, "n_profiles": int}``.

    Examples
    --------
    >>> evaluate_recommender([["EGFR L858R"], ["ALK fusion"]], [{"osimertinib"}, {"alectinib"}])
    {'accuracy': 0.5, 'coverage': 0.5, 'n_profiles': 2}
    >>> evaluate_recommender([["EGFR L858R", "MET amp"]], ["gefitinib; tepotinib"])["accuracy"]
    1.0
    """
    profiles = list(profiles)
    expected_drugs = list(expected_drugs)
    if len(profiles) != len(expected_drugs) or not profiles:
        raise ValueError(
            "profiles and expected_drugs must be non-empty and of the same length; got "
            f"{len(profiles)} and {len(expected_drugs)}."
        )
    expected_drugs = [_expected_set(e) for e in expected_drugs]
    correct = covered = 0
    for profile, expected in zip(profiles, expected_drugs, strict=True):
        recs = list(recommender(profile))
        drugs = {drug for rec in recs for drug in rec["drugs"]}
        correct += drugs == expected
        covered += all(rec["rule_id"] != "no rule" for rec in recs)
    n = len(profiles)
    return {"accuracy": correct / n, "coverage": covered / n, "n_profiles": n}


def _expected_set(expected) -> frozenset:
    """A profile's expected drugs as a set; a string is read as in ``precision_profiles``."""
    if isinstance(expected, str):
        text = expected.strip()
        if text.casefold() == "none":
            return frozenset()
        return frozenset(_split(text, ";"))
    if isinstance(expected, list | tuple | set | frozenset) and all(
        isinstance(drug, str) for drug in expected
    ):
        return frozenset(drug.strip() for drug in expected)
    raise ValueError(
        "each item of expected_drugs must be a set of drug names (e.g. {'osimertinib'}) or a "
        f"string such as 'gefitinib; tepotinib' or 'none'; got {_describe(expected)}."
    )


# ---------------------------------------------------------------- predictive model

#: The simulated cohort's generating logistic model (teaching values, not published).
GENERATING_COEFFICIENTS = {
    "intercept": -1.2,
    "abcb1_log2_expression": 1.1,
    "mlh1_methylated": 1.4,
    "ercc1_z": 0.7,
    "age_decades": 0.0,
}
FEATURES = ("abcb1_log2_expression", "mlh1_methylated", "ercc1_z", "age_decades")


def resistance_probability(features, coefficients=None):
    """Probability of resistance under a logistic model.

    .. math:: p = 1 / (1 + e^{-(\\beta_0 + \\sum_j \\beta_j x_j)})

    Parameters
    ----------
    features : mapping or pandas.DataFrame
        Columns named as in ``coefficients`` (except ``intercept``); arrays broadcast.
    coefficients : dict, optional
        ``intercept`` and one coefficient per feature; default
        :data:`GENERATING_COEFFICIENTS`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(resistance_probability({"abcb1_log2_expression": 0.0, "mlh1_methylated": 0,
    ...     "ercc1_z": 0.0, "age_decades": 6.0}).round(4))
    0.2315
    """
    coefficients = dict(GENERATING_COEFFICIENTS if coefficients is None else coefficients)
    if "intercept" not in coefficients:
        raise ValueError("coefficients must include 'intercept'.")
    logit = np.asarray(float(coefficients.pop("intercept")))
    for name, beta in coefficients.items():
        try:
            column = features[name]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"features has no column {name!r} (needed by the model).") from None
        logit = logit + float(beta) * as_array(column, name)
    return 1.0 / (1.0 + np.exp(-logit))


def simulate_resistance_cohort(n_patients: int = 600, coefficients=None, rng=None):
    """A simulated cohort drawn from a known logistic model of resistance.

    Features (all simulated): ``abcb1_log2_expression`` (log2 ABCB1 mRNA relative to the
    cohort median, normal with SD 1), ``mlh1_methylated`` (0/1, probability 0.2), ``ercc1_z``
    (ERCC1 level as a z-score) and ``age_decades`` (normal, mean 6.2, SD 1; coefficient 0 by
    default, a feature that does not matter). Then :math:`p` from
    :func:`resistance_probability` and ``resistant`` ~ Bernoulli(p).

    Parameters
    ----------
    n_patients : int
        At least 20.
    coefficients : dict, optional
        Default :data:`GENERATING_COEFFICIENTS`.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, the four features, ``true_probability`` and ``resistant`` (0/1).

    Examples
    --------
    >>> cohort = simulate_resistance_cohort(200, rng=1)
    >>> cohort.shape, set(cohort["resistant"]) == {0, 1}
    ((200, 7), True)
    """
    import pandas as pd

    if isinstance(n_patients, bool) or not isinstance(n_patients, int | np.integer):
        raise ValueError(f"n_patients must be an integer >= 20; got {_describe(n_patients)}.")
    if n_patients < 20:
        raise ValueError(f"n_patients must be >= 20 for a cohort; got {n_patients}.")
    gen = make_rng(rng)
    df = pd.DataFrame(
        {
            "patient_id": [f"S{i + 1:04d}" for i in range(n_patients)],
            "abcb1_log2_expression": gen.normal(0.0, 1.0, n_patients).round(3),
            "mlh1_methylated": (gen.random(n_patients) < 0.2).astype(int),
            "ercc1_z": gen.normal(0.0, 1.0, n_patients).round(3),
            "age_decades": gen.normal(6.2, 1.0, n_patients).round(2),
        }
    )
    p = resistance_probability(df, coefficients)
    df["true_probability"] = p.round(4)
    df["resistant"] = (gen.random(n_patients) < p).astype(int)
    return df


def cross_validated_auc(features, labels, *, n_splits: int = 5, random_state: int = 0):
    """ROC AUC of a logistic regression on each fold of a stratified K-fold split.

    Uses scikit-learn's ``LogisticRegression`` (default L2 penalty, C = 1) refitted on each
    training part and scored on the held-out fold with ``roc_auc_score``.

    Parameters
    ----------
    features : array_like, shape (n, k)
    labels : array_like of 0/1, shape (n,)
    n_splits : int
        Folds (>= 2); each class needs at least ``n_splits`` members.
    random_state : int
        Seed of the shuffled split.

    Returns
    -------
    numpy.ndarray
        One AUC per fold.

    Examples
    --------
    >>> cohort = simulate_resistance_cohort(400, rng=3)
    >>> aucs = cross_validated_auc(cohort[list(FEATURES)], cohort["resistant"])
    >>> aucs.shape, bool(0.6 < aucs.mean() < 0.95)
    ((5,), True)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    x = as_array(features, "features", ndim=2)
    y = as_array(labels, "labels", ndim=1)
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"features has {x.shape[0]} rows but labels has {y.shape[0]}; one label per row."
        )
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 (sensitive) or 1 (resistant).")
    if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2; got {_describe(n_splits)}.")
    if min((y == 0).sum(), (y == 1).sum()) < n_splits:
        raise ValueError(
            f"each class needs at least n_splits = {n_splits} patients; got "
            f"{int((y == 0).sum())} sensitive and {int((y == 1).sum())} resistant."
        )
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return cross_val_score(LogisticRegression(), x, y.astype(int), cv=folds, scoring="roc_auc")


def calibration_table(labels, probabilities, *, n_bins: int = 5):
    """Observed against predicted risk in bins of predicted probability (a calibration curve).

    Wraps ``sklearn.calibration.calibration_curve`` (uniform bins on [0, 1]; empty bins are
    left out) and adds the number of patients per bin.

    Returns
    -------
    pandas.DataFrame
        ``mean_predicted``, ``observed_fraction``, ``n_patients``, one row per non-empty bin.

    Examples
    --------
    >>> table = calibration_table([0, 0, 1, 1], [0.1, 0.3, 0.7, 0.9], n_bins=2)
    >>> table["observed_fraction"].tolist(), table["n_patients"].tolist()
    ([0.0, 1.0], [2, 2])
    """
    import pandas as pd
    from sklearn.calibration import calibration_curve

    y = as_array(labels, "labels", ndim=1)
    p = as_array(probabilities, "probabilities", low=0.0, high=1.0, ndim=1)
    if y.shape != p.shape:
        raise ValueError(
            f"labels ({y.size}) and probabilities ({p.size}) must have the same length."
        )
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 (sensitive) or 1 (resistant).")
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2; got {_describe(n_bins)}.")
    observed, predicted = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], p), minlength=n_bins)
    return pd.DataFrame(
        {
            "mean_predicted": predicted,
            "observed_fraction": observed,
            "n_patients": counts[counts > 0],
        }
    )
