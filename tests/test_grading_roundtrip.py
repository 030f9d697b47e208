"""The nbgrader round trip on every assignment, in a throwaway course folder.

For each assignment: nbgrader generates the student copy; no hidden test or solution
survives in it; the source copy, submitted as a student, autogrades to full marks; the
untouched release copy autogrades to zero without the run failing; and a copy in which any
single answer is blanked loses points.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import assignment_params, autograde

from resistlab.course import run_nbgrader

pytestmark = pytest.mark.slow

STUB = "raise NotImplementedError()"


def blank_answer(source: str) -> str:
    """Replace the solution region of an answer cell by nbgrader's stub, keeping indentation."""
    out, inside = [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB)
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    assert not inside, "unterminated solution region"
    return "\n".join(out)


def hidden_lines(source_nb) -> set[str]:
    """Distinctive lines that appear only inside hidden-test regions."""
    hidden, visible = set(), set()
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            text = line.strip()
            if "### BEGIN HIDDEN TESTS" in text:
                inside = True
            elif "### END HIDDEN TESTS" in text:
                inside = False
            elif inside:
                hidden.add(text)
            else:
                visible.add(text)
    return {line for line in hidden - visible if len(line) >= 12}


def submit(course, student: str, name: str, nb) -> None:
    folder = course / "submitted" / student / name
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.mark.parametrize("path", assignment_params())
def test_round_trip(path, make_course):
    name = path.parent.name
    course = make_course(name)
    run_nbgrader(["generate_assignment", name, "--force"], root=course)
    release_path = course / "release" / name / f"{name}.ipynb"
    release_text = release_path.read_text()
    source = nbformat.read(path, as_version=4)

    # The student copy hides the tests and the solutions.
    assert "BEGIN HIDDEN TESTS" not in release_text
    assert "BEGIN SOLUTION" not in release_text
    leaked = [line for line in hidden_lines(source) if line in release_text]
    assert not leaked, f"hidden test lines in the release copy: {leaked[:3]}"

    # Students: the source copy, the blank release copy, one copy per blanked answer.
    submit(course, "full", name, source)
    submit(course, "blank", name, nbformat.read(release_path, as_version=4))
    answers = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell in answers:
        variant = nbformat.read(path, as_version=4)
        gid = cell.metadata.nbgrader.grade_id
        target = next(
            c for c in variant.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid
        )
        target.source = blank_answer(target.source)
        submit(course, f"without_{gid}", name, variant)

    run_nbgrader(autograde(name), root=course)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        full = gb.find_submission(name, "full")
        assert full.max_score >= 10
        assert full.score == pytest.approx(full.max_score), (
            f"source copy scored {full.score}/{full.max_score}: "
            + ", ".join(
                g.name
                for nb_ in full.notebooks
                for g in nb_.grades
                if g.auto_score is not None and g.auto_score < g.max_score
            )
        )
        blank = gb.find_submission(name, "blank")
        assert blank.score == 0, f"blank release copy scored {blank.score}"
        for cell in answers:
            gid = cell.metadata.nbgrader.grade_id
            partial = gb.find_submission(name, f"without_{gid}")
            assert partial.score < full.max_score, f"blanking {gid} costs no points"


def test_blank_answer_keeps_signature():
    """blank_answer() keeps the code around the solution region and indents the stub."""
    src = "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    assert blank_answer(src) == "def f(x):\n    '''doc'''\n    raise NotImplementedError()"
    assert re.search("return x", blank_answer(src)) is None
