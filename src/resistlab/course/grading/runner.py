"""``resistlab grade``: grade every submission of an assignment in parallel, resumably.

Processes
---------
The parent process owns the gradebook. It reads the instructor's cells once into a
:class:`~resistlab.course.grading.snapshot.AssignmentSnapshot`, hands one submission at a time to a
pool of N worker processes (``spawn``ed, so none inherits a database connection), and, as
each result comes back, writes the autograded notebook, scores it into the gradebook in one
transaction and records it in the ledger. Workers execute and inspect; they never open the
gradebook. Each worker runs one kernel at a time, in its own sandbox.

What is new
-----------
The ledger (``grading/ASSIGNMENT/ledger.json`` in the course root) records, per student, the
SHA-256 of the submission folder's content, the fingerprint of the graded material (the
instructor's cells in the gradebook) and the settings it was graded under (``_Run._settings``).
A submission is graded again only when its content changed, the assignment was re-released
with different tests, a setting changed, its autograded notebooks or gradebook entry are
missing, or ``force=True``. The ledger is written after the gradebook
commit, atomically: an interrupted run loses at most the submissions that were executing.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import secrets
import stat
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from resistlab.course import Course, CourseError

try:
    import fcntl
except ImportError:  # Windows: runs hold no lock, and none is swept
    fcntl = None

from .flags import Flag
from .gradebook import NBGRADER_FILES, GradeRow, record_submission, write_autograded
from .kernel import remove_tree
from .pool import start_pool
from .report import Progress, safe, summary_table, warn, write_csv
from .sandbox import build_policy, bwrap_path, probe, subordinate_ids
from .snapshot import read_snapshot
from .worker import (
    MAX_FILE_BYTES,
    MAX_FILES_BYTES,
    MAX_NOTEBOOK_BYTES,
    GradingContext,
    SubmissionResult,
    SubmissionTask,
    grade_submission,
    kernel_files,
    list_files,
    prepare,
    unreadable_folder,
)

__all__ = [
    "GradeOptions",
    "GradeRun",
    "grade_assignment",
    "load_course_config",
    "submission_digest",
]


@dataclass
class GradeOptions:
    """Options of ``resistlab grade`` (see ``resistlab grade --help``)."""

    jobs: int | None = None
    students: list[str] | None = None
    force: bool = False
    timeout: int | None = None
    sandbox: str = "auto"
    memory_mb: int | None = 4096
    mark_review: bool = True
    csv_path: Path | None = None
    zip_collect: bool = False
    keep_scratch: bool = False
    quiet: bool = False
    warm_kernels: bool = True
    budget_seconds: float | None = None  # per submission (default: every cell at its limit)
    processes: int = 256  # processes and threads of one sandbox, together
    cgroups: bool = True  # False: the documented fallback (rlimits) even where a cgroup works


@dataclass
class GradeRun:
    """The outcome of one ``grade`` run."""

    rows: list[GradeRow]
    csv_path: Path | None
    graded: int = 0
    skipped: int = 0
    errors: int = 0
    sandbox_missing: dict = field(default_factory=dict)
    seconds: float = 0.0
    forked_kernels: int = 0  # kernels forked from a warm template (the others started cold)
    kernel_notes: list[str] = field(default_factory=list)  # why a template was not used


def load_course_config(root: Path):
    """Load the course's ``nbgrader_config.py`` as a traitlets ``Config``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    path = root / "nbgrader_config.py"
    if not path.is_file():
        return Config()
    return PyFileConfigLoader(path.name, path=str(root)).load_config()


def submission_digest(folder: Path, ignore, notebooks=()) -> str:
    """SHA-256 of a submission folder: the files grading opens by name (the ``notebooks``'
    file names, ``timestamp.txt``, ``submission_secret.txt``), each up to its own bound, then
    every other listed file (names, sizes and bytes), in a stable order. Of the other files
    at most :data:`~.worker.MAX_FILES_BYTES` are read: past them a file counts by its size
    and time (review 59: 990 sparse files of 64 MiB, 72 KB on disk, had cost every run
    155 s to read whole). Review 62: the named files had counted only where the listing (at
    most 1,000 entries) reached them, and within the shared budget: a resubmitted notebook
    behind 3,000 empty files, or behind five sparse files, was "unchanged" and never graded."""
    digest = hashlib.sha256()
    unreadable = unreadable_folder(folder)
    if unreadable:  # never followed nor opened (it is scored 0)
        digest.update(b"unreadable-folder:" + unreadable.encode("utf-8", "surrogateescape"))
        return digest.hexdigest()
    notebooks = set(notebooks)
    named = sorted(notebooks | set(NBGRADER_FILES))
    for rel in named:  # opened by name whatever the listing holds
        digest.update(b"named:" + rel.encode("utf-8", "surrogateescape") + b"\0")
        _digest_file(digest, os.path.join(folder, rel), MAX_NOTEBOOK_BYTES, MAX_NOTEBOOK_BYTES)
    files, short = list_files(folder, list(ignore))
    digest.update(short.encode())  # what lies past the listing's bounds is never read
    # the other files grading copies to the kernel, read in the same order within the same
    # budget (review 63: files never copied, a stray notebook or a configuration folder, had
    # used the budget, and a copied file past it counted by its size and time); the files
    # never copied count by their size and time (review 64: a folder named as one of the
    # files nbgrader writes is copied, and its files had counted by their size and time)
    copied = set(kernel_files(files, notebooks))
    budget = MAX_FILES_BYTES
    for rel in files:
        if rel in named:
            continue
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        room = budget if rel in copied else 0
        budget -= _digest_file(digest, os.path.join(folder, rel), room, MAX_FILE_BYTES)
    return digest.hexdigest()


def _digest_file(digest, path: str, budget: int, most: int) -> int:
    """Add what grading would read of ``path`` to ``digest``: a file of at most ``most`` bytes
    that fits in ``budget`` whole, anything else by its kind, size and time (a link never
    followed, a FIFO never opened). Returns the bytes read."""
    try:
        info = os.lstat(path)
    except OSError as err:  # absent, or a path too long to name: never read by grading either
        digest.update(f"unreadable:{err.errno}\0".encode())
        return 0
    read = 0
    if stat.S_ISLNK(info.st_mode):  # never followed (a link to /dev/zero never ends)
        digest.update(b"link:" + os.fsencode(os.readlink(path)))
    elif not stat.S_ISREG(info.st_mode):  # a FIFO would block: never opened
        digest.update(f"special:{stat.S_IFMT(info.st_mode)}".encode())
    elif info.st_size > most:  # never read by grading
        digest.update(f"large:{info.st_size}:{info.st_mtime_ns}".encode())
    elif info.st_size > budget:  # past what grading reads of a submission's files
        digest.update(f"past:{info.st_size}:{info.st_mtime_ns}".encode())
    else:
        read = info.st_size
        digest.update(f"file:{info.st_size}:".encode())
        try:
            with open(path, "rb", opener=_opener_nofollow) as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except OSError as err:  # a file the grader may not read (its modes, as sent)
            digest.update(f"unreadable:{err.errno}:{info.st_mtime_ns}".encode())
    digest.update(b"\0")
    return read


def _canonical(value):
    """A configuration value as plain JSON data, the same on every run and changed by what
    changes a grade (review 65: lists built with ``.append``, paths and sets had counted by
    their type alone, a plugin by its name alone, and keys of mixed types had stopped the
    run): a class or function by its name and its module file's digest, never by ``repr``
    (an address that changes every run)."""
    from traitlets.config.loader import LazyConfigValue

    if isinstance(value, LazyConfigValue):
        value = value.to_dict()
    if isinstance(value, dict):
        items = [[_canonical(k), _canonical(v)] for k, v in value.items()]
        return sorted(items, key=lambda item: json.dumps(item))
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=json.dumps)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    named = value if hasattr(value, "__qualname__") else type(value)
    module = sys.modules.get(getattr(named, "__module__", None) or "")
    file = getattr(module, "__file__", None)
    return f"{named.__module__}.{named.__qualname__} {_file_digest(file) if file else ''}"


def _file_digest(path) -> str:
    """The first 16 hex digits of ``path``'s SHA-256 (``"none"`` if it cannot be read)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return "none"


def _assignment_files(folder: Path, ignore) -> str:
    """A digest of the instructor's files of an assignment that grading copies to every
    kernel (all but the notebooks: review 65, a data file changed and released again had
    kept the grades made with the old one), within the bounds of a submission's files."""
    digest = hashlib.sha256()
    if folder.is_dir():
        files, short = list_files(folder, [*ignore, "*.ipynb"])
        digest.update(short.encode())
        budget = MAX_FILES_BYTES
        for rel in files:
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            budget -= _digest_file(digest, os.path.join(folder, rel), budget, MAX_FILE_BYTES)
    return digest.hexdigest()[:16]


def _package_digest() -> str:
    """SHA-256 of the installed package's files (its code and its data), which grade: every
    build says the same version; and of the datasets folder where it lies outside the
    package (review 65: an editable install reads the repository's ``data/``)."""
    import resistlab
    from resistlab.datasets import data_dir

    digest = hashlib.sha256()
    package = Path(resistlab.__file__).parent
    roots = [package] + [d for d in (Path(data_dir()),) if package not in d.parents]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _opener_nofollow(path, flags):
    return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK)


def _zip_collect_skipped(record: Path, root: Path, kept: Path | None = None) -> str:
    r"""The archives and files the zip collector skipped, from the plugins' ``skip_record``
    (:mod:`~resistlab.course.grading.zipcollect`): one line for each upload (a file of the
    archive folder, with what was extracted from it), its first skip, and how many more it
    had; paths shown from the course root, every character that is not printable escaped
    (review 66: read from nbgrader's log, a file name holding a line break had forged 60
    skips and hidden a real one). Every skip is written to ``kept`` (review 67: the first 50
    lines had been shown, and one upload of 300 small archives had pushed another student's
    damaged upload out of them).

    Examples
    --------
    >>> import json, tempfile
    >>> record = Path(tempfile.mkdtemp()) / "skipped.jsonl"
    >>> forged = "b.zip\nNot extracted: /c/x.zip: forged"
    >>> skips = [("archive/b.zip", "a bomb")] + [(f"extracted/b/{k}.zip", "empty") for k in "xy"]
    >>> _ = record.write_text("".join(json.dumps(
    ...     {"verb": "extracted", "path": f"/c/downloaded/a/{p}", "why": w}) + "\n"
    ...     for p, w in [*skips, ("archive/" + forged, "a bomb")]))
    >>> print(_zip_collect_skipped(record, Path("/c")))
    not extracted: downloaded/a/archive/b.zip: a bomb (and 2 more from this upload)
    not extracted: downloaded/a/archive/b.zip\nNot extracted: /c/x.zip: forged: a bomb
    """
    lines, uploads = [], {}
    with contextlib.suppress(FileNotFoundError):
        with open(record, encoding="utf-8", errors="surrogateescape") as fh:
            for line in fh:
                entry = json.loads(line)
                path = entry["path"].removeprefix(f"{root}/")
                lines.append(f"not {entry['verb']}: {safe(path)}: {safe(entry['why'])}")
                # the upload: the first name below the archive or extraction folder
                parts = path.split("/")
                top = parts[3] if len(parts) > 3 and parts[0] == "downloaded" else path
                for ending in (".tar.gz", ".tgz", ".zip", ".gz"):
                    top = top.removesuffix(ending)
                uploads.setdefault(top, []).append(lines[-1])
    if kept is not None and lines:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
    elif kept is not None:  # (an earlier run's list)
        kept.unlink(missing_ok=True)
    return "\n".join(
        skips[0] + (f" (and {len(skips) - 1} more from this upload)" if len(skips) > 1 else "")
        for skips in uploads.values()
    )


def drop_special_bits(folder: Path) -> list[str]:
    """Clear the setuid, setgid and sticky bits of everything under ``folder`` (an archive
    extracted as root keeps them); returns the paths changed."""
    import stat

    changed = []
    special = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX
    stack = [str(folder)]  # iterative: a nest of any depth is no RecursionError
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISLNK(info.st_mode):
                        continue
                    if info.st_mode & special:
                        os.chmod(entry.path, stat.S_IMODE(info.st_mode) & ~special)
                        changed.append(entry.path)
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(entry.path)
        except OSError:  # a path too long to name, a folder that vanished: nothing to clear
            continue
    return changed


# --- the ledger ------------------------------------------------------------------------------


class Ledger:
    """Per-assignment record of what was graded (JSON, written atomically).

    Each change is written at once, under a lock on a file beside the ledger, to the ledger as
    it is on disk then: two runs of one assignment at once keep each other's records (review
    61: the run that finished last had written its own copy whole)."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = self._read()

    def _read(self) -> dict[str, dict]:
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8")).get("students", {})
        except (OSError, ValueError, AttributeError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, student: str) -> dict | None:
        return self.entries.get(student)

    def put(self, student: str, entry: dict) -> None:
        self._save(student, entry)

    def drop(self, student: str) -> None:
        """Forget ``student`` (written at once): their earlier files are about to be replaced,
        and a run stopped before the new ones are recorded must not find them unchanged."""
        if student in self.entries:
            self._save(student, None)

    def _save(self, student: str, entry: dict | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(
            self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600
        )
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self._read()
            if entry is None:
                entries.pop(student, None)
            else:
                entries[student] = entry
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(
                json.dumps({"students": entries}, indent=1, sort_keys=True), encoding="utf-8"
            )
            os.replace(tmp, self.path)
            self.entries = entries
        finally:
            os.close(lock)


# --- preparing a run ---------------------------------------------------------------------------

_KERNEL_INFO = r"""
import importlib.util, json, sys
info = {"paths": [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
        + [p for p in sys.path if p], "bin": "", "mpl": None, "resistlab": ""}
import os
info["bin"] = os.path.dirname(sys.executable)
try:
    import matplotlib, matplotlib.font_manager
    info["mpl"] = matplotlib.get_cachedir()
except Exception:
    pass
spec = importlib.util.find_spec("resistlab")
if spec and spec.submodule_search_locations:
    info["resistlab"] = os.path.realpath(list(spec.submodule_search_locations)[0])
try:
    from resistlab.datasets import data_dir
    info["data"] = str(data_dir())
except Exception:
    info["data"] = None
print(json.dumps(info))
"""


def _kernel_python(kernel_name: str) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
    except Exception:
        return sys.executable
    first = argv[0] if argv else "python"
    return sys.executable if first in ("python", "python3", "python3.11") or not first else first


def _in_background(function, *args) -> Future:
    """Run ``function(*args)`` in a daemon thread; return a future of its result."""
    future: Future = Future()

    def run():
        try:
            future.set_result(function(*args))
        except BaseException as err:  # handed to whoever asks for the result
            future.set_exception(err)

    threading.Thread(target=run, daemon=True).start()
    return future


def _kernel_info(python: str) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [python, "-c", _KERNEL_INFO], capture_output=True, text=True, cwd="/", env=env, timeout=120
    )
    if proc.returncode != 0:
        raise CourseError(f"cannot start the kernel's Python ({python}): {proc.stderr[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ensure_released(course: Course, assignment, coursedir, log) -> None:
    release = course.release_path(assignment)
    db = (
        Path(coursedir.db_url.replace("sqlite:///", ""))
        if coursedir.db_url.startswith("sqlite:///")
        else None
    )
    known = False
    if release.is_file() and (db is None or db.is_file()):
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            try:
                known = bool(gb.find_assignment(assignment.name).notebooks)
            except MissingEntry:
                known = False
    if not known:
        log(f"{assignment.name} is not in the gradebook yet: releasing it first.")
        course.release([assignment.name], log=log)


def _submissions(coursedir, name: str, students) -> dict[str, Path]:
    import glob

    pattern = coursedir.format_path(coursedir.submitted_directory, "*", name)
    found = {}
    for folder in sorted(glob.glob(pattern)):
        path = Path(folder)
        if not path.parent.name.startswith("."):
            found[path.parent.name] = path  # not a folder (a file, a FIFO): scored 0, flagged
    top = Path(coursedir.format_path(coursedir.submitted_directory, ".", ".")).resolve()
    odd = sorted(
        p.name
        for p in (top.iterdir() if top.is_dir() else [])
        if not p.name.startswith(".") and not p.is_dir()
    )
    if odd:  # no submission can be read there: the instructor must hear of it
        warn(f"not students' folders, nothing read: {', '.join(odd)} (in {top})")
    if students:
        unknown = [s for s in students if s not in found]
        if unknown:
            raise CourseError(
                f"no submission of {name} by {', '.join(unknown)} in "
                f"{coursedir.submitted_directory}/ (students with one: "
                f"{', '.join(found) or 'none'})."
            )
        found = {s: found[s] for s in students}
    return found


# --- the pool --------------------------------------------------------------------------------


def _run_task(task: SubmissionTask, context: GradingContext) -> SubmissionResult:
    return grade_submission(task, context)


def _tracked(run, task: SubmissionTask, context: GradingContext):
    """Run ``run(task, context)`` in a worker, leaving a marker while it runs: when a worker
    dies, the marker names the one submission it was grading."""
    marker = Path(context.run_dir) / ".running" / hashlib.sha256(task.student.encode()).hexdigest()
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(f"{os.getpid()}\n{task.student}", encoding="utf-8")
    try:
        return run(task, context)
    finally:
        marker.unlink(missing_ok=True)


def _markers(context: GradingContext) -> list[tuple[Path, int, str, float]]:
    """The submissions being graded: (marker, worker pid, student, seconds since it started)."""
    folder = Path(context.run_dir) / ".running"
    found = []
    for marker in folder.glob("*") if folder.is_dir() else []:
        try:
            pid, student = marker.read_text(encoding="utf-8").split("\n", 1)
            age = time.time() - marker.stat().st_mtime
        except (OSError, ValueError):
            continue
        found.append((marker, int(pid), student, age))
    return found


def _running(context: GradingContext) -> set[str]:
    names = set()
    for marker, _pid, student, _age in _markers(context):
        names.add(student)
        marker.unlink(missing_ok=True)
    return names


def _stop_overdue(executor, context, overdue: set[str]) -> None:
    """Kill every worker whose submission has run past its budget plus the context's
    ``overdue_grace``; record the student in ``overdue``.

    The worker enforces the budget itself; only code that never returns to Python (one long
    C call in grader-side test code) outlives it.
    """
    budget = getattr(context, "budget_seconds", None)
    if not budget:
        return
    ours = {p.pid: p for p in (getattr(executor, "_processes", None) or {}).values()}
    for _marker, pid, student, age in _markers(context):
        if age > budget + context.overdue_grace and pid in ours and ours[pid].is_alive():
            overdue.add(student)
            ours[pid].kill()


def _overdue_result(task: SubmissionTask, context) -> SubmissionResult:
    """A submission whose worker was stopped past its time budget: scored 0, flagged."""
    limit = context.budget_seconds + context.overdue_grace
    why = (
        f"grading ran {limit:.0f} s, past the submission's time budget; the worker was "
        "stopped and the submission scored 0"
    )
    names = list(getattr(context.snapshot, "notebooks", {}))
    # (review 68 A#3: an info ``timeout`` flag had left it out of the review, its time 0 s)
    return SubmissionResult(
        task.student, task.digest, zeroed=names, flags=[Flag("worker_stopped", why)],
        seconds=limit,
    )  # fmt: skip


def stop_workers(executor, grace: float = 3.0) -> None:
    """Stop a pool now: cancel what is queued and end every worker, busy or not.

    ``ProcessPoolExecutor.shutdown`` waits for the running tasks, which may be busy for as
    long as a submission takes: an interrupted run must not. Each worker gets ``SIGTERM``
    (it stops its kernel templates and exits), and ``SIGKILL`` after ``grace`` seconds; a
    kernel in a bubblewrap sandbox dies with its worker (``--die-with-parent``).
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1.0)


def _execute(tasks, jobs, context, on_result, executor=None, run=_run_task) -> None:
    """Run ``tasks`` on ``jobs`` workers; call ``on_result`` in the parent as each finishes.

    A worker that dies breaks the pool, and the pool is rebuilt; every unfinished submission
    that was not being graded is queued again without charge. A submission that was being
    graded alone when the pool broke is charged one attempt (two attempts, then a grading
    error). When several were being graded, none is charged: each is graded again alone
    first, so that only the one that kills its worker is charged, never its neighbour.
    """
    attempts = {t.student: 0 for t in tasks}
    suspects: set[str] = set()
    overdue: set[str] = set()  # stopped past their time budget (scored 0, never retried)
    pending = list(tasks)
    while pending:
        solo = next((t for t in pending if t.student in suspects), None)
        if solo is not None:
            queue, rest, width = [solo], [t for t in pending if t is not solo], 1
        else:
            queue, rest, width = pending, [], jobs
        pending, futures, broken = [], {}, []
        executor = executor or start_pool(
            min(width, len(queue)), own_ids=getattr(context, "sandbox", "off") != "off"
        )
        interrupted = refused = False
        try:
            while (queue or futures) and not broken and not refused:
                while queue and len(futures) < width * 2:
                    task = queue.pop(0)
                    try:
                        future = executor.submit(_tracked, run, task, context)
                    except BrokenProcessPool:  # a worker died since the last wait: the
                        queue.insert(0, task)  # pool refuses work (review 50: the run had
                        refused = True  # ended on it, four submissions ungraded)
                        break
                    futures[future] = task
                done, _ = wait(futures, timeout=5.0, return_when=FIRST_COMPLETED)
                _stop_overdue(executor, context, overdue)
                for future in done:
                    task = futures.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken.append(task)
                        continue
                    except Exception as err:  # pickling or worker-side failure
                        result = SubmissionResult(
                            task.student,
                            task.digest,
                            error=repr(err),
                            flags=[Flag("grading_error", repr(err)[:120])],
                        )
                    suspects.discard(task.student)
                    on_result(task, result)
        except BaseException:  # Ctrl-C (KeyboardInterrupt), SIGTERM turned into SystemExit
            interrupted = True
            stop_workers(executor)
            raise
        finally:
            if not interrupted:
                executor.shutdown(wait=True, cancel_futures=True)
            executor = None
        unfinished = [*broken, *futures.values(), *queue]
        running = _running(context) if broken or refused else set()
        involved = running & {t.student for t in unfinished}
        if broken and not involved:
            involved = {t.student for t in broken}  # no marker: what broke was running
        if overdue & {t.student for t in unfinished}:
            involved = set()  # the pool broke because the parent stopped an overdue worker
        for task in unfinished:
            if task.student in overdue:
                on_result(task, _overdue_result(task, context))
                continue
            if task.student in involved:
                if len(involved) == 1:  # graded alone when its worker died: charged
                    attempts[task.student] += 1
                suspects.add(task.student)
            if attempts[task.student] >= 2:
                suspects.discard(task.student)
                why = "the grading worker process died twice while grading this submission"
                on_result(
                    task,
                    SubmissionResult(
                        task.student, task.digest, error=why, flags=[Flag("grading_error", why)]
                    ),
                )
            else:
                pending.append(task)
        pending += rest


# --- the command -------------------------------------------------------------------------------


#: The smallest ``--memory`` (MB) a kernel starts under (review 48: under 512 MB every
#: kernel died before it answered, and every submission was an ERROR).
MIN_MEMORY_MB = 1024


def grade_assignment(
    course: Course, name: str, options: GradeOptions | None = None, *, log=print, executor=None
) -> GradeRun:
    """Grade the submissions of one assignment (see the module docstring).

    Parameters
    ----------
    course : Course
        The course.
    name : str
        The assignment (``01-dose-response`` or ``1``).
    options : GradeOptions, optional
        Jobs, students, force, timeout, sandbox mode, memory limit, ...
    log : callable
        Where progress messages go (``print``).
    executor : concurrent.futures.ProcessPoolExecutor, optional
        Workers started earlier (:func:`~resistlab.course.grading.pool.start_pool`); shut down on
        return.

    Returns
    -------
    GradeRun
        The summary rows (one per submission), the CSV path and counts.
    """
    from nbgrader.coursedir import CourseDirectory

    options = options or GradeOptions()
    if options.sandbox not in ("auto", "require", "off"):
        raise CourseError(f"--sandbox must be auto, require or off, not {options.sandbox!r}.")
    if options.memory_mb and options.memory_mb < MIN_MEMORY_MB:
        raise CourseError(
            f"--memory must be at least {MIN_MEMORY_MB} MB (or 0 for no limit), not "
            f"{options.memory_mb}: a kernel's Python with numpy, SciPy and matplotlib needs "
            "more to start (under 512 MB none did)."
        )
    started = time.monotonic()
    assignment = course.select([name])[0]
    python = _kernel_python("python3")
    kernel_info = {python: _in_background(_kernel_info, python)}  # a second, in parallel
    config = load_course_config(course.root)
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course.root)
    if options.zip_collect:
        from resistlab.course import run_nbgrader

        from .zipcollect import BoundedExtractor, CheckedCollector

        handle, record = tempfile.mkstemp(prefix="rl-zip-skipped-", suffix=".jsonl")
        os.close(handle)
        record = Path(record)
        args = ["--force"] if options.force else []
        args += [
            f"--{plugin}.skip_record={record}"
            for plugin in ("BoundedExtractor", "CheckedCollector")
        ]
        zc = config.get("ZipCollectApp", {})
        if "collector_plugin" not in zc:  # a course's own plugins win
            args.append(f"--ZipCollectApp.collector_plugin={CheckedCollector.__module__}."
                        f"{CheckedCollector.__name__}")  # fmt: skip
        if "extractor_plugin" not in zc:
            args.append(f"--ZipCollectApp.extractor_plugin={BoundedExtractor.__module__}."
                         f"{BoundedExtractor.__name__}")  # fmt: skip
        try:
            run_nbgrader(["zip_collect", assignment.name, *args], root=course.root)
            every = course.root / "grading" / assignment.name / "zip-collect-skipped.txt"
            skipped = _zip_collect_skipped(record, course.root, every)
        finally:
            record.unlink(missing_ok=True)
        # the students' files, .py included, as extracted: a notebook opened or validated
        # there had run a submitted ipykernel_launcher.py as the instructor (the uploads stay
        # in the archive folder, the collected copies in submitted/)
        remove_tree(
            course.root
            / zc.get("downloaded_directory", "downloaded")
            / assignment.name
            / zc.get("extracted_directory", "extracted")
        )
        if skipped:
            warn(
                "--zip-collect skipped (those students are not collected):\n"
                f"{skipped}\n(every file skipped, and why: {every.relative_to(course.root)})"
            )
        for folder in (course.root / coursedir.submitted_directory).glob("*/" + assignment.name):
            if not unreadable_folder(folder):  # a link or a non-folder is never followed
                drop_special_bits(folder)
    _ensure_released(course, assignment, coursedir, log)
    submissions = _submissions(coursedir, assignment.name, options.students)
    if not submissions:
        pattern = coursedir.format_path(coursedir.submitted_directory, "*", assignment.name)
        log(f"no submissions of {assignment.name} in {pattern}.")
        return GradeRun([], None)
    jobs = max(1, options.jobs or os.cpu_count() or 1)
    own_ids = options.sandbox != "off"
    executor = executor or start_pool(min(jobs, len(submissions)), own_ids=own_ids)
    try:
        run = _Run(course, assignment, config, coursedir, options, jobs, log)
        return run.grade(submissions, executor, kernel_info, started)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


class _Run:
    """The state of one ``grade`` run in the parent process."""

    def __init__(self, course, assignment, config, coursedir, options, jobs, log):
        self.course, self.config, self.coursedir = course, config, coursedir
        self.name, self.source_path = assignment.name, assignment.path
        self.options, self.jobs, self.log = options, jobs, log
        self.state_dir = course.root / "grading" / self.name
        self.ledger = Ledger(self.state_dir / "ledger.json")
        self.rows: dict[str, GradeRow] = {}
        self.forked_kernels = 0
        self.kernel_notes: list[str] = []

    def grade(self, submissions, executor, kernel_info, started) -> GradeRun:
        from nbgrader.api import Gradebook

        self.snapshot = _snapshot(self.course, self.coursedir, self.name)
        changed = _tests_changed_since_release(self.snapshot, self.source_path)
        if changed:
            warn(
                f"The tests of {self.name} changed after they were released "
                f"({', '.join(changed[:4])}): grading uses the released ones.\nRun `resistlab "
                f"release {self.name}` then `resistlab grade {self.name} --force` to grade with "
                "the new tests."
            )
        self.fingerprint = self.snapshot.fingerprint()
        tasks, skipped = self._plan(submissions)
        missing = {}
        tmp = "/tmp" if Path("/tmp").is_dir() else None
        remove_stale_runs(Path(tmp or tempfile.gettempdir()))
        run_dir = Path(tempfile.mkdtemp(prefix="rlg-", dir=tmp))
        held = _hold(run_dir)
        try:
            with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as self.gb:
                if tasks:
                    missing = self._execute(tasks, skipped, executor, kernel_info, run_dir)
                elif not self.options.quiet:
                    self.log(
                        f"nothing new to grade: {len(skipped)} submission(s) of {self.name} are "
                        "unchanged since they were graded (use --force to regrade)."
                    )
                for student in skipped:
                    entry = self.ledger.get(student)
                    self.rows[student] = _skipped_row(self.gb, self.name, student, entry)
        finally:
            from .sandbox import GroupLimits

            GroupLimits.sweep(f"resistlab-{run_dir.name}-")  # workers that were killed
            if not self.options.keep_scratch:
                remove_run_folders(run_dir)
            else:  # kept for a person to look at: no later run removes it
                (run_dir / ".kept").touch()
            if held is not None:
                os.close(held)
        return self._report(len(skipped), missing, started)

    def _execute(self, tasks, skipped, executor, kernel_info, run_dir) -> dict:
        options = self.options
        context = self._context(run_dir, kernel_info)
        # the sandbox's probe runs while the workers load and start their templates (the
        # first submission of the pool waits on the fork server: about a second)
        checked = None
        if options.sandbox != "off":
            checked = _in_background(_check_sandbox, context, options, run_dir)
        with contextlib.suppress(BrokenProcessPool, RuntimeError):  # then the run says why
            for _ in range(min(self.jobs, len(tasks))):  # templates start while we work
                executor.submit(prepare, context)
        missing = {}
        if checked is not None:
            missing = checked.result()
            if os.getuid() != 0 and subordinate_ids() is None:
                warn(
                    "Your account has no subordinate ids (/etc/subuid, /etc/subgid and "
                    "newuidmap, Debian package uidmap): the kernels run under your own uid and "
                    "share Linux's per-user tables with you (docs/grading.md, Known limits)."
                )
        else:
            warn(
                "--sandbox off: student code runs with YOUR permissions (it can read the "
                "gradebook, the solutions and other submissions, and use the network)."
            )
        if not options.quiet:
            unchanged = (
                f"; {len(skipped)} unchanged, not regraded (use --force)" if skipped else ""
            )
            self.log(
                f"grading {len(tasks)} submission(s) of {self.name} with {self.jobs} worker(s)"
                + unchanged
            )
        self.progress = None if options.quiet else Progress(len(tasks))
        try:
            _execute(tasks, self.jobs, context, self._on_result, executor)
        except KeyboardInterrupt:
            done = sum(1 for r in self.rows.values() if r.status == "graded")
            warn(
                f"interrupted: {done} of {len(tasks)} submission(s) were graded and recorded."
                "\nRun the same command again to grade the rest."
            )
            raise
        return missing

    def _on_result(self, task: SubmissionTask, result: SubmissionResult) -> None:
        """Record one result (autograded files, gradebook, then ledger), in the parent."""
        row = self._store(task, result)
        self.rows[task.student] = row
        self.forked_kernels += result.forked_kernels
        for note in result.kernel_notes:
            if note not in self.kernel_notes:
                self.kernel_notes.append(note)
                warn(f"{note}; kernels start from scratch instead (slower, equally safe).")
        if row.status == "graded":
            self.ledger.put(
                task.student,
                {
                    **_row_dict(row),
                    "digest": task.digest,
                    "fingerprint": self.fingerprint,
                    "grading": self.grading,
                    "extension": self.extensions.get(task.student, "None"),
                    "graded_at": datetime.now(timezone.utc).isoformat(),
                },
            )
        if self.progress:
            self.progress.update(task.student, "ERROR" if row.status == "error" else "")

    def _plan(self, submissions) -> tuple[list[SubmissionTask], list[str]]:
        """Split the submissions into tasks to grade and students to skip: unchanged, graded
        under the same settings (:meth:`_settings`), with their gradebook entry and their
        autograded notebooks (review 64: a new gradebook, or a student removed from it, or
        an autograded notebook deleted, had been skipped as unchanged)."""
        tasks, skipped = [], []
        notebooks = [f"{name}.ipynb" for name in self.snapshot.notebooks]
        in_gradebook, duedate = self._in_gradebook()
        self.grading = self._settings(duedate)
        extensions = self.extensions
        for student, folder in submissions.items():
            digest = submission_digest(folder, self.coursedir.ignore, notebooks)
            entry = self.ledger.get(student) or {}
            dest = Path(
                self.coursedir.format_path(self.coursedir.autograded_directory, student, self.name)
            )
            fresh = (
                entry.get("digest") == digest
                and entry.get("fingerprint") == self.fingerprint
                and entry.get("grading") == self.grading
                and entry.get("status") == "graded"
                and student in in_gradebook
                and entry.get("extension", "None") == extensions.get(student, "None")
                and all((dest / name).is_file() for name in notebooks)
            )
            if fresh and not self.options.force:
                skipped.append(student)
            else:
                source = self.course.source_dir / self.name
                tasks.append(SubmissionTask(student, str(folder), str(source), digest))
        return tasks, skipped

    def _in_gradebook(self) -> tuple[set[str], str]:
        """The students with a submission of this assignment in the gradebook, and the
        assignment's due date there; each student's extension, in :attr:`extensions`
        (review 65: an extension granted after a late grade had kept its penalty)."""
        from nbgrader.api import Assignment, Gradebook, MissingEntry, SubmittedAssignment

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            rows = (
                gb.db.query(SubmittedAssignment.student_id, SubmittedAssignment.extension)
                .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
                .filter(Assignment.name == self.name)
            )
            self.extensions = {student: str(extension) for student, extension in rows}
            try:
                duedate = str(gb.find_assignment(self.name).duedate)
            except MissingEntry:
                duedate = "None"
        granted = sorted(safe(s) for s, given in self.extensions.items() if given != "None")
        if granted and duedate == "None":
            warn(
                f"{self.name} has no due date, so the extensions granted to {', '.join(granted)} "
                f"change nothing: set one with `nbgrader db assignment add {self.name} "
                "--duedate=...`."
            )
        return set(self.extensions), duedate

    def _settings(self, duedate: str) -> str:
        """What else a grade depends on besides the submission and the tests, recorded in
        each ledger entry: a grade made under other settings is not kept (review 63: one
        made with ``--sandbox off`` had been kept by a ``--sandbox require`` run; review 64:
        one made under another cell time limit, kernel uid, configuration, due date or
        ``--no-mark-review``, or by another build of one version, or without bubblewrap)."""
        import resistlab

        options = self.options
        config = json.dumps(_canonical(self.config)).encode()
        config_file = self.course.root / "nbgrader_config.py"
        uid = "root" if os.getuid() == 0 else "subordinate" if subordinate_ids() else "own"
        return json.dumps(
            {
                "resistlab": f"{resistlab.__version__} {_package_digest()[:16]}",
                "sandbox": options.sandbox,
                "bubblewrap": bwrap_path() is not None,
                "kernel uid": uid,
                "cgroups": options.cgroups,
                "memory": options.memory_mb,
                "processes": options.processes,
                "timeout": options.timeout,
                "mark review": options.mark_review,
                "configuration": hashlib.sha256(config).hexdigest()[:16],
                "configuration file": _file_digest(config_file),
                "assignment files": _assignment_files(
                    self.course.source_dir / self.name, self.coursedir.ignore
                ),
                "due date": duedate,
            },
            sort_keys=True,
        )

    def _context(self, run_dir: Path, kernel_info: dict) -> GradingContext:
        """Everything the workers need, computed once."""
        coursedir, snapshot, options = self.coursedir, self.snapshot, self.options
        kernelspec = next(iter(snapshot.notebooks.values())).kernelspec or {}
        python = _kernel_python(kernelspec.get("name", "python3"))
        info = kernel_info[python].result() if python in kernel_info else _kernel_info(python)
        root = self.course.root
        steps = (
            coursedir.source_directory,
            coursedir.release_directory,
            coursedir.submitted_directory,
            coursedir.autograded_directory,
            coursedir.feedback_directory,
            coursedir.solution_directory,
        )
        protected = [coursedir.format_path(step, ".", ".") for step in steps]
        protected += [str(root / "grading"), str(root / "nbgrader_config.py"), str(run_dir)]
        if coursedir.db_url.startswith("sqlite:///"):
            protected.append(coursedir.db_url[len("sqlite:///") :])
        timeout = options.timeout or int(self.config.Execute.get("timeout", 30) or 30)
        n_cells = max(len(nb.source_cells) for nb in snapshot.notebooks.values())
        threads = max(1, (os.cpu_count() or 1) // self.jobs)
        return GradingContext(
            snapshot=snapshot,
            config=self.config,
            run_dir=str(run_dir),
            ignore=list(coursedir.ignore),
            sandbox=options.sandbox,
            timeout=options.timeout,
            python_paths=info["paths"],
            kernel_bin=info["bin"],
            kernel_python=python,
            protected=[os.path.realpath(p) for p in protected],
            fences=[str(root.resolve()), str(run_dir)],
            extra_read=[p for p in (info.get("data"),) if p],
            memory_bytes=options.memory_mb * 2**20 if options.memory_mb else None,
            cpu_seconds=timeout * (n_cells + 2) * threads + 60,
            processes=options.processes,
            cgroups=options.cgroups,
            threads=threads,
            mpl_cache=info.get("mpl"),
            keep_scratch=options.keep_scratch,
            warm_kernels=options.warm_kernels,
            # Every cell of every notebook at its time limit, plus kernel starts: replays
            # after a kernel death come out of the same budget.
            budget_seconds=options.budget_seconds
            or timeout * (sum(len(nb.source_cells) for nb in snapshot.notebooks.values()) + 2)
            + 30,
        )

    def _store(self, task: SubmissionTask, result: SubmissionResult) -> GradeRow:
        """Write one result (autograded files, then the gradebook); never raises."""
        snapshot, coursedir = self.snapshot, self.coursedir
        if result.error:
            why = result.error.strip().splitlines()[-1]
            try:  # Formgrader reads an ERROR's timestamp.txt too (review 59)
                _timestamp(task.folder, result)
            except CourseError as err:
                why += f"; {err}"
                result.flags = [*result.flags, Flag("grading_error", str(err)[:300])]
            warn(
                f"could not grade {task.student}: {why}\n"
                "Nothing was written for this submission; it will be retried on the next run."
            )
            return GradeRow(
                task.student,
                None,
                snapshot.max_score,
                flags=result.flags,
                seconds=result.seconds,
                status="error",
            )
        try:
            dest = Path(
                coursedir.format_path(coursedir.autograded_directory, task.student, self.name)
            )
            # read (an unreadable one moved aside) before the folder is copied: a copy in
            # autograded/ had failed nbgrader's generate_feedback for that student (review 54)
            timestamp = _timestamp(task.folder, result)
            # review 60 C#2: stopped between removing the earlier files and recording the new
            # ones, the next run had found the submission unchanged, its notebook gone
            self.ledger.drop(task.student)
            write_autograded(
                dest,
                result,
                submitted=Path(task.folder),
                source=Path(task.source_folder),
                ignore=coursedir.ignore,
            )
            return record_submission(
                self.gb,
                result,
                assignment=self.name,
                snapshot=snapshot,
                config=self.config,
                timestamp=timestamp,
                mark_review=self.options.mark_review,
            )
        except Exception as err:
            self.gb.db.rollback()
            why = f"{type(err).__name__}: {err}".splitlines()[0][:200]
            warn(f"could not record the grades of {task.student}: {why}")
            return GradeRow(
                task.student,
                None,
                snapshot.max_score,
                flags=[*result.flags, Flag("grading_error", why)],
                seconds=result.seconds,
                status="error",
            )

    def _report(self, skipped: int, missing: dict, started: float) -> GradeRun:
        ordered = [self.rows[s] for s in sorted(self.rows)]
        path = write_csv(ordered, self.options.csv_path or self.state_dir / "summary.csv")
        run = GradeRun(
            ordered,
            path,
            graded=sum(r.status == "graded" for r in ordered),
            skipped=skipped,
            errors=sum(r.status == "error" for r in ordered),
            sandbox_missing=missing,
            seconds=time.monotonic() - started,
            forked_kernels=self.forked_kernels,
            kernel_notes=self.kernel_notes,
        )
        if not self.options.quiet:
            self.log("")
            self.log(summary_table(ordered))
            review = sum(r.review for r in ordered)
            self.log(
                f"\n{run.graded} graded, {run.skipped} unchanged, {run.errors} error(s), "
                f"{review} flagged for review; {run.seconds:.1f} s. Summary: {path}"
            )
        return run


def _timestamp(folder, result):
    """The submission's ``timestamp.txt`` as nbgrader reads it (with a time zone that is
    never a file's path: :func:`~resistlab.course.exchange.parse_time`); an unreadable one is no
    reason not to grade: no late penalty, and a review flag. It is moved aside, to the first
    of ``timestamp.txt.unreadable``, ``timestamp.txt.unreadable.1``, ... that is free (a
    file of the student's by that name had been overwritten, a folder had made the move
    fail); if it cannot be moved, a :class:`CourseError` (the submission is an ERROR, retried
    on the next run): Formgrader reads every student's ``timestamp.txt`` when it lists an
    assignment, and one that was not a time had failed every submission's page (HTTP 500),
    one that was a FIFO had stopped the instructor's server.

    A student or assignment folder that is a symbolic link (never followed here, scored 0)
    is moved aside the same way, to ``.NAME.link`` (``.NAME.link.1``, ...) beside it, where
    neither nbgrader's listings nor this grader look: Formgrader followed it to whatever
    ``timestamp.txt`` the link's target held, a FIFO put there after grading included."""
    from resistlab.course.exchange import parse_time, small_file

    for link in (Path(folder).parent, Path(folder)):
        if link.is_symlink():
            aside = _set_aside(str(link), str(link.with_name(f".{link.name}.link")))
            why = f"{link.parent.name}/{link.name} is a symbolic link; moved to {aside}"
            result.flags = sorted({*result.flags, Flag("file_access", why)})
            return None
    if unreadable_folder(folder):  # not a folder: never opened
        return None
    path = os.path.join(folder, "timestamp.txt")

    def unreadable(why: str) -> None:
        why = f"timestamp.txt unreadable ({why}); graded without late penalty"
        result.flags = sorted({*result.flags, Flag("invalid_metadata", why)})

    try:
        info = os.lstat(path)
    except OSError:
        aside = sorted(glob.glob(glob.escape(path) + ".unreadable*"))
        if aside:  # moved aside by an earlier run (below)
            unreadable(f"moved to {os.path.basename(aside[0])}")
        return None
    try:
        data = small_file(path, 4096)
        if data is None:
            raise ValueError("not a small regular file")
        text = data.decode("utf-8").strip()
        if not text:  # (only white space: nbgrader reads no time and says nothing)
            raise ValueError("no time")
        stamp = parse_time(text)  # nbgrader's reading, but a zone is never a file's path
    except Exception as err:  # nbgrader fails through self.fail (an AttributeError) or parses
        try:
            aside = _set_aside(path, path + ".unreadable")
        except CourseError as moving:
            raise CourseError(
                f"its timestamp.txt is not a time ({type(err).__name__}) and {moving}"
            ) from None
        unreadable(f"{type(err).__name__}; moved to {aside}")
        return None
    late = _implausible(path, stamp, info.st_ctime)
    if late:
        result.flags = sorted({*result.flags, Flag("implausible_timestamp", late)})
    return stamp


def _set_aside(path: str, name: str) -> str:
    """Rename ``path`` to the first of ``name``, ``name.1``, ... ``name.99`` that is free, else
    to ``name.`` and 16 random hexadecimal digits (review 61: a student who had taken all 100
    names made the submission an ERROR), a link renamed, never followed; return that name's
    last part, or raise a :class:`CourseError` saying what to do when it cannot be moved."""
    names = (name, *(f"{name}.{k}" for k in range(1, 100)), f"{name}.{secrets.token_hex(8)}")
    aside = next((n for n in names if not os.path.lexists(n)), None)
    try:
        if aside is None:
            raise OSError(0, "every name it could take is in use")
        os.rename(path, aside)
    except OSError as moving:
        raise CourseError(
            f"could not be moved aside ({moving.strerror}): Formgrader fails on it. Move "
            f"{path} out of {os.path.dirname(path)}, then grade again."
        ) from None
    return os.path.basename(aside)


def _implausible(path: str, stamp, ctime: float) -> str:
    """Why ``stamp`` (nbgrader's UTC reading of ``timestamp.txt``) cannot be true, or ''.

    The student's side writes ``timestamp.txt`` (``nbgrader submit``, in a folder the student
    owns in the exchange), so nbgrader, and this grader, take it on trust for lateness. One
    thing can be checked: the file's inode change time, set by the system when the file was
    copied into ``submitted/`` (``nbgrader collect``, ``zip_collect`` or by hand) and
    impossible to set from outside, is an upper bound on the real submission time. A claim
    later than that (beyond clock skew: 5 minutes, or 14 hours for a time without a zone,
    which may be local) is flagged. A claim that is too *early* cannot be detected here.
    """
    import datetime as dt

    if stamp is None:
        return ""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace").strip()
        import dateutil.parser

        zoned = len(text.split(" ")) == 3 or dateutil.parser.parse(text).tzinfo is not None
    except Exception:
        zoned = False
    slack = dt.timedelta(minutes=5) if zoned else dt.timedelta(hours=14)
    arrived = dt.datetime.fromtimestamp(ctime, dt.timezone.utc).replace(tzinfo=None)
    if stamp > arrived + slack:
        return (
            f"timestamp.txt says {stamp:%Y-%m-%d %H:%M} UTC, after it reached submitted/ "
            f"({arrived:%Y-%m-%d %H:%M} UTC); its late penalty is nbgrader's, from that claim"
        )
    return ""


def _snapshot(course, coursedir, name):
    import nbformat
    from nbgrader.api import Gradebook

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        release_nbs = {}
        for nb in gb.find_assignment(name).notebooks:
            path = Path(coursedir.format_path(coursedir.release_directory, ".", name))
            path = path / f"{nb.name}.ipynb"
            if path.is_file():
                release_nbs[nb.name] = nbformat.read(str(path), as_version=4)
        return read_snapshot(gb, name, release_nbs)


def _tests_changed_since_release(snapshot, source_path: Path) -> list[str]:
    """Test cells whose source in the instructor's notebook differs from the gradebook's."""
    import nbformat

    try:
        source = nbformat.read(str(source_path), as_version=4)
    except Exception:
        return []
    current = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in source.cells}
    nb = snapshot.notebooks.get(source_path.stem)
    if nb is None:
        return []
    return [
        c["name"]
        for c in nb.source_cells
        if c["name"] in nb.grade_cells and current.get(c["name"]) != c["source"]
    ]


def _check_sandbox(context: GradingContext, options: GradeOptions, run_dir: Path) -> dict:
    scratch = run_dir / "probe"
    scratch.mkdir()
    policy = build_policy(
        python_paths=context.python_paths,
        scratch=scratch,
        audit_path=run_dir / "probe.audit",
        protected=context.protected,
        fences=context.fences,
        extra_read=context.extra_read,
        memory_bytes=context.memory_bytes,
    )
    status = probe(policy)
    if context.memory_bytes or context.processes:  # the sandbox's group, or the fallback
        from .sandbox import GroupLimits

        group = None
        if getattr(options, "cgroups", True):
            group = GroupLimits(
                f"resistlab-{run_dir.name}-probe", context.memory_bytes, context.processes
            )
            group.remove()
        if group is None or not group.applied:
            why = "cgroups turned off" if group is None else group.why
            warn(
                f"No cgroup can be made for the kernels here ({why}): memory and process "
                "limits apply per process (RLIMIT_AS, RLIMIT_NPROC), so the processes of one "
                "kernel may together hold more than --memory (docs/grading.md, group limits; "
                "reported as layer rlimits_fallback)."
            )
    if bwrap_path() is None:
        status.missing["bwrap"] = (
            "bubblewrap is not installed (Debian: apt-get install bubblewrap); the hand-written "
            "layers below do not hide the grader's sockets or other kernels from a kernel"
        )
    if status.missing:
        lines = "\n".join(f"  - {layer}: {why}" for layer, why in status.missing.items())
        message = (
            f"The grading sandbox is INCOMPLETE on this machine; student code will run "
            f"with fewer protections:\n{lines}\nSee docs/grading.md for what each layer "
            "enforces. Every submission graded now carries a sandbox_degraded flag."
        )
        if options.sandbox == "require":
            raise CourseError(message + "\n(--sandbox require: refusing to grade.)")
        warn(message)
    return dict(status.missing)


def remove_run_folders(run_dir: Path, homes: Path | None = None) -> None:
    """Remove a run's folder and the kernel templates' homes its workers made
    (``rl-template-RUN-*`` in the temporary folder): a worker that was killed leaves its own,
    with files of its kernels' uids.

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp(prefix="rlg-"))
    >>> home = Path(tempfile.mkdtemp(prefix=f"rl-template-{run.name}-"))
    >>> remove_run_folders(run)
    >>> run.exists(), home.exists()
    (False, False)
    """
    remove_tree(run_dir)  # at any depth a kernel nested folders
    for home in (homes or Path(tempfile.gettempdir())).glob(f"rl-template-{run_dir.name}-*"):
        remove_tree(home)


def _hold(run_dir: Path) -> int | None:
    """Lock the run's folder for as long as the run lives (the descriptor is closed at its
    end, or by its death): :func:`remove_stale_runs` leaves it alone."""
    if fcntl is None:
        return None
    try:
        fd = os.open(run_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)  # (a new folder: no one else holds it)
    return fd


def remove_stale_runs(
    tmp: Path, older_than: float = 60.0, homes: Path | None = None
) -> list[Path]:
    """Remove what runs of this account killed with ``SIGKILL`` left: run folders
    (``rlg-*`` in ``tmp``) no living run holds (:func:`_hold`) and template homes
    (``rl-template-rlg-*`` in ``homes``, the temporary folder by default) whose run folder
    is gone, each older than ``older_than`` seconds (a run starting meanwhile has not locked
    its folder yet), and the cgroups of such a run's workers (``resistlab-RUN-*``: a killed
    run's stayed, empty). Files its kernels left under other uids go too
    (:func:`~.kernel.remove_tree`). Returns what was removed."""
    if fcntl is None:
        return []
    from .sandbox import GroupLimits

    removed, now = [], time.time()
    homes = homes or Path(tempfile.gettempdir())

    def ours(path: Path) -> bool:
        try:
            info = os.lstat(path)
        except OSError:
            return False
        return (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.geteuid()
            and now - info.st_ctime >= older_than
        )

    for run in tmp.glob("rlg-*"):
        if not ours(run) or (run / ".kept").exists():  # --keep-scratch
            continue
        try:
            fd = os.open(run, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a run that lives
            os.close(fd)
            continue
        try:
            GroupLimits.sweep(f"resistlab-{run.name}-")
            remove_run_folders(run, homes)
            removed.append(run)
        finally:
            os.close(fd)
    prefix = len("rl-template-")
    for home in homes.glob("rl-template-rlg-*"):
        if ours(home) and not (tmp / home.name[prefix : prefix + len("rlg-") + 8]).exists():
            remove_tree(home)
            removed.append(home)
    return removed


def _row_dict(row: GradeRow) -> dict:
    data = asdict(row)
    data["flags"] = [f.to_list() for f in row.flags]
    return data


def _skipped_row(gb, assignment: str, student: str, entry: dict) -> GradeRow:
    from nbgrader.api import MissingEntry

    flags = [Flag(*item) for item in entry.get("flags", [])]
    try:
        sub = gb.find_submission(assignment, student)
        failed = sorted(
            g.name
            for n in sub.notebooks
            for g in n.grades
            if g.max_score and (g.score or 0) < g.max_score
        )
        return GradeRow(
            student,
            float(sub.score),
            float(sub.max_score),
            float(sub.late_submission_penalty or 0),
            failed,
            flags,
            entry.get("seconds", 0.0),
            "skipped",
        )
    except MissingEntry:
        return GradeRow(
            student, entry.get("score"), entry.get("max_score", 0), 0, [], flags, 0.0, "skipped"
        )
