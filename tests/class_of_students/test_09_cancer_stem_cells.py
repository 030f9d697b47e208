"""09-cancer-stem-cells: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "09-cancer-stem-cells"

HD = "def hierarchy_derivatives(x, p_s, p_p, lam_s, lam_p, delta_d, kill=(0.0, 0.0, 0.0)):\n"


def _hd(ds, dp, dd):
    return (
        HD
        + "    s, p, d = x\n"
        + "    k_s, k_p, k_d = kill\n"
        + f"    return np.array([{ds}, {dp}, {dd}])\n"
    )


DS = "((2 * p_s - 1) * lam_s - k_s) * s"
DP = "2 * (1 - p_s) * lam_s * s + ((2 * p_p - 1) * lam_p - k_p) * p"
DD = "2 * (1 - p_p) * lam_p * p - (delta_d + k_d) * d"

CONV_LIB = (
    "from resistlab.stem_cells import time_to_relapse\n"
    "_days = np.arange(0.0, 366.0)\n"
    "_r = simulate_hierarchy(_days, kill=(0.0, 1.0, 1.0), therapy=(0.0, 30.0))\n"
)
RELAPSE = (
    "_grid = np.linspace(0.0, 500.0, 5001)\n"
    "from resistlab.stem_cells import time_to_relapse\n"
    "def _relapse(k):\n"
    "    r = simulate_hierarchy(_grid, kill=(k, 1.0, 1.0), therapy=(0.0, 30.0))\n"
    "    return time_to_relapse(_grid, r.total, r.total[0])\n"
)
SPF = "def sp_fractions(df):\n"
SP_USE = (
    "_sp = sp_fractions(flow)\n"
    "sp_percent = 100 * _sp['Hoechst 33342']\n"
    "sp_is_abcg2_dependent = bool(_sp['Hoechst 33342'] >= 5 * _sp['Hoechst 33342 + Ko143'])\n"
)

STUDENTS = [
    # ---- Exercise 1: the equations
    Student(
        "hd_matrix",
        {
            "answer_hierarchy_derivatives": HD
            + "    k_s, k_p, k_d = kill\n"
            + "    a = np.array([[(2 * p_s - 1) * lam_s - k_s, 0, 0],\n"
            + "                  [2 * (1 - p_s) * lam_s, (2 * p_p - 1) * lam_p - k_p, 0],\n"
            + "                  [0, 2 * (1 - p_p) * lam_p, -delta_d - k_d]])\n"
            + "    return a @ np.asarray(x, dtype=float)\n"
        },
        why="the linear system as a matrix times the state",
    ),
    Student(
        "hd_division_bookkeeping",
        {
            "answer_hierarchy_derivatives": HD
            + "    s, p, d = x\n"
            + "    renew_s, diff_s = p_s * lam_s * s, (1 - p_s) * lam_s * s\n"
            + "    renew_p, diff_p = p_p * lam_p * p, (1 - p_p) * lam_p * p\n"
            + "    ds = renew_s - diff_s - kill[0] * s\n"
            + "    dp = 2 * diff_s + renew_p - diff_p - kill[1] * p\n"
            + "    dd = 2 * diff_p - delta_d * d - kill[2] * d\n"
            + "    return np.array([ds, dp, dd])\n"
        },
        why="counts self-renewing and differentiating divisions separately",
    ),
    Student(
        "hd_feed_with_p",
        {"answer_hierarchy_derivatives": _hd(DS, DP.replace("(1 - p_s)", "p_s"), DD)},
        fails={
            "test_hierarchy_derivatives_values": "do NOT self-renew",
            "test_hierarchy_derivatives_kill": "subtract k_S S",
        },
        why="feeds progenitors with probability p_S instead of 1 - p_S",
    ),
    Student(
        "hd_feed_without_two",
        {"answer_hierarchy_derivatives": _hd(DS, DP.replace("2 * (1 - p_s)", "(1 - p_s)"), DD)},
        fails={
            "test_hierarchy_derivatives_values": "makes two progenitors",
            "test_hierarchy_derivatives_kill": "subtract k_S S",
        },
        why="forgets that a differentiating division makes two progenitors",
    ),
    Student(
        "hd_stem_rate_p",
        {"answer_hierarchy_derivatives": _hd("(2 * p_s * lam_s - k_s) * s", DP, DD)},
        fails={
            "test_hierarchy_derivatives_values": "dS/dt: the stem cells gain (2 p_S - 1)",
            "test_hierarchy_derivatives_kill": "subtract k_S S",
        },
        why="writes the stem rate as 2 p lam (no loss by differentiation)",
    ),
    Student(
        "hd_kill_swapped",
        {
            "answer_hierarchy_derivatives": HD
            + "    s, p, d = x\n"
            + "    k_d, k_p, k_s = kill\n"
            + f"    return np.array([{DS}, {DP}, {DD}])\n"
        },
        fails={"test_hierarchy_derivatives_kill": "subtract k_S S"},
        why="unpacks the kill rates in the wrong order",
    ),
    Student(
        "hd_hollow",
        {"answer_hierarchy_derivatives": HD + "    return np.zeros((0, 3))\n"},
        fails={
            "test_hierarchy_derivatives_values": "Return three derivatives",
            "test_hierarchy_derivatives_kill": "should return 3 values (dS/dt, dP/dt, dD/dt)",
        },
        why="an empty (0, 3) array, which broadcasts against the three values (review 56)",
    ),
    # ---- Exercise 2: conventional therapy
    Student(
        "conv_solve_ivp",
        {
            "answer_conventional_therapy": "from scipy.integrate import solve_ivp\n"
            + "from scipy.optimize import brentq\n"
            + "def _f(t, x, kill):\n"
            + "    return hierarchy_derivatives(x, 0.6, 0.45, 0.2, 0.8, 0.3, kill)\n"
            + "_on = solve_ivp(_f, (0, 30), [1.0, 10.0, 100.0], args=((0.0, 1.0, 1.0),),"
            + " rtol=1e-10, atol=1e-12, dense_output=True)\n"
            + "_off = solve_ivp(_f, (30, 365), _on.y[:, -1], args=((0.0, 0.0, 0.0),),"
            + " rtol=1e-10, atol=1e-12, dense_output=True)\n"
            + "stem_fraction_day0 = 1 / 111\n"
            + "_x30 = _on.y[:, -1]\n"
            + "stem_fraction_day30 = _x30[0] / _x30.sum()\n"
            + "relapse_day_conventional = brentq(lambda t: _off.sol(t).sum() - 111.0, 31, 365)\n"
        },
        why="integrates its own equations in two pieces and finds the crossing with brentq",
    ),
    Student(
        "conv_library_helpers",
        {
            "answer_conventional_therapy": CONV_LIB
            + "_frame = _r.to_frame()\n"
            + "stem_fraction_day0 = _frame.loc[0, 'stem_fraction']\n"
            + "stem_fraction_day30 = _frame.loc[30, 'stem_fraction']\n"
            + "relapse_day_conventional = time_to_relapse(_days, _r.total, _r.total[0])\n"
        },
        why="the result's DataFrame and the library's relapse helper",
    ),
    Student(
        "conv_fraction_of_others",
        {
            "answer_conventional_therapy": CONV_LIB
            + "stem_fraction_day0 = 1 / 111\n"
            + "stem_fraction_day30 = _r.stem[30] / (_r.progenitor[30] + _r.differentiated[30])\n"
            + "relapse_day_conventional = time_to_relapse(_days, _r.total, _r.total[0])\n"
        },
        fails={"test_stem_enrichment": "not by the other compartments"},
        why="divides stem cells by the other compartments",
    ),
    Student(
        "conv_therapy_never_stops",
        {
            "answer_conventional_therapy": "from resistlab.stem_cells import time_to_relapse\n"
            + "_days = np.arange(0.0, 366.0)\n"
            + "_r = simulate_hierarchy(_days, kill=(0.0, 1.0, 1.0))\n"
            + "stem_fraction_day0 = _r.stem_fraction[0]\n"
            + "stem_fraction_day30 = _r.stem_fraction[30]\n"
            + "relapse_day_conventional = time_to_relapse(_days, _r.total, _r.total[0])\n"
        },
        fails={"test_relapse_day": "keep the therapy to days 0-30"},
        why="leaves the therapy on for the whole year",
    ),
    Student(
        "conv_relapse_at_zero",
        {
            "answer_conventional_therapy": CONV_LIB
            + "stem_fraction_day0 = _r.stem_fraction[0]\n"
            + "stem_fraction_day30 = _r.stem_fraction[30]\n"
            + "relapse_day_conventional = float(_days[np.argmax(_r.total >= _r.total[0])])\n"
        },
        fails={"test_relapse_day": "Relapse comes after the total has fallen"},
        why="takes the first day at or above the day-0 size, which is day 0",
    ),
    # ---- Exercise 3: stem-targeting agent
    Student(
        "st_library_relapse",
        {
            "answer_stem_targeting": RELAPSE
            + "relapse_delay_days = _relapse(0.1) - _relapse(0.0)\n"
            + "min_stem_kill = next(k for k in [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]"
            + " if _relapse(k) >= 365)\n"
        },
        why="the library's relapse helper and a generator expression",
    ),
    Student(
        "st_rule_of_thumb",
        {
            "answer_stem_targeting": "_r_s = (2 * 0.6 - 1) * 0.2\n"
            + "relapse_delay_days = 30 * 0.1 / _r_s\n"
            + "_base = 74.0\n"
            + "_ok = [k for k in [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]"
            + " if _base + 30 * k / _r_s >= 365]\n"
            + "min_stem_kill = _ok[0]\n"
        },
        why="reasons with the stem clock: 30 k_S / r_S days per extra kill",
    ),
    Student(
        "st_reversed_delay",
        {
            "answer_stem_targeting": RELAPSE
            + "relapse_delay_days = _relapse(0.0) - _relapse(0.1)\n"
            + "min_stem_kill = 0.4\n"
        },
        fails={"test_stem_targeting": "WITH the agent minus"},
        why="subtracts the wrong way round",
    ),
    Student(
        "st_relapse_day_not_delay",
        {
            "answer_stem_targeting": RELAPSE
            + "relapse_delay_days = _relapse(0.1)\n"
            + "min_stem_kill = 0.4\n"
        },
        fails={"test_stem_targeting": "Compare two simulations"},
        why="reports the relapse day instead of the delay",
    ),
    Student(
        "st_stops_at_stem_count",
        {
            "answer_stem_targeting": RELAPSE
            + "relapse_delay_days = _relapse(0.1) - _relapse(0.0)\n"
            + "min_stem_kill = 0.3\n"
        },
        fails={"test_stem_targeting": "not from the stem cells alone"},
        why="picks 0.3, whose relapse (about day 299) comes before a year",
    ),
    Student(
        "st_largest_rate",
        {
            "answer_stem_targeting": RELAPSE
            + "relapse_delay_days = _relapse(0.1) - _relapse(0.0)\n"
            + "min_stem_kill = 0.5\n"
        },
        fails={"test_stem_targeting": "Choose the smallest"},
        why="chooses the largest rate instead of the smallest sufficient one",
    ),
    # ---- Exercise 4: side population
    Student(
        "sp_apply",
        {
            "answer_side_population": SPF
            + "    return df.groupby('sample').apply(lambda g: ((g['hoechst_blue'] < 300)"
            + " & (g['hoechst_red'] < 220)).sum() / len(g), include_groups=False)\n"
            + SP_USE
        },
        why="groupby-apply with a count divided by the group size",
    ),
    Student(
        "sp_query_loop",
        {
            "answer_side_population": SPF
            + "    out = {}\n"
            + "    for s in df['sample'].unique():\n"
            + "        sub = df[df['sample'] == s]\n"
            + "        out[s] = len(sub.query('hoechst_blue < 300 and hoechst_red < 220'))"
            + " / len(sub)\n"
            + "    return pd.Series(out)\n"
            + SP_USE
        },
        why="a loop over samples with DataFrame.query",
    ),
    Student(
        "sp_or_gate",
        {
            "answer_side_population": SPF
            + "    g = (df['hoechst_blue'] < 300) | (df['hoechst_red'] < 220)\n"
            + "    return g.groupby(df['sample']).mean()\n"
            + SP_USE
        },
        fails={"test_sp_fractions": "must pass both limits"},
        why="OR instead of AND",
    ),
    Student(
        "sp_inclusive_edge",
        {
            "answer_side_population": SPF
            + "    g = (df['hoechst_blue'] <= 300) & (df['hoechst_red'] <= 220)\n"
            + "    return g.groupby(df['sample']).mean()\n"
            + SP_USE
        },
        fails={"test_sp_fractions": "strictly below 220"},
        why="includes events on the gate's edge",
    ),
    Student(
        "sp_counts",
        {
            "answer_side_population": SPF
            + "    g = (df['hoechst_blue'] < 300) & (df['hoechst_red'] < 220)\n"
            + "    return g.groupby(df['sample']).sum()\n"
            + SP_USE
        },
        fails={
            "test_sp_fractions": "Return the FRACTION",
            "test_sp_decision": "Use the sample stained with Hoechst 33342 alone",
        },
        why="counts instead of fractions (cascade stated in the notebook)",
    ),
    Student(
        "sp_fraction_not_percent",
        {
            "answer_side_population": SPF
            + "    g = (df['hoechst_blue'] < 300) & (df['hoechst_red'] < 220)\n"
            + "    return g.groupby(df['sample']).mean()\n"
            + SP_USE.replace("100 * _sp", "_sp")
        },
        fails={"test_sp_decision": "multiply the fraction by 100"},
        why="stores the fraction where a percentage is asked",
    ),
    Student(
        "sp_wrong_sample",
        {
            "answer_side_population": SPF
            + "    g = (df['hoechst_blue'] < 300) & (df['hoechst_red'] < 220)\n"
            + "    return g.groupby(df['sample']).mean()\n"
            + SP_USE.replace("100 * _sp['Hoechst 33342']", "100 * _sp['Hoechst 33342 + Ko143']")
        },
        fails={"test_sp_decision": "Use the sample stained with Hoechst 33342 alone"},
        why="reports the inhibitor control",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
