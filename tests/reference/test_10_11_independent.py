"""Independent recomputation of every graded number in assignments 10 and 11.

Each expected literal in the hidden tests of ``10-targeted-therapy-trials`` and
``11-drug-combinations`` is recomputed here without the course library: numpy, scipy, pandas
and lifelines (the field's standard survival package) only, the CSVs in ``data/`` read
directly, and wherever possible by another route than the notebook's solution:

- Kaplan–Meier tables, medians, the log-rank test and a Cox hazard ratio with lifelines;
- the events-per-person-time hazard ratio as the maximiser of the exponential (Poisson)
  log-likelihood with a group coefficient, found numerically, not from the closed form;
- the power of the two designs analytically (Schoenfeld's formula with the exact expected
  number of events under uniform accrual) and by an own simulation with an own vectorised
  log-rank statistic and another seed;
- the checkerboard scores with pandas pivots, the single-agent Hill curves fitted with
  ``scipy.optimize.curve_fit`` (not the course fitter) and the Loewe isobole solved with
  ``brentq`` on the untransformed equation;
- the resistant-cell numbers by Poisson arithmetic.

``LITERALS`` copies the literals the hidden tests assert; ``test_literals_are_the_notebooks``
checks that each one still stands in the hidden-test block of its graded cell, so a change to
a notebook's expected value or to a dataset makes this file fail until someone recomputes it.
The tests at the end (``test_library_*`` and ``test_solution_*``) hold the course library and
the notebooks' own solution code to the independent values; only they import ``resistlab``.
"""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test as lifelines_logrank
from scipy.optimize import brentq, curve_fit, minimize_scalar
from scipy.stats import chi2, norm

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
NOTEBOOKS = {
    "10": ROOT / "notebooks" / "10-targeted-therapy-trials" / "10-targeted-therapy-trials.ipynb",
    "11": ROOT / "notebooks" / "11-drug-combinations" / "11-drug-combinations.ipynb",
}

# The course's scores and the HSA column of the max(E_A, E_B) mistake, as 11's calls and
# models_agree tests write them (checked below: test_scores_bliss_hsa_loewe, test_hsa_max_mistake).
SCORE_LITERALS = [
    '"bliss": 0.1196, "hsa": 0.1938, "loewe": 0.1952',
    '"bliss": -0.0074, "hsa": 0.0650, "loewe": 0.1037',
    '"bliss": -0.1776, "hsa": -0.1032, "loewe": -0.1379',
    '"pair 1": 0.5375, "pair 2": 0.4266, "pair 3": 0.2407',
]

# (notebook, grade_id) -> literals asserted in that cell's hidden tests, as written there.
LITERALS = {
    ("10", "test_km_values"): ["0.875", "[0.875, 0.75, 0.6, 0.45, 0.225]", "7", "4"],
    ("10", "test_km_structure"): ["[0, 1, 3, 6, 9]", "[0, 1, 2, 0, 0]", "== 5"],
    ("10", "test_median_pfs"): ["188", "121", "16.0", "10.27", "20.87"],
    ("10", "test_hr_function"): ["18 / 11", "(2 / 3) / (3 / 4)", "11 / 18", "2.0"],
    ("10", "test_flaura_hr"): ["0.37", "0.57"],
    ("10", "test_power_values"): ["0.305", "0.07", "0.901", "0.06", "0.5"],
    ("10", "test_power_decision"): [">= 0.8", "0.305", "0.901", "abs_tol=0.07", "abs_tol=0.06"],
    ("11", "test_bliss_values"): ["-0.1", "0.2", "0.1", "0.0"],
    ("11", "test_bliss_arrays"): ["[[0.44, 0.08], [0.2, 0.0]]"],
    ("11", "test_scores_bliss_hsa"): [
        "[0.1196, -0.0074, -0.1776]",
        "[0.1938, 0.0650, -0.1032]",
        "2e-3",
    ],
    ("11", "test_scores_loewe"): ["[0.1952, 0.1037, -0.1379]", "5e-3"],
    ("11", "test_calls"): ["0.05", "-0.05", *SCORE_LITERALS],
    ("11", "test_models_agree"): ["0.05", "-0.05", *SCORE_LITERALS],
    ("11", "test_resistance"): ["1000.0", "2e-6 * 1e9", "1e-3", "math.exp(-1e-3 * (1 - 1e-9))"],
}


def _cell(notebook: str, grade_id: str) -> str:
    cells = json.loads(NOTEBOOKS[notebook].read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return "".join(cell["source"])
    raise AssertionError(f"no cell {grade_id!r} in notebook {notebook}")


def _hidden_block(notebook: str, grade_id: str) -> str:
    source = _cell(notebook, grade_id)
    start = source.index("### BEGIN HIDDEN TESTS")
    return source[start : source.index("### END HIDDEN TESTS")]


@pytest.mark.parametrize(("key", "literals"), LITERALS.items(), ids=lambda v: str(v))
def test_literals_are_the_notebooks(key, literals):
    """Every literal recomputed below is the one the notebook's hidden test asserts."""
    block = _hidden_block(*key)
    for literal in literals:
        assert literal in block, f"{literal} no longer in {key}: recompute it here"


# --------------------------------------------------------------------------------------
# 10 · Kaplan–Meier with lifelines
# --------------------------------------------------------------------------------------

KM_T = [4, 2, 7, 1, 3, 2, 5, 4]
KM_E = [1, 0, 0, 1, 1, 1, 1, 0]


def _km(time, event):
    return KaplanMeierFitter().fit(np.asarray(time, float), np.asarray(event, int))


def test_km_values_fresh_data():
    """S(1..5) = 0.875, 0.75, 0.6, 0.45, 0.225; 7 at risk at t = 2 and 4 at t = 4."""
    km = _km(KM_T, KM_E)
    s = km.survival_function_at_times([1, 2, 3, 4, 5]).to_numpy()
    assert np.allclose(s, [0.875, 0.75, 0.6, 0.45, 0.225], rtol=1e-12)
    table = km.event_table
    assert table.loc[2.0, "at_risk"] == 7
    assert table.loc[4.0, "at_risk"] == 4


def test_km_values_distractor_is_the_stated_mistake():
    """Counting only times > t as at risk (the coached mistake) moves S away from 0.875."""
    t = np.asarray(KM_T, float)
    wrong_n = (t > 1).sum()
    assert 1 - 1 / wrong_n != pytest.approx(0.875)


def test_km_structure_fresh_data():
    """[6,3,3,9,1] with events [0,1,1,0,1]: rows at 0,1,3,6,9; events 0,1,2,0,0; 5 at risk at 0."""
    table = _km([6, 3, 3, 9, 1], [0, 1, 1, 0, 1]).event_table
    assert np.allclose(table.index.to_numpy(float), [0, 1, 3, 6, 9])
    assert np.allclose(table["observed"].to_numpy(float), [0, 1, 2, 0, 0])
    assert table["at_risk"].iloc[0] == 5


def test_km_text_example():
    """The statement's example [2,3,3,5,8], [1,1,0,1,0] ends at S = 0.3 (check_km)."""
    assert _km([2, 3, 3, 5, 8], [1, 1, 0, 1, 0]).survival_function_.iloc[-1, 0] == pytest.approx(
        0.3
    )


# --------------------------------------------------------------------------------------
# 10 · the simulated FLAURA data
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flaura():
    return pd.read_csv(DATA / "flaura_simulated_pfs.csv")


def test_flaura_events_and_medians(flaura):
    """188 control and 121 osimertinib events; KM medians 10.27 and 20.87 months."""
    events = flaura.groupby("arm")["progressed"].sum()
    assert events["standard EGFR-TKI"] == 188 and events["osimertinib"] == 121
    med = {arm: _km(r["pfs_months"], r["progressed"]).median_survival_time_
           for arm, r in flaura.groupby("arm")}  # fmt: skip
    assert med["standard EGFR-TKI"] == pytest.approx(10.27, abs=1e-9)
    assert med["osimertinib"] == pytest.approx(20.87, abs=1e-9)


def test_flaura_median_distractor_below_16(flaura):
    """The coached mistake (plain median of pfs_months, censoring ignored) is below 16 months."""
    osi = flaura[flaura["arm"] == "osimertinib"]
    assert float(osi["pfs_months"].median()) < 16.0
    only_events = osi[osi["progressed"] == 1]
    assert _km(only_events["pfs_months"], only_events["progressed"]).median_survival_time_ < 16.0


def _exponential_mle_hr(time, event, group):
    """HR = exp(beta) maximising the exponential log-likelihood with hazard l0 exp(beta g).

    The baseline rate is profiled out (l0 = D / sum t exp(beta g)); beta is found numerically.
    """
    t, e, g = (np.asarray(x, float) for x in (time, event, group))

    def neg_loglik(beta):
        w = t * np.exp(beta * g)
        lam0 = e.sum() / w.sum()
        return -(np.sum(e * (np.log(lam0) + beta * g)) - lam0 * w.sum())

    res = minimize_scalar(neg_loglik, bounds=(-10, 10), method="bounded",
                          options={"xatol": 1e-12})  # fmt: skip
    return math.exp(res.x)


def test_hr_function_fresh_data():
    """The exponential MLE on the hidden test's data is 11/18 (not 18/11, not (2/3)/(3/4))."""
    hr = _exponential_mle_hr([2, 4, 6, 3, 5, 1, 2], [1, 0, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0, 0])
    assert hr == pytest.approx(11 / 18, rel=1e-7)
    assert not math.isclose(hr, 18 / 11, rel_tol=1e-3)
    assert not math.isclose(hr, (2 / 3) / (3 / 4), rel_tol=1e-3)
    assert _exponential_mle_hr([10, 10, 5, 5], [1, 1, 1, 1], [0, 0, 1, 1]) == pytest.approx(2.0)


def test_flaura_hr_inside_published_ci(flaura):
    """The simulated HR is 0.486 (exponential MLE) and 0.486 (lifelines Cox): inside 0.37-0.57."""
    g = (flaura["arm"] == "osimertinib").astype(int)
    hr = _exponential_mle_hr(flaura["pfs_months"], flaura["progressed"], g)
    assert hr == pytest.approx(0.486, abs=5e-4)
    assert 0.37 <= hr <= 0.57
    cox = CoxPHFitter().fit(
        pd.DataFrame({"t": flaura["pfs_months"], "e": flaura["progressed"], "g": g}), "t", "e"
    )
    assert float(cox.hazard_ratios_["g"]) == pytest.approx(hr, abs=0.01)


def test_flaura_logrank_is_decisive(flaura):
    """The figure's log-rank p-value is of order 1e-10 (lifelines)."""
    osi = flaura["arm"] == "osimertinib"
    res = lifelines_logrank(flaura["pfs_months"][osi], flaura["pfs_months"][~osi],
                            flaura["progressed"][osi], flaura["progressed"][~osi])  # fmt: skip
    assert res.p_value < 1e-8


# --------------------------------------------------------------------------------------
# 10 · power: Schoenfeld with exact expected events, and an own simulation
# --------------------------------------------------------------------------------------

LAMBDA0 = math.log(2) / 10.0  # control median 10 months


def _p_event(lam, accrual=12.0, follow_up=12.0):
    """P(event before analysis) when follow-up is uniform on [follow_up, follow_up + accrual]."""
    return 1 - (math.exp(-lam * follow_up) - math.exp(-lam * (follow_up + accrual))) / (
        lam * accrual
    )


def _schoenfeld_power(n, hr=0.75):
    events = n / 2 * (_p_event(LAMBDA0) + _p_event(LAMBDA0 * hr))
    return norm.cdf(math.sqrt(events / 4) * abs(math.log(hr)) - norm.ppf(0.975))


def _logrank_chi2(time, event, group):
    """Vectorised log-rank chi^2 for continuous times (no ties)."""
    order = np.argsort(time)
    e, g = event[order], group[order]
    n = np.arange(len(time), 0, -1, dtype=float)
    n1 = np.cumsum(g[::-1])[::-1].astype(float)
    p1 = n1 / n
    obs_minus_exp = np.sum(e * (g - p1))
    var = np.sum(e * p1 * (1 - p1))
    return obs_minus_exp**2 / var


def _simulated_power(n, n_trials, rng, hr=0.75):
    hits = 0
    for _ in range(n_trials):
        group = rng.permutation(np.arange(n) % 2)
        entry = rng.uniform(0, 12.0, n)
        t_event = rng.exponential(1 / (LAMBDA0 * np.where(group == 1, hr, 1.0)))
        censor = 24.0 - entry
        time, event = np.minimum(t_event, censor), (t_event <= censor).astype(float)
        hits += chi2.sf(_logrank_chi2(time, event, group), 1) < 0.05
    return hits / n_trials


def test_own_logrank_matches_lifelines():
    """The vectorised log-rank used below equals lifelines' statistic on a simulated trial."""
    rng = np.random.default_rng(7)
    t, e, g = rng.exponential(10, 300), rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    res = lifelines_logrank(t[g == 1], t[g == 0], e[g == 1], e[g == 0])
    assert _logrank_chi2(t, e.astype(float), g) == pytest.approx(res.test_statistic, rel=1e-9)


def test_power_analytic():
    """Schoenfeld: 98 expected events and power 0.30 with 150 patients; 522 and 0.91 with 800."""
    assert _schoenfeld_power(150) == pytest.approx(0.305, abs=0.02)
    assert _schoenfeld_power(800) == pytest.approx(0.901, abs=0.02)


def test_power_simulated_and_fair_tolerance():
    """2000 own simulated trials per design land within 0.025 of the literals 0.305 and 0.901,
    so an honest 400-trial estimate (SE <= 0.025) fails the tolerances with chance < 1%."""
    rng = np.random.default_rng(11)
    small, large = _simulated_power(150, 2000, rng), _simulated_power(800, 2000, rng)
    assert small == pytest.approx(0.305, abs=0.025)
    assert large == pytest.approx(0.901, abs=0.025)
    for truth, literal, tol in ((small, 0.305, 0.07), (large, 0.901, 0.06)):
        se = math.sqrt(truth * (1 - truth) / 400)
        p_fail = norm.cdf((literal - tol - truth) / se) + norm.sf((literal + tol - truth) / se)
        assert p_fail < 0.01, f"an honest student fails with probability {p_fail:.3f}"
    assert small < 0.8 <= large  # the decisions: small inadequate, large adequate


def test_power_discussion_events():
    """Schoenfeld's events for 80% power at alpha 0.05: 379 for HR 0.75, 52 for HR 0.46."""
    z = norm.ppf(0.975) + norm.ppf(0.8)
    assert round(4 * z**2 / math.log(0.75) ** 2) == 379
    assert round(4 * z**2 / math.log(0.46) ** 2) == 52


def test_hr_discussion_exponential_median():
    """An exponential with HR 0.46 and control median 10.2 predicts 22.2 months (not 18.9)."""
    assert 10.2 / 0.46 == pytest.approx(22.17, abs=0.01)


# --------------------------------------------------------------------------------------
# 11 · Bliss, HSA and Loewe on the checkerboards
# --------------------------------------------------------------------------------------


def test_bliss_fresh_values():
    """0.8*0.5 - 0.3 = 0.1; the sign mistake gives -0.1 and the HSA mistake 0.2."""
    assert 0.8 * 0.5 - 0.3 == pytest.approx(0.1)
    assert 0.3 - 0.8 * 0.5 == pytest.approx(-0.1)
    assert min(0.8, 0.5) - 0.3 == pytest.approx(0.2)
    assert 1.0 * 0.3 - 0.3 == pytest.approx(0.0)


def test_bliss_broadcast_values():
    """Column (0.9, 0.5) against row (0.6, 0.2) with E_AB 0.1: [[0.44, 0.08], [0.2, 0.0]]."""
    m = np.outer([0.9, 0.5], [0.6, 0.2]) - 0.1
    assert np.allclose(m, [[0.44, 0.08], [0.2, 0.0]], atol=1e-12)


def _hill_e0_1(d, emax, ec50, h):
    d = np.asarray(d, float)
    return 1.0 + (emax - 1.0) * d**h / (ec50**h + d**h)


def _fit(d, y):
    popt, _ = curve_fit(_hill_e0_1, d, y, p0=(0.2, 0.3, 1.0),
                        bounds=([0.0, 1e-4, 0.1], [1.0, 1e3, 20.0]), maxfev=20000)  # fmt: skip
    return popt  # emax, ec50, h


def _dose_for(e, emax, ec50, h):
    return ec50 * ((1.0 - e) / (e - emax)) ** (1.0 / h)


def _loewe(da, db, fa, fb):
    """Solve da/D_A(E) + db/D_B(E) = 1; below the weaker drug's plateau, that plateau."""
    present = [(d, f) for d, f in ((da, fa), (db, fb)) if d > 0]
    bottom = max(f[0] for _, f in present)
    g = lambda e: sum(d / _dose_for(e, *f) for d, f in present) - 1.0  # noqa: E731
    lo, hi = bottom + 1e-12 * (1 - bottom), 1 - 1e-12 * (1 - bottom)
    if g(lo) >= 0:
        return bottom
    return brentq(g, lo, hi, xtol=1e-14)


@pytest.fixture(scope="module")
def boards():
    out = {}
    for pair, wells in pd.read_csv(DATA / "checkerboard_combinations.csv").groupby("pair"):
        grid = wells.pivot(index="dose_b_uM", columns="dose_a_uM", values="viability")
        grid = grid.sort_index().sort_index(axis=1)
        out[pair] = (grid.columns.to_numpy(float), grid.index.to_numpy(float), grid.to_numpy())
    return out


def _scores(da, db, v):
    ea, eb = v[0, :], v[:, 0]
    fa, fb = _fit(da, ea), _fit(db, eb)
    bliss, hsa, loewe = [], [], []
    for i in range(1, len(db)):
        for j in range(1, len(da)):
            bliss.append(ea[j] * eb[i] - v[i, j])
            hsa.append(min(ea[j], eb[i]) - v[i, j])
            loewe.append(_loewe(da[j], db[i], fa, fb) - v[i, j])
    return np.mean(bliss), np.mean(hsa), np.mean(loewe)


def test_scores_bliss_hsa_loewe(boards):
    """Means over the 25 combination wells: Bliss 0.1196, -0.0074, -0.1776; HSA 0.1938,
    0.0650, -0.1032; Loewe 0.1952, 0.1037, -0.1379 (pairs 1-3)."""
    got = np.array([_scores(*boards[p]) for p in ("pair 1", "pair 2", "pair 3")])
    assert np.allclose(got[:, 0], [0.1196, -0.0074, -0.1776], atol=1e-4)
    assert np.allclose(got[:, 1], [0.1938, 0.0650, -0.1032], atol=1e-4)
    assert np.allclose(got[:, 2], [0.1952, 0.1037, -0.1379], atol=2e-3)


def test_scores_distractors_fail_the_tolerance(boards):
    """Averaging over all 36 wells (single agents included) misses the Bliss literals by > 2e-3."""
    v = boards["pair 1"][2]
    all_wells = np.mean(np.outer(v[:, 0], v[0, :]) - v)
    assert abs(all_wells - 0.1196) > 2e-3


def test_hsa_max_mistake(boards):
    """The weaker drug as HSA reference, max(E_A, E_B), over the 25 combination wells: 0.5375,
    0.4266, 0.2407; its labels change models_agree for pair 3 (HSA synergistic)."""
    got = []
    for p in ("pair 1", "pair 2", "pair 3"):
        _, _, v = boards[p]
        got.append(
            np.mean([max(v[0, j], v[i, 0]) - v[i, j] for i in range(1, 6) for j in range(1, 6)])
        )
    assert np.allclose(got, [0.5375, 0.4266, 0.2407], atol=1e-4)
    assert all(abs(g - r) > 2e-3 for g, r in zip(got, [0.1938, 0.0650, -0.1032], strict=True))


def test_classification_and_agreement():
    """Bliss calls: synergistic, additive, antagonistic (the ground truth); only pair 2 has
    models that disagree (HSA and Loewe call it synergistic)."""

    def label(x):
        return "synergistic" if x > 0.05 else "antagonistic" if x < -0.05 else "additive"

    table = {"pair 1": (0.1196, 0.1938, 0.1952), "pair 2": (-0.0074, 0.0650, 0.1037),
             "pair 3": (-0.1776, -0.1032, -0.1379)}  # fmt: skip
    calls = {p: label(s[0]) for p, s in table.items()}
    assert calls == {"pair 1": "synergistic", "pair 2": "additive", "pair 3": "antagonistic"}
    agree = {p: len({label(x) for x in s}) == 1 for p, s in table.items()}
    assert agree == {"pair 1": True, "pair 2": False, "pair 3": True}


def test_ground_truth_of_generator_is_bliss_relative():
    """(E_A E_B)^gamma: gamma > 1 lowers viability below E_A E_B (synergy under Bliss)."""
    e = np.linspace(0.05, 0.95, 19)
    assert np.all(e**1.6 < e) and np.all(e**0.55 > e)


def test_resistance_numbers():
    """mu N = 1000, mu_A mu_B N = 1e-3 and P(none) = exp(-1e-3 (1 - 1e-9)) = 0.9990005."""
    n, mu = 1e9, 1e-6
    assert mu * n == pytest.approx(1000.0)
    assert mu * mu * n == pytest.approx(1e-3)
    # Poisson: P(0 events) with mean mu^2 (N - 1)
    p0 = math.exp(-(mu * mu) * (n - 1))
    assert p0 == pytest.approx(math.exp(-1e-3 * (1 - 1e-9)), rel=1e-12)
    assert p0 == pytest.approx(1 - 1e-3 + 1e-6 / 2, abs=1e-9)


# --------------------------------------------------------------------------------------
# The course library and the notebooks' solutions against the independent values
# --------------------------------------------------------------------------------------


def test_library_survival_matches_lifelines(flaura):
    """resistlab.survival: KM, medians, log-rank and exponential HR equal lifelines / the MLE."""
    surv = importlib.import_module("resistlab.survival")
    km = surv.kaplan_meier(KM_T, KM_E).set_index("time")
    ref = _km(KM_T, KM_E)
    assert np.allclose(km["survival"], ref.survival_function_at_times(km.index).to_numpy())
    assert np.array_equal(km["at_risk"].to_numpy(), ref.event_table["at_risk"].to_numpy())
    g = (flaura["arm"] == "osimertinib").astype(int)
    for _arm, rows in flaura.groupby("arm"):
        assert surv.median_survival(rows["pfs_months"], rows["progressed"]) == (
            _km(rows["pfs_months"], rows["progressed"]).median_survival_time_
        )
    res = surv.logrank_test(flaura["pfs_months"], flaura["progressed"], g)
    t, e = flaura["pfs_months"], flaura["progressed"]
    ref_lr = lifelines_logrank(t[g == 1], t[g == 0], e[g == 1], e[g == 0])
    assert res.statistic == pytest.approx(ref_lr.test_statistic, rel=1e-9)
    assert res.p_value == pytest.approx(ref_lr.p_value, rel=1e-6)
    hr = surv.hazard_ratio_exponential(flaura["pfs_months"], flaura["progressed"], g)
    assert hr == pytest.approx(_exponential_mle_hr(flaura["pfs_months"], flaura["progressed"], g),
                               rel=1e-6)  # fmt: skip


def test_library_simulate_trial_event_fraction():
    """simulate_trial's event fraction over many patients matches the analytic P(event)."""
    surv = importlib.import_module("resistlab.survival")
    df = surv.simulate_trial(200_000, 10.0, 0.75, 12.0, 12.0, rng=5)
    expected = (_p_event(LAMBDA0) + _p_event(LAMBDA0 * 0.75)) / 2
    assert df["event"].mean() == pytest.approx(expected, abs=0.005)
    assert (df["time"] <= 24.0).all()


def test_library_synergy_matches(boards):
    """resistlab.synergy: Bliss, HSA, Loewe (with the course fitter) and the resistance numbers."""
    syn = importlib.import_module("resistlab.synergy")
    fit_hill = importlib.import_module("resistlab.pharmacology").fit_hill
    expected_scores = {
        "pair 1": (0.1196, 0.1938, 0.1952),
        "pair 2": (-0.0074, 0.0650, 0.1037),
        "pair 3": (-0.1776, -0.1032, -0.1379),
    }
    for pair, expected in expected_scores.items():
        da, db, v = boards[pair]
        ea, eb = v[0, :][None, :], v[:, 0][:, None]
        fa, fb = fit_hill(da, v[0, :], e0=1.0), fit_hill(db, v[:, 0], e0=1.0)
        combo = (slice(1, None), slice(1, None))
        assert syn.bliss_excess(ea, eb, v)[combo].mean() == pytest.approx(expected[0], abs=1e-4)
        assert syn.hsa_excess(ea, eb, v)[combo].mean() == pytest.approx(expected[1], abs=1e-4)
        lo = syn.loewe_excess(da[None, :], db[:, None], v, fa, fb)[combo].mean()
        assert lo == pytest.approx(expected[2], abs=2e-3)
    assert syn.expected_double_resistant(1e-6, 1e-6, 1e9) == pytest.approx(1e-3)
    assert syn.p_no_double_resistant(1e-6, 1e-6, 1e9) == pytest.approx(
        math.exp(-1e-3 * (1 - 1e-9)), rel=1e-12
    )
    assert syn.combination_index(1.0, 2.0, 4.0, 4.0) == pytest.approx(0.75)


def _solution(notebook: str, grade_id: str) -> str:
    lines = _cell(notebook, grade_id).splitlines()
    return "\n".join(line for line in lines if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)  # fmt: skip


def test_solution_km_and_hr_match(flaura):
    """The notebook's own km_estimator and hr_per_person_time give the independent values."""
    ns = {"np": np, "pd": pd, "flaura": flaura}
    exec(_solution("10", "answer_km"), ns)  # the course's own solution code
    exec(_solution("10", "answer_hr"), ns)
    km = ns["km_estimator"](KM_T, KM_E).set_index("time")
    assert np.allclose(km.loc[[1.0, 2.0, 3.0, 4.0, 5.0], "survival"],
                       [0.875, 0.75, 0.6, 0.45, 0.225])  # fmt: skip
    hr = ns["hr_per_person_time"]([2, 4, 6, 3, 5, 1, 2], [1, 0, 1, 1, 1, 1, 0],
                                  [1, 1, 1, 0, 0, 0, 0])  # fmt: skip
    assert hr == pytest.approx(11 / 18, rel=1e-9)
    assert ns["flaura_hr"] == pytest.approx(0.486, abs=5e-4) and ns["hr_within_ci"] is True


def test_solution_bliss_and_resistance_match():
    """The notebook's own bliss() and resistance numbers give the independent values."""
    ns = {"np": np}
    exec(_solution("11", "answer_bliss"), ns)
    exec(_solution("11", "answer_resistance"), ns)
    assert float(ns["bliss"](0.8, 0.5, 0.3)) == pytest.approx(0.1)
    assert np.allclose(ns["bliss"](np.array([[0.9], [0.5]]), np.array([0.6, 0.2]), 0.1),
                       [[0.44, 0.08], [0.2, 0.0]])  # fmt: skip
    assert ns["resistant_one_drug"] == pytest.approx(1000.0)
    assert ns["resistant_two_drugs"] == pytest.approx(1e-3)
    assert ns["p_none_two_drugs"] == pytest.approx(math.exp(-1e-3 * (1 - 1e-9)), rel=1e-12)
