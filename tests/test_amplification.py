"""Tests for resistlab.amplification: titration, double minutes, MET calling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resistlab import amplification as amp
from resistlab import datasets

positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------------------
# Tight binding and the titration model
# --------------------------------------------------------------------------------------


def test_no_inhibitor_leaves_full_activity():
    assert amp.tight_binding_fractional_activity(0.0, 50.0, 0.1) == 1.0


def test_titration_limit_is_linear_in_drug():
    """Ki -> 0: the drug removes one enzyme per molecule, activity = 1 - I/E until zero."""
    inhibitor = np.array([0.0, 25.0, 50.0, 75.0, 150.0])
    activity = amp.tight_binding_fractional_activity(inhibitor, 100.0, 1e-9)
    np.testing.assert_allclose(activity, [1.0, 0.75, 0.5, 0.25, 0.0], atol=1e-6)


def test_classical_limit_ignores_enzyme_level():
    """Ki >> E: free drug = total drug, activity = Ki / (Ki + I) whatever the enzyme level."""
    for enzyme in (1e-3, 1e-2):
        activity = amp.tight_binding_fractional_activity([10.0, 30.0], enzyme, 10.0)
        np.testing.assert_allclose(activity, [0.5, 0.25], rtol=1e-3)


def test_morrison_matches_the_binding_equilibrium():
    """The closed form solves Ki = (E - C)(I - C) / C for the complex C (checked with brentq)."""
    from scipy.optimize import brentq

    enzyme, inhibitor, ki = 40.0, 30.0, 2.5
    complex_nM = brentq(
        lambda c: (enzyme - c) * (inhibitor - c) - ki * c, 0.0, min(enzyme, inhibitor)
    )
    expected = 1.0 - complex_nM / enzyme
    assert amp.tight_binding_fractional_activity(inhibitor, enzyme, ki) == pytest.approx(
        expected, rel=1e-10
    )


@settings(derandomize=True, max_examples=60, deadline=None)
@given(enzyme=positive, ki=positive)
def test_tight_binding_ic50_halves_activity(enzyme, ki):
    """IC50 = Ki + E/2 gives exactly half the activity, whatever E and Ki."""
    ic50 = amp.tight_binding_ic50_nM(enzyme, ki)
    assert amp.tight_binding_fractional_activity(ic50, enzyme, ki) == pytest.approx(0.5, abs=1e-9)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(enzyme=positive, ki=positive, i1=positive, i2=positive)
def test_activity_falls_with_drug_and_stays_in_unit_interval(enzyme, ki, i1, i2):
    low, high = sorted((i1, i2))
    a_low = amp.tight_binding_fractional_activity(low, enzyme, ki)
    a_high = amp.tight_binding_fractional_activity(high, enzyme, ki)
    assert 0.0 <= a_high <= a_low <= 1.0


def test_methotrexate_ic50_reference_values():
    """Default model: 5 nM enzyme per copy, Ki 1 nM -> IC50 = 1 + 2.5 n nM."""
    np.testing.assert_allclose(amp.methotrexate_ic50_nM([2, 20, 600]), [6.0, 51.0, 1501.0])


def test_ic50_doubles_with_copies_once_enzyme_dominates():
    """Titration: doubling a large copy number doubles the IC50 (log-log slope 1)."""
    ratio = amp.methotrexate_ic50_nM(2000) / amp.methotrexate_ic50_nM(1000)
    assert ratio == pytest.approx(2.0, rel=1e-3)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(copies=st.floats(min_value=0.5, max_value=5000), ki=positive)
def test_loglog_slope_is_the_derivative_of_log_ic50(copies, ki):
    h = 1e-5
    numeric = (
        math.log(amp.methotrexate_ic50_nM(copies * math.exp(h), ki_nM=ki))
        - math.log(amp.methotrexate_ic50_nM(copies * math.exp(-h), ki_nM=ki))
    ) / (2 * h)
    slope = amp.titration_loglog_slope(copies, ki_nM=ki)
    assert 0.0 <= slope <= 1.0
    assert slope == pytest.approx(numeric, abs=1e-6)


def test_loglog_slope_limits():
    assert amp.titration_loglog_slope(1e6) == pytest.approx(1.0, abs=1e-5)
    assert amp.titration_loglog_slope(1.0, ki_nM=1e9) == pytest.approx(0.0, abs=1e-8)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(exponent=st.floats(-2, 2), prefactor=st.floats(0.01, 100))
def test_fit_power_law_recovers_exact_power_laws(exponent, prefactor):
    x = np.array([1.0, 3.0, 10.0, 40.0, 200.0])
    fit = amp.fit_power_law(x, prefactor * x**exponent)
    assert fit.exponent == pytest.approx(exponent, abs=1e-9)
    assert fit.prefactor == pytest.approx(prefactor, rel=1e-9)
    assert fit.r_squared == pytest.approx(1.0, abs=1e-9) or exponent == pytest.approx(0)


def test_fit_power_law_on_the_shipped_clones_gives_slope_one():
    """The simulated DHFR clones follow the titration model: exponent close to 1."""
    clones = datasets.load("dhfr_methotrexate_clones")
    fit = amp.fit_power_law(clones["dhfr_copy_number"], clones["methotrexate_ic50_nM"])
    assert fit.exponent == pytest.approx(1.0118, abs=1e-3)
    assert fit.prefactor == pytest.approx(2.514, rel=1e-3)
    assert 0.98 < fit.r_squared <= 1.0


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([5.0, 5.0, 5.0], [1.0, 2.0, 3.0], "at least two different values"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], "same shape"),
        ([1.0, 0.0], [1.0, 2.0], "x must be > 0"),
        ([1.0, 2.0], [1.0, -2.0], "y must be > 0"),
        ([1.0], [1.0], "at least 2"),
    ],
)
def test_fit_power_law_rejects_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        amp.fit_power_law(x, y)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: amp.tight_binding_fractional_activity(-1.0, 10.0, 1.0),
            "inhibitor_nM must be >= 0",
        ),
        (lambda: amp.tight_binding_fractional_activity(1.0, 0.0, 1.0), "enzyme_nM must be > 0"),
        (lambda: amp.tight_binding_ic50_nM(10.0, 0.0), "ki_nM must be > 0"),
        (lambda: amp.methotrexate_ic50_nM(0.0), "dhfr_copy_number must be > 0 copies per cell"),
        (lambda: amp.methotrexate_ic50_nM(2, enzyme_per_copy_nM=-5), "enzyme_per_copy_nM"),
        (lambda: amp.titration_loglog_slope([2, float("nan")]), "finite"),
    ],
)
def test_titration_error_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------------------
# Double minutes
# --------------------------------------------------------------------------------------


@settings(derandomize=True, max_examples=50, deadline=None)
@given(copies=st.lists(st.integers(0, 200), min_size=1, max_size=30), seed=st.integers(0, 2**16))
def test_segregation_conserves_replicated_copies(copies, seed):
    """Each cell's 2k replicated copies all go to one daughter or the other."""
    a, b = amp.segregate_double_minutes(copies, rng=seed)
    np.testing.assert_array_equal(a + b, 2 * np.asarray(copies))
    assert (a >= 0).all() and (b >= 0).all()


def test_segregation_is_binomial_with_mean_k_and_variance_k_over_2():
    k = 12
    a, b = amp.segregate_double_minutes(np.full(200_000, k), rng=11)
    assert a.mean() == pytest.approx(k, abs=0.03)
    assert a.var() == pytest.approx(k / 2, rel=0.02)
    assert b.var() == pytest.approx(k / 2, rel=0.02)


def test_segregation_is_reproducible_with_a_seed():
    first = amp.segregate_double_minutes([3, 7, 40], rng=5)
    second = amp.segregate_double_minutes([3, 7, 40], rng=5)
    np.testing.assert_array_equal(first[0], second[0])


@pytest.mark.parametrize(
    ("copies", "match"),
    [([1, 2.5], "whole numbers of double minutes"), ([-1], "copies must be >= 0")],
)
def test_segregation_rejects_bad_copies(copies, match):
    with pytest.raises(ValueError, match=match):
        amp.segregate_double_minutes(copies, rng=0)


def test_simulation_shape_and_constant_population():
    sim = amp.simulate_double_minutes(
        15, n_cells=500, generations=30, fitness_cost_per_copy=0.02, rng=3
    )
    assert sim.counts.shape[0] == 31
    np.testing.assert_array_equal(sim.population_size, 500)
    assert sim.counts[0, 15] == 500 and sim.counts[0].sum() == 500
    assert sim.extinct_at is None
    frame = sim.to_frame()
    assert frame["n_cells"].sum() == 500 * 31


def test_without_cost_the_mean_copy_number_is_conserved_in_expectation():
    """s = 0, off drug: E[mean] stays at its start (average over seeded replicate runs)."""
    finals = [
        amp.simulate_double_minutes(10, n_cells=400, generations=20, rng=seed).mean_copy_number[-1]
        for seed in range(40)
    ]
    # Each run's final mean has SD ~ sqrt(20 gens * (k/2 segregation + k drift)/N) ~ 0.9.
    assert np.mean(finals) == pytest.approx(10.0, abs=0.5)


def test_with_a_cost_copies_are_lost_off_drug():
    sim = amp.simulate_double_minutes(
        20, n_cells=2000, generations=40, fitness_cost_per_copy=0.02, rng=1
    )
    mean = sim.mean_copy_number
    assert mean[-1] < 0.1 * mean[0]
    assert sim.fraction_with_at_least(10)[-1] < 0.05


def test_a_larger_cost_loses_copies_faster():
    slow, fast = (
        amp.simulate_double_minutes(
            20, n_cells=2000, generations=15, fitness_cost_per_copy=s, rng=2
        ).mean_copy_number[-1]
        for s in (0.01, 0.05)
    )
    assert fast < slow < 20


def test_drug_selection_keeps_the_amplification():
    """On drug (cells below 10 copies cannot divide) every cell keeps >= 10 copies."""
    sim = amp.simulate_double_minutes(
        20,
        n_cells=1000,
        generations=40,
        fitness_cost_per_copy=0.02,
        min_copies_to_divide=10,
        rng=4,
    )
    np.testing.assert_allclose(sim.fraction_with_at_least(10), 1.0)
    assert sim.mean_copy_number[-1] > 12


def test_population_that_cannot_divide_goes_extinct():
    sim = amp.simulate_double_minutes(
        2, n_cells=100, generations=5, min_copies_to_divide=50, rng=0
    )
    assert sim.extinct_at == 1
    np.testing.assert_array_equal(sim.population_size, [100, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(sim.mean_copy_number[1:], 0.0)


def test_simulation_accepts_one_value_per_cell_and_is_reproducible():
    start = [0, 5, 10, 40]
    a = amp.simulate_double_minutes(start, generations=10, fitness_cost_per_copy=0.01, rng=9)
    b = amp.simulate_double_minutes(start, generations=10, fitness_cost_per_copy=0.01, rng=9)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.counts[0, [0, 5, 10, 40]], 1)
    assert a.population_size[-1] == 4


@settings(derandomize=True, max_examples=20, deadline=None)
@given(k0=st.integers(0, 40), cost=st.floats(0, 0.2), seed=st.integers(0, 1000))
def test_simulation_invariants(k0, cost, seed):
    """Counts are non-negative, rows sum to N, and the 'at least k' fraction falls with k."""
    sim = amp.simulate_double_minutes(
        k0, n_cells=50, generations=8, fitness_cost_per_copy=cost, rng=seed
    )
    assert (sim.counts >= 0).all()
    np.testing.assert_array_equal(sim.counts.sum(axis=1), 50)
    fractions = np.array([sim.fraction_with_at_least(k) for k in range(sim.counts.shape[1])])
    assert (np.diff(fractions, axis=0) <= 1e-12).all()
    np.testing.assert_allclose(sim.fraction_with_at_least(0), 1.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fitness_cost_per_copy": 1.0}, "fitness_cost_per_copy must be < 1"),
        ({"fitness_cost_per_copy": -0.1}, "fitness_cost_per_copy must be >= 0"),
        ({"generations": -1}, "generations must be >= 0"),
        ({"generations": 2.5}, "generations must be a whole number"),
        ({"min_copies_to_divide": 1.5}, "min_copies_to_divide must be a whole number"),
        ({"n_cells": 0}, "n_cells must be >= 1"),
        ({"n_cells": 10.5}, "n_cells must be a whole number"),
    ],
)
def test_simulation_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        amp.simulate_double_minutes(5, **kwargs)


def test_simulation_rejects_inconsistent_cells():
    with pytest.raises(ValueError, match=r"n_cells \(5\) must match"):
        amp.simulate_double_minutes([1, 2, 3], n_cells=5)
    with pytest.raises(ValueError, match="1-D array"):
        amp.simulate_double_minutes([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="rng must be"):
        amp.simulate_double_minutes(5, rng="seed")
    with pytest.raises(ValueError, match="initial_copies needs at least 1 value"):
        amp.simulate_double_minutes([])


def test_fraction_with_at_least_rejects_a_negative_copy_number():
    sim = amp.simulate_double_minutes(3, n_cells=5, generations=1, rng=0)
    with pytest.raises(ValueError, match="min_copies must be >= 0 copies"):
        sim.fraction_with_at_least(-1)


# --------------------------------------------------------------------------------------
# MET amplification calls
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gcn", "ratio", "expected"),
    [
        (5.0, 1.0, True),  # exactly on the GCN cut-off: amplified
        (4.99, 1.0, False),
        (3.0, 2.0, True),  # exactly on the ratio cut-off: amplified
        (3.0, 1.99, False),
        (4.99, 1.99, False),
        (8.8, 2.8, True),  # INSIGHT's median MET-amplified tumour
        (0.0, 0.0, False),
    ],
)
def test_met_call_edge_cases(gcn, ratio, expected):
    result = amp.call_met_amplification(gcn, ratio)
    assert isinstance(result, bool)
    assert result is expected


def test_met_call_is_vectorised():
    calls = amp.call_met_amplification(np.array([5.0, 4.0, 2.0]), np.array([1.0, 2.5, 1.0]))
    assert calls.dtype == bool
    assert calls.tolist() == [True, True, False]


@pytest.mark.parametrize(
    ("gcn", "ratio", "match"),
    [
        ([5.0, 2.0], [1.0], "same shape"),
        ([-1.0], [1.0], "gene_copy_number must be >= 0"),
        ([1.0], [float("nan")], "met_cep7_ratio must be finite"),
    ],
)
def test_met_call_rejects_bad_input(gcn, ratio, match):
    with pytest.raises(ValueError, match=match):
        amp.call_met_amplification(gcn, ratio)


def test_panel_calls_and_edge_cases():
    """The simulated panel: 31 amplified (15 GCN only, 1 ratio only), two rows on a cut-off."""
    panel = datasets.load("nsclc_met_panel")
    assert len(panel) == 150
    assert (panel["source_quality"] == "simulated").all()
    gcn, ratio = panel["met_gene_copy_number"], panel["met_cep7_ratio"]
    calls = amp.call_met_amplification(gcn, ratio)
    assert calls.sum() == 31
    assert ((gcn >= 5) & (ratio < 2)).sum() == 15
    assert ((gcn < 5) & (ratio >= 2)).sum() == 1
    assert ((gcn == 5.0) & (ratio < 2)).sum() == 1 and ((ratio == 2.0) & (gcn < 5)).sum() == 1
    np.testing.assert_allclose(gcn, panel["met_signals"] / panel["nuclei_scored"], atol=0.005)
    np.testing.assert_allclose(ratio, panel["met_signals"] / panel["cep7_signals"], atol=0.005)
    assert not calls[panel["simulated_state"] == "disomy"].any()


def test_clone_dataset_is_simulated_and_positive():
    clones = datasets.load("dhfr_methotrexate_clones")
    assert (clones["source_quality"] == "simulated").all()
    assert clones["citation"].str.startswith("simulated").all()
    assert (clones[["dhfr_copy_number", "methotrexate_ic50_nM"]] > 0).all().all()
    # Up to ~300-fold DHFR activity (Schimke et al. 1978), not beyond.
    assert 100 < clones["dhfr_activity_fold"].max() <= 300


def test_spare_capacity_ic50_gives_a_loglog_slope_near_one():
    """A classical inhibitor with spare capacity: IC50 = Ki (n/(2f) - 1), slope ~1.02 over 2-128
    copies with f = 0.1, so a slope near 1 does not by itself show titration."""
    from resistlab.amplification import fit_power_law, spare_capacity_ic50_nM

    n = np.array([2, 4, 8, 16, 32, 64, 128], dtype=float)
    ic50 = spare_capacity_ic50_nM(n, ki_nM=1.0, required_fraction=0.1)
    np.testing.assert_allclose(ic50, n / 0.2 - 1.0, rtol=1e-12)
    assert fit_power_law(n, ic50).exponent == pytest.approx(1.021989, rel=1e-5)
    assert spare_capacity_ic50_nM(2, ki_nM=3.0, required_fraction=0.5) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="required_fraction"):
        spare_capacity_ic50_nM(0.1, required_fraction=0.1)
    with pytest.raises(ValueError, match="required_fraction"):
        spare_capacity_ic50_nM(4, required_fraction=0.0)
