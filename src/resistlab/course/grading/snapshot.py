"""A read-only copy of what grading needs from the gradebook, for worker processes.

nbgrader's sanitising preprocessors (``OverwriteCells``, ``OverwriteKernelspec``) query the
gradebook for the instructor's version of every cell. Opening a ``Gradebook`` can write to
the database (it creates missing tables and the course row), so worker processes never open
one: the parent reads everything once into an :class:`AssignmentSnapshot` (plain, picklable
data), and :class:`SnapshotGradebook` answers the same queries from it. The result is
nbgrader's own sanitising logic, with the gradebook written by one process only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import OverwriteCells

__all__ = [
    "AssignmentSnapshot",
    "NotebookSnapshot",
    "SnapshotGradebook",
    "SnapshotOverwriteCells",
    "read_snapshot",
]


@dataclass
class NotebookSnapshot:
    """One notebook of the assignment: the instructor's cells and the released ones."""

    name: str
    kernelspec: dict | None
    source_cells: list[dict]  # name, cell_type, source, checksum, locked (gradebook order)
    grade_cells: dict[str, float]  # name -> max_score
    solution_cells: list[str]
    task_cells: dict[str, float]
    release_cells: list[dict] = field(default_factory=list)  # see integrity.structure_flags

    @property
    def max_score(self) -> float:
        return float(sum(self.grade_cells.values()) + sum(self.task_cells.values()))

    def test_sources(self) -> list[str]:
        """The instructor's full source of every test cell (hidden tests included)."""
        return [
            c["source"]
            for c in self.source_cells
            if c["name"] in self.grade_cells and c["cell_type"] == "code"
        ]

    def locked_code(self) -> list[str]:
        """The instructor's source of every locked code cell (setup, self-checks, tests)."""
        return [c["source"] for c in self.source_cells if c["locked"] and c["cell_type"] == "code"]


@dataclass
class AssignmentSnapshot:
    """Every notebook of one assignment, keyed by notebook name."""

    name: str
    notebooks: dict[str, NotebookSnapshot]

    @property
    def max_score(self) -> float:
        return sum(nb.max_score for nb in self.notebooks.values())

    def fingerprint(self) -> str:
        """A hash of the graded material: changes when the instructor re-releases new tests."""
        import hashlib

        digest = hashlib.sha256()
        for name in sorted(self.notebooks):
            nb = self.notebooks[name]
            digest.update(name.encode())
            for cell in nb.source_cells:
                digest.update(f"{cell['name']}:{cell['checksum']}".encode())
            digest.update(json.dumps(nb.grade_cells, sort_keys=True).encode())
        return digest.hexdigest()[:16]


def read_snapshot(
    gradebook: Gradebook, assignment: str, release_notebooks: dict
) -> AssignmentSnapshot:
    """Read an assignment's cells from an open gradebook (in the parent process).

    Parameters
    ----------
    gradebook : nbgrader.api.Gradebook
        An open gradebook (read only here).
    assignment : str
        The assignment's name.
    release_notebooks : dict
        ``{notebook name: nbformat.NotebookNode}``: the released student copies.
    """
    found = gradebook.find_assignment(assignment)
    notebooks = {}
    for nb in found.notebooks:
        release = release_notebooks.get(nb.name)
        release_cells = []
        if release is not None:
            for cell in release.cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if meta.get("grade_id"):
                    release_cells.append(
                        {
                            "grade_id": meta["grade_id"],
                            "cell_type": cell.cell_type,
                            "source": cell.source,
                            "locked": bool(meta.get("locked")),
                            "grade": bool(meta.get("grade")),
                            "solution": bool(meta.get("solution")),
                            "points": float(meta.get("points", 0) or 0),
                        }
                    )
        notebooks[nb.name] = NotebookSnapshot(
            name=nb.name,
            kernelspec=json.loads(nb.kernelspec) if nb.kernelspec else None,
            source_cells=[
                {
                    "name": c.name,
                    "cell_type": c.cell_type,
                    "source": c.source,
                    "checksum": c.checksum,
                    "locked": bool(c.locked),
                }
                for c in nb.source_cells
            ],
            grade_cells={c.name: float(c.max_score) for c in nb.grade_cells},
            solution_cells=[c.name for c in nb.solution_cells],
            task_cells={c.name: float(c.max_score) for c in nb.task_cells},
            release_cells=release_cells,
        )
    return AssignmentSnapshot(assignment, notebooks)


class SnapshotGradebook:
    """Answers the gradebook queries of ``OverwriteCells`` from a snapshot (never writes)."""

    def __init__(self, snapshot: AssignmentSnapshot):
        self.snapshot = snapshot

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def _notebook(self, notebook: str, assignment: str) -> NotebookSnapshot:
        if assignment != self.snapshot.name or notebook not in self.snapshot.notebooks:
            raise MissingEntry()
        return self.snapshot.notebooks[notebook]

    def find_source_cell(self, name: str, notebook: str, assignment: str):
        for cell in self._notebook(notebook, assignment).source_cells:
            if cell["name"] == name:
                return SimpleNamespace(**cell)
        raise MissingEntry()

    def find_graded_cell(self, name: str, notebook: str, assignment: str):
        nb = self._notebook(notebook, assignment)
        score = nb.grade_cells.get(name, nb.task_cells.get(name))
        if score is None:
            raise MissingEntry()
        return SimpleNamespace(name=name, max_score=score)

    def find_notebook(self, name: str, assignment: str):
        nb = self._notebook(name, assignment)
        return SimpleNamespace(
            name=nb.name,
            kernelspec=json.dumps(nb.kernelspec) if nb.kernelspec else None,
            source_cells=[SimpleNamespace(**c) for c in nb.source_cells],
            grade_cells=[SimpleNamespace(name=n, max_score=s) for n, s in nb.grade_cells.items()],
            solution_cells=[SimpleNamespace(name=n) for n in nb.solution_cells],
            task_cells=[SimpleNamespace(name=n, max_score=s) for n, s in nb.task_cells.items()],
        )


class SnapshotOverwriteCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, reading the instructor's cells from a snapshot."""

    def __init__(self, snapshot: AssignmentSnapshot, **kwargs):
        super().__init__(**kwargs)
        self._snapshot = SnapshotGradebook(snapshot)

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.gradebook = self._snapshot
        for index, cell in enumerate(nb.cells):
            nb.cells[index], resources = self.preprocess_cell(cell, resources, index)
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources

    def add_missing_grade_cells(self, nb, resources):
        """Re-add every graded cell missing from the submission, as nbgrader does, after the
        nearest earlier instructor cell the submission still has (at the top if none) and
        the cells the student added after it.

        nbgrader's own version inserts a missing cell after the source cell just before it,
        and fails with a ``KeyError`` when that cell is not a graded or solution cell of the
        submission (a locked self-check, a deleted answer, a renamed cell): one deleted test
        then made the submission an error on every run.
        """
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_nb.source_cells
        order = [cell.name for cell in source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}

        def position(grade_id):
            for index, cell in enumerate(nb.cells):
                meta = cell.get("metadata", {}).get("nbgrader")
                if isinstance(meta, dict) and meta.get("grade_id") == grade_id:
                    return index
            return None

        for name in order:
            if name not in grade_cells or position(name) is not None:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            source_index = order.index(name)
            added = self.missing_cell_transform(
                source_cells[source_index],
                grade_cells[name].max_score,
                is_solution=name in solution_ids,
            )
            at = 0
            for earlier in reversed(order[:source_index]):
                found = position(earlier)
                if found is not None:
                    at = found + 1
                    break
            # after the cells the student added there (a renamed answer is one): the test
            # runs on the student's code, as it would have in its place
            while at < len(nb.cells) and not nb.cells[at].get("metadata", {}).get("nbgrader"):
                at += 1
            nb.cells.insert(at, nbformat.from_dict(added))
        return nb, resources
