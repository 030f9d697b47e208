"""Who else on this machine can read a course, or a user's home.

On a hub every student is a Linux user of the machine that holds the instructor's course
(hidden tests, solutions, the gradebook, everyone's graded work) and the other students'
homes (their notebooks in progress, and the cached ``submission_secret.txt`` with which
nbgrader's ``fetch_feedback`` fetches a student's feedback). File modes are what keep them
apart, and Debian's ``useradd -m`` makes homes mode 0755: on a hub set up so, a student had
read every hidden test, the gradebook and a classmate's notebook, and, with the
classmate's cached secret copied into her own cache, fetched his feedback page through
nbgrader's own exchange.

:func:`check_private_homes` (the hub's configuration calls it when the hub starts) refuses a
home that other users may enter; :func:`course_exposure` lists what of a course others may
read (``resistlab release`` and ``resistlab grade`` warn with it). Only the bits for
*others* are read: a group's bits are not, since Debian gives each user a group of their
own; a site that puts students in one primary group must also clear the group's bits.
"""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = ["check_private_homes", "course_exposure", "open_homes", "others_can_enter"]


def _mode(path: str | os.PathLike) -> int | None:
    try:
        return os.stat(path).st_mode
    except OSError:
        return None


def others_can_enter(path: str | os.PathLike) -> bool:
    """Whether a user who is neither the owner nor in the group can reach ``path``: every
    folder from ``/`` down to it (itself included, when it is a folder) lets others search it.

    Examples
    --------
    >>> others_can_enter("/")
    True
    """
    path = Path(os.path.abspath(path))
    for folder in [*reversed(path.parents), path]:
        mode = _mode(folder)
        if mode is None:
            return False
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    return True


def open_homes(users: Iterable[str]) -> list[str]:
    """The homes of ``users`` (Linux user names) that other users may list or enter, each
    as ``"HOME (USER, mode 0755)"``; users without an account or a home are skipped."""
    found = []
    for user in users:
        try:
            home = pwd.getpwnam(user).pw_dir
        except KeyError:
            continue
        mode = _mode(home)
        if mode is not None and stat.S_ISDIR(mode) and mode & 0o007:
            found.append(f"{home} ({user}, mode {stat.S_IMODE(mode):04o})")
    return found


def check_private_homes(users: Iterable[str]) -> None:
    """Raise ``SystemExit``, saying which and what to do, if other users may list or enter
    the home of any of ``users`` (the hub's instructors and students)."""
    found = open_homes(users)
    if found:
        shown = "; ".join(found[:10]) + (f"; and {len(found) - 10} more" if found[10:] else "")
        raise SystemExit(
            f"other users can enter these homes: {shown}. Every student could read them: the "
            "instructor's course (hidden tests, solutions, gradebook), a classmate's work and "
            "the secret that fetches a classmate's feedback. Close each (as root): "
            "chmod 0700 HOME; create accounts with useradd -m -K HOME_MODE=0700 "
            "(docs/jupyterhub.md)"
        )


def course_exposure(root: str | os.PathLike) -> list[str]:
    """What of the course at ``root`` other users of this machine can read: its gradebook
    and its source notebooks (with the hidden tests and solutions), relative to ``root``;
    empty when others cannot reach the course folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     os.chmod(tmp, 0o700)
    ...     course_exposure(tmp)
    []
    """
    root = Path(root)
    if not others_can_enter(root):
        return []
    exposed = []
    gradebook = root / "gradebook.db"
    mode = _mode(gradebook)
    if mode is not None and mode & stat.S_IROTH:
        exposed.append("gradebook.db")
    source = root / "notebooks"
    if (_mode(source) or 0) & stat.S_IXOTH:
        for notebook in sorted(source.glob("*/*.ipynb")):
            folder_mode, mode = _mode(notebook.parent) or 0, _mode(notebook) or 0
            if folder_mode & stat.S_IXOTH and mode & stat.S_IROTH:
                exposed.append(str(notebook.relative_to(root)))
    return exposed
