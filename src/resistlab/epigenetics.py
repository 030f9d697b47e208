"""DNA methylation: beta values, M-values and calling promoter hypermethylation.

An Illumina Infinium methylation array measures every CpG twice: a methylated
probe intensity :math:`M` and an unmethylated probe intensity :math:`U`. The
*beta value* is the methylated share of the signal,

.. math:: \\beta = \\frac{M}{M + U + \\alpha},

with an offset :math:`\\alpha = 100` (Illumina's GenomeStudio convention, also
the default of the Bioconductor packages lumi and ENmix) that keeps the ratio
stable when both intensities are small. The *M-value* is the log2 ratio of the
two intensities, :math:`\\log_2((M + \\alpha)/(U + \\alpha))`; with no offset the
two scales are related by a logit transform, :math:`M = \\log_2(\\beta/(1-\\beta))`
(Du et al. 2010, BMC Bioinformatics 11:587).

A promoter is *hypermethylated* in a sample when its CpGs are methylated well
above the near-zero level of an unmethylated CpG island. This module calls it
per sample either from the mean beta over the promoter's CpGs or from the
fraction of CpGs above a cut-off. The default threshold of 0.3 is a **teaching
convention**, not a clinical standard: published studies use a range of
platform-specific cut-offs, and a lab validates its own.

Silencing of the mismatch-repair gene *MLH1* by promoter hypermethylation is the
course's example: it is found in most sporadic colorectal cancers with
microsatellite instability, and reversing it with 5-aza-2'-deoxycytidine restores
hMLH1 expression and mismatch repair in colorectal cancer cell lines (Herman et al.
1998, PNAS 95:6870). The review (section 2.4) cites Smith et al. 2015 here, a yeast
Mlh1-Pms1 biochemistry paper; see docs/review-errata.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_array, as_result, as_scalar, check_choice, check_same_shape

__all__ = [
    "BETA_OFFSET_ILLUMINA",
    "DEFAULT_BETA_THRESHOLD",
    "CallAgreement",
    "beta_to_m",
    "beta_value",
    "call_agreement",
    "call_hypermethylation",
    "m_to_beta",
    "m_value",
]

#: Offset added to the denominator of the beta value by Illumina's GenomeStudio.
BETA_OFFSET_ILLUMINA = 100.0

#: Mean promoter beta at or above which this course calls a promoter hypermethylated
#: (a teaching convention; see the module docstring).
DEFAULT_BETA_THRESHOLD = 0.3


def beta_value(methylated, unmethylated, alpha: float = BETA_OFFSET_ILLUMINA):
    """Methylation beta value from methylated and unmethylated probe intensities.

    .. math:: \\beta = \\frac{M}{M + U + \\alpha}

    Parameters
    ----------
    methylated, unmethylated : array_like
        Probe intensities :math:`M` and :math:`U` (arbitrary fluorescence units,
        >= 0); they broadcast against each other.
    alpha : float, default 100
        Offset in the denominator (Illumina's convention), >= 0. With
        ``alpha = 0`` both intensities of a CpG must not be zero.

    Returns
    -------
    float or numpy.ndarray
        Beta values in [0, 1): 0 means no methylated signal; values approach
        1 as the unmethylated signal vanishes (with ``alpha > 0`` they never
        reach it).

    Raises
    ------
    ValueError
        If an intensity is negative or not finite, the shapes do not
        broadcast, or ``M + U + alpha`` is zero.

    Examples
    --------
    >>> beta_value(900.0, 0.0)
    0.9
    >>> beta_value([0, 1000, 4000], [4000, 1000, 0]).round(4).tolist()
    [0.0, 0.4762, 0.9756]
    >>> beta_value(300.0, 100.0, alpha=0)
    0.75
    """
    m = as_array(methylated, "methylated", unit="(intensity units)", low=0)
    u = as_array(unmethylated, "unmethylated", unit="(intensity units)", low=0)
    a = as_scalar(alpha, "alpha", low=0)
    try:
        m, u = np.broadcast_arrays(m, u)
    except ValueError:
        raise ValueError(
            "methylated and unmethylated must have the same shape (or broadcast); "
            f"got {np.shape(m)} and {np.shape(u)}."
        ) from None
    denominator = m + u + a
    if np.any(denominator == 0):
        pos = int(np.flatnonzero(denominator.ravel() == 0)[0])
        raise ValueError(
            "beta is undefined where both intensities are 0 and alpha = 0 "
            f"(position {pos}); use alpha > 0 (Illumina uses 100) or drop the failed probe."
        )
    return as_result(m / denominator)


def m_value(methylated, unmethylated, alpha: float = 1.0):
    """Methylation M-value: the log2 ratio of methylated to unmethylated intensity.

    .. math:: \\mathrm{M} = \\log_2\\frac{M + \\alpha}{U + \\alpha}

    Parameters
    ----------
    methylated, unmethylated : array_like
        Probe intensities (>= 0); they broadcast against each other.
    alpha : float, default 1
        Offset that keeps the logarithm finite when an intensity is zero
        (> 0; packages differ, e.g. lumi's ``estimateM`` uses 100). With
        ``alpha = 0`` every intensity must be positive.

    Returns
    -------
    float or numpy.ndarray
        M-values: 0 for equal signals, positive when the methylated signal
        dominates.

    Examples
    --------
    >>> m_value(1023.0, 1023.0)
    0.0
    >>> m_value(3999.0, 999.0)
    2.0
    >>> m_value([4.0, 1.0], [1.0, 4.0], alpha=0).tolist()
    [2.0, -2.0]
    """
    m = as_array(methylated, "methylated", unit="(intensity units)", low=0)
    u = as_array(unmethylated, "unmethylated", unit="(intensity units)", low=0)
    a = as_scalar(alpha, "alpha", low=0)
    try:
        m, u = np.broadcast_arrays(m, u)
    except ValueError:
        raise ValueError(
            "methylated and unmethylated must have the same shape (or broadcast); "
            f"got {np.shape(m)} and {np.shape(u)}."
        ) from None
    if a == 0 and (np.any(m == 0) or np.any(u == 0)):
        raise ValueError(
            "with alpha = 0 every intensity must be > 0 (log2 of 0 is -inf); "
            "use an offset alpha > 0, e.g. 1."
        )
    return as_result(np.log2((m + a) / (u + a)))


def beta_to_m(beta):
    """Convert beta values to M-values (the offset-free logit relation).

    .. math:: \\mathrm{M} = \\log_2\\frac{\\beta}{1 - \\beta}

    Parameters
    ----------
    beta : array_like
        Beta values strictly between 0 and 1 (the M-value of 0 or 1 is
        infinite).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> beta_to_m(0.5)
    0.0
    >>> beta_to_m([0.2, 0.8]).round(12).tolist()
    [-2.0, 2.0]
    """
    b = as_array(beta, "beta", low=0, high=1, low_inclusive=False, high_inclusive=False)
    return as_result(np.log2(b) - np.log2(1.0 - b))


def m_to_beta(m_values):
    """Convert M-values to beta values (the inverse of :func:`beta_to_m`).

    .. math:: \\beta = \\frac{2^{\\mathrm{M}}}{2^{\\mathrm{M}} + 1}

    Parameters
    ----------
    m_values : array_like
        Finite M-values.

    Returns
    -------
    float or numpy.ndarray
        Beta values in (0, 1) (they round to exactly 0 or 1 only beyond
        an absolute M of about 1000).

    Examples
    --------
    >>> m_to_beta(0.0)
    0.5
    >>> m_to_beta([-2.0, 2.0]).tolist()
    [0.2, 0.8]
    """
    from scipy.special import expit

    m = as_array(m_values, "m_values")
    return as_result(expit(m * np.log(2.0)))


def call_hypermethylation(
    beta,
    threshold: float = DEFAULT_BETA_THRESHOLD,
    *,
    method: str = "mean",
    min_fraction: float = 0.5,
):
    """Call promoter hypermethylation per sample from its CpGs' beta values.

    ``method="mean"``: a sample is hypermethylated when the mean beta over the
    promoter's CpGs is at least ``threshold``,

    .. math:: \\bar\\beta_i = \\frac{1}{J}\\sum_{j=1}^{J} \\beta_{ij} \\ge \\theta .

    ``method="fraction"``: a sample is hypermethylated when at least
    ``min_fraction`` of its CpGs have :math:`\\beta_{ij} \\ge \\theta`. The
    fraction rule is less swayed by one aberrant probe.

    Parameters
    ----------
    beta : array_like
        Beta values in [0, 1]: a 2-D array of shape (samples, CpGs), or a 1-D
        array holding one sample's CpGs.
    threshold : float, default 0.3
        :math:`\\theta`, in (0, 1). 0.3 is a teaching convention.
    method : {"mean", "fraction"}
    min_fraction : float, default 0.5
        For ``method="fraction"``: the share of CpGs, in (0, 1], that must reach
        the threshold.

    Returns
    -------
    bool or numpy.ndarray of bool
        One call per sample (a single ``bool`` for 1-D input).

    Examples
    --------
    >>> beta = [[0.05, 0.08, 0.02, 0.06],   # unmethylated island
    ...         [0.55, 0.61, 0.40, 0.72],   # hypermethylated
    ...         [0.02, 0.04, 0.03, 0.95]]   # one aberrant probe
    >>> call_hypermethylation(beta).tolist()
    [False, True, False]
    >>> call_hypermethylation(beta, method="fraction", min_fraction=0.75).tolist()
    [False, True, False]
    >>> call_hypermethylation([0.35, 0.31, 0.29])
    True
    """
    b = as_array(beta, "beta", low=0, high=1, min_size=0)
    if b.ndim not in (1, 2):
        raise ValueError(
            "beta must be 1-D (one sample's CpGs) or 2-D (samples x CpGs); "
            f"got an array of shape {b.shape}."
        )
    if b.size == 0:
        raise ValueError(
            f"beta needs at least one sample and at least one CpG; got shape {b.shape}."
        )
    theta = as_scalar(
        threshold, "threshold", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    check_choice(method, "method", ("mean", "fraction"))
    if method == "mean":
        called = b.mean(axis=-1) >= theta
    else:
        share = as_scalar(min_fraction, "min_fraction", low=0, high=1, low_inclusive=False)
        called = (b >= theta).mean(axis=-1) >= share
    return bool(called) if called.ndim == 0 else called


@dataclass(frozen=True)
class CallAgreement:
    """Agreement of binary calls with a reference (e.g. a validated assay).

    Attributes
    ----------
    true_positive, false_positive, true_negative, false_negative : int
        Counts of samples.
    """

    true_positive: int
    false_positive: int
    true_negative: int
    false_negative: int

    @property
    def sensitivity(self) -> float:
        """TP / (TP + FN): the share of truly methylated samples that were called.

        Raises ``ValueError`` when the reference has no positive sample."""
        positives = self.true_positive + self.false_negative
        if positives == 0:
            raise ValueError("sensitivity is undefined: the reference has no positive samples.")
        return self.true_positive / positives

    @property
    def specificity(self) -> float:
        """TN / (TN + FP): the share of truly unmethylated samples left uncalled.

        Raises ``ValueError`` when the reference has no negative sample."""
        negatives = self.true_negative + self.false_positive
        if negatives == 0:
            raise ValueError("specificity is undefined: the reference has no negative samples.")
        return self.true_negative / negatives

    @property
    def accuracy(self) -> float:
        """(TP + TN) / all samples."""
        total = self.true_positive + self.false_positive + self.true_negative + self.false_negative
        return (self.true_positive + self.true_negative) / total


def call_agreement(called, truth) -> CallAgreement:
    """Count how binary calls agree with a reference classification.

    Parameters
    ----------
    called, truth : array_like of bool
        One entry per sample, same shape (True = methylated / positive).

    Returns
    -------
    CallAgreement
        The four counts, with ``sensitivity``, ``specificity`` and ``accuracy``.

    Examples
    --------
    >>> agreement = call_agreement([True, True, False, False], [True, False, False, True])
    >>> agreement.true_positive, agreement.false_positive, agreement.false_negative
    (1, 1, 1)
    >>> agreement.sensitivity, agreement.specificity
    (0.5, 0.5)
    """
    c = _as_bool(called, "called")
    t = _as_bool(truth, "truth")
    check_same_shape(called=c, truth=t)
    return CallAgreement(
        true_positive=int(np.sum(c & t)),
        false_positive=int(np.sum(c & ~t)),
        true_negative=int(np.sum(~c & ~t)),
        false_negative=int(np.sum(~c & t)),
    )


def _as_bool(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.size == 0:
        raise ValueError(f"{name} needs at least one sample; got none.")
    if arr.dtype == bool:
        return arr
    values = as_array(arr, name)
    if not np.all((values == 0) | (values == 1)):
        raise ValueError(f"{name} must hold booleans (True/False or 1/0); got other values.")
    return values.astype(bool)
