"""14-adaptive-therapy: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

from functools import partial

import pytest
from helpers import ROOT
from students import Student, check_coverage, edited_solution, grade_class

ASSIGNMENT = "14-adaptive-therapy"
_edit = partial(edited_solution, ASSIGNMENT)

STEP = (
    "def competition_step(s, r, dt, growth_rates, carrying_capacity, competition, kill_rate,"
    " dose):\n"
)
KILL_R = "    dr = r_r * r * (1 - (r + a_rs * s) / carrying_capacity)\n"
PROG = "def time_to_progression(t, burden, factor=1.2):\n"
DOSE = "def cumulative_dose(t, dose, until=math.inf):\n"
GOOD_TTP = (
    PROG + "    t = np.asarray(t, dtype=float)\n    b = np.asarray(burden, dtype=float)\n"
    "    idx = np.flatnonzero(b > factor * b[0])\n"
    "    return float(t[idx[0]]) if idx.size else math.inf\n\n\n"
)
GOOD_DOSE = (
    DOSE + "    t = np.asarray(t, dtype=float)\n    u = np.asarray(dose, dtype=float)\n"
    "    keep = t[1:] <= until\n"
    "    return float(np.sum(u[:-1][keep] * np.diff(t)[keep]))\n"
)


def _cohort(init="(b * (1 - f), b * f)", rates="(rs, rs * (1 - c))", comp="(1.0, a)",
            medians="median", ratio="(out['da'] / out['dc']).median()") -> str:  # fmt: skip
    return (
        "recs = []\n"
        "for row in cohort.itertuples(index=False):\n"
        "    b, f, rs = row.initial_burden, row.resistant_fraction, row.growth_rate_per_day\n"
        "    c, a, k = row.cost_of_resistance, row.competition_rs, row.kill_rate_per_day\n"
        f"    args = ({init}, {rates}, 1.0, {comp}, k, 5000.0)\n"
        "    m, ad = simulate_continuous(*args), simulate_adaptive(*args)\n"
        "    recs.append({'patient': row.patient, 'tc': m.time_to_progression,"
        " 'ta': ad.time_to_progression, 'dc': m.cumulative_dose, 'da': ad.cumulative_dose})\n"
        "out = pd.DataFrame(recs).set_index('patient')\n"
        "outcomes = out.rename(columns={'tc': 'ttp_continuous', 'ta': 'ttp_adaptive',"
        " 'dc': 'dose_continuous', 'da': 'dose_adaptive'})\n"
        f"median_ttp_continuous = float(out['tc'].{medians}())\n"
        f"median_ttp_adaptive = float(out['ta'].{medians}())\n"
        f"median_dose_ratio = float({ratio})\n"
    )


def _decision(gain="a - m", label="'adaptive' if g >= 240 else 'continuous'",
              flip="next((c for c, w in zip(costs, winners) if w == 'adaptive'), math.inf)",
              init="(0.7425, 0.0075)") -> str:  # fmt: skip
    return (
        "costs = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]\n"
        "gains = []\n"
        "for cost in costs:\n"
        f"    args = ({init}, (0.03, 0.03 * (1 - cost)), 1.0, (1.0, 1.0), 0.06, 5000.0)\n"
        "    m = simulate_continuous(*args).time_to_progression\n"
        "    a = simulate_adaptive(*args).time_to_progression\n"
        f"    gains.append({gain})\n"
        f"winners = [{label} for g in gains]\n"
        f"flip_cost = {flip}\n"
    )


STUDENTS = [
    # ---- Exercise 1: one Euler step
    Student(
        "cs_scalars",
        {
            "answer_competition_step": STEP + "    rs, rr = growth_rates[0], growth_rates[1]\n"
            "    asr, ars = competition[0], competition[1]\n"
            "    K = carrying_capacity\n"
            "    s_new = s + dt * (rs * s * (1 - (s + asr * r) / K) - kill_rate * dose * s)\n"
            "    r_new = r + dt * (rr * r * (1 - (r + ars * s) / K))\n"
            "    return s_new, r_new\n"
        },
        why="plain arithmetic, indexing the pairs",
    ),
    Student(
        "cs_vector",
        {
            "answer_competition_step": STEP + "    y = np.array([s, r], dtype=float)\n"
            "    rates = np.array(growth_rates, dtype=float)\n"
            "    others = np.array([r, s], dtype=float) * np.array(competition, dtype=float)"
            ".reshape(2, *([1] * (y.ndim - 1)))\n"
            "    rates = rates.reshape(2, *([1] * (y.ndim - 1)))\n"
            "    dy = rates * y * (1 - (y + others) / carrying_capacity)\n"
            "    dy[0] = dy[0] - kill_rate * np.asarray(dose) * y[0]\n"
            "    new = y + dt * dy\n"
            "    return new[0], new[1]\n"
        },
        why="stacks S and R into one array",
    ),
    Student(
        "cs_kills_resistant",
        {
            "answer_competition_step": _edit(
                "answer_competition_step",
                (KILL_R, KILL_R.rstrip("\n") + " - kill_rate * dose * r\n"),
            )
        },
        fails={"test_competition_step_values": "resistant cells are not killed"},
        why="applies the drug to the resistant cells too",
    ),
    Student(
        "cs_ignores_dose",
        {
            "answer_competition_step": _edit(
                "answer_competition_step", ("- kill_rate * dose * s", "- kill_rate * s")
            )
        },
        fails={"test_competition_step_values": "multiply k by the dose u"},
        why="kills at the full rate whatever the dose",
    ),
    Student(
        "cs_swapped_coefficients",
        {
            "answer_competition_step": _edit(
                "answer_competition_step", ("a_sr, a_rs = competition", "a_rs, a_sr = competition")
            )
        },
        fails={"test_competition_step_competition": "competition coefficients are swapped"},
        why="unpacks (a_SR, a_RS) in the wrong order",
    ),
    Student(
        "cs_returns_derivatives",
        {
            "answer_competition_step": _edit(
                "answer_competition_step", ("s + dt * ds, r + dt * dr", "ds, dr")
            )
        },
        fails={
            "test_competition_step_values": "not the derivatives",
            "test_competition_step_competition": "slowed by its own burden",
        },
        why="returns dS/dt and dR/dt instead of the new burdens",
    ),
    Student(
        "cs_rk4",
        {
            "answer_competition_step": STEP
            + "    (rs, rr), (asr, ars) = growth_rates, competition\n"
            "    K = carrying_capacity\n"
            "    def f(s, r):\n"
            "        return (rs * s * (1 - (s + asr * r) / K) - kill_rate * dose * s,\n"
            "                rr * r * (1 - (r + ars * s) / K))\n"
            "    s = np.asarray(s, dtype=float)\n"
            "    r = np.asarray(r, dtype=float)\n"
            "    k1 = f(s, r)\n"
            "    k2 = f(s + dt / 2 * k1[0], r + dt / 2 * k1[1])\n"
            "    k3 = f(s + dt / 2 * k2[0], r + dt / 2 * k2[1])\n"
            "    k4 = f(s + dt * k3[0], r + dt * k3[1])\n"
            "    return (s + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),\n"
            "            r + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]))\n"
        },
        fails={
            "test_competition_step_values": "ONE forward Euler step",
            "test_competition_step_competition": "ONE forward Euler step",
        },
        why="takes a Runge-Kutta 4 step instead of the Euler step asked for",
    ),
    # ---- Exercise 2: time to progression and cumulative dose
    Student(
        "pr_loops",
        {
            "answer_progression": PROG + "    for ti, bi in zip(t, burden):\n"
            "        if bi > factor * burden[0]:\n"
            "            return float(ti)\n"
            "    return math.inf\n\n\n" + DOSE + "    total = 0.0\n"
            "    for i in range(len(t) - 1):\n"
            "        if t[i + 1] <= until:\n"
            "            total += dose[i] * (t[i + 1] - t[i])\n"
            "    return total\n"
        },
        why="plain loops",
    ),
    Student(
        "pr_argmax_dot",
        {
            "answer_progression": PROG + "    b = np.asarray(burden, dtype=float)\n"
            "    above = b > factor * b[0]\n"
            "    return float(np.asarray(t, dtype=float)[np.argmax(above)]) if above.any()"
            " else float('inf')\n\n\n" + DOSE + "    t = np.asarray(t, dtype=float)\n"
            "    w = np.where(t[1:] <= until, np.diff(t), 0.0)\n"
            "    return float(np.dot(np.asarray(dose, dtype=float)[:-1], w))\n"
        },
        why="argmax of a mask and a dot product",
    ),
    Student(
        "pr_greater_equal",
        {"answer_progression": GOOD_TTP.replace("b > factor", "b >= factor") + GOOD_DOSE},
        fails={"test_time_to_progression": "STRICTLY above"},
        why="counts reaching the threshold as progression",
    ),
    Student(
        "pr_index",
        {"answer_progression": GOOD_TTP.replace("float(t[idx[0]])", "int(idx[0])") + GOOD_DOSE},
        fails={"test_time_to_progression": "not the index"},
        why="returns the sample index instead of its time",
    ),
    Student(
        "pr_absolute_threshold",
        {"answer_progression": GOOD_TTP.replace("b > factor * b[0]", "b > factor") + GOOD_DOSE},
        fails={"test_time_to_progression": "relative to the BASELINE"},
        why="compares the burden with 1.2 instead of 1.2 x baseline",
    ),
    Student(
        "pr_none_when_never",
        {"answer_progression": GOOD_TTP.replace("else math.inf", "else None") + GOOD_DOSE},
        fails={"test_time_to_progression": "return math.inf"},
        why="returns None when the tumour never progresses",
    ),
    Student(
        "pr_trapezoid",
        {
            "answer_progression": GOOD_TTP + DOSE + "    t = np.asarray(t, dtype=float)\n"
            "    keep = t <= until\n"
            "    return float(np.trapezoid(np.asarray(dose, dtype=float)[keep], t[keep]))\n"
        },
        fails={"test_cumulative_dose": "trapezoid rule"},
        why="integrates the step-function dose with the trapezoid rule",
    ),
    Student(
        "pr_right_endpoint",
        {"answer_progression": GOOD_TTP + GOOD_DOSE.replace("u[:-1][keep]", "u[1:][keep]")},
        fails={"test_cumulative_dose": "dose at its START"},
        why="weights each interval by the dose at its end",
    ),
    Student(
        "pr_ignores_until",
        {"answer_progression": GOOD_TTP + GOOD_DOSE.replace("t[1:] <= until", "t[1:] >= 0")},
        fails={"test_cumulative_dose": "Stop at `until`"},
        why="adds the whole schedule, ignoring the cut-off",
    ),
    # ---- Exercise 3: the virtual cohort
    Student("co_itertuples", {"answer_cohort": _cohort()}, why="itertuples and a list of records"),
    Student(
        "co_apply",
        {
            "answer_cohort": "def both(p):\n"
            "    b, f = p['initial_burden'], p['resistant_fraction']\n"
            "    kw = dict(initial=[b - b * f, b * f], growth_rates=[p['growth_rate_per_day'],"
            " p['growth_rate_per_day'] - p['growth_rate_per_day'] * p['cost_of_resistance']],"
            " carrying_capacity=1, competition=[1, p['competition_rs']],"
            " kill_rate=p['kill_rate_per_day'], t_end=5000)\n"
            "    m, a = simulate_continuous(**kw), simulate_adaptive(**kw)\n"
            "    return pd.Series({'dose_adaptive': a.cumulative_dose,"
            " 'ttp_adaptive': a.time_to_progression, 'dose_continuous': m.cumulative_dose,"
            " 'ttp_continuous': m.time_to_progression})\n"
            "outcomes = cohort.set_index('patient').apply(both, axis=1)\n"
            "median_ttp_continuous = np.median(outcomes['ttp_continuous'])\n"
            "median_ttp_adaptive = np.median(outcomes['ttp_adaptive'])\n"
            "ratios = outcomes['dose_adaptive'] / outcomes['dose_continuous']\n"
            "median_dose_ratio = np.median(ratios)\n"
        },
        why="DataFrame.apply, lists for the pairs, NumPy medians, columns reordered",
    ),
    Student(
        "co_cost_as_rate",
        {"answer_cohort": _cohort(rates="(rs, rs * c)")},
        fails={"test_cohort_outcomes": "the cost LOWERS"},
        why="multiplies the growth rate by the cost instead of by (1 - cost)",
    ),
    Student(
        "co_fraction_as_burden",
        {"answer_cohort": _cohort(init="(b, f)")},
        fails={"test_cohort_outcomes": "fraction of the initial burden"},
        why="uses the initial burden and the resistant fraction as S0 and R0",
    ),
    Student(
        "co_swapped_competition",
        {"answer_cohort": _cohort(comp="(a, 1.0)")},
        fails={"test_cohort_outcomes": "SECOND entry"},
        why="puts competition_rs first",
    ),
    Student(
        "co_rows_twice",
        {"answer_cohort": _cohort() + "outcomes = pd.concat([outcomes, outcomes])\n"},
        fails={"test_cohort_outcomes": "a patient id more than once"},
        why="appends the table to itself (each patient twice)",
    ),
    Student(
        "co_ttp_dose_swapped",
        {
            "answer_cohort": _cohort()
            .replace("'ta': ad.time_to_progression", "'ta': ad.cumulative_dose")
            .replace("'da': ad.cumulative_dose", "'da': ad.time_to_progression")
        },
        fails={
            "test_cohort_outcomes": "are swapped",
            "test_cohort_medians": "not what the course data give",
        },
        why="stores the adaptive run's dose as its time and its time as its dose",
    ),
    Student(
        "co_same_competition",
        {"answer_cohort": _cohort(comp="(a, a)")},
        fails={
            "test_cohort_outcomes": "ttp_adaptive is off while ttp_continuous is right",
            "test_cohort_medians": "not what the course data give",
        },
        why="uses competition_rs for both competition coefficients",
    ),
    Student(
        "co_ratio_of_medians",
        {"answer_cohort": _cohort(ratio="out['da'].median() / out['dc'].median()")},
        fails={"test_cohort_medians": "not the ratio of the two median doses"},
        why="divides the median doses instead of taking the median ratio",
    ),
    Student(
        "co_means",
        {"answer_cohort": _cohort(medians="mean")},
        fails={"test_cohort_medians": "MEDIANS (not the means)"},
        why="averages the times to progression",
    ),
    # ---- Exercise 4: the decision
    Student("de_loop", {"answer_decision": _decision()}, why="a loop and plain lists"),
    Student(
        "de_vectorised",
        {
            "answer_decision": "costs = np.linspace(0, 0.8, 9)\n"
            "def ttp(f, c):\n"
            "    return f((0.7425, 0.0075), (0.03, 0.03 - 0.03 * c), 1.0, (1.0, 1.0), 0.06,"
            " 5000.0).time_to_progression\n"
            "gains = np.array([ttp(simulate_adaptive, c) - ttp(simulate_continuous, c)"
            " for c in costs])\n"
            "wins = gains >= 240\n"
            "winners = np.where(wins, 'adaptive', 'continuous').tolist()\n"
            "flip_cost = float(costs[np.argmax(wins)]) if wins.any() else np.inf\n"
        },
        why="NumPy masks, np.where and argmax",
    ),
    Student(
        "de_sign",
        {"answer_decision": _decision(gain="m - a")},
        fails={"test_decision_gains": "Sign"},
        why="continuous minus adaptive",
    ),
    Student(
        "de_wrong_base",
        {"answer_decision": _decision(init="(0.75, 0.01)")},
        fails={"test_decision_gains": "use the base case exactly"},
        why="adds the resistant cells on top of the baseline",
    ),
    Student(
        "de_swapped_labels",
        {"answer_decision": _decision(label="'continuous' if g >= 240 else 'adaptive'")},
        fails={"test_decision_winners": "labels are swapped"},
        why="labels the winners the wrong way round",
    ),
    Student(
        "de_count",
        {"answer_decision": _decision(flip="float(sum(w == 'adaptive' for w in winners))")},
        fails={"test_decision_winners": "not a count"},
        why="counts the winning costs",
    ),
    Student(
        "de_largest",
        {
            "answer_decision": _decision(
                flip="max(c for c, w in zip(costs, winners) if w == 'adaptive')"
            )
        },
        fails={"test_decision_winners": "smallest cost"},
        why="takes the largest winning cost",
    ),
    Student(
        "co_invented",
        {
            "answer_cohort": "outcomes = pd.DataFrame({c: [1.0] for c in ('ttp_continuous',"
            " 'ttp_adaptive', 'dose_continuous', 'dose_adaptive')})\n"
            "median_ttp_continuous = median_ttp_adaptive = median_dose_ratio = 1.0\n"
        },
        fails={
            "test_cohort_outcomes": "indexed by the patient ids (V01 ... V12)",
            "test_cohort_medians": "not what the course data give",
        },
        why="writes a one-row table of ones and its medians",
    ),
    Student(
        "de_invented",
        {
            "answer_decision": "gains = np.zeros(9)\nwinners = ['continuous'] * 9\n"
            "flip_cost = math.inf\n"
        },
        fails={
            "test_decision_gains": "gains are off",
            "test_decision_winners": "not what the course's model gives",
        },
        why="writes zero gains and the labels that follow from them",
    ),
    Student(
        "co_dose_invented",
        {
            "answer_cohort": _cohort(ratio="1.0").replace(
                "'dc': m.cumulative_dose", "'dc': ad.cumulative_dose"
            )
        },
        fails={
            "test_cohort_outcomes": "dose_continuous should be",
            "test_cohort_medians": "not what the course data give",
        },
        why="copies the adaptive dose into dose_continuous (a dose ratio of one)",
    ),
    Student(
        "de_eight_costs",
        {"answer_decision": _decision().replace(", 0.8]", "]")},
        fails={"test_decision_gains": "nine values"},
        why="stops the costs at 0.7 (np.arange(0.0, 0.8, 0.1)), then labels its eight gains",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
