"""Shared checks of the explorers' fast (blitted) updates."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def check_blit_matches_full_draw(factory, changes, *, tolerance=0.5):
    """Move controls one at a time; every blitted image must match a fresh full draw.

    ``changes`` is a sequence of ``(control name, value)``. After each change the explorer
    must have taken the fast path, and its PNG must equal (mean absolute difference below
    ``tolerance`` on the 0-255 scale) the PNG of a new explorer, with blitting switched off,
    drawn from scratch at the same control values.
    """
    explorer = factory()
    first = _pixels(explorer.image.value)
    for name, value in changes:
        explorer.controls[name].value = value
        assert explorer._background is not None, f"{name}={value!r} did not blit"
        blitted = _pixels(explorer.image.value)
        fresh = factory()
        fresh._update = None
        for key, control_value in explorer.values().items():
            fresh.controls[key].value = control_value
        full = _pixels(fresh.image.value)
        assert blitted.shape == full.shape
        difference = np.abs(blitted - full).mean()
        assert difference < tolerance, f"{name}={value!r}: mean pixel difference {difference}"
    assert np.abs(blitted - first).mean() > 0.05  # the changes did show


@pytest.fixture
def blit_check():
    return check_blit_matches_full_draw
