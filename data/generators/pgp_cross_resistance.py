"""Simulated IC50s of eight anticancer drugs in a parental line and its P-gp-over-expressing subline.

Every IC50 is simulated (seed ``SEED``) from the efflux model of :mod:`resistlab.efflux`: the
P-gp line's IC50 is the parental IC50 times ``fold_resistance(vmax, permeability, km,
c_target)`` for P-glycoprotein substrates, and times 1 for drugs the pump does not carry,
with log-normal assay noise. Which drugs are substrates follows the cross-resistance pattern of
classical multidrug-resistant lines (see the datasheet, ``data/pgp_cross_resistance.md``); no
published IC50 is reproduced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resistlab.efflux import fold_resistance

SEED = 19860601
CITATION = f"simulated (resistlab data/generators/pgp_cross_resistance.py, seed {SEED})"
REPLICATES = 3
IC50_CV = 0.15  # log-normal sigma of one IC50 measurement
# P-gp line: maximal efflux rate (uM/min) and the intracellular level that kills (uM).
VMAX_uM_PER_MIN = 60.0
C_TARGET_uM = 0.05
# drug: (parental IC50 in nM, P-gp substrate?, passive permeability 1/min, pump Km in uM).
# Parameters are illustrative: chosen to give fold-resistances of the size reported for
# classical multidrug-resistant lines (tens to hundreds for vinca alkaloids, taxanes and
# anthracyclines; a few-fold for etoposide), not measured for any real line.
DRUGS = {
    "vinblastine": (1.5, True, 0.5, 0.6),
    "paclitaxel": (3.0, True, 0.4, 1.0),
    "doxorubicin": (40.0, True, 1.0, 1.5),
    "colchicine": (15.0, True, 0.8, 1.2),
    "etoposide": (600.0, True, 2.0, 8.0),
    "cisplatin": (2000.0, False, 0.2, 1.0),
    "5-fluorouracil": (3000.0, False, 0.5, 1.0),
    "methotrexate": (25.0, False, 0.1, 1.0),
}


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for drug, (ic50_parental, substrate, permeability, km) in DRUGS.items():
        fold = (
            fold_resistance(VMAX_uM_PER_MIN, permeability, km, C_TARGET_uM) if substrate else 1.0
        )
        for line, true_ic50 in (("parental", ic50_parental), ("P-gp line", ic50_parental * fold)):
            for rep in range(1, REPLICATES + 1):
                rows.append(
                    {
                        "drug": drug,
                        "cell_line": line,
                        "replicate": rep,
                        "ic50_nM": float(f"{true_ic50 * rng.lognormal(0.0, IC50_CV):.3g}"),
                        "citation": CITATION,
                        "source_quality": "simulated",
                    }
                )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(generate().to_string())
