"""Plots for gene amplification and bypass signalling (assignment 04).

Pure functions: each draws on the axes it is given (or on a new figure's) and
returns them. The numbers come from :mod:`resistlab.amplification` and
:mod:`resistlab.signalling`, or from the explorer's state function.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._validation import as_array, as_scalar, check_same_shape
from ._axes import axes_or_new

__all__ = [
    "plot_bypass_heatmap",
    "plot_bypass_output",
    "plot_copy_number_distribution",
    "plot_ic50_vs_copy_number",
    "plot_mean_copy_number",
    "plot_met_fish_calls",
]

_EGFR_COLOUR = "#1f77b4"
_MET_COLOUR = "#d62728"
_BASAL_COLOUR = "#7f7f7f"


def plot_ic50_vs_copy_number(copy_number, ic50_nM, *, fit=None, ax=None):
    """Methotrexate IC50 against DHFR copy number on log-log axes, with a power-law fit.

    Parameters
    ----------
    copy_number : array_like
        DHFR gene copies per cell, > 0.
    ic50_nM : array_like
        IC50 (nM), > 0, same shape.
    fit : (exponent, prefactor) or resistlab.amplification.PowerLawFit, optional
        If given, the line ``prefactor * copy_number**exponent`` is drawn and
        the exponent is shown in the legend.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_ic50_vs_copy_number([2, 20, 200], [6, 51, 501], fit=(1.0, 2.5))
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    x = as_array(
        copy_number, "copy_number", unit="copies per cell", low=0, low_inclusive=False, ndim=1
    )
    y = as_array(ic50_nM, "ic50_nM", unit="nM", low=0, low_inclusive=False, ndim=1)
    check_same_shape(copy_number=x, ic50_nM=y)
    ax = axes_or_new(ax)
    ax.scatter(x, y, s=22, color="k", alpha=0.75, label="clones", zorder=3)
    if fit is not None:
        exponent = as_scalar(fit[0], "fit exponent")
        prefactor = as_scalar(fit[1], "fit prefactor", low=0, low_inclusive=False)
        grid = np.geomspace(x.min(), x.max(), 50)
        ax.plot(
            grid,
            prefactor * grid**exponent,
            color=_MET_COLOUR,
            label=f"fit: IC50 ∝ copies$^{{{exponent:.2f}}}$",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("DHFR gene copies per cell")
    ax.set_ylabel("methotrexate IC50 (nM)")
    ax.legend(loc="upper left", frameon=False)
    return ax


def plot_copy_number_distribution(simulation, *, max_copies=None, ax=None):
    """Heat map of the double-minute copy-number distribution over generations.

    Parameters
    ----------
    simulation : resistlab.amplification.DoubleMinuteSimulation
        The result of :func:`resistlab.amplification.simulate_double_minutes`.
    max_copies : int, optional
        Highest copy number shown (default: the highest one any cell reached).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from resistlab.amplification import simulate_double_minutes
    >>> sim = simulate_double_minutes(10, n_cells=200, generations=20,
    ...                               fitness_cost_per_copy=0.05, rng=1)
    >>> plot_copy_number_distribution(sim).get_xlabel()
    'generation'
    """
    fractions = getattr(simulation, "fractions", None)
    if fractions is None:
        raise TypeError(
            "simulation must be the result of resistlab.amplification.simulate_double_minutes; "
            f"got {type(simulation).__name__}."
        )
    top = (
        fractions.shape[1] - 1
        if max_copies is None
        else int(as_scalar(max_copies, "max_copies", unit="copies", low=1))
    )
    shown = np.zeros((fractions.shape[0], top + 1))
    width = min(top + 1, fractions.shape[1])
    shown[:, :width] = fractions[:, :width]
    ax = axes_or_new(ax)
    image = ax.imshow(
        shown.T,
        origin="lower",
        aspect="auto",
        cmap="viridis",
        interpolation="nearest",
        extent=(-0.5, fractions.shape[0] - 0.5, -0.5, top + 0.5),
    )
    ax.plot(
        simulation.generation,
        simulation.mean_copy_number,
        color="w",
        lw=1.5,
        label="mean copies per cell",
    )
    ax.figure.colorbar(image, ax=ax, label="fraction of cells")
    ax.set_xlabel("generation")
    ax.set_ylabel("double minutes per cell")
    ax.legend(loc="upper right", frameon=False, labelcolor="w")
    return ax


def plot_mean_copy_number(simulations: Mapping, *, ax=None):
    """Mean double minutes per cell against generation, one line per simulation.

    Parameters
    ----------
    simulations : mapping of str to DoubleMinuteSimulation
        Label of each run (e.g. ``"off drug"``, ``"on drug"``) and its result.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from resistlab.amplification import simulate_double_minutes
    >>> runs = {"off drug": simulate_double_minutes(10, n_cells=100, generations=5, rng=1)}
    >>> len(plot_mean_copy_number(runs).lines)
    1
    """
    if not isinstance(simulations, Mapping) or not simulations:
        raise TypeError(
            "simulations must be a non-empty mapping of label -> simulate_double_minutes() "
            f"result; got {type(simulations).__name__}."
        )
    ax = axes_or_new(ax)
    for label, sim in simulations.items():
        ax.plot(sim.generation, sim.mean_copy_number, lw=2, label=str(label))
    ax.set_xlabel("generation")
    ax.set_ylabel("mean double minutes per cell")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    return ax


def plot_met_fish_calls(gene_copy_number, met_cep7_ratio, *, ax=None):
    """MET/CEP7 ratio against MET gene copy number, with the INSIGHT cut-offs.

    Points in the shaded region (GCN >= 5 or ratio >= 2) are MET-amplified.

    Parameters
    ----------
    gene_copy_number : array_like
        Mean MET signals per nucleus, >= 0.
    met_cep7_ratio : array_like
        MET/CEP7 ratio, >= 0, same shape.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_met_fish_calls([2.1, 6.0, 4.2], [1.0, 1.1, 2.0])
    >>> ax.get_ylabel()
    'MET/CEP7 ratio'
    """
    from ..amplification import MET_CEP7_RATIO_CUTOFF, MET_GCN_CUTOFF, call_met_amplification

    gcn = as_array(gene_copy_number, "gene_copy_number", low=0, ndim=1)
    ratio = as_array(met_cep7_ratio, "met_cep7_ratio", low=0, ndim=1)
    amplified = np.asarray(call_met_amplification(gcn, ratio), dtype=bool)
    ax = axes_or_new(ax)
    x_top = max(gcn.max() * 1.05, MET_GCN_CUTOFF * 1.5)
    y_top = max(ratio.max() * 1.05, MET_CEP7_RATIO_CUTOFF * 1.5)
    ax.axvspan(MET_GCN_CUTOFF, x_top, color=_MET_COLOUR, alpha=0.08, lw=0)
    ax.fill_between(
        [0, MET_GCN_CUTOFF], MET_CEP7_RATIO_CUTOFF, y_top, color=_MET_COLOUR, alpha=0.08, lw=0
    )
    ax.axvline(MET_GCN_CUTOFF, color=_MET_COLOUR, ls="--", lw=1)
    ax.axhline(MET_CEP7_RATIO_CUTOFF, color=_MET_COLOUR, ls="--", lw=1)
    ax.scatter(
        gcn[~amplified],
        ratio[~amplified],
        s=18,
        color=_BASAL_COLOUR,
        label=f"not amplified ({int((~amplified).sum())})",
    )
    ax.scatter(
        gcn[amplified],
        ratio[amplified],
        s=22,
        color=_MET_COLOUR,
        label=f"MET-amplified ({int(amplified.sum())})",
    )
    ax.set_xlim(0, x_top)
    ax.set_ylim(0, y_top)
    ax.set_xlabel("MET gene copy number (signals per nucleus)")
    ax.set_ylabel("MET/CEP7 ratio")
    ax.legend(loc="upper left", frameon=False)
    return ax


def _decade_ticks(low: float, high: float, per_decade=(1,)) -> list[float]:
    """Tick values 10^k·m (m in ``per_decade``) between ``low`` and ``high``."""
    ticks = []
    for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1):
        ticks += [m * 10.0**k for m in per_decade if low <= m * 10.0**k <= high]
    return ticks


def plot_bypass_output(
    egfr_doses_nM,
    output_egfr_alone,
    output_combination,
    threshold,
    *,
    met_inhibitor_nM=None,
    current=None,
    ax=None,
):
    """Pathway output against EGFR-inhibitor dose, without and with the MET inhibitor.

    Both axes are logarithmic. They are drawn as log10 positions on linear
    axes with labelled decades (it looks the same as a log axis, and redraws
    more than twice as fast, which keeps the explorer responsive).

    Parameters
    ----------
    egfr_doses_nM : array_like
        EGFR-inhibitor doses (nM), > 0.
    output_egfr_alone : array_like
        Output (> 0) at those doses with no MET inhibitor.
    output_combination : array_like
        Output (> 0) at those doses with the MET inhibitor.
    threshold : float
        Control threshold, drawn as a horizontal line.
    met_inhibitor_nM : float, optional
        MET-inhibitor dose, for the legend.
    current : (dose_nM, output), optional
        The current point, drawn as a marker (both > 0).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> d = [1.0, 10.0, 100.0]
    >>> ax = plot_bypass_output(d, [0.9, 0.7, 0.3], [0.8, 0.5, 0.08], 0.1)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['1', '10', '100']
    """
    d = as_array(egfr_doses_nM, "egfr_doses_nM", unit="nM", low=0, low_inclusive=False, ndim=1)
    alone = as_array(output_egfr_alone, "output_egfr_alone", low=0, low_inclusive=False, ndim=1)
    combo = as_array(output_combination, "output_combination", low=0, low_inclusive=False, ndim=1)
    check_same_shape(egfr_doses_nM=d, output_egfr_alone=alone, output_combination=combo)
    t = as_scalar(threshold, "threshold", low=0, low_inclusive=False)
    ax = axes_or_new(ax)
    ax.plot(np.log10(d), np.log10(alone), color=_EGFR_COLOUR, lw=2, label="EGFR inhibitor alone")
    label = "with MET inhibitor"
    if met_inhibitor_nM is not None:
        label += f" ({as_scalar(met_inhibitor_nM, 'met_inhibitor_nM', low=0):.3g} nM)"
    ax.plot(np.log10(d), np.log10(combo), color=_MET_COLOUR, lw=2, label=label)
    ax.axhline(np.log10(t), color="k", ls="--", lw=1, label=f"threshold {t:g}")
    y_low = min(alone.min(), combo.min(), t)
    y_high = max(alone.max(), combo.max(), t)
    if current is not None:
        x_now = as_scalar(current[0], "current dose", unit="nM", low=0, low_inclusive=False)
        y_now = as_scalar(current[1], "current output", low=0, low_inclusive=False)
        ax.plot([np.log10(x_now)], [np.log10(y_now)], "o", color="k", ms=7, label="current doses")
        y_low, y_high = min(y_low, y_now), max(y_high, y_now)
    x_ticks = _decade_ticks(d.min(), d.max())
    ax.set_xticks(np.log10(x_ticks), [f"{v:g}" for v in x_ticks])
    y_ticks = _decade_ticks(y_low, y_high, per_decade=(1, 3))
    ax.set_yticks(np.log10(y_ticks), [f"{v:g}" for v in y_ticks])
    ax.set_xlim(np.log10(d.min()), np.log10(d.max()))
    ax.set_ylim(np.log10(y_low) - 0.1, np.log10(y_high) + 0.1)
    ax.set_xlabel("EGFR inhibitor (nM)")
    ax.set_ylabel("pathway output")
    ax.legend(loc="upper right", frameon=False, fontsize="small")
    return ax


def plot_bypass_heatmap(egfr_doses_nM, met_doses_nM, output, threshold, *, chosen=None, ax=None):
    """Pathway output over a grid of EGFR- and MET-inhibitor doses, with the threshold.

    Cells whose output is below the threshold are outlined and their value is
    printed in bold; the chosen pair, if given, is marked.

    Parameters
    ----------
    egfr_doses_nM, met_doses_nM : array_like
        The grid's doses (nM), >= 0 (shown as categories, so 0 is allowed).
    output : array_like, shape (len(egfr_doses_nM), len(met_doses_nM))
        Output at each pair.
    threshold : float
        Control threshold.
    chosen : (egfr_dose_nM, met_dose_nM), optional
        A pair on the grid to mark.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> out = [[1.0, 0.5], [0.3, 0.05]]
    >>> ax = plot_bypass_heatmap([0, 100], [0, 30], out, 0.1, chosen=(100, 30))
    >>> ax.get_xlabel()
    'MET inhibitor (nM)'
    """
    d_e = as_array(egfr_doses_nM, "egfr_doses_nM", unit="nM", low=0, ndim=1)
    d_m = as_array(met_doses_nM, "met_doses_nM", unit="nM", low=0, ndim=1)
    out = as_array(output, "output", low=0, ndim=2)
    if out.shape != (d_e.size, d_m.size):
        raise ValueError(
            f"output must have shape (len(egfr_doses_nM), len(met_doses_nM)) = "
            f"({d_e.size}, {d_m.size}); got {out.shape}."
        )
    t = as_scalar(threshold, "threshold", low=0, low_inclusive=False)
    from matplotlib.colors import LogNorm

    ax = axes_or_new(ax)
    image = ax.imshow(
        out,
        origin="lower",
        cmap="magma_r",
        aspect="auto",
        norm=LogNorm(vmin=max(out.min(), 1e-3), vmax=max(out.max(), 1e-3 * 10)),
    )
    ax.figure.colorbar(image, ax=ax, label="pathway output")
    below = out < t
    for i in range(d_e.size):
        for j in range(d_m.size):
            ax.text(
                j,
                i,
                f"{out[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize="x-small",
                color="w" if out[i, j] > np.sqrt(out.min() * out.max()) else "k",
                fontweight="bold" if below[i, j] else "normal",
            )
    from matplotlib.patches import Rectangle

    for i, j in zip(*np.nonzero(below), strict=True):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="c", lw=1.5))
    if chosen is not None:
        i = int(np.argmin(np.abs(d_e - float(chosen[0]))))
        j = int(np.argmin(np.abs(d_m - float(chosen[1]))))
        ax.plot([j], [i], "*", ms=14, color="c", mec="k", label="chosen pair")
        ax.legend(loc="upper left", frameon=False, fontsize="small", labelcolor="c")
    ax.set_xticks(range(d_m.size), [f"{v:g}" for v in d_m])
    ax.set_yticks(range(d_e.size), [f"{v:g}" for v in d_e])
    ax.set_xlabel("MET inhibitor (nM)")
    ax.set_ylabel("EGFR inhibitor (nM)")
    ax.set_title(f"outlined, bold: output below the threshold {t:g}", fontsize="small")
    return ax
