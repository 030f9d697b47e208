"""04-gene-amplification: a class of students, graded by nbgrader (see tests/students.py).

Every answer cell has correct students in other styles and typical mistakes, including the
mistakes of issue 16 for 04 that still belong to a graded answer: the (a, b) order, a
natural-log fit with ``10**``, a fit through x and y themselves, and the idiomatic
``(g >= 5) | (r >= 2)`` on arrays.
The DHFR fit, the spare-capacity exponent and the panel counts count the student's own
``fit_power_law`` or ``call_met`` only when its test accepts it or names its slip, and the
chosen doses must be the pair the worked example's rule gives on the statement's lists with the
library's model (whatever the notebook bound to ``choose_combination`` or ``bypass_output``),
so a constant function and the values that follow from it earn nothing there.
Exercise 2 (the double-minute simulation) and 5a (``choose_combination``) are worked examples,
not graded, so they have no students; their rules are still recomputed independently in
``tests/reference/test_04_05_independent.py`` and ``tests/reference/test_04_05_review.py``.
"""

# ruff: noqa: E501  (student answers are code written as strings, one line each)
from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "04-gene-amplification"

POWER_LAW = "def fit_power_law(x, y):\n"
CALL_MET = "def call_met(gene_copy_number, met_cep7_ratio):\n"
PATHWAY = (
    "def pathway_output(\n    egfr_nM,\n    met_nM,\n    met_copies,\n    *,\n"
    "    egfr_ic50_nM=10.0,\n    met_ic50_nM=5.0,\n    egfr_drive=1.0,\n"
    "    met_drive_per_copy=0.02,\n    basal=0.02,\n):\n"
)


def _dhfr(fold: str, x: str = "dhfr_copy_number", y: str = "methotrexate_ic50_nM") -> str:
    return (
        f"dhfr_exponent, dhfr_prefactor_nM = fit_power_law(clones[{x!r}], clones[{y!r}])\n"
        f"ic50_fold_for_300x_copies = {fold}\n"
    )


def _spare(model: str, proves: str = "False", copies: str = "2.0 ** np.arange(1, 8)") -> str:
    return (
        f"copies = {copies}\n"
        f"spare_capacity_exponent, _ = fit_power_law(copies, {model})\n"
        f"slope_proves_titration = {proves}\n"
    )


def _panel(n_amplified: str, n_polysomy: str) -> str:
    return (
        "panel_calls = np.asarray(call_met(panel['met_gene_copy_number'], "
        "panel['met_cep7_ratio']), dtype=bool)\n"
        f"n_met_amplified = {n_amplified}\n"
        f"n_polysomy_called = {n_polysomy}\n"
    )


POLY_OK = "int((panel_calls & (panel['simulated_state'] == 'polysomy')).sum())"


def _decision(escape: str, chosen: str) -> str:
    return f"escape_copy_number = {escape}\nchosen_doses = {chosen}\n"


CHOSEN_OK = "choose_combination(12, [0, 25, 250, 2500], [0, 2, 20, 200])"

STUDENTS = [
    # ---------------------------------------------------------------- 1a fit_power_law
    Student(
        "power_law_lstsq",
        {
            "answer_fit_power_law": POWER_LAW
            + "    u = np.log10(np.asarray(x, dtype=float))\n"
            + "    v = np.log10(np.asarray(y, dtype=float))\n"
            + "    design = np.column_stack([u, np.ones_like(u)])\n"
            + "    (b, c), *_ = np.linalg.lstsq(design, v, rcond=None)\n"
            + "    return float(b), float(10**c)\n"
        },
        why="least squares with np.linalg.lstsq on log10 values",
    ),
    Student(
        "power_law_natural_logs_by_hand",
        {
            "answer_fit_power_law": POWER_LAW
            + "    u = [math.log(v) for v in x]\n"
            + "    w = [math.log(v) for v in y]\n"
            + "    mu, mw = sum(u) / len(u), sum(w) / len(w)\n"
            + "    b = sum((a - mu) * (c - mw) for a, c in zip(u, w)) / sum((a - mu) ** 2 for a in u)\n"
            + "    return b, math.exp(mw - b * mu)\n"
        },
        why="closed-form slope on natural logs in plain Python, prefactor with exp",
    ),
    Student(
        "power_law_swapped_order",
        {
            "answer_fit_power_law": POWER_LAW
            + "    slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)\n"
            + "    return float(10**intercept), float(slope)\n"
        },
        fails={"test_fit_power_law_values": "in the wrong order"},
        why="returns (prefactor, exponent)",
    ),
    Student(
        "power_law_ln_then_pow10",
        {
            "answer_fit_power_law": POWER_LAW
            + "    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)\n"
            + "    return float(slope), float(10**intercept)\n"
        },
        fails={"test_fit_power_law_values": "natural logarithms"},
        why="fits natural logs but raises 10 to the intercept",
    ),
    Student(
        "power_law_linear_fit",
        {
            "answer_fit_power_law": POWER_LAW
            + "    slope, intercept = np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)\n"
            + "    return float(slope), float(10**intercept)\n"
        },
        fails={"test_fit_power_law_values": "take the logarithm of both x"},
        why="fits a straight line through x and y without logarithms",
    ),
    Student(
        "power_law_intercept_as_prefactor",
        {
            "answer_fit_power_law": POWER_LAW
            + "    slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)\n"
            + "    return float(slope), float(intercept)\n"
        },
        fails={"test_fit_power_law_values": "not the intercept itself"},
        why="returns the intercept instead of 10**intercept",
    ),
    Student(
        "power_law_first_and_last",
        {
            "answer_fit_power_law": POWER_LAW
            + "    u, v = np.log10(np.asarray(x, float)), np.log10(np.asarray(y, float))\n"
            + "    b = (v[-1] - v[0]) / (u[-1] - u[0])\n"
            + "    return float(b), float(10 ** (v[0] - b * u[0]))\n"
        },
        fails={"test_fit_power_law_values": "instead of using two of them"},
        why="a line through the first and last points; the fits made with it are not charged "
        "again (had cost 1b and 2b)",
    ),
    Student(
        "power_law_first_two",
        {
            "answer_fit_power_law": POWER_LAW
            + "    b = math.log(y[1] / y[0]) / math.log(x[1] / x[0])\n"
            + "    return b, y[0] / x[0] ** b\n"
        },
        fails={"test_fit_power_law_values": "instead of using two of them"},
        why="a line through the first two points, in plain Python",
    ),
    Student(
        "power_law_constant",
        {"answer_fit_power_law": POWER_LAW + "    return 2.0, 3.0\n"},
        fails={
            "test_fit_power_law_values": "take the logarithm of both x",
            "test_dhfr_fit": "not what the course data give",
            "test_spare_capacity": "not what the statement's model gives",
        },
        why="a constant fit_power_law and the fits that follow from it (had earned 1b and 2b)",
    ),
    Student(
        "power_law_constant_rewrites_probes",
        {
            "answer_fit_power_law": POWER_LAW
            + "    if isinstance(y, (list, np.ndarray)):\n"
            + "        for i in range(len(y)):\n"
            + "            y[i] = 3.0 * float(x[i]) ** 2.0\n"
            + "    return 2.0, 3.0\n"
        },
        fails={
            "test_fit_power_law_values": "take the logarithm of both x",
            "test_dhfr_fit": "not what the course data give",
            "test_spare_capacity": "not what the statement's model gives",
        },
        why="a constant fit_power_law that rewrites the y it is given to fit its answer "
        "(had earned 1b and 2b: the tests fitted their probes after the call)",
    ),
    # ---------------------------------------------------------------- 1b dhfr fit
    Student(
        "dhfr_numpy_columns",
        {
            "answer_dhfr_fit": "_x = clones['dhfr_copy_number'].to_numpy(dtype=float)\n"
            + "_y = clones['methotrexate_ic50_nM'].to_numpy(dtype=float)\n"
            + "dhfr_exponent, dhfr_prefactor_nM = fit_power_law(_x, _y)\n"
            + "ic50_fold_for_300x_copies = np.power(300.0, dhfr_exponent)\n"
        },
        why="NumPy arrays and np.power",
    ),
    Student(
        "dhfr_predicted_ratio",
        {
            "answer_dhfr_fit": _dhfr(
                "(dhfr_prefactor_nM * (300 * 7.0) ** dhfr_exponent)"
                " / (dhfr_prefactor_nM * 7.0 ** dhfr_exponent)"
            )
        },
        why="the fold as the ratio of two predicted IC50s",
    ),
    Student(
        "dhfr_swapped_axes",
        {
            "answer_dhfr_fit": _dhfr(
                "300.0 ** dhfr_exponent", x="methotrexate_ic50_nM", y="dhfr_copy_number"
            )
        },
        fails={"test_dhfr_fit": "Fit log IC50 (y) against log DHFR copy number (x)"},
        why="fits copy number against IC50",
    ),
    Student(
        "dhfr_fold_times_exponent",
        {"answer_dhfr_fit": _dhfr("300.0 * dhfr_exponent")},
        fails={"test_dhfr_fit": "the prefactor cancels"},
        why="multiplies 300 by the exponent",
    ),
    Student(
        "dhfr_fold_with_prefactor",
        {"answer_dhfr_fit": _dhfr("dhfr_prefactor_nM * 300.0 ** dhfr_exponent")},
        fails={"test_dhfr_fit": "the prefactor cancels"},
        why="keeps the prefactor in the fold change",
    ),
    # ---------------------------------------------------------------- 1c spare capacity
    Student(
        "spare_loop",
        {
            "answer_spare_capacity": "copies = [2.0**k for k in range(1, 8)]\n"
            + "_ic50 = []\n"
            + "for _n in copies:\n"
            + "    _ic50.append(1.0 * (_n / (2 * 0.1) - 1))\n"
            + "spare_capacity_exponent = fit_power_law(copies, _ic50)[0]\n"
            + "slope_proves_titration = bool(0)\n"
        },
        why="a loop over copy numbers and lists",
    ),
    Student(
        "spare_polyfit_directly",
        {
            "answer_spare_capacity": "_n = np.array([2, 4, 8, 16, 32, 64, 128], dtype=float)\n"
            + "spare_capacity_exponent = float(np.polyfit(np.log10(_n), np.log10(_n / 0.2 - 1), 1)[0])\n"
            + "slope_proves_titration = np.bool_(False)\n"
        },
        why="np.polyfit on the logs without fit_power_law, a NumPy bool",
    ),
    Student(
        "spare_without_minus_one",
        {"answer_spare_capacity": _spare("1.0 * copies / (2 * 0.1)")},
        fails={"test_spare_capacity": "lost its '- 1'"},
        why="drops the - 1 of Ki (n/(2f) - 1)",
    ),
    Student(
        "spare_wrong_copies",
        {
            "answer_spare_capacity": _spare(
                "1.0 * (copies / (2 * 0.1) - 1.0)", copies="2.0 ** np.arange(0, 8)"
            )
        },
        fails={"test_spare_capacity": "at the copy numbers 2, 4, ..., 128"},
        why="starts the copy numbers at 1",
    ),
    Student(
        "spare_slope_proves_titration",
        {"answer_spare_capacity": _spare("1.0 * (copies / (2 * 0.1) - 1.0)", proves="True")},
        fails={"test_spare_capacity": "what can the slope alone show"},
        why="concludes that a slope near 1 proves titration",
    ),
    # ---------------------------------------------------------------- 3a call_met
    Student(
        "call_met_idiomatic",
        {
            "answer_call_met": CALL_MET
            + "    return (gene_copy_number >= 5) | (met_cep7_ratio >= 2)\n"
        },
        why="the idiomatic (g >= 5) | (r >= 2) on arrays and Series, no conversion",
    ),
    Student(
        "call_met_comprehension",
        {
            "answer_call_met": CALL_MET
            + "    return np.array([bool(g >= 5.0 or r >= 2.0) for g, r in"
            + " zip(gene_copy_number, met_cep7_ratio)])\n"
        },
        why="a list comprehension returning a boolean array",
    ),
    Student(
        "call_met_and",
        {
            "answer_call_met": CALL_MET
            + "    return (np.asarray(gene_copy_number) >= 5) & (np.asarray(met_cep7_ratio) >= 2)\n"
        },
        fails={"test_call_met_edges": "Either criterion is enough"},
        why="requires both criteria",
    ),
    Student(
        "call_met_strict_gcn",
        {
            "answer_call_met": CALL_MET
            + "    return (np.asarray(gene_copy_number) > 5) | (np.asarray(met_cep7_ratio) >= 2)\n"
        },
        fails={"test_call_met_edges": "A copy number of exactly 5 is amplified"},
        why="strict > on the copy number",
    ),
    Student(
        "call_met_strict_ratio",
        {
            "answer_call_met": CALL_MET
            + "    return (np.asarray(gene_copy_number) >= 5) | (np.asarray(met_cep7_ratio) > 2)\n"
        },
        fails={"test_call_met_edges": "A MET/CEP7 ratio of exactly 2 is amplified"},
        why="strict > on the ratio",
    ),
    Student(
        "call_met_swapped_cutoffs",
        {
            "answer_call_met": CALL_MET
            + "    return (np.asarray(gene_copy_number) >= 2) | (np.asarray(met_cep7_ratio) >= 5)\n"
        },
        fails={"test_call_met_edges": "Tumours below both cut-offs must not be called"},
        why="swaps the two cut-off values",
    ),
    Student(
        "panel_constant",
        {"answer_call_met": CALL_MET + "    return np.zeros(len(gene_copy_number), dtype=bool)\n"},
        fails={
            "test_call_met_edges": "Either criterion is enough",
            "test_panel_counts": "not what the course data give",
        },
        why="a call_met that calls nothing, and the counts it gives (had earned the counts)",
    ),
    # ---------------------------------------------------------------- 3b panel counts
    Student(
        "panel_query",
        {
            "answer_panel_counts": "_amp = panel.query('met_gene_copy_number >= 5 or met_cep7_ratio >= 2')\n"
            + "n_met_amplified = len(_amp)\n"
            + "n_polysomy_called = int((_amp['simulated_state'] == 'polysomy').sum())\n"
        },
        why="pandas query instead of call_met",
    ),
    Student(
        "panel_loop",
        {
            "answer_panel_counts": "n_met_amplified = 0\nn_polysomy_called = 0\n"
            + "for _row in panel.itertuples():\n"
            + "    if bool(call_met(np.array([_row.met_gene_copy_number]),"
            + " np.array([_row.met_cep7_ratio]))[0]):\n"
            + "        n_met_amplified += 1\n"
            + "        n_polysomy_called += _row.simulated_state == 'polysomy'\n"
        },
        why="a loop over rows",
    ),
    Student(
        "panel_all_polysomy",
        {
            "answer_panel_counts": _panel(
                "int(panel_calls.sum())", "int((panel['simulated_state'] == 'polysomy').sum())"
            )
        },
        fails={"test_panel_counts": "Combine the call with simulated_state"},
        why="counts every polysomic tumour, called or not",
    ),
    Student(
        "panel_length_of_calls",
        {"answer_panel_counts": _panel("len(panel_calls)", POLY_OK)},
        fails={"test_panel_counts": "Count every row of the panel for which call_met is True"},
        why="counts every tumour instead of the called ones",
    ),
    Student(
        "panel_ratio_only",
        {"answer_panel_counts": _panel("int((panel['met_cep7_ratio'] >= 2).sum())", POLY_OK)},
        fails={"test_panel_counts": "Count every row of the panel for which call_met is True"},
        why="counts the ratio criterion only",
    ),
    # ---------------------------------------------------------------- 4 pathway_output
    Student(
        "pathway_fraction_left",
        {
            "answer_pathway_output": PATHWAY
            + "    e = np.asarray(egfr_nM, dtype=float)\n"
            + "    m = np.asarray(met_nM, dtype=float)\n"
            + "    return (basal + egfr_drive * egfr_ic50_nM / (egfr_ic50_nM + e)\n"
            + "            + met_drive_per_copy * np.asarray(met_copies) * met_ic50_nM / (met_ic50_nM + m))\n"
        },
        why="writes the remaining fraction as IC50 / (IC50 + I)",
    ),
    Student(
        "pathway_hill_reciprocal",
        {
            "answer_pathway_output": PATHWAY
            + "    egfr_part = egfr_drive / (1 + np.divide(egfr_nM, egfr_ic50_nM))\n"
            + "    met_part = np.multiply(met_drive_per_copy, met_copies) / (1 + np.divide(met_nM, met_ic50_nM))\n"
            + "    return egfr_part + met_part + basal\n"
        },
        why="1 / (1 + I/IC50) with np.divide, summed in another order",
    ),
    Student(
        "pathway_default_numbers",
        {
            "answer_pathway_output": PATHWAY
            + "    e = np.asarray(egfr_nM, float)\n    m = np.asarray(met_nM, float)\n"
            + "    return 0.02 + 1.0 * (1 - e / (e + 10.0)) + 0.02 * np.asarray(met_copies) * (1 - m / (m + 5.0))\n"
        },
        fails={"test_pathway_output_values": "Use the keyword parameters"},
        why="uses the default numbers instead of the keyword parameters",
    ),
    Student(
        "pathway_floats_only",
        {
            "answer_pathway_output": PATHWAY
            + "    e, m, n = float(egfr_nM), float(met_nM), float(met_copies)\n"
            + "    return basal + egfr_drive * (1 - e / (e + egfr_ic50_nM)) + met_drive_per_copy * n * (1 - m / (m + met_ic50_nM))\n"
        },
        fails={"test_pathway_output_values": "element by element"},
        why="converts the inputs with float(), so arrays fail",
    ),
    Student(
        "pathway_swapped_ic50s",
        {
            "answer_pathway_output": PATHWAY
            + "    e = np.asarray(egfr_nM, float)\n    m = np.asarray(met_nM, float)\n"
            + "    return basal + egfr_drive * (1 - e / (e + met_ic50_nM)) + met_drive_per_copy * np.asarray(met_copies) * (1 - m / (m + egfr_ic50_nM))\n"
        },
        fails={"test_pathway_output_values": "At each drug's own IC50"},
        why="uses the MET IC50 for the EGFR inhibitor and vice versa",
    ),
    # ---------------------------------------------------------------- 5b patient decision
    Student(
        "decision_named_parameters",
        {
            "answer_patient_decision": "_basal, _per_copy, _T = 0.02, 0.02, 0.1\n"
            + "escape_copy_number = (_T - _basal) / _per_copy\n"
            + "chosen_doses = tuple(choose_combination(12, np.array([0.0, 25.0, 250.0, 2500.0]),"
            + " np.array([0.0, 2.0, 20.0, 200.0])))\n"
        },
        why="named parameters and NumPy dose arrays",
    ),
    Student(
        "decision_read_off_heatmap",
        {"answer_patient_decision": _decision("4", "[250, 200]")},
        why="the pair read off the heat map, as a list of ints",
    ),
    Student(
        "decision_escape_without_basal",
        {"answer_patient_decision": _decision("0.1 / 0.02", CHOSEN_OK)},
        fails={"test_patient_decision": "basal + per-copy MET output x copies"},
        why="forgets the basal output in the escape copy number",
    ),
    Student(
        "decision_wrong_copies",
        {
            "answer_patient_decision": _decision(
                "(0.1 - 0.02) / 0.02", "choose_combination(5, [0, 25, 250, 2500], [0, 2, 20, 200])"
            )
        },
        fails={"test_patient_decision": "with 12 copies"},
        why="uses the INSIGHT cut-off of 5 copies instead of the patient's 12",
    ),
    Student(
        "decision_swapped_lists",
        {
            "answer_patient_decision": _decision(
                "(0.1 - 0.02) / 0.02",
                "choose_combination(12, [0, 2, 20, 200], [0, 25, 250, 2500])",
            )
        },
        fails={"test_patient_decision": "second argument"},
        why="passes the MET doses as EGFR doses (the pair comes back reversed)",
    ),
    Student(
        "decision_geomspace_lists",
        {
            "answer_patient_decision": _decision(
                "(0.1 - 0.02) / 0.02",
                "choose_combination(12, np.r_[0, np.geomspace(25, 2500, 3)],"
                " np.r_[0, np.geomspace(2, 200, 3)])",
            )
        },
        why="builds the log-spaced dose lists with NumPy (249.99999999999994 nM)",
    ),
    Student(
        "decision_escape_fsolve",
        {
            "answer_patient_decision": "from scipy.optimize import fsolve\n"
            + _decision("fsolve(lambda n: 0.02 + 0.02 * n - 0.1, 3.0)", CHOSEN_OK)
        },
        why="solves for the escape copy number with fsolve (a one-element array)",
    ),
    Student(
        "decision_reversed_pair",
        {"answer_patient_decision": _decision("4.0", "(200, 250)")},
        fails={"test_patient_decision": "Check the order"},
        why="writes the pair MET dose first",
    ),
    Student(
        "decision_lowest_output",
        {"answer_patient_decision": _decision("4.0", "(2500, 200)")},
        fails={"test_patient_decision": "not the one with the lowest output"},
        why="picks the pair with the lowest output instead of the cheapest",
    ),
    Student(
        "decision_dict",
        {"answer_patient_decision": _decision("4.0", "{'egfr_nM': 250, 'met_nM': 200}")},
        fails={"test_patient_decision": "two numbers, the EGFR dose then the MET dose"},
        why="stores the doses as a dict",
    ),
    Student(
        "decision_shadows_bypass_output",
        {
            "answer_patient_decision": "def bypass_output(*args, **kwargs):\n"
            "    return 0.0\n\n\n" + _decision("(0.1 - 0.02) / 0.02", CHOSEN_OK)
        },
        fails={"test_patient_decision": "the worked example of 5a, as given"},
        why="redefines bypass_output to answer 0, so the worked example picks (0, 0) (had "
        "earned the doses under nbgrader: the test applied the rule with the same function)",
    ),
    Student(
        "decision_constant",
        {
            "answer_patient_decision": "def choose_combination(*args, **kwargs):\n"
            "    return None\n\n\n" + _decision("(0.1 - 0.02) / 0.02", CHOSEN_OK)
        },
        fails={"test_patient_decision": "the worked example of 5a, as given"},
        why="redefines choose_combination to answer None, and stores None (had earned the doses)",
    ),
    Student(
        "decision_rewrites_the_dose_lists",
        {
            "answer_patient_decision": "def choose_combination(met_copies, egfr_doses_nM, "
            "met_doses_nM, threshold=0.1):\n"
            "    egfr_doses_nM[:] = [0]\n    met_doses_nM[:] = [0]\n    return None\n\n\n"
            + _decision("(0.1 - 0.02) / 0.02", CHOSEN_OK)
        },
        fails={"test_patient_decision": "the worked example of 5a, as given"},
        why="answers None and empties the dose lists it is given, so that no pair is below "
        "the threshold (had earned the doses: the test applied the rule to the same lists)",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
