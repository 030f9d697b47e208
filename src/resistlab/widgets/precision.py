"""Explorer for assignment 15: a tumour profile → the teaching recommender's plan and rationale.

:func:`recommendation_state` turns the controls' values into a profile and runs
:func:`resistlab.precision.recommend` on it (pure, tested headlessly); a profile the recommender
refuses (C797S in cis/trans without T790M) gives the error message instead.
:func:`explore_recommendation` wires one selector per gene to it and to
:func:`resistlab.plotting.precision.plot_recommendation`. A teaching tool, not clinical
decision support.
"""

from __future__ import annotations

import weakref

from .._validation import check_choice
from ..precision import DISCLAIMER, recommend

__all__ = ["explore_recommendation", "recommendation_state"]

ABSENT_PRESENT = ("absent", "present")
CHOICES = {
    "egfr": ("none", "EGFR L858R", "EGFR exon 19 deletion"),
    "t790m": ABSENT_PRESENT,
    "c797s": ("absent", "configuration unknown", "in cis", "in trans"),
    "met": ABSENT_PRESENT,
    "bcr_abl1_t315i": ABSENT_PRESENT,
    "brca": ("none", "BRCA1 loss", "BRCA2 loss", "BRCA2 loss with reversion"),
    "mlh1": ABSENT_PRESENT,
    "abcb1": ABSENT_PRESENT,
    "ercc1": ("not tested", "high", "low"),
    "other": ("none", "KRAS G12C", "ALK fusion"),
}
LABELS = {
    "egfr": "EGFR sensitising",
    "t790m": "EGFR T790M",
    "c797s": "EGFR C797S",
    "met": "MET amplification",
    "bcr_abl1_t315i": "BCR-ABL1 T315I",
    "brca": "BRCA1/2",
    "mlh1": "MLH1 promoter methylation",
    "abcb1": "ABCB1 overexpression",
    "ercc1": "ERCC1 level",
    "other": "other alteration",
}
MAX_BLOCKS = 6


def recommendation_state(
    egfr="EGFR L858R",
    t790m="absent",
    c797s="absent",
    met="absent",
    bcr_abl1_t315i="absent",
    brca="none",
    mlh1="absent",
    abcb1="absent",
    ercc1="not tested",
    other="none",
) -> dict:
    """The profile the controls describe and the recommender's answer for it.

    Returns
    -------
    dict
        ``profile`` (list of alteration strings), ``recommendations`` (list of dict, empty on
        error), ``error`` (the ValueError's message, or ``""``) and ``title`` (one line).

    Examples
    --------
    >>> s = recommendation_state("EGFR L858R", met="present")
    >>> s["profile"], [r["rule_id"] for r in s["recommendations"]]
    (['EGFR L858R', 'MET amplification'], ['egfr_met'])
    >>> recommendation_state("none", c797s="in cis")["error"][:30]
    "'EGFR C797S in cis' describes "
    """
    values = dict(locals())
    for name, value in values.items():
        check_choice(value, name, CHOICES[name])
    profile = []
    if egfr != "none":
        profile.append(egfr)
    if t790m == "present":
        profile.append("EGFR T790M")
    if c797s != "absent":
        profile.append("EGFR C797S" if c797s == "configuration unknown" else f"EGFR C797S {c797s}")
    if met == "present":
        profile.append("MET amplification")
    if bcr_abl1_t315i == "present":
        profile.append("BCR-ABL1 T315I")
    if brca == "BRCA2 loss with reversion":
        profile += ["BRCA2 loss", "BRCA2 reversion mutation"]
    elif brca != "none":
        profile.append(brca)
    if mlh1 == "present":
        profile.append("MLH1 promoter methylation")
    if abcb1 == "present":
        profile.append("ABCB1 overexpression")
    if ercc1 != "not tested":
        profile.append(f"ERCC1 {ercc1}")
    if other != "none":
        profile.append(other)
    title = "profile: " + (", ".join(profile) if profile else "(no alteration selected)")
    if not profile:
        return {"profile": [], "recommendations": [], "error": "", "title": title}
    try:
        recs = recommend(profile)
    except ValueError as error:
        return {"profile": profile, "recommendations": [], "error": str(error), "title": title}
    return {"profile": profile, "recommendations": recs, "error": "", "title": title}


def _error_block(state: dict) -> list[dict]:
    if not state["error"]:
        return state["recommendations"]
    return [
        {
            "alterations": ("input refused",),
            "rule_id": "no rule",
            "option": state["error"],
            "source_quality": "",
        }
    ]


_SCENES = weakref.WeakKeyDictionary()


class _TextBitmaps:
    """Draws text artists from cached bitmaps (rendering glyphs dominates a text redraw).

    Each text is rasterised once per (content, style, figure size) on a transparent scratch
    canvas of the figure's size; later draws paste the cropped bitmap at the text's anchor
    (a whole pixel, see ``_draw``), which composites like drawing the text over the background.
    """

    _MAX = 2048

    def __init__(self, figure, texts):
        from matplotlib.artist import Artist

        self.texts = list(texts)
        self.figure = figure
        self.cache = {}
        self._scratch = None
        owner = self

        class _Paste(Artist):
            def draw(self, renderer):
                owner.draw(renderer)

        self.artist = _Paste()
        self.artist.set_figure(figure)
        self.artist.set_zorder(10)

    def _key(self, text):
        style = (
            text.get_color(),
            text.get_fontsize(),
            text.get_fontweight(),
            text.get_fontstyle(),
        )
        return (text.get_text(), style, self.figure.bbox.bounds, self.figure.dpi)

    @staticmethod
    def _anchor(text):
        x, y = text.get_transform().transform(text.get_unitless_position())
        return round(float(x)), round(float(y))

    def _rasterise(self, text):
        import numpy as np
        from matplotlib.backends.backend_agg import RendererAgg

        width, height = (int(v) for v in self.figure.bbox.size)
        if self._scratch is None or (self._scratch.width, self._scratch.height) != (width, height):
            self._scratch = RendererAgg(width, height, self.figure.dpi)
        renderer = self._scratch
        renderer.clear()
        text.draw(renderer)
        box = text.get_window_extent(renderer)
        x0 = max(int(np.floor(box.x0)) - 3, 0)
        x1 = min(int(np.ceil(box.x1)) + 3, width)
        y0 = max(int(np.floor(box.y0)) - 3, 0)
        y1 = min(int(np.ceil(box.y1)) + 3, height)
        # draw_image takes rows from the bottom up
        pixels = np.asarray(renderer.buffer_rgba())[height - y1 : height - y0, x0:x1][::-1].copy()
        anchor_x, anchor_y = self._anchor(text)
        return pixels, x0 - anchor_x, y0 - anchor_y

    def warm(self, texts) -> None:
        """Rasterise ``texts`` into the cache now (their current content)."""
        for text in texts:
            if text.get_text() and self._key(text) not in self.cache:
                self.cache[self._key(text)] = self._rasterise(text)

    def draw(self, renderer):
        gc = renderer.new_gc()
        for text in self.texts:
            if not text.get_text():
                continue
            key = self._key(text)
            entry = self.cache.get(key)
            if entry is None:
                if len(self.cache) >= self._MAX:
                    self.cache.clear()
                entry = self.cache[key] = self._rasterise(text)
            pixels, dx, dy = entry
            x, y = self._anchor(text)
            if pixels.size:
                renderer.draw_image(gc, x + dx, y + dy, pixels)
        gc.restore()


def _draw(fig, **values) -> None:
    from ..plotting.precision import plot_recommendation

    state = recommendation_state(**values)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
    plot_recommendation(_error_block(state), title=state["title"], max_blocks=MAX_BLOCKS, ax=ax)
    # Anchor every text on a whole pixel, so a text's bitmap is the same wherever it goes.
    from matplotlib.transforms import IdentityTransform

    for text in ax.texts:
        x, y = text.get_transform().transform(text.get_position())
        text.set_transform(IdentityTransform())
        text.set_position((round(float(x)), round(float(y))))
    fig.suptitle(
        DISCLAIMER.rstrip("."), x=0.02, y=0.99, ha="left", fontsize="x-small", color="#b30000"
    )
    ax.set_title(
        "the recommender's plan: green, checked at the primary source; orange, primary paper "
        "not read; grey, no rule",
        fontsize="x-small",
    )
    _SCENES[fig] = {"ax": ax}


def _update(fig, **values):
    from ..plotting.precision import set_recommendation_texts

    scene = _SCENES.get(fig)
    if scene is None:
        return None
    state = recommendation_state(**values)
    texts = set_recommendation_texts(
        scene["ax"], _error_block(state), title=state["title"], max_blocks=MAX_BLOCKS
    )
    bitmaps = scene.get("bitmaps")
    if bitmaps is None:
        bitmaps = scene["bitmaps"] = _TextBitmaps(fig, texts)
        for text in texts:  # drawn by the bitmaps, not by the background
            text.set_animated(True)
    return [bitmaps.artist]


def explore_recommendation(**profile):
    """Explore the teaching recommender: choose a tumour profile, read the plan and why.

    One selector per gene (EGFR sensitising mutation, T790M, C797S and its configuration, MET
    amplification, BCR-ABL1 T315I, BRCA1/2, MLH1 methylation, ABCB1, ERCC1, and an alteration
    outside the course). The figure lists each recommendation: the alteration(s), the option,
    the mechanism, the evidence, the assignment that taught it and the source quality, with a
    ``no rule`` line for anything the table does not cover. **A teaching tool, not clinical
    decision support.**

    Parameters
    ----------
    **profile
        Initial values of the selectors (see :func:`recommendation_state`).

    Returns
    -------
    resistlab.widgets._base.Explorer

    Examples
    --------
    >>> explorer = explore_recommendation(met="present")
    >>> sorted(explorer.controls)[:3]
    ['abcb1', 'bcr_abl1_t315i', 'brca']
    >>> explorer.controls["t790m"].value = "present"
    >>> len(explorer.image.value) > 0
    True
    """
    import ipywidgets as widgets

    from ._base import _LAYOUT, _STYLE, Explorer

    initial = recommendation_state(**profile)  # validates the values
    del initial
    defaults = recommendation_state.__defaults__
    names = list(CHOICES)
    values = dict(zip(names, defaults, strict=True)) | profile
    controls = {
        name: widgets.Dropdown(
            options=list(CHOICES[name]),
            value=values[name],
            description=LABELS[name],
            style=_STYLE,
            layout=_LAYOUT,
        )
        for name in names
    }
    explorer = Explorer(
        controls,
        _draw,
        update=_update,
        figsize=(8.0, 6.0),
        title="From a tumour profile to a plan (teaching tool, not clinical decision support)",
    )
    _prewarm(explorer)
    return explorer


def _prewarm(explorer) -> None:
    """Rasterise the texts of every profile one selector away from the current one.

    Rendering glyphs is what makes a text update slow; these are the profiles a user reaches
    first. Profiles further away are rasterised when first shown, then come from the cache.
    """
    from ..plotting.precision import set_recommendation_texts

    scene = _SCENES.get(explorer.figure)
    if scene is None or scene.get("bitmaps") is None:
        return
    bitmaps, ax = scene["bitmaps"], scene["ax"]
    current = explorer.values()
    for name, options in CHOICES.items():
        for option in options:
            state = recommendation_state(**(current | {name: option}))
            texts = set_recommendation_texts(
                ax, _error_block(state), title=state["title"], max_blocks=MAX_BLOCKS
            )
            bitmaps.warm(texts)
    # The body of a rule's block (mechanism, evidence, assignment) does not depend on the
    # profile: rasterise every rule's body once.
    from ..precision import rule_table

    for row in rule_table().to_dict("records"):
        rec = dict(row, alterations=("",), drugs=())
        texts = set_recommendation_texts(ax, [rec], max_blocks=MAX_BLOCKS)
        bitmaps.warm(texts[2:3])
    state = recommendation_state(**current)
    set_recommendation_texts(ax, _error_block(state), title=state["title"], max_blocks=MAX_BLOCKS)
