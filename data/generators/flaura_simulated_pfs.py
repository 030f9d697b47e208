"""Simulated patient-level progression-free survival calibrated to FLAURA's published summary.

Every row is simulated (seed ``SEED``) with :func:`resistlab.survival.simulate_trial`:
exponential times with the comparator's published median PFS (10.2 months) and the published
hazard ratio (0.46), 556 patients randomised 1:1, uniform accrual over 15 months and 12
months of further follow-up (illustrative design values, not FLAURA's). No patient's data
come from the trial. See ``data/flaura_simulated_pfs.md``.
"""

from __future__ import annotations

import numpy as np

from resistlab.survival import simulate_trial

SEED = 20180111
CITATION = f"simulated (resistlab data/generators/flaura_simulated_pfs.py, seed {SEED})"
N_PATIENTS = 556
CONTROL_MEDIAN_MONTHS = 10.2
HAZARD_RATIO = 0.46
ACCRUAL_MONTHS = 15.0
FOLLOW_UP_MONTHS = 12.0
DROPOUT_PER_MONTH = 0.005


def generate():
    trial = simulate_trial(N_PATIENTS, CONTROL_MEDIAN_MONTHS, HAZARD_RATIO, ACCRUAL_MONTHS,
                           FOLLOW_UP_MONTHS, dropout_rate=DROPOUT_PER_MONTH,
                           rng=np.random.default_rng(SEED))  # fmt: skip
    return trial.assign(
        arm=np.where(trial["group"] == 1, "osimertinib", "standard EGFR-TKI"),
        pfs_months=trial["time"].round(2),
        progressed=trial["event"],
        citation=CITATION,
        source_quality="simulated",
    )[["patient", "arm", "pfs_months", "progressed", "citation", "source_quality"]]


if __name__ == "__main__":
    print(generate().head().to_string())
