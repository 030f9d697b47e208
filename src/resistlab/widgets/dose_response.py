"""Explorer for dose–response: a Hill curve with sliders, drawn over measured viability.

Four sliders set the Hill parameters (E0, Emax, EC50 on a log slider, h); a menu picks the
cell line whose relative viability is shown (by default the course's simulated 72 h screen,
``dose_response_72h``). The title reports how well the hand-set curve fits the points and
where it reaches 50% viability.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from .._validation import as_array, as_scalar, check_same_shape
from ._base import Explorer, float_slider, log_slider

__all__ = ["explore_hill", "hill_explorer_state"]


def hill_explorer_state(dose, response, e0, emax, ec50, h, *, n_curve: int = 200) -> dict:
    """Everything the Hill explorer shows, computed without drawing.

    Parameters
    ----------
    dose, response : array_like, 1-D
        The observations (doses >= 0, e.g. µM; response e.g. relative viability).
    e0, emax, ec50, h : float
        Hill parameters (see :func:`resistlab.pharmacology.hill`).
    n_curve : int
        Number of points of the drawn curve.

    Returns
    -------
    dict
        ``curve_dose`` and ``curve_response`` (the curve over the positive doses, widened
        3-fold each side, log-spaced), ``predicted`` and ``residuals`` at the data doses,
        ``sse`` (sum of squared residuals), ``rmse``, ``midpoint`` ((e0 + emax)/2, the
        response at EC50) and ``ic50_absolute`` (dose where the curve reaches 0.5·e0;
        ``math.inf`` if it never does).

    Examples
    --------
    >>> state = hill_explorer_state([0.1, 1.0, 10.0], [0.9, 0.55, 0.2], 1.0, 0.1, 1.0, 1.0)
    >>> state["midpoint"], round(state["sse"], 6), state["curve_dose"].size
    (0.55, 0.000661, 200)
    >>> hill_explorer_state([0.1, 1.0], [0.9, 0.7], 1.0, 0.6, 1.0, 1.0)["ic50_absolute"]
    inf
    """
    from ..pharmacology import HillFit, hill

    d = as_array(dose, "dose", low=0, ndim=1)
    y = as_array(response, "response", ndim=1)
    check_same_shape(dose=d, response=y)
    n_curve = int(as_scalar(n_curve, "n_curve", low=2))
    positive = d[d > 0]
    if positive.size == 0:
        raise ValueError("the explorer needs at least one positive dose to draw on a log axis.")
    curve_dose = np.geomspace(positive.min() / 3.0, positive.max() * 3.0, n_curve)
    curve_response = hill(curve_dose, e0, emax, ec50, h)
    predicted = hill(d, e0, emax, ec50, h)
    residuals = y - predicted
    sse = float(np.sum(residuals**2))
    curve = HillFit(
        e0,
        emax,
        ec50,
        h,
        n=int(d.size),
        residual_se=math.nan,
        dose_min=float(positive.min()),
        dose_max=float(positive.max()),
    )
    ic50_absolute = curve.ic50("absolute") if e0 > 0 else math.nan
    return {
        "curve_dose": curve_dose,
        "curve_response": curve_response,
        "predicted": predicted,
        "residuals": residuals,
        "sse": sse,
        "rmse": math.sqrt(sse / d.size),
        "midpoint": 0.5 * (e0 + emax),
        "ic50_absolute": ic50_absolute,
    }


def _course_viability():
    """Relative viability per 72 h well of the shipped screen, by cell line."""
    from .. import datasets

    counts = datasets.load("dose_response_72h")
    end = counts[counts["time_h"] == 72].copy()
    control = end[end["dose_uM"] == 0].groupby("cell_line")["cell_count"].mean()
    end["viability"] = end["cell_count"] / end["cell_line"].map(control)
    return end[["cell_line", "dose_uM", "viability"]].reset_index(drop=True)


def explore_hill(data=None) -> Explorer:
    """Hill curve with sliders for E0, Emax, EC50 (log) and h, over viability data.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Columns ``cell_line``, ``dose_uM`` and ``viability`` (one row per well). By default
        the relative viability at 72 h of both lines of ``dose_response_72h`` (each well's
        count over the mean untreated count of its line).

    Returns
    -------
    resistlab.widgets._base.Explorer
        Controls ``cell_line`` (menu), ``e0``, ``emax``, ``ec50`` (µM, log slider) and ``h``.

    Examples
    --------
    >>> explorer = explore_hill()
    >>> sorted(explorer.controls)
    ['cell_line', 'e0', 'ec50', 'emax', 'h']
    """
    import ipywidgets as widgets

    from ..plotting.dose_response import plot_dose_response

    table = _course_viability() if data is None else data
    missing = {"cell_line", "dose_uM", "viability"} - set(getattr(table, "columns", ()))
    if missing:
        raise ValueError(
            "data must be a DataFrame with columns 'cell_line', 'dose_uM' and 'viability'; "
            f"missing {sorted(missing)}."
        )
    lines = list(dict.fromkeys(table["cell_line"]))
    by_line = {
        line: (
            table.loc[table["cell_line"] == line, "dose_uM"].to_numpy(dtype=float),
            table.loc[table["cell_line"] == line, "viability"].to_numpy(dtype=float),
        )
        for line in lines
    }
    colours = dict(zip(lines, ("tab:blue", "tab:red", "tab:green", "tab:purple"), strict=False))
    controls = {
        "cell_line": widgets.Dropdown(
            options=lines,
            value=lines[0],
            description="cell line",
            style={"description_width": "11em"},
        ),
        "e0": float_slider("E0 (no drug)", 1.0, 0.5, 1.5, 0.01),
        "emax": float_slider("Emax (saturating dose)", 0.1, -0.2, 1.2, 0.01),
        "ec50": log_slider("EC50 (µM)", 0.1, 1e-3, 10.0),
        "h": float_slider("h (Hill slope)", 1.0, 0.2, 4.0, 0.05),
    }

    scenes = weakref.WeakKeyDictionary()  # per figure: its cell line and moving artists

    def title(cell_line, ec50, state):
        ic50 = state["ic50_absolute"]
        ic50_text = f"{ic50:.3g} µM" if math.isfinite(ic50) else "never reached"
        return (
            f"{cell_line}: RMSE {state['rmse']:.3f}   EC50 {ec50:.3g} µM   "
            f"50% of E0 at {ic50_text}"
        )

    def draw(fig, *, cell_line, e0, emax, ec50, h):
        dose, viability = by_line[cell_line]
        state = hill_explorer_state(dose, viability, e0, emax, ec50, h)
        ax = fig.add_subplot()
        n_lines = len(ax.lines)
        plot_dose_response(
            dose,
            viability,
            ax=ax,
            curve=(state["curve_dose"], state["curve_response"]),
            color=colours.get(cell_line),
        )
        curve = ax.lines[n_lines]
        half = ax.axhline(0.5 * e0, color="0.6", ls=":", lw=1.0)
        mid = ax.axvline(ec50, color="0.6", ls="--", lw=1.0)
        ax.set_title(title(cell_line, ec50, state), fontsize=9)
        points = ax.collections[-1]
        scenes[fig] = {"artists": (points, curve, half, mid, ax.title)}
        # Fixed limits and few ticks: tick labels are most of the cost of a redraw.
        ax.set_ylim(-0.25, 1.6)
        ax.set_yticks([0.0, 0.5, 1.0, 1.5])
        ax.set_xlim(state["curve_dose"][0], state["curve_dose"][-1])

    def update(fig, *, cell_line, e0, emax, ec50, h):
        scene = scenes.get(fig)
        colour = colours.get(cell_line)
        if scene is None or colour is None:
            return None
        dose, viability = by_line[cell_line]
        state = hill_explorer_state(dose, viability, e0, emax, ec50, h)
        points, curve, half, mid, text = scene["artists"]
        if curve.axes.get_xlim() != (state["curve_dose"][0], state["curve_dose"][-1]):
            return None  # another dose range: another x axis
        keep = dose > 0  # as plot_dose_response: no dose-0 wells on the log axis
        points.set_offsets(np.column_stack([dose[keep], viability[keep]]))
        points.set_color(colour)
        curve.set_data(state["curve_dose"], state["curve_response"])
        curve.set_color(colour)
        half.set_ydata([0.5 * e0, 0.5 * e0])
        mid.set_xdata([ec50, ec50])
        text.set_text(title(cell_line, ec50, state))
        return list(scene["artists"])

    return Explorer(
        controls,
        draw,
        update=update,
        figsize=(6.4, 4.0),
        title="Hill curve: E(d) = E0 + (Emax − E0)·dʰ/(EC50ʰ + dʰ)",
    )
