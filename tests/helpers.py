"""Paths and parameters shared by the test modules."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_PATHS = sorted(ROOT.glob("notebooks/[0-9][0-9]-*/[0-9][0-9]-*.ipynb"))


def assignment_params():
    """One pytest param per assignment, with the assignment's folder name as its id."""
    return [pytest.param(p, id=p.parent.name) for p in NOTEBOOK_PATHS]


def autograde(*args: str, root: Path):
    """Run ``nbgrader autograde ARGS`` for the course at ``root``, the tests' reference grader,
    on submissions the tests made themselves (so allowed to run them unsandboxed: the course
    refuses that by default), with its kernels on UNIX sockets in a fresh folder of their own
    (POSIX), removed when nbgrader returns. Over TCP, jupyter_client picks free ports and
    releases them before the kernel binds them, and under load another process took one first
    ("Address already in use", a reference run failed). The sockets' path is absolute (the
    kernel starts in the notebook's folder, nbgrader in the course's) and short: a UNIX
    socket's path holds at most 107 bytes, which a test's own folder can pass."""
    from resistlab.course import run_nbgrader

    trusted = ["--UnsandboxedAutograde.allowed=True"]
    if os.name != "posix":
        return run_nbgrader(["autograde", *trusted, *args], root=root)
    folder = tempfile.mkdtemp(prefix="rl-ipc-")
    try:
        transport = ["--KernelManager.transport=ipc", f"--KernelManager.ip={folder}/kernel"]
        return run_nbgrader(["autograde", *trusted, *transport, *args], root=root)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def as_unprivileged(command: list[str]) -> list[str]:
    """``command`` as an unprivileged grader runs it: as root, through ``setpriv`` without the
    capabilities that bypass file modes (the test is skipped where ``setpriv`` is missing);
    as any other user, unchanged."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's file-mode override")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]


def nest_folders(folder, name: str, levels: int) -> int:
    """Make ``levels`` folders called ``name``, each inside the last, under ``folder``, one
    level at a time through folder descriptors (so past ``PATH_MAX`` and past what a
    recursive walk can reach); return a descriptor of the deepest (the caller closes it)."""
    fd = os.open(folder, os.O_RDONLY)
    for _ in range(levels):
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    return fd


def nbgrader_cell(kind, source, gid, *, solution=False, grade=False, locked=True, points=None):
    """A notebook cell with complete nbgrader (schema 3) metadata, as the course writes them."""
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(textwrap.dedent(source))
    meta = {"grade": grade, "grade_id": gid, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}  # fmt: skip
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def _sigint_as_in_a_terminal():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_as_in_a_terminal(command, **kwargs):
    """Start ``command`` in its own session with SIGINT at its default, as a shell prompt does.

    A command started in the background of a non-interactive shell (``make test &``) inherits
    SIGINT *ignored* (POSIX), and Python keeps an inherited ``SIG_IGN``: a test that sends
    Ctrl-C would then pass or fail by how pytest was launched, not by the code under test.
    """
    return subprocess.Popen(
        command, start_new_session=True, preexec_fn=_sigint_as_in_a_terminal, **kwargs
    )
