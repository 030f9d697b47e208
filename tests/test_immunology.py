"""resistlab.immunology: the Kuznetsov tumour–immune model, therapy, antigen loss, ROC."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp, trapezoid
from scipy.stats import mannwhitneyu

from resistlab.immunology import (
    KUZNETSOV_PARAMS,
    antigen_loss_rhs,
    kuznetsov_rhs,
    kuznetsov_steady_states,
    roc_auc,
    roc_curve,
    simulate_antigen_loss,
    simulate_kuznetsov,
    with_therapy,
)

# Dimensional parameters of Kuznetsov et al. (1994) as BioModels BIOMD0000000762 and several
# code bases give them (docs: /reference A4.4); the dimensionless ones must follow from them.
S, P, G, M, D, A, B, N = 1.3e4, 0.1245, 2.019e7, 3.422e-10, 0.0412, 0.18, 2.0e-9, 1.101e-7
E0 = T0 = 1e6


def test_default_parameters_follow_from_the_dimensional_ones():
    """sigma = s/(n E0 T0), rho = p/(n T0), eta = g/T0, mu = m/n, delta = d/(n T0),
    alpha = a/(n T0), beta = b T0, to the four significant figures the paper quotes."""
    derived = {"sigma": S / (N * E0 * T0), "rho": P / (N * T0), "eta": G / T0, "mu": M / N,
               "delta": D / (N * T0), "alpha": A / (N * T0), "beta": B * T0}  # fmt: skip
    for key, value in derived.items():
        assert KUZNETSOV_PARAMS[key] == pytest.approx(value, rel=2e-3), key
    assert KUZNETSOV_PARAMS["kappa"] == 1.0


def test_rhs_matches_the_dimensional_model():
    """The dimensionless right-hand side is the dimensional one rescaled:
    dE/dt = n T0 E0 dx/dtau."""
    e, t = 2.3e6, 4.1e7
    de = S + P * e * t / (G + t) - M * e * t - D * e
    dt = A * t * (1 - B * t) - N * e * t
    dx, dy = kuznetsov_rhs(0.0, [e / E0, t / T0])
    assert dx * N * T0 * E0 == pytest.approx(de, rel=2e-3)
    assert dy * N * T0 * T0 == pytest.approx(dt, rel=2e-3)


def test_rhs_literal_values_and_kill_factor():
    """At x = 1, y = 10: dx = 0.1181 + 1.131*10/30.19 - 0.0311 - 0.3743; kappa scales the kill."""
    dx, dy = kuznetsov_rhs(0.0, [1.0, 10.0])
    assert dx == pytest.approx(0.1181 + 11.31 / 30.19 - 0.0311 - 0.3743, rel=1e-12)
    assert dy == pytest.approx(1.636 * 10 * 0.98 - 10.0, rel=1e-12)
    _, dy2 = kuznetsov_rhs(0.0, [1.0, 10.0], {"kappa": 2.0})
    assert dy2 == pytest.approx(dy - 10.0, rel=1e-12)


def test_rhs_broadcasts_over_states():
    """A (2, n) array of states gives the n derivatives column by column."""
    states = np.array([[0.5, 1.0, 2.0], [0.0, 10.0, 300.0]])
    out = kuznetsov_rhs(0.0, states)
    for j in range(3):
        np.testing.assert_allclose(out[:, j], kuznetsov_rhs(0.0, states[:, j]))


@pytest.mark.parametrize(
    ("y", "params", "match"),
    [
        ([1.0, 2.0, 3.0], None, "two values"),
        ([-1.0, 2.0], None, "y must be >= 0"),
        ([1.0, np.nan], None, "finite"),
        ([1.0, 2.0], {"gamma": 1.0}, "unknown parameter 'gamma'"),
        ([1.0, 2.0], {"eta": 0.0}, "eta must be > 0"),
        ([1.0, 2.0], {"delta": -0.1}, "delta must be >= 0"),
    ],
)
def test_bad_input(y, params, match):
    """Wrong shapes, negative cells, NaN and unknown or negative parameters are refused."""
    with pytest.raises(ValueError, match=match):
        kuznetsov_rhs(0.0, y, params)


def test_steady_states_are_zeros_of_the_rhs_and_match_the_known_values():
    """Tumour-free (sigma/delta, 0) saddle; dormant (1.609, 8.190) stable focus; a saddle at
    y = 267.8; escape (0.173, 447.13) stable node (the values the course teaches, recomputed
    here from the cubic, and independently by long integration below)."""
    ss = kuznetsov_steady_states()
    assert ss["stability"].tolist() == ["saddle", "stable focus", "saddle", "stable node"]
    np.testing.assert_allclose(ss["tumour"], [0.0, 8.1897, 267.798, 447.134], atol=2e-3)
    np.testing.assert_allclose(ss["effector"], [0.31552, 1.60920, 0.75977, 0.17298], atol=2e-5)
    for x, y in zip(ss["effector"], ss["tumour"], strict=True):
        np.testing.assert_allclose(kuznetsov_rhs(0.0, [x, y]), 0.0, atol=1e-9)


@pytest.mark.parametrize(("start", "target"), [((1.0, 10.0), 1), ((1.0, 500.0), 3)])
def test_stable_states_are_the_long_time_limits_of_integration(start, target):
    """solve_ivp (Radau, independent of the module's LSODA) from a start in each basin ends on
    the stable state the polynomial gives."""
    ss = kuznetsov_steady_states()
    sol = solve_ivp(lambda t, s: kuznetsov_rhs(t, s), (0, 2000), start, method="Radau",
                    rtol=1e-10, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(sol.y[:, -1], ss.loc[target, ["effector", "tumour"]].to_numpy(
        dtype=float), rtol=1e-5)  # fmt: skip


def test_simulator_matches_an_independent_integration():
    """simulate_kuznetsov agrees with solve_ivp(RK45) at every reported time."""
    t = np.linspace(0, 50, 11)
    ref = solve_ivp(lambda _t, s: kuznetsov_rhs(_t, s), (0, 50), [0.5, 300.0], t_eval=t,
                    method="DOP853", rtol=1e-11, atol=1e-12)  # fmt: skip
    res = simulate_kuznetsov(t, (0.5, 300.0))
    np.testing.assert_allclose(res.tumour, ref.y[1], rtol=1e-5)
    np.testing.assert_allclose(res.effector, ref.y[0], rtol=1e-5)
    assert res.t_days[-1] == pytest.approx(50 / 0.1101)
    assert list(res.to_frame().columns) == ["t", "effector", "tumour"]


def test_checkpoint_blockade_removes_the_escape_state():
    """Raising the kill rate 1.65-fold removes the escape equilibrium (saddle-node between 1.64
    and 1.65); the same tumour that escapes untreated then falls to dormancy."""
    assert len(kuznetsov_steady_states(with_therapy(kill_factor=1.64))) == 4
    assert len(kuznetsov_steady_states(with_therapy(kill_factor=1.65))) == 2
    t = [0.0, 300.0]
    assert simulate_kuznetsov(t, (1.0, 500.0)).tumour[-1] == pytest.approx(447.134, rel=1e-4)
    treated = simulate_kuznetsov(t, (1.0, 500.0), with_therapy(kill_factor=1.5))
    assert treated.tumour[-1] == pytest.approx(6.8254, rel=1e-3)


@settings(max_examples=25, deadline=None)
@given(kappa=st.floats(1.0, 3.0), sigma=st.floats(0.05, 0.5))
def test_steady_states_always_solve_the_rhs(kappa, sigma):
    """For any kill factor and influx, every reported state is a zero of the right-hand side
    and the stable ones have eigenvalues with negative real parts."""
    params = with_therapy({"sigma": sigma}, kill_factor=kappa)
    ss = kuznetsov_steady_states(params)
    for _, row in ss.iterrows():
        np.testing.assert_allclose(kuznetsov_rhs(0.0, [row.effector, row.tumour], params), 0.0,
                                   atol=1e-7)  # fmt: skip
        if row.stability.startswith("stable"):
            assert row.eigenvalue_1.real < 0 and row.eigenvalue_2.real < 0


def test_antigen_loss_reduces_to_the_model_without_the_subclone():
    """With no antigen-negative cells the extension is the original model; the subclone grows
    untouched by effectors and takes over when the positive cells are held dormant."""
    np.testing.assert_allclose(antigen_loss_rhs(0.0, [1.0, 10.0, 0.0])[:2],
                               kuznetsov_rhs(0.0, [1.0, 10.0]))  # fmt: skip
    res = simulate_antigen_loss([0.0, 20.0, 300.0], params=with_therapy(kill_factor=2.0))
    assert res.antigen_negative[-1] / res.tumour[-1] > 0.999
    assert res.tumour[-1] == pytest.approx(500.0, rel=1e-3)
    slow = simulate_antigen_loss([0.0, 300.0], negative_growth=0.0)
    assert slow.antigen_negative[-1] == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="three values"):
        antigen_loss_rhs(0.0, [1.0, 2.0])


def test_roc_auc_ties_count_one_half():
    """Two tied scores across classes contribute one half each."""
    assert roc_auc([1, 1, 2], [0, 1, 1]) == 0.75
    assert roc_auc([3, 3, 3, 3], [0, 1, 0, 1]) == 0.5
    assert roc_auc([0.1, 0.2], [True, False]) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_roc_auc_is_mann_whitney_and_the_curve_area(data):
    """AUC = U/(n1 n0) of scipy's Mann-Whitney test and the trapezoidal area under roc_curve,
    on random integer scores (many ties)."""
    n = data.draw(st.integers(2, 40))
    scores = np.array(data.draw(st.lists(st.integers(0, 6), min_size=n, max_size=n)), float)
    labels = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if labels.min() == labels.max():
        labels[0] = 1 - labels[0]
    auc = roc_auc(scores, labels)
    u = mannwhitneyu(scores[labels == 1], scores[labels == 0]).statistic
    assert auc == pytest.approx(u / ((labels == 1).sum() * (labels == 0).sum()), abs=1e-12)
    fpr, tpr, thr = roc_curve(scores, labels)
    assert trapezoid(tpr, fpr) == pytest.approx(auc, abs=1e-12)
    assert np.all(np.diff(thr) < 0) and fpr[-1] == tpr[-1] == 1.0


def test_roc_auc_matches_scikit_learn_when_installed():
    """Optional: sklearn.metrics.roc_auc_score and roc_curve agree on a seeded example."""
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(13)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.normal(labels * 0.8, 1.0), 1)
    assert roc_auc(scores, labels) == pytest.approx(metrics.roc_auc_score(labels, scores))
    fpr, tpr, _ = roc_curve(scores, labels)
    f2, t2, _ = metrics.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, f2)
    np.testing.assert_allclose(tpr, t2)


@pytest.mark.parametrize(
    ("scores", "labels", "match"),
    [
        ([1, 2], [1, 1], "at least one positive"),
        ([1, 2, 3], [0, 1], "same length"),
        ([1, 2], [0, 2], "0/1"),
        ([1, np.nan], [0, 1], "finite"),
    ],
)
def test_roc_bad_input(scores, labels, match):
    """One class only, mismatched lengths, labels other than 0/1 and NaN scores are refused."""
    with pytest.raises(ValueError, match=match):
        roc_auc(scores, labels)


def test_a_large_effector_start_gives_a_finite_path():
    """500 effectors against 1 tumour cell: the tumour is eliminated, no NaN from an overshoot."""
    res = simulate_kuznetsov([0.0, 300.0], (500.0, 1.0))
    assert np.isfinite(res.tumour).all() and res.tumour[-1] < 1e-6


def test_kill_factor_and_influx_enter_the_steady_states_only_as_a_product():
    """The tumour sizes of the steady states depend on kappa * sigma only (the notebook's
    claim that a 1.65-fold influx removes escape like a 1.65-fold kill rate)."""
    by_kill = kuznetsov_steady_states(with_therapy(kill_factor=1.3))
    by_influx = kuznetsov_steady_states(with_therapy(sigma_factor=1.3))
    np.testing.assert_allclose(by_kill["tumour"], by_influx["tumour"], rtol=1e-9)
    assert len(kuznetsov_steady_states(with_therapy(sigma_factor=1.65))) == 2
