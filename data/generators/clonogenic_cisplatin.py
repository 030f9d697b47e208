"""Simulated colony counts of a clonogenic assay: two lines differing in ERCC1, after cisplatin.

Every count is simulated (seed ``SEED``). True survival follows the linear-quadratic model
:func:`resistlab.dna_repair.lq_survival` with a linear coefficient inversely proportional to
the ERCC1 level (repair removes adducts faster, so each µM kills less); colonies are binomial
draws from the cells seeded times the plating efficiency times the survival. No published
count is reproduced. The datasheet is ``data/clonogenic_cisplatin.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resistlab.dna_repair import lq_survival

SEED = 20060907
CITATION = f"simulated (resistlab data/generators/clonogenic_cisplatin.py, seed {SEED})"
EXPOSURE_H = 1.0
DOSES_uM = (0.0, 2.0, 4.0, 8.0, 12.0, 16.0)
SEEDED = {0.0: 200, 2.0: 400, 4.0: 800, 8.0: 2000, 12.0: 5000, 16.0: 10000}
DISHES = 3
# line: (plating efficiency, relative ERCC1 level, alpha at ERCC1 = 1 per uM, beta per uM^2)
LINES = {
    "ERCC1-low": (0.60, 1.0, 0.30, 0.008),
    "ERCC1-high": (0.45, 3.0, 0.30, 0.008),
}


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for line, (pe, ercc1, alpha1, beta) in LINES.items():
        for dose in DOSES_uM:
            # faster repair: every dose acts like dose / ERCC1 (alpha / ERCC1, beta / ERCC1^2)
            sf = lq_survival(dose, alpha1 / ercc1, beta / ercc1**2)
            for dish in range(1, DISHES + 1):
                seeded = SEEDED[dose]
                rows.append(
                    {
                        "cell_line": line,
                        "cisplatin_uM": dose,
                        "exposure_h": EXPOSURE_H,
                        "dish": dish,
                        "cells_seeded": seeded,
                        "colonies": int(rng.binomial(seeded, pe * sf)),
                        "citation": CITATION,
                        "source_quality": "simulated",
                    }
                )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(generate().to_string())
