"""07-dna-repair: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "07-dna-repair"

ST = "def survival_table(colonies):\n"
ST_USE = "survival = survival_table(colonies)\n"
HK = "def half_kill_dose(formation_rate, repair_rate, exposure_h, lethality):\n"
HK_USE = (
    "ercc1_levels = np.array([0.5, 1, 2, 3])\n"
    "c50_by_ercc1 = half_kill_dose(1.0, 0.2 * ercc1_levels, 1.0, 0.05)\n"
    "predicted_ratio = 3.0\n"
)
SL_TAIL = (
    "selective_hits = sorted((g, d) for (g, d), v in relative_viability.stack().items()"
    " if v <= 0.25)\n"
    "treat_with_olaparib = sorted(g for g in relative_viability.index if g != 'wild type'"
    " and relative_viability.loc[g, 'olaparib'] <= 0.25)\n"
)

STUDENTS = [
    # ---- Exercise 1: survival table
    Student(
        "st_merge",
        {
            "answer_survival_table": ST
            + "    c = colonies.copy()\n"
            + "    c['pe_dish'] = c['colonies'] / c['cells_seeded']\n"
            + "    pe = (c[c['cisplatin_uM'] == 0].groupby('cell_line', as_index=False)['pe_dish']"
            + ".mean().rename(columns={'pe_dish': 'pe'}))\n"
            + "    t = c[c['cisplatin_uM'] > 0].merge(pe, on='cell_line')\n"
            + "    t['sf'] = t['colonies'] / (t['cells_seeded'] * t['pe'])\n"
            + "    out = t.groupby(['cell_line', 'cisplatin_uM'])['sf'].mean().reset_index()\n"
            + "    return out.sort_values(['cell_line', 'cisplatin_uM'], ignore_index=True)\n"
            + ST_USE
        },
        why="merges a PE table instead of mapping",
    ),
    Student(
        "st_loops",
        {
            "answer_survival_table": ST
            + "    rows = []\n"
            + "    for line in sorted(colonies['cell_line'].unique()):\n"
            + "        d = colonies[colonies['cell_line'] == line]\n"
            + "        ctrl = d[d['cisplatin_uM'] == 0]\n"
            + "        pe = (ctrl['colonies'] / ctrl['cells_seeded']).mean()\n"
            + "        doses = d.loc[d['cisplatin_uM'] > 0, 'cisplatin_uM'].unique()\n"
            + "        for dose in sorted(doses):\n"
            + "            x = d[d['cisplatin_uM'] == dose]\n"
            + "            pairs = zip(x['colonies'], x['cells_seeded'])\n"
            + "            sfs = [n / (s * pe) for n, s in pairs]\n"
            + "            rows.append({'cell_line': line, 'cisplatin_uM': dose,"
            + " 'sf': sum(sfs) / len(sfs)})\n"
            + "    return pd.DataFrame(rows)\n"
            + ST_USE
        },
        why="loops over lines and doses",
    ),
    Student(
        "st_pooled_pe",
        {
            "answer_survival_table": ST
            + "    ctrl = colonies[colonies['cisplatin_uM'] == 0]\n"
            + "    g = ctrl.groupby('cell_line')\n"
            + "    pe = g['colonies'].sum() / g['cells_seeded'].sum()\n"
            + "    t = colonies[colonies['cisplatin_uM'] > 0].copy()\n"
            + "    t['sf'] = t['colonies'] / (t['cells_seeded'] * t['cell_line'].map(pe))\n"
            + "    out = t.groupby(['cell_line', 'cisplatin_uM'], as_index=False)['sf'].mean()\n"
            + "    return out.sort_values(['cell_line', 'cisplatin_uM'], ignore_index=True)\n"
            + ST_USE
        },
        fails={"test_survival_table_fresh": "PE is the MEAN of colonies/cells_seeded"},
        why="pools the untreated dishes (sum of colonies / sum seeded) for PE",
    ),
    Student(
        "st_one_pe_for_all",
        {
            "answer_survival_table": ST
            + "    ctrl = colonies[colonies['cisplatin_uM'] == 0]\n"
            + "    pe = (ctrl['colonies'] / ctrl['cells_seeded']).mean()\n"
            + "    t = colonies[colonies['cisplatin_uM'] > 0].copy()\n"
            + "    t['sf'] = t['colonies'] / (t['cells_seeded'] * pe)\n"
            + "    out = t.groupby(['cell_line', 'cisplatin_uM'], as_index=False)['sf'].mean()\n"
            + "    return out.sort_values(['cell_line', 'cisplatin_uM'], ignore_index=True)\n"
            + ST_USE
        },
        fails={
            "test_survival_table_fresh": "its own plating efficiency",
            "test_survival_table_course": "own PE",
            "test_lq_fit_values": "ERCC1-low D50 is off",
        },
        why="one plating efficiency for both lines (cascade stated in the notebook)",
    ),
    Student(
        "st_forgets_pe",
        {
            "answer_survival_table": ST
            + "    t = colonies[colonies['cisplatin_uM'] > 0].copy()\n"
            + "    t['sf'] = t['colonies'] / t['cells_seeded']\n"
            + "    out = t.groupby(['cell_line', 'cisplatin_uM'], as_index=False)['sf'].mean()\n"
            + "    return out.sort_values(['cell_line', 'cisplatin_uM'], ignore_index=True)\n"
            + ST_USE
        },
        fails={
            "test_survival_table_fresh": "without the correction",
            "test_survival_table_course": "divide by a plating efficiency",
            "test_lq_fit_values": "ERCC1-low D50 is off",
        },
        why="forgets to divide by the plating efficiency (cascade stated in the notebook)",
    ),
    # ---- Exercise 2: LQ fits
    Student(
        "lq_loop",
        {
            "answer_lq_fit": "lq_fits, d50_uM = {}, {}\n"
            + "for line in ['ERCC1-low', 'ERCC1-high']:\n"
            + "    rows = survival[survival['cell_line'] == line]\n"
            + "    dose, sf = rows['cisplatin_uM'].to_numpy(), rows['sf'].to_numpy()\n"
            + "    lq_fits[line] = fit_lq(dose, sf)\n"
            + "    d50_uM[line] = lq_fits[line].dose_for(0.5)\n"
            + "d50_ratio = d50_uM['ERCC1-high'] / d50_uM['ERCC1-low']\n"
        },
        why="a loop with explicit numpy arrays",
    ),
    Student(
        "lq_solve_quadratic",
        {
            "answer_lq_fit": "lq_fits = {k: fit_lq(v['cisplatin_uM'], v['sf'])"
            + " for k, v in survival.groupby('cell_line')}\n"
            + "d50_uM = {}\n"
            + "for k, f in lq_fits.items():\n"
            + "    r = np.roots([f.beta, f.alpha, -np.log(2)]) if f.beta > 0 else"
            + " [np.log(2) / f.alpha]\n"
            + "    d50_uM[k] = max(float(np.real(x)) for x in r)\n"
            + "d50_ratio = d50_uM['ERCC1-high'] / d50_uM['ERCC1-low']\n"
        },
        why="solves beta D^2 + alpha D = ln 2 itself",
    ),
    Student(
        "lq_inverted_ratio",
        {
            "answer_lq_fit": "lq_fits = {k: fit_lq(v['cisplatin_uM'], v['sf'])"
            + " for k, v in survival.groupby('cell_line')}\n"
            + "d50_uM = {k: f.dose_for(0.5) for k, f in lq_fits.items()}\n"
            + "d50_ratio = d50_uM['ERCC1-low'] / d50_uM['ERCC1-high']\n"
        },
        fails={"test_lq_fit_values": "the line with more repair should need more"},
        why="divides low by high",
    ),
    Student(
        "lq_sf_01",
        {
            "answer_lq_fit": "lq_fits = {k: fit_lq(v['cisplatin_uM'], v['sf'])"
            + " for k, v in survival.groupby('cell_line')}\n"
            + "d50_uM = {k: f.dose_for(0.1) for k, f in lq_fits.items()}\n"
            + "d50_ratio = d50_uM['ERCC1-high'] / d50_uM['ERCC1-low']\n"
        },
        fails={"test_lq_fit_values": "ERCC1-low D50 is off"},
        why="reports the dose for 10% survival",
    ),
    Student(
        "lq_fits_colony_counts",
        {
            "answer_lq_fit": "lq_fits = {}\n"
            + "for k, v in colonies[colonies['cisplatin_uM'] > 0].groupby('cell_line'):\n"
            + "    frac = v['colonies'] / v['cells_seeded']\n"
            + "    lq_fits[k] = fit_lq(v['cisplatin_uM'], frac.clip(lower=1e-4))\n"
            + "d50_uM = {k: f.dose_for(0.5) for k, f in lq_fits.items()}\n"
            + "d50_ratio = d50_uM['ERCC1-high'] / d50_uM['ERCC1-low']\n"
        },
        fails={"test_lq_fit_values": "ERCC1-low D50 is off"},
        why="fits colonies per cell seeded, without the PE correction",
    ),
    # ---- Exercise 3: adduct model
    Student(
        "hk_math_log",
        {
            "answer_ercc1_model": HK
            + "    import math\n"
            + "    k = np.asarray(repair_rate, dtype=float)\n"
            + "    return math.log(2) * k / lethality / formation_rate / exposure_h\n"
            + HK_USE
        },
        why="math.log(2) and successive divisions",
    ),
    Student(
        "hk_from_survival",
        {
            "answer_ercc1_model": HK
            + "    # SF = exp(-gamma kf C tau / kr) = 1/2  =>  C = ln 2 kr / (gamma kf tau)\n"
            + "    per_uM = lethality * formation_rate * exposure_h / np.asarray(repair_rate,"
            + " dtype=float)\n"
            + "    return -np.log(0.5) / per_uM\n"
            + "ercc1_levels = np.array([0.5, 1, 2, 3])\n"
            + "c50_by_ercc1 = np.array([half_kill_dose(1.0, 0.2 * e, 1.0, 0.05)"
            + " for e in ercc1_levels])\n"
            + "predicted_ratio = float(c50_by_ercc1[-1] / c50_by_ercc1[1])\n"
        },
        why="derives C50 from the survival per µM, loops over levels",
    ),
    Student(
        "hk_log10",
        {
            "answer_ercc1_model": HK
            + "    return np.log10(2.0) * np.asarray(repair_rate, dtype=float)"
            + " / (lethality * formation_rate * exposure_h)\n"
            + "ercc1_levels = np.array([0.5, 1, 2, 3])\n"
            + "c50_by_ercc1 = np.log(2.0) * 0.2 * ercc1_levels / 0.05\n"
            + "predicted_ratio = 3.0\n"
        },
        fails={"test_half_kill_dose": "the natural log of 2"},
        why="uses log10(2) in the function (its predictions computed separately are right)",
    ),
    Student(
        "hk_repair_in_denominator",
        {
            "answer_ercc1_model": HK
            + "    return np.log(2.0) / (np.asarray(repair_rate, dtype=float) * lethality"
            + " * formation_rate * exposure_h)\n"
            + "ercc1_levels = np.array([0.5, 1, 2, 3])\n"
            + "c50_by_ercc1 = half_kill_dose(1.0, 0.2 * ercc1_levels, 1.0, 0.05)\n"
            + "predicted_ratio = float(half_kill_dose(1.0, 0.6, 1.0, 0.05)"
            + " / half_kill_dose(1.0, 0.2, 1.0, 0.05))\n"
        },
        fails={
            "test_half_kill_dose": "repair rate in the numerator",
            "test_ercc1_predictions": "the repair rate is 0.2 /h times the ERCC1 level",
        },
        why="puts the repair rate in the denominator (more repair, less drug needed)",
    ),
    Student(
        "hk_forgets_repair_per_unit",
        {
            "answer_ercc1_model": HK
            + "    return np.log(2.0) * np.asarray(repair_rate, dtype=float)"
            + " / (lethality * formation_rate * exposure_h)\n"
            + "ercc1_levels = np.array([0.5, 1, 2, 3])\n"
            + "c50_by_ercc1 = half_kill_dose(1.0, ercc1_levels, 1.0, 0.05)\n"
            + "predicted_ratio = 3.0\n"
        },
        fails={"test_ercc1_predictions": "the repair rate is 0.2 /h times the ERCC1 level"},
        why="uses the ERCC1 level itself as the repair rate",
    ),
    Student(
        "hk_hollow_c50",
        {
            "answer_ercc1_model": HK
            + "    return np.log(2.0) * np.asarray(repair_rate, dtype=float)"
            + " / (lethality * formation_rate * exposure_h)\n"
            + "ercc1_levels = np.array([0.5, 1, 2, 3])\n"
            + "c50_by_ercc1 = np.zeros((0, 4))\n"
            + "predicted_ratio = 3.0\n"
        },
        fails={"test_ercc1_predictions": "c50_by_ercc1 should hold 4 values"},
        why="an empty (0, 4) array, which broadcasts against the four values (review 56)",
    ),
    # ---- Exercise 4: synthetic lethality
    Student(
        "sl_groupby_unstack",
        {
            "answer_synthetic_lethality": "m = screen.groupby(['genotype', 'drug'])['viability']"
            + ".mean().unstack('drug')\n"
            + "relative_viability = m.div(m.loc['wild type'], axis=1)\n"
            + SL_TAIL
        },
        why="groupby/unstack and DataFrame.div",
    ),
    Student(
        "sl_loops",
        {
            "answer_synthetic_lethality": "drugs = sorted(screen['drug'].unique())\n"
            + "genos = sorted(screen['genotype'].unique())\n"
            + "mean = {(g, d): screen[(screen.genotype == g) & (screen.drug == d)]"
            + "['viability'].mean() for g in genos for d in drugs}\n"
            + "relative_viability = pd.DataFrame([[mean[g, d] / mean['wild type', d]"
            + " for d in drugs] for g in genos], index=genos, columns=drugs)\n"
            + "selective_hits = [(g, d) for g in genos for d in drugs"
            + " if relative_viability.loc[g, d] <= 0.25]\n"
            + "treat_with_olaparib = [g for g in genos if g != 'wild type'"
            + " and relative_viability.loc[g, 'olaparib'] <= 0.25]\n"
        },
        why="dict comprehension and nested lists",
    ),
    Student(
        "sl_not_normalised",
        {
            "answer_synthetic_lethality": "relative_viability = screen.pivot_table("
            + "index='genotype', columns='drug', values='viability')\n"
            + SL_TAIL
        },
        fails={"test_relative_viability": "so the wild-type row is 1"},
        why="forgets to divide by wild type",
    ),
    Student(
        "sl_median",
        {
            "answer_synthetic_lethality": "m = screen.pivot_table(index='genotype',"
            + " columns='drug', values='viability', aggfunc='median')\n"
            + "relative_viability = m / m.loc['wild type']\n"
            + SL_TAIL
        },
        fails={"test_relative_viability": "use the mean of the three replicates"},
        why="takes medians",
    ),
    Student(
        "sl_treats_revertant",
        {
            "answer_synthetic_lethality": "m = screen.pivot_table(index='genotype',"
            + " columns='drug', values='viability')\n"
            + "relative_viability = m / m.loc['wild type']\n"
            + "selective_hits = sorted((g, d) for (g, d), v in"
            + " relative_viability.stack().items() if v <= 0.25)\n"
            + "treat_with_olaparib = sorted(g for g in relative_viability.index"
            + " if g.startswith('BRCA'))\n"
        },
        fails={"test_synthetic_lethal_decision": "A revertant BRCA2 has restored"},
        why="treats every BRCA-mutant genotype, revertant included",
    ),
    Student(
        "sl_only_olaparib",
        {
            "answer_synthetic_lethality": "m = screen.pivot_table(index='genotype',"
            + " columns='drug', values='viability')\n"
            + "relative_viability = m / m.loc['wild type']\n"
            + "col = relative_viability['olaparib']\n"
            + "selective_hits = sorted((g, 'olaparib') for g in col.index"
            + " if col[g] <= 0.25)\n"
            + "treat_with_olaparib = sorted(g for g in col.index if col[g] <= 0.25)\n"
        },
        fails={"test_synthetic_lethal_decision": "for every drug"},
        why="looks only at the olaparib column for selective hits",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
