"""Explorer for assignment 08: the Krogh cylinder and the hypoxic ring around a capillary.

:func:`krogh_state` computes every number the figure shows (pure, tested headlessly);
:func:`explore_krogh` wires sliders for the capillary pO₂, the oxygen consumption rate and the
intercapillary distance to it and to
:func:`resistlab.plotting.microenvironment.plot_oxygen_profile`.
"""

from __future__ import annotations

import weakref

import numpy as np

from .._validation import as_scalar
from ..microenvironment import hypoxic_fraction, krogh_profile

__all__ = ["explore_krogh", "krogh_state"]

# Illustrative tissue constants (see notebook 08 for their sources): µm, s, mmHg.
DIFFUSIVITY_um2_s = 1750.0
SOLUBILITY = 2.4e-5  # (ml O2 / ml tissue) / mmHg
R_CAPILLARY_um = 5.0
THRESHOLD_mmHg = 10.0
_MAX_DISTANCE_um = 400.0
_MAX_P_mmHg = 100.0


def krogh_state(
    p_capillary: float = 40.0,
    consumption: float = 4e-4,
    intercapillary_um: float = 100.0,
    *,
    threshold: float = THRESHOLD_mmHg,
    r_capillary: float = R_CAPILLARY_um,
    diffusivity: float = DIFFUSIVITY_um2_s,
    solubility: float = SOLUBILITY,
    n_points: int = 120,
) -> dict:
    """The Krogh profile and the hypoxic ring for one capillary and its tissue cylinder.

    The cylinder's radius is half the intercapillary distance, :math:`R = d/2`;
    :func:`~resistlab.microenvironment.krogh_profile` gives the tension and
    :func:`~resistlab.microenvironment.hypoxic_fraction` the share of the cross-section below
    ``threshold``.

    Parameters
    ----------
    p_capillary : float
        pO₂ at the capillary wall (mmHg, >= 0).
    consumption : float
        Oxygen consumption M (ml O₂ per ml tissue per s, >= 0).
    intercapillary_um : float
        Distance between neighbouring capillaries (µm, > 2 r_c).
    threshold, r_capillary, diffusivity, solubility : float
        Hypoxic threshold (mmHg), capillary radius (µm), D (µm²/s) and α.
    n_points : int
        Radii along the profile.

    Returns
    -------
    dict
        ``r`` and ``p`` (the profile), ``r_tissue``, ``p_edge`` (pO₂ at R), ``r_hypoxic``
        (where p crosses the threshold, or R when it does not), ``hypoxic_fraction`` and
        ``threshold``.

    Examples
    --------
    >>> s = krogh_state(40.0, 4e-4, 120.0)
    >>> round(s["hypoxic_fraction"], 3), round(s["p_edge"], 2)
    (0.693, 5.91)
    >>> krogh_state(40.0, 4e-4, 80.0)["hypoxic_fraction"]
    0.0
    """
    pc = as_scalar(p_capillary, "p_capillary", unit="mmHg", low=0)
    m = as_scalar(consumption, "consumption", low=0)
    d = as_scalar(intercapillary_um, "intercapillary_um", unit="um",
                  low=2.0 * r_capillary, low_inclusive=False)  # fmt: skip
    big_r = d / 2.0
    r = np.linspace(r_capillary, big_r, int(n_points))
    p = krogh_profile(r, pc, r_capillary, big_r, m, diffusivity, solubility)
    frac = hypoxic_fraction(pc, r_capillary, big_r, m, diffusivity, solubility, threshold)
    # the ring r* .. R has area fraction frac of the annulus r_c .. R
    r_hyp = float(np.sqrt(big_r**2 - frac * (big_r**2 - r_capillary**2)))
    return {
        "r": r,
        "p": p,
        "r_tissue": big_r,
        "p_edge": float(p[-1]),
        "r_hypoxic": r_hyp,
        "hypoxic_fraction": float(frac),
        "threshold": float(threshold),
    }


def _readout(state: dict) -> str:
    """One short line (rendering text dominates the cost of a fast update)."""
    return f"edge {state['p_edge']:.0f} mmHg, hypoxic {100 * state['hypoxic_fraction']:.0f}%"


_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..plotting.microenvironment import plot_oxygen_profile

    state = krogh_state(**values)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.11, 0.13, 0.85, 0.72))
    plot_oxygen_profile(
        state["r"],
        state["p"],
        threshold=state["threshold"],
        r_hypoxic=state["r_hypoxic"],
        r_tissue=state["r_tissue"],
        r_max=_MAX_DISTANCE_um / 2.0,
        p_max=_MAX_P_mmHg,
        ax=ax,
    )
    ax.set_title(
        "blue: pO₂ from the capillary wall to the cylinder's edge (dotted)\n"
        "red: tissue below the hypoxic threshold (dashed)",
        fontsize="small",
        loc="left",
        y=1.0,
    )
    readout = ax.text(0.98, 0.55, _readout(state), transform=ax.transAxes, ha="right",
                      fontsize="small")  # fmt: skip
    profile, _, edge = ax.lines[:3]
    ring = ax.patches[0]
    _SCENES[fig] = {"artists": (profile, edge, ring, readout)}


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = krogh_state(**values)
    profile, edge, ring, readout = scene["artists"]
    profile.set_data(state["r"], np.maximum(state["p"], 0.0))
    edge.set_xdata([state["r_tissue"]] * 2)
    ring.set_x(state["r_hypoxic"])
    ring.set_width(max(state["r_tissue"] - state["r_hypoxic"], 0.0))
    readout.set_text(_readout(state))
    return [ring, edge, profile, readout]


def explore_krogh(
    p_capillary: float = 40.0,
    consumption: float = 4e-4,
    intercapillary_um: float = 100.0,
):
    """Explore the Krogh cylinder: how capillary pO₂, consumption and spacing make hypoxia.

    Sliders set the pO₂ at the capillary wall (mmHg), the tissue's oxygen consumption
    (ml O₂/(ml·s), log scale) and the intercapillary distance (µm). The figure shows the
    pO₂ from the capillary wall to the edge of the tissue cylinder (half the intercapillary
    distance), the 10 mmHg hypoxic threshold and the hypoxic ring; a read-out gives the pO₂
    at the cylinder's edge (negative: an anoxic core) and the hypoxic fraction of the
    cross-section.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``p_capillary``, ``consumption`` and ``intercapillary_um``.

    Examples
    --------
    >>> explorer = explore_krogh()
    >>> sorted(explorer.controls)
    ['consumption', 'intercapillary_um', 'p_capillary']
    >>> explorer.controls["intercapillary_um"].value = 200.0
    >>> len(explorer.image.value) > 0
    True
    """
    from ._base import Explorer, float_slider, log_slider

    controls = {
        "p_capillary": float_slider("capillary pO₂ (mmHg)", p_capillary, 0.0, _MAX_P_mmHg, 1.0),
        "consumption": log_slider("O₂ consumption (ml/ml/s)", consumption, 5e-5, 2e-3),
        "intercapillary_um": float_slider(
            "intercapillary distance (µm)", intercapillary_um, 20.0, _MAX_DISTANCE_um, 5.0
        ),
    }
    return Explorer(
        controls,
        _draw,
        update=_update,
        figsize=(7.0, 4.0),
        title="Krogh cylinder: oxygen around one capillary and the hypoxic ring",
    )
