"""resistlab.widgets.pk: the PK explorer and its pure state function."""

from __future__ import annotations

import time

import numpy as np
import pytest

from resistlab.pk import two_compartment
from resistlab.widgets import explore_pk, pk_state
from resistlab.widgets.pk import carrier_clearance


def test_state_matches_the_library_and_label_values():
    """The plasma curve is resistlab.pk.two_compartment; AUC = dose/CL; PLD t1/2 = 55 h."""
    s = pk_state(20.0, "PEG-liposomal doxorubicin", 90.0)
    ref = two_compartment(s["t_h"], 20.0, 2.398, 0.041, 0.7455, 0.07325)
    assert np.allclose(s["plasma"], ref, rtol=1e-9)
    assert s["auc_plasma"] == pytest.approx(20.0 / 0.041)
    assert s["terminal_half_life_h"] == pytest.approx(55.0, rel=1e-3)
    free = pk_state(20.0, "doxorubicin")
    assert free["terminal_half_life_h"] == pytest.approx(30.0, rel=1e-3)


def test_tumour_curve_integrates_to_the_tumour_auc():
    """The tumour curve starts at 0 and its area approaches k_in/k_out x plasma AUC."""
    s = pk_state(20.0, "doxorubicin", tumour="leaky")
    assert s["tumour"][0] == 0.0
    area = np.sum((s["tumour"][1:] + s["tumour"][:-1]) / 2 * np.diff(s["t_h"]))
    assert area == pytest.approx(s["auc_tumour"], rel=0.02)  # 10 days hold ~all of it
    assert (
        pk_state(20.0, "PEG-liposomal doxorubicin", tumour="poorly leaky")["auc_tumour"]
        < (pk_state(20.0, "PEG-liposomal doxorubicin", tumour="leaky")["auc_tumour"])
    )


def test_size_window():
    """Below 5.5 nm the carrier is filtered (much faster clearance); above 100 nm it rises."""
    assert carrier_clearance(4.0) > 100 * carrier_clearance(50.0)
    assert carrier_clearance(200.0) > carrier_clearance(100.0) == pytest.approx(0.041)
    assert pk_state(particle_nm=4.0)["auc_plasma"] < pk_state(particle_nm=50.0)["auc_plasma"]
    assert pk_state(20.0, "doxorubicin", 4.0)["auc_plasma"] == pytest.approx(20.0 / 33.0)


def test_bad_input():
    """Unknown formulation, zero dose or size: ValueError."""
    with pytest.raises(ValueError, match="formulation must be one of"):
        pk_state(20.0, "Myocet")
    with pytest.raises(ValueError, match="dose_mg_m2 must be > 0"):
        pk_state(0.0)
    with pytest.raises(ValueError, match="particle_nm must be > 0"):
        pk_state(20.0, particle_nm=0.0)


def test_fast_update_matches_full_redraw(blit_check):
    """Every control takes the fast path, identical to a full redraw."""
    blit_check(explore_pk, [("dose_mg_m2", 60.0), ("formulation", "doxorubicin"),
                            ("particle_nm", 4.0), ("tumour", "poorly leaky")])  # fmt: skip


def test_update_latency_p95():
    """p95 of a control change in isolation (loose bound: the machine is shared)."""
    explorer = explore_pk()
    samples = []
    for dose in (10.0, 30.0, 50.0, 70.0):
        for size in (3.0, 50.0, 250.0):
            start = time.perf_counter()
            explorer.controls["dose_mg_m2"].value = dose
            explorer.controls["particle_nm"].value = size
            samples.append((time.perf_counter() - start) / 2)
    assert np.percentile(samples, 95) < 0.5
