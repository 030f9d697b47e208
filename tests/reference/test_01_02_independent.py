"""Independent re-computation of the numbers 01 and 02 teach and grade.

Only numpy, scipy and the csv module are used here — no resistlab code — so a bug in the
library cannot hide in its own tests. Each test states the number it re-checks and where the
course uses it (hidden tests, text, datasheets).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

DATA = Path(__file__).resolve().parents[2] / "data"


def _rows(name):
    with open(DATA / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- 01: dose response ------------------------------------------------------------------------


def _wells(line):
    rows = [r for r in _rows("dose_response_72h") if r["cell_line"] == line]
    t = np.array([float(r["time_h"]) for r in rows])
    d = np.array([float(r["dose_uM"]) for r in rows])
    x = np.array([float(r["cell_count"]) for r in rows])
    return t, d, x


def _hill(d, e0, emax, ec50, h):
    d = np.asarray(d, float)
    frac = np.where(d > 0, 1.0 / (1.0 + (ec50 / np.where(d > 0, d, 1.0)) ** h), 0.0)
    return e0 + (emax - e0) * frac


def _fit_viability(line, control="mean", free_e0=False):
    """Least-squares 4PL fit of relative viability; returns (e0, emax, ec50, h)."""
    t, d, x = _wells(line)
    end = t == 72
    ref = getattr(np, control)(x[end & (d == 0)])
    dd, v = d[end], x[end] / ref
    if free_e0:

        def model(dose, e0, emax, log_ec50, h):
            return _hill(dose, e0, emax, np.exp(log_ec50), h)

        p, _ = optimize.curve_fit(model, dd, v, p0=[1.0, 0.3, np.log(0.1), 1.0], maxfev=20000)
        return p[0], p[1], math.exp(p[2]), p[3]

    def model(dose, emax, log_ec50, h):
        return _hill(dose, 1.0, emax, np.exp(log_ec50), h)

    p, _ = optimize.curve_fit(model, dd, v, p0=[0.3, np.log(0.1), 1.0], maxfev=20000)
    return 1.0, p[0], math.exp(p[1]), p[2]


def _absolute_ic50(e0, emax, ec50, h):
    """Dose where the Hill curve crosses 0.5 * e0: ec50 * (f / (1 - f))^(1/h)."""
    f = (e0 - 0.5 * e0) / (e0 - emax)
    return math.inf if not 0 < f < 1 else ec50 * (f / (1 - f)) ** (1 / h)


def test_absolute_ic50_and_ri():
    """Absolute IC50s 0.0953 and 0.731 µM, RI 7.67 (01 Exercise 2 hidden test and text)."""
    par = _absolute_ic50(*_fit_viability("parental"))
    res = _absolute_ic50(*_fit_viability("resistant"))
    assert par == pytest.approx(0.0953, rel=0.02)
    assert res == pytest.approx(0.731, rel=0.02)
    assert res / par == pytest.approx(7.67, rel=0.03)


def test_resistant_absolute_ic50_is_fragile():
    """Median control gives ~0.965 µM, free e0 ~0.549 µM (01 'A fragile number' text)."""
    emax = _fit_viability("resistant")[1]
    assert 0.4 < emax < 0.5  # the plateau near 0.45 that makes the crossing ill-conditioned
    assert _absolute_ic50(*_fit_viability("resistant", control="median")) == pytest.approx(
        0.965, rel=0.03
    )
    assert _absolute_ic50(*_fit_viability("resistant", free_e0=True)) == pytest.approx(
        0.549, rel=0.03
    )
    # the parental IC50 hardly moves under the same choices
    base = _absolute_ic50(*_fit_viability("parental"))
    for kwargs in ({"control": "median"}, {"free_e0": True}):
        assert _absolute_ic50(*_fit_viability("parental", **kwargs)) == pytest.approx(
            base, rel=0.05
        )


def test_ec50_ratio_would_change_the_verdict():
    """On EC50s the ratio is ~1.8 (< 2): why the EC50 mistake must not cost the decision."""
    ratio = _fit_viability("resistant")[2] / _fit_viability("parental")[2]
    assert 1.5 < ratio < 2.0


def _gr_fit(line):
    t, d, x = _wells(line)
    x0 = x[t == 0].mean()
    ctrl = x[(t == 72) & (d == 0)].mean()
    sel = (t == 72) & (d > 0)
    gr = 2 ** (np.log2(x[sel] / x0) / np.log2(ctrl / x0)) - 1

    def model(c, grinf, log_gec50, h):
        return grinf + (1 - grinf) / (1 + (c / np.exp(log_gec50)) ** h)

    (grinf, lg, h), _ = optimize.curve_fit(
        model, d[sel], gr, p0=[-0.1, np.log(0.1), 1.0], maxfev=20000
    )
    gr50 = math.exp(lg) * ((1 - grinf) / (0.5 - grinf) - 1) ** (1 / h)
    return gr50, math.log2(ctrl / x0)


def test_gr50_and_doublings():
    """GR50 0.1264 and 0.1354 µM, ratio 1.07; 3 vs 1 doublings (01 Exercises 3-4)."""
    (par, par_doublings), (res, res_doublings) = _gr_fit("parental"), _gr_fit("resistant")
    assert par == pytest.approx(0.1264, rel=0.03)
    assert res == pytest.approx(0.1354, rel=0.03)
    assert res / par == pytest.approx(1.071, rel=0.04)
    assert par_doublings == pytest.approx(3, abs=0.2)
    assert res_doublings == pytest.approx(1, abs=0.2)


# --- 02: fluctuation analysis -----------------------------------------------------------------


def _lea_coulson_pmf(m, n_max, eps=1.0):
    """P(X = 0..n_max) of the Lea–Coulson model, with binomial plating of each mutant.

    The pgf is G(z) = exp(m (1 - z)/z ln(1 - z)); plating each cell with probability eps
    replaces z by 1 - eps + eps z, so log G = m eps (1 - z) ln(eps (1 - z)) / (1 - eps + eps z).
    The coefficients of that series come from numpy convolutions, and the pmf from the
    exponential of a power series: p_n = (1/n) sum_k k a_k p_{n-k}.
    """
    n = n_max + 1
    k = np.arange(n)
    if eps == 1.0:
        # (1 - z) ln(1 - z) / z = -1 + sum_{j>=1} z^j / (j (j + 1))
        a = np.where(k == 0, -1.0, 1.0 / np.maximum(k * (k + 1), 1))
    else:
        log_term = np.where(k == 0, math.log(eps), -1.0 / np.maximum(k, 1))
        linear = np.array([eps, -eps])
        geometric = (-eps / (1 - eps)) ** k / (1 - eps)
        a = np.convolve(np.convolve(linear, log_term)[:n], geometric)[:n]
    a = m * a
    p = np.zeros(n)
    p[0] = math.exp(a[0])
    for j in range(1, n):
        p[j] = np.dot(k[1 : j + 1] * a[1 : j + 1], p[j - 1 :: -1][:j]) / j
    return p


def _mle(counts, eps=1.0):
    counts = np.asarray(counts, int)

    def nll(log_m):
        p = _lea_coulson_pmf(math.exp(log_m), counts.max(), eps)
        return -np.log(p[counts]).sum()

    res = optimize.minimize_scalar(nll, bounds=(math.log(1e-3), math.log(1e3)), method="bounded",
                                   options={"xatol": 1e-10})  # fmt: skip
    m_hat, top = math.exp(res.x), -res.fun
    cut = stats.chi2.ppf(0.95, 1) / 2

    def gap(m):
        return -nll(math.log(m)) - (top - cut)

    return m_hat, (
        optimize.brentq(gap, m_hat / 50, m_hat),
        optimize.brentq(gap, m_hat, m_hat * 50),
    )


def _experiment(label, column="resistant_colonies"):
    return [float(r[column]) for r in _rows("luria_delbruck_1943") if r["experiment"] == label]


def test_mss_recursion_agrees_with_the_series():
    """The series pmf equals the Ma–Sandri–Sarkar recursion at eps = 1 (p_0..p_5 at m = 1)."""
    p = _lea_coulson_pmf(1.0, 5)
    assert p == pytest.approx([0.367879, 0.183940, 0.107298, 0.068977, 0.047454, 0.034329],
                              abs=1e-6)  # fmt: skip


def test_experiment_16_estimates():
    """p0 0.598 (whole cultures), 0.979 (eps 0.4); MLE 0.6941 [0.3382, 1.2292]; 1.1864 plated."""
    counts = _experiment("16")
    p0 = np.mean(np.array(counts) == 0)
    assert -math.log(p0) == pytest.approx(0.5978, abs=1e-4)
    eps = 0.4
    m_p0_plated = (1 - eps) * math.log(p0) / (eps * math.log(eps))
    assert m_p0_plated == pytest.approx(0.979, abs=1e-3)
    # the p0 formula with plating is the eps-pgf at z = 0: p0 = exp(m eps ln eps / (1 - eps))
    assert _lea_coulson_pmf(m_p0_plated, 0, eps)[0] == pytest.approx(p0, rel=1e-9)
    m_hat, ci = _mle(counts)
    assert m_hat == pytest.approx(0.694079, rel=1e-4)
    assert ci == pytest.approx((0.338167, 1.229188), rel=1e-4)
    m_plated, _ = _mle(counts, eps)
    assert m_plated == pytest.approx(1.186360, rel=1e-4)
    # mu = m / N with N = bacteria_per_culture of experiment 16 (Exercise 3d)
    n16 = set(_experiment("16", "bacteria_per_culture"))
    assert n16 == {5.6e8}
    assert m_plated / 5.6e8 == pytest.approx(2.1185e-9, rel=1e-3)


def test_demerec_needs_maximum_likelihood():
    """No zero culture (p0 fails); MLE 10.8438 [8.6505, 13.1948] as in pySalvador's manual."""
    counts = [float(r["resistant_colonies"]) for r in _rows("demerec_fluctuation")]
    assert min(counts) > 0
    m_hat, ci = _mle(counts)
    assert m_hat == pytest.approx(10.843827, rel=1e-5)
    assert ci == pytest.approx((8.650538, 13.194765), rel=1e-5)


def test_culture_sizes_span_about_360_fold():
    """bacteria_per_culture runs from 1.1e8 (21a) to 4.0e10 (10, 11): ~364-fold (02 text)."""
    sizes = {
        r["experiment"]: float(r["bacteria_per_culture"]) for r in _rows("luria_delbruck_1943")
    }
    assert min(sizes.values()) == 1.1e8 and max(sizes.values()) == 4.0e10
    assert max(sizes.values()) / min(sizes.values()) == pytest.approx(364, abs=1)


def test_goldie_coldman_numbers():
    """P at 1e9 cells for four rates, and N for a 10% risk at mu = 1e-7 (02 Exercise 4)."""
    p = 1 - np.exp(-np.array([1e-10, 1e-9, 1e-8, 1e-7]) * (1e9 - 1))
    assert p == pytest.approx([0.0951626, 0.6321206, 0.9999546, 1.0], rel=1e-6)
    n_max = optimize.brentq(lambda n: 1 - math.exp(-1e-7 * (n - 1)) - 0.1, 1, 1e8)
    assert n_max == pytest.approx(1053606.16, rel=1e-6)


def test_cell_loss_means_more_divisions():
    """With death rate d, reaching N cells takes about (N - 1) b / (b - d) divisions (02 text).

    A seeded birth–death walk (birth b = 1, death d = 0.5) from one cell to N = 500, kept
    only if it does not go extinct: the mean number of divisions is about 2 (N - 1), so
    Goldie–Coldman's N - 1 undercounts them.
    """
    rng = np.random.default_rng(1979)
    n_target, births = 500, []
    while len(births) < 200:
        steps = np.where(rng.random(6000) < 1 / 1.5, 1, -1)
        size = 1 + np.cumsum(steps)
        hit = np.flatnonzero(size >= n_target)
        dead = np.flatnonzero(size <= 0)
        if hit.size and (not dead.size or dead[0] > hit[0]):
            births.append(int((steps[: hit[0] + 1] == 1).sum()))
    assert np.mean(births) == pytest.approx(2 * (n_target - 1), rel=0.05)
    assert np.mean(births) > 1.5 * (n_target - 1)
