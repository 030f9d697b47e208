"""01-dose-response: a class of students, graded by nbgrader (see tests/students.py).

Most students rewrite one answer cell, starting from the instructor's solution (``_solution``)
and changing what a real student would write differently. The mistakes named in issue 16
(hard-coded 0.5 on the sensitised side, median of the controls, EC50 instead of absolute IC50,
free e0, nM, swapped plateaus) each lose exactly the points of the test that checks them.
The verdicts count the student's own ``call_resistance`` and ratios only when their own tests
find them right or name their mistake, so a constant function with invented ratios earns
nothing there.
"""

from __future__ import annotations

from functools import partial

import nbformat
import pytest
from helpers import ROOT
from students import Student, check_coverage, edited_solution, grade_class, solution_source

ASSIGNMENT = "01-dose-response"

HILL_SIGNATURE = "def hill(dose, e0, emax, ec50, h):\n"


_solution = partial(solution_source, ASSIGNMENT)
_edit = partial(edited_solution, ASSIGNMENT)


RV = "answer_relative_viability"
GR = "answer_gr_values"
CALL = "answer_resistance_call"

RV_MEAN = 'untreated = end[end["dose_uM"] == 0].groupby("cell_line")["cell_count"].mean()'
IC50_LINE = 'ic50_uM = {line: fit.ic50("absolute") for line, fit in viability_fits.items()}'
X0_MEAN = 'x0 = counts[counts["time_h"] == 0].groupby("cell_line")["cell_count"].mean()'
GR50_LINE = "gr50_uM = {line: fit.gr50 for line, fit in gr_fits.items()}"
RULE = """    if fold_change >= threshold:
        return "resistant"
    if fold_change <= 1.0 / threshold:
        return "sensitised"
    return "no change"
"""
DECISION = 'less_sensitive_per_division = "neither"'

STUDENTS = [
    # --- Exercise 1: hill ------------------------------------------------------------------
    Student(
        "hill_loop",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    import numpy as np\n"
            + "    d = np.atleast_1d(np.asarray(dose, dtype=float))\n"
            + "    out = np.array([e0 + (emax - e0) / (1 + (ec50 / x) ** h) if x > 0 else e0"
            + " for x in d])\n"
            + "    return out if np.ndim(dose) else float(out[0])\n"
        },
        why="a loop over doses with the (EC50/d)^h form",
    ),
    Student(
        "hill_power",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    d = np.power(np.asarray(dose, float), h)\n"
            + "    return emax + (e0 - emax) * np.power(ec50, h) / (np.power(ec50, h) + d)\n"
        },
        why="writes the curve from the top plateau down",
    ),
    Student(
        "hill_no_power_on_ec50",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    d = np.asarray(dose, float)\n"
            + "    return e0 + (emax - e0) * d**h / (ec50 + d**h)\n"
        },
        fails={
            "test_hill_function_values": "check that both the dose and the EC50 are raised",
        },
        why="forgets to raise EC50 to the power h",
    ),
    Student(
        "hill_swapped_plateaus",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    d = np.asarray(dose, float)\n"
            + "    return emax + (e0 - emax) * d**h / (ec50**h + d**h)\n"
        },
        fails={"test_hill_function_values": "the plateaus are swapped"},
        why="starts the curve at emax (issue 16: used to get a message about h)",
    ),
    Student(
        "hill_math_scalar",
        {
            "answer_hill_function": HILL_SIGNATURE
            + "    return e0 + (emax - e0) * math.pow(dose, h) / (math.pow(ec50, h)"
            + " + math.pow(dose, h))\n"
        },
        fails={"test_hill_function_arrays": "one response per dose for an array of doses"},
        why="math.pow only takes single numbers",
    ),
    Student(
        "hill_identity",
        {"answer_hill_function": HILL_SIGNATURE + "    return dose\n"},
        fails={
            "test_hill_function_values": "At dose 0 the response must equal e0",
            "test_hill_function_arrays": "must use its parameters",
        },
        why="returns the dose itself (review 46: it had earned the array point)",
    ),
    # --- Exercise 2: relative viability, IC50, RI ---------------------------------------------
    Student(
        "rv_transform",
        {
            RV: _edit(
                RV,
                (
                    RV_MEAN + '\n    end["viability"] = end["cell_count"] / end["cell_line"]'
                    ".map(untreated)",
                    'control = end["cell_count"].where(end["dose_uM"] == 0)\n'
                    '    end["viability"] = end["cell_count"] / control.groupby(end["cell_line"])'
                    '.transform("mean")',
                ),
            )
        },
        why="groupby().transform('mean') on the masked controls",
    ),
    Student(
        "rv_merge_loop",
        {
            RV: "def relative_viability(counts):\n"
            "    end = counts.loc[counts.time_h == 72]\n"
            '    ctrl = (end.loc[end.dose_uM == 0].groupby("cell_line", as_index=False)'
            '.cell_count.mean().rename(columns={"cell_count": "ctrl"}))\n'
            '    out = end.merge(ctrl, on="cell_line")\n'
            '    out["viability"] = out.cell_count / out.ctrl\n'
            '    return out.drop(columns="ctrl")\n\n\n'
            "viability = relative_viability(counts)\n"
            "viability_fits, ic50_uM = {}, {}\n"
            'for line in ["parental", "resistant"]:\n'
            "    w = viability[viability.cell_line == line]\n"
            "    viability_fits[line] = fit_hill(w.dose_uM.to_numpy(), w.viability.to_numpy(),"
            " e0=1.0)\n"
            '    ic50_uM[line] = viability_fits[line].ic50("absolute")\n'
            'ri_viability = ic50_uM["resistant"] / ic50_uM["parental"]\n'
        },
        why="merge on the line, a loop for the fits, the ratio by hand",
    ),
    Student(
        "rv_median_control",
        {RV: _edit(RV, (RV_MEAN, RV_MEAN.replace(".mean()", ".median()")))},
        fails={"test_relative_viability_table": "You divided by the MEDIAN"},
        why="median of the controls (issue 16: scored full with two replicates)",
    ),
    Student(
        "rv_first_control",
        {RV: _edit(RV, (RV_MEAN, RV_MEAN.replace(".mean()", ".first()")))},
        fails={"test_relative_viability_table": "not the first well"},
        why="divides by the first untreated well",
    ),
    Student(
        "rv_ec50",
        {RV: _edit(RV, (IC50_LINE, IC50_LINE.replace('fit.ic50("absolute")', "fit.ec50")))},
        fails={"test_resistance_index_viability": "You stored the EC50"},
        why="EC50 for the absolute IC50 (issue 16: cost the verdict and decision too)",
    ),
    Student(
        "rv_free_e0",
        {RV: _edit(RV, ('wells["viability"], e0=1.0)', 'wells["viability"])'))},
        fails={"test_resistance_index_viability": "Your fits let e0 float"},
        why="lets e0 float (issue 16: was told to use ic50('absolute'))",
    ),
    Student(
        "rv_nanomolar",
        {
            RV: _edit(
                RV,
                (
                    IC50_LINE,
                    IC50_LINE.replace('fit.ic50("absolute")', '1000 * fit.ic50("absolute")'),
                ),
            )
        },
        fails={"test_resistance_index_viability": "not nM"},
        why="reports the IC50 in nM (issue 16: no word on units)",
    ),
    # --- Exercise 3: GR --------------------------------------------------------------------
    Student(
        "gr_transform",
        {
            GR: "def gr_table(counts):\n"
            "    c = counts.copy()\n"
            '    line = c["cell_line"]\n'
            '    x0 = c["cell_count"].where(c["time_h"] == 0).groupby(line).transform("mean")\n'
            '    ctrl_mask = (c["time_h"] == 72) & (c["dose_uM"] == 0)\n'
            '    ctrl = c["cell_count"].where(ctrl_mask).groupby(line).transform("mean")\n'
            '    c["gr"] = np.exp2(np.log2(c["cell_count"] / x0) / np.log2(ctrl / x0)) - 1\n'
            '    return c[(c["time_h"] == 72) & (c["dose_uM"] > 0)]\n\n\n'
            "gr = gr_table(counts)\n"
            "gr_fits = {}\n"
            'for name, wells in gr.groupby("cell_line"):\n'
            '    gr_fits[name] = fit_gr(wells["dose_uM"].values, wells["gr"].values)\n'
            "gr50_uM = {name: float(f.gr50) for name, f in gr_fits.items()}\n"
            'ri_gr = resistance_index(gr50_uM["resistant"], gr50_uM["parental"])\n'
        },
        why="transform over the whole table, np.exp2, float GR50s",
    ),
    Student(
        "gr_loop",
        {
            GR: "def gr_table(counts):\n"
            "    parts = []\n"
            '    for line, w in counts.groupby("cell_line"):\n'
            "        x0 = w[w.time_h == 0].cell_count.mean()\n"
            "        ctrl = w[(w.time_h == 72) & (w.dose_uM == 0)].cell_count.mean()\n"
            "        t = w[(w.time_h == 72) & (w.dose_uM > 0)].copy()\n"
            '        t["gr"] = [2 ** (math.log2(x / x0) / math.log2(ctrl / x0)) - 1'
            " for x in t.cell_count]\n"
            "        parts.append(t)\n"
            "    return pd.concat(parts)\n\n\n"
            + _solution(GR).split(
                "# Compute gr, gr_fits, gr50_uM and ri_gr (see the statement)\n"
            )[1]
        },
        why="a loop over lines with math.log2",
    ),
    Student(
        "gr_median_x0",
        {GR: _edit(GR, (X0_MEAN, X0_MEAN.replace(".mean()", ".median()")))},
        fails={"test_gr_table_values": "You used a MEDIAN"},
        why="median of the time-zero wells (issue 16: scored full with two replicates)",
    ),
    Student(
        "gr_pooled_x0",
        {
            GR: _edit(
                GR,
                (
                    'start = treated["cell_line"].map(x0)',
                    'start = counts.loc[counts["time_h"] == 0, "cell_count"].mean()',
                ),
            )
        },
        fails={"test_gr_table_values": "Line B must use its own x0"},
        why="one x0 over both lines",
    ),
    Student(
        "gr_pooled_ctrl",
        {
            GR: _edit(
                GR,
                (
                    'control = treated["cell_line"].map(x_ctrl)',
                    'control = end.loc[end["dose_uM"] == 0, "cell_count"].mean()',
                ),
            )
        },
        fails={"test_gr_table_values": "Line B must use its own x0"},
        why="one untreated control over both lines: its GR50 ratio calls 'sensitised', and the "
        "verdict on it is not charged again",
    ),
    Student(
        "gr_gec50",
        {GR: _edit(GR, (GR50_LINE, GR50_LINE.replace("fit.gr50", "fit.gec50")))},
        fails={"test_gr50_values": "You stored GEC50"},
        why="GEC50 for GR50",
    ),
    Student(
        "gr_nanomolar",
        {GR: _edit(GR, (GR50_LINE, GR50_LINE.replace("fit.gr50", "1000 * fit.gr50")))},
        fails={"test_gr50_values": "not nM"},
        why="GR50 in nM",
    ),
    # --- Exercise 4: call_resistance, verdicts, decision ---------------------------------------
    Student(
        "call_sensitised_first",
        {
            CALL: _edit(
                CALL,
                (
                    RULE,
                    "    if fold_change * threshold <= 1:\n"
                    '        return "sensitised"\n'
                    '    return "resistant" if fold_change >= threshold else "no change"\n',
                ),
                (DECISION, 'less_sensitive_per_division = "Neither "'),
            )
        },
        why="tests the sensitised side first, multiplies instead of dividing, capital label",
    ),
    Student(
        "call_dict_labels",
        {
            CALL: _edit(
                CALL,
                (
                    RULE,
                    '    labels = {1: "resistant", -1: "sensitised", 0: "no change"}\n'
                    "    side = int(fold_change >= threshold)"
                    " - int(fold_change <= 1 / threshold)\n"
                    "    return labels[side]\n",
                ),
                (
                    "verdict_gr = call_resistance(ri_gr)",
                    "verdict_gr = call_resistance(ri_gr, threshold=2)",
                ),
            )
        },
        why="a dict of labels and an explicit threshold",
    ),
    Student(
        "call_hardcoded_half",
        {CALL: _edit(CALL, ("fold_change <= 1.0 / threshold", "fold_change <= 0.5"))},
        fails={"test_call_resistance_rule": "not a hard-coded 0.5"},
        why="hard-codes the sensitised cut-off (issue 16: scored full)",
    ),
    Student(
        "call_strict",
        {CALL: _edit(CALL, ("fold_change >= threshold", "fold_change > threshold"))},
        fails={"test_call_resistance_rule": "Exactly at the threshold counts as resistant"},
        why="> instead of >=",
    ),
    Student(
        "call_capitalised",
        {
            CALL: _edit(
                CALL,
                ('return "resistant"', 'return "Resistant"'),
                ('return "sensitised"', 'return "Sensitised"'),
                ('return "no change"', 'return "No change"'),
            )
        },
        fails={"test_call_resistance_rule": "in lower case"},
        why="capitalised labels: charged once, in the rule's test (had cost the verdicts too)",
    ),
    Student(
        "verdicts_swapped",
        {
            CALL: _edit(
                CALL,
                (
                    "verdict_viability = call_resistance(ri_viability)",
                    "verdict_viability = call_resistance(ri_gr)",
                ),
                (
                    "verdict_gr = call_resistance(ri_gr)",
                    "verdict_gr = call_resistance(ri_viability)",
                ),
            )
        },
        fails={"test_verdicts": "verdict_viability should be call_resistance(ri_viability)"},
        why="applies the rule to the wrong ratios",
    ),
    Student(
        "verdicts_constant",
        {
            CALL: "def call_resistance(fold_change, threshold=2.0):\n"
            '    return "resistant"\n\n\n'
            "ri_viability = ri_gr = 123.0\n"
            'verdict_viability = verdict_gr = "resistant"\n' + DECISION + "\n"
        },
        fails={
            "test_call_resistance_rule": "Below the threshold is 'no change'",
            "test_verdicts": "not what the course data give",
        },
        why="a constant function and invented ratios (had earned the verdicts' point)",
    ),
    Student(
        "verdicts_nan_ratios",
        {
            CALL: _edit(
                CALL,
                (
                    "verdict_viability = call_resistance(ri_viability)",
                    'ri_viability = ri_gr = float("nan")\n'
                    "verdict_viability = call_resistance(ri_viability)",
                ),
            )
        },
        fails={"test_verdicts": "not what the course data give"},
        why="NaN ratios, so the rule answers 'no change' for both (had earned the point)",
    ),
    Student(
        "verdicts_inf_ratios",
        {
            CALL: _edit(
                CALL,
                (
                    "verdict_viability = call_resistance(ri_viability)",
                    'ri_viability = ri_gr = float("inf")\n'
                    "verdict_viability = call_resistance(ri_viability)",
                ),
            )
        },
        fails={"test_verdicts": "not what the course data give"},
        why="infinite ratios, so the rule answers 'resistant' for both (had earned the point)",
    ),
    Student(
        "decision_viability",
        {CALL: _edit(CALL, (DECISION, 'less_sensitive_per_division = "resistant"'))},
        fails={"test_less_sensitive_per_division": "Which of your two metrics separates"},
        why="decides on relative viability",
    ),
    Student(
        "decision_invalid_label",
        {CALL: _edit(CALL, (DECISION, 'less_sensitive_per_division = "no change"'))},
        fails={"test_less_sensitive_per_division": "Use one of the labels"},
        why="answers with a verdict label instead of a line",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


def test_verdict_messages_do_not_give_the_answer():
    """The decision's coaching message names no expected label (issue 16, item 12)."""
    nb = nbformat.read(ROOT / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    (cell,) = [
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "test_less_sensitive_per_division"
    ]
    last = cell.source.split('assert _check.strip().lower() == "neither", (', 1)[1]
    assert "neither" not in last.lower() and "no change" not in last.lower()


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
