"""Simulated Hoechst 33342 flow-cytometry events of a cancer cell line, with and without an ABCG2 inhibitor.

Every event is simulated (seed ``SEED``). Most cells retain Hoechst 33342 and fall on the
main G0/G1 and G2/M populations of the blue-versus-red plot; a small side population pumps the
dye out through ABCG2 and falls on a tail of low blue and low red fluorescence (Goodell et al.
1996). With the ABCG2 inhibitor Ko143 the pump is blocked, the side-population cells keep the
dye and join the main populations, leaving only a residual of events in the low tail. The
fractions and intensities are chosen for teaching; no published measurement is reproduced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 19960401
CITATION = f"simulated (resistlab data/generators/hoechst_side_population.py, seed {SEED})"
EVENTS = 4000
# sample: (side-population fraction, pump blocked?)
SAMPLES = {"Hoechst 33342": 0.04, "Hoechst 33342 + Ko143": 0.0015}
G2M_FRACTION = 0.15


def _events(rng, n, sp_fraction):
    kind = rng.choice(3, size=n, p=[sp_fraction, (1 - sp_fraction) * (1 - G2M_FRACTION),
                                    (1 - sp_fraction) * G2M_FRACTION])  # fmt: skip
    dna = np.where(kind == 2, 2.0, 1.0)  # G2/M cells hold twice the DNA, so twice the dye
    retained = np.where(kind == 0, rng.uniform(0.12, 0.45, n), 1.0)  # SP pumps the dye out
    blue = 480.0 * dna * retained * rng.lognormal(0.0, 0.07, n)
    red = 380.0 * dna * retained**1.25 * rng.lognormal(0.0, 0.08, n)
    return blue, red


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    frames = []
    for sample, sp in SAMPLES.items():
        blue, red = _events(rng, EVENTS, sp)
        frames.append(
            pd.DataFrame(
                {
                    "sample": sample,
                    "event": np.arange(1, EVENTS + 1),
                    "hoechst_blue": np.round(blue, 1),
                    "hoechst_red": np.round(red, 1),
                    "citation": CITATION,
                    "source_quality": "simulated",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    print(generate().describe())
