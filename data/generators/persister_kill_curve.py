"""Simulated persister kill curves, with and without an HDAC inhibitor (teaching data).

Every value is simulated (seed below) from the two-state sensitive ⇌ tolerant
model of resistlab.persisters with the illustrative rates
resistlab.persisters.ILLUSTRATIVE_RATES (not fitted to any dataset), solved
exactly, then given replicate-level and well-level log-normal measurement noise.
See data/persister_kill_curve.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resistlab.persisters import (
    ILLUSTRATIVE_RATES,
    epigenetic_drug_rates,
    equilibrium_tolerant_fraction,
    simulate_two_state,
)

SEED = 20100402
TIMES_H = [0, 6, 12, 24, 36, 48, 72, 96, 120, 168, 216, 264]
N_REPLICATES = 3
HDACI_ENTRY_FACTOR = 0.1  # the HDAC inhibitor lowers entry into the tolerant state ten-fold
HDACI_LEAD_IN_H = 168.0  # seven days of HDAC inhibitor alone before the drug starts
REPLICATE_SD_LOG = 0.05  # natural-log SD of a replicate's normalisation (its t = 0 count)
WELL_SD_LOG = 0.12  # natural-log SD of each later measurement
CITATION = (
    "simulated for teaching (resistlab data/generators/persister_kill_curve.py, seed 20100402)"
)


def _true_curves() -> dict[str, np.ndarray]:
    rates = ILLUSTRATIVE_RATES
    hdaci = epigenetic_drug_rates(rates, entry_factor=HDACI_ENTRY_FACTOR)
    phi = equilibrium_tolerant_fraction(rates)
    untreated = (1.0 - phi, phi)
    lead_in = simulate_two_state([HDACI_LEAD_IN_H], hdaci, 0.0, initial=untreated)
    primed = (float(lead_in.sensitive[0]), float(lead_in.tolerant[0]))
    times = np.asarray(TIMES_H, dtype=float)
    alone = simulate_two_state(times, rates, 1.0, initial=untreated).total / sum(untreated)
    combo = simulate_two_state(times, hdaci, 1.0, initial=primed).total / sum(primed)
    return {"erlotinib": alone, "erlotinib + HDAC inhibitor": combo}


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    frames = []
    for condition, curve in _true_curves().items():
        for replicate in range(1, N_REPLICATES + 1):
            offset = rng.normal(0.0, REPLICATE_SD_LOG)
            noise = rng.normal(0.0, WELL_SD_LOG, size=curve.size)
            measured = curve * np.exp(offset + noise)
            measured[0] = 1.0  # each replicate is normalised to its own t = 0 count
            frames.append(
                pd.DataFrame(
                    {
                        "condition": condition,
                        "replicate": replicate,
                        "time_h": TIMES_H,
                        "surviving_fraction": [float(f"{v:.4g}") for v in measured],
                    }
                )
            )
    df = pd.concat(frames, ignore_index=True)
    df["citation"] = CITATION
    df["source_quality"] = "simulated"
    return df
