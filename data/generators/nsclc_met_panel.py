"""Simulated MET FISH panel of EGFR-mutant NSCLC progressing on an EGFR inhibitor.

Every value is simulated (seed ``SEED``); nothing here is patient data. Each
tumour gets a simulated chromosome-7 state (disomy, polysomy or focal MET
amplification), and 50 nuclei are scored for MET and CEP7 (chromosome-7
centromere) signals, as in a FISH report. The datasheet is ``data/nsclc_met_panel.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20240849
N_PATIENTS = 150
NUCLEI_SCORED = 50
# Simulated chromosome-7 states and how often they are drawn (teaching values, not
# published frequencies).
STATES = ("disomy", "polysomy", "focal_amplification")
STATE_PROBABILITIES = (0.70, 0.17, 0.13)


def _nucleus_means(rng, state: str) -> tuple[float, float]:
    """Expected CEP7 and MET signals per nucleus for one tumour in the given state."""
    if state == "disomy":
        cep7 = rng.uniform(1.8, 2.4)
        met = cep7 * rng.uniform(0.9, 1.15)
    elif state == "polysomy":
        cep7 = rng.uniform(3.0, 5.8)
        met = cep7 * rng.uniform(0.95, 1.25)
    else:  # focal amplification: extra MET copies without extra chromosome 7
        cep7 = rng.uniform(1.9, 3.6)
        met = cep7 * rng.uniform(1.5, 6.0)
    return cep7, met


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for i in range(N_PATIENTS):
        state = STATES[rng.choice(len(STATES), p=STATE_PROBABILITIES)]
        egfr = "exon 19 deletion" if rng.random() < 0.6 else "L858R"
        prior = ("gefitinib", "erlotinib", "afatinib")[rng.integers(3)]
        cep7_mean, met_mean = _nucleus_means(rng, state)
        cep7_signals = int(rng.poisson(cep7_mean, NUCLEI_SCORED).clip(min=1).sum())
        met_signals = int(rng.poisson(met_mean, NUCLEI_SCORED).sum())
        rows.append(
            {
                "patient_id": f"P{i + 1:03d}",
                "egfr_mutation": egfr,
                "prior_egfr_tki": prior,
                "nuclei_scored": NUCLEI_SCORED,
                "met_signals": met_signals,
                "cep7_signals": cep7_signals,
                "met_gene_copy_number": round(met_signals / NUCLEI_SCORED, 2),
                "cep7_copy_number": round(cep7_signals / NUCLEI_SCORED, 2),
                "met_cep7_ratio": round(met_signals / cep7_signals, 2),
                "simulated_state": state,
                "citation": f"simulated (resistlab data/generators/nsclc_met_panel.py, seed {SEED})",
                "source_quality": "simulated",
            }
        )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(generate().describe(include="all").T)
