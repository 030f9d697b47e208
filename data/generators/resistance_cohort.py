"""Simulated cohort for a predictive model of resistance, drawn from a known logistic model.

Every value is simulated (seed ``SEED``) with ``resistlab.precision.simulate_resistance_cohort``
and its generating coefficients ``resistlab.precision.GENERATING_COEFFICIENTS`` (teaching
values, not published effect sizes); nothing here is patient data. The datasheet is
``data/resistance_cohort.md``.
"""

from __future__ import annotations

import pandas as pd

from resistlab.precision import simulate_resistance_cohort

SEED = 20261501
N_PATIENTS = 600
CITATION = f"simulated (resistlab data/generators/resistance_cohort.py, seed {SEED})"


def generate() -> pd.DataFrame:
    df = simulate_resistance_cohort(N_PATIENTS, rng=SEED)
    df["citation"] = CITATION
    df["source_quality"] = "simulated"
    return df
