"""``resistlab grade`` and ``resistlab feedback`` from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit

from resistlab.course import cli


@pytest.mark.slow
def test_grade_prints_the_summary_and_writes_the_csv(fixture_course, capsys):
    submit(fixture_course, "alice", answer(release_copy(fixture_course)))
    submit(fixture_course, "bob", release_copy(fixture_course))
    args = ["--course", str(fixture_course), "grade", NAME, "--jobs", "2", "--timeout", "10"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "2 graded, 0 unchanged, 0 error(s), 0 flagged for review" in out
    lines = {
        line.split()[0]: line for line in out.splitlines() if line.startswith(("alice", "bob"))
    }
    assert lines["alice"].split()[1:3] == ["5", "5"]
    assert lines["bob"].split()[1:3] == ["0", "5"]
    csv = (fixture_course / "grading" / NAME / "summary.csv").read_text()
    assert csv.splitlines()[0].startswith("student,score,max_score")
    assert cli.main(args) == 0
    assert "nothing new to grade: 2 submission(s)" in capsys.readouterr().out
    assert cli.main(["--course", str(fixture_course), "feedback", NAME]) == 0
    assert "2 feedback page(s) written." in capsys.readouterr().out


@pytest.mark.slow
def test_sandbox_off_warns_loudly(fixture_course, capsys):
    submit(fixture_course, "alice", answer(release_copy(fixture_course)))
    args = ["--course", str(fixture_course), "grade", NAME, "--jobs", "1", "--sandbox", "off"]
    assert cli.main(args) == 0
    assert "runs with YOUR permissions" in capsys.readouterr().err


def test_unknown_student_is_a_clear_error(fixture_course, capsys):
    submit(fixture_course, "alice", release_copy(fixture_course))
    args = ["--course", str(fixture_course), "grade", NAME, "--student", "zed"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "no submission of 01-fixture by zed" in err and "alice" in err


def test_no_submissions_is_not_an_error(fixture_course, capsys):
    assert cli.main(["--course", str(fixture_course), "grade", NAME]) == 0
    assert "no submissions of 01-fixture" in capsys.readouterr().out


def test_a_submission_that_is_not_a_folder_is_scored_zero_and_named(fixture_course, capsys):
    """Review 5 #12 and review 8 #5: ``submitted/STUDENT/ASSIGNMENT`` as a FIFO, a file, a link
    to ``/dev/zero`` or a dangling link was left out of the run (so an earlier grade stayed);
    it is scored 0 without being opened. A student entry that is not a folder is named."""
    import csv
    import io
    import os

    submitted = fixture_course / "submitted"
    for student in ("fifo", "plain", "zero", "dangling"):
        (submitted / student).mkdir(parents=True)
    os.mkfifo(submitted / "fifo" / NAME)
    (submitted / "plain" / NAME).write_text("not a folder")
    os.symlink("/dev/zero", submitted / "zero" / NAME)
    os.symlink("/nonexistent", submitted / "dangling" / NAME)
    os.mkfifo(submitted / "pipe")
    assert cli.main(["--course", str(fixture_course), "grade", NAME, "--jobs", "1"]) == 0
    captured = capsys.readouterr()
    assert "not students' folders, nothing read: pipe" in captured.err
    summary = fixture_course / "grading" / NAME / "summary.csv"
    rows = list(csv.DictReader(io.StringIO(summary.read_text())))
    assert {r["student"]: float(r["score"]) for r in rows} == {
        "dangling": 0.0, "fifo": 0.0, "plain": 0.0, "zero": 0.0
    }  # fmt: skip
    flags = {r["student"]: r["flags"] for r in rows}
    assert "not a folder (a fifo)" in flags["fifo"] and "(a file)" in flags["plain"]
    assert "symbolic link -> /dev/zero" in flags["zero"], flags


def test_feedback_before_grading(fixture_course, capsys):
    assert cli.main(["--course", str(fixture_course), "feedback", NAME]) == 0
    assert "run `resistlab grade 01-fixture`" in capsys.readouterr().out


def test_jobs_must_be_positive(fixture_course, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--course", str(fixture_course), "grade", NAME, "--jobs", "0"])
    assert exit_info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def _lms_archive(course, regexp: str):
    """The course reads LMS file names with ``regexp``; returns the folder for the archives."""
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(f"\nc.FileNameCollectorPlugin.named_regexp = {regexp!r}\n")
    archive = course / "downloaded" / NAME / "archive"
    archive.mkdir(parents=True)
    return archive


def _extract(course) -> Path:
    """Run nbgrader's own ``zip_collect`` (the course configures the bounded extractor) and
    return the folder it extracted to, which ``resistlab grade --zip-collect`` removes."""
    from resistlab.course import run_nbgrader

    run_nbgrader(["zip_collect", NAME], root=course)
    return course / "downloaded" / NAME / "extracted"


def _late_scores_zero(course, due: str) -> None:
    """The course scores a late notebook 0, and the assignment is due at ``due``."""
    from resistlab.course import run_nbgrader

    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    run_nbgrader(["db", "assignment", "add", NAME, f"--duedate={due}"], root=course)


@pytest.mark.slow
def test_lms_zip_is_collected_then_graded(fixture_course, capsys):
    """`--zip-collect` runs nbgrader's zip_collect (the course configures its LMS file names)."""
    import zipfile

    import nbformat

    archive = _lms_archive(fixture_course, r".*/(?P<student_id>[a-z]+)_(?P<file_id>[^/]+)$")
    with zipfile.ZipFile(archive / "lms-export.zip", "w") as zf:
        zf.writestr(f"alice_{NAME}.ipynb", nbformat.writes(answer(release_copy(fixture_course))))
        zf.writestr(f"bob_{NAME}.ipynb", nbformat.writes(release_copy(fixture_course)))
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "2"]
    assert cli.main(args) == 0
    assert (fixture_course / "submitted" / "alice" / NAME / f"{NAME}.ipynb").is_file()
    out = capsys.readouterr().out
    assert "2 graded" in out
    scores = {line.split()[0]: line.split()[1] for line in out.splitlines()
              if line.startswith(("alice ", "bob "))}  # fmt: skip
    assert scores == {"alice": "5", "bob": "0"}


@pytest.mark.slow
def test_zip_collect_names_the_files_its_regexp_does_not_read(fixture_course, capsys):
    """A course whose regexp does not fit its LMS's names had been told only "no submissions":
    each file the regexp does not read is named, with why."""
    import zipfile

    archive = _lms_archive(fixture_course, r".*/(?P<student_id>[a-z]+)_(?P<file_id>[^/]+)$")
    with zipfile.ZipFile(archive / "lms-export.zip", "w") as zf:
        zf.writestr(f"Alice Smith - {NAME}.ipynb", "{}")
        zf.writestr(f"bob_{NAME}.ipynb", "{}")
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "1"]
    cli.main(args)
    err = capsys.readouterr().err
    unread = f"not collected: downloaded/{NAME}/extracted/lms-export/Alice Smith - {NAME}.ipynb"
    assert unread in err, err
    assert "named_regexp does not read its name" in err
    assert f"bob_{NAME}" not in err


@pytest.mark.slow
def test_a_file_name_cannot_forge_or_hide_what_zip_collect_skipped(fixture_course, capsys):
    """Review 66: the skipped archives and files were read from nbgrader's log, where a file
    name holding line breaks made skips of its own (60 forged lines had pushed zoe's real
    one past the 50 shown). They are read from what the plugins record: zoe's damaged upload
    is named, and the forged name is one line, its breaks escaped. Review 67: 300 real skips
    of one upload had done the same; the run shows one line for each upload, and writes every
    skip to the course's grading folder."""
    import zipfile

    import nbformat

    archive = _lms_archive(fixture_course, r".*/(?P<student_id>[a-z]+)_(?P<file_id>[^/]+)$")
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    with zipfile.ZipFile(archive / "mallory.zip", "w") as zf:
        zf.writestr(f"mallory_{NAME}.ipynb", honest)
        for n in range(12):  # 60 forged lines, five a name (a name holds 255 bytes)
            forged = "".join(f"\nNot extracted: fake{5 * n + k}.zip: forged" for k in range(5))
            zf.writestr(f"notes{forged}.txt", "a file no regexp reads")
        for n in range(60):  # review 67: 60 real skips, past the 50 lines shown before
            zf.writestr(f"empty{n}.zip", b"")
    (archive / "zoe.zip").write_bytes(b"PK\x03\x04 not a zip at all")
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "1"]
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    lines = [line.removeprefix("! ") for line in err.splitlines()]
    assert f"not extracted: downloaded/{NAME}/archive/zoe.zip: ValueError: not a zip" in err
    assert not [line for line in lines if line.lower().startswith("not extracted: fake")]
    # one line for each upload, and every skip in the course's grading folder
    assert sum("more from this upload" in line for line in lines) == 1, err
    every = (fixture_course / "grading" / NAME / "zip-collect-skipped.txt").read_text()
    assert sum("forged" in line for line in every.splitlines()) == 12, every
    assert sum(line.startswith("not extracted: ") and "/empty" in line
               for line in every.splitlines()) == 60, every  # fmt: skip
    assert "zoe.zip" in every
    assert sorted(p.name for p in (fixture_course / "submitted").iterdir()) == ["mallory"], err


@pytest.mark.slow
def test_zip_collect_reads_the_dashed_times_of_nbgraders_example_names(fixture_course, capsys):
    """Review 32 #9: with nbgrader's documented example regexp,
    ``..._attempt_2026-12-01-10-30-00_...`` was read by dateutil as 10:00 (an upload 59
    minutes late read as on time) and ``...-10-15-30_...`` not at all (the upload was
    skipped). Both are read as written."""
    import zipfile

    import nbformat
    from nbgrader.utils import parse_utc

    archive = _lms_archive(
        fixture_course,
        r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>[\w-]+)",
    )
    notebook = nbformat.writes(release_copy(fixture_course))
    with zipfile.ZipFile(archive / "lms-export.zip", "w") as zf:
        zf.writestr(f"01_zben_attempt_2026-12-01-10-30-00_{NAME}.ipynb", notebook)
        zf.writestr(f"01_zcat_attempt_2026-12-01-10-15-30_{NAME}.ipynb", notebook)
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "1"]
    assert cli.main(args) == 0, capsys.readouterr().err
    for student, time in (("zben", "10:30:00"), ("zcat", "10:15:30")):
        stamp = fixture_course / "submitted" / student / NAME / "timestamp.txt"
        assert parse_utc(stamp.read_text()) == parse_utc(f"2026-12-01 {time}"), student


@pytest.mark.parametrize(("flags", "warm"), [([], True), (["--cold-kernels"], False)])
def test_cold_kernels_flag_turns_the_warm_template_off(fixture_course, monkeypatch, flags, warm):
    from resistlab.course.grading import runner

    seen = {}

    class NoPool:
        def shutdown(self, **_):
            pass

    def grade(course, name, options, executor=None):
        seen["options"] = options
        return runner.GradeRun([], None)

    monkeypatch.setattr(
        "resistlab.course.grading.pool.start_pool", lambda jobs, own_ids=False: NoPool()
    )
    monkeypatch.setattr(runner, "grade_assignment", grade)
    assert cli.main(["--course", str(fixture_course), "grade", NAME, *flags]) == 0
    assert seen["options"].warm_kernels is warm


@pytest.mark.slow
def test_zip_collect_skips_an_archive_bomb(fixture_course, capsys):
    """Review 2 #3: an LMS archive whose notebook is padded with 65 MiB of spaces (a 65 KB
    upload) and one holding a nested bomb are not extracted; the instructor is told which;
    the class archive beside them is collected and graded as usual."""
    import zipfile

    import nbformat

    archive = _lms_archive(fixture_course, r".*/(?P<student_id>[a-z]+)_(?P<file_id>[^/]+)$")
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    with zipfile.ZipFile(archive / "class.zip", "w") as zf:
        zf.writestr(f"alice_{NAME}.ipynb", honest)
    padded = honest[:-2] + " " * (65 * 2**20) + "}\n"
    with zipfile.ZipFile(archive / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"mallory_{NAME}.ipynb", padded)
    inner = fixture_course / "inner.zip"
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"trudy_{NAME}.ipynb", padded)
    with zipfile.ZipFile(archive / "nested.zip", "w") as zf:
        zf.write(inner, "inner.zip")
        zf.writestr(f"oscar_{NAME}.ipynb", honest)
    assert (archive / "bomb.zip").stat().st_size < 2**20
    extracted = _extract(fixture_course)
    biggest = max(p.stat().st_size for p in extracted.rglob("*") if p.is_file())
    assert biggest < 2**20, "a bomb was extracted"
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "2"]
    assert cli.main([*args, "--force"]) == 0
    captured = capsys.readouterr()
    assert "not extracted: downloaded/01-fixture/archive/bomb.zip: expands to" in captured.err
    nested = "not extracted: downloaded/01-fixture/extracted/nested/inner.zip: expands to"
    assert nested in captured.err  # nested archives the extractor skipped are named too
    submitted = sorted(p.name for p in (fixture_course / "submitted").iterdir())
    assert submitted == ["alice", "oscar"], submitted
    assert not extracted.exists()  # removed once collected
    assert "alice " in captured.out and "oscar " in captured.out


@pytest.mark.slow
def test_zip_collect_bounds_totals_timestamps_and_ids(fixture_course, capsys):
    """Review 3 #6-#9: inside one student's upload, (a) five nested .tar.gz of 60 MiB each
    (each under the per-file bound) stop once the extraction's shared allowance is spent,
    (b) a file with an unreadable timestamp is skipped instead of failing the collection,
    (c) a file named for another student is not collected in that student's name."""
    import io
    import tarfile
    import zipfile

    import nbformat

    regexp = r".*/(?P<student_id>[a-z]+)_attempt_(?P<timestamp>[^_/]+)_(?P<file_id>[^/]+)$"
    archive = _lms_archive(fixture_course, regexp)
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    blank = nbformat.writes(release_copy(fixture_course))
    stamp = "2026-11-30T10:00:00"
    with zipfile.ZipFile(archive / "class.zip", "w") as zf:
        zf.writestr(f"alice_attempt_{stamp}_{NAME}.ipynb", honest)
        zf.writestr(f"bob_attempt_9999-99-99T99:99:99_{NAME}.ipynb", honest)
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w") as zf:
        zf.writestr(f"mallory_attempt_{stamp}_{NAME}.ipynb", blank)
        zf.writestr(f"alice_attempt_2026-12-01T00:00:00_{NAME}.ipynb", blank)  # in alice's name
        for i in range(5):
            tar = io.BytesIO()
            with tarfile.open(fileobj=tar, mode="w:gz") as tf:
                info = tarfile.TarInfo(f"zeros{i}.bin")
                info.size = 60 * 2**20
                tf.addfile(info, io.BytesIO(bytes(info.size)))
            zf.writestr(f"part{i}.tar.gz", tar.getvalue())
    (archive / f"mallory_attempt_{stamp}_upload.zip").write_bytes(upload.getvalue())
    extracted = _extract(fixture_course)
    written = sum(p.stat().st_size for p in extracted.rglob("*") if p.is_file())
    assert written < 300 * 2**20, f"{written / 2**20:.0f} MiB extracted"
    shutil.rmtree(fixture_course / "submitted")
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "2"]
    code = cli.main([*args, "--force"])
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0, captured.err[-3000:]
    scores = {line.split()[0]: line.split()[1] for line in out.splitlines()
              if line.startswith(("alice ", "mallory "))}  # fmt: skip
    assert scores == {"alice": "5", "mallory": "0"}, out
    assert f"bob_attempt_9999-99-99T99:99:99_{NAME}.ipynb: unreadable timestamp" in captured.err


# An LMS name, anchored to the file's own name as docs/grading.md advises.
ANCHORED = (
    r"^.*/[^/]*?_(?P<student_id>[a-z0-9]+)_(?P<timestamp>\d{8}T\d{6})_(?P<file_id>[0-9a-z-]+)"
    r"\.ipynb$"
)


@pytest.mark.slow
def test_an_upload_speaks_only_for_its_student_and_at_its_time(fixture_course, capsys):
    """Review 27 #1 and #4, with a regexp anchored to notebook names (which never matched a
    folder's name): (a) a folder in mallory's upload named for alice, holding a notebook named
    for alice, had replaced alice's own upload (0 points, no flag); (b) a notebook in
    mallory's late upload whose own name claims an early time had escaped the late penalty,
    and so had one in a folder of hers inside the upload named with an early time (review 28
    #1), whatever name she chose for the upload (review 29 #1). Now the first is not
    collected and the others carry the upload's time."""
    import io
    import zipfile

    import nbformat

    archive = _lms_archive(fixture_course, ANCHORED)
    _late_scores_zero(fixture_course, due="2026-12-01 00:00:00 UTC")
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    blank = nbformat.writes(release_copy(fixture_course))
    (archive / f"02_alice_20261130T100000_{NAME}.ipynb").write_text(honest)
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w") as zf:
        zf.writestr(f"02_alice_20261130T100001_x/y_alice_20261130T100001_{NAME}.ipynb", blank)
        # a folder named like the extraction folder had ended the walk up the folders
        zf.writestr(
            f"extracted/02_alice_20261130T100002_x/y_alice_20261130T100002_{NAME}.ipynb", blank
        )
        # her notebook named with an early time, in a folder of hers named with an early
        # time (review 28 #1: the folder's time had been taken for the upload's)
        zf.writestr(f"02_mallory_20261101T000000_x/z_mallory_20261101T000000_{NAME}.ipynb", honest)
    # review 29 #1: the part of the name she chose, "(1)", had kept the regexp from reading
    # the upload's folder, and then nothing was checked
    (archive / "02_mallory_20261202T100000_(1).zip").write_bytes(upload.getvalue())
    # ... and a chosen part that reads as alice's name with an early time
    with zipfile.ZipFile(
        archive / "02_mallory_20261202T100000_q_alice_20261101T000000_z.zip", "w"
    ) as zf:
        zf.writestr(f"y_alice_20261101T000000_{NAME}.ipynb", blank)
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "2"]
    code = cli.main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    assert "which names another student" in captured.err, captured.err
    submitted = fixture_course / "submitted"
    assert nbformat.read(submitted / "alice" / NAME / f"{NAME}.ipynb", as_version=4) == (
        nbformat.reads(honest, as_version=4)
    ), "alice's own upload was replaced"
    stamp = (submitted / "mallory" / NAME / "timestamp.txt").read_text()
    assert stamp.startswith("2026-12-02 10:00:00"), stamp
    scores = {line.split()[0]: line.split(maxsplit=1)[1] for line in captured.out.splitlines()
              if line.startswith(("alice ", "mallory "))}  # fmt: skip
    assert scores["alice"].startswith("5 "), captured.out
    assert scores["mallory"].startswith("5 (-5 late)"), captured.out


#: nbgrader's example regexp: its greedy ``.*`` reads the *last* ``_ID_attempt_TIME_``
EXAMPLE = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)"


@pytest.mark.slow
def test_a_plain_uploads_own_name_speaks_only_for_its_student_and_at_its_time(
    fixture_course, capsys
):
    """Review 34 #2: with nbgrader's example regexp, the name a student gave a plain upload
    (the part after the LMS's prefix) decided its reading: mallory's blank file named
    ``x_ben_attempt_<later>_NOTEBOOK.ipynb`` replaced ben's submission (0 points, no
    warning), and dave's late upload named ``x_dave_attempt_<early>_...`` escaped the late
    penalty. A plain upload is read by its shortest prefix, as an upload's folder is, and so
    is a file at the top of a class-wide archive."""
    import zipfile

    import nbformat

    archive = _lms_archive(fixture_course, EXAMPLE)
    _late_scores_zero(fixture_course, due="2026-12-01 12:00:00 UTC")
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    blank = nbformat.writes(release_copy(fixture_course))
    uploads = {
        f"{NAME}_ben_attempt_2026-12-01-10-00-00_{NAME}.ipynb": honest,
        f"{NAME}_mallory_attempt_2026-12-02-10-00-00_x_ben_attempt_2026-12-01-23-00-00_{NAME}"
        ".ipynb": blank,
        f"{NAME}_carol_attempt_2026-12-02-10-00-00_{NAME}.ipynb": honest,
        f"{NAME}_dave_attempt_2026-12-02-10-00-00_x_dave_attempt_2026-12-01-09-00-00_{NAME}"
        ".ipynb": honest,
    }
    for name, text in uploads.items():
        (archive / name).write_text(text)
    # review 35: the same names in one class-wide archive (the LMS's "download all")
    with zipfile.ZipFile(archive / "class.zip", "w") as zf:
        zf.writestr(f"{NAME}_eve_attempt_2026-12-01-10-00-00_{NAME}.ipynb", honest)
        zf.writestr(
            f"{NAME}_zoe_attempt_2026-12-02-10-00-00_x_eve_attempt_2026-12-01-11-00-00_{NAME}"
            ".ipynb",
            blank,
        )
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "2"]
    code = cli.main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    submitted = fixture_course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == [
        "ben", "carol", "dave", "eve", "mallory", "zoe",
    ]  # fmt: skip
    assert nbformat.read(submitted / "eve" / NAME / f"{NAME}.ipynb", as_version=4) == (
        nbformat.reads(honest, as_version=4)
    ), "eve's own upload was replaced"
    assert nbformat.read(submitted / "ben" / NAME / f"{NAME}.ipynb", as_version=4) == (
        nbformat.reads(honest, as_version=4)
    ), "ben's own upload was replaced"
    stamps = {
        who: (submitted / who / NAME / "timestamp.txt").read_text()[:19]
        for who in ("ben", "mallory", "carol", "dave")
    }
    assert stamps == {
        "ben": "2026-12-01 10:00:00",
        "mallory": "2026-12-02 10:00:00",
        "carol": "2026-12-02 10:00:00",
        "dave": "2026-12-02 10:00:00",
    }, stamps
    scores = {line.split()[0]: line.split(maxsplit=1)[1] for line in captured.out.splitlines()
              if line.startswith(("ben ", "carol ", "dave ", "mallory "))}  # fmt: skip
    assert scores["ben"].startswith("5 "), captured.out
    assert scores["carol"].startswith("5 (-5 late)"), captured.out
    assert scores["dave"].startswith("5 (-5 late)"), captured.out
    assert scores["mallory"].startswith("0 "), captured.out


@pytest.mark.slow
def test_nbgraders_own_zip_collect_reads_names_as_resistlab_grade_does(fixture_course):
    """Review 37 #4: the course configures nbgrader's own ``zip_collect`` with the checked
    collector and the bounded extractor (they had been given only on ``resistlab grade``'s
    command line): mallory's file named for ben no longer replaces his submission, and her
    unreadable time stops only her own upload, not the class's collect. ``resistlab grade
    --zip-collect`` then removes what was extracted (a notebook opened or validated there
    had run a submitted ``ipykernel_launcher.py`` as the instructor)."""
    import nbformat

    from resistlab.course import run_nbgrader

    archive = _lms_archive(fixture_course, EXAMPLE)
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    blank = nbformat.writes(release_copy(fixture_course))
    uploads = {
        f"{NAME}_ben_attempt_2026-12-01-10-00-00_{NAME}.ipynb": honest,
        f"{NAME}_mallory_attempt_2026-12-01-11-00-00_x_ben_attempt_2026-12-02-10-00-00_{NAME}"
        ".ipynb": blank,
        f"{NAME}_zed_attempt_2026-12-01-11-00-00_x_zed_attempt_2026-12-01-23-59-59_{NAME}"
        ".ipynb": honest,
        f"{NAME}_amy_attempt_2026-12-01-12-00-00_{NAME}.ipynb": honest,
    }
    for name, text in uploads.items():
        (archive / name).write_text(text)
    (archive / "ipykernel_launcher.py").write_text("raise SystemExit('ran')\n")
    done = run_nbgrader(["zip_collect", NAME], root=fixture_course, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    submitted = fixture_course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["amy", "ben", "mallory", "zed"]
    assert nbformat.read(submitted / "ben" / NAME / f"{NAME}.ipynb", as_version=4) == (
        nbformat.reads(honest, as_version=4)
    ), "ben's own upload was replaced"
    stamp = (submitted / "ben" / NAME / "timestamp.txt").read_text()
    assert stamp.startswith("2026-12-01 10:00:00"), stamp
    extracted = fixture_course / "downloaded" / NAME / "extracted"
    assert (extracted / "ipykernel_launcher.py").is_file()  # nbgrader's own keeps them
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--force"]
    assert cli.main(args) == 0
    assert not extracted.exists()
    assert (archive / "ipykernel_launcher.py").is_file()


@pytest.mark.slow
def test_a_file_that_needs_another_files_path_stops_only_its_own_upload(fixture_course, capsys):
    """Review 30 #5: under a regexp whose file_id spans folders, mallory's notebook and a zip
    she named NOTEBOOK.ipynb.zip (extracted to a folder of that name) gave her two files,
    one needing the other's path as a folder: nbgrader's copy raised and nobody after her was
    collected, on every run. And a file she names timestamp.txt (a course that collects
    .txt) would have been taken for her upload's time. Both are skipped, everyone collected."""
    import zipfile

    import nbformat

    archive = _lms_archive(fixture_course, EXAMPLE)
    with (fixture_course / "nbgrader_config.py").open("a") as fh:
        fh.write('\nc.FileNameCollectorPlugin.valid_ext = [".ipynb", ".txt"]\n')
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    for who, at in [("amy", "09-00-00"), ("mal", "10-00-00"), ("zed", "09-30-00")]:
        (archive / f"{NAME}_{who}_attempt_2026-12-01-{at}_{NAME}.ipynb").write_text(honest)
    with zipfile.ZipFile(
        archive / f"{NAME}_mal_attempt_2026-12-01-11-00-00_{NAME}.ipynb.zip", "w"
    ) as zf:
        zf.writestr("x.ipynb", honest)
    (archive / f"{NAME}_mal_attempt_2026-12-01-11-00-00_timestamp.txt").write_text("2020-01-01")
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "2"]
    code = cli.main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    assert "need the same path as file and folder" in captured.err, captured.err
    assert "timestamp.txt is written from the upload's time" in captured.err, captured.err
    submitted = fixture_course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["amy", "mal", "zed"]
    assert (submitted / "mal" / NAME / f"{NAME}.ipynb").is_file()
    assert (submitted / "mal" / NAME / "timestamp.txt").read_text().startswith("2026-12-01")
    assert "3 graded" in captured.out, captured.out


@pytest.mark.slow
def test_a_duplicate_without_timestamps_stops_only_its_own_upload(fixture_course, capsys):
    """Review 27 #3: with a regexp that reads no timestamp (nbgrader's Canvas form), one upload
    holding the same notebook twice made nbgrader stop the collection of the whole class
    (exit 2, nobody collected). Now the second copy is skipped and everyone is collected."""
    import zipfile

    import nbformat

    archive = _lms_archive(
        fixture_course, r"^.*/[^/]*?_(?P<student_id>[a-z0-9]+)_(?P<file_id>[0-9a-z-]+)\.ipynb$"
    )
    honest = nbformat.writes(answer(release_copy(fixture_course)))
    (archive / f"02_alice_{NAME}.ipynb").write_text(honest)
    with zipfile.ZipFile(archive / "02_mallory_upload.zip", "w") as zf:
        zf.writestr(f"a/02_mallory_{NAME}.ipynb", honest)
        zf.writestr(f"b/02_mallory_{NAME}.ipynb", honest)
    args = ["--course", str(fixture_course), "grade", NAME, "--zip-collect", "--jobs", "2"]
    code = cli.main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    assert f"a second {NAME}.ipynb for mallory" in captured.err, captured.err
    assert sorted(p.name for p in (fixture_course / "submitted").iterdir()) == [
        "alice",
        "mallory",
    ]
    assert "2 graded" in captured.out, captured.out


def test_a_memory_limit_no_kernel_could_start_under_is_refused(fixture_course):
    """Review 48: under ``--memory 512`` every kernel died before it answered and every
    submission was an ERROR; such a limit is refused before anything runs, saying why."""
    from resistlab.course import Course, CourseError
    from resistlab.course.grading import GradeOptions, grade_assignment

    with pytest.raises(CourseError, match=r"--memory must be at least 1024 MB .* not 512"):
        grade_assignment(Course(fixture_course), NAME, GradeOptions(memory_mb=512))
