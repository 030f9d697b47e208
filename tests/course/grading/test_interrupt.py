"""Ctrl-C stops a grading run within seconds, keeping what was recorded (ATTACK_REPORT #2
against issue 9).

``ProcessPoolExecutor.shutdown`` waits for running tasks, so a ``SIGINT`` that arrived while
a worker was busy in a test left the run going until that submission was done (minutes, or
for ever). Here a real ``resistlab grade`` runs in a subprocess: the first submission is
recorded, then the second keeps its worker busy inside a test cell (the student's function
sleeps for ten minutes; the cell timeout is longer) when the run is interrupted.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit
from helpers import start_as_in_a_terminal
from nbgrader.api import Gradebook

pytestmark = pytest.mark.slow

SLOW_HILL = """\
import time

def hill(dose, ec50, h):
    time.sleep(600)
    return 0.0
"""


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize(
    "target, sig",
    [
        ("parent", signal.SIGINT),
        ("group", signal.SIGINT),
        ("parent", signal.SIGTERM),
        ("parent", signal.SIGHUP),
        ("parent", signal.SIGXCPU),
    ],
    ids=["parent", "group", "parent-sigterm", "parent-sighup", "parent-sigxcpu"],
)
def test_sigint_stops_a_busy_run_promptly_and_keeps_what_finished(fixture_course, target, sig):
    """``target`` is who gets ``sig``: the ``resistlab grade`` process alone (``kill -INT``)
    or its whole process group, as Ctrl-C in a terminal does; ``SIGTERM`` (``kill``,
    ``systemctl stop``) and ``SIGHUP`` stop it the same way (reviews 47, 48: the workers had
    outlived the parent, idle, with the run's folders)."""
    submit(fixture_course, "a_quick", answer(release_copy(fixture_course)))
    submit(fixture_course, "b_busy", answer(release_copy(fixture_course), hill=SLOW_HILL))
    ledger = fixture_course / "grading" / NAME / "ledger.json"
    command = [sys.executable, "-m", "resistlab.course.cli", "--course", str(fixture_course)]
    command += ["grade", NAME, "--jobs", "1", "--timeout", "900"]
    proc = start_as_in_a_terminal(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if ledger.is_file() and "a_quick" in json.loads(ledger.read_text())["students"]:
                break
            time.sleep(0.5)
        assert proc.poll() is None, proc.communicate()
        assert ledger.is_file(), "the first submission was never recorded"
        time.sleep(8)  # b_busy is now inside test_hill_values, waiting on the student's hill()
        below = _descendants(proc.pid)
        assert below, "the run has no worker processes"
        sent = time.monotonic()
        if target == "group":
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert took < 10, f"the run took {took:.1f} s to stop after {sig.name}"
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "interrupted: 1 of 2 submission(s) were graded and recorded" in err, err[-2000:]
    students = json.loads(ledger.read_text())["students"]
    assert set(students) == {"a_quick"}, students
    with Gradebook(f"sqlite:///{fixture_course / 'gradebook.db'}") as gb:
        assert gb.find_submission(NAME, "a_quick").score == 5.0
    time.sleep(3)
    left = sorted(pid for pid in below if _alive(pid))
    assert left == [], f"processes of the run still alive after it stopped: {left}"


def test_what_a_killed_run_left_is_removed_by_the_next_one(tmp_path):
    """Review 47 C: a run killed with SIGKILL (no clean-up ran) left its run folder and its
    templates' homes in /tmp, files of its kernels' uids included, and the next run left
    them there. A run holds a lock on its folder while it lives; the next run removes the
    folders no run holds, and homes whose run folder is gone."""
    import fcntl

    from resistlab.course.grading.runner import remove_stale_runs

    dead, alive = tmp_path / "rlg-deadrun1", tmp_path / "rlg-liverun1"
    for run in (dead, alive):
        (run / "s123" / "1").mkdir(parents=True)
        (run / "s123" / "1" / "big.bin").write_bytes(b"x" * 4096)
        (tmp_path / f"rl-template-{run.name}-abcd1234" / "home").mkdir(parents=True)
    orphan = tmp_path / "rl-template-rlg-gone1234-efgh5678"
    (orphan / "home").mkdir(parents=True)
    other = tmp_path / "rlg-notours" if os.geteuid() == 0 else None
    if other is not None:
        other.mkdir()
        os.chown(other, 65534, 65534)
    held = os.open(alive, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(held, fcntl.LOCK_EX)  # a living run's
    try:
        removed = remove_stale_runs(tmp_path, older_than=0, homes=tmp_path)
    finally:
        os.close(held)
    assert sorted(p.name for p in removed) == sorted([dead.name, orphan.name]), removed
    left = sorted(p.name for p in tmp_path.iterdir())
    expected = [alive.name, f"rl-template-{alive.name}-abcd1234"]
    expected += [other.name] if other is not None else []
    assert left == sorted(expected), left


def test_the_groups_of_a_killed_run_are_removed_by_the_next_one(tmp_path):
    """Review 57 A: a run killed with SIGKILL left its workers' cgroups (``resistlab-RUN-PID-0``
    in the ``pids`` and ``memory`` hierarchies), empty, for good. The next run removes them
    with the run's folder; a living run's stay."""
    from resistlab.course.grading.runner import remove_stale_runs
    from resistlab.course.grading.sandbox import GroupLimits

    dead, alive = tmp_path / "rlg-deadrun2", tmp_path / "rlg-liverun2"
    groups = {run: GroupLimits(f"resistlab-{run.name}-99-0", 2**30, 64) for run in (dead, alive)}
    try:
        if not groups[dead].dirs:
            pytest.skip(f"no cgroup can be made here: {groups[dead].why}")
        for run in (dead, alive):
            run.mkdir()
        held = os.open(alive, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            remove_stale_runs(tmp_path, older_than=0, homes=tmp_path)
        finally:
            os.close(held)
        assert not any(os.path.exists(d) for d in groups[dead].dirs), groups[dead].dirs
        assert all(os.path.isdir(d) for d in groups[alive].dirs), groups[alive].dirs
    finally:
        for group in groups.values():
            group.remove()
