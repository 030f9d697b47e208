"""05-epigenetics-and-persisters: a class of students, graded by nbgrader (see tests/students.py).

Every answer cell has correct students in other styles and typical mistakes, including the
mistakes of issue 16 for 05: a ``mlh1_calls`` that modifies its input, ``>`` for ``>=`` at the
beta threshold, swapped weights in ``biphasic_kill`` (charged once: Exercise 3 is graded for
consistency with the student's own function), and the holiday errors, each with its own message.
The cohort counts, the fold reduction and the holiday decision count the student's own
function or fractions only when their test accepts them or names their slip, so a constant
function and the values that follow from it earn nothing there.
"""

# ruff: noqa: E501  (student answers are code written as strings, one line each)
from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "05-epigenetics-and-persisters"

MLH1 = "def mlh1_calls(df, threshold=0.3, alpha=100.0):\n"
MLH1_VALUES = (
    "mlh1 = mlh1_calls(cohort)\n"
    "_truth = cohort.groupby('sample_id')['true_status'].first() == 'methylated'\n"
    "n_methylated = int(mlh1['methylated'].sum())\n"
    "n_missed = int((_truth & ~mlh1['methylated']).sum())\n"
)
MLH1_BODY = (
    "    m = df['methylated_signal'].astype(float)\n"
    "    u = df['unmethylated_signal'].astype(float)\n"
    "    beta = m / (m + u + alpha)\n"
    "    mean_beta = beta.groupby(df['sample_id']).mean()\n"
)


def _mlh1(body: str, values: str = MLH1_VALUES) -> str:
    return MLH1 + body + "\n\n" + values


BIPHASIC = "def biphasic_kill(t_h, f, k_fast, k_slow):\n"

FIT_LOG = (
    "def _log_biphasic(t, f, k_fast, k_slow):\n"
    "    return np.log(biphasic_kill(t, f, k_fast, k_slow))\n\n\n"
    "kill_fits = {}\n"
    "for _condition, _wells in kill.groupby('condition'):\n"
    "    _params, _ = curve_fit(\n"
    "        _log_biphasic,\n"
    "        _wells['time_h'].to_numpy(dtype=float),\n"
    "        np.log(_wells['surviving_fraction'].to_numpy(dtype=float)),\n"
    "        p0=[0.01, 0.05, 0.005],\n"
    "        bounds=([0, 0, 0], [1, 1, 1]),\n"
    "    )\n"
    "    kill_fits[_condition] = tuple(float(p) for p in _params)\n"
)


def _fractions(pick: str = "fit[0]", fold: str = "") -> str:
    fold = fold or (
        "persister_fraction['erlotinib'] / persister_fraction['erlotinib + HDAC inhibitor']"
    )
    return (
        FIT_LOG
        + f"persister_fraction = {{c: {pick} for c, fit in kill_fits.items()}}\n"
        + f"hdaci_fold_reduction = {fold}\n"
    )


HOLIDAY = "def holiday_days(rates, treatment_days, rel_tol=0.1):\n"


def _holiday(
    phi_star: str = "equilibrium_tolerant_fraction(rates)",
    band: str = "rel_tol * phi_star",
    result: str = "int(days[np.argmax(close)])",
    decision: str = "holiday_days(ILLUSTRATIVE_RATES, 10)",
) -> str:
    return (
        HOLIDAY
        + "    treatment_h = 24.0 * treatment_days\n"
        + f"    phi_star = {phi_star}\n"
        + "    days = np.arange(366)\n"
        + "    traj = simulate_two_state(\n"
        + "        treatment_h + 24.0 * days, rates, [(treatment_h, 1.0), (365 * 24.0, 0.0)]\n"
        + "    )\n"
        + f"    close = np.abs(traj.tolerant_fraction - phi_star) <= {band}\n"
        + f"    return {result}\n\n\n"
        + f"chosen_holiday_days = {decision}\n"
    )


HDACI_HEAD = "hdaci = epigenetic_drug_rates(ILLUSTRATIVE_RATES, entry_factor=0.1)\n\n"
HDACI_START = (
    "_phi0 = equilibrium_tolerant_fraction(ILLUSTRATIVE_RATES)\n"
    "_untreated = (1.0 - _phi0, _phi0)\n"
    "sf_alone = float(simulate_two_state([216.0], ILLUSTRATIVE_RATES, 1.0,"
    " initial=_untreated).total[0])\n"
)
COTREAT_OK = "sf_cotreatment = float(simulate_two_state([216.0], hdaci, 1.0, initial=_untreated).total[0])\n"


def _lead_in(lead_rates: str = "hdaci", normalise: bool = True) -> str:
    divide = " / sum(_primed)" if normalise else ""
    return (
        f"_lead = simulate_two_state([168.0], {lead_rates}, 0.0, initial=_untreated)\n"
        "_primed = (float(_lead.sensitive[0]), float(_lead.tolerant[0]))\n"
        "sf_lead_in = float(simulate_two_state([216.0], hdaci, 1.0, initial=_primed).total[0])"
        f"{divide}\n"
    )


STUDENTS = [
    # ---------------------------------------------------------------- 1 mlh1_calls
    Student(
        "mlh1_loop_dict",
        {
            "answer_mlh1_calls": _mlh1(
                "    sums, counts = {}, {}\n"
                "    for s, m, u in zip(df['sample_id'], df['methylated_signal'],"
                " df['unmethylated_signal']):\n"
                "        sums[s] = sums.get(s, 0.0) + m / (m + u + alpha)\n"
                "        counts[s] = counts.get(s, 0) + 1\n"
                "    mean_beta = pd.Series({s: sums[s] / counts[s] for s in sums}, dtype=float)\n"
                "    mean_beta.index.name = 'sample_id'\n"
                "    return pd.DataFrame({'mean_beta': mean_beta,"
                " 'methylated': mean_beta >= threshold})\n"
            )
        },
        why="a loop with dictionaries of sums and counts",
    ),
    Student(
        "mlh1_assign_agg",
        {
            "answer_mlh1_calls": _mlh1(
                "    out = (\n"
                "        df.assign(beta=df['methylated_signal']"
                " / (df['methylated_signal'] + df['unmethylated_signal'] + alpha))\n"
                "        .groupby('sample_id')\n"
                "        .agg(mean_beta=('beta', 'mean'))\n"
                "    )\n"
                "    out['methylated'] = out['mean_beta'].ge(threshold)\n"
                "    return out\n",
                "mlh1 = mlh1_calls(cohort)\n"
                "_status = cohort.drop_duplicates('sample_id').set_index('sample_id')['true_status']\n"
                "n_methylated = int(mlh1['methylated'].sum())\n"
                "n_missed = int(((_status == 'methylated') & ~mlh1['methylated']"
                ".reindex(_status.index)).sum())\n",
            )
        },
        why="df.assign on a copy, named aggregation, drop_duplicates for the truth",
    ),
    Student(
        "mlh1_strict_threshold",
        {
            "answer_mlh1_calls": _mlh1(
                MLH1_BODY + "    return pd.DataFrame({'mean_beta': mean_beta,"
                " 'methylated': mean_beta > threshold})\n"
            )
        },
        fails={"test_mlh1_calls_values": "the rule is >=, not >"},
        why="calls a sample methylated only strictly above the threshold",
    ),
    Student(
        "mlh1_modifies_input",
        {
            "answer_mlh1_calls": _mlh1(
                "    df['beta'] = df['methylated_signal'] / (df['methylated_signal']"
                " + df['unmethylated_signal'] + alpha)\n"
                "    mean_beta = df.groupby('sample_id')['beta'].mean()\n"
                "    return pd.DataFrame({'mean_beta': mean_beta,"
                " 'methylated': mean_beta >= threshold})\n"
            )
        },
        fails={"test_mlh1_calls_values": "must not change the table it is given"},
        why="adds a beta column to the table it was given",
    ),
    Student(
        "mlh1_mean_of_intensities",
        {
            "answer_mlh1_calls": _mlh1(
                "    g = df.groupby('sample_id')[['methylated_signal', 'unmethylated_signal']]"
                ".mean()\n"
                "    mean_beta = g['methylated_signal'] / (g['methylated_signal']"
                " + g['unmethylated_signal'] + alpha)\n"
                "    return pd.DataFrame({'mean_beta': mean_beta,"
                " 'methylated': mean_beta >= threshold})\n"
            )
        },
        fails={"test_mlh1_calls_values": "average the betas of each sample (not the intensities)"},
        why="averages the intensities before taking the beta value",
    ),
    Student(
        "mlh1_hard_coded_threshold",
        {
            "answer_mlh1_calls": _mlh1(
                MLH1_BODY
                + "    return pd.DataFrame({'mean_beta': mean_beta, 'methylated': mean_beta >= 0.3})\n"
            )
        },
        fails={"test_mlh1_calls_values": "Use the threshold argument"},
        why="ignores the threshold argument",
    ),
    Student(
        "mlh1_counts_hits_not_misses",
        {
            "answer_mlh1_calls": _mlh1(
                MLH1_BODY + "    return pd.DataFrame({'mean_beta': mean_beta,"
                " 'methylated': mean_beta >= threshold})\n",
                MLH1_VALUES.replace("(_truth & ~mlh1", "(_truth & mlh1"),
            )
        },
        fails={"test_mlh1_cohort_counts": "n_missed counts tumours"},
        why="counts the methylated tumours it found instead of those it missed",
    ),
    Student(
        "mlh1_constant",
        {
            "answer_mlh1_calls": _mlh1(
                "    ids = sorted(set(df['sample_id']))\n"
                "    return pd.DataFrame({'mean_beta': 1.0, 'methylated': True}, index=ids)\n"
            )
        },
        fails={
            "test_mlh1_calls_values": "Wrong mean beta",
            "test_mlh1_cohort_counts": "not what the course data give",
        },
        why="calls every tumour methylated, and the counts that follow (had earned the counts)",
    ),
    # ---------------------------------------------------------------- 2 biphasic_kill
    Student(
        "biphasic_multiply",
        {
            "answer_biphasic_kill": BIPHASIC
            + "    t = np.asarray(t_h, dtype=float)\n"
            + "    fast = np.multiply(1.0 - f, np.exp(np.multiply(-k_fast, t)))\n"
            + "    return fast + f * np.exp(-k_slow * t)\n"
        },
        why="np.multiply and a named fast phase",
    ),
    Student(
        "biphasic_scalar_or_loop",
        {
            "answer_biphasic_kill": BIPHASIC
            + "    if np.ndim(t_h) == 0:\n"
            + "        return (1 - f) * math.exp(-k_fast * t_h) + f * math.exp(-k_slow * t_h)\n"
            + "    return np.array([(1 - f) * math.exp(-k_fast * t) + f * math.exp(-k_slow * t)"
            + " for t in np.asarray(t_h, dtype=float)])\n"
        },
        why="math.exp in a loop for arrays, a float for a single time",
    ),
    Student(
        "biphasic_swapped_weights",
        {
            "answer_biphasic_kill": BIPHASIC
            + "    t = np.asarray(t_h, dtype=float)\n"
            + "    return f * np.exp(-k_fast * t) + (1 - f) * np.exp(-k_slow * t)\n"
        },
        fails={"test_biphasic_kill_values": "The phases are mixed up"},
        why="puts the persister weight f on the fast phase",
    ),
    Student(
        "biphasic_no_one_minus_f",
        {
            "answer_biphasic_kill": BIPHASIC
            + "    t = np.asarray(t_h, dtype=float)\n"
            + "    return np.exp(-k_fast * t) + f * np.exp(-k_slow * t)\n"
        },
        fails={"test_biphasic_kill_values": "(1 - f) + f = 1"},
        why="forgets the weight (1 - f) of the fast phase",
    ),
    Student(
        "biphasic_base_two",
        {
            "answer_biphasic_kill": BIPHASIC
            + "    t = np.asarray(t_h, dtype=float)\n"
            + "    return (1 - f) * np.power(2.0, -k_fast * t) + f * np.power(2.0, -k_slow * t)\n"
        },
        fails={"test_biphasic_kill_values": "decays as a natural exponential"},
        why="halves instead of decaying exponentially (powers of 2)",
    ),
    # ---------------------------------------------------------------- 3 persister fit
    Student(
        "fit_masks_and_lambda",
        {
            "answer_persister_fit": "kill_fits = {}\n"
            + "for _condition in ['erlotinib', 'erlotinib + HDAC inhibitor']:\n"
            + "    _rows = kill[kill['condition'] == _condition]\n"
            + "    _p, _ = curve_fit(lambda t, f, a, b: np.log(biphasic_kill(t, f, a, b)),\n"
            + "                      _rows['time_h'].values.astype(float),\n"
            + "                      np.log(_rows['surviving_fraction'].values),\n"
            + "                      p0=[0.01, 0.05, 0.005], bounds=([0, 0, 0], [1, 1, 1]))\n"
            + "    kill_fits[_condition] = (float(_p[0]), float(_p[1]), float(_p[2]))\n"
            + "persister_fraction = {c: kill_fits[c][0] for c in kill_fits}\n"
            + "hdaci_fold_reduction = float(np.divide(persister_fraction['erlotinib'],"
            + " persister_fraction['erlotinib + HDAC inhibitor']))\n"
        },
        why="boolean masks, a lambda and np.divide",
    ),
    Student(
        "fit_dict_comprehension",
        {
            "answer_persister_fit": "def _fit(rows):\n"
            + "    p, _ = curve_fit(lambda t, *q: np.log(biphasic_kill(t, *q)),"
            + " rows.time_h.to_numpy(float), np.log(rows.surviving_fraction.to_numpy(float)),"
            + " p0=[0.01, 0.05, 0.005], bounds=([0, 0, 0], [1, 1, 1]))\n"
            + "    return tuple(map(float, p))\n\n\n"
            + "kill_fits = {c: _fit(rows) for c, rows in kill.groupby('condition')}\n"
            + "persister_fraction = {c: f for c, (f, _k1, _k2) in kill_fits.items()}\n"
            + "hdaci_fold_reduction = persister_fraction['erlotinib']"
            + " / persister_fraction['erlotinib + HDAC inhibitor']\n"
        },
        why="a helper function and dict comprehensions with tuple unpacking",
    ),
    Student(
        "fit_linear_scale",
        {
            "answer_persister_fit": FIT_LOG.replace("_log_biphasic,", "biphasic_kill,").replace(
                "np.log(_wells['surviving_fraction']", "(_wells['surviving_fraction']"
            )
            + "persister_fraction = {c: fit[0] for c, fit in kill_fits.items()}\n"
            + "hdaci_fold_reduction = persister_fraction['erlotinib']"
            + " / persister_fraction['erlotinib + HDAC inhibitor']\n"
        },
        fails={"test_persister_fractions": "fit the log of the model to the log of the data"},
        why="fits on the linear scale",
    ),
    Student(
        "fit_keeps_k_slow",
        {"answer_persister_fit": _fractions(pick="fit[2]")},
        fails={"test_persister_fractions": "keep f (the weight of the slow"},
        why="stores the slow rate instead of the persister fraction",
    ),
    Student(
        "persister_constant",
        {
            "answer_biphasic_kill": BIPHASIC
            + "    return np.ones_like(np.asarray(t_h, dtype=float))\n",
            "answer_persister_fit": FIT_LOG
            + "persister_fraction = {'erlotinib': 0.02, 'erlotinib + HDAC inhibitor': 0.01}\n"
            + "hdaci_fold_reduction = 2.0\n",
        },
        fails={
            "test_biphasic_kill_values": "Wrong value at t = 10 h",
            "test_persister_fractions": "Your biphasic_kill differs from Exercise 2",
            "test_hdaci_fold_reduction": "not what the course data give",
        },
        why="a biphasic_kill that kills nothing and fractions typed in, with their ratio (had"
        " earned the fold; the fit's own fractions, equal, give 1, which the upside-down check"
        " caught)",
    ),
    Student(
        "persister_hollow",
        {
            "answer_biphasic_kill": BIPHASIC
            + "    if np.ndim(t_h):\n"
            + "        return np.zeros((0, 1))\n"
            + "    return 0.5\n",
            "answer_persister_fit": "kill_fits = {'erlotinib': (0.5, 0.1, 0.01),"
            + " 'erlotinib + HDAC inhibitor': (0.25, 0.1, 0.01)}\n"
            + "persister_fraction = {c: p[0] for c, p in kill_fits.items()}\n"
            + "hdaci_fold_reduction = persister_fraction['erlotinib']"
            + " / persister_fraction['erlotinib + HDAC inhibitor']\n",
        },
        fails={
            "test_biphasic_kill_values": "At t = 0 the surviving fraction must be",
            "test_persister_fractions": "one surviving fraction per time point",
            "test_hdaci_fold_reduction": "not what the course data give",
        },
        why="an empty (0, 1) array for times, invented fits and their ratio (had earned 3 of 14"
        " points, review 56)",
    ),
    Student(
        "fit_ratio_upside_down",
        {
            "answer_persister_fit": _fractions(
                fold="persister_fraction['erlotinib + HDAC inhibitor']"
                " / persister_fraction['erlotinib']"
            )
        },
        fails={"test_hdaci_fold_reduction": "The ratio is upside down"},
        why="divides the HDAC-inhibitor fraction by the erlotinib one",
    ),
    # ---------------------------------------------------------------- 4 holiday
    Student(
        "holiday_day_by_day",
        {
            "answer_holiday_days": HOLIDAY
            + "    target = equilibrium_tolerant_fraction(rates, 0.0)\n"
            + "    on_h = treatment_days * 24\n"
            + "    for day in range(366):\n"
            + "        phi = simulate_two_state([on_h + 24 * day], rates,"
            + " [(on_h, 1.0), (24 * 366, 0.0)]).tolerant_fraction[0]\n"
            + "        if abs(phi - target) <= rel_tol * target:\n"
            + "            return day\n"
            + "    raise ValueError('no return within 365 days')\n\n\n"
            + "chosen_holiday_days = int(holiday_days(ILLUSTRATIVE_RATES, treatment_days=10))\n"
        },
        why="one simulation per day in a loop, returns the first day",
    ),
    Student(
        "holiday_flatnonzero",
        {
            "answer_holiday_days": _holiday(
                band="rel_tol * phi_star + 0.0",
                result="np.flatnonzero(close)[0].item()",
                decision="holiday_days(ILLUSTRATIVE_RATES, 10.0, rel_tol=0.1)",
            )
        },
        why="np.flatnonzero and keyword arguments",
    ),
    Student(
        "holiday_in_hours",
        {"answer_holiday_days": _holiday(result="int(24 * days[np.argmax(close)])")},
        fails={"test_holiday_days_values": "Return whole days off drug, not hours"},
        why="returns hours",
    ),
    Student(
        "holiday_plus_one",
        {"answer_holiday_days": _holiday(result="int(days[np.argmax(close)]) + 1")},
        fails={"test_holiday_days_values": "One day too many"},
        why="counts the first day as day 1",
    ),
    Student(
        "holiday_equilibrium_on_drug",
        {"answer_holiday_days": _holiday(phi_star="equilibrium_tolerant_fraction(rates, 1.0)")},
        fails={
            "test_holiday_days_values": "the reference equilibrium is wrong",
            "test_holiday_decision": "not what the course data give",
        },
        why="uses the equilibrium under drug as the target (0 days wherever the band is met,"
        " as a constant: charged in the decision too)",
    ),
    Student(
        "holiday_absolute_band",
        {"answer_holiday_days": _holiday(band="rel_tol")},
        fails={"test_holiday_days_values": "The band is relative"},
        why="compares the gap with rel_tol itself",
    ),
    Student(
        "holiday_fixed_band",
        {"answer_holiday_days": _holiday(band="0.1 * phi_star")},
        fails={"test_holiday_days_values": "Use the rel_tol argument"},
        why="hard-codes a 10 % band",
    ),
    Student(
        "holiday_constant",
        {
            "answer_holiday_days": HOLIDAY
            + "    return 0\n\n\n"
            + "chosen_holiday_days = int(holiday_days(ILLUSTRATIVE_RATES, 10))\n"
        },
        fails={
            "test_holiday_days_values": "the reference equilibrium is wrong",
            "test_holiday_decision": "not what the course data give",
        },
        why="no holiday at all, whatever the rates (had earned the decision)",
    ),
    Student(
        "holiday_decision_one_percent",
        {
            "answer_holiday_days": _holiday(
                decision="holiday_days(ILLUSTRATIVE_RATES, 10, rel_tol=0.01)"
            )
        },
        fails={"test_holiday_decision": "the default 10% band"},
        why="reads the 10 % band as 0.01",
    ),
    # ---------------------------------------------------------------- 5 HDAC inhibitor
    Student(
        "hdaci_one_schedule",
        {
            "answer_hdaci": HDACI_HEAD
            + "_phi = equilibrium_tolerant_fraction(ILLUSTRATIVE_RATES)\n"
            + "_x0 = np.array([1 - _phi, _phi])\n"
            + "sf_alone = simulate_two_state(np.array([216.0]), ILLUSTRATIVE_RATES,"
            + " [(216.0, 1.0)], initial=_x0).total.item()\n"
            + "sf_cotreatment = simulate_two_state(np.array([216.0]), hdaci,"
            + " [(216.0, 1.0)], initial=_x0).total.item()\n"
            + "_both = simulate_two_state([168.0, 384.0], hdaci, [(168.0, 0.0), (216.0, 1.0)],"
            + " initial=_x0).total\n"
            + "sf_lead_in = float(_both[1] / _both[0])\n"
        },
        why="one schedule for the lead-in and NumPy arrays",
    ),
    Student(
        "hdaci_default_start",
        {
            "answer_hdaci": HDACI_HEAD
            + "sf_alone = float(simulate_two_state([216.0], ILLUSTRATIVE_RATES, 1.0).total[0])\n"
            + "_phi0 = equilibrium_tolerant_fraction(ILLUSTRATIVE_RATES)\n"
            + "_untreated = [1.0 - _phi0, _phi0]\n"
            + COTREAT_OK
            + _lead_in()
        },
        why="relies on the default start for erlotinib alone, lists for the state",
    ),
    Student(
        "hdaci_alone_nine_hours",
        {
            "answer_hdaci": HDACI_HEAD
            + HDACI_START.replace("[216.0], ILLUSTRATIVE_RATES", "[9.0], ILLUSTRATIVE_RATES")
            + COTREAT_OK
            + _lead_in()
        },
        fails={"test_hdaci_alone": "9 days of erlotinib are 216 h"},
        why="simulates 9 hours instead of 9 days for erlotinib alone (the others right)",
    ),
    Student(
        "hdaci_alone_tolerant_only",
        {
            "answer_hdaci": HDACI_HEAD
            + HDACI_START.replace(".total[0])", ".tolerant[0])")
            + COTREAT_OK
            + _lead_in()
        },
        fails={"test_hdaci_alone": "not the tolerant cells only"},
        why="reports the tolerant cells instead of the total for erlotinib alone",
    ),
    Student(
        "hdaci_alone_all_sensitive",
        {
            "answer_hdaci": HDACI_HEAD
            + HDACI_START
            + "sf_alone = float(simulate_two_state([216.0], ILLUSTRATIVE_RATES, 1.0,"
            + " initial=(1.0, 0.0)).total[0])\n"
            + COTREAT_OK
            + _lead_in()
        },
        fails={"test_hdaci_alone": "not from sensitive cells only"},
        why="starts erlotinib alone from sensitive cells only",
    ),
    Student(
        "hdaci_cotreatment_at_hdaci_equilibrium",
        {
            "answer_hdaci": HDACI_HEAD
            + HDACI_START
            + "sf_cotreatment = float(simulate_two_state([216.0], hdaci, 1.0).total[0])\n"
            + _lead_in()
        },
        fails={"test_hdaci_cotreatment": "started from the equilibrium of the hdaci rates"},
        why="co-treatment without initial=, so it starts at the hdaci equilibrium",
    ),
    Student(
        "hdaci_lead_in_not_normalised",
        {"answer_hdaci": HDACI_HEAD + HDACI_START + COTREAT_OK + _lead_in(normalise=False)},
        fails={"test_hdaci_lead_in": "divide by the population at the start of erlotinib"},
        why="divides by the population before the lead-in",
    ),
    Student(
        "hdaci_lead_in_without_inhibitor",
        {
            "answer_hdaci": HDACI_HEAD
            + HDACI_START
            + COTREAT_OK
            + _lead_in(lead_rates="ILLUSTRATIVE_RATES")
        },
        fails={"test_hdaci_lead_in": "use the hdaci rates (drug level 0) during it"},
        why="runs the lead-in with the untreated rates",
    ),
    Student(
        "hdaci_lead_in_skipped",
        {
            "answer_hdaci": HDACI_HEAD
            + HDACI_START
            + COTREAT_OK
            + "sf_lead_in = float(simulate_two_state([216.0], hdaci, 1.0).total[0])\n"
        },
        fails={"test_hdaci_lead_in": "skips the lead-in"},
        why="starts erlotinib at the hdaci equilibrium instead of simulating the lead-in",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
