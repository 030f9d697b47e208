"""Who else on this machine can read a course or a user's home (resistlab.course.privacy).

Round 44 (A) #1: the hub recipe's ``useradd -m`` makes homes 0755 on Debian; every student
read the instructor's hidden tests and gradebook, a classmate's notebook, and (with the
classmate's cached submission secret) fetched his feedback. The hub now refuses homes
others may enter, the recipe makes them 0700, and ``resistlab release``/``grade`` warn when
others can read the course.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from resistlab.course import cli
from resistlab.course.privacy import check_private_homes, course_exposure, others_can_enter


@pytest.fixture
def open_course():
    """A course folder every user can enter (as in a 0755 home), with a readable gradebook
    and source notebook: what ``useradd -m`` and a default umask give."""
    base = Path(tempfile.mkdtemp(prefix="rl-privacy-", dir="/tmp"))
    try:
        base.chmod(0o755)
        root = base / "resistlab"
        (root / "notebooks" / "01-tiny").mkdir(parents=True, mode=0o755)
        for folder in (root, root / "notebooks", root / "notebooks" / "01-tiny"):
            folder.chmod(0o755)
        (root / "notebooks" / "01-tiny" / "01-tiny.ipynb").write_text("{}")
        (root / "gradebook.db").write_text("")
        for path in (root / "notebooks" / "01-tiny" / "01-tiny.ipynb", root / "gradebook.db"):
            path.chmod(0o644)
        yield root
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_course_exposure_names_what_others_can_read_until_the_course_is_closed(open_course):
    """Open: the gradebook and the source notebook are named. Closing any folder on the way
    (the course itself, or the home above it) or the files themselves hides them."""
    assert others_can_enter(open_course)
    assert course_exposure(open_course) == ["gradebook.db", "notebooks/01-tiny/01-tiny.ipynb"]
    (open_course / "gradebook.db").chmod(0o600)
    assert course_exposure(open_course) == ["notebooks/01-tiny/01-tiny.ipynb"]
    (open_course / "notebooks").chmod(0o750)
    assert course_exposure(open_course) == []
    (open_course / "notebooks").chmod(0o755)
    open_course.parent.chmod(0o700)  # the home above it, closed
    assert not others_can_enter(open_course) and course_exposure(open_course) == []


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_release_warns_when_others_can_read_the_course(open_course, capsys):
    """``resistlab release`` (and ``grade``, through the same check) says what others can
    read and how to close it, and still releases; a closed course gets no warning."""
    import nbformat
    from course.test_cli import tiny_notebook

    shutil.copy(Path(__file__).parents[2] / "nbgrader_config.py", open_course)
    nbformat.write(tiny_notebook(), open_course / "notebooks" / "01-tiny" / "01-tiny.ipynb")
    assert cli.main(["--course", str(open_course), "release", "01-tiny"]) == 0
    err = capsys.readouterr().err
    assert "other users of this machine can read gradebook.db" in err, err
    assert f"chmod 700 {open_course}" in err, err
    assert (open_course / "release" / "01-tiny" / "01-tiny.ipynb").is_file()
    open_course.chmod(0o700)
    assert cli.main(["--course", str(open_course), "release", "01-tiny"]) == 0
    assert "other users" not in capsys.readouterr().err


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0 or shutil.which("useradd") is None,
    reason="creates a Linux user (root, useradd)",
)
def test_the_hub_refuses_homes_other_users_can_enter(tmp_path):
    """A home made by the recipe's former ``useradd -m`` (0755 with Debian's defaults) stops
    the hub with what to do; the recipe's ``useradd -m -K HOME_MODE=0700`` makes a home it
    accepts, and so does ``chmod 0700`` of an open one. Users without an account are skipped
    (the roster may name students not yet created)."""
    user = f"rlpriv{os.getpid() % 100000}"
    home = tmp_path / "homes" / user
    home.parent.mkdir()

    def useradd(*options):
        subprocess.run(
            ["useradd", *options, "--create-home", "--home-dir", str(home), user],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    try:
        useradd("-K", "UMASK=022", "-K", "HOME_MODE=0755")  # Debian 12's useradd -m
        with pytest.raises(SystemExit, match=rf"{home} \({user}, mode 0755\).*chmod 0700"):
            check_private_homes([user, "no-such-user-rl"])
        home.chmod(0o700)
        check_private_homes([user, "no-such-user-rl"])
        subprocess.run(["userdel", "-r", user], check=True, capture_output=True, timeout=30)
        useradd("-K", "HOME_MODE=0700")  # the recipe's command
        assert home.stat().st_mode & 0o777 == 0o700
        check_private_homes([user])
    finally:
        subprocess.run(["userdel", "-r", user], capture_output=True, timeout=30)
