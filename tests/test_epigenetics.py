"""resistlab.epigenetics: beta values, M-values and hypermethylation calls."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import datasets
from resistlab.epigenetics import (
    BETA_OFFSET_ILLUMINA,
    DEFAULT_BETA_THRESHOLD,
    beta_to_m,
    beta_value,
    call_agreement,
    call_hypermethylation,
    m_to_beta,
    m_value,
)

intensity = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


# ---------------------------------------------------------------- beta values


def test_beta_uses_the_illumina_offset_by_default():
    """beta = M/(M + U + 100): 900/(900 + 0 + 100) = 0.9 exactly."""
    assert BETA_OFFSET_ILLUMINA == 100.0
    assert beta_value(900.0, 0.0) == pytest.approx(0.9, rel=1e-15)
    assert beta_value(1000.0, 1000.0) == pytest.approx(1000 / 2100, rel=1e-15)


def test_beta_is_zero_without_methylated_signal():
    """No methylated signal gives beta = 0, whatever the unmethylated signal."""
    assert beta_value(0.0, 5000.0) == 0.0
    assert beta_value(0.0, 0.0) == 0.0  # the offset keeps 0/0 away


def test_beta_never_reaches_one_with_an_offset_but_does_without():
    """beta → 1 only as U → 0 and alpha → 0; with alpha = 0 and U = 0, beta = 1 exactly."""
    assert beta_value(1e6, 0.0) < 1.0
    assert beta_value(1e6, 0.0) == pytest.approx(1e6 / (1e6 + 100))
    assert beta_value(250.0, 0.0, alpha=0) == 1.0


def test_beta_at_intensities_equal_to_the_offset():
    """At M = U = alpha the offset counts as a third share: beta = 1/3."""
    assert beta_value(100.0, 100.0) == pytest.approx(1 / 3, rel=1e-15)
    assert beta_value(7.0, 7.0, alpha=7.0) == pytest.approx(1 / 3, rel=1e-15)


def test_beta_broadcasts_and_returns_arrays_for_array_input():
    """Intensities broadcast (a column of M against a row of U)."""
    out = beta_value(np.array([[100.0], [300.0]]), np.array([0.0, 100.0]), alpha=0)
    np.testing.assert_allclose(out, [[1.0, 0.5], [1.0, 0.75]])
    assert isinstance(beta_value([1.0], [1.0]), np.ndarray)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(intensity, intensity, st.floats(min_value=1e-3, max_value=1e3))
def test_beta_stays_in_the_unit_interval(m, u, alpha):
    """0 <= beta < 1 for any non-negative intensities and a positive offset."""
    b = beta_value(m, u, alpha=alpha)
    assert 0.0 <= b < 1.0


@settings(derandomize=True, max_examples=60, deadline=None)
@given(intensity, intensity, st.floats(min_value=1.0, max_value=1e5))
def test_beta_rises_with_methylated_signal(m, u, extra):
    """More methylated signal at fixed U never lowers beta."""
    assert beta_value(m + extra, u) >= beta_value(m, u)


def test_beta_errors_name_the_problem():
    """Negative intensities, 0/0 without an offset and bad shapes raise clear errors."""
    with pytest.raises(ValueError, match=r"methylated must be >= 0"):
        beta_value(-1.0, 10.0)
    with pytest.raises(ValueError, match=r"unmethylated must be finite"):
        beta_value(1.0, np.nan)
    with pytest.raises(ValueError, match=r"both intensities are 0 and alpha = 0"):
        beta_value([1.0, 0.0], [1.0, 0.0], alpha=0)
    with pytest.raises(ValueError, match=r"same shape \(or broadcast\)"):
        beta_value([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"alpha must be >= 0"):
        beta_value(1.0, 1.0, alpha=-5)
    with pytest.raises(TypeError, match=r"alpha must be a single number"):
        beta_value(1.0, 1.0, alpha="100")


# ------------------------------------------------------------------- M-values


def test_m_value_is_log2_ratio_with_offset():
    """M = log2((M + alpha)/(U + alpha)): 0 for equal signals, ±2 for a 4:1 ratio."""
    assert m_value(500.0, 500.0) == 0.0
    assert m_value(3999.0, 999.0) == pytest.approx(2.0, abs=1e-12)
    assert m_value(0.0, 0.0) == 0.0
    assert m_value(0.0, 3.0) == pytest.approx(-2.0, abs=1e-12)


def test_m_value_errors():
    """alpha = 0 with a zero intensity and shape mismatches raise."""
    with pytest.raises(ValueError, match=r"with alpha = 0 every intensity must be > 0"):
        m_value([1.0, 0.0], [1.0, 1.0], alpha=0)
    with pytest.raises(ValueError, match=r"same shape"):
        m_value([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"unmethylated must be >= 0"):
        m_value(1.0, -2.0)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.floats(min_value=1e-6, max_value=1 - 1e-6))
def test_beta_and_m_are_inverse_logit_transforms(b):
    """m_to_beta(beta_to_m(beta)) = beta (Du et al. 2010's logit relation)."""
    assert m_to_beta(beta_to_m(b)) == pytest.approx(b, rel=1e-9, abs=1e-12)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.floats(min_value=1.0, max_value=1e6), st.floats(min_value=1.0, max_value=1e6))
def test_offset_free_beta_and_m_agree(m, u):
    """With no offset, the M-value is exactly the logit2 of the beta value."""
    assert beta_to_m(beta_value(m, u, alpha=0)) == pytest.approx(
        m_value(m, u, alpha=0), rel=1e-9, abs=1e-9
    )


def test_beta_to_m_rejects_zero_and_one():
    """The M-value of beta = 0 or 1 is infinite, so those are refused."""
    with pytest.raises(ValueError, match=r"beta must be > 0"):
        beta_to_m(0.0)
    with pytest.raises(ValueError, match=r"beta must be < 1"):
        beta_to_m([0.5, 1.0])
    with pytest.raises(ValueError, match=r"m_values must be finite"):
        m_to_beta(np.inf)


def test_m_to_beta_is_stable_for_large_m():
    """Large |M| gives betas near 0 and 1 without overflow warnings."""
    with np.errstate(all="raise"):
        out = m_to_beta([-2000.0, 2000.0])
    np.testing.assert_array_equal(out, [0.0, 1.0])


# --------------------------------------------------------------------- calling


def test_call_by_mean_beta_at_the_threshold_boundary():
    """A mean exactly at the threshold is called methylated (>=), just below is not."""
    assert DEFAULT_BETA_THRESHOLD == 0.3
    beta = [[0.3, 0.3, 0.3], [0.2999, 0.3, 0.3], [0.9, 0.0, 0.0]]
    assert call_hypermethylation(beta).tolist() == [True, False, True]


def test_call_by_fraction_ignores_a_single_aberrant_probe():
    """The fraction rule needs most CpGs methylated; one 0.95 probe is not enough."""
    beta = [[0.02, 0.04, 0.03, 0.95], [0.5, 0.6, 0.02, 0.7]]
    assert call_hypermethylation(beta, method="mean", threshold=0.2).tolist() == [True, True]
    called = call_hypermethylation(beta, threshold=0.3, method="fraction", min_fraction=0.5)
    assert called.tolist() == [False, True]


def test_call_one_sample_returns_a_bool():
    """A 1-D beta vector is one sample: the call is a plain bool."""
    assert call_hypermethylation([0.5, 0.4]) is True
    assert call_hypermethylation([0.05, 0.1], threshold=0.5) is False


def test_call_errors():
    """Betas out of [0, 1], bad shapes, thresholds and methods raise clear errors."""
    with pytest.raises(ValueError, match=r"beta must be <= 1"):
        call_hypermethylation([[0.2, 1.2]])
    with pytest.raises(ValueError, match=r"1-D .* or 2-D"):
        call_hypermethylation(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"at least one sample and at least one CpG"):
        call_hypermethylation(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"threshold must be < 1"):
        call_hypermethylation([0.2], threshold=1.0)
    with pytest.raises(ValueError, match=r"method must be one of 'mean', 'fraction'"):
        call_hypermethylation([0.2], method="median")
    with pytest.raises(ValueError, match=r"min_fraction must be > 0"):
        call_hypermethylation([0.2], method="fraction", min_fraction=0)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=12),
    st.floats(min_value=0.05, max_value=0.9),
)
def test_raising_the_threshold_never_adds_calls(values, theta):
    """Calls are monotone in the threshold (both rules)."""
    for method in ("mean", "fraction"):
        low = call_hypermethylation(values, theta, method=method)
        high = call_hypermethylation(values, min(theta + 0.05, 0.95), method=method)
        assert not (high and not low)


def test_call_agreement_counts_and_rates():
    """TP/FP/TN/FN and sensitivity/specificity/accuracy on a hand-checked example."""
    agreement = call_agreement(
        [True, True, True, False, False, False], [True, True, False, False, False, True]
    )
    assert (
        agreement.true_positive, agreement.false_positive,
        agreement.true_negative, agreement.false_negative,
    ) == (2, 1, 2, 1)  # fmt: skip
    assert agreement.sensitivity == pytest.approx(2 / 3)
    assert agreement.specificity == pytest.approx(2 / 3)
    assert agreement.accuracy == pytest.approx(4 / 6)
    assert call_agreement(np.array([1, 0]), np.array([1, 0])).accuracy == 1.0


def test_call_agreement_errors():
    """Mismatched lengths, non-boolean values and undefined rates raise."""
    with pytest.raises(ValueError, match=r"called and truth must have the same shape"):
        call_agreement([True, False], [True])
    with pytest.raises(ValueError, match=r"must hold booleans"):
        call_agreement([0.5], [1])
    with pytest.raises(ValueError, match=r"at least one sample"):
        call_agreement([], [])
    only_negative = call_agreement([False, True], [False, False])
    with pytest.raises(ValueError, match=r"no positive samples"):
        _ = only_negative.sensitivity
    only_positive = call_agreement([True], [True])
    with pytest.raises(ValueError, match=r"no negative samples"):
        _ = only_positive.specificity


# ------------------------------------------------------------------ the dataset


def test_cohort_calls_match_the_datasheet():
    """On the shipped cohort the mean-beta rule at 0.3 calls 18 of 21 methylated tumours and
    no unmethylated one, as the datasheet states."""
    df = datasets.load("mlh1_methylation_cohort")
    assert df.shape == (1200, 8)
    df["beta"] = beta_value(df["methylated_signal"], df["unmethylated_signal"])
    per_sample = df.groupby("sample_id").agg(
        mean_beta=("beta", "mean"), truth=("true_status", "first")
    )
    called = call_hypermethylation(
        df.pivot(index="sample_id", columns="cpg_id", values="beta").to_numpy()
    )
    np.testing.assert_array_equal(called, per_sample["mean_beta"].to_numpy() >= 0.3)
    agreement = call_agreement(called, per_sample["truth"].to_numpy() == "methylated")
    assert (agreement.true_positive, agreement.false_negative) == (18, 3)
    assert agreement.false_positive == 0
    assert (df["source_quality"] == "simulated").all()
