"""Simulated DHFR copy number and methotrexate IC50 of clones from stepwise selection.

Every value is simulated (seed ``SEED``) from the target-titration model of
:func:`resistlab.amplification.methotrexate_ic50_nM` with measurement noise; no
published per-clone value is reproduced. Only the qualitative facts come from
the literature: stepwise methotrexate selection gives variants with up to about
300-fold more DHFR activity, made in proportion to the DHFR gene copy number
(Schimke et al. 1978; Alt et al. 1978). The datasheet is
``data/dhfr_methotrexate_clones.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resistlab.amplification import methotrexate_ic50_nM

SEED = 19780310
# Titration-model parameters used for the simulation (illustrative, not measured).
ENZYME_PER_COPY_NM = 5.0
KI_NM = 1.0
PARENTAL_COPIES = 2
# Selection steps: (step, clones, range of true DHFR copies per cell drawn log-uniformly).
STEPS = ((0, 4, (2, 2)), (1, 6, (5, 14)), (2, 6, (16, 50)), (3, 6, (60, 180)),
         (4, 6, (200, 600)))  # fmt: skip
COPY_CV = 0.10  # copy-number assay noise (log-normal sigma)
IC50_CV = 0.20  # IC50 assay noise (log-normal sigma)
ACTIVITY_CV = 0.10  # enzyme-activity assay noise (log-normal sigma)


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for step, n_clones, (low, high) in STEPS:
        for c in range(n_clones):
            true_copies = float(np.exp(rng.uniform(np.log(low), np.log(high))))
            ic50 = methotrexate_ic50_nM(
                true_copies, enzyme_per_copy_nM=ENZYME_PER_COPY_NM, ki_nM=KI_NM
            )
            rows.append(
                {
                    "clone_id": f"parental-{c + 1}" if step == 0 else f"S{step}-{c + 1}",
                    "selection_step": step,
                    "dhfr_copy_number": round(true_copies * rng.lognormal(0.0, COPY_CV), 1),
                    "dhfr_activity_fold": round(
                        true_copies / PARENTAL_COPIES * rng.lognormal(0.0, ACTIVITY_CV), 1
                    ),
                    "methotrexate_ic50_nM": round(ic50 * rng.lognormal(0.0, IC50_CV), 2),
                    "citation": f"simulated (resistlab data/generators/dhfr_methotrexate_clones.py, seed {SEED})",
                    "source_quality": "simulated",
                }
            )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(generate().to_string())
