"""Simulated 6 x 6 checkerboard viability matrices for three drug pairs with known interaction.

Every value is simulated (seed ``SEED``). Each drug alone follows a Hill curve from viability
1 to its plateau; a combination well has the viability :math:`(E_A E_B)^{\\gamma}`, so
:math:`\\gamma = 1` is Bliss independence (the ``additive`` pair), :math:`\\gamma > 1` kills
more than independence predicts (``synergistic``), :math:`\\gamma < 1` less
(``antagonistic``). Gaussian noise (sd ``NOISE_SD``) is added to every well and the result
clipped to [0, 1]. The ground truth is named in the datasheet, not in the CSV. See
``data/checkerboard_combinations.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20151001
CITATION = f"simulated (resistlab data/generators/checkerboard_combinations.py, seed {SEED})"
NOISE_SD = 0.015
DOSES_UM = (0.0, 0.03, 0.1, 0.3, 1.0, 3.0)
# pair: (drug A, drug B, (emax, ec50_uM, h) of A, of B, gamma, ground truth)
PAIRS = {
    "pair 1": ("drug A1", "drug B1", (0.05, 0.3, 1.2), (0.2, 0.5, 1.0), 1.6, "synergistic"),
    "pair 2": ("drug A2", "drug B2", (0.1, 0.2, 1.5), (0.3, 0.4, 1.0), 1.0, "additive"),
    "pair 3": ("drug A3", "drug B3", (0.1, 0.4, 1.0), (0.1, 0.3, 1.3), 0.55, "antagonistic"),
}


def _hill(d, emax, ec50, h):
    d = np.asarray(d, dtype=float)
    return 1.0 + (emax - 1.0) * d**h / (ec50**h + d**h)


def true_surface(pair: str) -> np.ndarray:
    """Noise-free viability, rows = dose of B, columns = dose of A."""
    _, _, a, b, gamma, _ = PAIRS[pair]
    ea, eb = _hill(DOSES_UM, *a), _hill(DOSES_UM, *b)
    surface = (eb[:, None] * ea[None, :]) ** gamma
    surface[0, :], surface[:, 0] = ea, eb
    return surface


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for pair, (drug_a, drug_b, *_rest) in PAIRS.items():
        surface = true_surface(pair)
        noisy = np.clip(surface + rng.normal(0.0, NOISE_SD, surface.shape), 0.0, 1.0)
        noisy[0, 0] = 1.0  # the untreated well defines viability 1
        for i, dose_b in enumerate(DOSES_UM):
            for j, dose_a in enumerate(DOSES_UM):
                rows.append(
                    {
                        "pair": pair,
                        "drug_a": drug_a,
                        "drug_b": drug_b,
                        "dose_a_uM": dose_a,
                        "dose_b_uM": dose_b,
                        "viability": round(float(noisy[i, j]), 4),
                        "citation": CITATION,
                        "source_quality": "simulated",
                    }
                )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(generate().head(12).to_string())
