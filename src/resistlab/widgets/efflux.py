"""Explorer for assignment 06: fold-resistance as P-gp expression rises, and its reversal.

:func:`efflux_state` computes every number the figure shows (pure, tested headlessly);
:func:`explore_efflux` wires sliders for the expression level, the inhibitor concentration,
its Ki and its mode of inhibition to it and to
:func:`resistlab.plotting.efflux.plot_fold_resistance`.
"""

from __future__ import annotations

import weakref

import numpy as np

from .._validation import as_scalar, check_choice
from ..efflux import competitive_km, fold_resistance, noncompetitive_vmax

__all__ = ["efflux_state", "explore_efflux"]

MODES = ("competitive", "non-competitive")
_MAX_EXPRESSION = 100.0


def efflux_state(
    expression: float = 20.0,
    inhibitor_uM: float = 1.0,
    ki_uM: float = 1.0,
    mode: str = "competitive",
    *,
    vmax_per_unit: float = 1.0,
    permeability: float = 1.0,
    km_uM: float = 1.0,
    c_target_uM: float = 0.1,
    n_points: int = 41,
) -> dict:
    """Fold-resistance along P-gp expression, without and with an inhibitor, and at one level.

    :math:`V_{max} = \\text{expression} \\times \\text{vmax\\_per\\_unit}`; the inhibitor acts
    through :func:`~resistlab.efflux.competitive_km` or
    :func:`~resistlab.efflux.noncompetitive_vmax`, then
    :func:`~resistlab.efflux.fold_resistance` gives the fold-resistance.

    Parameters
    ----------
    expression : float
        P-gp expression (relative units, 0–100).
    inhibitor_uM, ki_uM : float
        Inhibitor concentration (>= 0) and inhibition constant (> 0), µM.
    mode : {"competitive", "non-competitive"}
    vmax_per_unit, permeability, km_uM, c_target_uM : float
        Model parameters (illustrative defaults: 1 µM/min per unit, 1/min, 1 µM, 0.1 µM).
    n_points : int
        Expression levels along the curves.

    Returns
    -------
    dict
        ``expression`` (grid), ``fold`` and ``fold_inhibited`` along it; ``fold_now`` and
        ``fold_inhibited_now`` at the current level; ``reversal`` (their ratio) and
        ``reversed`` (inhibited fold-resistance below 2).

    Examples
    --------
    >>> s = efflux_state(20.0, 1.0, 1.0, "non-competitive")
    >>> round(s["fold_now"], 3), round(s["fold_inhibited_now"], 3)
    (19.182, 10.091)
    >>> efflux_state(20.0, 100.0, 1.0, "non-competitive")["reversed"]
    True
    """
    level = as_scalar(expression, "expression", low=0)
    i = as_scalar(inhibitor_uM, "inhibitor_uM", unit="uM", low=0)
    ki = as_scalar(ki_uM, "ki_uM", unit="uM", low=0, low_inclusive=False)
    check_choice(mode, "mode", MODES)
    grid = np.linspace(0.0, max(_MAX_EXPRESSION, level), int(n_points))
    levels = np.append(grid, level)
    vmax = levels * vmax_per_unit
    fold = fold_resistance(vmax, permeability, km_uM, c_target_uM)
    if mode == "competitive":
        inhibited = fold_resistance(vmax, permeability, competitive_km(km_uM, i, ki), c_target_uM)
    else:
        inhibited = fold_resistance(noncompetitive_vmax(vmax, i, ki), permeability, km_uM,
                                    c_target_uM)  # fmt: skip
    return {
        "expression": grid,
        "fold": fold[:-1],
        "fold_inhibited": inhibited[:-1],
        "expression_now": level,
        "fold_now": float(fold[-1]),
        "fold_inhibited_now": float(inhibited[-1]),
        "reversal": float(fold[-1] / inhibited[-1]),
        "reversed": bool(inhibited[-1] < 2.0),
        "mode": mode,
        "inhibitor_uM": i,
        "ki_uM": ki,
    }


def _readout(state: dict) -> str:
    """One short line (rendering text dominates the cost of a fast update)."""
    verdict = "reversed" if state["reversed"] else "resistant"
    return f"{state['fold_now']:.1f}x -> {state['fold_inhibited_now']:.1f}x: {verdict}"


_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..plotting.efflux import plot_fold_resistance

    state = efflux_state(**values)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.11, 0.13, 0.85, 0.72))
    plot_fold_resistance(
        state["expression"],
        state["fold"],
        fold_inhibited=state["fold_inhibited"],
        current=(state["expression_now"], state["fold_now"], state["fold_inhibited_now"]),
        ax=ax,
    )
    ax.set_title(
        "red: no inhibitor, blue: with inhibitor, dots: current expression\n"
        "bottom right: fold-resistance without -> with inhibitor",
        fontsize="small",
        loc="left",
        y=1.0,
    )
    readout = ax.text(0.98, 0.04, _readout(state), transform=ax.transAxes, ha="right",
                      fontsize="small")  # fmt: skip
    _, inhibited, _, current = ax.lines[:4]
    _SCENES[fig] = {"artists": (inhibited, current, readout)}


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = efflux_state(**values)
    inhibited, current, readout = scene["artists"]
    inhibited.set_data(state["expression"], state["fold_inhibited"])
    current.set_data(
        [state["expression_now"]] * 2, [state["fold_now"], state["fold_inhibited_now"]]
    )
    readout.set_text(_readout(state))
    return [inhibited, current, readout]


def explore_efflux(
    expression: float = 20.0,
    inhibitor_uM: float = 1.0,
    ki_uM: float = 1.0,
    mode: str = "competitive",
):
    """Explore P-gp efflux: fold-resistance against expression, and an inhibitor's reversal.

    Sliders set the P-gp expression (relative units, ∝ Vmax), the inhibitor concentration and
    its Ki (log scales); a toggle chooses competitive or non-competitive inhibition. The
    figure shows the fold-resistance against expression without and with the inhibitor, the
    2-fold line and the current level; a read-out gives both fold-resistances at the current
    level and whether the inhibitor brings the line under 2-fold.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``expression``, ``inhibitor_uM``, ``ki_uM`` and ``mode``.

    Examples
    --------
    >>> explorer = explore_efflux()
    >>> sorted(explorer.controls)
    ['expression', 'inhibitor_uM', 'ki_uM', 'mode']
    >>> explorer.controls["mode"].value = "non-competitive"
    >>> len(explorer.image.value) > 0
    True
    """
    import ipywidgets as widgets

    from ._base import Explorer, float_slider, log_slider

    check_choice(mode, "mode", MODES)
    controls = {
        "expression": float_slider("P-gp expression", expression, 0.0, _MAX_EXPRESSION, 1.0),
        "inhibitor_uM": log_slider("inhibitor (µM)", inhibitor_uM, 1e-3, 1e3),
        "ki_uM": log_slider("Ki (µM)", ki_uM, 1e-3, 1e2),
        "mode": widgets.ToggleButtons(options=list(MODES), value=mode, description="inhibition"),
    }
    return Explorer(
        controls,
        _draw,
        update=_update,
        figsize=(7.0, 4.0),
        title="P-gp efflux: fold-resistance and its reversal by an inhibitor",
    )
