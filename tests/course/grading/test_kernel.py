"""The grader's own messages never reach a test cell (kernel.py).

A parity run lost an honest student 2 points: nbclient's kernel watch, which it cancels only
when a reply arrives, outlived its kernel client and failed with an ``AssertionError``; asyncio
printed "Task exception was never retrieved" to ``sys.stderr`` when the task was collected,
which happened during a sealed test, whose stderr goes into the test cell, and nbgrader scores
a test cell with stderr output 0.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from resistlab.course.grading.kernel import GradingExecute


def test_a_kernel_watch_ends_quietly_when_its_session_is_over():
    """The watch of a kernel whose session ended (no client any more, or another one) ends
    without an exception instead of failing on the missing client."""

    async def watch(replacement):
        ex = GradingExecute()
        ex.kc = object()  # the session's client (never called before the first tick)
        task = asyncio.ensure_future(ex._async_poll_kernel_alive())
        await asyncio.sleep(0)
        ex.kc = replacement
        await asyncio.wait_for(task, timeout=5)
        return task.exception()

    assert asyncio.run(watch(None)) is None
    assert asyncio.run(watch(object())) is None


def test_asyncio_messages_of_the_grader_never_reach_a_redirected_stderr():
    """In a fresh interpreter (pytest installs log handlers of its own): once the grader's
    executor exists, what asyncio logs goes to the process's stderr, not to ``sys.stderr``
    redirected into a sealed test's cell."""
    code = textwrap.dedent(
        """
        import contextlib, io, logging
        from resistlab.course.grading.kernel import GradingExecute
        GradingExecute()
        cell = io.StringIO()
        with contextlib.redirect_stderr(cell):
            logging.getLogger("asyncio").error("Task exception was never retrieved")
        print(repr(cell.getvalue()))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "''", done
    assert "Task exception was never retrieved" in done.stderr


UNREADABLE = r"""
import json, os, pathlib, tempfile, types
from resistlab.course.grading.kernel import _entries, _written, remove_tree
from resistlab.course.grading.worker import _close_template, _scratch

root = tempfile.mkdtemp()
os.makedirs(f"{root}/hid")
with open(f"{root}/hid/f", "wb") as handle:
    handle.write(b"x" * 65536)
os.chmod(f"{root}/hid", 0o300)  # writable and searchable, not listable
os.makedirs(f"{root}/nox")
with open(f"{root}/nox/f", "wb") as handle:
    handle.write(b"x" * 65536)
os.chmod(f"{root}/nox", 0o600)  # listable, its entries not searchable
listed = {f"{root}/hid/f", f"{root}/nox/f"} <= set(_entries(root, 100)[0])
size, entries, unread = _written(root, [], 100)
os.makedirs(f"{root}/theirs")
os.chmod(f"{root}/theirs", 0o300)
os.chown(f"{root}/theirs", 65534, 65534)  # one the grader cannot take back
_, _, theirs = _written(root, [], 100)
os.chown(f"{root}/theirs", os.geteuid(), os.getegid())
os.chmod(f"{root}/hid", 0o300)
remove_tree(root)
run = tempfile.mkdtemp()
context = types.SimpleNamespace(run_dir=run)
first = _scratch(context)
os.chmod(first.parent, 0o500)  # the kernel's chmod("..", 0o500)
_scratch(context)  # raises if the worker's folder stayed unwritable
remove_tree(run)
outer = tempfile.mkdtemp(prefix="rl-template-")  # the grader's folder; the home within
home = os.path.join(outer, "home")
os.makedirs(f"{home}/.mpl")
os.chmod(f"{home}/.mpl", 0)
os.chmod(home, 0)  # a kernel's chmod of its template's home
_close_template(types.SimpleNamespace(close=lambda: None, folder=pathlib.Path(home)))
print(json.dumps({
    "template_removed": not os.path.exists(outer),
    "listed": listed, "size": size, "unread": unread, "theirs": theirs,
    "removed": not os.path.exists(root), "run_removed": not os.path.exists(run),
}))
"""


def test_a_folder_made_unreadable_under_the_graders_uid_is_counted_and_removed():
    """Review 23 #2, #3: with an unprivileged grader the kernel runs under the grader's uid,
    so a folder it made unlistable (``chmod 0o300``; or unsearchable, ``0o600``) hid 1.6 GB
    from the disk watch and from
    the clean-up, and ``chmod("..", 0o500)`` on the worker's folder made every later
    submission of that worker an ERROR; review 34 #6: a template's home made ``chmod 0``
    stayed in ``/tmp``. The owner's bits are given back before a folder is listed or removed
    and before each scratch folder is made; a folder that stays unreadable stops the
    kernel. Run as root without the capabilities that bypass file modes (what an
    unprivileged grader is), or as the unprivileged user itself."""
    import json

    from helpers import as_unprivileged

    command = as_unprivileged([sys.executable, "-c", UNREADABLE])
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["listed"], "the hidden file was not listed"
    assert result["size"] >= 2 * 65536 and result["unread"] == ""
    assert result["theirs"] == "made a folder the grader cannot read in its folder"
    assert result["removed"] and result["run_removed"]
    assert result["template_removed"]


def test_a_note_in_the_times_of_the_workers_folder_does_not_reach_the_next_kernel(tmp_path):
    """Review 52 #2: under a grader without subordinate ids a kernel owns its worker's folder
    (the parent of its scratch folder) and wrote 64 bits in its access time, which the next
    student of the worker read. Making the next scratch folder gives it the present time."""
    import os
    import types

    from resistlab.course.grading.worker import _scratch

    context = types.SimpleNamespace(run_dir=str(tmp_path))
    slot = _scratch(context).parent
    note = 1234567890123456789
    os.utime(slot, ns=(note, note))
    _scratch(context)
    assert note not in (os.stat(slot).st_atime_ns, os.stat(slot).st_mtime_ns)


def test_a_kernels_language_info_is_kept_only_in_its_named_short_fields():
    """Review 35 #7: a kernel's ``language_info`` went into the autograded notebook as sent
    (a 120 MiB version made a 126 MB notebook past the 32 MiB cap). An honest kernel's is
    kept whole; long, unknown or odd-typed fields are dropped."""
    from resistlab.course.grading.kernel import bounded_language_info

    honest = {
        "name": "python",
        "version": "3.11.7",
        "mimetype": "text/x-python",
        "codemirror_mode": {"name": "ipython", "version": 3},
        "pygments_lexer": "ipython3",
        "nbconvert_exporter": "python",
        "file_extension": ".py",
    }
    assert bounded_language_info(dict(honest)) == honest
    forged = {
        **honest,
        "version": "9" * 120 * 2**20,
        "extra": "x",
        "codemirror_mode": {"name": "ipython", "version": "v" * 200, "theme": "y"},
        "mimetype": ["text/x-python"],
    }
    kept = bounded_language_info(forged)
    assert "version" not in kept and "extra" not in kept and "mimetype" not in kept
    assert kept["codemirror_mode"] == {"name": "ipython"}
    assert bounded_language_info(None) == {} and bounded_language_info("python") == {}


def test_what_a_stopped_kernel_added_is_removed_and_what_its_folder_held_stays(tmp_path):
    """The disk watch's clean-up removes every entry the kernel added, below the folder and
    below the folders it held (2,500 folders: more than ten times the bound on entries, as
    a sandbox's processes are all stopped first), keeps what the folder held, and follows no
    link. Bounded (processes may still be adding), it looks at ten times the bound."""
    import os

    from resistlab.course.grading.kernel import _DiskWatch

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("x")
    folder = tmp_path / "scratch"
    (folder / "held" / "deep").mkdir(parents=True)
    (folder / "held" / "deep" / "kept.txt").write_text("x")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        watch = _DiskWatch(str(folder), sleeper, 10**9, 100, interval=60)
        for i in range(2500):
            (folder / f"r{i}" / "x").mkdir(parents=True)
        (folder / "held" / "added").mkdir()
        (folder / "held" / "deep" / "added.txt").write_text("x")
        os.symlink(outside, folder / "held" / "deep" / "link")
        watch.stop()
        watch.clean(bounded=False)
        assert sorted(os.listdir(folder)) == ["held"]
        assert os.listdir(folder / "held") == ["deep"]
        assert os.listdir(folder / "held" / "deep") == ["kept.txt"]
        assert (outside / "precious").exists()
        for i in range(2500):
            (folder / f"r{i}").mkdir()
        watch.clean()  # bounded: 1,000 entries looked at
        assert 1500 <= len(os.listdir(folder)) - 1 <= 1503  # held entries count as looked at
    finally:
        sleeper.kill()
        sleeper.wait()
