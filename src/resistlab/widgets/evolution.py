"""Explorer for the fluctuation test: pre-existing mutants against induced resistance.

Three sliders set the mutation rate, the final culture size and the number of cultures;
the explorer simulates the same experiment under both hypotheses
(:func:`resistlab.evolution.simulate_fluctuation`) and shows the two histograms side by
side, bin by bin on the same doubling bins, each with its variance-to-mean ratio. A fixed
seed makes every redraw reproducible: moving a slider back restores the same picture.
"""

from __future__ import annotations

import math
import weakref

import matplotlib
import numpy as np

from .._validation import as_scalar
from ._base import Explorer, log_slider

__all__ = ["explore_fluctuation", "fluctuation_state"]


def _summary(counts: np.ndarray) -> dict:
    mean = float(counts.mean())
    variance = float(counts.var(ddof=1)) if counts.size > 1 else math.nan
    return {
        "counts": counts,
        "mean": mean,
        "variance": variance,
        "vmr": variance / mean if mean > 0 else math.nan,
        "p0": float(np.mean(counts == 0)),
        "max": int(counts.max()),
    }


def fluctuation_state(mutation_rate, final_size, n_cultures, *, seed: int = 1943) -> dict:
    r"""Everything the fluctuation explorer shows, computed without drawing.

    Simulates ``n_cultures`` cultures growing from one cell to ``final_size`` cells under
    each hypothesis and summarises them.

    Parameters
    ----------
    mutation_rate : float
        μ, mutations per cell division (in [0, 1]).
    final_size : float
        N, cells per culture at plating (rounded to a whole number).
    n_cultures : int
        Number of cultures per hypothesis.
    seed : int
        Seed of the simulation; the two hypotheses use independent streams from it.

    Returns
    -------
    dict
        ``m`` (= μ(N − 1), expected mutations per culture), ``expected_mean``
        (= μ N ln N, the mean under both hypotheses), and for each of
        ``"pre-existing"`` and ``"induced"`` a dict with ``counts``, ``mean``,
        ``variance`` (n − 1), ``vmr`` (variance / mean), ``p0`` (fraction of cultures
        without resistant cells) and ``max``; ``max_count`` is the larger maximum.

    Examples
    --------
    >>> state = fluctuation_state(1e-8, 1e8, 200)
    >>> round(state["m"], 6), state["pre-existing"]["vmr"] > 10, state["induced"]["vmr"] < 2
    (1.0, True, True)
    """
    from ..evolution import simulate_fluctuation

    mu = as_scalar(mutation_rate, "mutation_rate", unit="per cell division", low=0, high=1)
    size = float(round(as_scalar(final_size, "final_size", unit="cells", low=2)))
    n = round(as_scalar(n_cultures, "n_cultures", unit="cultures", low=2))
    pre_rng, ind_rng = np.random.SeedSequence(seed).spawn(2)
    pre = simulate_fluctuation(n, mu, size, hypothesis="pre-existing", rng=pre_rng)
    ind = simulate_fluctuation(n, mu, size, hypothesis="induced", rng=ind_rng)
    state = {
        "m": mu * (size - 1.0),
        "expected_mean": mu * size * math.log(size),
        "pre-existing": _summary(pre),
        "induced": _summary(ind),
    }
    state["max_count"] = max(state["pre-existing"]["max"], state["induced"]["max"], 1)
    return state


def explore_fluctuation(
    mutation_rate: float = 1e-8, final_size: float = 1e8, n_cultures: int = 50, *, seed=1943
) -> Explorer:
    """Fluctuation-test simulator: both hypotheses side by side, with variance/mean.

    Parameters
    ----------
    mutation_rate : float
        Starting value of the mutation-rate slider (10⁻¹⁰ to 10⁻⁶ per division).
    final_size : float
        Starting value of the culture-size slider (10⁵ to 10⁹ cells).
    n_cultures : int
        Starting number of cultures (10 to 500).
    seed : int
        Seed of the simulations.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Controls ``mutation_rate``, ``final_size`` and ``n_cultures``.

    Examples
    --------
    >>> explorer = explore_fluctuation()
    >>> sorted(explorer.controls)
    ['final_size', 'mutation_rate', 'n_cultures']
    """
    import ipywidgets as widgets

    from ..plotting.evolution import plot_fluctuation_comparison

    controls = {
        "mutation_rate": log_slider("mutation rate μ (/division)", mutation_rate, 1e-10, 1e-6),
        "final_size": log_slider("final culture size N (cells)", final_size, 1e5, 1e9),
        "n_cultures": widgets.IntSlider(
            value=int(n_cultures),
            min=10,
            max=500,
            step=10,
            description="number of cultures",
            continuous_update=False,
            style={"description_width": "11em"},
            layout=widgets.Layout(width="30em"),
        ),
    }

    scenes = weakref.WeakKeyDictionary()  # per figure: the axes that follows the sliders

    def title(state):
        return (
            f"m = μN = {state['m']:.3g} mutations per culture; "
            f"mean resistant cells ≈ μN·ln N = {state['expected_mean']:.3g}"
        )

    def draw(fig, *, mutation_rate, final_size, n_cultures):
        state = fluctuation_state(mutation_rate, final_size, n_cultures, seed=seed)
        # Fixed margins: running constrained layout on every change doubles a redraw.
        fig.set_layout_engine("none")
        ax = fig.add_axes((0.1, 0.13, 0.88, 0.79))
        plot_fluctuation_comparison(
            state["pre-existing"]["counts"], state["induced"]["counts"], ax, title=title(state)
        )
        # The x label as a plain text below the fixed-height tick labels, so that it stays
        # in the cached background while the ticks move.
        ax.annotate(
            ax.get_xlabel(),
            xy=(0.5, 0.0),
            xycoords="axes fraction",
            xytext=(0.0, -22.0),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=matplotlib.rcParams["axes.labelsize"],
        )
        ax.set_xlabel("")
        scenes[fig] = ax

    def update(fig, *, mutation_rate, final_size, n_cultures):
        """Redo what plot_fluctuation_comparison draws, in place: bars, axes, legend, title."""
        from ..plotting.evolution import _bin_index, _n_bins, _set_bin_axis, _vmr

        ax = scenes.get(fig)
        if ax is None or len(ax.patches) != 2 or ax.get_legend() is None:
            return None
        state = fluctuation_state(mutation_rate, final_size, n_cultures, seed=seed)
        a, b = state["pre-existing"]["counts"], state["induced"]["counts"]
        n_bins = max(_n_bins(max(float(a.max()), float(b.max()))), 2)
        k = np.arange(n_bins, dtype=float)
        legend = ax.get_legend()
        tallest = 0
        for values, left, patch, text, name in zip(
            (a, b),
            (-0.4, 0.0),
            ax.patches,
            legend.get_texts(),
            ("pre-existing", "induced"),
            strict=True,
        ):
            heights = np.bincount(_bin_index(values), minlength=n_bins)
            tallest = max(tallest, heights.max())
            edges = np.append(np.column_stack([k + left, k + left + 0.4]).ravel(), n_bins + left)
            patch.set_data(np.column_stack([heights, np.zeros(n_bins)]).ravel(), edges)
            text.set_text(f"{name}: variance/mean = {_vmr(values):.3g}")
        _set_bin_axis(ax, n_bins)
        ax.set_xlabel("")  # drawn as a static text by draw
        ax.set_ylim(0, 1.3 * tallest)
        ax.title.set_text(title(state))
        return [*ax.patches, ax.xaxis, ax.yaxis, *ax.spines.values(), legend, ax.title]

    return Explorer(
        controls,
        draw,
        update=update,
        figsize=(6.4, 4.0),
        title="Fluctuation test: mutants that pre-exist vs resistance induced at plating",
    )
