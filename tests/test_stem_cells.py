"""resistlab.stem_cells: self-renewal, the hierarchy under therapy, relapse and SP gating."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from resistlab.stem_cells import (
    in_gate,
    side_population_fraction,
    simulate_hierarchy,
    stem_net_growth_rate,
    time_to_relapse,
)


def test_net_growth_rate_limits():
    """p = 1/2 balances; p = 1 doubles the stem pool at the division rate; p = 0 empties it."""
    assert stem_net_growth_rate(0.5, 3.0) == 0.0
    assert stem_net_growth_rate(1.0, 0.7) == pytest.approx(0.7)
    assert stem_net_growth_rate(0.0, 0.7, 0.1) == pytest.approx(-0.8)
    assert stem_net_growth_rate([0.25, 0.75], [[1.0], [2.0]]).shape == (2, 2)


def test_stem_compartment_grows_at_the_net_rate():
    """S(t) = S0 exp(((2p - 1) lambda - delta - k) t), the analytic solution of the first
    equation."""
    t = np.linspace(0.0, 20.0, 11)
    res = simulate_hierarchy(t, initial=(2.0, 0.0, 0.0), self_renewal=(0.7, 0.4),
                             division_rate=(0.3, 1.0), kill=(0.05, 0.0, 0.0))  # fmt: skip
    rate = stem_net_growth_rate(0.7, 0.3, 0.05)
    np.testing.assert_allclose(res.stem, 2.0 * np.exp(rate * t), rtol=1e-10)


def test_hierarchy_matches_solve_ivp_with_a_therapy_window():
    """The exact piecewise matrix-exponential solution agrees with a numerical ODE solve."""
    ps, pp, ls, lp, dd = 0.6, 0.45, 0.2, 0.8, 0.3
    kill, (on, off) = (0.1, 0.9, 1.2), (5.0, 25.0)

    def rhs(time, x):
        k = kill if on <= time < off else (0.0, 0.0, 0.0)
        s, p, d = x
        return [
            ((2 * ps - 1) * ls - k[0]) * s,
            2 * (1 - ps) * ls * s + ((2 * pp - 1) * lp - k[1]) * p,
            2 * (1 - pp) * lp * p - (dd + k[2]) * d,
        ]

    t = np.linspace(0.0, 60.0, 61)
    ref = solve_ivp(rhs, (0, 60), [1.0, 10.0, 100.0], t_eval=t, rtol=1e-10, atol=1e-12,
                    max_step=0.5)  # fmt: skip
    res = simulate_hierarchy(t, kill=kill, therapy=(on, off))
    np.testing.assert_allclose(res.stem, ref.y[0], rtol=1e-6)
    np.testing.assert_allclose(res.progenitor, ref.y[1], rtol=1e-6)
    np.testing.assert_allclose(res.differentiated, ref.y[2], rtol=1e-6, atol=1e-9)


def test_therapy_that_spares_stem_cells_enriches_them_and_relapse_follows():
    """Killing only progenitors and bulk cells shrinks the tumour, raises the stem fraction
    and the tumour regrows after therapy; adding stem kill delays or prevents relapse."""
    t = np.linspace(0.0, 300.0, 3001)
    conventional = simulate_hierarchy(t, kill=(0.0, 1.0, 1.0), therapy=(0.0, 30.0))
    i30 = 300
    assert conventional.total[i30] < 0.1 * conventional.total[0]
    assert conventional.stem_fraction[i30] > 10 * conventional.stem_fraction[0]
    t_conv = time_to_relapse(t, conventional.total, conventional.total[0])
    assert 30.0 < t_conv < 300.0
    targeted = simulate_hierarchy(t, kill=(0.1, 1.0, 1.0), therapy=(0.0, 30.0))
    t_targ = time_to_relapse(t, targeted.total, targeted.total[0])
    assert t_targ > t_conv


@settings(derandomize=True, max_examples=40, deadline=None)
@given(ps=st.floats(0.0, 1.0), pp=st.floats(0.0, 1.0), ks=st.floats(0.0, 2.0),
       kp=st.floats(0.0, 2.0))  # fmt: skip
def test_hierarchy_properties(ps, pp, ks, kp):
    """Compartments stay non-negative; the stem pool follows its own net rate whatever
    happens downstream."""
    t = np.array([0.0, 5.0, 10.0])
    res = simulate_hierarchy(t, self_renewal=(ps, pp), kill=(ks, kp, 0.5))
    assert np.all(res.stem >= 0) and np.all(res.progenitor >= 0)
    assert np.all(res.differentiated >= 0)
    expected = 1.0 * math.exp(stem_net_growth_rate(ps, 0.2, ks) * 10.0)
    assert res.stem[-1] == pytest.approx(expected, rel=1e-9)


def test_time_to_relapse_interpolates_in_log_size():
    """Between samples 1 and 100 the threshold 10 is crossed half-way in log size."""
    assert time_to_relapse([0, 1, 2, 3], [50.0, 1.0, 100.0, 200.0], 10.0) == pytest.approx(1.5)
    assert time_to_relapse([0, 1, 2], [5.0, 20.0, 30.0], 10.0) == pytest.approx(0.5)
    assert math.isinf(time_to_relapse([0, 1], [20.0, 30.0], 10.0))


def test_gate_square_and_triangle():
    """Ray casting: points inside a square and a triangle, and outside them."""
    square = [(0, 0), (2, 0), (2, 2), (0, 2)]
    np.testing.assert_array_equal(in_gate([1, 3, 1, -1], [1, 1, 3, 1], square),
                                  [True, False, False, False])  # fmt: skip
    tri = [(0, 0), (4, 0), (0, 4)]
    np.testing.assert_array_equal(in_gate([1, 3], [1, 3], tri), [True, False])
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 4, 20000), rng.uniform(0, 4, 20000)
    assert side_population_fraction(x, y, tri) == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: stem_net_growth_rate(1.2, 1.0), "self_renewal_probability must be <= 1"),
        (lambda: stem_net_growth_rate(0.5, -1.0), "division_rate must be >= 0"),
        (lambda: simulate_hierarchy([0.0, 1.0], initial=(1.0, 2.0)), "three values"),
        (lambda: simulate_hierarchy([1.0, 0.0]), "t must be increasing"),
        (lambda: simulate_hierarchy([0.0, 1.0], therapy=(5.0, 1.0)), "stop >= start"),
        (lambda: simulate_hierarchy([0.0, 1.0], kill=(-1.0, 0.0, 0.0)), "kill must be >= 0"),
        (lambda: time_to_relapse([0, 1], [1.0], 1.0), "same shape"),
        (lambda: in_gate([1.0], [1.0], [(0, 0), (1, 1)]), "n >= 3"),
    ],
)
def test_bad_input_is_refused(call, match):
    """Bad input raises a ValueError that names the argument and what was expected."""
    with pytest.raises(ValueError, match=match):
        call()


@settings(derandomize=True, max_examples=80, deadline=None)
@given(diag=st.lists(st.floats(-3.0, 1.0), min_size=3, max_size=3),
       sub=st.lists(st.floats(0.0, 2.0), min_size=2, max_size=2))  # fmt: skip
def test_closed_form_exponential_matches_scipy(diag, sub):
    """The closed-form exponential of the hierarchy's matrix equals scipy.linalg.expm,
    including nearly equal diagonal entries (which fall back to expm)."""
    from scipy.linalg import expm

    from resistlab.stem_cells import _expm_lower

    a, c, f = diag
    m = np.array([[a, 0.0, 0.0], [sub[0], c, 0.0], [0.0, sub[1], f]])
    np.testing.assert_allclose(_expm_lower(m, expm), expm(m), rtol=1e-8, atol=1e-12)
