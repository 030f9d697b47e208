"""The gradebook on a real PostgreSQL server (started on loopback by the tests).

A large course keeps nbgrader's gradebook in a database server: the course configuration
reads ``RESISTLAB_DB_URL``. These tests run release, grade, feedback and report against a real
server, check that two graders working on different assignments at once lose no grade, and
that a student's kernel can neither see the database URL nor reach the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest
from course.grading.fixture_assignment import (
    NAME,
    WRONG_HILL,
    answer,
    make_fixture_course,
)
from pgserver import create_database, postgres_server

from resistlab.course import nbgrader_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SECOND = "02-fixture"


@pytest.fixture(scope="module")
def pg_base(tmp_path_factory):
    pytest.importorskip("psycopg", reason="pip install 'resistlab[postgres]'")
    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture
def pg_course(tmp_path, pg_base, monkeypatch, request):
    """A fixture course whose gradebook is a fresh PostgreSQL database."""
    url = create_database(pg_base, request.node.name.lower().replace("[", "_").strip("]")[:60])
    monkeypatch.setenv("RESISTLAB_DB_URL", url)
    course = make_fixture_course(tmp_path / "course", release=False)
    second = course / "notebooks" / SECOND
    second.mkdir()
    shutil.copy(course / "notebooks" / NAME / f"{NAME}.ipynb", second / f"{SECOND}.ipynb")
    return course, url


def resistlab(course, *args, env=None, background=False):
    cmd = [sys.executable, "-m", "resistlab", "--course", str(course), *args]
    if background:
        return subprocess.Popen(cmd, env=env or nbgrader_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)  # fmt: skip
    proc = subprocess.run(cmd, env=env or nbgrader_env(), capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def hand_in(course, assignment, student, nb):
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def release_of(course, assignment):
    return nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def scores(url, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(assignment)}


def test_release_grade_feedback_and_report_on_postgres(pg_course):
    """The whole instructor workflow writes to PostgreSQL and never creates gradebook.db."""
    course, url = pg_course
    resistlab(course, "release", NAME)
    hand_in(course, NAME, "alice", answer(release_of(course, NAME)))
    hand_in(course, NAME, "bob", answer(release_of(course, NAME), hill=WRONG_HILL))
    hand_in(course, NAME, "carol", release_of(course, NAME))
    resistlab(course, "grade", NAME, "--jobs", "2")
    assert scores(url, NAME) == {"alice": 5.0, "bob": 2.0, "carol": 0.0}
    assert not (course / "gradebook.db").exists()
    out = resistlab(course, "feedback", NAME)
    assert "3 feedback page(s) written" in out
    resistlab(course, "report", NAME, "--format", "csv")
    assert "alice" in (course / "reports" / NAME / "scores.csv").read_text()
    # Unchanged submissions are skipped on a second run: the ledger and the server agree.
    assert "3 unchanged" in resistlab(course, "grade", NAME)


def test_two_graders_at_once_lose_no_grade(pg_course):
    """Two `resistlab grade` runs on different assignments at the same time, one database."""
    course, url = pg_course
    resistlab(course, "release", NAME, SECOND)
    expected = {}
    for assignment in (NAME, SECOND):
        for k in range(6):
            student = f"s{k}"
            nb = release_of(course, assignment)
            if k % 3 == 0:
                answer(nb)
            elif k % 3 == 1:
                answer(nb, hill=WRONG_HILL)
            expected.setdefault(assignment, {})[student] = (5.0, 2.0, 0.0)[k % 3]
            hand_in(course, assignment, student, nb)
    runs = [resistlab(course, "grade", a, "--jobs", "1", background=True) for a in (NAME, SECOND)]
    outputs = [p.communicate(timeout=900)[0] for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outputs
    assert scores(url, NAME) == expected[NAME]
    assert scores(url, SECOND) == expected[SECOND]


def test_a_student_another_grader_is_creating_is_retried_not_lost(pg_course):
    """The race two graders meet, forced: another grader has inserted the same student and not
    yet committed. This run's insert waits on the row, then fails on the unique key once the
    other commits; the write is retried and the grade recorded, not left an error."""
    import sqlalchemy

    course, url = pg_course
    resistlab(course, "release", NAME)
    hand_in(course, NAME, "s0", answer(release_of(course, NAME)))
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as other:
            other.execute(sqlalchemy.text("INSERT INTO student (id) VALUES ('s0')"))
            run = resistlab(course, "grade", NAME, "--jobs", "1", background=True)
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            deadline = time.monotonic() + 300
            # Autocommit: inside one transaction pg_stat_activity would be a frozen snapshot.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
                while not watch.execute(sqlalchemy.text(waiting)).scalar():
                    assert run.poll() is None, run.communicate()[0]
                    assert time.monotonic() < deadline, "the grader never reached the student"
                    time.sleep(0.2)
            other.commit()
        out = run.communicate(timeout=600)[0]
    finally:
        engine.dispose()
    assert run.returncode == 0, out
    assert scores(url, NAME) == {"s0": 5.0}
    assert "Traceback" not in out, "a write that was retried is not an error to print"


def test_kernel_sees_neither_the_database_url_nor_the_server(pg_course, pg_base):
    """A student's code cannot read RESISTLAB_DB_URL nor open a connection to the server."""
    course, url = pg_course
    port = int(pg_base.rsplit(":", 1)[1])
    resistlab(course, "release", NAME)
    probe = textwrap.dedent(
        f"""\
        import os, socket
        leaked = [k for k, v in os.environ.items() if "postgres" in v or k == "RESISTLAB_DB_URL"]
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
            reached = True
        except OSError:
            reached = False
        ic50 = 3.0 if not leaked and not reached else 0.0
        """
    )
    hand_in(course, NAME, "mallory", answer(release_of(course, NAME), ic50=probe))
    resistlab(course, "grade", NAME, "--sandbox", "require" if os.geteuid() == 0 else "auto")
    assert scores(url, NAME) == {"mallory": 5.0}, (
        "the kernel saw the database URL or reached the database server"
    )
