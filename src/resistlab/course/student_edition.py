"""The student edition: what students may see of the course, built from the release copies.

``resistlab student-edition OUT`` writes::

    OUT/README.md                       for students: how to start, the assignments, handing in
    OUT/notebooks/NN-slug/NN-slug.ipynb nbgrader's release copies (no solutions, no hidden tests)
    OUT/datasheets/NAME.md              the datasheet of every shipped dataset
    OUT/requirements.txt                the environment (Binder/repo2docker read it)
    OUT/.resistlab-student-edition      marks the folder as one this command may rewrite

The release copies are made afresh by nbgrader's ``generate_assignment``. Before anything is
written the edition is checked: no line that appears only inside a solution region or a
hidden-test region of an instructor notebook may appear in any file of it
(:func:`instructor_only_lines`); if one does, nothing is written and the command fails.
The check compares whole lines of at least 12 (hidden tests) or 20 (solutions) characters, so
a very short solution line, or a line that also occurs in the library (which students have
anyway), is not looked for.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from resistlab import __version__
from resistlab.course import Course, CourseError, _read

__all__ = ["build_student_edition", "find_leaks", "instructor_only_lines", "solution_lines"]

MARKER = ".resistlab-student-edition"


def solution_lines(sources, *, min_length: int = 20) -> set[str]:
    """Distinctive lines found only inside ``### BEGIN SOLUTION`` regions of ``sources``.

    Examples
    --------
    >>> src = "### BEGIN SOLUTION\\nrate = x * 2 + offset_value\\n### END SOLUTION"
    >>> sorted(solution_lines([src]))
    ['rate = x * 2 + offset_value']
    """
    inside_lines, outside = set(), set()
    for source in sources:
        inside = False
        for line in source.splitlines():
            text = line.strip()
            if "BEGIN SOLUTION" in text:
                inside = True
            elif "END SOLUTION" in text:
                inside = False
            else:
                (inside_lines if inside else outside).add(text)
    return {line for line in inside_lines - outside if len(line) >= min_length}


def instructor_only_lines(course: Course) -> set[str]:
    """Hidden-test and solution lines of every instructor notebook of ``course``.

    A line that is also part of the text students see (e.g. a call quoted in the background)
    or of the library's own source is not instructor-only and is left out.
    """
    from .grading.feedback import _BEGIN, hidden_lines

    sources = [cell.source for a in course.assignments() for cell in _read(a.path).cells]
    library = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.rglob("*.py"))
    visible = "\n".join(
        source for source in sources if "BEGIN SOLUTION" not in source and _BEGIN not in source
    )
    lines = hidden_lines(sources) | solution_lines(sources)
    return {line for line in lines if line not in library and line not in visible}


def find_leaks(folder: Path, lines: set[str]) -> list[tuple[str, str]]:
    """``(file, line)`` for every instructor-only line found in a file under ``folder``."""
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [(str(path.relative_to(folder)), line) for line in lines if line in text]
    return found


def _readme(assignments) -> str:
    rows = "\n".join(
        f"| {a.name[:2]} | [{a.title}](notebooks/{a.name}/{a.name}.ipynb) | {a.points:g} |"
        for a in assignments
    )
    return f"""# resistlab — student edition (version {__version__})

Notebooks on tumour drug resistance: each assignment teaches one mechanism of resistance, or
one strategy against it, by computing with a small model and real or carefully simulated data.

## Start

- **In the browser (Binder or any repo2docker service):** open this folder there; the
  environment is described by `requirements.txt`.
- **On your computer** (Python 3.10 or newer):

  ```bash
  python -m pip install -r requirements.txt
  jupyter lab notebooks
  ```

## The assignments

| # | assignment | points |
|---|---|---|
{rows}

Each notebook states its learning objectives and estimated time. Work top to bottom: fill in
every cell marked `# YOUR CODE HERE` (replace `raise NotImplementedError()`), then run the
self-check under it. The hidden tests that grade your work check your answers on fresh inputs;
their messages tell you what to look at when something is off.

Before handing in: *Kernel → Restart Kernel and Run All Cells*. Do not edit, delete or copy the
read-only cells, and do not change a cell's type. Hand in the way your lecturer says (nbgrader's
*Assignments* tab on a JupyterHub, or the course's learning platform).

## The data

`datasheets/` describes every dataset the notebooks load: where each number comes from, its
citation, and what is simulated and with which seed. The data themselves ship inside the
`resistlab` package; nothing is downloaded.

## Licence

Code: MIT. Course content (notebooks, datasheets): CC BY 4.0.
"""


def build_student_edition(course: Course, out, *, log=print) -> Path:
    """Build the student edition of ``course`` in ``out`` (see the module doc).

    ``out`` must not exist, be empty, or be an earlier student edition (it is replaced).
    """
    from resistlab import datasets

    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise CourseError(
            f"{out} exists and is not a student edition; give a new or empty folder."
        )
    if out == course.root or (
        course.root in out.parents and out.parent == course.root / "notebooks"
    ):
        raise CourseError(f"{out} is inside the instructor's sources; choose another folder.")
    assignments = course.assignments()
    course.release(None, log=lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="student-edition-") as tmp:
        stage = Path(tmp) / "edition"
        for a in assignments:
            dest = stage / "notebooks" / a.name
            dest.mkdir(parents=True)
            nb = json.loads(course.release_path(a).read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                if cell["cell_type"] == "code":
                    cell["outputs"], cell["execution_count"] = [], None
            (dest / f"{a.name}.ipynb").write_text(
                json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        sheets = stage / "datasheets"
        sheets.mkdir()
        for name in datasets.list_datasets():
            (sheets / f"{name}.md").write_text(datasets.datasheet(name), encoding="utf-8")
        (stage / "README.md").write_text(_readme(assignments), encoding="utf-8")
        (stage / "requirements.txt").write_text(
            f"# The course's library and JupyterLab, at the version of this edition.\n"
            f"resistlab[lab]=={__version__}\n",
            encoding="utf-8",
        )
        (stage / MARKER).write_text(f"resistlab {__version__}\n", encoding="utf-8")
        leaks = find_leaks(stage, instructor_only_lines(course))
        if leaks:
            shown = "\n  ".join(f"{f}: {line!r}" for f, line in leaks[:5])
            raise CourseError(
                f"the student edition would carry {len(leaks)} instructor-only line(s); "
                f"nothing was written:\n  {shown}"
            )
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(stage, out)
    log(f"student edition of {len(assignments)} assignment(s) -> {out}")
    return out
