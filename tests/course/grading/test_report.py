"""Summary table, CSV, progress bar, submission digests and the ledger (no kernel)."""

from __future__ import annotations

import csv
import io
import os

from resistlab.course.grading.flags import Flag
from resistlab.course.grading.gradebook import GradeRow
from resistlab.course.grading.report import Progress, summary_table, warn, write_csv
from resistlab.course.grading.runner import Ledger, submission_digest

ROWS = [
    GradeRow("alice", 5.0, 5.0),
    GradeRow("bob", 3.0, 5.0, failed=["test_ic50"], flags=[Flag("edited_cell", "test_ic50")]),
    GradeRow("carol", 4.0, 5.0, late_penalty=1.0, status="skipped"),
    GradeRow("dave", None, 5.0, flags=[Flag("grading_error", "boom")], status="error"),
    GradeRow("erin", 0.0, 5.0, failed=["t1", "t2", "t3", "t4", "t5"]),
]


def test_summary_table():
    text = summary_table(ROWS)
    lines = text.splitlines()
    assert lines[0].split() == ["student", "score", "max", "failed", "tests", "flags"]
    assert "edited_cell(test_ic50)" in lines[3]
    assert "4 (-1 late)" in text and "[unchanged, not regraded]" in text
    assert "ERROR" in text
    assert "t1, t2, t3 +2" in text


def test_csv(tmp_path):
    path = write_csv(ROWS, tmp_path / "out" / "summary.csv")
    rows = list(csv.DictReader(path.open()))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol", "dave", "erin"]
    assert rows[1]["review"] == "yes" and rows[1]["flags"] == "edited_cell(test_ic50)"
    assert rows[1]["failed_tests"] == "test_ic50" and rows[3]["status"] == "error"
    assert rows[3]["score"] == ""


def test_progress_lines_and_eta():
    stream = io.StringIO()
    progress = Progress(4, stream=stream)
    for name in "abcd":
        progress.update(name)
    text = stream.getvalue()
    assert "graded 4/4" in text and "ETA" in text
    assert progress.eta() == 0


def test_warn_frames_the_message():
    stream = io.StringIO()
    warn("first line\nsecond", stream=stream)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("!!!") and lines[1] == "! first line" and lines[-1].startswith("!")


def test_digest_changes_with_content_only(tmp_path):
    (tmp_path / "a.ipynb").write_text("one")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_text("ignored")
    first = submission_digest(tmp_path, ["__pycache__", "*.pyc"])
    assert submission_digest(tmp_path, ["__pycache__", "*.pyc"]) == first
    (tmp_path / "a.ipynb").write_text("two")
    assert submission_digest(tmp_path, ["__pycache__", "*.pyc"]) != first
    (tmp_path / "a.ipynb").write_text("one")
    (tmp_path / "notes.txt").write_text("new file")
    assert submission_digest(tmp_path, ["__pycache__", "*.pyc"]) != first


def test_ledger_round_trip(tmp_path):
    ledger = Ledger(tmp_path / "grading" / "ledger.json")
    ledger.put("alice", {"digest": "d1", "status": "graded"})
    assert Ledger(tmp_path / "grading" / "ledger.json").get("alice") == {
        "digest": "d1",
        "status": "graded",
    }
    (tmp_path / "grading" / "ledger.json").write_text("{broken")
    assert Ledger(tmp_path / "grading" / "ledger.json").get("alice") is None


def test_two_runs_at_once_keep_each_others_ledger_records(tmp_path):
    """Review 61 C: two runs of one assignment at once each kept the ledger as they read it at
    their start, and the one that finished last wrote its copy whole: the other's records
    were lost. Each change is applied to the ledger as it is on disk."""
    path = tmp_path / "grading" / "ledger.json"
    first, second = Ledger(path), Ledger(path)
    first.put("alice", {"digest": "a"})
    second.put("bob", {"digest": "b"})
    first.put("carol", {"digest": "c"})
    assert Ledger(path).entries == {
        "alice": {"digest": "a"},
        "bob": {"digest": "b"},
        "carol": {"digest": "c"},
    }
    second.drop("alice")  # a regrade by the other run: forgotten, the rest kept
    assert Ledger(path).entries == {"bob": {"digest": "b"}, "carol": {"digest": "c"}}


def test_the_files_grading_opens_by_name_count_wherever_the_listing_stops(tmp_path, monkeypatch):
    """Review 62 C#1: the digest counted the notebook only where the listing (at most 1,000
    entries) reached it, and within the budget the other files share: a resubmitted notebook
    behind 3,000 empty files, or behind sparse files that used the budget, was "unchanged"
    and never graded. The notebooks, timestamp.txt and submission_secret.txt are read by
    name, each up to its own bound."""
    from resistlab.course.grading import runner
    from resistlab.course.grading.worker import list_files

    named = ["nb.ipynb"]
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text('{"cells": []}')
    batch = 0
    while "nb.ipynb" in list_files(tmp_path, [])[0]:  # until the listing stops before it
        assert batch < 10
        for i in range(1000):
            (tmp_path / f"e{batch}-{i:04d}.txt").touch()
        batch += 1
    first = submission_digest(tmp_path, [], named)
    notebook.write_text('{"cells": [1]}')
    assert submission_digest(tmp_path, [], named) != first
    (tmp_path / "timestamp.txt").write_text("2026-12-06 10:00:00 UTC")
    second = submission_digest(tmp_path, [], named)
    assert "timestamp.txt" not in list_files(tmp_path, [])[0] and second != first
    # sparse files that use up the other files' budget: the notebook keeps its own
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setattr(runner, "MAX_FILES_BYTES", 2**20)
    for i in range(3):
        with open(shared / f"f{i}.bin", "wb") as fh:
            fh.truncate(2**20)
    (shared / "nb.ipynb").write_text("x" * 100)
    before = submission_digest(shared, [], named)
    info = (shared / "nb.ipynb").stat()
    (shared / "nb.ipynb").write_text("y" * 100)  # the same size and time
    os.utime(shared / "nb.ipynb", ns=(info.st_atime_ns, info.st_mtime_ns))
    assert submission_digest(shared, [], named) != before


def test_the_digest_reads_what_grading_copies_within_the_same_budget(tmp_path, monkeypatch):
    """Review 63 C#1: the digest spent the budget of the other files on files grading never
    copies (a stray notebook), so a copied file past it counted by its size and time: changed
    with both kept, the resubmission was "unchanged". Bounds lowered: 2 MiB a file, 4 MiB in
    all; the stray notebook (2 MiB) and b.bin (1 MiB) come before e.csv (1.5 MiB), which the
    grader copies."""
    from resistlab.course.grading import runner

    monkeypatch.setattr(runner, "MAX_FILE_BYTES", 2 * 2**20)
    monkeypatch.setattr(runner, "MAX_FILES_BYTES", 4 * 2**20)
    named = ["nb.ipynb"]
    (tmp_path / "nb.ipynb").write_text("{}")
    for name, size in (("a.ipynb", 2 * 2**20), ("b.bin", 2**20)):
        with open(tmp_path / name, "wb") as fh:
            fh.truncate(size)
    data = tmp_path / "e.csv"
    data.write_bytes(b"version-AAAA" + b"x" * (3 * 2**19 - 12))
    first = submission_digest(tmp_path, [], named)
    info = data.stat()
    data.write_bytes(b"version-BBBB" + b"x" * (3 * 2**19 - 12))  # the same size and time
    os.utime(data, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert submission_digest(tmp_path, [], named) != first
    # review 64 C#1: a folder named as a file nbgrader writes is copied to the kernel, and
    # the files in it had counted by their size and time
    secret = tmp_path / "submission_secret.txt"
    secret.mkdir()
    (secret / "threshold").write_text("2.0")
    before = submission_digest(tmp_path, [], named)
    info = (secret / "threshold").stat()
    (secret / "threshold").write_text("3.0")
    os.utime(secret / "threshold", ns=(info.st_atime_ns, info.st_mtime_ns))
    assert submission_digest(tmp_path, [], named) != before


def test_the_digest_reads_at_most_what_grading_reads(tmp_path, monkeypatch):
    """Review 59 C#1: the resume ledger's digest read every file of a submission whole (990
    sparse files of 64 MiB, 72 KB on disk, cost every run 155 s). Past the notebook's and
    MAX_FILES_BYTES of the other files (lowered here to 1 MiB), a file counts by its size and
    time; what lies before it is read."""
    from resistlab.course.grading import runner

    monkeypatch.setattr(runner, "MAX_FILES_BYTES", 2**20)
    for i in range(5):
        with open(tmp_path / f"f{i}.bin", "wb") as fh:
            fh.truncate(2**20)  # sparse
    first = submission_digest(tmp_path, [])

    def rewrite(name):
        path = tmp_path / name
        info = path.stat()
        with open(path, "r+b") as fh:
            fh.write(b"changed")
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    rewrite("f4.bin")  # past the budget: not read
    assert submission_digest(tmp_path, []) == first
    rewrite("f0.bin")  # read
    assert submission_digest(tmp_path, []) != first


def test_the_configuration_is_recorded_by_what_it_holds():
    """Review 65 C: configuration values JSON cannot hold had counted by their type alone (a
    list built with ``.append``, a path, a set), a plugin class by its name alone, and keys
    of mixed types had stopped ``resistlab grade`` with a traceback. Each is recorded by its
    value, a class by its name and its module file's digest; the same on every call."""
    import json
    from pathlib import Path

    from traitlets.config import Config

    from resistlab.course.grading.runner import _canonical

    def recorded(config):
        return json.dumps(_canonical(config))

    one, other = Config(), Config()
    one.CourseDirectory.ignore.append("*.txt")
    other.CourseDirectory.ignore.append("*.csv")
    assert recorded(one) != recorded(other)
    assert recorded({"p": Path("/a")}) != recorded({"p": Path("/b")})
    assert recorded({"s": {1, 2}}) != recorded({"s": {1, 3}})
    mixed = {1: "a", "b": 2, ("t", 1): None}
    assert recorded(mixed) == recorded(dict(reversed(list(mixed.items()))))
    plugin = recorded({"plugin": Config})
    assert "traitlets.config.loader.Config " in plugin and plugin == recorded({"plugin": Config})
