"""resistlab.plotting.immunology: nullclines, the phase plane and the ROC plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from resistlab.immunology import kuznetsov_rhs, kuznetsov_steady_states, with_therapy
from resistlab.plotting import nullclines, plot_phase_plane, plot_roc


def test_nullclines_zero_the_right_hand_side():
    """On the effector nullcline dx/dt = 0, on the tumour nullcline dy/dt = 0."""
    params = with_therapy(kill_factor=1.3)
    y, xe, xt = nullclines(params, tumour=[1.0, 5.0, 300.0, 450.0])
    ok = np.isfinite(xe)
    assert ok.sum() >= 2
    np.testing.assert_allclose(kuznetsov_rhs(0, [xe[ok], y[ok]], params)[0], 0.0, atol=1e-12)
    np.testing.assert_allclose(kuznetsov_rhs(0, [xt, y], params)[1], 0.0, atol=1e-12)


def test_phase_plane_marks_the_steady_states():
    """Two stable (dormant, escape) and two unstable states with the paper's parameters; a
    trajectory is drawn as the fifth line."""
    ax = plot_phase_plane(trajectory=([1.0, 0.5], [500.0, 447.0]))
    assert len(ax.lines) == 5
    ss = kuznetsov_steady_states()
    np.testing.assert_allclose(ax.lines[2].get_xdata(), ss.effector[[1, 3]])
    assert len(ax.lines[3].get_xdata()) == 2


def test_roc_plot_and_bad_input():
    """The ROC plot draws chance, curve and point; rates outside [0, 1] are refused."""
    ax = plot_roc([0, 0.2, 1], [0, 0.7, 1], auc=0.75, point=(0.2, 0.7))
    assert "0.75" in ax.lines[1].get_label()
    with pytest.raises(ValueError, match="tpr must be <= 1"):
        plot_roc([0, 1], [0, 1.5])
