"""BCR-ABL1 kinase-domain mutants x TKIs: cellular IC50 values (nM), long format.

Values typed in from a secondary transcription (see data/bcr_abl_ic50.md): a published
modelling script that lists Ba/F3 cellular IC50 values for ponatinib, imatinib and
dasatinib and names its sources as Redaelli et al. (2012) and the supplement of
Zabriskie et al. (2014). They have NOT been checked against those papers, so the rows the
transcription attributes to one of them are labelled ``secondary``. Four rows (Y253H,
G250E/T315I, Y253H/T315I, E255V/T315I) have no stated source: the transcription does not say
which paper they come from. They are labelled ``unattributed`` and no exercise depends on them.

Censoring: the transcription stores 10240 nM (imatinib) and 768 nM (dasatinib) as plain
numbers; they are the largest values in their columns and lie on doubling-dilution series
(10 x 2^10, 3 x 2^8), i.e. they are the top concentrations tested. They are shipped with
``qualifier = ">="`` (the true IC50 is at least that value), never as exact numbers.
"""

from __future__ import annotations

import pandas as pd

REDAELLI_2012 = (
    "Redaelli S et al. (2012) Three novel patient-derived BCR/ABL mutants show different "
    "sensitivity to second and third generation tyrosine kinase inhibitors. Am J Hematol."
)
ZABRISKIE_2014 = (
    "Zabriskie MS et al. (2014) BCR-ABL1 compound mutations combining key kinase domain "
    "positions confer clinical resistance to ponatinib in Ph chromosome-positive leukemia. "
    "Cancer Cell, doi:10.1016/j.ccr.2014.07.006, supplementary data."
)
EITHER = (
    "Unattributed: the transcription names Redaelli et al. (2012) Am J Hematol and Zabriskie "
    "et al. (2014) Cancer Cell supplement as its sources but does not say which paper this row "
    "comes from."
)

ASSAY = "Ba/F3 BCR-ABL1 proliferation IC50"
DRUGS = ("imatinib", "dasatinib", "ponatinib")
TOP_TESTED_nM = {"imatinib": 10240.0, "dasatinib": 768.0}

# mutant: (imatinib, dasatinib, ponatinib) IC50 in nM; None marks ">= top tested", citation
ROWS = [
    ("wild type", (527.0, 1.8, 2.1), REDAELLI_2012),
    ("G250E", (3613.0, 8.1, 12.5), REDAELLI_2012),
    ("Y253H", (17700.0, 5.9, 29.8), EITHER),
    ("E255K", (3174.0, 10.3, 17.6), REDAELLI_2012),
    ("E255V", (8953.0, 6.3, 27.2), REDAELLI_2012),
    ("T315I", (9221.0, 137.3, 6.3), REDAELLI_2012),
    ("T315M", (None, None, 577.5), ZABRISKIE_2014),
    ("G250E/T315I", (None, None, 152.4), EITHER),
    ("Y253H/E255V", (None, 18.1, 203.5), ZABRISKIE_2014),
    ("Y253H/T315I", (None, None, 357.9), EITHER),
    ("E255V/T315I", (None, None, 659.5), EITHER),
]


def generate() -> pd.DataFrame:
    records = []
    for mutant, values, citation in ROWS:
        for drug, value in zip(DRUGS, values, strict=True):
            censored = value is None
            records.append(
                {
                    "mutant": mutant,
                    "drug": drug,
                    "ic50_nM": TOP_TESTED_nM[drug] if censored else value,
                    "qualifier": ">=" if censored else "=",
                    "assay": ASSAY,
                    "citation": citation,
                    "source_quality": "unattributed" if citation == EITHER else "secondary",
                }
            )
    return pd.DataFrame.from_records(records)
