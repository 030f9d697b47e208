"""Explorer for assignment 12: plasma and tumour exposure by dose, formulation and particle size.

:func:`pk_state` computes every number the figure shows (pure, tested headlessly);
:func:`explore_pk` wires a dose slider, a formulation selector, a particle-size slider and a
tumour selector to it and to :func:`resistlab.plotting.pk.plot_concentration_time`.

The plasma models are the two-compartment calibrations of
``data/generators/doxorubicin_plasma_simulated.py`` (label values). Everything else here is
**illustrative, not fitted to data**: the size rules only sketch the window that Choi et al.
(2007) and the 1-100 nm design range describe (renal clearance below 5.5 nm, a clearance by
the mononuclear phagocyte system that grows above 100 nm), and the tumour partition
coefficients are orders of magnitude chosen for the lesson (see notebook 12).
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from .._validation import as_scalar, check_choice

__all__ = ["explore_pk", "pk_state"]

FORMULATIONS = ("doxorubicin", "PEG-liposomal doxorubicin")
TUMOURS = ("leaky", "poorly leaky")
# two-compartment parameters per m2 (data/doxorubicin_plasma_simulated.md)
PLASMA = {
    "doxorubicin": dict(v1=13.11, clearance=33.0, v2=986.9, q=75.35),
    "PEG-liposomal doxorubicin": dict(v1=2.398, clearance=0.041, v2=0.7455, q=0.07325),
}
RENAL_CUTOFF_NM = 5.5  # Choi et al. 2007 (rodents, quantum dots)
RENAL_CLEARANCE = 4.3  # L/h/m2, a glomerular filtration rate of ~125 mL/min/1.73 m2 (illustrative)
DESIGN_MAX_NM = 100.0
# tumour-to-plasma exposure ratio k_in/k_out and the washout rate k_out (1/h): illustrative
PARTITION = {
    ("doxorubicin", "leaky"): 25.0,
    ("doxorubicin", "poorly leaky"): 25.0,
    ("PEG-liposomal doxorubicin", "leaky"): 5.0,
    ("PEG-liposomal doxorubicin", "poorly leaky"): 0.8,
}
WASHOUT = {"doxorubicin": 0.05, "PEG-liposomal doxorubicin": 0.01}
T_H = np.linspace(0.0, 240.0, 241)


def carrier_clearance(particle_nm: float) -> float:
    """Illustrative clearance (L/h/m2) of a PEG carrier of the given hydrodynamic diameter.

    The DOXIL label clearance (0.041 L/h/m2), plus renal filtration below 5.5 nm, plus a
    phagocytic term growing with the square of the size above 100 nm (not fitted to data).

    Examples
    --------
    >>> carrier_clearance(90.0)
    0.041
    >>> carrier_clearance(4.0) > 100 * carrier_clearance(90.0)
    True
    """
    d = as_scalar(particle_nm, "particle_nm", unit="nm", low=0.0, low_inclusive=False)
    cl = PLASMA["PEG-liposomal doxorubicin"]["clearance"]
    if d < RENAL_CUTOFF_NM:
        cl += RENAL_CLEARANCE
    if d > DESIGN_MAX_NM:
        cl += 0.041 * 4.0 * ((d - DESIGN_MAX_NM) / DESIGN_MAX_NM) ** 2
    return round(cl, 12)


def _curves(dose, v1, cl, v2, q, k_in, k_out):
    from ..pk import two_compartment_exponents

    alpha, beta = (float(x) for x in two_compartment_exponents(v1, cl, v2, q))
    k21 = q / v2
    amps = (dose / v1 * (alpha - k21) / (alpha - beta), dose / v1 * (k21 - beta) / (alpha - beta))
    plasma = amps[0] * np.exp(-alpha * T_H) + amps[1] * np.exp(-beta * T_H)
    tumour = np.zeros_like(T_H)
    for amp, lam in zip(amps, (alpha, beta), strict=True):
        if math.isclose(lam, k_out, rel_tol=1e-9):
            tumour += k_in * amp * T_H * np.exp(-lam * T_H)
        else:
            tumour += k_in * amp * (np.exp(-lam * T_H) - np.exp(-k_out * T_H)) / (k_out - lam)
    return plasma, tumour, math.log(2) / beta


def pk_state(dose_mg_m2: float = 20.0, formulation: str = "PEG-liposomal doxorubicin",
             particle_nm: float = 90.0, tumour: str = "leaky") -> dict:  # fmt: skip
    """Plasma and tumour concentration over 10 days, with half-life and exposures.

    Returns
    -------
    dict
        ``t_h``, ``plasma`` and ``tumour`` (mg/L), ``clearance`` (L/h/m2),
        ``terminal_half_life_h``, ``auc_plasma`` (= dose/CL, mg·h/L), ``auc_tumour``
        (= k_in/k_out · AUC, total drug) and ``note`` on the particle size.

    Examples
    --------
    >>> s = pk_state(20.0, "PEG-liposomal doxorubicin", 90.0)
    >>> round(s["auc_plasma"], 1), round(s["terminal_half_life_h"], 1)
    (487.8, 55.0)
    >>> round(pk_state(20.0, "doxorubicin")["auc_plasma"], 3)
    0.606
    """
    dose = as_scalar(dose_mg_m2, "dose_mg_m2", unit="mg/m2", low=0.0, low_inclusive=False)
    check_choice(formulation, "formulation", FORMULATIONS)
    check_choice(tumour, "tumour", TUMOURS)
    d = as_scalar(particle_nm, "particle_nm", unit="nm", low=0.0, low_inclusive=False)
    p = dict(PLASMA[formulation])
    if formulation == "doxorubicin":
        note = "free drug: size n/a"
    else:
        p["clearance"] = carrier_clearance(d)
        note = ("< 5.5 nm: renal" if d < RENAL_CUTOFF_NM
                else "> 100 nm: phagocytes"
                if d > DESIGN_MAX_NM else "5.5-100 nm window")  # fmt: skip
    k_out = WASHOUT[formulation]
    k_in = PARTITION[(formulation, tumour)] * k_out
    plasma, tumour_c, t_half = _curves(dose, p["v1"], p["clearance"], p["v2"], p["q"], k_in,
                                       k_out)  # fmt: skip
    auc = dose / p["clearance"]
    return {"t_h": T_H, "plasma": plasma, "tumour": tumour_c, "clearance": p["clearance"],
            "terminal_half_life_h": t_half, "auc_plasma": auc,
            "auc_tumour": k_in / k_out * auc, "note": note}  # fmt: skip


def _readout(s: dict) -> str:
    return (f"t1/2 {s['terminal_half_life_h']:.3g} h, AUC plasma {s['auc_plasma']:.3g}, "
            f"tumour {s['auc_tumour']:.3g} mg h/L ({s['note']})")  # fmt: skip


_FLOOR = 1e-4
_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..plotting.pk import plot_concentration_time

    s = pk_state(**values)
    ax = fig.add_subplot()
    plot_concentration_time(s["t_h"], np.maximum(s["plasma"], _FLOOR), label="plasma", ax=ax,
                            color="#0072B2")  # fmt: skip
    plot_concentration_time(s["t_h"], np.maximum(s["tumour"], _FLOOR), label="tumour (model)",
                            ax=ax, color="#D55E00")  # fmt: skip
    ax.set_ylim(_FLOOR, 2e3)
    ax.set_xlim(0, 240)
    _SCENES[fig] = {"lines": (ax.lines[0], ax.lines[1])}


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    s = pk_state(**values)
    plasma_line, tumour_line = scene["lines"]
    plasma_line.set_ydata(np.maximum(s["plasma"], _FLOOR))
    tumour_line.set_ydata(np.maximum(s["tumour"], _FLOOR))
    return [plasma_line, tumour_line]


def explore_pk(dose_mg_m2: float = 20.0, formulation: str = "PEG-liposomal doxorubicin",
               particle_nm: float = 90.0, tumour: str = "leaky"):  # fmt: skip
    """Explore plasma and tumour exposure of free and PEG-liposomal doxorubicin.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``dose_mg_m2``, ``formulation``, ``particle_nm`` and ``tumour``.

    Examples
    --------
    >>> explorer = explore_pk()
    >>> sorted(explorer.controls)
    ['dose_mg_m2', 'formulation', 'particle_nm', 'tumour']
    >>> explorer.controls["particle_nm"].value = 4.0
    >>> len(explorer.image.value) > 0
    True
    >>> "renal" in explorer.readout.value
    True
    """
    import ipywidgets as widgets

    from ._base import Explorer, float_slider

    controls = {
        "dose_mg_m2": float_slider("dose (mg/m²)", dose_mg_m2, 10.0, 75.0, 5.0),
        "formulation": widgets.ToggleButtons(
            options=list(FORMULATIONS), value=formulation, description="formulation"
        ),
        "particle_nm": float_slider("carrier size (nm)", particle_nm, 2.0, 300.0, 1.0),
        "tumour": widgets.ToggleButtons(options=list(TUMOURS), value=tumour, description="tumour"),
    }
    # the numbers go in an HTML line under the figure: drawing them as text in the figure cost
    # more than the two curves (glyph rendering dominated the blitted update)
    readout = widgets.HTML()

    def draw(fig, **values):
        _draw(fig, **values)
        readout.value = _readout(pk_state(**values))

    def update(fig, **values):
        artists = _update(fig, **values)
        readout.value = _readout(pk_state(**values))
        return artists

    explorer = Explorer(
        controls,
        draw,
        update=update,
        figsize=(6.4, 3.6),
        title="Plasma and tumour exposure (size and tumour effects are illustrative)",
    )
    explorer.readout = readout
    explorer.children = (*explorer.children, readout)
    return explorer
