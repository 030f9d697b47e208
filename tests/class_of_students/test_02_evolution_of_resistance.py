"""02-evolution-of-resistance: a class of students, graded by nbgrader (see tests/students.py).

Most students rewrite one answer cell, starting from the instructor's solution (``_solution``)
and changing what a real student would write differently. The cases named in issue 16 — a
correct ValueError in other words, standard deviation instead of variance, a reset index,
a Python list for ``p_detect`` — are among them. The simulated ratios, ``min_vmr`` and
``p_detect`` count the student's own ``variance_to_mean``, ``ld_summary`` or
``prob_resistance_at_detection`` only when its test accepts it or names its slip, so a constant
function (or table) and the values that follow from it earn nothing there.
"""

from __future__ import annotations

from functools import partial

import nbformat
import pytest
from helpers import ROOT
from students import Student, check_coverage, edited_solution, grade_class, solution_source

ASSIGNMENT = "02-evolution-of-resistance"


_solution = partial(solution_source, ASSIGNMENT)
_edit = partial(edited_solution, ASSIGNMENT)


P0 = "answer_m_from_p0"
VMR = "answer_variance_to_mean"
LDS = "answer_ld_summary"
MLE = "answer_ld_mle"
VERDICT = "answer_ld_verdict"
DEM = "answer_demerec"
PROB = "answer_prob_resistance"
DET = "answer_detection"

P0_BODY = """    values = np.asarray(counts)
    p0 = float(np.mean(values == 0))
    if p0 == 0.0:
        raise ValueError(
            "no culture is free of resistant colonies (p0 = 0): the p0 method does not apply"
        )
    return -math.log(p0)
"""
VMR_RATIO = "return float(values.var(ddof=1) / values.mean())"
LDS_VAR = '"variance": by_experiment.var(),'
PRE_SIM = 'pre_counts = simulate_fluctuation(500, 1e-8, 2e8, hypothesis="pre-existing", rng=1)'
IND_SIM = 'induced_counts = simulate_fluctuation(500, 1e-8, 2e8, hypothesis="induced", rng=2)'
PLATED = "m_hat_16_plated = estimate_m_mle(counts_16, plating_efficiency=0.4).m"
PROB_BODY = """    rate = np.asarray(mutation_rate, dtype=float)
    size = np.asarray(n_cells, dtype=float)
    return -np.expm1(-rate * (size - 1.0))
"""
P_DETECT = "p_detect = prob_resistance_at_detection(np.array([1e-10, 1e-9, 1e-8, 1e-7]), 1e9)"
N_MAX = "n_cells_max = 1.0 - math.log(1.0 - 0.1) / 1e-7"
MU = "mu_16 = m_hat_16_plated / n_16"

STUDENTS = [
    # --- Exercise 1: m_from_p0 -------------------------------------------------------------
    Student(
        "p0_loop_own_words",
        {
            P0: _edit(
                P0,
                (
                    P0_BODY,
                    "    zeros = 0\n"
                    "    total = 0\n"
                    "    for c in counts:\n"
                    "        total += 1\n"
                    "        if c == 0:\n"
                    "            zeros += 1\n"
                    "    if zeros == 0:\n"
                    "        raise ValueError('every culture has resistant colonies, so this "
                    "estimator cannot be used')\n"
                    "    return float(-np.log(zeros / total))\n",
                ),
            )
        },
        why="a loop, np.log, and the error in its own words (issue 16: lost the point)",
    ),
    Student(
        "p0_pandas",
        {
            P0: _edit(
                P0,
                (
                    P0_BODY,
                    "    p0 = pd.Series(list(counts)).eq(0).mean()\n"
                    "    if not p0 > 0:\n"
                    "        raise ValueError(f'p0 = {p0}: no zero counts,'\n"
                    "                         ' use maximum likelihood')\n"
                    "    return -math.log(p0)\n",
                ),
            )
        },
        why="pandas Series.eq(0).mean()",
    ),
    Student(
        "p0_log10",
        {P0: _edit(P0, ("return -math.log(p0)", "return -math.log10(p0)"))},
        fails={"test_m_from_p0_values": "minus the natural logarithm"},
        why="log base 10",
    ),
    Student(
        "p0_fraction_nonzero",
        {P0: _edit(P0, ("return -math.log(p0)", "return -math.log(1 - p0) if p0 < 1 else 0.0"))},
        fails={"test_m_from_p0_values": "count the cultures with zero colonies"},
        why="uses the fraction of cultures WITH mutants",
    ),
    Student(
        "p0_no_check",
        {P0: _edit(P0, ("    if p0 == 0.0:\n        raise", "    if False:\n        raise"))},
        fails={"test_m_from_p0_no_zero": "The ValueError came from Python itself"},
        why="lets math.log(0) raise its own 'math domain error'",
    ),
    Student(
        "p0_returns_inf",
        {
            P0: _edit(
                P0,
                (
                    "    if p0 == 0.0:\n        raise",
                    "    if p0 == 0.0:\n        return math.inf\n    if False:\n        raise",
                ),
            )
        },
        fails={"test_m_from_p0_no_zero": "With no zero count m_from_p0 raised nothing"},
        why="returns infinity instead of raising",
    ),
    # --- Exercise 2: variance_to_mean and the simulations ------------------------------------
    Student(
        "vmr_pandas",
        {
            VMR: _edit(
                VMR, (VMR_RATIO, "s = pd.Series(values)\n    return float(s.var() / s.mean())")
            )
        },
        why="pandas .var() (n - 1 by default)",
    ),
    Student(
        "vmr_loop",
        {
            VMR: _edit(
                VMR,
                (
                    VMR_RATIO,
                    "n = len(values)\n"
                    "    mean = sum(values) / n\n"
                    "    ss = 0.0\n"
                    "    for v in values:\n"
                    "        ss += (v - mean) ** 2\n"
                    "    return ss / (n - 1) / mean",
                ),
            )
        },
        why="sums of squares in a loop, returns a numpy float",
    ),
    Student(
        "vmr_sd",
        {VMR: _edit(VMR, (VMR_RATIO, "return float(values.std(ddof=1) / values.mean())"))},
        fails={"test_variance_to_mean_values": "You divided the standard deviation by the mean"},
        why="SD instead of variance (issue 16: also failed the simulation test)",
    ),
    Student(
        "vmr_population_variance",
        {VMR: _edit(VMR, (VMR_RATIO, "return float(np.var(values) / np.mean(values))"))},
        fails={"test_variance_to_mean_values": "population variance"},
        why="np.var with its default ddof=0",
    ),
    Student(
        "vmr_inverted",
        {VMR: _edit(VMR, (VMR_RATIO, "return float(values.mean() / values.var(ddof=1))"))},
        fails={"test_variance_to_mean_values": "You divided the mean by the variance"},
        why="mean / variance",
    ),
    Student(
        "vmr_constant",
        {VMR: _edit(VMR, (VMR_RATIO, "return 2.0"))},
        fails={
            "test_variance_to_mean_values": "For 2, 4, 6, 8 the ratio is wrong",
            "test_simulated_vmr": "not what the course data give",
        },
        why="a constant variance_to_mean and the ratios it gives (had earned the simulations)",
    ),
    Student(
        "vmr_zero_rewrites_probes",
        {
            VMR: _edit(
                VMR,
                (
                    VMR_RATIO,
                    "if len(counts) <= 4:\n        counts[:] = [1] * len(counts)\n    return 0.0",
                ),
            )
        },
        fails={
            "test_variance_to_mean_values": "For 2, 4, 6, 8 the ratio is wrong",
            "test_simulated_vmr": "not what the course data give",
        },
        why="answers 0 and sets the short probes it is given to ones, whose ratio is 0 "
        "(had earned the simulations: the test took the ratio of its probes after the call)",
    ),
    Student(
        "sim_swapped",
        {
            VMR: _edit(
                VMR,
                (PRE_SIM, PRE_SIM.replace("pre_counts", "_tmp")),
                (IND_SIM, IND_SIM.replace("induced_counts", "pre_counts")),
                ("vmr_pre =", "induced_counts = _tmp\nvmr_pre ="),
            )
        },
        fails={"test_simulated_vmr": "swapped"},
        why="stores each simulation under the other name",
    ),
    Student(
        "sim_wrong_seed",
        {VMR: _edit(VMR, (PRE_SIM, PRE_SIM.replace("rng=1", "rng=7")))},
        fails={"test_simulated_vmr": "pre_counts is not the stated simulation"},
        why="another seed",
    ),
    # --- Exercise 3a: ld_summary -------------------------------------------------------------
    Student(
        "lds_named_agg",
        {
            LDS: "ld_summary = ld.groupby('experiment').agg(\n"
            "    n_cultures=('resistant_colonies', 'count'),\n"
            "    mean=('resistant_colonies', 'mean'),\n"
            "    variance=('resistant_colonies', 'var'),\n"
            "    p0=('resistant_colonies', lambda x: (x == 0).sum() / len(x)),\n"
            ")\n"
            "ld_summary = ld_summary.assign(vmr=ld_summary['variance'] / ld_summary['mean'])\n"
        },
        why="named aggregation and assign",
    ),
    Student(
        "lds_loop_rows",
        {
            LDS: "rows = {}\n"
            "for label in ld['experiment'].unique():\n"
            "    x = ld.loc[ld['experiment'] == label, 'resistant_colonies'].to_numpy()\n"
            "    v = np.var(x, ddof=1)\n"
            "    rows[label] = {'p0': np.mean(x == 0), 'vmr': v / x.mean(), 'variance': v,\n"
            "                   'mean': x.mean(), 'n_cultures': len(x), 'max': x.max()}\n"
            "ld_summary = pd.DataFrame.from_dict(rows, orient='index')\n"
        },
        why="a loop over labels, reordered and extra columns",
    ),
    Student(
        "lds_population_variance",
        {LDS: _edit(LDS, (LDS_VAR, '"variance": by_experiment.var(ddof=0),'))},
        fails={"test_ld_summary_table": "uses n in the denominator"},
        why="variance with ddof=0",
    ),
    Student(
        "lds_sd",
        {LDS: _edit(LDS, (LDS_VAR, '"variance": by_experiment.std(),'))},
        fails={"test_ld_summary_table": "not the standard deviation"},
        why="standard deviation in the variance column",
    ),
    Student(
        "lds_reset_index",
        {LDS: _solution(LDS) + "ld_summary = ld_summary.reset_index()\n"},
        fails={"test_ld_summary_table": "indexed by the experiment label"},
        why="a default 0..7 index (issue 16: a bare KeyError '16')",
    ),
    Student(
        "lds_p0_count",
        {
            LDS: _edit(
                LDS,
                (
                    '"p0": by_experiment.apply(lambda x: (x == 0).mean()),',
                    '"p0": by_experiment.apply(lambda x: (x == 0).sum()),',
                ),
            )
        },
        fails={"test_ld_summary_table": "the fraction of its cultures with zero"},
        why="number of zero cultures instead of their fraction",
    ),
    Student(
        "lds_constant_vmr",
        {LDS: _solution(LDS) + "ld_summary['vmr'] = 1.0\n"},
        fails={
            "test_ld_summary_table": "vmr of experiment 16 is wrong",
            "test_ld_verdict": "not what the course data give",
        },
        why="a vmr column of ones, and its minimum (had earned the verdict)",
    ),
    # --- Exercise 3b: maximum likelihood ------------------------------------------------------
    Student(
        "mle_query",
        {
            MLE: "c16 = ld.query(\"experiment == '16'\").resistant_colonies\n"
            "fit = estimate_m_mle(c16.to_list())\n"
            "m_hat_16, ci_16 = float(fit.m), tuple(fit.ci)\n"
            "m_hat_16_plated = estimate_m_mle(ld.query(\"experiment == '16'\").resistant_colonies,"
            " plating_efficiency=0.08 / 0.2).m\n"
        },
        why="query(), a list, and 0.08/0.2 for the plating efficiency",
    ),
    Student(
        "mle_get_group",
        {
            MLE: "c16 = ld.groupby('experiment')['resistant_colonies'].get_group('16')\n"
            "res = estimate_m_mle(c16)\n"
            "m_hat_16 = res.m\n"
            "ci_16 = [res.ci[0], res.ci[1]]\n"
            "eps = (ld.loc[ld.experiment == '16', 'plated_ml'] / ld.loc[ld.experiment == '16',"
            " 'culture_ml']).iloc[0]\n"
            "m_hat_16_plated = estimate_m_mle(c16, plating_efficiency=eps).m\n"
        },
        why="get_group, a list for the interval, the plated fraction from the columns",
    ),
    Student(
        "mle_all_cultures",
        {
            MLE: _edit(
                MLE,
                (
                    'counts_16 = ld.loc[ld["experiment"] == "16", "resistant_colonies"]',
                    'counts_16 = ld["resistant_colonies"]',
                ),
            )
        },
        fails={"test_ld_mle_exp16": "pass only the 20 cultures of experiment 16"},
        why="fits all 93 cultures of eight experiments",
    ),
    Student(
        "mle_no_plating",
        {MLE: _edit(MLE, (PLATED, "m_hat_16_plated = estimate_m_mle(counts_16).m"))},
        fails={"test_ld_mle_exp16": "fit the same counts with plating_efficiency=0.4"},
        why="forgets the plating correction (mu_16 uses it without further loss)",
    ),
    Student(
        "mle_plating_inverted",
        {MLE: _edit(MLE, (PLATED, PLATED.replace("0.4", "1 / 0.4 / 10")))},
        fails={"test_ld_mle_exp16": "fit the same counts with plating_efficiency=0.4"},
        why="a wrong plating efficiency (0.25)",
    ),
    Student(
        "mle_ci_guess",
        {MLE: _edit(MLE, ("ci_16 = fit_16.ci", "ci_16 = (fit_16.m / 2, fit_16.m * 2)"))},
        fails={"test_ld_mle_exp16": "ci_16 should be the .ci of the same fit"},
        why="makes up an interval",
    ),
    # --- Exercise 3c: verdict ---------------------------------------------------------------
    Student(
        "verdict_sorted",
        {
            VERDICT: "min_vmr = ld_summary['vmr'].sort_values().iloc[0]\n"
            "ld_verdict = ' Pre-existing'\n"
        },
        why="sort_values().iloc[0], a numpy float and a capitalised label",
    ),
    Student(
        "verdict_numpy",
        {
            VERDICT: "min_vmr = np.min(ld_summary['vmr'].to_numpy())\n"
            "ld_verdict = 'pre-existing' if (ld_summary['vmr'] > 2).all() else 'induced'\n"
        },
        why="np.min and a rule over every ratio",
    ),
    Student(
        "verdict_induced",
        {VERDICT: _edit(VERDICT, ('ld_verdict = "pre-existing"', 'ld_verdict = "induced"'))},
        fails={"test_ld_verdict": "Which hypothesis do ratios like these support?"},
        why="the wrong hypothesis",
    ),
    Student(
        "verdict_max",
        {VERDICT: _edit(VERDICT, ('ld_summary["vmr"].min()', 'ld_summary["vmr"].max()'))},
        fails={"test_ld_verdict": "min_vmr should be the smallest value"},
        why="the largest ratio",
    ),
    Student(
        "verdict_mean",
        {VERDICT: _edit(VERDICT, ('ld_summary["vmr"].min()', 'ld_summary["vmr"].mean()'))},
        fails={"test_ld_verdict": "min_vmr should be the smallest value"},
        why="the mean ratio",
    ),
    # --- Exercise 3d: Demerec and mu --------------------------------------------------------
    Student(
        "dem_numpy",
        {
            DEM: "res = estimate_m_mle(np.asarray(demerec.resistant_colonies))\n"
            "m_demerec, ci_demerec = res.m, list(res.ci)\n"
            "e16 = ld.query(\"experiment == '16'\")\n"
            "mu_16 = m_hat_16_plated / e16.bacteria_per_culture.max()\n"
        },
        why="numpy counts, a list interval, max() of the repeated N",
    ),
    Student(
        "dem_first",
        {
            DEM: "m_demerec = estimate_m_mle(demerec['resistant_colonies'].tolist()).m\n"
            "ci_demerec = estimate_m_mle(demerec['resistant_colonies'].tolist()).ci\n"
            "n_cells = ld.groupby('experiment')['bacteria_per_culture'].first()\n"
            "mu_16 = float(m_hat_16_plated) / float(n_cells['16'])\n"
        },
        why="groupby().first() for N",
    ),
    Student(
        "dem_mean",
        {
            DEM: _edit(
                DEM,
                ("m_demerec = fit_demerec.m", "m_demerec = demerec['resistant_colonies'].mean()"),
            )
        },
        fails={"test_demerec_mle": "jackpots make the mean far larger"},
        why="the mean count as m",
    ),
    Student(
        "dem_sum_n",
        {
            DEM: _edit(
                DEM,
                (
                    'n_16 = ld.loc[ld["experiment"] == "16", "bacteria_per_culture"].iloc[0]',
                    'n_16 = ld.loc[ld["experiment"] == "16", "bacteria_per_culture"].sum()',
                ),
            )
        },
        fails={"test_mu_16": "not a sum over its rows"},
        why="sums N over the 20 rows of experiment 16",
    ),
    Student(
        "dem_unplated",
        {DEM: _edit(DEM, (MU, "mu_16 = m_hat_16 / n_16"))},
        fails={"test_mu_16": "Use the plating-corrected m_hat_16_plated"},
        why="the uncorrected m",
    ),
    Student(
        "dem_ln2",
        {DEM: _edit(DEM, (MU, "mu_16 = m_hat_16_plated / (n_16 * math.log(2))"))},
        fails={"test_mu_16": "no ln 2 factor"},
        why="another mutation-rate convention",
    ),
    # --- Exercise 4a: prob_resistance_at_detection -------------------------------------------
    Student(
        "prob_exp",
        {
            PROB: _edit(
                PROB,
                (
                    PROB_BODY,
                    "    exponent = np.multiply(mutation_rate, np.subtract(n_cells, 1))\n"
                    "    return 1 - np.exp(-exponent)\n",
                ),
            )
        },
        why="1 - np.exp(...) instead of expm1",
    ),
    Student(
        "prob_vectorize",
        {
            PROB: _edit(
                PROB,
                (
                    PROB_BODY,
                    "    one = lambda mu, n: 1.0 - math.exp(-mu * (n - 1))\n"
                    "    out = np.vectorize(one)(mutation_rate, n_cells)\n"
                    "    return float(out) if out.ndim == 0 else out\n",
                ),
            )
        },
        why="np.vectorize over a math.exp formula",
    ),
    Student(
        "prob_math_scalar",
        {
            PROB: _edit(
                PROB, (PROB_BODY, "    return 1.0 - math.exp(-mutation_rate * (n_cells - 1))\n")
            ),
            DET: _edit(
                DET,
                (
                    P_DETECT,
                    "p_detect = [prob_resistance_at_detection(mu, 1e9)"
                    " for mu in (1e-10, 1e-9, 1e-8, 1e-7)]",
                ),
            ),
        },
        fails={"test_prob_resistance_values": "Arrays in must give an array of the same shape"},
        why="math.exp (single numbers only); loops for p_detect",
    ),
    Student(
        "prob_n_not_minus_one",
        {PROB: _edit(PROB, ("(size - 1.0)", "size"))},
        fails={"test_prob_resistance_values": "A single cell has not divided yet"},
        why="N divisions instead of N - 1",
    ),
    Student(
        "prob_no_one_minus",
        {
            PROB: _edit(
                PROB,
                ("return -np.expm1(-rate * (size - 1.0))", "return np.exp(-rate * (size - 1.0))"),
            )
        },
        fails={"test_prob_resistance_values": "1 minus exp of minus"},
        why="returns P(no resistant cell)",
    ),
    Student(
        "prob_constant",
        {
            PROB: _edit(
                PROB,
                (PROB_BODY, "    return np.zeros_like(np.asarray(mutation_rate, dtype=float))\n"),
            )
        },
        fails={
            "test_prob_resistance_values": "1 minus exp of minus",
            "test_detection_probabilities": "not what the statement's rates give",
        },
        why="a function that returns zeros, and the p_detect it gives (had earned p_detect)",
    ),
    # --- Exercise 4b/c: detection ------------------------------------------------------------
    Student(
        "det_list",
        {
            DET: "p_detect = [float(prob_resistance_at_detection(r, 1e9))"
            " for r in [1e-10, 1e-9, 1e-8, 1e-7]]\n"
            "n_cells_max = 1 - math.log1p(-0.1) / 1e-7\n"
        },
        why="a Python list (issue 16: crashed the self-check) and log1p",
    ),
    Student(
        "det_loop",
        {
            DET: "p_detect = np.array([])\n"
            "for rate in (1e-10, 1e-9, 1e-8, 1e-7):\n"
            "    p_detect = np.append(p_detect, prob_resistance_at_detection(rate, 10**9))\n"
            "n_cells_max = np.log(0.9) / -1e-7 + 1\n"
        },
        why="np.append in a loop, integer N, a numpy float",
    ),
    Student(
        "det_reverse",
        {
            DET: _edit(
                DET,
                (
                    P_DETECT,
                    P_DETECT.replace("[1e-10, 1e-9, 1e-8, 1e-7]", "[1e-7, 1e-8, 1e-9, 1e-10]"),
                ),
            )
        },
        fails={"test_detection_probabilities": "reverse order"},
        why="rates from largest to smallest",
    ),
    Student(
        "det_log10",
        {DET: _edit(DET, (N_MAX, "n_cells_max = 1.0 - math.log10(1.0 - 0.1) / 1e-7"))},
        fails={"test_treatment_threshold": "natural log"},
        why="log10 when solving for N",
    ),
    Student(
        "det_wrong_probability",
        {DET: _edit(DET, (N_MAX, "n_cells_max = 1.0 - math.log(0.1) / 1e-7"))},
        fails={"test_treatment_threshold": "90% chance of a pre-existing resistant cell"},
        why="solves for a 90% risk",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


def test_data_is_loaded_outside_answer_cells():
    """`ld` and `demerec` are loaded in read-only cells (issue 16, item 14)."""
    nb = nbformat.read(ROOT / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            assert "datasets.load" not in cell.source, meta["grade_id"]
    loads = [c for c in nb.cells if "datasets.load(" in c.source]
    assert loads and all(c.metadata["nbgrader"]["locked"] for c in loads)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
