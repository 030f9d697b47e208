"""Every explorer's controls read well: labels are not cut, log readouts keep one notation."""

from __future__ import annotations

import re

import ipywidgets
import matplotlib
import pytest

matplotlib.use("Agg")

import resistlab.widgets as widgets

EXPLORERS = sorted(name for name in widgets.__all__ if name.startswith("explore_"))
FONT_PX = 13  # JupyterLab's default UI font size


def _label_width_px(text: str) -> float:
    """Width of ``text`` in DejaVu Sans at the UI font size (wider than most UI fonts)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family="DejaVu Sans", size=FONT_PX)
    width, _, _ = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return width


def _sliders(name):
    explorer = getattr(widgets, name)()
    return [c for c in explorer.controls.values() if isinstance(c, ipywidgets.FloatSlider)
            or isinstance(c, ipywidgets.FloatLogSlider)]  # fmt: skip


@pytest.mark.parametrize("name", EXPLORERS)
def test_slider_labels_fit(name):
    """Each label fits its description width (with 1em of padding), so none ends in '…'."""
    for control in _sliders(name):
        width = control.style.description_width
        em = float(re.fullmatch(r"([\d.]+)em", width)[1])
        need = _label_width_px(control.description) + FONT_PX
        assert need <= em * FONT_PX, (
            f"{name}: label {control.description!r} needs {need:.0f}px, has {em * FONT_PX:.0f}px"
        )


@pytest.mark.parametrize("name", EXPLORERS)
def test_log_sliders_use_one_notation(name):
    """A log slider's readout is in exponent notation along its whole range (a 'g' format
    switches from 1.00e-8 to 0.00000100 part-way)."""
    for control in _sliders(name):
        if isinstance(control, ipywidgets.FloatLogSlider):
            assert control.readout_format.endswith("e"), (name, control.readout_format)
