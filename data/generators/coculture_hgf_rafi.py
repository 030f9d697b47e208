"""Simulated viability of a BRAF-mutant melanoma line under a RAF inhibitor, alone and in a niche.

Every viability is simulated (seed ``SEED``) from a four-parameter logistic curve per culture
condition with Gaussian assay noise. The conditions and the direction of every effect follow
Straussman et al. 2012 (stromal HGF makes BRAF-mutant melanoma cells resist RAF inhibition;
dual RAF + MET inhibition reverses it) and Wilson et al. 2012 (recombinant HGF alone rescues
BRAF-mutant melanoma cells from vemurafenib); the sizes of the shifts are chosen for teaching,
and no published number is reproduced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20120726
CITATION = f"simulated (resistlab data/generators/coculture_hgf_rafi.py, seed {SEED})"
DRUG = "RAF inhibitor (PLX4720-like)"
DOSES_uM = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REPLICATES = 3
NOISE_SD = 0.03  # additive, fraction of untreated
# condition: (IC50 in uM, bottom plateau, Hill slope). Illustrative, not measured.
CONDITIONS = {
    "melanoma alone": (0.08, 0.05, 1.2),
    "with fibroblasts": (1.2, 0.22, 1.0),
    "with HGF": (0.9, 0.18, 1.0),
    "with fibroblasts + MET inhibitor": (0.11, 0.07, 1.2),
}


def _logistic(dose, ic50, bottom, slope):
    return bottom + (1.0 - bottom) / (1.0 + (dose / ic50) ** slope)


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for condition, (ic50, bottom, slope) in CONDITIONS.items():
        for dose in DOSES_uM:
            for rep in range(1, REPLICATES + 1):
                value = _logistic(dose, ic50, bottom, slope) + rng.normal(0.0, NOISE_SD)
                rows.append(
                    {
                        "condition": condition,
                        "drug": DRUG,
                        "dose_uM": dose,
                        "replicate": rep,
                        "viability": round(float(max(value, 0.0)), 3),
                        "citation": CITATION,
                        "source_quality": "simulated",
                    }
                )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(generate().to_string())
