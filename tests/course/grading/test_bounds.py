"""Denial of service is bounded (issue 9, finding 6; audit log, finding 7).

``resistlab grade`` with the sandbox on, in two runs: ``slow`` with a 10 s cell limit and a
15 s budget per submission, the others with limits a loaded machine cannot trip:

* ``flood`` sends 20 MB through every output type, each in its own added cell: a result
  (``execute_result``), an error (its value), a display updated under a display id shown
  50 times (``update_display_data``), stdout and a display, and 8 million lines in one
  display (8 MB, each line written back as a list item) and 2 million MIME types in one;
  the autograded notebook stays under the per-notebook cap (32 MiB) and the correct answers
  keep their 5 points;
* ``slow`` adds five cells of 9 s each: grading stops at the submission's budget;
* ``many_cells`` adds 260 cells: 200 are run, the rest dropped with a review flag;
* ``forger`` records a forbidden read, then finds its audit descriptor and tries to truncate
  and rewrite it: the read is still reported.

``test_a_dead_worker_charges_only_its_own_submission`` breaks the pool twice under one
submission and checks that the others are graded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import types
from pathlib import Path

import nbformat
import pytest
from course.grading.fixture_assignment import NAME, answer, cell_by_id, release_copy, submit

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment
from resistlab.course.grading.feedback import generate_feedback
from resistlab.course.grading.runner import _execute
from resistlab.course.grading.worker import SubmissionTask

FLOOD = [
    # Review 11 #6: 7 million NUL characters are 42 MB once written (each a 6-byte escape)
    "print('\\x00' * 7_000_000)",
    "'r' * 20_000_000",
    "raise ValueError('e' * 20_000_000)",
    (
        "from IPython.display import display\n"
        "h = display('x', display_id=True)\n"
        "for _ in range(50):\n"
        "    display('x', display_id=h.display_id)\n"
        "h.update('u' * 1_000_000)"
    ),
    "print('o' * 20_000_000)",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>' + 'd' * 20_000_000))",
    # Review 8 #3: 8 MB of line breaks, under the byte cap, is 8 million lines written back
    # (104 MB of notebook and 0.6 GB in the grader per cell): lines count against the caps
    "from IPython.display import display\ndisplay({'text/html': '\\n' * 8_000_000}, raw=True)",
    # Review 9 #6: MIME types are written back one per line too (a million empty ones: 73 MB
    # counted, past the 8 MiB cap; the review sent two million)
    "from IPython.display import display\n"
    "display({f'x/{i}': '' for i in range(1_000_000)}, raw=True)",
]

FORGER_BEFORE = "try:\n    open('/forbidden-secret-of-the-test')\nexcept OSError:\n    pass\n"
FORGER_AFTER = r"""
import os
for fd in range(3, 64):
    try:
        os.ftruncate(fd, 0)
    except OSError:
        pass
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue
    if target.endswith(".audit"):
        os.write(os.open(target, os.O_WRONLY | os.O_TRUNC), b"{}\n")
"""


def _added(nb, sources, after="answer_ic50"):
    index = next(
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == after
    )
    for offset, source in enumerate(sources, start=1):
        nb.cells.insert(index + offset, nbformat.v4.new_code_cell(source))
    return nb


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX sandbox")
def test_outputs_time_cells_and_audit_are_bounded(fixture_course):
    """Every output type is capped as it arrives, the budget holds, added cells are capped,
    and the kernel cannot erase its audit log."""
    fresh = lambda: answer(release_copy(fixture_course))  # noqa: E731
    submit(fixture_course, "flood", _added(fresh(), FLOOD))
    submit(fixture_course, "slow", _added(fresh(), ["import time\ntime.sleep(9)"] * 5))
    submit(fixture_course, "many_cells", _added(fresh(), ["x = 1"] * 260))
    submit(fixture_course, "forger", _added(fresh(), [FORGER_BEFORE, FORGER_AFTER]))

    def grade(students, timeout, budget_seconds):
        run = grade_assignment(
            Course(fixture_course),
            NAME,
            GradeOptions(
                jobs=2,
                timeout=timeout,
                budget_seconds=budget_seconds,
                students=students,
                quiet=True,
            ),
            log=lambda *a: None,
        )
        return {r.student: r for r in run.rows}

    # The caps are checked under limits no loaded machine reaches (the flood's cells take
    # about 3 s each, 25 s in all, on an idle machine); the budget on its own
    rows = grade(["flood", "many_cells", "forger"], timeout=120, budget_seconds=900)
    rows |= grade(["slow"], timeout=10, budget_seconds=15)
    autograded = fixture_course / "autograded"

    flood = rows["flood"]
    size = (autograded / "flood" / NAME / f"{NAME}.ipynb").stat().st_size
    assert size < 33 * 2**20, f"autograded notebook of {size / 2**20:.0f} MiB"
    assert flood.score == 5, flood
    assert "output_truncated" in {f.code for f in flood.flags}

    slow = rows["slow"]
    assert slow.seconds < 40, slow  # its five cells take 45 s
    assert any(f.code == "timeout" and "budget" in f.detail for f in slow.flags), slow.flags
    nb = nbformat.read(str(autograded / "slow" / NAME / f"{NAME}.ipynb"), as_version=4)
    assert "time budget" in str([c.get("outputs") for c in nb.cells])

    many = rows["many_cells"]
    assert any(f.code == "too_many_cells" for f in many.flags), many.flags
    assert many.review and many.score == 5
    nb = nbformat.read(str(autograded / "many_cells" / NAME / f"{NAME}.ipynb"), as_version=4)
    assert len(nb.cells) <= len(release_copy(fixture_course).cells) + 200

    forger = rows["forger"]
    assert any(
        f.code == "file_access" and "forbidden-secret-of-the-test" in f.detail
        for f in forger.flags
    ), forger.flags


#: Review 13 #2, #3, #5: a kernel sends output messages of any shape through its own session
#: (reached from sys.stdout, no get_ipython). Each had made the notebook unwritable: an ERROR
#: that kept an earlier grade (a lone surrogate, a traceback or a stream text nested 600
#: levels) or the notebook scored 0 (a malformed count, a dict as text, content that is not a
#: mapping, an integer past Python's digit limit); NaN was written into the notebook as is.
RAW = (
    "import sys, time\n"
    "def raw(kind, content):\n"
    "    out = sys.stdout\n"
    "    out.session.send(out.pub_thread, kind, content=content.encode(),\n"
    "                     parent=out.parent_header, ident=b'x')\n"
    "    time.sleep(0.3)\n"
)
_NESTED = "[" * 600 + "]" * 600
FORGED = (
    [RAW]
    + [
        f"raw({kind!r}, {content!r})"
        for kind, content in [
            ("stream", r'{"name": "stdout", "text": "a\udcffb"}'),
            ("display_data", r'{"metadata": {}, "data": {"text/plain": "a\udcffb"}}'),
            ("error", r'{"ename": "E\udcff", "evalue": "v", "traceback": []}'),
            ("error", '{"ename": "E", "evalue": "v", "traceback": ' + _NESTED + "}"),
            ("stream", '{"name": "stdout", "text": ' + _NESTED + "}"),
            (
                "execute_result",
                '{"metadata": {}, "data": {"text/plain": "x"}, "execution_count": "zz"}',
            ),
            ("display_data", '{"metadata": {}, "data": {"text/plain": {"a": 1}}}'),
            ("display_data", "[1, 2, 3]"),
            ("display_data", '{"metadata": {}, "data": {"application/json": ' + "1" * 5000 + "}}"),
            ("display_data", '{"metadata": {}, "data": {"application/json": {"a": NaN}}}'),
            # review 14 #2-#4: any message sets the cell's execution count, and messages nbclient
            # reads for itself (comms, display ids, clear_output) had scored the notebook 0
            ("execute_input", '{"code": "x", "execution_count": "' + "A" * 2**20 + '"}'),
            ("execute_input", '{"code": "x", "execution_count": NaN}'),
            ("execute_input", '{"code": "x", "execution_count": -3}'),
            ("execute_input", r'{"code": "x", "execution_count": "\udcff"}'),
            ("execute_input", '{"code": "x", "execution_count": ' + "[" * 900 + "]" * 900 + "}"),
            (
                "comm_open",
                '{"comm_id": "c1", "target_name": "jupyter.widget", "data": {"state": {}}}',
            ),
            ("comm_open", '{"comm_id": ["c"], "target_name": "jupyter.widget", "data": {}}'),
            ("display_data", '{"data": {"text/plain": "x"}, "transient": {"display_id": ["a"]}}'),
            ("clear_output", "[1]"),
            ("comm_open", '{"comm_id": "c2", "target_name": "jupyter.widget", "data": [1]}'),
            (
                "comm_open",
                '{"comm_id": "c3", "target_name": "jupyter.widget", "data": {"state": {}, '
                '"buffer_paths": [5]}}',
            ),
            (
                "display_data",
                '{"data": {"application/vnd.jupyter.widget-view+json": {"model_id": ["m"]}}}',
            ),
        ]
    ]
    + [
        # Review 12 #3: JSON nested 440 levels is written one bracket a line, each indented one
        # space more (109 MB written from 16 MiB counted)
        "from IPython.display import display\nleaf = 0\nfor _ in range(440):\n    leaf = [leaf]\n"
        "display({'application/json': [leaf] * 200}, raw=True)",
        # Review 12 #4: nested 600 levels, the notebook could not be written (scored 0)
        "from IPython.display import display\nv = 0\nfor _ in range(600):\n    v = [v]\n"
        "display({'application/json': v}, raw=True)",
    ]
)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX sandbox")
def test_malformed_output_messages_cost_only_their_own_output(fixture_course):
    """Review 13 #2-#5: what a kernel sends is made writable before it is kept (or dropped),
    so the answers are graded as usual and the notebook is standard JSON; a backslash or a
    double quote counts as the two bytes it is written as (five cells of 8 MiB of
    backslashes had written a 50.7 MB notebook under the 32 MiB cap). Review 12 #3, #4:
    JSON nested 440 levels wrote 109 MB from 16 MiB counted, and 600 levels could not be
    written at all."""
    fresh = lambda: answer(release_copy(fixture_course))  # noqa: E731
    submit(fixture_course, "forged", _added(fresh(), FORGED))
    submit(fixture_course, "backslashes", _added(fresh(), ["print('\\' * (8 * 2**20 - 200))"] * 5))
    run = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=2, quiet=True), log=lambda *a: None
    )
    rows = {r.student: r for r in run.rows}
    autograded = fixture_course / "autograded"
    for student in ("forged", "backslashes"):
        assert rows[student].score == 5, [str(f) for f in rows[student].flags]
        path = autograded / student / NAME / f"{NAME}.ipynb"
        text = path.read_text(encoding="utf-8")

        held = []
        json.loads(text, parse_constant=held.append)
        assert held == [], f"{student}'s notebook holds {held}: not standard JSON"
        nbformat.validate(nbformat.reads(text, as_version=4))
    size = (autograded / "backslashes" / NAME / f"{NAME}.ipynb").stat().st_size
    assert size < 33 * 2**20, f"autograded notebook of {size / 2**20:.0f} MiB"
    outputs = str(nbformat.read(str(autograded / "forged" / NAME / f"{NAME}.ipynb"), 4).cells)
    assert "a?b" in outputs
    size = (autograded / "forged" / NAME / f"{NAME}.ipynb").stat().st_size
    assert size < 33 * 2**20, f"autograded notebook of {size / 2**20:.0f} MiB"
    # a widget view whose model id is not a string had left the student without a page
    pages = generate_feedback(Course(fixture_course), NAME, ["forged"], log=lambda *a: None)
    assert [page.student for page in pages] == ["forged"]


def _grade_lowered(course, options, lowered, peak_file=None):
    """Grade with one worker in which each ``(module, name, value)`` of ``lowered`` is set
    (a bound lowered for a test); the rows by student. With ``peak_file``, the worker's peak
    resident memory is appended to it when the worker exits."""
    from concurrent.futures import ProcessPoolExecutor

    from course.grading.pool_helpers import set_constants, set_constants_and_report_peak

    from resistlab.course.grading.pool import _mp_context

    initializer, initargs = set_constants, (lowered,)
    if peak_file is not None:
        initializer, initargs = set_constants_and_report_peak, (lowered, str(peak_file))
    pool = ProcessPoolExecutor(1, _mp_context(), initializer=initializer, initargs=initargs)
    run = grade_assignment(Course(course), NAME, options, log=lambda *a: None, executor=pool)
    return {r.student: r for r in run.rows}


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux address space")
def test_what_the_grader_reads_of_a_submission_is_bounded_in_memory(fixture_course):
    """Bounds for what no count foresaw, lowered in the workers for this test: reading one
    notebook may add 32 MiB to the worker's address space, and no message part larger than
    1 MiB is read from a kernel. A notebook carrying a 40 MB string (within every count) scores
    0 as unreadable, not an ERROR; a cell displaying 3 MB in one message counts as a hung
    cell (kernel restarted, the cell skipped with a note: its IC50 test fails); an honest
    notebook in the same worker is graded 5/5 (its kernel is not bound by the first).
    Under the default bounds all three score 5."""
    padded = answer(release_copy(fixture_course))
    padded.metadata["padding"] = "p" * 40_000_000
    submit(fixture_course, "padded", padded)
    loud = answer(release_copy(fixture_course))
    cell_by_id(loud, "answer_ic50").source += (
        "\nfrom IPython.display import display\n"
        "display({'text/plain': 'x' * 3_000_000}, raw=True)\n"
    )
    submit(fixture_course, "loud", loud)
    submit(fixture_course, "honest", answer(release_copy(fixture_course)))
    lowered = [
        ("resistlab.course.grading.worker", "PARSE_MEMORY_BYTES", 32 * 2**20),
        ("resistlab.course.grading.kernel", "MAX_MESSAGE_BYTES", 2**20),
    ]
    options = GradeOptions(jobs=1, timeout=10, quiet=True)
    rows = _grade_lowered(fixture_course, options, lowered)
    assert rows["honest"].score == 5 and not rows["honest"].flags, rows["honest"]
    padded = rows["padded"]
    assert padded.status == "graded" and padded.score == 0, padded
    assert [(f.code, f.detail) for f in padded.flags] == [
        ("corrupted_notebook", f"{NAME}.ipynb: reading it takes more than 32 MiB")
    ]
    loud = rows["loud"]
    assert loud.score == 3 and loud.failed == ["test_ic50"], loud
    assert [f.code for f in loud.flags] == ["unresponsive_kernel"], loud.flags
    nb = nbformat.read(str(fixture_course / "autograded" / "loud" / NAME / f"{NAME}.ipynb"), 4)
    assert "larger than the 1 MiB the grader reads" in str([c.get("outputs") for c in nb.cells])

    options.force = True
    run = grade_assignment(Course(fixture_course), NAME, options, log=lambda *a: None)
    assert {r.student: r.score for r in run.rows} == {"padded": 5, "loud": 5, "honest": 5}


WRITER = "for i in range(20):\n    open(f'f{i}', 'wb').write(b'x' * 2**20)\n"
HIDER = (
    "import os\nf = open('hidden', 'wb')\nos.unlink('hidden')\n"
    "for i in range(20):\n    f.write(b'x' * 2**20)\nf.flush()\n"
)

# the same from a daemon the kernel orphaned (outside the kernel's own process tree)
ORPHAN = (
    "import os, time\nif os.fork() == 0:\n    if os.fork() == 0:\n"
    "        f = open('hidden', 'wb')\n        os.unlink('hidden')\n"
    "        for i in range(20):\n            f.write(b'x' * 2**20)\n"
    "        f.flush()\n        time.sleep(30)\n    os._exit(0)\nos.wait()\n"
)

# the same through a mapping of a file it closed and removed (in no descriptor table: libc's
# mmap, as Python's mmap keeps a descriptor of its own)
MAPPER = (
    "import ctypes, os\nlibc = ctypes.CDLL(None)\nlibc.mmap.restype = ctypes.c_void_p\n"
    "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,\n"
    "                      ctypes.c_int, ctypes.c_long]\n"
    "n = 20 * 2**20\nfd = os.open('mapped', os.O_RDWR | os.O_CREAT, 0o600)\n"
    "os.ftruncate(fd, n)\naddr = libc.mmap(None, n, 3, 1, fd, 0)\nos.close(fd)\n"
    "os.unlink('mapped')\nctypes.memset(addr, 120, n)\n"
)

# Review 62 A#1/#2: one page of a 20 MiB file mapped (the mapping's length had counted, 4 KB),
# and of a 20 MiB memfd (outside the folder: it had not counted at all), descriptors closed
_ONE_PAGE = (
    "import ctypes, os\nlibc = ctypes.CDLL(None)\nlibc.mmap.restype = ctypes.c_void_p\n"
    "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,\n"
    "                      ctypes.c_int, ctypes.c_long]\n"
)
PAGE_MAPPER = _ONE_PAGE + (
    "fd = os.open('mapped', os.O_RDWR | os.O_CREAT, 0o600)\n"
    "for i in range(20):\n    os.write(fd, b'x' * 2**20)\n"
    "addr = libc.mmap(None, 4096, 3, 1, fd, 0)\nos.close(fd)\nos.unlink('mapped')\n"
)
MEMFD_MAPPER = _ONE_PAGE + (
    "fd = os.memfd_create('m')\nfor i in range(20):\n    os.write(fd, b'x' * 2**20)\n"
    "addr = libc.mmap(None, 4096, 3, 1, fd, 0)\nos.close(fd)\n"
)

# Review 11 #1 and #2: the same from a thread with a descriptor table of its own
# (unshare(CLONE_FILES)), and from a process whose first thread has ended (its /proc/PID/fd
# shows nothing)
_HOLD = (
    "def hold():\n    f = open('hidden', 'wb')\n    os.unlink('hidden')\n"
    "    for i in range(20):\n        f.write(b'x' * 2**20)\n    f.flush()\n"
    "    time.sleep(30)\n"
)
OWN_TABLE = (
    "import ctypes, os, threading, time\nlibc = ctypes.CDLL(None)\n"
    + _HOLD
    + "def own():\n    libc.unshare(0x400)\n    hold()\n"
    "threading.Thread(target=own, daemon=True).start()\n"
)
LEADERLESS = (
    "import ctypes, os, threading, time\nlibc = ctypes.CDLL(None)\n"
    + _HOLD
    + "if os.fork() == 0:\n    threading.Thread(target=hold).start()\n    time.sleep(0.5)\n"
    "    libc.syscall(60, 0)\n"
)


# Review 52 (C) #1: daemons in sessions of their own that keep making folders: the kernel was
# stopped, and its folder emptied while they went on (10 million entries, the host's inodes)
RACERS = (
    "import os, time\nfor k in range(4):\n    if os.fork() == 0:\n        os.setsid()\n"
    "        i = 0\n        while True:\n            try:\n"
    "                os.mkdir(f'r{k}_{i}')\n            except OSError:\n"
    "                time.sleep(0.001)\n            i += 1\ntime.sleep(3)\n"
)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="Linux /proc")
def test_daemons_that_keep_making_folders_are_stopped_before_their_folder_is_emptied(
    fixture_course,
):
    """With the bound lowered to 500 entries, a kernel whose daemons keep making folders is
    stopped, its daemons are killed before what it added is removed (they had turned the
    removal into a race that held the run and filled the host's inodes), and the next
    student of the worker is graded as usual. With ``keep_scratch`` the run's folder stays:
    nothing the daemons made is left in it (they made more while it was emptied)."""
    import glob
    import re

    from resistlab.course.grading.kernel import remove_tree

    nb = answer(release_copy(fixture_course))
    cell_by_id(nb, "answer_ic50").source += "\n" + RACERS
    submit(fixture_course, "racer", nb)
    submit(fixture_course, "zz_next", answer(release_copy(fixture_course)))
    lowered = [("resistlab.course.grading.kernel", "MAX_SCRATCH_ENTRIES", 500)]
    options = GradeOptions(jobs=1, timeout=20, quiet=True, sandbox="require", keep_scratch=True)
    before = set(glob.glob("/tmp/rlg-*/.kept"))
    try:
        rows = _grade_lowered(fixture_course, options, lowered)
        kept = set(glob.glob("/tmp/rlg-*/.kept")) - before
        assert len(kept) == 1, kept
        run_dir = os.path.dirname(kept.pop())
        scratch = [
            os.path.join(top, name)
            for top, folders, _files in os.walk(run_dir)
            for name in folders
            if re.fullmatch(r"r\d_\d+", name)
        ]
        folders = glob.glob(f"{run_dir}/s*/[0-9]*")  # a scratch folder for each student
    finally:
        for path in set(glob.glob("/tmp/rlg-*/.kept")) - before:
            remove_tree(os.path.dirname(path))
    assert len(folders) == 2, folders  # both were kept and looked at
    assert scratch == [], f"{len(scratch)} folders of the daemons left, e.g. {scratch[:3]}"
    racer = rows["racer"]
    assert ("too_large", "answer_ic50: the kernel made more than 500 files and folders in "
            "its folder") in [(f.code, f.detail) for f in racer.flags], racer  # fmt: skip
    assert rows["zz_next"].score == 5 and not rows["zz_next"].flags, rows["zz_next"]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="Linux /proc")
def test_what_a_kernel_writes_to_its_folder_is_bounded(fixture_course):
    """Review 8 #2: a kernel wrote 10 GB into its scratch folder (on the host's disk) in 15 s.
    With the bound lowered to 8 MiB in the workers, a kernel that writes 20 MiB of files, or
    20 MiB through a file it removed and keeps open (itself, a daemon it orphaned, a thread
    with a descriptor table of its own, a process whose first thread ended) or keeps mapped,
    is stopped: that cell and the rest are not run (its IC50 test scores 0), the submission
    is flagged, and what it wrote is removed (review 62: a file or a memfd of which one page
    stays mapped counts by its own blocks). An honest notebook graded by the same worker is
    not touched."""
    writers = {
        "writer": WRITER,
        "hider": HIDER,
        "orphan": ORPHAN,
        "mapper": MAPPER,
        "page_mapper": PAGE_MAPPER,
        "memfd_mapper": MEMFD_MAPPER,
        "own_table": OWN_TABLE,
        "leaderless": LEADERLESS,
    }
    for student, code in writers.items():
        nb = answer(release_copy(fixture_course))
        cell_by_id(nb, "answer_ic50").source += "\n" + code + "import time\ntime.sleep(5)\n"
        submit(fixture_course, student, nb)
    submit(fixture_course, "honest", answer(release_copy(fixture_course)))
    lowered = [("resistlab.course.grading.kernel", "MAX_SCRATCH_BYTES", 8 * 2**20)]
    rows = _grade_lowered(fixture_course, GradeOptions(jobs=1, timeout=20, quiet=True), lowered)
    assert rows["honest"].score == 5 and not rows["honest"].flags, rows["honest"]
    for student in writers:
        row = rows[student]
        assert row.score == 3 and row.failed == ["test_ic50"] and row.review, row
        found = [(f.code, f.detail) for f in row.flags]
        stopped = ("too_large", "answer_ic50: the kernel wrote more than 8 MiB to its folder")
        # the orphan's fork and exit are flagged by the scan and the audit besides
        extra = {
            "orphan": [("process_exit", "answer_ic50: os._exit()"), ("subprocess", "")],
            "leaderless": [("subprocess", "")],
        }
        # (review 57: libc's syscall looked up through ctypes, by the child 0.5 s after its
        # fork: review 67's watch kills every process of the sandbox, most often before)
        syscall = ("dynamic_code", "a system call by number through ctypes")
        if student == "leaderless" and syscall in found:
            found.remove(syscall)
        assert sorted(found) == sorted([stopped, *extra.get(student, [])]), (student, found)
    nb = nbformat.read(str(fixture_course / "autograded" / "writer" / NAME / f"{NAME}.ipynb"), 4)
    assert "DiskLimitError" in str(cell_by_id(nb, "answer_ic50").outputs)
    assert "Not run" in str(cell_by_id(nb, "test_ic50").outputs)


DESCRIPTORS = """
import os

_opened = []
try:
    for _ in range(1100):
        _opened.append(os.open("/dev/null", os.O_RDONLY))
except OSError:
    pass
for _fd in _opened:
    os.close(_fd)
ic50 = 3.0 if len(_opened) < 1020 else 1.0
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX sandbox")
def test_each_process_of_a_kernel_holds_at_most_1024_descriptors(fixture_course):
    """Review 63: 200 processes of a kernel, each allowed the grader's 20,000 descriptors,
    held about 1,000,000 epoll instances for 3 s (266 MB of kernel memory outside the cgroup)
    before the disk watch, which reads at most 100,000, stopped it. Each process is now held
    to 1,024 (Linux's usual soft limit): a kernel that opens 1,100 files gets ``ic50`` right
    only if the limit stopped it."""
    submit(fixture_course, "descriptors", answer(release_copy(fixture_course), ic50=DESCRIPTORS))
    options = GradeOptions(jobs=1, timeout=20, quiet=True, sandbox="require")
    (row,) = grade_assignment(Course(fixture_course), NAME, options).rows
    assert row.score == 5 and not row.flags, (row.score, [str(f) for f in row.flags])


def test_the_disk_watch_stops_the_kernel_and_removes_only_what_it_wrote(tmp_path):
    """The watch's own contract, on a stand-in kernel: past the limit the process is killed,
    ``why`` says so, and ``clean`` removes what was added, keeping what the folder held."""
    import subprocess
    import sys

    from resistlab.course.grading.kernel import _DiskWatch

    (tmp_path / "submitted.csv").write_text("dose,effect\n")
    (tmp_path / "config").mkdir()
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    watch = _DiskWatch(str(tmp_path), process, limit=2**20, entries=100, interval=0.05)
    try:
        (tmp_path / "config" / "new").write_bytes(b"x" * 2**20)
        (tmp_path / "big").write_bytes(b"x" * 2**20)
        assert process.wait(timeout=10) == -9
    finally:
        process.kill()
        watch.stop()
    assert watch.why == "wrote more than 1 MiB to its folder"
    watch.clean()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["config", "submitted.csv"]


def test_the_disk_watch_checks_while_the_worker_holds_pythons_lock(tmp_path):
    """Review 66 A#1: the checks ran in a thread of the worker, which decodes the kernel's
    messages; 12 MB of ``[[],[],...]`` took a call of 0.9 s with Python's global lock held,
    again and again, and no check ran meanwhile (3.1 GB on the disk under a 1 GiB bound).
    The checks run in a process of their own: a stand-in kernel past the bound is stopped
    while this process holds the lock for a second (a C loop that never lets it go)."""
    import subprocess
    import sys

    from resistlab.course.grading.kernel import _DiskWatch

    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    watch = _DiskWatch(str(tmp_path), process, limit=2**20, entries=100, interval=0.05)
    try:
        (tmp_path / "big").write_bytes(b"x" * 2**21)
        began = time.monotonic()
        sum(range(10**8))  # (about a second, with the lock held throughout)
        held = time.monotonic() - began
        stopped = process.poll()  # at once: no thread of this process could have run
        assert stopped == -9, f"the kernel was still running after {held:.2f} s"
    finally:
        process.kill()
        process.wait()
        watch.stop()
    assert watch.why == "wrote more than 1 MiB to its folder"
    # a watcher that something killed leaves a kernel unwatched: the kernel is stopped for it
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    watch = _DiskWatch(str(tmp_path), process, limit=2**30, entries=100, interval=0.05)
    try:
        os.kill(watch._child, 9)
        watch.stop()
    finally:
        process.kill()
        process.wait()
    assert watch.why == "could not be checked (its watcher was killed)"


def test_a_kernel_past_the_bound_is_stopped_with_every_process_below_it(tmp_path):
    """Review 67 A#1: the watch killed the kernel alone, and its other processes wrote on,
    3.7 GB under a 1 GiB bound, while the worker was held before it stopped them. Every
    process below the sandbox's first is killed with it: here a stand-in kernel's child."""
    import subprocess
    import sys

    from resistlab.course.grading.kernel import _DiskWatch

    child = tmp_path.parent / f"{tmp_path.name}.child"
    code = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen(['sleep', '60'])\nopen({str(child)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 30
    while not (child.exists() and child.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(child.read_text())
    watch = _DiskWatch(str(tmp_path), process, limit=2**20, entries=100, interval=0.05)
    try:
        (tmp_path / "big").write_bytes(b"x" * 2**21)
        assert process.wait(timeout=10) == -9
        while os.path.exists(f"/proc/{grandchild}"):  # killed, then reaped by init
            assert time.monotonic() < deadline + 30, "the kernel's child was left running"
            try:
                with open(f"/proc/{grandchild}/stat") as fh:
                    if fh.read().rpartition(")")[2].split()[0] in ("Z", "X"):
                        break
            except FileNotFoundError:  # (reaped meanwhile)
                break
            time.sleep(0.05)
    finally:
        process.kill()
        watch.stop()
        with contextlib.suppress(OSError):
            os.kill(grandchild, 9)
    assert watch.why == "wrote more than 1 MiB to its folder"


def test_what_a_dead_kernel_wrote_counts_against_the_next_one(tmp_path):
    """Review 16 #4: each kernel restarted in the same folder had a fresh allowance (four
    kernels held 3.6 GB under a 1 GiB bound). The next kernel's watch starts from the
    notebook's first baseline: 0.75 MiB left by the first stand-in kernel and 0.5 MiB written
    by the second are past 1 MiB, and ``clean`` removes both."""
    import subprocess
    import sys

    from resistlab.course.grading.kernel import _DiskWatch

    (tmp_path / "submitted.csv").write_text("dose,effect\n")
    first = subprocess.Popen([sys.executable, "-c", "pass"])
    watch = _DiskWatch(str(tmp_path), first, limit=2**20, entries=100, interval=0.05)
    (tmp_path / "left").write_bytes(b"x" * (3 * 2**18))
    first.wait(timeout=10)
    watch.stop()
    assert watch.why == ""
    second = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    watch = _DiskWatch(
        str(tmp_path), second, limit=2**20, entries=100, interval=0.05, baseline=watch.baseline
    )
    try:
        (tmp_path / "more").write_bytes(b"x" * 2**19)
        assert second.wait(timeout=10) == -9
    finally:
        second.kill()
        watch.stop()
    assert watch.why == "wrote more than 1 MiB to its folder"
    watch.clean()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["submitted.csv"]


def test_what_lies_below_a_path_longer_than_path_max_is_counted(tmp_path, monkeypatch):
    """Review 47 A#1: the watch walked whole paths, and below 17 folders of 250-character
    names (a path past PATH_MAX, 4,096 bytes) nothing could be opened: a kernel wrote
    1.3 GB and 30,000 files there unseen, unflagged. The walk goes through folder
    descriptors: 20 such levels and what they hold are counted; folders nested deeper than
    MAX_WATCHED_DEPTH (lowered to 10 here) stop the kernel."""
    from helpers import nest_folders

    from resistlab.course.grading import kernel

    fd = nest_folders(tmp_path, "d" * 250, 20)
    for i in range(30):
        out = os.open(f"f{i}", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
        os.write(out, b"x" * 2**16)
        os.close(out)
    os.close(fd)
    size, entries, unread = kernel._written(str(tmp_path), [], 1000)
    assert (entries, unread) == (50, "")
    assert size >= 30 * 2**16
    monkeypatch.setattr(kernel, "MAX_WATCHED_DEPTH", 10)
    assert kernel._written(str(tmp_path), [], 1000)[2] == (
        "nested folders more than 10 deep in its folder"
    )


def test_the_disk_watch_stops_a_kernel_that_holds_too_much_to_read(tmp_path, monkeypatch):
    """Review 11 #3: 100 processes holding 19,900 descriptors and 20,000 mappings each made
    one check take more than 15 s while the kernel wrote three times the bound. A check reads
    at most MAX_WATCHED_ITEMS descriptors and mapping lines (lowered here to 500): past it the
    kernel is stopped."""
    code = "import os, time\nfds = [os.open('.', os.O_RDONLY) for _ in range(600)]\ntime.sleep(60)"
    assert _watched_until_killed(code, tmp_path, monkeypatch) == (
        "held more than 500 descriptors and mappings"
    )


def test_descriptors_a_process_s_threads_share_are_read_once(tmp_path):
    """Review 57 A#1: the watch read a process's descriptors once for each of its threads
    (they share one table), so that 6,000 open files in a kernel of 15 threads were past its
    budget; review 58 A#2: listed once a thread, 241 threads sharing 19,900 descriptors had
    made one check last 64 s. 300 descriptors held by 12 threads (and ~300 mapping lines)
    fit a budget of 1,000: read once a thread, they were 3,600."""
    import subprocess
    import sys

    from resistlab.course.grading import kernel

    code = (
        "import os, sys, threading\nfds = [os.open('.', os.O_RDONLY) for _ in range(300)]\n"
        "for _ in range(11):\n    threading.Thread(target=sys.stdin.read, daemon=True).start()\n"
        "print(len(os.listdir('/proc/self/task')), flush=True)\nsys.stdin.read()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout.readline().strip() == b"12"
        assert kernel._written(str(tmp_path), [process.pid], 100, 1000)[2] == ""
        assert kernel._written(str(tmp_path), [process.pid], 100, 400)[2] != ""  # it can fail
    finally:
        process.kill()
        process.wait()


def _denied(task, seen, budget):
    """A descriptor table the grader may not read, as an unprivileged grader meets one."""
    raise PermissionError(13, "Permission denied", f"{task}/fd")


def test_processes_the_grader_may_not_inspect_stop_the_kernel(tmp_path, monkeypatch):
    """Review 59 A: a kernel that made itself not dumpable (under the grader's own uid) hid its
    descriptors and mappings, and 2.5 GB of removed files and memfds were counted as none.
    ``PR_SET_DUMPABLE`` is refused by the seccomp filter (test_sandbox.py); and a descriptor
    table the grader may not read is a reason to stop the kernel, not a thread that ended."""
    import subprocess
    import sys

    from resistlab.course.grading import kernel

    monkeypatch.setattr(kernel, "_removed_open", _denied)
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert kernel._written(str(tmp_path), [process.pid], 100)[2] == (
            "hid its descriptors and mappings from the grader"
        )
    finally:
        process.kill()
        process.wait()


MEASURE_OWN_MEMFD = """
import ctypes, json, os, sys
from resistlab.course.grading import kernel

libc = ctypes.CDLL(None)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, *[ctypes.c_int] * 3, ctypes.c_long]
fd = os.memfd_create("m")
os.write(fd, b"x" * 2**20)
assert libc.mmap(None, 4096, 3, 1, fd, 0) not in (None, 2**64 - 1)  # (Python's mmap keeps a
os.close(fd)  # descriptor of its own: the mapping alone must hold the file)
size, _, unread = kernel._written(sys.argv[1], [os.getpid()], 100)
print(json.dumps({"size": size, "unread": unread}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/map_files"), reason="Linux map_files")
def test_a_mapping_the_grader_may_not_measure_stops_the_kernel(tmp_path):
    """Review 62: a memfd kept by a one-page mapping, its descriptor closed, counts by its own
    blocks, read through ``/proc/PID/map_files``, which Linux shows only to a grader with
    ``CAP_SYS_ADMIN``. A grader without it cannot size the file and stops the kernel. Run as
    root without ``CAP_SYS_ADMIN`` and ``CAP_CHECKPOINT_RESTORE`` (what an unprivileged
    grader is), or as the unprivileged user itself; as root the same process is measured
    (the control)."""
    import json
    import shutil
    import subprocess
    import sys

    command = [sys.executable, "-c", MEASURE_OWN_MEMFD, str(tmp_path)]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is needed to drop CAP_SYS_ADMIN")
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"size": 2**20, "unread": ""}
        command = ["setpriv", "--bounding-set=-sys_admin,-checkpoint_restore", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unread"] == (
        "mapped a removed file whose size the grader cannot read"
    )


def test_processes_started_during_a_check_are_read_in_it(tmp_path):
    """Review 64 A#1: the processes were listed before the folder was walked, and a process
    holding removed files that forked as the walk began (the folder's access time told it),
    its parent exiting, was read by no check: 3 GB were held so under a 1 GiB bound. The
    processes are listed after the walk, and again until a listing shows none not yet read;
    a kernel whose processes keep appearing for MAX_LISTINGS listings is stopped."""
    import subprocess
    import sys

    from resistlab.course.grading import kernel

    hold = (
        "import os, sys\nf = open('held', 'wb')\nos.unlink('held')\n"
        "f.write(b'x' * 2**20)\nf.flush()\nprint('ready', flush=True)\nsys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline().strip() == b"ready"
        listings = iter([[os.getpid()], [os.getpid(), holder.pid]])  # born after the first
        size, _, unread = kernel._written(str(tmp_path), lambda: next(listings, []), 100)
        assert unread == "" and size >= 2**20
        assert kernel._written(str(tmp_path), [os.getpid()], 100)[:3:2] == (0, "")
    finally:
        holder.kill()
        holder.wait()
    born = iter(range(2**22 + 1, 2**22 + 1000))  # a new process id at every listing
    assert kernel._written(str(tmp_path), lambda: [next(born)], 100)[2] == (
        "kept starting processes while it was checked"
    )


def test_a_child_that_ended_holds_nothing_the_grader_must_read(tmp_path, monkeypatch):
    """Review 64 A#2: under an unprivileged grader, a kernel's child that had ended but was not
    yet waited for (``multiprocessing``) showed no descriptors to the grader (Linux gives a
    process without memory to root), which took it for a kernel hiding them and stopped an
    honest notebook. A process whose every thread has ended holds nothing; one alive that
    the grader may not read still stops the kernel (the refusal made here, as the
    unprivileged grader meets it)."""
    import subprocess
    import sys

    from resistlab.course.grading import kernel

    monkeypatch.setattr(kernel, "_removed_open", _denied)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 30
        while not kernel._ended(ended.pid):  # a zombie until waited for
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert os.path.exists(f"/proc/{ended.pid}")
        assert kernel._written(str(tmp_path), [ended.pid], 100)[2] == ""
        assert kernel._written(str(tmp_path), [alive.pid], 100)[2] == (
            "hid its descriptors and mappings from the grader"
        )
        assert not kernel._ended(alive.pid)
        # review 65 A#2: a thread that released its memory on the way out, not yet a zombie,
        # holds nothing either; Linux's kthreadd, a thread that never has memory, shows the
        # same status (where this machine's process 2 is it)
        status = Path("/proc/2/status").read_text() if os.path.exists("/proc/2/status") else ""
        if "kthreadd" in status:
            assert "VmSize" not in status and kernel._ended(2)
    finally:
        alive.kill()
        for process in (ended, alive):
            process.wait()


def test_a_check_that_takes_too_long_stops_the_kernel(tmp_path, monkeypatch):
    """Review 58 A#2: what a kernel writes between two checks is not seen, and a check that
    took 64 s had let 2.5 GB sit in the folder unseen for 40 s. A check longer than
    MAX_CHECK_SECONDS (lowered here to 0) stops the kernel."""
    from resistlab.course.grading import kernel

    monkeypatch.setattr(kernel, "MAX_CHECK_SECONDS", 0.0)
    assert _watched_until_killed("import time\ntime.sleep(60)", tmp_path, monkeypatch) == (
        "took more than 0 s to check"
    )


def test_long_mapping_lines_count_against_what_a_check_reads(tmp_path, monkeypatch):
    """Review 12 #6: paths of 3.8 KB mapped 1,500 times in each of 5 processes slowed the
    checks enough to write 1.49 GB under a 1 GiB bound. A mapping line costs one more for
    every MAPS_LINE_BYTES of it: 100 such mappings are more than a budget of 500 (lowered)."""
    code = (
        "import mmap, os, time\nd = os.path.join('.', *['d' * 240] * 16)\nos.makedirs(d)\n"
        "path = os.path.join(d, 'f')\nwith open(path, 'wb') as fh:\n    fh.write(b'x' * 4096)\n"
        "maps = []\nfor _ in range(100):\n    with open(path, 'rb') as fh:\n"
        "        maps.append(mmap.mmap(fh.fileno(), 4096, prot=mmap.PROT_READ))\n"
        "time.sleep(60)\n"
    )
    assert _watched_until_killed(code, tmp_path, monkeypatch) == (
        "held more than 500 descriptors and mappings"
    )


def _watched_until_killed(code, tmp_path, monkeypatch) -> str:
    """Run ``code`` in a process watched with a budget of 500 descriptors and mapping lines
    (lowered); it must be killed within 20 s. Returns why the watch stopped it."""
    import subprocess
    import sys

    from resistlab.course.grading import kernel

    monkeypatch.setattr(kernel, "MAX_WATCHED_ITEMS", 500)
    process = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path)
    watch = kernel._DiskWatch(str(tmp_path), process, limit=2**30, entries=100, interval=0.05)
    try:
        assert process.wait(timeout=20) == -9
    finally:
        process.kill()
        watch.stop()
    return watch.why


def test_a_dead_worker_charges_only_its_own_submission(tmp_path):
    """A submission whose worker dies (twice) is the only one reported as an error; the
    submissions queued with it are graded by the rebuilt pool."""
    run_dir = str(tmp_path)
    context = types.SimpleNamespace(run_dir=run_dir)
    students = ["a", "b", "killer", "c", "d", "e"]
    tasks = [SubmissionTask(s, "", "", hashlib.sha256(s.encode()).hexdigest()) for s in students]
    results = {}
    from course.grading.pool_helpers import die_or_grade

    _execute(
        tasks,
        2,
        context,
        lambda task, result: results.update({task.student: result}),
        run=die_or_grade,
    )
    assert sorted(results) == sorted(students)
    assert results["killer"].error
    assert [s for s, r in results.items() if r.error] == ["killer"]
    assert not list(Path(run_dir).glob(".running/*"))


def test_a_pool_broken_before_the_next_submission_is_handed_out_is_rebuilt(tmp_path):
    """Review 50 A#3: a worker killed between two hand-outs made the next ``submit`` raise
    ``BrokenProcessPool``, which ended the run (status 1, four submissions ungraded, the
    summary left as the previous run wrote it). The pool is rebuilt and every submission is
    graded, none charged."""
    from concurrent.futures.process import BrokenProcessPool

    from resistlab.course.grading.pool import start_pool

    run_dir = str(tmp_path)
    context = types.SimpleNamespace(run_dir=run_dir)
    broken = start_pool(1)
    with pytest.raises(BrokenProcessPool):
        broken.submit(os._exit, 1).result(timeout=60)
    students = ["a", "b", "c"]
    tasks = [SubmissionTask(s, "", "", hashlib.sha256(s.encode()).hexdigest()) for s in students]
    results = {}
    from course.grading.pool_helpers import die_or_grade

    _execute(
        tasks,
        2,
        context,
        lambda task, result: results.update({task.student: result}),
        executor=broken,
        run=die_or_grade,
    )
    assert sorted(results) == students
    assert [s for s, r in results.items() if r.error] == []


def test_a_worker_stuck_past_the_budget_is_stopped_and_scored_zero(tmp_path):
    """A submission whose grading never returns (deaf to signals, as one long C call in
    grader-side test code is) is stopped by the parent once its time budget and the grace
    have passed: scored 0 with a ``worker_stopped`` flag (for review: review 68 A#3, it had
    been an info ``timeout``, its time 0 s), not an error, never retried; the others (one
    graded beside it when its worker was killed) are graded by the rebuilt pool."""
    run_dir = str(tmp_path)
    context = types.SimpleNamespace(
        run_dir=run_dir,
        budget_seconds=2.0,
        overdue_grace=1.0,
        snapshot=types.SimpleNamespace(notebooks={"nb1": None, "nb2": None}),
    )
    students = ["a", "stuck", "b", "c"]
    tasks = [SubmissionTask(s, "", "", hashlib.sha256(s.encode()).hexdigest()) for s in students]
    results = {}
    from course.grading.pool_helpers import stuck_or_grade

    started = time.monotonic()
    _execute(
        tasks,
        2,
        context,
        lambda task, result: results.update({task.student: result}),
        run=stuck_or_grade,
    )
    assert time.monotonic() - started < 60, "the stuck worker was not stopped"
    assert sorted(results) == sorted(students)
    stuck = results["stuck"]
    assert stuck.error is None and sorted(stuck.zeroed) == ["nb1", "nb2"]
    assert [f.code for f in stuck.flags] == ["worker_stopped"], stuck.flags
    assert "budget" in stuck.flags[0].detail and stuck.seconds == 3.0, stuck
    assert all(not r.error and not r.zeroed for s, r in results.items() if s != "stuck")
    assert not list(Path(run_dir).glob(".running/*"))


DEEP = """
import os
fd = os.open('.', os.O_RDONLY)
for _ in range(1200):
    os.mkdir('d', dir_fd=fd)
    inner = os.open('d', os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = inner
"""


@pytest.mark.slow
def test_folders_a_kernel_nests_past_the_recursion_limit_keep_no_earlier_grade(fixture_course):
    """Review 9 #1: a 5/5 student resubmits a blank copy whose added cell nests 1,200 folders
    in its scratch folder: removing them was a RecursionError, the submission an ERROR (so the
    5 stayed) and the run stopped without a summary. Now it is graded 0 and the run ends."""
    options = GradeOptions(jobs=1, timeout=20, quiet=True)
    quiet = lambda *a: None  # noqa: E731
    submit(fixture_course, "deep", answer(release_copy(fixture_course)))
    run = grade_assignment(Course(fixture_course), NAME, options, log=quiet)
    assert [r.score for r in run.rows] == [5.0]
    submit(fixture_course, "deep", _added(release_copy(fixture_course), [DEEP]))
    run = grade_assignment(Course(fixture_course), NAME, options, log=quiet)
    (row,) = run.rows
    assert row.status == "graded" and row.score == 0.0, row
    assert run.csv_path.is_file() and run.errors == 0


def _widget_cell(value_source: str, count: int = 1) -> str:
    """An added cell that opens ``count`` widget comms whose state's value is
    ``value_source`` (packed as JSON in the kernel, escapes kept, as a raw message can be)."""
    return (
        "import json\nk = get_ipython().kernel\n"
        f"for i in range({count}):\n"
        "    state = {'_model_module': '@jupyter-widgets/controls', '_model_name': 'TextModel', "
        f"'_model_module_version': '2.0.0', 'value': {value_source}}}\n"
        "    content = {'comm_id': f'w{i}', 'target_name': 'jupyter.widget', 'data': {"
        "'state': state, 'buffer_paths': []}}\n"
        "    k.session.send(k.iopub_socket, 'comm_open', json.dumps(content).encode(), "
        "parent=k.get_parent())\n"
    )


@pytest.mark.slow
def test_widget_state_is_capped_and_an_unwritable_one_keeps_no_grade(fixture_course):
    """Review 10 #1 and #2: widget state (written into the notebook's metadata) was not
    counted: three 15 MB states made a 45 MB notebook; and a lone surrogate in one made the
    notebook unwritable, the submission an ERROR that kept an earlier 5/5. Now state past the
    cap, or unwritable, is not kept (``output_truncated``)."""
    options = GradeOptions(jobs=1, timeout=20, quiet=True)
    quiet = lambda *a: None  # noqa: E731
    submit(fixture_course, "surrogate", answer(release_copy(fixture_course)))
    run = grade_assignment(Course(fixture_course), NAME, options, log=quiet)
    assert [r.score for r in run.rows] == [5.0]
    cell = _widget_cell("'\\ud800'")
    submit(fixture_course, "surrogate", _added(release_copy(fixture_course), [cell]))
    flood = _widget_cell("'w' * 15_000_000", count=3)
    submit(fixture_course, "flood", _added(answer(release_copy(fixture_course)), [flood]))
    run = grade_assignment(Course(fixture_course), NAME, options, log=quiet)
    rows = {r.student: r for r in run.rows}
    assert run.errors == 0, rows
    assert rows["surrogate"].status == "graded" and rows["surrogate"].score == 0, rows
    assert rows["flood"].score == 5 and "output_truncated" in {f.code for f in rows["flood"].flags}
    size = (fixture_course / "autograded" / "flood" / NAME / f"{NAME}.ipynb").stat().st_size
    assert size < 33 * 2**20, f"autograded notebook of {size / 2**20:.0f} MiB"


_KERNEL = (
    "import sys, time\nk = sys.modules['ipykernel.kernelapp'].IPKernelApp.instance().kernel\n"
)
#: Review 9 #4 and review 10 #4-#6, scaled to a worker bound of 256 MiB: every message (and
#: every part) under the 257 MiB a part may have, together far over the bound.
HOARDERS = {
    # one message of eight 64 MiB parts (ZeroMQ delivers a message whole)
    "parts": _KERNEL + "buf = memoryview(bytearray(64 * 2**20))\n"
    "k.session.send(k.iopub_socket, 'display_data', {'data': {'text/plain': 'p'}, "
    "'metadata': {}, 'transient': {}}, parent=k.get_parent('shell'), buffers=[buf] * 8)\n"
    "time.sleep(3)\n",
    # eight messages on the stdin channel, which the grader never reads
    "unread": _KERNEL + "buf = memoryview(bytearray(64 * 2**20))\n"
    "for _ in range(8):\n"
    "    k.session.send(k.stdin_socket, 'input_request', {'prompt': '', 'password': False},\n"
    "                   parent=k.get_parent('shell'), ident=k._parent_ident['shell'],\n"
    "                   buffers=[buf])\n"
    "time.sleep(3)\n",
    # eight messages of one 64 MiB part each, back to back
    "queue": _KERNEL + "buf = memoryview(bytearray(64 * 2**20))\n"
    "for _ in range(8):\n"
    "    k.session.send(k.iopub_socket, 'display_data', {'data': {'text/plain': 'q'}, "
    "'metadata': {}, 'transient': {}}, parent=k.get_parent('shell'), buffers=[buf])\n"
    "time.sleep(3)\n",
    # 15 MB of JSON: five million empty lists, each a Python list once decoded
    "lists": _KERNEL + "content = b'{\"data\": {\"application/json\": [' + b'[],' * 5_000_000"
    ' + b\'[]]}, "metadata": {}, "transient": {}}\'\n'
    "k.session.send(k.iopub_socket, 'display_data', content, parent=k.get_parent('shell'))\n"
    "time.sleep(3)\n",
}


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux address space")
def test_what_a_kernel_makes_the_grader_hold_is_bounded(fixture_course, tmp_path):
    """Reviews 9 and 10: what a kernel sends is held by the worker before it can be counted
    (2.6 GB for one message of fourteen parts, 3.2 GB for messages on the stdin channel,
    2.4 GB to decode 86 MiB of JSON). With the worker's bound lowered to 256 MiB, each of
    those, scaled to 512 MiB, costs at most its own added cell; the answers keep their 5
    points, an honest notebook in the same worker is untouched, and the worker's peak stays
    under 600 MiB. With the bound at its default (2 GiB) the same run peaks above it."""
    for student, code in HOARDERS.items():
        submit(fixture_course, student, _added(answer(release_copy(fixture_course)), [code]))
    submit(fixture_course, "honest", answer(release_copy(fixture_course)))
    options = GradeOptions(jobs=1, timeout=20, quiet=True)
    lowered = [("resistlab.course.grading.kernel", "EXECUTE_MEMORY_BYTES", 256 * 2**20)]
    rows = _grade_lowered(fixture_course, options, lowered, tmp_path / "bounded")
    peaks = {}
    for name in ("bounded", "default"):
        if name == "default":
            options.force = True
            _grade_lowered(fixture_course, options, [], tmp_path / name)
        peaks[name] = int((tmp_path / name).read_text().split()[-1])
    print({k: v // 2**20 for k, v in peaks.items()}, {s: r.flags for s, r in rows.items()})
    assert {s: r.score for s, r in rows.items()} == dict.fromkeys([*HOARDERS, "honest"], 5)
    assert not rows["honest"].flags, rows["honest"]
    # (each reaches the kernel through sys.modules['ipykernel.kernelapp']: hook_override)
    run_time = {
        s: [(f.code, f.detail) for f in r.flags if f.code != "hook_override"]
        for s, r in rows.items()
    }
    assert "hook_override" in {f.code for f in rows["parts"].flags}
    assert run_time["parts"] == [
        ("unresponsive_kernel", "cell 8")
    ]  # ZeroMQ dropped the message it could not hold, and its connection
    assert run_time["lists"] == [
        ("memory_error", "cell 8"),
        ("too_large", "cell 8: the kernel's messages"),
    ]
    assert peaks["bounded"] < 600 * 2**20 < peaks["default"], peaks


AUDIT_PIPES = r"""
import collections, fcntl, os
_links = {fd: os.readlink(f"/proc/self/fd/{fd}") for fd in range(3, 1024)
          if os.path.lexists(f"/proc/self/fd/{fd}")}
_every = collections.Counter(_links.values())
# the audit pipe: write-only, and its reading end is not in this process (the launcher's);
# or the template's audit socket, moved to the highest number under 1024
_audit = [fd for fd, link in _links.items() if link.startswith("pipe:") and _every[link] == 1
          and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY]
if not _audit and _links and _links[max(_links)].startswith("socket:"):
    _audit = [max(_links)]
"""
CLOSE_AUDIT = (
    AUDIT_PIPES
    + r"""
_refused = []
for fd in _audit:
    _spare = os.pipe()[1]
    for attempt in (lambda: os.dup2(_spare, fd), lambda: os.close(fd)):
        try:
            attempt()
        except PermissionError:
            _refused.append(fd)
print("refused", len(_audit), len(_refused))
try:
    open("/forbidden-secret-of-the-test")
except OSError:
    pass
"""
)
FLOOD_AUDIT = (
    AUDIT_PIPES
    + r"""
for fd in _audit:
    os.write(fd, b"\n" * (2 << 20))  # past the 1 MiB the worker keeps
"""
)


FORGE_STATUS = (
    AUDIT_PIPES
    + r"""
_forged = {"applied": [], "missing": {"bwrap": "grade with --sandbox off"}, "landlock_abi": 0}
for fd in _audit:
    os.write(fd, (json.dumps({"status": _forged}) + "\n").encode())
"""
)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX sandbox")
@pytest.mark.parametrize("mode", ["require", "auto"])
def test_a_kernel_cannot_forge_the_sandboxs_report(fixture_course, mode):
    """Round 44 B #1: a line in the sandbox's status format, written by a student's code to
    its audit pipe, was taken as the machine's own report. Under ``--sandbox require`` the
    submission became an ``ERROR`` on every run (its earlier grade kept) with a diagnosis of
    the student's choosing; under ``auto`` it put a false ``sandbox_degraded`` flag on it.
    The status is read only from what the launcher wrote before the kernel ran: the forged
    line is the kernel tampering with its audit (``hook_override``), and the notebook is
    graded."""
    nb = answer(release_copy(fixture_course))
    cell_by_id(nb, "answer_ic50").source += "\nimport json\n" + FORGE_STATUS
    submit(fixture_course, "forger", nb)
    submit(fixture_course, "honest", answer(release_copy(fixture_course)))
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, sandbox=mode, quiet=True),
        log=lambda *a: None,
    )
    rows = {r.student: r for r in run.rows}
    if any(f.code == "sandbox_degraded" for f in rows["honest"].flags):
        pytest.skip("this machine cannot apply every sandbox layer")
    assert rows["honest"].score == 5 and not rows["honest"].flags, rows["honest"].flags
    forger = rows["forger"]
    assert forger.status == "graded" and forger.score == 5, forger
    flags = [str(f) for f in forger.flags]
    assert "hook_override(audit log tampered with)" in flags, flags
    assert not any(f.startswith("sandbox_degraded") for f in flags), flags
    assert not any("--sandbox off" in f for f in flags), flags


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX sandbox")
def test_a_kernel_cannot_silence_its_audit_pipe(fixture_course):
    """Review 16 #2 and review 17 #1, #2: a kernel that closed its audit pipe, or pointed it
    at a file or at a pipe of its own (a relaying thread that dropped some lines) and
    restored it, left its later file accesses, processes and calls of forbidden functions
    unrecorded. The seccomp filter refuses ``close`` and ``dup2`` on the audit descriptor,
    so the access after the attempts is recorded. A kernel that floods the pipe past what
    the worker keeps loses the line the grader asks for at the notebook's end (the audit
    check): ``hook_override``. An honest kernel's line is found (and is no flag of its
    own)."""
    for student, code in (("closer", CLOSE_AUDIT), ("flooder", FLOOD_AUDIT)):
        nb = answer(release_copy(fixture_course))
        cell_by_id(nb, "answer_ic50").source += code
        submit(fixture_course, student, nb)
    submit(fixture_course, "honest", answer(release_copy(fixture_course)))
    run = grade_assignment(
        Course(fixture_course), NAME, GradeOptions(jobs=2, quiet=True), log=lambda *a: None
    )
    rows = {r.student: r for r in run.rows}
    assert rows["honest"].score == 5 and not rows["honest"].flags, rows["honest"].flags
    closer = rows["closer"]
    assert closer.score == 5, closer
    flags = [str(f) for f in closer.flags]
    assert any("forbidden-secret" in f for f in flags), flags  # recorded after the attempts
    assert not any(f.startswith("hook_override") for f in flags), flags
    nb = nbformat.read(str(fixture_course / "autograded" / "closer" / NAME / f"{NAME}.ipynb"), 4)
    assert "refused 1 2" in str(cell_by_id(nb, "answer_ic50").outputs)  # found, and refused
    flooder = [str(f) for f in rows["flooder"].flags]
    assert "hook_override(the kernel closed or replaced its audit pipe)" in flooder, flooder


#: Two removed files with the same inode number on two file systems (each a fresh tmpfs, whose
#: first file is inode 2), the small one at the lower descriptor: what the disk watch counts.
SAME_INODE = """
import os, sys
from resistlab.course.grading.kernel import _removed_open

first, second = sys.argv[1:3]
small = os.open(f"{first}/small", os.O_RDWR | os.O_CREAT, 0o600)
big = os.open(f"{second}/big", os.O_RDWR | os.O_CREAT, 0o600)
os.write(small, b"x")
os.write(big, b"x" * (4 << 20))
os.unlink(f"{first}/small")
os.unlink(f"{second}/big")
assert os.fstat(small).st_ino == os.fstat(big).st_ino != 0, "not the same inode number"
print(_removed_open(f"/proc/self/task/{os.getpid()}", set(), [10_000]))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="Linux /proc")
def test_removed_files_are_told_apart_by_device_and_inode(tmp_path):
    """Review 60 A#1: the disk watch counted a removed file once by its inode number alone; a
    memfd given the number of a removed scratch file, at a lower descriptor, made the watch
    skip the file (1.9 GB past a 1 GiB bound, no flag). Two files of two file systems may
    share a number: both are counted."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a private mount namespace")
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    script = (
        f"mount -t tmpfs tmpfs {first} && mount -t tmpfs tmpfs {second} && "
        f'exec {sys.executable} -c "$0" {first} {second}'
    )
    done = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", script, SAME_INODE],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout) >= 4 << 20, done.stdout


def test_a_check_that_fails_stops_the_kernel():
    """Review 61 A#2: where the watch's own allocation failed, its thread ended and the
    kernel wrote on unwatched. Any exception of a check now stops the kernel and says so:
    here a folder name no system call takes (a NUL byte) makes every check raise."""
    import subprocess

    from resistlab.course.grading.kernel import _DiskWatch

    process = subprocess.Popen(["sleep", "60"])
    watch = _DiskWatch("/tmp/no\0where", process, 2**20, 100, 0.05, baseline=(0, frozenset()))
    try:
        assert process.wait(timeout=30) == -9
    finally:
        process.kill()
        watch.stop()
    assert watch.why == "could not be checked (ValueError)"


def test_a_deep_tree_of_long_names_costs_a_check_little_memory(tmp_path):
    """Review 61 A#1-#2: 99 nested folders of long names holding 9,800 empty files (under the
    bound on entries) made each check of the disk watch build every file's whole path, 1 GB
    in the grader and 0.9 s a check; with the kernel's messages the watch's own allocation
    failed and it stopped watching, unseen. A check numbers the entries it counts (and a
    check that fails stops the kernel): here 2,000 files 60 folders of 250 characters down."""
    import tracemalloc

    from resistlab.course.grading.kernel import _written

    name = "n" * 250
    fds = [os.open(tmp_path, os.O_RDONLY)]
    for _ in range(60):  # past PATH_MAX: made through folder descriptors
        os.mkdir(name, dir_fd=fds[-1])
        fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
    for k in range(2000):
        os.close(os.open(f"{k:04d}" + "f" * 200, os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=fds[-1]))
    for fd in fds:
        os.close(fd)
    tracemalloc.start()
    try:
        _size, entries, unread = _written(str(tmp_path), [], 10_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (entries, unread) == (2060, ""), (entries, unread)
    assert peak < 8 << 20, f"{peak / 2**20:.0f} MiB for one check"
