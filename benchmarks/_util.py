"""Small helpers shared by the benchmark scripts (timing summaries and tables)."""

from __future__ import annotations

import statistics


def summary_ms(samples_s: list[float]) -> tuple[float, float]:
    """Median and 95th percentile of a list of durations in seconds, in milliseconds."""
    ordered = sorted(samples_s)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1e3, p95 * 1e3


def print_table(header: tuple[str, ...], rows: list[tuple]) -> None:
    """Print rows as an aligned plain-text table."""
    text = [tuple(str(c) for c in header)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in text) for i in range(len(header))]
    for k, row in enumerate(text):
        print(
            "  ".join(
                c.rjust(w) if k and i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if k == 0:
            print("  ".join("-" * w for w in widths))
