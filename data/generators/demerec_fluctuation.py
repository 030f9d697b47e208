"""Demerec's fluctuation test: penicillin-resistant colonies in 30 parallel cultures.

The 30 counts of Staphylococcus aureus penicillin-resistant mutants used as
the worked example of rSalvador (``demerec.data``) and pySalvador
(``demerec_data``). rSalvador's documentation gives the source as Demerec
(1945) PNAS 31:16-24; the counts were not checked against that paper, so every
row is labelled ``secondary``.
"""

from __future__ import annotations

import pandas as pd

CITATION = (
    "Demerec M (1945) Production of staphylococcus strains resistant to various "
    "concentrations of penicillin. Proc Natl Acad Sci USA 31:16-24; counts as distributed "
    "with rSalvador/pySalvador (Zheng), dataset demerec.data"
)
SOURCE_QUALITY = "secondary"

COUNTS = [33, 18, 839, 47, 13, 126, 48, 80, 9, 71, 196, 66, 28, 17, 27,
          37, 126, 33, 12, 44, 28, 67, 730, 168, 44, 50, 583, 23, 17, 24]  # fmt: skip


def generate() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "culture": range(1, len(COUNTS) + 1),
            "resistant_colonies": COUNTS,
            "citation": CITATION,
            "source_quality": SOURCE_QUALITY,
        }
    )
