"""Explorer for target mutations: the BCR-ABL1 mutant x TKI heat map against drug levels.

Three sliders set the drug level each TKI is assumed to reach in patients; the heat map
colours every mutant x drug cell by IC50 / level and labels it sensitive (S), intermediate
(I), resistant (R) or indeterminate (?, a censored IC50 that the level cannot resolve).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._base import Explorer, log_slider

__all__ = ["explore_mutant_heatmap", "mutant_heatmap_state"]

_SLIDER_RANGES_nM = {
    "imatinib": (50.0, 20000.0),
    "dasatinib": (0.5, 1000.0),
    "ponatinib": (0.5, 1000.0),
}


def mutant_heatmap_state(
    levels_nM: Mapping[str, float],
    table=None,
    *,
    sensitive_ratio: float | None = None,
    resistant_ratio: float | None = None,
) -> dict:
    """Everything the heat map shows, computed without drawing.

    Parameters
    ----------
    levels_nM : mapping of str to float
        Achievable level (nM) per drug; its order is the column order.
    table : pandas.DataFrame, optional
        Long IC50 table (default: ``resistlab.datasets.load("bcr_abl_ic50")``).
    sensitive_ratio, resistant_ratio : float, optional
        Classification cut-offs (defaults of :func:`resistlab.binding.classify_resistance`).

    Returns
    -------
    dict
        ``matrix`` (:class:`resistlab.binding.ResistanceMatrix`), ``counts``
        (``{label: {drug: number of mutants}}``) and ``uncovered`` (the mutants for which
        no drug is called sensitive, in table order).

    Examples
    --------
    >>> state = mutant_heatmap_state({"imatinib": 2000.0, "dasatinib": 25.0, "ponatinib": 40.0})
    >>> state["counts"]["sensitive"]
    {'imatinib': 1, 'dasatinib': 5, 'ponatinib': 4}
    >>> state["uncovered"][:2]
    ('T315M', 'G250E/T315I')
    """
    from .. import datasets
    from ..binding import CLASS_LABELS, RESISTANT_RATIO, SENSITIVE_RATIO, resistance_matrix

    table = datasets.load("bcr_abl_ic50") if table is None else table
    matrix = resistance_matrix(
        table,
        levels_nM,
        sensitive_ratio=SENSITIVE_RATIO if sensitive_ratio is None else sensitive_ratio,
        resistant_ratio=RESISTANT_RATIO if resistant_ratio is None else resistant_ratio,
    )
    counts = {
        label: {d: int(n) for d, n in zip(matrix.drugs, matrix.count(label), strict=True)}
        for label in CLASS_LABELS
    }
    covered = (matrix.labels == "sensitive").any(axis=1)
    uncovered = tuple(m for m, c in zip(matrix.mutants, covered, strict=True) if not c)
    return {"matrix": matrix, "counts": counts, "uncovered": uncovered}


def _summary_html(state: dict) -> str:
    """One-line readout under the figure (kept out of the PNG so a redraw stays cheap)."""
    matrix = state["matrix"]
    parts = [
        f"{drug}: {state['counts']['sensitive'][drug]} S / "
        f"{state['counts']['intermediate'][drug]} I / {state['counts']['resistant'][drug]} R"
        + (
            f" / {state['counts']['indeterminate'][drug]} ?"
            if state["counts"]["indeterminate"][drug]
            else ""
        )
        for drug in matrix.drugs
    ]
    uncovered = ", ".join(state["uncovered"]) or "none"
    return (
        f"<b>Mutants per call</b> — {'; '.join(parts)}<br>"
        f"<b>No drug called sensitive for {len(state['uncovered'])} of {len(matrix.mutants)} "
        f"mutants:</b> {uncovered}"
    )


_KEY_HTML = (
    "Colour: log10(IC50 / drug level), blue = IC50 far below the level, red = above it. "
    "Symbols: ○ sensitive (IC50 ≤ ½ level), △ intermediate, × resistant (IC50 > level), "
    "◇ indeterminate (censored IC50 the level cannot resolve). The levels are a teaching "
    "assumption: move them and watch the calls change."
)


def explore_mutant_heatmap(levels_nM: Mapping[str, float] | None = None, table=None) -> Explorer:
    """Mutant x drug IC50 heat map with a slider for each drug's achievable level.

    Parameters
    ----------
    levels_nM : mapping of str to float, optional
        Starting levels (nM) for ``imatinib``, ``dasatinib`` and ``ponatinib``; by default
        the course's teaching assumption :data:`resistlab.binding.TEACHING_DRUG_LEVELS_nM`
        (illustrative values, not verified plasma levels).
    table : pandas.DataFrame, optional
        Long IC50 table (default: ``resistlab.datasets.load("bcr_abl_ic50")``) holding those
        three drugs.

    Returns
    -------
    resistlab.widgets._base.Explorer
        Controls ``imatinib_nM``, ``dasatinib_nM``, ``ponatinib_nM``; the attribute
        ``summary`` is an ``ipywidgets.HTML`` readout of the calls, kept up to date.
    """
    import ipywidgets as widgets

    from .. import datasets
    from ..binding import TEACHING_DRUG_LEVELS_nM
    from ..plotting.target_mutations import plot_ic50_heatmap

    levels = dict(TEACHING_DRUG_LEVELS_nM if levels_nM is None else levels_nM)
    unknown = sorted(set(levels) - set(_SLIDER_RANGES_nM))
    missing = sorted(set(_SLIDER_RANGES_nM) - set(levels))
    if unknown or missing:
        raise ValueError(
            "levels_nM must give exactly the drugs 'imatinib', 'dasatinib' and 'ponatinib'; "
            f"unexpected {unknown}, missing {missing}."
        )
    table = datasets.load("bcr_abl_ic50") if table is None else table
    controls = {}
    for drug, (low, high) in _SLIDER_RANGES_nM.items():
        start = float(min(max(levels[drug], low), high))
        controls[f"{drug}_nM"] = log_slider(f"{drug} level (nM)", start, low, high)

    def levels_of(values: Mapping[str, float]) -> dict:
        return {drug: float(values[f"{drug}_nM"]) for drug in _SLIDER_RANGES_nM}

    last = {}

    def draw(fig, **values):
        state = last["state"] = mutant_heatmap_state(levels_of(values), table)
        # Fixed axes, no layout engine (each render then draws once) and no colour bar: keeps a
        # redraw cheap.
        fig.set_layout_engine(None)
        ax = fig.add_axes((0.21, 0.12, 0.76, 0.86))
        plot_ic50_heatmap(
            state["matrix"], annotate="calls", colorbar=False, legend=False, title=False, ax=ax
        )
        # an (empty) symbol line for every call, so that slider moves only move the symbols
        from ..plotting.target_mutations import _MARKERS

        present = {line.get_label() for line in ax.lines}
        for call, marker in _MARKERS.items():
            if call not in present:
                ax.plot([], [], ls="none", marker=marker, ms=7, mew=1.3, mfc="none", mec="k",
                        label=call)  # fmt: skip

    def update(fig, **values):
        """Recolour the cells, move the call symbols and relabel the columns in place."""
        from ..plotting.target_mutations import _MARKERS, _fmt_nM

        if len(fig.axes) != 1 or len(fig.axes[0].images) != 1:
            return None
        ax = fig.axes[0]
        state = last["state"] = mutant_heatmap_state(levels_of(values), table)
        m = state["matrix"]
        lines = {line.get_label(): line for line in ax.lines}
        n_rows = len(m.mutants)
        columns = ax.texts[n_rows : n_rows + len(m.drugs)]
        if set(lines) != set(_MARKERS) or len(columns) != len(m.drugs):
            return None  # not the scene drawn by draw: full redraw
        image = ax.images[0]
        image.set_data(np.log10(m.ratio))
        rows, cols = np.indices(m.labels.shape)
        for call, line in lines.items():
            hit = m.labels == call
            line.set_data(cols[hit], rows[hit])
        for text, drug, level in zip(columns, m.drugs, m.levels_nM, strict=True):
            text.set_text(f"{drug}\n{_fmt_nM(level, False)} nM")
        return [image, *ax.lines, *columns]

    explorer = Explorer(
        controls,
        draw,
        update=update,
        figsize=(5.4, 4.0),
        dpi=90,
        title="BCR-ABL1 mutants × TKIs: IC50 against the achievable drug level",
    )
    summary = widgets.HTML()

    def update_summary(_change=None):
        # Runs after the explorer's own observer has redrawn, so the state is current.
        summary.value = _summary_html(last["state"])

    for control in controls.values():
        control.observe(update_summary, names="value")
    update_summary()
    explorer.summary = summary
    explorer.children = (*explorer.children, widgets.HTML(_KEY_HTML), summary)
    return explorer
