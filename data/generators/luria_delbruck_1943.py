"""Luria & Delbrück (1943), Table 2: resistant bacteria in series of similar cultures.

Each row is one culture: the number of T1-resistant colonies found when the
whole culture (or the stated sample of it) was plated on phage. The counts are
those distributed with the R package flan (dataset ``luriadel``, "Table 2
p.504"), which pools the eight experiment columns into three samples:
LD1 = experiments 1, 10, 11, 15 and 21b; LD2 = experiments 16 and 17;
LD3 = experiment 21a. The split of those pooled samples back into single
experiments follows the column lengths given by two independent third-party
transcriptions of the table (9, 8, 10, 10, 20, 12, 19 and 5 cultures); it is
consistent with flan's column order and with rSalvador's ``luria.16.data``
(experiment 16). The values were not checked against the printed table, so
every row is labelled ``secondary``.

The culture volume, the volume plated and the number of bacteria per culture
of each experiment (the head rows of Table 2) come from a third-party
transcription of the ESP Foundations reprint of the paper (GitHub
redam94/pymc-challenges, ``data/luria_delbruck_1943.csv``); they span
1.1e8 (experiment 21a) to 4.0e10 bacteria (experiments 10 and 11), about
360-fold. They too are ``secondary``.
"""

from __future__ import annotations

import pandas as pd

CITATION = (
    "Luria SE, Delbrück M (1943) Mutations of bacteria from virus sensitivity to virus "
    "resistance. Genetics 28:491-511, Table 2 (p. 504); counts as distributed in the R "
    "package flan (dataset luriadel); culture and plated volumes and bacteria per culture as "
    "transcribed from the ESP Foundations reprint (GitHub redam94/pymc-challenges)"
)
SOURCE_QUALITY = "secondary"

# experiment label -> (culture volume ml, volume plated ml, bacteria per culture), Table 2 head rows
CULTURES = {
    "1": (10.0, 0.05, 3.4e10),
    "10": (10.0, 0.05, 4.0e10),
    "11": (10.0, 0.05, 4.0e10),
    "15": (10.0, 0.05, 2.9e10),
    "16": (0.2, 0.08, 5.6e8),
    "17": (0.2, 0.08, 5.0e8),
    "21a": (0.2, 0.05, 1.1e8),
    "21b": (10.0, 0.05, 3.2e10),
}

# experiment label -> (flan sample, counts in table order)
EXPERIMENTS = {
    "1": ("LD1", [10, 18, 125, 10, 14, 27, 3, 17, 17]),
    "10": ("LD1", [29, 41, 17, 20, 31, 30, 7, 17]),
    "11": ("LD1", [30, 10, 40, 45, 183, 12, 173, 23, 57, 51]),
    "15": ("LD1", [6, 5, 10, 8, 24, 13, 165, 15, 6, 10]),
    "16": ("LD2", [1, 0, 3, 0, 0, 5, 0, 5, 0, 6, 107, 0, 0, 0, 1, 0, 0, 64, 0, 35]),
    "17": ("LD2", [1, 0, 0, 7, 0, 303, 0, 0, 3, 48, 1, 4]),
    "21a": ("LD3", [0, 0, 0, 0, 8, 1, 0, 1, 0, 15, 0, 0, 19, 0, 0, 17, 11, 0, 0]),
    "21b": ("LD1", [38, 28, 35, 107, 13]),
}


def generate() -> pd.DataFrame:
    rows = []
    for experiment, (sample, counts) in EXPERIMENTS.items():
        culture_ml, plated_ml, bacteria = CULTURES[experiment]
        for culture, count in enumerate(counts, start=1):
            rows.append(
                {
                    "experiment": experiment,
                    "culture": culture,
                    "resistant_colonies": count,
                    "bacteria_per_culture": bacteria,
                    "culture_ml": culture_ml,
                    "plated_ml": plated_ml,
                    "flan_sample": sample,
                    "citation": CITATION,
                    "source_quality": SOURCE_QUALITY,
                }
            )
    return pd.DataFrame(rows)
