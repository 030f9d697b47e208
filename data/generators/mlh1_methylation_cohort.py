"""Simulated MLH1 promoter methylation array data for a tumour cohort (teaching data).

Every value is simulated (seed below). For each sample and each of eight MLH1
promoter CpGs the generator draws a methylated (M) and an unmethylated (U)
probe intensity as an Illumina Infinium array reports them. Samples whose
promoter is truly hypermethylated carry methylation on every CpG, diluted by
the normal cells in the specimen (tumour purity); a few unmethylated samples
carry one aberrant probe (as a probe SNP would cause). See
data/mlh1_methylation_cohort.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20100505
N_SAMPLES = 150
N_CPGS = 8
P_METHYLATED = 0.15  # share of truly hypermethylated tumours (a teaching choice)
CITATION = (
    "simulated for teaching (resistlab data/generators/mlh1_methylation_cohort.py, seed 20100505)"
)


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    truly_methylated = rng.random(N_SAMPLES) < P_METHYLATED
    purity = np.round(rng.uniform(0.2, 0.9, N_SAMPLES), 2)
    # how fully each CpG is methylated when the promoter is silenced (CpG-specific)
    cpg_level = np.array([0.95, 0.9, 0.85, 0.9, 0.8, 0.75, 0.9, 0.7])

    # methylation of unmethylated CpG islands (normal cells and unmethylated tumours)
    background = rng.beta(2.0, 38.0, size=(N_SAMPLES, N_CPGS))
    # tumour-cell methylation of a silenced promoter
    silenced = np.clip(cpg_level * rng.beta(20.0, 3.0, size=(N_SAMPLES, N_CPGS)), 0, 1)
    beta = np.where(
        truly_methylated[:, None],
        purity[:, None] * silenced + (1 - purity[:, None]) * background,
        background,
    )
    # a few unmethylated samples with one aberrant, high-reading probe
    aberrant = (~truly_methylated) & (rng.random(N_SAMPLES) < 0.05)
    which = rng.integers(0, N_CPGS, N_SAMPLES)
    beta[aberrant, which[aberrant]] = rng.uniform(0.8, 0.95, aberrant.sum())

    total = rng.lognormal(mean=np.log(4000.0), sigma=0.35, size=(N_SAMPLES, N_CPGS))
    noise_m = rng.lognormal(0.0, 0.05, size=(N_SAMPLES, N_CPGS))
    noise_u = rng.lognormal(0.0, 0.05, size=(N_SAMPLES, N_CPGS))
    methylated = np.round(total * beta * noise_m).astype(int)
    unmethylated = np.round(total * (1 - beta) * noise_u).astype(int)

    rows = {
        "sample_id": np.repeat([f"T{i + 1:03d}" for i in range(N_SAMPLES)], N_CPGS),
        "cpg_id": np.tile([f"MLH1_CpG{j + 1}" for j in range(N_CPGS)], N_SAMPLES),
        "methylated_signal": methylated.ravel(),
        "unmethylated_signal": unmethylated.ravel(),
        "tumour_purity": np.repeat(purity, N_CPGS),
        "true_status": np.repeat(np.where(truly_methylated, "methylated", "unmethylated"), N_CPGS),
        "citation": CITATION,
        "source_quality": "simulated",
    }
    return pd.DataFrame(rows)
