"""03-target-mutations: a class of students, graded by nbgrader (see tests/students.py).

Every answer cell has at least two correct students written in another style and at least
three typical mistakes. Each mistake fails exactly the test cells that check it (later tests
check consistency with the student's own earlier function when its test accepts it or names
its slip, so nothing named cascades) and shows the
coaching message named here. Exercise 4 (classify and calls) is a worked example, not graded,
so it has no students. The mistakes of issue 16 for this assignment are among them: the
loss rounded for display (now correct), a wrong ``fraction_inhibited`` (charged in Exercise 1
only), the relative-percent loss, and a hand-typed top single mutant. Exercise 2 and the plan
count the student's own function only when its test accepts it or names its slip, so a
constant function (or a slip Exercise 1 does not name) is not carried into them; so do the
array test of ``fraction_inhibited`` and the results of Exercise 3 (``add_fold_resistance``).
"""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "03-target-mutations"

FI = "def fraction_inhibited(inhibitor_nM, ki_nM, atp_uM, km_atp_uM):\n"

T790M_KEY = (
    "occupancy_l858r = float(fraction_inhibited(GEFITINIB_nM, KI_GEFITINIB_nM, ATP_uM, "
    "KM_ATP_L858R_uM))\n"
    "occupancy_t790m = float(fraction_inhibited(GEFITINIB_nM, KI_GEFITINIB_nM, ATP_uM, "
    "KM_ATP_T790M_uM))\n"
)
FOLD_KEY = (
    "fold_more_gefitinib = (1.0 + ATP_uM / KM_ATP_T790M_uM) / (1.0 + ATP_uM / KM_ATP_L858R_uM)\n"
)

ADD_FOLD_KEY = (
    "def add_fold_resistance(table):\n"
    "    out = table.copy()\n"
    "    wt = out[out['mutant'] == 'wild type'].set_index('drug')['ic50_nM']\n"
    "    out['fold_resistance'] = out['ic50_nM'] / out['drug'].map(wt)\n"
    "    out['fold_is_lower_bound'] = out['qualifier'] == '>='\n"
    "    return out\n\n"
)
FOLDS_KEY = "folds = add_fold_resistance(ic50)\n"
TOP_KEY = (
    "_p = folds[(folds['drug'] == 'ponatinib') & (folds['mutant'] != 'wild type')]\n"
    "_p = _p[~_p['mutant'].str.contains('/')]\n"
    "top_single_mutant_ponatinib = _p.loc[_p['fold_resistance'].idxmax(), 'mutant']\n"
)
N_KEY = "n_lower_bounds = int(folds['fold_is_lower_bound'].sum())\n"

CHOOSE_KEY = (
    "def choose_tki(mutant, calls):\n"
    "    rows = calls[calls['mutant'] == mutant]\n"
    "    sens = rows[rows['call'] == 'sensitive']\n"
    "    if len(sens):\n"
    "        return min(sens['drug'], key=lambda d: GENERATION[d])\n"
    "    inter = rows[rows['call'] == 'intermediate']\n"
    "    if len(inter):\n"
    "        return inter.loc[inter['ratio'].idxmin(), 'drug']\n"
    "    return 'none'\n\n"
)
PLAN_KEY = "treatment_plan = {p: choose_tki(m, calls) for p, m in PATIENTS.items()}\n"


def fi(body: str) -> dict:
    return {"answer_fraction_inhibited": FI + body}


def t790m(text: str) -> dict:
    return {"answer_t790m_occupancy": text}


def folds_cell(fn=ADD_FOLD_KEY, folds=FOLDS_KEY, top=TOP_KEY, n=N_KEY) -> dict:
    return {"answer_fold_resistance": fn + folds + top + n}


def choose_cell(fn=CHOOSE_KEY, plan=PLAN_KEY) -> dict:
    return {"answer_choose_tki": fn + plan}


STUDENTS = [
    # ---------------- Exercise 1: fraction_inhibited ----------------
    Student(
        "fi_apparent_ki",
        fi(
            "    kapp = ki_nM * (1.0 + np.divide(atp_uM, km_atp_uM))\n"
            "    i = np.asarray(inhibitor_nM, dtype=float)\n"
            "    return np.divide(i, np.add(i, kapp))\n"
        ),
        why="names the apparent Ki and uses np.divide/np.add",
    ),
    Student(
        "fi_plain_arithmetic",
        fi("    return inhibitor_nM / (inhibitor_nM + ki_nM * (1 + atp_uM / km_atp_uM))\n"),
        why="plain arithmetic, no conversion (works for floats and arrays alike)",
    ),
    Student(
        "fi_vectorize",
        fi(
            "    one = lambda i: i / (i + ki_nM * (1 + atp_uM / km_atp_uM))\n"
            "    return np.vectorize(one, otypes=[float])(inhibitor_nM)\n"
        ),
        why="a scalar formula wrapped in np.vectorize",
    ),
    Student(
        "fi_no_one_plus",
        fi("    return inhibitor_nM / (inhibitor_nM + ki_nM * atp_uM / km_atp_uM)\n"),
        fails={"test_fraction_inhibited_values": "Keep the '1 +'"},
        why="drops the 1 in (1 + ATP/Km): a wrong fraction_inhibited costs Exercise 1 only",
    ),
    Student(
        "fi_no_one_plus_carried",
        {
            **fi("    return inhibitor_nM / (inhibitor_nM + ki_nM * atp_uM / km_atp_uM)\n"),
            **t790m(
                T790M_KEY
                + "occupancy_loss_points = 100.0 * (occupancy_l858r - occupancy_t790m)\n"
                + "# my apparent Ki is Ki * ATP / Km, so the fold is the ratio of the Km values\n"
                + "fold_more_gefitinib = KM_ATP_L858R_uM / KM_ATP_T790M_uM\n"
            ),
        },
        fails={"test_fraction_inhibited_values": "Keep the '1 +'"},
        why="the same slip carried consistently into Exercise 2 is charged once, in Exercise 1",
    ),
    Student(
        "fi_inverted_ratio",
        fi(
            "    ratio = np.asarray(km_atp_uM, dtype=float) / np.maximum(atp_uM, 1e-300)\n"
            "    return inhibitor_nM / (inhibitor_nM + ki_nM * (1 + ratio))\n"
        ),
        fails={"test_fraction_inhibited_values": "ATP divided by Km,ATP"},
        why="Km/ATP instead of ATP/Km inside the bracket",
    ),
    Student(
        "fi_ignores_atp",
        fi("    return inhibitor_nM / (inhibitor_nM + ki_nM)\n"),
        fails={"test_fraction_inhibited_values": "ATP is missing"},
        why="forgets the competition with ATP",
    ),
    Student(
        "fi_scalar_only",
        fi(
            "    if inhibitor_nM <= 0:\n"
            "        return 0.0\n"
            "    return inhibitor_nM / (inhibitor_nM + ki_nM * (1 + atp_uM / km_atp_uM))\n"
        ),
        fails={"test_fraction_inhibited_arrays": "fails on a NumPy array"},
        why="a Python 'if' on the input: right for numbers, crashes on arrays",
    ),
    Student(
        "fi_constant",
        {
            **fi("    return np.full_like(np.asarray(inhibitor_nM, dtype=float), 0.5)\n"),
            **t790m(
                T790M_KEY
                + "occupancy_loss_points = 100.0 * (occupancy_l858r - occupancy_t790m)\n"
                + FOLD_KEY
            ),
        },
        fails={
            "test_fraction_inhibited_values": "Keep the '1 +'",
            "test_fraction_inhibited_arrays": "not what the equation gives",
            "test_t790m_occupancies": "not what the course data give",
        },
        why="a constant array of occupancies (had earned the array test)",
    ),
    Student(
        "fi_imports_library",
        {"answer_fraction_inhibited": "from resistlab.binding import fraction_inhibited\n"},
        fails={"test_fraction_inhibited_values": "imported from a library"},
        why="imports the library's function instead of writing it",
    ),
    # ---------------- Exercise 2: T790M scenario ----------------
    Student(
        "t790m_rounded",
        t790m(
            "occupancy_l858r = round(float(fraction_inhibited(100.0, 1.0, 1000.0, 100.0)), 3)\n"
            "occupancy_t790m = round(float(fraction_inhibited(100.0, 1.0, 1000.0, 5.0)), 3)\n"
            "occupancy_loss_points = 56.9\n"
            "fold_more_gefitinib = 18.3\n"
        ),
        why="rounds for display as the statement allows (56.9 points, x 18.3)",
    ),
    Student(
        "t790m_apparent_ki",
        t790m(
            "kapp_ref = KI_GEFITINIB_nM * (1 + ATP_uM / KM_ATP_L858R_uM)\n"
            "kapp_mut = KI_GEFITINIB_nM * (1 + ATP_uM / KM_ATP_T790M_uM)\n"
            "occupancy_l858r = GEFITINIB_nM / (GEFITINIB_nM + kapp_ref)\n"
            "occupancy_t790m = GEFITINIB_nM / (GEFITINIB_nM + kapp_mut)\n"
            "occupancy_loss_points = (occupancy_l858r - occupancy_t790m) * 100\n"
            "fold_more_gefitinib = kapp_mut / kapp_ref\n"
        ),
        why="works with the apparent Ki values directly",
    ),
    Student(
        "t790m_numpy",
        t790m(
            "_occ = fraction_inhibited(GEFITINIB_nM, KI_GEFITINIB_nM, ATP_uM, "
            "np.array([KM_ATP_L858R_uM, KM_ATP_T790M_uM]))\n"
            "occupancy_l858r, occupancy_t790m = _occ\n"
            "occupancy_loss_points = np.subtract(*_occ) * 100\n"
            "fold_more_gefitinib = np.float64(1 + ATP_uM / KM_ATP_T790M_uM) / "
            "(1 + ATP_uM / KM_ATP_L858R_uM)\n"
        ),
        why="one call on an array of Km values, numpy scalars",
    ),
    Student(
        "t790m_relative_percent",
        t790m(
            T790M_KEY
            + "occupancy_loss_points = 100 * (occupancy_l858r - occupancy_t790m)"
            + " / occupancy_l858r\n"
            + FOLD_KEY
        ),
        fails={"test_t790m_occupancies": "RELATIVE fall"},
        why="relative percent change instead of percentage points",
    ),
    Student(
        "t790m_fraction",
        t790m(
            T790M_KEY + "occupancy_loss_points = occupancy_l858r - occupancy_t790m\n" + FOLD_KEY
        ),
        fails={"test_t790m_occupancies": "not a fraction"},
        why="leaves the loss as a fraction",
    ),
    Student(
        "t790m_sign",
        t790m(
            T790M_KEY
            + "occupancy_loss_points = 100 * (occupancy_t790m - occupancy_l858r)\n"
            + FOLD_KEY
        ),
        fails={"test_t790m_occupancies": "comes out positive"},
        why="subtracts the wrong way round",
    ),
    Student(
        "t790m_swapped_kinases",
        t790m(
            "occupancy_l858r = float(fraction_inhibited(GEFITINIB_nM, KI_GEFITINIB_nM, ATP_uM, "
            "KM_ATP_T790M_uM))\n"
            "occupancy_t790m = float(fraction_inhibited(GEFITINIB_nM, KI_GEFITINIB_nM, ATP_uM, "
            "KM_ATP_L858R_uM))\n"
            "occupancy_loss_points = 100 * (occupancy_l858r - occupancy_t790m)\n" + FOLD_KEY
        ),
        fails={"test_t790m_occupancies": "occupancy_l858r:"},
        why="uses the T790M Km for L858R and vice versa",
    ),
    Student(
        "t790m_km_ratio",
        t790m(
            T790M_KEY
            + "occupancy_loss_points = 100 * (occupancy_l858r - occupancy_t790m)\n"
            + "fold_more_gefitinib = KM_ATP_L858R_uM / KM_ATP_T790M_uM\n"
        ),
        fails={"test_t790m_fold": "the '1 +' matters"},
        why="takes the 20-fold Km change as the drug factor",
    ),
    Student(
        "t790m_fold_inverted",
        t790m(
            T790M_KEY
            + "occupancy_loss_points = 100 * (occupancy_l858r - occupancy_t790m)\n"
            + "fold_more_gefitinib = (1 + ATP_uM / KM_ATP_L858R_uM)"
            + " / (1 + ATP_uM / KM_ATP_T790M_uM)\n"
        ),
        fails={"test_t790m_fold": "MUTANT divided by"},
        why="reference over mutant",
    ),
    Student(
        "t790m_constant",
        {
            **fi("    return 0.5\n"),
            **t790m(
                "occupancy_l858r = occupancy_t790m = 0.5\n"
                "occupancy_loss_points = 0.0\n"
                "fold_more_gefitinib = 1.0\n"
            ),
        },
        fails={
            "test_fraction_inhibited_values": "Keep the '1 +'",
            "test_fraction_inhibited_arrays": "Return one occupancy per concentration",
            "test_t790m_occupancies": "not what the course data give",
            "test_t790m_fold": "not what the course data give",
        },
        why="a constant fraction_inhibited and answers that follow it (had earned Exercise 2)",
    ),
    Student(
        "t790m_unnamed_slip_carried",
        {
            **fi(
                "    kapp = ki_nM * (1 + atp_uM / km_atp_uM)\n"
                "    return kapp / (inhibitor_nM + kapp)\n"
            ),
            **t790m(
                T790M_KEY
                + "occupancy_loss_points = 100.0 * (occupancy_l858r - occupancy_t790m)\n"
                + FOLD_KEY
            ),
        },
        fails={
            "test_fraction_inhibited_values": "Without ATP the occupancy is simply",
            "test_fraction_inhibited_arrays": "not what the equation gives",
            "test_t790m_occupancies": "not what the course data give",
        },
        why="returns the active fraction (a slip its test does not name), carried into Exercise 2",
    ),
    # ---------------- Exercise 3: fold-resistance ----------------
    Student(
        "folds_merge",
        folds_cell(
            fn=(
                "def add_fold_resistance(table):\n"
                "    wt = table.loc[table['mutant'] == 'wild type', ['drug', 'ic50_nM']]\n"
                "    out = table.merge(wt.rename(columns={'ic50_nM': '_wt'}), on='drug', "
                "how='left')\n"
                "    out['fold_resistance'] = out['ic50_nM'] / out.pop('_wt')\n"
                "    out['fold_is_lower_bound'] = out['qualifier'].eq('>=')\n"
                "    return out\n\n"
            ),
            top=(
                "_s = folds.query(\"drug == 'ponatinib' and mutant != 'wild type'\")\n"
                "_s = _s[[('/' not in m) for m in _s['mutant']]]\n"
                "top_single_mutant_ponatinib = _s.sort_values('fold_resistance')"
                "['mutant'].iloc[-1]\n"
            ),
        ),
        why="merge on drug (rows reordered), query and sort_values",
    ),
    Student(
        "folds_loops",
        folds_cell(
            fn=(
                "def add_fold_resistance(table):\n"
                "    out = table.copy()\n"
                "    wt = {}\n"
                "    for _, row in table.iterrows():\n"
                "        if row['mutant'] == 'wild type':\n"
                "            wt[row['drug']] = row['ic50_nM']\n"
                "    out['fold_resistance'] = [v / wt[d] for v, d in "
                "zip(table['ic50_nM'], table['drug'])]\n"
                "    out['fold_is_lower_bound'] = [q == '>=' for q in table['qualifier']]\n"
                "    return out\n\n"
            ),
            top=(
                "best, top_single_mutant_ponatinib = -1.0, None\n"
                "for m, d, f in zip(folds['mutant'], folds['drug'], folds['fold_resistance']):\n"
                "    if d == 'ponatinib' and m != 'wild type' and '/' not in m and f > best:\n"
                "        best, top_single_mutant_ponatinib = f, m\n"
            ),
            n="n_lower_bounds = len(folds[folds['qualifier'] == '>='])\n",
        ),
        why="loops with iterrows and zip, counts by qualifier",
    ),
    Student(
        "folds_first_wild_type",
        folds_cell(
            fn=(
                "def add_fold_resistance(table):\n"
                "    out = table.copy()\n"
                "    wt = out.loc[out['mutant'] == 'wild type', 'ic50_nM'].iloc[0]\n"
                "    out['fold_resistance'] = out['ic50_nM'] / wt\n"
                "    out['fold_is_lower_bound'] = out['qualifier'] == '>='\n"
                "    return out\n\n"
            )
        ),
        fails={"test_add_fold_resistance_table": "1-fold for each drug"},
        why="divides every drug by the first wild-type IC50 (no cascade to the results)",
    ),
    Student(
        "folds_inverted",
        folds_cell(
            fn=ADD_FOLD_KEY.replace(
                "out['ic50_nM'] / out['drug'].map(wt)", "out['drug'].map(wt) / out['ic50_nM']"
            )
        ),
        fails={"test_add_fold_resistance_table": "not the wild type's by the mutant's"},
        why="wild type over mutant",
    ),
    Student(
        "folds_bound_flag_wrong",
        folds_cell(fn=ADD_FOLD_KEY.replace("== '>='", "== '='")),
        fails={"test_add_fold_resistance_table": "exactly where the qualifier is '>='"},
        why="flags the exact rows as lower bounds (n counted from its own flags: no cascade)",
    ),
    Student(
        "folds_constant",
        folds_cell(
            fn="def add_fold_resistance(table):\n"
            "    out = table.copy()\n"
            "    out['fold_resistance'] = 1.0\n"
            "    out['fold_is_lower_bound'] = False\n"
            "    return out\n\n"
        ),
        fails={
            "test_add_fold_resistance_table": "of the SAME drug",
            "test_fold_resistance_results": "not what the course data give",
        },
        why="every fold 1 and no lower bound, and the results that follow (had earned them)",
    ),
    Student(
        "folds_top_smallest",
        folds_cell(top=TOP_KEY.replace("idxmax", "idxmin")),
        fails={"test_fold_resistance_results": "SMALLEST fold-resistance"},
        why="idxmin instead of idxmax",
    ),
    Student(
        "folds_top_by_reputation",
        folds_cell(top="top_single_mutant_ponatinib = 'T315I'\n"),
        fails={"test_fold_resistance_results": "not the reputation"},
        why="types the famous gatekeeper mutant by hand",
    ),
    Student(
        "folds_all_rows",
        folds_cell(folds="folds = add_fold_resistance(ic50_all)\n"),
        fails={"test_fold_resistance_results": "33 rows of ic50_all"},
        why="uses the unattributed rows too",
    ),
    Student(
        "folds_n_from_all_rows",
        folds_cell(n="n_lower_bounds = int((ic50_all['qualifier'] == '>=').sum())\n"),
        fails={"test_fold_resistance_results": "censored rows in ic50_all"},
        why="counts the censored rows of the full table",
    ),
    # ---------------- Exercise 5: choose_tki and the plan ----------------
    Student(
        "choose_sorted",
        choose_cell(
            fn=(
                "def choose_tki(mutant, calls):\n"
                "    rows = calls.loc[calls['mutant'] == mutant].copy()\n"
                "    rows['gen'] = rows['drug'].map(GENERATION)\n"
                "    for label, key in (('sensitive', 'gen'), ('intermediate', 'ratio')):\n"
                "        pick = rows[rows['call'] == label].sort_values(key)\n"
                "        if not pick.empty:\n"
                "            return pick['drug'].iloc[0]\n"
                "    return 'none'\n\n"
            ),
            plan=(
                "treatment_plan = {}\n"
                "for patient in PATIENTS:\n"
                "    treatment_plan[patient] = choose_tki(PATIENTS[patient], calls)\n"
            ),
        ),
        why="sort_values on generation or ratio, a for loop for the plan",
    ),
    Student(
        "choose_dicts",
        choose_cell(
            fn=(
                "def choose_tki(mutant, calls):\n"
                "    sub = calls[calls.mutant == mutant]\n"
                "    c = dict(zip(sub.drug, sub.call))\n"
                "    r = dict(zip(sub.drug, sub.ratio))\n"
                "    sens = [d for d in c if c[d] == 'sensitive']\n"
                "    if sens:\n"
                "        return sorted(sens, key=GENERATION.get)[0]\n"
                "    inter = [d for d in c if c[d] == 'intermediate']\n"
                "    return min(inter, key=r.get) if inter else 'none'\n\n"
            ),
            plan="treatment_plan = dict((p, str(choose_tki(m, calls))) for p, m in "
            "PATIENTS.items())\n",
        ),
        why="plain dicts and lists",
    ),
    Student(
        "choose_smallest_ratio",
        choose_cell(
            fn=CHOOSE_KEY.replace(
                "min(sens['drug'], key=lambda d: GENERATION[d])",
                "sens.loc[sens['ratio'].idxmin(), 'drug']",
            )
        ),
        fails={"test_choose_tki_rule": "EARLIEST generation"},
        why="smallest ratio among the sensitive drugs (plan consistent: no cascade)",
    ),
    Student(
        "choose_returns_python_none",
        choose_cell(fn=CHOOSE_KEY.replace("return 'none'", "return None")),
        fails={"test_choose_tki_rule": "return the string 'none'"},
        why="None instead of the string 'none'",
    ),
    Student(
        "choose_indeterminate_counts",
        choose_cell(
            fn=CHOOSE_KEY.replace(
                "rows[rows['call'] == 'intermediate']",
                "rows[rows['call'].isin(['intermediate', 'indeterminate'])]",
            )
        ),
        fails={"test_choose_tki_rule": "'indeterminate' is not a reason"},
        why="treats 'indeterminate' like 'intermediate'",
    ),
    Student(
        "plan_constant",
        choose_cell(
            fn="def choose_tki(mutant, calls):\n    return 'none'\n\n",
            plan="treatment_plan = {p: 'none' for p in PATIENTS}\n",
        ),
        fails={
            "test_choose_tki_rule": "EARLIEST generation",
            "test_treatment_plan": "not what the course data give",
        },
        why="a constant choose_tki and the plan it gives (had earned the plan's point)",
    ),
    Student(
        "plan_keyed_by_mutant",
        choose_cell(
            plan="treatment_plan = {m: choose_tki(m, calls) for m in PATIENTS.values()}\n"
        ),
        fails={"test_treatment_plan": "keyed by the patient's name"},
        why="keys the plan by mutation",
    ),
    Student(
        "plan_by_hand",
        choose_cell(
            plan=(
                "treatment_plan = {'patient 1': 'dasatinib', 'patient 2': 'ponatinib', "
                "'patient 3': 'none', 'patient 4': 'none', 'patient 5': 'imatinib'}\n"
            )
        ),
        fails={"test_treatment_plan": "rather than choosing by hand"},
        why="types the plan by hand and misses the intermediate rule for patient 3",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
