"""Tumour–immune dynamics (Kuznetsov et al. 1994), immunotherapy as a change of parameters,
antigen-loss escape, and the ROC curve of a response biomarker.

The Kuznetsov, Makalkin, Taylor & Perelson (1994) model of effector cells :math:`E` and
tumour cells :math:`T` (BCL1 lymphoma in chimeric mice) reads, in cells and days,

.. math::

    \\frac{dE}{dt} = s + \\frac{p\\,E\\,T}{g + T} - m\\,E\\,T - d\\,E, \\qquad
    \\frac{dT}{dt} = a\\,T\\,(1 - b\\,T) - n\\,E\\,T .

With :math:`E_0 = T_0 = 10^6` cells and the time scale :math:`\\tau = n T_0 t` it becomes
the dimensionless system (:func:`kuznetsov_rhs`; :math:`x = E/E_0`, :math:`y = T/T_0`)

.. math::

    \\frac{dx}{d\\tau} = \\sigma + \\frac{\\rho\\,x\\,y}{\\eta + y} - \\mu\\,x\\,y - \\delta\\,x,
    \\qquad
    \\frac{dy}{d\\tau} = \\alpha\\,y\\,(1 - \\beta\\,y) - \\kappa\\,x\\,y,

with :math:`\\sigma = s/(n E_0 T_0) = 0.1181`, :math:`\\rho = p/(n T_0) = 1.131`,
:math:`\\eta = g/T_0 = 20.19`, :math:`\\mu = m/n = 0.00311`, :math:`\\delta = d/(n T_0) =
0.3743`, :math:`\\alpha = a/(n T_0) = 1.636`, :math:`\\beta = b T_0 = 0.002`
(:data:`KUZNETSOV_PARAMS`). One time unit is :math:`1/(n T_0) \\approx 9.08` days.
The dimensional values are the paper's BCL1 fit as BioModels (BIOMD0000000762) and several
independent code bases give them; the 1994 paper's own table and figures were not consulted,
so the steady states below are checked against integration and an independent computation
(``tests/reference/test_13_independent.py``), not against the paper's phase portraits.

**Therapy as a change of parameters.** :math:`\\kappa` is this module's addition (default 1,
which is the paper's model): the kill rate relative to the untreated one,
:math:`\\kappa = n_{therapy}/n`, keeping the untreated :math:`n` in the time and cell
scales, so only the kill term changes. Checkpoint blockade (anti-PD-1/PD-L1) releases a
brake on effector cells that are already there; here it is modelled as a higher kill rate
per effector–tumour encounter, :math:`\\kappa > 1` (:func:`with_therapy`), multiplying only
the kill term :math:`x y` of :math:`\\dot y`. This is a modelling choice of the course, not a
fitted drug effect: effector inactivation (:math:`\\mu`), recruitment (:math:`\\rho`) and
influx (:math:`\\sigma`) are left unchanged, though real blockade changes them too. Raising
the influx :math:`\\sigma` (adoptive transfer, vaccination) is the other usual way to model
immunotherapy with this system.

**Antigen loss** (:func:`antigen_loss_rhs`) splits the tumour into antigen-positive cells
:math:`y_+`, which the effectors recognise and kill, and antigen-negative cells :math:`y_-`,
which they miss; both share the logistic carrying capacity. This is a teaching extension of
the model, not part of the 1994 paper.

The ROC curve (:func:`roc_curve`, :func:`roc_auc`) scores a biomarker (e.g. tumour
mutational burden) against response; the AUC counts ties one half, so it equals the
Mann–Whitney statistic :math:`U/(n_1 n_0)`.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_scalar

__all__ = [
    "KUZNETSOV_PARAMS",
    "KuznetsovResult",
    "antigen_loss_rhs",
    "kuznetsov_rhs",
    "kuznetsov_steady_states",
    "roc_auc",
    "roc_curve",
    "simulate_antigen_loss",
    "simulate_kuznetsov",
    "with_therapy",
]

#: Dimensionless parameters of Kuznetsov et al. (1994), with the kill factor kappa = 1.
KUZNETSOV_PARAMS = {
    "sigma": 0.1181,
    "rho": 1.131,
    "eta": 20.19,
    "mu": 0.00311,
    "delta": 0.3743,
    "alpha": 1.636,
    "beta": 0.002,
    "kappa": 1.0,
}

#: Days per dimensionless time unit, 1 / (n T0) with n = 1.101e-7 /(cell day), T0 = 1e6.
DAYS_PER_UNIT = 1.0 / (1.101e-7 * 1e6)


def _params(params) -> dict:
    """The defaults updated with ``params``, each checked (finite, >= 0; eta > 0)."""
    out = dict(KUZNETSOV_PARAMS)
    if params is None:
        return out
    if not hasattr(params, "items"):
        raise TypeError(
            f"params must be a dict of parameter names to numbers; got {type(params).__name__}."
        )
    for key, value in params.items():
        if key not in KUZNETSOV_PARAMS:
            known = ", ".join(KUZNETSOV_PARAMS)
            raise ValueError(f"unknown parameter {key!r}; expected some of: {known}.")
        out[key] = as_scalar(value, key, low=0, low_inclusive=key != "eta")
    return out


def kuznetsov_rhs(t, y, params=None):
    """Right-hand side of the dimensionless Kuznetsov et al. (1994) tumour–immune model.

    .. math::

        \\dot x = \\sigma + \\frac{\\rho x y}{\\eta + y} - \\mu x y - \\delta x, \\qquad
        \\dot y = \\alpha y (1 - \\beta y) - \\kappa x y

    Parameters
    ----------
    t : float
        Dimensionless time (unused: the model is autonomous; present for ``solve_ivp``).
    y : array_like, shape (2, ...)
        Effector cells ``x`` and tumour cells ``y`` (units of 10^6 cells, >= 0). Extra
        trailing dimensions evaluate many states at once.
    params : dict, optional
        Any of ``sigma, rho, eta, mu, delta, alpha, beta, kappa``; the others keep
        :data:`KUZNETSOV_PARAMS`.

    Returns
    -------
    numpy.ndarray, shape like ``y``
        ``(dx/dt, dy/dt)``.

    Examples
    --------
    >>> dx, dy = kuznetsov_rhs(0.0, [1.0, 10.0])
    >>> round(float(dx), 4), round(float(dy), 4)
    (0.0873, 6.0328)
    >>> kuznetsov_rhs(0.0, [[0.5, 1.0], [0.0, 0.0]]).shape
    (2, 2)
    """
    p = _params(params)
    state = as_array(y, "y", low=0)
    if state.ndim == 0 or state.shape[0] != 2:
        raise ValueError(
            f"y must hold two values (effector x, tumour y) along its first axis; got shape "
            f"{state.shape}."
        )
    return np.stack(_rhs2(state[0], state[1], p))


def _rhs2(x, yy, p):
    """The two derivatives, unchecked; a solver's step below zero is read as zero cells
    (the positive quadrant is invariant, so this changes no exact solution)."""
    x, yy = np.maximum(x, 0.0), np.maximum(yy, 0.0)
    dx = p["sigma"] + p["rho"] * x * yy / (p["eta"] + yy) - p["mu"] * x * yy - p["delta"] * x
    dy = p["alpha"] * yy * (1.0 - p["beta"] * yy) - p["kappa"] * x * yy
    return dx, dy


def with_therapy(params=None, *, kill_factor=1.0, sigma_factor=1.0) -> dict:
    """Parameters under therapy: kill rate and effector influx multiplied.

    Checkpoint blockade: ``kill_factor`` :math:`f` multiplies :math:`\\kappa` (the kill
    rate relative to the untreated :math:`n`). Effector infusion or vaccination:
    ``sigma_factor`` multiplies :math:`\\sigma`.

    Parameters
    ----------
    params : dict, optional
        Starting parameters (defaults: :data:`KUZNETSOV_PARAMS`).
    kill_factor, sigma_factor : float
        Multipliers (>= 0); 1 means no change.

    Returns
    -------
    dict
        A full parameter dict.

    Examples
    --------
    >>> with_therapy(kill_factor=1.5)["kappa"]
    1.5
    >>> round(with_therapy(sigma_factor=2.0)["sigma"], 4)
    0.2362
    """
    p = _params(params)
    p["kappa"] *= as_scalar(kill_factor, "kill_factor", low=0)
    p["sigma"] *= as_scalar(sigma_factor, "sigma_factor", low=0)
    return p


class KuznetsovResult:
    """A trajectory of :func:`simulate_kuznetsov` or :func:`simulate_antigen_loss`.

    Attributes
    ----------
    t : numpy.ndarray
        Dimensionless times.
    effector : numpy.ndarray
        Effector cells x (10^6 cells).
    tumour : numpy.ndarray
        Tumour cells y (10^6 cells); for the antigen-loss model, the total.
    antigen_negative : numpy.ndarray or None
        Antigen-negative tumour cells (antigen-loss model only).
    """

    def __init__(self, t, effector, tumour, antigen_negative=None):
        self.t = t
        self.effector = effector
        self.tumour = tumour
        self.antigen_negative = antigen_negative

    @property
    def t_days(self) -> np.ndarray:
        """Times in days (one dimensionless unit is about 9.08 days)."""
        return self.t * DAYS_PER_UNIT

    def to_frame(self):
        """A pandas DataFrame with columns t, effector, tumour (and antigen_negative)."""
        import pandas as pd

        data = {"t": self.t, "effector": self.effector, "tumour": self.tumour}
        if self.antigen_negative is not None:
            data["antigen_negative"] = self.antigen_negative
        return pd.DataFrame(data)

    def __repr__(self) -> str:
        return (
            f"KuznetsovResult({self.t.size} times, t = {self.t[0]:g}..{self.t[-1]:g}, final "
            f"effector {self.effector[-1]:.4g}, final tumour {self.tumour[-1]:.4g})"
        )


def _times(t):
    times = as_array(t, "t", ndim=1, min_size=2, low=0)
    if np.any(np.diff(times) <= 0):
        raise ValueError("t must be strictly increasing dimensionless times.")
    return times


def _solve(rhs, times, y0, args):
    from scipy.integrate import solve_ivp

    sol = solve_ivp(rhs, (times[0], times[-1]), y0, t_eval=times, args=args, method="LSODA",
                    rtol=1e-8, atol=1e-10)  # fmt: skip
    if not sol.success:  # pragma: no cover - the model is smooth on the positive quadrant
        raise RuntimeError(f"integration failed: {sol.message}")
    return np.maximum(sol.y, 0.0)


def simulate_kuznetsov(t, initial=(1.0, 10.0), params=None) -> KuznetsovResult:
    """Integrate the Kuznetsov model (LSODA, rtol 1e-8) and report it at the times ``t``.

    Parameters
    ----------
    t : array_like
        Strictly increasing dimensionless times (>= 0); the first is the start.
    initial : (x0, y0)
        Effector and tumour cells at the start (10^6 cells, >= 0).
    params : dict, optional
        Model parameters (see :func:`kuznetsov_rhs`; :func:`with_therapy` builds them).

    Returns
    -------
    KuznetsovResult

    Examples
    --------
    Untreated, 500 × 10^6 tumour cells escape to the large equilibrium (y ≈ 447); with the
    kill rate doubled the tumour falls to the dormant state:

    >>> t = [0.0, 200.0]
    >>> round(float(simulate_kuznetsov(t, (1.0, 500.0)).tumour[-1]), 1)
    447.1
    >>> r = simulate_kuznetsov(t, (1.0, 500.0), with_therapy(kill_factor=2.0))
    >>> bool(r.tumour[-1] < 10)
    True
    """
    times = _times(t)
    y0 = as_array(initial, "initial", ndim=1, low=0)
    if y0.size != 2:
        raise ValueError(f"initial must be (effector x0, tumour y0); got {y0.size} values.")
    p = _params(params)
    y = _solve(lambda _t, s: _rhs2(s[0], s[1], p), times, y0, ())
    return KuznetsovResult(times, y[0], y[1])


def kuznetsov_steady_states(params=None):
    """Every steady state with x, y >= 0, and its stability from the Jacobian.

    The tumour-free state is :math:`(\\sigma/\\delta, 0)`. A tumour-bearing state lies on
    the tumour nullcline :math:`x = \\alpha(1 - \\beta y)/\\kappa`; putting this into
    :math:`\\dot x = 0` and multiplying by :math:`\\kappa(\\eta + y)` gives the cubic

    .. math::

        \\kappa\\sigma(\\eta + y) + \\alpha(1 - \\beta y)
        \\left[\\rho y - (\\mu y + \\delta)(\\eta + y)\\right] = 0,

    whose real roots in :math:`0 < y \\le 1/\\beta` are kept. Each state is classified
    from the eigenvalues of the Jacobian: ``stable node``, ``stable focus`` (complex
    eigenvalues: damped oscillations), ``saddle``, ``unstable node``/``unstable focus``.

    Parameters
    ----------
    params : dict, optional

    Returns
    -------
    pandas.DataFrame
        One row per state, sorted by tumour size: ``effector``, ``tumour``, ``stability``,
        ``eigenvalue_1``, ``eigenvalue_2`` (complex).

    Examples
    --------
    With the paper's parameters: tumour-free (a saddle), a dormant state (a stable focus),
    a saddle and the escape state (a stable node):

    >>> ss = kuznetsov_steady_states()
    >>> ss[["effector", "tumour"]].round(3).values.tolist()
    [[0.316, 0.0], [1.609, 8.19], [0.76, 267.798], [0.173, 447.134]]
    >>> ss["stability"].tolist()
    ['saddle', 'stable focus', 'saddle', 'stable node']
    """
    import pandas as pd

    rows = [
        {"effector": xv, "tumour": yv, "stability": kind, "eigenvalue_1": complex(ev[0]),
         "eigenvalue_2": complex(ev[1])}
        for xv, yv, kind, ev in _steady_states(_params(params))
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["effector", "tumour", "stability", "eigenvalue_1",
                                       "eigenvalue_2"])  # fmt: skip


def _steady_states(p):
    """[(x, y, stability, eigenvalues)] sorted by y, for checked parameters ``p``."""
    from numpy.polynomial import polynomial as P

    s, r, e, m, d = p["sigma"], p["rho"], p["eta"], p["mu"], p["delta"]
    a, b, k = p["alpha"], p["beta"], p["kappa"]
    states = []
    if d > 0:
        states.append((s / d, 0.0))
    if k > 0 and a > 0:
        inner = P.polysub([0.0, r], P.polymul([d, m], [e, 1.0]))
        cubic = P.polyadd([k * s * e, k * s], P.polymul([a, -a * b], inner))
        upper = 1.0 / b if b > 0 else np.inf
        for root in P.polyroots(cubic):
            if abs(root.imag) <= 1e-9 * max(1.0, abs(root.real)):
                yv = float(root.real)
                if 0 < yv <= upper * (1 + 1e-12):
                    states.append((a * (1.0 - b * yv) / k, yv))
    out = []
    for xv, yv in sorted(states, key=lambda st: st[1]):
        jac = np.array(
            [
                [r * yv / (e + yv) - m * yv - d, r * xv * e / (e + yv) ** 2 - m * xv],
                [-k * yv, a - 2 * a * b * yv - k * xv],
            ]
        )
        ev = np.linalg.eigvals(jac)
        ev = ev[np.argsort(ev.real)]
        out.append((xv, yv, _classify(ev), ev))
    return out


def _classify(ev) -> str:
    re = ev.real
    if re[0] < 0 < re[1]:
        return "saddle"
    kind = "focus" if abs(ev[0].imag) > 1e-12 else "node"
    if np.all(re < 0):
        return f"stable {kind}"
    if np.all(re > 0):
        return f"unstable {kind}"
    return "non-hyperbolic"


def antigen_loss_rhs(t, y, params=None, *, negative_growth=None):
    """Kuznetsov model with an antigen-negative subclone the effectors miss (extension).

    .. math::

        \\dot x &= \\sigma + \\frac{\\rho x y_+}{\\eta + y_+} - \\mu x y_+ - \\delta x \\\\
        \\dot y_+ &= \\alpha y_+ [1 - \\beta (y_+ + y_-)] - \\kappa x y_+ \\\\
        \\dot y_- &= \\alpha_- y_- [1 - \\beta (y_+ + y_-)]

    Only antigen-positive cells stimulate, inactivate and are killed by effectors; both
    clones compete for the same carrying capacity :math:`1/\\beta`.

    Parameters
    ----------
    t : float
        Unused (autonomous model).
    y : array_like, shape (3, ...)
        ``(x, y_plus, y_minus)`` (>= 0).
    params : dict, optional
        As for :func:`kuznetsov_rhs`.
    negative_growth : float, optional
        Growth rate :math:`\\alpha_-` of the antigen-negative clone (default: ``alpha``).

    Returns
    -------
    numpy.ndarray, shape like ``y``

    Examples
    --------
    >>> antigen_loss_rhs(0.0, [1.0, 10.0, 0.0]).round(4).tolist()
    [0.0873, 6.0328, 0.0]
    """
    p = _params(params)
    state = as_array(y, "y", low=0)
    if state.ndim == 0 or state.shape[0] != 3:
        raise ValueError(
            f"y must hold three values (x, y_plus, y_minus) along its first axis; got shape "
            f"{state.shape}."
        )
    a_neg = _negative_growth(negative_growth, p)
    return np.stack(_rhs3(*state, p, a_neg))


def _negative_growth(value, p):
    if value is None:
        return p["alpha"]
    return as_scalar(value, "negative_growth", low=0)


def _rhs3(x, yp, yn, p, a_neg):
    x, yp, yn = np.maximum(x, 0.0), np.maximum(yp, 0.0), np.maximum(yn, 0.0)
    room = 1.0 - p["beta"] * (yp + yn)
    dx = p["sigma"] + p["rho"] * x * yp / (p["eta"] + yp) - p["mu"] * x * yp - p["delta"] * x
    dyp = p["alpha"] * yp * room - p["kappa"] * x * yp
    dyn = a_neg * yn * room
    return dx, dyp, dyn


def simulate_antigen_loss(t, initial=(1.0, 10.0, 1e-3), params=None, *, negative_growth=None):
    """Integrate :func:`antigen_loss_rhs` (LSODA, rtol 1e-8).

    Parameters
    ----------
    t : array_like
        Strictly increasing dimensionless times.
    initial : (x0, y_plus0, y_minus0)
        Starting cells (10^6 cells, >= 0).
    params : dict, optional
    negative_growth : float, optional
        Growth rate of the antigen-negative clone (default: ``alpha``).

    Returns
    -------
    KuznetsovResult
        ``tumour`` is the total ``y_plus + y_minus``; ``antigen_negative`` is ``y_minus``.

    Examples
    --------
    Under a kill rate that holds the antigen-positive tumour dormant, a subclone of 1,000
    antigen-negative cells takes over:

    >>> r = simulate_antigen_loss([0.0, 300.0], params=with_therapy(kill_factor=2.0))
    >>> round(float(r.antigen_negative[-1] / r.tumour[-1]), 3)
    1.0
    """
    times = _times(t)
    y0 = as_array(initial, "initial", ndim=1, low=0)
    if y0.size != 3:
        raise ValueError(f"initial must be (x0, y_plus0, y_minus0); got {y0.size} values.")
    p = _params(params)
    a_neg = _negative_growth(negative_growth, p)
    y = _solve(lambda _t, s: _rhs3(s[0], s[1], s[2], p, a_neg), times, y0, ())
    return KuznetsovResult(times, y[0], y[1] + y[2], antigen_negative=y[2])


def _scores_labels(scores, labels):
    s = as_array(scores, "scores", ndim=1)
    try:
        lab = np.asarray(labels)
    except Exception:  # pragma: no cover - numpy accepts nearly anything
        raise ValueError("labels must be an array of 0/1 or booleans.") from None
    if lab.ndim != 1 or lab.shape != s.shape:
        raise ValueError(
            f"scores and labels must be 1-D of the same length; got shapes {s.shape} and "
            f"{lab.shape}."
        )
    if lab.dtype == bool:
        lab = lab.astype(int)
    try:
        lab_f = lab.astype(float)
    except (TypeError, ValueError):
        raise ValueError("labels must be 0/1 or booleans (1 = responder).") from None
    if not np.all(np.isin(lab_f, (0.0, 1.0))):
        raise ValueError("labels must be 0/1 or booleans (1 = responder); got other values.")
    pos = lab_f == 1.0
    if pos.all() or not pos.any():
        raise ValueError("labels need at least one positive (1) and one negative (0) case.")
    return s, pos


def roc_curve(scores, labels):
    """ROC curve of a score that is higher in positives: one point per distinct threshold.

    A case is called positive when ``score >= threshold``. For thresholds from ``+inf``
    down to the smallest score, the true-positive rate (sensitivity) and the
    false-positive rate (1 − specificity) are

    .. math:: TPR(c) = P(S \\ge c \\mid 1), \\qquad FPR(c) = P(S \\ge c \\mid 0).

    Tied scores enter together (a diagonal step), so the trapezoidal area under the curve
    equals :func:`roc_auc`.

    Parameters
    ----------
    scores : array_like
        Biomarker values (1-D, finite).
    labels : array_like
        1 (or True) for positives, e.g. responders; 0 (or False) otherwise.

    Returns
    -------
    fpr, tpr, thresholds : numpy.ndarray
        Same length; ``thresholds`` decreasing, the first ``inf`` (nobody called positive).

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> fpr.tolist(), tpr.tolist(), thr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0], [inf, 0.8, 0.4, 0.35, 0.1])
    """
    s, pos = _scores_labels(scores, labels)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, pos_sorted = s[order], pos[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted)), s_sorted.size - 1]
    tps = np.cumsum(pos_sorted)[last_of_tie]
    fps = (last_of_tie + 1) - tps
    tpr = np.r_[0.0, tps / pos.sum()]
    fpr = np.r_[0.0, fps / (~pos).sum()]
    thresholds = np.r_[np.inf, s_sorted[last_of_tie]]
    return fpr, tpr, thresholds


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve: the probability that a random positive outscores a random
    negative, ties counting one half (the Mann–Whitney statistic :math:`U/(n_1 n_0)`).

    .. math:: AUC = \\frac{1}{n_1 n_0} \\sum_{i \\in 1} \\sum_{j \\in 0}
        \\left( [s_i > s_j] + \\tfrac12 [s_i = s_j] \\right)
        = \\frac{R_1 - n_1(n_1 + 1)/2}{n_1 n_0},

    with :math:`R_1` the sum of the positives' mid-ranks.

    Parameters
    ----------
    scores, labels : array_like
        As for :func:`roc_curve`.

    Returns
    -------
    float
        In [0, 1]; 0.5 is no discrimination.

    Examples
    --------
    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    >>> roc_auc([1, 1, 2], [0, 1, 1])
    0.75
    """
    from scipy.stats import rankdata

    s, pos = _scores_labels(scores, labels)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    ranks = rankdata(s)  # mid-ranks for ties
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))
