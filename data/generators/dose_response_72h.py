"""Simulated 72 h cell counts of a parental and a slow-growing "resistant" line.

The two lines share ONE growth-rate-inhibition (GR) curve: per division, the drug
affects them identically. The "resistant" line only divides more slowly (doubling
time 72 h instead of 24 h). Relative viability (count / control count) therefore
makes it look several-fold resistant, while GR values (Hafner et al. 2016) show
that it is not. The layout follows the GDSC screens: 72 h assay, 9 doses in µM
(here 0.001–10 µM in half-log steps), plus untreated controls and time-zero wells.

Model, per well (seed ``SEED``):

    GR(c)  = GR_INF + (1 − GR_INF) / (1 + (c / GEC50_UM)**HILL)
    x(c)   = X0 · (1 + GR(c))**(T / Td) · exp(ε),   ε ~ Normal(0, NOISE_SD)

The first line is the GR sigmoid; the second follows from the definition of GR
for exponential growth: log2(x/x0)/log2(x_ctrl/x0) = log2(1 + GR), so a
treated well grows with rate k(c) = log2(1 + GR(c)) / Td. Untreated wells have
GR = 1 (growth 2**(T/Td)); time-zero wells have x = X0·exp(ε). Counts are
rounded to whole cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 2016
X0_CELLS = 2000.0  # cells per well when the drug is added
ASSAY_H = 72.0
DOUBLING_TIME_H = {"parental": 24.0, "resistant": 72.0}
GEC50_UM = 0.15
GR_INF = -0.15
HILL = 1.2
NOISE_SD = 0.07  # log-normal well-to-well noise (about 7% CV)
DOSES_UM = tuple(float(f"{10.0**e:.4g}") for e in np.arange(-3.0, 1.01, 0.5))
REPLICATES = 3

CITATION = (
    "simulated (seed 2016): exponential growth x = x0*(1+GR(c))^(72/Td), shared GR curve "
    "GEC50 0.15 uM, GRinf -0.15, h 1.2; Td 24 h parental, 72 h resistant; GR definition "
    "from Hafner et al. 2016 Nat Methods 13:521"
)


def gr_curve(dose_uM):
    """The shared GR curve (1 at dose 0)."""
    dose_uM = np.asarray(dose_uM, dtype=float)
    occupancy = np.zeros_like(dose_uM)
    positive = dose_uM > 0
    occupancy[positive] = 1.0 / (1.0 + (GEC50_UM / dose_uM[positive]) ** HILL)
    return GR_INF + (1.0 - GR_INF) * (1.0 - occupancy)


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for line, doubling_h in DOUBLING_TIME_H.items():
        doublings = ASSAY_H / doubling_h
        for replicate in range(1, REPLICATES + 1):
            count = X0_CELLS * np.exp(rng.normal(0.0, NOISE_SD))
            rows.append((line, replicate, 0, 0.0, count))
        for dose in (0.0, *DOSES_UM):
            growth = (1.0 + float(gr_curve(dose))) ** doublings
            for replicate in range(1, REPLICATES + 1):
                count = X0_CELLS * growth * np.exp(rng.normal(0.0, NOISE_SD))
                rows.append((line, replicate, int(ASSAY_H), dose, count))
    df = pd.DataFrame(rows, columns=["cell_line", "replicate", "time_h", "dose_uM", "cell_count"])
    df["cell_count"] = df["cell_count"].round().astype("int64")
    df["citation"] = CITATION
    df["source_quality"] = "simulated"
    return df
