"""Figures for the evolution of resistance: fluctuation tests and the Goldie–Coldman curve.

Pure functions: each draws on the axes it is given (or a new figure's), returns them and
changes nothing else. Mutant counts span orders of magnitude (most cultures hold a few
resistant cells, a jackpot holds thousands), so histograms use doubling bins:
0, 1, 2–3, 4–7, 8–15, … (each labelled by its lower edge), the scale on which the
Luria–Delbrück distribution is readable.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from .._validation import as_array, as_scalar
from ._axes import axes_or_new

__all__ = [
    "plot_fluctuation_comparison",
    "plot_fluctuation_histogram",
    "plot_goldie_coldman",
    "plot_ld_fit",
    "plot_profile_likelihood",
]


def _counts(counts, name: str = "counts") -> np.ndarray:
    arr = as_array(counts, name, unit="resistant cells", low=0, ndim=1)
    frac = arr != np.floor(arr)
    if frac.any():
        pos = int(np.flatnonzero(frac)[0])
        raise ValueError(f"{name} must be whole numbers; got {arr[pos]:g} at position {pos}.")
    return arr


def _bin_index(values: np.ndarray) -> np.ndarray:
    """Doubling bins: 0 -> 0, 1 -> 1, 2–3 -> 2, 4–7 -> 3, ..., [2^(k-1), 2^k) -> k."""
    out = np.zeros(values.shape, dtype=int)
    positive = values > 0
    out[positive] = np.floor(np.log2(values[positive])).astype(int) + 1
    return out


def _n_bins(max_count: float) -> int:
    return int(_bin_index(np.array([max_count]))[0]) + 1


def _bin_edges(n_bins: int) -> np.ndarray:
    """Lower edge of every bin: 0, 1, 2, 4, 8, ..."""
    return np.array([0] + [2 ** (k - 1) for k in range(1, n_bins)], dtype=float)


def _compact(value: float) -> str:
    """1 -> '1', 512 -> '512', 8192 -> '8.2k', 131072 -> '131k', 2097152 -> '2.1M'."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            q = value / size
            return f"{q:.0f}{suffix}" if q >= 10 else f"{q:.2g}{suffix}"
    return f"{value:g}"


def _bin_labels(n_bins: int) -> list[str]:
    """Each bin labelled by its lower edge: 0, 1, 2, 4, ..., 512, 1k, 2k, 4.1k, ..."""
    return [_compact(edge) for edge in _bin_edges(n_bins)]


def _set_bin_axis(ax, n_bins: int) -> None:
    from matplotlib.ticker import MaxNLocator

    step = max(1, math.ceil(n_bins / 9))  # at most 9 labelled bins: ticks are costly to draw
    ticks = list(range(0, n_bins, step))
    labels = _bin_labels(n_bins)
    ax.set_xticks(ticks, [labels[k] for k in ticks], fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.set_xlim(-0.7, n_bins - 0.3)
    ax.set_xlabel("resistant cells per culture (doubling bins: 2–3, 4–7, …; tick = lower edge)")


def _stats_text(counts: np.ndarray) -> str:
    mean = float(counts.mean())
    var = float(counts.var(ddof=1)) if counts.size > 1 else math.nan
    ratio = var / mean if mean > 0 else math.nan
    return (
        f"cultures {counts.size}\nmean {mean:.3g}\nvariance {var:.3g}\n"
        f"variance/mean {ratio:.3g}\nzero {np.mean(counts == 0):.0%}"
    )


def plot_fluctuation_histogram(
    counts,
    ax=None,
    *,
    max_count=None,
    label: str | None = None,
    color=None,
    show_stats: bool = True,
):
    """Histogram of resistant cells per culture in doubling bins, with its variance/mean.

    Parameters
    ----------
    counts : array_like of int, 1-D
        Resistant cells (or colonies) per culture.
    ax : matplotlib.axes.Axes, optional
    max_count : float, optional
        Draw bins up to the one holding this count (default: ``max(counts)``); pass the
        same value to two panels to compare them on one axis.
    label : str, optional
        Title of the panel (e.g. the hypothesis).
    color : optional
        Bar colour.
    show_stats : bool
        Write the number of cultures, mean, sample variance (n − 1), variance/mean and the
        fraction of cultures without resistant cells in the corner.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_fluctuation_histogram([0, 0, 1, 3, 5, 40], label="pre-existing")
    >>> len(ax.patches), ax.get_title()
    (7, 'pre-existing')
    """
    values = _counts(counts)
    top = float(values.max()) if max_count is None else as_scalar(max_count, "max_count", low=0)
    n_bins = max(_n_bins(max(top, float(values.max()))), 2)
    heights = np.bincount(_bin_index(values), minlength=n_bins)
    ax = axes_or_new(ax)
    ax.bar(np.arange(n_bins), heights, width=0.8, color=color or "tab:blue", alpha=0.85)
    _set_bin_axis(ax, n_bins)
    ax.set_ylabel("number of cultures")
    if label is not None:
        ax.set_title(label, fontsize=10)
    if show_stats:
        ax.text(
            0.98,
            0.97,
            _stats_text(values),
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            family="monospace",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8, "lw": 0.5},
        )
    return ax


def _vmr(values: np.ndarray) -> float:
    mean = float(values.mean())
    if values.size < 2 or mean == 0:
        return math.nan
    return float(values.var(ddof=1)) / mean


def plot_fluctuation_comparison(
    first,
    second,
    ax=None,
    *,
    labels=("pre-existing", "induced"),
    colors=("tab:red", "tab:blue"),
    title: str | None = None,
):
    """Two fluctuation tests side by side in each doubling bin, with their variance/mean.

    The explorer's figure: paired bars per bin (one colour per sample, drawn as one filled
    step patch per sample) on one axis, and
    each sample's variance-to-mean ratio (sample variance, n − 1) in the legend. Under
    the induced hypothesis the ratio is close to 1 (Poisson); pre-existing mutants give
    jackpots and a ratio far above 1.

    Parameters
    ----------
    first, second : array_like of int, 1-D
        Resistant cells per culture of the two samples.
    ax : matplotlib.axes.Axes, optional
    labels : tuple of two str
        Legend names of the samples.
    colors : tuple of two colours
        Bar colours.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_fluctuation_comparison([0, 0, 1, 2, 90], [2, 3, 2, 4, 3])
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['pre-existing: variance/mean = 85.7', 'induced: variance/mean = 0.25']
    """
    a = _counts(first, "first")
    b = _counts(second, "second")
    n_bins = max(_n_bins(max(float(a.max()), float(b.max()))), 2)
    k = np.arange(n_bins, dtype=float)
    ax = axes_or_new(ax)
    # One filled step patch per sample (bar, gap, bar, ...) instead of one Rectangle per bar:
    # a third fewer artists to draw, which keeps the explorer's redraw short.
    for values, left, name, colour in (
        (a, -0.4, labels[0], colors[0]),
        (b, 0.0, labels[1], colors[1]),
    ):
        heights = np.bincount(_bin_index(values), minlength=n_bins)
        edges = np.append(np.column_stack([k + left, k + left + 0.4]).ravel(), n_bins + left)
        steps = np.column_stack([heights, np.zeros(n_bins)]).ravel()
        ax.stairs(
            steps,
            edges,
            fill=True,
            color=colour,
            alpha=0.85,
            label=f"{name}: variance/mean = {_vmr(values):.3g}",
        )
    _set_bin_axis(ax, n_bins)
    ax.set_ylabel("number of cultures")
    tallest = max(np.bincount(_bin_index(a)).max(), np.bincount(_bin_index(b)).max())
    ax.set_ylim(0, 1.3 * tallest)  # head-room for the legend
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def _binned_probability(pmf_tail: np.ndarray, n_bins: int) -> np.ndarray:
    """Probability per doubling bin from p_0..p_M; the last bin takes the whole tail."""
    probs = np.zeros(n_bins)
    index = _bin_index(np.arange(pmf_tail.size - 1, dtype=float))
    np.add.at(probs, index, pmf_tail[:-1])
    probs[-1] += pmf_tail[-1]
    return probs


def plot_ld_fit(
    counts,
    m,
    ax=None,
    *,
    plating_efficiency=1.0,
    show_poisson: bool = True,
    label: str | None = None,
):
    r"""Observed cultures per doubling bin against the Luria–Delbrück expectation.

    Bars: the observed number of cultures in each bin. Dots: ``n × P(bin)`` under the
    Luria–Delbrück (Lea–Coulson) distribution with ``m`` mutations per culture
    (:func:`resistlab.evolution.ld_pmf`); the last bin holds the whole tail P(X ≥ its
    lower edge). Crosses (``show_poisson``): the same for a Poisson law with the sample
    mean — what the *induced* hypothesis predicts.

    Parameters
    ----------
    counts : array_like of int, 1-D
        Resistant colonies per culture.
    m : float
        Expected mutations per culture (e.g. ``estimate_m_mle(counts).m``).
    ax : matplotlib.axes.Axes, optional
    plating_efficiency : float
        Fraction of each culture plated, in (0, 1].
    show_poisson : bool
        Also draw the Poisson expectation with the same mean.
    label : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_ld_fit([1, 0, 3, 0, 0, 5, 0, 5, 0, 6, 107, 0, 0, 0, 1, 0, 0, 64, 0, 35], 0.694)
    >>> [line.get_label() for line in ax.lines]
    ['Luria–Delbrück, m = 0.694', 'Poisson, same mean (induced)']
    """
    from ..evolution import _as_counts, ld_pmf

    values = _as_counts(counts).astype(float)
    m = as_scalar(m, "m", unit="mutations per culture", low=0)
    n = values.size
    top = int(values.max())
    n_bins = max(_n_bins(top), 2)
    last_edge = int(_bin_edges(n_bins)[-1])
    pmf = ld_pmf(m, last_edge, plating_efficiency=plating_efficiency)
    tail = np.append(pmf[:last_edge], max(1.0 - pmf[:last_edge].sum(), 0.0))
    expected_ld = n * _binned_probability(tail, n_bins)
    observed = np.bincount(_bin_index(values), minlength=n_bins)
    x = np.arange(n_bins)
    ax = axes_or_new(ax)
    ax.bar(x, observed, width=0.8, color="0.75", label=f"observed ({n} cultures)")
    ax.plot(
        x, expected_ld, "o-", color="tab:red", ms=5, lw=1.2, label=f"Luria–Delbrück, m = {m:.3g}"
    )
    if show_poisson:
        lam = float(values.mean())
        k = np.arange(last_edge, dtype=float)
        if lam > 0:
            log_terms = np.log(np.arange(1, last_edge, dtype=float))
            logp = -lam + k * math.log(lam) - np.concatenate([[0.0], np.cumsum(log_terms)])
            pois = np.exp(logp)
        else:
            pois = (k == 0).astype(float)
        pois_tail = np.append(pois, max(1.0 - pois.sum(), 0.0))
        ax.plot(
            x,
            n * _binned_probability(pois_tail, n_bins),
            "x--",
            color="tab:blue",
            ms=6,
            lw=1.0,
            label="Poisson, same mean (induced)",
        )
    _set_bin_axis(ax, n_bins)
    ax.set_ylabel("number of cultures")
    ax.legend(fontsize=8, frameon=False)
    if label is not None:
        ax.set_title(label, fontsize=10)
    return ax


def plot_profile_likelihood(
    counts,
    estimate=None,
    ax=None,
    *,
    plating_efficiency=1.0,
    label: str | None = None,
):
    r"""Log-likelihood of m relative to its maximum, with the profile-likelihood interval.

    Draws :math:`\ell(m) - \ell(\hat m)` against m. The confidence interval is where the
    curve stays above :math:`-\chi^2_1(\text{confidence})/2` (−1.92 for 95%), marked by
    a dotted line; the estimate and the interval ends are marked too.

    Parameters
    ----------
    counts : array_like of int, 1-D
        Resistant colonies per culture.
    estimate : resistlab.evolution.FluctuationEstimate, optional
        A fit of these counts; computed with :func:`~resistlab.evolution.estimate_m_mle`
        (95%) when omitted.
    ax : matplotlib.axes.Axes, optional
    plating_efficiency : float
        Used only when ``estimate`` is omitted.
    label : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_profile_likelihood([1, 0, 3, 0, 0, 5, 0, 5, 0, 6, 107, 0, 0, 0, 1, 0, 0, 64])
    >>> ax.get_xlabel()
    'm, expected mutations per culture'
    """
    from ..evolution import _as_counts, estimate_m_mle, ld_log_likelihood

    values = _as_counts(counts)
    if estimate is None:
        estimate = estimate_m_mle(values, plating_efficiency=plating_efficiency)
    low, high = estimate.ci
    m_grid = np.linspace(max(low * 0.5, 1e-6), high * 1.5, 160)
    rel = (
        ld_log_likelihood(m_grid, values, plating_efficiency=estimate.plating_efficiency)
        - estimate.loglik
    )
    drop = 0.5 * NormalDist().inv_cdf(0.5 + 0.5 * estimate.confidence) ** 2
    ax = axes_or_new(ax)
    ax.plot(m_grid, rel, color="tab:red", lw=1.8, label="log-likelihood − maximum")
    ax.axhline(-drop, color="0.5", ls=":", lw=1.0)
    ax.annotate(
        f"−χ²₁/2 = −{drop:.2f}",
        (0.01, -drop),
        xycoords=("axes fraction", "data"),
        fontsize=7,
        color="0.35",
        va="bottom",
    )
    ax.axvline(estimate.m, color="tab:red", ls="--", lw=1.0, label=f"m̂ = {estimate.m:.3g}")
    ax.axvspan(
        low,
        high,
        color="tab:red",
        alpha=0.12,
        label=f"{100 * estimate.confidence:g}% CI {low:.3g}–{high:.3g}",
    )
    ax.set_ylim(max(float(np.min(rel)), -4.0 * drop), 0.35 * drop)
    ax.set_xlabel("m, expected mutations per culture")
    ax.set_ylabel("ℓ(m) − ℓ(m̂)")
    ax.legend(fontsize=8, frameon=False, loc="lower center")
    if label is not None:
        ax.set_title(label, fontsize=10)
    return ax


def plot_goldie_coldman(
    mutation_rate,
    ax=None,
    *,
    n_cells=None,
    mark_cells: float | None = 1e9,
    cells_per_gram: float = 1e9,
):
    r"""Goldie–Coldman curves: P(no resistant cell) = exp(−α(N − 1)) against tumour size.

    One curve per mutation rate, on a log axis of tumour size N (cells) with the
    equivalent tumour mass (g) on top. Each curve falls from near 1 to near 0 within
    about two orders of magnitude of N around 1/α — the "short interval" of Goldie &
    Coldman (1979).

    Parameters
    ----------
    mutation_rate : float or sequence of float
        α, resistance mutations per cell division, in [0, 1].
    ax : matplotlib.axes.Axes, optional
    n_cells : array_like, optional
        Tumour sizes to draw (default 1 to 10¹³ cells, log-spaced).
    mark_cells : float or None
        Mark this size with a dashed line (default 10⁹ cells, about 1 g, the size at which
        a tumour is usually detected).
    cells_per_gram : float
        Conversion for the top axis (default 10⁹ cells per gram).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_goldie_coldman([1e-6, 1e-9])
    >>> [line.get_label() for line in ax.lines[:2]]
    ['α = 1e-06', 'α = 1e-09']
    """
    from ..evolution import goldie_coldman

    rates = np.atleast_1d(
        as_array(mutation_rate, "mutation_rate", unit="per cell division", low=0, high=1)
    )
    if rates.ndim != 1:
        raise ValueError(f"mutation_rate must be a number or a 1-D list; got shape {rates.shape}.")
    sizes = (
        np.geomspace(1.0, 1e13, 400)
        if n_cells is None
        else as_array(n_cells, "n_cells", unit="cells", low=1, ndim=1)
    )
    per_gram = as_scalar(cells_per_gram, "cells_per_gram", low=0, low_inclusive=False)
    ax = axes_or_new(ax)
    for rate in rates:
        ax.plot(sizes, goldie_coldman(rate, sizes), lw=1.8, label=f"α = {rate:.3g}")
    if mark_cells is not None:
        mark = as_scalar(mark_cells, "mark_cells", unit="cells", low=1)
        ax.axvline(mark, color="0.4", ls="--", lw=1.0)
        ax.annotate(
            f"{mark:.0e} cells ≈ {mark / per_gram:.3g} g",
            (mark, 0.5),
            xytext=(4, 0),
            textcoords="offset points",
            rotation=90,
            va="center",
            fontsize=8,
            color="0.3",
        )
    ax.set_xscale("log")
    ax.set_xlim(float(sizes.min()), float(sizes.max()))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("tumour size N (cells, log scale)")
    ax.set_ylabel("P(no resistant cell)")
    top = ax.secondary_xaxis("top", functions=(lambda n: n / per_gram, lambda g: g * per_gram))
    top.set_xlabel("tumour mass (g)")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    return ax
