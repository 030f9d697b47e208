"""Simulated viability screen: isogenic DNA-repair genotypes x drugs, relative viability.

Every value is simulated (seed ``SEED``); the pattern follows the published findings that
BRCA1- or BRCA2-deficient cells are profoundly sensitive to PARP inhibition (Farmer et al.
2005; Bryant et al. 2005) and that secondary BRCA2 mutations restoring the reading frame
restore homologous recombination and resistance to PARP inhibitors and cisplatin (Edwards et
al. 2008; Sakai et al. 2008). The numbers are illustrative. Datasheet:
``data/parp_synthetic_lethality.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20050414
CITATION = f"simulated (resistlab data/generators/parp_synthetic_lethality.py, seed {SEED})"
REPLICATES = 3
NOISE_SD = 0.04
GENOTYPES = ("wild type", "BRCA1-/-", "BRCA2-/-", "BRCA2 revertant", "MLH1-/-")
# true relative viability (fraction of the untreated control) at one fixed dose per drug
TRUE = {
    "olaparib": (0.92, 0.06, 0.04, 0.85, 0.90),
    "cisplatin": (0.55, 0.12, 0.10, 0.50, 0.60),
    "paclitaxel": (0.40, 0.38, 0.42, 0.41, 0.39),
    "temozolomide": (0.50, 0.45, 0.47, 0.52, 0.93),
    "5-fluorouracil": (0.60, 0.58, 0.62, 0.59, 0.70),
}


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for drug, values in TRUE.items():
        for genotype, true in zip(GENOTYPES, values, strict=True):
            for rep in range(1, REPLICATES + 1):
                v = float(np.clip(true + rng.normal(0.0, NOISE_SD), 0.005, 1.2))
                rows.append(
                    {
                        "genotype": genotype,
                        "drug": drug,
                        "replicate": rep,
                        "viability": round(v, 3),
                        "citation": CITATION,
                        "source_quality": "simulated",
                    }
                )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(generate().to_string())
