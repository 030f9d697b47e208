"""08-tumor-microenvironment: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "08-tumor-microenvironment"

KP = (
    "def krogh_profile(r, p_capillary, r_capillary, r_tissue, consumption, diffusivity,"
    " solubility):\n"
)
HF = (
    "def hypoxic_fraction(p_capillary, r_capillary, r_tissue, consumption, diffusivity,"
    " solubility, threshold):\n"
)
HF_BRENTQ = (
    HF
    + "    from scipy.optimize import brentq\n"
    + "    a = (p_capillary, r_capillary, r_tissue, consumption, diffusivity, solubility)\n"
    + "    if p_capillary < threshold:\n"
    + "        return 1.0\n"
    + "    if float(krogh_profile(r_tissue, *a)) >= threshold:\n"
    + "        return 0.0\n"
    + "    rs = brentq(lambda r: float(krogh_profile(r, *a)) - threshold, r_capillary,"
    + " r_tissue, xtol=1e-12)\n"
)
MAX_OK = (
    "from scipy.optimize import brentq\n"
    "_rc = brentq(lambda R: float(krogh_profile(R, 40.0, 5.0, R, 4e-4, 1750.0, 2.4e-5)) - 10.0,"
    " 5.001, 500.0, xtol=1e-10)\n"
    "max_intercapillary_um = 2 * _rc\n"
)
PEN_OK = (
    "lambda_a_um = math.sqrt(300 / 0.01)\n"
    "lambda_b_um = math.sqrt(40 / 0.02)\n"
    "reached_a = min(lambda_a_um * math.log(10) / 150, 1.0)\n"
    "reached_b = min(lambda_b_um * math.log(10) / 150, 1.0)\n"
)
IC = "def coculture_ic50(df):\n"
IC_BODY_LOOP = (
    "    table = df.pivot_table(index='dose_uM', columns='condition', values='viability',"
    " aggfunc='mean').sort_index()\n"
    "    out = {}\n"
    "    logd = np.log10(table.index.to_numpy(dtype=float))\n"
    "    for cond in table.columns:\n"
    "        v = table[cond].to_numpy()\n"
    "        i = 0\n"
    "        while not (v[i] >= 0.5 > v[i + 1]):\n"
    "            i += 1\n"
)
IC_USE = (
    "_ic = coculture_ic50(coculture)\n"
    "ic50_shift = _ic['with fibroblasts'] / _ic['melanoma alone']\n"
    "met_inhibitor_reverses = bool(_ic['with fibroblasts + MET inhibitor']"
    " / _ic['melanoma alone'] <= 2)\n"
)

STUDENTS = [
    # ---- Exercise 1: the Krogh profile
    Student(
        "kp_loop_math",
        {
            "answer_krogh_profile": KP
            + "    k = diffusivity * solubility\n"
            + "    def one(x):\n"
            + "        return (p_capillary + consumption * (x * x - r_capillary**2) / (4 * k)\n"
            + "                - consumption * r_tissue**2"
            + " * math.log(x / r_capillary) / (2 * k))\n"
            + "    if np.ndim(r) == 0:\n"
            + "        return one(float(r))\n"
            + "    return np.array([one(float(x)) for x in np.asarray(r)])\n"
        },
        why="a scalar helper with math.log applied in a loop",
    ),
    Student(
        "kp_expanded_logs",
        {
            "answer_krogh_profile": KP
            + "    r = np.asarray(r, dtype=float)\n"
            + "    a = consumption / (diffusivity * solubility)\n"
            + "    return (p_capillary - a * (r_capillary**2 - r**2) / 4\n"
            + "            - a * r_tissue**2 / 2 * (np.log(r) - np.log(r_capillary)))\n"
        },
        why="writes ln(r/r_c) as ln r - ln r_c and factors M/(D alpha)",
    ),
    Student(
        "kp_math_log",
        {
            "answer_krogh_profile": KP
            + "    k = diffusivity * solubility\n"
            + "    return (p_capillary + consumption / (4 * k) * (r**2 - r_capillary**2)\n"
            + "            - consumption * r_tissue**2 / (2 * k) * math.log(r / r_capillary))\n"
        },
        fails={"test_krogh_profile_arrays": "np.log, not math.log"},
        why="uses math.log, which fails on arrays",
    ),
    Student(
        "kp_log10",
        {
            "answer_krogh_profile": KP
            + "    r = np.asarray(r, dtype=float)\n"
            + "    k = diffusivity * solubility\n"
            + "    return (p_capillary + consumption / (4 * k) * (r**2 - r_capillary**2)\n"
            + "            - consumption * r_tissue**2 / (2 * k) * np.log10(r / r_capillary))\n"
        },
        fails={
            "test_krogh_profile_values": "np.log, not np.log10",
            "test_krogh_profile_arrays": "check the formula",
            "test_hypoxic_fraction_values": "Find r* where p(r*) equals the threshold",
            "test_max_intercapillary_distance": "Solve p(R) = 10 mmHg",
        },
        why="decimal logarithm (Exercise 2 uses it: cascade stated in the notebook)",
    ),
    Student(
        "kp_quadratic_factor",
        {
            "answer_krogh_profile": KP
            + "    r = np.asarray(r, dtype=float)\n"
            + "    k = diffusivity * solubility\n"
            + "    return (p_capillary + consumption / (2 * k) * (r**2 - r_capillary**2)\n"
            + "            - consumption * r_tissue**2 / (2 * k) * np.log(r / r_capillary))\n"
        },
        fails={
            "test_krogh_profile_values": "Check both terms",
            "test_krogh_profile_arrays": "check the formula",
            "test_hypoxic_fraction_values": "Find r* where p(r*) equals the threshold",
            "test_max_intercapillary_distance": "Solve p(R) = 10 mmHg",
        },
        why="M/(2 D alpha) in the quadratic term (cascade stated in the notebook)",
    ),
    # ---- Exercise 2: hypoxic fraction and the largest oxygenated distance
    Student(
        "hf_bisection_by_hand",
        {
            "answer_hypoxic_fraction": HF
            + "    a = (p_capillary, r_capillary, r_tissue, consumption, diffusivity,"
            + " solubility)\n"
            + "    if p_capillary < threshold:\n"
            + "        return 1.0\n"
            + "    if float(krogh_profile(r_tissue, *a)) >= threshold:\n"
            + "        return 0.0\n"
            + "    lo, hi = r_capillary, r_tissue\n"
            + "    for _ in range(200):\n"
            + "        mid = (lo + hi) / 2\n"
            + "        if float(krogh_profile(mid, *a)) >= threshold:\n"
            + "            lo = mid\n"
            + "        else:\n"
            + "            hi = mid\n"
            + "    return (r_tissue**2 - lo**2) / (r_tissue**2 - r_capillary**2)\n"
            + "lo, hi = 10.0, 300.0\n"
            + "for _ in range(200):\n"
            + "    mid = (lo + hi) / 2\n"
            + "    if float(krogh_profile(mid, 40.0, 5.0, mid, 4e-4, 1750.0, 2.4e-5)) >= 10.0:\n"
            + "        lo = mid\n"
            + "    else:\n"
            + "        hi = mid\n"
            + "max_intercapillary_um = lo + hi\n"
        },
        why="bisection written by hand for both parts",
    ),
    Student(
        "hf_root_scalar",
        {
            "answer_hypoxic_fraction": HF
            + "    from scipy.optimize import root_scalar\n"
            + "    f = lambda r: float(krogh_profile(r, p_capillary, r_capillary, r_tissue,"
            + " consumption, diffusivity, solubility)) - threshold\n"
            + "    if f(r_capillary) < 0:\n"
            + "        return 1.0\n"
            + "    if f(r_tissue) >= 0:\n"
            + "        return 0.0\n"
            + "    rs = root_scalar(f, bracket=(r_capillary, r_tissue), xtol=1e-12).root\n"
            + "    ring = np.pi * (r_tissue**2 - rs**2)\n"
            + "    return ring / (np.pi * (r_tissue**2 - r_capillary**2))\n"
            + MAX_OK
        },
        why="scipy root_scalar and areas with pi",
    ),
    Student(
        "hf_linear_fraction",
        {
            "answer_hypoxic_fraction": HF_BRENTQ
            + "    return (r_tissue - rs) / (r_tissue - r_capillary)\n"
            + MAX_OK
        },
        fails={"test_hypoxic_fraction_values": "use squared radii"},
        why="radial instead of area fraction",
    ),
    Student(
        "hf_whole_disc",
        {
            "answer_hypoxic_fraction": HF_BRENTQ
            + "    return (r_tissue**2 - rs**2) / r_tissue**2\n"
            + MAX_OK
        },
        fails={"test_hypoxic_fraction_values": "the capillary itself is not tissue"},
        why="divides by the whole disc R^2",
    ),
    Student(
        "hf_reports_radius",
        {
            "answer_hypoxic_fraction": HF_BRENTQ
            + "    return (r_tissue**2 - rs**2) / (r_tissue**2 - r_capillary**2)\n"
            + MAX_OK.replace("2 * _rc", "_rc")
        },
        fails={"test_max_intercapillary_distance": "cylinder's radius"},
        why="reports R instead of the distance 2R between capillaries",
    ),
    Student(
        "hf_anoxic_threshold",
        {
            "answer_hypoxic_fraction": HF_BRENTQ
            + "    return (r_tissue**2 - rs**2) / (r_tissue**2 - r_capillary**2)\n"
            + MAX_OK.replace("- 10.0", "- 0.0")
        },
        fails={"test_max_intercapillary_distance": "anoxia"},
        why="solves for the anoxic edge (0 mmHg) instead of 10 mmHg",
    ),
    Student(
        "hf_no_edge_cases",
        {
            "answer_hypoxic_fraction": HF
            + "    from scipy.optimize import brentq\n"
            + "    a = (p_capillary, r_capillary, r_tissue, consumption, diffusivity,"
            + " solubility)\n"
            + "    try:\n"
            + "        rs = brentq(lambda r: float(krogh_profile(r, *a)) - threshold,"
            + " r_capillary, r_tissue)\n"
            + "    except ValueError:\n"
            + "        rs = r_capillary\n"
            + "    return (r_tissue**2 - rs**2) / (r_tissue**2 - r_capillary**2)\n"
            + MAX_OK
        },
        fails={"test_hypoxic_fraction_values": "no tissue is hypoxic: return 0"},
        why="treats 'no crossing' as all hypoxic",
    ),
    # ---- Exercise 3: drug penetration
    Student(
        "pen_numpy_clip",
        {
            "answer_drug_penetration": "_d = np.array([300.0, 40.0])\n"
            + "_k = np.array([0.01, 0.02])\n"
            + "lambda_a_um, lambda_b_um = np.sqrt(_d / _k)\n"
            + "reached_a, reached_b = np.clip(np.sqrt(_d / _k) * np.log(10) / 150, 0, 1)\n"
            + "drug_choice = {(True, False): 'A', (False, True): 'B', (True, True): 'both',"
            + " (False, False): 'neither'}[(bool(reached_a >= 0.9), bool(reached_b >= 0.9))]\n"
        },
        why="vectorised with np.clip and a lookup table",
    ),
    Student(
        "pen_root_finder",
        {
            "answer_drug_penetration": "from scipy.optimize import brentq\n"
            + "lambda_a_um = (300 / 0.01) ** 0.5\n"
            + "lambda_b_um = (40 / 0.02) ** 0.5\n"
            + "def _reach(lam):\n"
            + "    x = brentq(lambda x: math.exp(-x / lam) - 0.1, 0, 1e5, xtol=1e-12)\n"
            + "    return 1.0 if x >= 150 else x / 150\n"
            + "reached_a, reached_b = _reach(lambda_a_um), _reach(lambda_b_um)\n"
            + "drug_choice = 'A'\n"
        },
        why="finds the 10% distance with a root finder",
    ),
    Student(
        "pen_no_sqrt",
        {
            "answer_drug_penetration": "lambda_a_um = 300 / 0.01\n"
            + "lambda_b_um = 40 / 0.02\n"
            + "reached_a = min(lambda_a_um * math.log(10) / 150, 1.0)\n"
            + "reached_b = min(lambda_b_um * math.log(10) / 150, 1.0)\n"
            + "drug_choice = 'both'\n"
        },
        fails={
            "test_penetration_lengths": "square root",
            "test_drug_choice": "Solve exp(-x / lambda) = 0.1",
        },
        why="lambda = D/k (cascade stated in the notebook)",
    ),
    Student(
        "pen_one_length",
        {
            "answer_drug_penetration": "lambda_a_um = math.sqrt(300 / 0.01)\n"
            + "lambda_b_um = math.sqrt(40 / 0.02)\n"
            + "reached_a = min(lambda_a_um / 150, 1.0)\n"
            + "reached_b = min(lambda_b_um / 150, 1.0)\n"
            + "drug_choice = 'A'\n"
        },
        fails={"test_drug_choice": "not at x = lambda"},
        why="takes one penetration length as the reach",
    ),
    Student(
        "pen_no_cap",
        {
            "answer_drug_penetration": PEN_OK.replace("min(", "(").replace(", 1.0)", ")")
            + "drug_choice = 'A'\n"
        },
        fails={"test_drug_choice": "cannot exceed 1"},
        why="forgets that a fraction of cells cannot exceed 1",
    ),
    Student(
        "pen_wrong_choice",
        {"answer_drug_penetration": PEN_OK + "drug_choice = 'neither'\n"},
        fails={"test_drug_choice": "Choose the label"},
        why="decides that neither drug reaches 90%",
    ),
    # ---- Exercise 4: co-culture IC50s
    Student(
        "ic_pivot_while",
        {
            "answer_coculture_ic50": IC
            + IC_BODY_LOOP
            + "        f = (v[i] - 0.5) / (v[i] - v[i + 1])\n"
            + "        out[cond] = 10 ** (logd[i] + f * (logd[i + 1] - logd[i]))\n"
            + "    return pd.Series(out)\n"
            + IC_USE
        },
        why="pivot_table and a while loop",
    ),
    Student(
        "ic_searchsorted_style",
        {
            "answer_coculture_ic50": IC
            + "    res = {}\n"
            + "    for cond, sub in df.groupby('condition'):\n"
            + "        m = sub.groupby('dose_uM')['viability'].mean().sort_index()\n"
            + "        v, x = m.to_numpy(), np.log10(m.index.to_numpy())\n"
            + "        i = np.flatnonzero((v[:-1] >= 0.5) & (v[1:] < 0.5))[0]\n"
            + "        res[cond] = 10 ** np.interp(0.5, [v[i + 1], v[i]], [x[i + 1], x[i]])\n"
            + "    return pd.Series(res)\n"
            + "_ic = coculture_ic50(coculture)\n"
            + "ic50_shift = _ic.loc['with fibroblasts'] / _ic.loc['melanoma alone']\n"
            + "met_inhibitor_reverses = (_ic.loc['with fibroblasts + MET inhibitor']"
            + " < 2 * _ic.loc['melanoma alone'])\n"
        },
        why="groupby per condition, vectorised bracket search and np.interp on the pair",
    ),
    Student(
        "ic_linear_dose",
        {
            "answer_coculture_ic50": IC
            + IC_BODY_LOOP
            + "        d = 10 ** logd\n"
            + "        f = (v[i] - 0.5) / (v[i] - v[i + 1])\n"
            + "        out[cond] = d[i] + f * (d[i + 1] - d[i])\n"
            + "    return pd.Series(out)\n"
            + IC_USE
        },
        fails={
            "test_coculture_ic50_function": "Interpolate in log10(dose)",
            "test_coculture_decision": "Compute both IC50s",
        },
        why="interpolates in dose, not log dose (cascade stated in the notebook)",
    ),
    Student(
        "ic_first_replicate",
        {
            "answer_coculture_ic50": IC
            + "    df = df[df['replicate'] == 1]\n"
            + IC_BODY_LOOP
            + "        f = (v[i] - 0.5) / (v[i] - v[i + 1])\n"
            + "        out[cond] = 10 ** (logd[i] + f * (logd[i + 1] - logd[i]))\n"
            + "    return pd.Series(out)\n"
            + IC_USE
        },
        fails={
            "test_coculture_ic50_function": "not one replicate",
            "test_coculture_decision": "Compute both IC50s",
        },
        why="uses replicate 1 only (cascade stated in the notebook)",
    ),
    Student(
        "ic_inverted_shift",
        {
            "answer_coculture_ic50": IC
            + IC_BODY_LOOP
            + "        f = (v[i] - 0.5) / (v[i] - v[i + 1])\n"
            + "        out[cond] = 10 ** (logd[i] + f * (logd[i + 1] - logd[i]))\n"
            + "    return pd.Series(out)\n"
            + IC_USE.replace(
                "_ic['with fibroblasts'] / _ic['melanoma alone']",
                "_ic['melanoma alone'] / _ic['with fibroblasts']",
            )
        },
        fails={"test_coculture_decision": "not the reverse"},
        why="divides alone by co-culture",
    ),
    Student(
        "ic_wrong_decision",
        {
            "answer_coculture_ic50": IC
            + IC_BODY_LOOP
            + "        f = (v[i] - 0.5) / (v[i] - v[i + 1])\n"
            + "        out[cond] = 10 ** (logd[i] + f * (logd[i + 1] - logd[i]))\n"
            + "    return pd.Series(out)\n"
            + IC_USE.replace("<= 2)", "<= 1)")
        },
        fails={"test_coculture_decision": "is their ratio at most 2"},
        why="asks for a complete reversal (ratio <= 1) instead of within 2-fold",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
