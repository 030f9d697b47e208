"""11-drug-combinations: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "11-drug-combinations"

BL = "def bliss(e_a, e_b, e_ab):\n"


def _scores(hsa="np.minimum(ea, eb)", wells="(slice(1, None), slice(1, None))",
            loewe_wells="c") -> str:  # fmt: skip
    return (
        "rows = {}\n"
        "for pair, w in boards.groupby('pair'):\n"
        "    g = w.pivot(index='dose_b_uM', columns='dose_a_uM', values='viability')\n"
        "    da, db, v = g.columns.to_numpy(), g.index.to_numpy(), g.to_numpy()\n"
        "    ea, eb = v[0, :][None, :], v[:, 0][:, None]\n"
        "    fa, fb = fit_hill(da, v[0, :], e0=1.0), fit_hill(db, v[:, 0], e0=1.0)\n"
        f"    c = {wells}\n"
        "    rows[pair] = {'bliss': (ea * eb - v)[c].mean(),"
        f" 'hsa': ({hsa} - v)[c].mean(),"
        f" 'loewe': loewe_excess(da[None, :], db[:, None], v, fa, fb)[{loewe_wells}].mean()}}\n"
        "scores = pd.DataFrame(rows).T\n"
    )


def _classify(label_body: str, agree: str | None = None) -> str:
    agree = agree or (
        "models_agree = {p: len({lab(r[m]) for m in ('bliss', 'hsa', 'loewe')}) == 1"
        " for p, r in scores.iterrows()}\n"
    )
    return (
        "def lab(x):\n"
        + label_body
        + "calls = {p: lab(r['bliss']) for p, r in scores.iterrows()}\n"
        + agree
    )


GOOD_LABEL = (
    "    if x > 0.05:\n        return 'synergistic'\n"
    "    if x < -0.05:\n        return 'antagonistic'\n    return 'additive'\n"
)

STUDENTS = [
    # ---- Exercise 1: Bliss excess
    Student(
        "bl_ufuncs",
        {"answer_bliss": BL + "    return np.subtract(np.multiply(e_a, e_b), e_ab)\n"},
        why="NumPy ufuncs",
    ),
    Student(
        "bl_vectorize",
        {
            "answer_bliss": BL + "    f = np.vectorize(lambda a, b, c: a * b - c)\n"
            "    return f(e_a, e_b, e_ab)\n"
        },
        why="np.vectorize over a scalar lambda",
    ),
    Student(
        "bl_sign",
        {"answer_bliss": BL + "    return np.asarray(e_ab) - np.asarray(e_a) * np.asarray(e_b)\n"},
        fails={"test_bliss_values": "Sign", "test_bliss_arrays": "Wrong values for arrays"},
        why="observed minus expected",
    ),
    Student(
        "bl_hsa",
        {"answer_bliss": BL + "    return np.minimum(e_a, e_b) - np.asarray(e_ab)\n"},
        fails={
            "test_bliss_values": "highest-single-agent",
            "test_bliss_arrays": "Wrong values for arrays",
        },
        why="uses the better single agent instead of the product",
    ),
    Student(
        "bl_additive",
        {
            "answer_bliss": BL
            + "    return np.asarray(e_a) + np.asarray(e_b) - 1 - np.asarray(e_ab)\n"
        },
        fails={
            "test_bliss_values": "both surviving fractions multiplied",
            "test_bliss_arrays": "Wrong values for arrays",
        },
        why="adds the effects (response additivity) instead of multiplying survivals",
    ),
    # ---- Exercise 2: scores
    Student(
        "sc_long_format",
        {
            "answer_scores": "out = []\n"
            "for pair, w in boards.groupby('pair'):\n"
            "    sa = w[w['dose_b_uM'] == 0].set_index('dose_a_uM')['viability']\n"
            "    sb = w[w['dose_a_uM'] == 0].set_index('dose_b_uM')['viability']\n"
            "    c = w[(w['dose_a_uM'] > 0) & (w['dose_b_uM'] > 0)]\n"
            "    ea = c['dose_a_uM'].map(sa).to_numpy()\n"
            "    eb = c['dose_b_uM'].map(sb).to_numpy()\n"
            "    v = c['viability'].to_numpy()\n"
            "    fa = fit_hill(sa.index.to_numpy(), sa.to_numpy(), e0=1.0)\n"
            "    fb = fit_hill(sb.index.to_numpy(), sb.to_numpy(), e0=1.0)\n"
            "    lo = loewe_excess(c['dose_a_uM'].to_numpy(), c['dose_b_uM'].to_numpy(), v,"
            " fa, fb)\n"
            "    out.append({'pair': pair, 'bliss': float(np.mean(bliss_excess(ea, eb, v))),"
            " 'hsa': float(np.mean(hsa_excess(ea, eb, v))), 'loewe': float(np.mean(lo))})\n"
            "scores = pd.DataFrame(out).set_index('pair')\n"
        },
        why="long format with map, no pivot",
    ),
    Student(
        "sc_pivot_manual",
        {"answer_scores": _scores()},
        why="pivot and hand-written Bliss and HSA",
    ),
    Student(
        "sc_all_wells",
        {"answer_scores": _scores(wells="(slice(None), slice(None))")},
        fails={
            "test_scores_bliss_hsa": "COMBINATION wells only",
            "test_scores_loewe": "combination wells",
        },
        why="averages over every well, single agents included",
    ),
    Student(
        "sc_hsa_max",
        {"answer_scores": _scores(hsa="np.maximum(ea, eb)")},
        fails={"test_scores_bliss_hsa": "BETTER single agent"},
        why="takes the weaker drug as the HSA reference",
    ),
    Student(
        "sc_loewe_all_wells",
        {"answer_scores": _scores(loewe_wells="(slice(None), slice(None))")},
        fails={"test_scores_loewe": "combination wells"},
        why="restricts Bliss and HSA to the combination wells but not Loewe",
    ),
    # ---- Exercise 3: classification
    Student(
        "cl_where",
        {
            "answer_classify": "b = scores['bliss'].astype(float)\n"
            "lab_arr = np.where(b > 0.05, 'synergistic', np.where(b < -0.05, 'antagonistic',"
            " 'additive'))\n"
            "calls = dict(zip(scores.index, lab_arr))\n"
            "labels = scores.apply(lambda col: np.where(col > 0.05, 's', np.where(col < -0.05,"
            " 'a', 'n')))\n"
            "models_agree = {p: labels.loc[p].nunique() == 1 for p in labels.index}\n"
        },
        why="np.where on whole columns",
    ),
    Student(
        "cl_cut",
        {
            "answer_classify": "bins = [-np.inf, -0.05, 0.05, np.inf]\n"
            "names = ['antagonistic', 'additive', 'synergistic']\n"
            "cut = scores.apply(lambda col: pd.cut(col, bins, labels=names).astype(str))\n"
            "calls = cut['bliss'].to_dict()\n"
            "models_agree = (cut.nunique(axis=1) == 1).to_dict()\n"
        },
        why="pd.cut with bins",
    ),
    Student(
        "cl_swapped",
        {
            "answer_classify": _classify(
                "    if x > 0.05:\n        return 'antagonistic'\n"
                "    if x < -0.05:\n        return 'synergistic'\n    return 'additive'\n"
            )
        },
        fails={"test_calls": "swapped"},
        why="calls a positive excess antagonism",
    ),
    Student(
        "cl_uses_hsa",
        {
            "answer_classify": "def lab(x):\n"
            + GOOD_LABEL
            + "calls = {p: lab(r['hsa']) for p, r in scores.iterrows()}\n"
            + "models_agree = {p: len({lab(r[m]) for m in ('bliss', 'hsa', 'loewe')}) == 1"
            + " for p, r in scores.iterrows()}\n"
        },
        fails={"test_calls": "Use the Bliss column"},
        why="labels with the HSA column",
    ),
    Student(
        "cl_no_band",
        {
            "answer_classify": _classify(
                "    if x > 0:\n        return 'synergistic'\n"
                "    if x < 0:\n        return 'antagonistic'\n    return 'additive'\n",
                agree="models_agree = {p: len({(('s' if r[m] > 0.05 else 'a' if r[m] < -0.05"
                " else 'n')) for m in ('bliss', 'hsa', 'loewe')}) == 1"
                " for p, r in scores.iterrows()}\n",
            )
        },
        fails={"test_calls": "thresholds +0.05 / -0.05"},
        why="uses 0 as the threshold (no additive band) for the calls",
    ),
    Student(
        "cl_always_agree",
        {
            "answer_classify": _classify(
                GOOD_LABEL, agree="models_agree = {p: True for p in calls}\n"
            )
        },
        fails={"test_models_agree": "label each of the three columns"},
        why="assumes the models always agree",
    ),
    # ---- Exercise 4: resistant cells
    Student(
        "rs_powers",
        {
            "answer_resistance": "N = 10**9\nmu = 10**-6\n"
            "resistant_one_drug = mu * N\nresistant_two_drugs = mu**2 * N\n"
            "import math\np_none_two_drugs = math.exp(-(mu**2) * (N - 1))\n"
        },
        why="integer powers and math.exp",
    ),
    Student(
        "rs_logs",
        {
            "answer_resistance": "log_n, log_mu = 9.0, -6.0\n"
            "resistant_one_drug = 10 ** (log_mu + log_n)\n"
            "resistant_two_drugs = 10 ** (2 * log_mu + log_n)\n"
            "p_none_two_drugs = np.exp(-(10 ** (2 * log_mu)) * (10**log_n - 1))\n"
        },
        why="works in log10 units",
    ),
    Student(
        "rs_adds_mu",
        {
            "answer_resistance": "N, mu = 1e9, 1e-6\nresistant_one_drug = mu * N\n"
            "resistant_two_drugs = (mu + mu) * N\n"
            "p_none_two_drugs = float(np.exp(-(mu + mu) * (N - 1)))\n"
        },
        fails={"test_resistance": "MULTIPLY the two probabilities"},
        why="adds the two mutation probabilities",
    ),
    Student(
        "rs_forgets_n",
        {
            "answer_resistance": "N, mu = 1e9, 1e-6\nresistant_one_drug = mu * N\n"
            "resistant_two_drugs = mu * mu\n"
            "p_none_two_drugs = float(np.exp(-mu * mu * (N - 1)))\n"
        },
        fails={"test_resistance": "resistant_two_drugs: mu_A * mu_B * N"},
        why="forgets the number of cells",
    ),
    Student(
        "rs_one_drug_probability",
        {
            "answer_resistance": "N, mu = 1e9, 1e-6\nresistant_one_drug = mu * N\n"
            "resistant_two_drugs = mu * mu * N\n"
            "p_none_two_drugs = float(np.exp(-mu * (N - 1)))\n"
        },
        fails={"test_resistance": "a probability close to 1 here"},
        why="uses the one-drug probability for the pair",
    ),
    Student(
        "cl_invented_scores",
        {
            "answer_scores": "scores = pd.DataFrame(0.0, index=['pair 1', 'pair 2', 'pair 3'],"
            " columns=['bliss', 'hsa', 'loewe'])\n"
        },
        fails={
            "test_scores_bliss_hsa": "Bliss means are off",
            "test_scores_loewe": "Loewe means are off",
            "test_calls": "not the course data's",
            "test_models_agree": "not the course data's",
        },
        why="writes a table of zeros and labels it with the right rule",
    ),
    Student(
        "sc_positional_index",
        {"answer_scores": _scores() + "scores = scores.reset_index(drop=True)\n"},
        fails={"test_scores_bliss_hsa": "KeyError", "test_scores_loewe": "KeyError"},
        why="indexes scores 0, 1, 2 (the labels are still right for its rows, in order)",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
