"""Drug-target binding: ATP-competitive inhibition, fold-resistance and resistance calls.

Most kinase inhibitors used against resistant tumours (gefitinib, erlotinib, imatinib,
dasatinib, ponatinib) sit in the ATP pocket, so the drug and ATP compete for the same site.
At equilibrium the fraction of kinase that carries the inhibitor is

.. math::

    f = \\frac{[I]}{[I] + K_i\\,\\left(1 + [\\mathrm{ATP}]/K_{m,\\mathrm{ATP}}\\right)}

A mutation can therefore cause resistance in two ways: by weakening drug binding (a larger
:math:`K_i`, as for most BCR-ABL kinase-domain mutants) or by strengthening ATP binding (a
smaller :math:`K_{m,\\mathrm{ATP}}`, the mechanism of EGFR T790M; Yun et al. 2008). With cellular
ATP in the millimolar range, the second effect alone can shift the inhibitor's apparent
potency many-fold.

The second half of the module turns measured IC50 values into the quantities a clinician
uses: fold-resistance against the unmutated kinase, and a call of *sensitive*,
*intermediate* or *resistant* against the drug level a patient can reach. Censored IC50
values (">= highest concentration tested") are carried through explicitly and never turned
into exact numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_result, as_scalar, broadcast, check_choice

__all__ = [
    "CLASS_LABELS",
    "RESISTANT_RATIO",
    "SENSITIVE_RATIO",
    "ResistanceMatrix",
    "TEACHING_DRUG_LEVELS_nM",
    "apparent_ki",
    "classify_resistance",
    "fold_resistance",
    "fold_resistance_table",
    "fraction_inhibited",
    "ic50_fold_shift",
    "occupancy_loss",
    "resistance_matrix",
]

#: The labels :func:`classify_resistance` returns, from most to least favourable.
CLASS_LABELS = ("sensitive", "intermediate", "resistant", "indeterminate")

#: Default cut-off: sensitive when IC50 <= 0.5 x drug level (>= 2/3 of the maximal effect at
#: that level for a Hill slope of 1; a proliferation IC50 says nothing directly about occupancy).
SENSITIVE_RATIO = 0.5

#: Default cut-off: resistant when IC50 > 1 x drug level (< 1/2 of the target inhibited).
RESISTANT_RATIO = 1.0

#: Effective drug levels (nM) used as a TEACHING ASSUMPTION by the course's notebook and
#: explorer. They are round illustrative numbers, NOT verified plasma trough concentrations:
#: replace them with values from the drugs' pharmacology before drawing any real conclusion.
TEACHING_DRUG_LEVELS_nM = {"imatinib": 2000.0, "dasatinib": 25.0, "ponatinib": 40.0}

_QUALIFIERS = ("=", ">=")


def apparent_ki(ki_nM, atp_uM, km_atp_uM):
    """Apparent inhibition constant of an ATP-competitive inhibitor at a given ATP level.

    Competition with ATP raises the inhibitor concentration needed for half-maximal
    occupancy from :math:`K_i` to

    .. math:: K_i^{app} = K_i \\left(1 + [\\mathrm{ATP}]/K_{m,\\mathrm{ATP}}\\right),

    which is also the inhibitor's IC50 (the Cheng–Prusoff relation for a competitive
    inhibitor).

    Parameters
    ----------
    ki_nM : float or array_like
        Inhibitor dissociation constant for the ATP-free kinase, nM (> 0).
    atp_uM : float or array_like
        ATP concentration, µM (>= 0). Cells hold ATP in the millimolar range.
    km_atp_uM : float or array_like
        Michaelis constant of the kinase for ATP, µM (> 0); a lower value means tighter ATP
        binding.

    Returns
    -------
    float or numpy.ndarray
        Apparent Ki in nM (same unit as ``ki_nM``).

    Examples
    --------
    >>> apparent_ki(2.0, atp_uM=1000.0, km_atp_uM=100.0)
    22.0
    >>> apparent_ki(2.0, atp_uM=0.0, km_atp_uM=100.0)
    2.0
    """
    ki = as_array(ki_nM, "ki_nM", unit="nM", low=0, low_inclusive=False)
    atp = as_array(atp_uM, "atp_uM", unit="uM", low=0)
    km = as_array(km_atp_uM, "km_atp_uM", unit="uM", low=0, low_inclusive=False)
    ki, atp, km = broadcast(ki_nM=ki, atp_uM=atp, km_atp_uM=km)
    return as_result(ki * (1.0 + atp / km))


def fraction_inhibited(inhibitor_nM, ki_nM, atp_uM, km_atp_uM):
    """Fraction of kinase occupied by an ATP-competitive inhibitor at equilibrium.

    .. math::

        f = \\frac{[I]}{[I] + K_i\\,(1 + [\\mathrm{ATP}]/K_{m,\\mathrm{ATP}})}

    Limits: ``f = 0`` without drug, ``f -> 1`` as the drug concentration grows, and
    ``f = I/(I + Ki)`` without ATP.

    Parameters
    ----------
    inhibitor_nM : float or array_like
        Free inhibitor concentration, nM (>= 0).
    ki_nM : float or array_like
        Inhibitor dissociation constant, nM (> 0).
    atp_uM : float or array_like
        ATP concentration, µM (>= 0).
    km_atp_uM : float or array_like
        Michaelis constant for ATP, µM (> 0).

    Returns
    -------
    float or numpy.ndarray
        Fraction inhibited, in [0, 1); arrays broadcast against each other.

    Examples
    --------
    >>> fraction_inhibited(10.0, ki_nM=10.0, atp_uM=0.0, km_atp_uM=50.0)
    0.5
    >>> round(fraction_inhibited(10.0, ki_nM=1.0, atp_uM=1000.0, km_atp_uM=100.0), 4)
    0.4762
    >>> fraction_inhibited([0.0, 1.0], ki_nM=1.0, atp_uM=0.0, km_atp_uM=1.0)
    array([0. , 0.5])
    """
    inhibitor = as_array(inhibitor_nM, "inhibitor_nM", unit="nM", low=0)
    ki_app = np.asarray(apparent_ki(ki_nM, atp_uM, km_atp_uM), dtype=float)
    inhibitor, ki_app = broadcast(inhibitor_nM=inhibitor, apparent_ki=ki_app)
    return as_result(inhibitor / (inhibitor + ki_app))


def occupancy_loss(
    inhibitor_nM,
    *,
    ki_nM,
    atp_uM,
    km_atp_uM,
    km_atp_mutant_uM=None,
    ki_mutant_nM=None,
):
    """Loss of target occupancy caused by a mutation, at a fixed drug concentration.

    ``loss = f(reference) - f(mutant)``, each from :func:`fraction_inhibited`, where the
    mutant may change the kinase's ATP affinity (``km_atp_mutant_uM``, e.g. EGFR T790M
    lowers Km,ATP), its drug affinity (``ki_mutant_nM``), or both. A parameter left as
    ``None`` is taken to be unchanged by the mutation.

    Parameters
    ----------
    inhibitor_nM : float or array_like
        Free inhibitor concentration, nM (>= 0).
    ki_nM, atp_uM, km_atp_uM : float or array_like
        Reference kinase: Ki (nM), ATP level (µM), Km for ATP (µM).
    km_atp_mutant_uM : float or array_like, optional
        Km for ATP of the mutant, µM (> 0).
    ki_mutant_nM : float or array_like, optional
        Ki of the mutant, nM (> 0).

    Returns
    -------
    float or numpy.ndarray
        Occupancy lost, in fraction units (0.3 = 30 percentage points); negative if the
        mutant binds the drug better.

    Examples
    --------
    A 20-fold increase in ATP affinity at 1 mM ATP, drug at 50 nM, Ki 1 nM:

    >>> round(occupancy_loss(50.0, ki_nM=1.0, atp_uM=1000.0, km_atp_uM=100.0,
    ...                      km_atp_mutant_uM=5.0), 3)
    0.62
    """
    km_mut = km_atp_uM if km_atp_mutant_uM is None else km_atp_mutant_uM
    ki_mut = ki_nM if ki_mutant_nM is None else ki_mutant_nM
    reference = np.asarray(fraction_inhibited(inhibitor_nM, ki_nM, atp_uM, km_atp_uM))
    mutant = np.asarray(
        fraction_inhibited(
            inhibitor_nM,
            as_array(ki_mut, "ki_mutant_nM", unit="nM", low=0, low_inclusive=False),
            atp_uM,
            as_array(km_mut, "km_atp_mutant_uM", unit="uM", low=0, low_inclusive=False),
        )
    )
    reference, mutant = broadcast(reference=reference, mutant=mutant)
    return as_result(reference - mutant)


def ic50_fold_shift(*, ki_nM, km_atp_uM, atp_uM, ki_mutant_nM=None, km_atp_mutant_uM=None):
    """Fold change in an ATP-competitive inhibitor's IC50 caused by a mutation.

    .. math::

        \\frac{IC_{50}^{mut}}{IC_{50}^{ref}} =
        \\frac{K_i^{mut}\\,(1 + [\\mathrm{ATP}]/K_{m}^{mut})}
             {K_i^{ref}\\,(1 + [\\mathrm{ATP}]/K_{m}^{ref})}

    Parameters
    ----------
    ki_nM, km_atp_uM : float or array_like
        Reference Ki (nM) and Km for ATP (µM).
    atp_uM : float or array_like
        ATP concentration, µM (>= 0).
    ki_mutant_nM, km_atp_mutant_uM : float or array_like, optional
        The mutant's values; ``None`` means unchanged.

    Returns
    -------
    float or numpy.ndarray
        Fold shift (> 1 means the mutant needs more drug).

    Examples
    --------
    >>> round(ic50_fold_shift(ki_nM=1.0, km_atp_uM=100.0, atp_uM=1000.0,
    ...                       km_atp_mutant_uM=5.0), 2)
    18.27
    >>> ic50_fold_shift(ki_nM=1.0, km_atp_uM=100.0, atp_uM=0.0, ki_mutant_nM=4.0)
    4.0
    """
    km_mut = km_atp_uM if km_atp_mutant_uM is None else km_atp_mutant_uM
    ki_mut = ki_nM if ki_mutant_nM is None else ki_mutant_nM
    as_array(ki_mut, "ki_mutant_nM", unit="nM", low=0, low_inclusive=False)
    as_array(km_mut, "km_atp_mutant_uM", unit="uM", low=0, low_inclusive=False)
    reference = np.asarray(apparent_ki(ki_nM, atp_uM, km_atp_uM))
    mutant = np.asarray(apparent_ki(ki_mut, atp_uM, km_mut))
    reference, mutant = broadcast(reference=reference, mutant=mutant)
    return as_result(mutant / reference)


def fold_resistance(ic50_mutant_nM, ic50_reference_nM):
    """Fold-resistance: the mutant's IC50 divided by the reference (unmutated) IC50.

    .. math:: RI = IC_{50}^{mutant} / IC_{50}^{reference}

    Use IC50 values measured in the same assay. If the mutant's IC50 is censored
    (">= top concentration") the ratio is a lower bound; see :func:`fold_resistance_table`,
    which keeps track of that.

    Parameters
    ----------
    ic50_mutant_nM, ic50_reference_nM : float or array_like
        IC50 values, nM (> 0); arrays broadcast against each other.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> fold_resistance(9221.0, 527.0)  # doctest: +ELLIPSIS
    17.49...
    >>> fold_resistance([2.1, 6.3], 2.1)
    array([1., 3.])
    """
    mutant = as_array(ic50_mutant_nM, "ic50_mutant_nM", unit="nM", low=0, low_inclusive=False)
    reference = as_array(
        ic50_reference_nM, "ic50_reference_nM", unit="nM", low=0, low_inclusive=False
    )
    mutant, reference = broadcast(ic50_mutant_nM=mutant, ic50_reference_nM=reference)
    return as_result(mutant / reference)


def _classify_one(ratio: float, censored: bool, sensitive_ratio: float, resistant_ratio: float):
    if censored:
        # The true IC50 is at least the reported value: only "resistant" can be certain.
        return "resistant" if ratio > resistant_ratio else "indeterminate"
    if ratio <= sensitive_ratio:
        return "sensitive"
    if ratio > resistant_ratio:
        return "resistant"
    return "intermediate"


def classify_resistance(
    ic50_nM,
    achievable_nM,
    *,
    censored=False,
    sensitive_ratio: float = SENSITIVE_RATIO,
    resistant_ratio: float = RESISTANT_RATIO,
):
    """Call a mutant sensitive, intermediate or resistant against an achievable drug level.

    With ``r = IC50 / achievable level``:

    * ``r <= sensitive_ratio`` (default 0.5): **sensitive** — the level is at least twice
      the IC50, so (for a Hill slope of 1) it reaches at least 2/3 of the maximal effect
      measured by that IC50 (for a proliferation IC50, of the growth inhibition, not of the
      kinase occupancy);
    * ``r > resistant_ratio`` (default 1): **resistant** — the level does not even reach the
      IC50;
    * in between: **intermediate**.

    A censored IC50 (the true value is *at least* the reported one) is called resistant when
    the reported lower bound already exceeds the resistant cut-off, and **indeterminate**
    otherwise: the data cannot tell.

    Parameters
    ----------
    ic50_nM : float or array_like
        IC50 values, nM (> 0); for censored values, the reported lower bound.
    achievable_nM : float or array_like
        The drug level reached in patients, nM (> 0). State where it comes from: the
        course's notebook uses teaching assumptions (:data:`TEACHING_DRUG_LEVELS_nM`).
    censored : bool or array_like of bool
        True where ``ic50_nM`` is a lower bound (">=").
    sensitive_ratio, resistant_ratio : float
        The two cut-offs, with ``0 < sensitive_ratio < resistant_ratio``.

    Returns
    -------
    str or numpy.ndarray of str
        One of :data:`CLASS_LABELS` per value.

    Examples
    --------
    >>> classify_resistance(527.0, 2000.0)
    'sensitive'
    >>> classify_resistance([29.8, 6.3, 577.5], 40.0).tolist()
    ['intermediate', 'sensitive', 'resistant']
    >>> classify_resistance(768.0, 25.0, censored=True)
    'resistant'
    >>> classify_resistance(10.0, 25.0, censored=True)
    'indeterminate'
    """
    ic50 = as_array(ic50_nM, "ic50_nM", unit="nM", low=0, low_inclusive=False)
    level = as_array(achievable_nM, "achievable_nM", unit="nM", low=0, low_inclusive=False)
    lo = as_scalar(sensitive_ratio, "sensitive_ratio", low=0, low_inclusive=False)
    hi = as_scalar(resistant_ratio, "resistant_ratio", low=0, low_inclusive=False)
    if not lo < hi:
        raise ValueError(
            f"sensitive_ratio must be smaller than resistant_ratio; got {lo:g} and {hi:g}."
        )
    cens = np.asarray(censored)
    if cens.dtype != bool:
        raise TypeError(
            "censored must be True/False or an array of booleans (True where the IC50 is a "
            f"'>=' lower bound); got dtype {cens.dtype}."
        )
    ic50, level, cens = broadcast(ic50_nM=ic50, achievable_nM=level, censored=cens)
    ratio = ic50 / level
    labels = np.array(
        [_classify_one(r, c, lo, hi) for r, c in zip(ratio.ravel(), cens.ravel(), strict=True)],
        dtype=object,
    ).reshape(ratio.shape)
    return str(labels) if labels.ndim == 0 else labels


_TABLE_COLUMNS = ("mutant", "drug", "ic50_nM", "qualifier")


def _check_table(table):
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            "table must be a pandas DataFrame in long format (one row per mutant and drug); "
            f"got {type(table).__name__}."
        )
    missing = [c for c in _TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"table is missing the column(s) {missing}; expected at least {list(_TABLE_COLUMNS)} "
            "(as in resistlab.datasets.load('bcr_abl_ic50'))."
        )
    if table.empty:
        raise ValueError("table has no rows.")
    as_array(
        table["ic50_nM"].to_numpy(), "table['ic50_nM']", unit="nM", low=0, low_inclusive=False
    )
    bad = sorted(set(table["qualifier"]) - set(_QUALIFIERS))
    if bad:
        raise ValueError(
            f"table['qualifier'] must be '=' (exact) or '>=' (censored lower bound); got {bad}."
        )
    if table.duplicated(["mutant", "drug"]).any():
        dup = table.loc[table.duplicated(["mutant", "drug"]), ["mutant", "drug"]].iloc[0]
        raise ValueError(
            f"table has more than one row for mutant {dup['mutant']!r} and drug {dup['drug']!r}."
        )


def fold_resistance_table(table, reference: str = "wild type"):
    """Add fold-resistance (and its censoring) to a long IC50 table, drug by drug.

    For every row, ``fold_resistance = ic50_nM / ic50_nM(reference mutant, same drug)``.
    The column ``fold_qualifier`` says what the number means:

    ====================  =====================  ==================================
    mutant qualifier      reference qualifier    fold_qualifier
    ====================  =====================  ==================================
    ``=``                 ``=``                  ``=`` (exact ratio)
    ``>=``                ``=``                  ``>=`` (lower bound)
    ``=``                 ``>=``                 ``<=`` (upper bound)
    ``>=``                ``>=``                 ``unknown`` (``fold_resistance`` NaN)
    ====================  =====================  ==================================

    Parameters
    ----------
    table : pandas.DataFrame
        Long format with columns ``mutant``, ``drug``, ``ic50_nM``, ``qualifier``.
    reference : str
        The ``mutant`` value of the reference line (default ``"wild type"``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``fold_resistance`` and ``fold_qualifier`` added.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"mutant": ["wild type", "T315I", "T315M"],
    ...                   "drug": ["imatinib"] * 3,
    ...                   "ic50_nM": [527.0, 9221.0, 10240.0],
    ...                   "qualifier": ["=", "=", ">="]})
    >>> out = fold_resistance_table(t)
    >>> out["fold_resistance"].round(1).tolist(), out["fold_qualifier"].tolist()
    ([1.0, 17.5, 19.4], ['=', '=', '>='])
    """
    _check_table(table)
    ref = table[table["mutant"] == reference].set_index("drug")
    if ref.empty:
        known = ", ".join(repr(m) for m in dict.fromkeys(table["mutant"]))
        raise ValueError(f"reference mutant {reference!r} is not in the table; mutants: {known}.")
    missing = sorted(set(table["drug"]) - set(ref.index))
    if missing:
        raise ValueError(f"the reference {reference!r} has no IC50 for drug(s) {missing}.")
    out = table.copy()
    ref_ic50 = out["drug"].map(ref["ic50_nM"]).to_numpy(dtype=float)
    ref_cens = out["drug"].map(ref["qualifier"]).to_numpy() == ">="
    cens = out["qualifier"].to_numpy() == ">="
    fold = out["ic50_nM"].to_numpy(dtype=float) / ref_ic50
    qual = np.where(cens, np.where(ref_cens, "unknown", ">="), np.where(ref_cens, "<=", "="))
    out["fold_resistance"] = np.where(qual == "unknown", np.nan, fold)
    out["fold_qualifier"] = qual
    return out


@dataclass(frozen=True)
class ResistanceMatrix:
    """A mutant x drug view of an IC50 table, classified against drug levels.

    Attributes
    ----------
    mutants, drugs : tuple of str
        Row and column order.
    ic50_nM : numpy.ndarray
        IC50 (nM), shape (n_mutants, n_drugs); NaN where the table has no value.
    censored : numpy.ndarray of bool
        True where the IC50 is a '>=' lower bound.
    levels_nM : numpy.ndarray
        The drug level (nM) used for each column.
    ratio : numpy.ndarray
        IC50 / drug level.
    labels : numpy.ndarray of str
        :func:`classify_resistance` call per cell ('' where there is no value).
    """

    mutants: tuple
    drugs: tuple
    ic50_nM: np.ndarray
    censored: np.ndarray
    levels_nM: np.ndarray
    ratio: np.ndarray
    labels: np.ndarray

    def count(self, label: str) -> np.ndarray:
        """Number of mutants with ``label`` for each drug (one count per column)."""
        check_choice(label, "label", CLASS_LABELS)
        return (self.labels == label).sum(axis=0)


def resistance_matrix(
    table,
    levels_nM: Mapping[str, float],
    *,
    sensitive_ratio: float = SENSITIVE_RATIO,
    resistant_ratio: float = RESISTANT_RATIO,
    drugs=None,
) -> ResistanceMatrix:
    """Pivot a long IC50 table to mutant x drug and classify every cell.

    Parameters
    ----------
    table : pandas.DataFrame
        Long format with columns ``mutant``, ``drug``, ``ic50_nM``, ``qualifier``.
    levels_nM : mapping of str to float
        Achievable drug level (nM) for every drug shown.
    sensitive_ratio, resistant_ratio : float
        Cut-offs passed to :func:`classify_resistance`.
    drugs : sequence of str, optional
        Column order (default: the order of ``levels_nM``).

    Returns
    -------
    ResistanceMatrix

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"mutant": ["wild type", "wild type", "T315I", "T315I"],
    ...                   "drug": ["imatinib", "ponatinib"] * 2,
    ...                   "ic50_nM": [527.0, 2.1, 9221.0, 6.3],
    ...                   "qualifier": ["="] * 4})
    >>> m = resistance_matrix(t, {"imatinib": 2000.0, "ponatinib": 40.0})
    >>> m.labels.tolist()
    [['sensitive', 'sensitive'], ['resistant', 'sensitive']]
    """
    _check_table(table)
    if not isinstance(levels_nM, Mapping) or not levels_nM:
        raise TypeError(
            "levels_nM must be a non-empty mapping {drug: level in nM}; "
            f"got {type(levels_nM).__name__}."
        )
    drugs = tuple(levels_nM) if drugs is None else tuple(drugs)
    unknown = [d for d in drugs if d not in set(table["drug"])]
    if unknown:
        raise ValueError(
            f"drug(s) {unknown} are not in the table; its drugs are {sorted(set(table['drug']))}."
        )
    no_level = [d for d in drugs if d not in levels_nM]
    if no_level:
        raise ValueError(f"levels_nM gives no level for drug(s) {no_level}.")
    levels = np.array(
        [
            as_scalar(levels_nM[d], f"levels_nM[{d!r}]", unit="nM", low=0, low_inclusive=False)
            for d in drugs
        ]
    )
    mutants = tuple(dict.fromkeys(table["mutant"]))
    row = {m: i for i, m in enumerate(mutants)}
    col = {d: j for j, d in enumerate(drugs)}
    ic50 = np.full((len(mutants), len(drugs)), np.nan)
    censored = np.zeros(ic50.shape, dtype=bool)
    for m, d, v, q in table[list(_TABLE_COLUMNS)].itertuples(index=False):
        if d in col:
            ic50[row[m], col[d]] = v
            censored[row[m], col[d]] = q == ">="
    ratio = ic50 / levels
    labels = np.full(ic50.shape, "", dtype=object)
    have = ~np.isnan(ic50)
    if have.any():
        labels[have] = classify_resistance(
            ic50[have],
            np.broadcast_to(levels, ic50.shape)[have],
            censored=censored[have],
            sensitive_ratio=sensitive_ratio,
            resistant_ratio=resistant_ratio,
        )
    return ResistanceMatrix(mutants, drugs, ic50, censored, levels, ratio, labels)
