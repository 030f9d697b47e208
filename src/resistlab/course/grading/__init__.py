"""Grading that holds: parallel, resumable, sandboxed autograding and leak-free feedback.

The ``resistlab grade`` and ``resistlab feedback`` commands are built from one concept per
module:

:mod:`~resistlab.course.grading.runner`
    the parent process: what is new, the worker pool, progress, the summary;
:mod:`~resistlab.course.grading.worker`
    one submission in a worker: nbgrader's sanitise and autograde preprocessors, in order;
:mod:`~resistlab.course.grading.kernel`
    nbgrader's ``Execute``, sandboxed, restartable after a kernel death, output-capped;
:mod:`~resistlab.course.grading.sandbox`
    Landlock, namespaces and resource limits for the kernel (standard library only);
:mod:`~resistlab.course.grading.integrity`
    structure checks, a static scan and library shortcuts that raise flags;
:mod:`~resistlab.course.grading.sealed`
    sealed tests: test cells run in the grader, the kernel only answers for its names;
:mod:`~resistlab.course.grading.flags`
    the flag codes (review or info; a flag never changes a score);
:mod:`~resistlab.course.grading.snapshot`
    the instructor's cells, read once from the gradebook for the workers;
:mod:`~resistlab.course.grading.gradebook`
    the only code that writes grades (parent process, one transaction per submission);
:mod:`~resistlab.course.grading.report`
    progress bar, warnings, summary table and CSV;
:mod:`~resistlab.course.grading.feedback`
    per-student HTML without hidden tests or their tracebacks.

``docs/grading.md`` describes the design, the flags and exactly what the sandbox enforces.
"""

from __future__ import annotations

import importlib
import sys

__all__ = [
    "FLAG_CODES",
    "FeedbackLeak",
    "Flag",
    "GradeOptions",
    "GradeRun",
    "generate_feedback",
    "grade_assignment",
]

# nbformat validates notebooks with jsonschema, whose optional IRI format checker
# (rfc3987-syntax, installed with jupyter-events) compiles 39 Lark grammars when jsonschema is
# imported: about 2 s at the start of every grading process, for a string format that no
# notebook schema uses (nbformat validates without format checks). Marking the module as
# absent makes jsonschema skip that checker; nothing else changes.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

# Imported on first use, so that `resistlab.course.grading.pool` can start workers before the heavy
# imports (nbgrader, nbclient) happen.
_HOMES = {
    "FLAG_CODES": "flags",
    "Flag": "flags",
    "FeedbackLeak": "feedback",
    "generate_feedback": "feedback",
    "GradeOptions": "runner",
    "GradeRun": "runner",
    "grade_assignment": "runner",
}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
