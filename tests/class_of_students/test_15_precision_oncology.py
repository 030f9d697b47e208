"""15-precision-oncology: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, edited_solution, grade_class

ASSIGNMENT = "15-precision-oncology"

FR = "def fired_rules(tokens, rules):\n"


def _fired(old: str, new: str) -> str:
    return edited_solution(ASSIGNMENT, "answer_fired_rules", (old, new))


def _evaluate(*pairs) -> str:
    return edited_solution(ASSIGNMENT, "answer_evaluate", *pairs)


def _cv(*pairs) -> str:
    return edited_solution(ASSIGNMENT, "answer_cv_auc", *pairs)


def _calibration(*pairs) -> str:
    return edited_solution(ASSIGNMENT, "answer_calibration", *pairs)


STUDENTS = [
    # ---- Exercise 1: which rules fire
    Student(
        "fr_loops",
        {
            "answer_fired_rules": FR + "    fired = []\n"
            "    for _, row in rules.iterrows():\n"
            "        need = [a.strip() for a in row['alterations'].split('+')]\n"
            "        if all(a in tokens for a in need):\n"
            "            fired.append((row['rule_id'], set(need)))\n"
            "    kept = []\n"
            "    for rid, need in fired:\n"
            "        beaten = False\n"
            "        for _, other in fired:\n"
            "            if need != other and need.issubset(other):\n"
            "                beaten = True\n"
            "        if not beaten:\n"
            "            kept.append(rid)\n"
            "    return kept\n"
        },
        why="explicit loops, issubset and a flag",
    ),
    Student(
        "fr_pandas",
        {
            "answer_fired_rules": FR
            + "    needs = rules['alterations'].str.split(' + ', regex=False).apply(frozenset)\n"
            "    fired = rules.loc[needs.apply(lambda n: n.issubset(tokens)), 'rule_id']\n"
            "    sets = needs[fired.index]\n"
            "    keep = [not any(s < t for t in sets) for s in sets]\n"
            "    return fired[keep].tolist()\n"
        },
        why="pandas string split and boolean masks",
    ),
    Student(
        "fr_any",
        {"answer_fired_rules": _fired("if need <= set(tokens)", "if need & set(tokens)")},
        fails={"test_fired_rules_combinations": "needs ALL its alterations"},
        why="fires a rule when any of its alterations is present",
    ),
    Student(
        "fr_no_specificity",
        {
            "answer_fired_rules": _fired(
                "if not any(need < other for _, other in fired)", "if True"
            )
        },
        fails={"test_fired_rules_combinations": "give way to the more specific"},
        why="keeps every fired rule",
    ),
    Student(
        "fr_non_strict",
        {"answer_fired_rules": _fired("need < other", "need <= other")},
        fails={
            "test_fired_rules_single": "strict subset",
            "test_fired_rules_combinations": "keeps only the combination rule",
        },
        why="compares each rule with itself too (<= instead of <)",
    ),
    Student(
        "fr_sorted",
        {
            "answer_fired_rules": edited_solution(
                ASSIGNMENT,
                "answer_fired_rules",
                ("    return [rule_id", "    return sorted([rule_id"),
                ("in fired)]\n", "in fired)])\n"),
            )
        },
        fails={"test_fired_rules_single": "order of the table"},
        why="sorts the rule ids alphabetically",
    ),
    # ---- Exercise 2: evaluation on held-out profiles
    Student(
        "ev_sets",
        {
            "answer_evaluate": "rec = [recommend(t.split('; ')) for t in "
            "profiles['alterations']]\n"
            "drugs = [sorted({d for r in rs for d in r['drugs']}) for rs in rec]\n"
            "evaluation = pd.DataFrame({'patient_id': profiles['patient_id'],\n"
            "    'recommended_drugs': ['; '.join(d) if d else 'none' for d in drugs]})\n"
            "evaluation['correct'] = evaluation['recommended_drugs'] == "
            "profiles['expected_drugs']\n"
            "evaluation['covered'] = [not any(r['rule_id'] == 'no rule' for r in "
            "rs) for rs in rec]\n"
            "accuracy = evaluation['correct'].sum() / len(evaluation)\n"
            "coverage = np.mean(evaluation['covered'])\n"
        },
        why="list comprehensions and vectorised comparison",
    ),
    Student(
        "ev_apply",
        {
            "answer_evaluate": "def drugs_of(text):\n"
            "    found = set()\n"
            "    for r in recommend(text.split(';')):\n"
            "        found.update(r['drugs'])\n"
            "    return '; '.join(sorted(found)) or 'none'\n"
            "def covered_of(text):\n"
            "    return all(r['rule_id'] != 'no rule' for r in recommend(text.split(';')))\n"
            "evaluation = profiles[['patient_id']].copy()\n"
            "evaluation['recommended_drugs'] = profiles['alterations'].apply(drugs_of)\n"
            "evaluation['correct'] = "
            "evaluation['recommended_drugs'].eq(profiles['expected_drugs'])\n"
            "evaluation['covered'] = profiles['alterations'].apply(covered_of)\n"
            "accuracy, coverage = evaluation['correct'].mean(), evaluation['covered'].mean()\n"
        },
        why="Series.apply with helper functions, split on ';' (recommend strips spaces)",
    ),
    Student(
        "ev_unsorted",
        {
            "answer_evaluate": _evaluate(
                (
                    'sorted({d for r in _recs for d in r["drugs"]})',
                    'list(dict.fromkeys(d for r in _recs for d in r["drugs"]))',
                )
            )
        },
        fails={"test_accuracy_coverage": "SORTED drug names"},
        why="joins the drugs in the order the rules give them",
    ),
    Student(
        "ev_no_none",
        {"answer_evaluate": _evaluate(('if _drugs else "none"', 'if _drugs else ""'))},
        fails={"test_accuracy_coverage": "write 'none'"},
        why="an empty string where no drug is recommended",
    ),
    Student(
        "ev_python_none",
        {"answer_evaluate": _evaluate(('if _drugs else "none"', "if _drugs else None"))},
        fails={"test_accuracy_coverage": "write 'none'"},
        why="Python's None where no drug is recommended: charged once (had cost the table too)",
    ),
    Student(
        "ev_comma",
        {"answer_evaluate": _evaluate(('"; ".join(_drugs)', '", ".join(_drugs)'))},
        fails={"test_accuracy_coverage": "the share of patients whose recommended drugs equal"},
        why="joins the drugs with a comma: charged once (had cost the table too)",
    ),
    Student(
        "ev_covered_words",
        {
            "answer_evaluate": _evaluate(
                (
                    '"covered": all(r["rule_id"] != "no rule" for r in _recs),',
                    '"covered": "yes" if all(r["rule_id"] != "no rule" for r in _recs) else "no",',
                ),
                (
                    'coverage = float(evaluation["covered"].mean())',
                    'coverage = float((evaluation["covered"] == "yes").mean())',
                ),
            )
        },
        fails={"test_evaluation_table": "covered must be True or False"},
        why="'yes'/'no' in the covered column (the column had not been checked)",
    ),
    Student(
        "ev_covered_inverted",
        {
            "answer_evaluate": _evaluate(
                (
                    '"covered": all(r["rule_id"] != "no rule" for r in _recs),',
                    '"covered": any(r["rule_id"] == "no rule" for r in _recs),',
                ),
                (
                    'coverage = float(evaluation["covered"].mean())',
                    'coverage = float(1 - evaluation["covered"].mean())',
                ),
            )
        },
        fails={"test_evaluation_table": "covered must be True exactly where"},
        why="the covered column inverted, coverage corrected by hand (the column had not been "
        "checked)",
    ),
    Student(
        "ev_invented",
        {
            "answer_evaluate": "evaluation = pd.DataFrame({'patient_id': profiles['patient_id'],"
            " 'recommended_drugs': 'none',\n"
            "    'correct': profiles['expected_drugs'] == 'none', 'covered': True})\n"
            "accuracy = float(evaluation['correct'].mean())\ncoverage = 1.0\n"
        },
        fails={
            "test_evaluation_table": "the drugs recommend(...) names",
            "test_accuracy_coverage": "the share of patients whose recommended drugs equal",
        },
        why="'none' for everyone without calling recommend (had earned the table's point)",
    ),
    Student(
        "ev_copies_the_expected_drugs",
        {
            "answer_evaluate": _evaluate(
                ('"recommended_drugs": _joined', '"recommended_drugs": _expected'),
                ('"correct": _joined == _expected', '"correct": True'),
            )
        },
        fails={
            "test_evaluation_table": "the drugs recommend(...) names",
            "test_accuracy_coverage": "a share of ALL patients",
        },
        why="copies expected_drugs as the recommendation (had earned the table's point)",
    ),
    Student(
        "ev_covered_any",
        {
            "answer_evaluate": _evaluate(
                (
                    'all(r["rule_id"] != "no rule" for r in _recs)',
                    'any(r["rule_id"] != "no rule" for r in _recs)',
                )
            )
        },
        fails={"test_accuracy_coverage": "look for any 'no rule' entry"},
        why="covered when at least one rule fired",
    ),
    Student(
        "ev_accuracy_covered_only",
        {
            "answer_evaluate": _evaluate(
                (
                    'accuracy = float(evaluation["correct"].mean())',
                    'accuracy = float(evaluation.loc[evaluation["covered"], "correct"].mean())',
                )
            )
        },
        fails={"test_accuracy_coverage": "share of ALL patients"},
        why="scores accuracy among covered patients only",
    ),
    # ---- Exercise 3: cross-validated AUC
    Student(
        "cv_manual_loop",
        {
            "answer_cv_auc": "X, y = cohort[FEATURES].to_numpy(), cohort['resistant'].to_numpy()\n"
            "scores = []\n"
            "for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):\n"
            "    model = LogisticRegression().fit(X[train], y[train])\n"
            "    scores.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 1]))\n"
            "cv_auc = np.mean(scores)\n"
            "true_auc = roc_auc_score(y, cohort['true_probability'])\n"
        },
        why="an explicit loop over the folds with NumPy arrays",
    ),
    Student(
        "cv_cross_validate",
        {
            "answer_cv_auc": "from sklearn.model_selection import cross_validate\n"
            "res = cross_validate(LogisticRegression(), cohort[FEATURES], cohort['resistant'],\n"
            "    cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=0), "
            "scoring='roc_auc')\n"
            "cv_auc = res['test_score'].mean()\n"
            "true_auc = float(roc_auc_score(cohort.resistant.values, "
            "cohort.true_probability.values))\n"
        },
        why="cross_validate instead of cross_val_score",
    ),
    Student(
        "cv_newton_solver",
        {
            "answer_cv_auc": "X, y = cohort[FEATURES].to_numpy(), cohort['resistant'].to_numpy()\n"
            "scores = []\n"
            "for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):\n"
            "    model = LogisticRegression(solver='newton-cg', tol=1e-10)\n"
            "    model = model.fit(X[train], y[train])\n"
            "    scores.append(roc_auc_score(y[test], model.decision_function(X[test])))\n"
            "cv_auc = np.mean(scores)\n"
            "true_auc = roc_auc_score(y, cohort['true_probability'])\n"
        },
        why="a fully converged solver (AUC 6e-5 from lbfgs's default stop) scored on the logit",
    ),
    Student(
        "cv_training_auc",
        {
            "answer_cv_auc": "model = LogisticRegression().fit(cohort[FEATURES], "
            "cohort['resistant'])\n"
            "cv_auc = roc_auc_score(cohort['resistant'], "
            "model.predict_proba(cohort[FEATURES])[:, 1])\n"
            "true_auc = roc_auc_score(cohort['resistant'], cohort['true_probability'])\n"
        },
        fails={"test_cv_auc": "fitted to"},
        why="scores the model on the patients it was fitted to",
    ),
    Student(
        "cv_class_zero",
        {
            "answer_cv_auc": "X, y = cohort[FEATURES].to_numpy(), cohort['resistant'].to_numpy()\n"
            "scores = []\n"
            "for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):\n"
            "    model = LogisticRegression().fit(X[train], y[train])\n"
            "    scores.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 0]))\n"
            "cv_auc = np.mean(scores)\n"
            "true_auc = roc_auc_score(y, cohort['true_probability'])\n"
        },
        fails={"test_cv_auc": "probability of class 1"},
        why="scores with the probability of the sensitive class",
    ),
    Student(
        "cv_labels",
        {
            "answer_cv_auc": "X, y = cohort[FEATURES].to_numpy(), cohort['resistant'].to_numpy()\n"
            "scores = []\n"
            "for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):\n"
            "    model = LogisticRegression().fit(X[train], y[train])\n"
            "    scores.append(roc_auc_score(y[test], model.predict(X[test])))\n"
            "cv_auc = np.mean(scores)\n"
            "true_auc = roc_auc_score(y, cohort['true_probability'])\n"
        },
        fails={"test_cv_auc": "not with predicted 0/1 labels"},
        why="scores with predicted labels",
    ),
    Student(
        "cv_unshuffled",
        {"answer_cv_auc": _cv(("cv=_folds", "cv=5"))},
        fails={"test_cv_auc": "not cv=5"},
        why="lets cross_val_score make unshuffled folds",
    ),
    # ---- Exercise 4: calibration and the threshold
    Student(
        "ca_manual",
        {
            "answer_calibration": "X, y = cohort[FEATURES].to_numpy(), "
            "cohort['resistant'].to_numpy()\n"
            "cv_probability = np.zeros(len(y))\n"
            "for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):\n"
            "    model = LogisticRegression().fit(X[train], y[train])\n"
            "    cv_probability[test] = model.predict_proba(X[test])[:, 1]\n"
            "observed, predicted = calibration_curve(y, cv_probability, n_bins=5)\n"
            "max_calibration_gap = max(abs(o - p) for o, p in zip(observed, predicted))\n"
            "chosen_threshold = None\n"
            "for t in [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]:\n"
            "    sens = (cv_probability[y == 1] >= t).sum() / (y == 1).sum()\n"
            "    if sens >= 0.8:\n"
            "        chosen_threshold = t\n"
        },
        why="fills the probabilities fold by fold; a loop for the threshold",
    ),
    Student(
        "ca_newton_solver",
        {
            "answer_calibration": _calibration(
                (
                    "cross_val_predict(\n    LogisticRegression(),",
                    "cross_val_predict(\n    LogisticRegression(solver='newton-cg', tol=1e-10),",
                )
            )
        },
        why="a fully converged solver: probabilities up to 4e-4 from lbfgs's, same bins",
    ),
    Student(
        "ca_pandas",
        {
            "answer_calibration": _calibration(
                (
                    "chosen_threshold = max(\n    t\n    for t in [0.1, 0.15, 0.2, 0.25, "
                    "0.3, 0.4, 0.5]\n"
                    "    if np.mean(cv_probability[_resistant] >= t) >= 0.8\n)",
                    "_s = pd.Series({t: np.mean(cv_probability[_resistant] >= t)\n"
                    "               for t in [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]})\n"
                    "chosen_threshold = float(_s[_s >= 0.8].index.max())",
                )
            )
        },
        why="a Series of sensitivities by threshold",
    ),
    Student(
        "ca_in_sample",
        {
            "answer_calibration": _calibration(
                (
                    "cross_val_predict(\n    LogisticRegression(),\n    cohort[FEATURES],\n"
                    '    cohort["resistant"],\n    cv=_folds,\n    method="predict_proba",\n)',
                    'LogisticRegression().fit(cohort[FEATURES], cohort["resistant"])'
                    ".predict_proba(cohort[FEATURES])",
                )
            )
        },
        fails={"test_calibration_values": "not in-sample ones"},
        why="calibrates the in-sample probabilities",
    ),
    Student(
        "ca_mean_gap",
        {"answer_calibration": _calibration(("np.max(np.abs(", "np.mean(np.abs("))},
        fails={"test_calibration_values": "LARGEST absolute difference"},
        why="averages the gaps",
    ),
    Student(
        "ca_smallest_threshold",
        {
            "answer_calibration": _calibration(
                ("chosen_threshold = max(", "chosen_threshold = min(")
            )
        },
        fails={"test_threshold_decision": "choose the LARGEST one"},
        why="takes the smallest threshold that reaches the sensitivity",
    ),
    Student(
        "ca_specificity",
        {
            "answer_calibration": _calibration(
                (
                    "np.mean(cv_probability[_resistant] >= t) >= 0.8",
                    "np.mean(cv_probability[~_resistant] < t) >= 0.8",
                )
            )
        },
        fails={"test_threshold_decision": "divided by ALL resistant patients"},
        why="uses specificity instead of sensitivity",
    ),
    Student(
        "ca_rounded_sensitivity",
        {
            "answer_calibration": _calibration(
                (
                    "np.mean(cv_probability[_resistant] >= t) >= 0.8",
                    "round(np.mean(cv_probability[_resistant] >= t), 1) >= 0.8",
                )
            )
        },
        fails={"test_threshold_decision": "fewer than 80% of the resistant patients"},
        why="rounds the sensitivity before comparing it with 0.8",
    ),
    Student(
        "cal_invented",
        {
            "answer_calibration": "cv_probability = np.ones(600)\n"
            "observed = predicted = np.zeros(5)\n"
            "max_calibration_gap = 0.0\nchosen_threshold = 0.5\n"
        },
        fails={
            "test_calibration_values": "predicted probability of resistance",
            "test_threshold_decision": "not the course data's",
        },
        why="writes probabilities of one and the threshold that follows from them",
    ),
    Student(
        "ca_first_column",
        {"answer_calibration": _calibration((")[:, 1]", ")[:, 0]"))},
        fails={"test_calibration_values": "second column"},
        why="takes predict_proba's first column, then picks the threshold on it correctly",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
