"""Explorer for assignment 11: a checkerboard and its synergy map under a chosen model.

:func:`combination_state` computes every number the figure shows (pure, cached, tested
headlessly); :func:`explore_combination` wires a pair selector and a model selector to it and
to :func:`resistlab.plotting.synergy.plot_checkerboard`.
"""

from __future__ import annotations

import weakref
from functools import cache

import numpy as np

from .._validation import check_choice

__all__ = ["combination_state", "explore_combination"]

MODELS = ("bliss", "hsa", "loewe", "zip")
PAIRS = ("pair 1", "pair 2", "pair 3")


@cache
def _scores(pair: str):
    from .. import datasets
    from ..pharmacology import fit_hill
    from ..synergy import bliss_excess, hsa_excess, loewe_excess, zip_delta

    data = datasets.load("checkerboard_combinations")
    rows = data[data["pair"] == pair]
    grid = rows.pivot(index="dose_b_uM", columns="dose_a_uM", values="viability")
    da, db, v = grid.columns.to_numpy(float), grid.index.to_numpy(float), grid.to_numpy(float)
    ea, eb = v[0, :][None, :], v[:, 0][:, None]
    fit_a, fit_b = fit_hill(da, v[0, :], e0=1.0), fit_hill(db, v[:, 0], e0=1.0)
    excess = {
        "bliss": bliss_excess(ea, eb, v),
        "hsa": hsa_excess(ea, eb, v),
        "loewe": loewe_excess(da[None, :], db[:, None], v, fit_a, fit_b),
        "zip": zip_delta(da, db, v),
    }
    for value in excess.values():
        value[0, :] = 0.0
        value[:, 0] = 0.0
    return da, db, v, excess


def combination_state(pair: str = "pair 1", model: str = "bliss") -> dict:
    """The checkerboard of one simulated pair and its excess map under one reference model.

    Returns
    -------
    dict
        ``doses_a``, ``doses_b``, ``viability`` (rows B, columns A), ``excess`` (0 on the
        single-agent row and column), ``mean_excess`` over the combination wells and
        ``call`` (``synergistic`` above 0.05, ``antagonistic`` below -0.05, else ``additive``).

    Examples
    --------
    >>> combination_state("pair 1", "bliss")["call"]
    'synergistic'
    >>> combination_state("pair 3", "hsa")["call"]
    'antagonistic'
    """
    check_choice(pair, "pair", PAIRS)
    check_choice(model, "model", MODELS)
    da, db, v, excess = _scores(pair)
    mean = float(excess[model][1:, 1:].mean())
    call = "synergistic" if mean > 0.05 else "antagonistic" if mean < -0.05 else "additive"
    return {"pair": pair, "model": model, "doses_a": da, "doses_b": db, "viability": v,
            "excess": excess[model], "mean_excess": mean, "call": call}  # fmt: skip


def _readout(state: dict) -> str:
    return f"{state['model'].upper()}: mean excess {state['mean_excess']:+.3f} -> {state['call']}"


_SCENES = weakref.WeakKeyDictionary()


def _draw(fig, **values) -> None:
    from ..plotting.synergy import plot_checkerboard

    state = combination_state(**values)
    left, right = fig.subplots(1, 2)
    plot_checkerboard(state["doses_a"], state["doses_b"], state["viability"], ax=left,
                      title="viability")  # fmt: skip
    plot_checkerboard(state["doses_a"], state["doses_b"], state["excess"], kind="excess",
                      ax=right, title="excess over the reference model")  # fmt: skip
    readout = fig.text(0.5, 0.01, _readout(state), ha="center", va="bottom", fontsize="small")
    # the spines sit above the meshes: redraw them over the blitted meshes too
    spines = [*left.spines.values(), *right.spines.values()]
    _SCENES[fig] = {
        "artists": (left.collections[0], right.collections[0], readout),
        "spines": spines,
    }


def _update(fig, **values):
    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = combination_state(**values)
    left, right, readout = scene["artists"]
    left.set_array(np.asarray(state["viability"]))
    right.set_array(np.asarray(state["excess"]))
    readout.set_text(_readout(state))
    return [left, right, readout, *scene["spines"]]


def explore_combination(pair: str = "pair 1", model: str = "bliss"):
    """Explore a checkerboard: its viability and its synergy map under Bliss, HSA, Loewe or ZIP.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Its ``controls`` are ``pair`` and ``model``.

    Examples
    --------
    >>> explorer = explore_combination()
    >>> sorted(explorer.controls)
    ['model', 'pair']
    >>> explorer.controls["model"].value = "loewe"
    >>> len(explorer.image.value) > 0
    True
    """
    import ipywidgets as widgets

    from ._base import Explorer

    for name in PAIRS:  # fit and score every pair once, so a change only looks them up
        _scores(name)
    controls = {
        "pair": widgets.Dropdown(options=list(PAIRS), value=pair, description="drug pair"),
        "model": widgets.ToggleButtons(options=list(MODELS), value=model, description="model"),
    }
    return Explorer(
        controls,
        _draw,
        update=_update,
        figsize=(8.0, 3.6),
        title="Drug combinations: checkerboard and synergy map",
    )
