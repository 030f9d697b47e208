"""A simulated cohort of virtual patients for the competition model of assignment 14.

Every row is simulated (seed ``SEED``): one virtual tumour's parameters for
:func:`resistlab.adaptive.simulate_continuous` and :func:`resistlab.adaptive.simulate_adaptive`
(burdens as fractions of the carrying capacity K = 1, rates per day). The ranges are
illustrative, chosen so that every tumour progresses under both schedules within 5000 days;
none is a published or fitted patient value. See ``data/adaptive_virtual_cohort.md``.
"""

from __future__ import annotations

import numpy as np

SEED = 20171123
CITATION = f"simulated (resistlab data/generators/adaptive_virtual_cohort.py, seed {SEED})"
N_PATIENTS = 12


def generate():
    import pandas as pd

    rng = np.random.default_rng(SEED)
    growth = rng.uniform(0.02, 0.04, N_PATIENTS)
    table = pd.DataFrame(
        {
            "patient": [f"V{i:02d}" for i in range(1, N_PATIENTS + 1)],
            "initial_burden": rng.uniform(0.4, 0.8, N_PATIENTS).round(3),
            "resistant_fraction": (10 ** rng.uniform(-3, -1.3, N_PATIENTS)).round(4),
            "growth_rate_per_day": growth.round(4),
            "cost_of_resistance": rng.uniform(0.0, 0.5, N_PATIENTS).round(2),
            "competition_rs": rng.uniform(0.7, 1.3, N_PATIENTS).round(2),
            "kill_rate_per_day": (2.0 * growth).round(4),
        }
    )
    return table.assign(citation=CITATION, source_quality="simulated")


if __name__ == "__main__":
    print(generate().to_string())
