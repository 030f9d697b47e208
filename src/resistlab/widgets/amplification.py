"""Explorer for bypass signalling: EGFR inhibitor, MET inhibitor and MET copy number.

:func:`bypass_signalling_state` computes every number the figure shows (pure,
tested headlessly); :func:`explore_bypass_signalling` wires three sliders to it
and to :func:`resistlab.plotting.plot_bypass_output`.
"""

from __future__ import annotations

import functools
import math
import weakref

import numpy as np

from .._validation import as_scalar
from ..signalling import (
    DEFAULT_THRESHOLD,
    BypassParameters,
    bypass_branches,
    egfr_inhibitor_alone_suffices,
    max_met_copies_for_egfr_monotherapy,
    minimal_met_inhibitor_nM,
)

__all__ = ["bypass_signalling_state", "explore_bypass_signalling"]

_DOSE_RANGE_NM = (0.1, 1e4)


def bypass_signalling_state(
    egfr_inhibitor_nM: float,
    met_inhibitor_nM: float,
    met_copy_number: float,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    params: BypassParameters | None = None,
    n_points: int = 80,
) -> dict:
    """The numbers behind the bypass-signalling figure, for one setting of the sliders.

    Besides what the figure draws, it returns the EGFR-monotherapy limits that the
    notebook's guiding questions ask about.

    Parameters
    ----------
    egfr_inhibitor_nM, met_inhibitor_nM : float
        Inhibitor concentrations (nM), >= 0.
    met_copy_number : float
        MET gene copies per cell, >= 0.
    threshold : float
        Control threshold (output units), > 0.
    params : resistlab.signalling.BypassParameters, optional
    n_points : int
        Number of EGFR-inhibitor doses in the dose-response curves.

    Returns
    -------
    dict
        ``egfr_branch``, ``met_branch``, ``basal_output``, ``output`` and
        ``controlled`` (output < threshold) at the current doses;
        ``egfr_doses_nM`` with ``output_egfr_alone`` (no MET inhibitor) and
        ``output_combination`` (current MET-inhibitor dose) along it;
        ``egfr_alone_floor`` (output with a saturating EGFR inhibitor alone),
        ``egfr_alone_suffices``, ``max_met_copies_for_egfr_alone`` and
        ``min_met_inhibitor_nM`` (lowest MET-inhibitor dose that reaches the
        threshold at the current EGFR dose; ``inf`` if none does).

    Examples
    --------
    >>> s = bypass_signalling_state(1000.0, 0.0, 10)
    >>> s["controlled"], s["egfr_alone_suffices"], round(s["egfr_alone_floor"], 3)
    (False, False, 0.22)
    >>> bypass_signalling_state(1000.0, 100.0, 10)["controlled"]
    True
    """
    p = BypassParameters() if params is None else params
    i_e = as_scalar(egfr_inhibitor_nM, "egfr_inhibitor_nM", unit="nM", low=0)
    i_m = as_scalar(met_inhibitor_nM, "met_inhibitor_nM", unit="nM", low=0)
    n = as_scalar(met_copy_number, "met_copy_number", unit="copies per cell", low=0)
    t = as_scalar(threshold, "threshold", unit="output units", low=0, low_inclusive=False)
    points = int(as_scalar(n_points, "n_points", low=2))
    doses = np.geomspace(*_DOSE_RANGE_NM, points)
    egfr_curve, met_none = bypass_branches(doses, 0.0, n, p)
    _, met_current = bypass_branches(doses, i_m, n, p)
    egfr_now, met_now = bypass_branches(i_e, i_m, n, p)
    output = p.basal_output + egfr_now + met_now
    floor = p.basal_output + p.met_drive_per_copy * n
    return {
        "egfr_inhibitor_nM": i_e,
        "met_inhibitor_nM": i_m,
        "met_copy_number": n,
        "threshold": t,
        "basal_output": p.basal_output,
        "egfr_branch": float(egfr_now),
        "met_branch": float(met_now),
        "output": float(output),
        "controlled": bool(output < t),
        "egfr_doses_nM": doses,
        "output_egfr_alone": p.basal_output + egfr_curve + met_none,
        "output_combination": p.basal_output + egfr_curve + met_current,
        "egfr_alone_floor": float(floor),
        "egfr_alone_suffices": bool(egfr_inhibitor_alone_suffices(n, t, p)),
        "max_met_copies_for_egfr_alone": float(max_met_copies_for_egfr_monotherapy(t, p)),
        "min_met_inhibitor_nM": float(minimal_met_inhibitor_nM(i_e, n, t, p)),
    }


def _describe(state: dict) -> str:
    """Two title lines: the output split into its parts, and the MET dose needed (and set)."""
    verdict = "controlled" if state["controlled"] else "NOT controlled"
    needed = state["min_met_inhibitor_nM"]
    if needed == 0:
        need = "none (the EGFR inhibitor alone is enough)"
    elif np.isinf(needed):
        need = "unreachable (raise the EGFR-inhibitor dose first)"
    else:
        need = f"{needed:.3g} nM"
    return (
        f"output {state['output']:.3f} = basal {state['basal_output']:.3f} + EGFR "
        f"{state['egfr_branch']:.3f} + MET {state['met_branch']:.3f}: {verdict}\n"
        f"MET inhibitor needed at this EGFR dose: {need} (now {state['met_inhibitor_nM']:.3g} nM)"
    )


def explore_bypass_signalling(
    egfr_inhibitor_nM: float = 300.0,
    met_inhibitor_nM: float = 1.0,
    met_copy_number: float = 10.0,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    params: BypassParameters | None = None,
):
    """Explore bypass signalling: can an EGFR inhibitor alone control MET-amplified cells?

    Three sliders set the EGFR-inhibitor dose, the MET-inhibitor dose and the
    MET gene copy number. The figure shows the pathway output against the
    EGFR-inhibitor dose, alone and with the current MET-inhibitor dose, the
    control threshold and the current point; its title splits the current
    output into its basal, EGFR and MET parts and gives the lowest
    MET-inhibitor dose that reaches the threshold at the current EGFR dose
    (next to the current MET-inhibitor dose). The y axis spans whole half
    decades of every dose pair at the current copy number, so moving a dose
    slider redraws only the curves, the point and the title.

    Parameters
    ----------
    egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number : float
        Starting slider values.
    threshold : float
        Control threshold.
    params : resistlab.signalling.BypassParameters, optional

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``egfr_inhibitor_nM``, ``met_inhibitor_nM`` and
        ``met_copy_number``.

    Examples
    --------
    >>> explorer = explore_bypass_signalling()
    >>> sorted(explorer.controls)
    ['egfr_inhibitor_nM', 'met_copy_number', 'met_inhibitor_nM']
    """
    from ..plotting.amplification import plot_bypass_output
    from ._base import Explorer, float_slider, log_slider

    t = as_scalar(threshold, "threshold", unit="output units", low=0, low_inclusive=False)
    low, high = _DOSE_RANGE_NM
    controls = {
        "egfr_inhibitor_nM": log_slider("EGFR inhibitor (nM)", egfr_inhibitor_nM, low, high),
        "met_inhibitor_nM": log_slider("MET inhibitor (nM)", met_inhibitor_nM, low, high),
        "met_copy_number": float_slider("MET copies per cell", met_copy_number, 1.0, 30.0, 0.5),
    }

    scenes = weakref.WeakKeyDictionary()  # per figure: its y range and moving artists

    def state_of(egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number):
        return bypass_signalling_state(
            egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number, threshold=t, params=params
        )

    @functools.lru_cache(maxsize=128)
    def y_range(met_copy_number):
        """The y range (log10, in half decades) of every dose pair at this copy number.

        The EGFR-alone curve is the highest and the combination at the highest MET dose the
        lowest, so the axes stay fixed while the doses move.
        """
        state = state_of(low, high, met_copy_number)
        values = (state["output_egfr_alone"], state["output_combination"])
        y_low = min(min(v.min() for v in values), state["threshold"])
        y_high = max(max(v.max() for v in values), state["threshold"])
        return (
            math.floor(2.0 * math.log10(y_low)) / 2.0,
            math.ceil(2.0 * math.log10(y_high)) / 2.0,
        )

    def draw(fig, egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number):
        from ..plotting.amplification import _decade_ticks

        state = state_of(egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number)
        # One axes at a fixed position instead of constrained layout: the layout pass (and a
        # second axes) would cost more than the drawing, and the figure size never changes.
        fig.set_layout_engine("none")
        ax = fig.add_axes((0.09, 0.13, 0.86, 0.71))
        plot_bypass_output(
            state["egfr_doses_nM"],
            state["output_egfr_alone"],
            state["output_combination"],
            state["threshold"],
            # the MET dose is in the title, so the legend never changes with a slider
            current=(max(state["egfr_inhibitor_nM"], low), state["output"]),
            ax=ax,
        )
        ax.set_title(_describe(state), fontsize="small", loc="left")
        # y limits on half decades, so that most slider moves leave the axes unchanged
        bottom, top = y_range(met_copy_number)
        y_ticks = _decade_ticks(10.0**bottom * (1 - 1e-9), 10.0**top * (1 + 1e-9), (1, 3))
        ax.set_yticks(np.log10(y_ticks), [f"{v:g}" for v in y_ticks])
        ax.set_ylim(bottom - 0.1, top + 0.1)
        alone, combination, _threshold, current = ax.lines[:4]
        scenes[fig] = {
            "y_range": (bottom, top),
            "artists": (alone, combination, current, ax._left_title),
        }

    def update(fig, egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number):
        scene = scenes.get(fig)
        if scene is None:
            return None
        if y_range(met_copy_number) != scene["y_range"]:
            return None  # the y axis must change: full redraw
        state = state_of(egfr_inhibitor_nM, met_inhibitor_nM, met_copy_number)
        alone, combination, current, title = scene["artists"]
        x = np.log10(state["egfr_doses_nM"])
        alone.set_data(x, np.log10(state["output_egfr_alone"]))
        combination.set_data(x, np.log10(state["output_combination"]))
        current.set_data(
            [np.log10(max(state["egfr_inhibitor_nM"], low))], [np.log10(state["output"])]
        )
        title.set_text(_describe(state))
        return list(scene["artists"])

    return Explorer(
        controls,
        draw,
        update=update,
        figsize=(7.0, 3.8),
        title="Bypass signalling: EGFR and MET feed one output",
    )
