"""Where resistant cells come from: the fluctuation test and the Goldie–Coldman argument.

Luria & Delbrück (1943) grew many small cultures of a sensitive bacterium and
counted the resistant colonies in each. If resistance were *induced* by the
selective agent, every cell would have the same small chance of turning
resistant at plating, and the counts would be Poisson (variance ≈ mean). If
resistant mutants arise *at random during growth*, an early mutation leaves a
large clone (a "jackpot") and the counts vary far more than a Poisson law
allows. The same mathematics gives the chance that a tumour already holds a
resistant cell when it is detected (Goldie & Coldman 1979).

Conventions
-----------
``m`` is the expected number of mutation events per culture (or tumour); the
mutation rate is ``mutation_rate = m / final_size`` per cell division (the
rSalvador convention). Counts are whole numbers of resistant colonies (or
cells) per culture. ``plating_efficiency`` is the fraction of each culture
that is plated (1 when whole cultures are plated).

The Luria–Delbrück distribution used here is the Lea–Coulson form, computed
with the Ma–Sandri–Sarkar recursion; partial plating follows Zheng (2008,
Math Biosci 216:150), re-derived below from the generating function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from resistlab._validation import as_array, as_scalar, check_choice, make_rng

__all__ = [
    "MAX_COUNT",
    "FluctuationEstimate",
    "estimate_m_mle",
    "estimate_m_p0",
    "goldie_coldman",
    "ld_log_likelihood",
    "ld_pmf",
    "prob_preexisting_resistance",
    "simulate_fluctuation",
]

#: Largest count (and ``n_max``) handled by the exact O(n²) recursion (about 4 s).
MAX_COUNT = 100_000

# Past this many expected mutation events a simulation would need too much memory.
_MAX_SIM_EVENTS = 20_000_000

HYPOTHESES = ("pre-existing", "induced")


# --------------------------------------------------------------------------- helpers


def _whole_number(x, name: str, *, low: int, high: int | None = None, unit: str = "") -> int:
    value = as_scalar(x, name, unit=unit, low=low, high=high)
    if value != math.floor(value):
        raise ValueError(
            f"{name} must be a whole number{' of ' + unit if unit else ''}; got {x!r}."
        )
    return int(value)


def _plating(plating_efficiency) -> float:
    return as_scalar(
        plating_efficiency,
        "plating_efficiency",
        unit="(fraction of each culture plated)",
        low=0.0,
        low_inclusive=False,
        high=1.0,
    )


def _as_counts(counts) -> np.ndarray:
    """Check mutant counts: a non-empty 1-D array of whole numbers >= 0."""
    if isinstance(counts, str | bytes):
        raise TypeError(f"counts must be an array of whole numbers; got the string {counts!r}.")
    arr = as_array(counts, "counts", unit="resistant colonies", low=0, ndim=1)
    frac = arr != np.floor(arr)
    if frac.any():
        pos = int(np.flatnonzero(frac)[0])
        raise ValueError(
            "counts must be whole numbers of resistant colonies per culture; "
            f"got {arr[pos]:g} at position {pos}."
        )
    if arr.max() > MAX_COUNT:
        pos = int(np.argmax(arr))
        raise ValueError(
            f"counts above {MAX_COUNT} are not supported by the exact likelihood "
            f"(got {arr[pos]:g} at position {pos}); such cultures carry so many mutants "
            "that m should be estimated from a diluted plating."
        )
    return arr.astype(np.int64)


def _eta(n_max: int, eps: float) -> np.ndarray:
    r"""Coefficients :math:`\eta_0, \ldots, \eta_{n_{max}}` of the log generating function.

    With partial plating the mutant-count generating function is
    :math:`G(z) = \exp(m\,h(z))` with
    :math:`h(z) = \frac{(1-y)\ln(1-y)}{y}`, :math:`y = 1 - \varepsilon + \varepsilon z`.
    Expanding :math:`(1-y)\ln(1-y)/y = -1 + \sum_{j\ge1} y^j/(j(j+1))` gives
    :math:`\eta_0 = \varepsilon\ln\varepsilon/(1-\varepsilon)` and, for n >= 1,

    .. math:: \eta_n = \frac{\varepsilon}{n(n+1)}\;{}_2F_1(1, 2; n+2; 1-\varepsilon)
              = \frac{\varepsilon}{n(n+1)} \sum_{k\ge0}
                \frac{(k+1)!\,(1-\varepsilon)^k}{(n+2)(n+3)\cdots(n+k+1)},

    a series of positive terms. For small ε it converges slowly, so there the
    coefficients come from the first-order equation
    :math:`(1-\varepsilon+\varepsilon z)(1-z)h' + h = -\varepsilon(1-z)`, whose
    three-term recurrence is stable when ε < 1/2 (its parasitic solution
    decays like :math:`(-\varepsilon/(1-\varepsilon))^n`). ε = 1 gives the
    Lea–Coulson values :math:`\eta_0 = -1`, :math:`\eta_n = 1/(n(n+1))`.
    """
    n = np.arange(1, n_max + 1, dtype=float)
    eta = np.empty(n_max + 1)
    if eps == 1.0:
        eta[0] = -1.0
        eta[1:] = 1.0 / (n * (n + 1.0))
        return eta
    eta[0] = eps * math.log(eps) / (1.0 - eps)
    x = 1.0 - eps
    if eps >= 0.3:
        term = np.ones_like(n)
        total = np.ones_like(n)
        k = 0
        while n_max and (term > 1e-17 * total).any():
            term *= (k + 2.0) * x / (n + k + 2.0)
            total += term
            k += 1
        eta[1:] = eps / (n * (n + 1.0)) * total
        return eta
    # (1-ε)(n+1)η_{n+1} = RHS_n − (1 + (2ε−1)n)η_n + ε(n−1)η_{n−1}, RHS = −ε, +ε, 0, 0, ...
    eta_prev, eta_cur = 0.0, eta[0]
    for k in range(n_max):
        rhs = -eps if k == 0 else (eps if k == 1 else 0.0)
        eta_next = (rhs - (1.0 + (2.0 * eps - 1.0) * k) * eta_cur + eps * (k - 1) * eta_prev) / (
            x * (k + 1)
        )
        eta[k + 1] = eta_next
        eta_prev, eta_cur = eta_cur, eta_next
    return eta


def _ld_log_pmf(m: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""Log-probabilities log p_0..log p_n for every m at once, shape (n + 1, len(m)).

    Runs the recursion :math:`p_r = \frac{m}{r}\sum_{j=1}^{r} j\eta_j\,p_{r-j}` on
    unnormalised values :math:`q_r = p_r/s` (``q_0 = 1``, ``log s = m·η_0``) and
    rescales them whenever they grow large, so that ``p_0 = e^{mη_0}`` may
    underflow (m > 745) without losing the other probabilities. The recursion
    is linear, so dividing every value computed so far by one factor and adding
    its log to ``log s`` changes nothing else.
    """
    n_max = eta.size - 1
    m = np.atleast_1d(np.asarray(m, dtype=float))
    rev = (np.arange(n_max + 1) * eta)[::-1].copy()  # rev[n_max - j] = j·η_j
    if m.size == 1:
        return _ld_log_pmf_one(float(m[0]), eta, rev)[:, None]
    logp = np.empty((n_max + 1, m.size))
    log_scale = m * eta[0]
    q = np.zeros((n_max + 1, m.size))
    q[0] = 1.0
    done = 0  # rows [0, done) already hold their log-probability
    with np.errstate(divide="ignore"):
        for r in range(1, n_max + 1):
            q[r] = (m / r) * (rev[n_max - r : n_max] @ q[:r])
            if q[r].max() > 1e250:
                logp[done : r + 1] = log_scale + np.log(q[done : r + 1])
                done = r + 1
                factor = np.where(q[r] > 1e200, q[r], 1.0)
                q[: r + 1] /= factor
                log_scale = log_scale + np.log(factor)
        logp[done:] = log_scale + np.log(q[done:])
    return logp


def _ld_log_pmf_one(m: float, eta: np.ndarray, rev: np.ndarray) -> np.ndarray:
    """The same recursion for a single m with 1-D arrays (several times faster)."""
    n_max = eta.size - 1
    q = np.zeros(n_max + 1)
    q[0] = 1.0
    logp = np.empty(n_max + 1)
    log_scale = m * eta[0]
    done = 0
    dot = np.dot
    with np.errstate(divide="ignore"):
        for r in range(1, n_max + 1):
            value = m / r * dot(rev[n_max - r : n_max], q[:r])
            q[r] = value
            if value > 1e250:
                logp[done : r + 1] = log_scale + np.log(q[done : r + 1])
                done = r + 1
                q[: r + 1] /= value
                log_scale += math.log(value)
        logp[done:] = log_scale + np.log(q[done:])
    return logp


def _brent_root(f, a: float, b: float, fa: float, fb: float, *, xtol: float = 1e-13) -> float:
    """Brent–Dekker root of ``f`` on [a, b] given ``f(a)·f(b) < 0`` (bisection-safe)."""
    if fa * fb > 0:  # pragma: no cover - callers bracket first
        raise ValueError("the root is not bracketed.")
    c, fc = a, fa
    d = e = b - a
    for _ in range(200):
        if fb * fc > 0:
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2.0 * 2.2e-16 * abs(b) + 0.5 * xtol
        half = 0.5 * (c - b)
        if abs(half) <= tol or fb == 0.0:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:  # secant
                p, q = 2.0 * half * s, 1.0 - s
            else:  # inverse quadratic interpolation
                q, r = fa / fc, fb / fc
                p = s * (2.0 * half * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0:
                q = -q
            p = abs(p)
            if 2.0 * p < min(3.0 * half * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = half
        else:
            d = e = half
        a, fa = b, fb
        b += d if abs(d) > tol else math.copysign(tol, half)
        fb = f(b)
    return b  # pragma: no cover - 200 steps are far more than Brent ever needs here


def _ld_log_pmf_score(m: float, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""log p_r(m) and the score :math:`\partial \log p_r/\partial m` for one m > 0.

    Differentiating the recursion gives
    :math:`q'_r = q_r/m + \frac{m}{r}\sum_j j\eta_j q'_{r-j}` with
    :math:`q'_0 = 0`, and :math:`\partial \log p_r/\partial m = \eta_0 + q'_r/q_r`.
    Both recursions share one matrix–vector product per step.
    """
    n_max = eta.size - 1
    rev = (np.arange(n_max + 1) * eta)[::-1].copy()
    both = np.zeros((n_max + 1, 2))  # columns q and q'
    both[0, 0] = 1.0
    logp = np.empty(n_max + 1)
    ratio = np.empty(n_max + 1)
    log_scale = m * eta[0]
    done = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        for r in range(1, n_max + 1):
            acc = rev[n_max - r : n_max] @ both[:r]
            value = m / r * acc[0]
            both[r, 0] = value
            both[r, 1] = value / m + m / r * acc[1]
            if value > 1e250:
                logp[done : r + 1] = log_scale + np.log(both[done : r + 1, 0])
                ratio[done : r + 1] = both[done : r + 1, 1] / both[done : r + 1, 0]
                done = r + 1
                both[: r + 1] /= value
                log_scale += math.log(value)
        logp[done:] = log_scale + np.log(both[done:, 0])
        ratio[done:] = both[done:, 1] / both[done:, 0]
    ratio[0] = 0.0
    return logp, eta[0] + ratio


def _maybe_scalar(values: np.ndarray, *inputs):
    if all(np.ndim(x) == 0 for x in inputs):
        return float(values)
    return values


# --------------------------------------------------------------------------- distribution


def ld_pmf(m, n_max, *, plating_efficiency=1.0) -> np.ndarray:
    r"""Luria–Delbrück (Lea–Coulson) probabilities of 0, 1, …, ``n_max`` mutants per culture.

    The Ma–Sandri–Sarkar (1992) recursion for the Lea–Coulson distribution
    with ``m`` expected mutations per culture:

    .. math::

        p_0 = e^{-m}, \qquad
        p_r = \frac{m}{r} \sum_{i=0}^{r-1} \frac{p_i}{r - i + 1} \quad (r \ge 1).

    When only a fraction ε of each culture is plated (Zheng 2008),
    :math:`p_0 = e^{m\eta_0}` and :math:`p_r = \frac{m}{r}\sum_{j=1}^{r} j\eta_j\,p_{r-j}`
    with :math:`\eta_0 = \varepsilon\ln\varepsilon/(1-\varepsilon)` and
    :math:`\eta_j = \frac{\varepsilon}{j(j+1)}\,{}_2F_1(1, 2; j+2; 1-\varepsilon)`;
    ε = 1 recovers the recursion above.

    The work is O(n_max²) multiply–adds in vectorised numpy (about 40 ms for
    ``n_max = 10_000``); values are exact to rounding, also far in the tail.

    Parameters
    ----------
    m : float
        Expected number of mutation events per culture, ``m >= 0``.
    n_max : int
        Largest count to return, ``0 <= n_max <= MAX_COUNT``.
    plating_efficiency : float, optional
        Fraction of each culture plated, in (0, 1]; default 1 (whole cultures).

    Returns
    -------
    numpy.ndarray
        ``p[r]`` = probability of exactly ``r`` mutants, r = 0..n_max. The
        distribution has a heavy ``m/r²`` tail, so ``p.sum()`` is below 1 and
        approaches 1 only slowly as ``n_max`` grows.

    Examples
    --------
    >>> ld_pmf(1.0, 5).round(6).tolist()
    [0.367879, 0.18394, 0.107298, 0.068977, 0.047454, 0.034329]
    >>> float(ld_pmf(1.0, 0, plating_efficiency=0.5)[0])  # e^{m ε ln ε / (1 − ε)} = 0.5
    0.5
    """
    m = as_scalar(m, "m", unit="mutations per culture", low=0)
    n_max = _whole_number(n_max, "n_max", low=0, high=MAX_COUNT)
    eps = _plating(plating_efficiency)
    return np.exp(_ld_log_pmf(np.array([m]), _eta(n_max, eps))[:, 0])


def ld_log_likelihood(m, counts, *, plating_efficiency=1.0):
    r"""Log-likelihood of ``m`` given mutant counts: :math:`\ell(m) = \sum_k \ln p_{x_k}(m)`.

    Parameters
    ----------
    m : float or array_like
        One or several values of the expected number of mutations per culture (>= 0).
    counts : array_like of int
        Resistant colonies per culture (whole numbers >= 0).
    plating_efficiency : float, optional
        Fraction of each culture plated, in (0, 1].

    Returns
    -------
    float or numpy.ndarray
        ℓ(m), shaped like ``m``; ``-inf`` where the counts are impossible
        (m = 0 with a positive count).

    Examples
    --------
    >>> round(ld_log_likelihood(1.0, [0, 1]), 6)  # ln(e^-1) + ln(e^-1 / 2)
    -2.693147
    >>> ld_log_likelihood([0.5, 1.0], [0, 1]).round(4).tolist()  # −2m + ln(m/2)
    [-2.3863, -2.6931]
    """
    m_arr = as_array(m, "m", unit="mutations per culture", low=0)
    counts = _as_counts(counts)
    eps = _plating(plating_efficiency)
    values = _loglik(m_arr.ravel(), counts, eps).reshape(m_arr.shape)
    return _maybe_scalar(values, m)


def _loglik(m: np.ndarray, counts: np.ndarray, eps: float, eta=None, score: bool = False):
    hist = np.bincount(counts)
    rows = np.flatnonzero(hist)
    weight = hist[rows].astype(float)
    if eta is None:
        eta = _eta(int(counts.max()), eps)
    if score:
        logp, dlogp = _ld_log_pmf_score(float(m[0]), eta)
        return weight @ logp[rows], weight @ dlogp[rows]
    logp = _ld_log_pmf(m, eta)
    with np.errstate(invalid="ignore"):
        return weight @ logp[rows]


# --------------------------------------------------------------------------- estimators


def estimate_m_p0(counts, *, plating_efficiency=1.0) -> float:
    r"""The p0 estimate of m: the fraction of cultures without mutants gives m.

    Mutations arise as a Poisson process, so a culture (plated whole) has no
    mutant exactly when no mutation happened, with probability
    :math:`p_0 = e^{-m}`:

    .. math:: \hat m = -\ln \hat p_0, \qquad \hat p_0 = \frac{\#\{\text{cultures with 0}\}}{n}.

    With a plated fraction ε < 1, :math:`p_0 = \varepsilon^{m\varepsilon/(1-\varepsilon)}`,
    so :math:`\hat m = \frac{(1-\varepsilon)\ln \hat p_0}{\varepsilon \ln \varepsilon}`.

    Parameters
    ----------
    counts : array_like of int
        Resistant colonies per culture.
    plating_efficiency : float, optional
        Fraction of each culture plated, in (0, 1].

    Returns
    -------
    float
        The estimate of m.

    Raises
    ------
    ValueError
        If no culture has zero mutants (p0 = 0: the method does not apply; use
        :func:`estimate_m_mle`) or every culture has zero (p0 = 1 carries no
        information about m beyond "small").

    Examples
    --------
    >>> round(estimate_m_p0([1, 0, 3, 0, 0, 5, 0, 5, 0, 6, 107, 0, 0, 0, 1, 0, 0, 64, 0, 35]), 5)
    0.59784
    """
    counts = _as_counts(counts)
    eps = _plating(plating_efficiency)
    n_zero = int((counts == 0).sum())
    if n_zero == 0:
        raise ValueError(
            f"none of the {counts.size} cultures has zero mutants, so p0 = 0 and the p0 method "
            "does not apply (it needs at least one culture without mutants); use "
            "estimate_m_mle() instead."
        )
    if n_zero == counts.size:
        raise ValueError(
            f"all {counts.size} cultures have zero mutants, so p0 = 1 and the p0 method gives "
            "m = 0 with no information about its size; plate more cells per culture or more "
            "cultures."
        )
    p0 = n_zero / counts.size
    if eps == 1.0:
        return -math.log(p0)
    return (1.0 - eps) * math.log(p0) / (eps * math.log(eps))


@dataclass(frozen=True)
class FluctuationEstimate:
    """Maximum-likelihood estimate of the expected number of mutations per culture.

    Attributes
    ----------
    m : float
        Estimate of the expected number of mutation events per culture.
    ci : tuple of float
        Profile-likelihood confidence interval ``(low, high)`` for m.
    confidence : float
        Confidence level of ``ci`` (e.g. 0.95).
    loglik : float
        Log-likelihood at the estimate.
    n_cultures : int
        Number of cultures used.
    plating_efficiency : float
        Fraction of each culture that was plated.
    """

    m: float
    ci: tuple[float, float]
    confidence: float
    loglik: float
    n_cultures: int
    plating_efficiency: float = 1.0

    def mutation_rate(self, final_size) -> float:
        """Mutation rate per cell division, ``m / final_size`` (rSalvador convention).

        Examples
        --------
        >>> FluctuationEstimate(2.0, (1.0, 3.0), 0.95, -10.0, 20).mutation_rate(1e8)
        2e-08
        """
        size = as_scalar(final_size, "final_size", unit="cells per culture", low=1)
        return self.m / size

    def __str__(self) -> str:
        low, high = self.ci
        return (
            f"m = {self.m:.4g} ({100 * self.confidence:g}% CI {low:.4g} to {high:.4g}) "
            f"from {self.n_cultures} cultures"
        )


def estimate_m_mle(counts, *, plating_efficiency=1.0, confidence=0.95) -> FluctuationEstimate:
    r"""Maximum-likelihood estimate of m with a profile-likelihood confidence interval.

    Maximises :math:`\ell(m) = \sum_k \ln p_{x_k}(m)` with the
    Luria–Delbrück probabilities of :func:`ld_pmf` (partial plating as in
    Zheng 2008). The interval is the set of m with

    .. math:: 2\,[\ell(\hat m) - \ell(m)] \le \chi^2_{1}(\text{confidence}).

    A log-spaced grid brackets the maximum; Brent's root-finder then solves
    the score equation :math:`\partial\ell/\partial m = 0` (the score comes
    exactly from a differentiated recursion) and the two equations
    :math:`2[\ell(\hat m) - \ell(m)] = \chi^2_1` for the interval ends.

    Parameters
    ----------
    counts : array_like of int
        Resistant colonies per culture (whole numbers >= 0, at most ``MAX_COUNT``).
    plating_efficiency : float, optional
        Fraction of each culture plated, in (0, 1]; default 1.
    confidence : float, optional
        Confidence level of the interval, in (0, 1); default 0.95.

    Returns
    -------
    FluctuationEstimate
        ``m``, ``ci``, ``loglik``, ``n_cultures``, ... If every count is zero the
        likelihood :math:`e^{n m \eta_0}` is largest at m = 0, which is returned
        with the one-sided interval ``(0, high)``.

    Examples
    --------
    Demerec's 30 cultures (pySalvador: m = 10.8438, 95% CI 8.6505–13.1948):

    >>> demerec = [33, 18, 839, 47, 13, 126, 48, 80, 9, 71, 196, 66, 28, 17, 27,
    ...            37, 126, 33, 12, 44, 28, 67, 730, 168, 44, 50, 583, 23, 17, 24]
    >>> fit = estimate_m_mle(demerec)
    >>> round(fit.m, 4), tuple(round(x, 4) for x in fit.ci)
    (10.8438, (8.6505, 13.1948))
    """
    counts = _as_counts(counts)
    eps = _plating(plating_efficiency)
    confidence = as_scalar(
        confidence, "confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    # χ²₁ quantile = (normal quantile at (1 + confidence)/2)²; stdlib avoids importing scipy.stats.
    threshold = 0.5 * NormalDist().inv_cdf(0.5 + 0.5 * confidence) ** 2
    n = counts.size
    n_max = int(counts.max())
    eta = _eta(n_max, eps)

    if n_max == 0:  # ℓ(m) = n·m·η0, decreasing: estimate 0
        return FluctuationEstimate(
            m=0.0,
            ci=(0.0, threshold / (n * -eta[0])),
            confidence=confidence,
            loglik=0.0,
            n_cultures=n,
            plating_efficiency=eps,
        )

    def loglik(log_m):
        return _loglik(np.exp(np.atleast_1d(log_m)), counts, eps, eta)

    # 1. bracket the maximum on a log grid around a rough start.
    n_zero = int((counts == 0).sum())
    if 0 < n_zero < n:
        start = estimate_m_p0(counts, plating_efficiency=eps)
    else:
        median = float(np.median(counts))
        start = max(median / max(math.log(median), 1.0), 0.1) / eps
    grid = math.log(start) + 0.5 * math.log(2.0) * np.arange(-24, 25)
    for _ in range(40):
        values = loglik(grid)
        best = int(np.argmax(values))
        if 0 < best < grid.size - 1:
            break
        grid = grid + (grid[best] - grid[24])
    else:  # pragma: no cover - the likelihood always has an interior maximum here
        raise RuntimeError("could not bracket the maximum of the likelihood.")

    # 2. the score changes sign between the grid neighbours of the best point.
    def score(log_m):
        m = math.exp(log_m)
        return float(_loglik(np.array([m]), counts, eps, eta, score=True)[1])

    lo, hi = grid[best - 1], grid[best + 1]
    s_lo, s_hi = score(lo), score(hi)
    if s_lo > 0 > s_hi:
        log_mhat = _brent_root(score, lo, hi, s_lo, s_hi)
    else:  # pragma: no cover - rounding on a flat likelihood; keep the grid's best point
        log_mhat = grid[best]
    m_hat = math.exp(log_mhat)
    ll_hat = float(loglik(log_mhat)[0])

    # 3. profile-likelihood interval: where ℓ drops by chi2/2.
    def drop(log_m):
        return ll_hat - float(loglik(log_m)[0]) - threshold

    ends = []
    for direction in (-1.0, 1.0):
        inner, outer = log_mhat, log_mhat + direction * math.log(2.0)
        steps = 0
        while drop(outer) < 0:
            inner, outer = outer, outer + direction * math.log(2.0)
            steps += 1
            if steps > 200:  # pragma: no cover - ℓ → -∞ at both ends when counts vary
                raise RuntimeError("could not bracket the confidence limit.")
        ends.append(math.exp(_brent_root(drop, inner, outer, drop(inner), drop(outer))))

    return FluctuationEstimate(
        m=m_hat,
        ci=(ends[0], ends[1]),
        confidence=confidence,
        loglik=ll_hat,
        n_cultures=n,
        plating_efficiency=eps,
    )


# --------------------------------------------------------------------------- Goldie–Coldman


def _gc_inputs(mutation_rate, n_cells):
    mu = as_array(mutation_rate, "mutation_rate", unit="per cell division", low=0, high=1)
    n = as_array(n_cells, "n_cells", unit="cells", low=1)
    try:
        mu, n = np.broadcast_arrays(mu, n)
    except ValueError:
        raise ValueError(
            "mutation_rate and n_cells must broadcast to one shape; got shapes "
            f"{np.shape(mutation_rate)} and {np.shape(n_cells)}."
        ) from None
    return mu, n


def goldie_coldman(mutation_rate, n_cells):
    r"""Goldie–Coldman probability that a tumour holds **no** resistant cell.

    A tumour grown from one cell to N cells went through N − 1 divisions; if
    each produces a resistant daughter with probability α (the mutation rate),
    the number of resistance mutations is Poisson with mean α(N − 1) and

    .. math:: P_0(N) = \exp[-\alpha (N - 1)].

    This is P(no resistant cell), the chance that a single drug could still
    cure; see :func:`prob_preexisting_resistance` for its complement.

    Parameters
    ----------
    mutation_rate : float or array_like
        α, resistance mutations per cell division, in [0, 1].
    n_cells : float or array_like
        N, tumour size in cells (>= 1; about 10⁹ cells per gram of tumour).

    Returns
    -------
    float or numpy.ndarray
        P(no resistant cell), broadcast over the inputs.

    Examples
    --------
    >>> round(goldie_coldman(1e-6, 1e6), 6)  # ≈ e^-1
    0.36788
    >>> goldie_coldman(1e-6, [1e5, 1e9]).round(4).tolist()
    [0.9048, 0.0]
    """
    mu, n = _gc_inputs(mutation_rate, n_cells)
    return _maybe_scalar(np.exp(-mu * (n - 1.0)), mutation_rate, n_cells)


def prob_preexisting_resistance(mutation_rate, n_cells):
    r"""Probability that at least one resistant cell is already present: 1 − P₀(N).

    .. math:: P(\text{resistance at size } N) = 1 - \exp[-\alpha(N - 1)],

    computed as ``-expm1(-α(N − 1))`` so that small probabilities keep their
    precision. This is the probability of pre-existing resistance at
    detection when N is the tumour size at diagnosis.

    Parameters
    ----------
    mutation_rate : float or array_like
        α, resistance mutations per cell division, in [0, 1].
    n_cells : float or array_like
        N, tumour size in cells (>= 1).

    Returns
    -------
    float or numpy.ndarray
        Probability of at least one resistant cell.

    Examples
    --------
    >>> round(prob_preexisting_resistance(1e-9, 1e9), 4)  # a 1 g tumour
    0.6321
    >>> f"{prob_preexisting_resistance(1e-12, 1e3):.4g}"  # tiny, yet not rounded to 0
    '9.99e-10'
    """
    mu, n = _gc_inputs(mutation_rate, n_cells)
    return _maybe_scalar(-np.expm1(-mu * (n - 1.0)), mutation_rate, n_cells)


# --------------------------------------------------------------------------- simulation


def simulate_fluctuation(
    n_cultures,
    mutation_rate,
    final_size,
    *,
    hypothesis="pre-existing",
    initial_size=1.0,
    rng=None,
) -> np.ndarray:
    r"""Simulate a fluctuation test: resistant cells per culture under either hypothesis.

    Each culture grows from ``initial_size`` N₀ to ``final_size`` N cells.

    **"pre-existing"** (Luria–Delbrück / Lea–Coulson): sensitive cells grow
    deterministically; each new cell is a resistant mutant with probability
    μ, so mutation events form a Poisson process in the population size n
    with rate μ. A culture therefore sees Poisson(μ(N − N₀)) mutations, each at
    a size n uniform on (N₀, N); a mutant clone then grows as a Yule process,
    and its size when the culture reaches N is exactly geometric with success
    probability n/N. Early mutations make the jackpots.

    **"induced"**: nothing happens during growth; at plating each of the N
    cells independently turns resistant with probability
    :math:`\pi = \mu \ln(N/N_0)`, chosen so that the mean matches the
    pre-existing mean :math:`\mu N \ln(N/N_0)`. Counts are Binomial(N, π),
    nearly Poisson: variance ≈ mean.

    Parameters
    ----------
    n_cultures : int
        Number of independent cultures (>= 1).
    mutation_rate : float
        μ, mutations per cell division, in [0, 1].
    final_size : float
        N, cells per culture at plating (whole number, > ``initial_size``).
    hypothesis : {"pre-existing", "induced"}
        Where resistance comes from.
    initial_size : float, optional
        N₀, cells in the inoculum (>= 1); default 1.
    rng : None, int or numpy.random.Generator
        Seed or generator for reproducible draws.

    Returns
    -------
    numpy.ndarray of int64
        Resistant cells per culture, shape ``(n_cultures,)``.

    Examples
    --------
    >>> pre = simulate_fluctuation(2000, 1e-8, 1e8, rng=1)
    >>> ind = simulate_fluctuation(2000, 1e-8, 1e8, hypothesis="induced", rng=1)
    >>> bool(pre.var(ddof=1) / pre.mean() > 20), float(round(ind.var(ddof=1) / ind.mean(), 1))
    (True, 1.0)
    """
    n_cultures = _whole_number(n_cultures, "n_cultures", low=1, unit="cultures")
    mu = as_scalar(mutation_rate, "mutation_rate", unit="per cell division", low=0, high=1)
    n0 = as_scalar(initial_size, "initial_size", unit="cells", low=1)
    size = as_scalar(final_size, "final_size", unit="cells", low=1)
    if size <= n0:
        raise ValueError(
            f"final_size must be larger than initial_size ({n0:g} cells); got {size:g} cells."
        )
    if size != math.floor(size):
        raise ValueError(f"final_size must be a whole number of cells; got {size:g}.")
    hypothesis = check_choice(hypothesis, "hypothesis", HYPOTHESES)
    gen = make_rng(rng)

    if hypothesis == "induced":
        prob = mu * math.log(size / n0)
        if prob > 1:
            raise ValueError(
                "the induced hypothesis needs a per-cell probability μ·ln(N/N0) <= 1 to match the "
                f"pre-existing mean; got {prob:g} (lower mutation_rate or final_size)."
            )
        return gen.binomial(int(size), prob, size=n_cultures).astype(np.int64)

    m = mu * (size - n0)
    if n_cultures * m > _MAX_SIM_EVENTS:
        raise ValueError(
            f"this simulation would draw about {n_cultures * m:.3g} mutant clones "
            f"(n_cultures × mutation_rate × final_size); keep it below {_MAX_SIM_EVENTS:.0e} "
            "by lowering one of them."
        )
    n_events = gen.poisson(m, size=n_cultures)
    birth_size = gen.uniform(n0, size, size=int(n_events.sum()))
    clone = gen.geometric(np.minimum(birth_size / size, 1.0))
    owner = np.repeat(np.arange(n_cultures), n_events)
    totals = np.bincount(owner, weights=clone, minlength=n_cultures)
    return np.rint(totals).astype(np.int64)
