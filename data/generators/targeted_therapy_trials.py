"""Published results of the trials behind third-generation EGFR and second-generation ALK drugs.

One row per trial and endpoint: FLAURA (first-line osimertinib), AURA3 (osimertinib after
T790M-mediated resistance) and ALEX (first-line alectinib), with their later overall-survival
or mature progression-free-survival reports. Transcribed from the abstracts; each row names
its paper and says whether the numbers were checked against the abstract (``primary``) or
taken from a secondary summary (``secondary``). See ``data/targeted_therapy_trials.md``.
"""

from __future__ import annotations

import pandas as pd

SORIA_2018 = (
    "Soria JC, Ohe Y, Vansteenkiste J, et al. (2018) Osimertinib in untreated EGFR-mutated "
    "advanced non-small-cell lung cancer. N Engl J Med 378:113-125, doi:10.1056/NEJMoa1713137 "
    "(abstract)."
)
RAMALINGAM_2020 = (
    "Ramalingam SS, Vansteenkiste J, Planchard D, et al. (2020) Overall survival with "
    "osimertinib in untreated, EGFR-mutated advanced NSCLC. N Engl J Med 382:41-50 "
    "(as summarised by secondary sources; abstract not read)."
)
MOK_2017 = (
    "Mok TS, Wu YL, Ahn MJ, et al. (2017) Osimertinib or platinum-pemetrexed in EGFR "
    "T790M-positive lung cancer. N Engl J Med 376:629-640, doi:10.1056/NEJMoa1612674 (abstract)."
)
PAPADIMITRAKOPOULOU_2020 = (
    "Papadimitrakopoulou VA, Mok TS, Han JY, et al. (2020) Osimertinib versus "
    "platinum-pemetrexed for patients with EGFR T790M advanced NSCLC and progression on a "
    "prior EGFR-tyrosine kinase inhibitor: AURA3 overall survival analysis. Ann Oncol "
    "31:1536-1544, doi:10.1016/j.annonc.2020.08.2100 (abstract)."
)
PETERS_2017 = (
    "Peters S, Camidge DR, Shaw AT, et al. (2017) Alectinib versus crizotinib in untreated "
    "ALK-positive non-small-cell lung cancer. N Engl J Med 377:829-838, "
    "doi:10.1056/NEJMoa1704795 (abstract)."
)
MOK_2020 = (
    "Mok T, Camidge DR, Gadgeel SM, et al. (2020) Updated overall survival and final "
    "progression-free survival data for patients with treatment-naive advanced ALK-positive "
    "non-small-cell lung cancer in the ALEX study. Ann Oncol 31:1056-1064, "
    "doi:10.1016/j.annonc.2020.04.478 (abstract)."
)
PETERS_2025 = (
    "Peters S, Camidge DR, Dziadziuszko R, et al. (2025) Alectinib versus crizotinib in "
    "previously untreated ALK-positive advanced non-small cell lung cancer: final overall "
    "survival analysis of the phase III ALEX study. Ann Oncol, doi:10.1016/j.annonc.2025.09.018 "
    "(abstract)."
)

NAN = float("nan")
COLUMNS = ("trial", "setting", "experimental", "control", "endpoint", "n_experimental",
           "n_control", "median_experimental_months", "median_control_months", "hazard_ratio",
           "hr_ci_low", "hr_ci_high", "note", "citation", "source_quality")  # fmt: skip
ROWS = [
    ("FLAURA", "untreated EGFR exon 19 deletion or L858R advanced NSCLC", "osimertinib",
     "gefitinib or erlotinib", "PFS", NAN, NAN, 18.9, 10.2, 0.46, 0.37, 0.57,
     "556 randomised 1:1 (arm sizes not in the abstract); investigator-assessed PFS; P<0.001",
     SORIA_2018, "primary"),
    ("FLAURA", "untreated EGFR exon 19 deletion or L858R advanced NSCLC", "osimertinib",
     "gefitinib or erlotinib", "OS", 279, 277, 38.6, 31.8, 0.80, 0.64, 1.00,
     "P=0.046; comparator patients could cross over to osimertinib on T790M-positive "
     "progression", RAMALINGAM_2020, "secondary"),
    ("AURA3", "EGFR T790M-positive advanced NSCLC progressing on a first-line EGFR-TKI",
     "osimertinib", "platinum-pemetrexed", "PFS", 279, 140, 10.1, 4.4, 0.30, 0.23, 0.41,
     "419 randomised 2:1; investigator-assessed PFS; P<0.001", MOK_2017, "primary"),
    ("AURA3", "EGFR T790M-positive advanced NSCLC progressing on a first-line EGFR-TKI",
     "osimertinib", "platinum-pemetrexed", "OS", 279, 140, 26.8, 22.5, 0.87, 0.67, 1.12,
     "P=0.277; 99 of 136 (73%) treated chemotherapy patients crossed over to osimertinib; "
     "crossover-adjusted HR 0.54 (0.18-1.6)", PAPADIMITRAKOPOULOU_2020, "primary"),
    ("ALEX", "untreated ALK-positive advanced NSCLC", "alectinib", "crizotinib", "PFS", 152,
     151, NAN, NAN, 0.47, 0.34, 0.65,
     "primary analysis: alectinib median not reached; 12-month event-free 68.4% vs 48.7%; "
     "events 62/152 vs 102/151", PETERS_2017, "primary"),
    ("ALEX", "untreated ALK-positive advanced NSCLC", "alectinib", "crizotinib", "PFS (mature)",
     152, 151, 34.8, 10.9, 0.43, 0.32, 0.58, "final PFS analysis, data cut-off 30 Nov 2018",
     MOK_2020, "primary"),
    ("ALEX", "untreated ALK-positive advanced NSCLC", "alectinib", "crizotinib", "OS", 152, 151,
     81.1, 54.2, 0.78, 0.56, 1.08, "final OS analysis, data cut-off 28 Apr 2025", PETERS_2025,
     "primary"),
]  # fmt: skip


def generate() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=list(COLUMNS))


if __name__ == "__main__":
    print(generate().to_string())
