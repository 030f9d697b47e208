"""The one way a ``plot_*`` function gets its axes."""

from __future__ import annotations

__all__ = ["axes_or_new"]


def axes_or_new(ax=None, figsize: tuple[float, float] = (6.4, 4.0)):
    """Return ``ax``, or the axes of a new pyplot figure when ``ax`` is None.

    A new figure goes through pyplot so that a notebook shows it at the end of the
    cell; pass ``ax`` to draw into a figure of your own (the explorers do).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = axes_or_new()
    >>> axes_or_new(ax) is ax
    True
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new
