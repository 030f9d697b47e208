"""The shared Explorer: controls drive a pure draw function into a PNG image."""

from __future__ import annotations

import ipywidgets as widgets

from resistlab.widgets._base import Explorer, float_slider, log_slider


def _draw(fig, *, slope, offset):
    ax = fig.add_subplot()
    ax.plot([0, 1], [offset, offset + slope])
    ax.set_title(f"slope={slope:g}")


def test_explorer_renders_and_follows_its_controls():
    """Changing a control redraws: the figure title and the PNG bytes change."""
    ex = Explorer(
        {
            "slope": float_slider("slope", 1.0, 0.0, 5.0, 0.5),
            "offset": log_slider("offset", 1, 0.1, 10),
        },
        _draw,
        title="demo",
    )
    assert isinstance(ex, widgets.VBox)
    first = bytes(ex.image.value)
    assert first.startswith(b"\x89PNG")
    assert ex.figure.axes[0].get_title() == "slope=1"
    ex.controls["slope"].value = 2.5
    assert ex.figure.axes[0].get_title() == "slope=2.5"
    assert bytes(ex.image.value) != first
    assert ex.values() == {"slope": 2.5, "offset": ex.controls["offset"].value}
    assert set(ex.timing) == {"draw", "render"} and min(ex.timing.values()) > 0


def test_log_slider_spans_the_given_values():
    """log_slider takes values, not exponents."""
    s = log_slider("x", 1.0, 0.01, 100.0)
    assert (s.min, s.max, s.base) == (-2.0, 2.0, 10)


def test_update_blits_and_none_falls_back_to_a_full_draw():
    """With ``update``, slider moves redraw only the returned artists; None rebuilds."""
    import io

    import numpy as np
    from PIL import Image

    calls = {"draw": 0}

    def draw(fig, *, slope, rebuild):
        calls["draw"] += 1
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, slope], animated=False)
        ax.set_ylim(0, 5)

    def update(fig, *, slope, rebuild):
        if rebuild:
            return None
        (line,) = fig.axes[0].lines
        line.set_ydata([0, slope])
        return [line]

    controls = {
        "slope": float_slider("slope", 1.0, 0.0, 5.0, 0.1),
        "rebuild": widgets.Checkbox(value=False),
    }
    ex = Explorer(controls, draw, update=update)
    drawn = calls["draw"]
    ex.controls["slope"].value = 3.0
    assert calls["draw"] == drawn and ex._background is not None
    assert set(ex.timing) == {"draw", "render"}
    blitted = np.asarray(Image.open(io.BytesIO(ex.image.value)).convert("RGB"), dtype=float)
    ex.controls["rebuild"].value = True  # update returns None: full draw, no blitting
    assert calls["draw"] == drawn + 1 and ex._background is None
    full = np.asarray(Image.open(io.BytesIO(ex.image.value)).convert("RGB"), dtype=float)
    assert np.abs(blitted - full).mean() < 0.5
