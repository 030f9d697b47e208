"""`nbgrader collect` under the course configuration never follows a student's link.

Review 30 #7: the exchange's inbound folder is writable by every student, and nbgrader's
collect copied each submission with ``shutil.copytree`` as the instructor, following links:
``notes.txt -> gradebook.db`` arrived in ``submitted/`` as a copy of the gradebook (the
student's cell printed it onto the feedback page), and a submission folder that was itself a
link to the instructor's source folder was collected as the student's, solutions included.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from course.grading.fixture_assignment import NAME, make_fixture_course

from resistlab.course import run_nbgrader
from resistlab.course.exchange import copy_tree_nofollow

pytestmark = pytest.mark.slow


def _stamp(seconds: float = 0) -> str:
    """A time as nbgrader's ``submit`` writes it, ``seconds`` from now."""
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


STAMP = _stamp()  # a submission's time, and a later one: set when each test starts
LATER = _stamp(60)


@pytest.fixture(autouse=True)
def _times_of_now(monkeypatch):
    """The submissions a test makes are dated when it starts: collect takes the change time
    of a submission's files as its time when that is more than ``CHANGE_SKEW`` later than
    the time it records (review 71 F2)."""
    monkeypatch.setattr(sys.modules[__name__], "STAMP", _stamp())
    monkeypatch.setattr(sys.modules[__name__], "LATER", _stamp(60))


def _collect_unchecked(course, *args) -> str:
    """``nbgrader collect`` of the assignment with nbgrader's owner check off (the folders'
    owners are the tests' own), asserted to succeed; its log."""
    proc = run_nbgrader(
        ["collect", NAME, *args, "--CollectApp.check_owner=False"], root=course, check=False
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    return log


def test_collect_copies_no_link_and_no_linked_submission(tmp_path, monkeypatch):
    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = course / "release" / NAME / f"{NAME}.ipynb"
    secret = course / "gradebook.db"
    assert secret.is_file()

    honest = inbound / f"amy+{NAME}+{STAMP}+0123456789abcdef"
    honest.mkdir()
    (honest / f"{NAME}.ipynb").write_text(released.read_text())
    (honest / "timestamp.txt").write_text(STAMP)
    (honest / "data").mkdir()
    (honest / "data" / "notes.csv").write_text("dose,viability\n1,0.5\n")

    mallory = inbound / f"mallory+{NAME}+{STAMP}+fedcba9876543210"
    mallory.mkdir()
    (mallory / f"{NAME}.ipynb").write_text(released.read_text())
    (mallory / "timestamp.txt").write_text(STAMP)
    (mallory / "notes.txt").symlink_to(secret)
    (mallory / "source").symlink_to(course / "notebooks" / NAME)
    os.mkfifo(mallory / "pipe")

    # a whole submission that is a link to the instructor's source folder
    (inbound / f"trudy+{NAME}+{STAMP}+0011223344556677").symlink_to(course / "notebooks" / NAME)
    # review 31 #1, #3: 600 nested folders (RecursionError in nbgrader's copy) and a sparse
    # file past max_dir_size had stopped everyone after them; a link's name holding terminal
    # codes had been printed raw
    deep = inbound / f"ada+{NAME}+{STAMP}+0000000000000001"
    deep.mkdir()
    (deep / f"{NAME}.ipynb").write_text(released.read_text())
    os.makedirs(deep / "/".join(["d"] * 600), exist_ok=True)
    sparse = inbound / f"ben+{NAME}+{STAMP}+0000000000000002"
    sparse.mkdir()
    with open(sparse / "big.bin", "wb") as fh:
        fh.truncate(200 * 10**6)
    (mallory / "\x1b[2Aup").symlink_to(secret)

    # one Linux user plays every student here: nbgrader's owner check, which would leave out
    # a folder named for a user of this machine, is off (its own test is below)
    proc = run_nbgrader(
        ["collect", NAME, "--CollectApp.check_owner=False"], root=course, check=False
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    submitted = course / "submitted"
    assert (submitted / "amy" / NAME / "data" / "notes.csv").read_text().startswith("dose")
    assert nbformat.read(submitted / "amy" / NAME / f"{NAME}.ipynb", as_version=4).cells
    kept = sorted(p.name for p in (submitted / "mallory" / NAME).iterdir())
    assert kept == [f"{NAME}.ipynb", "timestamp.txt"], kept
    assert not any((submitted / "trudy").glob(f"{NAME}/*")), "a linked submission collected"
    assert "notes.txt: a symbolic link or special file (never followed)" in log
    assert "trudy+" in log and "a symbolic link or not a folder (never followed)" in log
    assert not list(submitted.glob("*/.collect-*")), "the staging folder stayed"
    assert "\x1b" not in log and "\\x1b[2Aup: a symbolic link" in log
    assert "ada+" in log and "folders nested more than 64 levels" in log
    assert "ben+" in log and "more than 100000000 bytes" in log
    for skipped in ("ada", "ben"):
        assert not any((submitted / skipped).glob(f"{NAME}/*")), skipped


def test_the_copy_leaves_out_links_at_any_depth_and_stops_past_its_size(tmp_path):
    """Links inside sub-folders are left out and named; a top folder that is a link is
    refused; the copy stops past its byte limit (nbgrader's max_dir_size)."""
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "ok.txt").write_text("ok")
    (src / "sub" / "ln").symlink_to(tmp_path)
    (src / "top").symlink_to(src / "sub" / "ok.txt")
    left_out = copy_tree_nofollow(str(src), str(tmp_path / "out"), 10**6).left_out
    assert sorted(left_out) == ["sub/ln", "top"]
    assert (tmp_path / "out" / "sub" / "ok.txt").read_text() == "ok"
    with pytest.raises(NotADirectoryError):
        copy_tree_nofollow(str(src / "top"), str(tmp_path / "out2"), 10**6)
    with pytest.raises(ValueError, match="more than 1 bytes"):
        copy_tree_nofollow(str(src), str(tmp_path / "out3"), 1)


@pytest.mark.skipif(os.geteuid() != 0, reason="makes folders owned by other users (chown)")
def test_collect_takes_no_folder_made_in_another_students_name(tmp_path, monkeypatch):
    """Review 31 #3: every student can write to ``inbound``, and nbgrader kept the newest
    folder per name whoever owned it (it only warned), so mallory's newer ``ben+...`` folder
    was collected as ben's; and one unreadable folder name stopped everyone's collect."""
    import pwd

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    student, mallory = pwd.getpwnam("daemon"), pwd.getpwnam("nobody")
    later = LATER

    def submission(name, stamp, owner, note):
        folder = inbound / f"{name}+{NAME}+{stamp}+0123456789abcdef"
        folder.mkdir()
        (folder / f"{NAME}.ipynb").write_text(released)
        (folder / "timestamp.txt").write_text(stamp)
        (folder / "who.txt").write_text(note)
        for path in (folder, *folder.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    submission("daemon", STAMP, student, "the student")
    submission("daemon", later, mallory, "an impostor")  # newer, in the student's name
    submission("nobody", later, student, "made by daemon")  # the other way round
    stranger = next(n for n in (f"student{i}" for i in range(1000)) if not _is_user(n))
    submission(stranger, later, mallory, "not a user here")  # nbgrader's own rule: a warning
    unreadable = inbound / f"eve+{NAME}+not a time+\x1b[2Jx"
    unreadable.mkdir()

    proc = run_nbgrader(["collect", NAME], root=course, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    submitted = course / "submitted"
    assert (submitted / "daemon" / NAME / "who.txt").read_text() == "the student"
    assert not (submitted / "nobody").exists(), "a folder daemon made collected as nobody's"
    assert (submitted / stranger / NAME / "who.txt").read_text() == "not a user here"
    assert (
        f"daemon+{NAME}+{later}" in log
        and "names the student daemon but is owned by nobody" in log
    )
    assert "names the student nobody but is owned by daemon" in log
    assert "eve+" in log and "its name is not STUDENT+ASSIGNMENT+TIME+RANDOM" in log
    assert "\x1b" not in log
    # nbgrader's own check, switched off, collects by name alone as before
    run_nbgrader(["collect", NAME, "--update", "--CollectApp.check_owner=False"], root=course)
    assert (submitted / "daemon" / NAME / "who.txt").read_text() == "an impostor"


def test_one_students_folders_in_inbound_neither_slow_nor_bury_the_class(tmp_path, monkeypatch):
    """Review 67 C2: every student can write to ``inbound``; 100,000 folders one student made
    there were each parsed (twice) by every collect of the class (3.9 s -> 18-38 s), and their
    100,000 lines buried the one naming a folder made in another student's name. Now an owner
    and name have their 100 newest folders read, an owner 10,000 in all, the rest are counted
    in one line, and the folders made in another's name are named first. Review 72 C F1:
    folders under 100,000 ids one student invented each cost a look-up of the password
    database (30 s a collect); an owner's folders are read under at most 100 ids."""
    import pwd

    from resistlab.course.exchange import MAX_FOLDERS, MAX_IDS, MAX_LINES, MAX_OWNED

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    student, mallory = pwd.getpwnam("daemon"), pwd.getpwnam("nobody")

    def folder(name, stamp, owner, note=None):
        path = inbound / f"{name}+{NAME}+{stamp}+0123456789abcdef"
        path.mkdir()
        if note is not None:
            (path / f"{NAME}.ipynb").write_text(released)
            (path / "who.txt").write_text(note)
        for made in (path, *path.iterdir()):
            os.chown(made, owner.pw_uid, owner.pw_gid)

    folder("daemon", STAMP, student, "the student")
    folder("daemon", LATER, mallory, "an impostor")
    # the impostor's own: 250 folders, the newest a submission
    for minute in range(250):
        folder("nobody", f"2026-11-30 10:{minute // 60:02d}:{minute % 60:02d}.000000 UTC", mallory)
    folder("nobody", STAMP, mallory, "her newest")
    # and unreadable names under as many ids, past her room
    unreadable = MAX_OWNED - MAX_FOLDERS - 1 + 50  # 50 past her room (the 1: daemon's name)
    for i in range(unreadable):
        folder(f"z{i}", "not a time", mallory)

    proc = run_nbgrader(["collect", NAME], root=course, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    submitted = course / "submitted"
    assert (submitted / "daemon" / NAME / "who.txt").read_text() == "the student"
    assert (submitted / "nobody" / NAME / "who.txt").read_text() == "her newest"
    # her own name's beyond the newest, and those past her MAX_IDS ids (her own, daemon's,
    # then the invented ones)
    read = MAX_IDS - 2
    past = 251 - MAX_FOLDERS + unreadable - read
    assert f"Not collected: {past} folders of {NAME} owned by nobody, named nobody, z" in log
    lines = [line for line in log.splitlines() if "Not collected" in line]
    assert "names the student daemon but is owned by nobody" in lines[1], lines[:3]
    named = [line for line in lines if "its name is not STUDENT+ASSIGNMENT" in line]
    assert len(named) == MAX_LINES
    more = read - MAX_LINES
    assert f"Not collected: {more} more folders owned by nobody, left out for their names" in log
    assert len(lines) == 1 + 1 + MAX_LINES + 1, lines[:5]


def test_collect_takes_no_id_a_student_invents(tmp_path, monkeypatch):
    """Review 68 C1: a folder whose id is not a user of the machine was collected by its
    name, as nbgrader does (hubs whose servers run as one uid); one student had made 10,000
    such ids, each collected, graded and put in the gradebook. A folder owned by a student of
    the course (on the gradebook's roster, or with a folder in their own name) is collected
    only under that student's own id; one owned by someone else keeps nbgrader's rule."""
    import pwd

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    daemon, nobody, other, earlier = (pwd.getpwnam(n) for n in ("daemon", "nobody", "bin", "sys"))
    run_nbgrader(["db", "student", "add", "nobody"], root=course)  # on the roster

    def submission(name, owner):
        folder = inbound / f"{name}+{NAME}+{STAMP}+0123456789abcdef"
        folder.mkdir()
        (folder / f"{NAME}.ipynb").write_text(released)
        for path in (folder, *folder.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    free = [n for n in (f"zz{i}" for i in range(1000)) if not _is_user(n)][:4]
    submission("daemon", daemon)  # a student: their own folder
    submission(free[0], daemon)  # an id they invented
    submission("DAEMON", daemon)  # a look-alike of their own
    submission(free[1], nobody)  # a student on the roster, without a folder of their own
    submission(free[2], other)  # neither: as on a hub whose servers share one uid
    # review 69 C3: a student collected before (in submitted/), their own folder renamed
    (course / "submitted" / "sys").mkdir(parents=True)
    submission(free[3], earlier)
    proc = run_nbgrader(["collect", NAME], root=course, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    collected = sorted(p.name for p in (course / "submitted").iterdir() if any(p.iterdir()))
    assert collected == sorted(["daemon", free[2]]), collected
    made = ((free[0], "daemon"), ("DAEMON", "daemon"), (free[1], "nobody"), (free[3], "sys"))
    for name, maker in made:
        assert f"names {name}, who is not a user here, but is owned by {maker}" in log, name


def test_listing_inbound_reads_no_folder_past_a_bound(tmp_path, monkeypatch):
    """Review 68 C2: ``nbgrader list --inbound`` read each submission's secret whole, or
    each notebook: a FIFO in one student's folder hung the listing of the class, a 3 GB
    sparse secret failed it with MemoryError; review 69 C: an empty secret failed it, and a
    name of terminal codes printed a forged line; review 70 C: folders collect leaves out were
    listed. Those folders are named and left out."""
    from resistlab.course.exchange import MAX_ENTRIES

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()

    def submission(name):
        folder = inbound / f"{name}+{NAME}+{STAMP}+0123456789abcdef"
        folder.mkdir()
        return folder

    honest = submission("amy")
    (honest / f"{NAME}.ipynb").write_text(released)
    (honest / "submission_secret.txt").write_text("amy0123abcd")
    os.mkfifo(submission("fifo") / f"{NAME}.ipynb")  # no secret: nbgrader reads the notebook
    sparse = submission("sparse")
    (sparse / f"{NAME}.ipynb").write_text(released)
    with open(sparse / "submission_secret.txt", "wb") as fh:
        fh.truncate(3 * 2**30)  # 3 GB that take no room on the disk
    empty = submission("empty")
    (empty / f"{NAME}.ipynb").write_text(released)
    (empty / "submission_secret.txt").write_text("")  # nbgrader's hash asserts a secret
    escaped = inbound / f"ben\x1b[2K+{NAME}+{STAMP}+0123456789abcdef"
    escaped.mkdir()
    # review 70 C: what collect leaves out, listed as submissions (a folder in another user's
    # name, a "time" of free text)
    for forged in ("daemon", f"amy+{NAME}+GRADED 12 of 12 (feedback ready)+x"):
        folder = inbound / forged if "+" in forged else submission(forged)
        folder.mkdir(exist_ok=True)
        (folder / f"{NAME}.ipynb").write_text(released)
        (folder / "submission_secret.txt").write_text("amy0123abcd")
    # review 71 F3: a folder of more notebooks than collect takes files (MAX_ENTRIES), each
    # read by nbgrader's listing, and listed
    many = submission("many")
    (many / "submission_secret.txt").write_text("many0123abcd")
    (many / "sub").mkdir()
    for i in range(MAX_ENTRIES - 1):  # with the secret and the folder: one past the bound
        (many / "sub" / f"n{i}.ipynb").touch()
    proc = run_nbgrader(["list", "--inbound"], root=course, check=False, timeout=120)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert "amy" in log and "\x1b" not in log
    assert f"many+{NAME}" in log and f"more than {MAX_ENTRIES} files and folders" in log
    assert log.count("submission_secret.txt is missing or not one printable line") == 3, log
    assert "its name holds characters that are not printable" in log
    assert "names the student daemon but is owned by root" in log
    assert "its name is not STUDENT+ASSIGNMENT+TIME+RANDOM with a readable time" in log
    assert log.count("Not listed") == 7, log


def _is_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def test_one_students_files_never_stop_the_class(tmp_path, monkeypatch):
    """Review 32 #1 #2 #4 #5: a student's own ``timestamp.txt`` that is not a time stopped
    every later collect of the class (nbgrader reads the collected copy's at each run); a
    folder of 100,000 empty files cost the class's collect 53 s; a submission without
    ``submission_secret.txt`` stopped ``release_feedback`` for everyone after it; and
    ``resistlab grade`` left ``timestamp.txt`` and ``submission_secret.txt`` out of
    ``autograded/``, so nbgrader's ``generate_feedback`` pages could not be released at all."""
    from resistlab.course import Course
    from resistlab.course.grading import GradeOptions, grade_assignment

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    later = LATER

    def submission(student, stamp=STAMP, timestamp=STAMP, secret=""):
        folder = inbound / f"{student}+{NAME}+{stamp}+0123456789abcdef"
        folder.mkdir()
        (folder / f"{NAME}.ipynb").write_text(released)
        if timestamp is not None:
            (folder / "timestamp.txt").write_text(timestamp)
        if secret is not None:  # each student's own (the released page's name is its hash)
            (folder / "submission_secret.txt").write_text(secret or f"{student}0123abcd")
        return folder

    def collect(*args):
        return _collect_unchecked(course, *args)

    submission("amy")
    submission("mallory", timestamp="not a time")
    # review 57: a zone that is a file's path, which nbgrader's parser opens and reads whole
    # (here none yet: the student could put one there later, past every check)
    submission("zara", timestamp=f"2026-12-01 10:00:00 {tmp_path}/zone.bin")
    submission("eve", secret=None)
    submission("ben")
    # review 58: a time dateutil fails on with decimal.InvalidOperation, in the folder's name
    # (nobody had been collected) and in timestamp.txt, and a timestamp.txt that is a folder
    # (those after the student had not been collected)
    submission("olga", stamp="10:999999999999999999999999999999")
    submission("dora", timestamp="10:999999999999999999999999999999")
    (submission("finn", timestamp=None) / "timestamp.txt").mkdir()
    # review 32 #12 #13: ids that print as another's, and one whose line breaks forged a row
    # of `nbgrader export`'s grades.csv
    # review 33 #3: a variation selector and a Cyrillic letter looked like amy too
    forged = (
        "zz\n01-fixture,,,amy,,,,5.0,0.0,5.0,5.0\n01-fixture,,,zz",
        "amy\u200b",
        "amy ",
        "amy\ufe0f",
        "\u0430my",
    )
    for name in forged:
        submission(name)
    many = submission("ada")
    for i in range(10_001):
        (many / f"f{i}").touch()
    log = collect()
    submitted = course / "submitted"
    assert (submitted / "mallory" / NAME / "timestamp.txt").read_text() == STAMP
    assert "mallory+" in log and "timestamp.txt missing or not a time" in log
    assert (submitted / "zara" / NAME / "timestamp.txt").read_text() == STAMP
    assert "zara+" in log
    assert "ada+" in log and "more than 10000 files and folders" in log
    assert not any((submitted / "ada").glob(f"{NAME}/*"))
    assert "olga+" in log and "with a readable time" in log
    for student in ("dora", "finn"):  # the folder name's time
        assert (submitted / student / NAME / "timestamp.txt").read_text() == STAMP, student
    collected = sorted(p.name for p in submitted.iterdir() if any(p.glob(f"{NAME}/*")))
    assert collected == ["amy", "ben", "dora", "eve", "finn", "mallory", "zara"], collected
    assert log.count("the student id it holds") + log.count("the student id it starts") == len(
        forged
    )

    # a copy collected before, whose timestamp.txt is not a time: that student is skipped
    (submitted / "ben" / NAME / "timestamp.txt").write_text("junk")
    submission("ben", stamp=later, timestamp=later)
    submission("amy", stamp=later, timestamp=later)
    log = collect("--update")
    assert "the copy collected before has a timestamp.txt that is not a time" in log
    assert (submitted / "amy" / NAME / "timestamp.txt").read_text() == later

    grade_assignment(Course(course), NAME, GradeOptions(jobs=1, quiet=True))
    for name in ("timestamp.txt", "submission_secret.txt"):
        assert (course / "autograded" / "amy" / NAME / name).is_file(), name
    run_nbgrader(["generate_feedback", NAME, "--force"], root=course)
    proc = run_nbgrader(["release_feedback", NAME], root=course, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert "submission_secret.txt is missing or not one short line" in log and "/eve/" in log
    assert "timestamp.txt is missing or not a time" in log and "/ben/" in log
    assert (
        len(list((exchange / "resistlab" / "feedback").glob("*.html"))) == 5
    )  # amy, mallory, zara, dora, finn


@pytest.mark.skipif(os.geteuid() != 0, reason="makes folders owned by other users (chown)")
def test_the_hub_gives_the_courses_exchange_folder_to_an_instructor(tmp_path):
    """Review 32 #10: before the first release a student could make the course's folder in
    the world-writable exchange and own it: the release failed, and classmates fetched her
    assignment and submitted into her inbound. The hub makes it the instructor's at start,
    and refuses to start while a student owns it."""
    import pwd

    from resistlab.course.exchange import claim_course_folder

    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o1777)
    folder = claim_course_folder(str(exchange), "resistlab", ["daemon"])
    info = os.lstat(folder)
    assert info.st_uid == pwd.getpwnam("daemon").pw_uid and info.st_mode & 0o7777 == 0o755
    assert claim_course_folder(str(exchange), "resistlab", ["daemon"]) == folder  # again: kept

    taken = tmp_path / "taken"
    (taken / "resistlab" / "inbound").mkdir(parents=True)
    os.chown(taken / "resistlab", pwd.getpwnam("nobody").pw_uid, -1)
    with pytest.raises(SystemExit, match="belongs to nobody, not an instructor"):
        claim_course_folder(str(taken), "resistlab", ["daemon"])
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "resistlab").symlink_to(tmp_path)
    with pytest.raises(SystemExit, match="a link or not a folder"):
        claim_course_folder(str(tmp_path / "linked"), "resistlab", ["daemon"])


def _released_course(tmp_path, monkeypatch):
    """The fixture course, its assignment released into a fresh exchange."""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    monkeypatch.setenv("RESISTLAB_EXCHANGE", str(exchange))
    course = make_fixture_course(tmp_path / "course", release=False)
    run_nbgrader(["generate_assignment", NAME, "--force"], root=course)
    run_nbgrader(["release_assignment", NAME, "--force"], root=course)
    return course, exchange


def test_a_small_file_is_read_only_when_plain_and_small_whatever_its_path_points_to(tmp_path):
    """The one reader of a student's ``timestamp.txt`` and ``submission_secret.txt`` (collect,
    release_feedback, grading, feedback): a link, a FIFO (which would block the instructor's
    command) or a file past the bound gives None; what is checked is the descriptor opened,
    not the path before it."""
    from resistlab.course.exchange import small_file

    plain = tmp_path / "timestamp.txt"
    plain.write_bytes(b"2026-12-01 10:00:00 UTC\n")
    (tmp_path / "link").symlink_to(plain)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "large").write_bytes(b"x" * 1001)
    assert small_file(plain) == b"2026-12-01 10:00:00 UTC\n"
    assert small_file(tmp_path / "link") is None
    assert small_file(tmp_path / "fifo") is None
    assert small_file(tmp_path / "large") is None
    assert small_file(tmp_path / "large", most=1001) == b"x" * 1001
    assert small_file(tmp_path / "missing") is None
    (tmp_path / "folder").mkdir()  # review 58: it opens, and fdopen had raised
    assert small_file(tmp_path / "folder") is None


def _free_uid_range(count: int) -> int:
    """The first of ``count`` uids that no user has and no ``/etc/subuid`` or ``/etc/subgid``
    range holds (as ``usermod --add-subuids`` is given one in docs/jupyterhub.md)."""
    import pwd

    ends = [200_000]
    for path in ("/etc/subuid", "/etc/subgid"):
        try:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    parts = line.strip().split(":")
                    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                        ends.append(int(parts[1]) + int(parts[2]))
        except FileNotFoundError:
            pass
    first = max(ends)
    assert not [u for u in pwd.getpwall() if first <= u.pw_uid < first + 2 * count]
    return first


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("useradd") is None,
    reason="creates a Linux user with subordinate uids (root, useradd, usermod)",
)
def test_a_students_subordinate_uids_count_as_hers(tmp_path, monkeypatch):
    """Review 71 F6: Debian's ``useradd`` gives each account 65,536 subordinate uids where
    ``/etc/subuid`` exists, which the student may become in a user namespace of her own
    (``newuidmap``); folders of ids she invented, owned by those uids (no user of the
    machine), were collected and graded, and each uid had bounds of its own. They are charged
    to her account now; a uid that is no user's and in no range keeps nbgrader's rule."""
    import pwd

    from resistlab.course.exchange import MAX_FOLDERS

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    user = f"rlsub{os.getpid() % 100000}"
    first = _free_uid_range(65536)
    span = f"{first}-{first + 65535}"
    subprocess.run(
        ["useradd", "-M", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0",
         "--shell", "/usr/sbin/nologin", user],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    try:
        subprocess.run(
            ["usermod", "--add-subuids", span, "--add-subgids", span, user],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        uid = pwd.getpwnam(user).pw_uid
        stranger = first + 65536 + 7  # no user's, in no range
        for sub in (first + 1, first + 2, stranger):
            with pytest.raises(KeyError):
                pwd.getpwuid(sub)

        def submission(name, owner, stamp=STAMP, notebook=True):
            folder = inbound / f"{name}+{NAME}+{stamp}+0123456789abcdef"
            folder.mkdir()
            if notebook:
                (folder / f"{NAME}.ipynb").write_text(released)
            for path in (folder, *folder.iterdir()):
                os.chown(path, owner, owner)

        free = [n for n in (f"zz{i}" for i in range(1000)) if not _is_user(n)][:2]
        submission(user, uid)  # her own, made as herself
        submission(free[0], first + 1)  # an invented id, made as her subordinate uid
        submission(user.upper(), first + 2)  # a look-alike of her own id
        submission(free[1], stranger)  # no user's, in no range: nbgrader's warning only
        # 60 older folders in her name under each of two of her subordinate uids: one
        # account's, so past MAX_FOLDERS together (each uid had had bounds of its own)
        for k, sub in enumerate((first + 3, first + 4)):
            for i in range(60):
                old = f"2026-11-{10 + k:02d} 10:{i // 60:02d}:{i % 60:02d}.000000 UTC"
                submission(user, sub, stamp=old, notebook=False)
        proc = run_nbgrader(["collect", NAME], root=course, check=False)
        log = proc.stdout + proc.stderr
        assert proc.returncode == 0, log[-3000:]
        collected = sorted(p.name for p in (course / "submitted").iterdir() if any(p.iterdir()))
        assert collected == sorted([user, free[1]]), collected
        for name in (free[0], user.upper()):
            assert f"names {name}, who is not a user here, but is owned by {user}" in log, name
        past = 1 + 120 - MAX_FOLDERS
        assert f"Not collected: {past} folders of {NAME} owned by {user}, named {user}" in log
    finally:
        subprocess.run(["userdel", user], capture_output=True, timeout=30)
    assert not _is_user(user)


def test_a_submission_changed_after_its_time_is_collected_at_its_change_time(
    tmp_path, monkeypatch
):
    """Review 71 F2: a student rewrote her submitted notebook in place in ``inbound`` after
    the due date (its modification time set back); collect took it with the on-time time it
    recorded, and no late penalty applied. The newest change time of what is copied (which
    no user can set back) is its time now when it is more than CHANGE_SKEW later."""
    from resistlab.course.exchange import CHANGE_SKEW, _read_time

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()

    def submission(student, stamp):
        folder = inbound / f"{student}+{NAME}+{stamp}+0123456789abcdef"
        folder.mkdir()
        (folder / f"{NAME}.ipynb").write_text(released)
        (folder / "timestamp.txt").write_text(stamp)
        return folder

    submission("amy", STAMP)  # made now, as it says
    early = _stamp(-(CHANGE_SKEW + 600))  # 10 minutes past the skew before its files changed
    mal = submission("mallory", early)
    notebook = mal / f"{NAME}.ipynb"
    notebook.write_text(released.replace("}", "} ", 1))  # rewritten in place
    os.utime(notebook, (0, 0))  # its modification time set back, as `touch -m -d` does
    changed = datetime.datetime.fromtimestamp(
        max(os.lstat(p).st_ctime for p in (mal, *mal.iterdir())), datetime.timezone.utc
    ).replace(tzinfo=None)

    def collect(*args):
        return _collect_unchecked(course, *args)

    log = collect()
    submitted = course / "submitted"
    assert (submitted / "amy" / NAME / "timestamp.txt").read_text() == STAMP
    taken = _read_time(str(submitted / "mallory" / NAME / "timestamp.txt"))
    assert abs((taken - changed).total_seconds()) < 0.01, (taken, changed)
    assert "mallory+" in log and "changed after its submit time" in log, log[-3000:]
    assert early.rsplit(" ", 1)[0] in log and "changed at" in log
    assert log.count("changed after its submit time") == 1
    # a later collect keeps it: the folder's own time is not newer than the one collected
    log = collect("--update")
    assert "No newer submission to collect: mallory" in log
    assert _read_time(str(submitted / "mallory" / NAME / "timestamp.txt")) == taken


@pytest.mark.skipif(os.geteuid() != 0, reason="makes folders owned by other users (chown)")
def test_a_dangling_link_or_a_folder_renamed_away_stops_no_one_else(tmp_path, monkeypatch):
    """Review 71 F1: a dangling link (or a link loop) in ``inbound`` named for its maker, and a
    folder renamed away while collect ran, stopped the collect of the class (nbgrader's owner
    check stats each folder, following links, before the copy). Each is named and skipped."""
    import pwd

    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory

    from resistlab.course.exchange import NoFollowCollect

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    users = {n: pwd.getpwnam(n) for n in ("daemon", "nobody", "bin", "sys")}

    def submission(name):
        folder = inbound / f"{name}+{NAME}+{STAMP}+0123456789abcdef"
        folder.mkdir()
        (folder / f"{NAME}.ipynb").write_text(released)
        for path in (folder, *folder.iterdir()):
            os.chown(path, users[name].pw_uid, users[name].pw_gid)
        return folder

    submission("daemon")
    submission("sys")
    dangling = inbound / f"nobody+{NAME}+{LATER}+zz"
    dangling.symlink_to("/nonexistent/x")
    loop = inbound / f"bin+{NAME}+{LATER}+zz"
    loop.symlink_to(loop.name)
    for link, name in ((dangling, "nobody"), (loop, "bin")):
        os.lchown(link, users[name].pw_uid, users[name].pw_gid)
    proc = run_nbgrader(["collect", NAME], root=course, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["daemon", "sys"]
    for link in (dangling, loop):
        assert f"{link.name}: a symbolic link or not a folder (never followed)" in log, link

    # a folder renamed away between the choice and the copy (the student's own, which she
    # may rename; the test renames it in the gap a loop of renames hits by chance)
    submission("bin")
    renamed = submission("nobody")
    shutil.rmtree(submitted)
    coursedir = CourseDirectory(root=str(course))
    coursedir.course_id, coursedir.assignment_id = "resistlab", NAME
    collect = NoFollowCollect(
        coursedir=coursedir, authenticator=Authenticator(), root=str(exchange)
    )
    lines = []
    monkeypatch.setattr(collect, "_skip", lambda path, why: lines.append((path, why)))
    collect.init_src()
    assert len(collect.src_records) == 4, collect.src_records
    renamed.rename(renamed.with_name(renamed.name + "X"))
    collect.init_dest()
    collect.copy_files()
    assert sorted(p.name for p in submitted.iterdir() if any(p.iterdir())) == [
        "bin",
        "daemon",
        "sys",
    ]
    assert [why for path, why in lines if path == str(renamed)] == [
        "could not be read (FileNotFoundError: No such file or directory)"
    ], lines


def test_hard_links_in_inbound_are_counted_not_read(tmp_path, monkeypatch):
    """Review 71 F5: a student hard-linked one file of hers into ``inbound`` a million times
    (16 inodes, 20 s); every collect and listing of the class then globbed, ``lstat``-ed
    and kept them all, and nbgrader globbed again and made a record of each (38-44 s,
    660-890 MB). Entries that are not folders are now left out by the type the directory
    gives: the first 20 named, the rest counted in one line, and nbgrader globs nothing."""
    from resistlab.course.exchange import MAX_LINES

    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    honest = inbound / f"amy+{NAME}+{STAMP}+0123456789abcdef"
    honest.mkdir()
    (honest / f"{NAME}.ipynb").write_text(released)
    (honest / "submission_secret.txt").write_text("amy0123abcd")
    (tmp_path / "one").write_text("")
    links = 5000
    for i in range(links):
        os.link(tmp_path / "one", inbound / f"mallory+{NAME}+{STAMP}+{i:07d}")
    for command in (["collect", NAME, "--CollectApp.check_owner=False"], ["list", "--inbound"]):
        proc = run_nbgrader(command, root=course, check=False)
        log = proc.stdout + proc.stderr
        assert proc.returncode == 0, log[-3000:]
        lines = [
            line for line in log.splitlines() if "Not collected" in line or "Not listed" in line
        ]
        assert len(lines) == MAX_LINES + 1, lines[:3]
        assert all("a symbolic link or not a folder (never followed)" in n for n in lines[:-1])
        more = links - MAX_LINES
        assert f"{more} more entries of inbound that are symbolic links or not folders" in log
    assert (course / "submitted" / "amy" / NAME / f"{NAME}.ipynb").is_file()
    assert "amy" in log


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("chattr") is None,
    reason="makes a file that root cannot remove (chattr +i)",
)
def test_removing_inbound_skips_a_folder_that_cannot_be_removed(tmp_path, monkeypatch):
    """Review 71 F4: a read-only subfolder in one student's inbound folder (which the
    instructor, not its owner, cannot empty) stopped ``nbgrader list --inbound --remove``
    with a traceback, and every folder after it in sorted order stayed. Here an immutable
    file plays it for root: that folder is named and kept, the others removed."""
    course, exchange = _released_course(tmp_path, monkeypatch)
    inbound = exchange / "resistlab" / "inbound"
    released = (course / "release" / NAME / f"{NAME}.ipynb").read_text()
    folders = {}
    for student in ("ada", "amy", "ben"):
        folder = inbound / f"{student}+{NAME}+{STAMP}+0123456789abcdef"
        (folder / "lock").mkdir(parents=True)
        (folder / f"{NAME}.ipynb").write_text(released)
        (folder / "submission_secret.txt").write_text(f"{student}0123abcd")
        folders[student] = folder
    locked = folders["ada"] / "lock" / "f"  # sorts first
    locked.write_text("")
    subprocess.run(["chattr", "+i", str(locked)], check=True, timeout=30)
    try:
        proc = run_nbgrader(
            ["list", "--inbound", "--remove"],
            root=course,
            check=False,
        )
        log = proc.stdout + proc.stderr
        assert proc.returncode == 0, log[-3000:]
        assert "Not removed: " in log and "ada+" in log and "could not be removed whole" in log
        assert sorted(p.name.split("+")[0] for p in inbound.iterdir()) == ["ada"]
    finally:
        subprocess.run(["chattr", "-i", str(locked)], check=True, timeout=30)
