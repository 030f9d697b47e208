"""Figures for target mutations: IC50 heat map, competitive occupancy, carrier uptake, p53.

Pure functions: each draws on the axes it is given (or a new figure's), returns them and
changes nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .._validation import as_array, as_scalar, check_choice
from ._axes import axes_or_new

__all__ = [
    "plot_apoptosis_response",
    "plot_ic50_heatmap",
    "plot_mtx_uptake",
    "plot_occupancy",
]

_SHORT = {"sensitive": "S", "intermediate": "I", "resistant": "R", "indeterminate": "?"}
_MARKERS = {"sensitive": "o", "intermediate": "^", "resistant": "x", "indeterminate": "d"}


def _fmt_nM(value: float, censored: bool) -> str:
    text = f"{value:.3g}" if value < 1000 else f"{value:,.0f}"
    return ("≥" if censored else "") + text


def plot_ic50_heatmap(
    table,
    levels_nM: Mapping[str, float] | None = None,
    *,
    drugs: Sequence[str] | None = None,
    sensitive_ratio: float | None = None,
    resistant_ratio: float | None = None,
    annotate: str | None = "values",
    colorbar: bool = True,
    legend: bool = True,
    title: bool = True,
    ax=None,
):
    """Heat map of a mutant x drug IC50 table, optionally judged against drug levels.

    Without ``levels_nM`` the colour is log10 IC50 (nM). With ``levels_nM`` it is
    log10(IC50 / drug level) on a diverging scale centred on 1 (blue: IC50 well below the
    achievable level; red: above it), and each cell carries the call of
    :func:`resistlab.binding.classify_resistance`: S (sensitive), I (intermediate),
    R (resistant) or ? (indeterminate). Censored values are printed with "≥".

    Parameters
    ----------
    table : pandas.DataFrame or resistlab.binding.ResistanceMatrix
        Long format with ``mutant``, ``drug``, ``ic50_nM`` and ``qualifier``
        (``resistlab.datasets.load("bcr_abl_ic50")``), or an already classified matrix from
        :func:`resistlab.binding.resistance_matrix` (then the levels, drugs and ratios are
        taken from it).
    levels_nM : mapping of str to float, optional
        Achievable level (nM) per drug.
    drugs : sequence of str, optional
        Column order (default: the order of ``levels_nM``, else of the table).
    sensitive_ratio, resistant_ratio : float, optional
        Classification cut-offs (defaults of :func:`~resistlab.binding.classify_resistance`).
    annotate : {"values", "calls", None}
        ``"values"``: write the IC50 (and the call) in each cell; ``"calls"``: mark each
        cell's call with a symbol only (fast; used by the explorer); ``None``: nothing.
    colorbar : bool
        Add a colour bar.
    legend : bool
        With ``annotate="calls"``, add a key to the symbols (o sensitive, triangle
        intermediate, x resistant, diamond indeterminate).
    title : bool
        Add a title.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..binding import (
        RESISTANT_RATIO,
        SENSITIVE_RATIO,
        ResistanceMatrix,
        _check_table,
        resistance_matrix,
    )

    check_choice(annotate, "annotate", ("values", "calls", None))
    if isinstance(table, ResistanceMatrix):
        m, judged = table, True
    else:
        _check_table(table)
        judged = levels_nM is not None
        if drugs is None:
            drugs = tuple(levels_nM) if judged else tuple(dict.fromkeys(table["drug"]))
        m = resistance_matrix(
            table,
            levels_nM if judged else dict.fromkeys(drugs, 1.0),
            drugs=drugs,
            sensitive_ratio=SENSITIVE_RATIO if sensitive_ratio is None else sensitive_ratio,
            resistant_ratio=RESISTANT_RATIO if resistant_ratio is None else resistant_ratio,
        )
    ax = axes_or_new(ax)
    n_rows, n_cols = len(m.mutants), len(m.drugs)
    if judged:
        values = np.log10(m.ratio)
        image = ax.imshow(
            values, cmap="RdYlBu_r", vmin=-3, vmax=3, aspect="auto", interpolation="nearest"
        )
        label = "log10(IC50 / drug level)"
        columns = [
            f"{d}\n{_fmt_nM(lv, False)} nM" for d, lv in zip(m.drugs, m.levels_nM, strict=True)
        ]
    else:
        values = np.log10(m.ic50_nM)
        image = ax.imshow(values, cmap="viridis", aspect="auto", interpolation="nearest")
        label = "log10 IC50 (nM)"
        columns = list(m.drugs)
    # Labels as plain texts (no tick machinery): much cheaper to draw in the explorer.
    ax.set_axis_off()
    for i, mutant in enumerate(m.mutants):
        ax.text(-0.58, i, mutant, ha="right", va="center", fontsize=8)
    for j, column in enumerate(columns):
        ax.text(j, n_rows - 0.4, column, ha="center", va="top", fontsize=8)
    if annotate == "values":
        for i in range(n_rows):
            for j in range(n_cols):
                if np.isnan(m.ic50_nM[i, j]):
                    continue
                text = _fmt_nM(m.ic50_nM[i, j], m.censored[i, j])
                if judged:
                    text = f"{_SHORT[m.labels[i, j]]}  {text}"
                if judged:  # diverging map: dark at both ends
                    dark = abs(values[i, j]) > 1.8
                else:  # viridis: dark at the low end only
                    low, high = np.nanmin(values), np.nanmax(values)
                    dark = (values[i, j] - low) <= 0.6 * (high - low)
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "black",
                )
    elif annotate == "calls" and judged:
        rows, cols = np.indices(m.labels.shape)
        for call, marker in _MARKERS.items():
            hit = m.labels == call
            if hit.any():
                ax.plot(
                    cols[hit],
                    rows[hit],
                    ls="none",
                    marker=marker,
                    ms=7,
                    mew=1.3,
                    mfc="none",
                    mec="k",
                    label=call,
                )
        if legend:
            ax.legend(
                loc="upper left",
                bbox_to_anchor=(1.0, -0.02),
                fontsize=7,
                frameon=False,
                handletextpad=0.2,
                borderaxespad=0.0,
            )
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    if title:
        text = "IC50 against achievable drug level" if judged else "Cellular IC50"
        ax.set_title(
            text + (" (≥: censored at top dose)" if m.censored.any() else ""), fontsize=10
        )
    return ax


def plot_occupancy(
    *,
    ki_nM: float,
    atp_uM: float,
    km_atp_uM: float,
    km_atp_mutant_uM: float | None = None,
    ki_mutant_nM: float | None = None,
    dose_nM: float | None = None,
    inhibitor_range_nM: tuple[float, float] = (0.01, 1e5),
    labels: tuple[str, str] = ("reference", "mutant"),
    ax=None,
):
    """Fraction of kinase inhibited against inhibitor concentration, reference vs mutant.

    Curves from :func:`resistlab.binding.fraction_inhibited`; with ``dose_nM`` a vertical
    line marks that concentration and the occupancy lost there is annotated.

    Parameters
    ----------
    ki_nM, atp_uM, km_atp_uM : float
        Reference kinase: Ki (nM), ATP level (µM), Km for ATP (µM).
    km_atp_mutant_uM, ki_mutant_nM : float, optional
        The mutant's Km for ATP and Ki (``None`` = unchanged).
    dose_nM : float, optional
        Inhibitor concentration to mark.
    inhibitor_range_nM : (float, float)
        Plotted concentration range (log scale), nM.
    labels : (str, str)
        Legend labels for the two curves.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..binding import fraction_inhibited

    lo, hi = (
        as_scalar(v, "inhibitor_range_nM", unit="nM", low=0, low_inclusive=False)
        for v in inhibitor_range_nM
    )
    if not lo < hi:
        raise ValueError(
            f"inhibitor_range_nM must be (low, high) with low < high; got {lo}, {hi}."
        )
    km_mut = km_atp_uM if km_atp_mutant_uM is None else km_atp_mutant_uM
    ki_mut = ki_nM if ki_mutant_nM is None else ki_mutant_nM
    conc = np.logspace(np.log10(lo), np.log10(hi), 200)
    ref = fraction_inhibited(conc, ki_nM, atp_uM, km_atp_uM)
    mut = fraction_inhibited(conc, ki_mut, atp_uM, km_mut)
    ax = axes_or_new(ax)
    ax.plot(conc, ref, color="tab:blue", label=labels[0])
    ax.plot(conc, mut, color="tab:red", label=labels[1])
    if dose_nM is not None:
        dose = as_scalar(dose_nM, "dose_nM", unit="nM", low=0, low_inclusive=False)
        f_ref = fraction_inhibited(dose, ki_nM, atp_uM, km_atp_uM)
        f_mut = fraction_inhibited(dose, ki_mut, atp_uM, km_mut)
        ax.axvline(dose, color="0.4", lw=0.8, ls=":")
        ax.annotate(
            "",
            xy=(dose, f_mut),
            xytext=(dose, f_ref),
            arrowprops={"arrowstyle": "->", "color": "0.2"},
        )
        ax.text(
            dose * 1.3,
            (f_ref + f_mut) / 2,
            f"loss {100 * (f_ref - f_mut):.0f} points",
            fontsize=8,
            va="center",
        )
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("inhibitor (nM)")
    ax.set_ylabel("fraction of kinase inhibited")
    ax.set_title(f"ATP-competitive inhibition at {atp_uM:g} µM ATP", fontsize=10)
    ax.legend(frameon=False, loc="upper left")
    return ax


def plot_mtx_uptake(
    *,
    vmax: float,
    km_uM: float,
    km_mutant_uM: float,
    vmax_mutant: float | None = None,
    concentration_range_uM: tuple[float, float] = (0.0, 20.0),
    dose_uM: float | None = None,
    ax=None,
):
    """Methotrexate uptake rate against concentration, normal vs mutant carrier (hRFC).

    Michaelis–Menten curves from :func:`resistlab.transport.uptake_rate`; dotted lines mark
    each carrier's Km (half its Vmax), and ``dose_uM`` marks a concentration of interest.

    Parameters
    ----------
    vmax, km_uM : float
        Normal carrier's maximal rate and Km (µM).
    km_mutant_uM : float
        Mutant carrier's Km (µM).
    vmax_mutant : float, optional
        Mutant's maximal rate (``None`` = unchanged).
    concentration_range_uM : (float, float)
        Plotted range (linear), µM.
    dose_uM : float, optional
        Concentration to mark.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..transport import uptake_rate

    lo, hi = (
        as_scalar(v, "concentration_range_uM", unit="uM", low=0) for v in concentration_range_uM
    )
    if not lo < hi:
        raise ValueError(
            f"concentration_range_uM must be (low, high) with low < high; got {lo}, {hi}."
        )
    vmax_mutant = vmax if vmax_mutant is None else vmax_mutant
    s = np.linspace(lo, hi, 200)
    ax = axes_or_new(ax)
    for v, km, colour, name in (
        (vmax, km_uM, "tab:blue", "normal hRFC"),
        (vmax_mutant, km_mutant_uM, "tab:red", "mutant hRFC"),
    ):
        ax.plot(s, uptake_rate(s, vmax=v, km_uM=km), color=colour, label=f"{name} (Km {km:g} µM)")
        ax.plot([km, km], [0, v / 2], color=colour, lw=0.8, ls=":")
    if dose_uM is not None:
        dose = as_scalar(dose_uM, "dose_uM", unit="uM", low=0)
        ax.axvline(dose, color="0.4", lw=0.8, ls="--")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, None)
    ax.set_xlabel("extracellular methotrexate (µM)")
    ax.set_ylabel("uptake rate")
    ax.set_title("Carrier-mediated uptake (Michaelis–Menten)", fontsize=10)
    ax.legend(frameon=False, loc="lower right")
    return ax


def plot_apoptosis_response(
    *,
    p53_activities: Sequence[float] = (1.0, 0.3, 0.0),
    damage_range: tuple[float, float] = (0.01, 100.0),
    threshold: float = 1.0,
    p53_independent_threshold: float = 10.0,
    spread: float = 0.3,
    ax=None,
):
    """Fraction of cells undergoing apoptosis against DNA damage, for several p53 activities.

    Curves from the teaching model :func:`resistlab.apoptosis.apoptotic_fraction`, with the
    damage threshold of :func:`resistlab.apoptosis.apoptosis_threshold` marked for each.

    Parameters
    ----------
    p53_activities : sequence of float
        Relative p53 activities in [0, 1] (1 = wild type).
    damage_range : (float, float)
        Plotted damage range (log scale, > 0).
    threshold, p53_independent_threshold, spread : float
        Model parameters, see :func:`resistlab.apoptosis.apoptotic_fraction`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..apoptosis import apoptosis_threshold, apoptotic_fraction

    activities = as_array(p53_activities, "p53_activities", low=0, high=1, ndim=1)
    lo, hi = (as_scalar(v, "damage_range", low=0, low_inclusive=False) for v in damage_range)
    if not lo < hi:
        raise ValueError(f"damage_range must be (low, high) with low < high; got {lo}, {hi}.")
    damage = np.logspace(np.log10(lo), np.log10(hi), 200)
    ax = axes_or_new(ax)
    # Okabe & Ito's colour-blind-safe palette (tests/test_accessibility.py checks it)
    colours = ["#0072B2", "#E69F00", "#D55E00", "#CC79A7", "#009E73"]
    kwargs = {"threshold": threshold, "p53_independent_threshold": p53_independent_threshold}
    for k, a in enumerate(activities):
        colour = colours[k % len(colours)]
        frac = apoptotic_fraction(damage, p53_activity=a, spread=spread, **kwargs)
        ax.plot(damage, frac, color=colour, label=f"p53 activity {a:g}")
        ax.axvline(apoptosis_threshold(a, **kwargs), color=colour, lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("DNA damage (dimensionless)")
    ax.set_ylabel("fraction of cells in apoptosis")
    ax.set_title("p53 and the apoptosis threshold (teaching model)", fontsize=10)
    ax.legend(frameon=False, loc="upper left")
    return ax
