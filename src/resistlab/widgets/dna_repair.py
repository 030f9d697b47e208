"""Explorer for assignment 07: cisplatin adducts formed and repaired, and the kill they cause.

:func:`dna_repair_state` computes every number the figure shows (pure, tested headlessly);
:func:`explore_dna_repair` wires sliders for the ERCC1 level, the cisplatin concentration and
the exposure time to it and to :func:`resistlab.plotting.dna_repair.plot_adduct_kinetics`.
"""

from __future__ import annotations

import weakref

import numpy as np

from .._validation import as_scalar
from ..dna_repair import adduct_area, adduct_survival, adducts, dose_for_half_kill

__all__ = ["dna_repair_state", "explore_dna_repair"]

FORMATION_RATE = 1.0  # adducts per uM per h (a.u.)
REPAIR_PER_ERCC1 = 0.2  # 1/h per unit of ERCC1
LETHALITY = 0.02  # per adduct-hour
HORIZON_H = 24.0


def dna_repair_state(ercc1: float = 1.0, dose_uM: float = 10.0, exposure_h: float = 2.0,
                     *, n_points: int = 61) -> dict:  # fmt: skip
    """Adduct time course, survival and D50 at one ERCC1 level, next to ERCC1 = 1.

    The repair rate is ``0.2 /h x ERCC1``; adducts form at 1 per µM per h and each
    adduct-hour carries a lethal risk of 0.02 (illustrative values).

    Returns
    -------
    dict
        ``t_h``, ``adducts`` and ``adducts_reference`` (ERCC1 = 1) on 0–24 h; ``survival``,
        ``survival_reference``, ``d50_uM`` and ``d50_reference_uM``; ``area`` (adduct-hours).

    Examples
    --------
    >>> s = dna_repair_state(2.0, 10.0, 2.0)
    >>> round(s["d50_uM"] / s["d50_reference_uM"], 6)
    2.0
    >>> round(s["survival"], 4), round(s["survival_reference"], 4)
    (0.3679, 0.1353)
    """
    e = as_scalar(ercc1, "ercc1", low=0, low_inclusive=False)
    c = as_scalar(dose_uM, "dose_uM", unit="uM", low=0)
    tau = as_scalar(exposure_h, "exposure_h", unit="h", low=0, low_inclusive=False)
    t = np.linspace(0.0, HORIZON_H, int(n_points))
    kr, kr_ref = REPAIR_PER_ERCC1 * e, REPAIR_PER_ERCC1
    return {
        "ercc1": e,
        "dose_uM": c,
        "exposure_h": tau,
        "t_h": t,
        "adducts": adducts(t, c, FORMATION_RATE, kr, tau),
        "adducts_reference": adducts(t, c, FORMATION_RATE, kr_ref, tau),
        "area": adduct_area(c, FORMATION_RATE, kr, tau),
        "survival": adduct_survival(c, FORMATION_RATE, kr, tau, LETHALITY),
        "survival_reference": adduct_survival(c, FORMATION_RATE, kr_ref, tau, LETHALITY),
        "d50_uM": dose_for_half_kill(FORMATION_RATE, kr, tau, LETHALITY),
        "d50_reference_uM": dose_for_half_kill(FORMATION_RATE, kr_ref, tau, LETHALITY),
    }


def _readout(state: dict) -> str:
    return (
        f"SF {state['survival']:.2g} vs {state['survival_reference']:.2g}; "
        f"C50 {state['d50_uM']:.3g} vs {state['d50_reference_uM']:.3g} uM"
    )


_SCENES = weakref.WeakKeyDictionary()
_Y_TOP = 400.0


def _draw(fig, **values) -> None:
    from ..plotting.dna_repair import plot_adduct_kinetics

    state = dna_repair_state(**values)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.11, 0.13, 0.85, 0.72))
    plot_adduct_kinetics(state["t_h"], state["adducts_reference"], label="ERCC1 = 1 (reference)",
                         color="0.5", ax=ax)  # fmt: skip
    plot_adduct_kinetics(state["t_h"], state["adducts"], label="this ERCC1 level",
                         color="#d62728", ax=ax)  # fmt: skip
    ax.set_ylim(0.0, _Y_TOP)
    ax.set_title(
        "Cisplatin adducts during (0 to tau) and after exposure; grey: ERCC1 = 1\n"
        "read-out: surviving fraction and D50 (this level vs reference)",
        fontsize="small",
        loc="left",
        y=1.0,
    )
    readout = ax.text(0.98, 0.92, _readout(state), transform=ax.transAxes, ha="right",
                      fontsize="small")  # fmt: skip
    reference, current = ax.lines[:2]
    _SCENES[fig] = {"artists": (reference, current, readout)}


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = dna_repair_state(**values)
    reference, current, readout = scene["artists"]
    reference.set_data(state["t_h"], state["adducts_reference"])
    current.set_data(state["t_h"], state["adducts"])
    readout.set_text(_readout(state))
    return [reference, current, readout]


def explore_dna_repair(ercc1: float = 1.0, dose_uM: float = 10.0, exposure_h: float = 2.0):
    """Explore adduct formation and repair: how ERCC1 sets the kill and the D50.

    Sliders set the ERCC1 level (relative, log scale), the cisplatin concentration and the
    exposure length. The figure shows adducts per cell over 24 h at this ERCC1 level and at
    the reference level 1; a read-out gives both surviving fractions and D50s.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``ercc1``, ``dose_uM`` and ``exposure_h``.

    Examples
    --------
    >>> explorer = explore_dna_repair()
    >>> sorted(explorer.controls)
    ['dose_uM', 'ercc1', 'exposure_h']
    >>> explorer.controls["ercc1"].value = 4.0
    >>> len(explorer.image.value) > 0
    True
    """
    from ._base import Explorer, float_slider, log_slider

    controls = {
        "ercc1": log_slider("ERCC1 (relative)", ercc1, 0.25, 8.0),
        "dose_uM": float_slider("cisplatin (µM)", dose_uM, 0.0, 50.0, 1.0),
        "exposure_h": float_slider("exposure (h)", exposure_h, 0.5, 8.0, 0.5),
    }
    return Explorer(
        controls,
        _draw,
        update=_update,
        figsize=(7.0, 4.0),
        title="DNA adducts: formation, repair by NER (ERCC1) and the kill",
    )
