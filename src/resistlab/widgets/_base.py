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
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

__all__ = ["Explorer", "float_slider", "log_slider"]

_STYLE = {"description_width": "13em"}
_LAYOUT = widgets.Layout(width="32em")


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
    """A labelled ``FloatLogSlider``; ``low``/``high`` are the values, not exponents."""
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
        readout_format=".3g",
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
    ):
        self.controls = dict(controls)
        self._figure_args = {"figsize": figsize, "dpi": dpi}
        self._positions: list | None = None
        self.figure = self._new_figure()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{figsize[0]}in"))
        self._draw = draw
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
        drawn = time.perf_counter()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
        self.image.value = buffer.getvalue()
        self.timing = {"draw": drawn - start, "render": time.perf_counter() - drawn}

    def _on_change(self, _change) -> None:
        self.refresh()
