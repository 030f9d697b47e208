"""A second, separate re-computation of the graded and taught numbers of 01, 02 and 03.

numpy, scipy and pandas only, reading the CSV files of ``data/`` directly: no resistlab code
is imported, and nothing here is shared with ``test_01_02_independent.py`` or
``test_03_independent.py``. The Luria–Delbrück probabilities are built from the probability
generating function (Lea & Coulson 1949; binomial plating as in Stewart et al. 1990 and Zheng
2008) by power-series exponentiation, not by the Ma–Sandri–Sarkar recursion the library uses,
and the dose–response fits use a different optimiser (Nelder–Mead on a log-parametrised
least-squares objective) from the library's. Each test states its claim and where the course
uses the number.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

DATA = Path(__file__).resolve().parents[2] / "data"
CHI2_95 = float(stats.chi2.ppf(0.95, df=1))


def _csv(name):
    return pd.read_csv(DATA / f"{name}.csv", dtype={"experiment": str})


# --- the Luria–Delbrück distribution from its generating function -----------------------------


def _log_pgf_coefficients(n_max, plating):
    """Coefficients c_k of log G(z) / m, k = 0..n_max, for a plated fraction ``plating``.

    Whole plating: log G(z) = m (1 - z)/z * log(1 - z) (Lea & Coulson), whose series is
    -1 + sum_{k>=1} z^k / (k (k + 1)). Partial plating substitutes w = 1 - e + e z:
    log G = m * u log(u) / (1 - u) with u = e (1 - z).
    """
    k = np.arange(n_max + 1, dtype=float)
    if plating == 1.0:
        c = np.empty(n_max + 1)
        c[0] = -1.0
        c[1:] = 1.0 / (k[1:] * (k[1:] + 1.0))
        return c
    e = plating
    a = e / (1.0 - e)
    # u / (1 - u) = a (1 - z) / (1 + a z) = a (1 - z) sum (-a z)^j
    geo = (-a) ** k
    ratio = a * (geo - np.concatenate([[0.0], geo[:-1]]))
    # log u = log e + log(1 - z) = log e - sum_{j>=1} z^j / j
    logu = np.empty(n_max + 1)
    logu[0] = math.log(e)
    logu[1:] = -1.0 / k[1:]
    return np.convolve(ratio, logu)[: n_max + 1]


def _ld_pmf(m, n_max, plating=1.0):
    """P(X = r), r = 0..n_max: exponentiate the series of log G (h_n = sum k l_k h_{n-k} / n)."""
    ell = m * _log_pgf_coefficients(n_max, plating)
    p = np.zeros(n_max + 1)
    p[0] = math.exp(ell[0])
    kl = np.arange(n_max + 1) * ell
    for n in range(1, n_max + 1):
        p[n] = np.dot(kl[1 : n + 1], p[n - 1 :: -1][:n]) / n
    return p


def _loglik(m, counts, plating=1.0):
    counts = np.asarray(counts, dtype=int)
    p = _ld_pmf(m, int(counts.max()), plating)
    return float(np.sum(np.log(p[counts])))


def _mle(counts, plating=1.0):
    res = optimize.minimize_scalar(
        lambda lm: -_loglik(math.exp(lm), counts, plating),
        bounds=(math.log(1e-3), math.log(200.0)),
        method="bounded",
        options={"xatol": 1e-10},
    )
    m_hat = math.exp(res.x)
    top = _loglik(m_hat, counts, plating)

    def gap(m):
        return 2.0 * (top - _loglik(m, counts, plating)) - CHI2_95

    low = optimize.brentq(gap, 1e-6, m_hat, xtol=1e-12)
    high = optimize.brentq(gap, m_hat, 50.0 * m_hat + 10.0, xtol=1e-12)
    return m_hat, (low, high)


def test_pgf_pmf_matches_the_textbook_values():
    """The generating-function pmf gives p0 = e^-m, p1 = m e^-m / 2 (Lea & Coulson) and, with
    plating e, p0 = e^(m e ln e / (1 - e)) — the identity behind 02's corrected p0 estimate."""
    p = _ld_pmf(1.3, 5)
    assert math.isclose(p[0], math.exp(-1.3), rel_tol=1e-12)
    assert math.isclose(p[1], 1.3 * math.exp(-1.3) / 2, rel_tol=1e-12)
    assert math.isclose(_ld_pmf(2.0, 3000).sum(), 1.0, abs_tol=2e-2)  # heavy tail ~ m / r
    q = _ld_pmf(1.3, 5, plating=0.4)
    assert math.isclose(q[0], math.exp(1.3 * 0.4 * math.log(0.4) / 0.6), rel_tol=1e-12)


# --- 02: Luria & Delbrück, Demerec -----------------------------------------------------------


def _experiment(label):
    ld = _csv("luria_delbruck_1943")
    return ld[ld["experiment"] == label]


def test_exp16_mle_and_interval():
    """02 test_ld_mle_exp16: m = 0.694079, 95% profile CI (0.338167, 1.229188), whole plating."""
    m, (lo, hi) = _mle(_experiment("16")["resistant_colonies"])
    assert math.isclose(m, 0.694079, rel_tol=1e-5)
    assert math.isclose(lo, 0.338167, rel_tol=1e-4) and math.isclose(hi, 1.229188, rel_tol=1e-4)


def test_exp16_mle_with_partial_plating():
    """02 test_ld_mle_exp16: with plating efficiency 0.08/0.2 = 0.4, m = 1.186360."""
    rows = _experiment("16")
    eps = float(rows["plated_ml"].iloc[0] / rows["culture_ml"].iloc[0])
    assert eps == pytest.approx(0.4)
    m, _ = _mle(rows["resistant_colonies"], plating=eps)
    assert math.isclose(m, 1.186360, rel_tol=1e-5)


def test_mu_16_is_plated_m_over_bacteria_per_culture():
    """02 test_mu_16: mu = 1.186360 / 5.6e8 = 2.12e-9 per division (N from the CSV column)."""
    rows = _experiment("16")
    n16 = rows["bacteria_per_culture"].unique()
    assert n16.tolist() == [5.6e8]
    m, _ = _mle(rows["resistant_colonies"], plating=0.4)
    assert math.isclose(m / n16[0], 2.11850e-9, rel_tol=1e-4)


def test_demerec_mle_and_interval():
    """02 test_demerec_mle: no zero among 30 cultures; m = 10.843827, CI (8.650538, 13.194765)."""
    counts = _csv("demerec_fluctuation")["resistant_colonies"].to_numpy()
    assert len(counts) == 30 and (counts > 0).all()
    m, (lo, hi) = _mle(counts)
    assert math.isclose(m, 10.843827, rel_tol=1e-5)
    assert math.isclose(lo, 8.650538, rel_tol=1e-4) and math.isclose(hi, 13.194765, rel_tol=1e-4)
    assert not math.isclose(m, counts.mean(), rel_tol=1e-3)  # the mean trap differs


def test_p0_estimates_with_and_without_partial_plating():
    """02 Exercise 1 text: experiment 16 p0 = 11/20 gives m = 0.598 (whole) and 0.979 (e = 0.4);
    the corrected p0 estimate equals the m whose plated p0 is 0.55. Every experiment with a zero
    culture gets a finite estimate; those without (10) and Demerec have none."""
    ld = _csv("luria_delbruck_1943")
    p0 = ld.groupby("experiment")["resistant_colonies"].apply(lambda x: float((x == 0).mean()))
    assert p0["16"] == 0.55 and p0["10"] == 0.0
    assert math.isclose(-math.log(0.55), 0.598, abs_tol=5e-4)
    corrected = 0.6 * math.log(0.55) / (0.4 * math.log(0.4))
    assert math.isclose(corrected, 0.979, abs_tol=5e-4)
    assert math.isclose(_ld_pmf(corrected, 0, plating=0.4)[0], 0.55, rel_tol=1e-12)
    eps = ld.groupby("experiment").apply(
        lambda g: float(g["plated_ml"].iloc[0] / g["culture_ml"].iloc[0]), include_groups=False
    )
    finite = {
        k: (1 - eps[k]) * math.log(v) / (eps[k] * math.log(eps[k])) for k, v in p0.items() if v > 0
    }
    assert "10" not in finite and all(np.isfinite(list(finite.values())))


def test_ld_summary_rows():
    """02 test_ld_summary_table: n, mean, n-1 variance, vmr, p0 of experiments 16, 21a, 10; and
    test_ld_verdict: the smallest vmr is experiment 10's 4.773809523809524."""
    ld = _csv("luria_delbruck_1943")
    want = {
        "16": (20, 11.35, 752.1342105263158, 66.26733132390447, 0.55),
        "21a": (19, 3.789473684210526, 43.8421052631579, 11.569444444444446, 0.631578947368421),
        "10": (8, 24.0, 114.57142857142857, 4.773809523809524, 0.0),
    }
    vmr = {}
    for label, g in ld.groupby("experiment"):
        x = g["resistant_colonies"].to_numpy(float)
        var = float(np.sum((x - x.mean()) ** 2) / (len(x) - 1))
        vmr[label] = var / x.mean()
        if label in want:
            n, mean, v, r, p0 = want[label]
            assert (len(x), x.mean(), (x == 0).mean()) == pytest.approx((n, mean, p0), rel=1e-12)
            assert var == pytest.approx(v, rel=1e-12) and vmr[label] == pytest.approx(r, rel=1e-12)
    assert len(vmr) == 8 and min(vmr, key=vmr.get) == "10"
    assert min(vmr.values()) == pytest.approx(4.773809523809524, rel=1e-12)


def test_culture_sizes_span_about_360_fold():
    """02 statement and datasheet: bacteria per culture from 1.1e8 to 4.0e10, about 360-fold."""
    n = _csv("luria_delbruck_1943").groupby("experiment")["bacteria_per_culture"].first()
    assert n.min() == 1.1e8 and n.max() == 4.0e10
    assert 355 < n.max() / n.min() < 370


def test_goldie_coldman_literals():
    """02 hidden literals: p_detect at 1e9 cells, n_cells_max = 1 - ln(0.9)/1e-7, and the
    p0 literals of test_m_from_p0_values."""
    p = [-math.expm1(-mu * (1e9 - 1)) for mu in (1e-10, 1e-9, 1e-8, 1e-7)]
    assert np.allclose(
        p, [0.09516258187355668, 0.6321205584606783, 0.9999546000697835, 1.0], rtol=1e-9
    )
    assert math.isclose(1 - math.log(0.9) / 1e-7, 1053606.1565782628, rel_tol=1e-12)
    assert math.isclose(-math.log(5 / 8), 0.4700036292457356, rel_tol=1e-12)
    assert math.isclose(-math.log(4 / 10), 0.916290731874155, rel_tol=1e-12)


# --- 01: dose response -------------------------------------------------------------------------


def _dr():
    return _csv("dose_response_72h")


def _hill(d, e0, emax, ec50, h):
    d = np.asarray(d, float)
    with np.errstate(divide="ignore"):
        z = np.clip(h * (np.log(ec50) - np.log(np.where(d > 0, d, 1e-300))), -700, 700)
        frac = 1.0 / (1.0 + np.exp(z))
    return e0 + (emax - e0) * np.where(d > 0, frac, 0.0)


def _fit(d, y, e0=None):
    """Least squares by Nelder–Mead from several starts; returns e0, emax, ec50, h."""
    d, y = np.asarray(d, float), np.asarray(y, float)

    def sse(p):
        if e0 is None:
            a, emax, lec, h = p
        else:
            a, (emax, lec, h) = e0, p
        if h <= 0:
            return 1e9
        return float(np.sum((y - _hill(d, a, emax, math.exp(lec), h)) ** 2))

    best = None
    for lec0 in (-4.0, -2.0, 0.0):
        for h0 in (0.7, 1.5):
            start = [0.2, lec0, h0] if e0 is not None else [1.0, 0.2, lec0, h0]
            r = optimize.minimize(
                sse,
                start,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 40000, "maxfev": 40000},
            )
            if best is None or r.fun < best.fun:
                best = r
    p = best.x
    if e0 is None:
        return p[0], p[1], math.exp(p[2]), p[3]
    return e0, p[0], math.exp(p[1]), p[2]


def _absolute_ic50(e0, emax, ec50, h, level=0.5):
    """Dose where the curve reaches ``level`` (0.5 of the control count)."""
    frac = (e0 - level) / (e0 - emax)
    if not 0 < frac < 1:
        return math.inf
    return ec50 * (frac / (1 - frac)) ** (1 / h)


def _viability(control=np.mean):
    t = _dr()
    end = t[t["time_h"] == 72].copy()
    ref = end[end["dose_uM"] == 0].groupby("cell_line")["cell_count"].agg(control)
    end["v"] = end["cell_count"] / end["cell_line"].map(ref)
    return end


def test_absolute_ic50s_and_index():
    """01 Exercise 2 (graded against the student's own table; values in the text): absolute
    IC50 with e0 fixed at 1 and mean controls — resistant about 0.73 µM, and the parental
    far lower; the resistant plateau is about 0.45."""
    v = _viability()
    fits = {k: _fit(g["dose_uM"], g["v"], e0=1.0) for k, g in v.groupby("cell_line")}
    ic50 = {k: _absolute_ic50(*f) for k, f in fits.items()}
    assert fits["resistant"][1] == pytest.approx(0.45, abs=0.01)
    assert ic50["resistant"] == pytest.approx(0.73, abs=0.01)
    assert ic50["parental"] < ic50["resistant"] / 2
    print("IC50", ic50, "RI", ic50["resistant"] / ic50["parental"], "fits", fits)


def test_fragility_of_the_resistant_absolute_ic50():
    """01 'A fragile number': median controls give about 0.97 µM, a free E0 about 0.55 µM,
    against 0.73 µM — while the parental IC50 barely moves.

    The 0.55 µM holds only for the curve's crossing of half its own fitted E0 (1.06 here); the
    crossing of half the control count (viability 0.5) with the same free-E0 fit is 0.82 µM.
    """
    mean_fit = {
        k: _fit(g["dose_uM"], g["v"], e0=1.0) for k, g in _viability().groupby("cell_line")
    }
    med_fit = {
        k: _fit(g["dose_uM"], g["v"], e0=1.0)
        for k, g in _viability(np.median).groupby("cell_line")
    }
    free_fit = {k: _fit(g["dose_uM"], g["v"]) for k, g in _viability().groupby("cell_line")}
    res_med = _absolute_ic50(*med_fit["resistant"])
    res_free_half_control = _absolute_ic50(*free_fit["resistant"])
    e0, emax, ec50, h = free_fit["resistant"]
    res_free_half_e0 = _absolute_ic50(e0, emax, ec50, h, level=0.5 * e0)
    print(
        "median",
        res_med,
        "free e0 (0.5 of control)",
        res_free_half_control,
        "free e0 (0.5 e0)",
        res_free_half_e0,
        free_fit["resistant"],
    )
    assert res_med == pytest.approx(0.97, abs=0.015)
    assert res_free_half_e0 == pytest.approx(0.55, abs=0.015)
    assert e0 == pytest.approx(1.06, abs=0.01)
    assert res_free_half_control == pytest.approx(0.82, abs=0.015)
    par = [_absolute_ic50(*f["parental"]) for f in (mean_fit, med_fit, free_fit)]
    assert max(par) / min(par) < 1.1


def _gr_table():
    t = _dr()
    x0 = t[t["time_h"] == 0].groupby("cell_line")["cell_count"].mean()
    end = t[t["time_h"] == 72]
    ctrl = end[end["dose_uM"] == 0].groupby("cell_line")["cell_count"].mean()
    tr = end[end["dose_uM"] > 0].copy()
    a, b, c = tr["cell_count"], tr["cell_line"].map(x0), tr["cell_line"].map(ctrl)
    tr["gr"] = 2.0 ** (np.log2(a / b) / np.log2(c / b)) - 1.0
    return tr, np.log2(ctrl / x0)


def _fit_gr(d, y):
    d, y = np.asarray(d, float), np.asarray(y, float)

    def sse(p):
        grinf, lec, h = p
        if h <= 0:
            return 1e9
        return float(np.sum((y - (grinf + (1 - grinf) / (1 + (d / math.exp(lec)) ** h))) ** 2))

    best = min(
        (
            optimize.minimize(
                sse,
                [0.0, s, 1.0],
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 40000},
            )
            for s in (-3.0, -1.5, 0.0)
        ),
        key=lambda r: r.fun,
    )
    grinf, lec, h = best.x
    gr50 = math.exp(lec) * (0.5 / (0.5 - grinf)) ** (1 / h) if grinf < 0.5 else math.inf
    return grinf, math.exp(lec), h, gr50


def test_gr50s_agree_and_the_decision_is_neither():
    """01 Exercises 3–4: the two lines' GR50s are within 2-fold of each other (so GR calls
    'no change' and 'neither' line is less sensitive per division), while the relative-viability
    index exceeds 2; the untreated wells doubled about 3 and 1 times; the simulated truth
    (GEC50 0.15 µM, GRinf -0.15, h 1.2) gives GR50 = 0.12 µM for both."""
    gr, doublings = _gr_table()
    fits = {k: _fit_gr(g["dose_uM"], g["gr"]) for k, g in gr.groupby("cell_line")}
    ratio = fits["resistant"][3] / fits["parental"][3]
    print("GR fits", fits, "ratio", ratio, "doublings", doublings.to_dict())
    assert 0.5 < ratio < 2.0
    assert doublings["parental"] == pytest.approx(3.0, abs=0.3)
    assert doublings["resistant"] == pytest.approx(1.0, abs=0.3)
    truth = 0.15 * (0.5 / 0.65) ** (1 / 1.2)
    for k in fits:
        assert fits[k][3] == pytest.approx(truth, rel=0.35)
    v = _viability()
    ic = {
        k: _absolute_ic50(*_fit(g["dose_uM"], g["v"], e0=1.0)) for k, g in v.groupby("cell_line")
    }
    assert ic["resistant"] / ic["parental"] >= 2.0


def test_hill_and_gr_literals():
    """01 hidden literals: hill(3; 1, 0.2, 1.5, 2) = 0.36, hill(1; 10, 100, 3, 1) = 32.5; the
    GR table of test_gr_table_values gives 2^(2/3) - 1, 0 and 2^(-1/3) - 1 (line A), 0.5 (B)."""
    assert _hill(3.0, 1.0, 0.2, 1.5, 2.0) == pytest.approx(0.36, rel=1e-12)
    assert _hill(1.0, 10.0, 100.0, 3.0, 1.0) == pytest.approx(32.5, rel=1e-12)
    x0, ctrl = np.mean([60, 160, 80]), np.mean([400, 1400, 600])
    a = 2 ** (np.log2(np.array([400, 100, 50]) / x0) / np.log2(ctrl / x0)) - 1
    assert np.allclose(a, [2 ** (2 / 3) - 1, 0.0, 2 ** (-1 / 3) - 1], atol=1e-12)
    assert 2 ** (np.log2(300 / 200) / np.log2(400 / 200)) - 1 == pytest.approx(0.5)


# --- 03: BCR-ABL1 table ------------------------------------------------------------------------

LEVELS = {"imatinib": 2000.0, "dasatinib": 25.0, "ponatinib": 40.0}
GEN = {"imatinib": 1, "dasatinib": 2, "ponatinib": 3}


def _attributed():
    t = _csv("bcr_abl_ic50")
    return t[t["source_quality"] != "unattributed"].reset_index(drop=True)


def test_attributed_rows_are_21_and_exclude_the_four_unsourced_genotypes():
    """03 'The data': 21 attributed rows; Y253H and the three T315I compounds are unattributed."""
    t = _csv("bcr_abl_ic50")
    un = set(t.loc[t["source_quality"] == "unattributed", "mutant"])
    assert un == {"Y253H", "G250E/T315I", "Y253H/T315I", "E255V/T315I"}
    assert len(_attributed()) == 21


def test_fold_resistance_on_attributed_rows():
    """03 Exercise 3: T315M is the single mutant most resistant to ponatinib (577.5/2.1 = 275),
    T315I 3.0-fold; three lower bounds (T315M imatinib and dasatinib, Y253H/E255V imatinib)."""
    t = _attributed()
    wt = t[t["mutant"] == "wild type"].set_index("drug")["ic50_nM"]
    t["fold"] = t["ic50_nM"] / t["drug"].map(wt)
    pon = t[
        (t["drug"] == "ponatinib") & (t["mutant"] != "wild type") & ~t["mutant"].str.contains("/")
    ]
    assert pon.set_index("mutant")["fold"].idxmax() == "T315M"
    assert pon.set_index("mutant")["fold"]["T315M"] == pytest.approx(275.0, rel=1e-9)
    assert pon.set_index("mutant")["fold"]["T315I"] == pytest.approx(3.0, rel=1e-9)
    assert int((t["qualifier"] == ">=").sum()) == 3


def _classify(ic50, level, censored):
    r = ic50 / level
    if censored:
        return "resistant" if r > 1 else "indeterminate"
    return "sensitive" if r <= 0.5 else ("intermediate" if r <= 1 else "resistant")


def test_calls_and_treatment_plan_on_attributed_rows():
    """03 Exercises 4–5: the calls at the teaching levels and the plan
    E255K -> dasatinib, T315I -> ponatinib, Y253H/E255V -> dasatinib (intermediate),
    T315M -> none, wild type -> imatinib."""
    t = _attributed()
    t["ratio"] = t["ic50_nM"] / t["drug"].map(LEVELS)
    t["call"] = [
        _classify(v, LEVELS[d], q == ">=")
        for v, d, q in zip(t["ic50_nM"], t["drug"], t["qualifier"], strict=True)
    ]
    calls = t.set_index(["mutant", "drug"])["call"]
    assert (
        calls[("T315M", "dasatinib")] == "resistant"
        and calls[("Y253H/E255V", "imatinib")] == "resistant"
    )
    assert calls[("Y253H/E255V", "dasatinib")] == "intermediate"

    def choose(mutant):
        rows = t[t["mutant"] == mutant]
        s = rows[rows["call"] == "sensitive"]
        if len(s):
            return min(s["drug"], key=GEN.get)
        i = rows[rows["call"] == "intermediate"]
        return i.loc[i["ratio"].idxmin(), "drug"] if len(i) else "none"

    plan = {m: choose(m) for m in ("E255K", "T315I", "Y253H/E255V", "T315M", "wild type")}
    assert plan == {
        "E255K": "dasatinib",
        "T315I": "ponatinib",
        "Y253H/E255V": "dasatinib",
        "T315M": "none",
        "wild type": "imatinib",
    }


def test_occupancy_literals():
    """03 hidden literals: 30/(30+3) = 0.909090909, 20/(20+2*11) = 0.476190476,
    5/(5+0.5*201) = 0.047393365, fold 201/11 = 18.2727273; loss = 56.87 points."""

    def f(i, ki, atp, km):
        return i / (i + ki * (1 + atp / km))

    assert f(30, 3, 0, 50) == pytest.approx(0.909090909, rel=1e-8)
    assert f(20, 2, 1000, 100) == pytest.approx(0.476190476, rel=1e-8)
    assert f(5, 0.5, 2000, 10) == pytest.approx(0.047393365, rel=1e-7)
    assert 201 / 11 == pytest.approx(18.2727273, rel=1e-8)
    assert 100 * (f(100, 1, 1000, 100) - f(100, 1, 1000, 5)) == pytest.approx(56.87, abs=0.01)
