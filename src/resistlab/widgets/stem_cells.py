"""Explorer for assignment 09: a stem-cell hierarchy under therapy, and relapse.

:func:`hierarchy_state` computes every number the figure shows (pure, tested headlessly);
:func:`explore_hierarchy` wires sliders for the stem cells' self-renewal probability and the
kill rates of the therapy in the stem and in the bulk (progenitor and differentiated)
compartments to it and to :func:`resistlab.plotting.stem_cells.plot_hierarchy`.
"""

from __future__ import annotations

import weakref

import numpy as np

from .._validation import as_scalar
from ..stem_cells import simulate_hierarchy, time_to_relapse

__all__ = ["explore_hierarchy", "hierarchy_state"]

THERAPY_DAYS = (0.0, 30.0)
HORIZON_DAYS = 365.0
_YLIM = (1e-3, 1e5)


def hierarchy_state(
    self_renewal: float = 0.6,
    kill_stem: float = 0.0,
    kill_bulk: float = 1.0,
    *,
    n_points: int = 184,
) -> dict:
    """Compartments over a year with 30 days of therapy, and the time to relapse.

    Uses :func:`~resistlab.stem_cells.simulate_hierarchy` with the module's defaults (stem
    division 0.2/day, progenitor self-renewal 0.45 and division 0.8/day, differentiated death
    0.3/day), the given stem self-renewal, ``kill = (kill_stem, kill_bulk, kill_bulk)`` during
    days 0–30, and starts from 1 stem, 10 progenitor and 100 differentiated cells. Relapse is
    the first day the total climbs back to its size at day 0.

    Returns
    -------
    dict
        ``t``, ``stem``, ``progenitor``, ``differentiated``; ``stem_fraction_start`` and
        ``stem_fraction_end`` (end of therapy); ``relapse_day`` (``inf`` if none within a year).

    Examples
    --------
    >>> s = hierarchy_state(0.65, 0.0, 1.0)
    >>> round(s["relapse_day"], 1)
    54.2
    >>> round(hierarchy_state(0.55, 0.0, 1.0)["relapse_day"])
    133
    >>> hierarchy_state(0.55, 0.5, 1.0)["relapse_day"]
    inf
    """
    p = as_scalar(self_renewal, "self_renewal", low=0, high=1)
    ks = as_scalar(kill_stem, "kill_stem", low=0)
    kb = as_scalar(kill_bulk, "kill_bulk", low=0)
    t = np.linspace(0.0, HORIZON_DAYS, int(n_points))
    res = simulate_hierarchy(t, self_renewal=(p, 0.45), kill=(ks, kb, kb), therapy=THERAPY_DAYS)
    end = int(np.searchsorted(t, THERAPY_DAYS[1]))
    return {
        "t": t,
        "stem": res.stem,
        "progenitor": res.progenitor,
        "differentiated": res.differentiated,
        "total": res.total,
        "stem_fraction_start": float(res.stem_fraction[0]),
        "stem_fraction_end": float(res.stem_fraction[end]),
        "relapse_day": time_to_relapse(t, np.maximum(res.total, 1e-300), res.total[0]),
    }


def _readout(state: dict) -> str:
    """One short line (rendering text dominates the cost of a fast update)."""
    day = state["relapse_day"]
    when = "none in a year" if not np.isfinite(day) else f"day {day:.0f}"
    return f"stem {100 * state['stem_fraction_end']:.0f}% at day 30; relapse {when}"


_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..plotting.stem_cells import plot_hierarchy

    state = hierarchy_state(**values)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.11, 0.13, 0.85, 0.72))
    plot_hierarchy(state["t"], state["stem"], state["progenitor"], state["differentiated"],
                   therapy=THERAPY_DAYS, ylim=_YLIM, ax=ax)  # fmt: skip
    ax.set_title("grey: 30 days of therapy; black: all cells\n"
                 "relapse: the total back at its day-0 size", fontsize="small", loc="left",
                 y=1.0)  # fmt: skip
    readout = ax.text(0.98, 0.04, _readout(state), transform=ax.transAxes, ha="right",
                      fontsize="small")  # fmt: skip
    _SCENES[fig] = {"artists": (*ax.lines[:4], readout)}


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = hierarchy_state(**values)
    *lines, readout = scene["artists"]
    for line, key in zip(lines, ("stem", "progenitor", "differentiated", "total"), strict=True):
        line.set_data(state["t"], np.maximum(state[key], 1e-3))
    readout.set_text(_readout(state))
    return [*lines, readout]


def explore_hierarchy(self_renewal: float = 0.6, kill_stem: float = 0.0, kill_bulk: float = 1.0):
    """Explore a stem → progenitor → differentiated hierarchy under 30 days of therapy.

    Sliders set the stem cells' self-renewal probability and the therapy's kill rates (per
    day) in the stem compartment and in the bulk (progenitor and differentiated) compartments.
    The figure shows the three compartments and the total over a year; a read-out gives the
    stem fraction at the end of therapy and the day of relapse.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``self_renewal``, ``kill_stem`` and ``kill_bulk``.

    Examples
    --------
    >>> explorer = explore_hierarchy()
    >>> sorted(explorer.controls)
    ['kill_bulk', 'kill_stem', 'self_renewal']
    >>> explorer.controls["kill_stem"].value = 0.2
    >>> len(explorer.image.value) > 0
    True
    """
    from ._base import Explorer, float_slider

    controls = {
        "self_renewal": float_slider("stem self-renewal p", self_renewal, 0.4, 0.8, 0.01),
        "kill_stem": float_slider("stem kill (/day)", kill_stem, 0.0, 0.5, 0.01),
        "kill_bulk": float_slider("bulk kill (/day)", kill_bulk, 0.0, 2.0, 0.05),
    }
    return Explorer(controls, _draw, update=_update, figsize=(7.0, 4.0),
                    title="Stem-cell hierarchy under therapy: enrichment and relapse")  # fmt: skip
