"""Flags: what grading noticed about a submission, for a person to review.

A flag never changes a score. ``review`` flags (integrity: edited or deleted graded cells,
overridden hooks, monkeypatched comparisons, reading files outside the submission, a dying
kernel, an unreadable notebook, ...) mark the submission for review in the summary, the CSV
and, by default, the gradebook (``needs_manual_grade``). ``info`` flags record what happened
without suggesting anything is wrong (a cell timed out, output was truncated, warnings on
stderr were ignored, an extra file was submitted).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FLAG_CODES",
    "MAX_DETAIL",
    "MAX_PER_CODE",
    "Flag",
    "bounded",
    "format_flags",
    "needs_review",
]

#: Every flag code, its severity and what it means (the table in docs/grading.md).
FLAG_CODES: dict[str, tuple[str, str]] = {
    # integrity: notebook structure
    "edited_cell": ("review", "a read-only or test cell was edited (graded from the original)"),
    "deleted_cell": ("review", "a read-only, answer or test cell was deleted"),
    "duplicated_cell": ("review", "a cell with nbgrader metadata appears more than once"),
    "retyped_cell": ("review", "a cell's type was changed (graded as the original type)"),
    "invalid_metadata": ("review", "the nbgrader metadata cannot be read"),
    "implausible_timestamp": (
        "review",
        "timestamp.txt claims a time after the file reached submitted/ (forged or wrong clock)",
    ),
    # integrity: code
    "hook_override": ("review", "IPython display, traceback or input hooks were overridden"),
    "monkeypatch": ("review", "a comparison or library function was replaced or shadowed"),
    "always_equal": ("review", "a class defines __eq__/__ne__ (an object equal to anything)"),
    "process_exit": ("review", "the code exits or kills the kernel (sys.exit, os._exit, ...)"),
    "dynamic_code": ("review", "code built at run time (exec, eval, __import__, ...)"),
    "file_access": ("review", "a file or folder outside the submission was opened or listed"),
    "network": ("review", "the code tried to open a network connection"),
    "subprocess": (
        "review",
        "the code started another program (which no audit hook or call report watches)",
    ),
    "sealed_reply": ("review", "the kernel gave no valid answer to a sealed test's request"),
    "library_shortcut": (
        "review",
        "an answer uses the library function its exercise asks the student to write",
    ),
    "kernel_config": (
        "review",
        "the submission holds kernel configuration (.ipython, .jupyter, ...): not copied",
    ),
    "too_many_cells": ("review", "more added cells than the grader runs (the rest were dropped)"),
    "special_file": (
        "review",
        "a FIFO, device, socket or setuid file in the submission (never opened)",
    ),
    "too_large": (
        "review",
        "a notebook or file above the size the grader reads (never read; a notebook scores 0)",
    ),
    # robustness
    "kernel_died": ("review", "the kernel died; the cells it was running scored as errors"),
    "corrupted_notebook": ("review", "the notebook file is not a readable notebook (scored 0)"),
    "missing_notebook": ("review", "an expected notebook was not submitted (scored 0)"),
    "grading_error": ("review", "grading failed for a reason outside the submission"),
    "worker_stopped": (
        "review",
        "grading ran past the submission's time budget; the worker was stopped (scored 0)",
    ),
    "memory_error": ("review", "a cell ran out of memory (it may have cost honest work points)"),
    "timeout": ("info", "a cell hit the time limit and was interrupted"),
    "unresponsive_kernel": ("info", "the kernel ignored an interrupt and was restarted"),
    "output_truncated": ("info", "a cell's output was truncated"),
    "output_dropped": (
        "info",
        "an output of a kind JupyterLab renders live in an untrusted notebook was not kept",
    ),
    "stderr_filtered": ("info", "warnings on stderr were ignored by IgnorePattern"),
    "magic": ("info", "the code uses an IPython magic"),
    "extra_file": ("info", "the submission holds a file the assignment does not have"),
    "sandbox_degraded": ("info", "a sandbox layer could not be applied on this machine"),
}


#: Longest detail a flag keeps (characters; a longer one keeps its two ends), and most flags
#: of one code a submission records (see :func:`bounded`).
MAX_DETAIL = 200
MAX_PER_CODE = 20


@dataclass(frozen=True, order=True)
class Flag:
    """One observation about a submission.

    Parameters
    ----------
    code : str
        A key of :data:`FLAG_CODES`.
    detail : str
        Where or what (a cell id, a path, a function name).

    Examples
    --------
    >>> Flag("edited_cell", "test_hill_values").severity
    'review'
    >>> str(Flag("timeout", "test_loop"))
    'timeout(test_loop)'
    """

    code: str
    detail: str = ""

    def __post_init__(self):
        if self.code not in FLAG_CODES:
            raise ValueError(f"unknown flag code {self.code!r}; known: {', '.join(FLAG_CODES)}")
        if len(self.detail) > MAX_DETAIL:  # a name the student chose can be any length
            half = (MAX_DETAIL - 3) // 2
            object.__setattr__(self, "detail", f"{self.detail[:half]}...{self.detail[-half:]}")

    @property
    def severity(self) -> str:
        """``review`` or ``info``."""
        return FLAG_CODES[self.code][0]

    @property
    def meaning(self) -> str:
        return FLAG_CODES[self.code][1]

    def __str__(self) -> str:
        return f"{self.code}({self.detail})" if self.detail else self.code

    def to_list(self) -> list[str]:
        return [self.code, self.detail]


def bounded(flags) -> list[Flag]:
    """``flags`` sorted, without repeats, and at most :data:`MAX_PER_CODE` of each code (then
    one saying how many more): what one submission records cannot grow with what it holds.

    Examples
    --------
    >>> [str(f) for f in bounded([Flag("extra_file", f"f{i:02}") for i in range(25)])][-2:]
    ['extra_file(f19)', 'extra_file(... and 5 more)']
    """
    kept: list[Flag] = []
    counts: dict[str, int] = {}
    for flag in sorted(set(flags)):
        counts[flag.code] = counts.get(flag.code, 0) + 1
        if counts[flag.code] <= MAX_PER_CODE:
            kept.append(flag)
    for code, count in counts.items():
        if count > MAX_PER_CODE:
            kept.append(Flag(code, f"... and {count - MAX_PER_CODE} more"))
    return kept


def needs_review(flags) -> bool:
    """True when any flag has the ``review`` severity.

    Examples
    --------
    >>> needs_review([Flag("timeout")]), needs_review([Flag("timeout"), Flag("network", "x")])
    (False, True)
    """
    return any(flag.severity == "review" for flag in flags)


def format_flags(flags, *, limit: int = 6) -> str:
    """Summarise flags as ``code(detail, detail) code ...``, review flags first.

    Examples
    --------
    >>> format_flags([Flag("timeout", "a"), Flag("edited_cell", "t1"), Flag("edited_cell", "t2")])
    'edited_cell(t1, t2) timeout(a)'
    """
    grouped: dict[str, list[str]] = {}
    for flag in sorted(set(flags), key=lambda f: (f.severity != "review", f.code, f.detail)):
        grouped.setdefault(flag.code, [])
        if flag.detail:
            grouped[flag.code].append(flag.detail)
    parts = []
    for code, details in grouped.items():
        shown = details[:limit] + (["..."] if len(details) > limit else [])
        parts.append(f"{code}({', '.join(shown)})" if shown else code)
    return " ".join(parts)
