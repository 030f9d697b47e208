"""Plots for the precision-oncology capstone (assignment 15).

Pure functions: each draws on the axes it is given (or on a new figure's) and returns them.
:func:`plot_recommendation` lays out the teaching recommender's output as text blocks (one per
recommendation, coloured by the quality of its source); :func:`plot_calibration` draws a
calibration curve (observed against predicted risk) with the diagonal of perfect calibration.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .._validation import as_array, check_same_shape
from ._axes import axes_or_new

__all__ = ["format_recommendation", "plot_calibration", "plot_recommendation"]

_QUALITY_COLOURS = {"primary": "#1a5e1a", "secondary": "#b35900", "": "#7f7f7f"}
_WIDTH = 100


def format_recommendation(rec: dict) -> tuple[str, str]:
    """A recommendation as (header, body) text for a figure.

    Examples
    --------
    >>> from resistlab.precision import recommend
    >>> header, body = format_recommendation(recommend(["BCR-ABL1 T315I"])[0])
    >>> header
    'BCR-ABL1 T315I -> ponatinib'
    >>> body.splitlines()[-1]
    'taught in 03-target-mutations · source: primary'
    """
    header = f"{' + '.join(rec['alterations'])} -> {rec['option']}"
    header = textwrap.shorten(header, _WIDTH, placeholder=" ...")
    if rec["rule_id"] == "no rule":
        return header, ""
    body = "\n".join(
        [
            textwrap.shorten("mechanism: " + rec["mechanism"], _WIDTH + 10, placeholder=" ..."),
            textwrap.shorten("evidence: " + rec["evidence"], _WIDTH + 10, placeholder=" ..."),
            f"taught in {rec['assignment']} · source: {rec['source_quality']}",
        ]
    )
    return header, body


def plot_recommendation(recommendations, *, title=None, max_blocks: int = 6, ax=None):
    """The recommendations as text blocks on blank axes, one block per recommendation.

    Always creates ``2 * max_blocks`` text artists (header and body per block, empty when
    unused) after the title text, so an explorer can update them in place. Headers are
    coloured by source quality: green primary, orange secondary (unverified), grey no rule.

    Parameters
    ----------
    recommendations : list of dict
        Output of :func:`resistlab.precision.recommend`.
    title : str, optional
        A line above the blocks (e.g. the profile).
    max_blocks : int
        Blocks shown; further recommendations are summarised in the last body.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from resistlab.precision import recommend
    >>> ax = plot_recommendation(recommend(["EGFR L858R", "KRAS G12C"]))
    >>> len(ax.texts), ax.texts[1].get_text()
    (13, 'EGFR L858R -> first-line osimertinib')
    """
    recs = list(recommendations)
    ax = axes_or_new(ax, figsize=(8.0, 6.0))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.text(0.0, 1.0, title or "", va="top", ha="left", fontsize="small", style="italic")
    step = 0.95 / max_blocks
    for i in range(max_blocks):
        y = 0.93 - i * step
        ax.text(0.0, y, "", va="top", ha="left", fontsize="small", weight="bold")
        ax.text(0.02, y - 0.035, "", va="top", ha="left", fontsize="x-small")
    set_recommendation_texts(ax, recs, title=title, max_blocks=max_blocks)
    return ax


def set_recommendation_texts(ax, recommendations, *, title=None, max_blocks: int = 6) -> list:
    """Write recommendations into the text artists made by :func:`plot_recommendation`.

    Returns the changed artists (for an explorer's fast update).
    """
    texts = ax.texts
    texts[0].set_text(textwrap.shorten(title or "", _WIDTH + 18, placeholder=" ..."))
    recs = list(recommendations)
    for i in range(max_blocks):
        header, body = texts[1 + 2 * i], texts[2 + 2 * i]
        if i < len(recs):
            head, text = format_recommendation(recs[i])
            if i == max_blocks - 1 and len(recs) > max_blocks:
                text += f"\n(+ {len(recs) - max_blocks} more recommendations not shown)"
            header.set_text(head)
            header.set_color(_QUALITY_COLOURS.get(recs[i]["source_quality"], "#7f7f7f"))
            body.set_text(text)
        else:
            header.set_text("")
            body.set_text("")
    return list(texts[: 1 + 2 * max_blocks])


def plot_calibration(mean_predicted, observed_fraction, *, n_patients=None, label=None, ax=None):
    """A calibration curve: observed fraction resistant against mean predicted probability.

    Parameters
    ----------
    mean_predicted, observed_fraction : array_like
        One value per bin, in [0, 1] (e.g. the columns of
        :func:`resistlab.precision.calibration_table`).
    n_patients : array_like, optional
        Patients per bin; marker areas follow it.
    label : str, optional
        Legend label of the curve.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_calibration([0.1, 0.5, 0.9], [0.15, 0.45, 0.85], n_patients=[10, 20, 10])
    >>> len(ax.lines), [float(v) for v in ax.get_xlim()]
    (2, [0.0, 1.0])
    """
    x = as_array(mean_predicted, "mean_predicted", low=0, high=1, ndim=1)
    y = as_array(observed_fraction, "observed_fraction", low=0, high=1, ndim=1)
    check_same_shape(mean_predicted=x, observed_fraction=y)
    ax = axes_or_new(ax, figsize=(4.8, 4.4))
    ax.plot([0, 1], [0, 1], color="#7f7f7f", ls="--", lw=1, label="perfect calibration")
    ax.plot(x, y, color="#1f77b4", lw=1.5, label=label or "model")
    if n_patients is not None:
        n = as_array(n_patients, "n_patients", low=0, ndim=1)
        check_same_shape(mean_predicted=x, n_patients=n)
        sizes = 20 + 180 * n / max(float(np.max(n)), 1.0)
        ax.scatter(x, y, s=sizes, color="#1f77b4", alpha=0.6, zorder=3)
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("mean predicted probability of resistance")
    ax.set_ylabel("observed fraction resistant")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize="small")
    return ax
