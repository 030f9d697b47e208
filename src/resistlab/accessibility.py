"""Figures that every student can read: alt text and colour-vision checks.

``describe_figure(fig)`` writes the alt text of a figure from what its axes say (title, axis
labels, series in the legend). The website and the explorers use it, so no figure is shown
without a description of what it plots.

``simulate_cvd(rgb, kind)`` shows a colour as a person with a colour-vision deficiency sees it,
with the matrices of Machado, Oliveira & Fernandes (2009, IEEE TVCG 15:1291–1298) at severity
1.0 (dichromacy), applied in linear RGB. ``series_colour_distance`` is the smallest CIE76 colour
difference (ΔE*ab) between any two series colours, under normal vision and each simulated
deficiency: the tests require the series of every ``plot_*`` figure to stay apart.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = [
    "MIN_DELTA_E",
    "describe_figure",
    "series_colour_distance",
    "series_colours",
    "simulate_cvd",
]

#: Smallest CIE76 ΔE*ab allowed between two series of one figure, under every vision type.
#: About 10 is "clearly different at a glance" for lines and markers.
MIN_DELTA_E = 10.0

_MACHADO = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
         [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip


def _to_linear(rgb):
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _to_srgb(lin):
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def simulate_cvd(rgb, kind: str):
    """sRGB colour(s) in [0, 1] as seen with the deficiency ``kind``.

    Parameters
    ----------
    rgb : array_like, shape (..., 3)
    kind : {"normal", "protanopia", "deuteranopia", "tritanopia"}

    Examples
    --------
    >>> red, green = simulate_cvd([[1, 0, 0], [0, 0.5, 0]], "deuteranopia")
    >>> bool(abs(red[0] - red[1]) < 0.2 and abs(green[0] - green[1]) < 0.2)
    True
    """
    rgb = np.asarray(rgb, dtype=float)
    if kind == "normal":
        return rgb
    if kind not in _MACHADO:
        raise ValueError(f"kind must be 'normal' or one of {sorted(_MACHADO)}, got {kind!r}")
    return _to_srgb(_to_linear(rgb) @ _MACHADO[kind].T)


def _lab(rgb):
    lin = _to_linear(rgb)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def series_colour_distance(colours, kinds=("normal", "protanopia", "deuteranopia", "tritanopia")):
    """Smallest ΔE*ab between two of ``colours`` under each vision type ``kinds``.

    Returns ``{kind: (distance, colour_a, colour_b)}`` (``inf`` with fewer than 2 colours).

    Examples
    --------
    >>> d = series_colour_distance(["#d62728", "#2ca02c"])  # red and green
    >>> bool(d["normal"][0] > 50 and d["deuteranopia"][0] < 20)
    True
    """
    from matplotlib.colors import to_hex, to_rgb

    rgb = np.array([to_rgb(c) for c in colours]).reshape(-1, 3)
    out = {}
    for kind in kinds:
        lab = _lab(simulate_cvd(rgb, kind))
        best = (float("inf"), None, None)
        for i, j in itertools.combinations(range(len(rgb)), 2):
            d = float(np.linalg.norm(lab[i] - lab[j]))
            if d < best[0]:
                best = (d, to_hex(rgb[i]), to_hex(rgb[j]))
        out[kind] = best
    return out


def series_colours(fig) -> list[list[tuple[str, str, str]]]:
    """The labelled series (legend entries) of every axes of ``fig``.

    Returns one list per axes of ``(label, colour, style)``: the colour as a hex string, and a
    style key (line style and marker, or ``"patch"``) -- two series of different style are
    told apart without colour, so only series of the same style need distinct colours.
    """
    from matplotlib.colors import to_hex

    per_axes = []
    for ax in fig.axes:
        series = []
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label.startswith("_"):
                continue
            if hasattr(handle, "get_linestyle") and hasattr(handle, "get_marker"):
                colour = handle.get_color()
                style = f"line {handle.get_linestyle()} {handle.get_marker()}"
            else:
                face = np.asarray(handle.get_facecolor()).reshape(-1, 4)
                if len(face) and face[0][3] > 0:
                    colour = face[0]
                else:
                    colour = np.asarray(handle.get_edgecolor()).reshape(-1, 4)[0]
                style = "patch"
            series.append((label, to_hex(colour, keep_alpha=False), style))
        per_axes.append(series)
    return per_axes


def _clean(text: str) -> str:
    return " ".join(str(text).replace("$", "").split())


def describe_figure(fig) -> str:
    """Alt text for ``fig``: per axes, its title, what is plotted against what, and the series.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.plot([1, 2], [3, 4], label="parental")
    >>> _ = ax.set(title="Dose response", xlabel="dose (µM)", ylabel="viability")
    >>> describe_figure(fig)
    'Figure. Dose response: viability against dose (µM); series: parental.'
    """
    parts = []
    for ax in fig.axes:
        if not ax.get_visible() or (not ax.has_data() and not ax.get_title()):
            continue
        title = _clean(ax.get_title()) or _clean(getattr(ax, "_resistlab_alt", ""))
        x, y = _clean(ax.get_xlabel()), _clean(ax.get_ylabel())
        text = title
        if x and y:
            text += (": " if text else "") + f"{y} against {x}"
        elif x or y:
            text += (": " if text else "") + (x or y)
        labels = [
            _clean(label)
            for label in ax.get_legend_handles_labels()[1]
            if not label.startswith("_")
        ]
        if labels:
            text += ("; " if text else "") + "series: " + ", ".join(labels)
        if text:
            parts.append(text)
    suptitle = getattr(fig, "_suptitle", None)
    head = _clean(suptitle.get_text()) + ". " if suptitle is not None else ""
    body = ". ".join(parts) if parts else "a plot without labels"
    return f"Figure. {head}{body}."
