"""Update latency of every explorer: median and p95 over repeated slider changes.

Each `resistlab.widgets.explore_*()` is built headless; every slider is moved through a
sweep of values across its range, and each change (state computation, drawing and PNG
rendering, i.e. everything the browser waits for) is timed. Target: p95 under 50 ms.
"""

from __future__ import annotations

import time

import numpy as np
from _util import print_table, summary_ms

from resistlab import widgets


def sweep(explorer, changes_per_control: int = 15) -> list[float]:
    samples = []
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
        control.value = original
    return samples


def main() -> None:
    rows = []
    for name in sorted(n for n in widgets.__all__ if n.startswith("explore_")):
        start = time.perf_counter()
        explorer = getattr(widgets, name)()
        build_ms = (time.perf_counter() - start) * 1e3
        samples = sweep(explorer)
        median, p95 = summary_ms(samples)
        rows.append((name, len(samples), f"{build_ms:.0f}", f"{median:.1f}", f"{p95:.1f}",
                     "ok" if p95 < 50 else "SLOW"))  # fmt: skip
    print("Explorer update latency (headless, Agg, PNG render included)\n")
    print_table(("explorer", "updates", "build ms", "median ms", "p95 ms", "< 50 ms"), rows)


if __name__ == "__main__":
    main()
