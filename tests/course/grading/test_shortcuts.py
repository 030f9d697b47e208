"""Library shortcuts are declared in every assignment 01-09 that asks for something the
library provides, and flagged wherever the student imports them (ATTACK_REPORT #7 against
issue 9: ``from resistlab.pharmacology import hill`` earned 01's marks with no flag).

The static scan runs on the instructor's notebooks (no kernel): each declared name, imported
as the whole answer, raises ``library_shortcut``; the instructor's own solutions raise none.
A slow test grades 01 for real: the attack's "lazy" submission (the library's ``hill`` and
invented, self-consistent tables) is flagged, and its tables earn nothing.
"""

from __future__ import annotations

import ast
import base64
import copy
import functools
import importlib
import inspect
import io
import json
import pickle
import pkgutil
import sys
import textwrap
import types
import warnings
import zipfile

import nbformat
import numpy as np
import pytest
from helpers import NOTEBOOK_PATHS, ROOT

import resistlab
from resistlab.course.grading.integrity import forbidden_names, shortcut_flags
from resistlab.dna_repair import LQFit
from resistlab.persisters import TwoStateRates

# review 57: biphasic_kill is the two-state model that never switches, and its helpers
TWO_STATE = [
    "resistlab.persisters.simulate_two_state",
    "resistlab.persisters.surviving_fraction",
    "resistlab.persisters.equilibrium_tolerant_fraction",
    "resistlab.persisters._initial_state",
    "resistlab.persisters._parse_schedule",
    "resistlab.persisters._check_within",
    "resistlab.persisters._expm2_apply",
]
# assignment -> {answer cell: names the exercise asks the student to write or compute}
DECLARED = {
    "01-dose-response": {
        "answer_hill_function": [
            "resistlab.pharmacology.hill",
            "resistlab.pharmacology._gr_curve",  # GRFit.predict's curve, which is not hill's
            "resistlab.pharmacology._occupancy",  # review 56: hill's own d^h / (d^h + c^h)
            "resistlab.pharmacology._area_fraction",  # review 63: its mean over one dose
            "resistlab.pharmacology._log10_softplus",
            "resistlab.signalling.fractional_inhibition",  # review 56: the same numbers
            "resistlab.binding.fraction_inhibited",
            "resistlab.binding.apparent_ki",
            "resistlab.efflux.competitive_km",
            "resistlab.efflux.noncompetitive_vmax",
            "resistlab.transport.relative_uptake",  # review 61: with a vanishing Km
            "resistlab.transport.uptake_rate",  # Michaelis-Menten, x / (x + K)
        ],
        "answer_gr_values": ["resistlab.pharmacology.gr_values"],
    },
    "02-evolution-of-resistance": {
        "answer_m_from_p0": ["resistlab.evolution.estimate_m_p0"],
        "answer_prob_resistance": [
            "resistlab.evolution.prob_preexisting_resistance",
            "resistlab.evolution.goldie_coldman",  # review 19: its complement, 1 - P
        ],
        "answer_variance_to_mean": [
            "resistlab.plotting.evolution._vmr",
            "resistlab.widgets.evolution._summary",  # review 68: its "vmr"
        ],
    },
    "03-target-mutations": {
        "answer_fraction_inhibited": [
            "resistlab.binding.fraction_inhibited",
            "resistlab.pharmacology.hill",  # hill(I, 0, 1, Ki (1 + ATP / Km), 1) is the same
            "resistlab.binding.apparent_ki",
            "resistlab.efflux.competitive_km",
            "resistlab.pharmacology._occupancy",
            "resistlab.signalling.fractional_inhibition",
            "resistlab.efflux.noncompetitive_vmax",
            "resistlab.transport.relative_uptake",  # review 61: with a vanishing Km
            "resistlab.transport.uptake_rate",  # Michaelis-Menten, x / (x + K)
            "resistlab.pharmacology._area_fraction",  # review 63: its mean over one dose
            "resistlab.pharmacology._log10_softplus",
        ],
        "answer_t790m_occupancy": [
            "resistlab.binding.fraction_inhibited",
            "resistlab.binding.occupancy_loss",
            "resistlab.binding.ic50_fold_shift",
            "resistlab.binding.apparent_ki",
            "resistlab.efflux.competitive_km",
            "resistlab.pharmacology.hill",
            "resistlab.pharmacology._occupancy",
            "resistlab.signalling.fractional_inhibition",
            "resistlab.efflux.noncompetitive_vmax",
            "resistlab.transport.relative_uptake",  # review 61: with a vanishing Km
            "resistlab.transport.uptake_rate",  # Michaelis-Menten, x / (x + K)
            "resistlab.pharmacology._area_fraction",  # review 63: its mean over one dose
            "resistlab.pharmacology._log10_softplus",
        ],
        "answer_fold_resistance": [
            "resistlab.binding.fold_resistance",
            "resistlab.binding.fold_resistance_table",
            "resistlab.pharmacology.resistance_index",
            "resistlab.pk.auc_iv",
            "resistlab.transport.relative_uptake",  # review 61: with vanishing Kms
            "resistlab.transport.equivalent_concentration",  # at S = 1
            "resistlab.transport.uptake_rate",  # relative_uptake's own
        ],
    },
    "04-gene-amplification": {
        "answer_fit_power_law": ["resistlab.amplification.fit_power_law"],
        "answer_call_met": ["resistlab.amplification.call_met_amplification"],
        "answer_pathway_output": [
            "resistlab.signalling.bypass_output",
            "resistlab.signalling.fractional_inhibition",
            "resistlab.signalling.bypass_branches",
            "resistlab.pharmacology.hill",
            "resistlab.pharmacology._occupancy",
            "resistlab.binding.fraction_inhibited",
            "resistlab.binding.apparent_ki",
            "resistlab.efflux.competitive_km",
            "resistlab.efflux.noncompetitive_vmax",
            "resistlab.transport.relative_uptake",  # review 61: with a vanishing Km
            "resistlab.transport.uptake_rate",  # Michaelis-Menten, x / (x + K)
            "resistlab.pharmacology._area_fraction",  # review 63: its mean over one dose
            "resistlab.pharmacology._log10_softplus",
        ],
    },
    "05-epigenetics-and-persisters": {
        "answer_mlh1_calls": [
            "resistlab.epigenetics.beta_value",
            "resistlab.epigenetics.call_hypermethylation",
            "resistlab.persisters.equilibrium_tolerant_fraction",  # review 61: only switching
        ],
        "answer_biphasic_kill": [
            "resistlab.persisters.biphasic_kill",
            "resistlab.persisters._log_biphasic",  # review 56: the same curve in log space
            *TWO_STATE,  # review 57: the two-state model with no switching
        ],
        "answer_persister_fit": [
            "resistlab.persisters.fit_biphasic_kill",
            "resistlab.persisters.biphasic_kill",
            "resistlab.persisters._log_biphasic",
            *TWO_STATE,  # review 57: the two-state model with no switching
        ],
        "answer_holiday_days": [
            "resistlab.persisters.drug_holiday_h",
            "resistlab.persisters._fraction_after",
        ],
    },
    "06-drug-efflux": {
        "answer_steady_state": ["resistlab.efflux.steady_state_intracellular"],
        "answer_fold_resistance": ["resistlab.efflux.fold_resistance"],
        "answer_inhibitor_reversal": [
            "resistlab.efflux.fold_resistance",
            "resistlab.efflux.competitive_km",
            "resistlab.efflux.noncompetitive_vmax",
            "resistlab.binding.apparent_ki",
            "resistlab.pharmacology.hill",
            "resistlab.pharmacology._occupancy",
            "resistlab.signalling.fractional_inhibition",
            "resistlab.binding.fraction_inhibited",
            "resistlab.transport.relative_uptake",  # review 61: with a vanishing Km
            "resistlab.transport.uptake_rate",  # Michaelis-Menten, x / (x + K)
            "resistlab.pharmacology._area_fraction",  # review 63: its mean over one dose
            "resistlab.pharmacology._log10_softplus",
        ],
    },
    "07-dna-repair": {
        "answer_survival_table": [
            "resistlab.dna_repair.plating_efficiency",
            "resistlab.dna_repair.surviving_fraction",
        ],
        "answer_ercc1_model": [
            "resistlab.dna_repair.dose_for_half_kill",
            "resistlab.dna_repair.LQFit.dose_for",  # review 61: with beta = 0, ln 2 / alpha
            "resistlab.dna_repair.adduct_survival",  # review 68: ln 2 / -ln S at 1 uM
            "resistlab.dna_repair.adduct_area",  # what adduct_survival computes with
        ],
    },
    "08-tumor-microenvironment": {
        "answer_krogh_profile": [
            "resistlab.microenvironment.krogh_profile",
            "resistlab.microenvironment._krogh",
        ],
        "answer_hypoxic_fraction": [
            "resistlab.microenvironment.hypoxic_fraction",
            "resistlab.microenvironment._krogh",
            "resistlab.microenvironment._krogh_float",
        ],
        "answer_drug_penetration": [
            "resistlab.microenvironment.penetration_length",
            "resistlab.microenvironment.drug_concentration_profile",
        ],
    },
    "09-cancer-stem-cells": {
        "answer_conventional_therapy": ["resistlab.stem_cells.time_to_relapse"],
        "answer_stem_targeting": ["resistlab.stem_cells.time_to_relapse"],
        "answer_side_population": [
            "resistlab.stem_cells.side_population_fraction",
            "resistlab.stem_cells.in_gate",
        ],
    },
    "10-targeted-therapy-trials": {
        "answer_km": ["resistlab.survival.kaplan_meier"],
        "answer_hr": ["resistlab.survival.hazard_ratio_exponential"],
        # review 60: the explorer's numbers, its power the answer
        "answer_power": [
            "resistlab.survival.trial_power",
            "resistlab.widgets.survival.trial_state",
            "resistlab.widgets.survival._schoenfeld_power",  # review 59
            "resistlab.survival.kaplan_meier",
            "resistlab.survival.hazard_ratio_exponential",
        ],
    },
    # review 66 B#2: the explorers' numbers, their mean excess and call, and their times to
    # progression, the answers
    "11-drug-combinations": {
        "answer_scores": [
            "resistlab.widgets.synergy.combination_state",
            "resistlab.widgets.synergy._scores",
        ],
        "answer_classify": [
            "resistlab.widgets.synergy.combination_state",
            "resistlab.widgets.synergy._scores",
        ],
    },
    "12-nanomedicine": {
        "answer_one_compartment": [
            "resistlab.pk.one_compartment",
            "resistlab.pk.two_compartment",
            "resistlab.pk.two_compartment_exponents",
        ],
        # review 60: the explorer's numbers, its half-life the answer
        "answer_half_life_auc": [
            "resistlab.pk.auc_trapezoid",
            "resistlab.widgets.pk.pk_state",
            "resistlab.widgets.pk._curves",
            "resistlab.widgets.pk.carrier_clearance",
        ],
    },
    "13-immunotherapy": {
        "answer_rhs": [
            "resistlab.immunology.kuznetsov_rhs",
            "resistlab.immunology._rhs2",
            "resistlab.immunology.antigen_loss_rhs",
            "resistlab.immunology._rhs3",
            "resistlab.immunology._negative_growth",
        ],
        "answer_tmb": ["resistlab.immunology.roc_auc"],
    },
    "14-adaptive-therapy": {
        "answer_decision": [
            "resistlab.widgets.adaptive.adaptive_therapy_state",
            "resistlab.widgets.adaptive._simulate",
        ],
    },
}


def _source(slug):
    """The instructor's notebook and its cells as the gradebook snapshot holds them."""
    nb = nbformat.read(ROOT / "notebooks" / slug / f"{slug}.ipynb", as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id"):
            cells.append(
                {
                    "name": meta["grade_id"],
                    "cell_type": cell.cell_type,
                    "source": cell.source,
                    "locked": bool(meta.get("locked")),
                }
            )
    return nb, cells


def _student_cells(nb):
    return [
        i
        for i, c in enumerate(nb.cells)
        if not c.metadata.get("nbgrader", {}).get("locked", False)
        and c.metadata.get("nbgrader", {}).get("solution", False)
    ]


def _submit(course, slug, student, nb):
    folder = course / "submitted" / student / slug
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{slug}.ipynb")


def _added(source):
    """A cell the student added (no nbgrader metadata)."""
    return nbformat.v4.new_code_cell(source)


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


@pytest.mark.parametrize("slug", sorted(DECLARED))
def test_every_declared_shortcut_is_flagged_and_solutions_are_clean(slug):
    nb, cells = _source(slug)
    declared = forbidden_names(cells)
    for gid, names in DECLARED[slug].items():
        assert sorted(declared.get(gid, [])) == sorted(names), (gid, declared.get(gid))
    assert shortcut_flags(nb, _student_cells(nb), cells) == [], "a solution uses a shortcut"
    timed = copy.deepcopy(nb)  # review 18 #3: the author's own `# grader:` lines under %%time
    for gid in DECLARED[slug]:
        _cell(timed, gid).source = "%%time\n" + _cell(timed, gid).source
    assert shortcut_flags(timed, _student_cells(timed), cells) == [], "%%time made a shortcut"
    for gid, names in DECLARED[slug].items():
        for dotted in names:
            module, name = dotted.rsplit(".", 1)
            shortcut = copy.deepcopy(nb)
            _cell(shortcut, gid).source = f"from {module} import {name}\n"
            flags = [str(f) for f in shortcut_flags(shortcut, _student_cells(shortcut), cells)]
            assert f"library_shortcut({gid}: {dotted})" in flags, (gid, dotted, flags)
            _cell(shortcut, gid).source = f"%%time\nfrom {module} import {name}\n"
            flags = [str(f) for f in shortcut_flags(shortcut, _student_cells(shortcut), cells)]
            assert f"library_shortcut({gid}: {dotted})" in flags, ("%%time", gid, dotted, flags)


def test_a_shortcut_imported_in_another_answer_cell_is_flagged():
    """Imported in an earlier answer cell and called in the declaring one: still flagged."""
    nb, cells = _source("01-dose-response")
    hill_cell = _cell(nb, "answer_hill_function")
    hill_cell.source = "from resistlab.pharmacology import gr_values as _g\n" + hill_cell.source
    flags = [str(f) for f in shortcut_flags(nb, _student_cells(nb), cells)]
    assert flags == ["library_shortcut(answer_hill_function: resistlab.pharmacology.gr_values)"]


LAZY = {
    "answer_hill_function": "from resistlab.pharmacology import hill\n",
    "answer_relative_viability": """
def relative_viability(counts):
    return counts
_d = np.logspace(-2, 2, 8)
viability = pd.DataFrame({"cell_line": np.repeat(["parental", "resistant"], 8),
                          "dose_uM": np.tile(_d, 2),
                          "viability": np.concatenate([hill(_d, 1, 0, 1, 1),
                                                       hill(_d, 1, 0, 4, 1)])})
viability_fits = {l: fit_hill(w["dose_uM"], w["viability"], e0=1.0)
                  for l, w in viability.groupby("cell_line")}
ic50_uM = {l: f.ic50("absolute") for l, f in viability_fits.items()}
ri_viability = resistance_index(ic50_uM["resistant"], ic50_uM["parental"])
""",
    "answer_gr_values": """
def gr_table(counts):
    return counts
gr = pd.DataFrame({"cell_line": np.repeat(["parental", "resistant"], 8), "dose_uM": np.tile(_d, 2),
                   "gr": np.concatenate([hill(_d, 1, -0.5, 1, 1), hill(_d, 1, -0.5, 1.1, 1)])})
gr_fits = {l: fit_gr(w["dose_uM"], w["gr"]) for l, w in gr.groupby("cell_line")}
gr50_uM = {l: f.gr50 for l, f in gr_fits.items()}
ri_gr = resistance_index(gr50_uM["resistant"], gr50_uM["parental"])
""",
}


@pytest.mark.slow
def test_lazy_01_submission_is_flagged_and_invented_tables_earn_nothing(make_course):
    """The attack's "lazy" answers to 01: the library's ``hill``, a ``relative_viability`` and
    a ``gr_table`` that return their input, and invented tables fitted with the setup's own
    functions. The shortcut is flagged, and the two tests that check the fits against the
    student's own tables fail, because those tables are not what the student's functions
    give on the course data."""
    from resistlab.course import Course, answered_release, run_nbgrader
    from resistlab.course.grading import GradeOptions, grade_assignment

    slug = "01-dose-response"
    course = make_course(slug)
    run_nbgrader(["generate_assignment", slug, "--force"], root=course)
    release_path = course / "release" / slug / f"{slug}.ipynb"
    source = nbformat.read(course / "notebooks" / slug / f"{slug}.ipynb", as_version=4)
    lazy = nbformat.read(release_path, as_version=4)
    for gid, code in LAZY.items():
        _cell(lazy, gid).source = code
    _submit(course, slug, "full", answered_release(nbformat.read(release_path, 4), source))
    _submit(course, slug, "lazy", lazy)
    run = grade_assignment(Course(course), slug, GradeOptions(jobs=2, quiet=True))
    rows = {r.student: r for r in run.rows}
    assert rows["full"].score == rows["full"].max_score, rows["full"]
    assert not rows["full"].review, rows["full"].flags
    flags = [str(f) for f in rows["lazy"].flags]
    assert "library_shortcut(answer_hill_function: resistlab.pharmacology.hill)" in flags, flags
    assert rows["lazy"].review
    failed = set(rows["lazy"].failed)
    assert {"test_resistance_index_viability", "test_gr50_values"} <= failed, failed
    autograded = course / "autograded" / "lazy" / slug / f"{slug}.ipynb"
    outputs = {
        c.metadata["nbgrader"]["grade_id"]: json.dumps(c.outputs)
        for c in nbformat.read(autograded, as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    assert "apply it to counts" in outputs["test_resistance_index_viability"]
    assert "apply it to" in outputs["test_gr50_values"]


# 01's setup imports fit_hill, whose module globals hold the library's hill; an instance's
# method and a name built at run time are beyond the scan (docs/grading.md names both).
HIDDEN = """class _Lookup:
    def module(self):
        return fit_hill.__globals__

"""
HIDDEN_CALLED = {
    "answer_hill_function": HIDDEN
    + """
def hill(dose, e0, emax, ec50, h):
    return _Lookup().module()["h" + "ill"](dose, e0, emax, ec50, h)
"""
}
HIDDEN_ALIAS = {"answer_hill_function": HIDDEN + '\nhill = _Lookup().module()["h" + "ill"]\n'}
# review 16 #1: a private copy of the module, made by its own loader (no wrapper is in it)
HIDDEN_COPY = {
    "answer_hill_function": """import types

import resistlab.pharmacology as _p

_m = types.ModuleType(_p.__name__)
_m.__package__ = "resistlab"
_p.__spec__.loader.exec_module(_m)
_lib = [vars(_m)]


def hill(dose, e0, emax, ec50, h):
    return _lib[0]["hi" + "ll"](dose, e0, emax, ec50, h)
"""
}
# review 46 (B) F1-F3: the module's source compiled again under another name into a module
# of the student's, where no wrapper is, run by an interpreter of the ``code`` module, from a
# zip archive the notebook wrote, or by unpickling; the scan sees only base64 text
RECOMPILE = (
    "import resistlab.pharmacology as _p, sys, types\n"
    "_m = types.ModuleType('resistlab.mycopy')\n"
    "_m.__package__ = 'resistlab'\n"
    "sys.modules['resistlab.mycopy'] = _m\n"
    "exec(compile(open(_p.__file__, encoding='utf-8').read(), '<mycopy>', 'exec'), vars(_m))\n"
    "_h = _m.hill\n"
)
_CALLS_COPY = """

def hill(dose, e0, emax, ec50, h):
    return _h(dose, e0, emax, ec50, h)
"""
_RECOMPILED_B64 = base64.b64encode(RECOMPILE.encode()).decode()
RECOMPILED = {
    "answer_hill_function": "import base64, code\n\n"
    f"code.InteractiveInterpreter(globals()).runcode(base64.b64decode({_RECOMPILED_B64!r}).decode())"
    + _CALLS_COPY
}


def _zipped(name: str, text: str) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return base64.b64encode(buffer.getvalue()).decode()


RECOMPILED_ZIP = {
    "answer_hill_function": "import base64, sys\n\n"
    "with open('lib.zip', 'wb') as _f:\n"
    f"    _f.write(base64.b64decode({_zipped('helpermod.py', RECOMPILE)!r}))\n"
    "sys.path.insert(0, 'lib.zip')\n"
    "from helpermod import _h\n" + _CALLS_COPY
}


class _Payload:
    def __reduce__(self):
        return (exec, (RECOMPILE + "import __main__\n__main__._h = _h\n",))


RECOMPILED_PICKLE = {
    "answer_hill_function": "import base64, pickle\n\n"
    f"pickle.loads(base64.b64decode({base64.b64encode(pickle.dumps(_Payload())).decode()!r}))"
    + _CALLS_COPY
}
# review 15 #4: the module found by iterating sys.modules
HIDDEN_LOOP = {
    "answer_hill_function": """import sys

for _m in list(sys.modules.values()):
    if getattr(_m, "__name__", "") == "resistlab.pharmacology":
        _lib = _m


def hill(dose, e0, emax, ec50, h):
    return _lib.hill(dose, e0, emax, ec50, h)
"""
}

# review 17 #4: a library method that computes the forbidden function
HIDDEN_METHOD = {
    "answer_hill_function": """from resistlab.pharmacology import HillFit


def hill(dose, e0, emax, ec50, h):
    fit = HillFit(e0, emax, ec50, h, n=1, residual_se=0.0, dose_min=0.1, dose_max=10.0)
    return fit.predict(dose)
"""
}
# review 18 #1: code run by %%time (not a cell's file) hands an object to a library helper
# whose NumPy conversion computes the forbidden function: the library's frame ended the walk
HIDDEN_TIMED = {
    "answer_hill_function": """%%time
import resistlab.pharmacology as _P
from resistlab._validation import as_array

_F = getattr(dict.fromkeys([_P]).popitem()[0], "llih"[::-1])


class _L:
    def __init__(self, *args):
        self.args = args

    def __array__(self, dtype=None, copy=None):
        return np.asarray(_F(*self.args), dtype=float)


def hill(dose, e0, emax, ec50, h):
    return as_array(_L(dose, e0, emax, ec50, h), "response")
"""
}
# the wrapper taken apart with built names (the scan sees neither): the garbage collector's
# referents of the wrapper, a code object made by hand; the audit hook reports both
INTROSPECTING = {
    "answer_hill_function": """import gc as _gc

_found = getattr(_gc, "get_" + "referents")(fit_hill)
_code = getattr(fit_hill, "__co" + "de__").replace(co_name="fit")


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}
# review 20 #1: a helper compiled under a library file name (a plot's), run in a namespace of
# the student's, with built names: the audit reports the compile, the walk does not take the
# helper for the library's code
FORGED = {
    "answer_hill_function": HIDDEN
    + """
import builtins
import resistlab.plotting as _plotting

_ns = {"__name__": "resistlab.plotting"}
_src = "def plot_go(f, *a):\\n    return f(*a)\\n"
getattr(builtins, "ex" + "ec")(
    getattr(builtins, "comp" + "ile")(_src, _plotting.__file__, "ex" + "ec"), _ns
)


def hill(dose, e0, emax, ec50, h):
    return _ns["plot_go"](_Lookup().module()["h" + "ill"], dose, e0, emax, ec50, h)
"""
}
# review 21 #2: code compiled under a notebook cell's file name (the setup's, in a review:
# its calls counted as the setup's)
CELL_FORGED = {
    "answer_hill_function": """import builtins

_run = getattr(builtins, "ex" + "ec")
_run(getattr(builtins, "comp" + "ile")("_x = 1", "ipykernel_7/1234.py", "exec"), {})


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}
PROPERTY = """from hypothesis import given, settings, strategies as st


@settings(max_examples=5, deadline=None, database=None)
@given(st.floats(0.0, 10.0))
def _bounded(dose):
    assert hill(dose, 1.0, 0.0, 1.0, 1.0) <= 1.0


_bounded()
"""
# review 49 (B) #1: a tracer threading installs (stored under a built name) rewrote the
# wrapper's record of the call in its frame's locals: the call goes unreported, the tracer not
TRACED = {
    "answer_hill_function": """import sys
import threading


def _tr(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "watched_call":
        frame.f_locals["report"] = lambda *a, **k: None


_mods = vars(sys)["mod" + "ules"]
_name = "resistlab.pharma" + "cology"
_m = next(v for v in list(_mods.values()) if getattr(v, "__name__", "") == _name)
_lib_hill = getattr(_m, "hi" + "ll")
getattr(threading, "set" + "trace")(_tr)
_t = threading.Thread(target=_lib_hill, args=(1.0, 1.0, 0.0, 1.0, 1.0))
_t.start()
_t.join()
getattr(threading, "set" + "trace")(None)
hill = _lib_hill
"""
}

# review 52 #1: the writer in the closures of the wrapper of hill (reached from the setup's
# fit_hill by built names) told that every record was sent already; the hook's own records
# (the exec of text below) went unreported with it
QUIETED = {
    "answer_hill_function": """import builtins
import types

_C, _V = "__clo" + "sure__", "cell_con" + "tents"


def _walk(obj, depth, seen):
    if depth > 6 or id(obj) in seen or type(obj) is not types.FunctionType:
        return None
    seen.add(id(obj))
    if obj.__name__ == "rec" + "ord":
        return obj
    for c in getattr(obj, _C, None) or ():
        try:
            found = _walk(getattr(c, _V), depth + 1, seen)
        except ValueError:
            continue
        if found:
            return found


class _Quiet(set):
    def __contains__(self, key):
        return True


_lib_hill = getattr(fit_hill, "__glo" + "bals__")["hi" + "ll"]
for _c in getattr(_walk(_lib_hill, 0, set()), _C):
    if isinstance(getattr(_c, _V), set):
        setattr(_c, _V, _Quiet())
vars(builtins)["ex" + "ec"]("_ran = 1")


def hill(dose, e0, emax, ec50, h):
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}
# review 66 B#1: the original taken out of its wrapper (reached through the __globals__ of a
# function the setup imports, by names built from character codes) and called, the wrapper
# never run: first from the closure, where it no longer is, then from the keyword defaults,
# where it is and whose read the hook reports
UNWRAPPED = {
    "answer_hill_function": """def _n(*codes):
    return "".join(map(chr, codes))


def _unwrapped(owner, name):
    wrapper = getattr(owner, _n(95, 95, 103, 108, 111, 98, 97, 108, 115, 95, 95))[name]
    found = [
        getattr(c, _n(99, 101, 108, 108, 95, 99, 111, 110, 116, 101, 110, 116, 115))
        for c in getattr(wrapper, _n(95, 95, 99, 108, 111, 115, 117, 114, 101, 95, 95)) or ()
    ]
    kept = getattr(wrapper, _n(95, 95, 107, 119, 100, 101, 102, 97, 117, 108, 116, 115, 95, 95))
    found += list((kept or {}).values())
    return next(
        (f for f in found if callable(f) and getattr(f, "__name__", "") == name
         and f is not wrapper),
        wrapper,
    )


def hill(dose, e0, emax, ec50, h):
    occupancy = _unwrapped(fit_hill, _n(95, 111, 99, 99, 117, 112, 97, 110, 99, 121))
    d = np.asarray(dose, dtype=float)
    out = e0 + (emax - e0) * occupancy(d, float(ec50), float(h))
    return float(out) if d.ndim == 0 else out
"""
}
# ... and a cell run from a file the notebook wrote (%run of an .ipy file, through the shell
# reached by built names), which only the call watcher sees, went unreported with it too
QUIETED_NESTED = {
    "answer_hill_function": QUIETED["answer_hill_function"].replace(
        'vars(builtins)["ex" + "ec"]("_ran = 1")',
        'import sys\nopen("q.ipy", "w").write("_ran = 1\\n")\n'
        '_sh = getattr(vars(sys)["display" + "hook"], "sh" + "ell")\n'
        'getattr(_sh, "run_line_" + "magic")("ru" + "n", "q.ipy")',
    )
}

# review 17 #3: another program (a child Python has no wrapper): a review flag, not info;
# review 47: no program starts in the sandbox at all (execve fails), so the cell fails
CHILD = {
    "answer_hill_function": """import subprocess
import sys

subprocess.run([sys.executable, "-c", "print(6 * 7)"], check=True)


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}


# review 66 B#2: 11's explorer state gives the scores and the calls; its helper, kept behind
# functools.cache, gives the excess maps (reached by a built name, which the scan cannot read)
EXPLORER_SCORES = {
    "answer_scores": """from resistlab.widgets.synergy import combination_state

scores = pd.DataFrame(
    {m: {p: combination_state(p, m)["mean_excess"] for p in ("pair 1", "pair 2", "pair 3")}
     for m in ("bliss", "hsa", "loewe")}
)
"""
}
EXPLORER_CACHED = {
    "answer_scores": """def _n(*codes):
    return "".join(map(chr, codes))


_space = getattr(explore_combination, _n(95, 95, 103, 108, 111, 98, 97, 108, 115, 95, 95))
_f = _space[_n(95, 115, 99, 111, 114, 101, 115)]
_rows = {}
for _p in ("pair 1", "pair 2", "pair 3"):
    _ex = _f(_p)[3]
    _rows[_p] = {m: _ex[m][1:, 1:].mean() for m in ("bliss", "hsa", "loewe")}
scores = pd.DataFrame(_rows).T
"""
}


@pytest.mark.slow
def test_an_explorers_numbers_are_flagged_where_they_are_the_answer(make_course):
    """Review 66 B#2: ``11``'s scores taken from the explorer's ``combination_state``, or from
    its helper behind ``functools.cache`` reached by a name built at run time: flagged where
    they answer (the kernel wraps the cached helper too). The solution, which computes the
    scores with the setup's models and draws the explorer, is not."""
    slug = "11-drug-combinations"
    nb, _ = _source(slug)
    students = {"full": {}, "state": EXPLORER_SCORES, "cached": EXPLORER_CACHED}
    rows = _grade_students(make_course, slug, nb, students)
    assert rows["full"].score == rows["full"].max_score and not rows["full"].flags, rows["full"]
    helper = "resistlab.widgets.synergy"
    for student, expected in (
        ("state", f"library_shortcut(answer_scores: {helper}.combination_state)"),  # the scan
        ("cached", f"library_shortcut(answer_scores: {helper}._scores (called))"),  # the kernel
    ):
        row = rows[student]
        assert row.score == row.max_score and row.review, row
        assert expected in [str(f) for f in row.flags], (student, row.flags)


# review 67 B: frames of the kernel's own code taken by the student's: a traceback through a
# wrapper that a plot ran (a value whose __float__ raises) hands out the wrapper's function
# and, before, its reporter (filled past its count, every later call unreported); another
# thread's frames, polled, catch the audit hook's writer
_GRAB = """import dataclasses
import inspect
import traceback


class _Boom:
    def __float__(self):
        raise ArithmeticError("boom")


_fit = dataclasses.replace(
    fit_gr([0.1, 1.0, 10.0, 100.0], [0.9, 0.6, 0.2, -0.1]), gec50=_Boom(), grinf=0.6
)
_kept = {}
try:
    plot_gr_curve([0.1, 1.0, 10.0], [0.9, 0.5, 0.1], _fit)
except ArithmeticError as _e:
    for _fr, _ in traceback.walk_tb(_e.__traceback__):
        _loc = inspect.getargvalues(_fr).locals
        for _name, _value in list(_loc.items()):
            if callable(_value) and getattr(_value, "__name__", "") == "_occ" + "upancy":
                _kept["occ"] = _value
plt.close("all")
"""
FRAMES_TAKEN = {
    "answer_hill_function": _GRAB
    + """

def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    out = e0 + (emax - e0) * _kept.get("occ", lambda *a: 0.0)(d, float(ec50), float(h))
    return float(out) if d.ndim == 0 else out
"""
}
FRAMES_POLLED = {
    "answer_hill_function": """import sys
import threading
import time

_frames = getattr(sys, "_current" + "_frames")
_seen = []


def _poll():
    for _ in range(50):
        _seen.append(len(_frames()))
        time.sleep(0.001)


_t = threading.Thread(target=_poll)
_t.start()
_t.join()


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}

# review 68 B: a generator's frame taken before it ran (no callers then), resumed inside the
# audit hook by a ``str`` subclass's ``startswith`` that the hook's ``abspath`` ran; its
# ``f_back`` led to the hook's frame, the writer and the wrappers' originals
FRAMES_RESUMED = {
    "answer_hill_function": """def _a(*p):
    return "".join(p)


_box = []


def _walk():
    while True:
        f = getattr(_F, _a("f_", "back"))
        while f is not None:
            loc = getattr(f, _a("f_", "loc", "als"))
            if _a("rec", "ord") in loc and callable(loc.get(_a("cal", "ls"))) and not _box:
                _box.append(dict(loc))
                break
            f = getattr(f, _a("f_", "back"))
        yield


_gen = _walk()
_F = getattr(_gen, _a("gi_", "frame"))


class _S(str):
    def startswith(self, *a):
        try:
            next(_gen)
        except Exception:
            pass
        return str.startswith(str(self), *a)


try:
    open(_S("no-such-file"))
except OSError:
    pass


def hill(dose, e0, emax, ec50, h):
    return 0.0 * np.asarray(dose, dtype=float) + (_box and e0)
"""
}
# and the same kind of object reaching the hook as a code object's file name (made with
# ``code.replace``): its method had run inside the hook, recorded before it ran; the hook now
# reads a file name with ``str``'s own methods only
HOOK_ENTERED = {
    "answer_hill_function": """class _S(str):
    def rfind(self, *args):
        return str.rfind(str(self), *args)


_code = compile("_x = 1", "made", "exec")
exec(_code.replace(co_filename=_S("made")))


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}

# review 71 B: an audit event the notebook raised itself, whose object is a bound method (a
# type the hook keeps as it is): the hook's read of the frame attribute was handed to the
# method's function, an object of the student's, whose ``__getattr__`` ran inside the hook
# (no alarm for frames then) and took the hook's frame
FRAMES_FORWARDED = {
    "answer_hill_function": """import sys

import numpy as np

_orig = {}


class _Forward:
    def __call__(self, *args):
        return None

    def __getattr__(self, name):
        g = getattr(sys, "_get" + "frame")(0)
        while g is not None:
            if getattr(g, "f_" + "code").co_name == "hook":
                for cell in getattr(getattr(g, "f_" + "locals")["calls"], "__clo" + "sure__"):
                    v = getattr(cell, "cell_" + "contents")
                    if type(v) is dict and v and all(callable(k) for k in v):
                        _orig.update({k.__name__: k for k in v})
                break
            g = getattr(g, "f_" + "back")
        raise AttributeError(name)


class _Holder:
    def m(self):
        pass


getattr(sys, "au" + "dit")("object.__getattr__", type(_Holder().m)(_Forward(), 0), "tb_frame")


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _orig["_occupancy"](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""
}

# review 71 B: a metaclass whose ``__hash__`` (and ``__eq__``) the hook's reading of an event's
# arguments ran (``type(value) in a_set``), inside the hook with no alarm; pandas' ``eval`` at a
# level up read the hook's own ``calls`` (a take by an installed package, not looked at)
FRAMES_HASHED = {
    "answer_hill_function": """import sys

import numpy as np
import pandas as pd

_orig = {}


class _Hashed(type):
    def _probe(cls):
        if cls.__name__ == "_Probe" and not _orig:
            try:
                calls = getattr(pd, "ev" + "al")("calls", level=2, engine="python")
                for cell in getattr(calls, "__clo" + "sure__") or ():
                    v = getattr(cell, "cell_" + "contents")
                    if type(v) is dict and v and all(callable(k) for k in v):
                        _orig.update({k.__name__: k for k in v})
            except Exception:
                pass

    def __hash__(cls):
        cls._probe()
        return type.__hash__(cls)

    def __eq__(cls, other):
        cls._probe()
        return type.__eq__(cls, other)


class _Probe(metaclass=_Hashed):
    pass


getattr(sys, "au" + "dit")("resistlab.call", _Probe())


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _orig["_occupancy"](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""
}

# review 71 B: cyclic garbage whose ``__del__`` the garbage collector ran (at nearly every
# allocation) while the hook looked at a frame, where the hook asks about no frame: the
# finalizer took the hook's frame unseen
FRAMES_COLLECTED = {
    "answer_hill_function": """import gc
import sys

import numpy as np

_orig, _runs = {}, [0]
_gf = getattr(sys, "_get" + "frame")


class _Probe:
    def __init__(self):
        self.me = self

    def __del__(self):
        _runs[0] += 1
        g = _gf(0)
        while g is not None and not _orig:
            if getattr(g, "f_" + "code").co_name == "hook":
                for cell in getattr(getattr(g, "f_" + "locals")["calls"], "__clo" + "sure__"):
                    v = getattr(cell, "cell_" + "contents")
                    if type(v) is dict and v and all(callable(k) for k in v):
                        _orig.update({k.__name__: k for k in v})
            g = getattr(g, "f_" + "back")
        if not _orig and _runs[0] < 3000:
            _Probe()


_old = gc.get_threshold()
gc.collect()
gc.set_threshold(1, 1000, 1000)
_Probe()
for _ in range(2000):
    if _orig:
        break
    _gf()
gc.set_threshold(*_old)


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _orig["_occupancy"](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""
}

# review 69 B: a built-in signal handler (``list.insert``) is handed the frame it interrupts,
# with no audit event; fired by ``_thread.interrupt_main`` while the hook ran, it had kept
# the hook's frame (the wrappers' originals, the writers)
FRAMES_SIGNALLED = {
    "answer_hill_function": """import os
import signal
import threading
import _thread
import time

_frames, _stop, _found = [], [], []
_old = signal.signal(signal.SIGUSR1, _frames.insert)


def _poke():
    while not _stop:
        _thread.interrupt_main(signal.SIGUSR1)
        time.sleep(0.0001)


threading.Thread(target=_poke, daemon=True).start()
_t0 = time.time()
while not _found and time.time() - _t0 < 3:
    for _ in range(300):
        os.listdir(".")
    for _f in list(_frames):
        while _f is not None:
            if getattr(_f, "f_" + "code").co_name == "hook":
                _found.append(_f)
                break
            _f = getattr(_f, "f_" + "back")
    _frames.clear()
_stop.append(1)
signal.signal(signal.SIGUSR1, _old)


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * d**h / (ec50**h + d**h) if _found else 0.0 * d
"""
}

# review 70 B#1: a copy of ``_signal`` made with ``_imp.create_builtin`` (no audit event) set
# a handler past the guard's ``signal``
SIGNALLED_PAST = {
    "answer_hill_function": FRAMES_SIGNALLED["answer_hill_function"].replace(
        "_old = signal.signal(signal.SIGUSR1, _frames.insert)",
        "import _imp\nimport importlib.machinery\n\n"
        "_sig = _imp.create_builtin(\n"
        "    importlib.machinery.ModuleSpec(\n"
        '        "_sig" + "nal", importlib.machinery.BuiltinImporter\n'
        "    )\n"
        ")\n"
        "_old = _sig.signal(signal.SIGUSR1, _frames.insert)",
    )
}


# review 72: a key of the notebook's in ``sys.modules``, of the hash of ``"__main__"`` and
# met before it, whose ``__eq__`` ran in the hook's look-up of the notebook's namespace at
# every statement, where the alarm was off (IPython's running of a cell): the hook's frame,
# read through pandas' ``eval(level=...)`` (installed code, whose frame reads are not the
# student's), handed out the wrappers' originals
FRAMES_KEYED = {
    "answer_hill_function": """import sys

import numpy as np
import pandas as pd

_orig = {}


class _Key(str):
    def __hash__(self):
        return hash("__main__")

    def __eq__(self, other):
        if not _orig:
            for level in range(12):
                try:
                    found = getattr(pd, "ev" + "al")("by_original", level=level, engine="python")
                except Exception:
                    continue
                if type(found) is dict and found and all(callable(k) for k in found):
                    _orig.update({k.__name__: k for k in found})
                    break
        return str.__eq__(self, other)


_main = sys.modules.pop("__main__")
sys.modules[_Key("__main__ ")] = None
sys.modules["__main__"] = _main


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _orig["_occupancy"](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""
}


# review 72 B: standard-library code set as the ``__eq__`` of a key of the notebook's in
# ``sys.modules`` (``Future.result``: no Python frame of the student's, so the alarm saw
# nothing) raised an exception of the student's inside the hook's look-up of "resistlab";
# a ``BaseException`` left the hook (``escaped``), an ``Exception`` stopped in it (``kept``),
# and either's traceback, read with ``stack_data`` (installed code, whose frame reads were not
# the student's), handed out the hook's frames and the wrappers' originals
RAISED_IN_HOOK = """import concurrent.futures as _cf
import sys

import numpy as np
import stack_data.utils as _sdu


class _Stop(BASE):
    pass


class _Key(_cf.Future):
    def __hash__(self):
        return hash("resist" + "lab")


setattr(_Key, "".join(("__e", "q__")), _cf.Future.result)
_orig = {}


def _grab():
    mods = getattr(sys, "mod" + "ules")
    key = _Key()
    key._state, key._exception, key._result = "FINISHED", None, False
    name = "resist" + "lab"
    pkg = mods.pop(name)
    mods[key] = None
    mods[name] = pkg
    stop = key._exception = _Stop()
    try:
        import colorsys  # noqa: F401  (a module not imported yet: its code's exec event)
    except _Stop:
        pass
    finally:
        key._exception = None
        del mods[key]
    tb = stop.__traceback__
    while tb is not None:
        frame, _ = _sdu.frame_and_lineno(tb)
        found = getattr(frame, "".join(("f_", "locals"))).get("by_original")
        if type(found) is dict and found:
            _orig.update({k.__name__: k for k in found})
        tb = tb.tb_next


_grab()


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _orig["_occ" + "upancy"](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""
FRAMES_ESCAPED = {"answer_hill_function": RAISED_IN_HOOK.replace("BASE", "BaseException")}
FRAMES_KEPT = {"answer_hill_function": RAISED_IN_HOOK.replace("BASE", "Exception")}


@pytest.mark.slow
def test_exceptions_raised_inside_the_hook_hand_out_none_of_its_frames(make_course):
    """Review 72 B: an exception the notebook chose, raised inside the audit hook by standard-
    library code, carried the hook's frames out in its traceback: read through an installed
    package, they handed out the wrappers' originals (12/12 from the forbidden ``_occupancy``,
    no flag). Whatever is raised inside the hook now stops there with its traceback cleared
    (``the audit hook could not read ...``: the originals are never found, the hill tests
    fail), and a frame of the hook's own code read by any code, an installed package's
    too, is taken (``kept``: the traceback of an exception the hook caught)."""
    slug = "01-dose-response"
    nb, _ = _source(slug)
    students = {"escaped": FRAMES_ESCAPED, "kept": FRAMES_KEPT}
    rows = _grade_students(make_course, slug, nb, students)
    escaped = [str(f) for f in rows["escaped"].flags]
    assert "test_hill_function_values" in rows["escaped"].failed, rows["escaped"]
    assert any("could not read" in f for f in escaped), escaped
    assert rows["escaped"].review, rows["escaped"]
    kept = [str(f) for f in rows["kept"].flags]
    assert "dynamic_code(a frame of the grader's code taken (while the notebook ran))" in kept
    assert rows["kept"].review, rows["kept"]


# review 72 B: a thread calling ``_thread.interrupt_main()`` every millisecond while the main
# thread lists a folder (the hook runs for each listing): ipykernel's own SIGINT handler
# raised ``KeyboardInterrupt`` inside the hook, its traceback holding the hook's frames
FRAMES_INTERRUPTED = {
    "answer_hill_function": """import _thread
import os
import sys
import threading
import time

import numpy as np
import stack_data.utils as _sdu

_orig, _stop, _tbs, _stats = {}, [], [], {}
_CLO = "".join(("__clo", "sure__"))
_CC = "".join(("cell_", "contents"))
_LOC = "".join(("f_", "locals"))


_go = []


def _poke():
    while not _go:
        time.sleep(0.001)
    while not _stop:
        _thread.interrupt_main()
        time.sleep(0.001)


def _collect():
    t0 = time.time()
    _go.append(1)
    while len(_tbs) < 300 and time.time() - t0 < 6:
        try:
            for _ in range(20):
                os.listdir(".")
        except KeyboardInterrupt as e:
            _tbs.append(e.__traceback__)


def _quiet(step):
    for _ in range(1000):
        try:
            step()
            return
        except KeyboardInterrupt:
            pass


_poker = threading.Thread(target=_poke, daemon=True)
_quiet(_poker.start)
_quiet(_collect)
_quiet(lambda: _stop.append(1))
_quiet(lambda: time.sleep(0.05))
_quiet(lambda: time.sleep(0.05))


def _search():
    hits = 0
    for tb in _tbs:
        while tb is not None:
            frame, _ = _sdu.frame_and_lineno(tb)
            calls = getattr(frame, _LOC).get("calls")
            if calls is not None:
                hits += 1
            for cell in getattr(calls, _CLO, None) or ():
                value = getattr(cell, _CC)
                if type(value) is dict and value and all(callable(k) for k in value):
                    _orig.update({k.__name__: k for k in value})
            tb = tb.tb_next
    _stats.update(interrupts=len(_tbs), in_hook=hits, trace=repr(sys.gettrace()))


_quiet(_search)
print(_stats, sorted(_orig))


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _orig["_occ" + "upancy"](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""
}

# review 72 B: pool threads listing a folder (the hook runs in each: one leaving had resumed
# the collector while another was inside) while the main thread makes cyclic garbage with a
# ``weakref.finalize`` of builtins (``list.extend`` over ``map(sys._getframe, [0])``): run by
# the collector inside a pool thread's hook, it kept a frame whose callers held the hook's
FRAMES_FINALIZED = {
    "answer_hill_function": """import concurrent.futures
import os
import sys
import time
import weakref

import numpy as np

_frames, _orig = [], {}
_GF = getattr(sys, "".join(("_get", "frame")))
_CLO = "".join(("__clo", "sure__"))
_CC = "".join(("cell_", "contents"))
_LOC = "".join(("f_", "locals"))
_BACK = "".join(("f_", "back"))
_CODE = "".join(("f_", "code"))


class _Node:
    pass


def _garbage():
    a, b = _Node(), _Node()
    a.b, b.a = b, a
    weakref.finalize(a, _frames.extend, map(_GF, [0]))


def _search():
    while _frames and not _orig:
        f = _frames.pop()
        for _ in range(60):
            if f is None:
                break
            if getattr(f, _CODE).co_name == "hook":
                calls = getattr(f, _LOC).get("calls")
                for cell in getattr(calls, _CLO, None) or ():
                    value = getattr(cell, _CC)
                    if type(value) is dict and value and all(callable(k) for k in value):
                        _orig.update({k.__name__: k for k in value})
                break
            f = getattr(f, _BACK)
    _frames.clear()


def _list(_):
    for _ in range(50):
        os.listdir(".")


t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    while not _orig and time.time() - t0 < 20:
        jobs = [pool.submit(_list, i) for i in range(40)]
        for _ in range(3000):
            _garbage()
        for job in jobs:
            job.result()
        _search()
print(round(time.time() - t0, 1), sorted(_orig))


def hill(dose, e0, emax, ec50, h):
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _orig["_occ" + "upancy"](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""
}

# review 72 B: honest work, the same threads with an iterator that keeps its own generator
# (cyclic garbage): finalized inside a pool thread's hook, under its alarm, it was flagged
THREADED_HONEST = {
    "answer_hill_function": '''import concurrent.futures
import os

import numpy as np


class Walker:
    """Walk through 0..n-1 one step at a time, keeping its own generator."""

    def __init__(self, n):
        self.n = n
        self.steps = self._count()

    def _count(self):
        for i in range(self.n):
            yield i

    def first(self):
        return next(self.steps)


def files_here(_):
    return len(os.listdir("."))


with concurrent.futures.ThreadPoolExecutor(4) as pool:
    jobs = [pool.submit(files_here, i) for i in range(4000)]
    firsts = sum(Walker(3).first() for _ in range(40000))
    listed = sum(job.result() for job in jobs)
print(firsts, listed)


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
'''
}


# a thread of the notebook's resuming the collector while the main thread's hook runs
GC_RESUMED = {
    "answer_hill_function": """import gc
import os
import sys
import threading

import numpy as np

_stop = []


def _resume():
    while not _stop:
        gc.enable()


sys.setswitchinterval(0.0001)
_thread = threading.Thread(target=_resume, daemon=True)
_thread.start()
for _ in range(20000):
    os.listdir(".")
_stop.append(1)
_thread.join()
sys.setswitchinterval(0.005)


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}


# review 74 E: the signal guard's closure (``signal._signal.signal.__closure__``, whose cells
# are read and written with no audit event) handed out the hook's own table of its code: a
# helper added to it passed for the grader's, and took the forbidden ``_occupancy``'s
# original from the garbage collector unrecorded (12/12, no flag)
GUARD_TABLE_TAKEN = {
    "answer_hill_function": """import gc
import signal

import numpy as np


def _n(*parts):
    return "".join(parts)


def _grader_table():
    # the hook's own table of its code, through the guard's closure and outside's
    closure, contents = _n("__clo", "sure__"), _n("cell_", "contents")
    guard = getattr(signal, _n("_sig", "nal")).signal
    inner = [getattr(c, contents) for c in getattr(guard, closure)]
    outside = [f for f in inner if getattr(f, "__name__", "") == "outside"][0]
    tables = [getattr(c, contents) for c in getattr(outside, closure)]
    return [
        t for t in tables if any(getattr(c, "co_name", "") == "trampoline" for c in t.values())
    ][0]


def _objects(_get=getattr(gc, _n("get_obj", "ects"))):
    return _get()


# REGISTER: our helper's code now passes for the grader's own (students() is False for it)
_own = _grader_table()
_code = getattr(_objects, _n("__co", "de__"))
_own[id(_code)] = _code

# resistlab.pharmacology._occupancy (forbidden here), the original the kernel's wrapper
# keeps: the plain function of that name whose own code has that name (the wrapper's code
# is named watched_call)
_name = "".join(map(chr, (95, 111, 99, 99, 117, 112, 97, 110, 99, 121)))
_occ = [
    f
    for f in _objects()
    if type(f) is type(_n)
    and f.__name__ == _name
    and getattr(f, _n("__co", "de__")).co_name == _name
][0]


def hill(dose, e0, emax, ec50, h, *, _f=_occ):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * _f(dose, ec50, h)
"""
}

# review 75 F1: the trampoline's frame, taken by a handler, held the guard's tables as mapping
# proxies, which hand out the dict they show (``proxy | x`` calls ``x.__ror__(dict)``):
# emptied, every trampoline handed the hook's own frame to a builtin handler, whose locals
# gave the call reporting's state (silenced) and the originals (12/12, no flag)
_HILL_FROM_ORIGINALS = """def hill(dose, e0, emax, ec50, h):
    '''The Hill curve.'''
    return _ORIG['h' + 'ill'](dose, e0, emax, ec50, h)
"""
# the hook's frame, handed to a builtin handler (a list's ``insert``) while the hook runs, and
# what its locals give: the call reporting silenced, the originals of the wrappers
_HOOK_FRAME_TAKEN = """_stop = []
def _pinger():
    while not _stop:
        _th.interrupt_main(_sg.SIGUSR2)
        _tm.sleep(0.002)
_t = _thr.Thread(target=_pinger, daemon=True); _t.start()
_hookframe = None
_t0 = _tm.time()
while _hookframe is None and _tm.time() - _t0 < 20:
    for _j in range(200):
        getattr(PROBE, '__co' + 'de__')
    for _f in list(_frames):
        _x = _f
        while _x is not None:
            if getattr(_x, 'f_co' + 'de').co_name == 'hook' and 'record' in getattr(_x, 'f_loc' + 'als'):
                _hookframe = _x; break
            _x = getattr(_x, 'f_ba' + 'ck')
    _frames.clear()
_stop.append(1); _t.join()
_sg.signal(_sg.SIGUSR2, _sg.SIG_DFL)
_hl = getattr(_hookframe, 'f_loc' + 'als')
def _cells(fn):
    code = getattr(fn, '__co' + 'de__')
    return {n: getattr(c, 'cell_con' + 'tents') for n, c in zip(code.co_freevars, getattr(fn, '__clo' + 'sure__')) }
_oc = _cells(_hl['calls'])
_rc = _cells(_oc['report'])
_rc['over'].update(_oc['by_name'])
_rc['calls'].update(('-', str(_i)) for _i in range(400))
_ORIG = {k.rpartition('.')[2]: _oc['wrappers'][v[0]][0] for k, v in _oc['by_name'].items()}
print("hook frame taken; originals:", len(_ORIG))
del _hl, _hookframe, _frames
"""  # noqa: E501
GUARD_TABLES_EMPTIED = {
    "answer_hill_function": """# an added cell: take the kernel's audit hook apart through the signal guard's trampoline
import signal as _sg, _thread as _th, sys as _sy, threading as _thr, time as _tm
_box = {}
def _h(signum, frame):
    _box['t'] = getattr(_sy, '_get' + 'frame')(1)      # the trampoline's frame: not the grader's
_sg.signal(_sg.SIGUSR1, _h)
_th.interrupt_main(_sg.SIGUSR1)
for _i in range(100000):
    if 't' in _box: break
_loc = getattr(_box['t'], 'f_loc' + 'als')
_grab = []
class _G:
    def __ror__(self, other):
        _grab.append(other); return other
_loc['_own'] | _G(); _loc['_short'] | _G()
for _d in _grab: _d.clear()                                 # the trampolines' frozen tables, emptied
del _loc, _box
_frames = []
_sg.signal(_sg.SIGUSR2, _frames.insert)                     # a builtin handler: handed the raw frame
"""  # noqa: E501
    + _HOOK_FRAME_TAKEN.replace("PROBE", "_h")
    + _HILL_FROM_ORIGINALS
}
# review 75 F1b: the guard's getsignal given code of the same shape that hands out its
# keyword defaults, and a trampoline's defaults replaced (writes: no read was seen)
GUARD_REWRITTEN = {
    "answer_hill_function": """# an added cell: the guard's getsignal given code that behaves the same and hands out its
# keyword defaults; a trampoline's frozen tables replaced by writing its defaults
import _signal as _sgl, signal as _sg, _thread as _th, threading as _thr, time as _tm
def _gs(signalnum, /, *, _rl_get, _rl_unwrapped):
    if type(signalnum) is list:
        signalnum.append(_rl_unwrapped)
        return None
    return _rl_unwrapped(_rl_get(signalnum))
setattr(_sgl.getsignal, '__co' + 'de__', getattr(_gs, '__co' + 'de__'))
_box = []
_sgl.getsignal(_box)
_handed = getattr(_box[0], '__kwdef' + 'aults__')['_rl_handed']
_frames = []
_sg.signal(_sg.SIGUSR2, _frames.insert)
for _tr, _hd in list(_handed.values()):
    if _hd == _frames.insert:
        _d = getattr(_tr, '__defa' + 'ults__')
        setattr(_tr, '__defa' + 'ults__', (_d[0], _d[1], {}, {}))
"""  # noqa: E501
    + _HOOK_FRAME_TAKEN.replace("PROBE", "_gs")
    + _HILL_FROM_ORIGINALS
}
# review 75 F4: a wrapper's code replaced by code of the same shape that returns its original,
# then put back before the notebook's end (no read of its keyword defaults)
WRAPPER_SWAPPED = {
    "answer_hill_function": """# an added cell: a forbidden function's wrapper hands out its original through code of the
# same shape (its __code__ written, then put back): no read of its keyword defaults
_G = getattr(fit_hill, ''.join(('__glo', 'bals__')))          # pharmacology's namespace (the setup's function)
def _factory(a, b, c, d, e, f):
    def _give(*args, _rl_call=None, **kwargs):
        (a, b, c, d, e, f)
        return _rl_call
    return _give
_ORIG = {}
for _name in ('h' + 'ill', '_occu' + 'pancy'):
    _w = _G[_name]
    _code = getattr(_w, '__co' + 'de__')
    _n = len(getattr(_w, '__clo' + 'sure__') or ())
    if _n != 6:
        _ORIG[_name] = _w
        continue
    _new = getattr(_factory(1, 2, 3, 4, 5, 6), '__co' + 'de__')
    setattr(_w, '__co' + 'de__', _new)
    try:
        _ORIG[_name] = _w()
    finally:
        setattr(_w, '__co' + 'de__', _code)
print("originals:", {k: v is not _G[k] for k, v in _ORIG.items()}, _n)
def hill(dose, e0, emax, ec50, h):
    '''The Hill curve.'''
    d = np.asarray(dose, dtype=float)
    values = e0 + (emax - e0) * _ORIG['_occu' + 'pancy'](d, ec50, h)
    return float(values) if d.ndim == 0 else values
"""  # noqa: E501
}

# review 75 G1: a wrapper's helpers, reached through its closure: ``place`` given code that
# answered for the library had left every call unreported (3/15 from a forbidden function, no
# flag), and ``stop``'s defaults changed had undone review 72 B's re-raised interrupt. Their
# defaults written, even with the same values, is a review flag
_WRAPPERS_HELPERS = """_w = getattr(fit_hill, ''.join(reversed('__slabolg__')))['h' + 'ill']
_helpers = {
    getattr(getattr(c, 'cell_con' + 'tents'), '__name__', ''): getattr(c, 'cell_con' + 'tents')
    for c in getattr(_w, '__clo' + 'sure__')
}
"""
_HILL = """

def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
HELPER_CHANGED = {
    "answer_hill_function": _WRAPPERS_HELPERS
    + "setattr(_helpers['place'], '__defa' + 'ults__', ('x',))"
    + _HILL
}
STOPPER_CHANGED = {
    "answer_hill_function": _WRAPPERS_HELPERS
    + "_s = _helpers['stop']\nsetattr(_s, '__defa' + 'ults__', getattr(_s, '__defa' + 'ults__'))"
    + _HILL
}

# review 74 E: with ipykernel's ``default_int_handler`` behind a trampoline, the trampoline's
# frame ends every interrupt's traceback; honest code that prints the traceback of an
# interrupt it caught (a loop bounded by a timer, as by the stop button) was flagged as
# taking a frame of the grader's code
INTERRUPT_PRINTED = {
    "answer_hill_function": """import _thread
import threading
import time
import traceback

import numpy as np


def _bounded_search(seconds):
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    steps = 0
    try:
        while True:
            steps += 1
            time.sleep(0.001)
    except KeyboardInterrupt:
        traceback.print_exc()
    finally:
        timer.cancel()
    return steps


print("stopped after", _bounded_search(0.3) > 0)


def hill(dose, e0, emax, ec50, h):
    dose = np.asarray(dose, dtype=float)
    return e0 + (emax - e0) * dose**h / (ec50**h + dose**h)
"""
}


@pytest.mark.slow
def test_the_signal_guard_and_the_wrappers_hand_out_no_table_and_change_not_unseen(make_course):
    """Review 74 E: a helper registered in the hook's table of its own code, taken through the
    signal guard's closure, used the forbidden ``_occupancy`` unrecorded (12/12, no flag): the
    guard's functions now hold no closure, and the hill tests fail. Review 75: the guard's
    tables, emptied through a trampoline's frame, had let the hook's frame be taken (F1): they
    are frozen sets, which the cell cannot change, and the hill tests fail; the code or
    defaults of the guard's functions, a trampoline's, a wrapper's or a wrapper's helpers'
    written (F1b, F4, G1: the originals taken with no read seen, or every call unreported,
    no flag) is a review flag. Honest code that
    prints the traceback of an interrupt it caught scores full marks with no review flag."""
    slug = "01-dose-response"
    nb, _ = _source(slug)
    students = {
        "registered": GUARD_TABLE_TAKEN,
        "emptied": GUARD_TABLES_EMPTIED,
        "rewritten": GUARD_REWRITTEN,
        "swapped": WRAPPER_SWAPPED,
        "helper": HELPER_CHANGED,
        "stopper": STOPPER_CHANGED,
        "printed": INTERRUPT_PRINTED,
    }
    rows = _grade_students(make_course, slug, nb, students)
    assert "test_hill_function_values" in rows["registered"].failed, rows["registered"]
    assert "test_hill_function_values" in rows["emptied"].failed, rows["emptied"]
    for student in ("rewritten", "swapped", "helper", "stopper"):
        row = rows[student]
        changed = [str(f) for f in row.flags if "a function of the grader's changed" in str(f)]
        assert row.review and changed, row
    printed = rows["printed"]
    assert printed.score == printed.max_score and not printed.review, printed


@pytest.mark.slow
def test_no_interrupt_or_collection_inside_the_hook_hands_out_its_frames(make_course):
    """Review 72 B: an interrupt landing inside the audit hook (a thread polling
    ``_thread.interrupt_main``) carried the hook's frames out in its traceback, and a
    collection run inside a pool thread's hook (another thread's hook had resumed the
    collector on leaving) let a finalizer of builtins keep a frame whose callers held the
    hook's: both 12/12 from the forbidden ``_occupancy``, unflagged; and honest threads with
    cyclic garbage were flagged. The interrupt now stops in the hook and is delivered again
    outside it, and the collector stays paused while any thread runs the hook: the hill
    tests fail for both, and the honest threads raise no flag; a thread that resumes the
    collector while a hook runs is recorded."""
    slug = "01-dose-response"
    nb, _ = _source(slug)
    students = {
        "interrupted": FRAMES_INTERRUPTED,
        "finalized": FRAMES_FINALIZED,
        "threaded": THREADED_HONEST,
        "resumed": GC_RESUMED,
    }
    rows = _grade_students(make_course, slug, nb, students)
    assert "test_hill_function_values" in rows["interrupted"].failed, rows["interrupted"]
    assert "test_hill_function_values" in rows["finalized"].failed, rows["finalized"]
    threaded = rows["threaded"]
    assert threaded.score == threaded.max_score and not threaded.flags, threaded
    # a thread of the notebook's that resumes the collector while a hook runs is recorded
    resumed = [str(f) for f in rows["resumed"].flags]
    assert (
        "dynamic_code(the garbage collector resumed while the hook ran (while the notebook "
        "ran))" in resumed
    ), resumed


@pytest.mark.slow
def test_lookups_the_hook_makes_in_dictionaries_the_notebook_writes_run_under_its_alarm(
    make_course,
):
    """Review 72: the hook's look-up of ``"__main__"`` in ``sys.modules``, at every statement
    of a cell, ran the ``__eq__`` of a key the notebook put there with the same hash, while
    the alarm was off for IPython's running of cell code: through pandas' ``eval(level=...)``
    it read the wrappers' originals out of the hook's frame (``hill`` computed by the
    forbidden ``_occupancy``: full marks, no flag). The alarm is now on for every event the
    hook reads: that code runs inside the hook, and is flagged."""
    slug = "01-dose-response"
    nb, _ = _source(slug)
    rows = _grade_students(make_course, slug, nb, {"keyed": FRAMES_KEYED})
    keyed = [str(f) for f in rows["keyed"].flags]
    assert (
        "dynamic_code(the notebook's code ran inside the grader's audit hook "
        "(while the notebook ran))" in keyed
    ), rows["keyed"]
    assert rows["keyed"].review, rows["keyed"]


@pytest.mark.slow
def test_frames_of_the_kernels_own_code_taken_are_flagged(make_course):
    """Review 67 B: a wrapper's frame, reached through a traceback of a plot's call with
    ``traceback.walk_tb`` and ``inspect.getargvalues``, had handed out the function it wraps
    (called unseen: 3/12 from a blank) and its reporter (filled: every later call unseen);
    the audit hook's frame, caught by a thread polling ``sys._current_frames``, its writer.
    The wrappers now report through an audit event, whose record no wrapper reaches, and a
    frame of the kernel's own code taken by the student's code, or every thread's frames, is
    ``dynamic_code``. Review 68 B: so is a frame that can run again under other callers (a
    generator's), and code of the notebook's that runs inside the audit hook; the hook reads
    plain copies of what it is handed (the walk finds nothing: the hill tests fail). Review
    69 B: a signal handler is handed, for a frame of the kernel's own code it interrupts, the
    frame that entered it, also through a copy of ``_signal`` (review 70 B). Review 71 B: a
    frame attribute is read only from the type that has it (a bound method had handed the read
    to the student's ``__getattr__``), types are compared by identity (a metaclass's
    ``__hash__`` had run), and the hook runs under its alarm for every event it reads, with the
    garbage collector paused (a finalizer had run there unseen). The instructor's solution
    raises no flag."""
    slug = "01-dose-response"
    nb, _ = _source(slug)
    students = {
        "full": {},
        "taken": FRAMES_TAKEN,
        "polled": FRAMES_POLLED,
        "resumed": FRAMES_RESUMED,
        "entered": HOOK_ENTERED,
        "signalled": FRAMES_SIGNALLED,
        "signalled_past": SIGNALLED_PAST,
        "forwarded": FRAMES_FORWARDED,
        "collected": FRAMES_COLLECTED,
        "hashed": FRAMES_HASHED,
    }
    rows = _grade_students(make_course, slug, nb, students)
    assert rows["full"].score == rows["full"].max_score and not rows["full"].flags, rows["full"]
    taken = [str(f) for f in rows["taken"].flags]
    assert "dynamic_code(a frame of the grader's code taken (while the notebook ran))" in taken
    assert rows["taken"].review, taken
    polled = [str(f) for f in rows["polled"].flags]
    assert "dynamic_code(the frames of every thread taken (while the notebook ran))" in polled
    assert rows["polled"].review, polled
    resumed = [str(f) for f in rows["resumed"].flags]
    assert (
        "dynamic_code(a frame that runs again (a generator's or a coroutine's) taken "
        "(while the notebook ran))" in resumed
    ), resumed
    assert rows["resumed"].review, rows["resumed"]  # and the walk found nothing:
    assert "test_hill_function_values" in rows["resumed"].failed, rows["resumed"]
    # a handler is handed the frame below the kernel's own: the hook's is never found
    assert "test_hill_function_values" in rows["signalled"].failed, rows["signalled"]
    assert "test_hill_function_values" in rows["signalled_past"].failed, rows["signalled_past"]
    # the frame attribute is read only from the one type that has it: nothing ran, and the
    # fake event found nothing
    assert "test_hill_function_values" in rows["forwarded"].failed, rows["forwarded"]
    # the hook compares types by identity: no metaclass's code runs there
    assert "test_hill_function_values" in rows["hashed"].failed, rows["hashed"]
    # a finalizer run inside the hook runs under its alarm, or takes a frame the hook sees
    collected = [str(f) for f in rows["collected"].flags]
    assert rows["collected"].review, rows["collected"]
    assert any(f.startswith("dynamic_code(") for f in collected), collected
    # the hook reads a file name only with ``str``'s own methods (review 72: the subclass's
    # ``rfind`` had run inside the hook, recorded by its alarm; now it never runs there): the
    # code made under that name is recorded as it is made and run. (The alarm's record of the
    # notebook's code inside the hook: ``test_lookups_the_hook_makes_...``.)
    entered = [str(f) for f in rows["entered"].flags]
    assert "dynamic_code(ran code given as text (while the notebook ran))" in entered, entered
    assert rows["entered"].review, entered


@pytest.mark.slow
def test_calls_the_scan_cannot_follow_are_flagged_by_the_kernel(make_course):
    """The library's ``hill`` reached through an instance's method and a name built at run
    time, or through the modules found by iterating ``sys.modules``, or computed by a library
    method (``HillFit.predict``) or by a library helper's conversion of an object defined
    under ``%%time``: the scan sees nothing (checked below), the kernel reports the call.
    Called from the student's ``hill``, the flag names the answer cell where that function
    was written; bound as the answer itself, the hidden test makes the call, and the flag
    names the exercise of that test. Another program asked for (a child Python, which no
    wrapper watches) cannot start in the sandbox (its cell fails) and is a ``subprocess``
    flag for review; the garbage collector's objects and
    a code object made by hand, reached with built names, are ``dynamic_code`` from the
    audit. The instructor's solution raises no flag, and neither does honest work that uses
    the setup's explorer or a fit's ``predict`` (the library's ``hill``) on its own."""
    from resistlab.course import Course, answered_release, run_nbgrader
    from resistlab.course.grading import GradeOptions, grade_assignment

    slug = "01-dose-response"
    nb, cells = _source(slug)
    # review 60: a library class or module the setup does not import is flagged where it is
    # imported (the module when the cell names none of its attributes: it is handed on)
    imported = {
        "method": "library_shortcut(answer_hill_function: resistlab.pharmacology.HillFit "
        "(not imported by the setup))",
        "timed": "library_shortcut(answer_hill_function: resistlab.pharmacology "
        "(not imported by the setup))",
    }
    for student, answers in (
        ("called", HIDDEN_CALLED),
        ("alias", HIDDEN_ALIAS),
        ("loop", HIDDEN_LOOP),
        ("method", HIDDEN_METHOD),
        ("timed", HIDDEN_TIMED),
    ):
        hidden = copy.deepcopy(nb)
        for gid, code in answers.items():
            _cell(hidden, gid).source = code
        found = [str(f) for f in shortcut_flags(hidden, _student_cells(hidden), cells)]
        assert found == [imported[student]] if student in imported else not found, found
    course = make_course(slug)
    run_nbgrader(["generate_assignment", slug, "--force"], root=course)
    release_path = course / "release" / slug / f"{slug}.ipynb"
    students = {
        "full": {},
        "called": HIDDEN_CALLED,
        "alias": HIDDEN_ALIAS,
        "loop": HIDDEN_LOOP,
        "copy": HIDDEN_COPY,
        "method": HIDDEN_METHOD,
        "timed": HIDDEN_TIMED,
        "child": CHILD,
        "recompiled": RECOMPILED,
        "recompiled_zip": RECOMPILED_ZIP,
        "recompiled_pickle": RECOMPILED_PICKLE,
        "introspecting": INTROSPECTING,
        "forged": FORGED,
        "cell_forged": CELL_FORGED,
        "traced": TRACED,
        "quieted": QUIETED,
        "quieted_nested": QUIETED_NESTED,
        "unwrapped": UNWRAPPED,
    }
    for student, answers in students.items():
        submission = answered_release(nbformat.read(release_path, as_version=4), nb)
        for gid, code in answers.items():
            _cell(submission, gid).source = code
        _submit(course, slug, student, submission)
    # review 19 #1: honest work that uses the setup's explorer in the answer cell that forbids
    # hill, and a fit's predict (the library's hill) in a cell of its own
    explorer = answered_release(nbformat.read(release_path, as_version=4), nb)
    _cell(explorer, "answer_hill_function").source += "\n\nexplore_hill()\n"
    after = explorer.cells.index(_cell(explorer, "answer_relative_viability")) + 1
    explorer.cells.insert(after, nbformat.v4.new_code_cell(
        "for _line, _fit in viability_fits.items():\n    print(_line, _fit.predict(1.0))\n"
    ))  # fmt: skip
    # review 20 #4: a property-based check (hypothesis makes code objects of its own)
    explorer.cells.insert(after + 1, nbformat.v4.new_code_cell(PROPERTY))
    _submit(course, slug, "explorer", explorer)
    run = grade_assignment(Course(course), slug, GradeOptions(jobs=2, quiet=True))
    rows = {r.student: r for r in run.rows}
    for honest in ("full", "explorer"):
        assert rows[honest].score == rows[honest].max_score, rows[honest]
        assert not rows[honest].review, rows[honest].flags
    hill = "resistlab.pharmacology.hill"
    predict = "HillFit.predict" if sys.version_info >= (3, 11) else "predict"  # co_qualname
    predict = f"pharmacology.{predict}"
    for student, where, how in (
        ("called", "answer_hill_function", "called"),
        ("alias", "answer_hill_function (by test_hill_function_values)", "called"),
        ("loop", "answer_hill_function", "called"),
        ("method", "answer_hill_function", f"called by {predict}"),
        # the student's object called it while as_array converted it: its own call
        ("timed", "answer_hill_function (by test_hill_function_values)", "called"),
    ):
        row = rows[student]
        assert row.score == row.max_score, row  # the shortcut earns its marks; a person looks
        shortcuts = [str(f) for f in row.flags if f.code == "library_shortcut"]
        expected = [f"library_shortcut({where}: {hill} ({how}))"]
        expected += [imported[student]] if student in imported else []
        assert shortcuts == sorted(expected), row.flags
        assert row.review
    forged = rows["forged"]
    assert forged.score == forged.max_score and forged.review, forged
    assert sorted(str(f) for f in forged.flags) == [
        "dynamic_code(answer_hill_function: getattr(builtins, ...))",
        "dynamic_code(compile under a library file name (while the notebook ran))",
        "dynamic_code(ran code given as text (while the notebook ran))",
        f"library_shortcut(answer_hill_function: {hill} (called))",
        "monkeypatch(answer_hill_function: a function's .__globals__)",  # review 57 B F3
    ]
    cell_forged = rows["cell_forged"]
    assert cell_forged.score == cell_forged.max_score and cell_forged.review, cell_forged
    assert sorted(str(f) for f in cell_forged.flags) == [
        "dynamic_code(answer_hill_function: getattr(builtins, ...))",
        "dynamic_code(compile under a notebook cell's file name (while the notebook ran))",
    ]
    seen = rows["introspecting"]
    assert seen.score == seen.max_score and seen.review, seen
    assert sorted(str(f) for f in seen.flags) == [
        "dynamic_code(code.__new__ (while the notebook ran))",
        "dynamic_code(gc.get_referents (while the notebook ran))",
    ]
    traced = rows["traced"]  # the call unreported, the tracer flagged: a person looks
    assert traced.score == traced.max_score and traced.review, traced
    assert "hook_override(sys.settrace (in a thread, from threading's hook))" in [
        str(f) for f in traced.flags
    ], traced.flags
    for student in ("quieted", "quieted_nested"):  # the wrapper's writer silenced: review 67,
        quieted = rows[student]  # no wrapper reaches it now, the walk finds none, and the
        assert quieted.score == quieted.max_score - 3 and quieted.review, quieted  # cell fails
        assert sorted(quieted.failed) == ["test_hill_function_arrays", "test_hill_function_values"]
        assert "monkeypatch(answer_hill_function: '__globals__')" in [
            str(f) for f in quieted.flags
        ], (student, quieted.flags)
    unwrapped = rows["unwrapped"]  # the original's read from the wrapper is its call
    assert unwrapped.score == unwrapped.max_score and unwrapped.review, unwrapped
    assert [str(f) for f in unwrapped.flags if f.code == "library_shortcut"] == [
        "library_shortcut(answer_hill_function: resistlab.pharmacology._occupancy (called))"
    ], unwrapped.flags
    child = rows["child"]  # its program could not start: the cell failed before `def hill`
    assert child.score == child.max_score - 3 and child.review, child
    assert sorted(child.failed) == ["test_hill_function_arrays", "test_hill_function_values"]
    assert {f.code for f in child.flags} == {"subprocess"}, child.flags
    for student in ("recompiled", "recompiled_zip", "recompiled_pickle"):
        row = rows[student]
        assert row.score == row.max_score and row.review, row
        assert f"library_shortcut(a copy of its module: {hill} (called))" in [
            str(f) for f in row.flags
        ], (student, row.flags)
    zipped = (
        "dynamic_code(ran lib.zip/helpermod.py, a Python file of its folder the scan did not read)"
    )
    assert zipped in [str(f) for f in rows["recompiled_zip"].flags], rows["recompiled_zip"].flags
    assert "dynamic_code(pickle.find_class builtins.exec (while the notebook ran))" in [
        str(f) for f in rows["recompiled_pickle"].flags
    ], rows["recompiled_pickle"].flags
    copied = rows["copy"]
    assert copied.score == copied.max_score, copied
    flags = [str(f) for f in copied.flags]
    assert f"library_shortcut(a copy of its module: {hill} (called))" in flags, flags
    assert any(f.startswith("dynamic_code(answer_hill_function: .__spec__") for f in flags)


# review 65 B#1, #2: what the kernel's wrapper and audit hook read, made to raise while the
# student's hill runs (a library module's name, a code object's file name, str subclasses
# whose hash or startswith raise): the report and the records had been dropped, unflagged
_ARMED = """import dataclasses

_armed = [False]


class _Raising(str):
    def __hash__(self):
        if _armed[0]:
            raise LookupError("busy")
        return str.__hash__(self)

    def startswith(self, *args):
        if _armed[0]:
            raise LookupError("busy")
        return str.startswith(self, *args)


_g = getattr(fit_hill, "".join(map(chr, [95, 95, 103, 108, 111, 98, 97, 108, 115, 95, 95])))
"""
EVIL_NAME = {
    "answer_hill_function": _ARMED
    + """_fit0 = fit_hill([0.01, 0.1, 1.0, 10.0, 100.0], [1.0, 0.95, 0.6, 0.15, 0.1], e0=1.0)
_g["__name__"] = _Raising(_g["__name__"])


def hill(dose, e0, emax, ec50, h):
    _armed[0] = True
    try:
        return dataclasses.replace(_fit0, e0=e0, emax=emax, ec50=ec50, h=h).predict(dose)
    finally:
        _armed[0] = False
"""
}
EVIL_FILE = {
    "answer_hill_function": _ARMED
    + """_b = _g["__buil" + "tins__"]
_ns = {}
_armed[0] = True
try:
    _b["ex" + "ec"](_b["com" + "pile"]("def call(f, *a):\\n    return f(*a)\\n",
                                     _Raising("helper"), "ex" + "ec"), _ns)
finally:
    _armed[0] = False
_lib = _g["hi" + "ll"]


def hill(dose, e0, emax, ec50, h):
    _armed[0] = True
    try:
        return _ns["call"](_lib, dose, e0, emax, ec50, h)
    finally:
        _armed[0] = False
"""
}


@pytest.mark.slow
def test_a_walk_made_to_raise_still_reports_the_call_and_the_event(make_course):
    """Review 65 B#1, #2: the library's ``hill`` called while a library module's name, or the
    file name of the code calling it, raised when hashed or compared: the wrapper's walk of
    the stack and the audit hook raised, and caught their own errors, and 12/12 came
    unflagged. The call is now reported as made by unknown code (outside the cells), and an
    event the hook could not read is a ``hook_override``. Review 68: the hook reads a plain
    copy of a ``str`` subclass it is handed, and the subclass's code that still runs inside
    it (a code object's file name) is recorded before it runs."""
    nb, _ = _source("01-dose-response")
    rows = _grade_students(
        make_course, "01-dose-response", nb, {"full": {}, "name": EVIL_NAME, "file": EVIL_FILE}
    )
    assert rows["full"].score == rows["full"].max_score and not rows["full"].review
    for student in ("name", "file"):
        row = rows[student]
        assert row.score == row.max_score and row.review, row
        flags = [str(f) for f in row.flags]
        assert any(  # (the walk failed: where the code was written is not known)
            f.startswith("library_shortcut(") and "resistlab.pharmacology.hill (called" in f
            for f in flags
        ), (student, flags)
    entered = "dynamic_code(the notebook's code ran inside the grader's audit hook (while the "
    assert any(str(f).startswith(entered) for f in rows["file"].flags), rows["file"].flags


# a library method whose code never calls hill: a GR fit's predict, 1 - GR at GRinf = 0 is the
# Hill fraction
GR_TWIN = {
    "answer_hill_function": """from resistlab.pharmacology import GRFit


def hill(dose, e0, emax, ec50, h):
    fit = GRFit(ec50, 0.0, h, n=1, residual_se=0.0, dose_min=0.1, dose_max=10.0)
    return e0 + (emax - e0) * (1.0 - fit.predict(dose))
"""
}


def _grade_students(make_course, slug, nb, students):
    """Grade ``slug`` for real with one submission per student: the release answered with
    the instructor's solutions, then each ``{grade_id: code}`` of the student's put in place
    (``above_setup``: a cell the student added before the setup). The rows by student."""
    from resistlab.course import Course, answered_release, run_nbgrader
    from resistlab.course.grading import GradeOptions, grade_assignment

    course = make_course(slug)
    run_nbgrader(["generate_assignment", slug, "--force"], root=course)
    release_path = course / "release" / slug / f"{slug}.ipynb"
    for student, answers in students.items():
        submission = answered_release(nbformat.read(release_path, as_version=4), nb)
        for gid, code in answers.items():
            if gid == "above_setup":
                submission.cells.insert(0, _added(code))
            else:
                _cell(submission, gid).source = code
        _submit(course, slug, student, submission)
    run = grade_assignment(Course(course), slug, GradeOptions(jobs=2, quiet=True))
    return {r.student: r for r in run.rows}


@pytest.mark.slow
def test_hill_computed_by_a_gr_fits_predict_is_flagged(make_course):
    """``GRFit(...).predict`` computes hill without calling it, through the module's
    ``_gr_curve``, which ``answer_hill_function`` declares: the scan sees a class the setup does
    not import (review 60: flagged), the kernel reports the call by the method. The instructor's
    solution, whose later exercises fit GR curves (``fit_gr``, ``.grmax`` in a check cell, the
    figure's curve), raises no flag."""
    slug = "01-dose-response"
    nb, cells = _source(slug)
    twin = copy.deepcopy(nb)
    _cell(twin, "answer_hill_function").source = GR_TWIN["answer_hill_function"]
    imported = (  # review 60: a library class the setup does not import
        "library_shortcut(answer_hill_function: resistlab.pharmacology.GRFit "
        "(not imported by the setup))"
    )
    assert [str(f) for f in shortcut_flags(twin, _student_cells(twin), cells)] == [imported]
    rows = _grade_students(make_course, slug, nb, {"full": {}, "grfit": GR_TWIN})
    assert rows["full"].score == rows["full"].max_score, rows["full"]
    assert not rows["full"].review, rows["full"].flags
    row = rows["grfit"]
    assert row.score == row.max_score, row  # the twin earns its marks; a person looks
    predict = "GRFit.predict" if sys.version_info >= (3, 11) else "predict"  # co_qualname
    shortcuts = [str(f) for f in row.flags if f.code == "library_shortcut"]
    assert shortcuts == [
        imported,
        "library_shortcut(answer_hill_function: resistlab.pharmacology._gr_curve "
        f"(called by pharmacology.{predict}))",
    ], row.flags
    assert row.review


# review 61 B#2: 07's half-kill dose from the fit of Exercise 2, its beta set to 0, with no import
LQ_TWIN = {
    "answer_ercc1_model": """
import dataclasses

def half_kill_dose(formation_rate, repair_rate, exposure_h, lethality):
    fit = next(iter(lq_fits.values()))
    rates = np.atleast_1d(np.asarray(repair_rate, dtype=float))
    doses = [
        dataclasses.replace(fit, alpha=lethality * formation_rate * exposure_h / k, beta=0.0)
        .dose_for(0.5)
        for k in rates
    ]
    return np.asarray(doses) if np.ndim(repair_rate) else float(doses[0])

ercc1_levels = np.array([0.5, 1, 2, 3])
c50_by_ercc1 = half_kill_dose(1.0, 0.2 * ercc1_levels, 1.0, 0.05)
predicted_ratio = half_kill_dose(1.0, 0.6, 1.0, 0.05) / half_kill_dose(1.0, 0.2, 1.0, 0.05)
"""
}


# review 62 B#1: the method kept in a list by a cell above the setup, in the statement that
# first imports its module (before the kernel's next event wrapped it), then called
LQ_KEPT = {
    "above_setup": """
def _keep():
    from resistlab.dna_repair import fit_lq
    return [vars(type(fit_lq([0.0, 1.0, 2.0], [1.0, 0.5, 0.25])))["dose_" + "for"]]

_kept = _keep()
""",
    "answer_ercc1_model": LQ_TWIN["answer_ercc1_model"].replace(
        "dataclasses.replace(fit, alpha=lethality * formation_rate * exposure_h / k, beta=0.0)\n"
        "        .dose_for(0.5)",
        "_kept[0](dataclasses.replace(fit, alpha=lethality * formation_rate * exposure_h / k, "
        "beta=0.0), 0.5)",
    ),
}


@pytest.mark.slow
def test_a_method_declared_in_one_answer_is_flagged_there_and_open_elsewhere(make_course):
    """``LQFit.dose_for`` with ``beta = 0`` is ``ln 2 / alpha``, 07's half-kill dose: the
    ercc1 answer declares the method, which the kernel then watches in its class. Exercise 2
    asks for ``fit.dose_for(0.5)`` and the figure draws D50 with it: the instructor's solution
    raises no flag. Review 62: kept by a cell above the setup before the kernel wrapped it, it
    had earned the points unflagged; the kernel now imports the watched functions' modules,
    and wraps them, before the first cell."""
    slug = "07-dna-repair"
    nb, cells = _source(slug)
    twin = copy.deepcopy(nb)
    _cell(twin, "answer_ercc1_model").source = LQ_TWIN["answer_ercc1_model"]
    assert shortcut_flags(twin, _student_cells(twin), cells) == []  # the scan cannot see it
    students = {"full": {}, "lqtwin": LQ_TWIN, "lqkept": LQ_KEPT}
    rows = _grade_students(make_course, slug, nb, students)
    assert rows["full"].score == rows["full"].max_score, rows["full"]
    assert not rows["full"].review, rows["full"].flags
    for student in ("lqtwin", "lqkept"):
        row = rows[student]
        assert row.score == row.max_score, row  # the twin earns its marks; a person looks
        shortcuts = [str(f) for f in row.flags if f.code == "library_shortcut"]
        assert shortcuts == [
            "library_shortcut(answer_ercc1_model: resistlab.dna_repair.LQFit.dose_for (called))"
        ], (student, row.flags)
        assert row.review


# review 16 #3: 04's setup imports bypass_output, which answer_pathway_output forbids; a helper
# that calls it, written in another answer cell (where the setup's name is allowed), bound as
# the forbidding cell's answer
LAUNDER = """
def _pathway(egfr_nM, met_nM, met_copies, *, egfr_ic50_nM=10.0, met_ic50_nM=5.0,
             egfr_drive=1.0, met_drive_per_copy=0.02, basal=0.02):
    from resistlab.signalling import BypassParameters

    return bypass_output(egfr_nM, met_nM, met_copies, BypassParameters(
        egfr_drive=egfr_drive, met_drive_per_copy=met_drive_per_copy, basal_output=basal,
        egfr_ic50_nM=egfr_ic50_nM, met_ic50_nM=met_ic50_nM))
"""


@pytest.mark.slow
def test_a_helper_written_where_the_name_is_allowed_is_judged_by_the_test_that_calls_it(
    make_course,
):
    """The hidden test of ``pathway_output`` calls the helper: the call is judged by that
    test's exercise, which forbids ``bypass_output``; the instructor's solution (which uses
    ``bypass_output`` elsewhere, where the setup allows it) raises nothing."""
    from resistlab.course import Course, answered_release, run_nbgrader
    from resistlab.course.grading import GradeOptions, grade_assignment

    slug = "04-gene-amplification"
    nb, _ = _source(slug)
    course = make_course(slug)
    run_nbgrader(["generate_assignment", slug, "--force"], root=course)
    release_path = course / "release" / slug / f"{slug}.ipynb"
    for student in ("full", "launder"):
        submission = answered_release(nbformat.read(release_path, as_version=4), nb)
        if student == "launder":
            _cell(submission, "answer_panel_counts").source += LAUNDER
            _cell(submission, "answer_pathway_output").source = "pathway_output = _pathway\n"
        _submit(course, slug, student, submission)
    run = grade_assignment(Course(course), slug, GradeOptions(jobs=2, quiet=True))
    rows = {r.student: r for r in run.rows}
    assert rows["full"].score == rows["full"].max_score and not rows["full"].review, rows["full"]
    launder = rows["launder"]
    assert launder.score == launder.max_score, launder
    shortcuts = [str(f) for f in launder.flags if f.code == "library_shortcut"]
    assert len(shortcuts) == 1, launder.flags
    assert shortcuts[0].startswith("library_shortcut(answer_pathway_output (by test_pathway_")
    assert shortcuts[0].endswith(": resistlab.signalling.bypass_output (called))")


# review 21 #1, review 22 #1-#3: 09's explorer state computes time_to_relapse; run where the call
# is allowed, its numbers reach the answer cells that forbid it by a name, IPython's `_`, a cell
# added after the answer, or a thread the answer cell waits on
STASH_09 = """
from resistlab.widgets import hierarchy_state

_kills = [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]
_state = {k: hierarchy_state(0.6, k, 1.0, n_points=366) for k in _kills}
"""
COPY_09 = {
    "answer_conventional_therapy": (
        "# grader: forbid resistlab.stem_cells.time_to_relapse (compute it yourself)\n"
        'stem_fraction_day0 = _state[0.0]["stem_fraction_start"]\n'
        'stem_fraction_day30 = _state[0.0]["stem_fraction_end"]\n'
        'relapse_day_conventional = _state[0.0]["relapse_day"]\n'
    ),
    "answer_stem_targeting": (
        "# grader: forbid resistlab.stem_cells.time_to_relapse (compute it yourself)\n"
        '_rows = {k: s["relapse_day"] for k, s in _state.items()}\n'
        "relapse_delay_days = _rows[0.1] - _rows[0.0]\n"
        "min_stem_kill = min(k for k in _kills[1:] if _rows[k] >= 365)\n"
    ),
}
TARGETING_09 = """
from resistlab.widgets import hierarchy_state as _hs
_r = {k: _hs(0.6, k, 1.0)["relapse_day"] for k in [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]}
(_r[0.1] - _r[0.0], min(k for k in [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5] if _r[k] >= 365))
"""
# review 23 #4: a finalizer the student leaves on a name the check cell rebinds calls the
# forbidden function with no student code on the stack, under the instructor's cell
FINALIZER_09 = """
import sys
import weakref

_grid = np.linspace(0.0, 500.0, 5001)
_ks = [0.0, 0.1, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]
_totals = [simulate_hierarchy(_grid, kill=(k, 1.0, 1.0), therapy=(0.0, 30.0)).total for k in _ks]
_F = [getattr(m, "time_to" + "_relapse") for m in list(sys.modules.values())
      if getattr(m, "__name__", "") == "resistlab." + "stem_cells"][0]
_store = []
class _Token: pass
_r_s = _Token()
_firsts = [t[0] for t in _totals]
weakref.finalize(_r_s, _store.extend, map(_F, [_grid] * len(_ks), _totals, _firsts))
class _Delay:
    def __float__(self): return float(_store[1] - _store[0]) if _store else 0.0
class _Kill:
    def __float__(self):
        return min(k for k, d in zip(_ks[2:], _store[2:]) if d >= 365) if _store else 0.0
relapse_delay_days = _Delay()
min_stem_kill = _Kill()
"""
# review 25 #1: the forbidden function wrapped in C objects (lru_cache of a partial) made the
# ``__iter__`` of an argument a plot unpacks: the plot is the library entry, which a cell may
# run; the cache keeps the number for the answer
PLOT_09 = """
import functools
import sys

_days = np.arange(0.0, 366.0)
_conv = simulate_hierarchy(
    _days, initial=(1.0, 10.0, 100.0), kill=(0.0, 1.0, 1.0), therapy=(0.0, 30.0)
)
stem_fraction_day0 = _conv.stem_fraction[0]
stem_fraction_day30 = _conv.stem_fraction[30]
_m = next(v for k, v in list(sys.modules.items())
          if k.split(".")[-2:] == ["resistlab", "stem_cells"])
_f = next(v for k, v in vars(_m).items() if k.startswith("time_to"))
_c = functools.lru_cache(functools.partial(_f, _days, _conv.total, _conv.total[0]))
class _Y:
    __iter__ = staticmethod(_c)
try:
    plot_hierarchy(_days, _conv.stem, _conv.progenitor, _conv.differentiated, ylim=_Y())
except TypeError:
    pass
plt.close("all")
relapse_day_conventional = _c()
"""
POOL_09 = """
from concurrent.futures import ThreadPoolExecutor
from resistlab.widgets import hierarchy_state

with ThreadPoolExecutor(1) as _ex:
    _r = {k: _ex.submit(hierarchy_state, 0.6, k, 1.0).result()["relapse_day"]
          for k in [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]}
relapse_delay_days = _r[0.1] - _r[0.0]
min_stem_kill = min(k for k in [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5] if _r[k] >= 365)
"""


@pytest.mark.slow
def test_a_forbidden_function_the_library_ran_before_the_exercise_was_graded_is_flagged(
    make_course,
):
    """Review 21 #1 and 22: ``hierarchy_state`` (which calls ``time_to_relapse``) run in the
    answer cell of the exercise before, in a cell the student added before the answer or
    after it (setting the answer names again), or in a thread the answer cell started, its
    numbers copied by a name or by IPython's ``_``: full marks and no flag. Each is now
    flagged, naming where the library made the call; the same helper run after the
    exercise's tests raises nothing, and neither does the instructor's solution. Review 25:
    the forbidden function wrapped in C objects and run while a plot unpacked an argument
    passed for the plot's own computation; it is the cell's call."""
    from resistlab.course import Course, answered_release, run_nbgrader
    from resistlab.course.grading import GradeOptions, grade_assignment

    slug = "09-cancer-stem-cells"
    nb, _ = _source(slug)
    course = make_course(slug)
    run_nbgrader(["generate_assignment", slug, "--force"], root=course)
    release_path = course / "release" / slug / f"{slug}.ipynb"
    students = (
        "full",
        "inanswer",
        "added",
        "after",
        "underscore",
        "pool",
        "explorer",
        "finalizer",
        "plot",
    )
    for student in students:
        submission = answered_release(nbformat.read(release_path, as_version=4), nb)
        first = _cell(submission, "answer_hierarchy_derivatives")
        targeting = _cell(submission, "answer_stem_targeting")
        if student == "inanswer":
            first.source += "\n" + STASH_09
        elif student == "added":
            submission.cells.insert(submission.cells.index(first) + 1, _added(STASH_09))
        if student in ("inanswer", "added"):
            for gid, code in COPY_09.items():
                _cell(submission, gid).source = code
        elif student == "after":  # placeholders, set again by a cell after the answer
            targeting.source = "relapse_delay_days = 1.0\nmin_stem_kill = 0.1\n"
            code = TARGETING_09.replace("\n(_r", "\nrelapse_delay_days, min_stem_kill = (_r")
            submission.cells.insert(submission.cells.index(targeting) + 1, _added(code))
        elif student == "underscore":
            submission.cells.insert(submission.cells.index(targeting), _added(TARGETING_09))
            targeting.source = "relapse_delay_days, min_stem_kill = _\n"
        elif student == "pool":
            targeting.source = POOL_09
        elif student == "finalizer":
            targeting.source = FINALIZER_09
        elif student == "plot":
            _cell(submission, "answer_conventional_therapy").source = PLOT_09
        elif student == "explorer":  # after the exercise's tests
            before = submission.cells.index(_cell(submission, "background_side_population"))
            submission.cells.insert(
                before, _added(STASH_09 + 'print(_state[0.3]["relapse_day"])\n')
            )
        _submit(course, slug, student, submission)
    run = grade_assignment(Course(course), slug, GradeOptions(jobs=2, quiet=True))
    rows = {r.student: r for r in run.rows}
    for honest in ("full", "explorer"):
        assert rows[honest].score == rows[honest].max_score, rows[honest]
        assert not rows[honest].review, rows[honest].flags
    relapse = "resistlab.stem_cells.time_to_relapse"
    helper = "called by widgets.stem_cells.hierarchy_state"
    for student, answer, there in (
        ("inanswer", "answer_conventional_therapy", " in answer_hierarchy_derivatives, before"),
        ("added", "answer_conventional_therapy", " in cell "),
        ("after", "answer_stem_targeting", " in cell "),
        ("underscore", "answer_stem_targeting", " in cell "),
        ("pool", "answer_stem_targeting", ""),
    ):
        row = rows[student]
        assert row.score == row.max_score, row  # the copied numbers are right; a person looks
        shortcuts = [str(f) for f in row.flags if f.code == "library_shortcut"]
        # (review 64: answer_hierarchy_derivatives declares the simulator that hierarchy_state
        # runs, so the helper run there, or before that exercise was graded, counts there too)
        own = "library_shortcut(answer_hierarchy_derivatives: resistlab.stem_cells."
        others = [f for f in shortcuts if f.startswith(own)]
        assert bool(others) == (student in ("inanswer", "added")), (student, shortcuts)
        shortcuts = [f for f in shortcuts if f not in others]
        assert len(shortcuts) == 1 and row.review, (student, row.flags)
        expected = f"library_shortcut({answer}: {relapse} ({helper}{there}"
        assert shortcuts[0].startswith(expected), (student, shortcuts)
    row = rows["plot"]  # the plot did not compute it: the cell did, through its callable
    assert row.score == row.max_score and row.review, row
    assert [str(f) for f in row.flags if f.code == "library_shortcut"] == [
        f"library_shortcut(answer_conventional_therapy: {relapse} (called))"
    ], row.flags
    row = rows["finalizer"]
    assert row.score == row.max_score and row.review, row
    assert [str(f) for f in row.flags if f.code == "library_shortcut"] == [
        f"library_shortcut(answer_stem_targeting: {relapse} (called under check_stem_targeting,"
        " before it was graded))"
    ], row.flags


LAZY_03 = """
def __format__(self, spec):
    import sys

    import resistlab.binding as _b

    main = sys.modules["__main__"].__dict__
    dose, ki, atp = main["GEFITINIB_nM"], main["KI_GEFITINIB_nM"], main["ATP_uM"]
    l858r = float(_b.fraction_inhibited(dose, ki, atp, main["KM_ATP_L858R_uM"]))
    t790m = float(_b.fraction_inhibited(dose, ki, atp, main["KM_ATP_T790M_uM"]))
    main["occupancy_l858r"], main["occupancy_t790m"] = l858r, t790m
    main["occupancy_loss_points"] = 100.0 * (l858r - t790m)
    main["fold_more_gefitinib"] = (1.0 + atp / main["KM_ATP_T790M_uM"]) / (
        1.0 + atp / main["KM_ATP_L858R_uM"]
    )
    return format(l858r, spec)


sys.modules["__main__"]._lazy = type("Lazy", (), {"__format__": __format__})()
"""


# a finalizer the answer leaves on the token 03's check cell rebinds (``_restored``): the
# library's fraction_inhibited runs with only builtins and weakref's code on the stack, under a
# check cell that calls the student's function of the same name
FINALIZER_03 = """
import importlib
import weakref

_F = getattr(importlib.import_module("resistlab." + "binding"), "fraction_" + "inhibited")
_store = []
class _Token: pass
_restored = _Token()
_kms = [KM_ATP_L858R_uM, KM_ATP_T790M_uM]
weakref.finalize(_restored, _store.extend, map(_F, [GEFITINIB_nM] * 2, [KI_GEFITINIB_nM] * 2,
                                               [ATP_uM] * 2, _kms))
class _Later:
    def __init__(self, value): self.value = value
    def __float__(self): return float(self.value()) if _store else 0.5
    def __format__(self, spec): return "?"
    __lt__ = __le__ = __gt__ = __ge__ = lambda self, other: True
occupancy_l858r = _Later(lambda: _store[0])
occupancy_t790m = _Later(lambda: _store[1])
occupancy_loss_points = _Later(lambda: 100.0 * (_store[0] - _store[1]))
fold_more_gefitinib = (1.0 + ATP_uM / KM_ATP_T790M_uM) / (1.0 + ATP_uM / KM_ATP_L858R_uM)
"""


def _forged_pyc(filename: str | None, check: str | None = None) -> str:
    """A sourceless ``.pyc`` (base64) whose module runs ``LAZY_03``'s code: compiled under the
    library file ``filename`` and run in ``resistlab.plotting``'s namespace, or, given the
    ``check`` cell's text, renamed at run time to the file name ipykernel gives that cell."""
    import base64
    import importlib._bootstrap_external as external

    inner = compile("import sys\n" + LAZY_03, filename or "/elsewhere/helper.py", "exec")
    if check is None:
        outer = "import resistlab.plotting as _p\nexec('INNER', _p.__dict__)\n"
    else:
        outer = (
            "import _imp\nfrom ipykernel.compiler import get_file_name\n"
            f"_imp._fix_co_filename('INNER', get_file_name({check!r}))\nexec('INNER', {{}})\n"
        )
    code = compile(outer, filename or "/elsewhere/helper.py", "exec")
    code = code.replace(co_consts=tuple(inner if c == "INNER" else c for c in code.co_consts))
    return base64.b64encode(external._code_to_timestamp_pyc(code, 0, 0)).decode()


@pytest.mark.slow
def test_code_made_to_pass_for_the_librarys_or_a_cells_is_the_students(make_course):
    """Review 24 #1: a sourceless ``.pyc`` the answer cell wrote and imported ran a function
    whose code carried a library file name, in the library module's namespace, and it
    computed the answer with the forbidden function under the check cell (which calls
    ``fraction_inhibited``, the student's): full marks and no flag (the call passed for the
    library's own, and a file name is not evidence). Code carrying the check cell's own file
    name passed so too. The kernel now tells code that is what its file says (the library's
    and installed modules' code, compared with the files' own; a cell's code, compared with
    what IPython compiles from the cell's text) from code made to look so: each is flagged
    under the check cell, before the exercise was graded; the solution raises nothing. So is
    a finalizer the answer left, which ran the library's function with no student code on
    the stack under that check cell: the cell's ``fraction_inhibited`` is the student's, not
    a name the instructor's imports give the library's."""
    import resistlab.plotting
    from resistlab.course import Course, answered_release, run_nbgrader
    from resistlab.course.grading import GradeOptions, grade_assignment

    slug = "03-target-mutations"
    nb, _ = _source(slug)
    check = _cell(nb, "check_t790m_occupancy").source
    course = make_course(slug)
    run_nbgrader(["generate_assignment", slug, "--force"], root=course)
    release_path = course / "release" / slug / f"{slug}.ipynb"
    forged = {
        "library": _forged_pyc(resistlab.plotting.__file__),
        "cell": _forged_pyc(None, check),
    }
    for student in ("full", "library", "cell", "finalizer"):
        submission = answered_release(nbformat.read(release_path, as_version=4), nb)
        if student == "finalizer":
            _cell(submission, "answer_t790m_occupancy").source = FINALIZER_03
        if student in forged:
            _cell(submission, "answer_t790m_occupancy").source = (
                "import base64\nimport sys\n\n"
                'with open("occupancy_helper.pyc", "wb") as fh:\n'
                f'    fh.write(base64.b64decode("{forged[student]}"))\n'
                'sys.path.append(".")\nimport occupancy_helper  # noqa: F401\n\n'
                "occupancy_l858r = occupancy_t790m = sys.modules['__main__']._lazy\n"
                "occupancy_loss_points = fold_more_gefitinib = occupancy_l858r\n"
            )
        _submit(course, slug, student, submission)
    run = grade_assignment(Course(course), slug, GradeOptions(jobs=2, quiet=True))
    rows = {r.student: r for r in run.rows}
    assert rows["full"].score == rows["full"].max_score and not rows["full"].review, rows["full"]
    for student in forged:
        row = rows[student]
        assert row.score == row.max_score, row  # the numbers are right: a person looks
        assert [str(f) for f in row.flags if f.code == "library_shortcut"] == [
            "library_shortcut(answer_t790m_occupancy: resistlab.binding.fraction_inhibited"
            " (called by code of no cell and no installed module under check_t790m_occupancy,"
            " before it was graded))"
        ], (student, row.flags)
    row = rows["finalizer"]
    assert row.score == row.max_score, row
    assert [str(f) for f in row.flags if f.code == "library_shortcut"] == [
        "library_shortcut(answer_t790m_occupancy: resistlab.binding.fraction_inhibited"
        " (called under check_t790m_occupancy, before it was graded))"
    ], row.flags


@pytest.mark.slow
def test_a_scratch_cell_above_an_instructors_example_leaves_the_example_its_own(make_course):
    """Review 40 #2: in ``15`` a cell the student added under the setup (``x = 1``) made the
    call of ``recommend`` that the instructor's ``background_example`` makes through the
    setup's ``explain`` the student's: ``library_shortcut`` on honest work (review, and
    Formgrader listed it for manual grading). The cell names the library entry that made
    the call, so the call is its own, wherever the student added cells."""
    from resistlab.course import Course, answered_release, run_nbgrader
    from resistlab.course.grading import GradeOptions, grade_assignment

    slug = "15-precision-oncology"
    nb, _ = _source(slug)
    course = make_course(slug)
    run_nbgrader(["generate_assignment", slug, "--force"], root=course)
    release_path = course / "release" / slug / f"{slug}.ipynb"
    for student in ("full", "scratch"):
        submission = answered_release(nbformat.read(release_path, as_version=4), nb)
        if student == "scratch":
            setup = submission.cells.index(_cell(submission, "setup"))
            submission.cells.insert(setup + 1, _added("x = 1\n"))
        _submit(course, slug, student, submission)
    run = grade_assignment(Course(course), slug, GradeOptions(jobs=2, quiet=True))
    for row in run.rows:
        assert row.score == row.max_score, row
        assert not [f for f in row.flags if f.code == "library_shortcut"], row.flags
        assert not row.review, row.flags


# --- review 56 #1: a declared function's own formula, reached another way --------------------
# ``hill``'s helper ``_occupancy`` and signalling's ``fractional_inhibition`` (the same
# d^h/(d^h + c^h)) each earned 01's hill its full marks unflagged, and so did 05's
# ``_log_biphasic`` for ``biphasic_kill``. Whatever a declared function computes with, and
# whatever else in the library gives the same numbers, is declared beside it; the test below
# derives both from the library, so the next helper cannot be missed.

# What a declared function calls that is not its formula: checks of its inputs and shaping of
# its result (shared by every function of the library), and text and parameter plumbing.
GENERIC_MODULES = ("resistlab._validation",)
NOT_THE_FORMULA = {
    "resistlab.pharmacology._as_result": "a 0-d result as a float",
    "resistlab.pharmacology._logistic": "scipy.special.expit, which students may use",
    "resistlab.evolution._as_counts": "input check",
    "resistlab.evolution._plating": "input check",
    "resistlab.evolution._gc_inputs": "input check and broadcasting",
    "resistlab.evolution._maybe_scalar": "a 0-d result as a float",
    "resistlab.binding._check_table": "input check",
    "resistlab.amplification._return": "a 0-d result as a float",
    "resistlab.signalling._params": "the default parameters, checked",
    "resistlab.signalling._return": "a 0-d result as a float",
    "resistlab.efflux._positive": "input check",
    "resistlab.microenvironment._positive": "input check",
    "resistlab.microenvironment._geometry": "input check",
    "resistlab.persisters._check_rates": "input check",
    "resistlab.survival._time_event": "input check",
    "resistlab.survival._groups": "input check",
    "resistlab.synergy._viability": "input check",
    "resistlab.pk._positive": "input check",
    "resistlab.immunology._params": "the default parameters, checked",
    "resistlab.immunology._scores_labels": "input check",
    "resistlab.adaptive._pair": "input check",
    "resistlab.precision._key": "spelling of an alteration's name",
    "resistlab.precision._split": "splitting a rule's text",
    # 15's fired_rules is given the tokens; turning a profile into them is rule_tokens's work
    "resistlab.precision._tokens": "a profile's tokens, fired_rules's input",
    "resistlab.precision.normalise_alterations": "a profile's names, fired_rules's input",
}
# The same formula under another parametrisation, which no probe with equal arguments finds:
# (declared, also declared, a check that both give the same numbers)
REPARAMETRISED = [
    (
        "resistlab.persisters.biphasic_kill",
        "resistlab.persisters._log_biphasic",
        lambda kill, log_kill, t: np.allclose(
            kill(t, 0.02, 0.3, 0.01),
            np.exp(log_kill(np.array([np.log(0.02 / 0.98), np.log(0.01), np.log(0.29)]), t)),
        ),
    ),
    (
        "resistlab.signalling.fractional_inhibition",
        "resistlab.pharmacology.hill",
        lambda inhibition, hill, d: np.allclose(inhibition(d, 1.3, 0.8), hill(d, 0, 1, 1.3, 0.8)),
    ),
    # review 57 B F1: twins under another signature
    (
        "resistlab.persisters.biphasic_kill",
        "resistlab.persisters.simulate_two_state",
        lambda kill, simulate, t: np.allclose(
            kill(t, 0.02, 0.3, 0.01),
            simulate(t, TwoStateRates(0, 0, 0.3, 0.01, 0, 0), 1.0, initial=(0.98, 0.02)).total,
        ),
    ),
    (
        "resistlab.persisters.biphasic_kill",
        "resistlab.persisters.surviving_fraction",
        lambda kill, surviving, t: np.allclose(
            kill(t, 0.02, 0.3, 0.01),
            surviving(TwoStateRates(0, 0, 0.3, 0.01, 0, 0), t, 1.0, initial=(0.98, 0.02)),
        ),
    ),
    (
        "resistlab.immunology.kuznetsov_rhs",
        "resistlab.immunology.antigen_loss_rhs",
        lambda rhs, loss_rhs, t: np.allclose(
            rhs(0.0, [0.3, 12.0], {"kappa": 2.0}),
            loss_rhs(0.0, [0.3, 12.0, 0.0], {"kappa": 2.0})[:2],
        ),
    ),
    (
        "resistlab.pk.one_compartment",
        "resistlab.pk.two_compartment",
        lambda one, two, t: np.allclose(one(t, 100, 20, 5), two(t, 100, 20, 5, 1.0, 1e-12)),
    ),
    (  # d^h/(d^h + c^h) is x/(x + K) of x = d^h, K = c^h
        "resistlab.pharmacology.hill",
        "resistlab.binding.fraction_inhibited",
        lambda hill, inhibited, d: np.allclose(
            hill(d, 0.1, 0.9, 1.3, 0.8), 0.1 + 0.8 * inhibited(d**0.8, 1.3**0.8, 0, 1)
        ),
    ),
    (  # I/(I + K) = 1 - 1/(1 + I/K)
        "resistlab.binding.fraction_inhibited",
        "resistlab.efflux.noncompetitive_vmax",
        lambda inhibited, vmax, i: np.allclose(inhibited(i, 1.3, 0, 1), 1 - vmax(1.0, i, 1.3)),
    ),
    (
        "resistlab.efflux.noncompetitive_vmax",
        "resistlab.pharmacology.hill",
        lambda vmax, hill, i: np.allclose(vmax(2.0, i, 1.3), hill(i, 2.0, 0, 1.3, 1)),
    ),
    # review 61 B: functions the setup imports, with degenerate parameters
    (  # (Km + S) / (Km' + S) with a vanishing Km is S / (S + Km')
        "resistlab.binding.fraction_inhibited",
        "resistlab.transport.relative_uptake",
        lambda inhibited, uptake, i: np.allclose(
            inhibited(i[1:], 1.3, 0, 1), uptake(i[1:], km_uM=1e-300, km_mutant_uM=1.3)
        ),
    ),
    (  # Michaelis-Menten with Vmax = 1 is I / (I + K)
        "resistlab.binding.fraction_inhibited",
        "resistlab.transport.uptake_rate",
        lambda inhibited, rate, i: np.allclose(
            inhibited(i, 1.3, 0, 1), rate(i, vmax=1.0, km_uM=1.3)
        ),
    ),
    (  # ... and (ATP + Km) / Km with the mutant's Km vanishing, 1 + ATP/Km
        "resistlab.binding.apparent_ki",
        "resistlab.transport.relative_uptake",
        lambda apparent, uptake, atp: np.allclose(
            apparent(1.0, atp[1:], 1.3), uptake(1.3, km_uM=atp[1:], km_mutant_uM=1e-300)
        ),
    ),
    (  # with both Km vanishing, the ratio of the maximal rates
        "resistlab.binding.fold_resistance",
        "resistlab.transport.relative_uptake",
        lambda fold, uptake, ic50: np.allclose(
            fold(ic50[1:], 1.3),
            uptake(1.0, km_uM=1e-300, km_mutant_uM=1e-300, vmax=1.3, vmax_mutant=ic50[1:]),
        ),
    ),
    (  # S' = v Km' / (1 - v), v = S / (Km + S): at S = 1, Km' / Km
        "resistlab.binding.fold_resistance",
        "resistlab.transport.equivalent_concentration",
        lambda fold, equivalent, ic50: np.allclose(
            fold(ic50[1:], 1.3), equivalent(1.0, km_uM=1.3, km_mutant_uM=ic50[1:])
        ),
    ),
    (  # only switching: the tolerant fraction settles at a / (a + b)
        "resistlab.epigenetics.beta_value",
        "resistlab.persisters.equilibrium_tolerant_fraction",
        lambda beta, settled, m: np.allclose(
            beta(m, 600.0, 100.0),
            [settled(TwoStateRates(0.0, 0.0, 0.0, 0.0, x, 600.0 + 100.0)) for x in m],
        ),
    ),
    (  # review 63 B#1: the mean occupancy over a vanishing log-dose range is the occupancy
        # there (HillFit.auc and GRFit.gr_aoc compute it)
        "resistlab.pharmacology.hill",
        "resistlab.pharmacology._area_fraction",
        lambda hill, area, d: np.allclose(
            hill(d[1:], 0, 1, 1.3, 0.8),
            [area(1.3, 0.8, x * np.exp(-1e-6), x * np.exp(1e-6)) for x in d[1:]],
            rtol=1e-6,
        ),
    ),
    (  # review 62 B#2: the slope at the start of a short simulation is the model's step
        "resistlab.adaptive.competition_rhs",
        "resistlab.adaptive.simulate_continuous",
        lambda rhs, simulate, _: np.allclose(
            rhs(0.0, [0.4, 0.2], (0.05, 0.03), 1.0, (1.2, 1.2), 0.1, 1.0),
            [
                np.polyfit(run.t, part, 3)[-2]
                for run in [
                    simulate(
                        (0.4, 0.2),
                        (0.05, 0.03),
                        1.0,
                        (1.2, 1.2),
                        0.1,
                        1e-3,
                        stop_at_progression=False,
                        max_step=1e-4,
                    )
                ]
                for part in (run.sensitive, run.resistant)
            ],
            rtol=1e-8,
        ),
    ),
    (  # with beta = 0, ln 2 / alpha: alpha = gamma k_f tau / k_r
        "resistlab.dna_repair.dose_for_half_kill",
        "resistlab.dna_repair.LQFit.dose_for",
        lambda half_kill, dose_for, k_r: np.allclose(
            half_kill(2.0, k_r[1:], 4.0, 0.1),
            [dose_for(LQFit(0.1 * 2.0 * 4.0 / k, 0.0, 0.0), 0.5) for k in k_r[1:]],
        ),
    ),
]
# Library modules searched for functions that give the same numbers (the others draw, open
# widgets or read files, and are no formula)
NOT_SEARCHED = (
    "resistlab.course",
    "resistlab.widgets",
    "resistlab.plotting",
    "resistlab.datasets",
)


def _function(dotted):
    """The function ``dotted`` names: of a module, or a method of its class
    (``resistlab.dna_repair.LQFit.dose_for``)."""
    module, name = dotted.rsplit(".", 1)
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        module, owner = module.rsplit(".", 1)
        return getattr(getattr(importlib.import_module(module), owner), name, None)


def _dotted(function):
    return f"{function.__module__}.{function.__qualname__}"


def _library_functions_used(function) -> set[str]:
    """The ``resistlab`` functions ``function``'s source names (called or passed), resolved in
    its module; its parameters and local names are not its module's."""
    function = inspect.unwrap(function)  # (behind functools.cache: review 66's helpers)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    local = {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    local |= {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
    found = set()
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            target = function.__globals__.get(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = function.__globals__.get(node.value.id)
            if isinstance(owner, types.ModuleType):
                target = getattr(owner, node.attr, None)
        if (
            isinstance(target, types.FunctionType)
            and target.__module__.startswith("resistlab.")
            and target is not function
        ):
            found.add(_dotted(target))
    return found


def _closure(names, stop=frozenset()) -> set[str]:
    seen, todo = set(), list(names)
    while todo:
        for used in _library_functions_used(_function(todo.pop())):
            if used not in seen and used not in stop:
                seen.add(used)
                todo.append(used)
    return seen


def _generic(dotted):
    return dotted.startswith(GENERIC_MODULES) or dotted in NOT_THE_FORMULA


@functools.lru_cache(maxsize=1)
def _library_values():
    """Each searched library function's numbers on the same random positive inputs, by how
    many positional arguments it was given (all arrays; one array then numbers)."""
    functions = {}
    for info in pkgutil.walk_packages(resistlab.__path__, "resistlab."):
        if info.name.startswith(NOT_SEARCHED) or info.name == "resistlab.__main__":
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if isinstance(obj, types.FunctionType) and obj.__module__ == info.name:
                functions[_dotted(obj)] = obj
    rng = np.random.default_rng(56)
    probes = {
        k: [
            tuple(rng.uniform(0.5, 3.0, 4) for _ in range(k)),
            (rng.uniform(0.5, 3.0, 4), *rng.uniform(0.5, 3.0, k - 1).tolist()),
        ]
        for k in range(1, 7)
    }
    values = {}
    for dotted, function in functions.items():
        params = list(inspect.signature(function).parameters.values())
        # required keyword-only arguments take the probe's last numbers (review 61:
        # ``transport.uptake_rate(s, vmax=..., km_uM=...)`` had never been probed)
        keywords = [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = sum(p.default is p.empty for p in positional) + len(keywords)
        for k in range(max(required, 1), min(len(positional) + len(keywords), 6) + 1):
            for i, args in enumerate(probes[k]):
                given = dict(zip(keywords, args[k - len(keywords) :], strict=True))
                try:
                    with warnings.catch_warnings(), np.errstate(all="ignore"):
                        warnings.simplefilter("ignore")
                        out = np.asarray(
                            function(*args[: k - len(keywords)], **given), dtype=float
                        )
                except Exception:
                    continue
                if out.ndim and np.isfinite(out).all():
                    values[dotted, k, i] = out
    return values


def _same_numbers(dotted) -> set[str]:
    """Library functions that give ``dotted``'s numbers (arrays, to 1e-9) on every shared
    probe."""
    values = _library_values()
    mine = {(k, i): v for (d, k, i), v in values.items() if d == dotted}
    twins = set()
    for other in {d for d, _, _ in values} - {dotted}:
        theirs = {(k, i): v for (d, k, i), v in values.items() if d == other}
        for k in {k for k, _ in mine} & {k for k, _ in theirs}:
            pairs = [
                (mine[k, i], theirs[k, i]) for i in (0, 1) if (k, i) in mine and (k, i) in theirs
            ]
            if pairs and all(
                a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12) for a, b in pairs
            ):
                twins.add(other)
    return twins


def _solution_uses(nb, gid) -> set[str]:
    """The library functions the instructor's solution of ``gid`` calls by the setup's names,
    and what they call: the exercise builds on them, so they cannot be its shortcut."""
    setup = ast.parse(_cell(nb, "setup").source)
    given = {
        alias.asname or alias.name: f"{node.module}.{alias.name}"
        for node in ast.walk(setup)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("resistlab")
        for alias in node.names
    }
    source = "\n".join(
        line for line in _cell(nb, gid).source.splitlines() if not line.lstrip().startswith("%")
    )
    named = {
        given[n.id]
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Name) and n.id in given
    }
    named = {d for d in named if isinstance(_function(d), types.FunctionType)}
    return named | _closure(named)


def _owed(nb, gid, declared) -> set[str]:
    """What ``gid`` must declare beside ``declared``: their library helpers (but input checks
    and what its solution itself builds on), the library functions that give the same numbers,
    and the reparametrised twins, until nothing new is found."""
    exempt = _solution_uses(nb, gid)
    owed = set(declared)
    while True:
        more = {d for d in _closure(owed, stop=exempt) if not _generic(d)}
        for dotted in list(owed | more):
            more |= {d for d in _same_numbers(dotted) if not _generic(d) and d not in exempt}
        for first, second, _ in REPARAMETRISED:
            if first in owed:
                more.add(second)
        if more <= owed:
            return owed
        owed |= more


@pytest.mark.parametrize("slug", [p.parent.name for p in NOTEBOOK_PATHS])
def test_a_declared_function_is_declared_with_its_helpers_and_its_twins(slug):
    """Review 56 #1: each answer cell that declares a library function also declares the
    library functions it computes with and those that give the same numbers, so that calling
    any of them is the shortcut it is."""
    nb, cells = _source(slug)
    missing = {
        gid: sorted(_owed(nb, gid, names) - set(names))
        for gid, names in forbidden_names(cells).items()
    }
    assert not {gid: names for gid, names in missing.items() if names}


@pytest.mark.parametrize(("first", "second", "same"), REPARAMETRISED)
def test_each_reparametrised_twin_gives_the_same_numbers(first, second, same):
    assert same(_function(first), _function(second), np.linspace(0.0, 50.0, 11))


def test_the_search_finds_the_twins_review_56_named():
    """The probe is what finds ``fractional_inhibition`` for ``_occupancy``: it must."""
    assert "resistlab.signalling.fractional_inhibition" in _same_numbers(
        "resistlab.pharmacology._occupancy"
    )
    assert "resistlab.pharmacology._occupancy" in _closure(["resistlab.pharmacology.hill"])


# Review 58 B#1: library functions of other signatures that give a "write it yourself" answer
TWINS_ELSEWHERE = [
    ("07-dna-repair", "answer_survival_table", "resistlab.pk.auc_iv"),
    ("07-dna-repair", "answer_ercc1_model", "resistlab.pk.half_life"),
    (
        "08-tumor-microenvironment",
        "answer_drug_penetration",
        "resistlab.microenvironment.oxygen_penetration_depth",
    ),
    (
        "02-evolution-of-resistance",
        "answer_prob_resistance",
        "resistlab.synergy.p_no_double_resistant",
    ),
    (
        "12-nanomedicine",
        "answer_one_compartment",
        "resistlab.microenvironment.drug_concentration_profile",
    ),
    # (11's answer_bliss and synergy.expected_double_resistant: review 65 declared that in
    # answer_resistance, which makes it forbidden in every answer cell, this one included)
    # review 60: a science function reached through the widget module that imports it; a
    # class whose property is the half-kill dose; a module, which the scan loses once it is
    # handed through a call (``next(iter([pk])).half_life``)
    # (review 68 declared adduct_area itself: the widget module's other import stands in)
    ("07-dna-repair", "answer_ercc1_model", "resistlab.widgets.dna_repair.adducts"),
    ("07-dna-repair", "answer_ercc1_model", "resistlab.persisters.BiphasicKill"),
    ("07-dna-repair", "answer_ercc1_model", "resistlab.pk"),
    # review 64 B#1: exercises that had declared nothing (their helpers' own twins are
    # declared: stem_cells._matrix, pharmacology._midpoint_dose, plotting.evolution._vmr)
    ("08-tumor-microenvironment", "answer_coculture_ic50", "resistlab.pharmacology._group_means"),
    (
        "09-cancer-stem-cells",
        "answer_hierarchy_derivatives",
        "resistlab.stem_cells.stem_net_growth_rate",
    ),
    # review 65 B#3: 04's choice of doses is the library's (declaring its escape threshold
    # brings the rule to the cell)
    (
        "04-gene-amplification",
        "answer_patient_decision",
        "resistlab.signalling.minimal_combination",
    ),
]


@pytest.mark.parametrize(("slug", "gid", "dotted"), TWINS_ELSEWHERE)
def test_a_library_function_the_setup_does_not_import_is_flagged_in_an_answer(slug, gid, dotted):
    """Review 58 B#1: twins of a declared function kept turning up under other signatures
    (``pk.auc_iv`` is 07's plating efficiency, ``pk.half_life`` its half-kill dose, ...). In
    an answer cell that declares a forbidden function, any function of the library the setup
    does not import, and the instructor's answer does not import itself, is flagged; the
    solutions raise nothing (see the test that every declared shortcut is flagged)."""
    nb, cells = _source(slug)
    module, name = dotted.rsplit(".", 1)
    _cell(nb, gid).source = f"from {module} import {name} as _twin\n_answer = _twin\n"
    flags = [str(f) for f in shortcut_flags(nb, _student_cells(nb), cells)]
    assert f"library_shortcut({gid}: {dotted} (not imported by the setup))" in flags, flags
    # a function the setup imports stays the student's to use, and so does a figure
    _cell(nb, gid).source = "from resistlab.plotting import plot_survival_curve as _p\n"
    assert not [f for f in shortcut_flags(nb, _student_cells(nb), cells) if gid in f.detail]
    # review 59: the twin in a cell the student added, its value used in the answer
    nb, cells = _source(slug)
    added = nbformat.v4.new_code_cell(f"from {module} import {name} as _twin\n")
    nb.cells.insert(nb.cells.index(_cell(nb, gid)), added)
    index = nb.cells.index(added)
    flags = [str(f) for f in shortcut_flags(nb, [*_student_cells(nb), index], cells)]
    assert f"library_shortcut(cell {index}: {dotted} (not imported by the setup))" in flags
