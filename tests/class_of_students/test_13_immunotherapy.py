"""13-immunotherapy: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, edited_solution, grade_class

ASSIGNMENT = "13-immunotherapy"

RHS = "def tumour_immune(t, state, kappa=1.0):\n"
PARAMS = (
    "    sigma, rho, eta, mu, delta = 0.1181, 1.131, 20.19, 0.00311, 0.3743\n"
    "    alpha, beta = 1.636, 0.002\n"
    "    x, y = state\n"
)


def _rhs(dx: str, dy: str) -> str:
    return RHS + PARAMS + f"    dx = {dx}\n    dy = {dy}\n    return np.array([dx, dy])\n"


GOOD_DX = "sigma + rho * x * y / (eta + y) - mu * x * y - delta * x"
GOOD_DY = "alpha * y * (1 - beta * y) - kappa * x * y"


def _sim(edit: tuple[str, str]) -> str:
    return edited_solution(ASSIGNMENT, "answer_simulate", edit)


def _control(edit: tuple[str, str]) -> str:
    return edited_solution(ASSIGNMENT, "answer_control", edit)


def _tmb(*edits: tuple[str, str]) -> str:
    return edited_solution(ASSIGNMENT, "answer_tmb", *edits)


def _cutoff(*edits: tuple[str, str]) -> str:
    return edited_solution(ASSIGNMENT, "answer_cutoff", *edits)


STUDENTS = [
    # ---- Exercise 1: the model's right-hand side
    Student(
        "rhs_dict_list",
        {
            "answer_rhs": RHS
            + "    p = dict(s=0.1181, r=1.131, e=20.19, m=0.00311, d=0.3743, a=1.636, b=0.002)\n"
            "    x = float(state[0])\n    y = float(state[1])\n"
            "    recruit = p['r'] * x * y / (p['e'] + y)\n"
            "    return [p['s'] + recruit - p['m'] * x * y - p['d'] * x,\n"
            "            p['a'] * y - p['a'] * p['b'] * y * y - kappa * x * y]\n"
        },
        why="a parameter dict, expanded logistic term, returns a list",
    ),
    Student(
        "rhs_factored",
        {
            "answer_rhs": RHS + PARAMS + "    kill = x * y\n"
            "    growth = alpha * y * (1 - beta * y)\n"
            "    return np.asarray((sigma + x * (rho * y / (eta + y) - mu * y - delta),"
            " growth - kappa * kill))\n"
        },
        why="factors x out of the effector equation",
    ),
    Student(
        "rhs_eta_x",
        {"answer_rhs": _rhs("sigma + rho * x * y / (eta + x) - mu * x * y - delta * x", GOOD_DY)},
        fails={"test_rhs_values": "saturating in the TUMOUR"},
        why="recruitment saturates in the effectors instead of the tumour",
    ),
    Student(
        "rhs_no_kappa",
        {"answer_rhs": _rhs(GOOD_DX, "alpha * y * (1 - beta * y) - x * y")},
        fails={"test_rhs_kill_factor": "kappa multiplies x*y"},
        why="forgets the kill factor",
    ),
    Student(
        "rhs_kappa_everywhere",
        {
            "answer_rhs": _rhs(
                "sigma + rho * x * y / (eta + y) - kappa * mu * x * y - delta * x", GOOD_DY
            )
        },
        fails={"test_rhs_kill_factor": "kappa changed dx/dtau"},
        why="puts the kill factor on the effector inactivation too",
    ),
    Student(
        "rhs_logistic",
        {"answer_rhs": _rhs(GOOD_DX, "alpha * y * (1 - y / beta) - kappa * x * y")},
        fails={"test_rhs_values": "dy/dtau is off"},
        why="writes the logistic term with 1/beta as if beta were a carrying capacity",
    ),
    # ---- Exercise 2: with and without therapy
    Student(
        "sim_solve_ivp",
        {
            "answer_simulate": "from scipy.integrate import solve_ivp\n"
            "runs = {}\n"
            "for k in (1.0, 1.5):\n"
            "    s = solve_ivp(kuznetsov_rhs, (0, 300), [1.0, 500.0], args=({'kappa': k},),"
            " rtol=1e-8, atol=1e-10)\n"
            "    runs[k] = s.y[1, -1]\n"
            "tumour_untreated, tumour_treated = runs[1.0], runs[1.5]\n"
        },
        why="solve_ivp on the library right-hand side with a params dict",
    ),
    Student(
        "sim_two_times",
        {
            "answer_simulate": "r0 = simulate_kuznetsov([0, 300], [1, 500])\n"
            "r1 = simulate_kuznetsov([0, 300], [1, 500], {'kappa': 1.5})\n"
            "tumour_untreated = r0.to_frame()['tumour'].iloc[-1]\n"
            "tumour_treated = np.float64(r1.tumour[1])\n"
        },
        why="only the two end times, a plain params dict, NumPy scalars",
    ),
    Student(
        "sim_swapped",
        {"answer_simulate": _sim(("(1.0, 500.0)", "(500.0, 1.0)"))},
        fails={
            "test_simulate_untreated": "effectors first",
            "test_simulate_treated": "starting from (1, 500)",
        },
        why="gives the tumour first in the initial state",
    ),
    Student(
        "sim_days",
        {
            "answer_simulate": _sim(
                ("np.linspace(0.0, 300.0, 601)", "np.linspace(0.0, 300.0 / 9.08, 601)")
            )
        },
        fails={"test_simulate_treated": "not days"},
        why="converts 300 to days' worth of dimensionless time",
    ),
    Student(
        "sim_divide",
        {"answer_simulate": _sim(("kill_factor=1.5", "kill_factor=1 / 1.5"))},
        fails={"test_simulate_treated": "do not divide"},
        why="divides the kill rate",
    ),
    Student(
        "sim_no_params",
        {"answer_simulate": _sim((", with_therapy(kill_factor=1.5))", ")"))},
        fails={"test_simulate_treated": "multiply the kill rate by 1.5"},
        why="forgets to pass the therapy parameters",
    ),
    # ---- Exercise 3: the kill factor that removes escape
    Student(
        "ctl_count_states",
        {
            "answer_control": "kappa_control = next(\n"
            "    float(k) for k in np.round(np.arange(1.0, 3.0001, 0.01), 2)\n"
            "    if not kuznetsov_steady_states(with_therapy(kill_factor=float(k)))"
            '.query(\'tumour > 100 and stability.str.contains("stable") and '
            "not stability.str.contains(\"un\")', engine='python').shape[0]\n)\n"
        },
        why="next() over a generator with DataFrame.query",
    ),
    Student(
        "ctl_rows_loop",
        {
            "answer_control": "kappa_control = None\n"
            "k = 1.0\n"
            "while kappa_control is None:\n"
            "    ss = kuznetsov_steady_states(with_therapy(kill_factor=k))\n"
            "    big = [row for _, row in ss.iterrows() if row['tumour'] > 100 and"
            " row['stability'] in ('stable node', 'stable focus')]\n"
            "    if not big:\n"
            "        kappa_control = k\n"
            "    k = round(k + 0.01, 2)\n"
        },
        why="a while loop over rows",
    ),
    Student(
        "ctl_dormant",
        {
            "answer_control": "kappa_control = None\n"
            "for k in np.round(np.arange(1.0, 3.0001, 0.01), 2):\n"
            "    ss = kuznetsov_steady_states(with_therapy(kill_factor=k))\n"
            "    small = ss[(ss.tumour > 0) & (ss.tumour < 100)]\n"
            "    if small.stability.str.startswith('stable').any():\n"
            "        kappa_control = float(k)\n"
            "        break\n"
        },
        fails={"test_kappa_control": "already stable without therapy"},
        why="looks for a stable small state instead of the absence of escape",
    ),
    Student(
        "ctl_trajectory",
        {
            "answer_control": "kappa_control = None\n"
            "for k in np.round(np.arange(1.0, 3.0001, 0.01), 2):\n"
            "    r = simulate_kuznetsov([0, 300], (1.0, 500.0), with_therapy(kill_factor=k))\n"
            "    if r.tumour[-1] < 100:\n"
            "        kappa_control = float(k)\n"
            "        break\n"
        },
        fails={"test_kappa_control": "depends on where it starts"},
        why="uses one simulated tumour instead of the steady states",
    ),
    Student(
        "ctl_last_escape",
        {
            "answer_control": _control(
                (
                    "    if _escape.empty:\n        kappa_control = float(_k)\n        break\n",
                    "    if not _escape.empty:\n        kappa_control = float(_k)\n",
                )
            )
        },
        fails={"test_kappa_control": "the last kappa WITH it"},
        why="reports the last kill factor that still has an escape state",
    ),
    Student(
        "ctl_coarse",
        {
            "answer_control": _control(
                ("np.arange(1.0, 3.0001, 0.01), 2)", "np.arange(1.0, 3.0001, 0.1), 2)")
            )
        },
        fails={"test_kappa_control": "0.01 grid"},
        why="scans a 0.1 grid",
    ),
    # ---- Exercise 4: response rates and the AUC
    Student(
        "tmb_groupby_loop",
        {
            "answer_tmb": "high = cohort['tmb_mut_per_mb'] >= 10\n"
            "rates = cohort.groupby(high)['response'].mean()\n"
            "orr_tmb_high, orr_tmb_low = rates[True], rates[False]\n"
            "resp = cohort[cohort.response == 1].tmb_mut_per_mb.tolist()\n"
            "non = cohort[cohort.response == 0].tmb_mut_per_mb.tolist()\n"
            "score = 0.0\n"
            "for a in resp:\n"
            "    for b in non:\n"
            "        score += 1.0 if a > b else 0.5 if a == b else 0.0\n"
            "auc_tmb = score / (len(resp) * len(non))\n"
        },
        why="groupby for the rates, a double loop for the AUC",
    ),
    Student(
        "tmb_mannwhitney",
        {
            "answer_tmb": "from scipy.stats import mannwhitneyu\n"
            "hi = cohort[cohort.tmb_mut_per_mb >= 10]\n"
            "lo = cohort[cohort.tmb_mut_per_mb < 10]\n"
            "orr_tmb_high = hi.response.sum() / len(hi)\n"
            "orr_tmb_low = lo.response.sum() / len(lo)\n"
            "p = cohort.tmb_mut_per_mb[cohort.response == 1]\n"
            "n = cohort.tmb_mut_per_mb[cohort.response == 0]\n"
            "auc_tmb = mannwhitneyu(p, n).statistic / (len(p) * len(n))\n"
        },
        why="the Mann-Whitney U statistic from scipy",
    ),
    Student(
        "tmb_percent",
        {
            "answer_tmb": _tmb(
                ('"response"].mean())\norr_tmb_low', '"response"].mean()) * 100\norr_tmb_low')
            )
        },
        fails={"test_orr_by_tmb": "not percentages"},
        why="gives the TMB-high response rate in percent",
    ),
    Student(
        "tmb_strict",
        {
            "answer_tmb": _tmb(
                ('_high = cohort["tmb_mut_per_mb"] >= 10', '_high = cohort["tmb_mut_per_mb"] > 10')
            )
        },
        fails={"test_orr_by_tmb": "exactly 10"},
        why="TMB-high as > 10",
    ),
    Student(
        "tmb_sensitivity",
        {
            "answer_tmb": _tmb(
                (
                    'orr_tmb_high = float(cohort.loc[_high, "response"].mean())',
                    'orr_tmb_high = float(cohort.loc[_high, "response"].sum()'
                    ' / cohort["response"].sum())',
                )
            )
        },
        fails={"test_orr_by_tmb": "share of RESPONDERS"},
        why="divides by all responders instead of all TMB-high patients",
    ),
    Student(
        "auc_ties_zero",
        {"answer_tmb": _tmb(("(_greater + 0.5 * _ties)", "(_greater + 0.0 * _ties)"))},
        fails={"test_auc_tmb": "count one half"},
        why="counts ties as losses",
    ),
    Student(
        "auc_swapped",
        {
            "answer_tmb": _tmb(
                ("(_pos[:, None] > _neg[None, :])", "(_pos[:, None] < _neg[None, :])")
            )
        },
        fails={"test_auc_tmb": "swapped"},
        why="counts pairs in which the non-responder is higher",
    ),
    Student(
        "auc_balanced",
        {
            "answer_tmb": _tmb(
                (
                    "auc_tmb = float((_greater + 0.5 * _ties) / (_pos.size * _neg.size))",
                    "auc_tmb = float(((_pos >= 10).mean() + (_neg < 10).mean()) / 2)",
                )
            )
        },
        fails={"test_auc_tmb": "average of sensitivity and specificity"},
        why="balanced accuracy at the 10 mut/Mb cut-off",
    ),
    # ---- Exercise 5: the cut-off for 80% sensitivity
    Student(
        "cut_loop",
        {
            "answer_cutoff": "t = cohort['tmb_mut_per_mb'].to_numpy()\n"
            "r = cohort['response'].to_numpy() == 1\n"
            "for c in sorted(set(t), reverse=True):\n"
            "    if np.mean(t[r] >= c) >= 0.8:\n"
            "        cutoff_80 = c\n"
            "        break\n"
            "specificity_80 = np.mean(t[~r] < cutoff_80)\n"
        },
        why="a loop down the distinct values",
    ),
    Student(
        "cut_order_statistic",
        {
            "answer_cutoff": "import math\n"
            "resp = cohort.loc[cohort.response == 1, 'tmb_mut_per_mb']"
            ".sort_values(ascending=False).reset_index(drop=True)\n"
            "cutoff_80 = resp[math.ceil(0.8 * len(resp)) - 1]\n"
            "non = cohort.loc[cohort.response == 0, 'tmb_mut_per_mb']\n"
            "specificity_80 = (non < cutoff_80).sum() / len(non)\n"
        },
        why="the ceil(0.8 n)-th highest responder's TMB",
    ),
    Student(
        "cut_lowest",
        {
            "answer_cutoff": _cutoff(
                ("int(np.flatnonzero(_tpr >= 0.80)[0])", "int(np.flatnonzero(_tpr >= 0.80)[-1])")
            )
        },
        fails={"test_cutoff_80": "HIGHEST"},
        why="takes the lowest cut-off that reaches 80% sensitivity",
    ),
    Student(
        "cut_strict",
        {
            "answer_cutoff": "t = cohort['tmb_mut_per_mb'].to_numpy()\n"
            "r = cohort['response'].to_numpy() == 1\n"
            "cutoff_80 = max(c for c in t if np.mean(t[r] > c) >= 0.8)\n"
            "specificity_80 = np.mean(t[~r] <= cutoff_80)\n"
        },
        fails={"test_cutoff_80": "TMB >= c"},
        why="calls positive only above the cut-off",
    ),
    Student(
        "spec_fpr",
        {"answer_cutoff": _cutoff(("float(1.0 - _fpr[_i])", "float(_fpr[_i])"))},
        fails={"test_specificity_80": "false-positive rate"},
        why="reports the false-positive rate",
    ),
    Student(
        "spec_everyone",
        {
            "answer_cutoff": _cutoff(
                (
                    "specificity_80 = float(1.0 - _fpr[_i])",
                    'specificity_80 = float((cohort["tmb_mut_per_mb"] < cutoff_80).mean())',
                )
            )
        },
        fails={"test_specificity_80": "NON-RESPONDERS only"},
        why="computes the share below the cut-off among all patients",
    ),
    Student(
        "cut_invented",
        {"answer_cutoff": "cutoff_80 = 0.0\nspecificity_80 = 0.0\n"},
        fails={
            "test_cutoff_80": "Far too low",
            "test_specificity_80": "not the one the course data give",
        },
        why="writes a cut-off below every TMB and the specificity that follows from it",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
