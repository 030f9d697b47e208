"""12-nanomedicine: a class of students, graded by nbgrader (see tests/students.py)."""

from __future__ import annotations

import pytest
from helpers import ROOT
from students import Student, check_coverage, grade_class

ASSIGNMENT = "12-nanomedicine"

OC = "def conc_one_compartment(t, dose, volume, clearance):\n"


def _pld(log="np.log", late="t >= 48", tail="c[-1] / lam", cl="20.0 / auc_pld") -> str:
    return (
        "d = plasma[plasma['formulation'] == 'PEG-liposomal doxorubicin'].sort_values('time_h')\n"
        "t = d['time_h'].to_numpy()\n"
        "c = d['concentration_mg_L'].to_numpy()\n"
        f"m = {late}\n"
        f"slope = np.polyfit(t[m], {log}(c[m]), 1)[0]\n"
        "lam = -slope\n"
        "half_life_pld_h = math.log(2) / lam\n"
        f"auc_pld = float(np.trapezoid(c, t) + {tail})\n"
        f"cl_pld = {cl}\n"
    )


FREE = "f = plasma[plasma['formulation'] == 'doxorubicin'].sort_values('time_h')\n"
LIB_FIT = FREE + "fit = fit_two_compartment(f['time_h'], f['concentration_mg_L'], 60.0)\n"


def _curve_fit(log_scale: bool) -> str:
    model = (
        "def model(t, la, a, lb, b):\n"
        "    return np.log(np.exp(la) * np.exp(-np.exp(a) * t)"
        " + np.exp(lb) * np.exp(-np.exp(b) * t))\n"
        if log_scale
        else "def model(t, la, a, lb, b):\n"
        "    return np.exp(la) * np.exp(-np.exp(a) * t) + np.exp(lb) * np.exp(-np.exp(b) * t)\n"
    )
    y = (
        "np.log(f['concentration_mg_L'].to_numpy())"
        if log_scale
        else ("f['concentration_mg_L'].to_numpy()")
    )
    return (
        FREE
        + "from scipy.optimize import curve_fit\n"
        + model
        + f"p, _ = curve_fit(model, f['time_h'].to_numpy(), {y},"
        " p0=np.log([5.0, 8.0, 0.03, 0.02]), maxfev=20000)\n"
        "A, a, B, b = np.exp(p)\n"
        "cl_free = 60.0 / (A / a + B / b)\n"
        "t_half_alpha_free_h = math.log(2) / max(a, b)\n"
        "t_half_beta_free_h = math.log(2) / min(a, b)\n"
    )


def _tumour(k_free="25.0", dose_free="20.0", ratio="pld / free", release="free / pld") -> str:
    return (
        "exposure_ratio, min_release_fraction = {}, {}\n"
        "for name, k_pld in [('leaky', 5.0), ('poorly leaky', 0.8)]:\n"
        f"    free = {k_free} * {dose_free} / 33.0\n"
        "    pld = k_pld * 20.0 / 0.041\n"
        f"    exposure_ratio[name] = {ratio}\n"
        f"    min_release_fraction[name] = {release}\n"
    )


STUDENTS = [
    # ---- Exercise 1: one-compartment concentration
    Student(
        "oc_steps",
        {
            "answer_one_compartment": OC + "    k = clearance / volume\n    c0 = dose / volume\n"
            "    return c0 * np.exp(-k * np.asarray(t, dtype=float))\n"
        },
        why="rate constant and C0 in separate steps",
    ),
    Student(
        "oc_vectorize",
        {
            "answer_one_compartment": OC
            + "    f = np.vectorize(lambda x: dose / volume * math.exp(-clearance / volume * x))\n"
            "    return f(t)\n"
        },
        why="np.vectorize over math.exp",
    ),
    Student(
        "oc_no_volume",
        {"answer_one_compartment": OC + "    return dose * np.exp(-clearance / volume * t)\n"},
        fails={
            "test_one_compartment_values": "divide the dose by V",
            "test_one_compartment_arrays": "Wrong values for an array",
        },
        why="forgets to divide the dose by the volume",
    ),
    Student(
        "oc_k_is_cl",
        {"answer_one_compartment": OC + "    return dose / volume * np.exp(-clearance * t)\n"},
        fails={
            "test_one_compartment_values": "not CL alone",
            "test_one_compartment_arrays": "Wrong values for an array",
        },
        why="uses CL as the rate constant",
    ),
    Student(
        "oc_k_inverted",
        {
            "answer_one_compartment": OC
            + "    return dose / volume * np.exp(-volume / clearance * t)\n"
        },
        fails={
            "test_one_compartment_values": "not V / CL",
            "test_one_compartment_arrays": "Wrong values for an array",
        },
        why="k = V / CL",
    ),
    # ---- Exercise 2: half-life, AUC and clearance
    Student(
        "hl_linregress_loop",
        {
            "answer_half_life_auc": "from scipy.stats import linregress\n"
            "d = plasma.query('formulation == \"PEG-liposomal doxorubicin\"')\n"
            "d = d.sort_values('time_h')\n"
            "ts = list(d['time_h'])\n"
            "cs = list(d['concentration_mg_L'])\n"
            "late = [(x, math.log(y)) for x, y in zip(ts, cs) if x >= 48]\n"
            "fit = linregress([p[0] for p in late], [p[1] for p in late])\n"
            "lam = -fit.slope\n"
            "half_life_pld_h = math.log(2) / lam\n"
            "area = 0.0\n"
            "for i in range(len(ts) - 1):\n"
            "    area += (cs[i] + cs[i + 1]) / 2 * (ts[i + 1] - ts[i])\n"
            "auc_pld = area + cs[-1] / lam\n"
            "cl_pld = 20.0 / auc_pld\n"
        },
        why="scipy linregress and a hand-written trapezoid loop over lists",
    ),
    Student(
        "hl_scipy_trapezoid",
        {
            "answer_half_life_auc": _pld().replace(
                "np.trapezoid(c, t)", "__import__('scipy.integrate').integrate.trapezoid(c, t)"
            )
        },
        why="np.polyfit and scipy's trapezoid",
    ),
    Student(
        "hl_log10",
        {"answer_half_life_auc": _pld(log="np.log10")},
        fails={"test_pld_half_life": "NATURAL log"},
        why="log10 instead of the natural log (AUC consistent with that half-life)",
    ),
    Student(
        "hl_all_points",
        {"answer_half_life_auc": _pld(late="t >= 0")},
        fails={"test_pld_half_life": "terminal phase"},
        why="regresses over every sample, distribution phase included",
    ),
    Student(
        "auc_no_tail",
        {"answer_half_life_auc": _pld(tail="0.0")},
        fails={"test_pld_auc": "add the tail"},
        why="stops the AUC at the last sample",
    ),
    Student(
        "auc_inf",
        {
            "answer_half_life_auc": "half_life_pld_h = float('inf')\n"
            "auc_pld = float('inf')\ncl_pld = 0.0\n"
        },
        fails={"test_pld_half_life": "ln 2 divided by", "test_pld_auc": "not what the course"},
        why="an infinite half-life makes an infinite tail 'consistent' with an infinite AUC",
    ),
    Student(
        "cl_inverted",
        {"answer_half_life_auc": _pld(cl="auc_pld / 20.0")},
        fails={"test_pld_auc": "dose / AUC"},
        why="clearance as AUC over dose",
    ),
    # ---- Exercise 3: two-compartment fit
    Student(
        "fit_curve_fit_log",
        {"answer_fit": _curve_fit(log_scale=True)},
        why="curve_fit of the bi-exponential on log concentrations",
    ),
    Student(
        "fit_from_rates",
        {
            "answer_fit": LIB_FIT + "cl_free = 60.0 / fit.auc\n"
            "t_half_alpha_free_h = math.log(2) / fit.alpha\n"
            "t_half_beta_free_h = math.log(2) / fit.beta\n"
        },
        why="library fit, quantities derived from AUC, alpha and beta",
    ),
    Student(
        "fit_nelder_mead",
        {
            "answer_fit": FREE + "from scipy.optimize import minimize\n"
            "tt = f['time_h'].to_numpy()\n"
            "yy = np.log(f['concentration_mg_L'].to_numpy())\n"
            "def sse(x):\n"
            "    A, a, B, b = np.exp(x)\n"
            "    return np.sum((np.log(A * np.exp(-a * tt) + B * np.exp(-b * tt)) - yy) ** 2)\n"
            "r = minimize(sse, np.log([5.0, 8.0, 0.03, 0.02]), method='Nelder-Mead',\n"
            "             options={'xatol': 1e-10, 'fatol': 1e-14, 'maxiter': 40000,"
            " 'maxfev': 40000})\n"
            "A, a, B, b = np.exp(r.x)\n"
            "cl_free = 60.0 / (A / a + B / b)\n"
            "t_half_alpha_free_h = math.log(2) / max(a, b)\n"
            "t_half_beta_free_h = math.log(2) / min(a, b)\n"
        },
        why="Nelder-Mead on the macro-constants A, alpha, B, beta (another optimiser)",
    ),
    Student(
        "fit_linear_scale",
        {"answer_fit": _curve_fit(log_scale=False)},
        fails={"test_fit_clearance": "LOG", "test_fit_half_lives": "fit on the log scale"},
        why="least squares on the linear concentration scale",
    ),
    Student(
        "fit_minutes",
        {
            "answer_fit": LIB_FIT + "cl_free = fit.clearance\n"
            "t_half_alpha_free_h = 60 * fit.half_life_alpha\n"
            "t_half_beta_free_h = 60 * fit.half_life_beta\n"
        },
        fails={"test_fit_half_lives": "HOURS"},
        why="half-lives in minutes",
    ),
    Student(
        "fit_swapped",
        {
            "answer_fit": LIB_FIT + "cl_free = fit.clearance\n"
            "t_half_alpha_free_h = fit.half_life_beta\n"
            "t_half_beta_free_h = fit.half_life_alpha\n"
        },
        fails={"test_fit_half_lives": "check the order"},
        why="swaps the distribution and terminal half-lives",
    ),
    Student(
        "fit_tail_clearance",
        {
            "answer_fit": LIB_FIT + "m = f['time_h'] >= 8\n"
            "s, i = np.polyfit(f['time_h'][m], np.log(f['concentration_mg_L'][m]), 1)\n"
            "cl_free = 60.0 / (math.exp(i) / -s)\n"
            "t_half_alpha_free_h = fit.half_life_alpha\n"
            "t_half_beta_free_h = fit.half_life_beta\n"
        },
        fails={"test_fit_clearance": "terminal phase alone"},
        why="clearance from the terminal exponential only",
    ),
    # ---- Exercise 4: tumour exposure
    Student(
        "tu_explicit",
        {
            "answer_tumour_exposure": "free_t = 25 * 20 / 33\n"
            "exposure_ratio = {'leaky': 5 * 20 / 0.041 / free_t,"
            " 'poorly leaky': 0.8 * 20 / 0.041 / free_t}\n"
            "min_release_fraction = {k: 1 / v for k, v in exposure_ratio.items()}\n"
        },
        why="explicit arithmetic and a dict comprehension",
    ),
    Student(
        "tu_pandas",
        {
            "answer_tumour_exposure": "tab = pd.DataFrame({'k_free': [25.0, 25.0],"
            " 'k_pld': [5.0, 0.8]}, index=['leaky', 'poorly leaky'])\n"
            "tab['free'] = tab['k_free'] * 20 / 33.0\n"
            "tab['pld'] = tab['k_pld'] * 20 / 0.041\n"
            "exposure_ratio = (tab['pld'] / tab['free']).to_dict()\n"
            "min_release_fraction = (tab['free'] / tab['pld']).to_dict()\n"
        },
        why="a pandas table, columns divided",
    ),
    Student(
        "tu_upside_down",
        {"answer_tumour_exposure": _tumour(ratio="free / pld")},
        fails={"test_exposure_ratio": "Upside down"},
        why="free over liposomal",
    ),
    Student(
        "tu_no_free_partition",
        {"answer_tumour_exposure": _tumour(k_free="1.0", release="1 / exposure_ratio[name]")},
        fails={"test_exposure_ratio": "ITS partition ratio"},
        why="uses the free drug's plasma AUC as its tumour AUC (release consistent)",
    ),
    Student(
        "tu_clinical_dose",
        {"answer_tumour_exposure": _tumour(dose_free="60.0")},
        fails={"test_exposure_ratio": "equal doses"},
        why="free drug at 60 mg/m2",
    ),
    Student(
        "tu_release_not_inverted",
        {"answer_tumour_exposure": _tumour(release="pld / free")},
        fails={"test_min_release": "between 0 and 1"},
        why="gives the exposure ratio as the release fraction",
    ),
    Student(
        "tu_release_complement",
        {"answer_tumour_exposure": _tumour(release="1 - free / pld")},
        fails={"test_min_release": "free / liposomal"},
        why="one minus the needed fraction",
    ),
    Student(
        "tu_percent",
        {"answer_tumour_exposure": _tumour(release="100 * free / pld")},
        fails={"test_min_release": "not a percentage"},
        why="the release as a percentage, as the check cell prints it",
    ),
    Student(
        "tu_own_clearances",
        {
            "answer_tumour_exposure": _tumour()
            .replace("/ 33.0", "/ cl_free")
            .replace("/ 0.041", "/ cl_pld")
        },
        fails={"test_exposure_ratio": "not your own fits"},
        why="the clearances of its own fits (charged once: the release fraction counts)",
    ),
    Student(
        "tu_invented_ratios",
        {
            "answer_tumour_exposure": "exposure_ratio = {'leaky': 4.0, 'poorly leaky': 2.0}\n"
            "min_release_fraction = {k: 1.0 / v for k, v in exposure_ratio.items()}\n"
        },
        fails={
            "test_exposure_ratio": "Tumour AUC = (k_in / k_out) * dose / CL",
            "test_min_release": "the fraction is free / liposomal",
        },
        why="invented ratios and their reciprocals (had earned the release fractions)",
    ),
]


def test_every_exercise_has_its_class():
    check_coverage(ASSIGNMENT, STUDENTS, ROOT)


@pytest.mark.slow
def test_class_is_graded_fairly(make_course):
    grade_class(ASSIGNMENT, STUDENTS, make_course(ASSIGNMENT), ROOT)
