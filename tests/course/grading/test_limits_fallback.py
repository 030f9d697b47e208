"""The process-count limit without a cgroup: the documented fallback, from inside a kernel.

Where no cgroup can be made for a sandbox (no cgroup v2 delegation, no writable v1
hierarchy), a kernel's processes are limited by ``RLIMIT_NPROC``, counted on the kernel's own
uid when the grader is root. ``GradeOptions(cgroups=False)`` takes that path on a machine
that has cgroups. A submission starts up to 200 threads (each counts as a process); its
``ic50`` answer is right only if fewer than 150 could start.
"""

from __future__ import annotations

import os
import shutil

import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment
from resistlab.course.grading.sandbox import bwrap_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bwrap_path() is None, reason="needs bubblewrap"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the kernel's own uid needs a root grader"),
]

THREADS = """
import threading

_stop = threading.Event()
_started = 0
for _ in range(200):
    try:
        threading.Thread(target=_stop.wait, daemon=True).start()
        _started += 1
    except RuntimeError:
        break
_stop.set()
ic50 = 3.0 if _started < 150 else 1.0
"""


@pytest.mark.parametrize(("processes", "score"), [(64, 5.0), (10_000, 3.0)])
def test_process_limit_without_cgroup(tmp_path, _released_fixture, processes, score, capsys):
    """With ``cgroups=False`` and a limit of 64, the kernel cannot start 150 threads (full
    marks); with a limit of 10,000 it starts all 200 (the control: ``ic50`` is wrong). The
    run says that its limits are the fallback's (review 46: ``require`` had said nothing)."""
    course = tmp_path / "course"
    shutil.copytree(_released_fixture, course)
    submit(course, "threads", answer(release_copy(course), ic50=THREADS))
    options = GradeOptions(
        jobs=1, timeout=20, quiet=True, sandbox="require", cgroups=False, processes=processes
    )
    run = grade_assignment(Course(course), NAME, options)
    (row,) = run.rows
    assert run.errors == 0 and row.score == score, [str(f) for f in row.flags]
    assert "memory and process limits apply per process" in capsys.readouterr().err
