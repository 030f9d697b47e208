"""The grading pool (``resistlab.course.grading.pool``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit
from helpers import ROOT

#: Workers that die while the call queue's pipe is full (1 MiB a task, 64 KiB a pipe).
DYING = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from resistlab.course.grading.pool import start_pool

    def die(payload):
        time.sleep(0.5)
        os._exit(1)

    if __name__ == "__main__":
        pool = start_pool(2)
        futures = [pool.submit(die, b"x" * (1 << 20)) for _ in range(4)]
        for future in futures:
            try:
                future.result(timeout=60)
            except Exception as err:
                print(type(err).__name__)
        pool.shutdown(wait=True, cancel_futures=True)
        print("shut down")
""")


@pytest.mark.parametrize("python", [sys.executable, "/usr/bin/python3"])
def test_a_broken_pool_with_a_full_call_queue_shuts_down(python, tmp_path):
    """Review 45 A#1: workers that died while the call queue's pipe was full left its feeder
    thread writing to a pipe no one reads, and shutting the broken pool down hung the run
    for good on older Python 3.11 releases (Debian 12's 3.11.2, the hub's Python; CPython
    gh-94777). The pool closes the parent's end of the queue when it breaks, on every
    Python. The pool module imports only the standard library, so any Python runs it."""
    if shutil.which(python) is None:
        pytest.skip(f"{python} is not installed")
    script = tmp_path / "dying.py"
    script.write_text(DYING)
    done = subprocess.run(
        [python, str(script), str(ROOT / "src")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["BrokenProcessPool"] * 4 + ["shut", "down"], done.stdout


#: A parent that starts two workers, prints their process ids and its fork server's, and is
#: killed by a signal no handler sees.
KILLED = textwrap.dedent("""
    import json, os, signal, sys, time
    sys.path.insert(0, sys.argv[1])
    from resistlab.course.grading.pool import start_pool

    def ids():
        time.sleep(1.0)  # (so that each worker takes one)
        return os.getpid(), os.getppid()

    if __name__ == "__main__":
        pool = start_pool(2)
        seen = [f.result(timeout=60) for f in [pool.submit(ids) for _ in range(2)]]
        print(json.dumps(sorted({p for pair in seen for p in pair})), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
""")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux")
def test_workers_end_with_a_parent_killed_by_any_signal(tmp_path):
    """Review 49 (A #2, C #1): a parent killed by SIGKILL (the OOM killer's) or by a signal it
    does not handle left the fork server and the workers idle for good (about 800 MiB, with
    their kernel templates; a kernel still running a student's code ran on). Each worker
    now ends when the process that started the pool ends, and the fork server with them."""
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    done = subprocess.run(
        [sys.executable, str(script), str(ROOT / "src")], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == -9, done.stderr
    pids = json.loads(done.stdout)
    assert len(pids) >= 2, pids  # the workers (one or two took the tasks), the fork server
    deadline = time.monotonic() + 20
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in pids if _running(p)] == [], "processes outlived the killed parent"


def test_each_workers_kernel_template_starts_before_its_first_submission(fixture_course):
    """The parent asks the workers to start their kernel templates as soon as it knows the
    run (its imports then overlap the sandbox probe and the gradebook), before it hands out
    the first submission; the submissions are graded from those templates."""
    from concurrent.futures import ProcessPoolExecutor

    from resistlab.course import Course
    from resistlab.course.grading import GradeOptions, grade_assignment
    from resistlab.course.grading.pool import _mp_context

    submitted = []

    class Recording(ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(fn.__name__)
            return super().submit(fn, *args, **kwargs)

    for student in ("a", "b", "c"):
        submit(fixture_course, student, answer(release_copy(fixture_course)))
    pool = Recording(2, _mp_context())
    options = GradeOptions(jobs=2, quiet=True)
    run = grade_assignment(
        Course(fixture_course), NAME, options, log=lambda *a: None, executor=pool
    )
    assert submitted == ["prepare", "prepare", "_tracked", "_tracked", "_tracked"]
    assert {r.student: (r.score, r.status) for r in run.rows} == {s: (5, "graded") for s in "abc"}
