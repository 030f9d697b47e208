"""Simulated tumour mutational burden (TMB) and response to anti-PD-1 therapy (teaching data).

Every value is simulated (seed below). TMB is log-normal; the chance of an objective response
rises with log10 TMB through a logistic curve. Both were calibrated (a teaching choice) to the
published summary of KEYNOTE-158's TMB analysis (conference abstract of Marabelle et al.,
Ann Oncol 2019; full paper Marabelle et al. 2020, Lancet Oncol 21:1353): about 16% of
patients TMB-high (>= 10 mut/Mb), objective response about 28% in TMB-high and about 6.5% in
the others. No row is a patient. See data/tmb_response_cohort.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20200910
N_PATIENTS = 755  # the size of KEYNOTE-158's TMB-evaluable set in the 2019 abstract
MEDIAN_TMB = 3.0  # mut/Mb (teaching choice)
LOG10_SD = 0.5236  # gives P(TMB >= 10) = 0.159
LOGIT_INTERCEPT = -3.6214  # response logit = a + b log10(TMB), calibrated to 28.3% / 6.5%
LOGIT_SLOPE = 2.0782
CITATION = (
    "simulated for teaching (resistlab data/generators/tmb_response_cohort.py, seed 20200910)"
)


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    log10_tmb = rng.normal(np.log10(MEDIAN_TMB), LOG10_SD, N_PATIENTS)
    tmb = np.round(10.0**log10_tmb, 1)
    p_response = 1.0 / (1.0 + np.exp(-(LOGIT_INTERCEPT + LOGIT_SLOPE * np.log10(tmb))))
    response = (rng.random(N_PATIENTS) < p_response).astype(int)
    return pd.DataFrame(
        {
            "patient_id": [f"P{i + 1:03d}" for i in range(N_PATIENTS)],
            "tmb_mut_per_mb": tmb,
            "response": response,
            "citation": CITATION,
            "source_quality": "simulated",
        }
    )
