"""Explorer for assignment 13: the tumour–immune phase plane under checkpoint blockade.

:func:`tumor_immune_state` computes every number the figure shows (pure, tested headlessly);
:func:`explore_tumor_immune` wires sliders for the kill factor (checkpoint blockade), the
effector influx factor and the starting tumour size to it and to
:func:`resistlab.plotting.immunology.plot_phase_plane`.
"""

from __future__ import annotations

import weakref

import numpy as np

from .._validation import as_scalar

__all__ = ["explore_tumor_immune", "tumor_immune_state"]

HORIZON = 300.0  # dimensionless time units (about 7.5 years)
_YLIM = (0.1, 1000.0)
_XLIM = (0.0, 3.0)
_Y_GRID = np.geomspace(0.1, 1000.0, 160)


def tumor_immune_state(kill_factor=1.0, sigma_factor=1.0, tumour0=500.0, *, effector0=1.0,
                       n_points=200) -> dict:  # fmt: skip
    """Nullclines, steady states and the trajectory from (effector0, tumour0) under therapy.

    Uses :func:`resistlab.immunology.with_therapy` (``kill_factor`` multiplies the kill rate
    κ, ``sigma_factor`` the effector influx σ) and integrates to τ = 300
    (``scipy.integrate.odeint``, LSODA, rtol 1e-6).

    Returns
    -------
    dict
        ``y`` and the nullclines ``x_effector``, ``x_tumour``; ``stable`` and ``unstable``
        (lists of (x, y)); ``t``, ``x``, ``tumour`` (the trajectory); ``final_tumour``;
        ``escape_exists`` (is there a stable state with y > 100?).

    Examples
    --------
    >>> s = tumor_immune_state(1.0)
    >>> round(s["final_tumour"], 1), s["escape_exists"]
    (447.1, True)
    >>> s = tumor_immune_state(1.7)
    >>> bool(s["final_tumour"] < 10), s["escape_exists"]
    (True, False)
    """
    from scipy.integrate import odeint

    from ..immunology import _rhs2, _steady_states, with_therapy
    from ..plotting.immunology import nullclines

    p = with_therapy(kill_factor=as_scalar(kill_factor, "kill_factor", low=0),
                     sigma_factor=as_scalar(sigma_factor, "sigma_factor", low=0))  # fmt: skip
    x0 = as_scalar(effector0, "effector0", low=0)
    y0 = as_scalar(tumour0, "tumour0", low=0)
    y, x_eff, x_tum = nullclines(p, tumour=_Y_GRID)
    states = _steady_states(p)
    t = np.linspace(0.0, HORIZON, int(n_points))
    path = odeint(lambda s, _t: _rhs2(s[0], s[1], p), [x0, y0], t, rtol=1e-6, atol=1e-9)
    traj = np.maximum(path.T, 0.0)
    return {
        "y": y,
        "x_effector": x_eff,
        "x_tumour": x_tum,
        "stable": [(x, yv) for x, yv, kind, _ in states if kind.startswith("stable")],
        "unstable": [(x, yv) for x, yv, kind, _ in states if not kind.startswith("stable")],
        "t": t,
        "x": traj[0],
        "tumour": traj[1],
        "final_tumour": float(traj[1, -1]),
        "escape_exists": any(yv > 100 for _, yv, kind, _ in states if kind.startswith("stable")),
    }


def _readout(state: dict) -> str:
    """One short line (rendering text dominates the cost of a fast update)."""
    fate = "escape" if state["final_tumour"] > 100 else "dormant"
    return f"y(300) = {state['final_tumour']:.3g}: {fate}"


def _xy(points):
    if not points:
        return [], []
    xs, ys = zip(*points, strict=True)
    return list(xs), [max(v, _YLIM[0]) for v in ys]


_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..immunology import with_therapy
    from ..plotting.immunology import plot_phase_plane

    state = tumor_immune_state(**values)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.11, 0.13, 0.85, 0.72))
    params = with_therapy(kill_factor=values["kill_factor"], sigma_factor=values["sigma_factor"])
    plot_phase_plane(params, trajectory=(state["x"], state["tumour"]), xlim=_XLIM, ylim=_YLIM,
                     ax=ax)  # fmt: skip
    ax.set_title("checkpoint blockade = higher kill rate κ; start at x = 1\n"
                 "green: stable states, orange: saddles", fontsize="small", loc="left",
                 y=1.0)  # fmt: skip
    readout = ax.text(0.02, 0.04, _readout(state), transform=ax.transAxes, ha="left",
                      fontsize="small")  # fmt: skip
    _SCENES[fig] = {"artists": (*ax.lines[:5], readout)}


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = tumor_immune_state(**values)
    eff, tum, stable, unstable, traj, readout = scene["artists"]
    eff.set_data(state["x_effector"], state["y"])
    tum.set_data(state["x_tumour"], state["y"])
    stable.set_data(*_xy(state["stable"]))
    unstable.set_data(*_xy(state["unstable"]))
    traj.set_data(state["x"], np.maximum(state["tumour"], _YLIM[0]))
    readout.set_text(_readout(state))
    return [eff, tum, stable, unstable, traj, readout]


def explore_tumor_immune(kill_factor: float = 1.0, sigma_factor: float = 1.0,
                         tumour0: float = 500.0):  # fmt: skip
    """Explore the Kuznetsov tumour–immune phase plane under immunotherapy.

    Sliders set the kill-rate factor κ (checkpoint blockade), the effector-influx factor
    (σ multiplied: effector infusion or vaccination) and the starting tumour size (10⁶
    cells, with 10⁶ effector cells). The figure shows both nullclines, the steady states
    (stable filled, saddles open) and the trajectory to τ = 300 (about 7.5 years).

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``kill_factor``, ``sigma_factor`` and ``tumour0``.

    Examples
    --------
    >>> explorer = explore_tumor_immune()
    >>> sorted(explorer.controls)
    ['kill_factor', 'sigma_factor', 'tumour0']
    >>> explorer.controls["kill_factor"].value = 1.8
    >>> len(explorer.image.value) > 0
    True
    """
    from ._base import Explorer, float_slider, log_slider

    controls = {
        "kill_factor": float_slider("kill factor κ (checkpoint)", kill_factor, 0.5, 3.0, 0.05),
        "sigma_factor": float_slider("effector influx factor", sigma_factor, 0.5, 3.0, 0.05),
        "tumour0": log_slider("starting tumour (10⁶ cells)", tumour0, 1.0, 900.0),
    }
    title = "Tumour–immune phase plane: dormancy, escape and immunotherapy"
    return Explorer(controls, _draw, update=_update, figsize=(6.4, 4.2), title=title)
