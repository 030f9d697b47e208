"""The course on disk: find assignments, release them, validate them, strip outputs.

A course root is a folder holding ``nbgrader_config.py`` and ``notebooks/NN-slug/NN-slug.ipynb``
(the instructor sources). This module is the layer under the ``resistlab`` command: it reads
notebooks with nbformat and runs nbgrader's own apps (``generate_assignment``, ``validate``,
``autograde``) in a subprocess whose ``PATH`` starts with this environment's ``bin/`` (nbgrader
calls ``alembic`` by name when it creates a gradebook).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Assignment",
    "Course",
    "CourseError",
    "NbgraderMissing",
    "ValidationResult",
    "answered_release",
    "nbgrader_env",
    "run_nbgrader",
    "strip_notebook",
]

ASSIGNMENT_PATTERN = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")


class CourseError(Exception):
    """Something about the course folder or an assignment name is wrong."""


class NbgraderMissing(CourseError):
    """nbgrader is not installed in this environment."""

    def __init__(self):
        super().__init__(
            "nbgrader is not installed in this Python environment "
            f"({sys.executable}). Install the instructor tools with "
            "`pip install 'resistlab[instructor]'` (or run `make lab` in the course repository)."
        )


def nbgrader_env(extra: dict | None = None) -> dict:
    """Return ``os.environ`` with this interpreter's ``bin/`` first on ``PATH``.

    Examples
    --------
    >>> import sys
    >>> from pathlib import Path
    >>> nbgrader_env()["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    True
    """
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        [bindir, *[p for p in env.get("PATH", "").split(os.pathsep) if p]]
    )
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    if extra:
        env.update(extra)
    return env


def run_nbgrader(args: list[str], *, root: Path, check: bool = True, timeout: float | None = None):
    """Run ``nbgrader ARGS`` for the course at ``root`` and return the completed process.

    Output is captured (``stdout``/``stderr`` as text). With ``check=True`` a non-zero exit
    raises :class:`CourseError` carrying nbgrader's own error lines.
    """
    if importlib.util.find_spec("nbgrader") is None:
        raise NbgraderMissing()
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"]
    proc = subprocess.run(
        cmd, cwd=root, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        lines = [
            ln for ln in (proc.stderr + proc.stdout).splitlines() if "ERROR" in ln or "Error" in ln
        ]
        detail = "\n".join(lines[-15:]) or (proc.stderr + proc.stdout)[-2000:]
        raise CourseError(
            f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n{detail}"
        )
    return proc


def _read(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def answered_release(release, source):
    """The release copy with every answer cell holding the instructor's solution.

    What a student who answers everything correctly hands in: the cells, ids and metadata of
    the release copy, with each answer cell's source replaced by the matching (same
    ``grade_id``) cell of the instructor's copy, solution markers removed. ``release`` is
    changed in place and returned.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> meta = {"nbgrader": {"grade_id": "a", "solution": True}}
    >>> source = new_notebook(cells=[new_code_cell(
    ...     "### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION", metadata=meta)])
    >>> release = new_notebook(cells=[new_code_cell("raise NotImplementedError()", metadata=meta)])
    >>> answered_release(release, source).cells[0].source
    'x = 1'
    """
    answers = {
        _nbgrader_meta(c)["grade_id"]: c.source
        for c in source.cells
        if _nbgrader_meta(c).get("solution")
    }
    for cell in release.cells:
        gid = _nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell.source = "\n".join(ln for ln in answers[gid].splitlines() if "### " not in ln)
    return release


@dataclass(frozen=True)
class Assignment:
    """One assignment of the course, as read from its source notebook."""

    name: str
    path: Path
    title: str
    points: float
    n_tests: int

    @classmethod
    def from_path(cls, path: Path) -> Assignment:
        nb = _read(path)
        points = 0.0
        n_tests = 0
        for cell in nb.cells:
            meta = _nbgrader_meta(cell)
            if meta.get("grade"):
                points += float(meta.get("points", 0))
                n_tests += 1
        title = path.parent.name
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                match = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
                if match:
                    title = match.group(1).strip()
                    break
        return cls(path.parent.name, path, title, points, n_tests)


@dataclass(frozen=True)
class ValidationResult:
    """What ``nbgrader validate`` said about one notebook."""

    assignment: str
    copy: str  # "source" or "release"
    ok: bool
    report: str


class Course:
    """The course rooted at ``root`` (the folder with ``nbgrader_config.py``).

    Parameters
    ----------
    root : path-like, optional
        The course root. By default the current folder or the nearest parent holding both
        ``nbgrader_config.py`` and ``notebooks/``.
    """

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = self._find_root(Path(root) if root is not None else Path.cwd())

    @staticmethod
    def _find_root(start: Path) -> Path:
        start = start.resolve()
        for folder in (start, *start.parents):
            if (folder / "nbgrader_config.py").is_file() and (folder / "notebooks").is_dir():
                return folder
        raise CourseError(
            f"no resistlab course found at or above {start}: a course folder holds "
            "nbgrader_config.py and notebooks/. Run the command inside the course repository, "
            "or pass --course PATH."
        )

    @property
    def source_dir(self) -> Path:
        return self.root / "notebooks"

    def assignments(self) -> list[Assignment]:
        """Every assignment, in order; a misnamed folder or notebook is an error."""
        found = []
        for folder in sorted(p for p in self.source_dir.iterdir() if p.is_dir()):
            if folder.name.startswith((".", "_")):
                continue
            if not ASSIGNMENT_PATTERN.match(folder.name):
                raise CourseError(
                    f"{folder} is not named like an assignment (NN-slug, e.g. 01-dose-response)."
                )
            notebook = folder / f"{folder.name}.ipynb"
            if not notebook.is_file():
                raise CourseError(
                    f"{folder} must hold exactly one notebook named {notebook.name}."
                )
            found.append(Assignment.from_path(notebook))
        return found

    def select(self, names: list[str] | None) -> list[Assignment]:
        """Return the named assignments (all when ``names`` is empty); unknown names are errors.

        A bare number picks the assignment with that prefix (``1`` or ``01`` → ``01-...``).
        """
        everything = self.assignments()
        if not names:
            return everything
        by_name = {a.name: a for a in everything}
        chosen = []
        for name in names:
            match = by_name.get(name) or next(
                (a for a in everything if name.isdigit() and a.name[:2] == f"{int(name):02d}"),
                None,
            )
            if match is None:
                known = ", ".join(by_name) or "(none)"
                raise CourseError(f"unknown assignment {name!r}; the assignments are: {known}.")
            chosen.append(match)
        return chosen

    def release_path(self, assignment: Assignment) -> Path:
        return self.root / "release" / assignment.name / assignment.path.name

    def status(self, assignment: Assignment) -> str:
        """``draft``, ``released`` or ``released (stale)``, plus submission and grading counts."""
        release = self.release_path(assignment)
        if not release.is_file():
            state = "draft"
        elif release.stat().st_mtime < assignment.path.stat().st_mtime:
            state = "released (stale)"
        else:
            state = "released"
        submitted = list((self.root / "submitted").glob(f"*/{assignment.name}"))
        graded = list((self.root / "autograded").glob(f"*/{assignment.name}"))
        if submitted:
            state += f", {len(submitted)} submitted, {len(graded)} autograded"
        return state

    def release(self, names: list[str] | None = None, *, log=print) -> list[Path]:
        """Generate the student copies (``release/NN-slug/``) of the named assignments."""
        paths = []
        for assignment in self.select(names):
            run_nbgrader(["generate_assignment", assignment.name, "--force"], root=self.root)
            path = self.release_path(assignment)
            if not path.is_file():
                raise CourseError(f"nbgrader did not write {path}.")
            log(f"released {assignment.name} -> {path.relative_to(self.root)}")
            paths.append(path)
        return paths

    def validate(self, names: list[str] | None = None, *, log=print) -> list[ValidationResult]:
        """Check that every source copy passes all its tests and every release copy none.

        Release copies are (re)generated first, so the check is always against the current
        source.
        """
        results = []
        for assignment in self.select(names):
            self.release([assignment.name], log=lambda _msg: None)
            for copy, path, flag, good in (
                ("source", assignment.path, [], "Success! Your notebook passes all the tests."),
                (
                    "release",
                    self.release_path(assignment),
                    ["--invert"],
                    "Success! The notebook does not pass any tests.",
                ),
            ):
                proc = run_nbgrader(["validate", *flag, str(path)], root=self.root, check=False)
                report = proc.stdout.strip()
                ok = proc.returncode == 0 and good in proc.stdout
                results.append(ValidationResult(assignment.name, copy, ok, report))
                verdict = "ok" if ok else "FAILED"
                expectation = "passes all its tests" if copy == "source" else "passes no test"
                log(f"{assignment.name} {copy} copy {expectation}: {verdict}")
                if not ok:
                    log(report or proc.stderr[-2000:])
        return results


def strip_notebook(path: str | os.PathLike, *, check: bool = False) -> bool:
    """Clear outputs and run state from a notebook, deterministically; return True if it changed.

    Outputs, execution counts, widget state and per-cell execution metadata are removed; the
    file is written with sorted keys, one-space indent and a final newline, so stripping twice
    changes nothing. With ``check=True`` the file is only compared, never written.
    """
    import nbformat

    path = Path(path)
    original = path.read_text(encoding="utf-8")
    nb = nbformat.reads(original, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("toc", None)
    nb.metadata["language_info"] = {"name": "python"}
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for index, cell in enumerate(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell["id"] = grade_id or f"cell-{index:03d}"
    text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    changed = text != original
    if changed and not check:
        path.write_text(text, encoding="utf-8")
    return changed
