"""Simulated plasma concentrations of free and PEG-liposomal doxorubicin after one IV dose.

Every concentration is simulated (seed ``SEED``): a two-compartment IV-bolus model per
formulation, calibrated to the US label values in ``data/doxorubicin_pk.csv``, sampled at a
clinical schedule, with log-normal assay noise (sd ``NOISE_SD`` on the log scale). The
calibration is in :func:`calibrate` and the datasheet ``data/doxorubicin_plasma_simulated.md``.

* PEG-liposomal doxorubicin, 20 mg/m²: V1 = dose / peak concentration (8.34 µg/mL), clearance
  0.041 L/h/m², phase half-lives 5.2 h and 55.0 h (DOXIL label, Table 8). The label's 30-min
  infusion is treated as a bolus.
* free doxorubicin, 60 mg/m²: distribution half-life 5 min, terminal half-life 30 h (label
  range 20-48 h), clearance 33 L/h/m² (550 mL/min/m², label range 324-809) and steady-state
  volume 1000 L/m² (label range 809-1214). The label calls the disposition multiphasic; two
  compartments are a simplification.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SEED = 20030419
NOISE_SD = 0.08
CITATION = f"simulated (resistlab data/generators/doxorubicin_plasma_simulated.py, seed {SEED})"
LN2 = math.log(2.0)

# sampling schedules (h)
TIMES_FREE_H = (0.033, 0.083, 0.167, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 72.0)
TIMES_PLD_H = (0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 24.0, 48.0, 72.0, 96.0, 120.0, 168.0, 240.0)


def _from_half_lives(t_half_alpha_h, t_half_beta_h, clearance, v1):
    """V2 and Q given the two half-lives, CL and V1 (k10 k21 = alpha beta)."""
    alpha, beta = LN2 / t_half_alpha_h, LN2 / t_half_beta_h
    k10 = clearance / v1
    k21 = alpha * beta / k10
    k12 = alpha + beta - k10 - k21
    return v1 * k12 / k21, k12 * v1


def _from_vss(t_half_alpha_h, t_half_beta_h, clearance, vss):
    """V1, V2 and Q given the two half-lives, CL and Vss (solved for k10 by bisection)."""
    from scipy.optimize import brentq

    alpha, beta = LN2 / t_half_alpha_h, LN2 / t_half_beta_h

    def vss_error(k10):
        k21 = alpha * beta / k10
        k12 = alpha + beta - k10 - k21
        return clearance / k10 * (1.0 + k12 / k21) - vss

    k10 = brentq(vss_error, beta * 1.000001, alpha * 0.5)
    v1 = clearance / k10
    v2, q = _from_half_lives(t_half_alpha_h, t_half_beta_h, clearance, v1)
    return v1, v2, q


def calibrate() -> dict:
    """Model parameters per formulation: dose (mg/m²), v1, clearance, v2, q (L/m², L/h/m²)."""
    pld_dose, pld_cl = 20.0, 0.041
    pld_v1 = pld_dose / 8.34
    pld_v2, pld_q = _from_half_lives(5.2, 55.0, pld_cl, pld_v1)
    free_v1, free_v2, free_q = _from_vss(5.0 / 60.0, 30.0, 33.0, 1000.0)
    return {
        "PEG-liposomal doxorubicin": dict(dose=pld_dose, v1=pld_v1, clearance=pld_cl,
                                          v2=pld_v2, q=pld_q, times=TIMES_PLD_H),
        "doxorubicin": dict(dose=60.0, v1=free_v1, clearance=33.0, v2=free_v2, q=free_q,
                            times=TIMES_FREE_H),
    }  # fmt: skip


def _two_compartment(t, dose, v1, clearance, v2, q):
    k10, k12, k21 = clearance / v1, q / v1, q / v2
    total, product = k10 + k12 + k21, k10 * k21
    alpha = (total + math.sqrt(total**2 - 4 * product)) / 2
    beta = product / alpha
    a = dose / v1 * (alpha - k21) / (alpha - beta)
    b = dose / v1 * (k21 - beta) / (alpha - beta)
    return a * np.exp(-alpha * t) + b * np.exp(-beta * t)


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for formulation, p in calibrate().items():
        t = np.asarray(p["times"], dtype=float)
        c = _two_compartment(t, p["dose"], p["v1"], p["clearance"], p["v2"], p["q"])
        noisy = c * np.exp(rng.normal(0.0, NOISE_SD, t.size))
        for ti, ci in zip(t, noisy, strict=True):
            rows.append(
                {
                    "formulation": formulation,
                    "dose_mg_m2": p["dose"],
                    "time_h": ti,
                    "concentration_mg_L": float(f"{ci:.4g}"),
                    "citation": CITATION,
                    "source_quality": "simulated",
                }
            )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    for name, p in calibrate().items():
        print(name, {k: v for k, v in p.items() if k != "times"})
    print(generate().to_string())
