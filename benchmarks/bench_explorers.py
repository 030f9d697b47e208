"""Update latency of every explorer: median and p95 over repeated slider changes.

Each `resistlab.widgets.explore_*()` is built headless; every slider is moved through a
sweep of values across its range, and each change (state computation, drawing and PNG
rendering, i.e. everything the browser waits for) is timed. Target: p95 under 50 ms.

The table splits each update into `draw` (the state function plus building the artists)
and `render` (Matplotlib's Agg rasterisation and the PNG encoding), and its first rows are a
one-line explorer measured the same way: the floor that a full Matplotlib redraw sets on
this machine, and the same explorer with an ``update`` (only the line is redrawn, over a
cached background), the floor of the blitted updates the explorers use.
"""

from __future__ import annotations

import time

import numpy as np
from _util import print_table, summary_ms

from resistlab import widgets
from resistlab.widgets._base import Explorer, float_slider


def explore_floor():
    """A one-line explorer: what any Matplotlib explorer costs on this machine."""

    def draw(fig, *, slope):
        fig.add_subplot().plot([0, 1], [0, slope])

    return Explorer({"slope": float_slider("slope", 1.0, 0.0, 5.0, 0.1)}, draw)


def explore_floor_blit():
    """The one-line explorer, blitted: only the line is redrawn on each change."""

    def draw(fig, *, slope):
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, slope])
        ax.set_ylim(-0.25, 5.25)

    def update(fig, *, slope):
        (line,) = fig.axes[0].lines
        line.set_ydata([0, slope])
        return [line]

    return Explorer({"slope": float_slider("slope", 1.0, 0.0, 5.0, 0.1)}, draw, update=update)


def sweep(explorer, changes_per_control: int = 15) -> tuple[list, list, list]:
    samples, draws, renders = [], [], []
    for control in explorer.controls.values():
        if not hasattr(control, "min"):
            options = list(getattr(control, "options", []))
            values = (
                [options[i % len(options)] for i in range(changes_per_control)] if options else []
            )
        else:
            values = np.linspace(control.min, control.max, changes_per_control)
            if type(control).__name__.endswith("LogSlider"):
                values = 10.0**values
            if type(control).__name__.startswith("Int"):
                values = np.unique(np.round(values).astype(int)).tolist()
        original = control.value
        for value in values:
            if value == control.value:
                continue
            start = time.perf_counter()
            control.value = value
            samples.append(time.perf_counter() - start)
            draws.append(explorer.timing["draw"])
            renders.append(explorer.timing["render"])
        control.value = original
    return samples, draws, renders


def main() -> None:
    rows = []
    names = sorted(n for n in widgets.__all__ if n.startswith("explore_"))
    floors = [("(floor: one line)", explore_floor), ("(floor: blitted)", explore_floor_blit)]
    for name, factory in floors + [(n, getattr(widgets, n)) for n in names]:
        start = time.perf_counter()
        explorer = factory()
        build_ms = (time.perf_counter() - start) * 1e3
        samples, draws, renders = sweep(explorer)
        median, p95 = summary_ms(samples)
        rows.append((name, len(samples), f"{build_ms:.0f}", f"{median:.1f}", f"{p95:.1f}",
                     f"{summary_ms(draws)[0]:.1f}", f"{summary_ms(renders)[0]:.1f}",
                     "ok" if p95 < 50 else "SLOW"))  # fmt: skip
    print("Explorer update latency (headless, Agg, PNG render included)\n")
    header = ("explorer", "updates", "build ms", "median ms", "p95 ms", "draw ms", "render ms")
    print_table((*header, "< 50 ms"), rows)


if __name__ == "__main__":
    main()
