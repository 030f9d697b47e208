"""resistlab.pk: closed forms, numerical ODE integration of the compartment models, and fits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp, trapezoid

from resistlab.pk import (
    auc_iv,
    auc_trapezoid,
    fit_one_compartment,
    fit_two_compartment,
    half_life,
    one_compartment,
    tumour_auc,
    two_compartment,
    two_compartment_exponents,
)

pos = st.floats(0.05, 50.0, allow_nan=False)
T = np.array([0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 24, 48, 72])


def _ode_two(dose, v1, cl, v2, q, t):
    def rhs(_t, a):
        a1, a2 = a
        return [-(cl + q) / v1 * a1 + q / v2 * a2, q / v1 * a1 - q / v2 * a2]

    sol = solve_ivp(rhs, (0, t[-1]), [dose, 0.0], t_eval=t, method="LSODA",
                    rtol=1e-10, atol=1e-12)  # fmt: skip
    return sol.y[0] / v1


def test_one_compartment_by_hand():
    """C(0) = D/V, and one half-life later the concentration has halved."""
    assert float(one_compartment(0.0, 100.0, 10.0, 1.0)) == pytest.approx(10.0)
    th = float(half_life(10.0, 1.0))
    assert th == pytest.approx(10 * math.log(2))
    assert float(one_compartment(th, 100.0, 10.0, 1.0)) == pytest.approx(5.0)
    assert float(auc_iv(100.0, 2.0)) == pytest.approx(50.0)


def test_one_compartment_matches_ode():
    """The closed form equals solve_ivp on dA/dt = -CL/V * A."""
    sol = solve_ivp(lambda _t, a: -0.7 / 12.0 * a, (0, 72), [50.0], t_eval=T, rtol=1e-10,
                    atol=1e-12)  # fmt: skip
    assert np.allclose(one_compartment(T, 50.0, 12.0, 0.7), sol.y[0] / 12.0, rtol=1e-7)


@pytest.mark.parametrize(
    "v1,cl,v2,q", [(10.0, 1.0, 20.0, 2.0), (2.0, 0.04, 0.7, 0.05), (25.0, 33.0, 975.0, 300.0)]
)
def test_two_compartment_matches_ode(v1, cl, v2, q):
    """The bi-exponential equals numerical integration of the two mass balances."""
    ref = _ode_two(100.0, v1, cl, v2, q, T)
    assert np.allclose(two_compartment(T, 100.0, v1, cl, v2, q), ref, rtol=1e-6, atol=1e-12)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(dose=pos, v1=pos, cl=pos, v2=pos, q=pos)
def test_two_compartment_auc_is_dose_over_cl(dose, v1, cl, v2, q):
    """The integral of the bi-exponential from 0 to infinity is dose/CL, whatever V2 and Q."""
    alpha, beta = two_compartment_exponents(v1, cl, v2, q)
    k21 = q / v2
    a = dose / v1 * (alpha - k21) / (alpha - beta)
    b = dose / v1 * (k21 - beta) / (alpha - beta)
    assert a / alpha + b / beta == pytest.approx(float(auc_iv(dose, cl)), rel=1e-8)
    assert 0 < beta < alpha and a > 0 and b > 0


def test_two_compartment_auc_by_quadrature():
    """Numerical quadrature of C(t) gives dose/CL too."""
    val, _ = quad(lambda t: float(two_compartment(t, 20.0, 2.0, 0.04, 0.7, 0.05)), 0, np.inf,
                  limit=400)  # fmt: skip
    assert val == pytest.approx(500.0, rel=1e-6)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(dose=pos, k=st.floats(0.1, 10.0), v1=pos, cl=pos, v2=pos, q=pos)
def test_linearity_in_dose(dose, k, v1, cl, v2, q):
    """Concentrations scale with the dose, and two doses given together superpose."""
    c1 = two_compartment(T, dose, v1, cl, v2, q)
    assert np.allclose(two_compartment(T, k * dose, v1, cl, v2, q), k * c1, rtol=1e-9)
    both = two_compartment(T, dose + k * dose, v1, cl, v2, q)
    assert np.allclose(both, c1 + two_compartment(T, k * dose, v1, cl, v2, q), rtol=1e-9)


def test_superposition_against_ode_with_a_second_dose():
    """A second bolus at 4 h: the sum of two shifted curves equals the ODE with a dose event."""
    v1, cl, v2, q, dose = 10.0, 1.0, 20.0, 2.0, 100.0
    first = solve_ivp(lambda _t, a: [-(cl + q) / v1 * a[0] + q / v2 * a[1],
                                     q / v1 * a[0] - q / v2 * a[1]],
                      (0, 4), [dose, 0.0], rtol=1e-10, atol=1e-12)  # fmt: skip
    a1, a2 = first.y[:, -1]
    t2 = np.array([4.0, 6.0, 12.0, 24.0])
    second = solve_ivp(lambda _t, a: [-(cl + q) / v1 * a[0] + q / v2 * a[1],
                                      q / v1 * a[0] - q / v2 * a[1]],
                       (4, 24), [a1 + dose, a2], t_eval=t2, rtol=1e-10, atol=1e-12)  # fmt: skip
    model = two_compartment(t2, dose, v1, cl, v2, q) + two_compartment(t2 - 4, dose, v1, cl, v2, q)
    assert np.allclose(model, second.y[0] / v1, rtol=1e-6)


def test_two_compartment_reduces_to_one_when_q_is_tiny():
    """With almost no exchange the central compartment behaves like one compartment."""
    c2 = two_compartment(T, 100.0, 10.0, 1.0, 20.0, 1e-9)
    assert np.allclose(c2, one_compartment(T, 100.0, 10.0, 1.0), rtol=1e-6)


def test_broadcasting():
    """A column of times against a row of doses gives a matrix."""
    out = two_compartment(T[:, None], np.array([10.0, 20.0]), 10.0, 1.0, 20.0, 2.0)
    assert out.shape == (len(T), 2)
    assert np.allclose(out[:, 1], 2 * out[:, 0])
    assert one_compartment(T[:, None], 1.0, np.array([1.0, 2.0, 3.0]), 1.0).shape == (12, 3)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: one_compartment(-1.0, 1.0, 1.0, 1.0), "t must be >= 0"),
        (lambda: one_compartment(1.0, 1.0, 0.0, 1.0), "volume must be > 0"),
        (lambda: half_life(1.0, -2.0), "clearance must be > 0"),
        (lambda: two_compartment(1.0, 1.0, 1.0, 1.0, 1.0, float("nan")), "q must be finite"),
        (lambda: auc_trapezoid([0, 2, 1], [1, 1, 1]), "strictly increasing"),
        (lambda: fit_one_compartment([0, 1, 2], [1.0, 0.0, 0.5], 1.0), "drop samples"),
        (lambda: fit_one_compartment([0, 1, 2], [1.0, 2.0, 4.0], 1.0), "do not fall"),
        (lambda: fit_one_compartment([0, 1], [1.0, 0.5, 0.2], 1.0), "same shape"),
        (lambda: fit_two_compartment([0, 1, 2], [3.0, 2.0, 1.0], 1.0), "at >= 5 distinct"),
        (lambda: fit_two_compartment(T[:6], np.linspace(1, 2, 6), 1.0), "no terminal"),
        (lambda: tumour_auc(1.0, 0.0, 1.0), "uptake_rate must be > 0"),
        (lambda: two_compartment([1.0, 2.0], 1.0, [1.0, 2.0, 3.0], 1.0, 1.0, 1.0), "broadcast"),
        (lambda: one_compartment([1.0, 2.0], 1.0, [1.0, 2.0, 3.0], 1.0), "broadcast"),
        (
            lambda: fit_two_compartment(T, one_compartment(T, 100.0, 10.0, 1.0), 100.0),
            "no separate distribution phase",
        ),
    ],
)
def test_bad_input_is_a_clear_value_error(call, match):
    """Bad input raises a ValueError that names the problem."""
    with pytest.raises(ValueError, match=match):
        call()


def test_auc_trapezoid_against_closed_form():
    """On a dense grid the trapezoid plus the tail C_last/k converges to dose/CL."""
    t = np.linspace(0, 48, 4001)
    c = one_compartment(t, 100.0, 10.0, 1.0)
    assert auc_trapezoid(t, c, terminal_rate=0.1) == pytest.approx(100.0, rel=1e-5)
    assert auc_trapezoid(t, c) < 100.0


def test_fit_one_compartment_recovers_parameters_from_noisy_data():
    """With 5% log-normal noise (seeded) V and CL are recovered within 10%."""
    rng = np.random.default_rng(1)
    t = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 24])
    c = one_compartment(t, 60.0, 8.0, 0.9) * np.exp(rng.normal(0, 0.05, t.size))
    fit = fit_one_compartment(t, c, 60.0)
    assert fit.volume == pytest.approx(8.0, rel=0.1)
    assert fit.clearance == pytest.approx(0.9, rel=0.1)
    assert fit.half_life == pytest.approx(math.log(2) * fit.volume / fit.clearance)
    assert fit.auc == pytest.approx(60.0 / fit.clearance)
    assert np.allclose(fit.predict(t, 60.0), one_compartment(t, 60.0, fit.volume, fit.clearance))


@pytest.mark.parametrize(
    "v1,cl,v2,q,t",
    [
        (10.0, 1.0, 20.0, 2.0, T),
        (1.9, 0.041, 0.8, 0.06, np.array([0.5, 1, 2, 4, 8, 12, 24, 48, 72, 96, 168, 240.0])),
    ],
)
def test_fit_two_compartment_recovers_parameters(v1, cl, v2, q, t):
    """Exact data give back the four parameters; derived half-lives are ln2/alpha, ln2/beta."""
    fit = fit_two_compartment(t, two_compartment(t, 20.0, v1, cl, v2, q), 20.0)
    assert [fit.v1, fit.clearance, fit.v2, fit.q] == pytest.approx([v1, cl, v2, q], rel=1e-4)
    alpha, beta = two_compartment_exponents(v1, cl, v2, q)
    assert fit.half_life_alpha == pytest.approx(math.log(2) / float(alpha), rel=1e-4)
    assert fit.half_life_beta == pytest.approx(math.log(2) / float(beta), rel=1e-4)
    assert fit.a / fit.alpha + fit.b / fit.beta == pytest.approx(fit.auc, rel=1e-6)
    assert fit.rmse_log < 1e-6


def test_fit_two_compartment_noisy_is_close():
    """With 8% log-normal noise (seeded) CL and the terminal half-life stay within 15%."""
    rng = np.random.default_rng(7)
    c = two_compartment(T, 100.0, 10.0, 1.0, 20.0, 2.0) * np.exp(rng.normal(0, 0.08, T.size))
    fit = fit_two_compartment(T, c, 100.0)
    _, beta = two_compartment_exponents(10.0, 1.0, 20.0, 2.0)
    assert fit.clearance == pytest.approx(1.0, rel=0.15)
    assert fit.half_life_beta == pytest.approx(math.log(2) / float(beta), rel=0.15)


def test_tumour_auc_matches_ode():
    """AUC_T = k_in/k_out * AUC_p, checked by integrating the tumour compartment numerically."""
    k_in, k_out = 0.02, 0.05

    def rhs(t, y):
        return [k_in * float(two_compartment(t, 20.0, 2.0, 0.04, 0.7, 0.05)) - k_out * y[0], 0]

    tt = np.linspace(0, 1500, 3001)
    sol = solve_ivp(rhs, (0, 1500), [0.0, 0.0], t_eval=tt, rtol=1e-9, atol=1e-12)
    auc_t = trapezoid(sol.y[0], tt)
    assert auc_t == pytest.approx(float(tumour_auc(500.0, k_in, k_out)), rel=1e-3)


def test_course_data_give_the_values_notebook_12_grades():
    """On the shipped simulated profiles the fitters give the numbers notebook 12 grades."""
    from resistlab import datasets

    data = datasets.load("doxorubicin_plasma_simulated")
    free = data[data["formulation"] == "doxorubicin"].sort_values("time_h")
    fit = fit_two_compartment(free["time_h"], free["concentration_mg_L"], 60.0)
    assert fit.clearance == pytest.approx(31.476, rel=1e-3)
    assert fit.half_life_alpha == pytest.approx(0.08348, rel=1e-3)
    assert fit.half_life_beta == pytest.approx(30.82, rel=1e-3)
    pld = data[data["formulation"] == "PEG-liposomal doxorubicin"].sort_values("time_h")
    t, c = pld["time_h"].to_numpy(), pld["concentration_mg_L"].to_numpy()
    late = t >= 48
    lam = -np.polyfit(t[late], np.log(c[late]), 1)[0]
    assert math.log(2) / lam == pytest.approx(54.785, rel=1e-4)
    assert auc_trapezoid(t, c, terminal_rate=lam) == pytest.approx(478.655, rel=1e-5)
