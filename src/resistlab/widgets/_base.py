"""Shared machinery of every explorer: controls → pure draw function → PNG image.

The figure is a plain :class:`matplotlib.figure.Figure` (no pyplot state) drawn
with the Agg backend and shown through an ``ipywidgets.Image``; a slider change
redraws it in place. Using an image rather than an ``Output`` widget keeps
every update a single widget-state message, which renders the same in
JupyterLab, in headless test runs and under nbval.

Redraws are kept fast in three ways: the axes are laid out once, by a constrained-layout
pass on a scratch figure, and every render reuses those positions on a figure without a
layout engine (so each render draws once and solves no layout); log axes get no minor
ticks (creating them dominates Matplotlib's draw time); the PNG is written with light
compression.

An explorer may also pass ``update(fig, **values)``: it changes the artists of the current
scene in place and returns the ones that changed (or ``None`` when the scene itself must be
rebuilt). The explorer then draws the static scene once, keeps it as a background and, on
each change, restores it and draws only those artists (blitting), which skips Matplotlib's
full redraw; the PNG is encoded straight from the canvas buffer.
"""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Callable, Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

__all__ = ["Explorer", "float_slider", "log_slider"]

# Wide enough for the longest label ("final culture size N (cells)"); tests/widgets measure it.
_STYLE = {"description_width": "18em"}
# (the settings of a layout, not a Layout: each slider makes its own in the kernel that shows
# it; a Layout made when this module is imported belongs to the process that imported it)
_LAYOUT = {"width": "38em"}


def float_slider(description: str, value: float, low: float, high: float, step: float):
    """A labelled ``FloatSlider`` with the course's layout (updates on release)."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=False,
        style=_STYLE,
        layout=_LAYOUT,
        readout_format=".3g",
    )


def log_slider(description: str, value: float, low: float, high: float, step: float = 0.05):
    """A labelled ``FloatLogSlider``; ``low``/``high`` are the values, not exponents.

    The readout is always in exponent notation (``1.00e-8`` ... ``1.00e-6``): a general format
    would switch to fixed notation part-way along the slider.
    """
    import math

    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=math.log10(low),
        max=math.log10(high),
        step=step,
        description=description,
        continuous_update=False,
        style=_STYLE,
        layout=_LAYOUT,
        readout_format=".2e",
    )


def _png(canvas: FigureCanvasAgg) -> bytes:
    """The canvas' RGBA buffer as a PNG: no row filters and light zlib compression.

    Much faster than a general encoder that tries every row filter, for a similar size on
    flat-coloured plots.
    """
    rgba = np.asarray(canvas.buffer_rgba())
    height, width = rgba.shape[:2]
    rows = np.zeros((height, 4 * width + 1), dtype=np.uint8)  # leading 0: filter "none"
    rows[:, 1:] = rgba.reshape(height, -1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


class Explorer(widgets.VBox):
    """An explorer: a column of controls above a figure that follows them.

    Parameters
    ----------
    controls : mapping of str to ipywidgets.ValueWidget
        The keyword name each control's value is passed under.
    draw : callable
        ``draw(fig, **values)``: pure drawing on a cleared figure, usually one
        or more ``resistlab.plotting.plot_*`` calls on ``fig``'s axes.
    figsize : tuple of float
        Figure size in inches.
    title : str, optional
        Shown above the controls.
    update : callable, optional
        ``update(fig, **values) -> list of artists | None``: bring the figure drawn by
        ``draw`` up to date in place (``set_data``, ``set_text``, ...) and return the
        artists that change with the controls; ``None`` asks for a full ``draw``. Returned
        artists are drawn, in z-order, over a cached background of everything else, so an
        axis whose limits change in place must be returned too.

    Attributes
    ----------
    controls : dict
        The controls by keyword name (set ``.value`` to drive the explorer).
    figure : matplotlib.figure.Figure
    image : ipywidgets.Image
        The rendered PNG, refreshed on every change.
    timing : dict
        Seconds spent by the last refresh in ``draw`` (computing and building the
        artists) and ``render`` (rasterising and encoding the PNG).
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.ValueWidget],
        draw: Callable[..., None],
        *,
        figsize: tuple[float, float] = (6.4, 4.0),
        title: str | None = None,
        dpi: int = 90,
        update: Callable[..., list | None] | None = None,
    ):
        self.controls = dict(controls)
        self._figure_args = {"figsize": figsize, "dpi": dpi}
        self._positions: list | None = None
        self.figure = self._new_figure()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{figsize[0]}in"))
        self._draw = draw
        self._update = update
        self._background = None
        children = [widgets.HTML(f"<b>{title}</b>")] if title else []
        children += [*self.controls.values(), self.image]
        super().__init__(children=children)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    def values(self) -> dict:
        """The current value of every control, by keyword name."""
        return {name: control.value for name, control in self.controls.items()}

    def _new_figure(self, layout: str | None = None) -> Figure:
        figure = Figure(layout=layout, **self._figure_args)
        FigureCanvasAgg(figure)
        return figure

    def _layout(self, values: dict) -> list:
        """Axes positions from a constrained-layout pass on a scratch figure."""
        scout = self._new_figure("constrained")
        self._draw(scout, **values)
        scout.draw_without_rendering()
        return [ax.get_position() for ax in scout.axes]

    def refresh(self) -> None:
        """Redraw the figure from the current control values."""
        start = time.perf_counter()
        values = self.values()
        figure = self.figure
        dynamic = None
        if self._update is not None and self._background is not None:
            dynamic = self._update(figure, **values)
        if dynamic is None:
            self._background = None
            self._full_draw(values)
            if self._update is not None:
                dynamic = self._update(figure, **values)
        drawn = time.perf_counter()
        if dynamic is None:
            figure.canvas.draw()
            self.image.value = _png(figure.canvas)
        else:
            self.image.value = self._blit(dynamic)
        self.timing = {"draw": drawn - start, "render": time.perf_counter() - drawn}
        if dynamic is None or self.image.tooltip is None:
            self._describe()

    def _describe(self) -> None:
        """Alt text of the image (its ``tooltip``, the ``title`` a screen reader announces)."""
        from ..accessibility import describe_figure

        text = describe_figure(self.figure)
        if self.image.tooltip != text:
            self.image.tooltip = text

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a static PNG of the current figure and its alt text for
        renderers without a widget manager (a static website, nbconvert, a diff viewer)."""
        import base64

        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:  # the frontend has no widget manager: show the preview only
            bundle = {}
        self._describe()
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = self.image.tooltip
        return bundle

    def _full_draw(self, values: dict) -> None:
        figure = self.figure
        figure.clear()
        self._draw(figure, **values)
        if self._positions is None or len(self._positions) != len(figure.axes):
            self._positions = self._layout(values)
        for ax, position in zip(figure.axes, self._positions, strict=True):
            ax.set_position(position)
            if ax.get_xscale() == "log":
                ax.xaxis.set_minor_locator(NullLocator())
            if ax.get_yscale() == "log":
                ax.yaxis.set_minor_locator(NullLocator())

    def _blit(self, dynamic: list) -> bytes:
        """PNG of the cached background with the dynamic artists drawn over it."""
        canvas = self.figure.canvas
        if self._background is None:
            for artist in dynamic:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in sorted(dynamic, key=lambda artist: artist.get_zorder()):
            if artist.axes is not None:
                artist.axes.draw_artist(artist)
            else:
                self.figure.draw_artist(artist)
        return _png(canvas)

    def _on_change(self, _change) -> None:
        self.refresh()
