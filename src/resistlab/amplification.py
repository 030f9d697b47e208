"""Gene amplification: more copies of the drug's target, and how they are gained and lost.

Three models behind assignment 04 (review section 2.1.2):

* **Target titration.** Methotrexate binds dihydrofolate reductase (DHFR) so
  tightly that, inside the cell, the drug is used up one molecule per enzyme
  molecule. The enzyme level is proportional to the number of DHFR gene copies
  (Schimke et al. 1978; Alt et al. 1978), so the concentration needed to halve
  the cell's DHFR activity grows in proportion to the copy number: on log-log
  axes IC50 against copy number has slope 1. A slope near 1 is what titration
  predicts, but it does not prove titration: for a *cellular growth* IC50, a
  classical reversible inhibitor gives a slope near 1 too when the cell needs
  an absolute amount of enzyme activity (spare capacity,
  :func:`spare_capacity_ic50_nM`). Amplifying the target is a documented
  escape from reversible inhibitors as well: BCR-ABL1 amplification and
  imatinib (Gorre et al. 2001, Science 293:876). Only the enzyme-level IC50
  of a classical inhibitor (half the enzyme inhibited) is independent of the
  copy number. See :func:`tight_binding_fractional_activity`,
  :func:`methotrexate_ic50_nM`, :func:`titration_loglog_slope`,
  :func:`spare_capacity_ic50_nM` and :func:`fit_power_law`.
* **Double-minute instability.** Unstably amplified genes sit on acentric
  extrachromosomal "double minute" chromosomes that are replicated and then
  shared at random between the two daughter cells. Off drug, every extra copy
  costs growth, so cells with fewer copies take over and the amplification is
  lost. See :func:`segregate_double_minutes` and :func:`simulate_double_minutes`.
* **Calling MET amplification** from fluorescence in-situ hybridisation (FISH)
  counts with the INSIGHT trial's definition (Liam et al. 2023): MET gene copy
  number >= 5 or MET/CEP7 ratio >= 2. See :func:`call_met_amplification`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validation import as_array, as_scalar, check_same_shape, make_rng

__all__ = [
    "MET_CEP7_RATIO_CUTOFF",
    "MET_GCN_CUTOFF",
    "DoubleMinuteSimulation",
    "PowerLawFit",
    "call_met_amplification",
    "fit_power_law",
    "methotrexate_ic50_nM",
    "segregate_double_minutes",
    "simulate_double_minutes",
    "spare_capacity_ic50_nM",
    "tight_binding_fractional_activity",
    "tight_binding_ic50_nM",
    "titration_loglog_slope",
]

#: INSIGHT's MET-amplification cut-off on the mean MET gene copy number per nucleus.
MET_GCN_CUTOFF = 5.0
#: INSIGHT's MET-amplification cut-off on the MET/CEP7 signal ratio.
MET_CEP7_RATIO_CUTOFF = 2.0

# Illustrative titration parameters (not measured values): they give a parental
# (2-copy) cell an IC50 of a few nM and keep Ki well below the enzyme level.
_ENZYME_PER_COPY_NM = 5.0
_KI_NM = 1.0


def _return(value):
    """A 0-d array becomes a Python scalar; anything else stays an array."""
    value = np.asarray(value)
    return value.item() if value.ndim == 0 else value


# --------------------------------------------------------------------------------------
# Target titration (DHFR and methotrexate)
# --------------------------------------------------------------------------------------


def tight_binding_fractional_activity(inhibitor_nM, enzyme_nM, ki_nM):
    r"""Fraction of enzyme activity left with a tight-binding inhibitor (Morrison equation).

    When the inhibitor binds so tightly that the bound drug depletes the free
    drug, the free concentration is not the total one, and the fraction of
    enzyme left free follows from the exact binding equilibrium (Morrison 1969):

    .. math::

        \frac{v}{v_0} = 1 - \frac{(E_T + I_T + K_i)
            - \sqrt{(E_T + I_T + K_i)^2 - 4 E_T I_T}}{2 E_T}

    with total enzyme :math:`E_T`, total inhibitor :math:`I_T` and inhibition
    constant :math:`K_i`. It is computed in a form that does not lose digits
    when :math:`K_i \ll E_T`.

    Parameters
    ----------
    inhibitor_nM : array_like
        Total inhibitor concentration (nM), >= 0.
    enzyme_nM : array_like
        Total enzyme (active-site) concentration (nM), > 0.
    ki_nM : float or array_like
        Inhibition constant (nM), > 0 (for a competitive inhibitor, the
        apparent value at the substrate level in the cell).

    Returns
    -------
    float or numpy.ndarray
        Fraction of activity left, between 0 and 1; arrays broadcast.

    Examples
    --------
    With far more enzyme than Ki, half the enzyme is titrated by half as much drug:

    >>> round(tight_binding_fractional_activity(50.0, enzyme_nM=100.0, ki_nM=0.001), 4)
    0.5
    >>> tight_binding_fractional_activity(0.0, enzyme_nM=100.0, ki_nM=1.0)
    1.0
    """
    i_t = as_array(inhibitor_nM, "inhibitor_nM", unit="nM", low=0)
    e_t = as_array(enzyme_nM, "enzyme_nM", unit="nM", low=0, low_inclusive=False)
    k_i = as_array(ki_nM, "ki_nM", unit="nM", low=0, low_inclusive=False)
    i_t, e_t, k_i = np.broadcast_arrays(i_t, e_t, k_i)
    s = e_t + i_t + k_i
    # s^2 - 4 E I rewritten as a sum of non-negative terms (no cancellation).
    disc = (e_t - i_t) ** 2 + k_i**2 + 2.0 * k_i * (e_t + i_t)
    bound = 2.0 * e_t * i_t / (s + np.sqrt(disc))  # enzyme-inhibitor complex, nM
    return _return(np.clip(1.0 - bound / e_t, 0.0, 1.0))


def tight_binding_ic50_nM(enzyme_nM, ki_nM):
    r"""Total inhibitor concentration that halves the activity of a tight-binding target.

    Setting :math:`v/v_0 = 1/2` in the Morrison equation gives

    .. math:: IC_{50} = K_i + \frac{E_T}{2}

    so the IC50 is the inhibition constant when the enzyme is scarce
    (:math:`E_T \ll K_i`, the classical case) and half the enzyme concentration
    when the enzyme is abundant (:math:`E_T \gg K_i`, stoichiometric titration).

    Parameters
    ----------
    enzyme_nM : array_like
        Total enzyme concentration (nM), > 0.
    ki_nM : float or array_like
        Inhibition constant (nM), > 0.

    Returns
    -------
    float or numpy.ndarray
        IC50 in nM.

    Examples
    --------
    >>> tight_binding_ic50_nM(100.0, ki_nM=1.0)
    51.0
    >>> round(tight_binding_fractional_activity(51.0, 100.0, 1.0), 12)
    0.5
    """
    e_t = as_array(enzyme_nM, "enzyme_nM", unit="nM", low=0, low_inclusive=False)
    k_i = as_array(ki_nM, "ki_nM", unit="nM", low=0, low_inclusive=False)
    return _return(k_i + e_t / 2.0)


def methotrexate_ic50_nM(
    dhfr_copy_number,
    *,
    enzyme_per_copy_nM: float = _ENZYME_PER_COPY_NM,
    ki_nM: float = _KI_NM,
):
    r"""Methotrexate IC50 of a cell with a given number of DHFR gene copies (titration model).

    The DHFR level is proportional to the gene copy number
    (:math:`E_T = e \cdot n`; Schimke et al. 1978, Alt et al. 1978) and
    methotrexate is a tight-binding inhibitor, so by
    :func:`tight_binding_ic50_nM`

    .. math:: IC_{50}(n) = K_i + \frac{e\, n}{2}

    The default parameters are illustrative, not measured: 5 nM of enzyme per
    gene copy and an apparent :math:`K_i` of 1 nM give a diploid (2-copy)
    parental cell an IC50 of 6 nM.

    Parameters
    ----------
    dhfr_copy_number : array_like
        DHFR gene copies per cell (> 0; 2 in a diploid parental cell).
    enzyme_per_copy_nM : float
        Intracellular DHFR concentration contributed by one gene copy (nM), > 0.
    ki_nM : float
        Apparent inhibition constant of methotrexate for DHFR in the cell (nM), > 0.

    Returns
    -------
    float or numpy.ndarray
        IC50 in nM.

    Examples
    --------
    >>> methotrexate_ic50_nM(2)
    6.0
    >>> methotrexate_ic50_nM([2, 600]).tolist()
    [6.0, 1501.0]
    """
    n = as_array(
        dhfr_copy_number, "dhfr_copy_number", unit="copies per cell", low=0, low_inclusive=False
    )
    e = as_scalar(enzyme_per_copy_nM, "enzyme_per_copy_nM", unit="nM", low=0, low_inclusive=False)
    k = as_scalar(ki_nM, "ki_nM", unit="nM", low=0, low_inclusive=False)
    return tight_binding_ic50_nM(e * n, k)


def titration_loglog_slope(
    dhfr_copy_number,
    *,
    enzyme_per_copy_nM: float = _ENZYME_PER_COPY_NM,
    ki_nM: float = _KI_NM,
):
    r"""Local slope of log IC50 against log copy number in the titration model.

    .. math::

        \frac{d \ln IC_{50}}{d \ln n} = \frac{e\, n / 2}{K_i + e\, n / 2}

    It tends to 1 once the enzyme outnumbers :math:`K_i` (the drug titrates its
    target: double the copies, double the IC50) and to 0 for a classical
    inhibitor whose target is scarce. That 0 is the slope of the concentration
    that inhibits *half of the enzyme*; a cell that needs an absolute amount of
    enzyme activity has a growth IC50 whose slope is near 1 even for a
    classical inhibitor (:func:`spare_capacity_ic50_nM`), so the slope alone
    does not tell titration from spare capacity.

    Parameters
    ----------
    dhfr_copy_number : array_like
        DHFR gene copies per cell, > 0.
    enzyme_per_copy_nM, ki_nM : float
        As in :func:`methotrexate_ic50_nM`.

    Returns
    -------
    float or numpy.ndarray
        The slope, between 0 and 1.

    Examples
    --------
    >>> round(titration_loglog_slope(2), 4)
    0.8333
    >>> round(titration_loglog_slope(2, ki_nM=1e6), 4)
    0.0
    """
    n = as_array(
        dhfr_copy_number, "dhfr_copy_number", unit="copies per cell", low=0, low_inclusive=False
    )
    e = as_scalar(enzyme_per_copy_nM, "enzyme_per_copy_nM", unit="nM", low=0, low_inclusive=False)
    k = as_scalar(ki_nM, "ki_nM", unit="nM", low=0, low_inclusive=False)
    half_enzyme = e * n / 2.0
    return _return(half_enzyme / (k + half_enzyme))


def spare_capacity_ic50_nM(copy_number, *, ki_nM: float = _KI_NM, required_fraction: float = 0.1):
    r"""Growth IC50 of a classical inhibitor when the cell needs a fixed amount of enzyme activity.

    A classical reversible inhibitor (:math:`K_i \gg E_T`, no titration) leaves
    the fraction :math:`K_i/(K_i + I)` of every enzyme molecule active. If the
    cell's growth halves once its active enzyme falls to the amount made by a
    fraction :math:`f` of the two parental copies (:math:`2f` copies' worth),
    then with :math:`n` copies

    .. math::

        n \frac{K_i}{K_i + I} = 2f \quad\Longrightarrow\quad
        IC_{50}(n) = K_i\left(\frac{n}{2f} - 1\right),

    which grows almost in proportion to :math:`n` once :math:`n \gg 2f`: a
    log-log slope near 1 without any titration (about 1.02 over 2-128 copies
    with :math:`f = 0.1`). This is the "spare capacity" alternative to
    :func:`methotrexate_ic50_nM`.

    Parameters
    ----------
    copy_number : array_like
        Target gene copies per cell, > 2 * required_fraction (the cell must have
        more than the activity it needs without drug).
    ki_nM : float
        Inhibition constant (nM), > 0.
    required_fraction : float
        :math:`f`, the activity the cell needs as a fraction of the parental
        (2-copy) activity, 0 < f <= 1.

    Returns
    -------
    float or numpy.ndarray
        IC50 in nM.

    Examples
    --------
    >>> spare_capacity_ic50_nM(2)
    9.0
    >>> fit = fit_power_law([2, 4, 8, 16, 32, 64, 128], spare_capacity_ic50_nM(
    ...     [2, 4, 8, 16, 32, 64, 128]))
    >>> round(fit.exponent, 3)
    1.022
    """
    k = as_scalar(ki_nM, "ki_nM", unit="nM", low=0, low_inclusive=False)
    f = as_scalar(required_fraction, "required_fraction", low=0, high=1, low_inclusive=False)
    n = as_array(copy_number, "copy_number", unit="copies per cell", low=0, low_inclusive=False)
    if np.any(n <= 2.0 * f):
        raise ValueError(
            f"copy_number must be above 2 * required_fraction = {2.0 * f:g} copies: with fewer "
            f"copies the cell lacks the activity it needs even without drug; got {n.min():g}."
        )
    return _return(k * (n / (2.0 * f) - 1.0))


class PowerLawFit(NamedTuple):
    """Result of :func:`fit_power_law`: ``y = prefactor * x**exponent``."""

    exponent: float
    prefactor: float
    r_squared: float


def fit_power_law(x, y) -> PowerLawFit:
    r"""Fit :math:`y = a\, x^{b}` by least squares on log-log axes.

    Taking logarithms turns the power law into a straight line,
    :math:`\log_{10} y = \log_{10} a + b \log_{10} x`, which is fitted by
    ordinary least squares. The exponent :math:`b` is the log-log slope: 1 for
    a drug that titrates its target (and close to 1 for a classical inhibitor
    of a target the cell needs a fixed amount of, :func:`spare_capacity_ic50_nM`),
    0 for an IC50 that ignores the target level.

    Parameters
    ----------
    x : array_like
        Positive values (e.g. DHFR copy number), at least two distinct ones.
    y : array_like
        Positive values of the same shape (e.g. IC50 in nM).

    Returns
    -------
    PowerLawFit
        ``exponent`` (b), ``prefactor`` (a, in the units of ``y``) and
        ``r_squared`` of the straight-line fit on log-log axes.

    Examples
    --------
    >>> fit = fit_power_law([1, 10, 100], [3.0, 30.0, 300.0])
    >>> round(fit.exponent, 6), round(fit.prefactor, 6), round(fit.r_squared, 6)
    (1.0, 3.0, 1.0)
    """
    x_arr = as_array(x, "x", low=0, low_inclusive=False, ndim=1, min_size=2)
    y_arr = as_array(y, "y", low=0, low_inclusive=False, ndim=1, min_size=2)
    check_same_shape(x=x_arr, y=y_arr)
    log_x, log_y = np.log10(x_arr), np.log10(y_arr)
    if np.ptp(log_x) == 0:
        raise ValueError(
            "x must contain at least two different values to fit a slope; "
            f"got every value equal to {x_arr[0]:g}."
        )
    slope, intercept = np.polyfit(log_x, log_y, 1)
    residual = log_y - (intercept + slope * log_x)
    total = np.sum((log_y - log_y.mean()) ** 2)
    r_squared = 1.0 - np.sum(residual**2) / total if total > 0 else 1.0
    return PowerLawFit(float(slope), float(10.0**intercept), float(r_squared))


# --------------------------------------------------------------------------------------
# Double minutes: random segregation and loss off drug
# --------------------------------------------------------------------------------------


def _as_copy_counts(copies, name: str) -> np.ndarray:
    arr = as_array(copies, name, unit="copies per cell", low=0)
    whole = np.round(arr)
    if np.any(whole != arr):
        pos = int(np.flatnonzero((whole != arr).ravel())[0])
        raise ValueError(
            f"{name} must be whole numbers of double minutes per cell; "
            f"got {arr.ravel()[pos]:g} at position {pos}."
        )
    return whole.astype(np.int64)


def segregate_double_minutes(copies, rng=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Replicate each cell's double minutes and share them at random between two daughters.

    Double minutes have no centromere, so nothing pulls one copy of each pair
    to each pole: after replication the :math:`2k` copies of a cell with
    :math:`k` double minutes are shared independently, each going to either
    daughter with probability 1/2,

    .. math::

        k_1 \sim \mathrm{Binomial}(2k, 1/2), \qquad k_2 = 2k - k_1 ,

    so each daughter gets :math:`k` copies on average, with variance
    :math:`k/2`, and copies are neither made nor lost at division.

    Parameters
    ----------
    copies : array_like of int
        Double minutes per cell (whole numbers >= 0), any shape.
    rng : None, int or numpy.random.Generator
        Source of randomness (an int seed makes the result reproducible).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The two daughters' copy numbers, each of the shape of ``copies``.

    Examples
    --------
    >>> a, b = segregate_double_minutes([0, 5, 20], rng=1)
    >>> (a + b).tolist()
    [0, 10, 40]
    """
    k = _as_copy_counts(copies, "copies")
    generator = make_rng(rng)
    first = generator.binomial(2 * k, 0.5)
    return first, 2 * k - first


@dataclass(frozen=True)
class DoubleMinuteSimulation:
    """Copy-number distribution of a cell population, generation by generation.

    Returned by :func:`simulate_double_minutes`.

    Attributes
    ----------
    counts : numpy.ndarray of int, shape (generations + 1, max_copies + 1)
        ``counts[g, k]`` is the number of cells carrying ``k`` double minutes
        at generation ``g`` (row 0 is the starting population).
    fitness_cost_per_copy : float
        The cost ``s`` used in the run.
    min_copies_to_divide : int
        The drug-selection threshold used in the run (0 means off drug).
    extinct_at : int or None
        First generation with no cell left (only possible on drug), else None.
    """

    counts: np.ndarray
    fitness_cost_per_copy: float
    min_copies_to_divide: int
    extinct_at: int | None = None

    @property
    def generation(self) -> np.ndarray:
        """Generation numbers 0, 1, ..., G."""
        return np.arange(self.counts.shape[0])

    @property
    def copy_number(self) -> np.ndarray:
        """Copy numbers 0, 1, ..., K that label the columns of ``counts``."""
        return np.arange(self.counts.shape[1])

    @property
    def population_size(self) -> np.ndarray:
        """Number of cells at each generation."""
        return self.counts.sum(axis=1)

    @property
    def fractions(self) -> np.ndarray:
        """``counts`` divided by the population size (rows of an extinct population are 0)."""
        size = self.population_size[:, None]
        return np.divide(self.counts, size, out=np.zeros(self.counts.shape), where=size > 0)

    @property
    def mean_copy_number(self) -> np.ndarray:
        """Mean double minutes per cell at each generation (0 once the population is extinct)."""
        return self.fractions @ self.copy_number

    def fraction_with_at_least(self, min_copies: int) -> np.ndarray:
        """Fraction of cells with at least ``min_copies`` double minutes, per generation.

        Examples
        --------
        >>> sim = simulate_double_minutes(4, n_cells=10, generations=0)
        >>> sim.fraction_with_at_least(4).tolist(), sim.fraction_with_at_least(5).tolist()
        ([1.0], [0.0])
        """
        k = int(as_scalar(min_copies, "min_copies", unit="copies", low=0))
        return self.fractions[:, k:].sum(axis=1)

    def to_frame(self):
        """The distribution as a long ``pandas.DataFrame``: generation, copy_number, n_cells.

        Examples
        --------
        >>> simulate_double_minutes(3, n_cells=5, generations=1, rng=0).to_frame().columns.tolist()
        ['generation', 'copy_number', 'n_cells']
        """
        import pandas as pd

        g, k = np.meshgrid(self.generation, self.copy_number, indexing="ij")
        return pd.DataFrame(
            {"generation": g.ravel(), "copy_number": k.ravel(), "n_cells": self.counts.ravel()}
        )


def simulate_double_minutes(
    initial_copies,
    *,
    n_cells: int | None = None,
    generations: int = 50,
    fitness_cost_per_copy: float = 0.0,
    min_copies_to_divide: int = 0,
    rng=None,
) -> DoubleMinuteSimulation:
    r"""Simulate random segregation of double minutes with selection, over generations.

    A population of constant size :math:`N` (a Wright-Fisher model). In every
    generation each cell replicates its :math:`k` double minutes and divides;
    the copies are shared at random (:func:`segregate_double_minutes`), giving
    :math:`2N` daughters. The next generation is :math:`N` cells drawn with
    replacement from the daughters, each with a probability proportional to its
    relative fitness

    .. math::

        w(k) = (1 - s)^{k} \quad (k \ge k_{\min}), \qquad w(k) = 0 \quad (k < k_{\min}),

    where :math:`s` is the growth cost of one extra copy off drug (growth rate
    falls as the double-minute number rises; Kaufman, Brown & Schimke 1981,
    Mol Cell Biol 1:1084) and
    :math:`k_{\min}` models the drug: a cell with too few copies of the target
    gene cannot divide. Off drug (:math:`k_{\min} = 0`) and without cost
    (:math:`s = 0`), the expected mean copy number stays where it started;
    with a cost it falls, as cells with fewer copies take over. The run is
    vectorised over cells, so thousands of cells over a hundred generations
    take milliseconds.

    Parameters
    ----------
    initial_copies : int or array_like of int
        Double minutes per cell at generation 0: one number for every cell, or
        one value per cell.
    n_cells : int, optional
        Population size N (default 1000 for a single ``initial_copies``; the
        array's length for an array).
    generations : int
        Number of generations to simulate (>= 0).
    fitness_cost_per_copy : float
        Growth cost s of each double minute, 0 <= s < 1.
    min_copies_to_divide : int
        Drug selection: cells with fewer copies do not divide (0 = off drug).
    rng : None, int or numpy.random.Generator
        Source of randomness; an int seed makes the run reproducible.

    Returns
    -------
    DoubleMinuteSimulation
        ``counts[g, k]`` cells with k copies at generation g, plus summaries
        (``mean_copy_number``, ``fraction_with_at_least(k)``, ``to_frame()``).

    Examples
    --------
    >>> sim = simulate_double_minutes(20, n_cells=2000, generations=40,
    ...                               fitness_cost_per_copy=0.05, rng=7)
    >>> sim.counts.shape[0], int(sim.population_size[-1])
    (41, 2000)
    >>> bool(sim.mean_copy_number[-1] < 0.5 * sim.mean_copy_number[0])
    True
    """
    copies0 = _as_copy_counts(initial_copies, "initial_copies")
    if n_cells is not None:
        size = as_scalar(n_cells, "n_cells", unit="cells", low=1)
        if size != int(size):
            raise ValueError(f"n_cells must be a whole number of cells; got {n_cells!r}.")
        n_cells = int(size)
    if copies0.ndim == 0:
        copies = np.full(1000 if n_cells is None else n_cells, int(copies0), dtype=np.int64)
    elif copies0.ndim == 1:
        if n_cells is not None and n_cells != copies0.size:
            raise ValueError(
                f"n_cells ({n_cells}) must match the number of initial_copies values "
                f"({copies0.size}); pass one of them, or make them agree."
            )
        copies = copies0.copy()
    else:
        raise ValueError(
            f"initial_copies must be one number or a 1-D array (one value per cell); "
            f"got an array of shape {copies0.shape}."
        )
    n_gen = as_scalar(generations, "generations", unit="generations", low=0)
    if n_gen != int(n_gen):
        raise ValueError(f"generations must be a whole number; got {generations!r}.")
    n_gen = int(n_gen)
    cost = as_scalar(
        fitness_cost_per_copy, "fitness_cost_per_copy", low=0, high=1, high_inclusive=False
    )
    k_min = as_scalar(min_copies_to_divide, "min_copies_to_divide", unit="copies", low=0)
    if k_min != int(k_min):
        raise ValueError(f"min_copies_to_divide must be a whole number; got {k_min:g}.")
    k_min = int(k_min)
    generator = make_rng(rng)

    n = copies.size
    history = [np.bincount(copies)]
    extinct_at = None
    log_keep = np.log1p(-cost)
    for g in range(1, n_gen + 1):
        if copies.size == 0:
            history.append(np.zeros(1, dtype=np.int64))
            continue
        first = generator.binomial(2 * copies, 0.5)
        daughters = np.concatenate([first, 2 * copies - first])
        # (1 - s)^k relative to the fittest daughter, so large k cannot underflow to 0/0.
        log_w = daughters * log_keep
        viable = daughters >= k_min
        if not viable.any():
            copies = np.zeros(0, dtype=np.int64)
            extinct_at = g
            history.append(np.zeros(1, dtype=np.int64))
            continue
        weights = np.where(viable, np.exp(log_w - log_w[viable].max()), 0.0)
        # Draw N daughters with replacement, P(daughter j) = w_j / sum(w): inverse CDF.
        # Zero-weight daughters can never be drawn; the clamp guards the u == cdf[-1] rounding.
        cdf = np.cumsum(weights)
        chosen = np.searchsorted(cdf, generator.random(n) * cdf[-1], side="right")
        copies = daughters[np.minimum(chosen, np.flatnonzero(weights)[-1])]
        history.append(np.bincount(copies))
    width = max(h.size for h in history)
    counts = np.zeros((n_gen + 1, width), dtype=np.int64)
    for g, h in enumerate(history):
        counts[g, : h.size] = h
    return DoubleMinuteSimulation(counts, float(cost), k_min, extinct_at)


# --------------------------------------------------------------------------------------
# Calling MET amplification (INSIGHT definition)
# --------------------------------------------------------------------------------------


def call_met_amplification(gene_copy_number, met_cep7_ratio):
    r"""Call MET amplification from FISH with the INSIGHT definition.

    A tumour is MET-amplified when the mean MET gene copy number per nucleus
    (GCN) is at least 5 **or** the ratio of MET to chromosome-7 centromere
    (CEP7) signals is at least 2 (Liam et al. 2023):

    .. math:: \text{amplified} = (\mathrm{GCN} \ge 5) \lor (\mathrm{MET/CEP7} \ge 2)

    Both cut-offs are inclusive. The ratio separates focal amplification from
    polysomy (extra copies of the whole chromosome 7 raise GCN but not the
    ratio); the GCN criterion also calls high polysomy.

    Parameters
    ----------
    gene_copy_number : array_like
        Mean MET signals per nucleus, >= 0.
    met_cep7_ratio : array_like
        MET/CEP7 signal ratio, >= 0, same shape as ``gene_copy_number``.

    Returns
    -------
    bool or numpy.ndarray of bool
        True where MET is amplified.

    Examples
    --------
    >>> call_met_amplification([5.0, 4.99, 3.0, 3.0], [1.2, 1.99, 2.0, 1.5]).tolist()
    [True, False, True, False]
    >>> call_met_amplification(8.8, 2.8)
    True
    """
    gcn = as_array(gene_copy_number, "gene_copy_number", unit="copies per nucleus", low=0)
    ratio = as_array(met_cep7_ratio, "met_cep7_ratio", low=0)
    check_same_shape(gene_copy_number=gcn, met_cep7_ratio=ratio)
    return _return((gcn >= MET_GCN_CUTOFF) | (ratio >= MET_CEP7_RATIO_CUTOFF))
