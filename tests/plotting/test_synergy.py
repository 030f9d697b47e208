"""resistlab.plotting.synergy: the checkerboard heat map."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from resistlab.plotting import plot_checkerboard


def test_mesh_carries_the_values_and_a_symmetric_excess_scale():
    """The mesh holds the matrix; an excess map is centred on 0 (synergy vs antagonism)."""
    _fig, ax = plt.subplots()
    values = np.array([[0.0, 0.1, -0.2], [0.05, 0.0, 0.3]])
    out = plot_checkerboard([0, 1, 2], [0, 1], values, kind="excess", limit=0.3, ax=ax)
    assert out is ax
    mesh = ax.collections[0]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).ravel(), values.ravel())
    assert mesh.get_clim() == (-0.3, 0.3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    plt.close("all")


def test_bad_input():
    """Wrong shape or kind: ValueError."""
    with pytest.raises(ValueError, match="shape"):
        plot_checkerboard([0, 1], [0, 1], np.ones((3, 2)))
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_checkerboard([0, 1], [0, 1], np.ones((2, 2)), kind="bliss")
