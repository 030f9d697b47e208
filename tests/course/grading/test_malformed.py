"""Malformed submissions never block a grade (issue 9, finding 7).

Each submission below breaks the notebook's nbgrader metadata in one way a student (or their
editor) can. The run grades what can be graded, scores the rest 0, raises a review flag, and
never leaves the submission ``ERROR`` (which would retry it, and fail again, on every run).
A FIFO and a symbolic link to ``/dev/zero`` in ``submitted/`` are never opened.
"""

from __future__ import annotations

import copy
import os
import re
import stat
import subprocess

import nbformat
import pytest
from course.grading.fixture_assignment import (
    FORMGRADER_LISTS,
    NAME,
    answer,
    cell_by_id,
    release_copy,
    submit,
)
from helpers import nest_folders

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment

pytestmark = pytest.mark.slow


def _cases(course):
    fresh = lambda: answer(release_copy(course))  # noqa: E731
    cases = {}

    nb = fresh()
    nb.cells.remove(cell_by_id(nb, "test_ic50"))
    nb.cells.remove(cell_by_id(nb, "test_hill_values"))
    nb.cells.remove(cell_by_id(nb, "test_hill_array"))
    cases["deleted_tests"] = (nb, 5)

    nb = fresh()
    cell_by_id(nb, "test_ic50").metadata["nbgrader"]["grade"] = False
    cases["grade_false"] = (nb, 5)

    nb = fresh()
    cell_by_id(nb, "answer_ic50").metadata["nbgrader"]["grade_id"] = "answer_ic5\u041e"
    cases["homoglyph_id"] = (nb, None)

    nb = fresh()
    cell_by_id(nb, "test_hill_values").metadata["nbgrader"]["grade_id"] = "renamed_test"
    cases["renamed_test_id"] = (nb, None)

    nb = fresh()
    cell_by_id(nb, "answer_hill").metadata["nbgrader"] = None
    cases["nbgrader_null"] = (nb, None)

    nb = fresh()
    extra = copy.deepcopy(cell_by_id(nb, "test_ic50"))
    extra.metadata["nbgrader"]["grade_id"] = "test_unknown_bonus"
    extra.metadata["nbgrader"]["points"] = 100
    extra["id"] = "bonus"
    nb.cells.append(extra)
    cases["unknown_grade_id"] = (nb, 5)

    cases["bad_timestamp"] = (fresh(), 5)

    # Review 2 #2 and #7: metadata of the wrong type, and a cell id the schema forbids.
    nb = fresh()
    cell_by_id(nb, "answer_hill").metadata["nbgrader"] = "x"
    cases["nbgrader_string"] = (nb, None)

    nb = fresh()
    cell_by_id(nb, "answer_ic50").metadata["nbgrader"]["grade_id"] = {"a": 1}
    cases["grade_id_object"] = (nb, None)

    nb = fresh()
    cell_by_id(nb, "answer_ic50").source = 42
    cases["source_number"] = (nb, None)

    nb = fresh()
    cell_by_id(nb, "answer_hill").metadata["nbgrader"]["points"] = "lots"
    cases["points_string"] = (nb, 5)  # restored from the release: nothing lost

    # Review 3 #1, #5, #11: every field of a released cell's metadata, of any type, is
    # restored from the release; code too deeply nested to scan is still graded.
    for field, value in [
        ("schema_version", "x"),
        ("grade", "yes"),
        ("solution", None),
        ("points", [1]),
        ("locked", {}),
        ("task", 2),
    ]:
        nb = fresh()
        cell_by_id(nb, "test_hill_values").metadata["nbgrader"][field] = value
        cell_by_id(nb, "answer_hill").metadata["nbgrader"][field] = value
        cases[f"field_{field}"] = (nb, 5)
    nb = fresh()  # Review 4 #4: Python's parser raised MemoryError in the grader's scan
    cell_by_id(nb, "answer_ic50").source = "x = " + "-" * 30_000 + "1\nic50 = 3.0\n"
    cases["unary_minus"] = (nb, None)

    nb = fresh()
    cell_by_id(nb, "answer_ic50").source = "ic50 = 3.0 + " + " + ".join(["0"] * 1500) + "\n"
    cases["deep_expression"] = (nb, None)  # graded (the kernel may time out on it)

    nb = fresh()
    nb.cells.append(nbformat.v4.new_markdown_cell("my notes"))
    nb.cells[-1]["id"] = "my notes"
    cases["cell_id_invalid"] = (nb, 5)
    return cases


def test_malformed_metadata_is_graded_flagged_and_never_an_error(fixture_course):
    cases = _cases(fixture_course)
    for student, (nb, _score) in cases.items():
        folder = submit(fixture_course, student, nb)
        if student == "bad_timestamp":
            (folder / "timestamp.txt").write_text("the day before the deadline\x00")
    specials = submit(fixture_course, "specials", answer(release_copy(fixture_course)))
    os.mkfifo(specials / "pipe")
    os.symlink("/dev/zero", specials / "zeros")
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=2, timeout=10, quiet=True),
        log=lambda *a: None,
    )
    rows = {r.student: r for r in run.rows}
    errors = {s: [str(f) for f in r.flags] for s, r in rows.items() if r.status != "graded"}
    assert errors == {}, "\n".join(f"{s}: {f}" for s, f in errors.items())
    for student, (_nb, score) in cases.items():
        row = rows[student]
        if score is not None:
            assert row.score == score, row
        assert row.review or student in ("bad_timestamp", "cell_id_invalid", "deep_expression"), (
            row
        )
    assert rows["specials"].score == 5
    codes = {f.code for f in rows["specials"].flags}
    assert "special_file" in codes and "file_access" in codes


def test_an_unreadable_timestamp_is_moved_aside_for_formgrader(fixture_course):
    """Review 38 #3 and #5: a ``timestamp.txt`` that is not a time, a folder, or a FIFO was
    graded (``invalid_metadata``) and left in ``submitted/``, where Formgrader reads every
    autograded student's when it lists the assignment: *Manage Submissions* failed (HTTP 500)
    for the class, and the FIFO stopped the instructor's server. The grader moves it aside
    (kept as ``timestamp.txt.unreadable``); Formgrader lists everyone."""
    import sys

    makers = {
        "alice": lambda path: path.write_text("2026-12-01 10:00:00.000000 UTC"),
        "text": lambda path: path.write_text("not a date"),
        "folder": lambda path: path.mkdir(),
        "fifo": os.mkfifo,
        "taken": lambda path: path.write_text("not a date"),
        "blocked": os.mkfifo,
        # review 56: only white space had meant no timestamp at all, with no flag
        "blank": lambda path: path.write_text(" \n\t\n"),
        # review 57: a zone that is a file's path, which nbgrader's parser opens and reads
        # whole (2 GB for a 60 MB file), at grading, collect and in Formgrader
        "zone_path": lambda path: path.write_text(
            f"2026-12-01 10:00:00 {path.parent / 'zone.bin'}"
        ),
        "zone_relative": lambda path: path.write_text("2026-12-01 10:00:00 ../../../../tmp/z"),
        # review 60: no date (dateutil takes the day it reads it), and a zone abbreviation
        # (the reader's local time where it is the reader's zone name): Formgrader, reading
        # it another day or under another TZ, listed the graded submission as never graded
        "dateless": lambda path: path.write_text("00:00:01 UTC"),
        "abbreviation": lambda path: path.write_text("2026-12-01 10:00:00 CEST"),
        # review 61: the abbreviation joined to the time, or not the last word
        "joined": lambda path: path.write_text("2026-12-01 10:00:00CEST"),
        "not_last": lambda path: path.write_text("2026-12-01 10:00:00 CET +0000"),
    }
    for student, make in makers.items():
        folder = submit(fixture_course, student, answer(release_copy(fixture_course)))
        make(folder / "timestamp.txt")
    # review 53: the move had overwritten a file of the student's by that name, and a
    # folder by that name had made it fail (the FIFO stayed where Formgrader reads it)
    taken = fixture_course / "submitted" / "taken" / NAME / "timestamp.txt.unreadable"
    taken.write_text("the student's own")
    blocked = fixture_course / "submitted" / "blocked" / NAME / "timestamp.txt.unreadable"
    blocked.mkdir()
    (blocked / "a").write_text("x")
    # review 61: all 100 names taken had made the submission an ERROR, and Formgrader's list
    # failed until the file was moved by hand
    full = submit(fixture_course, "full_house", answer(release_copy(fixture_course)))
    (full / "timestamp.txt").write_text("not a date")
    for name in [
        "timestamp.txt.unreadable",
        *(f"timestamp.txt.unreadable.{k}" for k in range(1, 100)),
    ]:
        (full / name).write_text("the student's own")
    run = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=2, timeout=10, quiet=True)
    )
    rows = {r.student: r for r in run.rows}
    assert run.errors == 0 and rows["alice"].score == 5
    aside = {"taken": "timestamp.txt.unreadable.1", "blocked": "timestamp.txt.unreadable.1"}
    for student in (
        "text",
        "folder",
        "fifo",
        "taken",
        "blocked",
        "blank",
        "zone_path",
        "zone_relative",
        "dateless",
        "abbreviation",
        "joined",
        "not_last",
    ):
        folder = fixture_course / "submitted" / student / NAME
        name = aside.get(student, "timestamp.txt.unreadable")
        assert not os.path.lexists(folder / "timestamp.txt"), student
        assert os.path.lexists(folder / name), student
        details = [f.detail for f in rows[student].flags if f.code == "invalid_metadata"]
        assert any(f"moved to {name})" in d for d in details), details
    assert taken.read_text() == "the student's own" and (blocked / "a").exists()
    assert not os.path.lexists(full / "timestamp.txt")
    (moved,) = [
        p.name
        for p in full.iterdir()
        if re.fullmatch(r"timestamp\.txt\.unreadable\.[0-9a-f]{16}", p.name)
    ]
    assert (full / moved).read_text() == "not a date"
    details = [f.detail for f in rows["full_house"].flags if f.code == "invalid_metadata"]
    assert any(f"moved to {moved})" in d for d in details), details
    assert rows["full_house"].score == 5
    for student in ("text", "taken"):  # review 54: the copy had failed generate_feedback
        graded = fixture_course / "autograded" / student / NAME
        assert not os.path.lexists(graded / "timestamp.txt"), student
    # graded again (the folder changed): the review flag stays
    again = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=2, timeout=10, quiet=True, force=True)
    )
    for row in again.rows:
        moved = [f for f in row.flags if "moved to timestamp.txt.unreadable" in f.detail]
        assert bool(moved) == (row.student != "alice"), (row.student, row.flags)
    listed = subprocess.run(
        [sys.executable, "-c", FORMGRADER_LISTS, str(fixture_course), NAME],
        capture_output=True, text=True, timeout=120, cwd=fixture_course,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.strip() == (
        "['abbreviation', 'alice', 'blank', 'blocked', 'dateless', 'fifo', 'folder', "
        "'full_house', 'joined', 'not_last', 'taken', 'text', 'zone_path', 'zone_relative']"
    ), listed.stdout


GRADE_ONCE = """
import json, sys
from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment
options = GradeOptions(jobs=1, timeout=10, quiet=True)
run = grade_assignment(Course(sys.argv[1]), sys.argv[2], options)
row = run.rows[0]
print(json.dumps([run.errors, row.status, [f.detail for f in row.flags]]))
"""


def test_an_unreadable_timestamp_that_cannot_be_moved_aside_is_an_error(fixture_course):
    """Review 53: when the move failed, the submission was reported graded and the file
    stayed where Formgrader reads it (HTTP 500 for the class; a FIFO hung the instructor's
    server). It is an ERROR that says what to do, retried on the next run, and graded once
    the file is moved. The folder is made read-only by a bind mount in a private mount
    namespace (a root grader writes past any mode), where the run grades."""
    import json
    import shutil
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a private mount namespace")
    folder = submit(fixture_course, "full", answer(release_copy(fixture_course)))
    os.mkfifo(folder / "timestamp.txt")
    script = (
        f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
        f'exec {sys.executable} -c "$0" {fixture_course} {NAME}'
    )
    namespace = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-Urm"]
    done = subprocess.run(
        [*namespace, "sh", "-c", script, GRADE_ONCE],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    errors, status, details = json.loads(done.stdout.strip().splitlines()[-1])
    assert errors == 1 and status == "error", (status, details)
    assert any("could not be moved aside" in d for d in details), details
    assert stat.S_ISFIFO(os.lstat(folder / "timestamp.txt").st_mode)
    os.unlink(folder / "timestamp.txt")
    again = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True)
    )
    assert again.errors == 0 and again.rows[0].score == 5, again.rows


def test_an_error_submission_does_not_keep_its_timestamp_where_formgrader_reads_it(
    fixture_course,
):
    """Review 59 C#2: a submission that ended as an ERROR (here a student folder whose name
    is not UTF-8) kept its FIFO ``timestamp.txt`` in ``submitted/``; Formgrader reads every
    not-yet-graded student's when it lists the assignment, and *Manage Submissions* and the
    instructor's server hung on it. The grader moves it aside for an ERROR too."""
    import sys

    folder = submit(fixture_course, "mal\udcff", answer(release_copy(fixture_course)))
    os.mkfifo(folder / "timestamp.txt")
    submit(fixture_course, "alice", answer(release_copy(fixture_course)))
    warnings = []
    run = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True),
        log=warnings.append,
    )  # fmt: skip
    rows = {r.student: r for r in run.rows}
    assert rows["alice"].score == 5 and rows["mal\udcff"].status == "error", rows
    assert not os.path.lexists(folder / "timestamp.txt")
    assert stat.S_ISFIFO(os.lstat(folder / "timestamp.txt.unreadable").st_mode)
    details = [f.detail for f in rows["mal\udcff"].flags if f.code == "invalid_metadata"]
    assert any("moved to timestamp.txt.unreadable)" in d for d in details), details
    listed = subprocess.run(
        [sys.executable, "-c", FORMGRADER_LISTS, str(fixture_course), NAME],
        capture_output=True, text=True, timeout=120, cwd=fixture_course,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.strip() == "['alice', 'mal\\udcff']", listed.stdout


def test_zip_collect_drops_setuid_and_setgid_bits(tmp_path):
    """What ``--zip-collect`` extracted (as root, from a tar archive) loses its setuid,
    setgid and sticky bits before anything else reads it."""
    from resistlab.course.grading.runner import drop_special_bits

    folder = tmp_path / "submitted" / "alice" / NAME
    folder.mkdir(parents=True)
    tool = folder / "tool"
    tool.write_text("#!/bin/sh\n")
    os.chmod(tool, 0o6755)
    (folder / "sub").mkdir()
    os.chmod(folder / "sub", 0o3777)
    changed = drop_special_bits(folder)
    assert sorted(changed) == sorted([str(tool), str(folder / "sub")])
    assert os.stat(tool).st_mode & 0o7777 == 0o755
    assert os.stat(folder / "sub").st_mode & 0o7777 == 0o777


def test_oversized_notebooks_and_files_are_never_read(fixture_course):
    """Review 2 #3 and #5: a 65 MiB notebook (valid JSON padded with spaces) scores 0 without
    being read; a 4 GiB sparse file beside an honest notebook is neither hashed, copied to
    the kernel nor to autograded/, and the honest notebook keeps its marks."""
    from resistlab.course.grading.worker import MAX_NOTEBOOK_BYTES

    nb = answer(release_copy(fixture_course))
    folder = submit(fixture_course, "fat_notebook", nb)
    path = folder / f"{NAME}.ipynb"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:-1] + " " * (MAX_NOTEBOOK_BYTES + 1) + "}", encoding="utf-8")
    folder = submit(fixture_course, "sparse_file", answer(release_copy(fixture_course)))
    with open(folder / "data.bin", "wb") as fh:
        fh.truncate(4 * 2**30)
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=2, timeout=10, quiet=True, students=["fat_notebook", "sparse_file"]),
        log=lambda *a: None,
    )
    rows = {r.student: r for r in run.rows}
    fat, sparse = rows["fat_notebook"], rows["sparse_file"]
    assert fat.status == "graded" and fat.score == 0 and fat.review, fat
    assert any(f.code == "too_large" and "MiB" in f.detail for f in fat.flags), fat.flags
    assert sparse.status == "graded" and sparse.score == 5, sparse
    assert any(f.code == "too_large" and "data.bin" in f.detail for f in sparse.flags)
    assert not (fixture_course / "autograded" / "sparse_file" / NAME / "data.bin").exists()
    assert sparse.seconds < 30, sparse


def test_folders_too_deep_too_many_files_and_odd_names_never_stop_the_run(fixture_course):
    """Review 3 #2-#4: 1,500 nested folders (a RecursionError in the parent), 20,000 empty
    files (minutes in nbgrader's file search) and a file name that is not UTF-8 (the summary
    CSV failed) beside honest notebooks: each is graded, flagged where the listing stopped,
    and the summary is written."""
    import time

    fresh = lambda: answer(release_copy(fixture_course))  # noqa: E731
    deep = submit(fixture_course, "deep_folders", fresh())
    os.close(nest_folders(deep, "d", 1500))  # deeper than os.walk can recurse
    many = submit(fixture_course, "many_files", fresh())
    for i in range(20_000):
        (many / f"f{i}").touch()
    long_paths = submit(fixture_course, "long_paths", fresh())  # Review 4 #2: ENAMETOOLONG
    os.close(nest_folders(long_paths, "p" * 255, 15))
    odd = submit(fixture_course, "odd_name", fresh())
    with open(os.path.join(os.fsencode(odd), b"notes-\xff.txt"), "w") as fh:
        fh.write("x")
    started = time.monotonic()
    try:
        run = grade_assignment(
            Course(fixture_course),
            NAME,
            GradeOptions(jobs=2, timeout=10, quiet=True),
            log=lambda *a: None,
        )
    finally:  # GNU rm walks any depth; a recursive removal (pytest's own) would overflow
        subprocess.run(["rm", "-rf", str(deep / "d"), str(long_paths / ("p" * 255))], check=True)
    assert time.monotonic() - started < 120
    rows = {r.student: r for r in run.rows}
    for student in ("deep_folders", "many_files", "odd_name", "long_paths"):
        assert rows[student].status == "graded" and rows[student].score == 5, rows[student]
    assert any(f.code == "too_large" and "deep" in f.detail for f in rows["deep_folders"].flags)
    assert any(f.code == "too_large" and "1000" in f.detail for f in rows["many_files"].flags)
    assert any(f.code == "extra_file" for f in rows["odd_name"].flags)
    assert any("paths longer" in f.detail for f in rows["long_paths"].flags)
    assert "odd_name" in run.csv_path.read_text(encoding="utf-8")


def test_many_tiny_cells_arrays_or_values_are_never_parsed_into_a_notebook(fixture_course):
    """Review 4 #3 and #5: 6,000 added cells whose key is written ``"cell_typ\\u0065"`` (so a
    count of the text misses them) score the notebook 0 unparsed, with one flag. Review 5 #3:
    so does an honest notebook carrying 22 million empty arrays in its metadata (arrays were
    not counted: 4.6 GB in the parent, and 12/12 with no flag); here just past the bound."""
    import json

    from resistlab.course.grading.worker import MAX_CELLS, MAX_NESTING, MAX_OBJECTS, MAX_VALUES

    data = json.loads(nbformat.writes(answer(release_copy(fixture_course))))
    data["cells"] += [{"cell_type": "raw", "metadata": {}, "source": ""}] * (MAX_CELLS + 1000)
    text = json.dumps(data).replace('"cell_type": "raw"', '"cell_typ\\u0065": "raw"')
    assert text.count('"cell_type"') < MAX_CELLS
    folder = submit(fixture_course, "tiny_cells", None)
    (folder / f"{NAME}.ipynb").write_text(text)
    nb = answer(release_copy(fixture_course))
    nb.metadata["padding"] = [[]] * (MAX_OBJECTS + 1)
    submit(fixture_course, "empty_arrays", nb)
    # Review 6 #1: 30 million zeros in one array (8.3 GB, a 2 GB autograded copy, 12/12);
    # and nesting, which multiplies what is written back (just past each bound here)
    nb = answer(release_copy(fixture_course))
    nb.metadata["padding"] = [0] * (MAX_VALUES + 1)
    submit(fixture_course, "many_zeros", nb)
    # Review 7 #2: one cell of 40 million line breaks (split into a value each when written
    # back: 4.2 GB between the worker and the parent, a 200 MB autograded copy, 12/12)
    lines = json.loads(nbformat.writes(answer(release_copy(fixture_course))))
    lines["cells"].append({"cell_type": "raw", "metadata": {}, "source": "\n" * MAX_VALUES})
    submit(fixture_course, "many_lines", raw=json.dumps(lines))  # one string, not a list
    nb = answer(release_copy(fixture_course))
    deep = []
    for _ in range(MAX_NESTING):
        deep = [deep]
    nb.metadata["padding"] = deep
    submit(fixture_course, "deep_nest", nb)
    students = ["tiny_cells", "empty_arrays", "many_zeros", "many_lines", "deep_nest"]
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=10, quiet=True, students=students),
        log=lambda *a: None,
    )
    assert len(run.rows) == len(students)
    for row in run.rows:
        assert row.status == "graded" and row.score == 0, row
        assert [f.code for f in row.flags] == ["too_large"], row.flags


def test_special_bits_are_dropped_in_a_nest_of_any_depth(tmp_path):
    """Review 4 #1: a 1,500-level nest beside the notebook (a RecursionError after
    ``--zip-collect``, for the whole class)."""
    from resistlab.course.grading.runner import drop_special_bits

    os.close(nest_folders(tmp_path, "d", 1500))
    try:
        assert drop_special_bits(tmp_path) == []
    finally:
        subprocess.run(["rm", "-rf", str(tmp_path / "d")], check=True)


def test_a_blank_resubmission_shaped_to_fail_scores_0_and_keeps_no_earlier_grade(fixture_course):
    """Review 5 #4: graded 5/5, then a blank resubmission with a folder named as the kernel's
    connection file, a lone surrogate (a valid JSON escape) in cell metadata, notebook metadata
    or an attachment, or the notebook replaced by a folder, was an ``ERROR`` on every run and
    the gradebook kept 5. Now each is graded: 0, flagged."""
    import shutil

    from nbgrader.api import Gradebook

    def blank(**metadata):
        nb = release_copy(fixture_course)
        nb.metadata.update(metadata.get("notebook", {}))
        nb.cells[0].metadata.update(metadata.get("cell", {}))
        return nb

    shapes = ["kernel_file_folder", "surrogate_cell", "surrogate_notebook", "surrogate_attach",
              "notebook_folder"]  # fmt: skip
    options = GradeOptions(jobs=2, timeout=10, quiet=True, students=shapes)
    for student in shapes:
        submit(fixture_course, student, answer(release_copy(fixture_course)))
    first = grade_assignment(Course(fixture_course), NAME, options, log=lambda *a: None)
    assert {r.student: r.score for r in first.rows} == dict.fromkeys(shapes, 5)
    for student in shapes:
        shutil.rmtree(fixture_course / "submitted" / student)
    folder = submit(fixture_course, "kernel_file_folder", blank())
    (folder / ".kernel1.json").mkdir()
    (folder / ".kernel1.json" / "x").write_text("x")
    (folder / ".k1").write_text("not the socket folder")
    for student, where in [("surrogate_cell", "cell"), ("surrogate_notebook", "notebook")]:
        text = nbformat.writes(blank(**{where: {"note": "SURROGATE"}}))
        submit(fixture_course, student, raw=text.replace("SURROGATE", "\\ud800"))
    nb = blank()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("![x](attachment:x.png)"))
    nb.cells[0]["attachments"] = {"x.png": {"image/png": "SURROGATE"}}
    submit(
        fixture_course, "surrogate_attach", raw=nbformat.writes(nb).replace("SURROGATE", "\\udfff")
    )
    folder = fixture_course / "submitted" / "notebook_folder" / NAME / f"{NAME}.ipynb"
    folder.mkdir(parents=True)
    (folder / "inside.txt").write_text("x")
    second = grade_assignment(Course(fixture_course), NAME, options, log=lambda *a: None)
    rows = {r.student: r for r in second.rows}
    for student in shapes:
        assert rows[student].status == "graded" and rows[student].score == 0, rows[student]
        assert rows[student].review, rows[student]
    assert "kernel_config" in {f.code for f in rows["kernel_file_folder"].flags}
    with Gradebook(f"sqlite:///{fixture_course / 'gradebook.db'}") as gb:
        kept = {s: float(gb.find_submission(NAME, s).score) for s in shapes}
    assert kept == dict.fromkeys(shapes, 0.0)


def test_what_one_submission_records_is_bounded(fixture_course):
    """Review 5 #5: 4,800 added cells, each naming an invented 12.8 KB ``grade_id``, put 124 MB
    into ``ledger.json`` (rewritten by every later run) and 123 MB into ``summary.csv``. A
    flag keeps at most 200 characters of its detail, and at most 20 flags of one code are
    recorded (then one saying how many more); the answers are still graded."""
    import random

    from resistlab.course.grading.flags import MAX_DETAIL, MAX_PER_CODE

    rng = random.Random(5)
    nb = answer(release_copy(fixture_course))
    for k in range(300):
        gid = "".join(rng.choice("abcdefghij") for _ in range(5000))
        cell = nbformat.v4.new_code_cell(f"x{k} = {k}")
        meta = {"grade": False, "grade_id": gid, "locked": False, "solution": True}
        cell.metadata["nbgrader"] = {**meta, "schema_version": 3, "task": False}
        nb.cells.append(cell)
    submit(fixture_course, "long_ids", nb)
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=10, quiet=True, students=["long_ids"]),
        log=lambda *a: None,
    )
    (row,) = run.rows
    assert row.status == "graded" and row.score == 5, row
    codes = [f.code for f in row.flags]
    assert codes.count("invalid_metadata") == MAX_PER_CODE + 1, row.flags
    assert any(f.detail.startswith("... and ") for f in row.flags), row.flags
    assert max(len(f.detail) for f in row.flags) <= MAX_DETAIL
    grading = fixture_course / "grading" / NAME
    assert (grading / "ledger.json").stat().st_size < 50_000
    assert (grading / "summary.csv").stat().st_size < 10_000


def _graded_repaired(course, shapes) -> None:
    """Hand in the answered notebook broken by each ``shapes[student](notebook_json)``; each
    must be graded with full marks and an ``invalid_metadata`` flag."""
    import json

    data = json.loads(nbformat.writes(answer(release_copy(course))))
    for student, break_it in shapes.items():
        broken = copy.deepcopy(data)
        break_it(broken)
        submit(course, student, raw=json.dumps(broken))
    run = grade_assignment(
        Course(course),
        NAME,
        GradeOptions(jobs=2, timeout=10, quiet=True, students=list(shapes)),
        log=lambda *a: None,
    )
    for row in run.rows:
        assert row.status == "graded" and row.score == 5, row
        assert "invalid_metadata" in {f.code for f in row.flags}, row


def test_fields_nbformat_cannot_read_are_repaired_not_scored_0(fixture_course):
    """Review 6 #10: notebook or cell metadata that is a list, or a source list holding a
    number, made nbformat fail (the notebook scored 0 as unreadable). They are repaired before
    nbformat reads them and flagged; the answers are graded."""

    added = {"cell_type": "code", "metadata": {}, "source": ["x = 1\n", 2], "outputs": []}
    shapes = {
        "notebook_metadata_list": lambda d: d.__setitem__("metadata", []),
        "cell_metadata_list": lambda d: d["cells"][0].__setitem__("metadata", []),
        "source_with_a_number": lambda d: d["cells"].append({**added, "execution_count": None}),
    }
    _graded_repaired(fixture_course, shapes)


def test_fields_the_format_does_not_allow_are_dropped_and_flagged(fixture_course):
    """Review 53: a field of the notebook or of a cell that the format does not allow, an
    attachment on a code cell, or an attachment holding a number on a locked cell was
    graded unflagged and left in ``autograded/`` a notebook no reader of the format
    accepts. Each is dropped and flagged; the graded notebook is valid."""
    shapes = {
        "notebook_field": lambda d: d.__setitem__("extra_key", 1),
        "cell_field": lambda d: d["cells"][1].__setitem__("foo", 1),
        "code_attachments": lambda d: d["cells"][1].__setitem__("attachments", {}),
        "locked_attachment": lambda d: d["cells"][0].__setitem__(
            "attachments", {"x.png": {"image/png": 5}}
        ),
    }
    _graded_repaired(fixture_course, shapes)
    for student in shapes:
        graded = fixture_course / "autograded" / student / NAME / f"{NAME}.ipynb"
        nbformat.validate(nbformat.read(str(graded), nbformat.NO_CONVERT))


def test_a_version_3_heading_never_grows_into_a_huge_notebook(fixture_course):
    """Review 53: nbformat converts a version 3 heading cell to ``level`` ``#`` characters: a
    33 KB notebook with a level of 600,000,000 in two cells had become a 1.2 GB graded
    notebook (4.8 GB in the grading process), unflagged. A level outside 1 to 6 is made one
    of them and flagged; the answers are graded."""
    import json

    v3 = nbformat.convert(answer(release_copy(fixture_course)), 3)
    levels = {"deep": 10_000_000, "text": "x"}
    for student, level in levels.items():
        broken = copy.deepcopy(v3)
        heading = {"cell_type": "heading", "level": level, "source": "Title", "metadata": {}}
        broken["worksheets"][0]["cells"].insert(0, heading)
        submit(fixture_course, student, raw=json.dumps(broken))
    run = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=1, timeout=10, quiet=True)
    )
    made = {"deep": 6, "text": 1}
    for row in run.rows:
        assert row.status == "graded" and row.score == 5, row
        why = f"cell 0: heading level is not 1 to 6 (made {made[row.student]})"
        assert why in [f.detail for f in row.flags if f.code == "invalid_metadata"], row.flags
        graded = fixture_course / "autograded" / row.student / NAME / f"{NAME}.ipynb"
        assert graded.stat().st_size < 1_000_000, graded.stat().st_size
        first = nbformat.read(str(graded), 4).cells[0]
        assert first.source == "#" * made[row.student] + " Title", first.source


def test_unknown_cell_types_and_nan_metadata_are_repaired_for_every_reader(fixture_course):
    """Review 46 (B) F4, F5: an added cell of an unknown type (or nbformat 3's ``heading``)
    and ``NaN``/``-Infinity`` in metadata (Python's JSON reads them, a browser's does not)
    were graded unflagged and written back as they were: no feedback page could be rendered
    for that student, and the lecturer's JupyterLab could not open the graded notebook. The
    cell becomes a raw cell and the numbers ``null``, with ``invalid_metadata``; the graded
    notebook is strict JSON that nbformat validates, and the feedback page is written.
    Review 52 (B) #2: metadata of a type the format does not allow (``authors: 5``, a cell's
    ``jupyter: 5``) and repeated tags had stopped every feedback run for that student: they
    are dropped (made unique), with ``invalid_metadata``."""
    import json

    from resistlab.course.grading import generate_feedback

    shapes = {
        "unknown_cell_type": lambda d: d["cells"].insert(
            1, {"cell_type": "foo", "metadata": {}, "source": "x"}
        ),
        "heading_cell": lambda d: d["cells"].insert(
            1, {"cell_type": "heading", "level": 1, "metadata": {}, "source": "Title"}
        ),
        "nan_metadata": lambda d: (
            d["metadata"].update(nan=float("nan"), inf=float("-inf")),
            d["cells"][0]["metadata"].update(deep=[{"x": float("inf")}]),
        ),
        # review 52 #2: metadata the format does not allow, and repeated tags
        "schema_metadata": lambda d: (
            d["metadata"].update(authors=5, title=5),
            d["cells"][0]["metadata"].update(jupyter=5, name=5),
            d["cells"][1]["metadata"].update(tags=["a", "a"]),
        ),
    }
    _graded_repaired(fixture_course, shapes)

    def strict(constant):
        raise ValueError(f"not JSON: {constant}")

    for student in shapes:
        path = fixture_course / "autograded" / student / NAME / f"{NAME}.ipynb"
        text = path.read_text(encoding="utf-8")
        json.loads(text, parse_constant=strict)  # what a browser's JSON.parse accepts
        nbformat.validate(nbformat.reads(text, as_version=4))
    pages = generate_feedback(Course(fixture_course), NAME, list(shapes), log=lambda *a: None)
    assert sorted(p.student for p in pages) == sorted(shapes), pages


def test_one_malformed_cell_is_repaired_not_the_whole_notebook_scored_0(fixture_course):
    """Review 47 (B) F3, F4: ``outputs`` of a wrong type on a markdown cell was graded
    unflagged and then stopped that student's feedback page (``resistlab feedback`` and
    nbgrader's alike); a ``null`` or text entry in ``cells``, a cell without ``source``, a
    cell type that is a number, a code cell's outputs as a mapping and attachments that are
    not a mapping each scored the whole notebook 0; review 48 (B) #2: so did an attachment
    or a saved output's data of the wrong type, and a format version that is not a whole
    number. Each is repaired, flagged
    ``invalid_metadata``, graded, and its feedback page written; a byte-order mark is
    dropped."""
    import json

    from resistlab.course.grading import generate_feedback

    def first_markdown(d):
        return next(c for c in d["cells"] if c["cell_type"] == "markdown")

    shapes = {
        "outputs_on_markdown": lambda d: first_markdown(d).__setitem__("outputs", 5),
        "null_cell": lambda d: d["cells"].append(None),
        "text_cell": lambda d: d["cells"].insert(1, "x"),
        "no_source": lambda d: d["cells"].append({"cell_type": "markdown", "metadata": {}}),
        "numbered_type": lambda d: d["cells"].append(
            {"cell_type": 5, "metadata": {}, "source": "x"}
        ),
        "outputs_mapping": lambda d: d["cells"].append(
            {
                "cell_type": "code",
                "metadata": {},
                "source": "",
                "outputs": {},
                "execution_count": "1",
            }
        ),
        "attachments_list": lambda d: first_markdown(d).__setitem__("attachments", [1]),
        # review 48 (B) #2
        "attachment_number": lambda d: first_markdown(d).__setitem__("attachments", {"x": 5}),
        "output_data_number": lambda d: d["cells"].append(
            {
                "cell_type": "code",
                "metadata": {},
                "source": "",
                "execution_count": 1,
                "outputs": [{"output_type": "execute_result", "data": 5, "metadata": {}}],
            }
        ),
        "minor_text": lambda d: d.__setitem__("nbformat_minor", "x"),
        "major_float": lambda d: d.__setitem__("nbformat", 4.0),
        # review 49 (B) #4: a version of text, another number, none at all
        "major_text": lambda d: d.__setitem__("nbformat", "4"),
        "major_five": lambda d: d.__setitem__("nbformat", 5),
        "major_missing": lambda d: d.pop("nbformat"),
        "metadata_missing": lambda d: d.pop("metadata"),  # review 50 (B) #4
    }
    _graded_repaired(fixture_course, shapes)
    for student in shapes:
        path = fixture_course / "autograded" / student / NAME / f"{NAME}.ipynb"
        nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))
    pages = generate_feedback(Course(fixture_course), NAME, list(shapes), log=lambda *a: None)
    assert sorted(p.student for p in pages) == sorted(shapes), pages
    data = nbformat.writes(answer(release_copy(fixture_course)))
    submit(fixture_course, "bom", raw="\ufeff" + data)
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=10, quiet=True, students=["bom"]),
        log=lambda *a: None,
    )
    assert [(r.status, r.score) for r in run.rows] == [("graded", 5)], run.rows
    assert json.loads(data)  # (the notebook itself was well formed)


def test_a_kernel_cannot_block_its_own_restart_with_the_graders_names(fixture_course):
    """Review 46 (C) F1: a cell made a folder where the restarted kernel's connection file
    was to go (``.kernel2.json``: a name it could guess) and killed its kernel; the restart
    failed outside the cell and the resubmission was an error on every run, keeping the
    student's earlier grade. The grader's names in the kernel's folder are now random: the
    kernel is restarted, the cell scores as an error, the submission is graded."""
    trap = (
        "import os\n"
        "for _n in range(2, 6):\n"
        "    for _name in (f'.kernel{_n}.json', f'.k{_n}'):\n"
        "        os.makedirs(os.path.join(_name, 'x'), exist_ok=True)\n"
        "os._exit(1)\n"
    )
    nb = answer(release_copy(fixture_course))
    nb.cells.insert(1, nbformat.v4.new_code_cell(trap))
    submit(fixture_course, "trap", nb)
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=10, quiet=True, students=["trap"]),
        log=lambda *a: None,
    )
    (row,) = run.rows
    assert row.status == "graded" and row.score == 5, row
    assert "kernel_died" in {f.code for f in row.flags}, row


def test_a_resubmission_replaces_what_the_earlier_one_left_in_autograded(fixture_course):
    """Review 35 #4, #1 and review 36 #1, #2: ``autograded/`` kept an earlier submission's
    files (nbgrader removes the folder first): a file that later became a folder made every
    run an ``ERROR`` that kept the earlier grade. And the submission's own files were copied
    beside the autograded notebook, where the instructor's JupyterLab (Formgrader's live
    link) used them as the instructor: an ``ipykernel_launcher.py`` ran, a ``matplotlibrc``
    configured the instructor's plots, a ``.vl.json`` chart read the hidden tests. Now the
    folder is made anew and holds the notebook and nbgrader's own files only."""
    from nbgrader.api import Gradebook

    files = {
        "notes": "first",
        "ipykernel_launcher.py": "raise SystemExit(1)\n",
        "matplotlibrc": "lines.linewidth: 0\n",
        "chart.vl.json": "{}",
        "timestamp.txt": "2026-12-01 10:00:00",
    }
    folder = submit(fixture_course, "flip", answer(release_copy(fixture_course)), extra=files)
    options = GradeOptions(jobs=1, timeout=10, quiet=True, force=True)
    run = grade_assignment(Course(fixture_course), NAME, options, log=lambda *a: None)
    (row,) = run.rows
    assert run.errors == 0 and row.score == 5, row
    dest = fixture_course / "autograded" / "flip" / NAME
    assert sorted(p.name for p in dest.iterdir()) == [f"{NAME}.ipynb", "timestamp.txt"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{NAME}.ipynb", *files])

    for name in ("notes", "ipykernel_launcher.py", "matplotlibrc", "chart.vl.json"):
        (folder / name).unlink()
    (folder / "notes").mkdir()
    (folder / "notes" / "late.txt").write_text("second", encoding="utf-8")
    nbformat.write(release_copy(fixture_course), folder / f"{NAME}.ipynb")  # blank
    run = grade_assignment(Course(fixture_course), NAME, options, log=lambda *a: None)
    (row,) = run.rows
    assert run.errors == 0 and row.score == 0, row
    assert sorted(p.name for p in dest.iterdir()) == [f"{NAME}.ipynb", "timestamp.txt"]
    with Gradebook(f"sqlite:///{fixture_course / 'gradebook.db'}") as gb:
        assert gb.find_submission(NAME, "flip").score == 0


GRADE = """
import json, sys
from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment
run = grade_assignment(
    Course(sys.argv[1]), sys.argv[2], GradeOptions(jobs=1, timeout=30, sandbox="off", quiet=True),
    log=lambda *a: None,
)
print(json.dumps({r.student: [r.status, r.score] for r in run.rows}))
"""


def test_what_the_grader_may_not_read_makes_the_submission_an_error(fixture_course):
    """Review 51 A#6: under an unprivileged grader a notebook of mode 000 scored 0
    (``corrupted_notebook``) and was recorded as graded, and a folder the grader may not list
    was skipped (full marks, no flag, not in the digest). Both are an ``ERROR`` now, retried
    on the next run; the others are graded. Run as root without the file-mode capabilities."""
    import json
    import sys

    from helpers import as_unprivileged

    for student in ("closed", "hidden", "open"):
        submit(fixture_course, student, answer(release_copy(fixture_course)))
    base = fixture_course / "submitted"
    (base / "closed" / NAME / f"{NAME}.ipynb").chmod(0)
    (base / "hidden" / NAME / "d").mkdir()
    (base / "hidden" / NAME / "d" / "notes.txt").write_text("x")
    (base / "hidden" / NAME / "d").chmod(0)
    command = as_unprivileged([sys.executable, "-c", GRADE, str(fixture_course), NAME])
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    (base / "hidden" / NAME / "d").chmod(0o700)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert rows["open"] == ["graded", 5], rows
    assert rows["closed"][0] == rows["hidden"][0] == "error", rows


def test_a_file_the_grader_may_not_read_does_not_stop_the_runs_planning(tmp_path):
    """Review 45 A#2: under an unprivileged grader, one file of a submission that the grader
    may not read (its modes, as an unpacked archive or a copy kept them) stopped the whole
    run while it was planned (a traceback, no one graded). Its digest now records it as
    unreadable; the submission itself is graded by its worker, alone. Run as root without
    the capabilities that bypass file modes (what an unprivileged grader is)."""
    import sys

    from helpers import as_unprivileged

    folder = tmp_path / "submitted" / "ben" / NAME
    folder.mkdir(parents=True)
    (folder / f"{NAME}.ipynb").write_text("{}")
    (folder / "data.csv").write_text("1,2\n")
    (folder / "data.csv").chmod(0)
    os.chmod(tmp_path, 0o755)
    code = (
        "import sys; from resistlab.course.grading.runner import submission_digest; "
        "print(submission_digest(sys.argv[1], []))"
    )
    command = as_unprivileged([sys.executable, "-c", code, str(folder)])
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) == 64
