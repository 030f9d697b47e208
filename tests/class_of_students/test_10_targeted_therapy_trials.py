"""10-targeted-therapy-trials: a class of students, graded by nbgrader (see tests/students.py).

flaura_hr counts the student's own hr_per_person_time only when its test accepts it or names
its slip, so a constant function (or a slip the test does not name) earns nothing there.
"""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "10-targeted-therapy-trials"

KM = "def km_estimator(time, event):\n"
HR = "def hr_per_person_time(time, event, group):\n"
HR_USE = (
    "flaura_hr = hr_per_person_time(flaura['pfs_months'], flaura['progressed'],"
    " (flaura['arm'] == 'osimertinib').astype(int))\n"
    "hr_within_ci = 0.37 <= flaura_hr <= 0.57\n"
)
POWER_HEAD = "rng = np.random.default_rng(2024)\n"
POWER_DECIDE = "adequate_small = power_small >= 0.8\nadequate_large = power_large >= 0.8\n"


def _power_loop(body_p: str = "r.p_value < 0.05", seed_inside: bool = False) -> str:
    rng = "np.random.default_rng(2024)" if seed_inside else "rng"
    return (
        ("" if seed_inside else POWER_HEAD)
        + "res = {}\n"
        + "for n in (150, 800):\n"
        + "    hits = 0\n"
        + "    for i in range(400):\n"
        + f"        d = simulate_trial(n, 10.0, 0.75, 12.0, 12.0, rng={rng})\n"
        + "        r = logrank_test(d['time'], d['event'], d['group'])\n"
        + f"        hits += int({body_p})\n"
        + "    res[n] = hits / 400\n"
        + "power_small, power_large = res[150], res[800]\n"
    )


STUDENTS = [
    # ---- Exercise 1: Kaplan–Meier
    Student(
        "km_loop",
        {
            "answer_km": KM
            + "    pairs = sorted(zip(list(time), list(event)))\n"
            + "    times = [0.0] + sorted(set(float(t) for t, _ in pairs))\n"
            + "    rows, s = [], 1.0\n"
            + "    for t in times:\n"
            + "        n = sum(1 for u, _ in pairs if u >= t)\n"
            + "        d = sum(1 for u, e in pairs if u == t and e == 1)\n"
            + "        s = s * (1 - d / n)\n"
            + "        rows.append({'time': t, 'at_risk': n, 'events': d, 'survival': s})\n"
            + "    return pd.DataFrame(rows)\n"
        },
        why="pure-Python loops over sorted pairs",
    ),
    Student(
        "km_groupby",
        {
            "answer_km": KM
            + "    df = pd.DataFrame({'t': np.asarray(time, float), 'e': np.asarray(event)})\n"
            + "    g = df.groupby('t')['e'].agg(['sum', 'size']).sort_index()\n"
            + "    g = pd.concat([pd.DataFrame({'sum': [0], 'size': [0]}, index=[0.0]), g])\n"
            + "    g = g.groupby(level=0).sum()\n"
            + "    at_risk = len(df) - g['size'].cumsum().shift(fill_value=0)\n"
            + "    out = pd.DataFrame({'time': g.index.to_numpy(), 'at_risk': at_risk.to_numpy(),"
            + " 'events': g['sum'].to_numpy()})\n"
            + "    out['survival'] = (1 - out['events'] / out['at_risk']).cumprod()\n"
            + "    return out\n"
        },
        why="groupby counts and a shifted cumulative sum for the risk set",
    ),
    Student(
        "km_censored_leave_early",
        {
            "answer_km": KM
            + "    time, event = np.asarray(time, float), np.asarray(event)\n"
            + "    times = np.union1d([0.0], time)\n"
            + "    n = np.array([((time > t) | ((time == t) & (event == 1))).sum()"
            + " for t in times])\n"
            + "    d = np.array([((time == t) & (event == 1)).sum() for t in times])\n"
            + "    return pd.DataFrame({'time': times, 'at_risk': n, 'events': d,"
            + " 'survival': np.cumprod(1 - d / n)})\n"
        },
        fails={"test_km_values": "still AT RISK at t"},
        why="removes patients censored at t from the risk set at t",
    ),
    Student(
        "km_censored_as_events",
        {
            "answer_km": KM
            + "    time = np.asarray(time, float)\n"
            + "    times = np.union1d([0.0], time)\n"
            + "    n = np.array([(time >= t).sum() for t in times])\n"
            + "    d = np.array([(time == t).sum() for t in times])\n"
            + "    d[0] = 0\n"
            + "    return pd.DataFrame({'time': times, 'at_risk': n, 'events': d,"
            + " 'survival': np.cumprod(1 - d / n)})\n"
        },
        fails={
            "test_km_values": "censored patients are not events",
            "test_km_structure": "events counts the observed events",
        },
        why="counts censored times as events",
    ),
    Student(
        "km_fixed_denominator",
        {
            "answer_km": KM
            + "    time, event = np.asarray(time, float), np.asarray(event)\n"
            + "    times = np.union1d([0.0], time)\n"
            + "    n = np.array([(time >= t).sum() for t in times])\n"
            + "    d = np.array([((time == t) & (event == 1)).sum() for t in times])\n"
            + "    return pd.DataFrame({'time': times, 'at_risk': n, 'events': d,"
            + " 'survival': 1 - np.cumsum(d) / len(time)})\n"
        },
        fails={"test_km_values": "CURRENT risk set"},
        why="1 - cumulative events / all patients (ignores the shrinking risk set)",
    ),
    Student(
        "km_event_times_only",
        {
            "answer_km": KM
            + "    time, event = np.asarray(time, float), np.asarray(event)\n"
            + "    times = np.union1d([0.0], time[event == 1])\n"
            + "    n = np.array([(time >= t).sum() for t in times])\n"
            + "    d = np.array([((time == t) & (event == 1)).sum() for t in times])\n"
            + "    return pd.DataFrame({'time': times, 'at_risk': n, 'events': d,"
            + " 'survival': np.cumprod(1 - d / n)})\n"
        },
        fails={"test_km_structure": "censored times included"},
        why="keeps rows only at event times",
    ),
    Student(
        "km_no_time_zero",
        {
            "answer_km": KM
            + "    time, event = np.asarray(time, float), np.asarray(event)\n"
            + "    times = np.unique(time)\n"
            + "    n = np.array([(time >= t).sum() for t in times])\n"
            + "    d = np.array([((time == t) & (event == 1)).sum() for t in times])\n"
            + "    return pd.DataFrame({'time': times, 'at_risk': n, 'events': d,"
            + " 'survival': np.cumprod(1 - d / n)})\n"
        },
        fails={"test_km_structure": "starts with a row at time 0"},
        why="forgets the time-0 row",
    ),
    # ---- Exercise 2: medians
    Student(
        "med_own_km",
        {
            "answer_median": "events_per_arm, median_pfs = {}, {}\n"
            + "for arm in ['osimertinib', 'standard EGFR-TKI']:\n"
            + "    sub = flaura[flaura['arm'] == arm]\n"
            + "    events_per_arm[arm] = int((sub['progressed'] == 1).sum())\n"
            + "    km = km_estimator(sub['pfs_months'].to_numpy(), sub['progressed'].to_numpy())\n"
            + "    median_pfs[arm] = km['time'][km['survival'] <= 0.5].min()\n"
        },
        why="uses the student's own estimator and .min()",
    ),
    Student(
        "med_apply",
        {
            "answer_median": "def _median(g):\n"
            + "    km = kaplan_meier(g['pfs_months'], g['progressed'])\n"
            + "    return km.loc[km['survival'].le(0.5).idxmax(), 'time']\n"
            + "median_pfs = flaura.groupby('arm').apply(_median, include_groups=False).to_dict()\n"
            + "events_per_arm = flaura.pivot_table(index='arm', values='progressed',"
            + " aggfunc='sum')['progressed'].to_dict()\n"
        },
        why="groupby.apply with idxmax and a pivot table",
    ),
    Student(
        "med_plain_median",
        {
            "answer_median": "events_per_arm = flaura.groupby('arm')['progressed'].sum()"
            + ".to_dict()\n"
            + "median_pfs = flaura.groupby('arm')['pfs_months'].median().to_dict()\n"
        },
        fails={"test_median_pfs": "too short"},
        why="takes the plain median of the times, ignoring censoring",
    ),
    Student(
        "med_events_only",
        {
            "answer_median": "events_per_arm = flaura.groupby('arm')['progressed'].sum()"
            + ".to_dict()\n"
            + "prog = flaura[flaura['progressed'] == 1]\n"
            + "median_pfs = {}\n"
            + "for arm, rows in prog.groupby('arm'):\n"
            + "    km = kaplan_meier(rows['pfs_months'], rows['progressed'])\n"
            + "    median_pfs[arm] = float(km.loc[km['survival'] <= 0.5, 'time'].iloc[0])\n"
        },
        fails={"test_median_pfs": "too short"},
        why="drops the censored patients before the KM estimate",
    ),
    Student(
        "med_counts_rows",
        {
            "answer_median": "events_per_arm = flaura.groupby('arm').size().to_dict()\n"
            + "median_pfs = {}\n"
            + "for arm, rows in flaura.groupby('arm'):\n"
            + "    km = kaplan_meier(rows['pfs_months'], rows['progressed'])\n"
            + "    median_pfs[arm] = float(km.loc[km['survival'] <= 0.5, 'time'].iloc[0])\n"
        },
        fails={"test_median_pfs": "not all patients"},
        why="counts every patient as an event",
    ),
    # ---- Exercise 3: hazard ratio
    Student(
        "hr_pandas",
        {
            "answer_hr": HR
            + "    df = pd.DataFrame({'t': list(time), 'e': list(event), 'g': list(group)})\n"
            + "    s = df.groupby('g')[['e', 't']].sum()\n"
            + "    rate = s['e'] / s['t']\n"
            + "    return rate.loc[1] / rate.loc[0]\n"
            + HR_USE
        },
        why="groupby sums of events and times",
    ),
    Student(
        "hr_loop",
        {
            "answer_hr": HR
            + "    d = {0: 0.0, 1: 0.0}\n"
            + "    T = {0: 0.0, 1: 0.0}\n"
            + "    for t, e, g in zip(time, event, group):\n"
            + "        d[int(g)] += e\n"
            + "        T[int(g)] += t\n"
            + "    return (d[1] / T[1]) / (d[0] / T[0])\n"
            + "flaura_hr = hr_per_person_time(flaura.pfs_months.tolist(),"
            + " flaura.progressed.tolist(), [1 if a == 'osimertinib' else 0"
            + " for a in flaura.arm])\n"
            + "hr_within_ci = bool(flaura_hr > 0.37 and flaura_hr < 0.57)\n"
        },
        why="a loop with dictionaries, lists as input",
    ),
    Student(
        "hr_inverted",
        {
            "answer_hr": HR
            + "    time, event, group = map(np.asarray, (time, event, group))\n"
            + "    r1 = event[group == 1].sum() / time[group == 1].sum()\n"
            + "    r0 = event[group == 0].sum() / time[group == 0].sum()\n"
            + "    return r0 / r1\n"
            + HR_USE
        },
        fails={"test_hr_function": "Upside down"},
        why="divides control by experimental (flaura_hr stays consistent with the function)",
    ),
    Student(
        "hr_proportions",
        {
            "answer_hr": HR
            + "    time, event, group = map(np.asarray, (time, event, group))\n"
            + "    return event[group == 1].mean() / event[group == 0].mean()\n"
            + HR_USE
        },
        fails={"test_hr_function": "ratio of proportions"},
        why="ratio of the proportions with an event",
    ),
    Student(
        "hr_event_time_only",
        {
            "answer_hr": HR
            + "    time, event, group = map(np.asarray, (time, event, group))\n"
            + "    m1, m0 = (group == 1) & (event == 1), (group == 0) & (event == 1)\n"
            + "    return (m1.sum() / time[m1].sum()) / (m0.sum() / time[m0].sum())\n"
            + HR_USE
        },
        fails={"test_hr_function": "censored ones included"},
        why="sums follow-up time only over patients with events",
    ),
    Student(
        "hr_swapped_groups",
        {
            "answer_hr": HR
            + "    time, event, group = map(np.asarray, (time, event, group))\n"
            + "    r1 = event[group == 1].sum() / time[group == 1].sum()\n"
            + "    r0 = event[group == 0].sum() / time[group == 0].sum()\n"
            + "    return r1 / r0\n"
            + "flaura_hr = hr_per_person_time(flaura['pfs_months'], flaura['progressed'],"
            + " (flaura['arm'] != 'osimertinib').astype(int))\n"
            + "hr_within_ci = 0.37 <= flaura_hr <= 0.57\n"
        },
        fails={"test_flaura_hr": "osimertinib as group 1"},
        why="codes the control arm as group 1 on the course data",
    ),
    Student(
        "hr_constant",
        {"answer_hr": HR + "    return 1.0\n" + "flaura_hr = 1.0\n" + "hr_within_ci = False\n"},
        fails={
            "test_hr_function": "censored ones included",
            "test_flaura_hr": "not what the course data give",
        },
        why="a constant function and the values that follow from it (had earned flaura_hr)",
    ),
    Student(
        "hr_unnamed_slip_carried",
        {
            "answer_hr": HR
            + "    time, event, group = map(np.asarray, (time, event, group))\n"
            + "    return event[group == 1].sum() / event[group == 0].sum()\n"
            + HR_USE
        },
        fails={
            "test_hr_function": "censored ones included",
            "test_flaura_hr": "not what the course data give",
        },
        why="a ratio of event counts (a slip its test does not name), carried to flaura",
    ),
    # ---- Exercise 4: power
    Student(
        "pow_loop",
        {"answer_power": _power_loop() + POWER_DECIDE},
        why="one loop over both designs, same generator",
    ),
    Student(
        "pow_list",
        {
            "answer_power": POWER_HEAD
            + "def pvals(n):\n"
            + "    out = []\n"
            + "    for _ in range(400):\n"
            + "        t = simulate_trial(n, 10.0, 0.75, 12.0, 12.0, rng=rng)\n"
            + "        out.append(logrank_test(t.time, t.event, t.group).p_value)\n"
            + "    return np.array(out)\n"
            + "power_small = float(np.mean(pvals(150) < 0.05))\n"
            + "power_large = float(np.mean(pvals(800) < 0.05))\n"
            + "adequate_small = not power_small < 0.8\n"
            + "adequate_large = not power_large < 0.8\n"
        },
        why="collects the p-values in an array and takes the mean",
    ),
    Student(
        "pow_reseeds",
        {"answer_power": _power_loop(seed_inside=True) + POWER_DECIDE},
        fails={"test_power_values": "create the generator once"},
        why="re-seeds inside the loop, so every trial is the same",
    ),
    Student(
        "pow_p_above",
        {"answer_power": _power_loop("r.p_value > 0.05") + POWER_DECIDE},
        fails={"test_power_values": "p BELOW 0.05"},
        why="counts the trials that miss the effect",
    ),
    Student(
        "pow_decision_reversed",
        {
            "answer_power": _power_loop()
            + "adequate_small = power_small < 0.8\nadequate_large = power_large < 0.8\n"
        },
        fails={"test_power_decision": "AT LEAST 0.8"},
        why="reverses the decision rule",
    ),
    Student(
        "pow_strict_one_design",
        {"answer_power": _power_loop() + "adequate_small = False\nadequate_large = False\n"},
        fails={"test_power_decision": "apply that rule to each"},
        why="declares both designs inadequate regardless of the powers",
    ),
    Student(
        "pow_invented",
        {
            "answer_power": "power_small = power_large = 0.0\n"
            "adequate_small = adequate_large = False\n"
        },
        fails={
            "test_power_values": "create the generator once",
            "test_power_decision": "not what the statement's simulation gives",
        },
        why="writes powers with no simulation and the decisions that follow from them",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
